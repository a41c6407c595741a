/*
 * bench_store — one page of a key with many values, as FIND_VALUE reads
 * it: store_get_page and store_get_digests at a few offsets of a key
 * holding N values, on LevelDB.  Prints a table; asserts nothing about
 * speed.  Usage: bench_store DIR [N [VALUE_BYTES [ROUNDS]]].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "bench_util.h"

#define BENCH_PAGE	64	/* WIRE_MAX_VALUES_PER_MSG */

int
main(int argc, char **argv)
{
	struct store_opts	 o;
	struct store		*st;
	struct store_result	 res;
	struct store_digest	 dg[BENCH_PAGE];
	uint8_t			 key[ID_LEN], *val;
	const char		*why;
	char			 err[512];
	size_t			 n, vlen, rounds, i, r, total, nd, offs[3], off;
	double			 t0, tp, td;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_store DIR [N [BYTES [ROUNDS]]]\n");
		return 2;
	}
	n = argc > 2 ? strtoul(argv[2], NULL, 10) : 4096;
	vlen = argc > 3 ? strtoul(argv[3], NULL, 10) : 100;
	rounds = argc > 4 ? strtoul(argv[4], NULL, 10) : 200;
	if (n < 1 || n > STORE_MAX_VALUES_PER_KEY || vlen < 8 ||
	    vlen > EMO_MAX_VALUE || rounds < 1)
		return 2;
	memset(&o, 0, sizeof(o));
	o.kind = STORE_LEVELDB;
	o.dir = argv[1];
	o.max_values_per_key = STORE_MAX_VALUES_PER_KEY;
	if ((st = store_open(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_store: %s\n", err);
		return 1;
	}
	if ((val = calloc(1, vlen)) == NULL)
		return 1;
	memset(key, 0x5a, sizeof(key));
	for (i = 0; i < n; i++) {
		memcpy(val, &i, sizeof(i));
		if (store_put(st, key, val, vlen, (int64_t)(i % 1000),
		    INT64_MAX / 2, 0, &why) == -1) {
			fprintf(stderr, "bench_store: put: %s\n", why);
			return 1;
		}
	}
	offs[0] = 0;
	offs[1] = n / 2;
	offs[2] = n > BENCH_PAGE ? n - BENCH_PAGE : 0;
	for (i = 0; i < 3; i++) {
		t0 = bench_now();
		for (r = 0; r < rounds; r++) {
			if (store_get_page(st, key, 0, 1, offs[i], BENCH_PAGE,
			    &res, &total, &why) == -1) {
				fprintf(stderr, "bench_store: %s\n", why);
				return 1;
			}
			store_result_free(&res);
		}
		tp = (bench_now() - t0) / (double)rounds;
		t0 = bench_now();
		for (r = 0; r < rounds; r++)
			if (store_get_digests(st, key, 0, 1, offs[i],
			    BENCH_PAGE, dg, &nd, &total, &why) == -1) {
				fprintf(stderr, "bench_store: %s\n", why);
				return 1;
			}
		td = (bench_now() - t0) / (double)rounds;
		printf("leveldb  %6zu values of %5zu B, page of %d at %6zu: "
		    "get_page %8.1f us, digests %8.1f us (total %zu)\n", n,
		    vlen, BENCH_PAGE, offs[i], tp * 1e6, td * 1e6, total);
	}
	t0 = bench_now();
	for (r = 0; r < rounds; r++)
		for (off = 0; off < n; off += nd)
			if (store_get_digests(st, key, 0, 1, off, BENCH_PAGE, dg,
			    &nd, &total, &why) == -1 || nd == 0) {
				fprintf(stderr, "bench_store: walk stopped\n");
				return 1;
			}
	td = (bench_now() - t0) / (double)rounds;
	t0 = bench_now();
	for (r = 0; r < rounds; r++)
		for (off = 0; off < n; off += res.n) {
			if (store_get_page(st, key, 0, 1, off, BENCH_PAGE,
			    &res, &total, &why) == -1 || res.n == 0) {
				fprintf(stderr, "bench_store: walk stopped\n");
				return 1;
			}
			nd = res.n;
			store_result_free(&res);
			res.n = nd;
		}
	tp = (bench_now() - t0) / (double)rounds;
	printf("leveldb  %6zu values of %5zu B, every page of %d in turn:  "
	    "get_page %8.1f us, digests %8.1f us (the whole key)\n", n, vlen,
	    BENCH_PAGE, tp * 1e6, td * 1e6);
	free(val);
	store_close(st);
	return 0;
}

/*
 * bench_storekeys — a store filling up with KEYS keys (a put of a new key
 * each), then each STORE and get as a serving node makes them: store_put
 * of a new 100-byte value under a key already held (the storing rules
 * read the key, the backend writes it) and store_get of a held key, keys
 * drawn at random, on the memory backend (and LevelDB with DIR).  The
 * gets come first, while each key holds one value.  Then two walks of
 * every key in order (store_keys, pages of BENCH_PAGE), as republish
 * makes: the first also puts the memory store's new keys in order.
 * Prints a table; asserts nothing about speed.
 * Usage: bench_storekeys KEYS [OPS [DIR]].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keccak.h"
#include "store.h"
#include "bench_util.h"

#define BENCH_VLEN	100
#define BENCH_MAX_KEYS	10000000
#define BENCH_PAGE	256

/* A walk of every key in order; its time a key, or -1. */
static double
bench_walk(struct store *st, size_t nkeys)
{
	static uint8_t keys[BENCH_PAGE][ID_LEN];
	const char *why;
	size_t total = 0;
	double t0 = bench_now();
	long n;

	do {
		n = store_keys(st, total > 0 ? keys[BENCH_PAGE - 1] : NULL,
		    BENCH_PAGE, keys, &why);
		if (n < 0) {
			fprintf(stderr, "bench_storekeys: keys: %s\n", why);
			return -1;
		}
		total += (size_t)n;
	} while (n == BENCH_PAGE);
	if (total != nkeys) {
		fprintf(stderr, "bench_storekeys: walked %zu keys of %zu\n",
		    total, nkeys);
		return -1;
	}
	return (bench_now() - t0) / (double)nkeys;
}

static void
bench_key(uint8_t key[ID_LEN], size_t n)
{
	keccak256(&n, sizeof(n), key);
}

static int
bench_one(const char *name, const struct store_opts *o, size_t nkeys,
    size_t ops)
{
	struct store		*st;
	struct store_result	 res;
	uint8_t			 key[ID_LEN], val[BENCH_VLEN];
	const char		*why;
	char			 err[512];
	uint64_t		 x = 88172645463325252ULL;
	size_t			 i, found = 0;
	double			 t0, tnew, tput, tget, tw1, tw2;

	if ((st = store_open(o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_storekeys: %s\n", err);
		return -1;
	}
	memset(val, 0x33, sizeof(val));
	t0 = bench_now();
	for (i = 0; i < nkeys; i++) {
		bench_key(key, i);
		memcpy(val, &i, sizeof(i));
		if (store_put(st, key, val, sizeof(val), 1, INT64_MAX / 2, 0,
		    &why) == -1) {
			fprintf(stderr, "bench_storekeys: put: %s\n", why);
			store_close(st);
			return -1;
		}
	}
	tnew = (bench_now() - t0) / (double)nkeys;
	t0 = bench_now();
	for (i = 0; i < ops; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		bench_key(key, (size_t)(x % nkeys));
		if (store_get(st, key, 0, 1, &res, &why) == -1) {
			fprintf(stderr, "bench_storekeys: get: %s\n", why);
			store_close(st);
			return -1;
		}
		found += res.n > 0;
		store_result_free(&res);
	}
	tget = (bench_now() - t0) / (double)ops;
	t0 = bench_now();
	for (i = 0; i < ops; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		bench_key(key, (size_t)(x % nkeys));
		memcpy(val + 8, &i, sizeof(i));
		if (store_put(st, key, val, sizeof(val), 2, INT64_MAX / 2, 0,
		    &why) == -1) {
			fprintf(stderr, "bench_storekeys: put: %s\n", why);
			store_close(st);
			return -1;
		}
	}
	tput = (bench_now() - t0) / (double)ops;
	if ((tw1 = bench_walk(st, nkeys)) < 0 ||
	    (tw2 = bench_walk(st, nkeys)) < 0) {
		store_close(st);
		return -1;
	}
	printf("%-8s %8zu keys: put of a new key %6.2f us, get %6.2f us, put "
	    "under a held key %6.2f us (%zu ops each); walks %.3f, %.3f us "
	    "a key\n", name, nkeys, tnew * 1e6, tget * 1e6, tput * 1e6, ops,
	    tw1 * 1e6, tw2 * 1e6);
	store_close(st);
	return found == ops ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct store_opts	 o;
	size_t			 nkeys, ops;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_storekeys KEYS [OPS [DIR]]\n");
		return 2;
	}
	nkeys = strtoul(argv[1], NULL, 10);
	ops = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	if (nkeys < 1 || nkeys > BENCH_MAX_KEYS || ops < 1)
		return 2;
	memset(&o, 0, sizeof(o));
	o.kind = STORE_MEMORY;
	o.max_values_per_key = STORE_MAX_VALUES_PER_KEY;
	if (bench_one("memory", &o, nkeys, ops) == -1)
		return 1;
	if (argc > 3) {
		o.kind = STORE_LEVELDB;
		o.dir = argv[3];
		if (bench_one("leveldb", &o, nkeys, ops) == -1)
			return 1;
	}
	return 0;
}

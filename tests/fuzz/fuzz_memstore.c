/*
 * fuzz_memstore — libFuzzer target for the memory store's keys (the AVL
 * tree and the hash index of store_mem_keys.c), whose keys peers choose:
 * the input is a program of puts, deletions, expiry sweeps, gets and key
 * walks over up to 65,536 keys, and after each of the first 256 steps,
 * one in 32 after them and the last, the tree must be ordered and
 * balanced and the index must hold exactly its keys (store_debug_check);
 * a walk must list every key once, in order.
 *
 * A step is 4 bytes: op, two key bytes (the key's first two bytes; the
 * rest are 0), and an argument.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_impl.h"

#define FZ_STEP		4
#define FZ_MAX_STEPS	4096
#define FZ_PAGE_MAX	64
#define FZ_CHECK_ALL	256	/* steps checked each */
#define FZ_CHECK_EVERY	32	/* then one step in so many */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fz_key(uint8_t key[ID_LEN], const uint8_t *p)
{
	memset(key, 0, ID_LEN);
	key[0] = p[0];
	key[1] = p[1];
}

/* Every key once, ascending, as many as the store counts. */
static void
fz_walk(struct store *st, size_t page)
{
	uint8_t			 keys[FZ_PAGE_MAX][ID_LEN], last[ID_LEN];
	struct store_stats	 s;
	const char		*why = NULL;
	size_t			 total = 0, i;
	long			 n;
	int			 have = 0;

	do {
		n = store_keys(st, have ? last : NULL, page, keys, &why);
		if (n < 0 || (size_t)n > page)
			abort();
		for (i = 0; i < (size_t)n; i++) {
			if (have && memcmp(keys[i], last, ID_LEN) <= 0)
				abort();
			memcpy(last, keys[i], ID_LEN);
			have = 1;
		}
		total += (size_t)n;
	} while ((size_t)n == page);
	store_stats(st, &s);
	if (total != s.keys)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_opts	 o;
	struct store_result	 res;
	struct store		*st;
	uint8_t			 key[ID_LEN], val, h[STORE_HASH_LEN];
	const char		*why = NULL;
	char			 err[256];
	size_t			 off, steps = 0;

	memset(&o, 0, sizeof(o));
	o.kind = STORE_MEMORY;
	o.max_values_per_key = 4;
	if ((st = store_open(&o, err, sizeof(err))) == NULL)
		abort();
	for (off = 0; off + FZ_STEP <= size && steps < FZ_MAX_STEPS;
	    off += FZ_STEP, steps++) {
		fz_key(key, data + off + 1);
		val = data[off + 3];
		switch (data[off] % 5) {
		case 0:		/* put: value byte, expiring at 10 ms x it */
			(void)store_put(st, key, &val, 1, 0,
			    10 * (int64_t)val + 10, 0, &why);
			break;
		case 1:		/* delete the value of that byte */
			store_hash(&val, 1, h);
			if (store_del(st, key, h, &why) < 0)
				abort();
			break;
		case 2:		/* expiry sweep at 10 ms x the byte */
			if (store_expire(st, 10 * (int64_t)val,
			    (size_t)data[off + 1] + 1, &why) < 0)
				abort();
			break;
		case 3:		/* a get */
			if (store_get(st, key, 0, 0, &res, &why) < 0)
				abort();
			store_result_free(&res);
			break;
		default:	/* a walk, pages of 1..FZ_PAGE_MAX */
			fz_walk(st, (size_t)val % FZ_PAGE_MAX + 1);
			break;
		}
		/* The check walks everything: after each of the first steps,
		 * then every FZ_CHECK_EVERY (fast enough to fuzz). */
		if ((steps < FZ_CHECK_ALL || steps % FZ_CHECK_EVERY == 0) &&
		    store_debug_check(st, &why) != 0)
			abort();
	}
	if (store_debug_check(st, &why) != 0)
		abort();
	fz_walk(st, FZ_PAGE_MAX);
	store_close(st);
	return 0;
}

/*
 * check_cache — the engine's bounded hash cache on its own: probing and
 * shared hashes, growth from min to max (and a lowered max), the oldest
 * probed entry given up when a probe run is full, drop, and hashes that
 * are never 0.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cache.h"
#include "check_util.h"

struct ent {
	struct cache_ent e;
	uint32_t	 key;
};

/* Writes key under hash h at time ms. */
static struct ent *
t_put(struct cache *c, uint64_t h, uint32_t key, int64_t ms)
{
	struct ent *x = (struct ent *)(void *)cache_slot(c, h);

	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->e.h, h);
	x->e.ms = ms;
	x->key = key;
	return x;
}

static struct ent *
t_find(const struct cache *c, uint64_t h, uint32_t key)
{
	struct cache_ent *e;
	size_t i = 0;

	while ((e = cache_next(c, h, &i)) != NULL)
		if (((struct ent *)(void *)e)->key == key)
			return (struct ent *)(void *)e;
	return NULL;
}

START_TEST(test_probe)
{
	struct cache c;
	struct ent *x;
	size_t i = 0;

	cache_init(&c, sizeof(struct ent), 8, 8);
	ck_assert_ptr_null(cache_next(&c, 5, &i));	/* nothing allocated */
	ck_assert_uint_eq(cache_used(&c), 0);
	t_put(&c, 5, 50, 1);
	ck_assert_ptr_nonnull(t_find(&c, 5, 50));
	ck_assert_ptr_null(t_find(&c, 5, 51));
	ck_assert_ptr_null(t_find(&c, 6, 50));
	/* The same hash again: the same slot, zeroed but for the hash. */
	x = (struct ent *)(void *)cache_slot(&c, 5);
	ck_assert_uint_eq(x->key, 0);
	ck_assert_int_eq(x->e.ms, 0);
	ck_assert_uint_eq(cache_used(&c), 1);
	cache_free(&c);
	cache_free(&c);		/* twice is harmless */
}
END_TEST

START_TEST(test_growth)
{
	struct cache c;
	uint32_t k;
	struct prng r = { 7 };
	uint64_t h[64];

	cache_init(&c, sizeof(struct ent), 4, 32);
	ck_assert_uint_eq(c.cap, 0);
	t_put(&c, 1, 1, 1);
	ck_assert_uint_eq(c.cap, 4);		/* min on first use */
	for (k = 0; k < 64; k++) {
		h[k] = prng_next(&r) | 1;
		t_put(&c, h[k], k, k);
		ck_assert_uint_le(c.cap, 32);
		ck_assert_uint_le(cache_used(&c), c.cap);
	}
	ck_assert_uint_eq(c.cap, 32);		/* grew to max, no further */
	/* The newest entries are still there. */
	ck_assert_ptr_nonnull(t_find(&c, h[63], 63));
	ck_assert_ptr_nonnull(t_find(&c, h[62], 62));
	cache_free(&c);
}
END_TEST

/* cache_limit lowers the bound (to a power of two), never raises it. */
START_TEST(test_limit)
{
	struct cache c;
	struct prng r = { 11 };
	uint32_t k;

	cache_init(&c, sizeof(struct ent), 16, 1024);
	cache_limit(&c, 100);			/* rounds down to 64 */
	ck_assert_uint_eq(c.max, 64);
	for (k = 0; k < 500; k++)
		t_put(&c, prng_next(&r) | 1, k, k);
	ck_assert_uint_eq(c.cap, 64);
	cache_free(&c);

	cache_init(&c, sizeof(struct ent), 16, 32);
	cache_limit(&c, 4096);			/* above the bound: no effect */
	ck_assert_uint_eq(c.max, 32);
	cache_limit(&c, 3);			/* below min: min follows */
	ck_assert_uint_eq(c.max, 2);
	ck_assert_uint_eq(c.min, 2);
	t_put(&c, 5, 5, 5);
	ck_assert_uint_eq(c.cap, 2);
	cache_free(&c);
}
END_TEST

/* Hashes that all probe the same four slots of a table of 4. */
START_TEST(test_oldest_evicted)
{
	struct cache c;
	struct ent *x;

	cache_init(&c, sizeof(struct ent), 4, 4);
	t_put(&c, 4, 1, 30);
	t_put(&c, 8, 2, 10);			/* the oldest */
	t_put(&c, 12, 3, 20);
	t_put(&c, 16, 4, 40);
	ck_assert_uint_eq(cache_used(&c), 4);
	x = t_put(&c, 20, 5, 50);
	ck_assert_uint_eq(cache_used(&c), 4);
	ck_assert_ptr_null(t_find(&c, 8, 2));
	ck_assert_ptr_nonnull(t_find(&c, 4, 1));
	ck_assert_ptr_nonnull(t_find(&c, 12, 3));
	ck_assert_ptr_nonnull(t_find(&c, 16, 4));
	ck_assert_ptr_eq(t_find(&c, 20, 5), x);
	cache_free(&c);
}
END_TEST

START_TEST(test_drop)
{
	struct cache c;
	struct ent *x;

	cache_init(&c, sizeof(struct ent), 8, 8);
	t_put(&c, 9, 1, 1);
	x = t_put(&c, 10, 2, 2);
	ck_assert_uint_eq(cache_used(&c), 2);
	cache_drop(&c, &x->e);
	ck_assert_uint_eq(cache_used(&c), 1);
	ck_assert_ptr_null(t_find(&c, 10, 2));
	ck_assert_ptr_nonnull(t_find(&c, 9, 1));
	cache_drop(&c, &x->e);			/* a free slot: no-op */
	ck_assert_uint_eq(cache_used(&c), 1);
	cache_free(&c);
}
END_TEST

START_TEST(test_hash)
{
	struct prng r = { 11 };
	struct addr a, b;
	const char *errstr;
	uint64_t salt, v;
	uint8_t buf[40];
	size_t i, n;

	for (i = 0; i < 20000; i++) {
		salt = prng_next(&r);
		v = prng_next(&r);
		n = (size_t)(v % sizeof(buf));
		memcpy(buf, &v, sizeof(v));
		memcpy(buf + 8, &salt, sizeof(salt));
		ck_assert_uint_ne(cache_hash(salt, buf, n), 0);
	}
	ck_assert_uint_ne(cache_hash(0, NULL, 0), 0);
	/* Keyed: the salt changes it; so do the bytes and the length. */
	ck_assert_uint_ne(cache_hash(1, "abc", 3), cache_hash(2, "abc", 3));
	ck_assert_uint_ne(cache_hash(1, "abc", 3), cache_hash(1, "abd", 3));
	ck_assert_uint_ne(cache_hash(1, "abc", 3), cache_hash(1, "abc", 2));
	/* Addresses: the port counts. */
	ck_assert_int_eq(addr_parse(&a, "10.0.0.1:7000", &errstr), 0);
	ck_assert_int_eq(addr_parse(&b, "10.0.0.1:7001", &errstr), 0);
	ck_assert_uint_ne(cache_hash_addr(3, &a), 0);
	ck_assert_uint_eq(cache_hash_addr(3, &a), cache_hash_addr(3, &a));
	ck_assert_uint_ne(cache_hash_addr(3, &a), cache_hash_addr(3, &b));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cache");
	TCase *tc;

	tc = tcase_create("slots");
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_drop);
	suite_add_tcase(s, tc);

	tc = tcase_create("bounds");
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_oldest_evicted);
	tcase_add_test(tc, test_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("hash");
	tcase_add_test(tc, test_hash);
	suite_add_tcase(s, tc);
	return check_run(s);
}

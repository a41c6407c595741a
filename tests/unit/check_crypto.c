/*
 * check_crypto — the buffered generator (struct crypto_rng): draws differ,
 * cross refills, wipe what they hand out, rekey at each refill and reseed
 * after CRYPTO_RNG_RESEED bytes; big draws bypass the pool.
 */
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "crypto.h"

static int
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

START_TEST(test_rng_draws_differ)
{
	struct crypto_rng g;
	uint64_t v[256];
	size_t i, j;

	ck_assert_int_eq(crypto_init(), 0);
	crypto_rng_init(&g);
	/* 2 KiB in 8-byte draws: four refills, no repeats. */
	for (i = 0; i < 256; i++)
		crypto_rng_fill(&g, &v[i], sizeof(v[i]));
	for (i = 0; i < 256; i++)
		for (j = i + 1; j < 256; j++)
			ck_assert(v[i] != v[j]);
	crypto_rng_clear(&g);
	ck_assert(all_zero((const uint8_t *)&g, sizeof(g)));
}
END_TEST

START_TEST(test_rng_wipes_and_rekeys)
{
	struct crypto_rng g;
	uint8_t key0[CRYPTO_RNG_KEY], a[13];
	size_t used;

	ck_assert_int_eq(crypto_init(), 0);
	crypto_rng_init(&g);
	memcpy(key0, g.key, sizeof(key0));
	crypto_rng_fill(&g, a, sizeof(a));
	/* The first draw refilled: a new key, and the bytes given are gone. */
	ck_assert(memcmp(key0, g.key, sizeof(key0)) != 0);
	ck_assert_uint_eq(g.left, CRYPTO_RNG_POOL - sizeof(a));
	ck_assert(all_zero(g.pool, sizeof(a)));
	ck_assert(!all_zero(a, sizeof(a)));
	/* A draw across the pool's end takes the rest, then a new pool. */
	while (g.left >= sizeof(a))
		crypto_rng_fill(&g, a, sizeof(a));
	used = sizeof(a) - g.left;
	crypto_rng_fill(&g, a, sizeof(a));
	ck_assert_uint_eq(g.left, CRYPTO_RNG_POOL - used);
	ck_assert(all_zero(g.pool, used));
	crypto_rng_clear(&g);
}
END_TEST

START_TEST(test_rng_reseeds)
{
	struct crypto_rng g;
	uint8_t b[64];
	size_t total = 0;
	int reseeded = 0;

	ck_assert_int_eq(crypto_init(), 0);
	crypto_rng_init(&g);
	/* since_seed counts up to the bound, then starts again. */
	while (total < 3 * CRYPTO_RNG_RESEED) {
		crypto_rng_fill(&g, b, sizeof(b));
		total += sizeof(b);
		ck_assert_uint_le(g.since_seed, CRYPTO_RNG_RESEED);
		if (g.since_seed == CRYPTO_RNG_POOL && total > CRYPTO_RNG_POOL)
			reseeded++;
	}
	ck_assert_int_ge(reseeded, 2);
	crypto_rng_clear(&g);
}
END_TEST

START_TEST(test_rng_big_draw_bypasses)
{
	struct crypto_rng g;
	uint8_t big[4 * CRYPTO_RNG_POOL];

	ck_assert_int_eq(crypto_init(), 0);
	crypto_rng_init(&g);
	memset(big, 0, sizeof(big));
	crypto_rng_fill(&g, big, sizeof(big));
	ck_assert_uint_eq(g.left, 0);		/* the pool was not touched */
	ck_assert(!all_zero(big, 64));
	ck_assert(!all_zero(big + sizeof(big) - 64, 64));
	crypto_rng_clear(&g);
}
END_TEST

static Suite *
crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("rng");

	tcase_add_test(tc, test_rng_draws_differ);
	tcase_add_test(tc, test_rng_wipes_and_rekeys);
	tcase_add_test(tc, test_rng_reseeds);
	tcase_add_test(tc, test_rng_big_draw_bypasses);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(crypto_suite());
}

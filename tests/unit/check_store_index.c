/*
 * check_store_index — many keys through the memory backend's hash index
 * (store_mem.c): every key put is found, every key taken out (by
 * store_del or store_expire) is gone and the others stay findable, the
 * index grows through several sizes, the ordered walk (store_keys)
 * agrees with the index, the index shrinks as keys go, and the tree stays
 * ordered and balanced through sorted insertions (store_debug_check).  The index's deletion moves entries within
 * their probe runs, which only many keys at half load exercise.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keccak.h"
#include "store.h"
#include "store_impl.h"
#include "check_util.h"

#define T_KEYS		3000
#define T_FAR		1000000000		/* an expiry far ahead */
#define T_SOON		500			/* an expiry before T_NOW */
#define T_NOW		1000			/* the expiry sweep's */

static void
t_key(uint8_t key[ID_LEN], unsigned n)
{
	keccak256(&n, sizeof(n), key);
}

/* Key n's one value: its own 4 bytes. */
static void
t_put(struct store *st, unsigned n, int64_t expires)
{
	uint8_t		 key[ID_LEN];
	const char	*why = NULL;

	t_key(key, n);
	ck_assert_msg(store_put(st, key, &n, sizeof(n), 1, expires, 0,
	    &why) == STORE_PUT_NEW, "put %u: %s", n, why ? why : "?");
}

/* The tree ordered and balanced, the index holding exactly its keys. */
static void
t_check(struct store *st)
{
	const char	*why = NULL;

	ck_assert_msg(store_debug_check(st, &why) == 0, "invariant: %s",
	    why ? why : "?");
}

/* 1 if key n holds its value, 0 if it holds nothing. */
static int
t_has(struct store *st, unsigned n, int64_t now)
{
	struct store_result	 res;
	uint8_t			 key[ID_LEN];
	const char		*why = NULL;
	unsigned		 got;

	t_key(key, n);
	ck_assert_msg(store_get(st, key, 0, now, &res, &why) == 0,
	    "get %u: %s", n, why ? why : "?");
	if (res.n == 0)
		return 0;
	ck_assert_uint_eq(res.n, 1);
	ck_assert_uint_eq(res.v[0].len, sizeof(got));
	memcpy(&got, res.v[0].data, sizeof(got));
	ck_assert_uint_eq(got, n);
	store_result_free(&res);
	return 1;
}

static struct store *
t_open(void)
{
	struct store_opts	 o;
	struct store		*st;
	char			 err[256];

	memset(&o, 0, sizeof(o));
	o.kind = STORE_MEMORY;
	o.max_values_per_key = 4;
	st = store_open(&o, err, sizeof(err));
	ck_assert_msg(st != NULL, "store_open: %s", err);
	return st;
}

static int
t_keycmp(const void *a, const void *b)
{
	return memcmp(a, b, ID_LEN);
}

/* store_keys lists exactly the keys n with want(n), in order. */
static void
t_keys_are(struct store *st, int (*want)(unsigned))
{
	static uint8_t	 exp[T_KEYS][ID_LEN], got[T_KEYS + 1][ID_LEN];
	const char	*why = NULL;
	unsigned	 n;
	size_t		 ne = 0;
	long		 ng;

	for (n = 0; n < T_KEYS; n++)
		if (want(n))
			t_key(exp[ne++], n);
	qsort(exp, ne, ID_LEN, t_keycmp);
	ng = store_keys(st, NULL, T_KEYS + 1, got, &why);
	ck_assert_msg(ng >= 0, "store_keys: %s", why ? why : "?");
	ck_assert_uint_eq((size_t)ng, ne);
	ck_assert_int_eq(memcmp(got, exp, ne * ID_LEN), 0);
}

static int t_all(unsigned n) { return 1; }
static int t_third(unsigned n) { return n % 3 == 2; }

START_TEST(test_index_many)
{
	struct store		*st = t_open();
	struct store_stats	 s;
	uint8_t			 key[ID_LEN], h[STORE_HASH_LEN];
	const char		*why = NULL;
	unsigned		 n;

	/* A third expires soon, the rest lives. */
	for (n = 0; n < T_KEYS; n++)
		t_put(st, n, n % 3 == 1 ? T_SOON : T_FAR);
	for (n = 0; n < T_KEYS; n++)
		ck_assert_msg(t_has(st, n, 0), "key %u lost after the puts",
		    n);
	t_check(st);
	t_keys_are(st, t_all);

	/* Take out a third by hand and a third by expiry. */
	for (n = 0; n < T_KEYS; n += 3) {
		t_key(key, n);
		store_hash(&n, sizeof(n), h);
		ck_assert_int_eq(store_del(st, key, h, &why), 1);
	}
	ck_assert_int_eq(store_expire(st, T_NOW, T_KEYS, &why), T_KEYS / 3);
	store_stats(st, &s);
	ck_assert_uint_eq(s.keys, T_KEYS / 3);
	t_check(st);
	for (n = 0; n < T_KEYS; n++)
		ck_assert_msg(t_has(st, n, 0) == (n % 3 == 2),
		    "key %u: wrongly found or lost after the deletions", n);
	t_keys_are(st, t_third);

	/* Back in: each found once, under its own key. */
	for (n = 0; n < T_KEYS; n++)
		if (n % 3 != 2)
			t_put(st, n, T_FAR);
	for (n = 0; n < T_KEYS; n++)
		ck_assert_msg(t_has(st, n, 0), "key %u lost after the re-puts",
		    n);
	store_stats(st, &s);
	ck_assert_uint_eq(s.keys, T_KEYS);
	t_check(st);
	t_keys_are(st, t_all);

	/* All out: the index shrinks back (t_check: 8 slots a key at most). */
	ck_assert_int_eq(store_expire(st, T_FAR + 1, 2 * T_KEYS, &why),
	    T_KEYS);
	t_check(st);
	for (n = 0; n < T_KEYS; n++)
		ck_assert_int_eq(t_has(st, n, 0), 0);
	store_close(st);
}
END_TEST

/* Key n of 2 * T_KEYS: big-endian counters up from 0, then down from ff. */
static void
t_sorted_key(uint8_t key[ID_LEN], unsigned n)
{
	unsigned	c = n < T_KEYS ? n : ~n;

	memset(key, 0, ID_LEN);
	key[0] = n < T_KEYS ? 0x00 : 0xff;
	key[1] = (uint8_t)(c >> 8);
	key[2] = (uint8_t)c;
}

/*
 * Keys in ascending, then descending order (an unbalanced tree's worst
 * case), then every other one deleted: the tree stays an AVL tree.
 */
START_TEST(test_index_sorted)
{
	struct store	*st = t_open();
	uint8_t		 key[ID_LEN], h[STORE_HASH_LEN];
	const char	*why = NULL;
	unsigned	 n, v = 1;

	store_hash(&v, sizeof(v), h);
	for (n = 0; n < 2 * T_KEYS; n++) {
		t_sorted_key(key, n);
		ck_assert_int_eq(store_put(st, key, &v, sizeof(v), 1, T_FAR, 0,
		    &why), STORE_PUT_NEW);
	}
	t_check(st);
	for (n = 0; n < 2 * T_KEYS; n += 2) {
		t_sorted_key(key, n);
		ck_assert_int_eq(store_del(st, key, h, &why), 1);
	}
	t_check(st);
	store_close(st);
}
END_TEST

/* A key stored, deleted and stored again, alone: no stale index entry. */
START_TEST(test_index_reuse)
{
	struct store	*st = t_open();
	uint8_t		 key[ID_LEN], h[STORE_HASH_LEN];
	const char	*why = NULL;
	unsigned	 n = 7, i;

	t_key(key, n);
	store_hash(&n, sizeof(n), h);
	for (i = 0; i < 200; i++) {
		t_put(st, n, T_FAR);
		ck_assert_int_eq(t_has(st, n, 0), 1);
		ck_assert_int_eq(store_del(st, key, h, &why), 1);
		ck_assert_int_eq(t_has(st, n, 0), 0);
	}
	store_close(st);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("store_index");
	TCase	*tc = tcase_create("index");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_index_many);
	tcase_add_test(tc, test_index_sorted);
	tcase_add_test(tc, test_index_reuse);
	suite_add_tcase(s, tc);
	return check_run(s);
}

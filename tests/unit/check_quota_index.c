/*
 * check_quota_index — the quota's indexes, against its own API: sources and
 * prefixes are found through hash indexes and a prefix lists those of its
 * sources that hold values (quota.c), so that a STORE costs the same with
 * 1,024 sources as with 4.  Here: 1,024 sources in 1,024 prefixes all stay
 * findable, also after the lightest gives its place to a newcomer; expiry
 * reaches a sibling's values through its prefix's list; a prefix that
 * leaves its array moves another into its place, which stays findable; and
 * 20,000 random puts from 300 sources in 40 prefixes, with time moving on,
 * leave the same counts as a plain model of the rules.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "id.h"
#include "quota.h"
#include "check_util.h"

#define T_LEN		100		/* value bytes: each costs T_COST */
#define T_COST		(T_LEN + QUOTA_VALUE_OVERHEAD)
#define T_FOREVER	(INT64_C(1) << 50)

static struct quota *
t_quota(uint64_t prefix_bytes)
{
	struct quota_limits lim;
	struct quota *q;

	memset(&lim, 0, sizeof(lim));
	lim.per_key = 1000000;
	lim.prefix_per_key = 1000000;
	lim.prefix_bytes = prefix_bytes;
	q = quota_new(&lim, 0x5eed);
	ck_assert_ptr_nonnull(q);
	return q;
}

/* Public source i: prefix i / per (a /24 each), host i % per + 1. */
static struct addr
t_src(int i, int per)
{
	struct addr a;
	const char *errstr;
	char buf[64];

	snprintf(buf, sizeof(buf), "11.%d.%d.%d:4000", (i / per) / 250,
	    (i / per) % 250, i % per + 1);
	ck_assert_msg(addr_parse(&a, buf, &errstr) == 0, "%s: %s", buf, errstr);
	return a;
}

static struct id
t_key(uint32_t n)
{
	struct id k;

	memset(&k, 0, sizeof(k));
	memcpy(k.b, &n, sizeof(n));
	return k;
}

/* A STORE of one value from `from`: admitted, then accounted. */
static enum quota_verdict
t_put(struct quota *q, const struct addr *from, uint32_t key,
    int64_t expires_ms, int64_t now_ms)
{
	static const uint8_t hash[32];
	struct quota_victim v;
	struct id k = t_key(key);
	enum quota_verdict r;

	r = quota_admit(q, from, &k, T_LEN, 0, now_ms, &v);
	if (r == QUOTA_OK)
		quota_add(q, from, &k, hash, T_LEN, expires_ms);
	return r;
}

static uint64_t
t_values(const struct quota *q, const struct addr *a)
{
	uint64_t values, cost;

	quota_source_usage(q, a, &values, &cost);
	ck_assert_uint_eq(cost, values * T_COST);
	return values;
}

START_TEST(test_many_sources)
{
	struct quota *q = t_quota(0);
	struct addr a, late;
	int i, gone = -1;

	for (i = 0; i < QUOTA_SOURCES; i++) {
		a = t_src(i, 1);
		ck_assert_int_eq(t_put(q, &a, (uint32_t)i, T_FOREVER, 0),
		    QUOTA_OK);
		ck_assert_int_eq(t_put(q, &a, (uint32_t)i + 5000, T_FOREVER,
		    0), QUOTA_OK);
	}
	for (i = 0; i < QUOTA_SOURCES; i++) {
		a = t_src(i, 1);
		ck_assert_uint_eq(t_values(q, &a), 2);
		ck_assert_uint_eq(quota_prefix_cost(q, &a), 2 * T_COST);
	}
	/* One more: a source of equal weight makes room, the rest stay. */
	late = t_src(QUOTA_SOURCES, 1);
	ck_assert_int_eq(t_put(q, &late, 1, T_FOREVER, 0), QUOTA_OK);
	ck_assert_uint_eq(t_values(q, &late), 1);
	ck_assert_uint_eq(quota_prefix_cost(q, &late), T_COST);
	for (i = 0; i < QUOTA_SOURCES; i++) {
		a = t_src(i, 1);
		if (t_values(q, &a) == 0) {
			ck_assert_int_eq(gone, -1);
			gone = i;
			ck_assert_uint_eq(quota_prefix_cost(q, &a), 0);
		} else {
			ck_assert_uint_eq(t_values(q, &a), 2);
			ck_assert_uint_eq(quota_prefix_cost(q, &a),
			    2 * T_COST);
		}
	}
	ck_assert_int_ne(gone, -1);
	quota_free(q);
}
END_TEST

START_TEST(test_prune_sibling)
{
	/* Room for 3 values in a /24. */
	struct quota *q = t_quota(3 * T_COST);
	struct addr a = t_src(0, 2), b = t_src(1, 2);

	ck_assert_int_eq(t_put(q, &a, 1, 100, 0), QUOTA_OK);
	ck_assert_int_eq(t_put(q, &a, 2, 100, 0), QUOTA_OK);
	ck_assert_int_eq(t_put(q, &b, 3, 100, 0), QUOTA_OK);
	ck_assert_uint_eq(quota_prefix_cost(q, &b), 3 * T_COST);
	/* Not expired yet: the prefix is full, for both. */
	ck_assert_int_eq(t_put(q, &a, 4, T_FOREVER, 50),
	    QUOTA_REFUSE_SOURCE);
	ck_assert_int_eq(t_put(q, &b, 4, T_FOREVER, 50),
	    QUOTA_REFUSE_SOURCE);
	/* Expired: b's STORE clears a's values too, through the list. */
	ck_assert_int_eq(t_put(q, &b, 5, T_FOREVER, 200), QUOTA_OK);
	ck_assert_uint_eq(t_values(q, &a), 0);
	ck_assert_uint_eq(t_values(q, &b), 1);
	ck_assert_uint_eq(quota_prefix_cost(q, &a), T_COST);
	/* a holds values again and is found by the next expiry too. */
	ck_assert_int_eq(t_put(q, &a, 6, 300, 200), QUOTA_OK);
	ck_assert_int_eq(t_put(q, &b, 7, 300, 200), QUOTA_OK);
	ck_assert_int_eq(t_put(q, &b, 8, T_FOREVER, 200),
	    QUOTA_REFUSE_SOURCE);
	/* a's value goes; b's 7 waits behind its 5, which never expires. */
	ck_assert_int_eq(t_put(q, &b, 8, T_FOREVER, 400), QUOTA_OK);
	ck_assert_uint_eq(t_values(q, &a), 0);
	ck_assert_uint_eq(t_values(q, &b), 3);
	quota_free(q);
}
END_TEST

START_TEST(test_prefix_moves)
{
	struct quota *q = t_quota(0);
	struct addr a[4];
	int i;

	for (i = 0; i < 4; i++) {
		a[i] = t_src(i, 1);
		ck_assert_int_eq(t_put(q, &a[i], (uint32_t)i,
		    i == 0 ? 100 : T_FOREVER, 0), QUOTA_OK);
	}
	/* a[0]'s prefix empties and leaves; the last one takes its slot. */
	ck_assert_int_eq(t_put(q, &a[0], 9, T_FOREVER, 200), QUOTA_OK);
	for (i = 0; i < 4; i++) {
		ck_assert_uint_eq(t_values(q, &a[i]), 1);
		ck_assert_uint_eq(quota_prefix_cost(q, &a[i]), T_COST);
	}
	quota_free(q);
}
END_TEST

/*
 * The model: per source its values' expiry times in arrival order; a put
 * first drops, for each source of the putter's prefix, the expired values
 * at the front of its queue (quota.h: the oldest go first).
 */
#define M_SOURCES	300
#define M_PER		8	/* sources a prefix: 38 prefixes */
#define M_VALUES	20000
#define M_QUEUE		1024	/* a source's puts, at most (asserted) */

struct m_src {
	int64_t		exp[M_QUEUE];
	size_t		head, n;
};

START_TEST(test_model)
{
	static struct m_src m[M_SOURCES];
	struct quota *q = t_quota(0);
	struct prng r = { 0x9e3779b97f4a7c15u };
	struct addr a;
	int64_t now = 1000;
	uint64_t pcost;
	size_t i, j, src, checked = 0;

	memset(m, 0, sizeof(m));
	for (i = 0; i < M_VALUES; i++) {
		src = prng_next(&r) % M_SOURCES;
		now += (int64_t)(prng_next(&r) % 5);
		for (j = (src / M_PER) * M_PER;
		    j < (src / M_PER + 1) * M_PER && j < M_SOURCES; j++)
			while (m[j].n > 0 &&
			    m[j].exp[m[j].head] <= now) {
				m[j].head++;
				m[j].n--;
			}
		ck_assert_uint_lt(m[src].head + m[src].n, M_QUEUE);
		m[src].exp[m[src].head + m[src].n] =
		    now + 1 + (int64_t)(prng_next(&r) % 2000);
		m[src].n++;
		a = t_src((int)src, M_PER);
		ck_assert_int_eq(t_put(q, &a, (uint32_t)i,
		    m[src].exp[m[src].head + m[src].n - 1], now), QUOTA_OK);
		if (i % 997 != 0)
			continue;
		for (j = 0; j < M_SOURCES; j++) {
			a = t_src((int)j, M_PER);
			ck_assert_uint_eq(t_values(q, &a), m[j].n);
		}
		for (j = 0; j < M_SOURCES; j += M_PER) {
			size_t k;

			a = t_src((int)j, M_PER);
			pcost = 0;
			for (k = j; k < j + M_PER && k < M_SOURCES; k++)
				pcost += m[k].n * T_COST;
			ck_assert_uint_eq(quota_prefix_cost(q, &a), pcost);
		}
		checked++;
	}
	ck_assert_uint_gt(checked, 15);
	quota_free(q);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("quota_index");
	TCase *tc;

	tc = tcase_create("index");
	tcase_add_test(tc, test_many_sources);
	tcase_add_test(tc, test_prune_sibling);
	tcase_add_test(tc, test_prefix_moves);
	tcase_add_test(tc, test_model);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return check_run(s);
}

/*
 * check_handover — which keys a node hands a new neighbour: the decision
 * of handover_step (handover_would_send, with its shortcut from bucket
 * counts) against a brute-force oracle of the rule in handover.c, over
 * random tables, neighbours and keys.  Deterministic (fixed xorshift).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "handover.h"
#include "route.h"
#include "check_util.h"
#include "check_route_util.h"

static const struct id *oracle_key;

static int
oracle_cmp(const void *a, const void *b)
{
	return id_distcmp(oracle_key, &((const struct route_node *)a)->id,
	    &((const struct route_node *)b)->id);
}

/*
 * The rule, from scratch: node is among the k closest to key of the
 * usable entries and us, and fewer than HANDOVER_SENDERS of the k + 1
 * closest entries (node aside) are closer to key than we are.
 */
static int
oracle(const struct env *env, const struct id *node, const struct id *key)
{
	static struct route_node all[ROUTE_MAX_NODES];
	size_t i, n, m = 0, closer = 0;
	long rank = -1;

	n = route_export(env->rt, all, ROUTE_MAX_NODES);
	for (i = 0; i < n; i++)
		if (all[i].fails < ROUTE_MAX_FAILS)
			all[m++] = all[i];
	oracle_key = key;
	qsort(all, m, sizeof(all[0]), oracle_cmp);
	if (m > env->k + 1)
		m = env->k + 1;
	for (i = 0; i < m; i++) {
		if (id_eq(&all[i].id, node))
			rank = (long)i;
		else if (id_distcmp(key, &all[i].id, &env->self) < 0)
			closer++;
	}
	if (rank < 0)
		return 0;
	if (id_distcmp(key, &env->self, node) < 0)
		rank++;
	return rank < (long)env->k && closer < HANDOVER_SENDERS;
}

/*
 * Coverage only: whether the bucket counts alone settle the case (the
 * two cases handover.c's shortcut takes), so the test can show that both
 * the shortcut and the full rule were exercised.
 */
static int
bucket_proves_no(const struct env *env, const struct id *node,
    const struct id *key)
{
	int q = id_prefixlen(&env->self, node), t = id_prefixlen(&env->self,
	    key);

	if (t < q)
		return route_usable(env->rt, t, t) >= HANDOVER_SENDERS;
	if (t > q)
		return route_usable(env->rt, q + 1, ROUTE_BUCKETS - 1) + 1 >=
		    env->k;
	return 0;
}

/*
 * Tables of 5 to 200 nodes, deep and shallow, some entries with a missed
 * reply; each entry in turn as the new neighbour, against keys in every
 * bucket near the table's depth.  Both answers must come up often, and
 * the shortcut must decide many of them, or the test proves little.
 */
START_TEST(test_would_send_matches_rule)
{
	struct prng p = { 0x4a4d0e5u };
	static struct route_node nodes[ROUTE_MAX_NODES];
	struct env env;
	struct handover *h;
	struct route_node ping;
	struct id key;
	struct addr a;
	size_t n, i, j, yes = 0, no = 0, shortcut = 0, checked = 0;
	unsigned table, count, depth;
	int b, deepest, want;

	for (table = 0; table < 40; table++) {
		memset(&env, 0, sizeof(env));
		prng_bytes(&p, env.self.b, ID_LEN);
		env.k = ROUTE_K;
		env.rt = route_new(&env.self, 1000);
		ck_assert_ptr_nonnull(env.rt);
		h = handover_new(&env);
		ck_assert_ptr_nonnull(h);
		count = 5 + prng_next(&p) % 196;
		depth = 1 + prng_next(&p) % 8;
		for (i = 0; i < count; i++) {
			/*
			 * Bucket b with probability about 2^-(b+1) up to
			 * depth (a real table), or uniform (half-full
			 * buckets at every depth: the edges of the rule).
			 */
			if (table % 2)
				b = (int)(prng_next(&p) % (depth + 1));
			else
				for (b = 0; b < (int)depth &&
				    prng_next(&p) % 2; b++)
					;
			id_in_bucket(&p, env.rt, b, &nodes[0].id);
			test_addr(&a, (uint32_t)(table * 1000 + i + 1), 4000);
			(void)route_seen(env.rt, &nodes[0].id, &a, 1000, 0,
			    &ping);
		}
		n = route_export(env.rt, nodes, ROUTE_MAX_NODES);
		for (i = 0; i < n; i += 3)	/* one missed reply, still usable */
			(void)route_failed(env.rt, &nodes[i].id, 2000);
		for (deepest = 0, i = 0; i < n; i++)
			if (id_prefixlen(&env.self, &nodes[i].id) > deepest)
				deepest = id_prefixlen(&env.self,
				    &nodes[i].id);
		for (i = 0; i < n; i++) {
			for (j = 0; j < 24; j++) {
				b = (int)(prng_next(&p) % (unsigned)(deepest + 3));
				id_in_bucket(&p, env.rt, b, &key);
				want = oracle(&env, &nodes[i].id, &key);
				ck_assert_int_eq(handover_would_send(h,
				    &nodes[i].id, &key), want);
				*(want ? &yes : &no) += 1;
				shortcut += bucket_proves_no(&env,
				    &nodes[i].id, &key);
				checked++;
			}
		}
		handover_free(h);
		route_free(env.rt);
	}
	ck_assert_uint_gt(yes, checked / 20);
	ck_assert_uint_gt(no, checked / 20);
	ck_assert_uint_gt(shortcut, checked / 10);
	ck_assert_uint_lt(shortcut, no);
}
END_TEST

static Suite *
handover_suite(void)
{
	Suite *s = suite_create("handover");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_would_send_matches_rule);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(handover_suite());
}

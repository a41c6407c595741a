/*
 * check_route_limits — the routing table's IP limits: one host, one /24 or
 * /64, loopback and private hosts with and without limit_local, moves and
 * promotions under the limits, and what a refusal does to
 * route_complete_near.  Deterministic (fixed xorshift).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "check_util.h"
#include "check_route_util.h"

/* Entries of the table at the host (any port) of a. */
static size_t
count_host(const struct route *rt, const struct addr *a)
{
	static struct route_node v[ROUTE_MAX_NODES];
	size_t i, n, c = 0;

	n = route_export(rt, v, ROUTE_MAX_NODES);
	for (i = 0; i < n; i++)
		c += (size_t)addr_same_ip(&v[i].addr, a);
	return c;
}

/* One host on many ports (a Sybil on one IP): ROUTE_IP_MAX entries. */
START_TEST(test_ip_limit)
{
	struct prng p = { 0x1d1e5 };
	struct route_stats st;
	struct route *rt;
	struct addr a;
	struct id self, id;
	size_t i, added = 0;

	rt = new_table(&p, &self);
	for (i = 0; i < 200; i++) {
		rand_id(&p, &id);
		ip4_addr(&a, 0x01020304, (uint16_t)(1000 + i));
		if (i == 100)
			ck_assert(!route_admissible(rt, &id, &a));
		added += route_seen(rt, &id, &a, 1000 + i, 0, NULL) ==
		    ROUTE_ADDED;
	}
	ck_assert_uint_eq(added, ROUTE_IP_MAX);
	ck_assert_uint_eq(count_host(rt, &a), ROUTE_IP_MAX);
	route_get_stats(rt, &st);
	ck_assert_uint_eq(st.refused_ip, 200 - ROUTE_IP_MAX);
	/* Another host is welcome. */
	rand_id(&p, &id);
	ip4_addr(&a, 0x05060708, 9000);
	ck_assert(route_admissible(rt, &id, &a));
	ck_assert_int_eq(route_seen(rt, &id, &a, 5000, 0, NULL), ROUTE_ADDED);
	route_free(rt);
}
END_TEST

/*
 * A bucket that turned a node away for the IP limits may lack a node
 * closer to a key than those it holds: route_complete_near stops vouching
 * for it (a put then runs its lookup's first round), nor for a key that
 * takes nodes from it after its own bucket; other keys keep the shortcut.
 */
START_TEST(test_complete_near_refused)
{
	struct prng p = { 0xc0de5 };
	struct route *rt;
	struct addr a;
	struct id self, id, key, far;
	uint16_t i;

	rt = new_table(&p, &self);
	id_in_bucket(&p, rt, 3, &key);
	id_in_bucket(&p, rt, 1, &far);
	for (i = 0; i < ROUTE_IP_MAX; i++) {
		id_in_bucket(&p, rt, 3, &id);
		ip4_addr(&a, 0x01020304, (uint16_t)(1000 + i));
		ck_assert_int_eq(route_seen(rt, &id, &a, 1000, 0, NULL),
		    ROUTE_ADDED);
	}
	ck_assert_int_eq(route_complete_near(rt, &key, ROUTE_K), 1);
	ck_assert_int_eq(route_complete_near(rt, &far, ROUTE_K), 1);
	/* A third node of that host, in the same bucket: refused. */
	id_in_bucket(&p, rt, 3, &id);
	ip4_addr(&a, 0x01020304, 2000);
	ck_assert_int_eq(route_seen(rt, &id, &a, 2000, 0, NULL),
	    ROUTE_REFUSED);
	ck_assert_int_eq(route_complete_near(rt, &key, ROUTE_K), 0);
	/* A key in bucket 1 takes bucket 3's nodes too. */
	ck_assert_int_eq(route_complete_near(rt, &far, ROUTE_K), 0);
	/* One in bucket 5 whose 2 closest are both there does not. */
	for (i = 0; i < 2; i++) {
		id_in_bucket(&p, rt, 5, &id);
		ip4_addr(&a, 0x09000001u + i, 4000);
		ck_assert_int_eq(route_seen(rt, &id, &a, 2500, 0, NULL),
		    ROUTE_ADDED);
	}
	id_in_bucket(&p, rt, 5, &key);
	ck_assert_int_eq(route_complete_near(rt, &key, 2), 1);
	ck_assert_int_eq(route_complete_near(rt, &key, 3), 0);
	/* Another host in bucket 3 is welcome; the mark stays. */
	id_in_bucket(&p, rt, 3, &id);
	ip4_addr(&a, 0x05060708, 3000);
	ck_assert_int_eq(route_seen(rt, &id, &a, 3000, 0, NULL), ROUTE_ADDED);
	id_in_bucket(&p, rt, 3, &key);
	ck_assert_int_eq(route_complete_near(rt, &key, ROUTE_K), 0);
	route_free(rt);
}
END_TEST

/* Loopback and private hosts are exempt unless limit_local is on. */
START_TEST(test_ip_limit_local)
{
	static const uint32_t hosts[] = { 0x7f000005, 0x0a000005 };
	struct prng p = { 0x10ca1 };
	struct route *rt;
	struct addr a;
	struct id self, id;
	size_t h, i, on;

	for (on = 0; on < 2; on++)
		for (h = 0; h < 2; h++) {
			rt = new_table(&p, &self);
			route_set_limit_local(rt, (int)on);
			for (i = 0; i < 50; i++) {
				rand_id(&p, &id);
				ip4_addr(&a, hosts[h], (uint16_t)(1000 + i));
				(void)route_seen(rt, &id, &a, 1000 + i, 0,
				    NULL);
			}
			if (on)
				ck_assert_uint_eq(count_host(rt, &a),
				    ROUTE_IP_MAX);
			else
				ck_assert_uint_gt(count_host(rt, &a),
				    ROUTE_PREFIX_TABLE_MAX);
			route_free(rt);
		}
}
END_TEST

/* Hosts of one /24: 2 in a bucket, 10 in the table; other /24s unlimited. */
START_TEST(test_prefix_limits)
{
	struct prng p = { 0x24 };
	struct route_stats st;
	struct route *rt;
	struct addr a;
	struct id self, id;
	size_t i;
	int b;

	rt = new_table(&p, &self);
	/* 30 hosts of 1.2.3.0/24 in bucket 0. */
	for (i = 0; i < 30; i++) {
		id_in_bucket(&p, rt, 0, &id);
		ip4_addr(&a, 0x01020300 | (uint32_t)(i + 1), 9000);
		(void)route_seen(rt, &id, &a, 1000 + i, 0, NULL);
	}
	ck_assert_int_eq(route_bucket_count(rt, 0, NULL),
	    ROUTE_PREFIX_BUCKET_MAX);
	/* 20 hosts of another /24 in each of buckets 0..9: ten at most. */
	for (b = 0; b < 10; b++)
		for (i = 0; i < 20; i++) {
			id_in_bucket(&p, rt, b, &id);
			ip4_addr(&a, 0x01020400 | (uint32_t)(b * 20 + i + 1),
			    9000);
			(void)route_seen(rt, &id, &a, 2000, 0, NULL);
		}
	ck_assert_uint_eq(route_count(rt),
	    ROUTE_PREFIX_BUCKET_MAX + ROUTE_PREFIX_TABLE_MAX);
	route_get_stats(rt, &st);
	ck_assert_uint_eq(st.refused_prefix,
	    30 + 200 - route_count(rt));
	ck_assert_uint_eq(st.refused_ip, 0);
	/* A host of a /24 of its own still gets in, in any bucket. */
	for (b = 0; b < 10; b++) {
		id_in_bucket(&p, rt, b, &id);
		ip4_addr(&a, 0x01030000 | ((uint32_t)b << 8) | 1, 9000);
		ck_assert_int_eq(route_seen(rt, &id, &a, 3000, 0, NULL),
		    ROUTE_ADDED);
	}
	route_free(rt);
}
END_TEST

/*
 * A node that moves (after a missed reply) onto a full host is refused,
 * and a cached replacement over the limits is skipped when promoted.
 */
START_TEST(test_limit_move_and_promote)
{
	struct prng p = { 0x30e };
	struct route_node ping;
	struct route *rt;
	struct addr a, full;
	struct id self, id[ROUTE_K + 2], mover;
	size_t i;

	rt = new_table(&p, &self);
	ip4_addr(&full, 0x09090909, 1);
	for (i = 0; i < ROUTE_IP_MAX; i++) {
		rand_id(&p, &id[i]);
		ip4_addr(&a, 0x09090909, (uint16_t)(1 + i));
		ck_assert_int_eq(route_seen(rt, &id[i], &a, 1000, 0, NULL),
		    ROUTE_ADDED);
	}
	rand_id(&p, &mover);
	ip4_addr(&a, 0x08080808, 1);
	ck_assert_int_eq(route_seen(rt, &mover, &a, 1000, 0, NULL),
	    ROUTE_ADDED);
	ck_assert_int_eq(route_failed(rt, &mover, 1001), 0);
	ip4_addr(&a, 0x09090909, 77);
	ck_assert_int_eq(route_seen(rt, &mover, &a, 1002, 0, NULL),
	    ROUTE_REFUSED);
	ck_assert_uint_eq(count_host(rt, &full), ROUTE_IP_MAX);
	route_free(rt);

	/* Bucket 3 full of distinct /24s; its cache holds one of 9.9.9.9. */
	rt = new_table(&p, &self);
	for (i = 0; i < ROUTE_K; i++) {
		id_in_bucket(&p, rt, 3, &id[i]);
		ip4_addr(&a, 0x0b000001 + ((uint32_t)i << 8), 1);
		ck_assert_int_eq(route_seen(rt, &id[i], &a, 1000 + i, 0,
		    NULL), ROUTE_ADDED);
	}
	id_in_bucket(&p, rt, 3, &id[ROUTE_K]);
	ip4_addr(&a, 0x09090909, 5);
	ck_assert_int_eq(route_seen(rt, &id[ROUTE_K], &a, 2000, 0, &ping),
	    ROUTE_PING);
	/* Meanwhile two others of 9.9.9.9 fill its quota in bucket 4. */
	for (i = 0; i < ROUTE_IP_MAX; i++) {
		id_in_bucket(&p, rt, 4, &mover);
		ip4_addr(&a, 0x09090909, (uint16_t)(10 + i));
		ck_assert_int_eq(route_seen(rt, &mover, &a, 2001, 0, NULL),
		    ROUTE_ADDED);
	}
	ck_assert_int_eq(route_failed(rt, &ping.id, 3000), 0);
	ck_assert_int_eq(route_failed(rt, &ping.id, 3001), 1);
	ck_assert_int_eq(route_get(rt, &id[ROUTE_K], &ping), -1);
	ck_assert_int_eq(route_bucket_count(rt, 3, NULL), ROUTE_K - 1);
	ck_assert_uint_eq(count_host(rt, &full), ROUTE_IP_MAX);
	route_free(rt);
}
END_TEST

static Suite *
route_limits_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("route_limits");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ip_limit);
	tcase_add_test(tc, test_complete_near_refused);
	tcase_add_test(tc, test_ip_limit_local);
	tcase_add_test(tc, test_prefix_limits);
	tcase_add_test(tc, test_limit_move_and_promote);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(route_limits_suite());
}

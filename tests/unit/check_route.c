/*
 * check_route — the routing table: bucket admission, ping-before-evict,
 * replacement cache, exact closest-node selection against brute force,
 * address-change rules, refresh helpers (the IP limits: check_route_limits).
 * Deterministic (fixed xorshift).
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "check_util.h"
#include "check_route_util.h"

START_TEST(test_self_and_unusable)
{
	static const struct {
		const char	*s;
		int		 usable;
	} tab[] = {
		{ "0.0.0.0:4000", 0 },
		{ "[::]:4000", 0 },
		{ "224.0.0.1:4000", 0 },
		{ "239.255.255.250:1900", 0 },
		{ "255.255.255.255:4000", 0 },
		{ "[ff02::1]:4000", 0 },
		{ "[::ffff:0.0.0.0]:4000", 0 },
		{ "[::ffff:224.1.1.1]:4000", 0 },
		{ "127.0.0.1:4000", 1 },
		{ "10.1.2.3:1", 1 },
		{ "[::1]:4000", 1 },
		{ "[2001:db8::1]:65535", 1 },
	};
	struct prng p = { 0x1234567u };
	struct route *rt;
	struct route_node out[4], ping;
	struct addr a;
	struct id self, id;
	const char *err;
	size_t i, added = 0;

	rt = new_table(&p, &self);
	test_addr(&a, 1, 4000);
	ck_assert_int_eq(route_seen(rt, &self, &a, 1000, 0, &ping),
	    ROUTE_IGNORED);
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		ck_assert_int_eq(addr_parse(&a, tab[i].s, &err), 0);
		ck_assert_int_eq(route_addr_usable(&a), tab[i].usable);
		rand_id(&p, &id);
		ck_assert_int_eq(route_seen(rt, &id, &a, 1000, 0, &ping),
		    tab[i].usable ? ROUTE_ADDED : ROUTE_IGNORED);
		added += (size_t)tab[i].usable;
	}
	/* Port 0 cannot be parsed: build it by hand. */
	test_addr(&a, 2, 0);
	ck_assert_int_eq(route_addr_usable(&a), 0);
	rand_id(&p, &id);
	ck_assert_int_eq(route_seen(rt, &id, &a, 1000, 0, &ping),
	    ROUTE_IGNORED);
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(route_addr_usable(&a), 0);

	ck_assert_uint_eq(route_count(rt), added);
	ck_assert_int_eq(route_get(rt, &self, &out[0]), -1);
	ck_assert_int_eq(route_failed(rt, &self, 1000), -1);
	ck_assert_uint_eq(route_closest(rt, &self, 4, out), 4);
	for (i = 0; i < 4; i++)
		ck_assert(!id_eq(&out[i].id, &self));
	route_free(rt);
	route_free(NULL);
}
END_TEST

/* Fills bucket `index` with ROUTE_K nodes seen at 1000, 1001, ... */
static void
fill_bucket(struct prng *p, struct route *rt, int index, struct id *ids)
{
	struct route_node ping;
	struct addr a;
	int i;

	for (i = 0; i < ROUTE_K; i++) {
		id_in_bucket(p, rt, index, &ids[i]);
		test_addr(&a, (uint32_t)(index * 100 + i + 1), 4000);
		ck_assert_int_eq(route_seen(rt, &ids[i], &a,
		    1000 + (uint64_t)i, 0, &ping), ROUTE_ADDED);
	}
}

/*
 * route_complete_near: the k closest to a key come from buckets none of
 * which is full, or not.  Bucket 5 full, 3 nodes in bucket 7, 10 in 2.
 */
START_TEST(test_complete_near)
{
	struct prng p = { 0x5eedu };
	struct route *rt;
	struct route_node ping;
	struct id self, ids[ROUTE_K], key, id;
	struct addr a;
	int i;

	rt = new_table(&p, &self);
	/* An empty table holds every node it knows of. */
	id_in_bucket(&p, rt, 7, &key);
	ck_assert_int_eq(route_complete_near(rt, &key, ROUTE_K), 1);
	fill_bucket(&p, rt, 5, ids);
	for (i = 0; i < 3; i++) {
		id_in_bucket(&p, rt, 7, &id);
		test_addr(&a, (uint32_t)(7000 + i), 4000);
		ck_assert_int_eq(route_seen(rt, &id, &a, 1100, 0, &ping),
		    ROUTE_ADDED);
	}
	for (i = 0; i < 10; i++) {
		id_in_bucket(&p, rt, 2, &id);
		test_addr(&a, (uint32_t)(2000 + i), 4000);
		ck_assert_int_eq(route_seen(rt, &id, &a, 1200, 0, &ping),
		    ROUTE_ADDED);
	}
	/* A key in bucket 7: 3 there, then bucket 5 (full) is needed. */
	ck_assert_int_eq(route_complete_near(rt, &key, 3), 1);
	ck_assert_int_eq(route_complete_near(rt, &key, ROUTE_K), 0);
	/* A key in bucket 2: its 10, then the deeper ones, 5 among them. */
	id_in_bucket(&p, rt, 2, &key);
	ck_assert_int_eq(route_complete_near(rt, &key, 10), 1);
	ck_assert_int_eq(route_complete_near(rt, &key, ROUTE_K), 0);
	/* A key in bucket 1: bucket 1 empty, deeper ones include 5. */
	id_in_bucket(&p, rt, 1, &key);
	ck_assert_int_eq(route_complete_near(rt, &key, 1), 0);
	/* A key in bucket 9: 9 and deeper are empty, then 7 (3), 5: full. */
	id_in_bucket(&p, rt, 9, &key);
	ck_assert_int_eq(route_complete_near(rt, &key, 3), 1);
	ck_assert_int_eq(route_complete_near(rt, &key, 4), 0);
	route_free(rt);
}
END_TEST

/*
 * The far buckets are wider: 0, 1 and 2 take 8, 4 and 2 times ROUTE_K
 * before a newcomer waits in the cache (and the oldest is pinged); 3 and
 * deeper take ROUTE_K.  A key whose k closest lie in bucket 0 is complete
 * with 25 nodes there, as in a network of 50.  A narrow table
 * (route_set_wide off) keeps ROUTE_K in each.
 */
START_TEST(test_wide_buckets)
{
	static const size_t want[] = { 8 * ROUTE_K, 4 * ROUTE_K, 2 * ROUTE_K,
	    ROUTE_K, ROUTE_K };
	struct prng p = { 0x3a1du };
	struct route *rt;
	struct route_node ping;
	struct id self, id, key;
	struct addr a;
	size_t i, n, sum = 0;
	int b;

	rt = new_table(&p, &self);
	id_in_bucket(&p, rt, 0, &key);
	for (i = 0; i < 25; i++) {
		id_in_bucket(&p, rt, 0, &id);
		test_addr(&a, (uint32_t)(50000 + i), 4000);
		ck_assert_int_eq(route_seen(rt, &id, &a, 1000, 0, &ping),
		    ROUTE_ADDED);
	}
	ck_assert_int_eq(route_complete_near(rt, &key, ROUTE_K), 1);
	route_free(rt);

	rt = new_table(&p, &self);
	for (b = 0; b < 5; b++) {
		ck_assert_uint_eq(route_bucket_cap(rt, b), want[b]);
		for (i = 0; i < want[b]; i++) {
			id_in_bucket(&p, rt, b, &id);
			test_addr(&a, (uint32_t)(b * 1000 + (int)i + 1), 4000);
			ck_assert_int_eq(route_seen(rt, &id, &a, 1000 + i, 0,
			    &ping), ROUTE_ADDED);
		}
		id_in_bucket(&p, rt, b, &id);
		test_addr(&a, (uint32_t)(b * 1000 + 999), 4000);
		ck_assert_int_eq(route_seen(rt, &id, &a, 2000, 0, &ping),
		    ROUTE_PING);
		ck_assert_int_eq(route_bucket_count(rt, b, &n), (int)want[b]);
		ck_assert_uint_eq(n, 1);
		sum += want[b];
	}
	ck_assert_uint_eq(route_count(rt), sum);
	/* ROUTE_MAX_NODES is what a table holds at most. */
	for (b = 0, sum = 0; b < ROUTE_BUCKETS; b++)
		sum += route_bucket_cap(rt, b);
	ck_assert_uint_eq(sum, ROUTE_MAX_NODES);
	route_free(rt);

	/* Narrow: bucket 0 is full at ROUTE_K, and 25 there are not all. */
	rt = new_table(&p, &self);
	route_set_wide(rt, 0);
	ck_assert_uint_eq(route_bucket_cap(rt, 0), ROUTE_K);
	id_in_bucket(&p, rt, 0, &key);
	for (i = 0; i < 25; i++) {
		id_in_bucket(&p, rt, 0, &id);
		test_addr(&a, (uint32_t)(60000 + i), 4000);
		ck_assert_int_eq(route_seen(rt, &id, &a, 1000 + i, 0, &ping),
		    i < ROUTE_K ? ROUTE_ADDED : i == ROUTE_K ? ROUTE_PING :
		    ROUTE_CACHED);
	}
	ck_assert_int_eq(route_complete_near(rt, &key, ROUTE_K), 0);
	route_free(rt);
}
END_TEST

START_TEST(test_full_bucket_evicts_after_fails)
{
	struct prng p = { 0xabcdefu };
	struct route *rt;
	struct route_node ping, n;
	struct id self, ids[ROUTE_K], nc[3];
	struct addr a;
	size_t nc_cached;
	int i;

	rt = new_table(&p, &self);
	fill_bucket(&p, rt, 5, ids);
	ck_assert_int_eq(route_bucket_count(rt, 5, &nc_cached), ROUTE_K);
	ck_assert_uint_eq(nc_cached, 0);
	for (i = 0; i < 3; i++) {
		id_in_bucket(&p, rt, 5, &nc[i]);
		ck_assert_int_eq(id_prefixlen(&self, &nc[i]), 5);
	}
	test_addr(&a, 9001, 4000);

	/* 21st: ping the least recently seen, cache the newcomer. */
	memset(&ping, 0, sizeof(ping));
	ck_assert_int_eq(route_seen(rt, &nc[0], &a, 2000, 0, &ping),
	    ROUTE_PING);
	ck_assert(id_eq(&ping.id, &ids[0]));
	ck_assert_int_eq(route_get(rt, &ids[0], &n), 0);
	ck_assert_int_eq(n.pinging, 1);
	/* 22nd: the oldest is already being pinged. */
	test_addr(&a, 9002, 4000);
	ck_assert_int_eq(route_seen(rt, &nc[1], &a, 2001, 0, &ping),
	    ROUTE_CACHED);
	ck_assert_int_eq(route_bucket_count(rt, 5, &nc_cached), ROUTE_K);
	ck_assert_uint_eq(nc_cached, 2);
	ck_assert_int_eq(route_get(rt, &nc[0], &n), -1);

	/* First timeout: still there, may be pinged again. */
	ck_assert_int_eq(route_failed(rt, &ids[0], 3000), 0);
	ck_assert_int_eq(route_get(rt, &ids[0], &n), 0);
	ck_assert_int_eq(n.fails, 1);
	ck_assert_int_eq(n.pinging, 0);
	test_addr(&a, 9003, 4000);
	ck_assert_int_eq(route_seen(rt, &nc[2], &a, 3001, 0, &ping),
	    ROUTE_PING);
	ck_assert(id_eq(&ping.id, &ids[0]));
	ck_assert_int_eq(route_bucket_count(rt, 5, &nc_cached), ROUTE_K);
	ck_assert_uint_eq(nc_cached, 3);

	/* ROUTE_MAX_FAILS-th timeout: evicted, newest replacement in. */
	ck_assert_int_eq(route_failed(rt, &ids[0], 4000), 1);
	ck_assert_int_eq(route_get(rt, &ids[0], &n), -1);
	ck_assert_uint_eq(route_count(rt), ROUTE_K);
	ck_assert_int_eq(route_get(rt, &nc[2], &n), 0);
	ck_assert_int_eq(n.fails, 0);
	ck_assert_int_eq(route_bucket_count(rt, 5, &nc_cached), ROUTE_K);
	ck_assert_uint_eq(nc_cached, 2);
	ck_assert_int_eq(route_failed(rt, &ids[0], 4000), -1);

	/* A failing cached node leaves the cache. */
	ck_assert_int_eq(route_failed(rt, &nc[1], 4001), 1);
	ck_assert_int_eq(route_bucket_count(rt, 5, &nc_cached), ROUTE_K);
	ck_assert_uint_eq(nc_cached, 1);
	route_free(rt);
}
END_TEST

START_TEST(test_ping_reply_keeps_old)
{
	struct prng p = { 0x5eed5u };
	struct route *rt;
	struct route_node ping, n, all[ROUTE_K];
	struct id self, ids[ROUTE_K], nc[2];
	struct addr a, a0;
	size_t nc_cached;

	rt = new_table(&p, &self);
	fill_bucket(&p, rt, 4, ids);
	id_in_bucket(&p, rt, 4, &nc[0]);
	id_in_bucket(&p, rt, 4, &nc[1]);
	test_addr(&a, 8001, 4000);
	ck_assert_int_eq(route_seen(rt, &nc[0], &a, 2000, 0, &ping),
	    ROUTE_PING);
	ck_assert(id_eq(&ping.id, &ids[0]));

	/* The oldest answers from its known address, with an RTT. */
	ck_assert_int_eq(route_get(rt, &ids[0], &n), 0);
	a0 = n.addr;
	ck_assert_int_eq(route_seen(rt, &ids[0], &a0, 2100, 900, &ping),
	    ROUTE_UPDATED);
	ck_assert_int_eq(route_get(rt, &ids[0], &n), 0);
	ck_assert_int_eq(n.pinging, 0);
	ck_assert_uint_eq(n.last_seen_ms, 2100);
	ck_assert_uint_eq(n.rtt_us, 900);
	ck_assert_uint_eq(route_export(rt, all, ROUTE_K), ROUTE_K);
	ck_assert(id_eq(&all[ROUTE_K - 1].id, &ids[0]));
	ck_assert(id_eq(&all[0].id, &ids[1]));
	ck_assert_int_eq(route_get(rt, &nc[0], &n), -1);
	ck_assert_int_eq(route_bucket_count(rt, 4, &nc_cached), ROUTE_K);
	ck_assert_uint_eq(nc_cached, 1);

	/* The next newcomer asks about the new least recently seen. */
	test_addr(&a, 8002, 4000);
	ck_assert_int_eq(route_seen(rt, &nc[1], &a, 2200, 0, &ping),
	    ROUTE_PING);
	ck_assert(id_eq(&ping.id, &ids[1]));
	ck_assert_int_eq(route_bucket_count(rt, 4, &nc_cached), ROUTE_K);
	ck_assert_uint_eq(nc_cached, 2);

	/* Evicting it promotes the newest newcomer, then the older one. */
	ck_assert_int_eq(route_failed(rt, &ids[1], 2300), 0);
	ck_assert_int_eq(route_failed(rt, &ids[1], 2400), 1);
	ck_assert_int_eq(route_get(rt, &nc[1], &n), 0);
	ck_assert_int_eq(route_remove(rt, &ids[2]), 0);
	ck_assert_int_eq(route_get(rt, &nc[0], &n), 0);
	ck_assert_int_eq(route_remove(rt, &ids[2]), -1);
	ck_assert_uint_eq(route_count(rt), ROUTE_K);
	route_free(rt);
}
END_TEST

START_TEST(test_cache_bounded)
{
	struct prng p = { 0x77u };
	struct route *rt;
	struct route_node ping, n;
	struct id self, ids[ROUTE_K], nc[50];
	struct addr a;
	size_t nc_cached;
	int i;

	rt = new_table(&p, &self);
	fill_bucket(&p, rt, 3, ids);
	for (i = 0; i < 50; i++) {
		id_in_bucket(&p, rt, 3, &nc[i]);
		test_addr(&a, 7000 + (uint32_t)i, 4000);
		ck_assert_int_eq(route_seen(rt, &nc[i], &a,
		    3000 + (uint64_t)i, 0, &ping),
		    i == 0 ? ROUTE_PING : ROUTE_CACHED);
		ck_assert_int_eq(route_bucket_count(rt, 3, &nc_cached),
		    ROUTE_K);
		ck_assert_uint_le(nc_cached, ROUTE_REPLACEMENTS);
	}
	ck_assert_uint_eq(nc_cached, ROUTE_REPLACEMENTS);
	/* Seeing a cached node again does not duplicate it. */
	test_addr(&a, 7049, 4000);
	ck_assert_int_eq(route_seen(rt, &nc[49], &a, 4000, 0, &ping),
	    ROUTE_CACHED);
	ck_assert_int_eq(route_bucket_count(rt, 3, &nc_cached), ROUTE_K);
	ck_assert_uint_eq(nc_cached, ROUTE_REPLACEMENTS);

	/* Only the newest ROUTE_REPLACEMENTS survive, promoted newest first. */
	for (i = 0; i < ROUTE_REPLACEMENTS; i++) {
		ck_assert_int_eq(route_remove(rt, &ids[i]), 0);
		ck_assert_uint_eq(route_count(rt), ROUTE_K);
		ck_assert_int_eq(route_get(rt, &nc[49 - i], &n), 0);
	}
	ck_assert_int_eq(route_get(rt, &nc[49 - ROUTE_REPLACEMENTS], &n), -1);
	ck_assert_int_eq(route_remove(rt, &ids[ROUTE_REPLACEMENTS]), 0);
	ck_assert_uint_eq(route_count(rt), ROUTE_K - 1);
	/* A bucket with room takes the node directly. */
	test_addr(&a, 7100, 4000);
	ck_assert_int_eq(route_seen(rt, &nc[0], &a, 5000, 0, &ping),
	    ROUTE_ADDED);
	route_free(rt);
}
END_TEST

/* Entries kept compact: an IPv6 address with its scope comes back whole. */
START_TEST(test_compact_ipv6)
{
	struct prng p = { 0x5150u };
	struct route *rt;
	struct route_node n;
	struct id self, nc;
	struct addr a, b;
	const char *err;

	rt = new_table(&p, &self);
	id_in_bucket(&p, rt, 6, &nc);
	ck_assert_int_eq(addr_parse(&a, "[2001:db8::5]:4001", &err), 0);
	a.u.sin6.sin6_scope_id = 3;
	ck_assert_int_eq(route_seen(rt, &nc, &a, 3000, 1234, NULL),
	    ROUTE_ADDED);
	ck_assert_int_eq(route_get(rt, &nc, &n), 0);
	b = n.addr;
	ck_assert(addr_eq(&a, &b));
	ck_assert_uint_eq(b.len, sizeof(b.u.sin6));
	ck_assert_uint_eq(b.u.sin6.sin6_scope_id, 3);
	ck_assert_uint_eq(n.rtt_us, 1234);
	ck_assert_uint_eq(n.last_seen_ms, 3000);
	ck_assert(!n.pinging);
	route_free(rt);
}
END_TEST

struct ranked {
	struct id	dist;
	size_t		idx;
};

static int
ranked_cmp(const void *a, const void *b)
{
	return memcmp(((const struct ranked *)a)->dist.b,
	    ((const struct ranked *)b)->dist.b, ID_LEN);
}

START_TEST(test_closest_brute_force)
{
	static const size_t maxes[] = { 1, 3, 8, 20, 64, 200 };
	struct prng p = { 0xfeedfaceu };
	struct route *rt;
	struct route_node *all, *out, ping;
	struct ranked *rk;
	struct id self, id, target;
	const struct id *ids[ROUTE_FAST_MAX];
	uint8_t fails[ROUTE_FAST_MAX];
	struct addr a;
	size_t i, j, m, n, got, want, added = 0;

	rt = new_table(&p, &self);
	all = calloc(ROUTE_MAX_NODES, sizeof(*all));
	out = calloc(ROUTE_MAX_NODES, sizeof(*out));
	rk = calloc(ROUTE_MAX_NODES, sizeof(*rk));
	ck_assert(all != NULL && out != NULL && rk != NULL);
	/* Half uniform (crowding the first buckets), half spread deep. */
	for (i = 0; i < 2000; i++) {
		if (i % 2 == 0)
			rand_id(&p, &id);
		else
			id_in_bucket(&p, rt, (int)(prng_next(&p) % 256), &id);
		test_addr(&a, (uint32_t)i + 1, 4000);
		if (route_seen(rt, &id, &a, 1000 + i, 0, &ping) ==
		    ROUTE_ADDED)
			added++;
	}
	n = route_export(rt, all, ROUTE_MAX_NODES);
	ck_assert_uint_eq(n, added);
	ck_assert_uint_eq(n, route_count(rt));
	ck_assert_uint_gt(n, 1000);

	for (i = 0; i < 200; i++) {
		switch (i % 4) {
		case 0:
			rand_id(&p, &target);
			break;
		case 1:		/* next to a known node */
			target = all[prng_next(&p) % n].id;
			target.b[ID_LEN - 1] ^= (uint8_t)prng_next(&p);
			break;
		case 2:		/* near ourselves */
			target = self;
			target.b[ID_LEN - 1 - i % ID_LEN] ^= 1;
			break;
		default:
			target = i == 3 ? self : all[prng_next(&p) % n].id;
			break;
		}
		for (j = 0; j < n; j++) {
			id_xor(&rk[j].dist, &all[j].id, &target);
			rk[j].idx = j;
		}
		qsort(rk, n, sizeof(rk[0]), ranked_cmp);
		for (m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
			want = maxes[m] < n ? maxes[m] : n;
			got = route_closest(rt, &target, maxes[m], out);
			ck_assert_uint_eq(got, want);
			for (j = 0; j < got; j++)
				ck_assert(id_eq(&out[j].id,
				    &all[rk[j].idx].id));
			/* The same, as IDs into the table, at most 64. */
			if (want > ROUTE_FAST_MAX)
				want = ROUTE_FAST_MAX;
			got = route_closest_ids(rt, &target, maxes[m], ids,
			    fails);
			ck_assert_uint_eq(got, want);
			for (j = 0; j < got; j++) {
				ck_assert(id_eq(ids[j], &all[rk[j].idx].id));
				ck_assert_uint_eq(fails[j], 0);
			}
		}
	}
	ck_assert_uint_eq(route_closest(rt, &target, 0, out), 0);
	ck_assert_uint_eq(route_closest_ids(rt, &target, 0, ids, fails), 0);
	free(rk);
	free(out);
	free(all);
	route_free(rt);
}
END_TEST

START_TEST(test_addr_change)
{
	struct prng p = { 0x4242u };
	struct route *rt;
	struct route_node ping, n;
	struct id self, id;
	struct addr a1, a2, a3;

	rt = new_table(&p, &self);
	rand_id(&p, &id);
	test_addr(&a1, 1, 4000);
	test_addr(&a2, 2, 4000);
	test_addr(&a3, 1, 4001);
	ck_assert_int_eq(route_seen(rt, &id, &a1, 1000, 500, &ping),
	    ROUTE_ADDED);
	/* Healthy entry: a claim from elsewhere changes nothing. */
	ck_assert_int_eq(route_seen(rt, &id, &a2, 2000, 10, &ping),
	    ROUTE_CONFLICT);
	ck_assert_int_eq(route_seen(rt, &id, &a3, 2000, 10, &ping),
	    ROUTE_CONFLICT);
	ck_assert_int_eq(route_get(rt, &id, &n), 0);
	ck_assert(addr_eq(&n.addr, &a1));
	ck_assert_uint_eq(n.last_seen_ms, 1000);
	ck_assert_uint_eq(n.rtt_us, 500);
	/* Same address: refreshed, the caller's smoothed RTT taken. */
	ck_assert_int_eq(route_seen(rt, &id, &a1, 2500, 1300, &ping),
	    ROUTE_UPDATED);
	ck_assert_int_eq(route_get(rt, &id, &n), 0);
	ck_assert_uint_eq(n.rtt_us, 1300);
	/* No new sample (a request from it): the estimate stays. */
	ck_assert_int_eq(route_seen(rt, &id, &a1, 2600, 0, &ping),
	    ROUTE_UPDATED);
	ck_assert_int_eq(route_get(rt, &id, &n), 0);
	ck_assert_uint_eq(n.rtt_us, 1300);
	ck_assert_uint_eq(n.last_seen_ms, 2600);
	/* After one missed reply the node may move; its RTT restarts. */
	ck_assert_int_eq(route_failed(rt, &id, 3000), 0);
	ck_assert_int_eq(route_seen(rt, &id, &a2, 3500, 0, &ping),
	    ROUTE_UPDATED);
	ck_assert_int_eq(route_get(rt, &id, &n), 0);
	ck_assert(addr_eq(&n.addr, &a2));
	ck_assert_int_eq(n.fails, 0);
	ck_assert_uint_eq(n.rtt_us, 0);
	ck_assert_uint_eq(n.last_seen_ms, 3500);
	/* ...and is healthy again, so the old address cannot take it back. */
	ck_assert_int_eq(route_seen(rt, &id, &a1, 4000, 0, &ping),
	    ROUTE_CONFLICT);
	route_free(rt);
}
END_TEST

START_TEST(test_random_id_in_bucket)
{
	static const int idx[] = { 0, 1, 6, 7, 8, 9, 15, 16, 100, 127, 128,
	    200, 247, 248, 254, 255 };
	struct prng p = { 0x9999u };
	struct route *rt;
	struct id self, id;
	uint8_t r[ID_LEN];
	size_t i, j;

	for (j = 0; j < 8; j++) {
		rt = new_table(&p, &self);
		for (i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
			prng_bytes(&p, r, sizeof(r));
			if (j == 0)
				memset(r, 0, sizeof(r));
			else if (j == 1)
				memset(r, 0xff, sizeof(r));
			ck_assert_int_eq(route_random_id_in_bucket(rt, idx[i],
			    r, &id), 0);
			ck_assert_int_eq(id_prefixlen(&self, &id), idx[i]);
		}
		ck_assert_int_eq(route_random_id_in_bucket(rt, -1, r, &id),
		    -1);
		ck_assert_int_eq(route_random_id_in_bucket(rt, 256, r, &id),
		    -1);
		route_free(rt);
	}
}
END_TEST

/* Builds target T and a node at prefix length `cls` with T. */
static void
id_near(struct prng *p, const struct id *t, int cls, struct id *out)
{
	uint8_t r[ID_LEN];
	size_t q = (size_t)cls / 8;
	uint8_t keep = (uint8_t)(0xff00 >> (cls % 8));
	uint8_t flip = (uint8_t)(0x80 >> (cls % 8));

	prng_bytes(p, r, sizeof(r));
	*out = *t;
	memcpy(out->b + q, r + q, ID_LEN - q);
	out->b[q] = (uint8_t)((t->b[q] & keep) | (~t->b[q] & flip) |
	    (r[q] & ~(keep | flip)));
}

START_TEST(test_closest_fast)
{
	struct prng p = { 0xc0ffeeu };
	struct route *rt;
	struct route_node ping, out[16], slow[16];
	struct id self, t, near[3], mid[10];
	struct addr a;
	/* RTTs (us) of the class-210 and class-209 nodes; 0 = unknown. */
	static const uint32_t rt_near[3] = { 900, 0, 100 };
	static const uint32_t rt_mid[10] = { 50, 40, 0, 700, 30, 20, 10, 600,
	    5, 1 };
	size_t i, n, k;

	rt = new_table(&p, &self);
	id_in_bucket(&p, rt, 200, &t);
	for (i = 0; i < 3; i++) {
		id_near(&p, &t, 210, &near[i]);
		test_addr(&a, 100 + (uint32_t)i, 4000);
		ck_assert_int_eq(route_seen(rt, &near[i], &a, 1000,
		    rt_near[i], &ping), ROUTE_ADDED);
	}
	for (i = 0; i < 10; i++) {
		id_near(&p, &t, 209, &mid[i]);
		test_addr(&a, 200 + (uint32_t)i, 4000);
		ck_assert_int_eq(route_seen(rt, &mid[i], &a, 1000,
		    rt_mid[i], &ping), ROUTE_ADDED);
	}
	/* Plain closest: pure XOR order. */
	n = route_closest(rt, &t, 5, slow);
	ck_assert_uint_eq(n, 5);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(id_prefixlen(&t, &slow[i].id), 210);

	/*
	 * Fast, max 5: candidates are the 10 closest: the 3 class-210 nodes
	 * first (by RTT: 100, 900, unknown), then the 2 fastest among the 7
	 * closest class-209 nodes.
	 */
	n = route_closest_fast(rt, &t, 5, out);
	ck_assert_uint_eq(n, 5);
	ck_assert(id_eq(&out[0].id, &near[2]));
	ck_assert(id_eq(&out[1].id, &near[0]));
	ck_assert(id_eq(&out[2].id, &near[1]));
	{
		struct route_node cand[10];
		uint32_t best1 = UINT32_MAX, best2 = UINT32_MAX, r;

		ck_assert_uint_eq(route_closest(rt, &t, 10, cand), 10);
		for (i = 3; i < 10; i++) {
			r = cand[i].rtt_us;
			if (r == 0)
				continue;
			if (r < best1) {
				best2 = best1;
				best1 = r;
			} else if (r < best2)
				best2 = r;
		}
		ck_assert_uint_eq(out[3].rtt_us, best1);
		ck_assert_uint_eq(out[4].rtt_us, best2);
	}
	/* Asking for everything: the classes never interleave. */
	n = route_closest_fast(rt, &t, 16, out);
	ck_assert_uint_eq(n, 13);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(id_prefixlen(&t, &out[i].id), 210);
	ck_assert_uint_eq(out[3].rtt_us, 1);
	ck_assert_uint_eq(out[4].rtt_us, 5);
	ck_assert_uint_eq(out[12].rtt_us, 0);
	for (k = 4; k < 12; k++)
		ck_assert_uint_lt(out[k - 1].rtt_us, out[k].rtt_us);
	route_free(rt);
}
END_TEST

START_TEST(test_stale_bucket)
{
	struct prng p = { 0x31337u };
	struct route *rt;
	struct route_node ping;
	struct id self, id;
	struct addr a;
	const uint64_t iv = 3600000;
	int i;

	rt = new_table(&p, &self);
	ck_assert_int_eq(route_stale_bucket(rt, 1000 + iv, iv), -1);
	for (i = 0; i <= 5; i++) {
		id_in_bucket(&p, rt, i, &id);
		test_addr(&a, 300 + (uint32_t)i, 4000);
		ck_assert_int_eq(route_seen(rt, &id, &a, 1000, 0, &ping),
		    ROUTE_ADDED);
	}
	ck_assert_int_eq(route_stale_bucket(rt, 1000 + iv - 1, iv), -1);
	/* All equally old: lowest index first; touching moves on. */
	for (i = 0; i <= 6; i++) {
		ck_assert_int_eq(route_stale_bucket(rt, 1000 + iv, iv), i);
		id_in_bucket(&p, rt, i, &id);
		route_touch_bucket(rt, &id, 1000 + iv);
	}
	/* Buckets past the deepest populated one + 1 are not refreshed. */
	ck_assert_int_eq(route_stale_bucket(rt, 1000 + iv, iv), -1);
	/* The least recently refreshed is chosen first. */
	id_in_bucket(&p, rt, 4, &id);
	route_touch_bucket(rt, &id, 5000 + iv);
	ck_assert_int_eq(route_stale_bucket(rt, 1000 + 2 * iv, iv), 0);
	ck_assert_int_eq(route_stale_bucket(rt, 5000 + 2 * iv, iv), 0);
	for (i = 0; i <= 6; i++) {
		if (i == 4)
			continue;
		id_in_bucket(&p, rt, i, &id);
		route_touch_bucket(rt, &id, 6000 + iv);
	}
	ck_assert_int_eq(route_stale_bucket(rt, 5000 + 2 * iv, iv), 4);
	route_touch_bucket(rt, &self, 0);	/* no bucket: ignored */
	route_free(rt);
}
END_TEST

START_TEST(test_oldest_unpinged)
{
	struct prng p = { 0x2718u };
	struct route *rt;
	struct route_node ping, n;
	struct id self, ids[6];
	struct addr a;
	static const uint64_t seen[6] = { 1000, 5000, 3000, 9000, 2000, 4000 };
	static const int order[4] = { 0, 4, 2, 5 };
	int i;

	rt = new_table(&p, &self);
	for (i = 0; i < 6; i++) {
		/* Two per bucket, in time order within each bucket. */
		id_in_bucket(&p, rt, i / 2 + 1, &ids[i]);
		test_addr(&a, 400 + (uint32_t)i, 4000);
		ck_assert_int_eq(route_seen(rt, &ids[i], &a, seen[i], 0,
		    &ping), ROUTE_ADDED);
	}
	/* now 10000, stale after 5001 ms: seen <= 4999 qualify. */
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(route_oldest_unpinged(rt, 10000, 5001, &n),
		    1);
		ck_assert(id_eq(&n.id, &ids[order[i]]));
		ck_assert_int_eq(n.pinging, 1);
	}
	ck_assert_int_eq(route_oldest_unpinged(rt, 10000, 5001, &n), 0);
	/* A reply clears the mark and makes the node the newest. */
	test_addr(&a, 400, 4000);
	ck_assert_int_eq(route_seen(rt, &ids[0], &a, 10000, 0, &ping),
	    ROUTE_UPDATED);
	ck_assert_int_eq(route_get(rt, &ids[0], &n), 0);
	ck_assert_int_eq(n.pinging, 0);
	ck_assert_int_eq(route_oldest_unpinged(rt, 10000, 5001, &n), 0);
	ck_assert_int_eq(route_oldest_unpinged(rt, 10000, 0, &n), 1);
	ck_assert(id_eq(&n.id, &ids[1]));
	/* A ping never resolved is forgotten after ROUTE_PING_STALE_MS. */
	ck_assert_int_eq(route_oldest_unpinged(rt,
	    10000 + ROUTE_PING_STALE_MS, 5001, &n), 1);
	ck_assert(id_eq(&n.id, &ids[4]));
	route_free(rt);
}
END_TEST

START_TEST(test_ping_stale_valve)
{
	struct prng p = { 0x1618u };
	struct route *rt;
	struct route_node ping;
	struct id self, ids[ROUTE_K], nc[3];
	struct addr a;
	int i;

	rt = new_table(&p, &self);
	fill_bucket(&p, rt, 4, ids);
	for (i = 0; i < 3; i++)
		id_in_bucket(&p, rt, 4, &nc[i]);
	test_addr(&a, 500, 4000);
	ck_assert_int_eq(route_seen(rt, &nc[0], &a, 2000, 0, &ping),
	    ROUTE_PING);
	ck_assert_int_eq(route_seen(rt, &nc[1], &a,
	    2000 + ROUTE_PING_STALE_MS - 1, 0, &ping), ROUTE_CACHED);
	ck_assert_int_eq(route_seen(rt, &nc[2], &a,
	    2000 + ROUTE_PING_STALE_MS, 0, &ping), ROUTE_PING);
	ck_assert(id_eq(&ping.id, &ids[0]));
	/* Without ping_out nothing is marked. */
	ck_assert_int_eq(route_seen(rt, &nc[0], &a,
	    9000 + 2 * ROUTE_PING_STALE_MS, 0, NULL), ROUTE_CACHED);
	route_free(rt);
}
END_TEST

static Suite *
route_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("route");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_self_and_unusable);
	tcase_add_test(tc, test_complete_near);
	tcase_add_test(tc, test_wide_buckets);
	tcase_add_test(tc, test_full_bucket_evicts_after_fails);
	tcase_add_test(tc, test_ping_reply_keeps_old);
	tcase_add_test(tc, test_cache_bounded);
	tcase_add_test(tc, test_compact_ipv6);
	tcase_add_test(tc, test_closest_brute_force);
	tcase_add_test(tc, test_addr_change);
	tcase_add_test(tc, test_random_id_in_bucket);
	tcase_add_test(tc, test_closest_fast);
	tcase_add_test(tc, test_stale_bucket);
	tcase_add_test(tc, test_oldest_unpinged);
	tcase_add_test(tc, test_ping_stale_valve);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(route_suite());
}

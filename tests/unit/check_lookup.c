/*
 * check_lookup — the iterative lookup state machine: hand-made cases for
 * the alpha bound, merging, termination (and the early ends a get uses:
 * lookup_settled, lookup_head) and the bounded shortlist, then
 * whole lookups over a synthetic 5000-node Kademlia network (with and
 * without dead nodes) that must find exactly the true k closest.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"
#include "check_util.h"

/* 127.x.y.z:4000 with x.y.z = n + 1: the address names the node. */
static void
test_addr(struct addr *a, uint32_t n)
{
	memset(a, 0, sizeof(*a));
	a->u.sin.sin_family = AF_INET;
	a->u.sin.sin_addr.s_addr = htonl(0x7f000000u | ((n + 1) & 0xffffffu));
	a->u.sin.sin_port = htons(4000);
	a->len = sizeof(a->u.sin);
}

static uint32_t
addr_index(const struct addr *a)
{
	return (ntohl(a->u.sin.sin_addr.s_addr) & 0xffffffu) - 1;
}

/* Hand-made cases: target is zero, so the ID's leading bytes are its
 * distance; self is far away. */
static void
mk_node(struct route_node *n, uint32_t dist)
{
	memset(n, 0, sizeof(*n));
	n->id.b[0] = (uint8_t)(dist >> 24);
	n->id.b[1] = (uint8_t)(dist >> 16);
	n->id.b[2] = (uint8_t)(dist >> 8);
	n->id.b[3] = (uint8_t)dist;
	test_addr(&n->addr, dist);
}

static const struct id zero_target;

static void
mk_self(struct id *self)
{
	memset(self->b, 0xff, sizeof(self->b));
}

START_TEST(test_params)
{
	static const struct {
		unsigned	alpha, k;
		int		ok;
	} tab[] = {
		{ 0, 20, 0 }, { LOOKUP_MAX_ALPHA + 1, 20, 0 }, { 3, 0, 0 },
		{ 3, LOOKUP_MAX_K + 1, 0 }, { 1, 1, 1 }, { 3, 20, 1 },
		{ LOOKUP_MAX_ALPHA, LOOKUP_MAX_K, 1 },
	};
	struct lookup *lk;
	struct route_node out;
	struct id self;
	size_t i;

	mk_self(&self);
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		errno = 0;
		lk = lookup_new(&zero_target, &self, NULL, 0, tab[i].alpha,
		    tab[i].k);
		if (!tab[i].ok) {
			ck_assert_ptr_null(lk);
			ck_assert_int_eq(errno, EINVAL);
			continue;
		}
		ck_assert_ptr_nonnull(lk);
		ck_assert_uint_eq(lookup_capacity(lk),
		    LOOKUP_CAND_PER_K * tab[i].k + tab[i].alpha);
		/* No seeds: nothing to ask, done at once, empty result. */
		ck_assert_int_eq(lookup_next(lk, &out), 0);
		ck_assert(lookup_done(lk));
		ck_assert_uint_eq(lookup_result(lk, &out, 1), 0);
		lookup_free(lk);
	}
	lookup_free(NULL);
}
END_TEST

START_TEST(test_seeds_filtered)
{
	struct lookup *lk;
	struct route_node seeds[6], out;
	struct id self;

	mk_self(&self);
	mk_node(&seeds[0], 30);
	mk_node(&seeds[1], 10);
	mk_node(&seeds[2], 20);
	seeds[3] = seeds[1];			/* duplicate */
	mk_node(&seeds[4], 5);
	seeds[4].id = self;			/* ourselves */
	mk_node(&seeds[5], 1);
	memset(&seeds[5].addr.u.sin.sin_addr, 0, 4);	/* 0.0.0.0 */
	lk = lookup_new(&zero_target, &self, seeds, 6, 1, 20);
	ck_assert_ptr_nonnull(lk);
	ck_assert_uint_eq(lookup_size(lk), 3);
	ck_assert_int_eq(lookup_state(lk, &self), -1);
	ck_assert_int_eq(lookup_state(lk, &seeds[5].id), -1);
	/* Closest first. */
	ck_assert_int_eq(lookup_next(lk, &out), 1);
	ck_assert(id_eq(&out.id, &seeds[1].id));
	ck_assert(lookup_target(lk) != NULL);
	ck_assert(id_eq(lookup_target(lk), &zero_target));
	lookup_free(lk);
}
END_TEST

START_TEST(test_alpha_bound)
{
	struct lookup *lk;
	struct route_node seeds[10], out, q[3];
	struct lookup_stats st;
	struct id self;
	uint32_t i;

	mk_self(&self);
	for (i = 0; i < 10; i++)
		mk_node(&seeds[i], 100 + i);
	lk = lookup_new(&zero_target, &self, seeds, 10, 3, 20);
	ck_assert_ptr_nonnull(lk);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(lookup_next(lk, &q[i]), 1);
		ck_assert(id_eq(&q[i].id, &seeds[i].id));
		ck_assert_int_eq(lookup_state(lk, &q[i].id),
		    LOOKUP_INFLIGHT);
	}
	ck_assert_int_eq(lookup_next(lk, &out), 0);
	ck_assert_uint_eq(lookup_inflight(lk), 3);
	ck_assert(!lookup_done(lk));
	/* One answer frees one slot; a failure frees another. */
	ck_assert_uint_eq(lookup_reply(lk, &q[1].id, NULL, 0), 0);
	ck_assert_int_eq(lookup_state(lk, &q[1].id), LOOKUP_REPLIED);
	ck_assert_int_eq(lookup_next(lk, &out), 1);
	ck_assert(id_eq(&out.id, &seeds[3].id));
	ck_assert_int_eq(lookup_next(lk, &out), 0);
	ck_assert_int_eq(lookup_failed(lk, &q[0].id), 0);
	ck_assert_int_eq(lookup_state(lk, &q[0].id), LOOKUP_FAILED);
	ck_assert_int_eq(lookup_failed(lk, &q[0].id), -1);
	ck_assert_int_eq(lookup_failed(lk, &seeds[9].id), -1);	/* NEW */
	/*
	 * Now the closest live candidate has answered and named none closer:
	 * the rest of the k closest go at once, alpha no longer bounds them.
	 */
	for (i = 4; i < 10; i++) {
		ck_assert_int_eq(lookup_next(lk, &out), 1);
		ck_assert(id_eq(&out.id, &seeds[i].id));
	}
	ck_assert_int_eq(lookup_next(lk, &out), 0);
	/* A repeated reply changes nothing. */
	ck_assert_uint_eq(lookup_reply(lk, &q[1].id, NULL, 0), 0);
	ck_assert_uint_eq(lookup_inflight(lk), 8);
	lookup_get_stats(lk, &st);
	ck_assert_uint_eq(st.queries, 10);
	ck_assert_uint_eq(st.replies, 1);
	ck_assert_uint_eq(st.failures, 1);
	ck_assert_uint_eq(st.hops, 1);
	lookup_free(lk);
}
END_TEST

/* A stalled query frees its alpha place but still counts when it answers. */
START_TEST(test_stalled)
{
	struct lookup *lk;
	struct route_node seeds[6], out, q[2];
	struct lookup_stats st;
	struct id self;
	uint32_t i;

	mk_self(&self);
	for (i = 0; i < 6; i++)
		mk_node(&seeds[i], 100 + i);
	lk = lookup_new(&zero_target, &self, seeds, 6, 2, 20);
	ck_assert_ptr_nonnull(lk);
	ck_assert_int_eq(lookup_next(lk, &q[0]), 1);
	ck_assert_int_eq(lookup_next(lk, &q[1]), 1);
	ck_assert_int_eq(lookup_next(lk, &out), 0);
	ck_assert_int_eq(lookup_stalled(lk, &q[0].id), 0);
	ck_assert_int_eq(lookup_stalled(lk, &q[0].id), -1);	/* once */
	ck_assert_int_eq(lookup_stalled(lk, &seeds[5].id), -1);	/* NEW */
	ck_assert_uint_eq(lookup_inflight(lk), 1);
	ck_assert_int_eq(lookup_state(lk, &q[0].id), LOOKUP_INFLIGHT);
	ck_assert_int_eq(lookup_next(lk, &out), 1);
	ck_assert(id_eq(&out.id, &seeds[2].id));
	ck_assert_int_eq(lookup_next(lk, &out), 0);
	/* Its late answer counts, without freeing a place twice. */
	lookup_reply(lk, &q[0].id, NULL, 0);
	ck_assert_int_eq(lookup_state(lk, &q[0].id), LOOKUP_REPLIED);
	ck_assert_uint_eq(lookup_inflight(lk), 2);
	ck_assert_int_eq(lookup_stalled(lk, &q[1].id), 0);
	ck_assert_int_eq(lookup_failed(lk, &q[1].id), 0);
	ck_assert_uint_eq(lookup_inflight(lk), 1);
	ck_assert(!lookup_done(lk));
	lookup_get_stats(lk, &st);
	ck_assert_uint_eq(st.replies, 1);
	ck_assert_uint_eq(st.failures, 1);
	lookup_free(lk);
}
END_TEST

/*
 * lookup_settled: a stalled candidate no longer holds the end back once
 * the k closest others answered (lookup_done still waits for it);
 * lookup_head: the answered prefix, stalled ones skipped, up to the first
 * candidate not asked or still in flight.
 */
START_TEST(test_settled_head)
{
	struct lookup *lk;
	struct route_node seeds[5], out, q[3];
	struct lookup_stats st;
	struct id self, head[8];
	uint32_t i;

	mk_self(&self);
	for (i = 0; i < 5; i++)
		mk_node(&seeds[i], 100 + i);
	lk = lookup_new(&zero_target, &self, seeds, 5, 3, 3);
	ck_assert_ptr_nonnull(lk);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(lookup_next(lk, &q[i]), 1);
	ck_assert(id_eq(&q[0].id, &seeds[0].id));
	ck_assert_uint_eq(lookup_head(lk, head, 8), 0);
	lookup_reply(lk, &seeds[1].id, NULL, 0);
	/* The closest is still in flight: nothing is settled before it. */
	ck_assert_uint_eq(lookup_head(lk, head, 8), 0);
	ck_assert_int_eq(lookup_stalled(lk, &seeds[0].id), 0);
	ck_assert_uint_eq(lookup_head(lk, head, 8), 1);
	ck_assert(id_eq(&head[0], &seeds[1].id));
	ck_assert_int_eq(lookup_next(lk, &out), 1);
	ck_assert(id_eq(&out.id, &seeds[3].id));
	lookup_reply(lk, &seeds[2].id, NULL, 0);
	ck_assert(!lookup_settled(lk));
	lookup_reply(lk, &seeds[3].id, NULL, 0);
	ck_assert(lookup_settled(lk));
	ck_assert(!lookup_done(lk));
	ck_assert_uint_eq(lookup_head(lk, head, 8), 3);
	ck_assert(id_eq(&head[2], &seeds[3].id));
	ck_assert_uint_eq(lookup_head(lk, head, 2), 2);
	lookup_get_stats(lk, &st);
	ck_assert_uint_eq(st.stalls, 1);
	/* The stalled one's late answer still counts. */
	lookup_reply(lk, &seeds[0].id, NULL, 0);
	ck_assert(lookup_done(lk));
	ck_assert_uint_eq(lookup_head(lk, head, 8), 4);
	ck_assert(id_eq(&head[0], &seeds[0].id));
	/* A failed one is skipped like a stalled one. */
	lookup_free(lk);
	lk = lookup_new(&zero_target, &self, seeds, 5, 3, 3);
	ck_assert_ptr_nonnull(lk);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(lookup_next(lk, &q[i]), 1);
	ck_assert_int_eq(lookup_failed(lk, &seeds[0].id), 0);
	lookup_reply(lk, &seeds[1].id, NULL, 0);
	ck_assert_uint_eq(lookup_head(lk, head, 8), 1);
	ck_assert(id_eq(&head[0], &seeds[1].id));
	lookup_free(lk);
}
END_TEST

/* A failed candidate among the k closest is asked once more, only once. */
START_TEST(test_again)
{
	struct lookup *lk;
	struct route_node seeds[4], out;
	struct id self;
	uint32_t i;

	mk_self(&self);
	for (i = 0; i < 4; i++)
		mk_node(&seeds[i], 100 + i);
	lk = lookup_new(&zero_target, &self, seeds, 4, 1, 2);
	ck_assert_ptr_nonnull(lk);
	ck_assert_int_eq(lookup_again(lk, &seeds[0].id), -1);	/* NEW */
	ck_assert_int_eq(lookup_next(lk, &out), 1);
	ck_assert_int_eq(lookup_failed(lk, &seeds[0].id), 0);
	ck_assert_int_eq(lookup_again(lk, &seeds[0].id), 0);
	ck_assert(lookup_asked_again(lk, &seeds[0].id));
	ck_assert(!lookup_asked_again(lk, &seeds[1].id));
	ck_assert_int_eq(lookup_next(lk, &out), 1);
	ck_assert(id_eq(&out.id, &seeds[0].id));
	ck_assert_int_eq(lookup_failed(lk, &seeds[0].id), 0);
	ck_assert_int_eq(lookup_again(lk, &seeds[0].id), -1);	/* once */
	/* Past the k (2) closest live ones: no second chance. */
	ck_assert_int_eq(lookup_next(lk, &out), 1);
	ck_assert(id_eq(&out.id, &seeds[1].id));
	lookup_reply(lk, &seeds[1].id, NULL, 0);
	ck_assert_int_eq(lookup_next(lk, &out), 1);
	ck_assert(id_eq(&out.id, &seeds[2].id));
	lookup_reply(lk, &seeds[2].id, NULL, 0);
	ck_assert(lookup_done(lk));
	ck_assert_int_eq(lookup_next(lk, &out), 0);
	ck_assert_int_eq(lookup_state(lk, &seeds[3].id), LOOKUP_NEW);
	lookup_free(lk);
}
END_TEST

START_TEST(test_merge_own_ids)
{
	struct lookup *lk;
	struct route_node seed, nodes[5], out, res[4];
	struct lookup_stats st;
	struct id self;

	mk_self(&self);
	mk_node(&seed, 1000);
	lk = lookup_new(&zero_target, &self, &seed, 1, 1, 20);
	ck_assert_int_eq(lookup_next(lk, &out), 1);
	ck_assert(id_eq(&out.id, &seed.id));

	mk_node(&nodes[0], 50);		/* B */
	mk_node(&nodes[1], 70);		/* C */
	nodes[2] = seed;		/* the responder itself */
	mk_node(&nodes[3], 60);
	nodes[3].id = self;		/* ourselves */
	mk_node(&nodes[4], 2000);	/* D, farther than the responder */
	nodes[4].rtt_us = 77;		/* peer-supplied: not trusted */
	ck_assert_uint_eq(lookup_reply(lk, &seed.id, nodes, 5), 3);
	ck_assert_uint_eq(lookup_size(lk), 4);
	ck_assert_int_eq(lookup_state(lk, &seed.id), LOOKUP_REPLIED);
	ck_assert_int_eq(lookup_state(lk, &nodes[0].id), LOOKUP_NEW);
	ck_assert_int_eq(lookup_state(lk, &nodes[1].id), LOOKUP_NEW);
	ck_assert_int_eq(lookup_state(lk, &nodes[4].id), LOOKUP_NEW);
	ck_assert_int_eq(lookup_state(lk, &self), -1);

	/* Each is handed out under its own ID with its own address. */
	ck_assert_int_eq(lookup_next(lk, &out), 1);
	ck_assert(id_eq(&out.id, &nodes[0].id));
	ck_assert(addr_eq(&out.addr, &nodes[0].addr));
	ck_assert_uint_eq(addr_index(&out.addr), 50);
	/* B again from another peer, with another address: kept as is. */
	nodes[0].addr.u.sin.sin_port = htons(4001);
	ck_assert_uint_eq(lookup_reply(lk, &nodes[1].id, nodes, 1), 0);
	ck_assert_int_eq(lookup_state(lk, &nodes[0].id), LOOKUP_INFLIGHT);
	ck_assert_uint_eq(lookup_reply(lk, &nodes[0].id, NULL, 0), 0);
	ck_assert_int_eq(lookup_next(lk, &out), 1);
	ck_assert(id_eq(&out.id, &nodes[1].id));
	ck_assert_uint_eq(addr_index(&out.addr), 70);
	ck_assert_uint_eq(lookup_reply(lk, &nodes[1].id, NULL, 0), 0);
	ck_assert_int_eq(lookup_next(lk, &out), 1);
	ck_assert(id_eq(&out.id, &nodes[4].id));
	ck_assert_uint_eq(out.rtt_us, 0);
	ck_assert_int_eq(lookup_failed(lk, &nodes[4].id), 0);
	ck_assert(lookup_done(lk));

	ck_assert_uint_eq(lookup_result(lk, res, 4), 3);
	ck_assert_uint_eq(addr_index(&res[0].addr), 50);
	ck_assert_uint_eq(addr_index(&res[1].addr), 70);
	ck_assert_uint_eq(addr_index(&res[2].addr), 1000);
	lookup_get_stats(lk, &st);
	ck_assert_uint_eq(st.learned, 3);
	ck_assert_uint_eq(st.hops, 2);
	lookup_free(lk);
}
END_TEST

/*
 * Termination, table-driven: k = 3, alpha = 1, four seeds at distances
 * 1..4.  Each step resolves the next query as `r` (reply) or `f` (fail);
 * done[i] is lookup_done after step i.
 */
START_TEST(test_termination)
{
	static const struct {
		const char	*steps;
		const char	*done;
		size_t		 nresult;
	} tab[] = {
		{ "rrr", "001", 3 },	/* 4th stays NEW: not needed */
		{ "frrr", "0001", 3 },	/* the 4th replaces a failure */
		{ "rfrr", "0001", 3 },
		{ "ffrr", "0001", 2 },	/* fewer than k alive: all asked */
		{ "ffff", "0001", 0 },
	};
	struct lookup *lk;
	struct route_node seeds[4], out, res[4];
	struct id self;
	size_t i, j;
	uint32_t d;

	mk_self(&self);
	for (d = 0; d < 4; d++)
		mk_node(&seeds[d], d + 1);
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		lk = lookup_new(&zero_target, &self, seeds, 4, 1, 3);
		ck_assert(!lookup_done(lk));
		for (j = 0; tab[i].steps[j] != '\0'; j++) {
			ck_assert_int_eq(lookup_next(lk, &out), 1);
			ck_assert(!lookup_done(lk));
			if (tab[i].steps[j] == 'r')
				lookup_reply(lk, &out.id, NULL, 0);
			else
				ck_assert_int_eq(lookup_failed(lk, &out.id),
				    0);
			ck_assert_int_eq(lookup_done(lk),
			    tab[i].done[j] == '1');
		}
		ck_assert_int_eq(lookup_next(lk, &out), 0);
		ck_assert_uint_eq(lookup_result(lk, res, 4), tab[i].nresult);
		for (j = 1; j < tab[i].nresult; j++)
			ck_assert_int_lt(id_distcmp(&zero_target,
			    &res[j - 1].id, &res[j].id), 0);
		lookup_free(lk);
	}
}
END_TEST

START_TEST(test_bounded_shortlist)
{
	struct lookup *lk;
	struct route_node seeds[2], nodes[100], out, a, b;
	struct id self;
	size_t cap, i;

	mk_self(&self);
	mk_node(&seeds[0], 1000000);
	mk_node(&seeds[1], 2000000);
	lk = lookup_new(&zero_target, &self, seeds, 2, 2, 2);
	cap = lookup_capacity(lk);
	ck_assert_uint_eq(cap, LOOKUP_CAND_PER_K * 2 + 2);
	ck_assert_int_eq(lookup_next(lk, &a), 1);
	ck_assert_int_eq(lookup_next(lk, &b), 1);
	/* 100 nodes, all closer than both seeds, farthest first. */
	for (i = 0; i < 100; i++)
		mk_node(&nodes[i], 500 - (uint32_t)i);
	ck_assert_uint_eq(lookup_reply(lk, &a.id, nodes, 100), 100);
	ck_assert_uint_eq(lookup_size(lk), cap);
	/* The query still out is not displaced; the replied seed is. */
	ck_assert_int_eq(lookup_state(lk, &b.id), LOOKUP_INFLIGHT);
	ck_assert_int_eq(lookup_state(lk, &a.id), -1);
	/* The closest survive: 401 .. 401 + cap - 2. */
	for (i = 0; i < cap - 1; i++) {
		mk_node(&out, 401 + (uint32_t)i);
		ck_assert_int_eq(lookup_state(lk, &out.id), LOOKUP_NEW);
	}
	mk_node(&out, 401 + (uint32_t)cap - 1);
	ck_assert_int_eq(lookup_state(lk, &out.id), -1);
	/* A node farther than everything held is refused once full. */
	mk_node(&nodes[0], 3000000);
	ck_assert_uint_eq(lookup_reply(lk, &b.id, nodes, 1), 0);
	ck_assert_int_eq(lookup_state(lk, &b.id), LOOKUP_REPLIED);
	ck_assert_int_eq(lookup_state(lk, &nodes[0].id), -1);
	/* Now b is the farthest and not in flight: a closer node evicts it. */
	mk_node(&nodes[0], 900);
	ck_assert_uint_eq(lookup_reply(lk, &b.id, nodes, 1), 1);
	ck_assert_int_eq(lookup_state(lk, &b.id), -1);
	ck_assert_uint_eq(lookup_inflight(lk), 0);
	ck_assert_uint_eq(lookup_size(lk), cap);
	lookup_free(lk);
}
END_TEST

/* ---- a synthetic network ------------------------------------------ */

#define NET_N		5000
#define NET_K		20	/* live contacts per bucket and answer */
#define NET_ANSWER_MAX	(4 * NET_K)

struct net {
	struct id	ids[NET_N];
	uint32_t	sorted[NET_N];	/* node indexes by ID */
	uint32_t	*known[NET_N];	/* each node's routing table */
	uint32_t	nknown[NET_N];
	uint8_t		dead[NET_N];
};

struct keyed {
	struct id	id;
	uint32_t	idx;
};

static int
keyed_cmp(const void *a, const void *b)
{
	return memcmp(((const struct keyed *)a)->id.b,
	    ((const struct keyed *)b)->id.b, ID_LEN);
}

/* Compares the first nbits bits of a and b. */
static int
prefix_cmp(const struct id *a, const struct id *b, int nbits)
{
	int i, byte, bit;
	uint8_t x, y;

	for (i = 0; i < nbits; i++) {
		byte = i / 8;
		bit = 7 - i % 8;
		x = (a->b[byte] >> bit) & 1;
		y = (b->b[byte] >> bit) & 1;
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* [*lo, *hi) of sorted nodes whose first nbits bits equal pat's. */
static void
net_range(const struct net *net, const struct id *pat, int nbits,
    size_t *lo, size_t *hi)
{
	size_t l = 0, h = NET_N, m;

	while (l < h) {
		m = l + (h - l) / 2;
		if (prefix_cmp(&net->ids[net->sorted[m]], pat, nbits) < 0)
			l = m + 1;
		else
			h = m;
	}
	*lo = l;
	h = NET_N;
	while (l < h) {
		m = l + (h - l) / 2;
		if (prefix_cmp(&net->ids[net->sorted[m]], pat, nbits) <= 0)
			l = m + 1;
		else
			h = m;
	}
	*hi = l;
}

/*
 * Each node's table: for every bucket, all its members if they fit, else
 * members picked at random until NET_K live ones are in — the table of a
 * converged Kademlia node whose liveness checks have not yet caught up
 * with the nodes that died (they stay, interleaved, beyond the quota).
 */
static void
net_tables(struct net *net, struct prng *p)
{
	struct id pat;
	uint32_t *tmp, t, *v;
	size_t i, lo, hi, m, j, r, nv, nlive, slo, shi;
	int b;

	tmp = calloc(NET_N, sizeof(*tmp));
	v = calloc(NET_N, sizeof(*v));
	ck_assert(tmp != NULL && v != NULL);
	for (i = 0; i < NET_N; i++) {
		nv = 0;
		for (b = 0; b < ROUTE_BUCKETS; b++) {
			pat = net->ids[i];
			pat.b[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
			net_range(net, &pat, b + 1, &lo, &hi);
			m = hi - lo;
			for (j = 0; j < m; j++)
				tmp[j] = net->sorted[lo + j];
			for (j = 0, nlive = 0; j < m && nlive < NET_K; j++) {
				r = j + prng_next(p) % (m - j);
				t = tmp[j];
				tmp[j] = tmp[r];
				tmp[r] = t;
				v[nv++] = tmp[j];
				nlive += !net->dead[tmp[j]];
			}
			/* Nobody else shares b + 1 bits with us: done. */
			net_range(net, &net->ids[i], b + 1, &slo, &shi);
			if (shi - slo == 1)
				break;
		}
		net->known[i] = calloc(nv, sizeof(uint32_t));
		ck_assert_ptr_nonnull(net->known[i]);
		memcpy(net->known[i], v, nv * sizeof(uint32_t));
		net->nknown[i] = (uint32_t)nv;
	}
	free(v);
	free(tmp);
}

static struct net *
net_new(struct prng *p, unsigned dead_pct)
{
	struct net *net;
	struct keyed *ky;
	size_t i, j;

	net = calloc(1, sizeof(*net));
	ky = calloc(NET_N, sizeof(*ky));
	ck_assert(net != NULL && ky != NULL);
	for (i = 0; i < NET_N; i++) {
		for (j = 0; j < ID_LEN; j++)
			net->ids[i].b[j] = (uint8_t)(prng_next(p) >> 32);
		ky[i].id = net->ids[i];
		ky[i].idx = (uint32_t)i;
		net->dead[i] = prng_next(p) % 100 < dead_pct;
	}
	qsort(ky, NET_N, sizeof(ky[0]), keyed_cmp);
	for (i = 0; i < NET_N; i++)
		net->sorted[i] = ky[i].idx;
	free(ky);
	net_tables(net, p);
	return net;
}

static void
net_free(struct net *net)
{
	size_t i;

	for (i = 0; i < NET_N; i++)
		free(net->known[i]);
	free(net);
}

/* Inserts idx into v[0..*n) sorted by distance to t, bounded by max. */
static void
closest_insert(const struct net *net, const struct id *t, uint32_t *v,
    size_t *n, size_t max, uint32_t idx)
{
	size_t i;

	if (*n == max && id_distcmp(t, &net->ids[idx], &net->ids[v[*n - 1]])
	    >= 0)
		return;
	i = *n < max ? *n : max - 1;
	while (i > 0 && id_distcmp(t, &net->ids[idx], &net->ids[v[i - 1]])
	    < 0) {
		v[i] = v[i - 1];
		i--;
	}
	v[i] = idx;
	if (*n < max)
		(*n)++;
}

/*
 * Node y's answer: its NET_K closest live contacts to t, plus the dead
 * ones it still lists among them (so a dead node never hides a live one:
 * otherwise no lookup could find the true k closest live nodes).
 */
static size_t
net_answer(const struct net *net, uint32_t y, const struct id *t,
    struct route_node *out)
{
	uint32_t v[NET_ANSWER_MAX];
	size_t i, n = 0, nlive = 0, nout = 0;

	for (i = 0; i < net->nknown[y]; i++)
		closest_insert(net, t, v, &n, NET_ANSWER_MAX,
		    net->known[y][i]);
	for (i = 0; i < n && nlive < NET_K; i++) {
		memset(&out[nout], 0, sizeof(out[nout]));
		out[nout].id = net->ids[v[i]];
		test_addr(&out[nout].addr, v[i]);
		nout++;
		nlive += !net->dead[v[i]];
	}
	return nout;
}

/* Runs one lookup from node s, adding its counters to *acc. */
static void
net_lookup(const struct net *net, struct prng *p, uint32_t s,
    const struct id *t, unsigned alpha, unsigned k, struct lookup_stats *acc)
{
	struct lookup *lk;
	struct lookup_stats st;
	struct route_node seeds[NET_ANSWER_MAX], ans[NET_ANSWER_MAX], q;
	struct route_node res[LOOKUP_MAX_K];
	uint32_t pending[LOOKUP_MAX_K], want[LOOKUP_MAX_K], y;
	uint8_t *asked;
	size_t ns, npend = 0, nwant = 0, nres, i, handed = 0, iter;

	asked = calloc(NET_N, 1);
	ck_assert_ptr_nonnull(asked);
	ns = net_answer(net, s, t, seeds);
	lk = lookup_new(t, &net->ids[s], seeds, ns, alpha, k);
	ck_assert_ptr_nonnull(lk);
	for (iter = 0; iter < 100000 && !lookup_done(lk); iter++) {
		while (lookup_next(lk, &q)) {
			y = addr_index(&q.addr);
			ck_assert_uint_lt(y, NET_N);
			/* The address handed out belongs to that ID. */
			ck_assert(id_eq(&q.id, &net->ids[y]));
			ck_assert_uint_ne(y, s);
			ck_assert_int_eq(asked[y], 0);
			asked[y] = 1;
			/* alpha, or k for the last step (lookup_next). */
			ck_assert_uint_lt(npend, k > alpha ? k : alpha);
			pending[npend++] = y;
			handed++;
		}
		ck_assert_uint_eq(lookup_inflight(lk), npend);
		ck_assert_uint_le(npend, k > alpha ? k : alpha);
		ck_assert_uint_gt(npend, 0);	/* not done: something out */
		/* Answers arrive in random order. */
		i = prng_next(p) % npend;
		y = pending[i];
		pending[i] = pending[--npend];
		if (net->dead[y])
			ck_assert_int_eq(lookup_failed(lk, &net->ids[y]), 0);
		else
			lookup_reply(lk, &net->ids[y], ans,
			    net_answer(net, y, t, ans));
	}
	ck_assert(lookup_done(lk));

	/* The truth: the k closest live nodes other than s. */
	for (y = 0; y < NET_N; y++)
		if (y != s && !net->dead[y])
			closest_insert(net, t, want, &nwant, k, y);
	nres = lookup_result(lk, res, LOOKUP_MAX_K);
	ck_assert_uint_eq(nres, nwant);
	for (i = 0; i < nres; i++) {
		ck_assert(id_eq(&res[i].id, &net->ids[want[i]]));
		ck_assert_uint_eq(addr_index(&res[i].addr), want[i]);
	}
	lookup_get_stats(lk, &st);
	ck_assert_uint_eq(st.queries, handed);
	ck_assert_uint_eq(st.replies + st.failures, handed - npend);
	ck_assert_uint_ge(st.hops, 1);
	acc->queries += st.queries;
	acc->replies += st.replies;
	acc->failures += st.failures;
	acc->learned += st.learned;
	if (st.hops > acc->hops)
		acc->hops = st.hops;
	lookup_free(lk);
	free(asked);
}

static void
run_network(uint64_t seed, unsigned dead_pct)
{
	static const struct {
		unsigned	alpha, k;
	} conf[] = { { 3, 20 }, { 1, 20 }, { 8, 20 }, { 3, 8 }, { 2, 16 } };
	struct prng p = { seed };
	struct net *net;
	struct lookup_stats acc;
	struct id t;
	uint32_t s;
	size_t i, j, ndead = 0;

	memset(&acc, 0, sizeof(acc));
	net = net_new(&p, dead_pct);
	for (i = 0; i < NET_N; i++)
		ndead += net->dead[i];
	if (dead_pct > 0)
		ck_assert_uint_gt(ndead, NET_N * dead_pct / 200);
	for (i = 0; i < 50; i++) {
		do
			s = (uint32_t)(prng_next(&p) % NET_N);
		while (net->dead[s]);
		if (i % 5 == 4)		/* a node's own ID, dead or alive */
			t = net->ids[prng_next(&p) % NET_N];
		else
			for (j = 0; j < ID_LEN; j++)
				t.b[j] = (uint8_t)(prng_next(&p) >> 40);
		net_lookup(net, &p, s, &t, conf[i % 5].alpha, conf[i % 5].k,
		    &acc);
	}
	/* Lookups are not exhaustive scans, and dead nodes were met. */
	ck_assert_uint_lt(acc.queries, 50 * 200);
	ck_assert_uint_ge(acc.hops, 2);
	if (dead_pct > 0)
		ck_assert_uint_gt(acc.failures, 0);
	else
		ck_assert_uint_eq(acc.failures, 0);
	if (getenv("CHECK_LOOKUP_VERBOSE") != NULL)
		fprintf(stderr, "dead %u%%: 50 lookups, %u queries, %u "
		    "failures, max hops %u\n", dead_pct, acc.queries,
		    acc.failures, acc.hops);
	net_free(net);
}

/*
 * Every answer names a closer node that was never seen: the lookup ends
 * after LOOKUP_QUERIES_PER_K * k + alpha queries, and lookup_stop ends
 * one at once.
 */
START_TEST(test_query_cap_and_stop)
{
	struct route_node seed, out, next;
	struct lookup_stats st;
	struct lookup *lk;
	struct id self;
	unsigned k = 2, alpha = 1, q = 0;
	uint32_t dist = 0x00ffffff;

	mk_self(&self);
	mk_node(&seed, dist);
	lk = lookup_new(&zero_target, &self, &seed, 1, alpha, k);
	ck_assert_ptr_nonnull(lk);
	while (lookup_next(lk, &out)) {
		q++;
		ck_assert_uint_le(q, LOOKUP_QUERIES_PER_K * k + alpha);
		mk_node(&next, --dist);
		lookup_reply(lk, &out.id, &next, 1);
	}
	ck_assert_uint_eq(q, LOOKUP_QUERIES_PER_K * k + alpha);
	ck_assert(lookup_done(lk));
	lookup_get_stats(lk, &st);
	ck_assert_uint_eq(st.capped, 1);
	lookup_free(lk);

	mk_node(&seed, 0x00ffffff);
	lk = lookup_new(&zero_target, &self, &seed, 1, alpha, k);
	ck_assert(lookup_next(lk, &out));
	ck_assert(!lookup_done(lk));
	lookup_stop(lk);
	ck_assert(lookup_done(lk));
	mk_node(&next, 5);
	lookup_reply(lk, &out.id, &next, 1);	/* a late answer */
	ck_assert(!lookup_next(lk, &out));
	ck_assert(lookup_done(lk));
	ck_assert_uint_eq(lookup_result(lk, &out, 1), 1);
	lookup_free(lk);
}
END_TEST

START_TEST(test_network_converges)
{
	run_network(0x0123456789abcdefull, 0);
}
END_TEST

START_TEST(test_network_with_failures)
{
	run_network(0xfedcba9876543210ull, 10);
}
END_TEST

/*
 * One host answering from 30 ports with IDs closer than every honest node
 * gets LOOKUP_IP_MAX places on the shortlist (so in the result), not all
 * k: public addresses always, loopback only with limit_local.
 */
START_TEST(test_ip_cap)
{
	struct lookup *lk;
	struct lookup_stats st;
	struct route_node seed, crowd[30], honest[20], out[20], q;
	struct id self;
	size_t i, n, from_crowd;
	int local;

	for (local = 0; local < 2; local++) {
		mk_self(&self);
		mk_node(&seed, 1000000);
		lk = lookup_new(&zero_target, &self, &seed, 1, 1, 20);
		lookup_limit_ip(lk, LOOKUP_IP_MAX, local == 0 ? 0 : 1);
		for (i = 0; i < 30; i++) {
			mk_node(&crowd[i], 10 + (uint32_t)i);
			/* 203.0.113.7 (public), or 127.9.9.9, many ports. */
			crowd[i].addr.u.sin.sin_addr.s_addr = htonl(local ?
			    0x7f090909u : 0xcb007107u);
			crowd[i].addr.u.sin.sin_port = htons(5000 + i);
		}
		for (i = 0; i < 20; i++)
			mk_node(&honest[i], 1000 + (uint32_t)i);
		ck_assert_int_eq(lookup_next(lk, &q), 1);
		ck_assert_uint_eq(lookup_reply(lk, &q.id, crowd, 30),
		    LOOKUP_IP_MAX);
		ck_assert_uint_eq(lookup_reply(lk, &q.id, honest, 20), 20);
		lookup_get_stats(lk, &st);
		ck_assert_uint_eq(st.ip_refused, 30 - LOOKUP_IP_MAX);
		while (lookup_next(lk, &q) == 1)
			lookup_reply(lk, &q.id, NULL, 0);
		ck_assert(lookup_done(lk));
		n = lookup_result(lk, out, 20);
		from_crowd = 0;
		for (i = 0; i < n; i++)
			from_crowd += addr_same_ip(&out[i].addr,
			    &crowd[0].addr);
		ck_assert_uint_eq(n, 20);
		ck_assert_uint_eq(from_crowd, LOOKUP_IP_MAX);
		lookup_free(lk);
	}
	/* Loopback without limit_local: exempt, the whole crowd gets in. */
	mk_node(&seed, 1000000);
	lk = lookup_new(&zero_target, &self, &seed, 1, 1, 20);
	lookup_limit_ip(lk, LOOKUP_IP_MAX, 0);
	ck_assert_int_eq(lookup_next(lk, &q), 1);
	ck_assert_uint_eq(lookup_reply(lk, &q.id, crowd, 30), 30);
	lookup_free(lk);
}
END_TEST

static Suite *
lookup_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("lookup");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_params);
	tcase_add_test(tc, test_seeds_filtered);
	tcase_add_test(tc, test_alpha_bound);
	tcase_add_test(tc, test_stalled);
	tcase_add_test(tc, test_settled_head);
	tcase_add_test(tc, test_again);
	tcase_add_test(tc, test_merge_own_ids);
	tcase_add_test(tc, test_termination);
	tcase_add_test(tc, test_bounded_shortlist);
	tcase_add_test(tc, test_query_cap_and_stop);
	tcase_add_test(tc, test_ip_cap);
	tcase_add_test(tc, test_network_converges);
	tcase_add_test(tc, test_network_with_failures);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(lookup_suite());
}

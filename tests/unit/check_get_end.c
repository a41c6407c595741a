/*
 * check_get_end — when a get's lookup ends (op_get.h, OP_GET_QUORUM), on
 * the simulator's network without latency, where every answer comes at
 * once and only a node that is down takes time (its first timeout,
 * RPC_RTO_MIN_MS here): the closest holders agreeing end the get before
 * a down node farther off times out; a node that missed its first
 * timeout does not hold the get back once the nodes around it answered
 * (a found value or not found); holders that disagree make it wait for
 * the k closest, and a value only the closest nodes hold is returned;
 * holders that agree are asked few (the last step stays narrow).  Small
 * values ride in the answers (serve_inline): a get needs no GET_VALUES,
 * and bytes that do not match their digest are dropped, the value then
 * fetched; an old node's answer of values without digests is taken whole.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "wire.h"
#include "rpc.h"
#include "simnet.h"
#include "check_util.h"
#include "check_engine.h"

#define E_NODES		40	/* node 0 gets */
#define E_LEN		32

struct eget {
	int		 calls;
	enum dht_err	 err;
	size_t		 n;
	uint32_t	 has;		/* bit v: value v came back */
	int64_t		 done_ms;
	struct simnet	*sn;
};

static void
e_value(uint8_t *buf, unsigned v)
{
	memset(buf, '.', E_LEN);
	(void)snprintf((char *)buf, E_LEN, "get-end value %u", v);
}

static void
eget_cb(void *arg, const struct op_get_result *r)
{
	struct eget *g = arg;
	uint8_t want[E_LEN];
	size_t i;
	unsigned v;

	g->calls++;
	g->err = r->err;
	g->n = r->values.n;
	g->done_ms = simnet_now(g->sn);
	for (i = 0; i < r->values.n; i++)
		for (v = 0; v < 32; v++) {
			e_value(want, v);
			if (r->values.v[i].len == E_LEN &&
			    memcmp(r->values.v[i].data, want, E_LEN) == 0)
				g->has |= 1u << v;
		}
}

/* E_NODES joined nodes; hold[] the ROUTE_K closest to key but node 0. */
static struct simnet *
e_net(uint64_t seed, const struct id *key, size_t *hold)
{
	struct simnet *sn = t_net(E_NODES, seed, NULL);

	t_join_all(sn);
	ck_assert_uint_eq(simnet_closest(sn, key, 0, hold, ROUTE_K), ROUTE_K);
	return sn;
}

/* Node i holds value v under key. */
static void
e_hold(struct simnet *sn, size_t i, const struct id *key, unsigned v)
{
	uint8_t buf[E_LEN];
	int64_t w = simnet_wall(sn);

	e_value(buf, v);
	ck_assert_int_eq(store_put(simnet_store(sn, i), key->b, buf, E_LEN,
	    w - 1000 + v, w + 600000, w, NULL), 1);
}

/*
 * A get at node 0, run to its end; the lookup queries it sent.  g->done_ms
 * is counted from the start.
 */
static uint64_t
e_get(struct simnet *sn, const struct id *key, struct eget *g)
{
	uint64_t q0 = t_stats(sn, 0).lookup_queries;
	int64_t t0 = simnet_now(sn);

	memset(g, 0, sizeof(*g));
	g->sn = sn;
	ck_assert_int_eq(simnet_get(sn, 0, key, 0, eget_cb, g), 0);
	t_run(sn, 10000);
	ck_assert_int_eq(g->calls, 1);
	g->done_ms -= t0;
	return t_stats(sn, 0).lookup_queries - q0;
}

/*
 * Every replica holds the same value: the get ends once the closest
 * OP_GET_QUORUM answered alike, before a down node among the k closest
 * times out; and, the quorum being in reach all along, the get asked
 * only the OP_GET_QUORUM closest (op_get_narrow): not alpha more while
 * they answered (5 queries before), nor the rest of the k closest at
 * once (about k before that).
 */
START_TEST(test_quorum_ends_early)
{
	size_t hold[ROUTE_K], i;
	struct simnet *sn;
	struct eget g;
	struct id key;
	uint64_t q;

	id_from_name(&key, "get-end-quorum", 14);
	sn = e_net(71, &key, hold);
	for (i = 0; i < ROUTE_K; i++)
		e_hold(sn, hold[i], &key, 1);
	simnet_set_down(sn, hold[8], 1);
	q = e_get(sn, &key, &g);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_uint_eq(g.has, 1u << 1);
	printf("quorum_ends_early: %llu queries, done in %lld ms (virtual)\n",
	    (unsigned long long)q, (long long)g.done_ms);
	ck_assert_int_lt(g.done_ms, RPC_RTO_MIN_MS);
	ck_assert_uint_le(q, OP_GET_QUORUM);
	simnet_free(sn);
}
END_TEST

/*
 * The second closest holder is down: its first try times out (100 ms)
 * and the next is asked; the get ends when the others agree, not after
 * the down node's full timeout (1 s more) and its second chance.
 */
START_TEST(test_stalled_does_not_block)
{
	size_t hold[ROUTE_K], i;
	struct simnet *sn;
	struct eget g;
	struct id key;

	id_from_name(&key, "get-end-stalled", 15);
	sn = e_net(72, &key, hold);
	for (i = 0; i < ROUTE_K; i++)
		e_hold(sn, hold[i], &key, 2);
	simnet_set_down(sn, hold[1], 1);
	(void)e_get(sn, &key, &g);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.has, 1u << 2);
	printf("stalled_does_not_block: get done in %lld ms (virtual)\n",
	    (long long)g.done_ms);
	ck_assert_int_lt(g.done_ms, 1000);
	simnet_free(sn);
}
END_TEST

/*
 * Not found: no quorum can form, the k closest must answer; each of the
 * two down among them costs its first timeout (the second is asked in
 * the last step, once the first stalled), not both tries and a second
 * chance (600 ms).
 */
START_TEST(test_not_found_settles)
{
	size_t hold[ROUTE_K];
	struct simnet *sn;
	struct eget g;
	struct id key;
	uint64_t q;

	id_from_name(&key, "get-end-none", 12);
	sn = e_net(73, &key, hold);
	simnet_set_down(sn, hold[0], 1);
	simnet_set_down(sn, hold[5], 1);
	q = e_get(sn, &key, &g);
	ck_assert_int_eq(g.err, DHT_ERR_NOT_FOUND);
	printf("not_found_settles: %llu queries, done in %lld ms "
	    "(virtual)\n", (unsigned long long)q, (long long)g.done_ms);
	ck_assert_uint_ge(q, ROUTE_K);
	ck_assert_int_lt(g.done_ms, 3 * RPC_RTO_MIN_MS);
	simnet_free(sn);
}
END_TEST

/*
 * The closest holders disagree (the second closest holds a value the
 * others lack): no quorum, the get waits for the k closest (a down one
 * among them until its first timeout), and both values come back.
 */
START_TEST(test_disagreement_goes_on)
{
	size_t hold[ROUTE_K], i;
	struct simnet *sn;
	struct eget g;
	struct id key;
	uint64_t q;

	id_from_name(&key, "get-end-differ", 14);
	sn = e_net(74, &key, hold);
	for (i = 0; i < ROUTE_K; i++)
		e_hold(sn, hold[i], &key, 3);
	e_hold(sn, hold[1], &key, 4);
	simnet_set_down(sn, hold[8], 1);
	q = e_get(sn, &key, &g);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.has, (1u << 3) | (1u << 4));
	printf("disagreement_goes_on: %llu queries, done in %lld ms "
	    "(virtual)\n", (unsigned long long)q, (long long)g.done_ms);
	ck_assert_uint_ge(q, ROUTE_K);
	ck_assert_int_ge(g.done_ms, RPC_RTO_MIN_MS);
	simnet_free(sn);
}
END_TEST

/* Answers to node 0, rewritten on the way (the filters below). */
struct forger {
	struct simnet	*sn;
	struct addr	 liar;		/* forge_filter: its answers only */
	int		 forged;
};

/* A forgery is marked by this many bytes of padding: the filters pass it. */
#define E_FORGED_PAD	7

/* 1 with d decoded into m: a Values answer to node 0, not a forgery. */
static int
forge_take(const struct simnet_dgram *d, struct wire_msg *m)
{
	const char *err;

	if (d->to_index != 0 ||
	    wire_peek_kind(d->buf, d->len, &err) != WIRE_KIND_WHOLE ||
	    wire_decode(d->buf, d->len, m, &err) != 0)
		return 0;
	if (m->type != WIRE_VALUES || m->padlen == E_FORGED_PAD) {
		wire_msg_free(m);
		return 0;
	}
	return 1;
}

/* Sends m, marked, to node 0 from d's source instead of d; frees m. */
static int
forge_send(struct forger *f, const struct simnet_dgram *d, struct wire_msg *m)
{
	uint8_t buf[WIRE_MAX_DATAGRAM];
	ssize_t len;

	m->padlen = E_FORGED_PAD;
	len = wire_encode(m, buf, sizeof(buf));
	wire_msg_free(m);
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(simnet_inject(f->sn, &d->from, 0, buf, (size_t)len),
	    0);
	f->forged++;
	return 1;
}

/*
 * Rewrites a Values answer from the liar to node 0: its first digest
 * keeps the honest one's first 8 bytes and length, the rest differs (a
 * value the liar made up).  The original is dropped, the forgery sent.
 */
static int
forge_filter(void *arg, const struct simnet_dgram *d)
{
	struct forger *f = arg;
	struct wire_digest dg[WIRE_MAX_DIGESTS_PER_MSG];
	struct wire_msg m;

	if (!addr_eq(&d->from, &f->liar) || !forge_take(d, &m))
		return 0;
	if (m.u.values.ndigests == 0) {
		wire_msg_free(&m);
		return 0;
	}
	memcpy(dg, m.u.values.digests, m.u.values.ndigests * sizeof(dg[0]));
	dg[0].hash[WIRE_HASH_LEN - 1] ^= 0x5a;
	m.u.values.digests = dg;
	return forge_send(f, d, &m);
}

/*
 * A liar among the closest lists a made-up digest that shares the honest
 * one's first bytes and length: it must not count as agreeing (the
 * fingerprint is keyed over whole hashes), so the get waits for the k
 * closest, and the honest value still comes back.
 */
START_TEST(test_forged_agreement)
{
	size_t hold[ROUTE_K], i;
	struct simnet *sn;
	struct forger f;
	struct eget g;
	struct id key;

	id_from_name(&key, "get-end-forged", 14);
	sn = e_net(77, &key, hold);
	for (i = 0; i < ROUTE_K; i++)
		e_hold(sn, hold[i], &key, 7);
	simnet_set_down(sn, hold[8], 1);
	memset(&f, 0, sizeof(f));
	f.sn = sn;
	f.liar = *simnet_addr(sn, hold[0]);
	simnet_set_filter(sn, forge_filter, &f);
	(void)e_get(sn, &key, &g);
	simnet_set_filter(sn, NULL, NULL);
	ck_assert_int_ge(f.forged, 1);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert(g.has & (1u << 7));
	printf("forged_agreement: %d answers forged, done in %lld ms "
	    "(virtual)\n", f.forged, (long long)g.done_ms);
	ck_assert_int_ge(g.done_ms, RPC_RTO_MIN_MS);
	simnet_free(sn);
}
END_TEST

/* Values sent in GET_VALUES answers, and riding in FIND_VALUE ones, by all. */
static void
e_served(struct simnet *sn, uint64_t *fetched, uint64_t *inlined)
{
	struct dht_stats st;
	size_t i;

	*fetched = *inlined = 0;
	for (i = 0; i < E_NODES; i++) {
		if (!simnet_alive(sn, i))
			continue;
		st = t_stats(sn, i);
		*fetched += st.values_fetched;
		*inlined += st.values_inlined;
	}
}

/*
 * The holders' answers carry the value's bytes: the get ends on the
 * quorum's answers alone, no GET_VALUES sent by anyone.
 */
START_TEST(test_inline_no_fetch)
{
	size_t hold[ROUTE_K], i;
	uint64_t fetched, inlined;
	struct simnet *sn;
	struct eget g;
	struct id key;

	id_from_name(&key, "get-end-inline", 14);
	sn = e_net(79, &key, hold);
	for (i = 0; i < ROUTE_K; i++)
		e_hold(sn, hold[i], &key, 2);
	(void)e_get(sn, &key, &g);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.has, 1u << 2);
	e_served(sn, &fetched, &inlined);
	ck_assert_uint_eq(fetched, 0);
	ck_assert_uint_ge(inlined, OP_GET_QUORUM);
	ck_assert_uint_eq(t_stats(sn, 0).get_fetch_bad, 0);
	simnet_free(sn);
}
END_TEST

/*
 * Every FIND_VALUE answer to node 0 that carries bytes has them changed
 * (same length, one byte flipped), its digests left alone.
 */

static int
inline_forge_filter(void *arg, const struct simnet_dgram *d)
{
	struct forger *f = arg;
	struct wire_value v[WIRE_MAX_VALUES_PER_MSG];
	uint8_t data[WIRE_MAX_VALUES_PER_MSG][E_LEN];
	struct wire_msg m;
	size_t i;

	if (!forge_take(d, &m))
		return 0;
	if (m.u.values.ndigests == 0 || m.u.values.nvalues == 0) {
		wire_msg_free(&m);
		return 0;
	}
	for (i = 0; i < m.u.values.nvalues; i++) {
		v[i] = m.u.values.values[i];
		ck_assert_uint_eq(v[i].len, E_LEN);
		memcpy(data[i], v[i].data, E_LEN);
		data[i][0] ^= 0x20;
		v[i].data = data[i];
	}
	m.u.values.values = v;
	return forge_send(f, d, &m);
}

/*
 * Every answer's bytes are forged: none comes back, each is counted, and
 * the value is fetched (GET_VALUES answers are left alone) and returned.
 */
START_TEST(test_inline_forged_bytes)
{
	size_t hold[ROUTE_K], i;
	uint64_t fetched, inlined;
	struct simnet *sn;
	struct forger f;
	struct eget g;
	struct id key;

	id_from_name(&key, "get-end-inline-forged", 21);
	sn = e_net(81, &key, hold);
	for (i = 0; i < ROUTE_K; i++)
		e_hold(sn, hold[i], &key, 6);
	memset(&f, 0, sizeof(f));
	f.sn = sn;
	simnet_set_filter(sn, inline_forge_filter, &f);
	(void)e_get(sn, &key, &g);
	simnet_set_filter(sn, NULL, NULL);
	ck_assert_int_ge(f.forged, OP_GET_QUORUM);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_uint_eq(g.has, 1u << 6);
	ck_assert_uint_eq(t_stats(sn, 0).get_fetch_bad, (uint64_t)f.forged);
	e_served(sn, &fetched, &inlined);
	ck_assert_uint_eq(fetched, 1);
	simnet_free(sn);
}
END_TEST

/*
 * Every FIND_VALUE answer to node 0 that carries bytes loses its digests,
 * as a node of the version before digest-first answered (values only).
 */
static int
old_node_filter(void *arg, const struct simnet_dgram *d)
{
	struct wire_msg m;

	if (!forge_take(d, &m))
		return 0;
	if (m.u.values.nvalues == 0) {
		wire_msg_free(&m);
		return 0;
	}
	m.u.values.ndigests = 0;
	m.u.values.total = 0;
	m.u.values.next_offset = 0;
	return forge_send(arg, d, &m);
}

/* Answers of values without digests (an old node's) are taken whole. */
START_TEST(test_old_node_values)
{
	size_t hold[ROUTE_K], i;
	struct simnet *sn;
	struct forger f;
	struct eget g;
	struct id key;

	id_from_name(&key, "get-end-old-node", 16);
	sn = e_net(83, &key, hold);
	for (i = 0; i < ROUTE_K; i++)
		e_hold(sn, hold[i], &key, 9);
	memset(&f, 0, sizeof(f));
	f.sn = sn;
	simnet_set_filter(sn, old_node_filter, &f);
	(void)e_get(sn, &key, &g);
	simnet_set_filter(sn, NULL, NULL);
	ck_assert_int_ge(f.forged, 1);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_uint_eq(g.has, 1u << 9);
	ck_assert_uint_eq(t_stats(sn, 0).get_fetch_bad, 0);
	simnet_free(sn);
}
END_TEST

/*
 * Values only the closest nodes hold (the rest answer empty, as nodes
 * that joined since the put would): three of them make a quorum, two do
 * not and the get waits for the k closest; either way the values come
 * back.
 */
START_TEST(test_closest_only)
{
	size_t hold[ROUTE_K];
	struct simnet *sn;
	struct eget g;
	struct id key;
	uint64_t q;

	id_from_name(&key, "get-end-three", 13);
	sn = e_net(75, &key, hold);
	e_hold(sn, hold[0], &key, 5);
	e_hold(sn, hold[1], &key, 5);
	e_hold(sn, hold[2], &key, 5);
	simnet_set_down(sn, hold[8], 1);
	(void)e_get(sn, &key, &g);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.has, 1u << 5);
	ck_assert_int_lt(g.done_ms, RPC_RTO_MIN_MS);
	simnet_free(sn);

	id_from_name(&key, "get-end-two", 11);
	sn = e_net(76, &key, hold);
	e_hold(sn, hold[0], &key, 6);
	e_hold(sn, hold[1], &key, 6);
	simnet_set_down(sn, hold[8], 1);
	q = e_get(sn, &key, &g);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.has, 1u << 6);
	ck_assert_uint_ge(q, ROUTE_K);
	ck_assert_int_ge(g.done_ms, RPC_RTO_MIN_MS);
	simnet_free(sn);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("get_end");
	TCase *tc = tcase_create("get_end");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_quorum_ends_early);
	tcase_add_test(tc, test_stalled_does_not_block);
	tcase_add_test(tc, test_not_found_settles);
	tcase_add_test(tc, test_disagreement_goes_on);
	tcase_add_test(tc, test_closest_only);
	tcase_add_test(tc, test_forged_agreement);
	tcase_add_test(tc, test_inline_no_fetch);
	tcase_add_test(tc, test_inline_forged_bytes);
	tcase_add_test(tc, test_old_node_values);
	suite_add_tcase(s, tc);
	return check_run(s);
}

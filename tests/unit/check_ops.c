/*
 * check_ops — the operations through dht.h, on the simulator's network
 * (tests/sim/simnet.h, no latency, a manual clock): ping and its timeout,
 * answers matched to the exact address asked, put and get across nodes,
 * a late StoreAck counted, a network of one, invalid puts, paging, 2 x 32
 * KiB values, the clamp of far expiries, cut answers asked again with a
 * token, fast not-found, fragment loss repaired by NACKs, the OP_MAX_USER
 * quota, and completions that never run inside a start call.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "simnet.h"
#include "token.h"
#include "wire.h"
#include "check_util.h"
#include "check_engine.h"

/* ---- ping -------------------------------------------------------------- */

START_TEST(test_ping)
{
	struct simnet *sn = t_net(2, 1, NULL);
	struct route_node rn;
	struct res r;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(dht_ping(simnet_dht(sn, 0), simnet_addr(sn, 1),
	    simnet_now(sn), ping_cb, &r), 0);
	ck_assert_int_eq(r.calls, 0);		/* never inside dht_ping */
	simnet_touch(sn, 0);
	t_flush(sn);				/* the PONG's dht_input */
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, DHT_OK);
	ck_assert(id_eq(&r.id, simnet_id(sn, 1)));
	/*
	 * Node 0 knows node 1 now.  Node 1 does not know node 0 yet: the
	 * first ping, without a cookie, proved no address and left no room
	 * for an admission ping; the second echoes the cookie node 1 gave.
	 */
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 0)), 1);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 1)), 0);
	ck_assert_uint_eq(t_stats(sn, 1).admit_unproven, 1);
	ck_assert_int_eq(dht_ping(simnet_dht(sn, 0), simnet_addr(sn, 1),
	    simnet_now(sn), ping_cb, &r), 0);
	simnet_touch(sn, 0);
	t_flush(sn);
	ck_assert_int_eq(r.calls, 2);
	ck_assert_uint_eq(t_stats(sn, 1).answers_retry, 0);
	/* Both tables learned the other, each under its own ID. */
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 0)), 1);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 1)), 1);
	ck_assert_uint_eq(dht_peers(simnet_dht(sn, 0), &rn, 1), 1);
	ck_assert(id_eq(&rn.id, simnet_id(sn, 1)));
	ck_assert(addr_eq(&rn.addr, simnet_addr(sn, 1)));
	ck_assert_uint_eq(t_stats(sn, 0).tx_msgs[WIRE_PING], 2);
	ck_assert_uint_eq(t_stats(sn, 1).rx_msgs[WIRE_PING], 2);
	ck_assert_str_eq(dht_msg_name(WIRE_PING), "ping");
	ck_assert_str_eq(dht_msg_name(WIRE_RETRY), "retry");
	ck_assert_ptr_null(dht_msg_name(0));
	t_run(sn, 5000);
	ck_assert_int_eq(r.calls, 2);		/* exactly once each */
	simnet_free(sn);
}
END_TEST

START_TEST(test_ping_timeout)
{
	struct simnet *sn = t_net(1, 2, NULL);
	struct addr nobody;
	struct res r;

	memset(&r, 0, sizeof(r));
	simnet_outside_addr(&nobody, 200);
	dht_ping(simnet_dht(sn, 0), &nobody, simnet_now(sn), ping_cb, &r);
	simnet_touch(sn, 0);
	t_run(sn, 1500);
	ck_assert_int_eq(r.calls, 0);		/* one resend pending */
	t_run(sn, 1000);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, DHT_ERR_TIMEOUT);
	ck_assert_uint_eq(simnet_ncaptured(sn), 2);	/* a try, one retry */
	ck_assert_uint_eq(t_stats(sn, 0).rpc_timeouts, 1);
	ck_assert_uint_eq(t_stats(sn, 0).rpc_retries, 1);
	simnet_free(sn);
}
END_TEST

/* Node 1's first PONG to node 0 arrives as if from node 2's address. */
struct redirect {
	struct simnet	*sn;
	int		 done;
};

static int
filter_redirect(void *arg, const struct simnet_dgram *d)
{
	struct redirect *rd = arg;

	if (rd->done || !addr_eq(&d->from, simnet_addr(rd->sn, 1)) ||
	    d->to_index != 0)
		return 0;
	rd->done = 1;
	ck_assert_int_eq(simnet_inject(rd->sn, simnet_addr(rd->sn, 2), 0,
	    d->buf, d->len), 0);
	return 1;
}

START_TEST(test_response_source)
{
	struct simnet *sn = t_net(3, 8, NULL);
	struct redirect rd = { sn, 0 };
	struct res r;

	memset(&r, 0, sizeof(r));
	simnet_set_filter(sn, filter_redirect, &rd);
	dht_ping(simnet_dht(sn, 0), simnet_addr(sn, 1), simnet_now(sn),
	    ping_cb, &r);
	simnet_touch(sn, 0);
	t_flush(sn);
	ck_assert_int_eq(rd.done, 1);
	ck_assert_int_eq(r.calls, 0);
	ck_assert_uint_eq(t_stats(sn, 0).rx_dropped_unmatched, 1);
	/*
	 * Node 1's answer from node 2's address made no entry.  (Node 1
	 * may be in the table at its own address: it pinged node 0 to
	 * admit it, and answered node 0's admission ping.)
	 */
	ck_assert(!t_peer_at(sn, 0, simnet_addr(sn, 2)));
	/* The resend (same txid) is answered from the right address. */
	simnet_set_filter(sn, NULL, NULL);
	t_run(sn, 1000);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, DHT_OK);
	ck_assert(id_eq(&r.id, simnet_id(sn, 1)));
	simnet_free(sn);
}
END_TEST

/* ---- put and get ------------------------------------------------------- */

START_TEST(test_put_get)
{
	struct simnet *sn = t_net(4, 3, NULL);
	const char *val = "hello, network";
	struct res p, g;
	struct id key;
	int64_t exp;

	memset(&p, 0, sizeof(p));
	memset(&g, 0, sizeof(g));
	t_join_all(sn);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 3)), 3);
	id_from_name(&key, "k1", 2);
	exp = simnet_wall(sn) + 60000;
	ck_assert_int_eq(dht_put(simnet_dht(sn, 1), &key, val, strlen(val),
	    simnet_wall(sn), exp, simnet_now(sn), simnet_wall(sn), put_cb,
	    &p), 0);
	ck_assert_int_eq(p.calls, 0);		/* never inside dht_put */
	simnet_touch(sn, 1);
	t_flush(sn);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_uint_eq(p.remote_acks, 3);
	ck_assert_uint_eq(p.acks, 4);
	ck_assert_uint_eq(t_stats(sn, 2).values_stored, 1);

	ck_assert_int_eq(dht_get(simnet_dht(sn, 3), &key, 0, simnet_now(sn),
	    simnet_wall(sn), get_cb, &g), 0);
	ck_assert_int_eq(g.calls, 0);		/* never inside dht_get */
	simnet_touch(sn, 3);
	t_flush(sn);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.nvals, 1);
	ck_assert_uint_eq(g.v[0].len, strlen(val));
	ck_assert_mem_eq(g.v[0].data, val, strlen(val));
	ck_assert_int_eq(g.v[0].expires_ms, exp);
	ck_assert_uint_eq(g.responders, 3);
	res_free(&g);
	/* The histograms (/metrics) counted one put and one get. */
	ck_assert_uint_eq(t_stats(sn, 1).hist[OP_HIST_PUT_MS].count, 1);
	ck_assert_uint_eq(t_stats(sn, 1).hist[OP_HIST_GET_MS].count, 0);
	ck_assert_uint_eq(t_stats(sn, 3).hist[OP_HIST_GET_MS].count, 1);
	ck_assert_uint_ge(t_stats(sn, 3).hist[OP_HIST_LOOKUP_MS].count, 1);
	ck_assert_uint_ge(t_stats(sn, 3).hist[OP_HIST_LOOKUP_QUERIES].sum, 1);
	simnet_free(sn);
}
END_TEST

static void
find_cb(void *arg, enum dht_err err, const struct route_node *nodes,
    size_t n, int64_t now_ms)
{
	*(size_t *)arg = err == DHT_OK ? n : 0;
}

/*
 * Lookups of IDs (the join's, the buckets' refreshes, a user's find)
 * keep none of the write tokens their answers carry: no STORE will use
 * them.  A get's answers' tokens are kept (its fetches and hand-overs use
 * them).
 */
START_TEST(test_find_keeps_no_tokens)
{
	struct simnet *sn = t_net(30, 11, NULL);
	const char *val = "tokens";
	struct res p, g;
	struct id key, target;
	size_t i, found = 0;

	memset(&p, 0, sizeof(p));
	memset(&g, 0, sizeof(g));
	t_join_all(sn);
	for (i = 0; i < simnet_count(sn); i++) {
		/* Node 0, the bootstrap, looks nothing up to join. */
		ck_assert_uint_ge(t_stats(sn, i).lookups, i > 0);
		ck_assert_uint_eq(t_stats(sn, i).peer_tokens, 0);
	}
	id_from_name(&target, "somewhere", 9);
	ck_assert_int_eq(dht_find_node(simnet_dht(sn, 7), &target,
	    simnet_now(sn), find_cb, &found), 0);
	simnet_touch(sn, 7);
	t_flush(sn);
	ck_assert_uint_eq(found, ROUTE_K);
	ck_assert_uint_eq(t_stats(sn, 7).peer_tokens, 0);

	id_from_name(&key, "k-tokens", 8);
	ck_assert_int_eq(dht_put(simnet_dht(sn, 1), &key, val, strlen(val),
	    simnet_wall(sn), simnet_wall(sn) + 60000, simnet_now(sn),
	    simnet_wall(sn), put_cb, &p), 0);
	simnet_touch(sn, 1);
	t_flush(sn);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_int_eq(simnet_get(sn, 7, &key, 0, get_cb, &g), 0);
	t_flush(sn);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.nvals, 1);
	ck_assert_uint_ge(t_stats(sn, 7).peer_tokens, 1);
	res_free(&g);
	simnet_free(sn);
}
END_TEST

/* Requests node 0 sends, by type (the put's last step: test_put_stores). */
struct sent_count {
	const struct addr *self;
	unsigned	 find_node, store, store_find;
	unsigned	 acks, ack_nodes;	/* StoreAcks to it, their nodes */
};

static int
sent_filter(void *arg, const struct simnet_dgram *d)
{
	struct sent_count *c = arg;
	struct wire_msg m;
	const char *errstr;

	if (t_dgram_type(d) == WIRE_STORE_ACK && addr_eq(&d->to, c->self) &&
	    wire_decode(d->buf, d->len, &m, &errstr) == 0) {
		c->acks++;
		c->ack_nodes += (unsigned)m.u.store_ack.nnodes;
		wire_msg_free(&m);
		return 0;
	}
	if (!addr_eq(&d->from, c->self) || t_dgram_type(d) == -1 ||
	    wire_decode(d->buf, d->len, &m, &errstr) == -1)
		return 0;
	if (m.type == WIRE_FIND_NODE)
		c->find_node++;
	else if (m.type == WIRE_STORE) {
		c->store++;
		c->store_find += m.u.store.find_nodes != 0;
	}
	wire_msg_free(&m);
	return 0;
}

/* A put of "v" under key at node 0, run to its end, its requests counted. */
static void
t_put_counted(struct simnet *sn, const struct id *key, struct sent_count *c,
    struct res *p)
{
	memset(c, 0, sizeof(*c));
	c->self = simnet_addr(sn, 0);
	simnet_set_filter(sn, sent_filter, c);
	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(dht_put(simnet_dht(sn, 0), key, "v", 1,
	    simnet_wall(sn), simnet_wall(sn) + 60000, simnet_now(sn),
	    simnet_wall(sn), put_cb, p), 0);
	simnet_touch(sn, 0);
	t_run(sn, 5000);
	simnet_set_filter(sn, NULL, NULL);
	ck_assert_int_eq(p->calls, 1);
	ck_assert_int_eq(p->err, DHT_OK);
}

/*
 * A put in a 50-node network: its lookup's last step sends the STORE
 * itself (no token: the cookie from the join proves us) and takes the
 * StoreAck's nodes as a FindNode's, so the k closest get the value with
 * about alpha FindNodes and k STOREs, not k of each.  A StoreAck lists
 * only nodes closer than the putter's k-th (closer_than) and a couple
 * beyond: not the k closest its sender knows (about 19 each before).
 * Narrow buckets: bucket 0 overflows, so the put runs its lookup (with
 * wide ones 50 nodes fit whole in a table: test_put_first_step).
 */
START_TEST(test_put_stores)
{
	struct dht_config cfg = t_cfg;
	struct simnet *sn;
	size_t hold[ROUTE_K], i;
	struct sent_count c;
	struct res p;
	struct id key;

	cfg.narrow_buckets = 1;
	sn = t_net(50, 17, &cfg);
	t_join_all(sn);
	id_from_name(&key, "last-step", 9);
	ck_assert_uint_eq(simnet_closest(sn, &key, 0, hold, ROUTE_K), ROUTE_K);
	t_put_counted(sn, &key, &c, &p);
	for (i = 0; i < ROUTE_K; i++)
		ck_assert_msg(t_held(sn, hold[i], &key, NULL) == 1,
		    "closest node %zu lacks the value", i);
	printf("put_stores: %u FindNode, %u Store (%u of them in the "
	    "last step), %u acks listing %u nodes\n", c.find_node, c.store,
	    c.store_find, p.remote_acks, c.ack_nodes);
	ck_assert_uint_ge(c.store_find, ROUTE_K / 2);
	ck_assert_uint_le(c.find_node, ROUTE_K / 2);
	ck_assert_uint_ge(p.remote_acks, ROUTE_K);
	ck_assert_uint_ge(c.acks, ROUTE_K);
	ck_assert_uint_le(c.ack_nodes, 3 * c.acks);
	simnet_free(sn);
}
END_TEST

/*
 * A 12-node network, every table holding every node (no bucket full): a
 * put starts at its last step (op_put_begin: route_complete_near), the
 * STOREs go to all 11 others at once, and no FindNode goes at all.
 */
START_TEST(test_put_first_step)
{
	struct simnet *sn = t_net(12, 19, NULL);
	struct sent_count c;
	struct res p;
	struct id key;
	size_t i;

	t_join_all(sn);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 0)), 11);
	id_from_name(&key, "first-step", 10);
	t_put_counted(sn, &key, &c, &p);
	printf("put_first_step: %u FindNode, %u Store (%u asking for "
	    "nodes), %u acks\n", c.find_node, c.store, c.store_find,
	    p.remote_acks);
	ck_assert_uint_eq(c.find_node, 0);
	ck_assert_uint_eq(c.store, 11);
	ck_assert_uint_eq(c.store_find, 11);
	ck_assert_uint_eq(p.remote_acks, 11);
	for (i = 1; i < 12; i++)
		ck_assert_int_eq(t_held(sn, i, &key, NULL), 1);
	simnet_free(sn);
}
END_TEST

/* Drops whatever travels between nodes a and b. */
struct drop_pair {
	const struct addr *a, *b;
	unsigned	 dropped;
};

static int
filter_pair(void *arg, const struct simnet_dgram *d)
{
	struct drop_pair *f = arg;

	if ((addr_eq(&d->from, f->a) && addr_eq(&d->to, f->b)) ||
	    (addr_eq(&d->from, f->b) && addr_eq(&d->to, f->a))) {
		f->dropped++;
		return 1;
	}
	return 0;
}

/*
 * The same put when a 13th node joined without node 0 hearing of it:
 * node 0's table still vouches for the closest it knows, and the
 * newcomer is among the k closest.  The StoreAcks name it (its join met
 * their senders), so the put asks it in turn and it holds the value too;
 * with no StoreAck asking for nodes, it would not (op_put_query).
 */
START_TEST(test_put_first_step_newcomer)
{
	struct simnet *sn = t_net(12, 19, NULL);
	struct drop_pair f;
	struct sent_count c;
	struct res p;
	struct id key;
	size_t via = 1, i;

	t_join_all(sn);
	ck_assert_int_eq(simnet_add(sn), 12);
	memset(&f, 0, sizeof(f));
	f.a = simnet_addr(sn, 0);
	f.b = simnet_addr(sn, 12);
	simnet_set_filter(sn, filter_pair, &f);
	simnet_bootstrap(sn, 12, &via, 1);
	t_run(sn, 200);
	simnet_set_filter(sn, NULL, NULL);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 0)), 11);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 1)), 12);
	id_from_name(&key, "newcomer", 8);
	t_put_counted(sn, &key, &c, &p);
	printf("put_first_step_newcomer: %u FindNode, %u Store (%u asking "
	    "for nodes), %u acks, %u datagrams dropped at the join\n",
	    c.find_node, c.store, c.store_find, p.remote_acks, f.dropped);
	ck_assert_uint_gt(f.dropped, 0);
	for (i = 1; i < 13; i++)
		ck_assert_msg(t_held(sn, i, &key, NULL) == 1,
		    "node %zu lacks the value", i);
	ck_assert_uint_eq(p.remote_acks, 12);
	ck_assert_uint_ge(c.store_find, 11);
	simnet_free(sn);
}
END_TEST

/* Drops the first StoreAck node `from` sends. */
struct drop_ack {
	const struct addr *from;
	unsigned	 dropped;
};

static int
filter_first_ack(void *arg, const struct simnet_dgram *d)
{
	struct drop_ack *f = arg;

	if (f->dropped > 0 || !addr_eq(&d->from, f->from) ||
	    t_dgram_type(d) != WIRE_STORE_ACK)
		return 0;
	f->dropped++;
	return 1;
}

/*
 * The first step's STOREs are the lookup's queries.  One StoreAck is
 * lost: its STORE stalls, the lookup ends on the other ten answers, and
 * the resent STORE's ack comes after.  The put waits for it and counts
 * it (op_adopt_queries): it reported 10 acks for 11 nodes holding the
 * value before.
 */
START_TEST(test_put_late_ack)
{
	struct simnet *sn = t_net(12, 19, NULL);
	struct drop_ack f;
	struct res p;
	struct id key;
	size_t i;

	t_join_all(sn);
	id_from_name(&key, "late-ack", 8);
	memset(&f, 0, sizeof(f));
	f.from = simnet_addr(sn, 5);
	simnet_set_filter(sn, filter_first_ack, &f);
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(dht_put(simnet_dht(sn, 0), &key, "v", 1,
	    simnet_wall(sn), simnet_wall(sn) + 60000, simnet_now(sn),
	    simnet_wall(sn), put_cb, &p), 0);
	simnet_touch(sn, 0);
	t_run(sn, 5000);
	simnet_set_filter(sn, NULL, NULL);
	ck_assert_uint_eq(f.dropped, 1);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.err, DHT_OK);
	for (i = 1; i < 12; i++)
		ck_assert_int_eq(t_held(sn, i, &key, NULL), 1);
	ck_assert_uint_eq(p.remote_acks, 11);
	simnet_free(sn);
}
END_TEST

/* Fixed buckets: a value goes to the first bound at or above it. */
START_TEST(test_hist)
{
	struct op_hist h;
	const uint64_t *b;
	size_t nb, i;

	memset(&h, 0, sizeof(h));
	ck_assert_str_eq(op_hist_info(OP_HIST_PUT_MS, &b, &nb), "put_ms");
	ck_assert_uint_lt(nb, OP_HIST_MAX_BUCKETS);
	for (i = 1; i < nb; i++)
		ck_assert_uint_gt(b[i], b[i - 1]);
	op_hist_add(&h, OP_HIST_PUT_MS, 0);
	op_hist_add(&h, OP_HIST_PUT_MS, b[0]);
	op_hist_add(&h, OP_HIST_PUT_MS, b[0] + 1);
	op_hist_add(&h, OP_HIST_PUT_MS, b[nb - 1] + 1);
	ck_assert_uint_eq(h.n[0], 2);
	ck_assert_uint_eq(h.n[1], 1);
	ck_assert_uint_eq(h.n[nb], 1);		/* +Inf */
	ck_assert_uint_eq(h.count, 4);
	ck_assert_uint_eq(h.sum, 2 * b[0] + 1 + b[nb - 1] + 1);
	ck_assert_ptr_null(op_hist_info(OP_NHIST, &b, &nb));
}
END_TEST

START_TEST(test_single_node)
{
	struct simnet *sn = t_net(1, 4, NULL);
	struct dht *d = simnet_dht(sn, 0);
	struct simnet_stats ns;
	struct res p, g, n;
	struct id key, other;
	int64_t now = simnet_now(sn), w = simnet_wall(sn);

	memset(&p, 0, sizeof(p));
	memset(&g, 0, sizeof(g));
	memset(&n, 0, sizeof(n));
	id_from_name(&key, "solo", 4);
	id_from_name(&other, "none", 4);
	dht_put(d, &key, "x", 1, w, w + 1000, now, w, put_cb, &p);
	dht_get(d, &key, 0, now, w, get_cb, &g);
	dht_get(d, &other, 0, now, w, get_cb, &n);
	ck_assert_int_eq(p.calls + g.calls + n.calls, 0);
	/* A network of one completes on the next dht_periodic. */
	ck_assert_int_gt(dht_periodic(d, now, w), now);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_uint_eq(p.acks, 1);
	ck_assert_uint_eq(p.remote_acks, 0);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.nvals, 1);
	ck_assert_int_eq(n.calls, 1);
	ck_assert_int_eq(n.err, DHT_ERR_NOT_FOUND);
	simnet_get_stats(sn, &ns);
	ck_assert_uint_eq(ns.sent, 0);
	res_free(&g);
	simnet_free(sn);
}
END_TEST

START_TEST(test_put_invalid)
{
	struct simnet *sn = t_net(1, 5, NULL);
	struct dht *d = simnet_dht(sn, 0);
	static uint8_t big[EMO_MAX_VALUE + 1];
	struct res p;
	struct id key;
	int64_t now = simnet_now(sn), w = simnet_wall(sn);

	memset(&p, 0, sizeof(p));
	id_from_name(&key, "bad", 3);
	dht_put(d, &key, big, sizeof(big), w, w + 1000, now, w, put_cb, &p);
	dht_put(d, &key, "x", 0, w, w + 1000, now, w, put_cb, &p);
	dht_put(d, &key, "x", 1, w, w - 1, now, w, put_cb, &p);
	dht_put(d, &key, "x", 1, 0, w + 1, now, w, put_cb, &p);
	ck_assert_int_eq(p.calls, 0);
	simnet_touch(sn, 0);
	ck_assert_int_eq(p.calls, 4);
	ck_assert_int_eq(p.err, DHT_ERR_INVALID);
	ck_assert_uint_eq(p.acks, 0);
	simnet_free(sn);
}
END_TEST

/* The Go emo's 16-bit length bug: two 32 KiB values under one key. */
START_TEST(test_two_big_values)
{
	static uint8_t a[EMO_MAX_VALUE], b[EMO_MAX_VALUE];
	struct simnet *sn = t_net(3, 10, NULL);
	struct res p, g;
	struct id key;
	int64_t w;
	size_t i;

	memset(&p, 0, sizeof(p));
	memset(&g, 0, sizeof(g));
	for (i = 0; i < sizeof(a); i++) {
		a[i] = (uint8_t)(i * 7);
		b[i] = (uint8_t)(i * 13 + 1);
	}
	t_join_all(sn);
	id_from_name(&key, "big", 3);
	/* Node 2 is away while the values are stored, so holds none. */
	simnet_set_down(sn, 2, 1);
	w = simnet_wall(sn);
	ck_assert_int_eq(simnet_put(sn, 0, &key, a, sizeof(a), w, w + 60000,
	    put_cb, &p), 0);
	ck_assert_int_eq(simnet_put(sn, 0, &key, b, sizeof(b), w + 1,
	    w + 60000, put_cb, &p), 0);
	t_run(sn, 3000);
	ck_assert_int_eq(p.calls, 2);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_uint_eq(p.remote_acks, 1);
	simnet_set_down(sn, 2, 0);
	ck_assert_int_eq(t_held(sn, 2, &key, NULL), 0);
	ck_assert_int_eq(simnet_get(sn, 2, &key, 0, get_cb, &g), 0);
	t_run(sn, 1);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.responders, 2);
	ck_assert_uint_eq(g.nvals, 2);
	ck_assert_uint_eq(g.v[0].len, sizeof(a));
	ck_assert_uint_eq(g.v[1].len, sizeof(b));
	ck_assert_mem_eq(g.v[0].data, a, sizeof(a));
	ck_assert_mem_eq(g.v[1].data, b, sizeof(b));
	res_free(&g);
	simnet_free(sn);
}
END_TEST

/* Drops the first fragment of the first long message: a NACK repairs it. */
static int
filter_frag(void *arg, const struct simnet_dgram *d)
{
	int *dropped = arg;

	if (d->len > 20 && d->buf[3] == WIRE_KIND_FRAG && d->buf[12] == 0 &&
	    d->buf[13] == 0 && *dropped < 1) {
		(*dropped)++;
		return 1;
	}
	return 0;
}

START_TEST(test_fragment_loss)
{
	static uint8_t a[20000];
	struct simnet *sn = t_net(2, 13, NULL);
	struct res p;
	struct id key;
	int dropped = 0;

	memset(&p, 0, sizeof(p));
	memset(a, 0x42, sizeof(a));
	t_join_all(sn);
	simnet_set_filter(sn, filter_frag, &dropped);
	id_from_name(&key, "lossy", 5);
	simnet_put(sn, 0, &key, a, sizeof(a), simnet_wall(sn),
	    simnet_wall(sn) + 60000, put_cb, &p);
	t_run(sn, 600);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_int_eq(dropped, 1);
	ck_assert_uint_eq(t_stats(sn, 1).frag_nacks_sent, 1);
	ck_assert_uint_eq(t_stats(sn, 0).rpc_retries, 0);
	simnet_free(sn);
}
END_TEST

/* ---- get --------------------------------------------------------------- */

/* A far expiry in a remote store comes back clamped to max_ttl. */
START_TEST(test_get_clamp)
{
	struct simnet *sn = t_net(2, 20, NULL);
	struct res g;
	struct id key;
	int64_t w;

	memset(&g, 0, sizeof(g));
	t_join_all(sn);
	id_from_name(&key, "far", 3);
	w = simnet_wall(sn);
	ck_assert_int_eq(store_put(simnet_store(sn, 1), key.b, "far", 3, w,
	    w + 1000LL * 86400 * 365, w, NULL), 1);
	simnet_get(sn, 0, &key, 0, get_cb, &g);
	t_run(sn, 1);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.nvals, 1);
	ck_assert_int_eq(g.v[0].expires_ms, w + (int64_t)t_cfg.max_ttl_s *
	    1000);
	res_free(&g);
	simnet_free(sn);
}
END_TEST

/*
 * The asker's side: node 0 has no token from node 1, and the cookie node
 * 1 gave it is two rotations old, so node 1 cuts its first page of 64
 * digests to the (padded) request's size; the get asks for the rest with
 * the token it got, then fetches every value once.
 */
START_TEST(test_get_cut_answer)
{
	static uint8_t v[400];
	struct simnet *sn = t_net(2, 19, NULL);
	struct res g, r;
	struct id key;
	int64_t w;
	int i;

	memset(&g, 0, sizeof(g));
	memset(&r, 0, sizeof(r));
	id_from_name(&key, "cut", 3);
	/* The second ping echoes node 1's cookie: node 1 admits node 0. */
	dht_ping(simnet_dht(sn, 0), simnet_addr(sn, 1), simnet_now(sn),
	    ping_cb, &r);
	simnet_touch(sn, 0);
	t_flush(sn);
	dht_ping(simnet_dht(sn, 0), simnet_addr(sn, 1), simnet_now(sn),
	    ping_cb, &r);
	simnet_touch(sn, 0);
	t_flush(sn);
	ck_assert_int_eq(r.err, DHT_OK);
	/* Node 1's cookie for node 0: let it go stale. */
	t_run(sn, 2 * TOKEN_ROTATE_MS);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 1)), 1);
	w = simnet_wall(sn);
	for (i = 0; i < 64; i++) {
		memset(v, i, sizeof(v));
		ck_assert_int_eq(store_put(simnet_store(sn, 1), key.b, v,
		    sizeof(v), w + i, w + 60000, w, NULL), 1);
	}
	simnet_get(sn, 0, &key, 0, get_cb, &g);
	t_run(sn, 1);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.nvals, 64);
	for (i = 0; i < T_VALS; i++) {
		memset(v, i, sizeof(v));
		ck_assert_uint_eq(g.v[i].len, sizeof(v));
		ck_assert_mem_eq(g.v[i].data, v, sizeof(v));
	}
	ck_assert_uint_eq(t_stats(sn, 1).answers_cut, 1);
	ck_assert_uint_eq(t_stats(sn, 1).digests_served, 64);
	ck_assert_uint_eq(t_stats(sn, 1).values_fetched, 64);
	res_free(&g);
	simnet_free(sn);
}
END_TEST

/*
 * A get must page through a node's values and return the union: node 1
 * alone holds 6 values of 32 KiB (more than one 96 KiB message).
 */
START_TEST(test_paging)
{
	static uint8_t v[EMO_MAX_VALUE];
	struct simnet *sn = t_net(2, 11, NULL);
	struct res g;
	struct id key;
	int64_t w0;
	int i;

	memset(&g, 0, sizeof(g));
	t_join_all(sn);
	id_from_name(&key, "pages", 5);
	w0 = simnet_wall(sn);
	for (i = 0; i < 6; i++) {
		memset(v, 'a' + i, sizeof(v));
		ck_assert_int_eq(store_put(simnet_store(sn, 1), key.b, v,
		    sizeof(v), w0 + i, w0 + 60000, w0, NULL), 1);
	}
	simnet_get(sn, 0, &key, 0, get_cb, &g);
	t_run(sn, 1);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.nvals, 6);
	for (i = 0; i < 6; i++) {
		ck_assert_uint_eq(g.v[i].len, sizeof(v));
		ck_assert_int_eq(g.v[i].data[100], 'a' + i);
	}
	ck_assert_uint_ge(t_stats(sn, 1).tx_msgs[WIRE_VALUES], 3);
	res_free(&g);
	/* since_ms filters remotely too. */
	simnet_get(sn, 0, &key, w0 + 4, get_cb, &g);
	t_run(sn, 1);
	ck_assert_uint_eq(g.nvals, 2);
	ck_assert_int_eq(g.v[0].data[0], 'e');
	res_free(&g);
	simnet_free(sn);
}
END_TEST

START_TEST(test_not_found_fast)
{
	struct simnet *sn = t_net(5, 12, NULL);
	struct res g;
	struct id key;
	int64_t t0;

	memset(&g, 0, sizeof(g));
	t_join_all(sn);
	id_from_name(&key, "nowhere", 7);
	t0 = simnet_now(sn);
	simnet_get(sn, 4, &key, 0, get_cb, &g);
	t_flush(sn);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.err, DHT_ERR_NOT_FOUND);
	ck_assert_uint_eq(g.responders, 4);
	ck_assert_int_eq(simnet_now(sn), t0);	/* no timer was needed */
	simnet_free(sn);
}
END_TEST

/* ---- quota ------------------------------------------------------------- */

START_TEST(test_quota)
{
	struct simnet *sn = t_net(1, 14, NULL);
	struct dht *d = simnet_dht(sn, 0);
	struct addr nobody;
	struct res r, g;
	struct id key;
	int i;

	memset(&r, 0, sizeof(r));
	memset(&g, 0, sizeof(g));
	simnet_capture(sn, 0);
	simnet_outside_addr(&nobody, 200);
	id_from_name(&key, "q", 1);
	for (i = 0; i < OP_MAX_USER; i++)
		ck_assert_int_eq(dht_ping(d, &nobody, simnet_now(sn), ping_cb,
		    &r), 0);
	/* Every kind of user operation shares the quota. */
	ck_assert_int_eq(dht_ping(d, &nobody, simnet_now(sn), ping_cb, &r),
	    -1);
	ck_assert_int_eq(dht_get(d, &key, 0, simnet_now(sn), simnet_wall(sn),
	    get_cb, &g), -1);
	ck_assert_int_eq(dht_put(d, &key, "x", 1, simnet_wall(sn),
	    simnet_wall(sn) + 1000, simnet_now(sn), simnet_wall(sn), put_cb,
	    &g), -1);
	ck_assert_int_eq(r.calls, 0);
	simnet_touch(sn, 0);
	t_run(sn, 3000);
	ck_assert_int_eq(r.calls, OP_MAX_USER);
	ck_assert_int_eq(r.err, DHT_ERR_TIMEOUT);
	ck_assert_int_eq(g.calls, 0);		/* refused: never called */
	ck_assert_int_eq(dht_ping(d, &nobody, simnet_now(sn), ping_cb, &r),
	    0);
	simnet_touch(sn, 0);
	t_run(sn, 3000);
	ck_assert_int_eq(r.calls, OP_MAX_USER + 1);
	simnet_free(sn);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ops");
	TCase *tc;

	tc = tcase_create("ping");
	tcase_add_test(tc, test_ping);
	tcase_add_test(tc, test_ping_timeout);
	tcase_add_test(tc, test_response_source);
	suite_add_tcase(s, tc);

	tc = tcase_create("put");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_put_get);
	tcase_add_test(tc, test_find_keeps_no_tokens);
	tcase_add_test(tc, test_put_stores);
	tcase_add_test(tc, test_put_first_step);
	tcase_add_test(tc, test_put_first_step_newcomer);
	tcase_add_test(tc, test_put_late_ack);
	tcase_add_test(tc, test_hist);
	tcase_add_test(tc, test_single_node);
	tcase_add_test(tc, test_put_invalid);
	tcase_add_test(tc, test_two_big_values);
	tcase_add_test(tc, test_fragment_loss);
	suite_add_tcase(s, tc);

	tc = tcase_create("get");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_get_clamp);
	tcase_add_test(tc, test_get_cut_answer);
	tcase_add_test(tc, test_paging);
	tcase_add_test(tc, test_not_found_fast);
	suite_add_tcase(s, tc);

	tc = tcase_create("quota");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_quota);
	suite_add_tcase(s, tc);
	return check_run(s);
}

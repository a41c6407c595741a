/*
 * check_repub — keeping values where they belong, on tests/sim/simnet.h:
 * hand-over of keys to a node that joins late, and republish passes:
 * their timing (the first in [iv/2, 3iv/2), then about every interval),
 * original times kept, Kademlia's suppression of values received
 * recently, known holders skipped, and a pass over many keys that keeps
 * REPUB_JOBS keys and REPUB_WINDOW STOREs per key in flight at most.
 * Passes are timed through each node's republish_interval_ms (nodes that
 * must stay out of the way get one far beyond the test) and watched
 * through dht_get_stats.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "repub.h"
#include "simnet.h"
#include "wire.h"
#include "check_util.h"
#include "check_engine.h"

#define T_QUIET		2000000000u	/* an interval no test reaches */
#define T_TICK		10		/* ms between looks at the counters */

static struct dht_config
t_cfg_iv(uint32_t iv)
{
	struct dht_config c = t_cfg;

	c.republish_interval_ms = iv;
	return c;
}

/*
 * Runs until node i ends its next republish pass, within limit_ms;
 * returns the time it was seen to end (at most T_TICK late).
 */
static int64_t
t_pass(struct simnet *sn, size_t i, int64_t limit_ms)
{
	uint64_t passes = t_stats(sn, i).republish_passes;
	int64_t end = simnet_now(sn) + limit_ms;

	while (t_stats(sn, i).republish_passes == passes) {
		ck_assert_int_lt(simnet_now(sn), end);
		t_run(sn, T_TICK);
	}
	ck_assert_uint_eq(t_stats(sn, i).republish_passes, passes + 1);
	return simnet_now(sn);
}

/* ---- hand-over --------------------------------------------------------- */

#define T_PACED_KEYS	600

/*
 * Node 0 puts n keys "key0".. for 10 minutes; with pace, 250 ms of the
 * network pass after each 100, which keeps node 1 under its rate limit.
 */
static void
t_put_keys(struct simnet *sn, struct res *p, int n, int pace)
{
	struct id key;
	char name[16];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "key%d", i);
		id_from_name(&key, name, strlen(name));
		ck_assert_int_eq(simnet_put(sn, 0, &key, name, strlen(name),
		    simnet_wall(sn), simnet_wall(sn) + 600000, put_cb, p), 0);
		if (pace && i % 100 == 99)
			t_run(sn, 250);
	}
	t_run(sn, 1);
	ck_assert_int_eq(p->calls, n);
}

/* A node that joins late receives the keys it is now closest to. */
START_TEST(test_handover)
{
	struct simnet *sn = t_net(2, 16, NULL);
	struct store_stats ss;
	struct res p;

	memset(&p, 0, sizeof(p));
	t_join_all(sn);
	t_put_keys(sn, &p, 100, 0);
	ck_assert_int_eq(simnet_add_config(sn, &t_cfg), 2);
	store_stats(simnet_store(sn, 2), &ss);
	ck_assert_uint_eq(ss.keys, 0);
	t_join_from(sn, 2);
	/*
	 * Hand-over asks a token per key, all in the same virtual instant:
	 * what goes over the newcomer's rate burst waits for its resend.
	 */
	t_run(sn, 3000);
	store_stats(simnet_store(sn, 2), &ss);
	/* With k = 20 every node is among the k closest of every key. */
	ck_assert_uint_eq(ss.keys, 100);
	ck_assert_uint_ge(t_stats(sn, 0).values_handed_over, 100);
	simnet_free(sn);
}
END_TEST

/*
 * Hand-over keeps under the new node's rate limit: 600 keys are 1,200
 * requests (a token FIND_NODE and a STORE each) from each of two
 * holders, which the new node's default rate_limit (800 a second, a
 * burst of 200 from one source) would drop most of if they came as fast
 * as its answers.  Paced at HANDOVER_RATE a second, none is dropped,
 * none is sent again, and every key arrives, in about 1,200 / 400 s.
 */
START_TEST(test_handover_paced)
{
	struct simnet *sn = t_net(2, 18, NULL);
	struct store_stats ss;
	struct res p;

	memset(&p, 0, sizeof(p));
	t_join_all(sn);
	/* Puts too stay under node 1's rate limit. */
	t_put_keys(sn, &p, T_PACED_KEYS, 1);
	ck_assert_uint_eq(t_stats(sn, 1).rx_dropped_rate, 0);
	ck_assert_int_eq(simnet_add_config(sn, &t_cfg), 2);
	t_join_from(sn, 2);
	/* Half way: paced, not done. */
	t_run(sn, 1000);
	store_stats(simnet_store(sn, 2), &ss);
	ck_assert_uint_gt(ss.keys, 0);
	ck_assert_uint_lt(ss.keys, T_PACED_KEYS);
	t_run(sn, 5000);
	store_stats(simnet_store(sn, 2), &ss);
	ck_assert_uint_eq(ss.keys, T_PACED_KEYS);
	ck_assert_uint_eq(t_stats(sn, 2).rx_dropped_rate, 0);
	ck_assert_uint_eq(t_stats(sn, 0).rpc_retries, 0);
	ck_assert_uint_eq(t_stats(sn, 1).rpc_retries, 0);
	simnet_free(sn);
}
END_TEST

/*
 * A node restarted on its data comes back with a new token secret: the
 * token its neighbours cached from its last life is void.  Hand-over to
 * it must ask for a fresh one, not have every STORE refused (KNOWN-DEFECTS
 * 1: 9,000-10,000 refused STOREs in a restarted node's first minute) and
 * leave it without the keys put while it was away.
 */
START_TEST(test_handover_restart)
{
	struct simnet *sn = t_net(3, 17, NULL);
	struct route_node peers[4];
	struct store_stats before, after;
	struct res p;
	struct id key;
	char name[16];
	size_t i, n;

	memset(&p, 0, sizeof(p));
	t_join_all(sn);
	/* Node 0's lookup for it hears node 2's token of this life. */
	id_from_name(&key, "before", 6);
	ck_assert_int_eq(simnet_put(sn, 0, &key, "before", 6, simnet_wall(sn),
	    simnet_wall(sn) + 3600000, put_cb, &p), 0);
	t_run(sn, 100);
	ck_assert_int_eq(p.calls, 1);
	store_stats(simnet_store(sn, 2), &before);
	ck_assert_uint_eq(before.keys, 1);
	simnet_set_down(sn, 2, 1);
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "away%zu", i);
		id_from_name(&key, name, strlen(name));
		ck_assert_int_eq(simnet_put(sn, 0, &key, name, strlen(name),
		    simnet_wall(sn), simnet_wall(sn) + 3600000, put_cb, &p), 0);
		t_run(sn, 2000);
	}
	ck_assert_int_eq(p.calls, 41);
	/* Its neighbours dropped it after its missed replies. */
	n = dht_peers(simnet_dht(sn, 0), peers, 4);
	for (i = 0; i < n; i++)
		ck_assert(!id_eq(&peers[i].id, simnet_id(sn, 2)));
	ck_assert_int_eq(simnet_restart(sn, 2, NULL), 0);
	t_join_from(sn, 2);
	t_run(sn, 5000);
	store_stats(simnet_store(sn, 2), &after);
	ck_assert_uint_eq(after.keys, before.keys + 40);
	ck_assert_uint_eq(t_stats(sn, 2).rx_dropped_token, 0);
	ck_assert_uint_ge(t_stats(sn, 0).values_handed_over +
	    t_stats(sn, 1).values_handed_over, 40);
	res_free(&p);
	simnet_free(sn);
}
END_TEST

/* ---- republish --------------------------------------------------------- */

/*
 * A value travels with its own times: republished after half to one and
 * a half intervals, never before, with the original creation time and
 * expiry, which a second pass about an interval later does not extend;
 * an expired value stays put.
 */
START_TEST(test_republish_expiry)
{
	const uint32_t iv = 60000;
	struct dht_config quiet = t_cfg_iv(T_QUIET), c0 = t_cfg_iv(iv);
	struct simnet *sn = t_net0(21);
	struct store_value v;
	struct id a, b;
	int64_t t0, w, created, expires, end1, end2;

	t0 = simnet_now(sn);
	ck_assert_int_eq(simnet_add_config(sn, &c0), 0);
	ck_assert_int_eq(simnet_add_config(sn, &quiet), 1);
	ck_assert_int_eq(simnet_add_config(sn, &quiet), 2);
	t_join_all(sn);
	id_from_name(&a, "lives", 5);
	id_from_name(&b, "dies", 4);
	w = simnet_wall(sn);
	created = w - 1000;
	expires = w + (int64_t)iv * 4;
	ck_assert_int_eq(store_put(simnet_store(sn, 0), a.b, "lives", 5,
	    created, expires, w, NULL), 1);
	ck_assert_int_eq(store_put(simnet_store(sn, 0), b.b, "dies", 4,
	    created, w + iv / 3, w, NULL), 1);
	ck_assert_int_eq(simnet_run_until(sn, t0 + iv / 2 - 1), 0);
	ck_assert_int_eq(t_held(sn, 1, &a, NULL), 0);
	ck_assert_uint_eq(t_stats(sn, 0).republish_passes, 0);
	end1 = t_pass(sn, 0, iv + 1000);
	ck_assert_int_lt(end1, t0 + iv * 3 / 2 + T_TICK);
	ck_assert_uint_eq(t_stats(sn, 0).republish_keys, 1);
	ck_assert_uint_eq(t_stats(sn, 0).republish_values, 2);
	ck_assert_int_eq(t_held(sn, 1, &a, &v), 1);
	ck_assert_int_eq(v.created_ms, created);
	ck_assert_int_eq(v.expires_ms, expires);
	ck_assert_int_eq(t_held(sn, 2, &a, &v), 1);
	ck_assert_int_eq(v.expires_ms, expires);
	ck_assert_int_eq(t_held(sn, 1, &b, NULL), 0);
	ck_assert_int_eq(t_held(sn, 2, &b, NULL), 0);
	/* Node 0's next pass sends it again: same expiry everywhere. */
	end2 = t_pass(sn, 0, iv + 1000);
	ck_assert_int_gt(end2 - end1, iv * 7 / 8 - T_TICK);
	ck_assert_int_le(end2 - end1, iv + T_TICK);
	ck_assert_uint_eq(t_stats(sn, 0).republish_values, 4);
	ck_assert_int_eq(t_held(sn, 1, &a, &v), 1);
	ck_assert_int_eq(v.expires_ms, expires);
	ck_assert_int_eq(t_held(sn, 0, &a, &v), 1);
	ck_assert_int_eq(v.expires_ms, expires);
	simnet_free(sn);
}
END_TEST

/*
 * Kademlia's rule: a value received by STORE within the interval is not
 * republished (its sender stored it at all k closest); once the sender
 * is gone and an interval has passed, the receiver republishes it.
 *
 * Timing: after a pass that started at S, a node's next one starts in
 * (S + 7iv/8, S + iv].  So a put just after node 1's first pass ends is
 * less than an interval old at its second.  Node 0 is kept down from
 * the put until node 1's second pass is over, then brought up past its
 * own due time: it passes at once, and once only.
 */
START_TEST(test_republish_suppressed)
{
	const uint32_t iv = 20000;
	struct dht_config quiet = t_cfg_iv(T_QUIET), c = t_cfg_iv(iv);
	struct simnet *sn = t_net0(22);
	struct res p;
	struct id key;
	int64_t d1;
	int i;

	ck_assert_int_eq(simnet_add_config(sn, &c), 0);
	ck_assert_int_eq(simnet_add_config(sn, &c), 1);
	ck_assert_int_eq(simnet_add_config(sn, &quiet), 2);
	t_join_all(sn);
	d1 = t_pass(sn, 1, iv * 3 / 2);		/* an empty store */
	t_run(sn, 1);
	memset(&p, 0, sizeof(p));
	id_from_name(&key, "quiet", 5);
	simnet_put(sn, 0, &key, "quiet", 5, simnet_wall(sn),
	    simnet_wall(sn) + 86400000, put_cb, &p);
	t_flush(sn);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_uint_eq(p.remote_acks, 2);
	simnet_set_down(sn, 0, 1);
	t_pass(sn, 1, iv + 1000);
	ck_assert_uint_eq(t_stats(sn, 1).republish_keys, 0);
	ck_assert_uint_eq(t_stats(sn, 1).republish_suppressed, 1);
	/* The putter received nothing: it republishes to both. */
	if (simnet_now(sn) < d1 + iv)
		ck_assert_int_eq(simnet_run_until(sn, d1 + iv), 0);
	simnet_set_down(sn, 0, 0);
	t_pass(sn, 0, T_TICK);
	ck_assert_uint_eq(t_stats(sn, 0).republish_keys, 1);
	ck_assert_uint_eq(t_stats(sn, 0).republish_values, 2);
	ck_assert_uint_eq(t_stats(sn, 2).values_stored, 2);
	/* Node 0 dies; an interval later node 1 takes over. */
	simnet_kill(sn, 0);
	for (i = 0; i < 4 && t_stats(sn, 1).republish_keys == 0; i++)
		t_pass(sn, 1, iv + 5000);
	ck_assert_uint_eq(t_stats(sn, 1).republish_keys, 1);
	ck_assert_uint_eq(t_stats(sn, 1).republish_values, 1);
	ck_assert_uint_ge(t_stats(sn, 1).republish_suppressed, 1);
	ck_assert_uint_eq(t_stats(sn, 2).values_stored, 3);
	simnet_free(sn);
}
END_TEST

/* Drops STOREs to node `node` while on. */
struct drop_to {
	struct simnet	*sn;
	size_t		 node;
	int		 on;
};

static int
filter_store_to(void *arg, const struct simnet_dgram *d)
{
	struct drop_to *f = arg;

	return f->on && d->to_index == (long)f->node &&
	    t_dgram_type(d) == WIRE_STORE;
}

/*
 * With k = 2 the putter is outside its key's k closest: it remembers who
 * acknowledged.  All of them: its pass skips the key (no lookup, no
 * STORE).  Some: its pass stores only at the ones it has not seen take it.
 */
START_TEST(test_republish_known_holders)
{
	const uint32_t iv = 60000;
	struct dht_config quiet = t_cfg_iv(T_QUIET), cp = t_cfg_iv(iv);
	struct simnet *sn = t_net0(23);
	struct drop_to f = { sn, 0, 0 };
	size_t rank[5], P = 4, A, B, i;
	struct dht_stats st;
	struct id all, some;
	struct res p;
	uint64_t stored_a, lookups;

	quiet.k = cp.k = 2;
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(simnet_add_config(sn, &quiet), (long)i);
	ck_assert_int_eq(simnet_add_config(sn, &cp), (long)P);
	t_join_all(sn);
	/* Past each node's second lookup of its ID (join.h). */
	t_run(sn, JOIN_AGAIN_MS + 1000);
	/* A key for which the putter, node P, is the farthest of the five. */
	for (i = 0; i < 1000; i++) {
		simnet_key_id(&all, "all", i);
		ck_assert_uint_eq(simnet_closest(sn, &all, SIZE_MAX, rank, 5),
		    5);
		if (rank[4] == P)
			break;
	}
	ck_assert_uint_eq(rank[4], P);
	/* Both keys share the ranking: the second differs in its last bit. */
	some = all;
	some.b[ID_LEN - 1] ^= 1;
	A = rank[0];
	B = rank[1];
	memset(&p, 0, sizeof(p));
	simnet_put(sn, P, &all, "all", 3, simnet_wall(sn),
	    simnet_wall(sn) + 86400000, put_cb, &p);
	t_run(sn, 10);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_uint_eq(p.remote_acks, 2);
	/* B loses the STORE of the second key, every try. */
	f.node = B;
	f.on = 1;
	simnet_set_filter(sn, filter_store_to, &f);
	simnet_put(sn, P, &some, "some", 4, simnet_wall(sn),
	    simnet_wall(sn) + 86400000, put_cb, &p);
	t_run(sn, 5000);
	ck_assert_int_eq(p.calls, 2);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_uint_eq(p.remote_acks, 1);
	f.on = 0;
	ck_assert_int_eq(t_held(sn, B, &some, NULL), 0);
	stored_a = t_stats(sn, A).values_stored;
	lookups = t_stats(sn, P).lookups;
	ck_assert_uint_eq(t_stats(sn, P).republish_passes, 0);

	t_pass(sn, P, iv * 3 / 2);
	st = t_stats(sn, P);
	ck_assert_uint_eq(st.republish_known_keys, 1);	/* "all" */
	ck_assert_uint_eq(st.republish_keys, 1);	/* "some" */
	ck_assert_uint_eq(st.lookups, lookups + 1);
	ck_assert_uint_eq(st.republish_known_nodes, 1);	/* A */
	ck_assert_uint_eq(st.republish_values, 1);	/* to B */
	ck_assert_int_eq(t_held(sn, B, &some, NULL), 1);
	ck_assert_uint_eq(t_stats(sn, A).values_stored, stored_a);
	/* Now all of "some"'s holders are known too. */
	t_pass(sn, P, iv + 1000);
	st = t_stats(sn, P);
	ck_assert_uint_eq(st.republish_known_keys, 3);
	ck_assert_uint_eq(st.republish_keys, 1);
	simnet_free(sn);
}
END_TEST

/*
 * Watches node 0's pass on the wire: at its first FIND_NODE, how many
 * keys it had started and how much was queued; then its STOREs that
 * reached their node and whose answer has not reached it yet.
 */
struct bound {
	struct simnet	*sn;
	int		 seen_find;
	uint64_t	 keys_at_find;
	size_t		 queued_at_find;
	size_t		 out, peak;
};

static int
filter_rp_bound(void *arg, const struct simnet_dgram *d)
{
	struct bound *b = arg;
	struct wire_msg m;
	const char *errstr;

	if (d->len < 4 || d->buf[3] != WIRE_KIND_WHOLE ||
	    wire_decode(d->buf, d->len, &m, &errstr) == -1)
		return 0;
	if (addr_eq(&d->from, simnet_addr(b->sn, 0))) {
		if (m.type == WIRE_FIND_NODE && !b->seen_find) {
			b->seen_find = 1;
			b->keys_at_find = t_stats(b->sn, 0).republish_keys;
			b->queued_at_find = simnet_in_flight(b->sn) + 1;
		}
		if (m.type == WIRE_STORE && ++b->out > b->peak)
			b->peak = b->out;
	} else if (d->to_index == 0 && (m.type == WIRE_STORE_ACK ||
	    m.type == WIRE_ERROR) && b->out > 0)
		b->out--;
	wire_msg_free(&m);
	ck_assert_uint_le(b->out, REPUB_JOBS * REPUB_WINDOW);
	return 0;
}

/* A pass over 200 keys runs in bounded steps and reaches every key. */
START_TEST(test_republish_bounded)
{
	const uint32_t iv = 60000;
	struct dht_config quiet = t_cfg_iv(T_QUIET), c0 = t_cfg_iv(iv);
	struct simnet *sn = t_net0(24);
	struct bound b;
	struct store_stats ss;
	struct id key;
	char name[16];
	int i;

	ck_assert_int_eq(simnet_add_config(sn, &c0), 0);
	ck_assert_int_eq(simnet_add_config(sn, &quiet), 1);
	ck_assert_int_eq(simnet_add_config(sn, &quiet), 2);
	t_join_all(sn);
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "b%d", i);
		id_from_name(&key, name, strlen(name));
		ck_assert_int_eq(store_put(simnet_store(sn, 0), key.b, name,
		    strlen(name), simnet_wall(sn), simnet_wall(sn) + 86400000,
		    simnet_wall(sn), NULL), 1);
	}
	memset(&b, 0, sizeof(b));
	b.sn = sn;
	simnet_set_filter(sn, filter_rp_bound, &b);
	t_pass(sn, 0, iv * 3 / 2);
	/* REPUB_JOBS lookups started, nothing else: the rest waited. */
	ck_assert_int_eq(b.seen_find, 1);
	ck_assert_uint_eq(b.keys_at_find, REPUB_JOBS);
	ck_assert_uint_le(b.queued_at_find, REPUB_JOBS * t_cfg.alpha);
	ck_assert_uint_gt(b.peak, 0);
	ck_assert_uint_le(b.peak, REPUB_JOBS * REPUB_WINDOW);
	ck_assert_uint_eq(b.out, 0);
	ck_assert_uint_eq(t_stats(sn, 0).republish_keys, 200);
	ck_assert_uint_eq(t_stats(sn, 0).republish_values, 400);
	store_stats(simnet_store(sn, 1), &ss);
	ck_assert_uint_eq(ss.keys, 200);
	store_stats(simnet_store(sn, 2), &ss);
	ck_assert_uint_eq(ss.keys, 200);
	simnet_free(sn);
}
END_TEST

/*
 * Keys with many values to many nodes: each key's job keeps REPUB_WINDOW
 * STOREs out at most, REPUB_JOBS keys at once, and does reach its window
 * (4 pages of 16 values to 11 nodes is 44 STOREs a key).
 */
START_TEST(test_republish_window)
{
	const uint32_t iv = 60000;
	struct dht_config quiet = t_cfg_iv(T_QUIET), c0 = t_cfg_iv(iv);
	struct simnet *sn = t_net0(25);
	struct store_stats ss;
	struct bound b;
	struct id key;
	char name[16];
	size_t i, j;

	ck_assert_int_eq(simnet_add_config(sn, &c0), 0);
	for (i = 1; i < 12; i++)
		ck_assert_int_eq(simnet_add_config(sn, &quiet), (long)i);
	t_join_all(sn);
	for (i = 0; i < REPUB_JOBS; i++) {
		snprintf(name, sizeof(name), "w%zu", i);
		id_from_name(&key, name, strlen(name));
		for (j = 0; j < 64; j++) {
			snprintf(name, sizeof(name), "w%zu-%zu", i, j);
			ck_assert_int_eq(store_put(simnet_store(sn, 0), key.b,
			    name, strlen(name), simnet_wall(sn),
			    simnet_wall(sn) + 86400000, simnet_wall(sn), NULL),
			    1);
		}
	}
	memset(&b, 0, sizeof(b));
	b.sn = sn;
	simnet_set_filter(sn, filter_rp_bound, &b);
	t_pass(sn, 0, iv * 3 / 2);
	ck_assert_uint_gt(b.peak, REPUB_WINDOW);
	ck_assert_uint_le(b.peak, REPUB_JOBS * REPUB_WINDOW);
	ck_assert_uint_eq(b.out, 0);
	ck_assert_uint_eq(t_stats(sn, 0).republish_values, 11 * 64 *
	    REPUB_JOBS);
	for (i = 1; i < 12; i++) {
		store_stats(simnet_store(sn, i), &ss);
		ck_assert_uint_eq(ss.values, 64 * REPUB_JOBS);
	}
	simnet_free(sn);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("repub");
	TCase *tc;

	tc = tcase_create("handover");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_handover);
	tcase_add_test(tc, test_handover_paced);
	tcase_add_test(tc, test_handover_restart);
	suite_add_tcase(s, tc);

	tc = tcase_create("timing");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_republish_expiry);
	tcase_add_test(tc, test_republish_suppressed);
	suite_add_tcase(s, tc);

	tc = tcase_create("cost");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_republish_known_holders);
	tcase_add_test(tc, test_republish_bounded);
	tcase_add_test(tc, test_republish_window);
	suite_add_tcase(s, tc);
	return check_run(s);
}

/*
 * check_join — getting into the network, on tests/sim/simnet.h: a dead
 * bootstrap address beside a live one does not stall the join; alone
 * with a dead one, pings at growing intervals; a join lookup nobody
 * answered is tried again, and once it went through, not again; the one
 * more lookup of our ID waits for slow bucket refreshes without spinning.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "join.h"
#include "simnet.h"
#include "wire.h"
#include "check_util.h"
#include "check_engine.h"

/* ---- bootstrap --------------------------------------------------------- */

/* Two bootstrap addresses, one dead: no stall. */
START_TEST(test_bootstrap)
{
	struct simnet *sn = t_net(3, 15, NULL);
	struct addr boot[2];

	simnet_outside_addr(&boot[0], 200);
	boot[1] = *simnet_addr(sn, 0);
	dht_bootstrap(simnet_dht(sn, 1), boot, 2, simnet_now(sn));
	simnet_touch(sn, 1);
	t_run(sn, 1);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 1)), 1);
	dht_bootstrap(simnet_dht(sn, 2), simnet_addr(sn, 1), 1,
	    simnet_now(sn));
	simnet_touch(sn, 2);
	t_run(sn, 1);
	/* 2 learned 0 through 1's answers, and 0 heard of 2. */
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 2)), 2);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 0)), 2);
	simnet_free(sn);
}
END_TEST

/* Alone with a dead bootstrap address: pings at growing intervals. */
START_TEST(test_bootstrap_backoff)
{
	struct simnet *sn = t_net(1, 17, NULL);
	struct addr nobody;
	int64_t t[T_CAPTURE], gap;
	size_t i, n;

	simnet_outside_addr(&nobody, 200);
	dht_bootstrap(simnet_dht(sn, 0), &nobody, 1, simnet_now(sn));
	ck_assert_uint_eq(simnet_in_flight(sn), 1);	/* at once */
	simnet_touch(sn, 0);
	/* The arrival time of each ping, sampled every 100 ms. */
	for (n = 0, i = 0; i < 600; i++) {
		t_run(sn, 100);
		while (n < simnet_ncaptured(sn))
			t[n++] = simnet_now(sn);
	}
	/*
	 * Rounds 1, 2, 4, 8, 16, 32 s apart (plus up to a quarter of
	 * jitter), each a ping and a resend unless one is still out.
	 */
	ck_assert_uint_ge(n, 6);
	ck_assert_uint_le(n, 12);
	/* The gaps grew: the first about 1 s, a late one over 8 s. */
	for (gap = 0, i = 0; i < n; i++) {
		ck_assert_int_eq(t_dgram_type(simnet_captured(sn, i)),
		    WIRE_PING);
		if (i > 0 && t[i] - t[i - 1] > gap)
			gap = t[i] - t[i - 1];
	}
	ck_assert_int_ge(gap, 8000);
	ck_assert_int_le(t[1] - t[0], 1300);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 0)), 0);
	simnet_free(sn);
}
END_TEST

/* ---- the join lookup --------------------------------------------------- */

/* Drops FIND_NODE requests from node *arg. */
struct drop_from {
	struct simnet	*sn;
	size_t		 node;
	int		 on;
};

static int
filter_find_node_from(void *arg, const struct simnet_dgram *d)
{
	struct drop_from *f = arg;

	return f->on && addr_eq(&d->from, simnet_addr(f->sn, f->node)) &&
	    t_dgram_type(d) == WIRE_FIND_NODE;
}

/*
 * A join lookup that nobody answers is tried again after the backoff: a
 * node must not stay for good with the one entry its bootstrap gave it.
 * Once one went through, the node has joined: it looks up its own ID once
 * more, JOIN_AGAIN_MS later, and then no more.
 */
START_TEST(test_join_retry)
{
	struct simnet *sn = t_net(2, 25, NULL);
	struct drop_from f = { sn, 1, 1 };
	uint64_t before, after;

	simnet_set_filter(sn, filter_find_node_from, &f);
	dht_bootstrap(simnet_dht(sn, 1), simnet_addr(sn, 0), 1,
	    simnet_now(sn));
	simnet_touch(sn, 1);
	/*
	 * The join lookup failed after 2 tries.  Whether node 0 is in the
	 * table now depends on the backoff's jitter: its two timeouts
	 * removed it, and the next round's Ping brings it back (asserted
	 * at the end).
	 */
	t_run(sn, 2500);
	ck_assert_uint_eq(t_stats(sn, 0).rx_msgs[WIRE_FIND_NODE], 0);
	ck_assert_uint_ge(t_stats(sn, 1).lookups, 1);
	before = t_stats(sn, 1).lookups;
	f.on = 0;
	t_run(sn, 4000);	/* the next round, after the backoff */
	after = t_stats(sn, 1).lookups;
	ck_assert_uint_gt(after, before);
	ck_assert_uint_ge(t_stats(sn, 0).rx_msgs[WIRE_FIND_NODE], 1);
	/* Joined: one lookup again, then none through a minute. */
	t_run(sn, 60000);
	ck_assert_uint_eq(t_stats(sn, 1).lookups, after + 1);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 1)), 1);
	simnet_free(sn);
}
END_TEST

#define T_AGAIN_POOL	200	/* nodes made, to find two close IDs */
#define T_AGAIN_NET	10	/* nodes of them in the network */

/* Counts FIND_NODEs from node `node`: for its own ID, for others. */
struct slow_refresh {
	struct simnet	*sn;
	size_t		 node;
	unsigned	 own, others;
};

static int
filter_slow_refresh(void *arg, const struct simnet_dgram *d)
{
	struct slow_refresh *f = arg;
	struct wire_msg m;
	const char *errstr;
	int own;

	if (!addr_eq(&d->from, simnet_addr(f->sn, f->node)) ||
	    t_dgram_type(d) != WIRE_FIND_NODE ||
	    wire_decode(d->buf, d->len, &m, &errstr) == -1)
		return 0;
	own = id_eq(&m.u.find_node.target, simnet_id(f->sn, f->node));
	wire_msg_free(&m);
	if (own)
		f->own++;
	else
		f->others++;
	return 0;
}

/*
 * The lookup of our own ID JOIN_AGAIN_MS after the join may fall due
 * while the far buckets' refresh lookups still run (here one after the
 * other over links of 400 to 500 ms, for about 25 s).  It waits for
 * them: the engine must not ask to be run at once, over and over,
 * meanwhile (the simulator's step cap catches that: before the fix, the
 * nodes of the network itself spun while they joined), and the lookup
 * goes once they are done.
 */
START_TEST(test_again_waits_for_refresh)
{
	struct simnet *sn;
	struct slow_refresh f;
	size_t i, j, x = 0, y = 1, via[T_AGAIN_NET];
	unsigned own;
	int best = -1, p;

	/* Slow links: each refresh lookup takes a few seconds. */
	sn = t_net0_lat(26, 400, 500);
	/*
	 * Of T_AGAIN_POOL nodes, the two whose IDs share the longest
	 * prefix: y's table then has x deep and many empty buckets above,
	 * each refreshed in turn after the join lookup.
	 */
	for (i = 0; i < T_AGAIN_POOL; i++)
		ck_assert_int_eq(simnet_add(sn), (long)i);
	for (i = 0; i < T_AGAIN_POOL; i++)
		for (j = i + 1; j < T_AGAIN_POOL; j++)
			if ((p = id_prefixlen(simnet_id(sn, i),
			    simnet_id(sn, j))) > best) {
				best = p;
				x = i;
				y = j;
			}
	ck_assert_int_ge(best, 10);
	/* x and T_AGAIN_NET - 1 others form the network; y joins it. */
	via[0] = x;
	for (i = 0, j = 1; j < T_AGAIN_NET; i++)
		if (i != x && i != y)
			via[j++] = i;
	for (j = 1; j < T_AGAIN_NET; j++) {
		simnet_bootstrap(sn, via[j], via, 1);
		t_run(sn, 10);
	}
	t_run(sn, 30000);
	f = (struct slow_refresh){ sn, y, 0, 0 };
	simnet_set_filter(sn, filter_slow_refresh, &f);
	simnet_bootstrap(sn, y, via, 1);
	t_run(sn, 9000);
	own = f.own;	/* the join lookup's queries */
	ck_assert_uint_gt(own, 0);
	ck_assert_uint_gt(f.others, 0);
	/* Due about 10 s after the join lookup: refreshes still run. */
	t_run(sn, 3000);
	ck_assert_uint_eq(f.own, own);
	t_run(sn, 120000);
	ck_assert_uint_gt(f.own, own);
	simnet_free(sn);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("join");
	TCase *tc;

	tc = tcase_create("bootstrap");
	tcase_add_test(tc, test_bootstrap);
	tcase_add_test(tc, test_bootstrap_backoff);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookup");
	tcase_add_test(tc, test_join_retry);
	tcase_add_test(tc, test_again_waits_for_refresh);
	suite_add_tcase(s, tc);
	return check_run(s);
}

/*
 * check_join — getting into the network, on tests/sim/simnet.h: a dead
 * bootstrap address beside a live one does not stall the join; alone
 * with a dead one, pings at growing intervals; a join lookup nobody
 * answered is tried again, and once it went through, not again.
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
	suite_add_tcase(s, tc);
	return check_run(s);
}

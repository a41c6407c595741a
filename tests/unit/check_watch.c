/*
 * check_watch — watches (op_watch) and the subscriptions nodes serve
 * (listen) on the simulator: pushes from the k closest nodes, the live
 * values first, expiry without refresh, the per-source cap, no push to an
 * address that never proved itself, pushers replaced after they die, and
 * nothing held once the watch ends.
 */
#include <stdio.h>

#include "check_engine.h"
#include "check_util.h"
#include "listen.h"

#define W_MAX	16

struct wres {
	int	 ends;
	size_t	 n;
	char	 v[W_MAX][32];
};

static void
watch_cb(void *arg, const struct op_watch_event *e)
{
	struct wres *w = arg;

	if (e->end) {
		w->ends++;
		return;
	}
	ck_assert_uint_lt(w->n, W_MAX);
	ck_assert_uint_lt(e->len, sizeof(w->v[0]));
	memcpy(w->v[w->n], e->data, e->len);
	w->v[w->n][e->len] = '\0';
	w->n++;
}

static const struct dht_config w_cfg = {
	.k = 3,
	.alpha = 3,
	.rpc_timeout_ms = 1000,
	.rpc_retries = 1,
	.max_ttl_s = 86400,
	.refresh_interval_ms = 3600000,
	.republish_interval_ms = 1800000,
};

/* A put through node i; must_ack: it must report success. */
static void
w_put_ack(struct simnet *sn, size_t i, const struct id *key, const char *v,
    int must_ack)
{
	struct res r;
	int64_t t;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(simnet_put(sn, i, key, v, strlen(v), simnet_wall(sn),
	    simnet_wall(sn) + 3600000, put_cb, &r), 0);
	t_run(sn, 500);
	/* Dead nodes on the way cost their timeouts: bounded. */
	for (t = 0; t < 30000 && r.calls == 0; t += 500)
		t_run(sn, 500);
	ck_assert_int_eq(r.calls, 1);
	if (must_ack)
		ck_assert_int_eq(r.err, DHT_OK);
}

static void
w_put(struct simnet *sn, size_t i, const struct id *key, const char *v)
{
	w_put_ack(sn, i, key, v, 1);
}

static struct op_watch *
w_start(struct simnet *sn, size_t i, const struct id *key, struct wres *w)
{
	struct op_watch *op;

	memset(w, 0, sizeof(*w));
	op = dht_watch(simnet_dht(sn, i), key, 0, simnet_now(sn),
	    simnet_wall(sn), watch_cb, w);
	ck_assert_ptr_nonnull(op);
	simnet_touch(sn, i);
	return op;
}

START_TEST(test_watch_push)
{
	struct simnet *sn = t_net(10, 11, &w_cfg);
	struct op_watch *op;
	struct wres w;
	struct id key;
	size_t i;
	uint64_t subs = 0;

	t_join_all(sn);
	id_from_name(&key, "watched", 7);
	/* Nobody watches: no subscription anywhere. */
	for (i = 0; i < 10; i++)
		ck_assert_uint_eq(t_stats(sn, i).listen_subs, 0);
	w_put(sn, 3, &key, "old");
	op = w_start(sn, 0, &key, &w);
	t_run(sn, 1000);
	ck_assert_uint_eq(t_stats(sn, 0).watches, 1);
	ck_assert_uint_eq(t_stats(sn, 0).watch_subs_held, 3);
	for (i = 1; i < 10; i++)
		subs += t_stats(sn, i).listen_subs;
	ck_assert_uint_eq(subs, 3);
	/* The live value first, once, though three nodes hold it. */
	ck_assert_uint_eq(w.n, 1);
	ck_assert_str_eq(w.v[0], "old");
	w_put(sn, 7, &key, "new");
	ck_assert_uint_eq(w.n, 2);
	ck_assert_str_eq(w.v[1], "new");
	ck_assert_uint_ge(t_stats(sn, 0).watch_notify_rx, 2);
	/* The end: reported once, the subscriptions cancelled. */
	dht_watch_stop(simnet_dht(sn, 0), op, simnet_now(sn));
	simnet_touch(sn, 0);
	t_run(sn, 1000);
	ck_assert_int_eq(w.ends, 1);
	ck_assert_uint_eq(t_stats(sn, 0).watches, 0);
	for (i = 0; i < 10; i++)
		ck_assert_uint_eq(t_stats(sn, i).listen_subs, 0);
	w_put(sn, 7, &key, "unseen");
	ck_assert_uint_eq(w.n, 2);
	simnet_free(sn);
}
END_TEST

/* A Listen from `from` to node `to` for key, with the token it got. */
static size_t
w_listen(struct simnet *sn, const struct addr *from, size_t to,
    const struct id *key, int with_token, struct wire_msg *ans)
{
	struct wire_msg m;
	size_t n;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_LISTEN;
	memset(m.sender.b, 0x5b, ID_LEN);
	m.txid = 91;
	m.u.listen.key = *key;
	if (with_token)
		m.u.listen.tokenlen = t_token(sn, from, to, key,
		    m.u.listen.token);
	n = t_raw(sn, from, to, &m);
	ck_assert_uint_ge(n, 1);
	t_captured_msg(sn, 0, ans);
	return n;
}

START_TEST(test_listen_expiry)
{
	struct simnet *sn = t_net(3, 12, &w_cfg);
	struct wire_msg ans;
	struct addr out;
	struct id key;

	t_join_all(sn);
	simnet_outside_addr(&out, 1);
	id_from_name(&key, "expiring", 8);
	w_listen(sn, &out, 1, &key, 1, &ans);
	ck_assert_int_eq(ans.type, WIRE_LISTEN_ACK);
	ck_assert_uint_eq(ans.u.listen_ack.lifetime_ms, LISTEN_LIFETIME_MS);
	wire_msg_free(&ans);
	ck_assert_uint_eq(t_stats(sn, 1).listen_subs, 1);
	/* Not refreshed: gone after its lifetime. */
	t_run(sn, LISTEN_LIFETIME_MS - 1000);
	ck_assert_uint_eq(t_stats(sn, 1).listen_subs, 1);
	t_run(sn, 2000);
	ck_assert_uint_eq(t_stats(sn, 1).listen_subs, 0);
	ck_assert_uint_eq(t_stats(sn, 1).listen_expired, 1);
	simnet_free(sn);
}
END_TEST

START_TEST(test_listen_source_cap)
{
	struct simnet *sn = t_net(3, 13, &w_cfg);
	struct wire_msg ans;
	struct addr out, other;
	struct id key;
	char name[16];
	int i;

	t_join_all(sn);
	simnet_outside_addr(&out, 2);
	for (i = 0; i <= LISTEN_MAX_PER_SOURCE; i++) {
		snprintf(name, sizeof(name), "cap-%d", i);
		id_from_name(&key, name, strlen(name));
		w_listen(sn, &out, 1, &key, 1, &ans);
		if (i < LISTEN_MAX_PER_SOURCE)
			ck_assert_int_eq(ans.type, WIRE_LISTEN_ACK);
		else {
			/* The 65th from one host is refused. */
			ck_assert_int_eq(ans.type, WIRE_ERROR);
			ck_assert_uint_eq(ans.u.error.code, WIRE_ERR_QUOTA);
		}
		wire_msg_free(&ans);
	}
	ck_assert_uint_eq(t_stats(sn, 1).listen_subs, LISTEN_MAX_PER_SOURCE);
	ck_assert_uint_eq(t_stats(sn, 1).listen_refused, 1);
	/* Another host still gets in. */
	simnet_outside_addr(&other, 3);
	w_listen(sn, &other, 1, &key, 1, &ans);
	ck_assert_int_eq(ans.type, WIRE_LISTEN_ACK);
	wire_msg_free(&ans);
	simnet_free(sn);
}
END_TEST

/* Notify datagrams captured (sent to addresses that are no node). */
static size_t
w_notifies(struct simnet *sn)
{
	size_t i, n = 0;

	for (i = 0; i < simnet_ncaptured(sn); i++)
		n += t_dgram_type(simnet_captured(sn, i)) == WIRE_NOTIFY;
	return n;
}

START_TEST(test_listen_unproven)
{
	struct simnet *sn = t_net(3, 14, &w_cfg);
	struct wire_msg ans;
	struct addr liar, good;
	struct id key;

	t_join_all(sn);
	id_from_name(&key, "proof", 5);
	w_put(sn, 2, &key, "held");
	/* Without the token: refused, and nothing pushed to it, ever. */
	simnet_outside_addr(&liar, 4);
	w_listen(sn, &liar, 1, &key, 0, &ans);
	ck_assert_int_eq(ans.type, WIRE_ERROR);
	ck_assert_uint_eq(ans.u.error.code, WIRE_ERR_BAD_TOKEN);
	wire_msg_free(&ans);
	ck_assert_uint_eq(w_notifies(sn), 0);
	ck_assert_uint_eq(t_stats(sn, 1).listen_subs, 0);
	simnet_capture_clear(sn);
	w_put(sn, 2, &key, "later");
	ck_assert_uint_eq(w_notifies(sn), 0);
	/* With it: acknowledged, and the held values pushed at once. */
	simnet_outside_addr(&good, 5);
	w_listen(sn, &good, 1, &key, 1, &ans);
	ck_assert_int_eq(ans.type, WIRE_LISTEN_ACK);
	wire_msg_free(&ans);
	ck_assert_uint_eq(w_notifies(sn), 1);
	simnet_free(sn);
}
END_TEST

START_TEST(test_watch_churn)
{
	struct simnet *sn = t_net(12, 15, &w_cfg);
	struct wres w;
	struct id key;
	size_t close[3], i, putter = 0;
	int64_t t;

	t_join_all(sn);
	id_from_name(&key, "churned", 7);
	(void)w_start(sn, 0, &key, &w);
	t_run(sn, 1000);
	ck_assert_uint_eq(t_stats(sn, 0).watch_subs_held, 3);
	ck_assert_uint_eq(simnet_closest(sn, &key, 0, close, 3), 3);
	for (i = 0; i < 3; i++)
		simnet_kill(sn, close[i]);
	for (i = 1; i < 12; i++)
		if (simnet_alive(sn, i) && i != close[0] && i != close[1] &&
		    i != close[2]) {
			putter = i;
			break;
		}
	ck_assert_uint_ne(putter, 0);
	/* Pushers that died are noticed at the next check and replaced. */
	for (t = 0; t < 3 * OP_WATCH_CHECK_MS && (t_stats(sn, 0).
	    watch_subs_lost < 3 || t_stats(sn, 0).watch_subs_held < 3);
	    t += 1000)
		t_run(sn, 1000);
	ck_assert_uint_ge(t_stats(sn, 0).watch_subs_lost, 3);
	ck_assert_uint_eq(t_stats(sn, 0).watch_subs_held, 3);
	/*
	 * A put through one of the new pushers (its STOREs to the dead may
	 * time out, k being 3 here: the put itself may fail): it pushes.
	 */
	for (i = 1; i < 12; i++)
		if (simnet_alive(sn, i) && t_stats(sn, i).listen_subs > 0)
			putter = i;
	w_put_ack(sn, putter, &key, "after", 0);
	for (t = 0; t < 10000 && w.n == 0; t += 1000)
		t_run(sn, 1000);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_str_eq(w.v[0], "after");
	ck_assert_uint_ge(t_stats(sn, 0).watch_subs_lost, 3);
	ck_assert_uint_eq(t_stats(sn, 0).watch_subs_held, 3);
	simnet_free(sn);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("watch");
	TCase *tc;

	tc = tcase_create("watch");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_watch_push);
	tcase_add_test(tc, test_listen_expiry);
	tcase_add_test(tc, test_listen_source_cap);
	tcase_add_test(tc, test_listen_unproven);
	tcase_add_test(tc, test_watch_churn);
	suite_add_tcase(s, tc);
	return check_run(s);
}

/*
 * check_durable — an engine told to hold StoreAcks (`sync = yes`): a
 * STORE is answered only after dht_flushed says the store is on disk; a
 * failed flush answers it with WIRE_ERR_INTERNAL, the putting node does
 * not count that node as an ack, and every later STORE is refused; the
 * held answers are bounded by SERVE_MAX_HELD.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "serve.h"
#include "simnet.h"
#include "wire.h"
#include "check_util.h"
#include "check_engine.h"

static struct dht_config
t_hold_cfg(void)
{
	struct dht_config c = t_cfg;

	c.hold_store_acks = 1;
	/*
	 * test_held_bound sends SERVE_MAX_HELD STOREs from one address at
	 * one instant; the rate limit (check_ratelimit, check_flood) is not
	 * what these tests are about.
	 */
	c.rate_burst = 4 * SERVE_MAX_HELD;
	return c;
}

/* The token node 0 gives `from` for key "dur". */
static size_t
t_dur_token(struct simnet *sn, const struct addr *from, uint8_t *tok)
{
	struct id key;

	id_from_name(&key, "dur", 3);
	return t_token(sn, from, 0, &key, tok);
}

/* A STORE of "v<txid>" under "dur" to node 0; how many answers came. */
static size_t
t_store(struct simnet *sn, const struct addr *from, const uint8_t *tok,
    size_t toklen, uint64_t txid)
{
	char data[32];
	struct wire_value v = { .data = NULL };
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE;
	memset(m.sender.b, 0x5a, ID_LEN);
	m.txid = txid;
	id_from_name(&m.u.store.key, "dur", 3);
	v.len = (uint32_t)snprintf(data, sizeof(data), "v%llu",
	    (unsigned long long)txid);
	v.data = (const uint8_t *)data;
	v.created_ms = simnet_wall(sn);
	v.expires_ms = simnet_wall(sn) + 60000;
	m.u.store.values = &v;
	m.u.store.nvalues = 1;
	memcpy(m.u.store.token, tok, toklen);
	m.u.store.tokenlen = toklen;
	return t_raw(sn, from, 0, &m);
}

/* Node 0 learns its flush's outcome; what it sends is delivered. */
static void
t_flushed(struct simnet *sn, int ok)
{
	simnet_capture_clear(sn);
	dht_flushed(simnet_dht(sn, 0), ok, simnet_now(sn));
	simnet_touch(sn, 0);
	t_flush(sn);
}

/* Captured datagram i: its type, txid and (error) code. */
static void
t_answer(struct simnet *sn, size_t i, int type, uint64_t txid, uint32_t code)
{
	struct wire_msg ans;

	t_captured_msg(sn, i, &ans);
	ck_assert_int_eq(ans.type, type);
	ck_assert_uint_eq(ans.txid, txid);
	if (type == WIRE_ERROR)
		ck_assert_uint_eq(ans.u.error.code, code);
	wire_msg_free(&ans);
}

START_TEST(test_ack_after_flush)
{
	struct dht_config hc = t_hold_cfg();
	struct simnet *sn = t_net0(21);
	uint8_t tok[WIRE_MAX_TOKEN];
	struct addr x;
	struct id key;
	size_t n;

	ck_assert_int_eq(simnet_add_config(sn, &hc), 0);
	simnet_outside_addr(&x, 100);
	id_from_name(&key, "dur", 3);
	n = t_dur_token(sn, &x, tok);

	/* Stored at once, answered only after the flush. */
	ck_assert_uint_eq(t_store(sn, &x, tok, n, 1), 0);
	ck_assert_uint_eq(t_store(sn, &x, tok, n, 2), 0);
	ck_assert_uint_eq(dht_held(simnet_dht(sn, 0)), 2);
	ck_assert_int_eq(t_held(sn, 0, &key, NULL), 2);
	t_run(sn, 5);
	ck_assert_uint_eq(simnet_ncaptured(sn), 0);
	t_flushed(sn, 1);
	ck_assert_uint_eq(simnet_ncaptured(sn), 2);
	t_answer(sn, 0, WIRE_STORE_ACK, 1, 0);
	t_answer(sn, 1, WIRE_STORE_ACK, 2, 0);
	ck_assert_uint_eq(dht_held(simnet_dht(sn, 0)), 0);
	ck_assert_uint_eq(t_stats(sn, 0).store_acks_held, 2);

	/* A failed flush: an error instead of the ack, and no more writes. */
	ck_assert_uint_eq(t_store(sn, &x, tok, n, 3), 0);
	t_flushed(sn, 0);
	ck_assert_uint_eq(simnet_ncaptured(sn), 1);
	t_answer(sn, 0, WIRE_ERROR, 3, WIRE_ERR_INTERNAL);
	ck_assert_uint_eq(t_store(sn, &x, tok, n, 4), 1);
	t_answer(sn, 0, WIRE_ERROR, 4, WIRE_ERR_INTERNAL);
	ck_assert_uint_eq(dht_held(simnet_dht(sn, 0)), 0);
	ck_assert_uint_eq(t_stats(sn, 0).store_refused_storage, 1);
	ck_assert_uint_eq(t_stats(sn, 0).values_stored, 3);
	/* Reads still served. */
	{
		struct wire_msg m;

		memset(&m, 0, sizeof(m));
		m.type = WIRE_FIND_VALUE;
		memset(m.sender.b, 0x5a, ID_LEN);
		m.txid = 5;
		m.u.find_value.key = key;
		ck_assert_uint_eq(t_raw(sn, &x, 0, &m), 1);
		t_answer(sn, 0, WIRE_VALUES, 5, 0);
	}
	simnet_free(sn);
}
END_TEST

/* Without hold_store_acks nothing changes: the ack follows the write. */
START_TEST(test_no_hold)
{
	struct simnet *sn = t_net(1, 22, NULL);
	uint8_t tok[WIRE_MAX_TOKEN];
	struct addr x;
	size_t n;

	simnet_outside_addr(&x, 100);
	n = t_dur_token(sn, &x, tok);
	ck_assert_uint_eq(t_store(sn, &x, tok, n, 1), 1);
	t_answer(sn, 0, WIRE_STORE_ACK, 1, 0);
	ck_assert_uint_eq(dht_held(simnet_dht(sn, 0)), 0);
	simnet_free(sn);
}
END_TEST

/* SERVE_MAX_HELD answers wait; the next STORE is refused, not stored. */
START_TEST(test_held_bound)
{
	struct dht_config hc = t_hold_cfg();
	struct simnet *sn = t_net0(23);
	uint8_t tok[WIRE_MAX_TOKEN];
	struct addr x;
	struct id key;
	size_t i, n;

	ck_assert_int_eq(simnet_add_config(sn, &hc), 0);
	simnet_outside_addr(&x, 100);
	id_from_name(&key, "dur", 3);
	n = t_dur_token(sn, &x, tok);
	/* One value under the key, refreshed: the quota stays out of it. */
	for (i = 0; i < SERVE_MAX_HELD; i++)
		ck_assert_uint_eq(t_store(sn, &x, tok, n, 1), 0);
	ck_assert_uint_eq(dht_held(simnet_dht(sn, 0)), SERVE_MAX_HELD);
	ck_assert_uint_eq(t_store(sn, &x, tok, n, 2), 1);
	t_answer(sn, 0, WIRE_ERROR, 2, WIRE_ERR_INTERNAL);
	ck_assert_int_eq(t_held(sn, 0, &key, NULL), 1);	/* v2 not stored */
	ck_assert_uint_eq(t_stats(sn, 0).store_refused_busy, 1);
	t_flushed(sn, 1);
	ck_assert_uint_eq(simnet_ncaptured(sn), T_CAPTURE);
	ck_assert_uint_eq(dht_held(simnet_dht(sn, 0)), 0);
	/* Room again. */
	ck_assert_uint_eq(t_store(sn, &x, tok, n, 3), 0);
	ck_assert_uint_eq(dht_held(simnet_dht(sn, 0)), 1);
	simnet_free(sn);
}
END_TEST

/*
 * A put from node 0 to node 1 (holding): it completes only once node 1's
 * flush succeeded, counting node 1; after a failed flush it completes
 * without node 1 (here: no remote ack at all, so "unavailable").
 */
START_TEST(test_put_counts_flushed)
{
	struct dht_config hc = t_hold_cfg();
	struct simnet *sn = t_net0(24);
	struct res r;
	struct id k1, k2;
	int64_t w;

	ck_assert_int_eq(simnet_add_config(sn, &t_cfg), 0);
	ck_assert_int_eq(simnet_add_config(sn, &hc), 1);
	t_join_all(sn);
	id_from_name(&k1, "p1", 2);
	id_from_name(&k2, "p2", 2);

	memset(&r, 0, sizeof(r));
	w = simnet_wall(sn);
	ck_assert_int_eq(simnet_put(sn, 0, &k1, "a", 1, w, w + 60000, put_cb,
	    &r), 0);
	t_run(sn, 50);		/* well within rpc_timeout_ms */
	ck_assert_int_eq(r.calls, 0);
	ck_assert_uint_eq(dht_held(simnet_dht(sn, 1)), 1);
	ck_assert_int_eq(t_held(sn, 1, &k1, NULL), 1);
	dht_flushed(simnet_dht(sn, 1), 1, simnet_now(sn));
	simnet_touch(sn, 1);
	t_run(sn, 10);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, DHT_OK);
	ck_assert_uint_eq(r.remote_acks, 1);

	memset(&r, 0, sizeof(r));
	w = simnet_wall(sn);
	ck_assert_int_eq(simnet_put(sn, 0, &k2, "b", 1, w, w + 60000, put_cb,
	    &r), 0);
	t_run(sn, 50);
	ck_assert_int_eq(r.calls, 0);
	dht_flushed(simnet_dht(sn, 1), 0, simnet_now(sn));
	simnet_touch(sn, 1);
	t_run(sn, 10);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_uint_eq(r.remote_acks, 0);
	ck_assert_int_eq(r.err, DHT_ERR_UNAVAILABLE);
	simnet_free(sn);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("durable");
	TCase *tc;

	tc = tcase_create("hold");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ack_after_flush);
	tcase_add_test(tc, test_no_hold);
	tcase_add_test(tc, test_held_bound);
	tcase_add_test(tc, test_put_counts_flushed);
	suite_add_tcase(s, tc);
	return check_run(s);
}

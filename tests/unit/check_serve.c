/*
 * check_serve — how an engine answers requests, driven by hand-made
 * datagrams injected from addresses that are no node (tests/sim/simnet.h
 * captures the answers): STORE refused without the asker's own write
 * token (or, with no token, its own cookie), accepted with it across one
 * secret rotation but not two; values
 * clamped before they reach the store; answers longer than a datagram
 * only for an address that proved itself; malformed input dropped and
 * counted without an answer.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "env.h"
#include "join.h"
#include "simnet.h"
#include "token.h"
#include "wire.h"
#include "check_util.h"
#include "check_engine.h"

/* m: a STORE of `data` under the key named `name`, txid, no token. */
static void
t_store_msg(struct simnet *sn, struct wire_msg *m, struct wire_value *v,
    const char *name, const char *data, uint64_t txid)
{
	memset(v, 0, sizeof(*v));
	memset(m, 0, sizeof(*m));
	m->type = WIRE_STORE;
	memset(m->sender.b, 0x5a, ID_LEN);
	m->txid = txid;
	id_from_name(&m->u.store.key, name, strlen(name));
	v->data = (const uint8_t *)data;
	v->len = (uint32_t)strlen(data);
	v->created_ms = simnet_wall(sn);
	v->expires_ms = simnet_wall(sn) + 60000;
	m->u.store.values = v;
	m->u.store.nvalues = 1;
}

/* Sends m from `from` to node 1; its one answer. */
static void
t_store_send(struct simnet *sn, const struct addr *from,
    const struct wire_msg *m, struct wire_msg *ans)
{
	ck_assert_uint_eq(t_raw(sn, from, 1, m), 1);
	t_captured_msg(sn, 0, ans);
	ck_assert_uint_eq(ans->txid, m->txid);
}

/* A STORE of "evil" under "tok" from `from` to node 1; its one answer. */
static void
t_raw_store(struct simnet *sn, const struct addr *from, const uint8_t *tok,
    size_t toklen, struct wire_msg *ans)
{
	struct wire_value v;
	struct wire_msg m;

	t_store_msg(sn, &m, &v, "tok", "evil", 77);
	if (toklen > 0)
		memcpy(m.u.store.token, tok, toklen);
	m.u.store.tokenlen = toklen;
	t_store_send(sn, from, &m, ans);
}

/* ---- write tokens ------------------------------------------------------ */

START_TEST(test_store_token)
{
	struct simnet *sn = t_net(2, 6, NULL);
	uint8_t tok[WIRE_MAX_TOKEN], otok[WIRE_MAX_TOKEN], bad[TOKEN_LEN];
	struct wire_msg ans;
	struct addr x, y;
	struct id key, other;
	size_t n;

	simnet_outside_addr(&x, 100);
	simnet_outside_addr(&y, 101);
	id_from_name(&key, "tok", 3);

	/* No token. */
	t_raw_store(sn, &x, NULL, 0, &ans);
	ck_assert_int_eq(ans.type, WIRE_ERROR);
	ck_assert_uint_eq(ans.u.error.code, WIRE_ERR_BAD_TOKEN);
	wire_msg_free(&ans);
	/* A made-up token. */
	memset(bad, 0xaa, sizeof(bad));
	t_raw_store(sn, &x, bad, sizeof(bad), &ans);
	ck_assert_int_eq(ans.type, WIRE_ERROR);
	wire_msg_free(&ans);
	/* y's token presented from x: a spoofer's attempt. */
	n = t_token(sn, &y, 1, &key, tok);
	t_raw_store(sn, &x, tok, n, &ans);
	ck_assert_int_eq(ans.type, WIRE_ERROR);
	wire_msg_free(&ans);
	/* y's own token, but asked for another key: bound to that key. */
	id_from_name(&other, "other", 5);
	ck_assert_uint_eq(t_token(sn, &y, 1, &other, otok), n);
	ck_assert_mem_ne(otok, tok, n);
	t_raw_store(sn, &y, otok, n, &ans);
	ck_assert_int_eq(ans.type, WIRE_ERROR);
	ck_assert_uint_eq(ans.u.error.code, WIRE_ERR_BAD_TOKEN);
	wire_msg_free(&ans);
	ck_assert_uint_eq(t_stats(sn, 1).rx_dropped_token, 4);
	ck_assert_uint_eq(t_stats(sn, 1).values_stored, 0);
	ck_assert_int_eq(t_held(sn, 1, &key, NULL), 0);
	/*
	 * Neither made it into the table: asking proves nothing, and
	 * neither answered the node's admission ping.
	 */
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 1)), 0);

	/* y with its own token: stored. */
	t_raw_store(sn, &y, tok, n, &ans);
	ck_assert_int_eq(ans.type, WIRE_STORE_ACK);
	ck_assert_uint_eq(ans.u.store_ack.stored, 1);
	wire_msg_free(&ans);
	ck_assert_int_eq(t_held(sn, 1, &key, NULL), 1);
	ck_assert_uint_eq(t_stats(sn, 1).values_stored, 1);

	/* Still valid after one secret rotation, not after two. */
	t_run(sn, TOKEN_ROTATE_MS + JOIN_MAINT_INTERVAL_MS);
	t_raw_store(sn, &y, tok, n, &ans);
	ck_assert_int_eq(ans.type, WIRE_STORE_ACK);
	wire_msg_free(&ans);
	t_run(sn, TOKEN_ROTATE_MS + JOIN_MAINT_INTERVAL_MS);
	t_raw_store(sn, &y, tok, n, &ans);
	ck_assert_int_eq(ans.type, WIRE_ERROR);
	wire_msg_free(&ans);
	simnet_free(sn);
}
END_TEST

/*
 * A STORE with no token from `from` to node 1, echoing cookie (none if
 * cookielen is 0), asking for the closest nodes but `known` (NULL: none);
 * its one answer.
 */
static void
t_cookie_store_known(struct simnet *sn, const struct addr *from,
    const uint8_t *cookie, size_t cookielen, const struct id *known,
    struct wire_msg *ans)
{
	struct wire_value v;
	struct wire_msg m;

	t_store_msg(sn, &m, &v, "ck", "by cookie", 79);
	m.u.store.find_nodes = 1;
	if (known != NULL) {
		memcpy(m.u.store.kn.known, known->b, WIRE_KNOWN_PREFIX);
		m.u.store.kn.knownlen = WIRE_KNOWN_PREFIX;
	}
	if (cookielen > 0) {
		memcpy(m.cookie, cookie, cookielen);
		m.cookielen = cookielen;
		t_pad(&m, 400);
	}
	t_store_send(sn, from, &m, ans);
}

static void
t_cookie_store(struct simnet *sn, const struct addr *from,
    const uint8_t *cookie, size_t cookielen, struct wire_msg *ans)
{
	t_cookie_store_known(sn, from, cookie, cookielen, NULL, ans);
}

/*
 * A put's last step (docs/PROTOCOL.md, Put): a STORE without a token is
 * taken on a valid cookie for its source address (the current or the
 * previous secret's), and its StoreAck lists the closest nodes, but
 * those the putter said it knows (Store.known; a FindNode's known too);
 * without a cookie, with a made-up one, or with another address's, it is
 * refused like a bad token.
 */
START_TEST(test_store_cookie)
{
	struct simnet *sn = t_net(3, 8, NULL);
	uint8_t tok[WIRE_MAX_TOKEN], cookie[WIRE_MAX_COOKIE];
	struct wire_msg ans, fm;
	struct addr x, y;
	struct id key;
	size_t n;

	t_join_all(sn);
	simnet_outside_addr(&x, 100);
	simnet_outside_addr(&y, 101);
	id_from_name(&key, "ck", 2);
	/* Any answer to y that echoed no cookie carries y's. */
	(void)t_token(sn, &y, 1, &key, tok);
	t_captured_msg(sn, 0, &ans);
	n = ans.cookielen;
	ck_assert_uint_gt(n, 0);
	memcpy(cookie, ans.cookie, n);
	wire_msg_free(&ans);

	/* No token, no cookie. */
	t_cookie_store(sn, &y, NULL, 0, &ans);
	ck_assert_int_eq(ans.type, WIRE_ERROR);
	ck_assert_uint_eq(ans.u.error.code, WIRE_ERR_BAD_TOKEN);
	wire_msg_free(&ans);
	/* y's cookie from x. */
	t_cookie_store(sn, &x, cookie, n, &ans);
	ck_assert_int_eq(ans.type, WIRE_ERROR);
	ck_assert_uint_eq(ans.u.error.code, WIRE_ERR_BAD_TOKEN);
	wire_msg_free(&ans);
	/* A made-up cookie from y. */
	cookie[0] ^= 1;
	t_cookie_store(sn, &y, cookie, n, &ans);
	ck_assert_int_eq(ans.type, WIRE_ERROR);
	wire_msg_free(&ans);
	cookie[0] ^= 1;
	ck_assert_uint_eq(t_stats(sn, 1).values_stored, 0);
	ck_assert_int_eq(t_held(sn, 1, &key, NULL), 0);

	/* y's own cookie: stored, and the two other nodes listed. */
	t_cookie_store(sn, &y, cookie, n, &ans);
	ck_assert_int_eq(ans.type, WIRE_STORE_ACK);
	ck_assert_uint_eq(ans.u.store_ack.stored, 1);
	ck_assert_uint_eq(ans.u.store_ack.nnodes, 2);
	wire_msg_free(&ans);
	ck_assert_int_eq(t_held(sn, 1, &key, NULL), 1);
	/* y knows node 0 already: only node 2 is news. */
	t_cookie_store_known(sn, &y, cookie, n, simnet_id(sn, 0), &ans);
	ck_assert_int_eq(ans.type, WIRE_STORE_ACK);
	ck_assert_uint_eq(ans.u.store_ack.nnodes, 1);
	ck_assert(id_eq(&ans.u.store_ack.nodes[0].id, simnet_id(sn, 2)));
	wire_msg_free(&ans);
	/* So for a FindNode; one that knows nothing gets both. */
	memset(&fm, 0, sizeof(fm));
	fm.type = WIRE_FIND_NODE;
	memset(fm.sender.b, 0x5b, ID_LEN);
	fm.txid = 81;
	fm.u.find_node.target = key;
	t_store_send(sn, &y, &fm, &ans);
	ck_assert_int_eq(ans.type, WIRE_NODES);
	ck_assert_uint_eq(ans.u.nodes.nnodes, 2);
	wire_msg_free(&ans);
	memcpy(fm.u.find_node.kn.known, simnet_id(sn, 2)->b,
	    WIRE_KNOWN_PREFIX);
	fm.u.find_node.kn.knownlen = WIRE_KNOWN_PREFIX;
	fm.txid = 82;
	t_store_send(sn, &y, &fm, &ans);
	ck_assert_int_eq(ans.type, WIRE_NODES);
	ck_assert_uint_eq(ans.u.nodes.nnodes, 1);
	ck_assert(id_eq(&ans.u.nodes.nodes[0].id, simnet_id(sn, 0)));
	wire_msg_free(&ans);

	/* Valid across one secret rotation, not two. */
	t_run(sn, TOKEN_ROTATE_MS + JOIN_MAINT_INTERVAL_MS);
	t_cookie_store(sn, &y, cookie, n, &ans);
	ck_assert_int_eq(ans.type, WIRE_STORE_ACK);
	wire_msg_free(&ans);
	t_run(sn, TOKEN_ROTATE_MS + JOIN_MAINT_INTERVAL_MS);
	t_cookie_store(sn, &y, cookie, n, &ans);
	ck_assert_int_eq(ans.type, WIRE_ERROR);
	wire_msg_free(&ans);
	simnet_free(sn);
}
END_TEST

/* ---- clamps ------------------------------------------------------------ */

/* Values from the network: expiry clamped to max_ttl, never extended. */
START_TEST(test_store_clamp)
{
	struct simnet *sn = t_net(2, 7, NULL);
	uint8_t tok[WIRE_MAX_TOKEN];
	struct wire_value v[3] = { { .data = NULL } };
	struct wire_msg m, ans;
	struct store_value sv;
	struct addr y;
	int64_t w;
	size_t n;

	simnet_outside_addr(&y, 101);
	w = simnet_wall(sn);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE;
	memset(m.sender.b, 0x5b, ID_LEN);
	m.txid = 79;
	id_from_name(&m.u.store.key, "clamp", 5);
	n = t_token(sn, &y, 1, &m.u.store.key, tok);
	v[0].data = (const uint8_t *)"far";	/* expiry far away */
	v[0].len = 3;
	v[0].created_ms = w;
	v[0].expires_ms = w + 1000LL * 86400 * 365;
	v[1].data = (const uint8_t *)"future";	/* created too far ahead */
	v[1].len = 6;
	v[1].created_ms = w + ENV_CLOCK_SKEW_MS + 1;
	v[1].expires_ms = w + 3600000;
	v[2].data = (const uint8_t *)"old";	/* already expired */
	v[2].len = 3;
	v[2].created_ms = w - 5000;
	v[2].expires_ms = w - 1;
	m.u.store.values = v;
	m.u.store.nvalues = 3;
	memcpy(m.u.store.token, tok, n);
	m.u.store.tokenlen = n;
	ck_assert_uint_eq(t_raw(sn, &y, 1, &m), 1);	/* one answer */
	t_captured_msg(sn, 0, &ans);
	ck_assert_int_eq(ans.type, WIRE_STORE_ACK);
	ck_assert_uint_eq(ans.u.store_ack.stored, 1);
	wire_msg_free(&ans);
	ck_assert_int_eq(t_held(sn, 1, &m.u.store.key, &sv), 1);
	ck_assert_uint_eq(sv.len, 3);
	ck_assert_int_eq(sv.expires_ms, w + (int64_t)t_cfg.max_ttl_s * 1000);
	simnet_free(sn);
}
END_TEST

/* A STORE of one value (data, created, expires) under key from y. */
static void
t_store_one(struct simnet *sn, const struct addr *y, const struct id *key,
    const char *data, int64_t created, int64_t expires)
{
	uint8_t tok[WIRE_MAX_TOKEN];
	struct wire_value v = { .data = NULL };
	struct wire_msg m, ans;
	size_t n;

	n = t_token(sn, y, 1, key, tok);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE;
	memset(m.sender.b, 0x5b, ID_LEN);
	m.txid = 80;
	m.u.store.key = *key;
	v.data = (const uint8_t *)data;
	v.len = (uint32_t)strlen(data);
	v.created_ms = created;
	v.expires_ms = expires;
	m.u.store.values = &v;
	m.u.store.nvalues = 1;
	memcpy(m.u.store.token, tok, n);
	m.u.store.tokenlen = n;
	ck_assert_uint_eq(t_raw(sn, y, 1, &m), 1);
	t_captured_msg(sn, 0, &ans);
	ck_assert_int_eq(ans.type, WIRE_STORE_ACK);
	ck_assert_uint_eq(ans.u.store_ack.stored, 1);
	wire_msg_free(&ans);
}

/*
 * No life past created + max_ttl: a value created 23 h 50 min ago lives
 * 10 more minutes whatever expiry it asks for, and STOREing the same
 * bytes again with fresh times (as often as one likes) keeps the first
 * creation time and does not extend it.
 */
START_TEST(test_store_no_extend)
{
	struct simnet *sn = t_net(2, 8, NULL);
	struct store_value sv;
	struct addr y;
	struct id key;
	int64_t w, life = (int64_t)t_cfg.max_ttl_s * 1000, c0;
	int i;

	simnet_outside_addr(&y, 101);
	id_from_name(&key, "extend", 6);
	w = simnet_wall(sn);
	c0 = w - life + 600000;
	t_store_one(sn, &y, &key, "old", c0, w + life);
	ck_assert_int_eq(t_held(sn, 1, &key, &sv), 1);
	ck_assert_int_eq(sv.created_ms, c0);
	ck_assert_int_eq(sv.expires_ms, c0 + life);
	for (i = 0; i < 3; i++) {
		t_run(sn, 60000);
		w = simnet_wall(sn);
		t_store_one(sn, &y, &key, "old", w, w + life);
		ck_assert_int_eq(t_held(sn, 1, &key, &sv), 1);
		ck_assert_int_eq(sv.created_ms, c0);
		ck_assert_int_eq(sv.expires_ms, c0 + life);
	}
	/* Gone at created + max_ttl. */
	t_run(sn, c0 + life - simnet_wall(sn) + 1000);
	ck_assert_int_eq(t_held(sn, 1, &key, NULL), 0);
	simnet_free(sn);
}
END_TEST

/* ---- long answers ------------------------------------------------------ */

/* A FIND_VALUE for key from x to node 1, echoing tok; how many came back. */
static size_t
t_raw_find_value(struct simnet *sn, const struct addr *x,
    const struct id *key, const uint8_t *tok, size_t toklen)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_FIND_VALUE;
	memset(m.sender.b, 0x77, ID_LEN);
	m.txid = 99;
	m.u.find_value.key = *key;
	if (toklen > 0)
		memcpy(m.u.find_value.token, tok, toklen);
	m.u.find_value.tokenlen = toklen;
	return t_raw(sn, x, 1, &m);
}

/* A GET_VALUES of one hash under key from x to node 1; how many came back. */
static size_t
t_raw_get_values(struct simnet *sn, const struct addr *x,
    const struct id *key, const uint8_t *hash, const uint8_t *tok,
    size_t toklen)
{
	uint8_t hashes[1][WIRE_HASH_LEN];
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_GET_VALUES;
	memset(m.sender.b, 0x77, ID_LEN);
	m.txid = 98;
	m.u.get_values.key = *key;
	memcpy(hashes[0], hash, WIRE_HASH_LEN);
	m.u.get_values.hashes = hashes;
	m.u.get_values.nhashes = 1;
	if (toklen > 0)
		memcpy(m.u.get_values.token, tok, toklen);
	m.u.get_values.tokenlen = toklen;
	return t_raw(sn, x, 1, &m);
}

/* The token and first digest of node 1's answer to x for key. */
static size_t
t_read_token(struct simnet *sn, const struct addr *x, const struct id *key,
    uint8_t *tok, uint8_t *hash)
{
	struct wire_msg a;
	size_t n;

	ck_assert_uint_eq(t_raw_find_value(sn, x, key, NULL, 0), 1);
	t_captured_msg(sn, 0, &a);
	ck_assert_int_eq(a.type, WIRE_VALUES);
	ck_assert_uint_eq(a.u.values.nvalues, 0);
	ck_assert_uint_ge(a.u.values.ndigests, 1);
	memcpy(hash, a.u.values.digests[0].hash, WIRE_HASH_LEN);
	n = a.u.values.tokenlen;
	memcpy(tok, a.u.values.token, n);
	wire_msg_free(&a);
	return n;
}

/*
 * Amplification: a FIND_VALUE whose page of digests needs fragments, from
 * an address that never proved itself, draws one datagram: the first page
 * cut to fit, with a token.  Echoing that token from the same address
 * draws the whole page; from another address, or made up, it does not.
 * Digests only, never value bytes: those come by GET_VALUES, and only for
 * the token node 1 gave that address for that key.
 */
START_TEST(test_long_answer_token)
{
	static uint8_t v[EMO_MAX_VALUE];
	struct simnet *sn = t_net(2, 18, NULL);
	uint8_t tok[WIRE_MAX_TOKEN], tok2[WIRE_MAX_TOKEN], bad[TOKEN_LEN];
	uint8_t hash[WIRE_HASH_LEN], hash2[WIRE_HASH_LEN];
	const struct simnet_dgram *d;
	struct wire_msg a;
	struct addr x, y;
	struct id key, big, small;
	size_t i, n, bytes, toklen, toklen2;
	int64_t w = simnet_wall(sn);

	simnet_outside_addr(&x, 100);
	simnet_outside_addr(&y, 101);
	id_from_name(&key, "amp", 3);
	id_from_name(&big, "big", 3);
	id_from_name(&small, "small", 5);
	for (i = 0; i < 64; i++) {
		memset(v, (int)i, 100);
		ck_assert_int_eq(store_put(simnet_store(sn, 1), key.b, v, 100,
		    w + (int64_t)i, w + 60000, w, NULL), 1);
	}
	memset(v, 0x33, sizeof(v));
	ck_assert_int_eq(store_put(simnet_store(sn, 1), big.b, v, sizeof(v),
	    w, w + 60000, w, NULL), 1);
	ck_assert_int_eq(store_put(simnet_store(sn, 1), small.b, v, 100,
	    w, w + 60000, w, NULL), 1);

	/* No token: one datagram, some digests, the count and a token. */
	ck_assert_uint_eq(t_raw_find_value(sn, &x, &key, NULL, 0), 1);
	ck_assert_uint_le(simnet_captured(sn, 0)->len, WIRE_MAX_DATAGRAM);
	t_captured_msg(sn, 0, &a);
	ck_assert_int_eq(a.type, WIRE_VALUES);
	ck_assert_uint_eq(a.u.values.nvalues, 0);
	ck_assert_uint_gt(a.u.values.ndigests, 0);
	ck_assert_uint_lt(a.u.values.ndigests, 64);
	ck_assert_uint_eq(a.u.values.total, 64);
	ck_assert_uint_eq(a.u.values.next_offset, a.u.values.ndigests);
	toklen = a.u.values.tokenlen;
	ck_assert_uint_eq(toklen, TOKEN_LEN);
	memcpy(tok, a.u.values.token, toklen);
	wire_msg_free(&a);
	ck_assert_uint_eq(t_stats(sn, 1).answers_cut, 1);

	/* The token from the wrong address, or a made-up one: cut again. */
	ck_assert_uint_eq(t_raw_find_value(sn, &y, &key, tok, toklen), 1);
	ck_assert_uint_le(simnet_captured(sn, 0)->len, WIRE_MAX_DATAGRAM);
	memset(bad, 0xaa, sizeof(bad));
	ck_assert_uint_eq(t_raw_find_value(sn, &x, &key, bad, sizeof(bad)),
	    1);
	ck_assert_uint_eq(t_stats(sn, 1).answers_cut, 3);

	/* x's own token: the whole page of 64 digests, in fragments. */
	n = t_raw_find_value(sn, &x, &key, tok, toklen);
	ck_assert_uint_gt(n, 1);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(simnet_captured(sn, i)->buf[3],
		    WIRE_KIND_FRAG);
	ck_assert_uint_eq(t_stats(sn, 1).answers_cut, 3);

	/*
	 * An answer that fits a datagram needs no token, and the bytes of a
	 * small value ride with its digest (serve_inline): still within the
	 * (padded) request's size.  None rode in the cut pages above.
	 */
	ck_assert_uint_eq(t_stats(sn, 1).values_inlined, 0);
	ck_assert_uint_eq(t_raw_find_value(sn, &y, &small, NULL, 0), 1);
	ck_assert_uint_le(simnet_captured(sn, 0)->len, WIRE_MAX_DATAGRAM);
	t_captured_msg(sn, 0, &a);
	ck_assert_uint_eq(a.u.values.ndigests, 1);
	ck_assert_uint_eq(a.u.values.digests[0].len, 100);
	ck_assert_uint_eq(a.u.values.nvalues, 1);
	ck_assert_uint_eq(a.u.values.values[0].len, 100);
	ck_assert_int_eq(a.u.values.values[0].data[99], 0x33);
	wire_msg_free(&a);
	ck_assert_uint_eq(t_stats(sn, 1).answers_cut, 3);
	ck_assert_uint_eq(t_stats(sn, 1).values_inlined, 1);
	/* A 32 KiB value never rides along, even to a proven asker. */
	toklen2 = t_read_token(sn, &x, &big, tok2, hash2);
	ck_assert_uint_eq(t_raw_find_value(sn, &x, &big, tok2, toklen2), 1);
	t_captured_msg(sn, 0, &a);
	ck_assert_uint_eq(a.u.values.ndigests, 1);
	ck_assert_uint_eq(a.u.values.nvalues, 0);
	wire_msg_free(&a);
	ck_assert_uint_eq(t_stats(sn, 1).values_inlined, 1);

	/* GET_VALUES with x's token for big, from x: the 32 KiB value. */
	toklen2 = t_read_token(sn, &x, &big, tok2, hash2);
	ck_assert_uint_eq(t_read_token(sn, &x, &key, tok, hash), toklen);
	n = t_raw_get_values(sn, &x, &big, hash2, tok2, toklen2);
	ck_assert_uint_gt(n, 20);
	for (bytes = 0, i = 0; i < n; i++) {
		d = simnet_captured(sn, i);
		ck_assert_int_eq(d->buf[3], WIRE_KIND_FRAG);
		bytes += d->len;
	}
	ck_assert_uint_gt(bytes, sizeof(v));
	ck_assert_uint_eq(t_stats(sn, 1).values_fetched, 1);
	ck_assert_uint_eq(t_stats(sn, 1).fetch_bad_token, 0);

	/*
	 * From y with x's token, with x's token for another key, or with a
	 * made-up one: a small error, no values.
	 */
	ck_assert_uint_eq(t_raw_get_values(sn, &y, &big, hash2, tok2,
	    toklen2), 1);
	t_captured_msg(sn, 0, &a);
	ck_assert_int_eq(a.type, WIRE_ERROR);
	ck_assert_uint_eq(a.u.error.code, WIRE_ERR_BAD_TOKEN);
	wire_msg_free(&a);
	ck_assert_uint_eq(t_raw_get_values(sn, &x, &big, hash2, tok, toklen),
	    1);
	t_captured_msg(sn, 0, &a);
	ck_assert_int_eq(a.type, WIRE_ERROR);
	wire_msg_free(&a);
	ck_assert_uint_eq(t_raw_get_values(sn, &x, &big, hash2, bad,
	    sizeof(bad)), 1);
	t_captured_msg(sn, 0, &a);
	ck_assert_int_eq(a.type, WIRE_ERROR);
	wire_msg_free(&a);
	ck_assert_uint_eq(t_stats(sn, 1).fetch_bad_token, 3);
	ck_assert_uint_eq(t_stats(sn, 1).values_fetched, 1);

	/* A hash the key does not hold: an answer without values. */
	ck_assert_uint_eq(t_raw_get_values(sn, &x, &key, hash2, tok, toklen),
	    1);
	t_captured_msg(sn, 0, &a);
	ck_assert_int_eq(a.type, WIRE_VALUES);
	ck_assert_uint_eq(a.u.values.nvalues, 0);
	wire_msg_free(&a);
	/* x's token for key and one of its hashes: that value. */
	ck_assert_uint_eq(t_raw_get_values(sn, &x, &key, hash, tok, toklen),
	    1);
	t_captured_msg(sn, 0, &a);
	ck_assert_int_eq(a.type, WIRE_VALUES);
	ck_assert_uint_eq(a.u.values.nvalues, 1);
	ck_assert_uint_eq(a.u.values.values[0].len, 100);
	ck_assert_int_eq(a.u.values.values[0].data[0], 0);
	wire_msg_free(&a);
	ck_assert_uint_eq(t_stats(sn, 1).values_fetched, 2);
	simnet_free(sn);
}
END_TEST

/* ---- malformed input --------------------------------------------------- */

/* Hands node 1 one datagram from x; returns what the network carried. */
static uint64_t
t_input(struct simnet *sn, const struct addr *x, const uint8_t *buf,
    size_t len)
{
	struct simnet_stats ns;

	ck_assert_int_eq(simnet_inject(sn, x, 1, buf, len), 0);
	t_flush(sn);
	simnet_get_stats(sn, &ns);
	return ns.sent;
}

START_TEST(test_malformed)
{
	static uint8_t big[8192];
	struct simnet *sn = t_net(2, 9, NULL);
	uint8_t buf[512], junk[64], tok[TOKEN_LEN] = { 0 };
	struct wire_value wv = { .data = NULL };
	struct wire_msg m;
	struct dht_stats st;
	struct addr x;
	struct res r;
	ssize_t len;
	size_t i;
	uint64_t before;

	simnet_outside_addr(&x, 100);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_FIND_NODE;
	memset(m.sender.b, 0x11, ID_LEN);
	m.txid = 5;
	len = wire_encode(&m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	/* Every truncation of a valid packet: dropped, nothing sent. */
	for (i = 0; i < (size_t)len; i++)
		ck_assert_uint_eq(t_input(sn, &x, buf, i), 0);
	st = t_stats(sn, 1);
	ck_assert_uint_eq(st.rx_dropped_decode, (uint64_t)len);
	/* Garbage, and the Go crash: a fragment claiming part 255 of 255. */
	before = st.rx_dropped_decode;
	memset(junk, 0xff, sizeof(junk));
	t_input(sn, &x, junk, sizeof(junk));
	memcpy(junk, "EM\x02\x01", 4);
	t_input(sn, &x, junk, 40);
	junk[3] = 2;	/* a NACK for nothing */
	t_input(sn, &x, junk, 20);
	ck_assert_uint_eq(t_stats(sn, 1).rx_dropped_version, 0);
	/* A node of the previous release (format 1): counted as such. */
	memcpy(junk, "EM\x01\x00", 4);
	t_input(sn, &x, junk, 40);
	ck_assert_uint_eq(t_stats(sn, 1).rx_dropped_version, 1);
	/* Our own ID as sender. */
	memcpy(m.sender.b, simnet_id(sn, 1)->b, ID_LEN);
	len = wire_encode(&m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	t_input(sn, &x, buf, (size_t)len);
	/* A whole message longer than a datagram: valid, but refused. */
	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE;
	memset(m.sender.b, 0x12, ID_LEN);
	memset(big, 1, sizeof(big));
	wv.data = big;
	wv.len = 2000;
	wv.created_ms = simnet_wall(sn);
	wv.expires_ms = simnet_wall(sn) + 1000;
	m.u.store.values = &wv;
	m.u.store.nvalues = 1;
	memcpy(m.u.store.token, tok, sizeof(tok));
	m.u.store.tokenlen = sizeof(tok);
	len = wire_encode(&m, big + 2048, sizeof(big) - 2048);
	ck_assert_int_gt(len, WIRE_MAX_DATAGRAM);
	ck_assert_uint_eq(t_input(sn, &x, big + 2048, (size_t)len), 0);
	st = t_stats(sn, 1);
	ck_assert_uint_eq(st.rx_dropped_decode, before + 4);
	ck_assert_uint_eq(st.rx_dropped_token, 0);
	ck_assert_uint_ge(st.rx_dropped_frag, 2);
	ck_assert_uint_eq(simnet_ncaptured(sn), 0);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 1)), 0);
	/* Still serving. */
	memset(&r, 0, sizeof(r));
	dht_ping(simnet_dht(sn, 0), simnet_addr(sn, 1), simnet_now(sn),
	    ping_cb, &r);
	simnet_touch(sn, 0);
	t_run(sn, 1);
	ck_assert_int_eq(r.err, DHT_OK);
	ck_assert_int_eq(r.calls, 1);
	simnet_free(sn);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("serve");
	TCase *tc;

	tc = tcase_create("token");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_store_token);
	tcase_add_test(tc, test_store_cookie);
	suite_add_tcase(s, tc);

	tc = tcase_create("clamp");
	tcase_add_test(tc, test_store_clamp);
	tcase_add_test(tc, test_store_no_extend);
	suite_add_tcase(s, tc);

	tc = tcase_create("long");
	tcase_add_test(tc, test_long_answer_token);
	suite_add_tcase(s, tc);

	tc = tcase_create("input");
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);
	return check_run(s);
}

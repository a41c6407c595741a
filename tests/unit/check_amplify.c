/*
 * check_amplify — the amplification rule (docs/PROTOCOL.md, "Cookies"):
 * a request from an address that proved nothing (no cookie we gave it, no
 * write token in its body) draws at most as many bytes, everything the
 * engine sends to that address counted, as it carried; with a valid
 * cookie it draws the whole answer.  A cookie of another address, a stale
 * one, a write token in its place: unproven.  The requester's side: the
 * engine pads first contacts, echoes cookies, and resends once after a
 * Retry.  Prints the table of ratios.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "frag.h"
#include "rpc.h"
#include "simnet.h"
#include "token.h"
#include "wire.h"
#include "check_util.h"
#include "check_engine.h"

#define A_NODES		21	/* node 0 answers FIND_NODE with 20 nodes */
#define A_SMALL		100	/* bytes of a small value */

/* Node 0's keys: one small value, 100 small values, three of 32 KiB. */
static struct id k_one, k_many, k_big, k_none;
/* The digests of k_big's three values, for GET_VALUES. */
static uint8_t h_big[3][WIRE_HASH_LEN];

static struct simnet *
a_net(uint64_t seed)
{
	static uint8_t v[EMO_MAX_VALUE];
	struct simnet_config cfg;
	struct simnet *sn;
	int64_t w;
	size_t i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.seed = seed;
	cfg.dht = t_cfg;
	cfg.max_values_per_key = 128;
	cfg.max_steps = T_STEPS;
	sn = simnet_new(&cfg);
	ck_assert_ptr_nonnull(sn);
	simnet_capture(sn, T_CAPTURE);
	for (i = 0; i < A_NODES; i++)
		ck_assert_int_eq(simnet_add(sn), (long)i);
	t_join_all(sn);
	id_from_name(&k_one, "one", 3);
	id_from_name(&k_many, "many", 4);
	id_from_name(&k_big, "big", 3);
	id_from_name(&k_none, "none", 4);
	w = simnet_wall(sn);
	memset(v, 0x61, sizeof(v));
	ck_assert_int_eq(store_put(simnet_store(sn, 0), k_one.b, v, A_SMALL,
	    w, w + 3600000, w, NULL), 1);
	for (i = 0; i < 100; i++) {
		v[0] = (uint8_t)i;
		ck_assert_int_eq(store_put(simnet_store(sn, 0), k_many.b, v,
		    A_SMALL, w + (int64_t)i, w + 3600000, w, NULL), 1);
	}
	for (i = 0; i < 3; i++) {
		v[0] = (uint8_t)i;
		ck_assert_int_eq(store_put(simnet_store(sn, 0), k_big.b, v,
		    sizeof(v), w + (int64_t)i, w + 3600000, w, NULL), 1);
		store_hash(v, sizeof(v), h_big[i]);
	}
	return sn;
}

/* A request of type `type` about key, from an outside node. */
static void
a_msg(struct wire_msg *m, enum wire_type type, const struct id *key)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	memset(m->sender.b, 0x5b, ID_LEN);
	m->txid = 0x1122334455667788ULL;
	if (type == WIRE_FIND_NODE)
		m->u.find_node.target = *key;
	else if (type == WIRE_FIND_VALUE)
		m->u.find_value.key = *key;
	else if (type == WIRE_STORE)
		m->u.store.key = *key;
	else if (type == WIRE_GET_VALUES) {
		m->u.get_values.key = *key;
		m->u.get_values.hashes =
		    (const uint8_t (*)[WIRE_HASH_LEN])h_big;
		m->u.get_values.nhashes = 3;
	}
}

/* Bytes of everything captured that went to a, and how many datagrams. */
static size_t
a_bytes_to(struct simnet *sn, const struct addr *a, size_t *ndgrams)
{
	const struct simnet_dgram *d;
	size_t i, bytes = 0, n = 0;

	for (i = 0; i < simnet_ncaptured(sn); i++) {
		d = simnet_captured(sn, i);
		if (!addr_eq(&d->to, a))
			continue;
		bytes += d->len;
		n++;
	}
	if (ndgrams != NULL)
		*ndgrams = n;
	return bytes;
}

struct a_inject {
	struct simnet		*sn;
	const struct addr	*from;
	size_t			 bytes;
};

static void
a_emit(void *arg, const struct addr *to, const uint8_t *buf, size_t len)
{
	struct a_inject *ai = arg;

	ck_assert_int_eq(simnet_inject(ai->sn, ai->from, 0, buf, len), 0);
	ai->bytes += len;
}

/*
 * Injects m from a to node 0, exactly as given (in fragments if longer
 * than a datagram, every fragment counted), runs a while (admission
 * pings, NACKs would go), and returns the bytes sent in; *out the bytes
 * sent back to a, in *ndgrams datagrams.
 */
static size_t
a_send(struct simnet *sn, const struct addr *a, const struct wire_msg *m,
    size_t *out, size_t *ndgrams)
{
	static uint8_t buf[WIRE_MAX_MESSAGE];
	struct a_inject ai = { sn, a, 0 };
	ssize_t len;

	len = wire_encode(m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	t_flush(sn);
	simnet_capture_clear(sn);
	ck_assert_int_gt(frag_split(buf, (size_t)len, 42, simnet_addr(sn, 0),
	    a_emit, &ai), 0);
	t_run(sn, 2000);
	*out = a_bytes_to(sn, a, ndgrams);
	return ai.bytes;
}

/* The cookie node 0 gives a, got with a padded PING (0 if none came). */
static size_t
a_cookie(struct simnet *sn, const struct addr *a, uint8_t *c)
{
	struct wire_msg m, ans;
	size_t n;

	a_msg(&m, WIRE_PING, &k_none);
	t_pad(&m, RPC_PAD_PING_LEN);
	ck_assert_uint_eq(wire_encoded_len(&m), RPC_PAD_PING_LEN);
	ck_assert_uint_eq(t_raw_bare(sn, a, 0, &m), 1);
	t_captured_msg(sn, 0, &ans);
	ck_assert_int_eq(ans.type, WIRE_PONG);
	ck_assert_uint_le(simnet_captured(sn, 0)->len, RPC_PAD_PING_LEN);
	n = ans.cookielen;
	memcpy(c, ans.cookie, n);
	wire_msg_free(&ans);
	return n;
}

/* a answers a PING of node 0's: it "answered us recently". */
static void
a_answered(struct simnet *sn, const struct addr *a)
{
	uint8_t buf[WIRE_MAX_DATAGRAM];
	struct wire_msg q, r;
	struct res p;
	ssize_t len;

	memset(&p, 0, sizeof(p));
	t_flush(sn);
	simnet_capture_clear(sn);
	ck_assert_int_eq(dht_ping(simnet_dht(sn, 0), a, simnet_now(sn),
	    ping_cb, &p), 0);
	simnet_touch(sn, 0);
	t_flush(sn);
	t_captured_msg(sn, 0, &q);
	memset(&r, 0, sizeof(r));
	r.type = WIRE_PONG;
	memset(r.sender.b, 0x5b, ID_LEN);
	r.txid = q.txid;
	r.u.pong.observed = *simnet_addr(sn, 0);
	wire_msg_free(&q);
	len = wire_encode(&r, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(simnet_inject(sn, a, 0, buf, (size_t)len), 0);
	t_flush(sn);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.err, DHT_OK);
	res_free(&p);
}

struct a_row {
	const char	*what;
	enum wire_type	 type;
	const struct id	*key;
	/*
	 * 1: a made-up cookie; 2, 3: a STORE with a bad token; 4, 5: padded
	 * as the engine's first contact is; 6: from an address that answered
	 * one of node 0's requests just before (once a proof: no more).
	 */
	int		 junk;
};

/* ---- unproven: at most the request's bytes ------------------------------- */

START_TEST(test_unproven)
{
	static uint8_t v[4096];
	struct simnet *sn = a_net(31);
	struct a_row rows[] = {
		{ "PING", WIRE_PING, &k_none, 0 },
		{ "FIND_NODE", WIRE_FIND_NODE, &k_none, 0 },
		{ "FIND_VALUE, no value", WIRE_FIND_VALUE, &k_none, 0 },
		{ "FIND_VALUE, 1 small value", WIRE_FIND_VALUE, &k_one, 0 },
		{ "FIND_VALUE, 100 values", WIRE_FIND_VALUE, &k_many, 0 },
		{ "FIND_VALUE, 3 of 32 KiB", WIRE_FIND_VALUE, &k_big, 0 },
		{ "FIND_VALUE, made-up cookie", WIRE_FIND_VALUE, &k_many, 1 },
		{ "FIND_NODE, made-up cookie", WIRE_FIND_NODE, &k_none, 1 },
		{ "STORE, bad token", WIRE_STORE, &k_one, 2 },
		{ "STORE 4 KiB, bad token", WIRE_STORE, &k_one, 3 },
		{ "PING, padded to 89", WIRE_PING, &k_none, 4 },
		{ "FIND_NODE, padded to 1232", WIRE_FIND_NODE, &k_none, 5 },
		{ "FIND_VALUE 100, padded", WIRE_FIND_VALUE, &k_many, 5 },
		{ "FIND_VALUE 32 KiB, padded", WIRE_FIND_VALUE, &k_big, 5 },
		{ "FIND_VALUE 32 KiB, answered", WIRE_FIND_VALUE, &k_big, 6 },
		{ "GET_VALUES 3 of 32 KiB, no token", WIRE_GET_VALUES, &k_big,
		    0 },
		{ "GET_VALUES, made-up token", WIRE_GET_VALUES, &k_big, 7 },
		{ "GET_VALUES, padded", WIRE_GET_VALUES, &k_big, 5 },
	};
	struct wire_value wv = { .data = NULL };
	struct wire_msg m;
	struct addr a;
	size_t i, in, out, n;

	memset(v, 0x77, sizeof(v));
	printf("amplification from an unproven source (bytes to it / "
	    "bytes from it):\n");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* A new address each: no rate limit, no earlier proof. */
		simnet_outside_addr(&a, 200 + (uint32_t)i);
		a_msg(&m, rows[i].type, rows[i].key);
		if (rows[i].junk == 1) {
			memset(m.cookie, 0xc0, TOKEN_COOKIE_LEN);
			m.cookielen = TOKEN_COOKIE_LEN;
		} else if (rows[i].junk == 4)
			t_pad(&m, RPC_PAD_PING_LEN);
		else if (rows[i].junk == 5)
			t_pad(&m, RPC_PAD_FIND_LEN);
		else if (rows[i].junk == 6)
			a_answered(sn, &a);
		else if (rows[i].junk == 7) {
			memset(m.u.get_values.token, 0xee, TOKEN_LEN);
			m.u.get_values.tokenlen = TOKEN_LEN;
		}
		else if (rows[i].junk >= 2) {
			wv.data = v;
			wv.len = rows[i].junk == 2 ? 10 : sizeof(v);
			wv.created_ms = simnet_wall(sn);
			wv.expires_ms = simnet_wall(sn) + 60000;
			m.u.store.values = &wv;
			m.u.store.nvalues = 1;
			memset(m.u.store.token, 0xee, TOKEN_LEN);
			m.u.store.tokenlen = TOKEN_LEN;
		}
		in = a_send(sn, &a, &m, &out, &n);
		printf("  %-28s %6zu in %6zu out (%zu datagrams) %.2fx\n",
		    rows[i].what, in, out, n, (double)out / (double)in);
		ck_assert_msg(out <= in, "%s: %zu bytes out for %zu in",
		    rows[i].what, out, in);
	}
	/* Some were withheld or replaced by a Retry; none cut beyond. */
	ck_assert_uint_gt(t_stats(sn, 0).answers_retry, 0);
	ck_assert_uint_gt(t_stats(sn, 0).answers_withheld, 0);
	simnet_free(sn);
}
END_TEST

/*
 * Malformed but decodable: a cookie of the maximum length, an absurd
 * offset, a huge pad (which only makes the request longer), answers sent
 * as requests, a NACK for nothing.  Never more out than in.
 */
START_TEST(test_odd)
{
	struct simnet *sn = a_net(32);
	struct wire_msg m;
	struct addr a;
	size_t in, out, n;
	uint8_t nack[FRAG_NACK_HDR_LEN + 1];
	int k;

	for (k = 0; k < 7; k++) {
		simnet_outside_addr(&a, 300 + (uint32_t)k);
		switch (k) {
		case 0:
			a_msg(&m, WIRE_FIND_VALUE, &k_many);
			memset(m.cookie, 0x11, WIRE_MAX_COOKIE);
			m.cookielen = WIRE_MAX_COOKIE;
			m.u.find_value.offset = UINT32_MAX;
			break;
		case 1:
			a_msg(&m, WIRE_FIND_VALUE, &k_big);
			m.u.find_value.offset = 2;
			m.u.find_value.since_ms = 1;
			break;
		case 2:
			a_msg(&m, WIRE_PING, &k_none);
			m.padlen = 1000;
			break;
		case 3:
			a_msg(&m, WIRE_NODES, &k_none);
			break;
		case 4:
			a_msg(&m, WIRE_RETRY, &k_none);
			m.cookielen = TOKEN_COOKIE_LEN;
			break;
		case 5:
			a_msg(&m, WIRE_FIND_VALUE, &k_many);
			memset(m.u.find_value.token, 0x22, TOKEN_LEN);
			m.u.find_value.tokenlen = TOKEN_LEN;
			break;
		default:
			break;
		}
		if (k == 6) {
			/* A NACK for a message never sent: nothing. */
			memset(nack, 0, sizeof(nack));
			nack[0] = WIRE_MAGIC0;
			nack[1] = WIRE_MAGIC1;
			nack[2] = WIRE_VERSION;
			nack[3] = WIRE_KIND_NACK;
			nack[13] = 1;
			nack[FRAG_NACK_HDR_LEN] = 1;
			t_flush(sn);
			simnet_capture_clear(sn);
			ck_assert_int_eq(simnet_inject(sn, &a, 0, nack,
			    sizeof(nack)), 0);
			t_run(sn, 1000);
			ck_assert_uint_eq(a_bytes_to(sn, &a, NULL), 0);
			continue;
		}
		in = a_send(sn, &a, &m, &out, &n);
		ck_assert_msg(out <= in, "case %d: %zu bytes out for %zu in",
		    k, out, in);
		/*
		 * The big pad leaves room: a PONG and an admission ping,
		 * one try (it times out within the run, counted apart).
		 */
		if (k == 2) {
			ck_assert_uint_eq(n, 2);
			ck_assert_uint_eq(t_stats(sn, 0).admit_timeouts, 1);
		}
	}
	simnet_free(sn);
}
END_TEST

/* ---- proven: the whole answer ------------------------------------------- */

START_TEST(test_cookie_proves)
{
	struct simnet *sn = a_net(33);
	uint8_t c[WIRE_MAX_COOKIE];
	struct wire_msg m, ans;
	struct addr a;
	size_t cl, in, out, n;

	simnet_outside_addr(&a, 400);
	cl = a_cookie(sn, &a, c);
	ck_assert_uint_eq(cl, TOKEN_COOKIE_LEN);

	/* FIND_NODE: the 20 closest, a ~1 KB answer to an 95-byte ask. */
	a_msg(&m, WIRE_FIND_NODE, &k_none);
	memcpy(m.cookie, c, cl);
	m.cookielen = cl;
	ck_assert_uint_eq(t_raw_bare(sn, &a, 0, &m), 1);
	t_captured_msg(sn, 0, &ans);
	ck_assert_int_eq(ans.type, WIRE_NODES);
	ck_assert_uint_eq(ans.u.nodes.nnodes, ROUTE_K);
	/* The echo was current: no new cookie in the answer. */
	ck_assert_uint_eq(ans.cookielen, 0);
	ck_assert_uint_gt(simnet_captured(sn, 0)->len, wire_encoded_len(&m));
	wire_msg_free(&ans);

	/* 100 values: the first page whole, in fragments. */
	a_msg(&m, WIRE_FIND_VALUE, &k_many);
	memcpy(m.cookie, c, cl);
	m.cookielen = cl;
	in = a_send(sn, &a, &m, &out, &n);
	printf("with a cookie: FIND_VALUE, 100 values: %zu in, %zu out "
	    "(%zu datagrams)\n", in, out, n);
	ck_assert_uint_gt(n, 1);
	/* A page of 64 digests, each more than its hash. */
	ck_assert_uint_gt(out, 64 * WIRE_HASH_LEN);

	/*
	 * GET_VALUES wants its token whatever the cookie: without one, a
	 * small error, never the 3 values of 32 KiB (test_token_proves).
	 */
	a_msg(&m, WIRE_GET_VALUES, &k_big);
	memcpy(m.cookie, c, cl);
	m.cookielen = cl;
	in = a_send(sn, &a, &m, &out, &n);
	printf("with a cookie, no token: GET_VALUES, 3 of 32 KiB: %zu in, "
	    "%zu out (%zu datagrams)\n", in, out, n);
	ck_assert_uint_le(out, in);

	/* One rotation later the cookie still proves, and a fresh one comes. */
	t_run(sn, TOKEN_ROTATE_MS + 1000);
	a_msg(&m, WIRE_FIND_NODE, &k_none);
	memcpy(m.cookie, c, cl);
	m.cookielen = cl;
	ck_assert_uint_eq(t_raw_bare(sn, &a, 0, &m), 1);
	t_captured_msg(sn, 0, &ans);
	ck_assert_int_eq(ans.type, WIRE_NODES);
	ck_assert_uint_eq(ans.cookielen, TOKEN_COOKIE_LEN);
	ck_assert_mem_ne(ans.cookie, c, cl);
	wire_msg_free(&ans);
	simnet_free(sn);
}
END_TEST

/*
 * Not proofs: another address's cookie, a cookie two rotations old, a
 * write token (whole or cut to a cookie's length) in the cookie field.
 * A Retry carries the right cookie, and asking again with it works.
 */
START_TEST(test_not_proofs)
{
	struct simnet *sn = a_net(34);
	uint8_t ca[WIRE_MAX_COOKIE], cb[WIRE_MAX_COOKIE], tok[WIRE_MAX_TOKEN];
	struct wire_msg m, ans;
	struct addr a, b;
	size_t la, lb, lt, in, out;
	int k;

	simnet_outside_addr(&a, 500);
	simnet_outside_addr(&b, 501);
	la = a_cookie(sn, &a, ca);
	lb = a_cookie(sn, &b, cb);
	lt = t_token(sn, &a, 0, &k_many, tok);
	ck_assert_uint_eq(lt, TOKEN_LEN);
	for (k = 0; k < 3; k++) {
		a_msg(&m, WIRE_FIND_VALUE, &k_many);
		if (k == 0) {
			memcpy(m.cookie, cb, lb);	/* b's, from a */
			m.cookielen = lb;
		} else {
			memcpy(m.cookie, tok, k == 1 ? TOKEN_COOKIE_LEN : lt);
			m.cookielen = k == 1 ? TOKEN_COOKIE_LEN : lt;
		}
		in = a_send(sn, &a, &m, &out, NULL);
		ck_assert_msg(out <= in, "case %d: %zu out for %zu in", k,
		    out, in);
	}
	/* A FIND_NODE with b's cookie: a Retry with a's, which works. */
	a_msg(&m, WIRE_FIND_NODE, &k_none);
	memcpy(m.cookie, cb, lb);
	m.cookielen = lb;
	ck_assert_uint_eq(t_raw_bare(sn, &a, 0, &m), 1);
	t_captured_msg(sn, 0, &ans);
	ck_assert_int_eq(ans.type, WIRE_RETRY);
	ck_assert_uint_eq(ans.txid, m.txid);
	ck_assert_uint_eq(ans.cookielen, la);
	ck_assert_mem_eq(ans.cookie, ca, la);
	ck_assert_uint_le(simnet_captured(sn, 0)->len, wire_encoded_len(&m));
	wire_msg_free(&ans);
	memcpy(m.cookie, ca, la);
	ck_assert_uint_eq(t_raw_bare(sn, &a, 0, &m), 1);
	t_captured_msg(sn, 0, &ans);
	ck_assert_int_eq(ans.type, WIRE_NODES);
	wire_msg_free(&ans);

	/* Two rotations: a's cookie is stale. */
	t_run(sn, 2 * TOKEN_ROTATE_MS + 1000);
	a_msg(&m, WIRE_FIND_VALUE, &k_big);
	memcpy(m.cookie, ca, la);
	m.cookielen = la;
	in = a_send(sn, &a, &m, &out, NULL);
	ck_assert_uint_le(out, in);
	simnet_free(sn);
}
END_TEST

/*
 * The write token in a GET_VALUES's (or FIND_VALUE's) body proves (a, key)
 * as a cookie does.
 */
START_TEST(test_token_proves)
{
	struct simnet *sn = a_net(35);
	uint8_t tok[WIRE_MAX_TOKEN];
	struct wire_msg m;
	struct addr a, b;
	size_t lt, in, out, n;

	simnet_outside_addr(&a, 600);
	simnet_outside_addr(&b, 601);
	lt = t_token(sn, &a, 0, &k_big, tok);
	a_msg(&m, WIRE_GET_VALUES, &k_big);
	memcpy(m.u.get_values.token, tok, lt);
	m.u.get_values.tokenlen = lt;
	in = a_send(sn, &a, &m, &out, &n);
	ck_assert_uint_gt(out, 2 * EMO_MAX_VALUE);
	/* From b, or for another key: no proof. */
	in = a_send(sn, &b, &m, &out, &n);
	ck_assert_uint_le(out, in);
	m.u.get_values.key = k_many;
	in = a_send(sn, &a, &m, &out, &n);
	ck_assert_uint_le(out, in);
	simnet_free(sn);
}
END_TEST

/* ---- the requester's side ------------------------------------------------ */

/*
 * Node 0's requests: a first PING padded to RPC_PAD_PING_LEN, a first
 * FIND_NODE to a full datagram; after an answer's cookie, no padding but
 * the echo.  A Retry makes the request go again at once with the Retry's
 * cookie; a second Retry fails it (no timeout waited for).
 */
START_TEST(test_requester)
{
	struct simnet *sn = t_net(1, 36, NULL);
	const struct simnet_dgram *d;
	uint8_t buf[WIRE_MAX_DATAGRAM];
	struct wire_msg q, r;
	struct addr x;
	struct res p;
	ssize_t len;
	int k;

	memset(&p, 0, sizeof(p));
	simnet_outside_addr(&x, 700);
	ck_assert_int_eq(dht_ping(simnet_dht(sn, 0), &x, simnet_now(sn),
	    ping_cb, &p), 0);
	simnet_touch(sn, 0);
	t_flush(sn);
	ck_assert_uint_eq(simnet_ncaptured(sn), 1);
	d = simnet_captured(sn, 0);
	ck_assert_uint_eq(d->len, RPC_PAD_PING_LEN);
	for (k = 0; k < 2; k++) {
		t_captured_msg(sn, simnet_ncaptured(sn) - 1, &q);
		ck_assert_int_eq(q.type, WIRE_PING);
		if (k == 1) {
			/* The resend echoes the Retry's cookie. */
			ck_assert_uint_eq(q.cookielen, 8);
			ck_assert_int_eq(q.cookie[0], 0x99);
			ck_assert_uint_ge(simnet_captured(sn,
			    simnet_ncaptured(sn) - 1)->len, RPC_PAD_RETRY_LEN);
		}
		memset(&r, 0, sizeof(r));
		r.type = WIRE_RETRY;
		memset(r.sender.b, 0x5c, ID_LEN);
		r.txid = q.txid;
		memset(r.cookie, 0x99 + k, 8);
		r.cookielen = 8;
		wire_msg_free(&q);
		len = wire_encode(&r, buf, sizeof(buf));
		ck_assert_int_gt(len, 0);
		ck_assert_int_eq(simnet_inject(sn, &x, 0, buf, (size_t)len),
		    0);
		t_flush(sn);
		if (k == 0) {
			ck_assert_int_eq(p.calls, 0);
			ck_assert_uint_eq(simnet_ncaptured(sn), 2);
		}
	}
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_ne(p.err, DHT_OK);
	ck_assert_uint_eq(t_stats(sn, 0).rpc_cookie_resends, 1);
	ck_assert_uint_eq(t_stats(sn, 0).rpc_retry_failed, 1);
	/* The last cookie given is kept: the next PING echoes it. */
	simnet_capture_clear(sn);
	ck_assert_int_eq(dht_ping(simnet_dht(sn, 0), &x, simnet_now(sn),
	    ping_cb, &p), 0);
	simnet_touch(sn, 0);
	t_flush(sn);
	t_captured_msg(sn, 0, &q);
	ck_assert_uint_eq(q.cookielen, 8);
	ck_assert_int_eq(q.cookie[0], 0x9a);
	/* A challenge (16 bytes of nonce): longer than a Retry needs. */
	ck_assert_uint_eq(q.u.ping.noncelen, RPC_NONCE_LEN);
	ck_assert_uint_ge(simnet_captured(sn, 0)->len, RPC_PAD_RETRY_LEN);
	wire_msg_free(&q);
	res_free(&p);
	simnet_free(sn);
}
END_TEST

static void
a_find_cb(void *arg, enum dht_err err, const struct route_node *n,
    size_t count, int64_t now_ms)
{
	struct res *r = arg;

	r->calls++;
	r->err = err;
}

/*
 * Node 1 restarts (new secrets) and joins again, so the cookie node 0
 * holds for it is void; node 0's next lookup draws a Retry from node 1,
 * resends at once with the fresh cookie and waits for no timeout.  And
 * the largest PONG, with its identity proof, fits RPC_PAD_PING_LEN.
 */
START_TEST(test_restart_retry)
{
	struct simnet *sn = t_net(A_NODES, 37, NULL);
	struct dht_stats st0;
	struct wire_msg pong;
	struct addr v6;
	struct res p;
	const char *errstr;
	size_t via = 0;

	memset(&p, 0, sizeof(p));
	t_join_all(sn);
	ck_assert_int_eq(simnet_restart(sn, 1, NULL), 0);
	simnet_bootstrap(sn, 1, &via, 1);
	t_run(sn, 1000);
	st0 = t_stats(sn, 0);
	ck_assert_int_eq(dht_find_node(simnet_dht(sn, 0), simnet_id(sn, 1),
	    simnet_now(sn), a_find_cb, &p), 0);
	simnet_touch(sn, 0);
	t_run(sn, 500);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_uint_ge(t_stats(sn, 0).rpc_cookie_resends,
	    st0.rpc_cookie_resends + 1);
	ck_assert_uint_ge(t_stats(sn, 1).answers_retry, 1);
	ck_assert_uint_eq(t_stats(sn, 0).rpc_timeouts, st0.rpc_timeouts);

	memset(&pong, 0, sizeof(pong));
	pong.type = WIRE_PONG;
	memset(pong.sender.b, 0xff, ID_LEN);
	pong.txid = UINT64_MAX;
	ck_assert_int_eq(addr_parse(&v6, "[2001:db8::ffff:1]:65535", &errstr),
	    0);
	pong.u.pong.observed = v6;
	pong.cookielen = WIRE_MAX_COOKIE;
	/* With the identity proof a challenge's Pong carries. */
	pong.u.pong.has_proof = 1;
	ck_assert_uint_eq(wire_encoded_len(&pong), RPC_PAD_PING_LEN);
	res_free(&p);
	simnet_free(sn);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("amplify");
	TCase *tc;

	tc = tcase_create("responder");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_unproven);
	tcase_add_test(tc, test_odd);
	tcase_add_test(tc, test_cookie_proves);
	tcase_add_test(tc, test_not_proofs);
	tcase_add_test(tc, test_token_proves);
	suite_add_tcase(s, tc);

	tc = tcase_create("requester");
	tcase_add_test(tc, test_requester);
	tcase_add_test(tc, test_restart_retry);
	suite_add_tcase(s, tc);
	return check_run(s);
}

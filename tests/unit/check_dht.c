/*
 * check_dht — the engine with 2-5 instances wired through a FIFO in this
 * file (no latency, a manual clock): ping, put/get across nodes, the write
 * token, source-checked responses, hostile datagrams, long answers only to
 * proven addresses, 2 x 32 KiB values, fast not-found, fragment loss
 * repaired by NACKs, quotas, join, hand-over and republish.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "frag.h"
#include "wire.h"
#include "check_util.h"

#define T_MAX		5
#define T_WALL0		INT64_C(1700000000000)
#define T_STEPS		200000		/* bound on any loop below */

struct tnet;

struct tpkt {
	struct addr	 from, to;
	uint8_t		*buf;
	size_t		 len;
};

struct tnode {
	struct tnet	*t;
	int		 i;
	struct id	 id;
	struct addr	 addr;
	struct store	*store;
	struct dht	*dht;
	int64_t		 deadline;
	int		 dead;		/* drops what it is sent */
};

struct tnet {
	struct tnode	 n[T_MAX];
	int		 count;
	int64_t		 now;
	uint64_t	 rng;
	struct tpkt	*q;		/* FIFO */
	size_t		 qh, qn, qcap;
	/* Datagrams to addresses that are no node, for inspection. */
	struct tpkt	 cap[64];
	size_t		 ncap;
	/* Drops a datagram when it returns 1. */
	int		(*filter)(struct tnet *, const struct tpkt *);
	int		 filter_state;
	uint64_t	 sent;
};

static uint64_t
t_rand(struct tnet *t)
{
	uint64_t z;

	t->rng += UINT64_C(0x9e3779b97f4a7c15);
	z = t->rng;
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void
io_random(void *arg, void *buf, size_t len)
{
	struct tnode *nd = arg;
	uint8_t *p = buf;
	uint64_t r;
	size_t i;

	for (i = 0; i < len; i += 8) {
		r = t_rand(nd->t);
		memcpy(p + i, &r, len - i < 8 ? len - i : 8);
	}
}

static void
mk_addr(struct addr *a, uint32_t host, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->u.sin.sin_family = AF_INET;
	a->u.sin.sin_addr.s_addr = htonl(0x7f000000u | host);
	a->u.sin.sin_port = htons(port);
	a->len = sizeof(a->u.sin);
}

static void
io_send(void *arg, const struct addr *to, const uint8_t *buf, size_t len)
{
	struct tnode *nd = arg;
	struct tnet *t = nd->t;
	struct tpkt p, *nq;
	size_t ncap, i;

	ck_assert_uint_le(len, WIRE_MAX_DATAGRAM);
	t->sent++;
	p.from = nd->addr;
	p.to = *to;
	p.len = len;
	p.buf = malloc(len);
	ck_assert_ptr_nonnull(p.buf);
	memcpy(p.buf, buf, len);
	if (t->qn == t->qcap) {
		ncap = t->qcap ? t->qcap * 2 : 256;
		nq = malloc(ncap * sizeof(*nq));
		ck_assert_ptr_nonnull(nq);
		for (i = 0; i < t->qn; i++)
			nq[i] = t->q[(t->qh + i) % t->qcap];
		free(t->q);
		t->q = nq;
		t->qh = 0;
		t->qcap = ncap;
	}
	t->q[(t->qh + t->qn) % t->qcap] = p;
	t->qn++;
}

static const struct dht_config t_cfg = {
	.k = ROUTE_K,
	.alpha = 3,
	.rpc_timeout_ms = 1000,
	.rpc_retries = 1,
	.max_ttl_s = 86400,
	.refresh_interval_ms = 3600000,
	.republish_interval_ms = 1800000,
};

static void
t_init_cfg(struct tnet *t, int count, uint64_t seed,
    const struct dht_config *cfg)
{
	struct store_opts so;
	struct dht_io io;
	char err[256];
	int i;

	memset(t, 0, sizeof(*t));
	t->rng = seed;
	t->now = 1000;
	t->count = count;
	for (i = 0; i < count; i++) {
		struct tnode *nd = &t->n[i];

		nd->t = t;
		nd->i = i;
		io_random(nd, nd->id.b, ID_LEN);
		mk_addr(&nd->addr, (uint32_t)i + 1, 9000);
		memset(&so, 0, sizeof(so));
		so.kind = STORE_MEMORY;
		so.max_values_per_key = 64;
		nd->store = store_open(&so, err, sizeof(err));
		ck_assert_ptr_nonnull(nd->store);
		io.send = io_send;
		io.random = io_random;
		io.arg = nd;
		nd->dht = dht_new(&nd->id, nd->store, cfg, &io, t->now);
		ck_assert_ptr_nonnull(nd->dht);
		nd->deadline = t->now;
	}
}

static void
t_init(struct tnet *t, int count, uint64_t seed)
{
	t_init_cfg(t, count, seed, &t_cfg);
}

static void
t_free(struct tnet *t)
{
	size_t i;
	int j;

	for (j = 0; j < t->count; j++) {
		dht_free(t->n[j].dht);
		store_close(t->n[j].store);
	}
	for (i = 0; i < t->qn; i++)
		free(t->q[(t->qh + i) % t->qcap].buf);
	free(t->q);
	for (i = 0; i < t->ncap; i++)
		free(t->cap[i].buf);
}

static int64_t
t_wall(const struct tnet *t)
{
	return t->now + T_WALL0;
}

static struct tnode *
t_node_at(struct tnet *t, const struct addr *a)
{
	int i;

	for (i = 0; i < t->count; i++)
		if (addr_eq(&t->n[i].addr, a))
			return &t->n[i];
	return NULL;
}

static void
t_periodic(struct tnet *t, struct tnode *nd)
{
	nd->deadline = dht_periodic(nd->dht, t->now, t_wall(t));
	ck_assert_int_ge(nd->deadline, t->now);
}

/* Delivers queued datagrams, in order, until none is left. */
static void
t_flush(struct tnet *t)
{
	struct tnode *nd;
	struct tpkt p;
	int steps = 0;

	while (t->qn > 0) {
		ck_assert_int_lt(steps++, T_STEPS);
		p = t->q[t->qh];
		t->qh = (t->qh + 1) % t->qcap;
		t->qn--;
		if (t->filter != NULL && t->filter(t, &p)) {
			free(p.buf);
			continue;
		}
		nd = t_node_at(t, &p.to);
		if (nd == NULL) {
			if (t->ncap < sizeof(t->cap) / sizeof(t->cap[0]))
				t->cap[t->ncap++] = p;
			else
				free(p.buf);
			continue;
		}
		if (!nd->dead) {
			dht_input(nd->dht, &p.from, p.buf, p.len, t->now,
			    t_wall(t));
			t_periodic(t, nd);
		}
		free(p.buf);
	}
}

/* Runs timers and traffic up to now + ms. */
static void
t_advance(struct tnet *t, int64_t ms)
{
	int64_t end = t->now + ms, next;
	int i, steps = 0;

	for (;;) {
		ck_assert_int_lt(steps++, T_STEPS);
		t_flush(t);
		next = INT64_MAX;
		for (i = 0; i < t->count; i++)
			if (!t->n[i].dead && t->n[i].deadline < next)
				next = t->n[i].deadline;
		if (next > end)
			break;
		if (next > t->now)
			t->now = next;
		for (i = 0; i < t->count; i++)
			if (!t->n[i].dead && t->n[i].deadline <= t->now)
				t_periodic(t, &t->n[i]);
	}
	t->now = end;
}

static void
t_clear_cap(struct tnet *t)
{
	size_t i;

	for (i = 0; i < t->ncap; i++)
		free(t->cap[i].buf);
	t->ncap = 0;
}

/* Every node joins through node 0; the network settles. */
static void
t_join_all(struct tnet *t)
{
	int i;

	for (i = 1; i < t->count; i++) {
		dht_bootstrap(t->n[i].dht, &t->n[0].addr, 1, t->now);
		t_periodic(t, &t->n[i]);
		t_advance(t, 10);
	}
	t_advance(t, 100);
}

/* ---- callbacks --------------------------------------------------------- */

struct res {
	int			 calls;
	enum dht_err		 err;
	uint32_t		 acks, remote_acks, responders;
	struct id		 id;
	size_t			 nvals;
	struct store_value	 v[8];
	uint8_t			*data[8];
};

static void
put_cb(void *arg, const struct op_put_result *r)
{
	struct res *s = arg;

	s->calls++;
	s->err = r->err;
	s->acks = r->acks;
	s->remote_acks = r->remote_acks;
}

static void
get_cb(void *arg, const struct op_get_result *r)
{
	struct res *s = arg;
	size_t i;

	s->calls++;
	s->err = r->err;
	s->responders = r->responders;
	s->nvals = r->values.n;
	for (i = 0; i < r->values.n && i < 8; i++) {
		s->v[i] = r->values.v[i];
		s->data[i] = malloc(r->values.v[i].len);
		memcpy(s->data[i], r->values.v[i].data, r->values.v[i].len);
		s->v[i].data = s->data[i];
	}
}

static void
res_free(struct res *s)
{
	size_t i;

	for (i = 0; i < 8; i++)
		free(s->data[i]);
	memset(s, 0, sizeof(*s));
}

static void
ping_cb(void *arg, const struct op_ping_result *r)
{
	struct res *s = arg;

	s->calls++;
	s->err = r->err;
	s->id = r->id;
}

static struct dht_stats
t_stats(struct tnode *nd)
{
	struct dht_stats st;

	dht_get_stats(nd->dht, &st);
	return st;
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(test_ping)
{
	struct tnet t;
	struct res r;
	struct route_node rn;

	memset(&r, 0, sizeof(r));
	t_init(&t, 2, 1);
	ck_assert_int_eq(dht_ping(t.n[0].dht, &t.n[1].addr, t.now, ping_cb,
	    &r), 0);
	ck_assert_int_eq(r.calls, 0);		/* never inside dht_ping */
	t_flush(&t);				/* the PONG's dht_input */
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, DHT_OK);
	ck_assert(id_eq(&r.id, &t.n[1].id));
	/* Both tables learned the other, each under its own ID. */
	ck_assert_uint_eq(dht_peer_count(t.n[0].dht), 1);
	ck_assert_uint_eq(dht_peer_count(t.n[1].dht), 1);
	ck_assert_uint_eq(dht_peers(t.n[0].dht, &rn, 1), 1);
	ck_assert(id_eq(&rn.id, &t.n[1].id));
	ck_assert(addr_eq(&rn.addr, &t.n[1].addr));
	ck_assert_uint_eq(t_stats(&t.n[0]).tx_msgs[WIRE_PING], 1);
	ck_assert_uint_eq(t_stats(&t.n[1]).rx_msgs[WIRE_PING], 1);
	ck_assert_str_eq(dht_msg_name(WIRE_PING), "ping");
	ck_assert_ptr_null(dht_msg_name(0));
	t_advance(&t, 5000);
	ck_assert_int_eq(r.calls, 1);		/* exactly once */
	t_free(&t);
}
END_TEST

START_TEST(test_ping_timeout)
{
	struct tnet t;
	struct res r;
	struct addr nobody;

	memset(&r, 0, sizeof(r));
	t_init(&t, 1, 2);
	mk_addr(&nobody, 200, 9000);
	dht_ping(t.n[0].dht, &nobody, t.now, ping_cb, &r);
	t_periodic(&t, &t.n[0]);
	t_advance(&t, 1500);
	ck_assert_int_eq(r.calls, 0);		/* one resend pending */
	t_advance(&t, 1000);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, DHT_ERR_TIMEOUT);
	ck_assert_uint_eq(t.ncap, 2);		/* first try and one retry */
	ck_assert_uint_eq(t_stats(&t.n[0]).rpc_timeouts, 1);
	ck_assert_uint_eq(t_stats(&t.n[0]).rpc_retries, 1);
	t_free(&t);
}
END_TEST

START_TEST(test_put_get)
{
	struct tnet t;
	struct res p, g;
	struct id key;
	const char *val = "hello, network";
	int64_t exp;

	memset(&p, 0, sizeof(p));
	memset(&g, 0, sizeof(g));
	t_init(&t, 4, 3);
	t_join_all(&t);
	ck_assert_uint_eq(dht_peer_count(t.n[3].dht), 3);
	id_from_name(&key, "k1", 2);
	exp = t_wall(&t) + 60000;
	ck_assert_int_eq(dht_put(t.n[1].dht, &key, val, strlen(val),
	    t_wall(&t), exp, t.now, t_wall(&t), put_cb, &p), 0);
	ck_assert_int_eq(p.calls, 0);
	t_periodic(&t, &t.n[1]);
	t_flush(&t);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_uint_eq(p.remote_acks, 3);
	ck_assert_uint_eq(p.acks, 4);
	ck_assert_uint_eq(t_stats(&t.n[2]).values_stored, 1);

	dht_get(t.n[3].dht, &key, 0, t.now, t_wall(&t), get_cb, &g);
	t_periodic(&t, &t.n[3]);
	t_flush(&t);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.nvals, 1);
	ck_assert_uint_eq(g.v[0].len, strlen(val));
	ck_assert_mem_eq(g.v[0].data, val, strlen(val));
	ck_assert_int_eq(g.v[0].expires_ms, exp);
	ck_assert_uint_eq(g.responders, 3);
	res_free(&g);
	t_free(&t);
}
END_TEST

START_TEST(test_single_node)
{
	struct tnet t;
	struct res p, g, n;
	struct id key, other;

	memset(&p, 0, sizeof(p));
	memset(&g, 0, sizeof(g));
	memset(&n, 0, sizeof(n));
	t_init(&t, 1, 4);
	id_from_name(&key, "solo", 4);
	id_from_name(&other, "none", 4);
	dht_put(t.n[0].dht, &key, "x", 1, t_wall(&t), t_wall(&t) + 1000,
	    t.now, t_wall(&t), put_cb, &p);
	dht_get(t.n[0].dht, &key, 0, t.now, t_wall(&t), get_cb, &g);
	dht_get(t.n[0].dht, &other, 0, t.now, t_wall(&t), get_cb, &n);
	ck_assert_int_eq(p.calls + g.calls + n.calls, 0);
	/* A network of one completes on the next dht_periodic. */
	ck_assert_int_gt(dht_periodic(t.n[0].dht, t.now, t_wall(&t)), t.now);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_uint_eq(p.acks, 1);
	ck_assert_uint_eq(p.remote_acks, 0);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.nvals, 1);
	ck_assert_int_eq(n.calls, 1);
	ck_assert_int_eq(n.err, DHT_ERR_NOT_FOUND);
	ck_assert_uint_eq(t.sent, 0);
	res_free(&g);
	t_free(&t);
}
END_TEST

START_TEST(test_put_invalid)
{
	struct tnet t;
	struct res p;
	struct id key;
	static uint8_t big[WIRE_MAX_VALUE + 1];
	int64_t w;

	memset(&p, 0, sizeof(p));
	t_init(&t, 1, 5);
	w = t_wall(&t);
	id_from_name(&key, "bad", 3);
	dht_put(t.n[0].dht, &key, big, sizeof(big), w, w + 1000, t.now, w,
	    put_cb, &p);
	dht_put(t.n[0].dht, &key, "x", 0, w, w + 1000, t.now, w, put_cb, &p);
	dht_put(t.n[0].dht, &key, "x", 1, w, w - 1, t.now, w, put_cb, &p);
	dht_put(t.n[0].dht, &key, "x", 1, 0, w + 1, t.now, w, put_cb, &p);
	t_periodic(&t, &t.n[0]);
	ck_assert_int_eq(p.calls, 4);
	ck_assert_int_eq(p.err, DHT_ERR_INVALID);
	ck_assert_uint_eq(p.acks, 0);
	t_free(&t);
}
END_TEST

/* Sends a crafted STORE from `from` to node 1 and returns the answer. */
static int
t_raw_store(struct tnet *t, const struct addr *from, const uint8_t *tok,
    size_t toklen, struct wire_msg *ans)
{
	struct wire_value v;
	struct wire_msg m;
	uint8_t buf[2048];
	ssize_t len;
	const char *errstr;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE;
	memset(m.sender.b, 0x5a, ID_LEN);
	m.txid = 77;
	id_from_name(&m.u.store.key, "tok", 3);
	v.data = (const uint8_t *)"evil";
	v.len = 4;
	v.created_ms = t_wall(t);
	v.expires_ms = t_wall(t) + 60000;
	m.u.store.values = &v;
	m.u.store.nvalues = 1;
	if (toklen > 0)
		memcpy(m.u.store.token, tok, toklen);
	m.u.store.tokenlen = toklen;
	len = wire_encode(&m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	t_clear_cap(t);
	dht_input(t->n[1].dht, from, buf, (size_t)len, t->now, t_wall(t));
	t_flush(t);
	ck_assert_uint_eq(t->ncap, 1);
	return wire_decode(t->cap[0].buf, t->cap[0].len, ans, &errstr);
}

/* A FIND_NODE from `from` to node 1; copies the token of the answer. */
static size_t
t_raw_token(struct tnet *t, const struct addr *from, uint8_t *tok)
{
	struct wire_msg m, ans;
	uint8_t buf[256];
	ssize_t len;
	size_t n;
	const char *errstr;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_FIND_NODE;
	memset(m.sender.b, 0x5a, ID_LEN);
	m.txid = 78;
	len = wire_encode(&m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	t_clear_cap(t);
	dht_input(t->n[1].dht, from, buf, (size_t)len, t->now, t_wall(t));
	t_flush(t);
	ck_assert_uint_eq(t->ncap, 1);
	ck_assert_int_eq(wire_decode(t->cap[0].buf, t->cap[0].len, &ans,
	    &errstr), 0);
	ck_assert_int_eq(ans.type, WIRE_NODES);
	ck_assert_uint_eq(ans.txid, 78);
	n = ans.u.nodes.tokenlen;
	ck_assert_uint_gt(n, 0);
	memcpy(tok, ans.u.nodes.token, n);
	wire_msg_free(&ans);
	return n;
}

START_TEST(test_store_token)
{
	struct tnet t;
	struct wire_msg ans;
	struct addr x, y;
	struct store_result res;
	struct id key;
	uint8_t tok[WIRE_MAX_TOKEN], bad[TOKEN_LEN];
	size_t n;

	t_init(&t, 2, 6);
	mk_addr(&x, 100, 5000);
	mk_addr(&y, 101, 5000);
	id_from_name(&key, "tok", 3);

	/* No token. */
	ck_assert_int_eq(t_raw_store(&t, &x, NULL, 0, &ans), 0);
	ck_assert_int_eq(ans.type, WIRE_ERROR);
	ck_assert_uint_eq(ans.u.error.code, WIRE_ERR_BAD_TOKEN);
	wire_msg_free(&ans);
	/* A made-up token. */
	memset(bad, 0xaa, sizeof(bad));
	ck_assert_int_eq(t_raw_store(&t, &x, bad, sizeof(bad), &ans), 0);
	ck_assert_int_eq(ans.type, WIRE_ERROR);
	wire_msg_free(&ans);
	/* y's token presented from x: a spoofer's attempt. */
	n = t_raw_token(&t, &y, tok);
	ck_assert_int_eq(t_raw_store(&t, &x, tok, n, &ans), 0);
	ck_assert_int_eq(ans.type, WIRE_ERROR);
	wire_msg_free(&ans);
	ck_assert_uint_eq(t_stats(&t.n[1]).rx_dropped_token, 3);
	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(store_get(t.n[1].store, key.b, 0, t_wall(&t), &res,
	    NULL), 0);
	ck_assert_uint_eq(res.n, 0);
	/* The requester never made it into the table. */
	ck_assert_uint_eq(dht_peer_count(t.n[1].dht), 1);

	/* y with its own token: stored. */
	ck_assert_int_eq(t_raw_store(&t, &y, tok, n, &ans), 0);
	ck_assert_int_eq(ans.type, WIRE_STORE_ACK);
	ck_assert_uint_eq(ans.u.store_ack.stored, 1);
	wire_msg_free(&ans);
	ck_assert_int_eq(store_get(t.n[1].store, key.b, 0, t_wall(&t), &res,
	    NULL), 0);
	ck_assert_uint_eq(res.n, 1);
	store_result_free(&res);

	/* Still valid after one secret rotation, not after two. */
	t_advance(&t, TOKEN_ROTATE_MS + JOIN_MAINT_INTERVAL_MS);
	ck_assert_int_eq(t_raw_store(&t, &y, tok, n, &ans), 0);
	ck_assert_int_eq(ans.type, WIRE_STORE_ACK);
	wire_msg_free(&ans);
	t_advance(&t, TOKEN_ROTATE_MS + JOIN_MAINT_INTERVAL_MS);
	ck_assert_int_eq(t_raw_store(&t, &y, tok, n, &ans), 0);
	ck_assert_int_eq(ans.type, WIRE_ERROR);
	wire_msg_free(&ans);
	t_free(&t);
}
END_TEST

/* Values from the network: expiry clamped to max_ttl, never extended. */
START_TEST(test_store_clamp)
{
	struct tnet t;
	struct wire_value v[3];
	struct wire_msg m, ans;
	struct store_result res;
	struct addr y;
	uint8_t tok[WIRE_MAX_TOKEN], buf[2048];
	const char *errstr;
	ssize_t len;
	size_t n;

	t_init(&t, 2, 7);
	mk_addr(&y, 101, 5000);
	n = t_raw_token(&t, &y, tok);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE;
	memset(m.sender.b, 0x5b, ID_LEN);
	m.txid = 79;
	id_from_name(&m.u.store.key, "clamp", 5);
	v[0].data = (const uint8_t *)"far";	/* expiry far away */
	v[0].len = 3;
	v[0].created_ms = t_wall(&t);
	v[0].expires_ms = t_wall(&t) + 1000LL * 86400 * 365;
	v[1].data = (const uint8_t *)"future";	/* created too far ahead */
	v[1].len = 6;
	v[1].created_ms = t_wall(&t) + ENV_CLOCK_SKEW_MS + 1;
	v[1].expires_ms = t_wall(&t) + 3600000;
	v[2].data = (const uint8_t *)"old";	/* already expired */
	v[2].len = 3;
	v[2].created_ms = t_wall(&t) - 5000;
	v[2].expires_ms = t_wall(&t) - 1;
	m.u.store.values = v;
	m.u.store.nvalues = 3;
	memcpy(m.u.store.token, tok, n);
	m.u.store.tokenlen = n;
	len = wire_encode(&m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	t_clear_cap(&t);
	dht_input(t.n[1].dht, &y, buf, (size_t)len, t.now, t_wall(&t));
	ck_assert_uint_eq(t.qn, 1);
	t_flush(&t);
	ck_assert_int_eq(wire_decode(t.cap[0].buf, t.cap[0].len, &ans,
	    &errstr), 0);
	ck_assert_int_eq(ans.type, WIRE_STORE_ACK);
	ck_assert_uint_eq(ans.u.store_ack.stored, 1);
	wire_msg_free(&ans);
	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(store_get(t.n[1].store, m.u.store.key.b, 0,
	    t_wall(&t), &res, NULL), 0);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_int_eq(res.v[0].expires_ms,
	    t_wall(&t) + (int64_t)t_cfg.max_ttl_s * 1000);
	store_result_free(&res);
	t_free(&t);
}
END_TEST

/* A FIND_VALUE for key from x to node 1, echoing tok; the answer. */
static void
t_raw_find_value(struct tnet *t, const struct addr *x, const struct id *key,
    uint32_t offset, const uint8_t *tok, size_t toklen)
{
	struct wire_msg m;
	uint8_t buf[256];
	ssize_t len;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_FIND_VALUE;
	memset(m.sender.b, 0x77, ID_LEN);
	m.txid = 99;
	m.u.find_value.key = *key;
	m.u.find_value.offset = offset;
	if (toklen > 0)
		memcpy(m.u.find_value.token, tok, toklen);
	m.u.find_value.tokenlen = toklen;
	len = wire_encode(&m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	t_clear_cap(t);
	dht_input(t->n[1].dht, x, buf, (size_t)len, t->now, t_wall(t));
	t_flush(t);
}

/*
 * Amplification: a FIND_VALUE whose answer needs fragments, from an
 * address that never proved itself, draws one datagram: the first page
 * cut to fit, with a token.  Echoing that token from the same address
 * draws the whole page; from another address, or made up, it does not.
 */
START_TEST(test_long_answer_token)
{
	struct tnet t;
	struct wire_msg a;
	struct addr x, y;
	struct id key, small;
	static uint8_t v[WIRE_MAX_VALUE];
	uint8_t tok[WIRE_MAX_TOKEN], bad[TOKEN_LEN];
	const char *errstr;
	size_t i, bytes, toklen;

	t_init(&t, 2, 18);
	mk_addr(&x, 100, 5000);
	mk_addr(&y, 101, 5000);
	id_from_name(&key, "amp", 3);
	id_from_name(&small, "small", 5);
	memset(v, 0x33, sizeof(v));
	ck_assert_int_eq(store_put(t.n[1].store, key.b, v, sizeof(v),
	    t_wall(&t), t_wall(&t) + 60000, t_wall(&t), NULL), 1);
	ck_assert_int_eq(store_put(t.n[1].store, small.b, v, 100,
	    t_wall(&t), t_wall(&t) + 60000, t_wall(&t), NULL), 1);

	/* No token: one datagram, no values, but the count and a token. */
	t_raw_find_value(&t, &x, &key, 0, NULL, 0);
	ck_assert_uint_eq(t.ncap, 1);
	ck_assert_uint_le(t.cap[0].len, WIRE_MAX_DATAGRAM);
	ck_assert_int_eq(wire_decode(t.cap[0].buf, t.cap[0].len, &a,
	    &errstr), 0);
	ck_assert_int_eq(a.type, WIRE_VALUES);
	ck_assert_uint_eq(a.u.values.nvalues, 0);
	ck_assert_uint_eq(a.u.values.total, 1);
	ck_assert_uint_eq(a.u.values.next_offset, 0);
	toklen = a.u.values.tokenlen;
	ck_assert_uint_eq(toklen, TOKEN_LEN);
	memcpy(tok, a.u.values.token, toklen);
	wire_msg_free(&a);
	ck_assert_uint_eq(t_stats(&t.n[1]).answers_cut, 1);

	/* The token from the wrong address, or a made-up one: cut again. */
	t_raw_find_value(&t, &y, &key, 0, tok, toklen);
	ck_assert_uint_eq(t.ncap, 1);
	ck_assert_uint_le(t.cap[0].len, WIRE_MAX_DATAGRAM);
	memset(bad, 0xaa, sizeof(bad));
	t_raw_find_value(&t, &x, &key, 0, bad, sizeof(bad));
	ck_assert_uint_eq(t.ncap, 1);
	ck_assert_uint_eq(t_stats(&t.n[1]).answers_cut, 3);

	/* x's own token: the 32 KiB value, in fragments. */
	t_raw_find_value(&t, &x, &key, 0, tok, toklen);
	ck_assert_uint_gt(t.ncap, 20);
	for (bytes = 0, i = 0; i < t.ncap; i++) {
		ck_assert_int_eq(t.cap[i].buf[3], WIRE_KIND_FRAG);
		bytes += t.cap[i].len;
	}
	ck_assert_uint_gt(bytes, sizeof(v));
	ck_assert_uint_eq(t_stats(&t.n[1]).answers_cut, 3);

	/* An answer that fits a datagram needs no token. */
	t_raw_find_value(&t, &y, &small, 0, NULL, 0);
	ck_assert_uint_eq(t.ncap, 1);
	ck_assert_int_eq(wire_decode(t.cap[0].buf, t.cap[0].len, &a,
	    &errstr), 0);
	ck_assert_uint_eq(a.u.values.nvalues, 1);
	ck_assert_uint_eq(a.u.values.values[0].len, 100);
	wire_msg_free(&a);
	ck_assert_uint_eq(t_stats(&t.n[1]).answers_cut, 3);
	t_free(&t);
}
END_TEST

/*
 * The asker's side: node 0 has no token from node 1, which has not heard
 * from node 0 for a while, so node 1 cuts its first answer; the get asks
 * again with the token it got and returns the whole 32 KiB value.
 */
START_TEST(test_get_cut_answer)
{
	struct tnet t;
	struct res g, r;
	struct id key;
	static uint8_t v[WIRE_MAX_VALUE];

	memset(&g, 0, sizeof(g));
	memset(&r, 0, sizeof(r));
	t_init(&t, 2, 19);
	id_from_name(&key, "cut", 3);
	memset(v, 0x44, sizeof(v));
	dht_ping(t.n[0].dht, &t.n[1].addr, t.now, ping_cb, &r);
	t_flush(&t);
	ck_assert_int_eq(r.err, DHT_OK);
	/* Node 0 answered node 1's hand-over request: let that age out. */
	t_advance(&t, TOKEN_VERIFIED_MAX_AGE_MS);
	ck_assert_uint_eq(dht_peer_count(t.n[1].dht), 1);
	ck_assert_int_eq(store_put(t.n[1].store, key.b, v, sizeof(v),
	    t_wall(&t), t_wall(&t) + 60000, t_wall(&t), NULL), 1);
	dht_get(t.n[0].dht, &key, 0, t.now, t_wall(&t), get_cb, &g);
	t_periodic(&t, &t.n[0]);
	t_advance(&t, 1);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.nvals, 1);
	ck_assert_uint_eq(g.v[0].len, sizeof(v));
	ck_assert_mem_eq(g.v[0].data, v, sizeof(v));
	ck_assert_uint_eq(t_stats(&t.n[1]).answers_cut, 1);
	ck_assert_uint_eq(t_stats(&t.n[1]).tx_msgs[WIRE_VALUES], 2);
	res_free(&g);
	t_free(&t);
}
END_TEST

/* A far expiry in a remote store comes back clamped to max_ttl. */
START_TEST(test_get_clamp)
{
	struct tnet t;
	struct res g;
	struct id key;
	int64_t w;

	memset(&g, 0, sizeof(g));
	t_init(&t, 2, 20);
	t_join_all(&t);
	id_from_name(&key, "far", 3);
	w = t_wall(&t);
	ck_assert_int_eq(store_put(t.n[1].store, key.b, "far", 3, w,
	    w + 1000LL * 86400 * 365, w, NULL), 1);
	dht_get(t.n[0].dht, &key, 0, t.now, w, get_cb, &g);
	t_advance(&t, 1);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.nvals, 1);
	ck_assert_int_eq(g.v[0].expires_ms, w + (int64_t)t_cfg.max_ttl_s *
	    1000);
	res_free(&g);
	t_free(&t);
}
END_TEST

/* Rewrites node 1's PONG as if it came from node 2's address. */
static int
filter_redirect(struct tnet *t, const struct tpkt *p)
{
	struct tnode *to = t_node_at(t, &p->to);

	if (t->filter_state == 0 && addr_eq(&p->from, &t->n[1].addr) &&
	    to == &t->n[0]) {
		t->filter_state = 1;
		dht_input(t->n[0].dht, &t->n[2].addr, p->buf, p->len, t->now,
		    t_wall(t));
		t_periodic(t, &t->n[0]);
		return 1;
	}
	return 0;
}

START_TEST(test_response_source)
{
	struct tnet t;
	struct res r;

	memset(&r, 0, sizeof(r));
	t_init(&t, 3, 8);
	t.filter = filter_redirect;
	dht_ping(t.n[0].dht, &t.n[1].addr, t.now, ping_cb, &r);
	t_periodic(&t, &t.n[0]);
	t_flush(&t);
	ck_assert_int_eq(t.filter_state, 1);
	ck_assert_int_eq(r.calls, 0);
	ck_assert_uint_eq(t_stats(&t.n[0]).rx_dropped_unmatched, 1);
	ck_assert_uint_eq(dht_peer_count(t.n[0].dht), 0);
	/* The resend (same txid) is answered from the right address. */
	t.filter = NULL;
	t_advance(&t, 1000);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, DHT_OK);
	ck_assert(id_eq(&r.id, &t.n[1].id));
	t_free(&t);
}
END_TEST

START_TEST(test_malformed)
{
	struct tnet t;
	struct res r;
	struct wire_msg m;
	struct dht_stats st;
	struct addr x;
	uint8_t buf[512], junk[64];
	ssize_t len;
	size_t i;
	uint64_t before;

	t_init(&t, 2, 9);
	mk_addr(&x, 100, 5000);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_FIND_NODE;
	memset(m.sender.b, 0x11, ID_LEN);
	m.txid = 5;
	len = wire_encode(&m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	/* Every truncation of a valid packet. */
	for (i = 0; i < (size_t)len; i++)
		dht_input(t.n[1].dht, &x, buf, i, t.now, t_wall(&t));
	st = t_stats(&t.n[1]);
	ck_assert_uint_eq(st.rx_dropped_decode, (uint64_t)len);
	ck_assert_uint_eq(t.qn, 0);
	/* Garbage, and the Go crash: a fragment claiming part 255 of 255. */
	before = t_stats(&t.n[1]).rx_dropped_decode;
	memset(junk, 0xff, sizeof(junk));
	dht_input(t.n[1].dht, &x, junk, sizeof(junk), t.now, t_wall(&t));
	memcpy(junk, "EM\x01\x01", 4);
	dht_input(t.n[1].dht, &x, junk, 40, t.now, t_wall(&t));
	junk[3] = 2;	/* a NACK for nothing */
	dht_input(t.n[1].dht, &x, junk, 20, t.now, t_wall(&t));
	/* Our own ID as sender. */
	memcpy(m.sender.b, t.n[1].id.b, ID_LEN);
	len = wire_encode(&m, buf, sizeof(buf));
	dht_input(t.n[1].dht, &x, buf, (size_t)len, t.now, t_wall(&t));
	/* A whole message longer than a datagram: valid, but refused. */
	{
		static uint8_t big[8192];
		struct wire_value wv;
		uint8_t tok[TOKEN_LEN] = { 0 };

		memset(&m, 0, sizeof(m));
		m.type = WIRE_STORE;
		memset(m.sender.b, 0x12, ID_LEN);
		wv.data = big;
		wv.len = 2000;
		wv.created_ms = t_wall(&t);
		wv.expires_ms = t_wall(&t) + 1000;
		memset(big, 1, sizeof(big));
		m.u.store.values = &wv;
		m.u.store.nvalues = 1;
		memcpy(m.u.store.token, tok, sizeof(tok));
		m.u.store.tokenlen = sizeof(tok);
		len = wire_encode(&m, big + 2048, sizeof(big) - 2048);
		ck_assert_int_gt(len, WIRE_MAX_DATAGRAM);
		dht_input(t.n[1].dht, &x, big + 2048, (size_t)len, t.now,
		    t_wall(&t));
	}
	st = t_stats(&t.n[1]);
	ck_assert_uint_eq(st.rx_dropped_decode, before + 3);
	ck_assert_uint_eq(st.rx_dropped_token, 0);
	ck_assert_uint_ge(st.rx_dropped_frag, 2);
	ck_assert_uint_eq(t.qn, 0);
	ck_assert_uint_eq(dht_peer_count(t.n[1].dht), 0);
	/* Still serving. */
	memset(&r, 0, sizeof(r));
	dht_ping(t.n[0].dht, &t.n[1].addr, t.now, ping_cb, &r);
	t_advance(&t, 1);
	ck_assert_int_eq(r.err, DHT_OK);
	ck_assert_int_eq(r.calls, 1);
	t_free(&t);
}
END_TEST

/* The Go emo's 16-bit length bug: two 32 KiB values under one key. */
START_TEST(test_two_big_values)
{
	struct tnet t;
	struct res p, g;
	struct id key;
	static uint8_t a[WIRE_MAX_VALUE], b[WIRE_MAX_VALUE];
	size_t i;

	memset(&p, 0, sizeof(p));
	memset(&g, 0, sizeof(g));
	for (i = 0; i < sizeof(a); i++) {
		a[i] = (uint8_t)(i * 7);
		b[i] = (uint8_t)(i * 13 + 1);
	}
	t_init(&t, 3, 10);
	t_join_all(&t);
	id_from_name(&key, "big", 3);
	/* Node 2 is away while the values are stored, so holds none. */
	t.n[2].dead = 1;
	dht_put(t.n[0].dht, &key, a, sizeof(a), t_wall(&t), t_wall(&t) + 60000,
	    t.now, t_wall(&t), put_cb, &p);
	dht_put(t.n[0].dht, &key, b, sizeof(b), t_wall(&t) + 1,
	    t_wall(&t) + 60000, t.now, t_wall(&t), put_cb, &p);
	t_advance(&t, 3000);
	ck_assert_int_eq(p.calls, 2);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_uint_eq(p.remote_acks, 1);
	t.n[2].dead = 0;
	dht_get(t.n[2].dht, &key, 0, t.now, t_wall(&t), get_cb, &g);
	t_advance(&t, 1);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.responders, 2);
	ck_assert_uint_eq(g.nvals, 2);
	ck_assert_uint_eq(g.v[0].len, sizeof(a));
	ck_assert_uint_eq(g.v[1].len, sizeof(b));
	ck_assert_mem_eq(g.v[0].data, a, sizeof(a));
	ck_assert_mem_eq(g.v[1].data, b, sizeof(b));
	res_free(&g);
	t_free(&t);
}
END_TEST

/*
 * A get must page through a node's values and return the union: node 1
 * alone holds 6 values of 32 KiB (more than one 96 KiB message).
 */
START_TEST(test_paging)
{
	struct tnet t;
	struct res g;
	struct id key;
	static uint8_t v[WIRE_MAX_VALUE];
	int64_t w0;
	int i;

	memset(&g, 0, sizeof(g));
	t_init(&t, 2, 11);
	t_join_all(&t);
	id_from_name(&key, "pages", 5);
	w0 = t_wall(&t);
	for (i = 0; i < 6; i++) {
		memset(v, 'a' + i, sizeof(v));
		ck_assert_int_eq(store_put(t.n[1].store, key.b, v, sizeof(v),
		    w0 + i, w0 + 60000, w0, NULL), 1);
	}
	dht_get(t.n[0].dht, &key, 0, t.now, t_wall(&t), get_cb, &g);
	t_advance(&t, 1);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.nvals, 6);
	for (i = 0; i < 6; i++) {
		ck_assert_uint_eq(g.v[i].len, sizeof(v));
		ck_assert_int_eq(g.v[i].data[100], 'a' + i);
	}
	ck_assert_uint_ge(t_stats(&t.n[1]).tx_msgs[WIRE_VALUES], 3);
	res_free(&g);
	/* since_ms filters remotely too. */
	dht_get(t.n[0].dht, &key, w0 + 4, t.now, t_wall(&t), get_cb, &g);
	t_advance(&t, 1);
	ck_assert_uint_eq(g.nvals, 2);
	ck_assert_int_eq(g.v[0].data[0], 'e');
	res_free(&g);
	t_free(&t);
}
END_TEST

START_TEST(test_not_found_fast)
{
	struct tnet t;
	struct res g;
	struct id key;
	int64_t t0;

	memset(&g, 0, sizeof(g));
	t_init(&t, 5, 12);
	t_join_all(&t);
	id_from_name(&key, "nowhere", 7);
	t0 = t.now;
	dht_get(t.n[4].dht, &key, 0, t.now, t_wall(&t), get_cb, &g);
	t_periodic(&t, &t.n[4]);
	t_flush(&t);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.err, DHT_ERR_NOT_FOUND);
	ck_assert_uint_eq(g.responders, 4);
	ck_assert_int_eq(t.now, t0);	/* no timer was needed */
	t_free(&t);
}
END_TEST

/* Drops the first fragment of the first long message: a NACK repairs it. */
static int
filter_frag(struct tnet *t, const struct tpkt *p)
{
	if (p->len > 20 && p->buf[3] == WIRE_KIND_FRAG && p->buf[12] == 0 &&
	    p->buf[13] == 0 && t->filter_state < 1) {
		t->filter_state++;
		return 1;
	}
	return 0;
}

START_TEST(test_fragment_loss)
{
	struct tnet t;
	struct res p, g;
	struct id key;
	static uint8_t a[20000];

	memset(&p, 0, sizeof(p));
	memset(&g, 0, sizeof(g));
	memset(a, 0x42, sizeof(a));
	t_init(&t, 2, 13);
	t_join_all(&t);
	t.filter = filter_frag;
	id_from_name(&key, "lossy", 5);
	dht_put(t.n[0].dht, &key, a, sizeof(a), t_wall(&t), t_wall(&t) + 60000,
	    t.now, t_wall(&t), put_cb, &p);
	t_advance(&t, 600);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_int_eq(t.filter_state, 1);
	ck_assert_uint_eq(t_stats(&t.n[1]).frag_nacks_sent, 1);
	ck_assert_uint_eq(t_stats(&t.n[0]).rpc_retries, 0);
	t_free(&t);
}
END_TEST

START_TEST(test_quota)
{
	struct tnet t;
	struct res r;
	struct addr nobody;
	int i;

	memset(&r, 0, sizeof(r));
	t_init(&t, 1, 14);
	mk_addr(&nobody, 200, 9000);
	for (i = 0; i < OP_MAX_USER; i++)
		ck_assert_int_eq(dht_ping(t.n[0].dht, &nobody, t.now, ping_cb,
		    &r), 0);
	ck_assert_int_eq(dht_ping(t.n[0].dht, &nobody, t.now, ping_cb, &r),
	    -1);
	t_advance(&t, 3000);
	ck_assert_int_eq(r.calls, OP_MAX_USER);
	ck_assert_int_eq(dht_ping(t.n[0].dht, &nobody, t.now, ping_cb, &r), 0);
	t_advance(&t, 3000);
	t_free(&t);
}
END_TEST

/* Two bootstrap addresses, one dead: no stall; then backoff when alone. */
START_TEST(test_bootstrap)
{
	struct tnet t;
	struct addr boot[2], nobody;

	t_init(&t, 3, 15);
	mk_addr(&nobody, 200, 9000);
	boot[0] = nobody;
	boot[1] = t.n[0].addr;
	dht_bootstrap(t.n[1].dht, boot, 2, t.now);
	t_advance(&t, 1);
	ck_assert_uint_eq(dht_peer_count(t.n[1].dht), 1);
	dht_bootstrap(t.n[2].dht, &t.n[1].addr, 1, t.now);
	t_advance(&t, 1);
	/* 2 learned 0 through 1's answers, and 0 heard of 2. */
	ck_assert_uint_eq(dht_peer_count(t.n[2].dht), 2);
	ck_assert_uint_eq(dht_peer_count(t.n[0].dht), 2);

	t_free(&t);
}
END_TEST

/* Alone with a dead bootstrap address: pings at growing intervals. */
START_TEST(test_bootstrap_backoff)
{
	struct tnet t;
	struct addr nobody;

	t_init(&t, 1, 17);
	mk_addr(&nobody, 200, 9000);
	dht_bootstrap(t.n[0].dht, &nobody, 1, t.now);
	ck_assert_uint_eq(t.qn, 1);		/* at once */
	t_periodic(&t, &t.n[0]);
	t_advance(&t, 60000);
	/*
	 * Rounds 1, 2, 4, 8, 16, 32 s apart (plus up to a quarter of
	 * jitter), each a ping and a resend unless one is still out.
	 */
	ck_assert_uint_ge(t.ncap, 6);
	ck_assert_uint_le(t.ncap, 12);
	ck_assert_uint_eq(dht_peer_count(t.n[0].dht), 0);
	t_free(&t);
}
END_TEST

/* Drops FIND_NODE requests from node filter_state. */
static int
filter_find_node_from(struct tnet *t, const struct tpkt *p)
{
	struct wire_msg m;
	const char *errstr;
	int drop;

	if (!addr_eq(&p->from, &t->n[t->filter_state].addr) ||
	    p->buf[3] != WIRE_KIND_WHOLE ||
	    wire_decode(p->buf, p->len, &m, &errstr) == -1)
		return 0;
	drop = m.type == WIRE_FIND_NODE;
	wire_msg_free(&m);
	return drop;
}

/*
 * A join lookup that nobody answers is tried again after the backoff: a
 * node must not stay for good with the one entry its bootstrap gave it.
 */
START_TEST(test_join_retry)
{
	struct tnet t;
	uint64_t before;

	t_init(&t, 2, 25);
	t.filter = filter_find_node_from;
	t.filter_state = 1;
	dht_bootstrap(t.n[1].dht, &t.n[0].addr, 1, t.now);
	t_periodic(&t, &t.n[1]);
	t_advance(&t, 2500);	/* the join lookup failed after 2 tries */
	ck_assert_uint_eq(dht_peer_count(t.n[1].dht), 1);
	ck_assert_uint_eq(t_stats(&t.n[0]).rx_msgs[WIRE_FIND_NODE], 0);
	before = t_stats(&t.n[1]).lookups;
	t.filter = NULL;
	t_advance(&t, 2000);
	ck_assert_uint_gt(t_stats(&t.n[1]).lookups, before);
	ck_assert_uint_ge(t_stats(&t.n[0]).rx_msgs[WIRE_FIND_NODE], 1);
	ck_assert_int_eq(t.n[1].dht->joined, 1);
	t_free(&t);
}
END_TEST

/* A node that joins late receives the keys it is now closest to. */
START_TEST(test_handover)
{
	struct tnet t;
	struct res p;
	struct store_stats ss;
	struct id key;
	char name[16];
	int i;

	memset(&p, 0, sizeof(p));
	t_init(&t, 3, 16);
	t.count = 2;
	t_join_all(&t);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "key%d", i);
		id_from_name(&key, name, strlen(name));
		dht_put(t.n[0].dht, &key, name, strlen(name), t_wall(&t),
		    t_wall(&t) + 600000, t.now, t_wall(&t), put_cb, &p);
	}
	t_advance(&t, 1);
	ck_assert_int_eq(p.calls, 100);
	t.count = 3;
	dht_bootstrap(t.n[2].dht, &t.n[0].addr, 1, t.now);
	t_advance(&t, 100);
	store_stats(t.n[2].store, &ss);
	/* With k = 20 every node is among the k closest of every key. */
	ck_assert_uint_eq(ss.keys, 100);
	ck_assert_uint_ge(t_stats(&t.n[0]).values_handed_over, 100);
	t_free(&t);
}
END_TEST

/* ---- republish ---------------------------------------------------------- */

/* No pass starts by itself: the tests below start them by hand. */
static void
t_republish_off(struct tnet *t)
{
	int i;

	for (i = 0; i < t->count; i++)
		t->n[i].dht->rp_next_ms = INT64_MAX;
}

/* Node i's pass, to its end. */
static void
t_republish_now(struct tnet *t, int i)
{
	t->n[i].dht->rp_next_ms = t->now;
	t_periodic(t, &t->n[i]);
	t_advance(t, 5000);
	ck_assert_int_eq(t->n[i].dht->rp_active, 0);
	t_republish_off(t);
}

/* The one value node i holds under key; 0 if none. */
static int
t_held(struct tnet *t, int i, const struct id *key, struct store_value *v)
{
	struct store_result res;
	int n;

	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(store_get(t->n[i].store, key->b, 0, t_wall(t), &res,
	    NULL), 0);
	n = (int)res.n;
	if (n == 1 && v != NULL) {
		*v = res.v[0];
		v->data = NULL;
	}
	store_result_free(&res);
	return n;
}

/*
 * A value travels with its own times: republished after half to one and
 * a half intervals, never before, with the original creation time and
 * expiry, which a second pass does not extend; an expired value stays put.
 */
START_TEST(test_republish_expiry)
{
	struct tnet t;
	struct store_value v;
	struct id a, b;
	int64_t w, created, expires, iv = t_cfg.republish_interval_ms;

	t_init(&t, 3, 21);
	t_join_all(&t);
	id_from_name(&a, "lives", 5);
	id_from_name(&b, "dies", 4);
	w = t_wall(&t);
	created = w - 1000;
	expires = w + iv * 4;
	ck_assert_int_eq(store_put(t.n[0].store, a.b, "lives", 5, created,
	    expires, w, NULL), 1);
	ck_assert_int_eq(store_put(t.n[0].store, b.b, "dies", 4, created,
	    w + iv / 3, w, NULL), 1);
	t_advance(&t, iv / 2 - 1000);
	ck_assert_int_eq(t_held(&t, 1, &a, NULL), 0);
	ck_assert_uint_eq(t_stats(&t.n[0]).republish_passes, 0);
	t_advance(&t, iv + 2000);
	ck_assert_uint_eq(t_stats(&t.n[0]).republish_passes, 1);
	ck_assert_uint_eq(t_stats(&t.n[0]).republish_keys, 1);
	ck_assert_uint_eq(t_stats(&t.n[0]).republish_values, 2);
	ck_assert_int_eq(t_held(&t, 1, &a, &v), 1);
	ck_assert_int_eq(v.created_ms, created);
	ck_assert_int_eq(v.expires_ms, expires);
	ck_assert_int_eq(t_held(&t, 2, &a, &v), 1);
	ck_assert_int_eq(v.expires_ms, expires);
	ck_assert_int_eq(t_held(&t, 1, &b, NULL), 0);
	ck_assert_int_eq(t_held(&t, 2, &b, NULL), 0);
	/* Node 0's next pass sends it again: same expiry everywhere. */
	t_republish_off(&t);
	t_advance(&t, iv);
	t_republish_now(&t, 0);
	ck_assert_uint_eq(t_stats(&t.n[0]).republish_values, 4);
	ck_assert_int_eq(t_held(&t, 1, &a, &v), 1);
	ck_assert_int_eq(v.expires_ms, expires);
	ck_assert_int_eq(t_held(&t, 0, &a, &v), 1);
	ck_assert_int_eq(v.expires_ms, expires);
	t_free(&t);
}
END_TEST

/*
 * Kademlia's rule: a value received by STORE within the interval is not
 * republished (its sender stored it at all k closest); once the sender
 * is gone and an interval has passed, the receiver republishes it.
 */
START_TEST(test_republish_suppressed)
{
	struct tnet t;
	struct res p;
	struct id key;

	memset(&p, 0, sizeof(p));
	t_init(&t, 3, 22);
	t_join_all(&t);
	t_republish_off(&t);
	id_from_name(&key, "quiet", 5);
	dht_put(t.n[0].dht, &key, "quiet", 5, t_wall(&t), t_wall(&t) +
	    86400000, t.now, t_wall(&t), put_cb, &p);
	t_advance(&t, 10);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_uint_eq(p.remote_acks, 2);
	t_republish_now(&t, 1);
	ck_assert_uint_eq(t_stats(&t.n[1]).republish_keys, 0);
	ck_assert_uint_eq(t_stats(&t.n[1]).republish_suppressed, 1);
	/* The putter received nothing: it republishes to both. */
	t_republish_now(&t, 0);
	ck_assert_uint_eq(t_stats(&t.n[0]).republish_keys, 1);
	ck_assert_uint_eq(t_stats(&t.n[0]).republish_values, 2);
	/* Node 0 dies; an interval later node 1 takes over. */
	t.n[0].dead = 1;
	t_advance(&t, t_cfg.republish_interval_ms);
	t_republish_now(&t, 1);
	ck_assert_uint_eq(t_stats(&t.n[1]).republish_keys, 1);
	ck_assert_uint_eq(t_stats(&t.n[1]).republish_values, 1);
	ck_assert_uint_eq(t_stats(&t.n[2]).values_stored, 3);
	t_free(&t);
}
END_TEST

/* Drops STOREs to node filter_state. */
static int
filter_store_to(struct tnet *t, const struct tpkt *p)
{
	struct wire_msg m;
	const char *errstr;
	int drop = 0;

	if (!addr_eq(&p->to, &t->n[t->filter_state].addr) ||
	    p->buf[3] != WIRE_KIND_WHOLE ||
	    wire_decode(p->buf, p->len, &m, &errstr) == -1)
		return 0;
	drop = m.type == WIRE_STORE;
	wire_msg_free(&m);
	return drop;
}

/* Node indexes by distance to key, closest first. */
static void
t_rank(struct tnet *t, const struct id *key, int *rank)
{
	int i, j, x;

	for (i = 0; i < t->count; i++)
		rank[i] = i;
	for (i = 1; i < t->count; i++)
		for (j = i; j > 0 && id_distcmp(key, &t->n[rank[j]].id,
		    &t->n[rank[j - 1]].id) < 0; j--) {
			x = rank[j];
			rank[j] = rank[j - 1];
			rank[j - 1] = x;
		}
}

/*
 * With k = 2 the putter is outside its key's k closest: it remembers who
 * acknowledged.  All of them: its pass skips the key (no lookup, no
 * STORE).  Some: its pass stores only at the ones it has not seen take it.
 */
START_TEST(test_republish_known_holders)
{
	static struct dht_config cfg;
	struct tnet t;
	struct res p;
	struct id all, some;
	struct dht_stats st;
	int rank[T_MAX], P, A, B;
	uint64_t stored_a, lookups;

	cfg = t_cfg;
	cfg.k = 2;
	memset(&p, 0, sizeof(p));
	t_init_cfg(&t, 5, 23, &cfg);
	t_join_all(&t);
	t_republish_off(&t);
	id_from_name(&all, "all", 3);
	t_rank(&t, &all, rank);
	/* Both keys share the ranking: the second differs in its last bit. */
	some = all;
	some.b[ID_LEN - 1] ^= 1;
	P = rank[4];
	A = rank[0];
	B = rank[1];
	dht_put(t.n[P].dht, &all, "all", 3, t_wall(&t), t_wall(&t) + 86400000,
	    t.now, t_wall(&t), put_cb, &p);
	t_advance(&t, 10);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_uint_eq(p.remote_acks, 2);
	/* B loses the STORE of the second key, every try. */
	t.filter = filter_store_to;
	t.filter_state = B;
	dht_put(t.n[P].dht, &some, "some", 4, t_wall(&t), t_wall(&t) +
	    86400000, t.now, t_wall(&t), put_cb, &p);
	t_advance(&t, 5000);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_uint_eq(p.remote_acks, 1);
	t.filter = NULL;
	ck_assert_int_eq(t_held(&t, B, &some, NULL), 0);
	stored_a = t_stats(&t.n[A]).values_stored;
	lookups = t_stats(&t.n[P]).lookups;

	t_republish_now(&t, P);
	st = t_stats(&t.n[P]);
	ck_assert_uint_eq(st.republish_known_keys, 1);	/* "all" */
	ck_assert_uint_eq(st.republish_keys, 1);	/* "some" */
	ck_assert_uint_eq(st.lookups, lookups + 1);
	ck_assert_uint_eq(st.republish_known_nodes, 1);	/* A */
	ck_assert_uint_eq(st.republish_values, 1);	/* to B */
	ck_assert_int_eq(t_held(&t, B, &some, NULL), 1);
	ck_assert_uint_eq(t_stats(&t.n[A]).values_stored, stored_a);
	/* Now all of "some"'s holders are known too. */
	t_republish_now(&t, P);
	st = t_stats(&t.n[P]);
	ck_assert_uint_eq(st.republish_known_keys, 3);
	ck_assert_uint_eq(st.republish_keys, 1);
	t_free(&t);
}
END_TEST

/* Counts node 0's republish STOREs in flight; fails past the bound. */
static int
filter_rp_bound(struct tnet *t, const struct tpkt *p)
{
	const struct dht *d = t->n[0].dht;
	size_t i, n = 0;

	ck_assert_uint_le(d->rp_jobs, DHT_RP_JOBS);
	for (i = 0; i < d->caprpc; i++)
		n += d->rpc[i].in_use && d->rpc[i].purpose == DHT_RPC_RP_STORE;
	ck_assert_uint_le(n, DHT_RP_JOBS * (DHT_RP_WINDOW + WIRE_MAX_NODES));
	if (n > (size_t)t->filter_state)
		t->filter_state = (int)n;
	return 0;
}

/* A pass over 200 keys runs in bounded steps and reaches every key. */
START_TEST(test_republish_bounded)
{
	struct tnet t;
	struct store_stats ss;
	struct id key;
	char name[16];
	int64_t next;
	int i;

	t_init(&t, 3, 24);
	t_join_all(&t);
	t_republish_off(&t);
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "b%d", i);
		id_from_name(&key, name, strlen(name));
		ck_assert_int_eq(store_put(t.n[0].store, key.b, name,
		    strlen(name), t_wall(&t), t_wall(&t) + 86400000,
		    t_wall(&t), NULL), 1);
	}
	t.n[0].dht->rp_next_ms = t.now;
	next = dht_periodic(t.n[0].dht, t.now, t_wall(&t));
	/* Four lookups started, nothing else: the rest waits for them. */
	ck_assert_uint_eq(t.n[0].dht->rp_jobs, DHT_RP_JOBS);
	ck_assert_uint_eq(t.n[0].dht->rp_ikey, DHT_RP_JOBS);
	ck_assert_uint_le(t.qn, DHT_RP_JOBS * 3);
	ck_assert_int_gt(next, t.now);
	t.n[0].deadline = next;
	t.filter = filter_rp_bound;
	t_advance(&t, 60000);
	ck_assert_int_gt(t.filter_state, 0);
	ck_assert_uint_eq(t_stats(&t.n[0]).republish_passes, 1);
	ck_assert_uint_eq(t_stats(&t.n[0]).republish_keys, 200);
	store_stats(t.n[1].store, &ss);
	ck_assert_uint_eq(ss.keys, 200);
	store_stats(t.n[2].store, &ss);
	ck_assert_uint_eq(ss.keys, 200);
	t_free(&t);
}
END_TEST

static Suite *
dht_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("dht");
	tc = tcase_create("engine");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ping);
	tcase_add_test(tc, test_ping_timeout);
	tcase_add_test(tc, test_put_get);
	tcase_add_test(tc, test_single_node);
	tcase_add_test(tc, test_put_invalid);
	tcase_add_test(tc, test_store_token);
	tcase_add_test(tc, test_store_clamp);
	tcase_add_test(tc, test_response_source);
	tcase_add_test(tc, test_long_answer_token);
	tcase_add_test(tc, test_get_cut_answer);
	tcase_add_test(tc, test_get_clamp);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_two_big_values);
	tcase_add_test(tc, test_paging);
	tcase_add_test(tc, test_not_found_fast);
	tcase_add_test(tc, test_fragment_loss);
	tcase_add_test(tc, test_quota);
	tcase_add_test(tc, test_bootstrap);
	tcase_add_test(tc, test_bootstrap_backoff);
	tcase_add_test(tc, test_join_retry);
	tcase_add_test(tc, test_handover);
	tcase_add_test(tc, test_republish_expiry);
	tcase_add_test(tc, test_republish_suppressed);
	tcase_add_test(tc, test_republish_known_holders);
	tcase_add_test(tc, test_republish_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(dht_suite());
}

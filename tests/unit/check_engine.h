/*
 * check_engine — what the engine's suites share (check_ops, check_serve,
 * check_join, check_repub): a few engines on tests/sim/simnet.h with no
 * latency and a manual clock, callbacks that record an operation's
 * result, and hand-made requests injected from addresses that are no
 * node, whose answers the network captures.  Header-only (static inline).
 */
#ifndef EMO_CHECK_ENGINE_H
#define EMO_CHECK_ENGINE_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "ident.h"
#include "simnet.h"
#include "wire.h"

#define T_STEPS		2000000		/* events per run call */
#define T_CAPTURE	256		/* datagrams to no node kept */

/* The engine configuration the suites run with unless they say otherwise. */
static const struct dht_config t_cfg = {
	.k = ROUTE_K,
	.alpha = 3,
	.rpc_timeout_ms = 1000,
	.rpc_retries = 1,
	.max_ttl_s = 86400,
	.refresh_interval_ms = 3600000,
	.republish_interval_ms = 1800000,
};

/*
 * An empty network whose links take lat_min..lat_max ms one way; no
 * loss, datagrams to no node captured.
 */
static inline struct simnet *
t_net0_lat(uint64_t seed, uint32_t lat_min, uint32_t lat_max)
{
	struct simnet_config cfg;
	struct simnet *sn;

	memset(&cfg, 0, sizeof(cfg));
	cfg.seed = seed;
	cfg.dht = t_cfg;
	cfg.max_values_per_key = 64;
	cfg.max_steps = T_STEPS;
	cfg.lat_min_ms = lat_min;
	cfg.lat_max_ms = lat_max;
	sn = simnet_new(&cfg);
	ck_assert_ptr_nonnull(sn);
	simnet_capture(sn, T_CAPTURE);
	return sn;
}

/* An empty network: no latency, no loss, datagrams to no node captured. */
static inline struct simnet *
t_net0(uint64_t seed)
{
	return t_net0_lat(seed, 0, 0);
}

/* n nodes of configuration cfg (NULL: t_cfg), none joined. */
static inline struct simnet *
t_net(size_t n, uint64_t seed, const struct dht_config *cfg)
{
	struct simnet *sn = t_net0(seed);
	size_t i;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(simnet_add_config(sn, cfg ? cfg : &t_cfg),
		    (long)i);
	return sn;
}

static inline void
t_run(struct simnet *sn, int64_t ms)
{
	ck_assert_int_eq(simnet_run_until(sn, simnet_now(sn) + ms), 0);
}

static inline void
t_flush(struct simnet *sn)
{
	ck_assert_int_eq(simnet_flush(sn), 0);
}

/* Nodes from..n-1 join through node 0, one by one; the network settles. */
static inline void
t_join_from(struct simnet *sn, size_t from)
{
	size_t i, via = 0;

	for (i = from; i < simnet_count(sn); i++) {
		simnet_bootstrap(sn, i, &via, 1);
		t_run(sn, 10);
	}
	t_run(sn, 100);
}

static inline void
t_join_all(struct simnet *sn)
{
	t_join_from(sn, 1);
}

static inline struct dht_stats
t_stats(struct simnet *sn, size_t i)
{
	struct dht_stats st;

	dht_get_stats(simnet_dht(sn, i), &st);
	return st;
}

/* Entries of node i's routing table at the host (any port) of a. */
static inline size_t
t_peers_at_ip(struct simnet *sn, size_t i, const struct addr *a)
{
	static struct route_node v[ROUTE_MAX_NODES];
	size_t j, n, c = 0;

	n = dht_peers(simnet_dht(sn, i), v, ROUTE_MAX_NODES);
	for (j = 0; j < n; j++)
		c += (size_t)addr_same_ip(&v[j].addr, a);
	return c;
}

/* Whether node i's routing table has an entry at exactly a. */
static inline int
t_peer_at(struct simnet *sn, size_t i, const struct addr *a)
{
	static struct route_node v[ROUTE_MAX_NODES];
	size_t j, n;

	n = dht_peers(simnet_dht(sn, i), v, ROUTE_MAX_NODES);
	for (j = 0; j < n; j++)
		if (addr_eq(&v[j].addr, a))
			return 1;
	return 0;
}

/* ---- recorded results -------------------------------------------------- */

#define T_VALS	8

struct res {
	int			 calls;
	enum dht_err		 err;
	uint32_t		 acks, remote_acks, responders;
	struct id		 id;
	size_t			 nvals;
	struct store_value	 v[T_VALS];
	uint8_t			*data[T_VALS];
};

static inline void
put_cb(void *arg, const struct op_put_result *r)
{
	struct res *s = arg;

	s->calls++;
	s->err = r->err;
	s->acks = r->acks;
	s->remote_acks = r->remote_acks;
}

static inline void
get_cb(void *arg, const struct op_get_result *r)
{
	struct res *s = arg;
	size_t i;

	s->calls++;
	s->err = r->err;
	s->responders = r->responders;
	s->nvals = r->values.n;
	for (i = 0; i < r->values.n && i < T_VALS; i++) {
		s->v[i] = r->values.v[i];
		free(s->data[i]);
		s->data[i] = malloc(r->values.v[i].len);
		ck_assert_ptr_nonnull(s->data[i]);
		memcpy(s->data[i], r->values.v[i].data, r->values.v[i].len);
		s->v[i].data = s->data[i];
	}
}

static inline void
ping_cb(void *arg, const struct op_ping_result *r)
{
	struct res *s = arg;

	s->calls++;
	s->err = r->err;
	s->id = r->id;
}

static inline void
res_free(struct res *s)
{
	size_t i;

	for (i = 0; i < T_VALS; i++)
		free(s->data[i]);
	memset(s, 0, sizeof(*s));
}

/* ---- hand-made requests ------------------------------------------------ */

/* A request of our own (the engine asking `from` something), not an answer. */
static inline int
t_is_request(int type)
{
	return type == WIRE_PING || type == WIRE_FIND_NODE ||
	    type == WIRE_FIND_VALUE || type == WIRE_STORE ||
	    type == WIRE_GET_VALUES || type == WIRE_LISTEN ||
	    type == WIRE_NOTIFY;
}

static inline int t_dgram_type(const struct simnet_dgram *);

/*
 * Pads m (Packet.pad) so that it encodes to `target` bytes, or a byte
 * under (the field's length varint may not allow it exactly), as the
 * engine pads a request to an address whose cookie it lacks.
 */
static inline void
t_pad(struct wire_msg *m, size_t target)
{
	size_t base, d, n;

	m->padlen = 0;
	base = wire_encoded_len(m);
	if (base + 2 > target)
		return;
	d = target - base;
	n = d - 2;
	if (n > 127 && (n = d - 3) < 128)
		n = 127;
	m->padlen = n;
}

/*
 * Sends m from `from` (no node) to node `to`, exactly as given, and
 * delivers what follows; returns how many datagrams came back to `from`
 * as the answer (whole or in fragments), which come first in the capture:
 * requests the node then sends on its own (an admission ping, a hand-over
 * to its new neighbour) are not counted.
 */
static inline size_t
t_raw_bare(struct simnet *sn, const struct addr *from, size_t to,
    const struct wire_msg *m)
{
	static uint8_t buf[WIRE_MAX_MESSAGE];
	ssize_t len;
	size_t i, n;

	len = wire_encode(m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	t_flush(sn);
	simnet_capture_clear(sn);
	ck_assert_int_eq(simnet_inject(sn, from, to, buf, (size_t)len), 0);
	t_flush(sn);
	n = simnet_ncaptured(sn);
	for (i = 0; i < n; i++)
		if (t_is_request(t_dgram_type(simnet_captured(sn, i))))
			break;
	return i;
}

/*
 * t_raw_bare, but a request without a cookie is first padded to a full
 * datagram, as the engine's own first contact is: its answer (up to a
 * datagram) and an admission ping then fit under the amplification rule
 * (docs/PROTOCOL.md, "Cookies").  Longer answers need a cookie.
 */
static inline size_t
t_raw(struct simnet *sn, const struct addr *from, size_t to,
    const struct wire_msg *m)
{
	struct wire_msg c = *m;

	if (c.cookielen == 0 && c.padlen == 0)
		t_pad(&c, WIRE_MAX_DATAGRAM);
	return t_raw_bare(sn, from, to, &c);
}

/* Decodes captured datagram i (a whole message). */
static inline void
t_captured_msg(struct simnet *sn, size_t i, struct wire_msg *out)
{
	const struct simnet_dgram *d = simnet_captured(sn, i);
	const char *errstr;

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(wire_decode(d->buf, d->len, out, &errstr), 0);
}

/*
 * A FIND_NODE for key from `from` (an outside address) to node `to`;
 * copies the answer's write token (good for STOREs under key from that
 * address) and returns its length: 0 when the node withholds it.
 */
static inline size_t
t_token(struct simnet *sn, const struct addr *from, size_t to,
    const struct id *key, uint8_t *tok)
{
	struct wire_msg m, ans;
	size_t n;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_FIND_NODE;
	memset(m.sender.b, 0x5a, ID_LEN);
	m.txid = 78;
	m.u.find_node.target = *key;
	ck_assert_uint_eq(t_raw(sn, from, to, &m), 1);
	t_captured_msg(sn, 0, &ans);
	ck_assert_int_eq(ans.type, WIRE_NODES);
	ck_assert_uint_eq(ans.txid, 78);
	n = ans.u.nodes.tokenlen;
	memcpy(tok, ans.u.nodes.token, n);
	wire_msg_free(&ans);
	return n;
}

/* The type of a whole message, or -1 (a fragment, a NACK, garbage). */
static inline int
t_dgram_type(const struct simnet_dgram *d)
{
	struct wire_msg m;
	const char *errstr;
	int type;

	if (d->len < 4 || d->buf[3] != WIRE_KIND_WHOLE ||
	    wire_decode(d->buf, d->len, &m, &errstr) == -1)
		return -1;
	type = (int)m.type;
	wire_msg_free(&m);
	return type;
}

/* The one value node i holds under key; 0 if none. */
static inline int
t_held(struct simnet *sn, size_t i, const struct id *key,
    struct store_value *v)
{
	struct store_result res;
	int n;

	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(store_get(simnet_store(sn, i), key->b, 0,
	    simnet_wall(sn), &res, NULL), 0);
	n = (int)res.n;
	if (n == 1 && v != NULL) {
		*v = res.v[0];
		v->data = NULL;
	}
	store_result_free(&res);
	return n;
}

/*
 * A hand-made peer's identity: the key pair of a seed made of `n`, its ID
 * (Keccak-256 of the public key, ident.h).
 */
static inline void
t_ident(struct keys_pair *kp, struct id *id, uint64_t n)
{
	uint8_t seed[32];

	memset(seed, 0x3c, sizeof(seed));
	memcpy(seed, &n, sizeof(n));
	keys_from_seed(kp, seed);
	ident_id(kp->pub, id);
}

/*
 * m (type, sender and txid set by the caller) a PONG to PING q from the
 * hand-made peer kp to the engine whose ID is asker, seen from `from`:
 * with the proof of kp's ID if q is a challenge.
 */
static inline void
t_pong(struct wire_msg *m, const struct wire_msg *q,
    const struct keys_pair *kp, const struct id *asker,
    const struct addr *from)
{
	m->type = WIRE_PONG;
	m->u.pong.observed = *from;
	if (q->type == WIRE_PING && q->u.ping.noncelen > 0)
		ident_prove(kp, asker, q->u.ping.nonce, q->u.ping.noncelen,
		    &m->u.pong);
}

#endif

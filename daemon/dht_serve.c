/*
 * dht_serve — answers the requests of other nodes: PING, FIND_NODE,
 * FIND_VALUE (one page of values at a time; a long page only to an
 * address that answered us) and STORE, which must carry the write token we
 * gave its source address and whose values are bounded before they reach
 * the store.
 */
#include <string.h>

#include "dht_impl.h"

/*
 * Up to k nodes closest to target, never the asker (nor us).  Nodes that
 * missed their last reply go last: a dead entry would otherwise take the
 * place of a live node in every answer until it is evicted.
 */
static size_t
dht_closest_for(struct dht *d, const struct id *target,
    const struct id *asker, struct wire_node *out)
{
	struct route_node rn[WIRE_MAX_NODES + DHT_ANSWER_SPARE + 1];
	size_t i, n, k = 0;
	int pass;

	n = route_closest(d->rt, target, d->cfg.k + DHT_ANSWER_SPARE + 1, rn);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n && k < d->cfg.k; i++) {
			if (id_eq(&rn[i].id, asker) ||
			    (rn[i].fails == 0) != (pass == 0))
				continue;
			out[k].id = rn[i].id;
			out[k].addr = rn[i].addr;
			k++;
		}
	return k;
}

void
dht_serve_ping(struct dht *d, const struct addr *from,
    const struct wire_msg *q, int64_t now_ms, int64_t wall_ms)
{
	struct wire_msg m;

	dht_route_seen(d, &q->sender, from, 0, now_ms);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_PONG;
	m.u.pong.observed = *from;
	dht_reply(d, from, &m, q->txid, now_ms);
}

void
dht_serve_find_node(struct dht *d, const struct addr *from,
    const struct wire_msg *q, int64_t now_ms, int64_t wall_ms)
{
	struct wire_node nodes[WIRE_MAX_NODES];
	struct wire_msg m;

	dht_route_seen(d, &q->sender, from, 0, now_ms);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_NODES;
	m.u.nodes.nnodes = dht_closest_for(d, &q->u.find_node.target,
	    &q->sender, nodes);
	m.u.nodes.nodes = nodes;
	dht_token_make(d, d->secret[0], from, m.u.nodes.token);
	m.u.nodes.tokenlen = DHT_TOKEN_LEN;
	dht_reply(d, from, &m, q->txid, now_ms);
}

/* ---- long answers only to addresses that answered us ------------------- */

void
dht_verified_add(struct dht *d, const struct addr *a, int64_t now_ms)
{
	struct dht_seen_addr *v;

	v = &d->verified[dht_addr_hash(a) % DHT_VERIFIED_CACHE];
	v->addr = *a;
	v->ms = now_ms;
}

static int
dht_verified(const struct dht *d, const struct addr *a, int64_t now_ms)
{
	const struct dht_seen_addr *v;

	v = &d->verified[dht_addr_hash(a) % DHT_VERIFIED_CACHE];
	return v->addr.len != 0 && addr_eq(&v->addr, a) &&
	    now_ms - v->ms < DHT_VERIFIED_MAX_AGE_MS;
}

/* Pings the source; the answer goes out when the PONG comes back. */
static void
dht_defer(struct dht *d, const struct addr *from, const struct wire_msg *q,
    int64_t now_ms)
{
	struct dht_deferred *e = NULL, *oldest = NULL;
	struct wire_msg m;
	size_t i;
	int32_t ri;

	for (i = 0; i < DHT_DEFERRED_MAX; i++) {
		if (!d->deferred[i].in_use) {
			if (e == NULL)
				e = &d->deferred[i];
			continue;
		}
		if (d->deferred[i].txid == q->txid &&
		    addr_eq(&d->deferred[i].from, from))
			return;		/* a resend: the ping is out */
		if (oldest == NULL ||
		    d->deferred[i].serial - oldest->serial > UINT32_MAX / 2)
			oldest = &d->deferred[i];
	}
	/* Full (a flood of spoofed requests?): the oldest gives way. */
	if (e == NULL)
		e = oldest;
	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	if ((ri = dht_request(d, from, NULL, &m, DHT_RPC_VERIFY, NULL,
	    now_ms)) < 0)
		return;
	d->rpc[ri].job = ++d->deferred_serial;
	e->from = *from;
	e->sender = q->sender;
	e->txid = q->txid;
	e->fv = q->u.find_value;
	e->serial = d->deferred_serial;
	e->in_use = 1;
}

static void	dht_find_value_answer(struct dht *, const struct addr *,
		    const struct id *, uint64_t, const struct wire_find_value *,
		    int64_t, int64_t);

void
dht_verify_done(struct dht *d, const struct dht_rpc *r, int ok,
    int64_t now_ms, int64_t wall_ms)
{
	struct dht_deferred e;
	size_t i;

	for (i = 0; i < DHT_DEFERRED_MAX; i++) {
		if (!d->deferred[i].in_use || d->deferred[i].serial != r->job)
			continue;
		e = d->deferred[i];
		d->deferred[i].in_use = 0;
		if (ok)
			dht_find_value_answer(d, &e.from, &e.sender, e.txid,
			    &e.fv, now_ms, wall_ms);
	}
}

void
dht_serve_find_value(struct dht *d, const struct addr *from,
    const struct wire_msg *q, int64_t now_ms, int64_t wall_ms)
{
	dht_route_seen(d, &q->sender, from, 0, now_ms);
	dht_find_value_answer(d, from, &q->sender, q->txid, &q->u.find_value,
	    now_ms, wall_ms);
}

static void
dht_find_value_answer(struct dht *d, const struct addr *from,
    const struct id *asker, uint64_t txid, const struct wire_find_value *fv,
    int64_t now_ms, int64_t wall_ms)
{
	struct wire_node nodes[WIRE_MAX_NODES];
	struct wire_value wv[WIRE_MAX_VALUES_PER_MSG];
	struct store_result res;
	struct wire_msg m, q;
	const char *errstr;
	size_t off, want, i, fit;

	memset(&res, 0, sizeof(res));
	if (store_get(d->store, fv->key.b, fv->since_ms, wall_ms, &res,
	    &errstr) == -1) {
		dht_reply_error(d, from, txid, WIRE_ERR_INTERNAL,
		    "storage error", now_ms);
		return;
	}
	off = fv->offset < res.n ? fv->offset : res.n;
	want = res.n - off;
	if (want > WIRE_MAX_VALUES_PER_MSG)
		want = WIRE_MAX_VALUES_PER_MSG;
	for (i = 0; i < want; i++) {
		wv[i].data = res.v[off + i].data;
		wv[i].len = res.v[off + i].len;
		wv[i].created_ms = res.v[off + i].created_ms;
		wv[i].expires_ms = res.v[off + i].expires_ms;
	}
	memset(&m, 0, sizeof(m));
	m.type = WIRE_VALUES;
	/* Later pages carry values only: the asker has our nodes. */
	if (off == 0) {
		m.u.values.nnodes = dht_closest_for(d, &fv->key, asker, nodes);
		m.u.values.nodes = nodes;
	}
	dht_token_make(d, d->secret[0], from, m.u.values.token);
	m.u.values.tokenlen = DHT_TOKEN_LEN;
	fit = wire_values_fit(&m, wv, want);
	m.u.values.values = wv;
	m.u.values.nvalues = fit;
	m.u.values.total = (uint32_t)res.n;
	m.u.values.next_offset = off + fit < res.n ? (uint32_t)(off + fit) : 0;
	if (wire_encoded_len(&m) > WIRE_MAX_DATAGRAM &&
	    !dht_verified(d, from, now_ms)) {
		memset(&q, 0, sizeof(q));
		q.type = WIRE_FIND_VALUE;
		q.sender = *asker;
		q.txid = txid;
		q.u.find_value = *fv;
		dht_defer(d, from, &q, now_ms);
	} else
		dht_reply(d, from, &m, txid, now_ms);
	store_result_free(&res);
}

void
dht_serve_store(struct dht *d, const struct addr *from,
    const struct wire_msg *q, int64_t now_ms, int64_t wall_ms)
{
	const struct wire_store *s = &q->u.store;
	const struct wire_value *v;
	struct wire_msg m;
	const char *errstr;
	int64_t exp, max_exp;
	uint32_t stored = 0;
	size_t i;

	if (!dht_token_check(d, from, s->token, s->tokenlen)) {
		/* Smaller than the request: nothing to amplify. */
		d->st.rx_dropped_token++;
		dht_reply_error(d, from, q->txid, WIRE_ERR_BAD_TOKEN,
		    "bad token", now_ms);
		return;
	}
	dht_route_seen(d, &q->sender, from, 0, now_ms);
	/* Only who received our token could send it. */
	dht_verified_add(d, from, now_ms);
	max_exp = wall_ms + (int64_t)d->cfg.max_ttl_s * 1000;
	for (i = 0; i < s->nvalues; i++) {
		v = &s->values[i];
		/* The network never extends a value's life. */
		exp = v->expires_ms < max_exp ? v->expires_ms : max_exp;
		if (exp <= wall_ms || v->created_ms >= exp ||
		    v->created_ms > wall_ms + DHT_CLOCK_SKEW_MS)
			continue;
		if (store_put(d->store, s->key.b, v->data, v->len,
		    v->created_ms, exp, wall_ms, &errstr) < 0)
			continue;
		stored++;
		d->st.values_stored++;
	}
	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE_ACK;
	m.u.store_ack.stored = stored;
	dht_reply(d, from, &m, q->txid, now_ms);
}

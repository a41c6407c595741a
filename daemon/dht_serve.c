/*
 * dht_serve — answers the requests of other nodes: PING, FIND_NODE,
 * FIND_VALUE (one page of values at a time; a long page only to an
 * address that proved itself) and STORE, which must carry the write token
 * we gave its source address and whose values are clamped before they
 * reach the store.
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

/* ---- long answers only to addresses that proved themselves ------------ */

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

/* The largest count of values (at most fit) whose answer fits a datagram. */
static size_t
dht_fit_datagram(struct wire_msg *m, size_t off, size_t total, size_t fit)
{
	size_t lo = 0, hi = fit, mid;

	while (lo < hi) {
		mid = (lo + hi + 1) / 2;
		m->u.values.nvalues = mid;
		m->u.values.next_offset = off + mid < total ?
		    (uint32_t)(off + mid) : 0;
		if (wire_encoded_len(m) <= WIRE_MAX_DATAGRAM)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/*
 * One page of values from `offset` on, with our closest nodes on the
 * first page.  Longer than a datagram only for an asker that proved its
 * address (see DHT_VERIFIED_CACHE); else cut to one datagram, and if not
 * even the first value fits, the page holds none while `total` says
 * there are some: the asker asks again with the token it now holds.
 */
void
dht_serve_find_value(struct dht *d, const struct addr *from,
    const struct wire_msg *q, int64_t now_ms, int64_t wall_ms)
{
	const struct wire_find_value *fv = &q->u.find_value;
	struct wire_node nodes[WIRE_MAX_NODES];
	struct wire_value wv[WIRE_MAX_VALUES_PER_MSG];
	struct store_result res;
	struct wire_msg m;
	const char *errstr;
	size_t off, total, i, fit, cut;

	dht_route_seen(d, &q->sender, from, 0, now_ms);
	memset(&res, 0, sizeof(res));
	if (store_get_page(d->store, fv->key.b, fv->since_ms, wall_ms,
	    fv->offset, WIRE_MAX_VALUES_PER_MSG, &res, &total, &errstr) == -1) {
		dht_reply_error(d, from, q->txid, WIRE_ERR_INTERNAL,
		    "storage error", now_ms);
		return;
	}
	if (total > UINT32_MAX - 1)
		total = UINT32_MAX - 1;
	off = fv->offset < total ? fv->offset : total;
	for (i = 0; i < res.n && i < WIRE_MAX_VALUES_PER_MSG; i++) {
		wv[i].data = res.v[i].data;
		wv[i].len = res.v[i].len;
		wv[i].created_ms = res.v[i].created_ms;
		wv[i].expires_ms = res.v[i].expires_ms;
	}
	memset(&m, 0, sizeof(m));
	m.type = WIRE_VALUES;
	/* Later pages carry values only: the asker has our nodes. */
	if (off == 0) {
		m.u.values.nnodes = dht_closest_for(d, &fv->key, &q->sender,
		    nodes);
		m.u.values.nodes = nodes;
	}
	dht_token_make(d, d->secret[0], from, m.u.values.token);
	m.u.values.tokenlen = DHT_TOKEN_LEN;
	fit = wire_values_fit(&m, wv, i);
	m.u.values.values = wv;
	m.u.values.nvalues = fit;
	m.u.values.total = (uint32_t)total;
	m.u.values.next_offset = off + fit < total ? (uint32_t)(off + fit) : 0;
	if (wire_encoded_len(&m) > WIRE_MAX_DATAGRAM &&
	    !dht_token_check(d, from, fv->token, fv->tokenlen) &&
	    !dht_verified(d, from, now_ms)) {
		cut = dht_fit_datagram(&m, off, total, fit);
		m.u.values.nvalues = cut;
		m.u.values.next_offset = cut > 0 && off + cut < total ?
		    (uint32_t)(off + cut) : 0;
		d->st.answers_cut++;
	}
	dht_reply(d, from, &m, q->txid, now_ms);
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
	/*
	 * The wire already bounds both times (wire_check); here a sender's
	 * clock or malice meets ours: no expiry beyond max_ttl from now, no
	 * creation time from the future beyond the skew.  store_put keeps the
	 * later of two expiries, so a republish, which carries the original
	 * expiry, never extends a value's life.
	 */
	max_exp = wall_ms + (int64_t)d->cfg.max_ttl_s * 1000;
	for (i = 0; i < s->nvalues; i++) {
		v = &s->values[i];
		exp = v->expires_ms < max_exp ? v->expires_ms : max_exp;
		if (exp <= wall_ms || v->created_ms >= exp ||
		    v->created_ms > wall_ms + DHT_CLOCK_SKEW_MS)
			continue;
		if (store_put(d->store, s->key.b, v->data, v->len,
		    v->created_ms, exp, wall_ms, &errstr) < 0)
			continue;
		/* Our republish of it may rest for an interval. */
		dht_seen_note(d, &s->key, v->data, v->len, now_ms);
		stored++;
		d->st.values_stored++;
	}
	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE_ACK;
	m.u.store_ack.stored = stored;
	dht_reply(d, from, &m, q->txid, now_ms);
}

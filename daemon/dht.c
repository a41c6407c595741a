/*
 * dht — the engine's core: lifecycle, the table of outstanding requests
 * (random txids in a hash, deadlines in a heap), sending through frag,
 * input dispatch through a handler table, and matching responses.
 */
#include <stdlib.h>
#include <string.h>

#include "dht_impl.h"

#define DHT_HASH_MIN	128

static void
dht_emit(void *arg, const struct addr *to, const uint8_t *buf, size_t len)
{
	struct dht *d = arg;

	d->io.send(d->io.arg, to, buf, len);
}

void
dht_random(struct dht *d, void *buf, size_t len)
{
	d->io.random(d->io.arg, buf, len);
}

static uint64_t
dht_random_u64(struct dht *d)
{
	uint64_t v;

	dht_random(d, &v, sizeof(v));
	return v;
}

/* Whole, or in fragments remembered for the receiver's NACKs. */
static int
dht_send_bytes(struct dht *d, const struct addr *to, const uint8_t *buf,
    size_t len, int64_t now_ms)
{
	if (len <= WIRE_MAX_DATAGRAM) {
		dht_emit(d, to, buf, len);
		return 0;
	}
	if (frag_out_send(d->fout, to, buf, len, dht_random_u64(d), now_ms,
	    dht_emit, d) < 0)
		return -1;
	return 0;
}

static uint8_t *
dht_encode(const struct wire_msg *m, size_t *lenp)
{
	uint8_t *buf;
	size_t n;
	ssize_t r;

	n = wire_encoded_len(m);
	if (n > WIRE_MAX_MESSAGE || (buf = malloc(n)) == NULL)
		return NULL;
	if ((r = wire_encode(m, buf, n)) < 0) {
		free(buf);
		return NULL;
	}
	*lenp = (size_t)r;
	return buf;
}

static void
dht_count_tx(struct dht *d, unsigned type)
{
	if (type < sizeof(d->st.tx_msgs) / sizeof(d->st.tx_msgs[0]))
		d->st.tx_msgs[type]++;
}

void
dht_reply(struct dht *d, const struct addr *to, struct wire_msg *m,
    uint64_t txid, int64_t now_ms)
{
	uint8_t *buf;
	size_t len;

	m->sender = d->self;
	m->txid = txid;
	m->priv = NULL;
	if ((buf = dht_encode(m, &len)) == NULL)
		return;
	if (dht_send_bytes(d, to, buf, len, now_ms) == 0)
		dht_count_tx(d, m->type);
	free(buf);
}

void
dht_reply_error(struct dht *d, const struct addr *to, uint64_t txid,
    uint32_t code, const char *text, int64_t now_ms)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_ERROR;
	m.u.error.code = code;
	m.u.error.message = text;
	dht_reply(d, to, &m, txid, now_ms);
}

/* ---- the request table ------------------------------------------------- */

static size_t
dht_hash(const struct dht *d, uint64_t txid)
{
	return (size_t)(txid ^ (txid >> 29)) & (d->nhbucket - 1);
}

static void
dht_hash_insert(struct dht *d, int32_t i)
{
	size_t h = dht_hash(d, d->rpc[i].txid);

	d->rpc[i].hnext = d->hbucket[h];
	d->hbucket[h] = i;
}

static int32_t
dht_rpc_find(const struct dht *d, uint64_t txid)
{
	int32_t i;

	if (d->nhbucket == 0)
		return -1;
	for (i = d->hbucket[dht_hash(d, txid)]; i >= 0; i = d->rpc[i].hnext)
		if (d->rpc[i].txid == txid)
			return i;
	return -1;
}

static void
dht_hash_remove(struct dht *d, int32_t i)
{
	int32_t *p;

	for (p = &d->hbucket[dht_hash(d, d->rpc[i].txid)]; *p >= 0;
	    p = &d->rpc[*p].hnext)
		if (*p == i) {
			*p = d->rpc[i].hnext;
			return;
		}
}

static int
dht_heap_less(const struct dht *d, size_t a, size_t b)
{
	return d->rpc[d->heap[a]].deadline < d->rpc[d->heap[b]].deadline;
}

static void
dht_heap_swap(struct dht *d, size_t a, size_t b)
{
	int32_t t;

	t = d->heap[a];
	d->heap[a] = d->heap[b];
	d->heap[b] = t;
	d->rpc[d->heap[a]].hpos = (int32_t)a;
	d->rpc[d->heap[b]].hpos = (int32_t)b;
}

static void
dht_heap_fix(struct dht *d, size_t i)
{
	size_t parent, l, r, m;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!dht_heap_less(d, i, parent))
			break;
		dht_heap_swap(d, i, parent);
		i = parent;
	}
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < d->nrpc && dht_heap_less(d, l, m))
			m = l;
		if (r < d->nrpc && dht_heap_less(d, r, m))
			m = r;
		if (m == i)
			break;
		dht_heap_swap(d, i, m);
		i = m;
	}
}

/* Doubles the table up to DHT_MAX_RPCS and rebuilds the hash. */
static int
dht_rpc_grow(struct dht *d)
{
	struct dht_rpc *nr;
	int32_t *nh, *nb;
	size_t ncap, nb_n, i;

	ncap = d->caprpc ? d->caprpc * 2 : 32;
	if (ncap > DHT_MAX_RPCS)
		ncap = DHT_MAX_RPCS;
	if (ncap <= d->caprpc)
		return -1;
	nb_n = ncap * 2 < DHT_HASH_MIN ? DHT_HASH_MIN : ncap * 2;
	if ((nb = malloc(nb_n * sizeof(*nb))) == NULL)
		return -1;
	if ((nh = realloc(d->heap, ncap * sizeof(*nh))) == NULL) {
		free(nb);
		return -1;
	}
	d->heap = nh;
	if ((nr = realloc(d->rpc, ncap * sizeof(*nr))) == NULL) {
		free(nb);
		return -1;
	}
	d->rpc = nr;
	for (i = ncap; i > d->caprpc; i--) {
		memset(&d->rpc[i - 1], 0, sizeof(d->rpc[0]));
		d->rpc[i - 1].hnext = d->rpcfree;
		d->rpcfree = (int32_t)(i - 1);
	}
	free(d->hbucket);
	d->hbucket = nb;
	d->nhbucket = nb_n;
	for (i = 0; i < nb_n; i++)
		nb[i] = -1;
	for (i = 0; i < d->caprpc; i++)
		if (d->rpc[i].in_use)
			dht_hash_insert(d, (int32_t)i);
	d->caprpc = ncap;
	return 0;
}

static void
dht_rpc_release(struct dht *d, int32_t i)
{
	struct dht_rpc *r = &d->rpc[i];
	size_t pos = (size_t)r->hpos, last = d->nrpc - 1;

	dht_hash_remove(d, i);
	if (pos != last)
		dht_heap_swap(d, pos, last);
	d->nrpc--;
	if (pos < d->nrpc)
		dht_heap_fix(d, pos);
	free(r->msg);
	memset(r, 0, sizeof(*r));
	r->hnext = d->rpcfree;
	d->rpcfree = i;
}

uint32_t
dht_rpc_room(const struct dht *d)
{
	return (uint32_t)(DHT_MAX_RPCS - d->nrpc);
}

int
dht_request(struct dht *d, const struct addr *to, const struct id *id,
    struct wire_msg *m, enum dht_purpose purpose, struct dht_op *op,
    int64_t now_ms)
{
	struct dht_rpc *r;
	uint8_t *buf;
	size_t len;
	int32_t i;
	uint64_t txid;

	if (d->nrpc >= DHT_MAX_RPCS ||
	    (d->rpcfree < 0 && dht_rpc_grow(d) == -1))
		return -1;
	do
		txid = dht_random_u64(d);
	while (txid == 0 || dht_rpc_find(d, txid) >= 0);
	m->sender = d->self;
	m->txid = txid;
	m->priv = NULL;
	if ((buf = dht_encode(m, &len)) == NULL)
		return -1;
	if (dht_send_bytes(d, to, buf, len, now_ms) == -1) {
		free(buf);
		return -1;
	}
	dht_count_tx(d, m->type);
	i = d->rpcfree;
	r = &d->rpc[i];
	d->rpcfree = r->hnext;
	memset(r, 0, sizeof(*r));
	r->txid = txid;
	r->to = *to;
	if (id != NULL) {
		r->id = *id;
		r->id_known = 1;
	}
	r->purpose = (uint8_t)purpose;
	r->type = (uint8_t)m->type;
	r->in_use = 1;
	r->op = op != NULL ? op->slot : -1;
	r->opgen = op != NULL ? op->gen : 0;
	r->sent_ms = now_ms;
	r->deadline = now_ms + d->cfg.rpc_timeout_ms;
	r->msg = buf;
	r->len = len;
	dht_hash_insert(d, i);
	r->hpos = (int32_t)d->nrpc;
	d->heap[d->nrpc++] = i;
	dht_heap_fix(d, (size_t)r->hpos);
	return i;
}

void
dht_dead_add(struct dht *d, const struct id *id, int64_t now_ms)
{
	unsigned i;

	for (i = 0; i < DHT_DEAD_CACHE; i++)
		if (d->dead[i].at_ms != 0 && id_eq(&d->dead[i].id, id)) {
			d->dead[i].at_ms = now_ms;
			return;
		}
	d->dead[d->dead_next].id = *id;
	d->dead[d->dead_next].at_ms = now_ms;
	d->dead_next = (d->dead_next + 1) % DHT_DEAD_CACHE;
}

int
dht_dead_has(const struct dht *d, const struct id *id, int64_t now_ms)
{
	unsigned i;

	for (i = 0; i < DHT_DEAD_CACHE; i++)
		if (d->dead[i].at_ms != 0 &&
		    now_ms - d->dead[i].at_ms < DHT_DEAD_TTL_MS &&
		    id_eq(&d->dead[i].id, id))
			return 1;
	return 0;
}

void
dht_dead_forget(struct dht *d, const struct id *id)
{
	unsigned i;

	for (i = 0; i < DHT_DEAD_CACHE; i++)
		if (d->dead[i].at_ms != 0 && id_eq(&d->dead[i].id, id))
			d->dead[i].at_ms = 0;
}

/* The request got no usable answer: tell whoever sent it. */
static void
dht_rpc_fail(struct dht *d, const struct dht_rpc *r, int timed_out,
    int64_t now_ms)
{
	if (timed_out && r->id_known) {
		route_failed(d->rt, &r->id, (uint64_t)now_ms);
		dht_dead_add(d, &r->id, now_ms);
	}
	switch (r->purpose) {
	case DHT_RPC_LOOKUP:
	case DHT_RPC_PAGE:
	case DHT_RPC_STORE:
	case DHT_RPC_PING:
		dht_op_failed(d, r, now_ms);
		break;
	case DHT_RPC_HO_TOKEN:
	case DHT_RPC_HO_STORE:
		dht_handover_failed(d, r);
		break;
	case DHT_RPC_RP_STORE:
		dht_repub_failed(d, r);
		break;
	default:	/* liveness: route_failed did it; boot: backoff does */
		break;
	}
}

static void
dht_rpc_expire(struct dht *d, int64_t now_ms)
{
	struct dht_rpc *r, copy;
	int32_t i;

	while (d->nrpc > 0 && d->rpc[d->heap[0]].deadline <= now_ms) {
		i = d->heap[0];
		r = &d->rpc[i];
		if (r->tries < d->cfg.rpc_retries) {
			/* Same txid: a late answer to the first try counts. */
			r->tries++;
			r->sent_ms = now_ms;
			r->deadline = now_ms + d->cfg.rpc_timeout_ms;
			dht_heap_fix(d, (size_t)r->hpos);
			d->st.rpc_retries++;
			if (dht_send_bytes(d, &r->to, r->msg, r->len,
			    now_ms) == 0)
				dht_count_tx(d, r->type);
			continue;
		}
		d->st.rpc_timeouts++;
		copy = *r;
		copy.msg = NULL;
		dht_rpc_release(d, i);
		dht_rpc_fail(d, &copy, 1, now_ms);
	}
}

/* ---- routing-table upkeep for requests and replies ---------------------- */

void
dht_route_seen(struct dht *d, const struct id *id, const struct addr *from,
    uint32_t rtt_us, int64_t now_ms)
{
	struct route_node ev;
	struct wire_msg m;

	dht_dead_forget(d, id);
	switch (route_seen(d->rt, id, from, (uint64_t)now_ms, rtt_us, &ev)) {
	case ROUTE_ADDED:
		dht_handover_add(d, id, from);
		break;
	case ROUTE_PING:
		memset(&m, 0, sizeof(m));
		m.type = WIRE_PING;
		/* No room to ask: route forgets the decision in time. */
		(void)dht_request(d, &ev.addr, &ev.id, &m, DHT_RPC_LIVENESS,
		    NULL, now_ms);
		break;
	default:
		break;
	}
}

/* ---- responses --------------------------------------------------------- */

static const uint8_t dht_answer_type[] = {
	[WIRE_PING] = WIRE_PONG,
	[WIRE_FIND_NODE] = WIRE_NODES,
	[WIRE_FIND_VALUE] = WIRE_VALUES,
	[WIRE_STORE] = WIRE_STORE_ACK,
};

static void
dht_on_response(struct dht *d, const struct addr *from,
    const struct wire_msg *m, int64_t now_ms, int64_t wall_ms)
{
	struct dht_rpc r;
	int32_t i;
	uint32_t rtt_us = 0;

	i = dht_rpc_find(d, m->txid);
	if (i < 0 || !addr_eq(&d->rpc[i].to, from) ||
	    (m->type != WIRE_ERROR &&
	    (d->rpc[i].type >= sizeof(dht_answer_type) ||
	    dht_answer_type[d->rpc[i].type] != m->type))) {
		d->st.rx_dropped_unmatched++;
		return;
	}
	r = d->rpc[i];
	r.msg = NULL;
	dht_rpc_release(d, i);
	/* Karn: an answer after a resend says nothing about the RTT. */
	if (r.tries == 0)
		rtt_us = now_ms > r.sent_ms ?
		    (uint32_t)((now_ms - r.sent_ms) * 1000) : 1;
	if (r.id_known && !id_eq(&r.id, &m->sender)) {
		/* Another node answers at that address now. */
		dht_rpc_fail(d, &r, 1, now_ms);
		dht_route_seen(d, &m->sender, from, rtt_us, now_ms);
		return;
	}
	dht_route_seen(d, &m->sender, from, rtt_us, now_ms);
	dht_verified_add(d, from, now_ms);
	r.id = m->sender;
	r.id_known = 1;
	if (m->type == WIRE_NODES)
		dht_tokcache_put(d, from, m->u.nodes.token,
		    m->u.nodes.tokenlen, now_ms);
	else if (m->type == WIRE_VALUES)
		dht_tokcache_put(d, from, m->u.values.token,
		    m->u.values.tokenlen, now_ms);
	if (m->type == WIRE_ERROR) {
		/* Alive but refusing: a failure without the timeout. */
		dht_rpc_fail(d, &r, 0, now_ms);
		return;
	}
	switch (r.purpose) {
	case DHT_RPC_LOOKUP:
	case DHT_RPC_PAGE:
	case DHT_RPC_STORE:
	case DHT_RPC_PING:
		dht_op_reply(d, &r, m, now_ms, wall_ms);
		break;
	case DHT_RPC_BOOT:
		dht_boot_answered(d, now_ms);
		break;
	case DHT_RPC_HO_TOKEN:
	case DHT_RPC_HO_STORE:
		dht_handover_reply(d, &r, m, now_ms);
		break;
	case DHT_RPC_RP_STORE:
		dht_repub_reply(d, &r, m);
		break;
	default:	/* liveness: route_seen was the point */
		break;
	}
}

typedef void	dht_handler(struct dht *, const struct addr *,
		    const struct wire_msg *, int64_t, int64_t);

static dht_handler *const dht_handlers[] = {
	[WIRE_PING] = dht_serve_ping,
	[WIRE_PONG] = dht_on_response,
	[WIRE_FIND_NODE] = dht_serve_find_node,
	[WIRE_NODES] = dht_on_response,
	[WIRE_FIND_VALUE] = dht_serve_find_value,
	[WIRE_VALUES] = dht_on_response,
	[WIRE_STORE] = dht_serve_store,
	[WIRE_STORE_ACK] = dht_on_response,
	[WIRE_ERROR] = dht_on_response,
};

static void
dht_input_msg(struct dht *d, const struct addr *from, const uint8_t *buf,
    size_t len, int64_t now_ms, int64_t wall_ms)
{
	struct wire_msg m;
	const char *errstr;

	if (wire_decode(buf, len, &m, &errstr) == -1) {
		d->st.rx_dropped_decode++;
		return;
	}
	if ((unsigned)m.type >= sizeof(dht_handlers) / sizeof(dht_handlers[0])
	    || dht_handlers[m.type] == NULL || id_eq(&m.sender, &d->self)) {
		d->st.rx_dropped_decode++;
		wire_msg_free(&m);
		return;
	}
	d->st.rx_msgs[m.type]++;
	dht_handlers[m.type](d, from, &m, now_ms, wall_ms);
	wire_msg_free(&m);
}

void
dht_input(struct dht *d, const struct addr *from, const uint8_t *buf,
    size_t len, int64_t now_ms, int64_t wall_ms)
{
	enum frag_result fr;
	const char *errstr;
	uint8_t *msg;
	size_t mlen;

	/* Longer messages travel in fragments: a big datagram breaks a rule. */
	if (!route_addr_usable(from) || len > WIRE_MAX_DATAGRAM) {
		d->st.rx_dropped_decode++;
		return;
	}
	switch (wire_peek_kind(buf, len, &errstr)) {
	case WIRE_KIND_WHOLE:
		dht_input_msg(d, from, buf, len, now_ms, wall_ms);
		break;
	case WIRE_KIND_FRAG:
		fr = frag_in_input(d->fin, from, buf, len, now_ms, &msg, &mlen,
		    &errstr);
		if (fr == FRAG_DROP)
			d->st.rx_dropped_frag++;
		else if (fr == FRAG_COMPLETE) {
			dht_input_msg(d, from, msg, mlen, now_ms, wall_ms);
			free(msg);
		}
		break;
	case WIRE_KIND_NACK:
		if (frag_out_nack(d->fout, from, buf, len, now_ms, dht_emit, d,
		    &errstr) < 0)
			d->st.rx_dropped_frag++;
		break;
	default:
		d->st.rx_dropped_decode++;
		break;
	}
	dht_op_run_completions(d);
}

/* ---- lifecycle ---------------------------------------------------------- */

struct dht *
dht_new(const struct id *self, struct store *store,
    const struct dht_config *cfg, const struct dht_io *io, int64_t now_ms)
{
	struct dht *d;
	uint64_t seed;

	if (store == NULL || io == NULL || io->send == NULL ||
	    io->random == NULL)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->self = *self;
	d->store = store;
	d->io = *io;
	if (cfg != NULL)
		d->cfg = *cfg;
	if (d->cfg.k == 0)
		d->cfg.k = DHT_K;
	if (d->cfg.k > WIRE_MAX_NODES)
		d->cfg.k = WIRE_MAX_NODES;
	if (d->cfg.alpha == 0)
		d->cfg.alpha = DHT_DEFAULT_ALPHA;
	if (d->cfg.alpha > LOOKUP_MAX_ALPHA)
		d->cfg.alpha = LOOKUP_MAX_ALPHA;
	if (d->cfg.rpc_timeout_ms == 0)
		d->cfg.rpc_timeout_ms = DHT_DEFAULT_TIMEOUT_MS;
	if (d->cfg.rpc_retries > 10)
		d->cfg.rpc_retries = 10;
	if (d->cfg.max_ttl_s == 0)
		d->cfg.max_ttl_s = DHT_DEFAULT_MAX_TTL_S;
	if (d->cfg.refresh_interval_ms == 0)
		d->cfg.refresh_interval_ms = DHT_DEFAULT_REFRESH_MS;
	if (d->cfg.republish_interval_ms == 0)
		d->cfg.republish_interval_ms = DHT_DEFAULT_REPUBLISH_MS;
	if (d->cfg.republish_interval_ms < DHT_MIN_REPUBLISH_MS)
		d->cfg.republish_interval_ms = DHT_MIN_REPUBLISH_MS;
	d->rpcfree = -1;
	d->qhead = d->qtail = -1;
	d->boot_next_ms = INT64_MAX;
	d->boot_backoff_ms = DHT_BOOT_MIN_MS;
	d->maint_next_ms = now_ms + DHT_MAINT_INTERVAL_MS;
	d->secret_ms = now_ms;
	dht_random(d, d->secret[0], DHT_SECRET_LEN);
	dht_random(d, d->secret[1], DHT_SECRET_LEN);
	dht_random(d, &seed, sizeof(seed));
	dht_repub_init(d, now_ms);
	if ((d->rt = route_new(self, (uint64_t)now_ms)) == NULL ||
	    (d->fin = frag_in_new(seed)) == NULL ||
	    (d->fout = frag_out_new()) == NULL)
		goto fail;
	return d;
fail:
	dht_free(d);
	return NULL;
}

void
dht_free(struct dht *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < DHT_OP_SLOTS; i++)
		if (d->ops[i].op != NULL)
			dht_op_free(d, d->ops[i].op);
	for (i = 0; i < d->caprpc; i++)
		if (d->rpc[i].in_use)
			free(d->rpc[i].msg);
	free(d->rpc);
	free(d->heap);
	free(d->hbucket);
	dht_repub_free(d);
	route_free(d->rt);
	frag_in_free(d->fin);
	frag_out_free(d->fout);
	free(d);
}

static int64_t
dht_min(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int64_t
dht_periodic(struct dht *d, int64_t now_ms, int64_t wall_ms)
{
	int64_t next;

	dht_rpc_expire(d, now_ms);
	frag_in_tick(d->fin, now_ms, dht_emit, d);
	frag_out_tick(d->fout, now_ms);
	dht_maint(d, now_ms, wall_ms);
	dht_handover_step(d, now_ms, wall_ms);
	dht_repub_step(d, now_ms, wall_ms);
	dht_op_run_completions(d);

	if (d->qhead >= 0 || dht_handover_busy(d))
		return now_ms;
	next = dht_min(dht_maint_deadline(d), dht_repub_deadline(d));
	if (d->nrpc > 0)
		next = dht_min(next, d->rpc[d->heap[0]].deadline);
	next = dht_min(next, frag_in_next_deadline(d->fin));
	next = dht_min(next, frag_out_next_deadline(d->fout));
	return next < now_ms ? now_ms : next;
}

void
dht_bootstrap(struct dht *d, const struct addr *addrs, size_t n,
    int64_t now_ms)
{
	size_t i;

	d->nboot = 0;
	for (i = 0; i < n && d->nboot < DHT_MAX_BOOTSTRAP; i++)
		if (route_addr_usable(&addrs[i]))
			d->boot[d->nboot++] = addrs[i];
	d->boot_backoff_ms = DHT_BOOT_MIN_MS;
	d->joined = 0;
	dht_boot_round(d, now_ms);
}

size_t
dht_peers(const struct dht *d, struct route_node *out, size_t max)
{
	return route_export(d->rt, out, max);
}

size_t
dht_peer_count(const struct dht *d)
{
	return route_count(d->rt);
}

void
dht_get_stats(const struct dht *d, struct dht_stats *st)
{
	struct frag_in_stats fs;

	*st = d->st;
	frag_in_get_stats(d->fin, &fs);
	st->frag_nacks_sent = fs.nacks_sent;
}

const char *
dht_msg_name(unsigned type)
{
	if (type < WIRE_PING || type > WIRE_ERROR)
		return NULL;
	return wire_type_name((enum wire_type)type);
}

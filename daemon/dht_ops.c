/*
 * dht_ops — the operations: put (local store, lookup, STORE to the k
 * closest), get (local values, FIND_VALUE lookup with paging, union),
 * ping, and internal lookups (join, refresh, republish); their slots,
 * results and the queue of completions that run only at the end of
 * dht_input/dht_periodic.
 */
#include <stdlib.h>
#include <string.h>

#include "dht_impl.h"
#include "keccak.h"

/* Join and refresh have their own quota: users cannot starve them. */
static int
dht_op_internal(enum dht_op_kind kind)
{
	return kind == DHT_OP_JOIN || kind == DHT_OP_REFRESH ||
	    kind == DHT_OP_REPUBLISH;
}

struct dht_op *
dht_op_new(struct dht *d, enum dht_op_kind kind)
{
	struct dht_op *op;
	size_t i;
	int internal = dht_op_internal(kind);

	if (internal ? d->ninternal_ops >= DHT_MAX_INTERNAL_OPS :
	    d->nuser_ops >= DHT_MAX_OPS)
		return NULL;
	for (i = 0; i < DHT_OP_SLOTS; i++)
		if (d->ops[i].op == NULL)
			break;
	if (i == DHT_OP_SLOTS || (op = calloc(1, sizeof(*op))) == NULL)
		return NULL;
	op->kind = (uint8_t)kind;
	op->slot = (int32_t)i;
	op->gen = ++d->ops[i].gen;
	op->qnext = -1;
	d->ops[i].op = op;
	if (internal)
		d->ninternal_ops++;
	else
		d->nuser_ops++;
	return op;
}

struct dht_op *
dht_op_get(struct dht *d, int32_t slot, uint32_t gen)
{
	struct dht_op *op;

	if (slot < 0 || slot >= DHT_OP_SLOTS ||
	    (op = d->ops[slot].op) == NULL || op->gen != gen || op->done)
		return NULL;
	return op;
}

void
dht_op_free(struct dht *d, struct dht_op *op)
{
	size_t i;

	if (op == NULL)
		return;
	if (dht_op_internal(op->kind))
		d->ninternal_ops--;
	else
		d->nuser_ops--;
	if (op->kind == DHT_OP_REFRESH)
		d->refreshing = 0;
	if (op->kind == DHT_OP_REPUBLISH)
		dht_repub_op_freed(d, op);
	d->ops[op->slot].op = NULL;
	if (op->lk != NULL) {
		struct lookup_stats ls;

		lookup_get_stats(op->lk, &ls);
		d->st.lookup_hops += ls.hops;
	}
	lookup_free(op->lk);
	free(op->data);
	free(op->toks);
	for (i = 0; i < op->nvals; i++)
		free(op->vals[i].data);
	free(op->vals);
	free(op->vhash);
	free(op->vset);
	free(op->found);
	free(op);
}

void
dht_op_complete(struct dht *d, struct dht_op *op, enum dht_err err,
    const char *msg)
{
	if (op->done)
		return;
	op->done = 1;
	op->err = err;
	op->msg = msg;
	op->qnext = -1;
	if (d->qtail >= 0)
		d->ops[d->qtail].op->qnext = op->slot;
	else
		d->qhead = op->slot;
	d->qtail = op->slot;
}

static int
dht_value_cmp(const void *pa, const void *pb)
{
	const struct store_value *a = pa, *b = pb;
	uint32_t n;
	int c;

	if (a->created_ms != b->created_ms)
		return a->created_ms < b->created_ms ? -1 : 1;
	n = a->len < b->len ? a->len : b->len;
	if ((c = memcmp(a->data, b->data, n)) != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static void
dht_op_callback(struct dht_op *op)
{
	struct dht_put_result pr;
	struct dht_get_result gr;
	struct dht_ping_result pg;

	switch (op->kind) {
	case DHT_OP_PUT:
		memset(&pr, 0, sizeof(pr));
		pr.err = op->err;
		pr.msg = op->msg;
		pr.remote_acks = op->remote_acks;
		pr.acks = op->remote_acks + op->local_ok;
		op->cb.put(op->arg, &pr);
		break;
	case DHT_OP_GET:
		memset(&gr, 0, sizeof(gr));
		gr.err = op->err;
		gr.msg = op->msg;
		if (op->err == DHT_OK) {
			qsort(op->vals, op->nvals, sizeof(op->vals[0]),
			    dht_value_cmp);
			gr.values.v = op->vals;
			gr.values.n = op->nvals;
		}
		gr.responders = op->responders;
		op->cb.get(op->arg, &gr);
		break;
	case DHT_OP_PING:
		memset(&pg, 0, sizeof(pg));
		pg.err = op->err;
		pg.msg = op->msg;
		pg.id = op->ping_id;
		pg.rtt_us = op->rtt_us;
		op->cb.ping(op->arg, &pg);
		break;
	case DHT_OP_FIND:
		op->cb.find(op->arg, op->err, op->found, op->nfound);
		break;
	default:
		break;
	}
}

void
dht_op_run_completions(struct dht *d)
{
	struct dht_op *op;
	int32_t i;

	/*
	 * Take the queue as it is: completions queued by the callbacks
	 * themselves run next time, so none runs inside dht_put & co.
	 */
	i = d->qhead;
	d->qhead = d->qtail = -1;
	while (i >= 0) {
		op = d->ops[i].op;
		i = op->qnext;
		dht_op_callback(op);
		dht_op_free(d, op);
	}
}

/* ---- get: collecting the union ---------------------------------------- */

static int
dht_vset_grow(struct dht_op *op)
{
	int32_t *ns;
	size_t ncap, i, h;

	ncap = op->vsetcap ? op->vsetcap * 2 : 64;
	if ((ns = malloc(ncap * sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < ncap; i++)
		ns[i] = -1;
	for (i = 0; i < op->nvals; i++) {
		memcpy(&h, op->vhash[i], sizeof(h));
		h &= ncap - 1;
		while (ns[h] >= 0)
			h = (h + 1) & (ncap - 1);
		ns[h] = (int32_t)i;
	}
	free(op->vset);
	op->vset = ns;
	op->vsetcap = ncap;
	return 0;
}

static int
dht_vals_grow(struct dht_op *op)
{
	struct store_value *nv;
	uint8_t (*nh)[32];
	size_t ncap;

	ncap = op->capvals ? op->capvals * 2 : 16;
	if ((nv = realloc(op->vals, ncap * sizeof(*nv))) == NULL)
		return -1;
	op->vals = nv;
	if ((nh = realloc(op->vhash, ncap * sizeof(*nh))) == NULL)
		return -1;
	op->vhash = nh;
	op->capvals = ncap;
	return 0;
}

/*
 * Adds one value to the union; the same bytes keep the longest expiry.
 * Values from the network (max_exp > 0) meet the clamps a STORE would.
 */
static void
dht_get_add(struct dht_op *op, const uint8_t *data, uint32_t len,
    int64_t created_ms, int64_t expires_ms, int64_t max_exp)
{
	struct store_value *v;
	uint8_t h[KECCAK256_LEN];
	size_t slot;
	int32_t i;

	if (max_exp > 0) {
		if (expires_ms > max_exp)
			expires_ms = max_exp;
		if (created_ms > op->wall_ms + DHT_CLOCK_SKEW_MS ||
		    created_ms >= expires_ms)
			return;
	}
	if (len == 0 || len > WIRE_MAX_VALUE || created_ms < op->since_ms ||
	    expires_ms <= op->wall_ms)
		return;
	keccak256(data, len, h);
	if (op->vsetcap > 0) {
		memcpy(&slot, h, sizeof(slot));
		for (slot &= op->vsetcap - 1; (i = op->vset[slot]) >= 0;
		    slot = (slot + 1) & (op->vsetcap - 1)) {
			if (memcmp(op->vhash[i], h, sizeof(h)) != 0)
				continue;
			if (op->vals[i].expires_ms < expires_ms)
				op->vals[i].expires_ms = expires_ms;
			return;
		}
	}
	if (op->nvals >= DHT_GET_MAX_VALUES ||
	    op->vbytes + len > DHT_GET_MAX_BYTES)
		return;
	if ((op->nvals == op->capvals && dht_vals_grow(op) == -1) ||
	    ((op->nvals + 1) * 2 > op->vsetcap && dht_vset_grow(op) == -1))
		return;
	v = &op->vals[op->nvals];
	if ((v->data = malloc(len)) == NULL)
		return;
	memcpy(v->data, data, len);
	v->len = len;
	v->created_ms = created_ms;
	v->expires_ms = expires_ms;
	memcpy(op->vhash[op->nvals], h, sizeof(h));
	memcpy(&slot, h, sizeof(slot));
	for (slot &= op->vsetcap - 1; op->vset[slot] >= 0;
	    slot = (slot + 1) & (op->vsetcap - 1))
		;
	op->vset[slot] = (int32_t)op->nvals;
	op->nvals++;
	op->vbytes += len;
}

static void
dht_get_finish(struct dht *d, struct dht_op *op)
{
	if (op->nvals > 0)
		dht_op_complete(d, op, DHT_OK, NULL);
	else if (op->responders > 0 || op->table_empty)
		dht_op_complete(d, op, DHT_ERR_NOT_FOUND, "not found");
	else
		dht_op_complete(d, op, DHT_ERR_UNAVAILABLE,
		    "no node answered");
}

/* A FIND_VALUE for the op's key, echoing the token `to` gave us. */
static void
dht_find_value_msg(struct dht *d, struct dht_op *op, const struct addr *to,
    uint32_t offset, int64_t now_ms, struct wire_msg *m)
{
	const struct dht_tokcache *t;

	memset(m, 0, sizeof(*m));
	m->type = WIRE_FIND_VALUE;
	m->u.find_value.key = op->target;
	m->u.find_value.since_ms = op->since_ms;
	m->u.find_value.offset = offset;
	if ((t = dht_tokcache_get(d, to, now_ms)) != NULL) {
		memcpy(m->u.find_value.token, t->tok, t->len);
		m->u.find_value.tokenlen = t->len;
	}
}

/*
 * Asks the node that sent a page for the next one, within bounds; or for
 * the same one again if it held none of the values it counts (it cut its
 * answer for an asker without a token: we have one now).
 */
static void
dht_get_next_page(struct dht *d, struct dht_op *op, const struct dht_rpc *r,
    const struct wire_values *wv, int64_t now_ms)
{
	struct wire_msg m;
	uint32_t off;
	int32_t i;
	int reask = 0;

	if (wv->next_offset != 0)
		off = wv->next_offset;
	else if (wv->nvalues == 0 && wv->total > r->offset && !r->reask) {
		off = r->offset;
		reask = 1;
	} else
		return;
	if (r->page + 1 >= DHT_MAX_PAGES_PER_NODE ||
	    op->nvals >= DHT_GET_MAX_VALUES)
		return;
	dht_find_value_msg(d, op, &r->to, off, now_ms, &m);
	i = dht_request(d, &r->to, &r->id, &m, DHT_RPC_PAGE, op, now_ms);
	if (i < 0)
		return;
	d->rpc[i].page = (uint16_t)(r->page + 1);
	d->rpc[i].offset = off;
	d->rpc[i].reask = (uint8_t)reask;
	op->pending++;
}

static void
dht_get_values(struct dht *d, struct dht_op *op, const struct dht_rpc *r,
    const struct wire_values *wv, int64_t now_ms)
{
	int64_t max_exp;
	size_t i;

	max_exp = op->wall_ms + (int64_t)d->cfg.max_ttl_s * 1000;
	for (i = 0; i < wv->nvalues; i++)
		dht_get_add(op, wv->values[i].data, wv->values[i].len,
		    wv->values[i].created_ms, wv->values[i].expires_ms,
		    max_exp);
	dht_get_next_page(d, op, r, wv, now_ms);
}

/* ---- put: the STORE phase --------------------------------------------- */

static void
dht_put_finish(struct dht *d, struct dht_op *op)
{
	dht_repub_put_done(d, op);
	if (op->remote_acks > 0 || op->table_empty)
		dht_op_complete(d, op, DHT_OK, NULL);
	else
		dht_op_complete(d, op, DHT_ERR_UNAVAILABLE,
		    "no node acknowledged");
}

void
dht_op_token(struct dht_op *op, const struct id *id, const uint8_t *tok,
    size_t len)
{
	struct dht_optok *nt;
	size_t ncap;

	if (len == 0 || len > WIRE_MAX_TOKEN)
		return;
	if (op->ntoks == op->captoks) {
		ncap = op->captoks ? op->captoks * 2 : 32;
		if ((nt = realloc(op->toks, ncap * sizeof(*nt))) == NULL)
			return;
		op->toks = nt;
		op->captoks = ncap;
	}
	op->toks[op->ntoks].id = *id;
	memcpy(op->toks[op->ntoks].tok, tok, len);
	op->toks[op->ntoks].len = (uint8_t)len;
	op->ntoks++;
}

const struct dht_optok *
dht_op_token_find(const struct dht_op *op, const struct id *id)
{
	size_t i;

	for (i = op->ntoks; i > 0; i--)
		if (id_eq(&op->toks[i - 1].id, id))
			return &op->toks[i - 1];
	return NULL;
}

static void
dht_put_store(struct dht *d, struct dht_op *op, int64_t now_ms)
{
	struct route_node res[LOOKUP_MAX_K];
	const struct dht_optok *t;
	struct wire_value v;
	struct wire_msg m;
	size_t i, n;

	op->storing = 1;
	n = lookup_result(op->lk, res, d->cfg.k);
	v.data = op->data;
	v.len = op->len;
	v.created_ms = op->created_ms;
	v.expires_ms = op->expires_ms;
	for (i = 0; i < n; i++) {
		if ((t = dht_op_token_find(op, &res[i].id)) == NULL)
			continue;
		memset(&m, 0, sizeof(m));
		m.type = WIRE_STORE;
		m.u.store.key = op->target;
		m.u.store.values = &v;
		m.u.store.nvalues = 1;
		memcpy(m.u.store.token, t->tok, t->len);
		m.u.store.tokenlen = t->len;
		if (dht_request(d, &res[i].addr, &res[i].id, &m, DHT_RPC_STORE,
		    op, now_ms) >= 0)
			op->pending++;
	}
	if (op->pending == 0)
		dht_put_finish(d, op);
}

/* ---- lookups ------------------------------------------------------------- */

static void
dht_op_lookup_done(struct dht *d, struct dht_op *op, int64_t now_ms)
{
	struct lookup_stats ls;

	switch (op->kind) {
	case DHT_OP_PUT:
		dht_put_store(d, op, now_ms);
		break;
	case DHT_OP_GET:
		if (op->pending == 0)
			dht_get_finish(d, op);
		break;
	case DHT_OP_FIND:
		if ((op->found = calloc(d->cfg.k, sizeof(*op->found))) != NULL)
			op->nfound = lookup_result(op->lk, op->found,
			    d->cfg.k);
		dht_op_complete(d, op, DHT_OK, NULL);
		break;
	case DHT_OP_JOIN:
		lookup_get_stats(op->lk, &ls);
		dht_join_done(d, ls.replies > 0, now_ms);
		dht_op_complete(d, op, DHT_OK, NULL);
		break;
	case DHT_OP_REPUBLISH:
		dht_repub_lookup_done(d, op, now_ms);
		break;
	default:
		dht_op_complete(d, op, DHT_OK, NULL);
		break;
	}
}

/* Sends what the lookup wants asked; notices when it is over. */
static void
dht_op_pump(struct dht *d, struct dht_op *op, int64_t now_ms)
{
	struct route_node n;
	struct wire_msg m;

	if (op->done || op->storing)
		return;
	while (dht_rpc_room(d) > 0 && lookup_next(op->lk, &n)) {
		memset(&m, 0, sizeof(m));
		if (op->kind == DHT_OP_GET)
			dht_find_value_msg(d, op, &n.addr, 0, now_ms, &m);
		else {
			m.type = WIRE_FIND_NODE;
			m.u.find_node.target = op->target;
		}
		if (dht_request(d, &n.addr, &n.id, &m, DHT_RPC_LOOKUP, op,
		    now_ms) < 0) {
			lookup_failed(op->lk, &n.id);
			continue;
		}
		d->st.lookup_queries++;
	}
	if (lookup_done(op->lk))
		dht_op_lookup_done(d, op, now_ms);
}

int
dht_op_lookup_start(struct dht *d, struct dht_op *op, int64_t now_ms)
{
	struct route_node seeds[LOOKUP_MAX_K];
	size_t n;

	n = route_closest(d->rt, &op->target, d->cfg.k, seeds);
	op->table_empty = route_count(d->rt) == 0;
	op->lk = lookup_new(&op->target, &d->self, seeds, n, d->cfg.alpha,
	    d->cfg.k);
	if (op->lk == NULL)
		return -1;
	d->st.lookups++;
	route_touch_bucket(d->rt, &op->target, (uint64_t)now_ms);
	dht_op_pump(d, op, now_ms);
	return 0;
}

static void
dht_lookup_nodes(struct dht *d, struct dht_op *op, const struct dht_rpc *r,
    const struct wire_node *wn, size_t n, int64_t now_ms)
{
	struct route_node rn[WIRE_MAX_NODES];
	size_t i, kept = 0;

	if (n > WIRE_MAX_NODES)
		n = WIRE_MAX_NODES;
	memset(rn, 0, n * sizeof(rn[0]));
	for (i = 0; i < n; i++) {
		/* Peers may still advertise a node we saw die. */
		if (dht_dead_has(d, &wn[i].id, now_ms))
			continue;
		rn[kept].id = wn[i].id;
		rn[kept].addr = wn[i].addr;
		kept++;
	}
	lookup_reply(op->lk, &r->id, rn, kept);
}

void
dht_op_reply(struct dht *d, const struct dht_rpc *r, const struct wire_msg *m,
    int64_t now_ms, int64_t wall_ms)
{
	struct dht_op *op;

	if ((op = dht_op_get(d, r->op, r->opgen)) == NULL)
		return;
	switch (r->purpose) {
	case DHT_RPC_LOOKUP:
		if (op->storing)
			break;
		if (m->type == WIRE_VALUES) {
			dht_lookup_nodes(d, op, r, m->u.values.nodes,
			    m->u.values.nnodes, now_ms);
			op->responders++;
			if (op->kind == DHT_OP_GET)
				dht_get_values(d, op, r, &m->u.values, now_ms);
		} else if (m->type == WIRE_NODES) {
			dht_lookup_nodes(d, op, r, m->u.nodes.nodes,
			    m->u.nodes.nnodes, now_ms);
			if (op->kind == DHT_OP_PUT ||
			    op->kind == DHT_OP_REPUBLISH)
				dht_op_token(op, &r->id, m->u.nodes.token,
				    m->u.nodes.tokenlen);
		}
		dht_op_pump(d, op, now_ms);
		break;
	case DHT_RPC_PAGE:
		op->pending--;
		dht_get_values(d, op, r, &m->u.values, now_ms);
		if (op->pending == 0 && lookup_done(op->lk))
			dht_get_finish(d, op);
		break;
	case DHT_RPC_STORE:
		op->pending--;
		if (m->u.store_ack.stored > 0) {
			op->remote_acks++;
			if (op->nackid < WIRE_MAX_NODES)
				op->ackid[op->nackid++] = dht_id_prefix(&r->id);
		}
		if (op->pending == 0)
			dht_put_finish(d, op);
		break;
	case DHT_RPC_PING:
		op->ping_id = m->sender;
		op->rtt_us = now_ms > r->sent_ms ?
		    (uint32_t)((now_ms - r->sent_ms) * 1000) : 1;
		dht_op_complete(d, op, DHT_OK, NULL);
		break;
	default:
		break;
	}
}

void
dht_op_failed(struct dht *d, const struct dht_rpc *r, int64_t now_ms)
{
	struct dht_op *op;

	if ((op = dht_op_get(d, r->op, r->opgen)) == NULL)
		return;
	switch (r->purpose) {
	case DHT_RPC_LOOKUP:
		if (op->storing)
			break;
		lookup_failed(op->lk, &r->id);
		dht_op_pump(d, op, now_ms);
		break;
	case DHT_RPC_PAGE:
		op->pending--;
		if (op->pending == 0 && lookup_done(op->lk))
			dht_get_finish(d, op);
		break;
	case DHT_RPC_STORE:
		op->pending--;
		if (op->pending == 0)
			dht_put_finish(d, op);
		break;
	case DHT_RPC_PING:
		dht_op_complete(d, op, DHT_ERR_TIMEOUT, "no answer");
		break;
	default:
		break;
	}
}

int
dht_lookup_internal(struct dht *d, enum dht_op_kind kind,
    const struct id *target, int64_t now_ms)
{
	struct dht_op *op;

	if ((op = dht_op_new(d, kind)) == NULL)
		return -1;
	op->target = *target;
	if (dht_op_lookup_start(d, op, now_ms) == -1) {
		dht_op_complete(d, op, DHT_ERR_UNAVAILABLE, "out of memory");
		return -1;
	}
	return 0;
}

/* The store's last failure as an operation's error. */
enum dht_err
dht_store_err(const struct dht *d)
{
	switch (store_last_error(d->store)) {
	case STORE_ERR_INVALID:
		return DHT_ERR_INVALID;
	case STORE_ERR_QUOTA:
		return DHT_ERR_QUOTA;
	default:
		return DHT_ERR_STORAGE;
	}
}

/* ---- the public operations -------------------------------------------- */

int
dht_put(struct dht *d, const struct id *key, const void *data, size_t len,
    int64_t created_ms, int64_t expires_ms, int64_t now_ms, int64_t wall_ms,
    dht_put_cb *cb, void *arg)
{
	struct dht_op *op;
	const char *errstr;

	if ((op = dht_op_new(d, DHT_OP_PUT)) == NULL)
		return -1;
	op->cb.put = cb;
	op->arg = arg;
	op->target = *key;
	op->wall_ms = wall_ms;
	if (data == NULL || len == 0 || len > WIRE_MAX_VALUE) {
		dht_op_complete(d, op, DHT_ERR_INVALID,
		    "a value must be 1 to 32768 bytes");
		return 0;
	}
	if (created_ms <= 0 || created_ms > WIRE_MAX_TIME_MS ||
	    expires_ms <= created_ms || expires_ms > WIRE_MAX_TIME_MS ||
	    expires_ms <= wall_ms) {
		dht_op_complete(d, op, DHT_ERR_INVALID,
		    "creation or expiry time out of range");
		return 0;
	}
	if (store_put(d->store, key->b, data, len, created_ms, expires_ms,
	    wall_ms, &errstr) < 0) {
		dht_op_complete(d, op, dht_store_err(d), errstr);
		return 0;
	}
	op->local_ok = 1;
	if ((op->data = malloc(len)) == NULL) {
		dht_op_complete(d, op, DHT_ERR_STORAGE, "out of memory");
		return 0;
	}
	memcpy(op->data, data, len);
	op->len = (uint32_t)len;
	op->created_ms = created_ms;
	op->expires_ms = expires_ms;
	op->start_ms = now_ms;
	if (dht_op_lookup_start(d, op, now_ms) == -1)
		dht_op_complete(d, op, DHT_ERR_STORAGE, "out of memory");
	return 0;
}

int
dht_get(struct dht *d, const struct id *key, int64_t since_ms,
    int64_t now_ms, int64_t wall_ms, dht_get_cb *cb, void *arg)
{
	struct store_result res;
	struct dht_op *op;
	const char *errstr;
	size_t i;

	if ((op = dht_op_new(d, DHT_OP_GET)) == NULL)
		return -1;
	op->cb.get = cb;
	op->arg = arg;
	op->target = *key;
	op->wall_ms = wall_ms;
	op->since_ms = since_ms < 0 ? 0 : since_ms;
	if (op->since_ms > WIRE_MAX_TIME_MS)
		op->since_ms = WIRE_MAX_TIME_MS;
	memset(&res, 0, sizeof(res));
	/* A local read error still leaves the network's copies. */
	if (store_get(d->store, key->b, op->since_ms, wall_ms, &res,
	    &errstr) == 0) {
		for (i = 0; i < res.n; i++)
			dht_get_add(op, res.v[i].data, res.v[i].len,
			    res.v[i].created_ms, res.v[i].expires_ms, 0);
		store_result_free(&res);
	}
	if (dht_op_lookup_start(d, op, now_ms) == -1)
		dht_op_complete(d, op, DHT_ERR_STORAGE, "out of memory");
	return 0;
}

int
dht_ping(struct dht *d, const struct addr *to, int64_t now_ms,
    dht_ping_cb *cb, void *arg)
{
	struct dht_op *op;
	struct wire_msg m;

	if ((op = dht_op_new(d, DHT_OP_PING)) == NULL)
		return -1;
	op->cb.ping = cb;
	op->arg = arg;
	if (!route_addr_usable(to)) {
		dht_op_complete(d, op, DHT_ERR_INVALID, "unusable address");
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	if (dht_request(d, to, NULL, &m, DHT_RPC_PING, op, now_ms) < 0)
		dht_op_complete(d, op, DHT_ERR_UNAVAILABLE,
		    "too many requests in flight");
	return 0;
}

int
dht_find_node(struct dht *d, const struct id *target, int64_t now_ms,
    dht_find_cb *cb, void *arg)
{
	struct dht_op *op;

	if ((op = dht_op_new(d, DHT_OP_FIND)) == NULL)
		return -1;
	op->cb.find = cb;
	op->arg = arg;
	op->target = *target;
	if (dht_op_lookup_start(d, op, now_ms) == -1)
		dht_op_complete(d, op, DHT_ERR_STORAGE, "out of memory");
	return 0;
}

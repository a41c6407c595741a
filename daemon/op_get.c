/*
 * op_get — FIND_VALUE lookup, pages, the union: see op_get.h.
 */
#include <stdlib.h>
#include <string.h>

#include "keccak.h"
#include "op_get.h"

struct op_get {
	struct op	 op;
	op_get_cb	*cb;
	void		*arg;
	int64_t		 since_ms;
	unsigned	 pending;	/* pages in flight */
	uint32_t	 responders;
	/* Every value seen; those left out keep their hash, data NULL. */
	struct store_value *vals;
	uint8_t		(*vhash)[KECCAK256_LEN];
	size_t		 nvals, capvals;
	size_t		 nkept;		/* vals with data */
	uint64_t	 vbytes;	/* their cost (OP_GET_VALUE_COST) */
	int32_t		*vset;		/* open addressing over vals */
	size_t		 vsetcap;
	int32_t		*heap;		/* kept vals, newest on top */
	int		 truncated;	/* values left out to fit */
	int64_t		 cut_ms;	/* kept: created <= cut_ms */
	uint32_t	 omitted;	/* distinct values left out */
};

/* What a page request's rpc_call.arg[] holds. */
enum { GET_ARG_PAGE, GET_ARG_OFFSET, GET_ARG_REASK };

static int
op_get_vset_grow(struct op_get *g)
{
	int32_t *ns;
	size_t ncap, i, h;

	ncap = g->vsetcap ? g->vsetcap * 2 : 64;
	if ((ns = malloc(ncap * sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < ncap; i++)
		ns[i] = -1;
	for (i = 0; i < g->nvals; i++) {
		memcpy(&h, g->vhash[i], sizeof(h));
		h &= ncap - 1;
		while (ns[h] >= 0)
			h = (h + 1) & (ncap - 1);
		ns[h] = (int32_t)i;
	}
	free(g->vset);
	g->vset = ns;
	g->vsetcap = ncap;
	return 0;
}

static int
op_get_vals_grow(struct op_get *g)
{
	struct store_value *nv;
	uint8_t (*nh)[KECCAK256_LEN];
	size_t ncap;

	ncap = g->capvals ? g->capvals * 2 : 16;
	if ((nv = realloc(g->vals, ncap * sizeof(*nv))) == NULL)
		return -1;
	g->vals = nv;
	if ((nh = realloc(g->vhash, ncap * sizeof(*nh))) == NULL)
		return -1;
	g->vhash = nh;
	g->capvals = ncap;
	return 0;
}

static int op_get_value_cmp(const void *, const void *);

/* Leaves value i out (or a value not held, when i is -1). */
static void
op_get_cut(struct op_get *g, int64_t created_ms, int32_t i)
{
	if (!g->truncated || created_ms < g->cut_ms)
		g->cut_ms = created_ms;
	g->truncated = 1;
	g->omitted++;
	if (i < 0)
		return;
	free(g->vals[i].data);
	g->vals[i].data = NULL;
	g->nkept--;
	g->vbytes -= g->vals[i].len + OP_GET_VALUE_COST;
}

static int
op_get_heap_cmp(const struct op_get *g, size_t a, size_t b)
{
	return op_get_value_cmp(&g->vals[g->heap[a]], &g->vals[g->heap[b]]);
}

static void
op_get_heap_swap(struct op_get *g, size_t a, size_t b)
{
	int32_t t = g->heap[a];

	g->heap[a] = g->heap[b];
	g->heap[b] = t;
}

/* Adds vals[i] (just kept) to the heap of size g->nkept - 1. */
static void
op_get_heap_push(struct op_get *g, int32_t i)
{
	size_t c = g->nkept - 1;

	g->heap[c] = i;
	while (c > 0 && op_get_heap_cmp(g, c, (c - 1) / 2) > 0) {
		op_get_heap_swap(g, c, (c - 1) / 2);
		c = (c - 1) / 2;
	}
}

/* Removes the top (the newest kept) from a heap of size g->nkept + 1. */
static void
op_get_heap_pop(struct op_get *g)
{
	size_t c = 0, l, n = g->nkept;

	g->heap[0] = g->heap[n];
	while ((l = 2 * c + 1) < n) {
		if (l + 1 < n && op_get_heap_cmp(g, l + 1, l) > 0)
			l++;
		if (op_get_heap_cmp(g, l, c) <= 0)
			break;
		op_get_heap_swap(g, l, c);
		c = l;
	}
}

/*
 * Makes room for v under the caps by leaving out the newest values kept,
 * as long as they are newer than v.  Returns 0 when v fits, -1 when v
 * itself is the one to leave out.
 */
static int
op_get_room(struct op_get *g, const struct store_value *v)
{
	int32_t newest;

	while (g->nkept + 1 > OP_GET_MAX_VALUES ||
	    g->vbytes + v->len + OP_GET_VALUE_COST > OP_GET_MAX_BYTES) {
		if (g->nkept == 0 || op_get_value_cmp(v,
		    &g->vals[g->heap[0]]) > 0)
			return -1;
		newest = g->heap[0];
		op_get_cut(g, g->vals[newest].created_ms, newest);
		op_get_heap_pop(g);
	}
	return 0;
}

/*
 * Adds one value to the union; the same bytes keep the longest expiry.
 * Values from the network (max_exp > 0) meet the clamps a STORE would.
 * Over the caps, the oldest values stay (see op_get.h).
 */
static void
op_get_add(struct op_get *g, const uint8_t *data, uint32_t len,
    int64_t created_ms, int64_t expires_ms, int64_t max_exp)
{
	struct store_value *v, nv;
	uint8_t h[KECCAK256_LEN];
	size_t slot;
	int32_t i;
	int keep;

	if (max_exp > 0) {
		if (expires_ms > max_exp)
			expires_ms = max_exp;
		if (created_ms > g->op.wall_ms + ENV_CLOCK_SKEW_MS ||
		    created_ms >= expires_ms)
			return;
	}
	if (len == 0 || len > EMO_MAX_VALUE || created_ms < g->since_ms ||
	    expires_ms <= g->op.wall_ms)
		return;
	keccak256(data, len, h);
	if (g->vsetcap > 0) {
		memcpy(&slot, h, sizeof(slot));
		for (slot &= g->vsetcap - 1; (i = g->vset[slot]) >= 0;
		    slot = (slot + 1) & (g->vsetcap - 1)) {
			if (memcmp(g->vhash[i], h, sizeof(h)) != 0)
				continue;
			if (g->vals[i].expires_ms < expires_ms)
				g->vals[i].expires_ms = expires_ms;
			return;
		}
	}
	nv.data = (uint8_t *)(uintptr_t)data;
	nv.len = len;
	nv.created_ms = created_ms;
	nv.expires_ms = expires_ms;
	keep = !(g->truncated && created_ms >= g->cut_ms) &&
	    op_get_room(g, &nv) == 0;
	if (!keep && g->nvals >= OP_GET_MAX_SEEN) {
		/* Not remembered: a repeat of it is not recognised. */
		op_get_cut(g, created_ms, -1);
		g->omitted--;
		return;
	}
	if ((g->nvals == g->capvals && op_get_vals_grow(g) == -1) ||
	    ((g->nvals + 1) * 2 > g->vsetcap && op_get_vset_grow(g) == -1))
		return;
	v = &g->vals[g->nvals];
	*v = nv;
	v->data = NULL;
	if (keep) {
		if ((v->data = malloc(len)) == NULL)
			return;
		memcpy(v->data, data, len);
		g->nkept++;
		g->vbytes += len + OP_GET_VALUE_COST;
		op_get_heap_push(g, (int32_t)g->nvals);
	} else
		op_get_cut(g, created_ms, -1);
	memcpy(g->vhash[g->nvals], h, sizeof(h));
	memcpy(&slot, h, sizeof(slot));
	for (slot &= g->vsetcap - 1; g->vset[slot] >= 0;
	    slot = (slot + 1) & (g->vsetcap - 1))
		;
	g->vset[slot] = (int32_t)g->nvals;
	g->nvals++;
}

static void
op_get_finish(struct op_get *g)
{
	if (g->nkept > 0)
		op_complete(&g->op, DHT_OK, NULL);
	else if (g->responders > 0 || g->op.table_empty)
		op_complete(&g->op, DHT_ERR_NOT_FOUND, "not found");
	else
		op_complete(&g->op, DHT_ERR_UNAVAILABLE, "no node answered");
}

/* A FIND_VALUE for the key, echoing the token `to` gave us. */
static void
op_get_query_at(struct op_get *g, const struct addr *to, uint32_t offset,
    int64_t now_ms, struct wire_msg *m)
{
	const struct token_peer *t;

	memset(m, 0, sizeof(*m));
	m->type = WIRE_FIND_VALUE;
	m->u.find_value.key = g->op.target;
	m->u.find_value.since_ms = g->since_ms;
	m->u.find_value.offset = offset;
	if ((t = token_peer_get(g->op.env->tok, to, &m->u.find_value.key,
	    now_ms)) != NULL) {
		memcpy(m->u.find_value.token, t->tok, t->len);
		m->u.find_value.tokenlen = t->len;
	}
}

static void
op_get_query(struct op *op, const struct addr *to, struct wire_msg *m,
    int64_t now_ms)
{
	op_get_query_at((struct op_get *)op, to, 0, now_ms, m);
}

static const struct rpc_ops op_get_page_rpc;

/*
 * Asks the node that sent a page for the next one, within bounds; or for
 * the same one again if it held none of the values it counts (it cut its
 * answer for an asker without a token: we have one now).
 */
static void
op_get_next_page(struct op_get *g, const struct rpc_call *c,
    const struct wire_values *wv, int64_t now_ms)
{
	struct rpc_call *nc;
	struct wire_msg m;
	uint32_t off, page = 0, asked = 0, reasked = 0;
	int reask = 0;

	/* A lookup's FIND_VALUE asked for the first page, at offset 0. */
	if (c->ops == &op_get_page_rpc) {
		page = c->arg[GET_ARG_PAGE];
		asked = c->arg[GET_ARG_OFFSET];
		reasked = c->arg[GET_ARG_REASK];
	}
	if (wv->next_offset != 0)
		off = wv->next_offset;
	else if (wv->nvalues == 0 && wv->total > asked && !reasked) {
		off = asked;
		reask = 1;
	} else
		return;
	/* Pages come oldest first: past the cut, the rest is newer still. */
	if (page + 1 >= OP_GET_MAX_PAGES_PER_NODE || (g->truncated &&
	    wv->nvalues > 0 &&
	    wv->values[wv->nvalues - 1].created_ms >= g->cut_ms))
		return;
	op_get_query_at(g, &c->to, off, now_ms, &m);
	if ((nc = op_send(&g->op, &c->to, &c->id, &m, &op_get_page_rpc,
	    now_ms)) == NULL)
		return;
	nc->arg[GET_ARG_PAGE] = page + 1;
	nc->arg[GET_ARG_OFFSET] = off;
	nc->arg[GET_ARG_REASK] = (uint32_t)reask;
	g->pending++;
}

static void
op_get_values(struct op_get *g, const struct rpc_call *c,
    const struct wire_values *wv, int64_t now_ms)
{
	int64_t max_exp;
	size_t i;

	max_exp = g->op.wall_ms + (int64_t)g->op.env->max_ttl_s * 1000;
	for (i = 0; i < wv->nvalues; i++)
		op_get_add(g, wv->values[i].data, wv->values[i].len,
		    wv->values[i].created_ms, wv->values[i].expires_ms,
		    max_exp);
	op_get_next_page(g, c, wv, now_ms);
}

static void
op_get_page_reply(void *ctx, const struct rpc_call *c,
    const struct wire_msg *m, int64_t now_ms, int64_t wall_ms)
{
	struct op_get *g = ctx;

	if (g->op.done)
		return;
	g->pending--;
	op_get_values(g, c, &m->u.values, now_ms);
	if (g->pending == 0 && lookup_done(g->op.lk))
		op_get_finish(g);
}

static void
op_get_page_failed(void *ctx, const struct rpc_call *c, int64_t now_ms)
{
	struct op_get *g = ctx;

	if (g->op.done)
		return;
	if (--g->pending == 0 && lookup_done(g->op.lk))
		op_get_finish(g);
}

static const struct rpc_ops op_get_page_rpc = {
	.reply = op_get_page_reply,
	.failed = op_get_page_failed,
};

static void
op_get_reply(struct op *op, const struct rpc_call *c, const struct wire_msg *m,
    int64_t now_ms, int64_t wall_ms)
{
	struct op_get *g = (struct op_get *)op;

	if (m->type != WIRE_VALUES)
		return;
	g->responders++;
	op_get_values(g, c, &m->u.values, now_ms);
}

static void
op_get_lookup_done(struct op *op, int64_t now_ms)
{
	struct op_get *g = (struct op_get *)op;

	if (g->pending == 0)
		op_get_finish(g);
}

static int
op_get_value_cmp(const void *pa, const void *pb)
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

/*
 * Sorts the kept values to the front, oldest first.  When truncated, the
 * values of the cut's millisecond go too, so that a get since the cut
 * repeats none; unless they are all there is, and then the next get
 * starts a millisecond later (values of that millisecond that did not
 * fit are out of reach by since_ms: docs/SECURITY.md).
 */
static void
op_get_trim(struct op_get *g, struct op_get_result *r)
{
	size_t i, n = 0, keep;

	for (i = 0; i < g->nvals; i++)
		if (g->vals[i].data != NULL)
			g->vals[n++] = g->vals[i];
	g->nvals = n;	/* the hashes are stale now; the op is over */
	qsort(g->vals, n, sizeof(g->vals[0]), op_get_value_cmp);
	if (!g->truncated)
		return;
	for (keep = n; keep > 0 && g->vals[keep - 1].created_ms >= g->cut_ms;
	    keep--)
		;
	r->truncated = 1;
	r->next_since_ms = g->cut_ms;
	if (keep == 0)
		r->next_since_ms = g->cut_ms + 1;
	else {
		for (i = keep; i < n; i++) {
			free(g->vals[i].data);
			g->vals[i].data = NULL;
			g->omitted++;
		}
		g->nvals = g->nkept = keep;
	}
	r->omitted = g->omitted;
}

static void
op_get_complete(struct op *op, int64_t now_ms)
{
	struct op_get *g = (struct op_get *)op;
	struct op_get_result r;

	memset(&r, 0, sizeof(r));
	r.err = op->err;
	r.msg = op->msg;
	if (op->err == DHT_OK) {
		op_get_trim(g, &r);
		r.values.v = g->vals;
		r.values.n = g->nkept;
	}
	r.responders = g->responders;
	g->cb(g->arg, &r);
}

static void
op_get_free(struct op *op)
{
	struct op_get *g = (struct op_get *)op;
	size_t i;

	for (i = 0; i < g->nvals; i++)
		free(g->vals[i].data);
	free(g->vals);
	free(g->vhash);
	free(g->heap);
	free(g->vset);
}

static const struct op_kind op_get_kind = {
	.name = "get",
	.query = op_get_query,
	.reply = op_get_reply,
	.lookup_done = op_get_lookup_done,
	.complete = op_get_complete,
	.free = op_get_free,
};

int
op_get_start(struct op_set *s, const struct id *key, int64_t since_ms,
    int64_t now_ms, int64_t wall_ms, op_get_cb *cb, void *arg)
{
	struct store_result res;
	struct op_get *g;
	const char *errstr;
	size_t i;

	if ((g = op_new(s, &op_get_kind, sizeof(*g), now_ms, wall_ms)) == NULL)
		return -1;
	g->cb = cb;
	g->arg = arg;
	g->op.target = *key;
	if ((g->heap = calloc(OP_GET_MAX_VALUES, sizeof(*g->heap))) == NULL) {
		op_complete(&g->op, DHT_ERR_STORAGE, "out of memory");
		return 0;
	}
	g->since_ms = since_ms < 0 ? 0 : since_ms;
	if (g->since_ms > WIRE_MAX_TIME_MS)
		g->since_ms = WIRE_MAX_TIME_MS;
	memset(&res, 0, sizeof(res));
	/* A local read error still leaves the network's copies. */
	if (store_get(g->op.env->store, key->b, g->since_ms, wall_ms, &res,
	    &errstr) == 0) {
		for (i = 0; i < res.n; i++)
			op_get_add(g, res.v[i].data, res.v[i].len,
			    res.v[i].created_ms, res.v[i].expires_ms, 0);
		store_result_free(&res);
	}
	if (op_lookup_start(&g->op, now_ms) == -1)
		op_complete(&g->op, DHT_ERR_STORAGE, "out of memory");
	return 0;
}

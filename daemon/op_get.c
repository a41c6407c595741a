/*
 * op_get — the digest-first get: FIND_VALUE lookup and pages of digests,
 * the union under the caps, the result (fetches: op_get_fetch.c); see
 * op_get.h.
 */
#include <stdlib.h>
#include <string.h>

#include "op_get_impl.h"
/* What a page request's rpc_call.arg[] holds. */
enum { GET_ARG_PAGE, GET_ARG_OFFSET, GET_ARG_REASK };

static size_t
op_get_slot0(const uint8_t *h, uint32_t len, size_t cap)
{
	size_t s;

	memcpy(&s, h, sizeof(s));
	return (s ^ len) & (cap - 1);
}

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
		h = op_get_slot0(g->vals[i].hash, g->vals[i].v.len, ncap);
		while (ns[h] >= 0)
			h = (h + 1) & (ncap - 1);
		ns[h] = (int32_t)i;
	}
	free(g->vset);
	g->vset = ns;
	g->vsetcap = ncap;
	return 0;
}

/* The value with these bytes' hash and length, or -1. */
int32_t
op_get_find(const struct op_get *g, const uint8_t *h, uint32_t len)
{
	size_t slot;
	int32_t i;

	if (g->vsetcap == 0)
		return -1;
	for (slot = op_get_slot0(h, len, g->vsetcap); (i = g->vset[slot]) >= 0;
	    slot = (slot + 1) & (g->vsetcap - 1))
		if (g->vals[i].v.len == len &&
		    memcmp(g->vals[i].hash, h, KECCAK256_LEN) == 0)
			return i;
	return -1;
}

/* Order of the heap: creation time, then hash (bytes may be missing). */
static int
op_get_heap_cmp(const struct op_get *g, size_t a, size_t b)
{
	const struct op_get_val *x = &g->vals[g->heap[a]];
	const struct op_get_val *y = &g->vals[g->heap[b]];

	if (x->v.created_ms != y->v.created_ms)
		return x->v.created_ms < y->v.created_ms ? -1 : 1;
	return memcmp(x->hash, y->hash, KECCAK256_LEN);
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

/* Leaves value i out (or a value not held, when i is -1). */
static void
op_get_cut(struct op_get *g, int64_t created_ms, int32_t i)
{
	struct op_get_val *v;

	if (!g->truncated || created_ms < g->cut_ms)
		g->cut_ms = created_ms;
	g->truncated = 1;
	g->omitted++;
	if (i < 0)
		return;
	v = &g->vals[i];
	free(v->v.data);
	v->v.data = NULL;
	v->kept = 0;
	g->nkept--;
	g->vbytes -= v->v.len + OP_GET_VALUE_COST;
}

/*
 * Makes room for a value (created, len; its hash h) under the caps by
 * leaving out the newest values kept, as long as they are newer.  Returns
 * 0 when it fits, -1 when it is itself the one to leave out.
 */
static int
op_get_room(struct op_get *g, int64_t created_ms, uint32_t len,
    const uint8_t *h)
{
	const struct op_get_val *top;
	int32_t newest;

	while (g->nkept + 1 > OP_GET_MAX_VALUES ||
	    g->vbytes + len + OP_GET_VALUE_COST > OP_GET_MAX_BYTES) {
		if (g->nkept == 0)
			return -1;
		top = &g->vals[g->heap[0]];
		if (created_ms > top->v.created_ms ||
		    (created_ms == top->v.created_ms &&
		    memcmp(h, top->hash, KECCAK256_LEN) > 0))
			return -1;
		newest = g->heap[0];
		op_get_cut(g, top->v.created_ms, newest);
		op_get_heap_pop(g);
	}
	return 0;
}

/*
 * Remembers that holder hi listed value v; a value every earlier holder
 * failed to deliver is wanted again.
 */
static void
op_get_holder_add(struct op_get_val *v, int hi)
{
	size_t j;

	if (hi < 0)
		return;
	for (j = 0; j < v->nholders; j++)
		if (v->holder[j] == hi)
			return;
	if (v->nholders < OP_GET_HOLDERS_PER_VALUE) {
		v->holder[v->nholders++] = (uint16_t)hi;
		if (v->state == OP_GET_V_LOST)
			v->state = OP_GET_V_WANT;
	}
}

/* Declared in op_get_impl.h. */
void
op_get_add(struct op_get *g, const uint8_t *h, const uint8_t *data,
    const struct value_attr *attr, uint32_t len, int64_t created_ms,
    int64_t expires_ms, int64_t max_exp, int hi)
{
	struct op_get_val *v, *nv;
	size_t slot, ncap, hcap;
	int32_t i, *nh;
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
	if ((i = op_get_find(g, h, len)) >= 0) {
		v = &g->vals[i];
		if (v->v.expires_ms < expires_ms)
			v->v.expires_ms = expires_ms;
		op_get_holder_add(v, hi);
		if (data != NULL && v->kept && v->v.data == NULL &&
		    v->state != OP_GET_V_FLIGHT &&
		    (v->v.data = malloc(len)) != NULL) {
			memcpy(v->v.data, data, len);
			v->v.attr = *attr;
			v->state = OP_GET_V_HAVE;
		}
		return;
	}
	keep = !(g->truncated && created_ms >= g->cut_ms) &&
	    op_get_room(g, created_ms, len, h) == 0;
	if (!keep && g->nvals >= OP_GET_MAX_SEEN) {
		/* Not remembered: a repeat of it is not recognised. */
		op_get_cut(g, created_ms, -1);
		g->omitted--;
		return;
	}
	if (g->nvals == g->capvals) {
		ncap = g->capvals ? g->capvals * 2 : 16;
		/* The heap holds kept values: at most min(vals, the cap). */
		hcap = ncap < OP_GET_MAX_VALUES ? ncap : OP_GET_MAX_VALUES;
		if ((nh = realloc(g->heap, hcap * sizeof(*nh))) == NULL)
			return;
		g->heap = nh;
		if ((nv = realloc(g->vals, ncap * sizeof(*nv))) == NULL)
			return;
		g->vals = nv;
		g->capvals = ncap;
	}
	if ((g->nvals + 1) * 2 > g->vsetcap && op_get_vset_grow(g) == -1)
		return;
	v = &g->vals[g->nvals];
	memset(v, 0, sizeof(*v));
	memcpy(v->hash, h, KECCAK256_LEN);
	v->v.len = len;
	v->v.created_ms = created_ms;
	v->v.expires_ms = expires_ms;
	v->state = OP_GET_V_HAVE;
	op_get_holder_add(v, hi);
	if (keep) {
		if (data != NULL) {
			if ((v->v.data = malloc(len)) == NULL)
				return;
			memcpy(v->v.data, data, len);
			v->v.attr = *attr;
		} else
			v->state = OP_GET_V_WANT;
		v->kept = 1;
		g->nkept++;
		g->vbytes += len + OP_GET_VALUE_COST;
		op_get_heap_push(g, (int32_t)g->nvals);
	} else
		op_get_cut(g, created_ms, -1);
	for (slot = op_get_slot0(h, len, g->vsetcap); g->vset[slot] >= 0;
	    slot = (slot + 1) & (g->vsetcap - 1))
		;
	g->vset[slot] = (int32_t)g->nvals;
	g->nvals++;
}

/* ---- the lookup and its pages ----------------------------------------- */

/* Done when the lookup, its pages and every fetch are over. */
void
op_get_maybe_finish(struct op_get *g)
{
	size_t i, have = 0;

	if (g->op.done || g->pending > 0 || g->fetching > 0 ||
	    !lookup_done(g->op.lk))
		return;
	for (i = 0; i < g->nvals; i++)
		if (g->vals[i].kept && g->vals[i].v.data != NULL)
			have++;
	if (have > 0)
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
	op_known(op, &m->u.find_value.kn);
}

/*
 * A FIND_VALUE of the lookup: a node whose round trip we know gets two
 * tries of its retransmission timeout, not rpc's 1 s each, so a holder
 * that died lately stalls a get for a few hundred milliseconds, not
 * seconds (KNOWN-DEFECTS 3): the lookup moves on to the next closest,
 * and the other replicas list the same values.  One never heard from
 * gets rpc_rto_fast's first try: the get does not wait once it stalled.
 */
static void
op_get_sent(struct op *op, struct rpc_call *c, int64_t now_ms)
{
	uint32_t rto;

	if ((rto = op_get_rto((struct op_get *)op, &c->to,
	    WIRE_MAX_DATAGRAM)) > 0)
		rpc_set_timeout(op->env->rpc, c, rto, 1);
	else
		rpc_set_first_timeout(op->env->rpc, c,
		    rpc_rto_fast(op->env->rpc, &c->to));
}

static const struct rpc_ops op_get_page_rpc;

/*
 * Asks the node that sent a page for the next one, within bounds; or for
 * the same one again if it listed none of the digests it counts (it cut
 * its answer for an asker without a token: we have one now).
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
	else if (wv->ndigests == 0 && wv->nvalues == 0 && wv->total > asked &&
	    !reasked) {
		off = asked;
		reask = 1;
	} else
		return;
	/* Pages come oldest first: past the cut, the rest is newer still. */
	if (page + 1 >= OP_GET_MAX_PAGES_PER_NODE || (g->truncated &&
	    wv->ndigests > 0 &&
	    wv->digests[wv->ndigests - 1].created_ms >= g->cut_ms))
		return;
	op_get_query_at(g, &c->to, off, now_ms, &m);
	if ((nc = op_send(&g->op, &c->to, &c->id, &m, &op_get_page_rpc,
	    now_ms)) == NULL)
		return;
	/*
	 * Other holders list the same values (or may yet, while the lookup
	 * runs): do not wait out a dead one (rpc_set_timeout).
	 */
	if (g->nholders > 1 || !lookup_done(g->op.lk))
		rpc_set_timeout(g->op.env->rpc, nc,
		    op_get_rto(g, &c->to, WIRE_MAX_DATAGRAM), UINT32_MAX);
	nc->arg[GET_ARG_PAGE] = page + 1;
	nc->arg[GET_ARG_OFFSET] = off;
	nc->arg[GET_ARG_REASK] = (uint32_t)reask;
	g->pending++;
}

static const struct op_get_resp *
op_get_resp_find(const struct op_get *g, const struct id *id)
{
	size_t i;

	for (i = 0; i < g->nresps; i++)
		if (id_eq(&g->resps[i].id, id))
			return &g->resps[i];
	return NULL;
}

/*
 * A digest's share of a node's fingerprint: the first 8 bytes of
 * Keccak-256 over the get's secret key, the whole hash and the length.
 * Shares are summed, so a pair cannot cancel; a peer that lists forged
 * digests cannot match the honest holders' fingerprint without listing
 * their very set (it would need the key, or a Keccak collision).
 */
static uint64_t
op_get_share(const struct op_get *g, const struct wire_digest *d)
{
	struct keccak k;
	uint8_t out[KECCAK256_LEN], len[4];
	uint64_t x;

	len[0] = (uint8_t)d->len;
	len[1] = (uint8_t)(d->len >> 8);
	len[2] = (uint8_t)(d->len >> 16);
	len[3] = (uint8_t)(d->len >> 24);
	keccak256_init(&k);
	keccak256_update(&k, &g->fpkey, sizeof(g->fpkey));
	keccak256_update(&k, d->hash, sizeof(d->hash));
	keccak256_update(&k, len, sizeof(len));
	keccak256_final(&k, out);
	memcpy(&x, out, sizeof(x));
	return x;
}

/*
 * Remembers a node's first page (asked at offset 0) for op_get_enough:
 * whether it holds every digest the node has, and their fingerprint.
 */
static void
op_get_note_resp(struct op_get *g, const struct rpc_call *c,
    const struct wire_values *wv)
{
	struct op_get_resp *r;
	size_t i;

	if ((r = (struct op_get_resp *)op_get_resp_find(g, &c->id)) == NULL) {
		if (g->nresps == OP_GET_MAX_HOLDERS ||
		    (g->resps == NULL && (g->resps = calloc(OP_GET_MAX_HOLDERS,
		    sizeof(*g->resps))) == NULL))
			return;
		r = &g->resps[g->nresps++];
	}
	r->id = c->id;
	r->fp = 0;
	r->n = (uint32_t)wv->ndigests;
	r->whole = wv->next_offset == 0 && wv->ndigests == wv->total &&
	    (wv->nvalues == 0 || wv->ndigests > 0);	/* not an old node's */
	for (i = 0; i < wv->ndigests; i++)
		r->fp += op_get_share(g, &wv->digests[i]);
}

/*
 * id's answer beside the others seen so far (*first: the first that
 * listed digests): 1 if it lists the same whole set (*first set if it
 * was NULL), 0 if it listed none, -1 if it differs, is paged or missing.
 */
static int
op_get_agrees(const struct op_get *g, const struct id *id,
    const struct op_get_resp **first)
{
	const struct op_get_resp *r;

	if ((r = op_get_resp_find(g, id)) == NULL || !r->whole)
		return -1;
	if (r->n == 0)
		return 0;
	if (*first != NULL && (r->n != (*first)->n || r->fp != (*first)->fp))
		return -1;
	*first = r;
	return 1;
}

/*
 * The closest candidates that answered (lookup_head): 1 if each gave a
 * whole first page and those that listed any listed the same set, with
 * how many listed some (*agree) and how many none (*empty); else 0.
 */
static int
op_get_head(const struct op_get *g, unsigned *agree, unsigned *empty)
{
	const struct op_get_resp *first = NULL;
	struct id head[LOOKUP_MAX_K];
	size_t i, n;
	int a;

	*agree = *empty = 0;
	n = lookup_head(g->op.lk, head, g->op.env->k);
	for (i = 0; i < n; i++) {
		if ((a = op_get_agrees(g, &head[i], &first)) == -1)
			return 0;
		if (a == 0)
			(*empty)++;
		else
			(*agree)++;
	}
	return 1;
}

/* The closest holders that answered agree (op_get.h: OP_GET_QUORUM). */
static int
op_get_quorum(const struct op_get *g)
{
	unsigned agree, empty;

	return op_get_head(g, &agree, &empty) && agree >= OP_GET_QUORUM;
}

/*
 * While a quorum is in reach, the get asks only the OP_GET_QUORUM closest
 * live candidates, and one more for each empty answer among them: a
 * found get asks three nodes, not alpha more while the first three
 * answer.  The quorum is out of reach once an answer among them differs
 * from another or is paged, or OP_GET_QUORUM of them were empty (no
 * value in sight); then the get must settle and the rest of the k
 * closest are asked at once, for good (a node given a second chance
 * later does not narrow it again).  Answers beyond a closer one still in
 * flight count here, unlike for the quorum itself (op_get_head): a get
 * for a missing key goes on past a slow closest node.
 */
static unsigned
op_get_narrow(struct op *op)
{
	struct op_get *g = (struct op_get *)op;
	const struct op_get_resp *first = NULL;
	struct id live[LOOKUP_MAX_K];
	uint8_t replied[LOOKUP_MAX_K];
	unsigned empty = 0;
	size_t i, n;
	int a;

	if (g->wide)
		return 0;
	n = lookup_live(op->lk, live, replied, op->env->k);
	for (i = 0; i < n && i < OP_GET_QUORUM + empty; i++) {
		if (!replied[i])
			continue;
		if ((a = op_get_agrees(g, &live[i], &first)) == -1)
			break;
		if (a == 0)
			empty++;
	}
	/* Stopped at a differing or paged answer, or no value in sight. */
	if ((i < n && i < OP_GET_QUORUM + empty) || empty >= OP_GET_QUORUM) {
		g->wide = 1;
		return 0;
	}
	return OP_GET_QUORUM + empty;
}

/* The get's lookup has what it needs: a quorum, or it settled. */
static int
op_get_enough(struct op *op, int64_t now_ms)
{
	return lookup_settled(op->lk) ||
	    op_get_quorum((const struct op_get *)op);
}

/*
 * One page of a FIND_VALUE answer: its digests join the union with this
 * node as a holder, and the bytes that rode with them are taken
 * (op_get_inline).  Then fetch what is still wanted.
 */
static void
op_get_values(struct op_get *g, const struct rpc_call *c,
    const struct wire_values *wv, int64_t now_ms)
{
	const struct wire_digest *d;
	int64_t max_exp;
	size_t i;
	int hi = -1;

	max_exp = g->op.wall_ms + (int64_t)g->op.env->max_ttl_s * 1000;
	if (wv->ndigests > 0 && wv->tokenlen > 0)
		hi = op_get_holder(g, c, wv);
	for (i = 0; i < wv->ndigests; i++) {
		d = &wv->digests[i];
		op_get_add(g, d->hash, NULL, NULL, d->len, d->created_ms,
		    d->expires_ms, max_exp, hi);
	}
	op_get_inline(g, wv, max_exp);
	if (c->ops != &op_get_page_rpc || c->arg[GET_ARG_OFFSET] == 0)
		op_get_note_resp(g, c, wv);
	op_get_next_page(g, c, wv, now_ms);
	op_get_fetch_pump(g, now_ms);
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
	op_get_maybe_finish(g);
}

static void
op_get_page_failed(void *ctx, const struct rpc_call *c, int64_t now_ms)
{
	struct op_get *g = ctx;

	if (g->op.done)
		return;
	g->pending--;
	op_get_maybe_finish(g);
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
	op_get_maybe_finish((struct op_get *)op);
}

/* ---- the result ---------------------------------------------------------- */

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
 * Moves the kept values that arrived to g->out, oldest first.  When
 * truncated, the values of the cut's millisecond go too, so that a get
 * since the cut repeats none; unless they are all there is, and then the
 * next get starts a millisecond later (values of that millisecond that
 * did not fit are out of reach by since_ms: docs/SECURITY.md).  A kept
 * value that no holder delivered is left out without a word: the get
 * returns what the network gave.
 */
static void
op_get_trim(struct op_get *g, struct op_get_result *r)
{
	size_t i, n = 0, keep;

	if (g->nkept > 0 && (g->out = calloc(g->nkept,
	    sizeof(*g->out))) == NULL)
		return;
	for (i = 0; i < g->nvals; i++)
		if (g->vals[i].kept && g->vals[i].v.data != NULL) {
			g->out[n++] = g->vals[i].v;
			g->vals[i].v.data = NULL;
		}
	g->nout = n;
	qsort(g->out, n, sizeof(g->out[0]), op_get_value_cmp);
	if (!g->truncated)
		return;
	for (keep = n; keep > 0 && g->out[keep - 1].created_ms >= g->cut_ms;
	    keep--)
		;
	r->truncated = 1;
	r->next_since_ms = g->cut_ms;
	if (keep == 0)
		r->next_since_ms = g->cut_ms + 1;
	else {
		for (i = keep; i < n; i++) {
			free(g->out[i].data);
			g->out[i].data = NULL;
			g->omitted++;
		}
		g->nout = keep;
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
		r.values.v = g->out;
		r.values.n = g->nout;
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
		free(g->vals[i].v.data);
	for (i = 0; i < g->nout; i++)
		free(g->out[i].data);
	free(g->out);
	free(g->vals);
	free(g->heap);
	free(g->vset);
	free(g->holders);
	free(g->resps);
	free(g->fetches);
}

static const struct op_kind op_get_kind = {
	.name = "get",
	.query = op_get_query,
	.sent = op_get_sent,
	.reply = op_get_reply,
	.enough = op_get_enough,
	.narrow = op_get_narrow,
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
	uint8_t h[KECCAK256_LEN];
	size_t i;

	if ((g = op_new(s, &op_get_kind, sizeof(*g), now_ms, wall_ms)) == NULL)
		return -1;
	g->cb = cb;
	g->arg = arg;
	g->op.target = *key;
	env_random(g->op.env, &g->fpkey, sizeof(g->fpkey));
	g->since_ms = since_ms < 0 ? 0 : since_ms;
	if (g->since_ms > WIRE_MAX_TIME_MS)
		g->since_ms = WIRE_MAX_TIME_MS;
	memset(&res, 0, sizeof(res));
	/* Ours count without a fetch; a read error leaves the network's. */
	if (store_get(g->op.env->store, key->b, g->since_ms, wall_ms, &res,
	    &errstr) == 0) {
		for (i = 0; i < res.n; i++) {
			sigval_hash(&res.v[i].attr, res.v[i].data,
			    res.v[i].len, h);
			op_get_add(g, h, res.v[i].data, &res.v[i].attr,
			    res.v[i].len,
			    res.v[i].created_ms, res.v[i].expires_ms, 0, -1);
		}
		store_result_free(&res);
	}
	if (op_lookup_start(&g->op, now_ms) == -1)
		op_complete(&g->op, DHT_ERR_STORAGE, "out of memory");
	return 0;
}

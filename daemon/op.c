/*
 * op — the operations' core: see op.h.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "op.h"

#define OP_SLOTS	(OP_MAX_USER + OP_MAX_INTERNAL)
#define OP_SLOTS_MIN	8	/* the slot array grows from this to OP_SLOTS */

static const uint64_t op_ms_bounds[] = { 1, 2, 5, 10, 25, 50, 100, 250, 500,
    1000, 2500, 5000, 10000, 20000, 60000 };
/* The query cap is 3k + alpha: 63 for the defaults. */
static const uint64_t op_query_bounds[] = { 1, 2, 3, 4, 6, 8, 12, 16, 24, 32,
    48, 64, 96, 128, 256 };
#define OP_NBOUNDS(a)	(sizeof(a) / sizeof(a[0]))

static const struct {
	const char	*name;
	const uint64_t	*bounds;
	size_t		 nbounds;
} op_hists[OP_NHIST] = {
	[OP_HIST_PUT_MS] = { "put_ms", op_ms_bounds, OP_NBOUNDS(op_ms_bounds) },
	[OP_HIST_GET_MS] = { "get_ms", op_ms_bounds, OP_NBOUNDS(op_ms_bounds) },
	[OP_HIST_LOOKUP_MS] = { "lookup_ms", op_ms_bounds,
	    OP_NBOUNDS(op_ms_bounds) },
	[OP_HIST_LOOKUP_QUERIES] = { "lookup_queries", op_query_bounds,
	    OP_NBOUNDS(op_query_bounds) },
};

/* The user operations whose duration has a histogram, by kind name. */
static const struct {
	const char	*kind;
	unsigned	 hist;
} op_timed[] = {
	{ "put", OP_HIST_PUT_MS },
	{ "get", OP_HIST_GET_MS },
};

static const struct rpc_ops op_lookup_rpc;

struct op_set {
	const struct env *env;
	struct op	**slot;		/* nslot of them, NULL: free */
	size_t		 nslot;
	unsigned	 nuser, ninternal;
	int32_t		 qhead, qtail;	/* completions to run */
	int64_t		 lk_next_ms;	/* no lookup deadline before this */
	struct op_stats	 st;
};

struct op_set *
op_set_new(const struct env *env)
{
	struct op_set *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->env = env;
	s->qhead = s->qtail = -1;
	s->lk_next_ms = INT64_MAX;
	return s;
}

/* A lookup ended by a limit, at debug level (rate-limited: log.h). */
static void
op_log_limit(const struct op *op, int deadline, const struct lookup_stats *ls)
{
	char hex[ID_HEX_LEN + 1];

	if (log_getlevel() < LOG_LEVEL_DEBUG)
		return;
	id_to_hex(&op->target, hex);
	hex[16] = '\0';
	/* One format per limit: log_debug_rl counts per format. */
	if (deadline)
		log_debug_rl("lookup of %s (%s) ended by its deadline: %u "
		    "queries, %u replies, %u failed, %u hops", hex,
		    op->kind->name, ls->queries, ls->replies, ls->failures,
		    ls->hops);
	else
		log_debug_rl("lookup of %s (%s) ended by its query cap: %u "
		    "queries, %u replies, %u failed, %u hops", hex,
		    op->kind->name, ls->queries, ls->replies, ls->failures,
		    ls->hops);
}

static void
op_free(struct op *op)
{
	struct op_set *s = op->set;
	struct lookup_stats ls;

	if (op->kind->free != NULL)
		op->kind->free(op);
	/*
	 * A lookup that ended without waiting for a query (a stalled one,
	 * or one past the k closest) lets it run out: its timeout is how
	 * the routing table learns of a dead node.
	 */
	rpc_orphan(op->env->rpc, op, &op_lookup_rpc);
	rpc_cancel(op->env->rpc, op);
	if (op->kind->internal)
		s->ninternal--;
	else
		s->nuser--;
	s->slot[op->slot] = NULL;
	if (op->lk != NULL) {
		lookup_get_stats(op->lk, &ls);
		s->st.lookup_hops += ls.hops;
		s->st.lookup_capped += ls.capped;
		s->st.lookup_ip_refused += ls.ip_refused;
		if (ls.capped)
			op_log_limit(op, 0, &ls);
		lookup_free(op->lk);
	}
	free(op->toks);
	free(op);
}

void
op_set_free(struct op_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nslot; i++)
		if (s->slot[i] != NULL)
			op_free(s->slot[i]);
	free(s->slot);
	free(s);
}

/* Doubles the slot array, up to OP_SLOTS; -1 at the bound or on memory. */
static int
op_grow(struct op_set *s)
{
	struct op **nv;
	size_t ncap;

	ncap = s->nslot ? s->nslot * 2 : OP_SLOTS_MIN;
	if (ncap > OP_SLOTS)
		ncap = OP_SLOTS;
	if (ncap <= s->nslot ||
	    (nv = reallocarray(s->slot, ncap, sizeof(*nv))) == NULL)
		return -1;
	memset(nv + s->nslot, 0, (ncap - s->nslot) * sizeof(*nv));
	s->slot = nv;
	s->nslot = ncap;
	return 0;
}

void *
op_new(struct op_set *s, const struct op_kind *kind, size_t size,
    int64_t now_ms, int64_t wall_ms)
{
	struct op *op;
	size_t i;

	if (kind->internal ? s->ninternal >= OP_MAX_INTERNAL :
	    s->nuser >= OP_MAX_USER)
		return NULL;
	for (i = 0; i < s->nslot; i++)
		if (s->slot[i] == NULL)
			break;
	if ((i == s->nslot && op_grow(s) == -1) || size < sizeof(*op) ||
	    (op = calloc(1, size)) == NULL)
		return NULL;
	op->kind = kind;
	op->set = s;
	op->env = s->env;
	op->slot = (int32_t)i;
	op->qnext = -1;
	op->start_ms = now_ms;
	op->wall_ms = wall_ms;
	s->slot[i] = op;
	if (kind->internal)
		s->ninternal++;
	else
		s->nuser++;
	return op;
}

void
op_complete(struct op *op, enum dht_err err, const char *msg)
{
	struct op_set *s = op->set;

	if (op->done)
		return;
	op->done = 1;
	op->err = err;
	op->msg = msg;
	op->qnext = -1;
	if (s->qtail >= 0)
		s->slot[s->qtail]->qnext = op->slot;
	else
		s->qhead = op->slot;
	s->qtail = op->slot;
}

const char *
op_hist_info(unsigned h, const uint64_t **bounds, size_t *nbounds)
{
	if (h >= OP_NHIST)
		return NULL;
	*bounds = op_hists[h].bounds;
	*nbounds = op_hists[h].nbounds;
	return op_hists[h].name;
}

void
op_hist_add(struct op_hist *hg, unsigned which, uint64_t v)
{
	size_t b;

	if (which >= OP_NHIST)
		return;
	for (b = 0; b < op_hists[which].nbounds; b++)
		if (v <= op_hists[which].bounds[b])
			break;
	hg->n[b]++;
	hg->count++;
	hg->sum += v;
}

static uint64_t
op_elapsed(int64_t from, int64_t to)
{
	return to > from ? (uint64_t)(to - from) : 0;
}

/* A completed operation's duration and its lookup's, into the histograms. */
static void
op_record(struct op *op, int64_t now_ms)
{
	struct op_stats *st = &op->set->st;
	struct lookup_stats ls;
	size_t i;

	for (i = 0; i < sizeof(op_timed) / sizeof(op_timed[0]); i++)
		if (strcmp(op->kind->name, op_timed[i].kind) == 0)
			op_hist_add(&st->hist[op_timed[i].hist],
			    op_timed[i].hist, op_elapsed(op->start_ms, now_ms));
	if (op->lk == NULL)
		return;
	lookup_get_stats(op->lk, &ls);
	op_hist_add(&st->hist[OP_HIST_LOOKUP_MS], OP_HIST_LOOKUP_MS,
	    op_elapsed(op->start_ms, op->lk_ended ? op->lk_end_ms : now_ms));
	op_hist_add(&st->hist[OP_HIST_LOOKUP_QUERIES], OP_HIST_LOOKUP_QUERIES,
	    ls.queries);
}

void
op_run_completions(struct op_set *s, int64_t now_ms)
{
	struct op *op;
	int32_t i;

	/*
	 * Take the queue as it is: completions queued by the callbacks
	 * themselves run next time, so none runs inside a start call.
	 */
	i = s->qhead;
	s->qhead = s->qtail = -1;
	while (i >= 0) {
		op = s->slot[i];
		i = op->qnext;
		op_record(op, now_ms);
		if (op->kind->complete != NULL)
			op->kind->complete(op, now_ms);
		op_free(op);
	}
}

int
op_completions_due(const struct op_set *s)
{
	return s->qhead >= 0;
}

struct rpc_call *
op_send(struct op *op, const struct addr *to, const struct id *id,
    struct wire_msg *m, const struct rpc_ops *ops, int64_t now_ms)
{
	return rpc_send(op->env->rpc, to, id, m, ops, op, now_ms);
}

/* ---- write tokens from lookup answers ---------------------------------- */

void
op_token_add(struct op *op, const struct id *id, const uint8_t *tok,
    size_t len)
{
	struct op_token *nt;
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

const struct op_token *
op_token_find(const struct op *op, const struct id *id)
{
	size_t i;

	for (i = op->ntoks; i > 0; i--)
		if (id_eq(&op->toks[i - 1].id, id))
			return &op->toks[i - 1];
	return NULL;
}

/* ---- the lookup ---------------------------------------------------------- */

/* Sends what the lookup wants asked; notices when it is over. */
static void
op_pump(struct op *op, int64_t now_ms)
{
	const struct env *env = op->env;
	struct route_node n;
	struct wire_msg m;

	struct rpc_call *c;

	if (op->done || op->closed)
		return;
	if (op->kind->enough != NULL && !lookup_done(op->lk) &&
	    op->kind->enough(op, now_ms))
		lookup_stop(op->lk);
	if (op->kind->narrow != NULL)
		lookup_narrow(op->lk, op->kind->narrow(op));
	while (rpc_room(env->rpc) > 0 && lookup_next(op->lk, &n)) {
		memset(&m, 0, sizeof(m));
		if (op->kind->query != NULL)
			op->kind->query(op, &n.addr, &m, now_ms);
		else {
			m.type = WIRE_FIND_NODE;
			m.u.find_node.target = op->target;
		}
		if ((c = op_send(op, &n.addr, &n.id, &m, &op_lookup_rpc,
		    now_ms)) == NULL) {
			lookup_failed(op->lk, &n.id);
			continue;
		}
		if (op->kind->sent != NULL)
			op->kind->sent(op, c, now_ms);
		/*
		 * A second chance (lookup_again): one try, twice the
		 * retransmission timeout (a slow node's answer may take more
		 * than one), at most rpc_timeout.
		 */
		if (lookup_asked_again(op->lk, &n.id))
			rpc_set_timeout(env->rpc, c,
			    2 * rpc_rto(env->rpc, &n.addr), 0);
		op->set->st.lookup_queries++;
	}
	if (lookup_done(op->lk) && !op->lk_ended) {
		op->lk_ended = 1;
		op->lk_end_ms = now_ms;
	}
	if (lookup_done(op->lk) && op->kind->lookup_done != NULL)
		op->kind->lookup_done(op, now_ms);
}

int
op_lookup_start(struct op *op, int64_t now_ms)
{
	const struct env *env = op->env;
	struct route_node seeds[LOOKUP_MAX_K];
	size_t n;

	n = route_closest(env->rt, &op->target, env->k, seeds);
	op->table_empty = route_count(env->rt) == 0;
	op->lk = lookup_new(&op->target, &env->self, seeds, n, env->alpha,
	    env->k);
	if (op->lk == NULL)
		return -1;
	lookup_limit_ip(op->lk, LOOKUP_IP_MAX, env->limit_local);
	op->set->st.lookups++;
	if (now_ms + OP_LOOKUP_DEADLINE_MS < op->set->lk_next_ms)
		op->set->lk_next_ms = now_ms + OP_LOOKUP_DEADLINE_MS;
	route_touch_bucket(env->rt, &op->target, (uint64_t)now_ms);
	if (op->kind->begin != NULL)
		op->kind->begin(op, now_ms);
	op_pump(op, now_ms);
	return 0;
}

size_t
op_result(const struct op *op, struct route_node *out, size_t max)
{
	return op->lk != NULL ? lookup_result(op->lk, out, max) : 0;
}

int64_t
op_tick(struct op_set *s, int64_t now_ms)
{
	struct op *op;
	int64_t due, next = INT64_MAX;
	size_t i;

	if (now_ms < s->lk_next_ms)
		return s->lk_next_ms;
	for (i = 0; i < s->nslot; i++) {
		if ((op = s->slot[i]) == NULL || op->lk == NULL || op->done ||
		    op->closed || lookup_done(op->lk))
			continue;
		due = op->start_ms + OP_LOOKUP_DEADLINE_MS;
		if (now_ms < due) {
			if (due < next)
				next = due;
			continue;
		}
		lookup_stop(op->lk);
		s->st.lookup_expired++;
		if (log_getlevel() >= LOG_LEVEL_DEBUG) {
			struct lookup_stats ls;

			lookup_get_stats(op->lk, &ls);
			op_log_limit(op, 1, &ls);
		}
		op_pump(op, now_ms);	/* its lookup_done hook */
	}
	s->lk_next_ms = next;
	return next;
}

/*
 * Relay sanity (geth's CheckRelayAddr, jech/dht's is_martian): a node
 * named by the peer at `from` is refused if its address is unusable, or
 * loopback or private named by a peer outside that scope, or if it is us.
 */
static int
op_relay_ok(const struct op *op, const struct addr *from,
    const struct wire_node *wn)
{
	return addr_relay_ok(from, &wn->addr) &&
	    !id_eq(&wn->id, &op->env->self);
}

/*
 * The nodes of an answer, less those we saw die (peers still name them;
 * rpc.h: RPC_DEAD_STRIKES) and those relay sanity refuses.
 */
static void
op_lookup_nodes(struct op *op, const struct rpc_call *c,
    const struct wire_node *wn, size_t n, int64_t now_ms)
{
	struct route_node rn[WIRE_MAX_NODES];
	size_t i, kept = 0;

	if (n > WIRE_MAX_NODES)
		n = WIRE_MAX_NODES;
	memset(rn, 0, n * sizeof(rn[0]));
	for (i = 0; i < n; i++) {
		if (!op_relay_ok(op, &c->to, &wn[i])) {
			op->set->st.relay_dropped++;
			continue;
		}
		if (rpc_dead(op->env->rpc, &wn[i].id, now_ms))
			continue;
		rn[kept].id = wn[i].id;
		rn[kept].addr = wn[i].addr;
		kept++;
	}
	lookup_reply(op->lk, &c->id, rn, kept);
}

static void
op_lookup_reply(void *ctx, const struct rpc_call *c, const struct wire_msg *m,
    int64_t now_ms, int64_t wall_ms)
{
	struct op *op = ctx;

	if (op->done || op->closed)
		return;
	if (m->type == WIRE_VALUES)
		op_lookup_nodes(op, c, m->u.values.nodes, m->u.values.nnodes,
		    now_ms);
	else if (m->type == WIRE_NODES)
		op_lookup_nodes(op, c, m->u.nodes.nodes, m->u.nodes.nnodes,
		    now_ms);
	else if (m->type == WIRE_STORE_ACK)	/* a put's last step */
		op_lookup_nodes(op, c, m->u.store_ack.nodes,
		    m->u.store_ack.nnodes, now_ms);
	if (op->kind->reply != NULL)
		op->kind->reply(op, c, m, now_ms, wall_ms);
	op_pump(op, now_ms);
}

static void
op_lookup_failed(void *ctx, const struct rpc_call *c, int64_t now_ms)
{
	struct op *op = ctx;

	if (op->done || op->closed)
		return;
	if (lookup_failed(op->lk, &c->id) == 0)
		(void)lookup_again(op->lk, &c->id);
	op_pump(op, now_ms);
}

static void
op_lookup_stalled(void *ctx, const struct rpc_call *c, int64_t now_ms)
{
	struct op *op = ctx;

	if (op->done || op->closed)
		return;
	if (lookup_stalled(op->lk, &c->id) == 0)
		op_pump(op, now_ms);
}

static const struct rpc_ops op_lookup_rpc = {
	.reply = op_lookup_reply,
	.failed = op_lookup_failed,
	.stalled = op_lookup_stalled,
};

void
op_known(const struct op *op, struct wire_known *kn)
{
	struct id live[LOOKUP_MAX_K];
	uint8_t replied[LOOKUP_MAX_K];
	size_t i, n, k = op->env->k;

	memset(kn, 0, sizeof(*kn));
	n = lookup_live(op->lk, live, replied, k);
	for (i = 0; i < n && kn->knownlen + WIRE_KNOWN_PREFIX <=
	    WIRE_MAX_KNOWN; i++) {
		memcpy(kn->known + kn->knownlen, live[i].b, WIRE_KNOWN_PREFIX);
		kn->knownlen += WIRE_KNOWN_PREFIX;
	}
	if (n == k) {
		kn->closer_than = live[k - 1];
		kn->has_closer_than = 1;
	}
}

size_t
op_adopt_queries(struct op *op, enum wire_type type, const struct rpc_ops *ops)
{
	return rpc_adopt(op->env->rpc, op, &op_lookup_rpc, type, ops);
}

void
op_get_stats(const struct op_set *s, struct op_stats *st)
{
	*st = s->st;
}

struct op_stats *
op_stats_mut(struct op_set *s)
{
	return &s->st;
}

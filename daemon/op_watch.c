/*
 * op_watch — the subscriptions we hold: see op_watch.h.
 */
#include <stdlib.h>
#include <string.h>

#include "op_watch.h"
#include "serve.h"

#define OP_WATCH_HASH		16	/* bytes of a value's hash kept */

struct op_watch_sub {
	struct id	 id;
	struct addr	 addr;
	int		 held;		/* it acknowledged the Listen */
};

struct op_watch {
	struct op		 op;
	struct op_watch_list	*list;
	struct op_watch		*next, *prev;
	op_watch_cb		*cb;
	void			*arg;
	int64_t			 since_ms;	/* the watcher's */
	int64_t			 newest_ms;	/* newest value seen */
	int64_t			 next_ms;	/* monotonic: check or lookup */
	int64_t			 lookup_ms;	/* when to look up again */
	int			 started;	/* local values handed over */
	int			 looking;	/* a lookup runs */
	unsigned		 fails;		/* Listens failed in a row */
	struct op_watch_sub	 subs[WIRE_MAX_NODES];
	size_t			 nsubs;
	uint8_t			(*seen)[OP_WATCH_HASH];
	size_t			 nseen, seenpos;
};

struct op_watch_list {
	const struct env	*env;
	struct op_watch		*head;
	struct op_watch_stats	 st;
};

struct op_watch_list *
op_watch_list_new(const struct env *env)
{
	struct op_watch_list *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->env = env;
	return l;
}

void
op_watch_list_free(struct op_watch_list *l)
{
	struct op_watch *w;

	if (l == NULL)
		return;
	for (w = l->head; w != NULL; w = w->next)
		w->list = NULL;
	free(l);
}

static void
op_watch_unlink(struct op_watch *w)
{
	if (w->list == NULL)
		return;
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		w->list->head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->list->st.watches--;
	w->list = NULL;
	w->next = w->prev = NULL;
}

/* 1 if the value is new to this watch (and remembers it). */
static int
op_watch_fresh(struct op_watch *w, const uint8_t *data, size_t len)
{
	uint8_t h[STORE_HASH_LEN];
	size_t i;

	store_hash(data, len, h);
	for (i = 0; i < w->nseen; i++)
		if (memcmp(w->seen[i], h, OP_WATCH_HASH) == 0)
			return 0;
	memcpy(w->seen[w->seenpos], h, OP_WATCH_HASH);
	w->seenpos = (w->seenpos + 1) % OP_WATCH_SEEN;
	if (w->nseen < OP_WATCH_SEEN)
		w->nseen++;
	return 1;
}

static void
op_watch_deliver(struct op_watch *w, const struct wire_value *v,
    int64_t wall_ms)
{
	struct op_watch_event ev;

	if (w->op.done || v->created_ms < w->since_ms ||
	    v->expires_ms <= wall_ms || !op_watch_fresh(w, v->data, v->len))
		return;
	if (v->created_ms > w->newest_ms)
		w->newest_ms = v->created_ms;
	memset(&ev, 0, sizeof(ev));
	ev.data = v->data;
	ev.len = v->len;
	ev.created_ms = v->created_ms;
	ev.expires_ms = v->expires_ms;
	if (w->list != NULL)
		w->list->st.values++;
	w->cb(w->arg, &ev);
}

/* ---- Listen requests ---------------------------------------------------- */

static struct op_watch_sub *
op_watch_sub_find(struct op_watch *w, const struct addr *a)
{
	size_t i;

	for (i = 0; i < w->nsubs; i++)
		if (addr_eq(&w->subs[i].addr, a))
			return &w->subs[i];
	return NULL;
}

static void
op_watch_listen_reply(void *ctx, const struct rpc_call *c,
    const struct wire_msg *m, int64_t now_ms, int64_t wall_ms)
{
	struct op_watch *w = ctx;
	struct op_watch_sub *s;

	if (w->op.done || (s = op_watch_sub_find(w, &c->to)) == NULL)
		return;
	s->held = m->u.listen_ack.lifetime_ms > 0;
	w->fails = 0;
}

/*
 * Gone, or refused (a stale token, a full table): drop it and look again
 * soon, later each time while nothing but failures come back.
 */
static void
op_watch_listen_failed(void *ctx, const struct rpc_call *c, int64_t now_ms)
{
	struct op_watch *w = ctx;
	struct op_watch_sub *s;
	int64_t retry;

	if (w->op.done || (s = op_watch_sub_find(w, &c->to)) == NULL)
		return;
	*s = w->subs[--w->nsubs];
	if (w->list != NULL)
		w->list->st.subs_lost++;
	retry = (int64_t)OP_WATCH_RETRY_MS << (w->fails < 5 ? w->fails : 5);
	w->fails++;
	if (w->lookup_ms > now_ms + retry)
		w->lookup_ms = now_ms + retry;
	if (w->next_ms > w->lookup_ms)
		w->next_ms = w->lookup_ms;
}

static const struct rpc_ops op_watch_listen_rpc = {
	.reply = op_watch_listen_reply,
	.failed = op_watch_listen_failed,
};

/* Cancels go without hooks: nobody waits for their answers. */
static const struct rpc_ops op_watch_cancel_rpc = { NULL, NULL, NULL };

static void
op_watch_listen(struct op_watch *w, const struct op_watch_sub *s, int cancel,
    int64_t now_ms)
{
	const struct env *env = w->op.env;
	const struct op_token *ot;
	const struct token_peer *tp;
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_LISTEN;
	m.u.listen.key = w->op.target;
	/* A refresh asks only for what is newer than all it has seen. */
	m.u.listen.since_ms = w->newest_ms >= w->since_ms ? w->newest_ms + 1 :
	    w->since_ms;
	if (w->newest_ms == 0)
		m.u.listen.since_ms = w->since_ms;
	m.u.listen.cancel = cancel;
	if ((tp = token_peer_get(env->tok, &s->addr, &w->op.target,
	    now_ms)) != NULL) {
		memcpy(m.u.listen.token, tp->tok, tp->len);
		m.u.listen.tokenlen = tp->len;
	} else if ((ot = op_token_find(&w->op, &s->id)) != NULL) {
		memcpy(m.u.listen.token, ot->tok, ot->len);
		m.u.listen.tokenlen = ot->len;
	}
	if (cancel)
		(void)rpc_send(env->rpc, &s->addr, NULL, &m,
		    &op_watch_cancel_rpc, NULL, now_ms);
	else if (op_send(&w->op, &s->addr, &s->id, &m, &op_watch_listen_rpc,
	    now_ms) != NULL && w->list != NULL)
		w->list->st.listens_sent++;
}

/* ---- the lookup --------------------------------------------------------- */

static void
op_watch_reply(struct op *op, const struct rpc_call *c,
    const struct wire_msg *m, int64_t now_ms, int64_t wall_ms)
{
	if (m->type == WIRE_NODES)
		op_token_add(op, &c->id, m->u.nodes.token,
		    m->u.nodes.tokenlen);
}

/* The closest set is known: subscribe there, cancel where it left. */
static void
op_watch_lookup_done(struct op *op, int64_t now_ms)
{
	struct op_watch *w = (struct op_watch *)op;
	struct route_node rn[WIRE_MAX_NODES];
	struct op_watch_sub old[WIRE_MAX_NODES];
	size_t i, j, n, nold;

	if (!w->looking || op->done)
		return;
	w->looking = 0;
	n = op_result(op, rn, op->env->k < WIRE_MAX_NODES ? op->env->k :
	    WIRE_MAX_NODES);
	nold = w->nsubs;
	memcpy(old, w->subs, nold * sizeof(old[0]));
	w->nsubs = 0;
	for (i = 0; i < n; i++) {
		w->subs[w->nsubs].id = rn[i].id;
		w->subs[w->nsubs].addr = rn[i].addr;
		w->subs[w->nsubs].held = 0;
		for (j = 0; j < nold; j++)
			if (addr_eq(&old[j].addr, &rn[i].addr))
				w->subs[w->nsubs].held = old[j].held;
		op_watch_listen(w, &w->subs[w->nsubs++], 0, now_ms);
	}
	for (j = 0; j < nold; j++)
		if (op_watch_sub_find(w, &old[j].addr) == NULL)
			op_watch_listen(w, &old[j], 1, now_ms);
	/* Found none (all seeds dead, say): soon again, dead ones left out. */
	w->lookup_ms = now_ms + (n > 0 ? OP_WATCH_RELOOKUP_MS :
	    OP_WATCH_EMPTY_MS);
	w->next_ms = now_ms + OP_WATCH_CHECK_MS;
	if (w->next_ms > w->lookup_ms)
		w->next_ms = w->lookup_ms;
}

static void
op_watch_lookup(struct op_watch *w, int64_t now_ms)
{
	struct op *op = &w->op;

	/* A new lookup in the same operation: the old one's state goes. */
	if (op->lk != NULL) {
		lookup_free(op->lk);
		op->lk = NULL;
	}
	op->ntoks = 0;
	op->closed = 0;
	op->start_ms = now_ms;
	w->looking = 1;
	w->next_ms = now_ms + OP_LOOKUP_DEADLINE_MS + OP_WATCH_CHECK_MS;
	if (op_lookup_start(op, now_ms) == -1) {
		w->looking = 0;
		w->lookup_ms = w->next_ms = now_ms + OP_WATCH_RETRY_MS;
	}
}

/* The values this node holds, before anything from the network. */
static void
op_watch_local_first(struct op_watch *w, int64_t wall_ms)
{
	struct wire_value wv[WIRE_MAX_VALUES_PER_MSG];
	struct store_result res;
	const char *errstr;
	size_t off = 0, total, n, i;

	do {
		memset(&res, 0, sizeof(res));
		if (store_get_page(w->op.env->store, w->op.target.b,
		    w->since_ms, wall_ms, off, WIRE_MAX_VALUES_PER_MSG, &res,
		    &total, &errstr) == -1)
			return;
		n = res.n < WIRE_MAX_VALUES_PER_MSG ? res.n :
		    WIRE_MAX_VALUES_PER_MSG;
		rpc_wire_values(res.v, n, wv);
		for (i = 0; i < n && !w->op.done; i++)
			op_watch_deliver(w, &wv[i], wall_ms);
		store_result_free(&res);
		off += n;
	} while (n > 0 && off < total && off < STORE_MAX_VALUES_PER_KEY &&
	    !w->op.done);
}

/* ---- the kind ----------------------------------------------------------- */

static void
op_watch_complete(struct op *op, int64_t now_ms)
{
	struct op_watch *w = (struct op_watch *)op;
	struct op_watch_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.end = 1;
	ev.err = op->err;
	ev.msg = op->msg;
	w->cb(w->arg, &ev);
}

static void
op_watch_free(struct op *op)
{
	struct op_watch *w = (struct op_watch *)op;

	op_watch_unlink(w);
	free(w->seen);
}

static const struct op_kind op_watch_kind = {
	.name = "watch",
	.reply = op_watch_reply,
	.lookup_done = op_watch_lookup_done,
	.complete = op_watch_complete,
	.free = op_watch_free,
};

struct op_watch *
op_watch_start(struct op_set *s, struct op_watch_list *l,
    const struct id *key, int64_t since_ms, int64_t now_ms, int64_t wall_ms,
    op_watch_cb *cb, void *arg)
{
	struct op_watch *w;

	if (l->st.watches >= OP_WATCH_MAX || (w = op_new(s, &op_watch_kind,
	    sizeof(*w), now_ms, wall_ms)) == NULL)
		return NULL;
	w->cb = cb;
	w->arg = arg;
	w->op.target = *key;
	w->since_ms = since_ms > 0 ? since_ms : 0;
	if ((w->seen = calloc(OP_WATCH_SEEN, sizeof(*w->seen))) == NULL) {
		op_complete(&w->op, DHT_ERR_UNAVAILABLE, "out of memory");
		return w;
	}
	/* The first step runs from op_watch_tick, never inside this call. */
	w->next_ms = now_ms;
	w->list = l;
	w->next = l->head;
	if (l->head != NULL)
		l->head->prev = w;
	l->head = w;
	l->st.watches++;
	return w;
}

void
op_watch_stop(struct op_watch *w, int64_t now_ms)
{
	size_t i;

	if (w->op.done)
		return;
	/* The nodes need not push until the subscription expires. */
	for (i = 0; i < w->nsubs; i++)
		if (w->subs[i].held)
			op_watch_listen(w, &w->subs[i], 1, now_ms);
	op_watch_unlink(w);
	op_complete(&w->op, DHT_OK, NULL);
}

int
op_watch_notify(struct op_watch_list *l, const struct addr *from,
    const struct wire_msg *q, int64_t now_ms, int64_t wall_ms)
{
	const struct wire_notify *nq = &q->u.notify;
	struct op_watch *w, *next;
	struct wire_msg m;
	size_t i;
	int took = 0;

	l->st.notify_rx++;
	for (w = l->head; w != NULL; w = next) {
		next = w->next;
		if (!id_eq(&w->op.target, &nq->key) ||
		    op_watch_sub_find(w, from) == NULL)
			continue;
		took = 1;
		/* A forged signed or immutable value is never delivered. */
		for (i = 0; i < nq->nvalues && !w->op.done; i++)
			if (serve_value_check(l->env, &nq->key,
			    &nq->values[i], NULL) == 0)
				op_watch_deliver(w, &nq->values[i], wall_ms);
	}
	if (!took)
		l->st.notify_refused++;
	memset(&m, 0, sizeof(m));
	m.type = WIRE_LISTEN_ACK;
	m.u.listen_ack.lifetime_ms = took;
	/* Smaller than the Notify it answers: nothing to amplify. */
	(void)rpc_reply(l->env->rpc, from, &m, q->txid, 0, NULL, now_ms);
	return took;
}

void
op_watch_local(struct op_watch_list *l, const struct id *key,
    const struct wire_value *v, int64_t wall_ms)
{
	struct op_watch *w, *next;

	for (w = l->head; w != NULL; w = next) {
		next = w->next;
		if (w->started && id_eq(&w->op.target, key))
			op_watch_deliver(w, v, wall_ms);
	}
}

int64_t
op_watch_tick(struct op_watch_list *l, int64_t now_ms, int64_t wall_ms)
{
	struct op_watch *w, *next;
	int64_t due = INT64_MAX;
	size_t i;

	for (w = l->head; w != NULL; w = next) {
		next = w->next;
		if (now_ms >= w->next_ms && !w->op.done) {
			if (!w->started) {
				w->started = 1;
				op_watch_local_first(w, wall_ms);
				if (w->op.done)
					continue;
				op_watch_lookup(w, now_ms);
			} else if (!w->looking && now_ms >= w->lookup_ms)
				op_watch_lookup(w, now_ms);
			else if (!w->looking) {
				for (i = 0; i < w->nsubs; i++)
					op_watch_listen(w, &w->subs[i], 0,
					    now_ms);
				w->next_ms = now_ms + OP_WATCH_CHECK_MS;
				if (w->next_ms > w->lookup_ms)
					w->next_ms = w->lookup_ms;
			}
		}
		if (w->list != NULL && w->next_ms < due)
			due = w->next_ms;
	}
	return due;
}

void
op_watch_get_stats(const struct op_watch_list *l, struct op_watch_stats *st)
{
	const struct op_watch *w;
	size_t i;

	*st = l->st;
	st->subs_held = 0;
	for (w = l->head; w != NULL; w = w->next)
		for (i = 0; i < w->nsubs; i++)
			st->subs_held += w->subs[i].held != 0;
}

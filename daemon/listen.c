/*
 * listen — the subscriptions we serve: see listen.h.  A plain array,
 * allocated on the first subscription and freed with the last; every
 * scan is bounded by LISTEN_MAX_SUBS.
 */
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>

#include "listen.h"

struct listen_sub {
	struct id	 key;
	struct id	 id;		/* the subscriber's node id */
	struct addr	 addr;		/* proven by our token */
	uint64_t	 serial;	/* names it in a Notify's rpc_call */
	int64_t		 expires_ms;	/* monotonic */
	int64_t		 mtok;		/* thousandths of a push */
	int64_t		 refill_ms;
	int64_t		 behind_ms;	/* oldest value not pushed; 0: none */
	uint32_t	 inflight;
};

struct listen {
	const struct env	*env;
	struct listen_sub	*subs;
	size_t			 n, cap;
	uint64_t		 serial;
	int64_t			 next_ms;	/* earliest expiry */
	struct listen_stats	 st;
};

struct listen *
listen_new(const struct env *env)
{
	struct listen *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->env = env;
	l->next_ms = INT64_MAX;
	return l;
}

void
listen_free(struct listen *l)
{
	if (l == NULL)
		return;
	rpc_cancel(l->env->rpc, l);
	free(l->subs);
	free(l);
}

static void
listen_remove(struct listen *l, size_t i)
{
	l->subs[i] = l->subs[--l->n];
	if (l->n == 0) {
		free(l->subs);
		l->subs = NULL;
		l->cap = 0;
		l->next_ms = INT64_MAX;
	}
}

static ssize_t
listen_find(const struct listen *l, const struct id *key,
    const struct addr *from)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (id_eq(&l->subs[i].key, key) &&
		    addr_eq(&l->subs[i].addr, from))
			return (ssize_t)i;
	return -1;
}

static ssize_t
listen_by_serial(const struct listen *l, uint64_t serial)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->subs[i].serial == serial)
			return (ssize_t)i;
	return -1;
}

/* Over a limit?  Then the reason, else NULL. */
static const char *
listen_full(const struct listen *l, const struct id *key,
    const struct addr *from)
{
	size_t i, host = 0, bykey = 0;

	if (l->n >= LISTEN_MAX_SUBS)
		return "too many subscriptions";
	for (i = 0; i < l->n; i++) {
		if (addr_same_ip(&l->subs[i].addr, from))
			host++;
		if (id_eq(&l->subs[i].key, key))
			bykey++;
	}
	if (host >= LISTEN_MAX_PER_SOURCE)
		return "too many subscriptions from this host";
	if (bykey >= LISTEN_MAX_PER_KEY)
		return "too many subscriptions to this key";
	return NULL;
}

static uint64_t
listen_serial(const struct rpc_call *c)
{
	return (uint64_t)c->arg[0] | (uint64_t)c->arg[1] << 32;
}

static void
listen_notify_reply(void *ctx, const struct rpc_call *c,
    const struct wire_msg *m, int64_t now_ms, int64_t wall_ms)
{
	struct listen *l = ctx;
	ssize_t i;

	if ((i = listen_by_serial(l, listen_serial(c))) < 0)
		return;
	if (l->subs[i].inflight > 0)
		l->subs[i].inflight--;
	/* The subscriber no longer watches the key. */
	if (m->u.listen_ack.lifetime_ms == 0) {
		l->st.dropped++;
		listen_remove(l, (size_t)i);
	}
}

/* No answer (or an error): the subscriber is gone. */
static void
listen_notify_failed(void *ctx, const struct rpc_call *c, int64_t now_ms)
{
	struct listen *l = ctx;
	ssize_t i;

	if ((i = listen_by_serial(l, listen_serial(c))) < 0)
		return;
	l->st.dropped++;
	listen_remove(l, (size_t)i);
}

static const struct rpc_ops listen_notify_rpc = {
	.reply = listen_notify_reply,
	.failed = listen_notify_failed,
};

static void
listen_send(struct listen *l, struct listen_sub *s, const struct id *key,
    const struct wire_value *v, size_t n, int64_t now_ms)
{
	struct rpc_call *c;
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_NOTIFY;
	m.u.notify.key = *key;
	m.u.notify.values = v;
	m.u.notify.nvalues = wire_values_fit(&m, v, n);
	if (m.u.notify.nvalues == 0)
		return;
	if ((c = rpc_send(l->env->rpc, &s->addr, &s->id, &m,
	    &listen_notify_rpc, l, now_ms)) == NULL) {
		l->st.push_limited++;
		return;
	}
	c->arg[0] = (uint32_t)s->serial;
	c->arg[1] = (uint32_t)(s->serial >> 32);
	s->inflight++;
	l->st.pushed++;
}

/* The live values since `since_ms`, oldest first, in one Notify. */
static void
listen_existing(struct listen *l, struct listen_sub *s, int64_t since_ms,
    int64_t now_ms, int64_t wall_ms)
{
	struct wire_value wv[WIRE_MAX_VALUES_PER_MSG];
	struct store_result res;
	const char *errstr;
	size_t total, n;

	memset(&res, 0, sizeof(res));
	if (store_get_page(l->env->store, s->key.b, since_ms, wall_ms, 0,
	    WIRE_MAX_VALUES_PER_MSG, &res, &total, &errstr) == -1)
		return;
	n = res.n < WIRE_MAX_VALUES_PER_MSG ? res.n : WIRE_MAX_VALUES_PER_MSG;
	if (n > 0) {
		rpc_wire_values(res.v, n, wv);
		listen_send(l, s, &s->key, wv, n, now_ms);
	}
	store_result_free(&res);
}

static void
listen_ack(struct listen *l, const struct addr *from, uint64_t txid,
    uint32_t lifetime_ms, int64_t now_ms)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_LISTEN_ACK;
	m.u.listen_ack.lifetime_ms = lifetime_ms;
	(void)rpc_reply(l->env->rpc, from, &m, txid, 0, NULL, now_ms);
}

/*
 * An Error to a Listen: no longer than the request (the amplification
 * rule: a bad token proves nothing), else not sent.
 */
static void
listen_error(struct listen *l, const struct addr *from, uint64_t txid,
    uint32_t code, const char *text, size_t qlen, int64_t now_ms)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_ERROR;
	m.u.error.code = code;
	m.u.error.message = text;
	(void)rpc_reply(l->env->rpc, from, &m, txid, qlen, NULL,
	    now_ms);
}

int
listen_request(struct listen *l, const struct addr *from,
    const struct wire_msg *q, size_t qlen, int64_t now_ms, int64_t wall_ms)
{
	const struct wire_listen *lq = &q->u.listen;
	struct listen_sub *s, *ns;
	const char *why;
	size_t ncap;
	ssize_t i;

	if (!token_check(l->env->tok, from, &lq->key, lq->token,
	    lq->tokenlen)) {
		l->st.refused++;
		listen_error(l, from, q->txid, WIRE_ERR_BAD_TOKEN, "bad token",
		    qlen, now_ms);
		return 0;
	}
	i = listen_find(l, &lq->key, from);
	if (lq->cancel) {
		if (i >= 0) {
			l->st.dropped++;
			listen_remove(l, (size_t)i);
		}
		listen_ack(l, from, q->txid, 0, now_ms);
		return 1;
	}
	if (i < 0) {
		if ((why = listen_full(l, &lq->key, from)) != NULL) {
			l->st.refused++;
			listen_error(l, from, q->txid, WIRE_ERR_QUOTA, why,
			    qlen, now_ms);
			return 1;
		}
		if (l->n == l->cap) {
			ncap = l->cap ? l->cap * 2 : 16;
			if (ncap > LISTEN_MAX_SUBS)
				ncap = LISTEN_MAX_SUBS;
			if ((ns = realloc(l->subs, ncap * sizeof(*ns))) ==
			    NULL) {
				listen_error(l, from, q->txid,
				    WIRE_ERR_INTERNAL, "out of memory", qlen,
				    now_ms);
				return 1;
			}
			l->subs = ns;
			l->cap = ncap;
		}
		s = &l->subs[l->n++];
		memset(s, 0, sizeof(*s));
		s->key = lq->key;
		s->addr = *from;
		s->serial = ++l->serial;
		s->mtok = LISTEN_PUSH_BURST * 1000;
		s->refill_ms = now_ms;
		l->st.accepted++;
	} else {
		s = &l->subs[i];
		l->st.refreshed++;
	}
	s->id = q->sender;
	s->expires_ms = now_ms + LISTEN_LIFETIME_MS;
	if (s->expires_ms < l->next_ms)
		l->next_ms = s->expires_ms;
	listen_ack(l, from, q->txid, LISTEN_LIFETIME_MS, now_ms);
	listen_existing(l, s, lq->since_ms, now_ms, wall_ms);
	return 1;
}

/* Takes a push from s's bucket; 0 if it has none left. */
static int
listen_room(struct listen_sub *s, int64_t now_ms)
{
	if (now_ms > s->refill_ms) {
		s->mtok += (now_ms - s->refill_ms) * LISTEN_PUSH_PER_S;
		if (s->mtok > LISTEN_PUSH_BURST * 1000)
			s->mtok = LISTEN_PUSH_BURST * 1000;
		s->refill_ms = now_ms;
	}
	if (s->mtok < 1000 || s->inflight >= LISTEN_MAX_INFLIGHT)
		return 0;
	s->mtok -= 1000;
	return 1;
}

void
listen_stored(struct listen *l, const struct id *key,
    const struct wire_value *v, int64_t now_ms)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (!id_eq(&l->subs[i].key, key) || l->subs[i].expires_ms <=
		    now_ms)
			continue;
		if (!listen_room(&l->subs[i], now_ms)) {
			l->st.push_limited++;
			if (l->subs[i].behind_ms == 0 ||
			    v->created_ms < l->subs[i].behind_ms)
				l->subs[i].behind_ms = v->created_ms;
			if (l->next_ms > now_ms + LISTEN_CATCHUP_MS)
				l->next_ms = now_ms + LISTEN_CATCHUP_MS;
			continue;
		}
		listen_send(l, &l->subs[i], key, v, 1, now_ms);
	}
}

int64_t
listen_tick(struct listen *l, int64_t now_ms, int64_t wall_ms)
{
	struct listen_sub *s;
	int64_t next = INT64_MAX;
	size_t i = 0;

	if (now_ms < l->next_ms)
		return l->next_ms;
	while (i < l->n) {
		s = &l->subs[i];
		if (s->expires_ms <= now_ms) {
			l->st.expired++;
			listen_remove(l, i);
			continue;
		}
		if (s->behind_ms != 0 && listen_room(s, now_ms)) {
			l->st.catchups++;
			listen_existing(l, s, s->behind_ms, now_ms, wall_ms);
			s->behind_ms = 0;
		}
		if (s->behind_ms != 0 && now_ms + LISTEN_CATCHUP_MS < next)
			next = now_ms + LISTEN_CATCHUP_MS;
		if (s->expires_ms < next)
			next = s->expires_ms;
		i++;
	}
	l->next_ms = next;
	return next;
}

void
listen_get_stats(const struct listen *l, struct listen_stats *st)
{
	*st = l->st;
	st->subs = l->n;
}

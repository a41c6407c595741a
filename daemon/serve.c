/*
 * serve — request handlers, one per request type: see serve.h.
 */
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* A StoreAck waiting for the flush that makes its values durable. */
struct serve_held {
	struct addr	 to;
	uint64_t	 txid;
	uint32_t	 stored;
};

struct serve {
	const struct env	*env;
	serve_stored_cb		*stored;
	void			*arg;
	struct serve_held	*held;		/* SERVE_MAX_HELD, if holding */
	size_t			 nheld;
	int			 failed;	/* a flush failed: no writes */
	struct quota		*quota;		/* NULL: no per-source quotas */
	struct serve_stats	 st;
};

typedef int	serve_handler(struct serve *, const struct addr *,
		    const struct wire_msg *, int64_t, int64_t);

struct serve *
serve_new(const struct env *env, int hold_acks, serve_stored_cb *stored,
    void *arg)
{
	struct serve *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (hold_acks && (s->held = calloc(SERVE_MAX_HELD,
	    sizeof(*s->held))) == NULL) {
		free(s);
		return NULL;
	}
	s->env = env;
	s->stored = stored;
	s->arg = arg;
	return s;
}

/* Held StoreAcks are dropped: their senders time out and count no ack. */
void
serve_free(struct serve *s)
{
	if (s == NULL)
		return;
	quota_free(s->quota);
	free(s->held);
	free(s);
}

int
serve_quota(struct serve *s, const struct quota_limits *lim, uint64_t salt)
{
	struct quota_limits l = *lim;

	if (l.per_key == 0)
		l.per_key = SERVE_QUOTA_PER_KEY;
	quota_free(s->quota);
	return (s->quota = quota_new(&l, salt)) == NULL ? -1 : 0;
}

/* What the store's values cost now (quota.h). */
static uint64_t
serve_store_cost(const struct serve *s)
{
	struct store_stats ss;

	store_stats(s->env->store, &ss);
	return quota_store_cost(ss.values, ss.bytes);
}

/*
 * The write token for `from` and key into tok, unless no STORE would get
 * in at all (libtorrent's way: a node that is full hands out none).
 */
static uint8_t
serve_token(struct serve *s, const struct addr *from, const struct id *key,
    uint8_t *tok)
{
	if (s->quota != NULL && !quota_accepting(s->quota,
	    serve_store_cost(s))) {
		s->st.tokens_withheld++;
		return 0;
	}
	token_make(s->env->tok, from, key, tok);
	return TOKEN_LEN;
}

/*
 * May this value from `from` go in?  Evicts the heaviest source's oldest
 * values as the quota says (at most QUOTA_EVICT_MAX of them); counts a
 * refusal.
 */
static int
serve_admit(struct serve *s, const struct addr *from, const struct id *key,
    size_t len, int64_t wall_ms)
{
	struct quota_victim vic;
	enum quota_verdict vd = QUOTA_REFUSE_FULL;
	const char *errstr;
	int ev;

	for (ev = 0; ev <= QUOTA_EVICT_MAX; ev++) {
		if (ev == QUOTA_EVICT_MAX) {
			vd = QUOTA_REFUSE_FULL;
			break;
		}
		if ((vd = quota_admit(s->quota, from, key, len,
		    serve_store_cost(s), wall_ms, &vic)) != QUOTA_EVICT)
			break;
		if (store_del(s->env->store, vic.key.b, vic.hash, &errstr) ==
		    1)
			s->st.quota_evicted++;
	}
	switch (vd) {
	case QUOTA_OK:
		return 1;
	case QUOTA_REFUSE_KEY:
		s->st.quota_refused_key++;
		break;
	case QUOTA_REFUSE_SOURCE:
		s->st.quota_refused_source++;
		break;
	default:
		s->st.quota_refused_full++;
		break;
	}
	return 0;
}

/*
 * Up to k nodes closest to target, never the asker (nor us).  Nodes that
 * missed their last reply go last: a dead entry would otherwise take the
 * place of a live node in every answer until it is evicted.
 */
static size_t
serve_closest(struct serve *s, const struct id *target,
    const struct id *asker, struct wire_node *out)
{
	struct route_node rn[WIRE_MAX_NODES + SERVE_ANSWER_SPARE + 1];
	size_t i, n, k = 0;
	int pass;

	n = route_closest(s->env->rt, target,
	    s->env->k + SERVE_ANSWER_SPARE + 1, rn);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n && k < s->env->k; i++) {
			if (id_eq(&rn[i].id, asker) ||
			    (rn[i].fails == 0) != (pass == 0))
				continue;
			out[k].id = rn[i].id;
			out[k].addr = rn[i].addr;
			k++;
		}
	return k;
}

static int
serve_ping(struct serve *s, const struct addr *from, const struct wire_msg *q,
    int64_t now_ms, int64_t wall_ms)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_PONG;
	m.u.pong.observed = *from;
	(void)rpc_reply(s->env->rpc, from, &m, q->txid, now_ms);
	return 1;
}

static int
serve_find_node(struct serve *s, const struct addr *from,
    const struct wire_msg *q, int64_t now_ms, int64_t wall_ms)
{
	struct wire_node nodes[WIRE_MAX_NODES];
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_NODES;
	m.u.nodes.nnodes = serve_closest(s, &q->u.find_node.target,
	    &q->sender, nodes);
	m.u.nodes.nodes = nodes;
	m.u.nodes.tokenlen = serve_token(s, from, &q->u.find_node.target,
	    m.u.nodes.token);
	(void)rpc_reply(s->env->rpc, from, &m, q->txid, now_ms);
	return 1;
}

/* The largest count of values (at most fit) whose answer fits a datagram. */
static size_t
serve_fit_datagram(struct wire_msg *m, size_t off, size_t total, size_t fit)
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
 * address (token.h); else cut to one datagram, and if not even the first
 * value fits, the page holds none while `total` says there are some: the
 * asker asks again with the token it now holds.
 */
static int
serve_find_value(struct serve *s, const struct addr *from,
    const struct wire_msg *q, int64_t now_ms, int64_t wall_ms)
{
	const struct env *env = s->env;
	const struct wire_find_value *fv = &q->u.find_value;
	struct wire_node nodes[WIRE_MAX_NODES];
	struct wire_value wv[WIRE_MAX_VALUES_PER_MSG];
	struct store_result res;
	struct wire_msg m;
	const char *errstr;
	size_t off, total, i, fit, cut;

	memset(&res, 0, sizeof(res));
	if (store_get_page(env->store, fv->key.b, fv->since_ms, wall_ms,
	    fv->offset, WIRE_MAX_VALUES_PER_MSG, &res, &total, &errstr) == -1) {
		(void)rpc_reply_error(env->rpc, from, q->txid,
		    WIRE_ERR_INTERNAL, "storage error", now_ms);
		return 1;
	}
	if (total > UINT32_MAX - 1)
		total = UINT32_MAX - 1;
	off = fv->offset < total ? fv->offset : total;
	i = res.n < WIRE_MAX_VALUES_PER_MSG ? res.n : WIRE_MAX_VALUES_PER_MSG;
	rpc_wire_values(res.v, i, wv);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_VALUES;
	/* Later pages carry values only: the asker has our nodes. */
	if (off == 0) {
		m.u.values.nnodes = serve_closest(s, &fv->key, &q->sender,
		    nodes);
		m.u.values.nodes = nodes;
	}
	m.u.values.tokenlen = serve_token(s, from, &fv->key,
	    m.u.values.token);
	fit = wire_values_fit(&m, wv, i);
	m.u.values.values = wv;
	m.u.values.nvalues = fit;
	m.u.values.total = (uint32_t)total;
	m.u.values.next_offset = off + fit < total ? (uint32_t)(off + fit) : 0;
	if (wire_encoded_len(&m) > WIRE_MAX_DATAGRAM &&
	    !token_check(env->tok, from, &fv->key, fv->token, fv->tokenlen) &&
	    !token_verified(env->tok, from, now_ms)) {
		cut = serve_fit_datagram(&m, off, total, fit);
		m.u.values.nvalues = cut;
		m.u.values.next_offset = cut > 0 && off + cut < total ?
		    (uint32_t)(off + cut) : 0;
		s->st.answers_cut++;
	}
	(void)rpc_reply(env->rpc, from, &m, q->txid, now_ms);
	store_result_free(&res);
	return 1;
}

static int
serve_store(struct serve *s, const struct addr *from, const struct wire_msg *q,
    int64_t now_ms, int64_t wall_ms)
{
	const struct env *env = s->env;
	const struct wire_store *st = &q->u.store;
	const struct wire_value *v;
	struct wire_msg m;
	const char *errstr;
	int64_t exp, max_exp, life;
	uint8_t hash[STORE_HASH_LEN];
	uint32_t stored = 0;
	size_t i;
	int rc;

	if (!token_check(env->tok, from, &st->key, st->token,
	    st->tokenlen)) {
		/* Smaller than the request: nothing to amplify. */
		s->st.rx_dropped_token++;
		(void)rpc_reply_error(env->rpc, from, q->txid,
		    WIRE_ERR_BAD_TOKEN, "bad token", now_ms);
		return 0;
	}
	/* Only who received our token could send it. */
	token_verified_add(env->tok, from, now_ms);
	/* Nothing is stored that could not be acknowledged durably. */
	if (s->failed || (s->held != NULL && s->nheld == SERVE_MAX_HELD)) {
		if (s->failed)
			s->st.refused_storage++;
		else
			s->st.refused_busy++;
		(void)rpc_reply_error(env->rpc, from, q->txid,
		    WIRE_ERR_INTERNAL, s->failed ? "storage failing" :
		    "too many stores waiting for the disk", now_ms);
		return 1;
	}
	/*
	 * The wire already bounds both times (wire_check); here a sender's
	 * clock or malice meets ours: no expiry beyond max_ttl from now, no
	 * creation time from the future beyond the skew, and no life beyond
	 * max_ttl from creation: store_put_life keeps the stored creation
	 * time of the same bytes and the later of two expiries, capped at
	 * that creation + max_ttl, so neither a republish (which carries the
	 * original expiry) nor a re-STORE with fresh times, however often,
	 * keeps a value alive past created + max_ttl.
	 */
	life = (int64_t)env->max_ttl_s * 1000;
	max_exp = wall_ms + life;
	for (i = 0; i < st->nvalues; i++) {
		v = &st->values[i];
		exp = v->expires_ms < max_exp ? v->expires_ms : max_exp;
		if (v->created_ms >= 0 && v->created_ms + life < exp)
			exp = v->created_ms + life;
		if (exp <= wall_ms || v->created_ms >= exp ||
		    v->created_ms > wall_ms + ENV_CLOCK_SKEW_MS)
			continue;
		if (s->quota != NULL && !serve_admit(s, from, &st->key, v->len,
		    wall_ms))
			continue;
		if ((rc = store_put_life(env->store, st->key.b, v->data,
		    v->len, v->created_ms, exp, life, wall_ms, &errstr)) < 0)
			continue;
		if (s->quota != NULL && rc == STORE_PUT_NEW) {
			store_hash(v->data, v->len, hash);
			quota_add(s->quota, from, &st->key, hash, v->len, exp);
		}
		if (s->stored != NULL)
			s->stored(s->arg, &st->key, v->data, v->len,
			    v->created_ms, exp, now_ms);
		stored++;
		s->st.values_stored++;
	}
	/* Held until the values are on disk (serve_flushed). */
	if (s->held != NULL && stored > 0) {
		s->held[s->nheld].to = *from;
		s->held[s->nheld].txid = q->txid;
		s->held[s->nheld].stored = stored;
		s->nheld++;
		s->st.acks_held++;
		return 1;
	}
	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE_ACK;
	m.u.store_ack.stored = stored;
	(void)rpc_reply(env->rpc, from, &m, q->txid, now_ms);
	return 1;
}

void
serve_flushed(struct serve *s, int ok, int64_t now_ms)
{
	struct wire_msg m;
	size_t i;

	if (!ok)
		s->failed = 1;
	for (i = 0; i < s->nheld; i++) {
		if (!ok) {
			(void)rpc_reply_error(s->env->rpc, &s->held[i].to,
			    s->held[i].txid, WIRE_ERR_INTERNAL,
			    "storage failing", now_ms);
			continue;
		}
		memset(&m, 0, sizeof(m));
		m.type = WIRE_STORE_ACK;
		m.u.store_ack.stored = s->held[i].stored;
		(void)rpc_reply(s->env->rpc, &s->held[i].to, &m,
		    s->held[i].txid, now_ms);
	}
	s->nheld = 0;
}

size_t
serve_held(const struct serve *s)
{
	return s->nheld;
}

static serve_handler *const serve_handlers[] = {
	[WIRE_PING] = serve_ping,
	[WIRE_FIND_NODE] = serve_find_node,
	[WIRE_FIND_VALUE] = serve_find_value,
	[WIRE_STORE] = serve_store,
};

int
serve_request(struct serve *s, const struct addr *from,
    const struct wire_msg *q, int64_t now_ms, int64_t wall_ms)
{
	if ((unsigned)q->type >= sizeof(serve_handlers) /
	    sizeof(serve_handlers[0]) || serve_handlers[q->type] == NULL)
		return 0;
	return serve_handlers[q->type](s, from, q, now_ms, wall_ms);
}

void
serve_get_stats(const struct serve *s, struct serve_stats *st)
{
	*st = s->st;
}

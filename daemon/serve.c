/*
 * serve — request handlers, one per request type: see serve.h.
 */
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "serve.h"

/*
 * Nodes an answer lists beyond its request's closer_than (wire_known):
 * the asker's replacements should one of its k closest fail.
 */
#define SERVE_BEYOND		2

/* A StoreAck, and (held) the flush that makes its values durable waits. */
struct serve_held {
	struct addr	 to;
	uint64_t	 txid;
	uint32_t	 stored;
	int		 find_nodes;	/* list the closest to key, but asker */
	struct wire_known kn;		/* ... those news to it */
	struct id	 key;
	struct id	 asker;
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

/* One request being answered, and what it proved of its source. */
struct serve_req {
	const struct addr	*from;
	const struct wire_msg	*q;
	size_t			 qlen;		/* its datagram's bytes */
	int			 proven;	/* cookie or token valid */
	int			 fresh;		/* echoed a current cookie */
	int			 cookie_ok;	/* echoed a valid cookie */
	size_t			 sent;		/* bytes answered so far */
};

typedef int	serve_handler(struct serve *, struct serve_req *, int64_t,
		    int64_t);

/*
 * A request's proof in its body (a write token for its source and key),
 * by type; NULL: none such.  GET_VALUES-like requests add a row.
 */
typedef int	serve_body_proof(const struct serve *, const struct addr *,
		    const struct wire_msg *);

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
	return quota_store_cost(s->quota, ss.values, ss.bytes);
}

/*
 * The write token for `from` and key into tok, unless no STORE would get
 * in at all (libtorrent's way: a node that is full hands out none).  A
 * FIND_VALUE answer always carries its token (serve_find_value): reads
 * need it for GET_VALUES.
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

/* Is id's prefix among the asker's known ones? */
static int
serve_known(const struct wire_known *kn, const struct id *id)
{
	size_t i;

	for (i = 0; i + WIRE_KNOWN_PREFIX <= kn->knownlen;
	    i += WIRE_KNOWN_PREFIX)
		if (memcmp(kn->known + i, id->b, WIRE_KNOWN_PREFIX) == 0)
			return 1;
	return 0;
}

_Static_assert(WIRE_MAX_NODES + SERVE_ANSWER_SPARE + 1 <= ROUTE_FAST_MAX,
    "serve_closest's candidates fit route_closest_ids");

/*
 * Up to k nodes closest to target, never the asker (nor us).  Nodes that
 * missed their last reply go last: a dead entry would otherwise take the
 * place of a live node in every answer until it is evicted.  Of them,
 * only those the asker's lookup does not know (kn: its known prefixes),
 * and closer than its closer_than, and SERVE_BEYOND beyond it: the news,
 * and spares should one of its k closest fail.
 */
static size_t
serve_closest(struct serve *s, const struct id *target,
    const struct id *asker, const struct wire_known *kn,
    struct wire_node *out)
{
	const struct id *ids[WIRE_MAX_NODES + SERVE_ANSWER_SPARE + 1];
	uint8_t fails[WIRE_MAX_NODES + SERVE_ANSWER_SPARE + 1];
	struct route_node rn;
	size_t i, n, k = 0, beyond = 0;
	int pass;

	/* IDs first: most are known to the asker and never copied. */
	n = route_closest_ids(s->env->rt, target,
	    s->env->k + SERVE_ANSWER_SPARE + 1, ids, fails);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n && k < s->env->k; i++) {
			if (id_eq(ids[i], asker) ||
			    (fails[i] == 0) != (pass == 0))
				continue;
			if (serve_known(kn, ids[i]))
				continue;
			/* Not closer than the bound: a few, as spares. */
			if (kn->has_closer_than &&
			    id_distcmp(target, ids[i], &kn->closer_than) >=
			    0 && beyond++ >= SERVE_BEYOND)
				continue;
			if (route_get(s->env->rt, ids[i], &rn) == -1)
				continue;
			out[k].id = rn.id;
			out[k].addr = rn.addr;
			k++;
		}
	return k;
}

/*
 * Sends m in answer to rq under the amplification rule: to an unproven
 * source nothing longer than its request; in its place a Retry with the
 * cookie if that fits, else nothing.  Each answer to a request that did
 * not echo a current cookie carries a fresh one.
 */
static void
serve_answer(struct serve *s, struct serve_req *rq, struct wire_msg *m,
    int64_t now_ms)
{
	struct rpc *rpc = s->env->rpc;
	size_t max = rq->proven ? 0 : rq->qlen, sent;
	int rc;

	if (!rq->fresh) {
		token_cookie(s->env->tok, rq->from, m->cookie);
		m->cookielen = TOKEN_COOKIE_LEN;
	}
	if ((rc = rpc_reply(rpc, rq->from, m, rq->q->txid, max, &sent,
	    now_ms)) == 0) {
		rq->sent += sent;
		return;
	}
	if (rc != RPC_TOO_LARGE)
		return;
	memset(m, 0, sizeof(*m));
	m->type = WIRE_RETRY;
	token_cookie(s->env->tok, rq->from, m->cookie);
	m->cookielen = TOKEN_COOKIE_LEN;
	if ((rc = rpc_reply(rpc, rq->from, m, rq->q->txid, max, &sent,
	    now_ms)) == 0) {
		rq->sent += sent;
		s->st.answers_retry++;
	} else if (rc == RPC_TOO_LARGE)
		s->st.answers_withheld++;
}

static void
serve_error(struct serve *s, struct serve_req *rq, uint32_t code,
    const char *text, int64_t now_ms)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_ERROR;
	m.u.error.code = code;
	m.u.error.message = text;
	serve_answer(s, rq, &m, now_ms);
}

static int
serve_ping(struct serve *s, struct serve_req *rq, int64_t now_ms,
    int64_t wall_ms)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_PONG;
	m.u.pong.observed = *rq->from;
	/* A challenge: our key and our signature of the asker's nonce. */
	if (rq->q->u.ping.noncelen > 0)
		ident_prove(&s->env->keys, &rq->q->sender, rq->q->u.ping.nonce,
		    rq->q->u.ping.noncelen, &m.u.pong);
	serve_answer(s, rq, &m, now_ms);
	return 1;
}

static int
serve_find_node(struct serve *s, struct serve_req *rq, int64_t now_ms,
    int64_t wall_ms)
{
	const struct addr *from = rq->from;
	const struct wire_msg *q = rq->q;
	struct wire_node nodes[WIRE_MAX_NODES];
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_NODES;
	m.u.nodes.nnodes = serve_closest(s, &q->u.find_node.target,
	    &q->sender, &q->u.find_node.kn, nodes);
	m.u.nodes.nodes = nodes;
	m.u.nodes.tokenlen = serve_token(s, from, &q->u.find_node.target,
	    m.u.nodes.token);
	serve_answer(s, rq, &m, now_ms);
	return 1;
}

/* The largest count of digests (at most fit) whose answer fits max bytes. */
static size_t
serve_fit_len(struct wire_msg *m, size_t off, size_t total, size_t fit,
    size_t max)
{
	size_t lo = 0, hi = fit, mid;

	while (lo < hi) {
		mid = (lo + hi + 1) / 2;
		m->u.values.ndigests = mid;
		m->u.values.next_offset = off + mid < total ?
		    (uint32_t)(off + mid) : 0;
		if (wire_encoded_len(m) <= max)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/*
 * Small values ride along: the bytes of the page's values, in its order,
 * while the answer stays within one datagram of WIRE_MAX_DATAGRAM bytes
 * (and within the request's size for an asker that has not proved its
 * address, as the digests are), at most SERVE_INLINE_MAX of them.  The
 * asker then needs no GET_VALUES round for them; it still checks each
 * against its digest.  Returns how many were added (sv[] own their data).
 */
static size_t
serve_inline(struct serve *s, const struct serve_req *rq, struct wire_msg *m,
    const struct id *key, int64_t wall_ms, struct store_value *sv,
    struct wire_value *wv)
{
	const struct wire_digest *d;
	const char *errstr;
	size_t i, n = 0, max = WIRE_MAX_DATAGRAM, len;

	if (!rq->proven && rq->qlen < max)
		max = rq->qlen;
	len = wire_encoded_len(m);
	for (i = 0; i < m->u.values.ndigests && n < SERVE_INLINE_MAX; i++) {
		d = &m->u.values.digests[i];
		/* The bytes alone would not fit: do not read them. */
		if (len + d->len > max)
			break;
		if (store_get_hash(s->env->store, key->b, d->hash, wall_ms,
		    &sv[n], &errstr) != 1)
			continue;
		rpc_wire_values(&sv[n], 1, &wv[n]);
		m->u.values.values = wv;
		m->u.values.nvalues = n + 1;
		if ((len = wire_encoded_len(m)) > max) {
			free(sv[n].data);
			m->u.values.nvalues = n;
			break;
		}
		n++;
	}
	if (n == 0)
		m->u.values.values = NULL;
	s->st.values_inlined += n;
	return n;
}

/*
 * Digest-first: one page of digests (hash, size, times; small values'
 * bytes too, serve_inline) from `offset` on, our closest nodes on the
 * first page, and always the token for (asker, key), even when we
 * withhold tokens for stores: the asker needs it to fetch with
 * GET_VALUES.  Longer than the request only for an asker that proved its
 * address (a cookie, or the token it echoes); else cut to the request's
 * size, and if not even the first digest fits, the page holds none while
 * `total` says there are some: the asker asks again with the token it now
 * holds.  If not even that fits, serve_answer sends a Retry.
 */
static int
serve_find_value(struct serve *s, struct serve_req *rq, int64_t now_ms,
    int64_t wall_ms)
{
	const struct addr *from = rq->from;
	const struct wire_msg *q = rq->q;
	const struct env *env = s->env;
	const struct wire_find_value *fv = &q->u.find_value;
	struct wire_node nodes[WIRE_MAX_NODES];
	struct store_digest sd[WIRE_MAX_DIGESTS_PER_MSG];
	struct wire_digest wd[WIRE_MAX_DIGESTS_PER_MSG];
	struct store_value sv[SERVE_INLINE_MAX];
	struct wire_value wv[SERVE_INLINE_MAX];
	struct wire_msg m;
	const char *errstr;
	size_t off, total, i, n, cut, nin;

	if (store_get_digests(env->store, fv->key.b, fv->since_ms, wall_ms,
	    fv->offset, WIRE_MAX_DIGESTS_PER_MSG, sd, &n, &total,
	    &errstr) == -1) {
		serve_error(s, rq, WIRE_ERR_INTERNAL, "storage error", now_ms);
		return 1;
	}
	if (total > UINT32_MAX - 1)
		total = UINT32_MAX - 1;
	off = fv->offset < total ? fv->offset : total;
	if (n > WIRE_MAX_DIGESTS_PER_MSG)
		n = WIRE_MAX_DIGESTS_PER_MSG;
	for (i = 0; i < n; i++) {
		memcpy(wd[i].hash, sd[i].hash, WIRE_HASH_LEN);
		wd[i].len = sd[i].len;
		wd[i].created_ms = sd[i].created_ms;
		wd[i].expires_ms = sd[i].expires_ms;
	}
	memset(&m, 0, sizeof(m));
	m.type = WIRE_VALUES;
	/* As rpc_reply will send it: the lengths below count these. */
	m.sender = env->self;
	m.txid = q->txid;
	/* Later pages carry digests only: the asker has our nodes. */
	if (off == 0) {
		m.u.values.nnodes = serve_closest(s, &fv->key, &q->sender,
		    &fv->kn, nodes);
		m.u.values.nodes = nodes;
	}
	token_make(env->tok, from, &fv->key, m.u.values.token);
	m.u.values.tokenlen = TOKEN_LEN;
	m.u.values.digests = wd;
	m.u.values.ndigests = n;
	m.u.values.total = (uint32_t)total;
	m.u.values.next_offset = off + n < total ? (uint32_t)(off + n) : 0;
	/* The cookie serve_answer adds counts. */
	if (!rq->fresh)
		m.cookielen = TOKEN_COOKIE_LEN;
	if (!rq->proven && wire_encoded_len(&m) > rq->qlen) {
		cut = serve_fit_len(&m, off, total, n, rq->qlen);
		m.u.values.ndigests = cut;
		m.u.values.next_offset = cut > 0 && off + cut < total ?
		    (uint32_t)(off + cut) : 0;
		s->st.answers_cut++;
	}
	s->st.digests_served += m.u.values.ndigests;
	nin = serve_inline(s, rq, &m, &fv->key, wall_ms, sv, wv);
	serve_answer(s, rq, &m, now_ms);
	for (i = 0; i < nin; i++)
		free(sv[i].data);
	return 1;
}

/*
 * The values asked for by hash, with the token our FIND_VALUE answer gave
 * the asker's address for this key: the ones still held live, in the
 * order asked, as many as one message takes (the asker asks again for the
 * rest).  A bad token draws a small error and no values: echoing it
 * proves the asker receives at its address (serve_proof_get_values),
 * which is what lets this answer be larger than the request.
 */
static int
serve_get_values(struct serve *s, struct serve_req *rq, int64_t now_ms,
    int64_t wall_ms)
{
	const struct addr *from = rq->from;
	const struct wire_msg *q = rq->q;
	const struct env *env = s->env;
	const struct wire_get_values *gv = &q->u.get_values;
	struct store_value sv[WIRE_MAX_VALUES_PER_MSG];
	struct wire_value wv[WIRE_MAX_VALUES_PER_MSG];
	struct wire_msg m;
	const char *errstr;
	size_t i, n = 0, fit;
	int rc;

	if (!token_check(env->tok, from, &gv->key, gv->token,
	    gv->tokenlen)) {
		s->st.fetch_bad_token++;
		serve_error(s, rq, WIRE_ERR_BAD_TOKEN, "bad token", now_ms);
		return 0;
	}
	for (i = 0; i < gv->nhashes && i < WIRE_MAX_VALUES_PER_MSG; i++) {
		rc = store_get_hash(env->store, gv->key.b, gv->hashes[i],
		    wall_ms, &sv[n], &errstr);
		if (rc == 1)
			n++;
	}
	rpc_wire_values(sv, n, wv);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_VALUES;
	fit = wire_values_fit(&m, wv, n);
	m.u.values.values = wv;
	m.u.values.nvalues = fit;
	s->st.values_fetched += fit;
	serve_answer(s, rq, &m, now_ms);
	for (i = 0; i < n; i++)
		free(sv[i].data);
	return 1;
}

/* h's StoreAck, with the closest nodes to key (never the asker) if asked. */
static void
serve_store_ack(struct serve *s, struct wire_msg *m,
    const struct serve_held *h, struct wire_node *nodes)
{
	memset(m, 0, sizeof(*m));
	m->type = WIRE_STORE_ACK;
	m->u.store_ack.stored = h->stored;
	if (h->find_nodes) {
		m->u.store_ack.nnodes = serve_closest(s, &h->key, &h->asker,
		    &h->kn, nodes);
		m->u.store_ack.nodes = nodes;
	}
}

static int
serve_store(struct serve *s, struct serve_req *rq, int64_t now_ms,
    int64_t wall_ms)
{
	const struct addr *from = rq->from;
	const struct wire_msg *q = rq->q;
	const struct env *env = s->env;
	const struct wire_store *st = &q->u.store;
	const struct wire_value *v;
	struct wire_msg m;
	struct wire_node nodes[WIRE_MAX_NODES];
	struct serve_held h;
	const char *errstr;
	int64_t exp, max_exp, life;
	uint32_t stored = 0;
	size_t i;
	int rc;

	/*
	 * A token for this address and key, or none and a valid cookie: both
	 * prove the source receives at its address (docs/PROTOCOL.md, Put).
	 */
	if (!token_check(env->tok, from, &st->key, st->token,
	    st->tokenlen) && (st->tokenlen != 0 || !rq->cookie_ok)) {
		s->st.rx_dropped_token++;
		serve_error(s, rq, WIRE_ERR_BAD_TOKEN, "bad token", now_ms);
		return 0;
	}
	/* Nothing is stored that could not be acknowledged durably. */
	if (s->failed || (s->held != NULL && s->nheld == SERVE_MAX_HELD)) {
		if (s->failed)
			s->st.refused_storage++;
		else
			s->st.refused_busy++;
		serve_error(s, rq, WIRE_ERR_INTERNAL, s->failed ?
		    "storage failing" : "too many stores waiting for the disk",
		    now_ms);
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
		if (serve_value_check(env, &st->key, v, NULL) == -1)
			continue;
		/* A signed expiry cannot be lowered: over max_ttl, refused. */
		if (v->attr.kind == VALUE_SIGNED && exp != v->expires_ms) {
			env->vref[ENV_VREF_TTL_BAD]++;
			continue;
		}
		if (s->quota != NULL && !serve_admit(s, from, &st->key, v->len,
		    wall_ms))
			continue;
		if ((rc = store_put_value(env->store, st->key.b, v->data,
		    v->len, &v->attr, v->created_ms, exp, life, wall_ms,
		    &errstr)) < 0 &&
		    store_last_error(env->store) == STORE_ERR_QUOTA &&
		    serve_make_room(s, from, &st->key))
			rc = store_put_value(env->store, st->key.b, v->data,
			    v->len, &v->attr, v->created_ms, exp, life, wall_ms,
			    &errstr);
		if (rc < 0) {
			if (store_last_error(env->store) == STORE_ERR_QUOTA)
				s->st.store_refused++;
			if (store_last_error(env->store) == STORE_ERR_REFUSED)
				serve_value_refused(env,
				    store_last_refusal(env->store));
			continue;
		}
		if (s->quota != NULL && rc == STORE_PUT_NEW)
			quota_add(s->quota, from, &st->key,
			    store_last_hash(env->store), v->len, exp);
		if (s->stored != NULL)
			s->stored(s->arg, &st->key, v->data, v->len,
			    v->created_ms, exp, &v->attr,
			    store_last_hash(env->store), now_ms);
		stored++;
		s->st.values_stored++;
	}
	h.to = *from;
	h.txid = q->txid;
	h.stored = stored;
	h.find_nodes = st->find_nodes;
	h.kn = st->kn;
	h.key = st->key;
	h.asker = q->sender;
	/* Held until the values are on disk (serve_flushed). */
	if (s->held != NULL && stored > 0) {
		s->held[s->nheld++] = h;
		s->st.acks_held++;
		return 1;
	}
	serve_store_ack(s, &m, &h, nodes);
	serve_answer(s, rq, &m, now_ms);
	return 1;
}

int
serve_value_check(const struct env *env, const struct id *key,
    const struct wire_value *v, const char **why)
{
	static const unsigned vref[] = {
		[SIGVAL_BAD_POINT] = ENV_VREF_POINT_BAD,
		[SIGVAL_BAD_KEY] = ENV_VREF_KEY_BAD,
		[SIGVAL_BAD_TTL] = ENV_VREF_TTL_BAD,
		[SIGVAL_BAD_SIG] = ENV_VREF_SIG_BAD,
		[SIGVAL_BAD_IMMUTABLE] = ENV_VREF_IMMUTABLE_BAD,
		[SIGVAL_BAD_ATTR] = ENV_VREF_SIG_BAD,
	};
	enum sigval_err e;

	if (v->attr.kind == VALUE_PLAIN)
		return 0;
	e = sigval_check(key->b, &v->attr, v->data, v->len, v->created_ms,
	    v->expires_ms);
	if (why != NULL)
		*why = sigval_strerror(e);
	if (e == SIGVAL_OK)
		return 0;
	if (e != SIGVAL_NOMEM)
		env->vref[vref[e]]++;
	return -1;
}

void
serve_value_refused(const struct env *env, enum store_refusal r)
{
	switch (r) {
	case STORE_REF_SEQ_OLD:
		env->vref[ENV_VREF_SEQ_OLD]++;
		break;
	case STORE_REF_SEQ_SAME:
		env->vref[ENV_VREF_SEQ_SAME]++;
		break;
	case STORE_REF_UNSIGNED:
		env->vref[ENV_VREF_UNSIGNED]++;
		break;
	case STORE_REF_IMMUTABLE:
		env->vref[ENV_VREF_IMMUTABLE_BAD]++;
		break;
	case STORE_REF_NONE:
		break;
	}
}

int
serve_make_room(struct serve *s, const struct addr *from,
    const struct id *key)
{
	struct quota_victim vic;
	const char *errstr;

	if (s->quota == NULL || !quota_key_victim(s->quota, from, key, &vic))
		return 0;
	if (store_del(s->env->store, vic.key.b, vic.hash, &errstr) != 1)
		return 0;
	s->st.quota_evicted_key++;
	return 1;
}

void
serve_flushed(struct serve *s, int ok, int64_t now_ms)
{
	struct wire_msg m;
	struct wire_node nodes[WIRE_MAX_NODES];
	size_t i;

	if (!ok)
		s->failed = 1;
	/* A held StoreAck answers a STORE that proved its source. */
	for (i = 0; i < s->nheld; i++) {
		memset(&m, 0, sizeof(m));
		if (!ok) {
			m.type = WIRE_ERROR;
			m.u.error.code = WIRE_ERR_INTERNAL;
			m.u.error.message = "storage failing";
		} else
			serve_store_ack(s, &m, &s->held[i], nodes);
		(void)rpc_reply(s->env->rpc, &s->held[i].to, &m,
		    s->held[i].txid, 0, NULL, now_ms);
	}
	s->nheld = 0;
}

size_t
serve_held(const struct serve *s)
{
	return s->nheld;
}

static int
serve_proof_find_value(const struct serve *s, const struct addr *from,
    const struct wire_msg *q)
{
	return token_check(s->env->tok, from, &q->u.find_value.key,
	    q->u.find_value.token, q->u.find_value.tokenlen);
}

static int
serve_proof_store(const struct serve *s, const struct addr *from,
    const struct wire_msg *q)
{
	return token_check(s->env->tok, from, &q->u.store.key,
	    q->u.store.token, q->u.store.tokenlen);
}

static int
serve_proof_get_values(const struct serve *s, const struct addr *from,
    const struct wire_msg *q)
{
	return token_check(s->env->tok, from, &q->u.get_values.key,
	    q->u.get_values.token, q->u.get_values.tokenlen);
}

static const struct {
	serve_handler		*answer;
	serve_body_proof	*proof;
} serve_handlers[] = {
	[WIRE_PING] = { serve_ping, NULL },
	[WIRE_FIND_NODE] = { serve_find_node, NULL },
	[WIRE_FIND_VALUE] = { serve_find_value, serve_proof_find_value },
	[WIRE_STORE] = { serve_store, serve_proof_store },
	[WIRE_GET_VALUES] = { serve_get_values, serve_proof_get_values },
};

int
serve_request(struct serve *s, const struct addr *from,
    const struct wire_msg *q, size_t qlen, int64_t now_ms, int64_t wall_ms,
    struct serve_outcome *out)
{
	struct serve_req rq;
	int c, rc;

	memset(out, 0, sizeof(*out));
	if ((unsigned)q->type >= sizeof(serve_handlers) /
	    sizeof(serve_handlers[0]) || serve_handlers[q->type].answer ==
	    NULL)
		return 0;
	memset(&rq, 0, sizeof(rq));
	rq.from = from;
	rq.q = q;
	rq.qlen = qlen;
	c = token_cookie_check(s->env->tok, from, q->cookie, q->cookielen);
	rq.fresh = c == TOKEN_COOKIE_CURRENT;
	rq.cookie_ok = c != TOKEN_COOKIE_BAD;
	rq.proven = c != TOKEN_COOKIE_BAD || (serve_handlers[q->type].proof !=
	    NULL && serve_handlers[q->type].proof(s, from, q));
	/* A proven source may get its answer in a bundle (rpc.h). */
	if (rq.proven)
		rpc_features_note(s->env->rpc, from, q, now_ms);
	rc = serve_handlers[q->type].answer(s, &rq, now_ms, wall_ms);
	out->proven = rq.proven;
	out->sent = rq.sent;
	return rc;
}

void
serve_get_stats(const struct serve *s, struct serve_stats *st)
{
	*st = s->st;
}

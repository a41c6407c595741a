/*
 * rpc — outstanding requests: random txids in a hash, deadlines in a
 * heap, resends with the same txid (and once at once after a Retry); the
 * per-peer memories are in rpc_peer.c.  See rpc.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "frag.h"
#include "rpc.h"
#include "rpc_impl.h"

#define RPC_HASH_MIN	128
#define RPC_CALLS_MIN	8	/* the request table grows from this */

static void
rpc_emit(void *arg, const struct addr *to, const uint8_t *buf, size_t len)
{
	struct rpc *r = arg;

	r->io.send(r->io.arg, to, buf, len);
}

static void
rpc_emit_request(void *arg, const struct addr *to, const uint8_t *buf,
    size_t len)
{
	struct rpc *r = arg;

	if (r->io.send_request != NULL)
		r->io.send_request(r->io.arg, to, buf, len);
	else
		r->io.send(r->io.arg, to, buf, len);
}

static uint64_t
rpc_random_u64(struct rpc *r)
{
	uint64_t v;

	r->io.random(r->io.arg, &v, sizeof(v));
	return v;
}

static void
rpc_count_tx(struct rpc *r, unsigned type)
{
	if (type < sizeof(r->st.tx_msgs) / sizeof(r->st.tx_msgs[0]))
		r->st.tx_msgs[type]++;
}

/*
 * Whole, or in fragments remembered for the receiver's NACKs; a request
 * through send_request.
 */
static int
rpc_send_bytes(struct rpc *r, const struct addr *to, const uint8_t *buf,
    size_t len, unsigned type, int64_t now_ms)
{
	int request = type == WIRE_PING || type == WIRE_FIND_NODE ||
	    type == WIRE_FIND_VALUE || type == WIRE_STORE;
	frag_emit_cb *emit = request ? rpc_emit_request : rpc_emit;
	size_t join_max;

	if (len <= wire_whole_max(to, r->cfg.local_whole)) {
		if (r->io.send_join != NULL &&
		    (join_max = rpc_join_max(r, to)) > 0)
			r->io.send_join(r->io.arg, to, buf, len, request,
			    join_max);
		else
			emit(r, to, buf, len);
	} else if (frag_out_send(r->fout, to, buf, len, rpc_random_u64(r),
	    now_ms, emit, r) < 0)
		return -1;
	rpc_count_tx(r, type);
	return 0;
}

static uint8_t *
rpc_encode(struct rpc *r, struct wire_msg *m, uint64_t txid, size_t *lenp)
{
	m->sender = r->self;
	m->txid = txid;
	m->priv = NULL;
	return wire_encode_alloc(m, lenp);
}

int
rpc_reply(struct rpc *r, const struct addr *to, struct wire_msg *m,
    uint64_t txid, size_t max_len, size_t *sentp, int64_t now_ms)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if ((buf = rpc_encode(r, m, txid, &len)) == NULL)
		return -1;
	/* Fragments only add bytes: a whole message over the limit is. */
	if (max_len != 0 && len > max_len)
		rc = RPC_TOO_LARGE;
	else if (r->gate != NULL && !r->gate(r->gate_arg, len, now_ms))
		rc = -1;
	else
		rc = rpc_send_bytes(r, to, buf, len, m->type, now_ms);
	free(buf);
	if (rc == 0 && sentp != NULL)
		*sentp = len;
	return rc;
}

void
rpc_set_answer_gate(struct rpc *r, rpc_answer_gate *gate, void *arg)
{
	r->gate = gate;
	r->gate_arg = arg;
}

/* ---- the table ----------------------------------------------------------- */

static size_t
rpc_hash(const struct rpc *r, uint64_t txid)
{
	return (size_t)(txid ^ (txid >> 29)) & (r->nhbucket - 1);
}

static void
rpc_hash_insert(struct rpc *r, int32_t i)
{
	size_t h = rpc_hash(r, r->req[i].c.txid);

	r->req[i].hnext = r->hbucket[h];
	r->hbucket[h] = i;
}

static int32_t
rpc_find(const struct rpc *r, uint64_t txid)
{
	int32_t i;

	if (r->nhbucket == 0)
		return -1;
	for (i = r->hbucket[rpc_hash(r, txid)]; i >= 0; i = r->req[i].hnext)
		if (r->req[i].c.txid == txid)
			return i;
	return -1;
}

static void
rpc_hash_remove(struct rpc *r, int32_t i)
{
	int32_t *p;

	for (p = &r->hbucket[rpc_hash(r, r->req[i].c.txid)]; *p >= 0;
	    p = &r->req[*p].hnext)
		if (*p == i) {
			*p = r->req[i].hnext;
			return;
		}
}

static int
rpc_heap_less(const struct rpc *r, size_t a, size_t b)
{
	return r->req[r->heap[a]].deadline < r->req[r->heap[b]].deadline;
}

static void
rpc_heap_swap(struct rpc *r, size_t a, size_t b)
{
	int32_t t;

	t = r->heap[a];
	r->heap[a] = r->heap[b];
	r->heap[b] = t;
	r->req[r->heap[a]].hpos = (int32_t)a;
	r->req[r->heap[b]].hpos = (int32_t)b;
}

static void
rpc_heap_fix(struct rpc *r, size_t i)
{
	size_t parent, lc, rc, m;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!rpc_heap_less(r, i, parent))
			break;
		rpc_heap_swap(r, i, parent);
		i = parent;
	}
	for (;;) {
		lc = 2 * i + 1;
		rc = lc + 1;
		m = i;
		if (lc < r->n && rpc_heap_less(r, lc, m))
			m = lc;
		if (rc < r->n && rpc_heap_less(r, rc, m))
			m = rc;
		if (m == i)
			break;
		rpc_heap_swap(r, i, m);
		i = m;
	}
}

/* Doubles the table up to RPC_MAX_CALLS and rebuilds the hash. */
static int
rpc_grow(struct rpc *r)
{
	struct rpc_req *nr;
	int32_t *nh, *nb;
	size_t ncap, nb_n, i;

	ncap = r->cap ? r->cap * 2 : RPC_CALLS_MIN;
	if (ncap > RPC_MAX_CALLS)
		ncap = RPC_MAX_CALLS;
	if (ncap <= r->cap)
		return -1;
	nb_n = ncap * 2 < RPC_HASH_MIN ? RPC_HASH_MIN : ncap * 2;
	if ((nb = malloc(nb_n * sizeof(*nb))) == NULL)
		return -1;
	if ((nh = realloc(r->heap, ncap * sizeof(*nh))) == NULL) {
		free(nb);
		return -1;
	}
	r->heap = nh;
	if ((nr = realloc(r->req, ncap * sizeof(*nr))) == NULL) {
		free(nb);
		return -1;
	}
	r->req = nr;
	for (i = ncap; i > r->cap; i--) {
		memset(&r->req[i - 1], 0, sizeof(r->req[0]));
		r->req[i - 1].hnext = r->free;
		r->free = (int32_t)(i - 1);
	}
	free(r->hbucket);
	r->hbucket = nb;
	r->nhbucket = nb_n;
	for (i = 0; i < nb_n; i++)
		nb[i] = -1;
	for (i = 0; i < r->cap; i++)
		if (r->req[i].in_use)
			rpc_hash_insert(r, (int32_t)i);
	r->cap = ncap;
	return 0;
}

/* Takes entry i out of the table, its call into *out if out != NULL. */
static void
rpc_release(struct rpc *r, int32_t i, struct rpc_call *out)
{
	struct rpc_req *q = &r->req[i];
	size_t pos = (size_t)q->hpos, last = r->n - 1;

	if (out != NULL)
		*out = q->c;
	rpc_hash_remove(r, i);
	if (pos != last)
		rpc_heap_swap(r, pos, last);
	r->n--;
	if (pos < r->n)
		rpc_heap_fix(r, pos);
	free(q->msg);
	memset(q, 0, sizeof(*q));
	q->hnext = r->free;
	r->free = i;
}

struct rpc_call *
rpc_send(struct rpc *r, const struct addr *to, const struct id *id,
    struct wire_msg *m, const struct rpc_ops *ops, void *ctx, int64_t now_ms)
{
	struct rpc_req *q;
	uint8_t *buf;
	size_t len;
	int32_t i;
	uint64_t txid;
	struct rpc_peer *p;
	int64_t at;

	if (r->n >= RPC_MAX_CALLS || (r->free < 0 && rpc_grow(r) == -1))
		return NULL;
	do
		txid = rpc_random_u64(r);
	while (txid == 0 || rpc_find(r, txid) >= 0);
	m->sender = r->self;
	m->txid = txid;
	p = rpc_prove(r, to, m, now_ms);
	if ((buf = rpc_encode(r, m, txid, &len)) == NULL)
		return NULL;
	/* p is still to's entry: encoding touches no cache. */
	if ((at = rpc_pace(p, now_ms)) == -1) {
		r->st.pace_refused++;
		free(buf);
		return NULL;
	}
	if (at > now_ms)
		r->st.paced++;
	else if (rpc_send_bytes(r, to, buf, len, m->type, now_ms) == -1) {
		free(buf);
		return NULL;
	}
	i = r->free;
	q = &r->req[i];
	r->free = q->hnext;
	memset(q, 0, sizeof(*q));
	q->c.ops = ops;
	q->c.ctx = ctx;
	q->c.to = *to;
	if (id != NULL) {
		q->c.id = *id;
		q->c.id_known = 1;
	}
	q->c.type = (uint8_t)m->type;
	if (m->type == WIRE_FIND_NODE)
		q->c.key = m->u.find_node.target;
	else if (m->type == WIRE_FIND_VALUE)
		q->c.key = m->u.find_value.key;
	else if (m->type == WIRE_STORE)
		q->c.key = m->u.store.key;
	else if (m->type == WIRE_GET_VALUES)
		q->c.key = m->u.get_values.key;
	else if (m->type == WIRE_LISTEN)
		q->c.key = m->u.listen.key;
	else if (m->type == WIRE_NOTIFY)
		q->c.key = m->u.notify.key;
	else if (m->type == WIRE_PING &&
	    m->u.ping.noncelen <= sizeof(q->c.nonce)) {
		memcpy(q->c.nonce, m->u.ping.nonce, m->u.ping.noncelen);
		q->c.noncelen = (uint8_t)m->u.ping.noncelen;
	}
	q->c.txid = txid;
	q->c.sent_ms = now_ms;
	q->c.len = len;
	q->in_use = 1;
	q->retries = (uint8_t)r->cfg.retries;
	/* A single try waits the whole timeout: its end marks a death. */
	q->adaptive = q->retries > 0 && len <= WIRE_MAX_DATAGRAM;
	q->timeout_ms = q->adaptive ? rpc_rto(r, to) : r->cfg.timeout_ms;
	/* A paced try waits in the heap until it may leave (rpc_expire). */
	q->unsent = at > now_ms;
	q->deadline = q->unsent ? at : now_ms + q->timeout_ms;
	q->msg = buf;
	rpc_hash_insert(r, i);
	q->hpos = (int32_t)r->n;
	r->heap[r->n++] = i;
	rpc_heap_fix(r, (size_t)q->hpos);
	return &q->c;
}

void
rpc_challenge(struct rpc *r, struct wire_msg *m)
{
	r->io.random(r->io.arg, m->u.ping.nonce, RPC_NONCE_LEN);
	m->u.ping.noncelen = RPC_NONCE_LEN;
}

size_t
rpc_send_len(struct rpc *r, const struct addr *to, struct wire_msg *m,
    int64_t now_ms)
{
	m->sender = r->self;
	m->txid = UINT64_MAX;	/* any txid but 0 takes its 9 bytes */
	m->priv = NULL;
	(void)rpc_prove(r, to, m, now_ms);
	return wire_encoded_len(m);
}

void
rpc_set_timeout(struct rpc *r, struct rpc_call *c, uint32_t timeout_ms,
    uint32_t retries)
{
	/* c is the first member of its table entry (rpc_send's return). */
	struct rpc_req *q = (struct rpc_req *)(void *)c;

	if (timeout_ms == 0 || timeout_ms > r->cfg.timeout_ms)
		timeout_ms = r->cfg.timeout_ms;
	if (retries > r->cfg.retries)
		retries = r->cfg.retries;
	q->timeout_ms = timeout_ms;
	q->retries = (uint8_t)retries;
	q->adaptive = 0;
	if (q->unsent)
		return;		/* its timeout runs from when it leaves */
	q->deadline = q->c.sent_ms + timeout_ms;
	rpc_heap_fix(r, (size_t)q->hpos);
}

void
rpc_set_first_timeout(struct rpc *r, struct rpc_call *c, uint32_t timeout_ms)
{
	struct rpc_req *q = (struct rpc_req *)(void *)c;

	if (!q->adaptive || q->c.tries > 0 || timeout_ms == 0 ||
	    timeout_ms > r->cfg.timeout_ms)
		return;
	q->timeout_ms = timeout_ms;
	if (q->unsent)
		return;
	q->deadline = q->c.sent_ms + timeout_ms;
	rpc_heap_fix(r, (size_t)q->hpos);
}

void
rpc_cancel(struct rpc *r, void *ctx)
{
	size_t i;

	/* Releasing moves heap positions, never table entries. */
	for (i = 0; i < r->cap && r->n > 0; i++)
		if (r->req[i].in_use && r->req[i].c.ctx == ctx)
			rpc_release(r, (int32_t)i, NULL);
}

static const struct rpc_ops rpc_orphan_ops;

void
rpc_orphan(struct rpc *r, void *ctx, const struct rpc_ops *ops)
{
	struct rpc_req *q;
	size_t i;

	/* The heap holds exactly the requests in use. */
	for (i = 0; i < r->n; i++) {
		q = &r->req[r->heap[i]];
		if (q->c.ctx == ctx && q->c.ops == ops) {
			q->c.ops = &rpc_orphan_ops;
			q->c.ctx = NULL;
		}
	}
}

size_t
rpc_adopt(struct rpc *r, void *ctx, const struct rpc_ops *from,
    enum wire_type type, const struct rpc_ops *to)
{
	struct rpc_req *q;
	size_t i, n = 0;

	for (i = 0; i < r->n; i++) {
		q = &r->req[r->heap[i]];
		if (q->c.ctx == ctx && q->c.ops == from && q->c.type == type) {
			q->c.ops = to;
			n++;
		}
	}
	return n;
}

int
rpc_pending(const struct rpc *r, const struct addr *a,
    const struct rpc_ops *ops)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->req[r->heap[i]].c.ops == ops &&
		    addr_eq(&r->req[r->heap[i]].c.to, a))
			return 1;
	return 0;
}

uint32_t
rpc_room(const struct rpc *r)
{
	return (uint32_t)(RPC_MAX_CALLS - r->n);
}

size_t
rpc_count(const struct rpc *r)
{
	return r->n;
}

int64_t
rpc_deadline(const struct rpc *r)
{
	int64_t f = frag_out_next_deadline(r->fout);

	if (r->n > 0 && r->req[r->heap[0]].deadline < f)
		return r->req[r->heap[0]].deadline;
	return f;
}

/*
 * The answer to request i was withheld (a Retry): sent again at once,
 * same txid, echoing the cookie the Retry carried.  -1 if it cannot be.
 */
static int
rpc_resend_proven(struct rpc *r, int32_t i, const struct wire_msg *retry,
    int64_t now_ms)
{
	struct rpc_req *q = &r->req[i];
	struct wire_msg m;
	const char *errstr;
	uint8_t *buf;
	void *priv;
	size_t len;

	if (q->retried || retry->cookielen == 0 ||
	    wire_decode(q->msg, q->c.len, &m, &errstr) == -1)
		return -1;
	priv = m.priv;
	memcpy(m.cookie, retry->cookie, retry->cookielen);
	m.cookielen = retry->cookielen;
	rpc_pad(&m, RPC_PAD_RETRY_LEN);
	buf = rpc_encode(r, &m, q->c.txid, &len);
	m.priv = priv;
	wire_msg_free(&m);
	if (buf == NULL)
		return -1;
	free(q->msg);
	q->msg = buf;
	q->c.len = len;
	q->c.sent_ms = now_ms;
	q->retried = 1;
	q->deadline = now_ms + r->cfg.timeout_ms;
	rpc_heap_fix(r, (size_t)q->hpos);
	r->st.cookie_resends++;
	(void)rpc_send_bytes(r, &q->c.to, q->msg, q->c.len, q->c.type,
	    now_ms);
	return 0;
}

/* ---- answers and timeouts ------------------------------------------------- */

static const uint8_t rpc_answer_type[] = {
	[WIRE_PING] = WIRE_PONG,
	[WIRE_FIND_NODE] = WIRE_NODES,
	[WIRE_FIND_VALUE] = WIRE_VALUES,
	[WIRE_STORE] = WIRE_STORE_ACK,
	[WIRE_GET_VALUES] = WIRE_VALUES,
	[WIRE_LISTEN] = WIRE_LISTEN_ACK,
	[WIRE_NOTIFY] = WIRE_LISTEN_ACK,
};

enum rpc_match
rpc_match(struct rpc *r, const struct addr *from, const struct wire_msg *m,
    int64_t now_ms, struct rpc_call *out)
{
	const struct rpc_call *c;
	int32_t i;

	i = rpc_find(r, m->txid);
	/* A try still waiting for its pace was never seen: no answer yet. */
	if (i < 0 || r->req[i].unsent ||
	    !addr_eq(&(c = &r->req[i].c)->to, from) ||
	    (m->type != WIRE_ERROR && m->type != WIRE_RETRY &&
	    (c->type >= sizeof(rpc_answer_type) ||
	    rpc_answer_type[c->type] != m->type))) {
		r->st.rx_dropped_unmatched++;
		return RPC_UNMATCHED;
	}
	rpc_answer_note(r, from, m, now_ms);
	if (m->type == WIRE_RETRY) {
		if (rpc_resend_proven(r, i, m, now_ms) == 0)
			return RPC_RETRIED;
		/* A second Retry (or one without a cookie): this try failed. */
		r->st.retry_failed++;
	}
	rpc_release(r, i, out);
	/* Karn: an answer after a resend says nothing about the RTT. */
	out->rtt_us = 0;
	if (out->tries == 0) {
		out->rtt_us = now_ms > out->sent_ms ?
		    (uint32_t)((now_ms - out->sent_ms) * 1000) : 1;
		rpc_rtt_sample(r, from, out->rtt_us, now_ms);
	}
	if (out->id_known && !id_eq(&out->id, &m->sender)) {
		rpc_dead_add(r, &out->id, RPC_DEAD_STRIKES, now_ms);
		return RPC_MOVED;
	}
	out->id = m->sender;
	out->id_known = 1;
	return RPC_ANSWERED;
}

/* Request i's current try leaves now; its timeout runs from now. */
static void
rpc_go(struct rpc *r, int32_t i, int64_t now_ms)
{
	struct rpc_req *q = &r->req[i];

	q->unsent = 0;
	q->c.sent_ms = now_ms;
	q->deadline = now_ms + q->timeout_ms;
	rpc_heap_fix(r, (size_t)q->hpos);
	(void)rpc_send_bytes(r, &q->c.to, q->msg, q->c.len, q->c.type,
	    now_ms);
}

int
rpc_expire(struct rpc *r, int64_t now_ms, struct rpc_call *out)
{
	struct rpc_req *q;
	int32_t i;
	int64_t at;

	while (r->n > 0 && r->req[r->heap[0]].deadline <= now_ms) {
		i = r->heap[0];
		q = &r->req[i];
		if (q->unsent) {
			rpc_go(r, i, now_ms);
			continue;
		}
		if (!q->c.once && q->c.tries < q->retries) {
			/* Same txid: a late answer to the first try counts. */
			q->c.tries++;
			q->c.sent_ms = now_ms;
			if (q->adaptive)
				q->timeout_ms = q->c.tries >= q->retries ||
				    q->timeout_ms >= r->cfg.timeout_ms / 2 ?
				    r->cfg.timeout_ms : q->timeout_ms * 2;
			if (q->c.tries == 1 && q->c.ops != NULL &&
			    q->c.ops->stalled != NULL &&
			    r->nstalled < RPC_STALLED_MAX)
				r->stalled[r->nstalled++] = q->c.txid;
			r->st.retries++;
			/* Paced like a first try; past the longest wait, now. */
			if ((at = rpc_pace(rpc_peer_get(r, &q->c.to),
			    now_ms)) > now_ms) {
				r->st.paced++;
				q->unsent = 1;
				q->deadline = at;
				rpc_heap_fix(r, (size_t)q->hpos);
			} else
				rpc_go(r, i, now_ms);
			continue;
		}
		if (q->c.once)
			r->st.once_timeouts++;
		else
			r->st.timeouts++;
		rpc_release(r, i, out);
		/* One lost datagram is no death: a single try proves none. */
		if (out->id_known && !out->once)
			rpc_dead_add(r, &out->id, 1, now_ms);
		return 1;
	}
	return 0;
}

size_t
rpc_store_msg(struct wire_msg *m, const struct id *key, const uint8_t *tok,
    size_t toklen, const struct wire_value *v, size_t n)
{
	size_t fit;

	memset(m, 0, sizeof(*m));
	m->type = WIRE_STORE;
	m->u.store.key = *key;
	if (toklen > WIRE_MAX_TOKEN)
		return 0;
	if (toklen > 0)
		memcpy(m->u.store.token, tok, toklen);
	m->u.store.tokenlen = toklen;
	fit = wire_values_fit(m, v, n);
	m->u.store.values = v;
	m->u.store.nvalues = fit;
	return fit;
}

void
rpc_wire_values(const struct store_value *sv, size_t n, struct wire_value *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[i].data = sv[i].data;
		out[i].len = sv[i].len;
		out[i].created_ms = sv[i].created_ms;
		out[i].expires_ms = sv[i].expires_ms;
		out[i].attr = sv[i].attr;
	}
}

int
rpc_nack(struct rpc *r, const struct addr *from, const uint8_t *buf,
    size_t len, int64_t now_ms)
{
	const char *errstr;

	return frag_out_nack(r->fout, from, buf, len, now_ms, rpc_emit, r,
	    &errstr);
}

void
rpc_tick(struct rpc *r, int64_t now_ms)
{
	frag_out_tick(r->fout, now_ms);
	/*
	 * Nothing outstanding: the table a burst grew goes back to nothing
	 * (an idle node holds no request), and grows again when needed.
	 */
	if (r->n == 0 && r->cap > RPC_CALLS_MIN) {
		free(r->req);
		free(r->heap);
		free(r->hbucket);
		r->req = NULL;
		r->heap = r->hbucket = NULL;
		r->cap = r->nhbucket = 0;
		r->free = -1;
	}
}

void
rpc_get_stats(const struct rpc *r, struct rpc_stats *st)
{
	*st = r->st;
}

int
rpc_stalled(struct rpc *r, struct rpc_call *out)
{
	int32_t i;

	while (r->nstalled > 0) {
		i = rpc_find(r, r->stalled[--r->nstalled]);
		/* Its hooks may have changed since (rpc_adopt). */
		if (i >= 0 && r->req[i].c.tries > 0 &&
		    r->req[i].c.ops != NULL && r->req[i].c.ops->stalled != NULL) {
			*out = r->req[i].c;
			return 1;
		}
	}
	return 0;
}

/* ---- lifecycle ----------------------------------------------------------- */

struct rpc *
rpc_new(const struct id *self, const struct rpc_config *cfg,
    const struct rpc_io *io, int64_t now_ms)
{
	struct rpc *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->self = *self;
	r->cfg = *cfg;
	if (r->cfg.timeout_ms == 0)
		r->cfg.timeout_ms = RPC_DEFAULT_TIMEOUT_MS;
	if (r->cfg.retries > RPC_MAX_RETRIES)
		r->cfg.retries = RPC_MAX_RETRIES;
	r->io = *io;
	r->free = -1;
	r->salt = rpc_random_u64(r);
	cache_init(&r->dead, sizeof(struct rpc_dead), RPC_DEAD_MIN,
	    RPC_DEAD_MAX);
	cache_init(&r->peers, sizeof(struct rpc_peer), RPC_RTT_MIN,
	    RPC_RTT_MAX);
	if (r->cfg.rtt_max != 0)
		cache_limit(&r->peers, r->cfg.rtt_max);
	if ((r->fout = frag_out_new()) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
rpc_free(struct rpc *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->cap; i++)
		if (r->req[i].in_use)
			free(r->req[i].msg);
	free(r->req);
	free(r->heap);
	free(r->hbucket);
	cache_free(&r->dead);
	cache_free(&r->peers);
	frag_out_free(r->fout);
	free(r);
}

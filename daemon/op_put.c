/*
 * op_put — local store, lookup, STOREs: see op_put.h.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "op_put.h"
#include "serve.h"

struct op_put {
	struct op	 op;
	op_put_cb	*cb;
	void		*arg;
	uint8_t		*data;		/* owned: wv.data */
	struct wire_value wv;		/* the value as STOREs carry it */
	uint8_t		 local_ok;	/* the local store took it */
	unsigned	 pending;	/* STOREs in flight */
	uint8_t		 last_step;	/* the lookup's last step began */
	uint32_t	 remote_acks;
	uint32_t	 refused;	/* answered: stored none, or no token */
	uint64_t	 ackid[WIRE_MAX_NODES];	/* who acked: see hold.h */
	uint8_t		 nackid;
};

enum dht_err
op_store_err(const struct store *s)
{
	switch (store_last_error(s)) {
	case STORE_ERR_INVALID:
		return DHT_ERR_INVALID;
	case STORE_ERR_QUOTA:
		return DHT_ERR_QUOTA;
	case STORE_ERR_REFUSED:
		return DHT_ERR_REFUSED;
	default:
		return DHT_ERR_STORAGE;
	}
}

/*
 * Did each of res[0..n) acknowledge?  (A node the last step stored at
 * may have left the k closest since: acks can outnumber them.)
 */
static int
op_put_all_acked(const struct op_put *p, const struct route_node *res,
    size_t n)
{
	uint64_t id;
	size_t i, j;

	for (i = 0; i < n; i++) {
		id = hold_id_prefix(&res[i].id);
		for (j = 0; j < p->nackid && p->ackid[j] != id; j++)
			;
		if (j == p->nackid)
			return 0;
	}
	return 1;
}

/* Outside the key's k closest: remember who took the value. */
static void
op_put_note_holders(struct op_put *p)
{
	const struct env *env = p->op.env;
	struct route_node res[LOOKUP_MAX_K];
	const char *errstr;
	size_t n, total;

	n = op_result(&p->op, res, env->k);
	if (n < env->k || p->nackid == 0 ||
	    id_distcmp(&p->op.target, &env->self, &res[n - 1].id) < 0)
		return;
	if (store_get_page(env->store, p->op.target.b, 0, p->op.wall_ms, 0, 0,
	    NULL, &total, &errstr) == -1)
		return;
	hold_note(env->hold, &p->op.target, (uint32_t)total, p->ackid,
	    p->nackid, op_put_all_acked(p, res, n), p->op.start_ms);
}

static void
op_put_finish(struct op_put *p)
{
	op_put_note_holders(p);
	if (p->remote_acks > 0 || p->op.table_empty)
		op_complete(&p->op, DHT_OK, NULL);
	else
		op_complete(&p->op, DHT_ERR_UNAVAILABLE,
		    "no node acknowledged");
}

/* c's node answered a STORE: it stored the value, or none. */
static void
op_put_acked(struct op_put *p, const struct rpc_call *c, uint32_t stored)
{
	if (stored > 0) {
		p->remote_acks++;
		if (p->nackid < WIRE_MAX_NODES)
			p->ackid[p->nackid++] = hold_id_prefix(&c->id);
	} else
		p->refused++;
}

static void
op_put_store_reply(void *ctx, const struct rpc_call *c,
    const struct wire_msg *m, int64_t now_ms, int64_t wall_ms)
{
	struct op_put *p = ctx;

	if (p->op.done)
		return;
	p->pending--;
	op_put_acked(p, c, m->u.store_ack.stored);
	if (p->pending == 0 && p->op.closed)
		op_put_finish(p);
}

static void
op_put_store_failed(void *ctx, const struct rpc_call *c, int64_t now_ms)
{
	struct op_put *p = ctx;

	if (p->op.done)
		return;
	if (--p->pending == 0 && p->op.closed)
		op_put_finish(p);
}

static const struct rpc_ops op_put_store_rpc = {
	.reply = op_put_store_reply,
	.failed = op_put_store_failed,
};

/* A STORE with the token n gave us (none: it refused), marked as sent. */
static void
op_put_store(struct op_put *p, const struct route_node *n, int64_t now_ms)
{
	struct op *op = &p->op;
	const struct op_token *t;
	struct wire_msg m;

	lookup_mark(op->lk, &n->id);
	/* A node that will not take a value withholds its token. */
	if ((t = op_token_find(op, &n->id)) == NULL) {
		p->refused++;
		return;
	}
	if (rpc_store_msg(&m, &op->target, t->tok, t->len, &p->wv, 1) == 1 &&
	    op_send(op, &n->addr, &n->id, &m, &op_put_store_rpc,
	    now_ms) != NULL)
		p->pending++;
}

/*
 * STORE at the k closest that answered (only at `id`, if not NULL) and
 * were not stored at yet.
 */
static void
op_put_store_closest(struct op_put *p, const struct id *id, int64_t now_ms)
{
	struct op *op = &p->op;
	struct route_node res[LOOKUP_MAX_K];
	size_t i, n;

	n = op_result(op, res, op->env->k);
	for (i = 0; i < n; i++)
		if ((id == NULL || id_eq(id, &res[i].id)) &&
		    !lookup_marked(op->lk, &res[i].id))
			op_put_store(p, &res[i], now_ms);
}

/*
 * The lookup is over: STORE at the k closest that gave us a token, save
 * those already stored at (the last step's: op_put_query).  The last
 * step's STOREs still in flight (the lookup ended without them: they
 * stalled, or it settled) are waited for like these: each stores the
 * value, and its ack counts.
 */
static void
op_put_lookup_done(struct op *op, int64_t now_ms)
{
	struct op_put *p = (struct op_put *)op;

	op->closed = 1;
	p->pending += op_adopt_queries(op, WIRE_STORE, &op_put_store_rpc);
	op_put_store_closest(p, NULL, now_ms);
	if (p->pending == 0)
		op_put_finish(p);
}

/*
 * The lookup's query to `to`.  In Kademlia's last step (the closest node
 * answered naming none closer; the rest of the k closest are asked at
 * once) a node whose fresh cookie we hold gets the STORE itself, with no
 * token, asking for the closest nodes in its StoreAck: one exchange
 * stores the value and does what the FindNode would, so a put costs about
 * alpha FindNodes and k STOREs instead of k of each.  Others get the
 * FindNode.  As the last step begins, the k closest that answered a
 * FindNode already get their STORE (with their token), and so does each
 * that answers one from then on (op_put_reply): a put takes two rounds.
 */
static void
op_put_query(struct op *op, const struct addr *to, struct wire_msg *m,
    int64_t now_ms)
{
	struct op_put *p = (struct op_put *)op;

	if (lookup_last_step(op->lk) && !p->last_step) {
		p->last_step = 1;
		op_put_store_closest(p, NULL, now_ms);
	}
	if (lookup_last_step(op->lk) &&
	    rpc_cookie_fresh(op->env->rpc, to, now_ms) &&
	    rpc_store_msg(m, &op->target, NULL, 0, &p->wv, 1) == 1) {
		m->u.store.find_nodes = 1;
		op_known(op, &m->u.store.kn);
		return;
	}
	memset(m, 0, sizeof(*m));
	m->type = WIRE_FIND_NODE;
	m->u.find_node.target = op->target;
	op_known(op, &m->u.find_node.kn);
}

/*
 * A put skips to the last step when the table already holds the k
 * closest we know of (no bucket it takes them from is full or turned a
 * node away: route_complete_near), each answering lately (its cookie is
 * fresh, no failure since): the STOREs go to all k at once.  Safe
 * because each StoreAck still does a FindNode answer's work: a closer
 * node it names is asked in turn, and the put ends, as any, when the k
 * closest known have all answered (docs/PROTOCOL.md, Put).
 */
static void
op_put_begin(struct op *op, int64_t now_ms)
{
	const struct env *env = op->env;
	struct route_node seeds[LOOKUP_MAX_K];
	size_t i, n;

	if (!route_complete_near(env->rt, &op->target, env->k))
		return;
	n = route_closest(env->rt, &op->target, env->k, seeds);
	for (i = 0; i < n; i++)
		if (seeds[i].fails > 0 ||
		    !rpc_cookie_fresh(env->rpc, &seeds[i].addr, now_ms))
			return;
	if (n > 0)
		lookup_widen(op->lk);
}

/*
 * A lookup FindNode to a node never heard from: a short first try.  Not a
 * STORE (op_put_query): its answer waits for the value to be durable, and
 * one that stalls is an ack the put no longer counts.
 */
static void
op_put_sent(struct op *op, struct rpc_call *c, int64_t now_ms)
{
	if (c->type != WIRE_STORE)
		rpc_set_first_timeout(op->env->rpc, c,
		    rpc_rto_fast(op->env->rpc, &c->to));
}

/*
 * A stalled node does not hold the STORE set back (op_put.h), but a put
 * whose every query stalled waits for one answer (or for them all to
 * fail): ending then would store nowhere.
 */
static int
op_put_enough(struct op *op, int64_t now_ms)
{
	struct route_node first;

	return lookup_settled(op->lk) && op_result(op, &first, 1) > 0;
}

static void
op_put_reply(struct op *op, const struct rpc_call *c, const struct wire_msg *m,
    int64_t now_ms, int64_t wall_ms)
{
	if (m->type == WIRE_NODES) {
		op_token_add(op, &c->id, m->u.nodes.token,
		    m->u.nodes.tokenlen);
		if (((struct op_put *)op)->last_step)
			op_put_store_closest((struct op_put *)op, &c->id,
			    now_ms);
	} else if (m->type == WIRE_STORE_ACK) {
		lookup_mark(op->lk, &c->id);
		op_put_acked((struct op_put *)op, c, m->u.store_ack.stored);
	}
}

static void
op_put_complete(struct op *op, int64_t now_ms)
{
	struct op_put *p = (struct op_put *)op;
	struct op_put_result r;

	memset(&r, 0, sizeof(r));
	r.err = op->err;
	r.msg = op->msg;
	r.remote_acks = p->remote_acks;
	r.refused = p->refused;
	r.acks = p->remote_acks + p->local_ok;
	p->cb(p->arg, &r);
}

static void
op_put_free(struct op *op)
{
	free(((struct op_put *)op)->data);
}

static const struct op_kind op_put_kind = {
	.name = "put",
	.begin = op_put_begin,
	.query = op_put_query,
	.sent = op_put_sent,
	.reply = op_put_reply,
	.enough = op_put_enough,
	.lookup_done = op_put_lookup_done,
	.complete = op_put_complete,
	.free = op_put_free,
};

int
op_put_start(struct op_set *s, const struct id *key, const void *data,
    size_t len, const struct value_attr *attr, int64_t created_ms,
    int64_t expires_ms, int64_t now_ms, int64_t wall_ms, op_put_cb *cb,
    void *arg)
{
	struct op_put *p;
	const struct env *env;
	const char *errstr;
	struct wire_value v;

	if ((p = op_new(s, &op_put_kind, sizeof(*p), now_ms, wall_ms)) == NULL)
		return -1;
	env = p->op.env;
	p->cb = cb;
	p->arg = arg;
	p->op.target = *key;
	if (data == NULL || len == 0 || len > EMO_MAX_VALUE) {
		op_complete(&p->op, DHT_ERR_INVALID, "a value must be 1 to "
		    BYTES_STR(EMO_MAX_VALUE) " bytes");
		return 0;
	}
	if (created_ms <= 0 || created_ms > WIRE_MAX_TIME_MS ||
	    expires_ms <= created_ms || expires_ms > WIRE_MAX_TIME_MS ||
	    expires_ms <= wall_ms) {
		op_complete(&p->op, DHT_ERR_INVALID,
		    "creation or expiry time out of range");
		return 0;
	}
	memset(&v, 0, sizeof(v));
	v.data = data;
	v.len = (uint32_t)len;
	v.created_ms = created_ms;
	v.expires_ms = expires_ms;
	if (attr != NULL)
		v.attr = *attr;
	if (serve_value_check(env, key, &v, &errstr) == -1) {
		op_complete(&p->op, DHT_ERR_REFUSED, errstr);
		return 0;
	}
	if (store_put_value(env->store, key->b, data, len, &v.attr,
	    created_ms, expires_ms, 0, wall_ms, &errstr) < 0 &&
	    (store_last_error(env->store) != STORE_ERR_QUOTA ||
	    env->make_room == NULL ||
	    !env->make_room(env->make_room_arg, key) ||
	    store_put_value(env->store, key->b, data, len, &v.attr,
	    created_ms, expires_ms, 0, wall_ms, &errstr) < 0)) {
		if (store_last_error(env->store) == STORE_ERR_REFUSED)
			serve_value_refused(env, store_last_refusal(env->store));
		op_complete(&p->op, op_store_err(env->store), errstr);
		return 0;
	}
	p->local_ok = 1;
	if ((p->data = malloc(len)) == NULL) {
		op_complete(&p->op, DHT_ERR_STORAGE, "out of memory");
		return 0;
	}
	memcpy(p->data, data, len);
	p->wv = v;
	p->wv.data = p->data;
	if (op_lookup_start(&p->op, now_ms) == -1)
		op_complete(&p->op, DHT_ERR_STORAGE, "out of memory");
	return 0;
}

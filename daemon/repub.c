/*
 * repub — the republish pass and its per-key operations: see repub.h.
 *
 * Cost control.  A value received by STORE within the interval is not
 * republished: its sender stored it at all k closest nodes, us included
 * (Kademlia §2.5), so in a steady network one holder per interval does
 * the work and the others' timers are fed by its STOREs.  A node outside
 * a key's k closest (a putter, or a holder that newer nodes displaced)
 * remembers which of the k closest acknowledged the key's values and does
 * not send them again: the nodes inside keep republishing among
 * themselves, so the outsider only adds nodes it has not seen hold the
 * key, and skips the key outright (no lookup) while all k are known.
 * Nodes inside always send to all k: skipping known holders there would
 * starve the others' suppression and make every holder republish.
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "repub.h"

struct repub_seen {
	struct cache_ent e;	/* hash of key and value; when received */
};

struct repub {
	const struct env	*env;
	struct op_set		*ops;
	int64_t			 next_ms;	/* next pass starts */
	int64_t			 start_ms;	/* of the pass running */
	int			 active;	/* a pass runs */
	int			 walked;	/* its key walk is over */
	uint8_t			 cursor[ID_LEN];
	int			 has_cursor;
	uint8_t			(*keys)[ID_LEN];	/* during a pass */
	size_t			 nkeys, ikey;
	struct op_repub		*job[REPUB_JOBS];
	unsigned		 njobs;
	uint64_t		 bytes;		/* of their STOREs in flight */
	int			 more;		/* work due now */
	uint64_t		 salt;
	struct cache		 seen;		/* struct repub_seen */
	struct repub_stats	 st;
};

/* One key's job; its targets are the lookup's result. */
struct op_repub {
	struct op	 op;
	struct repub	*rp;
	uint8_t		 inside;	/* we are among the k closest */
	uint8_t		 end;		/* no values left to send */
	uint8_t		 ti;		/* next target for the page */
	uint32_t	 off;		/* store offset of the next page */
	uint32_t	 total;		/* the key's value count at start */
	uint32_t	 sent, fail, known;	/* target bitmaps */
	unsigned	 pending;	/* STOREs in flight */
	uint64_t	 bytes;		/* their bytes */
	struct route_node found[WIRE_MAX_NODES];
	size_t		 nfound;
	struct store_value vals[REPUB_PAGE];	/* the page being sent */
	size_t		 nvals;
};

/* What a STORE's rpc_call.arg[] holds. */
enum { REPUB_ARG_TARGET, REPUB_ARG_NVALS };

static int64_t
repub_interval(const struct repub *rp)
{
	return (int64_t)rp->env->republish_ms;
}

/* ---- values received recently ----------------------------------------- */

/*
 * By the value's hash, which a STORE's store computed already: keyed on
 * the bytes, a 16 KiB STORE cost a SipHash of them besides.
 */
static uint64_t
repub_seen_hash(const struct repub *rp, const uint8_t *key,
    const uint8_t hash[SIGVAL_HASH_LEN])
{
	return cache_hash(cache_hash(rp->salt, key, ID_LEN), hash,
	    SIGVAL_HASH_LEN);
}

void
repub_seen_note(struct repub *rp, const struct id *key,
    const uint8_t hash[SIGVAL_HASH_LEN], int64_t now_ms)
{
	struct cache_ent *e;

	if ((e = cache_slot(&rp->seen, repub_seen_hash(rp, key->b,
	    hash))) != NULL)
		e->ms = now_ms;
}

/* Hashes v again: once a value and republish pass, not once a STORE. */
static int
repub_seen_recent(const struct repub *rp, const uint8_t *key,
    const struct store_value *v, int64_t now_ms)
{
	struct cache_ent *e;
	uint8_t h[SIGVAL_HASH_LEN];
	size_t i = 0;

	sigval_hash(&v->attr, v->data, v->len, h);
	e = cache_next(&rp->seen, repub_seen_hash(rp, key, h), &i);
	return e != NULL && now_ms - e->ms < repub_interval(rp);
}

/* ---- one key's job ----------------------------------------------------- */

static void
repub_page_clear(struct op_repub *j)
{
	size_t i;

	for (i = 0; i < j->nvals; i++)
		free(j->vals[i].data);
	j->nvals = 0;
}

/* Reads pages until one holds values to send; sets `end` at the end. */
static void
repub_page_load(struct op_repub *j, int64_t now_ms, int64_t wall_ms)
{
	struct repub *rp = j->rp;
	struct store_result res;
	const char *errstr;
	size_t i, total;

	repub_page_clear(j);
	j->ti = 0;
	while (j->nvals == 0) {
		memset(&res, 0, sizeof(res));
		if (store_get_page(rp->env->store, j->op.target.b, 0, wall_ms,
		    j->off, REPUB_PAGE, &res, &total, &errstr) == -1 ||
		    res.n == 0) {
			store_result_free(&res);
			j->end = 1;
			return;
		}
		j->off += (uint32_t)res.n;
		for (i = 0; i < res.n && j->nvals < REPUB_PAGE; i++) {
			if (repub_seen_recent(rp, j->op.target.b, &res.v[i],
			    now_ms)) {
				rp->st.suppressed++;
				continue;
			}
			j->vals[j->nvals++] = res.v[i];
			res.v[i].data = NULL;
		}
		store_result_free(&res);
	}
}

static void
repub_store_done(struct op_repub *j, const struct rpc_call *c, int ok)
{
	struct repub *rp = j->rp;

	j->bytes -= c->len;
	rp->bytes -= c->len;
	j->pending--;
	if (!ok)
		j->fail |= 1u << c->arg[REPUB_ARG_TARGET];
	rp->more = 1;
}

static void
repub_store_reply(void *ctx, const struct rpc_call *c,
    const struct wire_msg *m, int64_t now_ms, int64_t wall_ms)
{
	struct op_repub *j = ctx;

	repub_store_done(j, c, m->u.store_ack.stored >=
	    c->arg[REPUB_ARG_NVALS]);
	j->rp->st.values += m->u.store_ack.stored;
}

static void
repub_store_failed(void *ctx, const struct rpc_call *c, int64_t now_ms)
{
	repub_store_done(ctx, c, 0);
}

static const struct rpc_ops repub_store_rpc = {
	.reply = repub_store_reply,
	.failed = repub_store_failed,
};

/* The page to target ti, in as many STOREs as it takes. */
static void
repub_send(struct op_repub *j, size_t ti, int64_t now_ms)
{
	struct wire_value wv[REPUB_PAGE];
	const struct route_node *t = &j->found[ti];
	const struct op_token *tok;
	struct rpc_call *c;
	struct wire_msg m;
	size_t off = 0, fit;

	if ((tok = op_token_find(&j->op, &t->id)) == NULL) {
		j->fail |= 1u << ti;
		return;
	}
	rpc_wire_values(j->vals, j->nvals, wv);
	while (off < j->nvals) {
		if ((fit = rpc_store_msg(&m, &j->op.target, tok->tok, tok->len,
		    wv + off, j->nvals - off)) == 0)
			break;
		if ((c = op_send(&j->op, &t->addr, &t->id, &m, &repub_store_rpc,
		    now_ms)) == NULL) {
			j->fail |= 1u << ti;
			return;
		}
		c->arg[REPUB_ARG_TARGET] = (uint32_t)ti;
		c->arg[REPUB_ARG_NVALS] = (uint32_t)fit;
		j->bytes += c->len;
		j->rp->bytes += c->len;
		j->pending++;
		j->sent |= 1u << ti;
		off += fit;
	}
}

/* Outside the k closest: remember who holds the key now. */
static void
repub_finish(struct op_repub *j, int64_t now_ms)
{
	uint64_t ids[WIRE_MAX_NODES];
	uint32_t have;
	size_t i, n = 0;

	if (!j->inside && j->nfound > 0) {
		have = (j->sent | j->known) & ~j->fail;
		for (i = 0; i < j->nfound; i++)
			if (have & (1u << i))
				ids[n++] = hold_id_prefix(&j->found[i].id);
		hold_note(j->rp->env->hold, &j->op.target, j->total, ids, n,
		    n == j->nfound, now_ms);
	}
	op_complete(&j->op, DHT_OK, NULL);
}

/* Sends what the job's window allows; from repub_step only. */
static void
repub_pump(struct op_repub *j, int64_t now_ms, int64_t wall_ms)
{
	struct repub *rp = j->rp;

	if (j->op.done || !j->op.closed)
		return;
	while (j->pending < REPUB_WINDOW && rp->bytes < REPUB_MAX_BYTES &&
	    rpc_room(rp->env->rpc) > RPC_MAX_CALLS / 2) {
		while (j->ti < j->nfound && (j->known & (1u << j->ti)))
			j->ti++;
		if (j->nvals == 0 || j->ti >= j->nfound) {
			if (j->end)
				break;
			repub_page_load(j, now_ms, wall_ms);
			continue;
		}
		repub_send(j, j->ti++, now_ms);
	}
	if (j->end && j->pending == 0)
		repub_finish(j, now_ms);
}

static void
repub_reply(struct op *op, const struct rpc_call *c, const struct wire_msg *m,
    int64_t now_ms, int64_t wall_ms)
{
	if (m->type == WIRE_NODES)
		op_token_add(op, &c->id, m->u.nodes.token,
		    m->u.nodes.tokenlen);
}

static void
repub_lookup_done(struct op *op, int64_t now_ms)
{
	struct op_repub *j = (struct op_repub *)op;
	struct repub *rp = j->rp;
	const struct env *env = rp->env;
	size_t i, n;
	int complete, known = 0;

	op->closed = 1;
	n = j->nfound = op_result(op, j->found, env->k);
	j->inside = n < env->k ||
	    id_distcmp(&op->target, &env->self, &j->found[n - 1].id) < 0;
	if (!j->inside)
		known = hold_find(env->hold, &op->target, j->total, now_ms,
		    REPUB_HOLD_INTERVALS * repub_interval(rp), &complete);
	for (i = 0; known && i < n; i++)
		if (hold_has(env->hold, &op->target, &j->found[i].id)) {
			j->known |= 1u << i;
			rp->st.known_nodes++;
		}
	if (n == 0 || j->known == (1u << n) - 1) {
		repub_finish(j, now_ms);
		return;
	}
	rp->more = 1;		/* the STOREs go from repub_step */
}

static void
repub_op_free(struct op *op)
{
	struct op_repub *j = (struct op_repub *)op;
	struct repub *rp = j->rp;
	unsigned i;

	/* Its STOREs are cancelled with it: their bytes are no longer out. */
	rp->bytes -= j->bytes < rp->bytes ? j->bytes : rp->bytes;
	repub_page_clear(j);
	for (i = 0; i < rp->njobs; i++)
		if (rp->job[i] == j) {
			rp->job[i] = rp->job[--rp->njobs];
			/* The last job of a walked pass: end it now. */
			if (rp->walked && rp->njobs == 0)
				rp->more = 1;
			return;
		}
}

static const struct op_kind repub_kind = {
	.name = "republish",
	.internal = 1,
	.reply = repub_reply,
	.lookup_done = repub_lookup_done,
	.free = repub_op_free,
};

/*
 * Starts the key's job, unless every value was received recently or the
 * key's holders are all known; a key left out (no op slot) waits for the
 * next pass.
 */
static void
repub_key(struct repub *rp, const uint8_t *key, int64_t now_ms,
    int64_t wall_ms)
{
	const struct env *env = rp->env;
	struct store_result res;
	struct op_repub *j;
	struct id k;
	const char *errstr;
	size_t i, total, fresh = 0;
	int complete;

	memset(&res, 0, sizeof(res));
	if (store_get_page(env->store, key, 0, wall_ms, 0, REPUB_PAGE, &res,
	    &total, &errstr) == -1 || total == 0) {
		store_result_free(&res);
		return;
	}
	for (i = 0; i < res.n; i++)
		fresh += !repub_seen_recent(rp, key, &res.v[i], now_ms);
	store_result_free(&res);
	if (fresh == 0 && total <= REPUB_PAGE) {
		rp->st.suppressed += total;
		return;
	}
	memcpy(k.b, key, ID_LEN);
	if (hold_find(env->hold, &k, (uint32_t)total, now_ms,
	    REPUB_HOLD_INTERVALS * repub_interval(rp), &complete) &&
	    complete) {
		rp->st.known_keys++;
		return;
	}
	if ((j = op_new(rp->ops, &repub_kind, sizeof(*j), now_ms,
	    wall_ms)) == NULL)
		return;
	j->rp = rp;
	j->op.target = k;
	j->total = (uint32_t)total;
	rp->job[rp->njobs++] = j;
	rp->st.keys++;
	if (op_lookup_start(&j->op, now_ms) == -1)
		op_complete(&j->op, DHT_ERR_STORAGE, "out of memory");
}

/* ---- the pass ------------------------------------------------------------ */

static void
repub_schedule(struct repub *rp, int64_t from_ms, int64_t now_ms)
{
	uint32_t r;
	int64_t iv = repub_interval(rp), next;

	/*
	 * Never later than an interval after the last start, so that the
	 * holders our STOREs keep quiet stay quiet; a little earlier at
	 * random, so that the nodes of a network do not march in step.
	 */
	env_random(rp->env, &r, sizeof(r));
	next = from_ms + iv - (int64_t)(r % (uint64_t)(iv / 8 + 1));
	if (next < now_ms + REPUB_MIN_INTERVAL_MS)
		next = now_ms + REPUB_MIN_INTERVAL_MS;
	rp->next_ms = next;
}

struct repub *
repub_new(const struct env *env, struct op_set *ops, int64_t now_ms)
{
	struct repub *rp;
	uint32_t r;
	int64_t iv;

	if ((rp = calloc(1, sizeof(*rp))) == NULL)
		return NULL;
	rp->env = env;
	rp->ops = ops;
	iv = repub_interval(rp);
	env_random(env, &rp->salt, sizeof(rp->salt));
	cache_init(&rp->seen, sizeof(struct repub_seen), REPUB_SEEN_MIN,
	    REPUB_SEEN_MAX);
	/* The first pass anywhere in [iv/2, 3iv/2): spread the nodes out. */
	env_random(env, &r, sizeof(r));
	rp->next_ms = now_ms + iv / 2 + (int64_t)(r % (uint64_t)(iv + 1));
	return rp;
}

void
repub_free(struct repub *rp)
{
	if (rp == NULL)
		return;
	cache_free(&rp->seen);
	free(rp->keys);
	free(rp);
}

/*
 * One bounded step: pumps the running jobs, then examines at most
 * REPUB_KEYS_PER_STEP keys while fewer than REPUB_JOBS jobs run.
 */
void
repub_step(struct repub *rp, int64_t now_ms, int64_t wall_ms)
{
	const char *errstr;
	size_t examined = 0;
	unsigned i;
	long n;

	rp->more = 0;
	if (!rp->active) {
		if (now_ms < rp->next_ms)
			return;
		rp->active = 1;
		rp->walked = 0;
		rp->has_cursor = 0;
		rp->nkeys = rp->ikey = 0;
		rp->start_ms = now_ms;
		/* The key page lives only during a pass; none: a pass of 0. */
		if ((rp->keys = calloc(REPUB_KEYS_PER_STEP, ID_LEN)) == NULL)
			rp->walked = 1;
	}
	for (i = rp->njobs; i > 0; i--)
		repub_pump(rp->job[i - 1], now_ms, wall_ms);
	while (!rp->walked && rp->njobs < REPUB_JOBS &&
	    examined < REPUB_KEYS_PER_STEP) {
		if (rp->ikey == rp->nkeys) {
			n = store_keys(rp->env->store, rp->has_cursor ?
			    rp->cursor : NULL, REPUB_KEYS_PER_STEP, rp->keys,
			    &errstr);
			if (n <= 0) {
				rp->walked = 1;
				break;
			}
			rp->nkeys = (size_t)n;
			rp->ikey = 0;
			memcpy(rp->cursor, rp->keys[n - 1], ID_LEN);
			rp->has_cursor = 1;
		}
		repub_key(rp, rp->keys[rp->ikey++], now_ms, wall_ms);
		examined++;
	}
	if (!rp->walked && rp->njobs < REPUB_JOBS)
		rp->more = 1;
	if (rp->walked && rp->njobs == 0) {
		rp->active = 0;
		free(rp->keys);
		rp->keys = NULL;
		rp->st.passes++;
		repub_schedule(rp, rp->start_ms, now_ms);
	}
}

int64_t
repub_deadline(const struct repub *rp)
{
	if (rp->more)
		return INT64_MIN;
	return rp->active ? INT64_MAX : rp->next_ms;
}

void
repub_get_stats(const struct repub *rp, struct repub_stats *st)
{
	*st = rp->st;
}

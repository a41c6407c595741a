/*
 * handover — keys for new neighbours: see handover.h.
 *
 * A new node gets a key's values only from the nodes closest to the key
 * (Kademlia §2.5: "only if its own ID is closer to the key than are the
 * IDs of other nodes"), with slack because the closest ones may not have
 * heard of the new node yet: half of the k holders, not all of them.  The
 * republish pass covers what they miss.  And only a new node among our 2k
 * closest neighbours can share a key's k closest with us.
 */
#include <stdlib.h>
#include <string.h>

#include "handover.h"

struct handover_job {
	struct route_node node;
	uint8_t		 cursor[ID_LEN];
	uint8_t		 has_cursor;
	uint8_t		 waiting;	/* token request outstanding */
	uint8_t		 asked;		/* vkey's token is from this job */
	uint8_t		 vkey[ID_LEN];	/* a key cut short or asked for, */
	uint32_t	 voff;		/* at this value */
	uint32_t	 serial;
};

/*
 * The queue is a ring that grows from HANDOVER_QUEUE_MIN jobs to
 * HANDOVER_QUEUE and is freed when empty: an engine that has no new
 * neighbours (most of them, most of the time) holds no jobs' memory.
 */
#define HANDOVER_QUEUE_MIN	8

struct handover {
	const struct env	*env;
	struct handover_job	*q;
	size_t			 head, n, cap;
	uint32_t		 serial;
	/* The head job's requests: thousandths of one, as of mtok_ms. */
	int64_t			 mtok, mtok_ms;
	struct handover_stats	 st;
};

#define HANDOVER_MTOK_CAP	((int64_t)HANDOVER_BURST * 1000)

struct handover *
handover_new(const struct env *env)
{
	struct handover *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->env = env;
	h->mtok = HANDOVER_MTOK_CAP;
	h->mtok_ms = INT64_MIN;
	return h;
}

void
handover_free(struct handover *h)
{
	if (h == NULL)
		return;
	free(h->q);
	free(h);
}

/* Doubles the ring (allocates it when empty), oldest job first; -1: full. */
static int
handover_grow(struct handover *h)
{
	struct handover_job *nq;
	size_t ncap, i;

	ncap = h->cap ? h->cap * 2 : HANDOVER_QUEUE_MIN;
	if (ncap > HANDOVER_QUEUE)
		ncap = HANDOVER_QUEUE;
	if (ncap <= h->cap || (nq = calloc(ncap, sizeof(*nq))) == NULL)
		return -1;
	for (i = 0; i < h->n; i++)
		nq[i] = h->q[(h->head + i) % h->cap];
	free(h->q);
	h->q = nq;
	h->cap = ncap;
	h->head = 0;
	return 0;
}

/*
 * A node that shares a key's k closest with us is near us too (both are
 * near the key): one beyond our HANDOVER_NEAR closest neighbours gets
 * nothing from us, and costs no walk of our keys.
 */
static int
handover_near(const struct handover *h, const struct id *id)
{
	struct route_node rn[HANDOVER_NEAR];
	size_t i, n;

	n = route_closest(h->env->rt, &h->env->self, HANDOVER_NEAR, rn);
	if (n < HANDOVER_NEAR)
		return 1;
	for (i = 0; i < n; i++)
		if (id_eq(&rn[i].id, id))
			return 1;
	return 0;
}

void
handover_add(struct handover *h, const struct id *id, const struct addr *a)
{
	struct handover_job *job;

	if (!handover_near(h, id)) {
		h->st.skipped++;
		return;
	}
	if (h->n == h->cap && handover_grow(h) == -1) {
		h->st.dropped++;
		return;
	}
	job = &h->q[(h->head + h->n) % h->cap];
	memset(job, 0, sizeof(*job));
	job->node.id = *id;
	job->node.addr = *a;
	job->serial = ++h->serial;
	h->n++;
}

static struct handover_job *
handover_head(struct handover *h)
{
	return h->n > 0 ? &h->q[h->head] : NULL;
}

static void
handover_pop(struct handover *h)
{
	/* The next job is for another node: its own allowance. */
	h->mtok = HANDOVER_MTOK_CAP;
	h->mtok_ms = INT64_MIN;
	h->head = (h->head + 1) % h->cap;
	if (--h->n == 0) {
		free(h->q);
		h->q = NULL;
		h->cap = h->head = 0;
	}
}

/* Hand-over leaves half of the request table to everything else. */
static int
handover_room(const struct handover *h)
{
	return rpc_room(h->env->rpc) > RPC_MAX_CALLS / 2;
}

/* The head job's allowance at now_ms (HANDOVER_RATE, HANDOVER_BURST). */
static int64_t
handover_mtok(const struct handover *h, int64_t now_ms)
{
	int64_t t;

	if (h->mtok_ms == INT64_MIN || now_ms <= h->mtok_ms)
		return h->mtok;
	t = h->mtok + (now_ms - h->mtok_ms) * HANDOVER_RATE;
	return t > HANDOVER_MTOK_CAP ? HANDOVER_MTOK_CAP : t;
}

/* One request to the head job's node: it may leave the allowance owing. */
static void
handover_spend(struct handover *h, int64_t now_ms)
{
	h->mtok = handover_mtok(h, now_ms) - 1000;
	h->mtok_ms = now_ms;
}

int
handover_busy(const struct handover *h, int64_t now_ms)
{
	return h->n > 0 && !h->q[h->head].waiting && handover_room(h) &&
	    handover_mtok(h, now_ms) >= 1000;
}

int64_t
handover_deadline(const struct handover *h)
{
	if (h->n == 0 || h->q[h->head].waiting || h->mtok >= 1000 ||
	    h->mtok_ms == INT64_MIN)
		return INT64_MAX;
	/* Whole milliseconds, rounded up: never before the request is due. */
	return h->mtok_ms + (1000 - h->mtok + HANDOVER_RATE - 1) /
	    HANDOVER_RATE;
}

/* Usable entries of the buckets past node's: nearer us than it is. */
static size_t
handover_deeper(const struct handover *h, const struct id *node)
{
	return route_usable(h->env->rt, id_prefixlen(&h->env->self, node) + 1,
	    ROUTE_BUCKETS - 1);
}

/*
 * What the buckets alone prove, without route_closest: the new node is in
 * bucket q, the key in bucket t (prefix lengths with us).
 *  - t < q: every node of bucket t is closer to the key than we are, and
 *    they come first in route_closest; HANDOVER_SENDERS of them make us
 *    no sender.
 *  - t > q: every node of the buckets past q (`deeper`), and we, are
 *    closer to the key than the new node; k of us put it out of the k.
 * A hand-over walks every key we hold for every new neighbour; this
 * spares the sort for most of them.
 */
static int
handover_clearly_not(const struct handover *h, const struct handover_job *job,
    const struct id *key, size_t deeper)
{
	const struct env *env = h->env;
	int q = id_prefixlen(&env->self, &job->node.id);
	int t = id_prefixlen(&env->self, key);

	if (t < q)
		return route_usable(env->rt, t, t) >= HANDOVER_SENDERS;
	if (t > q)
		return deeper + 1 >= env->k;
	return 0;
}

/*
 * Hand the key over?  Only if the new node is among its k closest that we
 * know (we included), and we are among its HANDOVER_SENDERS closest but
 * for the new node: a few senders, not all k holders.  deeper: the usable
 * entries of the buckets past the new node's (handover_clearly_not).
 */
static int
handover_responsible(const struct handover *h, const struct handover_job *job,
    const uint8_t *key, size_t deeper)
{
	const struct env *env = h->env;
	struct route_node rn[WIRE_MAX_NODES + 1];
	struct id k;
	size_t i, n, closer = 0;
	long rank = -1;

	memcpy(k.b, key, ID_LEN);
	if (handover_clearly_not(h, job, &k, deeper))
		return 0;
	n = route_closest(env->rt, &k, env->k + 1, rn);
	for (i = 0; i < n; i++) {
		if (id_eq(&rn[i].id, &job->node.id)) {
			rank = (long)i;
			continue;
		}
		if (id_distcmp(&k, &rn[i].id, &env->self) < 0)
			closer++;
	}
	if (rank < 0)
		return 0;
	/* Its rank among the nodes we know and us. */
	if (id_distcmp(&k, &env->self, &job->node.id) < 0)
		rank++;
	return rank < (long)env->k && closer < HANDOVER_SENDERS;
}

int
handover_would_send(const struct handover *h, const struct id *node,
    const struct id *key)
{
	struct handover_job job;

	memset(&job, 0, sizeof(job));
	job.node.id = *node;
	return handover_responsible(h, &job, key->b, handover_deeper(h, node));
}

static void
handover_store_reply(void *ctx, const struct rpc_call *c,
    const struct wire_msg *m, int64_t now_ms, int64_t wall_ms)
{
	struct handover *h = ctx;

	h->st.values_handed_over += m->u.store_ack.stored;
}

/* A lost STORE is left to the republish pass. */
static const struct rpc_ops handover_store_rpc = {
	.reply = handover_store_reply,
};

static void
handover_token_reply(void *ctx, const struct rpc_call *c,
    const struct wire_msg *m, int64_t now_ms, int64_t wall_ms)
{
	struct handover *h = ctx;
	struct handover_job *job;

	if ((job = handover_head(h)) == NULL || job->serial != c->arg[0])
		return;
	job->waiting = 0;
	job->asked = 1;
	/* No usable token in the answer: asking again would loop. */
	if (token_peer_get(h->env->tok, &job->node.addr, &c->key, now_ms) ==
	    NULL)
		handover_pop(h);
}

static void
handover_token_failed(void *ctx, const struct rpc_call *c, int64_t now_ms)
{
	struct handover *h = ctx;
	struct handover_job *job;

	if ((job = handover_head(h)) != NULL && job->serial == c->arg[0])
		handover_pop(h);
}

static const struct rpc_ops handover_token_rpc = {
	.reply = handover_token_reply,
	.failed = handover_token_failed,
};

/* STOREs a page of one key's values, as many per message as fit. */
static size_t
handover_send(struct handover *h, const struct handover_job *job,
    const struct id *key, const struct store_result *res,
    const struct token_peer *t, int64_t now_ms)
{
	struct wire_value wv[WIRE_MAX_VALUES_PER_MSG];
	struct wire_msg m;
	size_t off = 0, want, fit, i, bytes = 0;

	while (off < res->n) {
		want = res->n - off;
		if (want > WIRE_MAX_VALUES_PER_MSG)
			want = WIRE_MAX_VALUES_PER_MSG;
		rpc_wire_values(res->v + off, want, wv);
		if ((fit = rpc_store_msg(&m, key, t->tok, t->len, wv, want)) ==
		    0)
			break;
		(void)rpc_send(h->env->rpc, &job->node.addr, &job->node.id, &m,
		    &handover_store_rpc, h, now_ms);
		handover_spend(h, now_ms);
		for (i = 0; i < fit; i++)
			bytes += wv[i].len;
		off += fit;
	}
	return bytes;
}

/*
 * Asks the new node for a write token for the key (tokens bind the key:
 * a FIND_NODE of it); the walk resumes on its answer.
 */
static int
handover_ask_token(struct handover *h, struct handover_job *job,
    const uint8_t *key, int64_t now_ms)
{
	struct rpc_call *c;
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_FIND_NODE;
	memcpy(m.u.find_node.target.b, key, ID_LEN);
	if ((c = rpc_send(h->env->rpc, &job->node.addr, &job->node.id, &m,
	    &handover_token_rpc, h, now_ms)) == NULL)
		return -1;
	c->arg[0] = job->serial;
	job->waiting = 1;
	handover_spend(h, now_ms);
	return 0;
}

/* Remembers where the walk stopped inside a key. */
static void
handover_pause(struct handover_job *job, const uint8_t *key, size_t off)
{
	/* The token asked for another key is no use for this one. */
	if (memcmp(job->vkey, key, ID_LEN) != 0)
		job->asked = 0;
	job->voff = (uint32_t)off;
	memcpy(job->vkey, key, ID_LEN);
}

/*
 * One bounded step of the head job: at most HANDOVER_BATCH keys, and
 * pages of HANDOVER_PAGE values up to about HANDOVER_BYTES.
 */
void
handover_step(struct handover *h, int64_t now_ms, int64_t wall_ms)
{
	const struct env *env = h->env;
	uint8_t keys[HANDOVER_BATCH][ID_LEN];
	const struct token_peer *t;
	struct store_result res;
	struct handover_job *job;
	struct id k;
	const char *errstr;
	size_t sent = 0, total, off, deeper;
	long n, i;

	if (!handover_busy(h, now_ms))
		return;
	job = handover_head(h);
	n = store_keys(env->store, job->has_cursor ? job->cursor : NULL,
	    HANDOVER_BATCH, keys, &errstr);
	if (n <= 0) {
		handover_pop(h);
		return;
	}
	deeper = handover_deeper(h, &job->node.id);
	for (i = 0; i < n; i++) {
		off = job->voff > 0 && memcmp(job->vkey, keys[i], ID_LEN) == 0 ?
		    job->voff : 0;
		while (handover_responsible(h, job, keys[i], deeper)) {
			/*
			 * Out of budget, or of the new node's allowance:
			 * this key's next page comes next.
			 */
			if (sent >= HANDOVER_BYTES || !handover_room(h) ||
			    handover_mtok(h, now_ms) < 1000) {
				handover_pause(job, keys[i], off);
				return;
			}
			memset(&res, 0, sizeof(res));
			if (store_get_page(env->store, keys[i], 0, wall_ms, off,
			    HANDOVER_PAGE, &res, &total, &errstr) == -1 ||
			    res.n == 0) {
				store_result_free(&res);
				break;
			}
			/*
			 * A token from before the node (re)joined belongs to
			 * its last life: a restarted node refuses it.  So the
			 * token is one this job asked for, for this key.
			 */
			memcpy(k.b, keys[i], ID_LEN);
			t = job->asked && memcmp(job->vkey, keys[i], ID_LEN) ==
			    0 ? token_peer_get(env->tok, &job->node.addr, &k,
			    now_ms) : NULL;
			if (t == NULL) {
				store_result_free(&res);
				handover_pause(job, keys[i], off);
				job->asked = 0;
				if (handover_ask_token(h, job, keys[i],
				    now_ms) == -1)
					handover_pop(h);
				return;
			}
			sent += handover_send(h, job, &k, &res, t, now_ms);
			off += res.n;
			store_result_free(&res);
		}
		job->voff = 0;
		memcpy(job->cursor, keys[i], ID_LEN);
		job->has_cursor = 1;
	}
	if (n < HANDOVER_BATCH)
		handover_pop(h);
}

void
handover_get_stats(const struct handover *h, struct handover_stats *st)
{
	*st = h->st;
}

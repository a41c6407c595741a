/*
 * admit — identity challenges and admission to the routing table: see
 * admit.h.
 */
#include <stdlib.h>
#include <string.h>

#include "admit.h"
#include "cache.h"
#include "ident.h"

/* One proven pair; e.ms: when it proved itself. */
struct admit_proven {
	struct cache_ent e;
	struct id	 id;
	struct addr	 addr;
};

struct admit {
	const struct env	*env;
	struct cache		 proven;	/* struct admit_proven */
	uint64_t		 salt;
	int64_t			 mtok;		/* thousandths of a ping */
	int64_t			 ms;		/* when last refilled */
	struct admit_stats	 st;
};

/* The Pongs go through dht.c like any answer: no hooks. */
static const struct rpc_ops admit_ping_rpc = { NULL, NULL, NULL };
static const struct rpc_ops admit_challenge_rpc = { NULL, NULL, NULL };

struct admit *
admit_new(const struct env *env, size_t cache_max, uint64_t salt,
    int64_t now_ms)
{
	struct admit *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->env = env;
	a->salt = salt;
	cache_init(&a->proven, sizeof(struct admit_proven), ADMIT_PROVEN_MIN,
	    ADMIT_PROVEN_MAX);
	if (cache_max != 0)
		cache_limit(&a->proven, cache_max);
	a->mtok = ADMIT_BURST * 1000;
	a->ms = now_ms;
	return a;
}

void
admit_free(struct admit *a)
{
	if (a == NULL)
		return;
	cache_free(&a->proven);
	free(a);
}

static struct admit_proven *
admit_find(const struct admit *a, const struct id *id, uint64_t h)
{
	struct cache_ent *e;
	size_t i = 0;

	while ((e = cache_next(&a->proven, h, &i)) != NULL)
		if (id_eq(&((struct admit_proven *)(void *)e)->id, id))
			return (struct admit_proven *)(void *)e;
	return NULL;
}

int
admit_known(const struct admit *a, const struct id *id,
    const struct addr *from)
{
	const struct admit_proven *p;
	struct route_node e;

	if (route_get(a->env->rt, id, &e) == 0 && addr_eq(&e.addr, from))
		return 1;
	p = admit_find(a, id, cache_hash(a->salt, id->b, ID_LEN));
	return p != NULL && addr_eq(&p->addr, from);
}

/*
 * Could a proof make id at `from` an entry (or a replacement)?  A node
 * for a full bucket is challenged too, to wait in its replacement cache:
 * challenging only while that cache had room or an entry was failing
 * saved no measurable CPU without churn and lost lookups with it (1,000
 * King-like nodes, 30% churn, 5% loss: success 0.998-0.999 against
 * 1.000 over four seeds), so it was dropped.
 */
static int
admit_wanted(const struct admit *a, const struct id *id,
    const struct addr *from)
{
	struct route_node e;
	size_t ncache;
	int bi, n;

	if (route_get(a->env->rt, id, &e) == 0)
		return e.fails > 0 && !addr_eq(&e.addr, from);
	if (route_admissible(a->env->rt, id, from))
		return 1;
	/* Full: a proven node waits in the bucket's replacement cache. */
	bi = id_prefixlen(&a->env->self, id);
	n = route_bucket_count(a->env->rt, bi, &ncache);
	return n >= 0 && (size_t)n >= route_bucket_cap(a->env->rt, bi);
}

/* A challenge Ping to id at `to`; the call, or NULL. */
static struct rpc_call *
admit_send(struct admit *a, const struct id *id, const struct addr *to,
    const struct rpc_ops *ops, size_t room, int64_t now_ms)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	rpc_challenge(a->env->rpc, &m);
	if (room != SIZE_MAX && rpc_send_len(a->env->rpc, to, &m, now_ms) >
	    room) {
		a->st.unproven++;
		return NULL;
	}
	return rpc_send(a->env->rpc, to, id, &m, ops, a, now_ms);
}

void
admit_challenge(struct admit *a, const struct id *id, const struct addr *from,
    int64_t now_ms)
{
	if (!admit_wanted(a, id, from) ||
	    rpc_pending(a->env->rpc, from, &admit_challenge_rpc) ||
	    rpc_pending(a->env->rpc, from, &admit_ping_rpc))
		return;
	if (admit_send(a, id, from, &admit_challenge_rpc, SIZE_MAX,
	    now_ms) != NULL)
		a->st.challenges++;
}

/* Refills the admission bucket; 1 if a ping may go now (not taken). */
static int
admit_room(struct admit *a, int64_t now_ms)
{
	if (now_ms > a->ms) {
		a->mtok += (now_ms - a->ms) * ADMIT_PER_S;
		if (a->mtok > ADMIT_BURST * 1000)
			a->mtok = ADMIT_BURST * 1000;
		a->ms = now_ms;
	}
	return a->mtok >= 1000;
}

/*
 * A request proves nothing: its source may be spoofed (KNOWN-DEFECT 4:
 * flipped sender-ID bits became "new nodes").  A node we do not know is
 * pinged with a challenge, and admitted when its Pong proves its ID.  A
 * node whose bucket is full, over the IP limits, or already being pinged
 * at that address is not asked.  The ping counts with the answer under
 * the amplification rule: to a source that did not prove its address, it
 * goes only if both fit in `room` bytes, and is not resent.
 */
void
admit_request(struct admit *a, const struct id *id, const struct addr *from,
    size_t room, int64_t now_ms)
{
	struct rpc_call *c;

	if (!route_admissible(a->env->rt, id, from))
		return;
	if (!admit_room(a, now_ms)) {
		a->st.limited++;
		return;
	}
	if (rpc_pending(a->env->rpc, from, &admit_ping_rpc) ||
	    rpc_pending(a->env->rpc, from, &admit_challenge_rpc))
		return;
	if ((c = admit_send(a, id, from, &admit_ping_rpc, room, now_ms)) ==
	    NULL)
		return;
	/* Resends would pass the room: a source unproven gets one try. */
	c->once = room != SIZE_MAX;
	a->mtok -= 1000;
	a->st.pings++;
}

int
admit_pong(struct admit *a, const struct rpc_call *c,
    const struct wire_msg *m, const struct addr *from, int64_t now_ms)
{
	struct admit_proven *p;
	enum ident_result r;
	uint64_t h;

	if (c->type != WIRE_PING || c->noncelen == 0 || m->type != WIRE_PONG)
		return 0;
	r = ident_check(&m->u.pong, &m->sender, &a->env->self, c->nonce,
	    c->noncelen, a->env->id_difficulty);
	if (r == IDENT_MISSING) {
		a->st.proof_missing++;
		return 0;
	}
	if (r != IDENT_OK) {
		a->st.proof_bad++;
		return 0;
	}
	a->st.proofs_ok++;
	h = cache_hash(a->salt, m->sender.b, ID_LEN);
	if ((p = admit_find(a, &m->sender, h)) == NULL &&
	    (p = (struct admit_proven *)(void *)cache_slot(&a->proven, h)) ==
	    NULL)
		return 1;
	p->id = m->sender;
	p->addr = *from;
	p->e.ms = now_ms;
	return 1;
}

void
admit_get_stats(const struct admit *a, struct admit_stats *st)
{
	*st = a->st;
}

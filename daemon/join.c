/*
 * join — bootstrap, join, refresh, liveness: see join.h.
 */
#include <stdlib.h>
#include <string.h>

#include "join.h"
#include "log.h"
#include "op_find.h"

struct join {
	const struct env *env;
	struct op_set	*ops;
	struct addr	*boot;
	size_t		 nboot;
	uint32_t	 boot_backoff_ms;
	int64_t		 boot_next_ms;
	uint32_t	 boot_rounds;	/* unanswered rounds in a row */
	int		 joined;	/* join lookup started */
	int64_t		 maint_next_ms;
	int		 refreshing;	/* a refresh lookup runs */
	int		 join_refresh;	/* after the join lookup */
	int		 join_bucket;	/* next bucket it looks at */
	int64_t		 again_ms;	/* our ID once more (JOIN_AGAIN_MS) */
};

struct join *
join_new(const struct env *env, struct op_set *ops, int64_t now_ms)
{
	struct join *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->env = env;
	j->ops = ops;
	j->boot_next_ms = INT64_MAX;
	j->boot_backoff_ms = JOIN_BOOT_MIN_MS;
	j->maint_next_ms = now_ms + JOIN_MAINT_INTERVAL_MS;
	j->again_ms = INT64_MAX;
	return j;
}

void
join_free(struct join *j)
{
	if (j == NULL)
		return;
	free(j->boot);
	free(j);
}

/* Answers and silences update the routing table in dht.c: no hooks. */
static const struct rpc_ops join_liveness_rpc = { NULL, NULL, NULL };

void
join_ping(struct join *j, const struct route_node *n, int64_t now_ms)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	/* No room to ask: route forgets the decision in time. */
	(void)rpc_send(j->env->rpc, &n->addr, &n->id, &m, &join_liveness_rpc,
	    j, now_ms);
}

/* The next try after the backoff, with jitter; the backoff doubles. */
static void
join_backoff(struct join *j, int64_t now_ms)
{
	uint32_t jitter;

	env_random(j->env, &jitter, sizeof(jitter));
	jitter %= j->boot_backoff_ms / 4 + 1;
	j->boot_next_ms = now_ms + j->boot_backoff_ms + jitter;
	j->boot_backoff_ms = j->boot_backoff_ms * 2 > JOIN_BOOT_MAX_MS ?
	    JOIN_BOOT_MAX_MS : j->boot_backoff_ms * 2;
}

static void	join_start(struct join *, int64_t);

static void
join_boot_reply(void *ctx, const struct rpc_call *c, const struct wire_msg *m,
    int64_t now_ms, int64_t wall_ms)
{
	struct join *j = ctx;
	char a[ADDR_STRLEN];

	log_debug("bootstrap: %s answered; joining",
	    addr_str(&c->to, a, sizeof(a)));
	j->boot_backoff_ms = JOIN_BOOT_MIN_MS;
	j->boot_next_ms = INT64_MAX;
	j->boot_rounds = 0;
	join_start(j, now_ms);
}

/* No failure hook: the backoff's next round asks again. */
static const struct rpc_ops join_boot_rpc = {
	.reply = join_boot_reply,
};

/* Pings every bootstrap address at once, so none waits for another. */
static void
join_boot_round(struct join *j, int64_t now_ms)
{
	struct wire_msg m;
	size_t i;

	if (j->nboot == 0) {
		j->boot_next_ms = INT64_MAX;
		return;
	}
	for (i = 0; i < j->nboot; i++) {
		if (rpc_pending(j->env->rpc, &j->boot[i], &join_boot_rpc))
			continue;
		memset(&m, 0, sizeof(m));
		m.type = WIRE_PING;
		/* A proof of its ID admits it: the join starts there. */
		rpc_challenge(j->env->rpc, &m);
		(void)rpc_send(j->env->rpc, &j->boot[i], NULL, &m,
		    &join_boot_rpc, j, now_ms);
	}
	j->boot_rounds++;
	join_backoff(j, now_ms);
	log_debug("bootstrap: pinged %zu address%s; next round in %lld ms "
	    "unless one answers", j->nboot, j->nboot == 1 ? "" : "es",
	    (long long)(j->boot_next_ms - now_ms));
}

int
join_bootstrap(struct join *j, const struct addr *addrs, size_t n,
    int64_t now_ms)
{
	struct addr *nb = NULL;
	size_t i;

	if (n > 0 && (nb = calloc(n, sizeof(*nb))) == NULL)
		return -1;
	free(j->boot);
	j->boot = nb;
	j->nboot = 0;
	for (i = 0; i < n; i++)
		if (route_addr_usable(&addrs[i]))
			j->boot[j->nboot++] = addrs[i];
	j->boot_backoff_ms = JOIN_BOOT_MIN_MS;
	j->joined = 0;
	join_boot_round(j, now_ms);
	return 0;
}

/*
 * The join lookup filled the buckets near our ID.  The farther ones hold
 * only whom we met by chance, and their nodes may never contact us: a
 * bucket left empty would hide a whole region of the ID space from us
 * and from everyone who asks us.  Fill them now (Kademlia §2.3 refreshes
 * every bucket farther than the closest neighbour) rather than after a
 * refresh interval.
 */
static void
join_done(void *arg, enum dht_err err, const struct route_node *nodes,
    size_t n, int64_t now_ms)
{
	struct join *j = arg;

	if (err != DHT_OK || n == 0) {
		/*
		 * Nobody answered: datagrams lost, or the nodes we knew are
		 * gone.  A node left with a stale entry or two would never
		 * ask anyone again: try again after the bootstrap backoff.
		 */
		j->joined = 0;
		join_backoff(j, now_ms);
		log_debug("join: the lookup of our ID reached nobody; again "
		    "in %lld ms", (long long)(j->boot_next_ms - now_ms));
		return;
	}
	log_debug("join: the lookup of our ID found %zu nodes; filling the "
	    "far buckets", n);
	j->boot_backoff_ms = JOIN_BOOT_MIN_MS;
	j->join_refresh = 1;
	j->join_bucket = 0;
	j->again_ms = now_ms + JOIN_AGAIN_MS;
}

static void
join_start(struct join *j, int64_t now_ms)
{
	if (j->joined)
		return;
	/* Fills our table and tells our neighbours about us. */
	if (op_find_start(j->ops, &j->env->self, 1, now_ms, join_done, j) == 0)
		j->joined = 1;
}

static void
join_refreshed(void *arg, enum dht_err err, const struct route_node *nodes,
    size_t n, int64_t now_ms)
{
	struct join *j = arg;

	j->refreshing = 0;
}

static void
join_refresh_bucket(struct join *j, int b, int64_t now_ms)
{
	uint8_t rnd[ID_LEN];
	struct id target;

	env_random(j->env, rnd, sizeof(rnd));
	if (route_random_id_in_bucket(j->env->rt, b, rnd, &target) == 0 &&
	    op_find_start(j->ops, &target, 1, now_ms, join_refreshed, j) == 0)
		j->refreshing = 1;
}

static void
join_refresh_empty(struct join *j, int64_t now_ms)
{
	size_t ncache;
	int b, deepest;

	if (!j->join_refresh || j->refreshing)
		return;
	for (deepest = ROUTE_BUCKETS - 1; deepest >= 0; deepest--)
		if (route_bucket_count(j->env->rt, deepest, &ncache) > 0)
			break;
	/*
	 * Only empty ones: one contact per region is enough to route there,
	 * and fuller tables only hold more entries that may have died.
	 */
	for (b = j->join_bucket; b < deepest; b++)
		if (route_bucket_count(j->env->rt, b, &ncache) == 0)
			break;
	if (b >= deepest) {
		j->join_refresh = 0;
		return;
	}
	j->join_bucket = b + 1;
	join_refresh_bucket(j, b, now_ms);
}

static void
join_refresh_stale(struct join *j, int64_t now_ms)
{
	int b;

	if (j->refreshing)
		return;
	b = route_stale_bucket(j->env->rt, (uint64_t)now_ms,
	    j->env->refresh_ms);
	if (b >= 0)
		join_refresh_bucket(j, b, now_ms);
}

static void
join_ping_stale(struct join *j, int64_t now_ms)
{
	struct route_node n;
	int i;

	for (i = 0; i < JOIN_STALE_PINGS && rpc_room(j->env->rpc) > 0; i++) {
		if (!route_oldest_unpinged(j->env->rt, (uint64_t)now_ms,
		    j->env->refresh_ms, &n))
			break;
		join_ping(j, &n, now_ms);
	}
}

void
join_step(struct join *j, int64_t now_ms)
{
	const struct env *env = j->env;

	if (j->nboot > 0 && now_ms >= j->boot_next_ms) {
		if (route_count(env->rt) == 0) {
			j->joined = 0;
			join_boot_round(j, now_ms);
		} else {
			/* Others found us first: join through them. */
			j->boot_next_ms = INT64_MAX;
			join_start(j, now_ms);
		}
	}
	join_refresh_empty(j, now_ms);
	if (now_ms >= j->again_ms && !j->join_refresh && !j->refreshing) {
		j->again_ms = INT64_MAX;
		if (op_find_start(j->ops, &env->self, 1, now_ms,
		    join_refreshed, j) == 0)
			j->refreshing = 1;
	}
	if (now_ms < j->maint_next_ms)
		return;
	j->maint_next_ms = now_ms + JOIN_MAINT_INTERVAL_MS;
	/* Lost every peer: start over from the bootstrap addresses. */
	if (j->nboot > 0 && j->boot_next_ms == INT64_MAX &&
	    route_count(env->rt) == 0) {
		j->joined = 0;
		j->boot_backoff_ms = JOIN_BOOT_MIN_MS;
		join_boot_round(j, now_ms);
	}
	join_refresh_stale(j, now_ms);
	join_ping_stale(j, now_ms);
}

void
join_boot_state(const struct join *j, struct join_boot *b)
{
	b->rounds = j->boot_rounds;
	b->naddrs = j->nboot;
	b->first = j->nboot > 0 ? j->boot[0] : (struct addr){ 0 };
	b->next_ms = j->boot_next_ms;
}

int64_t
join_deadline(const struct join *j)
{
	int64_t t;

	if (j->join_refresh && !j->refreshing)
		return INT64_MIN;	/* the next refresh lookup, now */
	t = j->maint_next_ms < j->boot_next_ms ? j->maint_next_ms :
	    j->boot_next_ms;
	/*
	 * The lookup of our ID once more waits for a refresh under way (its
	 * end runs join_step again): counted meanwhile, a time already past
	 * would have the engine run at once, over and over, until then.
	 */
	if (j->refreshing)
		return t;
	return j->again_ms < t ? j->again_ms : t;
}

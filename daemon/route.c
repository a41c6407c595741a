/*
 * route — k-buckets, replacement caches and the ping-before-evict rules.
 * The caller performs every ping and reports its outcome; nothing here
 * knows about sockets, timers or randomness.
 */
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "route_ent.h"
#include "route_impl.h"

#define ROUTE_ROOM_MIN	4	/* first capacity of a bucket's arrays */

static int	route_index(const struct route *, const struct id *);
static long	route_find(const struct route_ent *, size_t,
		    const struct id *);

struct route *
route_new(const struct id *self, uint64_t now_ms)
{
	struct route *rt;

	/*
	 * A bucket never refreshed counts as refreshed at creation (the join
	 * lookup does the first pass), so a fake clock starting at 0 behaves
	 * like a real one.
	 */
	if ((rt = calloc(1, sizeof(*rt))) == NULL)
		return NULL;
	rt->self = *self;
	rt->created_ms = now_ms;
	rt->wide = 1;
	return rt;
}

void
route_free(struct route *rt)
{
	size_t i;

	if (rt == NULL)
		return;
	for (i = 0; i < rt->nb; i++) {
		free(rt->bucket[i].node);
		free(rt->bucket[i].cache);
	}
	free(rt->bucket);
	free(rt);
}

const struct id *
route_self(const struct route *rt)
{
	return &rt->self;
}

int
route_addr_usable(const struct addr *a)
{
	return addr_usable(a);
}

void
route_set_limit_local(struct route *rt, int on)
{
	rt->limit_local = on != 0;
}

void
route_set_wide(struct route *rt, int on)
{
	rt->wide = on != 0;
}

void
route_get_stats(const struct route *rt, struct route_stats *st)
{
	*st = rt->st;
}

enum route_limit {
	ROUTE_LIMIT_OK = 0,
	ROUTE_LIMIT_IP,
	ROUTE_LIMIT_PREFIX,
};

/*
 * Whether one more entry at addr in bucket bi keeps the IP limits, not
 * counting the entry `skip` (a node changing address).  A linear pass
 * over the entries, only for newcomers: a table holds about
 * k * log2(network size) of them.
 */
static enum route_limit
route_limit(const struct route *rt, int bi, const struct addr *addr,
    const struct id *skip)
{
	const struct route_bucket *b;
	const struct route_ent *e;
	struct addr ea;
	size_t i, j, ip = 0, pt = 0, pb = 0;

	if (addr_scope(addr) != ADDR_PUBLIC && !rt->limit_local)
		return ROUTE_LIMIT_OK;
	for (i = 0; i < rt->nb; i++) {
		b = &rt->bucket[i];
		for (j = 0; j < b->n; j++) {
			e = &b->node[j];
			if (skip != NULL && id_eq(&e->id, skip))
				continue;
			route_ent_addr(e, &ea);
			if (!addr_same_prefix(&ea, addr))
				continue;
			pt++;
			pb += (int)i == bi;
			ip += addr_same_ip(&ea, addr);
		}
	}
	if (ip >= ROUTE_IP_MAX)
		return ROUTE_LIMIT_IP;
	if (pb >= ROUTE_PREFIX_BUCKET_MAX || pt >= ROUTE_PREFIX_TABLE_MAX)
		return ROUTE_LIMIT_PREFIX;
	return ROUTE_LIMIT_OK;
}

/*
 * route_limit, counting a refusal and marking the bucket: one that turned
 * a node away may lack a node closer to a key than those it holds, so
 * route_complete_near no longer vouches for it.  The mark stays: the node
 * may still be out there.
 */
static int
route_limit_refuses(struct route *rt, int bi, const struct addr *addr,
    const struct id *skip)
{
	switch (route_limit(rt, bi, addr, skip)) {
	case ROUTE_LIMIT_IP:
		rt->st.refused_ip++;
		break;
	case ROUTE_LIMIT_PREFIX:
		rt->st.refused_prefix++;
		break;
	default:
		return 0;
	}
	if (bi >= 0 && (size_t)bi < rt->nb)
		rt->bucket[bi].refused = 1;
	return 1;
}

int
route_admissible(const struct route *rt, const struct id *id,
    const struct addr *addr)
{
	const struct route_bucket *b;
	int bi;

	if ((bi = route_index(rt, id)) < 0 || !route_addr_usable(addr))
		return 0;
	if ((b = route_bkt(rt, (size_t)bi)) != NULL &&
	    (b->n >= route_bucket_cap(rt, bi) ||
	    route_find(b->node, b->n, id) >= 0))
		return 0;
	return route_limit(rt, bi, addr, NULL) == ROUTE_LIMIT_OK;
}

/*
 * A touch at time 0 stores 0, read back as created_ms, which is then 0
 * too: callers' times never decrease.
 */
static uint64_t
route_refreshed(const struct route *rt, int i)
{
	const struct route_bucket *b = route_bkt(rt, (size_t)i);

	return b != NULL && b->refreshed_ms != 0 ? b->refreshed_ms :
	    rt->created_ms;
}

/*
 * The bucket; with create, the array grows to reach it first.  NULL if
 * it does not reach it (or no memory).  Growing moves the buckets, not
 * their entries.
 */
static struct route_bucket *
route_bucket(struct route *rt, int i, int create)
{
	struct route_bucket *nv;
	size_t nb = (size_t)i + 1;

	if ((size_t)i < rt->nb)
		return &rt->bucket[i];
	if (!create || (nv = reallocarray(rt->bucket, nb, sizeof(*nv))) ==
	    NULL)
		return NULL;
	memset(&nv[rt->nb], 0, (nb - rt->nb) * sizeof(*nv));
	rt->bucket = nv;
	rt->nb = nb;
	return &rt->bucket[i];
}

/* Bucket index of id, or -1 for our own ID. */
static int
route_index(const struct route *rt, const struct id *id)
{
	int pl;

	pl = id_prefixlen(&rt->self, id);
	return pl >= ROUTE_BUCKETS ? -1 : pl;
}

static long
route_find(const struct route_ent *v, size_t n, const struct id *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (id_eq(&v[i].id, id))
			return (long)i;
	return -1;
}

/* Room for one entry more than n in *v, up to max; -1 at max or memory. */
static int
route_room(struct route_ent **v, uint8_t *cap, size_t n, size_t max)
{
	struct route_ent *nv;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : ROUTE_ROOM_MIN;
	if (ncap > max)
		ncap = max;
	if (ncap <= *cap || (nv = reallocarray(*v, ncap, sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	*cap = (uint8_t)ncap;
	return 0;
}

static void
route_remove_at(struct route_ent *v, uint8_t *n, size_t i)
{
	memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(v[0]));
	(*n)--;
}

static int
route_ping_active(const struct route_ent *e, uint64_t now_ms)
{
	uint64_t ping_ms = route_ent_ping_ms(e);

	if (!(e->flags & ROUTE_F_PINGING))
		return 0;
	return now_ms < ping_ms || now_ms - ping_ms < ROUTE_PING_STALE_MS;
}

/* The caller smooths (rpc keeps the estimator); 0 says nothing new. */
static void
route_rtt_sample(struct route_ent *e, uint32_t rtt_us)
{
	if (rtt_us != 0)
		e->rtt_us = rtt_us;
}

/* Keeps the least-recently-seen order when the entry is not the newest. */
static void
route_insert_by_age(struct route_bucket *b, const struct route_ent *e)
{
	size_t i;

	i = b->n;
	while (i > 0 && b->node[i - 1].last_seen_ms > e->last_seen_ms)
		i--;
	memmove(&b->node[i + 1], &b->node[i], (b->n - i) * sizeof(b->node[0]));
	b->node[i] = *e;
	b->n++;
}

static void
route_cache_push(struct route_bucket *b, const struct route_ent *e)
{
	if (b->ncache == ROUTE_REPLACEMENTS)
		route_remove_at(b->cache, &b->ncache, 0);
	else if (route_room(&b->cache, &b->ccap, b->ncache,
	    ROUTE_REPLACEMENTS) == -1)
		return;		/* no memory: the sighting is forgotten */
	b->cache[b->ncache++] = *e;
}

/*
 * Fills a slot freed in a bucket with the newest cached replacement that
 * keeps the IP limits; those that would not are dropped.
 */
static void
route_promote(struct route *rt, struct route_bucket *b, int bi)
{
	struct route_ent e;
	struct addr ea;

	if (b->ncache == 0 || b->n >= route_bucket_cap(rt, bi) ||
	    route_room(&b->node, &b->cap, b->n, route_bucket_cap(rt, bi)) == -1)
		return;
	do {
		if (b->ncache == 0)
			return;
		e = b->cache[--b->ncache];
		route_ent_addr(&e, &ea);
	} while (route_limit_refuses(rt, bi, &ea, NULL));
	e.fails = 0;
	route_ent_ping(&e, 0, 0);
	route_insert_by_age(b, &e);
	rt->count++;
}

enum route_result
route_seen(struct route *rt, const struct id *id, const struct addr *addr,
    uint64_t now_ms, uint32_t rtt_us, struct route_node *ping_out)
{
	struct route_bucket *b;
	struct route_ent e, *old;
	long i;
	int bi;

	if ((bi = route_index(rt, id)) < 0 || !route_addr_usable(addr) ||
	    (b = route_bucket(rt, bi, 1)) == NULL)
		return ROUTE_IGNORED;

	if ((i = route_find(b->node, b->n, id)) >= 0) {
		e = b->node[i];
		if (!route_ent_addr_eq(&e, addr)) {
			/*
			 * Anti-hijack: anyone can claim a known ID from
			 * another address.  Move a healthy entry only once it
			 * has missed a reply at its old address; a node that
			 * really moved does so right after its first timeout.
			 * The claim does not refresh the entry either.
			 */
			if (e.fails == 0)
				return ROUTE_CONFLICT;
			if (route_limit_refuses(rt, bi, addr, id))
				return ROUTE_REFUSED;
			route_ent_set_addr(&e, addr);
			e.rtt_us = 0;
		}
		route_rtt_sample(&e, rtt_us);
		e.last_seen_ms = now_ms;
		e.fails = 0;
		route_ent_ping(&e, 0, 0);
		route_remove_at(b->node, &b->n, (size_t)i);
		b->node[b->n++] = e;
		return ROUTE_UPDATED;
	}

	memset(&e, 0, sizeof(e));
	e.id = *id;
	route_ent_set_addr(&e, addr);
	e.last_seen_ms = now_ms;
	/*
	 * Cached replacements are unverified sightings: the newest one wins,
	 * address included, and it is verified by use once promoted.
	 */
	if ((i = route_find(b->cache, b->ncache, id)) >= 0) {
		if (route_ent_addr_eq(&b->cache[i], addr))
			e.rtt_us = b->cache[i].rtt_us;
		route_remove_at(b->cache, &b->ncache, (size_t)i);
	}
	route_rtt_sample(&e, rtt_us);
	if (route_limit_refuses(rt, bi, addr, NULL))
		return ROUTE_REFUSED;

	if (b->n < route_bucket_cap(rt, bi)) {
		if (route_room(&b->node, &b->cap, b->n,
		    route_bucket_cap(rt, bi)) == -1)
			return ROUTE_IGNORED;
		b->node[b->n++] = e;
		rt->count++;
		return ROUTE_ADDED;
	}
	route_cache_push(b, &e);
	old = &b->node[0];
	if (ping_out == NULL || route_ping_active(old, now_ms))
		return ROUTE_CACHED;
	route_ent_ping(old, 1, now_ms);
	route_ent_node(old, ping_out);
	return ROUTE_PING;
}

int
route_failed(struct route *rt, const struct id *id, uint64_t now_ms)
{
	struct route_bucket *b;
	struct route_ent *e;
	long i;
	int bi;

	if ((bi = route_index(rt, id)) < 0 ||
	    (b = route_bucket(rt, bi, 0)) == NULL)
		return -1;
	if ((i = route_find(b->node, b->n, id)) >= 0) {
		e = &b->node[i];
		if (e->fails < UINT8_MAX)
			e->fails++;
		route_ent_ping(e, 0, 0);
		if (e->fails < ROUTE_MAX_FAILS)
			return 0;
		route_remove_at(b->node, &b->n, (size_t)i);
		rt->count--;
		route_promote(rt, b, bi);
		return 1;
	}
	if ((i = route_find(b->cache, b->ncache, id)) >= 0) {
		route_remove_at(b->cache, &b->ncache, (size_t)i);
		return 1;
	}
	return -1;
}

int
route_remove(struct route *rt, const struct id *id)
{
	struct route_bucket *b;
	long i;
	int bi;

	if ((bi = route_index(rt, id)) < 0 ||
	    (b = route_bucket(rt, bi, 0)) == NULL)
		return -1;
	if ((i = route_find(b->node, b->n, id)) >= 0) {
		route_remove_at(b->node, &b->n, (size_t)i);
		rt->count--;
		route_promote(rt, b, bi);
		return 0;
	}
	if ((i = route_find(b->cache, b->ncache, id)) >= 0) {
		route_remove_at(b->cache, &b->ncache, (size_t)i);
		return 0;
	}
	return -1;
}

size_t
route_count(const struct route *rt)
{
	return rt->count;
}

int
route_get(const struct route *rt, const struct id *id, struct route_node *out)
{
	const struct route_bucket *b;
	long i;
	int bi;

	if ((bi = route_index(rt, id)) < 0 ||
	    (b = route_bkt(rt, (size_t)bi)) == NULL)
		return -1;
	if ((i = route_find(b->node, b->n, id)) < 0)
		return -1;
	route_ent_node(&b->node[i], out);
	return 0;
}

size_t
route_usable(const struct route *rt, int from, int to)
{
	const struct route_bucket *b;
	size_t n = 0, j;
	int i;

	for (i = from < 0 ? 0 : from; i <= to && (size_t)i < rt->nb; i++) {
		b = &rt->bucket[i];
		for (j = 0; j < b->n; j++)
			n += b->node[j].fails < ROUTE_MAX_FAILS;
	}
	return n;
}

size_t
route_bucket_cap(const struct route *rt, int index)
{
	static const uint8_t wide[] = { 8, 4, 2 };

	if (rt->wide && index >= 0 && (size_t)index < sizeof(wide))
		return (size_t)wide[index] * ROUTE_K;
	return ROUTE_K;
}

int
route_bucket_count(const struct route *rt, int index, size_t *ncached)
{
	const struct route_bucket *b;

	if (index < 0 || index >= ROUTE_BUCKETS)
		return -1;
	b = route_bkt(rt, (size_t)index);
	if (ncached != NULL)
		*ncached = b != NULL ? b->ncache : 0;
	return b != NULL ? (int)b->n : 0;
}

size_t
route_export(const struct route *rt, struct route_node *out, size_t max)
{
	const struct route_bucket *b;
	size_t i, j, n = 0;

	for (i = 0; i < rt->nb; i++) {
		b = &rt->bucket[i];
		for (j = 0; j < b->n && n < max; j++)
			route_ent_node(&b->node[j], &out[n++]);
	}
	return n;
}

void
route_touch_bucket(struct route *rt, const struct id *id, uint64_t now_ms)
{
	struct route_bucket *b;
	int bi;

	/* A bucket beyond the array is created: it may fill later. */
	if ((bi = route_index(rt, id)) >= 0 &&
	    (b = route_bucket(rt, bi, 1)) != NULL)
		b->refreshed_ms = now_ms;
}

int
route_stale_bucket(const struct route *rt, uint64_t now_ms,
    uint64_t interval_ms)
{
	uint64_t r, oldest = 0;
	int i, deepest, best = -1;

	for (deepest = (int)rt->nb - 1; deepest >= 0; deepest--)
		if (rt->bucket[deepest].n > 0)
			break;
	if (deepest < 0)
		return -1;
	/*
	 * Buckets deeper than the deepest populated one + 1 would need an ID
	 * sharing more bits with ours than any node we know: in a network of
	 * N nodes about log2(N) buckets hold anyone, so refreshing all 256
	 * would be wasted lookups.
	 */
	if (deepest < ROUTE_BUCKETS - 1)
		deepest++;
	for (i = 0; i <= deepest; i++) {
		r = route_refreshed(rt, i);
		if (now_ms < r || now_ms - r < interval_ms)
			continue;
		if (best == -1 || r < oldest) {
			best = i;
			oldest = r;
		}
	}
	return best;
}

int
route_random_id_in_bucket(const struct route *rt, int index,
    const uint8_t random[ID_LEN], struct id *out)
{
	size_t q;
	uint8_t keep, flip, s;

	if (index < 0 || index >= ROUTE_BUCKETS)
		return -1;
	q = (size_t)index / 8;
	keep = (uint8_t)(0xff00 >> (index % 8));	/* bits shared with self */
	flip = (uint8_t)(0x80 >> (index % 8));		/* first differing bit */
	s = rt->self.b[q];
	memcpy(out->b, rt->self.b, q);
	memcpy(out->b + q, random + q, ID_LEN - q);
	out->b[q] = (uint8_t)((s & keep) | (~s & flip) |
	    (random[q] & ~(keep | flip)));
	return 0;
}

int
route_oldest_unpinged(struct route *rt, uint64_t now_ms, uint64_t stale_ms,
    struct route_node *out)
{
	struct route_bucket *b;
	struct route_ent *e, *best = NULL;
	size_t i, j;

	for (i = 0; i < rt->nb; i++) {
		b = &rt->bucket[i];
		/* Least recently seen first: the first unpinged one is it. */
		for (j = 0; j < b->n; j++) {
			e = &b->node[j];
			if (route_ping_active(e, now_ms))
				continue;
			if (now_ms >= e->last_seen_ms &&
			    now_ms - e->last_seen_ms >= stale_ms &&
			    (best == NULL ||
			    e->last_seen_ms < best->last_seen_ms))
				best = e;
			break;
		}
	}
	if (best == NULL)
		return 0;
	route_ent_ping(best, 1, now_ms);
	route_ent_node(best, out);
	return 1;
}

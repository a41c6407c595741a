/*
 * route_near — the nodes of the table closest to a target, exact by
 * distance class, and whether the table can vouch for them: see route.h.
 */
#include <stdlib.h>

#include "route.h"
#include "route_ent.h"
#include "route_impl.h"

/* a (whose id_dist64 is ka) is closer to target than b (kb). */
static int
route_closer(const struct id *target, uint64_t ka, const struct id *a,
    uint64_t kb, const struct id *b)
{
	if (ka != kb)
		return ka < kb;
	return id_distcmp(target, a, b) < 0;
}

/*
 * Inserts e into out[0..*n), kept sorted by distance and bounded by max;
 * key[] holds each one's id_dist64, so that the whole ID is compared only
 * on a tie of the top 64 bits.
 */
static void
route_closest_add(const struct id *target, const struct route_ent **out,
    uint64_t *key, size_t *n, size_t max, const struct route_ent *e)
{
	uint64_t k = id_dist64(target, &e->id);
	size_t i;

	if (*n == max && !route_closer(target, k, &e->id, key[*n - 1],
	    &out[*n - 1]->id))
		return;
	i = *n < max ? *n : max - 1;
	while (i > 0 && route_closer(target, k, &e->id, key[i - 1],
	    &out[i - 1]->id)) {
		out[i] = out[i - 1];
		key[i] = key[i - 1];
		i--;
	}
	out[i] = e;
	key[i] = k;
	if (*n < max)
		(*n)++;
}

static void
route_closest_bucket(const struct route *rt, int bi, const struct id *target,
    const struct route_ent **out, uint64_t *key, size_t *n, size_t max)
{
	const struct route_bucket *b = route_bkt(rt, (size_t)bi);
	size_t i;

	for (i = 0; b != NULL && i < b->n; i++)
		if (b->node[i].fails < ROUTE_MAX_FAILS)
			route_closest_add(target, out, key, n, max,
			    &b->node[i]);
}

/*
 * With t = prefixlen(self, target), a node in bucket i is at XOR distance
 * whose top bit is: below bit t for i == t (the closest class); exactly bit
 * t for every i > t (one class, sorted together); bit i for i < t, farther
 * as i falls.  So we visit classes closest first and stop at the first
 * class boundary where `max` nodes are held: the result is exact.
 */
static size_t
route_closest_ptrs(const struct route *rt, const struct id *target,
    size_t max, const struct route_ent **out, uint64_t *key)
{
	size_t n = 0;
	int i, t, nb = (int)rt->nb;

	if (max == 0)
		return 0;
	t = id_prefixlen(&rt->self, target);
	if (t < ROUTE_BUCKETS) {
		route_closest_bucket(rt, t, target, out, key, &n, max);
		if (n == max)
			return n;
		for (i = t + 1; i < nb; i++)
			route_closest_bucket(rt, i, target, out, key, &n, max);
	}
	for (i = (t < nb ? t : nb) - 1; i >= 0 && n < max; i--)
		route_closest_bucket(rt, i, target, out, key, &n, max);
	return n;
}

/* Bucket bi holds all it heard of; *n counts its usable entries. */
static int
route_open_bucket(const struct route *rt, int bi, size_t *n)
{
	const struct route_bucket *b = route_bkt(rt, (size_t)bi);
	size_t i;

	if (b == NULL)
		return 1;
	if (b->n >= route_bucket_cap(rt, bi) || b->ncache > 0 || b->refused)
		return 0;
	for (i = 0; i < b->n; i++)
		*n += b->node[i].fails < ROUTE_MAX_FAILS;
	return 1;
}

int
route_complete_near(const struct route *rt, const struct id *target,
    size_t max)
{
	size_t n = 0;
	int i, t, nb = (int)rt->nb;

	t = id_prefixlen(&rt->self, target);
	if (t < ROUTE_BUCKETS) {
		if (!route_open_bucket(rt, t, &n))
			return 0;
		if (n >= max)
			return 1;
		for (i = t + 1; i < nb; i++)
			if (!route_open_bucket(rt, i, &n))
				return 0;
	}
	for (i = (t < nb ? t : nb) - 1; i >= 0 && n < max; i--)
		if (!route_open_bucket(rt, i, &n))
			return 0;
	return 1;
}

size_t
route_closest(const struct route *rt, const struct id *target, size_t max,
    struct route_node *out)
{
	const struct route_ent *p[ROUTE_FAST_MAX];
	const struct route_ent **v;
	uint64_t kp[ROUTE_FAST_MAX], *key;
	size_t i, n;

	if (max > ROUTE_MAX_NODES)
		max = ROUTE_MAX_NODES;
	v = p;
	key = kp;
	if (max > ROUTE_FAST_MAX) {
		v = calloc(max, sizeof(*v));
		key = calloc(max, sizeof(*key));
		if (v == NULL || key == NULL) {
			free(v);
			free(key);
			return 0;
		}
	}
	n = route_closest_ptrs(rt, target, max, v, key);
	for (i = 0; i < n; i++)
		route_ent_node(v[i], &out[i]);
	if (v != p) {
		free(v);
		free(key);
	}
	return n;
}

size_t
route_closest_ids(const struct route *rt, const struct id *target,
    size_t max, const struct id **ids, uint8_t *fails)
{
	const struct route_ent *p[ROUTE_FAST_MAX];
	uint64_t key[ROUTE_FAST_MAX];
	size_t i, n;

	if (max > ROUTE_FAST_MAX)
		max = ROUTE_FAST_MAX;
	n = route_closest_ptrs(rt, target, max, p, key);
	for (i = 0; i < n; i++) {
		ids[i] = &p[i]->id;
		fails[i] = p[i]->fails;
	}
	return n;
}

/* Orders candidates for route_closest_fast; see route.h. */
static int
route_fast_cmp(const struct id *target, const struct route_ent *a,
    const struct route_ent *b)
{
	int ca, cb;

	ca = id_prefixlen(target, &a->id);
	cb = id_prefixlen(target, &b->id);
	if (ca != cb)
		return ca > cb ? -1 : 1;
	if (a->rtt_us != b->rtt_us) {
		if (a->rtt_us == 0)
			return 1;
		if (b->rtt_us == 0)
			return -1;
		return a->rtt_us < b->rtt_us ? -1 : 1;
	}
	return id_distcmp(target, &a->id, &b->id);
}

size_t
route_closest_fast(const struct route *rt, const struct id *target,
    size_t max, struct route_node *out)
{
	const struct route_ent *p[2 * ROUTE_FAST_MAX], *e;
	uint64_t key[2 * ROUTE_FAST_MAX];
	size_t i, j, n;

	if (max > ROUTE_FAST_MAX)
		max = ROUTE_FAST_MAX;
	n = route_closest_ptrs(rt, target, 2 * max, p, key);
	for (i = 1; i < n; i++) {
		e = p[i];
		for (j = i; j > 0 && route_fast_cmp(target, e, p[j - 1]) < 0;
		    j--)
			p[j] = p[j - 1];
		p[j] = e;
	}
	if (n > max)
		n = max;
	for (i = 0; i < n; i++)
		route_ent_node(p[i], &out[i]);
	return n;
}

/*
 * route_impl — the table's layout, private to route.c (buckets, entries,
 * upkeep) and route_near.c (the closest nodes to a target).
 */
#ifndef EMO_ROUTE_IMPL_H
#define EMO_ROUTE_IMPL_H

#include "route.h"
#include "route_ent.h"

/*
 * Both arrays grow (route_room) to route_bucket_cap and ROUTE_REPLACEMENTS
 * entries: the deep buckets of a table hold a few nodes, and most
 * replacement caches stay empty.
 */
struct route_bucket {
	struct route_ent	*node;	/* least recently seen first */
	struct route_ent	*cache;	/* oldest first */
	uint8_t			 n, cap;
	uint8_t			 ncache, ccap;
	uint8_t			 refused;	/* turned a node away (limits) */
	uint64_t		 refreshed_ms;	/* 0: see route_refreshed */
};

_Static_assert(8 * ROUTE_K <= UINT8_MAX && ROUTE_REPLACEMENTS <= UINT8_MAX,
    "bucket counts fit their bytes (route_bucket_cap)");

/*
 * A network of N nodes fills only about log2(N) of the 256 buckets: the
 * bucket array grows up to the deepest bucket used (a node arrived or a
 * lookup refreshed it), so thousands of simulated engines fit in memory
 * and no scan of the table touches buckets it does not need.
 */
struct route {
	struct id		self;
	size_t			count;
	uint64_t		created_ms;
	int			limit_local;
	int			wide;	/* route_set_wide */
	struct route_stats	st;
	struct route_bucket	*bucket;	/* nb of them */
	size_t			 nb;
};

/* Bucket i if the array reaches it (it may be empty), else NULL. */
static inline const struct route_bucket *
route_bkt(const struct route *rt, size_t i)
{
	return i < rt->nb ? &rt->bucket[i] : NULL;
}

#endif

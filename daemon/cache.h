/*
 * cache — one bounded, lossy hash cache for every address-, ID- or
 * key-keyed memory of the engine (peers' tokens, cookies, dead
 * nodes, recently received values, known holders).  Fixed-size entries
 * that begin with struct cache_ent; a few probes per hash; the table
 * grows from `min` to `max` entries as it fills, and a full probe run
 * gives up its oldest entry.  It forgets, never fails: a caller treats a
 * miss as "not known".
 */
#ifndef EMO_CACHE_H
#define EMO_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define CACHE_PROBE	4	/* slots looked at per hash */

/* What every entry starts with. */
struct cache_ent {
	uint64_t	 h;		/* never 0; 0: a free slot */
	int64_t		 ms;		/* when it was written */
};

struct cache {
	void		*v;
	size_t		 esize;
	size_t		 cap;		/* power of two, or 0 */
	size_t		 used;
	size_t		 min, max;	/* powers of two */
};

/* No allocation until the first cache_slot. */
void	cache_init(struct cache *, size_t esize, size_t min, size_t max);
void	cache_free(struct cache *);
/*
 * Lowers the bound to max entries (a power of two, never below 1), before
 * the first cache_slot; one above the bound given to cache_init is ignored.
 */
void	cache_limit(struct cache *, size_t max);

/*
 * The entries whose hash is h, in probe order: start with *i = 0 and call
 * until NULL.  Several keys may share a hash: compare the key.
 */
struct cache_ent *cache_next(const struct cache *, uint64_t h, size_t *i);
/*
 * A slot for h, zeroed but for h: the first entry with hash h, else a
 * free one, else the oldest probed.  NULL only without memory.
 */
struct cache_ent *cache_slot(struct cache *, uint64_t h);
void	cache_drop(struct cache *, struct cache_ent *);
size_t	cache_used(const struct cache *);

/* Keyed hashes (never 0) of bytes and of an address with its port. */
uint64_t cache_hash(uint64_t salt, const void *, size_t);
uint64_t cache_hash_addr(uint64_t salt, const struct addr *);

#endif

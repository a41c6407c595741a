/*
 * quota — who stored what: the engine's per-source accounting of values
 * from the network, in memory.  A value's source is the storing peer's
 * address class: its IP for a public address, IP and port for loopback
 * and private ones (unless limit_local).  A source's prefix is its /24
 * (IPv4) or /64 (IPv6), or the source itself where the source has a port.
 * Per source it keeps the values it stored, oldest first, and their cost
 * (value bytes + the store's per-value overhead); per prefix the sum of
 * its sources' costs; per (source, key) and (prefix, key) a count of
 * values, in a bounded lossy cache (cache.h).  It decides; the caller (serve) stores, evicts
 * with store_del and withholds tokens.  Local puts never enter it, so
 * they are never evicted.  The total the caller passes is the store's own
 * count (store_stats), which holds across a restart; the attribution does
 * not: values stored before a restart are nobody's, and cannot be evicted.
 */
#ifndef EMO_QUOTA_H
#define EMO_QUOTA_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "id.h"

/*
 * What a value costs the LevelDB store beyond its bytes: the value key
 * (65 bytes), the record header (17), the expiry index key (73) and the
 * order index entry (73 + 12); docs/STORAGE.md.  The memory store costs
 * less; the cap counts this.
 */
#define QUOTA_VALUE_OVERHEAD	240
#define QUOTA_SOURCES		1024	/* sources accounted at once */
#define QUOTA_LEDGER_MAX	(1u << 18)	/* values attributed, at most */
#define QUOTA_KEYS_MIN		64	/* (source, key) counts kept */
#define QUOTA_KEYS_MAX		8192
#define QUOTA_EVICT_MAX		64	/* evictions for one value, at most */

struct quota_limits {
	uint32_t	per_key;	/* values per source under one key */
	uint64_t	source_bytes;	/* cost one source may hold; 0: no cap */
	uint32_t	prefix_per_key;	/* values per prefix, one key; 0: none */
	uint64_t	prefix_bytes;	/* cost one prefix may hold; 0: no cap */
	uint64_t	total;		/* cost the store may hold; 0: no cap */
	int		limit_local;	/* LAN, loopback: by IP too */
	uint32_t	value_overhead;	/* 0: QUOTA_VALUE_OVERHEAD */
};

enum quota_verdict {
	QUOTA_OK = 0,
	QUOTA_EVICT,		/* evict *victim, then ask again */
	QUOTA_REFUSE_KEY,	/* the source's (or prefix's) values, key */
	QUOTA_REFUSE_SOURCE,	/* the source's (or its prefix's) bytes */
	QUOTA_REFUSE_FULL,	/* full, and the source is the heaviest */
};

/* A value to evict: already gone from the accounting. */
struct quota_victim {
	struct id	key;
	uint8_t		hash[32];
};

struct quota;

struct quota	*quota_new(const struct quota_limits *, uint64_t salt);
void		 quota_free(struct quota *);

/* What a value of len bytes costs, at QUOTA_VALUE_OVERHEAD. */
uint64_t	 quota_cost(size_t len);
/*
 * What the store holds costs: values * overhead + bytes, at the
 * overhead of the quota's limits (an encrypted store's is larger).
 */
uint64_t	 quota_store_cost(const struct quota *, uint64_t values,
		    uint64_t bytes);

/*
 * May `from` store a value of `len` bytes under key, when the store's
 * values cost store_cost?  The limits hold per source and per prefix
 * (/24, /64; a loopback or private source is its own prefix unless
 * limit_local).  QUOTA_EVICT fills *victim: the oldest value of the
 * heaviest source of the heaviest prefix (not `from`), which the caller
 * deletes before it asks again.
 */
enum quota_verdict quota_admit(struct quota *, const struct addr *from,
	    const struct id *key, size_t len, uint64_t store_cost,
	    int64_t now_ms, struct quota_victim *victim);
/*
 * The store holds all the values it may under key (its values-per-key
 * cap, or its byte cap): which value makes room for one from `from`
 * (NULL: a local put)?  The oldest under key of the source with the most
 * values under key, if that is at least two more than `from` holds there
 * (each source keeps a fair share: the rule cannot be turned against an
 * honest source); for a local put, if any source holds one.  Returns 1
 * with *victim (already out of the accounting), or 0: nothing to evict.
 * Costs a pass over the sources (QUOTA_SOURCES) and one source's values.
 */
int	quota_key_victim(struct quota *, const struct addr *from,
	    const struct id *key, struct quota_victim *victim);
/* A value from `from` was stored (new, not a refresh). */
void	quota_add(struct quota *, const struct addr *from, const struct id *key,
	    const uint8_t hash[32], size_t len, int64_t expires_ms);
/* Would a STORE get in at all?  If not, no write tokens are handed out. */
int	quota_accepting(const struct quota *, uint64_t store_cost);

/* How much `from`'s class holds (tests, status): values and cost. */
void	quota_source_usage(const struct quota *, const struct addr *from,
	    uint64_t *values, uint64_t *cost);
/* What `from`'s prefix holds, all its sources together: cost. */
uint64_t quota_prefix_cost(const struct quota *, const struct addr *from);

#endif

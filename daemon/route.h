/*
 * route — the Kademlia routing table: 256 k-buckets by common-prefix length
 * with our own ID (the three far ones wider), a bounded replacement cache
 * per bucket, ping-before-evict *decisions* and refresh bookkeeping.
 * Sans-I/O: sends nothing, reads no clock (callers pass monotonic
 * `now_ms`, never decreasing from call to call: bucket order relies on
 * it) and draws no random numbers.
 */
#ifndef EMO_ROUTE_H
#define EMO_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "id.h"

#define ROUTE_K			20	/* nodes per bucket */
#define ROUTE_BUCKETS		ID_BITS	/* bucket i: prefixlen(self, id) == i */
#define ROUTE_REPLACEMENTS	8	/* replacement cache per bucket */
#define ROUTE_MAX_FAILS		2	/* consecutive timeouts before removal */
/*
 * Wide far buckets (libtorrent's extended routing table), unless
 * route_set_wide says otherwise: buckets 0, 1 and 2, which cover 7/8 of
 * the key space, hold 8, 4 and 2 times ROUTE_K (route_bucket_cap).  A
 * network of up to about 300 nodes then fits whole in a table, so a put
 * there stores at once (route_complete_near) and a get asks the closest
 * straight away; in a big one a lookup's first answers land closer.
 * ROUTE_WIDE_EXTRA is the entries they add.
 */
#define ROUTE_WIDE_EXTRA	((8 - 1) + (4 - 1) + (2 - 1))
#define ROUTE_MAX_NODES		((ROUTE_BUCKETS + ROUTE_WIDE_EXTRA) * ROUTE_K)
/*
 * A ping decision not resolved by route_seen/route_failed within this long
 * is forgotten, so a lost completion cannot freeze a bucket.  Must exceed
 * the RPC timeout times its retries.
 */
#define ROUTE_PING_STALE_MS	120000
/*
 * IP diversity (geth's table limits, libtorrent's restrict_routing_ips):
 * entries of one host (any port) in the table, of one /24 (IPv6: /64) in
 * a bucket and in the table.  Loopback and private addresses are exempt
 * unless route_set_limit_local says otherwise.  Cached replacements obey
 * the same limits, counted against the buckets' entries.
 */
#define ROUTE_IP_MAX		2
#define ROUTE_PREFIX_BUCKET_MAX	2
#define ROUTE_PREFIX_TABLE_MAX	10
/* route_closest_fast considers at most twice this many candidates. */
#define ROUTE_FAST_MAX		64

struct route_node {
	struct id	id;
	struct addr	addr;
	uint64_t	last_seen_ms;	/* last reply (or admission) */
	uint64_t	ping_ms;	/* when `pinging` was set */
	uint32_t	rtt_us;		/* smoothed round trip (rpc's); 0 = unknown */
	uint8_t		fails;		/* consecutive timeouts */
	uint8_t		pinging;	/* a liveness ping was requested */
};

enum route_result {
	ROUTE_IGNORED = 0,	/* self, or an unusable address */
	ROUTE_ADDED,		/* new entry in a bucket with room */
	ROUTE_UPDATED,		/* known: now most recently seen */
	ROUTE_PING,		/* bucket full: ping *ping_out, newcomer cached */
	ROUTE_CACHED,		/* bucket full, its oldest already pinged */
	ROUTE_CONFLICT,		/* known ID from another address: kept old */
	ROUTE_REFUSED,		/* over an IP diversity limit: not kept */
};

struct route_stats {
	uint64_t	refused_ip;	/* over ROUTE_IP_MAX */
	uint64_t	refused_prefix;	/* over a /24 (/64) limit */
};

struct route;

struct route	*route_new(const struct id *self, uint64_t now_ms);
void		 route_free(struct route *);
const struct id	*route_self(const struct route *);

/* Port non-zero, family IPv4/IPv6, not unspecified, multicast, broadcast. */
int		 route_addr_usable(const struct addr *);
/* Loopback and private addresses count against the IP limits too. */
void		 route_set_limit_local(struct route *, int on);
/*
 * Wide far buckets (the default), or every bucket of ROUTE_K; before the
 * table has entries.
 */
void		 route_set_wide(struct route *, int on);
/*
 * Whether a ping of `id` at `addr` could make it an entry: not in a
 * bucket, its bucket has room, and within the IP limits.  Changes
 * nothing, counts nothing.
 */
int		 route_admissible(const struct route *, const struct id *,
		    const struct addr *);
void		 route_get_stats(const struct route *, struct route_stats *);

/*
 * Records that `id` at `addr` answered us (or sent a request that passed
 * the anti-spoofing check).  rtt_us is the caller's smoothed round trip
 * to that address (rpc_rtt), or 0 when it has nothing new.  A reply
 * resets the failure count and clears `pinging`.  On ROUTE_PING the caller
 * must ping the node copied to ping_out and report the outcome through
 * route_seen or route_failed; ping_out may be NULL only for callers that
 * never act on pings (the result is then ROUTE_CACHED).  A new node (or a
 * known one at a new address) over an IP limit is ROUTE_REFUSED.
 */
enum route_result route_seen(struct route *, const struct id *,
		    const struct addr *, uint64_t now_ms, uint32_t rtt_us,
		    struct route_node *ping_out);
/*
 * An RPC to `id` timed out.  Returns 1 if the node was removed (after
 * ROUTE_MAX_FAILS in a row; the newest cached replacement takes its slot),
 * 0 if it stays, -1 if it is not in the table.  A cached replacement that
 * fails is dropped from the cache (return 1).
 */
int		 route_failed(struct route *, const struct id *, uint64_t now_ms);
/* Drops a node from its bucket or cache; 0, or -1 if unknown. */
int		 route_remove(struct route *, const struct id *);

/*
 * The `max` nodes closest to target by XOR distance, closest first; never
 * self, never a node with fails >= ROUTE_MAX_FAILS.  Returns the count.
 */
size_t		 route_closest(const struct route *, const struct id *target,
		    size_t max, struct route_node *out);
/*
 * route_closest's IDs only (max clamped to ROUTE_FAST_MAX), pointing into
 * the table and valid until it next changes, each with its failure count:
 * for a caller that keeps few of those it looks at and copies only those
 * (route_get).
 */
size_t		 route_closest_ids(const struct route *,
		    const struct id *target, size_t max, const struct id **ids,
		    uint8_t *fails);
/*
 * Latency-aware variant: takes the 2*max closest (max clamped to
 * ROUTE_FAST_MAX), orders them by distance class (the common-prefix length
 * with target, longer first), then within a class by known RTT (lower
 * first, unknown last), then by XOR distance, and returns the first max.
 * A farther class is never preferred to a closer one.
 */
size_t		 route_closest_fast(const struct route *,
		    const struct id *target, size_t max,
		    struct route_node *out);

/*
 * 1 if no bucket that route_closest would take max entries from (in its
 * order: target's bucket, the deeper ones, then the shallower ones) is
 * full or has ever turned a node away for the IP limits: every node we
 * have heard of there is in the table, none was refused or cached for
 * want of room.  So the table's max closest to target are the closest we
 * know of (op_put: a put's first step).
 */
int		 route_complete_near(const struct route *,
		    const struct id *target, size_t max);
size_t		 route_count(const struct route *);
/* Copies the table entry for id; 0, or -1 if not in a bucket. */
int		 route_get(const struct route *, const struct id *,
		    struct route_node *out);
/* Entries bucket `index` holds at most: ROUTE_K, more for wide far ones. */
size_t		 route_bucket_cap(const struct route *, int index);
/* Node and cache counts of bucket `index`; -1 if index is out of range. */
int		 route_bucket_count(const struct route *, int index,
		    size_t *ncached);
/*
 * Entries of buckets from..to (inclusive, clamped) that route_closest
 * would return: those not written off for failures.
 */
size_t		 route_usable(const struct route *, int from, int to);
/* Up to max entries, bucket 0 first, least recently seen first. */
size_t		 route_export(const struct route *, struct route_node *out,
		    size_t max);

/* A lookup for an ID in this bucket ran: it counts as refreshed. */
void		 route_touch_bucket(struct route *, const struct id *,
		    uint64_t now_ms);
/*
 * The bucket refreshed longest ago, if at least interval_ms ago, among
 * buckets 0 .. (deepest non-empty bucket + 1); -1 if none or the table is
 * empty.
 */
int		 route_stale_bucket(const struct route *, uint64_t now_ms,
		    uint64_t interval_ms);
/* An ID whose prefix length with self is exactly index; -1 if invalid. */
int		 route_random_id_in_bucket(const struct route *, int index,
		    const uint8_t random[ID_LEN], struct id *out);
/*
 * The least recently seen node not seen for stale_ms and not being
 * pinged.  Marks it pinging (report the outcome as for ROUTE_PING), so
 * successive calls walk through the stale nodes.  1 if found, else 0.
 */
int		 route_oldest_unpinged(struct route *, uint64_t now_ms,
		    uint64_t stale_ms, struct route_node *out);

#endif

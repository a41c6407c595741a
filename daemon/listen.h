/*
 * listen — the subscriptions we serve: nodes that sent us a Listen for a
 * key (with the write token we gave their address: a proven address) and
 * are pushed a Notify for each value stored here under that key, until
 * the subscription expires, is cancelled, or its subscriber stops
 * answering.  Bounded in total, per source host and per key; pushes are
 * rate-limited per subscription.  Holds nothing and arms no timer while
 * nobody subscribes.  Does not touch the store's writes or the routing
 * table.
 */
#ifndef EMO_LISTEN_H
#define EMO_LISTEN_H

#include <stddef.h>
#include <stdint.h>

#include "env.h"

#define LISTEN_MAX_SUBS		4096	/* subscriptions served, in all */
#define LISTEN_MAX_PER_SOURCE	64	/* per subscriber host (IP) */
#define LISTEN_MAX_PER_KEY	256	/* per key */
#define LISTEN_LIFETIME_MS	600000	/* unless refreshed by a Listen */
#define LISTEN_PUSH_PER_S	20	/* Notify per subscription, sustained */
#define LISTEN_PUSH_BURST	40
#define LISTEN_MAX_INFLIGHT	8	/* unanswered Notify per subscription */
/*
 * Values not pushed (over the rate or in-flight cap) are not lost: the
 * subscription remembers the oldest one's creation time and, this often
 * while it is behind, pushes the live values since then in one Notify.
 */
#define LISTEN_CATCHUP_MS	100

struct listen_stats {
	uint64_t	subs;		/* served now */
	uint64_t	accepted;	/* new subscriptions */
	uint64_t	refreshed;
	uint64_t	refused;	/* bad token or a limit */
	uint64_t	expired;	/* not refreshed in time */
	uint64_t	dropped;	/* subscriber gone, cancelled, or unwilling */
	uint64_t	pushed;		/* Notify sent */
	uint64_t	push_limited;	/* values not pushed: rate or in flight */
	uint64_t	catchups;	/* Notify of values left behind */
};

struct listen;

struct listen	*listen_new(const struct env *);
void		 listen_free(struct listen *);

/*
 * A Listen request from `from`: answered (ListenAck, or an Error), and the
 * live values since its since_ms pushed at once.  Returns 1 if the sender
 * may enter the routing table (its token was good, which proves its
 * address), else 0.  A bad token's Error is no longer than the request
 * (qlen bytes), or not sent.
 */
int	listen_request(struct listen *, const struct addr *from,
	    const struct wire_msg *q, size_t qlen, int64_t now_ms,
	    int64_t wall_ms);
/* A value was stored here under key: pushes it to key's subscribers. */
void	listen_stored(struct listen *, const struct id *key,
	    const struct wire_value *v, int64_t now_ms);
/*
 * Drops expired subscriptions and catches up those left behind; when to
 * run next (INT64_MAX: none held).
 */
int64_t	listen_tick(struct listen *, int64_t now_ms, int64_t wall_ms);
void	listen_get_stats(const struct listen *, struct listen_stats *);

#endif

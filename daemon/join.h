/*
 * join — getting into the network and staying there: pings to the
 * bootstrap addresses with backoff, the lookup of our own ID, a lookup
 * for each empty bucket after it, the lookup of our own ID once more a
 * little later, bucket refresh, and liveness pings (stale nodes, and the
 * ping-before-evict the routing table asks for).
 */
#ifndef EMO_JOIN_H
#define EMO_JOIN_H

#include "env.h"
#include "op.h"

#define JOIN_BOOT_MIN_MS	1000	/* bootstrap backoff: 1 s .. 60 s */
#define JOIN_BOOT_MAX_MS	60000
#define JOIN_MAINT_INTERVAL_MS	5000	/* refresh checks, stale pings */
/*
 * The lookup of our own ID again, this long after the first ended: nodes
 * that joined at the same moment were not yet in the answers (a node
 * admits a newcomer once it has answered a Ping), and in a network small
 * enough for one bucket nothing else would bring them before a refresh.
 */
#define JOIN_AGAIN_MS		10000
#define JOIN_STALE_PINGS	2	/* stale nodes pinged per check */

struct join;

struct join	*join_new(const struct env *, struct op_set *, int64_t now_ms);
void		 join_free(struct join *);

/* Joins through these addresses (replacing the last list); -1: memory. */
int	join_bootstrap(struct join *, const struct addr *, size_t n,
	    int64_t now_ms);
/* Asks a node whether it is alive; its answer or silence updates route. */
void	join_ping(struct join *, const struct route_node *, int64_t now_ms);
void	join_step(struct join *, int64_t now_ms);

/* Where bootstrapping stands, for the operator's log. */
struct join_boot {
	uint32_t	rounds;		/* rounds sent since the last answer */
	size_t		naddrs;		/* bootstrap addresses */
	struct addr	first;		/* the first of them */
	int64_t		next_ms;	/* next round; INT64_MAX: none due */
};
void	join_boot_state(const struct join *, struct join_boot *);
int64_t	join_deadline(const struct join *);

#endif

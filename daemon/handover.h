/*
 * handover — gives a new neighbour the keys it is now among the k closest
 * for: a queue of new nodes, each walked over our keys in bounded batches
 * from dht_periodic (never from the receive path), STOREs with the token
 * the node gave us.
 */
#ifndef EMO_HANDOVER_H
#define EMO_HANDOVER_H

#include "env.h"
#include "ratelimit.h"

#define HANDOVER_QUEUE		256	/* new nodes awaiting their keys */
#define HANDOVER_BATCH		64	/* keys examined per step */
#define HANDOVER_BYTES		(1u << 20)	/* value bytes sent per step */
#define HANDOVER_PAGE		64	/* values read from the store at once */
#define HANDOVER_SENDERS	(ROUTE_K / 2)	/* holders that send a key */
#define HANDOVER_NEAR		(2 * ROUTE_K)	/* neighbours that may get any */
/*
 * Requests a second to the new node (token FIND_NODEs and STOREs), and at
 * once: half a default peer's rate_limit and rate_burst, so that the rest
 * of what we send it still gets through.  Unpaced, a walk asks a token as
 * soon as the last one came, thousands a second on a fast link: the new
 * node's rate limit then dropped them (and our other requests to it),
 * each a resend a timeout later, or the end of the walk.
 */
#define HANDOVER_RATE		(RATELIMIT_PER_S / 2)
#define HANDOVER_BURST		(RATELIMIT_BURST / 2)

struct handover_stats {
	uint64_t	values_handed_over;
	uint64_t	skipped;	/* new nodes too far to matter */
	uint64_t	dropped;	/* the queue was full */
};

struct handover;

struct handover	*handover_new(const struct env *);
void		 handover_free(struct handover *);

/* A node just entered our routing table. */
void	handover_add(struct handover *, const struct id *,
	    const struct addr *);
/* Work is due now (room to do it, and HANDOVER_RATE allows a request). */
int	handover_busy(const struct handover *, int64_t now_ms);
/* When the rate next allows the head job a request; INT64_MAX: no wait. */
int64_t	handover_deadline(const struct handover *);
void	handover_step(struct handover *, int64_t now_ms, int64_t wall_ms);
void	handover_get_stats(const struct handover *, struct handover_stats *);
/*
 * Whether handover_step would give key to the new neighbour node, as the
 * table stands: the decision it takes for each key (check_handover holds
 * it against a brute-force oracle).
 */
int	handover_would_send(const struct handover *, const struct id *node,
	    const struct id *key);

#endif

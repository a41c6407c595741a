/*
 * lookup — the iterative Kademlia node lookup (§2.3) as a state machine:
 * a bounded shortlist sorted by XOR distance to the target.  The caller
 * sends the queries it is handed and reports replies and failures; nothing
 * here touches sockets, timers, the clock or the routing table.
 */
#ifndef EMO_LOOKUP_H
#define EMO_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include "id.h"
#include "route.h"

#define LOOKUP_MAX_K		64	/* result size bound */
#define LOOKUP_MAX_ALPHA	16	/* queries in flight bound */
/* Shortlist capacity: LOOKUP_CAND_PER_K * k + alpha candidates. */
#define LOOKUP_CAND_PER_K	4
/*
 * Queries one lookup may send: LOOKUP_QUERIES_PER_K * k + alpha (63 for
 * k = 20, alpha = 3).  An honest lookup in a 1,000-node simulated network
 * sends about 22; one that keeps being handed closer nodes that do not
 * exist (or that name still closer ones) would otherwise never end.
 */
#define LOOKUP_QUERIES_PER_K	3

enum lookup_state {
	LOOKUP_NEW = 0,		/* known, not queried */
	LOOKUP_INFLIGHT,	/* handed out by lookup_next */
	LOOKUP_REPLIED,
	LOOKUP_FAILED,
};

struct lookup_stats {
	uint32_t	queries;	/* handed out by lookup_next */
	uint32_t	replies;
	uint32_t	failures;
	uint32_t	learned;	/* candidates added from replies */
	uint32_t	hops;		/* longest referral chain that replied */
	uint32_t	ip_refused;	/* over lookup_limit_ip's cap */
	uint32_t	stalls;		/* queries that went unanswered once */
	uint8_t		capped;		/* ended by the query cap */
	uint8_t		stopped;	/* ended by lookup_stop */
};

struct lookup;

/*
 * Seeds (typically route_closest) start the shortlist at hop 0.  Self and
 * nodes with unusable addresses are skipped.  NULL with errno EINVAL if
 * alpha is not 1..LOOKUP_MAX_ALPHA or k not 1..LOOKUP_MAX_K, ENOMEM.
 */
struct lookup	*lookup_new(const struct id *target, const struct id *self,
		    const struct route_node *seeds, size_t nseeds,
		    unsigned alpha, unsigned k);
void		 lookup_free(struct lookup *);
/*
 * From now on, a candidate whose IP address already has per_ip candidates
 * on the shortlist is not added (0: no cap): one host answering from many
 * ports with IDs near the target would otherwise take all k places of the
 * result, however few routing-table slots it holds.  Loopback and private
 * addresses are exempt unless limit_local.  Seeds are already the routing
 * table's, which has the same cap.
 */
#define LOOKUP_IP_MAX		2
void		 lookup_limit_ip(struct lookup *, unsigned per_ip,
		    int limit_local);

/*
 * If fewer than alpha queries are in flight and a NEW candidate is among
 * the k closest non-failed ones (a stalled one, lookup_stalled, does
 * not count: the next is asked meanwhile), marks the closest such
 * INFLIGHT, copies it to out and returns 1; else 0 (always 0 once the
 * query cap is spent or the lookup was stopped).  Call until it returns 0.  Once the closest
 * non-failed candidate has REPLIED (its answer named none closer), up to
 * k may be in flight: Kademlia's last step asks the rest of the k
 * closest at once (§2.3), which takes rounds of waiting off every lookup.
 */
int		 lookup_next(struct lookup *, struct route_node *out);
/*
 * While narrowed to n (not 0), only the n closest candidates that
 * neither failed nor stalled are asked, at most alpha at a time, also in
 * the last step: a get whose closest answers agree ends on OP_GET_QUORUM
 * of them, and any other node asked would send an answer it no longer
 * needs (op_get.h).  A closer node an answer names, or one that takes
 * the place of a failed or stalled one, is among the n and is asked.
 */
void		 lookup_narrow(struct lookup *, unsigned n);
/*
 * The seeds are taken for the k closest there are (the caller knows its
 * table is complete there: route_complete_near): the lookup starts at its
 * last step, k in flight.  Answers naming closer nodes still count.
 */
void		 lookup_widen(struct lookup *);
/*
 * 1 once the lookup is in Kademlia's last step (the closest candidate
 * that neither failed nor stalled answered, and it is not narrowed): the
 * candidates lookup_next hands out now are the rest of the k closest.
 */
int		 lookup_last_step(const struct lookup *);
/* A mark the caller sets on a candidate (a put: it stored there). */
void		 lookup_mark(struct lookup *, const struct id *);
int		 lookup_marked(const struct lookup *, const struct id *);
/*
 * `from` answered with `nodes`.  An INFLIGHT `from` becomes REPLIED.  Each
 * node is merged under its own ID (self, duplicates and unusable addresses
 * skipped; a node already listed keeps its state and address); when the
 * shortlist is full, a closer node displaces the farthest candidate not in
 * flight.  Returns the number of candidates added.
 */
size_t		 lookup_reply(struct lookup *, const struct id *from,
		    const struct route_node *nodes, size_t n);
/* The query to `from` failed for good; 0, or -1 if it was not pending. */
int		 lookup_failed(struct lookup *, const struct id *from);
/*
 * A FAILED candidate among the k closest that are not failed becomes NEW
 * once more (lookup_asked_again tells it is its second chance): all tries
 * of a query to a live node are lost now and then, and the closest node
 * must not be left out for it.  Once per candidate; 0, or -1.
 */
int		 lookup_again(struct lookup *, const struct id *);
int		 lookup_asked_again(const struct lookup *, const struct id *);
/*
 * The query to `from` went unanswered once and was resent: it stays in
 * flight (an answer still counts, and the lookup still waits for it if it
 * is among the k closest) but no longer holds one of the alpha places, so
 * a dead node does not hold the lookup back.  0, or -1 if not pending.
 */
int		 lookup_stalled(struct lookup *, const struct id *from);
/*
 * True once the k closest non-failed candidates have all REPLIED (or fewer
 * than k are left and all of them have), once the query cap is spent and
 * no query is in flight, or once lookup_stop was called.  Queries to candidates pushed out
 * of the k closest may still be in flight: their answers can be dropped.
 */
int		 lookup_done(const struct lookup *);
/*
 * Like lookup_done, but a stalled candidate (lookup_stalled: it missed
 * its first, RTT-derived timeout and was resent) counts as failed: true
 * once the k closest candidates that neither failed nor stalled have all
 * REPLIED.  The next ones were asked in their place (lookup_next), so k
 * answers from the closest responsive nodes are in; a stalled node that
 * is alive after all (its answer or its resend's is still merged) is the
 * only one left out.  The lookups of gets and puts end on it (op_get.c,
 * op_put.c); join and refresh lookups wait for lookup_done.
 */
int		 lookup_settled(const struct lookup *);
/*
 * The closest candidates that REPLIED, closest first, skipping failed and
 * stalled ones and ending at the first one not asked yet or still (not
 * stalled) in flight, or at max: the answers no closer candidate we know
 * of can add to.  Returns how many IDs went to out.
 */
size_t		 lookup_head(const struct lookup *, struct id *out,
		    size_t max);
/*
 * The closest max candidates that neither failed nor stalled, closest
 * first, with whether each REPLIED (replied[i]).  Returns how many.
 */
size_t		 lookup_live(const struct lookup *, struct id *out,
		    uint8_t *replied, size_t max);
/*
 * Ends the lookup with what it has (a deadline): no more queries, and
 * lookup_done is true from now on.  Answers still in flight are merged.
 */
void		 lookup_stop(struct lookup *);
/* The closest REPLIED candidates, closest first, at most min(k, max). */
size_t		 lookup_result(const struct lookup *, struct route_node *out,
		    size_t max);

/* State of a candidate, or -1 if it is not on the shortlist. */
int		 lookup_state(const struct lookup *, const struct id *);
unsigned	 lookup_inflight(const struct lookup *);
size_t		 lookup_size(const struct lookup *);
size_t		 lookup_capacity(const struct lookup *);
const struct id	*lookup_target(const struct lookup *);
void		 lookup_get_stats(const struct lookup *, struct lookup_stats *);

#endif

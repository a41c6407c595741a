/*
 * serve — answers other nodes' requests: PING, FIND_NODE, FIND_VALUE (a
 * page of values at a time; longer than a datagram only for an address
 * that proved itself) and STORE, which must carry the write token we gave
 * its source address and whose values are clamped before they reach the
 * store.  It tells the engine, through the hook it was given, of each
 * value a STORE put in the store.
 */
#ifndef EMO_SERVE_H
#define EMO_SERVE_H

#include "env.h"

#define SERVE_ANSWER_SPARE	8	/* extra candidates for an answer */

struct serve_stats {
	uint64_t	rx_dropped_token;	/* STORE with a bad token */
	uint64_t	values_stored;		/* by STORE from the network */
	uint64_t	answers_cut;	/* long answers cut to one datagram */
};

/* A value a STORE from the network put in the store. */
typedef void	serve_stored_cb(void *arg, const struct id *key,
		    const uint8_t *data, size_t len, int64_t now_ms);

struct serve;

struct serve	*serve_new(const struct env *, serve_stored_cb *, void *arg);
void		 serve_free(struct serve *);

/*
 * Answers request q from `from`.  Returns 1 if the sender may enter the
 * routing table (it asked as a node may), 0 if not (a refused STORE).
 */
int	serve_request(struct serve *, const struct addr *from,
	    const struct wire_msg *q, int64_t now_ms, int64_t wall_ms);
void	serve_get_stats(const struct serve *, struct serve_stats *);

#endif

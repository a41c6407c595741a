/*
 * repub — republishing: once per republish interval (with jitter) a
 * bounded walk over the store's keys stores each key's values again at
 * the key's current k closest nodes, with their original creation and
 * expiry times.  Each key is one operation of its own kind (a FIND_NODE
 * lookup, then windows of STOREs), at most REPUB_JOBS at once.
 */
#ifndef EMO_REPUB_H
#define EMO_REPUB_H

#include "env.h"
#include "op.h"

#define REPUB_MIN_INTERVAL_MS	1000
#define REPUB_JOBS		4	/* keys republished at once */
#define REPUB_KEYS_PER_STEP	64	/* keys examined per step */
#define REPUB_PAGE		16	/* values read and sent at once */
#define REPUB_WINDOW		24	/* STOREs in flight per key */
#define REPUB_MAX_BYTES		(4u << 20)	/* in flight in all */
/*
 * Values received by STORE within the interval are not republished (the
 * sender republished them to all k closest: Kademlia §2.5), remembered
 * in a bounded cache of hashes; a forgotten one is merely sent again.
 */
#define REPUB_SEEN_MIN		16
#define REPUB_SEEN_MAX		65536	/* 16 bytes each */
/* Known holders (hold.h) are trusted for this many intervals. */
#define REPUB_HOLD_INTERVALS	3

struct repub_stats {
	uint64_t	passes;
	uint64_t	keys;		/* keys looked up */
	uint64_t	values;		/* acknowledged by their nodes */
	uint64_t	suppressed;	/* values received recently */
	uint64_t	known_keys;	/* all holders known: skipped */
	uint64_t	known_nodes;	/* holders not sent again */
};

struct repub;

struct repub	*repub_new(const struct env *, struct op_set *, int64_t now_ms);
void		 repub_free(struct repub *);

/*
 * A STORE from the network brought the value named `hash` (sigval_hash,
 * as the store names it) under key: it may rest a while.
 */
void	repub_seen_note(struct repub *, const struct id *key,
	    const uint8_t hash[SIGVAL_HASH_LEN], int64_t now_ms);
void	repub_step(struct repub *, int64_t now_ms, int64_t wall_ms);
int64_t	repub_deadline(const struct repub *);
void	repub_get_stats(const struct repub *, struct repub_stats *);

#endif

/*
 * op_watch — the subscriptions we hold: a watch of a key looks the key up,
 * sends a Listen (with each node's write token) to the k closest nodes,
 * which push each value stored there (Notify); it refreshes them, looks
 * the key up again now and then and whenever a node drops out (churn),
 * takes values stored on this node too, and hands each new value (the
 * same bytes once) to its caller until stopped.  The watches live on a
 * list the engine owns; an empty list costs no timer and no memory.
 */
#ifndef EMO_OP_WATCH_H
#define EMO_OP_WATCH_H

#include "op.h"

#define OP_WATCH_MAX		256	/* watches at once, per node */
#define OP_WATCH_CHECK_MS	60000	/* Listen again at each node */
#define OP_WATCH_RELOOKUP_MS	300000	/* the closest set may have moved */
#define OP_WATCH_RETRY_MS	2000	/* a node dropped out: look again,
					   doubling to 64 s while none answers */
#define OP_WATCH_EMPTY_MS	10000	/* a lookup found no node: again */
#define OP_WATCH_SEEN		1024	/* values remembered, not repeated */

/* One value, or (end set) the watch's end. */
struct op_watch_event {
	int			 end;
	enum dht_err		 err;		/* at the end */
	const char		*msg;
	const uint8_t		*data;		/* a value, valid during the call */
	size_t			 len;
	int64_t			 created_ms;
	int64_t			 expires_ms;
};

typedef void	op_watch_cb(void *arg, const struct op_watch_event *);

struct op_watch_stats {
	uint64_t	watches;	/* running now */
	uint64_t	subs_held;	/* nodes that acknowledged, now */
	uint64_t	listens_sent;
	uint64_t	subs_lost;	/* nodes that stopped answering */
	uint64_t	notify_rx;
	uint64_t	notify_refused;	/* for no watch of ours from there */
	uint64_t	values;		/* handed to watchers */
};

struct op_watch;
struct op_watch_list;

struct op_watch_list *op_watch_list_new(const struct env *);
void	op_watch_list_free(struct op_watch_list *);	/* ops are op_set's */

/*
 * Starts a watch of key for values created at or after since_ms (0: all
 * live values, those held now first).  NULL (cb never called) without a
 * slot.  cb gets each value, then once the end: after op_watch_stop or
 * when the engine is freed never (op_set_free completes nothing).
 */
struct op_watch *op_watch_start(struct op_set *, struct op_watch_list *,
	    const struct id *key, int64_t since_ms, int64_t now_ms,
	    int64_t wall_ms, op_watch_cb *, void *arg);
/* No more values; the end is reported from the next completion run. */
void	op_watch_stop(struct op_watch *, int64_t now_ms);

/* A Notify from the network: answered; 1 if one of our watches took it. */
int	op_watch_notify(struct op_watch_list *, const struct addr *from,
	    const struct wire_msg *q, int64_t now_ms, int64_t wall_ms);
/* A value stored on this node (a put here, or a STORE). */
void	op_watch_local(struct op_watch_list *, const struct id *key,
	    const struct wire_value *, int64_t wall_ms);
/* Refreshes and lookups due; when to run next (INT64_MAX: no watch). */
int64_t	op_watch_tick(struct op_watch_list *, int64_t now_ms, int64_t wall_ms);
void	op_watch_get_stats(const struct op_watch_list *,
	    struct op_watch_stats *);

#endif

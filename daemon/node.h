/*
 * node — the engine's event-loop side: owns the store, the UDP transport,
 * the dht engine and their timers, and offers the asynchronous
 * node_put/get/ping/peers/status API that the control server calls.  Each
 * completion callback fires exactly once.
 */
#ifndef EMO_NODE_H
#define EMO_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "dht.h"	/* enum dht_err: results carry the engine's codes */
#include "id.h"
#include "keys.h"
#include "net.h"
#include "route.h"
#include "store.h"

struct conf;
struct event_base;
struct node;

struct node_put_result {
	enum dht_err	 err;
	const char	*msg;		/* set when err != DHT_OK */
	uint32_t	 acks;
	int64_t		 created_ms;
	int64_t		 expires_ms;
};

struct node_get_result {
	enum dht_err		 err;
	const char		*msg;
	struct store_result	 values;	/* owned by the node */
	int			 truncated;	/* see op_get.h */
	uint32_t		 omitted;
	int64_t			 next_since_ms;
};

struct node_ping_result {
	enum dht_err	 err;
	const char	*msg;
	struct id	 id;
	uint32_t	 rtt_us;
};

typedef void	node_put_cb(void *arg, const struct node_put_result *);
typedef void	node_get_cb(void *arg, const struct node_get_result *);
typedef void	node_ping_cb(void *arg, const struct node_ping_result *);
/* Each value of a watch, then once its end (op_watch.h). */
typedef void	node_watch_cb(void *arg, const struct op_watch_event *);
struct node_op;

struct node_peer {
	struct id	id;
	char		address[64];
	int64_t		last_seen_ms;	/* ms ago */
	uint32_t	rtt_us;
};

#define NODE_MAX_PEERS		ROUTE_MAX_NODES

/*
 * The heap: main sets malloc's trim threshold to NODE_TRIM_THRESHOLD, so
 * that freeing an operation's state at the top of the heap does not give
 * pages back only to fault them in again for the next one; the expiry
 * sweep gives back what is free when that is NODE_TRIM_MIN or more.
 */
#define NODE_TRIM_THRESHOLD	(8u << 20)
#define NODE_TRIM_MIN		(1u << 20)

/* The node's own counters; control.c's counter table names them. */
struct node_stats {
	uint64_t	puts, put_errors, gets, get_not_found;
	uint64_t	expired, syncs;
	uint64_t	heap_trims;	/* malloc_trim calls that freed memory */
	uint64_t	storage_failed;	/* 1 once an fsync failed: read-only */
	uint64_t	store_tampered;	/* the store's, at node_status */
};

struct node_status {
	struct id		id;
	uint8_t			public_key[KEYS_PUBLIC_LEN];	/* id's */
	char			listen[64];
	uint64_t		uptime_s;
	uint32_t		peers;
	struct store_stats	store;
	const char		*storage;
	const char		*data_dir;
	/* "connected", "isolated" or "standalone": see node_put_acks. */
	const char		*network;
	struct node_stats	node;
	struct net_stats	net;
	struct dht_stats	dht;
};

/*
 * Opens the store, binds UDP and arms the timers.  On failure returns NULL
 * with a complete message in err.
 */
struct node	*node_new(struct event_base *, const struct conf *,
		    const struct keys_pair *keys, char *err, size_t errlen);
void		 node_free(struct node *);

/* Joins (again) through the configuration's bootstrap list. */
void	node_rejoin(struct node *);

/* ttl_s 0 = the configured default; above max_ttl is refused. */
void	node_put(struct node *, const struct id *key, const void *data,
	    size_t len, uint32_t ttl_s, node_put_cb *, void *arg);
/*
 * node_put that fails (DHT_ERR_UNAVAILABLE) unless min_acks nodes, this
 * one included, stored the value.  min_acks 0: 1 on a standalone node (no
 * bootstrap list, no saved peers, never a peer), 2 on any other, so that
 * a node cut off from its network says so instead of keeping the value to
 * itself.  A get on such a node that no peer answered is "network
 * unavailable", never "not found".
 */
void	node_put_acks(struct node *, const struct id *key, const void *data,
	    size_t len, uint32_t ttl_s, uint32_t min_acks, node_put_cb *,
	    void *arg);
/*
 * node_put_acks of a signed or immutable value (attr NULL: plain) created
 * at created_ms (0: now; else no later than now + ENV_CLOCK_SKEW_MS: a
 * signed value's creation time is part of what was signed).
 */
void	node_put_value(struct node *, const struct id *key, const void *data,
	    size_t len, const struct value_attr *attr, int64_t created_ms,
	    uint32_t ttl_s, uint32_t min_acks, node_put_cb *, void *arg);
void	node_get(struct node *, const struct id *key, int64_t since_ms,
	    node_get_cb *, void *arg);
/*
 * Watches key: cb gets each value, then the end (after node_watch_stop,
 * at shutdown, or at once with an error, and then NULL is returned).
 */
struct node_op *node_watch(struct node *, const struct id *key,
	    int64_t since_ms, node_watch_cb *, void *arg);
/* Ends a watch whose end has not been reported yet. */
void	node_watch_stop(struct node *, struct node_op *);
/* Pings HOST:PORT (numeric, or a name resolved now). */
void	node_ping(struct node *, const char *address, node_ping_cb *,
	    void *arg);
/* The routing table, at most max entries. */
size_t	node_peers(struct node *, struct node_peer *out, size_t max);
void	node_status(struct node *, struct node_status *);
/* The node's store, for what keeps its own records there (perm). */
struct store *node_store(struct node *);

#endif

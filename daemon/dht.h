/*
 * dht — the sans-I/O Kademlia engine: RPC bookkeeping, request handlers,
 * iterative put/get/ping operations, join, key hand-over, republish and
 * refresh.  It takes (bytes, from-address, now) and calls back to send
 * datagrams; it opens no socket, reads no clock and has no timer of its
 * own: the caller runs dht_periodic() by the deadline it returns.  Many
 * engines can share one process (the simulator runs thousands on a fake
 * network).  docs/PROTOCOL.md, "Engine rules", describes its behaviour.
 */
#ifndef EMO_DHT_H
#define EMO_DHT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "id.h"
#include "route.h"
#include "store.h"

#define DHT_K			20	/* replication factor and bucket size */
#define DHT_MAX_OPS		1024	/* concurrent put/get/ping operations */
#define DHT_MAX_BOOTSTRAP	32
#define DHT_CLOCK_SKEW_MS	60000	/* created_ms may be this far ahead */

/* The caller's side: sending and randomness. */
struct dht_io {
	void	(*send)(void *arg, const struct addr *to, const uint8_t *buf,
		    size_t len);
	void	(*random)(void *arg, void *buf, size_t len);
	void	*arg;
};

struct dht_config {
	unsigned	k;		/* DHT_K unless a test says otherwise */
	unsigned	alpha;		/* requests in flight per lookup */
	uint32_t	rpc_timeout_ms;
	uint32_t	rpc_retries;	/* resends before a request fails */
	uint32_t	max_ttl_s;	/* clamp for values from the network */
	uint32_t	refresh_interval_ms;
	uint32_t	republish_interval_ms;	/* 0: hourly; at least 1000 */
};

/*
 * The one error enum from the engine up: node results carry it too, and
 * control.c maps it to emo.ctl.ErrorCode in one table (control_codes).
 * A new value needs a row there; the build and check_control enforce it.
 */
enum dht_err {
	DHT_OK,
	DHT_ERR_INVALID,	/* malformed or out-of-range request */
	DHT_ERR_NOT_FOUND,	/* no live value under the key */
	DHT_ERR_TOO_LARGE,	/* value over EMO_MAX_VALUE bytes */
	DHT_ERR_STORAGE,	/* the store failed */
	DHT_ERR_UNAVAILABLE,	/* no node answered, shutting down, busy */
	DHT_ERR_TIMEOUT,	/* the network operation timed out */
	DHT_ERR_QUOTA,		/* a storage quota is full */
	DHT_ERR_COUNT		/* not an error: how many there are */
};

struct dht_put_result {
	enum dht_err	 err;
	const char	*msg;
	uint32_t	 acks;		/* nodes that stored it, local included */
	uint32_t	 remote_acks;
};

struct dht_get_result {
	enum dht_err		 err;
	const char		*msg;
	struct store_result	 values;	/* owned by the engine */
	uint32_t		 responders;	/* nodes that answered */
};

struct dht_ping_result {
	enum dht_err	 err;
	const char	*msg;
	struct id	 id;
	uint32_t	 rtt_us;
};

typedef void	dht_put_cb(void *arg, const struct dht_put_result *);
typedef void	dht_get_cb(void *arg, const struct dht_get_result *);
typedef void	dht_ping_cb(void *arg, const struct dht_ping_result *);

struct dht_stats {
	uint64_t	rx_msgs[16];	/* by enum wire_type */
	uint64_t	tx_msgs[16];
	uint64_t	rx_dropped_decode;	/* malformed datagrams */
	uint64_t	rx_dropped_frag;	/* refused by reassembly */
	uint64_t	rx_dropped_unmatched;	/* response to nothing */
	uint64_t	rx_dropped_token;	/* STORE with a bad token */
	uint64_t	rpc_timeouts;
	uint64_t	rpc_retries;
	uint64_t	lookups;
	uint64_t	lookup_queries;
	uint64_t	lookup_hops;	/* summed over lookups: rounds */
	uint64_t	values_stored;	/* by STORE from the network */
	uint64_t	values_handed_over;
	uint64_t	frag_nacks_sent;
	uint64_t	answers_cut;	/* long answers cut to one datagram */
	uint64_t	republish_passes;
	uint64_t	republish_keys;		/* keys looked up */
	uint64_t	republish_values;	/* acknowledged by their nodes */
	uint64_t	republish_suppressed;	/* values received recently */
	uint64_t	republish_known_keys;	/* all holders known: skipped */
	uint64_t	republish_known_nodes;	/* holders not sent again */
	uint64_t	handover_skipped;	/* new nodes too far to matter */
};

struct dht;

/*
 * `store` stays owned by the caller and outlives the engine.  `now_ms` is
 * monotonic time; `wall_ms` Unix time, used only for value times.
 */
struct dht	*dht_new(const struct id *self, struct store *,
		    const struct dht_config *, const struct dht_io *,
		    int64_t now_ms);
void		 dht_free(struct dht *);	/* completes nothing */

/* Joins through these addresses, retrying with backoff until one answers. */
void	dht_bootstrap(struct dht *, const struct addr *, size_t n,
	    int64_t now_ms);

/*
 * One datagram from the network.  It may leave work due at once (the next
 * lookup step, republish STOREs an acknowledgement made room for): call
 * dht_periodic after it, before waiting.
 */
void	dht_input(struct dht *, const struct addr *from, const uint8_t *buf,
	    size_t len, int64_t now_ms, int64_t wall_ms);

/*
 * Runs timers (RPC timeouts, retries, reassembly NACKs, bootstrap backoff,
 * hand-over and republish batches, refresh) and returns the monotonic time
 * by which it must run again: never in the past, and `now_ms` itself
 * while bounded background batches remain.  Completion callbacks run only
 * from dht_input and dht_periodic, never from inside dht_put/dht_get/
 * dht_ping.
 */
int64_t	dht_periodic(struct dht *, int64_t now_ms, int64_t wall_ms);

/*
 * Stores locally, then at the k closest nodes found by an iterative
 * FIND_NODE.  Succeeds when at least one remote node acknowledged, or the
 * table is empty and the local store took it.  -1 (callback not called)
 * only when DHT_MAX_OPS operations are running.
 */
int	dht_put(struct dht *, const struct id *key, const void *data,
	    size_t len, int64_t created_ms, int64_t expires_ms, int64_t now_ms,
	    int64_t wall_ms, dht_put_cb *, void *arg);
/* Local values plus an iterative FIND_VALUE; the union, oldest first. */
int	dht_get(struct dht *, const struct id *key, int64_t since_ms,
	    int64_t now_ms, int64_t wall_ms, dht_get_cb *, void *arg);
int	dht_ping(struct dht *, const struct addr *, int64_t now_ms,
	    dht_ping_cb *, void *arg);

size_t	dht_peers(const struct dht *, struct route_node *out, size_t max);
size_t	dht_peer_count(const struct dht *);
void	dht_get_stats(const struct dht *, struct dht_stats *);
/* Names for dht_stats.rx_msgs/tx_msgs indexes; NULL if unused. */
const char *dht_msg_name(unsigned type);

#endif

/*
 * dht — the sans-I/O Kademlia engine, as the rest of emod sees it: it
 * takes (bytes, from-address, now) and calls back to send datagrams; it
 * opens no socket, reads no clock and has no timer of its own: the caller
 * runs dht_periodic() by the deadline it returns.  Many engines can share
 * one process (the simulator runs thousands on a fake network).  dht.c
 * builds the engine's parts and routes input between them; the map of the
 * parts is in docs/HACKING.md, their rules in docs/PROTOCOL.md, "Engine
 * rules".
 */
#ifndef EMO_DHT_H
#define EMO_DHT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"
#include "id.h"
#include "join.h"
#include "keys.h"
#include "op.h"
#include "op_find.h"
#include "op_get.h"
#include "op_ping.h"
#include "op_put.h"
#include "op_watch.h"
#include "quota.h"
#include "route.h"
#include "store.h"

#define DHT_MAX_BOOTSTRAP	32	/* bootstrap addresses kept */

/*
 * The caller's side: sending and randomness.  send_request, if not NULL,
 * sends the datagrams of our own requests (send the rest: answers,
 * NACKs), so that the caller can keep room for them when answers pile up.
 */
struct dht_io {
	void	(*send)(void *arg, const struct addr *to, const uint8_t *buf,
		    size_t len);
	void	(*send_request)(void *arg, const struct addr *to,
		    const uint8_t *buf, size_t len);
	/*
	 * Optional (NULL: send and send_request only).  A whole message
	 * for a peer that reads bundles (rpc learns which from their
	 * Packets): it may join others queued for the same address in
	 * this pass, in one datagram (WIRE_KIND_BUNDLE) of at most
	 * join_max bytes, as net_send does.  request as for send_request.
	 */
	void	(*send_join)(void *arg, const struct addr *to,
		    const uint8_t *buf, size_t len, int request,
		    size_t join_max);
	void	(*random)(void *arg, void *buf, size_t len);
	void	*arg;
};

/* Zero fields take the defaults in dht.c. */
struct dht_config {
	unsigned	k;		/* ROUTE_K unless a test says otherwise */
	unsigned	alpha;		/* requests in flight per lookup */
	uint32_t	rpc_timeout_ms;
	uint32_t	rpc_retries;	/* resends before a request fails */
	uint32_t	max_ttl_s;	/* clamp for values from the network */
	uint32_t	refresh_interval_ms;
	uint32_t	republish_interval_ms;	/* 0: hourly; at least 1000 */
	/*
	 * Leading zero bits of Keccak-256(ID) a peer's ID needs to enter
	 * the routing table, ours included (ident.h); 0..32, 0: none.
	 */
	unsigned	id_difficulty;
	int		hold_store_acks;	/* StoreAcks wait for dht_flushed */
	int		limit_local;	/* IP limits for LAN, loopback too */
	int		narrow_buckets;	/* no wide far buckets (route_set_wide) */
	/* Loopback peers' messages go whole up to WIRE_MAX_LOCAL_DATAGRAM. */
	int		local_whole;
	/*
	 * Entries kept in each per-address cache (peers' tokens, peers'
	 * RTT estimates and cookies), rounded down to a power of two; 0: each
	 * one's own bound (256, 1024).  The simulator's small nodes.
	 */
	uint32_t	addr_cache_max;
	/* Rate limits (ratelimit.h); 0: RATELIMIT_PER_S, _BURST, _ANSWER_BPS. */
	uint32_t	rate_per_s;	/* requests per second per source */
	uint32_t	rate_burst;
	uint64_t	answer_bps;	/* answer bytes per second, global */
	/* Per-source storage quotas (quota.h); all zero: 256 a key only. */
	struct quota_limits quota;
};

/* Every part's counters, gathered; docs/OPERATIONS.md says what each is. */
struct dht_stats {
	struct op_hist	hist[OP_NHIST];	/* op.h: durations, queries */
	uint64_t	rx_msgs[16];	/* by enum wire_type */
	uint64_t	tx_msgs[16];
	uint64_t	rx_dropped_decode;	/* malformed datagrams */
	uint64_t	rx_dropped_version;	/* of which: another format version */
	uint64_t	rx_dropped_frag;	/* refused by reassembly */
	uint64_t	rx_bundles;	/* kind-3 datagrams read */
	uint64_t	rx_dropped_unmatched;	/* response to nothing */
	uint64_t	rx_dropped_token;	/* STORE with a bad token */
	uint64_t	quota_refused_key;	/* values over a source's per key */
	uint64_t	quota_refused_source;	/* over a source's bytes */
	uint64_t	quota_refused_full;	/* full, the source the heaviest */
	uint64_t	quota_evicted;	/* values evicted for other sources' */
	uint64_t	quota_evicted_key;	/* evicted: their key was full */
	uint64_t	store_refused;	/* STOREd values refused: full */
	uint64_t	value_refused[ENV_VREF_COUNT];	/* env.h: by rule */
	uint64_t	tokens_withheld;	/* answers without: would refuse */
	uint64_t	digests_served;	/* ValueDigests in FIND_VALUE answers */
	uint64_t	values_inlined;	/* with their bytes */
	uint64_t	values_fetched;	/* values in GET_VALUES answers */
	uint64_t	fetch_bad_token;	/* GET_VALUES with a bad token */
	uint64_t	get_fetch_bad;	/* fetched values not matching digests */
	uint64_t	get_fetch_failover;	/* fetches retried elsewhere */
	uint64_t	rpc_timeouts;
	uint64_t	rpc_retries;
	uint64_t	lookups;
	uint64_t	lookup_queries;
	uint64_t	lookup_hops;	/* summed over lookups: rounds */
	uint64_t	values_stored;	/* by STORE from the network */
	uint64_t	values_handed_over;
	uint64_t	frag_nacks_sent;
	uint64_t	answers_cut;	/* VALUES cut to an unproven request */
	uint64_t	republish_passes;
	uint64_t	republish_keys;		/* keys looked up */
	uint64_t	republish_values;	/* acknowledged by their nodes */
	uint64_t	republish_suppressed;	/* values received recently */
	uint64_t	republish_known_keys;	/* all holders known: skipped */
	uint64_t	republish_known_nodes;	/* holders not sent again */
	uint64_t	handover_skipped;	/* new nodes too far to matter */
	uint64_t	handover_dropped;	/* the hand-over queue was full */
	uint64_t	store_acks_held;	/* StoreAcks that waited a flush */
	uint64_t	store_refused_busy;	/* SERVE_MAX_HELD acks held */
	uint64_t	store_refused_storage;	/* after a failed flush */
	uint64_t	lookup_capped;		/* ended by the query cap */
	uint64_t	lookup_ip_refused;	/* candidates over the IP cap */
	uint64_t	lookup_expired;		/* ended by the deadline */
	uint64_t	relay_dropped;	/* named nodes refused (relay sanity) */
	uint64_t	route_refused_ip;	/* over the per-host limit */
	uint64_t	route_refused_prefix;	/* over a /24 (/64) limit */
	uint64_t	admit_pings;	/* to unknown requesters */
	uint64_t	admit_limited;	/* not sent: rate limit */
	uint64_t	rx_dropped_rate;	/* requests over their source's rate */
	uint64_t	tx_dropped_budget;	/* answers over the byte budget */
	uint64_t	rate_sources;		/* sources remembered now */
	uint64_t	peer_tokens;		/* peers' write tokens held now */
	uint64_t	answers_retry;	/* Retry in place of a long answer */
	uint64_t	answers_withheld;	/* not even a Retry fitted */
	uint64_t	admit_unproven;	/* admission ping: no room, unproven */
	uint64_t	rpc_cookie_resends;	/* requests again after a Retry */
	uint64_t	rpc_retry_failed;	/* failed: a second Retry */
	uint64_t	rpc_paced;	/* tries that waited for their pace */
	uint64_t	rpc_pace_refused;	/* not sent: too long a wait */
	uint64_t	admit_timeouts;	/* single-try admission pings lost */
	uint64_t	id_challenges;	/* challenge pings to nodes answering */
	uint64_t	id_proofs_ok;	/* Pongs that proved their ID */
	uint64_t	id_proof_bad;	/* a proof that failed */
	uint64_t	id_proof_missing;	/* a challenge's Pong without */
	uint64_t	listen_subs;	/* subscriptions served now */
	uint64_t	listen_accepted;
	uint64_t	listen_refreshed;
	uint64_t	listen_refused;	/* bad token or a limit */
	uint64_t	listen_expired;
	uint64_t	listen_dropped;	/* gone, cancelled or unwilling */
	uint64_t	listen_pushed;	/* Notify sent */
	uint64_t	listen_push_limited;
	uint64_t	listen_catchups;	/* values left behind, pushed */
	uint64_t	watches;	/* running now */
	uint64_t	watch_subs_held;	/* nodes pushing to us now */
	uint64_t	watch_listens_sent;
	uint64_t	watch_subs_lost;
	uint64_t	watch_notify_rx;
	uint64_t	watch_notify_refused;
	uint64_t	watch_values;	/* handed to watchers */
};

struct dht;

/*
 * The engine of the node whose key pair is keys (copied; our ID is
 * Keccak-256 of its public key, ident.h): NULL if that ID misses the
 * configuration's id_difficulty.  `store` stays owned by the caller and
 * outlives the engine.  `now_ms` is monotonic time; `wall_ms` Unix time,
 * used only for value times.
 */
struct dht	*dht_new(const struct keys_pair *keys, struct store *,
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
 * dht_ping/dht_find_node.
 */
int64_t	dht_periodic(struct dht *, int64_t now_ms, int64_t wall_ms);

/*
 * The operations (op_put.h, op_get.h, op_ping.h, op_find.h say what each
 * does and reports).  A put also hands the value stored here to this
 * node's watches and to the nodes subscribed here at once.  -1 (callback never called) only when OP_MAX_USER
 * operations are running.
 */
/* dht_put of a signed or immutable value (attr NULL: plain). */
int	dht_put_value(struct dht *, const struct id *key, const void *data,
	    size_t len, const struct value_attr *attr, int64_t created_ms,
	    int64_t expires_ms, int64_t now_ms, int64_t wall_ms, op_put_cb *,
	    void *arg);
static inline int
dht_put(struct dht *d, const struct id *key, const void *data, size_t len,
    int64_t created_ms, int64_t expires_ms, int64_t now_ms, int64_t wall_ms,
    op_put_cb *cb, void *arg)
{
	return dht_put_value(d, key, data, len, NULL, created_ms, expires_ms,
	    now_ms, wall_ms, cb, arg);
}
int	dht_get(struct dht *, const struct id *key, int64_t since_ms,
	    int64_t now_ms, int64_t wall_ms, op_get_cb *, void *arg);
int	dht_ping(struct dht *, const struct addr *, int64_t now_ms,
	    op_ping_cb *, void *arg);
/*
 * Watches key (op_watch.h): NULL without a slot.  dht_watch_stop ends it;
 * its callback then gets the end, from the next completion run.
 */
struct op_watch *dht_watch(struct dht *, const struct id *key,
	    int64_t since_ms, int64_t now_ms, int64_t wall_ms, op_watch_cb *,
	    void *arg);
void	dht_watch_stop(struct dht *, struct op_watch *, int64_t now_ms);
/* An iterative FIND_NODE: the simulator checks lookups with it. */
int	dht_find_node(struct dht *, const struct id *target, int64_t now_ms,
	    op_find_cb *, void *arg);

/*
 * With hold_store_acks, the answers to STOREs wait until the caller has
 * made the store durable: dht_held says how many wait (the caller then
 * flushes before it waits for input again), dht_flushed sends them after
 * a flush (ok), or answers each with an error after a failed one, and then
 * refuses every later STORE: a failed flush is final.
 */
size_t	dht_held(const struct dht *);
void	dht_flushed(struct dht *, int ok, int64_t now_ms);

const struct id *dht_self(const struct dht *);	/* our node ID */
size_t	dht_peers(const struct dht *, struct route_node *out, size_t max);
size_t	dht_peer_count(const struct dht *);
void	dht_boot_state(const struct dht *, struct join_boot *);
void	dht_get_stats(const struct dht *, struct dht_stats *);
/* Names for dht_stats.rx_msgs/tx_msgs indexes; NULL if unused. */
const char *dht_msg_name(unsigned type);

#endif

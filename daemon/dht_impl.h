/*
 * dht_impl — what the engine's files (dht.c: lifecycle, RPCs, dispatch;
 * dht_serve.c: request handlers; dht_ops.c: put/get/ping/lookups;
 * dht_maint.c: join, hand-over, refresh, tokens; dht_repub.c: republish
 * and its caches) share.  Not for other modules, except the engine's unit
 * test and the simulator, which use the test-only lookup entry point at
 * the end.
 */
#ifndef EMO_DHT_IMPL_H
#define EMO_DHT_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "dht.h"
#include "frag.h"
#include "lookup.h"
#include "wire.h"

#define DHT_DEFAULT_ALPHA	3
#define DHT_DEFAULT_TIMEOUT_MS	1000
#define DHT_DEFAULT_MAX_TTL_S	604800
#define DHT_DEFAULT_REFRESH_MS	3600000
#define DHT_DEFAULT_REPUBLISH_MS 3600000	/* Kademlia's hour */
#define DHT_MIN_REPUBLISH_MS	1000
#define DHT_MAX_RPCS		4096	/* requests awaiting an answer */
#define DHT_ANSWER_SPARE	8	/* extra candidates for an answer */
#define DHT_MAX_INTERNAL_OPS	64	/* join, refresh: never starved */
#define DHT_OP_SLOTS		(DHT_MAX_OPS + DHT_MAX_INTERNAL_OPS)

#define DHT_TOKEN_LEN		16
#define DHT_SECRET_LEN		32
#define DHT_SECRET_ROTATE_MS	300000	/* the previous secret stays valid */
#define DHT_TOKEN_CACHE		256	/* peers' tokens kept, by address */
#define DHT_TOKEN_MAX_AGE_MS	240000	/* use a cached token this long */

#define DHT_BOOT_MIN_MS		1000	/* bootstrap backoff: 1 s .. 60 s */
#define DHT_BOOT_MAX_MS		60000
#define DHT_MAINT_INTERVAL_MS	5000	/* refresh checks, stale pings */
#define DHT_STALE_PINGS		2	/* stale nodes pinged per check */

#define DHT_HANDOVER_QUEUE	256	/* new nodes awaiting their keys */
#define DHT_HANDOVER_BATCH	64	/* keys examined per dht_periodic */
#define DHT_HANDOVER_BYTES	(1u << 20)	/* value bytes sent per batch */
#define DHT_HANDOVER_PAGE	64	/* values read from the store at once */
/*
 * A new node gets a key's values only from the nodes closest to the key
 * (Kademlia §2.5: "only if its own ID is closer to the key than are the
 * IDs of other nodes"), with slack because the closest ones may not have
 * heard of the new node yet: half of the k holders, not all of them.  The
 * republish pass covers what they miss.  And only a new node among our 2k
 * closest neighbours can share a key's k closest with us.
 */
#define DHT_HANDOVER_SENDERS	(DHT_K / 2)
#define DHT_HANDOVER_NEAR	(2 * DHT_K)

/*
 * An answer longer than one datagram goes only to an asker that echoed
 * the token we gave its address, or that answered one of our requests:
 * both prove the source address is real.  Anyone else gets the first page
 * cut to one datagram (and a token to ask again with), so a spoofed
 * request draws at most one datagram, no more than a FIND_NODE does.
 */
#define DHT_VERIFIED_CACHE	1024	/* addresses that answered us */
#define DHT_VERIFIED_MAX_AGE_MS	600000

/*
 * Republish (dht_repub.c).  Every republish interval each node walks its
 * keys, DHT_RP_KEYS_PER_STEP per dht_periodic, running at most
 * DHT_RP_JOBS key jobs (a FIND_NODE lookup, then STOREs of the values in
 * pages of DHT_RP_PAGE) at once, with at most DHT_RP_WINDOW STOREs in
 * flight per job and DHT_RP_MAX_BYTES in all.
 */
#define DHT_RP_JOBS		4
#define DHT_RP_KEYS_PER_STEP	64
#define DHT_RP_PAGE		16
#define DHT_RP_WINDOW		24
#define DHT_RP_MAX_BYTES	(4u << 20)
/*
 * Values received by STORE within the interval are not republished (the
 * sender republished them to all k closest: Kademlia §2.5), remembered
 * in a bounded cache of hashes; a forgotten one is merely sent again.
 */
#define DHT_RP_SEEN_MIN		256
#define DHT_RP_SEEN_MAX		65536	/* 16 bytes each */
/*
 * Keys a node outside their k closest has seen all k closest acknowledge
 * (by its put or republish): skipped, no lookup, no STORE, for this many
 * intervals while the key's value count is unchanged.
 */
#define DHT_RP_HOLD_MIN		16
#define DHT_RP_HOLD_MAX		4096	/* about 200 bytes each */
#define DHT_RP_HOLD_INTERVALS	3
#define DHT_CACHE_PROBE		4	/* slots looked at per lookup */

#define DHT_MAX_PAGES_PER_NODE	64	/* FIND_VALUE pages from one node */
#define DHT_GET_MAX_VALUES	STORE_MAX_VALUES_PER_KEY
#define DHT_GET_MAX_BYTES	(64u << 20)

/* Why a request was sent: decides what its answer or failure does. */
enum dht_purpose {
	DHT_RPC_LOOKUP = 1,	/* FIND_NODE/FIND_VALUE of an op's lookup */
	DHT_RPC_PAGE,		/* a further FIND_VALUE page */
	DHT_RPC_STORE,		/* a put's STORE */
	DHT_RPC_PING,		/* dht_ping */
	DHT_RPC_LIVENESS,	/* ping-before-evict or a stale node */
	DHT_RPC_BOOT,		/* bootstrap ping */
	DHT_RPC_HO_TOKEN,	/* hand-over: FIND_NODE for a token */
	DHT_RPC_HO_STORE,	/* hand-over: STORE */
	DHT_RPC_RP_STORE,	/* republish: STORE */
};

struct dht_rpc {
	uint64_t	 txid;
	struct addr	 to;
	struct id	 id;		/* valid if id_known */
	uint8_t		 id_known;
	uint8_t		 purpose;	/* enum dht_purpose */
	uint8_t		 type;		/* request's enum wire_type */
	uint8_t		 tries;		/* resends so far */
	uint8_t		 in_use;
	uint8_t		 reask;		/* DHT_RPC_PAGE: asks a cut page again */
	uint16_t	 page;		/* DHT_RPC_PAGE: pages so far */
	uint16_t	 nvals;		/* RP_STORE: values in the message */
	uint32_t	 offset;	/* FIND_VALUE: the offset asked */
	int32_t		 op;		/* op slot, or -1 */
	uint32_t	 opgen;
	uint32_t	 job;		/* hand-over serial; RP_STORE target */
	int64_t		 sent_ms;	/* last (re)send */
	int64_t		 deadline;
	uint8_t		*msg;		/* encoded request, for resends */
	size_t		 len;
	int32_t		 hnext;		/* txid hash chain */
	int32_t		 hpos;		/* position in the deadline heap */
};

enum dht_op_kind {
	DHT_OP_PUT = 1,
	DHT_OP_GET,
	DHT_OP_PING,
	DHT_OP_FIND,		/* test-only node lookup */
	DHT_OP_JOIN,		/* internal: lookup of our own ID */
	DHT_OP_REFRESH,		/* internal: bucket refresh */
	DHT_OP_REPUBLISH,	/* internal: one key's republish */
};

/* A responder's write token, kept by a put until it sends STORE. */
struct dht_optok {
	struct id	 id;
	uint8_t		 tok[WIRE_MAX_TOKEN];
	uint8_t		 len;
};

typedef void	dht_find_cb(void *arg, enum dht_err,
		    const struct route_node *, size_t);

struct dht_op {
	uint8_t		 kind;		/* enum dht_op_kind */
	uint8_t		 done;		/* result set, completion queued */
	uint8_t		 storing;	/* put: past the lookup */
	uint8_t		 local_ok;	/* put: the local store took it */
	int32_t		 slot;
	uint32_t	 gen;
	int32_t		 qnext;		/* completion queue link */
	struct id	 target;
	struct lookup	*lk;
	unsigned	 pending;	/* stores or pages in flight */
	int		 table_empty;	/* when the op started */
	enum dht_err	 err;
	const char	*msg;
	int64_t		 wall_ms;	/* at start: expiry checks */
	/* put */
	uint8_t		*data;
	uint32_t	 len;
	int64_t		 created_ms;
	int64_t		 expires_ms;
	int64_t		 start_ms;	/* monotonic, when it began */
	uint32_t	 remote_acks;
	struct dht_optok *toks;
	size_t		 ntoks, captoks;
	uint64_t	 ackid[WIRE_MAX_NODES];	/* who acked: see dht_hold */
	uint8_t		 nackid;
	uint8_t		 ntargets;	/* STOREs' destinations */
	/* republish (targets in found/nfound, a page of values in vals) */
	uint8_t		 inside;	/* we are among the k closest */
	uint8_t		 rp_end;	/* no values left to send */
	uint8_t		 rp_ti;		/* next target for the page */
	uint32_t	 rp_off;	/* store offset of the next page */
	uint32_t	 rp_total;	/* the key's value count at start */
	uint32_t	 rp_sent, rp_fail, rp_known;	/* target bitmaps */
	/* get */
	int64_t		 since_ms;
	struct store_value *vals;
	uint8_t		(*vhash)[32];
	size_t		 nvals, capvals;
	uint64_t	 vbytes;
	int32_t		*vset;		/* open addressing over vals */
	size_t		 vsetcap;
	uint32_t	 responders;
	/* ping */
	struct id	 ping_id;
	uint32_t	 rtt_us;
	/* find */
	struct route_node *found;
	size_t		 nfound;
	union {
		dht_put_cb	*put;
		dht_get_cb	*get;
		dht_ping_cb	*ping;
		dht_find_cb	*find;
	} cb;
	void		*arg;
};

struct dht_tokcache {
	struct addr	 addr;
	uint8_t		 tok[WIRE_MAX_TOKEN];
	uint8_t		 len;
	int64_t		 got_ms;
};

struct dht_seen_addr {
	struct addr	 addr;
	int64_t		 ms;
};

/* What both caches' entries start with: see dht_cache_slot. */
struct dht_cache_ent {
	uint64_t	 h;		/* never 0; 0: a free slot */
	int64_t		 ms;
};

struct dht_seen {
	struct dht_cache_ent e;		/* hash of key and value; received */
};

struct dht_hold {
	struct dht_cache_ent e;		/* hash of the key; recorded */
	uint8_t		 key[STORE_KEY_LEN];
	uint32_t	 total;		/* the key's value count then */
	uint8_t		 n;
	uint8_t		 complete;	/* every one of the k closest acked */
	uint64_t	 ids[WIRE_MAX_NODES];	/* first 8 bytes of each ID */
};

struct dht_cache {
	void		*v;
	size_t		 esize;
	size_t		 cap;		/* power of two, or 0 */
	size_t		 used;
	size_t		 min, max;
};

struct dht_ho_job {
	struct route_node node;
	uint8_t		 cursor[STORE_KEY_LEN];
	uint8_t		 has_cursor;
	uint8_t		 waiting;	/* token request outstanding */
	uint8_t		 vkey[STORE_KEY_LEN];	/* a key cut short, */
	uint32_t	 voff;		/* at this value */
	uint32_t	 serial;
};

/*
 * Nodes whose requests timed out recently.  Peers that never talk to a dead
 * node keep advertising it; without this every lookup near it would wait a
 * full timeout for it again.  Hearing from the node clears its entry.
 */
#define DHT_DEAD_CACHE		64
#define DHT_DEAD_TTL_MS		(10 * 60 * 1000)

struct dht_dead {
	struct id	 id;
	int64_t		 at_ms;		/* 0: empty slot */
};

struct dht {
	struct id		 self;
	struct store		*store;
	struct dht_config	 cfg;
	struct dht_io		 io;
	struct route		*rt;
	struct frag_in		*fin;
	struct frag_out		*fout;
	struct dht_stats	 st;

	struct dht_dead		 dead[DHT_DEAD_CACHE];
	unsigned		 dead_next;

	/* outstanding requests */
	struct dht_rpc		*rpc;
	size_t			 nrpc, caprpc;
	int32_t			 rpcfree;	/* free list through hnext */
	int32_t			*hbucket;	/* txid hash heads */
	size_t			 nhbucket;	/* power of two */
	int32_t			*heap;		/* rpc indexes by deadline */

	/* operations */
	struct {
		struct dht_op	*op;
		uint32_t	 gen;
	}			 ops[DHT_OP_SLOTS];
	unsigned		 nuser_ops, ninternal_ops;
	int32_t			 qhead, qtail;	/* completions to run */

	/* write tokens */
	uint8_t			 secret[2][DHT_SECRET_LEN];
	int64_t			 secret_ms;
	struct dht_tokcache	 tokcache[DHT_TOKEN_CACHE];

	/* long answers */
	struct dht_seen_addr	 verified[DHT_VERIFIED_CACHE];

	/* join */
	struct addr		 boot[DHT_MAX_BOOTSTRAP];
	size_t			 nboot;
	uint32_t		 boot_backoff_ms;
	int64_t			 boot_next_ms;
	int			 joined;	/* join lookup started */

	/* maintenance */
	int64_t			 maint_next_ms;
	int			 refreshing;	/* a refresh lookup runs */
	int			 join_refresh;	/* after the join lookup */
	int			 join_bucket;	/* next bucket it looks at */

	/* hand-over */
	struct dht_ho_job	 ho[DHT_HANDOVER_QUEUE];
	size_t			 ho_head, ho_n;
	uint32_t		 ho_serial;
	uint64_t		 ho_dropped;

	/* republish */
	int64_t			 rp_next_ms;	/* next pass starts */
	int64_t			 rp_start_ms;	/* of the pass running */
	int			 rp_active;	/* a pass runs */
	int			 rp_walked;	/* its key walk is over */
	uint8_t			 rp_cursor[STORE_KEY_LEN];
	int			 rp_has_cursor;
	uint8_t			 rp_keys[DHT_RP_KEYS_PER_STEP][STORE_KEY_LEN];
	size_t			 rp_nkeys, rp_ikey;
	struct {
		int32_t		 slot;
		uint32_t	 gen;
	}			 rp_job[DHT_RP_JOBS];	/* republish ops */
	unsigned		 rp_jobs;
	uint64_t		 rp_bytes;	/* of their STOREs in flight */
	int			 rp_more;	/* work due now */
	uint64_t		 salt;		/* keys the caches' hashes */
	struct dht_cache	 seen;		/* struct dht_seen */
	struct dht_cache	 hold;		/* struct dht_hold */
};

/* dht.c */
int	dht_request(struct dht *, const struct addr *, const struct id *,
	    struct wire_msg *, enum dht_purpose, struct dht_op *,
	    int64_t now_ms);
void	dht_route_seen(struct dht *, const struct id *, const struct addr *,
	    uint32_t rtt_us, int64_t now_ms);
void	dht_random(struct dht *, void *, size_t);
void	dht_reply(struct dht *, const struct addr *, struct wire_msg *,
	    uint64_t txid, int64_t now_ms);
void	dht_reply_error(struct dht *, const struct addr *, uint64_t txid,
	    uint32_t code, const char *, int64_t now_ms);

/* dht_serve.c: request handlers (sender, from, message, now, wall). */
void	dht_serve_ping(struct dht *, const struct addr *,
	    const struct wire_msg *, int64_t, int64_t);
void	dht_serve_find_node(struct dht *, const struct addr *,
	    const struct wire_msg *, int64_t, int64_t);
void	dht_serve_find_value(struct dht *, const struct addr *,
	    const struct wire_msg *, int64_t, int64_t);
void	dht_serve_store(struct dht *, const struct addr *,
	    const struct wire_msg *, int64_t, int64_t);
void	dht_verified_add(struct dht *, const struct addr *, int64_t now_ms);
uint32_t dht_rpc_room(const struct dht *);

/* dht_ops.c */
struct dht_op *dht_op_new(struct dht *, enum dht_op_kind);
struct dht_op *dht_op_get(struct dht *, int32_t slot, uint32_t gen);
void	dht_op_complete(struct dht *, struct dht_op *, enum dht_err,
	    const char *);
void	dht_op_free(struct dht *, struct dht_op *);
void	dht_op_run_completions(struct dht *);
int	dht_op_lookup_start(struct dht *, struct dht_op *, int64_t now_ms);
void	dht_op_reply(struct dht *, const struct dht_rpc *,
	    const struct wire_msg *, int64_t now_ms, int64_t wall_ms);
void	dht_op_failed(struct dht *, const struct dht_rpc *, int64_t now_ms);
int	dht_lookup_internal(struct dht *, enum dht_op_kind,
	    const struct id *, int64_t now_ms);
void	dht_op_token(struct dht_op *, const struct id *, const uint8_t *,
	    size_t);
const struct dht_optok *dht_op_token_find(const struct dht_op *,
	    const struct id *);
enum dht_err dht_store_err(const struct dht *);

/* dht_maint.c */
size_t	dht_addr_hash(const struct addr *);
void	dht_token_make(const struct dht *, const uint8_t *secret,
	    const struct addr *, uint8_t out[DHT_TOKEN_LEN]);
int	dht_token_check(const struct dht *, const struct addr *,
	    const uint8_t *, size_t);
void	dht_tokcache_put(struct dht *, const struct addr *, const uint8_t *,
	    size_t, int64_t now_ms);
const struct dht_tokcache *dht_tokcache_get(const struct dht *,
	    const struct addr *, int64_t now_ms);
void	dht_boot_round(struct dht *, int64_t now_ms);
void	dht_boot_answered(struct dht *, int64_t now_ms);
void	dht_join_done(struct dht *, int answered, int64_t now_ms);
void	dht_handover_add(struct dht *, const struct id *,
	    const struct addr *);
void	dht_handover_reply(struct dht *, const struct dht_rpc *,
	    const struct wire_msg *, int64_t now_ms);
void	dht_handover_failed(struct dht *, const struct dht_rpc *);
int	dht_handover_busy(const struct dht *);
void	dht_handover_step(struct dht *, int64_t now_ms, int64_t wall_ms);
void	dht_maint(struct dht *, int64_t now_ms, int64_t wall_ms);
int64_t	dht_maint_deadline(const struct dht *);

/* dht_repub.c */
void	dht_repub_init(struct dht *, int64_t now_ms);
void	dht_repub_free(struct dht *);
void	dht_repub_step(struct dht *, int64_t now_ms, int64_t wall_ms);
int64_t	dht_repub_deadline(const struct dht *);
void	dht_repub_lookup_done(struct dht *, struct dht_op *, int64_t now_ms);
void	dht_repub_reply(struct dht *, const struct dht_rpc *,
	    const struct wire_msg *);
void	dht_repub_failed(struct dht *, const struct dht_rpc *);
void	dht_repub_op_freed(struct dht *, struct dht_op *);
void	dht_repub_put_done(struct dht *, struct dht_op *);
void	dht_seen_note(struct dht *, const struct id *key, const uint8_t *,
	    size_t, int64_t now_ms);
void	dht_hold_note(struct dht *, const struct id *key, uint32_t total,
	    const uint64_t *ids, size_t n, int complete, int64_t now_ms);
uint64_t dht_id_prefix(const struct id *);

/*
 * Test-only: an iterative FIND_NODE for target; cb gets the k closest
 * nodes that answered, closest first.  Used by the simulator to check
 * lookups against the true k closest.  -1 when no op slot is free.
 */
int	dht_find_node(struct dht *, const struct id *target, int64_t now_ms,
	    dht_find_cb *, void *arg);

void	dht_dead_add(struct dht *, const struct id *, int64_t now_ms);
int	dht_dead_has(const struct dht *, const struct id *, int64_t now_ms);
void	dht_dead_forget(struct dht *, const struct id *);

#endif

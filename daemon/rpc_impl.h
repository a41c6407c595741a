/*
 * rpc_impl — what rpc.c (the request table) and rpc_peer.c (what rpc
 * learns of peers: dead IDs, RTT estimates, cookies, and the proof each
 * request carries) share.  Private to the rpc module.
 */
#ifndef EMO_RPC_IMPL_H
#define EMO_RPC_IMPL_H

#include "cache.h"
#include "frag.h"
#include "rpc.h"

struct rpc_req {
	struct rpc_call	 c;
	uint8_t		 in_use;
	int64_t		 deadline;
	uint8_t		*msg;		/* encoded request, for resends */
	uint8_t		 retried;	/* resent once after a Retry */
	int32_t		 hnext;		/* txid hash chain; free list */
	int32_t		 hpos;		/* position in the deadline heap */
	uint32_t	 timeout_ms;	/* per try: cfg's unless rpc_set_timeout */
	uint8_t		 retries;	/* resends: cfg's unless rpc_set_timeout */
	uint8_t		 adaptive;	/* timeouts from rpc_rto, backing off */
	uint8_t		 unsent;	/* this try waits for its pace until
					   deadline; then it leaves */
};

struct rpc_dead {
	struct cache_ent e;		/* e.ms: when it last timed out */
	struct id	 id;
	uint8_t		 strikes;	/* failures within RPC_DEAD_TTL_MS */
};

/* What we know of one peer address: e.ms is when it last changed. */
struct rpc_peer {
	struct cache_ent e;
	struct addr	 addr;
	uint32_t	 srtt_us, rttvar_us;	/* valid if has_rtt */
	uint8_t		 has_rtt;
	uint8_t		 bundles;	/* its Packets say it takes them */
	uint8_t		 cookielen;	/* 0: none */
	uint8_t		 cookie[WIRE_MAX_COOKIE];
	int64_t		 cookie_ms;	/* when it gave us the cookie */
	int64_t		 pace_us;	/* GCRA's theoretical arrival time of
					   our next request (rpc.h) */
};

struct rpc {
	struct id		 self;
	struct rpc_config	 cfg;
	struct rpc_io		 io;
	struct frag_out		*fout;
	struct rpc_stats	 st;
	uint64_t		 salt;

	struct rpc_req		*req;
	size_t			 n, cap;
	int32_t			 free;		/* free list through hnext */
	int32_t			*hbucket;	/* txid hash heads */
	size_t			 nhbucket;	/* power of two */
	int32_t			*heap;		/* req indexes by deadline */

	struct cache		 dead;		/* struct rpc_dead */
	struct cache		 peers;		/* struct rpc_peer */
	uint32_t		 srtt_us, rttvar_us;	/* over every peer */
	uint32_t		 nsamples;	/* up to RPC_RTO_SAMPLES */
	/* First-try round trips of every answer (rpc_rto_fast). */
	uint16_t		 rtt_hist[RPC_RTT_BUCKETS];
	uint32_t		 hist_n;	/* in rtt_hist */
	uint64_t		 stalled[RPC_STALLED_MAX];	/* txids */
	uint32_t		 nstalled;
	rpc_answer_gate		*gate;
	void			*gate_arg;
};

void	rpc_pad(struct wire_msg *, size_t target);
/* Also returns the address's entry (NULL: none), for rpc_pace. */
struct rpc_peer *rpc_prove(struct rpc *, const struct addr *,
	    struct wire_msg *, int64_t now_ms);
struct rpc_peer *rpc_peer_get(const struct rpc *, const struct addr *);
/* One more strike against id (a request failed), or `strikes` at once. */
void	rpc_dead_add(struct rpc *, const struct id *, unsigned strikes,
	    int64_t now_ms);
void	rpc_rtt_sample(struct rpc *, const struct addr *, uint32_t us,
	    int64_t now_ms);
size_t	rpc_join_max(const struct rpc *, const struct addr *to);
/*
 * When the next request to the address of entry p (NULL: an address
 * with none, never paced) may leave (rpc.h, "Pacing"), booked: now_ms, a
 * later time, or -1 if that is more than RPC_PACE_MAX_WAIT_MS away
 * (nothing booked).
 */
int64_t	rpc_pace(struct rpc_peer *p, int64_t now_ms);
void	rpc_answer_note(struct rpc *, const struct addr *,
	    const struct wire_msg *, int64_t now_ms);

#endif

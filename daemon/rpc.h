/*
 * rpc — the engine's requests and their answers: encoding and sending
 * (whole, or in fragments kept for the receiver's NACKs), the table of
 * outstanding requests (random txids, an answer must come from the exact
 * address asked and be of the answering type), resends, timeouts, and what
 * it learns of peers on the way: a round-trip estimate and the cookie per
 * address, and the IDs whose requests timed out recently.  Every request
 * echoes the cookie its address gave us, or is padded so that its usual
 * answer fits under the amplification rule; a Retry answer makes it go
 * again at once with the Retry's cookie (docs/PROTOCOL.md, "Cookies").
 * Requests to one peer are paced under its rate limit ("Pacing" below).
 * A sender says what to do with the answer through its own rpc_ops table;
 * rpc knows no purposes.
 * Sans-I/O: bytes go out through the caller's send function.
 */
#ifndef EMO_RPC_H
#define EMO_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "id.h"
#include "store.h"
#include "wire.h"

#define RPC_MAX_CALLS		4096	/* requests awaiting an answer */
#define RPC_MAX_RETRIES		10
#define RPC_DEFAULT_TIMEOUT_MS	1000
/*
 * Nodes whose requests timed out recently.  Peers that never talk to a
 * dead node keep advertising it; without this every lookup near it would
 * wait for it again.  A node counts as dead after RPC_DEAD_STRIKES failed
 * requests (each of all its tries) within RPC_DEAD_TTL_MS of each other,
 * or at once when another ID answers at its address: with 5% loss a live
 * node loses all three tries of one request about once in a thousand,
 * and one such loss would hide it from our lookups for ten minutes (a
 * lookup gives a failed candidate among the k closest one more try:
 * lookup_again).  Hearing from the node clears it.
 */
#define RPC_DEAD_MIN		16
#define RPC_DEAD_MAX		64
#define RPC_DEAD_TTL_MS		(10 * 60 * 1000)
#define RPC_DEAD_STRIKES	2
#define RPC_RTT_MIN		64	/* RTT estimates and cookies, by address */
#define RPC_RTT_MAX		1024
/*
 * Retransmission timeouts (RFC 6298's srtt + 4 rttvar): a request's first
 * try waits the estimate of its address, else the engine's estimate over
 * every answer (once RPC_RTO_SAMPLES came), never less than
 * RPC_RTO_MIN_MS nor more than the configured timeout (a sender that does
 * not wait for a stalled request may ask for less: rpc_rto_fast); each resend waits
 * twice as long as the try before, the last one the whole configured
 * timeout, so a node is given up no sooner than before.  A lookup stops
 * waiting for a resent request (rpc_ops.stalled): a dead node holds it
 * back for a round trip or two, not seconds, and a slow one is still
 * heard (its late answer to an earlier try counts).  A request without
 * resends, or in fragments, waits the whole configured timeout.
 */
#define RPC_RTO_MIN_MS		100
#define RPC_RTO_SAMPLES		8
#define RPC_RTO_PERCENTILE	90
#define RPC_RTT_BUCKETS		40	/* 4 ms * 2^(i/4): 4 ms to 3.4 s, */
#define RPC_RTT_HIST_MAX	256	/* and longer in the last */
/*
 * Pacing: requests to one address leave no faster than RPC_PACE_PER_S a
 * second after a burst of RPC_PACE_BURST (GCRA over its entry), under
 * the per-source rate limit every node applies by default (ratelimit.h:
 * 800 a second after 200), so that an honest node's requests are not
 * dropped by it: each drop cost a resend a timeout later (2,424 of them
 * in a run of 4,000 puts through 4 of 20 nodes, the put p99 then
 * ~100 ms).  A request that would wait more than RPC_PACE_MAX_WAIT_MS is
 * not sent: rpc_send returns NULL, as for a full table.  Waits end on
 * multiples of RPC_PACE_QUANTUM_MS, so that requests to one peer leave
 * together and can share a bundle.  Only addresses that have answered us
 * have an entry, so only they are paced (an unknown one gets a first
 * request at once); the entries are a lossy cache, and one dropped
 * starts a new burst.  A peer that set its limit below this pace still
 * drops what goes over it.  A resend after a Retry goes at once,
 * unbooked: at most one a request.
 */
#define RPC_PACE_PER_S		700
#define RPC_PACE_BURST		150
#define RPC_PACE_MAX_WAIT_MS	1000
#define RPC_PACE_QUANTUM_MS	4
/* Requests resent since the caller last asked (rpc_stalled); lossy. */
#define RPC_STALLED_MAX		32
/*
 * A cookie proves us for at least one rotation of its giver's secret
 * (token.h: 5 minutes).  Older, it is still echoed, and the request padded
 * as if we had none.
 */
#define RPC_COOKIE_FRESH_MS	300000
/*
 * Padding of a request to an address whose (fresh) cookie we lack: to
 * the size of the answer it usually draws, so that answer needs no
 * proof.  A PING to 191 bytes: the largest PONG (an IPv6 address, a
 * 3-byte port varint, a WIRE_MAX_COOKIE cookie, the 2 bytes of features)
 * with the identity proof (34 bytes of public key, 66 of signature), so
 * pings never need a Retry.  FIND_NODE and FIND_VALUE to a full
 * datagram: a NODES answer of 20 IPv4 nodes is about 1,000 bytes, and a
 * first contact then costs upstream bytes (one datagram) instead of a
 * Retry's round trip.  (20 IPv6 nodes, 1,238 bytes, still draw a Retry.)
 * STORE carries a token.
 */
#define RPC_PAD_PING_LEN	191
#define RPC_PAD_FIND_LEN	WIRE_MAX_DATAGRAM
/*
 * A request that echoes a cookie is at least this long, so that a Retry
 * (3 bytes of body, a WIRE_MAX_COOKIE cookie, features) fits when the
 * cookie has gone stale (the responder restarted): only a PING is shorter.
 */
#define RPC_PAD_RETRY_LEN	70
/* A challenge PING's nonce (rpc_challenge; docs/PROTOCOL.md). */
#define RPC_NONCE_LEN		16
/* rpc_reply: the answer is longer than max_len and was not sent. */
#define RPC_TOO_LARGE		1

/*
 * send_request: our requests' datagrams, or NULL (send); send_join: whole
 * messages to a peer that reads bundles, or NULL (never joined); see dht.h.
 */
struct rpc_io {
	void	(*send)(void *arg, const struct addr *to, const uint8_t *buf,
		    size_t len);
	void	(*send_request)(void *arg, const struct addr *to,
		    const uint8_t *buf, size_t len);
	void	(*send_join)(void *arg, const struct addr *to,
		    const uint8_t *buf, size_t len, int request,
		    size_t join_max);
	void	(*random)(void *arg, void *buf, size_t len);
	void	*arg;
};

struct rpc_config {
	uint32_t	timeout_ms;	/* per try */
	uint32_t	retries;	/* resends before a request fails */
	uint32_t	rtt_max;	/* RTT estimates kept; 0: RPC_RTT_MAX */
	int		local_whole;	/* wire_whole_max's */
};

struct rpc_ops;

/* One request, as its sender's hooks see it. */
struct rpc_call {
	const struct rpc_ops *ops;
	void		*ctx;
	struct addr	 to;
	struct id	 id;		/* valid if id_known */
	uint8_t		 id_known;
	uint8_t		 type;		/* the request's enum wire_type */
	struct id	 key;		/* FIND_NODE's target, FIND_VALUE's,
					   STORE's or GET_VALUES's key: what
					   tokens bind */
	uint8_t		 tries;		/* resends so far */
	uint8_t		 once;		/* set by the sender: no resends, and
					   its timeout marks no node dead */
	uint8_t		 no_token;	/* set by the sender: key is an ID,
					   not a value's key, so the answer's
					   write token is not worth keeping */
	uint64_t	 txid;
	int64_t		 sent_ms;	/* last (re)send */
	uint32_t	 rtt_us;	/* of the answer; 0 after a resend */
	size_t		 len;		/* encoded request bytes */
	uint32_t	 arg[3];	/* the sender's own words */
	uint8_t		 noncelen;	/* a PING's challenge: 0 or */
	uint8_t		 nonce[RPC_NONCE_LEN];	/* (rpc_challenge) */
};

/*
 * What a sender does with the outcome: exactly one of the two runs, once,
 * unless the request is cancelled.  `failed` covers a timeout after the
 * last resend, an ERROR answer, and another node answering at the address.
 * Either may be NULL: the engine's routing upkeep is all some senders want.
 */
struct rpc_ops {
	void	(*reply)(void *ctx, const struct rpc_call *,
		    const struct wire_msg *, int64_t now_ms, int64_t wall_ms);
	void	(*failed)(void *ctx, const struct rpc_call *, int64_t now_ms);
	/*
	 * Optional: the first try went unanswered and the request was sent
	 * again (it is still outstanding).  A lookup stops waiting for it.
	 */
	void	(*stalled)(void *ctx, const struct rpc_call *, int64_t now_ms);
};

struct rpc_stats {
	uint64_t	tx_msgs[16];	/* by enum wire_type */
	uint64_t	rx_dropped_unmatched;	/* response to nothing */
	uint64_t	timeouts;
	uint64_t	retries;
	uint64_t	cookie_resends;	/* requests sent again after a Retry */
	uint64_t	retry_failed;	/* a second Retry: the request failed */
	uint64_t	once_timeouts;	/* single-try requests unanswered */
	uint64_t	paced;		/* tries that waited for their pace */
	uint64_t	pace_refused;	/* not sent: would wait too long */
};

/* How rpc_match judged an answer. */
enum rpc_match {
	RPC_UNMATCHED = 0,	/* no such request from that address */
	RPC_ANSWERED,		/* *out is the request; it is released */
	RPC_MOVED,		/* another node answers there: *out failed */
	RPC_RETRIED,		/* a Retry: the request went again, pending */
};

struct rpc;

struct rpc	*rpc_new(const struct id *self, const struct rpc_config *,
		    const struct rpc_io *, int64_t now_ms);
void		 rpc_free(struct rpc *);	/* runs no hooks */

/*
 * Sends m (its sender and txid are set here) and remembers it until an
 * answer, the last timeout or rpc_cancel(ctx).  `id` is the node expected
 * to answer, or NULL.  Returns the call, whose arg[] the sender may fill,
 * or NULL when the table is full or the message cannot be sent.
 */
struct rpc_call *rpc_send(struct rpc *, const struct addr *to,
		    const struct id *id, struct wire_msg *m,
		    const struct rpc_ops *, void *ctx, int64_t now_ms);
/*
 * Makes m (a PING) an identity challenge: RPC_NONCE_LEN fresh random
 * bytes of nonce, which rpc_send keeps with the call for the answer's
 * check.
 */
void	rpc_challenge(struct rpc *, struct wire_msg *m);
/*
 * Shortens one request's tries (a fetch that another holder can serve
 * fails over sooner): timeout_ms per try (0 or more than the
 * configuration's: the configuration's) and at most `retries` resends.
 * c is what rpc_send returned, before any other rpc call.  Its timeout
 * is a timeout like any other: the node is noted dead, and dht.c fails
 * its routing entry.
 */
void	rpc_set_timeout(struct rpc *, struct rpc_call *c, uint32_t timeout_ms,
	    uint32_t retries);
/*
 * An answer to someone else's request; 0, or -1 if it could not go, or
 * RPC_TOO_LARGE if max_len is not 0 and the message is longer (nothing
 * was sent).  m's cookie goes as the caller set it.  On 0, *sentp (if not
 * NULL) is the encoded length.
 */
int	rpc_reply(struct rpc *, const struct addr *to, struct wire_msg *m,
	    uint64_t txid, size_t max_len, size_t *sentp, int64_t now_ms);
/*
 * Asked before each answer goes, with its encoded length: 0 drops it (the
 * gate counts).  dht.c's global answer budget (ratelimit.h).
 */
typedef int	rpc_answer_gate(void *arg, size_t len, int64_t now_ms);
void	rpc_set_answer_gate(struct rpc *, rpc_answer_gate *, void *arg);

/*
 * A response from `from`: finds its request and releases it into *out.
 * The caller runs out->ops afterwards (after its own upkeep).  A cookie
 * in it is kept for later requests to `from`.  A first Retry sends the
 * request again and keeps it (RPC_RETRIED); a second one releases it as
 * RPC_ANSWERED with m a Retry: the caller fails it like an Error.
 */
enum rpc_match rpc_match(struct rpc *, const struct addr *from,
	    const struct wire_msg *m, int64_t now_ms, struct rpc_call *out);
/*
 * Resends what is due; returns 1 with the next request that ran out of
 * tries released into *out (call again), 0 when none is left.
 */
int	rpc_expire(struct rpc *, int64_t now_ms, struct rpc_call *out);
/*
 * After rpc_expire: 1 with a copy of the next request whose hooks have a
 * `stalled` and that was resent for the first time (still outstanding;
 * call again), 0 when none is left.  At most RPC_STALLED_MAX are kept
 * between two calls.
 */
int	rpc_stalled(struct rpc *, struct rpc_call *out);
/* The first try's timeout for a request to a now (RPC_RTO_MIN_MS). */
uint32_t rpc_rto(const struct rpc *, const struct addr *a);
/*
 * The same for a sender that stops waiting for a request once it stalled
 * (a get's or a put's lookup): for an address never heard from, the
 * RPC_RTO_PERCENTILE-th percentile of every first-try round trip (once
 * RPC_RTO_SAMPLES came; a histogram of RPC_RTT_BUCKETS quarter octaves,
 * its bucket's upper bound, halved at RPC_RTT_HIST_MAX samples so that it
 * follows the network) rather than srtt + 4 rttvar over a spread of
 * round trips, which wide-area links make several hundred milliseconds.
 * Lookups that wait for every one of the k closest (join, refresh) keep
 * rpc_rto: a shorter first try only has them ask more nodes.
 */
uint32_t rpc_rto_fast(const struct rpc *, const struct addr *a);
/*
 * 1 if `to` gave us a cookie less than RPC_COOKIE_FRESH_MS ago: a request
 * echoing it proves us to `to` (a Store may then go without a token).
 */
int	rpc_cookie_fresh(const struct rpc *, const struct addr *to,
	    int64_t now_ms);
/*
 * What m's Packet.features say its source a accepts.  Called for answers
 * to our requests and for requests that proved their source (a cookie or
 * a token): only then may a remember a (bounded) peer entry.  A peer that
 * takes bundles gets our whole messages through send_join.
 */
void	rpc_features_note(struct rpc *, const struct addr *a,
	    const struct wire_msg *m, int64_t now_ms);
/*
 * Sets the first try's timeout of a request with resends that backs off
 * (not one shortened by rpc_set_timeout): c as rpc_send returned it.
 */
void	rpc_set_first_timeout(struct rpc *, struct rpc_call *c,
	    uint32_t timeout_ms);
/*
 * The bytes rpc_send would send for m to `to` now (cookie or pad added),
 * in its first try.
 */
size_t	rpc_send_len(struct rpc *, const struct addr *to, struct wire_msg *m,
	    int64_t now_ms);
/* Forgets every request of ctx without running its hooks. */
void	rpc_cancel(struct rpc *, void *ctx);
/*
 * The requests of ctx sent with hooks `ops` go on without hooks, to their
 * answer or last timeout: what those teach the caller's routing upkeep
 * (a node that answers, one that died) is not lost when their sender
 * stops waiting for them.
 */
void	rpc_orphan(struct rpc *, void *ctx, const struct rpc_ops *ops);
/*
 * The requests of ctx sent with hooks `from` whose message is of `type`
 * answer to hooks `to` from now on (same ctx); returns how many.  A put
 * whose lookup ended keeps counting the STOREs that lookup sent.
 */
size_t	rpc_adopt(struct rpc *, void *ctx, const struct rpc_ops *from,
	    enum wire_type type, const struct rpc_ops *to);
/* A request with these hooks to this address is outstanding. */
int	rpc_pending(const struct rpc *, const struct addr *,
	    const struct rpc_ops *);
uint32_t rpc_room(const struct rpc *);	/* requests that can still go */
size_t	rpc_count(const struct rpc *);
int64_t	rpc_deadline(const struct rpc *);	/* or INT64_MAX */

/*
 * Makes m a STORE under key with the token `to` gave us (toklen 0: none,
 * the cookie proves us), carrying as many
 * of v[0..n) as one message takes; returns that count (0: not even one).
 */
size_t	rpc_store_msg(struct wire_msg *m, const struct id *key,
	    const uint8_t *tok, size_t toklen, const struct wire_value *v,
	    size_t n);
/* Stored values as the wire carries them (the bytes are shared). */
void	rpc_wire_values(const struct store_value *, size_t n,
	    struct wire_value *out);

/* Fragments: a receiver's NACK; the resend cache's clock. */
int	rpc_nack(struct rpc *, const struct addr *from, const uint8_t *,
	    size_t, int64_t now_ms);
void	rpc_tick(struct rpc *, int64_t now_ms);

/* Dead nodes: noted at a timeout, forgotten when the caller hears one. */
int	rpc_dead(const struct rpc *, const struct id *, int64_t now_ms);
void	rpc_alive(struct rpc *, const struct id *);
/*
 * The smoothed round trip and its variation to an address (Jacobson/
 * Karels over first-try answers): 0, or -1 when nothing is known.
 */
int	rpc_rtt(const struct rpc *, const struct addr *, uint32_t *srtt_us,
	    uint32_t *rttvar_us);
void	rpc_get_stats(const struct rpc *, struct rpc_stats *);

#endif

/*
 * op_get — a get, digest-first: the local values plus an iterative
 * FIND_VALUE whose answers list digests (hash, size, times), paging
 * through each responder's; the union by hash (the same bytes once, with
 * the latest expiry), oldest first.  The bytes of each value not held
 * here are fetched once, with GET_VALUES, from one of the holders that
 * listed it (the quickest by round trip, batched per holder), while the
 * lookup goes on; a fetch that fails or times out (sooner when another
 * holder could serve: rpc_set_timeout) goes to another holder, and bytes
 * that do not hash to the digest asked are dropped and counted.  When the
 * union does not fit the byte cap (what one control frame carries), the
 * get keeps the oldest values that fit, fetches only those, and says
 * where the next get (since_ms) should start.
 */
#ifndef EMO_OP_GET_H
#define EMO_OP_GET_H

#include "op.h"

#define OP_GET_MAX_PAGES_PER_NODE 64	/* FIND_VALUE pages from one node */
#define OP_GET_MAX_VALUES	STORE_MAX_VALUES_PER_KEY
/*
 * A value costs its bytes plus OP_GET_VALUE_COST in a control response
 * (tags, lengths, two times); the values' costs stay within
 * OP_GET_MAX_BYTES, which leaves room for the rest of the response.
 */
#define OP_GET_VALUE_COST	32u
#define OP_GET_MAX_BYTES	(EMO_CTL_MAX_RESPONSE - 4096u)
/* Values seen but left out that the get still recognises (to count). */
#define OP_GET_MAX_SEEN		(4 * OP_GET_MAX_VALUES)
/* Holders remembered per get, and per value (to fail over to). */
#define OP_GET_MAX_HOLDERS	64
#define OP_GET_HOLDERS_PER_VALUE 8
#define OP_GET_MAX_FETCHES	64	/* GET_VALUES in flight per get */
/* A GET_VALUES asks for values of at most this many bytes in all,
 * counting OP_GET_FETCH_VALUE_COST each, so that the answer fits one
 * message. */
#define OP_GET_FETCH_VALUE_COST	24u
#define OP_GET_FETCH_BYTES	(WIRE_MAX_MESSAGE - 2048u)
/* The least wait for a holder before asking another that listed it. */
#define OP_GET_FETCH_MIN_MS	200
/*
 * When a get's lookup ends (op_get_enough).  Kademlia's rule, the k
 * closest candidates all answered, is the put's; a get ends sooner:
 *  - by quorum: the closest candidates that answered, up to the first
 *    one not asked yet or still in flight (lookup_head: no candidate we
 *    know of is closer and unheard, save stalled ones), include
 *    OP_GET_QUORUM that listed digests, and every one of them that
 *    listed any listed the same set, whole in its first page (the
 *    count and a fingerprint of the hashes under a key secret to the
 *    get, so a liar cannot forge agreement without the same list).  An empty answer (a node
 *    that joined since the put) does not count against it.  A value the
 *    closest holders all list is then in hand; one held only by nodes
 *    farther than the quorum (a STORE that missed the closest three) or
 *    by stalled ones is missed, and so is a set the closest three miss
 *    alike.  When they differ, or no value is listed (not found), the
 *    lookup goes on:
 *  - settled: the k closest candidates that neither failed nor stalled
 *    (missed their first, RTT-derived timeout: lookup_settled) answered;
 *    a stalled node's values are missed only if no other of the k
 *    closest lists them.
 * While a quorum is in reach (the closest answers agree and fewer than
 * OP_GET_QUORUM of them were empty), the lookup asks only the
 * OP_GET_QUORUM closest live candidates, one more for each empty answer
 * among them (lookup_narrow): a failed or stalled node is replaced by the
 * next, a closer node an answer names is asked, and a get that ends by
 * quorum in a table that knows the closest nodes asks OP_GET_QUORUM
 * nodes, not k.  Once it is out of reach the rest are asked at once.
 * Answers still in flight when the lookup ends are still taken while the
 * get waits for its pages and fetches.
 */
#define OP_GET_QUORUM		3

struct op_get_result {
	enum dht_err		 err;
	const char		*msg;
	struct store_result	 values;	/* owned by the operation */
	uint32_t		 responders;	/* nodes that answered */
	/*
	 * Set when values were left out to fit the byte cap: every value
	 * returned was created before next_since_ms, and the values left out
	 * at or after it (at least `omitted` of them) are what a get with
	 * since_ms = next_since_ms finds.
	 */
	int			 truncated;
	uint32_t		 omitted;
	int64_t			 next_since_ms;
};

typedef void	op_get_cb(void *arg, const struct op_get_result *);

/* -1 (cb never called) only when no slot is free. */
int	op_get_start(struct op_set *, const struct id *key, int64_t since_ms,
	    int64_t now_ms, int64_t wall_ms, op_get_cb *, void *arg);

#endif

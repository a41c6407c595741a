/*
 * serve — answers other nodes' requests: PING, FIND_NODE, FIND_VALUE (a
 * page of value digests at a time), GET_VALUES (the values by digest, for
 * the token of that answer) and STORE, which must carry the write token
 * we gave its source address and whose values are clamped before they
 * reach the store.  No answer is longer than its request unless the
 * request proved its source (a cookie we gave that address, or a token
 * in its body): a Retry with the cookie goes instead, or nothing.  It
 * tells the engine, through the hook it was given, of each
 * value a STORE put in the store.  Told to hold acknowledgements, it keeps
 * each StoreAck until the caller's next flush says the values are on disk
 * (serve_flushed); after a failed flush it refuses every STORE.
 */
#ifndef EMO_SERVE_H
#define EMO_SERVE_H

#include "env.h"
#include "quota.h"
#include "wire.h"

#define SERVE_ANSWER_SPARE	8	/* extra candidates for an answer */
#define SERVE_MAX_HELD		1024	/* StoreAcks waiting for a flush */
/*
 * A FIND_VALUE answer carries the bytes of the values it lists, in page
 * order, while it stays within one datagram (serve_inline): at most this
 * many, so the store reads per answer stay few.
 */
#define SERVE_INLINE_MAX	8

struct serve_stats {
	uint64_t	rx_dropped_token;	/* STORE with a bad token */
	uint64_t	values_stored;		/* by STORE from the network */
	uint64_t	answers_cut;	/* VALUES cut to an unproven request */
	uint64_t	answers_retry;	/* Retry sent: answer longer than ask */
	uint64_t	answers_withheld;	/* not even a Retry fitted */
	uint64_t	acks_held;	/* StoreAcks that waited for a flush */
	uint64_t	refused_busy;	/* STOREs refused: SERVE_MAX_HELD held */
	uint64_t	refused_storage;	/* STOREs refused: a flush failed */
	uint64_t	quota_refused_key;	/* values: source's per key */
	uint64_t	quota_refused_source;	/* values: source's bytes */
	uint64_t	quota_refused_full;	/* values: full, source heaviest */
	uint64_t	quota_evicted;	/* values evicted for others */
	uint64_t	quota_evicted_key;	/* evicted: their key was full */
	uint64_t	store_refused;	/* values the store refused: full */
	uint64_t	tokens_withheld;	/* answers without a token: full */
	uint64_t	digests_served;	/* ValueDigests in FIND_VALUE answers */
	uint64_t	values_inlined;	/* their bytes too (serve_inline) */
	uint64_t	values_fetched;	/* values sent in GET_VALUES answers */
	uint64_t	fetch_bad_token;	/* GET_VALUES with a bad token */
};

#define SERVE_QUOTA_PER_KEY	256	/* per_key when 0 is given */

/*
 * A value a STORE from the network put in the store (expiry clamped), with
 * the hash the store names it by (sigval_hash).
 */
typedef void	serve_stored_cb(void *arg, const struct id *key,
		    const uint8_t *data, size_t len, int64_t created_ms,
		    int64_t expires_ms, const struct value_attr *,
		    const uint8_t hash[SIGVAL_HASH_LEN], int64_t now_ms);

/*
 * The value rules a storing node applies before store_put_value: v checked
 * against key (sigval_check).  0, or -1 with the refusal counted in
 * env->vref and a static reason in *why (may be NULL).
 */
int	serve_value_check(const struct env *, const struct id *key,
	    const struct wire_value *v, const char **why);
/* Counts a store_put_value refusal (STORE_ERR_REFUSED) in env->vref. */
void	serve_value_refused(const struct env *, enum store_refusal);

struct serve;

/* hold_acks: keep StoreAcks until serve_flushed (the caller fsyncs). */
struct serve	*serve_new(const struct env *, int hold_acks,
		    serve_stored_cb *, void *arg);
void		 serve_free(struct serve *);
/*
 * Turns on the per-source quotas (quota.h): per_key 0 means
 * SERVE_QUOTA_PER_KEY.  Without it every STORE with a token is taken in
 * as far as the store's own quotas allow.  -1 without memory.
 */
int		 serve_quota(struct serve *, const struct quota_limits *,
		    uint64_t salt);

/* What answering one request did. */
struct serve_outcome {
	int	proven;		/* the request proved its source address */
	size_t	sent;		/* bytes sent in answer (whole messages) */
};

/*
 * Answers request q from `from`, which came in a datagram (or fragments)
 * of qlen bytes.  Returns 1 if the sender may enter the routing table (it
 * asked as a node may), 0 if not (a refused STORE); *out says more.
 */
int	serve_request(struct serve *, const struct addr *from,
	    const struct wire_msg *q, size_t qlen, int64_t now_ms,
	    int64_t wall_ms, struct serve_outcome *out);
/*
 * The store was flushed (ok) or the flush failed: every held StoreAck is
 * sent, or replaced by a WIRE_ERR_INTERNAL error.  A failure is final:
 * from then on every STORE is refused with WIRE_ERR_INTERNAL.
 */
void	serve_flushed(struct serve *, int ok, int64_t now_ms);
size_t	serve_held(const struct serve *);	/* StoreAcks held now */
void	serve_get_stats(const struct serve *, struct serve_stats *);
/*
 * The store refused a value from `from` (NULL: a local put) under key:
 * the key holds all it may, or the store does.  Evicts the value
 * quota_key_victim names (the oldest of the source holding most under
 * the key, if well above `from`'s share), so that a key filled by
 * strangers each within their quota still takes an honest value.  1 if
 * a value went.
 */
int	serve_make_room(struct serve *, const struct addr *from,
	    const struct id *key);

#endif

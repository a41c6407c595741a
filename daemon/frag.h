/*
 * frag — carries messages longer than one datagram: splitting, a bounded
 * cache of what was sent (to answer NACKs with the missing parts only), and
 * reassembly with hard caps, timeouts and NACKs.  Sans-I/O: callers pass
 * now_ms (monotonic), message ids and a send callback.
 */
#ifndef EMO_FRAG_H
#define EMO_FRAG_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "wire.h"

/* Fragment: header, msg_id(8) index(2) count(2) total(4), payload. */
#define FRAG_HDR_LEN		(WIRE_HDR_LEN + 16)			/* 20 */
#define FRAG_PAYLOAD_MAX	(WIRE_MAX_DATAGRAM - FRAG_HDR_LEN)	/* 1212 */
#define FRAG_MAX_PARTS		((WIRE_MAX_MESSAGE + FRAG_PAYLOAD_MAX - 1) / \
				    FRAG_PAYLOAD_MAX)			/* 82 */
/* NACK: header, msg_id(8) count(2), bitmap of missing parts. */
#define FRAG_NACK_HDR_LEN	(WIRE_HDR_LEN + 10)			/* 14 */
#define FRAG_BITMAP_MAX		((FRAG_MAX_PARTS + 7) / 8)		/* 11 */
#define FRAG_NACK_MAX_LEN	(FRAG_NACK_HDR_LEN + FRAG_BITMAP_MAX)

#define FRAG_OUT_MAX_BYTES	(8u << 20)	/* sent messages kept */
#define FRAG_OUT_TTL_MS		5000		/* how long they are kept */
#define FRAG_OUT_MAX_ANSWERS	3		/* NACKs answered per message */

#define FRAG_IN_MAX_PER_SOURCE	16		/* partials per source IP */
#define FRAG_IN_MAX_PARTIALS	1024		/* partials in all */
#define FRAG_IN_MAX_BYTES	(32u << 20)	/* bytes held in all */
#define FRAG_IN_TIMEOUT_MS	3000		/* from the first fragment */
#define FRAG_NACK_AFTER_MS	150		/* idle time before a NACK */
#define FRAG_MAX_NACKS		3		/* then give up */
#define FRAG_IN_DONE_RING	256		/* completed ids remembered */

/* Same shape as struct dht_io's send. */
typedef void	frag_emit_cb(void *arg, const struct addr *to,
		    const uint8_t *buf, size_t len);

/*
 * Emits msg (a whole message from wire_encode, 1..WIRE_MAX_MESSAGE bytes)
 * to `to`: as it is if it fits WIRE_MAX_DATAGRAM, else as fragments of the
 * caller's random msg_id.  Returns the number of datagrams, or -1.
 */
int	frag_split(const uint8_t *msg, size_t len, uint64_t msg_id,
	    const struct addr *to, frag_emit_cb *, void *arg);

/* ---- outbound cache ---------------------------------------------------- */

struct frag_out_stats {
	uint64_t	messages;	/* fragmented messages sent */
	uint64_t	nacks_answered;
	uint64_t	parts_resent;
	uint64_t	nack_malformed;
	uint64_t	nack_unknown;	/* never sent, expired or evicted */
	uint64_t	nack_wrong_addr; /* from another address: ignored */
	uint64_t	nack_mismatch;	/* part count differs */
	uint64_t	nack_limit;	/* FRAG_OUT_MAX_ANSWERS reached */
	uint64_t	evicted;	/* dropped early for FRAG_OUT_MAX_BYTES */
	uint64_t	expired;
	uint64_t	held;		/* messages held now */
	uint64_t	bytes;		/* bytes held now */
};

struct frag_out;

struct frag_out	*frag_out_new(void);
void		 frag_out_free(struct frag_out *);	/* NULL: no-op */

/*
 * frag_split, and if the message was fragmented, remembers it under
 * (to, msg_id) for FRAG_OUT_TTL_MS, dropping the oldest messages to stay
 * within FRAG_OUT_MAX_BYTES.  Returns datagrams emitted, or -1.
 */
int	frag_out_send(struct frag_out *, const struct addr *to,
	    const uint8_t *msg, size_t len, uint64_t msg_id, int64_t now_ms,
	    frag_emit_cb *, void *arg);

/*
 * A NACK datagram from `from`: re-emits the parts it lists, to `from`,
 * if that is where the message went.  Returns how many parts were sent
 * (>= 1), or -1 with a static reason (ignored and counted).
 */
int	frag_out_nack(struct frag_out *, const struct addr *from,
	    const uint8_t *nack, size_t len, int64_t now_ms, frag_emit_cb *,
	    void *arg, const char **errstr);

void	frag_out_tick(struct frag_out *, int64_t now_ms);
int64_t	frag_out_next_deadline(const struct frag_out *); /* or INT64_MAX */
void	frag_out_get_stats(const struct frag_out *, struct frag_out_stats *);

/* ---- reassembly -------------------------------------------------------- */

enum frag_result {
	FRAG_DROP = -1,		/* refused; *errstr says why; counted */
	FRAG_PARTIAL = 0,	/* kept, or a harmless duplicate: wait */
	FRAG_COMPLETE = 1,	/* *msg is the whole message: free(3) it */
};

struct frag_in_stats {
	uint64_t	fragments;	/* new parts stored */
	uint64_t	completed;
	uint64_t	duplicates;	/* part already held: ignored */
	uint64_t	late;		/* part of a completed message: ignored */
	uint64_t	drop_header;	/* not a fragment datagram */
	uint64_t	drop_fields;	/* absurd index/count/total/length */
	uint64_t	drop_mismatch;	/* disagrees with earlier parts */
	uint64_t	drop_memory;	/* allocation failed */
	uint64_t	evicted_source;	/* source's oldest, for its new one */
	uint64_t	evicted_full;	/* oldest of all, for a new one */
	uint64_t	expired;	/* FRAG_IN_TIMEOUT_MS passed */
	uint64_t	gave_up;	/* no progress after FRAG_MAX_NACKS */
	uint64_t	nacks_sent;
	uint64_t	partials;	/* held now */
	uint64_t	bytes;		/* held now */
};

struct frag_in;

/* seed keys the hash tables, so senders cannot aim for one bucket. */
struct frag_in	*frag_in_new(uint64_t seed);
void		 frag_in_free(struct frag_in *);	/* NULL: no-op */

/*
 * One fragment datagram from `from`.  On FRAG_COMPLETE, *msg (malloc'd,
 * the caller frees it) holds *msglen bytes: a whole message for
 * wire_decode.  Partials are keyed by (from, msg_id).
 */
enum frag_result frag_in_input(struct frag_in *, const struct addr *from,
	    const uint8_t *dgram, size_t len, int64_t now_ms, uint8_t **msg,
	    size_t *msglen, const char **errstr);

/*
 * Expires partials and emits NACKs for those idle FRAG_NACK_AFTER_MS with
 * parts missing; after FRAG_MAX_NACKS unanswered ones, gives up.
 */
void	frag_in_tick(struct frag_in *, int64_t now_ms, frag_emit_cb *,
	    void *arg);
int64_t	frag_in_next_deadline(const struct frag_in *);	/* or INT64_MAX */
void	frag_in_get_stats(const struct frag_in *, struct frag_in_stats *);

#endif

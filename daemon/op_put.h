/*
 * op_put — a put: the value goes into the local store, then to the k
 * closest nodes found by an iterative FIND_NODE, with the write token each
 * gave us.  A putter outside the key's k closest records who took it (see
 * hold.h).  The lookup ends once the k closest candidates that neither
 * failed nor stalled answered (lookup_settled): a node that missed its
 * first, RTT-derived timeout is likely dead, and waiting out its resends
 * (seconds over wide-area links) would hold every put near it; the value
 * goes to the k closest that answered instead, so a slow node that was
 * alive after all misses this STORE (the other k hold the value, and
 * republishing brings it later).  In the lookup's last step a node whose
 * fresh cookie we hold is sent the STORE itself, asking for the closest
 * nodes in its StoreAck (op_put_query): about alpha FindNodes and k
 * STOREs a put, not k of each; when the table already holds the k
 * closest it knows of near the key, answering lately, the lookup starts
 * at that step (op_put_begin) and no FindNode goes (docs/PROTOCOL.md,
 * Put).
 */
#ifndef EMO_OP_PUT_H
#define EMO_OP_PUT_H

#include "op.h"

struct op_put_result {
	enum dht_err	 err;
	const char	*msg;
	uint32_t	 acks;		/* nodes that stored it, local included */
	uint32_t	 remote_acks;
	uint32_t	 refused;	/* nodes that answered but stored none */
};

typedef void	op_put_cb(void *arg, const struct op_put_result *);

/*
 * Succeeds when a remote node acknowledged, or when the table was empty
 * and the local store took it.  -1 (cb never called) only when no slot
 * is free; every other failure reaches cb.
 */
int	op_put_start(struct op_set *, const struct id *key, const void *data,
	    size_t len, const struct value_attr *, int64_t created_ms,
	    int64_t expires_ms,
	    int64_t now_ms, int64_t wall_ms, op_put_cb *, void *arg);

/* The store's last failure as an operation's error. */
enum dht_err op_store_err(const struct store *);

#endif

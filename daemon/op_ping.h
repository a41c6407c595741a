/*
 * op_ping — a ping of one address: its node's ID and the round trip.
 */
#ifndef EMO_OP_PING_H
#define EMO_OP_PING_H

#include "op.h"

struct op_ping_result {
	enum dht_err	 err;
	const char	*msg;
	struct id	 id;
	uint32_t	 rtt_us;
};

typedef void	op_ping_cb(void *arg, const struct op_ping_result *);

/* -1 (cb never called) only when no slot is free. */
int	op_ping_start(struct op_set *, const struct addr *, int64_t now_ms,
	    op_ping_cb *, void *arg);

#endif

/*
 * op_get — a get: the local values plus an iterative FIND_VALUE, paging
 * through each responder's values, the union (the same bytes once, with
 * the longest expiry), oldest first.
 */
#ifndef EMO_OP_GET_H
#define EMO_OP_GET_H

#include "op.h"

#define OP_GET_MAX_PAGES_PER_NODE 64	/* FIND_VALUE pages from one node */
#define OP_GET_MAX_VALUES	STORE_MAX_VALUES_PER_KEY
#define OP_GET_MAX_BYTES	(64u << 20)

struct op_get_result {
	enum dht_err		 err;
	const char		*msg;
	struct store_result	 values;	/* owned by the operation */
	uint32_t		 responders;	/* nodes that answered */
};

typedef void	op_get_cb(void *arg, const struct op_get_result *);

/* -1 (cb never called) only when no slot is free. */
int	op_get_start(struct op_set *, const struct id *key, int64_t since_ms,
	    int64_t now_ms, int64_t wall_ms, op_get_cb *, void *arg);

#endif

/*
 * op_get — a get: the local values plus an iterative FIND_VALUE, paging
 * through each responder's values, the union (the same bytes once, with
 * the longest expiry), oldest first.  When the union does not fit the
 * byte cap (what one control frame carries), the get keeps the oldest
 * values that fit and says where the next get (since_ms) should start.
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

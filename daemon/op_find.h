/*
 * op_find — a plain iterative FIND_NODE whose result is the k closest
 * nodes that answered: the engine's join and refresh lookups (internal
 * quota) and the simulator's check of lookups (user quota).
 */
#ifndef EMO_OP_FIND_H
#define EMO_OP_FIND_H

#include "op.h"

/* The k closest that answered, closest first; n == 0: nobody did. */
typedef void	op_find_cb(void *arg, enum dht_err,
		    const struct route_node *, size_t n, int64_t now_ms);

/* -1 (cb never called) only when no slot is free. */
int	op_find_start(struct op_set *, const struct id *target, int internal,
	    int64_t now_ms, op_find_cb *, void *arg);

#endif

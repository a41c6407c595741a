/*
 * op_find — FIND_NODE lookups: see op_find.h.
 */
#include <stdlib.h>

#include "op_find.h"

struct op_find {
	struct op	 op;
	op_find_cb	*cb;
	void		*arg;
	struct route_node *found;
	size_t		 nfound;
};

static void
op_find_lookup_done(struct op *op, int64_t now_ms)
{
	struct op_find *f = (struct op_find *)op;

	if ((f->found = calloc(op->env->k, sizeof(*f->found))) != NULL)
		f->nfound = op_result(op, f->found, op->env->k);
	op_complete(op, DHT_OK, NULL);
}

/*
 * A lookup of an ID (ours, a bucket's, a user's `find`) stores nothing:
 * the write tokens in its answers would only take room in the peers'
 * token cache (env->tok) from those of keys that a STORE, a hand-over or
 * a get will use.
 */
static void
op_find_sent(struct op *op, struct rpc_call *c, int64_t now_ms)
{
	c->no_token = 1;
}

static void
op_find_complete(struct op *op, int64_t now_ms)
{
	struct op_find *f = (struct op_find *)op;

	f->cb(f->arg, op->err, f->found, f->nfound, now_ms);
}

static void
op_find_free(struct op *op)
{
	free(((struct op_find *)op)->found);
}

static const struct op_kind op_find_kinds[2] = {
	{
		.name = "find",
		.sent = op_find_sent,
		.lookup_done = op_find_lookup_done,
		.complete = op_find_complete,
		.free = op_find_free,
	}, {
		.name = "find (internal)",
		.internal = 1,
		.sent = op_find_sent,
		.lookup_done = op_find_lookup_done,
		.complete = op_find_complete,
		.free = op_find_free,
	},
};

int
op_find_start(struct op_set *s, const struct id *target, int internal,
    int64_t now_ms, op_find_cb *cb, void *arg)
{
	struct op_find *f;

	if ((f = op_new(s, &op_find_kinds[internal != 0], sizeof(*f), now_ms,
	    0)) == NULL)
		return -1;
	f->cb = cb;
	f->arg = arg;
	f->op.target = *target;
	if (op_lookup_start(&f->op, now_ms) == -1)
		op_complete(&f->op, DHT_ERR_UNAVAILABLE, "out of memory");
	return 0;
}


/*
 * op_ping — one PING, no lookup: see op_ping.h.
 */
#include <string.h>

#include "op_ping.h"

struct op_ping {
	struct op	 op;
	op_ping_cb	*cb;
	void		*arg;
	struct id	 id;
	uint32_t	 rtt_us;
};

static void
op_ping_reply(void *ctx, const struct rpc_call *c, const struct wire_msg *m,
    int64_t now_ms, int64_t wall_ms)
{
	struct op_ping *p = ctx;

	if (p->op.done)
		return;
	p->id = m->sender;
	p->rtt_us = now_ms > c->sent_ms ?
	    (uint32_t)((now_ms - c->sent_ms) * 1000) : 1;
	op_complete(&p->op, DHT_OK, NULL);
}

static void
op_ping_failed(void *ctx, const struct rpc_call *c, int64_t now_ms)
{
	struct op_ping *p = ctx;

	op_complete(&p->op, DHT_ERR_TIMEOUT, "no answer");
}

static const struct rpc_ops op_ping_rpc = {
	.reply = op_ping_reply,
	.failed = op_ping_failed,
};

static void
op_ping_complete(struct op *op, int64_t now_ms)
{
	struct op_ping *p = (struct op_ping *)op;
	struct op_ping_result r;

	memset(&r, 0, sizeof(r));
	r.err = op->err;
	r.msg = op->msg;
	r.id = p->id;
	r.rtt_us = p->rtt_us;
	p->cb(p->arg, &r);
}

static const struct op_kind op_ping_kind = {
	.name = "ping",
	.complete = op_ping_complete,
};

int
op_ping_start(struct op_set *s, const struct addr *to, int64_t now_ms,
    op_ping_cb *cb, void *arg)
{
	struct op_ping *p;
	struct wire_msg m;

	if ((p = op_new(s, &op_ping_kind, sizeof(*p), now_ms, 0)) == NULL)
		return -1;
	p->cb = cb;
	p->arg = arg;
	if (!route_addr_usable(to)) {
		op_complete(&p->op, DHT_ERR_INVALID, "unusable address");
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	/* Its Pong may prove the node's ID and admit it (admit.h). */
	rpc_challenge(p->op.env->rpc, &m);
	if (op_send(&p->op, to, NULL, &m, &op_ping_rpc, now_ms) == NULL)
		op_complete(&p->op, DHT_ERR_UNAVAILABLE,
		    "too many requests in flight");
	return 0;
}

/*
 * op_get_fetch — a get's fetches: the holders that listed digests (with
 * their tokens), GET_VALUES batched per holder, verification of what
 * comes back, fail-over to another holder.  See op_get.h.
 */
#include <stdlib.h>
#include <string.h>

#include "op_get_impl.h"

/* What a fetch's rpc_call.arg[] holds. */
enum { FETCH_ARG_SLOT };

/* The holder at `to`, made or updated with its token; -1 when full. */
int
op_get_holder(struct op_get *g, const struct rpc_call *c,
    const struct wire_values *wv)
{
	struct op_get_holder *h;
	size_t i;

	for (i = 0; i < g->nholders; i++)
		if (addr_eq(&g->holders[i].addr, &c->to))
			break;
	if (i == g->nholders) {
		if (g->nholders == OP_GET_MAX_HOLDERS)
			return -1;
		if (g->holders == NULL && (g->holders = calloc(
		    OP_GET_MAX_HOLDERS, sizeof(*g->holders))) == NULL)
			return -1;
		g->nholders++;
	}
	h = &g->holders[i];
	h->addr = c->to;
	h->id = c->id;
	if (wv->tokenlen > 0) {
		memcpy(h->tok, wv->token, wv->tokenlen);
		h->toklen = (uint8_t)wv->tokenlen;
	}
	return (int)i;
}

/*
 * The untried holder of v to ask next: the lowest smoothed round trip
 * (unknown ones last), or -1 when none is left.
 */
static int
op_get_pick(const struct op_get *g, const struct op_get_val *v)
{
	uint32_t srtt, var, best = UINT32_MAX;
	int j, pick = -1;

	for (j = 0; j < v->nholders; j++) {
		if (v->tried & (1u << j))
			continue;
		if (rpc_rtt(g->op.env->rpc, &g->holders[v->holder[j]].addr,
		    &srtt, &var) == -1)
			srtt = UINT32_MAX - 1;
		if (pick < 0 || srtt < best) {
			best = srtt;
			pick = j;
		}
	}
	return pick;
}

static const struct rpc_ops op_get_fetch_rpc;

/* A free fetch slot, or -1. */
static int
op_get_fetch_slot(struct op_get *g)
{
	struct op_get_fetch *nf;
	size_t i, ncap;

	for (i = 0; i < g->nfetches; i++)
		if (!g->fetches[i].used)
			return (int)i;
	if (g->nfetches == OP_GET_MAX_FETCHES)
		return -1;
	ncap = g->nfetches ? g->nfetches * 2 : 4;
	if (ncap > OP_GET_MAX_FETCHES)
		ncap = OP_GET_MAX_FETCHES;
	if ((nf = realloc(g->fetches, ncap * sizeof(*nf))) == NULL)
		return -1;
	memset(nf + g->nfetches, 0, (ncap - g->nfetches) * sizeof(*nf));
	g->fetches = nf;
	i = g->nfetches;
	g->nfetches = ncap;
	return (int)i;
}

/*
 * How long to wait for the node at `a` before asking another: its retransmission
 * timeout (RFC 6298: srtt + 4 rttvar) with a floor, plus time for the
 * answer's fragments; 0 (rpc's own) when its round trip is unknown.
 */
uint32_t
op_get_rto(const struct op_get *g, const struct addr *a, uint64_t bytes)
{
	uint32_t srtt, var, ms;

	if (rpc_rtt(g->op.env->rpc, a, &srtt, &var) == -1)
		return 0;
	ms = (srtt + 4 * var) / 1000 + (uint32_t)(bytes / 1024);
	return ms < OP_GET_FETCH_MIN_MS ? OP_GET_FETCH_MIN_MS : ms;
}

/* Sends one GET_VALUES for the values f lists; 0, or -1 if it could not. */
static int
op_get_fetch_send(struct op_get *g, int slot, uint64_t bytes, int other,
    int64_t now_ms)
{
	struct op_get_fetch *f = &g->fetches[slot];
	const struct op_get_holder *h = &g->holders[f->holder];
	uint8_t hashes[WIRE_MAX_VALUES_PER_MSG][WIRE_HASH_LEN];
	struct rpc_call *c;
	struct wire_msg m;
	size_t i;

	for (i = 0; i < f->n; i++)
		memcpy(hashes[i], g->vals[f->vidx[i]].hash, WIRE_HASH_LEN);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_GET_VALUES;
	m.u.get_values.key = g->op.target;
	m.u.get_values.hashes = hashes;
	m.u.get_values.nhashes = f->n;
	memcpy(m.u.get_values.token, h->tok, h->toklen);
	m.u.get_values.tokenlen = h->toklen;
	if ((c = op_send(&g->op, &h->addr, &h->id, &m, &op_get_fetch_rpc,
	    now_ms)) == NULL)
		return -1;
	/*
	 * Another holder could serve these (or may yet list them, while the
	 * lookup runs): two short tries, not all of rpc's long ones.
	 */
	if (other || !lookup_done(g->op.lk))
		rpc_set_timeout(g->op.env->rpc, c,
		    op_get_rto(g, &h->addr, bytes), 1);
	c->arg[FETCH_ARG_SLOT] = (uint32_t)slot;
	f->used = 1;
	g->fetching++;
	return 0;
}

/*
 * Asks for every kept value not yet here nor asked: each of its best
 * untried holder, batched per holder (as many as one answer carries).
 */
void
op_get_fetch_pump(struct op_get *g, int64_t now_ms)
{
	struct op_get_fetch *f;
	struct op_get_val *v;
	uint64_t bytes;
	size_t i, k;
	int j, slot, other;
	uint16_t hi;

	for (i = 0; i < g->nvals; i++) {
		v = &g->vals[i];
		if (!v->kept || v->state != OP_GET_V_WANT)
			continue;
		if ((j = op_get_pick(g, v)) < 0) {
			v->state = OP_GET_V_LOST;
			continue;
		}
		if ((slot = op_get_fetch_slot(g)) < 0)
			return;
		f = &g->fetches[slot];
		hi = v->holder[j];
		f->holder = hi;
		f->n = 0;
		bytes = 0;
		other = 0;
		/* This holder's other wanted values, in the same request. */
		for (k = i; k < g->nvals && f->n < WIRE_MAX_VALUES_PER_MSG;
		    k++) {
			v = &g->vals[k];
			if (!v->kept || v->state != OP_GET_V_WANT ||
			    (j = op_get_pick(g, v)) < 0 || v->holder[j] != hi)
				continue;
			if (bytes + v->v.len + OP_GET_FETCH_VALUE_COST >
			    OP_GET_FETCH_BYTES)
				break;
			bytes += v->v.len + OP_GET_FETCH_VALUE_COST;
			v->tried |= (uint8_t)(1u << j);
			v->state = OP_GET_V_FLIGHT;
			f->vidx[f->n++] = (int32_t)k;
			if (op_get_pick(g, v) >= 0)
				other = 1;
		}
		if (op_get_fetch_send(g, slot, bytes, other, now_ms) == -1) {
			/* That holder is out for these; try the others. */
			for (k = 0; k < f->n; k++)
				g->vals[f->vidx[k]].state = OP_GET_V_WANT;
			f->used = 0;
		}
		i--;	/* the value at i may be left for another holder */
	}
}

/* The values of fetch slot still in flight go back to be asked again. */
static void
op_get_fetch_release(struct op_get *g, int slot)
{
	struct op_get_fetch *f = &g->fetches[slot];
	struct op_get_val *v;
	size_t k;

	for (k = 0; k < f->n; k++) {
		v = &g->vals[f->vidx[k]];
		if (v->state != OP_GET_V_FLIGHT)
			continue;
		v->state = OP_GET_V_WANT;
		if (v->kept && op_get_pick(g, v) >= 0)
			op_stats_mut(g->op.set)->get_fetch_failover++;
	}
	f->used = 0;
	g->fetching--;
}

/* Declared in op_get_impl.h. */
void
op_get_inline(struct op_get *g, const struct wire_values *wv, int64_t max_exp)
{
	const struct wire_value *x;
	struct op_get_val *v;
	uint8_t h[KECCAK256_LEN];
	size_t i, k;
	int32_t vi;

	for (i = 0; i < wv->nvalues; i++) {
		x = &wv->values[i];
		/* A forged signed or immutable value is never returned. */
		if (serve_value_check(g->op.env, &g->op.target, x, NULL) == -1)
			continue;
		sigval_hash(&x->attr, x->data, x->len, h);
		if (wv->ndigests == 0) {
			op_get_add(g, h, x->data, &x->attr, x->len,
			    x->created_ms, x->expires_ms, max_exp, -1);
			continue;
		}
		for (k = 0; k < wv->ndigests &&
		    (wv->digests[k].len != x->len ||
		    memcmp(wv->digests[k].hash, h, KECCAK256_LEN) != 0); k++)
			;
		if (k == wv->ndigests) {
			op_stats_mut(g->op.set)->get_fetch_bad++;
			continue;
		}
		if ((vi = op_get_find(g, h, x->len)) < 0)
			continue;	/* left out, not remembered */
		v = &g->vals[vi];
		if (!v->kept || v->state != OP_GET_V_WANT ||
		    (v->v.data = malloc(x->len)) == NULL)
			continue;
		memcpy(v->v.data, x->data, x->len);
		v->v.attr = x->attr;
		v->state = OP_GET_V_HAVE;
	}
}

/*
 * A fetch's answer: each value must hash to a digest that request asked
 * for, with the digest's size; anything else is dropped and counted (a
 * holder cannot substitute content).  What was asked and not given is
 * asked of another holder.
 */
static void
op_get_fetch_reply(void *ctx, const struct rpc_call *c,
    const struct wire_msg *m, int64_t now_ms, int64_t wall_ms)
{
	struct op_get *g = ctx;
	const struct wire_values *wv = &m->u.values;
	struct op_get_fetch *f;
	struct op_get_val *v;
	uint8_t h[KECCAK256_LEN];
	uint32_t slot = c->arg[FETCH_ARG_SLOT];
	size_t i, k;
	int32_t vi;

	if (g->op.done || slot >= g->nfetches || !g->fetches[slot].used)
		return;
	f = &g->fetches[slot];
	for (i = 0; i < wv->nvalues; i++) {
		if (serve_value_check(g->op.env, &g->op.target,
		    &wv->values[i], NULL) == -1)
			continue;
		sigval_hash(&wv->values[i].attr, wv->values[i].data,
		    wv->values[i].len, h);
		vi = op_get_find(g, h, wv->values[i].len);
		for (k = 0; vi >= 0 && k < f->n && f->vidx[k] != vi; k++)
			;
		if (vi < 0 || k == f->n) {
			op_stats_mut(g->op.set)->get_fetch_bad++;
			continue;
		}
		v = &g->vals[vi];
		if (v->state != OP_GET_V_FLIGHT)
			continue;
		v->state = OP_GET_V_HAVE;
		if (!v->kept || (v->v.data = malloc(v->v.len)) == NULL)
			continue;
		memcpy(v->v.data, wv->values[i].data, v->v.len);
		v->v.attr = wv->values[i].attr;
	}
	op_get_fetch_release(g, (int)slot);
	op_get_fetch_pump(g, now_ms);
	op_get_maybe_finish(g);
}

static void
op_get_fetch_failed(void *ctx, const struct rpc_call *c, int64_t now_ms)
{
	struct op_get *g = ctx;
	uint32_t slot = c->arg[FETCH_ARG_SLOT];

	if (g->op.done || slot >= g->nfetches || !g->fetches[slot].used)
		return;
	op_get_fetch_release(g, (int)slot);
	op_get_fetch_pump(g, now_ms);
	op_get_maybe_finish(g);
}

static const struct rpc_ops op_get_fetch_rpc = {
	.reply = op_get_fetch_reply,
	.failed = op_get_fetch_failed,
};

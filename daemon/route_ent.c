/*
 * route_ent — the routing table's entries as its buckets keep them: see
 * route_ent.h.
 */
#include <string.h>

#include "route_ent.h"

void
route_ent_set_addr(struct route_ent *e, const struct addr *a)
{
	memset(e->ip, 0, sizeof(e->ip));
	e->scope = 0;
	e->flags &= (uint8_t)~ROUTE_F_V6;
	if (addr_family(a) == AF_INET6) {
		memcpy(e->ip, &a->u.sin6.sin6_addr, 16);
		e->scope = a->u.sin6.sin6_scope_id;
		e->port = a->u.sin6.sin6_port;
		e->flags |= ROUTE_F_V6;
	} else {
		memcpy(e->ip, &a->u.sin.sin_addr, 4);
		e->port = a->u.sin.sin_port;
	}
}

void
route_ent_addr(const struct route_ent *e, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (e->flags & ROUTE_F_V6) {
		a->u.sin6.sin6_family = AF_INET6;
		a->u.sin6.sin6_port = e->port;
		memcpy(&a->u.sin6.sin6_addr, e->ip, 16);
		a->u.sin6.sin6_scope_id = e->scope;
		a->len = sizeof(a->u.sin6);
	} else {
		a->u.sin.sin_family = AF_INET;
		a->u.sin.sin_port = e->port;
		memcpy(&a->u.sin.sin_addr, e->ip, 4);
		a->len = sizeof(a->u.sin);
	}
}

int
route_ent_addr_eq(const struct route_ent *e, const struct addr *a)
{
	struct addr x;

	route_ent_addr(e, &x);
	return addr_eq(&x, a);
}

/* When the ping was asked for (no later than it was). */
uint64_t
route_ent_ping_ms(const struct route_ent *e)
{
	return e->last_seen_ms + e->ping_after;
}

/* Marks the entry pinging since now_ms, or not (on == 0). */
void
route_ent_ping(struct route_ent *e, int on, uint64_t now_ms)
{
	uint64_t d;

	e->flags &= (uint8_t)~ROUTE_F_PINGING;
	e->ping_after = 0;
	if (!on)
		return;
	e->flags |= ROUTE_F_PINGING;
	/* Capped: the ping then looks older, and goes stale sooner. */
	d = now_ms > e->last_seen_ms ? now_ms - e->last_seen_ms : 0;
	e->ping_after = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

void
route_ent_node(const struct route_ent *e, struct route_node *out)
{
	memset(out, 0, sizeof(*out));
	out->id = e->id;
	route_ent_addr(e, &out->addr);
	out->last_seen_ms = e->last_seen_ms;
	out->rtt_us = e->rtt_us;
	out->fails = e->fails;
	out->pinging = (e->flags & ROUTE_F_PINGING) != 0;
	out->ping_ms = out->pinging ? route_ent_ping_ms(e) : 0;
}

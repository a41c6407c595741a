/*
 * route_ent — part of the route module: a routing-table entry as a bucket
 * keeps it (struct route_ent, compact) and its conversions to and from
 * the struct route_node and struct addr that callers see.  Private to
 * route.c.
 */
#ifndef EMO_ROUTE_ENT_H
#define EMO_ROUTE_ENT_H

#include <stdint.h>

#include "addr.h"
#include "id.h"
#include "route.h"

/*
 * An entry as a bucket keeps it: a route_node with its address in 24
 * bytes rather than struct addr's 32 and the ping time as an offset from
 * the last sighting (72 bytes, not 88: a table of a big network holds
 * some 250 of them, and a simulator thousands of tables).  Only usable
 * IPv4 and IPv6 addresses enter the table.
 */
struct route_ent {
	struct id	id;
	uint8_t		ip[16];		/* IPv4: the first 4 */
	uint32_t	scope;		/* IPv6 scope ID */
	uint16_t	port;		/* network order */
	uint8_t		flags;		/* ROUTE_F_* */
	uint8_t		fails;		/* consecutive timeouts */
	uint32_t	rtt_us;
	uint32_t	ping_after;	/* ping_ms - last_seen_ms, capped */
	uint64_t	last_seen_ms;
};

#define ROUTE_F_V6	0x01
#define ROUTE_F_PINGING	0x02

_Static_assert(sizeof(struct route_ent) == 72, "compact table entries");

/* The address in e (its flags' family bit too). */
void		route_ent_set_addr(struct route_ent *, const struct addr *);
void		route_ent_addr(const struct route_ent *, struct addr *);
int		route_ent_addr_eq(const struct route_ent *,
		    const struct addr *);
/* When the ping was asked for (no later than it was). */
uint64_t	route_ent_ping_ms(const struct route_ent *);
/* Marks the entry pinging since now_ms, or not (on == 0). */
void		route_ent_ping(struct route_ent *, int on, uint64_t now_ms);
/* The entry as callers see it. */
void		route_ent_node(const struct route_ent *, struct route_node *);

#endif

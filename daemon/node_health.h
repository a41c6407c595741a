/*
 * node_health — whether this node is meant to have peers, and what that
 * makes of results: a put that only this node stored, a get that no peer
 * answered, a bootstrap nobody answers.  A node is "networked" once it has
 * a bootstrap list, saved peers or has seen a peer; a node alone by design
 * (no bootstrap, never a peer, like `make run`) keeps succeeding alone.
 * Owned by node.c, one per node; no I/O but the log.
 */
#ifndef EMO_NODE_HEALTH_H
#define EMO_NODE_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "dht.h"

struct node_health {
	int		networked;	/* bootstrap, saved or seen peers */
	uint32_t	boot_rounds;	/* the last bootstrap round seen */
	char		msg[256];	/* a result's formatted message */
};

void	node_health_init(struct node_health *, int networked);
/* After input: a peer in the table makes the node networked for good. */
void	node_health_peers(struct node_health *, size_t peers);
/*
 * Judges a put the local store took: OK when at least min_acks nodes
 * stored it (0: 1 alone by design, else 2), else DHT_ERR_UNAVAILABLE
 * "stored on this node only: no peer answered" (or how many did).
 */
void	node_health_put(struct node_health *, uint32_t min_acks,
	    struct op_put_result *);
/* A get no peer answered: "network unavailable", not "not found". */
void	node_health_get(const struct node_health *, enum dht_err *,
	    const char **msg, uint32_t responders);
/* Warns when a bootstrap round goes out again with no answer. */
void	node_health_boot(struct node_health *, const struct join_boot *,
	    size_t peers, int64_t now_ms);
/* "connected", "isolated" or "standalone". */
const char *node_health_network(const struct node_health *, size_t peers);
/*
 * Why pinging `to` from a node listening on `local` cannot work (our own
 * address; IPv6 from an IPv4 socket), or NULL.
 */
const char *node_health_ping_check(struct node_health *,
	    const struct addr *local, const struct addr *to);
/* A ping nobody answered: the pinged node is silent, not emod. */
const char *node_health_ping_silent(struct node_health *,
	    const struct addr *to, uint32_t waited_ms);
/* The put's refusal of a ttl over max_ttl, naming the limit. */
const char *node_health_ttl(struct node_health *, uint32_t ttl_s,
	    uint32_t max_ttl_s);

#endif

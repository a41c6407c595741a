/*
 * admit — who may enter the routing table (docs/PROTOCOL.md, "Node
 * identity" and "Cookies"): only a node that proved its ID, by a Pong
 * carrying its public key and its signature over the nonce of a Ping of
 * ours (ident.h).  Owns those challenge Pings, to nodes that answered us
 * and to nodes that asked us something (the admission ping, under a
 * token bucket and the amplification rule), the check of their Pongs,
 * the bounded cache of recently proven (ID, address) pairs (a node is
 * verified once, not per message; every routing-table entry is proven by
 * construction), and their counters.  Sans-I/O like the rest of the
 * engine: it sends through rpc and decides; dht.c updates the table.
 */
#ifndef EMO_ADMIT_H
#define EMO_ADMIT_H

#include <stddef.h>
#include <stdint.h>

#include "env.h"

/*
 * Admission pings to nodes that asked us something but never answered
 * us: a token bucket.  A joining node asks some 20 nodes per lookup and
 * runs a handful of lookups in its first seconds, so a node near many
 * newcomers sees a few per second; the bucket lets a burst of a whole
 * join wave through, and bounds what spoofed requests can make us send.
 */
#define ADMIT_PER_S		20
#define ADMIT_BURST		64
/* Proven (ID, address) pairs remembered; addr_cache_max may lower it. */
#define ADMIT_PROVEN_MIN	64
#define ADMIT_PROVEN_MAX	1024

struct admit_stats {
	uint64_t	pings;		/* admission pings to unknown requesters */
	uint64_t	limited;	/* not sent: the token bucket */
	uint64_t	unproven;	/* not sent: no room under the rule */
	uint64_t	challenges;	/* challenges to nodes that answered */
	uint64_t	proofs_ok;	/* Pongs that proved their ID */
	uint64_t	proof_bad;	/* a proof that failed (ident_check) */
	uint64_t	proof_missing;	/* a Pong to a challenge without one */
};

struct admit;

struct admit	*admit_new(const struct env *, size_t cache_max,
		    uint64_t salt, int64_t now_ms);
void		 admit_free(struct admit *);

/*
 * May id at `from` be put in the table or refreshed there without a new
 * proof: it is an entry at that address, or proved it there recently.
 */
int	admit_known(const struct admit *, const struct id *,
	    const struct addr *);
/*
 * A node that answered a request of ours, not known proven: a challenge
 * Ping goes to it if the table could take it (a bucket with room, or a
 * full one's replacement cache, or its entry missed a reply), unless one
 * is pending to that address.
 */
void	admit_challenge(struct admit *, const struct id *,
	    const struct addr *, int64_t now_ms);
/*
 * A request from id at `from` that the table does not hold there: the
 * admission ping (a challenge), if the bucket has room, the token bucket
 * allows it and it fits in `room` bytes with its answer (SIZE_MAX: the
 * request proved its address; else one try, no resends).
 */
void	admit_request(struct admit *, const struct id *, const struct addr *,
	    size_t room, int64_t now_ms);
/*
 * m answered request c from `from`: if c was a challenge, checks the
 * proof (counted) and remembers a proven pair.  1 if m proved its
 * sender's ID, else 0.
 */
int	admit_pong(struct admit *, const struct rpc_call *c,
	    const struct wire_msg *m, const struct addr *from, int64_t now_ms);
void	admit_get_stats(const struct admit *, struct admit_stats *);

#endif

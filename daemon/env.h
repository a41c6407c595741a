/*
 * env — what every part of the engine above rpc shares: our ID and its
 * key pair, the engine's limits, the routing table, the request table, tokens, the
 * store, and randomness.  Owned by dht.c, which builds it once; the parts
 * hold a const pointer and never free what it points to.
 */
#ifndef EMO_ENV_H
#define EMO_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "hold.h"
#include "id.h"
#include "keys.h"
#include "route.h"
#include "rpc.h"
#include "store.h"
#include "token.h"

/*
 * Values refused by the value rules (signed and immutable values, sigval
 * and store_put_value), in STOREs, local puts and get answers alike.
 */
enum env_vref {
	ENV_VREF_SIG_BAD,	/* signature does not verify; bad attributes */
	ENV_VREF_POINT_BAD,	/* public key not a curve point */
	ENV_VREF_KEY_BAD,	/* key not Keccak-256(public key ‖ name) */
	ENV_VREF_TTL_BAD,	/* expiry not creation + whole s; over max_ttl */
	ENV_VREF_IMMUTABLE_BAD,	/* hash not the key; other under immutable */
	ENV_VREF_SEQ_OLD,	/* the key holds a higher seq */
	ENV_VREF_SEQ_SAME,	/* same seq, another value */
	ENV_VREF_UNSIGNED,	/* unsigned under a key holding signed */
	ENV_VREF_COUNT
};

/* A STORE's creation time may be this far ahead of our clock. */
#define ENV_CLOCK_SKEW_MS	60000

struct env {
	struct id	 self;		/* Keccak-256 of keys.pub (ident.h) */
	struct keys_pair keys;		/* proves self in Pongs */
	unsigned	 id_difficulty;	/* what peers' IDs must meet */
	unsigned	 k;		/* replication factor, answer size */
	unsigned	 alpha;		/* requests in flight per lookup */
	uint32_t	 max_ttl_s;	/* clamp for values from the network */
	uint32_t	 refresh_ms;	/* bucket refresh interval */
	uint32_t	 republish_ms;	/* republish interval */
	int		 limit_local;	/* IP limits apply to local addresses */
	int		 local_whole;	/* dht_config's */
	struct route	*rt;
	struct rpc	*rpc;
	struct token	*tok;
	struct hold	*hold;
	struct store	*store;
	uint64_t	*vref;		/* [ENV_VREF_COUNT], dht's */
	void		(*random)(void *arg, void *buf, size_t len);
	void		*random_arg;
	/*
	 * The store refused a local put under key (full): evict a value
	 * from the network that may go for it (serve_make_room)?  1 if one
	 * went.  NULL: none.
	 */
	int		(*make_room)(void *arg, const struct id *key);
	void		*make_room_arg;
};

static inline void
env_random(const struct env *e, void *buf, size_t len)
{
	e->random(e->random_arg, buf, len);
}

#endif

/*
 * token — who has shown that it receives at its address: the write tokens
 * we hand out (a keyed hash of the address and the key asked about under
 * a rotating secret; the previous secret stays valid: a token admits
 * STOREs from that address under that key only), the tokens peers handed
 * us, by their address and the key we asked about, and the
 * addresses that answered our requests recently.  Sans-I/O: the caller
 * supplies fresh secrets.
 */
#ifndef EMO_TOKEN_H
#define EMO_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "wire.h"

#define TOKEN_LEN		16
#define TOKEN_SECRET_LEN	32
#define TOKEN_ROTATE_MS		300000	/* the previous secret stays valid */
#define TOKEN_PEER_MIN		16	/* peers' tokens kept, by address, key */
#define TOKEN_PEER_MAX		256
#define TOKEN_PEER_MAX_AGE_MS	240000	/* use a peer's token this long */
/*
 * An answer longer than one datagram goes only to an asker that echoed
 * our token, or that answered one of our requests: both prove the source
 * address is real.
 */
#define TOKEN_VERIFIED_MIN	64	/* addresses that answered us */
#define TOKEN_VERIFIED_MAX	1024
#define TOKEN_VERIFIED_MAX_AGE_MS 600000

/* A token a peer gave us. */
struct token_peer {
	uint8_t		 tok[WIRE_MAX_TOKEN];
	uint8_t		 len;
};

struct token;

/* `seed`: two secrets and a cache salt, TOKEN_SECRET_LEN * 2 + 8 bytes. */
#define TOKEN_SEED_LEN		(TOKEN_SECRET_LEN * 2 + 8)
struct token	*token_new(const uint8_t seed[TOKEN_SEED_LEN], int64_t now_ms);
void		 token_free(struct token *);
/*
 * Keeps at most max peers' tokens and max verified addresses (never more
 * than TOKEN_PEER_MAX and TOKEN_VERIFIED_MAX); call right after token_new.
 */
void		 token_limit(struct token *, size_t max);

/* Time for token_rotate?  Then the current secret becomes the previous. */
int	token_rotate_due(const struct token *, int64_t now_ms);
void	token_rotate(struct token *, const uint8_t fresh[TOKEN_SECRET_LEN],
	    int64_t now_ms);

/* The token for STOREs from `a` under `key` (a FIND_NODE's target). */
void	token_make(const struct token *, const struct addr *,
	    const struct id *key, uint8_t out[TOKEN_LEN]);
int	token_check(const struct token *, const struct addr *,
	    const struct id *key, const uint8_t *, size_t);

/* The token `a` gave us in answer to a request about `key`. */
void	token_peer_put(struct token *, const struct addr *,
	    const struct id *key, const uint8_t *, size_t, int64_t now_ms);
/* `a` refused the token it gave us (it restarted, or rotated twice). */
void	token_peer_forget(struct token *, const struct addr *,
	    const struct id *key);
/* The token `a` gave us for `key`, if recent enough to use; else NULL. */
const struct token_peer *token_peer_get(const struct token *,
	    const struct addr *, const struct id *key, int64_t now_ms);

void	token_verified_add(struct token *, const struct addr *, int64_t now_ms);
int	token_verified(const struct token *, const struct addr *,
	    int64_t now_ms);

#endif

/*
 * token — who has shown that it receives at its address: the write tokens
 * we hand out (a keyed hash of the address and the key asked about under
 * a rotating secret; the previous secret stays valid: a token admits
 * STOREs from that address under that key only), the cookies we hand out
 * (the address alone, same secrets, another domain), and the tokens peers
 * handed us, by their address and the key we asked about.  Sans-I/O: the
 * caller supplies fresh secrets.
 */
#ifndef EMO_TOKEN_H
#define EMO_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "crypto.h"
#include "wire.h"

#define TOKEN_LEN		16
#define TOKEN_SECRET_LEN	CRYPTO_MAC_KEY_LEN	/* 16 */
#define TOKEN_ROTATE_MS		300000	/* the previous secret stays valid */
#define TOKEN_PEER_MIN		16	/* peers' tokens kept, by address, key */
#define TOKEN_PEER_MAX		256
#define TOKEN_PEER_MAX_AGE_MS	240000	/* use a peer's token this long */

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
/* Keeps at most max peers' tokens (never more than TOKEN_PEER_MAX). */
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

/*
 * The cookie for address a: a keyed hash of the address alone under the
 * same rotating secrets, in a domain of its own (a cookie never works as
 * a write token, nor a token as a cookie).  An asker that echoes it
 * proves it receives at a (docs/PROTOCOL.md, "Cookies").  A cookie stays
 * valid for at least one rotation (TOKEN_ROTATE_MS) after it is made.
 */
#define TOKEN_COOKIE_LEN	8
#define TOKEN_COOKIE_BAD	0
#define TOKEN_COOKIE_CURRENT	1	/* made with the current secret */
#define TOKEN_COOKIE_PREVIOUS	2	/* the previous one: give a fresh */
void	token_cookie(const struct token *, const struct addr *,
	    uint8_t out[TOKEN_COOKIE_LEN]);
int	token_cookie_check(const struct token *, const struct addr *,
	    const uint8_t *, size_t);

/* The token `a` gave us in answer to a request about `key`. */
void	token_peer_put(struct token *, const struct addr *,
	    const struct id *key, const uint8_t *, size_t, int64_t now_ms);
/* `a` refused the token it gave us (it restarted, or rotated twice). */
void	token_peer_forget(struct token *, const struct addr *,
	    const struct id *key);
/* The token `a` gave us for `key`, if recent enough to use; else NULL. */
const struct token_peer *token_peer_get(const struct token *,
	    const struct addr *, const struct id *key, int64_t now_ms);
/* Peers' tokens held now. */
size_t	token_peer_count(const struct token *);

#endif

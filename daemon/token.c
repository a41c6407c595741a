/*
 * token — write tokens, cookies and peers' tokens: see token.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "token.h"

struct token_peer_ent {
	struct cache_ent e;		/* e.ms: when we got it */
	struct addr	 addr;
	struct id	 key;
	struct token_peer t;
};

struct token {
	uint8_t		 secret[2][TOKEN_SECRET_LEN];
	int64_t		 secret_ms;
	uint64_t	 salt;
	struct cache	 peers;		/* struct token_peer_ent */
};

struct token *
token_new(const uint8_t seed[TOKEN_SEED_LEN], int64_t now_ms)
{
	struct token *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	memcpy(t->secret, seed, sizeof(t->secret));
	memcpy(&t->salt, seed + sizeof(t->secret), sizeof(t->salt));
	t->secret_ms = now_ms;
	cache_init(&t->peers, sizeof(struct token_peer_ent), TOKEN_PEER_MIN,
	    TOKEN_PEER_MAX);
	return t;
}

void
token_limit(struct token *t, size_t max)
{
	cache_limit(&t->peers, max);
}

void
token_free(struct token *t)
{
	if (t == NULL)
		return;
	cache_free(&t->peers);
	free(t);
}

int
token_rotate_due(const struct token *t, int64_t now_ms)
{
	return now_ms - t->secret_ms >= TOKEN_ROTATE_MS;
}

void
token_rotate(struct token *t, const uint8_t fresh[TOKEN_SECRET_LEN],
    int64_t now_ms)
{
	memcpy(t->secret[1], t->secret[0], TOKEN_SECRET_LEN);
	memcpy(t->secret[0], fresh, TOKEN_SECRET_LEN);
	t->secret_ms = now_ms;
}

/* The first byte after the secret: a cookie never passes for a token. */
#define TOKEN_DOMAIN_WRITE	0x57	/* 'W' */
#define TOKEN_DOMAIN_COOKIE	0x43	/* 'C' */

/*
 * A keyed hash (SipHash-2-4, 128 bits: crypto_mac) of the domain byte, the
 * address (BEP 5's scheme) and, for a write token, the key: a token got by
 * asking about one key stores under no other (OpenDHT's binding).  key
 * NULL: a cookie, of the address alone.
 */
static void
token_hash(const uint8_t *secret, const struct addr *a, const struct id *key,
    uint8_t *out, size_t outlen)
{
	uint8_t in[1 + 16 + 2 + ID_LEN], h[CRYPTO_MAC_LEN];
	size_t n;
	uint16_t p;

	in[0] = key != NULL ? TOKEN_DOMAIN_WRITE : TOKEN_DOMAIN_COOKIE;
	n = 1 + addr_ip_bytes(a, in + 1);
	p = addr_port(a);
	in[n++] = (uint8_t)(p >> 8);
	in[n++] = (uint8_t)p;
	if (key != NULL) {
		memcpy(in + n, key->b, ID_LEN);
		n += ID_LEN;
	}
	_Static_assert(TOKEN_LEN <= CRYPTO_MAC_LEN &&
	    TOKEN_COOKIE_LEN <= CRYPTO_MAC_LEN, "token longer than the MAC");
	crypto_mac(h, in, n, secret);
	memcpy(out, h, outlen);
}

/* Which secret (0 current, 1 previous) made tok; -1: neither. */
static int
token_which(const struct token *t, const struct addr *a, const struct id *key,
    const uint8_t *tok, size_t len, size_t want_len)
{
	uint8_t want[TOKEN_LEN], diff;
	size_t i;
	int s;

	if (len != want_len)
		return -1;
	for (s = 0; s < 2; s++) {
		token_hash(t->secret[s], a, key, want, want_len);
		for (diff = 0, i = 0; i < want_len; i++)
			diff |= (uint8_t)(want[i] ^ tok[i]);
		if (diff == 0)
			return s;
	}
	return -1;
}

void
token_make(const struct token *t, const struct addr *a, const struct id *key,
    uint8_t out[TOKEN_LEN])
{
	token_hash(t->secret[0], a, key, out, TOKEN_LEN);
}

int
token_check(const struct token *t, const struct addr *a, const struct id *key,
    const uint8_t *tok, size_t len)
{
	return token_which(t, a, key, tok, len, TOKEN_LEN) >= 0;
}

void
token_cookie(const struct token *t, const struct addr *a,
    uint8_t out[TOKEN_COOKIE_LEN])
{
	token_hash(t->secret[0], a, NULL, out, TOKEN_COOKIE_LEN);
}

int
token_cookie_check(const struct token *t, const struct addr *a,
    const uint8_t *c, size_t len)
{
	switch (token_which(t, a, NULL, c, len, TOKEN_COOKIE_LEN)) {
	case 0:
		return TOKEN_COOKIE_CURRENT;
	case 1:
		return TOKEN_COOKIE_PREVIOUS;
	default:
		return TOKEN_COOKIE_BAD;
	}
}

/* Peers' tokens are keyed by address and key. */
static uint64_t
token_peer_hash(uint64_t salt, const struct addr *a, const struct id *key)
{
	return cache_hash_addr(salt, a) ^ cache_hash(salt, key->b, ID_LEN);
}

static struct cache_ent *
token_peer_find(const struct cache *c, uint64_t salt, const struct addr *a,
    const struct id *key)
{
	struct token_peer_ent *p;
	struct cache_ent *e;
	size_t i = 0;
	uint64_t h = token_peer_hash(salt, a, key);

	while ((e = cache_next(c, h, &i)) != NULL) {
		p = (struct token_peer_ent *)(void *)e;
		if (addr_eq(&p->addr, a) && id_eq(&p->key, key))
			return e;
	}
	return NULL;
}

void
token_peer_put(struct token *t, const struct addr *a, const struct id *key,
    const uint8_t *tok, size_t len, int64_t now_ms)
{
	struct token_peer_ent *p;
	struct cache_ent *e;

	if (len == 0 || len > WIRE_MAX_TOKEN)
		return;
	if ((e = token_peer_find(&t->peers, t->salt, a, key)) == NULL &&
	    (e = cache_slot(&t->peers, token_peer_hash(t->salt, a, key))) ==
	    NULL)
		return;
	p = (struct token_peer_ent *)(void *)e;
	p->addr = *a;
	p->key = *key;
	e->ms = now_ms;
	memcpy(p->t.tok, tok, len);
	p->t.len = (uint8_t)len;
}

void
token_peer_forget(struct token *t, const struct addr *a, const struct id *key)
{
	struct cache_ent *e;

	if ((e = token_peer_find(&t->peers, t->salt, a, key)) != NULL)
		cache_drop(&t->peers, e);
}

const struct token_peer *
token_peer_get(const struct token *t, const struct addr *a,
    const struct id *key, int64_t now_ms)
{
	const struct cache_ent *e;

	if ((e = token_peer_find(&t->peers, t->salt, a, key)) == NULL ||
	    now_ms - e->ms >= TOKEN_PEER_MAX_AGE_MS)
		return NULL;
	return &((const struct token_peer_ent *)(const void *)e)->t;
}

size_t
token_peer_count(const struct token *t)
{
	return cache_used(&t->peers);
}

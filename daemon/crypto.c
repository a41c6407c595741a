/*
 * crypto — with keys.c, the only files that include sodium.h: randomness
 * for node IDs, request IDs and jitter (struct crypto_rng: the engine's
 * buffered draws), keyed hashes for write tokens, and thin wrappers of
 * libsodium's constant-time hex and base64 encoders.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "crypto.h"

int
crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void
crypto_random(void *buf, size_t len)
{
	randombytes_buf(buf, len);
}

uint64_t
crypto_random_u64(void)
{
	uint64_t v;

	randombytes_buf(&v, sizeof(v));
	return v;
}

void
crypto_rng_init(struct crypto_rng *g)
{
	randombytes_buf(g->key, sizeof(g->key));
	g->left = 0;
	g->since_seed = 0;
}

/* The next key and a full pool from the current key; reseeds when due. */
static void
crypto_rng_refill(struct crypto_rng *g)
{
	uint8_t out[CRYPTO_RNG_KEY + CRYPTO_RNG_POOL], fresh[CRYPTO_RNG_KEY];
	size_t i;

	if (g->since_seed >= CRYPTO_RNG_RESEED) {
		randombytes_buf(fresh, sizeof(fresh));
		for (i = 0; i < sizeof(fresh); i++)
			g->key[i] ^= fresh[i];
		sodium_memzero(fresh, sizeof(fresh));
		g->since_seed = 0;
	}
	randombytes_buf_deterministic(out, sizeof(out), g->key);
	memcpy(g->key, out, CRYPTO_RNG_KEY);
	memcpy(g->pool, out + CRYPTO_RNG_KEY, CRYPTO_RNG_POOL);
	sodium_memzero(out, sizeof(out));
	g->left = CRYPTO_RNG_POOL;
	g->since_seed += CRYPTO_RNG_POOL;
}

void
crypto_mac(uint8_t out[CRYPTO_MAC_LEN], const void *in, size_t len,
    const uint8_t key[CRYPTO_MAC_KEY_LEN])
{
	_Static_assert(CRYPTO_MAC_KEY_LEN ==
	    crypto_shorthash_siphashx24_KEYBYTES, "SipHash key length");
	_Static_assert(CRYPTO_MAC_LEN == crypto_shorthash_siphashx24_BYTES,
	    "SipHash output length");
	(void)crypto_shorthash_siphashx24(out, in, len, key);
}

void
crypto_rng_fill(struct crypto_rng *g, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t n;

	/* Big draws gain nothing from the pool. */
	if (len > CRYPTO_RNG_POOL / 4) {
		randombytes_buf(buf, len);
		return;
	}
	while (len > 0) {
		if (g->left == 0)
			crypto_rng_refill(g);
		n = len < g->left ? len : g->left;
		memcpy(p, g->pool + CRYPTO_RNG_POOL - g->left, n);
		sodium_memzero(g->pool + CRYPTO_RNG_POOL - g->left, n);
		g->left -= n;
		p += n;
		len -= n;
	}
}

void
crypto_rng_clear(struct crypto_rng *g)
{
	sodium_memzero(g, sizeof(*g));
}

uint32_t
crypto_random_uniform(uint32_t upper)
{
	return upper < 2 ? 0 : randombytes_uniform(upper);
}

int
crypto_hex_encode(char *out, size_t outlen, const void *bin, size_t len)
{
	/* libsodium aborts on a short buffer: refuse before calling it. */
	if (len > (SIZE_MAX - 1) / 2 || outlen < 2 * len + 1)
		return -1;
	sodium_bin2hex(out, outlen, bin, len);
	return 0;
}

int
crypto_hex_decode(void *out, size_t len, const char *hex)
{
	size_t got = 0;
	const char *end = NULL;

	if (len > (SIZE_MAX - 1) / 2 || strlen(hex) != 2 * len ||
	    sodium_hex2bin(out, len, hex, 2 * len, NULL, &got, &end) != 0 ||
	    got != len || end != hex + 2 * len)
		return -1;
	return 0;
}

size_t
crypto_b64_len(size_t len)
{
	return sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
}

int
crypto_b64_encode(char *out, size_t outlen, const void *bin, size_t len)
{
	if (len > SIZE_MAX / 2 || outlen < crypto_b64_len(len))
		return -1;
	sodium_bin2base64(out, outlen, bin, len,
	    sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

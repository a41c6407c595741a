/*
 * crypto — with keys, the only user of libsodium: randomness, keyed hashes, and the
 * hex and base64 encoders emoctl prints with.
 */
#ifndef EMO_CRYPTO_H
#define EMO_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

int		crypto_init(void);	/* -1 if libsodium cannot start */
void		crypto_random(void *, size_t);
uint64_t	crypto_random_u64(void);
uint32_t	crypto_random_uniform(uint32_t upper);	/* [0, upper) */

/*
 * A buffered generator for the engine's many small draws (request IDs,
 * nonces, fragment IDs): ChaCha20 output under a key from libsodium's
 * randombytes_buf, rekeyed from its own output at each refill (fast key
 * erasure: what was handed out cannot be recomputed) and from
 * randombytes_buf every CRYPTO_RNG_RESEED bytes.  One getrandom call per
 * CRYPTO_RNG_RESEED bytes instead of one per draw.  Bytes handed out are
 * wiped from the pool.  Not for long-lived secrets (keys use
 * crypto_random directly).  Not thread-safe: one per event loop.
 */
#define CRYPTO_RNG_POOL		512		/* bytes per refill */
#define CRYPTO_RNG_KEY		32
#define CRYPTO_RNG_RESEED	(64 * 1024)	/* bytes between reseeds */

struct crypto_rng {
	uint8_t		 key[CRYPTO_RNG_KEY];
	uint8_t		 pool[CRYPTO_RNG_POOL];
	size_t		 left;		/* unused bytes at the pool's end */
	size_t		 since_seed;	/* bytes made since the last reseed */
};

void		crypto_rng_init(struct crypto_rng *);
void		crypto_rng_fill(struct crypto_rng *, void *, size_t);
void		crypto_rng_clear(struct crypto_rng *);	/* wipes it */

/*
 * A keyed hash of short input (cookies, write tokens): SipHash-2-4 with a
 * 128-bit output (libsodium's crypto_shorthash_siphashx24), a PRF made for
 * inputs of a few dozen bytes; a Keccak-256 of the same input cost about
 * 9% of a node's CPU answering Pings.  Not collision-resistant against the
 * key's holder, which is fine where only the key's holder checks.
 */
#define CRYPTO_MAC_KEY_LEN	16
#define CRYPTO_MAC_LEN		16
void		crypto_mac(uint8_t out[CRYPTO_MAC_LEN], const void *in,
		    size_t len, const uint8_t key[CRYPTO_MAC_KEY_LEN]);

/*
 * Lowercase hex of len bytes into out, NUL-terminated: outlen must be at
 * least 2 * len + 1.  -1 (out untouched) if it is not.
 */
int		crypto_hex_encode(char *out, size_t outlen, const void *,
		    size_t len);
/* Exactly 2 * len hex digits (either case) into len bytes; -1 if not. */
int		crypto_hex_decode(void *out, size_t len, const char *hex);
/* Bytes, NUL included, of the padded standard base64 of len bytes. */
size_t		crypto_b64_len(size_t len);
/* Padded standard base64 (RFC 4648 section 4); -1 if outlen is short. */
int		crypto_b64_encode(char *out, size_t outlen, const void *,
		    size_t len);

#endif

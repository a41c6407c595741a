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

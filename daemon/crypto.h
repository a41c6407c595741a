/*
 * crypto — the only user of libsodium: randomness and keyed hashes.
 */
#ifndef EMO_CRYPTO_H
#define EMO_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

int		crypto_init(void);	/* -1 if libsodium cannot start */
void		crypto_random(void *, size_t);
uint64_t	crypto_random_u64(void);
uint32_t	crypto_random_uniform(uint32_t upper);	/* [0, upper) */

#endif

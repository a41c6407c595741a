/*
 * crypto — the only file that includes sodium.h: randomness for node IDs,
 * request IDs and jitter, and keyed hashes for write tokens.
 */
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

uint32_t
crypto_random_uniform(uint32_t upper)
{
	return upper < 2 ? 0 : randombytes_uniform(upper);
}

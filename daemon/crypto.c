/*
 * crypto — with keys.c, the only files that include sodium.h: randomness for node IDs,
 * request IDs and jitter, keyed hashes for write tokens, and thin wrappers
 * of libsodium's constant-time hex and base64 encoders.
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

/*
 * atrest — XChaCha20-Poly1305-IETF over the store's records, on libsodium.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "atrest.h"
#include "keys.h"

_Static_assert(ATREST_KEY_LEN == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    "key");
_Static_assert(ATREST_NONCE_LEN ==
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce");
_Static_assert(ATREST_TAG_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES,
    "tag");

struct atrest {
	uint8_t	key[ATREST_KEY_LEN];
};

enum keys_status
atrest_load(const char *path, uint8_t key[ATREST_KEY_LEN], char *err,
    size_t errlen)
{
	enum keys_status ks;
	char kerr[512];

	if ((ks = keys_read_file(path, key, ATREST_KEY_LEN, kerr,
	    sizeof(kerr))) != KEYS_OK)
		snprintf(err, errlen, "storage_key_file %s", kerr);
	return ks;
}

struct atrest *
atrest_new(const uint8_t key[ATREST_KEY_LEN])
{
	struct atrest *a;

	if ((a = malloc(sizeof(*a))) == NULL)
		return NULL;
	memcpy(a->key, key, ATREST_KEY_LEN);
	return a;
}

void
atrest_free(struct atrest *a)
{
	if (a == NULL)
		return;
	sodium_memzero(a, sizeof(*a));
	free(a);
}

void
atrest_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}

void
atrest_seal(const struct atrest *a, uint8_t *out, const void *msg, size_t len,
    const void *ad, size_t adlen)
{
	randombytes_buf(out, ATREST_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + ATREST_NONCE_LEN,
	    NULL, msg, len, ad, adlen, NULL, out, a->key);
}

int
atrest_open(const struct atrest *a, uint8_t *out, const uint8_t *in,
    size_t len, const void *ad, size_t adlen)
{
	if (len < ATREST_OVERHEAD)
		return -1;
	return crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL,
	    in + ATREST_NONCE_LEN, len - ATREST_NONCE_LEN, ad, adlen, in,
	    a->key) == 0 ? 0 : -1;
}

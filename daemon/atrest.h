/*
 * atrest — encryption at rest of the store's records: the storage key file
 * (exactly ATREST_KEY_LEN random bytes, mode 0600, read with the checks of
 * keys_read_file) and XChaCha20-Poly1305-IETF sealing of one record with a
 * random nonce and the record's LevelDB key as associated data.  A
 * libsodium user (with crypto and keys); keeps no state but the key it
 * was given.  The sealed form is nonce (24) | ciphertext | tag (16).
 */
#ifndef EMO_ATREST_H
#define EMO_ATREST_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

#define ATREST_KEY_LEN		32
#define ATREST_NONCE_LEN	24
#define ATREST_TAG_LEN		16
#define ATREST_OVERHEAD		(ATREST_NONCE_LEN + ATREST_TAG_LEN)	/* 40 */

struct atrest;

/*
 * Reads a storage key file into key.  KEYS_MISSING or KEYS_BAD come with
 * keys_read_file's message after "storage_key_file " (missing; not a
 * regular file; mode; size).
 */
enum keys_status atrest_load(const char *path, uint8_t key[ATREST_KEY_LEN],
	    char *err, size_t errlen);
/* Copies the key; NULL when out of memory.  _free wipes it. */
struct atrest	*atrest_new(const uint8_t key[ATREST_KEY_LEN]);
void		 atrest_free(struct atrest *);
/* Wipes len bytes of secret (a key read with atrest_load). */
void		 atrest_wipe(void *, size_t len);

/*
 * Seals len bytes, bound to ad (adlen bytes: the record's key), into out
 * (len + ATREST_OVERHEAD bytes).
 */
void	atrest_seal(const struct atrest *, uint8_t *out, const void *msg,
	    size_t len, const void *ad, size_t adlen);
/*
 * Opens a sealed record of len bytes into out (len - ATREST_OVERHEAD
 * bytes).  -1 if it is shorter than ATREST_OVERHEAD or fails
 * authentication: altered, moved under another key, or sealed with
 * another key.
 */
int	atrest_open(const struct atrest *, uint8_t *out, const uint8_t *in,
	    size_t len, const void *ad, size_t adlen);

#endif

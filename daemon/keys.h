/*
 * keys — Ed25519 key pairs and the files that hold them: the node's
 * identity in DATA_DIR and a user's signing key for emoctl.  Owns the key
 * file format (exactly KEYS_FILE_LEN bytes: libsodium's Ed25519 secret key,
 * that is the 32-byte seed then the 32-byte public key; a regular file of
 * mode 0600 or stricter), signing and verifying, and sealing to a key's
 * X25519 twin (libsodium sealed boxes).  With crypto, the only libsodium
 * user; nothing here keeps state.
 */
#ifndef EMO_KEYS_H
#define EMO_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEYS_PUBLIC_LEN	32
#define KEYS_SECRET_LEN	64	/* seed ‖ public key */
#define KEYS_SIG_LEN	64
#define KEYS_FILE_LEN	KEYS_SECRET_LEN
#define KEYS_SEAL_OVERHEAD 48	/* a sealed box is this much longer */

struct keys_pair {
	uint8_t	pub[KEYS_PUBLIC_LEN];
	uint8_t	sec[KEYS_SECRET_LEN];
};

/* What keys_load found; keys_load's message says it in words. */
enum keys_status {
	KEYS_OK,
	KEYS_MISSING,		/* no such file */
	KEYS_BAD		/* unreadable, wrong type, mode or size, or
				 * a public half that is not the seed's */
};

void	keys_generate(struct keys_pair *);
/* The pair of a 32-byte seed (deterministic; tests and vectors). */
void	keys_from_seed(struct keys_pair *, const uint8_t seed[32]);

/*
 * Writes the pair to path, which must not exist (O_EXCL), mode 0600, then
 * fsyncs the file and its directory.  -1 with a message naming the path
 * and the reason in err.
 */
int	keys_write(const char *path, const struct keys_pair *, char *err,
	    size_t errlen);
/*
 * Reads a key file.  KEYS_MISSING or KEYS_BAD come with a message that
 * names the path and exactly what is wrong (missing; not a regular file;
 * mode 0644 lets group or others read it, chmod 600; 12 bytes, not 64;
 * the public key does not match the seed).
 */
enum keys_status keys_load(const char *path, struct keys_pair *, char *err,
	    size_t errlen);
/*
 * The checks and messages of keys_load for a file of exactly `want`
 * (at most KEYS_READ_MAX) secret bytes of another kind, read into out:
 * the storage key of atrest.
 */
#define KEYS_READ_MAX	64
enum keys_status keys_read_file(const char *path, uint8_t *out, size_t want,
	    char *err, size_t errlen);
void	keys_wipe(struct keys_pair *);

void	keys_sign(const struct keys_pair *, const void *msg, size_t len,
	    uint8_t sig[KEYS_SIG_LEN]);
/* 0 if sig is pub's signature of msg; -1 otherwise (a bad point too). */
int	keys_verify(const uint8_t pub[KEYS_PUBLIC_LEN], const void *msg,
	    size_t len, const uint8_t sig[KEYS_SIG_LEN]);
/* 1 if pub is a valid Ed25519 point of the main subgroup, else 0. */
int	keys_public_valid(const uint8_t pub[KEYS_PUBLIC_LEN]);

/*
 * Seals len bytes for the holder of pub's secret key (out: len +
 * KEYS_SEAL_OVERHEAD bytes).  -1 if pub has no X25519 twin.
 */
int	keys_seal(uint8_t *out, const void *msg, size_t len,
	    const uint8_t pub[KEYS_PUBLIC_LEN]);
/* Opens a sealed box (out: len - KEYS_SEAL_OVERHEAD bytes); -1 if not ours. */
int	keys_seal_open(uint8_t *out, const uint8_t *box, size_t len,
	    const struct keys_pair *);

#endif

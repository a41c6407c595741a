/*
 * keys — Ed25519 key files, signatures and sealed boxes on libsodium.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"

_Static_assert(KEYS_PUBLIC_LEN == crypto_sign_PUBLICKEYBYTES, "pub");
_Static_assert(KEYS_SECRET_LEN == crypto_sign_SECRETKEYBYTES, "sec");
_Static_assert(KEYS_SIG_LEN == crypto_sign_BYTES, "sig");
_Static_assert(KEYS_SEAL_OVERHEAD == crypto_box_SEALBYTES, "seal");

void
keys_generate(struct keys_pair *kp)
{
	crypto_sign_keypair(kp->pub, kp->sec);
}

void
keys_from_seed(struct keys_pair *kp, const uint8_t seed[32])
{
	crypto_sign_seed_keypair(kp->pub, kp->sec, seed);
}

void
keys_wipe(struct keys_pair *kp)
{
	sodium_memzero(kp, sizeof(*kp));
}

/* fsyncs the directory holding path, so that a new entry survives a crash. */
static int
keys_sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd, rc;

	if (slash == NULL)
		strcpy(dir, ".");
	else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return -1;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
keys_write(const char *path, const struct keys_pair *kp, char *err,
    size_t errlen)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (off < KEYS_FILE_LEN) {
		n = write(fd, kp->sec + off, KEYS_FILE_LEN - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	/* The umask cannot widen 0600, but a default ACL could: say 0600. */
	if (fchmod(fd, 0600) == -1 || fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	if (keys_sync_dir(path) == -1) {
		snprintf(err, errlen, "%s: syncing its directory: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
	if (fd != -1)
		close(fd);
	unlink(path);
	return -1;
}

enum keys_status
keys_read_file(const char *path, uint8_t *out, size_t want, char *err,
    size_t errlen)
{
	uint8_t buf[KEYS_READ_MAX + 1];
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd;

	if (want > KEYS_READ_MAX) {
		snprintf(err, errlen, "%s: key files are at most %d bytes",
		    path, KEYS_READ_MAX);
		return KEYS_BAD;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, errno == ELOOP ?
		    "is a symbolic link, not a key file" : strerror(errno));
		return errno == ENOENT ? KEYS_MISSING : KEYS_BAD;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto bad;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto bad;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: mode %04o lets group or others "
		    "read it; a key file must be 0600 (chmod 600 %s)", path,
		    (unsigned)(st.st_mode & 07777), path);
		goto bad;
	}
	while (got < want + 1) {
		n = read(fd, buf + got, want + 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto bad;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != want) {
		if (got > want)
			snprintf(err, errlen, "%s: longer than %zu bytes; a key "
			    "file is exactly %zu", path, want, want);
		else
			snprintf(err, errlen, "%s: %zu bytes; a key file is "
			    "exactly %zu", path, got, want);
		sodium_memzero(buf, sizeof(buf));
		return KEYS_BAD;
	}
	memcpy(out, buf, want);
	sodium_memzero(buf, sizeof(buf));
	return KEYS_OK;
bad:
	close(fd);
	return KEYS_BAD;
}

enum keys_status
keys_load(const char *path, struct keys_pair *kp, char *err, size_t errlen)
{
	uint8_t buf[KEYS_FILE_LEN];
	struct keys_pair want;
	enum keys_status ks;

	if ((ks = keys_read_file(path, buf, sizeof(buf), err, errlen)) !=
	    KEYS_OK)
		return ks;
	keys_from_seed(&want, buf);
	if (sodium_memcmp(want.pub, buf + 32, KEYS_PUBLIC_LEN) != 0) {
		snprintf(err, errlen, "%s: its public key does not match its "
		    "secret seed; the file is damaged", path);
		keys_wipe(&want);
		sodium_memzero(buf, sizeof(buf));
		return KEYS_BAD;
	}
	*kp = want;
	keys_wipe(&want);
	sodium_memzero(buf, sizeof(buf));
	return KEYS_OK;
}

void
keys_sign(const struct keys_pair *kp, const void *msg, size_t len,
    uint8_t sig[KEYS_SIG_LEN])
{
	crypto_sign_detached(sig, NULL, msg, len, kp->sec);
}

int
keys_verify(const uint8_t pub[KEYS_PUBLIC_LEN], const void *msg, size_t len,
    const uint8_t sig[KEYS_SIG_LEN])
{
	return crypto_sign_verify_detached(sig, msg, len, pub) == 0 ? 0 : -1;
}

int
keys_public_valid(const uint8_t pub[KEYS_PUBLIC_LEN])
{
	return crypto_core_ed25519_is_valid_point(pub) == 1;
}

int
keys_seal(uint8_t *out, const void *msg, size_t len,
    const uint8_t pub[KEYS_PUBLIC_LEN])
{
	uint8_t xpub[crypto_box_PUBLICKEYBYTES];

	if (crypto_sign_ed25519_pk_to_curve25519(xpub, pub) != 0)
		return -1;
	return crypto_box_seal(out, msg, len, xpub) == 0 ? 0 : -1;
}

int
keys_seal_open(uint8_t *out, const uint8_t *box, size_t len,
    const struct keys_pair *kp)
{
	uint8_t xpub[crypto_box_PUBLICKEYBYTES];
	uint8_t xsec[crypto_box_SECRETKEYBYTES];
	int rc;

	if (len < KEYS_SEAL_OVERHEAD ||
	    crypto_sign_ed25519_pk_to_curve25519(xpub, kp->pub) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(xsec, kp->sec) != 0)
		return -1;
	rc = crypto_box_seal_open(out, box, len, xpub, xsec);
	sodium_memzero(xsec, sizeof(xsec));
	return rc == 0 ? 0 : -1;
}

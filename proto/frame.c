/*
 * frame — the control-socket length prefix, default paths and the check
 * of the per-user fallback directory, shared by emod and emoctl.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "frame.h"

void
frame_put_len(uint8_t hdr[EMO_CTL_HDR_LEN], uint32_t len)
{
	bytes_put_be32(hdr, len);
}

int
frame_get_len(const uint8_t hdr[EMO_CTL_HDR_LEN], uint32_t max,
    uint32_t *len, const char **errstr)
{
	uint32_t n;

	n = bytes_get_be32(hdr);
	if (n == 0) {
		*errstr = "empty frame";
		return -1;
	}
	if (n > max) {
		*errstr = "frame length over the maximum";
		return -1;
	}
	*len = n;
	return 0;
}

int
frame_default_socket(char *buf, size_t len)
{
	const char *rt;
	size_t used;
	int n;

	if (geteuid() == 0)
		n = snprintf(buf, len, "/run/emo/emod.sock");
	else if ((rt = getenv("XDG_RUNTIME_DIR")) != NULL && rt[0] == '/')
		n = snprintf(buf, len, "%s/emo/emod.sock", rt);
	else {
		if (frame_fallback_dir(buf, len) == -1)
			return -1;
		used = strlen(buf);
		n = snprintf(buf + used, len - used, "/emod.sock");
		if (n >= 0)
			n += (int)used;
	}
	if (n < 0 || (size_t)n >= len)
		return -1;
	return 0;
}

int
frame_fallback_dir(char *buf, size_t len)
{
	const char *tmp;
	int n;

	/* A $TMPDIR too long for FRAME_MAX_FALLBACK_DIR falls back to /tmp. */
	if ((tmp = getenv("TMPDIR")) == NULL || tmp[0] != '/' ||
	    strlen(tmp) > FRAME_MAX_FALLBACK_DIR - sizeof("/emo-4294967295"))
		tmp = "/tmp";
	n = snprintf(buf, len, "%s/emo-%u", tmp, (unsigned)geteuid());
	if (n < 0 || (size_t)n >= len)
		return -1;
	return 0;
}

int
frame_in_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/' &&
	    strchr(path + n + 1, '/') == NULL;
}

#define FRAME_DIR_FIX	"remove it or set XDG_RUNTIME_DIR / --socket"

int
frame_dir_open_private(const char *dir, int create, char *err, size_t errlen)
{
	struct stat sb;
	int fd, made = 0;

	if (lstat(dir, &sb) == -1) {
		if (errno != ENOENT || !create) {
			snprintf(err, errlen, "cannot use %s: %s", dir,
			    strerror(errno));
			return -1;
		}
		if (mkdir(dir, 0700) == -1) {
			snprintf(err, errlen, "cannot create %s: %s", dir,
			    strerror(errno));
			return -1;
		}
		made = 1;
	} else if (S_ISLNK(sb.st_mode)) {
		snprintf(err, errlen, "%s is a symbolic link, not a "
		    "directory: " FRAME_DIR_FIX, dir);
		return -1;
	}
	/* The checks that count are on what we opened, not on the path. */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s is %s: " FRAME_DIR_FIX, dir,
		    errno == ELOOP ? "a symbolic link, not a directory" :
		    errno == ENOTDIR ? "not a directory" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "cannot use %s: %s", dir,
		    strerror(errno));
		goto fail;
	}
	if (sb.st_uid != geteuid()) {
		snprintf(err, errlen, "%s is owned by uid %u, not %u: "
		    FRAME_DIR_FIX, dir, (unsigned)sb.st_uid,
		    (unsigned)geteuid());
		goto fail;
	}
	/* mkdir's mode went through the umask: make it exactly 0700. */
	if (made && fchmod(fd, 0700) == -1) {
		snprintf(err, errlen, "cannot set the mode of %s: %s", dir,
		    strerror(errno));
		goto fail;
	}
	if (made)
		sb.st_mode = (sb.st_mode & ~07777) | 0700;
	if ((sb.st_mode & 07777) != 0700) {
		snprintf(err, errlen, "%s has mode %04o, not 0700: run "
		    "chmod 700 %s, or " FRAME_DIR_FIX, dir,
		    (unsigned)(sb.st_mode & 07777), dir);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int
frame_sock_at(int dirfd, const char *name, int sock,
    int (*op)(int, const struct sockaddr *, socklen_t))
{
	struct sockaddr_un sun;
	int cwd, rc, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(name) >= sizeof(sun.sun_path) || strchr(name, '/')) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, name, strlen(name));
	/*
	 * Linux has no bindat/connectat: step into the directory we opened
	 * and checked, so that the name is looked up there and nowhere else.
	 */
	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fchdir(dirfd) == -1) {
		saved = errno;
		close(cwd);
		errno = saved;
		return -1;
	}
	rc = op(sock, (const struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	if (fchdir(cwd) == -1)
		rc = -1;
	close(cwd);
	errno = saved;
	return rc;
}

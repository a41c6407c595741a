/*
 * ctl_io — emoctl's side of the control socket: connect, send one framed
 * Request, read back the framed Response, all under one deadline.
 * Prints its own error messages and returns emoctl exit codes.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

static int64_t
ctl_io_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The group of path, else of its directory; NULL if neither is known. */
static const char *
ctl_io_group(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	const struct group *gr;
	const char *slash;
	struct stat sb;

	if (stat(path, &sb) == -1) {
		if ((slash = strrchr(path, '/')) == NULL || slash == path ||
		    (size_t)(slash - path) >= sizeof(dir))
			return NULL;
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		if (stat(dir, &sb) == -1)
			return NULL;
	}
	if (sb.st_gid == 0 || (gr = getgrgid(sb.st_gid)) == NULL)
		return NULL;
	return gr->gr_name;
}

/* Says what is really wrong with the socket path, not only errno. */
static void
ctl_io_connect_failed(const char *path, int err)
{
	struct stat sb;
	const char *grp;

	if (err != EACCES && stat(path, &sb) == 0 && !S_ISSOCK(sb.st_mode)) {
		if (S_ISDIR(sb.st_mode))
			ctl_warnx("cannot connect to %s: it is a directory, not "
			    "emod's socket (--socket takes the socket's own "
			    "path, such as %s/emod.sock)", path, path);
		else
			ctl_warnx("cannot connect to %s: it is a %s, not emod's "
			    "socket (check --socket, $EMO_SOCKET and emod's "
			    "socket setting)", path, S_ISREG(sb.st_mode) ?
			    "regular file" : "file of another kind");
		return;
	}
	if (err == EACCES) {
		if ((grp = ctl_io_group(path)) != NULL)
			ctl_warnx("cannot connect to %s: permission denied: join "
			    "the group '%s' (sudo usermod -aG %s $USER, then log "
			    "in again) or run as root", path, grp, grp);
		else
			ctl_warnx("cannot connect to %s: permission denied: run "
			    "as root or as a member of emod's socket_group",
			    path);
		return;
	}
	ctl_warnx("cannot connect to %s: %s%s", path, strerror(err),
	    err == ENOENT || err == ECONNREFUSED ? " (is emod running?)" : "");
}

static int
ctl_io_timeout(const struct ctl_io *io)
{
	ctl_warnx("no answer from %s within %d s", io->path, io->timeout_s);
	return CTL_EXIT_FAIL;
}

static int
ctl_io_closed(const struct ctl_io *io)
{
	ctl_warnx("%s: emod closed the connection before answering", io->path);
	return CTL_EXIT_UNREACHABLE;
}

/* Waits for events until the deadline; returns an exit code. */
static int
ctl_io_wait(struct ctl_io *io, short events)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	for (;;) {
		left = io->deadline_ms - ctl_io_now_ms();
		if (left <= 0)
			return ctl_io_timeout(io);
		pfd.fd = io->fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n > 0)
			return CTL_EXIT_OK;	/* HUP/ERR: the I/O call tells */
		if (n == -1 && errno != EINTR) {
			ctl_warnx("poll: %s", strerror(errno));
			return CTL_EXIT_FAIL;
		}
	}
}

int
ctl_io_open(struct ctl_io *io, const char *path, int timeout_s)
{
	struct sockaddr_un sun;
	struct timeval tv;
	char fb[FRAME_MAX_FALLBACK_DIR], err[256];
	size_t len = strlen(path);
	int dirfd, fl, rc;

	io->fd = -1;
	io->path = path;
	io->timeout_s = timeout_s;
	io->next_id = 1;
	io->deadline_ms = ctl_io_now_ms() + (int64_t)timeout_s * 1000;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (len == 0) {
		ctl_warnx("empty socket path");
		return CTL_EXIT_USAGE;
	}
	if (len >= sizeof(sun.sun_path)) {
		ctl_warnx("socket path too long (%zu bytes, at most %zu): %s",
		    len, sizeof(sun.sun_path) - 1, path);
		return CTL_EXIT_USAGE;
	}
	memcpy(sun.sun_path, path, len);

	if ((io->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		ctl_warnx("socket: %s", strerror(errno));
		return CTL_EXIT_FAIL;
	}
	/*
	 * A Unix connect() blocks while the daemon's backlog is full; the
	 * send timeout bounds that wait.  After connecting, the socket is
	 * non-blocking and poll() enforces the deadline.
	 */
	tv.tv_sec = timeout_s;
	tv.tv_usec = 0;
	if (setsockopt(io->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1) {
		ctl_warnx("setsockopt: %s", strerror(errno));
		goto fail;
	}
	if (frame_fallback_dir(fb, sizeof(fb)) == 0 && frame_in_dir(path, fb)) {
		/*
		 * The shared /tmp: connect only through a directory that is
		 * ours, or another user could plant a socket there for us.
		 */
		if ((dirfd = frame_dir_open_private(fb, 0, err,
		    sizeof(err))) == -1) {
			ctl_warnx("%s", err);
			ctl_io_close(io);
			return CTL_EXIT_UNREACHABLE;
		}
		rc = frame_sock_at(dirfd, path + strlen(fb) + 1, io->fd,
		    connect);
		close(dirfd);
	} else {
		do {
			rc = connect(io->fd, (struct sockaddr *)&sun,
			    sizeof(sun));
		} while (rc == -1 && errno == EINTR);
	}
	if (rc == -1) {
		if (errno == EAGAIN || errno == EINPROGRESS) {
			ctl_warnx("%s: emod did not accept the connection "
			    "within %d s", path, timeout_s);
			ctl_io_close(io);
			return CTL_EXIT_FAIL;
		}
		ctl_io_connect_failed(path, errno);
		ctl_io_close(io);
		return CTL_EXIT_UNREACHABLE;
	}
	if ((fl = fcntl(io->fd, F_GETFL)) == -1 ||
	    fcntl(io->fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		ctl_warnx("fcntl: %s", strerror(errno));
		goto fail;
	}
	return CTL_EXIT_OK;
fail:
	ctl_io_close(io);
	return CTL_EXIT_FAIL;
}

void
ctl_io_close(struct ctl_io *io)
{
	if (io->fd != -1)
		close(io->fd);
	io->fd = -1;
}

static int
ctl_io_write(struct ctl_io *io, const uint8_t *p, size_t len)
{
	ssize_t n;
	int rc;

	while (len > 0) {
		/* MSG_NOSIGNAL: a vanished daemon is an error, not SIGPIPE. */
		n = send(io->fd, p, len, MSG_NOSIGNAL);
		if (n >= 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((rc = ctl_io_wait(io, POLLOUT)) != CTL_EXIT_OK)
				return rc;
			continue;
		}
		if (errno == EPIPE || errno == ECONNRESET)
			return ctl_io_closed(io);
		ctl_warnx("%s: send: %s", io->path, strerror(errno));
		return CTL_EXIT_FAIL;
	}
	return CTL_EXIT_OK;
}

static int
ctl_io_read(struct ctl_io *io, uint8_t *p, size_t len)
{
	ssize_t n;
	int rc;

	while (len > 0) {
		n = recv(io->fd, p, len, 0);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return ctl_io_closed(io);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((rc = ctl_io_wait(io, POLLIN)) != CTL_EXIT_OK)
				return rc;
			continue;
		}
		if (errno == ECONNRESET)
			return ctl_io_closed(io);
		ctl_warnx("%s: recv: %s", io->path, strerror(errno));
		return CTL_EXIT_FAIL;
	}
	return CTL_EXIT_OK;
}

int
ctl_io_call(struct ctl_io *io, Emo__Ctl__Request *req,
    Emo__Ctl__Response **respp)
{
	uint8_t *buf;
	size_t len;
	int rc;

	*respp = NULL;
	req->version = EMO_CTL_VERSION;
	req->id = io->next_id++;
	len = emo__ctl__request__get_packed_size(req);
	if (len == 0 || len > EMO_CTL_MAX_REQUEST) {
		ctl_warnx("request of %zu bytes is over the %u-byte limit",
		    len, EMO_CTL_MAX_REQUEST);
		return CTL_EXIT_USAGE;
	}
	if ((buf = malloc(EMO_CTL_HDR_LEN + len)) == NULL) {
		ctl_warnx("out of memory");
		return CTL_EXIT_FAIL;
	}
	frame_put_len(buf, (uint32_t)len);
	emo__ctl__request__pack(req, buf + EMO_CTL_HDR_LEN);
	rc = ctl_io_write(io, buf, EMO_CTL_HDR_LEN + len);
	free(buf);
	if (rc != CTL_EXIT_OK)
		return rc;
	return ctl_io_recv(io, req->id, respp);
}

int
ctl_io_recv(struct ctl_io *io, uint64_t id, Emo__Ctl__Response **respp)
{
	Emo__Ctl__Response *resp;
	uint8_t hdr[EMO_CTL_HDR_LEN], *buf;
	const char *errstr;
	uint32_t n;
	int rc;

	*respp = NULL;
	if ((rc = ctl_io_read(io, hdr, sizeof(hdr))) != CTL_EXIT_OK)
		return rc;
	/* The length is checked before anything is allocated for it. */
	if (frame_get_len(hdr, EMO_CTL_MAX_RESPONSE, &n, &errstr) == -1) {
		ctl_warnx("%s: bad answer from emod: %s", io->path, errstr);
		return CTL_EXIT_FAIL;
	}
	if ((buf = malloc(n)) == NULL) {
		ctl_warnx("out of memory for a %" PRIu32 "-byte answer", n);
		return CTL_EXIT_FAIL;
	}
	if ((rc = ctl_io_read(io, buf, n)) != CTL_EXIT_OK) {
		free(buf);
		return rc;
	}
	resp = emo__ctl__response__unpack(NULL, n, buf);
	free(buf);
	if (resp == NULL) {
		ctl_warnx("%s: undecodable %" PRIu32 "-byte answer from emod",
		    io->path, n);
		return CTL_EXIT_FAIL;
	}
	if (resp->id != id) {
		ctl_warnx("%s: answer id %" PRIu64 " does not match request "
		    "id %" PRIu64, io->path, resp->id, id);
		emo__ctl__response__free_unpacked(resp, NULL);
		return CTL_EXIT_FAIL;
	}
	*respp = resp;
	return CTL_EXIT_OK;
}

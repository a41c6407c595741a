/*
 * control — the control socket.  Each connection reads length-prefixed
 * Requests, hands them to the node through a table of handlers, and writes
 * Responses in request order even when operations complete out of order.
 * A request outlives its connection: if the client goes away, the node's
 * completion finds an orphan and frees it.  This file owns the socket,
 * connections, framing and responses; the handlers are in
 * control_handlers.c, the status counters in control_status.c.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "control.pb-c.h"
#include "conf.h"
#include "control.h"
#include "control_impl.h"
#include "frame.h"
#include "log.h"

#define CONTROL_MAX_PENDING	256		/* unanswered, per client */
/*
 * Output queued for one client above which we stop reading from it; we
 * read again below CONTROL_OUT_LOW.  A client that takes no byte for
 * control_output_timeout while reading from it is stopped is dropped:
 * the kernel's socket buffer may hold part of the output, so what stays
 * queued can be anywhere between the two marks.
 */
#define CONTROL_MAX_OUTPUT	(1u << 20)
#define CONTROL_OUT_HIGH	CONTROL_MAX_OUTPUT
#define CONTROL_OUT_LOW		(256u << 10)	/* resume reading below this */
#define CONTROL_MAX_PEER_GROUPS	256		/* SO_PEERGROUPS read */

static void	control_conn_free(struct control_conn *);
static void	control_read_cb(struct bufferevent *, void *);

/* ---- responses ------------------------------------------------------- */

static int
control_pack(const Emo__Ctl__Response *rsp, uint8_t **out, size_t *outlen)
{
	size_t n;
	uint8_t *b;

	n = emo__ctl__response__get_packed_size(rsp);
	if (n > EMO_CTL_MAX_RESPONSE)
		return -1;
	if ((b = malloc(EMO_CTL_HDR_LEN + n)) == NULL)
		return -1;
	frame_put_len(b, (uint32_t)n);
	emo__ctl__response__pack(rsp, b + EMO_CTL_HDR_LEN);
	*out = b;
	*outlen = EMO_CTL_HDR_LEN + n;
	return 0;
}

/* Writes every finished response at the head of the queue. */
static void
control_flush(struct control_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct control_req *r;

	while ((r = TAILQ_FIRST(&c->pending)) != NULL) {
		/* A streaming request's answers so far go out too. */
		if (r->out != NULL)
			evbuffer_add(out, r->out, r->outlen);
		free(r->out);
		r->out = NULL;
		r->outlen = 0;
		if (!r->done)
			break;
		TAILQ_REMOVE(&c->pending, r, entry);
		c->npending--;
		free(r);
	}
	if (evbuffer_get_length(out) > CONTROL_OUT_HIGH)
		bufferevent_disable(c->bev, EV_READ);
}

/*
 * Adds rsp to r's output; a response too large becomes an error.  Only a
 * stream's (not final) answers are dropped past CONTROL_MAX_OUTPUT.
 */
static void
control_append(struct control_req *r, Emo__Ctl__Response *rsp, int final)
{
	Emo__Ctl__Response er = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__Error e = EMO__CTL__ERROR__INIT;
	uint8_t *b, *nb;
	size_t n;

	rsp->id = r->id;
	if (control_pack(rsp, &b, &n) == -1) {
		e.code = control_error_code(DHT_ERR_TOO_LARGE);
		e.message = "response larger than the frame limit";
		er.id = r->id;
		er.body_case = EMO__CTL__RESPONSE__BODY_ERROR;
		er.error = &e;
		if (control_pack(&er, &b, &n) == -1)
			return;
	}
	if (r->out == NULL) {
		r->out = b;
		r->outlen = n;
		return;
	}
	if ((final || r->outlen + n <= CONTROL_MAX_OUTPUT) &&
	    (nb = realloc(r->out, r->outlen + n)) != NULL) {
		memcpy(nb + r->outlen, b, n);
		r->out = nb;
		r->outlen += n;
	} else if (r->conn != NULL)
		r->conn->ctl->st.dropped_output++;
	free(b);
}

void
control_stream(struct control_req *r, Emo__Ctl__Response *rsp)
{
	if (r->conn == NULL || r->done)
		return;
	control_append(r, rsp, 0);
	control_flush(r->conn);
}

/*
 * Completes a request with a response.  An orphan (its client is gone) is
 * simply freed.  A response too large to frame becomes an error.
 */
void
control_respond(struct control_req *r, Emo__Ctl__Response *rsp)
{
	struct control_conn *c = r->conn;

	if (c == NULL) {
		free(r->out);
		free(r);
		return;
	}
	control_append(r, rsp, 1);
	r->done = 1;
	control_flush(c);
	/* A slot freed up: take more input if reading was paused for it. */
	if (c->npending < CONTROL_MAX_PENDING && !c->closing &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) <=
	    CONTROL_OUT_HIGH &&
	    !(bufferevent_get_enabled(c->bev) & EV_READ)) {
		bufferevent_enable(c->bev, EV_READ);
		control_read_cb(c->bev, c);
	}
}

/*
 * The one mapping of the daemon's error enum to the protocol's codes.
 * ERR_VERSION has no row: only control_dispatch gives it.
 */
static const Emo__Ctl__ErrorCode control_codes[] = {
	[DHT_OK] = EMO__CTL__ERROR_CODE__ERR_NONE,
	[DHT_ERR_INVALID] = EMO__CTL__ERROR_CODE__ERR_INVALID,
	[DHT_ERR_NOT_FOUND] = EMO__CTL__ERROR_CODE__ERR_NOT_FOUND,
	[DHT_ERR_TOO_LARGE] = EMO__CTL__ERROR_CODE__ERR_TOO_LARGE,
	[DHT_ERR_STORAGE] = EMO__CTL__ERROR_CODE__ERR_STORAGE,
	[DHT_ERR_UNAVAILABLE] = EMO__CTL__ERROR_CODE__ERR_UNAVAILABLE,
	[DHT_ERR_TIMEOUT] = EMO__CTL__ERROR_CODE__ERR_TIMEOUT,
	[DHT_ERR_QUOTA] = EMO__CTL__ERROR_CODE__ERR_QUOTA,
	[DHT_ERR_REFUSED] = EMO__CTL__ERROR_CODE__ERR_REFUSED,
};
_Static_assert(sizeof(control_codes) / sizeof(control_codes[0]) ==
    DHT_ERR_COUNT, "every enum dht_err value needs a row in control_codes");

int
control_error_code(enum dht_err err)
{
	if ((unsigned)err >= DHT_ERR_COUNT)
		return EMO__CTL__ERROR_CODE__ERR_UNAVAILABLE;
	return control_codes[err];
}

void
control_error_pb(struct control_req *r, Emo__Ctl__ErrorCode code,
    const char *msg)
{
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__Error e = EMO__CTL__ERROR__INIT;

	e.code = code;
	e.message = (char *)msg;
	rsp.body_case = EMO__CTL__RESPONSE__BODY_ERROR;
	rsp.error = &e;
	control_respond(r, &rsp);
}

void
control_error(struct control_req *r, enum dht_err err, const char *msg)
{
	control_error_pb(r, control_error_code(err), msg);
}


/* ---- connections ----------------------------------------------------- */

/* Answers with an error for the whole connection, then closes it. */
static void
control_conn_fail(struct control_conn *c, const char *msg)
{
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__Error e = EMO__CTL__ERROR__INIT;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	uint8_t *out;
	size_t outlen;

	c->ctl->st.bad_frames++;
	log_debug("control client: %s; closing", msg);
	/* Whatever was answered in order goes out first. */
	control_flush(c);
	e.code = control_error_code(DHT_ERR_INVALID);
	e.message = (char *)msg;
	rsp.body_case = EMO__CTL__RESPONSE__BODY_ERROR;
	rsp.error = &e;
	if (control_pack(&rsp, &out, &outlen) == 0) {
		evbuffer_add(bufferevent_get_output(c->bev), out, outlen);
		free(out);
	}
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_disable(c->bev, EV_READ);
	c->closing = 1;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		control_conn_free(c);
}

ssize_t
control_frame_read(const uint8_t *buf, size_t len, size_t *need,
    Emo__Ctl__Request **q, const char **errstr)
{
	uint32_t blen;

	*q = NULL;
	if ((*need = EMO_CTL_HDR_LEN) > len)
		return 0;
	if (frame_get_len(buf, EMO_CTL_MAX_REQUEST, &blen, errstr) == -1)
		return -1;
	if ((*need = EMO_CTL_HDR_LEN + (size_t)blen) > len)
		return 0;
	*q = emo__ctl__request__unpack(NULL, blen, buf + EMO_CTL_HDR_LEN);
	if (*q == NULL) {
		*errstr = "malformed request message";
		return -1;
	}
	return (ssize_t)(EMO_CTL_HDR_LEN + (size_t)blen);
}

static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	Emo__Ctl__Request *q;
	uint8_t hdr[EMO_CTL_HDR_LEN];
	const uint8_t *buf;
	const char *errstr;
	size_t need;
	ssize_t n;

	while (!c->closing) {
		if (c->npending >= CONTROL_MAX_PENDING ||
		    evbuffer_get_length(bufferevent_get_output(bev)) >
		    CONTROL_OUT_HIGH) {
			bufferevent_disable(bev, EV_READ);
			return;
		}
		/* The prefix first, then the frame it announces, contiguous. */
		if (evbuffer_copyout(in, hdr, sizeof(hdr)) < (ssize_t)sizeof(hdr))
			return;
		if (control_frame_read(hdr, sizeof(hdr), &need, &q,
		    &errstr) == -1) {
			control_conn_fail(c, errstr);
			return;
		}
		if (evbuffer_get_length(in) < need)
			return;
		if ((buf = evbuffer_pullup(in, (ssize_t)need)) == NULL) {
			control_conn_fail(c, "out of memory");
			return;
		}
		if ((n = control_frame_read(buf, need, &need, &q,
		    &errstr)) <= 0) {
			control_conn_fail(c, n == 0 ? "short frame" : errstr);
			return;
		}
		evbuffer_drain(in, (size_t)n);
		control_dispatch(c, q);
		emo__ctl__request__free_unpacked(q, NULL);
	}
}

static void
control_write_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn *c = arg;

	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			control_conn_free(c);
		return;
	}
	/* Output drained below the low mark: resume reading. */
	if (!(bufferevent_get_enabled(bev) & EV_READ) &&
	    c->npending < CONTROL_MAX_PENDING) {
		bufferevent_enable(bev, EV_READ);
		control_read_cb(bev, c);
	}
}

static void
control_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct control_conn *c = arg;

	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING)) {
		/* Only a half-sent frame is an error; idle clients may stay. */
		if (evbuffer_get_length(bufferevent_get_input(bev)) > 0) {
			control_conn_fail(c, "timed out in the middle of a frame");
			return;
		}
		bufferevent_enable(bev, EV_READ);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_WRITING)) {
		/* No byte taken for control_output_timeout. */
		if (evbuffer_get_length(bufferevent_get_output(bev)) >
		    CONTROL_OUT_LOW) {
			c->ctl->st.dropped_output++;
			log_warnx("control client (uid %u, pid %d) read none of "
			    "its %zu queued bytes for %u s; dropped",
			    (unsigned)c->uid, (int)c->pid,
			    evbuffer_get_length(bufferevent_get_output(bev)),
			    c->ctl->conf->control_output_timeout_s);
			control_conn_free(c);
			return;
		}
		/* A little output waits: keep waiting for the client. */
		if (c->closing) {
			control_conn_free(c);
			return;
		}
		bufferevent_enable(bev, EV_WRITE);
		return;
	}
	control_conn_free(c);
}

static void
control_conn_free(struct control_conn *c)
{
	struct control_req *r;

	while ((r = TAILQ_FIRST(&c->pending)) != NULL) {
		TAILQ_REMOVE(&c->pending, r, entry);
		if (r->done) {
			free(r->out);
			free(r);
		} else {
			r->conn = NULL;	/* the node's callback frees it */
			if (r->cancel != NULL)
				r->cancel(c->ctl, r);
		}
	}
	TAILQ_REMOVE(&c->ctl->conns, c, entry);
	c->ctl->st.clients--;
	bufferevent_free(c->bev);
	free(c);
}

/* 1 if gid is among the peer's supplementary groups (SO_PEERGROUPS). */
static int
control_peer_in_group(int fd, gid_t gid)
{
	gid_t groups[CONTROL_MAX_PEER_GROUPS];
	socklen_t len = sizeof(groups);
	size_t i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == -1)
		return 0;	/* ERANGE: more than we read; not a member */
	for (i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

/*
 * Whether the peer may use the socket: uid 0, our uid, or a member of the
 * socket's group, as the file's mode 0660 intends.  Checked again here so
 * that a socket made wider by mistake (a chmod, a systemd .socket unit's
 * default 0666) still admits no one else.
 */
static int
control_peer_ok(struct control *ctl, int fd, struct ucred *uc)
{
	socklen_t len = sizeof(*uc);

	memset(uc, 0, sizeof(*uc));
	uc->uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, uc, &len) == -1 ||
	    len != sizeof(*uc)) {
		log_warnx("control: cannot read the client's credentials: %s",
		    strerror(errno));
		return 0;
	}
	log_debug("control client: uid %u gid %u pid %d", (unsigned)uc->uid,
	    (unsigned)uc->gid, (int)uc->pid);
	return uc->uid == 0 || uc->uid == ctl->uid ||
	    uc->gid == ctl->sock_gid || control_peer_in_group(fd, ctl->sock_gid);
}

static void
control_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct control *ctl = arg;
	struct control_conn *c;
	struct timeval idle = { ctl->conf->control_idle_timeout_s, 0 };
	struct timeval stall = { ctl->conf->control_output_timeout_s, 0 };
	struct ucred uc;

	if (!control_peer_ok(ctl, fd, &uc)) {
		ctl->st.refused_peer++;
		log_debug("control: uid %u is neither 0, %u nor in group %u; "
		    "refusing", (unsigned)uc.uid, (unsigned)ctl->uid,
		    (unsigned)ctl->sock_gid);
		close(fd);
		return;
	}
	if (ctl->st.clients >= ctl->conf->control_max_clients) {
		ctl->st.rejected++;
		log_debug("control: client limit %u reached, refusing",
		    ctl->conf->control_max_clients);
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->uid = uc.uid;
	c->pid = uc.pid;
	TAILQ_INIT(&c->pending);
	c->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl->conns, c, entry);
	ctl->st.clients++;
	ctl->st.accepted++;
	bufferevent_setcb(c->bev, control_read_cb, control_write_cb,
	    control_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, CONTROL_OUT_LOW, 0);
	bufferevent_set_timeouts(c->bev, &idle, &stall);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ---- the socket ------------------------------------------------------ */

/* 1 if a daemon answers on our socket's name, 0 if not (stale or absent). */
static int
control_alive(struct control *ctl)
{
	int fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	rc = frame_sock_at(ctl->dirfd, ctl->name, fd, connect);
	close(fd);
	return rc == 0;
}

/*
 * Opens the directory of an explicitly chosen socket path (the user's
 * choice: symbolic links are followed), creating it if missing.  The
 * socket is then made, checked and removed relative to this descriptor.
 */
static int
control_open_parent(struct control *ctl, const char *path, char *err,
    size_t errlen)
{
	char dir[sizeof(ctl->path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create socket directory %s: %s",
		    dir, strerror(errno));
		return -1;
	}
	if ((ctl->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		snprintf(err, errlen, "cannot open socket directory %s: %s",
		    dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Removes our socket file, unless another emod has replaced it since (a
 * successor started while we were shutting down).
 */
static void
control_unlink(struct control *ctl)
{
	struct stat sb;

	if (ctl->dirfd == -1 || !ctl->bound ||
	    fstatat(ctl->dirfd, ctl->name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		return;
	if (sb.st_dev == ctl->sock_dev && sb.st_ino == ctl->sock_ino)
		(void)unlinkat(ctl->dirfd, ctl->name, 0);
}

/*
 * Binds the listening socket under umask 0117, so that it is born mode
 * 0660 (no chmod by path), and checks that the file bound is ours.
 */
static int
control_bind(struct control *ctl, int fd, char *err, size_t errlen)
{
	const char *path = ctl->conf->socket;
	struct stat sb;
	mode_t old;
	int rc;

	/* Stale: no daemon answered.  Only a socket file is removed. */
	if (fstatat(ctl->dirfd, ctl->name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			snprintf(err, errlen, "%s exists and is a %s, not a "
			    "socket: remove it or choose another --socket", path,
			    S_ISDIR(sb.st_mode) ? "directory" : S_ISREG(
			    sb.st_mode) ? "regular file" : "file of another kind");
			return -1;
		}
		(void)unlinkat(ctl->dirfd, ctl->name, 0);
	}
	old = umask(0117);
	rc = frame_sock_at(ctl->dirfd, ctl->name, fd, bind);
	umask(old);
	if (rc == -1) {
		snprintf(err, errlen, "cannot bind control socket %s: %s",
		    path, strerror(errno));
		return -1;
	}
	if (fstatat(ctl->dirfd, ctl->name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISSOCK(sb.st_mode) || sb.st_uid != geteuid()) {
		snprintf(err, errlen, "control socket %s was replaced right "
		    "after bind: check who else writes to its directory", path);
		return -1;
	}
	ctl->bound = 1;
	ctl->sock_dev = sb.st_dev;
	ctl->sock_ino = sb.st_ino;
	ctl->sock_gid = sb.st_gid;
	return 0;
}

struct control *
control_new(struct event_base *base, struct node *node,
    const struct conf *conf, int dirfd, char *err, size_t errlen)
{
	struct control *ctl;
	struct group *gr;
	const char *slash;
	int fd = -1;

	if ((ctl = calloc(1, sizeof(*ctl))) == NULL) {
		snprintf(err, errlen, "out of memory");
		if (dirfd != -1)
			close(dirfd);
		return NULL;
	}
	ctl->base = base;
	ctl->node = node;
	ctl->conf = conf;
	ctl->dirfd = dirfd;
	ctl->uid = geteuid();
	TAILQ_INIT(&ctl->conns);
	slash = strrchr(conf->socket, '/');
	snprintf(ctl->name, sizeof(ctl->name), "%s",
	    slash != NULL ? slash + 1 : conf->socket);
	if (strlen(conf->socket) >= sizeof(ctl->path) || ctl->name[0] == '\0') {
		snprintf(err, errlen, "socket path too long (max %zu bytes) or "
		    "naming a directory: %s", sizeof(ctl->path) - 1,
		    conf->socket);
		goto fail;
	}
	snprintf(ctl->path, sizeof(ctl->path), "%s", conf->socket);
	if (ctl->dirfd == -1 &&
	    control_open_parent(ctl, conf->socket, err, errlen) == -1)
		goto fail;
	if (control_alive(ctl)) {
		snprintf(err, errlen, "another emod is already serving the "
		    "control socket %s", conf->socket);
		goto fail;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		goto fail;
	}
	if (control_bind(ctl, fd, err, errlen) == -1)
		goto fail;
	if (conf->socket_group[0] != '\0') {
		if ((gr = getgrnam(conf->socket_group)) == NULL) {
			snprintf(err, errlen, "socket_group: no group named %s",
			    conf->socket_group);
			goto fail;
		}
		if (fchownat(ctl->dirfd, ctl->name, (uid_t)-1, gr->gr_gid,
		    AT_SYMLINK_NOFOLLOW) == -1) {
			snprintf(err, errlen, "cannot give %s to group %s: %s",
			    conf->socket, conf->socket_group, strerror(errno));
			goto fail;
		}
		ctl->sock_gid = gr->gr_gid;
	}
	if (listen(fd, 128) == -1) {
		snprintf(err, errlen, "control socket %s: %s", conf->socket,
		    strerror(errno));
		goto fail;
	}
	ctl->listener = evconnlistener_new(base, control_accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (ctl->listener == NULL) {
		snprintf(err, errlen, "cannot listen on %s", conf->socket);
		goto fail;
	}
	return ctl;
fail:
	if (fd != -1 && ctl->listener == NULL)
		close(fd);
	control_unlink(ctl);
	if (ctl->dirfd != -1)
		close(ctl->dirfd);
	free(ctl);
	return NULL;
}

void
control_free(struct control *ctl)
{
	struct control_conn *c;

	if (ctl == NULL)
		return;
	while ((c = TAILQ_FIRST(&ctl->conns)) != NULL)
		control_conn_free(c);
	if (ctl->listener != NULL)
		evconnlistener_free(ctl->listener);
	control_unlink(ctl);
	if (ctl->dirfd != -1)
		close(ctl->dirfd);
	free(ctl);
}

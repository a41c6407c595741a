/*
 * control_impl — what the control socket's files share: the connection,
 * request and server structs, the response helpers of control.c, the
 * dispatch of control_handlers.c and the status handler of
 * control_status.c.  Private to module control.
 */
#ifndef EMO_CONTROL_IMPL_H
#define EMO_CONTROL_IMPL_H

#include <sys/queue.h>
#include <sys/types.h>
#include <sys/un.h>
#include <stddef.h>
#include <stdint.h>

#include "control.pb-c.h"
#include "dht.h"	/* enum dht_err */
#include "id.h"

struct bufferevent;
struct conf;
struct event_base;
struct evconnlistener;
struct node;
struct control_req;

struct control_stats {
	uint64_t	clients;	/* connected now */
	uint64_t	accepted, rejected, requests, bad_frames;
	uint64_t	refused_peer;	/* SO_PEERCRED said no */
	uint64_t	dropped_output;	/* stopped reading its answers */
};

struct control_conn {
	struct control			*ctl;
	struct bufferevent		*bev;
	TAILQ_ENTRY(control_conn)	 entry;
	TAILQ_HEAD(, control_req)	 pending;	/* request order */
	unsigned			 npending;
	uid_t				 uid;		/* SO_PEERCRED */
	pid_t				 pid;
	int				 closing;	/* close once drained */
};

#define CONTROL_MAX_ADDRESS	256	/* bytes of a ping's address, NUL too */
#define CONTROL_MAX_MIN_ACKS	64	/* a put's min_acks; k is 20 */

/* What control_request_check made of a request for its handler. */
struct control_args {
	struct id	key;		/* put, get: resolved; a put echoes it */
	int		level;		/* log: the parsed level */
	uint8_t		vid[16];	/* put: the value's id; cancel: given */
	struct value_attr attr;		/* put: signed or immutable */
	int		signed_by;	/* get: only values signed by signer */
	uint8_t		signer[KEYS_PUBLIC_LEN];
};

#define CONTROL_MAX_RESTART_KEYS	64	/* restart-only keys changed */

struct control_req {
	TAILQ_ENTRY(control_req)	 entry;
	struct control_conn		*conn;		/* NULL: orphaned */
	uint64_t			 id;
	struct control_args		 args;
	int				 done;
	uint8_t				*out;		/* framed response(s) */
	size_t				 outlen;
	/* A watch: answers stream until the end (control_stream). */
	struct node_op			*watch;		/* until its end */
	uint32_t			 count, sent;
	int				 stopping;
	/* Called for an unfinished request when its client goes away. */
	void				(*cancel)(struct control *,
					    struct control_req *);
};

struct control {
	struct event_base	*base;
	struct node		*node;
	const struct conf	*conf;
	struct evconnlistener	*listener;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char			 name[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int			 dirfd;		/* the socket's directory */
	int			 bound;
	dev_t			 sock_dev;	/* the socket file we made, so */
	ino_t			 sock_ino;	/* we never unlink a successor's */
	gid_t			 sock_gid;	/* its group may connect */
	uid_t			 uid;		/* ours: may connect, as may 0 */
	TAILQ_HEAD(, control_conn) conns;
	struct control_stats	 st;
	struct perm		*perm;		/* NULL: no permanent puts */
	const char		*restart_keys[CONTROL_MAX_RESTART_KEYS];
	size_t			 nrestart_keys;
};

/*
 * Completes a request with a response.  An orphan (its client is gone) is
 * simply freed.  A response too large to frame becomes an error.
 */
void	control_respond(struct control_req *, Emo__Ctl__Response *);
/*
 * One more response of a request that streams (a watch), without
 * completing it: sent at once when earlier requests are answered, else
 * kept (at most CONTROL_MAX_OUTPUT bytes; more is dropped).  Ignored for
 * an orphan.
 */
void	control_stream(struct control_req *, Emo__Ctl__Response *);
/* Completes a request with an error of the protocol's, or of ours. */
void	control_error_pb(struct control_req *, Emo__Ctl__ErrorCode,
	    const char *msg);
void	control_error(struct control_req *, enum dht_err, const char *msg);

/*
 * Reads one request frame from the len bytes at buf as the daemon does:
 * the length prefix checked against EMO_CTL_MAX_REQUEST, then the body
 * unpacked.  Returns the frame's size (prefix included) with *q set (free
 * it with emo__ctl__request__free_unpacked), 0 if buf holds less than the
 * whole frame (wait until there are *need bytes: the prefix, or once it is
 * read the whole frame), or -1 with *errstr if the frame is bad (the
 * connection is closed).  Needs no node, socket or event base.
 */
ssize_t	control_frame_read(const uint8_t *buf, size_t len, size_t *need,
	    Emo__Ctl__Request **q, const char **errstr);
/*
 * The checks of an unpacked request that come before any handler touches
 * the node: version, a known body, and each body's fields (key or name,
 * value size, since_ms, address, log level).  Returns 0 with *a filled
 * for the handler, or -1 with the protocol's error *code and a sentence
 * *why (static).  Pure: needs no node, socket or event base.
 */
int	control_request_check(const Emo__Ctl__Request *q,
	    struct control_args *a, Emo__Ctl__ErrorCode *code,
	    const char **why);
/* Queues a request on its connection, checks it and runs its handler. */
void	control_dispatch(struct control_conn *, const Emo__Ctl__Request *);
/* The status request: node state and every counter of control_status.c. */
void	control_status(struct control_conn *, struct control_req *,
	    const Emo__Ctl__Request *);

#endif

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

struct control_req {
	TAILQ_ENTRY(control_req)	 entry;
	struct control_conn		*conn;		/* NULL: orphaned */
	uint64_t			 id;
	struct id			 key;		/* of a put, echoed */
	int				 done;
	uint8_t				*out;		/* framed response */
	size_t				 outlen;
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
};

/*
 * Completes a request with a response.  An orphan (its client is gone) is
 * simply freed.  A response too large to frame becomes an error.
 */
void	control_respond(struct control_req *, Emo__Ctl__Response *);
/* Completes a request with an error of the protocol's, or of ours. */
void	control_error_pb(struct control_req *, Emo__Ctl__ErrorCode,
	    const char *msg);
void	control_error(struct control_req *, enum dht_err, const char *msg);

/* Queues a request on its connection and runs its handler. */
void	control_dispatch(struct control_conn *, const Emo__Ctl__Request *);
/* The status request: node state and every counter of control_status.c. */
void	control_status(struct control_conn *, struct control_req *,
	    const Emo__Ctl__Request *);

#endif

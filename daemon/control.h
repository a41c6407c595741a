/*
 * control — the Unix-socket server: framing, limits, a handler table that
 * turns Requests into node calls, in-order responses, backpressure.
 * Knows nothing of UDP or LevelDB.
 */
#ifndef EMO_CONTROL_H
#define EMO_CONTROL_H

#include <stddef.h>

struct conf;
struct control;
struct event_base;
struct node;

/*
 * Creates the socket at conf->socket (mode 0660, group socket_group),
 * refusing when a live daemon answers there and removing a stale one.
 */
struct control	*control_new(struct event_base *, struct node *,
		    const struct conf *, char *err, size_t errlen);
/* Closes every connection and removes the socket file. */
void		 control_free(struct control *);

#endif

/*
 * control — the Unix-socket server: framing, limits, a handler table that
 * turns Requests into node calls, in-order responses, backpressure.
 * Knows nothing of UDP or LevelDB.
 */
#ifndef EMO_CONTROL_H
#define EMO_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "dht.h"

struct conf;
struct control;
struct event_base;
struct node;
struct node_status;
struct perm;

/*
 * Creates the socket at conf->socket (mode 0660, group socket_group),
 * refusing when a live daemon answers there and removing a stale one.
 * dirfd is its directory, already opened and checked by the caller (the
 * fallback directory), which it takes over; -1: open (and create) the
 * parent of conf->socket here.
 */
struct control	*control_new(struct event_base *, struct node *,
		    const struct conf *, int dirfd, char *err, size_t errlen);
/* The list of permanent values that put --permanent, cancel use. */
void		 control_set_perm(struct control *, struct perm *);
/* Config keys changed in the file since start that need a restart. */
void		 control_set_restart_keys(struct control *,
		    const char *const *keys, size_t n);
/* Closes every connection and removes the socket file. */
void		 control_free(struct control *);

/* The protocol's ErrorCode for an error; one table in control.c. */
int		 control_error_code(enum dht_err);
/*
 * The i-th status counter's name, and its help text in *help (may be
 * NULL); NULL past the end.  For the documentation check.
 */
const char	*control_counter_name(size_t i, const char **help);
/* The i-th counter is a level now (ctl_clients), not a running count. */
int		 control_counter_gauge(size_t i);
/* The i-th counter's value: from ns, or the server's own counters. */
uint64_t	 control_counter_value(const struct control *,
		    const struct node_status *, size_t i);

#endif

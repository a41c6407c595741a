/*
 * metrics — the Prometheus endpoint (`metrics_listen`): libevent's HTTP
 * server answering GET /metrics in the text format from what the status
 * answer reads (control's counter table, the node's gauges) and the
 * engine's histograms.  Any other path is a 404.  Knows nothing of UDP.
 */
#ifndef EMO_METRICS_H
#define EMO_METRICS_H

#include <stddef.h>

struct control;
struct event_base;
struct evbuffer;
struct metrics;
struct node;

#define METRICS_TIMEOUT_S	10	/* a connection's request, then idle */
#define METRICS_MAX_HEADERS	8192	/* bytes of a request's headers */
#define METRICS_MAX_BODY	0	/* a GET has none */

/*
 * Listens on hostport (numeric "HOST:PORT" or "[V6]:PORT").  NULL with a
 * whole sentence in err when it cannot (the address, then the reason).
 */
struct metrics	*metrics_new(struct event_base *, struct node *,
		    struct control *, const char *hostport, char *err,
		    size_t errlen);
void		 metrics_free(struct metrics *);

/* The text-format page into buf; -1 on memory.  For tests too. */
int		 metrics_render(struct node *, struct control *,
		    struct evbuffer *);

#endif

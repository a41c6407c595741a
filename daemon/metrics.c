/*
 * metrics — the Prometheus endpoint: see metrics.h.  The page is built
 * anew for each scrape; nothing is kept between them.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "addr.h"
#include "control.h"
#include "metrics.h"
#include "node.h"
#include "op.h"

#define METRICS_BACKLOG	16

struct metrics {
	struct evhttp	*http;
	struct node	*node;
	struct control	*ctl;
};

/* The engine's histograms as exported: name, help, unit scale. */
static const struct {
	unsigned	 hist;		/* enum op_hist_id */
	const char	*name;
	const char	*help;
	double		 scale;		/* bound and sum multiplier */
} metrics_hists[] = {
	{ OP_HIST_PUT_MS, "emo_put_duration_seconds",
	    "puts from control clients, start to result", 0.001 },
	{ OP_HIST_GET_MS, "emo_get_duration_seconds",
	    "gets from control clients, start to result", 0.001 },
	{ OP_HIST_LOOKUP_MS, "emo_lookup_duration_seconds",
	    "iterative lookups of every operation, start to done", 0.001 },
	{ OP_HIST_LOOKUP_QUERIES, "emo_lookup_queries_per_lookup",
	    "requests each lookup sent", 1.0 },
};
#define METRICS_NHISTS	(sizeof(metrics_hists) / sizeof(metrics_hists[0]))

static int
metrics_line(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	return evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name,
	    help, name, type) < 0 ? -1 : 0;
}

static int
metrics_gauge(struct evbuffer *b, const char *name, const char *help,
    uint64_t v)
{
	if (metrics_line(b, name, "gauge", help) == -1 ||
	    evbuffer_add_printf(b, "%s %llu\n", name,
	    (unsigned long long)v) < 0)
		return -1;
	return 0;
}

static int
metrics_hist(struct evbuffer *b, const struct op_hist *h, unsigned i)
{
	const uint64_t *bounds;
	uint64_t cum = 0;
	size_t nb, j;
	const char *name = metrics_hists[i].name;
	double sc = metrics_hists[i].scale;

	if (op_hist_info(metrics_hists[i].hist, &bounds, &nb) == NULL ||
	    metrics_line(b, name, "histogram", metrics_hists[i].help) == -1)
		return -1;
	for (j = 0; j < nb; j++) {
		cum += h->n[j];
		if (evbuffer_add_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name,
		    (double)bounds[j] * sc, (unsigned long long)cum) < 0)
			return -1;
	}
	if (evbuffer_add_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n"
	    "%s_sum %.17g\n%s_count %llu\n", name,
	    (unsigned long long)h->count, name, (double)h->sum * sc, name,
	    (unsigned long long)h->count) < 0)
		return -1;
	return 0;
}

int
metrics_render(struct node *node, struct control *ctl, struct evbuffer *b)
{
	struct node_status ns;
	const char *name, *help;
	char full[128];
	size_t i;
	int g;

	node_status(node, &ns);
	if (evbuffer_add_printf(b, "# HELP emo_build_info emod's version\n"
	    "# TYPE emo_build_info gauge\nemo_build_info{version=\"%s\"} 1\n",
	    EMO_VERSION) < 0 ||
	    metrics_gauge(b, "emo_uptime_seconds", "seconds since start",
	    ns.uptime_s) == -1 ||
	    metrics_gauge(b, "emo_peers", "nodes in the routing table",
	    ns.peers) == -1 ||
	    metrics_gauge(b, "emo_keys", "keys stored on this node",
	    ns.store.keys) == -1 ||
	    metrics_gauge(b, "emo_values", "values stored on this node",
	    ns.store.values) == -1 ||
	    metrics_gauge(b, "emo_bytes", "bytes of values stored on this node",
	    ns.store.bytes) == -1)
		return -1;
	/* Every status counter, from the one table (control_status.c). */
	for (i = 0; (name = control_counter_name(i, &help)) != NULL; i++) {
		g = control_counter_gauge(i);
		snprintf(full, sizeof(full), "emo_%s%s", name, g ? "" : "_total");
		if (metrics_line(b, full, g ? "gauge" : "counter", help) == -1 ||
		    evbuffer_add_printf(b, "%s %llu\n", full,
		    (unsigned long long)control_counter_value(ctl, &ns, i)) < 0)
			return -1;
	}
	for (i = 0; i < METRICS_NHISTS; i++)
		if (metrics_hist(b, &ns.dht.hist[metrics_hists[i].hist],
		    (unsigned)i) == -1)
			return -1;
	return 0;
}

static void
metrics_cb(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	struct evbuffer *b;

	if (path == NULL || strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "only /metrics is here");
		return;
	}
	if ((b = evbuffer_new()) == NULL || metrics_render(m->node, m->ctl,
	    b) == -1) {
		evbuffer_free(b);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* A listening TCP socket on hostport, or -1 with a sentence in err. */
static int
metrics_listen(const char *hostport, char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	char host[256], port[8];
	const char *errstr;
	uint16_t p;
	int fd, on = 1, e;

	if (addr_split_hostport(hostport, host, sizeof(host), &p,
	    &errstr) == -1) {
		snprintf(err, errlen, "metrics_listen %s: %s", hostport, errstr);
		return -1;
	}
	snprintf(port, sizeof(port), "%u", (unsigned)p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((e = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "metrics_listen %s: not a numeric "
		    "address: %s", hostport, gai_strerror(e));
		return -1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, METRICS_BACKLOG) == -1) {
		e = errno;
		snprintf(err, errlen, "metrics_listen %s: cannot listen: %s%s",
		    hostport, strerror(e), e == EADDRINUSE ? " (is another "
		    "emod or exporter using the port?)" : "");
		if (fd != -1)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}

struct metrics *
metrics_new(struct event_base *base, struct node *node, struct control *ctl,
    const char *hostport, char *err, size_t errlen)
{
	struct metrics *m;
	int fd;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errlen, "metrics: out of memory");
		return NULL;
	}
	m->node = node;
	m->ctl = ctl;
	if ((fd = metrics_listen(hostport, err, errlen)) == -1)
		goto fail;
	if ((m->http = evhttp_new(base)) == NULL) {
		close(fd);
		snprintf(err, errlen, "metrics: cannot create the HTTP server");
		goto fail;
	}
	evhttp_set_timeout(m->http, METRICS_TIMEOUT_S);
	evhttp_set_max_headers_size(m->http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(m->http, METRICS_MAX_BODY);
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET);
	evhttp_set_gencb(m->http, metrics_cb, m);
	if (evhttp_accept_socket_with_handle(m->http, fd) == NULL) {
		close(fd);
		snprintf(err, errlen, "metrics_listen %s: cannot accept on it",
		    hostport);
		goto fail;
	}
	return m;
fail:
	metrics_free(m);
	return NULL;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	if (m->http != NULL)
		evhttp_free(m->http);
	free(m);
}

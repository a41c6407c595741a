/*
 * node_dns — non-blocking name lookups for the node: see node_dns.h.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "addr.h"
#include "log.h"
#include "node_dns.h"

#define NODE_DNS_HOST_MAX	253	/* bytes of a host name */

struct node_dns_req {
	LIST_ENTRY(node_dns_req)	 entry;
	struct node_dns			*dns;	/* NULL: cancelled */
	struct evdns_getaddrinfo_request *req;
	node_dns_cb			*cb;
	void				*arg;
	uint16_t			 port;
	char				 hostport[NODE_DNS_HOST_MAX + 8];
};

struct node_dns {
	struct event_base		*base;
	struct evdns_base		*evdns;	/* made at the first name */
	LIST_HEAD(, node_dns_req)	 reqs;
	size_t				 npending;
};

/* evdns's own messages (a nameserver failing...) at debug level. */
static void
node_dns_log(int severity, const char *msg)
{
	log_debug("evdns: %s", msg);
}

struct node_dns *
node_dns_new(struct event_base *base)
{
	struct node_dns *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->base = base;
	LIST_INIT(&d->reqs);
	evdns_set_log_fn(node_dns_log);
	return d;
}

void
node_dns_cancel(struct node_dns *d)
{
	struct node_dns_req *r;

	if (d == NULL)
		return;
	/*
	 * Detach first: evdns may run the callback (with EAI_CANCEL) inside
	 * the cancel, and it then only frees the request.
	 */
	while ((r = LIST_FIRST(&d->reqs)) != NULL) {
		LIST_REMOVE(r, entry);
		r->dns = NULL;
		d->npending--;
		if (r->req != NULL)
			evdns_getaddrinfo_cancel(r->req);
	}
}

void
node_dns_free(struct node_dns *d)
{
	if (d == NULL)
		return;
	node_dns_cancel(d);
	if (d->evdns != NULL)
		evdns_base_free(d->evdns, 0);
	free(d);
}

size_t
node_dns_pending(const struct node_dns *d)
{
	return d != NULL ? d->npending : 0;
}

static void
node_dns_done(int err, struct evutil_addrinfo *res, void *arg)
{
	struct node_dns_req *r = arg;
	struct node_dns *d = r->dns;
	struct evutil_addrinfo *ai;
	struct addr a;
	int found = 0;

	if (d != NULL) {
		LIST_REMOVE(r, entry);
		d->npending--;
		for (ai = err == 0 ? res : NULL; ai != NULL && !found;
		    ai = ai->ai_next)
			found = addr_from_sockaddr(&a, ai->ai_addr,
			    (socklen_t)ai->ai_addrlen) == 0;
		if (found) {
			if (a.u.sa.sa_family == AF_INET)
				a.u.sin.sin_port = htons(r->port);
			else
				a.u.sin6.sin6_port = htons(r->port);
		}
		r->cb(r->arg, r->hostport, found ? &a : NULL,
		    err != 0 ? evutil_gai_strerror(err) :
		    "no usable address");
	}
	if (res != NULL)
		evutil_freeaddrinfo(res);
	free(r);
}

/* RFC 6761 §6.4: a name under .invalid never resolves; ask nobody. */
static int
node_dns_invalid(const char *host)
{
	size_t n = strlen(host);

	while (n > 0 && host[n - 1] == '.')
		n--;
	return (n == 7 && strncasecmp(host, "invalid", 7) == 0) ||
	    (n > 7 && strncasecmp(host + n - 8, ".invalid", 8) == 0);
}

int
node_dns_resolve(struct node_dns *d, const char *hostport, int family,
    node_dns_cb *cb, void *arg, const char **errstr)
{
	struct evutil_addrinfo hints;
	struct evdns_getaddrinfo_request *req;
	struct node_dns_req *r;
	char host[NODE_DNS_HOST_MAX + 1];
	uint16_t port;

	if (addr_split_hostport(hostport, host, sizeof(host), &port,
	    errstr) == -1)
		return -1;
	if (node_dns_invalid(host)) {
		*errstr = "a name under .invalid never resolves (RFC 6761)";
		return -1;
	}
	if (d->evdns == NULL && (d->evdns = evdns_base_new(d->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE)) == NULL) {
		*errstr = "cannot set up the resolver (/etc/resolv.conf)";
		return -1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	r->dns = d;
	r->cb = cb;
	r->arg = arg;
	r->port = port;
	snprintf(r->hostport, sizeof(r->hostport), "%s", hostport);
	LIST_INSERT_HEAD(&d->reqs, r, entry);
	d->npending++;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	/* NULL: done already (the callback ran and freed r), or failed. */
	req = evdns_getaddrinfo(d->evdns, host, NULL, &hints, node_dns_done, r);
	if (req != NULL)
		r->req = req;
	return 0;
}

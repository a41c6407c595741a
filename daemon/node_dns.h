/*
 * node_dns — host names resolved without blocking the event loop: the
 * bootstrap names that a SIGHUP brings in, through libevent's evdns
 * (which reads /etc/resolv.conf and /etc/hosts once, at the first name).
 * Names under the special-use domain .invalid (RFC 6761) fail at once,
 * without a query.  Owns its evdns base and the pending lookups.
 */
#ifndef EMO_NODE_DNS_H
#define EMO_NODE_DNS_H

#include "addr.h"

struct event_base;
struct node_dns;

/*
 * A lookup's end: a is the first address found (NULL on failure, with a
 * reason in err).  `hostport` is the name asked for.
 */
typedef void node_dns_cb(void *arg, const char *hostport,
    const struct addr *a, const char *err);

struct node_dns	*node_dns_new(struct event_base *);
/* Cancels every pending lookup (no callback runs) and frees. */
void		 node_dns_free(struct node_dns *);
/* Cancels every pending lookup; their callbacks do not run. */
void		 node_dns_cancel(struct node_dns *);
/*
 * Resolves "NAME:PORT" to an address of `family` (AF_INET, AF_INET6 or
 * AF_UNSPEC).  The callback runs later from the loop, or before this
 * returns (a name in /etc/hosts, a failure).  Returns 0, or -1 with
 * *errstr when the lookup could not be started (no callback then).
 */
int		 node_dns_resolve(struct node_dns *, const char *hostport,
		    int family, node_dns_cb *, void *arg,
		    const char **errstr);
/* Lookups started and not ended (tests, logs). */
size_t		 node_dns_pending(const struct node_dns *);

#endif

/*
 * node_health — networked or alone by design, and results judged by it:
 * see node_health.h.
 */
#include <sys/socket.h>
#include <inttypes.h>
#include <stdio.h>

#include "log.h"
#include "node_health.h"

void
node_health_init(struct node_health *h, int networked)
{
	h->networked = networked;
	h->boot_rounds = 0;
	h->msg[0] = '\0';
}

void
node_health_peers(struct node_health *h, size_t peers)
{
	if (peers > 0)
		h->networked = 1;
}

void
node_health_put(struct node_health *h, uint32_t need,
    struct op_put_result *r)
{
	/* Not stored here, or failed for another reason: that stands. */
	if (r->acks == r->remote_acks ||
	    (r->err != DHT_OK && r->err != DHT_ERR_UNAVAILABLE))
		return;
	if (need == 0)
		need = h->networked ? 2 : 1;
	if (r->acks >= need) {
		r->err = DHT_OK;
		r->msg = NULL;
		return;
	}
	r->err = DHT_ERR_UNAVAILABLE;
	if (r->remote_acks == 0 && r->refused == 0) {
		r->msg = "stored on this node only: no peer answered";
		return;
	}
	if (r->remote_acks == 0) {
		snprintf(h->msg, sizeof(h->msg), "stored on this node only: "
		    "%" PRIu32 " peer%s refused it (a full store or a storage "
		    "quota: at most quota_values_per_key values under one key "
		    "from one address)", r->refused, r->refused == 1 ? "" :
		    "s");
		r->msg = h->msg;
		return;
	}
	snprintf(h->msg, sizeof(h->msg), "stored on %" PRIu32 " nodes, "
	    "fewer than the %" PRIu32 " asked (min_acks)%s", r->acks, need,
	    r->refused > 0 ? "; other peers refused it (a full store or a "
	    "storage quota)" : "");
	r->msg = h->msg;
}

void
node_health_get(const struct node_health *h, enum dht_err *err,
    const char **msg, uint32_t responders)
{
	/* Absence and outage must differ for scripts. */
	if (responders > 0 || !(*err == DHT_ERR_UNAVAILABLE ||
	    (*err == DHT_ERR_NOT_FOUND && h->networked)))
		return;
	*err = DHT_ERR_UNAVAILABLE;
	*msg = "network unavailable: no peer answered, so the key may exist "
	    "elsewhere";
}

/*
 * A round went out again with nobody answering the last: a warning with
 * the wait before the next (the backoff doubles to a minute, so after a
 * while this is once a minute at most).
 */
void
node_health_boot(struct node_health *h, const struct join_boot *b,
    size_t peers, int64_t now)
{
	char a[ADDR_STRLEN];

	if (b->rounds == h->boot_rounds)
		return;
	h->boot_rounds = b->rounds;
	if (b->rounds < 2 || b->naddrs == 0 || peers > 0)
		return;
	addr_str(&b->first, a, sizeof(a));
	log_warnx("bootstrap: no answer from %s%s (%zu address%s) after %"
	    PRIu32 " round%s; no peers, trying again in %" PRId64 " s", a,
	    b->naddrs > 1 ? " or the others" : "", b->naddrs,
	    b->naddrs == 1 ? "" : "es", b->rounds - 1,
	    b->rounds == 2 ? "" : "s",
	    b->next_ms == INT64_MAX ? 0 : (b->next_ms - now + 999) / 1000);
}

const char *
node_health_network(const struct node_health *h, size_t peers)
{
	return peers > 0 ? "connected" : h->networked ? "isolated" :
	    "standalone";
}

const char *
node_health_ping_check(struct node_health *h, const struct addr *local,
    const struct addr *to)
{
	char a[ADDR_STRLEN], l[ADDR_STRLEN];

	addr_str(to, a, sizeof(a));
	addr_str(local, l, sizeof(l));
	if (addr_eq(to, local) || (addr_port(to) == addr_port(local) &&
	    addr_is_unspecified(local) && addr_scope(to) == ADDR_LOOPBACK)) {
		snprintf(h->msg, sizeof(h->msg), "%s is this node's own "
		    "address (listen %s): a node does not ping itself", a, l);
		return h->msg;
	}
	if (addr_family(to) == AF_INET6 && addr_family(local) == AF_INET) {
		snprintf(h->msg, sizeof(h->msg), "%s is IPv6 and this node "
		    "listens on IPv4 only (listen %s); listen on [::]:%u to "
		    "reach both", a, l, (unsigned)addr_port(local));
		return h->msg;
	}
	return NULL;
}

const char *
node_health_ping_silent(struct node_health *h, const struct addr *to,
    uint32_t waited_ms)
{
	char a[ADDR_STRLEN];

	snprintf(h->msg, sizeof(h->msg), "no answer from %s within %.1f s: "
	    "that node is down, listens elsewhere, or a firewall drops UDP",
	    addr_str(to, a, sizeof(a)), (double)waited_ms / 1000);
	return h->msg;
}

const char *
node_health_ttl(struct node_health *h, uint32_t ttl_s, uint32_t max_ttl_s)
{
	snprintf(h->msg, sizeof(h->msg), "ttl %" PRIu32 " s is above this "
	    "node's max_ttl of %" PRIu32 " s", ttl_s, max_ttl_s);
	return h->msg;
}

/*
 * node — the engine.  Builds the store and the UDP transport from the
 * configuration, validates user operations, and runs maintenance timers
 * (expiry sweeps).  Wall-clock time is read here, once per operation, for
 * value creation and expiry; everything below takes it as a parameter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "conf.h"
#include "log.h"
#include "net.h"
#include "node.h"

#define NODE_EXPIRE_BATCH	2000	/* values deleted per sweep step */

struct node {
	struct event_base	*base;
	const struct conf	*conf;
	struct id		 self;
	struct store		*store;
	struct net		*net;
	struct event		*ev_expire;
	int64_t			 started_ms;	/* monotonic */
	struct {
		uint64_t	puts, gets, put_errors, get_not_found;
		uint64_t	expired, udp_dropped;
	} st;
};

static int64_t
node_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
node_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
node_udp_input(void *arg, const struct addr *from, const uint8_t *buf,
    size_t len)
{
	struct node *n = arg;

	/* The single-node daemon speaks no UDP protocol yet: count, drop. */
	n->st.udp_dropped++;
}

static void
node_arm_expire(struct node *n, uint32_t secs)
{
	struct timeval tv = { secs, 0 };

	event_add(n->ev_expire, &tv);
}

static void
node_expire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct node *n = arg;
	const char *errstr;
	long got;

	got = store_expire(n->store, node_wall_ms(), NODE_EXPIRE_BATCH, &errstr);
	if (got == -1) {
		log_warnx("expiry sweep: %s", errstr);
		node_arm_expire(n, n->conf->expire_interval_s);
		return;
	}
	n->st.expired += (uint64_t)got;
	if (got > 0)
		log_debug("expired %ld values", got);
	/* A full batch means more is due: continue soon, not in one go. */
	node_arm_expire(n, got == NODE_EXPIRE_BATCH ? 0 :
	    n->conf->expire_interval_s);
}

struct node *
node_new(struct event_base *base, const struct conf *conf,
    const struct id *self, char *err, size_t errlen)
{
	struct node *n;
	struct store_opts so;
	struct addr la;
	const char *errstr;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->base = base;
	n->conf = conf;
	n->self = *self;
	n->started_ms = node_mono_ms();

	if (addr_parse(&la, conf->listen, &errstr) == -1) {
		snprintf(err, errlen, "listen %s: %s", conf->listen, errstr);
		goto fail;
	}
	memset(&so, 0, sizeof(so));
	so.kind = conf->storage == CONF_STORAGE_MEMORY ? STORE_MEMORY :
	    STORE_LEVELDB;
	so.dir = conf->data_dir;
	so.max_values_per_key = conf->max_values_per_key;
	so.max_bytes = conf->max_store_bytes;
	so.sync = conf->sync;
	if ((n->store = store_open(&so, err, errlen)) == NULL)
		goto fail;
	n->net = net_open(base, &la, conf->recv_buffer, conf->send_buffer,
	    node_udp_input, n, err, errlen);
	if (n->net == NULL)
		goto fail;
	if ((n->ev_expire = event_new(base, -1, 0, node_expire_cb, n)) == NULL) {
		snprintf(err, errlen, "cannot create timer");
		goto fail;
	}
	node_arm_expire(n, 0);
	return n;
fail:
	node_free(n);
	return NULL;
}

void
node_free(struct node *n)
{
	if (n == NULL)
		return;
	if (n->ev_expire != NULL)
		event_free(n->ev_expire);
	net_close(n->net);
	store_close(n->store);
	free(n);
}

static enum node_err
node_put_err(const char *errstr)
{
	if (strstr(errstr, "quota") != NULL || strstr(errstr, "full") != NULL)
		return NODE_ERR_QUOTA;
	return NODE_ERR_STORAGE;
}

void
node_put(struct node *n, const struct id *key, const void *data, size_t len,
    uint32_t ttl_s, node_put_cb *cb, void *arg)
{
	struct node_put_result r;
	const char *errstr;
	int64_t now;

	memset(&r, 0, sizeof(r));
	if (ttl_s == 0)
		ttl_s = n->conf->default_ttl_s;
	if (len == 0) {
		r.err = NODE_ERR_INVALID;
		r.msg = "empty value";
	} else if (len > STORE_MAX_VALUE) {
		r.err = NODE_ERR_TOO_LARGE;
		r.msg = "value larger than 32768 bytes";
	} else if (ttl_s > n->conf->max_ttl_s) {
		r.err = NODE_ERR_INVALID;
		r.msg = "ttl above the configured max_ttl";
	}
	if (r.err != NODE_OK) {
		n->st.put_errors++;
		cb(arg, &r);
		return;
	}
	now = node_wall_ms();
	r.created_ms = now;
	r.expires_ms = now + (int64_t)ttl_s * 1000;
	if (store_put(n->store, key->b, data, len, r.created_ms, r.expires_ms,
	    now, &errstr) == -1) {
		r.err = node_put_err(errstr);
		r.msg = errstr;
		n->st.put_errors++;
		log_warnx("put refused: %s", errstr);
	} else {
		r.acks = 1;
		n->st.puts++;
	}
	cb(arg, &r);
}

void
node_get(struct node *n, const struct id *key, int64_t since_ms,
    node_get_cb *cb, void *arg)
{
	struct node_get_result r;
	const char *errstr;

	memset(&r, 0, sizeof(r));
	n->st.gets++;
	if (store_get(n->store, key->b, since_ms, node_wall_ms(), &r.values,
	    &errstr) == -1) {
		r.err = NODE_ERR_STORAGE;
		r.msg = errstr;
	} else if (r.values.n == 0) {
		r.err = NODE_ERR_NOT_FOUND;
		r.msg = "not found";
		n->st.get_not_found++;
	}
	cb(arg, &r);
	store_result_free(&r.values);
}

static void
node_counter(struct node_status *s, const char *name, uint64_t v)
{
	if (s->ncounters < NODE_MAX_COUNTERS) {
		s->counters[s->ncounters].name = name;
		s->counters[s->ncounters].value = v;
		s->ncounters++;
	}
}

void
node_status(struct node *n, struct node_status *s)
{
	struct net_stats ns;

	memset(s, 0, sizeof(*s));
	s->id = n->self;
	addr_str(net_local(n->net), s->listen, sizeof(s->listen));
	s->uptime_s = (uint64_t)(node_mono_ms() - n->started_ms) / 1000;
	s->peers = 0;
	store_stats(n->store, &s->store);
	s->storage = n->conf->storage == CONF_STORAGE_MEMORY ? "memory" :
	    "leveldb";
	s->data_dir = n->conf->data_dir;
	net_get_stats(n->net, &ns);
	node_counter(s, "puts", n->st.puts);
	node_counter(s, "put_errors", n->st.put_errors);
	node_counter(s, "gets", n->st.gets);
	node_counter(s, "gets_not_found", n->st.get_not_found);
	node_counter(s, "values_expired", n->st.expired);
	node_counter(s, "udp_rx_packets", ns.rx_packets);
	node_counter(s, "udp_rx_bytes", ns.rx_bytes);
	node_counter(s, "udp_rx_oversize", ns.rx_oversize);
	node_counter(s, "udp_tx_packets", ns.tx_packets);
	node_counter(s, "udp_tx_bytes", ns.tx_bytes);
	node_counter(s, "udp_tx_dropped", ns.tx_dropped);
	node_counter(s, "udp_rx_dropped", n->st.udp_dropped);
}

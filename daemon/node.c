/*
 * node — the engine's event-loop side.  Builds the store, the UDP transport
 * and the sans-I/O dht engine from the configuration; feeds datagrams to
 * the engine, keeps one timer armed at the engine's next deadline, reads
 * the clocks once per callback, and turns engine results into node results.
 * Operations still running at shutdown complete with "shutting down".
 */
#include <sys/queue.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "bytes.h"
#include "conf.h"
#include "crypto.h"
#include "dht.h"
#include "log.h"
#include "net.h"
#include "node.h"
#include "node_dns.h"
#include "node_health.h"
#include "notify.h"
#include "peerfile.h"

#define NODE_EXPIRE_BATCH	2000	/* values deleted per sweep step */
#define NODE_PEERS_SAVE_S	60	/* how often the routing table is saved */
#define NODE_STORAGE_FAILING	"storage failing: an fsync of the store " \
				"failed, emod refuses writes until restarted"

enum node_op_kind {
	NODE_OP_PUT,
	NODE_OP_GET,
	NODE_OP_PING,
	NODE_OP_WATCH,
};

/* One user operation handed to the engine; freed on completion. */
struct node_op {
	LIST_ENTRY(node_op)	 entry;
	struct node		*node;
	enum node_op_kind	 kind;
	union {
		node_put_cb	*put;
		node_get_cb	*get;
		node_ping_cb	*ping;
		node_watch_cb	*watch;
	} cb;
	struct op_watch		*watch;		/* the engine's, while it runs */
	void			*arg;
	int64_t			 created_ms, expires_ms;
	int64_t			 started_us;	/* ping: RTT at µs resolution */
	struct addr		 to;		/* ping: whom */
	uint32_t		 min_acks;	/* put: 0 = the node's bar */
	int			 aborted;	/* completed by the node itself */
	struct op_put_result	 result;	/* put waiting for the fsync */
};

struct node {
	struct event_base	*base;
	const struct conf	*conf;
	struct id		 self;
	struct store		*store;
	struct net		*net;
	struct dht		*dht;
	struct event		*ev_dht;	/* at dht_periodic's deadline */
	struct event		*ev_expire;
	struct event		*ev_save;	/* peers file */
	struct event		*ev_sync;	/* group commit, end of iteration */
	LIST_HEAD(, node_op)	 syncq;		/* puts waiting for the fsync */
	char			 peers_path[4096];
	struct addr		 saved[PEERFILE_MAX];
	size_t			 nsaved;
	struct node_dns		*dns;		/* bootstrap names at SIGHUP */
	struct addr		 boot[DHT_MAX_BOOTSTRAP];	/* joined via */
	size_t			 nboot;
	int64_t			 started_ms;	/* monotonic */
	int64_t			 dht_deadline;
	LIST_HEAD(, node_op)	 ops;
	struct node_stats	 st;
	struct node_health	 health;
};

static int64_t
node_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
node_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
node_mono_ms(void)
{
	return node_mono_us() / 1000;
}

static void	node_sync_cb(evutil_socket_t, short, void *);

/* Runs the engine's timers at once, after the current callbacks. */
static void
node_kick(struct node *n)
{
	n->dht_deadline = 0;
	event_active(n->ev_dht, EV_TIMEOUT, 0);
}

static void
node_dht_cb(evutil_socket_t fd, short what, void *arg)
{
	struct node *n = arg;
	int64_t now = node_mono_ms(), next, wait;
	struct timeval tv;

	next = dht_periodic(n->dht, now, node_wall_ms());
	{
		struct join_boot b;

		dht_boot_state(n->dht, &b);
		node_health_boot(&n->health, &b, dht_peer_count(n->dht), now);
	}
	wait = next - now;
	if (wait < 0)
		wait = 0;
	if (wait > 60000)
		wait = 60000;
	n->dht_deadline = now + wait;
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000;
	event_add(n->ev_dht, &tv);
}

static void
node_udp_input(void *arg, const struct addr *from, const uint8_t *buf,
    size_t len)
{
	struct node *n = arg;

	dht_input(n->dht, from, buf, len, node_mono_ms(), node_wall_ms());
	if (!n->health.networked)
		node_health_peers(&n->health, dht_peer_count(n->dht));
	/* StoreAcks held for the group commit at the end of this pass. */
	if (dht_held(n->dht) > 0)
		event_active(n->ev_sync, EV_TIMEOUT, 0);
	/* Input may have created work due now (answers, next lookup step). */
	if (n->dht_deadline != 0)
		node_kick(n);
}

static void
node_io_send(void *arg, const struct addr *to, const uint8_t *buf,
    size_t len)
{
	struct node *n = arg;

	/* Refused (the queue is full for answers): counted in net. */
	(void)net_send(n->net, to, buf, len, 0);
}

static void
node_io_send_request(void *arg, const struct addr *to, const uint8_t *buf,
    size_t len)
{
	struct node *n = arg;

	/* Refused only with the whole queue full: counted in net, resent. */
	(void)net_send(n->net, to, buf, len, 1);
}

static void
node_io_random(void *arg, void *buf, size_t len)
{
	crypto_random(buf, len);
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

	/* The store takes no more writes; reads skip expired values. */
	if (n->st.storage_failed)
		return;
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

/* A bootstrap name resolved (or not) after a SIGHUP: join through it too. */
static void
node_boot_resolved(void *arg, const char *name, const struct addr *a,
    const char *err)
{
	struct node *n = arg;
	char buf[ADDR_STRLEN];
	size_t i;

	if (a == NULL) {
		log_warnx("bootstrap %s: %s; skipped", name, err);
		return;
	}
	log_info("bootstrap %s is %s", name, addr_str(a, buf, sizeof(buf)));
	for (i = 0; i < n->nboot && !addr_eq(&n->boot[i], a); i++)
		;
	if (i < n->nboot || n->nboot == DHT_MAX_BOOTSTRAP)
		return;
	n->boot[n->nboot++] = *a;
	dht_bootstrap(n->dht, n->boot, n->nboot, node_mono_ms());
	node_kick(n);
}

/*
 * Joins through the configured bootstrap addresses and the peers saved by
 * the previous run (used once), so a restarted node rejoins even when
 * every bootstrap address is gone.  Names are resolved with a blocking
 * getaddrinfo only before the loop runs (may_block); later (SIGHUP) with
 * evdns, and each joins the list as it resolves.
 */
static void
node_join_through(struct node *n, int may_block)
{
	struct addr a[CONF_MAX_BOOTSTRAP + PEERFILE_MAX];
	const char *errstr;
	size_t i, j, na = 0, nboot;

	node_dns_cancel(n->dns);
	for (i = 0; i < n->conf->nbootstrap; i++) {
		if ((may_block ? addr_resolve(&a[na], n->conf->bootstrap[i],
		    &errstr) : addr_parse(&a[na], n->conf->bootstrap[i],
		    &errstr)) == 0) {
			na++;
			continue;
		}
		if (may_block || n->dns == NULL || node_dns_resolve(n->dns,
		    n->conf->bootstrap[i], addr_family(net_local(n->net)),
		    node_boot_resolved, n, &errstr) == -1)
			log_warnx("bootstrap %s: %s; skipped",
			    n->conf->bootstrap[i], errstr);
	}
	nboot = na;
	for (i = 0; i < n->nsaved; i++) {
		for (j = 0; j < na && !addr_eq(&a[j], &n->saved[i]); j++)
			;
		if (j == na && !addr_eq(&n->saved[i], net_local(n->net)))
			a[na++] = n->saved[i];
	}
	n->nsaved = 0;
	for (i = 0; i < na && n->nboot < DHT_MAX_BOOTSTRAP; i++)
		n->boot[n->nboot++] = a[i];
	if (na > 0)
		log_info("joining through %zu bootstrap address%s and %zu "
		    "saved peer%s", nboot, nboot == 1 ? "" : "es", na - nboot,
		    na - nboot == 1 ? "" : "s");
	if (n->nboot > 0) {
		dht_bootstrap(n->dht, n->boot, n->nboot, node_mono_ms());
		node_kick(n);
	}
}

void
node_rejoin(struct node *n)
{
	n->nboot = 0;
	node_join_through(n, 0);
}

static void
node_save_peers(struct node *n)
{
	struct route_node *rn;
	struct peerfile_entry *pe;
	size_t i, got;

	rn = calloc(PEERFILE_MAX, sizeof(*rn));
	pe = calloc(PEERFILE_MAX, sizeof(*pe));
	if (rn == NULL || pe == NULL)
		goto done;
	got = dht_peers(n->dht, rn, PEERFILE_MAX);
	for (i = 0; i < got; i++) {
		pe[i].id = rn[i].id;
		pe[i].addr = rn[i].addr;
	}
	/* An empty table is not saved over a useful old list. */
	if (got > 0 && peerfile_save(n->peers_path, pe, got) == -1)
		log_warn("cannot save peers to %s", n->peers_path);
done:
	free(pe);
	free(rn);
}

static void
node_save_cb(evutil_socket_t fd, short what, void *arg)
{
	struct node *n = arg;
	struct timeval tv = { NODE_PEERS_SAVE_S, 0 };

	node_save_peers(n);
	event_add(n->ev_save, &tv);
}

static void
node_load_peers(struct node *n)
{
	size_t bad;
	long got;

	got = peerfile_load(n->peers_path, n->saved, PEERFILE_MAX, &bad);
	if (got == -1) {
		log_warn("cannot read %s", n->peers_path);
		return;
	}
	if (bad > 0)
		log_warnx("%s: skipped %zu malformed line%s", n->peers_path,
		    bad, bad == 1 ? "" : "s");
	n->nsaved = (size_t)got;
}

/* The kernel caps buffer sizes at net.core.[rw]mem_max without CAP_NET_ADMIN. */
static void
node_check_buffers(struct node *n)
{
	int rb, sb;

	net_buffers(n->net, &rb, &sb);
	/* Linux reports twice the size it grants (bookkeeping overhead). */
	if ((uint64_t)rb / 2 < n->conf->recv_buffer)
		log_warnx("udp receive buffer is %d bytes, below recv_buffer %u: "
		    "raise net.core.rmem_max (see docs/OPERATIONS.md)", rb / 2,
		    n->conf->recv_buffer);
	if ((uint64_t)sb / 2 < n->conf->send_buffer)
		log_warnx("udp send buffer is %d bytes, below send_buffer %u: "
		    "raise net.core.wmem_max (see docs/OPERATIONS.md)", sb / 2,
		    n->conf->send_buffer);
}

struct node *
node_new(struct event_base *base, const struct conf *conf,
    const struct id *self, char *err, size_t errlen)
{
	struct node *n;
	struct store_opts so;
	struct dht_config dc;
	struct dht_io io;
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
	LIST_INIT(&n->ops);
	LIST_INIT(&n->syncq);

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
	/* sync = yes is a group commit (node_sync_cb), not a sync per write. */
	so.sync = 0;
	if ((n->store = store_open(&so, err, errlen)) == NULL)
		goto fail;
	n->net = net_open(base, &la, conf->recv_buffer, conf->send_buffer,
	    node_udp_input, n, err, errlen);
	if (n->net == NULL)
		goto fail;
	memset(&dc, 0, sizeof(dc));
	dc.k = ROUTE_K;
	dc.alpha = conf->alpha;
	dc.rpc_timeout_ms = conf->rpc_timeout_ms;
	dc.rpc_retries = conf->rpc_retries;
	dc.max_ttl_s = conf->max_ttl_s;
	dc.refresh_interval_ms = conf->refresh_interval_s * 1000u;
	dc.republish_interval_ms = conf->republish_interval_s * 1000u;
	dc.hold_store_acks = conf->sync;
	dc.limit_local = conf->limit_local;
	dc.rate_per_s = conf->rate_limit;
	dc.rate_burst = conf->rate_burst;
	dc.answer_bps = conf->answer_budget;
	dc.quota.per_key = conf->quota_values_per_key;
	dc.quota.source_bytes = conf->quota_source_bytes;
	dc.quota.prefix_per_key = conf->quota_prefix_values_per_key;
	dc.quota.prefix_bytes = conf->quota_prefix_bytes;
	dc.quota.total = conf->quota_total_bytes;
	dc.quota.limit_local = conf->limit_local;
	io.send = node_io_send;
	io.send_request = node_io_send_request;
	io.random = node_io_random;
	io.arg = n;
	if ((n->dht = dht_new(self, n->store, &dc, &io, node_mono_ms())) == NULL) {
		snprintf(err, errlen, "cannot start the DHT engine");
		goto fail;
	}
	n->ev_dht = event_new(base, -1, 0, node_dht_cb, n);
	n->ev_expire = event_new(base, -1, 0, node_expire_cb, n);
	n->ev_save = event_new(base, -1, 0, node_save_cb, n);
	n->ev_sync = event_new(base, -1, 0, node_sync_cb, n);
	if (n->ev_dht == NULL || n->ev_expire == NULL || n->ev_save == NULL ||
	    n->ev_sync == NULL) {
		snprintf(err, errlen, "cannot create timers");
		goto fail;
	}
	/* After every other callback of the iteration, like net's flush. */
	event_priority_set(n->ev_sync, 1);
	if (snprintf(n->peers_path, sizeof(n->peers_path), "%s/peers",
	    conf->data_dir) >= (int)sizeof(n->peers_path)) {
		snprintf(err, errlen, "data_dir path too long");
		goto fail;
	}
	node_load_peers(n);
	node_health_init(&n->health, conf->nbootstrap > 0 || n->nsaved > 0);
	{
		struct timeval tv = { NODE_PEERS_SAVE_S, 0 };

		event_add(n->ev_save, &tv);
	}
	node_check_buffers(n);
	node_arm_expire(n, 0);
	node_kick(n);
	if ((n->dns = node_dns_new(base)) == NULL)
		log_warnx("no resolver: bootstrap names will need a restart");
	node_join_through(n, 1);
	return n;
fail:
	node_free(n);
	return NULL;
}

static void	node_op_abort(struct node_op *);

void
node_free(struct node *n)
{
	struct node_op *op;

	if (n == NULL)
		return;
	/* Puts and StoreAcks waiting for the group fsync get it now. */
	if (!LIST_EMPTY(&n->syncq) || (n->dht != NULL && dht_held(n->dht) > 0))
		node_sync_cb(-1, 0, n);
	/* The engine completes nothing when freed: we do, once each. */
	while ((op = LIST_FIRST(&n->ops)) != NULL) {
		op->aborted = 1;
		node_op_abort(op);
	}
	if (n->dht != NULL && n->net != NULL)
		node_save_peers(n);
	node_dns_free(n->dns);
	dht_free(n->dht);
	if (n->ev_save != NULL)
		event_free(n->ev_save);
	if (n->ev_sync != NULL)
		event_free(n->ev_sync);
	if (n->ev_dht != NULL)
		event_free(n->ev_dht);
	if (n->ev_expire != NULL)
		event_free(n->ev_expire);
	net_close(n->net);
	store_close(n->store);
	free(n);
}

static struct node_op *
node_op_new(struct node *n, enum node_op_kind kind, void *arg)
{
	struct node_op *op;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return NULL;
	op->node = n;
	op->kind = kind;
	op->arg = arg;
	LIST_INSERT_HEAD(&n->ops, op, entry);
	return op;
}

static void
node_op_free(struct node_op *op)
{
	LIST_REMOVE(op, entry);
	free(op);
}

static void	node_put_finish(struct node_op *, const struct op_put_result *);

/*
 * A failed fsync is final (docs/SECURITY.md, "Durability"): what the
 * kernel failed to write may be gone while its pages read back fine, and
 * LevelDB refuses every later write anyway.  So no retry: emod stays up,
 * serves reads, refuses writes, and says so once, here.
 */
static void
node_storage_failed(struct node *n, const char *why)
{
	char st[256];

	n->st.storage_failed = 1;
	log_warnx("storage failing: fsync of the store in %s failed: %s; "
	    "every put and STORE is refused from now on, gets are still "
	    "served; restart emod once the disk is fixed",
	    n->conf->data_dir, why);
	snprintf(st, sizeof(st), "STATUS=storage failing (fsync failed): "
	    "read-only until restarted");
	(void)notify_send(st);
}

/*
 * Group commit: with `sync = yes` the store writes without fsync and one
 * store_flush at the end of the loop iteration makes every put completed
 * in that iteration, and every value a STORE wrote, durable before any of
 * them is acknowledged (the StoreAcks wait in the engine: dht_flushed).
 */
static void
node_sync_cb(evutil_socket_t fd, short what, void *arg)
{
	struct node *n = arg;
	struct node_op *op;
	struct op_put_result r;
	const char *errstr;
	int failed = 1;

	if (!n->st.storage_failed) {
		failed = store_flush(n->store, &errstr) == -1;
		n->st.syncs++;
		if (failed)
			node_storage_failed(n, errstr);
	}
	dht_flushed(n->dht, !failed, node_mono_ms());
	while ((op = LIST_FIRST(&n->syncq)) != NULL) {
		LIST_REMOVE(op, entry);
		LIST_INSERT_HEAD(&n->ops, op, entry);
		r = op->result;
		if (failed && r.err == DHT_OK) {
			r.err = DHT_ERR_STORAGE;
			r.msg = NODE_STORAGE_FAILING;
		}
		node_put_finish(op, &r);
	}
}

static void
node_put_done(void *arg, const struct op_put_result *engine)
{
	struct node_op *op = arg;
	struct node *n = op->node;
	struct op_put_result judged = *engine, *dr = &judged;

	if (!op->aborted)
		node_health_put(&n->health, op->min_acks, dr);
	if (n->conf->sync && dr->err == DHT_OK) {
		op->result = *dr;
		LIST_REMOVE(op, entry);
		LIST_INSERT_HEAD(&n->syncq, op, entry);
		event_active(n->ev_sync, EV_TIMEOUT, 0);
		return;
	}
	node_put_finish(op, dr);
}

static void
node_put_finish(struct node_op *op, const struct op_put_result *dr)
{
	struct node_put_result r;

	memset(&r, 0, sizeof(r));
	r.err = dr->err;
	r.msg = dr->msg;
	r.acks = dr->acks;
	r.created_ms = op->created_ms;
	r.expires_ms = op->expires_ms;
	if (r.err == DHT_OK)
		op->node->st.puts++;
	else
		op->node->st.put_errors++;
	op->cb.put(op->arg, &r);
	node_op_free(op);
}

static void
node_get_done(void *arg, const struct op_get_result *dr)
{
	struct node_op *op = arg;
	struct node_get_result r;

	memset(&r, 0, sizeof(r));
	r.err = dr->err;
	r.msg = dr->msg;
	r.values = dr->values;		/* still owned by the engine */
	r.truncated = dr->truncated;
	r.omitted = dr->omitted;
	r.next_since_ms = dr->next_since_ms;
	if (!op->aborted)
		node_health_get(&op->node->health, &r.err, &r.msg,
		    dr->responders);
	if (r.err == DHT_ERR_NOT_FOUND)
		op->node->st.get_not_found++;
	op->cb.get(op->arg, &r);
	node_op_free(op);
}

static void
node_ping_done(void *arg, const struct op_ping_result *dr)
{
	struct node_op *op = arg;
	struct node_ping_result r;

	memset(&r, 0, sizeof(r));
	r.err = dr->err;
	r.msg = dr->msg;
	r.id = dr->id;
	/* The engine's clock has ms resolution; loopback RTTs are µs. */
	r.rtt_us = (uint32_t)(node_mono_us() - op->started_us);
	if (r.err == DHT_ERR_TIMEOUT && !op->aborted)
		r.msg = node_health_ping_silent(&op->node->health, &op->to,
		    r.rtt_us / 1000);
	op->cb.ping(op->arg, &r);
	node_op_free(op);
}

static void
node_watch_done(void *arg, const struct op_watch_event *e)
{
	struct node_op *op = arg;	/* freed after the end */

	op->cb.watch(op->arg, e);
	if (e->end)
		node_op_free(op);
}

static void
node_op_abort(struct node_op *op)
{
	static const char msg[] = "emod is shutting down";
	struct op_put_result pr = { DHT_ERR_UNAVAILABLE, msg, 0, 0 };
	struct op_get_result gr;
	struct op_ping_result xr;
	struct op_watch_event we = { 1, DHT_ERR_UNAVAILABLE, msg, NULL, 0, 0,
	    0 };

	switch (op->kind) {
	case NODE_OP_PUT:
		node_put_done(op, &pr);
		break;
	case NODE_OP_GET:
		memset(&gr, 0, sizeof(gr));
		gr.err = DHT_ERR_UNAVAILABLE;
		gr.msg = msg;
		node_get_done(op, &gr);
		break;
	case NODE_OP_PING:
		memset(&xr, 0, sizeof(xr));
		xr.err = DHT_ERR_UNAVAILABLE;
		xr.msg = msg;
		node_ping_done(op, &xr);
		break;
	case NODE_OP_WATCH:	/* the engine frees its part silently */
		node_watch_done(op, &we);
		break;
	}
}

struct node_op *
node_watch(struct node *n, const struct id *key, int64_t since_ms,
    node_watch_cb *cb, void *arg)
{
	struct op_watch_event e = { 1, DHT_ERR_UNAVAILABLE,
	    "too many watches or operations in progress", NULL, 0, 0, 0 };
	struct node_op *op = node_op_new(n, NODE_OP_WATCH, arg);

	if (op != NULL && (op->cb.watch = cb) != NULL && (op->watch =
	    dht_watch(n->dht, key, since_ms, node_mono_ms(), node_wall_ms(),
	    node_watch_done, op)) != NULL) {
		node_kick(n);
		return op;
	}
	if (op != NULL)
		node_op_free(op);
	cb(arg, &e);
	return NULL;
}

void
node_watch_stop(struct node *n, struct node_op *op)
{
	dht_watch_stop(n->dht, op->watch, node_mono_ms());
	node_kick(n);	/* the end comes from the engine's next run */
}

void
node_put(struct node *n, const struct id *key, const void *data, size_t len,
    uint32_t ttl_s, node_put_cb *cb, void *arg)
{
	node_put_acks(n, key, data, len, ttl_s, 0, cb, arg);
}

void
node_put_acks(struct node *n, const struct id *key, const void *data,
    size_t len, uint32_t ttl_s, uint32_t min_acks, node_put_cb *cb, void *arg)
{
	struct node_put_result r;
	struct node_op *op;
	int64_t wall;

	memset(&r, 0, sizeof(r));
	if (ttl_s == 0)
		ttl_s = n->conf->default_ttl_s;
	if (len == 0) {
		r.err = DHT_ERR_INVALID;
		r.msg = "empty value";
	} else if (len > EMO_MAX_VALUE) {
		r.err = DHT_ERR_TOO_LARGE;
		r.msg = "value larger than " BYTES_STR(EMO_MAX_VALUE) " bytes";
	} else if (ttl_s > n->conf->max_ttl_s) {
		r.err = DHT_ERR_INVALID;
		r.msg = node_health_ttl(&n->health, ttl_s, n->conf->max_ttl_s);
	} else if (n->st.storage_failed) {
		r.err = DHT_ERR_STORAGE;
		r.msg = NODE_STORAGE_FAILING;
	}
	if (r.err == DHT_OK && (op = node_op_new(n, NODE_OP_PUT, arg)) == NULL) {
		r.err = DHT_ERR_UNAVAILABLE;
		r.msg = "out of memory";
	}
	if (r.err != DHT_OK) {
		n->st.put_errors++;
		cb(arg, &r);
		return;
	}
	wall = node_wall_ms();
	op->cb.put = cb;
	op->min_acks = min_acks;
	op->created_ms = wall;
	op->expires_ms = wall + (int64_t)ttl_s * 1000;
	if (dht_put(n->dht, key, data, len, op->created_ms, op->expires_ms,
	    node_mono_ms(), wall, node_put_done, op) == -1) {
		struct op_put_result pr = { DHT_ERR_UNAVAILABLE,
		    "too many operations in progress", 0, 0 };

		node_put_done(op, &pr);
		return;
	}
	node_kick(n);
}

void
node_get(struct node *n, const struct id *key, int64_t since_ms,
    node_get_cb *cb, void *arg)
{
	struct node_get_result r;
	struct node_op *op;

	n->st.gets++;
	if ((op = node_op_new(n, NODE_OP_GET, arg)) == NULL) {
		memset(&r, 0, sizeof(r));
		r.err = DHT_ERR_UNAVAILABLE;
		r.msg = "out of memory";
		cb(arg, &r);
		return;
	}
	op->cb.get = cb;
	if (dht_get(n->dht, key, since_ms, node_mono_ms(), node_wall_ms(),
	    node_get_done, op) == -1) {
		struct op_get_result gr;

		memset(&gr, 0, sizeof(gr));
		gr.err = DHT_ERR_UNAVAILABLE;
		gr.msg = "too many operations in progress";
		op->aborted = 1;	/* the node's answer, not the network's */
		node_get_done(op, &gr);
		return;
	}
	node_kick(n);
}

void
node_ping(struct node *n, const char *address, node_ping_cb *cb, void *arg)
{
	struct node_ping_result r;
	struct node_op *op;
	struct addr a;
	const char *errstr;

	memset(&r, 0, sizeof(r));
	/* Numeric only: a name would block the loop in getaddrinfo. */
	if (addr_parse(&a, address, &errstr) == -1) {
		r.err = DHT_ERR_INVALID;
		if (addr_split_hostport(address, NULL, 0, NULL, &errstr) == 0)
			errstr = "ping needs a numeric address (A.B.C.D:PORT "
			    "or [V6]:PORT); resolve the name first, as emoctl "
			    "does";
		r.msg = errstr;
		cb(arg, &r);
		return;
	}
	if ((r.msg = node_health_ping_check(&n->health, net_local(n->net),
	    &a)) != NULL) {
		r.err = DHT_ERR_INVALID;
		cb(arg, &r);
		return;
	}
	if ((op = node_op_new(n, NODE_OP_PING, arg)) == NULL) {
		r.err = DHT_ERR_UNAVAILABLE;
		r.msg = "out of memory";
		cb(arg, &r);
		return;
	}
	op->cb.ping = cb;
	op->to = a;
	op->started_us = node_mono_us();
	if (dht_ping(n->dht, &a, node_mono_ms(), node_ping_done, op) == -1) {
		struct op_ping_result xr;

		memset(&xr, 0, sizeof(xr));
		xr.err = DHT_ERR_UNAVAILABLE;
		xr.msg = "too many operations in progress";
		node_ping_done(op, &xr);
		return;
	}
	node_kick(n);
}

size_t
node_peers(struct node *n, struct node_peer *out, size_t max)
{
	struct route_node *rn;
	size_t i, got;
	int64_t now = node_mono_ms();

	if ((rn = calloc(max, sizeof(*rn))) == NULL)
		return 0;
	got = dht_peers(n->dht, rn, max);
	for (i = 0; i < got; i++) {
		out[i].id = rn[i].id;
		addr_str(&rn[i].addr, out[i].address, sizeof(out[i].address));
		out[i].last_seen_ms = now - (int64_t)rn[i].last_seen_ms;
		out[i].rtt_us = rn[i].rtt_us;
	}
	free(rn);
	return got;
}

struct store *
node_store(struct node *n)
{
	return n->store;
}

void
node_status(struct node *n, struct node_status *s)
{
	memset(s, 0, sizeof(*s));
	s->id = n->self;
	addr_str(net_local(n->net), s->listen, sizeof(s->listen));
	s->uptime_s = (uint64_t)(node_mono_ms() - n->started_ms) / 1000;
	s->peers = (uint32_t)dht_peer_count(n->dht);
	store_stats(n->store, &s->store);
	s->storage = n->conf->storage == CONF_STORAGE_MEMORY ? "memory" :
	    "leveldb";
	s->data_dir = n->conf->data_dir;
	s->network = node_health_network(&n->health, s->peers);
	s->node = n->st;
	net_get_stats(n->net, &s->net);
	dht_get_stats(n->dht, &s->dht);
}

/*
 * node — the engine's event-loop side.  Builds the store, the UDP transport
 * and the sans-I/O dht engine from the configuration; feeds datagrams to
 * the engine, keeps one timer armed at the engine's next deadline, reads
 * the clocks, sweeps expired values and saves the peers file.  The user
 * operations and the group commit are node_ops.c; what both files share
 * is node_impl.h.
 */
#include <sys/queue.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "atrest.h"
#include "crypto.h"
#include "ident.h"
#include "log.h"
#include "net.h"
#include "quota.h"
#include "node_impl.h"

#define NODE_EXPIRE_BATCH	2000	/* values deleted per sweep step */
#define NODE_PEERS_SAVE_S	60	/* how often the routing table is saved */

int64_t
node_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
node_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
node_mono_ms(void)
{
	return node_mono_us() / 1000;
}

/* Runs the engine's timers at once, after the current callbacks. */
void
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
	(void)net_send(n->net, to, buf, len, 0, 0);
}

static void
node_io_send_request(void *arg, const struct addr *to, const uint8_t *buf,
    size_t len)
{
	struct node *n = arg;

	/* Refused only with the whole queue full: counted in net, resent. */
	(void)net_send(n->net, to, buf, len, 1, 0);
}

static void
node_io_send_join(void *arg, const struct addr *to, const uint8_t *buf,
    size_t len, int request, size_t join_max)
{
	struct node *n = arg;

	/* As the two above; or it joins a queued datagram: net_send. */
	(void)net_send(n->net, to, buf, len, request, join_max);
}

static void
node_io_random(void *arg, void *buf, size_t len)
{
	struct node *n = arg;

	crypto_rng_fill(&n->rng, buf, len);
}

static void
node_arm_expire(struct node *n, uint32_t secs)
{
	struct timeval tv = { secs, 0 };

	event_add(n->ev_expire, &tv);
}

/*
 * Gives the heap's free memory back after a load (KNOWN-DEFECTS 5): main
 * raises malloc's trim threshold so that a burst of frees does not shrink
 * and regrow the heap at every operation; this sweep returns what a past
 * peak left free, once the sweep has nothing more to expire; and the
 * receive overflow's pages that long datagrams touched (net_trim).
 */
static void
node_heap_trim(struct node *n)
{
	struct mallinfo2 mi = mallinfo2();

	net_trim(n->net);
	if (mi.fordblks >= NODE_TRIM_MIN && malloc_trim(0) == 1) {
		n->st.heap_trims++;
		log_debug("returned free heap: %zu bytes were free",
		    mi.fordblks);
	}
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
	if (got < NODE_EXPIRE_BATCH)
		node_heap_trim(n);
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
    const struct keys_pair *keys, char *err, size_t errlen)
{
	struct node *n;
	struct store_opts so;
	struct dht_config dc;
	struct dht_io io;
	struct addr la;
	const char *errstr;
	uint8_t akey[ATREST_KEY_LEN];

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->base = base;
	n->conf = conf;
	ident_id(keys->pub, &n->self);
	memcpy(n->public_key, keys->pub, sizeof(n->public_key));
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
	if (conf->storage_key_file[0] != '\0') {
		if (atrest_load(conf->storage_key_file, akey, err, errlen) !=
		    KEYS_OK)
			goto fail;
		so.atrest_key = akey;
	}
	n->store = store_open(&so, err, errlen);
	atrest_wipe(akey, sizeof(akey));
	if (n->store == NULL)
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
	dc.addr_cache_max = conf->addr_cache_max;
	dc.max_ttl_s = conf->max_ttl_s;
	dc.refresh_interval_ms = conf->refresh_interval_s * 1000u;
	dc.republish_interval_ms = conf->republish_interval_s * 1000u;
	dc.hold_store_acks = conf->sync;
	dc.limit_local = conf->limit_local;
	dc.narrow_buckets = !conf->wide_buckets;
	/* Loopback peers' long messages go whole, unless held as public. */
	dc.local_whole = !conf->limit_local;
	dc.rate_per_s = conf->rate_limit;
	dc.rate_burst = conf->rate_burst;
	dc.answer_bps = conf->answer_budget;
	dc.quota.per_key = conf->quota_values_per_key;
	dc.quota.source_bytes = conf->quota_source_bytes;
	dc.quota.prefix_per_key = conf->quota_prefix_values_per_key;
	dc.quota.prefix_bytes = conf->quota_prefix_bytes;
	dc.quota.total = conf->quota_total_bytes;
	dc.quota.limit_local = conf->limit_local;
	/* Sealed records are ATREST_OVERHEAD bytes longer (docs/STORAGE.md). */
	dc.quota.value_overhead = QUOTA_VALUE_OVERHEAD +
	    (so.atrest_key != NULL ? ATREST_OVERHEAD : 0);
	io.send = node_io_send;
	io.send_request = node_io_send_request;
	io.send_join = node_io_send_join;
	crypto_rng_init(&n->rng);
	io.random = node_io_random;
	io.arg = n;
	dc.id_difficulty = conf->id_difficulty;
	if ((n->dht = dht_new(keys, n->store, &dc, &io, node_mono_ms())) ==
	    NULL) {
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
	crypto_rng_clear(&n->rng);
	free(n);
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
	memcpy(s->public_key, n->public_key, sizeof(s->public_key));
	addr_str(net_local(n->net), s->listen, sizeof(s->listen));
	s->uptime_s = (uint64_t)(node_mono_ms() - n->started_ms) / 1000;
	s->peers = (uint32_t)dht_peer_count(n->dht);
	store_stats(n->store, &s->store);
	s->storage = n->conf->storage == CONF_STORAGE_MEMORY ? "memory" :
	    "leveldb";
	s->data_dir = n->conf->data_dir;
	s->network = node_health_network(&n->health, s->peers);
	s->node = n->st;
	s->node.store_tampered = s->store.tampered;
	net_get_stats(n->net, &s->net);
	dht_get_stats(n->dht, &s->dht);
}

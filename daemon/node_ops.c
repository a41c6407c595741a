/*
 * node_ops — the node's user operations: node_put, node_put_acks,
 * node_get, node_ping and node_watch, each an operation record handed to
 * the engine and turned back into a node result (judged by node_health)
 * exactly once, also when emod shuts down (node_op_abort); and the group
 * commit that holds successful puts until the store's fsync (node_sync_cb).
 */
#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bytes.h"
#include "log.h"
#include "node_impl.h"
#include "notify.h"

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
void
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

void
node_op_abort(struct node_op *op)
{
	static const char msg[] = "emod is shutting down";
	struct op_put_result pr = { DHT_ERR_UNAVAILABLE, msg, 0, 0, 0 };
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
	node_put_value(n, key, data, len, NULL, 0, ttl_s, min_acks, cb, arg);
}

/*
 * The creation time of a put of `key` at Unix time `wall` that gives none:
 * `wall`, or 1 ms after this node's last put of the key if that is not
 * earlier (puts within one millisecond), unless that ran NODE_PUT_AHEAD_MS
 * ahead of the clock (or the clock went back): then `wall`.
 */
static int64_t
node_put_created(struct node *n, const struct id *key, int64_t wall)
{
	struct node_recent_put *r;
	int64_t t = wall;

	r = &n->recent[(key->b[0] | (unsigned)key->b[1] << 8) %
	    NODE_RECENT_PUTS];
	if (id_eq(&r->key, key) && r->created_ms >= wall &&
	    r->created_ms - wall < NODE_PUT_AHEAD_MS)
		t = r->created_ms + 1;
	r->key = *key;
	r->created_ms = t;
	return t;
}

void
node_put_value(struct node *n, const struct id *key, const void *data,
    size_t len, const struct value_attr *attr, int64_t created_ms,
    uint32_t ttl_s, uint32_t min_acks, node_put_cb *cb, void *arg)
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
	op->created_ms = created_ms != 0 ? created_ms :
	    node_put_created(n, key, wall);
	op->expires_ms = op->created_ms + (int64_t)ttl_s * 1000;
	if (created_ms < 0 || created_ms > wall + ENV_CLOCK_SKEW_MS ||
	    op->expires_ms <= wall) {
		struct op_put_result pr = { DHT_ERR_INVALID,
		    "creation time in the future or value already expired",
		    0, 0, 0 };

		node_put_done(op, &pr);
		return;
	}
	if (dht_put_value(n->dht, key, data, len, attr, op->created_ms,
	    op->expires_ms, node_mono_ms(), wall, node_put_done, op) == -1) {
		struct op_put_result pr = { DHT_ERR_UNAVAILABLE,
		    "too many operations in progress", 0, 0, 0 };

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

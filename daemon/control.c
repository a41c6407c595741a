/*
 * control — the control socket.  Each connection reads length-prefixed
 * Requests, hands them to the node through a table of handlers, and writes
 * Responses in request order even when operations complete out of order.
 * A request outlives its connection: if the client goes away, the node's
 * completion finds an orphan and frees it.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <grp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "control.pb-c.h"
#include "bytes.h"
#include "conf.h"
#include "control.h"
#include "frame.h"
#include "id.h"
#include "log.h"
#include "node.h"
#include "wire.h"

#define CONTROL_MAX_PENDING	256		/* unanswered, per client */
#define CONTROL_OUT_HIGH	(8u << 20)	/* stop reading above this */
#define CONTROL_OUT_LOW		(1u << 20)	/* resume below this */

struct control_req;

struct control_stats {
	uint64_t	clients;	/* connected now */
	uint64_t	accepted, rejected, requests, bad_frames;
};

/* Where a status counter's value lives. */
enum control_src {
	CONTROL_SRC_NODE,	/* struct node_stats */
	CONTROL_SRC_NET,	/* struct net_stats */
	CONTROL_SRC_DHT,	/* struct dht_stats */
	CONTROL_SRC_CONTROL,	/* struct control_stats */
};

/*
 * The status counters, in the order emoctl shows them: the one list.  The
 * status answer is built from it, and docs/OPERATIONS.md has one row per
 * entry with the same help text (check_control compares them).
 */
static const struct control_counter {
	const char		*name;
	const char		*help;
	enum control_src	 src;
	size_t			 off;	/* of a uint64_t in the src struct */
} control_counters[] = {
#define NODE_C(n, f, h)	{ n, h, CONTROL_SRC_NODE, \
			  offsetof(struct node_stats, f) }
#define NET_C(n, f, h)	{ n, h, CONTROL_SRC_NET, offsetof(struct net_stats, f) }
#define DHT_C(n, f, h)	{ n, h, CONTROL_SRC_DHT, offsetof(struct dht_stats, f) }
#define CTL_C(n, f, h)	{ n, h, CONTROL_SRC_CONTROL, \
			  offsetof(struct control_stats, f) }
#define MSG_C(n, t)	DHT_C("rx_" n, rx_msgs[t], "`" n "` messages received"),\
			DHT_C("tx_" n, tx_msgs[t], "`" n "` messages sent")
	NODE_C("puts", puts, "puts from control clients that succeeded"),
	NODE_C("put_errors", put_errors,
	    "puts from control clients that failed"),
	NODE_C("gets", gets, "gets from control clients"),
	NODE_C("gets_not_found", get_not_found,
	    "gets that found no live value"),
	NODE_C("values_expired", expired, "values removed by the expiry sweep"),
	NODE_C("store_syncs", syncs, "group-commit fsyncs (`sync = yes`)"),
	NET_C("udp_rx_packets", rx_packets, "datagrams received"),
	NET_C("udp_rx_bytes", rx_bytes, "bytes received in datagrams"),
	NET_C("udp_rx_oversize", rx_oversize,
	    "datagrams longer than 1500 bytes, dropped"),
	NET_C("udp_tx_packets", tx_packets, "datagrams sent"),
	NET_C("udp_tx_bytes", tx_bytes, "bytes sent in datagrams"),
	NET_C("udp_tx_dropped", tx_dropped,
	    "datagrams that could not be queued or sent"),
	MSG_C("ping", WIRE_PING),
	MSG_C("pong", WIRE_PONG),
	MSG_C("find_node", WIRE_FIND_NODE),
	MSG_C("nodes", WIRE_NODES),
	MSG_C("find_value", WIRE_FIND_VALUE),
	MSG_C("values", WIRE_VALUES),
	MSG_C("store", WIRE_STORE),
	MSG_C("store_ack", WIRE_STORE_ACK),
	MSG_C("error", WIRE_ERROR),
	DHT_C("rx_dropped_decode", rx_dropped_decode,
	    "malformed datagrams (bad magic, version, field or size)"),
	DHT_C("rx_dropped_frag", rx_dropped_frag,
	    "fragments refused by reassembly (bad header, caps reached)"),
	DHT_C("rx_dropped_unmatched", rx_dropped_unmatched,
	    "responses to no outstanding request, or from the wrong address"),
	DHT_C("rx_dropped_token", rx_dropped_token,
	    "STOREs with a missing or stale write token"),
	DHT_C("rpc_timeouts", rpc_timeouts,
	    "requests that got no answer in time"),
	DHT_C("rpc_retries", rpc_retries,
	    "requests sent again after a timeout"),
	DHT_C("lookups", lookups, "iterative lookups started"),
	DHT_C("lookup_queries", lookup_queries, "requests sent by lookups"),
	DHT_C("lookup_hops", lookup_hops,
	    "lookup rounds (hops towards the target), summed over lookups"),
	DHT_C("values_stored_remote", values_stored,
	    "values stored by other nodes' STOREs"),
	DHT_C("values_handed_over", values_handed_over,
	    "values given to newly joined nodes"),
	DHT_C("handover_skipped", handover_skipped,
	    "newly joined nodes too far from our keys to be given any"),
	DHT_C("frag_nacks_sent", frag_nacks_sent,
	    "requests for missing fragments"),
	DHT_C("answers_cut", answers_cut,
	    "answers too long for one datagram, cut short"),
	DHT_C("republish_passes", republish_passes,
	    "republish passes over the store"),
	DHT_C("republish_keys", republish_keys, "keys looked up to republish"),
	DHT_C("republish_values", republish_values,
	    "republished values acknowledged by their nodes"),
	DHT_C("republish_suppressed", republish_suppressed,
	    "values not republished because they were received recently"),
	DHT_C("republish_known_keys", republish_known_keys,
	    "keys skipped because all their holders were known"),
	DHT_C("republish_known_nodes", republish_known_nodes,
	    "holders not sent a value again because they have it"),
	CTL_C("ctl_clients", clients, "control-socket clients connected now"),
	CTL_C("ctl_accepted", accepted, "control-socket clients accepted"),
	CTL_C("ctl_rejected", rejected,
	    "control-socket clients refused at `control_max_clients`"),
	CTL_C("ctl_requests", requests, "control requests served"),
	CTL_C("ctl_bad_frames", bad_frames,
	    "control connections closed for a malformed frame"),
#undef NODE_C
#undef NET_C
#undef DHT_C
#undef CTL_C
#undef MSG_C
};
#define CONTROL_NCOUNTERS \
	(sizeof(control_counters) / sizeof(control_counters[0]))

const char *
control_counter_name(size_t i, const char **help)
{
	if (i >= CONTROL_NCOUNTERS)
		return NULL;
	if (help != NULL)
		*help = control_counters[i].help;
	return control_counters[i].name;
}

struct control_conn {
	struct control			*ctl;
	struct bufferevent		*bev;
	TAILQ_ENTRY(control_conn)	 entry;
	TAILQ_HEAD(, control_req)	 pending;	/* request order */
	unsigned			 npending;
	int				 closing;	/* close once drained */
};

struct control_req {
	TAILQ_ENTRY(control_req)	 entry;
	struct control_conn		*conn;		/* NULL: orphaned */
	uint64_t			 id;
	struct id			 key;		/* of a put, echoed */
	int				 done;
	uint8_t				*out;		/* framed response */
	size_t				 outlen;
};

struct control {
	struct event_base	*base;
	struct node		*node;
	const struct conf	*conf;
	struct evconnlistener	*listener;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t			 sock_dev;	/* the socket file we made, so */
	ino_t			 sock_ino;	/* we never unlink a successor's */
	TAILQ_HEAD(, control_conn) conns;
	struct control_stats	 st;
};

static void	control_conn_free(struct control_conn *);
static void	control_read_cb(struct bufferevent *, void *);

/* ---- responses ------------------------------------------------------- */

static int
control_pack(const Emo__Ctl__Response *rsp, uint8_t **out, size_t *outlen)
{
	size_t n;
	uint8_t *b;

	n = emo__ctl__response__get_packed_size(rsp);
	if (n > EMO_CTL_MAX_RESPONSE)
		return -1;
	if ((b = malloc(EMO_CTL_HDR_LEN + n)) == NULL)
		return -1;
	frame_put_len(b, (uint32_t)n);
	emo__ctl__response__pack(rsp, b + EMO_CTL_HDR_LEN);
	*out = b;
	*outlen = EMO_CTL_HDR_LEN + n;
	return 0;
}

/* Writes every finished response at the head of the queue. */
static void
control_flush(struct control_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct control_req *r;

	while ((r = TAILQ_FIRST(&c->pending)) != NULL && r->done) {
		TAILQ_REMOVE(&c->pending, r, entry);
		c->npending--;
		if (r->out != NULL)
			evbuffer_add(out, r->out, r->outlen);
		free(r->out);
		free(r);
	}
	if (evbuffer_get_length(out) > CONTROL_OUT_HIGH)
		bufferevent_disable(c->bev, EV_READ);
}

/*
 * Completes a request with a response.  An orphan (its client is gone) is
 * simply freed.  A response too large to frame becomes an error.
 */
static void
control_respond(struct control_req *r, Emo__Ctl__Response *rsp)
{
	Emo__Ctl__Response er = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__Error e = EMO__CTL__ERROR__INIT;
	struct control_conn *c = r->conn;

	if (c == NULL) {
		free(r);
		return;
	}
	rsp->id = r->id;
	if (control_pack(rsp, &r->out, &r->outlen) == -1) {
		e.code = control_error_code(DHT_ERR_TOO_LARGE);
		e.message = "response larger than the frame limit";
		er.id = r->id;
		er.body_case = EMO__CTL__RESPONSE__BODY_ERROR;
		er.error = &e;
		if (control_pack(&er, &r->out, &r->outlen) == -1)
			r->out = NULL;
	}
	r->done = 1;
	control_flush(c);
	/* A slot freed up: take more input if reading was paused for it. */
	if (c->npending < CONTROL_MAX_PENDING && !c->closing &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) <=
	    CONTROL_OUT_HIGH &&
	    !(bufferevent_get_enabled(c->bev) & EV_READ)) {
		bufferevent_enable(c->bev, EV_READ);
		control_read_cb(c->bev, c);
	}
}

/*
 * The one mapping of the daemon's error enum to the protocol's codes.
 * ERR_VERSION has no row: only control_dispatch gives it.
 */
static const Emo__Ctl__ErrorCode control_codes[] = {
	[DHT_OK] = EMO__CTL__ERROR_CODE__ERR_NONE,
	[DHT_ERR_INVALID] = EMO__CTL__ERROR_CODE__ERR_INVALID,
	[DHT_ERR_NOT_FOUND] = EMO__CTL__ERROR_CODE__ERR_NOT_FOUND,
	[DHT_ERR_TOO_LARGE] = EMO__CTL__ERROR_CODE__ERR_TOO_LARGE,
	[DHT_ERR_STORAGE] = EMO__CTL__ERROR_CODE__ERR_STORAGE,
	[DHT_ERR_UNAVAILABLE] = EMO__CTL__ERROR_CODE__ERR_UNAVAILABLE,
	[DHT_ERR_TIMEOUT] = EMO__CTL__ERROR_CODE__ERR_TIMEOUT,
	[DHT_ERR_QUOTA] = EMO__CTL__ERROR_CODE__ERR_QUOTA,
};
_Static_assert(sizeof(control_codes) / sizeof(control_codes[0]) ==
    DHT_ERR_COUNT, "every enum dht_err value needs a row in control_codes");

int
control_error_code(enum dht_err err)
{
	if ((unsigned)err >= DHT_ERR_COUNT)
		return EMO__CTL__ERROR_CODE__ERR_UNAVAILABLE;
	return control_codes[err];
}

static void
control_error_pb(struct control_req *r, Emo__Ctl__ErrorCode code,
    const char *msg)
{
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__Error e = EMO__CTL__ERROR__INIT;

	e.code = code;
	e.message = (char *)msg;
	rsp.body_case = EMO__CTL__RESPONSE__BODY_ERROR;
	rsp.error = &e;
	control_respond(r, &rsp);
}

static void
control_error(struct control_req *r, enum dht_err err, const char *msg)
{
	control_error_pb(r, control_error_code(err), msg);
}

/* ---- handlers -------------------------------------------------------- */

/* Resolves the key/name pair of a put or get; -1 after answering. */
static int
control_key(struct control_req *r, ProtobufCBinaryData key,
    ProtobufCBinaryData name, struct id *id)
{
	if (key.len > 0 && name.len > 0) {
		control_error(r, DHT_ERR_INVALID,
		    "give either key or name, not both");
		return -1;
	}
	if (key.len > 0) {
		if (key.len != ID_LEN) {
			control_error(r, DHT_ERR_INVALID,
			    "key must be exactly " BYTES_STR(ID_LEN) " bytes");
			return -1;
		}
		memcpy(id->b, key.data, ID_LEN);
		return 0;
	}
	if (name.len > EMO_MAX_KEY_NAME) {
		control_error(r, DHT_ERR_INVALID,
		    "key name longer than " BYTES_STR(EMO_MAX_KEY_NAME)
		    " bytes");
		return -1;
	}
	/* An empty name is a valid key: Keccak-256(""). */
	id_from_name(id, name.data, name.len);
	return 0;
}

static void
control_put_done(void *arg, const struct node_put_result *res)
{
	struct control_req *r = arg;
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__PutResult pr = EMO__CTL__PUT_RESULT__INIT;

	if (res->err != DHT_OK) {
		control_error(r, res->err, res->msg);
		return;
	}
	pr.acks = res->acks;
	pr.key.data = r->key.b;
	pr.key.len = ID_LEN;
	pr.created_ms = res->created_ms;
	pr.expires_ms = res->expires_ms;
	rsp.body_case = EMO__CTL__RESPONSE__BODY_PUT;
	rsp.put = &pr;
	control_respond(r, &rsp);
}

static void
control_put(struct control_conn *c, struct control_req *r,
    const Emo__Ctl__Request *q)
{
	const Emo__Ctl__PutRequest *p = q->put;
	struct id key;

	if (control_key(r, p->key, p->name, &key) == -1)
		return;
	if (p->value.len == 0) {
		control_error(r, DHT_ERR_INVALID,
		    "empty value");
		return;
	}
	if (p->value.len > EMO_MAX_VALUE) {
		control_error(r, DHT_ERR_TOO_LARGE,
		    "value larger than " BYTES_STR(EMO_MAX_VALUE) " bytes");
		return;
	}
	r->key = key;
	node_put(c->ctl->node, &key, p->value.data, p->value.len, p->ttl_s,
	    control_put_done, r);
}

static void
control_get_done(void *arg, const struct node_get_result *res)
{
	struct control_req *r = arg;
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__GetResult gr = EMO__CTL__GET_RESULT__INIT;
	Emo__Ctl__Value *vals = NULL, **vp = NULL;
	size_t i, n = res->values.n;

	if (res->err != DHT_OK) {
		control_error(r, res->err, res->msg);
		return;
	}
	if ((vals = calloc(n, sizeof(*vals))) == NULL ||
	    (vp = calloc(n, sizeof(*vp))) == NULL) {
		free(vals);
		control_error(r, DHT_ERR_UNAVAILABLE,
		    "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		emo__ctl__value__init(&vals[i]);
		vals[i].data.data = res->values.v[i].data;
		vals[i].data.len = res->values.v[i].len;
		vals[i].created_ms = res->values.v[i].created_ms;
		vals[i].expires_ms = res->values.v[i].expires_ms;
		vp[i] = &vals[i];
	}
	gr.n_values = n;
	gr.values = vp;
	rsp.body_case = EMO__CTL__RESPONSE__BODY_GET;
	rsp.get = &gr;
	control_respond(r, &rsp);
	free(vals);
	free(vp);
}

static void
control_get(struct control_conn *c, struct control_req *r,
    const Emo__Ctl__Request *q)
{
	const Emo__Ctl__GetRequest *g = q->get;
	struct id key;

	if (control_key(r, g->key, g->name, &key) == -1)
		return;
	if (g->since_ms < 0) {
		control_error(r, DHT_ERR_INVALID,
		    "since_ms must not be negative");
		return;
	}
	node_get(c->ctl->node, &key, g->since_ms, control_get_done, r);
}

static void
control_status(struct control_conn *c, struct control_req *r,
    const Emo__Ctl__Request *q)
{
	struct control *ctl = c->ctl;
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__StatusResult sr = EMO__CTL__STATUS_RESULT__INIT;
	Emo__Ctl__Counter cnt[CONTROL_NCOUNTERS], *cp[CONTROL_NCOUNTERS];
	struct node_status ns;
	const struct control_counter *cc;
	const void *src[4];
	size_t i;

	node_status(ctl->node, &ns);
	src[CONTROL_SRC_NODE] = &ns.node;
	src[CONTROL_SRC_NET] = &ns.net;
	src[CONTROL_SRC_DHT] = &ns.dht;
	src[CONTROL_SRC_CONTROL] = &ctl->st;
	for (i = 0; i < CONTROL_NCOUNTERS; i++) {
		cc = &control_counters[i];
		emo__ctl__counter__init(&cnt[i]);
		cnt[i].name = (char *)cc->name;
		memcpy(&cnt[i].value, (const char *)src[cc->src] + cc->off,
		    sizeof(cnt[i].value));
		cp[i] = &cnt[i];
	}
	sr.node_id.data = ns.id.b;
	sr.node_id.len = ID_LEN;
	sr.listen = ns.listen;
	sr.uptime_s = ns.uptime_s;
	sr.peers = ns.peers;
	sr.keys = ns.store.keys;
	sr.values = ns.store.values;
	sr.bytes = ns.store.bytes;
	sr.version = EMO_VERSION;
	sr.storage = (char *)ns.storage;
	sr.data_dir = (char *)ns.data_dir;
	sr.n_counters = CONTROL_NCOUNTERS;
	sr.counters = cp;
	rsp.body_case = EMO__CTL__RESPONSE__BODY_STATUS;
	rsp.status = &sr;
	control_respond(r, &rsp);
}

static void
control_log(struct control_conn *c, struct control_req *r,
    const Emo__Ctl__Request *q)
{
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__LogResult lr = EMO__CTL__LOG_RESULT__INIT;
	int lvl;

	if (q->log->level == NULL ||
	    (lvl = log_level_parse(q->log->level)) == -1) {
		control_error(r, DHT_ERR_INVALID,
		    "log level must be warn, info or debug");
		return;
	}
	log_setlevel(lvl);
	log_info("log level set to %s by a control client",
	    log_level_name(lvl));
	lr.level = (char *)log_level_name(lvl);
	rsp.body_case = EMO__CTL__RESPONSE__BODY_LOG;
	rsp.log = &lr;
	control_respond(r, &rsp);
}

static void
control_peers(struct control_conn *c, struct control_req *r,
    const Emo__Ctl__Request *q)
{
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__PeersResult pr = EMO__CTL__PEERS_RESULT__INIT;
	Emo__Ctl__Peer *peers = NULL, **pp = NULL;
	struct node_peer *np;
	size_t i, n;

	if ((np = calloc(NODE_MAX_PEERS, sizeof(*np))) == NULL) {
		control_error(r, DHT_ERR_UNAVAILABLE,
		    "out of memory");
		return;
	}
	n = node_peers(c->ctl->node, np, NODE_MAX_PEERS);
	if (n > 0 && ((peers = calloc(n, sizeof(*peers))) == NULL ||
	    (pp = calloc(n, sizeof(*pp))) == NULL)) {
		free(peers);
		free(np);
		control_error(r, DHT_ERR_UNAVAILABLE,
		    "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		emo__ctl__peer__init(&peers[i]);
		peers[i].id.data = np[i].id.b;
		peers[i].id.len = ID_LEN;
		peers[i].address = np[i].address;
		peers[i].last_seen_ms = np[i].last_seen_ms;
		peers[i].rtt_us = np[i].rtt_us;
		pp[i] = &peers[i];
	}
	pr.n_peers = n;
	pr.peers = pp;
	rsp.body_case = EMO__CTL__RESPONSE__BODY_PEERS;
	rsp.peers = &pr;
	control_respond(r, &rsp);
	free(peers);
	free(pp);
	free(np);
}

static void
control_ping_done(void *arg, const struct node_ping_result *res)
{
	struct control_req *r = arg;
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__PingResult pr = EMO__CTL__PING_RESULT__INIT;
	struct id id = res->id;

	if (res->err != DHT_OK) {
		control_error(r, res->err, res->msg);
		return;
	}
	pr.node_id.data = id.b;
	pr.node_id.len = ID_LEN;
	pr.rtt_us = res->rtt_us;
	rsp.body_case = EMO__CTL__RESPONSE__BODY_PING;
	rsp.ping = &pr;
	control_respond(r, &rsp);
}

static void
control_ping(struct control_conn *c, struct control_req *r,
    const Emo__Ctl__Request *q)
{
	if (q->ping->address == NULL || q->ping->address[0] == '\0' ||
	    strlen(q->ping->address) >= 256) {
		control_error(r, DHT_ERR_INVALID,
		    "ping needs an address HOST:PORT");
		return;
	}
	node_ping(c->ctl->node, q->ping->address, control_ping_done, r);
}

static const struct {
	Emo__Ctl__Request__BodyCase	 body;
	void				(*fn)(struct control_conn *,
					    struct control_req *,
					    const Emo__Ctl__Request *);
} control_handlers[] = {
	{ EMO__CTL__REQUEST__BODY_PUT, control_put },
	{ EMO__CTL__REQUEST__BODY_GET, control_get },
	{ EMO__CTL__REQUEST__BODY_STATUS, control_status },
	{ EMO__CTL__REQUEST__BODY_PEERS, control_peers },
	{ EMO__CTL__REQUEST__BODY_PING, control_ping },
	{ EMO__CTL__REQUEST__BODY_LOG, control_log },
};

static void
control_dispatch(struct control_conn *c, const Emo__Ctl__Request *q)
{
	struct control_req *r;
	size_t i;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		c->closing = 1;
		return;
	}
	r->conn = c;
	r->id = q->id;
	TAILQ_INSERT_TAIL(&c->pending, r, entry);
	c->npending++;
	c->ctl->st.requests++;
	if (q->version != EMO_CTL_VERSION) {
		control_error_pb(r, EMO__CTL__ERROR_CODE__ERR_VERSION,
		    "unsupported control protocol version (this emod speaks 1)");
		return;
	}
	for (i = 0; i < sizeof(control_handlers) /
	    sizeof(control_handlers[0]); i++)
		if (control_handlers[i].body == q->body_case) {
			control_handlers[i].fn(c, r, q);
			return;
		}
	control_error(r, DHT_ERR_INVALID, "unknown request");
}

/* ---- connections ----------------------------------------------------- */

/* Answers with an error for the whole connection, then closes it. */
static void
control_conn_fail(struct control_conn *c, const char *msg)
{
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__Error e = EMO__CTL__ERROR__INIT;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	uint8_t *out;
	size_t outlen;

	c->ctl->st.bad_frames++;
	log_debug("control client: %s; closing", msg);
	/* Whatever was answered in order goes out first. */
	control_flush(c);
	e.code = control_error_code(DHT_ERR_INVALID);
	e.message = (char *)msg;
	rsp.body_case = EMO__CTL__RESPONSE__BODY_ERROR;
	rsp.error = &e;
	if (control_pack(&rsp, &out, &outlen) == 0) {
		evbuffer_add(bufferevent_get_output(c->bev), out, outlen);
		free(out);
	}
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_disable(c->bev, EV_READ);
	c->closing = 1;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		control_conn_free(c);
}

static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	Emo__Ctl__Request *q;
	uint8_t hdr[EMO_CTL_HDR_LEN], *body;
	const char *errstr;
	uint32_t len;

	while (!c->closing) {
		if (c->npending >= CONTROL_MAX_PENDING ||
		    evbuffer_get_length(bufferevent_get_output(bev)) >
		    CONTROL_OUT_HIGH) {
			bufferevent_disable(bev, EV_READ);
			return;
		}
		if (evbuffer_copyout(in, hdr, sizeof(hdr)) < (ssize_t)sizeof(hdr))
			return;
		if (frame_get_len(hdr, EMO_CTL_MAX_REQUEST, &len, &errstr) == -1) {
			control_conn_fail(c, errstr);
			return;
		}
		if (evbuffer_get_length(in) < EMO_CTL_HDR_LEN + (size_t)len)
			return;
		evbuffer_drain(in, EMO_CTL_HDR_LEN);
		body = evbuffer_pullup(in, len);
		q = emo__ctl__request__unpack(NULL, len, body);
		evbuffer_drain(in, len);
		if (q == NULL) {
			control_conn_fail(c, "malformed request message");
			return;
		}
		control_dispatch(c, q);
		emo__ctl__request__free_unpacked(q, NULL);
	}
}

static void
control_write_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn *c = arg;

	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			control_conn_free(c);
		return;
	}
	/* Output drained below the low mark: resume reading. */
	if (!(bufferevent_get_enabled(bev) & EV_READ) &&
	    c->npending < CONTROL_MAX_PENDING) {
		bufferevent_enable(bev, EV_READ);
		control_read_cb(bev, c);
	}
}

static void
control_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct control_conn *c = arg;

	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING)) {
		/* Only a half-sent frame is an error; idle clients may stay. */
		if (evbuffer_get_length(bufferevent_get_input(bev)) > 0) {
			control_conn_fail(c, "timed out in the middle of a frame");
			return;
		}
		bufferevent_enable(bev, EV_READ);
		return;
	}
	control_conn_free(c);
}

static void
control_conn_free(struct control_conn *c)
{
	struct control_req *r;

	while ((r = TAILQ_FIRST(&c->pending)) != NULL) {
		TAILQ_REMOVE(&c->pending, r, entry);
		if (r->done) {
			free(r->out);
			free(r);
		} else
			r->conn = NULL;	/* the node's callback frees it */
	}
	TAILQ_REMOVE(&c->ctl->conns, c, entry);
	c->ctl->st.clients--;
	bufferevent_free(c->bev);
	free(c);
}

static void
control_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct control *ctl = arg;
	struct control_conn *c;
	struct timeval idle = { ctl->conf->control_idle_timeout_s, 0 };

	if (ctl->st.clients >= ctl->conf->control_max_clients) {
		ctl->st.rejected++;
		log_debug("control: client limit %u reached, refusing",
		    ctl->conf->control_max_clients);
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->ctl = ctl;
	TAILQ_INIT(&c->pending);
	c->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl->conns, c, entry);
	ctl->st.clients++;
	ctl->st.accepted++;
	bufferevent_setcb(c->bev, control_read_cb, control_write_cb,
	    control_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, CONTROL_OUT_LOW, 0);
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ---- the socket ------------------------------------------------------ */

/* 1 if a daemon answers on path, 0 if not (stale or absent). */
static int
control_alive(const struct sockaddr_un *sun)
{
	int fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	return rc == 0;
}

static int
control_mkparent(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create socket directory %s: %s",
		    dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Removes our socket file, unless another emod has replaced it since (a
 * successor started while we were shutting down).
 */
static void
control_unlink(struct control *ctl)
{
	struct stat sb;

	if (ctl->path[0] == '\0' || lstat(ctl->path, &sb) == -1)
		return;
	if (sb.st_dev == ctl->sock_dev && sb.st_ino == ctl->sock_ino)
		(void)unlink(ctl->path);
}

struct control *
control_new(struct event_base *base, struct node *node,
    const struct conf *conf, char *err, size_t errlen)
{
	struct control *ctl;
	struct sockaddr_un sun;
	struct group *gr;
	mode_t old;
	int fd = -1;

	if ((ctl = calloc(1, sizeof(*ctl))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ctl->base = base;
	ctl->node = node;
	ctl->conf = conf;
	TAILQ_INIT(&ctl->conns);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(conf->socket) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long (max %zu bytes): %s",
		    sizeof(sun.sun_path) - 1, conf->socket);
		goto fail;
	}
	memcpy(sun.sun_path, conf->socket, strlen(conf->socket));
	if (control_mkparent(conf->socket, err, errlen) == -1)
		goto fail;
	if (control_alive(&sun)) {
		snprintf(err, errlen, "another emod is already serving the "
		    "control socket %s", conf->socket);
		goto fail;
	}
	/* Stale: no daemon answered.  Only a socket file is removed. */
	{
		struct stat sb;

		if (lstat(conf->socket, &sb) == 0) {
			if (!S_ISSOCK(sb.st_mode)) {
				snprintf(err, errlen, "%s exists and is not a "
				    "socket", conf->socket);
				goto fail;
			}
			(void)unlink(conf->socket);
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		goto fail;
	}
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		snprintf(err, errlen, "cannot bind control socket %s: %s",
		    conf->socket, strerror(errno));
		goto fail;
	}
	umask(old);
	memcpy(ctl->path, sun.sun_path, sizeof(ctl->path));
	{
		struct stat sb;

		if (stat(ctl->path, &sb) == 0) {
			ctl->sock_dev = sb.st_dev;
			ctl->sock_ino = sb.st_ino;
		}
	}
	if (conf->socket_group[0] != '\0') {
		if ((gr = getgrnam(conf->socket_group)) == NULL) {
			snprintf(err, errlen, "socket_group: no group named %s",
			    conf->socket_group);
			goto fail;
		}
		if (chown(conf->socket, (uid_t)-1, gr->gr_gid) == -1) {
			snprintf(err, errlen, "cannot give %s to group %s: %s",
			    conf->socket, conf->socket_group, strerror(errno));
			goto fail;
		}
	}
	if (chmod(conf->socket, 0660) == -1 || listen(fd, 128) == -1) {
		snprintf(err, errlen, "control socket %s: %s", conf->socket,
		    strerror(errno));
		goto fail;
	}
	ctl->listener = evconnlistener_new(base, control_accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (ctl->listener == NULL) {
		snprintf(err, errlen, "cannot listen on %s", conf->socket);
		goto fail;
	}
	return ctl;
fail:
	if (fd != -1 && ctl->listener == NULL)
		close(fd);
	control_unlink(ctl);
	free(ctl);
	return NULL;
}

void
control_free(struct control *ctl)
{
	struct control_conn *c;

	if (ctl == NULL)
		return;
	while ((c = TAILQ_FIRST(&ctl->conns)) != NULL)
		control_conn_free(c);
	if (ctl->listener != NULL)
		evconnlistener_free(ctl->listener);
	control_unlink(ctl);
	free(ctl);
}

/*
 * control_handlers — the request handlers of the control socket: one table
 * from request body to handler, each turning a Request into a node call
 * and its completion into a Response.  Status is in control_status.c;
 * connections, framing and the socket in control.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.pb-c.h"
#include "bytes.h"
#include "control.h"
#include "control_impl.h"
#include "frame.h"
#include "id.h"
#include "keccak.h"
#include "log.h"
#include "node.h"
#include "perm.h"

/* Resolves the key/name pair of a put or get; -1 with *why if invalid. */
static int
control_key(ProtobufCBinaryData key, ProtobufCBinaryData name, struct id *id,
    const char **why)
{
	if (key.len > 0 && name.len > 0) {
		*why = "give either key or name, not both";
		return -1;
	}
	if (key.len > 0) {
		if (key.len != ID_LEN) {
			*why = "key must be exactly " BYTES_STR(ID_LEN) " bytes";
			return -1;
		}
		memcpy(id->b, key.data, ID_LEN);
		return 0;
	}
	if (name.len > EMO_MAX_KEY_NAME) {
		*why = "key name longer than " BYTES_STR(EMO_MAX_KEY_NAME)
		    " bytes";
		return -1;
	}
	/* An empty name is a valid key: Keccak-256(""). */
	id_from_name(id, name.data, name.len);
	return 0;
}

/* The signed or immutable fields of a put; -1 with *why if invalid. */
static int
control_put_attr(const Emo__Ctl__PutRequest *p, struct control_args *a,
    const char **why)
{
	int sig = p->public_key.len > 0 || p->signed_name.len > 0 ||
	    p->signature.len > 0 || p->seq != 0;

	if (!sig && !p->immutable)
		return 0;
	if (p->key.len > 0 || p->name.len > 0) {
		*why = "a signed or immutable value's key is derived: give no "
		    "key or name";
		return -1;
	}
	if (p->permanent) {
		*why = "a signed or immutable value cannot be permanent: put "
		    "it again before it expires";
		return -1;
	}
	if (p->immutable && sig) {
		*why = "a value is signed or immutable, not both";
		return -1;
	}
	if (p->immutable) {
		a->attr.kind = VALUE_IMMUTABLE;
		keccak256(p->value.data, p->value.len, a->key.b);
		return 0;
	}
	if (p->public_key.len != KEYS_PUBLIC_LEN ||
	    p->signature.len != KEYS_SIG_LEN) {
		*why = "a signed value needs a 32-byte public_key and a 64-byte "
		    "signature";
		return -1;
	}
	if (p->signed_name.len < 1 || p->signed_name.len > SIGVAL_NAME_MAX) {
		*why = "signed_name must be 1 to " BYTES_STR(SIGVAL_NAME_MAX)
		    " bytes";
		return -1;
	}
	if (p->created_ms <= 0 || p->ttl_s == 0) {
		*why = "a signed value needs its signed created_ms and ttl_s";
		return -1;
	}
	a->attr.kind = VALUE_SIGNED;
	memcpy(a->attr.pub, p->public_key.data, KEYS_PUBLIC_LEN);
	memcpy(a->attr.sig, p->signature.data, KEYS_SIG_LEN);
	a->attr.namelen = (uint8_t)p->signed_name.len;
	memcpy(a->attr.name, p->signed_name.data, p->signed_name.len);
	a->attr.seq = p->seq;
	sigval_key(a->attr.pub, a->attr.name, a->attr.namelen, a->key.b);
	return 0;
}

/* A get's signed_by and signed_name; -1 with *why if invalid. */
static int
control_get_signed(const Emo__Ctl__GetRequest *g, struct control_args *a,
    const char **why)
{
	if (g->signed_by.len == 0 && g->signed_name.len == 0)
		return 0;
	if (g->key.len > 0 || g->name.len > 0) {
		*why = "give either key or name, or signed_by and signed_name";
		return -1;
	}
	if (g->signed_by.len != KEYS_PUBLIC_LEN ||
	    g->signed_name.len < 1 || g->signed_name.len > SIGVAL_NAME_MAX) {
		*why = "signed_by must be 32 bytes and signed_name 1 to "
		    BYTES_STR(SIGVAL_NAME_MAX) " bytes";
		return -1;
	}
	a->signed_by = 1;
	memcpy(a->signer, g->signed_by.data, KEYS_PUBLIC_LEN);
	sigval_key(a->signer, g->signed_name.data, g->signed_name.len,
	    a->key.b);
	return 0;
}

int
control_request_check(const Emo__Ctl__Request *q, struct control_args *a,
    Emo__Ctl__ErrorCode *code, const char **why)
{
	memset(a, 0, sizeof(*a));
	*code = EMO__CTL__ERROR_CODE__ERR_INVALID;
	if (q->version != EMO_CTL_VERSION) {
		*code = EMO__CTL__ERROR_CODE__ERR_VERSION;
		*why = "unsupported control protocol version (this emod speaks "
		    BYTES_STR(EMO_CTL_VERSION) ")";
		return -1;
	}
	switch (q->body_case) {
	case EMO__CTL__REQUEST__BODY_PUT:
		if (control_key(q->put->key, q->put->name, &a->key, why) == -1)
			return -1;
		if (q->put->value.len == 0) {
			*why = "empty value";
			return -1;
		}
		if (q->put->value.len > EMO_MAX_VALUE) {
			*code = EMO__CTL__ERROR_CODE__ERR_TOO_LARGE;
			*why = "value larger than " BYTES_STR(EMO_MAX_VALUE)
			    " bytes";
			return -1;
		}
		if (q->put->min_acks > CONTROL_MAX_MIN_ACKS) {
			*why = "min_acks above " BYTES_STR(CONTROL_MAX_MIN_ACKS);
			return -1;
		}
		if (control_put_attr(q->put, a, why) == -1)
			return -1;
		perm_value_id(q->put->value.data, q->put->value.len, a->vid);
		return 0;
	case EMO__CTL__REQUEST__BODY_CANCEL:
		if (control_key(q->cancel->key, q->cancel->name, &a->key,
		    why) == -1)
			return -1;
		if (q->cancel->value_id.len != PERM_ID_LEN) {
			*why = "value_id must be exactly "
			    BYTES_STR(PERM_ID_LEN) " bytes";
			return -1;
		}
		memcpy(a->vid, q->cancel->value_id.data, PERM_ID_LEN);
		return 0;
	case EMO__CTL__REQUEST__BODY_PERMANENT:
		return 0;
	case EMO__CTL__REQUEST__BODY_GET:
		if (control_key(q->get->key, q->get->name, &a->key, why) == -1)
			return -1;
		if (q->get->since_ms < 0) {
			*why = "since_ms must not be negative";
			return -1;
		}
		return control_get_signed(q->get, a, why);
	case EMO__CTL__REQUEST__BODY_WATCH:
		if (control_key(q->watch->key, q->watch->name, &a->key,
		    why) == -1)
			return -1;
		if (q->watch->since_ms < 0) {
			*why = "since_ms must not be negative";
			return -1;
		}
		return 0;
	case EMO__CTL__REQUEST__BODY_STATUS:
	case EMO__CTL__REQUEST__BODY_PEERS:
		return 0;
	case EMO__CTL__REQUEST__BODY_PING:
		if (q->ping->address == NULL || q->ping->address[0] == '\0' ||
		    strlen(q->ping->address) >= CONTROL_MAX_ADDRESS) {
			*why = "ping needs an address HOST:PORT";
			return -1;
		}
		return 0;
	case EMO__CTL__REQUEST__BODY_LOG:
		if (q->log->level == NULL ||
		    (a->level = log_level_parse(q->log->level)) == -1) {
			*why = "log level must be warn, info or debug";
			return -1;
		}
		return 0;
	default:
		*why = "unknown request";
		return -1;
	}
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
	pr.key.data = r->args.key.b;
	pr.key.len = ID_LEN;
	pr.created_ms = res->created_ms;
	pr.expires_ms = res->expires_ms;
	pr.value_id.data = r->args.vid;
	pr.value_id.len = PERM_ID_LEN;
	rsp.body_case = EMO__CTL__RESPONSE__BODY_PUT;
	rsp.put = &pr;
	control_respond(r, &rsp);
}

static void
control_put(struct control_conn *c, struct control_req *r,
    const Emo__Ctl__Request *q)
{
	const Emo__Ctl__PutRequest *p = q->put;

	if (p->permanent) {
		if (c->ctl->perm == NULL) {
			control_error(r, DHT_ERR_UNAVAILABLE,
			    "this emod keeps no permanent values");
			return;
		}
		perm_put(c->ctl->perm, &r->args.key, p->name.data, p->name.len,
		    p->value.data, p->value.len, p->ttl_s, control_put_done, r);
		return;
	}
	node_put_value(c->ctl->node, &r->args.key, p->value.data,
	    p->value.len, &r->args.attr, r->args.attr.kind == VALUE_SIGNED ?
	    p->created_ms : 0, p->ttl_s, p->min_acks, control_put_done, r);
}

static void
control_get_done(void *arg, const struct node_get_result *res)
{
	struct control_req *r = arg;
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__GetResult gr = EMO__CTL__GET_RESULT__INIT;
	Emo__Ctl__Value *vals = NULL, **vp = NULL;
	uint8_t (*ids)[PERM_ID_LEN] = NULL;
	const struct store_value *sv;
	size_t i, j, n = res->values.n;

	if (res->err != DHT_OK) {
		control_error(r, res->err, res->msg);
		return;
	}
	if ((vals = calloc(n, sizeof(*vals))) == NULL ||
	    (vp = calloc(n, sizeof(*vp))) == NULL ||
	    (ids = calloc(n, sizeof(*ids))) == NULL) {
		free(vals);
		free(vp);
		control_error(r, DHT_ERR_UNAVAILABLE,
		    "out of memory");
		return;
	}
	for (i = j = 0; i < n; i++) {
		sv = &res->values.v[i];
		/* signed_by: only that signer's values. */
		if (r->args.signed_by && (sv->attr.kind != VALUE_SIGNED ||
		    memcmp(sv->attr.pub, r->args.signer, KEYS_PUBLIC_LEN) != 0))
			continue;
		emo__ctl__value__init(&vals[j]);
		vals[j].data.data = sv->data;
		vals[j].data.len = sv->len;
		vals[j].created_ms = sv->created_ms;
		vals[j].expires_ms = sv->expires_ms;
		perm_value_id(sv->data, sv->len, ids[j]);
		vals[j].id.data = ids[j];
		vals[j].id.len = PERM_ID_LEN;
		vals[j].immutable = sv->attr.kind == VALUE_IMMUTABLE;
		if (sv->attr.kind == VALUE_SIGNED) {
			vals[j].public_key.data = (uint8_t *)sv->attr.pub;
			vals[j].public_key.len = KEYS_PUBLIC_LEN;
			vals[j].signed_name.data = (uint8_t *)sv->attr.name;
			vals[j].signed_name.len = sv->attr.namelen;
			vals[j].signature.data = (uint8_t *)sv->attr.sig;
			vals[j].signature.len = KEYS_SIG_LEN;
			vals[j].seq = sv->attr.seq;
		}
		vp[j] = &vals[j];
		j++;
	}
	n = j;
	gr.n_values = n;
	gr.values = vp;
	gr.truncated = res->truncated != 0;
	gr.omitted = res->omitted;
	gr.next_since_ms = res->next_since_ms;
	rsp.body_case = EMO__CTL__RESPONSE__BODY_GET;
	rsp.get = &gr;
	control_respond(r, &rsp);
	free(vals);
	free(vp);
	free(ids);
}

static void
control_get(struct control_conn *c, struct control_req *r,
    const Emo__Ctl__Request *q)
{
	node_get(c->ctl->node, &r->args.key, q->get->since_ms, control_get_done,
	    r);
}

static void
control_log(struct control_conn *c, struct control_req *r,
    const Emo__Ctl__Request *q)
{
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__LogResult lr = EMO__CTL__LOG_RESULT__INIT;
	int lvl = r->args.level;

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
		peers[i].last_seen_ago_ms = np[i].last_seen_ms;
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
	node_ping(c->ctl->node, q->ping->address, control_ping_done, r);
}

static void
control_cancel(struct control_conn *c, struct control_req *r,
    const Emo__Ctl__Request *q)
{
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__CancelResult cr = EMO__CTL__CANCEL_RESULT__INIT;
	int rv;

	rv = c->ctl->perm != NULL ? perm_cancel(c->ctl->perm, &r->args.key,
	    r->args.vid) : 0;
	if (rv == 0) {
		control_error_pb(r, EMO__CTL__ERROR_CODE__ERR_NO_SUCH_VALUE,
		    "no permanent value with that id under the key");
		return;
	}
	if (rv == -1) {
		control_error(r, DHT_ERR_STORAGE, "taken off the list, but "
		    "the list could not be saved: it may be back after a "
		    "restart");
		return;
	}
	rsp.body_case = EMO__CTL__RESPONSE__BODY_CANCEL;
	rsp.cancel = &cr;
	control_respond(r, &rsp);
}

static void
control_permanent(struct control_conn *c, struct control_req *r,
    const Emo__Ctl__Request *q)
{
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__PermanentResult pr = EMO__CTL__PERMANENT_RESULT__INIT;
	Emo__Ctl__PermanentValue *vals = NULL, **vp = NULL;
	const struct perm_value *pv;
	size_t i, n;

	n = c->ctl->perm != NULL ? perm_count(c->ctl->perm) : 0;
	if (n > 0 && ((vals = calloc(n, sizeof(*vals))) == NULL ||
	    (vp = calloc(n, sizeof(*vp))) == NULL)) {
		free(vals);
		control_error(r, DHT_ERR_UNAVAILABLE, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		pv = perm_at(c->ctl->perm, i);
		emo__ctl__permanent_value__init(&vals[i]);
		vals[i].key.data = (uint8_t *)pv->key.b;
		vals[i].key.len = ID_LEN;
		vals[i].name.data = pv->name;
		vals[i].name.len = pv->namelen;
		vals[i].value_id.data = (uint8_t *)pv->id;
		vals[i].value_id.len = PERM_ID_LEN;
		vals[i].size = pv->len;
		vals[i].ttl_s = pv->ttl_s;
		vals[i].next_put_ms = pv->next_ms;
		vp[i] = &vals[i];
	}
	pr.n_values = n;
	pr.values = vp;
	rsp.body_case = EMO__CTL__RESPONSE__BODY_PERMANENT;
	rsp.permanent = &pr;
	control_respond(r, &rsp);
	free(vals);
	free(vp);
}

static void
control_watch_event(void *arg, const struct op_watch_event *e)
{
	struct control_req *r = arg;
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__WatchEvent we = EMO__CTL__WATCH_EVENT__INIT;
	Emo__Ctl__Value v = EMO__CTL__VALUE__INIT;

	rsp.body_case = EMO__CTL__RESPONSE__BODY_WATCH;
	rsp.watch = &we;
	if (e->end) {
		r->watch = NULL;
		if (e->err != DHT_OK) {
			control_error(r, e->err, e->msg);
			return;
		}
		we.end = 1;
		we.sent = r->sent;
		control_respond(r, &rsp);
		return;
	}
	if (r->conn == NULL || r->stopping)
		return;
	v.data.data = (uint8_t *)(uintptr_t)e->data;
	v.data.len = e->len;
	v.created_ms = e->created_ms;
	v.expires_ms = e->expires_ms;
	we.value = &v;
	we.sent = ++r->sent;
	control_stream(r, &rsp);
	if (r->count != 0 && r->sent >= r->count && r->watch != NULL) {
		r->stopping = 1;
		node_watch_stop(r->conn->ctl->node, r->watch);
	}
}

/* The client went away: the watch ends, its end frees the request. */
static void
control_watch_cancel(struct control *ctl, struct control_req *r)
{
	if (r->watch != NULL && !r->stopping) {
		r->stopping = 1;
		node_watch_stop(ctl->node, r->watch);
	}
}

static void
control_watch(struct control_conn *c, struct control_req *r,
    const Emo__Ctl__Request *q)
{
	struct node_op *w;

	r->count = q->watch->count;
	r->cancel = control_watch_cancel;
	/* On failure the end has been reported and r may be gone. */
	if ((w = node_watch(c->ctl->node, &r->args.key, q->watch->since_ms,
	    control_watch_event, r)) != NULL)
		r->watch = w;
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
	{ EMO__CTL__REQUEST__BODY_CANCEL, control_cancel },
	{ EMO__CTL__REQUEST__BODY_PERMANENT, control_permanent },
	{ EMO__CTL__REQUEST__BODY_WATCH, control_watch },
};

void
control_dispatch(struct control_conn *c, const Emo__Ctl__Request *q)
{
	struct control_req *r;
	Emo__Ctl__ErrorCode code;
	const char *why;
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
	if (control_request_check(q, &r->args, &code, &why) == -1) {
		control_error_pb(r, code, why);
		return;
	}
	for (i = 0; i < sizeof(control_handlers) /
	    sizeof(control_handlers[0]); i++)
		if (control_handlers[i].body == q->body_case) {
			control_handlers[i].fn(c, r, q);
			return;
		}
	/* control_request_check knows every body of the table. */
	control_error(r, DHT_ERR_INVALID, "unknown request");
}

/*
 * wire_encode — the encoding half of the UDP codec: the protobuf-c view of
 * a message built on the stack, wire_encode, and the size arithmetic for
 * paging values (wire_encoded_len, wire_values_fit).  Decoding and the
 * checks both sides share are in wire.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.pb-c.h"
#include "wire.h"
#include "wire_impl.h"

static const uint8_t wire_zeros[WIRE_MAX_PAD];

/* Stack storage for the protobuf-c view of one message being encoded. */
struct wire_pb {
	Emo__Wire__Packet	 pkt;
	Emo__Wire__Ping		 ping;
	Emo__Wire__Pong		 pong;
	Emo__Wire__FindNode	 find_node;
	Emo__Wire__Nodes	 nodes;
	Emo__Wire__FindValue	 find_value;
	Emo__Wire__Values	 values;
	Emo__Wire__Store	 store;
	Emo__Wire__StoreAck	 store_ack;
	Emo__Wire__Error	 error;
	Emo__Wire__Retry	 retry;
	Emo__Wire__GetValues	 get_values;
	Emo__Wire__Listen	 listen;
	Emo__Wire__ListenAck	 listen_ack;
	Emo__Wire__Notify	 notify;
	uint8_t			 pong_ip[16];
	Emo__Wire__NodeInfo	 ni[WIRE_MAX_NODES];
	Emo__Wire__NodeInfo	*nip[WIRE_MAX_NODES];
	uint8_t			 ni_ip[WIRE_MAX_NODES][16];
	Emo__Wire__WireValue	 wv[WIRE_MAX_VALUES_PER_MSG];
	Emo__Wire__WireValue	*wvp[WIRE_MAX_VALUES_PER_MSG];
	Emo__Wire__ValueDigest	 vd[WIRE_MAX_DIGESTS_PER_MSG];
	Emo__Wire__ValueDigest	*vdp[WIRE_MAX_DIGESTS_PER_MSG];
	ProtobufCBinaryData	 hashes[WIRE_MAX_VALUES_PER_MSG];
};

static size_t
varint_len(uint64_t v)
{
	size_t	n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static void
pb_node(struct wire_pb *pb, size_t i, const struct wire_node *n)
{
	Emo__Wire__NodeInfo	*ni = &pb->ni[i];
	const char		*errstr;
	size_t			 iplen = 0;
	uint32_t		 port = 0;

	emo__wire__node_info__init(ni);
	ni->id.data = (uint8_t *)n->id.b;
	ni->id.len = ID_LEN;
	/* Checked before; an invalid address encodes as an empty one. */
	if (wire_ip_get(&n->addr, pb->ni_ip[i], &iplen, &port, &errstr) == -1)
		iplen = port = 0;
	ni->ip.data = pb->ni_ip[i];
	ni->ip.len = iplen;
	ni->port = port;
	pb->nip[i] = ni;
}

static void
pb_value(struct wire_pb *pb, size_t i, const struct wire_value *v)
{
	Emo__Wire__WireValue	*wv = &pb->wv[i];

	emo__wire__wire_value__init(wv);
	wv->data.data = (uint8_t *)v->data;
	wv->data.len = v->len;
	wv->created_ms = v->created_ms;
	wv->expires_ms = v->expires_ms;
	if (v->attr.kind == VALUE_IMMUTABLE)
		wv->immutable = 1;
	if (v->attr.kind == VALUE_SIGNED) {
		wv->public_key.data = (uint8_t *)v->attr.pub;
		wv->public_key.len = KEYS_PUBLIC_LEN;
		wv->signature.data = (uint8_t *)v->attr.sig;
		wv->signature.len = KEYS_SIG_LEN;
		wv->name.data = (uint8_t *)v->attr.name;
		wv->name.len = v->attr.namelen;
		wv->seq = v->attr.seq;
	}
	pb->wvp[i] = wv;
}

static void
pb_nodes(struct wire_pb *pb, const struct wire_node *n, size_t count,
    size_t *outn, Emo__Wire__NodeInfo ***out)
{
	size_t	i;

	if (count > WIRE_MAX_NODES)
		count = WIRE_MAX_NODES;
	for (i = 0; i < count; i++)
		pb_node(pb, i, &n[i]);
	*outn = count;
	*out = count > 0 ? pb->nip : NULL;
}

static void
pb_values(struct wire_pb *pb, const struct wire_value *v, size_t count,
    size_t *outn, Emo__Wire__WireValue ***out)
{
	size_t	i;

	if (count > WIRE_MAX_VALUES_PER_MSG)
		count = WIRE_MAX_VALUES_PER_MSG;
	for (i = 0; i < count; i++)
		pb_value(pb, i, &v[i]);
	*outn = count;
	*out = count > 0 ? pb->wvp : NULL;
}

static void
pb_digests(struct wire_pb *pb, const struct wire_digest *d, size_t count,
    size_t *outn, Emo__Wire__ValueDigest ***out)
{
	size_t	i;

	if (count > WIRE_MAX_DIGESTS_PER_MSG)
		count = WIRE_MAX_DIGESTS_PER_MSG;
	for (i = 0; i < count; i++) {
		emo__wire__value_digest__init(&pb->vd[i]);
		pb->vd[i].hash.data = (uint8_t *)d[i].hash;
		pb->vd[i].hash.len = WIRE_HASH_LEN;
		pb->vd[i].size = d[i].len;
		pb->vd[i].created_ms = d[i].created_ms;
		pb->vd[i].expires_ms = d[i].expires_ms;
		pb->vdp[i] = &pb->vd[i];
	}
	*outn = count;
	*out = count > 0 ? pb->vdp : NULL;
}

static void
pb_token(ProtobufCBinaryData *b, const uint8_t *token, size_t len)
{
	b->data = (uint8_t *)token;
	b->len = len > WIRE_MAX_TOKEN ? WIRE_MAX_TOKEN : len;
}

static void
pb_known(const struct wire_known *kn, ProtobufCBinaryData *closer,
    ProtobufCBinaryData *known)
{
	if (kn->has_closer_than) {
		closer->data = (uint8_t *)kn->closer_than.b;
		closer->len = ID_LEN;
	}
	known->data = (uint8_t *)kn->known;
	known->len = kn->knownlen > WIRE_MAX_KNOWN ? WIRE_MAX_KNOWN :
	    kn->knownlen;
}

/* Builds the protobuf-c view of m in pb; pointers refer to m's memory. */
static void
pb_build(struct wire_pb *pb, const struct wire_msg *m)
{
	Emo__Wire__Packet	*p = &pb->pkt;
	const char		*errstr;
	size_t			 iplen = 0, count, i;
	uint32_t		 port = 0;

	emo__wire__packet__init(p);
	p->sender.data = (uint8_t *)m->sender.b;
	p->sender.len = ID_LEN;
	p->txid = m->txid;
	p->cookie.data = (uint8_t *)m->cookie;
	p->cookie.len = m->cookielen > WIRE_MAX_COOKIE ? WIRE_MAX_COOKIE :
	    m->cookielen;
	/* The pad's bytes are zeros; any bytes would do. */
	p->pad.data = (uint8_t *)wire_zeros;
	p->pad.len = m->padlen > WIRE_MAX_PAD ? WIRE_MAX_PAD : m->padlen;
	p->features = WIRE_FEATURES;	/* never m->features: see wire.h */
	switch (m->type) {
	case WIRE_PING:
		emo__wire__ping__init(&pb->ping);
		pb->ping.nonce.data = (uint8_t *)m->u.ping.nonce;
		pb->ping.nonce.len = m->u.ping.noncelen > WIRE_MAX_NONCE ?
		    WIRE_MAX_NONCE : m->u.ping.noncelen;
		p->body_case = EMO__WIRE__PACKET__BODY_PING;
		p->ping = &pb->ping;
		break;
	case WIRE_PONG:
		emo__wire__pong__init(&pb->pong);
		if (wire_ip_get(&m->u.pong.observed, pb->pong_ip, &iplen, &port,
		    &errstr) == -1)
			iplen = port = 0;
		pb->pong.observed_ip.data = pb->pong_ip;
		pb->pong.observed_ip.len = iplen;
		pb->pong.observed_port = port;
		if (m->u.pong.has_proof) {
			pb->pong.public_key.data =
			    (uint8_t *)m->u.pong.public_key;
			pb->pong.public_key.len = WIRE_PUBLIC_KEY_LEN;
			pb->pong.signature.data =
			    (uint8_t *)m->u.pong.signature;
			pb->pong.signature.len = WIRE_SIGNATURE_LEN;
		}
		p->body_case = EMO__WIRE__PACKET__BODY_PONG;
		p->pong = &pb->pong;
		break;
	case WIRE_FIND_NODE:
		emo__wire__find_node__init(&pb->find_node);
		pb->find_node.target.data = (uint8_t *)m->u.find_node.target.b;
		pb->find_node.target.len = ID_LEN;
		pb_known(&m->u.find_node.kn, &pb->find_node.closer_than,
		    &pb->find_node.known);
		p->body_case = EMO__WIRE__PACKET__BODY_FIND_NODE;
		p->find_node = &pb->find_node;
		break;
	case WIRE_NODES:
		emo__wire__nodes__init(&pb->nodes);
		pb_nodes(pb, m->u.nodes.nodes, m->u.nodes.nnodes,
		    &pb->nodes.n_nodes, &pb->nodes.nodes);
		pb_token(&pb->nodes.token, m->u.nodes.token,
		    m->u.nodes.tokenlen);
		p->body_case = EMO__WIRE__PACKET__BODY_NODES;
		p->nodes = &pb->nodes;
		break;
	case WIRE_FIND_VALUE:
		emo__wire__find_value__init(&pb->find_value);
		pb->find_value.key.data = (uint8_t *)m->u.find_value.key.b;
		pb->find_value.key.len = ID_LEN;
		pb->find_value.since_ms = m->u.find_value.since_ms;
		pb->find_value.offset = m->u.find_value.offset;
		pb_token(&pb->find_value.token, m->u.find_value.token,
		    m->u.find_value.tokenlen);
		pb_known(&m->u.find_value.kn, &pb->find_value.closer_than,
		    &pb->find_value.known);
		p->body_case = EMO__WIRE__PACKET__BODY_FIND_VALUE;
		p->find_value = &pb->find_value;
		break;
	case WIRE_VALUES:
		emo__wire__values__init(&pb->values);
		pb_values(pb, m->u.values.values, m->u.values.nvalues,
		    &pb->values.n_values, &pb->values.values);
		pb_nodes(pb, m->u.values.nodes, m->u.values.nnodes,
		    &pb->values.n_nodes, &pb->values.nodes);
		pb_token(&pb->values.token, m->u.values.token,
		    m->u.values.tokenlen);
		pb_digests(pb, m->u.values.digests, m->u.values.ndigests,
		    &pb->values.n_digests, &pb->values.digests);
		pb->values.next_offset = m->u.values.next_offset;
		pb->values.total = m->u.values.total;
		p->body_case = EMO__WIRE__PACKET__BODY_VALUES;
		p->values = &pb->values;
		break;
	case WIRE_STORE:
		emo__wire__store__init(&pb->store);
		pb->store.key.data = (uint8_t *)m->u.store.key.b;
		pb->store.key.len = ID_LEN;
		pb_values(pb, m->u.store.values, m->u.store.nvalues,
		    &pb->store.n_values, &pb->store.values);
		pb_token(&pb->store.token, m->u.store.token,
		    m->u.store.tokenlen);
		pb->store.find_nodes = m->u.store.find_nodes != 0;
		pb_known(&m->u.store.kn, &pb->store.closer_than,
		    &pb->store.known);
		p->body_case = EMO__WIRE__PACKET__BODY_STORE;
		p->store = &pb->store;
		break;
	case WIRE_STORE_ACK:
		emo__wire__store_ack__init(&pb->store_ack);
		pb->store_ack.stored = m->u.store_ack.stored;
		pb_nodes(pb, m->u.store_ack.nodes, m->u.store_ack.nnodes,
		    &pb->store_ack.n_nodes, &pb->store_ack.nodes);
		p->body_case = EMO__WIRE__PACKET__BODY_STORE_ACK;
		p->store_ack = &pb->store_ack;
		break;
	case WIRE_ERROR:
		emo__wire__error__init(&pb->error);
		pb->error.code = m->u.error.code;
		/* protobuf-c's default for a proto3 string is "" */
		if (m->u.error.message != NULL)
			pb->error.message = (char *)m->u.error.message;
		p->body_case = EMO__WIRE__PACKET__BODY_ERROR;
		p->error = &pb->error;
		break;
	case WIRE_RETRY:
		emo__wire__retry__init(&pb->retry);
		p->body_case = EMO__WIRE__PACKET__BODY_RETRY;
		p->retry = &pb->retry;
		break;
	case WIRE_GET_VALUES:
		emo__wire__get_values__init(&pb->get_values);
		pb->get_values.key.data = (uint8_t *)m->u.get_values.key.b;
		pb->get_values.key.len = ID_LEN;
		count = m->u.get_values.nhashes;
		if (count > WIRE_MAX_VALUES_PER_MSG)
			count = WIRE_MAX_VALUES_PER_MSG;
		for (i = 0; i < count; i++) {
			pb->hashes[i].data =
			    (uint8_t *)m->u.get_values.hashes[i];
			pb->hashes[i].len = WIRE_HASH_LEN;
		}
		pb->get_values.n_hashes = count;
		pb->get_values.hashes = count > 0 ? pb->hashes : NULL;
		pb_token(&pb->get_values.token, m->u.get_values.token,
		    m->u.get_values.tokenlen);
		p->body_case = EMO__WIRE__PACKET__BODY_GET_VALUES;
		p->get_values = &pb->get_values;
		break;
	case WIRE_LISTEN:
		emo__wire__listen__init(&pb->listen);
		pb->listen.key.data = (uint8_t *)m->u.listen.key.b;
		pb->listen.key.len = ID_LEN;
		pb->listen.since_ms = m->u.listen.since_ms;
		pb_token(&pb->listen.token, m->u.listen.token,
		    m->u.listen.tokenlen);
		pb->listen.cancel = m->u.listen.cancel != 0;
		p->body_case = EMO__WIRE__PACKET__BODY_LISTEN;
		p->listen = &pb->listen;
		break;
	case WIRE_LISTEN_ACK:
		emo__wire__listen_ack__init(&pb->listen_ack);
		pb->listen_ack.lifetime_ms = m->u.listen_ack.lifetime_ms;
		p->body_case = EMO__WIRE__PACKET__BODY_LISTEN_ACK;
		p->listen_ack = &pb->listen_ack;
		break;
	case WIRE_NOTIFY:
		emo__wire__notify__init(&pb->notify);
		pb->notify.key.data = (uint8_t *)m->u.notify.key.b;
		pb->notify.key.len = ID_LEN;
		pb_values(pb, m->u.notify.values, m->u.notify.nvalues,
		    &pb->notify.n_values, &pb->notify.values);
		p->body_case = EMO__WIRE__PACKET__BODY_NOTIFY;
		p->notify = &pb->notify;
		break;
	}
}

size_t
wire_encoded_len(const struct wire_msg *m)
{
	struct wire_pb	pb;

	pb_build(&pb, m);
	return WIRE_HDR_LEN + emo__wire__packet__get_packed_size(&pb.pkt);
}

/*
 * Checks m and lays it out in pb: *len is the Packet's packed size, at
 * most WIRE_MAX_MESSAGE with the header.  -1 if m breaks a rule or is
 * longer.
 */
static int
encode_layout(const struct wire_msg *m, struct wire_pb *pb, size_t *len)
{
	const char	*errstr;

	if (wire_check(m, &errstr) == -1)
		return -1;
	pb_build(pb, m);
	*len = emo__wire__packet__get_packed_size(&pb->pkt);
	return *len > WIRE_MAX_MESSAGE - WIRE_HDR_LEN ? -1 : 0;
}

/* Header + packed pb (len bytes, from encode_layout) into buf. */
static int
encode_pb(const struct wire_pb *pb, size_t len, uint8_t *buf)
{
	buf[0] = WIRE_MAGIC0;
	buf[1] = WIRE_MAGIC1;
	buf[2] = WIRE_VERSION;
	buf[3] = WIRE_KIND_WHOLE;
	return emo__wire__packet__pack(&pb->pkt, buf + WIRE_HDR_LEN) == len ?
	    0 : -1;
}

ssize_t
wire_encode(const struct wire_msg *m, uint8_t *buf, size_t cap)
{
	struct wire_pb	 pb;
	size_t		 len;

	if (encode_layout(m, &pb, &len) == -1 || cap < WIRE_HDR_LEN ||
	    len > cap - WIRE_HDR_LEN || encode_pb(&pb, len, buf) == -1)
		return -1;
	return (ssize_t)(WIRE_HDR_LEN + len);
}

uint8_t *
wire_encode_alloc(const struct wire_msg *m, size_t *lenp)
{
	struct wire_pb	 pb;
	uint8_t		*buf;
	size_t		 len;

	if (encode_layout(m, &pb, &len) == -1 ||
	    (buf = malloc(WIRE_HDR_LEN + len)) == NULL)
		return NULL;
	if (encode_pb(&pb, len, buf) == -1) {
		free(buf);
		return NULL;
	}
	*lenp = WIRE_HDR_LEN + len;
	return buf;
}

static size_t
value_field_len(const struct wire_value *v)
{
	size_t	n = 0;

	/* proto3 leaves out zero scalars and empty bytes */
	if (v->len > 0)
		n += 1 + varint_len(v->len) + v->len;
	if (v->created_ms != 0)
		n += 1 + varint_len(((uint64_t)v->created_ms << 1) ^
		    (uint64_t)(v->created_ms >> 63));
	if (v->expires_ms != 0)
		n += 1 + varint_len(((uint64_t)v->expires_ms << 1) ^
		    (uint64_t)(v->expires_ms >> 63));
	/* tag of the repeated field (1 byte for tags below 16) + length */
	return 1 + varint_len(n) + n;
}

size_t
wire_values_fit(const struct wire_msg *m, const struct wire_value *v,
    size_t n)
{
	struct wire_msg	 empty;
	struct wire_pb	 pb;
	size_t		 body, outer, i, total;

	empty = *m;
	if (m->type == WIRE_VALUES) {
		empty.u.values.values = NULL;
		empty.u.values.nvalues = 0;
		empty.u.values.next_offset = UINT32_MAX;
		empty.u.values.total = UINT32_MAX;
	} else if (m->type == WIRE_STORE) {
		empty.u.store.values = NULL;
		empty.u.store.nvalues = 0;
	} else if (m->type == WIRE_NOTIFY) {
		empty.u.notify.values = NULL;
		empty.u.notify.nvalues = 0;
	} else
		return 0;
	pb_build(&pb, &empty);
	body = m->type == WIRE_VALUES ?
	    emo__wire__values__get_packed_size(&pb.values) :
	    m->type == WIRE_NOTIFY ?
	    emo__wire__notify__get_packed_size(&pb.notify) :
	    emo__wire__store__get_packed_size(&pb.store);
	/* everything but the body and its length prefix */
	outer = WIRE_HDR_LEN + emo__wire__packet__get_packed_size(&pb.pkt) -
	    body - varint_len(body);
	if (n > WIRE_MAX_VALUES_PER_MSG)
		n = WIRE_MAX_VALUES_PER_MSG;
	for (i = 0; i < n; i++) {
		if (v[i].len > EMO_MAX_VALUE)
			break;
		body += value_field_len(&v[i]);
		total = outer + varint_len(body) + body;
		if (total > WIRE_MAX_MESSAGE)
			break;
	}
	return i;
}

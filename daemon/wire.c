/*
 * wire — the UDP message codec: the datagram header and decoding (the
 * checks of every field: wire_check.c).  With wire_encode.c (encoding and
 * size fitting) the only files that touch the protobuf-c types of
 * proto/wire.proto; everything decoded is checked here so the engine only
 * ever sees messages that obey the limits in wire.h.
 */
#include <sys/types.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.pb-c.h"
#include "bytes.h"
#include "wire.h"
#include "wire_impl.h"

/*
 * protobuf-c allocates a struct per submessage and copies every bytes
 * field, so a hostile packet of empty submessages costs tens of times its
 * size.  Decoding runs under a budget proportional to the input instead.
 */
#define WIRE_DECODE_BUDGET(len)	(8 * (size_t)(len) + 16384)

/*
 * Everything a decoded message holds comes from one arena, freed whole
 * by wire_msg_free: the first bytes live in the wire_decoded block itself
 * (enough for a Ping, a Store of a small value, a StoreAck), the rest in
 * blocks malloc'd as needed.  protobuf-c's many small allocations per
 * message (a Nodes answer made some 60) cost more than decoding did.
 */
#define WIRE_ARENA_INLINE	768	/* bytes: the decoded block fits tcache */
#define WIRE_ARENA_BLOCK	4096	/* bytes, at least, of each later block */

struct wire_arena_block {
	struct wire_arena_block	*next;
	size_t			 cap, used;
	max_align_t		 data[];
};

/*
 * The arena that holds a decoded message: the Packet protobuf-c unpacked
 * and the arrays handed out (nodes, values, digests, hashes).
 */
struct wire_decoded {
	size_t			 left;		/* of the decode budget */
	int			 exceeded;
	struct wire_arena_block	*blocks;	/* newest first */
	size_t			 used;		/* of first */
	max_align_t		 first[WIRE_ARENA_INLINE / sizeof(max_align_t)];
};

/* n bytes, aligned for anything; NULL if memory ran out. */
static void *
arena_take(struct wire_decoded *d, size_t n)
{
	struct wire_arena_block *b;
	size_t cap;
	void *p;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) *
	    sizeof(max_align_t);
	if (n == 0)
		n = sizeof(max_align_t);
	if (n <= sizeof(d->first) - d->used) {
		p = (uint8_t *)d->first + d->used;
		d->used += n;
		return p;
	}
	if ((b = d->blocks) == NULL || n > b->cap - b->used) {
		cap = n > WIRE_ARENA_BLOCK ? n : WIRE_ARENA_BLOCK;
		if ((b = malloc(sizeof(*b) + cap)) == NULL)
			return NULL;
		b->next = d->blocks;
		b->cap = cap;
		b->used = 0;
		d->blocks = b;
	}
	p = (uint8_t *)b->data + b->used;
	b->used += n;
	return p;
}

/* protobuf-c's allocator: the arena, under the decode budget. */
static void *
arena_alloc(void *arg, size_t size)
{
	struct wire_decoded *d = arg;

	if (size > d->left) {
		d->exceeded = 1;
		return NULL;
	}
	d->left -= size;
	return arena_take(d, size);
}

static void
arena_free(void *arg, void *p)
{
	(void)arg;
	(void)p;		/* the arena goes whole */
}

/* An array of n zeroed elements of size each (n is bounded by a limit). */
static void *
arena_array(struct wire_decoded *d, size_t n, size_t size, const char **errstr)
{
	void *p;

	if ((p = arena_take(d, n * size)) == NULL) {
		*errstr = "out of memory";
		return NULL;
	}
	memset(p, 0, n * size);
	return p;
}

static void
arena_release(struct wire_decoded *d)
{
	struct wire_arena_block *b;

	while ((b = d->blocks) != NULL) {
		d->blocks = b->next;
		free(b);
	}
	free(d);
}

static const char *const type_names[] = {
	[WIRE_PING] = "ping",
	[WIRE_PONG] = "pong",
	[WIRE_FIND_NODE] = "find_node",
	[WIRE_NODES] = "nodes",
	[WIRE_FIND_VALUE] = "find_value",
	[WIRE_VALUES] = "values",
	[WIRE_STORE] = "store",
	[WIRE_STORE_ACK] = "store_ack",
	[WIRE_ERROR] = "error",
	[WIRE_RETRY] = "retry",
	[WIRE_GET_VALUES] = "get_values",
	[WIRE_LISTEN] = "listen",
	[WIRE_LISTEN_ACK] = "listen_ack",
	[WIRE_NOTIFY] = "notify",
};

static int
ip_is_zero(const uint8_t *ip, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (ip[i] != 0)
			return 0;
	return 1;
}

static int
ip_is_v4mapped(const uint8_t ip[16])
{
	static const uint8_t pfx[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	return memcmp(ip, pfx, sizeof(pfx)) == 0;
}

/* Canonical wire form of an address: IPv4 (mapped or not) as 4 bytes. */
int
wire_ip_get(const struct addr *a, uint8_t ip[16], size_t *iplen,
    uint32_t *port, const char **errstr)
{
	uint8_t	raw[16];
	size_t	n;
	int	af;

	af = addr_family(a);
	if (af != AF_INET && af != AF_INET6) {
		*errstr = "address is neither IPv4 nor IPv6";
		return -1;
	}
	n = addr_ip_bytes(a, raw);
	if (n == 16 && ip_is_v4mapped(raw)) {
		memcpy(ip, raw + 12, 4);
		n = 4;
	} else if (n == 4 || n == 16)
		memcpy(ip, raw, n);
	else {
		*errstr = "address is neither IPv4 nor IPv6";
		return -1;
	}
	if (ip_is_zero(ip, n)) {
		*errstr = "unspecified address";
		return -1;
	}
	*port = addr_port(a);
	if (*port == 0) {
		*errstr = "port 0";
		return -1;
	}
	*iplen = n;
	return 0;
}

static int
ip_put(struct addr *a, const ProtobufCBinaryData *ip, uint32_t port,
    const char **errstr)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	struct sockaddr		*sa;
	socklen_t		 salen;

	if (port == 0 || port > 65535) {
		*errstr = "port not in 1..65535";
		return -1;
	}
	if (ip->len != 4 && ip->len != 16) {
		*errstr = "ip address is not 4 or 16 bytes";
		return -1;
	}
	if (ip_is_zero(ip->data, ip->len)) {
		*errstr = "unspecified address";
		return -1;
	}
	if (ip->len == 4) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		memcpy(&sin.sin_addr, ip->data, 4);
		sa = (struct sockaddr *)&sin;
		salen = sizeof(sin);
	} else {
		if (ip_is_v4mapped(ip->data)) {
			*errstr = "IPv4-mapped address (IPv4 is 4 bytes)";
			return -1;
		}
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)port);
		memcpy(&sin6.sin6_addr, ip->data, 16);
		sa = (struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	}
	if (addr_from_sockaddr(a, sa, salen) == -1) {
		*errstr = "unusable address";
		return -1;
	}
	return 0;
}

static int
get_attr(const Emo__Wire__WireValue *wv, struct value_attr *a,
    const char **errstr)
{
	memset(a, 0, sizeof(*a));
	if (wv->public_key.len == 0 && wv->signature.len == 0 &&
	    wv->name.len == 0 && wv->seq == 0) {
		a->kind = wv->immutable ? VALUE_IMMUTABLE : VALUE_PLAIN;
		return 0;
	}
	if (wv->immutable) {
		*errstr = "a value both immutable and signed";
		return -1;
	}
	if (wv->public_key.len != KEYS_PUBLIC_LEN) {
		*errstr = "signed value public key not 32 bytes";
		return -1;
	}
	if (wv->signature.len != KEYS_SIG_LEN) {
		*errstr = "signed value signature not 64 bytes";
		return -1;
	}
	if (wv->name.len < 1 || wv->name.len > SIGVAL_NAME_MAX) {
		*errstr = "signed value name not 1..64 bytes";
		return -1;
	}
	a->kind = VALUE_SIGNED;
	memcpy(a->pub, wv->public_key.data, KEYS_PUBLIC_LEN);
	memcpy(a->sig, wv->signature.data, KEYS_SIG_LEN);
	a->namelen = (uint8_t)wv->name.len;
	memcpy(a->name, wv->name.data, wv->name.len);
	a->seq = wv->seq;
	return 0;
}

/* ---- decoding ---------------------------------------------------------- */

size_t
wire_whole_max(const struct addr *peer, int local_whole)
{
	return local_whole && addr_scope(peer) == ADDR_LOOPBACK ?
	    WIRE_MAX_LOCAL_DATAGRAM : WIRE_MAX_DATAGRAM;
}

int
wire_peek_kind(const uint8_t *buf, size_t len, const char **errstr)
{
	if (len < WIRE_HDR_LEN) {
		*errstr = "datagram shorter than its header";
		return -1;
	}
	if (buf[0] != WIRE_MAGIC0 || buf[1] != WIRE_MAGIC1) {
		*errstr = "bad magic";
		return -1;
	}
	if (buf[2] != WIRE_VERSION) {
		*errstr = "unsupported version";
		return -1;
	}
	if (buf[3] > WIRE_KIND_BUNDLE) {
		*errstr = "unknown datagram kind";
		return -1;
	}
	return buf[3];
}

static int
get_id(struct id *out, const ProtobufCBinaryData *b, const char *what,
    const char **errstr)
{
	if (b->len != ID_LEN) {
		*errstr = what;
		return -1;
	}
	memcpy(out->b, b->data, ID_LEN);
	return 0;
}

/* A lookup's closer_than and known (wire_known); both may be absent. */
static int
get_known(struct wire_known *kn, const ProtobufCBinaryData *closer,
    const ProtobufCBinaryData *known, const char **errstr)
{
	if (closer->len > 0) {
		if (get_id(&kn->closer_than, closer, "closer_than is not "
		    BYTES_STR(ID_LEN) " bytes", errstr) == -1)
			return -1;
		kn->has_closer_than = 1;
	}
	/* Checked here as well as in wire_check: the copy must fit. */
	if (known->len > WIRE_MAX_KNOWN) {
		*errstr = "known is not a multiple of 4 bytes up to 80";
		return -1;
	}
	if (known->len > 0)
		memcpy(kn->known, known->data, known->len);
	kn->knownlen = known->len;
	return 0;
}

static int
get_token(uint8_t *token, size_t *tokenlen, const ProtobufCBinaryData *b,
    const char **errstr)
{
	if (wire_check_token(b->len, errstr) == -1)
		return -1;
	if (b->len > 0)
		memcpy(token, b->data, b->len);
	*tokenlen = b->len;
	return 0;
}

static int
get_nodes(struct wire_decoded *priv, Emo__Wire__NodeInfo **ni, size_t n,
    const struct wire_node **out, size_t *outn, const char **errstr)
{
	struct wire_node	*nodes = NULL;
	size_t	i;

	if (n > WIRE_MAX_NODES) {
		*errstr = "more than 20 nodes";
		return -1;
	}
	if (n > 0 && (nodes = arena_array(priv, n, sizeof(*nodes),
	    errstr)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (ni[i] == NULL) {
			*errstr = "missing node";
			return -1;
		}
		if (get_id(&nodes[i].id, &ni[i]->id,
		    "node id is not " BYTES_STR(ID_LEN) " bytes", errstr) == -1)
			return -1;
		if (ip_put(&nodes[i].addr, &ni[i]->ip, ni[i]->port,
		    errstr) == -1)
			return -1;
	}
	*out = nodes;
	*outn = n;
	return 0;
}

static int
get_values(struct wire_decoded *priv, Emo__Wire__WireValue **wv, size_t n,
    const struct wire_value **out, size_t *outn, const char **errstr)
{
	struct wire_value	*values = NULL;
	size_t	i;

	if (n > WIRE_MAX_VALUES_PER_MSG) {
		*errstr = "more than 64 values";
		return -1;
	}
	if (n > 0 && (values = arena_array(priv, n, sizeof(*values),
	    errstr)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (wv[i] == NULL) {
			*errstr = "missing value";
			return -1;
		}
		if (wv[i]->data.len > EMO_MAX_VALUE) {
			*errstr = "value longer than " BYTES_STR(EMO_MAX_VALUE) " bytes";
			return -1;
		}
		values[i].data = wv[i]->data.data;
		values[i].len = (uint32_t)wv[i]->data.len;
		values[i].created_ms = wv[i]->created_ms;
		values[i].expires_ms = wv[i]->expires_ms;
		if (get_attr(wv[i], &values[i].attr, errstr) == -1)
			return -1;
	}
	*out = values;
	*outn = n;
	return 0;
}

static int
get_digests(struct wire_decoded *priv, Emo__Wire__ValueDigest **vd, size_t n,
    const struct wire_digest **out, size_t *outn, const char **errstr)
{
	struct wire_digest	*digests = NULL;
	size_t	i;

	if (n > WIRE_MAX_DIGESTS_PER_MSG) {
		*errstr = "more than 64 digests";
		return -1;
	}
	if (n > 0 && (digests = arena_array(priv, n, sizeof(*digests),
	    errstr)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (vd[i] == NULL || vd[i]->hash.len != WIRE_HASH_LEN) {
			*errstr = "digest hash is not " BYTES_STR(WIRE_HASH_LEN)
			    " bytes";
			return -1;
		}
		memcpy(digests[i].hash, vd[i]->hash.data, WIRE_HASH_LEN);
		digests[i].len = vd[i]->size;
		digests[i].created_ms = vd[i]->created_ms;
		digests[i].expires_ms = vd[i]->expires_ms;
	}
	*out = digests;
	*outn = n;
	return 0;
}

static int
get_hashes(struct wire_decoded *priv, const Emo__Wire__GetValues *gv,
    struct wire_get_values *out, const char **errstr)
{
	uint8_t	(*hashes)[WIRE_HASH_LEN];
	size_t	i;

	if (gv->n_hashes == 0 || gv->n_hashes > WIRE_MAX_VALUES_PER_MSG) {
		*errstr = "get_values without 1..64 hashes";
		return -1;
	}
	if ((hashes = arena_array(priv, gv->n_hashes, sizeof(*hashes),
	    errstr)) == NULL)
		return -1;
	for (i = 0; i < gv->n_hashes; i++) {
		if (gv->hashes[i].len != WIRE_HASH_LEN) {
			*errstr = "hash is not " BYTES_STR(WIRE_HASH_LEN)
			    " bytes";
			return -1;
		}
		memcpy(hashes[i], gv->hashes[i].data, WIRE_HASH_LEN);
	}
	out->hashes = hashes;
	out->nhashes = gv->n_hashes;
	return 0;
}

/* A Pong's identity proof: a 32-byte key and a 64-byte signature, or none. */
static int
get_proof(struct wire_pong *out, const Emo__Wire__Pong *pong,
    const char **errstr)
{
	if (pong->public_key.len == 0 && pong->signature.len == 0)
		return 0;
	if (pong->public_key.len != WIRE_PUBLIC_KEY_LEN ||
	    pong->signature.len != WIRE_SIGNATURE_LEN) {
		*errstr = "pong proof is not a " BYTES_STR(WIRE_PUBLIC_KEY_LEN)
		    "-byte key and a " BYTES_STR(WIRE_SIGNATURE_LEN)
		    "-byte signature";
		return -1;
	}
	memcpy(out->public_key, pong->public_key.data, WIRE_PUBLIC_KEY_LEN);
	memcpy(out->signature, pong->signature.data, WIRE_SIGNATURE_LEN);
	out->has_proof = 1;
	return 0;
}

/* Converts the parts of p that need it; wire_check does the rest. */
static int
decode_body(struct wire_decoded *priv, const Emo__Wire__Packet *p,
    struct wire_msg *m, const char **errstr)
{
	/* The body members share one pointer (an anonymous union). */
	if (p->body_case != EMO__WIRE__PACKET__BODY__NOT_SET &&
	    p->ping == NULL) {
		*errstr = "missing message body";
		return -1;
	}
	switch (p->body_case) {
	case EMO__WIRE__PACKET__BODY_PING:
		m->type = WIRE_PING;
		if (p->ping->nonce.len > WIRE_MAX_NONCE) {
			*errstr = "nonce longer than "
			    BYTES_STR(WIRE_MAX_NONCE) " bytes";
			return -1;
		}
		if (p->ping->nonce.len > 0)
			memcpy(m->u.ping.nonce, p->ping->nonce.data,
			    p->ping->nonce.len);
		m->u.ping.noncelen = p->ping->nonce.len;
		return 0;
	case EMO__WIRE__PACKET__BODY_PONG:
		m->type = WIRE_PONG;
		if (get_proof(&m->u.pong, p->pong, errstr) == -1)
			return -1;
		return ip_put(&m->u.pong.observed, &p->pong->observed_ip,
		    p->pong->observed_port, errstr);
	case EMO__WIRE__PACKET__BODY_FIND_NODE:
		m->type = WIRE_FIND_NODE;
		if (get_known(&m->u.find_node.kn, &p->find_node->closer_than,
		    &p->find_node->known, errstr) == -1)
			return -1;
		return get_id(&m->u.find_node.target, &p->find_node->target,
		    "target is not " BYTES_STR(ID_LEN) " bytes", errstr);
	case EMO__WIRE__PACKET__BODY_NODES:
		m->type = WIRE_NODES;
		if (get_token(m->u.nodes.token, &m->u.nodes.tokenlen,
		    &p->nodes->token, errstr) == -1)
			return -1;
		return get_nodes(priv, p->nodes->nodes, p->nodes->n_nodes,
		    &m->u.nodes.nodes, &m->u.nodes.nnodes, errstr);
	case EMO__WIRE__PACKET__BODY_FIND_VALUE:
		m->type = WIRE_FIND_VALUE;
		m->u.find_value.since_ms = p->find_value->since_ms;
		m->u.find_value.offset = p->find_value->offset;
		if (get_token(m->u.find_value.token,
		    &m->u.find_value.tokenlen, &p->find_value->token,
		    errstr) == -1)
			return -1;
		if (get_known(&m->u.find_value.kn,
		    &p->find_value->closer_than, &p->find_value->known,
		    errstr) == -1)
			return -1;
		return get_id(&m->u.find_value.key, &p->find_value->key,
		    "key is not " BYTES_STR(ID_LEN) " bytes", errstr);
	case EMO__WIRE__PACKET__BODY_VALUES:
		m->type = WIRE_VALUES;
		m->u.values.next_offset = p->values->next_offset;
		m->u.values.total = p->values->total;
		if (get_token(m->u.values.token, &m->u.values.tokenlen,
		    &p->values->token, errstr) == -1)
			return -1;
		if (get_nodes(priv, p->values->nodes, p->values->n_nodes,
		    &m->u.values.nodes, &m->u.values.nnodes, errstr) == -1)
			return -1;
		if (get_digests(priv, p->values->digests, p->values->n_digests,
		    &m->u.values.digests, &m->u.values.ndigests, errstr) == -1)
			return -1;
		return get_values(priv, p->values->values, p->values->n_values,
		    &m->u.values.values, &m->u.values.nvalues, errstr);
	case EMO__WIRE__PACKET__BODY_STORE:
		m->type = WIRE_STORE;
		if (get_id(&m->u.store.key, &p->store->key,
		    "key is not " BYTES_STR(ID_LEN) " bytes", errstr) == -1)
			return -1;
		if (get_token(m->u.store.token, &m->u.store.tokenlen,
		    &p->store->token, errstr) == -1)
			return -1;
		m->u.store.find_nodes = p->store->find_nodes != 0;
		if (get_known(&m->u.store.kn, &p->store->closer_than,
		    &p->store->known, errstr) == -1)
			return -1;
		return get_values(priv, p->store->values, p->store->n_values,
		    &m->u.store.values, &m->u.store.nvalues, errstr);
	case EMO__WIRE__PACKET__BODY_STORE_ACK:
		m->type = WIRE_STORE_ACK;
		m->u.store_ack.stored = p->store_ack->stored;
		return get_nodes(priv, p->store_ack->nodes,
		    p->store_ack->n_nodes, &m->u.store_ack.nodes,
		    &m->u.store_ack.nnodes, errstr);
	case EMO__WIRE__PACKET__BODY_RETRY:
		m->type = WIRE_RETRY;
		return 0;
	case EMO__WIRE__PACKET__BODY_LISTEN:
		m->type = WIRE_LISTEN;
		m->u.listen.since_ms = p->listen->since_ms;
		m->u.listen.cancel = p->listen->cancel != 0;
		if (get_token(m->u.listen.token, &m->u.listen.tokenlen,
		    &p->listen->token, errstr) == -1)
			return -1;
		return get_id(&m->u.listen.key, &p->listen->key,
		    "key is not " BYTES_STR(ID_LEN) " bytes", errstr);
	case EMO__WIRE__PACKET__BODY_LISTEN_ACK:
		m->type = WIRE_LISTEN_ACK;
		m->u.listen_ack.lifetime_ms = p->listen_ack->lifetime_ms;
		return 0;
	case EMO__WIRE__PACKET__BODY_NOTIFY:
		m->type = WIRE_NOTIFY;
		if (get_id(&m->u.notify.key, &p->notify->key,
		    "key is not " BYTES_STR(ID_LEN) " bytes", errstr) == -1)
			return -1;
		return get_values(priv, p->notify->values, p->notify->n_values,
		    &m->u.notify.values, &m->u.notify.nvalues, errstr);
	case EMO__WIRE__PACKET__BODY_ERROR:
		m->type = WIRE_ERROR;
		m->u.error.code = p->error->code;
		m->u.error.message = p->error->message != NULL ?
		    p->error->message : "";
		return 0;
	case EMO__WIRE__PACKET__BODY_GET_VALUES:
		m->type = WIRE_GET_VALUES;
		if (get_id(&m->u.get_values.key, &p->get_values->key,
		    "key is not " BYTES_STR(ID_LEN) " bytes", errstr) == -1)
			return -1;
		if (get_token(m->u.get_values.token,
		    &m->u.get_values.tokenlen, &p->get_values->token,
		    errstr) == -1)
			return -1;
		return get_hashes(priv, p->get_values, &m->u.get_values,
		    errstr);
	default:
		break;
	}
	*errstr = "no known message body";
	return -1;
}

int
wire_decode(const uint8_t *buf, size_t len, struct wire_msg *out,
    const char **errstr)
{
	ProtobufCAllocator	 alloc;
	struct wire_decoded	*priv;
	Emo__Wire__Packet	*p;
	int			 kind;

	memset(out, 0, sizeof(*out));
	if ((kind = wire_peek_kind(buf, len, errstr)) == -1)
		return -1;
	if (kind != WIRE_KIND_WHOLE) {
		*errstr = "not a whole message";
		return -1;
	}
	if (len > WIRE_MAX_MESSAGE) {
		*errstr = "message longer than 98304 bytes";
		return -1;
	}
	if ((priv = malloc(sizeof(*priv))) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	priv->left = WIRE_DECODE_BUDGET(len);
	priv->exceeded = 0;
	priv->blocks = NULL;
	priv->used = 0;
	alloc.alloc = arena_alloc;
	alloc.free = arena_free;
	alloc.allocator_data = priv;
	p = emo__wire__packet__unpack(&alloc, len - WIRE_HDR_LEN,
	    buf + WIRE_HDR_LEN);
	if (p == NULL) {
		*errstr = priv->exceeded ?
		    "message expands beyond decode budget" :
		    "malformed protobuf";
		arena_release(priv);
		return -1;
	}
	out->priv = priv;
	out->txid = p->txid;
	if (get_id(&out->sender, &p->sender, "sender id is not " BYTES_STR(ID_LEN) " bytes",
	    errstr) == -1)
		goto fail;
	/* Checked here as well as in wire_check: the copy must fit. */
	if (p->cookie.len > WIRE_MAX_COOKIE) {
		*errstr = "cookie longer than " BYTES_STR(WIRE_MAX_COOKIE)
		    " bytes";
		goto fail;
	}
	if (p->cookie.len > 0)
		memcpy(out->cookie, p->cookie.data, p->cookie.len);
	out->cookielen = p->cookie.len;
	out->padlen = p->pad.len;
	out->features = p->features;
	if (decode_body(priv, p, out, errstr) == -1)
		goto fail;
	if (wire_check(out, errstr) == -1)
		goto fail;
	return 0;
fail:
	wire_msg_free(out);
	memset(out, 0, sizeof(*out));
	return -1;
}

void
wire_msg_free(struct wire_msg *m)
{
	struct wire_decoded	*priv;

	if (m == NULL || m->priv == NULL)
		return;
	priv = m->priv;
	arena_release(priv);	/* the Packet and all it points to */
	m->priv = NULL;
}

const char *
wire_type_name(enum wire_type t)
{
	if ((unsigned)t >= sizeof(type_names) / sizeof(type_names[0]) ||
	    type_names[t] == NULL)
		return "unknown";
	return type_names[t];
}

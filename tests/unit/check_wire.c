/*
 * check_wire — the UDP codec: golden encodings of every message type, every
 * truncation and bit flip of them, and every limit of proto/wire.proto.
 * EMO_WRITE_CORPUS=DIR also writes the goldens there as fuzz seeds.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.pb-c.h"
#include "addr.h"
#include "wire.h"
#include "check_util.h"

#define NGOLDEN		9
#define T0		INT64_C(1700000000000)

static const char *const golden_hex[NGOLDEN] = {
	/* ping */
	"454d01000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f201108070605040302015200",
	/* pong */
	"454d01000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f201108070605040302015a090a04c000020110"
	"a01f",
	/* find_node */
	"454d01000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f2011080706050403020162220a208081828384"
	"85868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	/* nodes */
	"454d01000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f201108070605040302016a700a2b0a20404142"
	"434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e"
	"5f1204c633640718a8460a370a20606162636465666768696a6b6c6d"
	"6e6f707172737475767778797a7b7c7d7e7f121020010db800000000"
	"000000000000000118a9461208746f6b3132333435",
	/* find_value */
	"454d01000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f20110807060504030201722b0a20c0c1c2c3c4"
	"c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf10"
	"80a0abfef9621802",
	/* values */
	"454d01000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f201108070605040302017a660a150a0568656c"
	"6c6f1080a0abfef9621880dae281fa620a160a06776f726c642110e8"
	"a7abfef9621880949a85fa62122b0a20404142434445464748494a4b"
	"4c4d4e4f505152535455565758595a5b5c5d5e5f1204c633640718a8"
	"461a046162636420042807",
	/* store */
	"454d01000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f2011080706050403020182015b0a20c0c1c2c3"
	"c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	"12150a0568656c6c6f1080a0abfef9621880dae281fa621a20e0e1e2"
	"e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfe"
	"ff",
	/* store_ack */
	"454d01000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f201108070605040302018a01020803",
	/* error */
	"454d01000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f2011080706050403020192010d080312096261"
	"6420746f6b656e",
};

struct golden {
	struct wire_msg		m;
	struct wire_node	nodes[2];
	struct wire_value	values[2];
};

static void
fill(uint8_t *b, size_t n, uint8_t first)
{
	size_t	i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(first + i);
}

static struct addr
mkaddr(const char *s)
{
	struct addr	 a;
	const char	*errstr;

	ck_assert_msg(addr_parse(&a, s, &errstr) == 0, "%s", s);
	return a;
}

/* The i-th golden message; pointers refer into g. */
static void
golden_build(int i, struct golden *g)
{
	struct wire_msg	*m = &g->m;

	memset(g, 0, sizeof(*g));
	fill(m->sender.b, ID_LEN, 0x01);
	m->txid = UINT64_C(0x0102030405060708);
	fill(g->nodes[0].id.b, ID_LEN, 0x40);
	g->nodes[0].addr = mkaddr("198.51.100.7:9000");
	fill(g->nodes[1].id.b, ID_LEN, 0x60);
	g->nodes[1].addr = mkaddr("[2001:db8::1]:9001");
	g->values[0].data = (const uint8_t *)"hello";
	g->values[0].len = 5;
	g->values[0].created_ms = T0;
	g->values[0].expires_ms = T0 + 3600000;
	g->values[1].data = (const uint8_t *)"world!";
	g->values[1].len = 6;
	g->values[1].created_ms = T0 + 500;
	g->values[1].expires_ms = T0 + 7200000;
	m->type = (enum wire_type)(i + 1);
	switch (m->type) {
	case WIRE_PING:
		break;
	case WIRE_PONG:
		m->u.pong.observed = mkaddr("192.0.2.1:4000");
		break;
	case WIRE_FIND_NODE:
		fill(m->u.find_node.target.b, ID_LEN, 0x80);
		break;
	case WIRE_NODES:
		m->u.nodes.nodes = g->nodes;
		m->u.nodes.nnodes = 2;
		memcpy(m->u.nodes.token, "tok12345", 8);
		m->u.nodes.tokenlen = 8;
		break;
	case WIRE_FIND_VALUE:
		fill(m->u.find_value.key.b, ID_LEN, 0xc0);
		m->u.find_value.since_ms = T0;
		m->u.find_value.offset = 2;
		break;
	case WIRE_VALUES:
		m->u.values.values = g->values;
		m->u.values.nvalues = 2;
		m->u.values.nodes = g->nodes;
		m->u.values.nnodes = 1;
		memcpy(m->u.values.token, "abcd", 4);
		m->u.values.tokenlen = 4;
		m->u.values.next_offset = 4;
		m->u.values.total = 7;
		break;
	case WIRE_STORE:
		fill(m->u.store.key.b, ID_LEN, 0xc0);
		m->u.store.values = g->values;
		m->u.store.nvalues = 1;
		fill(m->u.store.token, WIRE_MAX_TOKEN, 0xe0);
		m->u.store.tokenlen = WIRE_MAX_TOKEN;
		break;
	case WIRE_STORE_ACK:
		m->u.store_ack.stored = 3;
		break;
	case WIRE_ERROR:
		m->u.error.code = WIRE_ERR_BAD_TOKEN;
		m->u.error.message = "bad token";
		break;
	}
}

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t		n = 0;
	unsigned	v;

	while (s[0] != '\0' && s[1] != '\0') {
		ck_assert(n < cap);
		ck_assert(sscanf(s, "%2x", &v) == 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void
tohex(const uint8_t *b, size_t n, char *out)
{
	size_t	i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

static size_t
golden_bytes(int i, uint8_t *buf, size_t cap)
{
	return unhex(golden_hex[i], buf, cap);
}

static void
assert_value_eq(const struct wire_value *a, const struct wire_value *b)
{
	ck_assert_uint_eq(a->len, b->len);
	ck_assert_mem_eq(a->data, b->data, a->len);
	ck_assert_int_eq(a->created_ms, b->created_ms);
	ck_assert_int_eq(a->expires_ms, b->expires_ms);
}

static void
assert_nodes_eq(const struct wire_node *a, const struct wire_node *b,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		ck_assert(id_eq(&a[i].id, &b[i].id));
		ck_assert(addr_eq(&a[i].addr, &b[i].addr));
	}
}

static void
assert_msg_eq(const struct wire_msg *a, const struct wire_msg *b)
{
	size_t	i;

	ck_assert_int_eq(a->type, b->type);
	ck_assert(id_eq(&a->sender, &b->sender));
	ck_assert(a->txid == b->txid);
	switch (a->type) {
	case WIRE_PING:
		break;
	case WIRE_PONG:
		ck_assert(addr_eq(&a->u.pong.observed, &b->u.pong.observed));
		break;
	case WIRE_FIND_NODE:
		ck_assert(id_eq(&a->u.find_node.target, &b->u.find_node.target));
		break;
	case WIRE_NODES:
		ck_assert_uint_eq(a->u.nodes.nnodes, b->u.nodes.nnodes);
		assert_nodes_eq(a->u.nodes.nodes, b->u.nodes.nodes,
		    a->u.nodes.nnodes);
		ck_assert_uint_eq(a->u.nodes.tokenlen, b->u.nodes.tokenlen);
		ck_assert_mem_eq(a->u.nodes.token, b->u.nodes.token,
		    a->u.nodes.tokenlen);
		break;
	case WIRE_FIND_VALUE:
		ck_assert(id_eq(&a->u.find_value.key, &b->u.find_value.key));
		ck_assert_int_eq(a->u.find_value.since_ms,
		    b->u.find_value.since_ms);
		ck_assert_uint_eq(a->u.find_value.offset,
		    b->u.find_value.offset);
		ck_assert_uint_eq(a->u.find_value.tokenlen,
		    b->u.find_value.tokenlen);
		ck_assert_mem_eq(a->u.find_value.token, b->u.find_value.token,
		    a->u.find_value.tokenlen);
		break;
	case WIRE_VALUES:
		ck_assert_uint_eq(a->u.values.nvalues, b->u.values.nvalues);
		for (i = 0; i < a->u.values.nvalues; i++)
			assert_value_eq(&a->u.values.values[i],
			    &b->u.values.values[i]);
		ck_assert_uint_eq(a->u.values.nnodes, b->u.values.nnodes);
		assert_nodes_eq(a->u.values.nodes, b->u.values.nodes,
		    a->u.values.nnodes);
		ck_assert_uint_eq(a->u.values.tokenlen, b->u.values.tokenlen);
		ck_assert_mem_eq(a->u.values.token, b->u.values.token,
		    a->u.values.tokenlen);
		ck_assert_uint_eq(a->u.values.next_offset,
		    b->u.values.next_offset);
		ck_assert_uint_eq(a->u.values.total, b->u.values.total);
		break;
	case WIRE_STORE:
		ck_assert(id_eq(&a->u.store.key, &b->u.store.key));
		ck_assert_uint_eq(a->u.store.nvalues, b->u.store.nvalues);
		for (i = 0; i < a->u.store.nvalues; i++)
			assert_value_eq(&a->u.store.values[i],
			    &b->u.store.values[i]);
		ck_assert_uint_eq(a->u.store.tokenlen, b->u.store.tokenlen);
		ck_assert_mem_eq(a->u.store.token, b->u.store.token,
		    a->u.store.tokenlen);
		break;
	case WIRE_STORE_ACK:
		ck_assert_uint_eq(a->u.store_ack.stored, b->u.store_ack.stored);
		break;
	case WIRE_ERROR:
		ck_assert_uint_eq(a->u.error.code, b->u.error.code);
		ck_assert_str_eq(a->u.error.message, b->u.error.message);
		break;
	}
}

/* Encodes the golden message: the bytes must be exactly the golden ones. */
START_TEST(test_golden_encode)
{
	struct golden	 g;
	uint8_t		 buf[2048], want[2048];
	char		 hex[4097];
	ssize_t		 n;
	size_t		 wn;

	golden_build(_i, &g);
	n = wire_encode(&g.m, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq((size_t)n, wire_encoded_len(&g.m));
	tohex(buf, (size_t)n, hex);
	ck_assert_msg(golden_hex[_i] != NULL, "golden %d: %s", _i, hex);
	wn = golden_bytes(_i, want, sizeof(want));
	ck_assert_msg((size_t)n == wn && memcmp(buf, want, wn) == 0,
	    "golden %d (%s) encodes as %s", _i, wire_type_name(g.m.type), hex);
	/* Exactly enough room works; one byte less does not. */
	ck_assert_int_eq(wire_encode(&g.m, buf, wn), (ssize_t)wn);
	ck_assert_int_eq(wire_encode(&g.m, buf, wn - 1), -1);
}
END_TEST

/* Decodes the golden bytes into the golden message and back again. */
START_TEST(test_golden_decode)
{
	struct golden	 g;
	struct wire_msg	 m;
	uint8_t		 want[2048], again[2048];
	const char	*errstr = NULL;
	size_t		 wn;
	ssize_t		 n;

	golden_build(_i, &g);
	wn = golden_bytes(_i, want, sizeof(want));
	ck_assert_msg(wire_decode(want, wn, &m, &errstr) == 0, "golden %d: %s",
	    _i, errstr);
	assert_msg_eq(&g.m, &m);
	n = wire_encode(&m, again, sizeof(again));
	ck_assert_int_eq(n, (ssize_t)wn);
	ck_assert_mem_eq(again, want, wn);
	ck_assert_int_eq(wire_peek_kind(want, wn, &errstr), WIRE_KIND_WHOLE);
	wire_msg_free(&m);
	ck_assert_ptr_null(m.priv);
	wire_msg_free(&m);
	wire_msg_free(NULL);
}
END_TEST

START_TEST(test_golden_truncations)
{
	struct wire_msg	 m;
	uint8_t		 want[2048], *cut;
	const char	*errstr;
	size_t		 wn, len;

	wn = golden_bytes(_i, want, sizeof(want));
	for (len = 0; len < wn; len++) {
		/* an exact-size copy, so ASan sees any read past the end */
		cut = malloc(len > 0 ? len : 1);
		ck_assert_ptr_nonnull(cut);
		memcpy(cut, want, len);
		errstr = NULL;
		ck_assert_msg(wire_decode(cut, len, &m, &errstr) == -1,
		    "golden %d cut to %zu decoded", _i, len);
		ck_assert_ptr_nonnull(errstr);
		ck_assert_ptr_null(m.priv);
		free(cut);
	}
}
END_TEST

START_TEST(test_golden_bitflips)
{
	struct wire_msg	 m, m2;
	uint8_t		 want[2048], buf[2048], re[2048];
	const char	*errstr;
	size_t		 wn, bit;
	ssize_t		 n;

	wn = golden_bytes(_i, want, sizeof(want));
	for (bit = 0; bit < wn * 8; bit++) {
		memcpy(buf, want, wn);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (wire_decode(buf, wn, &m, &errstr) == -1)
			continue;
		/* Whatever decodes must re-encode and decode to the same. */
		n = wire_encode(&m, re, sizeof(re));
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(wire_decode(re, (size_t)n, &m2, &errstr), 0);
		assert_msg_eq(&m, &m2);
		wire_msg_free(&m2);
		wire_msg_free(&m);
	}
}
END_TEST

/* ---- hand-built protobuf for what our encoder refuses to produce ------ */

struct raw {
	Emo__Wire__Packet	pkt;
	Emo__Wire__Pong		pong;
	Emo__Wire__FindNode	find_node;
	Emo__Wire__Nodes	nodes;
	Emo__Wire__FindValue	find_value;
	Emo__Wire__Values	values;
	Emo__Wire__Store	store;
	Emo__Wire__Error	error;
	Emo__Wire__NodeInfo	ni[WIRE_MAX_NODES + 2];
	Emo__Wire__NodeInfo	*nip[WIRE_MAX_NODES + 2];
	Emo__Wire__WireValue	wv[WIRE_MAX_VALUES_PER_MSG + 2];
	Emo__Wire__WireValue	*wvp[WIRE_MAX_VALUES_PER_MSG + 2];
	uint8_t			id[ID_LEN + 1];
	uint8_t			ip4[4];
	uint8_t			ip6[16];
	uint8_t			tok[WIRE_MAX_TOKEN + 1];
	uint8_t			*big;
	char			msg[WIRE_MAX_ERROR_LEN + 2];
};

static void
raw_init(struct raw *r, Emo__Wire__Packet__BodyCase body)
{
	size_t	i;

	memset(r, 0, sizeof(*r));
	emo__wire__packet__init(&r->pkt);
	fill(r->id, sizeof(r->id), 0x10);
	r->ip4[0] = 10;
	r->ip4[3] = 1;
	r->ip6[0] = 0x20;
	r->ip6[1] = 0x01;
	r->ip6[15] = 1;
	r->pkt.sender.data = r->id;
	r->pkt.sender.len = ID_LEN;
	r->pkt.txid = 42;
	r->pkt.body_case = body;
	for (i = 0; i < WIRE_MAX_NODES + 2; i++) {
		emo__wire__node_info__init(&r->ni[i]);
		r->ni[i].id.data = r->id;
		r->ni[i].id.len = ID_LEN;
		r->ni[i].ip.data = r->ip4;
		r->ni[i].ip.len = 4;
		r->ni[i].port = 7000;
		r->nip[i] = &r->ni[i];
	}
	for (i = 0; i < WIRE_MAX_VALUES_PER_MSG + 2; i++) {
		emo__wire__wire_value__init(&r->wv[i]);
		r->wv[i].data.data = r->id;
		r->wv[i].data.len = 3;
		r->wv[i].created_ms = T0;
		r->wv[i].expires_ms = T0 + 1000;
		r->wvp[i] = &r->wv[i];
	}
	emo__wire__pong__init(&r->pong);
	r->pong.observed_ip.data = r->ip4;
	r->pong.observed_ip.len = 4;
	r->pong.observed_port = 7000;
	emo__wire__find_node__init(&r->find_node);
	r->find_node.target.data = r->id;
	r->find_node.target.len = ID_LEN;
	emo__wire__nodes__init(&r->nodes);
	r->nodes.nodes = r->nip;
	r->nodes.n_nodes = 1;
	emo__wire__find_value__init(&r->find_value);
	r->find_value.key.data = r->id;
	r->find_value.key.len = ID_LEN;
	emo__wire__values__init(&r->values);
	r->values.values = r->wvp;
	r->values.n_values = 1;
	emo__wire__store__init(&r->store);
	r->store.key.data = r->id;
	r->store.key.len = ID_LEN;
	r->store.values = r->wvp;
	r->store.n_values = 1;
	emo__wire__error__init(&r->error);
	r->pkt.pong = NULL;
	switch (body) {
	case EMO__WIRE__PACKET__BODY_PONG:
		r->pkt.pong = &r->pong;
		break;
	case EMO__WIRE__PACKET__BODY_FIND_NODE:
		r->pkt.find_node = &r->find_node;
		break;
	case EMO__WIRE__PACKET__BODY_NODES:
		r->pkt.nodes = &r->nodes;
		break;
	case EMO__WIRE__PACKET__BODY_FIND_VALUE:
		r->pkt.find_value = &r->find_value;
		break;
	case EMO__WIRE__PACKET__BODY_VALUES:
		r->pkt.values = &r->values;
		break;
	case EMO__WIRE__PACKET__BODY_STORE:
		r->pkt.store = &r->store;
		break;
	case EMO__WIRE__PACKET__BODY_ERROR:
		r->pkt.error = &r->error;
		break;
	default:
		break;
	}
}

/* Packs r behind a whole-message header; returns the datagram length. */
static size_t
raw_pack(struct raw *r, uint8_t **out)
{
	size_t	n = emo__wire__packet__get_packed_size(&r->pkt);

	*out = malloc(WIRE_HDR_LEN + n);
	ck_assert_ptr_nonnull(*out);
	(*out)[0] = 'E';
	(*out)[1] = 'M';
	(*out)[2] = 1;
	(*out)[3] = 0;
	ck_assert_uint_eq(emo__wire__packet__pack(&r->pkt, *out + 4), n);
	return WIRE_HDR_LEN + n;
}

enum bad {
	BAD_NONE, BAD_SENDER31, BAD_SENDER33, BAD_NO_SENDER, BAD_NO_BODY,
	BAD_TARGET33, BAD_KEY31, BAD_TOKEN33, BAD_NODES21, BAD_NODE_ID31,
	BAD_IP5, BAD_IP0LEN, BAD_PORT0, BAD_PORT65536, BAD_IP_ZERO4,
	BAD_IP_ZERO16, BAD_IP_MAPPED, BAD_VALUES65, BAD_VALUE_BIG,
	BAD_VALUE_EMPTY, BAD_CREATED0, BAD_CREATED_NEG, BAD_EXPIRES_EQ,
	BAD_EXPIRES_FAR, BAD_SINCE_NEG, BAD_NEXT_GE_TOTAL, BAD_STORE_EMPTY,
	BAD_ERRMSG_LONG, BAD_PONG_PORT0, BAD_PONG_IP3,
	GOOD_V6_NODE, GOOD_NODES20, GOOD_VALUES64, GOOD_VALUE_MAX,
	GOOD_TOKEN32, GOOD_ERRMSG256, GOOD_NEXT_BELOW,
};

static const struct {
	enum bad			 bad;
	Emo__Wire__Packet__BodyCase	 body;
	int				 ok;
} bad_cases[] = {
	{ BAD_NONE, EMO__WIRE__PACKET__BODY_NODES, 1 },
	{ BAD_SENDER31, EMO__WIRE__PACKET__BODY_PING, 0 },
	{ BAD_SENDER33, EMO__WIRE__PACKET__BODY_PING, 0 },
	{ BAD_NO_SENDER, EMO__WIRE__PACKET__BODY_PING, 0 },
	{ BAD_NO_BODY, EMO__WIRE__PACKET__BODY__NOT_SET, 0 },
	{ BAD_TARGET33, EMO__WIRE__PACKET__BODY_FIND_NODE, 0 },
	{ BAD_KEY31, EMO__WIRE__PACKET__BODY_FIND_VALUE, 0 },
	{ BAD_KEY31, EMO__WIRE__PACKET__BODY_STORE, 0 },
	{ BAD_TOKEN33, EMO__WIRE__PACKET__BODY_NODES, 0 },
	{ BAD_TOKEN33, EMO__WIRE__PACKET__BODY_VALUES, 0 },
	{ BAD_TOKEN33, EMO__WIRE__PACKET__BODY_STORE, 0 },
	{ BAD_TOKEN33, EMO__WIRE__PACKET__BODY_FIND_VALUE, 0 },
	{ GOOD_TOKEN32, EMO__WIRE__PACKET__BODY_FIND_VALUE, 1 },
	{ BAD_NODES21, EMO__WIRE__PACKET__BODY_NODES, 0 },
	{ BAD_NODES21, EMO__WIRE__PACKET__BODY_VALUES, 0 },
	{ BAD_NODE_ID31, EMO__WIRE__PACKET__BODY_NODES, 0 },
	{ BAD_IP5, EMO__WIRE__PACKET__BODY_NODES, 0 },
	{ BAD_IP0LEN, EMO__WIRE__PACKET__BODY_NODES, 0 },
	{ BAD_PORT0, EMO__WIRE__PACKET__BODY_NODES, 0 },
	{ BAD_PORT65536, EMO__WIRE__PACKET__BODY_NODES, 0 },
	{ BAD_IP_ZERO4, EMO__WIRE__PACKET__BODY_NODES, 0 },
	{ BAD_IP_ZERO16, EMO__WIRE__PACKET__BODY_NODES, 0 },
	{ BAD_IP_MAPPED, EMO__WIRE__PACKET__BODY_NODES, 0 },
	{ BAD_VALUES65, EMO__WIRE__PACKET__BODY_VALUES, 0 },
	{ BAD_VALUES65, EMO__WIRE__PACKET__BODY_STORE, 0 },
	{ BAD_VALUE_BIG, EMO__WIRE__PACKET__BODY_STORE, 0 },
	{ BAD_VALUE_EMPTY, EMO__WIRE__PACKET__BODY_VALUES, 0 },
	{ BAD_CREATED0, EMO__WIRE__PACKET__BODY_VALUES, 0 },
	{ BAD_CREATED_NEG, EMO__WIRE__PACKET__BODY_STORE, 0 },
	{ BAD_EXPIRES_EQ, EMO__WIRE__PACKET__BODY_STORE, 0 },
	{ BAD_EXPIRES_FAR, EMO__WIRE__PACKET__BODY_VALUES, 0 },
	{ BAD_SINCE_NEG, EMO__WIRE__PACKET__BODY_FIND_VALUE, 0 },
	{ BAD_NEXT_GE_TOTAL, EMO__WIRE__PACKET__BODY_VALUES, 0 },
	{ BAD_STORE_EMPTY, EMO__WIRE__PACKET__BODY_STORE, 0 },
	{ BAD_ERRMSG_LONG, EMO__WIRE__PACKET__BODY_ERROR, 0 },
	{ BAD_PONG_PORT0, EMO__WIRE__PACKET__BODY_PONG, 0 },
	{ BAD_PONG_IP3, EMO__WIRE__PACKET__BODY_PONG, 0 },
	{ GOOD_V6_NODE, EMO__WIRE__PACKET__BODY_VALUES, 1 },
	{ GOOD_NODES20, EMO__WIRE__PACKET__BODY_NODES, 1 },
	{ GOOD_VALUES64, EMO__WIRE__PACKET__BODY_VALUES, 1 },
	{ GOOD_VALUE_MAX, EMO__WIRE__PACKET__BODY_STORE, 1 },
	{ GOOD_TOKEN32, EMO__WIRE__PACKET__BODY_STORE, 1 },
	{ GOOD_ERRMSG256, EMO__WIRE__PACKET__BODY_ERROR, 1 },
	{ GOOD_NEXT_BELOW, EMO__WIRE__PACKET__BODY_VALUES, 1 },
};

static void
raw_break(struct raw *r, enum bad bad)
{
	static uint8_t	 zero16[16];
	static uint8_t	 mapped[16] = { [10] = 0xff, [11] = 0xff, [12] = 10,
			    [15] = 1 };

	switch (bad) {
	case BAD_NONE:
		break;
	case BAD_SENDER31:
		r->pkt.sender.len = 31;
		break;
	case BAD_SENDER33:
		r->pkt.sender.len = 33;
		break;
	case BAD_NO_SENDER:
		r->pkt.sender.len = 0;
		break;
	case BAD_NO_BODY:
		break;
	case BAD_TARGET33:
		r->find_node.target.len = 33;
		break;
	case BAD_KEY31:
		r->find_value.key.len = 31;
		r->store.key.len = 31;
		break;
	case BAD_TOKEN33:
	case GOOD_TOKEN32:
		fill(r->tok, sizeof(r->tok), 1);
		r->nodes.token.data = r->values.token.data =
		    r->store.token.data = r->find_value.token.data = r->tok;
		r->nodes.token.len = r->values.token.len = r->store.token.len =
		    r->find_value.token.len = bad == GOOD_TOKEN32 ? 32 : 33;
		break;
	case BAD_NODES21:
		r->nodes.n_nodes = r->values.n_nodes = 21;
		r->values.nodes = r->nip;
		break;
	case GOOD_NODES20:
		r->nodes.n_nodes = 20;
		break;
	case BAD_NODE_ID31:
		r->ni[0].id.len = 31;
		break;
	case BAD_IP5:
		r->ni[0].ip.len = 5;
		break;
	case BAD_IP0LEN:
		r->ni[0].ip.len = 0;
		break;
	case BAD_PORT0:
		r->ni[0].port = 0;
		break;
	case BAD_PORT65536:
		r->ni[0].port = 65536;
		break;
	case BAD_IP_ZERO4:
		r->ni[0].ip.data = zero16;
		break;
	case BAD_IP_ZERO16:
		r->ni[0].ip.data = zero16;
		r->ni[0].ip.len = 16;
		break;
	case BAD_IP_MAPPED:
		r->ni[0].ip.data = mapped;
		r->ni[0].ip.len = 16;
		break;
	case GOOD_V6_NODE:
		r->ni[0].ip.data = r->ip6;
		r->ni[0].ip.len = 16;
		r->values.nodes = r->nip;
		r->values.n_nodes = 1;
		break;
	case BAD_VALUES65:
		r->values.n_values = r->store.n_values = 65;
		break;
	case GOOD_VALUES64:
		r->values.n_values = 64;
		break;
	case BAD_VALUE_BIG:
	case GOOD_VALUE_MAX:
		r->big = calloc(1, EMO_MAX_VALUE + 1);
		ck_assert_ptr_nonnull(r->big);
		r->wv[0].data.data = r->big;
		r->wv[0].data.len = EMO_MAX_VALUE + (bad == BAD_VALUE_BIG);
		break;
	case BAD_VALUE_EMPTY:
		r->wv[0].data.len = 0;
		break;
	case BAD_CREATED0:
		r->wv[0].created_ms = 0;
		break;
	case BAD_CREATED_NEG:
		r->wv[0].created_ms = -5;
		break;
	case BAD_EXPIRES_EQ:
		r->wv[0].expires_ms = r->wv[0].created_ms;
		break;
	case BAD_EXPIRES_FAR:
		r->wv[0].expires_ms = WIRE_MAX_TIME_MS + 1;
		break;
	case BAD_SINCE_NEG:
		r->find_value.since_ms = -1;
		break;
	case BAD_NEXT_GE_TOTAL:
	case GOOD_NEXT_BELOW:
		r->values.total = 5;
		r->values.next_offset = bad == GOOD_NEXT_BELOW ? 4 : 5;
		break;
	case BAD_STORE_EMPTY:
		r->store.n_values = 0;
		break;
	case BAD_ERRMSG_LONG:
	case GOOD_ERRMSG256:
		memset(r->msg, 'x', WIRE_MAX_ERROR_LEN + 1);
		r->msg[WIRE_MAX_ERROR_LEN + (bad == BAD_ERRMSG_LONG)] = '\0';
		r->error.message = r->msg;
		break;
	case BAD_PONG_PORT0:
		r->pong.observed_port = 0;
		break;
	case BAD_PONG_IP3:
		r->pong.observed_ip.len = 3;
		break;
	}
}

START_TEST(test_limits)
{
	struct raw	*r;
	struct wire_msg	 m;
	uint8_t		*buf, *re;
	const char	*errstr = NULL;
	size_t		 n;
	int		 rc;

	r = malloc(sizeof(*r));
	ck_assert_ptr_nonnull(r);
	raw_init(r, bad_cases[_i].body);
	raw_break(r, bad_cases[_i].bad);
	n = raw_pack(r, &buf);
	rc = wire_decode(buf, n, &m, &errstr);
	ck_assert_msg(rc == (bad_cases[_i].ok ? 0 : -1),
	    "case %d: rc %d (%s)", _i, rc, rc == -1 ? errstr : "ok");
	if (rc == 0) {
		/* and our encoder produces the same bytes */
		re = malloc(WIRE_MAX_MESSAGE);
		ck_assert_ptr_nonnull(re);
		ck_assert_int_eq(wire_encode(&m, re, WIRE_MAX_MESSAGE),
		    (ssize_t)n);
		ck_assert_mem_eq(re, buf, n);
		free(re);
		wire_msg_free(&m);
	} else {
		ck_assert_ptr_nonnull(errstr);
		ck_assert_ptr_null(m.priv);
	}
	free(buf);
	free(r->big);
	free(r);
}
END_TEST

START_TEST(test_header)
{
	struct golden	 g;
	struct wire_msg	 m;
	uint8_t		 buf[256];
	const char	*errstr;
	ssize_t		 n;

	golden_build(0, &g);
	n = wire_encode(&g.m, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	buf[0] = 'X';
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), -1);
	ck_assert_str_eq(errstr, "bad magic");
	buf[0] = 'E';
	buf[2] = 2;
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), -1);
	ck_assert_str_eq(errstr, "unsupported version");
	ck_assert_int_eq(wire_peek_kind(buf, (size_t)n, &errstr), -1);
	buf[2] = 1;
	buf[3] = 1;
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), -1);
	ck_assert_int_eq(wire_peek_kind(buf, (size_t)n, &errstr), 1);
	buf[3] = 2;
	ck_assert_int_eq(wire_peek_kind(buf, (size_t)n, &errstr), 2);
	buf[3] = 3;
	ck_assert_int_eq(wire_peek_kind(buf, (size_t)n, &errstr), -1);
	ck_assert_int_eq(wire_peek_kind(buf, 3, &errstr), -1);
	buf[3] = 0;
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), 0);
	wire_msg_free(&m);
}
END_TEST

/* Unknown fields are skipped (forward compatibility); unknown bodies not. */
START_TEST(test_unknown_fields)
{
	struct golden	 g;
	struct wire_msg	 m;
	uint8_t		 buf[256];
	const char	*errstr;
	ssize_t		 n;

	golden_build(WIRE_STORE_ACK - 1, &g);
	n = wire_encode(&g.m, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	/* field 99, varint 7: tag (99 << 3) = 792 = 0x98 0x06 */
	buf[n] = 0x98;
	buf[n + 1] = 0x06;
	buf[n + 2] = 0x07;
	ck_assert_int_eq(wire_decode(buf, (size_t)n + 3, &m, &errstr), 0);
	ck_assert_uint_eq(m.u.store_ack.stored, 3);
	wire_msg_free(&m);
	/* field 30 (a future body), length-delimited, empty: 0xf2 0x01 0x00 */
	golden_build(WIRE_PING - 1, &g);
	n = wire_encode(&g.m, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	n -= 2;			/* drop the Ping body: 0x52 0x00 */
	buf[n] = 0xf2;
	buf[n + 1] = 0x01;
	buf[n + 2] = 0x00;
	ck_assert_int_eq(wire_decode(buf, (size_t)n + 3, &m, &errstr), -1);
	ck_assert_str_eq(errstr, "no known message body");
}
END_TEST

/* Thousands of empty submessages must not cost more than the budget. */
START_TEST(test_decode_budget)
{
	uint8_t		*buf;
	struct wire_msg	 m;
	const char	*errstr = NULL;
	size_t		 n = 0, i, body;

	buf = malloc(WIRE_MAX_MESSAGE);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, "EM\x01\x00", 4);
	n = 4;
	buf[n++] = 0x0a;		/* sender */
	buf[n++] = 32;
	memset(buf + n, 1, 32);
	n += 32;
	body = WIRE_MAX_MESSAGE - n - 4;
	body -= body % 2;
	buf[n++] = 0x7a;		/* field 15 (values), length-delimited */
	buf[n++] = (uint8_t)(0x80 | (body & 0x7f));
	buf[n++] = (uint8_t)(0x80 | ((body >> 7) & 0x7f));
	buf[n++] = (uint8_t)(body >> 14);
	for (i = 0; i < body; i += 2) {
		buf[n++] = 0x0a;	/* empty WireValue */
		buf[n++] = 0x00;
	}
	ck_assert_uint_le(n, WIRE_MAX_MESSAGE);
	ck_assert_int_eq(wire_decode(buf, n, &m, &errstr), -1);
	ck_assert_ptr_nonnull(errstr);
	/* over the message limit: refused before parsing */
	ck_assert_int_eq(wire_decode(buf, WIRE_MAX_MESSAGE + 1, &m, &errstr),
	    -1);
	free(buf);
}
END_TEST

START_TEST(test_encode_refuses)
{
	struct golden	 g;
	struct wire_node nodes[WIRE_MAX_NODES + 1];
	uint8_t		 buf[4096];
	const char	*errstr;
	size_t		 i;

	golden_build(WIRE_NODES - 1, &g);
	for (i = 0; i <= WIRE_MAX_NODES; i++)
		nodes[i] = g.nodes[0];
	g.m.u.nodes.nodes = nodes;
	g.m.u.nodes.nnodes = WIRE_MAX_NODES;
	ck_assert_int_gt(wire_encode(&g.m, buf, sizeof(buf)), 0);
	g.m.u.nodes.nnodes = WIRE_MAX_NODES + 1;
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);
	ck_assert_int_eq(wire_check(&g.m, &errstr), -1);
	g.m.u.nodes.nnodes = 1;
	g.m.u.nodes.tokenlen = WIRE_MAX_TOKEN + 1;
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);
	g.m.u.nodes.tokenlen = 0;
	memset(&nodes[0].addr, 0, sizeof(nodes[0].addr));
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);
	nodes[0].addr = mkaddr("0.0.0.0:5");
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);
	nodes[0].addr = mkaddr("1.2.3.4:5");
	ck_assert_int_gt(wire_encode(&g.m, buf, sizeof(buf)), 0);

	golden_build(WIRE_VALUES - 1, &g);
	g.values[0].len = EMO_MAX_VALUE + 1;
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);
	g.values[0].len = 0;
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);
	g.values[0].len = 5;
	g.values[0].expires_ms = g.values[0].created_ms;
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);
	g.values[0].expires_ms = g.values[0].created_ms + 1;
	g.m.u.values.next_offset = 7;
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);

	golden_build(WIRE_FIND_VALUE - 1, &g);
	g.m.u.find_value.since_ms = -1;
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);
	g.m.u.find_value.since_ms = 0;
	g.m.u.find_value.tokenlen = WIRE_MAX_TOKEN + 1;
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);
	golden_build(WIRE_STORE - 1, &g);
	g.m.u.store.nvalues = 0;
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);
	golden_build(0, &g);
	g.m.type = (enum wire_type)0;
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);
	ck_assert_str_eq(wire_type_name((enum wire_type)77), "unknown");
	ck_assert_str_eq(wire_type_name(WIRE_FIND_VALUE), "find_value");
}
END_TEST

/*
 * FindValue.token (field 4) was added later: without it the encoding is
 * the golden one, byte for byte; with it, exactly 2 + len bytes more, and
 * it comes back intact.
 */
START_TEST(test_find_value_token)
{
	struct golden	 g;
	struct wire_msg	 m;
	uint8_t		 plain[256], buf[256];
	const char	*errstr;
	ssize_t		 n0, n;

	golden_build(WIRE_FIND_VALUE - 1, &g);
	n0 = wire_encode(&g.m, plain, sizeof(plain));
	ck_assert_int_eq((size_t)n0, golden_bytes(WIRE_FIND_VALUE - 1, buf,
	    sizeof(buf)));
	ck_assert_mem_eq(plain, buf, (size_t)n0);
	memcpy(g.m.u.find_value.token, "0123456789abcdef", 16);
	g.m.u.find_value.tokenlen = 16;
	n = wire_encode(&g.m, buf, sizeof(buf));
	ck_assert_int_eq(n, n0 + 2 + 16);
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), 0);
	assert_msg_eq(&g.m, &m);
	ck_assert_uint_eq(m.u.find_value.tokenlen, 16);
	wire_msg_free(&m);
	ck_assert_int_eq(wire_decode(plain, (size_t)n0, &m, &errstr), 0);
	ck_assert_uint_eq(m.u.find_value.tokenlen, 0);
	wire_msg_free(&m);
}
END_TEST

/* An IPv4-mapped IPv6 address goes out as 4 bytes and comes back IPv4. */
START_TEST(test_v4mapped_canonical)
{
	struct golden	 g;
	struct wire_msg	 m;
	struct addr	 a;
	struct sockaddr_in6 sin6;
	uint8_t		 buf[256];
	const char	*errstr;
	ssize_t		 n;

	memset(&a, 0, sizeof(a));
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(4000);
	sin6.sin6_addr.s6_addr[10] = 0xff;
	sin6.sin6_addr.s6_addr[11] = 0xff;
	sin6.sin6_addr.s6_addr[12] = 192;
	sin6.sin6_addr.s6_addr[15] = 9;
	/* bypass addr_from_sockaddr, which already maps to IPv4 */
	memcpy(&a.u.sin6, &sin6, sizeof(sin6));
	a.len = sizeof(sin6);
	golden_build(WIRE_PONG - 1, &g);
	g.m.u.pong.observed = a;
	n = wire_encode(&g.m, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), 0);
	ck_assert_int_eq(addr_family(&m.u.pong.observed), AF_INET);
	a = mkaddr("192.0.0.9:4000");
	ck_assert(addr_eq(&m.u.pong.observed, &a));
	wire_msg_free(&m);
}
END_TEST

static void
mkvalues(struct wire_value *v, size_t n, uint8_t *data, uint32_t len)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		v[i].data = data;
		v[i].len = len;
		v[i].created_ms = T0 + (int64_t)i;
		v[i].expires_ms = T0 + 86400000 + (int64_t)i;
	}
}

/* The page wire_values_fit chooses encodes; one more value would not. */
static void
check_fit(struct wire_msg *m, struct wire_value *v, size_t n, size_t want)
{
	uint8_t		*buf;
	size_t		 k;

	buf = malloc(WIRE_MAX_MESSAGE + 65536);
	ck_assert_ptr_nonnull(buf);
	k = wire_values_fit(m, v, n);
	ck_assert_uint_eq(k, want);
	if (m->type == WIRE_VALUES) {
		m->u.values.values = v;
		m->u.values.nvalues = k;
		m->u.values.total = UINT32_MAX;
		m->u.values.next_offset = UINT32_MAX - 1;
	} else {
		m->u.store.values = v;
		m->u.store.nvalues = k;
	}
	if (k > 0)
		ck_assert_int_gt(wire_encode(m, buf, WIRE_MAX_MESSAGE), 0);
	if (k < n && k < WIRE_MAX_VALUES_PER_MSG) {
		if (m->type == WIRE_VALUES)
			m->u.values.nvalues = k + 1;
		else
			m->u.store.nvalues = k + 1;
		ck_assert_uint_gt(wire_encoded_len(m), WIRE_MAX_MESSAGE);
		ck_assert_int_eq(wire_encode(m, buf, WIRE_MAX_MESSAGE + 65536),
		    -1);
	}
	free(buf);
}

START_TEST(test_values_fit)
{
	struct golden		 g;
	struct wire_node	 nodes[WIRE_MAX_NODES];
	struct wire_value	 v[100];
	uint8_t			*data;
	size_t			 i;

	data = calloc(1, EMO_MAX_VALUE);
	ck_assert_ptr_nonnull(data);
	golden_build(WIRE_VALUES - 1, &g);
	for (i = 0; i < WIRE_MAX_NODES; i++)
		nodes[i] = g.nodes[i % 2];
	g.m.u.values.nodes = nodes;
	g.m.u.values.nnodes = WIRE_MAX_NODES;
	g.m.u.values.tokenlen = WIRE_MAX_TOKEN;

	mkvalues(v, 100, data, EMO_MAX_VALUE);
	check_fit(&g.m, v, 100, 2);		/* the design point */
	check_fit(&g.m, v, 1, 1);
	check_fit(&g.m, v, 0, 0);
	mkvalues(v, 100, data, 10);
	check_fit(&g.m, v, 100, WIRE_MAX_VALUES_PER_MSG);
	mkvalues(v, 100, data, 2000);
	check_fit(&g.m, v, 100, 48);
	/* mixed: the cut falls exactly where the bytes run out */
	mkvalues(v, 100, data, 20000);
	v[1].len = 32768;
	v[3].len = 32768;
	check_fit(&g.m, v, 100, 3);
	golden_build(WIRE_STORE - 1, &g);
	mkvalues(v, 100, data, EMO_MAX_VALUE);
	check_fit(&g.m, v, 100, 2);
	mkvalues(v, 100, data, 1);
	check_fit(&g.m, v, 100, WIRE_MAX_VALUES_PER_MSG);
	golden_build(WIRE_PING - 1, &g);
	ck_assert_uint_eq(wire_values_fit(&g.m, v, 10), 0);
	free(data);
}
END_TEST

/* Every message our encoder can produce of up to 64 values decodes. */
START_TEST(test_values_max_decode)
{
	struct golden		 g;
	struct wire_value	 v[WIRE_MAX_VALUES_PER_MSG];
	struct wire_msg		 m;
	uint8_t			 one = 'x', *buf;
	const char		*errstr = NULL;
	ssize_t			 n;

	buf = malloc(WIRE_MAX_MESSAGE);
	ck_assert_ptr_nonnull(buf);
	golden_build(WIRE_VALUES - 1, &g);
	mkvalues(v, WIRE_MAX_VALUES_PER_MSG, &one, 1);
	g.m.u.values.values = v;
	g.m.u.values.nvalues = WIRE_MAX_VALUES_PER_MSG;
	g.m.u.values.nnodes = 0;
	g.m.u.values.tokenlen = 0;
	n = wire_encode(&g.m, buf, WIRE_MAX_MESSAGE);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(wire_decode(buf, (size_t)n, &m, &errstr) == 0, "%s",
	    errstr);
	ck_assert_uint_eq(m.u.values.nvalues, WIRE_MAX_VALUES_PER_MSG);
	wire_msg_free(&m);
	free(buf);
}
END_TEST

/* Writes the goldens as fuzz seeds when EMO_WRITE_CORPUS names a folder. */
START_TEST(test_write_corpus)
{
	const char	*dir = getenv("EMO_WRITE_CORPUS");
	char		 path[4096];
	uint8_t		 buf[2048];
	size_t		 n;
	FILE		*f;
	int		 i;

	if (dir == NULL)
		return;
	for (i = 0; i < NGOLDEN; i++) {
		if (golden_hex[i] == NULL)
			continue;
		n = golden_bytes(i, buf, sizeof(buf));
		snprintf(path, sizeof(path), "%s/golden-%02d-%s", dir, i,
		    wire_type_name((enum wire_type)(i + 1)));
		if ((f = fopen(path, "wb")) == NULL ||
		    fwrite(buf, 1, n, f) != n || fclose(f) != 0)
			perror(path);
	}
}
END_TEST

static Suite *
wire_suite(void)
{
	Suite	*s = suite_create("wire");
	TCase	*tc = tcase_create("core");
	int	 nbad = (int)(sizeof(bad_cases) / sizeof(bad_cases[0]));

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_golden_encode, 0, NGOLDEN);
	tcase_add_loop_test(tc, test_golden_decode, 0, NGOLDEN);
	tcase_add_loop_test(tc, test_golden_truncations, 0, NGOLDEN);
	tcase_add_loop_test(tc, test_golden_bitflips, 0, NGOLDEN);
	tcase_add_loop_test(tc, test_limits, 0, nbad);
	tcase_add_test(tc, test_header);
	tcase_add_test(tc, test_unknown_fields);
	tcase_add_test(tc, test_decode_budget);
	tcase_add_test(tc, test_encode_refuses);
	tcase_add_test(tc, test_v4mapped_canonical);
	tcase_add_test(tc, test_find_value_token);
	tcase_add_test(tc, test_values_fit);
	tcase_add_test(tc, test_values_max_decode);
	tcase_add_test(tc, test_write_corpus);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(wire_suite());
}

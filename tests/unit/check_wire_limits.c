/*
 * check_wire_limits — the UDP decoder on hand-built protobuf: every limit
 * of proto/wire.proto, just inside and just outside, for what our encoder
 * refuses to produce; the datagram header, unknown fields, and the decode
 * budget.  The goldens and the encoder are in check_wire.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.pb-c.h"
#include "addr.h"
#include "wire.h"
#include "check_util.h"
#include "check_wire.h"

/* ---- hand-built protobuf for what our encoder refuses to produce ------ */

struct raw {
	Emo__Wire__Packet	pkt;
	Emo__Wire__Pong		pong;
	Emo__Wire__FindNode	find_node;
	Emo__Wire__Nodes	nodes;
	Emo__Wire__FindValue	find_value;
	Emo__Wire__Values	values;
	Emo__Wire__Store	store;
	Emo__Wire__StoreAck	store_ack;
	Emo__Wire__Error	error;
	Emo__Wire__NodeInfo	ni[WIRE_MAX_NODES + 2];
	Emo__Wire__NodeInfo	*nip[WIRE_MAX_NODES + 2];
	Emo__Wire__WireValue	wv[WIRE_MAX_VALUES_PER_MSG + 2];
	Emo__Wire__WireValue	*wvp[WIRE_MAX_VALUES_PER_MSG + 2];
	uint8_t			id[ID_LEN + 1];
	uint8_t			ip4[4];
	uint8_t			ip6[16];
	uint8_t			tok[WIRE_MAX_TOKEN + 1];
	uint8_t			known[WIRE_MAX_KNOWN + 4];
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
	r->pkt.features = WIRE_FEATURES;	/* as our encoder writes it */
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
	emo__wire__store_ack__init(&r->store_ack);
	r->store_ack.stored = 1;
	r->store_ack.nodes = r->nip;
	r->store_ack.n_nodes = 1;
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
	case EMO__WIRE__PACKET__BODY_STORE_ACK:
		r->pkt.store_ack = &r->store_ack;
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
	(*out)[2] = WIRE_VERSION;
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
	BAD_ERRMSG_LONG, BAD_PONG_PORT0, BAD_PONG_IP3, BAD_CLOSER31,
	BAD_CLOSER33, BAD_KNOWN84, BAD_KNOWN6, GOOD_V6_NODE, GOOD_NODES20, GOOD_VALUES64, GOOD_VALUE_MAX,
	GOOD_TOKEN32, GOOD_ERRMSG256, GOOD_NEXT_BELOW, GOOD_CLOSER32,
	GOOD_KNOWN80,
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
	{ BAD_NODES21, EMO__WIRE__PACKET__BODY_STORE_ACK, 0 },
	{ BAD_NODE_ID31, EMO__WIRE__PACKET__BODY_STORE_ACK, 0 },
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
	{ BAD_CLOSER31, EMO__WIRE__PACKET__BODY_STORE, 0 },
	{ BAD_CLOSER33, EMO__WIRE__PACKET__BODY_STORE, 0 },
	{ BAD_KNOWN84, EMO__WIRE__PACKET__BODY_STORE, 0 },
	{ BAD_KNOWN6, EMO__WIRE__PACKET__BODY_STORE, 0 },
	{ BAD_KNOWN84, EMO__WIRE__PACKET__BODY_FIND_NODE, 0 },
	{ BAD_KNOWN6, EMO__WIRE__PACKET__BODY_FIND_VALUE, 0 },
	{ BAD_CLOSER31, EMO__WIRE__PACKET__BODY_FIND_NODE, 0 },
	{ BAD_CLOSER33, EMO__WIRE__PACKET__BODY_FIND_VALUE, 0 },
	{ GOOD_V6_NODE, EMO__WIRE__PACKET__BODY_VALUES, 1 },
	{ GOOD_NODES20, EMO__WIRE__PACKET__BODY_NODES, 1 },
	{ GOOD_NODES20, EMO__WIRE__PACKET__BODY_STORE_ACK, 1 },
	{ GOOD_VALUES64, EMO__WIRE__PACKET__BODY_VALUES, 1 },
	{ GOOD_VALUE_MAX, EMO__WIRE__PACKET__BODY_STORE, 1 },
	{ GOOD_TOKEN32, EMO__WIRE__PACKET__BODY_STORE, 1 },
	{ GOOD_ERRMSG256, EMO__WIRE__PACKET__BODY_ERROR, 1 },
	{ GOOD_NEXT_BELOW, EMO__WIRE__PACKET__BODY_VALUES, 1 },
	{ GOOD_CLOSER32, EMO__WIRE__PACKET__BODY_STORE, 1 },
	{ GOOD_KNOWN80, EMO__WIRE__PACKET__BODY_STORE, 1 },
	{ GOOD_KNOWN80, EMO__WIRE__PACKET__BODY_FIND_NODE, 1 },
	{ GOOD_KNOWN80, EMO__WIRE__PACKET__BODY_FIND_VALUE, 1 },
	{ GOOD_CLOSER32, EMO__WIRE__PACKET__BODY_FIND_VALUE, 1 },
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
		r->store_ack.n_nodes = 21;
		r->values.nodes = r->nip;
		break;
	case GOOD_NODES20:
		r->nodes.n_nodes = r->store_ack.n_nodes = 20;
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
	case BAD_CLOSER31:
	case BAD_CLOSER33:
	case GOOD_CLOSER32:
		fill(r->tok, sizeof(r->tok), 3);
		r->store.find_nodes = 1;
		r->store.closer_than.data = r->find_node.closer_than.data =
		    r->find_value.closer_than.data = r->tok;
		r->store.closer_than.len = r->find_node.closer_than.len =
		    r->find_value.closer_than.len = bad == BAD_CLOSER31 ? 31 :
		    bad == BAD_CLOSER33 ? 33 : 32;
		break;
	case BAD_KNOWN84:
	case BAD_KNOWN6:
	case GOOD_KNOWN80:
		r->store.find_nodes = 1;
		r->store.known.data = r->find_node.known.data =
		    r->find_value.known.data = r->known;
		r->store.known.len = r->find_node.known.len =
		    r->find_value.known.len = bad == BAD_KNOWN84 ?
		    WIRE_MAX_KNOWN + 4 : bad == BAD_KNOWN6 ? 6 : WIRE_MAX_KNOWN;
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
	buf[2] = WIRE_VERSION + 1;
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), -1);
	ck_assert_str_eq(errstr, "unsupported version");
	ck_assert_int_eq(wire_peek_kind(buf, (size_t)n, &errstr), -1);
	/* Version 1 hashed values with Keccak-256: its digests differ. */
	buf[2] = 1;
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), -1);
	ck_assert_str_eq(errstr, "unsupported version");
	buf[2] = WIRE_VERSION;
	buf[3] = 1;
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), -1);
	ck_assert_int_eq(wire_peek_kind(buf, (size_t)n, &errstr), 1);
	buf[3] = 2;
	ck_assert_int_eq(wire_peek_kind(buf, (size_t)n, &errstr), 2);
	buf[3] = 3;
	ck_assert_int_eq(wire_peek_kind(buf, (size_t)n, &errstr), 3);
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), -1);
	buf[3] = 4;
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
	memcpy(buf, "EM\x02\x00", 4);
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


/* Digests and GetValues: round trips, and the limits on both sides. */
START_TEST(test_digests_get_values)
{
	static struct wire_digest d[WIRE_MAX_DIGESTS_PER_MSG + 1];
	uint8_t hashes[WIRE_MAX_VALUES_PER_MSG + 1][WIRE_HASH_LEN];
	struct wire_msg m, out;
	uint8_t *buf;
	const char *errstr = NULL;
	ssize_t n;
	size_t i;

	buf = malloc(WIRE_MAX_MESSAGE);
	ck_assert_ptr_nonnull(buf);
	for (i = 0; i <= WIRE_MAX_DIGESTS_PER_MSG; i++) {
		fill(d[i].hash, WIRE_HASH_LEN, (uint8_t)i);
		d[i].len = (uint32_t)(i + 1);
		d[i].created_ms = T0 + (int64_t)i;
		d[i].expires_ms = T0 + 60000;
	}
	memset(&m, 0, sizeof(m));
	m.type = WIRE_VALUES;
	m.u.values.digests = d;
	m.u.values.ndigests = WIRE_MAX_DIGESTS_PER_MSG;
	m.u.values.total = 100;
	m.u.values.next_offset = WIRE_MAX_DIGESTS_PER_MSG;
	n = wire_encode(&m, buf, WIRE_MAX_MESSAGE);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(wire_decode(buf, (size_t)n, &out, &errstr) == 0, "%s",
	    errstr);
	ck_assert_uint_eq(out.u.values.ndigests, WIRE_MAX_DIGESTS_PER_MSG);
	ck_assert_mem_eq(out.u.values.digests[5].hash, d[5].hash,
	    WIRE_HASH_LEN);
	ck_assert_uint_eq(out.u.values.digests[5].len, 6);
	ck_assert_int_eq(out.u.values.digests[5].created_ms, T0 + 5);
	ck_assert_int_eq(out.u.values.digests[5].expires_ms, T0 + 60000);
	wire_msg_free(&out);
	/* One digest too many, an empty or oversized value, bad times. */
	m.u.values.ndigests = WIRE_MAX_DIGESTS_PER_MSG + 1;
	ck_assert_int_eq(wire_encode(&m, buf, WIRE_MAX_MESSAGE), -1);
	m.u.values.ndigests = 1;
	d[0].len = 0;
	ck_assert_int_eq(wire_encode(&m, buf, WIRE_MAX_MESSAGE), -1);
	d[0].len = EMO_MAX_VALUE + 1;
	ck_assert_int_eq(wire_encode(&m, buf, WIRE_MAX_MESSAGE), -1);
	d[0].len = 1;
	d[0].expires_ms = d[0].created_ms;
	ck_assert_int_eq(wire_encode(&m, buf, WIRE_MAX_MESSAGE), -1);

	memset(&m, 0, sizeof(m));
	m.type = WIRE_GET_VALUES;
	fill(m.u.get_values.key.b, ID_LEN, 0x20);
	for (i = 0; i <= WIRE_MAX_VALUES_PER_MSG; i++)
		fill(hashes[i], WIRE_HASH_LEN, (uint8_t)(0x80 + i));
	m.u.get_values.hashes = (const uint8_t (*)[WIRE_HASH_LEN])hashes;
	m.u.get_values.nhashes = WIRE_MAX_VALUES_PER_MSG;
	fill(m.u.get_values.token, 16, 0x90);
	m.u.get_values.tokenlen = 16;
	n = wire_encode(&m, buf, WIRE_MAX_MESSAGE);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(wire_decode(buf, (size_t)n, &out, &errstr) == 0, "%s",
	    errstr);
	ck_assert_int_eq(out.type, WIRE_GET_VALUES);
	ck_assert_uint_eq(out.u.get_values.nhashes, WIRE_MAX_VALUES_PER_MSG);
	ck_assert_mem_eq(out.u.get_values.hashes[63], hashes[63],
	    WIRE_HASH_LEN);
	ck_assert_uint_eq(out.u.get_values.tokenlen, 16);
	ck_assert(id_eq(&out.u.get_values.key, &m.u.get_values.key));
	wire_msg_free(&out);
	m.u.get_values.nhashes = WIRE_MAX_VALUES_PER_MSG + 1;
	ck_assert_int_eq(wire_encode(&m, buf, WIRE_MAX_MESSAGE), -1);
	m.u.get_values.nhashes = 0;
	ck_assert_int_eq(wire_encode(&m, buf, WIRE_MAX_MESSAGE), -1);
	m.u.get_values.nhashes = 1;
	m.u.get_values.tokenlen = WIRE_MAX_TOKEN + 1;
	ck_assert_int_eq(wire_encode(&m, buf, WIRE_MAX_MESSAGE), -1);
	free(buf);
}
END_TEST


static Suite *
wire_limits_suite(void)
{
	Suite	*s = suite_create("wire_limits");
	TCase	*tc = tcase_create("core");
	int	 nbad = (int)(sizeof(bad_cases) / sizeof(bad_cases[0]));

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_limits, 0, nbad);
	tcase_add_test(tc, test_header);
	tcase_add_test(tc, test_unknown_fields);
	tcase_add_test(tc, test_decode_budget);
	tcase_add_test(tc, test_digests_get_values);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(wire_limits_suite());
}

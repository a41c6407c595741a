/*
 * check_wire — the UDP codec: golden encodings of every message type, every
 * truncation and bit flip of them, what the encoder refuses, and the value
 * paging of wire_values_fit.  Every limit of proto/wire.proto, on
 * hand-built input, is in check_wire_limits.c.  EMO_WRITE_CORPUS=DIR also
 * writes the goldens there as fuzz seeds.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "wire.h"
#include "check_util.h"
#include "check_wire.h"

static const char *const golden_hex[NGOLDEN] = {
	/* ping */
	"454d02000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f2011080706050403020128015200",
	/* pong */
	"454d02000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f2011080706050403020128015a090a04c00002"
	"0110a01f",
	/* find_node */
	"454d02000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f20110807060504030201280162220a20808182"
	"838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e"
	"9f",
	/* nodes */
	"454d02000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f2011080706050403020128016a700a2b0a2040"
	"4142434445464748494a4b4c4d4e4f505152535455565758595a5b5c"
	"5d5e5f1204c633640718a8460a370a20606162636465666768696a6b"
	"6c6d6e6f707172737475767778797a7b7c7d7e7f121020010db80000"
	"0000000000000000000118a9461208746f6b3132333435",
	/* find_value */
	"454d02000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f201108070605040302012801722b0a20c0c1c2"
	"c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcddde"
	"df1080a0abfef9621802",
	/* values */
	"454d02000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f2011080706050403020128017a660a150a0568"
	"656c6c6f1080a0abfef9621880dae281fa620a160a06776f726c6421"
	"10e8a7abfef9621880949a85fa62122b0a2040414243444546474849"
	"4a4b4c4d4e4f505152535455565758595a5b5c5d5e5f1204c6336407"
	"18a8461a046162636420042807",
	/* store */
	"454d02000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f20110807060504030201280182015b0a20c0c1"
	"c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdd"
	"dedf12150a0568656c6c6f1080a0abfef9621880dae281fa621a20e0"
	"e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfc"
	"fdfeff",
	/* store_ack */
	"454d02000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f2011080706050403020128018a01020803",
	/* error */
	"454d02000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f20110807060504030201280192010d08031209"
	"62616420746f6b656e",
	/* get_values */
	"454d02000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f201108070605040302012801a2016c0a20c0c1"
	"c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdd"
	"dedf1220101112131415161718191a1b1c1d1e1f2021222324252627"
	"28292a2b2c2d2e2f1220303132333435363738393a3b3c3d3e3f4041"
	"42434445464748494a4b4c4d4e4f1a0461626364",
	/* listen */
	"454d02000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f201108070605040302012801aa01350a20a0a1"
	"a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbd"
	"bebf1080a0abfef9621a08746f6b31323334352001",
	/* listen_ack */
	"454d02000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f201108070605040302012801b2010408c0cf24",
	/* notify */
	"454d02000a200102030405060708090a0b0c0d0e0f10111213141516"
	"1718191a1b1c1d1e1f201108070605040302012801ba01510a20a0a1"
	"a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbd"
	"bebf12150a0568656c6c6f1080a0abfef9621880dae281fa6212160a"
	"06776f726c642110e8a7abfef9621880949a85fa62",
};


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
assert_known_eq(const struct wire_known *a, const struct wire_known *b)
{
	ck_assert_int_eq(a->has_closer_than, b->has_closer_than);
	if (a->has_closer_than)
		ck_assert(id_eq(&a->closer_than, &b->closer_than));
	ck_assert_uint_eq(a->knownlen, b->knownlen);
	ck_assert_mem_eq(a->known, b->known, a->knownlen);
}

static void
assert_msg_eq(const struct wire_msg *a, const struct wire_msg *b)
{
	size_t	i;

	ck_assert_int_eq(a->type, b->type);
	ck_assert(id_eq(&a->sender, &b->sender));
	ck_assert(a->txid == b->txid);
	ck_assert_uint_eq(a->cookielen, b->cookielen);
	ck_assert_mem_eq(a->cookie, b->cookie, a->cookielen);
	ck_assert_uint_eq(a->padlen, b->padlen);
	switch (a->type) {
	case WIRE_PING:
	case WIRE_RETRY:
		break;
	case WIRE_PONG:
		ck_assert(addr_eq(&a->u.pong.observed, &b->u.pong.observed));
		break;
	case WIRE_FIND_NODE:
		ck_assert(id_eq(&a->u.find_node.target, &b->u.find_node.target));
		assert_known_eq(&a->u.find_node.kn, &b->u.find_node.kn);
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
		assert_known_eq(&a->u.find_value.kn, &b->u.find_value.kn);
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
		ck_assert_uint_eq(a->u.values.ndigests, b->u.values.ndigests);
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
		ck_assert_int_eq(a->u.store.find_nodes, b->u.store.find_nodes);
		assert_known_eq(&a->u.store.kn, &b->u.store.kn);
		break;
	case WIRE_STORE_ACK:
		ck_assert_uint_eq(a->u.store_ack.stored, b->u.store_ack.stored);
		ck_assert_uint_eq(a->u.store_ack.nnodes, b->u.store_ack.nnodes);
		assert_nodes_eq(a->u.store_ack.nodes, b->u.store_ack.nodes,
		    a->u.store_ack.nnodes);
		break;
	case WIRE_GET_VALUES:
		ck_assert(id_eq(&a->u.get_values.key, &b->u.get_values.key));
		ck_assert_uint_eq(a->u.get_values.nhashes,
		    b->u.get_values.nhashes);
		for (i = 0; i < a->u.get_values.nhashes; i++)
			ck_assert_mem_eq(a->u.get_values.hashes[i],
			    b->u.get_values.hashes[i], WIRE_HASH_LEN);
		ck_assert_uint_eq(a->u.get_values.tokenlen,
		    b->u.get_values.tokenlen);
		ck_assert_mem_eq(a->u.get_values.token,
		    b->u.get_values.token, a->u.get_values.tokenlen);
		break;
	case WIRE_ERROR:
		ck_assert_uint_eq(a->u.error.code, b->u.error.code);
		ck_assert_str_eq(a->u.error.message, b->u.error.message);
		break;
	case WIRE_LISTEN:
		ck_assert(id_eq(&a->u.listen.key, &b->u.listen.key));
		ck_assert_int_eq(a->u.listen.since_ms, b->u.listen.since_ms);
		ck_assert_int_eq(a->u.listen.cancel, b->u.listen.cancel);
		ck_assert_uint_eq(a->u.listen.tokenlen, b->u.listen.tokenlen);
		ck_assert_mem_eq(a->u.listen.token, b->u.listen.token,
		    a->u.listen.tokenlen);
		break;
	case WIRE_LISTEN_ACK:
		ck_assert_uint_eq(a->u.listen_ack.lifetime_ms,
		    b->u.listen_ack.lifetime_ms);
		break;
	case WIRE_NOTIFY:
		ck_assert(id_eq(&a->u.notify.key, &b->u.notify.key));
		ck_assert_uint_eq(a->u.notify.nvalues, b->u.notify.nvalues);
		for (i = 0; i < a->u.notify.nvalues; i++)
			assert_value_eq(&a->u.notify.values[i],
			    &b->u.notify.values[i]);
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

/*
 * Store.find_nodes (4), closer_than (5) and known (6), and
 * StoreAck.nodes (2), added later (a put's last step): absent, the
 * messages are the golden ones byte for byte; present, they survive a
 * round trip.
 */
START_TEST(test_store_find_nodes)
{
	struct golden	 g, gn;
	struct wire_msg	 m;
	uint8_t		 plain[512], buf[512];
	const char	*errstr;
	ssize_t		 n0, n;

	golden_build(WIRE_STORE - 1, &g);
	n0 = wire_encode(&g.m, plain, sizeof(plain));
	ck_assert_int_eq((size_t)n0, golden_bytes(WIRE_STORE - 1, buf,
	    sizeof(buf)));
	g.m.u.store.find_nodes = 1;
	n = wire_encode(&g.m, buf, sizeof(buf));
	ck_assert_int_eq(n, n0 + 2);
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), 0);
	assert_msg_eq(&g.m, &m);
	wire_msg_free(&m);
	/* closer_than (5): 2 + 32 bytes more, back as it went. */
	g.m.u.store.kn.has_closer_than = 1;
	memset(g.m.u.store.kn.closer_than.b, 0xc5, ID_LEN);
	n = wire_encode(&g.m, buf, sizeof(buf));
	ck_assert_int_eq(n, n0 + 2 + 2 + ID_LEN);
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), 0);
	ck_assert_int_eq(m.u.store.kn.has_closer_than, 1);
	assert_msg_eq(&g.m, &m);
	wire_msg_free(&m);
	/*
	 * known (6): two 4-byte prefixes, 2 + 8 bytes more (and one for the
	 * Store's length, past 127 now); 6 bytes are refused.
	 */
	memset(g.m.u.store.kn.known, 0x6b, 8);
	g.m.u.store.kn.knownlen = 8;
	n = wire_encode(&g.m, buf, sizeof(buf));
	ck_assert_int_eq(n, n0 + 2 + 2 + ID_LEN + 2 + 8 + 1);
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), 0);
	assert_msg_eq(&g.m, &m);
	wire_msg_free(&m);
	g.m.u.store.kn.knownlen = 6;
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);

	/* FindNode's (2, 3) and FindValue's (5, 6), the same way. */
	golden_build(WIRE_FIND_NODE - 1, &g);
	n0 = wire_encode(&g.m, plain, sizeof(plain));
	ck_assert_int_eq((size_t)n0, golden_bytes(WIRE_FIND_NODE - 1, buf,
	    sizeof(buf)));
	g.m.u.find_node.kn.has_closer_than = 1;
	memset(g.m.u.find_node.kn.closer_than.b, 0xc2, ID_LEN);
	memset(g.m.u.find_node.kn.known, 0x6c, 12);
	g.m.u.find_node.kn.knownlen = 12;
	n = wire_encode(&g.m, buf, sizeof(buf));
	ck_assert_int_gt(n, n0 + 2 + ID_LEN + 2 + 12 - 1);
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), 0);
	assert_msg_eq(&g.m, &m);
	wire_msg_free(&m);
	golden_build(WIRE_FIND_VALUE - 1, &g);
	g.m.u.find_value.kn.has_closer_than = 1;
	memset(g.m.u.find_value.kn.closer_than.b, 0xc3, ID_LEN);
	memset(g.m.u.find_value.kn.known, 0x6d, WIRE_MAX_KNOWN);
	g.m.u.find_value.kn.knownlen = WIRE_MAX_KNOWN;
	n = wire_encode(&g.m, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), 0);
	assert_msg_eq(&g.m, &m);
	wire_msg_free(&m);
	g.m.u.find_value.kn.knownlen = WIRE_MAX_KNOWN + 4;
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);

	golden_build(WIRE_STORE_ACK - 1, &g);
	golden_build(WIRE_NODES - 1, &gn);
	n0 = wire_encode(&g.m, plain, sizeof(plain));
	ck_assert_int_eq((size_t)n0, golden_bytes(WIRE_STORE_ACK - 1, buf,
	    sizeof(buf)));
	ck_assert_uint_gt(gn.m.u.nodes.nnodes, 0);
	g.m.u.store_ack.nodes = gn.m.u.nodes.nodes;
	g.m.u.store_ack.nnodes = gn.m.u.nodes.nnodes;
	n = wire_encode(&g.m, buf, sizeof(buf));
	ck_assert_int_gt(n, n0);
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), 0);
	assert_msg_eq(&g.m, &m);
	wire_msg_free(&m);
}
END_TEST

/*
 * Packet.cookie (3), Packet.pad (4) and Packet.features (5), added later:
 * absent, a message is the golden one byte for byte; present, cookie and
 * pad cost 2 + len bytes each and sit between txid and features, which
 * every message carries (WIRE_FEATURES, 2 bytes) before the body; a Retry
 * (body 19) is 62 bytes with an 8-byte cookie.  Too long a cookie or pad
 * is refused both ways.
 */
START_TEST(test_cookie_pad_retry)
{
	static const uint8_t retry_tail[] = {
		0x1a, 0x08, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8,
		0x28, WIRE_FEATURES, 0x9a, 0x01, 0x00
	};
	struct golden	 g;
	struct wire_msg	 m;
	uint8_t		 plain[256], buf[WIRE_MAX_DATAGRAM + 64];
	const char	*errstr;
	ssize_t		 n0, n;
	size_t		 i;

	golden_build(WIRE_PING - 1, &g);
	n0 = wire_encode(&g.m, plain, sizeof(plain));
	ck_assert_int_eq(n0, 51);
	ck_assert_uint_eq(plain[4 + 34 + 9], 0x28);
	ck_assert_uint_eq(plain[4 + 34 + 9 + 1], WIRE_FEATURES);
	memset(g.m.cookie, 0xab, 8);
	g.m.cookielen = 8;
	g.m.padlen = 30;
	n = wire_encode(&g.m, buf, sizeof(buf));
	ck_assert_int_eq(n, n0 + 2 + 8 + 2 + 30);
	/* After sender (34) and txid (9): cookie, then pad, then the body. */
	ck_assert_uint_eq(buf[4 + 34 + 9], 0x1a);
	ck_assert_uint_eq(buf[4 + 34 + 9 + 10], 0x22);
	ck_assert_uint_eq(buf[4 + 34 + 9 + 10 + 1], 30);
	ck_assert_uint_eq(buf[4 + 34 + 9 + 10 + 2 + 30], 0x28);
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), 0);
	ck_assert_int_eq(m.type, WIRE_PING);
	ck_assert_uint_eq(m.cookielen, 8);
	ck_assert_uint_eq(m.cookie[7], 0xab);
	ck_assert_uint_eq(m.padlen, 30);
	ck_assert_uint_eq(m.features, WIRE_FEATURES);
	wire_msg_free(&m);
	ck_assert_int_eq(wire_decode(plain, (size_t)n0, &m, &errstr), 0);
	ck_assert_uint_eq(m.cookielen, 0);
	ck_assert_uint_eq(m.padlen, 0);
	wire_msg_free(&m);

	/* A Retry. */
	memset(&m, 0, sizeof(m));
	m.type = WIRE_RETRY;
	memcpy(&m.sender, &g.m.sender, sizeof(m.sender));
	m.txid = g.m.txid;
	for (i = 0; i < 8; i++)
		m.cookie[i] = (uint8_t)(0xc1 + i);
	m.cookielen = 8;
	n = wire_encode(&m, buf, sizeof(buf));
	ck_assert_int_eq(n, 62);
	ck_assert_mem_eq(buf, plain, 4 + 34 + 9);
	ck_assert_mem_eq(buf + 47, retry_tail, sizeof(retry_tail));
	ck_assert_int_eq(wire_decode(buf, (size_t)n, &m, &errstr), 0);
	ck_assert_int_eq(m.type, WIRE_RETRY);
	ck_assert_uint_eq(m.cookielen, 8);
	wire_msg_free(&m);
	ck_assert_str_eq(wire_type_name(WIRE_RETRY), "retry");

	/* Limits: on encode, and a 17-byte cookie on decode. */
	g.m.cookielen = WIRE_MAX_COOKIE + 1;
	g.m.padlen = 0;
	ck_assert_int_eq(wire_check(&g.m, &errstr), -1);
	g.m.cookielen = 0;
	g.m.padlen = WIRE_MAX_PAD + 1;
	ck_assert_int_eq(wire_check(&g.m, &errstr), -1);
	g.m.padlen = WIRE_MAX_PAD;
	ck_assert_int_eq(wire_check(&g.m, &errstr), 0);
	memcpy(buf, plain, 47);
	buf[47] = 0x1a;
	buf[48] = WIRE_MAX_COOKIE + 1;
	memset(buf + 49, 0x11, WIRE_MAX_COOKIE + 1);
	buf[49 + WIRE_MAX_COOKIE + 1] = 0x52;
	buf[50 + WIRE_MAX_COOKIE + 1] = 0x00;
	ck_assert_int_eq(wire_decode(buf, 51 + WIRE_MAX_COOKIE + 1, &m,
	    &errstr), -1);
	/* 16 bytes are fine. */
	buf[48] = WIRE_MAX_COOKIE;
	buf[49 + WIRE_MAX_COOKIE] = 0x52;
	buf[50 + WIRE_MAX_COOKIE] = 0x00;
	ck_assert_int_eq(wire_decode(buf, 51 + WIRE_MAX_COOKIE, &m, &errstr),
	    0);
	ck_assert_uint_eq(m.cookielen, WIRE_MAX_COOKIE);
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
		memset(&v[i], 0, sizeof(v[i]));
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
/* Listen and Notify break their rules: refused on encode and decode. */
START_TEST(test_listen_notify_rules)
{
	struct golden	 g;
	struct wire_msg	 m;
	uint8_t		 buf[2048];
	const char	*errstr;
	size_t		 wn;

	golden_build(WIRE_NOTIFY - 1, &g);
	g.m.u.notify.nvalues = 0;
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);
	ck_assert_int_eq(wire_check(&g.m, &errstr), -1);
	ck_assert_str_eq(errstr, "notify without values");
	golden_build(WIRE_LISTEN - 1, &g);
	g.m.u.listen.since_ms = -1;
	ck_assert_int_eq(wire_encode(&g.m, buf, sizeof(buf)), -1);
	golden_build(WIRE_LISTEN - 1, &g);
	g.m.u.listen.tokenlen = WIRE_MAX_TOKEN + 1;
	ck_assert_int_eq(wire_check(&g.m, &errstr), -1);
	/* A Notify whose values break a rule does not decode. */
	golden_build(WIRE_NOTIFY - 1, &g);
	wn = golden_bytes(WIRE_NOTIFY - 1, buf, sizeof(buf));
	ck_assert_int_eq(wire_decode(buf, wn, &m, &errstr), 0);
	wire_msg_free(&m);
	g.values[1].expires_ms = g.values[1].created_ms;
	ck_assert_int_eq(wire_check(&g.m, &errstr), -1);
	ck_assert_str_eq(errstr, "value expiry out of range");
}
END_TEST

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

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_golden_encode, 0, NGOLDEN);
	tcase_add_loop_test(tc, test_golden_decode, 0, NGOLDEN);
	tcase_add_loop_test(tc, test_golden_truncations, 0, NGOLDEN);
	tcase_add_loop_test(tc, test_golden_bitflips, 0, NGOLDEN);
	tcase_add_test(tc, test_encode_refuses);
	tcase_add_test(tc, test_v4mapped_canonical);
	tcase_add_test(tc, test_find_value_token);
	tcase_add_test(tc, test_store_find_nodes);
	tcase_add_test(tc, test_cookie_pad_retry);
	tcase_add_test(tc, test_values_fit);
	tcase_add_test(tc, test_values_max_decode);
	tcase_add_test(tc, test_listen_notify_rules);
	tcase_add_test(tc, test_write_corpus);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(wire_suite());
}

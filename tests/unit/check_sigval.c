/*
 * check_sigval — signed and immutable values.  The signed bytes and the
 * signature against an independent computation (python3-nacl, i.e.
 * libsodium through PyNaCl, over bytes built by Python's struct.pack:
 * seed 00 01 .. 1f, name "profile", seq 7, created 1700000000000 ms, TTL
 * 3600 s, value "hello, emo"; the generator is in the comment below), the
 * checks a storing node makes, the value hash, the attribute record; then
 * the storing rules at one engine, driven by hand-made STOREs
 * (check_engine.h): a newer seq replaces the older, an older or an
 * equal-but-different one is refused, a forged signature, a public key
 * off the curve, a value not hashing to its immutable key and an unsigned
 * value under a signed key are refused and counted, a truncated signature
 * never gets past the wire decoder.
 *
 *   import nacl.signing, struct
 *   sk = nacl.signing.SigningKey(bytes(range(32)))
 *   msg = (b"emo signed value v1" + bytes([7]) + b"profile" +
 *          struct.pack(">QqII", 7, 1700000000000, 3600, 10) + b"hello, emo")
 *   sk.sign(msg).signature, bytes(sk.verify_key)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "env.h"
#include "keccak.h"
#include "keys.h"
#include "sigval.h"
#include "simnet.h"
#include "store.h"
#include "wire.h"
#include "wire.pb-c.h"
#include "check_util.h"
#include "check_engine.h"

#define V_SEQ		7
#define V_CREATED	INT64_C(1700000000000)
#define V_TTL		3600
#define V_NAME		"profile"
#define V_VALUE		"hello, emo"

static const uint8_t v_input[61] = {
	    0x65, 0x6d, 0x6f, 0x20, 0x73, 0x69, 0x67, 0x6e, 0x65, 0x64, 0x20, 0x76,
	    0x61, 0x6c, 0x75, 0x65, 0x20, 0x76, 0x31, 0x07, 0x70, 0x72, 0x6f, 0x66,
	    0x69, 0x6c, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00,
	    0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, 0x00, 0x00, 0x0e, 0x10, 0x00,
	    0x00, 0x00, 0x0a, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x65, 0x6d,
	    0x6f,
};
static const uint8_t v_sig[64] = {
	    0x67, 0x21, 0x5b, 0x0b, 0x56, 0x39, 0xe6, 0xa0, 0xdb, 0xbf, 0x99, 0xcd,
	    0x1e, 0x2d, 0x2b, 0x7c, 0x35, 0x55, 0x53, 0xaa, 0x71, 0xc2, 0x6f, 0x12,
	    0x78, 0x48, 0x5e, 0x2f, 0x9c, 0xf5, 0xf4, 0x6d, 0x20, 0xc6, 0xdd, 0x91,
	    0x72, 0xb6, 0x54, 0x29, 0x7b, 0xae, 0xd4, 0x56, 0x20, 0xd8, 0x76, 0x22,
	    0x32, 0x08, 0xba, 0x1b, 0x3e, 0x78, 0xc9, 0x71, 0xa7, 0xd5, 0x73, 0xa9,
	    0xa3, 0xff, 0x01, 0x05,
};
static const uint8_t v_pub[32] = {
	    0x03, 0xa1, 0x07, 0xbf, 0xf3, 0xce, 0x10, 0xbe, 0x1d, 0x70, 0xdd, 0x18,
	    0xe7, 0x4b, 0xc0, 0x99, 0x67, 0xe4, 0xd6, 0x30, 0x9b, 0xa5, 0x0d, 0x5f,
	    0x1d, 0xdc, 0x86, 0x64, 0x12, 0x55, 0x31, 0xb8,
};

static void
v_pair(struct keys_pair *kp)
{
	uint8_t seed[32];
	size_t i;

	for (i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)i;
	keys_from_seed(kp, seed);
}

static void
v_signed(struct value_attr *a, uint64_t seq, int64_t created,
    const char *value)
{
	struct keys_pair kp;

	v_pair(&kp);
	ck_assert_int_eq(sigval_sign(a, &kp, (const uint8_t *)V_NAME,
	    strlen(V_NAME), seq, created, V_TTL, value, strlen(value)), 0);
}

START_TEST(test_input_vector)
{
	uint8_t buf[SIGVAL_INPUT_LEN(7, 10)];
	size_t i, n;

	ck_assert_uint_eq(sizeof(buf), sizeof(v_input));
	n = sigval_input(buf, (const uint8_t *)V_NAME, 7, V_SEQ, V_CREATED,
	    V_TTL, V_VALUE, 10);
	ck_assert_uint_eq(n, sizeof(v_input));
	for (i = 0; i < n; i++)
		ck_assert_msg(buf[i] == v_input[i], "byte %zu: %02x, not %02x",
		    i, buf[i], v_input[i]);
}
END_TEST

START_TEST(test_sign_vector)
{
	struct value_attr a;
	uint8_t key[32], cat[39], k2[32];

	v_signed(&a, V_SEQ, V_CREATED, V_VALUE);
	ck_assert_mem_eq(a.pub, v_pub, 32);
	ck_assert_mem_eq(a.sig, v_sig, 64);
	ck_assert_int_eq(a.kind, VALUE_SIGNED);
	ck_assert_uint_eq(a.seq, V_SEQ);
	/* The key: Keccak-256(pub ‖ name), hashed in one piece here. */
	sigval_key(v_pub, (const uint8_t *)V_NAME, 7, key);
	memcpy(cat, v_pub, 32);
	memcpy(cat + 32, V_NAME, 7);
	keccak256(cat, sizeof(cat), k2);
	ck_assert_mem_eq(key, k2, 32);
	/* A signature from libsodium on the vector's bytes verifies. */
	ck_assert_int_eq(keys_verify(v_pub, v_input, sizeof(v_input), v_sig),
	    0);
}
END_TEST

START_TEST(test_check)
{
	struct value_attr a, b;
	uint8_t key[32], other[32];
	int64_t exp = V_CREATED + V_TTL * 1000;

	v_signed(&a, V_SEQ, V_CREATED, V_VALUE);
	sigval_key(a.pub, a.name, a.namelen, key);
	ck_assert_int_eq(sigval_check(key, &a, V_VALUE, 10, V_CREATED, exp),
	    SIGVAL_OK);
	/* Another value, another expiry, another seq: the signature fails. */
	ck_assert_int_eq(sigval_check(key, &a, "hello, emO", 10, V_CREATED,
	    exp), SIGVAL_BAD_SIG);
	ck_assert_int_eq(sigval_check(key, &a, V_VALUE, 10, V_CREATED,
	    exp + 1000), SIGVAL_BAD_SIG);
	b = a;
	b.seq++;
	ck_assert_int_eq(sigval_check(key, &b, V_VALUE, 10, V_CREATED, exp),
	    SIGVAL_BAD_SIG);
	b = a;
	b.sig[10] ^= 1;
	ck_assert_int_eq(sigval_check(key, &b, V_VALUE, 10, V_CREATED, exp),
	    SIGVAL_BAD_SIG);
	/* Expiry not creation + whole seconds. */
	ck_assert_int_eq(sigval_check(key, &a, V_VALUE, 10, V_CREATED,
	    exp + 1), SIGVAL_BAD_TTL);
	/* Under another key. */
	memset(other, 7, sizeof(other));
	ck_assert_int_eq(sigval_check(other, &a, V_VALUE, 10, V_CREATED, exp),
	    SIGVAL_BAD_KEY);
	/* A public key that is no valid point (all zeros: small order). */
	b = a;
	memset(b.pub, 0, sizeof(b.pub));
	ck_assert_int_eq(sigval_check(key, &b, V_VALUE, 10, V_CREATED, exp),
	    SIGVAL_BAD_POINT);
	b = a;
	b.namelen = 0;
	ck_assert_int_eq(sigval_check(key, &b, V_VALUE, 10, V_CREATED, exp),
	    SIGVAL_BAD_ATTR);
	/* Immutable: the key is Keccak-256 of the bytes. */
	memset(&b, 0, sizeof(b));
	b.kind = VALUE_IMMUTABLE;
	keccak256(V_VALUE, 10, key);
	ck_assert_int_eq(sigval_check(key, &b, V_VALUE, 10, 1, 2), SIGVAL_OK);
	ck_assert_int_eq(sigval_check(other, &b, V_VALUE, 10, 1, 2),
	    SIGVAL_BAD_IMMUTABLE);
	/* Plain: anything. */
	b.kind = VALUE_PLAIN;
	ck_assert_int_eq(sigval_check(other, &b, V_VALUE, 10, 1, 2), SIGVAL_OK);
}
END_TEST

START_TEST(test_hash_and_record)
{
	struct value_attr a, b, c;
	uint8_t ha[32], hb[32], hp[32], rec[SIGVAL_ATTR_MAX];
	const char *why;
	size_t n;

	v_signed(&a, 1, V_CREATED, V_VALUE);
	v_signed(&b, 2, V_CREATED, V_VALUE);
	sigval_hash(&a, V_VALUE, 10, ha);
	sigval_hash(&b, V_VALUE, 10, hb);
	sigval_hash(NULL, V_VALUE, 10, hp);
	/* Same bytes, another seq: never the same value. */
	ck_assert_mem_ne(ha, hb, 32);
	ck_assert_mem_ne(ha, hp, 32);
	/* Plain: BLAKE2b-256 of the bytes (RFC 7693's "abc", 32 bytes). */
	sigval_hash(NULL, "abc", 3, hp);
	ck_assert_mem_eq(hp, "\xbd\xdd\x81\x3c\x63\x42\x39\x72\x31\x71\xef"
	    "\x3f\xee\x98\x57\x9b\x94\x96\x4e\x3b\xb1\xcb\x3e\x42\x72\x62"
	    "\xc8\xc0\x68\xd5\x23\x19", 32);
	/* Not the Keccak-256 of version 1 of the wire. */
	keccak256("abc", 3, hb);
	ck_assert_mem_ne(hp, hb, 32);
	/* Signed: of bytes ‖ signature. */
	memcpy(rec, V_VALUE, 10);
	memcpy(rec + 10, a.sig, 64);
	sigval_hash(NULL, rec, 10 + 64, hb);
	ck_assert_mem_eq(ha, hb, 32);

	n = sigval_attr_encode(&a, rec);
	ck_assert_uint_eq(n, 1 + 32 + 8 + 64 + 1 + 7);
	ck_assert_int_eq(sigval_attr_decode(rec, n, &c, &why), 0);
	ck_assert_int_eq(sigval_attr_equal(&a, &c), 1);
	ck_assert_int_eq(sigval_attr_decode(rec, n - 1, &c, &why), -1);
	ck_assert_int_eq(sigval_attr_decode(rec, 1 + 32 + 8 + 64 + 1, &c,
	    &why), -1);
	memset(&c, 0, sizeof(c));
	c.kind = VALUE_IMMUTABLE;
	ck_assert_uint_eq(sigval_attr_encode(&c, rec), 1);
	ck_assert_int_eq(sigval_attr_decode(rec, 1, &b, &why), 0);
	ck_assert_int_eq(b.kind, VALUE_IMMUTABLE);
	c.kind = VALUE_PLAIN;
	ck_assert_uint_eq(sigval_attr_encode(&c, rec), 0);
	rec[0] = 9;
	ck_assert_int_eq(sigval_attr_decode(rec, 1, &b, &why), -1);
}
END_TEST

/* Both backends keep the attributes; LevelDB across a reopen. */
START_TEST(test_store_keeps)
{
	struct store_opts o;
	struct store *st;
	struct store_result res;
	struct value_attr a;
	char dir[] = "/tmp/check_sigval.XXXXXX", err[256];
	uint8_t key[32];
	int pass;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	v_signed(&a, 9, V_CREATED, V_VALUE);
	sigval_key(a.pub, a.name, a.namelen, key);
	for (pass = 0; pass < 3; pass++) {
		memset(&o, 0, sizeof(o));
		o.kind = pass == 0 ? STORE_MEMORY : STORE_LEVELDB;
		o.dir = dir;
		o.max_values_per_key = 16;
		ck_assert_ptr_nonnull(st = store_open(&o, err, sizeof(err)));
		if (pass < 2)
			ck_assert_int_eq(store_put_value(st, key, V_VALUE, 10, &a,
			    V_CREATED, V_CREATED + V_TTL * 1000, 0, V_CREATED,
			    NULL), STORE_PUT_NEW);
		memset(&res, 0, sizeof(res));
		ck_assert_int_eq(store_get(st, key, 0, V_CREATED, &res, NULL),
		    0);
		ck_assert_uint_eq(res.n, 1);
		ck_assert_int_eq(sigval_attr_equal(&res.v[0].attr, &a), 1);
		store_result_free(&res);
		store_close(st);
	}
	snprintf(err, sizeof(err), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(err), 0);
}
END_TEST

/* ---- the storing rules at an engine ------------------------------------ */

struct s_ctx {
	struct simnet	*sn;
	struct addr	 from;
	struct id	 key;
	uint8_t		 tok[WIRE_MAX_TOKEN];
	size_t		 toklen;
};

static void
s_open(struct s_ctx *c, const struct id *key)
{
	c->sn = t_net(2, 31, NULL);
	simnet_outside_addr(&c->from, 120);
	c->key = *key;
	c->toklen = t_token(c->sn, &c->from, 1, key, c->tok);
	ck_assert_uint_gt(c->toklen, 0);
}

/* A STORE of one value to node 1; how many it says it stored. */
static uint32_t
s_store(struct s_ctx *c, const struct wire_value *v)
{
	struct wire_msg m, ans;
	uint32_t n;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE;
	memset(m.sender.b, 0x5b, ID_LEN);
	m.txid = 91;
	m.u.store.key = c->key;
	m.u.store.values = v;
	m.u.store.nvalues = 1;
	memcpy(m.u.store.token, c->tok, c->toklen);
	m.u.store.tokenlen = c->toklen;
	ck_assert_uint_eq(t_raw(c->sn, &c->from, 1, &m), 1);
	t_captured_msg(c->sn, 0, &ans);
	ck_assert_int_eq(ans.type, WIRE_STORE_ACK);
	n = ans.u.store_ack.stored;
	wire_msg_free(&ans);
	return n;
}

static void
s_value(struct s_ctx *c, struct wire_value *v, uint64_t seq,
    const char *value)
{
	int64_t now = simnet_wall(c->sn);

	memset(v, 0, sizeof(*v));
	v->data = (const uint8_t *)value;
	v->len = (uint32_t)strlen(value);
	v->created_ms = now;
	v->expires_ms = now + V_TTL * 1000;
	v_signed(&v->attr, seq, now, value);
}

START_TEST(test_rules_signed)
{
	struct s_ctx c;
	struct wire_value v, w;
	struct store_value held;
	struct keys_pair kp;
	struct id key;

	v_pair(&kp);
	sigval_key(kp.pub, (const uint8_t *)V_NAME, 7, key.b);
	s_open(&c, &key);
	s_value(&c, &v, 5, "five");
	ck_assert_uint_eq(s_store(&c, &v), 1);
	/* The same value again: a republish, taken. */
	ck_assert_uint_eq(s_store(&c, &v), 1);
	/* A newer seq replaces it. */
	s_value(&c, &v, 6, "six");
	ck_assert_uint_eq(s_store(&c, &v), 1);
	ck_assert_int_eq(t_held(c.sn, 1, &key, &held), 1);
	ck_assert_uint_eq(held.attr.seq, 6);
	ck_assert_uint_eq(held.len, 3);
	/* An older one is refused. */
	s_value(&c, &v, 4, "four");
	ck_assert_uint_eq(s_store(&c, &v), 0);
	ck_assert_uint_eq(t_stats(c.sn, 1).value_refused[ENV_VREF_SEQ_OLD], 1);
	/* The same seq, other bytes: refused. */
	s_value(&c, &v, 6, "six again");
	ck_assert_uint_eq(s_store(&c, &v), 0);
	ck_assert_uint_eq(t_stats(c.sn, 1).value_refused[ENV_VREF_SEQ_SAME],
	    1);
	/* A forged signature, even of a higher seq. */
	s_value(&c, &v, 8, "eight");
	v.attr.sig[0] ^= 0x40;
	ck_assert_uint_eq(s_store(&c, &v), 0);
	ck_assert_uint_eq(t_stats(c.sn, 1).value_refused[ENV_VREF_SIG_BAD], 1);
	/* A public key off the curve. */
	s_value(&c, &v, 8, "eight");
	memset(v.attr.pub, 0, sizeof(v.attr.pub));
	ck_assert_uint_eq(s_store(&c, &v), 0);
	ck_assert_uint_eq(t_stats(c.sn, 1).value_refused[ENV_VREF_POINT_BAD],
	    1);
	/* Unsigned junk under the signed key. */
	memset(&w, 0, sizeof(w));
	w.data = (const uint8_t *)"junk";
	w.len = 4;
	w.created_ms = simnet_wall(c.sn);
	w.expires_ms = w.created_ms + 60000;
	ck_assert_uint_eq(s_store(&c, &w), 0);
	ck_assert_uint_eq(t_stats(c.sn, 1).value_refused[ENV_VREF_UNSIGNED],
	    1);
	/* Still exactly seq 6. */
	ck_assert_int_eq(t_held(c.sn, 1, &key, &held), 1);
	ck_assert_uint_eq(held.attr.seq, 6);
	simnet_free(c.sn);
}
END_TEST

/* A valid signed value evicts the unsigned junk under its own key. */
START_TEST(test_rules_evict_junk)
{
	struct s_ctx c;
	struct wire_value v, w;
	struct store_value held;
	struct keys_pair kp;
	struct id key;

	v_pair(&kp);
	sigval_key(kp.pub, (const uint8_t *)V_NAME, 7, key.b);
	s_open(&c, &key);
	memset(&w, 0, sizeof(w));
	w.data = (const uint8_t *)"junk";
	w.len = 4;
	w.created_ms = simnet_wall(c.sn);
	w.expires_ms = w.created_ms + 60000;
	ck_assert_uint_eq(s_store(&c, &w), 1);
	s_value(&c, &v, 1, "mine");
	ck_assert_uint_eq(s_store(&c, &v), 1);
	ck_assert_int_eq(t_held(c.sn, 1, &key, &held), 1);
	ck_assert_int_eq(held.attr.kind, VALUE_SIGNED);
	simnet_free(c.sn);
}
END_TEST

START_TEST(test_rules_immutable)
{
	struct s_ctx c;
	struct wire_value v;
	struct id key;

	keccak256("stone", 5, key.b);
	s_open(&c, &key);
	memset(&v, 0, sizeof(v));
	v.data = (const uint8_t *)"graffiti";
	v.len = 8;
	v.created_ms = simnet_wall(c.sn);
	v.expires_ms = v.created_ms + 60000;
	v.attr.kind = VALUE_IMMUTABLE;
	/* Flagged immutable but not hashing to the key. */
	ck_assert_uint_eq(s_store(&c, &v), 0);
	ck_assert_uint_eq(
	    t_stats(c.sn, 1).value_refused[ENV_VREF_IMMUTABLE_BAD], 1);
	v.data = (const uint8_t *)"stone";
	v.len = 5;
	ck_assert_uint_eq(s_store(&c, &v), 1);
	/* Unflagged, under the immutable value's key. */
	v.attr.kind = VALUE_PLAIN;
	v.data = (const uint8_t *)"graffiti";
	v.len = 8;
	ck_assert_uint_eq(s_store(&c, &v), 0);
	ck_assert_uint_eq(
	    t_stats(c.sn, 1).value_refused[ENV_VREF_IMMUTABLE_BAD], 2);
	ck_assert_int_eq(t_held(c.sn, 1, &key, NULL), 1);
	simnet_free(c.sn);
}
END_TEST

/*
 * A signature cut short (63 bytes), a public key of 31, a name of 65 and
 * a value both signed and immutable never get past the decoder: the
 * STORE is built with protobuf-c itself, as a peer would.
 */
static int
s_decode_bad(size_t publen, size_t siglen, size_t namelen, int immutable,
    const char **errstr)
{
	Emo__Wire__Packet p = EMO__WIRE__PACKET__INIT;
	Emo__Wire__Store st = EMO__WIRE__STORE__INIT;
	Emo__Wire__WireValue wv = EMO__WIRE__WIRE_VALUE__INIT, *wvp = &wv;
	static uint8_t buf[WIRE_MAX_MESSAGE], zero[128], id[ID_LEN];
	struct wire_msg out;
	size_t n;
	int rc;

	memset(zero, 0x11, sizeof(zero));
	p.sender.data = id;
	p.sender.len = ID_LEN;
	p.txid = 5;
	p.body_case = EMO__WIRE__PACKET__BODY_STORE;
	p.store = &st;
	st.key.data = id;
	st.key.len = ID_LEN;
	st.token.data = zero;
	st.token.len = 8;
	st.n_values = 1;
	st.values = &wvp;
	wv.data.data = (uint8_t *)V_VALUE;
	wv.data.len = 10;
	wv.created_ms = V_CREATED;
	wv.expires_ms = V_CREATED + 1000;
	wv.public_key.data = zero;
	wv.public_key.len = publen;
	wv.signature.data = zero;
	wv.signature.len = siglen;
	wv.name.data = zero;
	wv.name.len = namelen;
	wv.seq = publen > 0 ? 3 : 0;
	wv.immutable = immutable;
	buf[0] = WIRE_MAGIC0;
	buf[1] = WIRE_MAGIC1;
	buf[2] = WIRE_VERSION;
	buf[3] = WIRE_KIND_WHOLE;
	n = emo__wire__packet__pack(&p, buf + WIRE_HDR_LEN);
	*errstr = NULL;
	rc = wire_decode(buf, n + WIRE_HDR_LEN, &out, errstr);
	if (rc == 0)
		wire_msg_free(&out);
	return rc;
}

START_TEST(test_decoder_limits)
{
	const char *errstr;

	ck_assert_int_eq(s_decode_bad(32, 64, 7, 0, &errstr), 0);
	ck_assert_int_eq(s_decode_bad(32, 63, 7, 0, &errstr), -1);
	ck_assert_str_eq(errstr, "signed value signature not 64 bytes");
	ck_assert_int_eq(s_decode_bad(31, 64, 7, 0, &errstr), -1);
	ck_assert_str_eq(errstr, "signed value public key not 32 bytes");
	ck_assert_int_eq(s_decode_bad(32, 64, 65, 0, &errstr), -1);
	ck_assert_str_eq(errstr, "signed value name not 1..64 bytes");
	ck_assert_int_eq(s_decode_bad(32, 64, 0, 0, &errstr), -1);
	ck_assert_int_eq(s_decode_bad(32, 64, 7, 1, &errstr), -1);
	ck_assert_str_eq(errstr, "a value both immutable and signed");
	ck_assert_int_eq(s_decode_bad(0, 0, 0, 1, &errstr), 0);
}
END_TEST

static Suite *
sigval_suite(void)
{
	Suite *s = suite_create("sigval");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_input_vector);
	tcase_add_test(tc, test_sign_vector);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_hash_and_record);
	tcase_add_test(tc, test_store_keeps);
	tcase_add_test(tc, test_rules_signed);
	tcase_add_test(tc, test_rules_evict_junk);
	tcase_add_test(tc, test_rules_immutable);
	tcase_add_test(tc, test_decoder_limits);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(sigval_suite());
}

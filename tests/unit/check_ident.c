/*
 * check_ident — node identities (ident.h, admit.h): the exact signed
 * bytes against a signature made by an independent path, IDs that meet
 * their difficulty, and on simnet the engine's admission: honest nodes
 * prove their IDs and join; a hand-made peer whose Pong claims an ID that
 * is not its key's, forges the signature, replays a Pong of another
 * nonce, sends a key that is no curve point, has an ID under the
 * difficulty or no proof at all enters no table, and each is counted.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_engine.h"
#include "check_util.h"
#include "wire.pb-c.h"

static void
unhex(uint8_t *out, size_t len, const char *hex)
{
	size_t i;
	unsigned v;

	ck_assert_uint_eq(strlen(hex), 2 * len);
	for (i = 0; i < len; i++) {
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/*
 * RFC 8032's TEST 1 key (section 7.1) signing "emo node id v1" ‖ asker
 * 01..20 ‖ nonce a0..af.  The expected signature was computed once with
 * Debian's python3-nacl (1.5.0), building the message in Python:
 *   SigningKey(seed).sign(b"emo node id v1" + bytes(range(1, 33)) +
 *       bytes(range(0xa0, 0xb0))).signature
 */
START_TEST(test_signed_bytes_vector)
{
	struct keys_pair kp;
	struct wire_pong pong;
	struct id asker, id;
	uint8_t seed[32], pub[32], sig[64], nonce[16], msg[IDENT_SIGNED_MAX];
	size_t i, len;

	unhex(seed, 32, "9d61b19deffd5a60ba844af492ec2cc4"
	    "4449c5697b326919703bac031cae7f60");
	unhex(pub, 32, "d75a980182b10ab7d54bfed3c964073a"
	    "0ee172f3daa62325af021a68f707511a");
	unhex(sig, 64, "92cc2e9796d0b44415846afded7b72f6"
	    "483ab2dec90317a960d635c28e53424f"
	    "381435c483264d76371625fa490f89b7"
	    "501ac62d677177315cfd3eae1f8adc04");
	for (i = 0; i < ID_LEN; i++)
		asker.b[i] = (uint8_t)(i + 1);
	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(0xa0 + i);
	len = ident_message(msg, &asker, nonce, sizeof(nonce));
	ck_assert_uint_eq(len, 14 + 32 + 16);
	ck_assert(memcmp(msg, "emo node id v1", 14) == 0);
	ck_assert(memcmp(msg + 14, asker.b, ID_LEN) == 0);
	ck_assert(memcmp(msg + 46, nonce, 16) == 0);
	keys_from_seed(&kp, seed);
	ck_assert(memcmp(kp.pub, pub, 32) == 0);
	memset(&pong, 0, sizeof(pong));
	ident_prove(&kp, &asker, nonce, sizeof(nonce), &pong);
	ck_assert(pong.has_proof);
	ck_assert(memcmp(pong.public_key, pub, 32) == 0);
	ck_assert(memcmp(pong.signature, sig, 64) == 0);
	ident_id(pub, &id);
	ck_assert_int_eq(ident_check(&pong, &id, &asker, nonce, sizeof(nonce),
	    0), IDENT_OK);
	/* Any other asker, nonce or sender fails. */
	asker.b[0] ^= 1;
	ck_assert_int_eq(ident_check(&pong, &id, &asker, nonce, sizeof(nonce),
	    0), IDENT_BAD_SIG);
	asker.b[0] ^= 1;
	ck_assert_int_eq(ident_check(&pong, &id, &asker, nonce, 15, 0),
	    IDENT_BAD_SIG);
	id.b[31] ^= 1;
	ck_assert_int_eq(ident_check(&pong, &id, &asker, nonce, sizeof(nonce),
	    0), IDENT_BAD_ID);
	id.b[31] ^= 1;
	/* A key no point of the curve: named once the signature failed. */
	memset(pong.public_key, 0xff, sizeof(pong.public_key));
	ck_assert(!keys_public_valid(pong.public_key));
	ident_id(pong.public_key, &id);
	ck_assert_int_eq(ident_check(&pong, &id, &asker, nonce, sizeof(nonce),
	    0), IDENT_BAD_KEY);
}
END_TEST

/*
 * A Packet with a Ping of `nonce` bytes of nonce (pong 0), or a Pong with
 * `key` and `sig` bytes of proof (pong 1), through protobuf-c: decodes?
 */
static int
t_decodes(int pong, size_t nonce, size_t key, size_t sig, struct wire_msg *m)
{
	Emo__Wire__Packet pkt;
	Emo__Wire__Ping ping;
	Emo__Wire__Pong po;
	static uint8_t id[ID_LEN], ip[4] = { 10, 0, 0, 1 }, bytes[128];
	uint8_t buf[512];
	const char *errstr;
	size_t n;

	memset(id, 0x10, sizeof(id));
	memset(bytes, 0x5a, sizeof(bytes));
	emo__wire__packet__init(&pkt);
	pkt.sender.data = id;
	pkt.sender.len = ID_LEN;
	pkt.txid = 7;
	emo__wire__ping__init(&ping);
	emo__wire__pong__init(&po);
	if (pong) {
		po.observed_ip.data = ip;
		po.observed_ip.len = 4;
		po.observed_port = 9000;
		po.public_key.data = bytes;
		po.public_key.len = key;
		po.signature.data = bytes;
		po.signature.len = sig;
		pkt.body_case = EMO__WIRE__PACKET__BODY_PONG;
		pkt.pong = &po;
	} else {
		ping.nonce.data = bytes;
		ping.nonce.len = nonce;
		pkt.body_case = EMO__WIRE__PACKET__BODY_PING;
		pkt.ping = &ping;
	}
	n = emo__wire__packet__get_packed_size(&pkt);
	ck_assert_uint_le(n + WIRE_HDR_LEN, sizeof(buf));
	memcpy(buf, "EM\x02\x00", 4);
	(void)emo__wire__packet__pack(&pkt, buf + WIRE_HDR_LEN);
	return wire_decode(buf, n + WIRE_HDR_LEN, m, &errstr) == 0;
}

/* The wire's rules for the new fields, and their round trip. */
START_TEST(test_wire_fields)
{
	struct wire_msg m, d;
	struct keys_pair kp;
	struct id id;
	uint8_t buf[WIRE_MAX_DATAGRAM];
	const char *errstr;
	ssize_t len;

	ck_assert(t_decodes(0, 0, 0, 0, &m));
	ck_assert_uint_eq(m.u.ping.noncelen, 0);
	wire_msg_free(&m);
	ck_assert(t_decodes(0, WIRE_MAX_NONCE, 0, 0, &m));
	ck_assert_uint_eq(m.u.ping.noncelen, WIRE_MAX_NONCE);
	ck_assert_int_eq(m.u.ping.nonce[WIRE_MAX_NONCE - 1], 0x5a);
	wire_msg_free(&m);
	ck_assert(!t_decodes(0, WIRE_MAX_NONCE + 1, 0, 0, &m));
	ck_assert(t_decodes(1, 0, 0, 0, &m));
	ck_assert(!m.u.pong.has_proof);
	wire_msg_free(&m);
	ck_assert(t_decodes(1, 0, 32, 64, &m));
	ck_assert(m.u.pong.has_proof);
	wire_msg_free(&m);
	ck_assert(!t_decodes(1, 0, 31, 64, &m));
	ck_assert(!t_decodes(1, 0, 33, 64, &m));
	ck_assert(!t_decodes(1, 0, 32, 63, &m));
	ck_assert(!t_decodes(1, 0, 32, 0, &m));
	ck_assert(!t_decodes(1, 0, 0, 64, &m));
	/* What wire_encode writes, wire_decode reads back. */
	t_ident(&kp, &id, 3);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	m.sender = id;
	m.txid = 9;
	m.u.ping.noncelen = 16;
	memset(m.u.ping.nonce, 0xa7, 16);
	len = wire_encode(&m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(wire_decode(buf, (size_t)len, &d, &errstr), 0);
	ck_assert_uint_eq(d.u.ping.noncelen, 16);
	ck_assert_int_eq(d.u.ping.nonce[15], 0xa7);
	m.u.ping.noncelen = WIRE_MAX_NONCE + 1;
	ck_assert_int_eq(wire_encode(&m, buf, sizeof(buf)), -1);
	memset(&m, 0, sizeof(m));
	m.sender = id;
	m.txid = 9;
	(void)addr_parse(&m.u.pong.observed, "10.0.0.1:9000", &errstr);
	t_pong(&m, &d, &kp, &id, &m.u.pong.observed);
	wire_msg_free(&d);
	len = wire_encode(&m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(wire_decode(buf, (size_t)len, &d, &errstr), 0);
	ck_assert(d.u.pong.has_proof);
	ck_assert(memcmp(d.u.pong.public_key, kp.pub, 32) == 0);
	ck_assert(memcmp(d.u.pong.signature, m.u.pong.signature, 64) == 0);
	wire_msg_free(&d);
}
END_TEST

static void
t_rnd(void *arg, void *buf, size_t len)
{
	struct prng *p = arg;
	uint8_t *b = buf;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(prng_next(p) >> 24);
}

START_TEST(test_generate_difficulty)
{
	struct prng p = { 0x1d };
	struct keys_pair kp;
	struct id id, again;
	unsigned d;
	long tries, total = 0;

	for (d = 0; d <= 8; d += 4) {
		tries = ident_generate(&kp, &id, d, t_rnd, &p);
		ck_assert_int_ge(tries, 1);
		ck_assert_int_le(tries, (long)IDENT_TRIES_FACTOR << d);
		ck_assert_uint_ge(ident_zero_bits(&id), d);
		ck_assert(ident_meets(&id, d));
		ident_id(kp.pub, &again);
		ck_assert(id_eq(&id, &again));
		total += tries;
	}
	ck_assert_int_gt(total, 3);	/* 4 and 8 bits took more than one */
	/* libsodium's own generation too. */
	ck_assert_int_ge(ident_generate(&kp, &id, 4, NULL, NULL), 1);
	ck_assert_uint_ge(ident_zero_bits(&id), 4);
	ck_assert_int_eq(ident_generate(&kp, &id, IDENT_MAX_DIFFICULTY + 1,
	    NULL, NULL), -1);
	/* An ID whose hash starts with a set bit meets only difficulty 0. */
	do
		(void)ident_generate(&kp, &id, 0, t_rnd, &p);
	while (ident_zero_bits(&id) != 0);
	ck_assert(ident_meets(&id, 0));
	ck_assert(!ident_meets(&id, 1));
}
END_TEST

/* ---- the engine ----------------------------------------------------------- */

/* Node 0's table entry for id: 0, or -1 if it has none. */
static int
route_get_test(struct simnet *sn, const struct id *id, struct route_node *out)
{
	static struct route_node all[ROUTE_MAX_NODES];
	size_t i, n;

	n = dht_peers(simnet_dht(sn, 0), all, ROUTE_MAX_NODES);
	for (i = 0; i < n; i++)
		if (id_eq(&all[i].id, id)) {
			*out = all[i];
			return 0;
		}
	return -1;
}

/* Honest nodes prove their IDs to each other and fill their tables. */
START_TEST(test_honest_join)
{
	struct dht_config cfg = t_cfg;
	struct simnet *sn;
	struct dht_stats st;
	size_t i;

	cfg.id_difficulty = 4;
	sn = t_net(12, 41, &cfg);
	t_join_all(sn);
	for (i = 0; i < simnet_count(sn); i++) {
		ck_assert_uint_ge(ident_zero_bits(simnet_id(sn, i)), 4);
		ck_assert_uint_ge(dht_peer_count(simnet_dht(sn, i)), 5);
		st = t_stats(sn, i);
		ck_assert_uint_ge(st.id_proofs_ok, dht_peer_count(simnet_dht(sn,
		    i)));
		ck_assert_uint_eq(st.id_proof_bad, 0);
		ck_assert_uint_eq(st.id_proof_missing, 0);
	}
	simnet_free(sn);
}
END_TEST

/* How a hand-made peer spoils its Pong. */
enum fault {
	F_NONE,
	F_WRONG_ID,	/* the sender is not Keccak-256 of the key */
	F_FORGED,	/* a flipped signature bit */
	F_REPLAY,	/* a proof over an earlier nonce */
	F_BAD_POINT,	/* a key that is no curve point (its own hash as ID) */
	F_WEAK,		/* an ID under the node's difficulty */
	F_MISSING,	/* no proof */
};

/*
 * Node 0 (difficulty d) pings a hand-made peer at an outside address,
 * which answers with a Pong spoiled by fault; returns node 0's counters.
 * *admitted: whether the peer's claimed ID entered the table.
 */
static struct dht_stats
fault_ping(enum fault fault, unsigned d, int *admitted)
{
	struct dht_config cfg = t_cfg;
	struct prng p = { 0x77 + fault };
	struct simnet *sn;
	struct keys_pair kp;
	struct wire_msg q, m;
	struct dht_stats st;
	struct route_node rn;
	struct addr x;
	struct res r;
	struct id id;
	uint8_t old[RPC_NONCE_LEN], buf[WIRE_MAX_DATAGRAM];
	ssize_t len;
	int k;

	cfg.id_difficulty = d;
	sn = t_net(1, 50 + fault, &cfg);
	simnet_outside_addr(&x, 5);
	/* The peer's key: meeting d unless the fault is F_WEAK. */
	do
		(void)ident_generate(&kp, &id, 0, t_rnd, &p);
	while (ident_meets(&id, d) == (fault == F_WEAK));
	memset(old, 0x42, sizeof(old));
	for (k = 0; k < 2; k++) {
		memset(&r, 0, sizeof(r));
		simnet_capture_clear(sn);
		ck_assert_int_eq(dht_ping(simnet_dht(sn, 0), &x, simnet_now(sn),
		    ping_cb, &r), 0);
		simnet_touch(sn, 0);
		t_flush(sn);
		ck_assert_uint_eq(simnet_ncaptured(sn), 1);
		t_captured_msg(sn, 0, &q);
		ck_assert_int_eq(q.type, WIRE_PING);
		ck_assert_uint_eq(q.u.ping.noncelen, RPC_NONCE_LEN);
		/* Fresh nonces: a replay cannot be the right one. */
		ck_assert(memcmp(q.u.ping.nonce, old, sizeof(old)) != 0);
		memset(&m, 0, sizeof(m));
		m.sender = id;
		m.txid = q.txid;
		t_pong(&m, &q, &kp, simnet_id(sn, 0), simnet_addr(sn, 0));
		switch (fault) {
		case F_WRONG_ID:
			m.sender.b[0] ^= 0x80;
			break;
		case F_FORGED:
			m.u.pong.signature[17] ^= 0x04;
			break;
		case F_REPLAY:
			if (k == 1)
				ident_prove(&kp, simnet_id(sn, 0), old,
				    sizeof(old), &m.u.pong);
			break;
		case F_BAD_POINT:
			memset(m.u.pong.public_key, 0xff, KEYS_PUBLIC_LEN);
			ck_assert(!keys_public_valid(m.u.pong.public_key));
			ident_id(m.u.pong.public_key, &m.sender);
			break;
		case F_MISSING:
			m.u.pong.has_proof = 0;
			break;
		default:
			break;
		}
		memcpy(old, q.u.ping.nonce, sizeof(old));
		wire_msg_free(&q);
		len = wire_encode(&m, buf, sizeof(buf));
		ck_assert_int_gt(len, 0);
		ck_assert_int_eq(simnet_inject(sn, &x, 0, buf, (size_t)len), 0);
		t_flush(sn);
		/* The Pong answers the ping either way. */
		ck_assert_int_eq(r.calls, 1);
		ck_assert_int_eq(r.err, DHT_OK);
		res_free(&r);
		if (fault != F_REPLAY || k == 1)
			break;
		/* The first, honest, Pong admitted it: start again. */
		ck_assert_int_eq(route_get_test(sn, &m.sender, &rn), 0);
		simnet_free(sn);
		sn = t_net(1, 150 + fault, &cfg);
	}
	t_run(sn, 5000);
	*admitted = route_get_test(sn, &m.sender, &rn) == 0 ||
	    dht_peer_count(simnet_dht(sn, 0)) > 0;
	st = t_stats(sn, 0);
	simnet_free(sn);
	return st;
}

START_TEST(test_fault_refused)
{
	static const enum fault bad[] = { F_WRONG_ID, F_FORGED, F_REPLAY,
	    F_BAD_POINT, F_WEAK };
	struct dht_stats st;
	size_t i;
	int in;

	st = fault_ping(F_NONE, 6, &in);
	ck_assert(in);
	ck_assert_uint_eq(st.id_proofs_ok, 1);
	ck_assert_uint_eq(st.id_proof_bad, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		st = fault_ping(bad[i], 6, &in);
		ck_assert_msg(!in, "fault %d admitted", (int)bad[i]);
		ck_assert_uint_eq(st.id_proof_bad, 1);
		ck_assert_uint_eq(st.id_proofs_ok, 0);
		ck_assert_uint_eq(st.id_proof_missing, 0);
	}
	st = fault_ping(F_MISSING, 6, &in);
	ck_assert(!in);
	ck_assert_uint_eq(st.id_proof_missing, 1);
	ck_assert_uint_eq(st.id_proof_bad, 0);
}
END_TEST

/*
 * The other way in: a hand-made peer asks node 0 something (FIND_NODE)
 * and answers the admission ping with a proof of another key's ID; then
 * answers a FIND_NODE of node 0's without proving anything.  Neither
 * makes an entry; an honest proof does.
 */
START_TEST(test_admission_paths)
{
	struct simnet *sn = t_net(1, 61, NULL);
	struct keys_pair kp, other;
	struct wire_msg q, m;
	struct route_node rn;
	struct dht_stats st;
	struct addr x;
	struct id id, oid;
	uint8_t buf[WIRE_MAX_DATAGRAM];
	ssize_t len;
	size_t i;
	int round, pinged;

	t_ident(&kp, &id, 1);
	t_ident(&other, &oid, 2);
	simnet_outside_addr(&x, 6);
	for (round = 0; round < 2; round++) {
		memset(&m, 0, sizeof(m));
		m.type = WIRE_FIND_NODE;
		m.sender = id;
		m.txid = 900 + (uint64_t)round;
		simnet_capture_clear(sn);
		(void)t_raw(sn, &x, 0, &m);
		pinged = 0;
		for (i = 0; i < simnet_ncaptured(sn); i++) {
			t_captured_msg(sn, i, &q);
			if (q.type != WIRE_PING) {
				wire_msg_free(&q);
				continue;
			}
			pinged++;
			ck_assert_uint_eq(q.u.ping.noncelen, RPC_NONCE_LEN);
			memset(&m, 0, sizeof(m));
			m.sender = id;
			m.txid = q.txid;
			/* Round 0: the key of another ID; round 1: its own. */
			t_pong(&m, &q, round == 0 ? &other : &kp,
			    simnet_id(sn, 0), simnet_addr(sn, 0));
			wire_msg_free(&q);
			len = wire_encode(&m, buf, sizeof(buf));
			ck_assert_int_gt(len, 0);
			ck_assert_int_eq(simnet_inject(sn, &x, 0, buf,
			    (size_t)len), 0);
		}
		ck_assert_int_eq(pinged, 1);
		t_flush(sn);
		st = t_stats(sn, 0);
		if (round == 0) {
			ck_assert_uint_eq(st.id_proof_bad, 1);
			ck_assert_int_ne(route_get_test(sn, &id, &rn), 0);
			ck_assert_int_ne(route_get_test(sn, &oid, &rn), 0);
			ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 0)), 0);
			t_run(sn, 3000);
		} else {
			ck_assert_uint_eq(st.id_proofs_ok, 1);
			ck_assert_int_eq(route_get_test(sn, &id, &rn), 0);
			ck_assert(addr_eq(&rn.addr, &x));
		}
	}
	simnet_free(sn);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ident");
	TCase *tc = tcase_create("ident");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_signed_bytes_vector);
	tcase_add_test(tc, test_generate_difficulty);
	tcase_add_test(tc, test_wire_fields);
	tcase_add_test(tc, test_honest_join);
	tcase_add_test(tc, test_fault_refused);
	tcase_add_test(tc, test_admission_paths);
	suite_add_tcase(s, tc);
	return check_run(s);
}

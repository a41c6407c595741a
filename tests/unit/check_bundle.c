/*
 * check_bundle — datagrams of several messages (wire kind 3): what
 * wire_bundle_check takes and what it refuses (too few or too many
 * messages, cut or overlong entries, anything but a whole message
 * inside); an engine answers each message of a bundle as if it had come
 * alone, drops a bad bundle whole and one longer than a datagram from
 * its source may be, and drops only the bad message of a good bundle.
 * Which peers get bundles is check_rpc's; joining a queue, check_net's.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "rpc.h"
#include "simnet.h"
#include "wire.h"
#include "check_util.h"
#include "check_engine.h"

#define B_MAX	(WIRE_MAX_LOCAL_DATAGRAM + 64)

static uint8_t b_buf[B_MAX];

/* A kind-0 datagram of len bytes (at least the header) of body byte c. */
static size_t
b_msg(uint8_t *out, size_t len, uint8_t c)
{
	static const uint8_t hdr[WIRE_HDR_LEN] = { WIRE_MAGIC0, WIRE_MAGIC1,
	    WIRE_VERSION, WIRE_KIND_WHOLE };

	memcpy(out, hdr, WIRE_HDR_LEN);
	memset(out + WIRE_HDR_LEN, c, len - WIRE_HDR_LEN);
	return len;
}

/* A bundle in b_buf of n messages of len bytes each; its length. */
static size_t
b_bundle(size_t n, size_t len)
{
	uint8_t m[256];
	size_t off, i;

	ck_assert_uint_le(len, sizeof(m));
	b_msg(m, len, 0);
	off = wire_bundle_start(b_buf, m, len);
	for (i = 1; i < n; i++) {
		b_msg(m, len, (uint8_t)i);
		off += wire_bundle_add(b_buf + off, m, len);
	}
	return off;
}

static int
b_check(size_t len, const char *want)
{
	const char *errstr = NULL;
	int n;

	n = wire_bundle_check(b_buf, len, &errstr);
	if (want != NULL) {
		ck_assert_int_eq(n, -1);
		ck_assert_ptr_nonnull(errstr);
		ck_assert_str_eq(errstr, want);
	}
	return n;
}

START_TEST(test_check)
{
	const uint8_t *msg;
	struct wire_msg m;
	const char *errstr;
	size_t len, off, i, mlen;

	/* Two, walked in order, each exactly as written. */
	len = b_bundle(2, 9);
	ck_assert_uint_eq(len, WIRE_HDR_LEN + 2 * (WIRE_BUNDLE_ENTRY_HDR + 9));
	ck_assert_int_eq(b_check(len, NULL), 2);
	off = 0;
	for (i = 0; i < 2; i++) {
		mlen = wire_bundle_next(b_buf, len, &off, &msg);
		ck_assert_uint_eq(mlen, 9);
		ck_assert_uint_eq(msg[3], WIRE_KIND_WHOLE);
		ck_assert_uint_eq(msg[8], i);
	}
	ck_assert_uint_eq(wire_bundle_next(b_buf, len, &off, &msg), 0);
	/* Not a whole message: wire_decode refuses a bundle. */
	ck_assert_int_eq(wire_decode(b_buf, len, &m, &errstr), -1);

	/* Counts: one is no bundle; the most, and one more. */
	len = b_bundle(1, 9);
	b_check(len, "bundle of fewer than 2 messages");
	b_check(WIRE_HDR_LEN, "bundle of fewer than 2 messages");
	len = b_bundle(WIRE_BUNDLE_MAX_MSGS, 5);
	ck_assert_int_eq(b_check(len, NULL), WIRE_BUNDLE_MAX_MSGS);
	len = b_bundle(WIRE_BUNDLE_MAX_MSGS + 1, 5);
	b_check(len, "bundle of more than 64 messages");

	/* Lengths: a byte past the last entry; one short; one over. */
	len = b_bundle(2, 9);
	b_buf[len] = 0;
	b_check(len + 1, "bundle entry cut in its length");
	b_check(len - 1, "bundle entry longer than the rest");
	b_buf[WIRE_HDR_LEN + 1] = 200;	/* the first entry's length */
	b_check(len, "bundle entry longer than the rest");
	b_buf[WIRE_HDR_LEN] = 0xff;
	b_check(len, "bundle entry longer than the rest");

	/* Only whole messages inside: not a fragment, NACK or bundle. */
	for (i = WIRE_KIND_FRAG; i <= WIRE_KIND_BUNDLE + 1; i++) {
		len = b_bundle(2, 9);
		b_buf[len - 9 + 3] = (uint8_t)i;	/* the second's kind */
		b_check(len, "bundle entry not a whole message");
	}
	len = b_bundle(2, 9);
	b_buf[len - 9] = 'X';				/* its magic */
	b_check(len, "bundle entry not a whole message");
	len = b_bundle(2, 9);
	b_buf[len - 9 + 2] = WIRE_VERSION + 1;		/* its version */
	b_check(len, "bundle entry not a whole message");
	/* Entries shorter than a header: 0 and 3 bytes. */
	len = b_bundle(2, 4);
	ck_assert_int_eq(b_check(len, NULL), 2);
	for (i = 0; i < 4; i += 3) {
		off = b_bundle(1, 9);
		b_buf[off] = 0;
		b_buf[off + 1] = (uint8_t)i;
		memset(b_buf + off + 2, 0x45, i);
		b_check(off + 2 + i, "bundle entry not a whole message");
	}

	/* The outer header. */
	len = b_bundle(2, 9);
	b_buf[3] = WIRE_KIND_WHOLE;
	b_check(len, "not a bundle");
	b_buf[3] = WIRE_KIND_BUNDLE;
	b_buf[2] = WIRE_VERSION + 1;
	b_check(len, "unsupported version");
	b_check(3, "datagram shorter than its header");
}
END_TEST

/* ---- an engine reading bundles ----------------------------------------- */

/* A Ping from b_from padded as the engine pads one, with txid tx. */
static size_t
b_ping(uint8_t *out, uint64_t tx)
{
	struct wire_msg m;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	memset(m.sender.b, 0x6b, ID_LEN);
	m.txid = tx;
	t_pad(&m, RPC_PAD_PING_LEN);
	n = wire_encode(&m, out, WIRE_MAX_DATAGRAM);
	ck_assert_int_gt(n, 0);
	return (size_t)n;
}

/* Injects b_buf[0..len) from a to node 0; the Pongs' txids, in order. */
static size_t
b_answers(struct simnet *sn, const struct addr *a, size_t len,
    uint64_t *tx, size_t max)
{
	struct wire_msg m;
	size_t i, n = 0;

	t_flush(sn);
	simnet_capture_clear(sn);
	ck_assert_int_eq(simnet_inject(sn, a, 0, b_buf, len), 0);
	t_flush(sn);
	for (i = 0; i < simnet_ncaptured(sn); i++) {
		if (t_dgram_type(simnet_captured(sn, i)) != WIRE_PONG)
			continue;
		t_captured_msg(sn, i, &m);
		if (n < max)
			tx[n] = m.txid;
		n++;
		wire_msg_free(&m);
	}
	return n;
}

START_TEST(test_engine_reads)
{
	struct simnet *sn = t_net(1, 77, NULL);
	uint8_t p[WIRE_MAX_DATAGRAM];
	struct dht_stats st0, st;
	struct addr a;
	uint64_t tx[8];
	size_t len, pl, i;

	simnet_outside_addr(&a, 9);
	st0 = t_stats(sn, 0);
	/* Two Pings in one datagram: two Pongs, in order. */
	len = wire_bundle_start(b_buf, p, b_ping(p, 101));
	len += wire_bundle_add(b_buf + len, p, b_ping(p, 102));
	ck_assert_uint_eq(b_answers(sn, &a, len, tx, 8), 2);
	ck_assert_uint_eq(tx[0], 101);
	ck_assert_uint_eq(tx[1], 102);
	st = t_stats(sn, 0);
	ck_assert_uint_eq(st.rx_bundles, st0.rx_bundles + 1);
	ck_assert_uint_eq(st.rx_msgs[WIRE_PING], st0.rx_msgs[WIRE_PING] + 2);
	ck_assert_uint_eq(st.rx_dropped_decode, st0.rx_dropped_decode);

	/* A fragment inside: the bundle is dropped whole, nothing answered. */
	st0 = st;
	len = wire_bundle_start(b_buf, p, b_ping(p, 103));
	pl = b_ping(p, 104);
	p[3] = WIRE_KIND_FRAG;
	len += wire_bundle_add(b_buf + len, p, pl);
	ck_assert_uint_eq(b_answers(sn, &a, len, tx, 8), 0);
	st = t_stats(sn, 0);
	ck_assert_uint_eq(st.rx_dropped_decode, st0.rx_dropped_decode + 1);
	ck_assert_uint_eq(st.rx_bundles, st0.rx_bundles);
	ck_assert_uint_eq(st.rx_msgs[WIRE_PING], st0.rx_msgs[WIRE_PING]);

	/* A whole message that does not decode: only it is dropped. */
	st0 = st;
	len = wire_bundle_start(b_buf, p, b_ping(p, 105));
	pl = b_msg(p, 40, 0xff);
	len += wire_bundle_add(b_buf + len, p, pl);
	ck_assert_uint_eq(b_answers(sn, &a, len, tx, 8), 1);
	ck_assert_uint_eq(tx[0], 105);
	st = t_stats(sn, 0);
	ck_assert_uint_eq(st.rx_dropped_decode, st0.rx_dropped_decode + 1);
	ck_assert_uint_eq(st.rx_bundles, st0.rx_bundles + 1);

	/* Longer than one datagram from this source may be: dropped whole. */
	st0 = st;
	pl = b_ping(p, 200);
	len = wire_bundle_start(b_buf, p, pl);
	for (i = 1; len + WIRE_BUNDLE_ENTRY_HDR + pl <= WIRE_MAX_DATAGRAM; i++)
		len += wire_bundle_add(b_buf + len, p, b_ping(p, 200 + i));
	ck_assert_uint_eq(b_answers(sn, &a, len, tx, 8), i);
	len += wire_bundle_add(b_buf + len, p, b_ping(p, 200 + i));
	ck_assert_uint_gt(len, WIRE_MAX_DATAGRAM);
	ck_assert_uint_eq(b_answers(sn, &a, len, tx, 8), 0);
	st = t_stats(sn, 0);
	ck_assert_uint_eq(st.rx_dropped_decode, st0.rx_dropped_decode + 1);
	ck_assert_uint_eq(st.rx_bundles, st0.rx_bundles + 1);
	simnet_free(sn);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("bundle");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_engine_reads);
	suite_add_tcase(s, tc);
	return check_run(s);
}

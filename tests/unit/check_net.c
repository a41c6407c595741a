/*
 * check_net — the send queue's reserve: answers fill it only up to
 * NET_SENDQ_MAX - NET_SENDQ_RESERVE, our own requests up to the end;
 * every refusal is counted, a refused request also on its own counter.
 * The queue is filled without running the event loop, so nothing is
 * flushed; the socket is bound to 127.0.0.1 on the first free port of a
 * few (addresses need a port).  And datagrams of every length up to
 * NET_MAX_DATAGRAM, several long ones in one receive batch, arrive whole
 * over loopback: a long one runs on into its slot's own overflow; and
 * again after net_trim gave the overflow's pages back.  Joinable whole
 * messages queued for one address travel in bundles, in order, within
 * join_max and WIRE_BUNDLE_MAX_MSGS, and only with joinable ones.
 */
#include <check.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "net.h"
#include "wire.h"
#include "check_util.h"

static void
t_recv(void *arg, const struct addr *from, const uint8_t *buf, size_t len)
{
}

/*
 * A net on 127.0.0.1 at the first free port from `port` on, with 4 MiB
 * socket buffers (emod's defaults are 8 and 4 MiB; requests, which the
 * kernel may cap at net.core.rmem_max and wmem_max).
 */
#define T_BUF	(4u << 20)

static struct net *
t_open(struct event_base *base, int port, net_recv_cb *cb, void *arg)
{
	struct net *n = NULL;
	struct addr any;
	const char *errstr;
	char err[256], a[32];
	int last = port + 30;

	for (; port < last && n == NULL; port++) {
		snprintf(a, sizeof(a), "127.0.0.1:%d", port);
		ck_assert_int_eq(addr_parse(&any, a, &errstr), 0);
		n = net_open(base, &any, T_BUF, T_BUF, cb, arg, err,
		    sizeof(err));
	}
	ck_assert_msg(n != NULL, "%s", err);
	return n;
}

START_TEST(test_reserve)
{
	struct event_base *base = event_base_new();
	struct net_stats st;
	struct addr to;
	const char *errstr;
	uint8_t dgram[64];
	struct net *n;
	size_t i;

	ck_assert_ptr_nonnull(base);
	ck_assert_int_eq(addr_parse(&to, "127.0.0.1:9", &errstr), 0);
	n = t_open(base, 29870, t_recv, NULL);
	memset(dgram, 0x45, sizeof(dgram));
	for (i = 0; i < NET_SENDQ_MAX - NET_SENDQ_RESERVE; i++)
		ck_assert_int_eq(net_send(n, &to, dgram, sizeof(dgram), 0, 0),
		    0);
	/* Answers stop at the reserve; requests go on to the end. */
	ck_assert_int_eq(net_send(n, &to, dgram, sizeof(dgram), 0, 0), -1);
	for (i = 0; i < NET_SENDQ_RESERVE; i++)
		ck_assert_int_eq(net_send(n, &to, dgram, sizeof(dgram), 1, 0),
		    0);
	ck_assert_int_eq(net_send(n, &to, dgram, sizeof(dgram), 1, 0), -1);
	ck_assert_int_eq(net_send(n, &to, dgram, sizeof(dgram), 0, 0), -1);
	net_get_stats(n, &st);
	ck_assert_uint_eq(st.tx_dropped, 3);
	ck_assert_uint_eq(st.tx_dropped_requests, 1);
	net_close(n);
	event_base_free(base);
}
END_TEST

/* ---- long datagrams ---------------------------------------------------- */

#define T_LENS	8

static const size_t t_lens[T_LENS] = {
	1, NET_SLOT_BYTES, NET_SLOT_BYTES + 1, 40000, 16384, 33000,
	NET_MAX_DATAGRAM, 2,
};

struct t_got {
	size_t	 n;
	size_t	 len[T_LENS];
	int	 same[T_LENS];
	int	 extra;
};

/* Datagram i: its length, each byte (i * 31 + offset * 7) mod 251. */
static void
t_fill(uint8_t *buf, size_t i)
{
	size_t j;

	for (j = 0; j < t_lens[i]; j++)
		buf[j] = (uint8_t)((i * 31 + j * 7) % 251);
}

static void
t_keep(void *arg, const struct addr *from, const uint8_t *buf, size_t len)
{
	static uint8_t want[NET_MAX_DATAGRAM];
	struct t_got *g = arg;

	if (g->n == T_LENS) {
		g->extra++;
		return;
	}
	g->len[g->n] = len;
	t_fill(want, g->n);
	g->same[g->n] = len == t_lens[g->n] && memcmp(buf, want, len) == 0;
	g->n++;
}

START_TEST(test_long_datagrams)
{
	struct event_base *base = event_base_new();
	static uint8_t buf[NET_MAX_DATAGRAM + 1];
	struct net *tx, *rx;
	struct net_stats st;
	struct t_got got;
	size_t i;
	int rounds, pass;

	ck_assert_ptr_nonnull(base);
	rx = t_open(base, 29900, t_keep, &got);
	tx = t_open(base, 29930, t_recv, NULL);
	for (pass = 0; pass < 2; pass++) {
		memset(&got, 0, sizeof(got));
		/* All queued before the loop runs: one sendmmsg, one batch. */
		for (i = 0; i < T_LENS; i++) {
			t_fill(buf, i);
			ck_assert_int_eq(net_send(tx, net_local(rx), buf,
			    t_lens[i], 1, 0), 0);
		}
		ck_assert_int_eq(net_send(tx, net_local(rx), buf,
		    NET_MAX_DATAGRAM + 1, 1, 0), -1);
		for (rounds = 0; rounds < 500 && got.n < T_LENS; rounds++) {
			ck_assert_int_ne(event_base_loop(base,
			    EVLOOP_NONBLOCK), -1);
			if (got.n < T_LENS)
				usleep(2000);
		}
		ck_assert_uint_eq(got.n, T_LENS);
		for (i = 0; i < T_LENS; i++)
			ck_assert_msg(got.same[i], "pass %d, datagram %zu: %zu "
			    "bytes, wanted %zu, or other bytes", pass, i,
			    got.len[i], t_lens[i]);
		ck_assert_int_eq(got.extra, 0);
		/* The overflow's pages go back; the next pass needs them. */
		net_trim(rx);
	}
	net_get_stats(rx, &st);
	ck_assert_uint_eq(st.rx_packets, 2 * T_LENS);
	ck_assert_uint_eq(st.rx_oversize, 0);
	net_close(tx);
	net_close(rx);
	event_base_free(base);
}
END_TEST

/* ---- bundles ------------------------------------------------------------ */

#define T_JOIN_MAX_DG	8

struct t_dgrams {
	size_t	 n;
	size_t	 len[T_JOIN_MAX_DG];
	uint8_t	 buf[T_JOIN_MAX_DG][NET_SLOT_BYTES];
	int	 extra;
};

static void
t_store(void *arg, const struct addr *from, const uint8_t *buf, size_t len)
{
	struct t_dgrams *g = arg;

	if (g->n == T_JOIN_MAX_DG || len > NET_SLOT_BYTES) {
		g->extra++;
		return;
	}
	memcpy(g->buf[g->n], buf, len);
	g->len[g->n++] = len;
}

/* A kind-0 datagram of len bytes (len >= 5) whose first body byte is tag. */
static size_t
t_msg(uint8_t *buf, size_t len, uint8_t tag)
{
	buf[0] = WIRE_MAGIC0;
	buf[1] = WIRE_MAGIC1;
	buf[2] = WIRE_VERSION;
	buf[3] = WIRE_KIND_WHOLE;
	memset(buf + WIRE_HDR_LEN, tag, len - WIRE_HDR_LEN);
	return len;
}

/* Queues a t_msg of len bytes tagged tag to `to`: it must be taken. */
static void
t_queue(struct net *tx, const struct addr *to, uint8_t tag, size_t len,
    int request, size_t join_max)
{
	uint8_t m[NET_SLOT_BYTES];

	ck_assert_int_eq(net_send(tx, to, m, t_msg(m, len, tag), request,
	    join_max), 0);
}

/* Datagram i holds the messages tags[0..n), each of its length in lens. */
static void
t_want(const struct t_dgrams *g, size_t i, const uint8_t *tags,
    const size_t *lens, size_t n)
{
	const uint8_t *msg;
	const char *errstr = NULL;
	size_t off = 0, k, mlen;

	ck_assert_uint_lt(i, g->n);
	if (n == 1) {
		ck_assert_uint_eq(g->len[i], lens[0]);
		ck_assert_uint_eq(g->buf[i][3], WIRE_KIND_WHOLE);
		ck_assert_uint_eq(g->buf[i][4], tags[0]);
		return;
	}
	ck_assert_msg(wire_bundle_check(g->buf[i], g->len[i], &errstr) ==
	    (int)n, "datagram %zu: %s", i, errstr ? errstr : "count");
	for (k = 0; k < n; k++) {
		mlen = wire_bundle_next(g->buf[i], g->len[i], &off, &msg);
		ck_assert_uint_eq(mlen, lens[k]);
		ck_assert_uint_eq(msg[4], tags[k]);
		ck_assert_uint_eq(msg[mlen - 1], tags[k]);
	}
	ck_assert_uint_eq(wire_bundle_next(g->buf[i], g->len[i], &off, &msg),
	    0);
}

static void
t_drain(struct event_base *base, struct t_dgrams *g, size_t want)
{
	int rounds;

	for (rounds = 0; rounds < 500 && g->n < want; rounds++) {
		ck_assert_int_ne(event_base_loop(base, EVLOOP_NONBLOCK), -1);
		if (g->n < want)
			usleep(2000);
	}
	ck_assert_uint_eq(g->n, want);
	/* Nothing more comes: another pass, a pause, still none. */
	usleep(20000);
	ck_assert_int_ne(event_base_loop(base, EVLOOP_NONBLOCK), -1);
	ck_assert_uint_eq(g->n, want);
	ck_assert_int_eq(g->extra, 0);
}

START_TEST(test_join)
{
	struct event_base *base = event_base_new();
	static struct t_dgrams got, other;
	struct net *tx, *rx, *rx2;
	struct net_stats st;
	const struct addr *to;
	size_t i;

	ck_assert_ptr_nonnull(base);
	memset(&got, 0, sizeof(got));
	memset(&other, 0, sizeof(other));
	rx = t_open(base, 29960, t_store, &got);
	rx2 = t_open(base, 29990, t_store, &other);
	tx = t_open(base, 30020, t_recv, NULL);
	to = net_local(rx);
	/* A, B join; C is not joinable; D is for another address. */
	t_queue(tx, to, 'A', 100, 0, 600);
	t_queue(tx, to, 'B', 200, 1, 600);
	t_queue(tx, to, 'C', 50, 0, 0);
	t_queue(tx, net_local(rx2), 'D', 60, 0, 600);
	/* E joins A+B past C and D: 4 + (2+100) + (2+200) + (2+150) = 460. */
	t_queue(tx, to, 'E', 150, 0, 600);
	/* F would make 460 + 2 + 139 = 601 > 600: a datagram of its own. */
	t_queue(tx, to, 'F', 139, 0, 600);
	/* G may not join F under its own, smaller limit: 247 > 200. */
	t_queue(tx, to, 'G', 100, 0, 200);
	/* H joins G, now the latest joinable: 6 + 100 + 2 + 40 = 148. */
	t_queue(tx, to, 'H', 40, 0, 600);
	net_get_stats(tx, &st);
	ck_assert_uint_eq(st.tx_joined, 3);	/* B, E and H */
	t_drain(base, &got, 4);
	t_drain(base, &other, 1);
	t_want(&got, 0, (const uint8_t[]){ 'A', 'B', 'E' },
	    (const size_t[]){ 100, 200, 150 }, 3);
	t_want(&got, 1, (const uint8_t[]){ 'C' }, (const size_t[]){ 50 }, 1);
	t_want(&got, 2, (const uint8_t[]){ 'F' }, (const size_t[]){ 139 }, 1);
	t_want(&got, 3, (const uint8_t[]){ 'G', 'H' },
	    (const size_t[]){ 100, 40 }, 2);
	t_want(&other, 0, (const uint8_t[]){ 'D' }, (const size_t[]){ 60 },
	    1);

	/* At most WIRE_BUNDLE_MAX_MSGS a bundle: 70 make 64 and 6. */
	memset(&got, 0, sizeof(got));
	for (i = 0; i < 70; i++)
		t_queue(tx, to, (uint8_t)i, 5, 0, WIRE_MAX_LOCAL_DATAGRAM);
	t_drain(base, &got, 2);
	ck_assert_int_eq(wire_bundle_check(got.buf[0], got.len[0],
	    &(const char *){ NULL }), WIRE_BUNDLE_MAX_MSGS);
	ck_assert_int_eq(wire_bundle_check(got.buf[1], got.len[1],
	    &(const char *){ NULL }), 70 - WIRE_BUNDLE_MAX_MSGS);
	net_get_stats(tx, &st);
	ck_assert_uint_eq(st.tx_joined, 3 + 70 - 2);
	ck_assert_uint_eq(st.tx_packets, 4 + 1 + 2);
	net_close(tx);
	net_close(rx);
	net_close(rx2);
	event_base_free(base);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("sendq");

	tcase_add_test(tc, test_reserve);
	tcase_add_test(tc, test_long_datagrams);
	tcase_add_test(tc, test_join);
	suite_add_tcase(s, tc);
	return check_run(s);
}

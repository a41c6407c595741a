/*
 * check_net — the send queue's reserve: answers fill it only up to
 * NET_SENDQ_MAX - NET_SENDQ_RESERVE, our own requests up to the end;
 * every refusal is counted, a refused request also on its own counter.
 * The queue is filled without running the event loop, so nothing is
 * flushed; the socket is bound to 127.0.0.1 on the first free port of a
 * few (addresses need a port).  And datagrams of every length up to
 * NET_MAX_DATAGRAM, several long ones in one receive batch, arrive whole
 * over loopback: a long one runs on into its slot's own overflow; and
 * again after net_trim gave the overflow's pages back.
 */
#include <check.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "net.h"
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
		ck_assert_int_eq(net_send(n, &to, dgram, sizeof(dgram), 0), 0);
	/* Answers stop at the reserve; requests go on to the end. */
	ck_assert_int_eq(net_send(n, &to, dgram, sizeof(dgram), 0), -1);
	for (i = 0; i < NET_SENDQ_RESERVE; i++)
		ck_assert_int_eq(net_send(n, &to, dgram, sizeof(dgram), 1), 0);
	ck_assert_int_eq(net_send(n, &to, dgram, sizeof(dgram), 1), -1);
	ck_assert_int_eq(net_send(n, &to, dgram, sizeof(dgram), 0), -1);
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
			    t_lens[i], 1), 0);
		}
		ck_assert_int_eq(net_send(tx, net_local(rx), buf,
		    NET_MAX_DATAGRAM + 1, 1), -1);
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

int
main(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("sendq");

	tcase_add_test(tc, test_reserve);
	tcase_add_test(tc, test_long_datagrams);
	suite_add_tcase(s, tc);
	return check_run(s);
}

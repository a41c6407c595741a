/*
 * check_net — the send queue's reserve: answers fill it only up to
 * NET_SENDQ_MAX - NET_SENDQ_RESERVE, our own requests up to the end;
 * every refusal is counted, a refused request also on its own counter.
 * The queue is filled without running the event loop, so nothing is
 * flushed; the socket is bound to 127.0.0.1 on the first free port of a
 * few (addresses need a port).
 */
#include <check.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "net.h"
#include "check_util.h"

static void
t_recv(void *arg, const struct addr *from, const uint8_t *buf, size_t len)
{
}

START_TEST(test_reserve)
{
	struct event_base *base = event_base_new();
	struct net_stats st;
	struct addr any, to;
	const char *errstr;
	uint8_t dgram[64];
	char err[256];
	struct net *n = NULL;
	char a[32];
	size_t i;
	int port;

	ck_assert_ptr_nonnull(base);
	ck_assert_int_eq(addr_parse(&to, "127.0.0.1:9", &errstr), 0);
	for (port = 29870; port < 29900 && n == NULL; port++) {
		snprintf(a, sizeof(a), "127.0.0.1:%d", port);
		ck_assert_int_eq(addr_parse(&any, a, &errstr), 0);
		n = net_open(base, &any, 0, 0, t_recv, NULL, err, sizeof(err));
	}
	ck_assert_msg(n != NULL, "%s", err);
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

int
main(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("sendq");

	tcase_add_test(tc, test_reserve);
	suite_add_tcase(s, tc);
	return check_run(s);
}

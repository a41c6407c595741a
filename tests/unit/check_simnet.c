/*
 * check_simnet — the simulator's fake network as a unit test harness: a
 * few engines with zero latency and a manual clock, datagrams to no node
 * captured, a filter, raw injection, a node cut off and back, bounded runs.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "rpc.h"
#include "simnet.h"
#include "wire.h"
#include "check_util.h"

struct pong {
	int		calls;
	enum dht_err	err;
	struct id	id;
};

static void
ping_cb(void *arg, const struct op_ping_result *r)
{
	struct pong *p = arg;

	p->calls++;
	p->err = r->err;
	p->id = r->id;
}

/* n engines, no latency, no loss, 1 s timeout and one retry. */
static struct simnet *
t_net(size_t n, size_t max_steps)
{
	struct simnet_config cfg;
	struct simnet *sn;
	size_t i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.seed = 1;
	cfg.max_steps = max_steps;
	cfg.dht.rpc_timeout_ms = 1000;
	cfg.dht.rpc_retries = 1;
	sn = simnet_new(&cfg);
	ck_assert_ptr_nonnull(sn);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(simnet_add(sn), (long)i);
	return sn;
}

static void
t_ping(struct simnet *sn, size_t from, const struct addr *to, struct pong *p)
{
	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(dht_ping(simnet_dht(sn, from), to, simnet_now(sn),
	    ping_cb, p), 0);
	simnet_touch(sn, from);
}

START_TEST(test_flush)
{
	struct simnet *sn = t_net(2, 1000);
	struct pong p;
	int64_t t0 = simnet_now(sn);

	t_ping(sn, 0, simnet_addr(sn, 1), &p);
	ck_assert_uint_eq(simnet_in_flight(sn), 1);
	ck_assert_int_eq(simnet_flush(sn), 0);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert(id_eq(&p.id, simnet_id(sn, 1)));
	ck_assert_int_eq(simnet_now(sn), t0);	/* flushing keeps the clock */
	ck_assert_uint_eq(simnet_in_flight(sn), 0);
	simnet_free(sn);
}
END_TEST

static int
dgram_type(const struct simnet_dgram *d)
{
	struct wire_msg m;
	const char *errstr;
	int type;

	if (wire_decode(d->buf, d->len, &m, &errstr) == -1)
		return -1;
	type = (int)m.type;
	wire_msg_free(&m);
	return type;
}

START_TEST(test_capture_inject)
{
	struct simnet *sn = t_net(2, 1000);
	const struct simnet_dgram *d;
	struct addr x;
	struct pong p;
	uint8_t buf[2048];
	size_t len;

	simnet_capture(sn, 8);
	simnet_outside_addr(&x, 5);
	t_ping(sn, 0, &x, &p);
	ck_assert_int_eq(simnet_run_until(sn, simnet_now(sn) + 2500), 0);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.err, DHT_ERR_TIMEOUT);
	ck_assert_uint_eq(simnet_ncaptured(sn), 2);	/* a try, a retry */
	d = simnet_captured(sn, 0);
	ck_assert(addr_eq(&d->to, &x));
	ck_assert(addr_eq(&d->from, simnet_addr(sn, 0)));
	ck_assert_int_eq(d->to_index, SIMNET_NOWHERE);
	ck_assert_uint_le(d->len, sizeof(buf));

	/* The captured PING, replayed to node 1 from x: the PONG goes to x. */
	len = d->len;
	memcpy(buf, d->buf, len);
	simnet_capture_clear(sn);
	ck_assert_int_eq(simnet_inject(sn, &x, 1, buf, len), 0);
	ck_assert_int_eq(simnet_flush(sn), 0);
	/*
	 * No admission ping: the PING had no cookie for node 1 and was
	 * padded for its PONG only (the amplification rule).
	 */
	ck_assert_uint_eq(simnet_ncaptured(sn), 1);
	ck_assert(addr_eq(&simnet_captured(sn, 0)->from, simnet_addr(sn, 1)));
	ck_assert_int_eq(dgram_type(simnet_captured(sn, 0)), WIRE_PONG);
	ck_assert_uint_eq(len, RPC_PAD_PING_LEN);
	simnet_free(sn);
}
END_TEST

static int
drop_to(void *arg, const struct simnet_dgram *d)
{
	return d->to_index == *(const long *)arg;
}

START_TEST(test_filter_down)
{
	struct simnet *sn = t_net(3, 1000);
	struct simnet_stats st;
	struct pong p;
	long victim = 1;

	simnet_set_filter(sn, drop_to, &victim);
	t_ping(sn, 0, simnet_addr(sn, 1), &p);
	simnet_run_until(sn, simnet_now(sn) + 2500);
	ck_assert_int_eq(p.err, DHT_ERR_TIMEOUT);
	t_ping(sn, 0, simnet_addr(sn, 2), &p);
	simnet_flush(sn);
	ck_assert_int_eq(p.err, DHT_OK);
	simnet_get_stats(sn, &st);
	ck_assert_uint_eq(st.lost, 2);
	simnet_set_filter(sn, NULL, NULL);

	simnet_set_down(sn, 2, 1);
	ck_assert(!simnet_alive(sn, 2));
	t_ping(sn, 0, simnet_addr(sn, 2), &p);
	simnet_run_until(sn, simnet_now(sn) + 2500);
	ck_assert_int_eq(p.err, DHT_ERR_TIMEOUT);
	simnet_set_down(sn, 2, 0);
	t_ping(sn, 0, simnet_addr(sn, 2), &p);
	simnet_flush(sn);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.err, DHT_OK);
	simnet_free(sn);
}
END_TEST

START_TEST(test_bounded)
{
	struct simnet *sn = t_net(4, 3);
	size_t via = 0;

	simnet_bootstrap(sn, 1, &via, 1);
	simnet_bootstrap(sn, 2, &via, 1);
	simnet_bootstrap(sn, 3, &via, 1);
	ck_assert_int_eq(simnet_run_until(sn, simnet_now(sn) + 60000), -1);
	ck_assert_int_lt(simnet_now(sn), 60000);
	simnet_free(sn);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("simnet");
	TCase *tc = tcase_create("simnet");

	tcase_add_test(tc, test_flush);
	tcase_add_test(tc, test_capture_inject);
	tcase_add_test(tc, test_filter_down);
	tcase_add_test(tc, test_bounded);
	suite_add_tcase(s, tc);
	return check_run(s);
}

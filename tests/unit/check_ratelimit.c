/*
 * check_ratelimit — the rate limits on their own: a quiet source's burst,
 * refill by elapsed time (never above the burst), sources keyed by scope
 * (public by IP, loopback and private by IP and port unless limit_local),
 * one source's flood leaving others their buckets, the bounded memory of
 * sources, and the global answer byte budget.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "check_util.h"
#include "ratelimit.h"

static struct addr
t_addr(const char *s)
{
	struct addr a;
	const char *errstr;

	ck_assert_int_eq(addr_parse(&a, s, &errstr), 0);
	return a;
}

static struct ratelimit *
t_new(uint32_t per_s, uint32_t burst, int limit_local)
{
	struct ratelimit_config c;
	struct ratelimit *rl;

	memset(&c, 0, sizeof(c));
	c.per_s = per_s;
	c.burst = burst;
	c.limit_local = limit_local;
	rl = ratelimit_new(&c, 42, 1000);
	ck_assert_ptr_nonnull(rl);
	return rl;
}

/* Requests from `a` at now_ms accepted out of n. */
static unsigned
t_send(struct ratelimit *rl, const char *a, unsigned n, int64_t now_ms)
{
	struct addr x = t_addr(a);
	unsigned i, ok = 0;

	for (i = 0; i < n; i++)
		ok += (unsigned)ratelimit_request(rl, &x, now_ms);
	return ok;
}

static uint64_t
t_dropped(const struct ratelimit *rl)
{
	struct ratelimit_stats st;

	ratelimit_get_stats(rl, &st);
	return st.requests_dropped;
}

START_TEST(test_burst)
{
	struct ratelimit *rl = t_new(10, 20, 0);

	ck_assert_uint_eq(t_send(rl, "1.2.3.4:5", 100, 1000), 20);
	ck_assert_uint_eq(t_dropped(rl), 80);
	ratelimit_free(rl);
	ratelimit_free(NULL);
}
END_TEST

START_TEST(test_refill)
{
	struct ratelimit *rl = t_new(10, 20, 0);

	ck_assert_uint_eq(t_send(rl, "1.2.3.4:5", 20, 1000), 20);
	/* 10/s: one request per 100 ms, thousandths carried over. */
	ck_assert_uint_eq(t_send(rl, "1.2.3.4:5", 5, 1050), 0);
	ck_assert_uint_eq(t_send(rl, "1.2.3.4:5", 5, 1100), 1);
	ck_assert_uint_eq(t_send(rl, "1.2.3.4:5", 100, 2100), 10);
	/* A clock that goes back refills nothing. */
	ck_assert_uint_eq(t_send(rl, "1.2.3.4:5", 5, 500), 0);
	/* A long quiet refills up to the burst, no more. */
	ck_assert_uint_eq(t_send(rl, "1.2.3.4:5", 100, 3600 * 1000), 20);
	/* Steady state: 10 s of 1,000/s draws the rate, not the flood. */
	{
		unsigned ok = 0;
		int64_t t;

		for (t = 3600001; t < 3610001; t++)
			ok += t_send(rl, "1.2.3.4:5", 1, t);
		ck_assert_uint_ge(ok, 99);
		ck_assert_uint_le(ok, 101);
	}
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_sources_apart)
{
	struct ratelimit *rl = t_new(10, 20, 0);

	ck_assert_uint_eq(t_send(rl, "1.2.3.4:5", 1000, 1000), 20);
	ck_assert_uint_eq(t_send(rl, "1.2.3.5:5", 1000, 1000), 20);
	ck_assert_uint_eq(t_send(rl, "[2001:db8::1]:5", 1000, 1000), 20);
	ck_assert_uint_eq(t_dropped(rl), 2940);
	ratelimit_free(rl);
}
END_TEST

/* Public: one bucket per IP; loopback and private: per IP and port. */
START_TEST(test_keyed_by_scope)
{
	struct ratelimit *rl = t_new(10, 20, 0);

	ck_assert_uint_eq(t_send(rl, "1.2.3.4:5", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "1.2.3.4:6", 15, 1000), 5);
	ck_assert_uint_eq(t_send(rl, "[2001:db8::1]:5", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "[2001:db8::1]:6", 15, 1000), 5);
	ck_assert_uint_eq(t_send(rl, "127.0.0.1:5", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "127.0.0.1:6", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "127.0.0.1:5", 15, 1000), 5);
	ck_assert_uint_eq(t_send(rl, "10.0.0.1:5", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "10.0.0.1:6", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "192.168.1.1:5", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "192.168.1.1:6", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "[::1]:5", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "[::1]:6", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "[fd00::1]:5", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "[fd00::1]:6", 15, 1000), 15);
	ratelimit_free(rl);
}
END_TEST

/* limit_local: loopback and private keyed exactly like public. */
START_TEST(test_limit_local)
{
	struct ratelimit *rl = t_new(10, 20, 1);

	ck_assert_uint_eq(t_send(rl, "1.2.3.4:5", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "1.2.3.4:6", 15, 1000), 5);
	ck_assert_uint_eq(t_send(rl, "127.0.0.1:5", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "127.0.0.1:6", 15, 1000), 5);
	ck_assert_uint_eq(t_send(rl, "10.0.0.1:5", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "10.0.0.1:6", 15, 1000), 5);
	ck_assert_uint_eq(t_send(rl, "[::1]:5", 15, 1000), 15);
	ck_assert_uint_eq(t_send(rl, "[::1]:6", 15, 1000), 5);
	/* Still one bucket per IP, not one for all local addresses. */
	ck_assert_uint_eq(t_send(rl, "127.0.0.2:5", 15, 1000), 15);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_bounded)
{
	struct ratelimit_config c;
	struct ratelimit_stats st;
	struct ratelimit *rl;
	struct addr a;
	uint32_t i;

	memset(&c, 0, sizeof(c));
	c.sources_max = 100;	/* rounded down: 64 */
	rl = ratelimit_new(&c, 7, 0);
	a = t_addr("1.0.0.0:1");
	for (i = 0; i < 100000; i++) {
		a.u.sin.sin_addr.s_addr = htonl(0x01000000u + i);
		ck_assert_int_eq(ratelimit_request(rl, &a, 0), 1);
	}
	ratelimit_get_stats(rl, &st);
	ck_assert_uint_le(st.sources, 64);
	ck_assert_uint_gt(st.sources, 0);
	ratelimit_free(rl);

	/* The default bound. */
	rl = ratelimit_new(NULL, 7, 0);
	for (i = 0; i < 100000; i++) {
		a.u.sin.sin_addr.s_addr = htonl(0x01000000u + i);
		(void)ratelimit_request(rl, &a, 0);
	}
	ratelimit_get_stats(rl, &st);
	ck_assert_uint_le(st.sources, RATELIMIT_SOURCES_MAX);
	ck_assert_uint_ge(st.sources, RATELIMIT_SOURCES_MAX / 2);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_defaults)
{
	struct ratelimit *rl = ratelimit_new(NULL, 1, 0);
	unsigned ok = 0;
	int64_t t;

	ck_assert_uint_eq(t_send(rl, "1.2.3.4:5", 10000, 0), RATELIMIT_BURST);
	/* 10,000/s for a second: the rate, and under 1,000 with the burst. */
	for (t = 1; t <= 1000; t++)
		ok += t_send(rl, "1.2.3.4:5", 10, t);
	ck_assert_uint_eq(ok, RATELIMIT_PER_S);
	ck_assert_uint_le(RATELIMIT_BURST + RATELIMIT_PER_S, 1000);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_answer_budget)
{
	struct ratelimit_config c;
	struct ratelimit_stats st;
	struct ratelimit *rl;
	unsigned i, ok = 0;

	memset(&c, 0, sizeof(c));
	c.answer_bps = 100000;
	rl = ratelimit_new(&c, 1, 1000);
	/* A second's worth at once, then nothing. */
	for (i = 0; i < 200; i++)
		ok += (unsigned)ratelimit_answer(rl, 1000, 1000);
	ck_assert_uint_eq(ok, 100);
	/* Refilled by time: 50 ms is 5,000 bytes. */
	ck_assert_int_eq(ratelimit_answer(rl, 5001, 1050), 0);
	ck_assert_int_eq(ratelimit_answer(rl, 5000, 1050), 1);
	ck_assert_int_eq(ratelimit_answer(rl, 1, 1050), 0);
	/* Never more than one second's worth, even after a long quiet. */
	ck_assert_int_eq(ratelimit_answer(rl, 100001, 9999999), 0);
	ck_assert_int_eq(ratelimit_answer(rl, 100000, 9999999), 1);
	ratelimit_get_stats(rl, &st);
	ck_assert_uint_eq(st.answers_dropped, 100 + 3);
	ck_assert_uint_eq(st.answer_bytes_dropped, 100000 + 5001 + 1 + 100001);
	ck_assert_uint_eq(st.requests_dropped, 0);
	ratelimit_free(rl);

	/* The default: 8 MiB/s. */
	rl = ratelimit_new(NULL, 1, 0);
	ok = 0;
	for (i = 0; i < 20000; i++)
		ok += (unsigned)ratelimit_answer(rl, 1024, 0);
	ck_assert_uint_eq(ok, 8192);
	ratelimit_free(rl);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc;

	tc = tcase_create("buckets");
	tcase_add_test(tc, test_burst);
	tcase_add_test(tc, test_refill);
	tcase_add_test(tc, test_sources_apart);
	tcase_add_test(tc, test_defaults);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_test(tc, test_keyed_by_scope);
	tcase_add_test(tc, test_limit_local);
	tcase_add_test(tc, test_bounded);
	suite_add_tcase(s, tc);

	tc = tcase_create("budget");
	tcase_add_test(tc, test_answer_budget);
	suite_add_tcase(s, tc);
	return check_run(s);
}

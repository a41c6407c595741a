/*
 * check_flood — the rate limits in the engine, on simnet: a flood of
 * 10,000 requests/s from one outside address draws at most 1,000 answers
 * a second (the defaults) while the honest nodes' puts and gets through
 * the flooded node keep succeeding; a second source's flood leaves a
 * first, honest one its answers (also with limit_local); many sources,
 * each under its rate, are held to the global answer byte budget; and a
 * node limited to 1 request/s still gets every answer to its own requests.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_engine.h"
#include "check_util.h"
#include "ratelimit.h"

#define FL_SECONDS	3
#define FL_PER_MS	10	/* 10,000 requests/s */
#define FL_MAX_SRC	1024
/* What one source's flood may draw in FL_SECONDS with the defaults. */
#define FL_MAX_ANSWERS	(RATELIMIT_BURST + RATELIMIT_PER_S * FL_SECONDS + 1)

/* What the filter counts: answers from node 0 to each watched address. */
struct watch {
	struct simnet	*sn;
	int64_t		 t0;
	struct addr	 src[FL_MAX_SRC];
	size_t		 nsrc;
	uint64_t	 answers[FL_MAX_SRC][FL_SECONDS + 2];	/* per second */
	uint64_t	 bytes;		/* answer bytes to all watched */
};

static long
w_index(const struct watch *w, const struct addr *a)
{
	size_t i;

	for (i = 0; i < w->nsrc; i++)
		if (addr_eq(&w->src[i], a))
			return (long)i;
	return -1;
}

/* Counts and swallows node 0's answers to watched addresses. */
static int
w_filter(void *arg, const struct simnet_dgram *d)
{
	struct watch *w = arg;
	int64_t s;
	long i;

	if (d->to_index != SIMNET_NOWHERE ||
	    !addr_eq(&d->from, simnet_addr(w->sn, 0)) ||
	    (i = w_index(w, &d->to)) < 0)
		return 0;
	if (t_is_request(t_dgram_type(d)))
		return 1;	/* node 0's admission pings: not answers */
	s = (simnet_now(w->sn) - w->t0) / 1000;
	if (s < 0)
		s = 0;
	if (s > FL_SECONDS + 1)
		s = FL_SECONDS + 1;
	w->answers[i][s]++;
	w->bytes += d->len;
	return 1;
}

static struct watch *
w_new(struct simnet *sn)
{
	struct watch *w = calloc(1, sizeof(*w));

	ck_assert_ptr_nonnull(w);
	w->sn = sn;
	simnet_set_filter(sn, w_filter, w);
	return w;
}

static size_t
w_add(struct watch *w, const struct addr *a)
{
	ck_assert_uint_lt(w->nsrc, FL_MAX_SRC);
	w->src[w->nsrc] = *a;
	return w->nsrc++;
}

static uint64_t
w_total(const struct watch *w, size_t i)
{
	uint64_t n = 0;
	size_t s;

	for (s = 0; s < FL_SECONDS + 2; s++)
		n += w->answers[i][s];
	return n;
}

/* A FIND_NODE from an outside node with ID byte `who`, encoded. */
static size_t
fl_request(uint8_t *buf, size_t max, uint8_t who, uint64_t txid)
{
	struct wire_msg m;
	ssize_t len;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_FIND_NODE;
	m.txid = txid;
	memset(m.sender.b, who, ID_LEN);
	memset(m.u.find_node.target.b, 0x5a, ID_LEN);
	len = wire_encode(&m, buf, max);
	ck_assert_int_gt(len, 0);
	return (size_t)len;
}

static void
fl_inject(struct simnet *sn, const struct addr *from, uint8_t who,
    uint64_t txid)
{
	uint8_t buf[256];
	size_t len = fl_request(buf, sizeof(buf), who, txid);

	ck_assert_int_eq(simnet_inject(sn, from, 0, buf, len), 0);
}

/* ---- one source's flood, honest operations through the flooded node --- */

#define FL_NODES	8
#define FL_OPS		512

START_TEST(test_flood_one_source)
{
	struct simnet *sn = t_net(FL_NODES, 61, NULL);
	struct res *put = calloc(FL_OPS, sizeof(*put));
	struct res *get = calloc(FL_OPS, sizeof(*get));
	struct watch *w;
	struct addr f;
	struct id key[FL_OPS];
	char data[32];
	size_t i, nput = 0, nget = 0, ok_put = 0, ok_get = 0, held = 0;
	int64_t t, end;
	uint64_t txid = 1, sent = 0;
	size_t fi;

	ck_assert_ptr_nonnull(put);
	ck_assert_ptr_nonnull(get);
	t_join_all(sn);
	w = w_new(sn);
	simnet_outside_addr(&f, 7);
	fi = w_add(w, &f);
	w->t0 = simnet_now(sn);
	end = w->t0 + FL_SECONDS * 1000;
	for (t = w->t0; t < end; t++) {
		for (i = 0; i < FL_PER_MS; i++, sent++)
			fl_inject(sn, &f, 0xf1, txid++);
		/* Every 20 ms an honest node puts a key, then gets the last. */
		if ((t - w->t0) % 20 == 0 && nput < FL_OPS) {
			simnet_key_id(&key[nput], "flood", nput);
			snprintf(data, sizeof(data), "v%zu", nput);
			ck_assert_int_eq(simnet_put(sn, 1 + nput % (FL_NODES - 1),
			    &key[nput], data, strlen(data), simnet_wall(sn),
			    simnet_wall(sn) + 3600000, put_cb, &put[nput]), 0);
			nput++;
		}
		if ((t - w->t0) % 20 == 10 && nget < nput && nput > 1 &&
		    put[nget].calls == 1) {
			ck_assert_int_eq(simnet_get(sn,
			    1 + (nget + 3) % (FL_NODES - 1), &key[nget], 0,
			    get_cb, &get[nget]), 0);
			nget++;
		}
		t_run(sn, 1);
	}
	t_run(sn, 5000);
	ck_assert_uint_eq(sent, FL_SECONDS * 1000 * FL_PER_MS);
	/* At most 1,000 answers in any second (defaults: 999, then 800). */
	for (i = 0; i < FL_SECONDS + 2; i++)
		ck_assert_uint_le(w->answers[fi][i], 1000);
	ck_assert_uint_le(w_total(w, fi), FL_MAX_ANSWERS);
	ck_assert_uint_ge(t_stats(sn, 0).rx_dropped_rate,
	    sent - w_total(w, fi) - 1);
	/* Honest puts and gets: at least 99% succeed, node 0 took part. */
	for (i = 0; i < nput; i++) {
		ck_assert_int_eq(put[i].calls, 1);
		ok_put += put[i].err == DHT_OK && put[i].remote_acks > 0;
		held += t_held(sn, 0, &key[i], NULL) == 1;
	}
	for (i = 0; i < nget; i++) {
		ck_assert_int_eq(get[i].calls, 1);
		ok_get += get[i].err == DHT_OK && get[i].nvals == 1;
	}
	fprintf(stderr, "flood: %ju requests, %ju answered (%ju/%ju/%ju per "
	    "second); honest puts %zu/%zu, gets %zu/%zu, held at node 0 %zu\n",
	    (uintmax_t)sent, (uintmax_t)w_total(w, fi),
	    (uintmax_t)w->answers[fi][0], (uintmax_t)w->answers[fi][1],
	    (uintmax_t)w->answers[fi][2], ok_put, nput, ok_get, nget, held);
	ck_assert_uint_ge(nput, 140);
	ck_assert_uint_ge(nget, 140);
	ck_assert_uint_ge(ok_put * 100, nput * 99);
	ck_assert_uint_ge(ok_get * 100, nget * 99);
	ck_assert_uint_ge(held * 100, nput * 99);
	for (i = 0; i < FL_OPS; i++) {
		res_free(&put[i]);
		res_free(&get[i]);
	}
	free(put);
	free(get);
	simnet_set_filter(sn, NULL, NULL);
	free(w);
	simnet_free(sn);
}
END_TEST

/* ---- a second source's flood does not starve the first --------------- */

static void
fl_two_sources(int limit_local)
{
	struct dht_config c = t_cfg;
	struct simnet *sn;
	struct watch *w;
	struct addr a, b;
	size_t ia, ib, i;
	uint64_t txid = 1, sent_a = 0;
	int64_t t;

	c.limit_local = limit_local;
	sn = t_net(1, 62, &c);
	w = w_new(sn);
	simnet_outside_addr(&a, 21);
	simnet_outside_addr(&b, 22);
	ia = w_add(w, &a);
	ib = w_add(w, &b);
	w->t0 = simnet_now(sn);
	for (t = 0; t < FL_SECONDS * 1000; t++) {
		for (i = 0; i < FL_PER_MS; i++)
			fl_inject(sn, &b, 0xb0, txid++);
		if (t % 10 == 0) {	/* 100 requests/s: a busy honest peer */
			fl_inject(sn, &a, 0xa0, txid++);
			sent_a++;
		}
		t_run(sn, 1);
	}
	t_run(sn, 1000);
	fprintf(stderr, "two sources%s: honest %ju/%ju answered, flood %ju\n",
	    limit_local ? " (limit_local)" : "", (uintmax_t)w_total(w, ia),
	    (uintmax_t)sent_a, (uintmax_t)w_total(w, ib));
	ck_assert_uint_ge(w_total(w, ia) * 100, sent_a * 99);
	ck_assert_uint_le(w_total(w, ib), FL_MAX_ANSWERS);
	simnet_set_filter(sn, NULL, NULL);
	free(w);
	simnet_free(sn);
}

START_TEST(test_second_source)
{
	fl_two_sources(0);
}
END_TEST

START_TEST(test_second_source_limit_local)
{
	fl_two_sources(1);
}
END_TEST

/* ---- many sources, each under its rate: the global byte budget ------- */

#define FL_BUDGET	(64 * 1024)
#define FL_SOURCES	500

START_TEST(test_answer_budget)
{
	struct dht_config c = t_cfg;
	struct simnet *sn;
	struct watch *w;
	struct addr a;
	struct dht_stats st;
	size_t i;
	uint64_t txid = 1, sent = 0;
	int64_t t;

	c.answer_bps = FL_BUDGET;
	sn = t_net(FL_NODES, 63, &c);
	t_join_all(sn);
	w = w_new(sn);
	for (i = 0; i < FL_SOURCES; i++) {
		simnet_outside_addr(&a, (uint32_t)(1000 + i));
		w_add(w, &a);
	}
	w->t0 = simnet_now(sn);
	/* Each source 20 requests/s, all together 10,000/s. */
	for (t = 0; t < FL_SECONDS * 1000; t++) {
		for (i = 0; i < FL_PER_MS; i++) {
			a = w->src[(size_t)(t * FL_PER_MS + (int64_t)i) %
			    FL_SOURCES];
			fl_inject(sn, &a, (uint8_t)i, txid++);
			sent++;
		}
		t_run(sn, 1);
	}
	t_run(sn, 1000);
	st = t_stats(sn, 0);
	fprintf(stderr, "budget %u B/s: %ju requests, %ju answer bytes in %d "
	    "s, %ju answers dropped\n", FL_BUDGET, (uintmax_t)sent,
	    (uintmax_t)w->bytes, FL_SECONDS, (uintmax_t)st.tx_dropped_budget);
	ck_assert_uint_eq(st.rx_dropped_rate, 0);
	ck_assert_uint_gt(st.tx_dropped_budget, 0);
	/* One second's burst, then the rate. */
	ck_assert_uint_le(w->bytes, (uint64_t)FL_BUDGET * (FL_SECONDS + 1));
	ck_assert_uint_ge(w->bytes, (uint64_t)FL_BUDGET * FL_SECONDS / 2);
	simnet_set_filter(sn, NULL, NULL);
	free(w);
	simnet_free(sn);
}
END_TEST

/* ---- answers to our own requests are never limited ------------------- */

START_TEST(test_own_answers_free)
{
	struct dht_config c = t_cfg;
	struct simnet *sn;
	struct res r[64];
	struct id key;
	size_t i, via = 1, ok = 0;

	/* Node 0 answers one request a second; it asks far more. */
	c.rate_per_s = 1;
	c.rate_burst = 1;
	c.answer_bps = 1;
	sn = t_net0(64);
	ck_assert_int_eq(simnet_add_config(sn, &c), 0);
	for (i = 1; i < FL_NODES; i++)
		ck_assert_int_eq(simnet_add(sn), (long)i);
	/* Node 0 answers nothing: everyone joins through node 1. */
	for (i = 2; i < FL_NODES; i++) {
		simnet_bootstrap(sn, i, &via, 1);
		t_run(sn, 10);
	}
	simnet_bootstrap(sn, 0, &via, 1);
	t_run(sn, 1000);
	memset(r, 0, sizeof(r));
	for (i = 0; i < 64; i++) {
		simnet_key_id(&key, "own", i);
		ck_assert_int_eq(simnet_put(sn, 0, &key, "x", 1,
		    simnet_wall(sn), simnet_wall(sn) + 3600000, put_cb, &r[i]),
		    0);
	}
	t_run(sn, 5000);
	for (i = 0; i < 64; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		ok += r[i].err == DHT_OK && r[i].remote_acks >= FL_NODES - 2;
	}
	ck_assert_uint_eq(ok, 64);
	simnet_free(sn);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("flood");
	TCase *tc;

	tc = tcase_create("flood");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_flood_one_source);
	tcase_add_test(tc, test_second_source);
	tcase_add_test(tc, test_second_source_limit_local);
	tcase_add_test(tc, test_answer_budget);
	tcase_add_test(tc, test_own_answers_free);
	suite_add_tcase(s, tc);
	return check_run(s);
}

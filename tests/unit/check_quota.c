/*
 * check_quota — storage quotas per source (issue 9 part 3), driven by
 * STOREs injected from addresses that are no node: a source's values
 * under one key are capped, so 2,000 junk values from one address leave
 * room for an honest value from another, which a third node then finds;
 * a source's bytes are capped; when the store is full the heaviest
 * source's oldest values go first; a node that would refuse every STORE
 * hands out no write token, and its own (local) values are never evicted.
 * The same limits per prefix (/24): 50 sources of one /24 are held to the
 * prefix's values per key and bytes, and eviction takes from the heaviest
 * prefix, not the heaviest single source.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "quota.h"
#include "simnet.h"
#include "wire.h"
#include "check_util.h"
#include "check_engine.h"

/*
 * The tests' node: thousands of hand-made requests arrive from one source
 * in one virtual instant, beyond any rate limit (check_flood tests those).
 */
static struct dht_config
t_qcfg(void)
{
	struct dht_config c = t_cfg;

	c.rate_burst = 100000;
	return c;
}

/* A STORE of `len` bytes of data under key from `from` to node to: stored? */
static int
t_qstore(struct simnet *sn, const struct addr *from, size_t to,
    const struct id *key, const uint8_t *tok, size_t toklen,
    const char *data, size_t len, int64_t created)
{
	struct wire_value v = { .data = NULL };
	struct wire_msg m, ans;
	int stored;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE;
	memset(m.sender.b, 0x5b, ID_LEN);
	m.txid = 79;
	m.u.store.key = *key;
	v.data = (const uint8_t *)data;
	v.len = (uint32_t)len;
	v.created_ms = created;
	v.expires_ms = simnet_wall(sn) + 3600000;
	m.u.store.values = &v;
	m.u.store.nvalues = 1;
	memcpy(m.u.store.token, tok, toklen);
	m.u.store.tokenlen = toklen;
	ck_assert_uint_eq(t_raw(sn, from, to, &m), 1);
	t_captured_msg(sn, 0, &ans);
	ck_assert_int_eq(ans.type, WIRE_STORE_ACK);
	stored = (int)ans.u.store_ack.stored;
	wire_msg_free(&ans);
	return stored;
}

/* A value of 100 bytes named by (tag, i), under its own key, to node to. */
static int
t_qstore_own(struct simnet *sn, size_t to, const struct addr *from,
    const char *tag, size_t i)
{
	uint8_t tok[WIRE_MAX_TOKEN];
	char data[100];
	struct id key;
	size_t n;

	simnet_key_id(&key, tag, i);
	memset(data, 'x', sizeof(data));
	snprintf(data, sizeof(data), "%s-%zu", tag, i);
	n = t_token(sn, from, to, &key, tok);
	ck_assert_uint_gt(n, 0);
	return t_qstore(sn, from, to, &key, tok, n, data, sizeof(data),
	    simnet_wall(sn));
}

static int
t_qheld(struct simnet *sn, size_t node, const char *tag, size_t i)
{
	struct id key;

	simnet_key_id(&key, tag, i);
	return t_held(sn, node, &key, NULL);
}

/*
 * 2,000 junk values under one key from one address: the first 16 (the
 * per-key quota here) are kept, the rest refused; the store's own cap
 * of 64 values a key is never reached, so an honest value from another
 * address gets in, and a third node's get finds it.
 */
START_TEST(test_junk_one_key)
{
	struct dht_config cfg = t_qcfg();
	uint8_t tok[WIRE_MAX_TOKEN], ytok[WIRE_MAX_TOKEN];
	struct simnet *sn;
	struct store_result res;
	struct addr x, y;
	struct res r;
	struct id key;
	char data[32];
	size_t n, yn, i, found = 0, kept = 0;

	cfg.quota.per_key = 16;
	sn = t_net(3, 301, &cfg);
	t_join_all(sn);
	simnet_outside_addr(&x, 100);
	simnet_outside_addr(&y, 101);
	simnet_key_id(&key, "junk", 0);
	n = t_token(sn, &x, 1, &key, tok);
	for (i = 0; i < 2000; i++) {
		snprintf(data, sizeof(data), "junk %zu", i);
		kept += (size_t)t_qstore(sn, &x, 1, &key, tok, n, data,
		    strlen(data), simnet_wall(sn));
	}
	ck_assert_uint_eq(kept, 16);
	ck_assert_uint_eq(t_stats(sn, 1).quota_refused_key, 2000 - 16);
	yn = t_token(sn, &y, 1, &key, ytok);
	ck_assert_int_eq(t_qstore(sn, &y, 1, &key, ytok, yn, "honest", 6,
	    simnet_wall(sn) - 1000), 1);
	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(store_get(simnet_store(sn, 1), key.b, 0,
	    simnet_wall(sn), &res, NULL), 0);
	ck_assert_uint_eq(res.n, 17);
	store_result_free(&res);

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(simnet_get(sn, 2, &key, 0, get_cb, &r), 0);
	t_run(sn, 5000);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, DHT_OK);
	ck_assert_uint_eq(r.nvals, 17);
	for (i = 0; i < T_VALS && i < r.nvals; i++)
		if (r.v[i].len == 6 && memcmp(r.v[i].data, "honest", 6) == 0)
			found++;
	ck_assert_uint_eq(found, 1);
	res_free(&r);
	simnet_free(sn);
}
END_TEST

/* A source's cost is capped: the sixth value of 100 bytes is refused. */
START_TEST(test_source_bytes)
{
	struct dht_config cfg = t_qcfg();
	struct simnet *sn;
	struct addr x, y;
	size_t i, kept = 0;

	cfg.quota.source_bytes = 5 * quota_cost(100);
	sn = t_net(2, 302, &cfg);
	t_join_all(sn);
	simnet_outside_addr(&x, 100);
	simnet_outside_addr(&y, 101);
	for (i = 0; i < 8; i++)
		kept += (size_t)t_qstore_own(sn, 1, &x, "sb", i);
	ck_assert_uint_eq(kept, 5);
	ck_assert_uint_eq(t_stats(sn, 1).quota_refused_source, 3);
	/* Another address is another source. */
	ck_assert_int_eq(t_qstore_own(sn, 1, &y, "sby", 0), 1);
	simnet_free(sn);
}
END_TEST

/*
 * The store holds 40 values of 100 bytes' cost.  B stores 10 first, then
 * A 25: 35.  C's 10 then fill it and take 5 of A's (the heaviest) oldest
 * values, none of B's (the first to come), and A, still the heaviest,
 * is refused its next one.
 */
START_TEST(test_evict_heaviest)
{
	struct dht_config cfg = t_qcfg();
	struct simnet *sn;
	struct addr a, b, c;
	size_t i;

	cfg.quota.total = 40 * quota_cost(100);
	sn = t_net(1, 303, &cfg);
	simnet_outside_addr(&a, 100);
	simnet_outside_addr(&b, 101);
	simnet_outside_addr(&c, 102);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(t_qstore_own(sn, 0, &b, "B", i), 1);
	for (i = 0; i < 25; i++)
		ck_assert_int_eq(t_qstore_own(sn, 0, &a, "A", i), 1);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(t_qstore_own(sn, 0, &c, "C", i), 1);
	ck_assert_uint_eq(t_stats(sn, 0).quota_evicted, 5);
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(t_qheld(sn, 0, "B", i), 1);
		ck_assert_int_eq(t_qheld(sn, 0, "C", i), 1);
	}
	for (i = 0; i < 25; i++)
		ck_assert_int_eq(t_qheld(sn, 0, "A", i), i >= 5);
	ck_assert_int_eq(t_qstore_own(sn, 0, &a, "A", 25), 0);
	ck_assert_uint_eq(t_stats(sn, 0).quota_refused_full, 1);
	ck_assert_int_eq(t_qheld(sn, 0, "A", 25), 0);
	simnet_free(sn);
}
END_TEST

/*
 * The node's own values fill it: no STORE could get in (nothing is
 * evictable), so no write token is handed out, and a STORE with a token
 * from before is refused while every local value stays.
 */
START_TEST(test_full_of_local)
{
	struct dht_config cfg = t_qcfg();
	uint8_t tok[WIRE_MAX_TOKEN], data[100];
	struct simnet *sn;
	struct addr x;
	struct res r;
	struct id key, k;
	size_t i, n;

	cfg.quota.total = 10 * quota_cost(100);
	sn = t_net(1, 304, &cfg);
	simnet_outside_addr(&x, 100);
	simnet_key_id(&key, "remote", 0);
	n = t_token(sn, &x, 0, &key, tok);
	ck_assert_uint_gt(n, 0);
	memset(data, 'l', sizeof(data));
	for (i = 0; i < 10; i++) {
		simnet_key_id(&k, "local", i);
		memset(&r, 0, sizeof(r));
		ck_assert_int_eq(simnet_put(sn, 0, &k, data, sizeof(data),
		    simnet_wall(sn), simnet_wall(sn) + 3600000, put_cb, &r),
		    0);
		t_run(sn, 100);
		ck_assert_int_eq(r.calls, 1);
		ck_assert_int_eq(r.err, DHT_OK);
	}
	ck_assert_uint_eq(t_token(sn, &x, 0, &key, tok + 16), 0);
	ck_assert_uint_eq(t_stats(sn, 0).tokens_withheld, 1);
	ck_assert_int_eq(t_qstore(sn, &x, 0, &key, tok, n, "r", 1,
	    simnet_wall(sn)), 0);
	ck_assert_uint_eq(t_stats(sn, 0).quota_refused_full, 1);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(t_qheld(sn, 0, "local", i), 1);
	simnet_free(sn);
}
END_TEST

/* ---- per prefix ------------------------------------------------------ */

/* A public IPv4 source a.b.c.d (the simulator's nodes are on loopback). */
static void
t_pub(struct addr *x, unsigned a, unsigned b, unsigned c, unsigned d)
{
	memset(x, 0, sizeof(*x));
	x->u.sin.sin_family = AF_INET;
	x->u.sin.sin_port = htons(4000 + (d & 0xff));
	x->u.sin.sin_addr.s_addr = htonl((uint32_t)(a << 24 | b << 16 |
	    c << 8 | d));
	x->len = sizeof(x->u.sin);
}

/*
 * 50 sources in one /24 store 10 junk values each under one key: each
 * is under its own per-key quota (16), but together they are held to
 * the prefix's (40); an honest value from another prefix still gets in
 * and a third node's get finds it.
 */
START_TEST(test_prefix_one_key)
{
	struct dht_config cfg = t_qcfg();
	uint8_t tok[WIRE_MAX_TOKEN];
	struct simnet *sn;
	struct addr x, y;
	struct res r;
	struct id key;
	char data[32];
	size_t n, i, j, kept = 0, found = 0;

	cfg.quota.per_key = 16;
	cfg.quota.prefix_per_key = 40;
	sn = t_net(3, 305, &cfg);
	t_join_all(sn);
	simnet_key_id(&key, "pjunk", 0);
	for (i = 0; i < 50; i++) {
		t_pub(&x, 203, 0, 113, (unsigned)i + 1);
		n = t_token(sn, &x, 1, &key, tok);
		ck_assert_uint_gt(n, 0);
		for (j = 0; j < 10; j++) {
			snprintf(data, sizeof(data), "junk %zu.%zu", i, j);
			kept += (size_t)t_qstore(sn, &x, 1, &key, tok, n,
			    data, strlen(data), simnet_wall(sn));
		}
	}
	ck_assert_uint_eq(kept, 40);
	ck_assert_uint_eq(t_stats(sn, 1).quota_refused_key, 500 - 40);
	t_pub(&y, 198, 51, 100, 7);
	n = t_token(sn, &y, 1, &key, tok);
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(t_qstore(sn, &y, 1, &key, tok, n, "honest", 6,
	    simnet_wall(sn) - 1000), 1);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(simnet_get(sn, 2, &key, 0, get_cb, &r), 0);
	t_run(sn, 5000);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, DHT_OK);
	ck_assert_uint_eq(r.nvals, 41);
	for (i = 0; i < T_VALS && i < r.nvals; i++)
		if (r.v[i].len == 6 && memcmp(r.v[i].data, "honest", 6) == 0)
			found++;
	ck_assert_uint_eq(found, 1);
	res_free(&r);
	simnet_free(sn);
}
END_TEST

/*
 * A prefix's cost is capped across its sources: 50 sources of one /24
 * storing a value of 100 bytes each get 20 in; another /24 is another
 * prefix.
 */
START_TEST(test_prefix_bytes)
{
	struct dht_config cfg = t_qcfg();
	struct simnet *sn;
	struct addr x;
	size_t i, kept = 0;

	cfg.quota.prefix_bytes = 20 * quota_cost(100);
	sn = t_net(2, 306, &cfg);
	t_join_all(sn);
	for (i = 0; i < 50; i++) {
		t_pub(&x, 203, 0, 113, (unsigned)i + 1);
		kept += (size_t)t_qstore_own(sn, 1, &x, "pb", i);
	}
	ck_assert_uint_eq(kept, 20);
	ck_assert_uint_eq(t_stats(sn, 1).quota_refused_source, 30);
	t_pub(&x, 203, 0, 114, 1);
	ck_assert_int_eq(t_qstore_own(sn, 1, &x, "pbo", 0), 1);
	simnet_free(sn);
}
END_TEST

/*
 * The store holds 40 values.  25 sources of one /24 store one each, B
 * (another /24) 10: B is the heaviest source, the /24 the heaviest
 * prefix.  C's 10 then take 5 values of the /24, none of B's.
 */
START_TEST(test_prefix_evict)
{
	struct dht_config cfg = t_qcfg();
	struct simnet *sn;
	struct addr p[25], b, c;
	size_t i, held = 0;

	cfg.quota.total = 40 * quota_cost(100);
	sn = t_net(1, 307, &cfg);
	t_pub(&b, 198, 51, 100, 1);
	t_pub(&c, 192, 0, 2, 1);
	for (i = 0; i < 25; i++) {
		t_pub(&p[i], 203, 0, 113, (unsigned)i + 1);
		ck_assert_int_eq(t_qstore_own(sn, 0, &p[i], "P", i), 1);
	}
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(t_qstore_own(sn, 0, &b, "B", i), 1);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(t_qstore_own(sn, 0, &c, "C", i), 1);
	ck_assert_uint_eq(t_stats(sn, 0).quota_evicted, 5);
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(t_qheld(sn, 0, "B", i), 1);
		ck_assert_int_eq(t_qheld(sn, 0, "C", i), 1);
	}
	for (i = 0; i < 25; i++)
		held += (size_t)t_qheld(sn, 0, "P", i);
	ck_assert_uint_eq(held, 20);
	simnet_free(sn);
}
END_TEST

/*
 * A key full in the store: the value that makes room is the oldest under
 * that key of the source holding most there, and only if that is two
 * more than the newcomer holds; a local put takes it from any source.
 */
START_TEST(test_key_victim)
{
	struct quota_limits lim;
	struct quota *q;
	struct quota_victim v;
	struct addr a, b, c;
	struct id key, other;
	uint8_t h[32];
	const char *why;
	int i;

	memset(&lim, 0, sizeof(lim));
	lim.per_key = 100;
	ck_assert_ptr_nonnull(q = quota_new(&lim, 7));
	ck_assert_int_eq(addr_parse(&a, "203.0.113.1:4000", &why), 0);
	ck_assert_int_eq(addr_parse(&b, "198.51.100.1:4000", &why), 0);
	ck_assert_int_eq(addr_parse(&c, "192.0.2.1:4000", &why), 0);
	memset(key.b, 1, sizeof(key.b));
	memset(other.b, 2, sizeof(other.b));
	memset(h, 0, sizeof(h));
	h[0] = 0xaa;		/* A's one value under another key, first */
	quota_add(q, &a, &other, h, 10, 1000000);
	for (i = 0; i < 10; i++) {
		h[0] = (uint8_t)i;
		quota_add(q, &a, &key, h, 10, 1000000);
	}
	for (i = 0; i < 3; i++) {
		h[0] = (uint8_t)(0x40 + i);
		quota_add(q, &b, &key, h, 10, 1000000);
	}
	/* C holds nothing: A (10 under key) gives its oldest under key. */
	ck_assert_int_eq(quota_key_victim(q, &c, &key, &v), 1);
	ck_assert(memcmp(v.key.b, key.b, ID_LEN) == 0);
	ck_assert_uint_eq(v.hash[0], 0);
	ck_assert_int_eq(quota_key_victim(q, &c, &key, &v), 1);
	ck_assert_uint_eq(v.hash[0], 1);
	/* A itself: B holds 3 < 8 + 2, nothing goes. */
	ck_assert_int_eq(quota_key_victim(q, &a, &key, &v), 0);
	/* B (3): A holds 8 >= 3 + 2. */
	ck_assert_int_eq(quota_key_victim(q, &b, &key, &v), 1);
	ck_assert_uint_eq(v.hash[0], 2);
	/* A local put takes from the heaviest, A. */
	ck_assert_int_eq(quota_key_victim(q, NULL, &key, &v), 1);
	ck_assert_uint_eq(v.hash[0], 3);
	/* A's value under the other key was never a candidate. */
	ck_assert_int_eq(quota_key_victim(q, NULL, &other, &v), 1);
	ck_assert_uint_eq(v.hash[0], 0xaa);
	ck_assert_int_eq(quota_key_victim(q, NULL, &other, &v), 0);
	quota_free(q);
}
END_TEST

/*
 * Key fill: four sources from four /24s store 16 values each under one
 * key (each within its own quota) and fill the store's 64 a key.  An
 * honest source's value still gets in (the oldest of a heaviest source
 * goes), a heavy source cannot take a place back by the same rule, and a
 * local put under the full key gets in too.
 */
START_TEST(test_key_full)
{
	struct dht_config cfg = t_qcfg();
	uint8_t tok[WIRE_MAX_TOKEN];
	struct simnet *sn;
	struct addr src[4], honest;
	struct res r;
	struct id key;
	char data[64];
	size_t i, j, n;

	sn = t_net(1, 305, &cfg);
	simnet_key_id(&key, "keyfill", 0);
	for (i = 0; i < 4; i++) {
		t_pub(&src[i], 203, 0, (unsigned)(10 + i), 7);
		n = t_token(sn, &src[i], 0, &key, tok);
		for (j = 0; j < 16; j++) {
			snprintf(data, sizeof(data), "junk-%zu-%zu", i, j);
			ck_assert_int_eq(t_qstore(sn, &src[i], 0, &key, tok,
			    n, data, strlen(data), simnet_wall(sn)), 1);
		}
	}
	ck_assert_int_eq(t_held(sn, 0, &key, NULL), 64);
	t_pub(&honest, 198, 51, 100, 9);
	n = t_token(sn, &honest, 0, &key, tok);
	ck_assert_int_eq(t_qstore(sn, &honest, 0, &key, tok, n, "honest", 6,
	    simnet_wall(sn)), 1);
	ck_assert_uint_eq(t_stats(sn, 0).quota_evicted_key, 1);
	ck_assert_int_eq(t_held(sn, 0, &key, NULL), 64);
	/* Source 0 lost one (15 left); the others hold 16: not 2 more. */
	for (i = 0; i < 4; i++) {
		n = t_token(sn, &src[i], 0, &key, tok);
		snprintf(data, sizeof(data), "again-%zu", i);
		ck_assert_int_eq(t_qstore(sn, &src[i], 0, &key, tok, n, data,
		    strlen(data), simnet_wall(sn)), 0);
	}
	ck_assert_uint_eq(t_stats(sn, 0).store_refused, 4);
	ck_assert_uint_eq(t_stats(sn, 0).quota_evicted_key, 1);
	/* A local put under the full key. */
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(simnet_put(sn, 0, &key, "mine", 4, simnet_wall(sn),
	    simnet_wall(sn) + 3600000, put_cb, &r), 0);
	t_run(sn, 100);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, DHT_OK);
	ck_assert_uint_eq(t_stats(sn, 0).quota_evicted_key, 2);
	ck_assert_int_eq(t_held(sn, 0, &key, NULL), 64);
	simnet_free(sn);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("quota");
	TCase *tc;

	tc = tcase_create("quota");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_junk_one_key);
	tcase_add_test(tc, test_source_bytes);
	tcase_add_test(tc, test_evict_heaviest);
	tcase_add_test(tc, test_full_of_local);
	tcase_add_test(tc, test_prefix_one_key);
	tcase_add_test(tc, test_prefix_bytes);
	tcase_add_test(tc, test_prefix_evict);
	tcase_add_test(tc, test_key_victim);
	tcase_add_test(tc, test_key_full);
	suite_add_tcase(s, tc);
	return check_run(s);
}

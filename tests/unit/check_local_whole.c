/*
 * check_local_whole — dht_config.local_whole (wire_whole_max): to and from
 * a loopback peer, a message up to WIRE_MAX_LOCAL_DATAGRAM bytes travels
 * as one datagram; everyone else, and every engine without it, keeps to
 * WIRE_MAX_DATAGRAM and fragments.  The simulator's nodes sit at 127.x
 * addresses, so both sides of the rule run here.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "frag.h"
#include "simnet.h"
#include "wire.h"
#include "check_util.h"
#include "check_engine.h"

#define T_BIG	16384	/* a value that needs 14 fragments */

/* What a network carried: datagrams, fragments and the longest. */
struct tally {
	size_t	datagrams;
	size_t	frags;
	size_t	longest;
};

static int
tally_filter(void *arg, const struct simnet_dgram *d)
{
	struct tally *t = arg;

	t->datagrams++;
	if (d->len > WIRE_HDR_LEN && d->buf[3] == WIRE_KIND_FRAG)
		t->frags++;
	if (d->len > t->longest)
		t->longest = d->len;
	return 0;
}

/* Four joined nodes of cfg; node 1 puts a T_BIG value, node 3 gets it. */
static struct tally
t_put_get_big(const struct dht_config *cfg)
{
	struct simnet *sn = t_net(4, 21, cfg);
	static uint8_t val[T_BIG];
	struct tally t;
	struct res p, g;
	struct id key;

	memset(&t, 0, sizeof(t));
	memset(&p, 0, sizeof(p));
	memset(&g, 0, sizeof(g));
	memset(val, 0xa5, sizeof(val));
	t_join_all(sn);
	simnet_set_filter(sn, tally_filter, &t);
	id_from_name(&key, "big", 3);
	ck_assert_int_eq(dht_put(simnet_dht(sn, 1), &key, val, sizeof(val),
	    simnet_wall(sn), simnet_wall(sn) + 60000, simnet_now(sn),
	    simnet_wall(sn), put_cb, &p), 0);
	simnet_touch(sn, 1);
	t_run(sn, 5000);
	ck_assert_int_eq(p.calls, 1);
	ck_assert_int_eq(p.err, DHT_OK);
	ck_assert_uint_eq(p.remote_acks, 3);
	ck_assert_int_eq(dht_get(simnet_dht(sn, 3), &key, 0, simnet_now(sn),
	    simnet_wall(sn), get_cb, &g), 0);
	simnet_touch(sn, 3);
	t_run(sn, 5000);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.err, DHT_OK);
	ck_assert_uint_eq(g.nvals, 1);
	ck_assert_uint_eq(g.v[0].len, sizeof(val));
	ck_assert_mem_eq(g.v[0].data, val, sizeof(val));
	res_free(&g);
	ck_assert_uint_eq(t_stats(sn, 1).frag_nacks_sent, 0);
	simnet_free(sn);
	return t;
}

/*
 * With local_whole, the three STOREs and the fetched value go whole: no
 * fragment, and datagrams longer than WIRE_MAX_DATAGRAM.  Without it,
 * the same put and get fragment and nothing is longer.
 */
START_TEST(test_big_value_whole)
{
	struct dht_config cfg = t_cfg;
	struct tally on, off;

	cfg.local_whole = 1;
	on = t_put_get_big(&cfg);
	off = t_put_get_big(NULL);
	ck_assert_uint_eq(on.frags, 0);
	ck_assert_uint_gt(on.longest, T_BIG);
	ck_assert_uint_le(on.longest, WIRE_MAX_LOCAL_DATAGRAM);
	/* 3 STOREs of 14 fragments (node 3 holds a copy: its get is local). */
	ck_assert_uint_ge(off.frags, 3 * (T_BIG / FRAG_PAYLOAD_MAX + 1));
	ck_assert_uint_le(off.longest, WIRE_MAX_DATAGRAM);
	ck_assert_uint_lt(on.datagrams, off.datagrams);
}
END_TEST

/* A STORE of a 2,000-byte value under "w", encoded into buf; its length. */
static size_t
t_big_store(struct simnet *sn, uint8_t *buf, size_t cap)
{
	static uint8_t data[2000];
	struct wire_value v;
	struct wire_msg m;
	ssize_t len;

	memset(&v, 0, sizeof(v));
	memset(&m, 0, sizeof(m));
	memset(data, 7, sizeof(data));
	m.type = WIRE_STORE;
	memset(m.sender.b, 0x33, ID_LEN);
	m.txid = 9;
	id_from_name(&m.u.store.key, "w", 1);
	v.data = data;
	v.len = sizeof(data);
	v.created_ms = simnet_wall(sn);
	v.expires_ms = simnet_wall(sn) + 60000;
	m.u.store.values = &v;
	m.u.store.nvalues = 1;
	len = wire_encode(&m, buf, cap);
	ck_assert_int_gt(len, WIRE_MAX_DATAGRAM);
	return (size_t)len;
}

static uint64_t
t_decode_drops(struct simnet *sn, size_t i)
{
	return t_stats(sn, i).rx_dropped_decode;
}

/*
 * Only a loopback source may send more than WIRE_MAX_DATAGRAM whole, and
 * only to an engine with local_whole; and never more than
 * WIRE_MAX_LOCAL_DATAGRAM.  Node 0 has it, node 1 does not.
 */
START_TEST(test_whole_only_from_loopback)
{
	struct dht_config cfg = t_cfg;
	struct simnet *sn = t_net0(22);
	static uint8_t huge[WIRE_MAX_LOCAL_DATAGRAM + 1];
	uint8_t buf[4096];
	struct addr lo, out;
	const char *errstr;
	size_t len;
	uint64_t d0, d1;

	cfg.local_whole = 1;
	ck_assert_int_eq(simnet_add_config(sn, &cfg), 0);
	ck_assert_int_eq(simnet_add_config(sn, &t_cfg), 1);
	ck_assert_int_eq(addr_parse(&lo, "127.9.9.9:7000", &errstr), 0);
	simnet_outside_addr(&out, 5);
	len = t_big_store(sn, buf, sizeof(buf));
	d0 = t_decode_drops(sn, 0);
	d1 = t_decode_drops(sn, 1);

	/* From loopback to node 0: decoded (then refused: no token). */
	ck_assert_int_eq(simnet_inject(sn, &lo, 0, buf, len), 0);
	t_flush(sn);
	ck_assert_uint_eq(t_decode_drops(sn, 0), d0);
	ck_assert_uint_eq(t_stats(sn, 0).rx_dropped_token, 1);
	/* From a private address: dropped before decoding. */
	ck_assert_int_eq(simnet_inject(sn, &out, 0, buf, len), 0);
	t_flush(sn);
	ck_assert_uint_eq(t_decode_drops(sn, 0), d0 + 1);
	/* Longer than WIRE_MAX_LOCAL_DATAGRAM, even from loopback. */
	memcpy(huge, buf, len);
	ck_assert_int_eq(simnet_inject(sn, &lo, 0, huge, sizeof(huge)), 0);
	t_flush(sn);
	ck_assert_uint_eq(t_decode_drops(sn, 0), d0 + 2);
	ck_assert_uint_eq(t_stats(sn, 0).rx_dropped_token, 1);
	/* Node 1, without local_whole: dropped from loopback too. */
	ck_assert_int_eq(simnet_inject(sn, &lo, 1, buf, len), 0);
	t_flush(sn);
	ck_assert_uint_eq(t_decode_drops(sn, 1), d1 + 1);
	ck_assert_uint_eq(t_stats(sn, 1).rx_dropped_token, 0);
	simnet_free(sn);
}
END_TEST

/* Where the line falls: wire_whole_max for each kind of address. */
START_TEST(test_whole_max)
{
	static const struct {
		const char	*addr;
		size_t		 on;
	} t[] = {
		{ "127.0.0.1:1", WIRE_MAX_LOCAL_DATAGRAM },
		{ "127.255.0.9:1", WIRE_MAX_LOCAL_DATAGRAM },
		{ "[::1]:1", WIRE_MAX_LOCAL_DATAGRAM },
		{ "[::ffff:127.0.0.2]:1", WIRE_MAX_LOCAL_DATAGRAM },
		{ "10.0.0.1:1", WIRE_MAX_DATAGRAM },
		{ "192.168.1.1:1", WIRE_MAX_DATAGRAM },
		{ "8.8.8.8:1", WIRE_MAX_DATAGRAM },
		{ "[fe80::1]:1", WIRE_MAX_DATAGRAM },
		{ "[2001:db8::1]:1", WIRE_MAX_DATAGRAM },
	};
	const char *errstr;
	struct addr a;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_msg(addr_parse(&a, t[i].addr, &errstr) == 0, "%s",
		    t[i].addr);
		ck_assert_uint_eq(wire_whole_max(&a, 1), t[i].on);
		ck_assert_uint_eq(wire_whole_max(&a, 0), WIRE_MAX_DATAGRAM);
	}
}
END_TEST

static Suite *
local_whole_suite(void)
{
	Suite *s = suite_create("local_whole");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_whole_max);
	tcase_add_test(tc, test_big_value_whole);
	tcase_add_test(tc, test_whole_only_from_loopback);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(local_whole_suite());
}

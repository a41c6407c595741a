/*
 * check_integrity — routing table integrity and bounded lookups on simnet:
 * fake hosts that answer every FIND_NODE with ever-closer fake nodes
 * (the lookup ends by its query cap or its deadline), KNOWN-DEFECT 4
 * (thousands of mutated copies of real datagrams from one address make
 * no entries), a Sybil on one host with many ports (the per-IP limit),
 * the endpoint proof for requesters, and relay sanity.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_engine.h"
#include "check_util.h"
#include "lookup.h"
#include "op.h"

/* ---- fake hosts -------------------------------------------------------- */

#define F_MAX		8192	/* fake nodes made up, at most */
#define F_BASE		1000	/* fake i lives at simnet_outside_addr(F_BASE + i) */

struct fakes {
	struct simnet	*sn;
	struct prng	 p;
	struct id	 target;
	struct id	 id[F_MAX];
	struct keys_pair key0;		/* fake 0's: the one with a real ID */
	uint16_t	 prefix[F_MAX];	/* with the target */
	size_t		 n;
	int		 all_answer;	/* else only fake 0 answers */
	size_t		 queries;	/* FIND_NODEs that reached fakes */
};

static void
f_addr(struct addr *a, size_t i)
{
	simnet_outside_addr(a, (uint32_t)(F_BASE + i));
}

/* Index of the fake at a, or -1. */
static long
f_index(const struct fakes *f, const struct addr *a)
{
	struct addr x;
	uint8_t ip[16];
	uint32_t n;

	if (addr_ip_bytes(a, ip) != 4 || ip[0] != 10)
		return -1;
	n = ((uint32_t)ip[1] << 16) | ((uint32_t)ip[2] << 8) | ip[3];
	if (n < F_BASE || n - F_BASE >= f->n)
		return -1;
	f_addr(&x, n - F_BASE);
	return addr_eq(&x, a) ? (long)(n - F_BASE) : -1;
}

/* A new fake sharing exactly `prefix` bits with the target. */
static long
f_new(struct fakes *f, unsigned prefix)
{
	struct id *id;
	size_t i, q;

	if (f->n == F_MAX)
		return -1;
	if (prefix > ID_BITS - 1)
		prefix = ID_BITS - 1;
	id = &f->id[f->n];
	/*
	 * Fake 0 enters node 0's table: its ID must be its key's, so its
	 * prefix is what the key gives (the others' are made up).
	 */
	if (f->n == 0) {
		t_ident(&f->key0, id, prng_next(&f->p));
		f->prefix[0] = (uint16_t)id_prefixlen(id, &f->target);
		return (long)f->n++;
	}
	for (i = 0; i < ID_LEN; i++)
		id->b[i] = (uint8_t)(prng_next(&f->p) >> 24);
	q = prefix / 8;
	memcpy(id->b, f->target.b, q);
	id->b[q] = (uint8_t)((f->target.b[q] & (0xff00 >> (prefix % 8))) |
	    (~f->target.b[q] & (0x80 >> (prefix % 8))) |
	    (id->b[q] & (0xff >> (prefix % 8 + 1))));
	f->prefix[f->n] = (uint16_t)prefix;
	return (long)f->n++;
}

static void
f_send(struct fakes *f, size_t from, struct wire_msg *m)
{
	static uint8_t buf[WIRE_MAX_MESSAGE];
	struct addr a;
	ssize_t len;

	len = wire_encode(m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	ck_assert_int_le(len, WIRE_MAX_DATAGRAM);
	f_addr(&a, from);
	ck_assert_int_eq(simnet_inject(f->sn, &a, 0, buf, (size_t)len), 0);
}

/*
 * Answers what node 0 sent to the fakes since the last call: a PONG to
 * every PING; to a FIND_NODE, if that fake answers, k fakes one bit
 * closer to the target than itself.
 */
static void
f_serve(struct fakes *f)
{
	struct wire_node wn[WIRE_MAX_NODES];
	struct wire_msg q, m;
	const struct simnet_dgram *d;
	const char *errstr;
	size_t i, j, nn;
	long fi, ni;

	for (i = 0; i < simnet_ncaptured(f->sn); i++) {
		d = simnet_captured(f->sn, i);
		if ((fi = f_index(f, &d->to)) < 0 ||
		    wire_decode(d->buf, d->len, &q, &errstr) == -1)
			continue;
		memset(&m, 0, sizeof(m));
		m.sender = f->id[fi];
		m.txid = q.txid;
		if (q.type == WIRE_PING) {
			/* Only fake 0 can prove its ID. */
			t_pong(&m, &q, &f->key0, simnet_id(f->sn, 0), &d->from);
			if (fi != 0)
				m.u.pong.has_proof = 0;
			f_send(f, (size_t)fi, &m);
		} else if (q.type == WIRE_FIND_NODE) {
			f->queries++;
			if (fi != 0 && !f->all_answer) {
				wire_msg_free(&q);
				continue;
			}
			for (nn = 0, j = 0; j < ROUTE_K; j++) {
				if ((ni = f_new(f, f->prefix[fi] + 1u)) < 0)
					break;
				wn[nn].id = f->id[ni];
				f_addr(&wn[nn].addr, (size_t)ni);
				nn++;
			}
			m.type = WIRE_NODES;
			m.u.nodes.nodes = wn;
			m.u.nodes.nnodes = nn;
			f_send(f, (size_t)fi, &m);
		}
		wire_msg_free(&q);
	}
	simnet_capture_clear(f->sn);
}

struct found {
	int		 calls;
	enum dht_err	 err;
	int64_t		 at_ms;
};

static void
found_cb(void *arg, enum dht_err err, const struct route_node *nodes,
    size_t n, int64_t now_ms)
{
	struct found *r = arg;

	r->calls++;
	r->err = err;
	r->at_ms = now_ms;
}

/*
 * One node whose table holds only fake 0; a lookup of the target among
 * the fakes.  Returns how long the lookup took; *st its node's counters.
 */
static int64_t
f_lookup(struct fakes *f, const struct dht_config *cfg, int64_t limit_ms,
    struct dht_stats *st)
{
	struct addr x;
	struct found r;
	struct res pr;
	int64_t t0;

	f->sn = t_net(1, 77, cfg);
	f->p.s = 0x5eed;
	memset(f->target.b, 0x5a, ID_LEN);
	ck_assert_int_eq(f_new(f, 0), 0);
	/* Fake 0 enters the table by answering our ping. */
	f_addr(&x, 0);
	memset(&pr, 0, sizeof(pr));
	ck_assert_int_eq(dht_ping(simnet_dht(f->sn, 0), &x,
	    simnet_now(f->sn), ping_cb, &pr), 0);
	simnet_touch(f->sn, 0);
	t_flush(f->sn);
	f_serve(f);
	t_flush(f->sn);
	ck_assert_int_eq(pr.err, DHT_OK);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(f->sn, 0)), 1);

	memset(&r, 0, sizeof(r));
	t0 = simnet_now(f->sn);
	ck_assert_int_eq(simnet_find_node(f->sn, 0, &f->target, found_cb, &r),
	    0);
	while (r.calls == 0 && simnet_now(f->sn) - t0 < limit_ms) {
		t_run(f->sn, 50);
		f_serve(f);
	}
	*st = t_stats(f->sn, 0);
	simnet_free(f->sn);
	ck_assert_msg(r.calls == 1, "the lookup did not end in %lld ms",
	    (long long)limit_ms);
	return r.at_ms - t0;
}

/* Every fake answers at once with closer fakes: the query cap ends it. */
START_TEST(test_lookup_cap)
{
	static struct fakes f;
	struct dht_stats st;
	int64_t took;
	unsigned cap = LOOKUP_QUERIES_PER_K * t_cfg.k + t_cfg.alpha;

	memset(&f, 0, sizeof(f));
	f.all_answer = 1;
	took = f_lookup(&f, NULL, 120000, &st);
	ck_assert_uint_le(f.queries, cap);
	ck_assert_uint_le(st.lookup_queries, cap);
	ck_assert_int_lt(took, OP_LOOKUP_DEADLINE_MS);
	ck_assert_uint_eq(st.lookup_capped, 1);
}
END_TEST

/*
 * One fake names k closer fakes that never answer, each costing a slow
 * timeout (3 s, twice): without a deadline the lookup would take
 * 20 / 3 * 6 s = 40 s.  The deadline ends it.
 */
START_TEST(test_lookup_deadline)
{
	static struct fakes f;
	struct dht_config cfg = t_cfg;
	struct dht_stats st;
	int64_t took;

	memset(&f, 0, sizeof(f));
	cfg.rpc_timeout_ms = 3000;
	took = f_lookup(&f, &cfg, 120000, &st);
	ck_assert_int_ge(took, OP_LOOKUP_DEADLINE_MS);
	ck_assert_int_le(took, OP_LOOKUP_DEADLINE_MS + 100);
	ck_assert_uint_eq(st.lookup_expired, 1);
}
END_TEST

/* ---- KNOWN-DEFECT 4 ---------------------------------------------------- */

#define D_KEEP	256	/* real datagrams kept from node 1 to node 0 */

struct tap {
	struct simnet	*sn;
	uint8_t		*buf[D_KEEP];
	size_t		 len[D_KEEP];
	size_t		 n;
};

static int
tap_filter(void *arg, const struct simnet_dgram *d)
{
	struct tap *t = arg;

	if (t->n < D_KEEP && d->to_index == 0 &&
	    addr_eq(&d->from, simnet_addr(t->sn, 1)) && d->len > 4 &&
	    d->buf[3] == WIRE_KIND_WHOLE) {
		t->buf[t->n] = malloc(d->len);
		ck_assert_ptr_nonnull(t->buf[t->n]);
		memcpy(t->buf[t->n], d->buf, d->len);
		t->len[t->n++] = d->len;
	}
	return 0;
}

/* Every entry of node i's table is a real node at its own address. */
static void
t_table_real(struct simnet *sn, size_t i)
{
	static struct route_node v[ROUTE_MAX_NODES];
	size_t j, n;
	long k;

	n = dht_peers(simnet_dht(sn, i), v, ROUTE_MAX_NODES);
	for (j = 0; j < n; j++) {
		k = simnet_find_id(sn, &v[j].id);
		ck_assert_msg(k >= 0 && addr_eq(&v[j].addr,
		    simnet_addr(sn, (size_t)k)), "entry %zu of %zu is made up",
		    j, n);
	}
}

/*
 * 5,000 copies of real datagrams from node 1 to node 0, each with 1-3
 * random bytes changed (flipped sender-ID bits make "new nodes"), sent
 * from node 1's address.  Before the endpoint proof, 37 of a node's 42
 * entries pointed at that address.
 */
static void
kd4(int limit_local, size_t *at_addr, size_t *total)
{
	static struct tap t;
	struct dht_config cfg = t_cfg;
	struct prng p = { 0xd4 };
	struct found fr;
	struct simnet *sn;
	uint8_t buf[WIRE_MAX_DATAGRAM];
	struct res r;
	struct id key;
	size_t i, j, k, n;

	cfg.limit_local = limit_local;
	sn = t_net(12, 44, &cfg);
	memset(&t, 0, sizeof(t));
	t.sn = sn;
	simnet_set_filter(sn, tap_filter, &t);
	t_join_all(sn);
	for (i = 0; i < 30; i++) {
		simnet_key_id(&key, "kd4", i);
		memset(&r, 0, sizeof(r));
		ck_assert_int_eq(simnet_put(sn, 1, &key, "v", 1,
		    simnet_wall(sn), simnet_wall(sn) + 3600000, put_cb, &r),
		    0);
		t_run(sn, 200);
		ck_assert_int_eq(simnet_find_node(sn, 1, &key, found_cb, &fr),
		    0);
		t_run(sn, 200);
		res_free(&r);
	}
	simnet_set_filter(sn, NULL, NULL);
	ck_assert_uint_ge(t.n, 50);
	for (i = 0; i < 5000; i++) {
		j = prng_next(&p) % t.n;
		n = t.len[j];
		memcpy(buf, t.buf[j], n);
		for (k = 1 + prng_next(&p) % 3; k > 0; k--)
			buf[4 + prng_next(&p) % (n - 4)] ^=
			    (uint8_t)(1u << (prng_next(&p) % 8));
		ck_assert_int_eq(simnet_inject(sn, simnet_addr(sn, 1), 0, buf,
		    n), 0);
		if (i % 100 == 99)
			t_run(sn, 100);
	}
	t_run(sn, 10000);
	*at_addr = t_peers_at_ip(sn, 0, simnet_addr(sn, 1));
	*total = dht_peer_count(simnet_dht(sn, 0));
	t_table_real(sn, 0);
	for (i = 0; i < t.n; i++)
		free(t.buf[i]);
	simnet_free(sn);
}

START_TEST(test_kd4_mutated)
{
	size_t at, total;

	kd4(0, &at, &total);
	ck_assert_uint_le(at, 1);	/* node 1 itself */
	ck_assert_uint_ge(total, 5);
	kd4(1, &at, &total);
	ck_assert_uint_le(at, ROUTE_IP_MAX);
}
END_TEST

/* ---- one host, many ports ---------------------------------------------- */

/*
 * 200 ports of one host each ask node 0 something under an ID of their
 * own and answer its admission pings: with limit_local, at most
 * ROUTE_IP_MAX of them become entries.
 */
START_TEST(test_sybil_one_host)
{
	struct dht_config cfg = t_cfg;
	struct prng p = { 0x5b };
	struct simnet *sn;
	struct wire_msg m, q;
	struct addr a;
	const struct simnet_dgram *d;
	const char *errstr;
	struct id ids[200];
	struct keys_pair kp[200];
	uint8_t buf[WIRE_MAX_DATAGRAM];
	ssize_t len;
	size_t i, j;

	cfg.limit_local = 1;
	sn = t_net(3, 9, &cfg);
	t_join_all(sn);
	simnet_outside_addr(&a, 77);
	for (i = 0; i < 200; i++) {
		t_ident(&kp[i], &ids[i], prng_next(&p));
		a.u.sin.sin_port = htons((uint16_t)(2000 + i));
		memset(&m, 0, sizeof(m));
		m.type = WIRE_PING;
		m.sender = ids[i];
		m.txid = prng_next(&p);
		(void)t_raw(sn, &a, 0, &m);
		/* Answer node 0's admission ping, if any. */
		for (j = 0; j < simnet_ncaptured(sn); j++) {
			d = simnet_captured(sn, j);
			if (!addr_eq(&d->to, &a) ||
			    wire_decode(d->buf, d->len, &q, &errstr) == -1)
				continue;
			if (q.type == WIRE_PING) {
				memset(&m, 0, sizeof(m));
				m.type = WIRE_PONG;
				m.sender = ids[i];
				m.txid = q.txid;
				t_pong(&m, &q, &kp[i], simnet_id(sn, 0),
				    &d->from);
				len = wire_encode(&m, buf, sizeof(buf));
				ck_assert_int_gt(len, 0);
				ck_assert_int_eq(simnet_inject(sn, &a, 0, buf,
				    (size_t)len), 0);
			}
			wire_msg_free(&q);
		}
		t_run(sn, 100);
	}
	ck_assert_uint_eq(t_peers_at_ip(sn, 0, &a), ROUTE_IP_MAX);
	simnet_free(sn);
}
END_TEST

/* ---- endpoint proof ---------------------------------------------------- */

/*
 * A request from a node nobody knows makes no entry until it answers the
 * admission ping; a silent requester never gets in.
 */
START_TEST(test_endpoint_proof)
{
	struct simnet *sn = t_net(2, 31, NULL);
	struct wire_msg m;
	struct addr x;
	size_t i;

	/* Node 1 only asks (a PING to node 0) and answers: it gets in. */
	simnet_bootstrap(sn, 1, (size_t[]){ 0 }, 1);
	t_run(sn, 100);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 0)), 1);
	/* Requests from an address that never answers: no entry. */
	simnet_outside_addr(&x, 9);
	for (i = 0; i < 20; i++) {
		memset(&m, 0, sizeof(m));
		m.type = WIRE_FIND_NODE;
		m.sender.b[0] = (uint8_t)i;
		m.sender.b[1] = 0x77;
		m.txid = 100 + i;
		(void)t_raw(sn, &x, 0, &m);
	}
	t_run(sn, 5000);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 0)), 1);
	ck_assert(!t_peer_at(sn, 0, &x));
	/* Node 1's ID claimed from x neither moves nor refreshes it. */
	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	m.sender = *simnet_id(sn, 1);
	m.txid = 7;
	(void)t_raw(sn, &x, 0, &m);
	t_run(sn, 5000);
	ck_assert(t_peer_at(sn, 0, simnet_addr(sn, 1)));
	ck_assert(!t_peer_at(sn, 0, &x));
	ck_assert_uint_ge(t_stats(sn, 0).admit_pings, 1);
	simnet_free(sn);
}
END_TEST

/* ---- relay sanity ------------------------------------------------------ */

/*
 * Fake 0, on a public address, names loopback, private, port-0 and
 * multicast nodes and ourselves: none is queried.
 */
START_TEST(test_relay_sanity)
{
	/* Covered through op_relay_ok by the lookup below. */
	struct simnet *sn = t_net(1, 5, NULL);
	struct wire_node wn[6];
	struct wire_msg q, m;
	struct addr pub;
	const char *err;
	struct found r;
	struct id target;
	struct res pr;
	struct keys_pair kp;
	struct id kp_id;
	size_t i, n;
	uint8_t buf[WIRE_MAX_DATAGRAM];
	ssize_t len;
	static const char *const bad[] = { "127.0.0.2:9000", "10.1.1.1:9000",
	    "192.168.1.1:9000", "224.0.0.1:9000", "0.1.2.3:9000" };

	ck_assert_int_eq(addr_parse(&pub, "198.51.100.7:9000", &err), 0);
	/* pub enters the table by answering our ping. */
	memset(&pr, 0, sizeof(pr));
	ck_assert_int_eq(dht_ping(simnet_dht(sn, 0), &pub, simnet_now(sn),
	    ping_cb, &pr), 0);
	simnet_touch(sn, 0);
	t_flush(sn);
	ck_assert_uint_eq(simnet_ncaptured(sn), 1);
	t_captured_msg(sn, 0, &q);
	memset(&m, 0, sizeof(m));
	t_ident(&kp, &kp_id, 0x11);
	m.sender = kp_id;
	m.txid = q.txid;
	t_pong(&m, &q, &kp, simnet_id(sn, 0), simnet_addr(sn, 0));
	wire_msg_free(&q);
	len = wire_encode(&m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	simnet_capture_clear(sn);
	ck_assert_int_eq(simnet_inject(sn, &pub, 0, buf, (size_t)len), 0);
	t_flush(sn);
	ck_assert_uint_eq(dht_peer_count(simnet_dht(sn, 0)), 1);

	memset(target.b, 0x22, ID_LEN);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(simnet_find_node(sn, 0, &target, found_cb, &r), 0);
	t_flush(sn);
	ck_assert_uint_eq(simnet_ncaptured(sn), 1);
	t_captured_msg(sn, 0, &q);
	ck_assert_int_eq(q.type, WIRE_FIND_NODE);
	for (n = 0; n < sizeof(bad) / sizeof(bad[0]); n++) {
		memset(wn[n].id.b, 0x22, ID_LEN);
		wn[n].id.b[ID_LEN - 1] = (uint8_t)n;
		ck_assert_int_eq(addr_parse(&wn[n].addr, bad[n], &err), 0);
	}
	wn[n].id = *simnet_id(sn, 0);		/* ourselves, from outside */
	ck_assert_int_eq(addr_parse(&wn[n].addr, "198.51.100.8:9000", &err),
	    0);
	n++;
	memset(&m, 0, sizeof(m));
	m.type = WIRE_NODES;
	m.sender = kp_id;
	m.txid = q.txid;
	m.u.nodes.nodes = wn;
	m.u.nodes.nnodes = n;
	wire_msg_free(&q);
	len = wire_encode(&m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	simnet_capture_clear(sn);
	ck_assert_int_eq(simnet_inject(sn, &pub, 0, buf, (size_t)len), 0);
	t_run(sn, 100);
	ck_assert_int_eq(r.calls, 1);
	for (i = 0; i < simnet_ncaptured(sn); i++)
		ck_assert_int_ne(t_dgram_type(simnet_captured(sn, i)),
		    WIRE_FIND_NODE);
	ck_assert_uint_eq(t_stats(sn, 0).relay_dropped, n);
	simnet_free(sn);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integrity");
	TCase *tc = tcase_create("integrity");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_lookup_cap);
	tcase_add_test(tc, test_lookup_deadline);
	tcase_add_test(tc, test_kd4_mutated);
	tcase_add_test(tc, test_sybil_one_host);
	tcase_add_test(tc, test_endpoint_proof);
	tcase_add_test(tc, test_relay_sanity);
	suite_add_tcase(s, tc);
	return check_run(s);
}

/*
 * check_rpc — the request table on its own, with a send function that
 * records what goes out: answers matched by txid and the exact address
 * asked, of the answering type only; another node answering at the
 * address; resends with the same txid, timeouts and dead nodes; cancel;
 * the room left; the round-trip estimate (first tries only); which peers
 * get our messages through send_join (bundles), and within what length;
 * requests to one peer paced under its rate limit.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "rpc.h"
#include "wire.h"
#include "check_util.h"

#define T_SENT	16

struct t_io {
	struct prng	 r;
	size_t		 njoin;		/* of nsent, through send_join */
	size_t		 join_max;	/* the last one's */
	int		 join_request;
	size_t		 nsent;
	struct addr	 to[T_SENT];
	struct wire_msg	 msg[T_SENT];
};

static void
t_send(void *arg, const struct addr *to, const uint8_t *buf, size_t len)
{
	struct t_io *io = arg;
	const char *errstr;

	if (io->nsent < T_SENT) {
		io->to[io->nsent] = *to;
		ck_assert_int_eq(wire_decode(buf, len, &io->msg[io->nsent],
		    &errstr), 0);
	}
	io->nsent++;
}

static void
t_send_join(void *arg, const struct addr *to, const uint8_t *buf, size_t len,
    int request, size_t join_max)
{
	struct t_io *io = arg;

	io->njoin++;
	io->join_max = join_max;
	io->join_request = request;
	t_send(arg, to, buf, len);
}

static void
t_random(void *arg, void *buf, size_t len)
{
	struct t_io *io = arg;
	uint8_t *p = buf;
	uint64_t v;
	size_t i;

	for (i = 0; i < len; i += 8) {
		v = prng_next(&io->r);
		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

static void
t_io_clear(struct t_io *io)
{
	size_t i;

	for (i = 0; i < io->nsent && i < T_SENT; i++)
		wire_msg_free(&io->msg[i]);
	io->nsent = 0;
}

static struct rpc *
t_rpc_cfg(struct t_io *io, const struct rpc_config *cfg, int join)
{
	struct rpc_io rio;
	struct id self;
	struct rpc *r;

	memset(io, 0, sizeof(*io));
	io->r.s = 99;
	memset(self.b, 0x01, ID_LEN);
	rio.send = t_send;
	rio.send_request = NULL;
	rio.send_join = join ? t_send_join : NULL;
	rio.random = t_random;
	rio.arg = io;
	r = rpc_new(&self, cfg, &rio, 0);
	ck_assert_ptr_nonnull(r);
	return r;
}

static struct rpc *
t_rpc(struct t_io *io, uint32_t timeout_ms, uint32_t retries)
{
	struct rpc_config cfg = { .timeout_ms = timeout_ms, .retries = retries };

	return t_rpc_cfg(io, &cfg, 0);
}

static void
t_addr(struct addr *a, const char *s)
{
	const char *errstr;

	ck_assert_int_eq(addr_parse(a, s, &errstr), 0);
}

/* What the hooks saw. */
struct seen {
	int	replies, fails;
	struct rpc_call c;
};

static void
h_reply(void *ctx, const struct rpc_call *c, const struct wire_msg *m,
    int64_t now_ms, int64_t wall_ms)
{
	struct seen *s = ctx;

	s->replies++;
	s->c = *c;
}

static void
h_failed(void *ctx, const struct rpc_call *c, int64_t now_ms)
{
	struct seen *s = ctx;

	s->fails++;
	s->c = *c;
}

static const struct rpc_ops t_ops = { h_reply, h_failed, NULL };

/* Sends a PING to a; its txid. */
static uint64_t
t_ping(struct rpc *r, struct t_io *io, const struct addr *a,
    const struct id *id, struct seen *s, int64_t now)
{
	struct wire_msg m;
	struct rpc_call *c;
	size_t n = io->nsent;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	c = rpc_send(r, a, id, &m, &t_ops, s, now);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(io->nsent, n + 1);
	ck_assert_int_eq(io->msg[n].type, WIRE_PING);
	ck_assert_uint_eq(io->msg[n].txid, c->txid);
	ck_assert_uint_ne(c->txid, 0);
	ck_assert(addr_eq(&io->to[n], a));
	return c->txid;
}

static void
t_answer(struct wire_msg *m, int type, uint64_t txid, uint8_t sender)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->txid = txid;
	memset(m->sender.b, sender, ID_LEN);
}

/* Runs rpc_match and, as the engine does, the hook it calls for. */
static enum rpc_match
t_match(struct rpc *r, const struct addr *from, const struct wire_msg *m,
    int64_t now)
{
	struct rpc_call c;
	enum rpc_match e;

	e = rpc_match(r, from, m, now, &c);
	if (e == RPC_ANSWERED)
		c.ops->reply(c.ctx, &c, m, now, 0);
	else if (e == RPC_MOVED)
		c.ops->failed(c.ctx, &c, now);
	return e;
}

/* ---- matching ---------------------------------------------------------- */

START_TEST(test_match)
{
	struct t_io io;
	struct rpc *r = t_rpc(&io, 1000, 1);
	struct rpc_stats st;
	struct wire_msg m;
	struct addr a, b, a2;
	struct seen s;
	uint64_t tx;

	memset(&s, 0, sizeof(s));
	t_addr(&a, "10.0.0.1:7000");
	t_addr(&b, "10.0.0.2:7000");
	t_addr(&a2, "10.0.0.1:7001");
	tx = t_ping(r, &io, &a, NULL, &s, 0);
	ck_assert_uint_eq(rpc_count(r), 1);
	ck_assert(rpc_pending(r, &a, &t_ops));
	ck_assert(!rpc_pending(r, &b, &t_ops));
	/* Another address, another port, another txid, another type. */
	t_answer(&m, WIRE_PONG, tx, 0x22);
	ck_assert_int_eq(t_match(r, &b, &m, 5), RPC_UNMATCHED);
	ck_assert_int_eq(t_match(r, &a2, &m, 5), RPC_UNMATCHED);
	t_answer(&m, WIRE_PONG, tx + 1, 0x22);
	ck_assert_int_eq(t_match(r, &a, &m, 5), RPC_UNMATCHED);
	t_answer(&m, WIRE_NODES, tx, 0x22);
	ck_assert_int_eq(t_match(r, &a, &m, 5), RPC_UNMATCHED);
	ck_assert_int_eq(s.replies + s.fails, 0);
	rpc_get_stats(r, &st);
	ck_assert_uint_eq(st.rx_dropped_unmatched, 4);
	ck_assert_uint_eq(st.tx_msgs[WIRE_PING], 1);
	/* The right one: released, the answerer's ID learned. */
	t_answer(&m, WIRE_PONG, tx, 0x22);
	ck_assert_int_eq(t_match(r, &a, &m, 5), RPC_ANSWERED);
	ck_assert_int_eq(s.replies, 1);
	ck_assert_uint_eq(s.c.txid, tx);
	ck_assert(s.c.id_known);
	ck_assert_uint_eq(s.c.id.b[0], 0x22);
	ck_assert_uint_eq(s.c.rtt_us, 5000);
	ck_assert_uint_eq(rpc_count(r), 0);
	ck_assert_int_eq(rpc_deadline(r), INT64_MAX);
	/* Only once. */
	ck_assert_int_eq(t_match(r, &a, &m, 6), RPC_UNMATCHED);
	ck_assert_int_eq(s.replies, 1);
	t_io_clear(&io);
	rpc_free(r);
	rpc_free(NULL);
}
END_TEST

/* An ERROR answers any request; another ID at the address: MOVED. */
START_TEST(test_error_moved)
{
	struct t_io io;
	struct rpc *r = t_rpc(&io, 1000, 1);
	struct wire_msg m;
	struct addr a;
	struct seen s;
	struct id want;
	uint64_t tx;

	memset(&s, 0, sizeof(s));
	t_addr(&a, "10.0.0.1:7000");
	tx = t_ping(r, &io, &a, NULL, &s, 0);
	t_answer(&m, WIRE_ERROR, tx, 0x22);
	ck_assert_int_eq(t_match(r, &a, &m, 1), RPC_ANSWERED);

	memset(want.b, 0x33, ID_LEN);
	tx = t_ping(r, &io, &a, &want, &s, 10);
	t_answer(&m, WIRE_PONG, tx, 0x44);
	ck_assert_int_eq(t_match(r, &a, &m, 11), RPC_MOVED);
	ck_assert_int_eq(s.fails, 1);
	ck_assert_uint_eq(rpc_count(r), 0);
	/* The node expected there is presumed dead, until heard from. */
	ck_assert(rpc_dead(r, &want, 11));
	rpc_alive(r, &want);
	ck_assert(!rpc_dead(r, &want, 11));
	t_io_clear(&io);
	rpc_free(r);
}
END_TEST

/* ---- bundles ----------------------------------------------------------- */

/* Pings a, answered with `features`; then pings a again: joined? */
static int
t_joined_after(struct rpc *r, struct t_io *io, const struct addr *a,
    uint32_t features, int64_t now)
{
	struct wire_msg m;
	struct seen s;
	size_t before;
	uint64_t tx;

	memset(&s, 0, sizeof(s));
	tx = t_ping(r, io, a, NULL, &s, now);
	t_answer(&m, WIRE_PONG, tx, 0x22);
	m.features = features;
	ck_assert_int_eq(t_match(r, a, &m, now + 1), RPC_ANSWERED);
	before = io->njoin;
	tx = t_ping(r, io, a, NULL, &s, now + 2);
	t_answer(&m, WIRE_PONG, tx, 0x22);
	m.features = features;
	ck_assert_int_eq(t_match(r, a, &m, now + 3), RPC_ANSWERED);
	return io->njoin > before;
}

/*
 * A peer gets our messages through send_join once its answer to one of
 * ours said it reads bundles, and no longer once an answer says it does
 * not; a request that proved its source counts too (rpc_features_note,
 * from serve), an answer from another address never.  A bundle is at
 * most WIRE_MAX_DATAGRAM long, to a loopback peer too.
 */
START_TEST(test_join_peers)
{
	struct rpc_config cfg = { .timeout_ms = 1000, .retries = 1 };
	struct t_io io;
	struct rpc *r;
	struct wire_msg m;
	struct addr lo, pub, other;
	struct seen s;
	uint64_t tx;

	t_addr(&lo, "127.0.0.9:4000");
	t_addr(&pub, "192.0.2.7:4000");
	t_addr(&other, "192.0.2.8:4000");
	r = t_rpc_cfg(&io, &cfg, 1);
	/* Unknown peers: no join.  Told, then untold. */
	ck_assert(!t_joined_after(r, &io, &pub, 0, 0));
	ck_assert(t_joined_after(r, &io, &pub, WIRE_FEAT_BUNDLE, 10));
	ck_assert_uint_eq(io.join_max, WIRE_MAX_DATAGRAM);
	ck_assert_int_eq(io.join_request, 1);
	ck_assert(!t_joined_after(r, &io, &pub, 0, 20));
	/* A loopback peer; unknown feature bits are ignored. */
	ck_assert(t_joined_after(r, &io, &lo, WIRE_FEAT_BUNDLE | 0x80, 30));
	ck_assert_uint_eq(io.join_max, WIRE_MAX_DATAGRAM);
	/* An answer from the wrong address teaches nothing. */
	memset(&s, 0, sizeof(s));
	tx = t_ping(r, &io, &other, NULL, &s, 40);
	t_answer(&m, WIRE_PONG, tx, 0x22);
	m.features = WIRE_FEAT_BUNDLE;
	ck_assert_int_eq(t_match(r, &pub, &m, 41), RPC_UNMATCHED);
	ck_assert(!t_joined_after(r, &io, &other, 0, 50));
	/* A proven request's word is taken. */
	memset(&m, 0, sizeof(m));
	m.type = WIRE_FIND_NODE;
	m.features = WIRE_FEAT_BUNDLE;
	rpc_features_note(r, &other, &m, 60);
	io.join_max = 0;
	(void)t_ping(r, &io, &other, NULL, &s, 61);
	ck_assert_uint_eq(io.join_max, WIRE_MAX_DATAGRAM);
	t_io_clear(&io);
	rpc_free(r);

	/* With local_whole too: a bundle is one datagram of the MTU's. */
	cfg.local_whole = 1;
	r = t_rpc_cfg(&io, &cfg, 1);
	ck_assert(t_joined_after(r, &io, &lo, WIRE_FEAT_BUNDLE, 0));
	ck_assert_uint_eq(io.join_max, WIRE_MAX_DATAGRAM);
	t_io_clear(&io);
	rpc_free(r);
}
END_TEST

/* ---- time -------------------------------------------------------------- */

START_TEST(test_retry_timeout)
{
	struct t_io io;
	struct rpc *r = t_rpc(&io, 1000, 2);
	struct rpc_stats st;
	struct rpc_call c;
	struct wire_msg m;
	struct addr a;
	struct seen s;
	struct id want;
	uint64_t tx;

	memset(&s, 0, sizeof(s));
	memset(want.b, 0x33, ID_LEN);
	t_addr(&a, "10.0.0.1:7000");
	tx = t_ping(r, &io, &a, &want, &s, 0);
	ck_assert_int_eq(rpc_deadline(r), 1000);
	ck_assert_int_eq(rpc_expire(r, 999, &c), 0);
	ck_assert_uint_eq(io.nsent, 1);
	/* Resends keep the txid. */
	ck_assert_int_eq(rpc_expire(r, 1000, &c), 0);
	ck_assert_uint_eq(io.nsent, 2);
	ck_assert_uint_eq(io.msg[1].txid, tx);
	ck_assert_int_eq(rpc_deadline(r), 2000);
	ck_assert_int_eq(rpc_expire(r, 2000, &c), 0);
	ck_assert_uint_eq(io.nsent, 3);
	ck_assert_uint_eq(io.msg[2].txid, tx);
	ck_assert(!rpc_dead(r, &want, 2000));
	/* Out of tries: released once, one strike against the node. */
	ck_assert_int_eq(rpc_expire(r, 3000, &c), 1);
	ck_assert_uint_eq(c.txid, tx);
	ck_assert_uint_eq(c.tries, 2);
	ck_assert_int_eq(rpc_expire(r, 3000, &c), 0);
	ck_assert_uint_eq(rpc_count(r), 0);
	ck_assert(!rpc_dead(r, &want, 3000));
	/* A second request lost whole: now it counts as dead. */
	tx = t_ping(r, &io, &a, &want, &s, 3000);
	ck_assert_int_eq(rpc_expire(r, 4000, &c), 0);
	ck_assert_int_eq(rpc_expire(r, 5000, &c), 0);
	ck_assert_int_eq(rpc_expire(r, 6000, &c), 1);
	ck_assert(rpc_dead(r, &want, 6000));
	ck_assert(rpc_dead(r, &want, 6000 + RPC_DEAD_TTL_MS - 1));
	ck_assert(!rpc_dead(r, &want, 6000 + RPC_DEAD_TTL_MS));
	rpc_get_stats(r, &st);
	ck_assert_uint_eq(st.retries, 4);
	ck_assert_uint_eq(st.timeouts, 2);
	ck_assert_uint_eq(st.tx_msgs[WIRE_PING], 6);

	/* A late answer to the first try counts, but not for the RTT. */
	tx = t_ping(r, &io, &a, NULL, &s, 8000);
	ck_assert_int_eq(rpc_expire(r, 9000, &c), 0);
	t_answer(&m, WIRE_PONG, tx, 0x33);
	ck_assert_int_eq(t_match(r, &a, &m, 9100), RPC_ANSWERED);
	ck_assert_uint_eq(s.c.rtt_us, 0);
	t_io_clear(&io);
	rpc_free(r);
}
END_TEST

/*
 * rpc_set_timeout: a shorter wait per try and fewer resends for one
 * request, whose timeout then notes the node dead like any other.
 */
START_TEST(test_set_timeout)
{
	struct t_io io;
	struct rpc *r = t_rpc(&io, 1000, 2);
	struct rpc_call c, *pc;
	struct wire_msg m;
	struct addr a;
	struct seen s;
	struct id want;

	memset(&s, 0, sizeof(s));
	memset(want.b, 0x44, ID_LEN);
	t_addr(&a, "10.0.0.2:7000");
	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	ck_assert_ptr_nonnull(pc = rpc_send(r, &a, &want, &m, &t_ops, &s,
	    100));
	rpc_set_timeout(r, pc, 250, 1);
	ck_assert_int_eq(rpc_deadline(r), 350);
	ck_assert_int_eq(rpc_expire(r, 349, &c), 0);
	ck_assert_int_eq(rpc_expire(r, 350, &c), 0);	/* the one resend */
	ck_assert_uint_eq(io.nsent, 2);
	ck_assert_int_eq(rpc_deadline(r), 600);
	ck_assert_int_eq(rpc_expire(r, 600, &c), 1);
	ck_assert_uint_eq(c.tries, 1);
	ck_assert(!rpc_dead(r, &want, 600));	/* one strike of two */
	/* More than the configuration's is the configuration's. */
	ck_assert_ptr_nonnull(pc = rpc_send(r, &a, &want, &m, &t_ops, &s,
	    1000));
	rpc_set_timeout(r, pc, 5000, 9);
	ck_assert_int_eq(rpc_deadline(r), 2000);
	t_io_clear(&io);
	rpc_free(r);
}
END_TEST

START_TEST(test_cancel_room)
{
	struct t_io io;
	struct rpc *r = t_rpc(&io, 1000, 0);
	struct rpc_call c;
	struct wire_msg m;
	struct addr a, b;
	struct seen s1, s2;
	uint64_t tx;

	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	t_addr(&a, "10.0.0.1:7000");
	t_addr(&b, "10.0.0.2:7000");
	ck_assert_uint_eq(rpc_room(r), RPC_MAX_CALLS);
	tx = t_ping(r, &io, &a, NULL, &s1, 0);
	t_ping(r, &io, &b, NULL, &s1, 0);
	t_ping(r, &io, &b, NULL, &s2, 0);
	ck_assert_uint_eq(rpc_room(r), RPC_MAX_CALLS - 3);
	rpc_cancel(r, &s1);
	ck_assert_uint_eq(rpc_count(r), 1);
	ck_assert_uint_eq(rpc_room(r), RPC_MAX_CALLS - 1);
	/* No hook ran, none will, and its answer matches nothing. */
	t_answer(&m, WIRE_PONG, tx, 0x22);
	ck_assert_int_eq(t_match(r, &a, &m, 1), RPC_UNMATCHED);
	ck_assert_int_eq(rpc_expire(r, 1000, &c), 1);
	ck_assert(c.ctx == &s2);
	ck_assert_int_eq(rpc_expire(r, 1000, &c), 0);
	ck_assert_int_eq(s1.replies + s1.fails + s2.replies + s2.fails, 0);
	t_io_clear(&io);
	rpc_free(r);
}
END_TEST

/* A full table refuses, and has room again once an answer came. */
START_TEST(test_full)
{
	struct t_io io;
	struct rpc *r = t_rpc(&io, 1000, 0);
	struct wire_msg m;
	struct addr a;
	struct seen s;
	uint64_t tx = 0;
	size_t i;

	memset(&s, 0, sizeof(s));
	t_addr(&a, "10.0.0.1:7000");
	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	for (i = 0; i < RPC_MAX_CALLS; i++) {
		struct rpc_call *c = rpc_send(r, &a, NULL, &m, &t_ops, &s, 0);

		ck_assert_ptr_nonnull(c);
		if (i == 0)
			tx = c->txid;
	}
	ck_assert_uint_eq(rpc_room(r), 0);
	ck_assert_ptr_null(rpc_send(r, &a, NULL, &m, &t_ops, &s, 0));
	t_answer(&m, WIRE_PONG, tx, 0x22);
	ck_assert_int_eq(t_match(r, &a, &m, 1), RPC_ANSWERED);
	ck_assert_uint_eq(rpc_room(r), 1);
	t_io_clear(&io);
	rpc_free(r);
}
END_TEST

/* Jacobson/Karels over first-try answers, per address. */
START_TEST(test_rtt)
{
	struct t_io io;
	struct rpc *r = t_rpc(&io, 1000, 1);
	uint32_t srtt, var;
	struct wire_msg m;
	struct addr a, b;
	struct seen s;
	uint64_t tx;

	memset(&s, 0, sizeof(s));
	t_addr(&a, "10.0.0.1:7000");
	t_addr(&b, "10.0.0.2:7000");
	ck_assert_int_eq(rpc_rtt(r, &a, &srtt, &var), -1);
	tx = t_ping(r, &io, &a, NULL, &s, 0);
	t_answer(&m, WIRE_PONG, tx, 0x22);
	ck_assert_int_eq(t_match(r, &a, &m, 80), RPC_ANSWERED);
	ck_assert_int_eq(rpc_rtt(r, &a, &srtt, &var), 0);
	ck_assert_uint_eq(srtt, 80000);
	ck_assert_uint_eq(var, 40000);
	ck_assert_int_eq(rpc_rtt(r, &b, &srtt, &var), -1);
	/* A second sample of 160 ms: srtt += (160 - 80) / 8, and so on. */
	tx = t_ping(r, &io, &a, NULL, &s, 1000);
	t_answer(&m, WIRE_PONG, tx, 0x22);
	ck_assert_int_eq(t_match(r, &a, &m, 1160), RPC_ANSWERED);
	ck_assert_int_eq(rpc_rtt(r, &a, &srtt, &var), 0);
	ck_assert_uint_eq(srtt, 90000);
	ck_assert_uint_eq(var, 50000);
	t_io_clear(&io);
	rpc_free(r);
}
END_TEST

/*
 * Timeouts from the estimates: an address's own, else the engine's once
 * RPC_RTO_SAMPLES answers came; resends back off, the last one waits the
 * whole configured timeout.
 */
START_TEST(test_rto)
{
	struct t_io io;
	struct rpc *r = t_rpc(&io, 1000, 2);
	struct rpc_call c;
	struct wire_msg m;
	struct addr a, b;
	struct seen s;
	uint64_t tx;
	int i;

	memset(&s, 0, sizeof(s));
	t_addr(&a, "10.0.0.1:7000");
	t_addr(&b, "10.0.0.2:7000");
	ck_assert_uint_eq(rpc_rto(r, &a), 1000);
	tx = t_ping(r, &io, &a, NULL, &s, 0);
	ck_assert_int_eq(rpc_deadline(r), 1000);
	t_answer(&m, WIRE_PONG, tx, 0x22);
	ck_assert_int_eq(t_match(r, &a, &m, 80), RPC_ANSWERED);
	ck_assert_uint_eq(rpc_rto(r, &a), 240);	/* 80 + 4 * 40 */
	ck_assert_uint_eq(rpc_rto(r, &b), 1000);	/* one sample */
	tx = t_ping(r, &io, &a, NULL, &s, 1000);
	ck_assert_int_eq(rpc_deadline(r), 1240);
	ck_assert_int_eq(rpc_expire(r, 1240, &c), 0);
	ck_assert_int_eq(rpc_deadline(r), 1720);
	ck_assert_int_eq(rpc_expire(r, 1720, &c), 0);
	ck_assert_int_eq(rpc_deadline(r), 2720);
	ck_assert_int_eq(rpc_stalled(r, &c), 0);	/* t_ops: no hook */
	ck_assert_int_eq(rpc_expire(r, 2720, &c), 1);
	ck_assert_uint_eq(c.txid, tx);
	for (i = 0; i < RPC_RTO_SAMPLES; i++) {
		tx = t_ping(r, &io, &a, NULL, &s, 10000 + i * 1000);
		t_answer(&m, WIRE_PONG, tx, 0x22);
		ck_assert_int_eq(t_match(r, &a, &m, 10080 + i * 1000),
		    RPC_ANSWERED);
	}
	ck_assert_uint_ge(rpc_rto(r, &b), RPC_RTO_MIN_MS);
	ck_assert_uint_lt(rpc_rto(r, &b), 200);
	t_io_clear(&io);
	rpc_free(r);
}
END_TEST

/*
 * An orphaned request runs out its tries without its hooks (the caller's
 * routing upkeep still sees it fail); its answer is still matched.
 */
START_TEST(test_orphan)
{
	static const struct rpc_ops other = { h_reply, h_failed, NULL };
	struct t_io io;
	struct rpc *r = t_rpc(&io, 1000, 1);
	struct rpc_call c;
	struct wire_msg m;
	struct addr a, b;
	struct seen s;
	uint64_t ta, tb;

	memset(&s, 0, sizeof(s));
	t_addr(&a, "10.0.0.1:7000");
	t_addr(&b, "10.0.0.2:7000");
	ta = t_ping(r, &io, &a, NULL, &s, 0);
	tb = t_ping(r, &io, &b, NULL, &s, 0);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	ck_assert_ptr_nonnull(rpc_send(r, &a, NULL, &m, &other, &s, 0));
	rpc_orphan(r, &s, &t_ops);
	rpc_cancel(r, &s);	/* the request with other hooks */
	ck_assert_uint_eq(rpc_count(r), 2);
	t_answer(&m, WIRE_PONG, tb, 0x22);
	ck_assert_int_eq(rpc_match(r, &b, &m, 10, &c), RPC_ANSWERED);
	ck_assert_ptr_null(c.ops->reply);
	ck_assert_int_eq(rpc_expire(r, 1000, &c), 0);	/* resent */
	ck_assert_int_eq(rpc_expire(r, 2000, &c), 1);
	ck_assert_uint_eq(c.txid, ta);
	ck_assert_ptr_null(c.ctx);
	ck_assert_ptr_nonnull(c.ops);
	ck_assert_ptr_null(c.ops->failed);
	ck_assert_ptr_null(c.ops->reply);
	ck_assert_uint_eq(rpc_count(r), 0);
	ck_assert_int_eq(s.replies + s.fails, 0);
	t_io_clear(&io);
	rpc_free(r);
}
END_TEST

/* Answers to pings to a, each `ms` after it went, from time t on. */
static int64_t
t_samples(struct rpc *r, struct t_io *io, const struct addr *a, int n,
    int64_t ms, int64_t t)
{
	struct wire_msg m;
	struct seen s;
	uint64_t tx;
	int i;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < n; i++, t += 5000) {
		t_io_clear(io);
		tx = t_ping(r, io, a, NULL, &s, t);
		t_answer(&m, WIRE_PONG, tx, 0x22);
		ck_assert_int_eq(t_match(r, a, &m, t + ms), RPC_ANSWERED);
	}
	return t;
}

/*
 * rpc_rto_fast: an address never heard from waits the
 * RPC_RTO_PERCENTILE-th percentile of every first-try round trip (the
 * bound of its bucket); old samples fade; a known one its own estimate.
 * rpc_set_first_timeout puts it on a request.
 */
START_TEST(test_rto_percentile)
{
	struct t_io io;
	struct rpc *r = t_rpc(&io, 1000, 2);
	struct addr a, b, u;
	struct rpc_call *c, cc;
	struct wire_msg m;
	struct seen s;
	int64_t t;

	memset(&s, 0, sizeof(s));
	t_addr(&a, "10.0.0.1:7000");
	t_addr(&b, "10.0.0.2:7000");
	t_addr(&u, "10.0.0.9:7000");
	t = t_samples(r, &io, &a, 18, 150, 0);
	t = t_samples(r, &io, &b, 2, 900, t);
	ck_assert_int_eq(RPC_RTO_PERCENTILE, 90);
	ck_assert_uint_eq(rpc_rto_fast(r, &u), 152);	/* 18 of 20 under */
	ck_assert_uint_gt(rpc_rto(r, &u), 152);	/* srtt + 4 rttvar */
	ck_assert_uint_eq(rpc_rto_fast(r, &a), rpc_rto(r, &a));
	t = t_samples(r, &io, &b, 3, 900, t);
	ck_assert_uint_eq(rpc_rto_fast(r, &u), 1000);	/* 900: 909 ms */
	/* 300 answers of 600 ms later, the first ones count little. */
	t = t_samples(r, &io, &a, 300, 600, t);
	ck_assert_uint_eq(rpc_rto_fast(r, &u), 609);
	t_io_clear(&io);
	ck_assert_uint_eq(rpc_count(r), 0);
	/* A first try shortened, then the usual back-off. */
	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	ck_assert_ptr_nonnull(c = rpc_send(r, &u, NULL, &m, &t_ops, &s, t));
	ck_assert_int_eq(rpc_deadline(r), t + rpc_rto(r, &u));
	rpc_set_first_timeout(r, c, 609);
	ck_assert_int_eq(rpc_deadline(r), t + 609);
	ck_assert_int_eq(rpc_expire(r, t + 609, &cc), 0);
	ck_assert_int_eq(rpc_deadline(r), t + 609 + 1000);	/* > half: 1 s */
	t_io_clear(&io);
	rpc_free(r);
}
END_TEST

/* ---- pacing ------------------------------------------------------------ */

/*
 * What a GCRA of RPC_PACE_PER_S after RPC_PACE_BURST lets out by ms (its
 * interval a whole number of microseconds).
 */
static size_t
t_pace_allowed(int64_t ms)
{
	return RPC_PACE_BURST + (size_t)(ms * 1000 / (1000000 / RPC_PACE_PER_S));
}

/*
 * An rpc (timeout, retries) that a's Pong answered at 1 ms, so a has an
 * entry and is paced; *m is a blank PING; returns it, *base the sends so
 * far.
 */
static struct rpc *
t_pace_rpc(struct t_io *io, uint32_t timeout_ms, uint32_t retries,
    struct addr *a, struct seen *s, struct wire_msg *m, size_t *base)
{
	struct rpc *r = t_rpc(io, timeout_ms, retries);
	uint64_t tx;

	memset(s, 0, sizeof(*s));
	t_addr(a, "10.0.0.1:7000");
	tx = t_ping(r, io, a, NULL, s, 0);
	t_answer(m, WIRE_PONG, tx, 0x22);
	ck_assert_int_eq(t_match(r, a, m, 1), RPC_ANSWERED);
	*base = io->nsent;
	memset(m, 0, sizeof(*m));
	m->type = WIRE_PING;
	return r;
}

/*
 * To an address that answered us, RPC_PACE_BURST requests leave at once
 * and the rest at RPC_PACE_PER_S a second, each when its time comes
 * (rpc_expire); a request that would wait more than RPC_PACE_MAX_WAIT_MS
 * is refused; a waiting try draws no answer, and its RTT counts from when
 * it left.  An address that never answered is not paced.
 */
START_TEST(test_pace)
{
	struct t_io io;
	struct rpc_call *c, cc;
	struct rpc_stats st;
	struct wire_msg m;
	struct addr a, b;
	struct seen s;
	size_t i, ok = 0, base, sent, lo, want = 0;
	uint64_t last = 0;
	int64_t t;
	struct rpc *r = t_pace_rpc(&io, 5000, 0, &a, &s, &m, &base);

	t_addr(&b, "10.0.0.2:7000");
	for (i = 0; i < 1000; i++)
		if ((c = rpc_send(r, &a, NULL, &m, &t_ops, &s, 10)) != NULL) {
			ok++;
			last = c->txid;
		}
	/* 150 at once, 700 within the second; the last 150 refused. */
	want = t_pace_allowed(RPC_PACE_MAX_WAIT_MS);
	ck_assert_uint_eq(ok, want);
	ck_assert_uint_eq(io.nsent - base, RPC_PACE_BURST);
	rpc_get_stats(r, &st);
	ck_assert_uint_eq(st.paced, want - RPC_PACE_BURST);
	ck_assert_uint_eq(st.pace_refused, 1000 - want);
	/* Another address is not held up by a's queue. */
	ck_assert_ptr_nonnull(rpc_send(r, &b, NULL, &m, &t_ops, &s, 10));
	ck_assert_uint_eq(io.nsent - base, RPC_PACE_BURST + 1);
	base++;
	/* The last one waits until ~1 s on: no answer to it counts yet. */
	t_answer(&m, WIRE_PONG, last, 0x22);
	ck_assert_int_eq(t_match(r, &a, &m, 500), RPC_UNMATCHED);
	for (t = 11; t <= 10 + RPC_PACE_MAX_WAIT_MS + RPC_PACE_QUANTUM_MS;
	    t++) {
		ck_assert_int_eq(rpc_expire(r, t, &cc), 0);
		sent = io.nsent - base;
		/* Never sooner than the pace; late by at most a quantum. */
		ck_assert_uint_le(sent, t_pace_allowed(t - 10));
		if (t - 10 <= RPC_PACE_QUANTUM_MS)
			continue;
		lo = t_pace_allowed(t - 10 - RPC_PACE_QUANTUM_MS);
		ck_assert_uint_ge(sent, lo < want ? lo : want);
	}
	ck_assert_uint_eq(io.nsent - base, want);
	/* Its round trip counts from when it left, not from rpc_send. */
	t_answer(&m, WIRE_PONG, last, 0x22);
	ck_assert_int_eq(t_match(r, &a, &m, t + 3), RPC_ANSWERED);
	ck_assert_uint_le(s.c.rtt_us, (RPC_PACE_QUANTUM_MS + 3) * 1000);
	ck_assert_uint_ge(s.c.rtt_us, 3000);
	t_io_clear(&io);
	rpc_free(r);
}
END_TEST

/* A waiting try keeps its place: rpc_set_timeout times it from leaving. */
START_TEST(test_pace_timeout)
{
	struct t_io io;
	struct rpc_call *c = NULL, cc;
	struct wire_msg m;
	struct addr a;
	struct seen s;
	int64_t go;
	size_t i, base;
	struct rpc *r = t_pace_rpc(&io, 5000, 0, &a, &s, &m, &base);

	for (i = 0; i <= RPC_PACE_BURST; i++)
		ck_assert_ptr_nonnull(c = rpc_send(r, &a, NULL, &m, &t_ops,
		    &s, 100));
	ck_assert_uint_eq(io.nsent - base, RPC_PACE_BURST);
	go = rpc_deadline(r);
	ck_assert_int_gt(go, 100);
	ck_assert_int_le(go, 100 + 1 + RPC_PACE_QUANTUM_MS);
	rpc_set_timeout(r, c, 50, 0);
	ck_assert_int_eq(rpc_deadline(r), go);
	ck_assert_int_eq(rpc_expire(r, go - 1, &cc), 0);
	ck_assert_uint_eq(io.nsent - base, RPC_PACE_BURST);
	ck_assert_int_eq(rpc_expire(r, go, &cc), 0);
	ck_assert_uint_eq(io.nsent - base, RPC_PACE_BURST + 1);
	/* The first 150 time out at 100 + 5000; the last at go + 50. */
	ck_assert_int_eq(rpc_deadline(r), go + 50);
	ck_assert_int_eq(rpc_expire(r, go + 50, &cc), 1);
	ck_assert_int_eq(rpc_expire(r, go + 50, &cc), 0);
	t_io_clear(&io);
	rpc_free(r);
}
END_TEST

/* Resends are paced too: those past the pace wait their turn. */
START_TEST(test_pace_resend)
{
	struct t_io io;
	struct rpc_stats st;
	struct rpc_call cc;
	struct wire_msg m;
	struct addr a;
	struct seen s;
	size_t i, base, now_ok;
	int64_t t;
	struct rpc *r = t_pace_rpc(&io, 1000, 1, &a, &s, &m, &base);

	for (i = 0; i < RPC_PACE_BURST; i++)
		ck_assert_ptr_nonnull(rpc_send(r, &a, NULL, &m, &t_ops, &s,
		    100));
	ck_assert_uint_eq(io.nsent - base, RPC_PACE_BURST);
	/* All time out at 200 (RPC_RTO_MIN_MS); 100 ms of pace is 70. */
	ck_assert_int_eq(rpc_deadline(r), 100 + RPC_RTO_MIN_MS);
	ck_assert_int_eq(rpc_expire(r, 200, &cc), 0);
	now_ok = t_pace_allowed(100) - RPC_PACE_BURST;
	ck_assert_uint_eq(io.nsent - base, RPC_PACE_BURST + now_ok);
	rpc_get_stats(r, &st);
	ck_assert_uint_eq(st.retries, RPC_PACE_BURST);
	ck_assert_uint_eq(st.paced, RPC_PACE_BURST - now_ok);
	for (t = 201; t <= 200 + 1000 * RPC_PACE_BURST / RPC_PACE_PER_S +
	    RPC_PACE_QUANTUM_MS; t++) {
		ck_assert_int_eq(rpc_expire(r, t, &cc), 0);
		ck_assert_uint_le(io.nsent - base, t_pace_allowed(t - 100));
	}
	ck_assert_uint_eq(io.nsent - base, 2 * RPC_PACE_BURST);
	t_io_clear(&io);
	rpc_free(r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rpc");
	TCase *tc;

	tc = tcase_create("match");
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_error_moved);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_add_test(tc, test_retry_timeout);
	tcase_add_test(tc, test_set_timeout);
	tcase_add_test(tc, test_rtt);
	tcase_add_test(tc, test_rto);
	tcase_add_test(tc, test_rto_percentile);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_add_test(tc, test_cancel_room);
	tcase_add_test(tc, test_orphan);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_join_peers);
	suite_add_tcase(s, tc);

	tc = tcase_create("pace");
	tcase_add_test(tc, test_pace);
	tcase_add_test(tc, test_pace_timeout);
	tcase_add_test(tc, test_pace_resend);
	suite_add_tcase(s, tc);
	return check_run(s);
}

/*
 * evilpeer — a malicious DHT peer for the hostile-peer tier (tests/hostile/).
 * It speaks the real protocol through the engine's own codec (wire.c,
 * wire_encode.c), fragmentation (frag.c), IDs (id.c, keccak.c) and
 * addresses (addr.c); nothing of the protocol is written again here.  One
 * process, one poll(2) loop, any number of UDP sockets.  This file has the
 * loop, the sockets and the crowd modes; evilpeer_store.c --store-junk.
 *
 * Modes (exactly one):
 *
 *   --store-junk KEY --count N --target H:P [--target H:P ...]
 *       [--from-ips 127.0.0.X-Y] [--value-size B]
 *       [--signed KEYFILE --name NAME [--seq N] [--forge]]
 *     From each source address (one socket per address of --from-ips, or
 *     one on 127.0.0.1), asks every target a FIND_NODE of KEY, takes the
 *     write token the NODES answer carries and STOREs N distinct junk
 *     values in all under KEY (value i goes from source i mod sources) at
 *     every target, a few STOREs in flight per (source, target).  Counts
 *     what the StoreAcks say was kept and what was refused.  With
 *     --signed (evilpeer_signed.c) the key is Keccak-256(KEYFILE's public
 *     key ‖ NAME) and the values are signed with that key at seq N, or
 *     with --forge carry a signature with one bit flipped.  With
 *     --no-token the STOREs carry no token: the cookie the FIND_NODE's
 *     answer gave the source proves it (a put's last step, PROTOCOL.md).
 *
 *   --near KEY --ids N --target H:P [--listen A:P ... | --listen-range ...]
 *     Claims N node IDs sharing at least 240 bits with KEY, spread over
 *     the sockets (one socket: all of them on one IP:port).  One ID after
 *     another (--rate a second) PINGs every target from its socket, so
 *     the target sends an admission ping, which the socket answers under
 *     that same ID (the endpoint proof passes).  FIND_NODE and FIND_VALUE
 *     are answered with our own IDs closest to the target, one per socket
 *     (each socket then answers that asker under the ID named), and a write
 *     token; STOREs are acknowledged and dropped (also with --closer).
 *
 *   --sybil --target H:P --listen-range A.B.C.X-Y [--per-ip M]
 *       [--spread-from HEXID]
 *     Like --near, one ID per socket: M sockets (ports --port.. or
 *     ephemeral) on each address of the range, random IDs, or with
 *     --spread-from, ID j sharing exactly j mod 16 bits with HEXID (one
 *     Sybil per bucket of that node's table, in turn).
 *
 *   --closer [--silent] [--listen A:P | --listen-range ...] [--per-ip M]
 *     Answers every FIND_NODE and FIND_VALUE for a target T with 20 fake
 *     nodes, fresh random IDs sharing one bit more of T each time it is
 *     asked about T, at our own sockets but the first (each answers an
 *     asker under the ID last named to it there: give many sockets,
 *     --per-ip 100, so a name lasts a few answers), and never with a
 *     value: a lookup that follows it would never end by itself.  The
 *     first socket keeps one ID, the one a victim bootstrapping from it
 *     puts in its table.  With --silent the fake nodes are at addresses
 *     nobody answers (the next /24 up: A.B.C+1.X), so a lookup waits for
 *     timeouts instead.
 *
 * Identities (evilpeer_ident.c): every ID is claimed, with no key behind
 * it, so its answer to an identity challenge carries a proof that fails,
 * unless --keyed [--difficulty D, default 10]: then the IDs that must
 * enter tables are real, keyed ones (the file says which).
 *
 * Common: --seconds S (default 10) bounds every mode; --rate R requests a
 * second (default 20) paces --near and --sybil; --port P is the first
 * port of --listen-range sockets (default 0: any).  At the end one line
 * on stdout, "evilpeer mode=... name=value ...", says what happened.
 * Exit status 0, or 2 for a usage error, 1 for a system error.
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evilpeer.h"
#include "ident.h"
#include "rpc.h"

static volatile sig_atomic_t ev_stop;

static void
ev_on_signal(int sig)
{
	(void)sig;
	ev_stop = 1;
}

static int64_t
ev_clock(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
ev_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = getrandom(p, len, 0)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			perror("evilpeer: getrandom");
			exit(1);
		}
		p += n;
		len -= (size_t)n;
	}
}

uint64_t
ev_txid(void)
{
	uint64_t t = 0;

	while (t == 0)
		ev_random(&t, sizeof(t));
	return t;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: evilpeer --store-junk KEY --count N --target H:P... "
	    "[--from-ips A.B.C.X-Y] [--no-token]\n"
	    "           [--signed KEYFILE --name NAME [--seq N] [--forge]]\n"
	    "       evilpeer --near KEY --ids N --target H:P... "
	    "[--listen A:P... | --listen-range A.B.C.X-Y]\n"
	    "       evilpeer --sybil --target H:P... --listen-range A.B.C.X-Y "
	    "[--per-ip M] [--spread-from HEXID]\n"
	    "       evilpeer --closer [--silent] [--listen A:P... | "
	    "--listen-range ...]\n"
	    "common: --seconds S --rate R --port P --value-size B "
	    "--keyed --difficulty D "
	    "(see the comment at the top of evilpeer.c)\n");
	exit(2);
}

/* KEY: 64 hex digits, else a name hashed as emoctl does (Keccak-256). */
static void
ev_key(struct id *k, const char *s)
{
	if (strlen(s) == ID_HEX_LEN && id_from_hex(k, s, ID_HEX_LEN) == 0)
		return;
	id_from_name(k, s, strlen(s));
}

static long
ev_num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < lo || v > hi) {
		fprintf(stderr, "evilpeer: %s: not a number in %ld..%ld\n", s,
		    lo, hi);
		exit(2);
	}
	return v;
}

static int
ev_bind(struct evil *ev, const struct addr *a)
{
	struct ev_sock *s;
	socklen_t len;
	int fd, one = 1;
	char str[ADDR_STRLEN];

	if (ev->nsock == EV_MAX_SOCKS) {
		fprintf(stderr, "evilpeer: more than %d sockets\n",
		    EV_MAX_SOCKS);
		exit(2);
	}
	s = &ev->sock[ev->nsock];
	if ((fd = socket(a->u.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		perror("evilpeer: socket");
		exit(1);
	}
	(void)setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one));
	if (bind(fd, &a->u.sa, a->len) == -1) {
		fprintf(stderr, "evilpeer: bind %s: %s\n",
		    addr_str(a, str, sizeof(str)), strerror(errno));
		exit(1);
	}
	s->fd = fd;
	len = sizeof(s->addr.u);
	if (getsockname(fd, &s->addr.u.sa, &len) == -1) {
		perror("evilpeer: getsockname");
		exit(1);
	}
	s->addr.len = len;
	ev_random(&s->cur, sizeof(s->cur));
	return (int)ev->nsock++;
}

/* "A.B.C.X-Y" (or one address): a socket per address, --per-ip each. */
static void
ev_bind_range(struct evil *ev, const char *spec)
{
	char head[64], *dash, *dot;
	struct addr a;
	const char *errstr;
	long lo, hi, i, j;

	if (strlen(spec) >= sizeof(head))
		usage();
	strcpy(head, spec);
	if ((dot = strrchr(head, '.')) == NULL)
		usage();
	if ((dash = strchr(dot, '-')) != NULL)
		*dash++ = '\0';
	lo = ev_num(dot + 1, 0, 255);
	hi = dash != NULL ? ev_num(dash, lo, 255) : lo;
	for (i = lo; i <= hi; i++) {
		for (j = 0; j < ev->per_ip; j++) {
			char buf[96];

			snprintf(buf, sizeof(buf), "%.*s.%ld:%ld",
			    (int)(dot - head), head, i,
			    ev->port != 0 ? ev->port + j : 1);
			if (addr_parse(&a, buf, &errstr) == -1) {
				fprintf(stderr, "evilpeer: %s: %s\n", buf,
				    errstr);
				exit(2);
			}
			if (ev->port == 0)
				a.u.sin.sin_port = 0;
			(void)ev_bind(ev, &a);
		}
	}
}

/* ---- sending ------------------------------------------------------------ */

static void
ev_emit(void *arg, const struct addr *to, const uint8_t *buf, size_t len)
{
	struct ev_sock *s = arg;

	(void)sendto(s->fd, buf, len, 0, &to->u.sa, to->len);
}

static int
ev_send(struct evil *ev, size_t si, const struct addr *to, struct wire_msg *m)
{
	ssize_t n;
	uint64_t mid;

	if ((n = wire_encode(m, ev->buf, sizeof(ev->buf))) < 0) {
		ev->tx_fail++;
		return -1;
	}
	ev_random(&mid, sizeof(mid));
	if (frag_split(ev->buf, (size_t)n, mid, to, ev_emit,
	    &ev->sock[si]) < 0) {
		ev->tx_fail++;
		return -1;
	}
	ev->tx++;
	return 0;
}

/* Remembers the cookie `from` gave socket si, if any. */
static void
ev_cookie_note(struct evil *ev, size_t si, const struct addr *from,
    const struct wire_msg *m)
{
	struct ev_sock *s = &ev->sock[si];
	size_t i;

	if (m->cookielen == 0 || m->cookielen > WIRE_MAX_COOKIE)
		return;
	for (i = 0; i < s->ncookie; i++)
		if (addr_eq(&s->cookie[i].from, from))
			break;
	if (i == s->ncookie) {
		if (s->ncookie < EV_COOKIES)
			s->ncookie++;
		else {
			i = s->cookie_next;
			s->cookie_next = (i + 1) % EV_COOKIES;
		}
	}
	s->cookie[i].from = *from;
	memcpy(s->cookie[i].c, m->cookie, m->cookielen);
	s->cookie[i].len = (uint8_t)m->cookielen;
}

/*
 * A request as `as` from socket si: it echoes the cookie `to` gave the
 * socket, or is padded as the engine pads a first contact (rpc.h), so
 * that the answer it draws fits the amplification rule.
 */
int
ev_request(struct evil *ev, size_t si, const struct id *as,
    const struct addr *to, struct wire_msg *m, uint64_t txid)
{
	const struct ev_sock *s = &ev->sock[si];
	size_t i, want = 0, len;

	m->sender = *as;
	m->txid = txid;
	m->cookielen = 0;
	m->padlen = 0;
	for (i = 0; i < s->ncookie; i++)
		if (addr_eq(&s->cookie[i].from, to)) {
			memcpy(m->cookie, s->cookie[i].c, s->cookie[i].len);
			m->cookielen = s->cookie[i].len;
		}
	if (m->cookielen == 0 && m->type == WIRE_PING)
		want = RPC_PAD_PING_LEN;
	else if (m->cookielen == 0 && (m->type == WIRE_FIND_NODE ||
	    m->type == WIRE_FIND_VALUE))
		want = RPC_PAD_FIND_LEN;
	if ((len = wire_encoded_len(m)) + 2 < want) {
		m->padlen = want - len - 2;
		while (m->padlen > 0 && wire_encoded_len(m) > want)
			m->padlen--;
	}
	return ev_send(ev, si, to, m);
}

/* An answer under the ID `as`: the one the asker knows at socket si. */
static void
ev_answer(struct evil *ev, size_t si, const struct id *as,
    const struct addr *to, struct wire_msg *m, uint64_t txid)
{
	m->sender = *as;
	m->txid = txid;
	(void)ev_send(ev, si, to, m);
}

/* ---- the crowd: --near, --sybil, --closer ------------------------------- */

/* `to` now knows socket si as `id`: answer it as that from now on. */
static void
ev_name(struct evil *ev, size_t si, const struct addr *to, const struct id *id)
{
	struct ev_sock *s = &ev->sock[si];
	size_t i;

	for (i = 0; i < s->nnamed; i++)
		if (addr_eq(&s->named[i].to, to))
			break;
	if (i == s->nnamed) {
		if (s->nnamed < EV_NAMED)
			s->nnamed++;
		else {
			i = s->named_next;
			s->named_next = (i + 1) % EV_NAMED;
		}
	}
	s->named[i].to = *to;
	s->named[i].id = *id;
}

/* The ID `to` knows at socket si, else the socket's latest. */
static struct id
ev_as(const struct evil *ev, size_t si, const struct addr *to)
{
	const struct ev_sock *s = &ev->sock[si];
	size_t i;

	for (i = 0; i < s->nnamed; i++)
		if (addr_eq(&s->named[i].to, to))
			return s->named[i].id;
	return s->cur;
}

/*
 * Our IDs closest to target, one per socket (the asker can reach only one
 * ID at an address), each named to the asker at its socket.
 */
static size_t
ev_crowd_closest(struct evil *ev, const struct id *target,
    const struct addr *asker, struct wire_node *out)
{
	static long best[EV_MAX_SOCKS];
	size_t i, j, n = 0;

	for (i = 0; i < ev->nsock; i++)
		best[i] = -1;
	for (i = 0; i < ev->nident; i++) {
		long *b = &best[ev->ident[i].sock];

		if (*b < 0 || id_distcmp(target, &ev->ident[i].id,
		    &ev->ident[*b].id) < 0)
			*b = (long)i;
	}
	for (i = 0; i < ev->nsock; i++) {
		struct wire_node w;

		if (best[i] < 0)
			continue;
		w.id = ev->ident[best[i]].id;
		w.addr = ev->sock[i].addr;
		for (j = n; j > 0 && id_distcmp(target, &w.id,
		    &out[j - 1].id) < 0; j--)
			if (j < WIRE_MAX_NODES)
				out[j] = out[j - 1];
		if (j < WIRE_MAX_NODES) {
			out[j] = w;
			if (n < WIRE_MAX_NODES)
				n++;
		}
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < ev->nsock; j++)
			if (addr_eq(&ev->sock[j].addr, &out[i].addr))
				ev_name(ev, j, asker, &out[i].id);
	return n;
}

/* A random ID sharing exactly `bit` leading bits with ref. */
static void
ev_id_at(struct id *id, const struct id *ref, size_t bit)
{
	uint8_t mask = (uint8_t)(0xff00 >> (bit % 8));
	uint8_t flip = (uint8_t)(0x80 >> (bit % 8));

	ev_random(id, sizeof(*id));
	memcpy(id->b, ref->b, bit / 8);
	id->b[bit / 8] = (uint8_t)((ref->b[bit / 8] & mask) |
	    (~ref->b[bit / 8] & flip) | (id->b[bit / 8] & ~(mask | flip)));
}

/* --closer: one bit more of target each time, fresh IDs, our sockets. */
static size_t
ev_closer_nodes(struct evil *ev, const struct id *target,
    const struct addr *asker, struct wire_node *out)
{
	struct ev_depth *d = NULL, *old = &ev->depth[0];
	size_t i, k, bit;

	for (i = 0; i < EV_DEPTHS; i++) {
		if (ev->depth[i].used != 0 &&
		    id_eq(&ev->depth[i].target, target)) {
			d = &ev->depth[i];
			break;
		}
		if (ev->depth[i].used < old->used)
			old = &ev->depth[i];
	}
	if (d == NULL) {
		d = old;
		d->target = *target;
		d->depth = 0;
	}
	d->used = ++ev->depth_clock;
	if (d->depth < ID_BITS - 2)
		d->depth++;
	if (d->depth > ev->max_depth)
		ev->max_depth = d->depth;
	bit = (size_t)d->depth;
	for (k = 0; k < WIRE_MAX_NODES; k++) {
		struct id id;
		/* Socket 0 keeps the ID the victim met first (its entry). */
		size_t si = ev->nsock > 1 ? 1 + ev->rr++ % (ev->nsock - 1) : 0;

		ev_id_at(&id, target, bit);
		out[k].id = id;
		out[k].addr = ev->sock[si].addr;
		if (ev->silent && out[k].addr.u.sa.sa_family == AF_INET) {
			/* An address nobody answers at: the next /24 up. */
			uint8_t *ip = (uint8_t *)&out[k].addr.u.sin.sin_addr;

			ip[2]++;
			ip[3] = (uint8_t)(1 + ev->rr++ % 250);
		} else
			ev_name(ev, si, asker, &id);	/* answer there as it */
	}
	return WIRE_MAX_NODES;
}

static void
ev_serve(struct evil *ev, size_t si, const struct addr *from,
    const struct wire_msg *q)
{
	struct wire_node nodes[WIRE_MAX_NODES];
	struct wire_msg m;
	const struct id *t;
	struct id as = ev_as(ev, si, from);	/* before it is renamed */
	size_t n;

	memset(&m, 0, sizeof(m));
	switch (q->type) {
	case WIRE_PING:
		/* The crowd's admission ping: for the ID that just asked. */
		if (ev->mode != EV_CLOSER)
			as = ev->sock[si].cur;
		ev_name(ev, si, from, &as);
		m.type = WIRE_PONG;
		m.u.pong.observed = *from;
		ev_prove(ev, &as, q, &m);
		ev->pings_answered++;
		break;
	case WIRE_FIND_NODE:
	case WIRE_FIND_VALUE:
		t = q->type == WIRE_FIND_NODE ? &q->u.find_node.target :
		    &q->u.find_value.key;
		m.type = q->type == WIRE_FIND_NODE ? WIRE_NODES : WIRE_VALUES;
		/* A token, so that putters STORE here (swallowed below). */
		n = ev->mode == EV_CLOSER ? ev_closer_nodes(ev, t, from,
		    nodes) : ev_crowd_closest(ev, t, from, nodes);
		if (m.type == WIRE_NODES) {
			memset(m.u.nodes.token, 0xee, 16);
			m.u.nodes.tokenlen = 16;
			m.u.nodes.nodes = nodes;
			m.u.nodes.nnodes = n;
		} else {
			memset(m.u.values.token, 0xee, 16);
			m.u.values.tokenlen = 16;
			m.u.values.nodes = nodes;
			m.u.values.nnodes = n;
		}
		ev->finds_answered++;
		break;
	case WIRE_STORE:
		/* Swallowed: acknowledged, kept nowhere. */
		m.type = WIRE_STORE_ACK;
		m.u.store_ack.stored = (uint32_t)q->u.store.nvalues;
		ev->stores_swallowed++;
		break;
	default:
		if (q->type == WIRE_PONG)
			ev->pongs++;
		return;
	}
	ev_answer(ev, si, &as, from, &m, q->txid);
}

/* --near and --sybil: the next ID PINGs every target from its socket. */
static void
ev_crowd_tick(struct evil *ev, int64_t now)
{
	struct ev_ident *id;
	struct wire_msg m;
	size_t t;

	if (ev->nident == 0 || ev->ntarget == 0 || now < ev->next_send_ms)
		return;
	ev->next_send_ms = now + 1000 / ev->rate;
	id = &ev->ident[ev->next_ident];
	ev->next_ident = (ev->next_ident + 1) % ev->nident;
	ev->sock[id->sock].cur = id->id;
	for (t = 0; t < ev->ntarget; t++) {
		memset(&m, 0, sizeof(m));
		m.type = WIRE_PING;
		if (ev_request(ev, id->sock, &id->id, &ev->target[t], &m,
		    ev_txid()) == 0)
			ev->requests++;
	}
}

static void
ev_make_idents(struct evil *ev)
{
	size_t i, n;

	n = ev->mode == EV_NEAR ? (size_t)ev->ids : ev->nsock;
	if ((ev->ident = calloc(n, sizeof(*ev->ident))) == NULL) {
		perror("evilpeer: calloc");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		struct id *id = &ev->ident[i].id;

		ev->ident[i].sock = i % ev->nsock;
		ev_random(id, sizeof(*id));
		if (ev->mode == EV_NEAR) {
			/* The key's first 240 bits, then random ones. */
			memcpy(id->b, ev->key.b, ID_LEN - 2);
			if (id_eq(id, &ev->key))
				id->b[ID_LEN - 1] ^= 1;
		} else if (ev->have_spread)
			ev_id_at(id, &ev->spread, i % 16);
		ev->sock[ev->ident[i].sock].cur = *id;
	}
	ev->nident = n;
}

/* ---- input -------------------------------------------------------------- */

/* One whole message from `from`, as the mode wants it handled. */
static void
ev_take(struct evil *ev, size_t si, const struct addr *from,
    const uint8_t *p, size_t len, int64_t now, int64_t wall)
{
	struct wire_msg m;
	const char *errstr;
	size_t k;

	if (wire_decode(p, len, &m, &errstr) == -1) {
		ev->rx_bad++;
		return;
	}
	ev_cookie_note(ev, si, from, &m);
	if (ev->mode == EV_STORE) {
		for (k = 0; k < ev->njob; k++)
			if (ev->job[k].sock == si && addr_eq(from,
			    &ev->target[ev->job[k].target]))
				ev_job_reply(ev, &ev->job[k], &m, now, wall);
	} else
		ev_serve(ev, si, from, &m);
	wire_msg_free(&m);
}

static void
ev_input(struct evil *ev, size_t si, int64_t now, int64_t wall)
{
	uint8_t dgram[WIRE_MAX_DATAGRAM + 1], *whole = NULL;
	struct addr from;
	socklen_t flen;
	const char *errstr;
	const uint8_t *msg;
	size_t len, off;
	ssize_t n;
	int kind;

	for (;;) {
		flen = sizeof(from.u);
		n = recvfrom(ev->sock[si].fd, dgram, sizeof(dgram), 0,
		    &from.u.sa, &flen);
		if (n < 0)
			return;
		from.len = flen;
		ev->rx++;
		len = (size_t)n;
		switch ((kind = wire_peek_kind(dgram, len, &errstr))) {
		case WIRE_KIND_WHOLE:
			ev_take(ev, si, &from, dgram, len, now, wall);
			break;
		case WIRE_KIND_FRAG:
			if (frag_in_input(ev->fin, &from, dgram, len, now,
			    &whole, &len, &errstr) != FRAG_COMPLETE)
				break;
			ev_take(ev, si, &from, whole, len, now, wall);
			free(whole);
			whole = NULL;
			break;
		case WIRE_KIND_BUNDLE:
			/* Our Packets say we read them, as emod's do. */
			if (wire_bundle_check(dgram, len, &errstr) == -1) {
				ev->rx_bad++;
				break;
			}
			off = 0;
			while ((len = wire_bundle_next(dgram, (size_t)n, &off,
			    &msg)) > 0)
				ev_take(ev, si, &from, msg, len, now, wall);
			break;
		default:
			ev->rx_bad += kind < 0;
			break;
		}
	}
}

static void
ev_summary(const struct evil *ev, double secs)
{
	static const char *names[] = { "none", "store-junk", "near", "sybil",
	    "closer" };
	const struct { const char *name; uint64_t v; } store[] = {
		{ "tokens", ev->tokens }, { "tokens_none", ev->tokens_none },
		{ "stores_sent", ev->stores_sent },
		{ "values_sent", ev->values_sent }, { "stored", ev->stored },
		{ "refused", ev->values_sent - ev->stored },
		{ "err_quota", ev->err_quota }, { "err_token", ev->err_token },
		{ "err_other", ev->err_other }, { "lost", ev->lost },
	}, crowd[] = {
		{ "requests", ev->requests }, { "pongs", ev->pongs },
		{ "pings_answered", ev->pings_answered },
		{ "finds_answered", ev->finds_answered },
		{ "stores_swallowed", ev->stores_swallowed },
		{ "max_depth", (uint64_t)ev->max_depth },
		{ "proofs", ev->proofs }, { "claims", ev->claims },
	};
	char a[ADDR_STRLEN];
	size_t i;

	printf("evilpeer mode=%s sockets=%zu ids=%zu targets=%zu seconds=%.1f "
	    "rx=%llu rx_bad=%llu tx=%llu", names[ev->mode], ev->nsock,
	    ev->nident, ev->ntarget, secs, (unsigned long long)ev->rx,
	    (unsigned long long)ev->rx_bad, (unsigned long long)ev->tx);
	if (ev->mode == EV_STORE)
		for (i = 0; i < sizeof(store) / sizeof(store[0]); i++)
			printf(" %s=%llu", store[i].name,
			    (unsigned long long)store[i].v);
	else
		for (i = 0; i < sizeof(crowd) / sizeof(crowd[0]); i++)
			printf(" %s=%llu", crowd[i].name,
			    (unsigned long long)crowd[i].v);
	printf(" first=%s\n", addr_str(&ev->sock[0].addr, a, sizeof(a)));
	fflush(stdout);
}

struct ev_numopt {
	const char	*name;
	long		*dst;
	long		 lo, hi;
};

/* The options taking a number, for ev's fields. */
static const struct ev_numopt *
ev_numopt(struct evil *ev, const char *name)
{
	static struct ev_numopt t[8];
	size_t i;

	t[0] = (struct ev_numopt){ "--count", &ev->count, 1, 10000000 };
	t[1] = (struct ev_numopt){ "--ids", &ev->ids, 1, EV_MAX_IDS };
	t[2] = (struct ev_numopt){ "--per-ip", &ev->per_ip, 1, EV_MAX_SOCKS };
	t[3] = (struct ev_numopt){ "--rate", &ev->rate, 1, 1000 };
	t[4] = (struct ev_numopt){ "--port", &ev->port, 1, 65535 };
	t[5] = (struct ev_numopt){ "--value-size", &ev->value_size, 1,
	    EV_VALUE_MAX };
	t[6] = (struct ev_numopt){ "--seconds", &ev->seconds, 1, 3600 };
	t[7] = (struct ev_numopt){ "--difficulty", &ev->difficulty, 0,
	    IDENT_MAX_DIFFICULTY };
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct ev_numopt *nopt;
	static struct evil ev;
	struct pollfd *pfd;
	struct addr a;
	const char *errstr, *range = NULL;
	const char *listen[EV_MAX_SOCKS];
	size_t nlisten = 0, i;
	int64_t start, now, wall, end;
	int c, c2;

	ev.count = 1000;
	ev.ids = 100;
	ev.per_ip = 1;
	ev.rate = 20;
	ev.value_size = 48;
	ev.seconds = 10;
	ev.difficulty = 10;	/* emod's default id_difficulty */
	for (c = 1; c < argc; c++) {
		const char *o = argv[c], *v = c + 1 < argc ? argv[c + 1] : NULL;

#define NEEDV()	do { if (v == NULL) usage(); c++; } while (0)
		if (strcmp(o, "--store-junk") == 0 ||
		    strcmp(o, "--near") == 0) {
			NEEDV();
			ev.mode = o[2] == 's' ? EV_STORE : EV_NEAR;
			ev_key(&ev.key, v);
			ev.have_key = 1;
		} else if (strcmp(o, "--sybil") == 0)
			ev.mode = EV_SYBIL;
		else if (strcmp(o, "--closer") == 0)
			ev.mode = EV_CLOSER;
		else if (strcmp(o, "--silent") == 0)
			ev.silent = 1;
		else if (strcmp(o, "--keyed") == 0)
			ev.keyed = 1;
		else if (strcmp(o, "--no-token") == 0)
			ev.no_token = 1;
		else if (strcmp(o, "--target") == 0) {
			NEEDV();
			if (ev.ntarget == EV_MAX_TARGETS ||
			    addr_parse(&ev.target[ev.ntarget++], v,
			    &errstr) == -1)
				usage();
		} else if (strcmp(o, "--listen") == 0) {
			NEEDV();
			if (nlisten == EV_MAX_SOCKS)
				usage();
			listen[nlisten++] = v;
		} else if (strcmp(o, "--listen-range") == 0 ||
		    strcmp(o, "--from-ips") == 0) {
			NEEDV();
			range = v;
		} else if (strcmp(o, "--spread-from") == 0) {
			NEEDV();
			if (strlen(v) != ID_HEX_LEN ||
			    id_from_hex(&ev.spread, v, ID_HEX_LEN) == -1)
				usage();
			ev.have_spread = 1;
		} else if ((c2 = ev_signed_opt(&ev, o, v)) != -1) {
			if (c2 == -2)
				usage();
			c += c2;
		} else if ((nopt = ev_numopt(&ev, o)) != NULL) {
			NEEDV();
			*nopt->dst = ev_num(v, nopt->lo, nopt->hi);
		} else
			usage();
#undef NEEDV
	}
	if (ev.mode == EV_NONE ||
	    (ev.mode != EV_CLOSER && ev.ntarget == 0))
		usage();
	if (ev_signed_setup(&ev) == -1)
		exit(2);
	for (i = 0; i < nlisten; i++) {
		if (addr_parse(&a, listen[i], &errstr) == -1) {
			fprintf(stderr, "evilpeer: %s: %s\n", listen[i],
			    errstr);
			exit(2);
		}
		(void)ev_bind(&ev, &a);
	}
	if (range != NULL)
		ev_bind_range(&ev, range);
	if (ev.nsock == 0) {
		(void)addr_parse(&a, "127.0.0.1:1", &errstr);
		a.u.sin.sin_port = 0;
		(void)ev_bind(&ev, &a);
	}
	ev_random(&ev.nonce, sizeof(ev.nonce));
	if ((ev.fin = frag_in_new(ev.nonce)) == NULL)
		exit(1);
	if (ev.mode == EV_STORE) {
		ev.njob = ev.nsock * ev.ntarget;
		if ((ev.job = calloc(ev.njob, sizeof(*ev.job))) == NULL)
			exit(1);
		for (i = 0; i < ev.njob; i++) {
			ev.job[i].sock = i / ev.ntarget;
			ev.job[i].target = i % ev.ntarget;
		}
	} else if (ev.mode == EV_NEAR || ev.mode == EV_SYBIL)
		ev_make_idents(&ev);
	ev_keys_init(&ev);
	if ((pfd = calloc(ev.nsock, sizeof(*pfd))) == NULL)
		exit(1);
	for (i = 0; i < ev.nsock; i++) {
		pfd[i].fd = ev.sock[i].fd;
		pfd[i].events = POLLIN;
	}
	signal(SIGTERM, ev_on_signal);
	signal(SIGINT, ev_on_signal);
	/* The first line says where the peer listens, for the scripts. */
	{
		char s[ADDR_STRLEN];

		printf("evilpeer listening %s sockets=%zu\n",
		    addr_str(&ev.sock[0].addr, s, sizeof(s)), ev.nsock);
		fflush(stdout);
	}
	start = ev_clock(CLOCK_MONOTONIC);
	end = start + (int64_t)ev.seconds * 1000;
	if (ev.mode == EV_STORE)
		for (i = 0; i < ev.njob; i++)
			(void)ev_job_token(&ev, &ev.job[i], start);
	while (!ev_stop) {
		now = ev_clock(CLOCK_MONOTONIC);
		wall = ev_clock(CLOCK_REALTIME);
		if (now >= end)
			break;
		if (ev.mode == EV_STORE) {
			ev_jobs_tick(&ev, now, wall);
			if (ev_jobs_done(&ev))
				break;
		} else if (ev.mode != EV_CLOSER)
			ev_crowd_tick(&ev, now);
		if (poll(pfd, ev.nsock, 10) < 0 && errno != EINTR) {
			perror("evilpeer: poll");
			exit(1);
		}
		now = ev_clock(CLOCK_MONOTONIC);
		for (i = 0; i < ev.nsock; i++)
			if (pfd[i].revents & POLLIN)
				ev_input(&ev, i, now, wall);
		frag_in_tick(ev.fin, now, ev_emit, &ev.sock[0]);
	}
	ev_summary(&ev, (double)(ev_clock(CLOCK_MONOTONIC) - start) / 1000);
	frag_in_free(ev.fin);
	for (i = 0; i < ev.nsock; i++)
		close(ev.sock[i].fd);
	free(pfd);
	free(ev.ident);
	free(ev.keys);
	free(ev.job);
	return 0;
}

/*
 * evilpeer — a malicious DHT peer for the hostile-peer tier (tests/hostile/).
 * It speaks the real protocol through the engine's own codec (wire.c,
 * wire_encode.c), fragmentation (frag.c), IDs (id.c, keccak.c) and
 * addresses (addr.c); nothing of the protocol is written again here.  One
 * process, one poll(2) loop, any number of UDP sockets.
 *
 * Modes (exactly one):
 *
 *   --store-junk KEY --count N --target H:P [--target H:P ...]
 *       [--from-ips 127.0.0.X-Y] [--value-size B]
 *     From each source address (one socket per address of --from-ips, or
 *     one on 127.0.0.1), asks every target a FIND_NODE of KEY, takes the
 *     write token the NODES answer carries and STOREs N distinct junk
 *     values in all under KEY (value i goes from source i mod sources) at
 *     every target, a few STOREs in flight per (source, target).  Counts
 *     what the StoreAcks say was kept and what was refused.
 *
 *   --near KEY --ids N --target H:P [--listen A:P ... | --listen-range ...]
 *     Claims N node IDs sharing at least 240 bits with KEY, spread over
 *     the sockets (one socket: all of them on one IP:port).  One ID after
 *     another (--rate a second) PINGs every target from its socket, so
 *     the target sends an admission ping, which the socket answers under
 *     that same ID (the endpoint proof passes).  FIND_NODE and FIND_VALUE
 *     are answered with our own IDs closest to the target.
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
 *     asked about T, at our own sockets but the first (each answers under
 *     the ID last named there: give many, --per-ip 100, so a name lasts a
 *     few answers), and never with a value: a lookup that follows it
 *     would never end by itself.  The first socket keeps one ID, the one
 *     a victim bootstrapping from it puts in its table.  With --silent
 *     the fake nodes are at addresses nobody answers (the next /24 up:
 *     A.B.C+1.X), so a lookup waits for timeouts instead.
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

#include "addr.h"
#include "frag.h"
#include "id.h"
#include "wire.h"

#define EV_MAX_SOCKS	1024
#define EV_MAX_TARGETS	32
#define EV_MAX_IDS	4096
#define EV_WINDOW	4		/* STOREs in flight per job */
#define EV_TRIES	3		/* sends of one request */
#define EV_TIMEOUT_MS	1000
#define EV_DEPTHS	256		/* targets remembered by --closer */
#define EV_VALUE_MAX	1024

enum ev_mode { EV_NONE, EV_STORE, EV_NEAR, EV_SYBIL, EV_CLOSER };

struct ev_sock {
	int		 fd;
	struct addr	 addr;
	struct id	 cur;		/* the ID this socket answers under */
};

struct ev_ident {
	struct id	 id;
	size_t		 sock;
};

struct ev_flight {
	uint64_t	 txid;		/* 0: free */
	int64_t		 sent_ms;
	int		 tries;
	uint32_t	 first;		/* value number of the first value */
	uint32_t	 n;
};

/* --store-junk: one source socket storing at one target. */
struct ev_job {
	size_t		 sock, target;
	int		 state;		/* 0 token, 1 storing, 2 done */
	uint8_t		 tok[WIRE_MAX_TOKEN];
	size_t		 toklen;
	uint32_t	 next;		/* next value number of this source */
	struct ev_flight fl[EV_WINDOW];	/* fl[0] also for the FIND_NODE */
};

struct ev_depth {
	struct id	 target;
	int		 depth;
	uint64_t	 used;
};

struct evil {
	enum ev_mode	 mode;
	struct ev_sock	 sock[EV_MAX_SOCKS];
	size_t		 nsock;
	struct addr	 target[EV_MAX_TARGETS];
	size_t		 ntarget;
	struct ev_ident	*ident;
	size_t		 nident;
	struct id	 key;
	struct id	 spread;
	int		 have_key, have_spread, silent;
	long		 count, ids, per_ip, rate, value_size;
	double		 seconds;
	uint16_t	 port;
	struct ev_job	*job;
	size_t		 njob;
	struct ev_depth	 depth[EV_DEPTHS];
	uint64_t	 depth_clock;
	size_t		 rr;		/* next socket for a fake node */
	size_t		 next_ident;
	int64_t		 next_send_ms;
	uint32_t	 nonce;
	struct frag_in	*fin;
	uint8_t		 buf[WIRE_MAX_MESSAGE];
	/* what happened */
	uint64_t	 rx, rx_bad, tx, tx_fail;
	uint64_t	 pings_answered, finds_answered, stores_swallowed;
	uint64_t	 requests, pongs;
	uint64_t	 tokens, tokens_none, stores_sent, values_sent, stored;
	uint64_t	 err_quota, err_token, err_other, lost;
	int		 max_depth;
};

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

static void
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

static uint64_t
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
	    "[--from-ips A.B.C.X-Y]\n"
	    "       evilpeer --near KEY --ids N --target H:P... "
	    "[--listen A:P... | --listen-range A.B.C.X-Y]\n"
	    "       evilpeer --sybil --target H:P... --listen-range A.B.C.X-Y "
	    "[--per-ip M] [--spread-from HEXID]\n"
	    "       evilpeer --closer [--silent] [--listen A:P... | "
	    "--listen-range ...]\n"
	    "common: --seconds S --rate R --port P --value-size B "
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

/* A request as `as` from socket si. */
static int
ev_request(struct evil *ev, size_t si, const struct id *as,
    const struct addr *to, struct wire_msg *m, uint64_t txid)
{
	m->sender = *as;
	m->txid = txid;
	return ev_send(ev, si, to, m);
}

/* An answer under the ID `as` (the socket's current one, as asked). */
static void
ev_answer(struct evil *ev, size_t si, const struct id *as,
    const struct addr *to, struct wire_msg *m, uint64_t txid)
{
	m->sender = *as;
	m->txid = txid;
	(void)ev_send(ev, si, to, m);
}

/* ---- --store-junk ------------------------------------------------------- */

/* Junk value number v of source si: distinct across sources and runs. */
static size_t
ev_junk(const struct evil *ev, size_t si, uint32_t v, uint8_t *out)
{
	char a[ADDR_STRLEN];
	size_t n, len = (size_t)ev->value_size;

	n = (size_t)snprintf((char *)out, EV_VALUE_MAX, "junk %08x %s #%u ",
	    ev->nonce, addr_str(&ev->sock[si].addr, a, sizeof(a)), v);
	if (n > len)
		len = n;
	for (; n < len; n++)
		out[n] = 'x';
	return len;
}

static int
ev_job_token(struct evil *ev, struct ev_job *j, int64_t now)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_FIND_NODE;
	m.u.find_node.target = ev->key;
	j->fl[0].txid = ev_txid();
	j->fl[0].sent_ms = now;
	j->fl[0].tries = 1;
	j->fl[0].n = 0;
	return ev_request(ev, j->sock, &ev->sock[j->sock].cur,
	    &ev->target[j->target], &m, j->fl[0].txid);
}

/* Values of this job's source: numbers si, si + nsock, ... < count. */
static uint32_t
ev_job_values(const struct evil *ev, const struct ev_job *j)
{
	long n = ev->count - (long)j->sock;

	return n <= 0 ? 0 : (uint32_t)((n + (long)ev->nsock - 1) /
	    (long)ev->nsock);
}

static void
ev_store_send(struct evil *ev, struct ev_job *j, struct ev_flight *f,
    int64_t now, int64_t wall)
{
	static uint8_t data[WIRE_MAX_VALUES_PER_MSG][EV_VALUE_MAX];
	struct wire_value wv[WIRE_MAX_VALUES_PER_MSG];
	struct wire_msg m;
	uint32_t i;

	for (i = 0; i < f->n; i++) {
		wv[i].len = (uint32_t)ev_junk(ev, j->sock, f->first + i,
		    data[i]);
		wv[i].data = data[i];
		wv[i].created_ms = wall;
		wv[i].expires_ms = wall + 3600 * 1000;
	}
	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE;
	m.u.store.key = ev->key;
	m.u.store.values = wv;
	m.u.store.nvalues = f->n;
	memcpy(m.u.store.token, j->tok, j->toklen);
	m.u.store.tokenlen = j->toklen;
	f->sent_ms = now;
	(void)ev_request(ev, j->sock, &ev->sock[j->sock].cur,
	    &ev->target[j->target], &m, f->txid);
}

/* Fills free flight slots with new STOREs: as many values as fit a datagram. */
static void
ev_job_fill(struct evil *ev, struct ev_job *j, int64_t now, int64_t wall)
{
	uint32_t total = ev_job_values(ev, j);
	struct wire_msg m;
	struct wire_value wv[WIRE_MAX_VALUES_PER_MSG];
	static uint8_t probe[EV_VALUE_MAX];
	size_t i, per;
	int busy = 0;

	/* How many values of this size one datagram carries. */
	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE;
	m.u.store.tokenlen = j->toklen;
	for (i = 0; i < WIRE_MAX_VALUES_PER_MSG; i++) {
		wv[i].len = (uint32_t)ev_junk(ev, j->sock, UINT32_MAX, probe);
		wv[i].data = probe;
		wv[i].created_ms = wall;
		wv[i].expires_ms = wall + 3600 * 1000;
	}
	m.u.store.values = wv;
	for (per = WIRE_MAX_VALUES_PER_MSG; per > 1; per--) {
		m.u.store.nvalues = per;
		if (wire_encoded_len(&m) <= WIRE_MAX_DATAGRAM)
			break;
	}
	for (i = 0; i < EV_WINDOW; i++) {
		struct ev_flight *f = &j->fl[i];

		if (f->txid != 0) {
			busy = 1;
			continue;
		}
		if (j->next >= total)
			continue;
		f->txid = ev_txid();
		f->tries = 1;
		f->first = j->next;
		f->n = total - j->next < per ? total - j->next : (uint32_t)per;
		j->next += f->n;
		ev->stores_sent++;
		ev->values_sent += f->n;
		ev_store_send(ev, j, f, now, wall);
		busy = 1;
	}
	if (!busy)
		j->state = 2;
}

static void
ev_job_reply(struct evil *ev, struct ev_job *j, const struct wire_msg *m,
    int64_t now, int64_t wall)
{
	size_t i;

	if (j->state == 0) {
		if (m->txid != j->fl[0].txid)
			return;
		j->fl[0].txid = 0;
		if (m->type != WIRE_NODES || m->u.nodes.tokenlen == 0) {
			ev->tokens_none++;
			j->state = 2;
			return;
		}
		ev->tokens++;
		memcpy(j->tok, m->u.nodes.token, m->u.nodes.tokenlen);
		j->toklen = m->u.nodes.tokenlen;
		j->state = 1;
		ev_job_fill(ev, j, now, wall);
		return;
	}
	for (i = 0; i < EV_WINDOW; i++)
		if (j->fl[i].txid != 0 && j->fl[i].txid == m->txid)
			break;
	if (i == EV_WINDOW || j->state != 1)
		return;
	if (m->type == WIRE_STORE_ACK)
		ev->stored += m->u.store_ack.stored < j->fl[i].n ?
		    m->u.store_ack.stored : j->fl[i].n;
	else if (m->type == WIRE_ERROR &&
	    m->u.error.code == WIRE_ERR_QUOTA)
		ev->err_quota++;
	else if (m->type == WIRE_ERROR &&
	    m->u.error.code == WIRE_ERR_BAD_TOKEN)
		ev->err_token++;
	else
		ev->err_other++;
	j->fl[i].txid = 0;
	ev_job_fill(ev, j, now, wall);
}

static void
ev_jobs_tick(struct evil *ev, int64_t now, int64_t wall)
{
	size_t k, i;

	for (k = 0; k < ev->njob; k++) {
		struct ev_job *j = &ev->job[k];

		for (i = 0; i < EV_WINDOW && j->state < 2; i++) {
			struct ev_flight *f = &j->fl[i];

			if (f->txid == 0 || now - f->sent_ms < EV_TIMEOUT_MS)
				continue;
			if (f->tries >= EV_TRIES) {
				f->txid = 0;
				if (j->state == 0) {
					ev->lost++;
					j->state = 2;
				} else {
					ev->lost += f->n;
					ev_job_fill(ev, j, now, wall);
				}
				continue;
			}
			f->tries++;
			if (j->state == 0) {
				struct wire_msg m;

				memset(&m, 0, sizeof(m));
				m.type = WIRE_FIND_NODE;
				m.u.find_node.target = ev->key;
				f->sent_ms = now;
				(void)ev_request(ev, j->sock,
				    &ev->sock[j->sock].cur,
				    &ev->target[j->target], &m, f->txid);
			} else
				ev_store_send(ev, j, f, now, wall);
		}
	}
}

static int
ev_jobs_done(const struct evil *ev)
{
	size_t k;

	for (k = 0; k < ev->njob; k++)
		if (ev->job[k].state < 2)
			return 0;
	return 1;
}

/* ---- the crowd: --near, --sybil, --closer ------------------------------- */

/* Our IDs closest to target, at their sockets. */
static size_t
ev_crowd_closest(struct evil *ev, const struct id *target,
    struct wire_node *out)
{
	size_t i, j, n = 0;

	for (i = 0; i < ev->nident; i++) {
		struct wire_node w;

		w.id = ev->ident[i].id;
		w.addr = ev->sock[ev->ident[i].sock].addr;
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
	return n;
}

/* --closer: one bit more of target each time, fresh IDs, our sockets. */
static size_t
ev_closer_nodes(struct evil *ev, const struct id *target,
    struct wire_node *out)
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

		ev_random(&id, sizeof(id));
		/* The first `bit` bits of target, then its bit flipped. */
		for (i = 0; i < bit / 8; i++)
			id.b[i] = target->b[i];
		{
			uint8_t mask = (uint8_t)(0xff00 >> (bit % 8));
			uint8_t flip = (uint8_t)(0x80 >> (bit % 8));

			id.b[bit / 8] = (uint8_t)((target->b[bit / 8] & mask) |
			    (~target->b[bit / 8] & flip) |
			    (id.b[bit / 8] & (uint8_t)~(mask | flip)));
		}
		out[k].id = id;
		out[k].addr = ev->sock[si].addr;
		if (ev->silent && out[k].addr.u.sa.sa_family == AF_INET) {
			/* An address nobody answers at: the next /24 up. */
			uint8_t *ip = (uint8_t *)&out[k].addr.u.sin.sin_addr;

			ip[2]++;
			ip[3] = (uint8_t)(1 + ev->rr % 250);
		} else
			ev->sock[si].cur = id;	/* answer there as it */
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
	struct id as = ev->sock[si].cur;	/* before --closer renames it */

	memset(&m, 0, sizeof(m));
	switch (q->type) {
	case WIRE_PING:
		m.type = WIRE_PONG;
		m.u.pong.observed = *from;
		ev->pings_answered++;
		break;
	case WIRE_FIND_NODE:
	case WIRE_FIND_VALUE:
		t = q->type == WIRE_FIND_NODE ? &q->u.find_node.target :
		    &q->u.find_value.key;
		if (ev->mode == EV_CLOSER)
			ev_closer_nodes(ev, t, nodes);
		m.type = q->type == WIRE_FIND_NODE ? WIRE_NODES : WIRE_VALUES;
		if (m.type == WIRE_NODES) {
			m.u.nodes.nodes = nodes;
			m.u.nodes.nnodes = ev->mode == EV_CLOSER ?
			    WIRE_MAX_NODES : ev_crowd_closest(ev, t, nodes);
		} else {
			m.u.values.nodes = nodes;
			m.u.values.nnodes = ev->mode == EV_CLOSER ?
			    WIRE_MAX_NODES : ev_crowd_closest(ev, t, nodes);
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
	size_t i, n, b, k;

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
		} else if (ev->have_spread) {
			b = i % 16;
			for (k = 0; k < b / 8; k++)
				id->b[k] = ev->spread.b[k];
			{
				uint8_t mask = (uint8_t)(0xff00 >> (b % 8));
				uint8_t flip = (uint8_t)(0x80 >> (b % 8));

				id->b[b / 8] = (uint8_t)(
				    (ev->spread.b[b / 8] & mask) |
				    (~ev->spread.b[b / 8] & flip) |
				    (id->b[b / 8] & (uint8_t)~(mask | flip)));
			}
		}
		ev->sock[ev->ident[i].sock].cur = *id;
	}
	ev->nident = n;
}

/* ---- input -------------------------------------------------------------- */

static void
ev_input(struct evil *ev, size_t si, int64_t now, int64_t wall)
{
	uint8_t dgram[WIRE_MAX_DATAGRAM + 1], *whole = NULL;
	struct wire_msg m;
	struct addr from;
	socklen_t flen;
	const char *errstr;
	const uint8_t *p;
	size_t len, k;
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
		p = dgram;
		len = (size_t)n;
		if ((kind = wire_peek_kind(dgram, len, &errstr)) ==
		    WIRE_KIND_FRAG) {
			if (frag_in_input(ev->fin, &from, dgram, len, now,
			    &whole, &len, &errstr) != FRAG_COMPLETE)
				continue;
			p = whole;
		} else if (kind != WIRE_KIND_WHOLE) {
			ev->rx_bad += kind < 0;
			continue;
		}
		if (wire_decode(p, len, &m, &errstr) == -1) {
			ev->rx_bad++;
			free(whole);
			whole = NULL;
			continue;
		}
		if (ev->mode == EV_STORE) {
			for (k = 0; k < ev->njob; k++)
				if (ev->job[k].sock == si && addr_eq(&from,
				    &ev->target[ev->job[k].target]))
					ev_job_reply(ev, &ev->job[k], &m, now,
					    wall);
		} else
			ev_serve(ev, si, &from, &m);
		wire_msg_free(&m);
		free(whole);
		whole = NULL;
	}
}

static void
ev_summary(const struct evil *ev, double secs)
{
	static const char *names[] = { "none", "store-junk", "near", "sybil",
	    "closer" };
	char a[ADDR_STRLEN];

	printf("evilpeer mode=%s sockets=%zu ids=%zu targets=%zu seconds=%.1f "
	    "rx=%llu rx_bad=%llu tx=%llu", names[ev->mode], ev->nsock,
	    ev->nident, ev->ntarget, secs, (unsigned long long)ev->rx,
	    (unsigned long long)ev->rx_bad, (unsigned long long)ev->tx);
	if (ev->mode == EV_STORE)
		printf(" sources=%zu tokens=%llu tokens_none=%llu "
		    "stores_sent=%llu values_sent=%llu stored=%llu "
		    "refused=%llu err_quota=%llu err_token=%llu "
		    "err_other=%llu lost=%llu", ev->nsock,
		    (unsigned long long)ev->tokens,
		    (unsigned long long)ev->tokens_none,
		    (unsigned long long)ev->stores_sent,
		    (unsigned long long)ev->values_sent,
		    (unsigned long long)ev->stored,
		    (unsigned long long)(ev->values_sent - ev->stored),
		    (unsigned long long)ev->err_quota,
		    (unsigned long long)ev->err_token,
		    (unsigned long long)ev->err_other,
		    (unsigned long long)ev->lost);
	else
		printf(" requests=%llu pongs=%llu pings_answered=%llu "
		    "finds_answered=%llu stores_swallowed=%llu max_depth=%d",
		    (unsigned long long)ev->requests,
		    (unsigned long long)ev->pongs,
		    (unsigned long long)ev->pings_answered,
		    (unsigned long long)ev->finds_answered,
		    (unsigned long long)ev->stores_swallowed, ev->max_depth);
	if (ev->nsock > 0)
		printf(" first=%s", addr_str(&ev->sock[0].addr, a, sizeof(a)));
	printf("\n");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	static struct evil ev;
	struct pollfd *pfd;
	struct addr a;
	const char *errstr, *range = NULL;
	const char *listen[EV_MAX_SOCKS];
	size_t nlisten = 0, i;
	int64_t start, now, wall, end;
	int c;

	ev.count = 1000;
	ev.ids = 100;
	ev.per_ip = 1;
	ev.rate = 20;
	ev.value_size = 48;
	ev.seconds = 10;
	for (c = 1; c < argc; c++) {
		const char *o = argv[c], *v = c + 1 < argc ? argv[c + 1] : NULL;

#define NEEDV()	do { if (v == NULL) usage(); c++; } while (0)
		if (strcmp(o, "--store-junk") == 0 || strcmp(o, "--near") == 0) {
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
		} else if (strcmp(o, "--count") == 0) {
			NEEDV();
			ev.count = ev_num(v, 1, 10000000);
		} else if (strcmp(o, "--ids") == 0) {
			NEEDV();
			ev.ids = ev_num(v, 1, EV_MAX_IDS);
		} else if (strcmp(o, "--per-ip") == 0) {
			NEEDV();
			ev.per_ip = ev_num(v, 1, EV_MAX_SOCKS);
		} else if (strcmp(o, "--rate") == 0) {
			NEEDV();
			ev.rate = ev_num(v, 1, 1000);
		} else if (strcmp(o, "--port") == 0) {
			NEEDV();
			ev.port = (uint16_t)ev_num(v, 1, 65535);
		} else if (strcmp(o, "--value-size") == 0) {
			NEEDV();
			ev.value_size = ev_num(v, 1, EV_VALUE_MAX);
		} else if (strcmp(o, "--seconds") == 0) {
			NEEDV();
			ev.seconds = (double)ev_num(v, 1, 3600);
		} else
			usage();
#undef NEEDV
	}
	if (ev.mode == EV_NONE ||
	    (ev.mode != EV_CLOSER && ev.ntarget == 0))
		usage();
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
	end = start + (int64_t)(ev.seconds * 1000);
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
	free(ev.job);
	return 0;
}

/*
 * simnet — the fake network and clock: a heap of datagrams in flight, a
 * heap of engine deadlines, and one splitmix64 stream for every random
 * choice (latency, loss, node IDs, the engines' own randomness).  What
 * the scenarios share on top of it is in simscen.c.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "ident.h"
#include "simnet.h"

#define SIMNET_T0_MS	1000			/* monotonic start */
#define SIMNET_WALL0_MS	INT64_C(1700000000000)	/* Unix start */

struct simnet_node {
	struct simnet	*sn;
	size_t		 index;
	struct id	 id;		/* Keccak-256 of the seed's public key */
	uint8_t		 seed[32];	/* its Ed25519 key pair's */
	struct addr	 addr;
	struct store	*store;
	struct dht	*dht;
	int64_t		 deadline;
	size_t		 hpos;		/* position in the deadline heap */
	int		 alive;
	int		 down;		/* alive but cut off, timers stopped */
};

struct simnet_pkt {
	int64_t			 at;
	uint64_t		 seq;		/* ties: send order */
	struct simnet_dgram	 d;
};

struct simnet {
	struct simnet_config	 cfg;
	uint64_t		 rng;
	int64_t			 now;
	uint64_t		 seq;
	struct simnet_node	**node;
	size_t			 n, cap;
	size_t			*dheap;		/* live node indexes */
	size_t			 ndheap;
	struct simnet_pkt	*pq;		/* datagram min-heap */
	size_t			 npq, cappq;
	struct simnet_stats	 st;
	simnet_filter		*filter;
	void			*filter_arg;
	struct simnet_dgram	*capt;		/* captured, to no node */
	size_t			 ncap, maxcap;
	/* The node last run by its timer, at spin_at, spin_n times so. */
	size_t			 spin_node, spin_n;
	int64_t			 spin_at;
	int			 spun;		/* SIMNET_SPIN_MAX reached */
};

/*
 * Timer runs of one node at one virtual time before the run stops as a
 * spin: an engine whose deadline never moves past now would otherwise
 * hold the simulated clock still for good.  Far above any honest burst.
 */
#define SIMNET_SPIN_MAX	1000000

static uint64_t
simnet_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t
simnet_rand(struct simnet *sn)
{
	sn->rng += UINT64_C(0x9e3779b97f4a7c15);
	return simnet_mix(sn->rng);
}

uint64_t
simnet_rand_below(struct simnet *sn, uint64_t n)
{
	return simnet_rand(sn) % n;
}

void
simnet_io_fill(struct simnet *sn, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t r;
	size_t i;

	for (i = 0; i < len; i += 8) {
		r = simnet_rand(sn);
		memcpy(p + i, &r, len - i < 8 ? len - i : 8);
	}
}

void
simnet_set_loss(struct simnet *sn, double loss)
{
	sn->cfg.loss = loss;
}

static void
simnet_io_random(void *arg, void *buf, size_t len)
{
	struct simnet_node *nd = arg;

	simnet_io_fill(nd->sn, buf, len);
}

/* One-way latency of a link: fixed per (src, dst) pair for the run. */
static int64_t
simnet_latency(const struct simnet *sn, size_t src, size_t dst)
{
	uint64_t h, span;
	double u1, u2, z, rtt;
	size_t lo = src < dst ? src : dst, hi = src < dst ? dst : src;

	if (sn->cfg.lat_king) {
		/* Symmetric: one RTT per pair, from two hashed uniforms. */
		h = simnet_mix(sn->cfg.seed ^ simnet_mix(((uint64_t)lo << 32) ^
		    hi));
		u1 = ((double)(h >> 11) + 0.5) / 9007199254740992.0;
		u2 = (double)(simnet_mix(h) >> 11) / 9007199254740992.0;
		z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
		rtt = SIMNET_KING_MEDIAN_MS * exp(z * log((double)
		    SIMNET_KING_P99_MS / SIMNET_KING_MEDIAN_MS) / 2.3263);
		if (rtt < SIMNET_KING_FLOOR_MS)
			rtt = SIMNET_KING_FLOOR_MS;
		return (int64_t)(rtt / 2 + 0.5);
	}
	span = (uint64_t)sn->cfg.lat_max_ms - sn->cfg.lat_min_ms + 1;
	h = simnet_mix(sn->cfg.seed ^ simnet_mix(((uint64_t)src << 32) ^ dst));
	return (int64_t)(sn->cfg.lat_min_ms + h % span);
}

/* ---- datagram heap ---------------------------------------------------- */

static int
simnet_pkt_less(const struct simnet_pkt *a, const struct simnet_pkt *b)
{
	if (a->at != b->at)
		return a->at < b->at;
	return a->seq < b->seq;
}

static int
simnet_pq_push(struct simnet *sn, const struct simnet_pkt *p)
{
	struct simnet_pkt *v, t;
	size_t i, parent, ncap;

	if (sn->npq == sn->cappq) {
		ncap = sn->cappq ? sn->cappq * 2 : 1024;
		if ((v = realloc(sn->pq, ncap * sizeof(*v))) == NULL)
			return -1;
		sn->pq = v;
		sn->cappq = ncap;
	}
	i = sn->npq++;
	sn->pq[i] = *p;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!simnet_pkt_less(&sn->pq[i], &sn->pq[parent]))
			break;
		t = sn->pq[i];
		sn->pq[i] = sn->pq[parent];
		sn->pq[parent] = t;
		i = parent;
	}
	return 0;
}

static void
simnet_pq_pop(struct simnet *sn, struct simnet_pkt *out)
{
	struct simnet_pkt t;
	size_t i = 0, l, r, m;

	*out = sn->pq[0];
	sn->pq[0] = sn->pq[--sn->npq];
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < sn->npq && simnet_pkt_less(&sn->pq[l], &sn->pq[m]))
			m = l;
		if (r < sn->npq && simnet_pkt_less(&sn->pq[r], &sn->pq[m]))
			m = r;
		if (m == i)
			break;
		t = sn->pq[i];
		sn->pq[i] = sn->pq[m];
		sn->pq[m] = t;
		i = m;
	}
}

/* ---- deadline heap (indexed, so a node's key can change) ---------------- */

static int
simnet_dl_less(const struct simnet *sn, size_t a, size_t b)
{
	const struct simnet_node *x = sn->node[sn->dheap[a]];
	const struct simnet_node *y = sn->node[sn->dheap[b]];

	if (x->deadline != y->deadline)
		return x->deadline < y->deadline;
	return x->index < y->index;
}

static void
simnet_dl_swap(struct simnet *sn, size_t a, size_t b)
{
	size_t t;

	t = sn->dheap[a];
	sn->dheap[a] = sn->dheap[b];
	sn->dheap[b] = t;
	sn->node[sn->dheap[a]]->hpos = a;
	sn->node[sn->dheap[b]]->hpos = b;
}

static void
simnet_dl_fix(struct simnet *sn, size_t i)
{
	size_t parent, l, r, m;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!simnet_dl_less(sn, i, parent))
			break;
		simnet_dl_swap(sn, i, parent);
		i = parent;
	}
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < sn->ndheap && simnet_dl_less(sn, l, m))
			m = l;
		if (r < sn->ndheap && simnet_dl_less(sn, r, m))
			m = r;
		if (m == i)
			break;
		simnet_dl_swap(sn, i, m);
		i = m;
	}
}

static void
simnet_dl_remove(struct simnet *sn, size_t i)
{
	size_t last = sn->ndheap - 1;

	if (i != last)
		simnet_dl_swap(sn, i, last);
	sn->ndheap--;
	if (i < sn->ndheap)
		simnet_dl_fix(sn, i);
}

/* ---- nodes ------------------------------------------------------------ */

static long
simnet_index_of(const struct simnet *sn, const struct addr *a)
{
	uint32_t ip;

	if (addr_family(a) != AF_INET || addr_port(a) != SIMNET_PORT)
		return -1;
	ip = ntohl(a->u.sin.sin_addr.s_addr);
	if ((ip >> 24) != 127 || (ip & 0xffffff) == 0)
		return -1;
	ip = (ip & 0xffffff) - 1;
	return ip < sn->n ? (long)ip : -1;
}

/* Queues a copy of buf to arrive at time at; -1 when out of memory. */
static int
simnet_queue(struct simnet *sn, int64_t at, const struct addr *from,
    const struct addr *to, long dst, const void *buf, size_t len)
{
	struct simnet_pkt p;

	memset(&p, 0, sizeof(p));
	p.at = at;
	p.seq = sn->seq++;
	p.d.from = *from;
	p.d.to = *to;
	p.d.to_index = dst;
	p.d.len = len;
	if ((p.d.buf = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(p.d.buf, buf, len);
	if (simnet_pq_push(sn, &p) == -1) {
		free(p.d.buf);
		return -1;
	}
	return 0;
}

static void
simnet_io_send(void *arg, const struct addr *to, const uint8_t *buf,
    size_t len)
{
	struct simnet_node *nd = arg;
	struct simnet *sn = nd->sn;
	long dst;

	sn->st.sent++;
	sn->st.bytes += len;
	dst = simnet_index_of(sn, to);
	if (dst < 0 && sn->maxcap > 0) {
		/* To be captured on arrival: no loss, the shortest latency. */
		if (simnet_queue(sn, sn->now + sn->cfg.lat_min_ms, &nd->addr,
		    to, SIMNET_NOWHERE, buf, len) == -1)
			sn->st.undeliverable++;
		return;
	}
	if (dst < 0 || !simnet_alive(sn, (size_t)dst)) {
		sn->st.undeliverable++;
		return;
	}
	if (sn->cfg.loss > 0 &&
	    (double)(simnet_rand(sn) >> 11) / 9007199254740992.0 <
	    sn->cfg.loss) {
		sn->st.lost++;
		return;
	}
	if (simnet_queue(sn, sn->now + simnet_latency(sn, nd->index,
	    (size_t)dst), &nd->addr, to, dst, buf, len) == -1)
		sn->st.undeliverable++;
}

struct simnet *
simnet_new(const struct simnet_config *cfg)
{
	struct simnet *sn;

	if ((sn = calloc(1, sizeof(*sn))) == NULL)
		return NULL;
	sn->cfg = *cfg;
	if (sn->cfg.lat_max_ms < sn->cfg.lat_min_ms)
		sn->cfg.lat_max_ms = sn->cfg.lat_min_ms;
	sn->rng = cfg->seed;
	sn->now = SIMNET_T0_MS;
	return sn;
}

void
simnet_free(struct simnet *sn)
{
	size_t i;

	if (sn == NULL)
		return;
	for (i = 0; i < sn->n; i++) {
		dht_free(sn->node[i]->dht);
		store_close(sn->node[i]->store);
		free(sn->node[i]);
	}
	for (i = 0; i < sn->npq; i++)
		free(sn->pq[i].d.buf);
	free(sn->pq);
	simnet_capture_clear(sn);
	free(sn->capt);
	free(sn->node);
	free(sn->dheap);
	free(sn);
}

long
simnet_add(struct simnet *sn)
{
	return simnet_add_config(sn, &sn->cfg.dht);
}

long
simnet_add_config(struct simnet *sn, const struct dht_config *cfg)
{
	struct simnet_node *nd, **nv;
	struct store_opts so;
	struct keys_pair kp;
	struct dht_io io;
	size_t *hv, ncap;
	uint32_t ip;
	char err[256];

	if (sn->n >= SIMNET_MAX_NODES)
		return -1;
	if (sn->n == sn->cap) {
		ncap = sn->cap ? sn->cap * 2 : 64;
		if ((nv = realloc(sn->node, ncap * sizeof(*nv))) == NULL)
			return -1;
		sn->node = nv;
		if ((hv = realloc(sn->dheap, ncap * sizeof(*hv))) == NULL)
			return -1;
		sn->dheap = hv;
		sn->cap = ncap;
	}
	if ((nd = calloc(1, sizeof(*nd))) == NULL)
		return -1;
	nd->sn = sn;
	nd->index = sn->n;
	/* A real key pair (from the seeded PRNG) meeting the difficulty. */
	if (ident_generate(&kp, &nd->id, cfg != NULL ? cfg->id_difficulty : 0,
	    simnet_io_random, nd) == -1) {
		free(nd);
		return -1;
	}
	memcpy(nd->seed, kp.sec, sizeof(nd->seed));
	ip = (127u << 24) | (uint32_t)(sn->n + 1);
	nd->addr.u.sin.sin_family = AF_INET;
	nd->addr.u.sin.sin_port = htons(SIMNET_PORT);
	nd->addr.u.sin.sin_addr.s_addr = htonl(ip);
	nd->addr.len = sizeof(nd->addr.u.sin);
	memset(&so, 0, sizeof(so));
	so.kind = STORE_MEMORY;
	so.max_values_per_key = sn->cfg.max_values_per_key ?
	    sn->cfg.max_values_per_key : STORE_MAX_VALUES_PER_KEY;
	if ((nd->store = store_open(&so, err, sizeof(err))) == NULL) {
		fprintf(stderr, "simnet: store: %s\n", err);
		free(nd);
		return -1;
	}
	io.send = simnet_io_send;
	io.send_request = NULL;
	io.send_join = NULL;	/* no bundles in the simulator */
	io.random = simnet_io_random;
	io.arg = nd;
	nd->dht = dht_new(&kp, nd->store, cfg, &io, sn->now);
	keys_wipe(&kp);
	if (nd->dht == NULL) {
		store_close(nd->store);
		free(nd);
		return -1;
	}
	nd->alive = 1;
	nd->deadline = sn->now;
	sn->node[sn->n] = nd;
	nd->hpos = sn->ndheap;
	sn->dheap[sn->ndheap++] = nd->index;
	sn->n++;
	simnet_dl_fix(sn, nd->hpos);
	return (long)nd->index;
}

static void
simnet_periodic(struct simnet *sn, struct simnet_node *nd)
{
	int64_t dl;

	sn->st.periodics++;
	dl = dht_periodic(nd->dht, sn->now, sn->now - SIMNET_T0_MS +
	    SIMNET_WALL0_MS);
	/* An engine must never ask to be run in the past: that would spin. */
	nd->deadline = dl < sn->now ? sn->now : dl;
	if (nd->alive && !nd->down)
		simnet_dl_fix(sn, nd->hpos);
}

void
simnet_touch(struct simnet *sn, size_t i)
{
	if (simnet_alive(sn, i))
		simnet_periodic(sn, sn->node[i]);
}

void
simnet_bootstrap(struct simnet *sn, size_t i, const size_t *via, size_t n)
{
	struct addr a[DHT_MAX_BOOTSTRAP];
	size_t j, m = 0;

	if (i >= sn->n || !sn->node[i]->alive)
		return;
	for (j = 0; j < n && m < DHT_MAX_BOOTSTRAP; j++)
		if (via[j] < sn->n)
			a[m++] = sn->node[via[j]]->addr;
	dht_bootstrap(sn->node[i]->dht, a, m, sn->now);
	simnet_touch(sn, i);
}

void
simnet_kill(struct simnet *sn, size_t i)
{
	struct simnet_node *nd;

	if (i >= sn->n || !sn->node[i]->alive)
		return;
	nd = sn->node[i];
	nd->alive = 0;
	if (!nd->down)
		simnet_dl_remove(sn, nd->hpos);
	dht_free(nd->dht);
	nd->dht = NULL;
}

int
simnet_restart(struct simnet *sn, size_t i, const struct dht_config *cfg)
{
	struct simnet_node *nd;
	struct keys_pair kp;
	struct dht_io io;

	if (i >= sn->n)
		return -1;
	simnet_kill(sn, i);
	nd = sn->node[i];
	nd->down = 0;
	io.send = simnet_io_send;
	io.send_request = NULL;
	io.send_join = NULL;	/* no bundles in the simulator */
	io.random = simnet_io_random;
	io.arg = nd;
	keys_from_seed(&kp, nd->seed);
	nd->dht = dht_new(&kp, nd->store, cfg != NULL ? cfg : &sn->cfg.dht,
	    &io, sn->now);
	keys_wipe(&kp);
	if (nd->dht == NULL)
		return -1;
	nd->alive = 1;
	nd->deadline = sn->now;
	nd->hpos = sn->ndheap;
	sn->dheap[sn->ndheap++] = nd->index;
	simnet_dl_fix(sn, nd->hpos);
	return 0;
}

void
simnet_set_down(struct simnet *sn, size_t i, int down)
{
	struct simnet_node *nd;

	if (i >= sn->n || !sn->node[i]->alive || sn->node[i]->down == !!down)
		return;
	nd = sn->node[i];
	nd->down = !!down;
	if (nd->down) {
		simnet_dl_remove(sn, nd->hpos);
		return;
	}
	nd->deadline = sn->now;
	nd->hpos = sn->ndheap;
	sn->dheap[sn->ndheap++] = nd->index;
	simnet_dl_fix(sn, nd->hpos);
}

int
simnet_alive(const struct simnet *sn, size_t i)
{
	return i < sn->n && sn->node[i]->alive && !sn->node[i]->down;
}

size_t
simnet_count(const struct simnet *sn)
{
	return sn->n;
}

struct dht *
simnet_dht(struct simnet *sn, size_t i)
{
	return sn->node[i]->dht;
}

struct store *
simnet_store(struct simnet *sn, size_t i)
{
	return sn->node[i]->store;
}

const struct id *
simnet_id(const struct simnet *sn, size_t i)
{
	return &sn->node[i]->id;
}

const struct addr *
simnet_addr(const struct simnet *sn, size_t i)
{
	return &sn->node[i]->addr;
}

int64_t
simnet_now(const struct simnet *sn)
{
	return sn->now;
}

int64_t
simnet_wall(const struct simnet *sn)
{
	return sn->now - SIMNET_T0_MS + SIMNET_WALL0_MS;
}

/* Delivers the earliest datagram: to its filter, a node or the capture. */
static void
simnet_deliver(struct simnet *sn)
{
	struct simnet_node *nd;
	struct simnet_pkt p;

	simnet_pq_pop(sn, &p);
	if (p.at > sn->now)
		sn->now = p.at;
	if (sn->filter != NULL && sn->filter(sn->filter_arg, &p.d)) {
		sn->st.lost++;
		free(p.d.buf);
		return;
	}
	if (p.d.to_index == SIMNET_NOWHERE) {
		sn->st.undeliverable++;
		if (sn->ncap < sn->maxcap)
			sn->capt[sn->ncap++] = p.d;
		else
			free(p.d.buf);
		return;
	}
	nd = sn->node[p.d.to_index];
	if (nd->alive && !nd->down) {
		sn->st.delivered++;
		dht_input(nd->dht, &p.d.from, p.d.buf, p.d.len, sn->now,
		    simnet_wall(sn));
		simnet_periodic(sn, nd);
	} else
		sn->st.undeliverable++;
	free(p.d.buf);
}

/* Runs the earliest event if it is due by t; 0 when there is none. */
static int
simnet_step(struct simnet *sn, int64_t t)
{
	struct simnet_node *nd = NULL;
	int64_t tp = INT64_MAX, td = INT64_MAX;

	if (sn->npq > 0)
		tp = sn->pq[0].at;
	if (sn->ndheap > 0) {
		nd = sn->node[sn->dheap[0]];
		td = nd->deadline;
	}
	/* Engine timers first at equal times: fixed order, reproducible. */
	if (td <= tp && td <= t) {
		if (td > sn->now)
			sn->now = td;
		if (sn->spin_at != sn->now || sn->spin_node != nd->index) {
			sn->spin_at = sn->now;
			sn->spin_node = nd->index;
			sn->spin_n = 0;
		} else if (++sn->spin_n == SIMNET_SPIN_MAX) {
			fprintf(stderr, "simnet: node %zu asked to be run at "
			    "once %d times at %lld ms: its deadline never "
			    "moves\n", nd->index, SIMNET_SPIN_MAX,
			    (long long)sn->now);
			sn->spun = 1;
		}
		simnet_periodic(sn, nd);
		return 1;
	}
	if (tp > t)
		return 0;
	simnet_deliver(sn);
	return 1;
}

/*
 * Counts one more step of a run call; 1 when max_steps is reached, or
 * once a node spun (SIMNET_SPIN_MAX).
 */
static int
simnet_bound(const struct simnet *sn, size_t *steps)
{
	return sn->spun ||
	    (sn->cfg.max_steps > 0 && ++*steps >= sn->cfg.max_steps);
}

int
simnet_run_until(struct simnet *sn, int64_t t)
{
	size_t steps = 0;

	while (simnet_step(sn, t))
		if (simnet_bound(sn, &steps))
			return -1;
	if (sn->now < t)
		sn->now = t;
	return 0;
}

int
simnet_flush(struct simnet *sn)
{
	size_t steps = 0;

	while (sn->npq > 0 && sn->pq[0].at <= sn->now) {
		simnet_deliver(sn);
		if (simnet_bound(sn, &steps))
			return -1;
	}
	return 0;
}

int
simnet_run_pending(struct simnet *sn, const unsigned *pending,
    int64_t limit_ms)
{
	int64_t end = sn->now + limit_ms;
	size_t steps = 0;

	while (*pending > 0) {
		if (!simnet_step(sn, end)) {
			sn->now = end;
			return *pending > 0 ? -1 : 0;
		}
		if (simnet_bound(sn, &steps))
			return *pending > 0 ? -1 : 0;
	}
	return 0;
}

int
simnet_wait(struct simnet *sn, const unsigned *pending, int64_t limit_ms,
    const char *what)
{
	if (simnet_run_pending(sn, pending, limit_ms) == 0)
		return 0;
	if (what != NULL)
		fprintf(stderr, "%s did not end\n", what);
	return -1;
}

size_t
simnet_in_flight(const struct simnet *sn)
{
	return sn->npq;
}

int
simnet_inject(struct simnet *sn, const struct addr *from, size_t to,
    const void *buf, size_t len)
{
	if (to >= sn->n)
		return -1;
	return simnet_queue(sn, sn->now, from, &sn->node[to]->addr, (long)to,
	    buf, len);
}

void
simnet_set_filter(struct simnet *sn, simnet_filter *fn, void *arg)
{
	sn->filter = fn;
	sn->filter_arg = arg;
}

void
simnet_capture(struct simnet *sn, size_t max)
{
	struct simnet_dgram *v;

	if (max > sn->maxcap) {
		if ((v = realloc(sn->capt, max * sizeof(*v))) == NULL)
			return;
		sn->capt = v;
	}
	sn->maxcap = max;
}

size_t
simnet_ncaptured(const struct simnet *sn)
{
	return sn->ncap;
}

const struct simnet_dgram *
simnet_captured(const struct simnet *sn, size_t i)
{
	return i < sn->ncap ? &sn->capt[i] : NULL;
}

void
simnet_capture_clear(struct simnet *sn)
{
	size_t i;

	for (i = 0; i < sn->ncap; i++)
		free(sn->capt[i].buf);
	sn->ncap = 0;
}

int
simnet_build(struct simnet *sn, size_t n, size_t nboot, uint32_t gap_ms,
    uint32_t settle_ms)
{
	size_t i, via[2], first;
	long idx;

	if (nboot == 0)
		nboot = 1;
	first = sn->n;
	for (i = 0; i < n; i++) {
		if ((idx = simnet_add(sn)) < 0)
			return -1;
		if (i == 0)
			;	/* the first node is alone */
		else if (i < nboot) {
			via[0] = first;
			simnet_bootstrap(sn, (size_t)idx, via, 1);
		} else {
			via[0] = first + simnet_rand_below(sn, nboot);
			via[1] = first + simnet_rand_below(sn, nboot);
			simnet_bootstrap(sn, (size_t)idx, via, 2);
		}
		simnet_run_until(sn, sn->now + gap_ms);
	}
	simnet_run_until(sn, sn->now + settle_ms);
	return 0;
}

void
simnet_get_stats(const struct simnet *sn, struct simnet_stats *st)
{
	*st = sn->st;
}

uint64_t
simnet_sum_stat(const struct simnet *sn, size_t offset)
{
	struct dht_stats ds;
	uint64_t v, sum = 0;
	size_t i;

	if (offset + sizeof(uint64_t) > sizeof(ds))
		return 0;
	for (i = 0; i < sn->n; i++) {
		if (!sn->node[i]->alive)
			continue;
		dht_get_stats(sn->node[i]->dht, &ds);
		memcpy(&v, (const uint8_t *)&ds + offset, sizeof(v));
		sum += v;
	}
	return sum;
}

void
simnet_digest_stats(const struct simnet *sn, struct keccak *k)
{
	keccak256_update(k, &sn->st, sizeof(sn->st));
}

void
simnet_print_hex(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
}

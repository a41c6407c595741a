/*
 * rpc_peer — what rpc learns of peers, in bounded caches: the IDs whose
 * requests timed out, and per address the round-trip estimate and the
 * cookie it gave us; and the proof a request to an address carries (its
 * cookie, or padding).  See rpc.h.
 */
#include <string.h>

#include "rpc_impl.h"

static uint64_t
rpc_id_hash(const struct rpc *r, const struct id *id)
{
	return cache_hash(r->salt, id->b, ID_LEN);
}

static struct rpc_dead *
rpc_dead_find(const struct rpc *r, const struct id *id)
{
	struct cache_ent *e;
	size_t i = 0;
	uint64_t h = rpc_id_hash(r, id);

	while ((e = cache_next(&r->dead, h, &i)) != NULL)
		if (id_eq(&((struct rpc_dead *)(void *)e)->id, id))
			return (struct rpc_dead *)(void *)e;
	return NULL;
}

void
rpc_dead_add(struct rpc *r, const struct id *id, unsigned strikes,
    int64_t now_ms)
{
	struct rpc_dead *dd;

	if ((dd = rpc_dead_find(r, id)) == NULL) {
		if ((dd = (struct rpc_dead *)(void *)cache_slot(&r->dead,
		    rpc_id_hash(r, id))) == NULL)
			return;
		dd->strikes = 0;
	} else if (now_ms - dd->e.ms >= RPC_DEAD_TTL_MS)
		dd->strikes = 0;
	dd->id = *id;
	dd->e.ms = now_ms;
	dd->strikes = dd->strikes + strikes > RPC_DEAD_STRIKES ?
	    RPC_DEAD_STRIKES : (uint8_t)(dd->strikes + strikes);
}

int
rpc_dead(const struct rpc *r, const struct id *id, int64_t now_ms)
{
	const struct rpc_dead *dd = rpc_dead_find(r, id);

	return dd != NULL && dd->strikes >= RPC_DEAD_STRIKES &&
	    now_ms - dd->e.ms < RPC_DEAD_TTL_MS;
}

void
rpc_alive(struct rpc *r, const struct id *id)
{
	struct rpc_dead *dd;

	if ((dd = rpc_dead_find(r, id)) != NULL)
		cache_drop(&r->dead, &dd->e);
}

static struct rpc_peer *
rpc_peer_find(const struct rpc *r, const struct addr *a, uint64_t h)
{
	struct cache_ent *e;
	size_t i = 0;

	while ((e = cache_next(&r->peers, h, &i)) != NULL)
		if (addr_eq(&((struct rpc_peer *)(void *)e)->addr, a))
			return (struct rpc_peer *)(void *)e;
	return NULL;
}

/* A new, empty entry for address a (hash h); or NULL. */
static struct rpc_peer *
rpc_peer_new(struct rpc *r, const struct addr *a, uint64_t h, int64_t now_ms)
{
	struct rpc_peer *p;

	if ((p = (struct rpc_peer *)(void *)cache_slot(&r->peers, h)) == NULL)
		return NULL;
	memset((uint8_t *)p + sizeof(p->e), 0, sizeof(*p) - sizeof(p->e));
	p->addr = *a;
	p->e.ms = now_ms;
	return p;
}

/* The entry of address a, made empty if it was not known; or NULL. */
static struct rpc_peer *
rpc_peer_slot(struct rpc *r, const struct addr *a, int64_t now_ms)
{
	struct rpc_peer *p;
	uint64_t h = cache_hash_addr(r->salt, a);

	if ((p = rpc_peer_find(r, a, h)) == NULL)
		return rpc_peer_new(r, a, h, now_ms);
	p->e.ms = now_ms;
	return p;
}

/* RFC 6298's estimator: gains 1/8 and 1/4. */
static void
rpc_rtt_update(uint32_t *srtt, uint32_t *rttvar, int first, uint32_t us)
{
	uint32_t err;

	if (first) {
		*srtt = us;
		*rttvar = us / 2;
		return;
	}
	err = us > *srtt ? us - *srtt : *srtt - us;
	*rttvar = *rttvar - *rttvar / 4 + err / 4;
	*srtt = *srtt - *srtt / 8 + us / 8;
}

/* Upper bounds of rtt_hist's buckets, in ms: 4 * 2^(i/4), rounded. */
static const uint16_t rpc_rtt_bounds_ms[RPC_RTT_BUCKETS] = {
	4, 5, 6, 7, 8, 10, 11, 13, 16, 19, 23, 27, 32, 38, 45, 54, 64, 76,
	91, 108, 128, 152, 181, 215, 256, 304, 362, 431, 512, 609, 724, 861,
	1024, 1218, 1448, 1722, 2048, 2435, 2896, 3444,
};

/* One first-try round trip into the histogram; old ones fade by halves. */
static void
rpc_rtt_hist_add(struct rpc *r, uint32_t us)
{
	size_t i, j;

	for (i = 0; i + 1 < RPC_RTT_BUCKETS &&
	    (uint64_t)us > (uint64_t)rpc_rtt_bounds_ms[i] * 1000; i++)
		;
	if (r->hist_n >= RPC_RTT_HIST_MAX) {
		r->hist_n = 0;
		for (j = 0; j < RPC_RTT_BUCKETS; j++) {
			r->rtt_hist[j] /= 2;
			r->hist_n += r->rtt_hist[j];
		}
	}
	r->rtt_hist[i]++;
	r->hist_n++;
}

void
rpc_rtt_sample(struct rpc *r, const struct addr *a, uint32_t us,
    int64_t now_ms)
{
	struct rpc_peer *t;

	rpc_rtt_update(&r->srtt_us, &r->rttvar_us, r->nsamples == 0, us);
	if (r->nsamples < RPC_RTO_SAMPLES)
		r->nsamples++;
	rpc_rtt_hist_add(r, us);
	if ((t = rpc_peer_slot(r, a, now_ms)) == NULL)
		return;
	rpc_rtt_update(&t->srtt_us, &t->rttvar_us, !t->has_rtt, us);
	t->has_rtt = 1;
}

/* The bound under which RPC_RTO_PERCENTILE % of the round trips fell. */
static uint32_t
rpc_rtt_percentile_ms(const struct rpc *r)
{
	uint64_t need, sum = 0;
	size_t i;

	need = ((uint64_t)r->hist_n * RPC_RTO_PERCENTILE + 99) / 100;
	for (i = 0; i + 1 < RPC_RTT_BUCKETS; i++)
		if ((sum += r->rtt_hist[i]) >= need)
			break;
	return rpc_rtt_bounds_ms[i];
}

static uint32_t
rpc_rto_clamp(const struct rpc *r, uint64_t ms)
{
	if (ms < RPC_RTO_MIN_MS)
		ms = RPC_RTO_MIN_MS;
	return ms < r->cfg.timeout_ms ? (uint32_t)ms : r->cfg.timeout_ms;
}

uint32_t
rpc_rto(const struct rpc *r, const struct addr *a)
{
	uint32_t srtt, var;

	if (rpc_rtt(r, a, &srtt, &var) == -1) {
		if (r->nsamples < RPC_RTO_SAMPLES)
			return r->cfg.timeout_ms;
		srtt = r->srtt_us;
		var = r->rttvar_us;
	}
	return rpc_rto_clamp(r, ((uint64_t)srtt + 4 * (uint64_t)var + 999) /
	    1000);
}

uint32_t
rpc_rto_fast(const struct rpc *r, const struct addr *a)
{
	uint32_t srtt, var;

	if (rpc_rtt(r, a, &srtt, &var) == 0 || r->hist_n < RPC_RTO_SAMPLES)
		return rpc_rto(r, a);
	return rpc_rto_clamp(r, rpc_rtt_percentile_ms(r));
}

/*
 * m's bundle bit into address a's entry p (hash h; NULL: a has none, and
 * gets one only if m says yes).
 */
static void
rpc_peer_features(struct rpc *r, struct rpc_peer *p, const struct addr *a,
    uint64_t h, const struct wire_msg *m, int64_t now_ms)
{
	if (!(m->features & WIRE_FEAT_BUNDLE)) {
		if (p != NULL)
			p->bundles = 0;
		return;
	}
	if (p == NULL && (p = rpc_peer_new(r, a, h, now_ms)) == NULL)
		return;
	p->bundles = 1;
}

/*
 * An answer from a: its cookie, echoed in our next requests to a, and
 * what its features say it accepts; one look-up of a's entry for both.
 */
void
rpc_answer_note(struct rpc *r, const struct addr *a, const struct wire_msg *m,
    int64_t now_ms)
{
	uint64_t h = cache_hash_addr(r->salt, a);
	struct rpc_peer *p = rpc_peer_find(r, a, h);

	if (m->cookielen > 0 && m->cookielen <= WIRE_MAX_COOKIE) {
		if (p == NULL)
			p = rpc_peer_new(r, a, h, now_ms);
		else
			p->e.ms = now_ms;
		if (p != NULL) {
			memcpy(p->cookie, m->cookie, m->cookielen);
			p->cookielen = (uint8_t)m->cookielen;
			p->cookie_ms = now_ms;
		}
	}
	rpc_peer_features(r, p, a, h, m, now_ms);
}

void
rpc_features_note(struct rpc *r, const struct addr *a,
    const struct wire_msg *m, int64_t now_ms)
{
	uint64_t h = cache_hash_addr(r->salt, a);

	rpc_peer_features(r, rpc_peer_find(r, a, h), a, h, m, now_ms);
}

/*
 * The longest bundle `to` gets from us, or 0: it gets none.  One
 * WIRE_MAX_DATAGRAM even to a loopback peer that takes whole messages up
 * to WIRE_MAX_LOCAL_DATAGRAM: joining saves a datagram's fixed cost,
 * which only short messages feel, and a bundle this long stays within
 * one receive slot (net.h).
 */
size_t
rpc_join_max(const struct rpc *r, const struct addr *to)
{
	const struct rpc_peer *p;

	p = rpc_peer_find(r, to, cache_hash_addr(r->salt, to));
	return p != NULL && p->bundles ? WIRE_MAX_DATAGRAM : 0;
}

/* GCRA's emission interval and burst tolerance, in microseconds. */
#define RPC_PACE_T_US	(1000000 / RPC_PACE_PER_S)
#define RPC_PACE_TAU_US	((int64_t)(RPC_PACE_BURST - 1) * RPC_PACE_T_US)

int64_t
rpc_pace(struct rpc_peer *p, int64_t now_ms)
{
	int64_t now_us = now_ms * 1000, tat, at;

	if (p == NULL)
		return now_ms;
	tat = p->pace_us > now_us ? p->pace_us : now_us;
	at = tat - RPC_PACE_TAU_US;
	if (at - now_us > (int64_t)RPC_PACE_MAX_WAIT_MS * 1000)
		return -1;
	p->pace_us = tat + RPC_PACE_T_US;
	if (at <= now_us)
		return now_ms;
	/* Later is never too soon: a quantum's tries leave together. */
	return (at + RPC_PACE_QUANTUM_MS * 1000 - 1) /
	    (RPC_PACE_QUANTUM_MS * 1000) * RPC_PACE_QUANTUM_MS;
}

int
rpc_rtt(const struct rpc *r, const struct addr *a, uint32_t *srtt_us,
    uint32_t *rttvar_us)
{
	const struct rpc_peer *t;

	if ((t = rpc_peer_find(r, a, cache_hash_addr(r->salt, a))) == NULL ||
	    !t->has_rtt)
		return -1;
	*srtt_us = t->srtt_us;
	*rttvar_us = t->rttvar_us;
	return 0;
}

int
rpc_cookie_fresh(const struct rpc *r, const struct addr *to, int64_t now_ms)
{
	const struct rpc_peer *p;

	p = rpc_peer_find(r, to, cache_hash_addr(r->salt, to));
	return p != NULL && p->cookielen > 0 &&
	    now_ms - p->cookie_ms < RPC_COOKIE_FRESH_MS;
}

/*
 * The cookie `to` gave us, echoed if it is fresh enough to prove us; else
 * (none, or old) the request is padded so that the answer it usually
 * draws is no longer than it (docs/PROTOCOL.md, "Cookies").  Called with
 * sender and txid set: the length counts them.
 */
struct rpc_peer *
rpc_peer_get(const struct rpc *r, const struct addr *a)
{
	return rpc_peer_find(r, a, cache_hash_addr(r->salt, a));
}

struct rpc_peer *
rpc_prove(struct rpc *r, const struct addr *to, struct wire_msg *m,
    int64_t now_ms)
{
	struct rpc_peer *p;
	size_t target;

	m->cookielen = 0;
	m->padlen = 0;
	p = rpc_peer_get(r, to);
	target = 0;
	if (p != NULL && p->cookielen > 0) {
		memcpy(m->cookie, p->cookie, p->cookielen);
		m->cookielen = p->cookielen;
		/* Room for a Retry, should the cookie have gone stale. */
		target = RPC_PAD_RETRY_LEN;
		if (now_ms - p->cookie_ms < RPC_COOKIE_FRESH_MS)
			goto pad;
	}
	switch (m->type) {
	case WIRE_PING:
		target = RPC_PAD_PING_LEN;
		break;
	case WIRE_FIND_NODE:
	case WIRE_FIND_VALUE:
		target = RPC_PAD_FIND_LEN;
		break;
	default:
		break;		/* STORE carries its own proof: a token */
	}
pad:
	rpc_pad(m, target);
	return p;
}

/*
 * Pads m (sender and txid set) to target bytes, or one under when the
 * pad's length varint does not allow it exactly; none if m is as long.
 */
void
rpc_pad(struct wire_msg *m, size_t target)
{
	size_t base, d, n;

	m->padlen = 0;
	base = wire_encoded_len(m);
	if (base + 2 > target)
		return;
	/* The field costs a tag byte, a length varint and the bytes. */
	d = target - base;
	n = d - 2;
	if (n > 127 && (n = d - 3) < 128)
		n = 127;
	m->padlen = n;
}

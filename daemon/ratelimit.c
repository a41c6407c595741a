/*
 * ratelimit — per-source request buckets and the global answer budget.
 * Tokens are kept in thousandths, refilled from the time elapsed since a
 * source was last seen, so nothing runs on a timer.
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "log.h"
#include "ratelimit.h"

/* Refill at most this much at once: no overflow after a long quiet. */
#define RL_MAX_DT_MS	(1000 * 1000)

struct rl_src {
	struct cache_ent e;		/* e.ms: last refill */
	int64_t		 mtok;		/* thousandths of a request */
	uint8_t		 key[18];	/* IP bytes, then maybe the port */
	uint8_t		 klen;
};

struct ratelimit {
	struct cache	 src;
	uint64_t	 salt;
	uint32_t	 per_s, burst;
	uint64_t	 answer_bps;
	int		 limit_local;
	int64_t		 abud;		/* thousandths of an answer byte */
	int64_t		 abud_ms;
	struct ratelimit_stats st;
};

struct ratelimit *
ratelimit_new(const struct ratelimit_config *cfg, uint64_t salt,
    int64_t now_ms)
{
	struct ratelimit_config c;
	struct ratelimit *rl;
	size_t max = RATELIMIT_SOURCES_MAX;

	memset(&c, 0, sizeof(c));
	if (cfg != NULL)
		c = *cfg;
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	rl->salt = salt;
	rl->per_s = c.per_s != 0 ? c.per_s : RATELIMIT_PER_S;
	rl->burst = c.burst != 0 ? c.burst : RATELIMIT_BURST;
	rl->answer_bps = c.answer_bps != 0 ? c.answer_bps :
	    RATELIMIT_ANSWER_BPS;
	/* Keeps abud and its refill well inside int64_t. */
	if (rl->answer_bps > (UINT64_C(1) << 32))
		rl->answer_bps = UINT64_C(1) << 32;
	rl->limit_local = c.limit_local != 0;
	cache_init(&rl->src, sizeof(struct rl_src), RATELIMIT_SOURCES_MIN,
	    max);
	if (c.sources_max != 0)
		cache_limit(&rl->src, c.sources_max);
	rl->abud = (int64_t)rl->answer_bps * 1000;
	rl->abud_ms = now_ms;
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	cache_free(&rl->src);
	free(rl);
}

/* The source's key: IP, and the port unless a public or limit_local one. */
static size_t
ratelimit_key(const struct ratelimit *rl, const struct addr *a,
    uint8_t key[18])
{
	size_t n;
	uint16_t port;

	n = addr_ip_bytes(a, key);
	if (addr_scope(a) != ADDR_PUBLIC && !rl->limit_local) {
		port = addr_port(a);
		key[n++] = (uint8_t)(port >> 8);
		key[n++] = (uint8_t)port;
	}
	return n;
}

static int64_t
ratelimit_dt(int64_t then, int64_t now_ms)
{
	if (now_ms <= then)
		return 0;
	return now_ms - then > RL_MAX_DT_MS ? RL_MAX_DT_MS : now_ms - then;
}

int
ratelimit_request(struct ratelimit *rl, const struct addr *from,
    int64_t now_ms)
{
	uint8_t key[18];
	struct rl_src *s = NULL;
	struct cache_ent *e;
	uint64_t h;
	size_t klen, i = 0;
	int64_t cap = (int64_t)rl->burst * 1000;

	klen = ratelimit_key(rl, from, key);
	h = cache_hash(rl->salt, key, klen);
	while ((e = cache_next(&rl->src, h, &i)) != NULL) {
		s = (struct rl_src *)e;
		if (s->klen == klen && memcmp(s->key, key, klen) == 0)
			break;
		s = NULL;
	}
	if (s == NULL) {
		/*
		 * New or forgotten: a full bucket.  Forgetting needs
		 * RATELIMIT_SOURCES_MAX other sources, and what those send
		 * is bounded by their own buckets and the answer budget.
		 */
		if ((s = (struct rl_src *)cache_slot(&rl->src, h)) == NULL)
			return 1;	/* no memory: serve rather than fail */
		memcpy(s->key, key, klen);
		s->klen = (uint8_t)klen;
		s->mtok = cap;
		s->e.ms = now_ms;
	} else {
		s->mtok += ratelimit_dt(s->e.ms, now_ms) * rl->per_s;
		if (s->mtok > cap)
			s->mtok = cap;
		if (now_ms > s->e.ms)
			s->e.ms = now_ms;
	}
	if (s->mtok < 1000) {
		rl->st.requests_dropped++;
		if (log_getlevel() >= LOG_LEVEL_DEBUG) {
			char a[ADDR_STRLEN];

			log_debug_rl("rate limit: dropped a request from %s "
			    "(over rate_limit; rx_dropped_rate counts all)",
			    addr_str(from, a, sizeof(a)));
		}
		return 0;
	}
	s->mtok -= 1000;
	return 1;
}

int
ratelimit_answer(struct ratelimit *rl, size_t len, int64_t now_ms)
{
	int64_t cap = (int64_t)rl->answer_bps * 1000;

	rl->abud += ratelimit_dt(rl->abud_ms, now_ms) *
	    (int64_t)rl->answer_bps;
	if (rl->abud > cap)
		rl->abud = cap;
	if (now_ms > rl->abud_ms)
		rl->abud_ms = now_ms;
	if (len > rl->answer_bps || rl->abud < (int64_t)len * 1000) {
		rl->st.answers_dropped++;
		rl->st.answer_bytes_dropped += len;
		log_debug_rl("rate limit: dropped an answer of %zu bytes (over "
		    "answer_budget; tx_dropped_budget counts all)", len);
		return 0;
	}
	rl->abud -= (int64_t)len * 1000;
	return 1;
}

void
ratelimit_get_stats(const struct ratelimit *rl, struct ratelimit_stats *st)
{
	*st = rl->st;
	st->sources = cache_used(&rl->src);
}

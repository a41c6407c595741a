/*
 * quota — per-source accounting of values from the network: see quota.h.
 *
 * Sources live in an array (at most QUOTA_SOURCES), found through a hash
 * index of their classes; each holds its values as a queue in arrival
 * order, so its oldest is at the front.  A new source when the array is
 * full takes the place of the lightest one, whose values become nobody's
 * (still counted in the store's total, no longer evictable).  Prefixes
 * live in a second array (at most one per source, indexed the same way)
 * holding the sum of their sources' costs and a list of those of their
 * sources that hold values, so that expiring a prefix's values visits
 * those alone.  A STORE thus costs the same with 4 sources or 1,024
 * (check_quota_index).
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "log.h"
#include "quota.h"

/* An address class: the IP, and the port where it counts; or a prefix. */
struct quota_src {
	uint8_t		 ip[16];
	uint8_t		 len;
	uint8_t		 prefix;	/* 1: ip holds a /24 or /64 */
	uint16_t	 port;
};

struct quota_prefix {
	struct quota_src pfx;
	uint64_t	 cost;
	int32_t		 head;		/* first source holding values; -1 */
};

struct quota_val {
	uint8_t		 key[ID_LEN];
	uint8_t		 hash[32];
	int64_t		 expires_ms;
	uint32_t	 cost;
};

struct quota_source {
	struct quota_src src;
	struct quota_src pfx;		/* its prefix's class */
	uint64_t	 cost;
	struct quota_val *v;		/* v[head .. head + n) */
	size_t		 head, n, cap;
	int32_t		 pnext, pprev;	/* its prefix's list, while n > 0 */
};

/*
 * Class -> slot of q->s or q->p: open addressing, linear probing, slot + 1
 * in each position (0: empty), never more than half full; hashed under
 * the quota's random salt, so that a peer cannot readily choose addresses
 * that collide (if it did, a look-up would be the pass it once was).
 */
struct quota_ix {
	uint32_t	*v;
	size_t		 cap;		/* 0 or a power of two */
};

struct quota_keyent {
	struct cache_ent e;
	struct quota_src src;
	struct id	 key;
	uint32_t	 n;
};

struct quota {
	struct quota_limits lim;
	struct quota_source *s;
	size_t		 ns, scap;
	struct quota_ix	 six;		/* s[] by source class */
	struct quota_prefix *p;		/* p[0 .. np), each cost > 0 */
	size_t		 np, pcap;
	struct quota_ix	 pix;		/* p[] by prefix class */
	size_t		 entries, ledger_max;
	uint64_t	 salt;
	struct cache	 keys;		/* struct quota_keyent */
};

uint64_t
quota_cost(size_t len)
{
	return (uint64_t)len + QUOTA_VALUE_OVERHEAD;
}

/* What a value of len bytes costs under this quota's overhead. */
static uint64_t
quota_vcost(const struct quota *q, size_t len)
{
	return (uint64_t)len + q->lim.value_overhead;
}

uint64_t
quota_store_cost(const struct quota *q, uint64_t values, uint64_t bytes)
{
	return values * q->lim.value_overhead + bytes;
}

struct quota *
quota_new(const struct quota_limits *lim, uint64_t salt)
{
	struct quota *q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->lim = *lim;
	if (q->lim.value_overhead == 0)
		q->lim.value_overhead = QUOTA_VALUE_OVERHEAD;
	q->salt = salt;
	q->ledger_max = QUOTA_LEDGER_MAX;
	if (lim->total != 0 && lim->total / quota_vcost(q, 1) < q->ledger_max)
		q->ledger_max = (size_t)(lim->total / quota_vcost(q, 1));
	if (q->ledger_max == 0)
		q->ledger_max = 1;
	cache_init(&q->keys, sizeof(struct quota_keyent), QUOTA_KEYS_MIN,
	    QUOTA_KEYS_MAX);
	return q;
}

void
quota_free(struct quota *q)
{
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->ns; i++)
		free(q->s[i].v);
	free(q->s);
	free(q->p);
	free(q->six.v);
	free(q->pix.v);
	cache_free(&q->keys);
	free(q);
}

static void
quota_class(const struct quota *q, const struct addr *a, struct quota_src *c)
{
	memset(c, 0, sizeof(*c));
	c->len = (uint8_t)addr_ip_bytes(a, c->ip);
	if (addr_scope(a) != ADDR_PUBLIC && !q->lim.limit_local)
		c->port = addr_port(a);
}

/*
 * The prefix of an address class: /24 of IPv4 (also IPv4-mapped IPv6),
 * /64 of IPv6; a class with a port (loopback, private) is its own.
 */
static void
quota_prefix_of(const struct quota_src *c, struct quota_src *p)
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
	};
	size_t keep;

	*p = *c;
	p->prefix = 1;
	if (c->port != 0)
		return;
	if (c->len == 4)
		keep = 3;
	else if (c->len == 16 && memcmp(c->ip, mapped, sizeof(mapped)) == 0)
		keep = 15;
	else
		keep = 8;
	if (keep < c->len)
		memset(p->ip + keep, 0, c->len - keep);
}

static int
quota_src_eq(const struct quota_src *a, const struct quota_src *b)
{
	return a->len == b->len && a->port == b->port &&
	    a->prefix == b->prefix && memcmp(a->ip, b->ip, a->len) == 0;
}

/* ---- the indexes ------------------------------------------------------ */

/* The class of slot i of the array an index covers. */
typedef const struct quota_src *(*quota_ix_key)(const struct quota *,
    uint32_t);

static const struct quota_src *
quota_skey(const struct quota *q, uint32_t i)
{
	return &q->s[i].src;
}

static const struct quota_src *
quota_pkey(const struct quota *q, uint32_t i)
{
	return &q->p[i].pfx;
}

static size_t
quota_ix_home(const struct quota *q, const struct quota_ix *ix,
    const struct quota_src *c)
{
	/* Classes are made whole by quota_class and quota_prefix_of. */
	return (size_t)cache_hash(q->salt, c, sizeof(*c)) & (ix->cap - 1);
}

/* The position holding class c, or -1. */
static long
quota_ix_pos(const struct quota *q, const struct quota_ix *ix,
    quota_ix_key key, const struct quota_src *c)
{
	size_t i;

	if (ix->cap == 0)
		return -1;
	for (i = quota_ix_home(q, ix, c); ix->v[i] != 0;
	    i = (i + 1) & (ix->cap - 1))
		if (quota_src_eq(key(q, ix->v[i] - 1), c))
			return (long)i;
	return -1;
}

/* Indexes slot `slot` (its class must not be in yet; room is made). */
static void
quota_ix_put(const struct quota *q, struct quota_ix *ix, quota_ix_key key,
    uint32_t slot)
{
	size_t i;

	for (i = quota_ix_home(q, ix, key(q, slot)); ix->v[i] != 0;
	    i = (i + 1) & (ix->cap - 1))
		;
	ix->v[i] = slot + 1;
}

/* Empties position pos, moving back the entries its probe runs need. */
static void
quota_ix_del(const struct quota *q, struct quota_ix *ix, quota_ix_key key,
    size_t pos)
{
	size_t i = pos, j = pos, h, mask = ix->cap - 1;

	for (;;) {
		j = (j + 1) & mask;
		if (ix->v[j] == 0)
			break;
		h = quota_ix_home(q, ix, key(q, ix->v[j] - 1));
		/* Stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		ix->v[i] = ix->v[j];
		i = j;
	}
	ix->v[i] = 0;
}

/*
 * Room for n entries, slots 0 .. have - 1 indexed now: doubles (and
 * rebuilds) the index if it would be more than half full.
 */
static int
quota_ix_room(const struct quota *q, struct quota_ix *ix, quota_ix_key key,
    size_t n, size_t have)
{
	struct quota_ix nix;
	size_t i;

	if (2 * n <= ix->cap)
		return 0;
	nix.cap = ix->cap ? ix->cap : 16;
	while (2 * n > nix.cap)
		nix.cap *= 2;
	if ((nix.v = calloc(nix.cap, sizeof(*nix.v))) == NULL)
		return -1;
	for (i = 0; i < have; i++)
		quota_ix_put(q, &nix, key, (uint32_t)i);
	free(ix->v);
	*ix = nix;
	return 0;
}

static struct quota_prefix *
quota_pfx_find(const struct quota *q, const struct quota_src *p)
{
	long pos = quota_ix_pos(q, &q->pix, quota_pkey, p);

	return pos < 0 ? NULL : &q->p[q->pix.v[pos] - 1];
}

/*
 * Adds (or takes) cost to a prefix; one at zero leaves the array (its
 * sources all hold no values then: none is on its list).
 */
static int
quota_pfx_add(struct quota *q, const struct quota_src *p, uint64_t cost,
    int add)
{
	struct quota_prefix *e, *np;
	size_t ncap, last;
	long pos;

	if ((e = quota_pfx_find(q, p)) == NULL) {
		if (!add)
			return 0;
		if (q->np == q->pcap) {
			ncap = q->pcap ? q->pcap * 2 : 8;
			if ((np = realloc(q->p, ncap * sizeof(*np))) == NULL)
				return -1;
			q->p = np;
			q->pcap = ncap;
		}
		if (quota_ix_room(q, &q->pix, quota_pkey, q->np + 1,
		    q->np) == -1)
			return -1;
		e = &q->p[q->np++];
		e->pfx = *p;
		e->cost = 0;
		e->head = -1;
		quota_ix_put(q, &q->pix, quota_pkey, (uint32_t)(q->np - 1));
	}
	if (add) {
		e->cost += cost;
		return 0;
	}
	e->cost = e->cost > cost ? e->cost - cost : 0;
	if (e->cost > 0 || e->head >= 0)
		return 0;
	quota_ix_del(q, &q->pix, quota_pkey,
	    (size_t)quota_ix_pos(q, &q->pix, quota_pkey, &e->pfx));
	last = q->np - 1;
	if (e != &q->p[last]) {
		/* The last entry moves into e's slot, and its index with it. */
		pos = quota_ix_pos(q, &q->pix, quota_pkey, &q->p[last].pfx);
		q->pix.v[pos] = (uint32_t)(e - q->p) + 1;
		*e = q->p[last];
	}
	q->np--;
	return 0;
}

static struct quota_source *
quota_find(const struct quota *q, const struct quota_src *c)
{
	long pos = quota_ix_pos(q, &q->six, quota_skey, c);

	return pos < 0 ? NULL : &q->s[q->six.v[pos] - 1];
}

/* Puts s on its prefix's list (it holds its first value now). */
static void
quota_link(struct quota *q, struct quota_source *s)
{
	struct quota_prefix *e = quota_pfx_find(q, &s->pfx);
	int32_t i = (int32_t)(s - q->s);

	s->pprev = -1;
	s->pnext = -1;
	if (e == NULL)
		return;
	s->pnext = e->head;
	if (e->head >= 0)
		q->s[e->head].pprev = i;
	e->head = i;
}

/* Takes s off its prefix's list (it holds no value now). */
static void
quota_unlink(struct quota *q, struct quota_source *s)
{
	struct quota_prefix *e;
	int32_t i = (int32_t)(s - q->s);

	if (s->pprev >= 0)
		q->s[s->pprev].pnext = s->pnext;
	else if ((e = quota_pfx_find(q, &s->pfx)) != NULL && e->head == i)
		e->head = s->pnext;
	if (s->pnext >= 0)
		q->s[s->pnext].pprev = s->pprev;
	s->pnext = s->pprev = -1;
}

/* ---- (source, key) counts ---------------------------------------------- */

static uint64_t
quota_key_hash(const struct quota *q, const struct quota_src *c,
    const uint8_t *key)
{
	uint8_t b[sizeof(*c) + ID_LEN];

	memcpy(b, c, sizeof(*c));
	memcpy(b + sizeof(*c), key, ID_LEN);
	return cache_hash(q->salt, b, sizeof(b));
}

static struct quota_keyent *
quota_key_find(const struct quota *q, const struct quota_src *c,
    const uint8_t *key)
{
	struct quota_keyent *k;
	struct cache_ent *e;
	size_t i = 0;
	uint64_t h = quota_key_hash(q, c, key);

	while ((e = cache_next(&q->keys, h, &i)) != NULL) {
		k = (struct quota_keyent *)(void *)e;
		if (quota_src_eq(&k->src, c) && memcmp(k->key.b, key, ID_LEN) ==
		    0)
			return k;
	}
	return NULL;
}

static void
quota_key_add(struct quota *q, const struct quota_src *c, const uint8_t *key,
    int delta)
{
	struct quota_keyent *k;

	if ((k = quota_key_find(q, c, key)) == NULL) {
		if (delta < 0 || (k = (struct quota_keyent *)(void *)
		    cache_slot(&q->keys, quota_key_hash(q, c, key))) == NULL)
			return;
		k->src = *c;
		memcpy(k->key.b, key, ID_LEN);
	}
	if (delta < 0 && k->n <= (uint32_t)-delta) {
		cache_drop(&q->keys, &k->e);
		return;
	}
	k->n = (uint32_t)((int64_t)k->n + delta);
}

/* ---- a source's values ------------------------------------------------- */

/* Takes the source's oldest value out of the accounting. */
static void
quota_pop(struct quota *q, struct quota_source *s, struct quota_val *out)
{
	struct quota_val *v = &s->v[s->head];

	*out = *v;
	s->head++;
	s->n--;
	s->cost -= v->cost;
	q->entries--;
	quota_key_add(q, &s->src, v->key, -1);
	quota_key_add(q, &s->pfx, v->key, -1);
	if (s->n == 0) {
		/* Before the prefix may leave its array with its list. */
		quota_unlink(q, s);
		s->head = 0;
	}
	(void)quota_pfx_add(q, &s->pfx, v->cost, 0);
}

/* The source's slot, made if need be; NULL without memory. */
static struct quota_source *
quota_source_get(struct quota *q, const struct quota_src *c)
{
	struct quota_source *s, *ns;
	struct quota_val gone;
	size_t i, ncap;

	if ((s = quota_find(q, c)) != NULL)
		return s;
	if (q->ns == QUOTA_SOURCES) {
		/* The lightest gives up its place; its values are nobody's. */
		for (s = &q->s[0], i = 1; i < q->ns; i++)
			if (q->s[i].cost < s->cost)
				s = &q->s[i];
		while (s->n > 0)
			quota_pop(q, s, &gone);
		quota_ix_del(q, &q->six, quota_skey,
		    (size_t)quota_ix_pos(q, &q->six, quota_skey, &s->src));
		s->src = *c;
		quota_prefix_of(c, &s->pfx);
		quota_ix_put(q, &q->six, quota_skey, (uint32_t)(s - q->s));
		return s;
	}
	if (q->ns == q->scap) {
		ncap = q->scap ? q->scap * 2 : 8;
		if ((ns = realloc(q->s, ncap * sizeof(*ns))) == NULL)
			return NULL;
		q->s = ns;
		q->scap = ncap;
	}
	if (quota_ix_room(q, &q->six, quota_skey, q->ns + 1, q->ns) == -1)
		return NULL;
	s = &q->s[q->ns++];
	memset(s, 0, sizeof(*s));
	s->src = *c;
	quota_prefix_of(c, &s->pfx);
	s->pnext = s->pprev = -1;
	quota_ix_put(q, &q->six, quota_skey, (uint32_t)(q->ns - 1));
	return s;
}

/* Room at the back of the queue: slides it to the front, or grows it. */
static int
quota_room(struct quota_source *s)
{
	struct quota_val *nv;
	size_t ncap;

	if (s->head + s->n < s->cap)
		return 0;
	if (s->head > 0 && s->head >= s->cap / 2) {
		memmove(s->v, s->v + s->head, s->n * sizeof(*s->v));
		s->head = 0;
		return 0;
	}
	ncap = s->cap ? s->cap * 2 : 16;
	if ((nv = realloc(s->v, ncap * sizeof(*nv))) == NULL)
		return -1;
	s->v = nv;
	s->cap = ncap;
	return 0;
}

/* Takes value i of the source's queue (0: the oldest) out of the accounting. */
static void
quota_take(struct quota *q, struct quota_source *s, size_t i,
    struct quota_val *out)
{
	struct quota_val v = s->v[s->head + i];

	memmove(&s->v[s->head + 1], &s->v[s->head], i * sizeof(*s->v));
	s->v[s->head] = v;
	quota_pop(q, s, out);
}

int
quota_key_victim(struct quota *q, const struct addr *from,
    const struct id *key, struct quota_victim *victim)
{
	struct quota_source *h = NULL;
	struct quota_keyent *k;
	struct quota_src c;
	struct quota_val v;
	uint32_t hn = 0, fn = 0;
	size_t i;

	if (from != NULL) {
		quota_class(q, from, &c);
		if ((k = quota_key_find(q, &c, key->b)) != NULL)
			fn = k->n;
	}
	for (i = 0; i < q->ns; i++) {
		if (q->s[i].n == 0 || (from != NULL &&
		    quota_src_eq(&q->s[i].src, &c)))
			continue;
		if ((k = quota_key_find(q, &q->s[i].src, key->b)) != NULL &&
		    k->n > hn) {
			hn = k->n;
			h = &q->s[i];
		}
	}
	if (h == NULL || (from != NULL && hn < fn + 2))
		return 0;
	for (i = 0; i < h->n; i++)
		if (memcmp(h->v[h->head + i].key, key->b, ID_LEN) == 0)
			break;
	if (i == h->n)
		return 0;	/* the count outlived the values: lossy cache */
	quota_take(q, h, i, &v);
	memcpy(victim->key.b, v.key, ID_LEN);
	memcpy(victim->hash, v.hash, sizeof(victim->hash));
	return 1;
}

/* ---- decisions --------------------------------------------------------- */

static int
quota_full(const struct quota *q, uint64_t store_cost, uint64_t cost)
{
	return (q->lim.total != 0 && store_cost + cost > q->lim.total) ||
	    q->entries >= q->ledger_max;
}

/*
 * What expired at the front of each source of prefix p no longer counts:
 * the sources on p's list, those holding values.
 */
static void
quota_prune(struct quota *q, const struct quota_src *p, int64_t now_ms)
{
	const struct quota_prefix *e;
	struct quota_source *s;
	struct quota_val v;
	int32_t i, next;

	if ((e = quota_pfx_find(q, p)) == NULL)
		return;
	/* A pop may take s off the list, or p out of its array: not next. */
	for (i = e->head; i >= 0; i = next) {
		s = &q->s[i];
		next = s->pnext;
		while (s->n > 0 && s->v[s->head].expires_ms <= now_ms)
			quota_pop(q, s, &v);
	}
}

/* The heaviest source of the heaviest prefix, or NULL. */
static struct quota_source *
quota_heaviest(const struct quota *q)
{
	const struct quota_prefix *hp = NULL;
	struct quota_source *h = NULL;
	size_t i;

	for (i = 0; i < q->np; i++)
		if (hp == NULL || q->p[i].cost > hp->cost)
			hp = &q->p[i];
	if (hp == NULL)
		return NULL;
	for (i = 0; i < q->ns; i++)
		if (q->s[i].n > 0 && quota_src_eq(&q->s[i].pfx, &hp->pfx) &&
		    (h == NULL || q->s[i].cost > h->cost))
			h = &q->s[i];
	return h;
}
/* A verdict other than QUOTA_OK at debug level, rate-limited per kind. */
static enum quota_verdict
quota_log(enum quota_verdict vd, const struct addr *from)
{
	char a[ADDR_STRLEN];

	if (log_getlevel() < LOG_LEVEL_DEBUG)
		return vd;
	addr_str(from, a, sizeof(a));
	switch (vd) {
	case QUOTA_REFUSE_KEY:
		log_debug_rl("quota: refused a value from %s: its values "
		    "under the key are at quota_values_per_key (or its "
		    "prefix's at quota_prefix_values_per_key)", a);
		break;
	case QUOTA_REFUSE_SOURCE:
		log_debug_rl("quota: refused a value from %s: its bytes (or "
		    "its prefix's) are at quota_source_bytes (or "
		    "quota_prefix_bytes)", a);
		break;
	case QUOTA_REFUSE_FULL:
		log_debug_rl("quota: refused a value from %s: store full and "
		    "it is the heaviest source, or nothing is evictable", a);
		break;
	case QUOTA_EVICT:
		log_debug_rl("quota: store full: evicting the heaviest "
		    "source's oldest value for one from %s", a);
		break;
	default:
		break;
	}
	return vd;
}

static enum quota_verdict quota_decide(struct quota *, const struct addr *,
    const struct id *, size_t, uint64_t, int64_t, struct quota_victim *);

enum quota_verdict
quota_admit(struct quota *q, const struct addr *from, const struct id *key,
    size_t len, uint64_t store_cost, int64_t now_ms,
    struct quota_victim *victim)
{
	return quota_log(quota_decide(q, from, key, len, store_cost, now_ms,
	    victim), from);
}

static enum quota_verdict
quota_decide(struct quota *q, const struct addr *from, const struct id *key,
    size_t len, uint64_t store_cost, int64_t now_ms,
    struct quota_victim *victim)
{
	struct quota_source *s, *h = NULL;
	struct quota_prefix *pe;
	struct quota_keyent *k;
	struct quota_src c, p;
	struct quota_val v;
	uint64_t cost = quota_vcost(q, len);

	quota_class(q, from, &c);
	quota_prefix_of(&c, &p);
	quota_prune(q, &p, now_ms);
	s = quota_find(q, &c);
	if ((k = quota_key_find(q, &c, key->b)) != NULL &&
	    k->n >= q->lim.per_key)
		return QUOTA_REFUSE_KEY;
	if (q->lim.prefix_per_key != 0 &&
	    (k = quota_key_find(q, &p, key->b)) != NULL &&
	    k->n >= q->lim.prefix_per_key)
		return QUOTA_REFUSE_KEY;
	if (q->lim.source_bytes != 0 &&
	    (s != NULL ? s->cost : 0) + cost > q->lim.source_bytes)
		return QUOTA_REFUSE_SOURCE;
	pe = quota_pfx_find(q, &p);
	if (q->lim.prefix_bytes != 0 &&
	    (pe != NULL ? pe->cost : 0) + cost > q->lim.prefix_bytes)
		return QUOTA_REFUSE_SOURCE;
	if (!quota_full(q, store_cost, cost))
		return QUOTA_OK;
	/* Full: the heaviest prefix's heaviest source gives its oldest. */
	if ((h = quota_heaviest(q)) == NULL || h == s)
		return QUOTA_REFUSE_FULL;
	quota_pop(q, h, &v);
	memcpy(victim->key.b, v.key, ID_LEN);
	memcpy(victim->hash, v.hash, sizeof(victim->hash));
	return QUOTA_EVICT;
}

void
quota_add(struct quota *q, const struct addr *from, const struct id *key,
    const uint8_t hash[32], size_t len, int64_t expires_ms)
{
	struct quota_source *s;
	struct quota_val *v;
	struct quota_src c;

	quota_class(q, from, &c);
	if ((s = quota_source_get(q, &c)) == NULL || quota_room(s) == -1 ||
	    quota_pfx_add(q, &s->pfx, quota_vcost(q, len), 1) == -1)
		return;		/* nobody's: counted in the total only */
	v = &s->v[s->head + s->n];
	memcpy(v->key, key->b, ID_LEN);
	memcpy(v->hash, hash, sizeof(v->hash));
	v->expires_ms = expires_ms;
	v->cost = (uint32_t)quota_vcost(q, len);
	if (s->n == 0)
		quota_link(q, s);
	s->n++;
	s->cost += v->cost;
	q->entries++;
	quota_key_add(q, &c, key->b, 1);
	quota_key_add(q, &s->pfx, key->b, 1);
}

int
quota_accepting(const struct quota *q, uint64_t store_cost)
{
	return !quota_full(q, store_cost, quota_vcost(q, 1)) ||
	    q->entries > 0;
}

void
quota_source_usage(const struct quota *q, const struct addr *from,
    uint64_t *values, uint64_t *cost)
{
	const struct quota_source *s;
	struct quota_src c;

	quota_class(q, from, &c);
	s = quota_find(q, &c);
	*values = s != NULL ? s->n : 0;
	*cost = s != NULL ? s->cost : 0;
}

uint64_t
quota_prefix_cost(const struct quota *q, const struct addr *from)
{
	const struct quota_prefix *pe;
	struct quota_src c, p;

	quota_class(q, from, &c);
	quota_prefix_of(&c, &p);
	pe = quota_pfx_find(q, &p);
	return pe != NULL ? pe->cost : 0;
}

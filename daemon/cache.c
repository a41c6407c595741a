/*
 * cache — bounded, lossy hash caches: see cache.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"

static struct cache_ent *
cache_at(const struct cache *c, size_t i)
{
	return (struct cache_ent *)(void *)((uint8_t *)c->v + i * c->esize);
}

void
cache_init(struct cache *c, size_t esize, size_t min, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->esize = esize;
	c->min = min;
	c->max = max;
}

void
cache_limit(struct cache *c, size_t max)
{
	size_t p = 1;

	while (p * 2 <= max)
		p *= 2;
	if (p < c->max)
		c->max = p;
	if (c->min > c->max)
		c->min = c->max;
}

void
cache_free(struct cache *c)
{
	free(c->v);
	c->v = NULL;
	c->cap = c->used = 0;
}

/* Doubles the table (allocated on first use); entries that collide drop. */
static void
cache_grow(struct cache *c)
{
	struct cache old = *c;
	struct cache_ent *e, *ne;
	size_t ncap, i, j;

	ncap = c->cap ? c->cap * 2 : c->min;
	if (ncap > c->max || (c->v = calloc(ncap, c->esize)) == NULL) {
		c->v = old.v;
		return;
	}
	c->cap = ncap;
	c->used = 0;
	for (i = 0; i < old.cap; i++) {
		e = cache_at(&old, i);
		if (e->h == 0)
			continue;
		for (j = 0; j < CACHE_PROBE; j++) {
			ne = cache_at(c, (e->h + j) & (ncap - 1));
			if (ne->h == 0) {
				memcpy(ne, e, c->esize);
				c->used++;
				break;
			}
		}
	}
	free(old.v);
}

struct cache_ent *
cache_next(const struct cache *c, uint64_t h, size_t *i)
{
	struct cache_ent *e;

	while (c->cap > 0 && *i < CACHE_PROBE) {
		e = cache_at(c, (h + (*i)++) & (c->cap - 1));
		if (e->h == h)
			return e;
	}
	return NULL;
}

struct cache_ent *
cache_slot(struct cache *c, uint64_t h)
{
	struct cache_ent *e, *best = NULL;
	size_t i;

	if ((c->used + 1) * 2 > c->cap && c->cap < c->max)
		cache_grow(c);
	if (c->cap == 0)
		return NULL;
	for (i = 0; i < CACHE_PROBE; i++) {
		e = cache_at(c, (h + i) & (c->cap - 1));
		if (e->h == h) {
			best = e;
			break;
		}
		if (best == NULL || (best->h != 0 &&
		    (e->h == 0 || e->ms < best->ms)))
			best = e;
	}
	if (best->h == 0)
		c->used++;
	memset(best, 0, c->esize);
	best->h = h;
	return best;
}

void
cache_drop(struct cache *c, struct cache_ent *e)
{
	if (e->h == 0)
		return;
	memset(e, 0, c->esize);
	c->used--;
}

size_t
cache_used(const struct cache *c)
{
	return c->used;
}

/* splitmix64's finaliser, folded over the bytes eight at a time. */
static uint64_t
cache_mix(uint64_t v)
{
	v = (v ^ (v >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	v = (v ^ (v >> 27)) * UINT64_C(0x94d049bb133111eb);
	return v ^ (v >> 31);
}

uint64_t
cache_hash(uint64_t salt, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t v = salt ^ len, w;
	size_t n;

	while (len > 0) {
		n = len < sizeof(w) ? len : sizeof(w);
		w = 0;
		memcpy(&w, b, n);
		v = cache_mix(v ^ w);
		b += n;
		len -= n;
	}
	v = cache_mix(v);
	return v != 0 ? v : 1;
}

uint64_t
cache_hash_addr(uint64_t salt, const struct addr *a)
{
	uint8_t buf[18];
	size_t n;
	uint16_t port;

	n = addr_ip_bytes(a, buf);
	port = addr_port(a);
	buf[n++] = (uint8_t)(port >> 8);
	buf[n++] = (uint8_t)port;
	return cache_hash(salt, buf, n);
}

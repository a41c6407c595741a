/*
 * hold — known holders of keys: see hold.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "hold.h"

struct hold_rec {
	struct cache_ent e;		/* e.ms: recorded */
	struct id	 key;
	uint32_t	 total;		/* the key's value count then */
	uint8_t		 n;
	uint8_t		 complete;	/* every one of the k closest acked */
	uint64_t	 ids[WIRE_MAX_NODES];	/* first 8 bytes of each ID */
};

struct hold {
	uint64_t	 salt;
	struct cache	 c;
};

struct hold *
hold_new(uint64_t salt)
{
	struct hold *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->salt = salt;
	cache_init(&h->c, sizeof(struct hold_rec), HOLD_MIN, HOLD_MAX);
	return h;
}

void
hold_free(struct hold *h)
{
	if (h == NULL)
		return;
	cache_free(&h->c);
	free(h);
}

uint64_t
hold_id_prefix(const struct id *id)
{
	uint64_t v;

	memcpy(&v, id->b, sizeof(v));
	return v;
}

static struct hold_rec *
hold_rec(const struct hold *h, const struct id *key)
{
	struct cache_ent *e;
	size_t i = 0;
	uint64_t hh = cache_hash(h->salt, key->b, ID_LEN);

	while ((e = cache_next(&h->c, hh, &i)) != NULL)
		if (id_eq(&((struct hold_rec *)(void *)e)->key, key))
			return (struct hold_rec *)(void *)e;
	return NULL;
}

void
hold_note(struct hold *h, const struct id *key, uint32_t total,
    const uint64_t *ids, size_t n, int complete, int64_t now_ms)
{
	struct hold_rec *r;

	if ((r = (struct hold_rec *)(void *)cache_slot(&h->c,
	    cache_hash(h->salt, key->b, ID_LEN))) == NULL)
		return;
	if (n > WIRE_MAX_NODES)
		n = WIRE_MAX_NODES;
	r->e.ms = now_ms;
	r->key = *key;
	r->total = total;
	r->n = (uint8_t)n;
	r->complete = complete != 0;
	memcpy(r->ids, ids, n * sizeof(ids[0]));
}

int
hold_find(const struct hold *h, const struct id *key, uint32_t total,
    int64_t now_ms, int64_t max_age_ms, int *complete)
{
	const struct hold_rec *r;

	if ((r = hold_rec(h, key)) == NULL || r->total != total ||
	    now_ms - r->e.ms >= max_age_ms)
		return 0;
	*complete = r->complete;
	return 1;
}

int
hold_has(const struct hold *h, const struct id *key, const struct id *node)
{
	const struct hold_rec *r;
	uint64_t p = hold_id_prefix(node);
	size_t i;

	if ((r = hold_rec(h, key)) == NULL)
		return 0;
	for (i = 0; i < r->n; i++)
		if (r->ids[i] == p)
			return 1;
	return 0;
}

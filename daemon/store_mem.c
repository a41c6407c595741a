/*
 * store_mem — the in-memory backend, same semantics as LevelDB's: keys in
 * an AVL tree and a hash index (store_mem_keys.c), each key's values in
 * result order, and a min-heap of values by expiry for store_expire.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "store_mem_impl.h"

#define MEM_HEAP_MIN	64

static const struct value_attr mem_plain;

static const struct value_attr *
mem_attr(const struct mem_val *v)
{
	return v->attr != NULL ? v->attr : &mem_plain;
}

/* ---- expiry heap ---------------------------------------------------- */

static void
mem_heap_set(struct mem *m, size_t i, struct mem_val *v)
{
	m->heap[i] = v;
	v->heap_idx = i;
}

static void
mem_heap_up(struct mem *m, size_t i)
{
	struct mem_val	*v = m->heap[i];
	size_t		 p;

	while (i > 0) {
		p = (i - 1) / 2;
		if (m->heap[p]->expires_ms <= v->expires_ms)
			break;
		mem_heap_set(m, i, m->heap[p]);
		i = p;
	}
	mem_heap_set(m, i, v);
}

static void
mem_heap_down(struct mem *m, size_t i)
{
	struct mem_val	*v = m->heap[i];
	size_t		 c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= m->nheap)
			break;
		if (c + 1 < m->nheap &&
		    m->heap[c + 1]->expires_ms < m->heap[c]->expires_ms)
			c++;
		if (m->heap[c]->expires_ms >= v->expires_ms)
			break;
		mem_heap_set(m, i, m->heap[c]);
		i = c;
	}
	mem_heap_set(m, i, v);
}

static void
mem_heap_remove(struct mem *m, struct mem_val *v)
{
	struct mem_val	*last;
	size_t		 i = v->heap_idx;

	last = m->heap[--m->nheap];
	if (i == m->nheap)
		return;
	mem_heap_set(m, i, last);
	mem_heap_up(m, i);
	mem_heap_down(m, last->heap_idx);
}

/* ---- values under a key --------------------------------------------- */

/* Result order (store_value_cmp): created_ms, then the hash. */
static int
mem_val_cmp(const struct mem_val *a, const struct mem_val *b)
{
	if (a->created_ms != b->created_ms)
		return a->created_ms < b->created_ms ? -1 : 1;
	return memcmp(a->hash, b->hash, KECCAK256_LEN);
}

/* The place of the value hashing to hash under k, or k->n. */
static uint32_t
mem_find_hash(const struct mem_key *k, const uint8_t *hash)
{
	uint32_t	i;

	for (i = 0; i < k->n; i++)
		if (memcmp(k->vals[i]->hash, hash, KECCAK256_LEN) == 0)
			break;
	return i;
}

/* Removes vals[i] everywhere; the key stays, even if now empty. */
static void
mem_drop(struct mem *m, struct mem_key *k, uint32_t i)
{
	struct mem_val	*v = k->vals[i];

	mem_heap_remove(m, v);
	memmove(&k->vals[i], &k->vals[i + 1],
	    (size_t)(k->n - i - 1) * sizeof(*k->vals));
	k->n--;
	m->st.values--;
	m->st.bytes -= v->len;
	free(v);
}

static void
mem_drop_expired(struct mem *m, struct mem_key *k, int64_t now_ms)
{
	uint32_t	i;

	for (i = k->n; i > 0; i--)
		if (k->vals[i - 1]->expires_ms <= now_ms)
			mem_drop(m, k, i - 1);
}

static void
mem_key_free(struct mem_key *k)
{
	uint32_t	i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++)
		free(k->vals[i]);
	free(k->vals);
	free(k);
}

static void
mem_key_remove(struct mem *m, struct mem_key *k)
{
	mem_idx_del(m, k);
	if (k->pend >= 0)
		mem_pend_del(m, k);
	else
		m->root = mem_tree_unlink(m->root, k->key);
	m->st.keys--;
	mem_key_free(k);
	mem_idx_fit(m);
}

/* ---- ops ------------------------------------------------------------ */

static void *
mem_open(const struct store_opts *o, char *err, size_t errlen)
{
	struct mem	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->salt = crypto_random_u64();
	return m;
}

static void
mem_tree_free(struct mem_key *t)
{
	if (t == NULL)
		return;
	mem_tree_free(t->left);
	mem_tree_free(t->right);
	mem_key_free(t);
}

static void
mem_close(void *be)
{
	struct mem	*m = be;

	if (m == NULL)
		return;
	mem_tree_free(m->root);
	while (m->npend > 0)
		mem_key_free(m->pend[--m->npend]);
	free(m->pend);
	free(m->idx);
	free(m->heap);
	free(m);
}

static int
mem_put(void *be, const struct store_put_req *r, const char **errstr)
{
	struct mem	*m = be;
	struct mem_key	*k, *nk = NULL;
	struct mem_val	*v, *found = NULL, *nv = NULL, **arr;
	uint64_t	 live = 0, dropped = 0, dbytes = 0;
	int64_t		 exp;
	size_t		 ncap, aoff;
	uint32_t	 i, need;
	const uint8_t	*hash = r->hash;

	if ((k = mem_find(m, r->key)) != NULL) {
		for (i = 0; i < k->n; i++) {
			v = k->vals[i];
			if (v->expires_ms <= r->now_ms) {
				dropped++;
				dbytes += v->len;
				continue;
			}
			live++;
			if (memcmp(v->hash, hash, KECCAK256_LEN) != 0)
				continue;
			if (v->len != r->len ||
			    memcmp(v->data, r->data, r->len) != 0 ||
			    !sigval_attr_equal(mem_attr(v), r->attr)) {
				*errstr = "value hash collision";
				return -1;
			}
			found = v;
		}
	}
	/* Like LevelDB's, a refresh leaves expired values to store_expire. */
	if (found != NULL) {
		exp = store_refresh_expiry(r, found->created_ms);
		if (exp > found->expires_ms) {
			found->expires_ms = exp;
			mem_heap_down(m, found->heap_idx);
		}
		return STORE_PUT_REFRESHED;
	}
	if (store_quota_check(r, live, m->st.bytes - dbytes + r->len,
	    errstr) == -1)
		return STORE_BE_QUOTA;

	/* Allocate everything first so that a failure changes nothing. */
	aoff = (sizeof(*nv) + r->len + 7) & ~(size_t)7;
	if ((nv = malloc(r->attr->kind == VALUE_PLAIN ? sizeof(*nv) + r->len :
	    aoff + sizeof(*nv->attr))) == NULL)
		goto nomem;
	nv->attr = NULL;
	if (r->attr->kind != VALUE_PLAIN) {
		nv->attr = (struct value_attr *)(void *)((uint8_t *)nv + aoff);
		*nv->attr = *r->attr;
	}
	if (m->nheap == m->heapcap) {
		ncap = m->heapcap == 0 ? MEM_HEAP_MIN : m->heapcap * 2;
		if ((arr = reallocarray(m->heap, ncap, sizeof(*arr))) == NULL)
			goto nomem;
		m->heap = arr;
		m->heapcap = ncap;
	}
	if (k == NULL) {
		if (mem_idx_reserve(m) == -1 || mem_pend_reserve(m) == -1 ||
		    (nk = calloc(1, sizeof(*nk))) == NULL)
			goto nomem;
		memcpy(nk->key, r->key, ID_LEN);
		nk->h = mem_idx_hash(m, nk->key);
		nk->height = 1;
		k = nk;
	}
	need = k->n - (uint32_t)dropped + 1;
	if (need > k->cap) {
		ncap = k->cap == 0 ? 1 : (size_t)k->cap * 2;
		if (ncap < need)
			ncap = need;
		if ((arr = reallocarray(k->vals, ncap, sizeof(*arr))) == NULL)
			goto nomem;
		k->vals = arr;
		k->cap = (uint32_t)ncap;
	}

	if (nk != NULL) {
		mem_pend_add(m, nk);
		mem_idx_put(m, nk);
		m->st.keys++;
	} else
		mem_drop_expired(m, k, r->now_ms);
	nv->created_ms = r->created_ms;
	nv->expires_ms = r->expires_ms;
	nv->owner = k;
	nv->len = r->len;
	memcpy(nv->hash, hash, KECCAK256_LEN);
	memcpy(nv->data, r->data, r->len);
	for (i = k->n; i > 0; i--)
		if (mem_val_cmp(k->vals[i - 1], nv) <= 0)
			break;
	memmove(&k->vals[i + 1], &k->vals[i],
	    (size_t)(k->n - i) * sizeof(*k->vals));
	k->vals[i] = nv;
	k->n++;
	mem_heap_set(m, m->nheap++, nv);
	mem_heap_up(m, nv->heap_idx);
	m->st.values++;
	m->st.bytes += r->len;
	return STORE_PUT_NEW;

nomem:
	free(nv);
	mem_key_free(nk);
	*errstr = "out of memory";
	return -1;
}

/* vals is in result order already: count, then copy only the page. */
static int
mem_get(void *be, const uint8_t *key, int64_t since_ms, int64_t now_ms,
    size_t offset, size_t max, struct store_result *res, size_t *total,
    const char **errstr)
{
	struct mem		*m = be;
	struct mem_key		*k;
	struct mem_val		*v;
	struct store_value	 sv;
	size_t			 n = 0, cap = 0;
	uint32_t		 i, first = 0;

	if ((k = mem_find(m, key)) == NULL)
		return 0;
	for (i = 0; i < k->n; i++) {
		v = k->vals[i];
		if (v->expires_ms <= now_ms || v->created_ms < since_ms)
			continue;
		if (n++ == offset)
			first = i;
	}
	*total = n;
	for (i = first; offset < n && i < k->n && res->n < max; i++) {
		v = k->vals[i];
		if (v->expires_ms <= now_ms || v->created_ms < since_ms)
			continue;
		sv.data = v->data;
		sv.len = v->len;
		sv.created_ms = v->created_ms;
		sv.expires_ms = v->expires_ms;
	sv.attr = *mem_attr(v);
		if (store_result_add(res, &cap, &sv) == -1) {
			store_result_free(res);
			*errstr = "out of memory";
			return -1;
		}
	}
	return 0;
}

static long
mem_expire(void *be, int64_t now_ms, size_t max, const char **errstr)
{
	struct mem	*m = be;
	struct mem_val	*v;
	struct mem_key	*k;
	size_t		 n = 0;
	uint32_t	 i;

	while (n < max && m->nheap > 0 && m->heap[0]->expires_ms <= now_ms) {
		v = m->heap[0];
		k = v->owner;
		for (i = 0; i < k->n && k->vals[i] != v; i++)
			;
		mem_drop(m, k, i);
		if (k->n == 0)
			mem_key_remove(m, k);
		n++;
	}
	return (long)n;
}

static long
mem_keys(void *be, const uint8_t *after, size_t max,
    uint8_t (*keys)[ID_LEN], const char **errstr)
{
	struct mem	*m = be;
	size_t		 n = 0;

	mem_settle(m);
	mem_tree_collect(m->root, after, after == NULL, max, keys, &n);
	return (long)n;
}

static int
mem_del(void *be, const uint8_t *key, const uint8_t *hash,
    const char **errstr)
{
	struct mem	*m = be;
	struct mem_key	*k;
	uint32_t	 i;

	if ((k = mem_find(m, key)) == NULL ||
	    (i = mem_find_hash(k, hash)) == k->n)
		return 0;
	mem_drop(m, k, i);
	if (k->n == 0)
		mem_key_remove(m, k);
	return 1;
}

/* A page of digests: the values keep their hashes, nothing is hashed. */
static int
mem_digests(void *be, const uint8_t *key, int64_t since_ms, int64_t now_ms,
    size_t offset, size_t max, struct store_digest *out, size_t *n,
    size_t *total, const char **errstr)
{
	struct mem	*m = be;
	struct mem_key	*k;
	struct mem_val	*v;
	size_t		 live = 0;
	uint32_t	 i;

	if ((k = mem_find(m, key)) == NULL)
		return 0;
	for (i = 0; i < k->n; i++) {
		v = k->vals[i];
		if (v->expires_ms <= now_ms || v->created_ms < since_ms ||
		    live++ < offset || *n >= max)
			continue;
		memcpy(out[*n].hash, v->hash, KECCAK256_LEN);
		out[*n].len = v->len;
		out[*n].created_ms = v->created_ms;
		out[*n].expires_ms = v->expires_ms;
		(*n)++;
	}
	*total = live;
	return 0;
}

static int
mem_get_hash(void *be, const uint8_t *key, const uint8_t *hash,
    int64_t now_ms, struct store_value *out, const char **errstr)
{
	struct mem		*m = be;
	struct mem_key		*k;
	struct mem_val		*v;
	struct store_value	 sv;
	uint32_t		 i;

	if ((k = mem_find(m, key)) == NULL ||
	    (i = mem_find_hash(k, hash)) == k->n ||
	    k->vals[i]->expires_ms <= now_ms)
		return 0;
	v = k->vals[i];
	sv.data = v->data;
	sv.len = v->len;
	sv.created_ms = v->created_ms;
	sv.expires_ms = v->expires_ms;
	sv.attr = *mem_attr(v);
	if (store_value_copy(out, &sv) == -1) {
		*errstr = "out of memory";
		return -1;
	}
	return 1;
}

static int
mem_flush(void *be, const char **errstr)
{
	return 0;
}

static void
mem_stats(void *be, struct store_stats *s)
{
	struct mem	*m = be;

	*s = m->st;
}

const struct store_ops store_mem_ops = {
	.name = "memory",
	.open = mem_open,
	.close = mem_close,
	.put = mem_put,
	.get = mem_get,
	.expire = mem_expire,
	.keys = mem_keys,
	.flush = mem_flush,
	.stats = mem_stats,
	.del = mem_del,
	.raw_put = NULL,
	.digests = mem_digests,
	.get_hash = mem_get_hash,
	.check = mem_check,
};

/*
 * store_mem_keys — the memory backend's keys: an AVL tree (worst case
 * O(log n) whatever keys a peer chooses; ordered for store_keys) that new
 * keys join in sorted batches from a pending list, when a walk needs the
 * order; a hash index over all keys for the finds of every put and get;
 * and the check of all three (store_debug_check).  See store_mem_impl.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "store_mem_impl.h"

/* ---- AVL tree of keys ---------------------------------------------- */

static int
mem_height(const struct mem_key *k)
{
	return k != NULL ? k->height : 0;
}

static void
mem_fix_height(struct mem_key *k)
{
	int	l = mem_height(k->left), r = mem_height(k->right);

	k->height = 1 + (l > r ? l : r);
}

static struct mem_key *
mem_rot_right(struct mem_key *k)
{
	struct mem_key	*l = k->left;

	k->left = l->right;
	l->right = k;
	mem_fix_height(k);
	mem_fix_height(l);
	return l;
}

static struct mem_key *
mem_rot_left(struct mem_key *k)
{
	struct mem_key	*r = k->right;

	k->right = r->left;
	r->left = k;
	mem_fix_height(k);
	mem_fix_height(r);
	return r;
}

static struct mem_key *
mem_balance(struct mem_key *k)
{
	int	b;

	mem_fix_height(k);
	b = mem_height(k->left) - mem_height(k->right);
	if (b > 1) {
		if (mem_height(k->left->left) < mem_height(k->left->right))
			k->left = mem_rot_left(k->left);
		return mem_rot_right(k);
	}
	if (b < -1) {
		if (mem_height(k->right->right) < mem_height(k->right->left))
			k->right = mem_rot_right(k->right);
		return mem_rot_left(k);
	}
	return k;
}

/*
 * Above a subtree whose height the insertion left alone nothing changes:
 * no heights to fix, no siblings to read (a cache miss a level).
 */
struct mem_key *
mem_tree_insert(struct mem_key *t, struct mem_key *nk)
{
	int	h;

	if (t == NULL)
		return nk;
	if (memcmp(nk->key, t->key, ID_LEN) < 0) {
		h = mem_height(t->left);
		t->left = mem_tree_insert(t->left, nk);
		if (t->left->height == h)
			return t;
	} else {
		h = mem_height(t->right);
		t->right = mem_tree_insert(t->right, nk);
		if (t->right->height == h)
			return t;
	}
	return mem_balance(t);
}

/* ---- pending keys ------------------------------------------------------ */

int
mem_pend_reserve(struct mem *m)
{
	struct mem_key	**p;
	size_t		  ncap;

	if (m->npend < m->pendcap)
		return 0;
	ncap = m->pendcap == 0 ? 64 : m->pendcap * 2;
	if (ncap > INT32_MAX || (p = reallocarray(m->pend, ncap,
	    sizeof(*p))) == NULL)
		return -1;
	m->pend = p;
	m->pendcap = ncap;
	return 0;
}

void
mem_pend_add(struct mem *m, struct mem_key *k)
{
	k->pend = (int32_t)m->npend;
	m->pend[m->npend++] = k;
}

void
mem_pend_del(struct mem *m, struct mem_key *k)
{
	struct mem_key	*last = m->pend[--m->npend];

	m->pend[k->pend] = last;
	last->pend = k->pend;
	k->pend = -1;
}

static int
mem_key_cmp(const void *a, const void *b)
{
	const struct mem_key	*x = *(struct mem_key * const *)a;
	const struct mem_key	*y = *(struct mem_key * const *)b;

	return memcmp(x->key, y->key, ID_LEN);
}

/*
 * Sorted, consecutive insertions walk much the same path, which stays in
 * the cache: cheaper than as many insertions as the keys came.
 */
void
mem_settle(struct mem *m)
{
	size_t	i;

	if (m->npend == 0)
		return;
	qsort(m->pend, m->npend, sizeof(*m->pend), mem_key_cmp);
	for (i = 0; i < m->npend; i++) {
		m->pend[i]->pend = -1;
		m->root = mem_tree_insert(m->root, m->pend[i]);
	}
	m->npend = 0;
	if (m->pendcap > MEM_PEND_KEEP) {
		free(m->pend);
		m->pend = NULL;
		m->pendcap = 0;
	}
}

static struct mem_key *
mem_tree_unlink_min(struct mem_key *t, struct mem_key **min)
{
	if (t->left == NULL) {
		*min = t;
		return t->right;
	}
	t->left = mem_tree_unlink_min(t->left, min);
	return mem_balance(t);
}

/* Unlinks the node holding key (the caller frees it). */
struct mem_key *
mem_tree_unlink(struct mem_key *t, const uint8_t *key)
{
	struct mem_key	*l, *r, *m;
	int		 c;

	if (t == NULL)
		return NULL;
	c = memcmp(key, t->key, ID_LEN);
	if (c < 0)
		t->left = mem_tree_unlink(t->left, key);
	else if (c > 0)
		t->right = mem_tree_unlink(t->right, key);
	else {
		l = t->left;
		r = t->right;
		if (r == NULL)
			return l;
		r = mem_tree_unlink_min(r, &m);
		m->left = l;
		m->right = r;
		return mem_balance(m);
	}
	return mem_balance(t);
}

/*
 * In order, up to max keys of t after `after` (all of them once `all`;
 * `after` is read only while `all` is 0):
 * the keys along the boundary are compared, O(height), not each key from
 * the root (a hand-over walks every key, a page at a time).
 */
void
mem_tree_collect(const struct mem_key *t, const uint8_t *after, int all,
    size_t max, uint8_t (*keys)[ID_LEN], size_t *n)
{
	while (t != NULL && *n < max) {
		if (!all && memcmp(t->key, after, ID_LEN) <= 0) {
			t = t->right;	/* t and its left: not after */
			continue;
		}
		mem_tree_collect(t->left, after, all, max, keys, n);
		if (*n >= max)
			return;
		memcpy(keys[(*n)++], t->key, ID_LEN);
		all = 1;		/* t's right: after t, so after `after` */
		t = t->right;
	}
}

/* ---- hash index of keys --------------------------------------------- */

uint64_t
mem_idx_hash(const struct mem *m, const uint8_t *key)
{
	return cache_hash(m->salt, key, ID_LEN);
}

struct mem_key *
mem_find(const struct mem *m, const uint8_t *key)
{
	struct mem_key	*k;
	uint64_t	 h;
	size_t		 i, mask = m->idxcap - 1;

	if (m->idxcap == 0)
		return NULL;
	h = mem_idx_hash(m, key);
	for (i = h & mask; (k = m->idx[i]) != NULL; i = (i + 1) & mask)
		if (k->h == h && memcmp(k->key, key, ID_LEN) == 0)
			return k;
	return NULL;
}

/* Into a free slot: mem_idx_reserve made sure there is one. */
void
mem_idx_put(struct mem *m, struct mem_key *k)
{
	size_t	i, mask = m->idxcap - 1;

	for (i = k->h & mask; m->idx[i] != NULL; i = (i + 1) & mask)
		;
	m->idx[i] = k;
}

/* The index rebuilt with ncap slots; -1 without memory (unchanged). */
static int
mem_idx_resize(struct mem *m, size_t ncap)
{
	struct mem_key	**old = m->idx;
	size_t		 ocap = m->idxcap, i;

	if ((m->idx = calloc(ncap, sizeof(*m->idx))) == NULL) {
		m->idx = old;
		return -1;
	}
	m->idxcap = ncap;
	for (i = 0; i < ocap; i++)
		if (old[i] != NULL)
			mem_idx_put(m, old[i]);
	free(old);
	return 0;
}

int
mem_idx_reserve(struct mem *m)
{
	if ((m->st.keys + 1) * 2 <= m->idxcap)
		return 0;
	return mem_idx_resize(m, m->idxcap != 0 ? m->idxcap * 2 :
	    MEM_IDX_MIN);
}

void
mem_idx_fit(struct mem *m)
{
	while (m->idxcap > MEM_IDX_MIN && m->st.keys * 8 < m->idxcap &&
	    mem_idx_resize(m, m->idxcap / 2) == 0)
		;
}

/*
 * Takes k out and moves later entries of its probe run back into the
 * hole when the hole lies between their home slot and them.
 */
void
mem_idx_del(struct mem *m, const struct mem_key *k)
{
	size_t	i, j, home, mask = m->idxcap - 1;

	for (i = k->h & mask; m->idx[i] != k; i = (i + 1) & mask)
		;
	m->idx[i] = NULL;
	for (j = (i + 1) & mask; m->idx[j] != NULL; j = (j + 1) & mask) {
		home = m->idx[j]->h & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->idx[i] = m->idx[j];
			m->idx[j] = NULL;
			i = j;
		}
	}
}

/* ---- invariants (store_debug_check) ----------------------------------- */

/*
 * The subtree at t: keys strictly between lo and hi (NULL: unbounded),
 * heights right, balanced, each key in the index.  Its height, or -1.
 */
static int
mem_check_tree(const struct mem *m, const struct mem_key *t,
    const uint8_t *lo, const uint8_t *hi, size_t *n, const char **errstr)
{
	int	l, r;

	if (t == NULL)
		return 0;
	if ((lo != NULL && memcmp(t->key, lo, ID_LEN) <= 0) ||
	    (hi != NULL && memcmp(t->key, hi, ID_LEN) >= 0)) {
		*errstr = "tree out of order";
		return -1;
	}
	if ((l = mem_check_tree(m, t->left, lo, t->key, n, errstr)) == -1 ||
	    (r = mem_check_tree(m, t->right, t->key, hi, n, errstr)) == -1)
		return -1;
	if (t->height != 1 + (l > r ? l : r)) {
		*errstr = "tree height wrong";
		return -1;
	}
	if (l - r > 1 || r - l > 1) {
		*errstr = "tree out of balance";
		return -1;
	}
	if (mem_find(m, t->key) != t || t->pend != -1) {
		*errstr = "tree key not in the index, or marked pending";
		return -1;
	}
	(*n)++;
	return t->height;
}

int
mem_check(void *be, const char **errstr)
{
	const struct mem	*m = be;
	const struct mem_key	*k;
	size_t			 i, n = 0, nidx = 0;

	if (mem_check_tree(m, m->root, NULL, NULL, &n, errstr) == -1)
		return -1;
	for (i = 0; i < m->npend; i++) {
		k = m->pend[i];
		if (k->pend != (int32_t)i || k->left != NULL ||
		    k->right != NULL || k->height != 1 ||
		    mem_find(m, k->key) != k) {
			*errstr = "pending key misplaced, linked or not indexed";
			return -1;
		}
	}
	n += m->npend;
	if (m->npend > m->pendcap) {
		*errstr = "more pending keys than room";
		return -1;
	}
	for (i = 0; i < m->idxcap; i++)
		nidx += m->idx[i] != NULL;
	if (n != m->st.keys || nidx != n) {
		*errstr = "key counts of the tree and pending keys, the "
		    "index and stats differ";
		return -1;
	}
	if (nidx * 2 > m->idxcap ||
	    (m->idxcap > MEM_IDX_MIN && nidx * 8 < m->idxcap)) {
		*errstr = "index more than half full, or not shrunk";
		return -1;
	}
	return 0;
}

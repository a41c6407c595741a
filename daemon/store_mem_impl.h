/*
 * store_mem_impl — what the memory backend's two files share: store_mem.c
 * (values, the expiry heap, the backend's ops) and store_mem_keys.c (the
 * keys: an AVL tree for the ordered walks, a hash index for the finds,
 * and the check of both).  Private to module store.
 */
#ifndef EMO_STORE_MEM_IMPL_H
#define EMO_STORE_MEM_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "keccak.h"
#include "store.h"
#include "store_impl.h"

#define MEM_IDX_MIN	64	/* index slots at first and at least */
#define MEM_PEND_KEEP	256	/* pending slots kept once settled */

struct mem_key;

struct mem_val {
	int64_t		 created_ms;
	int64_t		 expires_ms;
	struct mem_key	*owner;
	size_t		 heap_idx;
	uint32_t	 len;
	uint8_t		 hash[KECCAK256_LEN];	/* sigval_hash of data */
	/* NULL: plain; else in the same allocation, after data. */
	struct value_attr *attr;
	uint8_t		 data[];
};

struct mem_key {
	struct mem_key	*left;
	struct mem_key	*right;
	int		 height;
	int32_t		 pend;		/* in m->pend at this place; -1: tree */
	uint64_t	 h;		/* mem_idx_hash(key) */
	uint8_t		 key[ID_LEN];
	struct mem_val	**vals;		/* result order: created, hash */
	uint32_t	 n;
	uint32_t	 cap;
};

struct mem {
	struct mem_key	*root;
	/*
	 * The index: open addressing, linear probing, backward-shift
	 * deletion; keyed by a salted hash, since peers choose the keys.
	 * 2 to 8 slots (of 8 bytes) a key, or MEM_IDX_MIN.
	 */
	struct mem_key	**idx;
	size_t		 idxcap;	/* a power of two, or 0 */
	uint64_t	 salt;
	/*
	 * New keys, unordered: they join the tree in one sorted pass when
	 * an ordered walk needs it (mem_settle), not one by one as stored.
	 */
	struct mem_key	**pend;
	size_t		 npend, pendcap;
	struct mem_val	**heap;		/* min-heap on expires_ms */
	size_t		 nheap;
	size_t		 heapcap;
	struct store_stats st;
};

/* The AVL tree: each returns the new root. */
struct mem_key	*mem_tree_insert(struct mem_key *root, struct mem_key *);
struct mem_key	*mem_tree_unlink(struct mem_key *root, const uint8_t *key);
/* Up to max keys after `after` (all: from the first) into keys, in order. */
void		 mem_tree_collect(const struct mem_key *, const uint8_t *after,
		    int all, size_t max, uint8_t (*keys)[ID_LEN], size_t *n);

/*
 * The pending keys: reserve room for one (-1: no memory), add a new key,
 * remove one (swapping the last into its place), and mem_settle: every
 * pending key into the tree, in key order, before an ordered walk.
 */
int		 mem_pend_reserve(struct mem *);
void		 mem_pend_add(struct mem *, struct mem_key *);
void		 mem_pend_del(struct mem *, struct mem_key *);
void		 mem_settle(struct mem *);

/* The index (k->h is mem_idx_hash of k->key). */
uint64_t	 mem_idx_hash(const struct mem *, const uint8_t *key);
struct mem_key	*mem_find(const struct mem *, const uint8_t *key);
int		 mem_idx_reserve(struct mem *);	/* room for one; -1 */
void		 mem_idx_put(struct mem *, struct mem_key *);
void		 mem_idx_del(struct mem *, const struct mem_key *);
/* After keys went: down to no more than 8 slots a key (or the minimum). */
void		 mem_idx_fit(struct mem *);

/*
 * The backend's `check` (store_debug_check): the tree, the pending keys
 * and the index.
 */
int		 mem_check(void *be, const char **);

#endif

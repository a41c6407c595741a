/*
 * store — values under 32-byte keys, each with a creation time and an
 * absolute expiry, behind one interface with two backends: LevelDB
 * (store_ldb.c, the only file that includes leveldb/c.h) and memory
 * (store_mem.c).  Knows nothing of the network, sockets or the clock:
 * callers pass `now_ms` (Unix milliseconds).
 */
#ifndef EMO_STORE_H
#define EMO_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"	/* EMO_MAX_VALUE */
#include "id.h"		/* ID_LEN: keys are node-ID sized */
#include "sigval.h"	/* struct value_attr, sigval_hash */

/* LevelDB layout (docs/STORAGE.md); 3: values keyed by the BLAKE2b hash. */
#define STORE_SCHEMA_VERSION	3
#define STORE_MAX_VALUES_PER_KEY 4096u		/* hard cap; config lowers */

enum store_kind {
	STORE_LEVELDB,
	STORE_MEMORY,
};

struct store_opts {
	enum store_kind	kind;
	const char	*dir;		/* LevelDB directory; unused for memory */
	uint32_t	max_values_per_key;	/* 1..STORE_MAX_VALUES_PER_KEY */
	uint64_t	max_bytes;	/* total value bytes; 0 = no limit */
	int		sync;		/* fsync the log before a put returns */
	/*
	 * LevelDB only: ATREST_KEY_LEN bytes that encrypt every value and
	 * named record at rest (docs/STORAGE.md); NULL: off.  Copied.
	 */
	const uint8_t	*atrest_key;
};

struct store_value {
	uint8_t		*data;
	uint32_t	len;
	int64_t		created_ms;
	int64_t		expires_ms;
	struct value_attr attr;	/* zeroed: plain */
};

/* The live values under one key, oldest first (ties: by store_hash). */
struct store_result {
	struct store_value	*v;
	size_t			n;
};

struct store_stats {
	uint64_t	keys;		/* keys with at least one value */
	uint64_t	values;
	uint64_t	bytes;		/* sum of value lengths */
	uint64_t	tampered;	/* records that failed authentication */
};

/*
 * What kind of failure the most recent failed call on a store was (see
 * store_last_error).  Callers map it to a reply: a full store is the
 * sender's problem, an I/O failure is ours.
 */
enum store_errkind {
	STORE_ERR_NONE = 0,		/* no call has failed yet */
	STORE_ERR_INVALID,		/* bad arguments */
	STORE_ERR_QUOTA,		/* values-per-key or max_bytes full */
	STORE_ERR_IO,			/* LevelDB failed, or out of memory */
	STORE_ERR_REFUSED,		/* a value rule: store_last_refusal */
};

/* Which value rule refused a store_put_value (STORE_ERR_REFUSED). */
enum store_refusal {
	STORE_REF_NONE = 0,
	STORE_REF_SEQ_OLD,		/* the key holds a higher seq */
	STORE_REF_SEQ_SAME,		/* same seq, other bytes or signature */
	STORE_REF_UNSIGNED,		/* not signed; the key holds signed */
	STORE_REF_IMMUTABLE,		/* the key holds an immutable value */
};

enum store_put_status {
	STORE_PUT_NEW = 1,		/* a value not held before */
	STORE_PUT_REFRESHED = 2,	/* same bytes were there: expiry raised */
};

struct store;

/*
 * Opens (creating if needed) the store.  On failure returns NULL and writes
 * a complete, human-readable reason into err (e.g. "data directory
 * /x is locked by another process", "unknown schema version 7 in /x",
 * "corrupt database in /x: ...").
 */
struct store	*store_open(const struct store_opts *, char *err, size_t errlen);
void		 store_close(struct store *);	/* NULL is a no-op */

/*
 * Stores one value.  If a value with the same bytes exists under the key,
 * its expiry becomes max(old, expires_ms) and its creation time is kept
 * (a refresh).  A new value first drops the key's expired values.  Returns
 * STORE_PUT_NEW or STORE_PUT_REFRESHED, or -1 with *errstr set; on -1
 * nothing changed and store_last_error says why: STORE_ERR_INVALID (length
 * 0 or over EMO_MAX_VALUE, negative created_ms, expires_ms <= now_ms),
 * STORE_ERR_QUOTA (values-per-key or byte quota full) or STORE_ERR_IO
 * (including a hash collision, which is refused rather than overwritten).
 */
int	store_put(struct store *, const uint8_t key[ID_LEN],
	    const void *data, size_t len, int64_t created_ms,
	    int64_t expires_ms, int64_t now_ms, const char **errstr);
/*
 * store_put, but a refresh raises the expiry to no later than the kept
 * creation time + max_life_ms (max_life_ms > 0): storing the same bytes
 * again and again does not keep a value alive past its maximum life.
 */
int	store_put_life(struct store *, const uint8_t key[ID_LEN],
	    const void *data, size_t len, int64_t created_ms,
	    int64_t expires_ms, int64_t max_life_ms, int64_t now_ms,
	    const char **errstr);

/*
 * store_put_life of a value with attributes (NULL: plain), after the value
 * rules, which look at the key's live values: a plain value is refused
 * under a key that holds signed (STORE_REF_UNSIGNED) or immutable ones
 * (STORE_REF_IMMUTABLE); an immutable value replaces any other kind under
 * its key; a signed value is refused when the key holds one of a higher
 * seq (STORE_REF_SEQ_OLD) or of the same seq and another hash
 * (STORE_REF_SEQ_SAME, but the same value is a refresh), and otherwise
 * replaces every other value under its key (lower seqs, unsigned junk).
 * The caller has checked the value against its key (sigval_check).
 * Refusals: -1, store_last_error STORE_ERR_REFUSED, store_last_refusal.
 */
int	store_put_value(struct store *, const uint8_t key[ID_LEN],
	    const void *data, size_t len, const struct value_attr *attr,
	    int64_t created_ms, int64_t expires_ms, int64_t max_life_ms,
	    int64_t now_ms, const char **errstr);
enum store_refusal store_last_refusal(const struct store *);
/* The value hash (store_hash) of the last store_put_value's value, valid
 * until the next put: what callers need beside the put, not hashed again. */
const uint8_t *store_last_hash(const struct store *);

/*
 * Deletes the value whose bytes hash (store_hash) to `hash` under the key,
 * live or not: the engine's quota evicts with it.  Returns 1 if deleted,
 * 0 if the key holds no such value, -1 with *errstr (STORE_ERR_IO).
 */
#define STORE_HASH_LEN		32
int	store_del(struct store *, const uint8_t key[ID_LEN],
	    const uint8_t hash[STORE_HASH_LEN], const char **errstr);
/* The hash that names a plain value under its key: sigval_hash, BLAKE2b. */
void	store_hash(const void *data, size_t len,
	    uint8_t out[STORE_HASH_LEN]);

/*
 * Fills res with copies of the live (expires_ms > now_ms) values created at
 * or after since_ms, oldest first.  res->n == 0 means none.  Returns 0, or -1
 * with *errstr on an I/O error.  Free with store_result_free.  The same as
 * store_get_page(..., 0, SIZE_MAX, res, NULL, errstr).
 */
int	store_get(struct store *, const uint8_t key[ID_LEN],
	    int64_t since_ms, int64_t now_ms, struct store_result *res,
	    const char **errstr);

/*
 * One page of what store_get would return: skips the first `offset`
 * matching values and copies at most `max` of the rest into res (max 0:
 * none, only the count; res may then be NULL).  *total (if total is not
 * NULL) becomes the number of matching values: exact when the page
 * reaches the end of the list, else at least that (LevelDB: an upper
 * bound from the key's count record, which may count values expired but
 * not yet swept and, with since_ms, older ones).  Only the page's values
 * are read: LevelDB walks offset + max entries of its order index and
 * reads the page's records.  Returns 0, or -1 with *errstr (res empty,
 * *total 0).
 */
int	store_get_page(struct store *, const uint8_t key[ID_LEN],
	    int64_t since_ms, int64_t now_ms, size_t offset, size_t max,
	    struct store_result *res, size_t *total, const char **errstr);
void	store_result_free(struct store_result *);

/*
 * What a digest-first FIND_VALUE answer lists of a value: its hash
 * (store_hash), size and times, without its bytes.
 */
struct store_digest {
	uint8_t		hash[STORE_HASH_LEN];
	uint32_t	len;
	int64_t		created_ms;
	int64_t		expires_ms;
};
/*
 * The digests of one page of what store_get_page would return, in the
 * same order, into out[0 .. *n) (at most max).  *total as store_get_page.
 * Returns 0, or -1 with *errstr (*n and *total 0).
 */
int	store_get_digests(struct store *, const uint8_t key[ID_LEN],
	    int64_t since_ms, int64_t now_ms, size_t offset, size_t max,
	    struct store_digest *out, size_t *n, size_t *total,
	    const char **errstr);
/*
 * The live value under key whose bytes hash to `hash`, copied into *out
 * (free out->data).  Returns 1, 0 if the key holds no such live value,
 * or -1 with *errstr.
 */
int	store_get_hash(struct store *, const uint8_t key[ID_LEN],
	    const uint8_t hash[STORE_HASH_LEN], int64_t now_ms,
	    struct store_value *out,
	    const char **errstr);

/*
 * Deletes at most `max` values whose expiry is <= now_ms, cheapest first
 * (the LevelDB backend keeps an expiry index, so this costs what expires).
 * Returns how many were deleted, or -1 with *errstr.
 */
long	store_expire(struct store *, int64_t now_ms, size_t max,
	    const char **errstr);

/*
 * Lists up to `max` distinct keys strictly after `after` (NULL: from the
 * start) in byte order, for bounded background walks (republish,
 * hand-over).  Returns how many were written to keys, or -1 with *errstr.
 */
long	store_keys(struct store *, const uint8_t *after, size_t max,
	    uint8_t (*keys)[ID_LEN], const char **errstr);

/* Makes every put so far durable against power loss (one fsync). */
int	store_flush(struct store *, const char **errstr);

/*
 * The kind of the most recent failed call on the store, like errno: calls
 * that succeed leave it alone.  STORE_ERR_INVALID for a NULL store.
 */
enum store_errkind store_last_error(const struct store *);

/*
 * Small named records beside the values, for the node's own state (its
 * list of permanent values): LevelDB keeps them at key 00 | name (as the
 * schema record), the memory backend in memory.  A name is 1 to
 * STORE_META_NAME_MAX lowercase letters or '_', never "schema"; a record
 * is at most STORE_META_MAX bytes.  store_meta_put with len 0 deletes the
 * record; it is written with a synced write.  store_meta_get sets *data
 * to a malloc'd copy (free it) and *len, or NULL and 0 if there is none.
 * Both return 0, or -1 with *errstr.
 */
#define STORE_META_NAME_MAX	32
#define STORE_META_MAX		(8u << 20)
int	store_meta_put(struct store *, const char *name, const void *data,
	    size_t len, const char **errstr);
int	store_meta_get(struct store *, const char *name, uint8_t **data,
	    size_t *len, const char **errstr);

void	store_stats(struct store *, struct store_stats *);
const char *store_kind_name(enum store_kind);

#endif

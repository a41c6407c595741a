/*
 * store_ldb_impl — what the files of the LevelDB backend share:
 * store_ldb.c (layout, codec, open, puts), store_ldb_walk.c (paged gets
 * along the order index, expiry, key listing) and store_ldb_mig.c (the
 * per-key counts and the migration from schemas 1 and 2).  Private to module
 * store; it includes leveldb/c.h, so only those files include it.
 */
#ifndef EMO_STORE_LDB_IMPL_H
#define EMO_STORE_LDB_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <leveldb/c.h>

#include "atrest.h"
#include "store.h"
#include "store_impl.h"

#define LDB_PREFIX_VALUE	'v'
#define LDB_PREFIX_EXPIRY	'e'
#define LDB_PREFIX_ORDER	'o'	/* key | created | hash: result order */
#define LDB_PREFIX_COUNT	'c'	/* key: how many values it holds */
#define LDB_KPREFIX_LEN		(1 + ID_LEN)
#define LDB_VKEY_LEN		(1 + ID_LEN + KECCAK256_LEN)
#define LDB_EKEY_LEN		(1 + 8 + ID_LEN + KECCAK256_LEN)
#define LDB_OKEY_LEN		(1 + ID_LEN + 8 + KECCAK256_LEN)
#define LDB_OVAL_LEN		(4 + 8)	/* len | expires_ms */
#define LDB_CKEY_LEN		(1 + ID_LEN)
#define LDB_CVAL_LEN		4
#define LDB_MIGRATE_BATCH	1024	/* writes per batch of a migration */
#define LDB_EXPIRE_CHUNK	256	/* values deleted per write batch */
#define LDB_CURSORS		16	/* where the last pages ended */
#define LDB_GENS		256	/* change counters, by a key's 1st byte */
#define LDB_ERR_LEN		256
#define LDB_SCHEMA_KEY		"\0schema"
#define LDB_SCHEMA_KEY_LEN	(sizeof(LDB_SCHEMA_KEY) - 1)
#define LDB_SEALED_MAX		(STORE_RECORD_MAX_LEN + ATREST_OVERHEAD)

/*
 * Where a page of a key ended: the order entry the next page starts at,
 * with the counts of the walk up to it.  Valid for the page at `offset`
 * while nothing under the key changed (gen) and the clock has neither
 * gone back nor reached the expiry of a value counted before it
 * (min_exp): then the walk would skip exactly the same entries.
 */
struct ldb_cursor {
	uint8_t		key[ID_LEN];
	int64_t		since_ms;
	int64_t		now_ms;
	int64_t		min_exp;
	size_t		offset;		/* live entries before okey */
	size_t		walked;		/* entries before okey */
	uint32_t	gen;
	int		used;
	uint8_t		okey[LDB_OKEY_LEN];
};

struct ldb {
	leveldb_t		*db;
	leveldb_options_t	*opts;
	leveldb_cache_t		*cache;
	leveldb_filterpolicy_t	*filter;
	leveldb_readoptions_t	*ro;		/* point reads and gets */
	leveldb_readoptions_t	*ro_scan;	/* walks: keep hot blocks cached */
	leveldb_writeoptions_t	*wo;		/* sync as configured */
	leveldb_writeoptions_t	*wo_sync;	/* flush and schema record */
	leveldb_writebatch_t	*wb;		/* cleared and reused per call */
	struct store_stats	 st;
	int64_t			 exp_floor;	/* no index entry below */
	struct store_digest	*pg;		/* paged reads; kept, grown */
	size_t			 pgcap;
	struct ldb_cursor	 cur[LDB_CURSORS];
	unsigned		 curnext;	/* the next to replace */
	uint32_t		 gen[LDB_GENS];	/* bumped by every write */
	char			 lasterr[LDB_ERR_LEN];
	uint8_t			 gone[LDB_EXPIRE_CHUNK][ID_LEN];
	uint8_t			 rec[STORE_RECORD_MAX_LEN];
	struct atrest		*ar;		/* NULL: no encryption at rest */
	uint8_t			 sealed[LDB_SEALED_MAX];	/* writes */
	uint8_t			 plain[STORE_RECORD_MAX_LEN];	/* reads */
};

/* The value record's key: prefix, key, the value's hash (sigval_hash). */
void	store_ldb_vkey(uint8_t out[LDB_VKEY_LEN], const uint8_t *key,
	    const uint8_t *hash);
/*
 * Decodes the value record stored under vkey (vlen bytes of key), first
 * opening it when the store is encrypted at rest: one that fails
 * authentication is counted (st.tampered), logged (rate-limited) and
 * refused like an unreadable one.  v->data points into raw or l->plain,
 * valid until the next call.  0, or -1 with *errstr.
 */
int	store_ldb_record(struct ldb *, const uint8_t *vkey, size_t vlen,
	    const uint8_t *raw, size_t rlen, struct store_value *v,
	    const char **errstr);
/* Adds the record rec (len bytes) under vkey to l->wb, sealed if so. */
void	store_ldb_batch_record(struct ldb *, const uint8_t *vkey,
	    const uint8_t *rec, size_t len);
/*
 * Adds r's value record (encoded into l->rec, then sealed if so) under
 * vkey and its expiry index entry to l->wb; not its order entry.
 */
void	store_ldb_batch_value(struct ldb *, const struct store_put_req *r,
	    const uint8_t *vkey, int64_t created_ms, int64_t expires_ms);
/*
 * A named record (key 00 | name) as written: *out malloc'd and sealed
 * when encrypted at rest, else NULL (write val as it is); *outlen its
 * length.  -1 when out of memory.
 */
int	store_ldb_meta_seal(struct ldb *, const void *key, size_t klen,
	    const void *val, size_t vlen, uint8_t **out, size_t *outlen);
/* Opens a named record read into *val (malloc'd) in place; -1, *errstr. */
int	store_ldb_meta_open(struct ldb *, const void *key, size_t klen,
	    uint8_t **val, size_t *vlen, const char **errstr);
/* Adds the at-rest marker to l->wb (nothing when not encrypted). */
void	store_ldb_mark_batch(struct ldb *);
/*
 * At open, before any record is read: refuses a store with a marker
 * without a key or with another key, and one holding records without a
 * marker with a key; marks an empty store.  0, or -1 with err.
 */
int	store_ldb_mark_check(struct ldb *, const char *dir, char *err,
	    size_t errlen);
/* The order index key of a value, and its entry (len, expires_ms). */
void	store_ldb_okey(uint8_t out[LDB_OKEY_LEN], const uint8_t *key,
	    int64_t created_ms, const uint8_t *hash);
void	store_ldb_oval(uint8_t out[LDB_OVAL_LEN], uint32_t len,
	    int64_t expires_ms);
/* Decodes an index entry; -1 if it is not one. */
int	store_ldb_oent(const uint8_t *k, size_t klen, const uint8_t *val,
	    size_t vlen, struct store_digest *);
/* The expiry index key of a value. */
void	store_ldb_ekey(uint8_t out[LDB_EKEY_LEN], int64_t expires_ms,
	    const uint8_t *key, const uint8_t *hash);
/*
 * The key's count record (0 when missing or unreadable), and its
 * rewrite in the batch l->wb (deleted at 0).
 */
int	store_ldb_count_get(struct ldb *, const uint8_t *key, uint32_t *n,
	    const char **errstr);
void	store_ldb_count_put(struct ldb *, const uint8_t *key, uint32_t n);
/*
 * Brings a schema 1 or 2 store (`from`) to STORE_SCHEMA_VERSION: moves
 * every value record not under its current hash, rebuilds the order
 * index and the counts (in batches; safe to stop at any point and run
 * again), then writes the schema record.  0, or -1 with a sentence in err.
 */
int	store_ldb_migrate(struct ldb *, const char *dir, int from, char *err,
	    size_t errlen);
/* Writes the schema record (synced); -1 with LevelDB's message. */
int	store_ldb_schema_put(struct ldb *, int version, const char **errstr);

/* Keeps LevelDB's message for the caller; valid until the next call. */
int	store_ldb_fail(struct ldb *, const char *what, char *lerr,
	    const char **errstr);
/* Checks the iterator's status, destroys it; -1 with *errstr on error. */
int	store_ldb_iter_done(struct ldb *, leveldb_iterator_t *,
	    const char *what, const char **errstr);
/* The iterator's key, if it is a record (any length) under the prefix. */
const uint8_t *store_ldb_iter_under(leveldb_iterator_t *,
	    const uint8_t *prefix, size_t plen, size_t *klen);
/* Notes a write under key (NULL: under any key) for the page cursors. */
void	store_ldb_changed(struct ldb *, const uint8_t *key);
/* Writes the batch l->wb with wo; -1 with *errstr. */
int	store_ldb_write(struct ldb *, leveldb_writeoptions_t *wo,
	    const char **errstr);

/* The store_ops entries of store_ldb_walk.c (see struct store_ops). */
int	store_ldb_get(void *be, const uint8_t *key, int64_t since_ms,
	    int64_t now_ms, size_t offset, size_t max, struct store_result *,
	    size_t *total, const char **errstr);
long	store_ldb_expire(void *be, int64_t now_ms, size_t max,
	    const char **errstr);
int	store_ldb_del(void *be, const uint8_t *key, const uint8_t *hash,
	    const char **errstr);
int	store_ldb_digests(void *be, const uint8_t *key, int64_t since_ms,
	    int64_t now_ms, size_t offset, size_t max, struct store_digest *,
	    size_t *n, size_t *total, const char **errstr);
int	store_ldb_get_hash(void *be, const uint8_t *key, const uint8_t *hash,
	    int64_t now_ms, struct store_value *, const char **errstr);
long	store_ldb_keys(void *be, const uint8_t *after, size_t max,
	    uint8_t (*keys)[ID_LEN], const char **errstr);

#endif

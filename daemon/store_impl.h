/*
 * store_impl — the contract between the store front (store.c) and its
 * backends (store_ldb.c, store_mem.c).  Not for other modules: only the
 * three store files, the store unit test and the record fuzzer include it.
 */
#ifndef EMO_STORE_IMPL_H
#define EMO_STORE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "keccak.h"
#include "store.h"

/*
 * LevelDB value record: version | created_ms BE | expires_ms BE | bytes
 * (version 1, a plain value), or version 2 | created_ms BE | expires_ms BE
 * | u8 attribute length | attributes (sigval_attr_encode) | bytes.
 */
#define STORE_RECORD_VERSION	1
#define STORE_RECORD_VERSION_ATTR 2
#define STORE_RECORD_HDR_LEN	17
#define STORE_RECORD_MAX_LEN	(STORE_RECORD_HDR_LEN + 1 + SIGVAL_ATTR_MAX + \
				 EMO_MAX_VALUE)

/*
 * One put, already validated by the front: key and data non-NULL,
 * 1 <= len <= EMO_MAX_VALUE, 0 <= created_ms, now_ms < expires_ms.
 * The quotas travel with it so that the backend can ask
 * store_quota_check() once it knows what the key holds.
 */
struct store_put_req {
	const uint8_t	*key;
	const uint8_t	*data;
	uint32_t	 len;
	const struct value_attr *attr;	/* never NULL */
	const uint8_t	*hash;		/* sigval_hash of the value */
	int64_t		 created_ms;
	int64_t		 expires_ms;
	int64_t		 now_ms;
	uint32_t	 max_values_per_key;
	uint64_t	 max_bytes;
	int64_t		 max_life_ms;	/* refresh cap past creation; 0: none */
};

/*
 * The expiry a refresh of a value created at created_ms may raise it to:
 * req->expires_ms, but no later than created_ms + req->max_life_ms.
 */
int64_t	store_refresh_expiry(const struct store_put_req *, int64_t created_ms);

/* What a backend's put returns when store_quota_check refused. */
#define STORE_BE_QUOTA		(-2)

/*
 * A backend.  `be` is the backend's own state.  Arguments are validated
 * by the front; a backend only reports I/O or memory failures (-1) and
 * quota refusals (STORE_BE_QUOTA, after store_quota_check).  get fills one
 * page as store_get_page describes, with res non-NULL, res and *total
 * zeroed, and leaves res empty on failure.  raw_put is a test hook that
 * writes (or, with val NULL, deletes) one raw record; NULL when the
 * backend has no raw records.
 */
struct store_ops {
	const char	*name;
	void		*(*open)(const struct store_opts *, char *, size_t);
	void		 (*close)(void *be);
	int		 (*put)(void *be, const struct store_put_req *,
			    const char **);
	int		 (*get)(void *be, const uint8_t *key, int64_t since_ms,
			    int64_t now_ms, size_t offset, size_t max,
			    struct store_result *, size_t *total,
			    const char **);
	long		 (*expire)(void *be, int64_t now_ms, size_t max,
			    const char **);
	long		 (*keys)(void *be, const uint8_t *after, size_t max,
			    uint8_t (*)[ID_LEN], const char **);
	int		 (*flush)(void *be, const char **);
	void		 (*stats)(void *be, struct store_stats *);
	int		 (*del)(void *be, const uint8_t *key,
			    const uint8_t *hash, const char **);
	int		 (*raw_put)(void *be, const void *key, size_t klen,
			    const void *val, size_t vlen, const char **);
	/*
	 * Optional (NULL: the front reads pages with get and hashes them):
	 * store_get_digests and store_get_hash, arguments validated.
	 */
	int		 (*digests)(void *be, const uint8_t *key,
			    int64_t since_ms, int64_t now_ms, size_t offset,
			    size_t max, struct store_digest *, size_t *n,
			    size_t *total, const char **);
	int		 (*get_hash)(void *be, const uint8_t *key,
			    const uint8_t *hash, int64_t now_ms,
			    struct store_value *, const char **);
	/* One raw record: *val malloc'd, or NULL if absent; NULL op too. */
	int		 (*raw_get)(void *be, const void *key, size_t klen,
			    uint8_t **val, size_t *vlen, const char **);
	/* Test hook: -1 if an invariant of be's own is broken; NULL op too. */
	int		 (*check)(void *be, const char **);
};

extern const struct store_ops store_ldb_ops;
extern const struct store_ops store_mem_ops;

/*
 * Quota policy, shared by both backends: may a new value of req->len
 * bytes join `live` live values under its key, when the whole store
 * would then hold `bytes_after` bytes (already including req->len)?
 * Returns 0, or -1 with *errstr.
 */
int	store_quota_check(const struct store_put_req *, uint64_t live,
	    uint64_t bytes_after, const char **);

/*
 * Result order: created_ms ascending, then the value's hash (store_hash,
 * bytewise), the order of the LevelDB order index.
 */
int	store_value_cmp(const struct store_value *, const struct store_value *);

/* Copies src to dst with its bytes; 0, or -1 (out of memory). */
int	store_value_copy(struct store_value *dst, const struct store_value *);

/*
 * Appends a copy of v (its bytes too) to res, whose array has room for
 * *cap; grows it.  Returns 0, or -1 (out of memory; res unchanged).
 */
int	store_result_add(struct store_result *, size_t *cap,
	    const struct store_value *);

/*
 * Decodes one LevelDB value record.  On success v->data points into buf
 * (no copy).  Returns 0, or -1 with *errstr.  Exposed for the fuzzer.
 */
int	store_ldb_decode_record(const uint8_t *buf, size_t len,
	    struct store_value *v, const char **);

/* Test hook: raw_put through the front; -1 for backends without one. */
int	store_debug_raw_put(struct store *, const void *key, size_t klen,
	    const void *val, size_t vlen, const char **);
/*
 * Test hook: the backend's own invariants (the memory backend's: the
 * tree's order, heights and balance; the index holding the tree's keys);
 * 0 for a backend without any, -1 with *errstr if one is broken.
 */
int	store_debug_check(struct store *, const char **);

#endif

/*
 * store_impl — the contract between the store front (store.c) and its
 * backends (store_ldb.c, store_mem.c).  Not for other modules: only the
 * three store files, the store unit test and the record fuzzer include it.
 */
#ifndef EMO_STORE_IMPL_H
#define EMO_STORE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* LevelDB value record: version | created_ms BE | expires_ms BE | bytes. */
#define STORE_RECORD_VERSION	1
#define STORE_RECORD_HDR_LEN	17
#define STORE_RECORD_MAX_LEN	(STORE_RECORD_HDR_LEN + STORE_MAX_VALUE)

/*
 * One put, already validated by the front: key and data non-NULL,
 * 1 <= len <= STORE_MAX_VALUE, 0 <= created_ms, now_ms < expires_ms.
 * The quotas travel with it so that the backend can ask
 * store_quota_check() once it knows what the key holds.
 */
struct store_put_req {
	const uint8_t	*key;
	const uint8_t	*data;
	uint32_t	 len;
	int64_t		 created_ms;
	int64_t		 expires_ms;
	int64_t		 now_ms;
	uint32_t	 max_values_per_key;
	uint64_t	 max_bytes;
};

/*
 * A backend.  `be` is the backend's own state.  Arguments are validated
 * by the front; a backend only reports I/O or memory failures (and quota
 * refusals, through store_quota_check).  raw_put is a test hook that
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
			    int64_t now_ms, struct store_result *,
			    const char **);
	long		 (*expire)(void *be, int64_t now_ms, size_t max,
			    const char **);
	long		 (*keys)(void *be, const uint8_t *after, size_t max,
			    uint8_t (*)[STORE_KEY_LEN], const char **);
	int		 (*flush)(void *be, const char **);
	void		 (*stats)(void *be, struct store_stats *);
	int		 (*raw_put)(void *be, const void *key, size_t klen,
			    const void *val, size_t vlen, const char **);
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

/* Result order: created_ms ascending, then content (memcmp, shorter first). */
int	store_value_cmp(const struct store_value *, const struct store_value *);

/*
 * Decodes one LevelDB value record.  On success v->data points into buf
 * (no copy).  Returns 0, or -1 with *errstr.  Exposed for the fuzzer.
 */
int	store_ldb_decode_record(const uint8_t *buf, size_t len,
	    struct store_value *v, const char **);

/* Test hook: raw_put through the front; -1 for backends without one. */
int	store_debug_raw_put(struct store *, const void *key, size_t klen,
	    const void *val, size_t vlen, const char **);

#endif

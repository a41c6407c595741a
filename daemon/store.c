/*
 * store — the front of the value store: checks every argument and the
 * quotas once, then dispatches to a backend through its ops table, so the
 * backends (store_ldb.c, store_mem.c) never re-validate.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_impl.h"

struct store {
	const struct store_ops	*ops;
	void			*be;
	uint32_t		 max_values_per_key;
	uint64_t		 max_bytes;
};

static const struct store_ops *
store_ops_for(enum store_kind kind)
{
	switch (kind) {
	case STORE_LEVELDB:
		return &store_ldb_ops;
	case STORE_MEMORY:
		return &store_mem_ops;
	}
	return NULL;
}

const char *
store_kind_name(enum store_kind kind)
{
	const struct store_ops	*ops;

	if ((ops = store_ops_for(kind)) == NULL)
		return "unknown";
	return ops->name;
}

struct store *
store_open(const struct store_opts *opts, char *err, size_t errlen)
{
	struct store		*st = NULL;
	const struct store_ops	*ops;
	char			 dummy[1];

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (opts == NULL) {
		snprintf(err, errlen, "no store options");
		goto fail;
	}
	if ((ops = store_ops_for(opts->kind)) == NULL) {
		snprintf(err, errlen, "unknown store kind %d", (int)opts->kind);
		goto fail;
	}
	if (opts->max_values_per_key < 1 ||
	    opts->max_values_per_key > STORE_MAX_VALUES_PER_KEY) {
		snprintf(err, errlen, "max values per key %u out of range "
		    "1..%u", opts->max_values_per_key,
		    STORE_MAX_VALUES_PER_KEY);
		goto fail;
	}
	if (opts->kind == STORE_LEVELDB &&
	    (opts->dir == NULL || opts->dir[0] == '\0')) {
		snprintf(err, errlen, "no data directory for the %s store",
		    ops->name);
		goto fail;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	st->ops = ops;
	st->max_values_per_key = opts->max_values_per_key;
	st->max_bytes = opts->max_bytes;
	if ((st->be = ops->open(opts, err, errlen)) == NULL)
		goto fail;
	return st;

fail:
	free(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st->be);
	free(st);
}

int
store_put(struct store *st, const uint8_t key[STORE_KEY_LEN],
    const void *data, size_t len, int64_t created_ms, int64_t expires_ms,
    int64_t now_ms, const char **errstr)
{
	struct store_put_req	 req;
	const char		*dummy;

	if (errstr == NULL)
		errstr = &dummy;
	if (st == NULL || key == NULL) {
		*errstr = "no store or key";
		return -1;
	}
	if (len == 0) {
		*errstr = "empty value";
		return -1;
	}
	if (len > STORE_MAX_VALUE) {
		*errstr = "value too long";
		return -1;
	}
	if (data == NULL) {
		*errstr = "no value";
		return -1;
	}
	/* Negative times would break the byte order of the expiry index. */
	if (created_ms < 0) {
		*errstr = "negative creation time";
		return -1;
	}
	if (expires_ms <= now_ms || expires_ms < 0) {
		*errstr = "value already expired";
		return -1;
	}
	req.key = key;
	req.data = data;
	req.len = (uint32_t)len;
	req.created_ms = created_ms;
	req.expires_ms = expires_ms;
	req.now_ms = now_ms;
	req.max_values_per_key = st->max_values_per_key;
	req.max_bytes = st->max_bytes;
	return st->ops->put(st->be, &req, errstr);
}

int
store_quota_check(const struct store_put_req *req, uint64_t live,
    uint64_t bytes_after, const char **errstr)
{
	if (live >= req->max_values_per_key) {
		*errstr = "too many values under this key";
		return -1;
	}
	if (req->max_bytes != 0 && bytes_after > req->max_bytes) {
		*errstr = "store full";
		return -1;
	}
	return 0;
}

int
store_value_cmp(const struct store_value *a, const struct store_value *b)
{
	uint32_t	n;
	int		c;

	if (a->created_ms != b->created_ms)
		return a->created_ms < b->created_ms ? -1 : 1;
	n = a->len < b->len ? a->len : b->len;
	if (n > 0 && (c = memcmp(a->data, b->data, n)) != 0)
		return c < 0 ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

int
store_get(struct store *st, const uint8_t key[STORE_KEY_LEN],
    int64_t since_ms, int64_t now_ms, struct store_result *res,
    const char **errstr)
{
	const char	*dummy;

	if (errstr == NULL)
		errstr = &dummy;
	if (res == NULL) {
		*errstr = "no result";
		return -1;
	}
	res->v = NULL;
	res->n = 0;
	if (st == NULL || key == NULL) {
		*errstr = "no store or key";
		return -1;
	}
	return st->ops->get(st->be, key, since_ms, now_ms, res, errstr);
}

void
store_result_free(struct store_result *res)
{
	size_t	i;

	if (res == NULL)
		return;
	for (i = 0; i < res->n; i++)
		free(res->v[i].data);
	free(res->v);
	res->v = NULL;
	res->n = 0;
}

long
store_expire(struct store *st, int64_t now_ms, size_t max,
    const char **errstr)
{
	const char	*dummy;

	if (errstr == NULL)
		errstr = &dummy;
	if (st == NULL) {
		*errstr = "no store";
		return -1;
	}
	if (max == 0)
		return 0;
	if (max > LONG_MAX)
		max = LONG_MAX;
	return st->ops->expire(st->be, now_ms, max, errstr);
}

long
store_keys(struct store *st, const uint8_t *after, size_t max,
    uint8_t (*keys)[STORE_KEY_LEN], const char **errstr)
{
	const char	*dummy;

	if (errstr == NULL)
		errstr = &dummy;
	if (st == NULL) {
		*errstr = "no store";
		return -1;
	}
	if (max == 0)
		return 0;
	if (keys == NULL) {
		*errstr = "no key buffer";
		return -1;
	}
	if (max > LONG_MAX)
		max = LONG_MAX;
	return st->ops->keys(st->be, after, max, keys, errstr);
}

int
store_flush(struct store *st, const char **errstr)
{
	const char	*dummy;

	if (errstr == NULL)
		errstr = &dummy;
	if (st == NULL) {
		*errstr = "no store";
		return -1;
	}
	return st->ops->flush(st->be, errstr);
}

void
store_stats(struct store *st, struct store_stats *s)
{
	if (s == NULL)
		return;
	memset(s, 0, sizeof(*s));
	if (st != NULL)
		st->ops->stats(st->be, s);
}

int
store_debug_raw_put(struct store *st, const void *key, size_t klen,
    const void *val, size_t vlen, const char **errstr)
{
	const char	*dummy;

	if (errstr == NULL)
		errstr = &dummy;
	if (st == NULL || key == NULL || st->ops->raw_put == NULL) {
		*errstr = "no raw records in this store";
		return -1;
	}
	return st->ops->raw_put(st->be, key, klen, val, vlen, errstr);
}

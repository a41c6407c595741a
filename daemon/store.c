/*
 * store — the front of the value store: checks every argument and the
 * quotas once, dispatches to a backend through its ops table (so the
 * backends, store_ldb.c and store_mem.c, never re-validate) and keeps the
 * kind of the last failure.  Also the ordering helpers both backends share.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_impl.h"

#define STORE_GROW_MIN	4	/* first capacity of a growing array */

#define STORE_META_SLOTS	4	/* named records of a backend without raw ones */

struct store_meta {
	char		 name[STORE_META_NAME_MAX + 1];	/* "": free */
	uint8_t		*data;
	size_t		 len;
};

struct store {
	const struct store_ops	*ops;
	void			*be;
	uint32_t		 max_values_per_key;
	uint64_t		 max_bytes;
	enum store_errkind	 lasterr;
	enum store_refusal	 refusal;	/* of the last STORE_ERR_REFUSED */
	uint8_t			 last_hash[STORE_HASH_LEN]; /* last put's */
	struct store_meta	 meta[STORE_META_SLOTS];	/* memory only */
};

/* Sets *errstr (unless why is NULL: the backend did), notes the kind. */
static int
store_fail(struct store *st, enum store_errkind kind, const char **errstr,
    const char *why)
{
	if (why != NULL)
		*errstr = why;
	if (st != NULL)
		st->lasterr = kind;
	return -1;
}

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
	if (opts->kind != STORE_LEVELDB && opts->atrest_key != NULL) {
		snprintf(err, errlen, "encryption at rest is for the leveldb "
		    "store; the %s store keeps nothing on disk", ops->name);
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
	size_t i;

	if (st == NULL)
		return;
	st->ops->close(st->be);
	for (i = 0; i < STORE_META_SLOTS; i++)
		free(st->meta[i].data);
	free(st);
}

int
store_put(struct store *st, const uint8_t key[ID_LEN],
    const void *data, size_t len, int64_t created_ms, int64_t expires_ms,
    int64_t now_ms, const char **errstr)
{
	return store_put_life(st, key, data, len, created_ms, expires_ms, 0,
	    now_ms, errstr);
}

int64_t
store_refresh_expiry(const struct store_put_req *req, int64_t created_ms)
{
	if (req->max_life_ms > 0 && created_ms <= INT64_MAX - req->max_life_ms &&
	    created_ms + req->max_life_ms < req->expires_ms)
		return created_ms + req->max_life_ms;
	return req->expires_ms;
}

int
store_put_life(struct store *st, const uint8_t key[ID_LEN],
    const void *data, size_t len, int64_t created_ms, int64_t expires_ms,
    int64_t max_life_ms, int64_t now_ms, const char **errstr)
{
	return store_put_value(st, key, data, len, NULL, created_ms,
	    expires_ms, max_life_ms, now_ms, errstr);
}

static int
store_refuse(struct store *st, enum store_refusal why, const char **errstr)
{
	static const char *const msg[] = {
		[STORE_REF_NONE] = "refused",
		[STORE_REF_SEQ_OLD] = "the key holds a signed value of a "
		    "higher seq",
		[STORE_REF_SEQ_SAME] = "the key holds another signed value of "
		    "the same seq",
		[STORE_REF_UNSIGNED] = "the key holds signed values: an "
		    "unsigned value is refused",
		[STORE_REF_IMMUTABLE] = "the key holds an immutable value",
	};

	st->refusal = why;
	return store_fail(st, STORE_ERR_REFUSED, errstr, msg[why]);
}

/*
 * The value rules (store_put_value) before a put: 0 to go on, else -1
 * (refused or failed).  A key that holds signed values holds nothing
 * else, and one that holds an immutable value only that value, so a plain
 * put looks at the first live value only.
 */
static int
store_rules(struct store *st, const uint8_t *key, const uint8_t *data,
    size_t len, const struct value_attr *a, const uint8_t *h, int64_t now_ms,
    const char **errstr)
{
	struct store_result	 res = { NULL, 0 };
	uint8_t			 hv[STORE_HASH_LEN];
	const struct value_attr	*o;
	size_t			 i, total;
	int			 rc = 0;

	if (store_get_page(st, key, 0, now_ms, 0, a->kind == VALUE_PLAIN ? 1 :
	    SIZE_MAX, &res, &total, errstr) == -1)
		return -1;
	for (i = 0; i < res.n && rc == 0; i++) {
		o = &res.v[i].attr;
		if (a->kind == VALUE_PLAIN && o->kind != VALUE_PLAIN)
			rc = store_refuse(st, o->kind == VALUE_SIGNED ?
			    STORE_REF_UNSIGNED : STORE_REF_IMMUTABLE, errstr);
		else if (a->kind == VALUE_SIGNED && o->kind == VALUE_SIGNED &&
		    o->seq > a->seq)
			rc = store_refuse(st, STORE_REF_SEQ_OLD, errstr);
		else if (a->kind == VALUE_SIGNED && o->kind == VALUE_SIGNED &&
		    o->seq == a->seq) {
			sigval_hash(o, res.v[i].data, res.v[i].len, hv);
			if (memcmp(h, hv, STORE_HASH_LEN) != 0)
				rc = store_refuse(st, STORE_REF_SEQ_SAME,
				    errstr);
		}
	}
	/* A signed or immutable value owns its key: the rest goes. */
	for (i = 0; i < res.n && rc == 0 && a->kind != VALUE_PLAIN; i++) {
		sigval_hash(&res.v[i].attr, res.v[i].data, res.v[i].len, hv);
		if (memcmp(h, hv, STORE_HASH_LEN) != 0 &&
		    store_del(st, key, hv, errstr) == -1)
			rc = -1;
	}
	store_result_free(&res);
	return rc;
}

enum store_refusal
store_last_refusal(const struct store *st)
{
	return st != NULL ? st->refusal : STORE_REF_NONE;
}

const uint8_t *
store_last_hash(const struct store *st)
{
	return st->last_hash;
}

int
store_put_value(struct store *st, const uint8_t key[ID_LEN],
    const void *data, size_t len, const struct value_attr *attr,
    int64_t created_ms, int64_t expires_ms, int64_t max_life_ms,
    int64_t now_ms, const char **errstr)
{
	static const struct value_attr plain;
	struct store_put_req	 req;
	const char		*dummy;
	int			 rc;

	if (errstr == NULL)
		errstr = &dummy;
	if (st == NULL || key == NULL)
		return store_fail(st, STORE_ERR_INVALID, errstr,
		    "no store or key");
	if (len == 0)
		return store_fail(st, STORE_ERR_INVALID, errstr,
		    "empty value");
	if (len > EMO_MAX_VALUE)
		return store_fail(st, STORE_ERR_INVALID, errstr,
		    "value too long");
	if (data == NULL)
		return store_fail(st, STORE_ERR_INVALID, errstr, "no value");
	/* Negative times would break the byte order of the expiry index. */
	if (created_ms < 0)
		return store_fail(st, STORE_ERR_INVALID, errstr,
		    "negative creation time");
	if (expires_ms <= now_ms || expires_ms < 0)
		return store_fail(st, STORE_ERR_INVALID, errstr,
		    "value already expired");
	if (attr == NULL)
		attr = &plain;
	/* Hashed once: the rules, the backend and store_last_hash use it. */
	sigval_hash(attr, data, len, st->last_hash);
	if (store_rules(st, key, data, len, attr, st->last_hash, now_ms,
	    errstr) == -1)
		return -1;
	req.key = key;
	req.hash = st->last_hash;
	req.attr = attr;
	req.data = data;
	req.len = (uint32_t)len;
	req.created_ms = created_ms;
	req.expires_ms = expires_ms;
	req.now_ms = now_ms;
	req.max_values_per_key = st->max_values_per_key;
	req.max_bytes = st->max_bytes;
	req.max_life_ms = max_life_ms > 0 ? max_life_ms : 0;
	if ((rc = st->ops->put(st->be, &req, errstr)) == STORE_BE_QUOTA)
		return store_fail(st, STORE_ERR_QUOTA, errstr, NULL);
	if (rc < 0)
		return store_fail(st, STORE_ERR_IO, errstr, NULL);
	return rc;
}

int
store_del(struct store *st, const uint8_t key[ID_LEN],
    const uint8_t hash[STORE_HASH_LEN], const char **errstr)
{
	const char	*dummy;
	int		 rc;

	if (errstr == NULL)
		errstr = &dummy;
	if (st == NULL || key == NULL || hash == NULL)
		return store_fail(st, STORE_ERR_INVALID, errstr,
		    "no store, key or hash");
	if ((rc = st->ops->del(st->be, key, hash, errstr)) < 0)
		return store_fail(st, STORE_ERR_IO, errstr, NULL);
	return rc;
}

void
store_hash(const void *data, size_t len, uint8_t out[STORE_HASH_LEN])
{
	sigval_hash(NULL, data, len, out);
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
	uint8_t	ha[STORE_HASH_LEN], hb[STORE_HASH_LEN];
	int	c;

	if (a->created_ms != b->created_ms)
		return a->created_ms < b->created_ms ? -1 : 1;
	sigval_hash(&a->attr, a->data, a->len, ha);
	sigval_hash(&b->attr, b->data, b->len, hb);
	if ((c = memcmp(ha, hb, sizeof(ha))) != 0)
		return c < 0 ? -1 : 1;
	return 0;
}

int
store_value_copy(struct store_value *dst, const struct store_value *src)
{
	if ((dst->data = malloc(src->len)) == NULL)
		return -1;
	memcpy(dst->data, src->data, src->len);
	dst->len = src->len;
	dst->created_ms = src->created_ms;
	dst->expires_ms = src->expires_ms;
	dst->attr = src->attr;
	return 0;
}

int
store_result_add(struct store_result *res, size_t *cap,
    const struct store_value *v)
{
	struct store_value	*nv;
	size_t			 ncap;

	if (res->n == *cap) {
		ncap = *cap == 0 ? STORE_GROW_MIN : *cap * 2;
		if ((nv = reallocarray(res->v, ncap, sizeof(*nv))) == NULL)
			return -1;
		res->v = nv;
		*cap = ncap;
	}
	if (store_value_copy(&res->v[res->n], v) == -1)
		return -1;
	res->n++;
	return 0;
}

int
store_get_page(struct store *st, const uint8_t key[ID_LEN],
    int64_t since_ms, int64_t now_ms, size_t offset, size_t max,
    struct store_result *res, size_t *total, const char **errstr)
{
	struct store_result	 none;
	const char		*dummy;
	size_t			 dummy_total;

	if (errstr == NULL)
		errstr = &dummy;
	if (total == NULL)
		total = &dummy_total;
	*total = 0;
	if (res == NULL && max == 0)
		res = &none;
	if (res == NULL)
		return store_fail(st, STORE_ERR_INVALID, errstr, "no result");
	res->v = NULL;
	res->n = 0;
	if (st == NULL || key == NULL)
		return store_fail(st, STORE_ERR_INVALID, errstr,
		    "no store or key");
	if (st->ops->get(st->be, key, since_ms, now_ms, offset, max, res,
	    total, errstr) == -1) {
		*total = 0;
		return store_fail(st, STORE_ERR_IO, errstr, NULL);
	}
	return 0;
}

int
store_get_digests(struct store *st, const uint8_t key[ID_LEN],
    int64_t since_ms, int64_t now_ms, size_t offset, size_t max,
    struct store_digest *out, size_t *n, size_t *total, const char **errstr)
{
	struct store_result	 res;
	const char		*dummy;
	size_t			 i;

	if (errstr == NULL)
		errstr = &dummy;
	*n = 0;
	*total = 0;
	if (st == NULL || key == NULL || (out == NULL && max > 0))
		return store_fail(st, STORE_ERR_INVALID, errstr,
		    "no store, key or digests");
	if (st->ops->digests != NULL) {
		if (st->ops->digests(st->be, key, since_ms, now_ms, offset,
		    max, out, n, total, errstr) == -1) {
			*n = 0;
			*total = 0;
			return store_fail(st, STORE_ERR_IO, errstr, NULL);
		}
		return 0;
	}
	if (store_get_page(st, key, since_ms, now_ms, offset, max, &res,
	    total, errstr) == -1)
		return -1;
	for (i = 0; i < res.n && i < max; i++) {
		sigval_hash(&res.v[i].attr, res.v[i].data, res.v[i].len,
		    out[i].hash);
		out[i].len = res.v[i].len;
		out[i].created_ms = res.v[i].created_ms;
		out[i].expires_ms = res.v[i].expires_ms;
	}
	*n = i;
	store_result_free(&res);
	return 0;
}

int
store_get_hash(struct store *st, const uint8_t key[ID_LEN],
    const uint8_t hash[STORE_HASH_LEN], int64_t now_ms,
    struct store_value *out, const char **errstr)
{
	struct store_result	 res;
	uint8_t			 h[STORE_HASH_LEN];
	const char		*dummy;
	size_t			 i;
	int			 found = 0;

	if (errstr == NULL)
		errstr = &dummy;
	if (st == NULL || key == NULL || hash == NULL || out == NULL)
		return store_fail(st, STORE_ERR_INVALID, errstr,
		    "no store, key, hash or result");
	memset(out, 0, sizeof(*out));
	if (st->ops->get_hash != NULL) {
		if ((found = st->ops->get_hash(st->be, key, hash, now_ms, out,
		    errstr)) == -1)
			return store_fail(st, STORE_ERR_IO, errstr, NULL);
		return found;
	}
	if (store_get(st, key, 0, now_ms, &res, errstr) == -1)
		return -1;
	for (i = 0; i < res.n && !found; i++) {
		sigval_hash(&res.v[i].attr, res.v[i].data, res.v[i].len, h);
		if (memcmp(h, hash, STORE_HASH_LEN) != 0)
			continue;
		*out = res.v[i];
		res.v[i].data = NULL;
		found = 1;
	}
	store_result_free(&res);
	return found;
}

int
store_get(struct store *st, const uint8_t key[ID_LEN],
    int64_t since_ms, int64_t now_ms, struct store_result *res,
    const char **errstr)
{
	return store_get_page(st, key, since_ms, now_ms, 0, SIZE_MAX, res,
	    NULL, errstr);
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
	long		 n;

	if (errstr == NULL)
		errstr = &dummy;
	if (st == NULL)
		return store_fail(st, STORE_ERR_INVALID, errstr, "no store");
	if (max == 0)
		return 0;
	if (max > LONG_MAX)
		max = LONG_MAX;
	if ((n = st->ops->expire(st->be, now_ms, max, errstr)) < 0)
		return store_fail(st, STORE_ERR_IO, errstr, NULL);
	return n;
}

long
store_keys(struct store *st, const uint8_t *after, size_t max,
    uint8_t (*keys)[ID_LEN], const char **errstr)
{
	const char	*dummy;
	long		 n;

	if (errstr == NULL)
		errstr = &dummy;
	if (st == NULL)
		return store_fail(st, STORE_ERR_INVALID, errstr, "no store");
	if (max == 0)
		return 0;
	if (keys == NULL)
		return store_fail(st, STORE_ERR_INVALID, errstr,
		    "no key buffer");
	if (max > LONG_MAX)
		max = LONG_MAX;
	if ((n = st->ops->keys(st->be, after, max, keys, errstr)) < 0)
		return store_fail(st, STORE_ERR_IO, errstr, NULL);
	return n;
}

int
store_flush(struct store *st, const char **errstr)
{
	const char	*dummy;

	if (errstr == NULL)
		errstr = &dummy;
	if (st == NULL)
		return store_fail(st, STORE_ERR_INVALID, errstr, "no store");
	if (st->ops->flush(st->be, errstr) == -1)
		return store_fail(st, STORE_ERR_IO, errstr, NULL);
	return 0;
}

enum store_errkind
store_last_error(const struct store *st)
{
	return st != NULL ? st->lasterr : STORE_ERR_INVALID;
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
store_debug_check(struct store *st, const char **errstr)
{
	return st->ops->check != NULL ? st->ops->check(st->be, errstr) : 0;
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

/* ---- named records ------------------------------------------------------ */

/* The LevelDB key 00 | name into key; its length, or 0 if name is bad. */
static size_t
store_meta_key(const char *name, uint8_t key[STORE_META_NAME_MAX + 1])
{
	size_t i, n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n > STORE_META_NAME_MAX || strcmp(name, "schema") == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((name[i] < 'a' || name[i] > 'z') && name[i] != '_')
			return 0;
	key[0] = 0;
	memcpy(key + 1, name, n);
	return n + 1;
}

/* The memory slot of name, or with `make` a free one; NULL if none. */
static struct store_meta *
store_meta_slot(struct store *st, const char *name, int make)
{
	size_t i;

	for (i = 0; i < STORE_META_SLOTS; i++)
		if (strcmp(st->meta[i].name, name) == 0)
			return &st->meta[i];
	for (i = 0; make && i < STORE_META_SLOTS; i++)
		if (st->meta[i].name[0] == '\0')
			return &st->meta[i];
	return NULL;
}

int
store_meta_put(struct store *st, const char *name, const void *data,
    size_t len, const char **errstr)
{
	uint8_t key[STORE_META_NAME_MAX + 1], *copy = NULL;
	struct store_meta *m;
	size_t klen;

	if (st == NULL || (klen = store_meta_key(name, key)) == 0 ||
	    len > STORE_META_MAX || (len > 0 && data == NULL))
		return store_fail(st, STORE_ERR_INVALID, errstr,
		    "bad record name or size");
	if (st->ops->raw_put != NULL) {
		if (st->ops->raw_put(st->be, key, klen, len > 0 ? data : NULL,
		    len, errstr) == -1)
			return store_fail(st, STORE_ERR_IO, errstr, NULL);
		return 0;
	}
	if ((m = store_meta_slot(st, name, len > 0)) == NULL) {
		if (len == 0)
			return 0;
		return store_fail(st, STORE_ERR_QUOTA, errstr,
		    "no room for another named record");
	}
	if (len > 0 && (copy = malloc(len)) == NULL)
		return store_fail(st, STORE_ERR_IO, errstr, "out of memory");
	if (len > 0)
		memcpy(copy, data, len);
	free(m->data);
	m->data = copy;
	m->len = len;
	if (len > 0)
		snprintf(m->name, sizeof(m->name), "%s", name);
	else
		m->name[0] = '\0';
	return 0;
}

int
store_meta_get(struct store *st, const char *name, uint8_t **data,
    size_t *len, const char **errstr)
{
	uint8_t key[STORE_META_NAME_MAX + 1];
	struct store_meta *m;
	size_t klen;

	*data = NULL;
	*len = 0;
	if (st == NULL || (klen = store_meta_key(name, key)) == 0)
		return store_fail(st, STORE_ERR_INVALID, errstr,
		    "bad record name");
	if (st->ops->raw_get != NULL) {
		if (st->ops->raw_get(st->be, key, klen, data, len,
		    errstr) == -1)
			return store_fail(st, STORE_ERR_IO, errstr, NULL);
		if (*len > STORE_META_MAX) {
			free(*data);
			*data = NULL;
			*len = 0;
			return store_fail(st, STORE_ERR_IO, errstr,
			    "named record larger than its maximum");
		}
		return 0;
	}
	if ((m = store_meta_slot(st, name, 0)) == NULL)
		return 0;
	if ((*data = malloc(m->len)) == NULL)
		return store_fail(st, STORE_ERR_IO, errstr, "out of memory");
	memcpy(*data, m->data, m->len);
	*len = m->len;
	return 0;
}

/*
 * store_ldb — the LevelDB backend: key layout, record codec, schema check,
 * open and close, puts and the in-memory counters.  With store_ldb_walk.c
 * (paged gets, the expiry sweep, key listing) and store_ldb_mig.c (per-key
 * counts, migration) the only files that include leveldb/c.h.  The layout
 * is documented in docs/STORAGE.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leveldb/c.h>

#include "bytes.h"
#include "keccak.h"
#include "store.h"
#include "store_impl.h"
#include "store_ldb_impl.h"

#define LDB_SCHEMA_MAX_DIGITS	9
#define LDB_CACHE_BYTES		(8u << 20)
#define LDB_BLOOM_BITS		10
#define LDB_MAX_OPEN_FILES	500	/* see docs/STORAGE.md */

void
store_ldb_vkey(uint8_t out[LDB_VKEY_LEN], const uint8_t *key,
    const uint8_t *hash)
{
	out[0] = LDB_PREFIX_VALUE;
	memcpy(out + 1, key, ID_LEN);
	memcpy(out + LDB_KPREFIX_LEN, hash, KECCAK256_LEN);
}

void
store_ldb_okey(uint8_t out[LDB_OKEY_LEN], const uint8_t *key,
    int64_t created_ms, const uint8_t *hash)
{
	out[0] = LDB_PREFIX_ORDER;
	memcpy(out + 1, key, ID_LEN);
	bytes_put_be64(out + LDB_KPREFIX_LEN, (uint64_t)created_ms);
	memcpy(out + LDB_KPREFIX_LEN + 8, hash, KECCAK256_LEN);
}

void
store_ldb_oval(uint8_t out[LDB_OVAL_LEN], uint32_t len, int64_t expires_ms)
{
	bytes_put_be32(out, len);
	bytes_put_be64(out + 4, (uint64_t)expires_ms);
}

int
store_ldb_oent(const uint8_t *k, size_t klen, const uint8_t *val,
    size_t vlen, struct store_digest *d)
{
	if (klen != LDB_OKEY_LEN || vlen != LDB_OVAL_LEN)
		return -1;
	d->created_ms = (int64_t)bytes_get_be64(k + LDB_KPREFIX_LEN);
	d->len = bytes_get_be32(val);
	d->expires_ms = (int64_t)bytes_get_be64(val + 4);
	if (d->created_ms < 0 || d->expires_ms < 0 || d->len < 1 ||
	    d->len > EMO_MAX_VALUE)
		return -1;
	memcpy(d->hash, k + LDB_KPREFIX_LEN + 8, KECCAK256_LEN);
	return 0;
}

void
store_ldb_ekey(uint8_t out[LDB_EKEY_LEN], int64_t expires_ms,
    const uint8_t *key, const uint8_t *hash)
{
	out[0] = LDB_PREFIX_EXPIRY;
	bytes_put_be64(out + 1, (uint64_t)expires_ms);
	memcpy(out + 9, key, ID_LEN);
	memcpy(out + 9 + ID_LEN, hash, KECCAK256_LEN);
}

void
store_ldb_batch_value(struct ldb *l, const struct store_put_req *r,
    const uint8_t *vkey, int64_t created_ms, int64_t expires_ms)
{
	uint8_t	ekey[LDB_EKEY_LEN];
	size_t	hdr = STORE_RECORD_HDR_LEN, alen;

	l->rec[0] = STORE_RECORD_VERSION;
	bytes_put_be64(l->rec + 1, (uint64_t)created_ms);
	bytes_put_be64(l->rec + 9, (uint64_t)expires_ms);
	/* A plain value keeps the version 1 record. */
	if ((alen = sigval_attr_encode(r->attr, l->rec + hdr + 1)) > 0) {
		l->rec[0] = STORE_RECORD_VERSION_ATTR;
		l->rec[hdr] = (uint8_t)alen;
		hdr += 1 + alen;
	}
	memcpy(l->rec + hdr, r->data, r->len);
	store_ldb_batch_record(l, vkey, l->rec, hdr + (size_t)r->len);
	store_ldb_ekey(ekey, expires_ms, r->key, vkey + LDB_KPREFIX_LEN);
	leveldb_writebatch_put(l->wb, (const char *)ekey, sizeof(ekey), "", 0);
}

/*
 * Adds the put's value record and its expiry and order index entries to
 * the batch.
 */
static void
ldb_batch_value(struct ldb *l, const struct store_put_req *r,
    const uint8_t *vkey, int64_t created_ms, int64_t expires_ms)
{
	uint8_t	okey[LDB_OKEY_LEN], oval[LDB_OVAL_LEN];

	store_ldb_batch_value(l, r, vkey, created_ms, expires_ms);
	store_ldb_okey(okey, r->key, created_ms, vkey + LDB_KPREFIX_LEN);
	store_ldb_oval(oval, r->len, expires_ms);
	leveldb_writebatch_put(l->wb, (const char *)okey, sizeof(okey),
	    (const char *)oval, sizeof(oval));
}

int
store_ldb_decode_record(const uint8_t *buf, size_t len, struct store_value *v,
    const char **errstr)
{
	int64_t	created, expires;
	size_t	hdr = STORE_RECORD_HDR_LEN;

	if (buf == NULL || len <= STORE_RECORD_HDR_LEN) {
		*errstr = "record too short";
		return -1;
	}
	if (len > STORE_RECORD_MAX_LEN) {
		*errstr = "record too long";
		return -1;
	}
	if (buf[0] != STORE_RECORD_VERSION &&
	    buf[0] != STORE_RECORD_VERSION_ATTR) {
		*errstr = "unknown record version";
		return -1;
	}
	memset(&v->attr, 0, sizeof(v->attr));
	if (buf[0] == STORE_RECORD_VERSION_ATTR) {
		if (buf[hdr] == 0 || len <= hdr + 1 + (size_t)buf[hdr] ||
		    sigval_attr_decode(buf + hdr + 1, buf[hdr], &v->attr,
		    errstr) == -1) {
			if (buf[hdr] == 0 || len <= hdr + 1 + (size_t)buf[hdr])
				*errstr = "bad value attributes";
			return -1;
		}
		hdr += 1 + (size_t)buf[hdr];
	}
	created = (int64_t)bytes_get_be64(buf + 1);
	expires = (int64_t)bytes_get_be64(buf + 9);
	if (created < 0 || expires < 0) {
		*errstr = "negative timestamp in record";
		return -1;
	}
	if (len - hdr > EMO_MAX_VALUE) {
		*errstr = "record too long";
		return -1;
	}
	v->data = (uint8_t *)buf + hdr;
	v->len = (uint32_t)(len - hdr);
	v->created_ms = created;
	v->expires_ms = expires;
	return 0;
}

/* Keeps LevelDB's message for the caller; valid until the next call. */
int
store_ldb_fail(struct ldb *l, const char *what, char *lerr,
    const char **errstr)
{
	snprintf(l->lasterr, sizeof(l->lasterr), "%s: %s", what,
	    lerr != NULL ? lerr : "unknown error");
	leveldb_free(lerr);
	*errstr = l->lasterr;
	return -1;
}

/* Checks the iterator's status, destroys it; -1 with *errstr on error. */
int
store_ldb_iter_done(struct ldb *l, leveldb_iterator_t *it, const char *what,
    const char **errstr)
{
	char	*lerr = NULL;

	leveldb_iter_get_error(it, &lerr);
	leveldb_iter_destroy(it);
	if (lerr != NULL)
		return store_ldb_fail(l, what, lerr, errstr);
	return 0;
}

/* The iterator's key, if it is a record (any length) under the key prefix. */
const uint8_t *
store_ldb_iter_under(leveldb_iterator_t *it, const uint8_t *prefix,
    size_t plen, size_t *klen)
{
	const uint8_t	*k;

	if (!leveldb_iter_valid(it))
		return NULL;
	k = (const uint8_t *)leveldb_iter_key(it, klen);
	if (*klen < plen || memcmp(k, prefix, plen) != 0)
		return NULL;
	return k;
}

static void
ldb_close(void *be)
{
	struct ldb	*l = be;

	if (l == NULL)
		return;
	if (l->db != NULL)
		leveldb_close(l->db);
	if (l->wb != NULL)
		leveldb_writebatch_destroy(l->wb);
	if (l->wo != NULL)
		leveldb_writeoptions_destroy(l->wo);
	if (l->wo_sync != NULL)
		leveldb_writeoptions_destroy(l->wo_sync);
	if (l->ro != NULL)
		leveldb_readoptions_destroy(l->ro);
	if (l->ro_scan != NULL)
		leveldb_readoptions_destroy(l->ro_scan);
	if (l->opts != NULL)
		leveldb_options_destroy(l->opts);
	/* The options referred to these: destroy them last. */
	if (l->filter != NULL)
		leveldb_filterpolicy_destroy(l->filter);
	if (l->cache != NULL)
		leveldb_cache_destroy(l->cache);
	atrest_free(l->ar);
	free(l->pg);
	free(l);
}

static void
ldb_open_error(const char *dir, const char *lerr, char *err, size_t errlen)
{
	/*
	 * LevelDB says "IO error: lock DIR/LOCK: Resource temporarily
	 * unavailable" (another process) or "...: already held by process".
	 */
	if (strncmp(lerr, "IO error: lock ", 15) == 0)
		snprintf(err, errlen, "data directory %s is locked: in use by "
		    "another process (%s)", dir, lerr);
	else if (strncmp(lerr, "Corruption:", 11) == 0)
		snprintf(err, errlen, "corrupt database in %s: %s", dir, lerr);
	else
		snprintf(err, errlen, "cannot open database in %s: %s", dir,
		    lerr);
}

int
store_ldb_schema_put(struct ldb *l, int version, const char **errstr)
{
	char	buf[16];
	int	rc;

	/* After what l->wb holds already (the at-rest marker), synced. */
	snprintf(buf, sizeof(buf), "%d", version);
	leveldb_writebatch_put(l->wb, LDB_SCHEMA_KEY, LDB_SCHEMA_KEY_LEN,
	    buf, strlen(buf));
	rc = store_ldb_write(l, l->wo_sync, errstr);
	leveldb_writebatch_clear(l->wb);
	return rc;
}

static int
ldb_check_schema(struct ldb *l, const char *dir, char *err, size_t errlen)
{
	leveldb_iterator_t	*it;
	const char		*why;
	char			*lerr = NULL, *val;
	size_t			 vlen, i;
	unsigned long		 version;
	int			 empty;

	it = leveldb_create_iterator(l->db, l->ro_scan);
	leveldb_iter_seek_to_first(it);
	empty = !leveldb_iter_valid(it);
	leveldb_iter_get_error(it, &lerr);
	leveldb_iter_destroy(it);
	if (lerr != NULL)
		goto lfail;
	if (empty) {
		leveldb_writebatch_clear(l->wb);
		store_ldb_mark_batch(l);
		if (store_ldb_schema_put(l, STORE_SCHEMA_VERSION, &why) == -1) {
			snprintf(err, errlen, "cannot write the schema record "
			    "in %s: %s", dir, why);
			return -1;
		}
		return 0;
	}
	val = leveldb_get(l->db, l->ro, LDB_SCHEMA_KEY, LDB_SCHEMA_KEY_LEN,
	    &vlen, &lerr);
	if (lerr != NULL)
		goto lfail;
	if (val == NULL) {
		snprintf(err, errlen, "%s is not an emo store (no schema "
		    "record)", dir);
		return -1;
	}
	version = 0;
	for (i = 0; i < vlen; i++) {
		if (val[i] < '0' || val[i] > '9')
			break;
		version = version * 10 + (unsigned long)(val[i] - '0');
	}
	leveldb_free(val);
	if (vlen == 0 || vlen > LDB_SCHEMA_MAX_DIGITS || i != vlen) {
		snprintf(err, errlen, "bad schema record in %s (not a decimal "
		    "version)", dir);
		return -1;
	}
	if (version >= 1 && version <= STORE_SCHEMA_VERSION) {
		if (store_ldb_mark_check(l, dir, err, errlen) == -1)
			return -1;
	}
	/* Values under the old hash (and, schema 1, no order index). */
	if (version == 1 || version == 2)
		return store_ldb_migrate(l, dir, (int)version, err, errlen);
	if (version != STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "unknown schema version %lu in %s "
		    "(this emod reads version %d)", version, dir,
		    STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;

lfail:
	ldb_open_error(dir, lerr, err, errlen);
	leveldb_free(lerr);
	return -1;
}

/*
 * One scan of the order index at open (entries, no value bytes);
 * afterwards every mutation keeps the counters.  Keys are those with a
 * count record above zero.
 */
static int
ldb_count(struct ldb *l, const char *dir, char *err, size_t errlen)
{
	leveldb_iterator_t	*it;
	struct store_digest	 d;
	const uint8_t		*k, *val;
	const char		*why;
	uint8_t			 prefix[2] = { LDB_PREFIX_ORDER, LDB_PREFIX_COUNT };
	size_t			 klen, vlen, i;

	it = leveldb_create_iterator(l->db, l->ro_scan);
	for (i = 0; i < sizeof(prefix); i++) {
		leveldb_iter_seek(it, (const char *)&prefix[i], 1);
		for (; (k = store_ldb_iter_under(it, &prefix[i], 1, &klen)) !=
		    NULL; leveldb_iter_next(it)) {
			val = (const uint8_t *)leveldb_iter_value(it, &vlen);
			if (prefix[i] == LDB_PREFIX_COUNT) {
				if (klen == LDB_CKEY_LEN && vlen ==
				    LDB_CVAL_LEN && bytes_get_be32(val) > 0)
					l->st.keys++;
				continue;
			}
			if (store_ldb_oent(k, klen, val, vlen, &d) == -1)
				continue;
			l->st.values++;
			l->st.bytes += d.len;
		}
	}
	if (store_ldb_iter_done(l, it, "scan", &why) == -1) {
		snprintf(err, errlen, "cannot read database in %s: %s", dir,
		    why);
		return -1;
	}
	return 0;
}

static void *
ldb_open(const struct store_opts *o, char *err, size_t errlen)
{
	struct ldb	*l;
	char		*lerr = NULL;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->cache = leveldb_cache_create_lru(LDB_CACHE_BYTES);
	l->filter = leveldb_filterpolicy_create_bloom(LDB_BLOOM_BITS);
	l->opts = leveldb_options_create();
	leveldb_options_set_create_if_missing(l->opts, 1);
	leveldb_options_set_paranoid_checks(l->opts, 0);
	leveldb_options_set_cache(l->opts, l->cache);
	leveldb_options_set_filter_policy(l->opts, l->filter);
	leveldb_options_set_max_open_files(l->opts, LDB_MAX_OPEN_FILES);
	l->ro = leveldb_readoptions_create();
	l->ro_scan = leveldb_readoptions_create();
	leveldb_readoptions_set_fill_cache(l->ro_scan, 0);
	l->wo = leveldb_writeoptions_create();
	leveldb_writeoptions_set_sync(l->wo, o->sync ? 1 : 0);
	l->wo_sync = leveldb_writeoptions_create();
	leveldb_writeoptions_set_sync(l->wo_sync, 1);
	l->wb = leveldb_writebatch_create();
	if (o->atrest_key != NULL &&
	    (l->ar = atrest_new(o->atrest_key)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

	l->db = leveldb_open(l->opts, o->dir, &lerr);
	if (l->db == NULL || lerr != NULL) {
		ldb_open_error(o->dir, lerr != NULL ? lerr : "unknown error",
		    err, errlen);
		leveldb_free(lerr);
		goto fail;
	}
	if (ldb_check_schema(l, o->dir, err, errlen) == -1)
		goto fail;
	if (ldb_count(l, o->dir, err, errlen) == -1)
		goto fail;
	return l;

fail:
	ldb_close(l);
	return NULL;
}

int
store_ldb_write(struct ldb *l, leveldb_writeoptions_t *wo,
    const char **errstr)
{
	char	*lerr = NULL;

	leveldb_write(l->db, wo, l->wb, &lerr);
	if (lerr != NULL)
		return store_ldb_fail(l, "write", lerr, errstr);
	return 0;
}

/*
 * A put of bytes the key holds live already: one point read, which the
 * bloom filters make cheap, settles it without a scan of the key.  Other
 * live bytes under the same hash are a collision, refused.  Returns
 * STORE_PUT_REFRESHED, 0 when the put is no refresh, or -1.
 */
static int
ldb_refresh(struct ldb *l, const struct store_put_req *r,
    const uint8_t *vkey, const char **errstr)
{
	struct store_value	 v;
	const char		*why;
	char			*rec, *lerr = NULL;
	uint8_t			 ekey[LDB_EKEY_LEN];
	size_t			 rlen;
	int64_t			 exp;
	int			 rc = 0;

	rec = leveldb_get(l->db, l->ro, (const char *)vkey, LDB_VKEY_LEN,
	    &rlen, &lerr);
	if (lerr != NULL)
		return store_ldb_fail(l, "read", lerr, errstr);
	if (rec == NULL || store_ldb_record(l, vkey, LDB_VKEY_LEN,
	    (const uint8_t *)rec, rlen, &v, &why) == -1 ||
	    v.expires_ms <= r->now_ms)
		goto done;
	if (v.len != r->len || memcmp(v.data, r->data, r->len) != 0 ||
	    !sigval_attr_equal(&v.attr, r->attr)) {
		*errstr = "value hash collision";
		rc = -1;
		goto done;
	}
	rc = STORE_PUT_REFRESHED;
	if ((exp = store_refresh_expiry(r, v.created_ms)) <= v.expires_ms)
		goto done;
	/*
	 * Raise the expiry, keep the creation time (so the order index key
	 * stays; its entry is rewritten).  The expiry entry moves up, so
	 * exp_floor stays below it.
	 */
	store_ldb_ekey(ekey, v.expires_ms, r->key, vkey + LDB_KPREFIX_LEN);
	leveldb_writebatch_delete(l->wb, (const char *)ekey, sizeof(ekey));
	ldb_batch_value(l, r, vkey, v.created_ms, exp);
	if (store_ldb_write(l, l->wo, errstr) == -1)
		rc = -1;
done:
	leveldb_free(rec);
	return rc;
}

/*
 * A new value: one walk of the key's order index (entries, no value
 * bytes) counts the live values for the quota and drops the expired
 * ones, record and both index entries, in the same batch as the new
 * value and the key's new count.
 */
static int
ldb_put(void *be, const struct store_put_req *r, const char **errstr)
{
	struct ldb		*l = be;
	leveldb_iterator_t	*it;
	struct store_digest	 d;
	const uint8_t		*k, *val;
	const uint8_t		*hash = r->hash;
	uint8_t			 prefix[LDB_KPREFIX_LEN];
	uint8_t			 vkey[LDB_VKEY_LEN], ekey[LDB_EKEY_LEN];
	uint64_t		 valid = 0, live = 0, dropped = 0, dbytes = 0;
	size_t			 klen, vlen;
	int			 rc;

	store_ldb_vkey(vkey, r->key, hash);
	leveldb_writebatch_clear(l->wb);
	store_ldb_changed(l, r->key);
	if ((rc = ldb_refresh(l, r, vkey, errstr)) != 0)
		return rc;

	prefix[0] = LDB_PREFIX_ORDER;
	memcpy(prefix + 1, r->key, ID_LEN);
	it = leveldb_create_iterator(l->db, l->ro);
	leveldb_iter_seek(it, (const char *)prefix, sizeof(prefix));
	for (; (k = store_ldb_iter_under(it, prefix, sizeof(prefix),
	    &klen)) != NULL; leveldb_iter_next(it)) {
		val = (const uint8_t *)leveldb_iter_value(it, &vlen);
		if (store_ldb_oent(k, klen, val, vlen, &d) == -1) {
			/* Unreadable and never served: let it go. */
			leveldb_writebatch_delete(l->wb, (const char *)k, klen);
			continue;
		}
		valid++;
		if (d.expires_ms > r->now_ms) {
			live++;
			continue;
		}
		store_ldb_vkey(vkey, r->key, d.hash);
		store_ldb_ekey(ekey, d.expires_ms, r->key, d.hash);
		leveldb_writebatch_delete(l->wb, (const char *)k, klen);
		leveldb_writebatch_delete(l->wb, (const char *)vkey,
		    sizeof(vkey));
		leveldb_writebatch_delete(l->wb, (const char *)ekey,
		    sizeof(ekey));
		dropped++;
		dbytes += d.len;
	}
	if (store_ldb_iter_done(l, it, "read", errstr) == -1)
		return -1;
	if (store_quota_check(r, live, l->st.bytes - dbytes + r->len,
	    errstr) == -1)
		return STORE_BE_QUOTA;
	store_ldb_vkey(vkey, r->key, hash);
	ldb_batch_value(l, r, vkey, r->created_ms, r->expires_ms);
	store_ldb_count_put(l, r->key, (uint32_t)live + 1);
	if (store_ldb_write(l, l->wo, errstr) == -1)
		return -1;

	if (r->expires_ms < l->exp_floor)
		l->exp_floor = r->expires_ms;
	l->st.values -= dropped;
	l->st.bytes -= dbytes;
	l->st.values++;
	l->st.bytes += r->len;
	if (valid == 0)
		l->st.keys++;
	return STORE_PUT_NEW;
}


static int
ldb_flush(void *be, const char **errstr)
{
	struct ldb	*l = be;

	/* An empty synced batch fsyncs the log, covering all earlier writes. */
	leveldb_writebatch_clear(l->wb);
	return store_ldb_write(l, l->wo_sync, errstr);
}

static void
ldb_stats(void *be, struct store_stats *s)
{
	struct ldb	*l = be;

	*s = l->st;
}

static int
ldb_raw_put(void *be, const void *key, size_t klen, const void *val,
    size_t vlen, const char **errstr)
{
	struct ldb	*l = be;
	uint8_t		*sealed;
	size_t		 slen;
	char		*lerr = NULL;

	store_ldb_changed(l, NULL);
	if (store_ldb_meta_seal(l, key, klen, val, vlen, &sealed,
	    &slen) == -1) {
		*errstr = "out of memory";
		return -1;
	}
	if (val == NULL)
		leveldb_delete(l->db, l->wo_sync, key, klen, &lerr);
	else
		leveldb_put(l->db, l->wo_sync, key, klen, sealed != NULL ?
		    (const char *)sealed : val, slen, &lerr);
	free(sealed);
	if (lerr != NULL)
		return store_ldb_fail(l, "raw write", lerr, errstr);
	return 0;
}

static int
ldb_raw_get(void *be, const void *key, size_t klen, uint8_t **val,
    size_t *vlen, const char **errstr)
{
	struct ldb	*l = be;
	char		*lerr = NULL, *v;
	size_t		 n = 0;

	*val = NULL;
	*vlen = 0;
	v = leveldb_get(l->db, l->ro, key, klen, &n, &lerr);
	if (lerr != NULL)
		return store_ldb_fail(l, "raw read", lerr, errstr);
	if (v == NULL)
		return 0;
	if ((*val = malloc(n > 0 ? n : 1)) == NULL) {
		leveldb_free(v);
		*errstr = "out of memory";
		return -1;
	}
	memcpy(*val, v, n);
	*vlen = n;
	leveldb_free(v);
	return store_ldb_meta_open(l, key, klen, val, vlen, errstr);
}

const struct store_ops store_ldb_ops = {
	.name = "leveldb",
	.open = ldb_open,
	.close = ldb_close,
	.put = ldb_put,
	.get = store_ldb_get,
	.expire = store_ldb_expire,
	.keys = store_ldb_keys,
	.flush = ldb_flush,
	.stats = ldb_stats,
	.del = store_ldb_del,
	.raw_put = ldb_raw_put,
	.digests = store_ldb_digests,
	.get_hash = store_ldb_get_hash,
	.raw_get = ldb_raw_get,
};

/*
 * store_ldb — the LevelDB backend and the only file that includes
 * leveldb/c.h: key layout, record codec, expiry index, schema check and
 * the in-memory counters.  The layout is documented in docs/STORAGE.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leveldb/c.h>

#include "bytes.h"
#include "keccak.h"
#include "store.h"
#include "store_impl.h"

#define LDB_PREFIX_VALUE	'v'
#define LDB_PREFIX_EXPIRY	'e'
#define LDB_SCHEMA_KEY		"\0schema"
#define LDB_SCHEMA_KEY_LEN	(sizeof(LDB_SCHEMA_KEY) - 1)
#define LDB_SCHEMA_MAX_DIGITS	9
#define LDB_KPREFIX_LEN		(1 + ID_LEN)
#define LDB_VKEY_LEN		(1 + ID_LEN + KECCAK256_LEN)
#define LDB_EKEY_LEN		(1 + 8 + ID_LEN + KECCAK256_LEN)
#define LDB_CACHE_BYTES		(8u << 20)
#define LDB_BLOOM_BITS		10
#define LDB_MAX_OPEN_FILES	500	/* see docs/STORAGE.md */
#define LDB_WALK_STEPS		8	/* nexts before a seek is cheaper */
#define LDB_EXPIRE_CHUNK	256	/* values deleted per write batch */
#define LDB_ERR_LEN		256

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
	struct store_ent	*ents;		/* paged reads; kept, grown */
	size_t			 entcap;
	char			 lasterr[LDB_ERR_LEN];
	uint8_t			 gone[LDB_EXPIRE_CHUNK][ID_LEN];
	uint8_t			 rec[STORE_RECORD_MAX_LEN];
};

static void
ldb_vkey(uint8_t out[LDB_VKEY_LEN], const uint8_t *key, const uint8_t *hash)
{
	out[0] = LDB_PREFIX_VALUE;
	memcpy(out + 1, key, ID_LEN);
	memcpy(out + LDB_KPREFIX_LEN, hash, KECCAK256_LEN);
}

static void
ldb_ekey(uint8_t out[LDB_EKEY_LEN], int64_t expires_ms, const uint8_t *key,
    const uint8_t *hash)
{
	out[0] = LDB_PREFIX_EXPIRY;
	bytes_put_be64(out + 1, (uint64_t)expires_ms);
	memcpy(out + 9, key, ID_LEN);
	memcpy(out + 9 + ID_LEN, hash, KECCAK256_LEN);
}

/* Adds the put's value record and its expiry index entry to the batch. */
static void
ldb_batch_value(struct ldb *l, const struct store_put_req *r,
    const uint8_t *vkey, int64_t created_ms, int64_t expires_ms)
{
	uint8_t	ekey[LDB_EKEY_LEN];

	l->rec[0] = STORE_RECORD_VERSION;
	bytes_put_be64(l->rec + 1, (uint64_t)created_ms);
	bytes_put_be64(l->rec + 9, (uint64_t)expires_ms);
	memcpy(l->rec + STORE_RECORD_HDR_LEN, r->data, r->len);
	leveldb_writebatch_put(l->wb, (const char *)vkey, LDB_VKEY_LEN,
	    (const char *)l->rec, STORE_RECORD_HDR_LEN + (size_t)r->len);
	ldb_ekey(ekey, expires_ms, r->key, vkey + LDB_KPREFIX_LEN);
	leveldb_writebatch_put(l->wb, (const char *)ekey, sizeof(ekey), "", 0);
}

int
store_ldb_decode_record(const uint8_t *buf, size_t len, struct store_value *v,
    const char **errstr)
{
	int64_t	created, expires;

	if (buf == NULL || len <= STORE_RECORD_HDR_LEN) {
		*errstr = "record too short";
		return -1;
	}
	if (len > STORE_RECORD_MAX_LEN) {
		*errstr = "record too long";
		return -1;
	}
	if (buf[0] != STORE_RECORD_VERSION) {
		*errstr = "unknown record version";
		return -1;
	}
	created = (int64_t)bytes_get_be64(buf + 1);
	expires = (int64_t)bytes_get_be64(buf + 9);
	if (created < 0 || expires < 0) {
		*errstr = "negative timestamp in record";
		return -1;
	}
	v->data = (uint8_t *)buf + STORE_RECORD_HDR_LEN;
	v->len = (uint32_t)(len - STORE_RECORD_HDR_LEN);
	v->created_ms = created;
	v->expires_ms = expires;
	return 0;
}

/* Keeps LevelDB's message for the caller; valid until the next call. */
static int
ldb_fail(struct ldb *l, const char *what, char *lerr, const char **errstr)
{
	snprintf(l->lasterr, sizeof(l->lasterr), "%s: %s", what,
	    lerr != NULL ? lerr : "unknown error");
	leveldb_free(lerr);
	*errstr = l->lasterr;
	return -1;
}

/* Checks the iterator's status, destroys it; -1 with *errstr on error. */
static int
ldb_iter_done(struct ldb *l, leveldb_iterator_t *it, const char *what,
    const char **errstr)
{
	char	*lerr = NULL;

	leveldb_iter_get_error(it, &lerr);
	leveldb_iter_destroy(it);
	if (lerr != NULL)
		return ldb_fail(l, what, lerr, errstr);
	return 0;
}

/* The iterator's key, if it is a record (any length) under the key prefix. */
static const uint8_t *
ldb_iter_under(leveldb_iterator_t *it, const uint8_t *prefix, size_t plen,
    size_t *klen)
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
	free(l->ents);
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

static int
ldb_check_schema(struct ldb *l, const char *dir, char *err, size_t errlen)
{
	leveldb_iterator_t	*it;
	char			*lerr = NULL, *val, buf[16];
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
		snprintf(buf, sizeof(buf), "%d", STORE_SCHEMA_VERSION);
		leveldb_put(l->db, l->wo_sync, LDB_SCHEMA_KEY,
		    LDB_SCHEMA_KEY_LEN, buf, strlen(buf), &lerr);
		if (lerr != NULL)
			goto lfail;
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

/* One scan at open; afterwards every mutation keeps the counters. */
static int
ldb_count(struct ldb *l, const char *dir, char *err, size_t errlen)
{
	leveldb_iterator_t	*it;
	const uint8_t		*k, *val;
	const char		*why;
	struct store_value	 v;
	uint8_t			 last[ID_LEN], prefix = LDB_PREFIX_VALUE;
	size_t			 klen, vlen;
	int			 have_last = 0;

	it = leveldb_create_iterator(l->db, l->ro_scan);
	leveldb_iter_seek(it, (const char *)&prefix, 1);
	for (; (k = ldb_iter_under(it, &prefix, 1, &klen)) != NULL;
	    leveldb_iter_next(it)) {
		if (klen != LDB_VKEY_LEN)
			continue;
		val = (const uint8_t *)leveldb_iter_value(it, &vlen);
		if (store_ldb_decode_record(val, vlen, &v, &why) == -1)
			continue;
		l->st.values++;
		l->st.bytes += v.len;
		if (!have_last || memcmp(last, k + 1, ID_LEN) != 0) {
			l->st.keys++;
			memcpy(last, k + 1, ID_LEN);
			have_last = 1;
		}
	}
	if (ldb_iter_done(l, it, "scan", &why) == -1) {
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

static int
ldb_write(struct ldb *l, leveldb_writeoptions_t *wo, const char **errstr)
{
	char	*lerr = NULL;

	leveldb_write(l->db, wo, l->wb, &lerr);
	if (lerr != NULL)
		return ldb_fail(l, "write", lerr, errstr);
	return 0;
}

/*
 * A put of bytes the key holds live already: one point read, which the
 * bloom filters make cheap, settles it without a scan of the key.
 * Returns STORE_PUT_REFRESHED, 0 when the put is no refresh, or -1.
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
	int			 rc = 0;

	rec = leveldb_get(l->db, l->ro, (const char *)vkey, LDB_VKEY_LEN,
	    &rlen, &lerr);
	if (lerr != NULL)
		return ldb_fail(l, "read", lerr, errstr);
	if (rec == NULL || store_ldb_decode_record((const uint8_t *)rec, rlen,
	    &v, &why) == -1 || v.expires_ms <= r->now_ms ||
	    v.len != r->len || memcmp(v.data, r->data, r->len) != 0)
		goto done;
	rc = STORE_PUT_REFRESHED;
	if (r->expires_ms <= v.expires_ms)
		goto done;
	/*
	 * Raise the expiry, keep the creation time.  The index entry moves
	 * up, so exp_floor stays below it.
	 */
	ldb_ekey(ekey, v.expires_ms, r->key, vkey + LDB_KPREFIX_LEN);
	leveldb_writebatch_delete(l->wb, (const char *)ekey, sizeof(ekey));
	ldb_batch_value(l, r, vkey, v.created_ms, r->expires_ms);
	if (ldb_write(l, l->wo, errstr) == -1)
		rc = -1;
done:
	leveldb_free(rec);
	return rc;
}

static int
ldb_put(void *be, const struct store_put_req *r, const char **errstr)
{
	struct ldb		*l = be;
	leveldb_iterator_t	*it;
	struct store_value	 v;
	const uint8_t		*k, *val;
	const char		*why;
	uint8_t			 hash[KECCAK256_LEN], prefix[LDB_KPREFIX_LEN];
	uint8_t			 vkey[LDB_VKEY_LEN], ekey[LDB_EKEY_LEN];
	uint64_t		 valid = 0, live = 0, dropped = 0, dbytes = 0;
	size_t			 klen, vlen;
	int			 rc, collision = 0;

	keccak256(r->data, r->len, hash);
	ldb_vkey(vkey, r->key, hash);
	leveldb_writebatch_clear(l->wb);
	if ((rc = ldb_refresh(l, r, vkey, errstr)) != 0)
		return rc;

	/* What the key holds now; expired values go in the same batch. */
	prefix[0] = LDB_PREFIX_VALUE;
	memcpy(prefix + 1, r->key, ID_LEN);
	it = leveldb_create_iterator(l->db, l->ro);
	leveldb_iter_seek(it, (const char *)prefix, sizeof(prefix));
	for (; (k = ldb_iter_under(it, prefix, sizeof(prefix), &klen)) != NULL;
	    leveldb_iter_next(it)) {
		val = (const uint8_t *)leveldb_iter_value(it, &vlen);
		if (klen != LDB_VKEY_LEN ||
		    store_ldb_decode_record(val, vlen, &v, &why) == -1) {
			/* Unreadable and never served: let it go. */
			leveldb_writebatch_delete(l->wb, (const char *)k, klen);
			continue;
		}
		valid++;
		if (v.expires_ms <= r->now_ms) {
			ldb_ekey(ekey, v.expires_ms, r->key, k + LDB_KPREFIX_LEN);
			leveldb_writebatch_delete(l->wb, (const char *)k, klen);
			leveldb_writebatch_delete(l->wb, (const char *)ekey,
			    sizeof(ekey));
			dropped++;
			dbytes += v.len;
			continue;
		}
		live++;
		/* Not a refresh, so other bytes under the same hash. */
		if (memcmp(k + LDB_KPREFIX_LEN, hash, sizeof(hash)) == 0)
			collision = 1;
	}
	if (ldb_iter_done(l, it, "read", errstr) == -1)
		return -1;
	if (collision) {
		*errstr = "value hash collision";
		return -1;
	}
	if (store_quota_check(r, live, l->st.bytes - dbytes + r->len,
	    errstr) == -1)
		return STORE_BE_QUOTA;
	ldb_batch_value(l, r, vkey, r->created_ms, r->expires_ms);
	if (ldb_write(l, l->wo, errstr) == -1)
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

/* For a paged read: the key, and an iterator per side of a comparison. */
struct ldb_page {
	struct ldb		*l;
	const uint8_t		*key;
	leveldb_iterator_t	*it[2];
	int			 failed;
};

/*
 * Positions it on e's record and decodes it.  When it is before the
 * record, up to `steps` nexts get there instead of a seek.
 */
static int
ldb_seek_ent(leveldb_iterator_t *it, const uint8_t *key,
    const struct store_ent *e, int steps, struct store_value *v)
{
	const uint8_t	*k, *val;
	const char	*why;
	uint8_t		 vkey[LDB_VKEY_LEN];
	size_t		 klen, vlen;

	ldb_vkey(vkey, key, e->id);
	while ((k = ldb_iter_under(it, vkey, LDB_KPREFIX_LEN, &klen)) !=
	    NULL && klen == sizeof(vkey) && memcmp(k, vkey, klen) < 0 &&
	    steps-- > 0)
		leveldb_iter_next(it);
	if (k == NULL || klen != sizeof(vkey) || memcmp(k, vkey, klen) != 0) {
		leveldb_iter_seek(it, (const char *)vkey, sizeof(vkey));
		if (ldb_iter_under(it, vkey, sizeof(vkey), &klen) == NULL ||
		    klen != sizeof(vkey))
			return -1;
	}
	val = (const uint8_t *)leveldb_iter_value(it, &vlen);
	return store_ldb_decode_record(val, vlen, v, &why);
}

/* Full comparison for ties the first bytes leave open: reads both. */
static int
ldb_ent_cmp(const void *pa, const void *pb, void *arg)
{
	struct ldb_page		*pg = arg;
	const struct store_ent	*a = pa, *b = pb;
	struct store_value	 va, vb;

	if (pg->it[1] == NULL)
		pg->it[1] = leveldb_create_iterator(pg->l->db, pg->l->ro);
	if (ldb_seek_ent(pg->it[0], pg->key, a, 0, &va) == -1 ||
	    ldb_seek_ent(pg->it[1], pg->key, b, 0, &vb) == -1) {
		pg->failed = 1;
		return memcmp(a->id, b->id, KECCAK256_LEN);
	}
	return store_value_cmp(&va, &vb);
}

/*
 * One pass over the key's records notes what each matching one needs for
 * ordering (no value bytes but the first STORE_TIE_LEN); after sorting,
 * a forward walk reads only the page's records again and copies them.
 * Most keys fit in one page, so while the page can still hold every match
 * (offset 0, at most max so far) the pass copies them instead; past that
 * it drops the copies (at most max) and starts over taking notes.
 */
static int
ldb_get(void *be, const uint8_t *key, int64_t since_ms, int64_t now_ms,
    size_t offset, size_t max, struct store_result *res, size_t *total,
    const char **errstr)
{
	struct ldb		*l = be;
	struct ldb_page		 pg;
	struct store_ent	*e;
	struct store_value	 v;
	const uint8_t		*k, *val;
	const char		*why, *fail = "out of memory";
	uint8_t			 prefix[LDB_KPREFIX_LEN];
	size_t			 klen, vlen, n = 0, want, cap = 0;
	int			 rc = -1, spec = offset == 0 && max > 0;

	memset(&pg, 0, sizeof(pg));
	pg.l = l;
	pg.key = key;
	prefix[0] = LDB_PREFIX_VALUE;
	memcpy(prefix + 1, key, ID_LEN);
	pg.it[0] = leveldb_create_iterator(l->db, l->ro);
restart:
	leveldb_iter_seek(pg.it[0], (const char *)prefix, sizeof(prefix));
	for (; (k = ldb_iter_under(pg.it[0], prefix, sizeof(prefix), &klen)) !=
	    NULL; leveldb_iter_next(pg.it[0])) {
		val = (const uint8_t *)leveldb_iter_value(pg.it[0], &vlen);
		if (klen != LDB_VKEY_LEN ||
		    store_ldb_decode_record(val, vlen, &v, &why) == -1 ||
		    v.expires_ms <= now_ms || v.created_ms < since_ms)
			continue;
		if (spec && ++n > max) {
			store_result_free(res);
			cap = n = 0;
			spec = 0;
			goto restart;
		}
		if (spec) {
			if (store_result_add(res, &cap, &v) == -1)
				goto done;
			continue;
		}
		if ((e = store_ent_add(&l->ents, &l->entcap, n++)) == NULL)
			goto done;
		e->created_ms = v.created_ms;
		e->len = v.len;
		memcpy(e->head, v.data, v.len < STORE_TIE_LEN ? v.len :
		    STORE_TIE_LEN);
		memcpy(e->id, k + LDB_KPREFIX_LEN, KECCAK256_LEN);
	}
	*total = n;
	if (spec || offset >= n || max == 0) {
		store_result_sort(res);
		rc = 0;
		goto done;
	}
	want = n - offset < max ? n - offset : max;
	store_ent_page(l->ents, n, offset, offset + want, ldb_ent_cmp, &pg);
	if ((res->v = calloc(want, sizeof(*res->v))) == NULL)
		goto done;
	res->n = want;
	for (e = &l->ents[offset]; !pg.failed && e < &l->ents[offset + want];
	    e++) {
		if (ldb_seek_ent(pg.it[0], key, e, LDB_WALK_STEPS, &v) == -1)
			pg.failed = 1;
		else if (store_value_copy(&res->v[e->slot], &v) == -1)
			goto done;
	}
	/* Seen in the first pass, unreadable now: LevelDB may say why. */
	if (pg.failed)
		fail = "value record unreadable on second read";
	else
		rc = 0;
done:
	if (rc == -1)
		*errstr = fail;
	if (ldb_iter_done(l, pg.it[0], "read", errstr) == -1)
		rc = -1;
	if (pg.it[1] != NULL && ldb_iter_done(l, pg.it[1], "read",
	    errstr) == -1)
		rc = -1;
	if (rc == -1)
		store_result_free(res);
	return rc;
}

static int
ldb_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, ID_LEN);
}

/* Whether any readable value is left under the key (counter upkeep). */
static int
ldb_key_has_value(leveldb_iterator_t *it, const uint8_t *key)
{
	struct store_value	 v;
	const uint8_t		*val;
	const char		*why;
	uint8_t			 prefix[LDB_KPREFIX_LEN];
	size_t			 klen, vlen;

	prefix[0] = LDB_PREFIX_VALUE;
	memcpy(prefix + 1, key, ID_LEN);
	leveldb_iter_seek(it, (const char *)prefix, sizeof(prefix));
	for (; ldb_iter_under(it, prefix, sizeof(prefix), &klen) != NULL;
	    leveldb_iter_next(it)) {
		val = (const uint8_t *)leveldb_iter_value(it, &vlen);
		if (klen == LDB_VKEY_LEN &&
		    store_ldb_decode_record(val, vlen, &v, &why) == 0)
			return 1;
	}
	return 0;
}

/* Writes one expiry batch of n values, then fixes the counters. */
static int
ldb_expire_commit(struct ldb *l, size_t n, uint64_t bytes,
    const char **errstr)
{
	leveldb_iterator_t	*it;
	size_t			 i;

	if (ldb_write(l, l->wo, errstr) == -1)
		return -1;
	leveldb_writebatch_clear(l->wb);
	l->st.values -= n;
	l->st.bytes -= bytes;
	/* A key counts while it holds a value; check each key once. */
	qsort(l->gone, n, ID_LEN, ldb_key_cmp);
	it = leveldb_create_iterator(l->db, l->ro_scan);
	for (i = 0; i < n; i++) {
		if (i > 0 && memcmp(l->gone[i], l->gone[i - 1],
		    ID_LEN) == 0)
			continue;
		if (!ldb_key_has_value(it, l->gone[i]))
			l->st.keys--;
	}
	leveldb_iter_destroy(it);
	return 0;
}

/*
 * Walks the expiry index from exp_floor (below it everything is gone, so
 * the walk does not wade through the tombstones of earlier runs) up to
 * now_ms, one snapshot, committing a batch every LDB_EXPIRE_CHUNK values.
 */
static long
ldb_expire(void *be, int64_t now_ms, size_t max, const char **errstr)
{
	struct ldb		*l = be;
	leveldb_iterator_t	*it;
	struct store_value	 v;
	const uint8_t		*k;
	const char		*why;
	char			*rec, *lerr = NULL;
	uint8_t			 seek[9], vkey[LDB_VKEY_LEN];
	uint64_t		 bytes = 0;
	size_t			 klen, rlen, n = 0, total = 0, nops = 0;
	int64_t			 exp, last = l->exp_floor;
	int			 done = 1;

	if (now_ms < l->exp_floor)
		return 0;
	leveldb_writebatch_clear(l->wb);
	seek[0] = LDB_PREFIX_EXPIRY;
	bytes_put_be64(seek + 1, (uint64_t)l->exp_floor);
	it = leveldb_create_iterator(l->db, l->ro_scan);
	leveldb_iter_seek(it, (const char *)seek, sizeof(seek));
	for (; (k = ldb_iter_under(it, seek, 1, &klen)) != NULL;
	    leveldb_iter_next(it)) {
		if (total + n == max) {
			done = 0;
			break;
		}
		if (nops >= 2 * LDB_EXPIRE_CHUNK) {
			if (ldb_expire_commit(l, n, bytes, errstr) == -1)
				goto fail;
			total += n;
			n = nops = 0;
			bytes = 0;
		}
		if (klen != LDB_EKEY_LEN) {
			leveldb_writebatch_delete(l->wb, (const char *)k, klen);
			nops++;
			continue;
		}
		exp = (int64_t)bytes_get_be64(k + 1);
		if (exp < 0 || exp > now_ms)
			break;
		last = exp;
		vkey[0] = LDB_PREFIX_VALUE;
		memcpy(vkey + 1, k + 9, ID_LEN + KECCAK256_LEN);
		rec = leveldb_get(l->db, l->ro, (const char *)vkey,
		    sizeof(vkey), &rlen, &lerr);
		if (lerr != NULL) {
			ldb_fail(l, "read", lerr, errstr);
			goto fail;
		}
		leveldb_writebatch_delete(l->wb, (const char *)k, klen);
		nops++;
		if (rec != NULL && store_ldb_decode_record((uint8_t *)rec,
		    rlen, &v, &why) == -1) {
			leveldb_writebatch_delete(l->wb, (const char *)vkey,
			    sizeof(vkey));
			nops++;
		} else if (rec != NULL && v.expires_ms == exp) {
			leveldb_writebatch_delete(l->wb, (const char *)vkey,
			    sizeof(vkey));
			nops++;
			bytes += v.len;
			memcpy(l->gone[n++], vkey + 1, ID_LEN);
		}
		/* Otherwise a stale index entry: only it goes. */
		leveldb_free(rec);
	}
	if (ldb_iter_done(l, it, "read", errstr) == -1)
		return total > 0 ? (long)total : -1;
	if (nops > 0 && ldb_expire_commit(l, n, bytes, errstr) == -1)
		return total > 0 ? (long)total : -1;
	total += n;
	l->exp_floor = done && now_ms < INT64_MAX ? now_ms + 1 : last;
	return (long)total;

fail:
	leveldb_iter_destroy(it);
	return total > 0 ? (long)total : -1;
}

static long
ldb_keys(void *be, const uint8_t *after, size_t max,
    uint8_t (*keys)[ID_LEN], const char **errstr)
{
	struct ldb		*l = be;
	leveldb_iterator_t	*it;
	const uint8_t		*k;
	uint8_t			 seek[LDB_VKEY_LEN], prefix = LDB_PREFIX_VALUE;
	size_t			 klen, n = 0;

	it = leveldb_create_iterator(l->db, l->ro_scan);
	if (after != NULL) {
		/* Past the last possible record of `after`. */
		seek[0] = LDB_PREFIX_VALUE;
		memcpy(seek + 1, after, ID_LEN);
		memset(seek + LDB_KPREFIX_LEN, 0xff, KECCAK256_LEN);
		leveldb_iter_seek(it, (const char *)seek, sizeof(seek));
		while (ldb_iter_under(it, seek, LDB_KPREFIX_LEN, &klen) != NULL)
			leveldb_iter_next(it);
	} else
		leveldb_iter_seek(it, (const char *)&prefix, 1);
	while (n < max && (k = ldb_iter_under(it, &prefix, 1, &klen)) != NULL) {
		if (klen < LDB_KPREFIX_LEN) {
			leveldb_iter_next(it);
			continue;
		}
		memcpy(keys[n++], k + 1, ID_LEN);
		/* Skip the key's other values with one seek. */
		memcpy(seek, k, LDB_KPREFIX_LEN);
		memset(seek + LDB_KPREFIX_LEN, 0xff, KECCAK256_LEN);
		leveldb_iter_seek(it, (const char *)seek, sizeof(seek));
		while (ldb_iter_under(it, seek, LDB_KPREFIX_LEN, &klen) != NULL)
			leveldb_iter_next(it);
	}
	if (ldb_iter_done(l, it, "read", errstr) == -1)
		return -1;
	return (long)n;
}

static int
ldb_flush(void *be, const char **errstr)
{
	struct ldb	*l = be;

	/* An empty synced batch fsyncs the log, covering all earlier writes. */
	leveldb_writebatch_clear(l->wb);
	return ldb_write(l, l->wo_sync, errstr);
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
	char		*lerr = NULL;

	if (val == NULL)
		leveldb_delete(l->db, l->wo_sync, key, klen, &lerr);
	else
		leveldb_put(l->db, l->wo_sync, key, klen, val, vlen, &lerr);
	if (lerr != NULL)
		return ldb_fail(l, "raw write", lerr, errstr);
	return 0;
}

const struct store_ops store_ldb_ops = {
	.name = "leveldb",
	.open = ldb_open,
	.close = ldb_close,
	.put = ldb_put,
	.get = ldb_get,
	.expire = ldb_expire,
	.keys = ldb_keys,
	.flush = ldb_flush,
	.stats = ldb_stats,
	.raw_put = ldb_raw_put,
};

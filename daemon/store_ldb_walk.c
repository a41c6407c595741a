/*
 * store_ldb_walk — the LevelDB backend's walks over many records: paged
 * gets (one pass of notes, then the page read again in id order), the
 * sweep along the expiry index, and the listing of keys.  Opening, puts
 * and the record codec are in store_ldb.c.
 */
#include <stdlib.h>
#include <string.h>

#include <leveldb/c.h>

#include "bytes.h"
#include "store.h"
#include "store_impl.h"
#include "store_ldb_impl.h"

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

	store_ldb_vkey(vkey, key, e->id);
	while ((k = store_ldb_iter_under(it, vkey, LDB_KPREFIX_LEN, &klen)) !=
	    NULL && klen == sizeof(vkey) && memcmp(k, vkey, klen) < 0 &&
	    steps-- > 0)
		leveldb_iter_next(it);
	if (k == NULL || klen != sizeof(vkey) || memcmp(k, vkey, klen) != 0) {
		leveldb_iter_seek(it, (const char *)vkey, sizeof(vkey));
		if (store_ldb_iter_under(it, vkey, sizeof(vkey), &klen) ==
		    NULL || klen != sizeof(vkey))
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
int
store_ldb_get(void *be, const uint8_t *key, int64_t since_ms, int64_t now_ms,
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
	for (; (k = store_ldb_iter_under(pg.it[0], prefix, sizeof(prefix),
	    &klen)) != NULL; leveldb_iter_next(pg.it[0])) {
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
	if (store_ldb_iter_done(l, pg.it[0], "read", errstr) == -1)
		rc = -1;
	if (pg.it[1] != NULL && store_ldb_iter_done(l, pg.it[1], "read",
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
	for (; store_ldb_iter_under(it, prefix, sizeof(prefix), &klen) != NULL;
	    leveldb_iter_next(it)) {
		val = (const uint8_t *)leveldb_iter_value(it, &vlen);
		if (klen == LDB_VKEY_LEN &&
		    store_ldb_decode_record(val, vlen, &v, &why) == 0)
			return 1;
	}
	return 0;
}

/* One value by its hash, with its index entry; see store_del. */
int
store_ldb_del(void *be, const uint8_t *key, const uint8_t *hash,
    const char **errstr)
{
	struct ldb		*l = be;
	leveldb_iterator_t	*it;
	struct store_value	 v;
	const char		*why;
	char			*rec, *lerr = NULL;
	uint8_t			 vkey[LDB_VKEY_LEN], ekey[LDB_EKEY_LEN];
	size_t			 rlen;
	int			 ok;

	store_ldb_vkey(vkey, key, hash);
	rec = leveldb_get(l->db, l->ro, (const char *)vkey, LDB_VKEY_LEN,
	    &rlen, &lerr);
	if (lerr != NULL)
		return store_ldb_fail(l, "read", lerr, errstr);
	if (rec == NULL)
		return 0;
	ok = store_ldb_decode_record((const uint8_t *)rec, rlen, &v, &why) ==
	    0;
	leveldb_writebatch_clear(l->wb);
	leveldb_writebatch_delete(l->wb, (const char *)vkey, LDB_VKEY_LEN);
	if (ok) {
		ekey[0] = LDB_PREFIX_EXPIRY;
		bytes_put_be64(ekey + 1, (uint64_t)v.expires_ms);
		memcpy(ekey + 9, key, ID_LEN);
		memcpy(ekey + 9 + ID_LEN, hash, KECCAK256_LEN);
		leveldb_writebatch_delete(l->wb, (const char *)ekey,
		    sizeof(ekey));
	}
	leveldb_free(rec);
	if (store_ldb_write(l, l->wo, errstr) == -1)
		return -1;
	leveldb_writebatch_clear(l->wb);
	/* An unreadable record was never counted. */
	if (!ok)
		return 0;
	l->st.values--;
	l->st.bytes -= v.len;
	it = leveldb_create_iterator(l->db, l->ro);
	if (!ldb_key_has_value(it, key))
		l->st.keys--;
	leveldb_iter_destroy(it);
	return 1;
}

/* Writes one expiry batch of n values, then fixes the counters. */
static int
ldb_expire_commit(struct ldb *l, size_t n, uint64_t bytes,
    const char **errstr)
{
	leveldb_iterator_t	*it;
	size_t			 i;

	if (store_ldb_write(l, l->wo, errstr) == -1)
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
long
store_ldb_expire(void *be, int64_t now_ms, size_t max, const char **errstr)
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
	for (; (k = store_ldb_iter_under(it, seek, 1, &klen)) != NULL;
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
			store_ldb_fail(l, "read", lerr, errstr);
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
	if (store_ldb_iter_done(l, it, "read", errstr) == -1)
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

long
store_ldb_keys(void *be, const uint8_t *after, size_t max,
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
		while (store_ldb_iter_under(it, seek, LDB_KPREFIX_LEN,
		    &klen) != NULL)
			leveldb_iter_next(it);
	} else
		leveldb_iter_seek(it, (const char *)&prefix, 1);
	while (n < max && (k = store_ldb_iter_under(it, &prefix, 1,
	    &klen)) != NULL) {
		if (klen < LDB_KPREFIX_LEN) {
			leveldb_iter_next(it);
			continue;
		}
		memcpy(keys[n++], k + 1, ID_LEN);
		/* Skip the key's other values with one seek. */
		memcpy(seek, k, LDB_KPREFIX_LEN);
		memset(seek + LDB_KPREFIX_LEN, 0xff, KECCAK256_LEN);
		leveldb_iter_seek(it, (const char *)seek, sizeof(seek));
		while (store_ldb_iter_under(it, seek, LDB_KPREFIX_LEN,
		    &klen) != NULL)
			leveldb_iter_next(it);
	}
	if (store_ldb_iter_done(l, it, "read", errstr) == -1)
		return -1;
	return (long)n;
}

/*
 * store_ldb_walk — the LevelDB backend's reads and walks: paged gets and
 * digests along the order index, point reads by hash, deletes, the sweep
 * along the expiry index, and the listing of keys.  Opening, puts and
 * the record codec are in store_ldb.c; counts and migration in
 * store_ldb_mig.c.
 */
#include <stdlib.h>
#include <string.h>

#include <leveldb/c.h>

#include "bytes.h"
#include "store.h"
#include "store_impl.h"
#include "store_ldb_impl.h"

/* The next free entry of l->pg, grown; NULL when out of memory. */
static struct store_digest *
ldb_pg_add(struct ldb *l, size_t n)
{
	struct store_digest	*np;
	size_t			 ncap;

	if (n == l->pgcap) {
		ncap = l->pgcap == 0 ? 16 : l->pgcap * 2;
		if ((np = reallocarray(l->pg, ncap, sizeof(*np))) == NULL)
			return NULL;
		l->pg = np;
		l->pgcap = ncap;
	}
	return &l->pg[n];
}

void
store_ldb_changed(struct ldb *l, const uint8_t *key)
{
	size_t	i;

	if (key != NULL) {
		l->gen[key[0]]++;
		return;
	}
	for (i = 0; i < LDB_GENS; i++)
		l->gen[i]++;
}

/* A cursor that lets the page at `offset` start without skipping. */
static struct ldb_cursor *
ldb_cursor_find(struct ldb *l, const uint8_t *key, int64_t since_ms,
    int64_t now_ms, size_t offset)
{
	struct ldb_cursor	*c;
	size_t			 i;

	for (i = 0; i < LDB_CURSORS; i++) {
		c = &l->cur[i];
		if (c->used && c->offset == offset && c->since_ms == since_ms &&
		    c->gen == l->gen[key[0]] && now_ms >= c->now_ms &&
		    now_ms < c->min_exp && memcmp(c->key, key, ID_LEN) == 0)
			return c;
	}
	return NULL;
}

/* Notes where a full page ended: at k, the first live entry past it. */
static void
ldb_cursor_save(struct ldb *l, struct ldb_cursor *c, const uint8_t *key,
    int64_t since_ms, int64_t now_ms, int64_t min_exp, size_t offset,
    size_t walked, const uint8_t *k)
{
	if (c == NULL) {
		c = &l->cur[l->curnext];
		l->curnext = (l->curnext + 1) % LDB_CURSORS;
	}
	memcpy(c->key, key, ID_LEN);
	c->since_ms = since_ms;
	c->now_ms = now_ms;
	c->min_exp = min_exp;
	c->offset = offset;
	c->walked = walked;
	c->gen = l->gen[key[0]];
	c->used = 1;
	memcpy(c->okey, k, LDB_OKEY_LEN);
}

/*
 * One page of the key's order index into l->pg[0 .. *n): a seek to
 * (key, since_ms), then a walk that skips `offset` live entries and
 * takes up to `max`.  Reads index entries only (no value bytes), offset
 * + max of them plus the expired ones among them; a page that starts
 * where an earlier one ended (a cursor) seeks there and skips nothing.
 * *total is exact when the walk reached the key's end; otherwise (the
 * page is full and a live entry follows) it is what the walk counted
 * plus the key's count record less the entries walked: an upper bound,
 * exact unless values older than since_ms or expired ones not yet swept
 * lie past the page.
 */
static int
ldb_page(struct ldb *l, const uint8_t *key, int64_t since_ms,
    int64_t now_ms, size_t offset, size_t max, size_t *n, size_t *total,
    const char **errstr)
{
	leveldb_iterator_t	*it;
	struct ldb_cursor	*c;
	struct store_digest	 d, *e;
	const uint8_t		*k, *val;
	uint8_t			 seek[LDB_KPREFIX_LEN + 8];
	size_t			 klen, vlen, live = 0, walked = 0;
	int64_t			 min_exp = INT64_MAX;
	uint32_t		 count;
	int			 end = 1;

	*n = 0;
	seek[0] = LDB_PREFIX_ORDER;
	memcpy(seek + 1, key, ID_LEN);
	bytes_put_be64(seek + LDB_KPREFIX_LEN,
	    (uint64_t)(since_ms > 0 ? since_ms : 0));
	it = leveldb_create_iterator(l->db, l->ro);
	if (offset > 0 && (c = ldb_cursor_find(l, key, since_ms, now_ms,
	    offset)) != NULL) {
		live = c->offset;
		walked = c->walked;
		min_exp = c->min_exp;
		leveldb_iter_seek(it, (const char *)c->okey, LDB_OKEY_LEN);
	} else {
		c = NULL;
		leveldb_iter_seek(it, (const char *)seek, sizeof(seek));
	}
	for (; (k = store_ldb_iter_under(it, seek, LDB_KPREFIX_LEN,
	    &klen)) != NULL; leveldb_iter_next(it)) {
		val = (const uint8_t *)leveldb_iter_value(it, &vlen);
		if (store_ldb_oent(k, klen, val, vlen, &d) == -1)
			continue;
		walked++;
		if (d.expires_ms <= now_ms)
			continue;
		if (live >= offset && *n == max) {
			end = 0;
			ldb_cursor_save(l, c, key, since_ms, now_ms, min_exp,
			    live, walked - 1, k);
			live++;
			break;
		}
		if (d.expires_ms < min_exp)
			min_exp = d.expires_ms;
		if (live++ < offset)
			continue;
		if ((e = ldb_pg_add(l, *n)) == NULL) {
			leveldb_iter_destroy(it);
			*errstr = "out of memory";
			return -1;
		}
		*e = d;
		(*n)++;
	}
	if (store_ldb_iter_done(l, it, "read", errstr) == -1)
		return -1;
	*total = live;
	if (!end) {
		if (store_ldb_count_get(l, key, &count, errstr) == -1)
			return -1;
		if (count > walked)
			*total += count - walked;
	}
	return 0;
}

/*
 * The page's records, read by point lookups in result order.  A record
 * that its index entry names but that is missing or unreadable is left
 * out (only damage does that; the next put of a new value under the key
 * drops the entry once it has expired).
 */
int
store_ldb_get(void *be, const uint8_t *key, int64_t since_ms, int64_t now_ms,
    size_t offset, size_t max, struct store_result *res, size_t *total,
    const char **errstr)
{
	struct ldb		*l = be;
	struct store_value	 v;
	const char		*why;
	char			*rec, *lerr = NULL;
	uint8_t			 vkey[LDB_VKEY_LEN];
	size_t			 n, i, rlen, cap = 0;
	int			 ok;

	if (ldb_page(l, key, since_ms, now_ms, offset, max, &n, total,
	    errstr) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		store_ldb_vkey(vkey, key, l->pg[i].hash);
		rec = leveldb_get(l->db, l->ro, (const char *)vkey,
		    sizeof(vkey), &rlen, &lerr);
		if (lerr != NULL) {
			store_result_free(res);
			return store_ldb_fail(l, "read", lerr, errstr);
		}
		ok = rec != NULL && store_ldb_record(l, vkey, sizeof(vkey),
		    (uint8_t *)rec, rlen, &v, &why) == 0;
		if (ok && store_result_add(res, &cap, &v) == -1) {
			leveldb_free(rec);
			store_result_free(res);
			*errstr = "out of memory";
			return -1;
		}
		leveldb_free(rec);
	}
	return 0;
}

/* A page of digests: the order index holds all of it, no record read. */
int
store_ldb_digests(void *be, const uint8_t *key, int64_t since_ms,
    int64_t now_ms, size_t offset, size_t max, struct store_digest *out,
    size_t *n, size_t *total, const char **errstr)
{
	struct ldb	*l = be;

	if (ldb_page(l, key, since_ms, now_ms, offset, max, n, total,
	    errstr) == -1)
		return -1;
	if (*n > 0)
		memcpy(out, l->pg, *n * sizeof(*out));
	return 0;
}

/* One point lookup of the record named by (key, hash). */
int
store_ldb_get_hash(void *be, const uint8_t *key, const uint8_t *hash,
    int64_t now_ms, struct store_value *out, const char **errstr)
{
	struct ldb		*l = be;
	struct store_value	 v;
	const char		*why;
	char			*rec, *lerr = NULL;
	uint8_t			 vkey[LDB_VKEY_LEN];
	size_t			 rlen;
	int			 rc = 0;

	store_ldb_vkey(vkey, key, hash);
	rec = leveldb_get(l->db, l->ro, (const char *)vkey, sizeof(vkey),
	    &rlen, &lerr);
	if (lerr != NULL)
		return store_ldb_fail(l, "read", lerr, errstr);
	if (rec != NULL && store_ldb_record(l, vkey, sizeof(vkey),
	    (uint8_t *)rec, rlen, &v, &why) == 0 && v.expires_ms > now_ms) {
		if (store_value_copy(out, &v) == -1) {
			*errstr = "out of memory";
			rc = -1;
		} else
			rc = 1;
	}
	leveldb_free(rec);
	return rc;
}

static int
ldb_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, ID_LEN);
}

/*
 * Lowers the key's count record by `gone` in the batch; returns 1 when
 * the key is left with no value (for the keys counter), 0, or -1.
 */
static int
ldb_count_sub(struct ldb *l, const uint8_t *key, uint32_t gone,
    const char **errstr)
{
	uint32_t	n;

	if (store_ldb_count_get(l, key, &n, errstr) == -1)
		return -1;
	n = n > gone ? n - gone : 0;
	store_ldb_count_put(l, key, n);
	return n == 0;
}

/* One value by its hash, with its index entries; see store_del. */
int
store_ldb_del(void *be, const uint8_t *key, const uint8_t *hash,
    const char **errstr)
{
	struct ldb		*l = be;
	struct store_value	 v;
	const char		*why;
	char			*rec, *lerr = NULL;
	uint8_t			 vkey[LDB_VKEY_LEN], ekey[LDB_EKEY_LEN];
	uint8_t			 okey[LDB_OKEY_LEN];
	size_t			 rlen;
	int			 ok, empty = 0;

	store_ldb_vkey(vkey, key, hash);
	store_ldb_changed(l, key);
	rec = leveldb_get(l->db, l->ro, (const char *)vkey, LDB_VKEY_LEN,
	    &rlen, &lerr);
	if (lerr != NULL)
		return store_ldb_fail(l, "read", lerr, errstr);
	if (rec == NULL)
		return 0;
	ok = store_ldb_record(l, vkey, sizeof(vkey), (const uint8_t *)rec,
	    rlen, &v, &why) == 0;
	leveldb_free(rec);
	leveldb_writebatch_clear(l->wb);
	leveldb_writebatch_delete(l->wb, (const char *)vkey, LDB_VKEY_LEN);
	if (ok) {
		store_ldb_ekey(ekey, v.expires_ms, key, hash);
		leveldb_writebatch_delete(l->wb, (const char *)ekey,
		    sizeof(ekey));
		store_ldb_okey(okey, key, v.created_ms, hash);
		leveldb_writebatch_delete(l->wb, (const char *)okey,
		    sizeof(okey));
		if ((empty = ldb_count_sub(l, key, 1, errstr)) == -1)
			return -1;
	}
	if (store_ldb_write(l, l->wo, errstr) == -1)
		return -1;
	leveldb_writebatch_clear(l->wb);
	/* An unreadable record was never counted. */
	if (!ok)
		return 0;
	l->st.values--;
	l->st.bytes -= v.len;
	if (empty)
		l->st.keys--;
	return 1;
}

/*
 * Writes one expiry batch of n values, with the counts of their keys
 * (each key once), then fixes the counters.
 */
static int
ldb_expire_commit(struct ldb *l, size_t n, uint64_t bytes,
    const char **errstr)
{
	size_t	i, j, emptied = 0;
	int	rc;

	qsort(l->gone, n, ID_LEN, ldb_key_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && memcmp(l->gone[i], l->gone[j],
		    ID_LEN) == 0; j++)
			;
		store_ldb_changed(l, l->gone[i]);
		if ((rc = ldb_count_sub(l, l->gone[i], (uint32_t)(j - i),
		    errstr)) == -1)
			return -1;
		emptied += (size_t)rc;
	}
	if (store_ldb_write(l, l->wo, errstr) == -1)
		return -1;
	leveldb_writebatch_clear(l->wb);
	l->st.values -= n;
	l->st.bytes -= bytes;
	l->st.keys -= emptied;
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
	uint8_t			 okey[LDB_OKEY_LEN];
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
		if (rec != NULL && store_ldb_record(l, vkey, sizeof(vkey),
		    (uint8_t *)rec, rlen, &v, &why) == -1) {
			leveldb_writebatch_delete(l->wb, (const char *)vkey,
			    sizeof(vkey));
			nops++;
		} else if (rec != NULL && v.expires_ms == exp) {
			leveldb_writebatch_delete(l->wb, (const char *)vkey,
			    sizeof(vkey));
			store_ldb_okey(okey, vkey + 1, v.created_ms,
			    vkey + LDB_KPREFIX_LEN);
			leveldb_writebatch_delete(l->wb, (const char *)okey,
			    sizeof(okey));
			nops += 2;
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

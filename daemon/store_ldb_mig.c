/*
 * store_ldb_mig — the LevelDB backend's per-key count records and the
 * migration to schema 3 of a schema 2 store (values keyed by their
 * Keccak-256 hash) or a schema 1 store (that too, and no order index or
 * counts): every value record moved under its current hash (sigval_hash,
 * BLAKE2b-256) with its expiry entry, then the order index and the counts
 * rebuilt.  See docs/STORAGE.md, "Schema version".
 */
#include <stdio.h>
#include <string.h>

#include <leveldb/c.h>

#include "bytes.h"
#include "log.h"
#include "sigval.h"
#include "store.h"
#include "store_impl.h"
#include "store_ldb_impl.h"

int
store_ldb_count_get(struct ldb *l, const uint8_t *key, uint32_t *n,
    const char **errstr)
{
	uint8_t	ckey[LDB_CKEY_LEN];
	char	*val, *lerr = NULL;
	size_t	 vlen;

	ckey[0] = LDB_PREFIX_COUNT;
	memcpy(ckey + 1, key, ID_LEN);
	*n = 0;
	val = leveldb_get(l->db, l->ro, (const char *)ckey, sizeof(ckey),
	    &vlen, &lerr);
	if (lerr != NULL)
		return store_ldb_fail(l, "read", lerr, errstr);
	if (val != NULL && vlen == LDB_CVAL_LEN)
		*n = bytes_get_be32((const uint8_t *)val);
	leveldb_free(val);
	return 0;
}

void
store_ldb_count_put(struct ldb *l, const uint8_t *key, uint32_t n)
{
	uint8_t	ckey[LDB_CKEY_LEN], cval[LDB_CVAL_LEN];

	ckey[0] = LDB_PREFIX_COUNT;
	memcpy(ckey + 1, key, ID_LEN);
	if (n == 0) {
		leveldb_writebatch_delete(l->wb, (const char *)ckey,
		    sizeof(ckey));
		return;
	}
	bytes_put_be32(cval, n);
	leveldb_writebatch_put(l->wb, (const char *)ckey, sizeof(ckey),
	    (const char *)cval, sizeof(cval));
}

/* Writes the batch once it holds `*ops` writes or when `force`. */
static int
mig_write(struct ldb *l, size_t *ops, int force, const char **errstr)
{
	if (*ops == 0 || (!force && *ops < LDB_MIGRATE_BATCH))
		return 0;
	if (store_ldb_write(l, l->wo, errstr) == -1)
		return -1;
	leveldb_writebatch_clear(l->wb);
	*ops = 0;
	return 0;
}

/*
 * A walk of the value records: an iterator at the start of the 'v' range,
 * then mig_value at each step.
 */
static leveldb_iterator_t *
mig_walk(struct ldb *l)
{
	leveldb_iterator_t	*it;
	uint8_t			 prefix = LDB_PREFIX_VALUE;

	it = leveldb_create_iterator(l->db, l->ro_scan);
	leveldb_iter_seek(it, (const char *)&prefix, 1);
	return it;
}

/*
 * The walk's next readable value record from where `it` stands, decoded
 * into *v (valid until the iterator moves): its LevelDB key
 * (LDB_VKEY_LEN bytes), or NULL at the end of the range.  Unreadable
 * records are passed over.
 */
static const uint8_t *
mig_value(struct ldb *l, leveldb_iterator_t *it, struct store_value *v)
{
	const uint8_t	*k, *val;
	const char	*why;
	uint8_t		 prefix = LDB_PREFIX_VALUE;
	size_t		 klen, vlen;

	for (; (k = store_ldb_iter_under(it, &prefix, 1, &klen)) != NULL;
	    leveldb_iter_next(it)) {
		val = (const uint8_t *)leveldb_iter_value(it, &vlen);
		if (klen == LDB_VKEY_LEN &&
		    store_ldb_record(l, k, klen, val, vlen, v, &why) == 0)
			return k;
	}
	return NULL;
}

/*
 * Moves every readable value record whose LevelDB key does not hold the
 * value's current hash under the key that does: one walk of the 'v'
 * range (an iterator reads a snapshot, so the records it writes are not
 * met again; met, they would be skipped), and for each record to move,
 * in one batch: the record under its new key (encoded and sealed anew,
 * that key being the associated data), its expiry entry under the new
 * hash, the old key and old expiry entry deleted.  Each batch moves
 * whole records, so a record is under one hash or the other with its
 * expiry entry.  A record under its current hash is left alone, so a
 * migration stopped after some batches skips what they moved; one whose
 * new key exists already (a duplicate) is overwritten with the same
 * bytes.  Unreadable records stay as they are.  The order entries and
 * counts, still under the old hashes, are rebuilt afterwards.
 */
static int
mig_rehash(struct ldb *l, size_t *moved, const char **errstr)
{
	leveldb_iterator_t	*it;
	struct store_value	 v;
	struct store_put_req	 r;
	const uint8_t		*k;
	uint8_t			 h[STORE_HASH_LEN], nvkey[LDB_VKEY_LEN];
	uint8_t			 ekey[LDB_EKEY_LEN];
	size_t			 ops = 0;

	*moved = 0;
	it = mig_walk(l);
	for (; (k = mig_value(l, it, &v)) != NULL; leveldb_iter_next(it)) {
		sigval_hash(&v.attr, v.data, v.len, h);
		if (memcmp(h, k + LDB_KPREFIX_LEN, sizeof(h)) == 0)
			continue;
		memset(&r, 0, sizeof(r));
		r.key = k + 1;
		r.data = v.data;
		r.len = v.len;
		r.attr = &v.attr;
		store_ldb_vkey(nvkey, r.key, h);
		store_ldb_batch_value(l, &r, nvkey, v.created_ms,
		    v.expires_ms);
		store_ldb_ekey(ekey, v.expires_ms, r.key, k + LDB_KPREFIX_LEN);
		leveldb_writebatch_delete(l->wb, (const char *)ekey,
		    sizeof(ekey));
		leveldb_writebatch_delete(l->wb, (const char *)k,
		    LDB_VKEY_LEN);
		(*moved)++;
		ops += 4;
		if (mig_write(l, &ops, 0, errstr) == -1) {
			leveldb_iter_destroy(it);
			return -1;
		}
	}
	if (store_ldb_iter_done(l, it, "read", errstr) == -1)
		return -1;
	return mig_write(l, &ops, 1, errstr);
}

/*
 * Deletes the order index and the counts: entries under the old hashes,
 * and whatever a migration stopped halfway left (possibly stale if an
 * older emod wrote since), so that they are built afresh.
 */
static int
mig_clear(struct ldb *l, const char **errstr)
{
	leveldb_iterator_t	*it;
	const uint8_t		*k;
	uint8_t			 prefix[2] = { LDB_PREFIX_ORDER, LDB_PREFIX_COUNT };
	size_t			 klen, ops = 0, i;

	it = leveldb_create_iterator(l->db, l->ro_scan);
	for (i = 0; i < sizeof(prefix); i++) {
		leveldb_iter_seek(it, (const char *)&prefix[i], 1);
		for (; (k = store_ldb_iter_under(it, &prefix[i], 1, &klen)) !=
		    NULL; leveldb_iter_next(it)) {
			leveldb_writebatch_delete(l->wb, (const char *)k, klen);
			if (++ops >= LDB_MIGRATE_BATCH &&
			    mig_write(l, &ops, 1, errstr) == -1) {
				leveldb_iter_destroy(it);
				return -1;
			}
		}
	}
	if (store_ldb_iter_done(l, it, "read", errstr) == -1)
		return -1;
	return mig_write(l, &ops, 1, errstr);
}

/*
 * Indexes every readable value record: one walk of the 'v' range (whose
 * records of a key are adjacent), an order entry per value and a count
 * per key, written in batches of LDB_MIGRATE_BATCH.  The schema record
 * says 3 only after the last batch (a synced write after them in
 * LevelDB's log), so a migration stopped at any point starts over at the
 * next open, from mig_rehash.
 */
static int
mig_build(struct ldb *l, const char **errstr)
{
	leveldb_iterator_t	*it;
	struct store_value	 v;
	const uint8_t		*k;
	uint8_t			 okey[LDB_OKEY_LEN], oval[LDB_OVAL_LEN];
	uint8_t			 last[ID_LEN];
	size_t			 ops = 0;
	uint32_t		 n = 0;

	it = mig_walk(l);
	for (; (k = mig_value(l, it, &v)) != NULL; leveldb_iter_next(it)) {
		if (n > 0 && memcmp(last, k + 1, ID_LEN) != 0) {
			store_ldb_count_put(l, last, n);
			ops++;
			n = 0;
		}
		memcpy(last, k + 1, ID_LEN);
		n++;
		store_ldb_okey(okey, k + 1, v.created_ms, k + LDB_KPREFIX_LEN);
		store_ldb_oval(oval, v.len, v.expires_ms);
		leveldb_writebatch_put(l->wb, (const char *)okey, sizeof(okey),
		    (const char *)oval, sizeof(oval));
		if (++ops >= LDB_MIGRATE_BATCH &&
		    mig_write(l, &ops, 1, errstr) == -1) {
			leveldb_iter_destroy(it);
			return -1;
		}
	}
	if (n > 0) {
		store_ldb_count_put(l, last, n);
		ops++;
	}
	if (store_ldb_iter_done(l, it, "read", errstr) == -1)
		return -1;
	return mig_write(l, &ops, 1, errstr);
}

int
store_ldb_migrate(struct ldb *l, const char *dir, int from, char *err,
    size_t errlen)
{
	const char	*why;
	uint64_t	 tampered;
	size_t		 moved;

	log_info("store: migrating %s from schema %d to %d", dir, from,
	    STORE_SCHEMA_VERSION);
	leveldb_writebatch_clear(l->wb);
	if (mig_rehash(l, &moved, &why) == -1)
		goto fail;
	/* mig_build reads the records again: count a damaged one once. */
	tampered = l->st.tampered;
	if (mig_clear(l, &why) == -1 || mig_build(l, &why) == -1)
		goto fail;
	l->st.tampered = tampered;
	if (store_ldb_schema_put(l, STORE_SCHEMA_VERSION, &why) == -1)
		goto fail;
	log_info("store: %s is at schema %d (%zu value records moved to "
	    "their new hash)", dir, STORE_SCHEMA_VERSION, moved);
	return 0;

fail:
	leveldb_writebatch_clear(l->wb);
	snprintf(err, errlen, "cannot migrate the store in %s from schema %d "
	    "to %d: %s", dir, from, STORE_SCHEMA_VERSION, why);
	return -1;
}

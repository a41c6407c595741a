/*
 * store_ldb_seal — the LevelDB backend's encryption at rest: value and
 * named records sealed with atrest (the record's LevelDB key as
 * associated data) on write and opened on read, the count of records that
 * fail authentication, and the store's at-rest marker, which refuses to
 * open a store with the wrong key, without its key, or an unencrypted
 * store with a key.  See docs/STORAGE.md, "Encryption at rest".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leveldb/c.h>

#include "atrest.h"
#include "id.h"
#include "log.h"
#include "store.h"
#include "store_impl.h"
#include "store_ldb_impl.h"

/* Not a named record's key: a name has no '-'. */
#define LDB_MARK_KEY		"\0at-rest"
#define LDB_MARK_KEY_LEN	(sizeof(LDB_MARK_KEY) - 1)
#define LDB_MARK_TEXT		"emo at-rest key check, version 1"
#define LDB_MARK_TEXT_LEN	(sizeof(LDB_MARK_TEXT) - 1)

static void
seal_tampered(struct ldb *l, const uint8_t *k, size_t klen)
{
	struct id	 id;
	char		 hex[ID_HEX_LEN + 1];

	l->st.tampered++;
	if (klen >= LDB_KPREFIX_LEN && k[0] == LDB_PREFIX_VALUE) {
		memcpy(id.b, k + 1, ID_LEN);
		id_to_hex(&id, hex);
		log_warnx_rl("store: a value record under key %s failed "
		    "authentication (altered on disk, moved, or written with "
		    "another key): skipped, not served", hex);
	} else
		log_warnx_rl("store: a named record (%.*s) failed "
		    "authentication (altered on disk): not used",
		    (int)(klen > 1 ? klen - 1 : 0), (const char *)k + 1);
}

int
store_ldb_record(struct ldb *l, const uint8_t *vkey, size_t vlen,
    const uint8_t *raw, size_t rlen, struct store_value *v,
    const char **errstr)
{
	if (l->ar == NULL)
		return store_ldb_decode_record(raw, rlen, v, errstr);
	/* A length no sealed record has fails authentication too. */
	if (raw == NULL || rlen <= ATREST_OVERHEAD ||
	    rlen > LDB_SEALED_MAX ||
	    atrest_open(l->ar, l->plain, raw, rlen, vkey, vlen) == -1) {
		seal_tampered(l, vkey, vlen);
		*errstr = "record failed authentication";
		return -1;
	}
	return store_ldb_decode_record(l->plain, rlen - ATREST_OVERHEAD, v,
	    errstr);
}

void
store_ldb_batch_record(struct ldb *l, const uint8_t *vkey,
    const uint8_t *rec, size_t len)
{
	if (l->ar == NULL) {
		leveldb_writebatch_put(l->wb, (const char *)vkey, LDB_VKEY_LEN,
		    (const char *)rec, len);
		return;
	}
	atrest_seal(l->ar, l->sealed, rec, len, vkey, LDB_VKEY_LEN);
	leveldb_writebatch_put(l->wb, (const char *)vkey, LDB_VKEY_LEN,
	    (const char *)l->sealed, len + ATREST_OVERHEAD);
}

/* A named record's value as stored: sealed when encrypted at rest. */
int
store_ldb_meta_seal(struct ldb *l, const void *key, size_t klen,
    const void *val, size_t vlen, uint8_t **out, size_t *outlen)
{
	*out = NULL;
	*outlen = vlen;
	if (l->ar == NULL || val == NULL || klen == 0 ||
	    ((const uint8_t *)key)[0] != 0)
		return 0;
	if ((*out = malloc(vlen + ATREST_OVERHEAD)) == NULL)
		return -1;
	atrest_seal(l->ar, *out, val, vlen, key, klen);
	*outlen = vlen + ATREST_OVERHEAD;
	return 0;
}

/*
 * Opens a named record read as *val (malloc'd), in place of it.  0, or
 * -1 with *errstr (*val freed) if it fails authentication.
 */
int
store_ldb_meta_open(struct ldb *l, const void *key, size_t klen,
    uint8_t **val, size_t *vlen, const char **errstr)
{
	uint8_t		*plain = NULL;
	const char	*why = NULL;

	if (l->ar == NULL || *val == NULL || klen == 0 ||
	    ((const uint8_t *)key)[0] != 0)
		return 0;
	if (*vlen > ATREST_OVERHEAD &&
	    (plain = malloc(*vlen - ATREST_OVERHEAD)) == NULL)
		why = "out of memory";
	else if (*vlen <= ATREST_OVERHEAD ||
	    atrest_open(l->ar, plain, *val, *vlen, key, klen) == -1) {
		seal_tampered(l, key, klen);
		why = "named record failed authentication";
	}
	if (why != NULL) {
		*errstr = why;
		free(plain);
		free(*val);
		*val = NULL;
		*vlen = 0;
		return -1;
	}
	free(*val);
	*val = plain;
	*vlen -= ATREST_OVERHEAD;
	return 0;
}

void
store_ldb_mark_batch(struct ldb *l)
{
	uint8_t	box[LDB_MARK_TEXT_LEN + ATREST_OVERHEAD];

	if (l->ar == NULL)
		return;
	atrest_seal(l->ar, box, LDB_MARK_TEXT, LDB_MARK_TEXT_LEN,
	    LDB_MARK_KEY, LDB_MARK_KEY_LEN);
	leveldb_writebatch_put(l->wb, LDB_MARK_KEY, LDB_MARK_KEY_LEN,
	    (const char *)box, sizeof(box));
}

/* Whether the store holds nothing but its schema record. */
static int
mark_only_schema(struct ldb *l, int *only, const char **errstr)
{
	leveldb_iterator_t	*it;
	const char		*k;
	size_t			 klen, n = 0;

	it = leveldb_create_iterator(l->db, l->ro_scan);
	for (leveldb_iter_seek_to_first(it); leveldb_iter_valid(it) && n < 2;
	    leveldb_iter_next(it)) {
		k = leveldb_iter_key(it, &klen);
		if (klen != LDB_SCHEMA_KEY_LEN ||
		    memcmp(k, LDB_SCHEMA_KEY, klen) != 0)
			n = 2;
		n++;
	}
	*only = n <= 1;
	return store_ldb_iter_done(l, it, "read", errstr);
}

int
store_ldb_mark_check(struct ldb *l, const char *dir, char *err, size_t errlen)
{
	uint8_t		 text[LDB_MARK_TEXT_LEN];
	const char	*why;
	char		*val, *lerr = NULL;
	size_t		 vlen;
	int		 only, ok;

	val = leveldb_get(l->db, l->ro, LDB_MARK_KEY, LDB_MARK_KEY_LEN, &vlen,
	    &lerr);
	if (lerr != NULL) {
		snprintf(err, errlen, "cannot read database in %s: %s", dir,
		    lerr);
		leveldb_free(lerr);
		return -1;
	}
	if (val != NULL && l->ar == NULL) {
		leveldb_free(val);
		snprintf(err, errlen, "the store in %s is encrypted at rest: "
		    "set storage_key_file to the key file it was written with",
		    dir);
		return -1;
	}
	if (val != NULL) {
		ok = vlen == sizeof(text) + ATREST_OVERHEAD &&
		    atrest_open(l->ar, text, (const uint8_t *)val, vlen,
		    LDB_MARK_KEY, LDB_MARK_KEY_LEN) == 0 &&
		    memcmp(text, LDB_MARK_TEXT, sizeof(text)) == 0;
		leveldb_free(val);
		if (!ok)
			snprintf(err, errlen, "storage_key_file does not open "
			    "the store in %s: it was encrypted with another "
			    "key", dir);
		return ok ? 0 : -1;
	}
	if (l->ar == NULL)
		return 0;
	/* A key for a store that holds nothing yet: it becomes encrypted. */
	if (mark_only_schema(l, &only, &why) == -1) {
		snprintf(err, errlen, "cannot read database in %s: %s", dir,
		    why);
		return -1;
	}
	if (!only) {
		snprintf(err, errlen, "the store in %s was written without "
		    "encryption at rest: storage_key_file cannot encrypt it; "
		    "start with an empty data directory, or remove "
		    "storage_key_file", dir);
		return -1;
	}
	leveldb_writebatch_clear(l->wb);
	store_ldb_mark_batch(l);
	if (store_ldb_write(l, l->wo_sync, &why) == -1) {
		snprintf(err, errlen, "cannot write the at-rest marker in %s: "
		    "%s", dir, why);
		return -1;
	}
	leveldb_writebatch_clear(l->wb);
	return 0;
}

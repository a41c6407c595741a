/*
 * check_store_mig — the migration of a LevelDB store of schema 2 (values
 * keyed by another hash than sigval_hash) or 1 (that, and no order index
 * or counts) to schema 3, plain and encrypted at rest.  The old store is
 * written through the LevelDB C API as an older emod wrote it: records
 * (plain, signed, immutable; sealed with their own LevelDB key when at
 * rest) and expiry entries under a wrong hash, some already under the
 * current one, one under both, one unreadable.  After the open every
 * value is found by its current hash only, with its bytes, times and
 * attributes; the counters and the expiry sweep agree; a second open
 * migrates nothing.  test_migrate in check_store_page.c covers the order
 * index of a schema 1 store stopped halfway.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <leveldb/c.h>

#include "atrest.h"
#include "bytes.h"
#include "crypto.h"
#include "keccak.h"
#include "keys.h"
#include "sigval.h"
#include "store.h"
#include "check_util.h"

#define T_DIR_LEN	256
#define T_NOW		200
#define T_SOON		1000		/* the expiry of every 4th value */
#define T_FAR		1000000000
#define T_NPLAIN	3
#define T_NVALS		(400 + 5 + 1 + 2)	/* plain, signed, immutable */
#define T_NKEYS		(T_NPLAIN + 2)
#define T_VKEY_LEN	(1 + ID_LEN + STORE_HASH_LEN)
#define T_EKEY_LEN	(1 + 8 + ID_LEN + STORE_HASH_LEN)
#define T_REC_MAX	(18 + SIGVAL_ATTR_MAX + 64)
/* No record version byte; too short to be sealed. */
#define T_JUNK		"junk: no record, not sealed"

static const int t_nplain[T_NPLAIN] = { 400, 5, 1 };

struct t_val {
	uint8_t			key[ID_LEN];
	char			data[40];
	uint32_t		len;
	int64_t			created;
	int64_t			expires;
	struct value_attr	attr;
	uint8_t			hash[STORE_HASH_LEN];	/* sigval_hash */
	uint8_t			old[STORE_HASH_LEN];	/* as written */
	int			dup;	/* also under its current hash */
};

struct t_ctx {
	char		 dir[T_DIR_LEN];
	const uint8_t	*arkey;		/* NULL: not encrypted at rest */
	struct store	*st;
	struct t_val	 v[T_NVALS];
	size_t		 n;
};

static uint8_t	t_arkey[ATREST_KEY_LEN];

static void
t_setup(void)
{
	ck_assert_int_eq(crypto_init(), 0);
	memset(t_arkey, 0x5a, sizeof(t_arkey));
}

static void
t_open(struct t_ctx *c)
{
	struct store_opts	 o;
	char			 err[512];

	memset(&o, 0, sizeof(o));
	o.kind = STORE_LEVELDB;
	o.dir = c->dir;
	o.max_values_per_key = STORE_MAX_VALUES_PER_KEY;
	o.atrest_key = c->arkey;
	c->st = store_open(&o, err, sizeof(err));
	ck_assert_msg(c->st != NULL, "store_open: %s", err);
}

static void
t_close(struct t_ctx *c)
{
	store_close(c->st);
	c->st = NULL;
}

static void
t_rmdir(const char *dir)
{
	ck_assert_int_eq(check_rmdir_flat(dir), 0);
}

/* ---- the old store, through the LevelDB C API ------------------------- */

struct t_raw {
	leveldb_t		*db;
	leveldb_options_t	*o;
	leveldb_readoptions_t	*ro;
	leveldb_writeoptions_t	*wo;
	struct atrest		*ar;
};

static void
t_raw_open(struct t_raw *r, const struct t_ctx *c)
{
	char	*lerr = NULL;

	r->o = leveldb_options_create();
	r->ro = leveldb_readoptions_create();
	r->wo = leveldb_writeoptions_create();
	r->db = leveldb_open(r->o, c->dir, &lerr);
	ck_assert_msg(lerr == NULL, "%s", lerr);
	r->ar = NULL;
	if (c->arkey != NULL)
		ck_assert_ptr_nonnull(r->ar = atrest_new(c->arkey));
}

static void
t_raw_close(struct t_raw *r)
{
	leveldb_close(r->db);
	leveldb_writeoptions_destroy(r->wo);
	leveldb_readoptions_destroy(r->ro);
	leveldb_options_destroy(r->o);
	atrest_free(r->ar);
}

/* Writes (val non-NULL) or deletes one record. */
static void
t_raw_put(struct t_raw *r, const void *k, size_t klen, const void *val,
    size_t vlen)
{
	char	*lerr = NULL;

	if (val != NULL)
		leveldb_put(r->db, r->wo, k, klen, val, vlen, &lerr);
	else
		leveldb_delete(r->db, r->wo, k, klen, &lerr);
	ck_assert_msg(lerr == NULL, "%s", lerr);
}

/* The value record of docs/STORAGE.md; its length. */
static size_t
t_record(const struct t_val *v, uint8_t *out)
{
	size_t	hdr = 17, alen;

	out[0] = v->attr.kind == VALUE_PLAIN ? 1 : 2;
	bytes_put_be64(out + 1, (uint64_t)v->created);
	bytes_put_be64(out + 9, (uint64_t)v->expires);
	if (v->attr.kind != VALUE_PLAIN) {
		alen = sigval_attr_encode(&v->attr, out + 18);
		ck_assert_uint_gt(alen, 0);
		out[17] = (uint8_t)alen;
		hdr += 1 + alen;
	}
	memcpy(out + hdr, v->data, v->len);
	return hdr + v->len;
}

static void
t_vkey(uint8_t out[T_VKEY_LEN], const uint8_t *key, const uint8_t *hash)
{
	out[0] = 'v';
	memcpy(out + 1, key, ID_LEN);
	memcpy(out + 1 + ID_LEN, hash, STORE_HASH_LEN);
}

/* A value record under hash, sealed with its LevelDB key when at rest. */
static void
t_raw_value(struct t_raw *r, const struct t_val *v, const uint8_t *hash)
{
	uint8_t	vkey[T_VKEY_LEN], rec[T_REC_MAX];
	uint8_t	sealed[T_REC_MAX + ATREST_OVERHEAD];
	size_t	len;

	t_vkey(vkey, v->key, hash);
	len = t_record(v, rec);
	if (r->ar == NULL) {
		t_raw_put(r, vkey, sizeof(vkey), rec, len);
		return;
	}
	atrest_seal(r->ar, sealed, rec, len, vkey, sizeof(vkey));
	t_raw_put(r, vkey, sizeof(vkey), sealed, len + ATREST_OVERHEAD);
}

/* The record, its expiry entry and (schema 2) its order entry. */
static void
t_raw_entries(struct t_raw *r, const struct t_val *v, const uint8_t *hash,
    int schema)
{
	uint8_t	ekey[T_EKEY_LEN], okey[T_EKEY_LEN], oval[12];

	t_raw_value(r, v, hash);
	ekey[0] = 'e';
	bytes_put_be64(ekey + 1, (uint64_t)v->expires);
	memcpy(ekey + 9, v->key, ID_LEN);
	memcpy(ekey + 9 + ID_LEN, hash, STORE_HASH_LEN);
	t_raw_put(r, ekey, sizeof(ekey), "", 0);
	if (schema < 2)
		return;
	okey[0] = 'o';
	memcpy(okey + 1, v->key, ID_LEN);
	bytes_put_be64(okey + 1 + ID_LEN, (uint64_t)v->created);
	memcpy(okey + 9 + ID_LEN, hash, STORE_HASH_LEN);
	bytes_put_be32(oval, v->len);
	bytes_put_be64(oval + 4, (uint64_t)v->expires);
	t_raw_put(r, okey, sizeof(okey), oval, sizeof(oval));
}

/* The junk record's hash and the canary's, both not sigval_hash. */
static const uint8_t t_junk[STORE_HASH_LEN] = {
	0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb,
};
static const uint8_t t_canary[STORE_HASH_LEN] = {
	0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
};

/*
 * The values: T_NPLAIN plain keys (every 3rd value already under its
 * current hash, the others under 0xaa.. with their index), one signed
 * and one immutable value under wrong hashes; every 4th plain value
 * expires at T_SOON.  Value 1 of key 1 is under both hashes.
 */
static void
t_model(struct t_ctx *c)
{
	struct keys_pair	 kp;
	struct t_val		*v;
	uint8_t			 seed[32];
	int			 i, j;

	c->n = 0;
	for (i = 0; i < T_NPLAIN; i++) {
		for (j = 0; j < t_nplain[i]; j++) {
			v = &c->v[c->n++];
			memset(v, 0, sizeof(*v));
			memset(v->key, 0x20 + i, ID_LEN);
			v->len = (uint32_t)snprintf(v->data, sizeof(v->data),
			    "key %d value %d", i, j);
			v->created = j % 7;
			v->expires = j % 4 == 0 ? T_SOON : T_FAR;
			sigval_hash(&v->attr, v->data, v->len, v->hash);
			memset(v->old, 0xaa, sizeof(v->old));
			v->old[0] = (uint8_t)i;
			bytes_put_be16(v->old + 1, (uint16_t)j);
			if (j % 3 == 0)
				memcpy(v->old, v->hash, sizeof(v->old));
			v->dup = i == 1 && j == 1;
		}
	}
	/* Signed: its hash covers the signature, so not sigval_hash(NULL). */
	v = &c->v[c->n++];
	memset(v, 0, sizeof(*v));
	memset(seed, 7, sizeof(seed));
	keys_from_seed(&kp, seed);
	v->len = (uint32_t)snprintf(v->data, sizeof(v->data), "signed one");
	v->created = 3;
	v->expires = 3 + 1000000 * 1000LL;
	ck_assert_int_eq(sigval_sign(&v->attr, &kp, (const uint8_t *)"mig", 3,
	    9, v->created, 1000000, v->data, v->len), 0);
	sigval_key(kp.pub, (const uint8_t *)"mig", 3, v->key);
	sigval_hash(&v->attr, v->data, v->len, v->hash);
	memset(v->old, 0xaa, sizeof(v->old));
	v->old[0] = 0xf0;
	keys_wipe(&kp);
	/* Immutable: a version 2 record, the hash of its bytes. */
	v = &c->v[c->n++];
	memset(v, 0, sizeof(*v));
	v->len = (uint32_t)snprintf(v->data, sizeof(v->data), "immutable");
	v->attr.kind = VALUE_IMMUTABLE;
	v->created = 4;
	v->expires = T_FAR;
	keccak256(v->data, v->len, v->key);
	sigval_hash(&v->attr, v->data, v->len, v->hash);
	memset(v->old, 0xaa, sizeof(v->old));
	v->old[0] = 0xf1;
	ck_assert_uint_eq(c->n, T_NVALS);
}

/*
 * Turns the fresh store in c->dir into an old one of that schema: the
 * model's records and entries, the counts (schema 2: one per record, the
 * duplicate counted twice as it would be), an unreadable record, and
 * the schema record.
 */
static void
t_write_old(struct t_ctx *c, int schema)
{
	struct t_raw	 r;
	uint8_t		 ck[1 + ID_LEN], cnt[4], vkey[T_VKEY_LEN];
	const char	*s = schema == 1 ? "1" : "2";
	size_t		 i, j;
	uint32_t	 n;

	t_raw_open(&r, c);
	for (i = 0; i < c->n; i++) {
		t_raw_entries(&r, &c->v[i], c->v[i].old, schema);
		if (c->v[i].dup)
			t_raw_entries(&r, &c->v[i], c->v[i].hash, schema);
	}
	for (i = 0; schema == 2 && i < c->n; i++) {
		for (j = 0, n = 0; j < c->n; j++)
			if (memcmp(c->v[j].key, c->v[i].key, ID_LEN) == 0)
				n += c->v[j].dup ? 2 : 1;
		ck[0] = 'c';
		memcpy(ck + 1, c->v[i].key, ID_LEN);
		bytes_put_be32(cnt, n);
		t_raw_put(&r, ck, sizeof(ck), cnt, sizeof(cnt));
	}
	/* Neither a record nor sealed: left alone, never served. */
	t_vkey(vkey, c->v[0].key, t_junk);
	t_raw_put(&r, vkey, sizeof(vkey), T_JUNK, strlen(T_JUNK));
	t_raw_put(&r, "\0schema", 7, s, 1);
	t_raw_close(&r);
}

/* ---- what the migrated store holds ------------------------------------ */

static int
t_cmp(const void *pa, const void *pb)
{
	const struct t_val	*a = *(const struct t_val *const *)pa;
	const struct t_val	*b = *(const struct t_val *const *)pb;

	if (a->created != b->created)
		return a->created < b->created ? -1 : 1;
	return memcmp(a->hash, b->hash, STORE_HASH_LEN);
}

static void
t_same(const struct store_value *got, const struct t_val *v)
{
	ck_assert_uint_eq(got->len, v->len);
	ck_assert(memcmp(got->data, v->data, v->len) == 0);
	ck_assert_int_eq(got->created_ms, v->created);
	ck_assert_int_eq(got->expires_ms, v->expires);
	ck_assert(sigval_attr_equal(&got->attr, &v->attr));
}

/*
 * Reads at T_NOW, the values expiring at or before `swept` deleted: by
 * the current hash each live value, by its old one nothing; each key's
 * values and digests in result order; the counters.
 */
static void
t_check(struct t_ctx *c, int64_t swept, uint64_t tampered)
{
	static const struct t_val *want[T_NVALS];
	static struct store_digest dg[T_NVALS];
	struct store_result	 res;
	struct store_stats	 s;
	struct store_value	 got;
	const struct t_val	*v;
	const char		*why = "?";
	uint64_t		 values = 0, bytes = 0, keys = 0;
	int64_t			 now = swept > T_NOW ? swept : T_NOW;
	size_t			 i, j, n, m, nd, total;

	for (i = 0; i < c->n; i++) {
		v = &c->v[i];
		if (v->expires > swept) {
			values++;
			bytes += v->len;
		}
		ck_assert_int_eq(store_get_hash(c->st, v->key, v->hash, now,
		    &got, &why), v->expires > now);
		if (v->expires > now) {
			t_same(&got, v);
			free(got.data);
		}
		if (memcmp(v->old, v->hash, STORE_HASH_LEN) != 0)
			ck_assert_int_eq(store_get_hash(c->st, v->key, v->old,
			    0, &got, &why), 0);
	}
	for (i = 0; i < c->n; i++) {
		/* Each key once, at its first value. */
		for (j = 0; j < i; j++)
			if (memcmp(c->v[j].key, c->v[i].key, ID_LEN) == 0)
				break;
		if (j < i)
			continue;
		for (j = i, n = m = 0; j < c->n; j++) {
			if (memcmp(c->v[j].key, c->v[i].key, ID_LEN) != 0)
				continue;
			if (c->v[j].expires > now)
				want[n++] = &c->v[j];
			m += c->v[j].expires > swept;
		}
		keys += m > 0;
		qsort(want, n, sizeof(want[0]), t_cmp);
		ck_assert_msg(store_get(c->st, c->v[i].key, 0, now, &res,
		    &why) == 0, "get: %s", why);
		ck_assert_uint_eq(res.n, n);
		for (j = 0; j < n; j++)
			t_same(&res.v[j], want[j]);
		store_result_free(&res);
		ck_assert_int_eq(store_get_digests(c->st, c->v[i].key, 0, now,
		    0, T_NVALS, dg, &nd, &total, &why), 0);
		ck_assert_uint_eq(nd, n);
		ck_assert_uint_eq(total, n);
		for (j = 0; j < n; j++)
			ck_assert(memcmp(dg[j].hash, want[j]->hash,
			    STORE_HASH_LEN) == 0);
	}
	store_stats(c->st, &s);
	ck_assert_uint_eq(s.keys, keys);
	ck_assert_uint_eq(s.values, values);
	ck_assert_uint_eq(s.bytes, bytes);
	ck_assert_uint_eq(s.tampered, tampered);
}

/*
 * A canary record under a wrong hash, written after the migration (with
 * no index entries): still there after the next open, so that open
 * migrated nothing.  The schema record says 3.  Deleted again.
 */
static void
t_no_second_migration(struct t_ctx *c)
{
	struct t_raw		 r;
	struct t_val		 cv;
	struct store_value	 got;
	const char		*why = "?";
	char			*val, *lerr = NULL;
	size_t			 vlen;
	uint8_t			 vkey[T_VKEY_LEN];

	memset(&cv, 0, sizeof(cv));
	memcpy(cv.key, c->v[0].key, ID_LEN);
	cv.len = (uint32_t)snprintf(cv.data, sizeof(cv.data), "canary");
	cv.created = 1;
	cv.expires = T_FAR;
	t_close(c);
	t_raw_open(&r, c);
	val = leveldb_get(r.db, r.ro, "\0schema", 7, &vlen, &lerr);
	ck_assert_msg(lerr == NULL, "%s", lerr);
	ck_assert(val != NULL && vlen == 1 && val[0] == '3');
	leveldb_free(val);
	t_raw_value(&r, &cv, t_canary);
	t_raw_close(&r);
	t_open(c);
	ck_assert_int_eq(store_get_hash(c->st, cv.key, t_canary, T_NOW, &got,
	    &why), 1);
	t_same(&got, &cv);
	free(got.data);
	t_close(c);
	t_raw_open(&r, c);
	t_vkey(vkey, cv.key, t_canary);
	t_raw_put(&r, vkey, sizeof(vkey), NULL, 0);
	t_raw_close(&r);
	t_open(c);
}

/*
 * _i: bit 0, schema 1 (else 2); bit 1, encrypted at rest, where a record
 * moved without being sealed anew under its new LevelDB key would fail
 * authentication (counted in tampered, not served).
 */
START_TEST(test_migrate_rehash)
{
	static struct t_ctx	 c;
	const char		*tmp = getenv("TMPDIR"), *why = "?";
	uint64_t		 tampered, expired;
	size_t			 i;

	memset(&c, 0, sizeof(c));
	c.arkey = (_i & 2) ? t_arkey : NULL;
	tampered = (_i & 2) ? 1 : 0;	/* the junk record, read once */
	snprintf(c.dir, sizeof(c.dir), "%s/check_store_mig.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(c.dir));
	t_model(&c);
	t_open(&c);
	t_close(&c);
	t_write_old(&c, (_i & 1) ? 1 : 2);
	t_open(&c);
	t_check(&c, 0, tampered);
	t_no_second_migration(&c);
	t_check(&c, 0, 0);
	/* The expiry entries moved with their records. */
	for (i = 0, expired = 0; i < c.n; i++)
		expired += c.v[i].expires <= T_SOON;
	ck_assert_int_eq(store_expire(c.st, T_SOON, T_NVALS, &why),
	    (long)expired);
	t_check(&c, T_SOON, 0);
	ck_assert_int_eq(store_expire(c.st, T_SOON, T_NVALS, &why), 0);
	t_close(&c);
	t_rmdir(c.dir);
}
END_TEST

static Suite *
store_mig_suite(void)
{
	Suite	*s = suite_create("store_mig");
	TCase	*tc;

	tc = tcase_create("leveldb");
	tcase_add_unchecked_fixture(tc, t_setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_migrate_rehash, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(store_mig_suite());
}

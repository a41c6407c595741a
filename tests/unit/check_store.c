/*
 * check_store — the store's semantics, run against every backend from one
 * table, plus what only LevelDB has: reopen, schema record, directory lock,
 * corrupt records and the record decoder.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_impl.h"
#include "check_util.h"

#define T_DIR_LEN	256
#define T_FAR		1000000000		/* an expiry far ahead */

static const enum store_kind t_backends[] = { STORE_LEVELDB, STORE_MEMORY };
#define T_NBACKENDS	((int)(sizeof(t_backends) / sizeof(t_backends[0])))

struct t_ctx {
	struct store	*st;
	char		 dir[T_DIR_LEN];	/* empty for memory */
	struct store_opts opts;
};

static void
t_mkdtemp(char *dir)
{
	const char	*tmp = getenv("TMPDIR");

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	snprintf(dir, T_DIR_LEN, "%s/check_store.XXXXXX", tmp);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* LevelDB keeps its files flat in the directory; none made: nothing. */
static void
t_rmdir(const char *dir)
{
	if (dir[0] != '\0' && access(dir, F_OK) == 0)
		ck_assert_int_eq(check_rmdir_flat(dir), 0);
}

static struct store *
t_reopen(struct t_ctx *c)
{
	char	err[512];

	c->st = store_open(&c->opts, err, sizeof(err));
	ck_assert_msg(c->st != NULL, "store_open: %s", err);
	return c->st;
}

static struct store *
t_open(struct t_ctx *c, int b, uint32_t maxv, uint64_t max_bytes)
{
	memset(c, 0, sizeof(*c));
	c->opts.kind = t_backends[b];
	c->opts.max_values_per_key = maxv;
	c->opts.max_bytes = max_bytes;
	if (c->opts.kind == STORE_LEVELDB) {
		t_mkdtemp(c->dir);
		c->opts.dir = c->dir;
	}
	return t_reopen(c);
}

static void
t_close(struct t_ctx *c)
{
	store_close(c->st);
	c->st = NULL;
	t_rmdir(c->dir);
}

static void
t_key(uint8_t key[ID_LEN], unsigned n)
{
	memset(key, (int)(n & 0xff), ID_LEN);
	key[ID_LEN - 1] = (uint8_t)(n >> 8);
}

static int
t_put(struct store *st, const uint8_t *key, const char *s, int64_t created,
    int64_t expires, int64_t now)
{
	const char	*why = NULL;
	int		 rc;

	rc = store_put(st, key, s, strlen(s), created, expires, now, &why);
	ck_assert_msg(rc > 0, "put %s: %s", s, why != NULL ? why : "?");
	return rc;
}

static void
t_get(struct store *st, const uint8_t *key, int64_t since, int64_t now,
    struct store_result *res)
{
	const char	*why = NULL;

	ck_assert_msg(store_get(st, key, since, now, res, &why) == 0,
	    "get: %s", why != NULL ? why : "?");
}

static void
t_val_is(const struct store_value *v, const char *s)
{
	ck_assert_uint_eq(v->len, strlen(s));
	ck_assert(memcmp(v->data, s, v->len) == 0);
}

static void
t_stats_are(struct store *st, uint64_t keys, uint64_t values, uint64_t bytes)
{
	struct store_stats	s;

	store_stats(st, &s);
	ck_assert_uint_eq(s.keys, keys);
	ck_assert_uint_eq(s.values, values);
	ck_assert_uint_eq(s.bytes, bytes);
}

/* ---- every backend ---------------------------------------------------- */

START_TEST(test_multi_value)
{
	struct t_ctx		c;
	struct store_result	res;
	uint8_t			k1[ID_LEN], k2[ID_LEN];
	const char		*why;

	t_open(&c, _i, 16, 0);
	t_key(k1, 1);
	t_key(k2, 2);
	ck_assert_int_eq(t_put(c.st, k1, "three", 300, T_FAR, 50),
	    STORE_PUT_NEW);
	ck_assert_int_eq(t_put(c.st, k1, "one", 100, T_FAR, 50),
	    STORE_PUT_NEW);
	ck_assert_int_eq(t_put(c.st, k1, "two", 200, T_FAR, 50),
	    STORE_PUT_NEW);
	t_get(c.st, k1, 0, 50, &res);
	ck_assert_uint_eq(res.n, 3);
	t_val_is(&res.v[0], "one");
	t_val_is(&res.v[1], "two");
	t_val_is(&res.v[2], "three");
	ck_assert_int_eq(res.v[0].created_ms, 100);
	ck_assert_int_eq(res.v[2].created_ms, 300);
	ck_assert_int_eq(res.v[2].expires_ms, T_FAR);
	store_result_free(&res);
	ck_assert_ptr_null(res.v);
	/* since_ms: created at or after. */
	t_get(c.st, k1, 200, 50, &res);
	ck_assert_uint_eq(res.n, 2);
	t_val_is(&res.v[0], "two");
	t_val_is(&res.v[1], "three");
	store_result_free(&res);
	t_get(c.st, k1, 301, 50, &res);
	ck_assert_uint_eq(res.n, 0);
	store_result_free(&res);
	t_get(c.st, k2, 0, 50, &res);
	ck_assert_uint_eq(res.n, 0);
	store_result_free(&res);
	t_stats_are(c.st, 1, 3, 11);
	ck_assert_int_eq(store_flush(c.st, &why), 0);
	t_close(&c);
}
END_TEST

/* Digests list what a page lists; a value is found again by its hash. */
START_TEST(test_digests_and_hash)
{
	struct t_ctx		c;
	struct store_digest	d[4];
	struct store_value	v;
	uint8_t			k1[ID_LEN], h[STORE_HASH_LEN];
	const char		*why;
	size_t			n, total;

	t_open(&c, _i, 16, 0);
	t_key(k1, 1);
	t_put(c.st, k1, "three", 300, T_FAR, 50);
	t_put(c.st, k1, "one", 100, T_FAR, 50);
	t_put(c.st, k1, "two", 200, 400, 50);
	ck_assert_int_eq(store_get_digests(c.st, k1, 0, 50, 1, 4, d, &n,
	    &total, &why), 0);
	ck_assert_uint_eq(total, 3);
	ck_assert_uint_eq(n, 2);
	store_hash("two", 3, h);
	ck_assert(memcmp(d[0].hash, h, STORE_HASH_LEN) == 0);
	ck_assert_uint_eq(d[0].len, 3);
	ck_assert_int_eq(d[0].created_ms, 200);
	ck_assert_int_eq(d[0].expires_ms, 400);
	ck_assert_int_eq(d[1].created_ms, 300);
	ck_assert_int_eq(store_get_hash(c.st, k1, h, 50, &v, &why), 1);
	t_val_is(&v, "two");
	ck_assert_int_eq(v.created_ms, 200);
	free(v.data);
	/* Expired, or never there: not found. */
	ck_assert_int_eq(store_get_hash(c.st, k1, h, 400, &v, &why), 0);
	store_hash("four", 4, h);
	ck_assert_int_eq(store_get_hash(c.st, k1, h, 50, &v, &why), 0);
	t_close(&c);
}
END_TEST

START_TEST(test_dedup)
{
	struct t_ctx		c;
	struct store_result	res;
	uint8_t			k[ID_LEN];
	const char		*why;

	t_open(&c, _i, 16, 0);
	t_key(k, 7);
	ck_assert_int_eq(t_put(c.st, k, "v", 100, 1000, 0), STORE_PUT_NEW);
	ck_assert_int_eq(t_put(c.st, k, "v", 500, 2000, 10),
	    STORE_PUT_REFRESHED);
	ck_assert_int_eq(t_put(c.st, k, "v", 600, 1500, 20),
	    STORE_PUT_REFRESHED);
	t_stats_are(c.st, 1, 1, 1);
	t_get(c.st, k, 0, 30, &res);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_int_eq(res.v[0].created_ms, 100);
	ck_assert_int_eq(res.v[0].expires_ms, 2000);
	store_result_free(&res);
	/* The expiry index moved with the refresh. */
	ck_assert_int_eq(store_expire(c.st, 1999, 10, &why), 0);
	t_get(c.st, k, 0, 1999, &res);
	ck_assert_uint_eq(res.n, 1);
	store_result_free(&res);
	ck_assert_int_eq(store_expire(c.st, 2000, 10, &why), 1);
	t_stats_are(c.st, 0, 0, 0);
	/* A refresh reorders the expiry queue: "v" now outlives "w". */
	t_put(c.st, k, "w", 100, 2500, 2000);
	t_put(c.st, k, "v", 100, 2100, 2000);
	ck_assert_int_eq(t_put(c.st, k, "v", 100, 3000, 2000),
	    STORE_PUT_REFRESHED);
	ck_assert_int_eq(store_expire(c.st, 2600, 10, &why), 1);
	t_get(c.st, k, 0, 2600, &res);
	ck_assert_uint_eq(res.n, 1);
	t_val_is(&res.v[0], "v");
	store_result_free(&res);
	ck_assert_int_eq(store_expire(c.st, 3000, 10, &why), 1);
	/* Once expired, the same bytes are new again, with a new creation. */
	ck_assert_int_eq(t_put(c.st, k, "v", 3000, 4000, 3000), STORE_PUT_NEW);
	t_get(c.st, k, 0, 3000, &res);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_int_eq(res.v[0].created_ms, 3000);
	store_result_free(&res);
	t_close(&c);
}
END_TEST

START_TEST(test_order_ties)
{
	static const char	*in[] = { "b", "ab", "zz", "a", "ba" };
	static const int64_t	 created[] = { 100, 100, 50, 100, 100 };
	/* Ties by BLAKE2b-256: b 6e5c.., ba 774a.., a 8928.., ab f65a.. */
	static const char	*want[] = { "zz", "b", "ba", "a", "ab" };
	struct t_ctx		 c;
	struct store_result	 res;
	uint8_t			 k[ID_LEN];
	size_t			 i;

	t_open(&c, _i, 16, 0);
	t_key(k, 3);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		t_put(c.st, k, in[i], created[i], T_FAR, 0);
	t_get(c.st, k, 0, 0, &res);
	ck_assert_uint_eq(res.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < res.n; i++)
		t_val_is(&res.v[i], want[i]);
	store_result_free(&res);
	t_close(&c);
}
END_TEST

START_TEST(test_ttl)
{
	struct t_ctx		c;
	struct store_result	res;
	uint8_t			k[ID_LEN];
	const char		*why;
	unsigned		i;

	t_open(&c, _i, 16, 0);
	t_key(k, 9);
	t_put(c.st, k, "x", 0, 1000, 0);
	t_put(c.st, k, "y", 0, 2000, 0);
	t_get(c.st, k, 0, 999, &res);
	ck_assert_uint_eq(res.n, 2);
	store_result_free(&res);
	t_get(c.st, k, 0, 1000, &res);
	ck_assert_uint_eq(res.n, 1);
	t_val_is(&res.v[0], "y");
	store_result_free(&res);
	/* Not reaped yet: still counted. */
	t_stats_are(c.st, 1, 2, 2);
	ck_assert_int_eq(store_expire(c.st, 999, 10, &why), 0);
	ck_assert_int_eq(store_expire(c.st, 1000, 10, &why), 1);
	t_stats_are(c.st, 1, 1, 1);
	ck_assert_int_eq(store_expire(c.st, 5000, 10, &why), 1);
	t_stats_are(c.st, 0, 0, 0);
	t_get(c.st, k, 0, 0, &res);
	ck_assert_uint_eq(res.n, 0);
	store_result_free(&res);

	/* `max` bounds the work. */
	for (i = 0; i < 5; i++) {
		t_key(k, 20 + i);
		t_put(c.st, k, "abcd", 0, 100 + i, 0);
	}
	t_stats_are(c.st, 5, 5, 20);
	ck_assert_int_eq(store_expire(c.st, 1000, 2, &why), 2);
	t_stats_are(c.st, 3, 3, 12);
	ck_assert_int_eq(store_expire(c.st, 1000, 0, &why), 0);
	ck_assert_int_eq(store_expire(c.st, 1000, 2, &why), 2);
	ck_assert_int_eq(store_expire(c.st, 1000, 2, &why), 1);
	ck_assert_int_eq(store_expire(c.st, 1000, 2, &why), 0);
	t_stats_are(c.st, 0, 0, 0);

	/* A put drops the key's expired values in the same step. */
	t_key(k, 40);
	t_put(c.st, k, "a", 0, 100, 0);
	t_put(c.st, k, "bb", 0, 100, 0);
	ck_assert_int_eq(t_put(c.st, k, "ccc", 200, 1000, 200), STORE_PUT_NEW);
	t_stats_are(c.st, 1, 1, 3);
	ck_assert_int_eq(store_expire(c.st, 500, 10, &why), 0);
	t_close(&c);
}
END_TEST

START_TEST(test_lengths)
{
	static const struct {
		size_t	len;
		int	ok;
	} rows[] = {
		{ 0, 0 },
		{ EMO_MAX_VALUE + 1, 0 },
		{ EMO_MAX_VALUE, 1 },
		{ 1, 1 },
	};
	struct t_ctx		c;
	struct store_result	res;
	struct store_stats	before, after;
	uint8_t			k[ID_LEN], *buf;
	const char		*why;
	size_t			i, j;
	int			rc;

	t_open(&c, _i, 16, 0);
	ck_assert_ptr_nonnull(buf = malloc(EMO_MAX_VALUE + 1));
	for (j = 0; j < EMO_MAX_VALUE + 1; j++)
		buf[j] = (uint8_t)(j * 7 + 3);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		t_key(k, 100 + (unsigned)i);
		store_stats(c.st, &before);
		why = NULL;
		rc = store_put(c.st, k, buf, rows[i].len, 0, T_FAR, 0, &why);
		store_stats(c.st, &after);
		t_get(c.st, k, 0, 0, &res);
		if (!rows[i].ok) {
			ck_assert_int_eq(rc, -1);
			ck_assert_ptr_nonnull(why);
			ck_assert_uint_eq(res.n, 0);
			ck_assert_uint_eq(after.values, before.values);
			ck_assert_uint_eq(after.bytes, before.bytes);
		} else {
			ck_assert_int_eq(rc, STORE_PUT_NEW);
			ck_assert_uint_eq(res.n, 1);
			ck_assert_uint_eq(res.v[0].len, rows[i].len);
			ck_assert(memcmp(res.v[0].data, buf, rows[i].len) == 0);
			ck_assert_uint_eq(after.bytes,
			    before.bytes + rows[i].len);
		}
		store_result_free(&res);
	}
	free(buf);

	/* Other refusals: expiry not after now, negative creation, no data. */
	t_key(k, 200);
	ck_assert_int_eq(store_put(c.st, k, "x", 1, 0, 100, 100, &why), -1);
	ck_assert_int_eq(store_put(c.st, k, "x", 1, 0, 99, 100, &why), -1);
	ck_assert_int_eq(store_put(c.st, k, "x", 1, -1, T_FAR, 0, &why), -1);
	ck_assert_int_eq(store_put(c.st, k, NULL, 1, 0, T_FAR, 0, &why), -1);
	ck_assert_int_eq(store_put(c.st, NULL, "x", 1, 0, T_FAR, 0, &why), -1);
	t_stats_are(c.st, 2, 2, EMO_MAX_VALUE + 1);
	t_close(&c);
}
END_TEST

START_TEST(test_quota_values)
{
	struct t_ctx		c;
	struct store_result	res;
	uint8_t			k[ID_LEN];
	const char		*why = NULL;

	t_open(&c, _i, 3, 0);
	t_key(k, 5);
	t_put(c.st, k, "a", 0, T_FAR, 0);
	t_put(c.st, k, "b", 1, 500, 0);
	t_put(c.st, k, "c", 2, T_FAR, 0);
	ck_assert_int_eq(store_put(c.st, k, "d", 1, 3, T_FAR, 0, &why), -1);
	ck_assert_ptr_nonnull(why);
	t_stats_are(c.st, 1, 3, 3);
	t_get(c.st, k, 0, 0, &res);
	ck_assert_uint_eq(res.n, 3);
	t_val_is(&res.v[2], "c");
	store_result_free(&res);
	/* A refresh adds nothing, so the quota does not apply. */
	ck_assert_int_eq(t_put(c.st, k, "a", 9, T_FAR + 1, 0),
	    STORE_PUT_REFRESHED);
	/* Once "b" has expired there is room. */
	ck_assert_int_eq(t_put(c.st, k, "d", 3, T_FAR, 600), STORE_PUT_NEW);
	t_stats_are(c.st, 1, 3, 3);
	t_get(c.st, k, 0, 600, &res);
	ck_assert_uint_eq(res.n, 3);
	t_val_is(&res.v[0], "a");
	t_val_is(&res.v[1], "c");
	t_val_is(&res.v[2], "d");
	store_result_free(&res);
	t_close(&c);
}
END_TEST

START_TEST(test_quota_bytes)
{
	struct t_ctx	c;
	uint8_t		k[ID_LEN], buf[100];
	const char	*why;

	t_open(&c, _i, 16, 250);
	memset(buf, 'q', sizeof(buf));
	t_key(k, 1);
	ck_assert_int_eq(store_put(c.st, k, buf, 100, 0, 1000, 0, &why),
	    STORE_PUT_NEW);
	t_key(k, 2);
	ck_assert_int_eq(store_put(c.st, k, buf, 100, 0, T_FAR, 0, &why),
	    STORE_PUT_NEW);
	t_key(k, 3);
	ck_assert_int_eq(store_put(c.st, k, buf, 100, 0, T_FAR, 0, &why), -1);
	t_stats_are(c.st, 2, 2, 200);
	ck_assert_int_eq(store_put(c.st, k, buf, 50, 0, T_FAR, 0, &why),
	    STORE_PUT_NEW);
	t_stats_are(c.st, 3, 3, 250);
	ck_assert_int_eq(store_put(c.st, k, "z", 1, 0, T_FAR, 0, &why), -1);
	t_stats_are(c.st, 3, 3, 250);
	/* Full, but a refresh costs no bytes. */
	t_key(k, 2);
	ck_assert_int_eq(store_put(c.st, k, buf, 100, 5, T_FAR + 1, 0, &why),
	    STORE_PUT_REFRESHED);
	/* Expiry gives the bytes back. */
	ck_assert_int_eq(store_expire(c.st, 1000, 10, &why), 1);
	t_stats_are(c.st, 2, 2, 150);
	t_key(k, 4);
	ck_assert_int_eq(store_put(c.st, k, buf, 100, 0, T_FAR, 1000, &why),
	    STORE_PUT_NEW);
	t_stats_are(c.st, 3, 3, 250);
	t_close(&c);
}
END_TEST

static int
t_keycmp(const void *a, const void *b)
{
	return memcmp(a, b, ID_LEN);
}

START_TEST(test_keys_paging)
{
	enum { NKEYS = 10, PAGE = 3 };
	struct t_ctx	c;
	uint8_t		want[NKEYS][ID_LEN], got[NKEYS + PAGE][ID_LEN];
	uint8_t		page[PAGE][ID_LEN], mid[ID_LEN];
	const char	*why;
	size_t		n = 0, i, j;
	long		r;

	t_open(&c, _i, 16, 0);
	for (i = 0; i < NKEYS; i++) {
		/* Scrambled insertion order; the extremes 0x00.. and 0xff.. */
		t_key(want[i], (unsigned)((i * 7 % NKEYS) * 28));
		if (i == 5)
			memset(want[i], 0xff, ID_LEN);
		for (j = 0; j <= i % 3; j++)
			ck_assert_int_gt(store_put(c.st, want[i],
			    &"abc"[j], 1, (int64_t)j, T_FAR, 0, &why), 0);
	}
	qsort(want, NKEYS, ID_LEN, t_keycmp);
	ck_assert_int_eq(store_keys(c.st, NULL, 0, page, &why), 0);
	r = store_keys(c.st, NULL, PAGE, page, &why);
	for (;;) {
		ck_assert_int_ge(r, 0);
		ck_assert_int_le(r, PAGE);
		if (r == 0)
			break;
		ck_assert_uint_le(n + (size_t)r, NKEYS);
		memcpy(got[n], page, (size_t)r * ID_LEN);
		n += (size_t)r;
		r = store_keys(c.st, page[r - 1], PAGE, page, &why);
	}
	ck_assert_uint_eq(n, NKEYS);
	ck_assert(memcmp(got, want, sizeof(want)) == 0);

	/* Resuming from a key that is not stored. */
	memcpy(mid, want[4], ID_LEN);
	mid[ID_LEN - 1] ^= 0x01;
	ck_assert(memcmp(mid, want[4], ID_LEN) > 0);
	ck_assert(memcmp(mid, want[5], ID_LEN) < 0);
	ck_assert_int_eq(store_keys(c.st, mid, PAGE, page, &why), PAGE);
	ck_assert(memcmp(page, want[5], PAGE * ID_LEN) == 0);
	ck_assert_int_eq(store_keys(c.st, want[NKEYS - 1], PAGE, page, &why),
	    0);
	t_close(&c);
}
END_TEST

/* Many keys with scattered expiries against a model: tree and index. */
START_TEST(test_many_keys)
{
	enum { NKEYS = 1500, PAGE = 64 };
	struct t_ctx	c;
	static uint8_t	keys[NKEYS][ID_LEN], live[NKEYS][ID_LEN];
	static uint8_t	got[NKEYS][ID_LEN];
	static int64_t	exp[NKEYS];
	uint8_t		page[PAGE][ID_LEN];
	const char	*why;
	uint32_t	x = 12345;
	size_t		i, j, nlive = 0, n = 0;
	long		r;

	t_open(&c, _i, 16, 0);
	for (i = 0; i < NKEYS; i++) {
		for (j = 0; j < ID_LEN; j++) {
			x = x * 1103515245u + 12345u;
			keys[i][j] = (uint8_t)(x >> 16);
		}
		exp[i] = 1000 + (int64_t)((x >> 8) % 1000);
		ck_assert_int_eq(store_put(c.st, keys[i], keys[i], 8, 0,
		    exp[i], 0, &why), STORE_PUT_NEW);
	}
	t_stats_are(c.st, NKEYS, NKEYS, NKEYS * 8);
	ck_assert_int_ge(store_expire(c.st, 1500, NKEYS, &why), 1);
	for (i = 0; i < NKEYS; i++)
		if (exp[i] > 1500)
			memcpy(live[nlive++], keys[i], ID_LEN);
	qsort(live, nlive, ID_LEN, t_keycmp);
	t_stats_are(c.st, nlive, nlive, nlive * 8);
	for (r = store_keys(c.st, NULL, PAGE, page, &why); r > 0;
	    r = store_keys(c.st, page[r - 1], PAGE, page, &why)) {
		ck_assert_uint_le(n + (size_t)r, nlive);
		memcpy(got[n], page, (size_t)r * ID_LEN);
		n += (size_t)r;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(n, nlive);
	ck_assert(memcmp(got, live, nlive * ID_LEN) == 0);
	ck_assert_int_eq(store_expire(c.st, 5000, NKEYS, &why), (long)nlive);
	t_stats_are(c.st, 0, 0, 0);
	ck_assert_int_eq(store_keys(c.st, NULL, PAGE, page, &why), 0);
	t_close(&c);
}
END_TEST


/* Named records: put, replace, get, delete; values untouched; bad names. */
START_TEST(test_meta)
{
	struct t_ctx		c;
	uint8_t			*d, k[ID_LEN];
	size_t			 len;
	const char		*why;

	t_open(&c, _i, 16, 0);
	t_key(k, 7);
	t_put(c.st, k, "value", 1, T_FAR, 0);
	ck_assert_int_eq(store_meta_get(c.st, "permanent", &d, &len, &why), 0);
	ck_assert_ptr_null(d);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(store_meta_put(c.st, "permanent", "abc", 3, &why), 0);
	ck_assert_int_eq(store_meta_put(c.st, "permanent", "wxyz", 4, &why),
	    0);
	ck_assert_int_eq(store_meta_get(c.st, "permanent", &d, &len, &why), 0);
	ck_assert_uint_eq(len, 4);
	ck_assert(memcmp(d, "wxyz", 4) == 0);
	free(d);
	t_stats_are(c.st, 1, 1, 5);
	if (c.opts.kind == STORE_LEVELDB) {	/* kept across a reopen */
		store_close(c.st);
		t_reopen(&c);
		ck_assert_int_eq(store_meta_get(c.st, "permanent", &d, &len,
		    &why), 0);
		ck_assert_uint_eq(len, 4);
		free(d);
		t_stats_are(c.st, 1, 1, 5);
	}
	ck_assert_int_eq(store_meta_put(c.st, "permanent", NULL, 0, &why), 0);
	ck_assert_int_eq(store_meta_get(c.st, "permanent", &d, &len, &why), 0);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(store_meta_put(c.st, "schema", "2", 1, &why), -1);
	ck_assert_int_eq(store_meta_put(c.st, "", "x", 1, &why), -1);
	ck_assert_int_eq(store_meta_put(c.st, "Bad", "x", 1, &why), -1);
	ck_assert_int_eq(store_meta_put(c.st, "big", "x", STORE_META_MAX + 1,
	    &why), -1);
	ck_assert_int_eq(store_last_error(c.st), STORE_ERR_INVALID);
	t_close(&c);
}
END_TEST

/* ---- LevelDB only --------------------------------------------------- */

static void
t_open_fails(struct t_ctx *c, const char *want1, const char *want2)
{
	char		 err[512];
	struct store	*st;

	st = store_open(&c->opts, err, sizeof(err));
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, want1) != NULL, "error \"%s\" lacks \"%s\"",
	    err, want1);
	if (want2 != NULL)
		ck_assert_msg(strstr(err, want2) != NULL,
		    "error \"%s\" lacks \"%s\"", err, want2);
}

START_TEST(test_ldb_reopen)
{
	struct t_ctx		c;
	struct store_result	res;
	uint8_t			k1[ID_LEN], k2[ID_LEN];
	const char		*why;

	t_open(&c, 0, 16, 0);
	c.opts.sync = 1;
	t_key(k1, 1);
	t_key(k2, 2);
	t_put(c.st, k1, "one", 10, 1000, 0);
	t_put(c.st, k1, "two", 20, T_FAR, 0);
	t_put(c.st, k2, "three", 30, 2000, 0);
	t_put(c.st, k2, "three", 40, 3000, 0);
	store_close(c.st);
	t_reopen(&c);
	t_stats_are(c.st, 2, 3, 11);
	t_get(c.st, k1, 0, 0, &res);
	ck_assert_uint_eq(res.n, 2);
	t_val_is(&res.v[0], "one");
	ck_assert_int_eq(res.v[0].created_ms, 10);
	ck_assert_int_eq(res.v[0].expires_ms, 1000);
	t_val_is(&res.v[1], "two");
	store_result_free(&res);
	t_get(c.st, k2, 0, 0, &res);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_int_eq(res.v[0].created_ms, 30);
	ck_assert_int_eq(res.v[0].expires_ms, 3000);
	store_result_free(&res);
	/* The expiry index survived too. */
	ck_assert_int_eq(store_expire(c.st, 2999, 10, &why), 1);
	t_stats_are(c.st, 2, 2, 8);
	ck_assert_int_eq(store_expire(c.st, 3000, 10, &why), 1);
	t_stats_are(c.st, 1, 1, 3);
	ck_assert_int_eq(t_put(c.st, k1, "two", 50, T_FAR, 3000),
	    STORE_PUT_REFRESHED);
	t_close(&c);
}
END_TEST

START_TEST(test_ldb_schema)
{
	static const struct {
		const char	*val;	/* NULL: delete the record */
		const char	*want;
	} rows[] = {
		{ "4", "unknown schema version 4 in " },
		{ "7", "unknown schema version 7 in " },
		{ NULL, "is not an emo store (no schema record)" },
		{ "x1", "bad schema record in " },
		{ "", "bad schema record in " },
	};
	struct t_ctx	c;
	uint8_t		k[ID_LEN];
	const char	*why;
	size_t		i;

	t_key(k, 1);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		t_open(&c, 0, 16, 0);
		/* Not empty: an empty directory just becomes a new store. */
		t_put(c.st, k, "v", 0, T_FAR, 0);
		ck_assert_int_eq(store_debug_raw_put(c.st, "\0schema", 7,
		    rows[i].val, rows[i].val != NULL ? strlen(rows[i].val) : 0,
		    &why), 0);
		store_close(c.st);
		t_open_fails(&c, rows[i].want, c.dir);
		c.st = NULL;
		t_close(&c);
	}
	/* The memory backend has no raw records. */
	t_open(&c, 1, 16, 0);
	ck_assert_int_eq(store_debug_raw_put(c.st, "k", 1, "v", 1, &why), -1);
	t_close(&c);
}
END_TEST

START_TEST(test_ldb_lock)
{
	struct t_ctx	c;
	char		err[512], go;
	pid_t		pid;
	int		status, p[2];

	/*
	 * The case that matters is a second process; fork before opening so
	 * the child does not inherit LevelDB's in-process lock table.
	 */
	ck_assert_int_eq(pipe(p), 0);
	memset(&c, 0, sizeof(c));
	t_mkdtemp(c.dir);
	c.opts.kind = STORE_LEVELDB;
	c.opts.dir = c.dir;
	c.opts.max_values_per_key = 16;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct store	*st;

		close(p[1]);
		if (read(p[0], &go, 1) != 1)
			_exit(2);
		st = store_open(&c.opts, err, sizeof(err));
		_exit(st == NULL && strstr(err, c.dir) != NULL &&
		    strstr(err, "is locked: in use by another process") !=
		    NULL ? 0 : 1);
	}
	close(p[0]);
	t_reopen(&c);
	ck_assert_int_eq(write(p[1], "g", 1), 1);
	close(p[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* And a second open within this process. */
	t_open_fails(&c, "is locked", "another process");
	t_close(&c);
}
END_TEST

START_TEST(test_ldb_corrupt_record)
{
	static const uint8_t	bad_version[] = {
		9, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 'x',
	};
	struct t_ctx		c;
	struct store_result	res;
	uint8_t			k[ID_LEN], k2[ID_LEN];
	uint8_t			rk[1 + 2 * ID_LEN], keys[4][ID_LEN];
	const char		*why;

	t_open(&c, 0, 16, 0);
	t_key(k, 1);
	t_key(k2, 2);
	t_put(c.st, k, "good", 10, T_FAR, 0);
	rk[0] = 'v';
	memcpy(rk + 1, k, ID_LEN);
	memset(rk + 1 + ID_LEN, 0xaa, ID_LEN);
	ck_assert_int_eq(store_debug_raw_put(c.st, rk, sizeof(rk), "garbage",
	    7, &why), 0);
	memset(rk + 1 + ID_LEN, 0xbb, ID_LEN);
	ck_assert_int_eq(store_debug_raw_put(c.st, rk, sizeof(rk),
	    bad_version, sizeof(bad_version), &why), 0);
	memset(rk + 1 + ID_LEN, 0x01, ID_LEN);
	ck_assert_int_eq(store_debug_raw_put(c.st, rk, sizeof(rk),
	    bad_version + 1, 10, &why), 0);
	ck_assert_int_eq(store_debug_raw_put(c.st, rk, 1 + ID_LEN,
	    "short key", 9, &why), 0);
	memcpy(rk + 1, k2, ID_LEN);
	ck_assert_int_eq(store_debug_raw_put(c.st, rk, sizeof(rk), "", 0,
	    &why), 0);
	ck_assert_int_eq(store_debug_raw_put(c.st, "e", 1, "", 0, &why), 0);

	t_get(c.st, k, 0, 0, &res);
	ck_assert_uint_eq(res.n, 1);
	t_val_is(&res.v[0], "good");
	store_result_free(&res);
	t_get(c.st, k2, 0, 0, &res);
	ck_assert_uint_eq(res.n, 0);
	store_result_free(&res);

	/* Counters skip garbage too, after a reopen. */
	store_close(c.st);
	t_reopen(&c);
	t_stats_are(c.st, 1, 1, 4);
	ck_assert_int_eq(store_keys(c.st, NULL, 4, keys, &why), 2);
	t_get(c.st, k, 0, 0, &res);
	ck_assert_uint_eq(res.n, 1);
	store_result_free(&res);
	ck_assert_int_eq(t_put(c.st, k, "new", 20, 100, 0), STORE_PUT_NEW);
	ck_assert_int_eq(t_put(c.st, k2, "new", 20, T_FAR, 0), STORE_PUT_NEW);
	t_stats_are(c.st, 2, 3, 10);
	ck_assert_int_eq(store_expire(c.st, 100, 10, &why), 1);
	t_stats_are(c.st, 2, 2, 7);
	t_close(&c);
}
END_TEST

START_TEST(test_ldb_open_errors)
{
	struct t_ctx	c;
	char		path[T_DIR_LEN * 2];
	int		fd;

	/* A damaged CURRENT file is LevelDB corruption. */
	t_open(&c, 0, 16, 0);
	store_close(c.st);
	c.st = NULL;
	snprintf(path, sizeof(path), "%s/CURRENT", c.dir);
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_TRUNC), 0);
	ck_assert_int_eq(write(fd, "garbage", 7), 7);
	close(fd);
	t_open_fails(&c, "corrupt database in ", c.dir);
	t_rmdir(c.dir);

	/* A missing parent directory. */
	snprintf(path, sizeof(path), "%s/no/such/dir", c.dir);
	c.opts.dir = path;
	t_open_fails(&c, "cannot open database in ", path);

	/* Options. */
	c.opts.dir = NULL;
	t_open_fails(&c, "no data directory", NULL);
	c.opts.dir = "/nonexistent";
	c.opts.max_values_per_key = 0;
	t_open_fails(&c, "max values per key", NULL);
	c.opts.max_values_per_key = STORE_MAX_VALUES_PER_KEY + 1;
	t_open_fails(&c, "max values per key", NULL);
	c.opts.max_values_per_key = 1;
	c.opts.kind = (enum store_kind)42;
	t_open_fails(&c, "unknown store kind", NULL);
	ck_assert_ptr_null(store_open(NULL, NULL, 0));
	store_close(NULL);
	store_result_free(NULL);
}
END_TEST

/* The record decoder (also fuzzed), and the kind names. */
START_TEST(test_decode)
{
	uint8_t			*rec;
	struct store_value	 v;
	const char		*why;
	size_t			 i, full = STORE_RECORD_HDR_LEN + 3;

	ck_assert_ptr_nonnull(rec = calloc(1, STORE_RECORD_MAX_LEN + 1));
	rec[0] = STORE_RECORD_VERSION;
	rec[7] = 0x01;				/* created 256 */
	rec[16] = 0x02;				/* expires 2 */
	memcpy(rec + STORE_RECORD_HDR_LEN, "abc", 3);
	ck_assert_int_eq(store_ldb_decode_record(rec, full, &v, &why), 0);
	ck_assert_int_eq(v.created_ms, 256);
	ck_assert_int_eq(v.expires_ms, 2);
	ck_assert_uint_eq(v.len, 3);
	ck_assert_ptr_eq(v.data, rec + STORE_RECORD_HDR_LEN);
	for (i = 0; i <= STORE_RECORD_HDR_LEN; i++) {
		why = NULL;
		ck_assert_int_eq(store_ldb_decode_record(rec, i, &v, &why), -1);
		ck_assert_ptr_nonnull(why);
	}
	ck_assert_int_eq(store_ldb_decode_record(NULL, 0, &v, &why), -1);
	/* Version 1: a plain value of at most EMO_MAX_VALUE bytes. */
	ck_assert_int_eq(store_ldb_decode_record(rec, STORE_RECORD_HDR_LEN +
	    EMO_MAX_VALUE, &v, &why), 0);
	ck_assert_uint_eq(v.len, EMO_MAX_VALUE);
	ck_assert_int_eq(v.attr.kind, VALUE_PLAIN);
	ck_assert_int_eq(store_ldb_decode_record(rec, STORE_RECORD_HDR_LEN +
	    EMO_MAX_VALUE + 1, &v, &why), -1);
	ck_assert_int_eq(store_ldb_decode_record(rec,
	    STORE_RECORD_MAX_LEN + 1, &v, &why), -1);
	/* Version 2 with bad attributes (length 0x61 of zeros). */
	rec[0] = STORE_RECORD_VERSION_ATTR;
	ck_assert_int_eq(store_ldb_decode_record(rec, full, &v, &why), -1);
	rec[0] = 3;
	ck_assert_int_eq(store_ldb_decode_record(rec, full, &v, &why), -1);
	rec[0] = STORE_RECORD_VERSION;
	rec[1] = 0x80;				/* negative created */
	ck_assert_int_eq(store_ldb_decode_record(rec, full, &v, &why), -1);
	free(rec);

	ck_assert_str_eq(store_kind_name(STORE_LEVELDB), "leveldb");
	ck_assert_str_eq(store_kind_name(STORE_MEMORY), "memory");
	ck_assert_str_eq(store_kind_name((enum store_kind)99), "unknown");
}
END_TEST

static Suite *
store_suite(void)
{
	Suite	*s = suite_create("store");
	TCase	*tc;

	tc = tcase_create("backends");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_multi_value, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_digests_and_hash, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_dedup, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_order_ties, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_ttl, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_lengths, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_quota_values, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_quota_bytes, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_keys_paging, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_many_keys, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_meta, 0, T_NBACKENDS);
	suite_add_tcase(s, tc);

	tc = tcase_create("leveldb");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ldb_reopen);
	tcase_add_test(tc, test_ldb_schema);
	tcase_add_test(tc, test_ldb_lock);
	tcase_add_test(tc, test_ldb_corrupt_record);
	tcase_add_test(tc, test_ldb_open_errors);
	tcase_add_test(tc, test_decode);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(store_suite());
}

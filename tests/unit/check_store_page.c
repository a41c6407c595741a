/*
 * check_store_page — paged reads (store_get_page, store_get_digests and
 * store_get_hash against store_get and against orders written out by
 * hand; store_keys through many keys), the kinds of store_last_error,
 * refresh by point read, and the migration of a LevelDB store from
 * schema 1; every backend from one table.
 */
#include <sys/resource.h>

#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keccak.h"
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
};

static struct store *
t_open(struct t_ctx *c, int b, uint32_t maxv, uint64_t max_bytes)
{
	struct store_opts	 o;
	const char		*tmp = getenv("TMPDIR");
	char			 err[512];

	memset(c, 0, sizeof(*c));
	memset(&o, 0, sizeof(o));
	o.kind = t_backends[b];
	o.max_values_per_key = maxv;
	o.max_bytes = max_bytes;
	if (o.kind == STORE_LEVELDB) {
		snprintf(c->dir, sizeof(c->dir), "%s/check_store_page.XXXXXX",
		    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
		ck_assert_ptr_nonnull(mkdtemp(c->dir));
		o.dir = c->dir;
	}
	c->st = store_open(&o, err, sizeof(err));
	ck_assert_msg(c->st != NULL, "store_open: %s", err);
	return c->st;
}

/* LevelDB keeps its files flat in the directory; none made: nothing. */
static void
t_close(struct t_ctx *c)
{
	store_close(c->st);
	c->st = NULL;
	if (c->dir[0] != '\0' && access(c->dir, F_OK) == 0)
		ck_assert_int_eq(check_rmdir_flat(c->dir), 0);
}

static void
t_key(uint8_t key[ID_LEN], unsigned n)
{
	memset(key, (int)(n & 0xff), ID_LEN);
	key[ID_LEN - 1] = (uint8_t)(n >> 8);
}

static void
t_put(struct store *st, const uint8_t *key, const void *data, size_t len,
    int64_t created, int64_t expires, int64_t now)
{
	const char	*why = NULL;

	ck_assert_msg(store_put(st, key, data, len, created, expires, now,
	    &why) == STORE_PUT_NEW, "put: %s", why != NULL ? why : "?");
}

static void
t_same(const struct store_value *a, const struct store_value *b)
{
	ck_assert_uint_eq(a->len, b->len);
	ck_assert(memcmp(a->data, b->data, a->len) == 0);
	ck_assert_int_eq(a->created_ms, b->created_ms);
	ck_assert_int_eq(a->expires_ms, b->expires_ms);
}

/*
 * A page's total: exact when the page reaches the end of the list; else
 * at least the exact count (LevelDB's is then an upper bound from the
 * key's count record, store.h).
 */
static void
t_total_ok(size_t total, size_t exact, size_t off, size_t n)
{
	if (off + n >= exact)
		ck_assert_uint_eq(total, exact);
	else
		ck_assert_uint_ge(total, exact);
}

/* The digests of a page are those of store_get_page's values, in order. */
static void
t_digests_match(struct store *st, const uint8_t *key, int64_t since,
    int64_t now, size_t off, size_t max, const struct store_result *pg,
    size_t exact)
{
	struct store_digest	 dg[8];
	struct store_value	 v;
	uint8_t			 h[STORE_HASH_LEN];
	const char		*why = NULL;
	size_t			 n, total, i;

	if (max > 8)
		max = 8;
	ck_assert_int_eq(store_get_digests(st, key, since, now, off, max, dg,
	    &n, &total, &why), 0);
	ck_assert_uint_eq(n, pg->n < max ? pg->n : max);
	t_total_ok(total, exact, off, n);
	for (i = 0; i < n; i++) {
		store_hash(pg->v[i].data, pg->v[i].len, h);
		ck_assert(memcmp(dg[i].hash, h, sizeof(h)) == 0);
		ck_assert_uint_eq(dg[i].len, pg->v[i].len);
		ck_assert_int_eq(dg[i].created_ms, pg->v[i].created_ms);
		ck_assert_int_eq(dg[i].expires_ms, pg->v[i].expires_ms);
		ck_assert_int_eq(store_get_hash(st, key, h, now, &v, &why), 1);
		t_same(&v, &pg->v[i]);
		free(v.data);
	}
}

/*
 * Every page (offset, max) of the key equals the matching slice of
 * store_get's answer (its digests too), and pages of every size walk it
 * exactly.
 */
static void
t_pages_match(struct store *st, const uint8_t *key, int64_t since,
    int64_t now, size_t want_total)
{
	static const size_t	 maxes[] = { 0, 1, 2, 3, 7, 64, SIZE_MAX };
	struct store_result	 all, pg;
	const char		*why = NULL;
	size_t			 off, m, i, total, expect, psize, seen, got;

	ck_assert_int_eq(store_get(st, key, since, now, &all, &why), 0);
	ck_assert_uint_eq(all.n, want_total);
	for (off = 0; off <= want_total + 2; off++) {
		for (m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
			total = 12345;
			ck_assert_msg(store_get_page(st, key, since, now, off,
			    maxes[m], &pg, &total, &why) == 0, "page: %s", why);
			expect = off >= want_total ? 0 : want_total - off;
			if (expect > maxes[m])
				expect = maxes[m];
			ck_assert_uint_eq(pg.n, expect);
			t_total_ok(total, want_total, off, pg.n);
			for (i = 0; i < pg.n; i++)
				t_same(&pg.v[i], &all.v[off + i]);
			t_digests_match(st, key, since, now, off, maxes[m],
			    &pg, want_total);
			store_result_free(&pg);
		}
	}
	for (psize = 1; psize <= want_total + 1; psize++) {
		for (seen = 0;; seen += got) {
			ck_assert_int_eq(store_get_page(st, key, since, now,
			    seen, psize, &pg, &total, &why), 0);
			t_total_ok(total, want_total, seen, pg.n);
			for (i = 0; i < pg.n; i++)
				t_same(&pg.v[i], &all.v[seen + i]);
			got = pg.n;
			store_result_free(&pg);
			if (got < psize)
				break;
		}
		ck_assert_uint_eq(seen + got, want_total);
	}
	store_result_free(&all);
}

/* ---- paged reads ------------------------------------------------------ */

START_TEST(test_page_order)
{
	enum { N = 12 };
	struct t_ctx		c;
	struct store_result	res;
	uint8_t			k[ID_LEN], other[ID_LEN];
	char			v[16];
	const char		*why;
	size_t			total, i;
	unsigned		x;

	t_open(&c, _i, 64, 0);
	t_key(k, 1);
	t_key(other, 2);
	/* Inserted out of order; value i is created at 100 * i. */
	for (i = 0; i < N; i++) {
		x = (unsigned)(i * 5 % N);
		snprintf(v, sizeof(v), "value-%02u", x);
		t_put(c.st, k, v, strlen(v), 100 * (int64_t)x, T_FAR, 0);
	}
	t_put(c.st, other, "elsewhere", 9, 0, T_FAR, 0);
	t_pages_match(c.st, k, 0, 0, N);
	/* The since filter with paging: values 5.. only. */
	t_pages_match(c.st, k, 500, 0, N - 5);
	t_pages_match(c.st, k, 1100, 0, 1);
	t_pages_match(c.st, k, 1101, 0, 0);
	ck_assert_int_eq(store_get_page(c.st, k, 500, 0, 2, 3, &res, &total,
	    &why), 0);
	t_total_ok(total, N - 5, 2, 3);
	ck_assert_uint_le(total, N);
	ck_assert_uint_eq(res.n, 3);
	for (i = 0; i < res.n; i++) {
		snprintf(v, sizeof(v), "value-%02zu", i + 7);
		ck_assert_uint_eq(res.v[i].len, strlen(v));
		ck_assert(memcmp(res.v[i].data, v, res.v[i].len) == 0);
		ck_assert_int_eq(res.v[i].created_ms, 100 * (int64_t)(i + 7));
	}
	store_result_free(&res);

	/* Offset past the end, max 0 (res may be NULL then), no such key. */
	ck_assert_int_eq(store_get_page(c.st, k, 0, 0, SIZE_MAX, 5, &res,
	    &total, &why), 0);
	ck_assert_uint_eq(res.n, 0);
	ck_assert_ptr_null(res.v);
	ck_assert_uint_eq(total, N);
	total = 0;
	/* Since 0 and nothing expired: the count record is exact. */
	ck_assert_int_eq(store_get_page(c.st, k, 0, 0, 0, 0, NULL, &total,
	    &why), 0);
	ck_assert_uint_eq(total, N);
	ck_assert_int_eq(store_get_page(c.st, k, 0, 0, 3, 0, &res, &total,
	    &why), 0);
	ck_assert_uint_eq(res.n, 0);
	ck_assert_uint_eq(total, N);
	ck_assert_int_eq(store_get_page(c.st, k, 0, 0, 0, 4, &res, NULL,
	    &why), 0);
	ck_assert_uint_eq(res.n, 4);
	store_result_free(&res);
	t_key(k, 3);
	total = 7;
	ck_assert_int_eq(store_get_page(c.st, k, 0, 0, 0, 4, &res, &total,
	    &why), 0);
	ck_assert_uint_eq(res.n, 0);
	ck_assert_uint_eq(total, 0);
	t_close(&c);
}
END_TEST

/* Expired values count for nothing, before and after they are reaped. */
START_TEST(test_page_expired)
{
	struct t_ctx	c;
	uint8_t		k[ID_LEN];
	char		v[16];
	const char	*why;
	unsigned	i;

	t_open(&c, _i, 64, 0);
	t_key(k, 9);
	for (i = 0; i < 10; i++) {
		snprintf(v, sizeof(v), "v%u", i);
		t_put(c.st, k, v, strlen(v), i, i % 2 == 0 ? 1000 : T_FAR, 0);
	}
	t_pages_match(c.st, k, 0, 999, 10);
	t_pages_match(c.st, k, 0, 1000, 5);
	t_pages_match(c.st, k, 4, 1000, 3);
	ck_assert_int_eq(store_expire(c.st, 1000, 100, &why), 5);
	t_pages_match(c.st, k, 0, 1000, 5);
	t_close(&c);
}
END_TEST

struct t_tie {
	const char	*v;
	int64_t		 created;
	uint8_t		 h[STORE_HASH_LEN];
};

static int
t_tie_cmp(const void *pa, const void *pb)
{
	const struct t_tie	*a = pa, *b = pb;

	if (a->created != b->created)
		return a->created < b->created ? -1 : 1;
	return memcmp(a->h, b->h, STORE_HASH_LEN);
}

/*
 * Equal creation times are ordered by the values' Keccak-256 hashes
 * (computed here, independently of the store), not by content.
 */
START_TEST(test_page_ties)
{
	static struct t_tie want[] = {
		{ "0123456789abcdeg", 10, { 0 } }, { "0123", 50, { 0 } },
		{ "01234567", 50, { 0 } }, { "0123456789abcdef", 50, { 0 } },
		{ "0123456789abcdefA", 50, { 0 } }, { "1", 50, { 0 } },
		{ "0123456789abcdefAA", 50, { 0 } }, { "z", 60, { 0 } },
		{ "0123456789abcdefB", 50, { 0 } }, { "b", 50, { 0 } },
		{ "0123456789abcdefC", 50, { 0 } },
	};
	enum { N = sizeof(want) / sizeof(want[0]) };
	struct t_ctx		c;
	struct store_result	res;
	uint8_t			k[ID_LEN];
	const char		*why;
	size_t			i, total;

	t_open(&c, _i, 64, 0);
	t_key(k, 4);
	for (i = 0; i < N; i++) {
		store_hash(want[i].v, strlen(want[i].v), want[i].h);
		t_put(c.st, k, want[i].v, strlen(want[i].v), want[i].created,
		    T_FAR, 0);
	}
	qsort(want, N, sizeof(want[0]), t_tie_cmp);
	t_pages_match(c.st, k, 0, 0, N);
	/* Against the order computed above, one value per page. */
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(store_get_page(c.st, k, 0, 0, i, 1, &res,
		    &total, &why), 0);
		ck_assert_uint_eq(total, N);
		ck_assert_uint_eq(res.n, 1);
		ck_assert_uint_eq(res.v[0].len, strlen(want[i].v));
		ck_assert(memcmp(res.v[0].data, want[i].v, res.v[0].len) ==
		    0);
		ck_assert_int_eq(res.v[0].created_ms, want[i].created);
		store_result_free(&res);
	}
	t_close(&c);
}
END_TEST

/* The page (offset, max) at now equals store_get's slice at now. */
static void
t_page_is_slice(struct store *st, const uint8_t *key, int64_t now,
    size_t off, size_t max)
{
	struct store_result	all, pg;
	const char		*why = NULL;
	size_t			i, total, want;

	ck_assert_int_eq(store_get(st, key, 0, now, &all, &why), 0);
	ck_assert_int_eq(store_get_page(st, key, 0, now, off, max, &pg,
	    &total, &why), 0);
	want = off >= all.n ? 0 : all.n - off < max ? all.n - off : max;
	ck_assert_uint_eq(pg.n, want);
	t_total_ok(total, all.n, off, pg.n);
	for (i = 0; i < pg.n; i++)
		t_same(&pg.v[i], &all.v[off + i]);
	t_digests_match(st, key, 0, now, off, max, &pg, all.n);
	store_result_free(&pg);
	store_result_free(&all);
}

/*
 * A page that starts where the last one ended (LevelDB keeps a cursor
 * there) is still the slice of the whole list when, between the pages,
 * the clock passes the expiry of a value before the cursor, goes back
 * over one that had expired, or the key gains, loses or sweeps values.
 */
START_TEST(test_page_cursor)
{
	struct t_ctx		c;
	struct store_result	pg;
	uint8_t			k[ID_LEN], h[STORE_HASH_LEN];
	char			v[16];
	const char		*why;
	size_t			total;
	int			i;

	t_open(&c, _i, 64, 0);
	t_key(k, 12);
	for (i = 0; i < 20; i++) {
		snprintf(v, sizeof(v), "c%02d", i);
		/* c00 expires at 300, c01 at 1000, c02 at 2000. */
		t_put(c.st, k, v, strlen(v), i, i == 0 ? 300 : i == 1 ? 1000 :
		    i == 2 ? 2000 : T_FAR, 0);
	}
	/* The clock passes c01 (counted before the cursor). */
	t_page_is_slice(c.st, k, 0, 0, 5);
	t_page_is_slice(c.st, k, 1000, 5, 5);
	/* The clock goes back over c00 (skipped as expired at 500). */
	t_page_is_slice(c.st, k, 500, 0, 5);
	t_page_is_slice(c.st, k, 100, 5, 5);
	/* Same clock, no change: the cursor's case. */
	t_page_is_slice(c.st, k, 100, 0, 5);
	t_page_is_slice(c.st, k, 100, 5, 5);
	t_page_is_slice(c.st, k, 100, 10, 5);
	t_page_is_slice(c.st, k, 100, 15, 5);
	/* A value before the cursor arrives, then one goes. */
	t_page_is_slice(c.st, k, 100, 0, 5);
	t_put(c.st, k, "early", 5, 0, T_FAR, 100);
	t_page_is_slice(c.st, k, 100, 5, 5);
	store_hash("c03", 3, h);
	ck_assert_int_eq(store_del(c.st, k, h, &why), 1);
	t_page_is_slice(c.st, k, 100, 10, 5);
	/* The sweep removes c00 and c01 between pages. */
	t_page_is_slice(c.st, k, 1500, 0, 4);
	ck_assert_int_eq(store_expire(c.st, 1500, 100, &why), 2);
	t_page_is_slice(c.st, k, 1500, 4, 4);
	t_page_is_slice(c.st, k, 1500, 8, 4);
	/* A count-only request at a cursor's offset. */
	ck_assert_int_eq(store_get_page(c.st, k, 0, 1500, 12, 0, &pg, &total,
	    &why), 0);
	ck_assert_uint_eq(pg.n, 0);
	ck_assert_uint_ge(total, 18);
	t_close(&c);
}
END_TEST

/* A key with many values: pages far apart, with gaps between records. */
START_TEST(test_page_many)
{
	enum { N = 300 };
	struct t_ctx		c;
	struct store_result	all, res;
	uint8_t			k[ID_LEN], v[40];
	const char		*why;
	size_t			total, i;
	uint32_t		x = 777;

	t_open(&c, _i, STORE_MAX_VALUES_PER_KEY, 0);
	t_key(k, 5);
	for (i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		memset(v, (int)(x >> 24), sizeof(v));
		memcpy(v, &i, sizeof(i));
		/* Few creation times, so ties are common. */
		t_put(c.st, k, v, 20 + i % 20, (int64_t)(x >> 16) % 7, T_FAR,
		    0);
	}
	ck_assert_int_eq(store_get(c.st, k, 0, 0, &all, &why), 0);
	ck_assert_uint_eq(all.n, N);
	for (i = 1; i < N; i++)
		ck_assert_int_lt(store_value_cmp(&all.v[i - 1], &all.v[i]), 0);
	for (i = 0; i < N; i += 37) {
		ck_assert_int_eq(store_get_page(c.st, k, 0, 0, i, 5, &res,
		    &total, &why), 0);
		ck_assert_uint_eq(total, N);	/* since 0, none expired */
		ck_assert_uint_eq(res.n, i + 5 <= N ? 5 : N - i);
		for (total = 0; total < res.n; total++)
			t_same(&res.v[total], &all.v[i + total]);
		store_result_free(&res);
	}
	ck_assert_int_eq(store_get_page(c.st, k, 0, 0, N - 1, 10, &res,
	    &total, &why), 0);
	ck_assert_uint_eq(res.n, 1);
	t_same(&res.v[0], &all.v[N - 1]);
	store_result_free(&res);
	store_result_free(&all);
	t_close(&c);
}
END_TEST

/* ---- store_last_error ------------------------------------------------- */

START_TEST(test_errkind)
{
	struct t_ctx		c;
	struct store_result	res;
	uint8_t			k[ID_LEN], keys[1][ID_LEN];
	const char		*why;
	size_t			total;

	t_open(&c, _i, 2, 10);
	t_key(k, 1);
	ck_assert_int_eq(store_last_error(c.st), STORE_ERR_NONE);
	ck_assert_int_eq(store_last_error(NULL), STORE_ERR_INVALID);
	t_put(c.st, k, "abc", 3, 0, T_FAR, 0);
	ck_assert_int_eq(store_last_error(c.st), STORE_ERR_NONE);

	/* Bad arguments. */
	ck_assert_int_eq(store_put(c.st, k, "", 0, 0, T_FAR, 0, &why), -1);
	ck_assert_int_eq(store_last_error(c.st), STORE_ERR_INVALID);
	/* A call that succeeds leaves the kind alone. */
	t_put(c.st, k, "de", 2, 0, T_FAR, 0);
	ck_assert_int_eq(store_last_error(c.st), STORE_ERR_INVALID);
	/* Quota: values per key, then bytes. */
	ck_assert_int_eq(store_put(c.st, k, "f", 1, 0, T_FAR, 0, &why), -1);
	ck_assert_int_eq(store_last_error(c.st), STORE_ERR_QUOTA);
	ck_assert_int_eq(store_put(c.st, k, "x", 1, 0, 100, 200, &why), -1);
	ck_assert_int_eq(store_last_error(c.st), STORE_ERR_INVALID);
	t_key(k, 2);
	ck_assert_int_eq(store_put(c.st, k, "123456", 6, 0, T_FAR, 0, &why),
	    -1);
	ck_assert_int_eq(store_last_error(c.st), STORE_ERR_QUOTA);
	ck_assert_int_eq(store_put(c.st, k, "12345", 5, -1, T_FAR, 0, &why),
	    -1);
	ck_assert_int_eq(store_last_error(c.st), STORE_ERR_INVALID);
	ck_assert_int_eq(store_put(c.st, k, "12345", 5, 0, T_FAR, 0, &why),
	    STORE_PUT_NEW);

	/* Reads and walks with bad arguments. */
	total = 9;
	ck_assert_int_eq(store_get_page(c.st, k, 0, 0, 0, 1, NULL, &total,
	    &why), -1);
	ck_assert_uint_eq(total, 0);
	ck_assert_int_eq(store_put(c.st, k, "f", 1, 0, T_FAR, 0, &why), -1);
	ck_assert_int_eq(store_last_error(c.st), STORE_ERR_QUOTA);
	ck_assert_int_eq(store_get_page(c.st, NULL, 0, 0, 0, 1, &res, &total,
	    &why), -1);
	ck_assert_int_eq(store_last_error(c.st), STORE_ERR_INVALID);
	ck_assert_uint_eq(res.n, 0);
	ck_assert_int_eq(store_put(c.st, k, "f", 1, 0, T_FAR, 0, &why), -1);
	ck_assert_int_eq(store_keys(c.st, NULL, 1, NULL, &why), -1);
	ck_assert_int_eq(store_last_error(c.st), STORE_ERR_INVALID);
	ck_assert_int_eq(store_keys(c.st, NULL, 1, keys, &why), 1);
	ck_assert_int_eq(store_get(c.st, NULL, 0, 0, &res, &why), -1);
	ck_assert_int_eq(store_get(NULL, k, 0, 0, &res, &why), -1);
	ck_assert_int_eq(store_get_page(NULL, k, 0, 0, 0, 0, NULL, NULL,
	    NULL), -1);
	ck_assert_int_eq(store_flush(NULL, NULL), -1);
	t_close(&c);
}
END_TEST

/*
 * I/O failures, LevelDB only: a file size limit makes the log write fail
 * (EFBIG rather than SIGXFSZ while the signal is ignored).  Nothing that
 * could write output runs between setting and restoring the limit.
 */
START_TEST(test_errkind_io)
{
	struct t_ctx	 c;
	struct rlimit	 old, tiny;
	uint8_t		 k[ID_LEN];
	const char	*why_put = NULL, *why_flush = NULL;
	void		(*osig)(int);
	int		 rc_put, rc_flush;

	t_open(&c, 0, 16, 0);
	t_key(k, 1);
	t_put(c.st, k, "before", 6, 0, T_FAR, 0);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	tiny = old;
	tiny.rlim_cur = 1;
	osig = signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &tiny), 0);
	rc_put = store_put(c.st, k, "during", 6, 0, T_FAR, 0, &why_put);
	rc_flush = store_flush(c.st, &why_flush);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, osig);
	ck_assert_int_eq(rc_put, -1);
	ck_assert_ptr_nonnull(why_put);
	ck_assert_int_eq(rc_flush, -1);
	ck_assert_ptr_nonnull(why_flush);
	ck_assert_int_eq(store_last_error(c.st), STORE_ERR_IO);
	t_close(&c);
}
END_TEST

/* Other bytes under the value's hash: refused (as an I/O error). */
START_TEST(test_collision)
{
	static const uint8_t	 rec[] = {
		STORE_RECORD_VERSION, 0, 0, 0, 0, 0, 0, 0, 1,
		0, 0, 0, 0, 0x7f, 0, 0, 0, 'Y', 'Y',
	};
	static const uint8_t	 oval[] = {
		0, 0, 0, 2, 0, 0, 0, 0, 0x7f, 0, 0, 0,
	};
	struct t_ctx		 c;
	struct store_result	 res;
	uint8_t			 k[ID_LEN], rk[1 + 2 * ID_LEN];
	uint8_t			 ok[1 + ID_LEN + 8 + ID_LEN];
	const char		*why = NULL;

	t_open(&c, 0, 16, 0);
	t_key(k, 1);
	rk[0] = 'v';
	memcpy(rk + 1, k, ID_LEN);
	store_hash("XX", 2, rk + 1 + ID_LEN);
	ck_assert_int_eq(store_debug_raw_put(c.st, rk, sizeof(rk), rec,
	    sizeof(rec), &why), 0);
	/* Its order index entry (created 1), so that reads see it. */
	ok[0] = 'o';
	memcpy(ok + 1, k, ID_LEN);
	memset(ok + 1 + ID_LEN, 0, 8);
	ok[ID_LEN + 8] = 1;
	memcpy(ok + 1 + ID_LEN + 8, rk + 1 + ID_LEN, ID_LEN);
	ck_assert_int_eq(store_debug_raw_put(c.st, ok, sizeof(ok), oval,
	    sizeof(oval), &why), 0);
	ck_assert_int_eq(store_put(c.st, k, "XX", 2, 0, T_FAR, 0, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "collision"));
	ck_assert_int_eq(store_last_error(c.st), STORE_ERR_IO);
	ck_assert_int_eq(store_get(c.st, k, 0, 0, &res, &why), 0);
	ck_assert_uint_eq(res.n, 1);
	ck_assert(memcmp(res.v[0].data, "YY", 2) == 0);
	ck_assert_int_eq(res.v[0].created_ms, 1);
	store_result_free(&res);
	t_close(&c);
}
END_TEST

/*
 * A refresh is settled by a point read: it leaves the key's expired
 * values to store_expire (a new value drops them), on every backend.
 */
START_TEST(test_refresh_leaves_expired)
{
	struct t_ctx		c;
	struct store_result	res;
	struct store_stats	s;
	uint8_t			k[ID_LEN];
	const char		*why;

	t_open(&c, _i, 16, 0);
	t_key(k, 6);
	t_put(c.st, k, "old", 3, 0, 100, 0);
	t_put(c.st, k, "keep", 4, 10, 1000, 0);
	ck_assert_int_eq(store_put(c.st, k, "keep", 4, 99, 2000, 200, &why),
	    STORE_PUT_REFRESHED);
	store_stats(c.st, &s);
	ck_assert_uint_eq(s.values, 2);
	ck_assert_int_eq(store_get(c.st, k, 0, 200, &res, &why), 0);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_int_eq(res.v[0].created_ms, 10);
	ck_assert_int_eq(res.v[0].expires_ms, 2000);
	store_result_free(&res);
	/* The index entry moved: nothing of "keep" expires at 1000. */
	ck_assert_int_eq(store_expire(c.st, 1000, 10, &why), 1);
	store_stats(c.st, &s);
	ck_assert_uint_eq(s.values, 1);
	ck_assert_int_eq(store_expire(c.st, 2000, 10, &why), 1);
	store_stats(c.st, &s);
	ck_assert_uint_eq(s.keys, 0);
	t_close(&c);
}
END_TEST

/*
 * store_put_life: a refresh raises the expiry to at most the kept
 * creation time + max life, whatever expiry and creation it brings.
 */
START_TEST(test_refresh_life)
{
	struct t_ctx		c;
	struct store_result	res;
	uint8_t			k[ID_LEN];
	const char		*why;

	t_open(&c, _i, 16, 0);
	t_key(k, 7);
	ck_assert_int_eq(store_put_life(c.st, k, "v", 1, 10, 500, 1000, 0,
	    &why), STORE_PUT_NEW);
	ck_assert_int_eq(store_put_life(c.st, k, "v", 1, 400, 5000, 1000, 300,
	    &why), STORE_PUT_REFRESHED);
	ck_assert_int_eq(store_get(c.st, k, 0, 300, &res, &why), 0);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_int_eq(res.v[0].created_ms, 10);
	ck_assert_int_eq(res.v[0].expires_ms, 1010);
	store_result_free(&res);
	/* Past the cap: nothing changes. */
	ck_assert_int_eq(store_put_life(c.st, k, "v", 1, 900, 5000, 1000, 900,
	    &why), STORE_PUT_REFRESHED);
	ck_assert_int_eq(store_expire(c.st, 1010, 10, &why), 1);
	/* Without a cap (store_put), a refresh raises it as asked. */
	ck_assert_int_eq(store_put(c.st, k, "w", 1, 10, 500, 0, &why),
	    STORE_PUT_NEW);
	ck_assert_int_eq(store_put(c.st, k, "w", 1, 400, 5000, 300, &why),
	    STORE_PUT_REFRESHED);
	ck_assert_int_eq(store_get(c.st, k, 0, 300, &res, &why), 0);
	ck_assert_int_eq(res.v[0].expires_ms, 5000);
	store_result_free(&res);
	t_close(&c);
}
END_TEST

/* store_del: one value by its hash, with the counters and its index. */
START_TEST(test_del)
{
	struct t_ctx		c;
	struct store_result	res;
	struct store_stats	s;
	uint8_t			k[ID_LEN], k2[ID_LEN], h[STORE_HASH_LEN];
	const char		*why;

	t_open(&c, _i, 16, 0);
	t_key(k, 8);
	t_key(k2, 9);
	t_put(c.st, k, "aa", 2, 10, 1000, 0);
	t_put(c.st, k, "bbb", 3, 20, 2000, 0);
	t_put(c.st, k2, "c", 1, 20, 3000, 0);
	store_hash("aa", 2, h);
	ck_assert_int_eq(store_del(c.st, k2, h, &why), 0);	/* other key */
	ck_assert_int_eq(store_del(c.st, k, h, &why), 1);
	ck_assert_int_eq(store_del(c.st, k, h, &why), 0);	/* gone */
	store_stats(c.st, &s);
	ck_assert_uint_eq(s.keys, 2);
	ck_assert_uint_eq(s.values, 2);
	ck_assert_uint_eq(s.bytes, 4);
	ck_assert_int_eq(store_get(c.st, k, 0, 0, &res, &why), 0);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_uint_eq(res.v[0].len, 3);
	store_result_free(&res);
	store_hash("bbb", 3, h);
	ck_assert_int_eq(store_del(c.st, k, h, &why), 1);
	store_stats(c.st, &s);
	ck_assert_uint_eq(s.keys, 1);
	ck_assert_uint_eq(s.values, 1);
	ck_assert_uint_eq(s.bytes, 1);
	/* Its index entries went too: only "c" expires. */
	ck_assert_int_eq(store_expire(c.st, 5000, 10, &why), 1);
	store_stats(c.st, &s);
	ck_assert_uint_eq(s.keys, 0);
	t_close(&c);
}
END_TEST

/* ---- migration from schema 1 (LevelDB) ------------------------------- */

static void
t_reopen(struct t_ctx *c, uint32_t maxv)
{
	struct store_opts	 o;
	char			 err[512];

	memset(&o, 0, sizeof(o));
	o.kind = STORE_LEVELDB;
	o.dir = c->dir;
	o.max_values_per_key = maxv;
	c->st = store_open(&o, err, sizeof(err));
	ck_assert_msg(c->st != NULL, "store_open: %s", err);
}

static void
t_raw(struct store *st, const uint8_t *k, size_t klen, const void *v,
    size_t vlen)
{
	const char	*why = NULL;

	ck_assert_msg(store_debug_raw_put(st, k, klen, v, vlen, &why) == 0,
	    "raw put: %s", why != NULL ? why : "?");
}

/* The order index key of a value ('o' | key | created | hash). */
static void
t_okey(uint8_t out[1 + ID_LEN + 8 + STORE_HASH_LEN], const uint8_t *key,
    int64_t created, const void *v, size_t len)
{
	int	i;

	out[0] = 'o';
	memcpy(out + 1, key, ID_LEN);
	for (i = 0; i < 8; i++)
		out[1 + ID_LEN + i] = (uint8_t)((uint64_t)created >> (56 - 8 * i));
	store_hash(v, len, out + 1 + ID_LEN + 8);
}

/*
 * A schema 1 store (no order index, no counts) is migrated at open, and
 * so is one where a migration stopped halfway and an emod of schema 1
 * wrote since: half the index there, a stale entry and a wrong count.
 * Simulated with raw records; reads, digests, counters and the expiry
 * sweep come out as before.
 */
START_TEST(test_migrate)
{
	enum { NK = 3, NV = 40, NOW = 200 };
	static const int nvals[NK] = { NV, 3, 1 };
	struct t_ctx		c;
	struct store_result	before[NK], after;
	struct store_stats	s0, s1;
	uint8_t			k[NK][ID_LEN], junk[ID_LEN], ok[1 + 2 * ID_LEN + 8];
	uint8_t			ck[1 + ID_LEN], cnt[4] = { 0, 0, 0, 9 };
	uint8_t			oval[12] = { 0, 0, 0, 5, 0, 0, 0, 0, 0x7f };
	char			v[32];
	const char		*why;
	int			i, j, round;

	t_open(&c, 0, 64, 0);
	for (i = 0; i < NK; i++) {
		t_key(k[i], 20 + (unsigned)i);
		for (j = 0; j < nvals[i]; j++) {
			snprintf(v, sizeof(v), "key %d value %d", i, j);
			t_put(c.st, k[i], v, strlen(v), j % 5,
			    j % 4 == 0 ? 1000 : T_FAR, 0);
		}
	}
	store_stats(c.st, &s0);
	for (i = 0; i < NK; i++)
		ck_assert_int_eq(store_get(c.st, k[i], 0, NOW, &before[i],
		    &why), 0);
	for (round = 0; round < 2; round++) {
		/* Round 0: no index at all; round 1: half, and leftovers. */
		for (i = 0; i < NK; i++) {
			for (j = 0; j < nvals[i]; j++) {
				if (round == 1 && j % 2 == 1)
					continue;
				snprintf(v, sizeof(v), "key %d value %d", i, j);
				t_okey(ok, k[i], j % 5, v, strlen(v));
				t_raw(c.st, ok, sizeof(ok), NULL, 0);
			}
			ck[0] = 'c';
			memcpy(ck + 1, k[i], ID_LEN);
			t_raw(c.st, ck, sizeof(ck), NULL, 0);
		}
		if (round == 1) {
			t_okey(ok, k[1], 3, "gone", 4);
			t_raw(c.st, ok, sizeof(ok), oval, sizeof(oval));
			t_key(junk, 99);
			ck[0] = 'c';
			memcpy(ck + 1, junk, ID_LEN);
			t_raw(c.st, ck, sizeof(ck), cnt, sizeof(cnt));
		}
		t_raw(c.st, (const uint8_t *)"\0schema", 7, "1", 1);
		store_close(c.st);
		t_reopen(&c, 64);
		store_stats(c.st, &s1);
		ck_assert_uint_eq(s1.keys, s0.keys);
		ck_assert_uint_eq(s1.values, s0.values);
		ck_assert_uint_eq(s1.bytes, s0.bytes);
		for (i = 0; i < NK; i++) {
			ck_assert_int_eq(store_get(c.st, k[i], 0, NOW, &after,
			    &why), 0);
			ck_assert_uint_eq(after.n, before[i].n);
			for (j = 0; j < (int)after.n; j++)
				t_same(&after.v[j], &before[i].v[j]);
			store_result_free(&after);
		}
		t_pages_match(c.st, k[0], 0, NOW, before[0].n);
		t_pages_match(c.st, k[0], 2, NOW, before[0].n * 3 / 5);
	}
	/* Written as schema 3: opens again without a migration. */
	store_close(c.st);
	t_reopen(&c, 64);
	t_pages_match(c.st, k[1], 0, NOW, before[1].n);
	/* The counts came out right: the sweep empties k[2] (one value). */
	ck_assert_int_eq(store_expire(c.st, 1000, 1000, &why),
	    NV / 4 + 1 + 1);
	store_stats(c.st, &s1);
	ck_assert_uint_eq(s1.keys, NK - 1);
	ck_assert_uint_eq(s1.values, s0.values - (NV / 4 + 2));
	for (i = 0; i < NK; i++)
		store_result_free(&before[i]);
	t_close(&c);
}
END_TEST

static int
t_keycmp(const void *a, const void *b)
{
	return memcmp(a, b, ID_LEN);
}

/*
 * Paging through many keys (a tree several levels deep) in pages of 7,
 * and resuming from cursors that are stored keys and keys beside them
 * (the last byte changed): against the sorted model.
 */
START_TEST(test_keys_paging_many)
{
	enum { NKEYS = 300, PAGE = 7 };
	struct t_ctx	c;
	static uint8_t	want[NKEYS][ID_LEN], got[NKEYS + PAGE][ID_LEN];
	uint8_t		page[PAGE][ID_LEN], cur[ID_LEN];
	const char	*why;
	size_t		n = 0, i, j, first;
	long		r;

	t_open(&c, _i, 16, 0);
	for (i = 0; i < NKEYS; i++) {
		t_key(want[i], (unsigned)(i * 7919u % 65521u));
		want[i][7] = (uint8_t)(i * 131u);
		ck_assert_int_gt(store_put(c.st, want[i], "v", 1, 1, T_FAR,
		    0, &why), 0);
	}
	qsort(want, NKEYS, ID_LEN, t_keycmp);
	for (i = 1; i < NKEYS; i++)
		ck_assert(memcmp(want[i - 1], want[i], ID_LEN) < 0);
	for (r = store_keys(c.st, NULL, PAGE, page, &why); r > 0;
	    r = store_keys(c.st, page[r - 1], PAGE, page, &why)) {
		ck_assert_uint_le(n + (size_t)r, NKEYS);
		memcpy(got[n], page, (size_t)r * ID_LEN);
		n += (size_t)r;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(n, NKEYS);
	ck_assert(memcmp(got, want, sizeof(want)) == 0);
	for (i = 0; i < NKEYS; i += 13) {
		for (j = 0; j < 3; j++) {
			/* want[i], then with its last byte changed */
			memcpy(cur, want[i], ID_LEN);
			if (j > 0)
				cur[ID_LEN - 1] ^= j == 1 ? 0x80 : 0x40;
			for (first = 0; first < NKEYS &&
			    memcmp(want[first], cur, ID_LEN) <= 0; first++)
				;
			r = store_keys(c.st, cur, PAGE, page, &why);
			ck_assert_int_eq(r, (long)(NKEYS - first < PAGE ?
			    NKEYS - first : PAGE));
			ck_assert(memcmp(page, want[first], (size_t)r *
			    ID_LEN) == 0);
		}
	}
	t_close(&c);
}
END_TEST

static Suite *
store_page_suite(void)
{
	Suite	*s = suite_create("store_page");
	TCase	*tc;

	tc = tcase_create("backends");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_page_order, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_keys_paging_many, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_page_expired, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_page_ties, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_page_many, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_page_cursor, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_errkind, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_refresh_leaves_expired, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_refresh_life, 0, T_NBACKENDS);
	tcase_add_loop_test(tc, test_del, 0, T_NBACKENDS);
	suite_add_tcase(s, tc);

	tc = tcase_create("leveldb");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_errkind_io);
	tcase_add_test(tc, test_collision);
	tcase_add_test(tc, test_migrate);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(store_page_suite());
}

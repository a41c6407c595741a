/*
 * check_atrest — encryption at rest (atrest, store_ldb_seal.c): the AEAD
 * and the storage key file; an encrypted LevelDB store's round trip and
 * reopen; the marker that refuses a store without its key, with another
 * key, or an unencrypted store with a key; records altered or moved
 * through the LevelDB C API directly, which are counted and skipped while
 * the others still read; no plaintext in the files; the quota's overhead.
 */
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <leveldb/c.h>

#include "atrest.h"
#include "crypto.h"
#include "quota.h"
#include "store.h"
#include "check_util.h"

#define T_DIR_LEN	256
#define T_NOW		1000
#define T_FAR		1000000000
#define T_SECRET	"ZEBRA-plaintext-4711-that-must-never-reach-the-disk"

static uint8_t	t_k1[ATREST_KEY_LEN], t_k2[ATREST_KEY_LEN];

static void
t_setup(void)
{
	ck_assert_int_eq(crypto_init(), 0);
	memset(t_k1, 0x11, sizeof(t_k1));
	memset(t_k2, 0x22, sizeof(t_k2));
}

static void
t_mkdtemp(char *dir)
{
	const char	*tmp = getenv("TMPDIR");

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	snprintf(dir, T_DIR_LEN, "%s/check_atrest.XXXXXX", tmp);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
t_rmdir(const char *dir)
{
	(void)check_rmdir_flat(dir);
}

/* Opens the store in dir with key (NULL: unencrypted); NULL, err set. */
static struct store *
t_open(const char *dir, const uint8_t *key, char *err, size_t errlen)
{
	struct store_opts o;

	memset(&o, 0, sizeof(o));
	o.kind = STORE_LEVELDB;
	o.dir = dir;
	o.max_values_per_key = 64;
	o.atrest_key = key;
	return store_open(&o, err, errlen);
}

static struct store *
t_open_ok(const char *dir, const uint8_t *key)
{
	struct store	*st;
	char		 err[512];

	st = t_open(dir, key, err, sizeof(err));
	ck_assert_msg(st != NULL, "store_open: %s", err);
	return st;
}

static void
t_put(struct store *st, unsigned k, const char *s)
{
	uint8_t		 key[ID_LEN];
	const char	*why = "?";

	memset(key, (int)k, sizeof(key));
	ck_assert_msg(store_put(st, key, s, strlen(s), T_NOW, T_FAR, T_NOW,
	    &why) > 0, "put: %s", why);
}

/* The live values under key k, as one string "a|b|" in result order. */
static void
t_get(struct store *st, unsigned k, char *out, size_t outlen)
{
	struct store_result	 res;
	uint8_t			 key[ID_LEN];
	const char		*why = "?";
	size_t			 i, off = 0;

	memset(key, (int)k, sizeof(key));
	ck_assert_msg(store_get(st, key, 0, T_NOW, &res, &why) == 0, "get: %s",
	    why);
	out[0] = '\0';
	for (i = 0; i < res.n; i++)
		off += (size_t)snprintf(out + off, outlen - off, "%.*s|",
		    (int)res.v[i].len, (const char *)res.v[i].data);
	store_result_free(&res);
}

static uint64_t
t_tampered(struct store *st)
{
	struct store_stats	ss;

	store_stats(st, &ss);
	return ss.tampered;
}

START_TEST(test_aead)
{
	struct atrest	*a = atrest_new(t_k1), *b = atrest_new(t_k2);
	uint8_t		 box[5 + ATREST_OVERHEAD], out[5];

	atrest_seal(a, box, "hello", 5, "ad", 2);
	ck_assert_int_eq(atrest_open(a, out, box, sizeof(box), "ad", 2), 0);
	ck_assert_mem_eq(out, "hello", 5);
	ck_assert_int_eq(atrest_open(a, out, box, sizeof(box), "ae", 2), -1);
	ck_assert_int_eq(atrest_open(b, out, box, sizeof(box), "ad", 2), -1);
	box[ATREST_NONCE_LEN] ^= 1;
	ck_assert_int_eq(atrest_open(a, out, box, sizeof(box), "ad", 2), -1);
	ck_assert_int_eq(atrest_open(a, out, box, ATREST_OVERHEAD - 1, "ad",
	    2), -1);
	atrest_free(a);
	atrest_free(b);
	atrest_free(NULL);
}
END_TEST

static void
t_write(const char *path, size_t len, mode_t mode)
{
	uint8_t	buf[64];
	int	fd;

	memset(buf, 0x33, sizeof(buf));
	unlink(path);
	ck_assert_int_ne(fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode),
	    -1);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

START_TEST(test_key_file)
{
	char	 dir[T_DIR_LEN], path[T_DIR_LEN + 8], err[512];
	uint8_t	 key[ATREST_KEY_LEN];

	t_mkdtemp(dir);
	snprintf(path, sizeof(path), "%s/key", dir);
	ck_assert_int_eq(atrest_load(path, key, err, sizeof(err)),
	    KEYS_MISSING);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	ck_assert_ptr_nonnull(strstr(err, "storage_key_file /"));
	t_write(path, 32, 0644);
	ck_assert_int_eq(atrest_load(path, key, err, sizeof(err)), KEYS_BAD);
	ck_assert_ptr_nonnull(strstr(err, "mode 0644"));
	t_write(path, 31, 0600);
	ck_assert_int_eq(atrest_load(path, key, err, sizeof(err)), KEYS_BAD);
	ck_assert_ptr_nonnull(strstr(err, "31 bytes; a key file is exactly "
	    "32"));
	t_write(path, 33, 0600);
	ck_assert_int_eq(atrest_load(path, key, err, sizeof(err)), KEYS_BAD);
	ck_assert_ptr_nonnull(strstr(err, "longer than 32 bytes"));
	t_write(path, 32, 0600);
	ck_assert_int_eq(atrest_load(path, key, err, sizeof(err)), KEYS_OK);
	ck_assert_uint_eq(key[0], 0x33);
	t_rmdir(dir);
}
END_TEST

START_TEST(test_round_trip)
{
	struct store	*st;
	char		 dir[T_DIR_LEN], got[256];
	uint8_t		*meta;
	size_t		 mlen;
	const char	*why;
	struct store_stats ss;

	t_mkdtemp(dir);
	st = t_open_ok(dir, t_k1);
	t_put(st, 1, "alpha");
	t_put(st, 1, "beta");
	t_put(st, 2, "gamma");
	ck_assert_int_eq(store_meta_put(st, "permanent", "perm", 4, &why), 0);
	store_close(st);

	st = t_open_ok(dir, t_k1);
	t_get(st, 1, got, sizeof(got));
	ck_assert_str_eq(got, "alpha|beta|");
	t_get(st, 2, got, sizeof(got));
	ck_assert_str_eq(got, "gamma|");
	ck_assert_int_eq(store_meta_get(st, "permanent", &meta, &mlen, &why),
	    0);
	ck_assert_uint_eq(mlen, 4);
	ck_assert_mem_eq(meta, "perm", 4);
	free(meta);
	store_stats(st, &ss);
	ck_assert_uint_eq(ss.values, 3);
	ck_assert_uint_eq(ss.bytes, 14);
	ck_assert_uint_eq(ss.keys, 2);
	ck_assert_uint_eq(ss.tampered, 0);
	/* A refresh (same bytes) opens the old record; a delete too. */
	t_put(st, 1, "alpha");
	t_get(st, 1, got, sizeof(got));
	ck_assert_str_eq(got, "alpha|beta|");
	ck_assert_int_eq(store_expire(st, T_FAR, 100, &why), 3);
	store_stats(st, &ss);
	ck_assert_uint_eq(ss.values, 0);
	ck_assert_uint_eq(t_tampered(st), 0);
	store_close(st);
	t_rmdir(dir);
}
END_TEST

START_TEST(test_refused)
{
	struct store	*st;
	char		 dir[T_DIR_LEN], err[512];

	t_mkdtemp(dir);
	st = t_open_ok(dir, t_k1);
	t_put(st, 1, "alpha");
	store_close(st);
	ck_assert_ptr_null(t_open(dir, NULL, err, sizeof(err)));
	ck_assert_msg(strstr(err, "is encrypted at rest: set "
	    "storage_key_file") != NULL, "%s", err);
	ck_assert_ptr_null(t_open(dir, t_k2, err, sizeof(err)));
	ck_assert_msg(strstr(err, "encrypted with another key") != NULL, "%s",
	    err);
	t_rmdir(dir);

	/* An unencrypted store with values, opened with a key. */
	t_mkdtemp(dir);
	st = t_open_ok(dir, NULL);
	t_put(st, 1, "alpha");
	store_close(st);
	ck_assert_ptr_null(t_open(dir, t_k1, err, sizeof(err)));
	ck_assert_msg(strstr(err, "written without encryption at rest") !=
	    NULL, "%s", err);
	st = t_open_ok(dir, NULL);	/* still fine without */
	store_close(st);
	t_rmdir(dir);

	/* An empty store (schema record only) takes a key. */
	t_mkdtemp(dir);
	st = t_open_ok(dir, NULL);
	store_close(st);
	st = t_open_ok(dir, t_k1);
	t_put(st, 1, "alpha");
	store_close(st);
	ck_assert_ptr_null(t_open(dir, NULL, err, sizeof(err)));
	t_rmdir(dir);

	/* The memory store has nothing to encrypt. */
	{
		struct store_opts o;

		memset(&o, 0, sizeof(o));
		o.kind = STORE_MEMORY;
		o.max_values_per_key = 4;
		o.atrest_key = t_k1;
		ck_assert_ptr_null(store_open(&o, err, sizeof(err)));
		ck_assert_ptr_nonnull(strstr(err, "leveldb"));
	}
}
END_TEST

/* The LevelDB keys of the 'v' records in dir, at most max, in order. */
static size_t
t_vkeys(leveldb_t *db, char (*keys)[65], size_t max)
{
	leveldb_readoptions_t	*ro = leveldb_readoptions_create();
	leveldb_iterator_t	*it = leveldb_create_iterator(db, ro);
	const char		*k;
	size_t			 klen, n = 0;

	for (leveldb_iter_seek(it, "v", 1); leveldb_iter_valid(it) && n < max;
	    leveldb_iter_next(it)) {
		k = leveldb_iter_key(it, &klen);
		if (klen != 65 || k[0] != 'v')
			break;
		memcpy(keys[n++], k, 65);
	}
	leveldb_iter_destroy(it);
	leveldb_readoptions_destroy(ro);
	return n;
}

/*
 * Through the LevelDB C API: flips one byte of the first record's stored
 * bytes (move 0), or writes the first record's bytes under the second's
 * key (move 1).
 */
static void
t_tamper(const char *dir, int move)
{
	leveldb_options_t	*o = leveldb_options_create();
	leveldb_readoptions_t	*ro = leveldb_readoptions_create();
	leveldb_writeoptions_t	*wo = leveldb_writeoptions_create();
	leveldb_t		*db;
	char			 keys[2][65], *val, *lerr = NULL;
	size_t			 vlen;

	db = leveldb_open(o, dir, &lerr);
	ck_assert_msg(lerr == NULL, "%s", lerr);
	ck_assert_uint_eq(t_vkeys(db, keys, 2), 2);
	val = leveldb_get(db, ro, keys[0], 65, &vlen, &lerr);
	ck_assert_ptr_nonnull(val);
	if (move)
		leveldb_put(db, wo, keys[1], 65, val, vlen, &lerr);
	else {
		val[vlen - 20] ^= 0x01;
		leveldb_put(db, wo, keys[0], 65, val, vlen, &lerr);
	}
	ck_assert_ptr_null(lerr);
	leveldb_free(val);
	leveldb_close(db);
	leveldb_writeoptions_destroy(wo);
	leveldb_readoptions_destroy(ro);
	leveldb_options_destroy(o);
}

static void
t_tamper_case(int move)
{
	struct store		*st;
	struct store_value	 v;
	struct store_digest	 dg[4];
	char			 dir[T_DIR_LEN], got[256];
	uint8_t			 key[ID_LEN], keys[4][ID_LEN];
	const char		*why;
	size_t			 n, total;

	t_mkdtemp(dir);
	st = t_open_ok(dir, t_k1);
	t_put(st, 1, "alpha");
	t_put(st, 1, "beta");
	t_put(st, 1, "gamma");
	t_put(st, 2, "other");
	store_close(st);
	t_tamper(dir, move);

	st = t_open_ok(dir, t_k1);
	t_get(st, 1, got, sizeof(got));
	ck_assert_uint_eq(t_tampered(st), 1);
	/* Two of the three are left, whichever the damaged one was. */
	ck_assert_msg(strlen(got) == strlen("alpha|beta|gamma|") - 6 ||
	    strlen(got) == strlen("alpha|beta|gamma|") - 5, "%s", got);
	t_get(st, 2, got, sizeof(got));
	ck_assert_str_eq(got, "other|");
	/* Digests come from the index; the bytes behind them never do. */
	memset(key, 1, sizeof(key));
	ck_assert_int_eq(store_get_digests(st, key, 0, T_NOW, 0, 4, dg, &n,
	    &total, &why), 0);
	ck_assert_uint_eq(n, 3);
	for (size_t i = 0, served = 0; i < n; i++) {
		if (store_get_hash(st, key, dg[i].hash, T_NOW, &v, &why) == 1) {
			free(v.data);
			served++;
		}
		if (i == n - 1)
			ck_assert_uint_eq(served, 2);
	}
	ck_assert_uint_ge(t_tampered(st), 2);
	ck_assert_int_eq(store_keys(st, NULL, 4, keys, &why), 2);
	/* The sweep and a delete cope with it too. */
	for (size_t i = 0; i < n; i++)
		ck_assert_int_ge(store_del(st, key, dg[i].hash, &why), 0);
	t_get(st, 1, got, sizeof(got));
	ck_assert_str_eq(got, "");
	ck_assert_int_ge(store_expire(st, T_FAR, 100, &why), 1);
	store_close(st);
	t_rmdir(dir);
}

/* Flips one bit of the record at key k (klen bytes) in dir's LevelDB. */
static void
t_flip_key(const char *dir, const char *k, size_t klen)
{
	leveldb_options_t	*o = leveldb_options_create();
	leveldb_readoptions_t	*ro = leveldb_readoptions_create();
	leveldb_writeoptions_t	*wo = leveldb_writeoptions_create();
	leveldb_t		*db;
	char			*val, *lerr = NULL;
	size_t			 vlen;

	db = leveldb_open(o, dir, &lerr);
	ck_assert_msg(lerr == NULL, "%s", lerr);
	ck_assert_ptr_nonnull(val = leveldb_get(db, ro, k, klen, &vlen,
	    &lerr));
	val[vlen / 2] ^= 0x40;
	leveldb_put(db, wo, k, klen, val, vlen, &lerr);
	ck_assert_ptr_null(lerr);
	leveldb_free(val);
	leveldb_close(db);
	leveldb_writeoptions_destroy(wo);
	leveldb_readoptions_destroy(ro);
	leveldb_options_destroy(o);
}

START_TEST(test_named_tampered)
{
	struct store	*st;
	char		 dir[T_DIR_LEN], got[64];
	uint8_t		*meta;
	size_t		 mlen;
	const char	*why;

	t_mkdtemp(dir);
	st = t_open_ok(dir, t_k1);
	t_put(st, 1, "alpha");
	ck_assert_int_eq(store_meta_put(st, "permanent", "the list", 8, &why),
	    0);
	store_close(st);
	t_flip_key(dir, "\0permanent", 10);
	st = t_open_ok(dir, t_k1);
	ck_assert_int_eq(store_meta_get(st, "permanent", &meta, &mlen, &why),
	    -1);
	ck_assert_str_eq(why, "named record failed authentication");
	ck_assert_ptr_null(meta);
	ck_assert_uint_eq(t_tampered(st), 1);
	t_get(st, 1, got, sizeof(got));
	ck_assert_str_eq(got, "alpha|");
	store_close(st);
	/* The marker altered: the store no longer opens with its key. */
	t_flip_key(dir, "\0at-rest", 8);
	ck_assert_ptr_null(t_open(dir, t_k1, got, sizeof(got)));
	t_rmdir(dir);
}
END_TEST

START_TEST(test_flipped)
{
	t_tamper_case(0);
}
END_TEST

START_TEST(test_moved)
{
	t_tamper_case(1);
}
END_TEST

/* Whether any file of dir holds s. */
static int
t_dir_holds(const char *dir, const char *s)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[T_DIR_LEN * 2], *buf;
	FILE		*f;
	size_t		 n, slen = strlen(s), i;
	int		 found = 0;

	ck_assert_ptr_nonnull(d = opendir(dir));
	ck_assert_ptr_nonnull(buf = malloc(16 << 20));
	while (!found && (de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || (f = fopen(path, "rb")) == NULL)
			continue;
		n = fread(buf, 1, 16 << 20, f);
		fclose(f);
		for (i = 0; !found && i + slen <= n; i++)
			found = memcmp(buf + i, s, slen) == 0;
	}
	free(buf);
	closedir(d);
	return found;
}

static void
t_compact(const char *dir)
{
	leveldb_options_t	*o = leveldb_options_create();
	leveldb_t		*db;
	char			*lerr = NULL;

	db = leveldb_open(o, dir, &lerr);
	ck_assert_ptr_null(lerr);
	leveldb_compact_range(db, NULL, 0, NULL, 0);
	leveldb_close(db);
	leveldb_options_destroy(o);
}

/* Values and named records: in the log, then in compacted tables. */
static int
t_leaks(const uint8_t *key)
{
	struct store	*st;
	char		 dir[T_DIR_LEN];
	const char	*why;
	int		 log, table;

	t_mkdtemp(dir);
	st = t_open_ok(dir, key);
	t_put(st, 7, T_SECRET "-value");
	ck_assert_int_eq(store_meta_put(st, "permanent", T_SECRET "-named",
	    strlen(T_SECRET "-named"), &why), 0);
	store_close(st);
	log = t_dir_holds(dir, T_SECRET);
	t_compact(dir);
	table = t_dir_holds(dir, T_SECRET);
	t_rmdir(dir);
	return log * 2 + table;
}

START_TEST(test_no_plaintext)
{
	/* The same search finds it in an unencrypted store: it can fail. */
	ck_assert_int_eq(t_leaks(NULL), 3);
	ck_assert_int_eq(t_leaks(t_k1), 0);
}
END_TEST

START_TEST(test_quota_overhead)
{
	struct quota_limits	 lim;
	struct quota		*q;

	memset(&lim, 0, sizeof(lim));
	lim.per_key = 4;
	ck_assert_ptr_nonnull(q = quota_new(&lim, 1));
	ck_assert_uint_eq(quota_store_cost(q, 2, 100), 2 * 240 + 100);
	quota_free(q);
	lim.value_overhead = QUOTA_VALUE_OVERHEAD + ATREST_OVERHEAD;
	ck_assert_ptr_nonnull(q = quota_new(&lim, 1));
	ck_assert_uint_eq(quota_store_cost(q, 2, 100), 2 * 280 + 100);
	quota_free(q);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("atrest");
	TCase *tc;

	tc = tcase_create("atrest");
	tcase_add_unchecked_fixture(tc, t_setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_aead);
	tcase_add_test(tc, test_key_file);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_flipped);
	tcase_add_test(tc, test_moved);
	tcase_add_test(tc, test_named_tampered);
	tcase_add_test(tc, test_no_plaintext);
	tcase_add_test(tc, test_quota_overhead);
	suite_add_tcase(s, tc);
	return check_run(s);
}

/*
 * check_conf — the configuration table: defaults, every key from text,
 * every file error with its PATH:LINE: prefix, units, round trips.
 */
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "conf.h"
#include "conf_impl.h"
#include "log.h"
#include "check_util.h"

#define NKEYS		38
#define ERRLEN		1024
#define FIELD(m)	offsetof(struct conf, m), sizeof(((struct conf *)NULL)->m)

static char tmpdir[64];
static char cfpath[128];

/* Writes len bytes to cfpath, for conf_load. */
static void
write_conf(const char *text, size_t len)
{
	FILE *fp;

	fp = fopen(cfpath, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
}

/* The defaults, over a conf that holds nothing or something. */
static void
conf_reset(struct conf *c)
{
	conf_free(c);
	conf_defaults(c);
}

/* Loads text over the defaults; returns conf_load's result. */
static int
load_text(struct conf *c, const char *text, char *err)
{
	conf_reset(c);
	write_conf(text, strlen(text));
	err[0] = '\0';
	return conf_load(c, cfpath, err, ERRLEN);
}

static uint64_t
get_num(const struct conf *c, size_t off, size_t size)
{
	uint64_t v64;
	uint32_t v32;

	if (size == sizeof(v64)) {
		memcpy(&v64, (const char *)c + off, sizeof(v64));
		return v64;
	}
	ck_assert_uint_eq(size, sizeof(v32));
	memcpy(&v32, (const char *)c + off, sizeof(v32));
	return v32;
}

static char *
print_conf(const struct conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	fp = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(fp);
	conf_print(c, fp);
	ck_assert_int_eq(fclose(fp), 0);
	return buf;
}

START_TEST(test_defaults)
{
	struct conf c = { 0 };
	const char *why = NULL;

	conf_reset(&c);
	ck_assert_str_eq(c.listen, "0.0.0.0:9000");
	ck_assert_uint_eq(c.nbootstrap, 0);
	ck_assert_str_eq(c.socket_group, "");
	ck_assert_int_eq(c.storage, CONF_STORAGE_LEVELDB);
	ck_assert_int_eq(c.log_level, LOG_LEVEL_INFO);
	ck_assert_uint_eq(c.default_ttl_s, 3600);
	ck_assert_uint_eq(c.max_ttl_s, 86400);
	ck_assert_uint_eq(c.max_values_per_key, 1024);
	ck_assert_uint_eq(c.max_store_bytes, 1ull << 30);
	ck_assert_uint_eq(c.quota_values_per_key, 256);
	ck_assert_uint_eq(c.quota_source_bytes, 64ull << 20);
	ck_assert_uint_eq(c.quota_prefix_values_per_key, 512);
	ck_assert_uint_eq(c.quota_prefix_bytes, 256ull << 20);
	ck_assert_uint_eq(c.quota_total_bytes, 1ull << 30);
	ck_assert_int_eq(c.sync, 0);
	ck_assert_uint_eq(c.control_max_clients, 64);
	ck_assert_uint_eq(c.control_idle_timeout_s, 60);
	ck_assert_uint_eq(c.control_output_timeout_s, 30);
	ck_assert_uint_eq(c.rpc_timeout_ms, 1000);
	ck_assert_uint_eq(c.rpc_retries, 2);
	ck_assert_uint_eq(c.alpha, 3);
	ck_assert_uint_eq(c.addr_cache_max, 0);
	ck_assert_uint_eq(c.recv_buffer, 8u << 20);
	ck_assert_uint_eq(c.send_buffer, 4u << 20);
	ck_assert_uint_eq(c.refresh_interval_s, 3600);
	ck_assert_uint_eq(c.republish_interval_s, 3600);
	ck_assert_uint_eq(c.expire_interval_s, 60);
	ck_assert_int_eq(c.data_dir[0], '/');
	ck_assert_int_eq(c.socket[0], '/');
	if (geteuid() == 0) {
		ck_assert_str_eq(c.data_dir, "/var/lib/emo");
		ck_assert_str_eq(c.socket, "/run/emo/emod.sock");
	}
	ck_assert_msg(conf_validate(&c, &why) == 0, "%s", why);
	conf_free(&c);
}
END_TEST

/* The default paths of an unprivileged user, by environment. */
static const struct {
	const char	*xdg_state, *home, *xdg_runtime;
	const char	*data_dir, *socket;	/* "%u" is the euid */
} path_cases[] = {
	{ "/xs", "/h", "/run/user/7", "/xs/emo", "/run/user/7/emo/emod.sock" },
	{ NULL, "/h", NULL, "/h/.local/state/emo", "/tmp/emo-%u/emod.sock" },
	{ "rel", "/h", "rel", "/h/.local/state/emo", "/tmp/emo-%u/emod.sock" },
	{ NULL, NULL, NULL, "/tmp/emo-%u/data", "/tmp/emo-%u/emod.sock" },
	{ "", "", "", "/tmp/emo-%u/data", "/tmp/emo-%u/emod.sock" },
	/* Too long for sockaddr_un: the socket falls back to /tmp. */
	{ NULL, "/h", "/r/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	  "/h/.local/state/emo", "/tmp/emo-%u/emod.sock" },
	/* A path conf_print could not write back is passed over. */
	{ "/a #b", "/h", NULL, "/h/.local/state/emo", "/tmp/emo-%u/emod.sock" },
};

static void
setenv_or_unset(const char *name, const char *v)
{
	if (v == NULL)
		ck_assert_int_eq(unsetenv(name), 0);
	else
		ck_assert_int_eq(setenv(name, v, 1), 0);
}

static void
expand_uid(char *buf, size_t len, const char *pat)
{
	const char *p = strstr(pat, "%u");

	if (p == NULL)
		snprintf(buf, len, "%s", pat);
	else
		snprintf(buf, len, "%.*s%u%s", (int)(p - pat), pat,
		    (unsigned)geteuid(), p + 2);
}

START_TEST(test_default_paths)
{
	static const char *const vars[] = {
		"XDG_STATE_HOME", "HOME", "XDG_RUNTIME_DIR",
	};
	char *saved[3], want[256];
	struct conf c = { 0 };
	int dropped = 0;
	size_t i;

	for (i = 0; i < 3; i++) {
		saved[i] = getenv(vars[i]);
		if (saved[i] != NULL)
			saved[i] = strdup(saved[i]);
	}
	/* Root gets fixed paths; test the user rules under another euid. */
	if (geteuid() == 0) {
		if (seteuid(65534) == -1)
			return;
		dropped = 1;
	}
	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		setenv_or_unset("XDG_STATE_HOME", path_cases[i].xdg_state);
		setenv_or_unset("HOME", path_cases[i].home);
		setenv_or_unset("XDG_RUNTIME_DIR", path_cases[i].xdg_runtime);
		conf_reset(&c);
		expand_uid(want, sizeof(want), path_cases[i].data_dir);
		ck_assert_msg(strcmp(c.data_dir, want) == 0,
		    "case %zu: data_dir %s, want %s", i, c.data_dir, want);
		expand_uid(want, sizeof(want), path_cases[i].socket);
		ck_assert_msg(strcmp(c.socket, want) == 0,
		    "case %zu: socket %s, want %s", i, c.socket, want);
	}
	if (dropped)
		ck_assert_int_eq(seteuid(0), 0);
	for (i = 0; i < 3; i++) {
		setenv_or_unset(vars[i], saved[i]);
		free(saved[i]);
	}
	conf_free(&c);
}
END_TEST

/* One row per key (more for some); every key must appear. */
static const struct {
	const char	*line;
	size_t		 off, size;
	uint64_t	 num;
	const char	*str;		/* for text fields */
} set_cases[] = {
	{ "listen = 127.0.0.1:4000", FIELD(listen), 0, "127.0.0.1:4000" },
	{ "listen = [::1]:4000", FIELD(listen), 0, "[::1]:4000" },
	{ "listen=[fe80::1%eth0]:1", FIELD(listen), 0, "[fe80::1%eth0]:1" },
	{ "bootstrap = boot.example.org:9000", FIELD(bootstrap[0]), 0,
	  "boot.example.org:9000" },
	{ "data_dir = /srv/emo data", FIELD(data_dir), 0, "/srv/emo data" },
	{ "data_dir = /srv/a#b", FIELD(data_dir), 0, "/srv/a#b" },
	{ "log_level = debug", FIELD(log_level), LOG_LEVEL_DEBUG, NULL },
	{ "log_level = WARN", FIELD(log_level), LOG_LEVEL_WARN, NULL },
	{ "storage = memory", FIELD(storage), CONF_STORAGE_MEMORY, NULL },
	{ "storage = leveldb", FIELD(storage), CONF_STORAGE_LEVELDB, NULL },
	{ "sync = yes", FIELD(sync), 1, NULL },
	{ "sync = On", FIELD(sync), 1, NULL },
	{ "sync = true", FIELD(sync), 1, NULL },
	{ "sync = 1", FIELD(sync), 1, NULL },
	{ "sync = off", FIELD(sync), 0, NULL },
	{ "storage_key_file = /etc/emo/storage.key", FIELD(storage_key_file),
	  0, "/etc/emo/storage.key" },
	{ "storage_key_file =", FIELD(storage_key_file), 0, "" },
	{ "default_ttl = 1", FIELD(default_ttl_s), 1, NULL },
	{ "max_ttl = 7d", FIELD(max_ttl_s), 604800, NULL },
	{ "max_values_per_key = 4096", FIELD(max_values_per_key), 4096, NULL },
	{ "max_store_bytes = 0", FIELD(max_store_bytes), 0, NULL },
	{ "max_store_bytes = 3K", FIELD(max_store_bytes), 3072, NULL },
	{ "quota_values_per_key = 1", FIELD(quota_values_per_key), 1, NULL },
	{ "quota_source_bytes = 0", FIELD(quota_source_bytes), 0, NULL },
	{ "quota_prefix_values_per_key = 0", FIELD(quota_prefix_values_per_key),
	    0, NULL },
	{ "quota_prefix_bytes = 1M", FIELD(quota_prefix_bytes), 1 << 20,
	    NULL },
	{ "quota_total_bytes = 2M", FIELD(quota_total_bytes), 2 << 20, NULL },
	{ "socket = /run/x.sock", FIELD(socket), 0, "/run/x.sock" },
	{ "socket_group = emo", FIELD(socket_group), 0, "emo" },
	{ "socket_group =", FIELD(socket_group), 0, "" },
	{ "control_max_clients = 1", FIELD(control_max_clients), 1, NULL },
	{ "control_idle_timeout = 2m", FIELD(control_idle_timeout_s), 120,
	  NULL },
	{ "control_output_timeout = 5", FIELD(control_output_timeout_s), 5,
	  NULL },
	{ "metrics_listen = 127.0.0.1:9101", FIELD(metrics_listen), 0,
	  "127.0.0.1:9101" },
	{ "metrics_listen =", FIELD(metrics_listen), 0, "" },
	{ "rpc_timeout_ms = 50", FIELD(rpc_timeout_ms), 50, NULL },
	{ "rpc_retries = 0", FIELD(rpc_retries), 0, NULL },
	{ "addr_cache_max = 64", FIELD(addr_cache_max), 64, NULL },
	{ "alpha = 16", FIELD(alpha), 16, NULL },
	{ "recv_buffer = 64K", FIELD(recv_buffer), 65536, NULL },
	{ "send_buffer = 1G", FIELD(send_buffer), 1u << 30, NULL },
	{ "id_difficulty = 12", FIELD(id_difficulty), 12, NULL },
	{ "id_difficulty = 0", FIELD(id_difficulty), 0, NULL },
	{ "limit_local = yes", FIELD(limit_local), 1, NULL },
	{ "limit_local = no", FIELD(limit_local), 0, NULL },
	{ "sched_batch = no", FIELD(sched_batch), 0, NULL },
	{ "sched_batch = yes", FIELD(sched_batch), 1, NULL },
	{ "wide_buckets = no", FIELD(wide_buckets), 0, NULL },
	{ "wide_buckets = yes", FIELD(wide_buckets), 1, NULL },
	{ "rate_limit = 1", FIELD(rate_limit), 1, NULL },
	{ "rate_burst = 1000000", FIELD(rate_burst), 1000000, NULL },
	{ "answer_budget = 64K", FIELD(answer_budget), 65536, NULL },
	{ "refresh_interval = 10", FIELD(refresh_interval_s), 10, NULL },
	{ "republish_interval = 1d", FIELD(republish_interval_s), 86400,
	  NULL },
	{ "expire_interval = 1h", FIELD(expire_interval_s), 3600, NULL },
	{ "  expire_interval\t=\t30s   # trailing comment",
	  FIELD(expire_interval_s), 30, NULL },
};

START_TEST(test_set_every_key)
{
	char err[ERRLEN], key[64];
	const char *k;
	struct conf c = { 0 };
	unsigned i, j;
	size_t n;
	int found;

	for (i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		ck_assert_msg(load_text(&c, set_cases[i].line, err) == 0,
		    "%s: %s", set_cases[i].line, err);
		if (set_cases[i].str != NULL)
			ck_assert_str_eq(*(char **)(void *)((char *)&c +
			    set_cases[i].off), set_cases[i].str);
		else
			ck_assert_uint_eq(get_num(&c, set_cases[i].off,
			    set_cases[i].size), set_cases[i].num);
	}
	for (j = 0; (k = conf_key_name(j)) != NULL; j++) {
		found = 0;
		for (i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
			n = strcspn(set_cases[i].line + strspn(
			    set_cases[i].line, " \t"), " \t=");
			snprintf(key, sizeof(key), "%.*s", (int)n,
			    set_cases[i].line + strspn(set_cases[i].line,
			    " \t"));
			found |= strcmp(key, k) == 0;
		}
		ck_assert_msg(found, "key %s has no set case", k);
	}
	conf_free(&c);
}
END_TEST

/* A file, the line of its error and the reason after "PATH:LINE: ". */
static const struct {
	const char	*text;
	unsigned	 line;
	const char	*msg;
} err_cases[] = {
	{ "# c\n\nlisen = 1.2.3.4:5\n", 3, "unknown key 'lisen'" },
	{ "max_ttl = 0\n", 1, "max_ttl: '0' is below the minimum 1" },
	{ "a\n", 1, "expected 'key = value'" },
	{ " = 5\n", 1, "expected 'key = value'" },
	{ "alpha = 3\nalpha = 4\n", 2,
	  "duplicate key 'alpha' (first set on line 1)" },
	{ "alpha =\n", 1, "alpha: empty value" },
	{ "alpha = 17\n", 1, "alpha: '17' is above the maximum 16" },
	{ "alpha = -1\n", 1, "alpha: '-1' is not a number" },
	{ "alpha = +1\n", 1, "alpha: '+1' is not a number" },
	{ "alpha = 3x\n", 1, "alpha: '3x' is not a number" },
	{ "alpha = 3K\n", 1, "alpha: '3K' is not a number" },
	{ "alpha = 0x3\n", 1, "alpha: '0x3' is not a number" },
	{ "alpha = 1 2\n", 1, "alpha: '1 2' is not a number" },
	{ "rpc_timeout_ms = 49\n", 1,
	  "rpc_timeout_ms: '49' is below the minimum 50" },
	{ "rpc_retries = 11\n", 1, "rpc_retries: '11' is above the maximum 10" },
	{ "rate_limit = 0\n", 1, "rate_limit: '0' is below the minimum 1" },
	{ "answer_budget = 2G\n", 1,
	  "answer_budget: '2G' is above the maximum 1G" },
	{ "max_values_per_key = 4097\n", 1,
	  "max_values_per_key: '4097' is above the maximum 4096" },
	{ "control_max_clients = 0\n", 1,
	  "control_max_clients: '0' is below the minimum 1" },
	{ "control_idle_timeout = 2d\n", 1,
	  "control_idle_timeout: '2d' is above the maximum 86400" },
	{ "control_output_timeout = 0\n", 1,
	  "control_output_timeout: '0' is below the minimum 1" },
	{ "max_ttl = 8d\n", 1, "max_ttl: '8d' is above the maximum 604800" },
	{ "default_ttl = 1w\n", 1,
	  "default_ttl: '1w' has an unknown unit (use s, m, h or d)" },
	{ "default_ttl = 1H\n", 1,
	  "default_ttl: '1H' has an unknown unit (use s, m, h or d)" },
	{ "default_ttl = 1hh\n", 1,
	  "default_ttl: '1hh' has an unknown unit (use s, m, h or d)" },
	{ "default_ttl = h\n", 1, "default_ttl: 'h' is not a number" },
	{ "recv_buffer = 63K\n", 1,
	  "recv_buffer: '63K' is below the minimum 64K" },
	{ "recv_buffer = 2G\n", 1, "recv_buffer: '2G' is above the maximum 1G" },
	{ "send_buffer = 8MB\n", 1,
	  "send_buffer: '8MB' has an unknown unit (use K, M or G)" },
	{ "send_buffer = 8s\n", 1,
	  "send_buffer: '8s' has an unknown unit (use K, M or G)" },
	/* Overflow: 2^64 bytes, and digits past UINT64_MAX. */
	{ "max_store_bytes = 17179869184G\n", 1, "max_store_bytes: "
	  "'17179869184G' is above the maximum 18446744073709551615" },
	{ "max_store_bytes = 18446744073709551616\n", 1, "max_store_bytes: "
	  "'18446744073709551616' is above the maximum 18446744073709551615" },
	{ "expire_interval = 99999999999999999999999999d\n", 1,
	  "expire_interval: '99999999999999999999999999d' is above the "
	  "maximum 3600" },
	{ "max_ttl = 4294967297\n", 1,
	  "max_ttl: '4294967297' is above the maximum 604800" },
	{ "sync = maybe\n", 1, "sync: 'maybe' is not a boolean "
	  "(yes/no, true/false, on/off, 1/0)" },
	{ "storage = disk\n", 1,
	  "storage: 'disk' is not one of leveldb, memory" },
	{ "log_level = loud\n", 1,
	  "log_level: 'loud' is not one of warn, info, debug" },
	{ "data_dir = var/lib\n", 1,
	  "data_dir: 'var/lib' is not an absolute path" },
	{ "data_dir = /a\t\tb\n", 1,
	  "data_dir: '/a\\x09\\x09b' contains a control character" },
	{ "data_dir = /a\rb\n", 1,
	  "data_dir: '/a\\x0db' contains a control character" },
	{ "data_dir = /a\xc3\n", 1, "not valid UTF-8 text" },
	{ "# \xff\n", 1, "not valid UTF-8 text" },
	{ "# \xed\xa0\x80 surrogate\n", 1, "not valid UTF-8 text" },
	{ "# \xc0\xaf overlong\n", 1, "not valid UTF-8 text" },
	{ "socket = /run/emo/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.sock\n", 1,
	  "socket: '/run/emo/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxx...' is longer than 107 bytes" },
	{ "socket_group = a b\n", 1, "socket_group: 'a b' contains whitespace" },
	{ "socket_group =#x\n", 1, "socket_group: '#x' starts with '#'" },
	{ "listen = 1.2.3.4\n", 1, "listen: '1.2.3.4': missing ':PORT'" },
	{ "listen = 1.2.3.4:0\n", 1, "listen: '1.2.3.4:0': port is not in "
	  "1..65535" },
	{ "listen = ::1:80\n", 1, "listen: '::1:80': too many ':' "
	  "(an IPv6 address needs brackets)" },
	{ "listen = a b:80\n", 1, "listen: 'a b:80': bad character in host" },
	{ "listen =\n", 1, "listen: empty value" },
	{ "metrics_listen = 127.0.0.1\n", 1,
	  "metrics_listen: '127.0.0.1': missing ':PORT'" },
	{ "bootstrap = [::1]\n", 1, "bootstrap: '[::1]': missing ':PORT' "
	  "after ']'" },
	{ "bootstrap = 1.2.3.4:1\nbootstrap = :1\n", 2,
	  "bootstrap: ':1': empty host" },
	{ "ok = 1\0 = 2\n", 1, "NUL byte" },
	{ "\n\n\xef\xbb\xbf# BOM not on line 1\n", 3,
	  "expected 'key = value'" },
	{ "Listen = 1.2.3.4:5\n", 1, "unknown key 'Listen'" },
	{ "lis\x01ten = 1.2.3.4:5\n", 1, "unknown key 'lis\\x01ten'" },
};

START_TEST(test_errors)
{
	char err[ERRLEN], want[ERRLEN];
	struct conf c = { 0 };
	unsigned i;
	size_t len;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		conf_reset(&c);
		/* One case holds a NUL: write up to the final newline. */
		len = strlen(err_cases[i].text);
		if (strstr(err_cases[i].msg, "NUL") != NULL)
			len += strlen(err_cases[i].text + len + 1) + 1;
		write_conf(err_cases[i].text, len);
		ck_assert_msg(conf_load(&c, cfpath, err, sizeof(err)) == -1,
		    "case %u loaded", i);
		snprintf(want, sizeof(want), "%s:%u: %s", cfpath,
		    err_cases[i].line, err_cases[i].msg);
		ck_assert_str_eq(err, want);
	}
	conf_free(&c);
}
END_TEST

/* Units and bounds, through conf_set: key, text, then value or reason. */
static const struct {
	const char	*key, *text;
	uint64_t	 want;
	const char	*why;
} unit_cases[] = {
	{ "max_store_bytes", "1", 1, NULL },
	{ "max_store_bytes", "1k", 1024, NULL },
	{ "max_store_bytes", "2M", 2 << 20, NULL },
	{ "max_store_bytes", "5g", 5ull << 30, NULL },
	{ "max_store_bytes", "17179869183G", UINT64_MAX - (1ull << 30) + 1,
	  NULL },
	{ "max_store_bytes", "18446744073709551615", UINT64_MAX, NULL },
	{ "max_store_bytes", "17179869184G", 0, "above the maximum" },
	{ "max_store_bytes", "1T", 0, "unknown unit" },
	{ "max_store_bytes", "", 0, "empty value" },
	{ "recv_buffer", "65536", 65536, NULL },
	{ "recv_buffer", "65535", 0, "below the minimum" },
	{ "recv_buffer", "1073741824", 1 << 30, NULL },
	{ "recv_buffer", "1073741825", 0, "above the maximum" },
	{ "max_ttl", "604800", 604800, NULL },
	{ "max_ttl", "10080m", 604800, NULL },
	{ "max_ttl", "168h", 604800, NULL },
	{ "max_ttl", "604801", 0, "above the maximum" },
	{ "max_ttl", "45s", 45, NULL },
	{ "expire_interval", "1m", 60, NULL },
	{ "expire_interval", "61m", 0, "above the maximum" },
	{ "refresh_interval", "9s", 0, "below the minimum" },
	{ "refresh_interval", "0d", 0, "below the minimum" },
	{ "alpha", "007", 7, NULL },
	{ "alpha", " 7", 0, "not a number" },
	{ "listen", "x", 0, "missing ':PORT'" },
	{ "nope", "1", 0, "unknown key" },
	{ "data_dir", "/a #b", 0, "contains ' #', which starts a comment" },
	{ "data_dir", "/a ", 0, "ends with whitespace" },
	{ "data_dir", "/a\xff", 0, "not valid UTF-8" },
};

/* The field a key sets, found through its first set_cases row. */
static void
key_field(const char *key, size_t *off, size_t *size)
{
	size_t i, n = strlen(key);

	for (i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		if (strncmp(set_cases[i].line, key, n) == 0 &&
		    (set_cases[i].line[n] == ' ' ||
		    set_cases[i].line[n] == '=')) {
			*off = set_cases[i].off;
			*size = set_cases[i].size;
			return;
		}
	}
	ck_abort_msg("no field for %s", key);
}

START_TEST(test_units)
{
	size_t off, size;
	const char *why;
	struct conf c = { 0 };
	unsigned i;

	for (i = 0; i < sizeof(unit_cases) / sizeof(unit_cases[0]); i++) {
		conf_reset(&c);
		why = NULL;
		if (unit_cases[i].why != NULL) {
			ck_assert_int_eq(conf_set(&c, unit_cases[i].key,
			    unit_cases[i].text, &why), -1);
			ck_assert_str_eq(why, unit_cases[i].why);
			continue;
		}
		ck_assert_msg(conf_set(&c, unit_cases[i].key,
		    unit_cases[i].text, &why) == 0, "%s = %s: %s",
		    unit_cases[i].key, unit_cases[i].text, why);
		key_field(unit_cases[i].key, &off, &size);
		ck_assert_uint_eq(get_num(&c, off, size), unit_cases[i].want);
	}
	conf_free(&c);
}
END_TEST

START_TEST(test_crlf_and_layout)
{
	char err[ERRLEN];
	struct conf c = { 0 };

	ck_assert_msg(load_text(&c, "\xef\xbb\xbf# emod\r\n\r\n"
	    "alpha = 5\r\n\t# indented comment\r\n"
	    "sync=yes#not a comment\r\n", err) == -1, "#x is part of a value");
	ck_assert_msg(load_text(&c, "\xef\xbb\xbf# emod\r\n\r\n"
	    "alpha = 5\r\n\t# indented comment\r\n"
	    "socket_group = wheel # the admins\r\n"
	    "data_dir = /srv/emo\r\n"
	    "max_ttl = 2d", err) == 0, "%s", err);
	ck_assert_uint_eq(c.alpha, 5);
	ck_assert_str_eq(c.socket_group, "wheel");
	ck_assert_str_eq(c.data_dir, "/srv/emo");
	ck_assert_uint_eq(c.max_ttl_s, 172800);
	/* An empty file and a file of comments change nothing. */
	ck_assert_int_eq(load_text(&c, "", err), 0);
	ck_assert_int_eq(load_text(&c, "#\n   \n\t\n", err), 0);
	ck_assert_uint_eq(c.alpha, 3);
	conf_free(&c);
}
END_TEST

START_TEST(test_long_lines)
{
	char *text, err[ERRLEN], want[ERRLEN];
	struct conf c = { 0 };
	size_t n = CONF_MAX_LINE + 16;

	text = malloc(n);
	ck_assert_ptr_nonnull(text);
	/* A comment of exactly CONF_MAX_LINE bytes, with LF and CRLF. */
	memset(text, 'x', CONF_MAX_LINE);
	text[0] = '#';
	memcpy(text + CONF_MAX_LINE, "\nalpha = 4\n", 12);
	ck_assert_msg(load_text(&c, text, err) == 0, "%s", err);
	ck_assert_uint_eq(c.alpha, 4);
	memcpy(text + CONF_MAX_LINE, "\r\nalpha = 4\n", 13);
	ck_assert_msg(load_text(&c, text, err) == 0, "%s", err);
	/* One byte more, with or without a newline. */
	memset(text, 'x', CONF_MAX_LINE + 1);
	text[0] = '#';
	memcpy(text + CONF_MAX_LINE + 1, "\n", 2);
	write_conf(text, strlen(text));
	ck_assert_int_eq(conf_load(&c, cfpath, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: line longer than %d bytes",
	    cfpath, CONF_MAX_LINE);
	ck_assert_str_eq(err, want);
	text[CONF_MAX_LINE + 1] = '\0';
	ck_assert_int_eq(load_text(&c, text, err), -1);
	ck_assert_str_eq(err, want);
	memcpy(text + CONF_MAX_LINE + 1, "\r\n", 3);
	ck_assert_int_eq(load_text(&c, text, err), -1);
	ck_assert_str_eq(err, want);
	free(text);
	conf_free(&c);
}
END_TEST

START_TEST(test_bootstrap)
{
	char text[CONF_MAX_BOOTSTRAP * 32 + 64], err[ERRLEN], want[ERRLEN];
	struct conf c = { 0 };
	size_t o = 0;
	unsigned i;

	for (i = 0; i < CONF_MAX_BOOTSTRAP; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "bootstrap = 10.0.0.%u:%u\n", i, 9000 + i);
	ck_assert_msg(load_text(&c, text, err) == 0, "%s", err);
	ck_assert_uint_eq(c.nbootstrap, CONF_MAX_BOOTSTRAP);
	ck_assert_str_eq(c.bootstrap[0], "10.0.0.0:9000");
	ck_assert_str_eq(c.bootstrap[31], "10.0.0.31:9031");
	snprintf(text + o, sizeof(text) - o, "bootstrap = 10.1.1.1:1\n");
	ck_assert_int_eq(load_text(&c, text, err), -1);
	snprintf(want, sizeof(want), "%s:33: bootstrap: more than %d "
	    "addresses", cfpath, CONF_MAX_BOOTSTRAP);
	ck_assert_str_eq(err, want);
	/* An empty value clears what came before. */
	snprintf(text + o, sizeof(text) - o,
	    "bootstrap =\nbootstrap = [2001:db8::1]:7\n");
	ck_assert_msg(load_text(&c, text, err) == 0, "%s", err);
	ck_assert_uint_eq(c.nbootstrap, 1);
	ck_assert_str_eq(c.bootstrap[0], "[2001:db8::1]:7");
	ck_assert_ptr_null(c.bootstrap[1]);
	conf_free(&c);
}
END_TEST

/* Settings that differ from every default, for the round trip. */
static const char *const rt_texts[] = {
	"",
	"listen = [::]:9001\nbootstrap = a.example:1\nbootstrap = 10.0.0.1:2\n"
	"data_dir = /srv/my emo#1\nlog_level = debug\nstorage = memory\n"
	"sync = on\ndefault_ttl = 1m\nmax_ttl = 2h\nmax_values_per_key = 7\n"
	"max_store_bytes = 1536K\nsocket = /run/e.sock\nsocket_group = adm\n"
	"control_max_clients = 9\ncontrol_idle_timeout = 90\n"
	"control_output_timeout = 7\n"
	"rpc_timeout_ms = 333\nrpc_retries = 0\nalpha = 1\n"
	"recv_buffer = 65537\nsend_buffer = 1023M\nsend_buffer_x = 1\n",
	"max_store_bytes = 0\nlog_level = warn\nsocket_group = caf\xc3\xa9\n"
	"data_dir = /\xe2\x82\xac\n",
	"max_store_bytes = 18446744073709551615\nrecv_buffer = 1G\n",
};

START_TEST(test_roundtrip)
{
	struct conf a = { 0 }, b = { 0 };
	char err[ERRLEN], *text, *pa, *pb, *cut;
	unsigned i;

	for (i = 0; i < sizeof(rt_texts) / sizeof(rt_texts[0]); i++) {
		text = strdup(rt_texts[i]);
		ck_assert_ptr_nonnull(text);
		/* The last line of case 1 checks the unknown-key path. */
		if ((cut = strstr(text, "send_buffer_x")) != NULL) {
			ck_assert_int_eq(load_text(&a, text, err), -1);
			*cut = '\0';
		}
		ck_assert_msg(load_text(&a, text, err) == 0, "%s", err);
		free(text);
		pa = print_conf(&a);
		ck_assert_msg(load_text(&b, pa, err) == 0, "%s\n%s", err, pa);
		pb = print_conf(&b);
		ck_assert_str_eq(pa, pb);
		ck_assert_msg(conf_diff(&a, &b, NULL, 0) == 0, "case %u", i);
		free(pa);
		free(pb);
	}
	conf_free(&a);
	conf_free(&b);
}
END_TEST

/* conf_diff names the keys that differ, in table order, bounded. */
START_TEST(test_diff)
{
	struct conf a = { 0 }, b = { 0 };
	const char *keys[CONF_MAX_KEYS], *errstr;

	conf_reset(&a);
	ck_assert_int_eq(conf_copy(&b, &a), 0);
	ck_assert_ptr_ne(b.data_dir, a.data_dir);
	ck_assert_uint_eq(conf_diff(&a, &b, keys, CONF_MAX_KEYS), 0);
	ck_assert_int_eq(conf_set(&b, "rpc_timeout_ms", "700", &errstr), 0);
	ck_assert_int_eq(conf_set(&b, "metrics_listen", "127.0.0.1:1",
	    &errstr), 0);
	ck_assert_int_eq(conf_set(&b, "bootstrap", "10.0.0.1:1", &errstr), 0);
	ck_assert_uint_eq(conf_diff(&a, &b, keys, CONF_MAX_KEYS), 3);
	ck_assert_str_eq(keys[0], "bootstrap");
	ck_assert_str_eq(keys[1], "metrics_listen");
	ck_assert_str_eq(keys[2], "rpc_timeout_ms");
	keys[1] = NULL;
	ck_assert_uint_eq(conf_diff(&a, &b, keys, 1), 3);
	ck_assert_ptr_null(keys[1]);
	/* Set back to the same text: no difference left. */
	ck_assert_int_eq(conf_set(&b, "metrics_listen", "", &errstr), 0);
	ck_assert_int_eq(conf_set(&b, "rpc_timeout_ms", "1000", &errstr), 0);
	ck_assert_int_eq(conf_set(&b, "bootstrap", "", &errstr), 0);
	ck_assert_uint_eq(conf_diff(&a, &b, keys, CONF_MAX_KEYS), 0);
	conf_free(&a);
	conf_free(&b);
}
END_TEST

START_TEST(test_print)
{
	struct conf c = { 0 };
	const char *why;
	char *p;
	unsigned i;

	conf_reset(&c);
	ck_assert_int_eq(conf_set(&c, "data_dir", "/d", &why), 0);
	ck_assert_int_eq(conf_set(&c, "socket", "/s", &why), 0);
	p = print_conf(&c);
	ck_assert_str_eq(p,
	    "listen = 0.0.0.0:9000\n# bootstrap = (none)\ndata_dir = /d\n"
	    "log_level = info\nsched_batch = yes\nstorage = leveldb\nstorage_key_file =\n"
	    "sync = no\ndefault_ttl = 3600\nmax_ttl = 86400\nmax_values_per_key = 1024\n"
	    "max_store_bytes = 1G\nquota_values_per_key = 256\n"
	    "quota_source_bytes = 64M\nquota_prefix_values_per_key = 512\n"
	    "quota_prefix_bytes = 256M\nquota_total_bytes = 1G\n"
	    "socket = /s\nsocket_group =\n"
	    "control_max_clients = 64\ncontrol_idle_timeout = 60\n"
	    "control_output_timeout = 30\nmetrics_listen =\n"
	    "rpc_timeout_ms = 1000\nrpc_retries = 2\nalpha = 3\n"
	    "addr_cache_max = 0\n"
	    "recv_buffer = 8M\nsend_buffer = 4M\nid_difficulty = 10\n"
	    "limit_local = no\nwide_buckets = yes\n"
	    "rate_limit = 800\nrate_burst = 200\nanswer_budget = 8M\n"
	    "refresh_interval = 3600\n"
	    "republish_interval = 3600\nexpire_interval = 60\n");
	free(p);
	for (i = 0; conf_key_name(i) != NULL; i++)
		ck_assert_ptr_nonnull(conf_key_help(i));
	ck_assert_uint_eq(i, NKEYS);
	ck_assert_ptr_null(conf_key_name(NKEYS + 100));
	ck_assert_ptr_null(conf_key_help(NKEYS));
	conf_free(&c);
}
END_TEST

START_TEST(test_no_file)
{
	char err[ERRLEN], want[ERRLEN], path[192];
	struct conf c = { 0 };

	conf_reset(&c);
	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(conf_load(&c, tmpdir, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: %s", tmpdir, strerror(EISDIR));
	ck_assert_str_eq(err, want);
	/* A short buffer is cut, not overrun. */
	ck_assert_int_eq(conf_load(&c, path, err, 5), -1);
	ck_assert_uint_eq(strlen(err), 4);
	conf_free(&c);
}
END_TEST

START_TEST(test_validate)
{
	struct conf c = { 0 };
	const char *why;

	conf_reset(&c);
	ck_assert_int_eq(conf_validate(&c, &why), 0);
	c.default_ttl_s = c.max_ttl_s + 1;
	ck_assert_int_eq(conf_validate(&c, &why), -1);
	ck_assert_str_eq(why, "default_ttl is greater than max_ttl");
	c.max_ttl_s = c.default_ttl_s;
	ck_assert_int_eq(conf_validate(&c, &why), 0);
	/* Fields set behind conf_set's back are checked too. */
	conf_reset(&c);
	c.alpha = 0;
	ck_assert_int_eq(conf_validate(&c, &why), -1);
	ck_assert_str_eq(why, "alpha has an invalid value");
	conf_reset(&c);
	c.storage = 7;
	ck_assert_int_eq(conf_validate(&c, &why), -1);
	ck_assert_str_eq(why, "storage has an invalid value");
	conf_reset(&c);
	c.log_level = -1;
	ck_assert_int_eq(conf_validate(&c, &why), -1);
	ck_assert_str_eq(why, "log_level has an invalid value");
	conf_reset(&c);
	c.data_dir[0] = '\0';
	ck_assert_int_eq(conf_validate(&c, &why), -1);
	ck_assert_str_eq(why, "data_dir has an invalid value");
	conf_reset(&c);
	free(c.socket_group);	/* one byte over CONF_GROUP_MAX */
	ck_assert_ptr_nonnull(c.socket_group = malloc(CONF_GROUP_MAX + 2));
	memset(c.socket_group, 'g', CONF_GROUP_MAX + 1);
	c.socket_group[CONF_GROUP_MAX + 1] = '\0';
	ck_assert_uint_eq(strlen(c.socket_group), CONF_GROUP_MAX + 1);
	ck_assert_int_eq(conf_validate(&c, &why), -1);
	ck_assert_str_eq(why, "socket_group has an invalid value");
	conf_reset(&c);
	c.nbootstrap = 1;
	ck_assert_int_eq(conf_validate(&c, &why), -1);
	ck_assert_str_eq(why, "bootstrap has an invalid value");
	c.nbootstrap = CONF_MAX_BOOTSTRAP + 1;
	ck_assert_int_eq(conf_validate(&c, &why), -1);
	ck_assert_str_eq(why, "bootstrap has too many addresses");
	conf_free(&c);
}
END_TEST

static const struct {
	const char	*in, *host;
	int		 port;		/* -1: refused */
	const char	*why;
} hp_cases[] = {
	{ "0.0.0.0:9000", "0.0.0.0", 9000, NULL },
	{ "a-b.example_1.org:65535", "a-b.example_1.org", 65535, NULL },
	{ "[::]:1", "::", 1, NULL },
	{ "[::ffff:1.2.3.4]:80", "::ffff:1.2.3.4", 80, NULL },
	{ "[fe80::1%eth0]:80", "fe80::1%eth0", 80, NULL },
	{ "h:00080", "h", 80, NULL },
	{ "h:0", NULL, -1, "port is not in 1..65535" },
	{ "h:65536", NULL, -1, "port is not in 1..65535" },
	{ "h:100000", NULL, -1, "port is not in 1..65535" },
	{ "h:999999999999999999999", NULL, -1, "port is not in 1..65535" },
	{ "h:+80", NULL, -1, "port is not a number" },
	{ "h:0x50", NULL, -1, "port is not a number" },
	{ "h:", NULL, -1, "missing port" },
	{ "h", NULL, -1, "missing ':PORT'" },
	{ ":80", NULL, -1, "empty host" },
	{ "[]:80", NULL, -1, "empty host" },
	{ "[::1:80", NULL, -1, "missing ']'" },
	{ "[::1]80", NULL, -1, "missing ':PORT' after ']'" },
	{ "[1.2.3.4]:80", NULL, -1, "brackets hold an IPv6 address" },
	{ "[fe80::1%]:80", NULL, -1, "empty IPv6 zone" },
	{ "[::g]:80", NULL, -1, "bad character in IPv6 address" },
	{ "h/x:80", NULL, -1, "bad character in host" },
	{ "h\xc3\xa9:80", NULL, -1, "bad character in host" },
	{ "fe80::1:80", NULL, -1,
	  "too many ':' (an IPv6 address needs brackets)" },
};

START_TEST(test_split_hostport)
{
	char host[CONF_ADDR_LEN], big[300];
	const char *why;
	uint16_t port;
	unsigned i;

	for (i = 0; i < sizeof(hp_cases) / sizeof(hp_cases[0]); i++) {
		why = NULL;
		port = 0;
		if (hp_cases[i].port == -1) {
			ck_assert_msg(addr_split_hostport(hp_cases[i].in, host,
			    sizeof(host), &port, &why) == -1, "%s",
			    hp_cases[i].in);
			ck_assert_str_eq(why, hp_cases[i].why);
			continue;
		}
		ck_assert_msg(addr_split_hostport(hp_cases[i].in, host,
		    sizeof(host), &port, &why) == 0, "%s: %s", hp_cases[i].in,
		    why);
		ck_assert_str_eq(host, hp_cases[i].host);
		ck_assert_int_eq(port, hp_cases[i].port);
	}
	/* 253 bytes of host fit; 254 do not; a short buffer is refused. */
	memset(big, 'a', 253);
	memcpy(big + 253, ":1", 3);
	ck_assert_int_eq(addr_split_hostport(big, host, sizeof(host), &port,
	    &why), 0);
	ck_assert_uint_eq(strlen(host), 253);
	ck_assert_int_eq(addr_split_hostport(big, host, 253, &port, &why), -1);
	ck_assert_str_eq(why, "host does not fit");
	ck_assert_int_eq(addr_split_hostport(big, NULL, 0, NULL, &why), 0);
	memset(big, 'a', 254);
	memcpy(big + 254, ":1", 3);
	ck_assert_int_eq(addr_split_hostport(big, host, sizeof(host), &port,
	    &why), -1);
	ck_assert_str_eq(why, "host longer than 253 bytes");
}
END_TEST

START_TEST(test_set_msg)
{
	char err[ERRLEN], big[CONF_ADDR_LEN + 8];
	const char *why;
	struct conf c = { 0 };

	conf_reset(&c);
	ck_assert_int_eq(conf_set_msg(&c, "max_ttl", "0", err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "max_ttl: '0' is below the minimum 1");
	ck_assert_int_eq(conf_set_msg(&c, "nope", "1", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown key 'nope'");
	ck_assert_int_eq(conf_set_msg(&c, "alpha", "4", err, sizeof(err)), 0);
	ck_assert_uint_eq(c.alpha, 4);
	/* conf_set: the same through the static reasons; no duplicates. */
	ck_assert_int_eq(conf_set(&c, "alpha", "5", &why), 0);
	ck_assert_uint_eq(c.alpha, 5);
	ck_assert_int_eq(conf_set(&c, "bootstrap", "h:1", &why), 0);
	ck_assert_int_eq(conf_set(&c, "bootstrap", "h:2", &why), 0);
	ck_assert_uint_eq(c.nbootstrap, 2);
	ck_assert_int_eq(conf_set(&c, "bootstrap", "", &why), 0);
	ck_assert_uint_eq(c.nbootstrap, 0);
	ck_assert_int_eq(conf_set(&c, "storage", "tape", &why), -1);
	ck_assert_str_eq(why, "not one of the allowed values");
	ck_assert_int_eq(conf_set(&c, "sync", "", &why), -1);
	ck_assert_str_eq(why, "empty value");
	ck_assert_int_eq(conf_set(&c, "listen", "[::1]:99999", &why), -1);
	ck_assert_str_eq(why, "port is not in 1..65535");
	/* An address longer than the field; the message quotes 80 bytes. */
	memset(big, 'a', sizeof(big) - 3);
	memcpy(big + sizeof(big) - 3, ":1", 3);
	ck_assert_int_eq(conf_set(&c, "listen", big, &why), -1);
	ck_assert_str_eq(why, "too long");
	ck_assert_int_eq(conf_set_msg(&c, "listen", big, err, sizeof(err)),
	    -1);
	ck_assert_uint_eq(strlen(err), strlen("listen: '' is longer than 255 "
	    "bytes") + 80 + 3);
	ck_assert_str_eq(c.listen, "0.0.0.0:9000");
	conf_free(&c);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_default_paths);
	tcase_add_test(tc, test_set_every_key);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_units);
	tcase_add_test(tc, test_crlf_and_layout);
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_bootstrap);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_print);
	tcase_add_test(tc, test_diff);
	tcase_add_test(tc, test_no_file);
	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_split_hostport);
	tcase_add_test(tc, test_set_msg);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int status;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_conf.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(cfpath, sizeof(cfpath), "%s/emod.conf", tmpdir);
	status = check_run(conf_suite());
	unlink(cfpath);
	rmdir(tmpdir);
	return status;
}

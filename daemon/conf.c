/*
 * conf — the table of configuration keys, the `key = value` file parser
 * with file:line errors, defaults and printing.  Every key lives in one
 * row of conf_rows; nothing else lists them.  What a value may be, and the
 * words when it is refused, is in conf_value.c.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bytes.h"
#include "conf.h"
#include "conf_impl.h"
#include "frame.h"
#include "log.h"

#define CONF_SOCKET_MAX	(sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1)

/* Writes prefix+suffix to buf if it fits and is a valid path. */
static int
conf_try_path(char *buf, size_t len, const char *prefix, const char *suffix)
{
	const char *sub;
	int n;

	if (prefix == NULL || prefix[0] != '/')
		return -1;
	n = snprintf(buf, len, "%s%s", prefix, suffix);
	if (n < 0 || (size_t)n >= len ||
	    conf_check_text(CT_PATH, len - 1, buf, &sub) != CE_OK)
		return -1;
	return 0;
}

/* The documented default locations in order; the last one always fits. */
static int
conf_default_data_dir(char *buf, size_t len)
{
	char tmp[FRAME_MAX_FALLBACK_DIR];

	if (geteuid() == 0) {
		if (conf_try_path(buf, len, "/var/lib/emo", "") == 0)
			return 0;
	} else if (conf_try_path(buf, len, getenv("XDG_STATE_HOME"),
	    "/emo") == 0 || conf_try_path(buf, len, getenv("HOME"),
	    "/.local/state/emo") == 0)
		return 0;
	if (frame_fallback_dir(tmp, sizeof(tmp)) == -1)
		return -1;
	return conf_try_path(buf, len, tmp, "/data");
}

static int
conf_default_socket(char *buf, size_t len)
{
	const char *sub;
	char tmp[FRAME_MAX_FALLBACK_DIR];

	if (frame_default_socket(buf, len) == 0 &&
	    conf_check_text(CT_PATH, len - 1, buf, &sub) == CE_OK)
		return 0;
	if (frame_fallback_dir(tmp, sizeof(tmp)) == -1)
		return -1;
	return conf_try_path(buf, len, tmp, "/emod.sock");
}

static const char *const conf_storage_names[] = { "leveldb", "memory" };
#define CONF_NSTORAGE \
	(sizeof(conf_storage_names) / sizeof(conf_storage_names[0]))

static int
conf_storage_parse(const char *s)
{
	size_t i;

	for (i = 0; i < CONF_NSTORAGE; i++)
		if (strcasecmp(s, conf_storage_names[i]) == 0)
			return (int)i;
	return -1;
}

static const char *
conf_storage_name(int v)
{
	if (v < 0 || (size_t)v >= CONF_NSTORAGE)
		return "unknown";
	return conf_storage_names[v];
}

#define FIELD(m)	offsetof(struct conf, m), sizeof(((struct conf *)NULL)->m)
#define BAD(k)		#k " has an invalid value"
#define ROW(k, t, m, lo, hi, def, help) \
	{ #k, t, FIELD(m), lo, hi, def, help, BAD(k), NULL, NULL, NULL, NULL }
#define PATHROW(k, hi, fn, help) \
	{ #k, CT_PATH, FIELD(k), 0, hi, NULL, help, BAD(k), fn, NULL, NULL, \
	  NULL }
#define ENUMROW(k, def, parse, unparse, choices, help) \
	{ #k, CT_ENUM, FIELD(k), 0, 0, def, help, BAD(k), NULL, parse, \
	  unparse, choices }

/*
 * Grouped as in conf/emod.conf and emod.conf(5): node, storage, control
 * socket, network, maintenance.  conf_print follows this order.
 */
static const struct conf_row conf_rows[] = {
	ROW(listen, CT_HOSTPORT, listen, 0, CONF_ADDR_LEN - 1, "0.0.0.0:9000",
	    "UDP address and port of the node"),
	ROW(bootstrap, CT_ADDRLIST, bootstrap, 0, CONF_ADDR_LEN - 1, NULL,
	    "a node to contact when joining; repeat for more, empty clears"),
	PATHROW(data_dir, PATH_MAX - 1, conf_default_data_dir,
	    "directory of the node's state, such as the LevelDB store"),
	ENUMROW(log_level, "info", log_level_parse, log_level_name,
	    "warn, info, debug", "verbosity: warn, info or debug"),
	ROW(sched_batch, CT_BOOL, sched_batch, 0, 1, "yes",
	    "run under the kernel's SCHED_BATCH policy: a datagram that wakes "
	    "the daemon does not preempt the task running"),

	ENUMROW(storage, "leveldb", conf_storage_parse,
	    conf_storage_name, "leveldb, memory",
	    "where values live: leveldb or memory"),
	ROW(storage_key_file, CT_PATH, storage_key_file, 0, PATH_MAX - 1, "",
	    "32-byte key file (0600) encrypting the leveldb store at rest; "
	    "empty is off"),
	ROW(sync, CT_BOOL, sync, 0, 1, "no",
	    "fsync (grouped per loop pass) before acknowledging a put"),
	ROW(default_ttl, CT_DURATION, default_ttl_s, 1, CONF_MAX_TTL_S, "3600",
	    "lifetime of a value put without a TTL"),
	ROW(max_ttl, CT_DURATION, max_ttl_s, 1, CONF_MAX_TTL_S, "86400",
	    "longest lifetime accepted for a value"),
	ROW(max_values_per_key, CT_U32, max_values_per_key, 1, 4096, "1024",
	    "values kept under one key"),
	ROW(max_store_bytes, CT_SIZE, max_store_bytes, 0, UINT64_MAX, "1G",
	    "bytes of values this node stores; 0 is unlimited"),
	ROW(quota_values_per_key, CT_U32, quota_values_per_key, 1, 4096, "256",
	    "values one source (IP address) may store under one key"),
	ROW(quota_source_bytes, CT_SIZE, quota_source_bytes, 0, UINT64_MAX,
	    "64M", "bytes, with 240 a value, one source may store; "
	    "0 is unlimited"),
	ROW(quota_prefix_values_per_key, CT_U32, quota_prefix_values_per_key,
	    0, 4096, "512", "values one /24 or /64 may store under one key; "
	    "0 is unlimited"),
	ROW(quota_prefix_bytes, CT_SIZE, quota_prefix_bytes, 0, UINT64_MAX,
	    "256M", "bytes, with 240 a value, one /24 or /64 may store; "
	    "0 is unlimited"),
	ROW(quota_total_bytes, CT_SIZE, quota_total_bytes, 0, UINT64_MAX, "1G",
	    "bytes, with 240 a value, stored before the heaviest source's "
	    "oldest values are evicted; 0 is unlimited"),

	PATHROW(socket, CONF_SOCKET_MAX, conf_default_socket,
	    "path of the control socket"),
	ROW(socket_group, CT_STRING, socket_group, 0, CONF_GROUP_MAX, "",
	    "group owning the control socket; empty is the daemon's group"),
	ROW(control_max_clients, CT_U32, control_max_clients, 1, 4096, "64",
	    "control connections open at once"),
	ROW(control_idle_timeout, CT_DURATION, control_idle_timeout_s, 1, 86400,
	    "60", "seconds a control client may leave a request half-sent"),
	ROW(control_output_timeout, CT_DURATION, control_output_timeout_s, 1,
	    86400, "30", "seconds a control client with over 1 MiB of "
	    "answers queued may take none of it"),
	ROW(metrics_listen, CT_HOSTPORT, metrics_listen, 0, CONF_ADDR_LEN - 1,
	    "", "TCP address serving Prometheus metrics at /metrics; empty "
	    "is off"),

	ROW(rpc_timeout_ms, CT_U32, rpc_timeout_ms, 50, 60000, "1000",
	    "milliseconds to wait for a peer's answer"),
	ROW(rpc_retries, CT_U32, rpc_retries, 0, 10, "2",
	    "times a request is resent before the peer counts as failed"),
	ROW(alpha, CT_U32, alpha, 1, 16, "3",
	    "requests in flight per lookup"),
	ROW(addr_cache_max, CT_U32, addr_cache_max, 0, 4096, "0",
	    "entries kept in each per-address cache (peers' tokens, round "
	    "trips and cookies, request rates), rounded down to a power of "
	    "two; 0 is each one's own bound (256, 1024, 4096)"),
	ROW(recv_buffer, CT_SIZE, recv_buffer, 64 * KIB, GIB, "8M",
	    "UDP socket receive buffer"),
	ROW(send_buffer, CT_SIZE, send_buffer, 64 * KIB, GIB, "4M",
	    "UDP socket send buffer"),
	ROW(id_difficulty, CT_U32, id_difficulty, 0, 32, "10",
	    "leading zero bits of Keccak-256(node ID) a node ID needs; "
	    "the same on every node of a network"),
	ROW(limit_local, CT_BOOL, limit_local, 0, 1, "no",
	    "apply the routing table's per-IP limits to LAN and loopback too"),
	ROW(wide_buckets, CT_BOOL, wide_buckets, 0, 1, "yes",
	    "the routing table's three far buckets hold 8, 4 and 2 times "
	    "k nodes"),
	ROW(rate_limit, CT_U32, rate_limit, 1, 1000000, "800",
	    "requests per second answered per source"),
	ROW(rate_burst, CT_U32, rate_burst, 1, 1000000, "200",
	    "requests a quiet source may send at once"),
	ROW(answer_budget, CT_SIZE, answer_budget, 64 * KIB, GIB, "8M",
	    "bytes per second of answers to other nodes' requests"),

	ROW(refresh_interval, CT_DURATION, refresh_interval_s, 10, 86400,
	    "3600", "a bucket without traffic for this long is refreshed"),
	ROW(republish_interval, CT_DURATION, republish_interval_s, 10, 86400,
	    "3600", "how often stored values are sent to the closest nodes"),
	ROW(expire_interval, CT_DURATION, expire_interval_s, 1, 3600, "60",
	    "how often expired values are deleted"),
};

#define CONF_NROWS	(sizeof(conf_rows) / sizeof(conf_rows[0]))
_Static_assert(CONF_NROWS <= CONF_MAX_KEYS, "raise CONF_MAX_KEYS");

/* A row whose field is one heap string. */
static int
conf_is_text(const struct conf_row *r)
{
	return r->type == CT_STRING || r->type == CT_PATH ||
	    r->type == CT_HOSTPORT;
}

static const struct conf_row *
conf_row_find(const char *name)
{
	size_t i;

	for (i = 0; i < CONF_NROWS; i++)
		if (strcmp(conf_rows[i].name, name) == 0)
			return &conf_rows[i];
	return NULL;
}

void
conf_defaults(struct conf *c)
{
	const struct conf_row *r;
	const char *sub;
	char buf[PATH_MAX];
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CONF_NROWS; i++) {
		r = &conf_rows[i];
		/* check_conf asserts that every default is accepted. */
		if (r->deffn != NULL) {
			if (r->deffn(buf, r->max + 1) == 0)
				*conf_text(c, r) = strdup(buf);
		} else if (r->def != NULL)
			(void)conf_set_row(c, r, r->def, &sub);
	}
}

void
conf_free(struct conf *c)
{
	const struct conf_row *r;
	size_t i;

	for (i = 0; i < CONF_NROWS; i++) {
		r = &conf_rows[i];
		if (conf_is_text(r)) {
			free(*conf_text(c, r));
			*conf_text(c, r) = NULL;
		}
	}
	for (i = 0; i < CONF_MAX_BOOTSTRAP; i++) {
		free(c->bootstrap[i]);
		c->bootstrap[i] = NULL;
	}
	c->nbootstrap = 0;
}

int
conf_copy(struct conf *dst, const struct conf *src)
{
	const struct conf_row *r;
	const char *s;
	size_t i;
	unsigned j;

	*dst = *src;
	for (i = 0; i < CONF_NROWS; i++) {
		r = &conf_rows[i];
		if (conf_is_text(r))
			*conf_text(dst, r) = NULL;
	}
	memset(dst->bootstrap, 0, sizeof(dst->bootstrap));
	dst->nbootstrap = 0;
	for (i = 0; i < CONF_NROWS; i++) {
		r = &conf_rows[i];
		if (conf_is_text(r) && (s = conf_text_get(src, r)) != NULL &&
		    (*conf_text(dst, r) = strdup(s)) == NULL)
			goto fail;
	}
	for (j = 0; j < src->nbootstrap && j < CONF_MAX_BOOTSTRAP; j++) {
		if ((dst->bootstrap[j] = strdup(src->bootstrap[j])) == NULL)
			goto fail;
		dst->nbootstrap = j + 1;
	}
	return 0;
fail:
	conf_free(dst);
	return -1;
}

int
conf_set(struct conf *c, const char *key, const char *value,
    const char **errstr)
{
	const struct conf_row *r;
	enum conf_err e;
	const char *sub;

	if ((r = conf_row_find(key)) == NULL) {
		*errstr = "unknown key";
		return -1;
	}
	if ((e = conf_set_row(c, r, value, &sub)) != CE_OK) {
		*errstr = e == CE_ADDR && sub != NULL ? sub : conf_errs[e].brief;
		return -1;
	}
	return 0;
}

/* seen[] holds the line that set each non-repeatable key, or 0. */
static int
conf_set_line(struct conf *c, const char *key, const char *value,
    unsigned long lineno, unsigned long *seen, char *err, size_t errlen)
{
	const struct conf_row *r;
	enum conf_err e;
	const char *sub;
	char k[CONF_ECHO_LEN];
	size_t i;

	if ((r = conf_row_find(key)) == NULL) {
		conf_echo(key, k);
		snprintf(err, errlen, "unknown key '%s'", k);
		return -1;
	}
	i = (size_t)(r - conf_rows);
	if (seen != NULL && r->type != CT_ADDRLIST) {
		if (seen[i] != 0) {
			snprintf(err, errlen, "duplicate key '%s' (first set "
			    "on line %lu)", r->name, seen[i]);
			return -1;
		}
		seen[i] = lineno;
	}
	if ((e = conf_set_row(c, r, value, &sub)) != CE_OK) {
		conf_errmsg(r, value, e, sub, err, errlen);
		return -1;
	}
	return 0;
}

int
conf_set_msg(struct conf *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	return conf_set_line(c, key, value, 0, NULL, err, errlen);
}

/* One line, NUL-terminated, without its line ending. */
static int
conf_line(struct conf *c, char *s, size_t len, unsigned long lineno,
    unsigned long *seen, char *err, size_t errlen)
{
	char *eq, *value;
	size_t i;

	if (lineno == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;		/* a UTF-8 byte order mark */
		len -= 3;
	}
	if (!bytes_utf8_valid(s, len)) {
		snprintf(err, errlen, "not valid UTF-8 text");
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (s[i] == '#' && (i == 0 || conf_isspace(s[i - 1]))) {
			len = i;
			break;
		}
	}
	while (len > 0 && conf_isspace(s[len - 1]))
		len--;
	s[len] = '\0';
	while (conf_isspace(*s))
		s++;
	if (*s == '\0')
		return 0;
	if ((eq = strchr(s, '=')) == NULL || eq == s) {
		snprintf(err, errlen, "expected 'key = value'");
		return -1;
	}
	for (value = eq + 1; conf_isspace(*value); value++)
		;
	while (eq > s && conf_isspace(eq[-1]))
		eq--;
	*eq = '\0';
	return conf_set_line(c, s, value, lineno, seen, err, errlen);
}

int
conf_load_stream(struct conf *c, FILE *fp, const char *name, char *err,
    size_t errlen)
{
	char line[CONF_MAX_LINE + 2], msg[512];
	unsigned long lineno, seen[CONF_NROWS];
	size_t len;
	int ch;

	memset(seen, 0, sizeof(seen));
	for (lineno = 1;; lineno++) {
		len = 0;
		msg[0] = '\0';
		while (msg[0] == '\0' && (ch = getc(fp)) != EOF && ch != '\n') {
			if (ch == '\0')
				snprintf(msg, sizeof(msg), "NUL byte");
			else if (len > CONF_MAX_LINE)	/* room for a CR */
				snprintf(msg, sizeof(msg), "line longer than "
				    "%d bytes", CONF_MAX_LINE);
			else
				line[len++] = (char)ch;
		}
		if (msg[0] == '\0' && ch == EOF && ferror(fp)) {
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
			return -1;
		}
		if (msg[0] == '\0' && ch == EOF && len == 0)
			return 0;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		line[len] = '\0';
		if (msg[0] == '\0' && len > CONF_MAX_LINE)
			snprintf(msg, sizeof(msg), "line longer than %d bytes",
			    CONF_MAX_LINE);
		if (msg[0] != '\0' || conf_line(c, line, len, lineno, seen, msg,
		    sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s:%lu: %s", name, lineno, msg);
			return -1;
		}
		if (ch == EOF)
			return 0;
	}
}

int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	FILE *fp;
	int rv;

	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rv = conf_load_stream(c, fp, path, err, errlen);
	fclose(fp);
	return rv;
}

int
conf_validate(const struct conf *c, const char **errstr)
{
	size_t i;

	if (c->nbootstrap > CONF_MAX_BOOTSTRAP) {
		*errstr = "bootstrap has too many addresses";
		return -1;
	}
	for (i = 0; i < CONF_NROWS; i++) {
		if (!conf_row_ok(c, &conf_rows[i])) {
			*errstr = conf_rows[i].bad;
			return -1;
		}
	}
	if (c->default_ttl_s > c->max_ttl_s) {
		*errstr = "default_ttl is greater than max_ttl";
		return -1;
	}
	if (c->storage == CONF_STORAGE_MEMORY && c->storage_key_file[0]) {
		*errstr = "storage_key_file encrypts the leveldb store; "
		    "storage = memory keeps nothing on disk: unset one";
		return -1;
	}
	return 0;
}

void
conf_print(const struct conf *c, FILE *fp)
{
	const struct conf_row *r;
	const char *v;
	char buf[64];
	size_t i;
	unsigned j;

	for (i = 0; i < CONF_NROWS; i++) {
		r = &conf_rows[i];
		v = buf;
		switch (r->type) {
		case CT_ADDRLIST:
			if (c->nbootstrap == 0)
				fprintf(fp, "# %s = (none)\n", r->name);
			for (j = 0; j < c->nbootstrap &&
			    j < CONF_MAX_BOOTSTRAP; j++)
				fprintf(fp, "%s = %.*s\n", r->name,
				    CONF_ADDR_LEN - 1, c->bootstrap[j]);
			continue;
		case CT_STRING:
		case CT_PATH:
		case CT_HOSTPORT:
			if ((v = conf_text_get(c, r)) == NULL)
				v = "";
			break;
		case CT_BOOL:
			v = conf_get_num(c, r) ? "yes" : "no";
			break;
		case CT_ENUM:
			v = r->unparse((int)(uint32_t)conf_get_num(c, r));
			break;
		default:
			conf_format_num(r, conf_get_num(c, r), buf, sizeof(buf));
			break;
		}
		/* No trailing blank after an empty value. */
		fprintf(fp, "%s =%s%s\n", r->name, v[0] != '\0' ? " " : "", v);
	}
}

static int
conf_same_text(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int
conf_same_bootstrap(const struct conf *a, const struct conf *b)
{
	unsigned i;

	if (a->nbootstrap != b->nbootstrap)
		return 0;
	for (i = 0; i < a->nbootstrap && i < CONF_MAX_BOOTSTRAP; i++)
		if (!conf_same_text(a->bootstrap[i], b->bootstrap[i]))
			return 0;
	return 1;
}

size_t
conf_diff(const struct conf *a, const struct conf *b, const char **keys,
    size_t max)
{
	const struct conf_row *r;
	size_t i, n = 0;
	int differ;

	for (i = 0; i < CONF_NROWS; i++) {
		r = &conf_rows[i];
		if (r->type == CT_ADDRLIST)
			differ = !conf_same_bootstrap(a, b);
		else if (conf_is_text(r))
			differ = !conf_same_text(conf_text_get(a, r),
			    conf_text_get(b, r));
		else
			differ = memcmp((const char *)a + r->off,
			    (const char *)b + r->off, r->size) != 0;
		if (differ && n++ < max)
			keys[n - 1] = r->name;
	}
	return n;
}

const char *
conf_key_name(unsigned i)
{
	return i < CONF_NROWS ? conf_rows[i].name : NULL;
}

const char *
conf_key_help(unsigned i)
{
	return i < CONF_NROWS ? conf_rows[i].help : NULL;
}

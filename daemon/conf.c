/*
 * conf — the table of configuration keys, the `key = value` file parser
 * with file:line errors, defaults and printing.  Every key lives in one
 * row of conf_rows; nothing else lists them.
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

#include "addr.h"
#include "bytes.h"
#include "conf.h"
#include "conf_impl.h"
#include "frame.h"
#include "log.h"

#define CONF_SOCKET_MAX	(sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1)
#define CONF_ECHO_MAX	80	/* bytes of a bad value quoted in a message */
#define CONF_ECHO_LEN	(CONF_ECHO_MAX * 4 + 8)	/* escaped, "..." and NUL */
#define CONF_NUM_LEN	32	/* a formatted number, NUL included */

#define KIB	1024ull
#define MIB	(1024ull * KIB)
#define GIB	(1024ull * MIB)

/* Numeric fields (enums, int, uint32_t) are stored through 32-bit copies. */
_Static_assert(sizeof(enum conf_storage) == sizeof(uint32_t),
    "enum conf_storage is stored as 32 bits");
_Static_assert(sizeof(int) == sizeof(uint32_t), "int is stored as 32 bits");

enum conf_type {
	CT_STRING,	/* no whitespace, bounded */
	CT_PATH,	/* absolute, bounded, may hold spaces */
	CT_HOSTPORT,	/* addr_split_hostport */
	CT_ADDRLIST,	/* repeatable hostport; an empty value clears */
	CT_BOOL,
	CT_U32,
	CT_SIZE,	/* bytes, K/M/G binary unit */
	CT_DURATION,	/* seconds, s/m/h/d unit */
	CT_ENUM,
};

/* Why a value was refused; conf_errs turns it into words. */
enum conf_err {
	CE_OK, CE_EMPTY, CE_NUMBER, CE_SUFFIX, CE_BELOW, CE_ABOVE, CE_LONG,
	CE_CHAR, CE_UTF8, CE_SPACE, CE_TRAIL, CE_HASH, CE_COMMENT, CE_NOTABS,
	CE_BOOL, CE_ENUM, CE_ADDR, CE_TOOMANY,
};

struct conf_row {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;
	size_t		 size;
	uint64_t	 min;
	uint64_t	 max;		/* numbers: value; text: bytes */
	const char	*def;		/* NULL: none, or computed by deffn */
	const char	*help;
	const char	*bad;		/* conf_validate's static reason */
	int		(*deffn)(char *, size_t);
	int		(*parse)(const char *);
	const char	*(*unparse)(int);
	const char	*choices;	/* of an enum, for messages */
};

static int
conf_isspace(int ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * Text the file syntax carries back unchanged: UTF-8, no control
 * characters, no edge whitespace, and no '#' that would open a comment.
 */
static enum conf_err
conf_check_text(enum conf_type t, size_t max, const char *s,
    const char **sub)
{
	size_t i, n = strlen(s);
	uint16_t port;

	if (n > max)
		return CE_LONG;
	if (!bytes_utf8_valid(s, n))
		return CE_UTF8;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return CE_CHAR;
	switch (t) {
	case CT_STRING:
		if (strchr(s, ' ') != NULL)
			return CE_SPACE;
		return s[0] == '#' ? CE_HASH : CE_OK;
	case CT_PATH:
		if (s[0] != '/')
			return CE_NOTABS;
		if (conf_isspace(s[n - 1]))
			return CE_TRAIL;
		for (i = 1; i < n; i++)
			if (s[i] == '#' && conf_isspace(s[i - 1]))
				return CE_COMMENT;
		return CE_OK;
	case CT_HOSTPORT:
	case CT_ADDRLIST:
		if (addr_split_hostport(s, NULL, 0, &port, sub) == -1)
			return CE_ADDR;
		return CE_OK;
	default:
		return CE_OK;
	}
}

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
	char tmp[64];

	if (geteuid() == 0) {
		if (conf_try_path(buf, len, "/var/lib/emo", "") == 0)
			return 0;
	} else if (conf_try_path(buf, len, getenv("XDG_STATE_HOME"),
	    "/emo") == 0 || conf_try_path(buf, len, getenv("HOME"),
	    "/.local/state/emo") == 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "/tmp/emo-%u", (unsigned)geteuid());
	return conf_try_path(buf, len, tmp, "/data");
}

static int
conf_default_socket(char *buf, size_t len)
{
	const char *sub;
	char tmp[64];

	if (frame_default_socket(buf, len) == 0 &&
	    conf_check_text(CT_PATH, len - 1, buf, &sub) == CE_OK)
		return 0;
	snprintf(tmp, sizeof(tmp), "/tmp/emo-%u", (unsigned)geteuid());
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

	ENUMROW(storage, "leveldb", conf_storage_parse,
	    conf_storage_name, "leveldb, memory",
	    "where values live: leveldb or memory"),
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

	PATHROW(socket, CONF_SOCKET_MAX, conf_default_socket,
	    "path of the control socket"),
	ROW(socket_group, CT_STRING, socket_group, 0,
	    sizeof(((struct conf *)NULL)->socket_group) - 1, "",
	    "group owning the control socket; empty is the daemon's group"),
	ROW(control_max_clients, CT_U32, control_max_clients, 1, 4096, "64",
	    "control connections open at once"),
	ROW(control_idle_timeout, CT_DURATION, control_idle_timeout_s, 1, 86400,
	    "60", "seconds a control client may leave a request half-sent"),

	ROW(rpc_timeout_ms, CT_U32, rpc_timeout_ms, 50, 60000, "1000",
	    "milliseconds to wait for a peer's answer"),
	ROW(rpc_retries, CT_U32, rpc_retries, 0, 10, "2",
	    "times a request is resent before the peer counts as failed"),
	ROW(alpha, CT_U32, alpha, 1, 16, "3",
	    "requests in flight per lookup"),
	ROW(recv_buffer, CT_SIZE, recv_buffer, 64 * KIB, GIB, "8M",
	    "UDP socket receive buffer"),
	ROW(send_buffer, CT_SIZE, send_buffer, 64 * KIB, GIB, "4M",
	    "UDP socket send buffer"),

	ROW(refresh_interval, CT_DURATION, refresh_interval_s, 10, 86400,
	    "3600", "a bucket without traffic for this long is refreshed"),
	ROW(republish_interval, CT_DURATION, republish_interval_s, 10, 86400,
	    "3600", "how often stored values are sent to the closest nodes"),
	ROW(expire_interval, CT_DURATION, expire_interval_s, 1, 3600, "60",
	    "how often expired values are deleted"),
};

#define CONF_NROWS	(sizeof(conf_rows) / sizeof(conf_rows[0]))

/*
 * Per conf_err: conf_set's static reason, and the words after "KEY: 'VALUE' "
 * in a file error; conf_errmsg appends the bound where there is one.
 */
static const struct {
	const char	*brief;
	const char	*detail;
} conf_errs[] = {
	[CE_OK] =	{ "ok", "is valid" },
	[CE_EMPTY] =	{ "empty value", "is empty" },
	[CE_NUMBER] =	{ "not a number", "is not a number" },
	[CE_SUFFIX] =	{ "unknown unit", "has an unknown unit" },
	[CE_BELOW] =	{ "below the minimum", "is below the minimum" },
	[CE_ABOVE] =	{ "above the maximum", "is above the maximum" },
	[CE_LONG] =	{ "too long", "is longer than" },
	[CE_CHAR] =	{ "contains a control character",
			  "contains a control character" },
	[CE_UTF8] =	{ "not valid UTF-8", "is not valid UTF-8" },
	[CE_SPACE] =	{ "contains whitespace", "contains whitespace" },
	[CE_TRAIL] =	{ "ends with whitespace", "ends with whitespace" },
	[CE_HASH] =	{ "starts with '#'", "starts with '#'" },
	[CE_COMMENT] =	{ "contains ' #', which starts a comment",
			  "contains ' #', which starts a comment" },
	[CE_NOTABS] =	{ "not an absolute path", "is not an absolute path" },
	[CE_BOOL] =	{ "not a boolean (yes or no)", "is not a boolean "
			  "(yes/no, true/false, on/off, 1/0)" },
	[CE_ENUM] =	{ "not one of the allowed values", "is not one of" },
	[CE_ADDR] =	{ "bad address", "is not HOST:PORT" },
	[CE_TOOMANY] =	{ "too many addresses", "is one address too many" },
};

static const struct conf_row *
conf_row_find(const char *name)
{
	size_t i;

	for (i = 0; i < CONF_NROWS; i++)
		if (strcmp(conf_rows[i].name, name) == 0)
			return &conf_rows[i];
	return NULL;
}

static void
conf_put_num(struct conf *c, const struct conf_row *r, uint64_t v)
{
	uint32_t v32 = (uint32_t)v;

	if (r->size == sizeof(uint64_t))
		memcpy((char *)c + r->off, &v, sizeof(v));
	else
		memcpy((char *)c + r->off, &v32, sizeof(v32));
}

static uint64_t
conf_get_num(const struct conf *c, const struct conf_row *r)
{
	uint64_t v;
	uint32_t v32;

	if (r->size == sizeof(uint64_t)) {
		memcpy(&v, (const char *)c + r->off, sizeof(v));
		return v;
	}
	memcpy(&v32, (const char *)c + r->off, sizeof(v32));
	return v32;
}

/* The multiplier of a unit letter, 0 if the type has no such unit. */
static uint64_t
conf_unit(enum conf_type t, char u)
{
	if (t == CT_SIZE)
		return u == 'K' || u == 'k' ? KIB : u == 'M' || u == 'm' ? MIB :
		    u == 'G' || u == 'g' ? GIB : 0;
	if (t == CT_DURATION)
		return u == 's' ? 1 : u == 'm' ? 60 : u == 'h' ? 3600 :
		    u == 'd' ? 86400 : 0;
	return 0;
}

/* Decimal digits and one optional unit letter, overflow-checked. */
static enum conf_err
conf_parse_num(const struct conf_row *r, const char *s, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	const char *p;
	unsigned d;
	int over = 0;

	if (*s < '0' || *s > '9')
		return CE_NUMBER;
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			over = 1;
		else
			v = v * 10 + d;
	}
	if (*p != '\0' && r->type == CT_U32)
		return CE_NUMBER;
	if (*p != '\0' && (p[1] != '\0' || (mul = conf_unit(r->type, *p)) == 0))
		return CE_SUFFIX;
	if (over || v > UINT64_MAX / mul)
		return CE_ABOVE;
	v *= mul;
	if (v < r->min)
		return CE_BELOW;
	if (v > r->max)
		return CE_ABOVE;
	*out = v;
	return CE_OK;
}

static enum conf_err
conf_parse_bool(const char *s, uint64_t *out)
{
	static const char *const words[] = {
		"no", "yes", "false", "true", "off", "on", "0", "1",
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(s, words[i]) == 0) {
			*out = i % 2;
			return CE_OK;
		}
	}
	return CE_BOOL;
}

/* Parses value into the row's field; *c is untouched on error. */
static enum conf_err
conf_set_row(struct conf *c, const struct conf_row *r, const char *value,
    const char **sub)
{
	enum conf_err e;
	uint64_t v = 0;
	char *dst;
	int ev;

	*sub = NULL;
	if (r->type == CT_ADDRLIST && value[0] == '\0') {
		memset(c->bootstrap, 0, sizeof(c->bootstrap));
		c->nbootstrap = 0;
		return CE_OK;
	}
	if (value[0] == '\0' && r->type != CT_STRING)
		return CE_EMPTY;
	switch (r->type) {
	case CT_STRING:
	case CT_PATH:
	case CT_HOSTPORT:
	case CT_ADDRLIST:
		if ((e = conf_check_text(r->type, r->max, value, sub)) != CE_OK)
			return e;
		dst = (char *)c + r->off;
		if (r->type == CT_ADDRLIST) {
			if (c->nbootstrap >= CONF_MAX_BOOTSTRAP)
				return CE_TOOMANY;
			dst = c->bootstrap[c->nbootstrap++];
		}
		/* Zero the tail too, so equal settings compare equal. */
		memset(dst, 0, r->max + 1);
		memcpy(dst, value, strlen(value));
		return CE_OK;
	case CT_BOOL:
		e = conf_parse_bool(value, &v);
		break;
	case CT_ENUM:
		if ((ev = r->parse(value)) < 0)
			return CE_ENUM;
		v = (uint64_t)ev;
		e = CE_OK;
		break;
	default:
		e = conf_parse_num(r, value, &v);
		break;
	}
	if (e == CE_OK)
		conf_put_num(c, r, v);
	return e;
}

/* Sizes print with the largest unit that divides them exactly. */
static void
conf_format_num(const struct conf_row *r, uint64_t v, char *buf, size_t len)
{
	static const struct {
		uint64_t	mul;
		char		unit;
	} units[] = { { GIB, 'G' }, { MIB, 'M' }, { KIB, 'K' } };
	size_t i;

	for (i = 0; r->type == CT_SIZE && v != 0 && i < 3; i++) {
		if (v % units[i].mul == 0) {
			snprintf(buf, len, "%ju%c", (uintmax_t)(v / units[i].mul),
			    units[i].unit);
			return;
		}
	}
	snprintf(buf, len, "%ju", (uintmax_t)v);
}

/*
 * Quotes outside bytes for a message: printable ASCII as is, the rest as
 * \xNN, cut after CONF_ECHO_MAX bytes.  buf holds CONF_ECHO_LEN bytes.
 */
static void
conf_echo(const char *s, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char ch;
	size_t i, o = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == CONF_ECHO_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			buf[o++] = (char)ch;
			continue;
		}
		buf[o++] = '\\';
		buf[o++] = 'x';
		buf[o++] = hex[ch >> 4];
		buf[o++] = hex[ch & 0xf];
	}
	buf[o] = '\0';
}

/* The detailed reason: "max_ttl: '0' is below the minimum 1". */
static void
conf_errmsg(const struct conf_row *r, const char *value, enum conf_err e,
    const char *sub, char *err, size_t errlen)
{
	char v[CONF_ECHO_LEN], tail[CONF_NUM_LEN + 32];

	conf_echo(value, v);
	tail[0] = '\0';
	switch (e) {
	case CE_EMPTY:
		snprintf(err, errlen, "%s: empty value", r->name);
		return;
	case CE_TOOMANY:
		snprintf(err, errlen, "%s: more than %d addresses", r->name,
		    CONF_MAX_BOOTSTRAP);
		return;
	case CE_ADDR:
		snprintf(err, errlen, "%s: '%s': %s", r->name, v,
		    sub != NULL ? sub : conf_errs[e].brief);
		return;
	case CE_SUFFIX:
		snprintf(tail, sizeof(tail), " (use %s)", r->type == CT_SIZE ?
		    "K, M or G" : "s, m, h or d");
		break;
	case CE_BELOW:
	case CE_ABOVE:
		tail[0] = ' ';
		conf_format_num(r, e == CE_BELOW ? r->min : r->max, tail + 1,
		    sizeof(tail) - 1);
		break;
	case CE_LONG:
		snprintf(tail, sizeof(tail), " %ju bytes", (uintmax_t)r->max);
		break;
	case CE_ENUM:
		snprintf(tail, sizeof(tail), " %s", r->choices);
		break;
	default:
		break;
	}
	snprintf(err, errlen, "%s: '%s' %s%s", r->name, v, conf_errs[e].detail,
	    tail);
}

void
conf_defaults(struct conf *c)
{
	const struct conf_row *r;
	const char *sub;
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CONF_NROWS; i++) {
		r = &conf_rows[i];
		/* check_conf asserts that every default is accepted. */
		if (r->deffn != NULL)
			(void)r->deffn((char *)c + r->off, r->max + 1);
		else if (r->def != NULL)
			(void)conf_set_row(c, r, r->def, &sub);
	}
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

/* Whether a field holds something conf_set_row could have stored. */
static int
conf_row_ok(const struct conf *c, const struct conf_row *r)
{
	const char *s = (const char *)c + r->off, *sub;
	uint64_t v = conf_get_num(c, r);
	unsigned i;

	switch (r->type) {
	case CT_STRING:
	case CT_PATH:
	case CT_HOSTPORT:
		return memchr(s, '\0', r->size) != NULL &&
		    (s[0] != '\0' || r->type == CT_STRING) &&
		    conf_check_text(r->type, r->max, s, &sub) == CE_OK;
	case CT_ADDRLIST:
		for (i = 0; i < c->nbootstrap && i < CONF_MAX_BOOTSTRAP; i++)
			if (memchr(c->bootstrap[i], '\0', CONF_ADDR_LEN) ==
			    NULL || c->bootstrap[i][0] == '\0' ||
			    conf_check_text(r->type, r->max, c->bootstrap[i],
			    &sub) != CE_OK)
				return 0;
		return 1;
	case CT_BOOL:
		return v <= 1;
	case CT_ENUM:
		return v <= INT32_MAX &&
		    r->parse(r->unparse((int)v)) == (int)v;
	default:
		return v >= r->min && v <= r->max;
	}
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
	return 0;
}

void
conf_print(const struct conf *c, FILE *fp)
{
	const struct conf_row *r;
	char buf[PATH_MAX];
	size_t i;
	unsigned j;

	for (i = 0; i < CONF_NROWS; i++) {
		r = &conf_rows[i];
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
			snprintf(buf, sizeof(buf), "%.*s", (int)r->size,
			    (const char *)c + r->off);
			break;
		case CT_BOOL:
			snprintf(buf, sizeof(buf), "%s",
			    conf_get_num(c, r) ? "yes" : "no");
			break;
		case CT_ENUM:
			snprintf(buf, sizeof(buf), "%s",
			    r->unparse((int)(uint32_t)conf_get_num(c, r)));
			break;
		default:
			conf_format_num(r, conf_get_num(c, r), buf, sizeof(buf));
			break;
		}
		/* No trailing blank after an empty value. */
		fprintf(fp, "%s =%s%s\n", r->name, buf[0] != '\0' ? " " : "",
		    buf);
	}
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

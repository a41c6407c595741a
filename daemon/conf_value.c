/*
 * conf_value — the values of configuration keys: checked text (strings,
 * paths, addresses), numbers with size and duration units, booleans and
 * enums parsed into a row's field, the same checks on a whole struct conf,
 * numbers formatted back, and the words for a refused value.  The key
 * table and the file format are in conf.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "bytes.h"
#include "conf.h"
#include "conf_impl.h"

#define CONF_NUM_LEN	32	/* a formatted number, NUL included */

/* Numeric fields (enums, int, uint32_t) are stored through 32-bit copies. */
_Static_assert(sizeof(enum conf_storage) == sizeof(uint32_t),
    "enum conf_storage is stored as 32 bits");
_Static_assert(sizeof(int) == sizeof(uint32_t), "int is stored as 32 bits");

int
conf_isspace(int ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * Text the file syntax carries back unchanged: UTF-8, no control
 * characters, no edge whitespace, and no '#' that would open a comment.
 */
enum conf_err
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

/*
 * Per conf_err: conf_set's static reason, and the words after "KEY: 'VALUE' "
 * in a file error; conf_errmsg appends the bound where there is one.
 */
const struct conf_errtext conf_errs[] = {
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
	[CE_NOMEM] =	{ "out of memory", "could not be stored: out of memory" },
};

static void
conf_put_num(struct conf *c, const struct conf_row *r, uint64_t v)
{
	uint32_t v32 = (uint32_t)v;

	if (r->size == sizeof(uint64_t))
		memcpy((char *)c + r->off, &v, sizeof(v));
	else
		memcpy((char *)c + r->off, &v32, sizeof(v32));
}

char **
conf_text(struct conf *c, const struct conf_row *r)
{
	return (char **)(void *)((char *)c + r->off);
}

const char *
conf_text_get(const struct conf *c, const struct conf_row *r)
{
	const char *s;

	memcpy(&s, (const char *)c + r->off, sizeof(s));
	return s;
}

uint64_t
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

int
conf_parse_duration(const char *s, uint64_t min, uint64_t max, uint64_t *out,
    const char **errstr)
{
	struct conf_row r;
	enum conf_err e;

	memset(&r, 0, sizeof(r));
	r.type = CT_DURATION;
	r.min = min;
	r.max = max;
	if ((e = conf_parse_num(&r, s, out)) == CE_OK)
		return 0;
	*errstr = e == CE_SUFFIX ? "unit is not one of s, m, h, d" :
	    e == CE_NUMBER ? "not a number (digits, then s, m, h or d)" :
	    e == CE_BELOW ? "below the minimum" : "above the maximum";
	return -1;
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
enum conf_err
conf_set_row(struct conf *c, const struct conf_row *r, const char *value,
    const char **sub)
{
	enum conf_err e;
	uint64_t v = 0;
	char *dst;
	int ev, off;

	*sub = NULL;
	if (r->type == CT_ADDRLIST && value[0] == '\0') {
		while (c->nbootstrap > 0) {
			free(c->bootstrap[--c->nbootstrap]);
			c->bootstrap[c->nbootstrap] = NULL;
		}
		return CE_OK;
	}
	/* An address or path whose default is empty may be empty: off. */
	off = (r->type == CT_HOSTPORT || r->type == CT_PATH) &&
	    r->def != NULL && r->def[0] == '\0' && value[0] == '\0';
	if (value[0] == '\0' && r->type != CT_STRING && !off)
		return CE_EMPTY;
	switch (r->type) {
	case CT_STRING:
	case CT_PATH:
	case CT_HOSTPORT:
	case CT_ADDRLIST:
		if (!off &&
		    (e = conf_check_text(r->type, r->max, value, sub)) != CE_OK)
			return e;
		if (r->type == CT_ADDRLIST &&
		    c->nbootstrap >= CONF_MAX_BOOTSTRAP)
			return CE_TOOMANY;
		if ((dst = strdup(value)) == NULL)
			return CE_NOMEM;
		if (r->type == CT_ADDRLIST)
			c->bootstrap[c->nbootstrap++] = dst;
		else {
			free(*conf_text(c, r));
			*conf_text(c, r) = dst;
		}
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
void
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
void
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
void
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

/* Whether a field holds something conf_set_row could have stored. */
int
conf_row_ok(const struct conf *c, const struct conf_row *r)
{
	const char *s, *sub;
	uint64_t v;
	unsigned i;

	switch (r->type) {
	case CT_STRING:
	case CT_PATH:
	case CT_HOSTPORT:
		if ((s = conf_text_get(c, r)) == NULL ||
		    strnlen(s, r->max + 1) > r->max)
			return 0;
		/* An address or path whose default is empty: off. */
		if (s[0] == '\0')
			return r->type == CT_STRING || (r->def != NULL &&
			    r->def[0] == '\0');
		return conf_check_text(r->type, r->max, s, &sub) == CE_OK;
	case CT_ADDRLIST:
		for (i = 0; i < c->nbootstrap && i < CONF_MAX_BOOTSTRAP; i++)
			if (c->bootstrap[i] == NULL ||
			    strnlen(c->bootstrap[i], r->max + 1) > r->max ||
			    c->bootstrap[i][0] == '\0' ||
			    conf_check_text(r->type, r->max, c->bootstrap[i],
			    &sub) != CE_OK)
				return 0;
		return 1;
	default:
		break;
	}
	v = conf_get_num(c, r);
	switch (r->type) {
	case CT_BOOL:
		return v <= 1;
	case CT_ENUM:
		return v <= INT32_MAX &&
		    r->parse(r->unparse((int)v)) == (int)v;
	default:
		return v >= r->min && v <= r->max;
	}
}

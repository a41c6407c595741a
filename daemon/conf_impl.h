/*
 * conf_impl — conf internals: the key row and value types and the value
 * functions of conf_value.c that conf.c uses, and the entry points of the
 * conf unit test and the config fuzzer.  Other modules use conf.h only.
 */
#ifndef EMO_CONF_IMPL_H
#define EMO_CONF_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"

#define CONF_ECHO_MAX	80	/* bytes of a bad value quoted in a message */
#define CONF_ECHO_LEN	(CONF_ECHO_MAX * 4 + 8)	/* escaped, "..." and NUL */

#define KIB	1024ull
#define MIB	(1024ull * KIB)
#define GIB	(1024ull * MIB)

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
	CE_BOOL, CE_ENUM, CE_ADDR, CE_TOOMANY, CE_NOMEM,
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

/*
 * Per conf_err: conf_set's static reason, and the words after "KEY: 'VALUE' "
 * in a file error; conf_errmsg appends the bound where there is one.
 */
struct conf_errtext {
	const char	*brief;
	const char	*detail;
};
extern const struct conf_errtext conf_errs[];

/* Blank for the file syntax: space or tab. */
int	conf_isspace(int);
/*
 * Text the file syntax carries back unchanged, of type t and at most max
 * bytes; CE_OK, or why not (with an address's reason in *sub).
 */
enum conf_err conf_check_text(enum conf_type t, size_t max, const char *,
	    const char **sub);
/* Parses value into the row's field; *c is untouched on error. */
enum conf_err conf_set_row(struct conf *, const struct conf_row *,
	    const char *value, const char **sub);
/* The text field of a row (not the address list); NULL: none yet. */
char	**conf_text(struct conf *, const struct conf_row *);
const char *conf_text_get(const struct conf *, const struct conf_row *);
/* A numeric field of the row, widened. */
uint64_t conf_get_num(const struct conf *, const struct conf_row *);
/* Whether a field holds something conf_set_row could have stored. */
int	conf_row_ok(const struct conf *, const struct conf_row *);
/* Sizes print with the largest unit that divides them exactly. */
void	conf_format_num(const struct conf_row *, uint64_t, char *, size_t);
/* Outside bytes quoted for a message; buf holds CONF_ECHO_LEN bytes. */
void	conf_echo(const char *, char *buf);
/* The detailed reason: "max_ttl: '0' is below the minimum 1". */
void	conf_errmsg(const struct conf_row *, const char *value,
	    enum conf_err, const char *sub, char *err, size_t errlen);

/*
 * conf_load on an open stream; name is the path used in messages
 * ("NAME:LINE: reason").  Does not close fp.
 */
int	conf_load_stream(struct conf *, FILE *, const char *name, char *err,
	    size_t errlen);
/* The one-line help of the i-th key; NULL past the end. */
const char *conf_key_help(unsigned i);

#endif

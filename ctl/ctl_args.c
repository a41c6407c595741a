/*
 * ctl_args — emoctl's strict parsers for argument values: numbers, keys,
 * peer addresses, log levels, a bounded read of stdin, and the options
 * that cannot go together.  No output.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "id.h"
#include "log.h"

/*
 * Decimal digits only: no sign, no blanks, no base prefix, so that "-1",
 * " 5" and "0x10" are refused instead of wrapping or being half-read.
 */
int
ctl_args_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
    const char **errstr)
{
	uint64_t v = 0;
	unsigned d;

	if (*s == '\0') {
		*errstr = "empty";
		return -1;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9') {
			*errstr = "not a decimal number";
			return -1;
		}
		d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10) {
			*errstr = "out of range";
			return -1;
		}
		v = v * 10 + d;
	}
	if (v < min || v > max) {
		*errstr = "out of range";
		return -1;
	}
	*out = v;
	return 0;
}

int
ctl_args_key(const char *s, int hexkey, uint8_t key[ID_LEN],
    const char **errstr)
{
	struct id id;
	size_t len = strlen(s);

	if (hexkey) {
		if (id_from_hex(&id, s, len) == -1) {
			*errstr = "not 64 hex digits";
			return -1;
		}
	} else {
		/* Same cap as a name in the protocol, so any client can use it. */
		if (len > EMO_MAX_KEY_NAME) {
			*errstr = "key longer than "
			    BYTES_STR(EMO_MAX_KEY_NAME) " bytes";
			return -1;
		}
		id_from_name(&id, s, len);
	}
	memcpy(key, id.b, ID_LEN);
	return 0;
}

/* HOST:PORT or [V6]:PORT; the daemon resolves and checks the host. */
int
ctl_args_address(const char *s, const char **errstr)
{
	const char *colon, *p;
	size_t len = strlen(s), hostlen;
	uint64_t port;
	const char *why;

	if (len == 0 || len > CTL_MAX_ADDRESS) {
		*errstr = "length out of range";
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
			*errstr = "blank or non-ASCII character";
			return -1;
		}
	}
	if ((colon = strrchr(s, ':')) == NULL) {
		*errstr = "no port (expected HOST:PORT)";
		return -1;
	}
	if (ctl_args_uint(colon + 1, 1, 65535, &port, &why) == -1) {
		*errstr = "port is not 1..65535";
		return -1;
	}
	hostlen = (size_t)(colon - s);
	if (hostlen == 0) {
		*errstr = "empty host";
		return -1;
	}
	if (s[0] == '[') {
		if (hostlen < 3 || s[hostlen - 1] != ']' ||
		    memchr(s + 1, ']', hostlen - 2) != NULL) {
			*errstr = "bad [IPv6] host";
			return -1;
		}
	} else if (memchr(s, ':', hostlen) != NULL || memchr(s, ']', hostlen)) {
		*errstr = "an IPv6 host needs brackets: [V6]:PORT";
		return -1;
	}
	return 0;
}

int
ctl_args_level(const char *s, const char **errstr)
{
	int i;

	/* The daemon's names, exactly: no case folding or aliases here. */
	for (i = LOG_LEVEL_WARN; i <= LOG_LEVEL_DEBUG; i++)
		if (strcmp(s, log_level_name(i)) == 0)
			return i;
	*errstr = "not one of warn, info, debug";
	return -1;
}

/*
 * Reads at most max + 1 bytes, so an oversized input is detected without
 * consuming (or buffering) the rest of it.
 */
int
ctl_args_slurp(FILE *f, size_t max, uint8_t **out, size_t *outlen)
{
	uint8_t *buf;
	size_t len = 0, n;

	if (max == SIZE_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	if ((buf = malloc(max + 1)) == NULL)
		return -1;
	errno = 0;
	while (len <= max) {
		n = fread(buf + len, 1, max + 1 - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				free(buf);
				errno = errno ? errno : EIO;
				return -1;
			}
			break;
		}
	}
	if (len > max) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

const char *
ctl_args_conflict(const struct ctl_inv *inv, int put)
{
	unsigned g = inv->given;

	if ((g & CTL_OPT_OUTPUT) && (inv->json || (g & (CTL_OPT_RAW |
	    CTL_OPT_NUL))))
		return "-o writes the value's bytes to FILE: not with --json, "
		    "--raw or -0";
	if ((g & CTL_OPT_RAW) && (inv->json || (g & CTL_OPT_NUL)))
		return "--raw is not for use with --json or -0";
	if ((g & CTL_OPT_NUL) && inv->json)
		return "-0 is not for use with --json";
	if ((g & CTL_OPT_SEQ) && !(g & CTL_OPT_SIGN))
		return "--seq is for put --sign";
	if ((g & (CTL_OPT_SIGN | CTL_OPT_IMMUTABLE)) &&
	    (g & CTL_OPT_PERMANENT))
		return "a signed or immutable value cannot be --permanent: put "
		    "it again before it expires";
	if ((g & CTL_OPT_SIGN) && (g & CTL_OPT_IMMUTABLE))
		return "a value is --sign'ed or --immutable, not both";
	if ((g & (CTL_OPT_SIGN | CTL_OPT_IMMUTABLE | CTL_OPT_SIGNED_BY)) &&
	    inv->hexkey)
		return "--sign, --immutable and --signed-by derive the key: not "
		    "with --hex-key";
	if ((g & CTL_OPT_DECRYPT) && (g & CTL_OPT_SIGNED_BY))
		return "--decrypt is not for use with --signed-by";
	if ((g & CTL_OPT_IMMUTABLE) && inv->npos != 1)
		return "--immutable takes one argument, VALUE";
	if (put && !(g & CTL_OPT_IMMUTABLE) && inv->npos != 2)
		return "missing argument";
	return NULL;
}

/*
 * ctl_print — everything emoctl writes: error messages, the human and JSON
 * form of each answer, and the helpers they need (JSON string escaping,
 * base64 and hex through crypto.c, terminal-safe text).  No socket I/O.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "ctl.h"

#define CTL_PRINT_MAX_LABEL	40	/* alignment stops growing here */
#define CTL_PRINT_ID_WIDTH	ID_HEX_LEN
#define CTL_PRINT_MAX_ERROR	2048	/* an error line, before escaping */

/*
 * The one piece of state in emoctl's output: whether errors are JSON.
 * Set once, from main, before anything is printed.
 */
static int ctl_json_errors;

void
ctl_print_json_errors(int on)
{
	ctl_json_errors = on;
}

int
ctl_print_json_errors_on(void)
{
	return ctl_json_errors;
}

void
ctl_warnx(const char *fmt, ...)
{
	char buf[CTL_PRINT_MAX_ERROR];
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	if (ctl_json_errors) {
		vsnprintf(buf, sizeof(buf), fmt, ap);
		fputs("{\"error\":", stderr);
		ctl_print_json_string(stderr, buf, strlen(buf));
		fputs("}\n", stderr);
	} else {
		fputs("emoctl: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

void
ctl_print_error(const char *cmd, const char *what, const char *code,
    const char *message)
{
	char buf[CTL_PRINT_MAX_ERROR];

	fflush(stdout);
	if (message == NULL)
		message = "";
	if (!ctl_json_errors) {
		fprintf(stderr, "emoctl: %s: %s", cmd, what);
		if (message[0] != '\0') {
			fputs(": ", stderr);
			ctl_print_safe(stderr, message, strlen(message));
		}
		fputc('\n', stderr);
		return;
	}
	snprintf(buf, sizeof(buf), "%s: %s%s%s", cmd, what,
	    message[0] != '\0' ? ": " : "", message);
	fputs("{\"error\":", stderr);
	ctl_print_json_string(stderr, buf, strlen(buf));
	fputs(",\"command\":", stderr);
	ctl_print_json_string(stderr, cmd, strlen(cmd));
	fputs(",\"code\":", stderr);
	ctl_print_json_string(stderr, code, strlen(code));
	fputs(",\"message\":", stderr);
	ctl_print_json_string(stderr, message, strlen(message));
	fputs("}\n", stderr);
}

/* A JSON string; ill-formed UTF-8 becomes U+FFFD so output stays valid. */
void
ctl_print_json_string(FILE *f, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t cp;
	size_t n;

	fputc('"', f);
	while (len > 0) {
		if ((n = bytes_utf8_next(p, len, &cp)) == 0) {
			fputs("\\ufffd", f);
			p++;
			len--;
			continue;
		}
		switch (cp) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			/* U+2028/9 are legal JSON but end a line in JS. */
			if (cp < 0x20 || cp == 0x7f || cp == 0x2028 ||
			    cp == 0x2029)
				fprintf(f, "\\u%04" PRIx32, cp);
			else
				fwrite(p, 1, n, f);
		}
		p += n;
		len -= n;
	}
	fputc('"', f);
}

static void
ctl_print_json_cstr(FILE *f, const char *s)
{
	ctl_print_json_string(f, s, strlen(s));
}

/* Whole groups of 3 bytes per chunk, so chunking does not add padding. */
#define CTL_PRINT_B64_CHUNK	768
#define CTL_PRINT_HEX_CHUNK	512

void
ctl_print_base64(FILE *f, const void *buf, size_t len)
{
	char out[CTL_PRINT_B64_CHUNK / 3 * 4 + 1];
	const uint8_t *p = buf;
	size_t n;

	while (len > 0) {
		n = len < CTL_PRINT_B64_CHUNK ? len : CTL_PRINT_B64_CHUNK;
		if (crypto_b64_encode(out, sizeof(out), p, n) == -1)
			return;		/* cannot happen: out fits a chunk */
		fputs(out, f);
		p += n;
		len -= n;
	}
}

void
ctl_print_hex(FILE *f, const uint8_t *p, size_t len)
{
	char out[CTL_PRINT_HEX_CHUNK * 2 + 1];
	size_t n;

	while (len > 0) {
		n = len < CTL_PRINT_HEX_CHUNK ? len : CTL_PRINT_HEX_CHUNK;
		if (crypto_hex_encode(out, sizeof(out), p, n) == -1)
			return;		/* cannot happen: out fits a chunk */
		fputs(out, f);
		p += n;
		len -= n;
	}
}

/*
 * Text from the daemon or the user shown on a terminal: printable ASCII
 * and well-formed UTF-8 pass, controls (C0, DEL, C1) and bad bytes become
 * \xNN so they cannot drive the terminal.
 */
void
ctl_print_safe(FILE *f, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t cp;
	size_t n;

	while (len > 0) {
		n = bytes_utf8_next(p, len, &cp);
		if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    cp == '\\') {
			fprintf(f, "\\x%02x", p[0]);
			n = 1;
		} else
			fwrite(p, 1, n, f);
		p += n;
		len -= n;
	}
}

static void
ctl_print_safe_cstr(FILE *f, const char *s)
{
	ctl_print_safe(f, s, strlen(s));
}

/* Seconds left, rounded up; 0 once expired. */
int64_t
ctl_print_ttl_left(int64_t expires_ms, int64_t now_ms)
{
	int64_t left;

	if (expires_ms <= now_ms)
		return 0;
	if (now_ms < 0 && expires_ms > INT64_MAX + now_ms)
		return INT64_MAX / 1000;
	left = expires_ms - now_ms;
	return left / 1000 + (left % 1000 != 0);
}

/* --json: an empty array on stdout (exit 1 says it), nothing on stderr. */
void
ctl_print_notfound(const struct ctl_inv *inv)
{
	if (inv->json) {
		fputs("[]\n", stdout);
		return;
	}
	fflush(stdout);
	fputs("emoctl: ", stderr);
	ctl_print_safe_cstr(stderr, inv->pos[0]);
	fputs(": not found\n", stderr);
}

static const struct {
	Emo__Ctl__ErrorCode	 code;
	int			 exit;
	const char		*name;		/* --json's "code" */
	const char		*what;
} ctl_errors[] = {
	{ EMO__CTL__ERROR_CODE__ERR_INVALID, CTL_EXIT_USAGE,
	    "ERR_INVALID", "invalid request" },
	{ EMO__CTL__ERROR_CODE__ERR_NOT_FOUND, CTL_EXIT_NOTFOUND,
	    "ERR_NOT_FOUND", "not found" },
	{ EMO__CTL__ERROR_CODE__ERR_TOO_LARGE, CTL_EXIT_USAGE,
	    "ERR_TOO_LARGE", "value too large" },
	{ EMO__CTL__ERROR_CODE__ERR_VERSION, CTL_EXIT_FAIL,
	    "ERR_VERSION", "control protocol version not spoken by emod" },
	{ EMO__CTL__ERROR_CODE__ERR_STORAGE, CTL_EXIT_FAIL,
	    "ERR_STORAGE", "storage failure" },
	{ EMO__CTL__ERROR_CODE__ERR_UNAVAILABLE, CTL_EXIT_FAIL,
	    "ERR_UNAVAILABLE", "unavailable" },
	{ EMO__CTL__ERROR_CODE__ERR_TIMEOUT, CTL_EXIT_FAIL,
	    "ERR_TIMEOUT", "timed out" },
	{ EMO__CTL__ERROR_CODE__ERR_QUOTA, CTL_EXIT_FAIL,
	    "ERR_QUOTA", "storage quota full" },
	{ EMO__CTL__ERROR_CODE__ERR_NO_SUCH_VALUE, CTL_EXIT_NOTFOUND,
	    "ERR_NO_SUCH_VALUE", "not on the permanent list" },
};

/* An Error answer from emod: printed, and its exit status. */
int
ctl_print_daemon_error(const struct ctl_inv *inv, const Emo__Ctl__Error *e)
{
	char what[64], name[32];
	int rc = CTL_EXIT_FAIL;
	size_t i;

	snprintf(what, sizeof(what), "error %d", (int)e->code);
	snprintf(name, sizeof(name), "%d", (int)e->code);
	for (i = 0; i < sizeof(ctl_errors) / sizeof(ctl_errors[0]); i++) {
		if (ctl_errors[i].code == e->code) {
			snprintf(what, sizeof(what), "%s", ctl_errors[i].what);
			snprintf(name, sizeof(name), "%s", ctl_errors[i].name);
			rc = ctl_errors[i].exit;
			break;
		}
	}
	if (rc == CTL_EXIT_NOTFOUND && inv->npos > 0) {
		ctl_print_notfound(inv);
		return rc;
	}
	ctl_print_error(inv->cmdname, what, name, e->message);
	return rc;
}

int
ctl_print_hash(const struct ctl_inv *inv)
{
	if (inv->json) {
		fputs("{\"key\":\"", stdout);
		ctl_print_hex(stdout, inv->key, ID_LEN);
		fputs("\"}\n", stdout);
	} else {
		ctl_print_hex(stdout, inv->key, ID_LEN);
		fputc('\n', stdout);
	}
	return CTL_EXIT_OK;
}

int
ctl_print_put(const struct ctl_inv *inv, const Emo__Ctl__Response *resp)
{
	const Emo__Ctl__PutResult *r = resp->put;
	const uint8_t *key = inv->key;

	if (r->key.len == ID_LEN)
		key = r->key.data;
	if (inv->json) {
		fputs("{\"key\":\"", stdout);
		ctl_print_hex(stdout, key, ID_LEN);
		printf("\",\"acks\":%" PRIu32 ",\"created_ms\":%" PRId64
		    ",\"expires_ms\":%" PRId64, r->acks, r->created_ms,
		    r->expires_ms);
		if (r->value_id.len > 0) {
			fputs(",\"id\":\"", stdout);
			ctl_print_hex(stdout, r->value_id.data,
			    r->value_id.len);
			fputc('"', stdout);
		}
		if (inv->perm)
			fputs(",\"permanent\":true", stdout);
		fputs("}\n", stdout);
		return CTL_EXIT_OK;
	}
	printf("stored %zu B under ", inv->valuelen);
	ctl_print_hex(stdout, key, ID_LEN);
	printf(", %" PRIu32 " node%s acknowledged", r->acks,
	    r->acks == 1 ? "" : "s");
	if (r->value_id.len > 0) {
		fputs(inv->perm ? "; permanent, id " : "; id ", stdout);
		ctl_print_hex(stdout, r->value_id.data, r->value_id.len);
	}
	fputc('\n', stdout);
	return CTL_EXIT_OK;
}

static int64_t
ctl_print_wallclock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The newest value: the latest creation time, the last of equals. */
static size_t
ctl_print_newest(const Emo__Ctl__GetResult *r)
{
	size_t i, best = 0;

	for (i = 1; i < r->n_values; i++)
		if (r->values[i]->created_ms >= r->values[best]->created_ms)
			best = i;
	return best;
}

/* -o FILE: the value's bytes, nothing added; 0 or an exit code. */
static int
ctl_print_to_file(const char *path, const Emo__Ctl__Value *v)
{
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL) {
		ctl_warnx("cannot write %s: %s", path, strerror(errno));
		return CTL_EXIT_FAIL;
	}
	if (fwrite(v->data.data, 1, v->data.len, f) != v->data.len ||
	    fflush(f) == EOF) {
		ctl_warnx("writing %s: %s", path, strerror(errno));
		fclose(f);
		return CTL_EXIT_FAIL;
	}
	if (fclose(f) == EOF) {
		ctl_warnx("writing %s: %s", path, strerror(errno));
		return CTL_EXIT_FAIL;
	}
	return CTL_EXIT_OK;
}

static void
ctl_print_value_json(const Emo__Ctl__Value *v, int64_t now, int first)
{
	fputs(first ? "{\"value\":" : ",{\"value\":", stdout);
	if (bytes_utf8_valid(v->data.data, v->data.len))
		ctl_print_json_string(stdout, v->data.data, v->data.len);
	else
		fputs("null", stdout);
	fputs(",\"value_base64\":\"", stdout);
	ctl_print_base64(stdout, v->data.data, v->data.len);
	printf("\",\"created_ms\":%" PRId64 ",\"expires_ms\":%" PRId64
	    ",\"ttl_s\":%" PRId64, v->created_ms, v->expires_ms,
	    ctl_print_ttl_left(v->expires_ms, now));
	if (v->id.len > 0) {
		fputs(",\"id\":\"", stdout);
		ctl_print_hex(stdout, v->id.data, v->id.len);
		fputc('"', stdout);
	}
	if (v->public_key.len > 0) {
		fputs(",\"signer\":\"", stdout);
		ctl_print_hex(stdout, v->public_key.data, v->public_key.len);
		printf("\",\"seq\":%" PRIu64, v->seq);
	}
	if (v->immutable)
		fputs(",\"immutable\":true", stdout);
	fputc('}', stdout);
}

int
ctl_print_get(const struct ctl_inv *inv, const Emo__Ctl__Response *resp)
{
	const Emo__Ctl__GetResult *r = resp->get;
	const Emo__Ctl__Value *v;
	int latest = (inv->given & (CTL_OPT_LATEST | CTL_OPT_OUTPUT)) != 0;
	size_t i, first = 0, end = r->n_values;
	int64_t now;

	if (r->n_values == 0) {
		ctl_print_notfound(inv);
		return CTL_EXIT_NOTFOUND;
	}
	if (latest) {
		first = ctl_print_newest(r);
		end = first + 1;
	}
	if (inv->given & CTL_OPT_OUTPUT)
		return ctl_print_to_file(inv->output, r->values[first]);
	if ((inv->given & CTL_OPT_RAW) && end - first > 1) {
		ctl_warnx("get: --raw writes one value and the key has %zu; add "
		    "--latest, or use -0 or --json", end - first);
		return CTL_EXIT_USAGE;
	}
	if (!inv->json) {
		for (i = first; i < end; i++) {
			v = r->values[i];
			fwrite(v->data.data, 1, v->data.len, stdout);
			if (inv->given & CTL_OPT_NUL)
				fputc('\0', stdout);
			else if (!(inv->given & CTL_OPT_RAW))
				fputc('\n', stdout);
		}
		/* Exit 0: what is printed is right, only not all (emoctl(1)). */
		if (r->truncated && !latest)
			ctl_warnx("truncated: at least %" PRIu32 " more values; "
			    "continue with --since %" PRId64, r->omitted,
			    r->next_since_ms);
		return CTL_EXIT_OK;
	}
	now = ctl_print_wallclock_ms();
	/* A complete answer stays a plain array, as before. */
	if (r->truncated && !latest)
		printf("{\"truncated\":true,\"omitted\":%" PRIu32
		    ",\"next_since_ms\":%" PRId64 ",\"values\":",
		    r->omitted, r->next_since_ms);
	fputc('[', stdout);
	for (i = first; i < end; i++)
		ctl_print_value_json(r->values[i], now, i == first);
	fputs(r->truncated && !latest ? "]}\n" : "]\n", stdout);
	return CTL_EXIT_OK;
}

static void
ctl_print_row(const char *label, int w, const char *text)
{
	printf("%-*s", w, label);
	if (text != NULL) {
		ctl_print_safe_cstr(stdout, text);
		fputc('\n', stdout);
	}
}

static void
ctl_print_duration(uint64_t s)
{
	if (s >= 86400)
		printf("%" PRIu64 "d %" PRIu64 "h %" PRIu64 "m %" PRIu64 "s",
		    s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
	else if (s >= 3600)
		printf("%" PRIu64 "h %" PRIu64 "m %" PRIu64 "s",
		    s / 3600, s / 60 % 60, s % 60);
	else
		printf("%" PRIu64 "m %" PRIu64 "s", s / 60, s % 60);
}

static void
ctl_print_size(uint64_t b)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double d = (double)b;
	size_t u = 0;

	printf("%" PRIu64, b);
	if (b < 1024)
		return;
	d /= 1024;
	while (d >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		d /= 1024;
		u++;
	}
	printf(" (%.1f %s)", d, unit[u]);
}

/* The permanent count and the restart-only keys changed since start. */
static void
ctl_print_status_extra(const Emo__Ctl__StatusResult *r, int json)
{
	size_t i;

	if (json) {
		printf(",\"permanent\":%" PRIu32 ",\"restart_keys\":[",
		    r->permanent);
		for (i = 0; i < r->n_restart_keys; i++) {
			if (i > 0)
				fputc(',', stdout);
			ctl_print_json_cstr(stdout, r->restart_keys[i]);
		}
		fputc(']', stdout);
		return;
	}
	fputs("restart to apply: ", stdout);
	for (i = 0; i < r->n_restart_keys; i++) {
		if (i > 0)
			fputs(", ", stdout);
		ctl_print_safe_cstr(stdout, r->restart_keys[i]);
	}
	fputc('\n', stdout);
}

static void
ctl_print_status_json(const Emo__Ctl__StatusResult *r)
{
	size_t i;

	fputs("{\"node_id\":\"", stdout);
	ctl_print_hex(stdout, r->node_id.data, r->node_id.len);
	fputs("\",\"public_key\":\"", stdout);
	ctl_print_hex(stdout, r->public_key.data, r->public_key.len);
	fputs("\",\"listen\":", stdout);
	ctl_print_json_cstr(stdout, r->listen);
	printf(",\"uptime_s\":%" PRIu64 ",\"peers\":%" PRIu32
	    ",\"keys\":%" PRIu64 ",\"values\":%" PRIu64 ",\"bytes\":%" PRIu64
	    ",\"storage\":", r->uptime_s, r->peers, r->keys, r->values,
	    r->bytes);
	ctl_print_json_cstr(stdout, r->storage);
	fputs(",\"version\":", stdout);
	ctl_print_json_cstr(stdout, r->version);
	fputs(",\"data_dir\":", stdout);
	ctl_print_json_cstr(stdout, r->data_dir);
	if (r->network != NULL && r->network[0] != '\0') {
		fputs(",\"network\":", stdout);
		ctl_print_json_cstr(stdout, r->network);
	}
	fputs(",\"counters\":{", stdout);
	for (i = 0; i < r->n_counters; i++) {
		if (i > 0)
			fputc(',', stdout);
		ctl_print_json_cstr(stdout, r->counters[i]->name);
		printf(":%" PRIu64, r->counters[i]->value);
	}
	fputc('}', stdout);
	ctl_print_status_extra(r, 1);
	fputs("}\n", stdout);
}

int
ctl_print_status(const struct ctl_inv *inv, const Emo__Ctl__Response *resp)
{
	const Emo__Ctl__StatusResult *r = resp->status;
	int w = (int)strlen("public_key");
	size_t i, len;

	if (inv->json) {
		ctl_print_status_json(r);
		return CTL_EXIT_OK;
	}
	for (i = 0; i < r->n_counters; i++) {
		len = strlen(r->counters[i]->name);
		if (len > CTL_PRINT_MAX_LABEL)
			len = CTL_PRINT_MAX_LABEL;
		if ((int)len > w)
			w = (int)len;
	}
	w += 2;
	ctl_print_row("node_id", w, NULL);
	ctl_print_hex(stdout, r->node_id.data, r->node_id.len);
	fputc('\n', stdout);
	ctl_print_row("public_key", w, NULL);
	ctl_print_hex(stdout, r->public_key.data, r->public_key.len);
	fputc('\n', stdout);
	ctl_print_row("listen", w, r->listen);
	ctl_print_row("uptime", w, NULL);
	printf("%" PRIu64 " s", r->uptime_s);
	if (r->uptime_s >= 60) {
		fputs(" (", stdout);
		ctl_print_duration(r->uptime_s);
		fputc(')', stdout);
	}
	fputc('\n', stdout);
	ctl_print_row("peers", w, NULL);
	printf("%" PRIu32, r->peers);
	if (r->network != NULL && strcmp(r->network, "isolated") == 0)
		fputs(" (isolated: no peer answers; puts and gets fail until "
		    "one does, see emod's log)", stdout);
	else if (r->network != NULL && strcmp(r->network, "standalone") == 0)
		fputs(" (standalone: no bootstrap, no peer yet)", stdout);
	fputc('\n', stdout);
	ctl_print_row("keys", w, NULL);
	printf("%" PRIu64 "\n", r->keys);
	ctl_print_row("values", w, NULL);
	printf("%" PRIu64 "\n", r->values);
	ctl_print_row("bytes", w, NULL);
	ctl_print_size(r->bytes);
	fputc('\n', stdout);
	ctl_print_row("storage", w, r->storage);
	ctl_print_row("version", w, r->version);
	ctl_print_row("data_dir", w, r->data_dir);
	ctl_print_row("permanent", w, NULL);
	printf("%" PRIu32 "\n", r->permanent);
	if (r->n_restart_keys > 0)
		ctl_print_status_extra(r, 0);
	for (i = 0; i < r->n_counters; i++) {
		len = strlen(r->counters[i]->name);
		ctl_print_safe_cstr(stdout, r->counters[i]->name);
		printf("%*s%" PRIu64 "\n", len < (size_t)w ? w - (int)len : 1,
		    "", r->counters[i]->value);
	}
	return CTL_EXIT_OK;
}

static void
ctl_print_age(char *buf, size_t len, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (ms < 1000)
		snprintf(buf, len, "%" PRId64 " ms", ms);
	else if (ms < 60000)
		snprintf(buf, len, "%.1f s", (double)ms / 1000);
	else if (ms < 3600000)
		snprintf(buf, len, "%" PRId64 "m %" PRId64 "s", ms / 60000,
		    ms / 1000 % 60);
	else
		snprintf(buf, len, "%" PRId64 "h %" PRId64 "m", ms / 3600000,
		    ms / 60000 % 60);
}

int
ctl_print_peers(const struct ctl_inv *inv, const Emo__Ctl__Response *resp)
{
	const Emo__Ctl__PeersResult *r = resp->peers;
	const Emo__Ctl__Peer *p;
	char age[32];
	size_t i, len;
	int aw = (int)strlen("ADDRESS");

	if (inv->json) {
		fputc('[', stdout);
		for (i = 0; i < r->n_peers; i++) {
			p = r->peers[i];
			fputs(i == 0 ? "{\"id\":\"" : ",{\"id\":\"", stdout);
			ctl_print_hex(stdout, p->id.data, p->id.len);
			fputs("\",\"address\":", stdout);
			ctl_print_json_cstr(stdout, p->address);
			printf(",\"last_seen_ago_ms\":%" PRId64 ",\"rtt_us\":%"
			    PRIu32 "}", p->last_seen_ago_ms, p->rtt_us);
		}
		fputs("]\n", stdout);
		return CTL_EXIT_OK;
	}
	if (r->n_peers == 0) {
		fputs("no peers\n", stdout);
		return CTL_EXIT_OK;
	}
	for (i = 0; i < r->n_peers; i++) {
		len = strlen(r->peers[i]->address);
		if (len > CTL_PRINT_MAX_LABEL)
			len = CTL_PRINT_MAX_LABEL;
		if ((int)len > aw)
			aw = (int)len;
	}
	printf("%-*s  %-*s  %10s  %s\n", CTL_PRINT_ID_WIDTH, "ID", aw,
	    "ADDRESS", "SEEN AGO", "RTT");
	for (i = 0; i < r->n_peers; i++) {
		p = r->peers[i];
		ctl_print_hex(stdout, p->id.data, p->id.len);
		len = p->id.len < ID_LEN ? ID_LEN - p->id.len : 0;
		printf("%*s", (int)len * 2 + 2, "");
		len = strlen(p->address);
		ctl_print_safe_cstr(stdout, p->address);
		ctl_print_age(age, sizeof(age), p->last_seen_ago_ms);
		printf("%*s%10s  ", len < (size_t)aw ? aw - (int)len + 2 : 2,
		    "", age);
		if (p->rtt_us == 0)
			fputs("-\n", stdout);
		else
			printf("%.3f ms\n", (double)p->rtt_us / 1000);
	}
	return CTL_EXIT_OK;
}

int
ctl_print_ping(const struct ctl_inv *inv, const Emo__Ctl__Response *resp)
{
	const Emo__Ctl__PingResult *r = resp->ping;

	if (inv->json) {
		fputs("{\"address\":", stdout);
		ctl_print_json_cstr(stdout, inv->pos[0]);
		fputs(",\"id\":\"", stdout);
		ctl_print_hex(stdout, r->node_id.data, r->node_id.len);
		printf("\",\"rtt_us\":%" PRIu32 ",\"rtt_ms\":%.3f}\n",
		    r->rtt_us, (double)r->rtt_us / 1000);
		return CTL_EXIT_OK;
	}
	ctl_print_hex(stdout, r->node_id.data, r->node_id.len);
	printf(" rtt %.3f ms\n", (double)r->rtt_us / 1000);
	return CTL_EXIT_OK;
}

int
ctl_print_log(const struct ctl_inv *inv, const Emo__Ctl__Response *resp)
{
	const Emo__Ctl__LogResult *r = resp->log;

	if (inv->json) {
		fputs("{\"level\":", stdout);
		ctl_print_json_cstr(stdout, r->level);
		fputs("}\n", stdout);
		return CTL_EXIT_OK;
	}
	fputs("log level ", stdout);
	ctl_print_safe_cstr(stdout, r->level);
	fputc('\n', stdout);
	return CTL_EXIT_OK;
}

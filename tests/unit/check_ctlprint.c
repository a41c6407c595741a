/*
 * check_ctlprint — emoctl's pure helpers: JSON escaping, UTF-8 validation,
 * base64, strict argument parsers, bounded stdin read, JSON printers.
 * ctl/ is not in libemo.a, so its files are compiled into this test.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ctl/ctl_args.c"
#include "../../ctl/ctl_print.c"
#include "check_util.h"

/* Runs fn(f, in, len) into a memory stream and compares the text. */
static void
expect_out(void (*fn)(FILE *, const void *, size_t), const void *in,
    size_t len, const char *want)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f;

	f = open_memstream(&buf, &sz);
	ck_assert_ptr_nonnull(f);
	fn(f, in, len);
	fclose(f);
	ck_assert_str_eq(buf, want);
	free(buf);
}

static const struct {
	const char	*in;
	size_t		 len;
	const char	*want;
} json_cases[] = {
	{ "", 0, "\"\"" },
	{ "hello", 5, "\"hello\"" },
	{ "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
	{ "\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"" },
	{ "\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"" },
	{ "a\0b", 3, "\"a\\u0000b\"" },
	{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
	    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"" },
	{ "\xe2\x80\xa8", 3, "\"\\u2028\"" },
	{ "\xff", 1, "\"\\ufffd\"" },
	{ "a\xc3", 2, "\"a\\ufffd\"" },
	{ "\xc0\xaf", 2, "\"\\ufffd\\ufffd\"" },
	{ "\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "/", 1, "\"/\"" },
};

START_TEST(test_json_string)
{
	expect_out(ctl_print_json_string, json_cases[_i].in,
	    json_cases[_i].len, json_cases[_i].want);
}
END_TEST

static const struct {
	const char	*in;
	size_t		 len;
	int		 valid;
} utf8_cases[] = {
	{ "", 0, 1 },
	{ "plain ascii\n", 12, 1 },
	{ "\0", 1, 1 },
	{ "\xc2\x80", 2, 1 },			/* U+0080 */
	{ "\xdf\xbf", 2, 1 },			/* U+07FF */
	{ "\xe0\xa0\x80", 3, 1 },		/* U+0800 */
	{ "\xef\xbf\xbf", 3, 1 },		/* U+FFFF */
	{ "\xf0\x90\x80\x80", 4, 1 },		/* U+10000 */
	{ "\xf4\x8f\xbf\xbf", 4, 1 },		/* U+10FFFF */
	{ "\x80", 1, 0 },			/* lone continuation */
	{ "\xc0\x80", 2, 0 },			/* overlong NUL */
	{ "\xc1\xbf", 2, 0 },			/* overlong */
	{ "\xe0\x9f\xbf", 3, 0 },		/* overlong */
	{ "\xf0\x8f\xbf\xbf", 4, 0 },		/* overlong */
	{ "\xed\xa0\x80", 3, 0 },		/* surrogate D800 */
	{ "\xed\xbf\xbf", 3, 0 },		/* surrogate DFFF */
	{ "\xf4\x90\x80\x80", 4, 0 },		/* above U+10FFFF */
	{ "\xf5\x80\x80\x80", 4, 0 },
	{ "\xfe", 1, 0 },
	{ "\xe2\x82", 2, 0 },			/* truncated */
	{ "\xe2\x28\xa1", 3, 0 },		/* bad continuation */
};

START_TEST(test_utf8_valid)
{
	ck_assert_int_eq(bytes_utf8_valid(utf8_cases[_i].in,
	    utf8_cases[_i].len), utf8_cases[_i].valid);
}
END_TEST

/* RFC 4648 section 10, plus bytes that use every bit. */
static const struct {
	const char	*in;
	size_t		 len;
	const char	*want;
} b64_cases[] = {
	{ "", 0, "" },
	{ "f", 1, "Zg==" },
	{ "fo", 2, "Zm8=" },
	{ "foo", 3, "Zm9v" },
	{ "foob", 4, "Zm9vYg==" },
	{ "fooba", 5, "Zm9vYmE=" },
	{ "foobar", 6, "Zm9vYmFy" },
	{ "\xff\xfe\x00" "bin", 6, "//4AYmlu" },
	{ "\xfb\xff", 2, "+/8=" },
};

START_TEST(test_base64)
{
	expect_out(ctl_print_base64, b64_cases[_i].in, b64_cases[_i].len,
	    b64_cases[_i].want);
}
END_TEST

static void
hex_adapter(FILE *f, const void *p, size_t len)
{
	ctl_print_hex(f, p, len);
}

START_TEST(test_hex_and_safe)
{
	expect_out(hex_adapter, "\x00\x0f\xa5\xff", 4, "000fa5ff");
	expect_out(ctl_print_safe, "ok \xc3\xa9", 5, "ok \xc3\xa9");
	expect_out(ctl_print_safe, "\x1b[31m", 5, "\\x1b[31m");
	expect_out(ctl_print_safe, "a\\b", 3, "a\\x5cb");
	expect_out(ctl_print_safe, "\xc2\x9b", 2, "\\xc2\\x9b");	/* C1 CSI */
	expect_out(ctl_print_safe, "\xff\n", 2, "\\xff\\x0a");
}
END_TEST

static const struct {
	int64_t	expires, now, want;
} ttl_cases[] = {
	{ 10000, 10000, 0 },
	{ 9000, 10000, 0 },
	{ 10001, 10000, 1 },
	{ 11000, 10000, 1 },
	{ 11001, 10000, 2 },
	{ 70000, 10000, 60 },
	{ INT64_MAX, -1000, INT64_MAX / 1000 },
	{ INT64_MAX, 0, INT64_MAX / 1000 + 1 },
};

START_TEST(test_ttl_left)
{
	ck_assert_int_eq(ctl_print_ttl_left(ttl_cases[_i].expires,
	    ttl_cases[_i].now), ttl_cases[_i].want);
}
END_TEST

static const struct {
	const char	*in;
	uint64_t	 min, max;
	int		 ok;
	uint64_t	 want;
} uint_cases[] = {
	{ "1", 1, UINT32_MAX, 1, 1 },
	{ "4294967295", 1, UINT32_MAX, 1, UINT32_MAX },
	{ "4294967296", 1, UINT32_MAX, 0, 0 },
	{ "0", 1, UINT32_MAX, 0, 0 },
	{ "0", 0, 5, 1, 0 },
	{ "007", 1, 10, 1, 7 },
	{ "", 0, 10, 0, 0 },
	{ "-1", 0, UINT64_MAX, 0, 0 },
	{ "+1", 0, 10, 0, 0 },
	{ " 1", 0, 10, 0, 0 },
	{ "1 ", 0, 10, 0, 0 },
	{ "0x10", 0, 100, 0, 0 },
	{ "1e3", 0, 10000, 0, 0 },
	{ "12x", 0, 100, 0, 0 },
	{ "18446744073709551615", 0, UINT64_MAX, 1, UINT64_MAX },
	{ "18446744073709551616", 0, UINT64_MAX, 0, 0 },
	{ "99999999999999999999999", 0, UINT64_MAX, 0, 0 },
	{ "9223372036854775807", 0, INT64_MAX, 1, INT64_MAX },
	{ "9223372036854775808", 0, INT64_MAX, 0, 0 },
	{ "3601", 1, 3600, 0, 0 },
};

START_TEST(test_args_uint)
{
	const char *errstr = NULL;
	uint64_t v = 12345;
	int rc;

	rc = ctl_args_uint(uint_cases[_i].in, uint_cases[_i].min,
	    uint_cases[_i].max, &v, &errstr);
	if (uint_cases[_i].ok) {
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(v, uint_cases[_i].want);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_ptr_nonnull(errstr);
		ck_assert_uint_eq(v, 12345);
	}
}
END_TEST

static void
key_hex(const uint8_t key[ID_LEN], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < ID_LEN; i++) {
		out[2 * i] = hex[key[i] >> 4];
		out[2 * i + 1] = hex[key[i] & 0xf];
	}
	out[64] = '\0';
}

START_TEST(test_args_key)
{
	static const char empty[] =
	    "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";
	static const char abc[] =
	    "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45";
	uint8_t key[ID_LEN];
	char hex[65], name[EMO_MAX_KEY_NAME + 2];
	const char *errstr = NULL;

	/* The parser takes "" (put and get refuse it in emoctl.c). */
	ck_assert_int_eq(ctl_args_key("", 0, key, &errstr), 0);
	key_hex(key, hex);
	ck_assert_str_eq(hex, empty);
	ck_assert_int_eq(ctl_args_key("abc", 0, key, &errstr), 0);
	key_hex(key, hex);
	ck_assert_str_eq(hex, abc);

	/* --hex-key takes the digits as the key, either case. */
	ck_assert_int_eq(ctl_args_key("4E03657AEA45A94FC7D47BA826C8D667"
	    "C0D1E6E33A64A036EC44F58FA12D6C45", 1, key, &errstr), 0);
	key_hex(key, hex);
	ck_assert_str_eq(hex, abc);
	ck_assert_int_eq(ctl_args_key("abc", 1, key, &errstr), -1);
	ck_assert_int_eq(ctl_args_key(abc + 1, 1, key, &errstr), -1);
	memcpy(hex, abc, sizeof(hex));
	hex[10] = 'g';
	ck_assert_int_eq(ctl_args_key(hex, 1, key, &errstr), -1);

	memset(name, 'n', sizeof(name) - 1);
	name[EMO_MAX_KEY_NAME] = '\0';
	ck_assert_int_eq(ctl_args_key(name, 0, key, &errstr), 0);
	name[EMO_MAX_KEY_NAME] = 'n';
	name[EMO_MAX_KEY_NAME + 1] = '\0';
	errstr = NULL;
	ck_assert_int_eq(ctl_args_key(name, 0, key, &errstr), -1);
	ck_assert_ptr_nonnull(errstr);
}
END_TEST

static const struct {
	const char	*in;
	int		 ok;
} addr_cases[] = {
	{ "127.0.0.1:9000", 1 },
	{ "localhost:1", 1 },
	{ "node.example:65535", 1 },
	{ "[::1]:9000", 1 },
	{ "[fe80::1%eth0]:9000", 1 },
	{ "127.0.0.1", 0 },
	{ "127.0.0.1:", 0 },
	{ "127.0.0.1:0", 0 },
	{ "127.0.0.1:65536", 0 },
	{ "127.0.0.1:-1", 0 },
	{ ":9000", 0 },
	{ "::1:9000", 0 },
	{ "[]:9000", 0 },
	{ "[::1:9000", 0 },
	{ "[::1]]:9000", 0 },
	{ "host name:9000", 0 },
	{ "", 0 },
};

START_TEST(test_args_address)
{
	const char *errstr = NULL;

	ck_assert_int_eq(ctl_args_address(addr_cases[_i].in, &errstr),
	    addr_cases[_i].ok ? 0 : -1);
}
END_TEST

START_TEST(test_args_address_long)
{
	char buf[CTL_MAX_ADDRESS + 2];
	const char *errstr = NULL;

	memset(buf, 'a', sizeof(buf));
	memcpy(buf + CTL_MAX_ADDRESS - 5, ":9000", 6);
	ck_assert_int_eq(ctl_args_address(buf, &errstr), 0);
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + CTL_MAX_ADDRESS - 4, ":9000", 6);
	ck_assert_int_eq(ctl_args_address(buf, &errstr), -1);
}
END_TEST

START_TEST(test_args_level)
{
	const char *errstr = NULL;

	ck_assert_int_eq(ctl_args_level("warn", &errstr), 0);
	ck_assert_int_eq(ctl_args_level("info", &errstr), 1);
	ck_assert_int_eq(ctl_args_level("debug", &errstr), 2);
	ck_assert_int_eq(ctl_args_level("DEBUG", &errstr), -1);
	ck_assert_int_eq(ctl_args_level("trace", &errstr), -1);
	ck_assert_int_eq(ctl_args_level("", &errstr), -1);
}
END_TEST

/* Reads len bytes of a pattern through ctl_args_slurp with max 100. */
static int
slurp_len(size_t len, size_t *got)
{
	uint8_t in[256], *out = NULL;
	size_t i;
	FILE *f;
	int rc;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7);
	f = fmemopen(in, len > 0 ? len : 1, "rb");
	ck_assert_ptr_nonnull(f);
	if (len == 0)
		fgetc(f);	/* fmemopen cannot open an empty buffer */
	errno = 0;
	rc = ctl_args_slurp(f, 100, &out, got);
	fclose(f);
	if (rc == 0) {
		ck_assert_mem_eq(out, in + (len == 0), *got);
		free(out);
	}
	return rc;
}

START_TEST(test_args_slurp)
{
	size_t got = 0;

	ck_assert_int_eq(slurp_len(0, &got), 0);
	ck_assert_uint_eq(got, 0);
	ck_assert_int_eq(slurp_len(1, &got), 0);
	ck_assert_uint_eq(got, 1);
	ck_assert_int_eq(slurp_len(100, &got), 0);
	ck_assert_uint_eq(got, 100);
	ck_assert_int_eq(slurp_len(101, &got), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_int_eq(slurp_len(256, &got), -1);
	ck_assert_int_eq(errno, EFBIG);
}
END_TEST

/* The printers write to stdout; glibc lets a test point it elsewhere. */
static char *
capture(int (*fn)(const struct ctl_inv *, const Emo__Ctl__Response *),
    const struct ctl_inv *inv, const Emo__Ctl__Response *resp, int *rc)
{
	FILE *saved = stdout, *f;
	char *buf = NULL;
	size_t sz = 0;

	f = open_memstream(&buf, &sz);
	ck_assert_ptr_nonnull(f);
	stdout = f;
	*rc = fn(inv, resp);
	stdout = saved;
	fclose(f);
	return buf;
}

START_TEST(test_print_put_json)
{
	Emo__Ctl__Response resp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__PutResult put = EMO__CTL__PUT_RESULT__INIT;
	struct ctl_inv inv;
	char *out;
	int rc;

	memset(&inv, 0, sizeof(inv));
	inv.json = 1;
	inv.key[0] = 0xab;
	inv.valuelen = 3;
	put.acks = 2;
	put.created_ms = 1700000000000;
	put.expires_ms = 1700000060000;
	resp.body_case = EMO__CTL__RESPONSE__BODY_PUT;
	resp.put = &put;
	out = capture(ctl_print_put, &inv, &resp, &rc);
	ck_assert_int_eq(rc, CTL_EXIT_OK);
	ck_assert_str_eq(out, "{\"key\":\"ab000000000000000000000000000000"
	    "00000000000000000000000000000000\",\"acks\":2,"
	    "\"created_ms\":1700000000000,\"expires_ms\":1700000060000}\n");
	free(out);

	inv.json = 0;
	put.acks = 1;
	out = capture(ctl_print_put, &inv, &resp, &rc);
	ck_assert_str_eq(out, "stored 3 B under ab000000000000000000000000"
	    "00000000000000000000000000000000000000, 1 node acknowledged\n");
	free(out);
}
END_TEST

START_TEST(test_print_get)
{
	Emo__Ctl__Response resp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__GetResult get = EMO__CTL__GET_RESULT__INIT;
	Emo__Ctl__Value v1 = EMO__CTL__VALUE__INIT, v2 = EMO__CTL__VALUE__INIT;
	Emo__Ctl__Value *vals[2] = { &v1, &v2 };
	struct ctl_inv inv;
	char *out;
	int rc;

	memset(&inv, 0, sizeof(inv));
	inv.pos[0] = "k";
	v1.data.data = (uint8_t *)"a\"\n";
	v1.data.len = 3;
	v1.created_ms = 1;
	v1.expires_ms = 2;		/* long expired: ttl_s 0 */
	v2.data.data = (uint8_t *)"\xff\x00";
	v2.data.len = 2;
	v2.created_ms = 3;
	v2.expires_ms = 4;
	get.n_values = 2;
	get.values = vals;
	resp.body_case = EMO__CTL__RESPONSE__BODY_GET;
	resp.get = &get;

	out = capture(ctl_print_get, &inv, &resp, &rc);
	ck_assert_int_eq(rc, CTL_EXIT_OK);
	ck_assert_mem_eq(out, "a\"\n\n\xff\x00\n", 7);
	free(out);

	inv.json = 1;
	out = capture(ctl_print_get, &inv, &resp, &rc);
	ck_assert_str_eq(out, "[{\"value\":\"a\\\"\\n\",\"value_base64\":"
	    "\"YSIK\",\"created_ms\":1,\"expires_ms\":2,\"ttl_s\":0},"
	    "{\"value\":null,\"value_base64\":\"/wA=\",\"created_ms\":3,"
	    "\"expires_ms\":4,\"ttl_s\":0}]\n");
	free(out);

	/* --latest: the newest only, as a one-element array. */
	inv.given = CTL_OPT_LATEST;
	out = capture(ctl_print_get, &inv, &resp, &rc);
	ck_assert_int_eq(rc, CTL_EXIT_OK);
	ck_assert_str_eq(out, "[{\"value\":null,\"value_base64\":\"/wA=\","
	    "\"created_ms\":3,\"expires_ms\":4,\"ttl_s\":0}]\n");
	free(out);

	/* --raw --latest: the bytes, nothing added; -0: NUL after each. */
	inv.json = 0;
	inv.given = CTL_OPT_LATEST | CTL_OPT_RAW;
	out = capture(ctl_print_get, &inv, &resp, &rc);
	ck_assert_int_eq(rc, CTL_EXIT_OK);
	ck_assert_mem_eq(out, "\xff\x00", 2);
	free(out);
	inv.given = CTL_OPT_NUL;
	out = capture(ctl_print_get, &inv, &resp, &rc);
	ck_assert_int_eq(rc, CTL_EXIT_OK);
	ck_assert_mem_eq(out, "a\"\n\0\xff\x00\0", 7);
	free(out);
	/* --raw with two values and no --latest: a usage error, no output. */
	inv.given = CTL_OPT_RAW;
	out = capture(ctl_print_get, &inv, &resp, &rc);
	ck_assert_int_eq(rc, CTL_EXIT_USAGE);
	ck_assert_str_eq(out, "");
	free(out);

	/* Nothing: exit 1; --json prints [] (stdout), text says it on stderr. */
	inv.given = 0;
	get.n_values = 0;
	out = capture(ctl_print_get, &inv, &resp, &rc);
	ck_assert_int_eq(rc, CTL_EXIT_NOTFOUND);
	ck_assert_str_eq(out, "");
	free(out);
	inv.json = 1;
	out = capture(ctl_print_get, &inv, &resp, &rc);
	ck_assert_int_eq(rc, CTL_EXIT_NOTFOUND);
	ck_assert_str_eq(out, "[]\n");
	free(out);
}
END_TEST

static Suite *
ctlprint_suite(void)
{
	Suite *s = suite_create("ctlprint");
	TCase *tc;

#define NELEM(a)	((int)(sizeof(a) / sizeof((a)[0])))
	tc = tcase_create("format");
	tcase_add_loop_test(tc, test_json_string, 0, NELEM(json_cases));
	tcase_add_loop_test(tc, test_utf8_valid, 0, NELEM(utf8_cases));
	tcase_add_loop_test(tc, test_base64, 0, NELEM(b64_cases));
	tcase_add_test(tc, test_hex_and_safe);
	tcase_add_loop_test(tc, test_ttl_left, 0, NELEM(ttl_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("args");
	tcase_add_loop_test(tc, test_args_uint, 0, NELEM(uint_cases));
	tcase_add_test(tc, test_args_key);
	tcase_add_loop_test(tc, test_args_address, 0, NELEM(addr_cases));
	tcase_add_test(tc, test_args_address_long);
	tcase_add_test(tc, test_args_level);
	tcase_add_test(tc, test_args_slurp);
	suite_add_tcase(s, tc);

	tc = tcase_create("printers");
	tcase_add_test(tc, test_print_put_json);
	tcase_add_test(tc, test_print_get);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(ctlprint_suite());
}

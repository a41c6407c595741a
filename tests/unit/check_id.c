/*
 * check_id — XOR metric, prefix lengths, hex conversion, address parsing.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "id.h"
#include "check_util.h"

static struct id
mkid(uint8_t first, uint8_t last)
{
	struct id id;

	memset(&id, 0, sizeof(id));
	id.b[0] = first;
	id.b[ID_LEN - 1] = last;
	return id;
}

START_TEST(test_prefixlen)
{
	struct id a = mkid(0, 0), b;

	ck_assert_int_eq(id_prefixlen(&a, &a), 256);
	b = mkid(0x80, 0);
	ck_assert_int_eq(id_prefixlen(&a, &b), 0);
	b = mkid(0x01, 0);
	ck_assert_int_eq(id_prefixlen(&a, &b), 7);
	b = mkid(0, 1);
	ck_assert_int_eq(id_prefixlen(&a, &b), 255);
	b = mkid(0, 0x10);
	ck_assert_int_eq(id_prefixlen(&a, &b), 251);
}
END_TEST

START_TEST(test_distcmp)
{
	struct id t = mkid(0x10, 0), a = mkid(0x11, 0), b = mkid(0x30, 0);
	struct id x;

	ck_assert_int_lt(id_distcmp(&t, &a, &b), 0);
	ck_assert_int_gt(id_distcmp(&t, &b, &a), 0);
	ck_assert_int_eq(id_distcmp(&t, &a, &a), 0);
	/* XOR, not numeric closeness: 0x0f is farther from 0x10 than 0x1f. */
	a = mkid(0x0f, 0);
	b = mkid(0x1f, 0);
	ck_assert_int_gt(id_distcmp(&t, &a, &b), 0);
	id_xor(&x, &a, &b);
	ck_assert_int_eq(x.b[0], 0x10);
}
END_TEST

START_TEST(test_hex)
{
	struct id id, back;
	char hex[ID_HEX_LEN + 1];
	size_t i;

	for (i = 0; i < ID_LEN; i++)
		id.b[i] = (uint8_t)(i * 37 + 1);
	id_to_hex(&id, hex);
	ck_assert_uint_eq(strlen(hex), ID_HEX_LEN);
	ck_assert_int_eq(id_from_hex(&back, hex, strlen(hex)), 0);
	ck_assert(id_eq(&id, &back));
	hex[5] = 'g';
	ck_assert_int_eq(id_from_hex(&back, hex, ID_HEX_LEN), -1);
	ck_assert_int_eq(id_from_hex(&back, hex, 63), -1);
	id_from_name(&id, "", 0);
	id_to_hex(&id, hex);
	ck_assert_str_eq(hex,
	    "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}
END_TEST

static const struct {
	const char	*in;
	int		 ok;
	const char	*out;
} addr_cases[] = {
	{ "127.0.0.1:9000", 1, "127.0.0.1:9000" },
	{ "[::1]:65535", 1, "[::1]:65535" },
	{ "0.0.0.0:1", 1, "0.0.0.0:1" },
	{ "127.0.0.1:0", 0, NULL },
	{ "127.0.0.1:65536", 0, NULL },
	{ "127.0.0.1:", 0, NULL },
	{ "127.0.0.1:9x", 0, NULL },
	{ "127.0.0.1", 0, NULL },
	{ "::1:9000", 0, NULL },
	{ "[::1:9000", 0, NULL },
	{ ":9000", 0, NULL },
	{ "example.invalid:9000", 0, NULL },
	{ "1.2.3.4:-1", 0, NULL },
};

START_TEST(test_addr_parse)
{
	struct addr a;
	const char *err = NULL;
	char buf[ADDR_STRLEN];
	int rc;

	rc = addr_parse(&a, addr_cases[_i].in, &err);
	if (addr_cases[_i].ok) {
		ck_assert_int_eq(rc, 0);
		ck_assert_str_eq(addr_str(&a, buf, sizeof(buf)),
		    addr_cases[_i].out);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_ptr_nonnull(err);
	}
}
END_TEST

START_TEST(test_addr_eq)
{
	struct addr a, b;
	const char *err;

	ck_assert_int_eq(addr_parse(&a, "127.0.0.2:9000", &err), 0);
	ck_assert_int_eq(addr_parse(&b, "127.0.0.2:9000", &err), 0);
	ck_assert(addr_eq(&a, &b));
	ck_assert_int_eq(addr_parse(&b, "127.0.0.3:9000", &err), 0);
	ck_assert(!addr_eq(&a, &b));
	ck_assert_int_eq(addr_parse(&b, "127.0.0.2:9001", &err), 0);
	ck_assert(!addr_eq(&a, &b));
	ck_assert_int_eq(addr_parse(&b, "[::ffff:127.0.0.2]:9000", &err), 0);
	ck_assert(!addr_eq(&a, &b));	/* literal v6 stays v6 */
	ck_assert_int_eq(addr_from_sockaddr(&b, &b.u.sa, b.len), 0);
	ck_assert(addr_eq(&a, &b));	/* a received mapped address is v4 */
	ck_assert(!addr_is_unspecified(&a));
	ck_assert_int_eq(addr_parse(&b, "0.0.0.0:9000", &err), 0);
	ck_assert(addr_is_unspecified(&b));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("id");
	TCase *tc = tcase_create("id");

	tcase_add_test(tc, test_prefixlen);
	tcase_add_test(tc, test_distcmp);
	tcase_add_test(tc, test_hex);
	tcase_add_loop_test(tc, test_addr_parse, 0,
	    sizeof(addr_cases) / sizeof(addr_cases[0]));
	tcase_add_test(tc, test_addr_eq);
	suite_add_tcase(s, tc);
	return check_run(s);
}

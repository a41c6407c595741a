/*
 * check_addr — address classification: scope (public, private,
 * loopback), usability, relay sanity and the host and prefix groups the
 * routing table limits.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "check_util.h"

/* Parses s; a port of 0 (which addr_parse refuses) is set afterwards. */
static struct addr
A(const char *s)
{
	char buf[ADDR_STRLEN];
	struct addr a;
	const char *err;
	size_t n = strlen(s);
	int zero = n > 2 && strcmp(s + n - 2, ":0") == 0;

	ck_assert(n + 1 < sizeof(buf));
	memcpy(buf, s, n + 1);
	if (zero)
		buf[n - 1] = '1';
	ck_assert_msg(addr_parse(&a, buf, &err) == 0, "%s: %s", s, err);
	if (zero)
		a.u.sin.sin_port = 0;	/* same offset in sin6 */
	return a;
}

static const struct {
	const char	*in;
	int		 scope;		/* enum addr_scope */
	int		 usable;
} scope_cases[] = {
	{ "1.2.3.4:9000", ADDR_PUBLIC, 1 },
	{ "8.8.8.8:53", ADDR_PUBLIC, 1 },
	{ "127.0.0.1:9000", ADDR_LOOPBACK, 1 },
	{ "127.255.0.9:9000", ADDR_LOOPBACK, 1 },
	{ "10.0.0.1:9000", ADDR_PRIVATE, 1 },
	{ "172.16.0.1:9000", ADDR_PRIVATE, 1 },
	{ "172.31.255.1:9000", ADDR_PRIVATE, 1 },
	{ "172.32.0.1:9000", ADDR_PUBLIC, 1 },
	{ "172.15.0.1:9000", ADDR_PUBLIC, 1 },
	{ "192.168.1.1:9000", ADDR_PRIVATE, 1 },
	{ "192.169.1.1:9000", ADDR_PUBLIC, 1 },
	{ "169.254.3.3:9000", ADDR_PRIVATE, 1 },
	{ "100.64.0.1:9000", ADDR_PRIVATE, 1 },
	{ "100.128.0.1:9000", ADDR_PUBLIC, 1 },
	{ "0.0.0.0:9000", ADDR_PUBLIC, 0 },
	{ "0.1.2.3:9000", ADDR_PUBLIC, 0 },
	{ "1.2.3.4:0", ADDR_PUBLIC, 0 },
	{ "224.0.0.1:9000", ADDR_PUBLIC, 0 },
	{ "239.1.1.1:9000", ADDR_PUBLIC, 0 },
	{ "240.0.0.1:9000", ADDR_PUBLIC, 0 },
	{ "255.255.255.255:9000", ADDR_PUBLIC, 0 },
	{ "[2001:db8::1]:9000", ADDR_PUBLIC, 1 },
	{ "[::1]:9000", ADDR_LOOPBACK, 1 },
	{ "[::]:9000", ADDR_PUBLIC, 0 },
	{ "[fe80::1]:9000", ADDR_PRIVATE, 1 },
	{ "[fd00::1]:9000", ADDR_PRIVATE, 1 },
	{ "[fc00::1]:9000", ADDR_PRIVATE, 1 },
	{ "[ff02::1]:9000", ADDR_PUBLIC, 0 },
	{ "[::ffff:127.0.0.1]:9000", ADDR_LOOPBACK, 1 },
	{ "[::ffff:10.1.1.1]:9000", ADDR_PRIVATE, 1 },
	{ "[::ffff:1.2.3.4]:9000", ADDR_PUBLIC, 1 },
	{ "[::ffff:0.0.0.0]:9000", ADDR_PUBLIC, 0 },
	{ "[::ffff:224.0.0.1]:9000", ADDR_PUBLIC, 0 },
};

START_TEST(test_scope)
{
	struct addr a = A(scope_cases[_i].in);

	ck_assert_msg((int)addr_scope(&a) == scope_cases[_i].scope,
	    "%s: scope %d", scope_cases[_i].in, (int)addr_scope(&a));
	ck_assert_msg(addr_usable(&a) == scope_cases[_i].usable,
	    "%s: usable %d", scope_cases[_i].in, addr_usable(&a));
}
END_TEST

static const struct {
	const char	*from, *relayed;
	int		 ok;
} relay_cases[] = {
	{ "1.2.3.4:1", "5.6.7.8:9000", 1 },
	{ "1.2.3.4:1", "10.0.0.1:9000", 0 },	/* LAN from the Internet */
	{ "1.2.3.4:1", "192.168.0.1:9000", 0 },
	{ "1.2.3.4:1", "127.0.0.1:9000", 0 },	/* loopback from outside */
	{ "1.2.3.4:1", "[::1]:9000", 0 },
	{ "1.2.3.4:1", "[fd00::1]:9000", 0 },
	{ "1.2.3.4:1", "[::ffff:127.0.0.1]:9000", 0 },
	{ "10.0.0.2:1", "10.0.0.1:9000", 1 },	/* LAN from the LAN */
	{ "10.0.0.2:1", "127.0.0.1:9000", 0 },	/* loopback from the LAN */
	{ "10.0.0.2:1", "5.6.7.8:9000", 1 },
	{ "127.0.0.2:1", "127.0.0.1:9000", 1 },	/* loopback from loopback */
	{ "127.0.0.2:1", "10.0.0.1:9000", 1 },
	{ "127.0.0.2:1", "5.6.7.8:9000", 1 },
	{ "127.0.0.2:1", "5.6.7.8:0", 0 },	/* port 0 from anyone */
	{ "127.0.0.2:1", "0.0.0.0:9000", 0 },	/* unspecified */
	{ "127.0.0.2:1", "224.0.0.1:9000", 0 },	/* multicast */
	{ "127.0.0.2:1", "255.255.255.255:9000", 0 },	/* broadcast */
	{ "127.0.0.2:1", "[ff02::1]:9000", 0 },
	{ "[2001:db8::2]:1", "[2001:db8::1]:9000", 1 },
	{ "[2001:db8::2]:1", "[fe80::1]:9000", 0 },
};

START_TEST(test_relay)
{
	struct addr f = A(relay_cases[_i].from), r = A(relay_cases[_i].relayed);

	ck_assert_msg(addr_relay_ok(&f, &r) == relay_cases[_i].ok,
	    "%s naming %s", relay_cases[_i].from, relay_cases[_i].relayed);
}
END_TEST

START_TEST(test_groups)
{
	struct addr a = A("1.2.3.4:9000"), b = A("1.2.3.4:9001"),
	    c = A("1.2.3.5:9000"), d = A("1.2.4.4:9000"),
	    m = A("[::ffff:1.2.3.4]:7"), e = A("[2001:db8:0:1::1]:1"),
	    f = A("[2001:db8:0:1::2]:1"), g = A("[2001:db8:0:2::1]:1");

	ck_assert(addr_same_ip(&a, &b));	/* any port */
	ck_assert(!addr_same_ip(&a, &c));
	ck_assert(addr_same_prefix(&a, &c));	/* one /24 */
	ck_assert(!addr_same_prefix(&a, &d));
	ck_assert(addr_same_ip(&a, &m));	/* mapped is the same host */
	ck_assert(addr_same_prefix(&c, &m));
	ck_assert(!addr_same_ip(&e, &f));
	ck_assert(addr_same_prefix(&e, &f));	/* one /64 */
	ck_assert(!addr_same_prefix(&e, &g));
	ck_assert(!addr_same_prefix(&a, &e));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");

	tcase_add_loop_test(tc, test_scope, 0,
	    sizeof(scope_cases) / sizeof(scope_cases[0]));
	tcase_add_loop_test(tc, test_relay, 0,
	    sizeof(relay_cases) / sizeof(relay_cases[0]));
	tcase_add_test(tc, test_groups);
	suite_add_tcase(s, tc);
	return check_run(s);
}

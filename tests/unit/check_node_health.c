/*
 * check_node_health — what a node meant to have peers makes of results:
 * a put only this node stored fails unless min_acks allows it, a get no
 * peer answered is "network unavailable" and never "not found", the
 * network state, and pings that cannot work (our own address, IPv6 from
 * an IPv4 socket).
 */
#include <check.h>
#include <string.h>

#include "addr.h"
#include "node_health.h"
#include "check_util.h"

static struct op_put_result
t_put(enum dht_err err, uint32_t acks, uint32_t remote)
{
	struct op_put_result r;

	memset(&r, 0, sizeof(r));
	r.err = err;
	r.msg = err == DHT_OK ? NULL : "engine's message";
	r.acks = acks;
	r.remote_acks = remote;
	return r;
}

START_TEST(test_put_standalone)
{
	struct node_health h;
	struct op_put_result r;

	node_health_init(&h, 0);
	/* Alone by design: the local store is enough. */
	r = t_put(DHT_OK, 1, 0);
	node_health_put(&h, 0, &r);
	ck_assert_int_eq(r.err, DHT_OK);
	/* ... unless the caller asks for more. */
	r = t_put(DHT_OK, 1, 0);
	node_health_put(&h, 2, &r);
	ck_assert_int_eq(r.err, DHT_ERR_UNAVAILABLE);
	ck_assert_str_eq(r.msg, "stored on this node only: no peer answered");
	ck_assert_str_eq(node_health_network(&h, 0), "standalone");
	/* A peer seen once makes it networked for good. */
	node_health_peers(&h, 1);
	ck_assert_str_eq(node_health_network(&h, 1), "connected");
	ck_assert_str_eq(node_health_network(&h, 0), "isolated");
	r = t_put(DHT_OK, 1, 0);
	node_health_put(&h, 0, &r);
	ck_assert_int_eq(r.err, DHT_ERR_UNAVAILABLE);
}
END_TEST

START_TEST(test_put_networked)
{
	struct node_health h;
	struct op_put_result r;

	node_health_init(&h, 1);
	/* The engine's "no node acknowledged": local only. */
	r = t_put(DHT_ERR_UNAVAILABLE, 1, 0);
	node_health_put(&h, 0, &r);
	ck_assert_int_eq(r.err, DHT_ERR_UNAVAILABLE);
	ck_assert_str_eq(r.msg, "stored on this node only: no peer answered");
	/* --min-acks 1 accepts it. */
	r = t_put(DHT_ERR_UNAVAILABLE, 1, 0);
	node_health_put(&h, 1, &r);
	ck_assert_int_eq(r.err, DHT_OK);
	ck_assert_ptr_null(r.msg);
	/* Two of three asked. */
	r = t_put(DHT_OK, 2, 1);
	node_health_put(&h, 3, &r);
	ck_assert_int_eq(r.err, DHT_ERR_UNAVAILABLE);
	ck_assert_str_eq(r.msg,
	    "stored on 2 nodes, fewer than the 3 asked (min_acks)");
	r = t_put(DHT_OK, 3, 2);
	node_health_put(&h, 3, &r);
	ck_assert_int_eq(r.err, DHT_OK);
	/* Peers that answered and refused are not "no peer answered". */
	r = t_put(DHT_ERR_UNAVAILABLE, 1, 0);
	r.refused = 3;
	node_health_put(&h, 0, &r);
	ck_assert_int_eq(r.err, DHT_ERR_UNAVAILABLE);
	ck_assert_str_eq(r.msg, "stored on this node only: 3 peers refused "
	    "it (a full store or a storage quota: at most "
	    "quota_values_per_key values under one key from one address)");
	r = t_put(DHT_OK, 2, 1);
	r.refused = 1;
	node_health_put(&h, 3, &r);
	ck_assert_str_eq(r.msg, "stored on 2 nodes, fewer than the 3 asked "
	    "(min_acks); other peers refused it (a full store or a storage "
	    "quota)");
	/* Not stored here, or another failure: left alone. */
	r = t_put(DHT_ERR_UNAVAILABLE, 0, 0);
	node_health_put(&h, 1, &r);
	ck_assert_int_eq(r.err, DHT_ERR_UNAVAILABLE);
	ck_assert_str_eq(r.msg, "engine's message");
	r = t_put(DHT_ERR_QUOTA, 1, 0);
	node_health_put(&h, 1, &r);
	ck_assert_int_eq(r.err, DHT_ERR_QUOTA);
}
END_TEST

START_TEST(test_get)
{
	struct node_health h;
	enum dht_err err;
	const char *msg;

	/* Standalone: not found is not found. */
	node_health_init(&h, 0);
	err = DHT_ERR_NOT_FOUND;
	msg = "not found";
	node_health_get(&h, &err, &msg, 0);
	ck_assert_int_eq(err, DHT_ERR_NOT_FOUND);
	/* Networked, nobody answered: an outage. */
	node_health_init(&h, 1);
	node_health_get(&h, &err, &msg, 0);
	ck_assert_int_eq(err, DHT_ERR_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(msg, "network unavailable"));
	/* Someone answered: absence. */
	err = DHT_ERR_NOT_FOUND;
	msg = "not found";
	node_health_get(&h, &err, &msg, 3);
	ck_assert_int_eq(err, DHT_ERR_NOT_FOUND);
	/* Values found: untouched. */
	err = DHT_OK;
	msg = NULL;
	node_health_get(&h, &err, &msg, 0);
	ck_assert_int_eq(err, DHT_OK);
}
END_TEST

START_TEST(test_ping_check)
{
	struct node_health h;
	struct addr local, any, to;
	const char *errstr;

	node_health_init(&h, 0);
	ck_assert_int_eq(addr_parse(&local, "127.0.0.1:9000", &errstr), 0);
	ck_assert_int_eq(addr_parse(&any, "0.0.0.0:9000", &errstr), 0);
	ck_assert_int_eq(addr_parse(&to, "127.0.0.1:9000", &errstr), 0);
	ck_assert_ptr_nonnull(strstr(node_health_ping_check(&h, &local, &to),
	    "own address"));
	ck_assert_ptr_nonnull(strstr(node_health_ping_check(&h, &any, &to),
	    "own address"));
	ck_assert_int_eq(addr_parse(&to, "127.0.0.1:9001", &errstr), 0);
	ck_assert_ptr_null(node_health_ping_check(&h, &local, &to));
	ck_assert_int_eq(addr_parse(&to, "[::1]:9001", &errstr), 0);
	ck_assert_ptr_nonnull(strstr(node_health_ping_check(&h, &local, &to),
	    "listens on IPv4 only"));
	ck_assert_ptr_nonnull(strstr(node_health_ping_silent(&h, &to, 3000),
	    "no answer from [::1]:9001 within 3.0 s"));
	ck_assert_str_eq(node_health_ttl(&h, 90000, 86400),
	    "ttl 90000 s is above this node's max_ttl of 86400 s");
}
END_TEST

static Suite *
node_health_suite(void)
{
	Suite *s = suite_create("node_health");
	TCase *tc = tcase_create("health");

	tcase_add_test(tc, test_put_standalone);
	tcase_add_test(tc, test_put_networked);
	tcase_add_test(tc, test_get);
	tcase_add_test(tc, test_ping_check);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(node_health_suite());
}

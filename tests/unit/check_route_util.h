/*
 * check_route_util — what the routing-table suites share (check_route,
 * check_route_limits, check_handover): random IDs, IDs in a bucket, a
 * fresh table, IPv4 test addresses.  Header-only (static functions).
 */
#ifndef EMO_CHECK_ROUTE_UTIL_H
#define EMO_CHECK_ROUTE_UTIL_H

#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "route.h"
#include "check_util.h"

/* a.b.c.d:port, a public address unless a says otherwise. */
static inline void
ip4_addr(struct addr *a, uint32_t ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->u.sin.sin_family = AF_INET;
	a->u.sin.sin_addr.s_addr = htonl(ip);
	a->u.sin.sin_port = htons(port);
	a->len = sizeof(a->u.sin);
}

/* 127.x.y.z:port with x.y.z = n, a distinct loopback address per n. */
static inline void
test_addr(struct addr *a, uint32_t n, uint16_t port)
{
	ip4_addr(a, 0x7f000000u | (n & 0xffffffu), port);
}

static inline void
prng_bytes(struct prng *p, uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(prng_next(p) >> 24);
}

static inline void
rand_id(struct prng *p, struct id *id)
{
	prng_bytes(p, id->b, ID_LEN);
}

static inline void
id_in_bucket(struct prng *p, const struct route *rt, int index,
    struct id *out)
{
	uint8_t r[ID_LEN];

	prng_bytes(p, r, sizeof(r));
	ck_assert_int_eq(route_random_id_in_bucket(rt, index, r, out), 0);
}

static inline struct route *
new_table(struct prng *p, struct id *self)
{
	struct route *rt;

	rand_id(p, self);
	rt = route_new(self, 1000);
	ck_assert_ptr_nonnull(rt);
	return rt;
}

#endif

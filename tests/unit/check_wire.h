/*
 * check_wire.h — the golden messages of the wire suites (one per message
 * type, built field by field), shared by check_wire.c and
 * check_wire_limits.c.  Header-only, like check_util.h.
 */
#ifndef EMO_CHECK_WIRE_H
#define EMO_CHECK_WIRE_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "wire.h"

#define NGOLDEN		13
#define T0		INT64_C(1700000000000)

struct golden {
	struct wire_msg		m;
	struct wire_node	nodes[2];
	struct wire_value	values[2];
	uint8_t			hashes[2][WIRE_HASH_LEN];
};

static void
fill(uint8_t *b, size_t n, uint8_t first)
{
	size_t	i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(first + i);
}

static struct addr
mkaddr(const char *s)
{
	struct addr	 a;
	const char	*errstr;

	ck_assert_msg(addr_parse(&a, s, &errstr) == 0, "%s", s);
	return a;
}

/* The i-th golden message; pointers refer into g. */
static void
golden_build(int i, struct golden *g)
{
	struct wire_msg	*m = &g->m;

	memset(g, 0, sizeof(*g));
	fill(m->sender.b, ID_LEN, 0x01);
	m->txid = UINT64_C(0x0102030405060708);
	fill(g->nodes[0].id.b, ID_LEN, 0x40);
	g->nodes[0].addr = mkaddr("198.51.100.7:9000");
	fill(g->nodes[1].id.b, ID_LEN, 0x60);
	g->nodes[1].addr = mkaddr("[2001:db8::1]:9001");
	g->values[0].data = (const uint8_t *)"hello";
	g->values[0].len = 5;
	g->values[0].created_ms = T0;
	g->values[0].expires_ms = T0 + 3600000;
	g->values[1].data = (const uint8_t *)"world!";
	g->values[1].len = 6;
	g->values[1].created_ms = T0 + 500;
	g->values[1].expires_ms = T0 + 7200000;
	m->type = (enum wire_type)(i + 1);
	switch (m->type) {
	case WIRE_PING:
		break;
	case WIRE_PONG:
		m->u.pong.observed = mkaddr("192.0.2.1:4000");
		break;
	case WIRE_FIND_NODE:
		fill(m->u.find_node.target.b, ID_LEN, 0x80);
		break;
	case WIRE_NODES:
		m->u.nodes.nodes = g->nodes;
		m->u.nodes.nnodes = 2;
		memcpy(m->u.nodes.token, "tok12345", 8);
		m->u.nodes.tokenlen = 8;
		break;
	case WIRE_FIND_VALUE:
		fill(m->u.find_value.key.b, ID_LEN, 0xc0);
		m->u.find_value.since_ms = T0;
		m->u.find_value.offset = 2;
		break;
	case WIRE_VALUES:
		m->u.values.values = g->values;
		m->u.values.nvalues = 2;
		m->u.values.nodes = g->nodes;
		m->u.values.nnodes = 1;
		memcpy(m->u.values.token, "abcd", 4);
		m->u.values.tokenlen = 4;
		m->u.values.next_offset = 4;
		m->u.values.total = 7;
		break;
	case WIRE_STORE:
		fill(m->u.store.key.b, ID_LEN, 0xc0);
		m->u.store.values = g->values;
		m->u.store.nvalues = 1;
		fill(m->u.store.token, WIRE_MAX_TOKEN, 0xe0);
		m->u.store.tokenlen = WIRE_MAX_TOKEN;
		break;
	case WIRE_STORE_ACK:
		m->u.store_ack.stored = 3;
		break;
	case WIRE_ERROR:
		m->u.error.code = WIRE_ERR_BAD_TOKEN;
		m->u.error.message = "bad token";
		break;
	case WIRE_RETRY:		/* no golden Retry: check_wire.c */
		break;
	case WIRE_GET_VALUES:
		fill(m->u.get_values.key.b, ID_LEN, 0xc0);
		fill(g->hashes[0], WIRE_HASH_LEN, 0x10);
		fill(g->hashes[1], WIRE_HASH_LEN, 0x30);
		m->u.get_values.hashes =
		    (const uint8_t (*)[WIRE_HASH_LEN])g->hashes;
		m->u.get_values.nhashes = 2;
		memcpy(m->u.get_values.token, "abcd", 4);
		m->u.get_values.tokenlen = 4;
		break;
	case WIRE_LISTEN:
		fill(m->u.listen.key.b, ID_LEN, 0xa0);
		m->u.listen.since_ms = T0;
		memcpy(m->u.listen.token, "tok12345", 8);
		m->u.listen.tokenlen = 8;
		m->u.listen.cancel = 1;
		break;
	case WIRE_LISTEN_ACK:
		m->u.listen_ack.lifetime_ms = 600000;
		break;
	case WIRE_NOTIFY:
		fill(m->u.notify.key.b, ID_LEN, 0xa0);
		m->u.notify.values = g->values;
		m->u.notify.nvalues = 2;
		break;
	}
}

#endif

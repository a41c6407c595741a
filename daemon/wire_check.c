/*
 * wire_check — the checks of every field of a message (wire_check), run
 * on everything wire_decode hands out and on what the engine encodes: the
 * limits in wire.h, in one place.  Part of module wire.
 */
#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "wire.h"
#include "wire_impl.h"

static int
check_value(const struct wire_value *v, const char **errstr)
{
	if (v->len == 0 || v->data == NULL) {
		*errstr = "empty value";
		return -1;
	}
	if (v->len > EMO_MAX_VALUE) {
		*errstr = "value longer than " BYTES_STR(EMO_MAX_VALUE) " bytes";
		return -1;
	}
	if (v->created_ms <= 0 || v->created_ms > WIRE_MAX_TIME_MS) {
		*errstr = "value creation time out of range";
		return -1;
	}
	if (v->expires_ms <= v->created_ms || v->expires_ms > WIRE_MAX_TIME_MS) {
		*errstr = "value expiry out of range";
		return -1;
	}
	if (v->attr.kind > VALUE_IMMUTABLE) {
		*errstr = "unknown value kind";
		return -1;
	}
	if (v->attr.kind == VALUE_SIGNED && (v->attr.namelen < 1 ||
	    v->attr.namelen > SIGVAL_NAME_MAX)) {
		*errstr = "signed value name not 1..64 bytes";
		return -1;
	}
	return 0;
}

/* The signed-value fields of wv into a: all four or none, exact sizes. */
static int
check_known(const struct wire_known *kn, const char **errstr)
{
	if (kn->knownlen > WIRE_MAX_KNOWN ||
	    kn->knownlen % WIRE_KNOWN_PREFIX != 0) {
		*errstr = "known is not a multiple of 4 bytes up to 80";
		return -1;
	}
	return 0;
}

static int
check_nodes(const struct wire_node *n, size_t count, const char **errstr)
{
	uint8_t		ip[16];
	size_t		i, iplen;
	uint32_t	port;

	if (count > WIRE_MAX_NODES) {
		*errstr = "more than 20 nodes";
		return -1;
	}
	if (count > 0 && n == NULL) {
		*errstr = "missing node array";
		return -1;
	}
	for (i = 0; i < count; i++)
		if (wire_ip_get(&n[i].addr, ip, &iplen, &port, errstr) == -1)
			return -1;
	return 0;
}

static int
check_values(const struct wire_value *v, size_t count, const char **errstr)
{
	size_t	i;

	if (count > WIRE_MAX_VALUES_PER_MSG) {
		*errstr = "more than 64 values";
		return -1;
	}
	if (count > 0 && v == NULL) {
		*errstr = "missing value array";
		return -1;
	}
	for (i = 0; i < count; i++)
		if (check_value(&v[i], errstr) == -1)
			return -1;
	return 0;
}

static int
check_digests(const struct wire_digest *d, size_t count, const char **errstr)
{
	size_t	i;

	if (count > WIRE_MAX_DIGESTS_PER_MSG) {
		*errstr = "more than 64 digests";
		return -1;
	}
	if (count > 0 && d == NULL) {
		*errstr = "missing digest array";
		return -1;
	}
	for (i = 0; i < count; i++) {
		if (d[i].len == 0 || d[i].len > EMO_MAX_VALUE) {
			*errstr = "digest size not in 1.." BYTES_STR(EMO_MAX_VALUE);
			return -1;
		}
		if (d[i].created_ms <= 0 || d[i].created_ms > WIRE_MAX_TIME_MS) {
			*errstr = "digest creation time out of range";
			return -1;
		}
		if (d[i].expires_ms <= d[i].created_ms ||
		    d[i].expires_ms > WIRE_MAX_TIME_MS) {
			*errstr = "digest expiry out of range";
			return -1;
		}
	}
	return 0;
}

int
wire_check_token(size_t len, const char **errstr)
{
	if (len > WIRE_MAX_TOKEN) {
		*errstr = "token longer than " BYTES_STR(WIRE_MAX_TOKEN) " bytes";
		return -1;
	}
	return 0;
}

int
wire_check(const struct wire_msg *m, const char **errstr)
{
	uint8_t		ip[16];
	size_t		iplen;
	uint32_t	port;

	if (m->cookielen > WIRE_MAX_COOKIE) {
		*errstr = "cookie longer than " BYTES_STR(WIRE_MAX_COOKIE)
		    " bytes";
		return -1;
	}
	if (m->padlen > WIRE_MAX_PAD) {
		*errstr = "pad longer than " BYTES_STR(WIRE_MAX_PAD) " bytes";
		return -1;
	}
	switch (m->type) {
	case WIRE_PING:
		if (m->u.ping.noncelen > WIRE_MAX_NONCE) {
			*errstr = "nonce longer than "
			    BYTES_STR(WIRE_MAX_NONCE) " bytes";
			return -1;
		}
		return 0;
	case WIRE_STORE_ACK:
		return check_nodes(m->u.store_ack.nodes, m->u.store_ack.nnodes,
		    errstr);
	case WIRE_FIND_NODE:
		return check_known(&m->u.find_node.kn, errstr);
	case WIRE_RETRY:
	case WIRE_LISTEN_ACK:
		return 0;
	case WIRE_LISTEN:
		if (m->u.listen.since_ms < 0 ||
		    m->u.listen.since_ms > WIRE_MAX_TIME_MS) {
			*errstr = "since_ms out of range";
			return -1;
		}
		return wire_check_token(m->u.listen.tokenlen, errstr);
	case WIRE_NOTIFY:
		if (m->u.notify.nvalues == 0) {
			*errstr = "notify without values";
			return -1;
		}
		return check_values(m->u.notify.values, m->u.notify.nvalues,
		    errstr);
	case WIRE_PONG:
		return wire_ip_get(&m->u.pong.observed, ip, &iplen, &port,
		    errstr);
	case WIRE_NODES:
		if (wire_check_token(m->u.nodes.tokenlen, errstr) == -1)
			return -1;
		return check_nodes(m->u.nodes.nodes, m->u.nodes.nnodes, errstr);
	case WIRE_FIND_VALUE:
		if (m->u.find_value.since_ms < 0 ||
		    m->u.find_value.since_ms > WIRE_MAX_TIME_MS) {
			*errstr = "since_ms out of range";
			return -1;
		}
		if (check_known(&m->u.find_value.kn, errstr) == -1)
			return -1;
		return wire_check_token(m->u.find_value.tokenlen, errstr);
	case WIRE_VALUES:
		if (wire_check_token(m->u.values.tokenlen, errstr) == -1)
			return -1;
		if (m->u.values.next_offset != 0 &&
		    m->u.values.next_offset >= m->u.values.total) {
			*errstr = "next_offset not below total";
			return -1;
		}
		if (check_nodes(m->u.values.nodes, m->u.values.nnodes,
		    errstr) == -1)
			return -1;
		if (check_digests(m->u.values.digests, m->u.values.ndigests,
		    errstr) == -1)
			return -1;
		return check_values(m->u.values.values, m->u.values.nvalues,
		    errstr);
	case WIRE_STORE:
		if (wire_check_token(m->u.store.tokenlen, errstr) == -1)
			return -1;
		if (check_known(&m->u.store.kn, errstr) == -1)
			return -1;
		if (m->u.store.nvalues == 0) {
			*errstr = "store without values";
			return -1;
		}
		return check_values(m->u.store.values, m->u.store.nvalues,
		    errstr);
	case WIRE_ERROR:
		if (m->u.error.message != NULL &&
		    strnlen(m->u.error.message, WIRE_MAX_ERROR_LEN + 1) >
		    WIRE_MAX_ERROR_LEN) {
			*errstr = "error message longer than 256 bytes";
			return -1;
		}
		return 0;
	case WIRE_GET_VALUES:
		if (wire_check_token(m->u.get_values.tokenlen, errstr) == -1)
			return -1;
		if (m->u.get_values.nhashes == 0 ||
		    m->u.get_values.nhashes > WIRE_MAX_VALUES_PER_MSG ||
		    m->u.get_values.hashes == NULL) {
			*errstr = "get_values without 1..64 hashes";
			return -1;
		}
		return 0;
	}
	*errstr = "unknown message type";
	return -1;
}

/*
 * wire_bundle — kind-3 datagrams: several whole messages for one peer in
 * one datagram (wire.h).  Checking, walking and writing them; which peers
 * get them is rpc's, the joining of a send queue net's.  Part of module
 * wire.
 */
#include <string.h>

#include "bytes.h"
#include "wire.h"

int
wire_bundle_check(const uint8_t *buf, size_t len, const char **errstr)
{
	size_t off = WIRE_HDR_LEN, mlen;
	int kind, n = 0;

	if ((kind = wire_peek_kind(buf, len, errstr)) == -1)
		return -1;
	if (kind != WIRE_KIND_BUNDLE) {
		*errstr = "not a bundle";
		return -1;
	}
	while (off < len) {
		if (n == WIRE_BUNDLE_MAX_MSGS) {
			*errstr = "bundle of more than "
			    BYTES_STR(WIRE_BUNDLE_MAX_MSGS) " messages";
			return -1;
		}
		if (len - off < WIRE_BUNDLE_ENTRY_HDR) {
			*errstr = "bundle entry cut in its length";
			return -1;
		}
		mlen = (size_t)buf[off] << 8 | buf[off + 1];
		off += WIRE_BUNDLE_ENTRY_HDR;
		if (mlen > len - off) {
			*errstr = "bundle entry longer than the rest";
			return -1;
		}
		if (wire_peek_kind(buf + off, mlen, errstr) !=
		    WIRE_KIND_WHOLE) {
			*errstr = "bundle entry not a whole message";
			return -1;
		}
		off += mlen;
		n++;
	}
	if (n < 2) {
		*errstr = "bundle of fewer than 2 messages";
		return -1;
	}
	return n;
}

size_t
wire_bundle_next(const uint8_t *buf, size_t len, size_t *off,
    const uint8_t **msg)
{
	size_t o = *off < WIRE_HDR_LEN ? WIRE_HDR_LEN : *off, mlen;

	if (o >= len || len - o < WIRE_BUNDLE_ENTRY_HDR)
		return 0;
	mlen = (size_t)buf[o] << 8 | buf[o + 1];
	o += WIRE_BUNDLE_ENTRY_HDR;
	if (mlen > len - o)
		return 0;
	*msg = buf + o;
	*off = o + mlen;
	return mlen;
}

size_t
wire_bundle_add(uint8_t *out, const uint8_t *msg, size_t len)
{
	out[0] = (uint8_t)(len >> 8);
	out[1] = (uint8_t)len;
	memcpy(out + WIRE_BUNDLE_ENTRY_HDR, msg, len);
	return WIRE_BUNDLE_ENTRY_HDR + len;
}

size_t
wire_bundle_start(uint8_t *out, const uint8_t *msg, size_t len)
{
	out[0] = WIRE_MAGIC0;
	out[1] = WIRE_MAGIC1;
	out[2] = WIRE_VERSION;
	out[3] = WIRE_KIND_BUNDLE;
	return WIRE_HDR_LEN + wire_bundle_add(out + WIRE_HDR_LEN, msg, len);
}

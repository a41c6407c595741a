/*
 * wire_impl — what wire.c (decoding) shares with wire_encode.c (encoding,
 * size fitting) and wire_check.c (the checks).  Private to module wire.
 */
#ifndef EMO_WIRE_IMPL_H
#define EMO_WIRE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * The canonical wire form of an address: IPv4 (mapped or not) as 4 bytes
 * in ip, else 16; *iplen and *port.  -1 with *errstr for an address that
 * is neither IPv4 nor IPv6, unspecified, or has port 0.
 */
int	wire_ip_get(const struct addr *, uint8_t ip[16], size_t *iplen,
	    uint32_t *port, const char **errstr);

/* 0 if a token of len bytes is within WIRE_MAX_TOKEN; else -1, *errstr. */
int	wire_check_token(size_t len, const char **errstr);

#endif

/*
 * addr — UDP endpoints as values.  Parsing is strict: a port is decimal
 * 1..65535, IPv6 literals are bracketed.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

#define ADDR_MAX_HOST	253	/* bytes of a host name (DNS limit) */
#define ADDR_PORT_DIGITS 5

/* Host names: letters, digits, '-', '_', '.'; IPv6: hex, ':', '.'. */
static int
addr_host_char(unsigned char ch, int v6)
{
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
	    (ch >= 'A' && ch <= 'F') || ch == '.')
		return 1;
	if (v6)
		return ch == ':';
	return (ch >= 'g' && ch <= 'z') || (ch >= 'G' && ch <= 'Z') ||
	    ch == '-' || ch == '_';
}

/* Host and port are only written on success; either may be NULL. */
int
addr_split_hostport(const char *s, char *host, size_t hostlen,
    uint16_t *port, const char **errstr)
{
	const char *h = s, *end, *p, *why = NULL;
	int v6 = s[0] == '[', zone = 0;
	unsigned long v = 0;
	size_t hl, i;

	if (v6) {
		h = s + 1;
		if ((end = strchr(h, ']')) == NULL)
			why = "missing ']'";
		else if (end[1] != ':')
			why = "missing ':PORT' after ']'";
		else if (end > h && memchr(h, ':', (size_t)(end - h)) == NULL)
			why = "brackets hold an IPv6 address";
	} else if ((end = strrchr(s, ':')) == NULL)
		why = "missing ':PORT'";
	else if (memchr(s, ':', (size_t)(end - s)) != NULL)
		why = "too many ':' (an IPv6 address needs brackets)";
	if (why != NULL)
		goto fail;
	hl = (size_t)(end - h);
	p = end + 1 + v6;
	if (hl == 0)
		why = "empty host";
	else if (hl > ADDR_MAX_HOST)
		why = "host longer than 253 bytes";
	/* After '%', an IPv6 zone names an interface: host-name characters. */
	for (i = 0; why == NULL && i < hl; i++) {
		if (v6 && !zone && h[i] == '%') {
			zone = 1;
			if (i + 1 == hl)
				why = "empty IPv6 zone";
		} else if (!addr_host_char((unsigned char)h[i], v6 && !zone))
			why = v6 ? "bad character in IPv6 address" :
			    "bad character in host";
	}
	if (why == NULL && *p == '\0')
		why = "missing port";
	for (i = 0; why == NULL && p[i] != '\0'; i++) {
		if (p[i] < '0' || p[i] > '9')
			why = "port is not a number";
		else if (i == ADDR_PORT_DIGITS)
			why = "port is not in 1..65535";
		else
			v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (why == NULL && (v < 1 || v > 65535))
		why = "port is not in 1..65535";
	if (why == NULL && host != NULL && hl >= hostlen)
		why = "host does not fit";
	if (why != NULL)
		goto fail;
	if (host != NULL) {
		memcpy(host, h, hl);
		host[hl] = '\0';
	}
	if (port != NULL)
		*port = (uint16_t)v;
	return 0;
fail:
	*errstr = why;
	return -1;
}

int
addr_parse(struct addr *a, const char *s, const char **errstr)
{
	char host[ADDR_MAX_HOST + 1];
	uint16_t port;

	memset(a, 0, sizeof(*a));
	if (addr_split_hostport(s, host, sizeof(host), &port, errstr) == -1)
		return -1;
	if (inet_pton(AF_INET, host, &a->u.sin.sin_addr) == 1) {
		a->u.sin.sin_family = AF_INET;
		a->u.sin.sin_port = htons(port);
		a->len = sizeof(a->u.sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a->u.sin6.sin6_addr) == 1) {
		a->u.sin6.sin6_family = AF_INET6;
		a->u.sin6.sin6_port = htons(port);
		a->len = sizeof(a->u.sin6);
		return 0;
	}
	*errstr = "not a numeric IPv4 or IPv6 address";
	return -1;
}

int
addr_resolve(struct addr *a, const char *s, const char **errstr)
{
	struct addrinfo hints, *res;
	char host[ADDR_MAX_HOST + 1], port[8];
	uint16_t p;
	int rc;

	if (addr_parse(a, s, errstr) == 0)
		return 0;
	if (addr_split_hostport(s, host, sizeof(host), &p, errstr) == -1)
		return -1;
	snprintf(port, sizeof(port), "%u", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		*errstr = gai_strerror(rc);
		return -1;
	}
	rc = addr_from_sockaddr(a, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc == -1)
		*errstr = "unsupported address family";
	return rc;
}

int
addr_from_sockaddr(struct addr *a, const struct sockaddr *sa0, socklen_t len)
{
	struct sockaddr_storage ss;
	const struct sockaddr *sa = (const struct sockaddr *)&ss;

	/* Copy first: sa0 may point into *a. */
	if (len > sizeof(ss))
		len = sizeof(ss);
	memcpy(&ss, sa0, len);
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET && len >= sizeof(a->u.sin)) {
		memcpy(&a->u.sin, sa, sizeof(a->u.sin));
		a->len = sizeof(a->u.sin);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(a->u.sin6)) {
		memcpy(&a->u.sin6, sa, sizeof(a->u.sin6));
		a->len = sizeof(a->u.sin6);
		/* An IPv4-mapped peer on a dual-stack socket is an IPv4 peer. */
		if (IN6_IS_ADDR_V4MAPPED(&a->u.sin6.sin6_addr)) {
			struct sockaddr_in sin;

			memset(&sin, 0, sizeof(sin));
			sin.sin_family = AF_INET;
			sin.sin_port = a->u.sin6.sin6_port;
			memcpy(&sin.sin_addr, &a->u.sin6.sin6_addr.s6_addr[12], 4);
			memset(a, 0, sizeof(*a));
			a->u.sin = sin;
			a->len = sizeof(sin);
		}
		return 0;
	}
	return -1;
}

int
addr_eq(const struct addr *a, const struct addr *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return 0;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.sin.sin_port == b->u.sin.sin_port &&
		    a->u.sin.sin_addr.s_addr == b->u.sin.sin_addr.s_addr;
	if (a->u.sa.sa_family == AF_INET6)
		return a->u.sin6.sin6_port == b->u.sin6.sin6_port &&
		    memcmp(&a->u.sin6.sin6_addr, &b->u.sin6.sin6_addr, 16) == 0;
	return 0;
}

int
addr_family(const struct addr *a)
{
	return a->u.sa.sa_family;
}

uint16_t
addr_port(const struct addr *a)
{
	if (a->u.sa.sa_family == AF_INET)
		return ntohs(a->u.sin.sin_port);
	if (a->u.sa.sa_family == AF_INET6)
		return ntohs(a->u.sin6.sin6_port);
	return 0;
}

int
addr_is_unspecified(const struct addr *a)
{
	if (a->u.sa.sa_family == AF_INET)
		return a->u.sin.sin_addr.s_addr == htonl(INADDR_ANY);
	if (a->u.sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&a->u.sin6.sin6_addr);
	return 1;
}

const char *
addr_str(const struct addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->u.sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->u.sin.sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, addr_port(a));
	} else if (a->u.sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->u.sin6.sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, addr_port(a));
	} else
		snprintf(buf, len, "(none)");
	return buf;
}

size_t
addr_ip_bytes(const struct addr *a, uint8_t out[16])
{
	if (a->u.sa.sa_family == AF_INET) {
		memcpy(out, &a->u.sin.sin_addr, 4);
		return 4;
	}
	if (a->u.sa.sa_family == AF_INET6) {
		memcpy(out, &a->u.sin6.sin6_addr, 16);
		return 16;
	}
	return 0;
}

/*
 * The address as 16 bytes, IPv4 mapped into IPv6 (::ffff:a.b.c.d), so a
 * host has one form whichever socket family it came through; 0 if none.
 */
static int
addr_ip16(const struct addr *a, uint8_t out[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (a->u.sa.sa_family == AF_INET) {
		memcpy(out, mapped, 12);
		memcpy(out + 12, &a->u.sin.sin_addr, 4);
		return 1;
	}
	if (a->u.sa.sa_family == AF_INET6) {
		memcpy(out, &a->u.sin6.sin6_addr, 16);
		return 1;
	}
	return 0;
}

static int
addr_ip16_is_v4(const uint8_t ip[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(ip, mapped, 12) == 0;
}

enum addr_scope
addr_scope(const struct addr *a)
{
	static const uint8_t loop6[16] = { [15] = 1 };
	uint8_t ip[16];
	const uint8_t *v4 = ip + 12;

	if (!addr_ip16(a, ip))
		return ADDR_PUBLIC;
	if (addr_ip16_is_v4(ip)) {
		if (v4[0] == 127)
			return ADDR_LOOPBACK;
		if (v4[0] == 10 || (v4[0] == 172 && (v4[1] & 0xf0) == 16) ||
		    (v4[0] == 192 && v4[1] == 168) ||
		    (v4[0] == 169 && v4[1] == 254) ||
		    (v4[0] == 100 && (v4[1] & 0xc0) == 64))
			return ADDR_PRIVATE;
		return ADDR_PUBLIC;
	}
	if (memcmp(ip, loop6, 16) == 0)
		return ADDR_LOOPBACK;
	if ((ip[0] & 0xfe) == 0xfc || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80))
		return ADDR_PRIVATE;
	return ADDR_PUBLIC;
}

int
addr_usable(const struct addr *a)
{
	uint8_t ip[16];

	switch (a->u.sa.sa_family) {
	case AF_INET:
		if (a->len != sizeof(struct sockaddr_in))
			return 0;
		break;
	case AF_INET6:
		if (a->len != sizeof(struct sockaddr_in6))
			return 0;
		break;
	default:
		return 0;
	}
	if (addr_port(a) == 0 || addr_is_unspecified(a) || !addr_ip16(a, ip))
		return 0;
	if (addr_ip16_is_v4(ip))	/* 0/8; multicast, reserved, broadcast */
		return ip[12] != 0 && ip[12] < 224;
	return ip[0] != 0xff;		/* IPv6 multicast */
}

int
addr_relay_ok(const struct addr *from, const struct addr *relayed)
{
	enum addr_scope fs, rs;

	if (!addr_usable(relayed))
		return 0;
	fs = addr_scope(from);
	rs = addr_scope(relayed);
	if (rs == ADDR_LOOPBACK)
		return fs == ADDR_LOOPBACK;
	if (rs == ADDR_PRIVATE)
		return fs != ADDR_PUBLIC;
	return 1;
}

/* The first n bytes of both addresses' 16-byte forms agree. */
static int
addr_same_bytes(const struct addr *a, const struct addr *b, size_t v4n,
    size_t v6n)
{
	uint8_t x[16], y[16];

	if (!addr_ip16(a, x) || !addr_ip16(b, y))
		return 0;
	return memcmp(x, y, addr_ip16_is_v4(x) ? v4n : v6n) == 0;
}

int
addr_same_ip(const struct addr *a, const struct addr *b)
{
	return addr_same_bytes(a, b, 16, 16);
}

int
addr_same_prefix(const struct addr *a, const struct addr *b)
{
	return addr_same_bytes(a, b, 12 + 3, 8);	/* /24, /64 */
}

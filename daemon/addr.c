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

#define ADDR_MAX_HOST	253

static int
addr_split(const char *s, char *host, size_t hostlen, uint16_t *port,
    const char **errstr)
{
	const char *colon, *h, *p;
	size_t hl;
	char *end;
	unsigned long v;

	if (s[0] == '[') {
		h = s + 1;
		if ((colon = strchr(h, ']')) == NULL || colon[1] != ':') {
			*errstr = "expected [IPV6]:PORT";
			return -1;
		}
		hl = (size_t)(colon - h);
		p = colon + 2;
	} else {
		h = s;
		if ((colon = strrchr(s, ':')) == NULL) {
			*errstr = "expected HOST:PORT";
			return -1;
		}
		if (memchr(s, ':', (size_t)(colon - s)) != NULL) {
			*errstr = "an IPv6 address needs brackets: [IPV6]:PORT";
			return -1;
		}
		hl = (size_t)(colon - s);
		p = colon + 1;
	}
	if (hl == 0 || hl > ADDR_MAX_HOST || hl >= hostlen) {
		*errstr = "missing or over-long host";
		return -1;
	}
	if (*p < '0' || *p > '9') {
		*errstr = "port must be a number from 1 to 65535";
		return -1;
	}
	v = strtoul(p, &end, 10);
	if (*end != '\0' || v == 0 || v > 65535) {
		*errstr = "port must be a number from 1 to 65535";
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (uint16_t)v;
	return 0;
}

int
addr_parse(struct addr *a, const char *s, const char **errstr)
{
	char host[ADDR_MAX_HOST + 1];
	uint16_t port;

	memset(a, 0, sizeof(*a));
	if (addr_split(s, host, sizeof(host), &port, errstr) == -1)
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
	if (addr_split(s, host, sizeof(host), &p, errstr) == -1)
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

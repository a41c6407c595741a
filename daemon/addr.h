/*
 * addr — IPv4/IPv6 UDP endpoint values: parse, print, compare.  No sockets
 * are opened here; name resolution is numeric only (see addr_resolve).
 */
#ifndef EMO_ADDR_H
#define EMO_ADDR_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_STRLEN	64	/* "[v6]:port" with NUL */

struct addr {
	union {
		struct sockaddr		sa;
		struct sockaddr_in	sin;
		struct sockaddr_in6	sin6;
	} u;
	socklen_t	len;
};

/*
 * Splits "HOST:PORT" or "[V6]:PORT" (host without brackets; names are
 * letters, digits, '-', '_', '.'; port 1..65535).  Host and port are only
 * written on success and may be NULL.  -1 with *errstr otherwise.
 */
int		addr_split_hostport(const char *, char *host, size_t hostlen,
		    uint16_t *port, const char **errstr);
/* Numeric "A.B.C.D:PORT" or "[V6]:PORT"; -1 with *errstr otherwise. */
int		addr_parse(struct addr *, const char *, const char **errstr);
/* Like addr_parse, but the host may be a name (getaddrinfo; blocks). */
int		addr_resolve(struct addr *, const char *, const char **errstr);
int		addr_from_sockaddr(struct addr *, const struct sockaddr *,
		    socklen_t);
int		addr_eq(const struct addr *, const struct addr *);
int		addr_family(const struct addr *);
uint16_t	addr_port(const struct addr *);
int		addr_is_unspecified(const struct addr *);
/* Writes "1.2.3.4:5" or "[::1]:5" into buf (ADDR_STRLEN); returns buf. */
const char	*addr_str(const struct addr *, char *buf, size_t len);
/* Raw address bytes (4 or 16) and port, for keyed hashes and encoding. */
size_t		addr_ip_bytes(const struct addr *, uint8_t out[16]);

#endif

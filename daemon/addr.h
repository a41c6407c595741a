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

/*
 * Where an address can be reached from: anywhere, a private network
 * (RFC 1918, 100.64/10 shared, 169.254/16 and fe80::/10 link-local,
 * fc00::/7 unique local) or this host only (127/8, ::1).  An IPv4-mapped
 * IPv6 address is classified as its IPv4 address.
 */
enum addr_scope {
	ADDR_PUBLIC = 0,
	ADDR_PRIVATE,
	ADDR_LOOPBACK,
};

enum addr_scope	addr_scope(const struct addr *);
/*
 * A peer's address can be talked to: IPv4 or IPv6 of the right length,
 * port non-zero, not unspecified, 0/8, multicast, reserved or broadcast.
 */
int		addr_usable(const struct addr *);
/*
 * An address `from` may name to us (geth's CheckRelayAddr): usable, and
 * loopback only from loopback, private only from private or loopback.
 */
int		addr_relay_ok(const struct addr *from, const struct addr *relayed);
/* Same host (any port); same /24 for IPv4, same /64 for IPv6. */
int		addr_same_ip(const struct addr *, const struct addr *);
int		addr_same_prefix(const struct addr *, const struct addr *);

#endif

/*
 * id — 256-bit node IDs and keys: XOR distance, ordering by distance,
 * bucket index, hex conversion.  Pure computation.
 */
#ifndef EMO_ID_H
#define EMO_ID_H

#include <stddef.h>
#include <stdint.h>

#define ID_LEN		32
#define ID_BITS		256
#define ID_HEX_LEN	64

struct id {
	uint8_t	b[ID_LEN];
};

int	id_eq(const struct id *, const struct id *);
void	id_xor(struct id *out, const struct id *, const struct id *);
/* <0 if a is closer to target than b, 0 if equal, >0 if farther. */
int	id_distcmp(const struct id *target, const struct id *a,
	    const struct id *b);
/*
 * The top 64 bits of the XOR distance from target to a: a < b in it
 * means a is closer; equal means id_distcmp must decide.
 */
uint64_t id_dist64(const struct id *target, const struct id *a);
/* Length of the common prefix of a and b in bits: 0..255, 256 if equal. */
int	id_prefixlen(const struct id *, const struct id *);
/* Keccak-256 of a name. */
void	id_from_name(struct id *, const void *, size_t);
/* out must hold ID_HEX_LEN + 1 bytes; lowercase. */
void	id_to_hex(const struct id *, char *out);
/* Exactly 64 hex digits (either case); -1 otherwise. */
int	id_from_hex(struct id *, const char *, size_t);

#endif

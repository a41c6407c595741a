/*
 * bytes — layer-0 helpers on raw bytes shared by emod and emoctl:
 * big-endian integers in buffers, strict UTF-8, and turning a numeric
 * limit into text inside a static message.  No state, no allocation.
 */
#ifndef EMO_BYTES_H
#define EMO_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* "value longer than " BYTES_STR(EMO_MAX_VALUE) " bytes" */
#define BYTES_STR_(x)	#x
#define BYTES_STR(x)	BYTES_STR_(x)

static inline void
bytes_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
bytes_put_be32(uint8_t *p, uint32_t v)
{
	bytes_put_be16(p, (uint16_t)(v >> 16));
	bytes_put_be16(p + 2, (uint16_t)v);
}

static inline void
bytes_put_be64(uint8_t *p, uint64_t v)
{
	bytes_put_be32(p, (uint32_t)(v >> 32));
	bytes_put_be32(p + 4, (uint32_t)v);
}

static inline uint16_t
bytes_get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
bytes_get_be32(const uint8_t *p)
{
	return ((uint32_t)bytes_get_be16(p) << 16) | bytes_get_be16(p + 2);
}

static inline uint64_t
bytes_get_be64(const uint8_t *p)
{
	return ((uint64_t)bytes_get_be32(p) << 32) | bytes_get_be32(p + 4);
}

/*
 * Length (1..4) of the well-formed UTF-8 sequence at p, with its code
 * point in *cp; 0 if ill-formed.  Overlong forms, surrogates and code
 * points above U+10FFFF are ill-formed.  left >= 1.
 */
size_t	bytes_utf8_next(const uint8_t *p, size_t left, uint32_t *cp);
/* 1 if all len bytes are well-formed UTF-8, else 0. */
int	bytes_utf8_valid(const void *, size_t len);

#endif

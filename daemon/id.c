/*
 * id — 256-bit identifiers under the XOR metric.
 */
#include <endian.h>
#include <string.h>

#include "id.h"
#include "keccak.h"

int
id_eq(const struct id *a, const struct id *b)
{
	return memcmp(a->b, b->b, ID_LEN) == 0;
}

void
id_xor(struct id *out, const struct id *a, const struct id *b)
{
	size_t i;

	for (i = 0; i < ID_LEN; i++)
		out->b[i] = a->b[i] ^ b->b[i];
}

/* Bytes 8i..8i+7 of an ID as a big-endian word: any alignment, any host. */
static inline uint64_t
id_word(const struct id *id, size_t i)
{
	uint64_t v;

	memcpy(&v, id->b + 8 * i, sizeof(v));
	return be64toh(v);
}

uint64_t
id_dist64(const struct id *t, const struct id *a)
{
	return id_word(t, 0) ^ id_word(a, 0);
}

int
id_distcmp(const struct id *t, const struct id *a, const struct id *b)
{
	uint64_t tw, da, db;
	size_t i;

	for (i = 0; i < ID_LEN / 8; i++) {
		tw = id_word(t, i);
		da = id_word(a, i) ^ tw;
		db = id_word(b, i) ^ tw;
		if (da != db)
			return da < db ? -1 : 1;
	}
	return 0;
}

int
id_prefixlen(const struct id *a, const struct id *b)
{
	uint64_t x;
	size_t i;

	for (i = 0; i < ID_LEN / 8; i++)
		if ((x = id_word(a, i) ^ id_word(b, i)) != 0)
			return (int)(i * 64) + __builtin_clzll(x);
	return ID_BITS;
}

void
id_from_name(struct id *id, const void *name, size_t len)
{
	keccak256(name, len, id->b);
}

void
id_to_hex(const struct id *id, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < ID_LEN; i++) {
		out[2 * i] = hex[id->b[i] >> 4];
		out[2 * i + 1] = hex[id->b[i] & 0xf];
	}
	out[ID_HEX_LEN] = '\0';
}

static int
id_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
id_from_hex(struct id *id, const char *s, size_t len)
{
	size_t i;
	int hi, lo;

	if (len != ID_HEX_LEN)
		return -1;
	for (i = 0; i < ID_LEN; i++) {
		hi = id_hexval(s[2 * i]);
		lo = id_hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		id->b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

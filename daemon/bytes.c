/*
 * bytes — strict UTF-8 decoding, the one copy used by the configuration
 * parser and by emoctl's output.
 */
#include "bytes.h"

size_t
bytes_utf8_next(const uint8_t *p, size_t left, uint32_t *cp)
{
	uint32_t c;
	size_t n, i;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int
bytes_utf8_valid(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t cp;
	size_t n;

	while (len > 0) {
		if ((n = bytes_utf8_next(p, len, &cp)) == 0)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

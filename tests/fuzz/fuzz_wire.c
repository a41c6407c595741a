/*
 * fuzz_wire — libFuzzer target for wire_decode: any bytes decode or are
 * refused with a reason, never crash; what decodes re-encodes, and the
 * re-encoding is a fixed point of decode+encode.  A bundle (kind 3) is
 * checked whole, and then each message in it goes through the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_message(const uint8_t *data, size_t size)
{
	struct wire_msg	 m, m2;
	const char	*why = NULL;
	uint8_t		*a, *b;
	ssize_t		 na, nb;
	size_t		 added;

	if (wire_decode(data, size, &m, &why) == -1) {
		if (why == NULL || m.priv != NULL)
			abort();
		return;
	}
	/* Our encoder always writes Packet.features: 2 bytes if absent. */
	added = m.features == 0 ? 2 : 0;
	if ((a = malloc(WIRE_MAX_MESSAGE)) == NULL ||
	    (b = malloc(WIRE_MAX_MESSAGE)) == NULL)
		abort();
	/* Unknown fields are dropped, so the re-encoding may be shorter. */
	na = wire_encode(&m, a, WIRE_MAX_MESSAGE);
	if (na <= 0 || (size_t)na > size + added ||
	    (size_t)na != wire_encoded_len(&m))
		abort();
	if (m.type == WIRE_VALUES && wire_values_fit(&m, m.u.values.values,
	    m.u.values.nvalues) > m.u.values.nvalues)
		abort();
	if (wire_decode(a, (size_t)na, &m2, &why) == -1)
		abort();
	nb = wire_encode(&m2, b, WIRE_MAX_MESSAGE);
	if (nb != na || memcmp(a, b, (size_t)na) != 0)
		abort();
	wire_msg_free(&m2);
	wire_msg_free(&m);
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*why = NULL;
	const uint8_t	*msg;
	size_t		 off = 0, mlen;
	int		 n, seen = 0;

	if (wire_peek_kind(data, size, &why) != WIRE_KIND_BUNDLE) {
		fuzz_message(data, size);
		return 0;
	}
	if ((n = wire_bundle_check(data, size, &why)) == -1) {
		if (why == NULL)
			abort();
		return 0;
	}
	if (n < 2 || n > WIRE_BUNDLE_MAX_MSGS)
		abort();
	while ((mlen = wire_bundle_next(data, size, &off, &msg)) > 0) {
		if (msg < data || msg + mlen > data + size)
			abort();
		fuzz_message(msg, mlen);
		seen++;
	}
	if (seen != n || off != size)
		abort();
	return 0;
}

/*
 * fuzz_wire — libFuzzer target for wire_decode: any bytes decode or are
 * refused with a reason, never crash; what decodes re-encodes, and the
 * re-encoding is a fixed point of decode+encode.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_msg	 m, m2;
	const char	*why = NULL;
	uint8_t		*a, *b;
	ssize_t		 na, nb;

	if (wire_decode(data, size, &m, &why) == -1) {
		if (why == NULL || m.priv != NULL)
			abort();
		return 0;
	}
	if ((a = malloc(WIRE_MAX_MESSAGE)) == NULL ||
	    (b = malloc(WIRE_MAX_MESSAGE)) == NULL)
		abort();
	/* Unknown fields are dropped, so the re-encoding may be shorter. */
	na = wire_encode(&m, a, WIRE_MAX_MESSAGE);
	if (na <= 0 || (size_t)na > size || (size_t)na != wire_encoded_len(&m))
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
	return 0;
}

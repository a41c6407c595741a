/*
 * fuzz_record — libFuzzer target for the LevelDB value record decoder
 * (store_ldb_decode_record): any bytes must decode or be refused, never
 * crash, and a decoded value (version 1, or 2 with signed or immutable
 * attributes) must lie inside the input, its bytes ending it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_impl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_value	 v;
	const char		*why = NULL;
	uint8_t			 sum = 0;
	uint32_t		 i;

	memset(&v, 0, sizeof(v));
	if (store_ldb_decode_record(data, size, &v, &why) == -1) {
		if (why == NULL)
			abort();
		return 0;
	}
	/* The bytes end the record, after the header (and attributes). */
	if (v.len < 1 || v.len > EMO_MAX_VALUE ||
	    v.data < data + STORE_RECORD_HDR_LEN ||
	    v.data + v.len != data + size ||
	    (v.attr.kind == VALUE_PLAIN &&
	    v.data != data + STORE_RECORD_HDR_LEN) ||
	    v.attr.kind > VALUE_IMMUTABLE ||
	    (v.attr.kind == VALUE_SIGNED && (v.attr.namelen < 1 ||
	    v.attr.namelen > SIGVAL_NAME_MAX)) ||
	    v.created_ms < 0 || v.expires_ms < 0)
		abort();
	/* Touch every byte so ASan sees any read past the input. */
	for (i = 0; i < v.len; i++)
		sum ^= v.data[i];
	(void)sum;
	return 0;
}

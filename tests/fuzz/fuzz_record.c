/*
 * fuzz_record — libFuzzer target for the LevelDB value record decoder
 * (store_ldb_decode_record): any bytes must decode or be refused, never
 * crash, and a decoded value must lie inside the input.
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
	if (v.len < 1 || v.len > EMO_MAX_VALUE ||
	    (size_t)v.len + STORE_RECORD_HDR_LEN != size ||
	    v.data != data + STORE_RECORD_HDR_LEN ||
	    v.created_ms < 0 || v.expires_ms < 0)
		abort();
	/* Touch every byte so ASan sees any read past the input. */
	for (i = 0; i < v.len; i++)
		sum ^= v.data[i];
	(void)sum;
	return 0;
}

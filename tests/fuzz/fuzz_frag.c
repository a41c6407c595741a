/*
 * fuzz_frag — libFuzzer target for reassembly and the NACK cache.  The
 * input is a sequence of records: op(1) len(2, big-endian) bytes(len).
 * op bits 0-1 pick one of four source addresses (two share an IP), bit 2
 * sends the bytes to the outbound cache as a NACK instead of to
 * reassembly, bits 3-7 advance the clock by that many 50 ms steps (and
 * run the timers) first.  Caps must hold after every step.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "frag.h"
#include "wire.h"

#define FUZZ_MSG_ID	UINT64_C(0x1122334455667788)
#define FUZZ_MSG_LEN	5000

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
emit(void *arg, const struct addr *to, const uint8_t *buf, size_t len)
{
	if (len < WIRE_HDR_LEN || len > WIRE_MAX_DATAGRAM)
		abort();
	(*(size_t *)arg)++;
}

static void
check_caps(const struct frag_in *in, const struct frag_out *o)
{
	struct frag_in_stats	ist;
	struct frag_out_stats	ost;

	frag_in_get_stats(in, &ist);
	frag_out_get_stats(o, &ost);
	if (ist.partials > FRAG_IN_MAX_PARTIALS ||
	    ist.bytes > FRAG_IN_MAX_BYTES ||
	    (ist.partials == 0) != (ist.bytes == 0) ||
	    ost.bytes > FRAG_OUT_MAX_BYTES)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[4] = {
		"127.0.0.1:1", "127.0.0.1:2", "127.0.0.2:1", "[::1]:1"
	};
	struct addr		 from[4];
	struct frag_in		*in;
	struct frag_out		*o;
	struct wire_msg		 m;
	const char		*why;
	uint8_t			*msg, *out;
	size_t			 len, outlen, sent = 0;
	int64_t			 now = 0;
	unsigned		 i, op;

	for (i = 0; i < 4; i++)
		if (addr_parse(&from[i], names[i], &why) == -1)
			abort();
	if ((in = frag_in_new(1)) == NULL || (o = frag_out_new()) == NULL ||
	    (msg = calloc(1, FUZZ_MSG_LEN)) == NULL)
		abort();
	memcpy(msg, "EM\x02\x00", 4);
	frag_out_send(o, &from[0], msg, FUZZ_MSG_LEN, FUZZ_MSG_ID, now, emit,
	    &sent);
	while (size >= 3) {
		op = data[0];
		len = (size_t)data[1] << 8 | data[2];
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (op >> 3) {
			now += (int64_t)(op >> 3) * 50;
			frag_in_tick(in, now, emit, &sent);
			frag_out_tick(o, now);
			if (frag_in_next_deadline(in) <= now)
				abort();
		}
		why = NULL;
		if (op & 4) {
			if (frag_out_nack(o, &from[op & 3], data, len, now, emit,
			    &sent, &why) == -1 && why == NULL)
				abort();
		} else {
			switch (frag_in_input(in, &from[op & 3], data, len, now,
			    &out, &outlen, &why)) {
			case FRAG_COMPLETE:
				if (out == NULL || outlen <= WIRE_MAX_DATAGRAM ||
				    outlen > WIRE_MAX_MESSAGE)
					abort();
				if (wire_decode(out, outlen, &m, &why) == 0)
					wire_msg_free(&m);
				free(out);
				break;
			case FRAG_DROP:
				if (why == NULL || out != NULL)
					abort();
				break;
			case FRAG_PARTIAL:
				if (out != NULL)
					abort();
				break;
			}
		}
		check_caps(in, o);
		data += len;
		size -= len;
	}
	frag_in_free(in);
	frag_out_free(o);
	free(msg);
	return 0;
}

/*
 * fuzz_control — libFuzzer target for the control socket's request path:
 * the input is a byte stream from a client, read frame after frame as
 * control_read_cb does (control_frame_read: the length prefix against
 * EMO_CTL_MAX_REQUEST, protobuf-c unpack), each request then checked by
 * control_request_check as control_dispatch does before any handler runs.
 * Nothing may crash; a refusal has a reason; a request that passes is one
 * a handler can take (a known body, its fields in range); and a request
 * re-packed without its unknown fields reads back and checks the same.
 * (Unknown fields are left out because protobuf-c keeps them verbatim, tag
 * and all: it accepts an overlong-encoded field number 0, "80 00", then
 * packs it as "00", which it refuses.  The daemon never re-packs a request,
 * so that is no property of ours; corpus/control/unknown-tag0-overlong.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.pb-c.h"
#include "control_impl.h"
#include "frame.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What a request that passed must look like to its handler. */
static void
fuzz_passed(const Emo__Ctl__Request *q, const struct control_args *a)
{
	if (q->version != EMO_CTL_VERSION)
		abort();
	switch (q->body_case) {
	case EMO__CTL__REQUEST__BODY_PUT:
		if (q->put == NULL || q->put->value.len == 0 ||
		    q->put->value.len > EMO_MAX_VALUE)
			abort();
		break;
	case EMO__CTL__REQUEST__BODY_GET:
		if (q->get == NULL || q->get->since_ms < 0)
			abort();
		break;
	case EMO__CTL__REQUEST__BODY_STATUS:
	case EMO__CTL__REQUEST__BODY_PEERS:
		break;
	case EMO__CTL__REQUEST__BODY_PING:
		if (q->ping == NULL || q->ping->address == NULL ||
		    q->ping->address[0] == '\0' ||
		    strlen(q->ping->address) >= CONTROL_MAX_ADDRESS)
			abort();
		break;
	case EMO__CTL__REQUEST__BODY_LOG:
		if (a->level < LOG_LEVEL_WARN || a->level > LOG_LEVEL_DEBUG)
			abort();
		break;
	default:
		abort();
	}
}

#define FUZZ_KNOWN(m)	do {						\
	(m).base.n_unknown_fields = 0;					\
	(m).base.unknown_fields = NULL;					\
} while (0)

/*
 * Packs q's known fields into a frame, reads it back and checks it again:
 * the same verdict.
 */
static void
fuzz_repack(const Emo__Ctl__Request *q0, int rv,
    const struct control_args *a, Emo__Ctl__ErrorCode code)
{
	Emo__Ctl__Request qk = *q0, *q = &qk, *q2;
	Emo__Ctl__PutRequest put;
	Emo__Ctl__GetRequest get;
	Emo__Ctl__StatusRequest st;
	Emo__Ctl__PeersRequest pe;
	Emo__Ctl__PingRequest pi;
	Emo__Ctl__LogRequest lg;
	struct control_args a2;
	Emo__Ctl__ErrorCode code2;
	const char *why, *errstr;
	size_t len, need;
	uint8_t *buf;

	FUZZ_KNOWN(qk);
	switch (qk.body_case) {
	case EMO__CTL__REQUEST__BODY_PUT:
		put = *qk.put; FUZZ_KNOWN(put); qk.put = &put; break;
	case EMO__CTL__REQUEST__BODY_GET:
		get = *qk.get; FUZZ_KNOWN(get); qk.get = &get; break;
	case EMO__CTL__REQUEST__BODY_STATUS:
		st = *qk.status; FUZZ_KNOWN(st); qk.status = &st; break;
	case EMO__CTL__REQUEST__BODY_PEERS:
		pe = *qk.peers; FUZZ_KNOWN(pe); qk.peers = &pe; break;
	case EMO__CTL__REQUEST__BODY_PING:
		pi = *qk.ping; FUZZ_KNOWN(pi); qk.ping = &pi; break;
	case EMO__CTL__REQUEST__BODY_LOG:
		lg = *qk.log; FUZZ_KNOWN(lg); qk.log = &lg; break;
	default:
		break;
	}
	len = emo__ctl__request__get_packed_size(q);
	if (len > EMO_CTL_MAX_REQUEST || len == 0)
		return;		/* an empty request has no frame */
	if ((buf = malloc(EMO_CTL_HDR_LEN + len)) == NULL)
		abort();
	frame_put_len(buf, (uint32_t)len);
	if (emo__ctl__request__pack(q, buf + EMO_CTL_HDR_LEN) != len)
		abort();
	if (control_frame_read(buf, EMO_CTL_HDR_LEN + len, &need, &q2,
	    &errstr) != (ssize_t)(EMO_CTL_HDR_LEN + len))
		abort();
	if (control_request_check(q2, &a2, &code2, &why) != rv)
		abort();
	if (rv == 0 ? memcmp(a, &a2, sizeof(a2)) != 0 : code != code2)
		abort();
	emo__ctl__request__free_unpacked(q2, NULL);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Emo__Ctl__Request *q;
	struct control_args a;
	Emo__Ctl__ErrorCode code;
	const char *errstr, *why;
	size_t need;
	ssize_t n;
	int rv;

	/* Pipelined frames, as the daemon reads them off one connection. */
	for (;;) {
		errstr = NULL;
		if ((n = control_frame_read(data, size, &need, &q,
		    &errstr)) == -1) {
			if (errstr == NULL || q != NULL)
				abort();
			break;		/* the daemon closes the connection */
		}
		if (n == 0) {
			/* Waits for at most one whole frame, never past it. */
			if (q != NULL || need <= size ||
			    need > EMO_CTL_HDR_LEN + EMO_CTL_MAX_REQUEST)
				abort();
			break;
		}
		if (q == NULL || (size_t)n > size || n <= EMO_CTL_HDR_LEN)
			abort();
		why = NULL;
		if ((rv = control_request_check(q, &a, &code, &why)) == 0)
			fuzz_passed(q, &a);
		else if (rv != -1 || why == NULL ||
		    (code != EMO__CTL__ERROR_CODE__ERR_INVALID &&
		    code != EMO__CTL__ERROR_CODE__ERR_TOO_LARGE &&
		    code != EMO__CTL__ERROR_CODE__ERR_VERSION))
			abort();
		fuzz_repack(q, rv, &a, code);
		emo__ctl__request__free_unpacked(q, NULL);
		data += n;
		size -= (size_t)n;
	}
	return 0;
}

/*
 * bench_util — what the bench programs share: a monotonic clock in
 * seconds, a bounded number from the command line, and the headers of a
 * recvmmsg batch.  Header-only, included
 * by tests/bench/bench_*.c.
 */
#ifndef EMO_BENCH_UTIL_H
#define EMO_BENCH_UTIL_H

#include <sys/socket.h>
#include <errno.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

static inline double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* s as a decimal number in lo..hi (lo >= 0), or -1. */
static inline long
bench_num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	return v;
}

/*
 * Sets up msg[0..n) to receive into the n slots of `slot` bytes at buf,
 * each sender's address into from[i] (from may be NULL: not kept).
 */
static inline void
bench_mmsg_recv(struct mmsghdr *msg, struct iovec *iov, uint8_t *buf,
    size_t slot, struct sockaddr_in *from, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		iov[i].iov_base = buf + i * slot;
		iov[i].iov_len = slot;
		memset(&msg[i].msg_hdr, 0, sizeof(msg[i].msg_hdr));
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
		if (from != NULL) {
			msg[i].msg_hdr.msg_name = &from[i];
			msg[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
	}
}

#endif

/*
 * bench_util — what the bench programs share: a monotonic clock in
 * seconds.  Header-only, included by tests/bench/bench_*.c.
 */
#ifndef EMO_BENCH_UTIL_H
#define EMO_BENCH_UTIL_H

#include <time.h>

static inline double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif

/*
 * check_util — what every unit suite shares: running a Check suite to an
 * exit status, and a seeded xorshift PRNG for reproducible test data.
 * Header-only (static functions), included by tests/unit/check_*.c.
 */
#ifndef EMO_CHECK_UTIL_H
#define EMO_CHECK_UTIL_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

/* Runs the suite, prints Check's summary line, returns an exit status. */
static inline int
check_run(Suite *s)
{
	SRunner *sr;
	int nfail;

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

struct prng {
	uint64_t	s;	/* never 0 */
};

static inline uint64_t
prng_next(struct prng *p)
{
	p->s ^= p->s << 13;
	p->s ^= p->s >> 7;
	p->s ^= p->s << 17;
	return p->s;
}

#endif

/*
 * check_util — what every unit suite shares: running a Check suite to an
 * exit status, a seeded xorshift PRNG for reproducible test data, and
 * removing a test's flat directory (a LevelDB store).
 * Header-only (static functions), included by tests/unit/check_*.c.
 */
#ifndef EMO_CHECK_UTIL_H
#define EMO_CHECK_UTIL_H

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/*
 * Removes a directory of plain files (LevelDB keeps its files flat):
 * 0, or -1 if it cannot be opened or removed.
 */
static inline int
check_rmdir_flat(const char *dir)
{
	DIR *d;
	struct dirent *de;
	char path[PATH_MAX];

	if (dir[0] == '\0' || (d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		(void)unlink(path);
	}
	closedir(d);
	return rmdir(dir);
}

#endif

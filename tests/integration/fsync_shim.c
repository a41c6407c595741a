/*
 * fsync_shim — an LD_PRELOAD library for the integration tests: it makes
 * the kernel's answer to fsync(2) and fdatasync(2) an EIO on demand, and
 * logs the order of fsyncs and renames.  A full tmpfs fails write(2), not
 * fsync, and loop or device-mapper devices are host-wide, so this is how a
 * test gets an fsync that fails the way a dying disk makes it fail.
 *
 *   EMO_SHIM_FAIL=PATH  while PATH exists, fsync and fdatasync fail (EIO)
 *   EMO_SHIM_LOG=PATH   appends "fsync FILE", "fdatasync FILE" and
 *                       "rename OLD NEW" lines, FILE as /proc/self/fd says
 *
 * Not part of emod: built by the Makefile into build/tests/.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int	fsync(int);
int	fdatasync(int);
int	rename(const char *, const char *);

static void
shim_log(const char *what, const char *a, const char *b)
{
	const char *path = getenv("EMO_SHIM_LOG");
	char line[8300];
	int fd, n;

	if (path == NULL)
		return;
	n = snprintf(line, sizeof(line), "%s %s%s%s\n", what, a,
	    b != NULL ? " " : "", b != NULL ? b : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) == -1)
		return;
	(void)write(fd, line, (size_t)n);
	close(fd);
}

static void
shim_log_fd(const char *what, int fd)
{
	char link[64], target[4096];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, target, sizeof(target) - 1)) < 0)
		n = 0;
	target[n] = '\0';
	shim_log(what, target, NULL);
}

static int
shim_failing(void)
{
	const char *path = getenv("EMO_SHIM_FAIL");

	return path != NULL && access(path, F_OK) == 0;
}

int
fsync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	shim_log_fd("fsync", fd);
	if (shim_failing()) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}

int
fdatasync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	shim_log_fd("fdatasync", fd);
	if (shim_failing()) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}

int
rename(const char *old, const char *new)
{
	static int (*real)(const char *, const char *);

	if (real == NULL)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT,
		    "rename");
	shim_log("rename", old, new);
	return real(old, new);
}

/*
 * check_frame — the control-socket helpers shared by emod and emoctl: the
 * length prefix, the fallback directory's name, frame_in_dir, and
 * frame_dir_open_private's refusals (another owner when run as root, a
 * symbolic link, a file, a loose mode, a missing directory) and its 0700
 * creation under any umask.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "frame.h"

static char	base[64];
static char	err[512];

static void
setup(void)
{
	snprintf(base, sizeof(base), "/tmp/check_frame.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
}

static void
teardown(void)
{
	char cmd[128];
	int rc;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	rc = system(cmd);
	ck_assert_int_eq(rc, 0);
}

START_TEST(test_len)
{
	uint8_t hdr[EMO_CTL_HDR_LEN];
	const char *errstr;
	uint32_t n;

	frame_put_len(hdr, 1234);
	ck_assert_int_eq(frame_get_len(hdr, 2000, &n, &errstr), 0);
	ck_assert_uint_eq(n, 1234);
	ck_assert_int_eq(frame_get_len(hdr, 1000, &n, &errstr), -1);
	frame_put_len(hdr, 0);
	ck_assert_int_eq(frame_get_len(hdr, 1000, &n, &errstr), -1);
}
END_TEST

START_TEST(test_fallback_name)
{
	char buf[FRAME_MAX_FALLBACK_DIR], want[FRAME_MAX_FALLBACK_DIR];
	char sock[128], longdir[80];

	unsetenv("TMPDIR");
	snprintf(want, sizeof(want), "/tmp/emo-%u", (unsigned)geteuid());
	ck_assert_int_eq(frame_fallback_dir(buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
	setenv("TMPDIR", "relative", 1);
	ck_assert_int_eq(frame_fallback_dir(buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
	memset(longdir, 'x', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	setenv("TMPDIR", longdir, 1);
	ck_assert_int_eq(frame_fallback_dir(buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
	setenv("TMPDIR", "/var/tmp", 1);
	snprintf(want, sizeof(want), "/var/tmp/emo-%u", (unsigned)geteuid());
	ck_assert_int_eq(frame_fallback_dir(buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(frame_fallback_dir(buf, 8), -1);
	/* Without XDG_RUNTIME_DIR a user's socket is in that directory. */
	if (geteuid() != 0) {
		unsetenv("XDG_RUNTIME_DIR");
		ck_assert_int_eq(frame_default_socket(sock, sizeof(sock)), 0);
		ck_assert(frame_in_dir(sock, want));
	}
	unsetenv("TMPDIR");
}
END_TEST

START_TEST(test_in_dir)
{
	ck_assert(frame_in_dir("/tmp/emo-1/emod.sock", "/tmp/emo-1"));
	ck_assert(!frame_in_dir("/tmp/emo-10/emod.sock", "/tmp/emo-1"));
	ck_assert(!frame_in_dir("/tmp/emo-1/a/emod.sock", "/tmp/emo-1"));
	ck_assert(!frame_in_dir("/tmp/emo-1", "/tmp/emo-1"));
	ck_assert(!frame_in_dir("/run/emo/emod.sock", "/tmp/emo-1"));
}
END_TEST

/* Opens dir with frame_dir_open_private; err must then contain want. */
static void
refused(const char *dir, int create, const char *want)
{
	ck_assert_int_eq(frame_dir_open_private(dir, create, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, want) != NULL, "'%s' lacks '%s'", err, want);
}

START_TEST(test_dir_checks)
{
	char d[128], t[128], msg[160];
	struct stat sb;
	mode_t old;
	int fd;

	/* Missing: created 0700 even under a umask that would loosen it. */
	snprintf(d, sizeof(d), "%s/emo-new", base);
	refused(d, 0, "No such file");
	old = umask(0);
	fd = frame_dir_open_private(d, 1, err, sizeof(err));
	umask(old);
	ck_assert_msg(fd != -1, "%s", err);
	ck_assert_int_eq(fstat(fd, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0700);
	close(fd);
	/* Existing and right: accepted again. */
	fd = frame_dir_open_private(d, 0, err, sizeof(err));
	ck_assert_msg(fd != -1, "%s", err);
	close(fd);
	/* Loose mode. */
	ck_assert_int_eq(chmod(d, 0755), 0);
	snprintf(msg, sizeof(msg), "%s has mode 0755, not 0700: run chmod 700",
	    d);
	refused(d, 1, msg);
	ck_assert_int_eq(chmod(d, 0700), 0);
	/* A symbolic link to a good directory. */
	snprintf(t, sizeof(t), "%s/emo-link", base);
	ck_assert_int_eq(symlink(d, t), 0);
	refused(t, 1, "is a symbolic link, not a directory: remove it");
	/* A file. */
	snprintf(t, sizeof(t), "%s/emo-file", base);
	fclose(fopen(t, "w"));
	refused(t, 1, "is not a directory: remove it");
	/* Another owner (root can make one). */
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(d, 65534, (gid_t)-1), 0);
		snprintf(msg, sizeof(msg), "%s is owned by uid 65534, not 0: "
		    "remove it or set XDG_RUNTIME_DIR / --socket", d);
		refused(d, 1, msg);
	}
}
END_TEST

START_TEST(test_sock_at)
{
	char d[128];
	struct stat sb;
	int dirfd, s, c;

	snprintf(d, sizeof(d), "%s/emo-s", base);
	dirfd = frame_dir_open_private(d, 1, err, sizeof(err));
	ck_assert_msg(dirfd != -1, "%s", err);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(frame_sock_at(dirfd, "x.sock", s, bind), 0);
	ck_assert_int_eq(listen(s, 1), 0);
	ck_assert_int_eq(fstatat(dirfd, "x.sock", &sb, 0), 0);
	ck_assert(S_ISSOCK(sb.st_mode));
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(frame_sock_at(dirfd, "x.sock", c, connect), 0);
	/* Names only: no path may escape the directory. */
	ck_assert_int_eq(frame_sock_at(dirfd, "../x.sock", c, connect), -1);
	/* The working directory is left as it was. */
	ck_assert_int_eq(access("x.sock", F_OK), -1);
	close(c);
	close(s);
	close(dirfd);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_len);
	tcase_add_test(tc, test_fallback_name);
	tcase_add_test(tc, test_in_dir);
	tcase_add_test(tc, test_dir_checks);
	tcase_add_test(tc, test_sock_at);
	suite_add_tcase(s, tc);
	return check_run(s);
}

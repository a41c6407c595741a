/*
 * check_keys — key files and signatures: RFC 8032's first Ed25519 vector
 * through keys_from_seed and keys_sign; a written key file loads back; a
 * missing file, a group-readable one, a short or long one, a directory, a
 * symbolic link and one whose public half is not its seed's are refused
 * with a message naming the fault; a sealed box opens only for its key.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "keys.h"
#include "check_util.h"

static char dir[64];
static char path[128];
static char err[512];

static void
setup(void)
{
	ck_assert_int_eq(crypto_init(), 0);
	strcpy(dir, "/tmp/check_keys.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/key", dir);
}

static void
teardown(void)
{
	char sub[160];

	unlink(path);
	snprintf(sub, sizeof(sub), "%s/link", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	rmdir(sub);
	rmdir(dir);
}

static void
unhex(uint8_t *out, size_t len, const char *hex)
{
	ck_assert_int_eq(crypto_hex_decode(out, len, hex), 0);
}

static void
put_file(const uint8_t *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* RFC 8032, section 7.1, TEST 1 (the empty message). */
START_TEST(test_rfc8032)
{
	uint8_t seed[32], pub[32], want[64], sig[64];
	struct keys_pair kp;

	unhex(seed, 32, "9d61b19deffd5a60ba844af492ec2cc4"
	    "4449c5697b326919703bac031cae7f60");
	unhex(pub, 32, "d75a980182b10ab7d54bfed3c964073a"
	    "0ee172f3daa62325af021a68f707511a");
	unhex(want, 64, "e5564300c360ac729086e2cc806e828a"
	    "84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
	    "1cf9b46bd25bf5f0595bbe24655141438e7a100b");
	keys_from_seed(&kp, seed);
	ck_assert_mem_eq(kp.pub, pub, 32);
	keys_sign(&kp, "", 0, sig);
	ck_assert_mem_eq(sig, want, 64);
	ck_assert_int_eq(keys_verify(pub, "", 0, sig), 0);
	ck_assert_int_eq(keys_public_valid(pub), 1);
	sig[63] ^= 1;
	ck_assert_int_eq(keys_verify(pub, "", 0, sig), -1);
	sig[63] ^= 1;
	ck_assert_int_eq(keys_verify(pub, "x", 1, sig), -1);
}
END_TEST

START_TEST(test_roundtrip)
{
	struct keys_pair kp, back;
	struct stat st;

	keys_generate(&kp);
	ck_assert_int_eq(keys_write(path, &kp, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(st.st_size, KEYS_FILE_LEN);
	ck_assert_int_eq(keys_load(path, &back, err, sizeof(err)), KEYS_OK);
	ck_assert_mem_eq(back.pub, kp.pub, 32);
	ck_assert_mem_eq(back.sec, kp.sec, 64);
	/* Never over an existing file. */
	ck_assert_int_eq(keys_write(path, &kp, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "exists"));
}
END_TEST

START_TEST(test_refusals)
{
	struct keys_pair kp, back;
	char sub[160];

	ck_assert_int_eq(keys_load(path, &back, err, sizeof(err)),
	    KEYS_MISSING);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));

	keys_generate(&kp);
	put_file(kp.sec, 64, 0644);
	ck_assert_int_eq(keys_load(path, &back, err, sizeof(err)), KEYS_BAD);
	ck_assert_ptr_nonnull(strstr(err, "mode 0644"));

	put_file(kp.sec, 12, 0600);
	ck_assert_int_eq(keys_load(path, &back, err, sizeof(err)), KEYS_BAD);
	ck_assert_ptr_nonnull(strstr(err, "12 bytes"));

	put_file(kp.sec, 0, 0600);
	ck_assert_int_eq(keys_load(path, &back, err, sizeof(err)), KEYS_BAD);
	ck_assert_ptr_nonnull(strstr(err, "0 bytes"));

	{
		uint8_t big[65];

		memcpy(big, kp.sec, 64);
		big[64] = '\n';
		put_file(big, 65, 0600);
		ck_assert_int_eq(keys_load(path, &back, err, sizeof(err)),
		    KEYS_BAD);
		ck_assert_ptr_nonnull(strstr(err, "longer than 64"));
	}

	kp.sec[40] ^= 0x20;	/* the public half no longer the seed's */
	put_file(kp.sec, 64, 0400);
	ck_assert_int_eq(keys_load(path, &back, err, sizeof(err)), KEYS_BAD);
	ck_assert_ptr_nonnull(strstr(err, "does not match"));
	unlink(path);

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(keys_load(sub, &back, err, sizeof(err)), KEYS_BAD);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));

	keys_generate(&kp);
	ck_assert_int_eq(keys_write(path, &kp, err, sizeof(err)), 0);
	snprintf(sub, sizeof(sub), "%s/link", dir);
	ck_assert_int_eq(symlink(path, sub), 0);
	ck_assert_int_eq(keys_load(sub, &back, err, sizeof(err)), KEYS_BAD);
	ck_assert_ptr_nonnull(strstr(err, "symbolic link"));
}
END_TEST

START_TEST(test_seal)
{
	static const char msg[] = "for the holder of the key only";
	uint8_t box[sizeof(msg) + KEYS_SEAL_OVERHEAD], out[sizeof(msg)];
	struct keys_pair to, other;
	uint8_t bad[32];

	keys_generate(&to);
	keys_generate(&other);
	ck_assert_int_eq(keys_seal(box, msg, sizeof(msg), to.pub), 0);
	ck_assert_int_eq(keys_seal_open(out, box, sizeof(box), &other), -1);
	ck_assert_int_eq(keys_seal_open(out, box, sizeof(box), &to), 0);
	ck_assert_mem_eq(out, msg, sizeof(msg));
	box[sizeof(box) - 1] ^= 1;
	ck_assert_int_eq(keys_seal_open(out, box, sizeof(box), &to), -1);
	ck_assert_int_eq(keys_seal_open(out, box, 10, &to), -1);
	/* Not a point on the curve: no X25519 twin to seal to. */
	memset(bad, 0xff, sizeof(bad));
	ck_assert_int_eq(keys_public_valid(bad), 0);
	ck_assert_int_eq(keys_seal(box, msg, sizeof(msg), bad), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("keys");
	TCase *tc = tcase_create("keys");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rfc8032);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_seal);
	suite_add_tcase(s, tc);
	return check_run(s);
}

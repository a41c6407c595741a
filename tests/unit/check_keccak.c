/*
 * check_keccak — Keccak-256 (legacy padding) known answers.  The long
 * vectors were cross-checked by running the same sponge with SHA3's 0x06
 * domain byte against Python's hashlib.sha3_256 on the same inputs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keccak.h"
#include "check_util.h"

static void
hexify(const uint8_t *d, char *out)
{
	int i;

	for (i = 0; i < KECCAK256_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static const struct {
	const char	*in;
	const char	*hex;
} text_vectors[] = {
	{ "", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470" },
	{ "abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45" },
	{ "The quick brown fox jumps over the lazy dog",
	  "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15" },
};

/* Input byte i is (i * 7 + 3) mod 256, lengths around the 136-byte rate. */
static const struct {
	size_t		 len;
	const char	*hex;
} pattern_vectors[] = {
	{ 1, "69c322e3248a5dfc29d73c5b0553b0185a35cd5bb6386747517ef7e53b15e287" },
	{ 135, "00ef96af9cf4b24c7f269d922294444a197d0a33638c2e56634c57e892103a8f" },
	{ 136, "742061bcad767ed4c4f5883b1dcb1aad11afdcc140dc469d953759b127b9f9ed" },
	{ 137, "e3371f61e770abf254c34239c3b0099ad90594507415bc81dd0a10b9692bbf2a" },
	{ 200, "66d2cdf3ab4c5bd3c75add9b60b14ac5b7789534fa2da3f348853b847359a3a0" },
	{ 271, "4401c4afbe16ff911bdbf2d38e556e5b861f3fdf0f9d4306b1c46f6ae4f73584" },
	{ 272, "ac141fd7b0a0ffcd2e967254d508da3ec616596493c36fa304425647d90e6de5" },
	{ 273, "16192ea86793083e47731cb3c970600f04768414d92bc0540e54ce8607a0fce0" },
	{ 1000, "80cdc8dd52cbb3dbaea8f383209893fa2bb52efbd5aedbb4b26dcfe307fcdc9b" },
};

static uint8_t pattern[1000];

static void
setup(void)
{
	size_t i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
}

START_TEST(test_text)
{
	uint8_t out[KECCAK256_LEN];
	char hex[2 * KECCAK256_LEN + 1];

	keccak256(text_vectors[_i].in, strlen(text_vectors[_i].in), out);
	hexify(out, hex);
	ck_assert_str_eq(hex, text_vectors[_i].hex);
}
END_TEST

START_TEST(test_pattern)
{
	uint8_t out[KECCAK256_LEN];
	char hex[2 * KECCAK256_LEN + 1];

	keccak256(pattern, pattern_vectors[_i].len, out);
	hexify(out, hex);
	ck_assert_str_eq(hex, pattern_vectors[_i].hex);
}
END_TEST

/* Feeding the same input in uneven pieces gives the same digest. */
START_TEST(test_incremental)
{
	static const size_t steps[] = { 1, 3, 135, 136, 137, 64 };
	struct keccak k;
	uint8_t a[KECCAK256_LEN], b[KECCAK256_LEN];
	size_t off, n, s;

	for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		keccak256_init(&k);
		for (off = 0; off < sizeof(pattern); off += n) {
			n = steps[s];
			if (n > sizeof(pattern) - off)
				n = sizeof(pattern) - off;
			keccak256_update(&k, pattern + off, n);
		}
		keccak256_final(&k, a);
		keccak256(pattern, sizeof(pattern), b);
		ck_assert_mem_eq(a, b, KECCAK256_LEN);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("keccak");
	TCase *tc = tcase_create("keccak256");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_text, 0,
	    sizeof(text_vectors) / sizeof(text_vectors[0]));
	tcase_add_loop_test(tc, test_pattern, 0,
	    sizeof(pattern_vectors) / sizeof(pattern_vectors[0]));
	tcase_add_test(tc, test_incremental);
	suite_add_tcase(s, tc);
	return check_run(s);
}

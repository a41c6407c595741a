/*
 * bench_atrest — what encryption costs per value: sealing and opening one
 * store record at rest (atrest: XChaCha20-Poly1305, the record's LevelDB
 * key as associated data) and one envelope of emoctl put --encrypt-to /
 * get --decrypt (keys_seal / keys_seal_open: an X25519 sealed box), at a
 * few value sizes.  Prints a table of microseconds per operation;
 * asserts nothing about speed.  Usage: bench_atrest [ROUNDS].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atrest.h"
#include "crypto.h"
#include "keys.h"
#include "bench_util.h"

int
main(int argc, char **argv)
{
	static const size_t	 sizes[] = { 100, 1024, 32768 };
	struct keys_pair	 kp;
	struct atrest		*a;
	uint8_t			 key[ATREST_KEY_LEN], ad[65], *msg, *box, *out;
	size_t			 rounds, i, r, n;
	double			 t0, seal, open, bseal, bopen;

	rounds = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;
	if (rounds < 1 || crypto_init() == -1)
		return 2;
	crypto_random(key, sizeof(key));
	memset(ad, 0x76, sizeof(ad));
	keys_generate(&kp);
	if ((a = atrest_new(key)) == NULL ||
	    (msg = calloc(1, 32768)) == NULL ||
	    (box = malloc(32768 + 64)) == NULL ||
	    (out = malloc(32768 + 64)) == NULL)
		return 1;
	printf("%-8s %12s %12s %14s %14s\n", "value_B", "atrest_seal",
	    "atrest_open", "envelope_seal", "envelope_open");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		t0 = bench_now();
		for (r = 0; r < rounds; r++)
			atrest_seal(a, box, msg, n, ad, sizeof(ad));
		seal = (bench_now() - t0) / (double)rounds * 1e6;
		t0 = bench_now();
		for (r = 0; r < rounds; r++)
			if (atrest_open(a, out, box, n + ATREST_OVERHEAD, ad,
			    sizeof(ad)) == -1)
				return 1;
		open = (bench_now() - t0) / (double)rounds * 1e6;
		t0 = bench_now();
		for (r = 0; r < rounds; r++)
			if (keys_seal(box, msg, n, kp.pub) == -1)
				return 1;
		bseal = (bench_now() - t0) / (double)rounds * 1e6;
		t0 = bench_now();
		for (r = 0; r < rounds; r++)
			if (keys_seal_open(out, box, n + KEYS_SEAL_OVERHEAD,
			    &kp) == -1)
				return 1;
		bopen = (bench_now() - t0) / (double)rounds * 1e6;
		printf("%-8zu %10.2f us %10.2f us %12.2f us %12.2f us\n", n,
		    seal, open, bseal, bopen);
	}
	atrest_free(a);
	keys_wipe(&kp);
	free(msg);
	free(box);
	free(out);
	return 0;
}

/*
 * bench_sig — what a signed value costs in CPU: signing (emoctl put
 * --sign: the signed bytes built and signed) and checking (a storing
 * node's and a client's sigval_check: point check, key derivation,
 * signature), per value, for 100 B and 32 KiB values; and the value hash
 * (Keccak-256) every storing node computes for every value it takes.
 * Prints a table; asserts nothing about speed.  usage: bench_sig [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "sigval.h"

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const size_t sizes[] = { 100, 32768 };
	static uint8_t val[32768];
	static const uint8_t seed[32] = { 3 };
	struct keys_pair kp;
	struct value_attr a;
	uint8_t key[SIGVAL_KEY_LEN];
	long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 2000, r;
	int64_t created = INT64_C(1700000000000);
	uint8_t h[SIGVAL_HASH_LEN];
	double t0, ts, tv, th;
	size_t i;
	int bad = 0;

	if (rounds < 1)
		return 2;
	keys_from_seed(&kp, seed);
	memset(val, 'v', sizeof(val));
	sigval_key(kp.pub, (const uint8_t *)"bench", 5, key);
	printf("%-10s %8s %12s %12s %12s\n", "value_B", "rounds", "sign_us",
	    "verify_us", "hash_us");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		t0 = bench_now();
		for (r = 0; r < rounds; r++)
			if (sigval_sign(&a, &kp, (const uint8_t *)"bench", 5,
			    (uint64_t)r, created, 3600, val, sizes[i]) == -1)
				return 1;
		ts = (bench_now() - t0) / (double)rounds;
		t0 = bench_now();
		for (r = 0; r < rounds; r++)
			bad += sigval_check(key, &a, val, sizes[i], created,
			    created + 3600 * 1000) != SIGVAL_OK;
		tv = (bench_now() - t0) / (double)rounds;
		t0 = bench_now();
		for (r = 0; r < rounds; r++) {
			val[0] = (uint8_t)r;
			sigval_hash(NULL, val, sizes[i], h);
		}
		th = (bench_now() - t0) / (double)rounds;
		printf("%-10zu %8ld %12.1f %12.1f %12.2f\n", sizes[i], rounds,
		    ts * 1e6, tv * 1e6, th * 1e6);
	}
	return bad != 0;
}

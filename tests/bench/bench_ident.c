/*
 * bench_ident — what node identities cost (ident.h): key pairs tried per
 * second (Ed25519 key generation and the two Keccak-256 hashes), the time
 * to make an ID at a difficulty (median of runs), and the handshake per
 * new peer: the responder's signature and the asker's check of it.
 * Prints a table; asserts nothing about speed.
 * Usage: bench_ident [difficulty [runs]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "ident.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	unsigned d = argc > 1 ? (unsigned)atoi(argv[1]) : 10;
	int runs = argc > 2 ? atoi(argv[2]) : 20, i, n;
	struct keys_pair kp, peer;
	struct wire_pong pong;
	struct id id, asker;
	uint8_t nonce[IDENT_NONCE_LEN];
	double t0, t, rate, sign_us, check_us, *ts;
	long tries, total = 0;

	if (crypto_init() == -1 || runs < 1 || d > IDENT_MAX_DIFFICULTY ||
	    (ts = calloc((size_t)runs, sizeof(*ts))) == NULL)
		return 1;
	/* Key pairs tried per second: difficulty 0 takes the first. */
	t0 = now_s();
	for (n = 0; n < 2000; n++)
		(void)ident_generate(&kp, &id, 0, NULL, NULL);
	rate = n / (now_s() - t0);
	for (i = 0; i < runs; i++) {
		t = now_s();
		if ((tries = ident_generate(&kp, &id, d, NULL, NULL)) == -1)
			return 1;
		ts[i] = now_s() - t;
		total += tries;
	}
	qsort(ts, (size_t)runs, sizeof(*ts), cmp_double);
	/* The handshake: one signature by the peer, one check by us. */
	(void)ident_generate(&peer, &id, 0, NULL, NULL);
	crypto_random(asker.b, sizeof(asker.b));
	crypto_random(nonce, sizeof(nonce));
	t0 = now_s();
	for (n = 0; n < 2000; n++)
		ident_prove(&peer, &asker, nonce, sizeof(nonce), &pong);
	sign_us = (now_s() - t0) / n * 1e6;
	t0 = now_s();
	for (n = 0; n < 2000; n++)
		if (ident_check(&pong, &id, &asker, nonce, sizeof(nonce), 0) !=
		    IDENT_OK)
			return 1;
	check_us = (now_s() - t0) / n * 1e6;
	printf("node identities (Ed25519 key pairs, Keccak-256 IDs)\n");
	printf("%-34s %12.0f\n", "key pairs tried per second", rate);
	printf("%-34s %12u\n", "id_difficulty", d);
	printf("%-34s %12.1f (%d runs, %.0f tries each on average; "
	    "expected %.0f)\n", "ID generation, median ms", ts[runs / 2] * 1e3,
	    runs, (double)total / runs, (double)(1u << d));
	printf("%-34s %12.1f\n", "ID generation, slowest ms",
	    ts[runs - 1] * 1e3);
	printf("%-34s %12.1f\n", "handshake: sign (responder), us", sign_us);
	printf("%-34s %12.1f\n", "handshake: check (asker), us", check_us);
	printf("%-34s %12.0f s (N = 10,000), %.0f s (N = 1,000,000)\n",
	    "one of the 20 closest to a key", (double)(1u << d) * 10000 / 20 /
	    rate, (double)(1u << d) * 1000000 / 20 / rate);
	free(ts);
	return 0;
}

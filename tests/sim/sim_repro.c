/*
 * sim_repro — a run is a function of its seed: the same scenario (300
 * nodes joining, 5% loss, puts of small and 32 KiB values, gets, lookups,
 * then 10% of the nodes killed and more gets) twice with one seed must
 * give identical digests of every result and of the traffic, and a third
 * run with another seed a different one.  Usage: sim_repro [SEED].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "simnet.h"

#define SIM_NODES	300
#define SIM_OPS		60
#define SIM_LIMIT_MS	120000

struct run {
	struct keccak	 k;
	unsigned	 pending;
	unsigned	 ok, total;
};

static void
put_cb(void *arg, const struct op_put_result *r)
{
	struct run *u = arg;

	keccak256_update(&u->k, &r->err, sizeof(r->err));
	keccak256_update(&u->k, &r->acks, sizeof(r->acks));
	u->ok += r->err == DHT_OK;
	u->total++;
	u->pending--;
}

static void
get_cb(void *arg, const struct op_get_result *r)
{
	struct run *u = arg;
	size_t i;

	keccak256_update(&u->k, &r->err, sizeof(r->err));
	keccak256_update(&u->k, &r->responders, sizeof(r->responders));
	for (i = 0; i < r->values.n; i++) {
		keccak256_update(&u->k, r->values.v[i].data,
		    r->values.v[i].len);
		keccak256_update(&u->k, &r->values.v[i].created_ms,
		    sizeof(r->values.v[i].created_ms));
	}
	u->ok += r->err == DHT_OK;
	u->total++;
	u->pending--;
}

static void
find_cb(void *arg, enum dht_err err, const struct route_node *n, size_t cnt,
    int64_t now_ms)
{
	struct run *u = arg;
	size_t i;

	keccak256_update(&u->k, &err, sizeof(err));
	for (i = 0; i < cnt; i++)
		keccak256_update(&u->k, n[i].id.b, ID_LEN);
	u->ok += err == DHT_OK;
	u->total++;
	u->pending--;
}

static void
do_gets(struct simnet *sn, struct run *u)
{
	struct id key;
	size_t i;

	for (i = 0; i < SIM_OPS; i++) {
		simnet_key_id(&key, "repro", i);
		u->pending++;
		simnet_get(sn, simnet_random_live(sn), &key, 0, get_cb, u);
	}
	simnet_run_pending(sn, &u->pending, SIM_LIMIT_MS);
}

/* The whole scenario; returns -1 if it could not run. */
static int
scenario(uint64_t seed, uint8_t digest[KECCAK256_LEN], struct run *u)
{
	struct simnet_config cfg;
	struct simnet *sn;
	struct id key, target;
	uint8_t *buf;
	size_t i, len;

	simnet_config_init(&cfg, seed);
	cfg.loss = 0.05;
	cfg.dht.rpc_timeout_ms = 500;
	cfg.dht.rpc_retries = 2;
	memset(u, 0, sizeof(*u));
	keccak256_init(&u->k);
	if ((buf = malloc(EMO_MAX_VALUE)) == NULL)
		return -1;
	if ((sn = simnet_start(&cfg, SIM_NODES, 3, 10, 3000, NULL)) == NULL) {
		free(buf);
		return -1;
	}
	for (i = 0; i < SIM_OPS; i++) {
		simnet_key_id(&key, "repro", i);
		len = i % 6 == 0 ? EMO_MAX_VALUE :
		    1 + simnet_rand_below(sn, 1500);
		simnet_io_fill(sn, buf, len);
		u->pending++;
		simnet_put(sn, simnet_random_live(sn), &key, buf, len,
		    simnet_wall(sn), simnet_wall(sn) + 600000, put_cb, u);
	}
	simnet_run_pending(sn, &u->pending, SIM_LIMIT_MS);
	do_gets(sn, u);
	for (i = 0; i < SIM_OPS; i++) {
		simnet_io_fill(sn, target.b, ID_LEN);
		u->pending++;
		simnet_find_node(sn, simnet_random_live(sn), &target, find_cb,
		    u);
	}
	simnet_run_pending(sn, &u->pending, SIM_LIMIT_MS);
	for (i = 3; i < SIM_NODES; i += 10)
		simnet_kill(sn, i);
	do_gets(sn, u);
	simnet_digest_stats(sn, &u->k);
	i = (size_t)simnet_now(sn);
	keccak256_update(&u->k, &i, sizeof(i));
	keccak256_final(&u->k, digest);
	simnet_free(sn);
	free(buf);
	return 0;
}

static void
print_digest(const char *what, uint64_t seed, const uint8_t *d,
    const struct run *u)
{
	printf("sim_repro: %s seed %llu: %u/%u operations ok, digest ", what,
	    (unsigned long long)seed, u->ok, u->total);
	simnet_print_hex(d, 16);
	printf("\n");
}

int
main(int argc, char **argv)
{
	uint8_t d1[KECCAK256_LEN], d2[KECCAK256_LEN], d3[KECCAK256_LEN];
	struct run u1, u2, u3;
	uint64_t seed;
	unsigned pass = 0, fail = 0;

	seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 20240603;
	if (scenario(seed, d1, &u1) == -1 || scenario(seed, d2, &u2) == -1 ||
	    scenario(seed + 1, d3, &u3) == -1) {
		fprintf(stderr, "sim_repro: cannot run the scenario\n");
		return 1;
	}
	print_digest("first run, ", seed, d1, &u1);
	print_digest("second run,", seed, d2, &u2);
	print_digest("other seed,", seed + 1, d3, &u3);
	if (memcmp(d1, d2, sizeof(d1)) == 0 && u1.total == 4 * SIM_OPS)
		pass++;
	else {
		fail++;
		fprintf(stderr, "sim_repro: same seed, different results\n");
	}
	if (memcmp(d1, d3, sizeof(d1)) != 0)
		pass++;
	else {
		fail++;
		fprintf(stderr, "sim_repro: the seed changes nothing\n");
	}
	/* The network works at all: puts, gets and lookups mostly succeed. */
	if (u1.ok >= 4 * SIM_OPS - 2)
		pass++;
	else {
		fail++;
		fprintf(stderr, "sim_repro: only %u of %u operations ok\n",
		    u1.ok, u1.total);
	}
	printf("sim_repro: %u passed, %u failed\n", pass, fail);
	return fail == 0 ? 0 : 1;
}

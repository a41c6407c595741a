/*
 * sim_putget — 1000 nodes over a network that loses 5% of datagrams:
 * 300 keys put from random nodes (mostly small values, every tenth one
 * 32 KiB so fragments and NACKs are exercised, and every fifteenth key
 * holding three values put from three nodes), then each key read from a
 * node that did not put it: every get must return exactly the bytes put,
 * the union in creation order, with the original expiry; and 100 keys
 * never stored must come back not found.  Usage: sim_putget [SEED].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dht.h"
#include "simnet.h"

#define SIM_NODES	1000
#define SIM_BOOT	3
#define SIM_KEYS	300
#define SIM_MISSING	100
#define SIM_MULTI	3		/* values of a multi-value key */
#define SIM_PARALLEL	20		/* operations in flight */
#define SIM_LIMIT_MS	120000
#define SIM_TTL_MS	3600000

struct key {
	struct simnet_key v;
	size_t		 putter[SIM_MULTI];
};

struct tally {
	unsigned	pass, fail;
	unsigned	puts_ok, puts;
	unsigned	gets_ok, gets;
	unsigned	missing_ok, missing;
	uint64_t	acks;
	struct keccak	digest;
};

/* A node that put none of the key's values. */
static size_t
reader_for(struct simnet *sn, const struct key *k)
{
	size_t i, r;
	int again;

	do {
		r = simnet_random_live(sn);
		for (again = 0, i = 0; i < k->v.nvals; i++)
			again |= r == k->putter[i];
	} while (again);
	return r;
}

static int
make_keys(struct simnet *sn, struct key *keys)
{
	size_t i, j;
	uint32_t len;
	struct key *k;

	for (i = 0; i < SIM_KEYS; i++) {
		k = &keys[i];
		simnet_key_id(&k->v.id, "sim-putget", i);
		for (j = 0; j < (i % 15 == 1 ? SIM_MULTI : 1); j++) {
			len = i % 10 == 0 ? EMO_MAX_VALUE :
			    1 + (uint32_t)simnet_rand_below(sn, 2000);
			/* Distinct times, put in a shuffled order. */
			if (simnet_key_add(sn, &k->v, len, SIM_TTL_MS) == -1)
				return -1;
			k->putter[j] = simnet_random_live(sn);
		}
	}
	return 0;
}

/*
 * Starts one operation: the j-th put of key k (newest value first, the
 * order comes from the times), a get of k, or (k NULL) a get of the
 * idx-th key never stored.
 */
static void
start_op(struct simnet *sn, struct key *k, size_t j, int put, size_t idx,
    struct simnet_op *o, unsigned *pending, struct keccak *digest)
{
	struct id miss;
	size_t node, v = 0;

	if (put) {
		v = k->v.nvals - 1 - j;
		node = k->putter[v];
	} else if (k != NULL)
		node = reader_for(sn, k);
	else {
		simnet_key_id(&miss, "never-stored", idx);
		node = simnet_random_live(sn);
	}
	simnet_op_init(o, sn, pending, k != NULL ? &k->v : NULL, node);
	o->digest = digest;
	if (put)
		simnet_put(sn, node, &k->v.id, k->v.data[v], k->v.len[v],
		    k->v.created[v], k->v.expires[v], simnet_op_put_cb, o);
	else
		simnet_get(sn, node, k != NULL ? &k->v.id : &miss, 0,
		    simnet_op_get_cb, o);
}

static void
count_op(const struct simnet_op *o, int put, struct tally *t)
{
	if (put) {
		t->puts++;
		t->puts_ok += (unsigned)o->ok;
		t->acks += o->acks;
	} else if (o->key != NULL) {
		t->gets++;
		t->gets_ok += (unsigned)o->ok;
	} else {
		t->missing++;
		t->missing_ok += (unsigned)o->ok;
	}
	if (o->ok)
		t->pass++;
	else {
		t->fail++;
		fprintf(stderr, "sim_putget: %s failed: err %d, done %d\n",
		    put ? "put" : "get", (int)o->err, o->done);
	}
}

/* Runs n operations (keys NULL: gets of keys never stored), in batches. */
static void
run_ops(struct simnet *sn, struct key *keys, size_t n, int put,
    struct tally *t)
{
	struct simnet_op ops[SIM_PARALLEL * SIM_MULTI];
	unsigned pending;
	size_t done = 0, b, i, j, m;
	struct key *k;

	while (done < n) {
		b = n - done < SIM_PARALLEL ? n - done : SIM_PARALLEL;
		pending = 0;
		m = 0;
		for (i = 0; i < b; i++) {
			k = keys != NULL ? &keys[done + i] : NULL;
			for (j = 0; j < (put ? k->v.nvals : 1); j++, m++)
				start_op(sn, k, j, put, done + i, &ops[m],
				    &pending, &t->digest);
		}
		simnet_wait(sn, &pending, SIM_LIMIT_MS,
		    "sim_putget: operations");
		for (i = 0; i < m; i++)
			count_op(&ops[i], put, t);
		done += b;
	}
}

int
main(int argc, char **argv)
{
	struct simnet_config cfg;
	struct simnet_stats ss;
	struct simnet *sn;
	struct tally t;
	static struct key keys[SIM_KEYS];
	uint8_t dg[KECCAK256_LEN];
	uint64_t nacks, retries, timeouts;
	int64_t t0;
	clock_t c0;
	size_t i;

	simnet_config_init(&cfg, simnet_seed_arg(argc, argv, 20240602));
	cfg.loss = 0.05;
	cfg.dht.k = ROUTE_K;
	cfg.dht.alpha = 3;
	cfg.dht.rpc_timeout_ms = 1000;
	cfg.dht.rpc_retries = 2;
	printf("sim_putget: seed %llu, %d nodes, %.0f%% loss\n",
	    (unsigned long long)cfg.seed, SIM_NODES, cfg.loss * 100);
	c0 = clock();
	memset(&t, 0, sizeof(t));
	keccak256_init(&t.digest);
	if ((sn = simnet_start(&cfg, SIM_NODES, SIM_BOOT, 20, 5000,
	    "sim_putget")) == NULL)
		return 1;
	if (make_keys(sn, keys) == -1) {
		fprintf(stderr, "sim_putget: out of memory\n");
		simnet_free(sn);
		return 1;
	}
	printf("sim_putget: joined at %lld ms (virtual)\n",
	    (long long)simnet_now(sn));

	t0 = simnet_now(sn);
	run_ops(sn, keys, SIM_KEYS, 1, &t);
	printf("sim_putget: puts: %u/%u succeeded, %.1f acks each, %lld ms "
	    "(virtual)\n", t.puts_ok, t.puts, (double)t.acks / t.puts,
	    (long long)(simnet_now(sn) - t0));
	t0 = simnet_now(sn);
	run_ops(sn, keys, SIM_KEYS, 0, &t);
	run_ops(sn, NULL, SIM_MISSING, 0, &t);
	printf("sim_putget: gets: %u/%u exact, never-stored keys: %u/%u not "
	    "found, %lld ms (virtual)\n", t.gets_ok, t.gets, t.missing_ok,
	    t.missing, (long long)(simnet_now(sn) - t0));

	nacks = simnet_sum_stat(sn, offsetof(struct dht_stats,
	    frag_nacks_sent));
	retries = simnet_sum_stat(sn, offsetof(struct dht_stats,
	    rpc_retries));
	timeouts = simnet_sum_stat(sn, offsetof(struct dht_stats,
	    rpc_timeouts));
	simnet_get_stats(sn, &ss);
	simnet_digest_stats(sn, &t.digest);
	keccak256_final(&t.digest, dg);
	printf("sim_putget: %llu datagrams, %llu lost, %llu NACKs, %llu "
	    "resends, %llu timeouts, virtual %lld ms, cpu %.1f s, digest ",
	    (unsigned long long)ss.sent, (unsigned long long)ss.lost,
	    (unsigned long long)nacks, (unsigned long long)retries,
	    (unsigned long long)timeouts, (long long)simnet_now(sn),
	    (double)(clock() - c0) / CLOCKS_PER_SEC);
	simnet_print_hex(dg, 8);
	printf("\n");
	simnet_free(sn);
	for (i = 0; i < SIM_KEYS; i++)
		simnet_key_free(&keys[i].v);
	printf("sim_putget: %u passed, %u failed\n", t.pass, t.fail);
	return t.fail == 0 ? 0 : 1;
}

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
#include "keccak.h"
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
	struct id	 id;
	size_t		 nvals;
	uint8_t		*data[SIM_MULTI];
	uint32_t	 len[SIM_MULTI];
	int64_t		 created[SIM_MULTI];
	int64_t		 expires[SIM_MULTI];
	size_t		 putter[SIM_MULTI];
};

struct op {
	unsigned	*pending;
	struct key	*key;		/* NULL: a key never stored */
	int		 done;
	int		 ok;
	enum dht_err	 err;
	uint32_t	 acks;
	struct keccak	*digest;
};

struct tally {
	unsigned	pass, fail;
	unsigned	puts_ok, puts;
	unsigned	gets_ok, gets;
	unsigned	missing_ok, missing;
	uint64_t	acks;
	struct keccak	digest;
};

static void
put_cb(void *arg, const struct dht_put_result *r)
{
	struct op *o = arg;

	o->done = 1;
	o->err = r->err;
	o->acks = r->acks;
	o->ok = r->err == DHT_OK && r->remote_acks > 0;
	keccak256_update(o->digest, &r->acks, sizeof(r->acks));
	(*o->pending)--;
}

/* The union in creation order, byte for byte, expiry untouched. */
static int
values_match(const struct key *k, const struct store_result *v)
{
	size_t i;

	if (v->n != k->nvals)
		return 0;
	for (i = 0; i < v->n; i++)
		if (v->v[i].len != k->len[i] ||
		    memcmp(v->v[i].data, k->data[i], k->len[i]) != 0 ||
		    v->v[i].created_ms != k->created[i] ||
		    v->v[i].expires_ms != k->expires[i])
			return 0;
	return 1;
}

static void
get_cb(void *arg, const struct dht_get_result *r)
{
	struct op *o = arg;
	size_t i;

	o->done = 1;
	o->err = r->err;
	if (o->key == NULL)
		o->ok = r->err == DHT_ERR_NOT_FOUND;
	else
		o->ok = r->err == DHT_OK && values_match(o->key, &r->values);
	keccak256_update(o->digest, &r->err, sizeof(r->err));
	for (i = 0; i < r->values.n; i++)
		keccak256_update(o->digest, r->values.v[i].data,
		    r->values.v[i].len);
	(*o->pending)--;
}

static size_t
random_node(struct simnet *sn)
{
	return simnet_rand_below(sn, simnet_count(sn));
}

/* A node that put none of the key's values. */
static size_t
reader_for(struct simnet *sn, const struct key *k)
{
	size_t i, r;
	int again;

	do {
		r = random_node(sn);
		for (again = 0, i = 0; i < k->nvals; i++)
			again |= r == k->putter[i];
	} while (again);
	return r;
}

static int
make_keys(struct simnet *sn, struct key *keys)
{
	char name[32];
	size_t i, j;
	struct key *k;

	for (i = 0; i < SIM_KEYS; i++) {
		k = &keys[i];
		snprintf(name, sizeof(name), "sim-putget-%zu", i);
		id_from_name(&k->id, name, strlen(name));
		k->nvals = i % 15 == 1 ? SIM_MULTI : 1;
		for (j = 0; j < k->nvals; j++) {
			k->len[j] = i % 10 == 0 ? EMO_MAX_VALUE :
			    1 + (uint32_t)simnet_rand_below(sn, 2000);
			if ((k->data[j] = malloc(k->len[j])) == NULL)
				return -1;
			simnet_io_fill(sn, k->data[j], k->len[j]);
			/* Distinct times, put in a shuffled order. */
			k->created[j] = simnet_wall(sn) - 1000 + (int64_t)j;
			k->expires[j] = simnet_wall(sn) + SIM_TTL_MS +
			    (int64_t)j;
			k->putter[j] = random_node(sn);
		}
	}
	return 0;
}

/*
 * Starts one operation: the j-th put of key k (newest value first, the
 * order comes from the times), a get of k, or (k NULL) a get of the
 * idx-th key never stored.  Returns the node it runs on.
 */
static size_t
start_op(struct simnet *sn, struct key *k, size_t j, int put, size_t idx,
    struct op *o)
{
	struct id miss;
	char name[32];
	size_t node, v;

	if (put) {
		v = k->nvals - 1 - j;
		node = k->putter[v];
		dht_put(simnet_dht(sn, node), &k->id, k->data[v], k->len[v],
		    k->created[v], k->expires[v], simnet_now(sn),
		    simnet_wall(sn), put_cb, o);
	} else if (k != NULL) {
		node = reader_for(sn, k);
		dht_get(simnet_dht(sn, node), &k->id, 0, simnet_now(sn),
		    simnet_wall(sn), get_cb, o);
	} else {
		snprintf(name, sizeof(name), "never-stored-%zu", idx);
		id_from_name(&miss, name, strlen(name));
		node = random_node(sn);
		dht_get(simnet_dht(sn, node), &miss, 0, simnet_now(sn),
		    simnet_wall(sn), get_cb, o);
	}
	return node;
}

static void
count_op(const struct op *o, int put, struct tally *t)
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
	struct op ops[SIM_PARALLEL * SIM_MULTI];
	unsigned pending;
	size_t done = 0, b, i, j, m;
	struct key *k;

	while (done < n) {
		b = n - done < SIM_PARALLEL ? n - done : SIM_PARALLEL;
		pending = 0;
		m = 0;
		for (i = 0; i < b; i++) {
			k = keys != NULL ? &keys[done + i] : NULL;
			for (j = 0; j < (put ? k->nvals : 1); j++, m++) {
				memset(&ops[m], 0, sizeof(ops[m]));
				ops[m].pending = &pending;
				ops[m].key = k;
				ops[m].digest = &t->digest;
				pending++;
				simnet_touch(sn, start_op(sn, k, j, put,
				    done + i, &ops[m]));
			}
		}
		if (simnet_run_pending(sn, &pending, SIM_LIMIT_MS) == -1)
			fprintf(stderr, "sim_putget: operations did not end\n");
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
	size_t i, j;

	memset(&cfg, 0, sizeof(cfg));
	cfg.seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 20240602;
	cfg.loss = 0.05;
	cfg.lat_min_ms = 1;
	cfg.lat_max_ms = 20;
	cfg.dht.k = DHT_K;
	cfg.dht.alpha = 3;
	cfg.dht.rpc_timeout_ms = 1000;
	cfg.dht.rpc_retries = 2;
	printf("sim_putget: seed %llu, %d nodes, %.0f%% loss\n",
	    (unsigned long long)cfg.seed, SIM_NODES, cfg.loss * 100);
	c0 = clock();
	memset(&t, 0, sizeof(t));
	keccak256_init(&t.digest);
	if ((sn = simnet_new(&cfg)) == NULL ||
	    simnet_build(sn, SIM_NODES, SIM_BOOT, 20, 5000) == -1 ||
	    make_keys(sn, keys) == -1) {
		fprintf(stderr, "sim_putget: cannot build the network\n");
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
	keccak256_update(&t.digest, &ss, sizeof(ss));
	keccak256_final(&t.digest, dg);
	printf("sim_putget: %llu datagrams, %llu lost, %llu NACKs, %llu "
	    "resends, %llu timeouts, virtual %lld ms, cpu %.1f s, digest ",
	    (unsigned long long)ss.sent, (unsigned long long)ss.lost,
	    (unsigned long long)nacks, (unsigned long long)retries,
	    (unsigned long long)timeouts, (long long)simnet_now(sn),
	    (double)(clock() - c0) / CLOCKS_PER_SEC);
	for (i = 0; i < 8; i++)
		printf("%02x", dg[i]);
	printf("\n");
	simnet_free(sn);
	for (i = 0; i < SIM_KEYS; i++)
		for (j = 0; j < keys[i].nvals; j++)
			free(keys[i].data[j]);
	printf("sim_putget: %u passed, %u failed\n", t.pass, t.fail);
	return t.fail == 0 ? 0 : 1;
}

/*
 * sim_lookup — 1000 nodes join through three bootstrap nodes; then 200
 * FIND_NODE lookups of random targets from random nodes must each return
 * exactly the true k closest live nodes (brute force over every node,
 * the asking node excluded: it never lists itself).  A second round runs
 * after 10% of the nodes died, with 2% loss: there each lookup must return
 * live nodes only, at least 15 of its true 20, and 99% of the true closest
 * over all lookups (undetected dead entries can push a live node out of
 * every 20-node answer: the asker never hears of it).
 * Usage: sim_lookup [SEED].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dht.h"
#include "simnet.h"

#define SIM_NODES	1000
#define SIM_BOOT	3
#define SIM_LOOKUPS	200
#define SIM_PARALLEL	10
#define SIM_LIMIT_MS	120000
#define SIM_CHURN_MIN	15	/* of the true 20 closest, with churn */
#define SIM_CHURN_AVG	0.99	/* of all true closest, with churn */

struct find {
	unsigned		*pending;
	int			 done;
	enum dht_err		 err;
	struct route_node	 nodes[ROUTE_K];
	size_t			 n;
	size_t			 asker;
	struct id		 target;
};

struct tally {
	unsigned	pass, fail;
	unsigned	exact;
	unsigned	found;		/* true k closest present, summed */
	struct keccak	digest;
};

static void
find_cb(void *arg, enum dht_err err, const struct route_node *nodes, size_t n,
    int64_t now_ms)
{
	struct find *f = arg;

	f->done = 1;
	f->err = err;
	f->n = n < ROUTE_K ? n : ROUTE_K;
	if (f->n > 0)
		memcpy(f->nodes, nodes, f->n * sizeof(nodes[0]));
	(*f->pending)--;
}

/*
 * Exact: the true k closest in order.  With churn (min_hit < k): every
 * node returned alive and at least min_hit of the true k closest found.
 */
static void
check_find(const struct simnet *sn, const struct find *f, size_t min_hit,
    struct tally *t)
{
	size_t want[ROUTE_K], n, i, j, hit = 0;
	int exact, ok;
	long idx;

	n = simnet_closest(sn, &f->target, f->asker, want, ROUTE_K);
	exact = f->done && f->err == DHT_OK && f->n == n;
	for (i = 0; i < n; i++) {
		for (j = 0; j < f->n; j++)
			if (id_eq(&f->nodes[j].id, simnet_id(sn, want[i])))
				break;
		if (j < f->n)
			hit++;
		if (i >= f->n ||
		    !id_eq(&f->nodes[i].id, simnet_id(sn, want[i])))
			exact = 0;
	}
	ok = exact;
	if (min_hit < n) {
		ok = f->done && f->err == DHT_OK && hit >= min_hit;
		for (i = 0; i < f->n && ok; i++) {
			idx = simnet_find_id(sn, &f->nodes[i].id);
			ok = idx != SIMNET_NOWHERE && simnet_alive(sn,
			    (size_t)idx);
		}
	}
	t->found += (unsigned)hit;
	t->exact += (unsigned)exact;
	keccak256_update(&t->digest, &hit, sizeof(hit));
	for (i = 0; i < f->n; i++)
		keccak256_update(&t->digest, f->nodes[i].id.b, ID_LEN);
	if (ok)
		t->pass++;
	else {
		t->fail++;
		fprintf(stderr, "sim_lookup: lookup from node %zu: %zu of %zu "
		    "true closest, %zu returned, err %d\n", f->asker, hit, n,
		    f->n, (int)f->err);
	}
}

static int
run_lookups(struct simnet *sn, unsigned count, size_t min_hit,
    struct tally *t)
{
	struct find f[SIM_PARALLEL];
	unsigned pending, started = 0, i, batch;

	while (started < count) {
		batch = count - started < SIM_PARALLEL ? count - started :
		    SIM_PARALLEL;
		pending = 0;
		for (i = 0; i < batch; i++) {
			memset(&f[i], 0, sizeof(f[i]));
			f[i].pending = &pending;
			f[i].asker = simnet_random_live(sn);
			simnet_io_fill(sn, f[i].target.b, ID_LEN);
			pending++;
			if (simnet_find_node(sn, f[i].asker, &f[i].target,
			    find_cb, &f[i]) == -1)
				return -1;
		}
		simnet_wait(sn, &pending, SIM_LIMIT_MS, "sim_lookup: lookups");
		for (i = 0; i < batch; i++)
			check_find(sn, &f[i], min_hit, t);
		started += batch;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct simnet_config cfg;
	struct simnet_stats ss;
	struct simnet *sn;
	struct tally t;
	uint8_t dg[KECCAK256_LEN];
	size_t i, minpeers = SIZE_MAX, peers;
	uint64_t q0, q1;
	unsigned round1;
	clock_t c0;
	int killed = 0;

	simnet_config_init(&cfg, simnet_seed_arg(argc, argv, 20240601));
	cfg.dht.k = ROUTE_K;
	cfg.dht.alpha = 3;
	cfg.dht.rpc_timeout_ms = 1000;
	cfg.dht.rpc_retries = 1;
	printf("sim_lookup: seed %llu, %d nodes\n",
	    (unsigned long long)cfg.seed, SIM_NODES);
	c0 = clock();
	memset(&t, 0, sizeof(t));
	keccak256_init(&t.digest);
	if ((sn = simnet_start(&cfg, SIM_NODES, SIM_BOOT, 20, 5000,
	    "sim_lookup")) == NULL)
		return 1;
	for (i = 0; i < SIM_NODES; i++) {
		peers = dht_peer_count(simnet_dht(sn, i));
		if (peers < minpeers)
			minpeers = peers;
	}
	printf("sim_lookup: joined at %lld ms (virtual), smallest table %zu "
	    "peers\n", (long long)simnet_now(sn), minpeers);
	if (minpeers >= ROUTE_K)
		t.pass++;
	else
		t.fail++;

	q0 = simnet_sum_stat(sn, offsetof(struct dht_stats, lookup_queries));
	if (run_lookups(sn, SIM_LOOKUPS, ROUTE_K, &t) == -1)
		t.fail++;
	q1 = simnet_sum_stat(sn, offsetof(struct dht_stats, lookup_queries));
	round1 = t.exact;
	printf("sim_lookup: all alive: %u/%d lookups exact, %.1f queries "
	    "each\n", round1, SIM_LOOKUPS, (double)(q1 - q0) / SIM_LOOKUPS);

	/* 10% of the nodes die, 2% loss: lookups route around them. */
	for (i = SIM_BOOT; i < SIM_NODES; i += 10) {
		simnet_kill(sn, i);
		killed++;
	}
	simnet_set_loss(sn, 0.02);
	t.found = 0;
	if (run_lookups(sn, SIM_LOOKUPS, SIM_CHURN_MIN, &t) == -1)
		t.fail++;
	printf("sim_lookup: %d dead, 2%% loss: %u/%d lookups exact, %.2f%% of "
	    "the true closest found\n", killed, t.exact - round1, SIM_LOOKUPS,
	    100.0 * t.found / (SIM_LOOKUPS * ROUTE_K));
	if (t.found >= SIM_CHURN_AVG * SIM_LOOKUPS * ROUTE_K)
		t.pass++;
	else
		t.fail++;

	simnet_get_stats(sn, &ss);
	simnet_digest_stats(sn, &t.digest);
	keccak256_final(&t.digest, dg);
	printf("sim_lookup: %llu datagrams, %llu lost, virtual %lld ms, "
	    "cpu %.1f s, digest ", (unsigned long long)ss.sent,
	    (unsigned long long)ss.lost, (long long)simnet_now(sn),
	    (double)(clock() - c0) / CLOCKS_PER_SEC);
	simnet_print_hex(dg, 8);
	printf("\n");
	simnet_free(sn);
	printf("sim_lookup: %u passed, %u failed\n", t.pass, t.fail);
	return t.fail == 0 ? 0 : 1;
}

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
#define SIM_CHURN_MIN	15	/* of the true 20 closest, with churn */
#define SIM_CHURN_AVG	0.99	/* of all true closest, with churn */

struct tally {
	unsigned	pass, fail;
	unsigned	exact;
	unsigned	found;		/* true k closest present, summed */
	struct keccak	digest;
};

/* What run_lookups hands each finished lookup to. */
struct check {
	size_t		 min_hit;
	struct tally	*t;
};

static void
check_find(void *arg, const struct simnet *sn, const struct simnet_find *f)
{
	const struct check *c = arg;
	struct tally *t = c->t;
	struct simnet_score sc;
	size_t i;
	int ok;
	long idx;

	simnet_find_score(sn, f, &sc);
	ok = sc.exact;
	if (c->min_hit < sc.want) {
		ok = f->done && f->err == DHT_OK && sc.hit >= c->min_hit;
		for (i = 0; i < f->n && ok; i++) {
			idx = simnet_find_id(sn, &f->nodes[i].id);
			ok = idx != SIMNET_NOWHERE && simnet_alive(sn,
			    (size_t)idx);
		}
	}
	t->found += (unsigned)sc.hit;
	t->exact += (unsigned)sc.exact;
	keccak256_update(&t->digest, &sc.hit, sizeof(sc.hit));
	for (i = 0; i < f->n; i++)
		keccak256_update(&t->digest, f->nodes[i].id.b, ID_LEN);
	if (ok)
		t->pass++;
	else {
		t->fail++;
		fprintf(stderr, "sim_lookup: lookup from node %zu: %zu of %zu "
		    "true closest, %zu returned, err %d\n", f->asker, sc.hit,
		    sc.want, f->n, (int)f->err);
	}
}

/*
 * Exact: the true k closest in order.  With churn (min_hit < k): every
 * node returned alive and at least min_hit of the true k closest found.
 */
static int
run_lookups(struct simnet *sn, unsigned count, size_t min_hit,
    struct tally *t)
{
	struct check c = { min_hit, t };

	return simnet_lookups(sn, count, "sim_lookup: lookups", check_find, &c);
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

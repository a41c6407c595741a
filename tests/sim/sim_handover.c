/*
 * sim_handover — a node joining a network that already holds keys must
 * receive, in background batches, the keys it is now among the k closest
 * for: 300 nodes, 1000 keys, 2% loss; then a newcomer joins and, after a
 * minute, must hold every key for which it is among the true k closest
 * live nodes.  Then the first node dies and every key must still be found
 * from the newcomer.  Usage: sim_handover [SEED].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dht.h"
#include "simnet.h"

#define SIM_NODES	300
#define SIM_KEYS	1000
#define SIM_PARALLEL	50
#define SIM_LIMIT_MS	120000

struct ctx {
	unsigned	pending;
	unsigned	ok;
};

static void
put_cb(void *arg, const struct op_put_result *r)
{
	struct ctx *c = arg;

	c->ok += r->err == DHT_OK;
	c->pending--;
}

static void
get_cb(void *arg, const struct op_get_result *r)
{
	struct ctx *c = arg;

	c->ok += r->err == DHT_OK && r->values.n == 1;
	c->pending--;
}

/* Is node `who` among the k live nodes closest to key? */
static int
among_closest(const struct simnet *sn, size_t who, const struct id *key)
{
	size_t out[ROUTE_K], i, n;

	n = simnet_closest(sn, key, SIZE_MAX, out, ROUTE_K);
	for (i = 0; i < n; i++)
		if (out[i] == who)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct simnet_config cfg;
	struct store_result res;
	struct simnet *sn;
	struct ctx c;
	struct id key;
	size_t i, node, newcomer, due = 0, held = 0;
	unsigned pass = 0, fail = 0;
	uint64_t handed;
	long idx;
	clock_t c0;

	simnet_config_init(&cfg, simnet_seed_arg(argc, argv, 20240604));
	cfg.loss = 0.02;
	cfg.dht.rpc_timeout_ms = 1000;
	cfg.dht.rpc_retries = 2;
	printf("sim_handover: seed %llu, %d nodes, %d keys\n",
	    (unsigned long long)cfg.seed, SIM_NODES, SIM_KEYS);
	c0 = clock();
	if ((sn = simnet_start(&cfg, SIM_NODES, 3, 10, 3000,
	    "sim_handover")) == NULL)
		return 1;
	memset(&c, 0, sizeof(c));
	for (i = 0; i < SIM_KEYS; i++) {
		simnet_key_id(&key, "handover", i);
		c.pending++;
		simnet_put(sn, simnet_random_live(sn), &key, &i, sizeof(i),
		    simnet_wall(sn), simnet_wall(sn) + 3600000, put_cb, &c);
		if (c.pending >= SIM_PARALLEL || i + 1 == SIM_KEYS)
			simnet_run_pending(sn, &c.pending, SIM_LIMIT_MS);
	}
	printf("sim_handover: %u/%d puts succeeded\n", c.ok, SIM_KEYS);
	if (c.ok == SIM_KEYS)
		pass++;
	else
		fail++;

	/* The newcomer joins through node 1 and waits a minute. */
	if ((idx = simnet_add(sn)) < 0)
		return 1;
	newcomer = (size_t)idx;
	node = 1;
	simnet_bootstrap(sn, newcomer, &node, 1);
	simnet_run_until(sn, simnet_now(sn) + 60000);
	for (i = 0; i < SIM_KEYS; i++) {
		simnet_key_id(&key, "handover", i);
		if (!among_closest(sn, newcomer, &key))
			continue;
		due++;
		memset(&res, 0, sizeof(res));
		if (store_get(simnet_store(sn, newcomer), key.b, 0,
		    simnet_wall(sn), &res, NULL) == 0 && res.n == 1)
			held++;
		store_result_free(&res);
	}
	handed = simnet_sum_stat(sn, offsetof(struct dht_stats,
	    values_handed_over));
	printf("sim_handover: the newcomer holds %zu of the %zu keys it is "
	    "among the %d closest for (%llu values handed over in all)\n",
	    held, due, ROUTE_K, (unsigned long long)handed);
	if (due > 0 && held == due)
		pass++;
	else
		fail++;

	/* The first node leaves: every key is still found. */
	simnet_kill(sn, 0);
	memset(&c, 0, sizeof(c));
	for (i = 0; i < SIM_KEYS; i++) {
		simnet_key_id(&key, "handover", i);
		c.pending++;
		dht_get(simnet_dht(sn, newcomer), &key, 0, simnet_now(sn),
		    simnet_wall(sn), get_cb, &c);
		if (c.pending >= SIM_PARALLEL || i + 1 == SIM_KEYS) {
			simnet_touch(sn, newcomer);
			simnet_run_pending(sn, &c.pending, SIM_LIMIT_MS);
		}
	}
	printf("sim_handover: after node 0 left, %u/%d keys found from the "
	    "newcomer; cpu %.1f s\n", c.ok, SIM_KEYS,
	    (double)(clock() - c0) / CLOCKS_PER_SEC);
	if (c.ok == SIM_KEYS)
		pass++;
	else
		fail++;
	simnet_free(sn);
	printf("sim_handover: %u passed, %u failed\n", pass, fail);
	return fail == 0 ? 0 : 1;
}

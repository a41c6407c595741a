/*
 * sim_churn — values outlive nodes: 2000 nodes on a network that loses 5%
 * of datagrams, republishing every simulated minute.  300 keys are put
 * (one value each, every twentieth key two values from two nodes, every
 * twenty-fifth value 32 KiB) with a day to live; then, over 20 rounds, 30%
 * of the node count is killed without warning and replaced by new nodes
 * with new IDs, each joining through two random live nodes, while random
 * live nodes read random keys.  At the end every key is read from a
 * random live node (again, from others, if that fails).  Passes when at
 * least 99.9% of all gets returned exactly the bytes, times and expiry
 * put, and every key whose put was acknowledged was found by some get.
 * Usage: sim_churn [SEED].  Under sanitizers EMO_SIM_CHURN_NODES may
 * lower the node count (the count used is always printed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dht.h"
#include "simnet.h"

#define SIM_NODES	2000
#define SIM_MIN_NODES	200	/* the least EMO_SIM_CHURN_NODES may ask */
#define SIM_BOOT	3
#define SIM_KEYS	300
#define SIM_MULTI	2		/* values of a two-value key */
#define SIM_ROUNDS	20
#define SIM_CHURN_PCT	30		/* of the node count, over the run */
#define SIM_ROUND_MS	20000
#define SIM_GETS	50		/* per round */
#define SIM_TRIES	3		/* final reads of a key at most */
#define SIM_PARALLEL	25
#define SIM_LIMIT_MS	120000
#define SIM_REPUBLISH_MS 60000
#define SIM_TTL_MS	(24 * 3600000LL)
#define SIM_MIN_RATE	0.999

#if defined(__SANITIZE_ADDRESS__)
#define SIM_SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_SANITIZED	1
#endif
#endif

struct key {
	struct simnet_key v;
	int		 acked;		/* every put of it acknowledged */
	int		 found;		/* some get returned it exactly */
};

#define SIM_MAX_GETS	(SIM_ROUNDS * SIM_GETS + SIM_TRIES * SIM_KEYS)

struct tally {
	unsigned	puts, puts_ok;
	unsigned	gets, gets_ok;
	unsigned	lost;
	size_t		killed, added;
	int64_t		get_ms[SIM_MAX_GETS];
};

static int
make_keys(struct simnet *sn, struct key *keys)
{
	size_t i, j, v = 0;
	uint32_t len;
	struct key *k;

	for (i = 0; i < SIM_KEYS; i++) {
		k = &keys[i];
		simnet_key_id(&k->v.id, "sim-churn", i);
		for (j = 0; j < (i % 20 == 7 ? SIM_MULTI : 1); j++, v++) {
			len = v % 25 == 3 ? EMO_MAX_VALUE :
			    1 + (uint32_t)simnet_rand_below(sn, 1000);
			if (simnet_key_add(sn, &k->v, len, SIM_TTL_MS) == -1)
				return -1;
		}
	}
	return 0;
}

static void
put_all(struct simnet *sn, struct key *keys, struct tally *t)
{
	struct simnet_op ops[SIM_PARALLEL * SIM_MULTI];
	unsigned pending;
	size_t done = 0, b, i, j, m, node;
	struct key *k;

	while (done < SIM_KEYS) {
		b = SIM_KEYS - done < SIM_PARALLEL ? SIM_KEYS - done :
		    SIM_PARALLEL;
		pending = 0;
		for (m = 0, i = 0; i < b; i++) {
			k = &keys[done + i];
			for (j = 0; j < k->v.nvals; j++, m++) {
				node = simnet_random_live(sn);
				simnet_op_init(&ops[m], sn, &pending, &k->v,
				    node);
				ops[m].user = k;
				simnet_put(sn, node, &k->v.id, k->v.data[j],
				    k->v.len[j], k->v.created[j],
				    k->v.expires[j], simnet_op_put_cb, &ops[m]);
			}
		}
		simnet_wait(sn, &pending, SIM_LIMIT_MS, "sim_churn: puts");
		for (i = 0; i < b; i++)
			keys[done + i].acked = 1;
		for (i = 0; i < m; i++) {
			t->puts++;
			t->puts_ok += ops[i].ok;
			if (!ops[i].ok) {
				k = ops[i].user;
				k->acked = 0;
				fprintf(stderr, "sim_churn: put failed: "
				    "err %d\n", (int)ops[i].err);
			}
		}
		done += b;
	}
}

/* Gets of keys[idx[0..n)], SIM_PARALLEL at a time, from random nodes. */
static void
get_keys(struct simnet *sn, struct key *keys, const size_t *idx, size_t n,
    int *ok, struct tally *t)
{
	struct simnet_op ops[SIM_PARALLEL];
	unsigned pending;
	size_t done = 0, b, i, node;
	struct key *k;

	while (done < n) {
		b = n - done < SIM_PARALLEL ? n - done : SIM_PARALLEL;
		pending = 0;
		for (i = 0; i < b; i++) {
			k = &keys[idx[done + i]];
			node = simnet_random_live(sn);
			simnet_op_init(&ops[i], sn, &pending, &k->v, node);
			ops[i].user = k;
			simnet_get(sn, node, &k->v.id, 0, simnet_op_get_cb,
			    &ops[i]);
		}
		simnet_wait(sn, &pending, SIM_LIMIT_MS, "sim_churn: gets");
		for (i = 0; i < b; i++) {
			if (t->gets < SIM_MAX_GETS)
				t->get_ms[t->gets] = ops[i].ms;
			t->gets++;
			t->gets_ok += ops[i].ok;
			ok[done + i] = ops[i].ok;
			if (ops[i].ok) {
				k = ops[i].user;
				k->found = 1;
			} else
				fprintf(stderr, "sim_churn: get of key %zu "
				    "from node %zu (%zu peers) failed: err %d, "
				    "%u responders, %lld ms\n", idx[done + i],
				    ops[i].node, dht_peer_count(simnet_dht(sn,
				    ops[i].node)), (int)ops[i].err,
				    ops[i].responders, (long long)ops[i].ms);
		}
		done += b;
	}
}

/* Kills n random live nodes and starts n new ones. */
static void
churn(struct simnet *sn, size_t n, struct tally *t)
{
	size_t i, via[2];
	long idx;

	for (i = 0; i < n; i++) {
		simnet_kill(sn, simnet_random_live(sn));
		t->killed++;
	}
	for (i = 0; i < n; i++) {
		via[0] = simnet_random_live(sn);
		via[1] = simnet_random_live(sn);
		if ((idx = simnet_add(sn)) < 0)
			return;
		simnet_bootstrap(sn, (size_t)idx, via, 2);
		t->added++;
	}
}

static size_t
node_count(void)
{
#ifdef SIM_SANITIZED
	const char *e = getenv("EMO_SIM_CHURN_NODES");
	unsigned long v;

	if (e != NULL && (v = strtoul(e, NULL, 10)) >= SIM_MIN_NODES &&
	    v <= SIM_NODES)
		return v;
#endif
	return SIM_NODES;
}

static int
ms_cmp(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static void
report_latency(struct tally *t)
{
	size_t n = t->gets < SIM_MAX_GETS ? t->gets : SIM_MAX_GETS;

	if (n == 0)
		return;
	qsort(t->get_ms, n, sizeof(t->get_ms[0]), ms_cmp);
	printf("sim_churn: get latency (virtual): p50 %lld ms, p90 %lld ms, "
	    "p99 %lld ms, max %lld ms\n", (long long)t->get_ms[n / 2],
	    (long long)t->get_ms[n * 9 / 10],
	    (long long)t->get_ms[n * 99 / 100], (long long)t->get_ms[n - 1]);
}

static void
report_stats(struct simnet *sn)
{
	struct simnet_stats ss;

	simnet_get_stats(sn, &ss);
	printf("sim_churn: %llu datagrams (%llu lost, %llu to dead nodes); "
	    "live nodes republished %llu values in %llu passes, suppressed "
	    "%llu, skipped %llu keys with known holders; %llu values handed "
	    "over\n", (unsigned long long)ss.sent,
	    (unsigned long long)ss.lost, (unsigned long long)ss.undeliverable,
	    (unsigned long long)simnet_sum_stat(sn,
	    offsetof(struct dht_stats, republish_values)),
	    (unsigned long long)simnet_sum_stat(sn,
	    offsetof(struct dht_stats, republish_passes)),
	    (unsigned long long)simnet_sum_stat(sn,
	    offsetof(struct dht_stats, republish_suppressed)),
	    (unsigned long long)simnet_sum_stat(sn,
	    offsetof(struct dht_stats, republish_known_keys)),
	    (unsigned long long)simnet_sum_stat(sn,
	    offsetof(struct dht_stats, values_handed_over)));
}

int
main(int argc, char **argv)
{
	static struct key keys[SIM_KEYS];
	static size_t idx[SIM_KEYS];
	static int ok[SIM_KEYS];
	static struct tally t;
	struct simnet_config cfg;
	struct simnet *sn;
	size_t nodes, per_round, i, r, n, rep, rmin = SIZE_MAX, rsum = 0;
	unsigned pass = 0, fail = 0;
	double rate;
	clock_t c0;

	simnet_config_init(&cfg, simnet_seed_arg(argc, argv, 20240605));
	cfg.loss = 0.05;
	cfg.dht.rpc_timeout_ms = 1000;
	cfg.dht.rpc_retries = 2;
	cfg.dht.republish_interval_ms = SIM_REPUBLISH_MS;
	nodes = node_count();
	per_round = nodes * SIM_CHURN_PCT / 100 / SIM_ROUNDS;
	printf("sim_churn: seed %llu, %zu nodes%s, %d keys, %.0f%% loss, %zu "
	    "nodes replaced in each of %d rounds, republish every %d s\n",
	    (unsigned long long)cfg.seed, nodes, nodes < SIM_NODES ?
	    " (EMO_SIM_CHURN_NODES, under sanitizers)" : "", SIM_KEYS,
	    cfg.loss * 100, per_round, SIM_ROUNDS, SIM_REPUBLISH_MS / 1000);
	c0 = clock();
	memset(&t, 0, sizeof(t));
	if ((sn = simnet_start(&cfg, nodes, SIM_BOOT, 10, 5000,
	    "sim_churn")) == NULL)
		return 1;
	if (make_keys(sn, keys) == -1) {
		fprintf(stderr, "sim_churn: out of memory\n");
		simnet_free(sn);
		return 1;
	}
	printf("sim_churn: joined at %lld ms (virtual), cpu %.1f s\n",
	    (long long)simnet_now(sn), (double)(clock() - c0) / CLOCKS_PER_SEC);
	put_all(sn, keys, &t);
	printf("sim_churn: puts: %u/%u acknowledged\n", t.puts_ok, t.puts);

	for (r = 0; r < SIM_ROUNDS; r++) {
		churn(sn, per_round, &t);
		simnet_run_until(sn, simnet_now(sn) + SIM_ROUND_MS / 2);
		for (i = 0; i < SIM_GETS; i++)
			idx[i] = simnet_rand_below(sn, SIM_KEYS);
		get_keys(sn, keys, idx, SIM_GETS, ok, &t);
		simnet_run_until(sn, simnet_now(sn) + SIM_ROUND_MS / 2);
	}
	printf("sim_churn: %zu nodes killed and %zu started; during churn "
	    "%u/%u gets exact, %lld ms (virtual), cpu %.1f s\n", t.killed,
	    t.added, t.gets_ok, t.gets, (long long)simnet_now(sn),
	    (double)(clock() - c0) / CLOCKS_PER_SEC);

	/* Every key once; the ones that failed again, from other nodes. */
	for (i = 0; i < SIM_KEYS; i++)
		idx[i] = i;
	n = SIM_KEYS;
	for (r = 0; r < SIM_TRIES && n > 0; r++) {
		get_keys(sn, keys, idx, n, ok, &t);
		for (rep = 0, i = 0; i < n; i++)
			if (!ok[i])
				idx[rep++] = idx[i];
		n = rep;
	}
	for (i = 0; i < SIM_KEYS; i++) {
		if (keys[i].acked && !keys[i].found) {
			t.lost++;
			fprintf(stderr, "sim_churn: key %zu lost\n", i);
		}
		rep = simnet_key_replicas(sn, &keys[i].v);
		rsum += rep;
		if (rep < rmin)
			rmin = rep;
	}
	rate = t.gets > 0 ? (double)t.gets_ok / t.gets : 0;
	printf("sim_churn: gets: %u/%u exact (%.3f%%); acknowledged keys "
	    "lost: %u; live replicas per key: min %zu, mean %.1f\n",
	    t.gets_ok, t.gets, rate * 100, t.lost, rmin,
	    (double)rsum / SIM_KEYS);
	report_latency(&t);
	report_stats(sn);
	printf("sim_churn: virtual %lld ms, cpu %.1f s\n",
	    (long long)simnet_now(sn), (double)(clock() - c0) / CLOCKS_PER_SEC);

	if (t.puts_ok == t.puts)
		pass++;
	else
		fail++;
	if (rate >= SIM_MIN_RATE)
		pass++;
	else {
		fail++;
		fprintf(stderr, "sim_churn: success rate below %.1f%%\n",
		    SIM_MIN_RATE * 100);
	}
	if (t.lost == 0)
		pass++;
	else
		fail++;
	simnet_free(sn);
	for (i = 0; i < SIM_KEYS; i++)
		simnet_key_free(&keys[i].v);
	printf("sim_churn: %u passed, %u failed\n", pass, fail);
	return fail == 0 ? 0 : 1;
}

/*
 * sim_scale — one network of N nodes of the real engine, for numbers at
 * scale (issue 13).  N nodes join through a few bootstrap nodes, K keys
 * are put, then (with --churn F) a fraction F of the nodes is killed
 * without warning and as many new nodes join, and loss is set (--loss F);
 * then L FIND_NODE lookups of random targets from random live nodes are
 * checked against the true k closest live nodes (brute force), and every
 * key is read back by a get from a random live node.
 *
 * A lookup succeeds when it ends without error and its answer holds the
 * live node closest to the target; closest_found is how many of the true
 * k closest its answer holds, on average.  bytes_per_node is the heap in
 * use at the end (mallinfo2, every node's engine, store and simnet entry,
 * datagrams in flight) over N; rss_kib the peak resident size.
 * own_queries_per_lookup counts the queries the asking nodes sent while
 * their lookups ran (simnet_find.queries); queries_per_lookup, every
 * node's, background lookups included (at 100,000 nodes with churn they
 * outnumber the lookups' own).  The 40-query bound holds the first.  Latency
 * is uniform, 1-20 ms one way per link, or with --latency king wide-area
 * round trips, fixed per pair of nodes: log-normal with a median of 160 ms
 * and a 99th percentile of 900 ms, at least 4 ms, standing for the King
 * data set of RTTs between DNS servers (Gummadi et al. 2002), which we do
 * not have: the figures are an assumption, not fitted to it (simnet.h,
 * docs/SCALE.md).
 *
 * Without options it runs 300 nodes and fails unless every lookup is
 * exact and every value comes back: `make sim` runs it that way, and
 * once more at 1,000 nodes with 30% churn and 5% loss.  Any run fails
 * below the targets: 99.9% of lookups with the closest live node,
 * 19 of the true 20 closest on average, at most 40 queries per lookup,
 * every value put before the churn read back.  The
 * last line is machine-readable.  `make sim-large` runs bigger networks.
 *
 * --cache-max M bounds each node's per-address caches (dht_config's
 * addr_cache_max, emod.conf's too); the default, 32, makes small nodes,
 * as the memory target wants (64: some 11 KB a node more, the
 * same lookups); 0 keeps the daemon's bounds (256, 1024, 4096), which a
 * node of a big network fills: some 100 KiB more.
 *
 * --buckets narrow (the default) gives every node's routing table buckets
 * of k, for the same reason and so that issue 13's figures still compare;
 * --buckets wide models emod's default (emod.conf's wide_buckets: the
 * three far buckets hold 8, 4 and 2 times k): about 4 KB a node more at
 * 1,000 and at 10,000 nodes, up to 16 KB where a node meets all of a big
 * network (docs/BENCH.md).
 *
 * Node identities are on as in emod (challenge Pings, Pongs with an
 * Ed25519 proof, verified before a node enters a table), with
 * id_difficulty 0: the simulator does not grind proof-of-work IDs (2^10
 * key pairs a node at emod's default), a node's one-time cost that says
 * nothing about the network.  A line under the results counts table
 * entries, challenges and proofs checked per node.
 *
 * Usage: sim_scale [--nodes N] [--seed S] [--churn F] [--loss F]
 *	  [--latency uniform|king] [--lookups L] [--keys K] [--cache-max M]
 *	  [--buckets narrow|wide]
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "dht.h"
#include "simnet.h"

#define SCALE_BOOT	3
#define SCALE_GAP_MS	20	/* between two joins */
#define SCALE_SETTLE_MS	5000
#define SCALE_CHURN_SETTLE_MS 30000	/* after the replacements joined */
#define SCALE_PARALLEL	10
#define SCALE_LIMIT_MS	120000
#define SCALE_VALUE_LEN	64
#define SCALE_TTL_MS	(24 * 3600 * 1000)
/* The targets, with churn or loss. */
#define SCALE_MIN_SUCCESS 0.999
#define SCALE_MIN_FOUND	19.0	/* of the true ROUTE_K closest, on average */
#define SCALE_MAX_QUERIES 40.0	/* per lookup */

struct scale_opts {
	size_t		nodes;
	uint64_t	seed;
	double		churn;
	double		loss;
	unsigned	lookups;
	unsigned	keys;
	unsigned	cache_max;
	int		king;
	int		wide;		/* --buckets wide */
};

struct result {
	unsigned	lookups, success, exact;
	unsigned	failed_err, failed_first;	/* why lookups failed */
	uint64_t	found;		/* true k closest present, summed */
	uint64_t	queries;	/* every node's, while the lookups ran */
	uint64_t	own_queries;	/* the askers' (simnet_find.queries) */
	unsigned	puts_ok, gets_ok;
	int64_t		*get_ms;	/* one per key */
	size_t		 nget_ms;
};

static void
usage(void)
{
	fprintf(stderr, "usage: sim_scale [--nodes N] [--seed S] [--churn F] "
	    "[--loss F] [--latency uniform|king] [--lookups L] [--keys K] "
	    "[--cache-max M] [--buckets narrow|wide]\n");
	exit(2);
}

static double
frac_arg(const char *s, const char *what)
{
	char *end;
	double v;

	v = strtod(s, &end);
	if (*end != '\0' || !(v >= 0 && v < 1)) {
		fprintf(stderr, "sim_scale: %s must be in [0, 1)\n", what);
		exit(2);
	}
	return v;
}

static unsigned long long
num_arg(const char *s, const char *what, unsigned long long min,
    unsigned long long max)
{
	unsigned long long v;
	char *end;

	v = strtoull(s, &end, 0);
	if (*end != '\0' || v < min || v > max) {
		fprintf(stderr, "sim_scale: %s must be in %llu..%llu\n", what,
		    min, max);
		exit(2);
	}
	return v;
}

static void
parse_opts(int argc, char **argv, struct scale_opts *o)
{
	static const struct option lopts[] = {
		{ "nodes", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "churn", required_argument, NULL, 'c' },
		{ "loss", required_argument, NULL, 'l' },
		{ "latency", required_argument, NULL, 't' },
		{ "lookups", required_argument, NULL, 'L' },
		{ "keys", required_argument, NULL, 'K' },
		{ "cache-max", required_argument, NULL, 'C' },
		{ "buckets", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	o->nodes = 300;
	o->seed = 20240601;
	o->churn = o->loss = 0;
	o->lookups = 200;
	o->keys = 20;
	o->cache_max = 32;
	o->king = 0;
	o->wide = 0;
	while ((ch = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o->nodes = num_arg(optarg, "--nodes", 1,
			    SIMNET_MAX_NODES);
			break;
		case 's':
			o->seed = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			o->churn = frac_arg(optarg, "--churn");
			break;
		case 'l':
			o->loss = frac_arg(optarg, "--loss");
			break;
		case 't':
			if (strcmp(optarg, "king") == 0)
				o->king = 1;
			else if (strcmp(optarg, "uniform") == 0)
				o->king = 0;
			else {
				fprintf(stderr, "sim_scale: --latency is "
				    "uniform or king\n");
				exit(2);
			}
			break;
		case 'L':
			o->lookups = num_arg(optarg, "--lookups", 1, 1000000);
			break;
		case 'K':
			o->keys = num_arg(optarg, "--keys", 1, 100000);
			break;
		case 'C':
			o->cache_max = num_arg(optarg, "--cache-max", 0,
			    1 << 20);
			break;
		case 'b':
			if (strcmp(optarg, "wide") == 0)
				o->wide = 1;
			else if (strcmp(optarg, "narrow") == 0)
				o->wide = 0;
			else {
				fprintf(stderr, "sim_scale: --buckets is "
				    "narrow or wide\n");
				exit(2);
			}
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->nodes < 2 * SCALE_BOOT)
		usage();
}

static size_t
heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void
check_find(void *arg, const struct simnet *sn, const struct simnet_find *f)
{
	struct result *r = arg;
	struct simnet_score sc;

	simnet_find_score(sn, f, &sc);
	r->lookups++;
	r->own_queries += f->queries;
	r->found += sc.hit;
	r->exact += (unsigned)sc.exact;
	if (f->done && f->err == DHT_OK && sc.first)
		r->success++;
	else if (!f->done || f->err != DHT_OK)
		r->failed_err++;
	else
		r->failed_first++;
}

static int
run_lookups(struct simnet *sn, unsigned count, struct result *r)
{
	uint64_t q0;

	q0 = simnet_sum_stat(sn, offsetof(struct dht_stats, lookup_queries));
	if (simnet_lookups(sn, count, "sim_scale: lookups", check_find,
	    r) == -1)
		return -1;
	/* Background lookups (refresh) count too; they are few. */
	r->queries = simnet_sum_stat(sn, offsetof(struct dht_stats,
	    lookup_queries)) - q0;
	return 0;
}

/* Puts (get == 0) or gets every key, SCALE_PARALLEL at a time. */
static int
run_keys(struct simnet *sn, struct simnet_key *keys, unsigned nkeys, int get,
    struct result *r)
{
	struct simnet_op op[SCALE_PARALLEL];
	struct simnet_key *k;
	unsigned pending, done = 0, i, batch;
	size_t node;
	int rc;

	while (done < nkeys) {
		batch = nkeys - done < SCALE_PARALLEL ? nkeys - done :
		    SCALE_PARALLEL;
		pending = 0;
		for (i = 0; i < batch; i++) {
			k = &keys[done + i];
			node = simnet_random_live(sn);
			simnet_op_init(&op[i], sn, &pending, k, node);
			if (get)
				rc = simnet_get(sn, node, &k->id, 0,
				    simnet_op_get_cb, &op[i]);
			else
				rc = simnet_put(sn, node, &k->id, k->data[0],
				    k->len[0], k->created[0], k->expires[0],
				    simnet_op_put_cb, &op[i]);
			if (rc == -1)
				return -1;
		}
		simnet_wait(sn, &pending, SCALE_LIMIT_MS, get ?
		    "sim_scale: gets" : "sim_scale: puts");
		for (i = 0; i < batch; i++) {
			if (!get)
				r->puts_ok += op[i].ok;
			else if (op[i].done) {
				r->gets_ok += op[i].ok;
				r->get_ms[r->nget_ms++] = op[i].ms;
			}
		}
		done += batch;
	}
	return 0;
}

/* Kills a fraction of the nodes at random; as many new ones join. */
static int
churn(struct simnet *sn, double frac, size_t n)
{
	size_t nkill = (size_t)(frac * (double)n + 0.5), i, via[2];
	long idx;

	for (i = 0; i < nkill; i++)
		simnet_kill(sn, simnet_random_live(sn));
	for (i = 0; i < nkill; i++) {
		via[0] = simnet_random_live(sn);
		via[1] = simnet_random_live(sn);
		if ((idx = simnet_add(sn)) < 0)
			return -1;
		simnet_bootstrap(sn, (size_t)idx, via, 2);
		simnet_run_until(sn, simnet_now(sn) + SCALE_GAP_MS);
	}
	simnet_run_until(sn, simnet_now(sn) + SCALE_CHURN_SETTLE_MS);
	return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t
pct(const int64_t *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return -1;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i];
}

/*
 * Prints what identities cost the live nodes, per node: table entries,
 * challenges, admission pings, proofs checked (each one an Ed25519
 * verification here and a signature at the prover).  Returns the last.
 */
static double
print_identities(struct simnet *sn)
{
	size_t i, peers = 0, live = 0;
	double n, proofs;

	for (i = 0; i < simnet_count(sn); i++)
		if (simnet_alive(sn, i)) {
			peers += dht_peer_count(simnet_dht(sn, i));
			live++;
		}
	n = live > 0 ? (double)live : 1;
	proofs = (double)(simnet_sum_stat(sn, offsetof(struct dht_stats,
	    id_proofs_ok)) + simnet_sum_stat(sn, offsetof(struct dht_stats,
	    id_proof_bad))) / n;
	printf("sim_scale: identities: %.1f table entries, %.1f challenges, "
	    "%.1f admission pings, %.1f proofs checked per node\n",
	    (double)peers / n, (double)simnet_sum_stat(sn,
	    offsetof(struct dht_stats, id_challenges)) / n,
	    (double)simnet_sum_stat(sn, offsetof(struct dht_stats,
	    admit_pings)) / n, proofs);
	return proofs;
}

int
main(int argc, char **argv)
{
	struct scale_opts o;
	struct simnet_config cfg;
	struct simnet_stats ss;
	struct simnet_key *keys;
	struct simnet *sn;
	struct result r;
	struct rusage ru;
	size_t heap0, heap, i;
	double success, found, cpu, proofs;
	clock_t c0;
	int fail = 0;

	parse_opts(argc, argv, &o);
	simnet_config_init(&cfg, o.seed);
	cfg.dht.k = ROUTE_K;
	cfg.dht.alpha = 3;
	cfg.dht.rpc_timeout_ms = 1000;
	cfg.dht.rpc_retries = 2;	/* emod.conf's default */
	cfg.dht.addr_cache_max = o.cache_max;
	cfg.dht.narrow_buckets = !o.wide;
	cfg.lat_king = o.king;
	if (o.king)
		printf("sim_scale: seed %llu, %zu nodes, churn %.3f, loss "
		    "%.3f, King-like RTTs (median %d ms, p99 %d ms)\n",
		    (unsigned long long)o.seed, o.nodes, o.churn, o.loss,
		    SIMNET_KING_MEDIAN_MS, SIMNET_KING_P99_MS);
	else
		printf("sim_scale: seed %llu, %zu nodes, churn %.3f, loss "
		    "%.3f, uniform latency %u-%u ms\n",
		    (unsigned long long)o.seed, o.nodes, o.churn, o.loss,
		    cfg.lat_min_ms, cfg.lat_max_ms);
	memset(&r, 0, sizeof(r));
	if ((keys = calloc(o.keys, sizeof(*keys))) == NULL ||
	    (r.get_ms = calloc(o.keys, sizeof(*r.get_ms))) == NULL)
		return 1;
	c0 = clock();
	heap0 = heap_bytes();
	if ((sn = simnet_start(&cfg, o.nodes, SCALE_BOOT, SCALE_GAP_MS,
	    SCALE_SETTLE_MS, "sim_scale")) == NULL)
		return 1;
	printf("sim_scale: joined at %lld ms (virtual), cpu %.1f s, heap "
	    "%zu bytes per node\n", (long long)simnet_now(sn),
	    (double)(clock() - c0) / CLOCKS_PER_SEC,
	    (heap_bytes() - heap0) / o.nodes);

	for (i = 0; i < o.keys; i++) {
		simnet_key_id(&keys[i].id, "scale", i);
		if (simnet_key_add(sn, &keys[i], SCALE_VALUE_LEN,
		    SCALE_TTL_MS) == -1)
			return 1;
	}
	if (run_keys(sn, keys, o.keys, 0, &r) == -1)
		fail++;
	printf("sim_scale: %u/%u puts acknowledged\n", r.puts_ok, o.keys);

	if (o.churn > 0 && churn(sn, o.churn, o.nodes) == -1)
		fail++;
	simnet_set_loss(sn, o.loss);
	if (run_lookups(sn, o.lookups, &r) == -1)
		fail++;
	if (run_keys(sn, keys, o.keys, 1, &r) == -1)
		fail++;
	qsort(r.get_ms, r.nget_ms, sizeof(r.get_ms[0]), cmp_i64);

	heap = heap_bytes() - heap0;
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
	simnet_get_stats(sn, &ss);
	success = r.lookups ? (double)r.success / r.lookups : 0;
	found = r.lookups ? (double)r.found / r.lookups : 0;
	printf("sim_scale: %u/%u lookups exact, %u/%u gets exact, %llu "
	    "datagrams, %llu bytes, %llu lost, virtual %lld ms, peak RSS "
	    "%ld KiB\n", r.exact, r.lookups, r.gets_ok, o.keys,
	    (unsigned long long)ss.sent, (unsigned long long)ss.bytes,
	    (unsigned long long)ss.lost,
	    (long long)simnet_now(sn), ru.ru_maxrss);

	printf("sim_scale: lookups failed: %u with an error, %u without the "
	    "closest; over all nodes %llu capped, %llu expired, %llu RPC "
	    "timeouts\n", r.failed_err, r.failed_first,
	    (unsigned long long)simnet_sum_stat(sn, offsetof(struct dht_stats,
	    lookup_capped)),
	    (unsigned long long)simnet_sum_stat(sn, offsetof(struct dht_stats,
	    lookup_expired)),
	    (unsigned long long)simnet_sum_stat(sn, offsetof(struct dht_stats,
	    rpc_timeouts)));

	proofs = print_identities(sn);

	/*
	 * Without churn or loss every answer is exact; with King-like RTTs
	 * the rare pair slower than three tries (2.6 s) may be missed.
	 */
	if (o.churn == 0 && o.loss == 0 && !o.king && r.exact != r.lookups) {
		fprintf(stderr, "sim_scale: %u lookups not exact\n",
		    r.lookups - r.exact);
		fail++;
	}
	if (success < SCALE_MIN_SUCCESS || found < SCALE_MIN_FOUND) {
		fprintf(stderr, "sim_scale: lookup success %.4f (at least "
		    "%.3f), closest found %.2f (at least %.0f)\n", success,
		    SCALE_MIN_SUCCESS, found, SCALE_MIN_FOUND);
		fail++;
	}
	if (r.lookups > 0 && (double)r.own_queries / r.lookups >
	    SCALE_MAX_QUERIES) {
		fprintf(stderr, "sim_scale: %.1f queries per lookup (at most "
		    "%.0f)\n", (double)r.own_queries / r.lookups,
		    SCALE_MAX_QUERIES);
		fail++;
	}
	if (r.puts_ok != o.keys || r.gets_ok != o.keys) {
		fprintf(stderr, "sim_scale: %u puts, %u gets of %u failed\n",
		    o.keys - r.puts_ok, o.keys - r.gets_ok, o.keys);
		fail++;
	}
	printf("nodes=%zu lookups=%u success=%.4f closest_found=%.2f "
	    "queries_per_lookup=%.1f get_p50_ms=%lld get_p99_ms=%lld "
	    "bytes_per_node=%zu cpu_s=%.1f churn=%.3f loss=%.3f seed=%llu "
	    "values_lost=%u rss_kib=%ld cache_max=%u latency=%s "
	    "proofs_per_node=%.1f own_queries_per_lookup=%.1f buckets=%s\n",
	    o.nodes,
	    r.lookups, success, found,
	    r.lookups ? (double)r.queries / r.lookups : 0,
	    (long long)pct(r.get_ms, r.nget_ms, 0.5),
	    (long long)pct(r.get_ms, r.nget_ms, 0.99), heap / o.nodes, cpu,
	    o.churn, o.loss, (unsigned long long)o.seed, o.keys - r.gets_ok,
	    ru.ru_maxrss, o.cache_max, o.king ? "king" : "uniform", proofs,
	    r.lookups ? (double)r.own_queries / r.lookups : 0,
	    o.wide ? "wide" : "narrow");
	simnet_free(sn);
	for (i = 0; i < o.keys; i++)
		simnet_key_free(&keys[i]);
	free(keys);
	free(r.get_ms);
	return fail == 0 ? 0 : 1;
}

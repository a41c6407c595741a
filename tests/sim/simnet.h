/*
 * simnet — many dht engines in one process over a fake network (per-link
 * latency, random loss, a per-datagram filter) and a fake clock, all driven
 * by one seeded PRNG so that a run is reproducible from its seed.  Nothing
 * here touches a socket.  Also the pieces every scenario shares: set-up,
 * operation callbacks, bounded waits and the expected values of a key.
 */
#ifndef EMO_SIMNET_H
#define EMO_SIMNET_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "dht.h"
#include "id.h"
#include "keccak.h"
#include "store.h"

#define SIMNET_MAX_NODES	1000000	/* addresses 127.0.0.1 up */
#define SIMNET_PORT		7000
#define SIMNET_KEY_VALUES	4	/* values a struct simnet_key holds */
#define SIMNET_NOWHERE		(-1L)	/* the index of an address no node has */

/*
 * lat_king: each pair of nodes gets a round-trip time drawn once (a hash
 * of the unordered pair and the seed) from a log-normal distribution with
 * the median and 99th percentile below, no shorter than the floor; a
 * datagram takes half of it each way.  It stands for the King data set's
 * pairwise RTTs between DNS servers world-wide (Gummadi et al. 2002; the
 * 1,740-server matrix of p2psim and Vivaldi, Meridian's 2,500 servers),
 * which we do not have: the median and the tail are our assumption, not
 * fitted to it (docs/SCALE.md says so).
 */
#define SIMNET_KING_MEDIAN_MS	160
#define SIMNET_KING_P99_MS	900
#define SIMNET_KING_FLOOR_MS	4

struct simnet_config {
	uint64_t		seed;
	double			loss;		/* 0..1 per datagram */
	uint32_t		lat_min_ms;	/* per-link one-way latency */
	uint32_t		lat_max_ms;
	int			lat_king;	/* wide-area RTTs, below */
	struct dht_config	dht;		/* of nodes added by simnet_add */
	uint32_t		max_values_per_key;	/* 0: store maximum */
	size_t			max_steps;	/* events per run call; 0: no bound */
};

struct simnet_stats {
	uint64_t	sent;		/* datagrams handed to the network */
	uint64_t	delivered;
	uint64_t	lost;		/* by the loss rate or the filter */
	uint64_t	undeliverable;	/* to a dead, down or unknown address */
	uint64_t	bytes;
	uint64_t	periodics;	/* dht_periodic calls */
};

/* One datagram, as the filter and the capture list see it. */
struct simnet_dgram {
	struct addr	 from;
	struct addr	 to;
	long		 to_index;	/* SIMNET_NOWHERE: no node */
	uint8_t		*buf;
	size_t		 len;
};

/*
 * Called for each datagram as it arrives (before delivery or capture);
 * returns 1 to drop it.  It may call simnet_inject but not into an engine.
 */
typedef int	simnet_filter(void *arg, const struct simnet_dgram *);

struct simnet;

struct simnet	*simnet_new(const struct simnet_config *);
void		 simnet_free(struct simnet *);

/* Zeroes cfg and sets the seed and a 1-20 ms one-way latency. */
void		 simnet_config_init(struct simnet_config *, uint64_t seed);
/* The seed given as argv[1], else dflt. */
uint64_t	 simnet_seed_arg(int argc, char **argv, uint64_t dflt);
/*
 * simnet_new and simnet_build (below) in one; on failure prints
 * "<prog>: cannot build the network" (prog non-NULL) and returns NULL.
 */
struct simnet	*simnet_start(const struct simnet_config *, size_t n,
		    size_t nboot, uint32_t gap_ms, uint32_t settle_ms,
		    const char *prog);

/* A new live node with a random ID at 127.x.y.z; -1 on failure. */
long		 simnet_add(struct simnet *);
/* The same with its own engine configuration. */
long		 simnet_add_config(struct simnet *, const struct dht_config *);
/* Node i joins through the listed nodes' addresses. */
void		 simnet_bootstrap(struct simnet *, size_t i, const size_t *via,
		    size_t n);
/* Node i stops sending and receiving for good; its engine is freed. */
void		 simnet_kill(struct simnet *, size_t i);
/*
 * Node i starts again as a process restarted on the same data would: the
 * same ID, address and store under a new engine (new secrets, an empty
 * routing table) of configuration cfg (NULL: the network's).  0, or -1.
 */
int		 simnet_restart(struct simnet *, size_t i,
		    const struct dht_config *cfg);
/*
 * A down node is sent nothing (datagrams to it are undeliverable) and runs
 * no timers, but keeps its engine and store; back up, its timers run from
 * now.  Reversible, unlike simnet_kill.
 */
void		 simnet_set_down(struct simnet *, size_t i, int down);
/* Neither killed nor down. */
int		 simnet_alive(const struct simnet *, size_t i);
size_t		 simnet_count(const struct simnet *);
/* A uniformly random live node; at least one must be alive. */
size_t		 simnet_random_live(struct simnet *);
/* The node with this ID, killed or not, or SIMNET_NOWHERE. */
long		 simnet_find_id(const struct simnet *, const struct id *);
/*
 * The (at most k) live nodes closest to target, closest first, node
 * `exclude` left out (SIZE_MAX: none); returns how many.
 */
size_t		 simnet_closest(const struct simnet *, const struct id *target,
		    size_t exclude, size_t *out, size_t k);
/* An address that is no node: 10.0.0.0 + n, port SIMNET_PORT. */
void		 simnet_outside_addr(struct addr *, uint32_t n);

struct dht	*simnet_dht(struct simnet *, size_t i);
struct store	*simnet_store(struct simnet *, size_t i);
const struct id	*simnet_id(const struct simnet *, size_t i);
const struct addr *simnet_addr(const struct simnet *, size_t i);

int64_t		 simnet_now(const struct simnet *);	/* monotonic ms */
int64_t		 simnet_wall(const struct simnet *);	/* Unix ms */

/*
 * After calling into node i's engine from outside the loop (dht_put,
 * dht_get, ...), lets it run dht_periodic now so its deadline is known.
 */
void		 simnet_touch(struct simnet *, size_t i);
/*
 * Runs every event due up to time t and leaves the clock at t.  -1 when
 * it stopped at the configured max_steps, the clock where it stopped;
 * also, in any run call from then on, once one node was run by its timer
 * a million times at one virtual time (a deadline that never moves: it
 * says so on stderr).
 */
int		 simnet_run_until(struct simnet *, int64_t t);
/*
 * Delivers the datagrams due by now, and what they cause, without timers
 * or moving the clock (with zero latency: until the network is idle).
 * -1 at max_steps.
 */
int		 simnet_flush(struct simnet *);
/*
 * Runs events until *pending is 0 or the clock passes now + limit_ms.
 * Returns 0 when *pending reached 0, -1 on the time limit or max_steps.
 */
int		 simnet_run_pending(struct simnet *, const unsigned *pending,
		    int64_t limit_ms);
/* simnet_run_pending; on -1 prints "<what> did not end" if what is set. */
int		 simnet_wait(struct simnet *, const unsigned *pending,
		    int64_t limit_ms, const char *what);
/* Datagrams in flight. */
size_t		 simnet_in_flight(const struct simnet *);

/*
 * A datagram from any address to node `to`, arriving now, never lost:
 * a hostile or hand-made packet.  -1 on allocation failure.
 */
int		 simnet_inject(struct simnet *, const struct addr *from,
		    size_t to, const void *buf, size_t len);
/* NULL: no filter. */
void		 simnet_set_filter(struct simnet *, simnet_filter *, void *arg);
/*
 * Keeps up to max datagrams sent to addresses that are no node (they then
 * go through latency and the filter like any other); 0 turns it off.
 */
void		 simnet_capture(struct simnet *, size_t max);
size_t		 simnet_ncaptured(const struct simnet *);
const struct simnet_dgram *simnet_captured(const struct simnet *, size_t i);
void		 simnet_capture_clear(struct simnet *);

/* Operations started at node i, which then runs (simnet_touch). */
int		 simnet_put(struct simnet *, size_t i, const struct id *key,
		    const void *data, size_t len, int64_t created_ms,
		    int64_t expires_ms, op_put_cb *, void *arg);
int		 simnet_get(struct simnet *, size_t i, const struct id *key,
		    int64_t since_ms, op_get_cb *, void *arg);
/* The engine's test-only FIND_NODE: the k closest that answered. */
int		 simnet_find_node(struct simnet *, size_t i,
		    const struct id *target, op_find_cb *, void *arg);

/* A key and the values put under it, in creation order. */
struct simnet_key {
	struct id	 id;
	size_t		 nvals;
	uint8_t		*data[SIMNET_KEY_VALUES];
	uint32_t	 len[SIMNET_KEY_VALUES];
	int64_t		 created[SIMNET_KEY_VALUES];
	int64_t		 expires[SIMNET_KEY_VALUES];
};

/* The ID of the name "<prefix>-<i>". */
void		 simnet_key_id(struct id *, const char *prefix, size_t i);
/*
 * Appends value nvals: len random bytes, created a second ago (plus its
 * index, so times differ), expiring ttl_ms (plus its index) from now.
 */
int		 simnet_key_add(struct simnet *, struct simnet_key *,
		    uint32_t len, int64_t ttl_ms);
/* Exactly the key's values: bytes, times and expiry, in order. */
int		 simnet_key_match(const struct simnet_key *,
		    const struct store_result *);
/* Live nodes whose store holds exactly the key's values. */
size_t		 simnet_key_replicas(struct simnet *,
		    const struct simnet_key *);
void		 simnet_key_free(struct simnet_key *);

/*
 * One put or get and what it returned; simnet_op_put_cb/simnet_op_get_cb
 * fill it and decrement *pending.  ok: a put acknowledged by a remote
 * node; a get that returned exactly key's values (key NULL: not found).
 * digest, if set, takes a put's acks, a get's error and value bytes.
 */
struct simnet_op {
	unsigned		*pending;
	const struct simnet_key	*key;
	struct keccak		*digest;
	struct simnet		*sn;
	void			*user;		/* the caller's */
	size_t			 node;
	int64_t			 start;
	int64_t			 ms;		/* virtual time a get took */
	int			 done;
	int			 ok;
	enum dht_err		 err;
	uint32_t		 acks;
	uint32_t		 remote_acks;
	uint32_t		 responders;
};

/* Zeroes op, fills it in and counts it in *pending. */
void		 simnet_op_init(struct simnet_op *, struct simnet *,
		    unsigned *pending, const struct simnet_key *, size_t node);
void		 simnet_op_put_cb(void *, const struct op_put_result *);
void		 simnet_op_get_cb(void *, const struct op_get_result *);

/*
 * Checked lookups: simnet_lookups runs `count` FIND_NODE lookups, 10 at a
 * time, each from a random live node to a random target, and hands each
 * finished one to `check`; -1 if one could not start.  simnet_find_score
 * holds a lookup's answer against the true k closest live nodes.
 */
struct simnet_find {
	int			 done;
	enum dht_err		 err;
	struct route_node	 nodes[ROUTE_K];
	size_t			 n;
	size_t			 asker;
	struct id		 target;
	unsigned		*pending;
	/*
	 * Lookup queries the asker sent while this lookup ran (its own, and
	 * any background lookup of that one node meanwhile; an asker twice
	 * in a batch counts once): simnet_lookups.
	 */
	uint64_t		 queries;
};

struct simnet_score {
	size_t		 want;		/* true closest that exist */
	size_t		 hit;		/* of them, in the answer */
	int		 exact;		/* all of them, in order, no error */
	int		 first;		/* the very closest is in the answer */
};

typedef void	simnet_find_check(void *arg, const struct simnet *,
		    const struct simnet_find *);
int		 simnet_lookups(struct simnet *, unsigned count,
		    const char *what, simnet_find_check *, void *arg);
void		 simnet_find_score(const struct simnet *,
		    const struct simnet_find *, struct simnet_score *);

/*
 * Adds n nodes.  The first nboot join through node 0; each later one joins
 * through two random nodes among the first nboot, one every gap_ms; then
 * the network runs for settle_ms.  Returns 0, or -1 if a node cannot be
 * created.
 */
int		 simnet_build(struct simnet *, size_t n, size_t nboot,
		    uint32_t gap_ms, uint32_t settle_ms);

uint64_t	 simnet_rand(struct simnet *);
void		 simnet_io_fill(struct simnet *, void *, size_t);
void		 simnet_set_loss(struct simnet *, double);
/* Uniform in [0, n); n > 0. */
uint64_t	 simnet_rand_below(struct simnet *, uint64_t n);
void		 simnet_get_stats(const struct simnet *, struct simnet_stats *);
/* Sum of one dht_stats field over the live nodes, by byte offset. */
uint64_t	 simnet_sum_stat(const struct simnet *, size_t offset);
/* Adds the network counters (struct simnet_stats) to a digest. */
void		 simnet_digest_stats(const struct simnet *, struct keccak *);
/* Prints n bytes in hex, no newline. */
void		 simnet_print_hex(const uint8_t *, size_t n);

#endif

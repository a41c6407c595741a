/*
 * simnet — many dht engines in one process over a fake network (per-link
 * latency, random loss) and a fake clock, all driven by one seeded PRNG so
 * that a run is reproducible from its seed.  Nothing here touches a socket.
 */
#ifndef EMO_SIMNET_H
#define EMO_SIMNET_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "dht.h"
#include "id.h"
#include "store.h"

#define SIMNET_MAX_NODES	65000
#define SIMNET_PORT		7000

struct simnet_config {
	uint64_t		seed;
	double			loss;		/* 0..1 per datagram */
	uint32_t		lat_min_ms;	/* per-link one-way latency */
	uint32_t		lat_max_ms;
	struct dht_config	dht;
	uint32_t		max_values_per_key;	/* 0: store maximum */
};

struct simnet_stats {
	uint64_t	sent;		/* datagrams handed to the network */
	uint64_t	delivered;
	uint64_t	lost;		/* by the loss rate */
	uint64_t	undeliverable;	/* to a dead or unknown address */
	uint64_t	bytes;
	uint64_t	periodics;	/* dht_periodic calls */
};

struct simnet;

struct simnet	*simnet_new(const struct simnet_config *);
void		 simnet_free(struct simnet *);

/* A new live node with a random ID at 127.x.y.z; -1 on failure. */
long		 simnet_add(struct simnet *);
/* Node i joins through the listed nodes' addresses. */
void		 simnet_bootstrap(struct simnet *, size_t i, const size_t *via,
		    size_t n);
/* Node i stops sending and receiving for good; its engine is freed. */
void		 simnet_kill(struct simnet *, size_t i);
int		 simnet_alive(const struct simnet *, size_t i);
size_t		 simnet_count(const struct simnet *);

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
/* Runs every event due up to time t and leaves the clock at t. */
void		 simnet_run_until(struct simnet *, int64_t t);
/*
 * Runs events until *pending is 0 or the clock passes now + limit_ms.
 * Returns 0 when *pending reached 0, -1 on the time limit.
 */
int		 simnet_run_pending(struct simnet *, const unsigned *pending,
		    int64_t limit_ms);

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

#endif

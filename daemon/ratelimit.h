/*
 * ratelimit — what strangers may make us do: a token bucket of requests
 * per source (the IP of a public address; IP and port of a loopback or
 * private one unless limit_local), kept in a bounded, lossy cache, and
 * one global budget of answer bytes per second.  Sans-I/O: time comes in.
 */
#ifndef EMO_RATELIMIT_H
#define EMO_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * Defaults; docs/SECURITY.md, "Rate limits", has the reasoning.  One
 * honest peer sends a node about two requests per operation it runs
 * through it, and a client node of `make bench` runs ~500 operations a
 * second.  A flood from one source draws at most
 * RATELIMIT_BURST + RATELIMIT_PER_S * seconds answers: under 1,000 in
 * any second.
 */
#define RATELIMIT_PER_S		800	/* requests per second per source */
#define RATELIMIT_BURST		200	/* requests a quiet source may send */
#define RATELIMIT_ANSWER_BPS	(8u * 1024 * 1024)	/* answer bytes/s */
#define RATELIMIT_SOURCES_MIN	64
#define RATELIMIT_SOURCES_MAX	4096	/* sources remembered */

/* Zero fields take the defaults above. */
struct ratelimit_config {
	uint32_t	per_s;
	uint32_t	burst;
	uint64_t	answer_bps;	/* also the budget's burst: 1 s */
	uint32_t	sources_max;	/* rounded down to a power of two */
	int		limit_local;	/* loopback, private keyed by IP */
};

struct ratelimit_stats {
	uint64_t	requests_dropped;	/* over their source's rate */
	uint64_t	answers_dropped;	/* over the global budget */
	uint64_t	answer_bytes_dropped;
	uint64_t	sources;		/* remembered now */
};

struct ratelimit;

struct ratelimit *ratelimit_new(const struct ratelimit_config *,
		    uint64_t salt, int64_t now_ms);
void		 ratelimit_free(struct ratelimit *);
/* 1: a request from this source may be served (and is counted); 0: drop. */
int		 ratelimit_request(struct ratelimit *, const struct addr *from,
		    int64_t now_ms);
/* 1: an answer of len bytes fits the global budget (and is taken). */
int		 ratelimit_answer(struct ratelimit *, size_t len,
		    int64_t now_ms);
void		 ratelimit_get_stats(const struct ratelimit *,
		    struct ratelimit_stats *);

#endif

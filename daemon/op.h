/*
 * op — the operations' common core: a bounded set of slots (user and
 * internal quotas), the head every operation starts with, the iterative
 * lookup most of them run (queries, answers, the dead-node filter), write
 * tokens collected from lookup answers, and the queue of completions,
 * which runs only when the engine says so, never inside a start call.
 * Each kind of operation is one file with one struct op_kind table of
 * hooks; nothing here knows the kinds.
 */
#ifndef EMO_OP_H
#define EMO_OP_H

#include <stddef.h>
#include <stdint.h>

#include "env.h"
#include "err.h"
#include "lookup.h"

#define OP_MAX_USER		1024	/* concurrent user operations */
#define OP_MAX_INTERNAL		64	/* join, refresh, republish */
/*
 * A lookup still running this long after it started ends with what it
 * has (join, refresh and republish lookups too).  An honest lookup takes
 * a few round trips; a silent node costs rpc_timeout_ms times its tries
 * (3 s by default), and the query cap (lookup.h) allows 21 rounds of
 * alpha queries: without a deadline, silent fakes could hold an
 * operation for a minute.
 */
#define OP_LOOKUP_DEADLINE_MS	20000

struct op;

/* A kind of operation: its hooks, each optional. */
struct op_kind {
	const char	*name;
	int		 internal;	/* counts against OP_MAX_INTERNAL */
	/* The lookup's query to `to`; FIND_NODE of the target if NULL. */
	void	(*query)(struct op *, const struct addr *to, struct wire_msg *,
		    int64_t now_ms);
	/* The lookup was made, before its first query. */
	void	(*begin)(struct op *, int64_t now_ms);
	/* A lookup query just went (the kind may shorten its wait). */
	void	(*sent)(struct op *, struct rpc_call *, int64_t now_ms);
	/* A lookup answer, after the lookup has taken its nodes. */
	void	(*reply)(struct op *, const struct rpc_call *,
		    const struct wire_msg *, int64_t now_ms, int64_t wall_ms);
	/*
	 * Before the lookup asks more, while it is not done: 1 if the kind
	 * has what it needs (the lookup is stopped: lookup_stop; answers
	 * still in flight are merged).
	 */
	int	(*enough)(struct op *, int64_t now_ms);
	/*
	 * Before the lookup asks more: n (not 0) lets it ask only the n
	 * closest live candidates (lookup_narrow).
	 */
	unsigned (*narrow)(struct op *);
	/* The lookup is over (may run again if late answers reopen it). */
	void	(*lookup_done)(struct op *, int64_t now_ms);
	/* The result, to whoever started it: from op_run_completions. */
	void	(*complete)(struct op *, int64_t now_ms);
	/* Frees the kind's own state; the head is the core's. */
	void	(*free)(struct op *);
};

/* A write token a lookup answer gave us. */
struct op_token {
	struct id	 id;
	uint8_t		 tok[WIRE_MAX_TOKEN];
	uint8_t		 len;
};

/* The head of every operation; kinds embed it first. */
struct op {
	const struct op_kind *kind;
	struct op_set	*set;
	const struct env *env;
	int32_t		 slot;
	int32_t		 qnext;		/* completion queue link */
	uint8_t		 done;		/* result set, completion queued */
	uint8_t		 closed;	/* lookup answers no longer wanted */
	uint8_t		 table_empty;	/* when the lookup started */
	struct id	 target;
	struct lookup	*lk;
	enum dht_err	 err;
	const char	*msg;
	int64_t		 start_ms;	/* monotonic */
	int64_t		 lk_end_ms;	/* when the lookup was first done, */
	uint8_t		 lk_ended;	/* if it was */
	int64_t		 wall_ms;	/* at start: expiry checks */
	struct op_token	*toks;
	size_t		 ntoks, captoks;
};

/*
 * Fixed-bucket histograms of completed operations (exported at /metrics):
 * user puts' and gets' and every lookup's duration in milliseconds, from
 * the `now` the engine is given, and the queries each lookup sent.
 */
enum op_hist_id {
	OP_HIST_PUT_MS,
	OP_HIST_GET_MS,
	OP_HIST_LOOKUP_MS,
	OP_HIST_LOOKUP_QUERIES,
	OP_NHIST
};
#define OP_HIST_MAX_BUCKETS	16	/* bounds, plus one for +Inf */

struct op_hist {
	uint64_t	n[OP_HIST_MAX_BUCKETS];	/* per bucket, not cumulative */
	uint64_t	count;
	uint64_t	sum;
};

struct op_stats {
	struct op_hist	hist[OP_NHIST];
	uint64_t	lookups;
	uint64_t	lookup_queries;
	uint64_t	lookup_hops;	/* summed over lookups: rounds */
	uint64_t	lookup_capped;	/* ended by the query cap */
	uint64_t	lookup_ip_refused; /* candidates over LOOKUP_IP_MAX */
	uint64_t	lookup_expired;	/* ended by OP_LOOKUP_DEADLINE_MS */
	uint64_t	relay_dropped;	/* nodes named in answers, refused */
	uint64_t	get_fetch_bad;	/* fetched values not their digest */
	uint64_t	get_fetch_failover;	/* fetches asked of another */
};

struct op_set;

struct op_set	*op_set_new(const struct env *);
void		 op_set_free(struct op_set *);	/* completes nothing */

/*
 * A zeroed operation of `size` bytes (at least a struct op) whose head is
 * set up; NULL when the kind's quota is used up or without memory.
 */
void	*op_new(struct op_set *, const struct op_kind *, size_t size,
	    int64_t now_ms, int64_t wall_ms);
/* Sets the result once and queues the completion. */
void	 op_complete(struct op *, enum dht_err, const char *msg);
/* Runs the queued completions (not those they queue) and frees them. */
void	 op_run_completions(struct op_set *, int64_t now_ms);
int	 op_completions_due(const struct op_set *);

/*
 * Ends the lookups past their deadline (their lookup_done hooks run);
 * returns when it must run next (INT64_MAX: no lookup running).
 */
int64_t	 op_tick(struct op_set *, int64_t now_ms);

/* Starts the lookup of op->target from our closest nodes; -1: memory. */
int	 op_lookup_start(struct op *, int64_t now_ms);
/* The closest nodes that answered the lookup, at most max. */
size_t	 op_result(const struct op *, struct route_node *out, size_t max);
/*
 * A request on behalf of op, whose hooks get op as ctx; the op's requests
 * are cancelled when it is freed.  Hooks should ignore a done op.
 */
struct rpc_call *op_send(struct op *, const struct addr *,
	    const struct id *, struct wire_msg *, const struct rpc_ops *,
	    int64_t now_ms);

/*
 * What the lookup knows, for its query's answer to list only the news
 * (wire_known): the ID prefixes of its k closest candidates that neither
 * failed nor stalled, and, if it has k, the k-th as closer_than.  With
 * fewer than k, any node may be news.  In a table that knows the key's
 * neighbourhood an answer then lists 2 nodes instead of about 19.
 */
void	 op_known(const struct op *, struct wire_known *);
/*
 * The lookup's queries of `type` still in flight answer to `ops` from now
 * on (op as ctx); returns how many.  For a kind whose queries do more
 * than a lookup's work (a put's last-step STOREs) and outlive it.
 */
size_t	 op_adopt_queries(struct op *, enum wire_type type,
	    const struct rpc_ops *ops);

void	 op_token_add(struct op *, const struct id *, const uint8_t *,
	    size_t);
const struct op_token *op_token_find(const struct op *, const struct id *);

void	 op_get_stats(const struct op_set *, struct op_stats *);
/*
 * Histogram h's name ("put_ms", ...) and bucket upper bounds, ascending
 * (values above the last go to bucket n[nbounds], +Inf); NULL past the end.
 */
const char *op_hist_info(unsigned h, const uint64_t **bounds, size_t *nbounds);
/* Adds v to h (a struct op_hist of kind `which`). */
void	 op_hist_add(struct op_hist *, unsigned which, uint64_t v);
/* The counters, for the kinds to count their own events in. */
struct op_stats *op_stats_mut(struct op_set *);

#endif

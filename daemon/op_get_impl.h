/*
 * op_get_impl — what op_get.c (the union, pages, result) shares with
 * op_get_fetch.c (holders and GET_VALUES).  Private to module op_get.
 */
#ifndef EMO_OP_GET_IMPL_H
#define EMO_OP_GET_IMPL_H

#include "keccak.h"
#include "op_get.h"
#include "serve.h"

/* Where a value of the union stands. */
enum {
	OP_GET_V_WANT,		/* listed, not fetched, not asked now */
	OP_GET_V_FLIGHT,	/* asked of one holder */
	OP_GET_V_HAVE,		/* bytes here (or not kept: not wanted) */
	OP_GET_V_LOST,		/* every holder that listed it failed */
};

struct op_get_val {
	struct store_value v;		/* data NULL until fetched */
	uint8_t		 hash[KECCAK256_LEN];
	uint8_t		 kept;		/* within the caps: to return */
	uint8_t		 state;		/* OP_GET_V_* */
	uint8_t		 nholders;
	uint8_t		 tried;		/* bit i: holder[i] was asked */
	uint16_t	 holder[OP_GET_HOLDERS_PER_VALUE];
};

/* A node that listed digests: where to fetch them, with its token. */
struct op_get_holder {
	struct addr	 addr;
	struct id	 id;
	uint8_t		 tok[WIRE_MAX_TOKEN];
	uint8_t		 toklen;
};

/* A node's first page of digests, as op_get_enough compares them. */
struct op_get_resp {
	struct id	 id;
	uint64_t	 fp;		/* sum of the digests' keyed mixes */
	uint32_t	 n;		/* digests listed */
	uint8_t		 whole;		/* the page held its every digest */
};

/* One GET_VALUES in flight: the values it asked for. */
struct op_get_fetch {
	int32_t		 vidx[WIRE_MAX_VALUES_PER_MSG];
	uint8_t		 n;
	uint8_t		 used;
	uint16_t	 holder;
};

struct op_get {
	struct op	 op;
	op_get_cb	*cb;
	void		*arg;
	int64_t		 since_ms;
	unsigned	 pending;	/* pages in flight */
	uint32_t	 responders;
	uint8_t		 wide;		/* the quorum went out of reach */
	/* Every value seen; those left out are not kept. */
	struct op_get_val *vals;
	size_t		 nvals, capvals;
	size_t		 nkept;		/* vals kept */
	uint64_t	 vbytes;	/* their cost (OP_GET_VALUE_COST) */
	int32_t		*vset;		/* open addressing over vals */
	size_t		 vsetcap;
	int32_t		*heap;		/* kept vals, newest on top */
	int		 truncated;	/* values left out to fit */
	int64_t		 cut_ms;	/* kept: created <= cut_ms */
	uint32_t	 omitted;	/* distinct values left out */
	struct op_get_holder *holders;	/* OP_GET_MAX_HOLDERS */
	size_t		 nholders;
	struct op_get_resp *resps;	/* OP_GET_MAX_HOLDERS */
	uint64_t	 fpkey;		/* this get's secret for resps' fp */
	size_t		 nresps;
	struct op_get_fetch *fetches;
	size_t		 nfetches;	/* slots; those used are in flight */
	unsigned	 fetching;	/* fetches in flight */
	struct store_value *out;	/* the result, oldest first */
	size_t		 nout;
};

/*
 * Adds one value to the union by its hash h: with its bytes (data, ours
 * or from an old node's answer) or only its digest (data NULL, listed by
 * holder hi).  The same hash and length keep the latest expiry.  Values
 * from the network (max_exp > 0) meet the clamps a STORE would.  Over
 * the caps, the oldest values stay (see op_get.h).  op_get.c.
 */
void	op_get_add(struct op_get *, const uint8_t *h, const uint8_t *data,
	    const struct value_attr *attr, uint32_t len, int64_t created_ms,
	    int64_t expires_ms, int64_t max_exp, int hi);
/* The value with these bytes' hash and length, or -1 (op_get.c). */
int32_t	op_get_find(const struct op_get *, const uint8_t *h, uint32_t len);
/* Completes the get when the lookup, its pages and the fetches are over. */
void	op_get_maybe_finish(struct op_get *);
/* The holder that sent this FIND_VALUE answer, made or given its new
 * token; -1 when OP_GET_MAX_HOLDERS are known (op_get_fetch.c). */
int	op_get_holder(struct op_get *, const struct rpc_call *,
	    const struct wire_values *);
/*
 * How long to wait for the node at `a` (an answer of about `bytes`) when
 * another could serve instead: its retransmission timeout, at least
 * OP_GET_FETCH_MIN_MS; 0 (rpc's own) when its round trip is unknown.
 */
uint32_t op_get_rto(const struct op_get *, const struct addr *a,
	    uint64_t bytes);
/*
 * The bytes a FIND_VALUE answer carried beside its digests (serve_inline),
 * taken as a fetch's would be: only a value the same answer lists, that
 * hashes to its digest and passes serve_value_check, and is still wanted.
 * An old node's answer, values and no digests, is taken as it is (the
 * bytes are their own hash; max_exp clamps them as op_get_add does).
 */
void	op_get_inline(struct op_get *, const struct wire_values *,
	    int64_t max_exp);
/* Asks holders for every kept value neither here nor asked. */
void	op_get_fetch_pump(struct op_get *, int64_t now_ms);

#endif

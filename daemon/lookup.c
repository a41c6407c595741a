/*
 * lookup — the iterative node lookup: which candidate to ask next, when to
 * stop, what the answer is.  The shortlist is allocated once, at a size
 * fixed by k and alpha, and kept sorted by XOR distance to the target.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"

struct lookup_cand {
	struct route_node	node;
	uint8_t			state;		/* enum lookup_state */
	uint8_t			stalled;	/* INFLIGHT, not in inflight */
	uint8_t			again;		/* failed once, asked again */
	uint8_t			marked;		/* lookup_mark */
	uint32_t		hops;		/* seeds are 1 */
};

struct lookup {
	struct id		target;
	struct id		self;
	unsigned		alpha;
	unsigned		k;
	unsigned		inflight;
	uint32_t		max_queries;
	unsigned		ip_max;		/* 0: no cap */
	int			limit_local;
	unsigned		narrow;		/* lookup_narrow: 0, or how many */
	int			wide;		/* lookup_widen */
	size_t			n;
	size_t			cap;
	struct lookup_stats	st;
	struct lookup_cand	c[];		/* closest first */
};

/*
 * Index of the first candidate not closer to the target than id; *found
 * tells whether it is id itself (equal distance means equal ID).
 */
static size_t
lookup_search(const struct lookup *lk, const struct id *id, int *found)
{
	size_t lo = 0, hi = lk->n, mid;
	int c;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = id_distcmp(&lk->target, &lk->c[mid].node.id, id);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct lookup_cand *
lookup_find(struct lookup *lk, const struct id *id)
{
	size_t i;
	int found;

	i = lookup_search(lk, id, &found);
	return found ? &lk->c[i] : NULL;
}

/* Has the shortlist as many candidates at node's IP as it may? */
static int
lookup_ip_full(const struct lookup *lk, const struct addr *a)
{
	size_t i, n = 0;

	if (lk->ip_max == 0 ||
	    (addr_scope(a) != ADDR_PUBLIC && !lk->limit_local))
		return 0;
	for (i = 0; i < lk->n; i++)
		if (addr_same_ip(&lk->c[i].node.addr, a) && ++n >= lk->ip_max)
			return 1;
	return 0;
}

/* Returns 1 if added. */
static int
lookup_add(struct lookup *lk, const struct route_node *node, uint32_t hops)
{
	size_t pos, f;
	int found;

	if (id_eq(&node->id, &lk->self) || !route_addr_usable(&node->addr))
		return 0;
	pos = lookup_search(lk, &node->id, &found);
	if (found)
		return 0;
	if (lookup_ip_full(lk, &node->addr)) {
		lk->st.ip_refused++;
		return 0;
	}
	if (lk->n == lk->cap) {
		/*
		 * Displace the farthest candidate that is not in flight, so
		 * the alpha bound holds even for queries the caller still
		 * has out.  cap > alpha guarantees one exists.
		 */
		f = lk->n;
		while (f > 0 && lk->c[f - 1].state == LOOKUP_INFLIGHT)
			f--;
		if (f == 0 || pos >= f)
			return 0;
		f--;
		memmove(&lk->c[f], &lk->c[f + 1],
		    (lk->n - f - 1) * sizeof(lk->c[0]));
		lk->n--;
	}
	memmove(&lk->c[pos + 1], &lk->c[pos], (lk->n - pos) * sizeof(lk->c[0]));
	memset(&lk->c[pos], 0, sizeof(lk->c[pos]));
	lk->c[pos].node = *node;
	lk->c[pos].node.pinging = 0;
	lk->c[pos].node.ping_ms = 0;
	lk->c[pos].state = LOOKUP_NEW;
	lk->c[pos].hops = hops;
	lk->n++;
	return 1;
}

struct lookup *
lookup_new(const struct id *target, const struct id *self,
    const struct route_node *seeds, size_t nseeds, unsigned alpha, unsigned k)
{
	struct lookup *lk;
	size_t cap, i;

	if (alpha < 1 || alpha > LOOKUP_MAX_ALPHA || k < 1 ||
	    k > LOOKUP_MAX_K) {
		errno = EINVAL;
		return NULL;
	}
	/* Room for failed candidates among the k closest live ones. */
	cap = (size_t)LOOKUP_CAND_PER_K * k + alpha;
	/* Candidates past n are never read: only the head is cleared. */
	if ((lk = malloc(sizeof(*lk) + cap * sizeof(lk->c[0]))) == NULL)
		return NULL;
	memset(lk, 0, sizeof(*lk));
	lk->target = *target;
	lk->self = *self;
	lk->alpha = alpha;
	lk->k = k;
	lk->cap = cap;
	lk->max_queries = LOOKUP_QUERIES_PER_K * k + alpha;
	for (i = 0; i < nseeds; i++)
		lookup_add(lk, &seeds[i], 1);
	return lk;
}

void
lookup_limit_ip(struct lookup *lk, unsigned per_ip, int limit_local)
{
	lk->ip_max = per_ip;
	lk->limit_local = limit_local != 0;
}

void
lookup_widen(struct lookup *lk)
{
	lk->wide = 1;
}

void
lookup_narrow(struct lookup *lk, unsigned n)
{
	lk->narrow = n;
}

void
lookup_free(struct lookup *lk)
{
	free(lk);
}

/*
 * Queries allowed in flight: alpha, or k once the closest candidate that
 * neither failed nor stalled has answered without naming a closer one
 * (Kademlia's last step, §2.3: the rest of the k closest are asked at
 * once, not alpha at a time), unless narrowed (lookup_narrow); k from the
 * start once widened (lookup_widen).
 */
static unsigned
lookup_width(const struct lookup *lk)
{
	size_t i;

	if (lk->wide && lk->k > lk->alpha)
		return lk->k;
	for (i = 0; i < lk->n; i++)
		if (lk->c[i].state != LOOKUP_FAILED && !lk->c[i].stalled)
			return lk->c[i].state == LOOKUP_REPLIED &&
			    !lk->narrow && lk->k > lk->alpha ? lk->k : lk->alpha;
	return lk->alpha;
}

int
lookup_last_step(const struct lookup *lk)
{
	return lookup_width(lk) > lk->alpha;
}

void
lookup_mark(struct lookup *lk, const struct id *id)
{
	struct lookup_cand *c;

	if ((c = lookup_find(lk, id)) != NULL)
		c->marked = 1;
}

int
lookup_marked(const struct lookup *lk, const struct id *id)
{
	size_t i;
	int found;

	i = lookup_search(lk, id, &found);
	return found && lk->c[i].marked;
}

int
lookup_next(struct lookup *lk, struct route_node *out)
{
	struct lookup_cand *c;
	size_t i;
	unsigned live = 0, reach;

	if (lk->inflight >= lookup_width(lk) || lk->st.stopped)
		return 0;
	if (lk->st.queries >= lk->max_queries) {
		lk->st.capped = 1;
		return 0;
	}
	reach = lk->narrow != 0 && lk->narrow < lk->k ? lk->narrow : lk->k;
	for (i = 0; i < lk->n && live < reach; i++) {
		c = &lk->c[i];
		/* A stalled one may be dead: ask the next one meanwhile. */
		if (c->state == LOOKUP_FAILED || c->stalled)
			continue;
		live++;
		if (c->state != LOOKUP_NEW)
			continue;
		c->state = LOOKUP_INFLIGHT;
		lk->inflight++;
		lk->st.queries++;
		*out = c->node;
		return 1;
	}
	return 0;
}

size_t
lookup_reply(struct lookup *lk, const struct id *from,
    const struct route_node *nodes, size_t n)
{
	struct lookup_cand *c;
	struct route_node e;
	size_t i, added = 0;
	uint32_t hops = 1;

	if ((c = lookup_find(lk, from)) != NULL) {
		if (c->state == LOOKUP_INFLIGHT) {
			c->state = LOOKUP_REPLIED;
			if (!c->stalled)
				lk->inflight--;
			c->stalled = 0;
			lk->st.replies++;
			if (c->hops > lk->st.hops)
				lk->st.hops = c->hops;
		}
		hops = c->hops + 1;
	}
	for (i = 0; i < n; i++) {
		/* Only what the peer vouches for: its ID and address. */
		memset(&e, 0, sizeof(e));
		e.id = nodes[i].id;
		e.addr = nodes[i].addr;
		added += (size_t)lookup_add(lk, &e, hops);
	}
	lk->st.learned += (uint32_t)added;
	return added;
}

int
lookup_failed(struct lookup *lk, const struct id *from)
{
	struct lookup_cand *c;

	if ((c = lookup_find(lk, from)) == NULL ||
	    c->state != LOOKUP_INFLIGHT)
		return -1;
	c->state = LOOKUP_FAILED;
	if (!c->stalled)
		lk->inflight--;
	c->stalled = 0;
	lk->st.failures++;
	return 0;
}

int
lookup_again(struct lookup *lk, const struct id *id)
{
	struct lookup_cand *c;
	size_t i;
	unsigned live = 0;
	int found;

	i = lookup_search(lk, id, &found);
	if (!found || (c = &lk->c[i])->state != LOOKUP_FAILED || c->again ||
	    lk->st.stopped)
		return -1;
	for (; i > 0 && live < lk->k; i--)
		live += lk->c[i - 1].state != LOOKUP_FAILED;
	if (live >= lk->k)
		return -1;
	c->state = LOOKUP_NEW;
	c->again = 1;
	return 0;
}

int
lookup_asked_again(const struct lookup *lk, const struct id *id)
{
	size_t i;
	int found;

	i = lookup_search(lk, id, &found);
	return found && lk->c[i].again;
}

int
lookup_stalled(struct lookup *lk, const struct id *from)
{
	struct lookup_cand *c;

	if ((c = lookup_find(lk, from)) == NULL ||
	    c->state != LOOKUP_INFLIGHT || c->stalled)
		return -1;
	c->stalled = 1;
	lk->inflight--;
	lk->st.stalls++;
	return 0;
}

int
lookup_done(const struct lookup *lk)
{
	const struct lookup_cand *c;
	size_t i;
	unsigned live = 0;

	if (lk->st.stopped ||
	    (lk->st.queries >= lk->max_queries && lk->inflight == 0))
		return 1;
	for (i = 0; i < lk->n && live < lk->k; i++) {
		c = &lk->c[i];
		if (c->state == LOOKUP_FAILED)
			continue;
		live++;
		if (c->state != LOOKUP_REPLIED)
			return 0;
	}
	return 1;
}

int
lookup_settled(const struct lookup *lk)
{
	const struct lookup_cand *c;
	size_t i;
	unsigned live = 0;

	if (lookup_done(lk))
		return 1;
	for (i = 0; i < lk->n && live < lk->k; i++) {
		c = &lk->c[i];
		if (c->state == LOOKUP_FAILED || c->stalled)
			continue;
		live++;
		if (c->state != LOOKUP_REPLIED)
			return 0;
	}
	return 1;
}

size_t
lookup_head(const struct lookup *lk, struct id *out, size_t max)
{
	uint8_t replied[LOOKUP_MAX_K];
	size_t i, n;

	n = lookup_live(lk, out, replied, max < LOOKUP_MAX_K ? max :
	    LOOKUP_MAX_K);
	for (i = 0; i < n && replied[i]; i++)
		;
	return i;
}

size_t
lookup_live(const struct lookup *lk, struct id *out, uint8_t *replied,
    size_t max)
{
	const struct lookup_cand *c;
	size_t i, n = 0;

	for (i = 0; i < lk->n && n < max; i++) {
		c = &lk->c[i];
		if (c->state == LOOKUP_FAILED || c->stalled)
			continue;
		replied[n] = c->state == LOOKUP_REPLIED;
		out[n++] = c->node.id;
	}
	return n;
}

void
lookup_stop(struct lookup *lk)
{
	lk->st.stopped = 1;
}

size_t
lookup_result(const struct lookup *lk, struct route_node *out, size_t max)
{
	size_t i, n = 0;

	if (max > lk->k)
		max = lk->k;
	for (i = 0; i < lk->n && n < max; i++)
		if (lk->c[i].state == LOOKUP_REPLIED)
			out[n++] = lk->c[i].node;
	return n;
}

int
lookup_state(const struct lookup *lk, const struct id *id)
{
	size_t i;
	int found;

	i = lookup_search(lk, id, &found);
	return found ? lk->c[i].state : -1;
}

unsigned
lookup_inflight(const struct lookup *lk)
{
	return lk->inflight;
}

size_t
lookup_size(const struct lookup *lk)
{
	return lk->n;
}

size_t
lookup_capacity(const struct lookup *lk)
{
	return lk->cap;
}

const struct id *
lookup_target(const struct lookup *lk)
{
	return &lk->target;
}

void
lookup_get_stats(const struct lookup *lk, struct lookup_stats *st)
{
	*st = lk->st;
}

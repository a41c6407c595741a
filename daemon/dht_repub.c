/*
 * dht_repub — republishing: once per republish interval (with jitter) a
 * bounded walk over the store's keys stores each key's values again at
 * the key's current k closest nodes, with their original creation and
 * expiry times; and the two bounded caches that keep it cheap.
 *
 * Cost control.  A value received by STORE within the interval is not
 * republished: its sender stored it at all k closest nodes, us included
 * (Kademlia §2.5), so in a steady network one holder per interval does
 * the work and the others' timers are fed by its STOREs.  A node outside
 * a key's k closest (a putter, or a holder that newer nodes displaced)
 * remembers which of the k closest acknowledged the key's values and does
 * not send them again: the nodes inside keep republishing among
 * themselves, so the outsider only adds nodes it has not seen hold the
 * key, and skips the key outright (no lookup) while all k are known.
 * Nodes inside always send to all k: skipping known holders there would
 * starve the others' suppression and make every holder republish.
 */
#include <stdlib.h>
#include <string.h>

#include "dht_impl.h"
#include "keccak.h"

/* ---- bounded hash caches ------------------------------------------------ */

static struct dht_cache_ent *
dht_cache_at(const struct dht_cache *c, size_t i)
{
	return (struct dht_cache_ent *)(void *)((uint8_t *)c->v +
	    i * c->esize);
}

static void
dht_cache_init(struct dht_cache *c, size_t esize, size_t min, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->esize = esize;
	c->min = min;
	c->max = max;
}

static void
dht_cache_free(struct dht_cache *c)
{
	free(c->v);
	c->v = NULL;
	c->cap = c->used = 0;
}

/* Doubles the table (allocated on first use); entries that collide drop. */
static void
dht_cache_grow(struct dht_cache *c)
{
	struct dht_cache old = *c;
	struct dht_cache_ent *e, *ne;
	size_t ncap, i, j;

	ncap = c->cap ? c->cap * 2 : c->min;
	if (ncap > c->max || (c->v = calloc(ncap, c->esize)) == NULL) {
		c->v = old.v;
		return;
	}
	c->cap = ncap;
	c->used = 0;
	for (i = 0; i < old.cap; i++) {
		e = dht_cache_at(&old, i);
		if (e->h == 0)
			continue;
		for (j = 0; j < DHT_CACHE_PROBE; j++) {
			ne = dht_cache_at(c, (e->h + j) & (ncap - 1));
			if (ne->h == 0) {
				memcpy(ne, e, c->esize);
				c->used++;
				break;
			}
		}
	}
	free(old.v);
}

/* Entries whose hash is h, in probe order; *i is the probe position. */
static struct dht_cache_ent *
dht_cache_next(const struct dht_cache *c, uint64_t h, size_t *i)
{
	struct dht_cache_ent *e;

	while (c->cap > 0 && *i < DHT_CACHE_PROBE) {
		e = dht_cache_at(c, (h + (*i)++) & (c->cap - 1));
		if (e->h == h)
			return e;
	}
	return NULL;
}

/*
 * A slot for h, cleared but for h: its own if present, else a free one,
 * else the oldest of the probed ones.  NULL only without memory.
 */
static struct dht_cache_ent *
dht_cache_slot(struct dht_cache *c, uint64_t h)
{
	struct dht_cache_ent *e, *best = NULL;
	size_t i;

	if ((c->used + 1) * 2 > c->cap && c->cap < c->max)
		dht_cache_grow(c);
	if (c->cap == 0)
		return NULL;
	for (i = 0; i < DHT_CACHE_PROBE; i++) {
		e = dht_cache_at(c, (h + i) & (c->cap - 1));
		if (e->h == h) {
			best = e;
			break;
		}
		if (best == NULL || (best->h != 0 &&
		    (e->h == 0 || e->ms < best->ms)))
			best = e;
	}
	if (best->h == 0)
		c->used++;
	memset(best, 0, c->esize);
	best->h = h;
	return best;
}

static uint64_t
dht_nonzero(uint64_t h)
{
	return h != 0 ? h : 1;
}

uint64_t
dht_id_prefix(const struct id *id)
{
	uint64_t v;

	memcpy(&v, id->b, sizeof(v));
	return v;
}

static int64_t
dht_rp_interval(const struct dht *d)
{
	return (int64_t)d->cfg.republish_interval_ms;
}

/* ---- values received recently ------------------------------------------- */

static uint64_t
dht_seen_hash(const struct dht *d, const uint8_t *key, const uint8_t *data,
    size_t len)
{
	struct keccak k;
	uint8_t h[KECCAK256_LEN];
	uint64_t v;

	keccak256_init(&k);
	keccak256_update(&k, &d->salt, sizeof(d->salt));
	keccak256_update(&k, key, STORE_KEY_LEN);
	keccak256_update(&k, data, len);
	keccak256_final(&k, h);
	memcpy(&v, h, sizeof(v));
	return dht_nonzero(v);
}

void
dht_seen_note(struct dht *d, const struct id *key, const uint8_t *data,
    size_t len, int64_t now_ms)
{
	struct dht_cache_ent *e;

	if ((e = dht_cache_slot(&d->seen, dht_seen_hash(d, key->b, data,
	    len))) != NULL)
		e->ms = now_ms;
}

static int
dht_seen_recent(const struct dht *d, const uint8_t *key,
    const struct store_value *v, int64_t now_ms)
{
	struct dht_cache_ent *e;
	size_t i = 0;

	e = dht_cache_next(&d->seen, dht_seen_hash(d, key, v->data, v->len),
	    &i);
	return e != NULL && now_ms - e->ms < dht_rp_interval(d);
}

/* ---- keys whose holders are known ------------------------------------- */

/* splitmix64's finaliser over the key's four words, keyed by the salt. */
static uint64_t
dht_hold_hash(const struct dht *d, const uint8_t *key)
{
	uint64_t v = d->salt, w;
	size_t i;

	for (i = 0; i < STORE_KEY_LEN; i += sizeof(w)) {
		memcpy(&w, key + i, sizeof(w));
		v ^= w;
		v = (v ^ (v >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
		v = (v ^ (v >> 27)) * UINT64_C(0x94d049bb133111eb);
		v ^= v >> 31;
	}
	return dht_nonzero(v);
}

/* The record for key if it is recent and the key still has `total`. */
static const struct dht_hold *
dht_hold_find(const struct dht *d, const uint8_t *key, uint32_t total,
    int64_t now_ms)
{
	const struct dht_hold *r;
	struct dht_cache_ent *e;
	uint64_t h = dht_hold_hash(d, key);
	size_t i = 0;

	while ((e = dht_cache_next(&d->hold, h, &i)) != NULL) {
		r = (const struct dht_hold *)(void *)e;
		if (memcmp(r->key, key, STORE_KEY_LEN) != 0)
			continue;
		if (r->total != total || now_ms - e->ms >=
		    DHT_RP_HOLD_INTERVALS * dht_rp_interval(d))
			return NULL;
		return r;
	}
	return NULL;
}

static int
dht_hold_has(const struct dht_hold *r, const struct id *id)
{
	uint64_t p = dht_id_prefix(id);
	size_t i;

	for (i = 0; r != NULL && i < r->n; i++)
		if (r->ids[i] == p)
			return 1;
	return 0;
}

void
dht_hold_note(struct dht *d, const struct id *key, uint32_t total,
    const uint64_t *ids, size_t n, int complete, int64_t now_ms)
{
	struct dht_hold *r;

	if ((r = (struct dht_hold *)(void *)dht_cache_slot(&d->hold,
	    dht_hold_hash(d, key->b))) == NULL)
		return;
	if (n > WIRE_MAX_NODES)
		n = WIRE_MAX_NODES;
	r->e.ms = now_ms;
	memcpy(r->key, key->b, STORE_KEY_LEN);
	r->total = total;
	r->n = (uint8_t)n;
	r->complete = complete != 0;
	memcpy(r->ids, ids, n * sizeof(ids[0]));
}

/*
 * A putter outside the key's k closest remembers who took the value, so
 * that its republish leaves them alone.
 */
void
dht_repub_put_done(struct dht *d, struct dht_op *op)
{
	struct route_node res[LOOKUP_MAX_K];
	const char *errstr;
	size_t n, total;

	n = lookup_result(op->lk, res, d->cfg.k);
	if (n < d->cfg.k || op->nackid == 0 ||
	    id_distcmp(&op->target, &d->self, &res[n - 1].id) < 0)
		return;
	if (store_get_page(d->store, op->target.b, 0, op->wall_ms, 0, 0, NULL,
	    &total, &errstr) == -1)
		return;
	dht_hold_note(d, &op->target, (uint32_t)total, op->ackid, op->nackid,
	    op->nackid == n, op->start_ms);
}

/* ---- one key's job ----------------------------------------------------- */

static void
dht_rp_page_clear(struct dht_op *op)
{
	size_t i;

	for (i = 0; i < op->nvals; i++)
		free(op->vals[i].data);
	op->nvals = 0;
}

/* Reads pages until one holds values to send; sets rp_end at the end. */
static void
dht_rp_page_load(struct dht *d, struct dht_op *op, int64_t now_ms,
    int64_t wall_ms)
{
	struct store_result res;
	const char *errstr;
	size_t i, total;

	dht_rp_page_clear(op);
	op->rp_ti = 0;
	if (op->vals == NULL) {
		if ((op->vals = calloc(DHT_RP_PAGE, sizeof(*op->vals))) ==
		    NULL) {
			op->rp_end = 1;
			return;
		}
		op->capvals = DHT_RP_PAGE;
	}
	while (op->nvals == 0) {
		memset(&res, 0, sizeof(res));
		if (store_get_page(d->store, op->target.b, 0, wall_ms,
		    op->rp_off, DHT_RP_PAGE, &res, &total, &errstr) == -1 ||
		    res.n == 0) {
			store_result_free(&res);
			op->rp_end = 1;
			return;
		}
		op->rp_off += (uint32_t)res.n;
		for (i = 0; i < res.n && op->nvals < op->capvals; i++) {
			if (dht_seen_recent(d, op->target.b, &res.v[i],
			    now_ms)) {
				d->st.republish_suppressed++;
				continue;
			}
			op->vals[op->nvals++] = res.v[i];
			res.v[i].data = NULL;
		}
		store_result_free(&res);
	}
}

/* The page to target ti, in as many STOREs as it takes. */
static void
dht_rp_send(struct dht *d, struct dht_op *op, size_t ti, int64_t now_ms)
{
	struct wire_value wv[DHT_RP_PAGE];
	const struct route_node *t = &op->found[ti];
	const struct dht_optok *tok;
	struct wire_msg m;
	size_t off = 0, fit, i;
	int32_t ri;

	if ((tok = dht_op_token_find(op, &t->id)) == NULL) {
		op->rp_fail |= 1u << ti;
		return;
	}
	for (i = 0; i < op->nvals; i++) {
		wv[i].data = op->vals[i].data;
		wv[i].len = op->vals[i].len;
		wv[i].created_ms = op->vals[i].created_ms;
		wv[i].expires_ms = op->vals[i].expires_ms;
	}
	while (off < op->nvals) {
		memset(&m, 0, sizeof(m));
		m.type = WIRE_STORE;
		m.u.store.key = op->target;
		memcpy(m.u.store.token, tok->tok, tok->len);
		m.u.store.tokenlen = tok->len;
		if ((fit = wire_values_fit(&m, wv + off, op->nvals - off)) ==
		    0)
			break;
		m.u.store.values = wv + off;
		m.u.store.nvalues = fit;
		ri = dht_request(d, &t->addr, &t->id, &m, DHT_RPC_RP_STORE, op,
		    now_ms);
		if (ri < 0) {
			op->rp_fail |= 1u << ti;
			return;
		}
		d->rpc[ri].job = (uint32_t)ti;
		d->rpc[ri].nvals = (uint16_t)fit;
		d->rp_bytes += d->rpc[ri].len;
		op->pending++;
		op->rp_sent |= 1u << ti;
		off += fit;
	}
}

/* Outside the k closest: remember who holds the key now. */
static void
dht_rp_finish(struct dht *d, struct dht_op *op, int64_t now_ms)
{
	uint64_t ids[WIRE_MAX_NODES];
	uint32_t have;
	size_t i, n = 0;

	if (!op->inside && op->nfound > 0) {
		have = (op->rp_sent | op->rp_known) & ~op->rp_fail;
		for (i = 0; i < op->nfound; i++)
			if (have & (1u << i))
				ids[n++] = dht_id_prefix(&op->found[i].id);
		dht_hold_note(d, &op->target, op->rp_total, ids, n,
		    n == op->nfound, now_ms);
	}
	dht_op_complete(d, op, DHT_OK, NULL);
}

/* Sends what the job's window allows; from dht_periodic only. */
static void
dht_rp_pump(struct dht *d, struct dht_op *op, int64_t now_ms, int64_t wall_ms)
{
	uint32_t skip;

	if (op->done || !op->storing)
		return;
	skip = op->rp_known;
	while (op->pending < DHT_RP_WINDOW && d->rp_bytes < DHT_RP_MAX_BYTES &&
	    dht_rpc_room(d) > DHT_MAX_RPCS / 2) {
		while (op->rp_ti < op->nfound && (skip & (1u << op->rp_ti)))
			op->rp_ti++;
		if (op->nvals == 0 || op->rp_ti >= op->nfound) {
			if (op->rp_end)
				break;
			dht_rp_page_load(d, op, now_ms, wall_ms);
			continue;
		}
		dht_rp_send(d, op, op->rp_ti++, now_ms);
	}
	if (op->rp_end && op->pending == 0)
		dht_rp_finish(d, op, now_ms);
}

void
dht_repub_lookup_done(struct dht *d, struct dht_op *op, int64_t now_ms)
{
	const struct dht_hold *hr;
	size_t i, n;

	if ((op->found = calloc(d->cfg.k, sizeof(*op->found))) == NULL) {
		dht_op_complete(d, op, DHT_ERR_STORAGE, "out of memory");
		return;
	}
	n = op->nfound = lookup_result(op->lk, op->found, d->cfg.k);
	op->inside = n < d->cfg.k ||
	    id_distcmp(&op->target, &d->self, &op->found[n - 1].id) < 0;
	hr = op->inside ? NULL : dht_hold_find(d, op->target.b, op->rp_total,
	    now_ms);
	for (i = 0; i < n; i++)
		if (dht_hold_has(hr, &op->found[i].id)) {
			op->rp_known |= 1u << i;
			d->st.republish_known_nodes++;
		}
	op->storing = 1;
	if (n == 0 || op->rp_known == (1u << n) - 1) {
		dht_rp_finish(d, op, now_ms);
		return;
	}
	d->rp_more = 1;		/* the STOREs go from dht_periodic */
}

void
dht_repub_reply(struct dht *d, const struct dht_rpc *r,
    const struct wire_msg *m)
{
	struct dht_op *op;

	d->rp_bytes -= r->len < d->rp_bytes ? r->len : d->rp_bytes;
	if ((op = dht_op_get(d, r->op, r->opgen)) == NULL)
		return;
	op->pending--;
	if (m->u.store_ack.stored < r->nvals)
		op->rp_fail |= 1u << r->job;
	d->st.republish_values += m->u.store_ack.stored;
	d->rp_more = 1;
}

void
dht_repub_failed(struct dht *d, const struct dht_rpc *r)
{
	struct dht_op *op;

	d->rp_bytes -= r->len < d->rp_bytes ? r->len : d->rp_bytes;
	if ((op = dht_op_get(d, r->op, r->opgen)) == NULL)
		return;
	op->pending--;
	op->rp_fail |= 1u << r->job;
	d->rp_more = 1;
}

void
dht_repub_op_freed(struct dht *d, struct dht_op *op)
{
	size_t i;

	for (i = 0; i < d->rp_jobs; i++)
		if (d->rp_job[i].slot == op->slot &&
		    d->rp_job[i].gen == op->gen) {
			d->rp_job[i] = d->rp_job[--d->rp_jobs];
			/* The last job of a walked pass: end it now. */
			if (d->rp_walked && d->rp_jobs == 0)
				d->rp_more = 1;
			return;
		}
}

/*
 * Starts the key's job, unless every value was received recently or the
 * key's holders are all known; a key left out (no op slot) waits for the
 * next pass.
 */
static void
dht_rp_key(struct dht *d, const uint8_t *key, int64_t now_ms,
    int64_t wall_ms)
{
	struct store_result res;
	const struct dht_hold *hr;
	struct dht_op *op;
	const char *errstr;
	size_t i, total, fresh = 0;

	memset(&res, 0, sizeof(res));
	if (store_get_page(d->store, key, 0, wall_ms, 0, DHT_RP_PAGE, &res,
	    &total, &errstr) == -1 || total == 0) {
		store_result_free(&res);
		return;
	}
	for (i = 0; i < res.n; i++)
		fresh += !dht_seen_recent(d, key, &res.v[i], now_ms);
	store_result_free(&res);
	if (fresh == 0 && total <= DHT_RP_PAGE) {
		d->st.republish_suppressed += total;
		return;
	}
	hr = dht_hold_find(d, key, (uint32_t)total, now_ms);
	if (hr != NULL && hr->complete) {
		d->st.republish_known_keys++;
		return;
	}
	if ((op = dht_op_new(d, DHT_OP_REPUBLISH)) == NULL)
		return;
	memcpy(op->target.b, key, ID_LEN);
	op->rp_total = (uint32_t)total;
	op->wall_ms = wall_ms;
	d->rp_job[d->rp_jobs].slot = op->slot;
	d->rp_job[d->rp_jobs].gen = op->gen;
	d->rp_jobs++;
	d->st.republish_keys++;
	if (dht_op_lookup_start(d, op, now_ms) == -1)
		dht_op_complete(d, op, DHT_ERR_STORAGE, "out of memory");
}

/* ---- the pass ------------------------------------------------------------ */

static void
dht_rp_schedule(struct dht *d, int64_t from_ms, int64_t now_ms)
{
	uint32_t r;
	int64_t iv = dht_rp_interval(d), next;

	/*
	 * Never later than an interval after the last start, so that the
	 * holders our STOREs keep quiet stay quiet; a little earlier at
	 * random, so that the nodes of a network do not march in step.
	 */
	dht_random(d, &r, sizeof(r));
	next = from_ms + iv - (int64_t)(r % (uint64_t)(iv / 8 + 1));
	if (next < now_ms + DHT_MIN_REPUBLISH_MS)
		next = now_ms + DHT_MIN_REPUBLISH_MS;
	d->rp_next_ms = next;
}

void
dht_repub_init(struct dht *d, int64_t now_ms)
{
	uint32_t r;
	int64_t iv = dht_rp_interval(d);

	dht_random(d, &d->salt, sizeof(d->salt));
	dht_cache_init(&d->seen, sizeof(struct dht_seen), DHT_RP_SEEN_MIN,
	    DHT_RP_SEEN_MAX);
	dht_cache_init(&d->hold, sizeof(struct dht_hold), DHT_RP_HOLD_MIN,
	    DHT_RP_HOLD_MAX);
	/* The first pass anywhere in [iv/2, 3iv/2): spread the nodes out. */
	dht_random(d, &r, sizeof(r));
	d->rp_next_ms = now_ms + iv / 2 + (int64_t)(r % (uint64_t)(iv + 1));
}

void
dht_repub_free(struct dht *d)
{
	dht_cache_free(&d->seen);
	dht_cache_free(&d->hold);
}

/*
 * One bounded step: pumps the running jobs, then examines at most
 * DHT_RP_KEYS_PER_STEP keys while fewer than DHT_RP_JOBS jobs run.
 */
void
dht_repub_step(struct dht *d, int64_t now_ms, int64_t wall_ms)
{
	struct dht_op *op;
	const char *errstr;
	size_t i, examined = 0;
	long n;

	d->rp_more = 0;
	if (!d->rp_active) {
		if (now_ms < d->rp_next_ms)
			return;
		d->rp_active = 1;
		d->rp_walked = 0;
		d->rp_has_cursor = 0;
		d->rp_nkeys = d->rp_ikey = 0;
		d->rp_start_ms = now_ms;
	}
	for (i = d->rp_jobs; i > 0; i--)
		if ((op = dht_op_get(d, d->rp_job[i - 1].slot,
		    d->rp_job[i - 1].gen)) != NULL)
			dht_rp_pump(d, op, now_ms, wall_ms);
	while (!d->rp_walked && d->rp_jobs < DHT_RP_JOBS &&
	    examined < DHT_RP_KEYS_PER_STEP) {
		if (d->rp_ikey == d->rp_nkeys) {
			n = store_keys(d->store, d->rp_has_cursor ?
			    d->rp_cursor : NULL, DHT_RP_KEYS_PER_STEP,
			    d->rp_keys, &errstr);
			if (n <= 0) {
				d->rp_walked = 1;
				break;
			}
			d->rp_nkeys = (size_t)n;
			d->rp_ikey = 0;
			memcpy(d->rp_cursor, d->rp_keys[n - 1], STORE_KEY_LEN);
			d->rp_has_cursor = 1;
		}
		dht_rp_key(d, d->rp_keys[d->rp_ikey++], now_ms, wall_ms);
		examined++;
	}
	if (!d->rp_walked && d->rp_jobs < DHT_RP_JOBS)
		d->rp_more = 1;
	if (d->rp_walked && d->rp_jobs == 0) {
		d->rp_active = 0;
		d->st.republish_passes++;
		dht_rp_schedule(d, d->rp_start_ms, now_ms);
	}
}

int64_t
dht_repub_deadline(const struct dht *d)
{
	if (d->rp_more)
		return INT64_MIN;
	return d->rp_active ? INT64_MAX : d->rp_next_ms;
}

/*
 * dht_maint — the engine's background work: write tokens and their
 * rotating secret, the peers' tokens we hold, joining through bootstrap
 * addresses with backoff, bucket refresh, stale-node pings, and handing
 * keys over to new neighbours in bounded batches.
 */
#include <stdlib.h>
#include <string.h>

#include "dht_impl.h"
#include "keccak.h"

/* ---- write tokens ------------------------------------------------------- */

/*
 * Keccak has no length-extension weakness, so a secret prefix makes a
 * sound keyed hash of the address (BEP 5's scheme).
 */
void
dht_token_make(const struct dht *d, const uint8_t *secret,
    const struct addr *a, uint8_t out[DHT_TOKEN_LEN])
{
	struct keccak k;
	uint8_t ip[16], port[2], h[KECCAK256_LEN];
	size_t n;
	uint16_t p;

	n = addr_ip_bytes(a, ip);
	p = addr_port(a);
	port[0] = (uint8_t)(p >> 8);
	port[1] = (uint8_t)p;
	keccak256_init(&k);
	keccak256_update(&k, secret, DHT_SECRET_LEN);
	keccak256_update(&k, ip, n);
	keccak256_update(&k, port, sizeof(port));
	keccak256_final(&k, h);
	memcpy(out, h, DHT_TOKEN_LEN);
}

int
dht_token_check(const struct dht *d, const struct addr *a,
    const uint8_t *tok, size_t len)
{
	uint8_t want[DHT_TOKEN_LEN], diff;
	size_t s, i;

	if (len != DHT_TOKEN_LEN)
		return 0;
	for (s = 0; s < 2; s++) {
		dht_token_make(d, d->secret[s], a, want);
		for (diff = 0, i = 0; i < DHT_TOKEN_LEN; i++)
			diff |= (uint8_t)(want[i] ^ tok[i]);
		if (diff == 0)
			return 1;
	}
	return 0;
}

/* FNV-1a of address and port, for the small direct-mapped caches. */
size_t
dht_addr_hash(const struct addr *a)
{
	uint8_t ip[16];
	size_t n, i;
	uint32_t h = 2166136261u;

	n = addr_ip_bytes(a, ip);
	for (i = 0; i < n; i++)
		h = (h ^ ip[i]) * 16777619u;
	h = (h ^ addr_port(a)) * 16777619u;
	return h;
}

static size_t
dht_tokcache_slot(const struct addr *a)
{
	return dht_addr_hash(a) % DHT_TOKEN_CACHE;
}

void
dht_tokcache_put(struct dht *d, const struct addr *a, const uint8_t *tok,
    size_t len, int64_t now_ms)
{
	struct dht_tokcache *t;

	if (len == 0 || len > WIRE_MAX_TOKEN)
		return;
	t = &d->tokcache[dht_tokcache_slot(a)];
	t->addr = *a;
	memcpy(t->tok, tok, len);
	t->len = (uint8_t)len;
	t->got_ms = now_ms;
}

const struct dht_tokcache *
dht_tokcache_get(const struct dht *d, const struct addr *a, int64_t now_ms)
{
	const struct dht_tokcache *t;

	t = &d->tokcache[dht_tokcache_slot(a)];
	if (t->len == 0 || !addr_eq(&t->addr, a) ||
	    now_ms - t->got_ms >= DHT_TOKEN_MAX_AGE_MS)
		return NULL;
	return t;
}

/* ---- join ---------------------------------------------------------------- */

static int
dht_boot_pending(const struct dht *d, const struct addr *a)
{
	size_t i;

	for (i = 0; i < d->caprpc; i++)
		if (d->rpc[i].in_use && d->rpc[i].purpose == DHT_RPC_BOOT &&
		    addr_eq(&d->rpc[i].to, a))
			return 1;
	return 0;
}

/* Pings every bootstrap address at once, so none waits for another. */
void
dht_boot_round(struct dht *d, int64_t now_ms)
{
	struct wire_msg m;
	uint32_t jitter;
	size_t i;

	if (d->nboot == 0) {
		d->boot_next_ms = INT64_MAX;
		return;
	}
	for (i = 0; i < d->nboot; i++) {
		if (dht_boot_pending(d, &d->boot[i]))
			continue;
		memset(&m, 0, sizeof(m));
		m.type = WIRE_PING;
		(void)dht_request(d, &d->boot[i], NULL, &m, DHT_RPC_BOOT, NULL,
		    now_ms);
	}
	dht_random(d, &jitter, sizeof(jitter));
	jitter %= d->boot_backoff_ms / 4 + 1;
	d->boot_next_ms = now_ms + d->boot_backoff_ms + jitter;
	d->boot_backoff_ms = d->boot_backoff_ms * 2 > DHT_BOOT_MAX_MS ?
	    DHT_BOOT_MAX_MS : d->boot_backoff_ms * 2;
}

static void
dht_join(struct dht *d, int64_t now_ms)
{
	if (d->joined)
		return;
	/* Fills our table and tells our neighbours about us. */
	if (dht_lookup_internal(d, DHT_OP_JOIN, &d->self, now_ms) == 0)
		d->joined = 1;
}

/*
 * The join lookup filled the buckets near our ID.  The farther ones hold
 * only whom we met by chance, and their nodes may never contact us: a
 * bucket left empty would hide a whole region of the ID space from us
 * and from everyone who asks us.  Fill them now (Kademlia §2.3 refreshes
 * every bucket farther than the closest neighbour) rather than after a
 * refresh interval.
 */
void
dht_join_done(struct dht *d, int answered, int64_t now_ms)
{
	uint32_t jitter;

	if (!answered) {
		/*
		 * Nobody answered: datagrams lost, or the nodes we knew are
		 * gone.  A node left with a stale entry or two would never
		 * ask anyone again: try again after the bootstrap backoff.
		 */
		d->joined = 0;
		dht_random(d, &jitter, sizeof(jitter));
		jitter %= d->boot_backoff_ms / 4 + 1;
		d->boot_next_ms = now_ms + d->boot_backoff_ms + jitter;
		d->boot_backoff_ms = d->boot_backoff_ms * 2 > DHT_BOOT_MAX_MS ?
		    DHT_BOOT_MAX_MS : d->boot_backoff_ms * 2;
		return;
	}
	d->boot_backoff_ms = DHT_BOOT_MIN_MS;
	d->join_refresh = 1;
	d->join_bucket = 0;
}

static void
dht_join_refresh(struct dht *d, int64_t now_ms)
{
	uint8_t rnd[ID_LEN];
	struct id target;
	size_t ncache;
	int b, deepest;

	if (!d->join_refresh || d->refreshing)
		return;
	for (deepest = ROUTE_BUCKETS - 1; deepest >= 0; deepest--)
		if (route_bucket_count(d->rt, deepest, &ncache) > 0)
			break;
	/*
	 * Only empty ones: one contact per region is enough to route there,
	 * and fuller tables only hold more entries that may have died.
	 */
	for (b = d->join_bucket; b < deepest; b++)
		if (route_bucket_count(d->rt, b, &ncache) == 0)
			break;
	if (b >= deepest) {
		d->join_refresh = 0;
		return;
	}
	d->join_bucket = b + 1;
	dht_random(d, rnd, sizeof(rnd));
	if (route_random_id_in_bucket(d->rt, b, rnd, &target) == 0 &&
	    dht_lookup_internal(d, DHT_OP_REFRESH, &target, now_ms) == 0)
		d->refreshing = 1;
}

void
dht_boot_answered(struct dht *d, int64_t now_ms)
{
	d->boot_backoff_ms = DHT_BOOT_MIN_MS;
	d->boot_next_ms = INT64_MAX;
	dht_join(d, now_ms);
}

/* ---- hand-over ----------------------------------------------------------- */

/*
 * A node that shares a key's k closest with us is near us too (both are
 * near the key): one beyond our DHT_HANDOVER_NEAR closest neighbours gets
 * nothing from us, and costs no walk of our keys.
 */
static int
dht_ho_near(struct dht *d, const struct id *id)
{
	struct route_node rn[DHT_HANDOVER_NEAR];
	size_t i, n;

	n = route_closest(d->rt, &d->self, DHT_HANDOVER_NEAR, rn);
	if (n < DHT_HANDOVER_NEAR)
		return 1;
	for (i = 0; i < n; i++)
		if (id_eq(&rn[i].id, id))
			return 1;
	return 0;
}

void
dht_handover_add(struct dht *d, const struct id *id, const struct addr *a)
{
	struct dht_ho_job *job;

	if (!dht_ho_near(d, id)) {
		d->st.handover_skipped++;
		return;
	}
	if (d->ho_n == DHT_HANDOVER_QUEUE) {
		d->ho_dropped++;
		return;
	}
	job = &d->ho[(d->ho_head + d->ho_n) % DHT_HANDOVER_QUEUE];
	memset(job, 0, sizeof(*job));
	job->node.id = *id;
	job->node.addr = *a;
	job->serial = ++d->ho_serial;
	d->ho_n++;
}

static struct dht_ho_job *
dht_ho_head(struct dht *d)
{
	return d->ho_n > 0 ? &d->ho[d->ho_head] : NULL;
}

static void
dht_ho_pop(struct dht *d)
{
	d->ho_head = (d->ho_head + 1) % DHT_HANDOVER_QUEUE;
	d->ho_n--;
}

int
dht_handover_busy(const struct dht *d)
{
	return d->ho_n > 0 && !d->ho[d->ho_head].waiting &&
	    dht_rpc_room(d) > DHT_MAX_RPCS / 2;
}

/*
 * Hand the key over?  Only if the new node is among its k closest that we
 * know (we included), and we are among its DHT_HANDOVER_SENDERS closest
 * but for the new node: a few senders, not all k holders.
 */
static int
dht_ho_responsible(struct dht *d, const struct dht_ho_job *job,
    const uint8_t *key)
{
	struct route_node rn[WIRE_MAX_NODES + 1];
	struct id k;
	size_t i, n, closer = 0;
	long rank = -1;

	memcpy(k.b, key, ID_LEN);
	n = route_closest(d->rt, &k, d->cfg.k + 1, rn);
	for (i = 0; i < n; i++) {
		if (id_eq(&rn[i].id, &job->node.id)) {
			rank = (long)i;
			continue;
		}
		if (id_distcmp(&k, &rn[i].id, &d->self) < 0)
			closer++;
	}
	if (rank < 0)
		return 0;
	/* Its rank among the nodes we know and us. */
	if (id_distcmp(&k, &d->self, &job->node.id) < 0)
		rank++;
	return rank < (long)d->cfg.k && closer < DHT_HANDOVER_SENDERS;
}

/* STOREs a page of one key's values, as many per message as fit. */
static size_t
dht_ho_send(struct dht *d, const struct dht_ho_job *job, const uint8_t *key,
    const struct store_result *res, const struct dht_tokcache *t,
    int64_t now_ms)
{
	struct wire_value wv[WIRE_MAX_VALUES_PER_MSG];
	struct wire_msg m;
	size_t off = 0, want, fit, i, bytes = 0;
	int32_t ri;

	while (off < res->n) {
		want = res->n - off;
		if (want > WIRE_MAX_VALUES_PER_MSG)
			want = WIRE_MAX_VALUES_PER_MSG;
		for (i = 0; i < want; i++) {
			wv[i].data = res->v[off + i].data;
			wv[i].len = res->v[off + i].len;
			wv[i].created_ms = res->v[off + i].created_ms;
			wv[i].expires_ms = res->v[off + i].expires_ms;
		}
		memset(&m, 0, sizeof(m));
		m.type = WIRE_STORE;
		memcpy(m.u.store.key.b, key, ID_LEN);
		memcpy(m.u.store.token, t->tok, t->len);
		m.u.store.tokenlen = t->len;
		if ((fit = wire_values_fit(&m, wv, want)) == 0)
			break;
		m.u.store.values = wv;
		m.u.store.nvalues = fit;
		ri = dht_request(d, &job->node.addr, &job->node.id, &m,
		    DHT_RPC_HO_STORE, NULL, now_ms);
		if (ri >= 0)
			d->rpc[ri].job = job->serial;
		for (i = 0; i < fit; i++)
			bytes += wv[i].len;
		off += fit;
	}
	return bytes;
}

/* Asks the new node for a write token; the walk resumes on its answer. */
static int
dht_ho_ask_token(struct dht *d, struct dht_ho_job *job, int64_t now_ms)
{
	struct wire_msg m;
	int32_t ri;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_FIND_NODE;
	m.u.find_node.target = job->node.id;
	ri = dht_request(d, &job->node.addr, &job->node.id, &m,
	    DHT_RPC_HO_TOKEN, NULL, now_ms);
	if (ri < 0)
		return -1;
	d->rpc[ri].job = job->serial;
	job->waiting = 1;
	return 0;
}

/*
 * One bounded step of the head job: at most DHT_HANDOVER_BATCH keys, and
 * pages of DHT_HANDOVER_PAGE values up to about DHT_HANDOVER_BYTES, from
 * dht_periodic only, never from the receive path.
 */
void
dht_handover_step(struct dht *d, int64_t now_ms, int64_t wall_ms)
{
	uint8_t keys[DHT_HANDOVER_BATCH][STORE_KEY_LEN];
	const struct dht_tokcache *t;
	struct store_result res;
	struct dht_ho_job *job;
	const char *errstr;
	size_t sent = 0, total, off;
	long n, i;

	if (!dht_handover_busy(d))
		return;
	job = dht_ho_head(d);
	n = store_keys(d->store, job->has_cursor ? job->cursor : NULL,
	    DHT_HANDOVER_BATCH, keys, &errstr);
	if (n <= 0) {
		dht_ho_pop(d);
		return;
	}
	for (i = 0; i < n; i++) {
		off = job->voff > 0 && memcmp(job->vkey, keys[i],
		    STORE_KEY_LEN) == 0 ? job->voff : 0;
		while (dht_ho_responsible(d, job, keys[i])) {
			/* Out of budget: this key's next page comes next. */
			if (sent >= DHT_HANDOVER_BYTES ||
			    dht_rpc_room(d) <= DHT_MAX_RPCS / 2) {
				job->voff = (uint32_t)off;
				memcpy(job->vkey, keys[i], STORE_KEY_LEN);
				return;
			}
			memset(&res, 0, sizeof(res));
			if (store_get_page(d->store, keys[i], 0, wall_ms, off,
			    DHT_HANDOVER_PAGE, &res, &total, &errstr) == -1 ||
			    res.n == 0) {
				store_result_free(&res);
				break;
			}
			t = dht_tokcache_get(d, &job->node.addr, now_ms);
			if (t == NULL) {
				store_result_free(&res);
				job->voff = (uint32_t)off;
				memcpy(job->vkey, keys[i], STORE_KEY_LEN);
				if (dht_ho_ask_token(d, job, now_ms) == -1)
					dht_ho_pop(d);
				return;
			}
			sent += dht_ho_send(d, job, keys[i], &res, t, now_ms);
			off += res.n;
			store_result_free(&res);
		}
		job->voff = 0;
		memcpy(job->cursor, keys[i], STORE_KEY_LEN);
		job->has_cursor = 1;
	}
	if (n < DHT_HANDOVER_BATCH)
		dht_ho_pop(d);
}

void
dht_handover_reply(struct dht *d, const struct dht_rpc *r,
    const struct wire_msg *m, int64_t now_ms)
{
	struct dht_ho_job *job;

	if (r->purpose == DHT_RPC_HO_STORE) {
		if (m->type == WIRE_STORE_ACK)
			d->st.values_handed_over += m->u.store_ack.stored;
		return;
	}
	if ((job = dht_ho_head(d)) == NULL || job->serial != r->job)
		return;
	job->waiting = 0;
	/* No usable token in the answer: asking again would loop. */
	if (dht_tokcache_get(d, &job->node.addr, now_ms) == NULL)
		dht_ho_pop(d);
}

void
dht_handover_failed(struct dht *d, const struct dht_rpc *r)
{
	struct dht_ho_job *job;

	if (r->purpose != DHT_RPC_HO_TOKEN)
		return;
	if ((job = dht_ho_head(d)) != NULL && job->serial == r->job)
		dht_ho_pop(d);
}

/* ---- timers ------------------------------------------------------------- */

static void
dht_refresh(struct dht *d, int64_t now_ms)
{
	uint8_t rnd[ID_LEN];
	struct id target;
	int b;

	if (d->refreshing)
		return;
	b = route_stale_bucket(d->rt, (uint64_t)now_ms,
	    d->cfg.refresh_interval_ms);
	if (b < 0)
		return;
	dht_random(d, rnd, sizeof(rnd));
	if (route_random_id_in_bucket(d->rt, b, rnd, &target) == -1)
		return;
	if (dht_lookup_internal(d, DHT_OP_REFRESH, &target, now_ms) == 0)
		d->refreshing = 1;
}

static void
dht_ping_stale(struct dht *d, int64_t now_ms)
{
	struct route_node n;
	struct wire_msg m;
	int i;

	for (i = 0; i < DHT_STALE_PINGS && dht_rpc_room(d) > 0; i++) {
		if (!route_oldest_unpinged(d->rt, (uint64_t)now_ms,
		    d->cfg.refresh_interval_ms, &n))
			break;
		memset(&m, 0, sizeof(m));
		m.type = WIRE_PING;
		(void)dht_request(d, &n.addr, &n.id, &m, DHT_RPC_LIVENESS,
		    NULL, now_ms);
	}
}

void
dht_maint(struct dht *d, int64_t now_ms, int64_t wall_ms)
{
	if (d->nboot > 0 && now_ms >= d->boot_next_ms) {
		if (route_count(d->rt) == 0) {
			d->joined = 0;
			dht_boot_round(d, now_ms);
		} else {
			/* Others found us first: join through them. */
			d->boot_next_ms = INT64_MAX;
			dht_join(d, now_ms);
		}
	}
	dht_join_refresh(d, now_ms);
	if (now_ms < d->maint_next_ms)
		return;
	d->maint_next_ms = now_ms + DHT_MAINT_INTERVAL_MS;
	if (now_ms - d->secret_ms >= DHT_SECRET_ROTATE_MS) {
		memcpy(d->secret[1], d->secret[0], DHT_SECRET_LEN);
		dht_random(d, d->secret[0], DHT_SECRET_LEN);
		d->secret_ms = now_ms;
	}
	/* Lost every peer: start over from the bootstrap addresses. */
	if (d->nboot > 0 && d->boot_next_ms == INT64_MAX &&
	    route_count(d->rt) == 0) {
		d->joined = 0;
		d->boot_backoff_ms = DHT_BOOT_MIN_MS;
		dht_boot_round(d, now_ms);
	}
	dht_refresh(d, now_ms);
	dht_ping_stale(d, now_ms);
}

int64_t
dht_maint_deadline(const struct dht *d)
{
	if (d->join_refresh && !d->refreshing)
		return INT64_MIN;	/* the next refresh lookup, now */
	return d->maint_next_ms < d->boot_next_ms ? d->maint_next_ms :
	    d->boot_next_ms;
}

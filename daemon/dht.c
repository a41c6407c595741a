/*
 * dht — the engine's top: builds its parts (docs/HACKING.md has the map),
 * takes datagrams in (reassembly, decoding, requests to serve, answers to
 * rpc and on to their senders' hooks), keeps the routing table told of
 * every node heard from or lost, runs the parts' timers, and gathers
 * their counters.  The only file that knows all the parts.
 */
#include <stdlib.h>
#include <string.h>

#include "admit.h"
#include "dht.h"
#include "dht_impl.h"
#include "frag.h"
#include "handover.h"
#include "ident.h"
#include "join.h"
#include "log.h"
#include "listen.h"
#include "op.h"
#include "ratelimit.h"
#include "repub.h"
#include "serve.h"

#define DHT_DEFAULT_ALPHA	3
#define DHT_DEFAULT_MAX_TTL_S	604800
#define DHT_DEFAULT_REFRESH_MS	3600000
#define DHT_DEFAULT_REPUBLISH_MS 3600000	/* Kademlia's hour */
/* Our requests to one peer keep under its default rate limit (rpc.h). */
_Static_assert(RPC_PACE_PER_S < RATELIMIT_PER_S &&
    RPC_PACE_BURST < RATELIMIT_BURST,
    "rpc's pace must stay under a peer's default rate limit");
static void
dht_emit(void *arg, const struct addr *to, const uint8_t *buf, size_t len)
{
	struct dht *d = arg;

	d->io.send(d->io.arg, to, buf, len);
}

enum dht_peer_event { DHT_PEER_ADDED, DHT_PEER_REFUSED, DHT_PEER_EVICTED };

/*
 * A routing-table change at debug level, rate-limited per kind (log.h):
 * one format string each, since log_debug_rl counts per format.
 */
static void
dht_log_peer(enum dht_peer_event ev, const struct id *id,
    const struct addr *a)
{
	char hex[ID_HEX_LEN + 1], as[ADDR_STRLEN];

	if (log_getlevel() < LOG_LEVEL_DEBUG)
		return;
	id_to_hex(id, hex);
	hex[16] = '\0';
	addr_str(a, as, sizeof(as));
	if (ev == DHT_PEER_ADDED)
		log_debug_rl("peer %s at %s added to the routing table", hex,
		    as);
	else if (ev == DHT_PEER_REFUSED)
		log_debug_rl("peer %s at %s refused: over a per-IP or "
		    "per-prefix limit", hex, as);
	else
		log_debug_rl("peer %s at %s evicted: stopped answering", hex,
		    as);
}

/* An RPC to id failed: the routing table learns (and may evict it). */
static void
dht_route_failed(struct dht *d, const struct id *id, const struct addr *a,
    int64_t now_ms)
{
	if (route_failed(d->env.rt, id, (uint64_t)now_ms) == 1)
		dht_log_peer(DHT_PEER_EVICTED, id, a);
}

/*
 * A node was heard from: the routing table, dead list and hand-over learn.
 * Only a node that proved its ID enters the table (admit.h): `proof` is 1
 * when this answer proved it, -1 when it was a challenge that failed (no
 * new one), 0 otherwise (an unknown node gets a challenge).
 */
static void
dht_route_seen(struct dht *d, const struct id *id, const struct addr *from,
    uint32_t rtt_us, int proof, int64_t now_ms)
{
	struct route_node ev;

	rpc_alive(d->env.rpc, id);
	if (proof != 1 && !admit_known(d->adm, id, from)) {
		if (proof == 0)
			admit_challenge(d->adm, id, from, now_ms);
		return;
	}
	switch (route_seen(d->env.rt, id, from, (uint64_t)now_ms, rtt_us,
	    &ev)) {
	case ROUTE_ADDED:
		dht_log_peer(DHT_PEER_ADDED, id, from);
		handover_add(d->ho, id, from);
		break;
	case ROUTE_REFUSED:
		dht_log_peer(DHT_PEER_REFUSED, id, from);
		break;
	case ROUTE_PING:
		join_ping(d->join, &ev, now_ms);
		break;
	default:
		break;
	}
}

/*
 * A request refreshes an entry only from the entry's own address; a node
 * that proved its ID at that address lately may enter without a new
 * proof (at worst a forged request puts the real pair in); a node we do
 * not know gets the admission ping (admit_request).
 */
static void
dht_route_request(struct dht *d, const struct id *id, const struct addr *from,
    size_t room, int64_t now_ms)
{
	struct route_node e;

	if (route_get(d->env.rt, id, &e) == 0) {
		if (addr_eq(&e.addr, from))
			dht_route_seen(d, id, from, 0, 0, now_ms);
		return;
	}
	if (admit_known(d->adm, id, from))
		dht_route_seen(d, id, from, 0, 0, now_ms);
	else
		admit_request(d->adm, id, from, room, now_ms);
}

static void
dht_on_request(struct dht *d, const struct addr *from,
    const struct wire_msg *m, size_t len, int64_t now_ms, int64_t wall_ms)
{
	struct serve_outcome so;
	size_t room;

	/* Over its source's rate: no answer, no routing upkeep. */
	if (!ratelimit_request(d->rl, from, now_ms))
		return;
	if (!serve_request(d->serve, from, m, len, now_ms, wall_ms, &so))
		return;
	room = so.proven ? SIZE_MAX : so.sent < len ? len - so.sent : 0;
	dht_route_request(d, &m->sender, from, room, now_ms);
}

/* A Listen proves its source by its token: then any admission ping. */
static void
dht_on_listen(struct dht *d, const struct addr *from,
    const struct wire_msg *m, size_t len, int64_t now_ms, int64_t wall_ms)
{
	if (!ratelimit_request(d->rl, from, now_ms))
		return;
	if (listen_request(d->ls, from, m, len, now_ms, wall_ms))
		dht_route_request(d, &m->sender, from, SIZE_MAX, now_ms);
}

/*
 * A Notify comes from a node a watch subscribed at, but proves nothing in
 * this exchange: its ListenAck is smaller, and no admission ping goes.
 */
static void
dht_on_notify(struct dht *d, const struct addr *from,
    const struct wire_msg *m, size_t len, int64_t now_ms, int64_t wall_ms)
{
	(void)len;
	if (!ratelimit_request(d->rl, from, now_ms))
		return;
	if (op_watch_notify(d->wl, from, m, now_ms, wall_ms))
		dht_route_request(d, &m->sender, from, 0, now_ms);
}

/* env's make_room: a local put under a full key (serve_make_room). */
static int
dht_make_room(void *arg, const struct id *key)
{
	struct dht *d = arg;

	return serve_make_room(d->serve, NULL, key);
}

/* rpc asks before each answer goes: the global byte budget. */
static int
dht_answer_gate(void *arg, size_t len, int64_t now_ms)
{
	struct dht *d = arg;

	return ratelimit_answer(d->rl, len, now_ms);
}

/* The outcome of a request, to whoever sent it (rpc.h). */
static void
dht_failed(const struct rpc_call *c, int64_t now_ms)
{
	if (c->ops->failed != NULL)
		c->ops->failed(c->ctx, c, now_ms);
}

static void
dht_on_response(struct dht *d, const struct addr *from,
    const struct wire_msg *m, size_t len, int64_t now_ms, int64_t wall_ms)
{
	struct rpc_call c;
	enum rpc_match how;
	uint32_t srtt = 0, rttvar;
	int proof;

	/* A Retry's request went again: its answer will tell. */
	if ((how = rpc_match(d->env.rpc, from, m, now_ms, &c)) ==
	    RPC_UNMATCHED || how == RPC_RETRIED)
		return;
	/* route shows rpc's smoothed estimate, updated by this answer. */
	if (c.rtt_us != 0)
		(void)rpc_rtt(d->env.rpc, from, &srtt, &rttvar);
	/* The answer to a challenge proves the sender's ID, or fails to. */
	proof = c.noncelen == 0 ? 0 :
	    admit_pong(d->adm, &c, m, from, now_ms) ? 1 : -1;
	if (how == RPC_MOVED) {
		/* Another node answers at that address now. */
		dht_route_failed(d, &c.id, &c.to, now_ms);
		dht_failed(&c, now_ms);
		dht_route_seen(d, &m->sender, from, srtt, proof, now_ms);
		return;
	}
	dht_route_seen(d, &m->sender, from, srtt, proof, now_ms);
	if (m->type == WIRE_NODES && !c.no_token)
		token_peer_put(d->env.tok, from, &c.key, m->u.nodes.token,
		    m->u.nodes.tokenlen, now_ms);
	else if (m->type == WIRE_VALUES && c.type == WIRE_FIND_VALUE)
		token_peer_put(d->env.tok, from, &c.key, m->u.values.token,
		    m->u.values.tokenlen, now_ms);
	if (m->type == WIRE_ERROR || m->type == WIRE_RETRY) {
		/* Alive but refusing: a failure without the timeout. */
		if (m->u.error.code == WIRE_ERR_BAD_TOKEN)
			token_peer_forget(d->env.tok, from, &c.key);
		dht_failed(&c, now_ms);
	} else if (c.ops->reply != NULL)
		c.ops->reply(c.ctx, &c, m, now_ms, wall_ms);
}

typedef void	dht_handler(struct dht *, const struct addr *,
		    const struct wire_msg *, size_t, int64_t, int64_t);

static dht_handler *const dht_handlers[] = {
	[WIRE_PING] = dht_on_request,
	[WIRE_PONG] = dht_on_response,
	[WIRE_FIND_NODE] = dht_on_request,
	[WIRE_NODES] = dht_on_response,
	[WIRE_FIND_VALUE] = dht_on_request,
	[WIRE_VALUES] = dht_on_response,
	[WIRE_STORE] = dht_on_request,
	[WIRE_STORE_ACK] = dht_on_response,
	[WIRE_ERROR] = dht_on_response,
	[WIRE_RETRY] = dht_on_response,
	[WIRE_GET_VALUES] = dht_on_request,
	[WIRE_LISTEN] = dht_on_listen,
	[WIRE_LISTEN_ACK] = dht_on_response,
	[WIRE_NOTIFY] = dht_on_notify,
};

static void
dht_input_msg(struct dht *d, const struct addr *from, const uint8_t *buf,
    size_t len, int64_t now_ms, int64_t wall_ms)
{
	struct wire_msg m;
	const char *errstr;

	if (wire_decode(buf, len, &m, &errstr) == -1) {
		d->st.rx_dropped_decode++;
		return;
	}
	if ((unsigned)m.type >= sizeof(dht_handlers) / sizeof(dht_handlers[0])
	    || dht_handlers[m.type] == NULL || id_eq(&m.sender, &d->env.self)) {
		d->st.rx_dropped_decode++;
		wire_msg_free(&m);
		return;
	}
	d->st.rx_msgs[m.type]++;
	dht_handlers[m.type](d, from, &m, len, now_ms, wall_ms);
	wire_msg_free(&m);
}

void
dht_input(struct dht *d, const struct addr *from, const uint8_t *buf,
    size_t len, int64_t now_ms, int64_t wall_ms)
{
	enum frag_result fr;
	const char *errstr;
	const uint8_t *part;
	uint8_t *msg;
	size_t mlen, off;

	d->wall_ms = wall_ms;
	/* Longer messages travel in fragments: a big datagram breaks a rule. */
	if (!route_addr_usable(from) ||
	    len > wire_whole_max(from, d->env.local_whole)) {
		d->st.rx_dropped_decode++;
		return;
	}
	switch (wire_peek_kind(buf, len, &errstr)) {
	case WIRE_KIND_WHOLE:
		dht_input_msg(d, from, buf, len, now_ms, wall_ms);
		break;
	case WIRE_KIND_FRAG:
		fr = frag_in_input(d->fin, from, buf, len, now_ms, &msg, &mlen,
		    &errstr);
		if (fr == FRAG_DROP)
			d->st.rx_dropped_frag++;
		else if (fr == FRAG_COMPLETE) {
			dht_input_msg(d, from, msg, mlen, now_ms, wall_ms);
			free(msg);
		}
		break;
	case WIRE_KIND_NACK:
		if (rpc_nack(d->env.rpc, from, buf, len, now_ms) < 0)
			d->st.rx_dropped_frag++;
		break;
	case WIRE_KIND_BUNDLE:
		/* Checked whole first: one bad entry drops them all. */
		if (wire_bundle_check(buf, len, &errstr) == -1) {
			d->st.rx_dropped_decode++;
			break;
		}
		d->st.rx_bundles++;
		for (off = 0; (mlen = wire_bundle_next(buf, len, &off,
		    &part)) > 0;)
			dht_input_msg(d, from, part, mlen, now_ms, wall_ms);
		break;
	default:
		d->st.rx_dropped_decode++;
		/* Ours but another version: a node of another release. */
		if (len >= WIRE_HDR_LEN && buf[0] == WIRE_MAGIC0 &&
		    buf[1] == WIRE_MAGIC1 && buf[2] != WIRE_VERSION)
			d->st.rx_dropped_version++;
		break;
	}
	op_run_completions(d->ops, now_ms);
}

/* Requests out of tries: the routing table learns, then their senders. */
static void
dht_expire(struct dht *d, int64_t now_ms)
{
	struct rpc_call c;

	while (rpc_expire(d->env.rpc, now_ms, &c)) {
		if (c.id_known && !c.once)
			dht_route_failed(d, &c.id, &c.to, now_ms);
		dht_failed(&c, now_ms);
	}
	/* Lookups stop waiting for what was resent (rpc_ops.stalled). */
	while (rpc_stalled(d->env.rpc, &c))
		c.ops->stalled(c.ctx, &c, now_ms);
}

static int64_t
dht_min(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int64_t
dht_periodic(struct dht *d, int64_t now_ms, int64_t wall_ms)
{
	uint8_t fresh[TOKEN_SECRET_LEN];
	int64_t next, lk_next;

	d->wall_ms = wall_ms;
	dht_expire(d, now_ms);
	frag_in_tick(d->fin, now_ms, dht_emit, d);
	rpc_tick(d->env.rpc, now_ms);
	if (token_rotate_due(d->env.tok, now_ms)) {
		env_random(&d->env, fresh, sizeof(fresh));
		token_rotate(d->env.tok, fresh, now_ms);
	}
	join_step(d->join, now_ms);
	lk_next = op_tick(d->ops, now_ms);
	handover_step(d->ho, now_ms, wall_ms);
	repub_step(d->rp, now_ms, wall_ms);
	next = dht_min(listen_tick(d->ls, now_ms, wall_ms),
	    op_watch_tick(d->wl, now_ms, wall_ms));
	op_run_completions(d->ops, now_ms);

	if (op_completions_due(d->ops) || handover_busy(d->ho, now_ms))
		return now_ms;
	next = dht_min(next, handover_deadline(d->ho));
	next = dht_min(next, join_deadline(d->join));
	next = dht_min(next, repub_deadline(d->rp));
	next = dht_min(next, rpc_deadline(d->env.rpc));
	next = dht_min(next, frag_in_next_deadline(d->fin));
	next = dht_min(next, lk_next);
	return next < now_ms ? now_ms : next;
}

/* ---- lifecycle ----------------------------------------------------------- */

/* A value entered the store: watches here and subscribers learn. */
static void
dht_value_new(struct dht *d, const struct id *key, const uint8_t *data,
    size_t len, int64_t created_ms, int64_t expires_ms,
    const struct value_attr *attr, int64_t now_ms)
{
	struct wire_value v = { .data = data, .len = (uint32_t)len,
	    .created_ms = created_ms, .expires_ms = expires_ms };

	if (attr != NULL)
		v.attr = *attr;
	listen_stored(d->ls, key, &v, now_ms);
	op_watch_local(d->wl, key, &v, d->wall_ms);
}

static void
dht_stored(void *arg, const struct id *key, const uint8_t *data, size_t len,
    int64_t created_ms, int64_t expires_ms, const struct value_attr *attr,
    const uint8_t hash[SIGVAL_HASH_LEN], int64_t now_ms)
{
	struct dht *d = arg;

	repub_seen_note(d->rp, key, hash, now_ms);
	dht_value_new(d, key, data, len, created_ms, expires_ms, attr, now_ms);
}

/* The configuration with its defaults and bounds applied, into env. */
static void
dht_env_config(struct env *env, const struct dht_config *cfg,
    struct rpc_config *rc)
{
	struct dht_config c;

	memset(&c, 0, sizeof(c));
	if (cfg != NULL)
		c = *cfg;
	env->k = c.k == 0 ? ROUTE_K : c.k;
	if (env->k > WIRE_MAX_NODES)
		env->k = WIRE_MAX_NODES;
	env->alpha = c.alpha == 0 ? DHT_DEFAULT_ALPHA : c.alpha;
	if (env->alpha > LOOKUP_MAX_ALPHA)
		env->alpha = LOOKUP_MAX_ALPHA;
	env->max_ttl_s = c.max_ttl_s == 0 ? DHT_DEFAULT_MAX_TTL_S :
	    c.max_ttl_s;
	env->refresh_ms = c.refresh_interval_ms == 0 ?
	    DHT_DEFAULT_REFRESH_MS : c.refresh_interval_ms;
	env->republish_ms = c.republish_interval_ms == 0 ?
	    DHT_DEFAULT_REPUBLISH_MS : c.republish_interval_ms;
	if (env->republish_ms < REPUB_MIN_INTERVAL_MS)
		env->republish_ms = REPUB_MIN_INTERVAL_MS;
	env->local_whole = rc->local_whole = c.local_whole != 0;
	rc->timeout_ms = c.rpc_timeout_ms;
	rc->retries = c.rpc_retries;
	rc->rtt_max = c.addr_cache_max;
}

struct dht *
dht_new(const struct keys_pair *keys, struct store *store,
    const struct dht_config *cfg, const struct dht_io *io, int64_t now_ms)
{
	const struct id *self;
	uint8_t seed[TOKEN_SEED_LEN];
	struct rpc_config rc;
	struct ratelimit_config rlc;
	struct rpc_io rio;
	struct dht *d;
	uint64_t fseed, hsalt, rsalt;

	if (keys == NULL || store == NULL || io == NULL || io->send == NULL ||
	    io->random == NULL || (cfg != NULL &&
	    cfg->id_difficulty > IDENT_MAX_DIFFICULTY))
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->io = *io;
	d->env.keys = *keys;
	ident_id(keys->pub, &d->env.self);
	self = &d->env.self;
	d->env.id_difficulty = cfg != NULL ? cfg->id_difficulty : 0;
	/* Peers of that difficulty would refuse our ID. */
	if (!ident_meets(self, d->env.id_difficulty)) {
		free(d);
		return NULL;
	}
	d->env.store = store;
	d->env.vref = d->vref;
	d->env.random = io->random;
	d->env.random_arg = io->arg;
	dht_env_config(&d->env, cfg, &rc);
	rio.send = io->send;
	rio.send_request = io->send_request;
	rio.send_join = io->send_join;
	rio.random = io->random;
	rio.arg = io->arg;
	env_random(&d->env, seed, sizeof(seed));
	env_random(&d->env, &fseed, sizeof(fseed));
	env_random(&d->env, &hsalt, sizeof(hsalt));
	/* Not a draw of its own: the simulator's runs stay as they were. */
	rsalt = hsalt ^ UINT64_C(0x9e3779b97f4a7c15);
	memset(&rlc, 0, sizeof(rlc));
	if (cfg != NULL) {
		rlc.per_s = cfg->rate_per_s;
		rlc.burst = cfg->rate_burst;
		rlc.answer_bps = cfg->answer_bps;
		rlc.sources_max = cfg->addr_cache_max;
		rlc.limit_local = cfg->limit_local;
	}
	if ((d->env.rt = route_new(self, (uint64_t)now_ms)) == NULL ||
	    (d->env.rpc = rpc_new(self, &rc, &rio, now_ms)) == NULL ||
	    (d->env.tok = token_new(seed, now_ms)) == NULL ||
	    (d->env.hold = hold_new(hsalt)) == NULL ||
	    (d->fin = frag_in_new(fseed)) == NULL ||
	    (d->rl = ratelimit_new(&rlc, rsalt, now_ms)) == NULL ||
	    (d->ops = op_set_new(&d->env)) == NULL ||
	    (d->serve = serve_new(&d->env, cfg != NULL &&
	    cfg->hold_store_acks, dht_stored, d)) == NULL ||
	    (d->join = join_new(&d->env, d->ops, now_ms)) == NULL ||
	    (d->ho = handover_new(&d->env)) == NULL ||
	    (d->rp = repub_new(&d->env, d->ops, now_ms)) == NULL ||
	    (d->ls = listen_new(&d->env)) == NULL ||
	    (d->adm = admit_new(&d->env, cfg != NULL ? cfg->addr_cache_max :
	    0, rsalt ^ hsalt, now_ms)) == NULL ||
	    (d->wl = op_watch_list_new(&d->env)) == NULL)
		goto fail;
	d->env.make_room = dht_make_room;
	d->env.make_room_arg = d;
	route_set_limit_local(d->env.rt, cfg != NULL && cfg->limit_local);
	route_set_wide(d->env.rt, cfg == NULL || !cfg->narrow_buckets);
	d->env.limit_local = cfg != NULL && cfg->limit_local;
	rpc_set_answer_gate(d->env.rpc, dht_answer_gate, d);
	if (cfg != NULL && serve_quota(d->serve, &cfg->quota, ~hsalt) == -1)
		goto fail;
	if (cfg != NULL && cfg->addr_cache_max != 0)
		token_limit(d->env.tok, cfg->addr_cache_max);
	return d;
fail:
	dht_free(d);
	return NULL;
}

void
dht_free(struct dht *d)
{
	if (d == NULL)
		return;
	/* Operations first: freeing one cancels its requests. */
	op_set_free(d->ops);
	op_watch_list_free(d->wl);
	admit_free(d->adm);
	listen_free(d->ls);
	repub_free(d->rp);
	handover_free(d->ho);
	join_free(d->join);
	serve_free(d->serve);
	frag_in_free(d->fin);
	ratelimit_free(d->rl);
	hold_free(d->env.hold);
	token_free(d->env.tok);
	rpc_free(d->env.rpc);
	route_free(d->env.rt);
	keys_wipe(&d->env.keys);
	free(d);
}

/* ---- what the rest of emod calls ------------------------------------ */

void
dht_bootstrap(struct dht *d, const struct addr *addrs, size_t n,
    int64_t now_ms)
{
	if (n > DHT_MAX_BOOTSTRAP)
		n = DHT_MAX_BOOTSTRAP;
	(void)join_bootstrap(d->join, addrs, n, now_ms);
}


int
dht_put_value(struct dht *d, const struct id *key, const void *data,
    size_t len, const struct value_attr *attr, int64_t created_ms,
    int64_t expires_ms, int64_t now_ms, int64_t wall_ms, op_put_cb *cb,
    void *arg)
{
	struct store_value sv;
	struct listen_stats ls;
	struct op_watch_stats ws;
	uint8_t hash[STORE_HASH_LEN];
	const char *errstr;

	if (op_put_start(d->ops, key, data, len, attr, created_ms, expires_ms,
	    now_ms, wall_ms, cb, arg) == -1)
		return -1;
	/* Nobody watching: nothing more to do (and nothing read). */
	listen_get_stats(d->ls, &ls);
	op_watch_get_stats(d->wl, &ws);
	if (ls.subs == 0 && ws.watches == 0)
		return 0;
	sigval_hash(attr, data, len, hash);
	memset(&sv, 0, sizeof(sv));
	if (store_get_hash(d->env.store, key->b, hash, wall_ms, &sv,
	    &errstr) == 1) {
		d->wall_ms = wall_ms;
		dht_value_new(d, key, sv.data, sv.len, sv.created_ms,
		    sv.expires_ms, &sv.attr, now_ms);
		free(sv.data);
	}
	return 0;
}

struct op_watch *
dht_watch(struct dht *d, const struct id *key, int64_t since_ms,
    int64_t now_ms, int64_t wall_ms, op_watch_cb *cb, void *arg)
{
	return op_watch_start(d->ops, d->wl, key, since_ms, now_ms, wall_ms,
	    cb, arg);
}

void
dht_watch_stop(struct dht *d, struct op_watch *w, int64_t now_ms)
{
	op_watch_stop(w, now_ms);
}

int
dht_get(struct dht *d, const struct id *key, int64_t since_ms,
    int64_t now_ms, int64_t wall_ms, op_get_cb *cb, void *arg)
{
	return op_get_start(d->ops, key, since_ms, now_ms, wall_ms, cb, arg);
}

int
dht_ping(struct dht *d, const struct addr *to, int64_t now_ms,
    op_ping_cb *cb, void *arg)
{
	return op_ping_start(d->ops, to, now_ms, cb, arg);
}

int
dht_find_node(struct dht *d, const struct id *target, int64_t now_ms,
    op_find_cb *cb, void *arg)
{
	return op_find_start(d->ops, target, 0, now_ms, cb, arg);
}

size_t
dht_held(const struct dht *d)
{
	return serve_held(d->serve);
}

void
dht_flushed(struct dht *d, int ok, int64_t now_ms)
{
	serve_flushed(d->serve, ok, now_ms);
}

const struct id *
dht_self(const struct dht *d)
{
	return &d->env.self;
}

size_t
dht_peers(const struct dht *d, struct route_node *out, size_t max)
{
	return route_export(d->env.rt, out, max);
}

size_t
dht_peer_count(const struct dht *d)
{
	return route_count(d->env.rt);
}

void
dht_boot_state(const struct dht *d, struct join_boot *b)
{
	join_boot_state(d->join, b);
}

const char *
dht_msg_name(unsigned type)
{
	if (type < WIRE_PING || type > WIRE_RETRY)
		return NULL;
	return wire_type_name((enum wire_type)type);
}

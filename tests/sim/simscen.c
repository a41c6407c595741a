/*
 * simscen — what the simulator's scenarios and the engine's Check suites
 * share on top of simnet: set-up, operations on a node, keys with their
 * expected values, one operation's callbacks.  Only simnet's public
 * functions; see simnet.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dht.h"
#include "simnet.h"

/* ---- set-up ------------------------------------------------------------ */

void
simnet_config_init(struct simnet_config *cfg, uint64_t seed)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->seed = seed;
	cfg->lat_min_ms = 1;
	cfg->lat_max_ms = 20;
}

uint64_t
simnet_seed_arg(int argc, char **argv, uint64_t dflt)
{
	return argc > 1 ? strtoull(argv[1], NULL, 0) : dflt;
}

struct simnet *
simnet_start(const struct simnet_config *cfg, size_t n, size_t nboot,
    uint32_t gap_ms, uint32_t settle_ms, const char *prog)
{
	struct simnet *sn;

	if ((sn = simnet_new(cfg)) == NULL ||
	    simnet_build(sn, n, nboot, gap_ms, settle_ms) == -1) {
		if (prog != NULL)
			fprintf(stderr, "%s: cannot build the network\n", prog);
		simnet_free(sn);
		return NULL;
	}
	return sn;
}

size_t
simnet_random_live(struct simnet *sn)
{
	size_t i;

	do
		i = simnet_rand_below(sn, simnet_count(sn));
	while (!simnet_alive(sn, i));
	return i;
}

long
simnet_find_id(const struct simnet *sn, const struct id *id)
{
	size_t i;

	for (i = 0; i < simnet_count(sn); i++)
		if (id_eq(simnet_id(sn, i), id))
			return (long)i;
	return SIMNET_NOWHERE;
}

size_t
simnet_closest(const struct simnet *sn, const struct id *target,
    size_t exclude, size_t *out, size_t k)
{
	size_t i, j, n = 0;

	if (k == 0)
		return 0;
	for (i = 0; i < simnet_count(sn); i++) {
		if (i == exclude || !simnet_alive(sn, i))
			continue;
		if (n == k && id_distcmp(target, simnet_id(sn, i),
		    simnet_id(sn, out[n - 1])) >= 0)
			continue;
		j = n < k ? n++ : n - 1;
		while (j > 0 && id_distcmp(target, simnet_id(sn, i),
		    simnet_id(sn, out[j - 1])) < 0) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = i;
	}
	return n;
}

void
simnet_outside_addr(struct addr *a, uint32_t n)
{
	memset(a, 0, sizeof(*a));
	a->u.sin.sin_family = AF_INET;
	a->u.sin.sin_port = htons(SIMNET_PORT);
	a->u.sin.sin_addr.s_addr = htonl((10u << 24) | (n & 0xffffff));
	a->len = sizeof(a->u.sin);
}

/* ---- operations -------------------------------------------------------- */

int
simnet_put(struct simnet *sn, size_t i, const struct id *key,
    const void *data, size_t len, int64_t created_ms, int64_t expires_ms,
    op_put_cb *cb, void *arg)
{
	int rc;

	rc = dht_put(simnet_dht(sn, i), key, data, len, created_ms, expires_ms,
	    simnet_now(sn), simnet_wall(sn), cb, arg);
	simnet_touch(sn, i);
	return rc;
}

int
simnet_get(struct simnet *sn, size_t i, const struct id *key,
    int64_t since_ms, op_get_cb *cb, void *arg)
{
	int rc;

	rc = dht_get(simnet_dht(sn, i), key, since_ms, simnet_now(sn),
	    simnet_wall(sn), cb, arg);
	simnet_touch(sn, i);
	return rc;
}

int
simnet_find_node(struct simnet *sn, size_t i, const struct id *target,
    op_find_cb *cb, void *arg)
{
	if (dht_find_node(simnet_dht(sn, i), target, simnet_now(sn), cb, arg) == -1)
		return -1;
	simnet_touch(sn, i);
	return 0;
}

/* ---- keys and their expected values ------------------------------------ */

void
simnet_key_id(struct id *id, const char *prefix, size_t i)
{
	char name[64];

	snprintf(name, sizeof(name), "%s-%zu", prefix, i);
	id_from_name(id, name, strlen(name));
}

int
simnet_key_add(struct simnet *sn, struct simnet_key *k, uint32_t len,
    int64_t ttl_ms)
{
	size_t j = k->nvals;

	if (j >= SIMNET_KEY_VALUES || (k->data[j] = malloc(len)) == NULL)
		return -1;
	k->len[j] = len;
	simnet_io_fill(sn, k->data[j], len);
	k->created[j] = simnet_wall(sn) - 1000 + (int64_t)j;
	k->expires[j] = simnet_wall(sn) + ttl_ms + (int64_t)j;
	k->nvals++;
	return 0;
}

int
simnet_key_match(const struct simnet_key *k, const struct store_result *v)
{
	size_t i;

	if (v->n != k->nvals)
		return 0;
	for (i = 0; i < v->n; i++)
		if (v->v[i].len != k->len[i] ||
		    memcmp(v->v[i].data, k->data[i], k->len[i]) != 0 ||
		    v->v[i].created_ms != k->created[i] ||
		    v->v[i].expires_ms != k->expires[i])
			return 0;
	return 1;
}

size_t
simnet_key_replicas(struct simnet *sn, const struct simnet_key *k)
{
	struct store_result res;
	size_t i, n = 0;

	for (i = 0; i < simnet_count(sn); i++) {
		if (!simnet_alive(sn, i))
			continue;
		memset(&res, 0, sizeof(res));
		if (store_get(simnet_store(sn, i), k->id.b, 0, simnet_wall(sn),
		    &res, NULL) == 0 && simnet_key_match(k, &res))
			n++;
		store_result_free(&res);
	}
	return n;
}

void
simnet_key_free(struct simnet_key *k)
{
	size_t j;

	if (k == NULL)
		return;
	for (j = 0; j < k->nvals; j++)
		free(k->data[j]);
	k->nvals = 0;
}

/* ---- one operation and its callbacks ------------------------------------ */

void
simnet_op_init(struct simnet_op *o, struct simnet *sn, unsigned *pending,
    const struct simnet_key *key, size_t node)
{
	memset(o, 0, sizeof(*o));
	o->sn = sn;
	o->pending = pending;
	o->key = key;
	o->node = node;
	o->start = simnet_now(sn);
	(*pending)++;
}

void
simnet_op_put_cb(void *arg, const struct op_put_result *r)
{
	struct simnet_op *o = arg;

	o->done = 1;
	o->err = r->err;
	o->acks = r->acks;
	o->remote_acks = r->remote_acks;
	o->ok = r->err == DHT_OK && r->remote_acks > 0;
	if (o->digest != NULL)
		keccak256_update(o->digest, &r->acks, sizeof(r->acks));
	(*o->pending)--;
}

void
simnet_op_get_cb(void *arg, const struct op_get_result *r)
{
	struct simnet_op *o = arg;
	size_t i;

	o->done = 1;
	o->err = r->err;
	o->responders = r->responders;
	o->ms = simnet_now(o->sn) - o->start;
	if (o->key == NULL)
		o->ok = r->err == DHT_ERR_NOT_FOUND;
	else
		o->ok = r->err == DHT_OK && simnet_key_match(o->key,
		    &r->values);
	if (o->digest != NULL) {
		keccak256_update(o->digest, &r->err, sizeof(r->err));
		for (i = 0; i < r->values.n; i++)
			keccak256_update(o->digest, r->values.v[i].data,
			    r->values.v[i].len);
	}
	(*o->pending)--;
}

/* ---- checked lookups ---------------------------------------------------- */

#define SIMNET_LOOKUPS_PARALLEL	10
#define SIMNET_LOOKUPS_LIMIT_MS	120000

static void
simnet_find_done(void *arg, enum dht_err err, const struct route_node *nodes,
    size_t n, int64_t now_ms)
{
	struct simnet_find *f = arg;

	f->done = 1;
	f->err = err;
	f->n = n < ROUTE_K ? n : ROUTE_K;
	if (f->n > 0)
		memcpy(f->nodes, nodes, f->n * sizeof(nodes[0]));
	(*f->pending)--;
}

int
simnet_lookups(struct simnet *sn, unsigned count, const char *what,
    simnet_find_check *check, void *arg)
{
	struct simnet_find f[SIMNET_LOOKUPS_PARALLEL];
	struct dht_stats ds;
	uint64_t q0[SIMNET_LOOKUPS_PARALLEL];
	unsigned pending, started = 0, i, j, batch;

	while (started < count) {
		batch = count - started < SIMNET_LOOKUPS_PARALLEL ?
		    count - started : SIMNET_LOOKUPS_PARALLEL;
		pending = 0;
		for (i = 0; i < batch; i++) {
			memset(&f[i], 0, sizeof(f[i]));
			f[i].pending = &pending;
			f[i].asker = simnet_random_live(sn);
			simnet_io_fill(sn, f[i].target.b, ID_LEN);
			dht_get_stats(simnet_dht(sn, f[i].asker), &ds);
			q0[i] = ds.lookup_queries;
			pending++;
			if (simnet_find_node(sn, f[i].asker, &f[i].target,
			    simnet_find_done, &f[i]) == -1)
				return -1;
		}
		simnet_wait(sn, &pending, SIMNET_LOOKUPS_LIMIT_MS, what);
		for (i = 0; i < batch; i++) {
			for (j = 0; j < i && f[j].asker != f[i].asker; j++)
				;
			if (j == i && simnet_alive(sn, f[i].asker)) {
				dht_get_stats(simnet_dht(sn, f[i].asker), &ds);
				f[i].queries = ds.lookup_queries - q0[i];
			}
		}
		for (i = 0; i < batch; i++)
			check(arg, sn, &f[i]);
		started += batch;
	}
	return 0;
}

void
simnet_find_score(const struct simnet *sn, const struct simnet_find *f,
    struct simnet_score *sc)
{
	size_t want[ROUTE_K], i, j;

	memset(sc, 0, sizeof(*sc));
	sc->want = simnet_closest(sn, &f->target, f->asker, want, ROUTE_K);
	sc->exact = f->done && f->err == DHT_OK && f->n == sc->want;
	for (i = 0; i < sc->want; i++) {
		for (j = 0; j < f->n; j++)
			if (id_eq(&f->nodes[j].id, simnet_id(sn, want[i])))
				break;
		if (j < f->n) {
			sc->hit++;
			if (i == 0)
				sc->first = 1;
		}
		if (i >= f->n ||
		    !id_eq(&f->nodes[i].id, simnet_id(sn, want[i])))
			sc->exact = 0;
	}
}

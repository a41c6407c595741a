/*
 * perm — the list of permanent values: see perm.h.  The saved form (the
 * store's named record "permanent"), all integers big-endian:
 *   version (1) = 1 | count (4) | per value: key (32) | ttl_s (4) |
 *   name length (2) | name | value length (4) | value
 * The next re-put time is not saved: a restarted node re-puts at once.
 */
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "bytes.h"
#include "log.h"
#include "perm.h"
#include "store.h"

#define PERM_RECORD		"permanent"
#define PERM_VERSION		1

struct perm {
	struct node		*node;
	struct store		*store;
	struct event		*ev;
	struct perm_value	*v[PERM_MAX];
	size_t			 n;
	uint64_t		 bytes;
};

/* A re-put or a first put in flight: what to find again when it ends. */
struct perm_ticket {
	struct perm	*perm;
	struct id	 key;
	uint8_t		 id[PERM_ID_LEN];
	/* a first put: the value to add, and the caller to tell */
	struct perm_value *add;
	node_put_cb	*cb;
	void		*arg;
};

static int64_t
perm_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The first 16 hex digits of a key, for the log. */
static const char *
perm_key_hex(const struct id *key, char buf[ID_HEX_LEN + 1])
{
	id_to_hex(key, buf);
	buf[16] = '\0';
	return buf;
}

void
perm_value_id(const void *data, size_t len, uint8_t id[PERM_ID_LEN])
{
	uint8_t h[STORE_HASH_LEN];

	store_hash(data, len, h);
	memcpy(id, h, PERM_ID_LEN);
}

static void
perm_value_free(struct perm_value *pv)
{
	if (pv == NULL)
		return;
	free(pv->name);
	free(pv->data);
	free(pv);
}

static struct perm_value *
perm_value_new(const struct id *key, const void *name, size_t namelen,
    const void *data, size_t len, uint32_t ttl_s)
{
	struct perm_value *pv;

	if ((pv = calloc(1, sizeof(*pv))) == NULL ||
	    (pv->data = malloc(len)) == NULL ||
	    (namelen > 0 && (pv->name = malloc(namelen)) == NULL)) {
		perm_value_free(pv);
		return NULL;
	}
	pv->key = *key;
	memcpy(pv->data, data, len);
	pv->len = (uint32_t)len;
	if (namelen > 0)
		memcpy(pv->name, name, namelen);
	pv->namelen = namelen;
	pv->ttl_s = ttl_s;
	perm_value_id(data, len, pv->id);
	return pv;
}

static ssize_t
perm_find(const struct perm *p, const struct id *key,
    const uint8_t id[PERM_ID_LEN])
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (id_eq(&p->v[i]->key, key) &&
		    memcmp(p->v[i]->id, id, PERM_ID_LEN) == 0)
			return (ssize_t)i;
	return -1;
}

/* Writes the whole list to the store; -1 (logged) if it failed. */
static int
perm_save(struct perm *p)
{
	const struct perm_value *pv;
	uint8_t *buf, *w;
	size_t i, len = 5;
	const char *errstr;
	int rv;

	for (i = 0; i < p->n; i++)
		len += ID_LEN + 4 + 2 + p->v[i]->namelen + 4 + p->v[i]->len;
	if (p->n == 0)
		len = 0;
	if (len > 0 && (buf = malloc(len)) == NULL) {
		log_warnx("permanent values: out of memory saving the list");
		return -1;
	}
	if (len == 0)
		buf = NULL;
	w = buf;
	if (w != NULL) {
		*w++ = PERM_VERSION;
		bytes_put_be32(w, (uint32_t)p->n);
		w += 4;
	}
	for (i = 0; i < p->n; i++) {
		pv = p->v[i];
		memcpy(w, pv->key.b, ID_LEN);
		w += ID_LEN;
		bytes_put_be32(w, pv->ttl_s);
		w += 4;
		bytes_put_be16(w, (uint16_t)pv->namelen);
		w += 2;
		if (pv->namelen > 0)
			memcpy(w, pv->name, pv->namelen);
		w += pv->namelen;
		bytes_put_be32(w, pv->len);
		w += 4;
		memcpy(w, pv->data, pv->len);
		w += pv->len;
	}
	rv = store_meta_put(p->store, PERM_RECORD, buf, len, &errstr);
	if (rv == -1)
		log_warnx("permanent values: cannot save the list: %s", errstr);
	free(buf);
	return rv;
}

/* Reads the saved list; -1 with *why if it is damaged. */
static int
perm_parse(struct perm *p, const uint8_t *b, size_t len, const char **why)
{
	struct perm_value *pv;
	struct id key;
	uint32_t count, ttl, vlen, i;
	uint16_t nlen;
	size_t off = 5;

	*why = "truncated";
	if (len < 5 || b[0] != PERM_VERSION) {
		*why = "unknown version";
		return -1;
	}
	count = bytes_get_be32(b + 1);
	if (count > PERM_MAX) {
		*why = "more values than " BYTES_STR(PERM_MAX);
		return -1;
	}
	for (i = 0; i < count; i++) {
		if (len - off < ID_LEN + 4 + 2)
			return -1;
		memcpy(key.b, b + off, ID_LEN);
		ttl = bytes_get_be32(b + off + ID_LEN);
		nlen = bytes_get_be16(b + off + ID_LEN + 4);
		off += ID_LEN + 4 + 2;
		if (nlen > EMO_MAX_KEY_NAME || len - off < (size_t)nlen + 4)
			return -1;
		vlen = bytes_get_be32(b + off + nlen);
		if (vlen == 0 || vlen > EMO_MAX_VALUE ||
		    len - off - nlen - 4 < vlen) {
			*why = "bad value length";
			return -1;
		}
		pv = perm_value_new(&key, b + off, nlen, b + off + nlen + 4,
		    vlen, ttl);
		if (pv == NULL) {
			*why = "out of memory";
			return -1;
		}
		off += (size_t)nlen + 4 + vlen;
		p->v[p->n++] = pv;
		p->bytes += vlen;
	}
	return 0;
}

static void perm_tick(evutil_socket_t, short, void *);

/* The timer runs only while the list has values: an idle node pays nothing. */
static void
perm_arm(struct perm *p)
{
	struct timeval tv = { PERM_TICK_MS / 1000, PERM_TICK_MS % 1000 * 1000 };

	if (p->n > 0 && !evtimer_pending(p->ev, NULL) &&
	    evtimer_add(p->ev, &tv) == -1)
		log_warnx("permanent values: cannot arm the timer");
}

struct perm *
perm_new(struct event_base *base, struct node *node, struct store *store,
    char *err, size_t errlen)
{
	struct perm *p;
	uint8_t *buf = NULL;
	size_t len = 0;
	const char *errstr;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "permanent values: out of memory");
		return NULL;
	}
	p->node = node;
	p->store = store;
	if (store_meta_get(store, PERM_RECORD, &buf, &len, &errstr) == -1) {
		snprintf(err, errlen, "cannot read the list of permanent "
		    "values: %s", errstr);
		goto fail;
	}
	if (buf != NULL && perm_parse(p, buf, len, &errstr) == -1) {
		snprintf(err, errlen, "the saved list of permanent values is "
		    "damaged (%s); see emoctl(1), permanent", errstr);
		goto fail;
	}
	free(buf);
	buf = NULL;
	if ((p->ev = evtimer_new(base, perm_tick, p)) == NULL) {
		snprintf(err, errlen, "cannot create the permanent values' "
		    "timer");
		goto fail;
	}
	perm_arm(p);
	if (p->n > 0)
		log_info("%zu permanent value%s to keep alive", p->n,
		    p->n == 1 ? "" : "s");
	return p;
fail:
	free(buf);
	perm_free(p);
	return NULL;
}

void
perm_free(struct perm *p)
{
	size_t i;

	if (p == NULL)
		return;
	if (p->ev != NULL)
		event_free(p->ev);
	for (i = 0; i < p->n; i++)
		perm_value_free(p->v[i]);
	free(p);
}

/* When to put a value of ttl_s again: at half its life, 1 s at least. */
static int64_t
perm_next(int64_t now, uint32_t ttl_s)
{
	int64_t half = (int64_t)ttl_s * 500;

	return now + (half < 1000 ? 1000 : half);
}

static void
perm_put_done(void *arg, const struct node_put_result *r)
{
	struct perm_ticket *t = arg;
	struct perm *p = t->perm;
	struct perm_value *pv;
	struct node_put_result res = *r;
	int64_t now = perm_wall_ms();
	ssize_t i = perm_find(p, &t->key, t->id);
	char hex[ID_HEX_LEN + 1];
	uint32_t ttl = r->err == DHT_OK && r->expires_ms > r->created_ms ?
	    (uint32_t)((r->expires_ms - r->created_ms) / 1000) : 0;

	if (t->add == NULL) {		/* a re-put */
		if (i < 0) {		/* cancelled meanwhile */
			free(t);
			return;
		}
		pv = p->v[i];
		pv->busy = 0;
		if (r->err != DHT_OK) {
			log_debug("permanent value %s: re-put failed (%s), "
			    "again in %d s", perm_key_hex(&pv->key, hex), r->msg ?
			    r->msg : "error", PERM_RETRY_MS / 1000);
			pv->next_ms = now + PERM_RETRY_MS;
		} else {
			pv->next_ms = perm_next(now, pv->ttl_s);
			log_debug("permanent value %s: re-put, %u node%s",
			    perm_key_hex(&pv->key, hex), r->acks, r->acks == 1 ?
			    "" : "s");
		}
		free(t);
		return;
	}
	if (r->err == DHT_OK) {
		if (i >= 0) {		/* already on the list: new TTL */
			p->v[i]->ttl_s = ttl;
			p->v[i]->next_ms = perm_next(now, ttl);
			perm_value_free(t->add);
		} else if (p->n >= PERM_MAX ||
		    p->bytes + t->add->len > PERM_MAX_BYTES) {
			perm_value_free(t->add);
			res.err = DHT_ERR_QUOTA;
			res.msg = "the list of permanent values is full (at "
			    "most " BYTES_STR(PERM_MAX) " values, 4 MiB)";
		} else {
			pv = t->add;
			pv->ttl_s = ttl;
			pv->next_ms = perm_next(now, ttl);
			p->v[p->n++] = pv;
			p->bytes += pv->len;
			perm_arm(p);
		}
		if (res.err == DHT_OK && perm_save(p) == -1) {
			res.err = DHT_ERR_STORAGE;
			res.msg = "stored, but the list of permanent values "
			    "could not be saved";
		}
	} else
		perm_value_free(t->add);
	t->cb(t->arg, &res);
	free(t);
}

void
perm_put(struct perm *p, const struct id *key, const void *name,
    size_t namelen, const void *data, size_t len, uint32_t ttl_s,
    node_put_cb *cb, void *arg)
{
	struct node_put_result r;
	struct perm_ticket *t;

	if (len == 0 || len > EMO_MAX_VALUE || namelen > EMO_MAX_KEY_NAME ||
	    (t = calloc(1, sizeof(*t))) == NULL) {
		memset(&r, 0, sizeof(r));
		r.err = len == 0 || len > EMO_MAX_VALUE ? DHT_ERR_INVALID :
		    DHT_ERR_UNAVAILABLE;
		r.msg = r.err == DHT_ERR_INVALID ? "bad value" :
		    "out of memory";
		cb(arg, &r);
		return;
	}
	if ((t->add = perm_value_new(key, name, namelen, data, len,
	    ttl_s)) == NULL) {
		free(t);
		memset(&r, 0, sizeof(r));
		r.err = DHT_ERR_UNAVAILABLE;
		r.msg = "out of memory";
		cb(arg, &r);
		return;
	}
	t->perm = p;
	t->key = *key;
	memcpy(t->id, t->add->id, PERM_ID_LEN);
	t->cb = cb;
	t->arg = arg;
	node_put(p->node, key, data, len, ttl_s, perm_put_done, t);
}

int
perm_cancel(struct perm *p, const struct id *key,
    const uint8_t id[PERM_ID_LEN])
{
	ssize_t i = perm_find(p, key, id);

	if (i < 0)
		return 0;
	p->bytes -= p->v[i]->len;
	perm_value_free(p->v[i]);
	memmove(&p->v[i], &p->v[i + 1], (p->n - (size_t)i - 1) *
	    sizeof(p->v[0]));
	p->n--;
	return perm_save(p) == -1 ? -1 : 1;
}

size_t
perm_count(const struct perm *p)
{
	return p->n;
}

const struct perm_value *
perm_at(const struct perm *p, size_t i)
{
	return i < p->n ? p->v[i] : NULL;
}

/* Starts the re-puts that are due, at most PERM_PUTS_PER_TICK. */
static void
perm_tick(evutil_socket_t fd, short what, void *arg)
{
	struct perm *p = arg;
	struct perm_value *pv;
	struct perm_ticket *t;
	int64_t now = perm_wall_ms();
	size_t i, started = 0;

	for (i = 0; i < p->n && started < PERM_PUTS_PER_TICK; i++) {
		pv = p->v[i];
		if (pv->busy || pv->next_ms > now)
			continue;
		if ((t = calloc(1, sizeof(*t))) == NULL)
			return;
		t->perm = p;
		t->key = pv->key;
		memcpy(t->id, pv->id, PERM_ID_LEN);
		pv->busy = 1;
		started++;
		/* May call back at once: pv stays valid (no cancel inside). */
		node_put(p->node, &pv->key, pv->data, pv->len, pv->ttl_s,
		    perm_put_done, t);
	}
	perm_arm(p);
}

/*
 * evilpeer_store.c — evilpeer's --store-junk mode (see evilpeer.c): a
 * FIND_NODE of the key for a write token, then STOREs of junk values,
 * EV_WINDOW in flight per (source, target), each resent EV_TRIES times.
 */
#include <stdio.h>
#include <string.h>

#include "evilpeer.h"

/* Junk value number v of source si: distinct across sources and runs. */
static size_t
ev_junk(const struct evil *ev, size_t si, uint32_t v, uint8_t *out)
{
	char a[ADDR_STRLEN];
	size_t n, len = (size_t)ev->value_size;

	n = (size_t)snprintf((char *)out, EV_VALUE_MAX, "junk %08x %s #%u ",
	    ev->nonce, addr_str(&ev->sock[si].addr, a, sizeof(a)), v);
	if (n > len)
		len = n;
	for (; n < len; n++)
		out[n] = 'x';
	return len;
}

int
ev_job_token(struct evil *ev, struct ev_job *j, int64_t now)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_FIND_NODE;
	m.u.find_node.target = ev->key;
	j->fl[0].txid = ev_txid();
	j->fl[0].sent_ms = now;
	j->fl[0].tries = 1;
	j->fl[0].n = 0;
	return ev_request(ev, j->sock, &ev->sock[j->sock].cur,
	    &ev->target[j->target], &m, j->fl[0].txid);
}

/* Values of this job's source: numbers si, si + nsock, ... < count. */
static uint32_t
ev_job_values(const struct evil *ev, const struct ev_job *j)
{
	long n = ev->count - (long)j->sock;

	return n <= 0 ? 0 : (uint32_t)((n + (long)ev->nsock - 1) /
	    (long)ev->nsock);
}

static void
ev_store_send(struct evil *ev, struct ev_job *j, struct ev_flight *f,
    int64_t now, int64_t wall)
{
	static uint8_t data[WIRE_MAX_VALUES_PER_MSG][EV_VALUE_MAX];
	struct wire_value wv[WIRE_MAX_VALUES_PER_MSG] = { { .data = NULL } };
	struct wire_msg m;
	uint32_t i;

	for (i = 0; i < f->n; i++) {
		if (ev->sign != NULL) {
			ev_signed_value(ev, f->first + i, wall, &wv[i],
			    data[i]);
			continue;
		}
		wv[i].len = (uint32_t)ev_junk(ev, j->sock, f->first + i,
		    data[i]);
		wv[i].data = data[i];
		wv[i].created_ms = wall;
		wv[i].expires_ms = wall + 3600 * 1000;
	}
	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE;
	m.u.store.key = ev->key;
	m.u.store.values = wv;
	m.u.store.nvalues = f->n;
	memcpy(m.u.store.token, j->tok, j->toklen);
	m.u.store.tokenlen = j->toklen;
	f->sent_ms = now;
	(void)ev_request(ev, j->sock, &ev->sock[j->sock].cur,
	    &ev->target[j->target], &m, f->txid);
}

/* Fills free flight slots with new STOREs: as many values as fit a datagram. */
static void
ev_job_fill(struct evil *ev, struct ev_job *j, int64_t now, int64_t wall)
{
	uint32_t total = ev_job_values(ev, j);
	struct wire_msg m;
	struct wire_value wv[WIRE_MAX_VALUES_PER_MSG] = { { .data = NULL } };
	static uint8_t probe[EV_VALUE_MAX];
	size_t i, per;
	int busy = 0;

	/* How many values of this size one datagram carries. */
	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE;
	m.u.store.tokenlen = j->toklen;
	for (i = 0; i < WIRE_MAX_VALUES_PER_MSG; i++) {
		wv[i].len = (uint32_t)ev_junk(ev, j->sock, UINT32_MAX, probe);
		wv[i].data = probe;
		wv[i].created_ms = wall;
		wv[i].expires_ms = wall + 3600 * 1000;
		if (ev->sign != NULL)
			ev_signed_value(ev, UINT32_MAX, wall, &wv[i], probe);
	}
	m.u.store.values = wv;
	for (per = WIRE_MAX_VALUES_PER_MSG; per > 1; per--) {
		m.u.store.nvalues = per;
		if (wire_encoded_len(&m) <= WIRE_MAX_DATAGRAM)
			break;
	}
	for (i = 0; i < EV_WINDOW; i++) {
		struct ev_flight *f = &j->fl[i];

		if (f->txid != 0) {
			busy = 1;
			continue;
		}
		if (j->next >= total)
			continue;
		f->txid = ev_txid();
		f->tries = 1;
		f->first = j->next;
		f->n = total - j->next < per ? total - j->next : (uint32_t)per;
		j->next += f->n;
		ev->stores_sent++;
		ev->values_sent += f->n;
		ev_store_send(ev, j, f, now, wall);
		busy = 1;
	}
	if (!busy)
		j->state = 2;
}

void
ev_job_reply(struct evil *ev, struct ev_job *j, const struct wire_msg *m,
    int64_t now, int64_t wall)
{
	size_t i;

	if (j->state == 0) {
		if (m->txid != j->fl[0].txid)
			return;
		j->fl[0].txid = 0;
		if (m->type != WIRE_NODES || m->u.nodes.tokenlen == 0) {
			ev->tokens_none++;
			j->state = 2;
			return;
		}
		ev->tokens++;
		memcpy(j->tok, m->u.nodes.token, m->u.nodes.tokenlen);
		/* --no-token: the answer's cookie, echoed, must do. */
		j->toklen = ev->no_token ? 0 : m->u.nodes.tokenlen;
		j->state = 1;
		ev_job_fill(ev, j, now, wall);
		return;
	}
	for (i = 0; i < EV_WINDOW; i++)
		if (j->fl[i].txid != 0 && j->fl[i].txid == m->txid)
			break;
	if (i == EV_WINDOW || j->state != 1)
		return;
	if (m->type == WIRE_STORE_ACK)
		ev->stored += m->u.store_ack.stored < j->fl[i].n ?
		    m->u.store_ack.stored : j->fl[i].n;
	else if (m->type == WIRE_ERROR &&
	    m->u.error.code == WIRE_ERR_QUOTA)
		ev->err_quota++;
	else if (m->type == WIRE_ERROR &&
	    m->u.error.code == WIRE_ERR_BAD_TOKEN)
		ev->err_token++;
	else
		ev->err_other++;
	j->fl[i].txid = 0;
	ev_job_fill(ev, j, now, wall);
}

void
ev_jobs_tick(struct evil *ev, int64_t now, int64_t wall)
{
	size_t k, i;

	for (k = 0; k < ev->njob; k++) {
		struct ev_job *j = &ev->job[k];

		for (i = 0; i < EV_WINDOW && j->state < 2; i++) {
			struct ev_flight *f = &j->fl[i];

			if (f->txid == 0 || now - f->sent_ms < EV_TIMEOUT_MS)
				continue;
			if (f->tries >= EV_TRIES) {
				f->txid = 0;
				if (j->state == 0) {
					ev->lost++;
					j->state = 2;
				} else {
					ev->lost += f->n;
					ev_job_fill(ev, j, now, wall);
				}
				continue;
			}
			f->tries++;
			if (j->state == 0) {
				struct wire_msg m;

				memset(&m, 0, sizeof(m));
				m.type = WIRE_FIND_NODE;
				m.u.find_node.target = ev->key;
				f->sent_ms = now;
				(void)ev_request(ev, j->sock,
				    &ev->sock[j->sock].cur,
				    &ev->target[j->target], &m, f->txid);
			} else
				ev_store_send(ev, j, f, now, wall);
		}
	}
}

int
ev_jobs_done(const struct evil *ev)
{
	size_t k;

	for (k = 0; k < ev->njob; k++)
		if (ev->job[k].state < 2)
			return 0;
	return 1;
}


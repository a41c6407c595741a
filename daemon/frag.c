/*
 * frag — fragmentation, the outbound NACK cache and reassembly.  Owns every
 * byte held for partial messages; knows nothing of what the messages say.
 * Policy when full: the oldest partial goes (see docs/PROTOCOL.md, caps).
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "frag.h"

#define FRAG_BUCKETS		1024	/* power of two */
#define FRAG_SENT_BUCKETS	1024	/* power of two */

/* ---- shared helpers ---------------------------------------------------- */

static void
put_hdr(uint8_t *p, uint8_t kind)
{
	p[0] = WIRE_MAGIC0;
	p[1] = WIRE_MAGIC1;
	p[2] = WIRE_VERSION;
	p[3] = kind;
}

/* splitmix64's finalizer: cheap, and every input bit moves every output. */
static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

/* Parts of a message of total bytes; 0 if it would not be fragmented. */
static unsigned
parts_for(size_t total)
{
	if (total <= WIRE_MAX_DATAGRAM || total > WIRE_MAX_MESSAGE)
		return 0;
	return (unsigned)((total + FRAG_PAYLOAD_MAX - 1) / FRAG_PAYLOAD_MAX);
}

static size_t
part_len(size_t total, unsigned count, unsigned i)
{
	if (i + 1 < count)
		return FRAG_PAYLOAD_MAX;
	return total - (size_t)(count - 1) * FRAG_PAYLOAD_MAX;
}

static void
emit_part(const uint8_t *msg, size_t len, uint64_t msg_id, unsigned i,
    unsigned count, const struct addr *to, frag_emit_cb *emit, void *arg)
{
	uint8_t	 d[WIRE_MAX_DATAGRAM];
	size_t	 n = part_len(len, count, i);

	put_hdr(d, WIRE_KIND_FRAG);
	bytes_put_be64(d + 4, msg_id);
	bytes_put_be16(d + 12, (uint16_t)i);
	bytes_put_be16(d + 14, (uint16_t)count);
	bytes_put_be32(d + 16, (uint32_t)len);
	memcpy(d + FRAG_HDR_LEN, msg + (size_t)i * FRAG_PAYLOAD_MAX, n);
	emit(arg, to, d, FRAG_HDR_LEN + n);
}

int
frag_split(const uint8_t *msg, size_t len, uint64_t msg_id,
    const struct addr *to, frag_emit_cb *emit, void *arg)
{
	unsigned	i, count;

	if (len == 0 || len > WIRE_MAX_MESSAGE)
		return -1;
	if (len <= WIRE_MAX_DATAGRAM) {
		emit(arg, to, msg, len);
		return 1;
	}
	count = parts_for(len);
	for (i = 0; i < count; i++)
		emit_part(msg, len, msg_id, i, count, to, emit, arg);
	return (int)count;
}

/* ---- outbound cache ---------------------------------------------------- */

struct sent {
	TAILQ_ENTRY(sent)	 age;	/* oldest first */
	LIST_ENTRY(sent)	 hash;
	struct addr		 to;
	uint64_t		 msg_id;
	int64_t			 sent_ms;
	size_t			 cost;	/* counted against the byte cap */
	uint32_t		 len;
	uint16_t		 count;
	uint8_t			 answers;
	uint8_t			 msg[];
};

/*
 * The hash heads (and frag_in's, and its ring of completed ids) are
 * allocated when the first message needs them: most engines never send or
 * receive a fragmented message, and a simulator runs thousands of them.
 */
struct frag_out {
	TAILQ_HEAD(, sent)	 age;
	LIST_HEAD(, sent)	*buckets;	/* FRAG_SENT_BUCKETS, or NULL */
	size_t			 bytes;
	struct frag_out_stats	 st;
};

struct frag_out *
frag_out_new(void)
{
	struct frag_out	*o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	TAILQ_INIT(&o->age);
	return o;
}

static void
sent_drop(struct frag_out *o, struct sent *s)
{
	TAILQ_REMOVE(&o->age, s, age);
	LIST_REMOVE(s, hash);
	o->bytes -= s->cost;
	o->st.held--;
	free(s);
}

void
frag_out_free(struct frag_out *o)
{
	struct sent	*s;

	if (o == NULL)
		return;
	while ((s = TAILQ_FIRST(&o->age)) != NULL)
		sent_drop(o, s);
	free(o->buckets);
	free(o);
}

void
frag_out_tick(struct frag_out *o, int64_t now_ms)
{
	struct sent	*s;

	while ((s = TAILQ_FIRST(&o->age)) != NULL &&
	    now_ms - s->sent_ms >= FRAG_OUT_TTL_MS) {
		sent_drop(o, s);
		o->st.expired++;
	}
}

int64_t
frag_out_next_deadline(const struct frag_out *o)
{
	const struct sent	*s;

	if ((s = TAILQ_FIRST(&o->age)) == NULL)
		return INT64_MAX;
	return s->sent_ms + FRAG_OUT_TTL_MS;
}

int
frag_out_send(struct frag_out *o, const struct addr *to, const uint8_t *msg,
    size_t len, uint64_t msg_id, int64_t now_ms, frag_emit_cb *emit,
    void *arg)
{
	struct sent	*s, *old;
	size_t		 cost;
	int		 n;

	if ((n = frag_split(msg, len, msg_id, to, emit, arg)) <= 1)
		return n;
	o->st.messages++;
	frag_out_tick(o, now_ms);
	cost = sizeof(*s) + len;
	while (o->bytes + cost > FRAG_OUT_MAX_BYTES &&
	    (old = TAILQ_FIRST(&o->age)) != NULL) {
		sent_drop(o, old);
		o->st.evicted++;
	}
	/* Without a copy the message still went out; NACKs go unanswered. */
	if (o->buckets == NULL && (o->buckets = calloc(FRAG_SENT_BUCKETS,
	    sizeof(*o->buckets))) == NULL)
		return n;
	if ((s = malloc(cost)) == NULL)
		return n;
	memset(s, 0, sizeof(*s));
	s->to = *to;
	s->msg_id = msg_id;
	s->sent_ms = now_ms;
	s->cost = cost;
	s->len = (uint32_t)len;
	s->count = (uint16_t)n;
	memcpy(s->msg, msg, len);
	TAILQ_INSERT_TAIL(&o->age, s, age);
	LIST_INSERT_HEAD(&o->buckets[mix64(msg_id) & (FRAG_SENT_BUCKETS - 1)],
	    s, hash);
	o->bytes += cost;
	o->st.held++;
	return n;
}

/* Checks a NACK's layout; returns its part count or 0. */
static unsigned
nack_parse(const uint8_t *p, size_t len, uint64_t *msg_id,
    const char **errstr)
{
	unsigned	count, i, any = 0;
	size_t		blen;

	if (len < FRAG_NACK_HDR_LEN || len > FRAG_NACK_MAX_LEN) {
		*errstr = "NACK length out of range";
		return 0;
	}
	if (p[0] != WIRE_MAGIC0 || p[1] != WIRE_MAGIC1 ||
	    p[2] != WIRE_VERSION || p[3] != WIRE_KIND_NACK) {
		*errstr = "not a NACK datagram";
		return 0;
	}
	*msg_id = bytes_get_be64(p + 4);
	count = bytes_get_be16(p + 12);
	if (count < 2 || count > FRAG_MAX_PARTS) {
		*errstr = "NACK part count out of range";
		return 0;
	}
	blen = (count + 7) / 8;
	if (len != FRAG_NACK_HDR_LEN + blen) {
		*errstr = "NACK bitmap length does not match its count";
		return 0;
	}
	p += FRAG_NACK_HDR_LEN;
	for (i = count; i < blen * 8; i++)
		if (p[i / 8] & (1u << (i % 8))) {
			*errstr = "NACK bit set past the part count";
			return 0;
		}
	for (i = 0; i < blen; i++)
		any |= p[i];
	if (any == 0) {
		*errstr = "NACK asks for no part";
		return 0;
	}
	return count;
}

int
frag_out_nack(struct frag_out *o, const struct addr *from,
    const uint8_t *nack, size_t len, int64_t now_ms, frag_emit_cb *emit,
    void *arg, const char **errstr)
{
	struct sent	*s, *found = NULL;
	uint64_t	 msg_id;
	unsigned	 count, i;
	int		 wrong = 0, n = 0;

	if ((count = nack_parse(nack, len, &msg_id, errstr)) == 0) {
		o->st.nack_malformed++;
		return -1;
	}
	frag_out_tick(o, now_ms);
	/* No table yet: nothing was ever kept, the NACK is for nothing. */
	s = o->buckets != NULL ? LIST_FIRST(&o->buckets[mix64(msg_id) &
	    (FRAG_SENT_BUCKETS - 1)]) : NULL;
	for (; s != NULL; s = LIST_NEXT(s, hash)) {
		if (s->msg_id != msg_id)
			continue;
		if (addr_eq(&s->to, from)) {
			found = s;
			break;
		}
		wrong = 1;
	}
	if (found == NULL) {
		/* Only where it went may ask again: no reflection elsewhere. */
		if (wrong) {
			*errstr = "NACK from an address the message was not sent to";
			o->st.nack_wrong_addr++;
		} else {
			*errstr = "NACK for an unknown message";
			o->st.nack_unknown++;
		}
		return -1;
	}
	if (count != found->count) {
		*errstr = "NACK part count differs from the message's";
		o->st.nack_mismatch++;
		return -1;
	}
	if (found->answers >= FRAG_OUT_MAX_ANSWERS) {
		*errstr = "NACK limit reached for this message";
		o->st.nack_limit++;
		return -1;
	}
	found->answers++;
	for (i = 0; i < count; i++) {
		if ((nack[FRAG_NACK_HDR_LEN + i / 8] & (1u << (i % 8))) == 0)
			continue;
		emit_part(found->msg, found->len, msg_id, i, count, from, emit,
		    arg);
		n++;
	}
	o->st.nacks_answered++;
	o->st.parts_resent += (uint64_t)n;
	return n;
}

void
frag_out_get_stats(const struct frag_out *o, struct frag_out_stats *st)
{
	*st = o->st;
	st->bytes = o->bytes;
}

/* ---- reassembly -------------------------------------------------------- */

/* Sources are IP addresses: ports cost a sender nothing to vary. */
struct source {
	LIST_ENTRY(source)	 hash;
	TAILQ_HEAD(, partial)	 partials;	/* oldest first */
	uint64_t		 h;
	uint8_t			 ip[16];
	size_t			 iplen;
	unsigned		 n;
};

struct partial {
	TAILQ_ENTRY(partial)	 age;	/* all, by first fragment */
	TAILQ_ENTRY(partial)	 idle;	/* all, by last progress */
	TAILQ_ENTRY(partial)	 by_src;
	LIST_ENTRY(partial)	 hash;
	struct source		*src;
	struct addr		 from;
	uint64_t		 msg_id;
	int64_t			 first_ms;
	int64_t			 last_ms;	/* last new part or NACK */
	size_t			 cost;		/* counted against the cap */
	uint32_t		 total;
	uint16_t		 count;
	uint16_t		 have;
	uint8_t			 nacks;
	uint8_t			 bitmap[FRAG_BITMAP_MAX];	/* parts held */
	uint8_t			*part[FRAG_MAX_PARTS];
};

struct done {
	struct addr	 from;
	uint64_t	 msg_id;
	int		 used;
};

struct frag_in {
	uint64_t		 seed;
	TAILQ_HEAD(, partial)	 age;
	TAILQ_HEAD(, partial)	 idle;
	LIST_HEAD(, partial)	*buckets;	/* FRAG_BUCKETS, or NULL */
	LIST_HEAD(, source)	*sources;	/* FRAG_BUCKETS, or NULL */
	size_t			 npartials;
	size_t			 bytes;
	struct done		*done;		/* FRAG_IN_DONE_RING, or NULL */
	unsigned		 done_next;
	struct frag_in_stats	 st;
};

struct frag_in *
frag_in_new(uint64_t seed)
{
	struct frag_in	*in;

	if ((in = calloc(1, sizeof(*in))) == NULL)
		return NULL;
	in->seed = seed;
	TAILQ_INIT(&in->age);
	TAILQ_INIT(&in->idle);
	return in;
}

static uint64_t
source_hash(const struct frag_in *in, const uint8_t ip[16], size_t iplen)
{
	uint64_t	a = 0, b = 0;

	memcpy(&a, ip, iplen < 8 ? iplen : 8);
	if (iplen > 8)
		memcpy(&b, ip + 8, iplen - 8);
	return mix64(mix64(in->seed ^ a ^ iplen) ^ b);
}

static uint64_t
partial_hash(uint64_t src_h, const struct addr *from, uint64_t msg_id)
{
	return mix64(mix64(src_h ^ addr_port(from)) ^ msg_id);
}

static struct source *
source_find(struct frag_in *in, const struct addr *from, int create)
{
	struct source	*s;
	uint8_t		 ip[16];
	size_t		 iplen;
	uint64_t	 h;

	memset(ip, 0, sizeof(ip));
	iplen = addr_ip_bytes(from, ip);
	h = source_hash(in, ip, iplen);
	if (in->sources == NULL)
		return NULL;	/* partial_new allocates both tables */
	LIST_FOREACH(s, &in->sources[h & (FRAG_BUCKETS - 1)], hash)
		if (s->iplen == iplen && memcmp(s->ip, ip, iplen) == 0)
			return s;
	if (!create || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	TAILQ_INIT(&s->partials);
	s->h = h;
	memcpy(s->ip, ip, sizeof(ip));
	s->iplen = iplen;
	LIST_INSERT_HEAD(&in->sources[h & (FRAG_BUCKETS - 1)], s, hash);
	return s;
}

static void
partial_drop(struct frag_in *in, struct partial *p)
{
	struct source	*s = p->src;
	unsigned	 i;

	TAILQ_REMOVE(&in->age, p, age);
	TAILQ_REMOVE(&in->idle, p, idle);
	TAILQ_REMOVE(&s->partials, p, by_src);
	LIST_REMOVE(p, hash);
	if (--s->n == 0) {
		LIST_REMOVE(s, hash);
		free(s);
	}
	for (i = 0; i < p->count; i++)
		free(p->part[i]);
	in->bytes -= p->cost;
	in->npartials--;
	free(p);
}

void
frag_in_free(struct frag_in *in)
{
	struct partial	*p;

	if (in == NULL)
		return;
	while ((p = TAILQ_FIRST(&in->age)) != NULL)
		partial_drop(in, p);
	free(in->buckets);
	free(in->sources);
	free(in->done);
	free(in);
}

static struct partial *
partial_find(struct frag_in *in, const struct addr *from, uint64_t msg_id,
    uint64_t *hp)
{
	struct partial	*p;
	uint8_t		 ip[16];
	size_t		 iplen;

	memset(ip, 0, sizeof(ip));
	iplen = addr_ip_bytes(from, ip);
	*hp = partial_hash(source_hash(in, ip, iplen), from, msg_id);
	if (in->buckets == NULL)
		return NULL;
	LIST_FOREACH(p, &in->buckets[*hp & (FRAG_BUCKETS - 1)], hash)
		if (p->msg_id == msg_id && addr_eq(&p->from, from))
			return p;
	return NULL;
}

/* Makes room for `need` more bytes, sparing `keep`; -1 if impossible. */
static int
make_room(struct frag_in *in, size_t need, const struct partial *keep)
{
	struct partial	*p;

	while (in->bytes + need > FRAG_IN_MAX_BYTES) {
		p = TAILQ_FIRST(&in->age);
		if (p == keep)
			p = TAILQ_NEXT(p, age);
		if (p == NULL)
			return -1;
		partial_drop(in, p);
		in->st.evicted_full++;
	}
	return 0;
}

static int
done_seen(const struct frag_in *in, const struct addr *from, uint64_t msg_id)
{
	size_t	i;

	for (i = 0; in->done != NULL && i < FRAG_IN_DONE_RING; i++)
		if (in->done[i].used && in->done[i].msg_id == msg_id &&
		    addr_eq(&in->done[i].from, from))
			return 1;
	return 0;
}

static struct partial *
partial_new(struct frag_in *in, const struct addr *from, uint64_t msg_id,
    uint64_t h, uint32_t total, unsigned count, size_t first_len,
    int64_t now_ms)
{
	struct source	*s;
	struct partial	*p;

	/* A source at its cap loses its own oldest, not someone else's. */
	if ((s = source_find(in, from, 0)) != NULL &&
	    s->n >= FRAG_IN_MAX_PER_SOURCE) {
		partial_drop(in, TAILQ_FIRST(&s->partials));
		in->st.evicted_source++;
	}
	if (in->npartials >= FRAG_IN_MAX_PARTIALS) {
		partial_drop(in, TAILQ_FIRST(&in->age));
		in->st.evicted_full++;
	}
	if (make_room(in, sizeof(*p) + first_len, NULL) == -1)
		return NULL;
	if (in->buckets == NULL && (in->buckets = calloc(FRAG_BUCKETS,
	    sizeof(*in->buckets))) == NULL)
		return NULL;
	if (in->sources == NULL && (in->sources = calloc(FRAG_BUCKETS,
	    sizeof(*in->sources))) == NULL)
		return NULL;
	if ((s = source_find(in, from, 1)) == NULL)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		if (s->n == 0) {
			LIST_REMOVE(s, hash);
			free(s);
		}
		return NULL;
	}
	p->src = s;
	p->from = *from;
	p->msg_id = msg_id;
	p->first_ms = p->last_ms = now_ms;
	p->cost = sizeof(*p);
	p->total = total;
	p->count = (uint16_t)count;
	s->n++;
	TAILQ_INSERT_TAIL(&s->partials, p, by_src);
	TAILQ_INSERT_TAIL(&in->age, p, age);
	TAILQ_INSERT_TAIL(&in->idle, p, idle);
	LIST_INSERT_HEAD(&in->buckets[h & (FRAG_BUCKETS - 1)], p, hash);
	in->npartials++;
	in->bytes += p->cost;
	return p;
}

static enum frag_result
drop(uint64_t *counter, const char **errstr, const char *why)
{
	(*counter)++;
	*errstr = why;
	return FRAG_DROP;
}

static uint8_t *
partial_join(struct frag_in *in, struct partial *p)
{
	uint8_t		*m;
	unsigned	 i;

	if ((m = malloc(p->total)) == NULL)
		return NULL;
	for (i = 0; i < p->count; i++)
		memcpy(m + (size_t)i * FRAG_PAYLOAD_MAX, p->part[i],
		    part_len(p->total, p->count, i));
	/* Without the ring a late duplicate starts a partial that expires. */
	if (in->done == NULL && (in->done = calloc(FRAG_IN_DONE_RING,
	    sizeof(*in->done))) == NULL)
		return m;
	in->done[in->done_next].from = p->from;
	in->done[in->done_next].msg_id = p->msg_id;
	in->done[in->done_next].used = 1;
	in->done_next = (in->done_next + 1) % FRAG_IN_DONE_RING;
	return m;
}

enum frag_result
frag_in_input(struct frag_in *in, const struct addr *from,
    const uint8_t *d, size_t len, int64_t now_ms, uint8_t **msg,
    size_t *msglen, const char **errstr)
{
	struct partial	*p;
	uint64_t	 msg_id, h;
	uint32_t	 total;
	unsigned	 idx, count;
	size_t		 plen;
	uint8_t		*m;

	*msg = NULL;
	*msglen = 0;
	if (len < FRAG_HDR_LEN || len > WIRE_MAX_DATAGRAM)
		return drop(&in->st.drop_header, errstr,
		    "fragment datagram length out of range");
	if (d[0] != WIRE_MAGIC0 || d[1] != WIRE_MAGIC1 ||
	    d[2] != WIRE_VERSION || d[3] != WIRE_KIND_FRAG)
		return drop(&in->st.drop_header, errstr,
		    "not a fragment datagram");
	msg_id = bytes_get_be64(d + 4);
	idx = bytes_get_be16(d + 12);
	count = bytes_get_be16(d + 14);
	total = bytes_get_be32(d + 16);
	plen = len - FRAG_HDR_LEN;
	/* The count follows from total: anything else is absurd. */
	if (parts_for(total) == 0)
		return drop(&in->st.drop_fields, errstr,
		    "fragment total length out of range");
	if (count != parts_for(total))
		return drop(&in->st.drop_fields, errstr,
		    "fragment count does not match total length");
	if (idx >= count)
		return drop(&in->st.drop_fields, errstr,
		    "fragment index not below count");
	if (plen != part_len(total, count, idx))
		return drop(&in->st.drop_fields, errstr,
		    "fragment payload length does not match its index");
	if (idx == 0 && (d[FRAG_HDR_LEN] != WIRE_MAGIC0 ||
	    d[FRAG_HDR_LEN + 1] != WIRE_MAGIC1 ||
	    d[FRAG_HDR_LEN + 2] != WIRE_VERSION ||
	    d[FRAG_HDR_LEN + 3] != WIRE_KIND_WHOLE))
		return drop(&in->st.drop_fields, errstr,
		    "first fragment does not start a whole message");

	if ((p = partial_find(in, from, msg_id, &h)) == NULL) {
		if (done_seen(in, from, msg_id)) {
			in->st.late++;
			return FRAG_PARTIAL;
		}
		p = partial_new(in, from, msg_id, h, total, count, plen,
		    now_ms);
		if (p == NULL)
			return drop(&in->st.drop_memory, errstr,
			    "no memory for a new partial message");
	} else if (p->total != total)
		return drop(&in->st.drop_mismatch, errstr,
		    "fragment disagrees with earlier fragments");

	if (p->bitmap[idx / 8] & (1u << (idx % 8))) {
		in->st.duplicates++;
		return FRAG_PARTIAL;
	}
	if (make_room(in, plen, p) == -1 || (m = malloc(plen)) == NULL) {
		if (p->have == 0)
			partial_drop(in, p);
		return drop(&in->st.drop_memory, errstr,
		    "no memory for a fragment");
	}
	memcpy(m, d + FRAG_HDR_LEN, plen);
	p->part[idx] = m;
	p->bitmap[idx / 8] |= (uint8_t)(1u << (idx % 8));
	p->have++;
	p->cost += plen;
	in->bytes += plen;
	in->st.fragments++;
	p->last_ms = now_ms;
	TAILQ_REMOVE(&in->idle, p, idle);
	TAILQ_INSERT_TAIL(&in->idle, p, idle);
	if (p->have < p->count)
		return FRAG_PARTIAL;

	m = partial_join(in, p);
	*msglen = p->total;
	partial_drop(in, p);
	if (m == NULL) {
		*msglen = 0;
		return drop(&in->st.drop_memory, errstr,
		    "no memory for a reassembled message");
	}
	in->st.completed++;
	*msg = m;
	return FRAG_COMPLETE;
}

static void
send_nack(struct frag_in *in, struct partial *p, frag_emit_cb *emit,
    void *arg)
{
	uint8_t		d[FRAG_NACK_MAX_LEN];
	size_t		blen = ((size_t)p->count + 7) / 8, i;

	put_hdr(d, WIRE_KIND_NACK);
	bytes_put_be64(d + 4, p->msg_id);
	bytes_put_be16(d + 12, p->count);
	for (i = 0; i < blen; i++)
		d[FRAG_NACK_HDR_LEN + i] = (uint8_t)~p->bitmap[i];
	/* bits past count stay clear */
	if (p->count % 8)
		d[FRAG_NACK_HDR_LEN + blen - 1] &=
		    (uint8_t)((1u << (p->count % 8)) - 1);
	emit(arg, &p->from, d, FRAG_NACK_HDR_LEN + blen);
	in->st.nacks_sent++;
}

void
frag_in_tick(struct frag_in *in, int64_t now_ms, frag_emit_cb *emit,
    void *arg)
{
	struct partial	*p;

	while ((p = TAILQ_FIRST(&in->age)) != NULL &&
	    now_ms - p->first_ms >= FRAG_IN_TIMEOUT_MS) {
		partial_drop(in, p);
		in->st.expired++;
	}
	while ((p = TAILQ_FIRST(&in->idle)) != NULL &&
	    now_ms - p->last_ms >= FRAG_NACK_AFTER_MS) {
		if (p->nacks >= FRAG_MAX_NACKS) {
			partial_drop(in, p);
			in->st.gave_up++;
			continue;
		}
		send_nack(in, p, emit, arg);
		p->nacks++;
		p->last_ms = now_ms;
		TAILQ_REMOVE(&in->idle, p, idle);
		TAILQ_INSERT_TAIL(&in->idle, p, idle);
	}
}

int64_t
frag_in_next_deadline(const struct frag_in *in)
{
	const struct partial	*p;
	int64_t			 t = INT64_MAX;

	if ((p = TAILQ_FIRST(&in->age)) != NULL)
		t = p->first_ms + FRAG_IN_TIMEOUT_MS;
	if ((p = TAILQ_FIRST(&in->idle)) != NULL &&
	    p->last_ms + FRAG_NACK_AFTER_MS < t)
		t = p->last_ms + FRAG_NACK_AFTER_MS;
	return t;
}

void
frag_in_get_stats(const struct frag_in *in, struct frag_in_stats *st)
{
	*st = in->st;
	st->partials = in->npartials;
	st->bytes = in->bytes;
}

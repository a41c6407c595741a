/*
 * check_frag — splitting, reassembly in any order with duplicates, NACKs
 * answered with only the missing parts, every cap and timeout, absurd
 * headers.  EMO_WRITE_CORPUS=DIR also writes fuzz seeds for fuzz_frag.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "frag.h"
#include "wire.h"
#include "check_util.h"

#define MAXDG		(FRAG_MAX_PARTS * 4 + 16)

/* Datagrams an emit callback saw. */
struct sink {
	uint8_t		*d[MAXDG];
	size_t		 len[MAXDG];
	struct addr	 to[MAXDG];
	size_t		 n;
};

static void
sink_emit(void *arg, const struct addr *to, const uint8_t *buf, size_t len)
{
	struct sink	*s = arg;

	ck_assert_uint_lt(s->n, MAXDG);
	ck_assert_uint_le(len, WIRE_MAX_DATAGRAM);
	s->d[s->n] = malloc(len);
	ck_assert_ptr_nonnull(s->d[s->n]);
	memcpy(s->d[s->n], buf, len);
	s->len[s->n] = len;
	s->to[s->n] = *to;
	s->n++;
}

static void
sink_clear(struct sink *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		free(s->d[i]);
	s->n = 0;
}

static struct addr
mkaddr(const char *str)
{
	struct addr	 a;
	const char	*errstr;

	ck_assert_msg(addr_parse(&a, str, &errstr) == 0, "%s", str);
	return a;
}

/* Deterministic noise; tests must not depend on the libc's rand(). */
static uint32_t
rnd(uint64_t *state)
{
	*state = *state * UINT64_C(6364136223846793005) +
	    UINT64_C(1442695040888963407);
	return (uint32_t)(*state >> 33);
}

/* A message of len bytes that starts like a whole-message datagram. */
static uint8_t *
mkmsg(size_t len, uint64_t seed)
{
	uint8_t		*m;
	size_t		 i;

	m = malloc(len);
	ck_assert_ptr_nonnull(m);
	for (i = 0; i < len; i++)
		m[i] = (uint8_t)rnd(&seed);
	memcpy(m, "EM\x02\x00", len < 4 ? len : 4);
	return m;
}

static const size_t split_sizes[] = {
	1, 100, WIRE_MAX_DATAGRAM, WIRE_MAX_DATAGRAM + 1,
	2 * FRAG_PAYLOAD_MAX, 2 * FRAG_PAYLOAD_MAX + 1,
	32768 + 200,		/* one full value with its message overhead */
	65536 + 400, WIRE_MAX_MESSAGE - 1, WIRE_MAX_MESSAGE,
};

/* Split, shuffle, duplicate, reassemble: exactly the original comes out. */
START_TEST(test_split_reassemble)
{
	struct sink		 s;
	struct frag_in		*in;
	struct frag_in_stats	 st;
	struct addr		 a = mkaddr("127.0.0.1:4000");
	size_t			 len = split_sizes[_i], i, j, order[MAXDG];
	size_t			 norder = 0, mlen, t;
	uint64_t		 seed = 99 + _i;
	uint8_t			*msg, *out;
	const char		*errstr;
	enum frag_result	 r;
	int			 n, completes = 0;

	memset(&s, 0, sizeof(s));
	msg = mkmsg(len, _i);
	n = frag_split(msg, len, UINT64_C(0xfeedface) + _i, &a, sink_emit, &s);
	if (len <= WIRE_MAX_DATAGRAM) {
		/* goes whole: the datagram is the message itself */
		ck_assert_int_eq(n, 1);
		ck_assert_uint_eq(s.len[0], len);
		ck_assert_mem_eq(s.d[0], msg, len);
		sink_clear(&s);
		free(msg);
		return;
	}
	ck_assert_int_eq(n, (int)((len + FRAG_PAYLOAD_MAX - 1) /
	    FRAG_PAYLOAD_MAX));
	ck_assert_int_le(n, FRAG_MAX_PARTS);
	ck_assert_uint_eq(s.n, (size_t)n);
	/* every part once, a third of them twice, in a shuffled order */
	for (i = 0; i < s.n; i++) {
		order[norder++] = i;
		if (i % 3 == 0)
			order[norder++] = i;
	}
	for (i = norder - 1; i > 0; i--) {
		j = rnd(&seed) % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	in = frag_in_new(7);
	ck_assert_ptr_nonnull(in);
	for (i = 0; i < norder; i++) {
		r = frag_in_input(in, &a, s.d[order[i]], s.len[order[i]],
		    1000, &out, &mlen, &errstr);
		ck_assert_int_ne(r, FRAG_DROP);
		if (r == FRAG_COMPLETE) {
			completes++;
			ck_assert_uint_eq(mlen, len);
			ck_assert_mem_eq(out, msg, len);
			free(out);
		}
	}
	ck_assert_int_eq(completes, 1);
	frag_in_get_stats(in, &st);
	ck_assert_uint_eq(st.completed, 1);
	ck_assert_uint_eq(st.fragments, s.n);
	ck_assert_uint_eq(st.duplicates + st.late, norder - s.n);
	ck_assert_uint_eq(st.partials, 0);
	ck_assert_uint_eq(st.bytes, 0);
	ck_assert_int_eq(frag_in_next_deadline(in), INT64_MAX);
	frag_in_free(in);
	sink_clear(&s);
	free(msg);
}
END_TEST

/* One fragment lost: a NACK names exactly it, the sender resends it only. */
START_TEST(test_nack_recovers)
{
	struct sink		 s, nacks, resent;
	struct frag_out		*o;
	struct frag_in		*in;
	struct frag_out_stats	 ost;
	struct frag_in_stats	 ist;
	struct addr		 sender = mkaddr("127.0.0.1:5000");
	struct addr		 receiver = mkaddr("127.0.0.2:6000");
	size_t			 len = 20000, lost = 7, i, mlen, k;
	uint8_t			*msg, *out = NULL;
	const char		*errstr;
	int			 n;

	memset(&s, 0, sizeof(s));
	memset(&nacks, 0, sizeof(nacks));
	memset(&resent, 0, sizeof(resent));
	msg = mkmsg(len, 3);
	o = frag_out_new();
	in = frag_in_new(1);
	n = frag_out_send(o, &receiver, msg, len, 0x1234, 100, sink_emit, &s);
	ck_assert_int_eq(n, 17);
	for (i = 0; i < s.n; i++) {
		ck_assert(addr_eq(&s.to[i], &receiver));
		if (i == lost)
			continue;
		ck_assert_int_eq(frag_in_input(in, &sender, s.d[i], s.len[i],
		    110, &out, &mlen, &errstr), FRAG_PARTIAL);
	}
	/* not idle long enough yet */
	ck_assert_int_eq(frag_in_next_deadline(in), 110 + FRAG_NACK_AFTER_MS);
	frag_in_tick(in, 110 + FRAG_NACK_AFTER_MS - 1, sink_emit, &nacks);
	ck_assert_uint_eq(nacks.n, 0);
	frag_in_tick(in, 110 + FRAG_NACK_AFTER_MS, sink_emit, &nacks);
	ck_assert_uint_eq(nacks.n, 1);
	ck_assert(addr_eq(&nacks.to[0], &sender));
	ck_assert_uint_eq(nacks.len[0], FRAG_NACK_HDR_LEN + (17 + 7) / 8);
	ck_assert_mem_eq(nacks.d[0], "EM\x02\x02", 4);
	/* bitmap: only bit 7 of byte 0 */
	ck_assert_uint_eq(nacks.d[0][FRAG_NACK_HDR_LEN], 1u << lost);
	for (k = 1; k < 3; k++)
		ck_assert_uint_eq(nacks.d[0][FRAG_NACK_HDR_LEN + k], 0);
	/* the sender answers with that part alone */
	ck_assert_int_eq(frag_out_nack(o, &receiver, nacks.d[0], nacks.len[0],
	    300, sink_emit, &resent, &errstr), 1);
	ck_assert_uint_eq(resent.n, 1);
	ck_assert(addr_eq(&resent.to[0], &receiver));
	ck_assert_uint_eq(resent.len[0], s.len[lost]);
	ck_assert_mem_eq(resent.d[0], s.d[lost], s.len[lost]);
	ck_assert_int_eq(frag_in_input(in, &sender, resent.d[0],
	    resent.len[0], 310, &out, &mlen, &errstr), FRAG_COMPLETE);
	ck_assert_uint_eq(mlen, len);
	ck_assert_mem_eq(out, msg, len);
	free(out);
	/* the original, merely late, is ignored without a new partial */
	ck_assert_int_eq(frag_in_input(in, &sender, s.d[lost], s.len[lost],
	    320, &out, &mlen, &errstr), FRAG_PARTIAL);
	frag_in_get_stats(in, &ist);
	ck_assert_uint_eq(ist.late, 1);
	ck_assert_uint_eq(ist.partials, 0);
	ck_assert_uint_eq(ist.nacks_sent, 1);
	frag_out_get_stats(o, &ost);
	ck_assert_uint_eq(ost.nacks_answered, 1);
	ck_assert_uint_eq(ost.parts_resent, 1);
	frag_out_free(o);
	frag_in_free(in);
	sink_clear(&s);
	sink_clear(&nacks);
	sink_clear(&resent);
	free(msg);
}
END_TEST

/* The example in docs/PROTOCOL.md, byte for byte. */
START_TEST(test_doc_example)
{
	static const uint8_t hdr2[FRAG_HDR_LEN] = {
		0x45, 0x4d, 0x02, 0x01, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
		0x77, 0x88, 0x00, 0x02, 0x00, 0x05, 0x00, 0x00, 0x13, 0x88,
	};
	static const uint8_t nack[] = {
		0x45, 0x4d, 0x02, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
		0x77, 0x88, 0x00, 0x05, 0x12,
	};
	struct sink		 s, n;
	struct frag_in		*in;
	struct addr		 a = mkaddr("127.0.0.9:9");
	uint8_t			*msg, *out;
	size_t			 i, mlen;
	const char		*errstr;

	memset(&s, 0, sizeof(s));
	memset(&n, 0, sizeof(n));
	msg = mkmsg(5000, 1);
	ck_assert_int_eq(frag_split(msg, 5000, UINT64_C(0x1122334455667788),
	    &a, sink_emit, &s), 5);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(s.len[i], WIRE_MAX_DATAGRAM);
	ck_assert_uint_eq(s.len[4], 172);
	ck_assert_mem_eq(s.d[2], hdr2, FRAG_HDR_LEN);
	ck_assert_mem_eq(s.d[2] + FRAG_HDR_LEN, msg + 2424, 1212);
	in = frag_in_new(2);
	for (i = 0; i < 5; i++)
		if (i != 1 && i != 4)
			ck_assert_int_eq(frag_in_input(in, &a, s.d[i], s.len[i],
			    0, &out, &mlen, &errstr), FRAG_PARTIAL);
	frag_in_tick(in, FRAG_NACK_AFTER_MS, sink_emit, &n);
	ck_assert_uint_eq(n.n, 1);
	ck_assert_uint_eq(n.len[0], sizeof(nack));
	ck_assert_mem_eq(n.d[0], nack, sizeof(nack));
	frag_in_free(in);
	sink_clear(&s);
	sink_clear(&n);
	free(msg);
}
END_TEST

/* A NACK may only come from where the message went, a few times, soon. */
START_TEST(test_nack_rules)
{
	struct sink		 s, out;
	struct frag_out		*o;
	struct frag_out_stats	 st;
	struct addr		 dest = mkaddr("127.0.0.3:7000");
	struct addr		 other = mkaddr("127.0.0.3:7001");
	struct addr		 v6 = mkaddr("[::1]:7000");
	uint8_t			 nack[FRAG_NACK_MAX_LEN], *msg;
	const char		*errstr;
	size_t			 nlen, i, cut;
	int			 k;

	memset(&s, 0, sizeof(s));
	memset(&out, 0, sizeof(out));
	msg = mkmsg(5000, 5);		/* 5 parts */
	o = frag_out_new();
	ck_assert_int_eq(frag_out_send(o, &dest, msg, 5000, 77, 0, sink_emit,
	    &s), 5);
	memcpy(nack, "EM\x02\x02", 4);
	memset(nack + 4, 0, 7);
	nack[11] = 77;
	nack[12] = 0;
	nack[13] = 5;
	nack[14] = 0x11;		/* parts 0 and 4 */
	nlen = FRAG_NACK_HDR_LEN + 1;

	ck_assert_int_eq(frag_out_nack(o, &other, nack, nlen, 10, sink_emit,
	    &out, &errstr), -1);
	ck_assert_int_eq(frag_out_nack(o, &v6, nack, nlen, 10, sink_emit,
	    &out, &errstr), -1);
	ck_assert_uint_eq(out.n, 0);
	frag_out_get_stats(o, &st);
	ck_assert_uint_eq(st.nack_wrong_addr, 2);

	/* every truncation, and other malformed shapes */
	for (cut = 0; cut < nlen; cut++)
		ck_assert_int_eq(frag_out_nack(o, &dest, nack, cut, 10,
		    sink_emit, &out, &errstr), -1);
	nack[14] = 0x20;		/* part 5 of 5: past the count */
	ck_assert_int_eq(frag_out_nack(o, &dest, nack, nlen, 10, sink_emit,
	    &out, &errstr), -1);
	nack[14] = 0;			/* asks for nothing */
	ck_assert_int_eq(frag_out_nack(o, &dest, nack, nlen, 10, sink_emit,
	    &out, &errstr), -1);
	nack[14] = 0x11;
	nack[13] = 6;			/* count differs from the message's */
	ck_assert_int_eq(frag_out_nack(o, &dest, nack, nlen, 10, sink_emit,
	    &out, &errstr), -1);
	nack[13] = 5;
	nack[11] = 78;			/* unknown id */
	ck_assert_int_eq(frag_out_nack(o, &dest, nack, nlen, 10, sink_emit,
	    &out, &errstr), -1);
	nack[11] = 77;
	ck_assert_uint_eq(out.n, 0);
	frag_out_get_stats(o, &st);
	ck_assert_uint_eq(st.nack_malformed, nlen + 2);
	ck_assert_uint_eq(st.nack_mismatch, 1);
	ck_assert_uint_eq(st.nack_unknown, 1);

	/* answered FRAG_OUT_MAX_ANSWERS times, then no more */
	for (k = 0; k < FRAG_OUT_MAX_ANSWERS; k++)
		ck_assert_int_eq(frag_out_nack(o, &dest, nack, nlen, 20,
		    sink_emit, &out, &errstr), 2);
	ck_assert_uint_eq(out.n, 2 * FRAG_OUT_MAX_ANSWERS);
	for (i = 0; i < out.n; i += 2) {
		ck_assert_mem_eq(out.d[i], s.d[0], s.len[0]);
		ck_assert_mem_eq(out.d[i + 1], s.d[4], s.len[4]);
	}
	ck_assert_int_eq(frag_out_nack(o, &dest, nack, nlen, 20, sink_emit,
	    &out, &errstr), -1);
	frag_out_get_stats(o, &st);
	ck_assert_uint_eq(st.nack_limit, 1);
	frag_out_free(o);

	/* after FRAG_OUT_TTL_MS the message is forgotten */
	o = frag_out_new();
	ck_assert_int_eq(frag_out_send(o, &dest, msg, 5000, 77, 1000,
	    sink_emit, &s), 5);
	ck_assert_int_eq(frag_out_next_deadline(o), 1000 + FRAG_OUT_TTL_MS);
	ck_assert_int_eq(frag_out_nack(o, &dest, nack, nlen,
	    1000 + FRAG_OUT_TTL_MS - 1, sink_emit, &out, &errstr), 2);
	ck_assert_int_eq(frag_out_nack(o, &dest, nack, nlen,
	    1000 + FRAG_OUT_TTL_MS, sink_emit, &out, &errstr), -1);
	frag_out_get_stats(o, &st);
	ck_assert_uint_eq(st.expired, 1);
	ck_assert_uint_eq(st.held, 0);
	ck_assert_uint_eq(st.bytes, 0);
	ck_assert_int_eq(frag_out_next_deadline(o), INT64_MAX);
	/* a whole message is not kept */
	ck_assert_int_eq(frag_out_send(o, &dest, msg, 500, 78, 2000, sink_emit,
	    &s), 1);
	frag_out_get_stats(o, &st);
	ck_assert_uint_eq(st.held, 0);
	ck_assert_int_eq(frag_out_send(o, &dest, msg, 0, 78, 2000, sink_emit,
	    &s), -1);
	ck_assert_int_eq(frag_out_send(o, &dest, msg, WIRE_MAX_MESSAGE + 1, 78,
	    2000, sink_emit, &s), -1);
	frag_out_free(o);
	frag_out_free(NULL);
	sink_clear(&s);
	sink_clear(&out);
	free(msg);
}
END_TEST

static void
drop_emit(void *arg, const struct addr *to, const uint8_t *buf, size_t len)
{
	(*(size_t *)arg)++;
}

START_TEST(test_out_byte_cap)
{
	struct frag_out		*o;
	struct frag_out_stats	 st;
	struct addr		 dest = mkaddr("127.0.0.4:7000");
	uint8_t			*msg;
	size_t			 sent = 0;
	uint64_t		 id;

	msg = mkmsg(WIRE_MAX_MESSAGE, 9);
	o = frag_out_new();
	for (id = 0; id < 200; id++) {
		ck_assert_int_eq(frag_out_send(o, &dest, msg, WIRE_MAX_MESSAGE,
		    id, 0, drop_emit, &sent), FRAG_MAX_PARTS);
		frag_out_get_stats(o, &st);
		ck_assert_uint_le(st.bytes, FRAG_OUT_MAX_BYTES);
	}
	ck_assert_uint_gt(st.evicted, 0);
	ck_assert_uint_eq(st.held + st.evicted, 200);
	ck_assert_uint_eq(sent, 200 * FRAG_MAX_PARTS);
	frag_out_free(o);
	free(msg);
}
END_TEST

/* Builds one fragment datagram with arbitrary header fields. */
static size_t
mkfrag(uint8_t *d, uint64_t id, unsigned idx, unsigned count,
    uint32_t total, size_t plen)
{
	size_t	i;

	memcpy(d, "EM\x02\x01", 4);
	for (i = 0; i < 8; i++)
		d[4 + i] = (uint8_t)(id >> (56 - 8 * i));
	d[12] = (uint8_t)(idx >> 8);
	d[13] = (uint8_t)idx;
	d[14] = (uint8_t)(count >> 8);
	d[15] = (uint8_t)count;
	d[16] = (uint8_t)(total >> 24);
	d[17] = (uint8_t)(total >> 16);
	d[18] = (uint8_t)(total >> 8);
	d[19] = (uint8_t)total;
	memset(d + FRAG_HDR_LEN, 0xab, plen);
	if (idx == 0 && plen >= 4)
		memcpy(d + FRAG_HDR_LEN, "EM\x02\x00", 4);
	return FRAG_HDR_LEN + plen;
}

static const struct {
	unsigned	idx, count;
	uint32_t	total;
	size_t		plen;
	int		ok;
} absurd[] = {
	{ 0, 2, 2000, FRAG_PAYLOAD_MAX, 1 },		/* fine */
	{ 1, 2, 2000, 2000 - FRAG_PAYLOAD_MAX, 1 },	/* fine, last */
	{ 2, 2, 2000, 788, 0 },				/* index == count */
	{ 9, 2, 2000, 788, 0 },				/* index > count */
	{ 0, 0, 2000, 100, 0 },				/* count 0 */
	{ 0, 1, 1000, 1000, 0 },			/* would fit whole */
	{ 0, 2, WIRE_MAX_DATAGRAM, 1000, 0 },		/* total fits whole */
	{ 0, 3, 2000, FRAG_PAYLOAD_MAX, 0 },		/* count vs total */
	{ 0, FRAG_MAX_PARTS + 1, WIRE_MAX_MESSAGE + FRAG_PAYLOAD_MAX,
	    FRAG_PAYLOAD_MAX, 0 },			/* too many parts */
	{ 0, 0xffff, 0xffffffff, 100, 0 },
	{ 0, 82, WIRE_MAX_MESSAGE + 1, FRAG_PAYLOAD_MAX, 0 },
	{ 0, 2, 2000, FRAG_PAYLOAD_MAX - 1, 0 },	/* short payload */
	{ 1, 2, 2000, 789, 0 },				/* long last */
	{ 1, 2, 2000, 787, 0 },				/* short last */
	{ 255, 255, 0, 20, 0 },				/* the Go crash */
	{ 0xff, 0xff, 0xffff, 20, 0 },
	{ 0, 2, 0, 0, 0 },				/* empty */
};

START_TEST(test_absurd_fields)
{
	struct frag_in		*in;
	struct frag_in_stats	 st;
	struct addr		 a = mkaddr("127.0.0.5:1");
	uint8_t			 d[WIRE_MAX_DATAGRAM + 8], *out, *cut;
	size_t			 len, mlen, l;
	const char		*errstr = NULL;
	enum frag_result	 r;

	in = frag_in_new(0);
	len = mkfrag(d, 1, absurd[_i].idx, absurd[_i].count,
	    absurd[_i].total, absurd[_i].plen);
	r = frag_in_input(in, &a, d, len, 0, &out, &mlen, &errstr);
	ck_assert_int_eq(r, absurd[_i].ok ? FRAG_PARTIAL : FRAG_DROP);
	if (!absurd[_i].ok)
		ck_assert_ptr_nonnull(errstr);
	ck_assert_ptr_null(out);
	/*
	 * Every truncation is read exactly in bounds; those of a valid
	 * fragment are refused (an absurd one may shrink into a valid one).
	 */
	for (l = 0; l < len; l++) {
		cut = malloc(l > 0 ? l : 1);
		ck_assert_ptr_nonnull(cut);
		memcpy(cut, d, l);
		r = frag_in_input(in, &a, cut, l, 0, &out, &mlen, &errstr);
		if (absurd[_i].ok)
			ck_assert_int_eq(r, FRAG_DROP);
		ck_assert_int_ne(r, FRAG_COMPLETE);
		free(cut);
	}
	frag_in_get_stats(in, &st);
	if (absurd[_i].ok)
		ck_assert_uint_eq(st.partials, 1);
	frag_in_free(in);
}
END_TEST

START_TEST(test_bad_headers)
{
	struct frag_in		*in;
	struct frag_in_stats	 st;
	struct addr		 a = mkaddr("127.0.0.5:1");
	uint8_t			 d[WIRE_MAX_DATAGRAM + 8], *out;
	size_t			 len, mlen;
	const char		*errstr;

	in = frag_in_new(0);
	/* the Go crash: 40 bytes with 255/255 in every plausible place */
	memset(d, 0xff, 40);
	memcpy(d, "EM\x02\x01", 4);
	ck_assert_int_eq(frag_in_input(in, &a, d, 40, 0, &out, &mlen,
	    &errstr), FRAG_DROP);
	len = mkfrag(d, 1, 0, 2, 2000, FRAG_PAYLOAD_MAX);
	d[0] = 'X';
	ck_assert_int_eq(frag_in_input(in, &a, d, len, 0, &out, &mlen,
	    &errstr), FRAG_DROP);
	d[0] = 'E';
	d[2] = 9;
	ck_assert_int_eq(frag_in_input(in, &a, d, len, 0, &out, &mlen,
	    &errstr), FRAG_DROP);
	d[2] = WIRE_VERSION;
	d[3] = 0;
	ck_assert_int_eq(frag_in_input(in, &a, d, len, 0, &out, &mlen,
	    &errstr), FRAG_DROP);
	d[3] = 1;
	/* first part must begin a whole message */
	d[FRAG_HDR_LEN + 3] = 1;
	ck_assert_int_eq(frag_in_input(in, &a, d, len, 0, &out, &mlen,
	    &errstr), FRAG_DROP);
	d[FRAG_HDR_LEN + 3] = 0;
	/* over WIRE_MAX_DATAGRAM */
	ck_assert_int_eq(frag_in_input(in, &a, d, WIRE_MAX_DATAGRAM + 1, 0,
	    &out, &mlen, &errstr), FRAG_DROP);
	ck_assert_int_eq(frag_in_input(in, &a, d, len, 0, &out, &mlen,
	    &errstr), FRAG_PARTIAL);
	/* same id, other total: dropped, the partial stays */
	len = mkfrag(d, 1, 1, 3, 3000, FRAG_PAYLOAD_MAX);
	ck_assert_int_eq(frag_in_input(in, &a, d, len, 0, &out, &mlen,
	    &errstr), FRAG_DROP);
	frag_in_get_stats(in, &st);
	ck_assert_uint_eq(st.drop_header, 4);
	ck_assert_uint_eq(st.drop_fields, 2);
	ck_assert_uint_eq(st.drop_mismatch, 1);
	ck_assert_uint_eq(st.partials, 1);
	frag_in_free(in);
	frag_in_free(NULL);
}
END_TEST

/* The same msg_id from two addresses is two messages. */
START_TEST(test_keyed_by_source)
{
	struct sink		 s1, s2;
	struct frag_in		*in;
	struct addr		 a = mkaddr("127.0.0.6:1000");
	struct addr		 b = mkaddr("127.0.0.6:1001");
	uint8_t			*m1, *m2, *out;
	size_t			 i, mlen;
	const char		*errstr;
	enum frag_result	 r;
	int			 done = 0;

	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	m1 = mkmsg(4000, 1);
	m2 = mkmsg(4000, 2);
	frag_split(m1, 4000, 42, &a, sink_emit, &s1);
	frag_split(m2, 4000, 42, &b, sink_emit, &s2);
	in = frag_in_new(3);
	for (i = 0; i < s1.n; i++) {
		r = frag_in_input(in, &a, s1.d[i], s1.len[i], 0, &out, &mlen,
		    &errstr);
		if (r == FRAG_COMPLETE) {
			ck_assert_mem_eq(out, m1, 4000);
			free(out);
			done++;
		}
		r = frag_in_input(in, &b, s2.d[i], s2.len[i], 0, &out, &mlen,
		    &errstr);
		if (r == FRAG_COMPLETE) {
			ck_assert_mem_eq(out, m2, 4000);
			free(out);
			done++;
		}
	}
	ck_assert_int_eq(done, 2);
	frag_in_free(in);
	sink_clear(&s1);
	sink_clear(&s2);
	free(m1);
	free(m2);
}
END_TEST

/* Starts a partial: the first part of a 3-part message. */
static enum frag_result
start_partial(struct frag_in *in, const struct addr *from, uint64_t id,
    int64_t now)
{
	uint8_t		 d[WIRE_MAX_DATAGRAM], *out;
	size_t		 len, mlen;
	const char	*errstr;

	len = mkfrag(d, id, 0, 3, 3000, FRAG_PAYLOAD_MAX);
	return frag_in_input(in, from, d, len, now, &out, &mlen, &errstr);
}

START_TEST(test_caps)
{
	struct frag_in		*in;
	struct frag_in_stats	 st;
	struct addr		 a;
	char			 str[64];
	uint64_t		 id;
	unsigned		 i;

	in = frag_in_new(5);
	/* one source IP, any ports: FRAG_IN_MAX_PER_SOURCE partials */
	for (id = 0; id < FRAG_IN_MAX_PER_SOURCE + 4; id++) {
		snprintf(str, sizeof(str), "127.0.1.1:%u", 2000 + (unsigned)id);
		a = mkaddr(str);
		ck_assert_int_eq(start_partial(in, &a, id, (int64_t)id),
		    FRAG_PARTIAL);
	}
	frag_in_get_stats(in, &st);
	ck_assert_uint_eq(st.partials, FRAG_IN_MAX_PER_SOURCE);
	ck_assert_uint_eq(st.evicted_source, 4);
	/* the oldest went: its next part starts over as a new partial */
	a = mkaddr("127.0.1.1:2000");
	ck_assert_int_eq(start_partial(in, &a, 0, 100), FRAG_PARTIAL);
	frag_in_get_stats(in, &st);
	ck_assert_uint_eq(st.evicted_source, 5);
	ck_assert_uint_eq(st.duplicates, 0);
	frag_in_free(in);

	/* many sources: FRAG_IN_MAX_PARTIALS in all, oldest evicted */
	in = frag_in_new(6);
	for (i = 0; i < FRAG_IN_MAX_PARTIALS + 10; i++) {
		snprintf(str, sizeof(str), "127.%u.%u.1:3000", i / 250,
		    i % 250);
		a = mkaddr(str);
		ck_assert_int_eq(start_partial(in, &a, i, i), FRAG_PARTIAL);
	}
	frag_in_get_stats(in, &st);
	ck_assert_uint_eq(st.partials, FRAG_IN_MAX_PARTIALS);
	ck_assert_uint_eq(st.evicted_full, 10);
	ck_assert_uint_le(st.bytes, FRAG_IN_MAX_BYTES);
	/* the survivors are the newest: the oldest left expires at 10+T */
	ck_assert_int_eq(frag_in_next_deadline(in), 10 + FRAG_NACK_AFTER_MS);
	frag_in_tick(in, 10 + FRAG_IN_TIMEOUT_MS, drop_emit, &(size_t){0});
	frag_in_get_stats(in, &st);
	ck_assert_uint_eq(st.expired, 1);
	frag_in_free(in);
}
END_TEST

/* Nearly complete big messages from many sources: the byte cap holds. */
START_TEST(test_byte_cap)
{
	struct sink		 s;
	struct frag_in		*in;
	struct frag_in_stats	 st;
	struct addr		 a;
	char			 str[64];
	uint8_t			*msg, *out;
	size_t			 i, mlen;
	const char		*errstr;
	unsigned		 src;

	memset(&s, 0, sizeof(s));
	msg = mkmsg(WIRE_MAX_MESSAGE, 4);
	frag_split(msg, WIRE_MAX_MESSAGE, 1, &a, sink_emit, &s);
	in = frag_in_new(8);
	for (src = 0; src < 400; src++) {
		snprintf(str, sizeof(str), "10.0.%u.%u:4000", src / 200,
		    src % 200);
		a = mkaddr(str);
		/* all parts but the last */
		for (i = 0; i + 1 < s.n; i++)
			ck_assert_int_eq(frag_in_input(in, &a, s.d[i],
			    s.len[i], src, &out, &mlen, &errstr),
			    FRAG_PARTIAL);
		frag_in_get_stats(in, &st);
		ck_assert_uint_le(st.bytes, FRAG_IN_MAX_BYTES);
	}
	ck_assert_uint_gt(st.evicted_full, 0);
	ck_assert_uint_lt(st.partials, 400);
	/* the newest still completes */
	ck_assert_int_eq(frag_in_input(in, &a, s.d[s.n - 1], s.len[s.n - 1],
	    400, &out, &mlen, &errstr), FRAG_COMPLETE);
	ck_assert_mem_eq(out, msg, WIRE_MAX_MESSAGE);
	free(out);
	frag_in_free(in);
	sink_clear(&s);
	free(msg);
}
END_TEST

/* NACKs at 150 ms intervals, FRAG_MAX_NACKS of them, then it is freed. */
START_TEST(test_give_up_and_timeout)
{
	struct sink		 nacks;
	struct frag_in		*in;
	struct frag_in_stats	 st;
	struct addr		 a = mkaddr("[::1]:9999");
	uint8_t			 d[WIRE_MAX_DATAGRAM], *out;
	size_t			 len, mlen;
	const char		*errstr;
	int64_t			 t;
	int			 k;

	memset(&nacks, 0, sizeof(nacks));
	in = frag_in_new(9);
	ck_assert_int_eq(frag_in_next_deadline(in), INT64_MAX);
	ck_assert_int_eq(start_partial(in, &a, 5, 1000), FRAG_PARTIAL);
	t = 1000;
	for (k = 0; k < FRAG_MAX_NACKS; k++) {
		ck_assert_int_eq(frag_in_next_deadline(in),
		    t + FRAG_NACK_AFTER_MS);
		t += FRAG_NACK_AFTER_MS;
		frag_in_tick(in, t, sink_emit, &nacks);
		ck_assert_uint_eq(nacks.n, (size_t)k + 1);
		/* parts 1 and 2 of 3 missing */
		ck_assert_uint_eq(nacks.len[k], FRAG_NACK_HDR_LEN + 1);
		ck_assert_uint_eq(nacks.d[k][FRAG_NACK_HDR_LEN], 0x06);
		ck_assert(addr_eq(&nacks.to[k], &a));
	}
	frag_in_tick(in, t + FRAG_NACK_AFTER_MS, sink_emit, &nacks);
	ck_assert_uint_eq(nacks.n, FRAG_MAX_NACKS);
	frag_in_get_stats(in, &st);
	ck_assert_uint_eq(st.gave_up, 1);
	ck_assert_uint_eq(st.partials, 0);
	ck_assert_uint_eq(st.bytes, 0);
	ck_assert_uint_eq(st.nacks_sent, FRAG_MAX_NACKS);

	/* a partial that keeps trickling in still ends at the timeout */
	for (k = 0; k < 24; k++) {
		t = 5000 + 130 * k;
		len = mkfrag(d, 6, (unsigned)k, 25, 30000, FRAG_PAYLOAD_MAX);
		ck_assert_int_eq(frag_in_input(in, &a, d, len, t, &out, &mlen,
		    &errstr), FRAG_PARTIAL);
		frag_in_tick(in, t, sink_emit, &nacks);
	}
	ck_assert_uint_eq(nacks.n, FRAG_MAX_NACKS);	/* no new NACK */
	frag_in_tick(in, 5000 + FRAG_IN_TIMEOUT_MS - 1, sink_emit, &nacks);
	frag_in_get_stats(in, &st);
	ck_assert_uint_eq(st.partials, 1);
	ck_assert_uint_eq(st.expired, 0);
	frag_in_tick(in, 5000 + FRAG_IN_TIMEOUT_MS, sink_emit, &nacks);
	frag_in_get_stats(in, &st);
	ck_assert_uint_eq(st.partials, 0);
	ck_assert_uint_eq(st.expired, 1);
	ck_assert_uint_eq(nacks.n, FRAG_MAX_NACKS);
	ck_assert_int_eq(start_partial(in, &a, 7, 10000), FRAG_PARTIAL);
	ck_assert_int_eq(start_partial(in, &a, 8, 10000), FRAG_PARTIAL);
	/* one tick far in the future frees everything */
	frag_in_tick(in, 10000 + FRAG_IN_TIMEOUT_MS, drop_emit, &(size_t){0});
	frag_in_get_stats(in, &st);
	ck_assert_uint_eq(st.partials, 0);
	ck_assert_uint_eq(st.bytes, 0);
	ck_assert_uint_eq(st.expired, 3);
	ck_assert_int_eq(frag_in_next_deadline(in), INT64_MAX);
	frag_in_free(in);
	sink_clear(&nacks);
}
END_TEST

/* A STORE of n values of vlen bytes, encoded into buf; returns its length. */
static size_t
store_msg(uint8_t *buf, size_t n, uint32_t vlen)
{
	struct wire_msg		 m;
	struct wire_value	 v[2];
	uint8_t			*data;
	ssize_t			 len;
	size_t			 i;

	ck_assert_uint_le(n, 2);
	data = mkmsg(vlen, vlen);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_STORE;
	memset(m.sender.b, 0x11, ID_LEN);
	memset(m.u.store.key.b, 0x22, ID_LEN);
	m.txid = 7;
	for (i = 0; i < n; i++) {
		v[i].data = data;
		v[i].len = vlen - (uint32_t)i;	/* distinct values */
		v[i].created_ms = INT64_C(1700000000000);
		v[i].expires_ms = INT64_C(1700000000000) + 3600000;
	}
	m.u.store.values = v;
	m.u.store.nvalues = n;
	len = wire_encode(&m, buf, WIRE_MAX_MESSAGE);
	ck_assert_int_gt(len, WIRE_MAX_DATAGRAM);
	free(data);
	return (size_t)len;
}

/* Seeds for fuzz_frag: records of op(1) len(2, BE) bytes (see fuzz_frag.c). */
static void
put_record(FILE *f, uint8_t op, const uint8_t *d, size_t len)
{
	uint8_t	h[3] = { op, (uint8_t)(len >> 8), (uint8_t)len };

	fwrite(h, 1, 3, f);
	fwrite(d, 1, len, f);
}

START_TEST(test_write_corpus)
{
	const char	*dir = getenv("EMO_WRITE_CORPUS");
	struct sink	 s;
	struct addr	 a;
	char		 path[4096];
	uint8_t		*msg, d[WIRE_MAX_DATAGRAM];
	size_t		 i, len;
	FILE		*f;

	if (dir == NULL)
		return;
	a = mkaddr("127.0.0.1:1");
	memset(&s, 0, sizeof(s));
	/* a real STORE, so reassembled seeds reach wire_decode's depths */
	msg = malloc(WIRE_MAX_MESSAGE);
	ck_assert_ptr_nonnull(msg);
	len = store_msg(msg, 1, 4900);
	ck_assert_uint_eq((len + FRAG_PAYLOAD_MAX - 1) / FRAG_PAYLOAD_MAX, 5);
	frag_split(msg, len, 0x1122334455667788, &a, sink_emit, &s);
	snprintf(path, sizeof(path), "%s/in-order", dir);
	if ((f = fopen(path, "wb")) != NULL) {
		for (i = 0; i < s.n; i++)
			put_record(f, 0, s.d[i], s.len[i]);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/reverse-dup-two-sources", dir);
	if ((f = fopen(path, "wb")) != NULL) {
		for (i = s.n; i-- > 0;) {
			put_record(f, 0, s.d[i], s.len[i]);
			put_record(f, 1, s.d[i], s.len[i]);
			put_record(f, 0, s.d[i], s.len[i]);
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/lost-then-nack", dir);
	if ((f = fopen(path, "wb")) != NULL) {
		for (i = 1; i < s.n; i++)
			put_record(f, 0, s.d[i], s.len[i]);
		/* 4 << 3: advance 200 ms, then a NACK to the sender cache */
		len = FRAG_NACK_HDR_LEN + 1;
		memcpy(d, "EM\x02\x02\x11\x22\x33\x44\x55\x66\x77\x88\x00\x05"
		    "\x01", len);
		put_record(f, (4 << 3) | 4, d, len);
		put_record(f, 0, s.d[0], s.len[0]);
		put_record(f, 31 << 3, d, 0);
		fclose(f);
	}
	sink_clear(&s);
	len = store_msg(msg, 2, EMO_MAX_VALUE);
	frag_split(msg, len, 99, &a, sink_emit, &s);
	snprintf(path, sizeof(path), "%s/two-full-values", dir);
	if ((f = fopen(path, "wb")) != NULL) {
		for (i = 0; i < s.n; i++)
			put_record(f, 3, s.d[i], s.len[i]);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/go-crash", dir);
	if ((f = fopen(path, "wb")) != NULL) {
		memset(d, 0xff, 40);
		memcpy(d, "EM\x02\x01", 4);
		put_record(f, 0, d, 40);
		len = mkfrag(d, 3, 255, 255, 255 * 1000, 40);
		put_record(f, 2, d, len);
		fclose(f);
	}
	sink_clear(&s);
	free(msg);
}
END_TEST

static Suite *
frag_suite(void)
{
	Suite	*s = suite_create("frag");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_split_reassemble, 0,
	    (int)(sizeof(split_sizes) / sizeof(split_sizes[0])));
	tcase_add_test(tc, test_nack_recovers);
	tcase_add_test(tc, test_doc_example);
	tcase_add_test(tc, test_nack_rules);
	tcase_add_test(tc, test_out_byte_cap);
	tcase_add_loop_test(tc, test_absurd_fields, 0,
	    (int)(sizeof(absurd) / sizeof(absurd[0])));
	tcase_add_test(tc, test_bad_headers);
	tcase_add_test(tc, test_keyed_by_source);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_byte_cap);
	tcase_add_test(tc, test_give_up_and_timeout);
	tcase_add_test(tc, test_write_corpus);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(frag_suite());
}

/*
 * keccak — Keccak-f[1600] and the Keccak-256 sponge with the original
 * 0x01 padding (what Ethereum calls keccak256), written from the Keccak
 * reference specification.  Lanes are loaded little-endian through
 * memcpy, so the code depends on neither host byte order nor alignment.
 */
#include <endian.h>
#include <string.h>

#include "keccak.h"

static const uint64_t keccak_rc[24] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
	0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
	0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
	0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
	0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define KECCAK_ROL(x, n)	(((x) << (n)) | ((x) >> (64 - (n))))

/*
 * The permutation with the 25 lanes in locals and theta, rho, pi, chi and
 * iota written out (generated once from the rotation table of the
 * specification): about six times faster than the loop form.  On x86-64,
 * GCC also builds it for x86-64-v3 (BMI's and-not and rotates, since
 * Haswell), picked at load time: a third faster (bench_sig, docs/BENCH.md).
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
static void
keccak_f1600(uint64_t st[25])
{
	uint64_t a00, a01, a02, a03, a04, a05, a06, a07, a08, a09, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24;
	uint64_t b00, b01, b02, b03, b04, b05, b06, b07, b08, b09, b10, b11, b12, b13, b14, b15, b16, b17, b18, b19, b20, b21, b22, b23, b24;
	uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
	unsigned r;

	a00 = st[0];
	a01 = st[1];
	a02 = st[2];
	a03 = st[3];
	a04 = st[4];
	a05 = st[5];
	a06 = st[6];
	a07 = st[7];
	a08 = st[8];
	a09 = st[9];
	a10 = st[10];
	a11 = st[11];
	a12 = st[12];
	a13 = st[13];
	a14 = st[14];
	a15 = st[15];
	a16 = st[16];
	a17 = st[17];
	a18 = st[18];
	a19 = st[19];
	a20 = st[20];
	a21 = st[21];
	a22 = st[22];
	a23 = st[23];
	a24 = st[24];
	for (r = 0; r < 24; r++) {
		c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
		c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
		c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
		c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
		c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
		d0 = c4 ^ KECCAK_ROL(c1, 1);
		d1 = c0 ^ KECCAK_ROL(c2, 1);
		d2 = c1 ^ KECCAK_ROL(c3, 1);
		d3 = c2 ^ KECCAK_ROL(c4, 1);
		d4 = c3 ^ KECCAK_ROL(c0, 1);
		b00 = a00 ^ d0;
		b10 = KECCAK_ROL(a01 ^ d1, 1);
		b20 = KECCAK_ROL(a02 ^ d2, 62);
		b05 = KECCAK_ROL(a03 ^ d3, 28);
		b15 = KECCAK_ROL(a04 ^ d4, 27);
		b16 = KECCAK_ROL(a05 ^ d0, 36);
		b01 = KECCAK_ROL(a06 ^ d1, 44);
		b11 = KECCAK_ROL(a07 ^ d2, 6);
		b21 = KECCAK_ROL(a08 ^ d3, 55);
		b06 = KECCAK_ROL(a09 ^ d4, 20);
		b07 = KECCAK_ROL(a10 ^ d0, 3);
		b17 = KECCAK_ROL(a11 ^ d1, 10);
		b02 = KECCAK_ROL(a12 ^ d2, 43);
		b12 = KECCAK_ROL(a13 ^ d3, 25);
		b22 = KECCAK_ROL(a14 ^ d4, 39);
		b23 = KECCAK_ROL(a15 ^ d0, 41);
		b08 = KECCAK_ROL(a16 ^ d1, 45);
		b18 = KECCAK_ROL(a17 ^ d2, 15);
		b03 = KECCAK_ROL(a18 ^ d3, 21);
		b13 = KECCAK_ROL(a19 ^ d4, 8);
		b14 = KECCAK_ROL(a20 ^ d0, 18);
		b24 = KECCAK_ROL(a21 ^ d1, 2);
		b09 = KECCAK_ROL(a22 ^ d2, 61);
		b19 = KECCAK_ROL(a23 ^ d3, 56);
		b04 = KECCAK_ROL(a24 ^ d4, 14);
		a00 = b00 ^ (~b01 & b02);
		a01 = b01 ^ (~b02 & b03);
		a02 = b02 ^ (~b03 & b04);
		a03 = b03 ^ (~b04 & b00);
		a04 = b04 ^ (~b00 & b01);
		a05 = b05 ^ (~b06 & b07);
		a06 = b06 ^ (~b07 & b08);
		a07 = b07 ^ (~b08 & b09);
		a08 = b08 ^ (~b09 & b05);
		a09 = b09 ^ (~b05 & b06);
		a10 = b10 ^ (~b11 & b12);
		a11 = b11 ^ (~b12 & b13);
		a12 = b12 ^ (~b13 & b14);
		a13 = b13 ^ (~b14 & b10);
		a14 = b14 ^ (~b10 & b11);
		a15 = b15 ^ (~b16 & b17);
		a16 = b16 ^ (~b17 & b18);
		a17 = b17 ^ (~b18 & b19);
		a18 = b18 ^ (~b19 & b15);
		a19 = b19 ^ (~b15 & b16);
		a20 = b20 ^ (~b21 & b22);
		a21 = b21 ^ (~b22 & b23);
		a22 = b22 ^ (~b23 & b24);
		a23 = b23 ^ (~b24 & b20);
		a24 = b24 ^ (~b20 & b21);
		a00 ^= keccak_rc[r];
	}
	st[0] = a00;
	st[1] = a01;
	st[2] = a02;
	st[3] = a03;
	st[4] = a04;
	st[5] = a05;
	st[6] = a06;
	st[7] = a07;
	st[8] = a08;
	st[9] = a09;
	st[10] = a10;
	st[11] = a11;
	st[12] = a12;
	st[13] = a13;
	st[14] = a14;
	st[15] = a15;
	st[16] = a16;
	st[17] = a17;
	st[18] = a18;
	st[19] = a19;
	st[20] = a20;
	st[21] = a21;
	st[22] = a22;
	st[23] = a23;
	st[24] = a24;
}

static inline void
keccak_xor_byte(uint64_t st[25], size_t pos, uint8_t b)
{
	st[pos / 8] ^= (uint64_t)b << (8 * (pos % 8));
}

void
keccak256_init(struct keccak *k)
{
	memset(k, 0, sizeof(*k));
}

/* A little-endian lane from 8 bytes, any alignment, any host. */
static inline uint64_t
keccak_load_lane(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

void
keccak256_update(struct keccak *k, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	/* Whole blocks while the state is at a block's start: no byte loop. */
	while (k->pos == 0 && len >= KECCAK256_RATE) {
		for (i = 0; i < KECCAK256_RATE / 8; i++)
			k->st[i] ^= keccak_load_lane(p + 8 * i);
		keccak_f1600(k->st);
		p += KECCAK256_RATE;
		len -= KECCAK256_RATE;
	}
	while (len > 0) {
		if (k->pos % 8 == 0 && len >= 8) {
			k->st[k->pos / 8] ^= keccak_load_lane(p);
			k->pos += 8;
			p += 8;
			len -= 8;
		} else {
			keccak_xor_byte(k->st, k->pos++, *p++);
			len--;
		}
		if (k->pos == KECCAK256_RATE) {
			keccak_f1600(k->st);
			k->pos = 0;
		}
	}
}

void
keccak256_final(struct keccak *k, uint8_t out[KECCAK256_LEN])
{
	size_t i;

	/* Legacy Keccak pad10*1 with domain byte 0x01 (SHA3 would use 0x06). */
	keccak_xor_byte(k->st, k->pos, 0x01);
	keccak_xor_byte(k->st, KECCAK256_RATE - 1, 0x80);
	keccak_f1600(k->st);
	for (i = 0; i < KECCAK256_LEN; i++)
		out[i] = (uint8_t)(k->st[i / 8] >> (8 * (i % 8)));
	memset(k, 0, sizeof(*k));
}

void
keccak256(const void *data, size_t len, uint8_t out[KECCAK256_LEN])
{
	struct keccak k;

	keccak256_init(&k);
	keccak256_update(&k, data, len);
	keccak256_final(&k, out);
}

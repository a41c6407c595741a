/*
 * keccak — Keccak-f[1600] and the Keccak-256 sponge with the original
 * 0x01 padding (what Ethereum calls keccak256), written from the Keccak
 * reference specification.  Little-endian lanes are loaded byte by byte so
 * the code does not depend on host byte order or alignment.
 */
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

/* Rotation offsets and the pi lane permutation, in the rho-pi walk order. */
static const unsigned keccak_rotc[24] = {
	1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14,
	27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
};
static const unsigned keccak_piln[24] = {
	10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4,
	15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
};

static inline uint64_t
keccak_rol(uint64_t x, unsigned n)
{
	return (x << n) | (x >> (64 - n));
}

static void
keccak_f1600(uint64_t st[25])
{
	uint64_t bc[5], t;
	unsigned r, i, j;

	for (r = 0; r < 24; r++) {
		/* theta */
		for (i = 0; i < 5; i++)
			bc[i] = st[i] ^ st[i + 5] ^ st[i + 10] ^ st[i + 15] ^
			    st[i + 20];
		for (i = 0; i < 5; i++) {
			t = bc[(i + 4) % 5] ^ keccak_rol(bc[(i + 1) % 5], 1);
			for (j = 0; j < 25; j += 5)
				st[j + i] ^= t;
		}
		/* rho and pi */
		t = st[1];
		for (i = 0; i < 24; i++) {
			j = keccak_piln[i];
			bc[0] = st[j];
			st[j] = keccak_rol(t, keccak_rotc[i]);
			t = bc[0];
		}
		/* chi */
		for (j = 0; j < 25; j += 5) {
			for (i = 0; i < 5; i++)
				bc[i] = st[j + i];
			for (i = 0; i < 5; i++)
				st[j + i] ^= (~bc[(i + 1) % 5]) & bc[(i + 2) % 5];
		}
		/* iota */
		st[0] ^= keccak_rc[r];
	}
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

void
keccak256_update(struct keccak *k, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		keccak_xor_byte(k->st, k->pos, p[i]);
		if (++k->pos == KECCAK256_RATE) {
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

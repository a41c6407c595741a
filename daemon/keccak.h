/*
 * keccak — Keccak-256 with the original (legacy, 0x01) padding used by
 * Ethereum and the Go emo; not SHA3-256.  Pure computation.
 */
#ifndef EMO_KECCAK_H
#define EMO_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define KECCAK256_LEN	32
#define KECCAK256_RATE	136

struct keccak {
	uint64_t	st[25];
	size_t		pos;		/* bytes absorbed into the current block */
};

void	keccak256_init(struct keccak *);
void	keccak256_update(struct keccak *, const void *, size_t);
void	keccak256_final(struct keccak *, uint8_t out[KECCAK256_LEN]);
void	keccak256(const void *, size_t, uint8_t out[KECCAK256_LEN]);

#endif

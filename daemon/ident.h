/*
 * ident — node identities (docs/PROTOCOL.md, "Node identity"): a node's ID
 * is Keccak-256 of its Ed25519 public key, acceptable only if Keccak-256
 * of the ID has at least `difficulty` leading zero bits (S/Kademlia's
 * static puzzle); generating such a key pair; the proof a Pong carries
 * (a signature over IDENT_CONTEXT ‖ the asker's ID ‖ the asker's nonce)
 * and checking it.  Pure computation over keys: no state, no clock, no I/O.
 */
#ifndef EMO_IDENT_H
#define EMO_IDENT_H

#include <stddef.h>
#include <stdint.h>

#include "id.h"
#include "keys.h"
#include "wire.h"

#define IDENT_CONTEXT		"emo node id v1"	/* no NUL signed */
#define IDENT_CONTEXT_LEN	14
#define IDENT_NONCE_LEN		16	/* what emod's challenges carry */
#define IDENT_MAX_DIFFICULTY	32
/* The signed bytes: context, the asker's ID, its nonce. */
#define IDENT_SIGNED_MAX	(IDENT_CONTEXT_LEN + ID_LEN + WIRE_MAX_NONCE)
/* Key pairs tried per expected one (2^difficulty) before giving up. */
#define IDENT_TRIES_FACTOR	64

/* What ident_check found of a Pong's proof. */
enum ident_result {
	IDENT_OK = 0,
	IDENT_MISSING,		/* no public key and signature */
	IDENT_BAD_ID,		/* Keccak-256(key) is not the sender */
	IDENT_BAD_KEY,		/* not a valid Ed25519 point */
	IDENT_WEAK,		/* the ID misses the difficulty */
	IDENT_BAD_SIG,		/* not a signature of our nonce */
};

/* The node ID of a public key: Keccak-256 of its 32 bytes. */
void	ident_id(const uint8_t pub[KEYS_PUBLIC_LEN], struct id *out);
/* Leading zero bits of Keccak-256(id), 0..256. */
unsigned ident_zero_bits(const struct id *);
/* 1 if id meets difficulty (0 always does). */
int	ident_meets(const struct id *, unsigned difficulty);

/*
 * A key pair whose ID meets difficulty (at most IDENT_MAX_DIFFICULTY):
 * key pairs from random 32-byte seeds drawn from rnd (NULL: libsodium's
 * own key generation) until one does, at most IDENT_TRIES_FACTOR <<
 * difficulty of them.  Returns the count tried, or -1 (none met it; the
 * pair is wiped).
 */
long	ident_generate(struct keys_pair *, struct id *, unsigned difficulty,
	    void (*rnd)(void *arg, void *buf, size_t len), void *arg);

/* The signed bytes into out (IDENT_SIGNED_MAX); returns their length. */
size_t	ident_message(uint8_t *out, const struct id *asker,
	    const uint8_t *nonce, size_t noncelen);
/* The proof of our ID for asker's nonce, into a Pong (has_proof set). */
void	ident_prove(const struct keys_pair *, const struct id *asker,
	    const uint8_t *nonce, size_t noncelen, struct wire_pong *);
/*
 * Checks the proof in pong from `sender` answering our (asker's) nonce,
 * cheapest test first.
 */
enum ident_result ident_check(const struct wire_pong *,
	    const struct id *sender, const struct id *asker,
	    const uint8_t *nonce, size_t noncelen, unsigned difficulty);

#endif

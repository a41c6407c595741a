/*
 * ident — node IDs from Ed25519 keys, their proof of work and the Pong's
 * proof of the ID: see ident.h.
 */
#include <string.h>

#include "ident.h"
#include "keccak.h"

_Static_assert(WIRE_PUBLIC_KEY_LEN == KEYS_PUBLIC_LEN, "pong key length");
_Static_assert(WIRE_SIGNATURE_LEN == KEYS_SIG_LEN, "pong signature length");
_Static_assert(KECCAK256_LEN == ID_LEN, "IDs are Keccak-256 hashes");
_Static_assert(sizeof(IDENT_CONTEXT) - 1 == IDENT_CONTEXT_LEN,
    "context length");

void
ident_id(const uint8_t pub[KEYS_PUBLIC_LEN], struct id *out)
{
	keccak256(pub, KEYS_PUBLIC_LEN, out->b);
}

unsigned
ident_zero_bits(const struct id *id)
{
	uint8_t h[KECCAK256_LEN];
	unsigned n = 0, i;
	uint8_t b;

	keccak256(id->b, ID_LEN, h);
	for (i = 0; i < sizeof(h); i++) {
		if (h[i] == 0) {
			n += 8;
			continue;
		}
		for (b = h[i]; (b & 0x80) == 0; b <<= 1)
			n++;
		break;
	}
	return n;
}

int
ident_meets(const struct id *id, unsigned difficulty)
{
	return difficulty == 0 || ident_zero_bits(id) >= difficulty;
}

long
ident_generate(struct keys_pair *kp, struct id *id, unsigned difficulty,
    void (*rnd)(void *arg, void *buf, size_t len), void *arg)
{
	uint8_t seed[32];
	long tries, max;

	if (difficulty > IDENT_MAX_DIFFICULTY)
		return -1;
	max = (long)IDENT_TRIES_FACTOR << difficulty;
	for (tries = 1; tries <= max; tries++) {
		if (rnd == NULL)
			keys_generate(kp);
		else {
			rnd(arg, seed, sizeof(seed));
			keys_from_seed(kp, seed);
		}
		ident_id(kp->pub, id);
		if (ident_meets(id, difficulty)) {
			memset(seed, 0, sizeof(seed));
			return tries;
		}
	}
	memset(seed, 0, sizeof(seed));
	keys_wipe(kp);
	return -1;
}

size_t
ident_message(uint8_t *out, const struct id *asker, const uint8_t *nonce,
    size_t noncelen)
{
	if (noncelen > WIRE_MAX_NONCE)
		noncelen = WIRE_MAX_NONCE;
	memcpy(out, IDENT_CONTEXT, IDENT_CONTEXT_LEN);
	memcpy(out + IDENT_CONTEXT_LEN, asker->b, ID_LEN);
	if (noncelen > 0)
		memcpy(out + IDENT_CONTEXT_LEN + ID_LEN, nonce, noncelen);
	return IDENT_CONTEXT_LEN + ID_LEN + noncelen;
}

void
ident_prove(const struct keys_pair *kp, const struct id *asker,
    const uint8_t *nonce, size_t noncelen, struct wire_pong *pong)
{
	uint8_t msg[IDENT_SIGNED_MAX];
	size_t len;

	len = ident_message(msg, asker, nonce, noncelen);
	memcpy(pong->public_key, kp->pub, KEYS_PUBLIC_LEN);
	keys_sign(kp, msg, len, pong->signature);
	pong->has_proof = 1;
}

enum ident_result
ident_check(const struct wire_pong *pong, const struct id *sender,
    const struct id *asker, const uint8_t *nonce, size_t noncelen,
    unsigned difficulty)
{
	uint8_t msg[IDENT_SIGNED_MAX];
	struct id claimed;
	size_t len;

	if (!pong->has_proof)
		return IDENT_MISSING;
	ident_id(pong->public_key, &claimed);
	if (!id_eq(&claimed, sender))
		return IDENT_BAD_ID;
	if (!ident_meets(sender, difficulty))
		return IDENT_WEAK;
	/*
	 * keys_verify refuses keys off the curve, non-canonical or of small
	 * order.  The main-subgroup test (keys_public_valid) costs two
	 * thirds of a verification and only tells the two failures apart:
	 * a key with a torsion component proves nothing a fresh key pair
	 * would not (the ID is still Keccak-256 of it, with its proof of
	 * work), so it runs only when the signature failed.
	 */
	len = ident_message(msg, asker, nonce, noncelen);
	if (keys_verify(pong->public_key, msg, len, pong->signature) != 0)
		return keys_public_valid(pong->public_key) ? IDENT_BAD_SIG :
		    IDENT_BAD_KEY;
	return IDENT_OK;
}

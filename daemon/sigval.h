/*
 * sigval — what makes a value more than bytes: its kind (plain, signed,
 * immutable) and, for a signed value, the signer's public key, the name,
 * the sequence number and the signature.  Owns the exact bytes a signed
 * value's signature covers, the key derivations (signed: Keccak-256 of
 * public key ‖ name; immutable: Keccak-256 of the value), the check a
 * storing node and a client make of a value against its key, the hash that
 * names a value in the store and in digests, and the attributes' record
 * encoding.  Used by the engine and by emoctl; no state, no I/O.
 */
#ifndef EMO_SIGVAL_H
#define EMO_SIGVAL_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

#define SIGVAL_PREFIX		"emo signed value v1"
#define SIGVAL_PREFIX_LEN	19
#define SIGVAL_NAME_MAX		64	/* bytes of a signed value's name */
/* The signed bytes' length besides the value's own bytes. */
#define SIGVAL_INPUT_FIXED	(SIGVAL_PREFIX_LEN + 1 + 8 + 8 + 4 + 4)
#define SIGVAL_INPUT_LEN(namelen, len) \
	(SIGVAL_INPUT_FIXED + (size_t)(namelen) + (size_t)(len))
/* Attribute record: kind, then (signed) pub, seq, sig, name length, name. */
#define SIGVAL_ATTR_MAX		(1 + KEYS_PUBLIC_LEN + 8 + KEYS_SIG_LEN + 1 + \
				 SIGVAL_NAME_MAX)
#define SIGVAL_HASH_LEN		32
#define SIGVAL_KEY_LEN		32

enum value_kind {
	VALUE_PLAIN = 0,
	VALUE_SIGNED = 1,
	VALUE_IMMUTABLE = 2,
};

/* Zeroed: a plain value.  Only a signed value uses the other fields. */
struct value_attr {
	uint8_t		kind;		/* enum value_kind */
	uint8_t		namelen;	/* 1..SIGVAL_NAME_MAX when signed */
	uint8_t		pub[KEYS_PUBLIC_LEN];
	uint64_t	seq;
	uint8_t		sig[KEYS_SIG_LEN];
	uint8_t		name[SIGVAL_NAME_MAX];
};

/* Why sigval_check refused a value (one status counter each). */
enum sigval_err {
	SIGVAL_OK = 0,
	SIGVAL_BAD_POINT,	/* public key not a valid Ed25519 point */
	SIGVAL_BAD_KEY,		/* key is not Keccak-256(pub ‖ name) */
	SIGVAL_BAD_TTL,		/* expires - created is no whole u32 of s */
	SIGVAL_BAD_SIG,		/* the signature does not verify */
	SIGVAL_BAD_IMMUTABLE,	/* key is not Keccak-256(value) */
	SIGVAL_BAD_ATTR,	/* no such kind, or a name out of range */
	SIGVAL_NOMEM,
};

/*
 * The signed bytes: SIGVAL_PREFIX (19 bytes, no NUL) ‖ u8 namelen ‖ name ‖
 * u64be seq ‖ i64be created_ms ‖ u32be ttl_s ‖ u32be len ‖ data, into out
 * (SIGVAL_INPUT_LEN(namelen, len) bytes).  Returns the length.
 */
size_t	sigval_input(uint8_t *out, const uint8_t *name, size_t namelen,
	    uint64_t seq, int64_t created_ms, uint32_t ttl_s,
	    const void *data, size_t len);
/* Keccak-256(pub ‖ name): where a signed value lives. */
void	sigval_key(const uint8_t pub[KEYS_PUBLIC_LEN], const uint8_t *name,
	    size_t namelen, uint8_t key[SIGVAL_KEY_LEN]);
/*
 * Makes a signed value of kp's: fills kind, pub and sig from name, seq
 * and the rest.  -1 for a name out of range or no memory.
 */
int	sigval_sign(struct value_attr *a, const struct keys_pair *kp,
	    const uint8_t *name, size_t namelen, uint64_t seq,
	    int64_t created_ms, uint32_t ttl_s, const void *data, size_t len);
/*
 * Whether the value (data, len, created, expires, a) may live under key:
 * plain always; immutable when key = Keccak-256(data); signed when pub is a
 * valid point, key = Keccak-256(pub ‖ name), expires_ms = created_ms +
 * ttl_s * 1000 for a u32 ttl_s, and sig verifies over sigval_input.
 */
enum sigval_err sigval_check(const uint8_t key[SIGVAL_KEY_LEN],
	    const struct value_attr *a, const void *data, size_t len,
	    int64_t created_ms, int64_t expires_ms);
const char *sigval_strerror(enum sigval_err);

/*
 * The hash that names a value under its key (store, digests, GetValues,
 * value ids): BLAKE2b-256 (libsodium's crypto_generichash, no key) of the
 * bytes for plain and immutable values, of bytes ‖ signature for a signed
 * one, so two signed values of the same bytes (another seq, another time)
 * are never taken for each other.  Not Keccak-256 like keys and node IDs:
 * every storing node hashes every value it takes, and BLAKE2b is about
 * twice as fast (docs/BENCH.md).
 */
void	sigval_hash(const struct value_attr *a, const void *data, size_t len,
	    uint8_t out[SIGVAL_HASH_LEN]);
/* 1 if a and b describe the same value's attributes. */
int	sigval_attr_equal(const struct value_attr *, const struct value_attr *);

/*
 * The attributes as stored (at most SIGVAL_ATTR_MAX bytes): a plain value
 * has none (0 bytes), immutable is the kind byte, signed is kind ‖ pub ‖
 * u64be seq ‖ sig ‖ u8 namelen ‖ name.  decode takes exactly those bytes
 * and returns 0, or -1 with *errstr.
 */
size_t	sigval_attr_encode(const struct value_attr *, uint8_t *out);
int	sigval_attr_decode(const uint8_t *buf, size_t len,
	    struct value_attr *, const char **errstr);

#endif

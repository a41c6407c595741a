/*
 * sigval — signed and immutable values: the signed bytes, key derivation,
 * the storing node's and the client's check, the value hash, and the
 * attributes' record encoding (see sigval.h).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bytes.h"
#include "keccak.h"
#include "sigval.h"

size_t
sigval_input(uint8_t *out, const uint8_t *name, size_t namelen, uint64_t seq,
    int64_t created_ms, uint32_t ttl_s, const void *data, size_t len)
{
	uint8_t *p = out;

	memcpy(p, SIGVAL_PREFIX, SIGVAL_PREFIX_LEN);
	p += SIGVAL_PREFIX_LEN;
	*p++ = (uint8_t)namelen;
	memcpy(p, name, namelen);
	p += namelen;
	bytes_put_be64(p, seq);
	p += 8;
	bytes_put_be64(p, (uint64_t)created_ms);
	p += 8;
	bytes_put_be32(p, ttl_s);
	p += 4;
	bytes_put_be32(p, (uint32_t)len);
	p += 4;
	memcpy(p, data, len);
	return (size_t)(p - out) + len;
}

void
sigval_key(const uint8_t pub[KEYS_PUBLIC_LEN], const uint8_t *name,
    size_t namelen, uint8_t key[SIGVAL_KEY_LEN])
{
	struct keccak k;

	keccak256_init(&k);
	keccak256_update(&k, pub, KEYS_PUBLIC_LEN);
	keccak256_update(&k, name, namelen);
	keccak256_final(&k, key);
}

/* The signed bytes of a, malloc'd; NULL when out of memory. */
static uint8_t *
sigval_input_new(const struct value_attr *a, int64_t created_ms,
    uint32_t ttl_s, const void *data, size_t len, size_t *n)
{
	uint8_t *buf;

	if ((buf = malloc(SIGVAL_INPUT_LEN(a->namelen, len))) == NULL)
		return NULL;
	*n = sigval_input(buf, a->name, a->namelen, a->seq, created_ms, ttl_s,
	    data, len);
	return buf;
}

int
sigval_sign(struct value_attr *a, const struct keys_pair *kp,
    const uint8_t *name, size_t namelen, uint64_t seq, int64_t created_ms,
    uint32_t ttl_s, const void *data, size_t len)
{
	uint8_t *buf;
	size_t n;

	if (namelen < 1 || namelen > SIGVAL_NAME_MAX)
		return -1;
	memset(a, 0, sizeof(*a));
	a->kind = VALUE_SIGNED;
	a->namelen = (uint8_t)namelen;
	memcpy(a->name, name, namelen);
	a->seq = seq;
	memcpy(a->pub, kp->pub, KEYS_PUBLIC_LEN);
	if ((buf = sigval_input_new(a, created_ms, ttl_s, data, len, &n)) ==
	    NULL)
		return -1;
	keys_sign(kp, buf, n, a->sig);
	free(buf);
	return 0;
}

enum sigval_err
sigval_check(const uint8_t key[SIGVAL_KEY_LEN], const struct value_attr *a,
    const void *data, size_t len, int64_t created_ms, int64_t expires_ms)
{
	uint8_t h[SIGVAL_KEY_LEN], *buf;
	int64_t life;
	size_t n;
	int bad;

	switch (a->kind) {
	case VALUE_PLAIN:
		return SIGVAL_OK;
	case VALUE_IMMUTABLE:
		keccak256(data, len, h);
		return memcmp(h, key, SIGVAL_KEY_LEN) == 0 ? SIGVAL_OK :
		    SIGVAL_BAD_IMMUTABLE;
	case VALUE_SIGNED:
		break;
	default:
		return SIGVAL_BAD_ATTR;
	}
	if (a->namelen < 1 || a->namelen > SIGVAL_NAME_MAX)
		return SIGVAL_BAD_ATTR;
	if (!keys_public_valid(a->pub))
		return SIGVAL_BAD_POINT;
	sigval_key(a->pub, a->name, a->namelen, h);
	if (memcmp(h, key, SIGVAL_KEY_LEN) != 0)
		return SIGVAL_BAD_KEY;
	if (created_ms < 0 || expires_ms <= created_ms)
		return SIGVAL_BAD_TTL;
	life = expires_ms - created_ms;
	if (life % 1000 != 0 || life / 1000 > (int64_t)UINT32_MAX)
		return SIGVAL_BAD_TTL;
	if ((buf = sigval_input_new(a, created_ms, (uint32_t)(life / 1000),
	    data, len, &n)) == NULL)
		return SIGVAL_NOMEM;
	bad = keys_verify(a->pub, buf, n, a->sig) != 0;
	free(buf);
	return bad ? SIGVAL_BAD_SIG : SIGVAL_OK;
}

const char *
sigval_strerror(enum sigval_err e)
{
	switch (e) {
	case SIGVAL_OK:
		return "ok";
	case SIGVAL_BAD_POINT:
		return "the public key is not a valid Ed25519 point";
	case SIGVAL_BAD_KEY:
		return "the key is not Keccak-256(public key ‖ name)";
	case SIGVAL_BAD_TTL:
		return "expiry is not creation + a whole number of seconds";
	case SIGVAL_BAD_SIG:
		return "the signature does not verify";
	case SIGVAL_BAD_IMMUTABLE:
		return "the key is not Keccak-256 of the immutable value";
	case SIGVAL_BAD_ATTR:
		return "unknown value kind or bad name length";
	case SIGVAL_NOMEM:
		return "out of memory";
	}
	return "unknown";
}

void
sigval_hash(const struct value_attr *a, const void *data, size_t len,
    uint8_t out[SIGVAL_HASH_LEN])
{
	crypto_generichash_state st;

	if (a == NULL || a->kind != VALUE_SIGNED) {
		(void)crypto_generichash(out, SIGVAL_HASH_LEN, data, len,
		    NULL, 0);
		return;
	}
	(void)crypto_generichash_init(&st, NULL, 0, SIGVAL_HASH_LEN);
	(void)crypto_generichash_update(&st, data, len);
	(void)crypto_generichash_update(&st, a->sig, KEYS_SIG_LEN);
	(void)crypto_generichash_final(&st, out, SIGVAL_HASH_LEN);
}

int
sigval_attr_equal(const struct value_attr *a, const struct value_attr *b)
{
	if (a->kind != b->kind)
		return 0;
	if (a->kind != VALUE_SIGNED)
		return 1;
	return a->seq == b->seq && a->namelen == b->namelen &&
	    memcmp(a->name, b->name, a->namelen) == 0 &&
	    memcmp(a->pub, b->pub, KEYS_PUBLIC_LEN) == 0 &&
	    memcmp(a->sig, b->sig, KEYS_SIG_LEN) == 0;
}

size_t
sigval_attr_encode(const struct value_attr *a, uint8_t *out)
{
	uint8_t *p = out;

	if (a->kind == VALUE_PLAIN)
		return 0;
	*p++ = a->kind;
	if (a->kind != VALUE_SIGNED)
		return 1;
	memcpy(p, a->pub, KEYS_PUBLIC_LEN);
	p += KEYS_PUBLIC_LEN;
	bytes_put_be64(p, a->seq);
	p += 8;
	memcpy(p, a->sig, KEYS_SIG_LEN);
	p += KEYS_SIG_LEN;
	*p++ = a->namelen;
	memcpy(p, a->name, a->namelen);
	return (size_t)(p - out) + a->namelen;
}

int
sigval_attr_decode(const uint8_t *buf, size_t len, struct value_attr *a,
    const char **errstr)
{
	const uint8_t *p = buf;
	size_t fixed = 1 + KEYS_PUBLIC_LEN + 8 + KEYS_SIG_LEN + 1;

	memset(a, 0, sizeof(*a));
	if (len == 0)
		return 0;
	if (buf[0] == VALUE_IMMUTABLE && len == 1) {
		a->kind = VALUE_IMMUTABLE;
		return 0;
	}
	if (buf[0] != VALUE_SIGNED || len <= fixed ||
	    len > SIGVAL_ATTR_MAX || buf[fixed - 1] != len - fixed) {
		*errstr = "bad value attributes";
		return -1;
	}
	a->kind = VALUE_SIGNED;
	p++;
	memcpy(a->pub, p, KEYS_PUBLIC_LEN);
	p += KEYS_PUBLIC_LEN;
	a->seq = bytes_get_be64(p);
	p += 8;
	memcpy(a->sig, p, KEYS_SIG_LEN);
	p += KEYS_SIG_LEN;
	a->namelen = *p++;
	memcpy(a->name, p, a->namelen);
	return 0;
}

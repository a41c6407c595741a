/*
 * ctl_sig — emoctl's signed and immutable values: keygen, put --sign (the
 * secret key is read here and never sent), put --immutable, and get
 * --signed-by, which verifies every value again and prints the one of the
 * highest seq.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "keys.h"
#include "sigval.h"

int
ctl_args_hex(const char *s, uint8_t *out, size_t len)
{
	size_t i;
	unsigned hi, lo;

	if (strlen(s) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		if (sscanf(s + 2 * i, "%1x%1x", &hi, &lo) != 2)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
ctl_sig_keygen(const struct ctl_inv *inv)
{
	struct keys_pair kp;
	char err[512];

	keys_generate(&kp);
	if (keys_write(inv->pos[0], &kp, err, sizeof(err)) == -1) {
		keys_wipe(&kp);
		ctl_warnx("keygen: %s", err);
		return CTL_EXIT_USAGE;
	}
	if (inv->json) {
		fputs("{\"public_key\":\"", stdout);
		ctl_print_hex(stdout, kp.pub, KEYS_PUBLIC_LEN);
		fputs("\"}\n", stdout);
	} else {
		ctl_print_hex(stdout, kp.pub, KEYS_PUBLIC_LEN);
		fputc('\n', stdout);
	}
	keys_wipe(&kp);
	return CTL_EXIT_OK;
}

static int64_t
ctl_sig_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ctl_build_put has filled the value and the plain fields. */
int
ctl_sig_build_put(struct ctl_inv *inv, Emo__Ctl__Request *req)
{
	static struct value_attr a;
	struct keys_pair kp;
	char err[512];
	const char *name = inv->pos[0];
	size_t namelen = strlen(name);
	int64_t now;
	uint32_t ttl;

	inv->put.key.len = 0;
	inv->put.name.len = 0;
	if (inv->given & CTL_OPT_IMMUTABLE) {
		inv->put.immutable = 1;
		return CTL_EXIT_OK;
	}
	if (namelen < 1 || namelen > SIGVAL_NAME_MAX) {
		ctl_warnx("put: a signed value's NAME is 1 to %d bytes",
		    SIGVAL_NAME_MAX);
		return CTL_EXIT_USAGE;
	}
	if (keys_load(inv->signfile, &kp, err, sizeof(err)) != KEYS_OK) {
		ctl_warnx("put: %s", err);
		return CTL_EXIT_USAGE;
	}
	now = ctl_sig_now_ms();
	ttl = inv->ttl_s != 0 ? inv->ttl_s : CTL_SIGN_TTL_DEFAULT_S;
	if (sigval_sign(&a, &kp, (const uint8_t *)name, namelen,
	    (inv->given & CTL_OPT_SEQ) ? inv->seq : (uint64_t)now, now, ttl,
	    inv->value, inv->valuelen) == -1) {
		keys_wipe(&kp);
		ctl_warnx("put: out of memory");
		return CTL_EXIT_FAIL;
	}
	keys_wipe(&kp);
	inv->put.public_key.data = a.pub;
	inv->put.public_key.len = KEYS_PUBLIC_LEN;
	inv->put.signature.data = a.sig;
	inv->put.signature.len = KEYS_SIG_LEN;
	inv->put.signed_name.data = a.name;
	inv->put.signed_name.len = a.namelen;
	inv->put.seq = a.seq;
	inv->put.created_ms = now;
	inv->put.ttl_s = ttl;
	(void)req;
	return CTL_EXIT_OK;
}

int
ctl_sig_build_get(struct ctl_inv *inv, Emo__Ctl__Request *req)
{
	size_t namelen = strlen(inv->pos[0]);

	if (namelen < 1 || namelen > SIGVAL_NAME_MAX) {
		ctl_warnx("get: a signed value's NAME is 1 to %d bytes",
		    SIGVAL_NAME_MAX);
		return CTL_EXIT_USAGE;
	}
	inv->get.key.len = 0;
	inv->get.signed_by.data = inv->signer;
	inv->get.signed_by.len = KEYS_PUBLIC_LEN;
	inv->get.signed_name.data = (uint8_t *)(uintptr_t)inv->pos[0];
	inv->get.signed_name.len = namelen;
	sigval_key(inv->signer, (const uint8_t *)inv->pos[0], namelen,
	    inv->key);
	(void)req;
	return CTL_EXIT_OK;
}

/* The value's attributes as sent by emod; -1 if they are not signed. */
static int
ctl_sig_attr(const Emo__Ctl__Value *v, struct value_attr *a)
{
	memset(a, 0, sizeof(*a));
	if (v->public_key.len != KEYS_PUBLIC_LEN ||
	    v->signature.len != KEYS_SIG_LEN || v->signed_name.len < 1 ||
	    v->signed_name.len > SIGVAL_NAME_MAX)
		return -1;
	a->kind = VALUE_SIGNED;
	memcpy(a->pub, v->public_key.data, KEYS_PUBLIC_LEN);
	memcpy(a->sig, v->signature.data, KEYS_SIG_LEN);
	memcpy(a->name, v->signed_name.data, v->signed_name.len);
	a->namelen = (uint8_t)v->signed_name.len;
	a->seq = v->seq;
	return 0;
}

/* Verifies each value again; prints the highest seq's (ties: newest). */
int
ctl_sig_print_get(const struct ctl_inv *inv, const Emo__Ctl__Response *resp)
{
	Emo__Ctl__Response one = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__GetResult gr = EMO__CTL__GET_RESULT__INIT;
	const Emo__Ctl__GetResult *r = resp->get;
	Emo__Ctl__Value *best = NULL, *v;
	struct value_attr a;
	size_t i, bad = 0;

	for (i = 0; i < r->n_values; i++) {
		v = r->values[i];
		if (ctl_sig_attr(v, &a) == -1 ||
		    memcmp(a.pub, inv->signer, KEYS_PUBLIC_LEN) != 0 ||
		    sigval_check(inv->key, &a, v->data.data, v->data.len,
		    v->created_ms, v->expires_ms) != SIGVAL_OK) {
			bad++;
			continue;
		}
		if (best == NULL || v->seq > best->seq ||
		    (v->seq == best->seq && v->created_ms >= best->created_ms))
			best = v;
	}
	if (bad > 0)
		ctl_warnx("get: %zu value%s failed verification and %s not "
		    "printed", bad, bad == 1 ? "" : "s",
		    bad == 1 ? "was" : "were");
	one.body_case = EMO__CTL__RESPONSE__BODY_GET;
	one.get = &gr;
	gr.key = r->key;
	if (best != NULL) {
		gr.n_values = 1;
		gr.values = &best;
	}
	return ctl_print_get(inv, &one);
}

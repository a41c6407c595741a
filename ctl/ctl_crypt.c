/*
 * ctl_crypt — emoctl's encrypted values.  put --encrypt-to PUBKEY seals
 * the value for the holder of an Ed25519 key (keys_seal: a libsodium
 * sealed box to its X25519 twin) inside a small envelope, the 4 bytes
 * CTL_CRYPT_MAGIC then the box, so that the storing nodes only ever see
 * ciphertext; get --decrypt FILE opens every value of the answer that
 * FILE's key opens, prints those as get does, and says how many it could
 * not.  The envelope is documented in docs/PROTOCOL.md.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "ctl.h"
#include "keys.h"

static const uint8_t ctl_crypt_magic[CTL_CRYPT_MAGIC_LEN] =
    { 'E', 'M', 'O', 0x01 };

int
ctl_crypt_pubkey(const char *hex, uint8_t pub[KEYS_PUBLIC_LEN],
    const char **errstr)
{
	if (strlen(hex) != 2 * KEYS_PUBLIC_LEN ||
	    crypto_hex_decode(pub, KEYS_PUBLIC_LEN, hex) == -1) {
		*errstr = "not 64 hex digits (an Ed25519 public key)";
		return -1;
	}
	if (!keys_public_valid(pub)) {
		*errstr = "not a valid Ed25519 public key (not a point of the "
		    "curve's main subgroup)";
		return -1;
	}
	return 0;
}

int
ctl_crypt_toolarge(void)
{
	ctl_warnx("value is over %d bytes, the limit for an encrypted value "
	    "(%d less %d bytes of envelope); nothing sent", CTL_CRYPT_MAX_PLAIN,
	    EMO_MAX_VALUE, CTL_CRYPT_OVERHEAD);
	return CTL_EXIT_USAGE;
}

int
ctl_crypt_seal(struct ctl_inv *inv)
{
	uint8_t *env;

	if (inv->valuelen > CTL_CRYPT_MAX_PLAIN)
		return ctl_crypt_toolarge();
	if (crypto_init() == -1) {
		ctl_warnx("libsodium failed to initialise");
		return CTL_EXIT_FAIL;
	}
	if ((env = malloc(inv->valuelen + CTL_CRYPT_OVERHEAD)) == NULL) {
		ctl_warnx("out of memory");
		return CTL_EXIT_FAIL;
	}
	memcpy(env, ctl_crypt_magic, CTL_CRYPT_MAGIC_LEN);
	/* ctl_crypt_pubkey checked the point: its X25519 twin exists. */
	if (keys_seal(env + CTL_CRYPT_MAGIC_LEN, inv->value, inv->valuelen,
	    inv->encpub) == -1) {
		free(env);
		ctl_warnx("invalid --encrypt-to: the key has no X25519 twin");
		return CTL_EXIT_USAGE;
	}
	free(inv->sealbuf);
	inv->sealbuf = env;
	inv->value = env;
	inv->valuelen += CTL_CRYPT_OVERHEAD;
	return CTL_EXIT_OK;
}

int
ctl_crypt_load(struct ctl_inv *inv)
{
	char err[512];

	if (crypto_init() == -1) {
		ctl_warnx("libsodium failed to initialise");
		return CTL_EXIT_FAIL;
	}
	if (keys_load(inv->decrypt_file, &inv->dkey, err, sizeof(err)) !=
	    KEYS_OK) {
		ctl_warnx("--decrypt: %s", err);
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}

/* Opens one value's envelope into out; -1 if it is not ours. */
static int
ctl_crypt_open(const struct ctl_inv *inv, const Emo__Ctl__Value *v,
    uint8_t *out)
{
	if (v->data.len <= CTL_CRYPT_OVERHEAD ||
	    memcmp(v->data.data, ctl_crypt_magic, CTL_CRYPT_MAGIC_LEN) != 0)
		return -1;
	return keys_seal_open(out, v->data.data + CTL_CRYPT_MAGIC_LEN,
	    v->data.len - CTL_CRYPT_MAGIC_LEN, &inv->dkey);
}

int
ctl_crypt_print_get(const struct ctl_inv *inv, const Emo__Ctl__Response *resp)
{
	const Emo__Ctl__GetResult *r = resp->get;
	Emo__Ctl__Response fake = *resp;
	Emo__Ctl__GetResult gr = *r;
	Emo__Ctl__Value *vals = NULL, **ptrs = NULL;
	uint8_t *plain = NULL;
	size_t i, n = 0, bad = 0, off = 0, total = 0;
	int rc = CTL_EXIT_FAIL;

	if (!(inv->given & CTL_OPT_DECRYPT))
		return ctl_print_get(inv, resp);
	for (i = 0; i < r->n_values; i++)
		total += r->values[i]->data.len;
	if ((vals = calloc(r->n_values + 1, sizeof(*vals))) == NULL ||
	    (ptrs = calloc(r->n_values + 1, sizeof(*ptrs))) == NULL ||
	    (plain = malloc(total + 1)) == NULL) {
		ctl_warnx("out of memory");
		goto done;
	}
	for (i = 0; i < r->n_values; i++) {
		if (ctl_crypt_open(inv, r->values[i], plain + off) == -1) {
			bad++;
			continue;
		}
		vals[n] = *r->values[i];
		vals[n].data.data = plain + off;
		vals[n].data.len = r->values[i]->data.len - CTL_CRYPT_OVERHEAD;
		off += vals[n].data.len;
		ptrs[n] = &vals[n];
		n++;
	}
	if (bad > 0)
		ctl_warnx("%zu value%s under the key could not be decrypted "
		    "with %s", bad, bad == 1 ? "" : "s", inv->decrypt_file);
	if (n == 0 && bad > 0) {
		/* Nothing this key opens: "not found" for it (exit 1). */
		if (inv->json)
			fputs("[]\n", stdout);
		rc = CTL_EXIT_NOTFOUND;
		goto done;
	}
	gr.n_values = n;
	gr.values = ptrs;
	fake.get = &gr;
	rc = ctl_print_get(inv, &fake);
done:
	if (plain != NULL)
		memset(plain, 0, total);
	free(plain);
	free(ptrs);
	free(vals);
	return rc;
}

void
ctl_crypt_done(struct ctl_inv *inv)
{
	free(inv->sealbuf);
	inv->sealbuf = NULL;
	keys_wipe(&inv->dkey);
}

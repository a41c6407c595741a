/*
 * keytool — the integration tests' helper for encrypted values and
 * encryption at rest, linked against the daemon's own keys module and
 * LevelDB (built as build/tests/keytool by `make integration`):
 *
 *   keytool keygen FILE   writes an Ed25519 key file (keys_write, 0600)
 *                         and prints its public key in hex
 *   keytool flip DIR      flips one bit of the stored bytes of the first
 *                         value record ('v' prefix) of the LevelDB in DIR,
 *                         through the LevelDB API (its CRCs stay right)
 *   keytool move DIR      writes the first value record's stored bytes
 *                         under the second record's key
 *
 * Exits 0, 1 on a failure (with a message), 2 on usage.
 */
#include <stdio.h>
#include <string.h>

#include <leveldb/c.h>

#include "crypto.h"
#include "keys.h"

#define KT_VKEY_LEN	65

static int
kt_keygen(const char *path)
{
	struct keys_pair kp;
	char err[512], hex[2 * KEYS_PUBLIC_LEN + 1];

	keys_generate(&kp);
	if (keys_write(path, &kp, err, sizeof(err)) == -1) {
		fprintf(stderr, "keytool: %s\n", err);
		return 1;
	}
	crypto_hex_encode(hex, sizeof(hex), kp.pub, KEYS_PUBLIC_LEN);
	keys_wipe(&kp);
	printf("%s\n", hex);
	return 0;
}

static int
kt_tamper(const char *dir, int move)
{
	leveldb_options_t *o = leveldb_options_create();
	leveldb_readoptions_t *ro = leveldb_readoptions_create();
	leveldb_writeoptions_t *wo = leveldb_writeoptions_create();
	leveldb_iterator_t *it;
	leveldb_t *db;
	char keys[2][KT_VKEY_LEN], *val, *lerr = NULL;
	const char *k;
	size_t klen, vlen, n = 0;
	int rc = 1;

	if ((db = leveldb_open(o, dir, &lerr)) == NULL || lerr != NULL) {
		fprintf(stderr, "keytool: %s: %s\n", dir, lerr);
		return 1;
	}
	it = leveldb_create_iterator(db, ro);
	for (leveldb_iter_seek(it, "v", 1); leveldb_iter_valid(it) && n < 2;
	    leveldb_iter_next(it)) {
		k = leveldb_iter_key(it, &klen);
		if (klen != KT_VKEY_LEN || k[0] != 'v')
			break;
		memcpy(keys[n++], k, KT_VKEY_LEN);
	}
	leveldb_iter_destroy(it);
	if (n < (size_t)(move ? 2 : 1)) {
		fprintf(stderr, "keytool: %s: too few value records\n", dir);
		goto done;
	}
	val = leveldb_get(db, ro, keys[0], KT_VKEY_LEN, &vlen, &lerr);
	if (val == NULL || vlen < 20) {
		fprintf(stderr, "keytool: %s: cannot read the record\n", dir);
		goto done;
	}
	if (!move)
		val[vlen - 20] ^= 0x01;
	leveldb_put(db, wo, keys[move ? 1 : 0], KT_VKEY_LEN, val, vlen, &lerr);
	leveldb_free(val);
	if (lerr != NULL) {
		fprintf(stderr, "keytool: %s: %s\n", dir, lerr);
		goto done;
	}
	rc = 0;
done:
	leveldb_close(db);
	leveldb_writeoptions_destroy(wo);
	leveldb_readoptions_destroy(ro);
	leveldb_options_destroy(o);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc != 3 || crypto_init() == -1) {
		fprintf(stderr, "usage: keytool keygen FILE | flip DIR | "
		    "move DIR\n");
		return 2;
	}
	if (strcmp(argv[1], "keygen") == 0)
		return kt_keygen(argv[2]);
	if (strcmp(argv[1], "flip") == 0)
		return kt_tamper(argv[2], 0);
	if (strcmp(argv[1], "move") == 0)
		return kt_tamper(argv[2], 1);
	fprintf(stderr, "keytool: unknown command '%s'\n", argv[1]);
	return 2;
}

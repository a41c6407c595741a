/*
 * evilpeer_signed.c — evilpeer's signed values (see evilpeer.c): with
 * --signed KEYFILE --name NAME, --store-junk stores values under the
 * signed key Keccak-256(public key ‖ NAME) instead of junk: each signed
 * with KEYFILE's key at --seq N (a replay of an older sequence number,
 * say), or with --forge a signature with one bit flipped.  Value i is
 * "evil seq N #i", created now, 1 h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evilpeer.h"
#include "keys.h"
#include "sigval.h"

struct ev_sign {
	struct keys_pair kp;
	const char	*file;
	uint8_t		 name[SIGVAL_NAME_MAX];
	size_t		 namelen;
	uint64_t	 seq;
	int		 forge;
};

static struct ev_sign *
ev_sign_get(struct evil *ev)
{
	if (ev->sign == NULL && (ev->sign = calloc(1, sizeof(*ev->sign))) ==
	    NULL)
		exit(1);
	return ev->sign;
}

int
ev_signed_opt(struct evil *ev, const char *o, const char *v)
{
	struct ev_sign *s;
	char *end;

	if (strcmp(o, "--forge") == 0) {
		ev_sign_get(ev)->forge = 1;
		return 0;
	}
	if (strcmp(o, "--signed") != 0 && strcmp(o, "--name") != 0 &&
	    strcmp(o, "--seq") != 0)
		return -1;
	if (v == NULL)
		return -2;
	s = ev_sign_get(ev);
	if (o[2] == 's' && o[3] == 'i')
		s->file = v;
	else if (o[2] == 'n') {
		if (strlen(v) < 1 || strlen(v) > SIGVAL_NAME_MAX)
			return -2;
		s->namelen = strlen(v);
		memcpy(s->name, v, s->namelen);
	} else {
		s->seq = strtoull(v, &end, 10);
		if (*end != '\0')
			return -2;
	}
	return 1;
}

int
ev_signed_setup(struct evil *ev)
{
	struct ev_sign *s = ev->sign;
	char err[512];

	if (s == NULL)
		return 0;
	if (s->file == NULL || s->namelen == 0 || ev->mode != EV_STORE) {
		fprintf(stderr, "evilpeer: --signed FILE and --name NAME go "
		    "with --store-junk\n");
		return -1;
	}
	if (keys_load(s->file, &s->kp, err, sizeof(err)) != KEYS_OK) {
		fprintf(stderr, "evilpeer: %s\n", err);
		return -1;
	}
	sigval_key(s->kp.pub, s->name, s->namelen, ev->key.b);
	return 0;
}

void
ev_signed_value(struct evil *ev, uint32_t i, int64_t wall,
    struct wire_value *wv, uint8_t *buf)
{
	struct ev_sign *s = ev->sign;
	int n;

	n = snprintf((char *)buf, EV_VALUE_MAX, "evil seq %llu #%u",
	    (unsigned long long)s->seq, i);
	memset(wv, 0, sizeof(*wv));
	wv->data = buf;
	wv->len = (uint32_t)n;
	wv->created_ms = wall;
	wv->expires_ms = wall + 3600 * 1000;
	if (sigval_sign(&wv->attr, &s->kp, s->name, s->namelen, s->seq, wall,
	    3600, buf, (size_t)n) == -1)
		exit(1);
	if (s->forge)
		wv->attr.sig[i % KEYS_SIG_LEN] ^= 0x01;
}

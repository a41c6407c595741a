/*
 * evilpeer_ident — evilpeer's node identities (docs/PROTOCOL.md, "Node
 * identity").  By default every ID evilpeer uses is claimed: it has no key
 * for it, and answers an identity challenge with a proof by a throwaway
 * key (so the victim's check fails: id_proof_bad).  With --keyed, the IDs
 * that must get into tables are real: Keccak-256 of a key pair meeting
 * --difficulty (the victims' id_difficulty, 10 unless given), and their
 * proofs hold:
 *   --sybil: every ID (with --spread-from, ID j shares exactly j mod 8
 *       leading bits with HEXID: a key per bucket costs 2^(j+1) tries);
 *   --near: the first ID of each socket (the 240-bit neighbours of the
 *       key stay claimed: named in answers, they are lookup candidates);
 *   --closer: the first socket's ID, the one a victim bootstraps from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evilpeer.h"
#include "ident.h"

/* A key pair for id sharing exactly `bits` leading bits with ref. */
static int
ev_keyed_at(struct evil *ev, struct ev_key *k, const struct id *ref,
    int bits)
{
	long tries;

	for (tries = 0; tries < (1L << 24); tries++) {
		if (ident_generate(&k->kp, &k->id, (unsigned)ev->difficulty,
		    NULL, NULL) == -1)
			return -1;
		if (bits < 0 || id_prefixlen(&k->id, ref) == bits)
			return 0;
	}
	return -1;
}

/* A new keyed identity in ev->keys (at `bits` from ref, -1: any). */
static const struct id *
ev_keyed(struct evil *ev, const struct id *ref, int bits)
{
	struct ev_key *k;

	if (ev->nkeys == EV_MAX_SOCKS + EV_MAX_IDS)
		return NULL;
	k = &ev->keys[ev->nkeys];
	if (ev_keyed_at(ev, k, ref, bits) == -1) {
		fprintf(stderr, "evilpeer: no key pair met difficulty %ld\n",
		    ev->difficulty);
		exit(1);
	}
	ev->nkeys++;
	return &k->id;
}

void
ev_keys_init(struct evil *ev)
{
	const struct id *id;
	size_t i;

	/* The throwaway key of claimed IDs' proofs. */
	keys_generate(&ev->claim);
	if (!ev->keyed)
		return;
	if ((ev->keys = calloc(EV_MAX_SOCKS + EV_MAX_IDS,
	    sizeof(*ev->keys))) == NULL) {
		perror("evilpeer: calloc");
		exit(1);
	}
	switch (ev->mode) {
	case EV_SYBIL:
		for (i = 0; i < ev->nident; i++) {
			id = ev_keyed(ev, &ev->spread, ev->have_spread ?
			    (int)(i % 8) : -1);
			ev->ident[i].id = *id;
			ev->sock[ev->ident[i].sock].cur = *id;
		}
		break;
	case EV_NEAR:
		for (i = 0; i < ev->nident && i < ev->nsock; i++) {
			id = ev_keyed(ev, NULL, -1);
			ev->ident[i].id = *id;
		}
		for (i = 0; i < ev->nsock; i++)
			ev->sock[i].cur = ev->ident[i % ev->nident].id;
		break;
	case EV_CLOSER:
		ev->sock[0].cur = *ev_keyed(ev, NULL, -1);
		break;
	default:
		break;
	}
}

/*
 * The Pong m answering PING q as `as`: to a challenge, the proof of as if
 * we hold its key, else a throwaway key's (a claimed ID).
 */
void
ev_prove(struct evil *ev, const struct id *as, const struct wire_msg *q,
    struct wire_msg *m)
{
	const struct keys_pair *kp = &ev->claim;
	size_t i;

	if (q->u.ping.noncelen == 0)
		return;
	for (i = 0; i < ev->nkeys; i++)
		if (id_eq(&ev->keys[i].id, as)) {
			kp = &ev->keys[i].kp;
			break;
		}
	ident_prove(kp, &q->sender, q->u.ping.nonce, q->u.ping.noncelen,
	    &m->u.pong);
	if (kp == &ev->claim)
		ev->claims++;
	else
		ev->proofs++;
}

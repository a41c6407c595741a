/*
 * evilpeer.h — what evilpeer.c (the loop, sockets and the crowd modes),
 * evilpeer_store.c (--store-junk) and evilpeer_signed.c (its signed
 * values) share; see evilpeer.c.
 */
#ifndef EVILPEER_H
#define EVILPEER_H

#include <stdint.h>

#include "addr.h"
#include "frag.h"
#include "id.h"
#include "keys.h"
#include "wire.h"

#define EV_MAX_SOCKS	1024
#define EV_MAX_TARGETS	32
#define EV_MAX_IDS	4096
#define EV_WINDOW	4		/* STOREs in flight per job */
#define EV_TRIES	3		/* sends of one request */
#define EV_TIMEOUT_MS	1000
#define EV_DEPTHS	256		/* targets remembered by --closer */
#define EV_VALUE_MAX	1024

enum ev_mode { EV_NONE, EV_STORE, EV_NEAR, EV_SYBIL, EV_CLOSER };

/* Who was told which ID is at a socket: answer each asker as that. */
#define EV_NAMED	16
struct ev_named {
	struct addr	 to;
	struct id	 id;
};

/*
 * The cookies peers gave a socket (the amplification rule): a hostile
 * peer that receives at its address echoes them like an honest one, so
 * that its requests prove its address and its IDs meet the tables.
 */
#define EV_COOKIES	16
struct ev_cookie {
	struct addr	 from;
	uint8_t		 c[WIRE_MAX_COOKIE];
	uint8_t		 len;
};

struct ev_sock {
	int		 fd;
	struct ev_cookie cookie[EV_COOKIES];
	size_t		 ncookie, cookie_next;
	struct addr	 addr;
	struct id	 cur;		/* the ID of its latest request */
	struct ev_named	 named[EV_NAMED];
	size_t		 nnamed, named_next;
};

struct ev_ident {
	struct id	 id;
	size_t		 sock;
};

struct ev_flight {
	uint64_t	 txid;		/* 0: free */
	int64_t		 sent_ms;
	int		 tries;
	uint32_t	 first;		/* value number of the first value */
	uint32_t	 n;
};

/* --store-junk: one source socket storing at one target. */
struct ev_job {
	size_t		 sock, target;
	int		 state;		/* 0 token, 1 storing, 2 done */
	uint8_t		 tok[WIRE_MAX_TOKEN];
	size_t		 toklen;
	uint32_t	 next;		/* next value number of this source */
	struct ev_flight fl[EV_WINDOW];	/* fl[0] also for the FIND_NODE */
};

/* A node identity we hold the key of (evilpeer_ident.c). */
struct ev_key {
	struct id	 id;
	struct keys_pair kp;
};

struct ev_depth {
	struct id	 target;
	int		 depth;
	uint64_t	 used;
};

struct evil {
	enum ev_mode	 mode;
	struct ev_sock	 sock[EV_MAX_SOCKS];
	size_t		 nsock;
	struct addr	 target[EV_MAX_TARGETS];
	size_t		 ntarget;
	struct ev_ident	*ident;
	size_t		 nident;
	struct id	 key;
	struct id	 spread;
	int		 have_key, have_spread, silent, keyed;
	int		 no_token;	/* --no-token: STOREs prove by cookie */
	long		 difficulty;	/* --keyed IDs' proof of work */
	struct ev_key	*keys;		/* --keyed identities */
	size_t		 nkeys;
	struct keys_pair claim;		/* proofs of IDs we have no key for */
	uint64_t	 proofs, claims;	/* challenges answered by each */
	long		 count, ids, per_ip, rate, value_size;
	long		 seconds, port;
	struct ev_job	*job;
	size_t		 njob;
	struct ev_depth	 depth[EV_DEPTHS];
	uint64_t	 depth_clock;
	size_t		 rr;		/* next socket for a fake node */
	size_t		 next_ident;
	int64_t		 next_send_ms;
	uint32_t	 nonce;
	struct frag_in	*fin;
	uint8_t		 buf[WIRE_MAX_MESSAGE];
	/* what happened */
	uint64_t	 rx, rx_bad, tx, tx_fail;
	uint64_t	 pings_answered, finds_answered, stores_swallowed;
	uint64_t	 requests, pongs;
	uint64_t	 tokens, tokens_none, stores_sent, values_sent, stored;
	uint64_t	 err_quota, err_token, err_other, lost;
	int		 max_depth;
	struct ev_sign	*sign;		/* --signed: evilpeer_signed.c */
};

/* evilpeer.c */
void	 ev_random(void *, size_t);
uint64_t ev_txid(void);		/* a random non-zero txid */
int	 ev_request(struct evil *, size_t si, const struct id *as,
	    const struct addr *to, struct wire_msg *, uint64_t txid);

/* evilpeer_ident.c */
void	 ev_keys_init(struct evil *);
void	 ev_prove(struct evil *, const struct id *as, const struct wire_msg *q,
	    struct wire_msg *pong);
/* evilpeer_store.c */
int	 ev_job_token(struct evil *, struct ev_job *, int64_t now);
void	 ev_job_reply(struct evil *, struct ev_job *, const struct wire_msg *,
	    int64_t now, int64_t wall);
void	 ev_jobs_tick(struct evil *, int64_t now, int64_t wall);
int	 ev_jobs_done(const struct evil *);

/*
 * evilpeer_signed.c: an option of its own (-1: not one; -2: bad or no
 * value; else how many arguments after it it took), the key once the
 * options are read (-1: error said), and value i, signed (or forged).
 */
int	 ev_signed_opt(struct evil *, const char *opt, const char *val);
int	 ev_signed_setup(struct evil *);
void	 ev_signed_value(struct evil *, uint32_t i, int64_t wall,
	    struct wire_value *, uint8_t *buf);

#endif

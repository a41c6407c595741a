/*
 * perm — the node's list of permanent values (`emoctl put --permanent`):
 * each is put again through node_put before it expires, until cancelled.
 * The list lives in the store's named record "permanent", so it survives
 * a restart; a restarted node re-puts every value at once.  Owns its
 * timer; knows nothing of the control protocol.
 */
#ifndef EMO_PERM_H
#define EMO_PERM_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "id.h"
#include "node.h"

#define PERM_MAX		256		/* values on the list */
#define PERM_MAX_BYTES		(4u << 20)	/* their bytes together */
#define PERM_ID_LEN		16		/* a value id: Keccak-256 head */
#define PERM_TICK_MS		1000		/* how often due values go */
#define PERM_PUTS_PER_TICK	16		/* re-puts started per tick */
#define PERM_RETRY_MS		5000		/* after a re-put failed */

struct event_base;
struct perm;
struct store;

/* One value on the list, as perm_at shows it. */
struct perm_value {
	struct id	 key;
	uint8_t		 id[PERM_ID_LEN];
	uint8_t		*name;		/* as put by name, or NULL */
	size_t		 namelen;
	uint8_t		*data;
	uint32_t	 len;
	uint32_t	 ttl_s;		/* 0 until the first put says */
	int64_t		 next_ms;	/* Unix ms of the next re-put */
	int		 busy;		/* a re-put is running */
};

/*
 * Loads the list from the store and arms the timer; NULL with a sentence
 * in err if the saved list cannot be read.  The node must outlive it only
 * until node_free: free the node first (its aborted puts call back here),
 * then this.
 */
struct perm	*perm_new(struct event_base *, struct node *, struct store *,
		    char *err, size_t errlen);
void		 perm_free(struct perm *);

/* The id of a value: the first PERM_ID_LEN bytes of store_hash. */
void	perm_value_id(const void *data, size_t len, uint8_t id[PERM_ID_LEN]);

/*
 * node_put, and once it succeeds the value joins the list (or, already on
 * it, takes the new TTL) and the list is saved.  The callback gets
 * DHT_ERR_QUOTA when the list is full and DHT_ERR_STORAGE when it could
 * not be saved (the value itself was stored).
 */
void	perm_put(struct perm *, const struct id *key, const void *name,
	    size_t namelen, const void *data, size_t len, uint32_t ttl_s,
	    node_put_cb *, void *arg);
/* Takes a value off the list: 1 done, 0 not on it, -1 not saved. */
int	perm_cancel(struct perm *, const struct id *key,
	    const uint8_t id[PERM_ID_LEN]);
size_t	perm_count(const struct perm *);
/* The i-th value in the order they were put; NULL past the end. */
const struct perm_value *perm_at(const struct perm *, size_t i);

#endif

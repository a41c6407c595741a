/*
 * hold — which of a key's k closest nodes acknowledged its values, as
 * seen by a node outside them (a putter, or a holder newer nodes
 * displaced).  Republish skips nodes known to hold a key, and the whole
 * key while all k are known and its value count is unchanged.  Bounded
 * and lossy: a forgotten record only costs a republish.
 */
#ifndef EMO_HOLD_H
#define EMO_HOLD_H

#include <stddef.h>
#include <stdint.h>

#include "id.h"
#include "wire.h"

#define HOLD_MIN	16
#define HOLD_MAX	4096	/* about 200 bytes each */

struct hold;

struct hold	*hold_new(uint64_t salt);
void		 hold_free(struct hold *);

/*
 * Records that the nodes `ids` (their hold_id_prefix) acknowledged key's
 * values when it had `total` of them; `complete`: all k closest did.
 */
void	hold_note(struct hold *, const struct id *key, uint32_t total,
	    const uint64_t *ids, size_t n, int complete, int64_t now_ms);
/*
 * Is the record for key younger than max_age_ms and made when the key
 * still had `total` values?  Then 1 with *complete set, else 0.
 */
int	hold_find(const struct hold *, const struct id *key, uint32_t total,
	    int64_t now_ms, int64_t max_age_ms, int *complete);
/* Does that record (as hold_find found it) name `node`? */
int	hold_has(const struct hold *, const struct id *key,
	    const struct id *node);
uint64_t hold_id_prefix(const struct id *);

#endif

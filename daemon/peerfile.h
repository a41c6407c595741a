/*
 * peerfile — the routing table's addresses saved in the data directory, so
 * a restarted node can rejoin when every bootstrap address is gone.  Plain
 * text, one "HEXID ADDRESS" line per peer, replaced atomically.
 */
#ifndef EMO_PEERFILE_H
#define EMO_PEERFILE_H

#include <stddef.h>

#include "addr.h"
#include "id.h"

#define PEERFILE_MAX	256	/* peers saved and loaded */

/* One saved peer; the caller converts from its routing table. */
struct peerfile_entry {
	struct id	id;
	struct addr	addr;
};

/*
 * Writes path atomically and durably: temp file, fsync, rename, fsync of
 * the directory.  -1 with errno.
 */
int	peerfile_save(const char *path, const struct peerfile_entry *,
	    size_t n);
/*
 * Reads at most max addresses; a missing file gives 0.  Malformed lines
 * are skipped (counted in *bad).  -1 with errno on a read error.
 */
long	peerfile_load(const char *path, struct addr *out, size_t max,
	    size_t *bad);

#endif

/*
 * node_impl — what node.c (the engine's loop: timers, datagrams, the
 * store and the peers file) and node_ops.c (user operations and the group
 * commit) share: the node and operation structs, the clocks, the kick.
 * Private to the node module: only node*.c include it.
 */
#ifndef EMO_NODE_IMPL_H
#define EMO_NODE_IMPL_H

#include <sys/queue.h>
#include <stdint.h>

#include <event2/event.h>

#include "conf.h"
#include "crypto.h"
#include "dht.h"
#include "node.h"
#include "node_dns.h"
#include "node_health.h"
#include "peerfile.h"

#define NODE_STORAGE_FAILING	"storage failing: an fsync of the store " \
				"failed, emod refuses writes until restarted"

enum node_op_kind {
	NODE_OP_PUT,
	NODE_OP_GET,
	NODE_OP_PING,
	NODE_OP_WATCH,
};

/* One user operation handed to the engine; freed on completion. */
struct node_op {
	LIST_ENTRY(node_op)	 entry;
	struct node		*node;
	enum node_op_kind	 kind;
	union {
		node_put_cb	*put;
		node_get_cb	*get;
		node_ping_cb	*ping;
		node_watch_cb	*watch;
	} cb;
	struct op_watch		*watch;		/* the engine's, while it runs */
	void			*arg;
	int64_t			 created_ms, expires_ms;
	int64_t			 started_us;	/* ping: RTT at µs resolution */
	struct addr		 to;		/* ping: whom */
	uint32_t		 min_acks;	/* put: 0 = the node's bar */
	int			 aborted;	/* completed by the node itself */
	struct op_put_result	 result;	/* put waiting for the fsync */
};

/*
 * The creation times this node gave its latest puts, a slot per key
 * (node_put_created): puts of one key within a millisecond get 1 ms
 * apart, so that they list in the order they were put.  A key that lost
 * its slot to another starts from the clock again.
 */
#define NODE_RECENT_PUTS	32
#define NODE_PUT_AHEAD_MS	1000	/* the most a time runs ahead */

struct node_recent_put {
	struct id	 key;
	int64_t		 created_ms;	/* Unix ms */
};

struct node {
	struct event_base	*base;
	const struct conf	*conf;
	struct id		 self;
	uint8_t			 public_key[KEYS_PUBLIC_LEN];	/* self's */
	struct store		*store;
	struct net		*net;
	struct dht		*dht;
	struct crypto_rng	 rng;		/* the engine's randomness */
	struct event		*ev_dht;	/* at dht_periodic's deadline */
	struct event		*ev_expire;
	struct event		*ev_save;	/* peers file */
	struct event		*ev_sync;	/* group commit, end of iteration */
	LIST_HEAD(, node_op)	 syncq;		/* puts waiting for the fsync */
	char			 peers_path[4096];
	struct addr		 saved[PEERFILE_MAX];
	size_t			 nsaved;
	struct node_dns		*dns;		/* bootstrap names at SIGHUP */
	struct addr		 boot[DHT_MAX_BOOTSTRAP];	/* joined via */
	size_t			 nboot;
	int64_t			 started_ms;	/* monotonic */
	int64_t			 dht_deadline;
	LIST_HEAD(, node_op)	 ops;
	struct node_stats	 st;
	struct node_health	 health;
	struct node_recent_put	 recent[NODE_RECENT_PUTS];
};

int64_t	node_wall_ms(void);
int64_t	node_mono_us(void);
int64_t	node_mono_ms(void);
void	node_kick(struct node *);
void	node_sync_cb(evutil_socket_t, short, void *);
void	node_op_abort(struct node_op *);

#endif

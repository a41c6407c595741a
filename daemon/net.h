/*
 * net — the only file that touches UDP sockets: one socket on libevent,
 * batched receive (recvmmsg) and send (sendmmsg), with sends queued and
 * flushed once at the end of the event-loop iteration that queued them,
 * and whole messages for one peer joined into bundles as they queue.
 */
#ifndef EMO_NET_H
#define EMO_NET_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * Bytes we accept in one datagram: the most a loopback peer sends whole
 * (wire_whole_max); the engine holds anyone else to WIRE_MAX_DATAGRAM.
 */
#define NET_MAX_DATAGRAM	65507
/*
 * Datagrams per recvmmsg, and calls per wake-up.  Each receive slot is a
 * NET_SLOT_BYTES buffer whose pages stay resident once a burst has
 * filled it: 16 slots keep that at 24 KiB a node, and 16 calls still read
 * up to 256 datagrams a wake-up before other events get their turn.  A
 * longer datagram (a loopback peer's) runs on into the slot's overflow,
 * pages of one mapping that stay untouched until such a datagram comes
 * (and are given back by net_trim).
 */
#define NET_SLOT_BYTES		1500
#define NET_RX_BATCH		16
#define NET_RX_ROUNDS		16
#define NET_TX_BATCH		64	/* datagrams per sendmmsg */
#define NET_SENDQ_MAX		8192	/* queued datagrams before dropping */
/*
 * The last NET_SENDQ_RESERVE places of the queue are for our own
 * requests: answers to a flood cannot crowd them out (they are dropped
 * first, counted in tx_dropped).
 */
#define NET_SENDQ_RESERVE	1024
/*
 * How far back in the queue a joinable datagram looks for one to the
 * same address to join (net_send): a pass's answers to one peer are
 * usually close together, and the search stays short.
 */
#define NET_JOIN_LOOK		32

struct event_base;
struct net;

struct net_stats {
	uint64_t	rx_packets;
	uint64_t	rx_bytes;
	uint64_t	rx_oversize;	/* truncated: longer than NET_MAX_DATAGRAM */
	uint64_t	tx_packets;
	uint64_t	tx_bytes;
	uint64_t	tx_dropped;	/* queue full or send error */
	uint64_t	tx_dropped_requests;	/* of ours: the whole queue full */
	uint64_t	tx_joined;	/* messages that joined a queued one */
};

typedef void	net_recv_cb(void *arg, const struct addr *from,
		    const uint8_t *buf, size_t len);

/*
 * Binds a UDP socket to `listen` (no SO_REUSEPORT: a second daemon on the
 * same port must fail).  Buffer sizes are requests; the kernel may cap them.
 */
struct net	*net_open(struct event_base *, const struct addr *listen,
		    uint32_t rcvbuf, uint32_t sndbuf, net_recv_cb *, void *arg,
		    char *err, size_t errlen);
void		 net_close(struct net *);
/*
 * Copies and queues one datagram; -1 if the queue is full (counted).
 * request: one of our requests, which may use NET_SENDQ_RESERVE too.
 * join_max: 0, or the datagram is a whole message (wire kind 0) that may
 * travel in a bundle (wire kind 3) of at most join_max bytes with others
 * queued for the same address in this pass: it joins the latest of the
 * last NET_JOIN_LOOK queued datagrams for that address that was queued
 * joinable and has room (WIRE_BUNDLE_MAX_MSGS messages, both join_max).
 * The caller says which peers read bundles (rpc).
 */
int		 net_send(struct net *, const struct addr *to, const void *,
		    size_t, int request, size_t join_max);
const struct addr *net_local(const struct net *);
void		 net_get_stats(const struct net *, struct net_stats *);
/*
 * Gives back the overflow pages that long datagrams touched since the
 * last call (node_heap_trim, after a load); they come back zeroed as the
 * next long datagram needs them.
 */
void		 net_trim(struct net *);
/* Effective kernel buffer sizes, for status and the logs. */
void		 net_buffers(const struct net *, int *rcvbuf, int *sndbuf);

#endif

/*
 * net — one UDP socket on libevent.  Datagrams are read in batches with
 * recvmmsg; sends are queued and written with sendmmsg by a low-priority
 * event activated when the queue becomes non-empty, so everything queued
 * during one loop iteration leaves in as few system calls as possible, with
 * no fixed ticker adding latency.  A partial sendmmsg is resumed, not lost.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "net.h"
#include "wire.h"

/* Queued datagrams own exact-size buffers so an idle node stays small. */
struct net_pkt {
	struct addr	 to;
	uint16_t	 len;
	uint16_t	 join_max;	/* 0: not joinable */
	uint8_t		 nmsg;		/* messages in it: > 1 a bundle */
	uint8_t		*buf;
};

struct net {
	struct event_base	*base;
	int			 fd;
	struct addr		 local;
	struct event		*ev_read;
	struct event		*ev_write;	/* socket writable again */
	struct event		*ev_flush;	/* end-of-iteration flush */
	net_recv_cb		*cb;
	void			*arg;
	struct net_stats	 st;
	/* send queue: a ring of packets */
	struct net_pkt		*q;
	size_t			 qhead, qlen;
	/* receive batch */
	struct mmsghdr		 rmsg[NET_RX_BATCH];
	struct iovec		 riov[NET_RX_BATCH][2];
	struct sockaddr_storage	 rfrom[NET_RX_BATCH];
	uint8_t			(*rbuf)[NET_SLOT_BYTES];
	uint8_t			(*rover)[NET_MAX_DATAGRAM + 1];	/* overflow */
	int			 rover_used;	/* since net_trim */
};

#define NET_ROVER_BYTES	(NET_RX_BATCH * (size_t)(NET_MAX_DATAGRAM + 1))

/*
 * Slot i's datagram, whole: one longer than the slot ran on into its
 * overflow, after room left for the slot's bytes, which join it there.
 */
static const uint8_t *
net_slot(struct net *n, int i, size_t len)
{
	if (len <= NET_SLOT_BYTES)
		return n->rbuf[i];
	n->rover_used = 1;
	memcpy(n->rover[i], n->rbuf[i], NET_SLOT_BYTES);
	return n->rover[i];
}

static void
net_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net *n = arg;
	struct addr from;
	int i, got, rounds;
	size_t len;

	/* Bounded: other events (the control socket) get their turn. */
	for (rounds = 0; rounds < NET_RX_ROUNDS; rounds++) {
		/* The rest of each header is net_open's and stays. */
		for (i = 0; i < NET_RX_BATCH; i++)
			n->rmsg[i].msg_hdr.msg_namelen = sizeof(n->rfrom[i]);
		got = recvmmsg(fd, n->rmsg, NET_RX_BATCH, MSG_DONTWAIT, NULL);
		if (got <= 0) {
			if (got == -1 && errno != EAGAIN && errno != EINTR &&
			    errno != ECONNREFUSED)
				log_warn("udp receive");
			return;
		}
		for (i = 0; i < got; i++) {
			len = n->rmsg[i].msg_len;
			n->st.rx_packets++;
			n->st.rx_bytes += len;
			if (len > NET_MAX_DATAGRAM ||
			    (n->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC)) {
				n->st.rx_oversize++;
				continue;
			}
			if (addr_from_sockaddr(&from,
			    (struct sockaddr *)&n->rfrom[i],
			    n->rmsg[i].msg_hdr.msg_namelen) == -1)
				continue;
			n->cb(n->arg, &from, net_slot(n, i, len), len);
		}
		if (got < NET_RX_BATCH)
			return;
	}
}

static void
net_flush(struct net *n)
{
	struct mmsghdr msg[NET_TX_BATCH];
	struct iovec iov[NET_TX_BATCH];
	struct net_pkt *p;
	size_t i, cnt, cap;
	int sent;

	cap = NET_SENDQ_MAX;
	while (n->qlen > 0) {
		cnt = n->qlen < NET_TX_BATCH ? n->qlen : NET_TX_BATCH;
		for (i = 0; i < cnt; i++) {
			p = &n->q[(n->qhead + i) % cap];
			iov[i].iov_base = p->buf;
			iov[i].iov_len = p->len;
			memset(&msg[i], 0, sizeof(msg[i]));
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			msg[i].msg_hdr.msg_name = &p->to.u.sa;
			msg[i].msg_hdr.msg_namelen = p->to.len;
		}
		sent = sendmmsg(n->fd, msg, (unsigned)cnt, MSG_DONTWAIT);
		if (sent == -1) {
			if (errno == EAGAIN || errno == ENOBUFS) {
				/* Wait for the socket, keep the queue. */
				event_add(n->ev_write, NULL);
				return;
			}
			if (errno == EINTR)
				continue;
			/* This datagram cannot go (e.g. EINVAL for its
			 * address family): drop it and go on with the rest. */
			n->st.tx_dropped++;
			sent = 1;
		} else {
			for (i = 0; i < (size_t)sent; i++) {
				n->st.tx_packets++;
				n->st.tx_bytes += msg[i].msg_len;
			}
		}
		for (i = 0; i < (size_t)sent; i++) {
			p = &n->q[(n->qhead + i) % cap];
			free(p->buf);
			p->buf = NULL;
		}
		n->qhead = (n->qhead + (size_t)sent) % cap;
		n->qlen -= (size_t)sent;
	}
	/*
	 * Empty: start again at the front, so that only as much of the ring
	 * as the queue ever held is touched (the rest of its 384 KiB stays
	 * untouched, unpaged memory, where cycling would dirty all of it).
	 */
	n->qhead = 0;
}

static void
net_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	net_flush(arg);
}

/*
 * The queued datagram a joinable one of len bytes for `to` joins, with
 * *total its length after: the latest joinable one for that address among
 * the last NET_JOIN_LOOK, if the bundle stays within both limits.
 */
static struct net_pkt *
net_join_find(struct net *n, const struct addr *to, size_t len,
    size_t join_max, size_t *total)
{
	struct net_pkt *p;
	size_t i, look, max;

	look = n->qlen < NET_JOIN_LOOK ? n->qlen : NET_JOIN_LOOK;
	for (i = 1; i <= look; i++) {
		p = &n->q[(n->qhead + n->qlen - i) % NET_SENDQ_MAX];
		if (p->join_max == 0 || !addr_eq(&p->to, to))
			continue;
		if (p->nmsg >= WIRE_BUNDLE_MAX_MSGS)
			return NULL;
		max = p->join_max < join_max ? p->join_max : join_max;
		*total = (p->nmsg == 1 ? WIRE_HDR_LEN + WIRE_BUNDLE_ENTRY_HDR :
		    0) + p->len + WIRE_BUNDLE_ENTRY_HDR + len;
		return *total <= max ? p : NULL;
	}
	return NULL;
}

/* Joins buf to p, which becomes (or stays) a bundle; -1: no memory. */
static int
net_join(struct net_pkt *p, const uint8_t *buf, size_t len, size_t total)
{
	uint8_t *nb;
	size_t at;

	if (p->nmsg == 1) {
		if ((nb = malloc(total)) == NULL)
			return -1;
		at = wire_bundle_start(nb, p->buf, p->len);
		free(p->buf);
	} else {
		if ((nb = realloc(p->buf, total)) == NULL)
			return -1;
		at = p->len;
	}
	(void)wire_bundle_add(nb + at, buf, len);
	p->buf = nb;
	p->len = (uint16_t)total;
	p->nmsg++;
	return 0;
}

int
net_send(struct net *n, const struct addr *to, const void *buf, size_t len,
    int request, size_t join_max)
{
	struct net_pkt *p;
	size_t total;

	if (join_max > NET_MAX_DATAGRAM)
		join_max = NET_MAX_DATAGRAM;
	if (join_max > 0 && len > 0 && len <= join_max &&
	    (p = net_join_find(n, to, len, join_max, &total)) != NULL &&
	    net_join(p, buf, len, total) == 0) {
		n->st.tx_joined++;
		return 0;
	}
	if (len == 0 || len > NET_MAX_DATAGRAM || n->qlen == NET_SENDQ_MAX ||
	    (!request && n->qlen >= NET_SENDQ_MAX - NET_SENDQ_RESERVE)) {
		n->st.tx_dropped++;
		if (request)
			n->st.tx_dropped_requests++;
		return -1;
	}
	p = &n->q[(n->qhead + n->qlen) % NET_SENDQ_MAX];
	if ((p->buf = malloc(len)) == NULL) {
		n->st.tx_dropped++;
		if (request)
			n->st.tx_dropped_requests++;
		return -1;
	}
	p->to = *to;
	p->len = (uint16_t)len;
	p->join_max = len <= join_max ? (uint16_t)join_max : 0;
	p->nmsg = 1;
	memcpy(p->buf, buf, len);
	if (n->qlen++ == 0 && !event_pending(n->ev_write, EV_WRITE, NULL))
		event_active(n->ev_flush, 0, 0);
	return 0;
}

static int
net_setbuf(int fd, int opt, uint32_t want)
{
	int v = (int)want;

	/* Root may exceed net.core.[rw]mem_max with the FORCE variants. */
	if (opt == SO_RCVBUF &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == 0)
		return 0;
	if (opt == SO_SNDBUF &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) == 0)
		return 0;
	return setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v));
}

struct net *
net_open(struct event_base *base, const struct addr *listen, uint32_t rcvbuf,
    uint32_t sndbuf, net_recv_cb *cb, void *arg, char *err, size_t errlen)
{
	struct net *n;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char as[ADDR_STRLEN];
	int i, off = 0;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->fd = -1;
	n->base = base;
	n->cb = cb;
	n->arg = arg;
	addr_str(listen, as, sizeof(as));
	if ((n->q = calloc(NET_SENDQ_MAX, sizeof(*n->q))) == NULL ||
	    (n->rbuf = calloc(NET_RX_BATCH, sizeof(*n->rbuf))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* Its own mapping: pages net_trim can give back, page-aligned. */
	if ((n->rover = mmap(NULL, NET_ROVER_BYTES, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED) {
		n->rover = NULL;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < NET_RX_BATCH; i++) {
		n->riov[i][0].iov_base = n->rbuf[i];
		n->riov[i][0].iov_len = NET_SLOT_BYTES;
		n->riov[i][1].iov_base = n->rover[i] + NET_SLOT_BYTES;
		n->riov[i][1].iov_len = NET_MAX_DATAGRAM + 1 - NET_SLOT_BYTES;
		n->rmsg[i].msg_hdr.msg_iov = n->riov[i];
		n->rmsg[i].msg_hdr.msg_iovlen = 2;
		n->rmsg[i].msg_hdr.msg_name = &n->rfrom[i];
	}
	n->fd = socket(addr_family(listen), SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (n->fd == -1) {
		snprintf(err, errlen, "udp socket for %s: %s", as,
		    strerror(errno));
		goto fail;
	}
	if (addr_family(listen) == AF_INET6)
		(void)setsockopt(n->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
		    sizeof(off));
	if (net_setbuf(n->fd, SO_RCVBUF, rcvbuf) == -1 ||
	    net_setbuf(n->fd, SO_SNDBUF, sndbuf) == -1)
		log_warn("udp socket buffers");
	if (bind(n->fd, &listen->u.sa, listen->len) == -1) {
		if (errno == EADDRINUSE)
			snprintf(err, errlen, "cannot listen on udp %s: address "
			    "already in use (is another emod running?)", as);
		else
			snprintf(err, errlen, "cannot listen on udp %s: %s", as,
			    strerror(errno));
		goto fail;
	}
	if (getsockname(n->fd, (struct sockaddr *)&ss, &sl) == -1 ||
	    addr_from_sockaddr(&n->local, (struct sockaddr *)&ss, sl) == -1) {
		snprintf(err, errlen, "getsockname: %s", strerror(errno));
		goto fail;
	}
	n->ev_read = event_new(base, n->fd, EV_READ | EV_PERSIST, net_read_cb, n);
	n->ev_write = event_new(base, n->fd, EV_WRITE, net_flush_cb, n);
	n->ev_flush = event_new(base, -1, 0, net_flush_cb, n);
	if (n->ev_read == NULL || n->ev_write == NULL || n->ev_flush == NULL ||
	    event_add(n->ev_read, NULL) == -1) {
		snprintf(err, errlen, "cannot set up udp events");
		goto fail;
	}
	/* Lowest priority: runs after every other callback of the iteration. */
	event_priority_set(n->ev_flush, 1);
	return n;
fail:
	net_close(n);
	return NULL;
}

void
net_close(struct net *n)
{
	if (n == NULL)
		return;
	if (n->qlen > 0 && n->fd != -1)
		net_flush(n);
	while (n->q != NULL && n->qlen > 0) {
		free(n->q[n->qhead].buf);
		n->qhead = (n->qhead + 1) % NET_SENDQ_MAX;
		n->qlen--;
	}
	if (n->ev_read != NULL)
		event_free(n->ev_read);
	if (n->ev_write != NULL)
		event_free(n->ev_write);
	if (n->ev_flush != NULL)
		event_free(n->ev_flush);
	if (n->fd != -1)
		close(n->fd);
	free(n->q);
	free(n->rbuf);
	if (n->rover != NULL)
		munmap(n->rover, NET_ROVER_BYTES);
	free(n);
}

const struct addr *
net_local(const struct net *n)
{
	return &n->local;
}

void
net_trim(struct net *n)
{
	if (!n->rover_used)
		return;
	if (madvise(n->rover, NET_ROVER_BYTES, MADV_DONTNEED) == 0)
		n->rover_used = 0;
}

void
net_get_stats(const struct net *n, struct net_stats *st)
{
	*st = n->st;
}

void
net_buffers(const struct net *n, int *rcvbuf, int *sndbuf)
{
	socklen_t l = sizeof(int);

	*rcvbuf = *sndbuf = 0;
	(void)getsockopt(n->fd, SOL_SOCKET, SO_RCVBUF, rcvbuf, &l);
	l = sizeof(int);
	(void)getsockopt(n->fd, SOL_SOCKET, SO_SNDBUF, sndbuf, &l);
}

/*
 * bench_fanout — the floor under "one operation at a time" on this
 * machine: the same process wake-ups as an emod put, with no DHT work in
 * them.  A client writes a request on a Unix stream socket to a
 * "putter" process, which sends one UDP datagram to each of N "holder"
 * processes on 127.0.0.1 (one sendmmsg), waits for their N answers
 * (epoll, recvmmsg) and answers the client; each holder waits in
 * epoll_wait and answers with recvmmsg/sendmmsg, as emod does.  Prints
 * the p50 and p99 of the client's round trip and of the putter's fan-out
 * alone.  N = 20 is a put's STOREs (K = 20), N = 3 a found get's.  With
 * -p POOL, POOL holders take turns, N a round, so that each wakes once
 * every POOL/N rounds, as a node of a cluster of POOL does; with -t
 * PAGES each holder reads and writes a byte in each of PAGES pages of
 * its own a wake-up (a stand-in for a node's memory footprint).  The
 * putter and holders run under SCHED_BATCH, as emod does by default
 * (sched_batch); -o leaves them under SCHED_OTHER.
 */
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"

#define BF_HOLDERS_MAX	256	/* in the pool (-p) */
#define BF_TOUCH_MAX	1024	/* pages a holder touches a wake-up (-t) */
#define BF_ROUNDS_MAX	100000
#define BF_DGRAM_MAX	1232	/* WIRE_MAX_DATAGRAM */
#define BF_CTL_LEN	160	/* a put request on the control socket */
#define BF_BATCH	16	/* emod's receive batch */
#define BF_WARMUP	50	/* rounds not counted */
#define BF_WAIT_MS	1000	/* a round's datagrams lost: give up */
#define BF_CLIENT_WAIT_MS 5000	/* the putter is stuck: give up */

/* A child's set-up: gone with its parent, emod's scheduling policy. */
static void
bf_child(int batch)
{
	struct sched_param sp = { .sched_priority = 0 };

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (batch && sched_setscheduler(0, SCHED_BATCH, &sp) == -1)
		perror("bench_fanout: SCHED_BATCH");
}

static int
bf_udp(struct sockaddr_in *me)
{
	socklen_t len = sizeof(*me);
	int fd;

	memset(me, 0, sizeof(*me));
	me->sin_family = AF_INET;
	me->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)me, sizeof(*me)) == -1 ||
	    getsockname(fd, (struct sockaddr *)me, &len) == -1)
		return -1;
	return fd;
}

/* A holder: answers every datagram with `ack` bytes, as emod would. */
static void
bf_holder(int fd, size_t ack, long touch)
{
	static uint8_t buf[BF_BATCH][BF_DGRAM_MAX];
	static uint8_t mem[BF_TOUCH_MAX * 4096];
	struct sockaddr_in from[BF_BATCH];
	struct mmsghdr msg[BF_BATCH];
	struct iovec iov[BF_BATCH];
	struct epoll_event ev = { .events = EPOLLIN };
	volatile uint8_t sink = 0;
	long t;
	int ep, i, got;

	if ((ep = epoll_create1(0)) == -1 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		_exit(1);
	/* Set up once, as emod does; a send resets what it changed. */
	bench_mmsg_recv(msg, iov, buf[0], sizeof(buf[0]), from, BF_BATCH);
	for (;;) {
		if (epoll_wait(ep, &ev, 1, -1) == -1 && errno != EINTR)
			_exit(1);
		if ((got = recvmmsg(fd, msg, BF_BATCH, MSG_DONTWAIT,
		    NULL)) <= 0)
			continue;
		for (t = 0; t < touch; t++)	/* a node's work: its pages */
			sink += mem[t * 4096 + (size_t)(t * 64) % 4096]++;
		for (i = 0; i < got; i++)
			iov[i].iov_len = ack;
		(void)sendmmsg(fd, msg, (unsigned)got, 0);
		for (i = 0; i < got; i++) {
			iov[i].iov_len = sizeof(buf[i]);
			msg[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
	}
}

/* Empties fd of datagrams; returns how many it read. */
static int
bf_recv(int fd)
{
	static uint8_t in[BF_BATCH][BF_DGRAM_MAX];
	struct mmsghdr msg[BF_BATCH];
	struct iovec iov[BF_BATCH];
	int got, n = 0;

	bench_mmsg_recv(msg, iov, in[0], sizeof(in[0]), NULL, BF_BATCH);
	do {
		if ((got = recvmmsg(fd, msg, BF_BATCH, MSG_DONTWAIT, NULL)) > 0)
			n += got;
	} while (got == BF_BATCH);
	return n;
}

/*
 * The putter: per request on `ctl`, one datagram of `req` bytes to each
 * holder, then its answer to the client once all came back (or none for
 * BF_WAIT_MS), carrying the fan-out's own time (a double; -1: lost).
 */
static void
bf_putter(int ctl, int fd, const struct sockaddr_in *to, int pool, int n,
    size_t req)
{
	static uint8_t out[BF_DGRAM_MAX];
	struct mmsghdr all[BF_HOLDERS_MAX], smsg[BF_HOLDERS_MAX];
	struct iovec siov;
	struct epoll_event ev = { .events = EPOLLIN };
	uint8_t cbuf[BF_CTL_LEN];
	double t0, dt;
	int ep, i, got, back, off = 0;

	memset(out, 0x5a, sizeof(out));
	siov.iov_base = out;
	siov.iov_len = req;
	memset(all, 0, sizeof(all));
	for (i = 0; i < pool; i++) {
		all[i].msg_hdr.msg_iov = &siov;
		all[i].msg_hdr.msg_iovlen = 1;
		all[i].msg_hdr.msg_name = (void *)&to[i];
		all[i].msg_hdr.msg_namelen = sizeof(to[i]);
	}
	if ((ep = epoll_create1(0)) == -1 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		_exit(1);
	for (;;) {
		/* The request, whole; 0: the client is gone. */
		if (recv(ctl, cbuf, sizeof(cbuf), MSG_WAITALL) !=
		    (ssize_t)sizeof(cbuf))
			_exit(0);
		(void)bf_recv(fd);	/* a lost round's late answers */
		/* The next n of the pool, in turn: each wakes every pool/n. */
		for (i = 0; i < n; i++)
			smsg[i] = all[(off + i) % pool];
		off = (off + n) % pool;
		t0 = bench_now();
		for (i = 0; i < n; i += got)
			if ((got = sendmmsg(fd, smsg + i, (unsigned)(n - i),
			    0)) <= 0)
				_exit(1);
		for (back = 0; back < n; back += bf_recv(fd))
			if (epoll_wait(ep, &ev, 1, BF_WAIT_MS) <= 0)
				break;
		dt = back >= n ? bench_now() - t0 : -1;
		memset(cbuf, 0, sizeof(cbuf));
		memcpy(cbuf, &dt, sizeof(dt));
		if (write(ctl, cbuf, 32) != 32)
			_exit(1);
	}
}

static int
bf_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Stops the children; returns the CPU seconds they used. */
static double
bf_cpu(const pid_t *kids, int n)
{
	struct rusage ru;
	double t = 0;
	int i;

	for (i = 0; i < n; i++) {
		kill(kids[i], SIGKILL);
		if (wait4(kids[i], NULL, 0, &ru) == kids[i])
			t += (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec /
			    1e6 + (double)ru.ru_stime.tv_sec +
			    ru.ru_stime.tv_usec / 1e6;
	}
	return t;
}

static void
bf_usage(void)
{
	fprintf(stderr, "usage: bench_fanout [-o] [-n HOLDERS] [-p POOL] [-r ROUNDS] "
	    "[-s REQUEST_BYTES] [-a ANSWER_BYTES] [-t PAGES]\n");
}

int
main(int argc, char *argv[])
{
	static struct sockaddr_in to[BF_HOLDERS_MAX];
	static pid_t kids[BF_HOLDERS_MAX + 1];
	struct sockaddr_in me;
	struct pollfd pfd = { .fd = -1, .events = POLLIN };
	uint8_t cbuf[BF_CTL_LEN], ans[32];
	double *rt, *fo, t0, dt, cpu;
	long n = 20, pool = 0, touch = 0, rounds = 2000, req = 220, ack = 120;
	int batch = 1, ch, i, sv[2] = { -1, -1 }, fd, nkids = 0, rc = 1, lost = 0;
	ssize_t got;

	while ((ch = getopt(argc, argv, "on:p:r:s:a:t:")) != -1) {
		switch (ch) {
		case 'o': batch = 0; break;
		case 'n': n = bench_num(optarg, 1, BF_HOLDERS_MAX); break;
		case 't': touch = bench_num(optarg, 0, BF_TOUCH_MAX); break;
		case 'p': pool = bench_num(optarg, 1, BF_HOLDERS_MAX); break;
		case 'r': rounds = bench_num(optarg, 1, BF_ROUNDS_MAX); break;
		case 's': req = bench_num(optarg, 1, BF_DGRAM_MAX); break;
		case 'a': ack = bench_num(optarg, 1, BF_DGRAM_MAX); break;
		default: goto usage;
		}
	}
	if (pool == 0)
		pool = n;
	if (n < 0 || pool < 0 || touch < 0 || rounds < 0 || req < 0 ||
	    ack < 0 || optind != argc || pool < n)
		goto usage;
	rt = calloc((size_t)rounds, sizeof(*rt));
	fo = calloc((size_t)rounds, sizeof(*fo));
	if (rt == NULL || fo == NULL)
		return 1;
	for (i = 0; i < pool; i++) {
		if ((fd = bf_udp(&to[i])) == -1) {
			perror("bench_fanout: holder socket");
			goto out;
		}
		if ((kids[nkids] = fork()) == -1) {
			perror("bench_fanout: fork");
			goto out;
		}
		if (kids[nkids] == 0) {
			bf_child(batch);
			bf_holder(fd, (size_t)ack, touch);
		}
		nkids++;
		close(fd);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    (fd = bf_udp(&me)) == -1) {
		perror("bench_fanout: putter sockets");
		goto out;
	}
	if ((kids[nkids] = fork()) == -1) {
		perror("bench_fanout: fork");
		goto out;
	}
	pfd.fd = sv[0];
	if (kids[nkids] == 0) {
		bf_child(batch);
		close(sv[0]);
		bf_putter(sv[1], fd, to, (int)pool, (int)n, (size_t)req);
	}
	nkids++;
	close(sv[1]);
	close(fd);
	memset(cbuf, 0x11, sizeof(cbuf));
	for (i = -BF_WARMUP; i < rounds; i++) {
		t0 = bench_now();
		if (write(sv[0], cbuf, sizeof(cbuf)) != (ssize_t)sizeof(cbuf) ||
		    poll(&pfd, 1, BF_CLIENT_WAIT_MS) != 1 ||
		    (got = recv(sv[0], ans, sizeof(ans), MSG_WAITALL)) !=
		    (ssize_t)sizeof(ans)) {
			perror("bench_fanout: control socket");
			goto out;
		}
		dt = bench_now() - t0;
		if (i < 0)
			continue;
		memcpy(&fo[i], ans, sizeof(fo[i]));
		if (fo[i] < 0)
			lost++;
		rt[i] = dt;
	}
	cpu = bf_cpu(kids, nkids);
	nkids = 0;
	qsort(rt, (size_t)rounds, sizeof(*rt), bf_cmp);
	qsort(fo, (size_t)rounds, sizeof(*fo), bf_cmp);
	printf("fan-out to %2ld holders of %ld (%ld B out, %ld B back, %s), "
	    "%ld rounds: "
	    "client round p50 %.3f ms p99 %.3f ms; putter's fan-out p50 "
	    "%.3f ms p99 %.3f ms; CPU of putter and holders %.3f ms a round; "
	    "%d lost\n", n, pool, req, ack, batch ? "SCHED_BATCH" : "SCHED_OTHER",
	    rounds,
	    rt[rounds / 2] * 1e3, rt[rounds * 99 / 100] * 1e3,
	    fo[rounds / 2] * 1e3, fo[rounds * 99 / 100] * 1e3,
	    cpu * 1e3 / (double)(rounds + BF_WARMUP), lost);
	rc = lost > 0;
out:
	if (sv[0] != -1)
		close(sv[0]);
	for (i = 0; i < nkids; i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			(void)waitpid(kids[i], NULL, 0);
		}
	free(rt);
	free(fo);
	return rc;
usage:
	bf_usage();
	return 2;
}

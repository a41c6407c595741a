/*
 * bench_ping — UDP load generator: keeps a window of valid Ping datagrams
 * in flight to one emod (or, with -e, to an echo process it forks: the
 * loopback limit of batched request/response pairs between two processes
 * on this machine), with batched sendmmsg/recvmmsg, and prints replies a
 * second.  The target must not rate-limit us (ping-bench.sh configures
 * rate_limit, rate_burst and answer_budget for that).
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "id.h"
#include "wire.h"

#define BP_BATCH_MAX	256	/* datagrams per sendmmsg/recvmmsg */
#define BP_WINDOW_MAX	65536
#define BP_SECONDS_MAX	600
#define BP_REQ_LEN	120	/* a Ping padded so its Pong never exceeds it */
#define BP_IDLE_MS	20	/* no reply this long: the window is lost */

struct bp_result {
	double		 wall;
	unsigned long	 sent, replies, bad, lost_windows;
};

static int
bp_socket(void)
{
	int fd, sz = 8 << 20;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return fd;
}

/* The echo process: sends every datagram back to where it came from. */
static void
bp_echo(int fd, double seconds)
{
	static uint8_t buf[BP_BATCH_MAX][WIRE_MAX_DATAGRAM];
	struct sockaddr_in from[BP_BATCH_MAX];
	struct mmsghdr msg[BP_BATCH_MAX];
	struct iovec iov[BP_BATCH_MAX];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	double end = bench_now() + seconds;
	int i, got;

	while (bench_now() < end) {
		bench_mmsg_recv(msg, iov, buf[0], sizeof(buf[0]), from,
		    BP_BATCH_MAX);
		got = recvmmsg(fd, msg, BP_BATCH_MAX, MSG_DONTWAIT, NULL);
		if (got <= 0) {
			(void)poll(&pfd, 1, 100);
			continue;
		}
		for (i = 0; i < got; i++)
			iov[i].iov_len = msg[i].msg_len;
		(void)sendmmsg(fd, msg, (unsigned)got, 0);
	}
}

/* One valid Ping, padded to BP_REQ_LEN bytes. */
static ssize_t
bp_ping(uint8_t *buf, size_t cap)
{
	struct wire_msg m;
	size_t len;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	id_from_name(&m.sender, "bench_ping", 10);
	m.txid = UINT64_C(0x0123456789abcdef);
	if ((len = wire_encoded_len(&m)) + 2 < BP_REQ_LEN) {
		m.padlen = BP_REQ_LEN - len - 2;
		while (m.padlen > 0 && wire_encoded_len(&m) > BP_REQ_LEN)
			m.padlen--;
	}
	return wire_encode(&m, buf, cap);
}

/* A reply counts if it is a whole message that decodes as a Pong (or, from
 * the echo, our own Ping). */
static int
bp_valid(const uint8_t *buf, size_t len, enum wire_type want)
{
	struct wire_msg m;
	const char *errstr;
	int ok;

	if (wire_peek_kind(buf, len, &errstr) != WIRE_KIND_WHOLE ||
	    wire_decode(buf, len, &m, &errstr) == -1)
		return 0;
	ok = m.type == want;
	wire_msg_free(&m);
	return ok;
}

static void
bp_run(int fd, const uint8_t *req, size_t reqlen, enum wire_type want,
    unsigned window, unsigned batch, double seconds, struct bp_result *r)
{
	static uint8_t rbuf[BP_BATCH_MAX][WIRE_MAX_DATAGRAM];
	struct mmsghdr smsg[BP_BATCH_MAX], rmsg[BP_BATCH_MAX];
	struct iovec siov, riov[BP_BATCH_MAX];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned long out = 0;
	double t0, end;
	unsigned i, n;
	int got, k, checked = 0;

	siov.iov_base = (void *)req;
	siov.iov_len = reqlen;
	memset(smsg, 0, sizeof(smsg));
	for (i = 0; i < BP_BATCH_MAX; i++) {
		smsg[i].msg_hdr.msg_iov = &siov;
		smsg[i].msg_hdr.msg_iovlen = 1;
	}
	memset(r, 0, sizeof(*r));
	t0 = bench_now();
	end = t0 + seconds;
	while (bench_now() < end) {
		while (out < window) {
			n = window - out < batch ? (unsigned)(window - out) : batch;
			if ((got = sendmmsg(fd, smsg, n, 0)) <= 0)
				break;
			out += (unsigned)got;
			r->sent += (unsigned)got;
		}
		if (poll(&pfd, 1, BP_IDLE_MS) == 0) {
			/* Nothing came back: count the window lost, send anew. */
			r->lost_windows++;
			out = 0;
			continue;
		}
		for (k = 0; k < 64; k++) {
			bench_mmsg_recv(rmsg, riov, rbuf[0], sizeof(rbuf[0]),
			    NULL, batch);
			got = recvmmsg(fd, rmsg, batch, MSG_DONTWAIT, NULL);
			if (got <= 0)
				break;
			/* Decode a sample: the replies are what they should be. */
			for (i = 0; i < (unsigned)got; i++) {
				if ((checked++ & 1023) == 0 &&
				    !bp_valid(rbuf[i], rmsg[i].msg_len, want))
					r->bad++;
			}
			r->replies += (unsigned)got;
			out = out > (unsigned)got ? out - (unsigned)got : 0;
		}
	}
	r->wall = bench_now() - t0;
}

static void
bp_print(const char *what, const struct bp_result *r, unsigned window,
    unsigned batch)
{
	printf("%-6s window %5u batch %3u: %9.0f replies/s (%lu sent, %lu "
	    "replies in %.1f s, %lu stalls of %d ms, %lu bad of the sampled)\n",
	    what, window, batch, (double)r->replies / r->wall, r->sent,
	    r->replies, r->wall, r->lost_windows, BP_IDLE_MS, r->bad);
}

static void
bp_usage(void)
{
	fprintf(stderr, "usage: bench_ping [-e] [-t SECONDS] [-w WINDOW] "
	    "[-b BATCH] [IPv4:PORT]\n"
	    "Pings IPv4:PORT (an emod) with WINDOW datagrams in flight; -e "
	    "also measures\nan echo process of its own first (the loopback "
	    "limit).  Exit 1 if nothing answered.\n");
}

int
main(int argc, char *argv[])
{
	uint8_t req[WIRE_MAX_DATAGRAM];
	struct sockaddr_in to, me;
	struct bp_result r;
	socklen_t melen = sizeof(me);
	long secs = 5, window = 512, batch = 64;
	ssize_t reqlen;
	char *colon;
	pid_t pid;
	int ch, echo = 0, fd, efd, rc = 0, st;

	while ((ch = getopt(argc, argv, "et:w:b:")) != -1) {
		switch (ch) {
		case 'e': echo = 1; break;
		case 't': secs = bench_num(optarg, 1, BP_SECONDS_MAX); break;
		case 'w': window = bench_num(optarg, 1, BP_WINDOW_MAX); break;
		case 'b': batch = bench_num(optarg, 1, BP_BATCH_MAX); break;
		default: bp_usage(); return 2;
		}
	}
	if (secs < 0 || window < 0 || batch < 0 || argc - optind > 1 ||
	    (!echo && argc - optind != 1)) {
		bp_usage();
		return 2;
	}
	if ((reqlen = bp_ping(req, sizeof(req))) < 0) {
		fprintf(stderr, "bench_ping: cannot encode a Ping\n");
		return 1;
	}
	if (echo) {
		memset(&me, 0, sizeof(me));
		me.sin_family = AF_INET;
		me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if ((efd = bp_socket()) == -1 ||
		    bind(efd, (struct sockaddr *)&me, sizeof(me)) == -1 ||
		    getsockname(efd, (struct sockaddr *)&me, &melen) == -1) {
			perror("bench_ping: echo socket");
			return 1;
		}
		if ((pid = fork()) == -1) {
			perror("bench_ping: fork");
			return 1;
		}
		if (pid == 0) {
			(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
			bp_echo(efd, (double)secs + 2);
			_exit(0);
		}
		close(efd);
		if ((fd = bp_socket()) == -1 ||
		    connect(fd, (struct sockaddr *)&me, sizeof(me)) == -1) {
			perror("bench_ping: socket");
			kill(pid, SIGKILL);
			return 1;
		}
		bp_run(fd, req, (size_t)reqlen, WIRE_PING, (unsigned)window,
		    (unsigned)batch, (double)secs, &r);
		close(fd);
		kill(pid, SIGTERM);
		(void)waitpid(pid, &st, 0);
		bp_print("echo", &r, (unsigned)window, (unsigned)batch);
		if (r.replies == 0)
			rc = 1;
		if (argc == optind)
			return rc;
	}
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	if ((colon = strrchr(argv[optind], ':')) == NULL ||
	    bench_num(colon + 1, 1, 65535) < 0) {
		bp_usage();
		return 2;
	}
	*colon = '\0';
	to.sin_port = htons((uint16_t)bench_num(colon + 1, 1, 65535));
	if (inet_pton(AF_INET, argv[optind], &to.sin_addr) != 1) {
		bp_usage();
		return 2;
	}
	if ((fd = bp_socket()) == -1 ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to)) == -1) {
		perror("bench_ping: socket");
		return 1;
	}
	bp_run(fd, req, (size_t)reqlen, WIRE_PONG, (unsigned)window,
	    (unsigned)batch, (double)secs, &r);
	bp_print("emod", &r, (unsigned)window, (unsigned)batch);
	return r.replies == 0 || rc != 0;
}

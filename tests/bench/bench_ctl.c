/*
 * bench_ctl — single-node throughput through the control socket: puts and
 * gets of distinct keys, pipelined on one connection with a fixed window of
 * requests in flight.  Prints one table row per phase.  With "signed",
 * the puts are signed values (signed here, as emoctl put --sign does: one
 * key pair, one name per put, seq 1) and the gets ask by signer and name.
 * usage: bench_ctl SOCKET OPS VALUE_BYTES WINDOW [signed]
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.pb-c.h"
#include "frame.h"
#include "id.h"
#include "keys.h"
#include "sigval.h"

#define BENCH_MAX_OPS	10000000

static struct keys_pair *bench_signer;	/* NULL: plain puts */

struct bench {
	int	 fd;
	uint8_t	*rbuf;
	size_t	 rlen, rcap;
	uint64_t errors;
};

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
bench_encode(uint8_t *out, size_t cap, uint64_t id, int put, long i,
    const uint8_t *val, size_t vlen)
{
	Emo__Ctl__Request q = EMO__CTL__REQUEST__INIT;
	Emo__Ctl__PutRequest p = EMO__CTL__PUT_REQUEST__INIT;
	Emo__Ctl__GetRequest g = EMO__CTL__GET_REQUEST__INIT;
	struct value_attr a;
	struct timespec ts;
	char name[32];
	struct id key;
	size_t n;
	int64_t now;

	snprintf(name, sizeof(name), "bench-%zu-%ld", vlen, i);
	id_from_name(&key, name, strlen(name));
	q.version = EMO_CTL_VERSION;
	q.id = id;
	if (put && bench_signer != NULL) {
		clock_gettime(CLOCK_REALTIME, &ts);
		now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (sigval_sign(&a, bench_signer, (const uint8_t *)name,
		    strlen(name), 1, now, 3600, val, vlen) == -1)
			exit(1);
		p.public_key.data = a.pub;
		p.public_key.len = KEYS_PUBLIC_LEN;
		p.signature.data = a.sig;
		p.signature.len = KEYS_SIG_LEN;
		p.signed_name.data = (uint8_t *)name;
		p.signed_name.len = strlen(name);
		p.seq = 1;
		p.created_ms = now;
		p.ttl_s = 3600;
		p.value.data = (uint8_t *)val;
		p.value.len = vlen;
		q.body_case = EMO__CTL__REQUEST__BODY_PUT;
		q.put = &p;
	} else if (bench_signer != NULL) {
		g.signed_by.data = bench_signer->pub;
		g.signed_by.len = KEYS_PUBLIC_LEN;
		g.signed_name.data = (uint8_t *)name;
		g.signed_name.len = strlen(name);
		q.body_case = EMO__CTL__REQUEST__BODY_GET;
		q.get = &g;
	} else if (put) {
		p.key.data = key.b;
		p.key.len = ID_LEN;
		p.value.data = (uint8_t *)val;
		p.value.len = vlen;
		q.body_case = EMO__CTL__REQUEST__BODY_PUT;
		q.put = &p;
	} else {
		g.key.data = key.b;
		g.key.len = ID_LEN;
		q.body_case = EMO__CTL__REQUEST__BODY_GET;
		q.get = &g;
	}
	n = emo__ctl__request__get_packed_size(&q);
	if (n + EMO_CTL_HDR_LEN > cap)
		return 0;
	frame_put_len(out, (uint32_t)n);
	emo__ctl__request__pack(&q, out + EMO_CTL_HDR_LEN);
	return n + EMO_CTL_HDR_LEN;
}

/* Consumes complete responses in the buffer; returns how many. */
static long
bench_consume(struct bench *b)
{
	Emo__Ctl__Response *r;
	const char *errstr;
	uint32_t len;
	size_t off = 0;
	long n = 0;

	while (b->rlen - off >= EMO_CTL_HDR_LEN) {
		if (frame_get_len(b->rbuf + off, EMO_CTL_MAX_RESPONSE, &len,
		    &errstr) == -1) {
			fprintf(stderr, "bench: %s\n", errstr);
			exit(1);
		}
		if (b->rlen - off - EMO_CTL_HDR_LEN < len)
			break;
		r = emo__ctl__response__unpack(NULL, len,
		    b->rbuf + off + EMO_CTL_HDR_LEN);
		if (r == NULL || r->body_case == EMO__CTL__RESPONSE__BODY_ERROR) {
			if (b->errors++ == 0 && r != NULL)
				fprintf(stderr, "bench: error: %s\n",
				    r->error->message);
		}
		if (r != NULL)
			emo__ctl__response__free_unpacked(r, NULL);
		off += EMO_CTL_HDR_LEN + len;
		n++;
	}
	memmove(b->rbuf, b->rbuf + off, b->rlen - off);
	b->rlen -= off;
	return n;
}

static double
bench_phase(struct bench *b, int put, long ops, size_t vlen, long window)
{
	static uint8_t wbuf[1 << 20];
	uint8_t *val;
	struct pollfd pfd;
	long sent = 0, done = 0, got;
	size_t flen, woff = 0, wlen = 0;
	double t0;
	ssize_t n;

	if ((val = malloc(vlen)) == NULL)
		exit(1);
	memset(val, 'v', vlen);
	t0 = bench_now();
	while (done < ops) {
		pfd.fd = b->fd;
		pfd.events = POLLIN;
		if (wlen > woff || (sent < ops && sent - done < window))
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, 10000) <= 0) {
			fprintf(stderr, "bench: daemon stalled\n");
			exit(1);
		}
		if (pfd.revents & POLLOUT) {
			/* Batch as many frames as the window allows. */
			if (wlen == woff) {
				wlen = woff = 0;
				while (sent < ops && sent - done < window &&
				    (flen = bench_encode(wbuf + wlen,
				    sizeof(wbuf) - wlen, (uint64_t)sent + 1,
				    put, sent, val, vlen)) > 0) {
					wlen += flen;
					sent++;
				}
			}
			if (wlen > woff) {
				n = send(b->fd, wbuf + woff, wlen - woff,
				    MSG_NOSIGNAL);
				if (n > 0)
					woff += (size_t)n;
				else if (n == -1 && errno != EAGAIN) {
					perror("bench: send");
					exit(1);
				}
			}
		}
		if (pfd.revents & (POLLIN | POLLHUP)) {
			if (b->rcap - b->rlen < 65536) {
				b->rcap *= 2;
				if ((b->rbuf = realloc(b->rbuf, b->rcap)) == NULL)
					exit(1);
			}
			n = recv(b->fd, b->rbuf + b->rlen, b->rcap - b->rlen, 0);
			if (n <= 0) {
				fprintf(stderr, "bench: daemon closed\n");
				exit(1);
			}
			b->rlen += (size_t)n;
			got = bench_consume(b);
			done += got;
		}
	}
	free(val);
	return (double)ops / (bench_now() - t0);
}

int
main(int argc, char *argv[])
{
	static struct keys_pair kp;
	static const uint8_t seed[32] = { 7 };
	struct sockaddr_un sun;
	struct bench b;
	long ops, window;
	size_t vlen;
	double puts, gets;

	if (argc != 5 && !(argc == 6 && strcmp(argv[5], "signed") == 0)) {
		fprintf(stderr, "usage: bench_ctl SOCKET OPS VALUE_BYTES WINDOW "
		    "[signed]\n");
		return 2;
	}
	if (argc == 6) {
		keys_from_seed(&kp, seed);
		bench_signer = &kp;
	}
	ops = strtol(argv[2], NULL, 10);
	vlen = strtoul(argv[3], NULL, 10);
	window = strtol(argv[4], NULL, 10);
	if (ops <= 0 || ops > BENCH_MAX_OPS || vlen == 0 ||
	    vlen > EMO_MAX_VALUE || window <= 0 || window > 100000) {
		fprintf(stderr, "bench_ctl: bad arguments\n");
		return 2;
	}
	memset(&b, 0, sizeof(b));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[1]);
	if ((b.fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(b.fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("bench_ctl: connect");
		return 1;
	}
	b.rcap = 1 << 20;
	if ((b.rbuf = malloc(b.rcap)) == NULL)
		return 1;
	puts = bench_phase(&b, 1, ops, vlen, window);
	gets = bench_phase(&b, 0, ops, vlen, window);
	printf("%-10zu %10ld %8ld %12.0f %12.0f %8llu\n", vlen, ops, window,
	    puts, gets, (unsigned long long)b.errors);
	free(b.rbuf);
	close(b.fd);
	return b.errors > 0 ? 1 : 0;
}

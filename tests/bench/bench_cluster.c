/*
 * bench_cluster — load client for a running emod cluster: keeps C requests
 * in flight over control-socket connections to several nodes, puts distinct
 * keys through some nodes, then gets them through others and checks bytes.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "control.pb-c.h"
#include "frame.h"
#include "id.h"

#define BC_MAX_OPS		1000000
#define BC_MAX_INFLIGHT		256
#define BC_MAX_SOCKS		64
#define BC_MAX_CONN_PER_SOCK	48	/* below emod's default client cap */
#define BC_MAX_TAG		64
#define BC_RBUF_INIT		65536
#define BC_MAX_OP_TIMEOUT_S	600
#define BC_MAX_DEADLINE_S	3600
#define BC_RECONNECTS		1000	/* per phase, then give up */

enum bc_outcome {
	BC_OK,
	BC_NOT_FOUND,		/* get: ERR_NOT_FOUND */
	BC_MISMATCH,		/* get: values other than exactly ours */
	BC_ERROR,		/* any other error answer */
	BC_TIMEOUT,		/* no answer within the op timeout */
	BC_LOST,		/* connection closed under the request */
	BC_NOUTCOMES
};

static const char *const bc_outcome_names[BC_NOUTCOMES] = {
	"ok", "not_found", "mismatch", "error", "timeout", "lost"
};

struct bc_conn {
	int		 fd;		/* -1 when closed */
	const char	*path;
	uint8_t		*rbuf;
	size_t		 rlen, rcap;
	uint8_t		*wbuf;		/* the one request in flight */
	size_t		 wlen, woff;
	long		 op;		/* op index in flight, -1 if idle */
	uint64_t	 rid;
	double		 t0;
};

struct bc_phase {
	int		 put;
	long		 ops;
	size_t		 vlen;
	const char	*tag;
	double		 op_timeout;
	double		 deadline;	/* absolute, monotonic */
	/* results */
	double		*lat;		/* seconds, successful ops only */
	long		 nlat;
	long		 done, sent;
	long		 outcome[BC_NOUTCOMES];
	uint64_t	 acks;		/* sum over successful puts */
	uint32_t	 acks_min;
	int		 reconnects;
	char		 first_err[160];
};

static double
bc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t
bc_splitmix(uint64_t *s)
{
	uint64_t z;

	z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Value bytes of op i: a pure function of (tag, size, i), so gets can check. */
static void
bc_value(uint8_t *out, size_t len, const char *tag, long i)
{
	uint64_t s = (uint64_t)i * 1000003u + len, r = 0;
	const char *p;
	size_t k;

	for (p = tag; *p != '\0'; p++)
		s = s * 131 + (unsigned char)*p;
	for (k = 0; k < len; k++) {
		if (k % 8 == 0)
			r = bc_splitmix(&s);
		out[k] = (uint8_t)(r >> (8 * (k % 8)));
	}
}

static void
bc_key(struct id *key, const char *tag, size_t vlen, long i)
{
	char name[BC_MAX_TAG + 64];
	int n;

	n = snprintf(name, sizeof(name), "bc-%s-%zu-%ld", tag, vlen, i);
	id_from_name(key, name, (size_t)n);
}

static int
bc_connect(struct bc_conn *c)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(c->path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
		close(fd);
		return -1;
	}
	c->fd = fd;
	c->rlen = 0;
	c->wlen = c->woff = 0;
	c->op = -1;
	return 0;
}

static void
bc_close(struct bc_conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->op = -1;
	c->rlen = 0;
	c->wlen = c->woff = 0;
}

/* Builds the frame of op i into c->wbuf; -1 if it cannot. */
static int
bc_encode(struct bc_conn *c, const struct bc_phase *ph, long i, uint8_t *val)
{
	Emo__Ctl__Request q = EMO__CTL__REQUEST__INIT;
	Emo__Ctl__PutRequest p = EMO__CTL__PUT_REQUEST__INIT;
	Emo__Ctl__GetRequest g = EMO__CTL__GET_REQUEST__INIT;
	struct id key;
	size_t n;

	bc_key(&key, ph->tag, ph->vlen, i);
	q.version = EMO_CTL_VERSION;
	q.id = ++c->rid;
	if (ph->put) {
		bc_value(val, ph->vlen, ph->tag, i);
		p.key.data = key.b;
		p.key.len = ID_LEN;
		p.value.data = val;
		p.value.len = ph->vlen;
		q.body_case = EMO__CTL__REQUEST__BODY_PUT;
		q.put = &p;
	} else {
		g.key.data = key.b;
		g.key.len = ID_LEN;
		q.body_case = EMO__CTL__REQUEST__BODY_GET;
		q.get = &g;
	}
	n = emo__ctl__request__get_packed_size(&q);
	if (n > EMO_CTL_MAX_REQUEST)
		return -1;
	frame_put_len(c->wbuf, (uint32_t)n);
	emo__ctl__request__pack(&q, c->wbuf + EMO_CTL_HDR_LEN);
	c->wlen = n + EMO_CTL_HDR_LEN;
	c->woff = 0;
	return 0;
}

static void
bc_note(struct bc_phase *ph, enum bc_outcome o, const char *why)
{
	ph->outcome[o]++;
	if (o != BC_OK && ph->first_err[0] == '\0')
		snprintf(ph->first_err, sizeof(ph->first_err), "%s: %s",
		    bc_outcome_names[o], why != NULL ? why : "?");
}

/* Judges one response to op c->op. */
static void
bc_judge(struct bc_conn *c, struct bc_phase *ph, const uint8_t *buf,
    uint32_t len, uint8_t *expect)
{
	Emo__Ctl__Response *r;
	enum bc_outcome o = BC_OK;
	const char *why = NULL;
	double dt;

	dt = bc_now() - c->t0;
	r = emo__ctl__response__unpack(NULL, len, buf);
	if (r == NULL) {
		bc_note(ph, BC_ERROR, "undecodable response");
		return;
	}
	if (r->id != c->rid) {
		o = BC_ERROR;
		why = "response id mismatch";
	} else if (r->body_case == EMO__CTL__RESPONSE__BODY_ERROR) {
		o = r->error->code == EMO__CTL__ERROR_CODE__ERR_NOT_FOUND ?
		    BC_NOT_FOUND : BC_ERROR;
		why = r->error->message;
	} else if (ph->put) {
		if (r->body_case != EMO__CTL__RESPONSE__BODY_PUT) {
			o = BC_ERROR;
			why = "not a put result";
		} else {
			ph->acks += r->put->acks;
			if (r->put->acks < ph->acks_min)
				ph->acks_min = r->put->acks;
		}
	} else {
		bc_value(expect, ph->vlen, ph->tag, c->op);
		if (r->body_case != EMO__CTL__RESPONSE__BODY_GET) {
			o = BC_ERROR;
			why = "not a get result";
		} else if (r->get->n_values != 1 ||
		    r->get->values[0]->data.len != ph->vlen ||
		    memcmp(r->get->values[0]->data.data, expect,
		    ph->vlen) != 0) {
			o = BC_MISMATCH;
			why = "values differ from the one put";
		}
	}
	if (o == BC_OK)
		ph->lat[ph->nlat++] = dt;
	bc_note(ph, o, why);
	emo__ctl__response__free_unpacked(r, NULL);
}

/* Reads what is there; returns -1 when the connection is gone. */
static int
bc_read(struct bc_conn *c, struct bc_phase *ph, uint8_t *expect)
{
	const char *errstr;
	uint32_t len;
	ssize_t n;
	uint8_t *nb;

	for (;;) {
		if (c->rcap - c->rlen < BC_RBUF_INIT / 2) {
			if (c->rcap > EMO_CTL_MAX_RESPONSE + EMO_CTL_HDR_LEN)
				return -1;
			if ((nb = realloc(c->rbuf, c->rcap * 2)) == NULL)
				return -1;
			c->rbuf = nb;
			c->rcap *= 2;
		}
		n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
		if (n == 0)
			return -1;
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -1;
		}
		c->rlen += (size_t)n;
	}
	if (c->rlen < EMO_CTL_HDR_LEN)
		return 0;
	if (frame_get_len(c->rbuf, EMO_CTL_MAX_RESPONSE, &len, &errstr) == -1)
		return -1;
	if (c->rlen - EMO_CTL_HDR_LEN < len)
		return 0;
	if (c->op == -1)		/* an answer to nothing */
		return -1;
	bc_judge(c, ph, c->rbuf + EMO_CTL_HDR_LEN, len, expect);
	ph->done++;
	c->op = -1;
	memmove(c->rbuf, c->rbuf + EMO_CTL_HDR_LEN + len,
	    c->rlen - EMO_CTL_HDR_LEN - len);
	c->rlen -= EMO_CTL_HDR_LEN + len;
	return 0;
}

static int
bc_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted latencies, in ms. */
static double
bc_pct(const struct bc_phase *ph, double p)
{
	long k;

	if (ph->nlat == 0)
		return -1;
	k = (long)(p / 100.0 * (double)ph->nlat + 0.999999) - 1;
	if (k < 0)
		k = 0;
	if (k >= ph->nlat)
		k = ph->nlat - 1;
	return ph->lat[k] * 1000.0;
}

/* Fails an op in flight and reopens its connection (bounded). */
static void
bc_fail_conn(struct bc_conn *c, struct bc_phase *ph, enum bc_outcome o)
{
	if (c->op != -1) {
		bc_note(ph, o, o == BC_TIMEOUT ? "no answer in time" :
		    "connection closed");
		ph->done++;
	}
	bc_close(c);
	if (ph->reconnects++ < BC_RECONNECTS && bc_connect(c) == -1)
		c->fd = -1;
}

/* Runs one phase; returns 0, or -1 if no connection could be kept. */
static int
bc_run(struct bc_conn *conns, int nconns, struct bc_phase *ph)
{
	struct pollfd *pfd;
	uint8_t *val, *expect;
	double t0, now, wall;
	ssize_t n;
	int i, live, rc = 0;

	pfd = calloc((size_t)nconns, sizeof(*pfd));
	val = malloc(ph->vlen);
	expect = malloc(ph->vlen);
	ph->lat = calloc((size_t)ph->ops, sizeof(double));
	if (pfd == NULL || val == NULL || expect == NULL || ph->lat == NULL) {
		rc = -1;
		goto out;
	}
	ph->acks_min = UINT32_MAX;
	t0 = bc_now();
	while (ph->done < ph->ops) {
		now = bc_now();
		live = 0;
		for (i = 0; i < nconns; i++) {
			struct bc_conn *c = &conns[i];

			if (c->fd != -1 && c->op != -1 &&
			    now - c->t0 > ph->op_timeout)
				bc_fail_conn(c, ph, BC_TIMEOUT);
			if (c->fd != -1 && c->op == -1 &&
			    ph->sent < ph->ops && now < ph->deadline) {
				if (bc_encode(c, ph, ph->sent, val) == -1) {
					rc = -1;
					goto out;
				}
				c->op = ph->sent++;
				c->t0 = bc_now();
			}
			pfd[i].fd = c->fd;
			pfd[i].events = POLLIN;
			if (c->op != -1 && c->woff < c->wlen)
				pfd[i].events |= POLLOUT;
			pfd[i].revents = 0;
			if (c->fd != -1)
				live++;
		}
		if (live == 0) {
			fprintf(stderr, "bench_cluster: no connection left\n");
			rc = -1;
			goto out;
		}
		/* Past the deadline, stop once nothing is in flight. */
		if (now >= ph->deadline && ph->done == ph->sent)
			break;
		if (poll(pfd, (nfds_t)nconns, 100) == -1 && errno != EINTR) {
			rc = -1;
			goto out;
		}
		for (i = 0; i < nconns; i++) {
			struct bc_conn *c = &conns[i];

			if (c->fd == -1 || pfd[i].revents == 0)
				continue;
			if (pfd[i].revents & POLLOUT) {
				n = send(c->fd, c->wbuf + c->woff,
				    c->wlen - c->woff, MSG_NOSIGNAL);
				if (n > 0)
					c->woff += (size_t)n;
				else if (n == -1 && errno != EAGAIN &&
				    errno != EINTR) {
					bc_fail_conn(c, ph, BC_LOST);
					continue;
				}
			}
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR) &&
			    bc_read(c, ph, expect) == -1)
				bc_fail_conn(c, ph, BC_LOST);
		}
	}
	wall = bc_now() - t0;
	qsort(ph->lat, (size_t)ph->nlat, sizeof(double), bc_cmp_double);
	printf("%s %zu %d %ld %ld %ld %.1f %.3f %.3f %.3f %.2f",
	    ph->put ? "put" : "get", ph->vlen, nconns, ph->ops, ph->sent,
	    ph->outcome[BC_OK], wall > 0 ? (double)ph->outcome[BC_OK] / wall : 0,
	    bc_pct(ph, 50), bc_pct(ph, 99),
	    ph->nlat ? ph->lat[ph->nlat - 1] * 1000.0 : -1,
	    ph->put && ph->outcome[BC_OK] ?
	    (double)ph->acks / (double)ph->outcome[BC_OK] : 0);
	for (i = 1; i < BC_NOUTCOMES; i++)
		printf(" %s=%ld", bc_outcome_names[i], ph->outcome[i]);
	printf("\n");
	if (ph->first_err[0] != '\0')
		fprintf(stderr, "bench_cluster: %s %zu: first failure: %s\n",
		    ph->put ? "put" : "get", ph->vlen, ph->first_err);
	fflush(stdout);
 out:
	free(pfd);
	free(val);
	free(expect);
	free(ph->lat);
	ph->lat = NULL;
	return rc;
}

/* Splits a comma list of socket paths in place. */
static int
bc_split(char *list, char **out, int max)
{
	char *p, *save = NULL;
	int n = 0;

	for (p = strtok_r(list, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		if (n == max)
			return -1;
		out[n++] = p;
	}
	return n;
}

/* Opens `inflight` connections spread round-robin over the sockets. */
static struct bc_conn *
bc_open(char **socks, int nsocks, int inflight)
{
	struct bc_conn *conns;
	int i;

	if ((conns = calloc((size_t)inflight, sizeof(*conns))) == NULL)
		return NULL;
	for (i = 0; i < inflight; i++) {
		conns[i].fd = -1;
		conns[i].path = socks[i % nsocks];
		conns[i].rcap = BC_RBUF_INIT;
		conns[i].rbuf = malloc(conns[i].rcap);
		conns[i].wbuf = malloc(EMO_CTL_HDR_LEN + EMO_CTL_MAX_REQUEST);
		if (conns[i].rbuf == NULL || conns[i].wbuf == NULL ||
		    bc_connect(&conns[i]) == -1) {
			fprintf(stderr, "bench_cluster: %s: %s\n",
			    conns[i].path, strerror(errno));
			goto fail;
		}
	}
	return conns;
 fail:
	for (; i >= 0; i--) {
		bc_close(&conns[i]);
		free(conns[i].rbuf);
		free(conns[i].wbuf);
	}
	free(conns);
	return NULL;
}

static void
bc_free(struct bc_conn *conns, int n)
{
	int i;

	if (conns == NULL)
		return;
	for (i = 0; i < n; i++) {
		bc_close(&conns[i]);
		free(conns[i].rbuf);
		free(conns[i].wbuf);
	}
	free(conns);
}

static void
bc_usage(void)
{
	fprintf(stderr,
	    "usage: bench_cluster -p SOCK[,SOCK...] -g SOCK[,SOCK...] "
	    "[-c INFLIGHT] [-n OPS]\n"
	    "           [-s VALUE_BYTES] [-t OP_TIMEOUT_S] [-T DEADLINE_S] "
	    "[-k TAG]\n"
	    "Puts OPS distinct keys through the -p nodes, then gets them "
	    "through the -g\nnodes, INFLIGHT at a time, one per connection.  "
	    "Prints per phase:\n"
	    "  op size inflight ops sent ok ops/s p50_ms p99_ms max_ms "
	    "mean_acks not_found=.. mismatch=.. error=.. timeout=.. lost=..\n"
	    "Exit 0 if it ran (whatever failed), 1 if it could not run, "
	    "2 on usage.\n");
}

int
main(int argc, char *argv[])
{
	char *psocks[BC_MAX_SOCKS], *gsocks[BC_MAX_SOCKS];
	char *plist = NULL, *glist = NULL, deftag[BC_MAX_TAG];
	const char *tag = NULL;
	struct bc_conn *pc = NULL, *gc = NULL;
	struct bc_phase put, get;
	long ops = 1000, inflight = 32, vlen = 100, opt_s = 30, dl_s = 300;
	int ch, np, ng, rc = 1;

	while ((ch = getopt(argc, argv, "p:g:c:n:s:t:T:k:")) != -1) {
		switch (ch) {
		case 'p': plist = optarg; break;
		case 'g': glist = optarg; break;
		case 'c': inflight = bench_num(optarg, 1, BC_MAX_INFLIGHT); break;
		case 'n': ops = bench_num(optarg, 1, BC_MAX_OPS); break;
		case 's': vlen = bench_num(optarg, 1, EMO_MAX_VALUE); break;
		case 't': opt_s = bench_num(optarg, 1, BC_MAX_OP_TIMEOUT_S); break;
		case 'T': dl_s = bench_num(optarg, 1, BC_MAX_DEADLINE_S); break;
		case 'k': tag = optarg; break;
		default: bc_usage(); return 2;
		}
	}
	if (plist == NULL || glist == NULL || inflight < 0 || ops < 0 ||
	    vlen < 0 || opt_s < 0 || dl_s < 0 || optind != argc ||
	    (tag != NULL && strlen(tag) >= BC_MAX_TAG) ||
	    (np = bc_split(plist, psocks, BC_MAX_SOCKS)) <= 0 ||
	    (ng = bc_split(glist, gsocks, BC_MAX_SOCKS)) <= 0 ||
	    inflight > (long)np * BC_MAX_CONN_PER_SOCK ||
	    inflight > (long)ng * BC_MAX_CONN_PER_SOCK) {
		bc_usage();
		return 2;
	}
	if (tag == NULL) {
		snprintf(deftag, sizeof(deftag), "%ld-%lld", (long)getpid(),
		    (long long)time(NULL));
		tag = deftag;
	}
	memset(&put, 0, sizeof(put));
	put.put = 1;
	put.ops = ops;
	put.vlen = (size_t)vlen;
	put.tag = tag;
	put.op_timeout = (double)opt_s;
	get = put;
	get.put = 0;

	if ((pc = bc_open(psocks, np, (int)inflight)) == NULL)
		goto out;
	put.deadline = bc_now() + (double)dl_s / 2;
	if (bc_run(pc, (int)inflight, &put) == -1)
		goto out;
	bc_free(pc, (int)inflight);
	pc = NULL;
	/* Get only what was sent, in the time left. */
	get.ops = put.sent;
	if ((gc = bc_open(gsocks, ng, (int)inflight)) == NULL)
		goto out;
	get.deadline = bc_now() + (double)dl_s / 2;
	if (get.ops > 0 && bc_run(gc, (int)inflight, &get) == -1)
		goto out;
	rc = 0;
 out:
	bc_free(pc, (int)inflight);
	bc_free(gc, (int)inflight);
	return rc;
}

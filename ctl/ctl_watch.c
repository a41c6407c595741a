/*
 * ctl_watch — emoctl watch: one WatchRequest, then a stream of answers
 * with its id, one value each, printed a line at a time (a JSON object
 * per line with --json) until the count is reached, emod ends it, or
 * SIGINT/SIGTERM (exit 0: stopping a watch is its normal end).
 */
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

static void
ctl_watch_signal(int sig)
{
	(void)sig;
	/* Every printed line was flushed with these signals blocked. */
	_exit(CTL_EXIT_OK);
}

int
ctl_watch_build(struct ctl_inv *inv, Emo__Ctl__Request *req)
{
	emo__ctl__watch_request__init(&inv->watch);
	inv->watch.key.data = inv->key;
	inv->watch.key.len = ID_LEN;
	inv->watch.since_ms = inv->since_ms;
	inv->watch.count = inv->count;
	req->body_case = EMO__CTL__REQUEST__BODY_WATCH;
	req->watch = &inv->watch;
	return CTL_EXIT_OK;
}

static void
ctl_watch_print(const struct ctl_inv *inv, const Emo__Ctl__Value *v)
{
	if (!inv->json) {
		fwrite(v->data.data, 1, v->data.len, stdout);
		fputc('\n', stdout);
		return;
	}
	fputs("{\"value\":", stdout);
	if (bytes_utf8_valid(v->data.data, v->data.len))
		ctl_print_json_string(stdout, v->data.data, v->data.len);
	else
		fputs("null", stdout);
	fputs(",\"value_base64\":\"", stdout);
	ctl_print_base64(stdout, v->data.data, v->data.len);
	printf("\",\"created_ms\":%" PRId64 ",\"expires_ms\":%" PRId64 "}\n",
	    v->created_ms, v->expires_ms);
}

int
ctl_watch_run(struct ctl_inv *inv, struct ctl_io *io, Emo__Ctl__Request *req)
{
	Emo__Ctl__Response *resp = NULL;
	struct sigaction sa;
	sigset_t stop, old;
	uint64_t id;
	int rc, end = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ctl_watch_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	/* A watch waits as long as it is told: no deadline for values. */
	io->deadline_ms = INT64_MAX;
	id = io->next_id;
	if ((rc = ctl_io_call(io, req, &resp)) != CTL_EXIT_OK)
		return rc;
	for (;;) {
		if (resp->body_case == EMO__CTL__RESPONSE__BODY_ERROR &&
		    resp->error != NULL) {
			rc = ctl_print_daemon_error(inv, resp->error);
			end = 1;
		} else if (resp->body_case != EMO__CTL__RESPONSE__BODY_WATCH ||
		    resp->watch == NULL) {
			ctl_warnx("%s: emod answered a watch with something "
			    "else", io->path);
			rc = CTL_EXIT_FAIL;
			end = 1;
		} else if (resp->watch->value != NULL) {
			(void)sigprocmask(SIG_BLOCK, &stop, &old);
			ctl_watch_print(inv, resp->watch->value);
			if (fflush(stdout) == EOF)
				end = 1;
			(void)sigprocmask(SIG_SETMASK, &old, NULL);
		}
		if (resp->body_case == EMO__CTL__RESPONSE__BODY_WATCH &&
		    resp->watch != NULL && resp->watch->end)
			end = 1;
		emo__ctl__response__free_unpacked(resp, NULL);
		resp = NULL;
		if (end)
			return rc;
		if ((rc = ctl_io_recv(io, id, &resp)) != CTL_EXIT_OK)
			return rc;
	}
}

/*
 * ctl_build — the request builders of emoctl's plain commands (put, get,
 * status, peers, ping, log): checked positional arguments -> one typed
 * Request in the invocation's storage.  Each returns an exit code.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

int
ctl_build_put(struct ctl_inv *inv, Emo__Ctl__Request *req)
{
	const char *arg = inv->pos[(inv->given & CTL_OPT_IMMUTABLE) ? 0 : 1];
	int rc;

	if (strcmp(arg, "-") == 0) {
		if (ctl_args_slurp(stdin, EMO_MAX_VALUE, &inv->valuebuf,
		    &inv->valuelen) == -1) {
			if (errno == EFBIG)
				goto toolarge;
			ctl_warnx("reading the value from stdin: %s",
			    strerror(errno));
			return CTL_EXIT_FAIL;
		}
		inv->value = inv->valuebuf;
	} else {
		inv->value = (const uint8_t *)arg;
		inv->valuelen = strlen(arg);
		if (inv->valuelen > EMO_MAX_VALUE)
			goto toolarge;
	}
	if (inv->valuelen == 0) {
		ctl_warnx("empty value (a value is 1 to %d bytes)",
		    EMO_MAX_VALUE);
		return CTL_EXIT_USAGE;
	}
	if ((inv->given & CTL_OPT_ENCRYPT) && (rc = ctl_crypt_seal(inv)) !=
	    CTL_EXIT_OK)
		return rc;
	emo__ctl__put_request__init(&inv->put);
	inv->put.key.data = inv->key;
	inv->put.key.len = ID_LEN;
	/* protobuf-c only reads through this pointer when packing. */
	inv->put.value.data = (uint8_t *)(uintptr_t)inv->value;
	inv->put.value.len = inv->valuelen;
	inv->put.ttl_s = inv->ttl_s;
	inv->put.min_acks = inv->min_acks;
	if (inv->perm) {
		inv->put.permanent = 1;
		/* By name, so that `emoctl permanent` can show it. */
		if (!inv->hexkey && strlen(inv->pos[0]) <= EMO_MAX_KEY_NAME) {
			inv->put.key.len = 0;
			inv->put.name.data = (uint8_t *)(uintptr_t)inv->pos[0];
			inv->put.name.len = strlen(inv->pos[0]);
		}
	}
	req->body_case = EMO__CTL__REQUEST__BODY_PUT;
	req->put = &inv->put;
	if (inv->given & (CTL_OPT_SIGN | CTL_OPT_IMMUTABLE))
		return ctl_sig_build_put(inv, req);
	return CTL_EXIT_OK;
toolarge:
	if (inv->given & CTL_OPT_ENCRYPT)
		return ctl_crypt_toolarge();
	ctl_warnx("value is over %d bytes, the limit per value; nothing sent",
	    EMO_MAX_VALUE);
	return CTL_EXIT_USAGE;
}

int
ctl_build_get(struct ctl_inv *inv, Emo__Ctl__Request *req)
{
	int rc;

	if ((inv->given & CTL_OPT_DECRYPT) && (rc = ctl_crypt_load(inv)) !=
	    CTL_EXIT_OK)
		return rc;
	emo__ctl__get_request__init(&inv->get);
	inv->get.key.data = inv->key;
	inv->get.key.len = ID_LEN;
	inv->get.since_ms = inv->since_ms;
	req->body_case = EMO__CTL__REQUEST__BODY_GET;
	req->get = &inv->get;
	if (inv->given & CTL_OPT_SIGNED_BY)
		return ctl_sig_build_get(inv, req);
	return CTL_EXIT_OK;
}

int
ctl_build_status(struct ctl_inv *inv, Emo__Ctl__Request *req)
{
	emo__ctl__status_request__init(&inv->status);
	req->body_case = EMO__CTL__REQUEST__BODY_STATUS;
	req->status = &inv->status;
	return CTL_EXIT_OK;
}

int
ctl_build_peers(struct ctl_inv *inv, Emo__Ctl__Request *req)
{
	emo__ctl__peers_request__init(&inv->peers);
	req->body_case = EMO__CTL__REQUEST__BODY_PEERS;
	req->peers = &inv->peers;
	return CTL_EXIT_OK;
}

int
ctl_build_ping(struct ctl_inv *inv, Emo__Ctl__Request *req)
{
	const char *errstr;
	struct addr a;

	if (ctl_args_address(inv->pos[0], &errstr) == -1) {
		ctl_warnx("invalid address '%s': %s", inv->pos[0], errstr);
		return CTL_EXIT_USAGE;
	}
	/*
	 * emod takes numeric addresses only (it never blocks its loop on
	 * DNS): a name is resolved here, where blocking costs nobody else.
	 */
	if (addr_resolve(&a, inv->pos[0], &errstr) == -1) {
		ctl_warnx("cannot resolve '%s': %s", inv->pos[0], errstr);
		return CTL_EXIT_USAGE;
	}
	addr_str(&a, inv->pingaddr, sizeof(inv->pingaddr));
	emo__ctl__ping_request__init(&inv->ping);
	inv->ping.address = inv->pingaddr;
	req->body_case = EMO__CTL__REQUEST__BODY_PING;
	req->ping = &inv->ping;
	return CTL_EXIT_OK;
}

int
ctl_build_log(struct ctl_inv *inv, Emo__Ctl__Request *req)
{
	const char *errstr;

	if (ctl_args_level(inv->pos[0], &errstr) == -1) {
		ctl_warnx("invalid log level '%s': %s", inv->pos[0], errstr);
		return CTL_EXIT_USAGE;
	}
	emo__ctl__log_request__init(&inv->log);
	inv->log.level = (char *)(uintptr_t)inv->pos[0];
	req->body_case = EMO__CTL__REQUEST__BODY_LOG;
	req->log = &inv->log;
	return CTL_EXIT_OK;
}

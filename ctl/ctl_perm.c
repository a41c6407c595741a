/*
 * ctl_perm — emoctl's side of permanent values: the requests of cancel
 * (KEY VALUE_ID) and `permanent`, and their printers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "ctl.h"

int
ctl_perm_build_cancel(struct ctl_inv *inv, Emo__Ctl__Request *req)
{
	if (crypto_hex_decode(inv->vid, CTL_VALUE_ID_LEN, inv->pos[1]) == -1) {
		ctl_warnx("invalid value id '%s': 32 hex digits expected",
		    inv->pos[1]);
		return CTL_EXIT_USAGE;
	}
	emo__ctl__cancel_request__init(&inv->cancel);
	inv->cancel.key.data = inv->key;
	inv->cancel.key.len = ID_LEN;
	inv->cancel.value_id.data = inv->vid;
	inv->cancel.value_id.len = CTL_VALUE_ID_LEN;
	req->body_case = EMO__CTL__REQUEST__BODY_CANCEL;
	req->cancel = &inv->cancel;
	return CTL_EXIT_OK;
}

int
ctl_perm_build_list(struct ctl_inv *inv, Emo__Ctl__Request *req)
{
	emo__ctl__permanent_request__init(&inv->permanent);
	req->body_case = EMO__CTL__REQUEST__BODY_PERMANENT;
	req->permanent = &inv->permanent;
	return CTL_EXIT_OK;
}

int
ctl_perm_print_cancel(const struct ctl_inv *inv,
    const Emo__Ctl__Response *resp)
{
	fputs(inv->json ? "{\"cancelled\":\"" : "cancelled: ", stdout);
	ctl_print_hex(stdout, inv->vid, CTL_VALUE_ID_LEN);
	fputs(inv->json ? "\"}\n" : " is no longer kept alive\n", stdout);
	return CTL_EXIT_OK;
}

static int64_t
ctl_perm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ctl_perm_print_list(const struct ctl_inv *inv, const Emo__Ctl__Response *resp)
{
	const Emo__Ctl__PermanentResult *r = resp->permanent;
	const Emo__Ctl__PermanentValue *v;
	int64_t now = ctl_perm_now_ms(), in;
	size_t i;

	if (inv->json)
		fputc('[', stdout);
	for (i = 0; i < r->n_values; i++) {
		v = r->values[i];
		in = v->next_put_ms > now ? (v->next_put_ms - now + 999) / 1000 :
		    0;
		if (inv->json) {
			fputs(i == 0 ? "{\"key\":\"" : ",{\"key\":\"", stdout);
			ctl_print_hex(stdout, v->key.data, v->key.len);
			fputs("\",\"name\":", stdout);
			if (v->name.len > 0 &&
			    bytes_utf8_valid(v->name.data, v->name.len))
				ctl_print_json_string(stdout, v->name.data,
				    v->name.len);
			else
				fputs("null", stdout);
			fputs(",\"id\":\"", stdout);
			ctl_print_hex(stdout, v->value_id.data,
			    v->value_id.len);
			printf("\",\"size\":%" PRIu32 ",\"ttl_s\":%" PRIu32
			    ",\"next_put_ms\":%" PRId64 "}", v->size, v->ttl_s,
			    v->next_put_ms);
			continue;
		}
		if (v->name.len > 0)
			ctl_print_safe(stdout, v->name.data, v->name.len);
		else
			ctl_print_hex(stdout, v->key.data, v->key.len);
		fputc(' ', stdout);
		ctl_print_hex(stdout, v->value_id.data, v->value_id.len);
		printf(" %" PRIu32 " B, ttl %" PRIu32 " s, next put in %" PRId64
		    " s\n", v->size, v->ttl_s, in);
	}
	if (inv->json)
		fputs("]\n", stdout);
	return CTL_EXIT_OK;
}

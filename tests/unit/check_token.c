/*
 * check_token — write tokens and cookies on their own: a token is valid
 * only for its address and key, a cookie only for its address, both
 * survive one rotation of the secret and not two, neither passes for the
 * other; peers' tokens are used while young enough.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "token.h"
#include "check_util.h"

static void
t_fill(struct prng *r, uint8_t *buf, size_t len)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < len; i += 8) {
		v = prng_next(r);
		memcpy(buf + i, &v, len - i < 8 ? len - i : 8);
	}
}

static struct token *
t_new(struct prng *r, int64_t now)
{
	uint8_t seed[TOKEN_SEED_LEN];
	struct token *t;

	t_fill(r, seed, sizeof(seed));
	t = token_new(seed, now);
	ck_assert_ptr_nonnull(t);
	return t;
}

/* The keys tokens are asked for. */
static const struct id k1 = { { 1, 2, 3 } }, k2 = { { 1, 2, 4 } };

static void
t_addr(struct addr *a, const char *s)
{
	const char *errstr;

	ck_assert_int_eq(addr_parse(a, s, &errstr), 0);
}

START_TEST(test_make_check)
{
	struct prng r = { 3 };
	struct token *t = t_new(&r, 0), *u = t_new(&r, 0);
	uint8_t tok[TOKEN_LEN], again[TOKEN_LEN];
	struct addr x, y, x2;

	t_addr(&x, "10.0.0.1:7000");
	t_addr(&y, "10.0.0.2:7000");
	t_addr(&x2, "10.0.0.1:7001");
	token_make(t, &x, &k1, tok);
	token_make(t, &x, &k1, again);
	ck_assert_mem_eq(tok, again, TOKEN_LEN);	/* a function of x */
	ck_assert_int_eq(token_check(t, &x, &k1, tok, TOKEN_LEN), 1);
	ck_assert_int_eq(token_check(t, &y, &k1, tok, TOKEN_LEN), 0);
	ck_assert_int_eq(token_check(t, &x2, &k1, tok, TOKEN_LEN), 0);
	ck_assert_int_eq(token_check(u, &x, &k1, tok, TOKEN_LEN), 0);
	ck_assert_int_eq(token_check(t, &x, &k1, tok, TOKEN_LEN - 1), 0);
	ck_assert_int_eq(token_check(t, &x, &k1, tok, 0), 0);
	/* Bound to the key: no STORE under another key with it. */
	ck_assert_int_eq(token_check(t, &x, &k2, tok, TOKEN_LEN), 0);
	token_make(t, &x, &k2, again);
	ck_assert_mem_ne(tok, again, TOKEN_LEN);
	ck_assert_int_eq(token_check(t, &x, &k2, again, TOKEN_LEN), 1);
	tok[5] ^= 1;
	ck_assert_int_eq(token_check(t, &x, &k1, tok, TOKEN_LEN), 0);
	token_free(t);
	token_free(u);
	token_free(NULL);
}
END_TEST

START_TEST(test_rotation)
{
	struct prng r = { 4 };
	struct token *t = t_new(&r, 1000);
	uint8_t tok[TOKEN_LEN], tok2[TOKEN_LEN], fresh[TOKEN_SECRET_LEN];
	struct addr x;

	t_addr(&x, "10.0.0.1:7000");
	token_make(t, &x, &k1, tok);
	ck_assert_int_eq(token_rotate_due(t, 1000), 0);
	ck_assert_int_eq(token_rotate_due(t, 1000 + TOKEN_ROTATE_MS - 1), 0);
	ck_assert_int_eq(token_rotate_due(t, 1000 + TOKEN_ROTATE_MS), 1);
	t_fill(&r, fresh, sizeof(fresh));
	token_rotate(t, fresh, 1000 + TOKEN_ROTATE_MS);
	ck_assert_int_eq(token_rotate_due(t, 1000 + TOKEN_ROTATE_MS), 0);
	/* The previous secret stays valid; new tokens use the new one. */
	ck_assert_int_eq(token_check(t, &x, &k1, tok, TOKEN_LEN), 1);
	token_make(t, &x, &k1, tok2);
	ck_assert_mem_ne(tok, tok2, TOKEN_LEN);
	ck_assert_int_eq(token_check(t, &x, &k1, tok2, TOKEN_LEN), 1);
	/* The one before the previous is dropped. */
	t_fill(&r, fresh, sizeof(fresh));
	token_rotate(t, fresh, 1000 + 2 * TOKEN_ROTATE_MS);
	ck_assert_int_eq(token_check(t, &x, &k1, tok, TOKEN_LEN), 0);
	ck_assert_int_eq(token_check(t, &x, &k1, tok2, TOKEN_LEN), 1);
	token_free(t);
}
END_TEST

START_TEST(test_peer_age)
{
	struct prng r = { 5 };
	struct token *t = t_new(&r, 0);
	const struct token_peer *p;
	uint8_t tok[WIRE_MAX_TOKEN];
	struct addr x, y;

	t_addr(&x, "10.0.0.1:7000");
	t_addr(&y, "[::1]:7000");
	memset(tok, 0x5c, sizeof(tok));
	ck_assert_ptr_null(token_peer_get(t, &x, &k1, 0));
	token_peer_put(t, &x, &k1, tok, 8, 100);
	token_peer_put(t, &y, &k1, tok, 0, 100);		/* empty: ignored */
	token_peer_put(t, &y, &k1, tok, WIRE_MAX_TOKEN + 1, 100);	/* too long */
	ck_assert_ptr_null(token_peer_get(t, &y, &k1, 100));
	p = token_peer_get(t, &x, &k1, 100 + TOKEN_PEER_MAX_AGE_MS - 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->len, 8);
	ck_assert_mem_eq(p->tok, tok, 8);
	/* Kept by address and key: none for another key. */
	ck_assert_ptr_null(token_peer_get(t, &x, &k2, 100));
	token_peer_put(t, &x, &k2, tok, 2, 100);
	ck_assert_uint_eq(token_peer_get(t, &x, &k2, 100)->len, 2);
	ck_assert_uint_eq(token_peer_get(t, &x, &k1, 100)->len, 8);
	token_peer_forget(t, &x, &k2);
	ck_assert_ptr_null(token_peer_get(t, &x, &k2, 100));
	ck_assert_ptr_nonnull(token_peer_get(t, &x, &k1, 100));
	ck_assert_ptr_null(token_peer_get(t, &x, &k1, 100 + TOKEN_PEER_MAX_AGE_MS));
	/* A new token from the same peer replaces the old, and its age. */
	tok[0] = 1;
	token_peer_put(t, &x, &k1, tok, 4, 100 + TOKEN_PEER_MAX_AGE_MS);
	p = token_peer_get(t, &x, &k1, 100 + TOKEN_PEER_MAX_AGE_MS);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->len, 4);
	ck_assert_uint_eq(p->tok[0], 1);
	token_free(t);
}
END_TEST

/*
 * Cookies: a function of the address alone under the same secrets; good
 * for one rotation (then "previous": the responder gives a fresh one),
 * gone after two; never the same bytes as, nor accepted as, a write token
 * of the address for any key, and the other way round.
 */
START_TEST(test_cookie)
{
	struct prng r = { 6 };
	struct token *t = t_new(&r, 0), *u = t_new(&r, 0);
	uint8_t c[TOKEN_COOKIE_LEN], c2[TOKEN_COOKIE_LEN], tok[TOKEN_LEN];
	uint8_t fresh[TOKEN_SECRET_LEN], pad[TOKEN_LEN];
	struct id zero;
	struct addr x, y, x6;

	t_addr(&x, "10.0.0.1:7000");
	t_addr(&y, "10.0.0.1:7001");
	t_addr(&x6, "[2001:db8::1]:7000");
	token_cookie(t, &x, c);
	token_cookie(t, &x, c2);
	ck_assert_mem_eq(c, c2, TOKEN_COOKIE_LEN);
	ck_assert_int_eq(token_cookie_check(t, &x, c, TOKEN_COOKIE_LEN),
	    TOKEN_COOKIE_CURRENT);
	ck_assert_int_eq(token_cookie_check(t, &y, c, TOKEN_COOKIE_LEN),
	    TOKEN_COOKIE_BAD);
	ck_assert_int_eq(token_cookie_check(t, &x6, c, TOKEN_COOKIE_LEN),
	    TOKEN_COOKIE_BAD);
	ck_assert_int_eq(token_cookie_check(u, &x, c, TOKEN_COOKIE_LEN),
	    TOKEN_COOKIE_BAD);
	ck_assert_int_eq(token_cookie_check(t, &x, c, TOKEN_COOKIE_LEN - 1),
	    TOKEN_COOKIE_BAD);
	ck_assert_int_eq(token_cookie_check(t, &x, c, 0), TOKEN_COOKIE_BAD);
	ck_assert_int_eq(token_cookie_check(t, &x, NULL, 0),
	    TOKEN_COOKIE_BAD);
	c2[7] ^= 0x80;
	ck_assert_int_eq(token_cookie_check(t, &x, c2, TOKEN_COOKIE_LEN),
	    TOKEN_COOKIE_BAD);
	/* Domains: a token is no cookie and a cookie no token. */
	memset(&zero, 0, sizeof(zero));
	token_make(t, &x, &zero, tok);
	ck_assert_mem_ne(tok, c, TOKEN_COOKIE_LEN);
	ck_assert_int_eq(token_cookie_check(t, &x, tok, TOKEN_COOKIE_LEN),
	    TOKEN_COOKIE_BAD);
	ck_assert_int_eq(token_cookie_check(t, &x, tok, TOKEN_LEN),
	    TOKEN_COOKIE_BAD);
	token_make(t, &x, &k1, tok);
	ck_assert_int_eq(token_cookie_check(t, &x, tok, TOKEN_COOKIE_LEN),
	    TOKEN_COOKIE_BAD);
	memset(pad, 0, sizeof(pad));
	memcpy(pad, c, TOKEN_COOKIE_LEN);
	ck_assert_int_eq(token_check(t, &x, &zero, pad, TOKEN_LEN), 0);
	ck_assert_int_eq(token_check(t, &x, &k1, pad, TOKEN_LEN), 0);
	ck_assert_int_eq(token_check(t, &x, &k1, c, TOKEN_COOKIE_LEN), 0);
	/* One rotation: still good, as the previous; two: gone. */
	t_fill(&r, fresh, sizeof(fresh));
	token_rotate(t, fresh, TOKEN_ROTATE_MS);
	ck_assert_int_eq(token_cookie_check(t, &x, c, TOKEN_COOKIE_LEN),
	    TOKEN_COOKIE_PREVIOUS);
	token_cookie(t, &x, c2);
	ck_assert_mem_ne(c, c2, TOKEN_COOKIE_LEN);
	ck_assert_int_eq(token_cookie_check(t, &x, c2, TOKEN_COOKIE_LEN),
	    TOKEN_COOKIE_CURRENT);
	t_fill(&r, fresh, sizeof(fresh));
	token_rotate(t, fresh, 2 * TOKEN_ROTATE_MS);
	ck_assert_int_eq(token_cookie_check(t, &x, c, TOKEN_COOKIE_LEN),
	    TOKEN_COOKIE_BAD);
	ck_assert_int_eq(token_cookie_check(t, &x, c2, TOKEN_COOKIE_LEN),
	    TOKEN_COOKIE_PREVIOUS);
	token_free(t);
	token_free(u);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("token");
	TCase *tc;

	tc = tcase_create("write");
	tcase_add_test(tc, test_make_check);
	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_cookie);
	suite_add_tcase(s, tc);

	tc = tcase_create("peers");
	tcase_add_test(tc, test_peer_age);
	suite_add_tcase(s, tc);
	return check_run(s);
}

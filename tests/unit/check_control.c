/*
 * check_control — the status counter table against docs/OPERATIONS.md in
 * both directions (same names, same help text, no strays), every wire
 * message type counted, and every enum dht_err value mapped to a distinct
 * protocol ErrorCode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.pb-c.h"
#include "check_util.h"
#include "control.h"
#include "dht.h"

#define DOC_PATH	"docs/OPERATIONS.md"
#define DOC_MAX_ROWS	256
#define DOC_LINE	1024

struct doc_row {
	char	name[64];
	char	help[DOC_LINE];
	int	seen;
};

static struct doc_row	rows[DOC_MAX_ROWS];
static size_t		nrows;

/* The rows "| `name` | help |" of the table after "| counter | meaning |". */
static void
doc_load(void)
{
	char line[DOC_LINE], *p, *q, *e;
	FILE *f;
	int in = 0;

	nrows = 0;
	f = fopen(DOC_PATH, "r");
	ck_assert_msg(f != NULL, "cannot open %s (run from the repo root)",
	    DOC_PATH);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "| counter | meaning |", 21) == 0) {
			in = 1;
			continue;
		}
		if (!in)
			continue;
		if (line[0] != '|')
			break;
		if (strncmp(line, "| ---", 5) == 0)
			continue;
		ck_assert_msg(strncmp(line, "| `", 3) == 0,
		    "counter row without a `name`: %s", line);
		p = line + 3;
		q = strchr(p, '`');
		ck_assert_msg(q != NULL && strncmp(q, "` | ", 4) == 0,
		    "one counter per row: %s", line);
		ck_assert_uint_lt((size_t)(q - p), sizeof(rows[0].name));
		ck_assert_uint_lt(nrows, DOC_MAX_ROWS);
		memcpy(rows[nrows].name, p, (size_t)(q - p));
		rows[nrows].name[q - p] = '\0';
		p = q + 4;
		e = p + strlen(p);
		while (e > p && (e[-1] == '\n' || e[-1] == ' '))
			e--;
		ck_assert_msg(e > p && e[-1] == '|', "row not closed: %s", line);
		e--;
		while (e > p && e[-1] == ' ')
			e--;
		memcpy(rows[nrows].help, p, (size_t)(e - p));
		rows[nrows].help[e - p] = '\0';
		rows[nrows].seen = 0;
		nrows++;
	}
	fclose(f);
	ck_assert_msg(nrows > 0, "no counter table in %s", DOC_PATH);
}

START_TEST(test_counters_documented)
{
	const char *name, *help;
	size_t i, j;

	doc_load();
	for (i = 0; (name = control_counter_name(i, &help)) != NULL; i++) {
		for (j = 0; j < nrows; j++)
			if (strcmp(rows[j].name, name) == 0)
				break;
		ck_assert_msg(j < nrows, "counter %s is not in %s; add:\n"
		    "| `%s` | %s |", name, DOC_PATH, name, help);
		ck_assert_msg(!rows[j].seen, "%s twice in the table", name);
		rows[j].seen = 1;
		ck_assert_msg(strcmp(rows[j].help, help) == 0,
		    "%s: %s says \"%s\", the table \"%s\"", name, DOC_PATH,
		    rows[j].help, help);
	}
	for (j = 0; j < nrows; j++)
		ck_assert_msg(rows[j].seen, "%s documents %s, which emod does "
		    "not publish", DOC_PATH, rows[j].name);
}
END_TEST

static int
counter_exists(const char *want)
{
	const char *name;
	size_t i;

	for (i = 0; (name = control_counter_name(i, NULL)) != NULL; i++)
		if (strcmp(name, want) == 0)
			return 1;
	return 0;
}

START_TEST(test_every_message_counted)
{
	char buf[64];
	const char *m;
	unsigned t;

	for (t = 0; t < 16; t++) {
		if ((m = dht_msg_name(t)) == NULL)
			continue;
		snprintf(buf, sizeof(buf), "rx_%s", m);
		ck_assert_msg(counter_exists(buf), "no counter %s", buf);
		snprintf(buf, sizeof(buf), "tx_%s", m);
		ck_assert_msg(counter_exists(buf), "no counter %s", buf);
	}
}
END_TEST

START_TEST(test_error_codes)
{
	int seen[64] = { 0 };
	int code;
	unsigned e;

	ck_assert_int_eq(control_error_code(DHT_OK),
	    EMO__CTL__ERROR_CODE__ERR_NONE);
	for (e = 1; e < DHT_ERR_COUNT; e++) {
		code = control_error_code((enum dht_err)e);
		ck_assert_msg(code != EMO__CTL__ERROR_CODE__ERR_NONE,
		    "enum dht_err %u has no ErrorCode", e);
		ck_assert_int_lt(code, 64);
		ck_assert_msg(!seen[code], "ErrorCode %d mapped twice", code);
		seen[code] = 1;
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("tables");

	tcase_add_test(tc, test_counters_documented);
	tcase_add_test(tc, test_every_message_counted);
	tcase_add_test(tc, test_error_codes);
	suite_add_tcase(s, tc);
	return check_run(s);
}

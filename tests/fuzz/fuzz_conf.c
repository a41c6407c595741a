/*
 * fuzz_conf — libFuzzer target for the config parser (conf_load_stream):
 * any bytes must load or be refused with a "NAME:LINE: " reason, and what
 * loads must validate or not, print, and load back to the same text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_impl.h"

#define FUZZ_NAME	"fuzz.conf"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* conf_print into a malloc'd string. */
static char *
fuzz_print(const struct conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		abort();
	conf_print(c, fp);
	if (fclose(fp) != 0)
		abort();
	return buf;
}

static int
fuzz_load(struct conf *c, const void *data, size_t size, char *err,
    size_t errlen)
{
	FILE *fp;
	int rv;

	conf_defaults(c);
	/* Read-only: fmemopen's buffer argument is not const. */
	if ((fp = fmemopen((void *)(uintptr_t)data, size, "r")) == NULL)
		abort();
	rv = conf_load_stream(c, fp, FUZZ_NAME, err, errlen);
	fclose(fp);
	return rv;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char empty[1];
	struct conf *a, *b;
	char err[512], *pa, *pb;
	const char *why;

	/* Zeroed: a conf that holds nothing, for conf_free. */
	if ((a = calloc(1, sizeof(*a))) == NULL || (b = calloc(1,
	    sizeof(*b))) == NULL)
		abort();
	if (fuzz_load(a, size ? (const void *)data : empty, size, err,
	    sizeof(err)) == -1) {
		if (strncmp(err, FUZZ_NAME ":", strlen(FUZZ_NAME ":")) != 0)
			abort();
		goto done;
	}
	(void)conf_validate(a, &why);
	pa = fuzz_print(a);
	if (fuzz_load(b, pa, strlen(pa), err, sizeof(err)) == -1)
		abort();		/* conf_print wrote what we cannot read */
	pb = fuzz_print(b);
	if (strcmp(pa, pb) != 0 || conf_diff(a, b, NULL, 0) != 0)
		abort();
	free(pa);
	free(pb);
done:
	conf_free(a);
	conf_free(b);
	free(a);
	free(b);
	return 0;
}

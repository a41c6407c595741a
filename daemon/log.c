/*
 * log — messages to stderr, OpenBSD style.  The verbosity is the daemon's
 * only global mutable state.  When stderr is connected to the journal
 * ($JOURNAL_STREAM), lines carry sd-daemon <N> priority prefixes instead
 * of a program name, so journald files them at the right level.
 */
#include <sys/stat.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

static int		 log_level = LOG_LEVEL_INFO;
static const char	*log_prog = "emod";
static int		 log_journal;

static const char *const log_names[] = { "warn", "info", "debug" };

/* $JOURNAL_STREAM is "DEV:INODE" of the stream journald gave us. */
static int
log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(2, &sb) == -1)
		return 0;
	return (unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino;
}

void
log_init(int level, const char *progname)
{
	log_level = level;
	if (progname != NULL)
		log_prog = progname;
	log_journal = log_stderr_is_journal();
}

void
log_setlevel(int level)
{
	if (level >= LOG_LEVEL_WARN && level <= LOG_LEVEL_DEBUG)
		log_level = level;
}

int
log_getlevel(void)
{
	return log_level;
}

const char *
log_level_name(int level)
{
	if (level < LOG_LEVEL_WARN || level > LOG_LEVEL_DEBUG)
		return "unknown";
	return log_names[level];
}

int
log_level_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcasecmp(name, log_names[i]) == 0)
			return (int)i;
	if (strcasecmp(name, "warning") == 0)
		return LOG_LEVEL_WARN;
	return -1;
}

/* sd-daemon priorities: 3 err, 4 warning, 6 info, 7 debug. */
static void
log_vwrite(int prio, const char *emsg, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal)
		fprintf(stderr, "<%d>", prio);
	else
		fprintf(stderr, "%s: ", log_prog);
	if (emsg != NULL)
		fprintf(stderr, "%s: %s\n", msg, emsg);
	else
		fprintf(stderr, "%s\n", msg);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite(4, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(4, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_LEVEL_INFO)
		return;
	va_start(ap, fmt);
	log_vwrite(6, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_LEVEL_DEBUG)
		return;
	va_start(ap, fmt);
	log_vwrite(7, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite(3, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(3, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

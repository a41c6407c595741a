/*
 * log — messages to stderr, OpenBSD style.  The verbosity (and the
 * rate-limited lines' memory) is the daemon's only global mutable state.
 * When stderr is connected to the journal ($JOURNAL_STREAM), lines carry
 * sd-daemon <N> priority prefixes instead of a program name, so journald
 * files them at the right level and adds the time; anywhere else each
 * line starts with the UTC time to the millisecond.
 */
#include <sys/stat.h>
#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"

static int		 log_level = LOG_LEVEL_INFO;
static const char	*log_prog = "emod";
static int		 log_journal;

static const char *const log_names[] = { "warn", "info", "debug" };

/* log_debug_rl's memory: one slot per format string (call site). */
struct log_rl {
	const char	*fmt;
	int64_t		 last_ms;	/* monotonic: the last line written */
	uint64_t	 suppressed;	/* since then */
};
static struct log_rl	 log_rls[LOG_RL_SLOTS];

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
	char msg[1024], when[40];
	struct timespec ts;
	struct tm tm;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal)
		fprintf(stderr, "<%d>%s%s%s\n", prio, msg, emsg ? ": " : "",
		    emsg ? emsg : "");
	else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s: %s%s%s\n", when,
		    ts.tv_nsec / 1000000, log_prog, msg, emsg ? ": " : "",
		    emsg ? emsg : "");
	}
}

static void __attribute__((format(printf, 2, 3)))
log_write(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(prio, NULL, fmt, ap);
	va_end(ap);
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

static int64_t
log_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One rate-limited line at syslog priority prio (see log_debug_rl). */
static void
log_vrl(int prio, const char *fmt, va_list ap)
{
	struct log_rl *rl = NULL;
	char msg[900];
	int64_t now;
	size_t i;

	now = log_mono_ms();
	for (i = 0; i < LOG_RL_SLOTS && rl == NULL; i++)
		if (log_rls[i].fmt == fmt || log_rls[i].fmt == NULL)
			rl = &log_rls[i];
	if (rl == NULL)			/* more call sites than slots */
		rl = &log_rls[(uintptr_t)fmt / 8 % LOG_RL_SLOTS];
	if (rl->fmt == fmt && now - rl->last_ms < LOG_RL_INTERVAL_MS) {
		rl->suppressed++;
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (rl->fmt == fmt && rl->suppressed > 0)
		log_write(prio, "%s (and %llu more like it in %lld s)", msg,
		    (unsigned long long)rl->suppressed,
		    (long long)((now - rl->last_ms) / 1000));
	else
		log_write(prio, "%s", msg);
	rl->fmt = fmt;
	rl->last_ms = now;
	rl->suppressed = 0;
}

void
log_debug_rl(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_LEVEL_DEBUG)
		return;
	va_start(ap, fmt);
	log_vrl(7, fmt, ap);
	va_end(ap);
}

void
log_warnx_rl(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vrl(4, fmt, ap);
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

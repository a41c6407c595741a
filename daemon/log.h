/*
 * log — the daemon's only global state: verbosity and where messages go
 * (stderr, with sd-daemon <N> priority prefixes when stderr is the journal).
 */
#ifndef EMO_LOG_H
#define EMO_LOG_H

enum log_level {
	LOG_LEVEL_WARN = 0,
	LOG_LEVEL_INFO = 1,
	LOG_LEVEL_DEBUG = 2,
};

void	log_init(int level, const char *progname);
void	log_setlevel(int level);
int	log_getlevel(void);
const char *log_level_name(int level);
int	log_level_parse(const char *name);	/* -1 if unknown */

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * log_debug, at most one line per format string (call site) per
 * LOG_RL_INTERVAL_MS, the next one saying how many were left out.  For
 * events that can repeat per packet (quota, rate limits, evictions).
 */
#define LOG_RL_INTERVAL_MS	10000
#define LOG_RL_SLOTS		64
void	log_debug_rl(const char *, ...) __attribute__((format(printf, 1, 2)));
/* log_warnx, rate-limited the same way: for damage found on every read. */
void	log_warnx_rl(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif

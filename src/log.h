/*
 * log.h - the one logging module of lvsd.
 *
 * A logger writes one line per message to a file (opened O_APPEND so that
 * logrotate's copytruncate and our own reopen both work), to syslog, or to
 * stderr, and optionally to stderr as well when running in the foreground.
 * The logger is an object owned by the daemon context, not a global, so
 * tests and tools can have their own.
 */
#ifndef LVSD_LOG_H
#define LVSD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARNING,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

enum log_target {
	LOG_TO_STDERR,
	LOG_TO_FILE,
	LOG_TO_SYSLOG,
};

struct logger {
	enum log_level level;
	enum log_target target;
	bool also_stderr;	/* -n: a foreground daemon echoes to stderr */
	enum log_level stderr_max; /* the least severe level stderr gets */
	int fd;			/* LOG_TO_FILE only, else -1 */
	char *path;		/* LOG_TO_FILE only */
	const char *ident;
};

/* Initialise to stderr at info level; always succeeds. */
void logger_init(struct logger *lg, const char *ident);

/*
 * Point the logger at `target` ("stderr", "syslog" or a file path).
 * Returns 0, or -1 with a reason in err; on failure the logger is unchanged.
 */
int logger_set_target(struct logger *lg, const char *target, char *err,
		      size_t errlen);

/* Reopen the log file (SIGUSR2, after logrotate moved it). 0 or -1. */
int logger_reopen(struct logger *lg, char *err, size_t errlen);

void logger_close(struct logger *lg);

/* A monotonic clock in ms: the durations that log lines report are its differences. */
static inline double log_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void log_msg(struct logger *lg, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_vmsg(struct logger *lg, enum log_level level, const char *fmt,
	      va_list ap) __attribute__((format(printf, 3, 0)));

/*
 * The level is tested before the arguments are evaluated: a debug line
 * per connection formats addresses for nothing otherwise, on the
 * forwarding core's hottest path. lg is evaluated twice.
 */
#define log_at(lg, lvl, ...) \
	((lvl) <= (lg)->level ? log_msg((lg), (lvl), __VA_ARGS__) : (void)0)
#define log_error(lg, ...)   log_at((lg), LOG_LVL_ERROR, __VA_ARGS__)
#define log_warning(lg, ...) log_at((lg), LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(lg, ...)  log_at((lg), LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(lg, ...)    log_at((lg), LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(lg, ...)   log_at((lg), LOG_LVL_DEBUG, __VA_ARGS__)

/* "error", "warning", ...; the names the configuration uses. */
const char *log_level_name(enum log_level level);
/* 0 and *out set, or -1 if `name` is not a level. */
int log_level_parse(const char *name, enum log_level *out);

#endif

/*
 * log.c - one line per message, to a file, syslog or stderr.
 *
 * Each line is formatted whole into a stack buffer and written with one
 * write(2) so that concurrent writers (a notify script appending to the
 * same file, say) never interleave inside a line.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *const level_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARNING] = "warning",
	[LOG_LVL_NOTICE] = "notice",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

static const int syslog_prio[] = {
	[LOG_LVL_ERROR] = LOG_ERR,
	[LOG_LVL_WARNING] = LOG_WARNING,
	[LOG_LVL_NOTICE] = LOG_NOTICE,
	[LOG_LVL_INFO] = LOG_INFO,
	[LOG_LVL_DEBUG] = LOG_DEBUG,
};

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "?";
	return level_names[level];
}

int log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void logger_init(struct logger *lg, const char *ident)
{
	lg->level = LOG_LVL_INFO;
	lg->target = LOG_TO_STDERR;
	lg->also_stderr = false;
	lg->stderr_max = LOG_LVL_DEBUG;
	lg->fd = -1;
	lg->path = NULL;
	lg->ident = ident;
}

static int open_log_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0)
		snprintf(err, errlen, "cannot open log file %s: %s", path,
			 strerror(errno));
	return fd;
}

int logger_set_target(struct logger *lg, const char *target, char *err,
		      size_t errlen)
{
	int fd = -1;
	char *path = NULL;
	enum log_target kind;

	if (strcmp(target, "stderr") == 0) {
		kind = LOG_TO_STDERR;
	} else if (strcmp(target, "syslog") == 0) {
		kind = LOG_TO_SYSLOG;
	} else {
		kind = LOG_TO_FILE;
		fd = open_log_file(target, err, errlen);
		if (fd < 0)
			return -1;
		path = strdup(target);
		if (!path) {
			close(fd);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	logger_close(lg);
	lg->target = kind;
	lg->fd = fd;
	lg->path = path;
	if (kind == LOG_TO_SYSLOG)
		openlog(lg->ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	return 0;
}

int logger_reopen(struct logger *lg, char *err, size_t errlen)
{
	int fd;

	if (lg->target != LOG_TO_FILE)
		return 0;
	fd = open_log_file(lg->path, err, errlen);
	if (fd < 0)
		return -1;
	/* dup2 keeps the descriptor number, so nothing else holds a stale one. */
	if (dup2(fd, lg->fd) < 0) {
		snprintf(err, errlen, "cannot reopen log file %s: %s", lg->path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void logger_close(struct logger *lg)
{
	if (lg->target == LOG_TO_FILE && lg->fd >= 0)
		close(lg->fd);
	if (lg->target == LOG_TO_SYSLOG)
		closelog();
	free(lg->path);
	lg->path = NULL;
	lg->fd = -1;
	lg->target = LOG_TO_STDERR;
}

static size_t format_stamp(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	size_t n;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, len - n, ".%03ld", (long)tv.tv_usec / 1000);
	return n;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* nowhere left to report a logging failure */
		buf += n;
		len -= (size_t)n;
	}
}

void log_vmsg(struct logger *lg, enum log_level level, const char *fmt,
	      va_list ap)
{
	char line[4096];
	char stamp[40];
	int head, body;

	if (level > lg->level)
		return;
	if (lg->target == LOG_TO_SYSLOG) {
		va_list copy;

		va_copy(copy, ap);
		vsyslog(syslog_prio[level], fmt, copy);
		va_end(copy);
		if (!lg->also_stderr)
			return;
	}
	format_stamp(stamp, sizeof(stamp));
	head = snprintf(line, sizeof(line), "%s %s[%ld]: %s: ", stamp,
			lg->ident, (long)getpid(), log_level_name(level));
	body = vsnprintf(line + head, sizeof(line) - (size_t)head - 1, fmt, ap);
	if (body < 0)
		body = 0;
	if ((size_t)(head + body) > sizeof(line) - 2)
		body = (int)(sizeof(line) - 2) - head;	/* truncated */
	line[head + body] = '\n';
	if (lg->target == LOG_TO_FILE && lg->fd >= 0)
		write_all(lg->fd, line, (size_t)(head + body + 1));
	if ((lg->target == LOG_TO_STDERR || lg->also_stderr) && level <= lg->stderr_max)
		write_all(STDERR_FILENO, line, (size_t)(head + body + 1));
}

void log_msg(struct logger *lg, enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lg, level, fmt, ap);
	va_end(ap);
}

/*
 * spawn.h - run a program from lvsd's event loop: script checks, notify
 * scripts (notify_up/notify_down, VRRP notify), tracked scripts.
 *
 * A command is a string split into words without a shell (cmd_split):
 * no variables, no globs, no PATH search; its first word must be an
 * absolute path. The program runs in / in its own process group, with
 * stdin from /dev/null, stdout and stderr into one pipe that lvsd drains
 * (so a chatty program never blocks), no other descriptor, default
 * signal dispositions and an empty signal mask, optionally as another
 * user. When it has ended, the done callback gets how it ended and the
 * first line it wrote. A timeout, or spawn_cancel(), kills the whole
 * process group. Reaping uses a pidfd watched by the event loop: there
 * is no SIGCHLD handler and no global state, so any number of event
 * loops may spawn at once.
 */
#ifndef LVSD_SPAWN_H
#define LVSD_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmd.h"

struct event_base;
struct spawn;

/* The most of the program's first output line a result keeps. */
#define SPAWN_LINE_MAX 200

struct spawn_result {
	bool exited;		/* it called exit: code is its status */
	int code;
	int signal;		/* !exited: the signal that killed it */
	bool timed_out;		/* killed because the timeout passed */
	/*
	 * The first line it wrote on stdout or stderr, without the newline,
	 * cut at SPAWN_LINE_MAX bytes, tabs turned into spaces and other
	 * unprintable bytes into '?', so it can go into a log line as is.
	 */
	char line[SPAWN_LINE_MAX + 1];
};

struct spawn_args {
	const char *cmd;		/* "/usr/local/bin/check-db --quick" */
	const char *const *extra;	/* appended words, NULL-terminated; or NULL */
	/* run_as: drop to uid/gid, with gid as the only group; failing that, the run fails. */
	bool run_as;
	uid_t uid;
	gid_t gid;
	uint64_t timeout_ms;		/* then the process group is killed; 0: none */
	/* Called once, from the event loop, after the spawn was freed. */
	void (*done)(void *arg, const struct spawn_result *r);
	void *arg;
};

/*
 * Start a program on `base`. Returns the running spawn, or NULL with err
 * (bad command, no pipe, no fork). A program that cannot be run once
 * forked (exec or setuid failed) is not an error here: it exits 127 and
 * its line says why ("exec /bin/nope: No such file or directory").
 * `done` is never called from inside spawn_start().
 */
struct spawn *spawn_start(struct event_base *base, const struct spawn_args *a,
			  char *err, size_t errlen);

/*
 * Kill the process group and forget the spawn: done is not called. The
 * spawn frees itself once the event loop has reaped the process; run
 * the loop a little before freeing the base, or that reap is lost.
 * Only for a spawn whose done has not been called yet.
 */
void spawn_cancel(struct spawn *s);

/* The process id (and process group id) of a running spawn. */
pid_t spawn_pid(const struct spawn *s);

#endif

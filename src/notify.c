/*
 * notify.c - fire-and-forget notify scripts (see notify.h).
 *
 * Nobody waits for a notify script: a transition has happened and the
 * table has moved on. What matters is that the script runs with the
 * same rules as a script check (no shell, script_user, its own process
 * group), that a hung one is killed, and that how it ended is in the log
 * next to the transition that started it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"
#include "spawn.h"

struct notify_run {
	struct logger *log;
	char what[];
};

static void on_notify_done(void *arg, const struct spawn_result *r)
{
	struct notify_run *n = arg;

	if (r->exited && r->code == 0)
		log_info(n->log, "%s: exit 0", n->what);
	else if (r->exited)
		log_warning(n->log, "%s: exit %d%s%s", n->what, r->code, r->line[0] ? ": " : "",
			    r->line);
	else
		log_warning(n->log, "%s: killed by signal %d%s", n->what, r->signal,
			    r->timed_out ? " after its time limit" : "");
	free(n);
}

void notify_run(const struct check_env *env, const char *what, const char *cmd,
		const char *const *extra)
{
	struct spawn_args a = {
		.cmd = cmd, .extra = extra, .run_as = env->run_as,
		.uid = env->script_uid, .gid = env->script_gid,
		.timeout_ms = NOTIFY_TIMEOUT_MS, .done = on_notify_done,
	};
	size_t len = strlen(what) + 1;
	struct notify_run *n = malloc(sizeof(*n) + len);
	char err[256];

	if (!n) {
		log_error(env->log, "%s: cannot run %s: out of memory", what, cmd);
		return;
	}
	n->log = env->log;
	memcpy(n->what, what, len);
	a.arg = n;
	if (!spawn_start(env->base, &a, err, sizeof(err))) {
		log_error(env->log, "%s: cannot run %s: %s", what, cmd, err);
		free(n);
		return;
	}
	log_info(env->log, "%s: running %s", what, cmd);
}

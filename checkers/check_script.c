/*
 * check_script.c - the script transport: a probe runs the configured
 * program with the real server's IP and port as its last two arguments,
 * as global.script_user, and its exit status is the verdict: 0 is up,
 * anything else down, with the first line the program wrote as the
 * reason. The program gets no deadline of its own: the engine's timeout
 * covers it, and cancelling the probe kills its whole process group.
 */
#include "config.h"

#include <stdio.h>

#include "check.h"
#include "spawn.h"

static void script_done(void *arg, const struct spawn_result *r)
{
	struct check_probe *p = arg;

	/* The spawn freed itself before calling: nothing of the probe's is left. */
	p->run = NULL;
	if (r->exited && r->code == 0)
		check_probe_done(p, true, "exit 0");
	else if (r->exited && r->line[0])
		check_probe_done(p, false, "exit %d: %s", r->code, r->line);
	else if (r->exited)
		check_probe_done(p, false, "exit %d", r->code);
	else
		check_probe_done(p, false, "killed by signal %d", r->signal);
}

static int script_start(struct check_probe *p, char *why, size_t whylen)
{
	char ip[ADDR_STRLEN], port[8];
	const char *const extra[] = { ip, port, NULL };
	struct spawn_args a = {
		.cmd = p->conf->script,
		.extra = extra,
		.run_as = p->env->run_as,
		.uid = p->env->script_uid,
		.gid = p->env->script_gid,
		.timeout_ms = 0,
		.done = script_done,
		.arg = p,
	};

	if (!p->conf->script) {
		snprintf(why, whylen, "no script configured");
		return -1;
	}
	addr_format_ip(&p->real_server, ip, sizeof(ip));
	snprintf(port, sizeof(port), "%u", (unsigned)p->real_server.port);
	p->phase = "running the script";
	/* spawn_start copies the words it needs: ip and port may go with this frame. */
	p->run = spawn_start(p->env->base, &a, why, whylen);
	return p->run ? 0 : -1;
}

static void script_cancel(struct check_probe *p)
{
	spawn_cancel(p->run);
	p->run = NULL;
}

const struct check_transport check_script_transport = {
	.name = "script",
	.start = script_start,
	.cancel = script_cancel,
};

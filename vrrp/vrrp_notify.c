/*
 * vrrp_notify.c - the notify scripts of VRRP transitions (notify: master,
 * backup, fault, stop), run one at a time in the order of the transitions
 * that queued them, so a script that sees BACKUP never runs after the
 * MASTER that followed it; each gets the instance's name, the new state
 * and the priority as arguments, runs as global.script_user, and is
 * killed after a minute.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spawn.h"
#include "vrrp_priv.h"

#define VRRP_NOTIFY_TIMEOUT_MS 60000

static void notify_next(struct vrrp_engine *e);

void vrrp_notify_free(struct vrrp_notify *n)
{
	free(n->cmd);
	for (size_t i = 0; i < 3; i++)
		free(n->args[i]);
	free(n);
}

static void on_notify_done(void *arg, const struct spawn_result *r)
{
	struct vrrp_engine *e = arg;
	struct vrrp_notify *n = TAILQ_FIRST(&e->notifies);

	if (n) {
		if (r->exited && r->code == 0)
			log_info(e->log, "%s: exit 0", n->what);
		else if (r->exited)
			log_warning(e->log, "%s: exit %d%s%s", n->what, r->code,
				    r->line[0] ? ": " : "", r->line);
		else
			log_warning(e->log, "%s: killed by signal %d%s", n->what, r->signal,
				    r->timed_out ? " after its time limit" : "");
		TAILQ_REMOVE(&e->notifies, n, entry);
		vrrp_notify_free(n);
	}
	e->notify_running = false;
	notify_next(e);
}

static void notify_next(struct vrrp_engine *e)
{
	struct vrrp_notify *n;
	char err[256];

	while (!e->notify_running && (n = TAILQ_FIRST(&e->notifies)) != NULL) {
		struct spawn_args a = {
			.cmd = n->cmd, .extra = (const char *const *)n->args,
			.run_as = e->env->run_as, .uid = e->env->script_uid, .gid = e->env->script_gid,
			.timeout_ms = VRRP_NOTIFY_TIMEOUT_MS, .done = on_notify_done, .arg = e,
		};

		if (spawn_start(e->base, &a, err, sizeof(err))) {
			e->notify_running = true;
			log_info(e->log, "%s: running %s", n->what, n->cmd);
			return;
		}
		log_error(e->log, "%s: cannot run %s: %s", n->what, n->cmd, err);
		TAILQ_REMOVE(&e->notifies, n, entry);
		vrrp_notify_free(n);
	}
}

void vrrp_engine_notify(struct vrrp_engine *e, const struct vrrp_inst *in, enum vrrp_state st)
{
	const struct cfg_notify *c = &in->conf->notify;
	const char *cmd = st == VRRP_MASTER ? c->master : st == VRRP_BACKUP ? c->backup
			: st == VRRP_FAULT ? c->fault : c->stop;
	struct vrrp_notify *n;
	char prio[8];

	if (!cmd || !(n = calloc(1, sizeof(*n))))
		return;
	snprintf(prio, sizeof(prio), "%u", in->fsm.priority);
	n->cmd = strdup(cmd);
	n->args[0] = strdup(in->conf->name);
	/* Leaving for INIT is the instance stopping: keepalived's users know it as STOP. */
	n->args[1] = strdup(st == VRRP_INIT ? "STOP" : vrrp_state_names[st]);
	n->args[2] = strdup(prio);
	snprintf(n->what, sizeof(n->what), "VRRP %s notify %s", in->conf->name,
		 st == VRRP_INIT ? "STOP" : vrrp_state_names[st]);
	if (!n->cmd || !n->args[0] || !n->args[1] || !n->args[2]) {
		log_error(e->log, "%s: out of memory", n->what);
		vrrp_notify_free(n);
		return;
	}
	TAILQ_INSERT_TAIL(&e->notifies, n, entry);
	notify_next(e);
}

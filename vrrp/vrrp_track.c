/*
 * vrrp_track.c - track_scripts: programs an instance runs every
 * `interval` (as global.script_user, killed at `timeout`) whose exit
 * status says whether this director should serve.
 *
 * A script turns failed after `fall` failures in a row and OK after
 * `rise` successes, as a health check does, so one slow run does not
 * move the VIPs. What a state means follows keepalived: a negative
 * weight is added to the priority while the script fails, a positive
 * one while it succeeds, and no weight makes a failing script a fault.
 * A script starts OK: a director is not demoted before its scripts had
 * a chance to run.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spawn.h"
#include "vrrp_priv.h"

struct vrrp_track_script {
	struct vrrp_inst *in;
	const struct cfg_track_script *conf;
	struct event timer;
	struct spawn *running;
	bool ok;
	uint32_t passes, failures;
};

static void arm(struct vrrp_track_script *t, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	event_add(&t->timer, &tv);
}

static void on_done(void *arg, const struct spawn_result *r)
{
	struct vrrp_track_script *t = arg;
	bool passed = r->exited && r->code == 0, changed = false;
	struct vrrp_inst *in = t->in;

	t->running = NULL;
	if (passed) {
		t->failures = 0;
		t->passes++;
		changed = !t->ok && t->passes >= t->conf->rise;
	} else {
		t->passes = 0;
		t->failures++;
		changed = t->ok && t->failures >= t->conf->fall;
	}
	arm(t, t->conf->interval);
	if (!changed)
		return;
	t->ok = passed;
	if (passed)
		log_notice(in->e->log, "VRRP %s: track script %s: OK again", in->conf->name,
			   t->conf->script);
	else if (r->exited)
		log_warning(in->e->log, "VRRP %s: track script %s: failed (exit %d%s%s)",
			    in->conf->name, t->conf->script, r->code, r->line[0] ? ": " : "",
			    r->line);
	else
		log_warning(in->e->log, "VRRP %s: track script %s: failed (%s)", in->conf->name,
			    t->conf->script, r->timed_out ? "timed out" : "killed by a signal");
	vrrp_engine_reevaluate(in->e, in);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct vrrp_track_script *t = arg;
	const struct check_env *env = t->in->e->env;
	struct spawn_args a = {
		.cmd = t->conf->script, .run_as = env->run_as, .uid = env->script_uid,
		.gid = env->script_gid, .timeout_ms = t->conf->timeout, .done = on_done, .arg = t,
	};
	char err[256];

	(void)fd;
	(void)what;
	t->running = spawn_start(t->in->e->base, &a, err, sizeof(err));
	if (!t->running) {
		struct spawn_result r = { .exited = true, .code = 127 };

		snprintf(r.line, sizeof(r.line), "%.200s", err);
		on_done(t, &r);
	}
}

void vrrp_track_start(struct vrrp_inst *in)
{
	size_t n = in->conf->n_track_scripts;

	in->scripts = n ? calloc(n, sizeof(*in->scripts)) : NULL;
	in->n_scripts = in->scripts ? n : 0;
	if (n && !in->scripts)
		log_error(in->e->log, "VRRP %s: out of memory for track scripts", in->conf->name);
	for (size_t i = 0; i < in->n_scripts; i++) {
		struct vrrp_track_script *t = &in->scripts[i];

		t->in = in;
		t->conf = &in->conf->track_scripts[i];
		t->ok = true;
		evtimer_assign(&t->timer, in->e->base, on_timer, t);
		arm(t, 0);
	}
}

void vrrp_track_stop(struct vrrp_inst *in)
{
	for (size_t i = 0; i < in->n_scripts; i++) {
		event_del(&in->scripts[i].timer);
		if (in->scripts[i].running)
			spawn_cancel(in->scripts[i].running);
	}
	free(in->scripts);
	in->scripts = NULL;
	in->n_scripts = 0;
}

static bool same_script(const struct cfg_track_script *a, const struct cfg_track_script *b)
{
	return strcmp(a->script, b->script) == 0 && a->interval == b->interval &&
	       a->timeout == b->timeout && a->weight == b->weight && a->rise == b->rise &&
	       a->fall == b->fall;
}

/* A reload: the same scripts keep their state; any difference starts them afresh. */
void vrrp_track_reconf(struct vrrp_inst *in, const struct cfg_vrrp *now)
{
	bool same = now->n_track_scripts == in->n_scripts;

	for (size_t i = 0; same && i < in->n_scripts; i++)
		same = same_script(in->scripts[i].conf, &now->track_scripts[i]);
	if (same) {
		for (size_t i = 0; i < in->n_scripts; i++)
			in->scripts[i].conf = &now->track_scripts[i];
		return;
	}
	vrrp_track_stop(in);
	in->conf = now;
	vrrp_track_start(in);
}

int32_t vrrp_track_weight(const struct vrrp_inst *in)
{
	int32_t w = 0;

	for (size_t i = 0; i < in->n_scripts; i++) {
		const struct vrrp_track_script *t = &in->scripts[i];

		if ((t->conf->weight < 0 && !t->ok) || (t->conf->weight > 0 && t->ok))
			w += t->conf->weight;
	}
	return w;
}

bool vrrp_track_fault(const struct vrrp_inst *in)
{
	for (size_t i = 0; i < in->n_scripts; i++)
		if (in->scripts[i].conf->weight == 0 && !in->scripts[i].ok)
			return true;
	return false;
}

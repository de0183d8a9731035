/*
 * lvsd_reload.c - the daemon's configuration changes: a reload (read and
 * validate the whole file, sync the checks, VRRP, logging and metrics to
 * it, then apply the difference; a bad file changes nothing and says why)
 * and the passes that make the forwarding core's table what the running
 * model says, after a reload, a health change, a drain tick or on the
 * kernel core's repair timer.
 */
#include "config.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auto_reload.h"
#include "fwd.h"
#include "lvsd.h"
#include "metrics.h"
#include "reconcile.h"
#include "status_file.h"
#include "vrrp_engine.h"

/* While real servers drain, the table is looked at this often. */
#define DRAIN_TICK_MS 500

/*
 * How a pass learns what the core holds: KNOWN diffs against what the
 * core remembers (a reload, a health change: the edit goes out at once);
 * FULL reads the table back (start, drain ticks: they need connection
 * counts); REPAIR is FULL on the kernel core's timer, where a change means
 * someone else changed lvsd's services.
 */
enum apply_pass { APPLY_KNOWN, APPLY_FULL, APPLY_REPAIR };

/* Make the core's table what the running model says; log what changed. */
static void apply(struct lvsd *ctx, const struct cfg *prev, enum apply_pass pass,
		  struct fwd_table *t, double read_ms)
{
	static const struct timeval tick = { 0, DRAIN_TICK_MS * 1000 };
	struct reconcile_view view = health_view(&ctx->health);
	const struct reconcile_view *v = ctx->health_ready ? &view : NULL;
	struct reconcile_result *r = &ctx->last_apply;
	bool changed, repair = pass == APPLY_REPAIR, read_back = pass != APPLY_KNOWN;
	int rc;

	view.drain = &ctx->drain;
	if (ctx->fwd->ops->set_max_conns)
		ctx->fwd->ops->set_max_conns(ctx->fwd, ctx->cfg->global.max_conns);
	if (t)
		rc = reconcile_table(ctx->fwd, ctx->cfg, v, &ctx->log, r, t, read_ms);
	else
		rc = (pass != APPLY_KNOWN ? reconcile : prev ? reconcile_reload : reconcile_known)
			(ctx->fwd, ctx->cfg, prev, v, &ctx->log, r);
	if (rc < 0 && pass == APPLY_KNOWN && ctx->fwd->ops->table_known) {
		/* Perhaps the kernel is not as lvsd last knew it: read it back and try again. */
		log_debug(&ctx->log, "forwarding table: changes refused against the table as "
			  "lvsd last read it; reading it back and trying again");
		read_back = true;
		rc = reconcile(ctx->fwd, ctx->cfg, prev, v, &ctx->log, r);
	}
	changed = r->services_added || r->services_changed || r->services_removed ||
		  r->dests_added || r->dests_changed || r->dests_removed;
	/* Health changes reconcile often; a pass that changed nothing is not news. */
	log_msg(&ctx->log, changed || r->new_failures ? LOG_LVL_INFO : LOG_LVL_DEBUG,
		"%s: services +%u ~%u -%u, real servers +%u ~%u -%u%s",
		repair && changed ? "the kernel's table differed from lvsd's (changed outside "
				    "lvsd?); put back" : "forwarding table",
		r->services_added, r->services_changed, r->services_removed, r->dests_added,
		r->dests_changed, r->dests_removed, rc < 0 ? "; some changes failed (see above)" : "");
	log_debug(&ctx->log, "forwarding table: read in %.1f ms (%s), diff and edits in %.1f ms",
		  r->ms_table, t ? "read back in steps" : read_back ? "read back" : "as last known",
		  r->ms_apply);
	if (changed)
		status_file_changed(ctx->status_file);
	if (drain_count(&ctx->drain) && ctx->drain_ev && !evtimer_pending(ctx->drain_ev, NULL))
		evtimer_add(ctx->drain_ev, &tick);
}

void lvsd_apply_reload(struct lvsd *ctx, const struct cfg *prev)
{
	apply(ctx, prev, APPLY_KNOWN, NULL, 0);
}

void lvsd_apply_repair(struct lvsd *ctx, struct fwd_table *t, double read_ms)
{
	apply(ctx, NULL, APPLY_REPAIR, t, read_ms);
}

void lvsd_apply(struct lvsd *ctx)
{
	apply(ctx, NULL, APPLY_KNOWN, NULL, 0);
}

void lvsd_apply_full(struct lvsd *ctx)
{
	apply(ctx, NULL, APPLY_FULL, NULL, 0);
}

/* Log level and log target follow the configuration; a bad target keeps the old. */
static void apply_logging(struct lvsd *ctx, const struct cfg *cfg)
{
	char err[256];
	const char *want = cfg->global.log_file;
	const char *have = ctx->log.target == LOG_TO_FILE ? ctx->log.path
			 : ctx->log.target == LOG_TO_SYSLOG ? "syslog" : "stderr";

	ctx->log.level = cfg->global.log_level;
	if (strcmp(want, have) == 0)
		return;
	if (logger_set_target(&ctx->log, want, err, sizeof(err)) < 0)
		log_error(&ctx->log, "keeping the current log target: %s", err);
}

static double ms_since(double t0)
{
	return log_clock_ms() - t0;
}

static void record_reload(struct lvsd *ctx, bool ok, const char *errors, double t0)
{
	ctx->reload.when = time(NULL);
	ctx->reload.ok = ok;
	ctx->reload.count++;
	ctx->reload.failures += !ok;
	ctx->reload.duration_ms = ms_since(t0);
	free(ctx->reload.errors);
	ctx->reload.errors = errors ? strdup(errors) : NULL;
	status_file_changed(ctx->status_file);
}

/* One log line per error, in the shape `lvsd -t` prints them. */
static void log_cfg_errors(struct lvsd *ctx, const struct cfg_diag *diag)
{
	for (size_t i = 0; i < diag->n_errors; i++) {
		const struct cfg_error *e = &diag->errors[i];

		/* A file-level error (cannot open, too large) has no position. */
		if (e->line)
			log_error(&ctx->log, "%s:%u:%u: %s", diag->file, e->line,
				  e->col, e->msg);
		else
			log_error(&ctx->log, "%s: %s", diag->file, e->msg);
	}
}

/*
 * Where a successful reload's time went (log_level debug): the loader's
 * phases, the checks and syncs around it, and the core's part.
 */
static void log_reload_phases(struct lvsd *ctx, const struct cfg_diag *d, double ms_sync)
{
	const struct reconcile_result *r = &ctx->last_apply;

	log_debug(&ctx->log, "reload took, in ms: read %.1f, yaml %.1f, schema %.1f, "
		  "validate %.1f, checks and syncs %.1f, core's table read %.1f, "
		  "diff and edits %.1f (of %.1f in all); virtual services parsed %zu, "
		  "kept as they were %zu",
		  d->ms_read, d->ms_yaml, d->ms_walk, d->ms_validate, ms_sync,
		  r->ms_table, r->ms_apply, ctx->reload.duration_ms,
		  d->services_parsed, d->services_reused);
}

int lvsd_reload(struct lvsd *ctx, char **errors)
{
	struct cfg_diag diag;
	struct cfg *next, *prev;
	char *text, err[512];
	double t0 = log_clock_ms(), t_loaded, t_checked;

	*errors = NULL;
	cfg_diag_init(&diag, ctx->config_path);
	next = cfg_reload_file(ctx->config_path, ctx->cfg, &diag);
	if (!next) {
		text = cfg_diag_join(&diag);
		log_cfg_errors(ctx, &diag);
		log_error(&ctx->log, "reload of %s failed with %zu error(s); "
			  "the running configuration is unchanged",
			  ctx->config_path, diag.n_errors);
		record_reload(ctx, false, text, t0);
		cfg_diag_free(&diag);
		*errors = text;
		return -1;
	}
	cfg_diag_free(&diag);
	t_loaded = log_clock_ms();
	if (fwd_check_cfg(ctx->fwd, next, err, sizeof(err)) < 0 ||
	    health_sync(&ctx->health, next, err, sizeof(err)) < 0) {
		log_error(&ctx->log, "reload of %s failed: %s; the running configuration is "
			  "unchanged", ctx->config_path, err);
		text = strdup(err);
		record_reload(ctx, false, text, t0);
		cfg_free(next);
		*errors = text;
		return -1;
	}
	if (ctx->vrrp)
		vrrp_engine_sync(ctx->vrrp, next, err, sizeof(err));
	apply_logging(ctx, next);
	lvsd_process_apply(ctx, next);
	if (!ctx->socket_from_cli && next->global.control_socket &&
	    strcmp(next->global.control_socket, ctx->socket_path) != 0)
		log_warning(&ctx->log, "global.control_socket changed to %s; it takes "
			    "effect at the next start (still on %s)",
			    next->global.control_socket, ctx->socket_path);
	if (next->global.forwarding_core != ctx->cfg->global.forwarding_core)
		log_warning(&ctx->log, "global.forwarding_core changed to %s; it takes effect "
			    "at the next start (still %s)",
			    cfg_fwd_core_names[next->global.forwarding_core], lvsd_core_name(ctx));
	prev = ctx->cfg;
	ctx->cfg = next;
	ctx->cfg_generation++;
	t_checked = log_clock_ms();
	lvsd_apply_reload(ctx, prev);
	cfg_free(prev);
	lvsd_ipvs_sync(ctx);
	record_reload(ctx, true, NULL, t0);
	log_reload_phases(ctx, &diag, t_checked - t_loaded);
	log_notice(&ctx->log, "reloaded %s: %zu virtual services, %zu VRRP instances, in %.1f ms",
		   ctx->config_path, next->n_services, next->n_vrrp, ctx->reload.duration_ms);
	auto_reload_sync(ctx);
	if (metrics_http_sync(ctx, err, sizeof(err)) < 0)
		log_error(&ctx->log, "global.metrics_listen: %s", err);
	return 0;
}

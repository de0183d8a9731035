/*
 * lvsd_ipvs.c - what the daemon does around the kernel's IPVS core, which
 * the userspace core does not need: the kernel's table is shared, so a
 * pass every two seconds (longer when a pass is long) reads it back, in
 * steps that let the loop run between them, and puts right what someone
 * else changed in lvsd's services; IPVS's connection sync daemon runs as
 * master while this director is a VRRP master and as backup otherwise;
 * at stop lvsd takes its services and sync daemon out of the kernel,
 * unless global.keep_on_stop says to leave them.
 */
#include "config.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwd.h"
#include "lvsd.h"
#include "reconcile.h"
#include "vrrp_engine.h"

#define REPAIR_INTERVAL_MS 2000
/*
 * A read-back of 10,000 destinations takes the loop a second and more on
 * a slow (emulated) CPU, and a reload that arrives meanwhile waits for
 * it: the next pass starts at least this many pass durations after the
 * end of the last, so that the loop is mostly free for what it is there for.
 */
#define REPAIR_DUTY_FACTOR 4
/* And it reads in steps of about this long, so that a reload or a health
 * change that arrives meanwhile waits for one step, not the whole read. */
#define REPAIR_STEP_MS 5

static bool any_vrrp_master(const struct lvsd *ctx)
{
	struct vrrp_status st;

	for (size_t i = 0; ctx->vrrp && vrrp_engine_status(ctx->vrrp, i, &st); i++)
		if (st.state == VRRP_MASTER)
			return true;
	return false;
}

/* What global.lvs_sync and VRRP ask for: FWD_SYNC_NONE without lvs_sync. */
static void sync_wanted(const struct lvsd *ctx, struct fwd_sync_conf *want)
{
	const struct cfg_lvs_sync *ls = &ctx->cfg->global.lvs_sync;

	memset(want, 0, sizeof(*want));
	if (!ls->interface)
		return;
	want->state = any_vrrp_master(ctx) ? FWD_SYNC_MASTER : FWD_SYNC_BACKUP;
	snprintf(want->ifname, sizeof(want->ifname), "%s", ls->interface);
	want->syncid = ls->syncid;
}

/* An error logged once until it changes or clears: the repair pass retries every 2 s. */
static void sync_failed(struct lvsd *ctx, const char *err)
{
	if (ctx->sync_error && strcmp(ctx->sync_error, err) == 0)
		return;
	log_error(&ctx->log, "IPVS connection sync: %s", err);
	free(ctx->sync_error);
	ctx->sync_error = strdup(err);
}

void lvsd_ipvs_sync(struct lvsd *ctx)
{
	static const char *const role[] = { "none", "master", "backup" };
	struct fwd_sync_conf want;
	char err[256];
	int rc;

	if (!ctx->fwd || !ctx->fwd->ops->sync_set || ctx->stopping)
		return;
	sync_wanted(ctx, &want);
	/* sync daemons lvsd never started are someone else's */
	if (want.state == FWD_SYNC_NONE && !ctx->sync_managed)
		return;
	rc = ctx->fwd->ops->sync_set(ctx->fwd, &want, err, sizeof(err));
	if (rc < 0) {
		sync_failed(ctx, err);
		return;
	}
	free(ctx->sync_error);
	ctx->sync_error = NULL;
	ctx->sync_managed = want.state != FWD_SYNC_NONE;
	if (rc > 0 && want.state == FWD_SYNC_NONE)
		log_notice(&ctx->log, "IPVS connection sync: stopped (no global.lvs_sync)");
	else if (rc > 0)
		log_notice(&ctx->log, "IPVS connection sync: %s daemon on %s, syncid %u (%s)",
			   role[want.state], want.ifname, want.syncid,
			   want.state == FWD_SYNC_MASTER ? "a VRRP instance is MASTER"
							 : "no VRRP instance is MASTER");
}

/* The next repair pass: REPAIR_INTERVAL_MS, or longer after a long pass. */
static void repair_schedule(struct lvsd *ctx, double last_ms)
{
	double ms = last_ms * REPAIR_DUTY_FACTOR;
	struct timeval tv;

	if (ms < REPAIR_INTERVAL_MS)
		ms = REPAIR_INTERVAL_MS;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms - (double)tv.tv_sec * 1000) * 1000);
	event_add(ctx->repair_ev, &tv);
}

/*
 * One step of the read-back: 1 when the table is in *t, 0 when the loop
 * is to run before the next, -1 when this pass is over without a table
 * (an error, logged, or lvsd's own edits meanwhile: the next pass reads
 * again).
 */
static int repair_read_step(struct lvsd *ctx, struct fwd_table *t)
{
	const struct fwd_ops *ops = ctx->fwd->ops;
	char err[256];
	int rc;

	if (!ctx->repair_read &&
	    !(ctx->repair_read = ops->table_read_begin(ctx->fwd, err, sizeof(err)))) {
		log_error(&ctx->log, "cannot read the forwarding table: %s", err);
		return -1;
	}
	rc = ops->table_read_step(ctx->fwd, ctx->repair_read, REPAIR_STEP_MS, t,
				  err, sizeof(err));
	if (rc == 0)
		return 0;
	ctx->repair_read = NULL;	/* the step freed it */
	if (rc == FWD_READ_STALE)
		log_debug(&ctx->log, "repair pass: %s; it reads again later", err);
	else if (rc < 0)
		log_error(&ctx->log, "cannot read the forwarding table: %s", err);
	return rc == 1 ? 1 : -1;
}

static void on_repair(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval now = { 0, 0 };
	struct lvsd *ctx = arg;
	double t0 = log_clock_ms();
	struct fwd_table t;
	int rc = 1;

	(void)fd;
	(void)what;
	if (!ctx->fwd->ops->table_read_begin)
		lvsd_apply_repair(ctx, NULL, 0);
	else if ((rc = repair_read_step(ctx, &t)) == 1)
		lvsd_apply_repair(ctx, &t, ctx->repair_ms + (log_clock_ms() - t0));
	ctx->repair_ms += log_clock_ms() - t0;
	if (rc == 0) {
		/* The loop runs (a reload, a health change) before the next step. */
		event_add(ctx->repair_ev, &now);
		return;
	}
	if (rc == 1)
		lvsd_ipvs_sync(ctx);
	repair_schedule(ctx, ctx->repair_ms);
	ctx->repair_ms = 0;
}

static void on_sync(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lvsd_ipvs_sync(arg);
}

int lvsd_ipvs_start(struct lvsd *ctx)
{
	if (!ctx->fwd->ops->kernel) {
		if (ctx->cfg->global.lvs_sync.interface)
			log_warning(&ctx->log, "global.lvs_sync: ignored: the %s core has no "
				    "connection sync (IPVS has)", lvsd_core_name(ctx));
		return 0;
	}
	ctx->repair_ev = evtimer_new(ctx->base, on_repair, ctx);
	ctx->sync_ev = event_new(ctx->base, -1, 0, on_sync, ctx);
	if (!ctx->repair_ev || !ctx->sync_ev) {
		log_error(&ctx->log, "kernel core: cannot set up its timers: out of memory");
		return -1;
	}
	repair_schedule(ctx, 0);
	/* lvsd.c's VRRP callback activates sync_ev: the daemon follows once the turn ends. */
	lvsd_ipvs_sync(ctx);
	return 0;
}

void lvsd_ipvs_stop(struct lvsd *ctx)
{
	static const struct fwd_sync_conf none = { .state = FWD_SYNC_NONE };
	char err[256];
	int n;

	if (ctx->repair_read)
		ctx->fwd->ops->table_read_abort(ctx->fwd, ctx->repair_read);
	ctx->repair_read = NULL;
	if (ctx->repair_ev)
		event_free(ctx->repair_ev);
	if (ctx->sync_ev)
		event_free(ctx->sync_ev);
	ctx->repair_ev = ctx->sync_ev = NULL;
	free(ctx->sync_error);
	ctx->sync_error = NULL;
	if (!ctx->fwd || !ctx->fwd->ops->kernel || !ctx->cfg)
		return;
	if (ctx->cfg->global.keep_on_stop) {
		log_notice(&ctx->log, "keep_on_stop: lvsd's virtual services%s stay in the kernel",
			   ctx->sync_managed ? " and its sync daemon" : "");
		return;
	}
	n = reconcile_remove_owned(ctx->fwd, ctx->cfg, &ctx->drain, &ctx->log);
	if (n >= 0)
		log_notice(&ctx->log, "removed lvsd's %d virtual service(s) from the kernel", n);
	if (ctx->sync_managed && ctx->fwd->ops->sync_set(ctx->fwd, &none, err, sizeof(err)) < 0)
		log_error(&ctx->log, "IPVS connection sync: %s", err);
}

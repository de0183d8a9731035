/*
 * lvsd.h - the director: one context that holds everything the daemon
 * runs, and the operations the control socket and signals call on it.
 *
 * There are no globals: main() builds one struct lvsd, every libevent
 * callback receives it (or an object that points back to it) as its
 * argument, and tests can build their own. The model (`cfg`) is an
 * immutable value; a reload builds a new one and swaps it in whole.
 */
#ifndef LVSD_LVSD_H
#define LVSD_LVSD_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "cfg.h"
#include "drain.h"
#include "health.h"
#include "log.h"
#include "reconcile.h"

struct event_base;
struct event;
struct ctl_server;
struct fwd;
struct vrrp_engine;
struct auto_reload;
struct status_file;
struct metrics_http;

#ifndef RUNDIR
#define RUNDIR "/run"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define LVSD_DEFAULT_CONFIG SYSCONFDIR "/lvsd/lvsd.yaml"
#define LVSD_DEFAULT_SOCKET RUNDIR "/lvsd.sock"
#define LVSD_DEFAULT_PIDFILE RUNDIR "/lvsd.pid"
#define LVSD_DEFAULT_STATUS_FILE RUNDIR "/lvsd.status.json"

/* The outcome of the last reload, for `lvsctl status`. */
struct lvsd_reload_result {
	time_t when;		/* 0: no reload yet */
	bool ok;
	unsigned count;		/* reloads attempted */
	unsigned failures;	/* of which failed */
	double duration_ms;	/* the last one, from reading the file to the table applied */
	char *errors;		/* FILE:LINE:COL lines of the last failure */
};

struct lvsd {
	struct event_base *base;
	struct logger log;
	struct cfg *cfg;		/* the running model; never NULL once started */
	uint64_t cfg_generation;	/* counts the swaps of cfg (a status job notices one) */
	const char *config_path;
	const char *pidfile_path;	/* NULL: none */
	char *socket_path;		/* as bound; owned */
	bool socket_from_cli;		/* -S wins over global.control_socket */
	bool foreground;
	time_t started;
	int pidfile_fd;
	struct ctl_server *ctl;
	struct fwd *fwd;		/* the forwarding core */
	struct health health;		/* checkers, overrides, quorum */
	bool health_ready;
	struct event *apply_ev;		/* health changed: reconcile once this turn */
	struct vrrp_engine *vrrp;	/* the VRRP instances */
	struct event *repair_ev;	/* kernel core: re-reconcile against the kernel's table */
	struct fwd_table_read *repair_read;	/* its read-back, between steps */
	double repair_ms;		/* the time the pass has taken so far */
	struct event *sync_ev;		/* VRRP changed: the sync daemon follows */
	bool sync_managed;		/* lvsd runs IPVS's sync daemon (global.lvs_sync) */
	char *sync_error;		/* the last sync daemon error, logged once */
	bool stopping;
	struct reconcile_result last_apply;	/* so a repeated refusal is logged once */
	struct event *signals[5];
	struct lvsd_reload_result reload;
	struct drain drain;		/* real servers a reload removed, draining */
	struct event *drain_ev;		/* reconcile again while any drains */
	struct auto_reload *auto_reload;	/* global.auto_reload: the file watch */
	struct status_file *status_file;	/* global.status_file kept current */
	struct metrics_http *metrics_http;	/* global.metrics_listen */
	int start_nice;			/* the priority lvsd was started with */
	bool memory_locked;		/* global.lock_memory is in force */
};

/*
 * Parse the configuration file again and, if it is valid, make it the
 * running one. Returns 0, or -1 with the errors (FILE:LINE:COL lines) in
 * *errors (malloc'd, may be NULL); on failure nothing running changes.
 */
int lvsd_reload(struct lvsd *ctx, char **errors);

/* Write the status JSON atomically to the status file. 0 or -1 (logged). */
int lvsd_write_status_file(struct lvsd *ctx);

/*
 * global.nice and global.lock_memory (lvsd_process.c): _init remembers
 * the priority lvsd was started with (the one a config without nice
 * keeps), _apply makes the process follow cfg; refusals are logged.
 */
void lvsd_process_init(struct lvsd *ctx);
void lvsd_process_apply(struct lvsd *ctx, const struct cfg *cfg);

/* Stop the event loop; main() then cleans up. */
void lvsd_stop(struct lvsd *ctx, const char *why);

/*
 * Make the core's table what the model and health say, now: against what
 * the core remembers of its table (reconcile_known), so only the
 * difference goes out, without a read-back of the kernel's table.
 */
void lvsd_apply(struct lvsd *ctx);

/*
 * The same during a reload: services of prev (the configuration being
 * replaced) that the new one lacks are lvsd's to remove from the kernel.
 */
void lvsd_apply_reload(struct lvsd *ctx, const struct cfg *prev);
/*
 * The kernel core's periodic pass: the table read back (t, taken and
 * freed, its read having taken read_ms in steps; NULL: read it now), and
 * a change it makes was made outside lvsd.
 */
void lvsd_apply_repair(struct lvsd *ctx, struct fwd_table *t, double read_ms);
/*
 * With the table read back (start, drain ticks): the connection counts
 * that say when a draining server may go are the kernel's own.
 */
void lvsd_apply_full(struct lvsd *ctx);

/*
 * lvsd_ipvs.c: what runs around the kernel core. Start: a repair pass
 * every 2 s and the sync daemon following VRRP (no-ops for the userspace
 * core); sync: make the sync daemon what the configuration and VRRP say;
 * stop: remove lvsd's services and sync daemon unless keep_on_stop.
 */
int lvsd_ipvs_start(struct lvsd *ctx);
void lvsd_ipvs_sync(struct lvsd *ctx);
void lvsd_ipvs_stop(struct lvsd *ctx);

/* The forwarding core in use, as the status calls it. */
const char *lvsd_core_name(const struct lvsd *ctx);

#endif

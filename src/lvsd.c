/*
 * lvsd.c - the daemon's entry point: command line, startup in a fixed
 * order, signals, and an orderly stop (a reload is lvsd_reload.c's).
 *
 * Startup does everything that can fail (configuration, log file,
 * pidfile, control socket) before telling the parent process it is up, so
 * `lvsd` exits non-zero with the reason on the terminal instead of dying
 * quietly in the background.
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auto_reload.h"
#include "ctl.h"
#include "daemon.h"
#include "fwd.h"
#include "lvsd.h"
#include "metrics.h"
#include "status.h"
#include "status_file.h"
#include "vrrp_engine.h"

struct options {
	const char *config, *pidfile, *socket;
	bool foreground, test, version;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: lvsd [-f FILE] [-n] [-t] [-p PIDFILE] [-S SOCKET] [-V]\n"
		"  -f, --config FILE     configuration (default %s)\n"
		"  -n, --foreground      do not daemonize; log to stderr as well\n"
		"  -t, --config-test     check the configuration and exit (0 valid, 1 not)\n"
		"  -p, --pidfile FILE    pidfile (default %s)\n"
		"  -S, --socket PATH     control socket (default global.control_socket,\n"
		"                        else %s)\n"
		"  -V, --version         print the version and exit\n",
		LVSD_DEFAULT_CONFIG, LVSD_DEFAULT_PIDFILE, LVSD_DEFAULT_SOCKET);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "foreground", no_argument, NULL, 'n' },
		{ "config-test", no_argument, NULL, 't' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->config = LVSD_DEFAULT_CONFIG;
	o->pidfile = LVSD_DEFAULT_PIDFILE;
	while ((c = getopt_long(argc, argv, "f:ntp:S:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->config = optarg; break;
		case 'n': o->foreground = true; break;
		case 't': o->test = true; break;
		case 'p': o->pidfile = optarg; break;
		case 'S': o->socket = optarg; break;
		case 'V': o->version = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "lvsd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

const char *lvsd_core_name(const struct lvsd *ctx)
{
	return ctx->fwd ? ctx->fwd->ops->name : "none";
}

void lvsd_stop(struct lvsd *ctx, const char *why)
{
	log_notice(&ctx->log, "stopping: %s", why);
	event_base_loopbreak(ctx->base);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct lvsd *ctx = arg;
	char *errors = NULL;
	char err[256];

	switch (sig) {
	case SIGHUP:
		log_notice(&ctx->log, "SIGHUP: reloading %s", ctx->config_path);
		lvsd_reload(ctx, &errors);
		free(errors);
		break;
	case SIGTERM:
	case SIGINT:
		lvsd_stop(ctx, sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	case SIGUSR1:
		if (lvsd_write_status_file(ctx) == 0)
			log_info(&ctx->log, "wrote status file %s", ctx->cfg->global.status_file
				 ? ctx->cfg->global.status_file : LVSD_DEFAULT_STATUS_FILE);
		break;
	case SIGUSR2:
		if (ctx->log.target != LOG_TO_FILE)
			log_info(&ctx->log, "SIGUSR2: not logging to a file; nothing to reopen");
		else if (logger_reopen(&ctx->log, err, sizeof(err)) < 0)
			log_error(&ctx->log, "SIGUSR2: %s", err);
		else
			log_notice(&ctx->log, "SIGUSR2: reopened log file %s", ctx->log.path);
		break;
	}
}

static int setup_signals(struct lvsd *ctx)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGUSR2 };

	/* A control client that hangs up must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ctx->signals[i] = evsignal_new(ctx->base, sigs[i], on_signal, ctx);
		if (!ctx->signals[i] || evsignal_add(ctx->signals[i], NULL) < 0) {
			log_error(&ctx->log, "cannot watch signal %d", sigs[i]);
			return -1;
		}
	}
	return 0;
}

/* Checkers report changes as they come; the table follows once per loop turn. */
static void on_apply(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lvsd_apply(arg);
}

/* Draining real servers: their connection counts, read back, say when they may go. */
static void on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lvsd_apply_full(arg);
}

static void on_health_change(void *arg)
{
	struct lvsd *ctx = arg;

	event_active(ctx->apply_ev, EV_TIMEOUT, 0);
	status_file_changed(ctx->status_file);
}

/*
 * A VRRP instance changed state or priority: the status file says so, and
 * the kernel core's sync daemon follows once this turn ends.
 */
static void on_vrrp_change(void *arg)
{
	struct lvsd *ctx = arg;

	status_file_changed(ctx->status_file);
	if (ctx->sync_ev)
		event_active(ctx->sync_ev, EV_TIMEOUT, 0);
}

static int start_health(struct lvsd *ctx, char *err, size_t errlen)
{
	ctx->apply_ev = event_new(ctx->base, -1, 0, on_apply, ctx);
	if (!ctx->apply_ev || health_init(&ctx->health, ctx->base, &ctx->log,
					  on_health_change, ctx) < 0) {
		snprintf(err, errlen, "health checks: out of memory");
		return -1;
	}
	ctx->health_ready = true;
	return health_sync(&ctx->health, ctx->cfg, err, errlen);
}

/* Everything that can fail at startup, in order; logged on failure. */
static int lvsd_start(struct lvsd *ctx, const struct options *o)
{
	char err[512];
	const char *sock = o->socket ? o->socket
		: ctx->cfg->global.control_socket ? ctx->cfg->global.control_socket
						  : LVSD_DEFAULT_SOCKET;

	if (ctx->pidfile_path) {
		ctx->pidfile_fd = pidfile_acquire(ctx->pidfile_path, err, sizeof(err));
		if (ctx->pidfile_fd < 0) {
			log_error(&ctx->log, "%s", err);
			return -1;
		}
	}
	ctx->base = event_base_new();
	if (!ctx->base) {
		log_error(&ctx->log, "cannot create the event loop: %s", strerror(errno));
		return -1;
	}
	if (setup_signals(ctx) < 0)
		return -1;
	ctx->drain_ev = evtimer_new(ctx->base, on_drain_tick, ctx);
	ctx->status_file = status_file_new(ctx);
	if (!ctx->drain_ev || !ctx->status_file) {
		log_error(&ctx->log, "cannot start: out of memory");
		return -1;
	}
	ctx->fwd = fwd_new(ctx->cfg, ctx->base, &ctx->log, err, sizeof(err));
	if (!ctx->fwd) {
		log_error(&ctx->log, "%s", err);
		return -1;
	}
	if (start_health(ctx, err, sizeof(err)) < 0) {
		log_error(&ctx->log, "%s", err);
		return -1;
	}
	lvsd_apply_full(ctx);
	ctx->vrrp = vrrp_engine_new(ctx->base, &ctx->log, &ctx->health.env, err, sizeof(err));
	if (!ctx->vrrp || vrrp_engine_sync(ctx->vrrp, ctx->cfg, err, sizeof(err)) < 0) {
		log_error(&ctx->log, "VRRP: %s", err);
		return -1;
	}
	if (lvsd_ipvs_start(ctx) < 0)
		return -1;
	vrrp_engine_on_change(ctx->vrrp, on_vrrp_change, ctx);
	if (metrics_http_sync(ctx, err, sizeof(err)) < 0) {
		log_error(&ctx->log, "global.metrics_listen: %s", err);
		return -1;
	}
	auto_reload_sync(ctx);
	ctx->socket_path = strdup(sock);
	ctx->socket_from_cli = o->socket != NULL;
	ctx->ctl = ctx->socket_path ? ctl_server_start(ctx, sock, err, sizeof(err)) : NULL;
	if (!ctx->ctl) {
		log_error(&ctx->log, "control socket: %s", ctx->socket_path ? err : "out of memory");
		return -1;
	}
	return 0;
}

/* Run the loop in 20 ms turns while busy(arg) says so, for at most a second. */
static void drain_loop(struct event_base *base, bool (*busy)(const void *arg), const void *arg)
{
	static const struct timeval tick = { 0, 20000 };

	for (int i = 0; i < 50 && busy(arg); i++) {
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
	}
}

static bool vrrp_busy(const void *arg)
{
	return vrrp_engine_busy(arg);
}

/* Only scripts killed on the way down are left to reap by now. */
static bool events_left(const void *arg)
{
	return event_base_get_num_events((struct event_base *)arg, EVENT_BASE_COUNT_ADDED) > 0;
}

static void lvsd_shutdown(struct lvsd *ctx)
{
	ctx->stopping = true;
	ctl_server_stop(ctx->ctl);
	/*
	 * Masters say priority 0 and let their VIPs go before anything else
	 * stops; their stop notify scripts get a second to run.
	 */
	if (ctx->vrrp) {
		vrrp_engine_stop(ctx->vrrp);
		drain_loop(ctx->base, vrrp_busy, ctx->vrrp);
		vrrp_engine_free(ctx->vrrp);
	}
	lvsd_ipvs_stop(ctx);
	auto_reload_free(ctx->auto_reload);
	metrics_http_free(ctx->metrics_http);
	status_file_free(ctx->status_file);
	ctx->auto_reload = NULL;
	ctx->metrics_http = NULL;
	ctx->status_file = NULL;	/* a checker stopping below may still report */
	if (ctx->health_ready)
		health_free(&ctx->health);
	if (ctx->apply_ev)
		event_free(ctx->apply_ev);
	if (ctx->drain_ev)
		event_free(ctx->drain_ev);
	drain_free(&ctx->drain);
	if (ctx->fwd)
		ctx->fwd->ops->free(ctx->fwd);
	for (size_t i = 0; i < sizeof(ctx->signals) / sizeof(ctx->signals[0]); i++)
		if (ctx->signals[i])
			event_free(ctx->signals[i]);
	if (ctx->base) {
		drain_loop(ctx->base, events_left, ctx->base);
		event_base_free(ctx->base);
	}
	if (ctx->pidfile_path)
		pidfile_release(ctx->pidfile_path, ctx->pidfile_fd);
	cfg_free(ctx->cfg);
	free(ctx->reload.errors);
	free(ctx->socket_path);
}

static struct cfg *load_or_report(const char *path)
{
	struct cfg_diag diag;
	struct cfg *cfg;

	cfg_diag_init(&diag, path);
	cfg = cfg_load_file(path, &diag);
	cfg_diag_print(&diag, stderr);
	cfg_diag_free(&diag);
	return cfg;
}

static int run(struct lvsd *ctx, const struct options *o)
{
	char err[256];
	int ready_fd = -1, rc;

	ctx->log.level = ctx->cfg->global.log_level;
	if (logger_set_target(&ctx->log, ctx->cfg->global.log_file, err, sizeof(err)) < 0) {
		log_error(&ctx->log, "global.log_file: %s", err);
		rc = -1;
		goto out;	/* through the cleanup, or LeakSanitizer fails us */
	}
	/*
	 * Until the parent has exited, a startup error (the pidfile is taken,
	 * the socket is live) must reach the terminal that ran lvsd, even
	 * when the configuration sends the log to a file.
	 */
	ctx->log.also_stderr = true;
	if (!o->foreground)
		ctx->log.stderr_max = LOG_LVL_WARNING;	/* the terminal wants trouble only */
	if (!o->foreground && daemon_detach(&ready_fd, err, sizeof(err)) < 0) {
		log_error(&ctx->log, "cannot daemonize: %s", err);
		rc = -1;
		goto out;
	}
	ctx->started = time(NULL);
	lvsd_process_init(ctx);
	lvsd_process_apply(ctx, ctx->cfg);
	rc = lvsd_start(ctx, o);
	/*
	 * A start that failed lets go of its pidfile and socket before the
	 * parent reports it, so that a second try made at once finds them free.
	 */
	if (rc < 0)
		lvsd_shutdown(ctx);
	daemon_ready(ready_fd, rc < 0 ? 1 : 0);
	if (rc < 0)
		goto out_closed;
	ctx->log.also_stderr = o->foreground;
	ctx->log.stderr_max = LOG_LVL_DEBUG;
	log_notice(&ctx->log, "lvsd %s started: %s, %zu virtual services, "
		   "%zu VRRP instances, control socket %s", PACKAGE_VERSION,
		   ctx->config_path, ctx->cfg->n_services, ctx->cfg->n_vrrp, ctx->socket_path);
	event_base_dispatch(ctx->base);
out:
	lvsd_shutdown(ctx);
	if (rc == 0)
		log_notice(&ctx->log, "stopped");
out_closed:
	logger_close(&ctx->log);
	return rc < 0 ? 1 : 0;
}

/*
 * The daemon runs in "/" and reloads, reopens and removes its files long
 * after startup, so a path given relative to where lvsd was started must
 * be made to keep meaning that place. 0 with *path absolute (*owned is
 * the copy to free, if one was made), or -1 (reported on stderr).
 */
static int make_absolute(const char **path, char **owned)
{
	char cwd[PATH_MAX];

	if (!*path || !**path || **path == '/')
		return 0;
	if (!getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "lvsd: cannot resolve %s: %s\n", *path, strerror(errno));
		return -1;
	}
	if (asprintf(owned, "%s/%s", cwd, *path) < 0) {
		*owned = NULL;
		fprintf(stderr, "lvsd: out of memory\n");
		return -1;
	}
	*path = *owned;
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct lvsd ctx = { .pidfile_fd = -1 };
	char *owned[3] = { NULL, NULL, NULL };
	int rc = 1;

	if (parse_options(argc, argv, &o) < 0)
		return 2;
	if (o.version) {
		printf("lvsd %s\n", PACKAGE_VERSION);
		return 0;
	}
	logger_init(&ctx.log, "lvsd");
	drain_init(&ctx.drain, NULL, NULL);
	ctx.config_path = o.config;
	ctx.pidfile_path = o.pidfile[0] ? o.pidfile : NULL;
	ctx.foreground = o.foreground;
	ctx.cfg = load_or_report(o.config);
	if (!ctx.cfg)
		return 1;
	if (o.test) {
		printf("%s: configuration is valid (%zu virtual services, "
		       "%zu VRRP instances)\n", o.config, ctx.cfg->n_services,
		       ctx.cfg->n_vrrp);
		cfg_free(ctx.cfg);
		return 0;
	}
	if (make_absolute(&o.config, &owned[0]) == 0 &&
	    make_absolute(&o.pidfile, &owned[1]) == 0 &&
	    make_absolute(&o.socket, &owned[2]) == 0) {
		ctx.config_path = o.config;
		ctx.pidfile_path = o.pidfile[0] ? o.pidfile : NULL;
		rc = run(&ctx, &o);
	} else {
		cfg_free(ctx.cfg);
	}
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		free(owned[i]);
	return rc;
}

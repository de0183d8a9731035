/*
 * auto_reload.c - the inotify watch behind global.auto_reload (see
 * auto_reload.h): an inotify descriptor on the loop, one or two
 * directory watches, a timer that debounces, and the reload it finally
 * runs. What the events mean is decided in auto_reload_events.c.
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "auto_reload.h"
#include "lvsd.h"

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR)

struct auto_reload {
	struct lvsd *ctx;
	int fd;				/* -1: not watching */
	struct event *ev, *timer;
	struct auto_reload_watch w[2];	/* the path's directory; a symlink target's */
	size_t n;
	uint64_t first_ms;		/* first event of the burst being gathered */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct auto_reload *ar = arg;
	char *errors = NULL;

	(void)fd;
	(void)what;
	ar->first_ms = 0;
	log_notice(&ar->ctx->log, "auto_reload: %s changed: reloading", ar->ctx->config_path);
	lvsd_reload(ar->ctx, &errors);
	free(errors);
}

static void arm(struct auto_reload *ar)
{
	uint64_t now = now_ms(), ms;
	struct timeval tv;

	if (!ar->first_ms)
		ar->first_ms = now;
	ms = auto_reload_delay(ar->first_ms, now);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000 * 1000);
	if (evtimer_add(ar->timer, &tv) < 0)
		log_error(&ar->ctx->log, "auto_reload: cannot arm its timer");
}

static void on_events(evutil_socket_t fd, short what, void *arg)
{
	struct auto_reload *ar = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	unsigned seen = 0;
	ssize_t n;

	(void)what;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		seen |= auto_reload_scan(buf, (size_t)n, ar->w, ar->n);
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		log_error(&ar->ctx->log, "auto_reload: reading inotify events: %s", strerror(errno));
	if (seen & AUTO_RELOAD_CHANGED)
		arm(ar);
	else if (seen & AUTO_RELOAD_GONE)
		log_warning(&ar->ctx->log, "auto_reload: %s was removed; the running configuration "
			    "stays until it is back", ar->ctx->config_path);
	if (seen & AUTO_RELOAD_LOST)
		log_warning(&ar->ctx->log, "auto_reload: a watched directory of %s went away; "
			    "changes are no longer seen until the next reload", ar->ctx->config_path);
}

static void watches_free(struct auto_reload_watch *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(w[i].dir);
		free(w[i].name);
		w[i].dir = w[i].name = NULL;
	}
}

/* Split an absolute path into its directory ("/" for a top-level file) and name. */
static int split_path(const char *path, struct auto_reload_watch *w)
{
	const char *slash = strrchr(path, '/');

	if (!slash || !slash[1])
		return -1;
	w->dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	w->name = strdup(slash + 1);
	w->wd = -1;
	return w->dir && w->name ? 0 : -1;
}

/* The directories to watch: the path's, and its target's if it is a symlink elsewhere. */
static size_t watch_list(const char *path, struct auto_reload_watch out[2])
{
	char real[PATH_MAX];
	size_t n = 0;

	if (split_path(path, &out[n]) == 0)
		n++;
	if (realpath(path, real) && strcmp(real, path) != 0 && split_path(real, &out[n]) == 0 &&
	    (n == 0 || strcmp(out[0].dir, out[n].dir) != 0 || strcmp(out[0].name, out[n].name) != 0))
		n++;
	watches_free(out + n, 2 - n);
	return n;
}

static int watch_start(struct auto_reload *ar)
{
	if (ar->fd >= 0)
		return 0;
	ar->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ar->fd < 0) {
		log_error(&ar->ctx->log, "auto_reload: inotify: %s", strerror(errno));
		return -1;
	}
	ar->ev = event_new(ar->ctx->base, ar->fd, EV_READ | EV_PERSIST, on_events, ar);
	if (!ar->ev || event_add(ar->ev, NULL) < 0) {
		log_error(&ar->ctx->log, "auto_reload: cannot watch the inotify descriptor");
		if (ar->ev)
			event_free(ar->ev);
		ar->ev = NULL;
		close(ar->fd);
		ar->fd = -1;
		return -1;
	}
	return 0;
}

static void watch_stop(struct auto_reload *ar)
{
	if (ar->fd < 0)
		return;
	event_free(ar->ev);
	ar->ev = NULL;
	evtimer_del(ar->timer);
	ar->first_ms = 0;
	close(ar->fd);	/* drops every watch */
	ar->fd = -1;
	watches_free(ar->w, ar->n);
	ar->n = 0;
}

/* Watch the new list first, then let go of old watches it does not share. */
static void watch_update(struct auto_reload *ar)
{
	struct auto_reload_watch next[2] = { { .wd = -1 }, { .wd = -1 } };
	size_t n = watch_list(ar->ctx->config_path, next), k = 0;

	for (size_t i = 0; i < n; i++) {
		next[i].wd = inotify_add_watch(ar->fd, next[i].dir, WATCH_MASK);
		if (next[i].wd < 0) {
			log_error(&ar->ctx->log, "auto_reload: cannot watch %s: %s", next[i].dir,
				  strerror(errno));
			free(next[i].dir);
			free(next[i].name);
			continue;
		}
		next[k++] = next[i];
	}
	for (size_t i = 0; i < ar->n; i++) {
		bool kept = false;

		for (size_t j = 0; j < k; j++)
			kept = kept || next[j].wd == ar->w[i].wd;
		if (!kept)
			inotify_rm_watch(ar->fd, ar->w[i].wd);
	}
	watches_free(ar->w, ar->n);
	memcpy(ar->w, next, sizeof(next));
	ar->n = k;
}

static struct auto_reload *auto_reload_new(struct lvsd *ctx)
{
	struct auto_reload *ar = calloc(1, sizeof(*ar));

	if (!ar)
		return NULL;
	ar->ctx = ctx;
	ar->fd = -1;
	ar->timer = evtimer_new(ctx->base, on_timer, ar);
	if (!ar->timer) {
		free(ar);
		return NULL;
	}
	return ar;
}

void auto_reload_sync(struct lvsd *ctx)
{
	struct auto_reload *ar = ctx->auto_reload;
	bool was_on = ar && ar->fd >= 0;

	if (!ctx->cfg->global.auto_reload) {
		if (was_on) {
			watch_stop(ar);
			log_notice(&ctx->log, "auto_reload: off; no longer watching %s",
				   ctx->config_path);
		}
		return;
	}
	if (!ar && !(ar = ctx->auto_reload = auto_reload_new(ctx))) {
		log_error(&ctx->log, "auto_reload: out of memory; not watching %s", ctx->config_path);
		return;
	}
	if (watch_start(ar) < 0)
		return;
	watch_update(ar);
	if (!was_on && ar->n)
		log_notice(&ctx->log, "auto_reload: watching %s for changes", ctx->config_path);
}

bool auto_reload_watching(const struct auto_reload *ar)
{
	return ar && ar->fd >= 0 && ar->n > 0;
}

void auto_reload_free(struct auto_reload *ar)
{
	if (!ar)
		return;
	watch_stop(ar);
	event_free(ar->timer);
	free(ar);
}

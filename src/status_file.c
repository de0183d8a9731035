/*
 * status_file.c - rewrite the status file shortly after a change (see
 * status_file.h). One timer: the first change arms it, the changes that
 * follow before it fires ride along, so the file is written at most once
 * per STATUS_FILE_DELAY_MS whatever the rate of changes; the write
 * itself (temporary file, fsync, rename) is lvsd_write_status_file().
 */
#include "config.h"

#include <event2/event.h>
#include <stdlib.h>

#include "lvsd.h"
#include "status_file.h"

struct status_file {
	struct lvsd *ctx;
	struct event *timer;
};

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct status_file *sf = arg;

	(void)fd;
	(void)what;
	/* The key may have been removed by a reload since the change. */
	if (sf->ctx->cfg->global.status_file)
		lvsd_write_status_file(sf->ctx);
}

struct status_file *status_file_new(struct lvsd *ctx)
{
	struct status_file *sf = calloc(1, sizeof(*sf));

	if (!sf)
		return NULL;
	sf->ctx = ctx;
	sf->timer = evtimer_new(ctx->base, on_timer, sf);
	if (!sf->timer) {
		free(sf);
		return NULL;
	}
	return sf;
}

void status_file_changed(struct status_file *sf)
{
	static const struct timeval delay = { 0, STATUS_FILE_DELAY_MS * 1000 };

	if (!sf || !sf->ctx->cfg->global.status_file || evtimer_pending(sf->timer, NULL))
		return;
	if (evtimer_add(sf->timer, &delay) < 0)
		log_error(&sf->ctx->log, "status file: cannot arm its timer");
}

void status_file_free(struct status_file *sf)
{
	if (!sf)
		return;
	event_free(sf->timer);
	free(sf);
}

/*
 * status_file.c - rewrite the status file shortly after a change (see
 * status_file.h). One timer: the first change arms it, the changes that
 * follow before it fires ride along, so the file is written at most once
 * per STATUS_FILE_DELAY_MS whatever the rate of changes. The write itself,
 * lvsd_write_status_file() (also on SIGUSR1), goes to a temporary file,
 * fsync()s it and renames it over the old one.
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "json.h"
#include "lvsd.h"
#include "status.h"
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

/* Write to a temporary name and rename, so readers never see half a file. */
int lvsd_write_status_file(struct lvsd *ctx)
{
	const char *path = ctx->cfg->global.status_file ? ctx->cfg->global.status_file
							 : LVSD_DEFAULT_STATUS_FILE;
	char tmp[4200];
	struct json j;
	const char *text;
	int fd, rc = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	json_init(&j);
	status_build_json(ctx, &j);
	text = json_text(&j);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (!text) {
		log_error(&ctx->log, "status file %s: out of memory", path);
	} else if (fd < 0) {
		log_error(&ctx->log, "cannot write status file %s: %s", tmp, strerror(errno));
	} else if (io_write_all(fd, text, strlen(text)) < 0 || io_write_all(fd, "\n", 1) < 0 ||
		   fsync(fd) < 0) {
		log_error(&ctx->log, "cannot write status file %s: %s", tmp, strerror(errno));
	} else if (rename(tmp, path) < 0) {
		log_error(&ctx->log, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
	} else {
		log_debug(&ctx->log, "wrote status file %s", path);
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	json_free(&j);
	return rc;
}

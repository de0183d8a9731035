/*
 * status_file.c - rewrite the status file shortly after a change (see
 * status_file.h). One timer: the first change arms it, the changes that
 * follow before it fires ride along, so the file is written at most once
 * per STATUS_FILE_DELAY_MS whatever the rate of changes. The document is
 * built as the control socket builds it, a slice of real servers per turn
 * of the loop (a status job): with 10,000 real servers whose checks keep
 * changing, a build at once would take the loop ~24 ms of every 100. A
 * change while a build runs asks for another once it is written. The
 * write itself goes to a temporary file renamed over the old one, so a
 * reader sees one whole document or the next. It is not fsync()ed: the
 * file is a live view, rewritten at start and after every change, so a
 * power cut can lose nothing a reader needs, and a sync that waits on a
 * busy disk would hold the checks and VRRP for as long.
 * lvsd_write_status_file() (SIGUSR1) builds and writes at once.
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdbool.h>
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
	struct status_job *job;		/* the document being built */
	bool again;			/* a change came while it was */
};

static const char *status_file_path(const struct lvsd *ctx)
{
	return ctx->cfg->global.status_file ? ctx->cfg->global.status_file
					    : LVSD_DEFAULT_STATUS_FILE;
}

static void arm(struct status_file *sf)
{
	static const struct timeval delay = { 0, STATUS_FILE_DELAY_MS * 1000 };

	if (evtimer_add(sf->timer, &delay) < 0)
		log_error(&sf->ctx->log, "status file: cannot arm its timer");
}

static int write_file(struct lvsd *ctx, const char *text, size_t len);

/* The document is built: write it, and build again if something changed meanwhile. */
static void on_built(struct status_job *job, int rc, void *arg)
{
	struct status_file *sf = arg;
	const char *text;
	size_t len;

	(void)job;
	if (rc < 0 || !(text = status_job_text(sf->job, &len)))
		log_error(&sf->ctx->log, "status file %s: out of memory", status_file_path(sf->ctx));
	else if (sf->ctx->cfg->global.status_file)	/* a reload may have removed the key */
		(void)write_file(sf->ctx, text, len);
	status_job_free(sf->job);
	sf->job = NULL;
	if (sf->again) {
		sf->again = false;
		arm(sf);
	}
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct status_file *sf = arg;

	(void)fd;
	(void)what;
	/* The key may have been removed by a reload since the change. */
	if (!sf->ctx->cfg->global.status_file)
		return;
	sf->job = status_job_start(sf->ctx, on_built, sf);
	if (!sf->job)
		log_error(&sf->ctx->log, "status file %s: out of memory", status_file_path(sf->ctx));
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
	if (!sf || !sf->ctx->cfg->global.status_file)
		return;
	if (sf->job)
		sf->again = true;
	else if (!evtimer_pending(sf->timer, NULL))
		arm(sf);
}

void status_file_free(struct status_file *sf)
{
	if (!sf)
		return;
	event_free(sf->timer);
	status_job_free(sf->job);
	free(sf);
}

/* Write to a temporary name and rename, so readers never see half a file. */
static int write_file(struct lvsd *ctx, const char *text, size_t len)
{
	const char *path = status_file_path(ctx);
	char tmp[4200];
	int fd, rc = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error(&ctx->log, "cannot write status file %s: %s", tmp, strerror(errno));
	} else if (io_write_all(fd, text, len) < 0 || io_write_all(fd, "\n", 1) < 0) {
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
	return rc;
}

int lvsd_write_status_file(struct lvsd *ctx)
{
	struct json j;
	const char *text;
	int rc = -1;

	json_init(&j);
	status_build_json(ctx, &j);
	text = json_text(&j);
	if (!text)
		log_error(&ctx->log, "status file %s: out of memory", status_file_path(ctx));
	else
		rc = write_file(ctx, text, json_len(&j));
	json_free(&j);
	return rc;
}

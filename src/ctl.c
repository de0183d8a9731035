/*
 * ctl.c - the control socket's server side on the daemon's event loop.
 *
 * Each connection gets a bufferevent with a read timeout, a cap on the
 * request size and a cap on the number of connections, so a client can
 * neither stall the daemon nor make it buffer without limit. A request is
 * answered, the answer flushed, and the connection closed. A status
 * --json and a metrics exposition are written a slice at a time, one
 * per turn of the loop (jobs, see status.h and metrics.h), so that a
 * large table's document does not hold up the checks and VRRP while it
 * is written.
 */
#include "config.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_cmds.h"
#include "ctl_proto.h"
#include "lvsd.h"
#include "metrics.h"
#include "status.h"

#define CTL_MAX_CLIENTS 64
#define CTL_READ_TIMEOUT_S 10

struct ctl_client {
	struct ctl_server *srv;
	struct bufferevent *bev;
	int id;
	struct status_job *job;		/* a status --json being built */
	struct metrics_job *mjob;	/* a metrics exposition being written */
	struct evbuffer *mbody;		/* into this */
	TAILQ_ENTRY(ctl_client) entry;
};

struct ctl_server {
	struct lvsd *ctx;
	TAILQ_HEAD(, ctl_client) clients;
	struct evconnlistener *listener;
	char *path;
	unsigned n_clients;
	int next_id;		/* names clients in the log */
};

typedef bool (*ctl_handler)(struct lvsd *ctx, const struct ctl_request *req,
			    struct evbuffer *out);

static bool cmd_status(struct lvsd *ctx, const struct ctl_request *req,
		       struct evbuffer *out)
{
	/* status --json never comes here: handle_line() builds it as a job. */
	if (req->argc != 1) {
		evbuffer_add_printf(out, "usage: status [--json]\n");
		return false;
	}
	return status_render_text(ctx, out) == 0;
}

static bool cmd_reload(struct lvsd *ctx, const struct ctl_request *req,
		       struct evbuffer *out)
{
	char *errors = NULL;

	if (req->argc != 1) {
		evbuffer_add_printf(out, "usage: reload\n");
		return false;
	}
	if (lvsd_reload(ctx, &errors) == 0) {
		evbuffer_add_printf(out, "reloaded %s\n", ctx->config_path);
		return true;
	}
	evbuffer_add_printf(out, "%s%s: not reloaded; the running "
			    "configuration is unchanged\n", errors ? errors : "",
			    ctx->config_path);
	free(errors);
	return false;
}

/*
 * drain | enable | auto SERVICE REAL: the operator's word on one real
 * server, which outranks its check until `auto` hands it back.
 */
static bool cmd_override(struct lvsd *ctx, const struct ctl_request *req,
			 struct evbuffer *out)
{
	static const char *const done[] = {
		[HEALTH_AUTO] = "back under its check",
		[HEALTH_DRAIN] = "drained: weight 0 until `enable` or `auto`",
		[HEALTH_ENABLE] = "enabled: in the table whatever its check says, until `drain` or `auto`",
	};
	enum health_override o = strcmp(req->argv[0], "drain") == 0 ? HEALTH_DRAIN
			       : strcmp(req->argv[0], "enable") == 0 ? HEALTH_ENABLE : HEALTH_AUTO;
	struct health_rs *r;
	char err[256];

	if (req->argc != 3) {
		evbuffer_add_printf(out, "usage: %s SERVICE REAL (SERVICE: its name or VIP:port; "
				    "REAL: IP:port)\n", req->argv[0]);
		return false;
	}
	r = health_lookup(&ctx->health, ctx->cfg, req->argv[1], req->argv[2], err, sizeof(err));
	if (!r) {
		evbuffer_add_printf(out, "%s\n", err);
		return false;
	}
	health_set_override(r, o);
	lvsd_apply(ctx);
	evbuffer_add_printf(out, "%s %s: %s%s\n", req->argv[1], req->argv[2], done[o],
			    o == HEALTH_AUTO && !health_rs_healthy(r) ? " (which says down)" : "");
	return true;
}

static bool cmd_vrrp(struct lvsd *ctx, const struct ctl_request *req, struct evbuffer *out)
{
	if (req->argc != 1) {
		evbuffer_add_printf(out, "usage: vrrp\n");
		return false;
	}
	return status_render_vrrp(ctx, out) == 0;
}

static const struct {
	const char *name;
	ctl_handler run;
} ctl_commands[] = {
	{ "status", cmd_status },
	{ "reload", cmd_reload },
	{ "list", ctl_cmd_list },
	{ "save", ctl_cmd_save },
	{ "drain", cmd_override },
	{ "enable", cmd_override },
	{ "auto", cmd_override },
	{ "vrrp", cmd_vrrp },
	{ "metrics", ctl_cmd_metrics },
};

static bool dispatch(struct lvsd *ctx, const struct ctl_request *req,
		     struct evbuffer *out)
{
	for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		if (strcmp(req->argv[0], ctl_commands[i].name) == 0)
			return ctl_commands[i].run(ctx, req, out);
	evbuffer_add_printf(out, "unknown command '%.64s'; commands:", req->argv[0]);
	for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		evbuffer_add_printf(out, " %s", ctl_commands[i].name);
	evbuffer_add_printf(out, "\n");
	return false;
}

static void client_free(struct ctl_client *c)
{
	TAILQ_REMOVE(&c->srv->clients, c, entry);
	c->srv->n_clients--;
	status_job_free(c->job);
	metrics_job_free(c->mjob);
	if (c->mbody)
		evbuffer_free(c->mbody);
	bufferevent_free(c->bev);
	free(c);
}

/* Once the answer has left, the conversation is over. */
static void on_flushed(struct bufferevent *bev, void *arg)
{
	struct ctl_client *c = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		client_free(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg);

static void answer(struct ctl_client *c, bool ok, struct evbuffer *body)
{
	char head[CTL_MAX_HEADER];
	int n = ctl_response_header(ok, evbuffer_get_length(body), head, sizeof(head));
	struct evbuffer *out = bufferevent_get_output(c->bev);

	evbuffer_add(out, head, (size_t)n);
	evbuffer_add_buffer(out, body);
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, on_flushed, on_event, c);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void answer_bad_request(struct ctl_client *c, const char *why)
{
	struct evbuffer *body = evbuffer_new();

	/* Logged here, so an over-long line is logged like any bad request. */
	log_info(&c->srv->ctx->log, "control client %d: bad request: %s", c->id, why);
	if (!body) {
		client_free(c);
		return;
	}
	evbuffer_add_printf(body, "bad request: %s\n", why);
	answer(c, false, body);
	evbuffer_free(body);
}

static void log_job_done(struct ctl_client *c, size_t bytes)
{
	unsigned steps, restarts;

	status_job_counts(c->job, &steps, &restarts);
	log_debug(&c->srv->ctx->log, "control client %d: status --json: %zu bytes in %u "
		  "slice(s), started again %u time(s) after a reload", c->id, bytes, steps,
		  restarts);
}

/* c's status document is built: the answer. */
static void on_status_built(struct status_job *job, int rc, void *arg)
{
	struct ctl_client *c = arg;
	struct evbuffer *body = evbuffer_new();

	(void)job;
	if (!body) {
		client_free(c);
		return;
	}
	if (rc < 0 || status_job_take(c->job, body) < 0) {
		evbuffer_drain(body, evbuffer_get_length(body));
		evbuffer_add_printf(body, "status: out of memory\n");
		rc = -1;
	}
	log_job_done(c, evbuffer_get_length(body));
	status_job_free(c->job);
	c->job = NULL;
	answer(c, rc > 0, body);
	evbuffer_free(body);
}

static bool start_status_job(struct ctl_client *c)
{
	c->job = status_job_start(c->srv->ctx, on_status_built, c);
	if (!c->job)
		return false;
	bufferevent_disable(c->bev, EV_READ);
	return true;
}

/* c's exposition is written: the answer. */
static void on_metrics_written(struct metrics_job *job, int rc, void *arg)
{
	struct ctl_client *c = arg;
	struct evbuffer *body = c->mbody;

	if (rc < 0) {
		evbuffer_drain(body, evbuffer_get_length(body));
		evbuffer_add_printf(body, "metrics: out of memory\n");
	}
	log_debug(&c->srv->ctx->log, "control client %d: metrics: %zu bytes in %u slice(s)",
		  c->id, evbuffer_get_length(body), metrics_job_steps(job));
	metrics_job_free(job);
	c->mjob = NULL;
	c->mbody = NULL;
	answer(c, rc > 0, body);
	evbuffer_free(body);
}

static bool start_metrics_job(struct ctl_client *c)
{
	if (!(c->mbody = evbuffer_new()))
		return false;
	c->mjob = metrics_job_start(c->srv->ctx, c->mbody, on_metrics_written, c);
	if (!c->mjob)
		return false;
	bufferevent_disable(c->bev, EV_READ);
	return true;
}

static bool is_status_json(const struct ctl_request *req)
{
	return req->argc == 2 && strcmp(req->argv[0], "status") == 0 &&
	       strcmp(req->argv[1], "--json") == 0;
}

static bool is_metrics(const struct ctl_request *req)
{
	return req->argc == 1 && strcmp(req->argv[0], "metrics") == 0;
}

static void handle_line(struct ctl_client *c, const char *line, size_t len)
{
	struct lvsd *ctx = c->srv->ctx;
	struct ctl_request req;
	struct evbuffer *body;
	char err[128];
	bool ok;

	if (ctl_request_parse(line, len, &req, err, sizeof(err)) < 0) {
		answer_bad_request(c, err);
		return;
	}
	log_debug(&ctx->log, "control client %d: %s", c->id, req.argv[0]);
	if (is_status_json(&req) || is_metrics(&req)) {
		if (!(is_metrics(&req) ? start_metrics_job(c) : start_status_job(c)))
			client_free(c);
		return;
	}
	body = evbuffer_new();
	if (!body) {
		client_free(c);
		return;
	}
	ok = dispatch(ctx, &req, body);
	answer(c, ok, body);
	evbuffer_free(body);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct ctl_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);

	if (!line) {
		if (evbuffer_get_length(in) >= CTL_MAX_REQUEST)
			answer_bad_request(c, "no newline within 4096 bytes");
		return;
	}
	handle_line(c, line, len);
	free(line);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_client *c = arg;

	if (what & BEV_EVENT_TIMEOUT)
		log_info(&c->srv->ctx->log, "control client %d: timed out", c->id);
	else if (what & BEV_EVENT_ERROR)
		log_info(&c->srv->ctx->log, "control client %d: %s", c->id,
			 strerror(EVUTIL_SOCKET_ERROR()));
	/* EOF before a full request, a timeout, or an error: just let go. */
	client_free(c);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
		      struct sockaddr *sa, int salen, void *arg)
{
	static const struct timeval read_timeout = { CTL_READ_TIMEOUT_S, 0 };
	struct ctl_server *srv = arg;
	struct ctl_client *c;

	if (srv->n_clients >= CTL_MAX_CLIENTS) {
		static const char why[] = "too many control connections\n";
		char head[CTL_MAX_HEADER];
		int n = ctl_response_header(false, sizeof(why) - 1, head, sizeof(head));

		/* Best effort: the socket is fresh, so this cannot block long. */
		if (write(fd, head, (size_t)n) == n && write(fd, why, sizeof(why) - 1) < 0)
			log_debug(&srv->ctx->log, "control: refusing a client failed");
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
					BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		free(c);
		close(fd);
		return;
	}
	c->srv = srv;
	c->id = ++srv->next_id;
	TAILQ_INSERT_TAIL(&srv->clients, c, entry);
	srv->n_clients++;
	bufferevent_setwatermark(c->bev, EV_READ, 0, CTL_MAX_REQUEST);
	bufferevent_set_timeouts(c->bev, &read_timeout, &read_timeout);
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_enable(c->bev, EV_READ);
}

/* A socket file nobody answers on is left over from a crash. */
static int clear_stale_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	memcpy(un.sun_path, path, strlen(path) + 1);
	rc = connect(fd, (struct sockaddr *)&un, sizeof(un));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "another daemon is answering on %s", path);
		return -1;
	}
	if (unlink(path) < 0) {
		snprintf(err, errlen, "cannot remove stale socket %s: %s", path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int bind_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	mode_t old_umask;
	int fd, rc;

	if (strlen(path) >= sizeof(un.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", path);
		return -1;
	}
	memcpy(un.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* Created 0600 from the start: no window where others may connect. */
	old_umask = umask(0177);
	rc = bind(fd, (struct sockaddr *)&un, sizeof(un));
	umask(old_umask);
	if (rc < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct ctl_server *ctl_server_start(struct lvsd *ctx, const char *path,
				    char *err, size_t errlen)
{
	struct ctl_server *srv;
	int fd;

	if (clear_stale_socket(path, err, errlen) < 0)
		return NULL;
	fd = bind_socket(path, err, errlen);
	if (fd < 0)
		return NULL;
	srv = calloc(1, sizeof(*srv));
	if (srv)
		srv->path = strdup(path);
	if (!srv || !srv->path) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	srv->ctx = ctx;
	TAILQ_INIT(&srv->clients);
	srv->listener = evconnlistener_new(ctx->base, on_accept, srv,
					   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
					   -1, fd);
	if (!srv->listener) {
		snprintf(err, errlen, "cannot watch %s: %s", path, strerror(errno));
		goto fail;
	}
	return srv;
fail:
	if (srv)
		free(srv->path);
	free(srv);
	close(fd);
	unlink(path);
	return NULL;
}

void ctl_server_stop(struct ctl_server *srv)
{
	if (!srv)
		return;
	while (!TAILQ_EMPTY(&srv->clients))
		client_free(TAILQ_FIRST(&srv->clients));
	evconnlistener_free(srv->listener);
	unlink(srv->path);
	free(srv->path);
	free(srv);
}

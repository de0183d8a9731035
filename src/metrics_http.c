/*
 * metrics_http.c - the HTTP side of global.metrics_listen: libevent's
 * evhttp on the daemon's loop, GET (or HEAD) /metrics answered with the
 * exposition of metrics.c, another path 404, another method 405. Scrapers are
 * bounded like control clients: a timeout, capped headers and bodies.
 * A reload that moves the address binds the new one before it lets go
 * of the old, so a typo in the new address leaves the old one serving.
 */
#include "config.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvsd.h"
#include "metrics.h"
#include "prom.h"

#define METRICS_TIMEOUT_S 10
#define METRICS_MAX_HEADERS 8192

struct metrics_http {
	struct lvsd *ctx;
	struct evhttp *http;
	struct lvs_addr addr;		/* where it listens */
};

static void on_request(struct evhttp_request *req, void *arg)
{
	struct metrics_http *m = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct evbuffer *body;

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		evhttp_send_error(req, 405, "lvsd's metrics are read with GET");
		return;
	}
	if (!path || strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "lvsd serves /metrics only");
		return;
	}
	body = evbuffer_new();
	if (!body || metrics_render(m->ctx, body) < 0) {
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		if (body)
			evbuffer_free(body);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  PROM_CONTENT_TYPE);
	if (cmd == EVHTTP_REQ_HEAD) {
		/* The length a GET would get, and no body: evhttp would send one. */
		char len[32];

		snprintf(len, sizeof(len), "%zu", evbuffer_get_length(body));
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Length", len);
		evbuffer_drain(body, evbuffer_get_length(body));
	}
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

static struct evhttp *listen_on(struct lvsd *ctx, const struct lvs_addr *a, char *err,
				size_t errlen, struct metrics_http *m)
{
	struct evhttp *http = evhttp_new(ctx->base);
	char ip[ADDR_STRLEN], full[ADDR_STRLEN];

	if (!http) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* Every method reaches on_request, so that the wrong one is a 405, not a 501. */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
				   EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
				   EVHTTP_REQ_PATCH);
	evhttp_set_timeout(http, METRICS_TIMEOUT_S);
	evhttp_set_max_headers_size(http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(http, 0);
	evhttp_set_gencb(http, on_request, m);
	addr_format_ip(a, ip, sizeof(ip));
	if (!evhttp_bind_socket_with_handle(http, ip, a->port)) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr_format(a, full, sizeof(full)),
			 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		evhttp_free(http);
		return NULL;
	}
	return http;
}

int metrics_http_sync(struct lvsd *ctx, char *err, size_t errlen)
{
	const struct lvs_addr *want = &ctx->cfg->global.metrics_listen;
	struct metrics_http *m = ctx->metrics_http;
	struct evhttp *http;
	char a[ADDR_STRLEN];

	if (!want->af) {
		if (m)
			log_notice(&ctx->log, "metrics: no longer listening on %s",
				   addr_format(&m->addr, a, sizeof(a)));
		metrics_http_free(m);
		ctx->metrics_http = NULL;
		return 0;
	}
	if (m && addr_equal(&m->addr, want))
		return 0;
	if (!m && !(m = calloc(1, sizeof(*m)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->ctx = ctx;
	if (!(http = listen_on(ctx, want, err, errlen, m))) {
		if (!ctx->metrics_http)
			free(m);
		return -1;
	}
	if (m->http)
		evhttp_free(m->http);
	m->http = http;
	m->addr = *want;
	ctx->metrics_http = m;
	log_notice(&ctx->log, "metrics: serving http://%s/metrics", addr_format(want, a, sizeof(a)));
	return 0;
}

void metrics_http_free(struct metrics_http *m)
{
	if (!m)
		return;
	if (m->http)
		evhttp_free(m->http);
	free(m);
}

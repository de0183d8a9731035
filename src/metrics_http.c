/*
 * metrics_http.c - the HTTP side of global.metrics_listen: libevent's
 * evhttp on the daemon's loop, GET (or HEAD) /metrics answered with the
 * exposition of metrics.c, another path 404, another method 405. The
 * reply waits for the exposition, written a slice per turn of the loop
 * (a metrics job), so a scrape of a large table does not hold the checks.
 * Scrapers are bounded like control clients: a timeout, capped headers
 * and bodies, and at most METRICS_MAX_SCRAPES being written at once.
 * A reload that moves the address binds the new one before it lets go
 * of the old, so a typo in the new address leaves the old one serving.
 */
#include "config.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "lvsd.h"
#include "metrics.h"
#include "prom.h"

#define METRICS_TIMEOUT_S 10
#define METRICS_MAX_HEADERS 8192
/* Scrapes being written at once; each holds its exposition (~10 MB at 10,000 real servers). */
#define METRICS_MAX_SCRAPES 8

/* One GET or HEAD whose exposition is being written (a metrics job). */
struct scrape {
	struct metrics_http *m;
	struct evhttp_request *req;	/* evhttp's until the reply, which frees it */
	struct evbuffer *body;
	struct metrics_job *job;
	bool head;
	char peer[ADDR_STRLEN + 8];	/* for the log: the connection may be gone at the end */
	TAILQ_ENTRY(scrape) entry;
};

struct metrics_http {
	struct lvsd *ctx;
	struct evhttp *http;
	struct lvs_addr addr;		/* where it listens */
	TAILQ_HEAD(, scrape) scrapes;
	unsigned n_scrapes;
};

static void scrape_free(struct scrape *sc)
{
	TAILQ_REMOVE(&sc->m->scrapes, sc, entry);
	sc->m->n_scrapes--;
	metrics_job_free(sc->job);
	if (sc->body)
		evbuffer_free(sc->body);
	free(sc);
}

/*
 * The exposition is written: the reply. If the scraper hung up or timed
 * out meanwhile, evhttp has let go of the connection and the reply only
 * frees the request.
 */
static void on_written(struct metrics_job *job, int rc, void *arg)
{
	struct scrape *sc = arg;
	struct evkeyvalq *headers = evhttp_request_get_output_headers(sc->req);

	log_debug(&sc->m->ctx->log, "metrics: %s from %s: %zu bytes in %u slice(s)",
		  sc->head ? "HEAD" : "GET", sc->peer, evbuffer_get_length(sc->body),
		  metrics_job_steps(job));
	if (rc < 0) {
		evhttp_send_error(sc->req, HTTP_INTERNAL, "out of memory");
		scrape_free(sc);
		return;
	}
	evhttp_add_header(headers, "Content-Type", PROM_CONTENT_TYPE);
	if (sc->head) {
		/* The length a GET would get, and no body: evhttp would send one. */
		char len[32];

		snprintf(len, sizeof(len), "%zu", evbuffer_get_length(sc->body));
		evhttp_add_header(headers, "Content-Length", len);
		evbuffer_drain(sc->body, evbuffer_get_length(sc->body));
	}
	evhttp_send_reply(sc->req, HTTP_OK, "OK", sc->body);
	scrape_free(sc);
}

static void peer_name(struct evhttp_request *req, char *buf, size_t len)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	char *host = NULL;
	ev_uint16_t port = 0;

	if (evcon)
		evhttp_connection_get_peer(evcon, &host, &port);
	snprintf(buf, len, "%s:%u", host ? host : "?", (unsigned)port);
}

static void scrape_start(struct metrics_http *m, struct evhttp_request *req, bool head)
{
	struct scrape *sc;

	if (m->n_scrapes >= METRICS_MAX_SCRAPES) {
		evhttp_send_error(req, HTTP_SERVUNAVAIL, "too many scrapes at once; try again");
		return;
	}
	if (!(sc = calloc(1, sizeof(*sc)))) {
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		return;
	}
	sc->m = m;
	sc->req = req;
	sc->head = head;
	peer_name(req, sc->peer, sizeof(sc->peer));
	log_debug(&m->ctx->log, "metrics: %s from %s", head ? "HEAD" : "GET", sc->peer);
	TAILQ_INSERT_TAIL(&m->scrapes, sc, entry);
	m->n_scrapes++;
	if (!(sc->body = evbuffer_new()) ||
	    !(sc->job = metrics_job_start(m->ctx, sc->body, on_written, sc))) {
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		scrape_free(sc);
	}
}

/*
 * Before the listener goes (stop, or a move to another address): its
 * connections and their requests go with it, so no reply can follow.
 */
static void scrapes_cancel(struct metrics_http *m)
{
	while (!TAILQ_EMPTY(&m->scrapes))
		scrape_free(TAILQ_FIRST(&m->scrapes));
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct metrics_http *m = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		evhttp_send_error(req, 405, "lvsd's metrics are read with GET");
		return;
	}
	if (!path || strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "lvsd serves /metrics only");
		return;
	}
	scrape_start(m, req, cmd == EVHTTP_REQ_HEAD);
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
	if (!m) {
		if (!(m = calloc(1, sizeof(*m)))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		TAILQ_INIT(&m->scrapes);
	}
	m->ctx = ctx;
	if (!(http = listen_on(ctx, want, err, errlen, m))) {
		if (!ctx->metrics_http)
			free(m);
		return -1;
	}
	scrapes_cancel(m);
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
	scrapes_cancel(m);
	if (m->http)
		evhttp_free(m->http);
	free(m);
}

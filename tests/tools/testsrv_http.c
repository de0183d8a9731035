/*
 * testsrv_http.c - lvs-testsrv's HTTP/1.0 and 1.1 server.
 *
 * Every answer says which server gave it: the header X-Server: ID and a
 * body that starts with the line "ID" (then "client IP:PORT" when a PROXY
 * v2 header told us the client), so a test can count how a director
 * spread its requests. X-Client is the client as the server knows it.
 * The path picks the behaviour from routes[]: /health, /status/NNN,
 * /size/N (a generated body of N bytes, for transfer benchmarks), /slow
 * (the body one byte per 200 ms), /drip/MS (the whole answer, status line
 * first, one byte per MS ms), /close (the headers, then a close), /hang
 * (no answer ever). The misbehaving ones are for health checks, and
 * /sick/PATH lets a test choose the moment: it answers as /health while
 * the server is well and as /PATH while it is sick (SIGUSR1 .. SIGUSR2).
 * With --flap P, /health alternates 200 and 503 every P ms; with
 * --flap-each N, every N requests to it (a flap that no delay of the
 * client can turn into a run of alike answers). Requests are
 * read one at a time, so pipelined ones are answered in order; while a
 * long answer is written the connection reads nothing more.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "testsrv_srv.h"

#define HTTP_MAX_LINE		8192
#define HTTP_MAX_HEADERS	100
#define SLOW_STEP_MS		200
#define DRIP_MAX_MS		10000
#define FILL_CHUNK		(64 * 1024)
#define FILL_LOW		(128 * 1024)	/* refill /size below this much pending */
#define FILL_HIGH		(512 * 1024)

static const struct {
	int code;
	const char *text;
} reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
	{ 301, "Moved Permanently" }, { 302, "Found" }, { 304, "Not Modified" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
	{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 408, "Request Timeout" },
	{ 429, "Too Many Requests" }, { 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
};

static const char *reason(int code)
{
	size_t i;

	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (reasons[i].code == code)
			return reasons[i].text;
	return "Status";
}

/* The body every ordinary answer carries. Returns its length. */
static size_t id_body(const struct conn *c, char *buf, size_t len)
{
	int n;

	if (c->proxied)
		n = snprintf(buf, len, "%s\nclient %s\n", c->l->srv->id, c->client);
	else
		n = snprintf(buf, len, "%s\n", c->l->srv->id);
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

/* Status line and headers into out. clen < 0: no Content-Length (204, 304). */
static void http_head_to(struct conn *c, struct evbuffer *out, int code, int64_t clen)
{
	evbuffer_add_printf(out, "HTTP/1.%d %d %s\r\nServer: lvs-testsrv\r\n"
			    "X-Server: %s\r\nX-Client: %s\r\n",
			    c->minor, code, reason(code), c->l->srv->id, c->client);
	if (clen >= 0)
		evbuffer_add_printf(out, "Content-Length: %lld\r\n", (long long)clen);
	evbuffer_add_printf(out, "Connection: %s\r\n\r\n", c->keepalive ? "keep-alive" : "close");
}

static void http_head(struct conn *c, int code, int64_t clen)
{
	http_head_to(c, bufferevent_get_output(c->bev), code, clen);
}

/* An answer with a whole body; HEAD gets the headers only. */
static void http_answer(struct conn *c, int code, const char *body, size_t len)
{
	http_head(c, code, (int64_t)len);
	if (!c->head)
		evbuffer_add(bufferevent_get_output(c->bev), body, len);
}

/* A request we will not serve: say why, then close. */
static void http_error(struct conn *c, int code, const char *why)
{
	char body[128];
	int n = snprintf(body, sizeof body, "%s\n", why);

	c->keepalive = false;
	c->head = false;
	http_answer(c, code, body, (size_t)n);
	conn_finish(c);
}

/* The answer is out (or queued): next request, or close. */
static void http_done(struct conn *c)
{
	c->resp = RESP_DONE;
	if (!c->keepalive || c->peer_eof) {
		conn_finish(c);
		return;
	}
	bufferevent_enable(c->bev, EV_READ);
	http_read(c);		/* requests that were pipelined behind this one */
}

static void route_id(struct conn *c, const char *arg)
{
	char body[sizeof c->drip_buf];

	http_answer(c, 200, body, id_body(c, body, sizeof body));
}

static void route_health(struct conn *c, const char *arg)
{
	struct srv *s = c->l->srv;
	bool sick = s->flap_ms > 0 && ts_now_ms() / (uint64_t)s->flap_ms % 2 == 1;

	if (s->flap_each > 0)
		sick = s->health_served++ / (unsigned long)s->flap_each % 2 == 1;
	if (sick)
		http_answer(c, 503, "flap\n", 5);
	else
		http_answer(c, 200, "ok\n", 3);
}

static void route_status(struct conn *c, const char *arg)
{
	char body[sizeof c->drip_buf];
	int code;

	/* 1xx would be followed by a second answer: not one we give. */
	if (strlen(arg) != 3 || strspn(arg, "0123456789") != 3 || arg[0] < '2' || arg[0] > '5') {
		http_error(c, 400, "status must be 200 to 599");
		return;
	}
	code = atoi(arg);
	if (code == 204 || code == 304) {
		http_head(c, code, -1);
		return;
	}
	http_answer(c, code, body, id_body(c, body, sizeof body));
}

static void size_fill(struct conn *c)
{
	static char block[FILL_CHUNK];
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t i;

	if (block[0] == '\0')
		for (i = 0; i < sizeof block; i++)
			block[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	/* By reference: a gigabyte costs no copies and no memory. */
	while (c->left > 0 && evbuffer_get_length(out) < FILL_HIGH) {
		size_t k = c->left < sizeof block ? (size_t)c->left : sizeof block;

		evbuffer_add_reference(out, block, k, NULL, NULL);
		c->left -= k;
	}
	if (c->left == 0)
		http_done(c);
}

static void route_size(struct conn *c, const char *arg)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end || errno || n > (1ULL << 50)) {
		http_error(c, 400, "size must be a byte count up to 2^50");
		return;
	}
	http_head(c, 200, (int64_t)n);
	if (c->head || n == 0)
		return;
	c->resp = RESP_SIZE;
	c->left = n;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setwatermark(c->bev, EV_WRITE, FILL_LOW, 0);
	size_fill(c);
}

static void drip(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct timeval step = { c->drip_ms / 1000, c->drip_ms % 1000 * 1000 };

	bufferevent_write(c->bev, c->drip_buf + c->drip_off++, 1);
	if (c->drip_off < c->drip_len)
		evtimer_add(c->drip, &step);
	else
		http_done(c);
}

/* Write c->drip_buf[0..drip_len) one byte every ms milliseconds. */
static void drip_start(struct conn *c, long ms)
{
	struct timeval step = { ms / 1000, ms % 1000 * 1000 };

	if (c->drip == NULL)
		c->drip = evtimer_new(c->l->srv->base, drip, c);
	if (c->drip == NULL) {
		http_error(c, 500, "cannot make a timer");
		return;
	}
	c->drip_ms = ms;
	c->drip_off = 0;
	c->resp = RESP_SLOW;
	bufferevent_disable(c->bev, EV_READ);
	evtimer_add(c->drip, &step);
}

static void route_slow(struct conn *c, const char *arg)
{
	c->drip_len = id_body(c, c->drip_buf, sizeof c->drip_buf);
	http_head(c, 200, (int64_t)c->drip_len);
	if (!c->head)
		drip_start(c, SLOW_STEP_MS);
}

/* The whole answer, status line first, a byte at a time: a check times out reading it. */
static void route_drip(struct conn *c, const char *arg)
{
	char body[TS_ID_MAX + TS_ADDRSTRLEN + 16], *end;
	struct evbuffer *all;
	size_t len = id_body(c, body, sizeof body);
	long ms;

	errno = 0;
	ms = strtol(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end || errno || ms < 1 || ms > DRIP_MAX_MS) {
		http_error(c, 400, "drip must be 1 to 10000 ms a byte");
		return;
	}
	all = evbuffer_new();
	if (all == NULL) {
		http_error(c, 500, "out of memory");
		return;
	}
	http_head_to(c, all, 200, (int64_t)len);
	if (!c->head)
		evbuffer_add(all, body, len);
	c->drip_len = (size_t)evbuffer_remove(all, c->drip_buf, sizeof c->drip_buf);
	evbuffer_free(all);
	drip_start(c, ms);
}

/*
 * Answer nothing, ever: a black hole behind a live listener. Reading goes
 * on (and reads nothing more into requests) so that the client's close
 * frees the connection.
 */
static void route_hang(struct conn *c, const char *arg)
{
	c->resp = RESP_HANG;
}

/* Promise a body, then close without it: a truncated answer. */
static void route_close(struct conn *c, const char *arg)
{
	char body[sizeof c->drip_buf];

	c->keepalive = false;
	http_head(c, 200, (int64_t)id_body(c, body, sizeof body));
	conn_finish(c);
}

static void route_sick(struct conn *c, const char *arg);

static const struct route {
	const char *path;
	bool prefix;		/* the rest of the path is the argument */
	void (*answer)(struct conn *c, const char *arg);
} routes[] = {
	{ "/health", false, route_health },
	{ "/status/", true, route_status },
	{ "/size/", true, route_size },
	{ "/slow", false, route_slow },
	{ "/drip/", true, route_drip },
	{ "/close", false, route_close },
	{ "/hang", false, route_hang },
	{ "/sick/", true, route_sick },
	{ NULL, false, route_id },	/* everything else */
};

static void http_route(struct conn *c, const char *path)
{
	const struct route *r;
	size_t n;

	for (r = routes; r->path; r++) {
		n = strlen(r->path);
		if (r->prefix ? strncmp(path, r->path, n) == 0 : strcmp(path, r->path) == 0)
			break;
	}
	r->answer(c, r->path ? path + strlen(r->path) : path);
}

/* /sick/PATH: /health while the server is well, /PATH while it is sick. */
static void route_sick(struct conn *c, const char *arg)
{
	char path[sizeof c->path];

	if (!c->l->srv->sick) {
		route_health(c, "");
		return;
	}
	snprintf(path, sizeof path, "/%s", arg);
	if (strncmp(path, "/sick/", 6) == 0)	/* no recursion */
		http_error(c, 400, "/sick/ inside /sick/");
	else
		http_route(c, path);
}

static void http_respond(struct conn *c)
{
	c->path[strcspn(c->path, "?")] = '\0';
	http_route(c, c->path);
}

/* A whole request is in: answer it; an answer given at once may end the connection. */
static void http_request(struct conn *c)
{
	c->req = REQ_LINE;
	http_respond(c);
	if (c->resp == RESP_DONE && !c->keepalive && !c->closing)
		conn_finish(c);
}

static void http_request_line(struct conn *c, char *line)
{
	char *method = line, *path, *version;

	path = strchr(line, ' ');
	version = path ? strchr(path + 1, ' ') : NULL;
	if (version == NULL || strchr(version + 1, ' ')) {
		http_error(c, 400, "request line is not METHOD PATH VERSION");
		return;
	}
	*path++ = *version++ = '\0';
	if (strcmp(version, "HTTP/1.0") != 0 && strcmp(version, "HTTP/1.1") != 0) {
		http_error(c, 400, "version is not HTTP/1.0 or HTTP/1.1");
		return;
	}
	c->minor = version[7] - '0';
	if (*method == '\0' || strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(method) ||
	    *path != '/' || strlen(path) >= sizeof c->path) {
		http_error(c, 400, "bad method or path");
		return;
	}
	strcpy(c->path, path);
	c->head = strcmp(method, "HEAD") == 0;
	c->keepalive = c->minor == 1;
	c->nheaders = 0;
	c->req_body = 0;
	c->req = REQ_HEADERS;
}

static void http_header(struct conn *c, char *line)
{
	char *value = strchr(line, ':'), *end;

	if (value == NULL || value == line) {
		http_error(c, 400, "header line without a name");
		return;
	}
	*value++ = '\0';
	value += strspn(value, " \t");
	if (strcasecmp(line, "Connection") == 0) {
		if (strcasestr(value, "close"))
			c->keepalive = false;
		else if (strcasestr(value, "keep-alive"))
			c->keepalive = true;
	} else if (strcasecmp(line, "Content-Length") == 0) {
		errno = 0;
		c->req_body = strtoull(value, &end, 10);
		if (*value < '0' || *value > '9' || *end || errno)
			http_error(c, 400, "bad Content-Length");
	} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
		http_error(c, 501, "chunked request bodies are not supported");
	}
}

static void http_line(struct conn *c, char *line, size_t len)
{
	if (strlen(line) != len) {
		http_error(c, 400, "NUL byte in the request");
	} else if (c->req == REQ_LINE) {
		if (len > 0)	/* RFC 7230 3.5: ignore empty lines before a request */
			http_request_line(c, line);
	} else if (len > 0) {
		if (++c->nheaders > HTTP_MAX_HEADERS)
			http_error(c, 431, "too many header lines");
		else
			http_header(c, line);
	} else if (c->req_body > 0) {
		c->req = REQ_BODY;
	} else {
		http_request(c);
	}
}

void http_read(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t len;
	char *line;

	while (!c->closing && c->resp == RESP_DONE) {
		if (c->req == REQ_BODY) {
			len = evbuffer_get_length(in);
			if (len > c->req_body)
				len = (size_t)c->req_body;
			evbuffer_drain(in, len);
			c->req_body -= len;
			if (c->req_body > 0)
				return;
			http_request(c);
			continue;
		}
		line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);
		if (line == NULL) {
			if (evbuffer_get_length(in) > HTTP_MAX_LINE)
				http_error(c, 431, "line longer than 8192 bytes");
			return;
		}
		http_line(c, line, len);
		free(line);
	}
}

void http_drain(struct conn *c)
{
	if (c->resp == RESP_SIZE)
		size_fill(c);
}

/*
 * The client's FIN. A client may half-close right after its request
 * (HTTP/1.0 tools do): answer what it asked, then close.
 */
void http_eof(struct conn *c)
{
	c->keepalive = false;
	if (c->resp == RESP_DONE || c->resp == RESP_HANG)
		conn_finish(c);
}

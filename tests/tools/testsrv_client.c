/*
 * testsrv_client.c - lvs-testsrv's client modes, so that the lab's tests
 * need neither curl nor netcat and measure what they need directly:
 *
 *   --get URL           one GET; the body on stdout (--include: the status
 *                       line and headers first). Exit 0 once a whole answer
 *                       came, whatever its status.
 *   --get-many N URL    N GETs, --concurrency C at a time, a new connection
 *                       each (--keepalive: reused); prints "ID COUNT" per
 *                       server id that answered (X-Server, else the body's
 *                       first line), sorted, then "ERROR COUNT" if any
 *                       failed (exit 1). How a director spreads requests.
 *   --send tcp://A:P    stdin to the server, then our FIN; everything the
 *                       server sends until its FIN on stdout (half-close).
 *   --send udp://A:P    stdin as one datagram; the one reply on stdout.
 *
 * URLs are http://IP:PORT/PATH or http://[IPv6]:PORT/PATH (port 80 by
 * default). --timeout bounds every wait; --send-proxy-v2 opens each TCP
 * connection with a PROXY v2 header naming a client address of our choice.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "testsrv.h"

#define MAX_IDS		256
#define MAX_ERRORS_SHOWN 5
#define SEND_MAX	(64 * 1024 * 1024)

struct tally {
	char id[TS_ID_MAX];
	long n;
};

/* One run of --get or --get-many. */
struct run {
	const struct ts_client_opts *o;
	struct event_base *base;
	struct ts_addr dst;
	char host[TS_ADDRSTRLEN];	/* the Host header */
	const char *path;
	long started, done, errors, active;
	bool starting;			/* in hconn_start: no recursion into it */
	struct tally tally[MAX_IDS];
	int ntally;
};

enum hstate { H_STATUS, H_HEADERS, H_BODY };

struct hconn {
	struct run *r;
	struct bufferevent *bev;
	enum hstate state;
	int status;
	bool server_close;
	bool in_request;
	int64_t clen;			/* -1: until the server closes */
	int64_t got;
	char id[TS_ID_MAX];
};

static void hconn_start(struct run *r);

/* "http://HOST[:PORT]/PATH" into r->dst, r->host and r->path. */
static int parse_url(struct run *r, const char *url)
{
	const char *hp = url + 7, *slash;
	char err[160], buf[TS_ADDRSTRLEN + 8];
	size_t n;

	if (strncmp(url, "http://", 7) != 0) {
		ts_warn("URL '%s' does not start with http://", url);
		return -1;
	}
	slash = strchr(hp, '/');
	n = slash ? (size_t)(slash - hp) : strlen(hp);
	if (n == 0 || n >= TS_ADDRSTRLEN) {
		ts_warn("URL '%s' has no host", url);
		return -1;
	}
	memcpy(r->host, hp, n);
	r->host[n] = '\0';
	r->path = slash ? slash : "/";
	/* No port after the address (or after "]"): HTTP's own. */
	if (hp[n - 1] == ']' || strchr(r->host, ':') == NULL)
		snprintf(buf, sizeof buf, "%s:80", r->host);
	else
		snprintf(buf, sizeof buf, "%s", r->host);
	if (ts_addr_parse(buf, &r->dst, err, sizeof err) < 0) {
		ts_warn("URL '%s': %s", url, err);
		return -1;
	}
	return 0;
}

static void tally_add(struct run *r, const char *id)
{
	int i;

	if (*id == '\0')
		id = "?";
	for (i = 0; i < r->ntally; i++)
		if (strcmp(r->tally[i].id, id) == 0)
			break;
	if (i == r->ntally) {
		if (r->ntally == MAX_IDS)
			i = MAX_IDS - 1;	/* lumped into the last: a test bug anyway */
		else
			snprintf(r->tally[r->ntally++].id, TS_ID_MAX, "%s", id);
	}
	r->tally[i].n++;
}

static void hconn_free(struct hconn *h)
{
	struct run *r = h->r;

	bufferevent_free(h->bev);
	free(h);
	r->active--;
	if (r->done == r->o->count)
		event_base_loopexit(r->base, NULL);
	else if (!r->starting)
		hconn_start(r);
}

/* The request in flight failed: count it and drop the connection. */
static void hconn_fail(struct hconn *h, const char *why)
{
	struct run *r = h->r;

	if (r->errors++ < MAX_ERRORS_SHOWN)
		ts_warn("GET %s: %s", r->o->url, why);
	r->done++;
	hconn_free(h);
}

static void hconn_request(struct hconn *h)
{
	struct run *r = h->r;
	const char *conn = r->o->keepalive ? "keep-alive" : "close";

	r->started++;
	h->state = H_STATUS;
	h->in_request = true;
	h->clen = -1;
	h->got = 0;
	h->id[0] = '\0';
	h->server_close = !r->o->keepalive;
	evbuffer_add_printf(bufferevent_get_output(h->bev),
			    "GET %s HTTP/1.%d\r\nHost: %s\r\nUser-Agent: lvs-testsrv\r\n"
			    "Connection: %s\r\n\r\n", r->path, r->o->http10 ? 0 : 1, r->host, conn);
}

static void hconn_done(struct hconn *h)
{
	struct run *r = h->r;

	h->in_request = false;
	tally_add(r, h->id);
	r->done++;
	if (!h->server_close && r->started < r->o->count)
		hconn_request(h);
	else
		hconn_free(h);
}

/* A status or header line. Returns -1 (and fails h) on garbage. */
static int hconn_line(struct hconn *h, char *line)
{
	char *v;

	if (h->r->o->include)
		printf("%s\n", line);
	if (h->state == H_STATUS) {
		if (sscanf(line, "HTTP/1.%*1d %3d", &h->status) != 1) {
			hconn_fail(h, "bad status line");
			return -1;
		}
		h->state = H_HEADERS;
	} else if (*line == '\0') {
		h->state = H_BODY;
		if (h->status == 204 || h->status == 304)
			h->clen = 0;
		if (h->clen < 0)
			h->server_close = true;
	} else if ((v = strchr(line, ':')) != NULL) {
		*v++ = '\0';
		v += strspn(v, " \t");
		if (strcasecmp(line, "Content-Length") == 0)
			h->clen = strtoll(v, NULL, 10);
		else if (strcasecmp(line, "X-Server") == 0)
			snprintf(h->id, sizeof h->id, "%s", v);
		else if (strcasecmp(line, "Connection") == 0)
			h->server_close = h->server_close || strcasestr(v, "close");
	}
	return 0;
}

/* Body bytes: printed by --get; the first line is the id if no X-Server. */
static void hconn_body(struct hconn *h, struct evbuffer *in, size_t n)
{
	char buf[16384];
	size_t k;

	/* Bytes nobody looks at are dropped uncopied: /size benchmarks. */
	if (h->r->o->mode != TS_CLIENT_GET && (h->got > 0 || h->id[0] != '\0')) {
		evbuffer_drain(in, n);
		h->got += (int64_t)n;
		return;
	}
	while (n > 0) {
		k = evbuffer_remove(in, buf, n < sizeof buf ? n : sizeof buf);
		if (h->got == 0 && h->id[0] == '\0')
			snprintf(h->id, sizeof h->id, "%.*s", (int)strcspn(buf, "\n"), buf);
		if (h->r->o->mode == TS_CLIENT_GET)
			fwrite(buf, 1, k, stdout);
		h->got += (int64_t)k;
		n -= k;
	}
}

static void hconn_read(struct bufferevent *bev, void *arg)
{
	struct hconn *h = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	while (h->in_request) {
		if (h->state == H_BODY) {
			len = evbuffer_get_length(in);
			if (h->clen >= 0 && (int64_t)len > h->clen - h->got)
				len = (size_t)(h->clen - h->got);
			hconn_body(h, in, len);
			if (h->clen >= 0 && h->got == h->clen)
				hconn_done(h);
			return;
		}
		line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);
		if (line == NULL)
			return;
		if (hconn_line(h, line) < 0) {
			free(line);
			return;
		}
		free(line);
	}
}

static void hconn_event(struct bufferevent *bev, short what, void *arg)
{
	struct hconn *h = arg;
	char why[128];

	if (what & BEV_EVENT_CONNECTED)
		return;
	if ((what & BEV_EVENT_EOF) && h->state == H_BODY && h->clen < 0) {
		hconn_done(h);	/* the close ends the body */
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		snprintf(why, sizeof why, "timed out after %gs", h->r->o->timeout);
	else if (what & BEV_EVENT_EOF)
		snprintf(why, sizeof why, "connection closed %s",
			 h->state == H_BODY ? "before the whole body" : "before an answer");
	else
		snprintf(why, sizeof why, "%s", strerror(EVUTIL_SOCKET_ERROR()));
	hconn_fail(h, why);
}

/* Open connections until C are busy or all N requests are under way. */
static void hconn_start(struct run *r)
{
	const struct ts_client_opts *o = r->o;
	struct timeval tv = { (time_t)o->timeout, (suseconds_t)((o->timeout - (time_t)o->timeout) * 1e6) };
	uint8_t pp2[PP2_HDR_LEN + 36];
	struct hconn *h;

	/*
	 * A connect that fails at once ends here again through hconn_fail;
	 * the loop goes on instead, so a million refused requests are not
	 * a million stack frames.
	 */
	r->starting = true;
	while (r->active < o->concurrency && r->started < o->count) {
		h = calloc(1, sizeof *h);
		if (h == NULL || (h->bev = bufferevent_socket_new(r->base, -1,
							BEV_OPT_CLOSE_ON_FREE)) == NULL) {
			ts_warn("out of memory for a connection");
			exit(1);
		}
		h->r = r;
		r->active++;
		bufferevent_setcb(h->bev, hconn_read, NULL, hconn_event, h);
		bufferevent_set_timeouts(h->bev, &tv, &tv);
		bufferevent_enable(h->bev, EV_READ | EV_WRITE);
		if (o->send_proxy)
			bufferevent_write(h->bev, pp2, pp2_build(pp2,
				(struct sockaddr *)&o->proxy_src.ss, (struct sockaddr *)&r->dst.ss));
		hconn_request(h);
		if (bufferevent_socket_connect(h->bev, (struct sockaddr *)&r->dst.ss,
					       (int)r->dst.len) < 0)
			hconn_fail(h, strerror(errno));
	}
	r->starting = false;
}

static int tally_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tally *)a)->id, ((const struct tally *)b)->id);
}

static int run_http(const struct ts_client_opts *o)
{
	static struct run r;
	int i;

	r.o = o;
	if (parse_url(&r, o->url) < 0)
		return 2;
	r.base = event_base_new();
	if (r.base == NULL) {
		ts_warn("cannot create the event loop");
		return 1;
	}
	hconn_start(&r);
	if (r.done < o->count)
		event_base_dispatch(r.base);
	event_base_free(r.base);
	if (o->mode == TS_CLIENT_GET_MANY) {
		qsort(r.tally, (size_t)r.ntally, sizeof r.tally[0], tally_cmp);
		for (i = 0; i < r.ntally; i++)
			printf("%s %ld\n", r.tally[i].id, r.tally[i].n);
		if (r.errors)
			printf("ERROR %ld\n", r.errors);
	}
	fflush(stdout);
	return r.errors ? 1 : 0;
}

/* ---- --send ------------------------------------------------------------------ */

/* stdin, after the PROXY header if one is wanted, into a new buffer. */
static char *read_input(const struct ts_client_opts *o, const struct ts_addr *dst, size_t *len)
{
	size_t cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;

	*len = 0;
	if (buf && o->send_proxy)
		*len = pp2_build((uint8_t *)buf, (struct sockaddr *)&o->proxy_src.ss,
				 (struct sockaddr *)&dst->ss);
	while (buf) {
		if (*len == cap) {
			char *more = cap < SEND_MAX ? realloc(buf, cap * 2) : NULL;

			if (more == NULL) {
				ts_warn("--send: stdin is more than %d bytes", SEND_MAX);
				break;
			}
			buf = more;
			cap *= 2;
		}
		n = read(0, buf + *len, cap - *len);
		if (n == 0)
			return buf;
		if (n < 0 && errno != EINTR) {
			ts_warn("--send: reading stdin: %s", strerror(errno));
			break;
		}
		*len += n > 0 ? (size_t)n : 0;
	}
	free(buf);
	return NULL;
}

/* Wait for fd; 0 on an event, -1 with a message when time is up. */
static int wait_fd(int fd, short events, int ms, const char *url)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return 0;
	ts_warn("--send %s: %s", url, n == 0 ? "timed out" : strerror(errno));
	return -1;
}

/* connect(), bounded by --timeout rather than the kernel's SYN retries. */
static int connect_within(int fd, const struct ts_addr *dst, int ms, const char *url)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (connect(fd, (const struct sockaddr *)&dst->ss, dst->len) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		ts_warn("--send %s: connect: %s", url, strerror(errno));
		return -1;
	}
	if (wait_fd(fd, POLLOUT, ms, url) < 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
		ts_warn("--send %s: connect: %s", url, strerror(err ? err : errno));
		return -1;
	}
	return 0;
}

/* Write everything (then our FIN) while reading everything until theirs. */
static int send_stream(int fd, const char *data, size_t len, int ms, const char *url)
{
	size_t off = 0;
	char buf[16384];
	ssize_t n;
	bool shut = false;

	for (;;) {
		if (off == len && !shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		if (wait_fd(fd, POLLIN | (shut ? 0 : POLLOUT), ms, url) < 0)
			return 1;
		if (!shut) {
			n = send(fd, data + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				break;
			off += n > 0 ? (size_t)n : 0;
		}
		n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == 0)
			return fflush(stdout) == 0 ? 0 : 1;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (n > 0)
			fwrite(buf, 1, (size_t)n, stdout);
	}
	ts_warn("--send %s: %s", url, strerror(errno));
	return 1;
}

static int run_send(const struct ts_client_opts *o)
{
	int udp = strncmp(o->url, "udp://", 6) == 0, fd, rc = 1, ms = (int)(o->timeout * 1000);
	struct ts_addr dst;
	char err[160], buf[65536];
	size_t len;
	char *data;
	ssize_t n;

	if (!udp && strncmp(o->url, "tcp://", 6) != 0) {
		ts_warn("--send '%s': not tcp://ADDR:PORT or udp://ADDR:PORT", o->url);
		return 2;
	}
	if (ts_addr_parse(o->url + 6, &dst, err, sizeof err) < 0) {
		ts_warn("--send: %s", err);
		return 2;
	}
	if ((data = read_input(o, &dst, &len)) == NULL)
		return 1;
	fd = socket(dst.ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ts_warn("--send %s: socket: %s", o->url, strerror(errno));
	} else if (connect_within(fd, &dst, ms, o->url) < 0) {
		/* connect_within said why */
	} else if (!udp) {
		rc = send_stream(fd, data, len, ms, o->url);
	} else if (send(fd, data, len, 0) < 0) {
		ts_warn("--send %s: %s", o->url, strerror(errno));
	} else if (wait_fd(fd, POLLIN, ms, o->url) == 0) {
		n = recv(fd, buf, sizeof buf, 0);
		if (n < 0)
			ts_warn("--send %s: %s", o->url, strerror(errno));
		else
			rc = fwrite(buf, 1, (size_t)n, stdout) != (size_t)n || fflush(stdout) != 0;
	}
	if (fd >= 0)
		close(fd);
	free(data);
	return rc;
}

int ts_client_run(const struct ts_client_opts *o)
{
	ts_raise_nofile();
	if (o->mode == TS_CLIENT_SEND)
		return run_send(o);
	return run_http(o);
}

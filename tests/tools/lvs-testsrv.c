/*
 * lvs-testsrv.c - the real server that lvsd's network-namespace lab runs
 * in each real-server namespace, and the command line of all its modes.
 *
 * One process serves every listener named on its command line from one
 * libevent loop: HTTP/1.0 and 1.1 with keep-alive, whose every answer names
 * the server (so a test can tell which real server a director picked), TCP
 * echo with half-close, and UDP echo. With --proxy-v2 each TCP connection
 * must open with a PROXY protocol v2 header and the client address it
 * carries is shown back. The listener kinds are the rows of modes[]; those
 * for health-check tests (https, smtp, dns, udp-sink) live in files of
 * their own. SIGUSR1 makes the server sick and SIGUSR2 well again: each
 * mode misbehaves in its way while sick (an HTTP /sick/ path, a 421
 * banner, an expired certificate, silence), so that a test breaks a real
 * server at a moment of its choosing. The process prints "ready" once
 * every listener is bound and stops cleanly on SIGTERM or SIGINT. The
 * client modes (--get, --get-many, --send) are in testsrv_client.c; the
 * HTTP routes are in testsrv_http.c.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "testsrv.h"
#include "testsrv_srv.h"

#define MAX_LISTENERS		(sizeof ((struct srv *)0)->listeners / sizeof (struct listener))
#define LISTEN_BACKLOG		4096
#define ECHO_MAX_PENDING	(1024 * 1024)
#define UDP_BURST		64	/* datagrams per wakeup: fair to the TCP listeners */

uint64_t ts_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- connections ------------------------------------------------------------ */

static void conn_free(struct conn *c)
{
	TAILQ_REMOVE(&c->l->srv->conns, c, entry);
	if (c->drip)
		event_free(c->drip);
	bufferevent_free(c->bev);
	free(c);
}

void conn_finish(struct conn *c)
{
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	/*
	 * Deferred, so that no caller ever sees its connection freed under
	 * it: the write callback frees it once the output is out.
	 */
	bufferevent_trigger(c->bev, EV_WRITE,
			    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

static void conn_proxy_header(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t len = evbuffer_get_length(in), hdrlen = 0;
	struct sockaddr_storage src;
	char why[128];
	const uint8_t *p;
	enum pp2_result r;

	p = evbuffer_pullup(in, (ev_ssize_t)(len < PP2_MAX_LEN ? len : PP2_MAX_LEN));
	r = pp2_parse(p, len, &hdrlen, &src, why, sizeof why);
	if (r == PP2_NEED_MORE)
		return;
	if (r == PP2_BAD) {
		ts_warn("%s (%s): connection from %s: %s", c->l->text,
			c->l->mode->name, c->client, why);
		conn_finish(c);
		return;
	}
	evbuffer_drain(in, hdrlen);
	/* LOCAL (a health check): the connection's own peer is the client. */
	if (src.ss_family != AF_UNSPEC)
		ts_addr_format((struct sockaddr *)&src, c->client, sizeof c->client);
	c->want_proxy = false;
	c->proxied = true;
	if (c->l->mode->open)
		c->l->mode->open(c);
}

static void conn_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->closing)
		return;
	if (c->want_proxy)
		conn_proxy_header(c);
	if (!c->want_proxy && !c->closing && c->l->mode->read)
		c->l->mode->read(c);
}

static void conn_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			conn_free(c);
		return;
	}
	if (c->l->mode->drain)
		c->l->mode->drain(c);
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	if (what == BEV_EVENT_CONNECTED)	/* TLS: the handshake is done */
		return;
	/* A reset, or a peer silent for IDLE_TIMEOUT_S: nobody to answer. */
	if (!(what & BEV_EVENT_EOF) || c->closing || c->l->mode->eof == NULL) {
		conn_free(c);
		return;
	}
	c->peer_eof = true;
	if (c->want_proxy)
		conn_finish(c);
	else
		c->l->mode->eof(c);
}

static void conn_new(struct evconnlistener *evl, evutil_socket_t fd,
		     struct sockaddr *peer, int peerlen, void *arg)
{
	struct listener *l = arg;
	struct timeval idle = { IDLE_TIMEOUT_S, 0 };
	struct conn *c;
	int one = 1;

	c = calloc(1, sizeof *c);
	if (c == NULL) {
		ts_warn("%s: out of memory for a connection", l->text);
		evutil_closesocket(fd);
		return;
	}
	/* Small answers on kept-alive connections must not wait for Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->l = l;
	if (l->mode->tls)
		c->bev = tls_bufferevent(l->srv, fd);
	else
		c->bev = bufferevent_socket_new(l->srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		ts_warn("%s: cannot make a bufferevent", l->text);
		evutil_closesocket(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&l->srv->conns, c, entry);
	ts_addr_format(peer, c->client, sizeof c->client);
	c->want_proxy = l->srv->proxy_v2;
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (!c->want_proxy && l->mode->open)
		l->mode->open(c);
}

/* ---- TCP echo --------------------------------------------------------------- */

static void echo_open(struct conn *c)
{
	if (c->proxied)
		evbuffer_add_printf(bufferevent_get_output(c->bev), "client %s\n", c->client);
}

static void echo_read(struct conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (c->l->srv->sick) {		/* a wrong answer, then the door */
		evbuffer_add_printf(out, "sick\n");
		conn_finish(c);
		return;
	}
	evbuffer_add_buffer(out, bufferevent_get_input(c->bev));
	/* A client that sends but does not read must not grow us without bound. */
	if (evbuffer_get_length(out) > ECHO_MAX_PENDING)
		bufferevent_disable(c->bev, EV_READ);
}

static void echo_drain(struct conn *c)
{
	if (!c->peer_eof && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		bufferevent_enable(c->bev, EV_READ);
}

/* The client's FIN: what was read is echoed, then ours follows it. */
static void echo_eof(struct conn *c)
{
	conn_finish(c);
}

/* ---- UDP echo and sink ------------------------------------------------------- */

/* UDP echo; silent while sick. */
static void udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;
	static char buf[65536];
	size_t plen = strlen(l->srv->id) + 1;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	ssize_t n;
	int i;

	snprintf(buf, sizeof buf, "%s:", l->srv->id);
	for (i = 0; i < UDP_BURST; i++) {
		peerlen = sizeof peer;
		n = recvfrom(fd, buf + plen, sizeof buf - plen, 0,
			     (struct sockaddr *)&peer, &peerlen);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				ts_warn("%s (udp-echo): recvfrom: %s", l->text, strerror(errno));
			return;
		}
		if (!l->srv->sick &&
		    sendto(fd, buf, plen + (size_t)n, 0, (struct sockaddr *)&peer, peerlen) < 0)
			ts_warn("%s (udp-echo): sendto: %s", l->text, strerror(errno));
	}
}

static int udp_start(struct listener *l)
{
	l->ev = event_new(l->srv->base, l->fd, EV_READ | EV_PERSIST, udp_read, l);
	return l->ev ? event_add(l->ev, NULL) : -1;
}

/* A UDP port that takes everything and never answers: a dead service behind a live host. */
static void sink_read(evutil_socket_t fd, short what, void *arg)
{
	static char buf[65536];
	int i;

	for (i = 0; i < UDP_BURST; i++)
		if (recv(fd, buf, sizeof buf, 0) < 0)
			return;
}

static int sink_start(struct listener *l)
{
	l->ev = event_new(l->srv->base, l->fd, EV_READ | EV_PERSIST, sink_read, l);
	return l->ev ? event_add(l->ev, NULL) : -1;
}

/* ---- TCP listeners ---------------------------------------------------------- */

/*
 * A TCP port that listens and never accepts: every connection whose
 * handshake completes stays in the accept queue, where `ss -ltn` counts
 * it (Recv-Q), so a test sees whether a checker completed handshakes.
 */
static int tcp_sink_start(struct listener *l)
{
	(void)l;
	return 0;
}

static void accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;

	evconnlistener_enable(l->evl);
}

/* Out of descriptors: pause this listener briefly instead of spinning. */
static void accept_error(struct evconnlistener *evl, void *arg)
{
	struct listener *l = arg;
	struct timeval pause = { 0, 100 * 1000 };
	int err = EVUTIL_SOCKET_ERROR();

	ts_warn("%s (%s): accept: %s", l->text, l->mode->name, strerror(err));
	evconnlistener_disable(evl);
	event_add(l->ev, &pause);
}

static int accept_start(struct listener *l)
{
	l->evl = evconnlistener_new(l->srv->base, conn_new, l, LEV_OPT_CLOSE_ON_FREE, 0, l->fd);
	if (l->evl == NULL)
		return -1;
	l->fd = -1;	/* the evconnlistener owns it now */
	evconnlistener_set_error_cb(l->evl, accept_error);
	l->ev = evtimer_new(l->srv->base, accept_resume, l);
	return l->ev ? 0 : -1;
}

static int tls_accept_start(struct listener *l)
{
	return tls_start(l) < 0 ? -1 : accept_start(l);
}

/*
 * The listener kinds; the command-line option is "--" and the name. The
 * help says what each does, and what it does instead while sick.
 */
const struct mode modes[] = {
	{ .name = "http", .socktype = SOCK_STREAM, .start = accept_start,
	  .read = http_read, .drain = http_drain, .eof = http_eof,
	  .help = "HTTP/1.x: every body is the id; /health /status/N /size/N /slow /close\n"
		  "/drip/MS (all of it, a byte every MS ms) /hang (no answer);\n"
		  "/sick/PATH: /health, or /PATH while sick" },
	{ .name = "https", .socktype = SOCK_STREAM, .tls = true, .start = tls_accept_start,
	  .read = http_read, .drain = http_drain, .eof = http_eof,
	  .help = "the same over TLS (--cert, --key); sick: --sick-cert, --sick-key" },
	{ .name = "echo", .socktype = SOCK_STREAM, .start = accept_start, .open = echo_open,
	  .read = echo_read, .drain = echo_drain, .eof = echo_eof,
	  .help = "TCP echo; after the client's FIN, echo the rest and close;\n"
		  "sick: answer \"sick\" and close" },
	{ .name = "udp-echo", .socktype = SOCK_DGRAM, .start = udp_start,
	  .help = "UDP echo: each datagram answered with ID: and the datagram; sick: silent" },
	{ .name = "udp-sink", .socktype = SOCK_DGRAM, .start = sink_start,
	  .help = "UDP: receive everything, answer nothing" },
	{ .name = "tcp-sink", .socktype = SOCK_STREAM, .start = tcp_sink_start,
	  .help = "TCP: listen, never accept (ss -ltn shows the handshakes completed as Recv-Q)" },
	{ .name = "smtp", .socktype = SOCK_STREAM, .start = accept_start, .open = smtp_open,
	  .read = smtp_read,
	  .help = "SMTP greeting: 220, 250 to EHLO/HELO, 221 to QUIT; sick: 421 and close" },
	{ .name = "dns", .socktype = SOCK_DGRAM, .start = dns_start,
	  .help = "DNS over UDP: A queries answered with 192.0.2.1; sick: a name's first\n"
		  "label sick-nxdomain gets NXDOMAIN, sick-silent no reply" },
	{ .name = NULL },
};

static int sock_fail(struct listener *l, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s %s (%s): %s", what, l->text, l->mode->name, strerror(errno));
	return -1;
}

static int listener_open(struct listener *l, char *err, size_t errlen)
{
	int one = 1, fam = l->addr.ss.ss_family;

	l->fd = socket(fam, l->mode->socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return sock_fail(l, "socket for", err, errlen);
	/* A test that restarts a server must not wait out TIME_WAIT. */
	if (setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		return sock_fail(l, "SO_REUSEADDR on", err, errlen);
	/* A VIP may come and go (VRRP moves it): bind before it exists. */
	if (setsockopt(l->fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one) < 0)
		return sock_fail(l, "IP_FREEBIND on", err, errlen);
	/* So that an IPv4 and an IPv6 listener can share a port. */
	if (fam == AF_INET6 &&
	    setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
		return sock_fail(l, "IPV6_V6ONLY on", err, errlen);
	if (bind(l->fd, (struct sockaddr *)&l->addr.ss, l->addr.len) < 0)
		return sock_fail(l, "bind", err, errlen);
	if (l->mode->socktype == SOCK_STREAM && listen(l->fd, LISTEN_BACKLOG) < 0)
		return sock_fail(l, "listen on", err, errlen);
	if (l->mode->start(l) < 0)
		return sock_fail(l, "start serving", err, errlen);
	return 0;
}

/* ---- the server ------------------------------------------------------------- */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct srv *s = arg;

	if (sig == SIGUSR1)
		s->sick = true;
	else if (sig == SIGUSR2)
		s->sick = false;
	else
		event_base_loopbreak(s->base);
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
		ts_warn("cannot write pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void srv_free(struct srv *s)
{
	struct conn *c;
	size_t i;

	while ((c = TAILQ_FIRST(&s->conns)) != NULL)
		conn_free(c);
	for (i = 0; i < s->nlisteners; i++) {
		struct listener *l = &s->listeners[i];

		if (l->evl)
			evconnlistener_free(l->evl);
		if (l->ev)
			event_free(l->ev);
		if (l->fd >= 0)
			close(l->fd);
	}
	for (i = 0; i < sizeof s->sig / sizeof s->sig[0]; i++)
		if (s->sig[i])
			event_free(s->sig[i]);
	tls_free(s);
	if (s->base)
		event_base_free(s->base);
}

static int srv_run(struct srv *s)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGUSR1, SIGUSR2 };
	char err[256];
	size_t i;
	int rc = 1;

	ts_raise_nofile();
	s->base = event_base_new();
	if (s->base == NULL) {
		ts_warn("cannot create the event loop");
		return 1;
	}
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		s->sig[i] = evsignal_new(s->base, sigs[i], on_signal, s);
		if (s->sig[i] == NULL || event_add(s->sig[i], NULL) < 0) {
			ts_warn("cannot handle signal %d", sigs[i]);
			goto out;
		}
	}
	for (i = 0; i < s->nlisteners; i++) {
		if (listener_open(&s->listeners[i], err, sizeof err) < 0) {
			ts_warn("%s", err);
			goto out;
		}
	}
	if (s->pidfile && write_pidfile(s->pidfile) < 0)
		goto out;
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(s->base);
	rc = 0;
	if (s->pidfile)
		unlink(s->pidfile);
out:
	srv_free(s);
	return rc;
}

/* ---- command line ----------------------------------------------------------- */

struct cmdline {
	struct srv srv;
	struct ts_client_opts client;
};

static int set_id(struct cmdline *cl, char **a, char *err, size_t n)
{
	if (strlen(a[0]) == 0 || strlen(a[0]) >= TS_ID_MAX || strpbrk(a[0], " \t\r\n:")) {
		snprintf(err, n, "--id '%s': 1 to %d characters, no blanks or colons",
			 a[0], TS_ID_MAX - 1);
		return -1;
	}
	cl->srv.id = a[0];
	return 0;
}

static int set_pidfile(struct cmdline *cl, char **a, char *err, size_t n)
{
	cl->srv.pidfile = a[0];
	return 0;
}

static int parse_num(const char *opt, const char *s, double min, double max,
		     double *v, char *err, size_t n)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || *v < min || *v > max) {
		snprintf(err, n, "%s '%s': not a number from %g to %g", opt, s, min, max);
		return -1;
	}
	return 0;
}

static int parse_count(const char *opt, const char *s, long max, long *v, char *err, size_t n)
{
	double d;

	if (parse_num(opt, s, 1, (double)max, &d, err, n) < 0)
		return -1;
	if (d != (double)(long)d) {
		snprintf(err, n, "%s '%s': not a whole number", opt, s);
		return -1;
	}
	*v = (long)d;
	return 0;
}

static int set_flap(struct cmdline *cl, char **a, char *err, size_t n)
{
	return parse_count("--flap", a[0], 3600000, &cl->srv.flap_ms, err, n);
}

static int set_flap_each(struct cmdline *cl, char **a, char *err, size_t n)
{
	return parse_count("--flap-each", a[0], 1000000, &cl->srv.flap_each, err, n);
}

static int set_file(const char **to, char **a)
{
	*to = a[0];
	return 0;
}

static int set_cert(struct cmdline *cl, char **a, char *err, size_t n)
{
	return set_file(&cl->srv.tls_files.cert, a);
}

static int set_key(struct cmdline *cl, char **a, char *err, size_t n)
{
	return set_file(&cl->srv.tls_files.key, a);
}

static int set_sick_cert(struct cmdline *cl, char **a, char *err, size_t n)
{
	return set_file(&cl->srv.sick_tls_files.cert, a);
}

static int set_sick_key(struct cmdline *cl, char **a, char *err, size_t n)
{
	return set_file(&cl->srv.sick_tls_files.key, a);
}

static int set_client(struct cmdline *cl, enum ts_client_mode m, const char *url)
{
	cl->client.mode = m;
	cl->client.url = url;
	return 0;
}

static int set_get(struct cmdline *cl, char **a, char *err, size_t n)
{
	return set_client(cl, TS_CLIENT_GET, a[0]);
}

static int set_send(struct cmdline *cl, char **a, char *err, size_t n)
{
	return set_client(cl, TS_CLIENT_SEND, a[0]);
}

static int set_get_many(struct cmdline *cl, char **a, char *err, size_t n)
{
	if (parse_count("--get-many", a[0], 1000000000, &cl->client.count, err, n) < 0)
		return -1;
	return set_client(cl, TS_CLIENT_GET_MANY, a[1]);
}

static int set_concurrency(struct cmdline *cl, char **a, char *err, size_t n)
{
	return parse_count("--concurrency", a[0], 100000, &cl->client.concurrency, err, n);
}

static int set_timeout(struct cmdline *cl, char **a, char *err, size_t n)
{
	return parse_num("--timeout", a[0], 0.001, 3600, &cl->client.timeout, err, n);
}

static int set_send_proxy(struct cmdline *cl, char **a, char *err, size_t n)
{
	cl->client.send_proxy = true;
	return ts_addr_parse(a[0], &cl->client.proxy_src, err, n);
}

#define FLAG(field)	NULL, offsetof(struct cmdline, field)

/* Options with arguments have a setter; flags (no setter) name their bool. */
static const struct option_row {
	const char *name;
	int nargs;
	int (*set)(struct cmdline *cl, char **args, char *err, size_t errlen);
	size_t flag;
	const char *args, *help;
} options[] = {
	{ "id", 1, set_id, 0, "NAME", "server id in answers (default: the host name)" },
	{ "proxy-v2", 0, FLAG(srv.proxy_v2), "", "TCP listeners expect a PROXY v2 header first" },
	{ "pidfile", 1, set_pidfile, 0, "FILE", "write the pid to FILE, remove it at exit" },
	{ "flap", 1, set_flap, 0, "MS", "http: /health alternates 200 and 503 every MS ms" },
	{ "flap-each", 1, set_flap_each, 0, "N", "http: /health alternates 200 and 503 every N requests" },
	{ "cert", 1, set_cert, 0, "FILE", "https: the certificate (chain), PEM" },
	{ "key", 1, set_key, 0, "FILE", "https: its private key, PEM" },
	{ "sick-cert", 1, set_sick_cert, 0, "FILE", "https: the certificate shown while sick" },
	{ "sick-key", 1, set_sick_key, 0, "FILE", "https: its key" },
	{ "get", 1, set_get, 0, "URL", "client: GET http://ADDR:PORT/PATH, print the body" },
	{ "get-many", 2, set_get_many, 0, "N URL", "client: N GETs, print 'ID COUNT' per server" },
	{ "send", 1, set_send, 0, "tcp://A:P|udp://A:P", "client: stdin to the server, print the reply" },
	{ "keepalive", 0, FLAG(client.keepalive), "", "client: reuse connections for --get-many" },
	{ "concurrency", 1, set_concurrency, 0, "C", "client: C connections at once (default 1)" },
	{ "include", 0, FLAG(client.include), "", "client: --get prints the status line and headers too" },
	{ "http1.0", 0, FLAG(client.http10), "", "client: send HTTP/1.0 requests" },
	{ "timeout", 1, set_timeout, 0, "SEC", "client: give up after SEC without progress (default 5)" },
	{ "send-proxy-v2", 1, set_send_proxy, 0, "IP:PORT", "client: open with a PROXY v2 header from IP:PORT" },
	{ NULL, 0, NULL, 0, NULL, NULL },
};

static void usage(FILE *f)
{
	const struct option_row *o;
	const struct mode *m;

	fprintf(f, "usage: lvs-testsrv [--id NAME] [--proxy-v2] [--pidfile FILE] [server options]\n"
		   "                   --MODE ADDR:PORT...\n"
		   "       lvs-testsrv --get URL | --get-many N URL | --send URL [client options]\n"
		   "SIGUSR1 makes the server sick (each mode says how it misbehaves), SIGUSR2 well.\n");
	for (m = modes; m->name; m++) {
		const char *h = m->help, *nl;

		fprintf(f, "  --%-14s %-20s ", m->name, "ADDR:PORT");
		/* Continuation lines of a mode's help under its first. */
		while ((nl = strchr(h, '\n')) != NULL) {
			fprintf(f, "%.*s\n%40s", (int)(nl - h), h, "");
			h = nl + 1;
		}
		fprintf(f, "%s\n", h);
	}
	for (o = options; o->name; o++)
		fprintf(f, "  --%-14s %-20s %s\n", o->name, o->args, o->help);
}

static int add_listener(struct srv *s, const struct mode *m, const char *arg,
			char *err, size_t n)
{
	struct listener *l;

	if (s->nlisteners == MAX_LISTENERS) {
		snprintf(err, n, "more than %zu listeners", MAX_LISTENERS);
		return -1;
	}
	l = &s->listeners[s->nlisteners];
	l->srv = s;
	l->mode = m;
	l->text = arg;
	l->fd = -1;
	if (ts_addr_parse(arg, &l->addr, err, n) < 0)
		return -1;
	s->nlisteners++;
	return 0;
}

static int parse_one(struct cmdline *cl, int argc, char **argv, int i, char *err, size_t n)
{
	const char *name = argv[i] + 2;
	const struct option_row *o;
	const struct mode *m;

	if (strncmp(argv[i], "--", 2) != 0)
		goto unknown;
	for (m = modes; m->name; m++)
		if (strcmp(name, m->name) == 0) {
			if (i + 1 >= argc)
				goto missing;
			return add_listener(&cl->srv, m, argv[i + 1], err, n) < 0 ? -1 : 1;
		}
	for (o = options; o->name; o++)
		if (strcmp(name, o->name) == 0) {
			if (i + o->nargs >= argc)
				goto missing;
			if (o->set == NULL) {
				*(bool *)((char *)cl + o->flag) = true;
				return 0;
			}
			return o->set(cl, argv + i + 1, err, n) < 0 ? -1 : o->nargs;
		}
unknown:
	snprintf(err, n, "unknown option '%s' (see --help)", argv[i]);
	return -1;
missing:
	snprintf(err, n, "%s needs an argument (see --help)", argv[i]);
	return -1;
}

static int parse_args(struct cmdline *cl, int argc, char **argv)
{
	static char host[TS_ID_MAX];
	char err[256];
	int i, used;

	for (i = 1; i < argc; i += used + 1) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		used = parse_one(cl, argc, argv, i, err, sizeof err);
		if (used < 0) {
			ts_warn("%s", err);
			return -1;
		}
	}
	if ((cl->client.mode == TS_CLIENT_NONE) == (cl->srv.nlisteners == 0)) {
		ts_warn("give either listeners (--http, --echo, ...) or one client mode (see --help)");
		return -1;
	}
	if (cl->srv.id == NULL) {
		if (gethostname(host, sizeof host - 1) < 0 || host[0] == '\0')
			strcpy(host, "testsrv");
		cl->srv.id = host;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct cmdline cl = {
		.client = { .count = 1, .concurrency = 1, .timeout = 5 },
	};

	/* A peer that went away is a write error to handle, not a death. */
	signal(SIGPIPE, SIG_IGN);
	TAILQ_INIT(&cl.srv.conns);
	if (parse_args(&cl, argc, argv) < 0)
		return 2;
	if (cl.client.mode != TS_CLIENT_NONE)
		return ts_client_run(&cl.client);
	return srv_run(&cl.srv);
}

/*
 * check_stream.c - the tls transport: connect to the target, shake
 * hands, send the protocol's request, and feed the reply to the
 * protocol's judge until it decides. (Plain tcp, the common case, has
 * its own leaner transport: check_tcp.c, whose socket set-up and reset
 * this one shares.)
 *
 * The connect is done by hand (a non-blocking connect() and one write
 * event) so that its error is the socket's own, read with SO_ERROR, and
 * so that "connecting" and "in the TLS handshake" are told apart in a
 * timeout's words. Once connected, a libevent bufferevent (plain, or
 * OpenSSL's over the connected socket) moves the bytes. Its callbacks
 * are deferred to the event loop, so none of them ever runs inside one
 * of our calls into libevent, and a probe may free itself from any of
 * them. The engine's deadline covers the whole probe; this file keeps no
 * timer of its own.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include "check.h"
#include "check_tls.h"

/* Phases that only this file sets, compared by address in stream_on_write(). */
static const char phase_connecting[] = "connecting";
static const char phase_handshake[] = "in the TLS handshake";
static const char phase_sending[] = "sending the request";
static const char phase_waiting[] = "waiting for the reply";

/* One probe in flight: p->run. */
struct stream_run {
	struct check_probe *p;
	const struct check_tls *tls;
	evutil_socket_t fd;		/* ours until a bufferevent owns it; -1 then */
	int connect_err;		/* connect() failed at once with this */
	struct event *connecting;	/* the socket becoming writable: connected */
	struct bufferevent *bev;
	bool established;		/* connected, and past the TLS handshake */
};

static void stream_free(struct stream_run *run)
{
	if (run->connecting)
		event_free(run->connecting);
	if (run->bev) {
		/* A reset, as check_tcp_abort() does, then the socket is closed with the SSL. */
		const struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		(void)setsockopt(bufferevent_getfd(run->bev), SOL_SOCKET, SO_LINGER, &lg,
				 sizeof(lg));
		bufferevent_free(run->bev);
	} else {
		check_tcp_abort(run->fd);
	}
	free(run);
}

/* The probe's end: free everything first, as check_probe_done() wants. */
__attribute__((format(printf, 3, 4)))
static void stream_end(struct stream_run *run, bool up, const char *fmt, ...)
{
	struct check_probe *p = run->p;
	char detail[CHECK_DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	stream_free(run);
	p->run = NULL;
	check_probe_done(p, up, "%s", detail);
}

/* Show the judge all that came in and not yet consumed, and do what it says. */
static void stream_judge(struct stream_run *run, bool eof)
{
	struct check_probe *p = run->p;
	struct evbuffer *in = bufferevent_get_input(run->bev);
	size_t len = evbuffer_get_length(in);
	struct check_input ci;
	enum check_verdict v;

	if (len > CHECK_MAX_INPUT) {
		stream_end(run, false, "reply too large");
		return;
	}
	memset(&ci, 0, sizeof(ci));
	ci.data = len ? evbuffer_pullup(in, -1) : (const unsigned char *)"";
	if (!ci.data) {
		stream_end(run, false, "out of memory for the reply");
		return;
	}
	ci.len = len;
	ci.eof = eof;
	v = p->proto->judge(p->proto_state, &p->step, &ci);
	if (v == CHECK_UP || v == CHECK_DOWN) {
		stream_end(run, v == CHECK_UP, "%s", ci.detail);
		return;
	}
	evbuffer_drain(in, ci.consume < len ? ci.consume : len);
	if (ci.phase)
		p->phase = ci.phase;
	else if (v == CHECK_SEND)
		p->phase = phase_sending;
	if (v == CHECK_SEND && !eof && bufferevent_write(run->bev, ci.send, ci.send_len) < 0) {
		stream_end(run, false, "out of memory for the request");
		return;
	}
	/* A judge still wanting more when no more can come is the failure. */
	if (eof)
		stream_end(run, false, "connection closed while %s", p->phase);
}

/* Connected (and past the handshake): send the request, then read. */
static void stream_send_request(struct stream_run *run)
{
	struct check_probe *p = run->p;
	const unsigned char *req = NULL;
	size_t len = 0;

	run->established = true;
	if (!p->proto) {
		stream_end(run, true, "connected");
		return;
	}
	if (p->proto->request)
		p->proto->request(p->proto_state, &req, &len);
	p->phase = len ? phase_sending : phase_waiting;
	if (len && bufferevent_write(run->bev, req, len) < 0) {
		stream_end(run, false, "out of memory for the request");
		return;
	}
	bufferevent_enable(run->bev, EV_READ | EV_WRITE);
}

static void stream_on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	stream_judge(arg, false);
}

/* The request is out; until the judge says otherwise, we wait for the reply. */
static void stream_on_write(struct bufferevent *bev, void *arg)
{
	struct stream_run *run = arg;

	(void)bev;
	if (run->p->phase == phase_sending)
		run->p->phase = phase_waiting;
}

/* A read or write error in words: OpenSSL's reason first. */
static const char *stream_error(struct stream_run *run, int err, char *buf, size_t len)
{
	unsigned long e = bufferevent_get_openssl_error(run->bev);

	if (e)
		return check_tls_reason(e, buf, len);
	snprintf(buf, len, "%s", err ? strerror(err) : "unknown error");
	return buf;
}

static void stream_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct stream_run *run = arg;
	int err = errno;	/* libevent keeps the socket's error for a deferred callback */
	char why[CHECK_DETAIL_MAX];

	if (what & BEV_EVENT_CONNECTED) {
		stream_send_request(run);
		return;
	}
	if (!run->established) {
		check_tls_failure(run->tls, bufferevent_openssl_get_ssl(bev),
				  bufferevent_get_openssl_error(bev),
				  (what & BEV_EVENT_ERROR) ? err : 0, why, sizeof(why));
		stream_end(run, false, "%s", why);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		stream_judge(run, true);
		return;
	}
	if (what & BEV_EVENT_ERROR)
		stream_end(run, false, "%s failed: %s",
			   (what & BEV_EVENT_WRITING) ? "write" : "read",
			   stream_error(run, err, why, sizeof(why)));
}

/* Hand the connected socket to an OpenSSL bufferevent, in its handshake. */
static void stream_wrap(struct stream_run *run)
{
	struct check_probe *p = run->p;
	const int opts = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;
	char why[CHECK_DETAIL_MAX];
	SSL *ssl = check_tls_session(run->tls, &p->target, why, sizeof(why));

	if (!ssl) {
		stream_end(run, false, "%s", why);
		return;
	}
	run->bev = bufferevent_openssl_socket_new(p->env->base, run->fd, ssl,
						  BUFFEREVENT_SSL_CONNECTING, opts);
	if (!run->bev) {
		SSL_free(ssl);
		stream_end(run, false, "out of memory for the connection");
		return;
	}
	run->fd = -1;
	bufferevent_setcb(run->bev, stream_on_read, stream_on_write, stream_on_event, run);
	bufferevent_openssl_set_allow_dirty_shutdown(run->bev, 1);
	p->phase = phase_handshake;
	bufferevent_enable(run->bev, EV_READ | EV_WRITE);
}

static void stream_on_connect(evutil_socket_t fd, short what, void *arg)
{
	struct stream_run *run = arg;
	int err = run->connect_err;
	socklen_t len = sizeof(err);

	(void)what;
	if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == ECONNREFUSED) {
		stream_end(run, false, "connect refused");
		return;
	}
	if (err) {
		stream_end(run, false, "connect failed: %s", strerror(err));
		return;
	}
	event_free(run->connecting);
	run->connecting = NULL;
	stream_wrap(run);
}

static int stream_start(struct check_probe *p, char *why, size_t whylen)
{
	struct stream_run *run = calloc(1, sizeof(*run));

	if (!run) {
		snprintf(why, whylen, "out of memory for a probe");
		return -1;
	}
	run->p = p;
	run->tls = p->transport_state;
	/* We speak first (the ClientHello): our first bytes carry the handshake's last ACK. */
	run->fd = check_tcp_connect(&p->target, true, &run->connect_err, why, whylen);
	if (run->fd < 0) {
		free(run);
		return -1;
	}
	run->connecting = event_new(p->env->base, run->fd, EV_WRITE, stream_on_connect, run);
	if (!run->connecting) {
		snprintf(why, whylen, "out of memory for a probe");
		stream_free(run);
		return -1;
	}
	/* A connect that ended at once is reported from the loop, never from here. */
	if (run->connect_err)
		event_active(run->connecting, EV_WRITE, 0);
	else
		event_add(run->connecting, NULL);
	p->run = run;
	p->phase = phase_connecting;
	return 0;
}

static void stream_cancel(struct check_probe *p)
{
	if (p->run)
		stream_free(p->run);
	p->run = NULL;
}

static int stream_tls_prepare(const struct cfg_check *conf, void **state, char *err,
			      size_t errlen)
{
	struct check_tls *t;

	if (check_tls_new(conf, &t, err, errlen) < 0)
		return -1;
	*state = t;
	return 0;
}

static void stream_tls_release(void *state)
{
	check_tls_free(state);
}

const struct check_transport check_tls_transport = {
	.name = "tls",
	.prepare = stream_tls_prepare,
	.release = stream_tls_release,
	.start = stream_start,
	.cancel = stream_cancel,
};

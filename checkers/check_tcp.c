/*
 * check_tcp.c - the plain tcp transport: connect to the target, send the
 * protocol's request, feed the reply to the protocol's judge until it
 * decides, and drop the connection with a reset.
 *
 * A bare tcp check goes first to check_syn.c, which writes a SYN on a
 * raw socket and needs no socket of its own; what follows is its
 * fallback (no CAP_NET_RAW, or every source port of the SYN probes busy
 * toward this server) and the transport of http, expect and smtp.
 *
 * Ten thousand servers checked every second make this the hottest path
 * of the checkers, so it is done by hand on the socket rather than
 * through a bufferevent: the socket is registered with the loop once,
 * edge-triggered for reading and writing, and stays so until it is
 * closed (no interest changes between connecting, sending and reading);
 * a reply is read into a buffer on the stack and only what the judge
 * leaves unconsumed is kept on the heap; each checker reuses one probe
 * state. Two socket options do what HAProxy's checks do, and for the
 * same reasons: when we speak first (a tcp check, an http request),
 * TCP_QUICKACK is off before connect(), so the handshake's last ACK
 * waits for our first bytes (a tcp check sends none and closes before
 * it goes: the server's kernel never completes the connection and its
 * program never accepts it) and the request carries it (one wake-up of
 * the server, not two); and every probe ends with SO_LINGER {1, 0}, a
 * reset, so that no connection of ours lingers in TIME_WAIT (10,000
 * checks a second would hold 600,000). A tcp check therefore means:
 * the server's kernel answered our SYN with a SYN-ACK within the
 * timeout.
 *
 * A probe's socket outlives its connection (check_tcp_sock.c): reset,
 * it stays registered with the loop for the checker's next probe.
 * Events that come between probes are ignored; the loop reports
 * readiness as it is when asked, so a stale wake-up never reads as the
 * next connection's.
 *
 * With `keepalive` (http only) a probe whose judge saw one whole,
 * exactly framed response and said the connection may stay keeps it,
 * still registered, for the checker's next probe, which sends its
 * request on it. The server may have closed it meanwhile: that shows as
 * bytes or an EOF before the request goes (a peek), or as an EOF or a
 * reset before the first byte of the reply; either way the probe opens
 * a new connection within its deadline, as an idle connection closed by
 * its server is no failure.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_tcp_run.h"

/* What one read() takes at most; a reply judged in one piece never touches the heap. */
#define TCP_READ_CHUNK 16384

static const char phase_connecting[] = "connecting";
static const char phase_sending[] = "sending the request";
static const char phase_waiting[] = "waiting for the reply";

/*
 * The judge has seen one whole response and nothing more: the socket,
 * still connected and watched, waits for the next probe (tcp_reuse()).
 */
static void tcp_end_keep(struct tcp_run *run, const char *detail)
{
	struct check_probe *p = run->p;

	free(run->out);
	run->out = NULL;
	run->out_len = run->out_off = run->in_len = 0;
	run->idle = true;
	run->reused = false;
	p->run = NULL;
	check_probe_end(p, true, detail);
}

static void tcp_end(struct tcp_run *run, bool up, const char *detail)
{
	struct check_probe *p = run->p;

	tcp_sock_reset(run);
	p->run = NULL;
	check_probe_end(p, up, detail);
}

__attribute__((format(printf, 3, 4)))
static void tcp_endf(struct tcp_run *run, bool up, const char *fmt, ...)
{
	char detail[CHECK_DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	tcp_end(run, up, detail);
}

/* Send what is pending: 0 when all is out or the socket is full, -1 ended the probe. */
static int tcp_flush(struct tcp_run *run)
{
	while (run->out_off < run->out_len) {
		ssize_t n = send(run->fd, run->out + run->out_off, run->out_len - run->out_off,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;	/* the next write edge resumes */
		if (n < 0) {
			tcp_endf(run, false, "write failed: %s", strerror(errno));
			return -1;
		}
		run->out_off += (size_t)n;
	}
	free(run->out);
	run->out = NULL;
	run->out_len = run->out_off = 0;
	if (run->p->phase == phase_sending)
		run->p->phase = phase_waiting;
	return 0;
}

/* Keep bytes the socket did not take, to send on its next write edge: 0, or -1 out of memory. */
static int tcp_queue(struct tcp_run *run, const unsigned char *data, size_t len)
{
	unsigned char *grown = realloc(run->out, run->out_len + len);

	if (!grown)
		return -1;
	memcpy(grown + run->out_len, data, len);
	run->out = grown;
	run->out_len += len;
	return 0;
}

/* Queue bytes to send (copied only if the socket does not take them all at once). */
static int tcp_send(struct tcp_run *run, const unsigned char *data, size_t len)
{
	ssize_t n = 0;

	if (run->out_len == 0) {
		do
			n = send(run->fd, data, len, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			tcp_endf(run, false, "write failed: %s", strerror(errno));
			return -1;
		}
		if (n < 0)
			n = 0;
		if ((size_t)n == len) {
			run->p->phase = phase_waiting;
			return 0;
		}
	}
	if (tcp_queue(run, data + n, len - (size_t)n) < 0) {
		tcp_end(run, false, "out of memory for the request");
		return -1;
	}
	return 0;
}

/* Append bytes to what the judge has not consumed yet. */
static int tcp_keep(struct tcp_run *run, const unsigned char *data, size_t len)
{
	if (run->in_len + len > run->in_cap) {
		size_t cap = run->in_cap ? run->in_cap : 512;

		while (cap < run->in_len + len)
			cap *= 2;
		unsigned char *grown = realloc(run->in, cap);

		if (!grown)
			return -1;
		run->in = grown;
		run->in_cap = cap;
	}
	memcpy(run->in + run->in_len, data, len);
	run->in_len += len;
	return 0;
}

/*
 * Show the judge all that came in and is not consumed (chunk: what this
 * read brought) and do what it says: 1 read on, 0 the probe ended.
 */
static int tcp_judge(struct tcp_run *run, const unsigned char *chunk, size_t n, bool eof)
{
	struct check_probe *p = run->p;
	const unsigned char *data = chunk;
	size_t len = n, rest;
	struct check_input ci;
	enum check_verdict v;

	if (run->in_len) {
		if (run->in_len + n > CHECK_MAX_INPUT) {
			tcp_end(run, false, "reply too large");
			return 0;
		}
		if (tcp_keep(run, chunk, n) < 0) {
			tcp_end(run, false, "out of memory for the reply");
			return 0;
		}
		data = run->in;
		len = run->in_len;
	}
	memset(&ci, 0, sizeof(ci));
	ci.data = len ? data : (const unsigned char *)"";
	ci.len = len;
	ci.eof = eof;
	v = p->proto->judge(p->proto_state, &p->step, &ci);
	if (v == CHECK_UP && ci.keep && ci.consume == len) {
		tcp_end_keep(run, ci.detail);
		return 0;
	}
	if (v == CHECK_UP || v == CHECK_DOWN) {
		tcp_end(run, v == CHECK_UP, ci.detail);
		return 0;
	}
	rest = len - (ci.consume < len ? ci.consume : len);
	if (data == run->in) {
		memmove(run->in, run->in + (len - rest), rest);
		run->in_len = rest;
	} else if (rest && tcp_keep(run, data + (len - rest), rest) < 0) {
		tcp_end(run, false, "out of memory for the reply");
		return 0;
	}
	if (ci.phase)
		p->phase = ci.phase;
	else if (v == CHECK_SEND)
		p->phase = phase_sending;
	if (eof) {
		/* A judge still wanting more when no more can come is the failure. */
		tcp_endf(run, false, "connection closed while %s", p->phase);
		return 0;
	}
	if (v == CHECK_SEND && tcp_send(run, ci.send, ci.send_len) < 0)
		return 0;
	return 1;
}

static int tcp_open(struct tcp_run *run, char *why, size_t whylen);

/*
 * A kept connection closed or reset by the server before any byte of
 * the reply: it had gone idle, which is no failure; the probe goes on,
 * within its deadline, on a new connection.
 */
static void tcp_reopen(struct tcp_run *run)
{
	struct check_probe *p = run->p;
	char why[CHECK_DETAIL_MAX];

	tcp_sock_reset(run);
	p->run = NULL;
	if (tcp_open(run, why, sizeof(why)) < 0)
		check_probe_end(p, false, why);
}

/* Read until the socket is empty (edge-triggered: nothing else will say so). */
static void tcp_read(struct tcp_run *run)
{
	unsigned char buf[TCP_READ_CHUNK];

	for (;;) {
		ssize_t n = recv(run->fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0 && run->reused && run->got == 0) {
			tcp_reopen(run);
			return;
		}
		run->got += n > 0 ? (size_t)n : 0;
		if (n < 0) {
			tcp_endf(run, false, "read failed: %s", strerror(errno));
			return;
		}
		if (!tcp_judge(run, buf, (size_t)n, n == 0))
			return;
	}
}

/* Connected: a tcp check is done; otherwise send the request, if any. */
static int tcp_connected(struct tcp_run *run)
{
	struct check_probe *p = run->p;
	const unsigned char *req = NULL;
	size_t len = 0;

	run->connected = true;
	if (!p->proto) {
		tcp_end(run, true, "connected");
		return -1;
	}
	if (p->proto->request)
		p->proto->request(p->proto_state, &req, &len);
	p->phase = len ? phase_sending : phase_waiting;
	return len ? tcp_send(run, req, len) : 0;
}

/* How the connect ended: 0 connected, else the error. */
static int tcp_connect_result(struct tcp_run *run, short what)
{
	int err = run->connect_err;
	socklen_t len = sizeof(err);

	/*
	 * Writable alone is a connect that worked; an error or hang-up comes
	 * as read and write together (or read comes with data: ask then).
	 */
	if (!err && (what & (EV_READ | EV_WRITE)) == EV_WRITE)	/* libevent adds EV_ET */
		return 0;
	if (!err && getsockopt(run->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	return err;
}

/*
 * Send the request without waiting for the loop to say the connect is
 * done: where the server answers within connect() (loopback), the
 * handshake is complete when it returns, and the request goes, carrying
 * the handshake's last ACK, without a turn of the loop in between.
 * Otherwise send() says EAGAIN (still connecting: the write edge will
 * say when) or the connect's error, which the loop reports.
 *
 * It goes from the socket's own event, made active by tcp_open(), not
 * from inside it: the loop runs it after every probe due in the same
 * turn has connected. On a machine with one CPU, the request wakes the
 * server, which may run before we do again; sent at once, each request
 * of a slot delayed the start of the next probe by the server's time
 * (in the test VM, ~8 ms per http probe of nginx). 0, or -1 out of
 * memory (the probe ended).
 */
static int tcp_send_first(struct tcp_run *run)
{
	const unsigned char *req = run->first_req;
	size_t len = run->first_len;
	ssize_t n;

	run->first_req = NULL;
	run->first_len = 0;
	do
		n = send(run->fd, req, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			run->connect_err = errno;
		return 0;
	}
	run->connected = true;
	run->p->phase = phase_waiting;
	if ((size_t)n == len)
		return 0;
	run->p->phase = phase_sending;
	if (tcp_queue(run, req + n, len - (size_t)n) == 0)
		return 0;
	tcp_end(run, false, "out of memory for the request");
	return -1;
}

static void tcp_on_io(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_run *run = arg;
	int err;

	(void)fd;
	if (run->idle || run->spare)
		return;	/* between probes: the next probe looks at the socket */
	if (run->first_len) {
		if (tcp_send_first(run) < 0)
			return;
		if (!run->connected && !run->connect_err)
			return;	/* still connecting: the write edge will say when */
	}
	if (!run->connected) {
		err = tcp_connect_result(run, what);
		if (err == ECONNREFUSED) {
			tcp_end(run, false, "connect refused");
			return;
		}
		if (err) {
			tcp_endf(run, false, "connect failed: %s", strerror(err));
			return;
		}
		if (tcp_connected(run) < 0)
			return;
	} else if ((what & EV_WRITE) && run->out_len && tcp_flush(run) < 0) {
		return;
	}
	if (what & EV_READ)
		tcp_read(run);
}

/*
 * The next probe on a kept connection: 0 when its request is out, -1
 * when the connection was given up (reset) and a new one must be made.
 * Anything to read already (stray bytes, the server's close, an error)
 * or a request the socket does not take whole gives it up, so that the
 * judge sees only the reply to this probe's request.
 */
static int tcp_reuse(struct tcp_run *run, const unsigned char *req, size_t len)
{
	unsigned char b;
	ssize_t n = recv(run->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	run->idle = false;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && len) {
		do
			n = send(run->fd, req, len, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n >= 0 && (size_t)n == len) {
			run->reused = true;
			run->p->phase = phase_waiting;
			return 0;
		}
	}
	tcp_sock_reset(run);
	return -1;
}

/* Watch a new socket, for reading and writing from now on: 0, or -1 with why. */
static int tcp_register(struct tcp_run *run, char *why, size_t whylen)
{
	struct check_probe *p = run->p;

	event_assign(&run->ev, p->env->base, run->fd, EV_READ | EV_WRITE | EV_ET | EV_PERSIST,
		     tcp_on_io, run);
	/* A connect that ended at once is reported from the loop (tcp_open()), never from here. */
	if (run->connect_err)
		return 0;
	if (event_add(&run->ev, NULL) < 0) {
		snprintf(why, whylen, "cannot watch the socket: %s", strerror(errno));
		return -1;
	}
	run->registered = true;
	run->spare_af = p->target.af;
	return 0;
}

/* A new connection for the probe run->p; its request goes in this turn of the loop. */
static int tcp_open(struct tcp_run *run, char *why, size_t whylen)
{
	struct check_probe *p = run->p;
	const unsigned char *req = NULL;
	size_t len = 0;
	bool first = !p->proto;

	if (p->proto && p->proto->request) {
		p->proto->request(p->proto_state, &req, &len);
		first = len > 0;
	}
	if (run->spare && run->spare_af == p->target.af) {
		tcp_sock_connect_spare(run, first);
	} else {
		if (run->fd >= 0)
			tcp_sock_close(run);
		run->fd = check_tcp_connect(&p->target, first, &run->connect_err, why, whylen);
		if (run->fd < 0)
			return -1;
	}
	p->run = run;
	p->phase = phase_connecting;
	if (!run->registered && tcp_register(run, why, whylen) < 0) {
		tcp_sock_close(run);
		p->run = NULL;
		return -1;
	}
	if (run->connect_err || len) {
		/* An error is reported from the loop; a request goes from it (tcp_send_first()). */
		run->first_req = run->connect_err ? NULL : req;
		run->first_len = run->connect_err ? 0 : len;
		event_active(&run->ev, EV_WRITE, 0);
	}
	return 0;
}

static int tcp_start(struct check_probe *p, char *why, size_t whylen)
{
	struct tcp_run *run = p->transport_state;

	if (!p->proto) {
		int begun = check_syn_start(p->env->syn, &run->syn, p, why, whylen);

		if (begun)
			return begun > 0 ? 0 : -1;
	}
	run->p = p;
	run->got = 0;
	if (run->idle) {
		const unsigned char *req = NULL;
		size_t len = 0;

		if (p->proto && p->proto->request)
			p->proto->request(p->proto_state, &req, &len);
		if (tcp_reuse(run, req, len) == 0) {
			p->run = run;
			return 0;
		}
	}
	return tcp_open(run, why, whylen);
}

static void tcp_cancel(struct check_probe *p)
{
	struct tcp_run *run = p->transport_state;

	check_syn_cancel(&run->syn);
	if (p->run == run)
		tcp_sock_reset(run);
	p->run = NULL;
}

static int tcp_prepare(const struct cfg_check *conf, void **state, char *err, size_t errlen)
{
	struct tcp_run *run = calloc(1, sizeof(*run));

	(void)conf;
	if (!run) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	run->fd = -1;
	run->keep_below = tcp_sock_spare_limit();
	*state = run;
	return 0;
}

static void tcp_release(void *state)
{
	struct tcp_run *run = state;

	check_syn_cancel(&run->syn);
	tcp_sock_reset(run);
	if (run->fd >= 0)
		tcp_sock_close(run);
	free(run);
}

const struct check_transport check_tcp_transport = {
	.name = "tcp",
	.prepare = tcp_prepare,
	.release = tcp_release,
	.start = tcp_start,
	.cancel = tcp_cancel,
};

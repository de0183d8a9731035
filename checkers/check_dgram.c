/*
 * check_dgram.c - the udp transport: one request datagram, judged
 * replies.
 *
 * Each probe opens a connected, non-blocking UDP socket to the target:
 * connected so that the kernel drops datagrams from anyone else and
 * turns an ICMP port unreachable into ECONNREFUSED, which is how a
 * closed port shows ("port unreachable") instead of as a timeout. The
 * protocol's request goes out once; every datagram that comes back is
 * shown to the protocol alone and is gone after that, whatever it says:
 * "more" is for replies that are not ours (a DNS answer with another
 * ID) and the probe waits on. A server that never answers is the
 * engine's deadline, not ours. Without a protocol there is nothing to
 * ask and nothing to judge, so a udp check always has one.
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

/* The largest UDP payload; a bigger buffer would never fill. */
#define DGRAM_MAX 65536
/* Datagrams read in one wakeup before the loop gets a turn. */
#define DGRAM_BURST 16

struct dgram_run {
	struct check_probe *p;
	int fd;
	bool watching;			/* ev is assigned and added */
	struct event ev;
	unsigned char buf[DGRAM_MAX];
};

static void dgram_free(struct dgram_run *run)
{
	if (!run)
		return;
	if (run->watching)
		event_del(&run->ev);
	if (run->fd >= 0)
		close(run->fd);
	free(run);
}

/* The probe's end: free the run first, as check_probe_done() requires. */
static void dgram_finish(struct dgram_run *run, bool up, const char *detail)
{
	struct check_probe *p = run->p;
	char copy[CHECK_DETAIL_MAX];

	snprintf(copy, sizeof(copy), "%s", detail);
	dgram_free(run);
	p->run = NULL;
	check_probe_done(p, up, "%s", copy);
}

/* The words for a failed send or recv; ECONNREFUSED is an ICMP port unreachable. */
static void dgram_error(char *buf, size_t len, const char *call, int err)
{
	if (err == ECONNREFUSED)
		snprintf(buf, len, "port unreachable");
	else
		snprintf(buf, len, "%s: %s", call, strerror(err));
}

static int dgram_send(struct dgram_run *run, const unsigned char *data, size_t len,
		      char *why, size_t whylen)
{
	ssize_t n;

	do
		n = send(run->fd, data, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		dgram_error(why, whylen, "send", errno);
		return -1;
	}
	return 0;
}

/* One datagram to the protocol. 1: the probe goes on; 0: it ended (run is freed). */
static int dgram_judge(struct dgram_run *run, size_t len)
{
	struct check_probe *p = run->p;
	struct check_input in = { .data = run->buf, .len = len };
	char why[CHECK_DETAIL_MAX];

	switch (p->proto->judge(p->proto_state, &p->step, &in)) {
	case CHECK_MORE:
		if (in.phase)
			p->phase = in.phase;
		return 1;
	case CHECK_SEND:
		if (in.phase)
			p->phase = in.phase;
		if (dgram_send(run, in.send, in.send_len, why, sizeof(why)) == 0)
			return 1;
		dgram_finish(run, false, why);
		return 0;
	case CHECK_UP:
		dgram_finish(run, true, in.detail);
		return 0;
	case CHECK_DOWN:
	default:
		dgram_finish(run, false, in.detail);
		return 0;
	}
}

static void dgram_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct dgram_run *run = arg;
	char why[CHECK_DETAIL_MAX];
	ssize_t n;

	(void)what;
	for (int i = 0; i < DGRAM_BURST; i++) {
		n = recv(fd, run->buf, sizeof(run->buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			dgram_error(why, sizeof(why), "recv", errno);
			dgram_finish(run, false, why);
			return;
		}
		if (dgram_judge(run, (size_t)n) == 0)
			return;
	}
}

/* A socket connected to the target; -1 with why. */
static int dgram_open(const struct lvs_addr *target, char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	socklen_t sslen = (socklen_t)addr_to_sockaddr(target, &ss);
	char a[ADDR_STRLEN];
	int fd = socket(target->af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(why, whylen, "udp socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, sslen) < 0) {
		snprintf(why, whylen, "udp connect to %s: %s",
			 addr_format(target, a, sizeof(a)), strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int dgram_start(struct check_probe *p, char *why, size_t whylen)
{
	struct dgram_run *run;
	const unsigned char *req;
	size_t len;

	if (!p->proto) {
		snprintf(why, whylen, "a udp check needs a protocol to judge replies");
		return -1;
	}
	run = calloc(1, sizeof(*run));
	if (!run) {
		snprintf(why, whylen, "udp probe: out of memory");
		return -1;
	}
	run->p = p;
	run->fd = dgram_open(&p->target, why, whylen);
	if (run->fd < 0) {
		free(run);
		return -1;
	}
	/* Over udp nobody speaks first: an empty request still goes out as an
	 * empty datagram, which a closed port answers with port unreachable. */
	p->proto->request(p->proto_state, &req, &len);
	if (event_assign(&run->ev, p->env->base, run->fd, EV_READ | EV_PERSIST,
			 dgram_on_read, run) < 0 || event_add(&run->ev, NULL) < 0) {
		snprintf(why, whylen, "udp probe: cannot watch the socket");
		dgram_free(run);
		return -1;
	}
	run->watching = true;
	if (dgram_send(run, len ? req : (const unsigned char *)"", len, why, whylen) < 0) {
		dgram_free(run);
		return -1;
	}
	p->run = run;
	p->phase = "waiting for a reply";
	return 0;
}

static void dgram_cancel(struct check_probe *p)
{
	dgram_free(p->run);
	p->run = NULL;
}

const struct check_transport check_udp_transport = {
	.name = "udp",
	.start = dgram_start,
	.cancel = dgram_cancel,
};

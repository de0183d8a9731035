/*
 * check_tcp_sock.c - the plain tcp transport's socket between probes:
 * made and connected, reset at the end of a probe, kept for the
 * checker's next one, or closed.
 *
 * A probe's socket outlives its connection: connect(AF_UNSPEC) resets
 * the connection as close() with SO_LINGER 0 would, and leaves the
 * socket unbound and still registered with the loop (for reading and
 * writing, edge-triggered), for the checker's next probe to connect
 * again: no socket(), close() or epoll_ctl() per probe (6-10% of an
 * http probe's CPU, measured). Only sockets in the lower half of the
 * descriptor limit are kept, so that spares never starve the probes in
 * flight or the forwarding core of descriptors.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_tcp_run.h"

int check_tcp_connect(const struct lvs_addr *target, bool we_speak_first, int *connect_err,
		      char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	socklen_t sslen = addr_to_sockaddr(target, &ss);
	int fd = socket(target->af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), off = 0;

	*connect_err = 0;
	if (fd < 0) {
		snprintf(why, whylen, "cannot make a socket: %s", strerror(errno));
		return -1;
	}
	/* Best effort: without it the check works the same, at a higher cost. */
	if (we_speak_first)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &off, sizeof(off));
	if (connect(fd, (struct sockaddr *)&ss, sslen) < 0 && errno != EINPROGRESS)
		*connect_err = errno;
	return fd;
}

void check_tcp_abort(int fd)
{
	const struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		return;
	/* A reset, not a FIN: neither side keeps the connection in TIME_WAIT. */
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

void tcp_sock_close(struct tcp_run *run)
{
	/* Closed first: the kernel drops it from epoll, libevent's delete finds it gone. */
	check_tcp_abort(run->fd);
	run->fd = -1;
	if (event_initialized(&run->ev))
		event_del(&run->ev);	/* also drops a connect error queued by event_active() */
	run->registered = false;
	run->spare = false;
}

/*
 * Reset fd's connection (a live one gets a RST) and make it a socket
 * that can connect again: 0, or -1 and it must be closed. The reset
 * leaves ECONNRESET pending on the socket; the next connect() clears it
 * (the kernel's tcp_connect_init), so it costs no system call here.
 */
static int tcp_disconnect(int fd)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	return connect(fd, &sa, sizeof(sa));
}

void tcp_sock_reset(struct tcp_run *run)
{
	if (run->fd >= 0 && !run->spare) {
		if (run->registered && run->fd < run->keep_below && tcp_disconnect(run->fd) == 0)
			run->spare = true;
		else
			tcp_sock_close(run);
	}
	free(run->out);
	free(run->in);
	run->out = run->in = NULL;
	run->out_len = run->out_off = run->in_len = run->in_cap = 0;
	run->connected = false;
	run->connect_err = 0;
	run->idle = run->reused = false;
	run->first_req = NULL;
	run->first_len = 0;
}

void tcp_sock_connect_spare(struct tcp_run *run, bool we_speak_first)
{
	struct sockaddr_storage ss;
	socklen_t sslen = addr_to_sockaddr(&run->p->target, &ss);
	int off = 0;

	run->spare = false;
	run->connect_err = 0;
	/* The disconnect put the socket back to quick ACKs. */
	if (we_speak_first)
		(void)setsockopt(run->fd, IPPROTO_TCP, TCP_QUICKACK, &off, sizeof(off));
	if (connect(run->fd, (struct sockaddr *)&ss, sslen) < 0 && errno != EINPROGRESS)
		run->connect_err = errno;
}

evutil_socket_t tcp_sock_spare_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;	/* unknown: keep none */
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur / 2 > (rlim_t)INT32_MAX)
		return INT32_MAX;
	return (evutil_socket_t)(rl.rlim_cur / 2);
}

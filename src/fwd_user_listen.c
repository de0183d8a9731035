/*
 * fwd_user_listen.c - the userspace core's listening sockets: binding a
 * VIP (with IP_FREEBIND, so a backup director can hold its listeners
 * before VRRP gives it the address), accepting in batches, refusing past
 * max_conns, and pausing instead of spinning when out of descriptors.
 * Each accepted client becomes a connection in fwd_user_tcp.c.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fwd_user.h"

#define ACCEPT_BATCH 64

static void refuse(struct uservice *s, int fd)
{
	struct ucore *core = s->core;

	/* Logged once per power of two, so a flood cannot flood the log. */
	core->refused++;
	if ((core->refused & (core->refused - 1)) == 0)
		log_warning(core->log, "max_conns %u reached: refused %llu "
			    "connection(s) so far", core->max_conns,
			    (unsigned long long)core->refused);
	close(fd);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct uservice *s = arg;

	(void)fd;
	(void)what;
	event_add(&s->ev, NULL);
}

/*
 * Out of file descriptors: the pending connection stays in the backlog
 * and the listener stays readable, so stop watching it for a moment
 * rather than spin.
 */
static void pause_accepting(struct uservice *s)
{
	static const struct timeval pause = { 0, 100000 };

	log_error(s->core->log, "accept on %s: %s; pausing for 100ms",
		  s->name ? s->name : "-", strerror(errno));
	event_del(&s->ev);
	event_add(&s->pause, &pause);
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct uservice *s = arg;

	(void)what;
	for (int k = 0; k < ACCEPT_BATCH; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				pause_accepting(s);
			return;
		}
		if (s->core->n_conns >= s->core->max_conns)
			refuse(s, fd);
		else
			utcp_conn_start(s, fd, &ss);
	}
}

/*
 * A socket bound to a.ip:a.port. IP_FREEBIND lets a backup director bind
 * the VIP before VRRP gives it the address, so failover needs no rebind.
 */
int usock_bind(const struct lvs_addr *a, int type, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, fd = socket(a->af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	char t[ADDR_STRLEN];

	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->af == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	sl = (socklen_t)addr_to_sockaddr(a, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		snprintf(err, errlen, "cannot bind %s: %s", addr_format(a, t, sizeof(t)),
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int utcp_listen(struct uservice *s, char *err, size_t errlen)
{
	int one = 1, fd = usock_bind(&s->conf.key.addr, SOCK_STREAM, err, errlen);

	if (fd < 0)
		return -1;
	/*
	 * Set once here rather than on each client: Linux gives an accepted
	 * socket its listener's options, TCP_NODELAY among them, and a short
	 * connection's system calls are what the core's speed is made of.
	 */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
		snprintf(err, errlen, "TCP_NODELAY: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, 4096) < 0) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		close(fd);
		return -1;
	}
	s->fd = fd;
	event_assign(&s->ev, s->core->base, fd, EV_READ | EV_PERSIST, on_accept, s);
	event_assign(&s->pause, s->core->base, -1, 0, on_resume, s);
	event_add(&s->ev, NULL);
	return 0;
}


/*
 * floor_check.c - the least CPU a checker that opens a connection per
 * probe can take on this machine: bench/checks.sh runs it beside HAProxy
 * and lvsd, against the same servers, as a reference line. It does only
 * what such a probe cannot do without: each server's socket is made once
 * and stays registered with epoll (edge-triggered); TCP_QUICKACK is off
 * before connect(), so that an http request carries the handshake's last
 * ACK (and a tcp probe, as HAProxy's, never lets the server accept);
 * connect(); the request sent at once (on loopback the handshake is over
 * when connect() returns); one read of the reply; a reset by
 * connect(AF_UNSPEC), which leaves the socket ready for its next probe.
 * Nothing is parsed beyond the status code, nothing logged, no timer but
 * the schedule: what it costs is the kernel's work for a connection (on
 * loopback both halves of it run in the checker's system calls) plus the
 * least a user-space loop adds.
 *
 * Usage: floor_check tcp|http ADDRESS FIRST_PORT N STATUS_FILE
 * Each of the N servers (ADDRESS, ports FIRST_PORT...) is probed once a
 * second, the N spread evenly over the second; a probe still unanswered
 * at its server's next turn fails. Once a second STATUS_FILE is replaced
 * by one line: "servers healthy probes late_max_ms healthy".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum probe_state { IDLE, SENDING, WAITING };

struct target {
	int fd;
	uint8_t state;
	bool up;
	uint8_t head_len;
	char head[12];		/* "HTTP/1.x 200" */
};

struct floor {
	struct target *t;
	uint32_t n;
	bool http;
	struct sockaddr_in sa;	/* the first server's */
	uint16_t first_port;
	int ep;
	uint64_t probes;
	int64_t late_max_ns;
};

static const char request[] = "GET / HTTP/1.0\r\n\r\n";

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A socket for server i, registered once: reading and writing, edge-triggered. */
static int sock_open(struct floor *f, uint32_t i)
{
	struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u32 = i };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || epoll_ctl(f->ep, EPOLL_CTL_ADD, fd, &e) < 0) {
		fprintf(stderr, "floor_check: socket for server %u: %s\n", i, strerror(errno));
		exit(1);
	}
	return fd;
}

/* The probe is over: reset the connection, keep the socket (or make another). */
static void probe_end(struct floor *f, struct target *t, bool up)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	t->up = up;
	t->state = IDLE;
	t->head_len = 0;
	f->probes++;
	if (connect(t->fd, &sa, sizeof(sa)) == 0)
		return;
	close(t->fd);
	t->fd = sock_open(f, (uint32_t)(t - f->t));
}

static void send_request(struct floor *f, struct target *t)
{
	ssize_t w = send(t->fd, request, sizeof(request) - 1, MSG_NOSIGNAL);

	if (w == (ssize_t)sizeof(request) - 1)
		t->state = WAITING;
	else if (w < 0 && errno == EAGAIN)
		t->state = SENDING;	/* still connecting: the write edge sends it */
	else
		probe_end(f, t, false);
}

static void probe_start(struct floor *f, struct target *t, uint32_t i)
{
	struct sockaddr_in sa = f->sa;
	int off = 0;

	if (t->state != IDLE)
		probe_end(f, t, false);	/* unanswered for a whole interval */
	sa.sin_port = htons((uint16_t)(f->first_port + i));
	(void)setsockopt(t->fd, IPPROTO_TCP, TCP_QUICKACK, &off, sizeof(off));
	if (connect(t->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		probe_end(f, t, false);
		return;
	}
	if (f->http)
		send_request(f, t);
	else
		t->state = SENDING;	/* up once connected */
}

/* The reply's first bytes: up on a 200. */
static void read_reply(struct floor *f, struct target *t)
{
	char buf[1024];
	ssize_t n = recv(t->fd, buf, sizeof(buf), 0);
	size_t take;

	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		probe_end(f, t, false);
		return;
	}
	take = sizeof(t->head) - t->head_len;
	if ((size_t)n < take)
		take = (size_t)n;
	memcpy(t->head + t->head_len, buf, take);
	t->head_len = (uint8_t)(t->head_len + take);
	if (t->head_len < sizeof(t->head))
		return;
	probe_end(f, t, memcmp(t->head, "HTTP/1.", 7) == 0 && memcmp(t->head + 8, " 200", 4) == 0);
}

static void on_event(struct floor *f, const struct epoll_event *e)
{
	struct target *t = &f->t[e->data.u32];

	if (t->state == IDLE)
		return;		/* the last probe's reset, or a late reply */
	if (e->events & EPOLLERR) {
		probe_end(f, t, false);
		return;
	}
	if (t->state == SENDING && (e->events & EPOLLOUT)) {
		if (!f->http) {
			probe_end(f, t, true);
			return;
		}
		send_request(f, t);
	}
	if (t->state == WAITING && (e->events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)))
		read_reply(f, t);
}

static void write_status(const struct floor *f, const char *path)
{
	char tmp[4096];
	uint32_t healthy = 0;
	FILE *out;

	for (uint32_t i = 0; i < f->n; i++)
		healthy += f->t[i].up;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	out = fopen(tmp, "w");
	if (!out)
		return;
	fprintf(out, "%u %u %llu %lld %u\n", f->n, healthy, (unsigned long long)f->probes,
		(long long)(f->late_max_ns / 1000000), healthy);
	if (fclose(out) == 0)
		rename(tmp, path);
}

static int setup(struct floor *f, int argc, char **argv)
{
	if (argc != 6 || (strcmp(argv[1], "tcp") && strcmp(argv[1], "http"))) {
		fprintf(stderr, "usage: floor_check tcp|http ADDRESS FIRST_PORT N STATUS_FILE\n");
		return -1;
	}
	f->http = strcmp(argv[1], "http") == 0;
	f->sa.sin_family = AF_INET;
	f->first_port = (uint16_t)atoi(argv[3]);
	f->n = (uint32_t)atoi(argv[4]);
	if (inet_pton(AF_INET, argv[2], &f->sa.sin_addr) != 1 || f->n == 0 ||
	    f->first_port == 0 || f->first_port + f->n - 1 > 65535) {
		fprintf(stderr, "floor_check: bad address, port or count\n");
		return -1;
	}
	f->ep = epoll_create1(EPOLL_CLOEXEC);
	f->t = calloc(f->n, sizeof(*f->t));
	if (f->ep < 0 || !f->t) {
		fprintf(stderr, "floor_check: %s\n", strerror(errno));
		return -1;
	}
	for (uint32_t i = 0; i < f->n; i++)
		f->t[i].fd = sock_open(f, i);
	return 0;
}

int main(int argc, char **argv)
{
	struct floor f = { 0 };
	struct epoll_event ev[256];
	int64_t start, step, next_status;
	uint64_t k = 0;		/* probes started: server k % n, due at start + k * step */

	if (setup(&f, argc, argv) < 0)
		return 2;
	step = 1000000000 / f.n;
	start = now_ns();
	next_status = start;
	for (;;) {
		int64_t due = start + (int64_t)k * step, now = now_ns(), wait_ms;
		int got;

		wait_ms = due > now ? (due - now + 999999) / 1000000 : 0;
		got = epoll_wait(f.ep, ev, 256, (int)wait_ms);
		if (got < 0 && errno != EINTR)
			return 1;
		for (int j = 0; j < got; j++)
			on_event(&f, &ev[j]);
		now = now_ns();
		for (; start + (int64_t)k * step <= now; k++) {
			int64_t late = now - (start + (int64_t)k * step);

			if (late > f.late_max_ns)
				f.late_max_ns = late;
			probe_start(&f, &f.t[k % f.n], (uint32_t)(k % f.n));
		}
		if (now >= next_status) {
			write_status(&f, argv[5]);
			next_status = now + 1000000000;
		}
	}
}

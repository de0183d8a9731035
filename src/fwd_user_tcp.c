/*
 * fwd_user_tcp.c - TCP for the userspace core: a full-NAT proxy.
 *
 * A client's connection to VIP:port is accepted on the service's
 * listener, a real server is scheduled and connected to, and bytes are
 * copied both ways. The fast path reads into a stack buffer and writes
 * straight to the other side; only what the other side cannot take right
 * now is kept (at most one read, TCONN_BUF bytes), and reading from the
 * fast side stops until it has drained, so a slow reader never makes lvsd
 * buffer without limit: the kernel's socket buffers push back instead.
 * Half-closes are passed on (a FIN from one side becomes shutdown(SHUT_WR)
 * toward the other), as IPVS passes the FIN itself. Bulk directions move
 * by splice(). fwd_user_listen.c accepts the clients.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <linux/tcp.h>	/* glibc's struct tcp_info lacks tcpi_segs_in/out */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fwd_user.h"
#include "proxy_proto.h"

#define TCONN_BUF 16384
#define TCONN_PIPE_AFTER 2		/* full reads in a row before splicing */
#define TCONN_SPLICE_MAX 65536		/* a pipe's default capacity */
#define TCONN_MAX_TRIES 8

enum { CLIENT = 0, SERVER = 1 };

struct tbuf {
	char *data;
	uint32_t off, len;
};

/* A bulk direction's pipe: splice() moves bytes through it without a copy. */
struct tpipe {
	int rd, wr;
	size_t len;			/* bytes in the pipe, not yet written out */
};

struct tconn {
	struct uconn uc;		/* first: the core sees a struct uconn */
	struct uservice *svc;
	int fd[2];
	struct event rd[2], wr[2], timer;
	struct tbuf pending[2];		/* read from side i, not yet written to !i */
	struct tpipe *pipe[2];		/* side i is bulk: it goes by splice */
	uint8_t full_reads[2];		/* full buffers read in a row from side i */
	bool connecting, eof[2], shut[2];
	struct lvs_addr client;
	uint64_t last_ms;		/* last byte moved, for the idle timeout */
	struct udest *tried[TCONN_MAX_TRIES];
	size_t n_tried;
};

static void tconn_arm_timer(struct tconn *t, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	event_add(&t->timer, &tv);
}

/* Client-side packets from the kernel's own count (TCP_INFO), as IPVS counts packets. */
static void count_packets(struct tconn *t)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (!t->uc.dest)
		return;
	if (getsockopt(t->fd[CLIENT], IPPROTO_TCP, TCP_INFO, &ti, &len) == 0)
		udest_count(t->uc.dest, ti.tcpi_segs_in, ti.tcpi_segs_out, 0, 0);
}

static void pipe_free(struct tpipe *p)
{
	if (!p)
		return;
	close(p->rd);
	close(p->wr);
	free(p);
}

/* NULL when out of memory or descriptors: the connection just keeps copying. */
static struct tpipe *pipe_new(void)
{
	struct tpipe *p = calloc(1, sizeof(*p));
	int fds[2];

	if (!p)
		return NULL;
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
		free(p);
		return NULL;
	}
	p->rd = fds[0];
	p->wr = fds[1];
	return p;
}

/* What side i sent that side !i has not taken yet. */
static size_t pending_len(const struct tconn *t, int i)
{
	return t->pending[i].len + (t->pipe[i] ? t->pipe[i]->len : 0);
}

static void tconn_free(struct tconn *t)
{
	for (int i = 0; i < 2; i++) {
		if (t->fd[i] >= 0) {
			event_del(&t->rd[i]);
			event_del(&t->wr[i]);
			close(t->fd[i]);
		}
		free(t->pending[i].data);
		pipe_free(t->pipe[i]);
	}
	event_del(&t->timer);
	uconn_detach(&t->uc);
	free(t);
}

static void tconn_close(struct tconn *t, const char *why)
{
	char a[ADDR_STRLEN];

	log_debug(t->svc->core->log, "tcp %s: closing client %s: %s",
		  t->svc->name ? t->svc->name : "-",
		  addr_format(&t->client, a, sizeof(a)), why);
	if (t->fd[CLIENT] >= 0)
		count_packets(t);
	tconn_free(t);
}

static void uconn_close_tcp(struct uconn *c, const char *why)
{
	tconn_close((struct tconn *)c, why);
}

bool utcp_is_tcp(const struct uconn *c)
{
	return c->close == uconn_close_tcp;
}

/* ---- moving bytes ------------------------------------------------------- */

static uint64_t now_cached(struct tconn *t)
{
	struct timeval tv;

	event_base_gettimeofday_cached(t->svc->core->base, &tv);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* Side i's data is all passed on and it sent its FIN: pass the FIN on. */
static bool pass_fin(struct tconn *t, int i)
{
	int o = !i;

	if (t->eof[i] && !t->shut[o] && pending_len(t, i) == 0) {
		shutdown(t->fd[o], SHUT_WR);
		t->shut[o] = true;
	}
	if (t->shut[CLIENT] && t->shut[SERVER]) {
		tconn_close(t, "both sides finished");
		return true;
	}
	return false;
}

static void count_bytes(struct tconn *t, int from, size_t n)
{
	if (from == CLIENT)
		udest_count(t->uc.dest, 0, 0, n, 0);
	else
		udest_count(t->uc.dest, 0, 0, 0, n);
}

/* Keep what side o could not take, and stop reading side i until it has. */
static int hold_back(struct tconn *t, int i, const char *buf, size_t len)
{
	struct tbuf *b = &t->pending[i];

	b->data = malloc(len);
	if (!b->data)
		return -1;
	memcpy(b->data, buf, len);
	b->off = 0;
	b->len = (uint32_t)len;
	event_del(&t->rd[i]);
	event_add(&t->wr[!i], NULL);
	return 0;
}

static void on_eof(struct tconn *t, int i)
{
	uint64_t fin_ms = t->svc->conf.timeout_tcpfin;

	t->eof[i] = true;
	event_del(&t->rd[i]);
	/* IPVS counts a connection that saw a FIN as inactive. */
	uconn_set_active(&t->uc, false);
	if (pass_fin(t, i))
		return;
	tconn_arm_timer(t, fin_ms ? fin_ms : 1);
}

/*
 * What a read (recv or splice) of n bytes from side i means: EOF, an
 * error (t is closed), nothing yet, or data, counted. True only for data.
 */
static bool took_bytes(struct tconn *t, int i, ssize_t n)
{
	if (n == 0) {
		on_eof(t, i);
		return false;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			tconn_close(t, strerror(errno));
		return false;
	}
	count_bytes(t, i, (size_t)n);
	t->last_ms = now_cached(t);
	return true;
}

/* Move what side i's pipe holds on to side !i. -1 if that closed t. */
static int pipe_drain(struct tconn *t, int i)
{
	struct tpipe *p = t->pipe[i];

	while (p->len) {
		ssize_t w = splice(p->rd, NULL, t->fd[!i], NULL, p->len,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			tconn_close(t, strerror(errno));
			return -1;
		}
		p->len -= (size_t)w;
	}
	return 0;
}

/* Bulk data: socket to pipe to socket, never through lvsd's memory. */
static void tconn_splice(struct tconn *t, int i)
{
	struct tpipe *p = t->pipe[i];
	ssize_t n = splice(t->fd[i], NULL, p->wr, NULL, TCONN_SPLICE_MAX,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

	if (!took_bytes(t, i, n))
		return;
	p->len = (size_t)n;
	if (pipe_drain(t, i) < 0)
		return;
	if (p->len == 0) {
		/* The burst is over: give the two descriptors back, copy again. */
		if (n < TCONN_SPLICE_MAX) {
			pipe_free(p);
			t->pipe[i] = NULL;
			t->full_reads[i] = 0;
		}
		return;
	}
	event_del(&t->rd[i]);		/* back-pressure, as with the buffer */
	event_add(&t->wr[!i], NULL);
}

/*
 * Full buffers read in a row mean a bulk transfer: from then on side i
 * goes by splice. Interactive traffic (requests, replies) stays on the
 * copy path, whose one read and one write per message are cheaper.
 */
static void note_full_read(struct tconn *t, int i, bool full)
{
	if (!full) {
		t->full_reads[i] = 0;
		return;
	}
	if (++t->full_reads[i] >= TCONN_PIPE_AFTER)
		t->pipe[i] = pipe_new();
}

static void tconn_read(struct tconn *t, int i)
{
	char buf[TCONN_BUF];
	ssize_t n, w;

	if (t->pipe[i]) {
		tconn_splice(t, i);
		return;
	}
	n = recv(t->fd[i], buf, sizeof(buf), 0);
	if (!took_bytes(t, i, n))
		return;
	w = send(t->fd[!i], buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w < 0 && errno != EAGAIN && errno != EINTR) {
		tconn_close(t, strerror(errno));
		return;
	}
	if (w < 0)
		w = 0;
	if (w < n && hold_back(t, i, buf + w, (size_t)(n - w)) < 0)
		tconn_close(t, "out of memory");
	else if (w == n)
		note_full_read(t, i, n == (ssize_t)sizeof(buf));
}

/* Write what side !o left in the buffer. 1 when it is empty, 0 if not, -1 closed. */
static int buffer_drain(struct tconn *t, int o)
{
	struct tbuf *b = &t->pending[!o];
	ssize_t w = send(t->fd[o], b->data + b->off, b->len, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (w < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		tconn_close(t, strerror(errno));
		return -1;
	}
	b->off += (uint32_t)w;
	b->len -= (uint32_t)w;
	if (b->len)
		return 0;
	free(b->data);
	b->data = NULL;
	b->off = 0;
	return 1;
}

/* Side o can take more: write what side !o left pending, then read it again. */
static void tconn_flush(struct tconn *t, int o)
{
	int i = !o;

	if (t->pending[i].len) {
		if (buffer_drain(t, o) <= 0)
			return;
	} else if (t->pipe[i] && t->pipe[i]->len) {
		if (pipe_drain(t, i) < 0 || t->pipe[i]->len)
			return;
	}
	t->last_ms = now_cached(t);
	event_del(&t->wr[o]);
	if (!t->eof[i])
		event_add(&t->rd[i], NULL);
	else
		pass_fin(t, i);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct tconn *t = arg;

	(void)what;
	tconn_read(t, fd == t->fd[CLIENT] ? CLIENT : SERVER);
}

/* ---- timers ---------------------------------------------------------------- */

static void tconn_next(struct tconn *t, const char *why);

/* One timer per connection: connect timeout, idle timeout, FIN timeout. */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct tconn *t = arg;
	uint64_t limit, idle;

	(void)fd;
	(void)what;
	if (t->connecting) {
		tconn_next(t, "connect timed out");
		return;
	}
	limit = t->eof[CLIENT] || t->eof[SERVER] ? t->svc->conf.timeout_tcpfin
						 : t->svc->conf.timeout_tcp;
	idle = now_cached(t) - t->last_ms;
	if (idle >= limit) {
		tconn_close(t, t->eof[CLIENT] || t->eof[SERVER] ? "tcpfin timeout"
								 : "idle timeout");
		return;
	}
	/* Re-armed lazily here, not on every byte moved: cheaper per packet. */
	tconn_arm_timer(t, limit - idle);
}

/* ---- connecting to the real server --------------------------------------- */

static void on_write(evutil_socket_t fd, short what, void *arg);

static int send_proxy_header(struct tconn *t)
{
	unsigned char hdr[PROXY_HEADER_MAX];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct lvs_addr vip = t->svc->conf.key.addr;
	int n;

	/* The address the client reached: the VIP, unless bound to a wildcard. */
	if (getsockname(t->fd[CLIENT], (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			vip.ip.v4 = ((struct sockaddr_in *)&ss)->sin_addr;
		else if (ss.ss_family == AF_INET6)
			vip.ip.v6 = ((struct sockaddr_in6 *)&ss)->sin6_addr;
	}
	if (t->svc->conf.proxy_protocol == CFG_PROXY_V1)
		n = proxy_v1_header(&t->client, &vip, (char *)hdr, sizeof(hdr));
	else
		n = proxy_v2_header(&t->client, &vip, hdr, sizeof(hdr));
	if (n < 0)
		return -1;
	/* Queued as if the client had sent it: the flush path delivers it first. */
	t->pending[CLIENT].data = malloc((size_t)n);
	if (!t->pending[CLIENT].data)
		return -1;
	memcpy(t->pending[CLIENT].data, hdr, (size_t)n);
	t->pending[CLIENT].len = (uint32_t)n;
	event_add(&t->wr[SERVER], NULL);
	return 0;
}

static void on_connected(struct tconn *t)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(t->fd[SERVER], SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		tconn_next(t, strerror(err));
		return;
	}
	t->connecting = false;
	event_del(&t->wr[SERVER]);
	uconn_set_active(&t->uc, true);
	t->last_ms = now_cached(t);
	tconn_arm_timer(t, t->svc->conf.timeout_tcp);
	event_add(&t->rd[SERVER], NULL);
	if (t->svc->conf.proxy_protocol != CFG_PROXY_NONE) {
		if (send_proxy_header(t) < 0)
			tconn_close(t, "cannot build the PROXY header");
		return;	/* the client is read once the header is out */
	}
	event_add(&t->rd[CLIENT], NULL);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	struct tconn *t = arg;

	(void)what;
	if (t->connecting)
		on_connected(t);
	else
		tconn_flush(t, fd == t->fd[CLIENT] ? CLIENT : SERVER);
}

static int tconn_connect(struct tconn *t, struct udest *d)
{
	const struct lvs_addr *a = &d->conf.addr;
	struct sockaddr_storage ss;
	socklen_t sl = (socklen_t)addr_to_sockaddr(a, &ss);
	int one = 1, fd;

	fd = socket(a->af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	t->fd[SERVER] = fd;
	event_assign(&t->rd[SERVER], t->svc->core->base, fd, EV_READ | EV_PERSIST, on_read, t);
	event_assign(&t->wr[SERVER], t->svc->core->base, fd, EV_WRITE | EV_PERSIST, on_write, t);
	t->connecting = true;
	event_add(&t->wr[SERVER], NULL);
	tconn_arm_timer(t, t->svc->conf.timeout_connect);
	return 0;
}

/* Connect to d, or, when it refuses at once, to the next pick. */
static void tconn_try(struct tconn *t, struct udest *d)
{
	t->tried[t->n_tried++] = d;
	if (tconn_connect(t, d) < 0)
		tconn_next(t, strerror(errno));
}

/*
 * The real server refused or did not answer: the client has not seen a
 * thing yet, so give it to the next pick rather than fail it.
 */
static void tconn_next(struct tconn *t, const char *why)
{
	struct uservice *s = t->svc;
	struct udest *d = NULL;
	char a[ADDR_STRLEN];

	log_debug(s->core->log, "tcp %s: real server %s: %s", s->name ? s->name : "-",
		  addr_format(&t->uc.dest->conf.addr, a, sizeof(a)), why);
	if (t->fd[SERVER] >= 0) {
		event_del(&t->rd[SERVER]);
		event_del(&t->wr[SERVER]);
		close(t->fd[SERVER]);
		t->fd[SERVER] = -1;
	}
	if (t->n_tried < TCONN_MAX_TRIES)
		d = uservice_reschedule(s, &t->client, t->tried, t->n_tried);
	if (!d) {
		tconn_close(t, "no real server accepted the connection");
		return;
	}
	uconn_detach(&t->uc);
	uconn_attach(&t->uc, d, NULL);
	tconn_try(t, d);
}

void utcp_conn_start(struct uservice *s, int fd, const struct sockaddr_storage *ss)
{
	struct tconn *t = calloc(1, sizeof(*t));
	struct persist_tpl *tpl;
	struct udest *d;
	int one = 1;

	if (!t) {
		close(fd);
		return;
	}
	t->svc = s;
	t->fd[CLIENT] = fd;
	t->fd[SERVER] = -1;
	t->uc.close = uconn_close_tcp;
	addr_from_sockaddr(ss, &t->client);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	event_assign(&t->rd[CLIENT], s->core->base, fd, EV_READ | EV_PERSIST, on_read, t);
	event_assign(&t->wr[CLIENT], s->core->base, fd, EV_WRITE | EV_PERSIST, on_write, t);
	event_assign(&t->timer, s->core->base, -1, 0, on_timer, t);
	d = uservice_schedule(s, &t->client, &tpl);
	if (!d) {
		tconn_close(t, "no real server available");
		return;
	}
	uconn_attach(&t->uc, d, tpl);
	tconn_try(t, d);
}

void utcp_conn_fill_info(const struct uconn *c, struct fwd_conn_info *out)
{
	const struct tconn *t = (const struct tconn *)c;
	struct timeval tv;
	uint64_t now, limit, idle;

	event_base_gettimeofday_cached(t->svc->core->base, &tv);
	now = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
	out->protocol = CFG_PROTO_TCP;
	out->client = t->client;
	out->virt = t->svc->conf.key.addr;
	out->dest = c->dest ? c->dest->conf.addr : out->virt;
	if (t->connecting) {
		out->state = FWD_CONN_SYN_RECV;
		limit = t->svc->conf.timeout_connect;
	} else if (t->eof[CLIENT] || t->eof[SERVER]) {
		out->state = t->eof[CLIENT] ? FWD_CONN_FIN_WAIT : FWD_CONN_CLOSE_WAIT;
		limit = t->svc->conf.timeout_tcpfin;
	} else {
		out->state = FWD_CONN_ESTABLISHED;
		limit = t->svc->conf.timeout_tcp;
	}
	idle = t->last_ms && now > t->last_ms ? now - t->last_ms : 0;
	out->expires_ms = idle < limit ? limit - idle : 0;
}

/*
 * fwd_user_tcp.c - TCP for the userspace core: a full-NAT proxy's data path.
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
 * by splice(). fwd_user_listen.c accepts the clients, and
 * fwd_user_tcp_conn.c connects them to their real servers.
 *
 * Each socket is registered once, edge-triggered, for reading and writing,
 * and stays so until it is closed: flow control lives in the connection's
 * own flags (what is readable, what is held back), not in epoll_ctl calls,
 * which cost a system call each time interest changes. An edge is not
 * repeated, so a read that fills the buffer puts the connection on the
 * core's more_to_read list, served after the next poll for fairness.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fwd_user_tcp.h"

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

/* ---- moving bytes ------------------------------------------------------- */

uint64_t tconn_now_ms(const struct tconn *t)
{
	struct timeval tv;

	event_base_gettimeofday_cached(t->svc->core->base, &tv);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/*
 * Side i's data is all passed on and it sent its FIN: pass the FIN on.
 * When the other direction is already finished, close() sends that FIN
 * (side o has nothing unread), so the shutdown() is skipped. True if t
 * is closed.
 */
static bool pass_fin(struct tconn *t, int i)
{
	int o = !i;

	if (t->eof[i] && !t->shut[o] && tconn_pending_len(t, i) == 0) {
		if (!t->shut[i])
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

/*
 * Keep what side o could not take; side i is not read again until it has
 * gone (pending_len). The send that fell short arms o's next write edge.
 */
static int hold_back(struct tconn *t, int i, const char *buf, size_t len)
{
	struct tbuf *b = &t->pending[i];

	b->data = malloc(len);
	if (!b->data)
		return -1;
	memcpy(b->data, buf, len);
	b->off = 0;
	b->len = (uint32_t)len;
	return 0;
}

/* Side i sent its FIN. -1 if that closed t. */
static int on_eof(struct tconn *t, int i)
{
	uint64_t fin_ms = t->svc->conf.timeout_tcpfin;

	t->eof[i] = true;
	t->readable[i] = false;
	/* IPVS counts a connection that saw a FIN as inactive. */
	uconn_set_active(&t->uc, false);
	if (pass_fin(t, i))
		return -1;
	tconn_arm_timer(t, fin_ms ? fin_ms : 1);
	return 0;
}

/*
 * What a read (recv or splice) of n bytes from side i means: 1 data,
 * counted; 0 nothing (EOF passed on, or nothing yet); -1 t is closed. A
 * recv shorter than `asked` emptied the socket: the next bytes bring a
 * new edge. (splice passes asked 0: it also stops short when the pipe's
 * slots run out, so only EAGAIN says it is empty.)
 */
static int took_bytes(struct tconn *t, int i, ssize_t n, size_t asked)
{
	if (n == 0)
		return on_eof(t, i);
	if (n < 0) {
		if (errno == EAGAIN) {
			t->readable[i] = false;
			return 0;
		}
		if (errno == EINTR)
			return 0;
		tconn_close(t, strerror(errno));
		return -1;
	}
	if ((size_t)n < asked)
		t->readable[i] = false;
	count_bytes(t, i, (size_t)n);
	t->last_ms = tconn_now_ms(t);
	return 1;
}

/* Side i still has bytes after a full read: come back after the next poll. */
static void want_more(struct tconn *t)
{
	static const struct timeval now = { 0, 0 };
	struct ucore *core = t->svc->core;

	if (t->more_queued)
		return;
	t->more_queued = true;
	TAILQ_INSERT_TAIL(&core->more_to_read, t, more_entry);
	core->n_more_to_read++;
	if (!evtimer_pending(&core->more_ev, NULL))
		event_add(&core->more_ev, &now);
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

/* Bulk data: socket to pipe to socket, never through lvsd's memory. -1: t closed. */
static int tconn_splice(struct tconn *t, int i)
{
	struct tpipe *p = t->pipe[i];
	ssize_t n = splice(t->fd[i], NULL, p->wr, NULL, TCONN_SPLICE_MAX,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	int r = took_bytes(t, i, n, 0);

	if (r <= 0)
		return r;
	p->len = (size_t)n;
	if (pipe_drain(t, i) < 0)
		return -1;
	/* The burst is over: give the two descriptors back, copy again. */
	if (p->len == 0 && n < TCONN_SPLICE_MAX) {
		pipe_free(p);
		t->pipe[i] = NULL;
		t->full_reads[i] = 0;
	}
	return 0;	/* bytes left in the pipe hold side i back, as the buffer does */
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

/*
 * The read of n bytes emptied side i and its FIN is already known
 * (EV_CLOSED): the FIN is passed on right after this write, so MSG_MORE
 * holds the bytes back for the shutdown() or close() to send them and
 * the FIN in one segment. That is one segment less, and one ACK less
 * from the peer, per connection that ends this way (an HTTP/1.0-style
 * close: a tenth of a short connection's packets).
 */
static int fin_follows(const struct tconn *t, int i, ssize_t n)
{
	return t->fin_queued[i] && (size_t)n < TCONN_BUF ? MSG_MORE : 0;
}

/* One read from side i, written on to side !i at once. -1 if t is closed. */
static int tconn_copy(struct tconn *t, int i)
{
	char buf[TCONN_BUF];
	ssize_t n = recv(t->fd[i], buf, sizeof(buf), 0), w;
	int r = took_bytes(t, i, n, sizeof(buf));

	if (r <= 0)
		return r;
	w = send(t->fd[!i], buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT | fin_follows(t, i, n));
	if (w < 0 && errno != EAGAIN && errno != EINTR) {
		tconn_close(t, strerror(errno));
		return -1;
	}
	if (w < 0)
		w = 0;
	if (w < n && hold_back(t, i, buf + w, (size_t)(n - w)) < 0) {
		tconn_close(t, "out of memory");
		return -1;
	}
	if (w == n)
		note_full_read(t, i, n == (ssize_t)sizeof(buf));
	return 0;
}

/*
 * Read side i if it may have bytes and side !i has taken everything it
 * sent so far. One read per call; a full one queues t for another turn.
 */
int tconn_pump(struct tconn *t, int i)
{
	int r;

	if (!t->readable[i] || t->eof[i] || t->connecting || tconn_pending_len(t, i))
		return 0;
	r = t->pipe[i] ? tconn_splice(t, i) : tconn_copy(t, i);
	if (r < 0)
		return -1;
	/*
	 * The FIN had come (EV_CLOSED) and the socket is now empty: what is
	 * left is the FIN, so pass it on without the read that returns 0.
	 */
	if (!t->readable[i] && t->fin_queued[i] && !t->eof[i])
		return on_eof(t, i);
	if (t->readable[i] && !tconn_pending_len(t, i))
		want_more(t);
	return 0;
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

/*
 * Side o can take more: write what side !o left pending, then read side
 * !o again (or pass its FIN on). -1 if t is closed.
 */
int tconn_flush(struct tconn *t, int o)
{
	int i = !o, r;

	if (t->pending[i].len) {
		r = buffer_drain(t, o);
		if (r <= 0)
			return r;
	} else if (t->pipe[i] && t->pipe[i]->len) {
		if (pipe_drain(t, i) < 0)
			return -1;
		if (t->pipe[i]->len)
			return 0;
	} else {
		return 0;	/* a write edge with nothing waiting */
	}
	t->last_ms = tconn_now_ms(t);
	if (t->eof[i])
		return pass_fin(t, i) ? -1 : 0;
	return tconn_pump(t, i);
}


/* Every edge of either socket of t. */
void tconn_on_io(evutil_socket_t fd, short what, void *arg)
{
	struct tconn *t = arg;
	int i = fd == t->fd[CLIENT] ? CLIENT : SERVER;

	if (what & (EV_READ | EV_CLOSED))
		t->readable[i] = true;
	if (what & EV_CLOSED)
		t->fin_queued[i] = true;
	if (t->connecting) {
		if (i == SERVER)
			tconn_on_connected(t, what);
		return;		/* the client is read once the server is there */
	}
	if ((what & EV_WRITE) && tconn_flush(t, i) < 0)
		return;
	if (what & (EV_READ | EV_CLOSED))
		tconn_pump(t, i);
}

/* The core's more_to_read turn: one more read for each connection queued before it. */
static void on_more(evutil_socket_t fd, short what, void *arg)
{
	struct ucore *core = arg;
	uint32_t n = core->n_more_to_read;

	(void)fd;
	(void)what;
	while (n-- > 0) {
		struct tconn *t = TAILQ_FIRST(&core->more_to_read);

		TAILQ_REMOVE(&core->more_to_read, t, more_entry);
		core->n_more_to_read--;
		t->more_queued = false;
		if (tconn_pump(t, CLIENT) == 0)
			tconn_pump(t, SERVER);
	}
}

void utcp_core_init(struct ucore *core)
{
	TAILQ_INIT(&core->more_to_read);
	core->n_more_to_read = 0;
	evtimer_assign(&core->more_ev, core->base, on_more, core);
}

/* Every connection is closed by now. */
void utcp_core_fini(struct ucore *core)
{
	event_del(&core->more_ev);
}

void tconn_release_io(struct tconn *t)
{
	struct ucore *core = t->svc->core;

	for (int i = 0; i < 2; i++) {
		free(t->pending[i].data);
		t->pending[i].data = NULL;
		pipe_free(t->pipe[i]);
		t->pipe[i] = NULL;
	}
	if (t->more_queued) {
		TAILQ_REMOVE(&core->more_to_read, t, more_entry);
		core->n_more_to_read--;
		t->more_queued = false;
	}
}

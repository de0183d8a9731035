/*
 * fwd_user_tcp_conn.c - the life of a TCP connection in the userspace core.
 *
 * A client accepted by fwd_user_listen.c gets a real server from its
 * service's scheduler and a non-blocking connect to it; a server that
 * refuses, or does not answer within the connect timeout, is replaced by
 * the next pick (up to TCONN_MAX_TRIES) before the client is failed,
 * since the client has seen nothing yet. One timer per connection covers
 * the connect, idle (tcp) and FIN (tcpfin) timeouts. With proxy_protocol
 * the PROXY header goes out as the first bytes the server reads. Closing
 * counts the client side's packets as IPVS would. fwd_user_tcp.c moves
 * the bytes in between.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <linux/tcp.h>	/* glibc's struct tcp_info lacks tcpi_segs_in/out */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fwd_user_tcp.h"
#include "proxy_proto.h"

void tconn_arm_timer(struct tconn *t, uint64_t ms)
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

static void tconn_free(struct tconn *t)
{
	for (int i = 0; i < 2; i++) {
		if (t->fd[i] >= 0) {
			event_del(&t->io[i]);
			close(t->fd[i]);
		}
	}
	tconn_release_io(t);
	event_del(&t->timer);
	uconn_detach(&t->uc);
	free(t);
}

void tconn_close(struct tconn *t, const char *why)
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
	idle = tconn_now_ms(t) - t->last_ms;
	if (idle >= limit) {
		tconn_close(t, t->eof[CLIENT] || t->eof[SERVER] ? "tcpfin timeout"
								 : "idle timeout");
		return;
	}
	/* Re-armed lazily here, not on every byte moved: cheaper per packet. */
	tconn_arm_timer(t, limit - idle);
}

/* ---- connecting to the real server --------------------------------------- */

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
	return 0;
}

/*
 * The server socket's first edge. A failed connect always reports an
 * error (libevent shows it as read and write); write alone is a success,
 * so SO_ERROR is only asked when there is a read edge to explain.
 */
void tconn_on_connected(struct tconn *t, short what)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if ((what & (EV_READ | EV_CLOSED)) &&
	    getsockopt(t->fd[SERVER], SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		tconn_next(t, strerror(err));
		return;
	}
	t->connecting = false;
	uconn_set_active(&t->uc, true);
	t->last_ms = tconn_now_ms(t);
	tconn_arm_timer(t, t->svc->conf.timeout_tcp);
	if (t->svc->conf.proxy_protocol != CFG_PROXY_NONE) {
		if (send_proxy_header(t) < 0) {
			tconn_close(t, "cannot build the PROXY header");
			return;
		}
		/* Sent as the client's first bytes: the client is read once it is out. */
		if (tconn_flush(t, SERVER) < 0)
			return;
	}
	/* What either side sent while the connection was being made. */
	if (tconn_pump(t, SERVER) == 0)
		tconn_pump(t, CLIENT);
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
	t->readable[SERVER] = t->fin_queued[SERVER] = false;
	event_assign(&t->io[SERVER], t->svc->core->base, fd, TCONN_EVENTS, tconn_on_io, t);
	if (event_add(&t->io[SERVER], NULL) < 0) {
		t->fd[SERVER] = -1;
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	t->connecting = true;
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
		event_del(&t->io[SERVER]);
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

	if (!t) {
		close(fd);
		return;
	}
	t->svc = s;
	t->fd[CLIENT] = fd;
	t->fd[SERVER] = -1;
	t->uc.close = uconn_close_tcp;
	addr_from_sockaddr(ss, &t->client);
	/* TCP_NODELAY came with the socket: accepted sockets inherit the listener's. */
	event_assign(&t->io[CLIENT], s->core->base, fd, TCONN_EVENTS, tconn_on_io, t);
	event_assign(&t->timer, s->core->base, -1, 0, on_timer, t);
	d = uservice_schedule(s, &t->client, &tpl);
	if (!d) {
		tconn_close(t, "no real server available");
		return;
	}
	uconn_attach(&t->uc, d, tpl);
	if (event_add(&t->io[CLIENT], NULL) < 0) {
		tconn_close(t, "cannot watch the client's socket");
		return;
	}
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

/*
 * fwd_user_udp.c - UDP for the userspace core: per-client flows.
 *
 * The service's socket is bound to VIP:port; the first datagram from a
 * client creates a flow with its own socket connected to the scheduled
 * real server, so replies arrive on a socket that already says which
 * client they belong to, and go back out of the service's socket, hence
 * from the VIP. A flow dies after the udp timeout without traffic.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fwd_user.h"

#define UDP_MAX_DGRAM 65536
#define UDP_BATCH 64

struct uflow {
	struct uconn uc;		/* first: the core sees a struct uconn */
	struct hmap_node node;		/* in svc->flows, by client address */
	struct uservice *svc;
	struct lvs_addr client;
	int fd;
	struct event ev;
	uint64_t last_ms;
};

static struct uflow *flow_of_node(struct hmap_node *n)
{
	return (struct uflow *)((char *)n - offsetof(struct uflow, node));
}

static struct uflow *flow_find(struct uservice *s, const struct lvs_addr *c)
{
	uint32_t h = hmap_hash_addr(&s->flows, c);

	for (struct hmap_node *n = hmap_first(&s->flows, h); n; n = n->next)
		if (n->hash == h && addr_equal(&flow_of_node(n)->client, c))
			return flow_of_node(n);
	return NULL;
}

static void flow_free(struct uflow *f)
{
	event_del(&f->ev);
	close(f->fd);
	hmap_remove(&f->svc->flows, &f->node);
	uconn_detach(&f->uc);
	free(f);
}

static void uconn_close_udp(struct uconn *c, const char *why)
{
	(void)why;
	flow_free((struct uflow *)c);
}

/* Replies from the real server go back to the client from the VIP. */
static void on_reply(evutil_socket_t fd, short what, void *arg)
{
	struct uflow *f = arg;
	char buf[UDP_MAX_DGRAM];
	struct sockaddr_storage ss;
	socklen_t sl = (socklen_t)addr_to_sockaddr(&f->client, &ss);

	(void)what;
	for (int k = 0; k < UDP_BATCH; k++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0)
			return;	/* EAGAIN, or an ICMP error the next datagram may clear */
		f->last_ms = ucore_now_ms();
		if (sendto(f->svc->fd, buf, (size_t)n, 0, (struct sockaddr *)&ss, sl) >= 0)
			udest_count(f->uc.dest, 0, 1, 0, (uint64_t)n);
	}
}

static struct uflow *flow_new(struct uservice *s, const struct lvs_addr *client)
{
	struct persist_tpl *tpl;
	struct udest *d = uservice_schedule(s, client, &tpl);
	struct sockaddr_storage ss;
	socklen_t sl;
	struct uflow *f;

	if (!d)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->fd = socket(d->conf.addr.af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	sl = (socklen_t)addr_to_sockaddr(&d->conf.addr, &ss);
	if (f->fd < 0 || connect(f->fd, (struct sockaddr *)&ss, sl) < 0) {
		log_warning(s->core->log, "udp %s: cannot open a flow: %s",
			    s->name ? s->name : "-", strerror(errno));
		if (f->fd >= 0)
			close(f->fd);
		free(f);
		return NULL;
	}
	f->svc = s;
	f->client = *client;
	f->uc.close = uconn_close_udp;
	f->last_ms = ucore_now_ms();
	event_assign(&f->ev, s->core->base, f->fd, EV_READ | EV_PERSIST, on_reply, f);
	event_add(&f->ev, NULL);
	hmap_insert(&s->flows, &f->node, hmap_hash_addr(&s->flows, client));
	uconn_attach(&f->uc, d, tpl);
	return f;
}

static void on_datagram(evutil_socket_t fd, short what, void *arg)
{
	struct uservice *s = arg;
	char buf[UDP_MAX_DGRAM];

	(void)what;
	for (int k = 0; k < UDP_BATCH; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);
		struct lvs_addr client;
		struct uflow *f;

		if (n < 0)
			return;
		addr_from_sockaddr(&ss, &client);
		f = flow_find(s, &client);
		if (!f && s->core->n_conns >= s->core->max_conns) {
			s->core->refused++;
			continue;
		}
		if (!f && !(f = flow_new(s, &client)))
			continue;
		f->last_ms = ucore_now_ms();
		if (send(f->fd, buf, (size_t)n, 0) >= 0)
			udest_count(f->uc.dest, 1, 0, (uint64_t)n, 0);
	}
}

int uudp_bind(struct uservice *s, char *err, size_t errlen)
{
	int fd = usock_bind(&s->conf.key.addr, SOCK_DGRAM, err, errlen);

	if (fd < 0)
		return -1;
	s->fd = fd;
	event_assign(&s->ev, s->core->base, fd, EV_READ | EV_PERSIST, on_datagram, s);
	event_add(&s->ev, NULL);
	return 0;
}

void uudp_expire(struct uservice *s, uint64_t now_ms)
{
	for (size_t b = 0; b <= s->flows.mask; b++) {
		struct hmap_node *n = s->flows.buckets[b], *next;

		for (; n; n = next) {
			struct uflow *f = flow_of_node(n);

			next = n->next;
			if (now_ms - f->last_ms >= s->conf.timeout_udp)
				flow_free(f);
		}
	}
}

void uudp_close_all(struct uservice *s)
{
	uudp_expire(s, UINT64_MAX);
}

void uudp_conn_fill_info(const struct uconn *c, struct fwd_conn_info *out)
{
	const struct uflow *f = (const struct uflow *)c;
	uint64_t idle = ucore_now_ms() - f->last_ms;

	out->protocol = CFG_PROTO_UDP;
	out->client = f->client;
	out->virt = f->svc->conf.key.addr;
	out->dest = c->dest ? c->dest->conf.addr : out->virt;
	out->state = FWD_CONN_UDP;
	out->expires_ms = idle < f->svc->conf.timeout_udp ? f->svc->conf.timeout_udp - idle : 0;
}

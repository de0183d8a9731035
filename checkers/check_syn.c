/*
 * check_syn.c - the SYN probes' sockets and the probes in flight (see
 * check_syn.h for what a probe means).
 *
 * Each address family gets, on its first tcp check, one raw TCP socket,
 * SYN_PORTS ordinary TCP sockets bound to wildcard ports that they keep
 * from the rest of the host (never listening, so the host's TCP resets
 * whatever the servers send to them), and one UDP socket whose connect()
 * asks the kernel which source address it would use toward a server.
 * The raw socket's kernel filter passes only SYN-ACKs and resets to those
 * ports; one read callback drains it in batches (recvmmsg) and finds each
 * reply's probe in a table keyed by server address, server port and our
 * port, whose random ISN the reply must acknowledge. A family that cannot
 * have its raw socket (no CAP_NET_RAW) is said once, at notice, and its
 * probes go by connect() (check_tcp.c) for the daemon's life.
 *
 * Probes are sent one by one as they fall due (sendmmsg would hold the
 * first back for the last); the source address is asked again after a
 * timeout, after a send the kernel refused, and every SYN_SRC_REFRESH_S,
 * so route changes are followed; the SYN is sent once more after 1 s when
 * the timeout is longer, as the kernel's own first retransmission.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "check_syn.h"

/* Replies read per recvmmsg, and batches per wake-up (the loop is shared). */
#define SYN_BATCH 32
#define SYN_ROUNDS 16
/* Room for replies while the loop is busy elsewhere (a status dump: 0.25 s). */
#define SYN_RCVBUF (4 * 1024 * 1024)
/* The kernel's choice of source address is asked again after this long. */
#define SYN_SRC_REFRESH_S 60

struct syn_family {
	struct check_syn *s;
	int af;
	const char *name;		/* "IPv4", "IPv6" */
	bool tried;			/* the sockets were asked for (once) */
	int raw, udp;
	int reserve[SYN_PORTS];
	uint16_t ports[SYN_PORTS];
	size_t nports;
	unsigned next_port;
	struct event ev;
	bool ev_added;
	struct hmap inflight;		/* struct syn_probe, by server and our port */
};

struct check_syn {
	struct event_base *base;
	struct logger *log;
	struct syn_family fam[2];	/* IPv4, IPv6 */
	uint32_t pool[256];		/* random ISNs, drawn in bulk */
	size_t pool_left;
};

/* The table's key: the server and our port (the ISN is checked after). */
struct syn_key {
	unsigned char ip[16];
	uint16_t port, sport;
};

static uint32_t syn_hash(const struct syn_family *f, const struct lvs_addr *a, uint16_t sport)
{
	struct syn_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.ip, a->af == AF_INET6 ? (const void *)a->ip.v6.s6_addr : &a->ip.v4.s_addr,
	       a->af == AF_INET6 ? 16 : 4);
	k.port = a->port;
	k.sport = sport;
	return hmap_hash(&f->inflight, &k, sizeof(k));
}

static struct syn_probe *syn_find(const struct syn_family *f, const struct lvs_addr *a,
				  uint16_t sport)
{
	uint32_t h = syn_hash(f, a, sport);

	for (struct hmap_node *n = hmap_first(&f->inflight, h); n; n = n->next) {
		struct syn_probe *sp = (struct syn_probe *)((char *)n - offsetof(struct syn_probe, node));

		if (n->hash == h && sp->sport == sport && sp->dst.port == a->port &&
		    addr_ip_equal(&sp->dst, a))
			return sp;
	}
	return NULL;
}

static uint32_t syn_random(struct check_syn *s)
{
	if (!s->pool_left) {
		if (RAND_bytes((unsigned char *)s->pool, sizeof(s->pool)) != 1) {
			/* Not expected; an ISN then is less secret, not wrong. */
			for (size_t i = 0; i < 256; i++)
				s->pool[i] ^= (uint32_t)random() * 2654435761u;
		}
		s->pool_left = 256;
	}
	return s->pool[--s->pool_left];
}

/* ---- sending ------------------------------------------------------------------------- */

/* Send sp's SYN from its source (pinned, so that the checksum holds): 0 or errno. */
static int syn_send(struct syn_family *f, struct syn_probe *sp)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage ss;
	struct iovec iov = { .iov_base = sp->seg, .iov_len = SYN_SEG_LEN };
	struct msghdr msg = { .msg_name = &ss, .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf };
	struct cmsghdr *cm;
	struct lvs_addr to = sp->dst;

	to.port = 0;	/* a raw socket's "port" is its protocol */
	msg.msg_namelen = addr_to_sockaddr(&to, &ss);
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_controllen = f->af == AF_INET6 ? CMSG_SPACE(sizeof(struct in6_pktinfo))
					       : CMSG_SPACE(sizeof(struct in_pktinfo));
	cm = CMSG_FIRSTHDR(&msg);
	if (f->af == AF_INET6) {
		struct in6_pktinfo pi = { .ipi6_addr = sp->src.ip.v6 };

		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	} else {
		struct in_pktinfo pi = { .ipi_spec_dst = sp->src.ip.v4 };

		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	while (sendmsg(f->raw, &msg, MSG_DONTWAIT) < 0) {
		if (errno != EINTR)
			return errno;
	}
	return 0;
}

/* The source address the kernel would pick toward dst now: 0 or errno. */
static int syn_route(struct syn_family *f, const struct lvs_addr *dst, struct lvs_addr *src)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_to_sockaddr(dst, &ss);

	if (connect(f->udp, (struct sockaddr *)&ss, len) < 0)
		return errno;
	len = sizeof(ss);
	if (getsockname(f->udp, (struct sockaddr *)&ss, &len) < 0)
		return errno;
	addr_from_sockaddr(&ss, src);
	src->port = 0;
	return 0;
}

static void syn_on_rexmit(evutil_socket_t fd, short what, void *arg)
{
	struct syn_probe *sp = arg;

	(void)fd;
	(void)what;
	/* A send that fails now is left to the deadline, as a lost SYN would be. */
	if (sp->in_flight)
		(void)syn_send(sp->fam, sp);
}

/* ---- receiving ----------------------------------------------------------------------- */

/* Out of the table, the retransmission off. */
static void syn_unlink(struct syn_probe *sp)
{
	hmap_remove(&sp->fam->inflight, &sp->node);
	if (sp->rexmit_set)
		event_del(&sp->rexmit);
	sp->in_flight = false;
}

static void syn_end(struct syn_probe *sp, bool up)
{
	struct check_probe *p = sp->p;

	syn_unlink(sp);
	p->run = NULL;
	check_probe_end(p, up, up ? "connected" : "connect refused");
}

static void syn_dispatch(struct syn_family *f, const unsigned char *buf, size_t len,
			 const struct sockaddr_in6 *from)
{
	struct syn_reply r;
	struct syn_probe *sp;
	enum syn_verdict v;

	if (syn_pkt_parse(f->af, buf, len, &from->sin6_addr, &r) < 0)
		return;
	sp = syn_find(f, &r.from, r.to_port);
	if (!sp)
		return;		/* a late or repeated answer: its probe has ended */
	v = syn_pkt_judge(&r, sp->isn);
	if (v != SYN_IGNORE)
		syn_end(sp, v == SYN_UP);
}

/* Drain the raw socket, a batch at a time; what is left wakes the loop again. */
static void syn_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct syn_family *f = arg;
	unsigned char bufs[SYN_BATCH][SYN_REPLY_SNAP];
	struct sockaddr_in6 names[SYN_BATCH];
	struct iovec iov[SYN_BATCH];
	struct mmsghdr msgs[SYN_BATCH];

	(void)what;
	for (int round = 0; round < SYN_ROUNDS; round++) {
		int n;

		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < SYN_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &names[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(names[i]);
		}
		n = recvmmsg(fd, msgs, SYN_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warning(f->s->log, "tcp checks: reading the raw %s socket: %s",
					    f->name, strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++)
			syn_dispatch(f, bufs[i], msgs[i].msg_len, &names[i]);
		if (n < SYN_BATCH)
			return;
	}
}

/* ---- a family's sockets ---------------------------------------------------------------- */

static void family_close(struct syn_family *f)
{
	if (f->ev_added)
		event_del(&f->ev);
	f->ev_added = false;
	if (f->raw >= 0)
		close(f->raw);
	if (f->udp >= 0)
		close(f->udp);
	for (size_t i = 0; i < SYN_PORTS; i++) {
		if (f->reserve[i] >= 0)
			close(f->reserve[i]);
		f->reserve[i] = -1;
	}
	f->raw = f->udp = -1;
	f->nports = 0;
}

/* Keep a wildcard port of the family from every other socket of the host: 0 or errno. */
static int family_reserve(struct syn_family *f, size_t i)
{
	struct sockaddr_storage ss;
	struct lvs_addr any = { .af = f->af };
	socklen_t len = addr_to_sockaddr(&any, &ss);
	int on = 1;

	f->reserve[i] = socket(f->af, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->reserve[i] < 0)
		return errno;
	/* No SO_REUSEADDR: another socket asking for the port must be refused it. */
	if (f->af == AF_INET6 &&
	    setsockopt(f->reserve[i], IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0)
		return errno;
	if (bind(f->reserve[i], (struct sockaddr *)&ss, len) < 0)
		return errno;
	len = sizeof(ss);
	if (getsockname(f->reserve[i], (struct sockaddr *)&ss, &len) < 0)
		return errno;
	addr_from_sockaddr(&ss, &any);
	f->ports[i] = any.port;
	return 0;
}

/* The filter on the raw socket: drop all until the ports are known, then only replies. */
static int family_filter(struct syn_family *f, size_t nports)
{
	struct sock_filter prog[SYN_FILTER_MAX];
	struct sock_fprog fp = { .filter = prog };

	fp.len = (unsigned short)syn_pkt_filter(f->af, f->ports, nports, prog);
	return setsockopt(f->raw, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) < 0 ? errno : 0;
}

/* The raw socket and its companions: 0, or errno with what failed in *what. */
static int family_sockets(struct syn_family *f, const char **what)
{
	int size = SYN_RCVBUF, err;
	unsigned char junk[SYN_REPLY_SNAP];

	*what = "a raw socket";
	f->raw = socket(f->af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (f->raw < 0)
		return errno;
	*what = "its filter";
	if ((err = family_filter(f, 0)) != 0)
		return err;
	*what = "a source port";
	for (size_t i = 0; i < SYN_PORTS; i++) {
		if ((err = family_reserve(f, i)) != 0)
			return err;
		f->nports++;
	}
	*what = "its filter";
	if ((err = family_filter(f, f->nports)) != 0)
		return err;
	/* What came in before the filter: all of the host's TCP, none of it ours. */
	while (recv(f->raw, junk, sizeof(junk), MSG_DONTWAIT) >= 0)
		;
	/* Beyond rmem_max needs CAP_NET_ADMIN; the smaller buffer still works. */
	if (setsockopt(f->raw, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(f->raw, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	*what = "a socket for route lookups";
	f->udp = socket(f->af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (f->udp < 0)
		return errno;
	*what = "the event loop";
	event_assign(&f->ev, f->s->base, f->raw, EV_READ | EV_PERSIST, syn_on_read, f);
	if (event_add(&f->ev, NULL) < 0)
		return ENOMEM;
	f->ev_added = true;
	return 0;
}

/* The family's sockets, made on its first probe; NULL if it probes by connect(). */
static struct syn_family *family_get(struct check_syn *s, int af)
{
	struct syn_family *f = &s->fam[af == AF_INET6];
	const char *what = "";
	int err;

	if (f->tried)
		return f->raw >= 0 ? f : NULL;
	f->tried = true;
	err = family_sockets(f, &what);
	if (err) {
		family_close(f);
		log_notice(s->log, "tcp checks: cannot make %s for %s SYN probes (%s): "
			   "probing by connect() instead", what, f->name, strerror(err));
		return NULL;
	}
	log_info(s->log, "tcp checks: SYN probes on a raw %s socket from ports %u %u %u %u",
		 f->name, f->ports[0], f->ports[1], f->ports[2], f->ports[3]);
	return f;
}

/* ---- the engine's life and its probes ---------------------------------------------- */

struct check_syn *check_syn_new(struct event_base *base, struct logger *log)
{
	struct check_syn *s = calloc(1, sizeof(*s));
	uint64_t seed = 0;

	if (!s)
		return NULL;
	s->base = base;
	s->log = log;
	if (RAND_bytes((unsigned char *)&seed, sizeof(seed)) != 1)
		seed = (uint64_t)(uintptr_t)s ^ (uint64_t)getpid() << 32;
	for (int i = 0; i < 2; i++) {
		struct syn_family *f = &s->fam[i];

		f->s = s;
		f->af = i ? AF_INET6 : AF_INET;
		f->name = i ? "IPv6" : "IPv4";
		f->raw = f->udp = -1;
		for (size_t k = 0; k < SYN_PORTS; k++)
			f->reserve[k] = -1;
		if (hmap_init(&f->inflight, seed + (uint64_t)i) < 0) {
			check_syn_free(s);
			return NULL;
		}
	}
	return s;
}

void check_syn_free(struct check_syn *s)
{
	if (!s)
		return;
	for (int i = 0; i < 2; i++) {
		family_close(&s->fam[i]);
		hmap_free(&s->fam[i].inflight);
	}
	free(s);
}

/* A source port with no probe in flight toward dst; 0 if all are busy. */
static uint16_t family_port(struct syn_family *f, const struct lvs_addr *dst)
{
	for (size_t k = 0; k < f->nports; k++) {
		uint16_t port = f->ports[(f->next_port + k) % f->nports];

		if (!syn_find(f, dst, port)) {
			f->next_port = (unsigned)((f->next_port + k + 1) % f->nports);
			return port;
		}
	}
	return 0;
}

/* Ask for the source again when it is stale: 0 or errno. */
static int syn_source(struct syn_family *f, struct syn_probe *sp, bool force)
{
	struct timeval now;
	int err;

	event_base_gettimeofday_cached(f->s->base, &now);
	if (!force && sp->src.af == f->af && (uint64_t)now.tv_sec < sp->src_until_s)
		return 0;
	err = syn_route(f, &sp->dst, &sp->src);
	if (err) {
		sp->src.af = 0;
		return err;
	}
	sp->src_until_s = (uint64_t)now.tv_sec + SYN_SRC_REFRESH_S;
	return 0;
}

/* Build and send: 0 or errno; a source the kernel refuses is asked again, once. */
static int syn_launch(struct syn_family *f, struct syn_probe *sp)
{
	int err = syn_source(f, sp, false);

	for (int attempt = 0; !err; attempt++) {
		syn_pkt_build(sp->seg, &sp->src, sp->sport, &sp->dst, sp->isn);
		err = syn_send(f, sp);
		if (attempt || (err != EINVAL && err != EADDRNOTAVAIL))
			break;
		err = syn_source(f, sp, true);
	}
	return err;
}

int check_syn_start(struct check_syn *s, struct syn_probe *sp, struct check_probe *p,
		    char *why, size_t whylen)
{
	struct syn_family *f;
	int err;

	if (!s || !(f = family_get(s, p->target.af)))
		return 0;
	if (sp->dst.af && !addr_equal(&sp->dst, &p->target))
		sp->src.af = 0;		/* a new target: a new route */
	sp->dst = p->target;
	sp->sport = family_port(f, &sp->dst);
	if (!sp->sport)
		return 0;	/* SYN_PORTS probes toward this server already: by connect() */
	sp->p = p;
	sp->fam = f;
	sp->isn = syn_random(s);
	err = syn_launch(f, sp);
	if (err) {
		snprintf(why, whylen, "connect failed: %s", strerror(err));
		return -1;
	}
	hmap_insert(&f->inflight, &sp->node, syn_hash(f, &sp->dst, sp->sport));
	sp->in_flight = true;
	p->run = sp;
	if (p->conf->timeout > 1000) {
		static const struct timeval rto = { 1, 0 };

		if (!sp->rexmit_set)
			event_assign(&sp->rexmit, s->base, -1, 0, syn_on_rexmit, sp);
		sp->rexmit_set = true;
		event_add(&sp->rexmit, &rto);
	}
	return 1;
}

void check_syn_cancel(struct syn_probe *sp)
{
	if (!sp->in_flight)
		return;
	syn_unlink(sp);
	sp->src.af = 0;	/* no answer: perhaps the route moved */
}

/*
 * vrrp_net.c - VRRP's view of the interfaces: their facts (index, MAC,
 * carrier, primary address) read over rtnetlink with libnl-route-3; the
 * raw IP protocol-112 socket an interface's instances share, which sends
 * with the primary address as source whatever VIPs the interface holds
 * and reads whole IPv4 packets (so the TTL the RFC checks is visible);
 * and a watch over RTNLGRP_LINK that reports every interface's up state
 * as the kernel announces it, re-reading all links when the kernel had to
 * drop announcements (ENOBUFS), so that no change is ever missed for good.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "vrrp.h"
#include "vrrp_net.h"

/*
 * Room for bursts of advertisements from many routers (each skb costs
 * about a kilobyte of the budget, whatever its length); the kernel caps
 * it at net.core.rmem_max.
 */
#define VRRP_SOCK_RCVBUF (256 * 1024)
/* A link storm (hundreds of VLANs going down) should not overrun the watch. */
#define VRRP_LINK_RCVBUF (1024 * 1024)
/* Netlink reads per vrrp_link_watch_read(): the event loop calls again if more is queued. */
#define VRRP_LINK_BATCHES 64

/* A connected rtnetlink socket; `what` says on whose behalf, for the error. */
static struct nl_sock *vrrp_nl_open(const char *what, char *err, size_t errlen)
{
	struct nl_sock *sk = nl_socket_alloc();
	int rc;

	if (!sk) {
		snprintf(err, errlen, "%s: cannot allocate a netlink socket", what);
		return NULL;
	}
	rc = nl_connect(sk, NETLINK_ROUTE);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot connect to rtnetlink: %s", what, nl_geterror(rc));
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

/* What the RFC means by an interface that can carry VRRP: up, with carrier. */
static bool vrrp_flags_up(unsigned int flags)
{
	return (flags & IFF_UP) && (flags & IFF_RUNNING);
}

/* ---- interfaces ------------------------------------------------------------------ */

static bool vrrp_is_vip(struct in_addr a, const struct lvs_prefix *vips, size_t n_vips)
{
	for (size_t i = 0; i < n_vips; i++)
		if (vips[i].addr.af == AF_INET && vips[i].addr.ip.v4.s_addr == a.s_addr)
			return true;
	return false;
}

/*
 * The interface's first IPv4 address that is not a VIP. The dump lists
 * an interface's addresses in the kernel's order, primaries first, which
 * is also the order the kernel itself picks a source address in.
 */
static int vrrp_if_primary(struct nl_sock *sk, const char *name, const struct lvs_prefix *vips,
			   size_t n_vips, struct vrrp_if_info *out, char *err, size_t errlen)
{
	struct nl_cache *cache;
	struct nl_object *o;
	int rc = rtnl_addr_alloc_cache(sk, &cache);

	if (rc < 0) {
		snprintf(err, errlen, "interface %s: cannot read its addresses: %s", name,
			 nl_geterror(rc));
		return -1;
	}
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		struct in_addr ip;

		if (rtnl_addr_get_ifindex(a) != out->ifindex || rtnl_addr_get_family(a) != AF_INET ||
		    !local || nl_addr_get_len(local) != sizeof(ip))
			continue;
		memcpy(&ip, nl_addr_get_binary_addr(local), sizeof(ip));
		if (!vrrp_is_vip(ip, vips, n_vips)) {
			out->primary = ip;
			break;
		}
	}
	nl_cache_free(cache);
	return 0;
}

int vrrp_if_lookup(const char *name, const struct lvs_prefix *vips, size_t n_vips,
		   struct vrrp_if_info *out, char *err, size_t errlen)
{
	struct rtnl_link *link = NULL;
	struct nl_addr *mac;
	struct nl_sock *sk;
	int rc;

	memset(out, 0, sizeof(*out));
	if (strlen(name) >= IFNAMSIZ) {
		snprintf(err, errlen, "interface %s: the name is longer than %d bytes", name,
			 IFNAMSIZ - 1);
		return -1;
	}
	if (!(sk = vrrp_nl_open(name, err, errlen)))
		return -1;
	rc = rtnl_link_get_kernel(sk, 0, name, &link);
	if (rc < 0) {
		snprintf(err, errlen, "interface %s: %s", name,
			 rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND ? "no such interface"
								      : nl_geterror(rc));
		nl_socket_free(sk);
		return -1;
	}
	out->ifindex = rtnl_link_get_ifindex(link);
	out->up = vrrp_flags_up(rtnl_link_get_flags(link));
	mac = rtnl_link_get_addr(link);
	if (mac && nl_addr_get_len(mac) == sizeof(out->mac))
		memcpy(out->mac, nl_addr_get_binary_addr(mac), sizeof(out->mac));
	rtnl_link_put(link);
	rc = vrrp_if_primary(sk, name, vips, n_vips, out, err, errlen);
	nl_socket_free(sk);
	return rc;
}

/* ---- advertisement sockets ------------------------------------------------------ */

struct vrrp_sockopt {
	int level, name;
	const char *what;		/* for the error */
	const void *val;
	socklen_t len;
};

static int vrrp_sock_setup(int fd, const char *ifname, int ifindex, bool multicast, char *err,
			   size_t errlen)
{
	const int ttl = VRRP_TTL, off = 0, on = 1, rcvbuf = VRRP_SOCK_RCVBUF;
	const struct ip_mreqn mif = { .imr_ifindex = ifindex };
	const struct ip_mreqn group = {
		.imr_multiaddr.s_addr = htonl(VRRP_MCAST_V4),
		.imr_ifindex = ifindex,
	};
	const struct vrrp_sockopt opts[] = {
		{ SOL_SOCKET, SO_BINDTODEVICE, "SO_BINDTODEVICE", ifname, strlen(ifname) + 1 },
		{ SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", &rcvbuf, sizeof(rcvbuf) },
		{ IPPROTO_IP, IP_TTL, "IP_TTL 255", &ttl, sizeof(ttl) },
		{ IPPROTO_IP, IP_MULTICAST_TTL, "IP_MULTICAST_TTL 255", &ttl, sizeof(ttl) },
		/* Our own advertisements must not come back as a rival master's. */
		{ IPPROTO_IP, IP_MULTICAST_LOOP, "IP_MULTICAST_LOOP 0", &off, sizeof(off) },
		{ IPPROTO_IP, IP_MULTICAST_IF, "IP_MULTICAST_IF", &mif, sizeof(mif) },
		/* The incoming interface, for receivers that share one loop. */
		{ IPPROTO_IP, IP_PKTINFO, "IP_PKTINFO", &on, sizeof(on) },
		/* Last, so that a unicast socket just stops short of it. */
		{ IPPROTO_IP, IP_ADD_MEMBERSHIP, "IP_ADD_MEMBERSHIP 224.0.0.18", &group,
		  sizeof(group) },
	};
	size_t n = sizeof(opts) / sizeof(opts[0]) - (multicast ? 0 : 1);

	for (size_t i = 0; i < n; i++) {
		if (setsockopt(fd, opts[i].level, opts[i].name, opts[i].val, opts[i].len) < 0) {
			snprintf(err, errlen, "VRRP socket on %s: %s: %s", ifname, opts[i].what,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

int vrrp_sock_open(const char *ifname, int ifindex, bool multicast, char *err, size_t errlen)
{
	int fd;

	if (strlen(ifname) >= IFNAMSIZ) {
		snprintf(err, errlen, "VRRP socket on %s: the name is longer than %d bytes", ifname,
			 IFNAMSIZ - 1);
		return -1;
	}
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_PROTO);
	if (fd < 0) {
		snprintf(err, errlen, "VRRP socket on %s: socket(raw, protocol 112): %s", ifname,
			 strerror(errno));
		return -1;
	}
	if (vrrp_sock_setup(fd, ifname, ifindex, multicast, err, errlen) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Room for one control message of type T, aligned as the kernel reads it. */
#define VRRP_CMSG_BUF(T) union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(T))]; }

int vrrp_sock_send(int fd, int ifindex, struct in_addr src, struct in_addr dst,
		   const uint8_t *pkt, size_t len, char *err, size_t errlen)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = dst };
	struct iovec iov = { .iov_base = (void *)pkt, .iov_len = len };
	VRRP_CMSG_BUF(struct in_pktinfo) ctl;
	struct msghdr msg = {
		.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct in_pktinfo pi = { .ipi_ifindex = ifindex, .ipi_spec_dst = src };
	struct cmsghdr *c;
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	ssize_t n;

	/*
	 * ipi_spec_dst is the source the kernel puts in the header: without
	 * it, a VIP that became the interface's first address would be
	 * chosen, and the peers would see a master whose address moves.
	 */
	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	do
		n = sendmsg(fd, &msg, 0);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return 0;
	snprintf(err, errlen, "sending an advertisement from %s to %s on ifindex %d: %s",
		 inet_ntop(AF_INET, &src, s, sizeof(s)), inet_ntop(AF_INET, &dst, d, sizeof(d)),
		 ifindex, strerror(errno));
	return -1;
}

ssize_t vrrp_sock_recv(int fd, uint8_t *buf, size_t len, int *ifindex, char *err, size_t errlen)
{
	struct sockaddr_in from;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	VRRP_CMSG_BUF(struct in_pktinfo) ctl;
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct in_pktinfo pi;
	struct cmsghdr *c;
	ssize_t n;

	*ifindex = 0;
	do
		n = recvmsg(fd, &msg, MSG_TRUNC);	/* MSG_TRUNC: n is the packet's real length */
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n < 0) {
		snprintf(err, errlen, "reading the VRRP socket: %s", strerror(errno));
		return -1;
	}
	if ((size_t)n > len) {
		snprintf(err, errlen, "a packet of %zd bytes, more than any advertisement (%zu): dropped",
			 n, len);
		return -1;
	}
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			*ifindex = pi.ipi_ifindex;
		}
	}
	return n;
}

/* ---- link changes --------------------------------------------------------------- */

/* An interface the watch knows to exist: to report it down when it vanishes unseen. */
struct vrrp_link_seen {
	int ifindex;
	char name[IFNAMSIZ];
};

struct vrrp_link_watch {
	struct nl_sock *sk;		/* subscribed to RTNLGRP_LINK, non-blocking */
	struct nl_cb *cb;		/* the socket's callbacks, for nl_recvmsgs_report() */
	void (*changed)(void *arg, const char *ifname, bool up);
	void *arg;
	bool overrun;			/* the kernel dropped news: re-read every link */
	bool quiet;			/* filling `seen` at open: report nothing */
	struct vrrp_link_seen *seen;
	size_t n_seen, cap_seen;
};

static struct vrrp_link_seen *vrrp_link_seen_find(struct vrrp_link_watch *w, int ifindex)
{
	for (size_t i = 0; i < w->n_seen; i++)
		if (w->seen[i].ifindex == ifindex)
			return &w->seen[i];
	return NULL;
}

/* Remember ifindex under name. Out of memory only costs the vanished-link report. */
static void vrrp_link_seen_set(struct vrrp_link_watch *w, int ifindex, const char *name)
{
	struct vrrp_link_seen *s = vrrp_link_seen_find(w, ifindex);

	if (!s && w->n_seen == w->cap_seen) {
		size_t cap = w->cap_seen ? 2 * w->cap_seen : 16;
		struct vrrp_link_seen *p = realloc(w->seen, cap * sizeof(*p));

		if (!p)
			return;
		w->seen = p;
		w->cap_seen = cap;
	}
	if (!s) {
		s = &w->seen[w->n_seen++];
		s->ifindex = ifindex;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
}

static void vrrp_link_seen_drop(struct vrrp_link_watch *w, struct vrrp_link_seen *s)
{
	*s = w->seen[--w->n_seen];
}

static void vrrp_link_report(struct vrrp_link_watch *w, const char *name, bool up)
{
	if (!w->quiet)
		w->changed(w->arg, name, up);
}

/* One link as the kernel described it, in an announcement or a dump. */
static void vrrp_link_note(struct vrrp_link_watch *w, struct rtnl_link *l, bool gone)
{
	int ifindex = rtnl_link_get_ifindex(l);
	const char *name = rtnl_link_get_name(l);
	struct vrrp_link_seen *s = vrrp_link_seen_find(w, ifindex);
	char old[IFNAMSIZ];

	if (!name)
		return;
	if (s && strcmp(s->name, name) != 0) {
		/* Renamed: whoever tracks the old name has lost that interface. */
		snprintf(old, sizeof(old), "%s", s->name);
		vrrp_link_seen_set(w, ifindex, name);
		vrrp_link_report(w, old, false);
	}
	if (gone) {
		if ((s = vrrp_link_seen_find(w, ifindex)))
			vrrp_link_seen_drop(w, s);
		vrrp_link_report(w, name, false);
		return;
	}
	vrrp_link_seen_set(w, ifindex, name);
	vrrp_link_report(w, name, vrrp_flags_up(rtnl_link_get_flags(l)));
}

static void vrrp_link_parsed(struct nl_object *obj, void *arg)
{
	vrrp_link_note(arg, (struct rtnl_link *)obj, nl_object_get_msgtype(obj) == RTM_DELLINK);
}

static int vrrp_link_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	const struct ifinfomsg *ifi = nlmsg_data(h);

	if ((h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) ||
	    !nlmsg_valid_hdr(h, sizeof(*ifi)))
		return NL_OK;
	/*
	 * Only the device's own news (family AF_UNSPEC): a bridge also sends
	 * AF_BRIDGE ones about its ports, and an RTM_DELLINK of those means
	 * "left the bridge", not "gone". Read from the message, as libnl
	 * calls every bridge's link object AF_BRIDGE.
	 */
	if (ifi->ifi_family == AF_UNSPEC)
		nl_msg_parse(msg, vrrp_link_parsed, arg);
	return NL_OK;
}

/*
 * Read every link from scratch on a socket of its own (the watch's may
 * hold announcements still), report each, and report down the ones
 * that vanished since they were last seen.
 */
static int vrrp_link_resync(struct vrrp_link_watch *w, char *err, size_t errlen)
{
	struct nl_cache *cache;
	struct nl_object *o;
	struct nl_sock *sk = vrrp_nl_open("watching links", err, errlen);
	int rc;

	if (!sk)
		return -1;
	rc = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
	nl_socket_free(sk);
	if (rc < 0) {
		snprintf(err, errlen, "watching links: cannot read the links: %s", nl_geterror(rc));
		return -1;
	}
	for (size_t i = 0; i < w->n_seen;) {
		struct rtnl_link *l = rtnl_link_get(cache, w->seen[i].ifindex);
		char name[IFNAMSIZ];

		if (l) {
			rtnl_link_put(l);
			i++;
			continue;
		}
		snprintf(name, sizeof(name), "%s", w->seen[i].name);
		vrrp_link_seen_drop(w, &w->seen[i]);
		vrrp_link_report(w, name, false);
	}
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o))
		vrrp_link_note(w, (struct rtnl_link *)o, false);
	nl_cache_free(cache);
	w->overrun = false;
	return 0;
}

static int vrrp_link_subscribe(struct vrrp_link_watch *w, char *err, size_t errlen)
{
	int rc;

	if (!(w->sk = vrrp_nl_open("watching links", err, errlen)))
		return -1;
	/* Announcements carry no sequence number of ours. */
	nl_socket_disable_seq_check(w->sk);
	rc = nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, vrrp_link_msg, w);
	if (rc >= 0)
		rc = nl_socket_add_membership(w->sk, RTNLGRP_LINK);
	if (rc >= 0)
		rc = nl_socket_set_nonblocking(w->sk);
	if (rc >= 0)
		rc = nl_socket_set_buffer_size(w->sk, VRRP_LINK_RCVBUF, 0);
	if (rc < 0) {
		snprintf(err, errlen, "watching links: cannot subscribe to RTNLGRP_LINK: %s",
			 nl_geterror(rc));
		return -1;
	}
	w->cb = nl_socket_get_cb(w->sk);
	return 0;
}

struct vrrp_link_watch *vrrp_link_watch_open(void (*changed)(void *arg, const char *ifname,
							     bool up),
					     void *arg, char *err, size_t errlen)
{
	struct vrrp_link_watch *w = calloc(1, sizeof(*w));

	if (!w) {
		snprintf(err, errlen, "watching links: out of memory");
		return NULL;
	}
	w->changed = changed;
	w->arg = arg;
	/* Subscribed first, then the links as they are: nothing falls between. */
	if (vrrp_link_subscribe(w, err, errlen) < 0) {
		vrrp_link_watch_close(w);
		return NULL;
	}
	w->quiet = true;
	if (vrrp_link_resync(w, err, errlen) < 0) {
		vrrp_link_watch_close(w);
		return NULL;
	}
	w->quiet = false;
	return w;
}

int vrrp_link_watch_fd(const struct vrrp_link_watch *w)
{
	return nl_socket_get_fd(w->sk);
}

int vrrp_link_watch_read(struct vrrp_link_watch *w, char *err, size_t errlen)
{
	int rc = 0;

	for (int i = 0; i < VRRP_LINK_BATCHES; i++) {
		rc = nl_recvmsgs_report(w->sk, w->cb);
		/*
		 * ENOBUFS (the kernel dropped announcements for want of room)
		 * comes back through libnl's errno mapping as NLE_NOMEM. Read
		 * on: what is queued is older than the dump that follows.
		 */
		if (rc == -NLE_NOMEM) {
			w->overrun = true;
			rc = 1;
			continue;
		}
		if (rc <= 0)
			break;
	}
	if (rc < 0 && rc != -NLE_AGAIN) {
		snprintf(err, errlen, "watching links: reading rtnetlink: %s", nl_geterror(rc));
		return -1;
	}
	return w->overrun ? vrrp_link_resync(w, err, errlen) : 0;
}

void vrrp_link_watch_close(struct vrrp_link_watch *w)
{
	if (!w)
		return;
	if (w->cb)
		nl_cb_put(w->cb);
	nl_socket_free(w->sk);
	free(w->seen);
	free(w);
}

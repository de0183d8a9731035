/*
 * vrrp_net.h - what VRRP needs from the network, and nothing else:
 * advertisement sockets, the interfaces' facts and link changes, the
 * virtual IPs, gratuitous ARP. Implemented in vrrp_net.c (sockets,
 * interfaces, link watch), vrrp_vip.c (addresses over rtnetlink with
 * libnl-route-3) and vrrp_arp.c (AF_PACKET). Every function that can fail
 * returns -1 (or NULL) with the reason in err: what, on what, and why.
 */
#ifndef LVSD_VRRP_NET_H
#define LVSD_VRRP_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"

/* ---- interfaces ------------------------------------------------------------- */

struct vrrp_if_info {
	int ifindex;
	uint8_t mac[6];
	struct in_addr primary;		/* its first IPv4 address that is not a VIP; 0 if none */
	bool up;			/* IFF_UP and IFF_RUNNING (carrier) */
};

/*
 * The facts of interface `name`. `vips` (n_vips) are left out when
 * choosing the primary address, so a VIP that happens to be first is
 * never used as the advertisement's source.
 */
int vrrp_if_lookup(const char *name, const struct lvs_prefix *vips, size_t n_vips,
		   struct vrrp_if_info *out, char *err, size_t errlen);

/* ---- advertisement sockets (vrrp_net.c) ------------------------------------- */

/*
 * A raw IPv4 protocol-112 socket on one interface (SO_BINDTODEVICE),
 * non-blocking, TTL 255 for unicast and multicast, multicast loop off,
 * member of 224.0.0.18 on that interface when `multicast`. One per
 * interface serves every instance on it: receivers demultiplex by vrid.
 */
int vrrp_sock_open(const char *ifname, int ifindex, bool multicast, char *err, size_t errlen);

/*
 * Send one advertisement (VRRP header onwards) from src to dst. src is
 * put in the IP header whatever addresses the interface holds (0: the
 * kernel chooses, which may be a VIP). 0, or -1 with err.
 */
int vrrp_sock_send(int fd, int ifindex, struct in_addr src, struct in_addr dst,
		   const uint8_t *pkt, size_t len, char *err, size_t errlen);

/*
 * Read one packet, IPv4 header included, and the interface it came in
 * on. Returns its length, 0 when there is nothing more to read, -1 with
 * err on an error; a packet longer than len is dropped and is such an
 * error. The socket stays usable after any of them: log, and read on.
 */
ssize_t vrrp_sock_recv(int fd, uint8_t *buf, size_t len, int *ifindex, char *err, size_t errlen);

/* ---- link changes (vrrp_net.c) ---------------------------------------------- */

struct vrrp_link_watch;

/*
 * Watch every interface's state over rtnetlink (RTNLGRP_LINK): the fd to
 * poll, and on readable, vrrp_link_watch_read() calls changed(arg,
 * ifname, up) for each interface whose up/running state was reported
 * (often with no change: compare). A deleted interface, and the old name
 * of a renamed one, are reported down; a bridge's news about its ports
 * are not news of the ports. changed() must not close the watch.
 */
struct vrrp_link_watch *vrrp_link_watch_open(void (*changed)(void *arg, const char *ifname,
							     bool up),
					     void *arg, char *err, size_t errlen);
int vrrp_link_watch_fd(const struct vrrp_link_watch *w);
/*
 * 0, or -1 with err (the watch stays usable). An overrun (the kernel
 * dropped news) is no error: every link is read again and reported, and
 * those gone meanwhile are reported down.
 */
int vrrp_link_watch_read(struct vrrp_link_watch *w, char *err, size_t errlen);
void vrrp_link_watch_close(struct vrrp_link_watch *w);

/* ---- virtual IPs (vrrp_vip.c) ----------------------------------------------- */

struct vrrp_vips;

/* An rtnetlink handle for adding and removing addresses. */
struct vrrp_vips *vrrp_vips_open(char *err, size_t errlen);
void vrrp_vips_close(struct vrrp_vips *v);

/*
 * Add vip (address/prefix) to interface ifindex with `label` ("eth0:vi_1";
 * cut to 15 bytes; NULL or "": the interface's name). Tools expect it to
 * start with the interface's name. An IPv6 vip gets no label and no DAD.
 * An address already there is success, not an error.
 */
int vrrp_vip_add(struct vrrp_vips *v, int ifindex, const struct lvs_prefix *vip,
		 const char *label, char *err, size_t errlen);
/* Remove it; an address already gone (or whose interface is) is success. */
int vrrp_vip_del(struct vrrp_vips *v, int ifindex, const struct lvs_prefix *vip,
		 char *err, size_t errlen);
/* Whether ifindex holds vip's address now (any prefix length). 1 yes, 0 no, -1 with err. */
int vrrp_vip_present(struct vrrp_vips *v, int ifindex, const struct lvs_prefix *vip,
		     char *err, size_t errlen);

/*
 * Set net.ipv4.conf.<ifname>.promote_secondaries to 1 (as keepalived
 * does): without it, deleting an address the kernel holds as primary
 * deletes the secondaries of its subnet too, the interface's own address
 * among them when a VIP came first. 0, or -1 with err.
 */
int vrrp_if_promote_secondaries(const char *ifname, char *err, size_t errlen);

/* ---- gratuitous ARP (vrrp_arp.c) --------------------------------------------- */

/*
 * The socket gratuitous ARPs go out on (AF_PACKET, sends only), opened
 * once: closing a packet socket waits for an RCU grace period (about
 * 10 ms), which a takeover must not pay per announcement. fd, or -1.
 */
int vrrp_garp_open(char *err, size_t errlen);

/*
 * Broadcast one gratuitous ARP for ip from mac on ifindex through fd (an
 * ARP request whose sender and target are both ip, as RFC 5798 section
 * 8.1.2 and Linux's arping -U send it). 0, or -1 with err.
 */
int vrrp_garp_send(int fd, int ifindex, const uint8_t mac[6], struct in_addr ip, char *err,
		   size_t errlen);

#endif

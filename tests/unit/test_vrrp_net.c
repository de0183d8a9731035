/*
 * test_vrrp_net.c - VRRP's network layer against a real kernel: interface
 * facts, virtual IPs with labels, advertisements over the raw socket
 * (multicast and unicast, TTL 255, the primary address as source while a
 * VIP is the interface's first address), gratuitous ARP as a neighbour
 * sees it, and the link watch (down, up, carrier loss, deletion, and an
 * overrun of its socket), in the lab of vrrp_lab.h: two network
 * namespaces of the process's own, joined by a veth pair. It needs root
 * and `ip` (iproute2), and is skipped (TAP's "1..0 # SKIP", with the
 * reason) where it cannot have them.
 */
#include "config.h"

#include <ifaddrs.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "vrrp.h"
#include "vrrp_lab.h"
#include "vrrp_net.h"

#define WAIT_MS 3000

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };

/* ---- helpers ------------------------------------------------------------------------ */

static struct in_addr ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static struct lvs_prefix prefix(const char *s)
{
	struct lvs_prefix p;
	char err[128];

	if (addr_parse_prefix(s, &p, err, sizeof(err)) < 0)
		fail_msg("%s: %s", s, err);
	return p;
}

/* ---- interfaces --------------------------------------------------------------------- */

static void test_if_lookup(void **state)
{
	struct vrrp_lab *l = *state;
	struct lvs_prefix vip = prefix("10.9.0.100/24");
	struct vrrp_if_info info;
	char err[256] = "";

	if (vrrp_if_lookup("va", &vip, 1, &info, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(info.ifindex, l->if_a);
	assert_memory_equal(info.mac, mac_a, 6);
	assert_true(info.up);
	/* The VIP is the first address; the primary is the one after it. */
	assert_int_equal(info.primary.s_addr, ip4("10.9.0.1").s_addr);

	assert_int_equal(vrrp_if_lookup("va", NULL, 0, &info, err, sizeof(err)), 0);
	assert_int_equal(info.primary.s_addr, ip4("10.9.0.100").s_addr);

	/* An interface without IPv4 has no primary, and that is no error. */
	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip link add nov4 type veth peer name nov4p"), 0);
	assert_int_equal(vrrp_if_lookup("nov4", NULL, 0, &info, err, sizeof(err)), 0);
	assert_int_equal(info.primary.s_addr, 0);
	assert_false(info.up);
	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip link del nov4"), 0);

	assert_int_equal(vrrp_if_lookup("nosuch0", NULL, 0, &info, err, sizeof(err)), -1);
	assert_string_equal(err, "interface nosuch0: no such interface");
	assert_int_equal(vrrp_if_lookup("a_name_far_too_long", NULL, 0, &info, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "longer than 15 bytes"));
}

/* ---- virtual IPs -------------------------------------------------------------------- */

/* The label getifaddrs() gives the address (it names IPv4 entries by label), or "". */
static const char *label_of(const char *ip, char *buf, size_t len)
{
	struct ifaddrs *ifs, *i;
	struct in_addr a = ip4(ip);

	buf[0] = '\0';
	assert_int_equal(getifaddrs(&ifs), 0);
	for (i = ifs; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == a.s_addr)
			snprintf(buf, len, "%s", i->ifa_name);
	freeifaddrs(ifs);
	return buf;
}

static void test_vip_add_del(void **state)
{
	struct vrrp_lab *l = *state;
	struct lvs_prefix vip = prefix("10.9.0.200/24");
	char err[256] = "", label[IFNAMSIZ + 1];
	struct vrrp_vips *v = vrrp_vips_open(err, sizeof(err));

	if (!v)
		fail_msg("%s", err);
	assert_int_equal(vrrp_vip_present(v, l->if_a, &vip, err, sizeof(err)), 0);
	if (vrrp_vip_add(v, l->if_a, &vip, "va:vi_1", err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(label_of("10.9.0.200", label, sizeof(label)), "va:vi_1");
	assert_int_equal(vrrp_vip_add(v, l->if_a, &vip, "va:vi_1", err, sizeof(err)), 0);
	assert_int_equal(vrrp_vip_present(v, l->if_a, &vip, err, sizeof(err)), 1);
	/* On another interface it is not there. */
	assert_int_equal(vrrp_vip_present(v, 1, &vip, err, sizeof(err)), 0);
	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip -o addr show dev va | grep -q "
			       "'inet 10.9.0.200/24 .* va:vi_1'"), 0);

	if (vrrp_vip_del(v, l->if_a, &vip, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(vrrp_vip_present(v, l->if_a, &vip, err, sizeof(err)), 0);
	assert_string_equal(label_of("10.9.0.200", label, sizeof(label)), "");
	assert_int_equal(vrrp_vip_del(v, l->if_a, &vip, err, sizeof(err)), 0);

	/* A label too long is cut to the kernel's 15 bytes, not refused. */
	vip = prefix("10.9.0.201/32");
	if (vrrp_vip_add(v, l->if_a, &vip, "va:a_very_long_instance", err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(label_of("10.9.0.201", label, sizeof(label)), "va:a_very_long_");
	assert_int_equal(vrrp_vip_del(v, l->if_a, &vip, err, sizeof(err)), 0);

	/* No label: the kernel's, the interface's name. */
	if (vrrp_vip_add(v, l->if_a, &vip, NULL, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(label_of("10.9.0.201", label, sizeof(label)), "va");
	assert_int_equal(vrrp_vip_del(v, l->if_a, &vip, err, sizeof(err)), 0);

	assert_int_equal(vrrp_vip_add(v, 9999, &vip, "x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "adding 10.9.0.201/32 to ifindex 9999: "));
	vrrp_vips_close(v);
}

static void test_vip_ipv6(void **state)
{
	struct vrrp_lab *l = *state;
	struct lvs_prefix vip = prefix("fd00:9::100/64");
	char err[256] = "";
	struct vrrp_vips *v;

	if (access("/proc/sys/net/ipv6/conf/va", F_OK) != 0)
		skip();		/* no IPv6 here */
	if (!(v = vrrp_vips_open(err, sizeof(err))))
		fail_msg("%s", err);
	if (vrrp_vip_add(v, l->if_a, &vip, "va:ignored", err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(vrrp_vip_add(v, l->if_a, &vip, NULL, err, sizeof(err)), 0);
	assert_int_equal(vrrp_vip_present(v, l->if_a, &vip, err, sizeof(err)), 1);
	/* No DAD: usable at once, not "tentative". */
	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip -o addr show dev va | grep 'fd00:9::100/64' | "
			       "grep -qv tentative"), 0);
	assert_int_equal(vrrp_vip_del(v, l->if_a, &vip, err, sizeof(err)), 0);
	assert_int_equal(vrrp_vip_present(v, l->if_a, &vip, err, sizeof(err)), 0);
	assert_int_equal(vrrp_vip_del(v, l->if_a, &vip, err, sizeof(err)), 0);
	vrrp_vips_close(v);
}

/* ---- advertisement sockets ---------------------------------------------------------- */

/* A v3 advertisement's worth of bytes: vrid 51, priority 100, one address. */
static const uint8_t advert[] = { 0x31, 51, 100, 1, 0x00, 0x64, 0, 0, 10, 9, 0, 100 };

static int sock_in(const struct vrrp_lab *l, int ns, const char *ifname, int ifindex, bool mcast)
{
	char err[256] = "";
	int fd;

	if (vrrp_lab_enter(l, ns) < 0)
		fail_msg("cannot enter the namespace");
	fd = vrrp_sock_open(ifname, ifindex, mcast, err, sizeof(err));
	vrrp_lab_back(l);
	if (fd < 0)
		fail_msg("%s", err);
	return fd;
}

/* Wait for one packet on fd and check it is our advertisement from src to dst. */
static void expect_advert(int fd, int ifindex, const char *src, const char *dst)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t buf[2048];
	char err[256] = "", a[INET_ADDRSTRLEN];
	int in_if = -1;
	ssize_t n;
	size_t hl;

	assert_int_equal(poll(&p, 1, WAIT_MS), 1);
	n = vrrp_sock_recv(fd, buf, sizeof(buf), &in_if, err, sizeof(err));
	if (n < 0)
		fail_msg("%s", err);
	assert_true(n >= 20);
	hl = (size_t)(buf[0] & 0x0f) * 4;
	assert_int_equal(buf[0] >> 4, 4);
	assert_int_equal(buf[8], VRRP_TTL);		/* the TTL, as the RFC checks it */
	assert_int_equal(buf[9], VRRP_PROTO);
	assert_string_equal(inet_ntop(AF_INET, buf + 12, a, sizeof(a)), src);
	assert_string_equal(inet_ntop(AF_INET, buf + 16, a, sizeof(a)), dst);
	assert_int_equal((size_t)n, hl + sizeof(advert));
	assert_memory_equal(buf + hl, advert, sizeof(advert));
	assert_int_equal(in_if, ifindex);
}

static void send_advert(int fd, int ifindex, const char *src, const char *dst)
{
	char err[256] = "";

	if (vrrp_sock_send(fd, ifindex, ip4(src), ip4(dst), advert, sizeof(advert), err,
			   sizeof(err)) < 0)
		fail_msg("%s", err);
}

static void expect_nothing(int fd)
{
	uint8_t buf[2048];
	char err[256] = "";
	int in_if;

	assert_int_equal(vrrp_sock_recv(fd, buf, sizeof(buf), &in_if, err, sizeof(err)), 0);
}

static void test_sock_multicast(void **state)
{
	struct vrrp_lab *l = *state;
	int a = sock_in(l, l->ns_a, "va", l->if_a, true);
	int b = sock_in(l, l->ns_b, "vb", l->if_b, true);

	send_advert(a, l->if_a, "10.9.0.1", "224.0.0.18");
	expect_advert(b, l->if_b, "10.9.0.1", "224.0.0.18");
	/* Left to itself the kernel sends from the VIP: what the source above overrode. */
	send_advert(a, l->if_a, "0.0.0.0", "224.0.0.18");
	expect_advert(b, l->if_b, "10.9.0.100", "224.0.0.18");
	/* And the other way, while our own never loop back to us. */
	send_advert(b, l->if_b, "10.9.0.2", "224.0.0.18");
	expect_advert(a, l->if_a, "10.9.0.2", "224.0.0.18");
	usleep(50000);
	expect_nothing(a);
	expect_nothing(b);
	close(a);
	close(b);
}

static void test_sock_unicast(void **state)
{
	struct vrrp_lab *l = *state;
	int a = sock_in(l, l->ns_a, "va", l->if_a, false);
	int b = sock_in(l, l->ns_b, "vb", l->if_b, false);

	send_advert(a, l->if_a, "10.9.0.1", "10.9.0.2");
	expect_advert(b, l->if_b, "10.9.0.1", "10.9.0.2");
	send_advert(b, l->if_b, "10.9.0.2", "10.9.0.1");
	expect_advert(a, l->if_a, "10.9.0.2", "10.9.0.1");
	/* Not a member of the group: multicast stays out. */
	send_advert(b, l->if_b, "10.9.0.2", "224.0.0.18");
	usleep(100000);
	expect_nothing(a);
	close(a);
	close(b);
}

static void test_sock_errors(void **state)
{
	struct vrrp_lab *l = *state;
	uint8_t small[16];
	char err[256] = "";
	int a, b, in_if;

	assert_int_equal(vrrp_sock_open("nosuch0", 4242, true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "VRRP socket on nosuch0: SO_BINDTODEVICE: "));
	/* A packet longer than the buffer is refused, and the next one still comes. */
	a = sock_in(l, l->ns_a, "va", l->if_a, true);
	b = sock_in(l, l->ns_b, "vb", l->if_b, true);
	send_advert(a, l->if_a, "10.9.0.1", "224.0.0.18");
	send_advert(a, l->if_a, "10.9.0.1", "224.0.0.18");
	assert_int_equal(poll(&(struct pollfd){ .fd = b, .events = POLLIN }, 1, WAIT_MS), 1);
	assert_int_equal(vrrp_sock_recv(b, small, sizeof(small), &in_if, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a packet of 32 bytes"));
	expect_advert(b, l->if_b, "10.9.0.1", "224.0.0.18");
	/* A source that is not ours. */
	assert_int_equal(vrrp_sock_send(a, l->if_a, ip4("10.9.0.77"), ip4("224.0.0.18"), advert,
					sizeof(advert), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "from 10.9.0.77 to 224.0.0.18 on ifindex"));
	close(a);
	close(b);
}

/* ---- gratuitous ARP ----------------------------------------------------------------- */

static void test_garp(void **state)
{
	struct vrrp_lab *l = *state;
	struct sockaddr_ll me = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
				  .sll_ifindex = l->if_b }, from;
	struct in_addr vip = ip4("10.9.0.100");
	const uint8_t zero[6] = { 0 };
	struct ether_arp arp;
	char err[256] = "";
	int64_t deadline;
	bool seen = false;
	int fd = vrrp_lab_socket(l, l->ns_b, AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
	int gfd = vrrp_garp_open(err, sizeof(err));	/* in namespace A, where the test runs */

	assert_true(fd >= 0);
	assert_true(gfd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0);
	if (vrrp_garp_send(gfd, l->if_a, mac_a, vip, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	/* Other ARP may pass (the unicast test's resolution): look for ours. */
	for (deadline = vrrp_lab_now_ms() + WAIT_MS; !seen && vrrp_lab_now_ms() < deadline;) {
		socklen_t flen = sizeof(from);
		ssize_t n;

		if (poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, WAIT_MS) != 1)
			break;
		n = recvfrom(fd, &arp, sizeof(arp), 0, (struct sockaddr *)&from, &flen);
		seen = n == (ssize_t)sizeof(arp) && memcmp(arp.arp_spa, &vip, 4) == 0;
	}
	assert_true(seen);
	assert_int_equal(from.sll_pkttype, PACKET_BROADCAST);
	assert_memory_equal(from.sll_addr, mac_a, 6);	/* the Ethernet source */
	assert_int_equal(ntohs(arp.arp_hrd), ARPHRD_ETHER);
	assert_int_equal(ntohs(arp.arp_pro), ETHERTYPE_IP);
	assert_int_equal(arp.arp_hln, 6);
	assert_int_equal(arp.arp_pln, 4);
	assert_int_equal(ntohs(arp.arp_op), ARPOP_REQUEST);
	assert_memory_equal(arp.arp_sha, mac_a, 6);
	assert_memory_equal(arp.arp_tpa, &vip, 4);
	assert_memory_equal(arp.arp_tha, zero, 6);
	close(fd);

	assert_int_equal(vrrp_garp_send(gfd, 9999, mac_a, vip, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "gratuitous ARP for 10.9.0.100 on ifindex 9999: "));
	close(gfd);
}

/* ---- link changes ------------------------------------------------------------------- */

struct link_events {
	size_t n;
	struct {
		char name[IFNAMSIZ];
		bool up;
	} ev[512];
};

static void on_link(void *arg, const char *ifname, bool up)
{
	struct link_events *e = arg;

	if (e->n == sizeof(e->ev) / sizeof(e->ev[0]))
		return;
	snprintf(e->ev[e->n].name, sizeof(e->ev[e->n].name), "%s", ifname);
	e->ev[e->n++].up = up;
}

/* The last state reported for name since the events were cleared: 1, 0, or -1 (none). */
static int last_state(const struct link_events *e, const char *name)
{
	int st = -1;

	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->ev[i].name, name) == 0)
			st = e->ev[i].up;
	return st;
}

/* Read the watch until name is reported up (or down), within WAIT_MS. */
static bool wait_link(struct vrrp_link_watch *w, struct link_events *e, const char *name,
		      bool up)
{
	int64_t deadline = vrrp_lab_now_ms() + WAIT_MS;
	char err[256] = "";

	while (last_state(e, name) != up) {
		int left = (int)(deadline - vrrp_lab_now_ms());

		if (left <= 0)
			return false;
		poll(&(struct pollfd){ .fd = vrrp_link_watch_fd(w), .events = POLLIN }, 1, left);
		if (vrrp_link_watch_read(w, err, sizeof(err)) < 0)
			fail_msg("%s", err);
	}
	return true;
}

static void test_link_watch(void **state)
{
	struct vrrp_lab *l = *state;
	struct link_events e = { 0 };
	char err[256] = "";
	struct vrrp_link_watch *w = vrrp_link_watch_open(on_link, &e, err, sizeof(err));
	struct vrrp_if_info info;

	if (!w)
		fail_msg("%s", err);
	assert_int_equal(vrrp_link_watch_read(w, err, sizeof(err)), 0);	/* nothing yet */

	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip link set va down"), 0);
	assert_true(wait_link(w, &e, "va", false));
	e.n = 0;
	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip link set va up"), 0);
	assert_true(wait_link(w, &e, "va", true));

	/* The peer goes down: va is still up, but has no carrier. */
	e.n = 0;
	assert_int_equal(vrrp_lab_sh(l, l->ns_b, "ip link set vb down"), 0);
	assert_true(wait_link(w, &e, "va", false));
	assert_int_equal(vrrp_if_lookup("va", NULL, 0, &info, err, sizeof(err)), 0);
	assert_false(info.up);
	e.n = 0;
	assert_int_equal(vrrp_lab_sh(l, l->ns_b, "ip link set vb up"), 0);
	assert_true(wait_link(w, &e, "va", true));

	/* Deleted, and renamed: either way that name is gone. */
	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip link add x0 type veth peer name x1 && "
			       "ip link set x0 up && ip link set x1 up"), 0);
	assert_true(wait_link(w, &e, "x0", true));
	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip link set x1 down"), 0);
	assert_true(wait_link(w, &e, "x1", false));
	e.n = 0;
	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip link set x1 name y1"), 0);
	assert_true(wait_link(w, &e, "x1", false));
	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip link del x0"), 0);
	assert_true(wait_link(w, &e, "x0", false));
	assert_true(wait_link(w, &e, "y1", false));
	vrrp_link_watch_close(w);
}

/*
 * A port leaving its bridge makes the bridge announce an AF_BRIDGE
 * RTM_DELLINK for it: the port is still there, and still up.
 */
static void test_link_watch_bridge_port(void **state)
{
	struct vrrp_lab *l = *state;
	struct link_events e = { 0 };
	char err[256] = "";
	struct vrrp_link_watch *w;

	if (vrrp_lab_sh(l, l->ns_a, "ip link add br9 type bridge 2>/dev/null") != 0)
		skip();		/* no bridge module */
	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip link add p0 type veth peer name p1 && "
			       "ip link set p0 master br9 && ip link set p0 up && "
			       "ip link set p1 up && ip link set br9 up"), 0);
	assert_true(vrrp_lab_wait_up(l, l->ns_a, "p0"));
	if (!(w = vrrp_link_watch_open(on_link, &e, err, sizeof(err))))
		fail_msg("%s", err);
	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip link set p0 nomaster && ip link set br9 down"), 0);
	assert_true(wait_link(w, &e, "br9", false));	/* after whatever p0's news were */
	for (size_t i = 0; i < e.n; i++)
		if (strcmp(e.ev[i].name, "p0") == 0 && !e.ev[i].up)
			fail_msg("p0 reported down when it left the bridge");
	vrrp_link_watch_close(w);
	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip link del p0 && ip link del br9"), 0);
}

/*
 * With a receive buffer too small for the news, the kernel drops some
 * and says ENOBUFS: the watch reads every link again, reports them all
 * (lo among them, which nothing touched), and reports down the link that
 * vanished in between.
 */
static void test_link_watch_overrun(void **state)
{
	struct vrrp_lab *l = *state;
	struct link_events e = { 0 };
	char err[256] = "";
	struct vrrp_link_watch *w;
	int tiny = 1;

	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip link add t0 type veth peer name t1"), 0);
	if (!(w = vrrp_link_watch_open(on_link, &e, err, sizeof(err))))
		fail_msg("%s", err);
	assert_int_equal(setsockopt(vrrp_link_watch_fd(w), SOL_SOCKET, SO_RCVBUF, &tiny,
				    sizeof(tiny)), 0);
	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "for i in 1 2 3 4 5 6 7 8; do ip link set t0 up; "
			       "ip link set t0 down; done; ip link del t0; ip link set va down"), 0);
	assert_true(wait_link(w, &e, "va", false));
	assert_true(wait_link(w, &e, "lo", true));
	assert_int_equal(last_state(&e, "t0"), 0);
	assert_int_equal(last_state(&e, "t1"), 0);
	vrrp_link_watch_close(w);
	assert_int_equal(vrrp_lab_sh(l, l->ns_a, "ip link set va up"), 0);
	assert_true(vrrp_lab_wait_up(l, l->ns_a, "va"));
}

int main(void)
{
	static struct vrrp_lab lab;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_if_lookup, &lab),
		cmocka_unit_test_prestate(test_vip_add_del, &lab),
		cmocka_unit_test_prestate(test_vip_ipv6, &lab),
		cmocka_unit_test_prestate(test_sock_multicast, &lab),
		cmocka_unit_test_prestate(test_sock_unicast, &lab),
		cmocka_unit_test_prestate(test_sock_errors, &lab),
		cmocka_unit_test_prestate(test_garp, &lab),
		cmocka_unit_test_prestate(test_link_watch, &lab),
		cmocka_unit_test_prestate(test_link_watch_bridge_port, &lab),
		cmocka_unit_test_prestate(test_link_watch_overrun, &lab),
	};
	const char *why = vrrp_lab_open(&lab);

	if (why) {
		/* TAP's "skipped as a whole", as tests/integration/lib.sh says it: a success. */
		printf("1..0 # SKIP test_vrrp_net: %s\n", why);
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * vrrp_arp.c - gratuitous ARP: a new master tells the segment that a
 * VIP now lives at its MAC, so that hosts and switches stop sending to
 * the old master without waiting for their caches to expire. It is an
 * ARP request for the VIP itself, from the VIP, broadcast: the form
 * (RFC 5227's announcement, arping -U) that every stack updates its
 * cache from and none answers. An AF_PACKET datagram socket lets the
 * kernel write the Ethernet header from the interface's own MAC; the
 * socket lives for one send, so that nothing is ever queued to it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vrrp_net.h"

/* Sender and target both ip, target MAC unknown (zero): an announcement. */
static void vrrp_garp_build(struct ether_arp *arp, const uint8_t mac[ETH_ALEN], struct in_addr ip)
{
	memset(arp, 0, sizeof(*arp));
	arp->arp_hrd = htons(ARPHRD_ETHER);
	arp->arp_pro = htons(ETHERTYPE_IP);
	arp->arp_hln = ETH_ALEN;
	arp->arp_pln = sizeof(ip);
	arp->arp_op = htons(ARPOP_REQUEST);
	memcpy(arp->arp_sha, mac, ETH_ALEN);
	memcpy(arp->arp_spa, &ip, sizeof(ip));
	memcpy(arp->arp_tpa, &ip, sizeof(ip));
}

int vrrp_garp_open(char *err, size_t errlen)
{
	/* Protocol 0: a socket that sends and is never given anything to read. */
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		snprintf(err, errlen, "gratuitous ARP: socket(AF_PACKET): %s", strerror(errno));
	return fd;
}

int vrrp_garp_send(int fd, int ifindex, const uint8_t mac[6], struct in_addr ip, char *err,
		   size_t errlen)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = ifindex,
		.sll_halen = ETH_ALEN,
	};
	struct ether_arp arp;
	char a[INET_ADDRSTRLEN];
	ssize_t n;

	memset(to.sll_addr, 0xff, ETH_ALEN);
	vrrp_garp_build(&arp, mac, ip);
	do
		n = sendto(fd, &arp, sizeof(arp), 0, (const struct sockaddr *)&to, sizeof(to));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(arp))
		return 0;
	snprintf(err, errlen, "gratuitous ARP for %s on ifindex %d: %s",
		 inet_ntop(AF_INET, &ip, a, sizeof(a)), ifindex,
		 n < 0 ? strerror(errno) : "short send");
	return -1;
}

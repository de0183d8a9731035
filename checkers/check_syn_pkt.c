/*
 * check_syn_pkt.c - the bytes of a SYN probe: the segment we send, the
 * replies we read, and the kernel filter that lets only replies through
 * (see check_syn.h). Pure: no socket, no clock; check_syn.c does the I/O.
 *
 * Replies are not checked against their TCP checksum: on loopback and
 * veth the kernel hands raw sockets segments whose checksum it left to a
 * "device" that never fills it in, so a correct reply would look corrupt;
 * the ack number (our random ISN + 1) is what ties a reply to a probe.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "check_syn.h"

#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* The window a SYN offers; nothing will ever be sent into it. */
#define SYN_WINDOW 64240

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* The one's complement sum of len bytes, added to sum (not folded). */
static uint32_t sum16(uint32_t sum, const unsigned char *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t syn_pkt_checksum(const struct lvs_addr *src, const struct lvs_addr *dst,
			  const unsigned char *seg, size_t len)
{
	unsigned char tail[8] = { 0 };
	uint32_t sum = 0;

	/* The pseudo-header: RFC 793 for IPv4, RFC 8200 section 8.1 for IPv6. */
	if (src->af == AF_INET6) {
		sum = sum16(sum, src->ip.v6.s6_addr, 16);
		sum = sum16(sum, dst->ip.v6.s6_addr, 16);
		put32(tail, (uint32_t)len);
		tail[7] = IPPROTO_TCP;
		sum = sum16(sum, tail, 8);
	} else {
		sum = sum16(sum, (const unsigned char *)&src->ip.v4.s_addr, 4);
		sum = sum16(sum, (const unsigned char *)&dst->ip.v4.s_addr, 4);
		tail[1] = IPPROTO_TCP;
		put16(tail + 2, (uint16_t)len);
		sum = sum16(sum, tail, 4);
	}
	sum = sum16(sum, seg, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void syn_pkt_build(unsigned char seg[SYN_SEG_LEN], const struct lvs_addr *src, uint16_t sport,
		   const struct lvs_addr *dst, uint32_t isn)
{
	memset(seg, 0, SYN_SEG_LEN);
	put16(seg, sport);
	put16(seg + 2, dst->port);
	put32(seg + 4, isn);
	seg[12] = (SYN_SEG_LEN / 4) << 4;	/* data offset, in words */
	seg[13] = TCP_SYN;
	put16(seg + 14, SYN_WINDOW);
	/* MSS: a SYN without one is legal, but some stacks and middleboxes frown on it. */
	seg[20] = 2;
	seg[21] = 4;
	put16(seg + 22, src->af == AF_INET6 ? 1440 : 1460);
	put16(seg + 16, syn_pkt_checksum(src, dst, seg, SYN_SEG_LEN));
}

int syn_pkt_parse(int af, const unsigned char *buf, size_t len, const struct in6_addr *src6,
		  struct syn_reply *r)
{
	const unsigned char *tcp = buf;

	memset(r, 0, sizeof(*r));
	r->from.af = af;
	if (af == AF_INET) {
		size_t ihl;

		if (len < 20 || buf[0] >> 4 != 4 || buf[9] != IPPROTO_TCP)
			return -1;
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		/* A later fragment has no TCP header (the kernel reassembles; be sure). */
		if (ihl < 20 || (get16(buf + 6) & 0x1fff) != 0)
			return -1;
		memcpy(&r->from.ip.v4.s_addr, buf + 12, 4);
		tcp = buf + ihl;
		len -= ihl < len ? ihl : len;
	} else if (af == AF_INET6 && src6) {
		r->from.ip.v6 = *src6;
	} else {
		return -1;
	}
	if (len < 20)
		return -1;
	r->from.port = get16(tcp);
	r->to_port = get16(tcp + 2);
	r->ack = get32(tcp + 8);
	r->flags = tcp[13];
	return 0;
}

enum syn_verdict syn_pkt_judge(const struct syn_reply *r, uint32_t isn)
{
	/* As a SYN-SENT socket would (RFC 793, 3.9): an unacceptable ACK is not for us. */
	if (!(r->flags & TCP_ACK) || r->ack != isn + 1)
		return SYN_IGNORE;
	if (r->flags & TCP_RST)
		return SYN_REFUSED;
	if (r->flags & TCP_SYN)
		return SYN_UP;
	return SYN_IGNORE;
}

size_t syn_pkt_filter(int af, const uint16_t *ports, size_t n,
		      struct sock_filter prog[SYN_FILTER_MAX])
{
	size_t i = 0, k, accept, drop;

	if (n > SYN_PORTS)
		n = SYN_PORTS;
	if (n == 0) {
		prog[0] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
		return 1;
	}
	/* IPv4 raw sockets see the IP header first, IPv6 ones the TCP header: X is its offset. */
	if (af == AF_INET)
		prog[i++] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0);
	else
		prog[i++] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_IMM, 0);
	prog[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2);	/* dest port */
	/* Then n port tests, the flags (3 instructions), accept, drop. */
	accept = i + n + 3;
	drop = accept + 1;
	for (k = 0; k < n; k++) {
		/* Equal: on to the flags; else the next port, or drop after the last. */
		size_t here = i, flags = i + (n - k);
		uint8_t jf = (uint8_t)(k + 1 < n ? 0 : drop - here - 1);

		prog[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ports[k],
							 (uint8_t)(flags - here - 1), jf);
	}
	prog[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_IND, 13);	/* flags */
	prog[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, TCP_ACK, 0,
					       (uint8_t)(drop - i - 1));
	i++;
	prog[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, TCP_SYN | TCP_RST, 0,
					       (uint8_t)(drop - i - 1));
	i++;
	prog[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SYN_REPLY_SNAP);
	prog[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	return i;
}

/*
 * check_syn.h - the tcp check as a SYN probe: what one probe sends, what
 * answers it, and the daemon-wide raw sockets that carry both.
 *
 * A tcp check means "the server's kernel answered our SYN with a SYN-ACK
 * within the timeout". Rather than a socket, a connect() and a close()
 * per probe, lvsd writes the SYN itself on one raw socket per address
 * family, from a few source ports that it keeps bound (never listening),
 * so that nothing else on the host uses them and the host's own TCP
 * answers the server's SYN-ACK with a reset: the end a connect probe
 * closed with SO_LINGER 0 has, without the socket. A SYN-ACK is up, a
 * reset "connect refused", silence a timeout. Replies are told apart by
 * the server's address and port, our source port, and their ack number,
 * which must be the probe's random initial sequence number plus one.
 *
 * check_syn_pkt.c builds segments, parses replies and writes the kernel
 * filter (pure, unit-tested); check_syn.c owns the sockets and the probes
 * in flight. check_tcp.c runs a bare tcp check through check_syn_start()
 * and falls back to its connect probe when it says 0.
 */
#ifndef LVSD_CHECK_SYN_H
#define LVSD_CHECK_SYN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event_struct.h>
#include <linux/filter.h>

#include "check.h"
#include "hmap.h"

/* ---- segments, replies, the filter: check_syn_pkt.c ---------------------------------- */

/* Source ports a family keeps bound: probes to one server at once, at most. */
#define SYN_PORTS 4
/* A SYN: the TCP header and one option (MSS). */
#define SYN_SEG_LEN 24
/* Room for the filter of SYN_PORTS ports. */
#define SYN_FILTER_MAX (8 + SYN_PORTS)
/* What a reply is cut to in the kernel, and read: the largest IPv4 and TCP headers' start. */
#define SYN_REPLY_SNAP 96

enum syn_verdict {
	SYN_IGNORE,	/* not an answer to this probe */
	SYN_UP,		/* SYN-ACK: the server's kernel would take the connection */
	SYN_REFUSED,	/* a reset: nothing listens there */
};

/* What the host's TCP stack, or a peer, said back: the fields a probe is matched on. */
struct syn_reply {
	struct lvs_addr from;	/* the server: address and port */
	uint16_t to_port;	/* ours */
	uint32_t ack;
	uint8_t flags;		/* TCP flags byte */
};

/*
 * The SYN from src:sport to dst (address and port) with sequence number
 * isn, checksummed over the pseudo-header, into seg (SYN_SEG_LEN bytes).
 */
void syn_pkt_build(unsigned char seg[SYN_SEG_LEN], const struct lvs_addr *src, uint16_t sport,
		   const struct lvs_addr *dst, uint32_t isn);
/* The TCP checksum of seg between src and dst (0 when seg's own field is right). */
uint16_t syn_pkt_checksum(const struct lvs_addr *src, const struct lvs_addr *dst,
			  const unsigned char *seg, size_t len);
/*
 * A datagram read from the raw socket of family af: IPv4 ones start with
 * the IP header, IPv6 ones with the TCP header (the address comes from
 * recvmsg's name, src6). 0 and *r filled, or -1 if it is no TCP segment.
 */
int syn_pkt_parse(int af, const unsigned char *buf, size_t len, const struct in6_addr *src6,
		  struct syn_reply *r);
/* What a parsed reply says to the probe that sent isn. */
enum syn_verdict syn_pkt_judge(const struct syn_reply *r, uint32_t isn);
/*
 * The classic BPF program for af's raw socket: it keeps only segments to
 * one of ports (n <= SYN_PORTS) with ACK and SYN or RST set, cut to
 * SYN_REPLY_SNAP bytes, so the daemon never wakes for the host's other
 * TCP traffic. Returns the number of instructions written.
 */
size_t syn_pkt_filter(int af, const uint16_t *ports, size_t n,
		      struct sock_filter prog[SYN_FILTER_MAX]);

/* ---- the engine: check_syn.c ---------------------------------------------------------- */

/* One checker's SYN probe state, reused by each probe (in struct tcp_run). */
struct syn_probe {
	struct hmap_node node;		/* in its family's table while in flight */
	struct check_probe *p;
	struct syn_family *fam;
	struct lvs_addr dst;		/* the server probed: address and port */
	struct lvs_addr src;		/* the source the kernel picks toward it; af 0: ask */
	uint64_t src_until_s;		/* asked again after this (or after a timeout) */
	uint32_t isn;
	uint16_t sport;
	bool in_flight;
	bool rexmit_set;		/* rexmit is assigned */
	struct event rexmit;		/* the one retransmission of the SYN, after 1 s */
	unsigned char seg[SYN_SEG_LEN];
};

/*
 * Begin p (a bare tcp check) as a SYN probe on s: 1 begun (its end comes
 * through check_probe_end(), or cancel); 0 no raw socket for the family
 * (or every source port busy toward this server): use connect(); -1 with
 * why when the probe fails at once (no route).
 */
int check_syn_start(struct check_syn *s, struct syn_probe *sp, struct check_probe *p,
		    char *why, size_t whylen);
/*
 * Drop a probe in flight (its deadline passed, or its checker goes);
 * nothing is reported, and the next probe asks the route again. Harmless
 * when none is in flight.
 */
void check_syn_cancel(struct syn_probe *sp);

#endif

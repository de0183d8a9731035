/*
 * testsrv_dns.c - lvs-testsrv's tiny DNS responder (RFC 1035, UDP only),
 * for dns health checks.
 *
 * Every standard query with one question is answered authoritatively:
 * type A with one record holding 192.0.2.1, any other type with no
 * record. While the server is sick, the first label of the name asks for
 * a misbehaviour, so that one listener serves every case of a test:
 *
 *   sick-nxdomain.*   NXDOMAIN
 *   sick-silent.*     no reply at all (a timeout for the client)
 *
 * A malformed query gets FORMERR when it has a whole header, else nothing;
 * another opcode gets NOTIMP.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "testsrv_srv.h"

#define DNS_HDR		12
#define DNS_NAME_MAX	255
#define DNS_MSG_MAX	512		/* RFC 1035 4.2.1: UDP messages */
#define DNS_BURST	64

#define DNS_QR		0x8000
#define DNS_AA		0x0400
#define DNS_RD		0x0100
#define DNS_RA		0x0080
#define DNS_OPCODE(f)	(((f) >> 11) & 0xf)

static const uint8_t dns_answer[4] = { 192, 0, 2, 1 };	/* TEST-NET-1 */

enum { RCODE_OK = 0, RCODE_FORMERR = 1, RCODE_NXDOMAIN = 3, RCODE_NOTIMP = 4 };
enum dns_act { DNS_ANSWER, DNS_NXDOMAIN, DNS_SILENT };

/* While sick: what a name's first label asks for. */
static const struct {
	const char *label;
	enum dns_act act;
} dns_acts[] = {
	{ "sick-nxdomain", DNS_NXDOMAIN },
	{ "sick-silent", DNS_SILENT },
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The end of the question's name at q[DNS_HDR..len), or 0 if it is not one. */
static size_t dns_name_end(const uint8_t *q, size_t len)
{
	size_t off = DNS_HDR;

	while (off < len && q[off] != 0) {
		if (q[off] > 63)	/* a pointer or worse: queries do not compress */
			return 0;
		off += 1 + q[off];
		if (off - DNS_HDR > DNS_NAME_MAX)
			return 0;
	}
	return off < len ? off + 1 : 0;
}

/* What the name's first label asks for. */
static enum dns_act dns_act_for(const struct srv *s, const uint8_t *name)
{
	size_t i, n = name[0];

	for (i = 0; s->sick && i < sizeof dns_acts / sizeof dns_acts[0]; i++)
		if (n == strlen(dns_acts[i].label) &&
		    strncasecmp((const char *)name + 1, dns_acts[i].label, n) == 0)
			return dns_acts[i].act;
	return DNS_ANSWER;
}

/* The reply to the query q[0..len) into r; its length, 0 for none. */
static size_t dns_reply(const struct srv *s, const uint8_t *q, size_t len, uint8_t *r)
{
	uint16_t flags, qtype;
	size_t qend, n;
	enum dns_act act;

	if (len < DNS_HDR || (get16(q + 2) & DNS_QR))
		return 0;
	flags = get16(q + 2);
	memcpy(r, q, 2);
	put16(r + 2, (uint16_t)(DNS_QR | (flags & 0x7800) | DNS_AA | (flags & DNS_RD) | DNS_RA));
	memset(r + 4, 0, DNS_HDR - 4);
	if (DNS_OPCODE(flags) != 0) {
		r[3] |= RCODE_NOTIMP;
		return DNS_HDR;
	}
	qend = get16(q + 4) == 1 ? dns_name_end(q, len) : 0;
	if (qend == 0 || qend + 4 > len) {
		r[3] |= RCODE_FORMERR;
		return DNS_HDR;
	}
	act = dns_act_for(s, q + DNS_HDR);
	if (act == DNS_SILENT)
		return 0;
	n = qend + 4;
	memcpy(r + DNS_HDR, q + DNS_HDR, n - DNS_HDR);	/* the question */
	put16(r + 4, 1);
	qtype = get16(q + qend);
	if (act == DNS_NXDOMAIN) {
		r[3] |= RCODE_NXDOMAIN;
	} else if (qtype == 1 && get16(q + qend + 2) == 1 && n + 16 <= DNS_MSG_MAX) {
		static const uint8_t rr[12] = { 0xc0, DNS_HDR, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4 };

		put16(r + 6, 1);	/* one A record, IN, TTL 5, to the question's name */
		memcpy(r + n, rr, sizeof rr);
		memcpy(r + n + sizeof rr, dns_answer, 4);
		n += sizeof rr + 4;
	}
	return n;
}

static void dns_read(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;
	uint8_t q[DNS_MSG_MAX], r[DNS_MSG_MAX];
	struct sockaddr_storage peer;
	socklen_t peerlen;
	ssize_t n;
	size_t rlen;
	int i;

	for (i = 0; i < DNS_BURST; i++) {
		peerlen = sizeof peer;
		n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&peer, &peerlen);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				ts_warn("%s (dns): recvfrom: %s", l->text, strerror(errno));
			return;
		}
		rlen = dns_reply(l->srv, q, (size_t)n, r);
		if (rlen > 0 && sendto(fd, r, rlen, 0, (struct sockaddr *)&peer, peerlen) < 0)
			ts_warn("%s (dns): sendto: %s", l->text, strerror(errno));
	}
}

int dns_start(struct listener *l)
{
	l->ev = event_new(l->srv->base, l->fd, EV_READ | EV_PERSIST, dns_read, l);
	return l->ev ? event_add(l->ev, NULL) : -1;
}

/*
 * vrrp_packet.c - the VRRP advertisement codec, and nothing else: it builds
 * the VRRP part of an advertisement (version 3 of RFC 5798 or version 2 of
 * RFC 3768, the kernel adds the IPv4 header) and checks a received one,
 * IPv4 header included, against the receive rules of both RFCs (section
 * 7.1 of each), in the order they list them. A packet that breaks a rule
 * gets a drop reason from a table and a sentence saying what was wrong;
 * whatever the bytes, nothing is read outside [pkt, pkt + len). No sockets,
 * no state, no clock: the tests drive it alone.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vrrp.h"

#define VRRP_TYPE_ADVERT 1
#define VRRP_AUTH_NONE 0		/* v2: the only Auth Type RFC 3768 leaves */
#define VRRP_V3_MAX_INTERVAL_CS 4095	/* v3: 12 bits of centiseconds */
#define VRRP_V2_MAX_INTERVAL_S 255	/* v2: 8 bits of seconds */
#define VRRP_CS_PER_S 100
#define VRRP_IP_MIN_HDR 20		/* IPv4 header without options */
#define VRRP_CSUM_OFF 6			/* the checksum's offset in the VRRP header */

const char *const vrrp_drop_names[VRRP_DROP_COUNT_] = {
	[VRRP_OK] = "ok",
	[VRRP_DROP_SHORT] = "short",
	[VRRP_DROP_IP_HEADER] = "ip-header",
	[VRRP_DROP_TTL] = "ttl",
	[VRRP_DROP_VERSION] = "version",
	[VRRP_DROP_TYPE] = "type",
	[VRRP_DROP_VRID] = "vrid",
	[VRRP_DROP_LENGTH] = "length",
	[VRRP_DROP_CHECKSUM] = "checksum",
	[VRRP_DROP_INTERVAL] = "interval",
	[VRRP_DROP_ADDRS] = "addresses",
};

/* ---- the Internet checksum ---------------------------------------------------- */

uint32_t vrrp_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s = sum;

	/* Words are read big-endian byte by byte, so the host's order never matters. */
	for (; len >= 2; p += 2, len -= 2)
		s += (uint32_t)p[0] << 8 | p[1];
	/* RFC 1071: an odd last byte is the high half of a word padded with zero. */
	if (len)
		s += (uint32_t)p[0] << 8;
	/* Folding keeps the running sum small enough to be chained call after call. */
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

uint16_t vrrp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * The checksum msg should carry. Its own field is skipped rather than
 * zeroed so that a received packet need not be copied. v3 covers the IPv4
 * pseudo-header (RFC 5798 5.2.8) and v2 only the VRRP message (RFC 3768
 * 5.3.8).
 */
static uint16_t vrrp_checksum(uint8_t version, struct in_addr src, struct in_addr dst,
			      const uint8_t *msg, size_t msg_len)
{
	uint32_t sum = 0;

	if (version == 3) {
		uint8_t ph[12] = { 0 };

		memcpy(ph, &src.s_addr, 4);
		memcpy(ph + 4, &dst.s_addr, 4);
		ph[9] = VRRP_PROTO;
		ph[10] = (uint8_t)(msg_len >> 8);
		ph[11] = (uint8_t)msg_len;
		sum = vrrp_csum_add(sum, ph, sizeof(ph));
	}
	sum = vrrp_csum_add(sum, msg, VRRP_CSUM_OFF);
	sum = vrrp_csum_add(sum, msg + VRRP_CSUM_OFF + 2, msg_len - VRRP_CSUM_OFF - 2);
	return (uint16_t)~vrrp_csum_fold(sum);
}

/* The VRRP message's length: header, addresses and, in v2, the auth data. */
static size_t vrrp_msg_len(uint8_t version, size_t n_addrs)
{
	return VRRP_HDR_LEN + 4 * n_addrs + (version == 2 ? VRRP_V2_AUTH_LEN : 0);
}

/* ---- building ------------------------------------------------------------------ */

/* What can be put on the wire: each field within what its bits can say. */
static bool vrrp_advert_valid(const struct vrrp_advert *a)
{
	if (a->vrid == 0 || a->n_addrs == 0)	/* RFC 5798 5.2.3, 5.2.5 */
		return false;
	if (a->version == 3)
		return a->interval_cs >= 1 && a->interval_cs <= VRRP_V3_MAX_INTERVAL_CS;
	if (a->version == 2)
		return a->interval_cs % VRRP_CS_PER_S == 0 && a->interval_cs >= VRRP_CS_PER_S &&
		       a->interval_cs <= VRRP_V2_MAX_INTERVAL_S * VRRP_CS_PER_S;
	return false;
}

int vrrp_packet_build(const struct vrrp_advert *a, struct in_addr src, struct in_addr dst,
		      uint8_t *buf, size_t len)
{
	size_t need;
	uint16_t csum;

	if (!a || !buf || !vrrp_advert_valid(a))
		return -1;
	need = vrrp_msg_len(a->version, a->n_addrs);
	if (len < need)
		return -1;
	/* Zero first: v3's reserved bits, v2's Auth Type 0 and Authentication Data. */
	memset(buf, 0, need);
	buf[0] = (uint8_t)(a->version << 4 | VRRP_TYPE_ADVERT);
	buf[1] = a->vrid;
	buf[2] = a->priority;
	buf[3] = a->n_addrs;
	if (a->version == 3) {
		buf[4] = (uint8_t)(a->interval_cs >> 8 & 0x0f);
		buf[5] = (uint8_t)a->interval_cs;
	} else {
		buf[4] = VRRP_AUTH_NONE;
		buf[5] = (uint8_t)(a->interval_cs / VRRP_CS_PER_S);
	}
	memcpy(buf + VRRP_HDR_LEN, a->addrs, 4 * (size_t)a->n_addrs);
	csum = vrrp_checksum(a->version, src, dst, buf, need);
	buf[VRRP_CSUM_OFF] = (uint8_t)(csum >> 8);
	buf[VRRP_CSUM_OFF + 1] = (uint8_t)csum;
	return (int)need;
}

/* ---- parsing ------------------------------------------------------------------- */

/* A received packet as the checks see it, once the IPv4 header is known good. */
struct vrrp_rx {
	const uint8_t *ip;		/* the IPv4 header */
	const uint8_t *msg;		/* the VRRP message, after the IP options */
	size_t msg_len;			/* from the IP total length, not from the read */
	char *why;
	size_t whylen;
};

__attribute__((format(printf, 3, 4)))
static enum vrrp_drop vrrp_rx_why(struct vrrp_rx *rx, enum vrrp_drop drop, const char *fmt, ...)
{
	va_list ap;

	if (rx->why && rx->whylen) {
		va_start(ap, fmt);
		vsnprintf(rx->why, rx->whylen, fmt, ap);
		va_end(ap);
	}
	return drop;
}

/* One receive rule: when cond does not hold, the packet is dropped for `drop`. */
#define VCHECK(cond, drop, ...)                                          \
	do {                                                             \
		if (!(cond))                                             \
			return vrrp_rx_why(rx, (drop), __VA_ARGS__);     \
	} while (0)

/* The IPv4 header: what a raw socket on Linux hands over, as it came. */
static enum vrrp_drop vrrp_rx_ip(struct vrrp_rx *rx, const uint8_t *pkt, size_t len)
{
	size_t ihl, tot;

	VCHECK(len >= VRRP_IP_MIN_HDR, VRRP_DROP_SHORT,
	       "%zu bytes; shorter than an IPv4 header", len);
	VCHECK(pkt[0] >> 4 == 4, VRRP_DROP_IP_HEADER, "IP version is %u; must be 4",
	       (unsigned)(pkt[0] >> 4));
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	tot = (size_t)pkt[2] << 8 | pkt[3];
	VCHECK(ihl >= VRRP_IP_MIN_HDR, VRRP_DROP_IP_HEADER,
	       "IP header length is %zu; must be at least 20", ihl);
	VCHECK(tot >= ihl, VRRP_DROP_IP_HEADER,
	       "IP total length %zu is less than its header length %zu", tot, ihl);
	/* Bytes past the total length (link-layer padding) are not the packet's. */
	VCHECK(len >= tot, VRRP_DROP_SHORT, "%zu bytes of a %zu-byte packet", len, tot);
	VCHECK(pkt[9] == VRRP_PROTO, VRRP_DROP_IP_HEADER, "IP protocol is %u; must be 112",
	       pkt[9]);
	/* A packet that crossed a router is not from our link (RFC 5798 7.1). */
	VCHECK(pkt[8] == VRRP_TTL, VRRP_DROP_TTL, "TTL is %u; must be 255", pkt[8]);
	VCHECK(tot - ihl >= VRRP_HDR_LEN, VRRP_DROP_SHORT,
	       "%zu bytes of VRRP; the header alone is 8", tot - ihl);
	rx->ip = pkt;
	rx->msg = pkt + ihl;
	rx->msg_len = tot - ihl;
	return VRRP_OK;
}

/* Version, type, vrid and whether the message holds exactly its addresses. */
static enum vrrp_drop vrrp_rx_header(struct vrrp_rx *rx, uint8_t version, uint8_t vrid)
{
	const uint8_t *m = rx->msg;
	size_t need;

	VCHECK(m[0] >> 4 == version, VRRP_DROP_VERSION, "version is %u; ours is %u",
	       (unsigned)(m[0] >> 4), version);
	VCHECK((m[0] & 0x0f) == VRRP_TYPE_ADVERT, VRRP_DROP_TYPE,
	       "type is %u; must be 1 (advertisement)", (unsigned)(m[0] & 0x0f));
	VCHECK(m[1] == vrid, VRRP_DROP_VRID, "vrid is %u; ours is %u", m[1], vrid);
	VCHECK(m[3] >= 1, VRRP_DROP_LENGTH, "address count is 0; must be at least 1");
	need = vrrp_msg_len(version, m[3]);
	VCHECK(rx->msg_len == need, VRRP_DROP_LENGTH,
	       "%u addresses make %zu bytes of VRRP; the packet has %zu", m[3], need,
	       rx->msg_len);
	return VRRP_OK;
}

/* Only the one right value passes: not its other one's-complement spelling. */
static enum vrrp_drop vrrp_rx_checksum(struct vrrp_rx *rx, uint8_t version)
{
	struct in_addr src, dst;
	uint16_t got, want;

	memcpy(&src.s_addr, rx->ip + 12, 4);
	memcpy(&dst.s_addr, rx->ip + 16, 4);
	want = vrrp_checksum(version, src, dst, rx->msg, rx->msg_len);
	got = (uint16_t)(rx->msg[VRRP_CSUM_OFF] << 8 | rx->msg[VRRP_CSUM_OFF + 1]);
	VCHECK(got == want, VRRP_DROP_CHECKSUM, "checksum is 0x%04x; must be 0x%04x", got,
	       want);
	return VRRP_OK;
}

/*
 * Whether the packet's addresses and ours are the same set, order and
 * repeats aside; when not, odd is one that is in only one of them.
 */
static bool vrrp_addrs_match(const uint8_t *list, size_t n, const struct in_addr *ours,
			     size_t n_ours, struct in_addr *odd)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		memcpy(&odd->s_addr, list + 4 * i, 4);
		for (j = 0; j < n_ours && ours[j].s_addr != odd->s_addr; j++)
			;
		if (j == n_ours)
			return false;
	}
	for (j = 0; j < n_ours; j++) {
		*odd = ours[j];
		for (i = 0; i < n && memcmp(list + 4 * i, &odd->s_addr, 4) != 0; i++)
			;
		if (i == n)
			return false;
	}
	return true;
}

/*
 * RFC 3768 7.1's rules that v3 dropped: Auth Type 0 (the only one left;
 * "type" is the nearest reason), the interval that must equal ours, and
 * the address list. A list that differs drops the packet unless it comes
 * from the address owner (priority 255), which is only logged: why says so.
 */
static enum vrrp_drop vrrp_rx_v2(struct vrrp_rx *rx, uint16_t interval_cs,
				 const struct in_addr *ours, size_t n_ours)
{
	const uint8_t *m = rx->msg;
	struct in_addr odd;
	char a[INET_ADDRSTRLEN];

	VCHECK(m[4] == VRRP_AUTH_NONE, VRRP_DROP_TYPE, "auth type is %u; must be 0 (none)",
	       m[4]);
	VCHECK(m[5] != 0 && (unsigned)m[5] * VRRP_CS_PER_S == interval_cs, VRRP_DROP_INTERVAL,
	       "advertisement interval is %u s; ours is %u cs", m[5], interval_cs);
	if (n_ours == 0 || !ours || vrrp_addrs_match(m + VRRP_HDR_LEN, m[3], ours, n_ours, &odd))
		return VRRP_OK;
	inet_ntop(AF_INET, &odd, a, sizeof(a));
	VCHECK(m[2] == VRRP_PRIO_OWNER, VRRP_DROP_ADDRS,
	       "address lists differ (%s is in one only)", a);
	vrrp_rx_why(rx, VRRP_OK, "address lists differ (%s is in one only); "
		    "accepted from the address owner", a);
	return VRRP_OK;
}

static void vrrp_rx_fill(const struct vrrp_rx *rx, uint8_t version, struct vrrp_advert *a,
			 struct in_addr *src)
{
	const uint8_t *m = rx->msg;

	if (a) {
		a->version = version;
		a->vrid = m[1];
		a->priority = m[2];
		a->n_addrs = m[3];
		if (version == 3)
			a->interval_cs = (uint16_t)((m[4] & 0x0f) << 8 | m[5]);
		else
			a->interval_cs = (uint16_t)(m[5] * VRRP_CS_PER_S);
		memcpy(a->addrs, m + VRRP_HDR_LEN, 4 * (size_t)m[3]);
	}
	if (src)
		memcpy(&src->s_addr, rx->ip + 12, 4);
}

enum vrrp_drop vrrp_packet_parse(const uint8_t *pkt, size_t len, uint8_t version,
				 uint8_t vrid, uint16_t interval_cs,
				 const struct in_addr *ours, size_t n_ours,
				 struct vrrp_advert *a, struct in_addr *src,
				 char *why, size_t whylen)
{
	struct vrrp_rx rx_ = { .why = why, .whylen = whylen }, *rx = &rx_;
	enum vrrp_drop d;

	if (why && whylen)
		why[0] = '\0';
	VCHECK(version == 2 || version == 3, VRRP_DROP_VERSION,
	       "instance version is %u; must be 2 or 3", version);
	if (!pkt)
		len = 0;
	if ((d = vrrp_rx_ip(rx, pkt, len)) != VRRP_OK ||
	    (d = vrrp_rx_header(rx, version, vrid)) != VRRP_OK ||
	    (d = vrrp_rx_checksum(rx, version)) != VRRP_OK)
		return d;
	if (version == 3) {
		/* Zero would make Master_Down_Interval zero: every backup takes over. */
		VCHECK((rx->msg[4] & 0x0f) != 0 || rx->msg[5] != 0, VRRP_DROP_INTERVAL,
		       "max advertisement interval is 0; must be 1..4095 cs");
	} else if ((d = vrrp_rx_v2(rx, interval_cs, ours, n_ours)) != VRRP_OK) {
		return d;
	}
	vrrp_rx_fill(rx, version, a, src);
	return VRRP_OK;
}

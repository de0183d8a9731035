/*
 * test_vrrp_packet.c - the VRRP codec: RFC 1071's checksum example, packets
 * worked out by hand, round trips, each drop reason from a packet wrong in
 * one field only (its checksum rewritten, so only the rule under test can
 * catch it), every truncation, IP options, and 20,000 random mutations
 * judged by an oracle apart from the codec. Packets are parsed from heap
 * copies of exactly their length, so that ASan sees any read past the end.
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vrrp.h"

#define VRID 51
#define MAXPKT (60 + VRRP_HDR_LEN + 4 * VRRP_MAX_ADDRS + VRRP_V2_AUTH_LEN + 16)

static struct in_addr ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

/*
 * The reference checksum, apart from the codec's: the sum of the 16-bit
 * words taken modulo 0xffff is the one's-complement sum; the field
 * (msg[6..7]) counts as zero. v3 adds the IPv4 pseudo-header.
 */
static uint16_t ref_csum(int version, const uint8_t *ip, const uint8_t *msg, size_t mlen)
{
	uint64_t sum = 0, r;

	for (size_t i = 0; i < mlen; i++)
		if (i != 6 && i != 7)
			sum += i % 2 ? msg[i] : (uint64_t)msg[i] << 8;
	if (version == 3) {
		for (size_t i = 12; i < 20; i += 2)
			sum += (uint64_t)ip[i] << 8 | ip[i + 1];
		sum += 112 + mlen;
	}
	r = sum % 0xffff;
	if (r == 0 && sum != 0)
		r = 0xffff;
	return (uint16_t)(0xffff - r);
}

/* An IPv4 header's length and total length. */
#define IP_HLEN(p) ((size_t)((p)[0] & 0x0f) * 4)
#define IP_TOT(p) ((size_t)(p)[2] << 8 | (p)[3])

/* Rewrite the VRRP checksum of an IPv4 packet, if its lengths leave one to rewrite. */
static void fix_csum(uint8_t *p, size_t len)
{
	uint8_t *m = p + IP_HLEN(p);
	uint16_t c;

	if (len < 20 || IP_HLEN(p) < 20 || IP_TOT(p) > len || IP_TOT(p) < IP_HLEN(p) + 8)
		return;
	c = ref_csum(m[0] >> 4, p, m, IP_TOT(p) - IP_HLEN(p));
	m[6] = (uint8_t)(c >> 8);
	m[7] = (uint8_t)c;
}

/*
 * An IPv4 header (TTL 255, protocol 112, src 10.0.0.1, dst 224.0.0.18)
 * with opt_len bytes of options (Router Alert, then NOPs) around msg.
 */
static size_t wrap_ip(uint8_t *out, const uint8_t *msg, size_t mlen, size_t opt_len)
{
	static const uint8_t hdr[20] = { 0x45, 0xc0, 0, 0, 0, 0, 0x40, 0, 255, 112, 0, 0,
					 10, 0, 0, 1, 224, 0, 0, 18 };
	size_t hl = 20 + opt_len, tot = hl + mlen;

	memcpy(out, hdr, 20);
	out[0] = (uint8_t)(0x40 | hl / 4);
	out[2] = (uint8_t)(tot >> 8);
	out[3] = (uint8_t)tot;
	memset(out + 20, 1, opt_len);
	if (opt_len >= 4)
		memcpy(out + 20, "\x94\x04\x00\x00", 4);
	memcpy(out + hl, msg, mlen);
	return tot;
}

/* An advertisement of ours with n addresses 10.0.0.100, .101, ... */
static struct vrrp_advert advert(int version, int n, uint8_t prio, uint16_t interval_cs)
{
	struct vrrp_advert a = { .version = (uint8_t)version, .vrid = VRID, .priority = prio,
				 .interval_cs = interval_cs, .n_addrs = (uint8_t)n };

	for (int i = 0; i < n; i++)
		a.addrs[i].s_addr = htonl(0x0a000064u + (uint32_t)i);
	return a;
}

/* That advertisement, built, in an IPv4 header: its length. */
static size_t make_pkt(uint8_t *out, int version, int n, uint8_t prio, uint16_t interval_cs)
{
	struct vrrp_advert a = advert(version, n, prio, interval_cs);
	uint8_t msg[MAXPKT];
	int mlen = vrrp_packet_build(&a, ip4("10.0.0.1"), ip4("224.0.0.18"), msg, sizeof(msg));

	assert_true(mlen > 0);
	return wrap_ip(out, msg, (size_t)mlen, 0);
}

struct rx {
	enum vrrp_drop drop;
	struct vrrp_advert a;
	struct in_addr src;
	char why[128];
};

/* Parse a heap copy of exactly len bytes. */
static enum vrrp_drop parse(const uint8_t *pkt, size_t len, int version, uint16_t interval_cs,
			    const struct in_addr *ours, size_t n_ours, struct rx *out)
{
	uint8_t *copy = len ? memcpy(malloc(len), pkt, len) : NULL;

	memset(out, 0xa5, sizeof(*out));
	out->drop = vrrp_packet_parse(copy, len, (uint8_t)version, VRID, interval_cs, ours,
				      n_ours, &out->a, &out->src, out->why, sizeof(out->why));
	free(copy);
	return out->drop;
}

static void assert_advert(const struct vrrp_advert *got, const struct vrrp_advert *want)
{
	assert_int_equal(got->version, want->version);
	assert_int_equal(got->vrid, want->vrid);
	assert_int_equal(got->priority, want->priority);
	assert_int_equal(got->interval_cs, want->interval_cs);
	assert_int_equal(got->n_addrs, want->n_addrs);
	assert_memory_equal(got->addrs, want->addrs, 4 * (size_t)want->n_addrs);
}

static void test_csum_rfc1071(void **state)
{
	/* RFC 1071 section 3's example: the words sum to 0x2ddf0, folded 0xddf2. */
	static const uint8_t ex[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static const uint8_t odd[] = { 0x01, 0x02, 0x03 };

	(void)state;
	assert_int_equal(vrrp_csum_fold(vrrp_csum_add(0, ex, sizeof(ex))), 0xddf2);
	assert_int_equal(vrrp_csum_fold(vrrp_csum_add(vrrp_csum_add(0, ex, 4), ex + 4, 4)),
			 0xddf2);
	/* Big-endian words whatever the host: 0x0102 + 0x0300 (the odd byte padded). */
	assert_int_equal(vrrp_csum_fold(vrrp_csum_add(0, odd, 3)), 0x0402);
	assert_int_equal(vrrp_csum_fold(vrrp_csum_add(0, odd, 1)), 0x0100);
	assert_int_equal(vrrp_csum_fold(vrrp_csum_add(0, odd, 0)), 0);
	assert_int_equal(vrrp_csum_fold(vrrp_csum_add(0x1234, NULL, 0)), 0x1234);
	assert_int_equal(vrrp_csum_fold(0x1fffe), 0xffff);
	assert_int_equal(vrrp_csum_fold(0xffffffffu), 0xffff);
	assert_int_equal(vrrp_csum_fold(0x00010000u), 0x0001);
}

/*
 * vrid 51, priority 100, 100 cs, 10.0.0.100, from 10.0.0.1 to 224.0.0.18.
 * By hand: pseudo-header 0a00+0001+e000+0012+0070+000c, message
 * 3133+6401+0064+0a00+0064 = 0x18a8b, folded 0x8a8c, complemented 0x7573.
 */
static const uint8_t v3_known[] = {
	0x45, 0xc0, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0xff, 0x70, 0xd0, 0x9a,
	0x0a, 0x00, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x12,
	0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x75, 0x73, 0x0a, 0x00, 0x00, 0x64,
};

/* The same in v2, 1 s: 2133+6401+0001+0a00+0064 = 0x8f99, complemented 0x7066. */
static const uint8_t v2_known[] = {
	0x21, 0x33, 0x64, 0x01, 0x00, 0x01, 0x70, 0x66, 0x0a, 0x00, 0x00, 0x64,
	0, 0, 0, 0, 0, 0, 0, 0,
};

static void test_known_vectors(void **state)
{
	struct vrrp_advert a = { .version = 3, .vrid = 51, .priority = 100, .interval_cs = 100,
				 .n_addrs = 1 };
	struct in_addr s = ip4("10.0.0.1"), d = ip4("224.0.0.18");
	uint8_t buf[64], pkt[64];
	struct rx r;

	(void)state;
	a.addrs[0] = ip4("10.0.0.100");
	assert_int_equal(vrrp_packet_build(&a, s, d, buf, sizeof(buf)), 12);
	assert_memory_equal(buf, v3_known + 20, 12);
	assert_int_equal(parse(v3_known, sizeof(v3_known), 3, 0, NULL, 0, &r), VRRP_OK);
	assert_string_equal(r.why, "");
	assert_int_equal(r.src.s_addr, ip4("10.0.0.1").s_addr);
	assert_advert(&r.a, &a);
	/* The 4 reserved bits are ignored on receipt: the interval stays 100 cs. */
	memcpy(pkt, v3_known, sizeof(v3_known));
	pkt[24] |= 0xf0;
	fix_csum(pkt, sizeof(v3_known));
	assert_int_equal(parse(pkt, sizeof(v3_known), 3, 0, NULL, 0, &r), VRRP_OK);
	assert_advert(&r.a, &a);

	a.version = 2;
	assert_int_equal(vrrp_packet_build(&a, s, d, buf, sizeof(buf)), 20);
	assert_memory_equal(buf, v2_known, sizeof(v2_known));
	/* v2's checksum leaves the addresses of the IP header out. */
	assert_int_equal(vrrp_packet_build(&a, ip4("192.0.2.7"), ip4("198.51.100.1"), buf,
					   sizeof(buf)), 20);
	assert_memory_equal(buf, v2_known, sizeof(v2_known));
	wrap_ip(pkt, v2_known, sizeof(v2_known), 0);
	assert_int_equal(parse(pkt, 40, 2, 100, &a.addrs[0], 1, &r), VRRP_OK);
	assert_advert(&r.a, &a);
}

static void round_trip(int version, int n, uint8_t prio, uint16_t interval_cs)
{
	struct vrrp_advert want = advert(version, n, prio, interval_cs);
	uint8_t pkt[MAXPKT];
	size_t len = make_pkt(pkt, version, n, prio, interval_cs);
	struct rx r;

	assert_int_equal(len, 20 + 8 + 4 * (size_t)n + (version == 2 ? 8 : 0));
	if (parse(pkt, len, version, interval_cs, NULL, 0, &r) != VRRP_OK)
		fail_msg("v%d n %d prio %u int %u: %s", version, n, prio, interval_cs, r.why);
	assert_advert(&r.a, &want);
	assert_int_equal(r.src.s_addr, ip4("10.0.0.1").s_addr);
}

static void test_round_trips(void **state)
{
	static const uint8_t prios[] = { 0, 1, 100, 254, 255 };
	static const uint16_t v3_ints[] = { 1, 99, 100, 256, 4095 };
	static const uint16_t v2_ints[] = { 100, 300, 25500 };
	static const int counts[] = { 1, 2, 17, 255 };

	(void)state;
	for (size_t c = 0; c < 4; c++)
		for (size_t p = 0; p < sizeof(prios); p++) {
			for (size_t i = 0; i < 5; i++)
				round_trip(3, counts[c], prios[p], v3_ints[i]);
			for (size_t i = 0; i < 3; i++)
				round_trip(2, counts[c], prios[p], v2_ints[i]);
		}
}

static void test_build_rejects(void **state)
{
	/* version, vrid, count, interval, room: what build returns. */
	static const struct { int v, vrid, n, cs, room, want; } cases[] = {
		{ 3, VRID, 1, 100, 12, 12 },	{ 3, VRID, 1, 100, 11, -1 },
		{ 3, VRID, 0, 100, 64, -1 },	{ 3, VRID, 255, 100, 1027, -1 },
		{ 3, VRID, 255, 100, 1028, 1028 }, { 3, VRID, 1, 0, 64, -1 },
		{ 3, VRID, 1, 4096, 64, -1 },	{ 3, VRID, 1, 4095, 64, 12 },
		{ 3, 0, 1, 100, 64, -1 },	{ 4, VRID, 1, 100, 64, -1 },
		{ 2, VRID, 1, 150, 64, -1 },	{ 2, VRID, 1, 0, 64, -1 },
		{ 2, VRID, 1, 25600, 64, -1 },	{ 2, VRID, 1, 25500, 19, -1 },
		{ 2, VRID, 1, 25500, 20, 20 },	{ 2, VRID, 1, 100, 20, 20 },
	};
	struct in_addr s = ip4("10.0.0.1"), d = ip4("224.0.0.18");
	struct vrrp_advert a = { .priority = 100 };
	uint8_t buf[MAXPKT];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a.version = (uint8_t)cases[i].v;
		a.vrid = (uint8_t)cases[i].vrid;
		a.n_addrs = (uint8_t)cases[i].n;
		a.interval_cs = (uint16_t)cases[i].cs;
		if (vrrp_packet_build(&a, s, d, buf, (size_t)cases[i].room) != cases[i].want)
			fail_msg("case %zu: wanted %d", i, cases[i].want);
		if (cases[i].want < 0)
			continue;
		/* v3: 4 reserved bits zero, 12 bits of centiseconds; v2: Auth Type 0, seconds. */
		assert_int_equal(buf[4] << 8 | buf[5], a.version == 3 ? a.interval_cs
								       : a.interval_cs / 100);
	}
	assert_int_equal(vrrp_packet_build(&a, s, d, NULL, 64), -1);
}

static void test_drop_names(void **state)
{
	static const char *const want[] = { "ok", "short", "ip-header", "ttl", "version",
					    "type", "vrid", "length", "checksum", "interval",
					    "addresses" };

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), VRRP_DROP_COUNT_);
	for (int i = 0; i < VRRP_DROP_COUNT_; i++)
		assert_string_equal(vrrp_drop_names[i], want[i]);
}

/*
 * Change byte `off` of a valid v3 (or v2) packet to val, rewrite the
 * checksum, and expect `drop`: the unchanged packet must pass first.
 */
static void expect_field_drop(int version, size_t off, uint8_t val, enum vrrp_drop drop,
			      const char *why)
{
	uint8_t pkt[MAXPKT];
	size_t len = make_pkt(pkt, version, 1, 100, 100);
	struct in_addr ours = ip4("10.0.0.100");
	struct rx r;

	assert_int_equal(parse(pkt, len, version, 100, &ours, 1, &r), VRRP_OK);
	pkt[off] = val;
	fix_csum(pkt, len);
	parse(pkt, len, version, 100, &ours, 1, &r);
	if (r.drop != drop)
		fail_msg("byte %zu = 0x%02x: %s (%s), wanted %s", off, val,
			 vrrp_drop_names[r.drop], r.why, vrrp_drop_names[drop]);
	if (why)
		assert_string_equal(r.why, why);
}

static void test_drop_each_field(void **state)
{
	(void)state;
	expect_field_drop(3, 8, 64, VRRP_DROP_TTL, "TTL is 64; must be 255");
	expect_field_drop(2, 8, 254, VRRP_DROP_TTL, "TTL is 254; must be 255");
	expect_field_drop(3, 20, 0x21, VRRP_DROP_VERSION, "version is 2; ours is 3");
	expect_field_drop(2, 20, 0x31, VRRP_DROP_VERSION, "version is 3; ours is 2");
	expect_field_drop(3, 20, 0x32, VRRP_DROP_TYPE, "type is 2; must be 1 (advertisement)");
	expect_field_drop(3, 20, 0x41, VRRP_DROP_VERSION, "version is 4; ours is 3");
	expect_field_drop(3, 21, VRID + 1, VRRP_DROP_VRID, "vrid is 52; ours is 51");
	expect_field_drop(3, 23, 2, VRRP_DROP_LENGTH, NULL);
	expect_field_drop(3, 23, 0, VRRP_DROP_LENGTH, "address count is 0; must be at least 1");
	expect_field_drop(2, 23, 2, VRRP_DROP_LENGTH, NULL);
	expect_field_drop(3, 25, 0, VRRP_DROP_INTERVAL,
			  "max advertisement interval is 0; must be 1..4095 cs");
	expect_field_drop(2, 25, 2, VRRP_DROP_INTERVAL,
			  "advertisement interval is 2 s; ours is 100 cs");
	expect_field_drop(2, 25, 0, VRRP_DROP_INTERVAL, NULL);
	expect_field_drop(2, 24, 1, VRRP_DROP_TYPE, "auth type is 1; must be 0 (none)");
	expect_field_drop(2, 31, 101, VRRP_DROP_ADDRS,
			  "address lists differ (10.0.0.101 is in one only)");
	/* v3 leaves the address list alone (RFC 5798 only logs it, in the owner). */
	expect_field_drop(3, 31, 101, VRRP_OK, NULL);
	/* v2 auth data is not read. */
	expect_field_drop(2, 32, 0x55, VRRP_OK, NULL);
	expect_field_drop(3, 0, 0x65, VRRP_DROP_IP_HEADER, "IP version is 6; must be 4");
	expect_field_drop(3, 0, 0x44, VRRP_DROP_IP_HEADER, NULL);
	expect_field_drop(3, 9, 17, VRRP_DROP_IP_HEADER, "IP protocol is 17; must be 112");
	expect_field_drop(3, 3, 19, VRRP_DROP_IP_HEADER, NULL);	/* total < header */
}

/* Every single bit of the checksum field, flipped, is caught. */
static void test_drop_checksum(void **state)
{
	uint8_t pkt[MAXPKT];
	size_t len;
	uint16_t c;
	struct rx r;

	(void)state;
	for (int version = 2; version <= 3; version++) {
		len = make_pkt(pkt, version, 3, 200, 100);
		for (int bit = 0; bit < 16; bit++) {
			pkt[26 + bit / 8] ^= (uint8_t)(1u << bit % 8);
			assert_int_equal(parse(pkt, len, version, 100, NULL, 0, &r),
					 VRRP_DROP_CHECKSUM);
			pkt[26 + bit / 8] ^= (uint8_t)(1u << bit % 8);
		}
		pkt[len - 1] ^= 0x80;	/* a bit of the last byte */
		assert_int_equal(parse(pkt, len, version, 100, NULL, 0, &r), VRRP_DROP_CHECKSUM);
		pkt[len - 1] ^= 0x80;
		assert_int_equal(parse(pkt, len, version, 100, NULL, 0, &r), VRRP_OK);
		/* v3's pseudo-header covers the source; v2's checksum does not. */
		pkt[15] = 2;
		assert_int_equal(parse(pkt, len, version, 100, NULL, 0, &r),
				 version == 3 ? VRRP_DROP_CHECKSUM : VRRP_OK);
	}
	/* An address making the sum 0xffff: checksum 0x0000, its other spelling refused. */
	len = make_pkt(pkt, 3, 1, 100, 100);
	pkt[30] = pkt[31] = 0;
	c = ref_csum(3, pkt, pkt + 20, len - 20);
	pkt[30] = (uint8_t)(c >> 8);
	pkt[31] = (uint8_t)c;
	fix_csum(pkt, len);
	assert_int_equal(pkt[26] << 8 | pkt[27], 0x0000);
	assert_int_equal(parse(pkt, len, 3, 100, NULL, 0, &r), VRRP_OK);
	pkt[26] = pkt[27] = 0xff;
	assert_int_equal(parse(pkt, len, 3, 100, NULL, 0, &r), VRRP_DROP_CHECKSUM);
}

static void test_drop_v2_rules(void **state)
{
	struct in_addr ours[3] = { ip4("10.0.0.102"), ip4("10.0.0.100"), ip4("10.0.0.101") };
	struct in_addr more[4] = { ours[0], ours[1], ours[2] };
	uint8_t pkt[MAXPKT];
	size_t len = make_pkt(pkt, 2, 3, 100, 100);
	struct rx r;

	(void)state;
	/* The same set in another order. */
	assert_int_equal(parse(pkt, len, 2, 100, ours, 3, &r), VRRP_OK);
	/* One of ours is missing from the packet, or the packet has one more. */
	assert_int_equal(parse(pkt, len, 2, 100, ours, 2, &r), VRRP_DROP_ADDRS);
	assert_string_equal(r.why, "address lists differ (10.0.0.101 is in one only)");
	ours[2] = ip4("10.0.0.103");
	assert_int_equal(parse(pkt, len, 2, 100, ours, 3, &r), VRRP_DROP_ADDRS);
	more[3] = ours[2];
	assert_int_equal(parse(pkt, len, 2, 100, more, 4, &r), VRRP_DROP_ADDRS);
	assert_string_equal(r.why, "address lists differ (10.0.0.103 is in one only)");
	/* RFC 3768 7.1: from the address owner the difference is logged, not dropped. */
	pkt[22] = VRRP_PRIO_OWNER;
	fix_csum(pkt, len);
	assert_int_equal(parse(pkt, len, 2, 100, ours, 3, &r), VRRP_OK);
	assert_non_null(strstr(r.why, "accepted from the address owner"));
	/* n_ours 0: not compared. */
	pkt[22] = 100;
	fix_csum(pkt, len);
	assert_int_equal(parse(pkt, len, 2, 100, NULL, 0, &r), VRRP_OK);
	/* An Adver Int of 0 is never right, even against an instance's 0. */
	pkt[25] = 0;
	fix_csum(pkt, len);
	assert_int_equal(parse(pkt, len, 2, 0, NULL, 0, &r), VRRP_DROP_INTERVAL);
	/* An instance of neither version refuses all, even a packet that agrees. */
	pkt[20] = 0x41;
	fix_csum(pkt, len);
	assert_int_equal(parse(pkt, len, 4, 100, NULL, 0, &r), VRRP_DROP_VERSION);
	assert_string_equal(r.why, "instance version is 4; must be 2 or 3");
}

/* Cut short anywhere, with the IP length as sent or rewritten to match. */
static void test_truncated(void **state)
{
	uint8_t pkt[MAXPKT], cut[MAXPKT];
	size_t len;
	struct rx r;

	(void)state;
	for (int version = 2; version <= 3; version++) {
		len = make_pkt(pkt, version, 2, 100, 100);
		for (size_t l = 0; l < len; l++) {
			assert_int_equal(parse(pkt, l, version, 100, NULL, 0, &r),
					 VRRP_DROP_SHORT);
			memcpy(cut, pkt, len);
			cut[2] = (uint8_t)(l >> 8);
			cut[3] = (uint8_t)l;
			parse(cut, l, version, 100, NULL, 0, &r);
			if (r.drop != VRRP_DROP_SHORT && r.drop != VRRP_DROP_LENGTH)
				fail_msg("v%d cut at %zu: %s", version, l,
					 vrrp_drop_names[r.drop]);
		}
		assert_int_equal(parse(pkt, len, version, 100, NULL, 0, &r), VRRP_OK);
	}
	assert_int_equal(vrrp_packet_parse(NULL, 0, 3, VRID, 100, NULL, 0, NULL, NULL, NULL, 0),
			 VRRP_DROP_SHORT);
	/* Bytes past the IP total length are link padding; bytes within it are not. */
	len = make_pkt(pkt, 3, 1, 100, 100);
	memset(pkt + len, 0xee, 14);
	assert_int_equal(parse(pkt, len + 14, 3, 100, NULL, 0, &r), VRRP_OK);
	pkt[3] = (uint8_t)(len + 4);
	fix_csum(pkt, len + 14);
	assert_int_equal(parse(pkt, len + 14, 3, 100, NULL, 0, &r), VRRP_DROP_LENGTH);
}

static void test_ip_options(void **state)
{
	struct vrrp_advert want = advert(3, 2, 150, 50);
	uint8_t plain[MAXPKT], pkt[MAXPKT];
	size_t len = make_pkt(plain, 3, 2, 150, 50);
	struct rx r;

	(void)state;
	for (size_t opt = 4; opt <= 40; opt += 36) {
		size_t l = wrap_ip(pkt, plain + 20, len - 20, opt);

		assert_int_equal(IP_HLEN(pkt), 20 + opt);
		assert_int_equal(parse(pkt, l, 3, 0, NULL, 0, &r), VRRP_OK);
		assert_advert(&r.a, &want);
		/* The VRRP message starts after the options, not at byte 20. */
		pkt[20 + opt + 1] = VRID + 1;
		assert_int_equal(parse(pkt, l, 3, 0, NULL, 0, &r), VRRP_DROP_VRID);
	}
}

/* ---- random mutation ------------------------------------------------------------ */

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Whether 10.0.0.h is among the n addresses at list. */
static bool has_addr(const uint8_t *list, size_t n, uint8_t h)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(list + 4 * i, (const uint8_t[]){ 10, 0, 0, h }, 4) == 0)
			return true;
	return false;
}

/* What an accepted packet must be, read from the bytes without the codec. */
static void oracle(const uint8_t *p, size_t len, int version, const struct rx *r)
{
	size_t hl = IP_HLEN(p), tot = IP_TOT(p), mlen = tot - hl, n;
	const uint8_t *m = p + hl;

	assert_true(len >= 20 && p[0] >> 4 == 4 && p[9] == 112 && p[8] == 255);
	assert_true(hl >= 20 && tot <= len && tot >= hl + 8);
	n = m[3];
	assert_true(m[0] == (version << 4 | 1) && m[1] == VRID && n >= 1);
	assert_int_equal(mlen, 8 + 4 * n + (version == 2 ? 8 : 0));
	assert_int_equal(m[6] << 8 | m[7], ref_csum(version, p, m, mlen));
	if (version == 3)
		assert_true(((m[4] & 0x0f) << 8 | m[5]) != 0);
	else
		assert_true(m[4] == 0 && m[5] == 1);
	/* v2, not from the owner: exactly 10.0.0.100-102 (repeats allowed). */
	for (uint8_t h = 100; version == 2 && m[2] != 255 && h <= 102; h++)
		assert_true(has_addr(m + 8, n, h));
	for (size_t i = 0; version == 2 && m[2] != 255 && i < n; i++)
		assert_true(has_addr(m + 8 + 4 * i, 1, m[8 + 4 * i + 3]) &&
			    m[8 + 4 * i + 3] >= 100 && m[8 + 4 * i + 3] <= 102);
	assert_int_equal(r->a.priority, m[2]);
	assert_int_equal(r->a.n_addrs, n);
	assert_memory_equal(r->a.addrs, m + 8, 4 * n);
}

static void mutate(uint8_t *p, size_t *len, uint32_t *seed)
{
	uint32_t x = xorshift(seed);
	size_t at = *len ? (x >> 8) % *len : 0;

	switch (x % 6) {
	case 0: p[at] ^= (uint8_t)(1u << (x >> 4) % 8); break;
	case 1: p[at] = (uint8_t)(x >> 24); break;
	case 2: *len = (x >> 8) % (*len + 1); break;
	case 3: /* grow with garbage, within the buffer */
		for (size_t g = (x >> 8) % 9; g > 0 && *len < MAXPKT; g--)
			p[(*len)++] = (uint8_t)xorshift(seed);
		break;
	case 4: p[3] = (uint8_t)(p[3] + (x >> 8) % 9 - 4); break;	/* IP length */
	default: p[20 + (x >> 8) % 12] = (uint8_t)(x >> 24); break;	/* VRRP header */
	}
}

/*
 * Valid packets (v3, v2) mutated one to three times, half of them with the
 * checksum rewritten after so that the later rules meet wrong values too:
 * what parse accepts must satisfy the oracle; every outcome must occur.
 */
static void test_random_mutations(void **state)
{
	struct in_addr ours[3] = { ip4("10.0.0.100"), ip4("10.0.0.101"), ip4("10.0.0.102") };
	unsigned seen[VRRP_DROP_COUNT_] = { 0 };
	uint32_t seed = 0x2545f491u;
	uint8_t pkt[MAXPKT];
	struct rx r;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		int version = 2 + i % 2;
		size_t len = make_pkt(pkt, version, 3, 100, 100);
		uint32_t x = xorshift(&seed);

		for (uint32_t k = 0; k <= x % 3; k++)
			mutate(pkt, &len, &seed);
		if (x & 8)
			fix_csum(pkt, len);
		parse(pkt, len, version, 100, ours, 3, &r);
		assert_true(r.drop < VRRP_DROP_COUNT_);
		seen[r.drop]++;
		if (r.drop == VRRP_OK)
			oracle(pkt, len, version, &r);
		else
			assert_true(strlen(r.why) > 0);
	}
	for (int d = 0; d < VRRP_DROP_COUNT_; d++) {
		print_message("# mutations ending as %s: %u\n", vrrp_drop_names[d], seen[d]);
		if (seen[d] == 0)
			fail_msg("no mutation ended as '%s'", vrrp_drop_names[d]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_rfc1071),
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_build_rejects),
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_drop_each_field),
		cmocka_unit_test(test_drop_checksum),
		cmocka_unit_test(test_drop_v2_rules),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_ip_options),
		cmocka_unit_test(test_random_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

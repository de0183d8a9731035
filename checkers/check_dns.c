/*
 * check_dns.c - the dns protocol: one query, one judged reply (RFC 1035).
 *
 * prepare() encodes the query once (the configured name and type, class
 * IN, recursion desired); request() stamps a fresh random ID on it for
 * every probe, so that a late answer to an earlier probe, which the udp
 * transport may still deliver, is told apart and ignored. judge() reads
 * the reply as hostile input: every length is checked against the
 * datagram, compression pointers may only point back to an earlier name
 * (which is what RFC 1035 compression produces, and what makes loops
 * impossible), and anything that does not parse is a "malformed reply"
 * that says what was wrong. A server is up when it answers NOERROR with
 * at least one answer record, and, when `answer` is configured, when one
 * A or AAAA record of the answer section holds that address.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "check.h"

#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX 255	/* RFC 1035 2.3.4: a name in wire form */
#define DNS_LABEL_MAX 63
#define DNS_QUERY_MAX (DNS_HEADER_LEN + DNS_NAME_MAX + 4)

#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1

/* Header flag bits, in the 16-bit word after the ID. */
#define DNS_QR 0x8000
#define DNS_OPCODE(f) (((f) >> 11) & 0xf)
#define DNS_TC 0x0200
#define DNS_RD 0x0100
#define DNS_RCODE(f) ((f) & 0xf)

struct dns_state {
	unsigned char query[DNS_QUERY_MAX];
	size_t query_len;
	size_t qname_len;		/* the question's name, in wire form */
	uint16_t id;			/* of the query in flight */
	uint64_t prng;			/* splitmix64 state, seeded by getrandom */
	struct lvs_addr answer;		/* af 0: any answer will do */
};

struct dns_header {
	uint16_t id, flags, qdcount, ancount;
};

static const char *const dns_rcode_names[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
};

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static uint64_t dns_random(struct dns_state *st)
{
	uint64_t x = (st->prng += 0x9e3779b97f4a7c15ull);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static int dns_seed(struct dns_state *st, char *err, size_t errlen)
{
	struct timespec ts;

	if (getrandom(&st->prng, sizeof(st->prng), GRND_NONBLOCK) == sizeof(st->prng))
		return 0;
	if (errno != EAGAIN) {
		snprintf(err, errlen, "dns check: getrandom: %s", strerror(errno));
		return -1;
	}
	/* Early boot, pool not ready: the ID only needs to differ between
	 * probes, not to be secret, and waiting would stall the daemon. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	st->prng = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	st->prng ^= (uint64_t)(uintptr_t)st;
	return 0;
}

/* "www.example.com" (a trailing dot allowed, "." the root) in wire form. */
static int dns_encode_name(const char *name, unsigned char *out, size_t *outlen,
			   char *err, size_t errlen)
{
	size_t n = 0, label;
	const char *s = name, *dot;

	if (strcmp(name, ".") == 0)
		s = "";
	while (*s) {
		dot = strchr(s, '.');
		label = dot ? (size_t)(dot - s) : strlen(s);
		if (label == 0 || label > DNS_LABEL_MAX) {
			snprintf(err, errlen, "dns check: a label of %zu bytes (1 to %d) "
				 "in the name '%s'", label, DNS_LABEL_MAX, name);
			return -1;
		}
		if (n + 1 + label + 1 > DNS_NAME_MAX) {
			snprintf(err, errlen, "dns check: the name is longer than %d bytes: "
				 "'%s'", DNS_NAME_MAX, name);
			return -1;
		}
		out[n++] = (unsigned char)label;
		memcpy(out + n, s, label);
		n += label;
		s += label + (dot ? 1 : 0);
	}
	out[n++] = 0;
	*outlen = n;
	return 0;
}

static int dns_prepare(const struct cfg_check *conf, const struct lvs_addr *target,
		       void **state, char *err, size_t errlen)
{
	struct dns_state *st;
	unsigned char *q;

	(void)target;
	if (!conf->name || !conf->name[0]) {
		snprintf(err, errlen, "dns check: no name to query");
		return -1;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "dns check: out of memory");
		return -1;
	}
	q = st->query;
	put16(q + 2, DNS_RD);
	put16(q + 4, 1);	/* QDCOUNT; AN, NS and AR stay 0 */
	if (dns_encode_name(conf->name, q + DNS_HEADER_LEN, &st->qname_len, err, errlen) < 0 ||
	    dns_seed(st, err, errlen) < 0) {
		free(st);
		return -1;
	}
	put16(q + DNS_HEADER_LEN + st->qname_len, conf->qtype);
	put16(q + DNS_HEADER_LEN + st->qname_len + 2, DNS_CLASS_IN);
	st->query_len = DNS_HEADER_LEN + st->qname_len + 4;
	st->answer = conf->answer;
	*state = st;
	return 0;
}

static void dns_release(void *state)
{
	free(state);
}

static void dns_request(void *state, const unsigned char **data, size_t *len)
{
	struct dns_state *st = state;

	st->id = (uint16_t)(dns_random(st) >> 48);
	put16(st->query, st->id);
	*data = st->query;
	*len = st->query_len;
}

/* ---- reading a reply --------------------------------------------------------- */

/*
 * Where the compression pointer at pos leads; -1 with why. It must point
 * before the segment it is found in (seg: where the walk last jumped to,
 * or the name's start), so every jump goes strictly backward and a walk
 * always ends. RFC 1035 compression only ever points to earlier names.
 */
static int dns_pointer(const unsigned char *m, size_t len, size_t pos, size_t seg,
		       size_t *to, char *why, size_t whylen)
{
	if (pos + 1 >= len) {
		snprintf(why, whylen, "compression pointer at offset %zu cut short", pos);
		return -1;
	}
	*to = (size_t)get16(m + pos) & 0x3fff;
	if (*to >= len)
		snprintf(why, whylen, "compression pointer at offset %zu points past the end", pos);
	else if (*to > pos)
		snprintf(why, whylen, "compression pointer at offset %zu points forward", pos);
	else if (*to >= seg)
		snprintf(why, whylen, "compression pointer loop at offset %zu", pos);
	else
		return 0;
	return -1;
}

/*
 * The name at *off, decompressed into out (wire form, at most
 * DNS_NAME_MAX bytes); *off moves past it as it stands in the message.
 */
static int dns_read_name(const unsigned char *m, size_t len, size_t *off,
			 unsigned char *out, size_t *outlen, char *why, size_t whylen)
{
	size_t pos = *off, seg = *off, n = 0, next = 0;
	unsigned c;

	do {
		if (pos >= len) {
			snprintf(why, whylen, "name at offset %zu runs past the end", *off);
			return -1;
		}
		c = m[pos];
		if ((c & 0xc0) == 0xc0) {
			if (!next)
				next = pos + 2;
			if (dns_pointer(m, len, pos, seg, &pos, why, whylen) < 0)
				return -1;
			seg = pos;
			continue;
		}
		if (c & 0xc0) {
			snprintf(why, whylen, "unknown label type 0x%02x at offset %zu", c, pos);
			return -1;
		}
		if (n + 1 + c > DNS_NAME_MAX) {
			snprintf(why, whylen, "name at offset %zu is longer than %d bytes",
				 *off, DNS_NAME_MAX);
			return -1;
		}
		if (pos + 1 + c > len) {
			snprintf(why, whylen, "name at offset %zu runs past the end", *off);
			return -1;
		}
		memcpy(out + n, m + pos, 1 + c);
		n += 1 + c;
		pos += 1 + c;
	} while (c != 0);
	*off = next ? next : pos;
	*outlen = n;
	return 0;
}

/* Names compare without regard to ASCII case (RFC 4343). */
static bool dns_name_equal(const unsigned char *a, const unsigned char *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned ca = a[i], cb = b[i];

		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return false;
	}
	return true;
}

static int dns_check_header(const unsigned char *m, size_t len, struct dns_header *h,
			    char *why, size_t whylen)
{
	if (len < DNS_HEADER_LEN) {
		snprintf(why, whylen, "%zu bytes, shorter than a header", len);
		return -1;
	}
	h->id = get16(m);
	h->flags = get16(m + 2);
	h->qdcount = get16(m + 4);
	h->ancount = get16(m + 6);
	if (!(h->flags & DNS_QR)) {
		snprintf(why, whylen, "QR not set: a query, not a response");
		return -1;
	}
	if (DNS_OPCODE(h->flags) != 0) {
		snprintf(why, whylen, "opcode %u, not a standard query", DNS_OPCODE(h->flags));
		return -1;
	}
	return 0;
}

/* The question section must echo ours; *off ends past it. */
static int dns_check_question(const struct dns_state *st, const unsigned char *m,
			      size_t len, const struct dns_header *h, size_t *off,
			      char *why, size_t whylen)
{
	unsigned char name[DNS_NAME_MAX];
	const unsigned char *ours = st->query + DNS_HEADER_LEN;
	size_t n;

	if (h->qdcount != 1) {
		snprintf(why, whylen, "%u questions, not 1", h->qdcount);
		return -1;
	}
	if (dns_read_name(m, len, off, name, &n, why, whylen) < 0)
		return -1;
	if (*off + 4 > len) {
		snprintf(why, whylen, "question cut short");
		return -1;
	}
	if (n != st->qname_len || !dns_name_equal(name, ours, n) ||
	    memcmp(m + *off, ours + n, 4) != 0) {
		snprintf(why, whylen, "the question is not the one asked");
		return -1;
	}
	*off += 4;
	return 0;
}

/* Does the record's data hold the configured answer? */
static bool dns_rr_matches(const struct lvs_addr *want, uint16_t type, uint16_t class,
			   const unsigned char *rdata, uint16_t rdlen)
{
	if (class != DNS_CLASS_IN)
		return false;
	if (want->af == AF_INET && type == DNS_TYPE_A && rdlen == 4)
		return memcmp(rdata, &want->ip.v4, 4) == 0;
	if (want->af == AF_INET6 && type == DNS_TYPE_AAAA && rdlen == 16)
		return memcmp(rdata, &want->ip.v6, 16) == 0;
	return false;
}

/* Walk the answer section; *found when a record holds st->answer. */
static int dns_scan_answers(const struct dns_state *st, const unsigned char *m, size_t len,
			    size_t off, unsigned ancount, bool *found, char *why, size_t whylen)
{
	unsigned char name[DNS_NAME_MAX];
	uint16_t type, class, rdlen;
	size_t n;

	*found = false;
	for (unsigned i = 0; i < ancount; i++) {
		if (dns_read_name(m, len, &off, name, &n, why, whylen) < 0)
			return -1;
		if (off + 10 > len) {
			snprintf(why, whylen, "answer record %u cut short", i + 1);
			return -1;
		}
		type = get16(m + off);
		class = get16(m + off + 2);
		rdlen = get16(m + off + 8);	/* after the 32-bit TTL */
		off += 10;
		if (off + rdlen > len) {
			snprintf(why, whylen, "answer record %u has %u bytes of data, %zu remain",
				 i + 1, rdlen, len - off);
			return -1;
		}
		if (st->answer.af && dns_rr_matches(&st->answer, type, class, m + off, rdlen))
			*found = true;
		off += rdlen;
	}
	return 0;
}

static enum check_verdict dns_down(struct check_input *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum check_verdict dns_down(struct check_input *in, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(in->detail, sizeof(in->detail), fmt, ap);
	va_end(ap);
	return CHECK_DOWN;
}

static const char *dns_rcode_name(unsigned rcode, char *buf, size_t len)
{
	if (rcode < sizeof(dns_rcode_names) / sizeof(dns_rcode_names[0]))
		return dns_rcode_names[rcode];
	snprintf(buf, len, "%u", rcode);
	return buf;
}

/* What a well-formed, non-truncated reply that is ours says. */
static enum check_verdict dns_judge_reply(const struct dns_state *st, struct check_input *in,
					  const struct dns_header *h)
{
	size_t off = DNS_HEADER_LEN;
	char why[CHECK_DETAIL_MAX - 24], buf[8];
	unsigned rcode = DNS_RCODE(h->flags);
	bool found;

	/* Some servers drop the question from an error (FORMERR, NOTIMP). */
	if (rcode != 0 && h->qdcount == 0)
		return dns_down(in, "rcode %s", dns_rcode_name(rcode, buf, sizeof(buf)));
	if (dns_check_question(st, in->data, in->len, h, &off, why, sizeof(why)) < 0)
		return dns_down(in, "malformed reply: %s", why);
	if (rcode != 0)
		return dns_down(in, "rcode %s", dns_rcode_name(rcode, buf, sizeof(buf)));
	if (dns_scan_answers(st, in->data, in->len, off, h->ancount, &found,
			     why, sizeof(why)) < 0)
		return dns_down(in, "malformed reply: %s", why);
	if (h->ancount == 0)
		return dns_down(in, "no answer records");
	if (st->answer.af && !found) {
		char ip[ADDR_STRLEN];

		addr_format_ip(&st->answer, ip, sizeof(ip));
		return dns_down(in, "answer %s not in the reply", ip);
	}
	snprintf(in->detail, sizeof(in->detail), "NOERROR, %u answer%s", h->ancount,
		 h->ancount == 1 ? "" : "s");
	return CHECK_UP;
}

static enum check_verdict dns_judge(void *state, int *step, struct check_input *in)
{
	struct dns_state *st = state;
	struct dns_header h;
	char why[CHECK_DETAIL_MAX - 24];

	(void)step;
	in->consume = in->len;
	/* Another ID: a late reply to an earlier probe, or not to us at all. */
	if (in->len >= 2 && get16(in->data) != st->id) {
		in->phase = "waiting for a reply";
		return CHECK_MORE;
	}
	if (dns_check_header(in->data, in->len, &h, why, sizeof(why)) < 0)
		return dns_down(in, "malformed reply: %s", why);
	if (h.flags & DNS_TC)
		return dns_down(in, "truncated reply");
	return dns_judge_reply(st, in, &h);
}

const struct check_proto check_dns_proto = {
	.name = "dns",
	.prepare = dns_prepare,
	.release = dns_release,
	.request = dns_request,
	.judge = dns_judge,
};

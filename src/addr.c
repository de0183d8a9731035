/*
 * addr.c - text <-> address conversions for the configuration and the
 * listings. inet_pton does the real parsing; this file only splits ports
 * and prefixes off and words the errors the way a user needs them.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

static int parse_ip(const char *s, struct lvs_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->ip.v4) == 1) {
		out->af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->ip.v6) == 1) {
		out->af = AF_INET6;
		return 0;
	}
	return -1;
}

/* Strict decimal in [lo, hi]: no sign, no spaces, no leading junk. */
static int parse_uint(const char *s, unsigned long lo, unsigned long hi,
		      unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Split "IP:PORT" / "[IP6]:PORT" / "IP" into host text and port text. */
static int split_port(const char *s, char *host, size_t hostlen,
		      const char **port, char *err, size_t errlen)
{
	const char *colon;
	size_t n;

	*port = NULL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close) {
			snprintf(err, errlen, "'%s': missing ']'", s);
			return -1;
		}
		n = (size_t)(close - s - 1);
		if (close[1] == ':')
			*port = close + 2;
		else if (close[1] != '\0') {
			snprintf(err, errlen, "'%s': expected ':PORT' after ']'", s);
			return -1;
		}
		s++;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':')) {
			/* Several colons without brackets: a bare IPv6 address. */
			n = strlen(s);
		} else if (colon) {
			n = (size_t)(colon - s);
			*port = colon + 1;
		} else {
			n = strlen(s);
		}
	}
	if (n >= hostlen) {
		snprintf(err, errlen, "'%.64s...' is too long for an address", s);
		return -1;
	}
	memcpy(host, s, n);
	host[n] = '\0';
	return 0;
}

/*
 * `out` is written only on success: the loader keeps going after a bad
 * value, and cross-object checks must not see half an address (a family
 * without a port, say) and report on something that never parsed.
 */
int addr_parse(const char *s, enum addr_port_rule rule, struct lvs_addr *out,
	       char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port;
	unsigned long p;
	struct lvs_addr a;

	if (split_port(s, host, sizeof(host), &port, err, errlen) < 0)
		return -1;
	if (parse_ip(host, &a) < 0) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", host);
		return -1;
	}
	/* Brackets only set an IPv6 address apart from its port. */
	if (s[0] == '[' && a.af != AF_INET6) {
		snprintf(err, errlen, "'%s': brackets are for IPv6 only", s);
		return -1;
	}
	if (a.af == AF_INET6 && s[0] != '[' && rule == ADDR_PORT_REQUIRED) {
		snprintf(err, errlen, "'%s' has no port; write IPv6 as [ADDRESS]:PORT", s);
		return -1;
	}
	if (port == NULL && rule == ADDR_PORT_REQUIRED) {
		snprintf(err, errlen, "'%s' has no port (expected IP:PORT)", s);
		return -1;
	}
	if (port != NULL && rule == ADDR_PORT_NONE) {
		snprintf(err, errlen, "'%s' must be an address without a port", s);
		return -1;
	}
	if (port != NULL && parse_uint(port, 1, 65535, &p) < 0) {
		snprintf(err, errlen, "'%s': port '%s' is not a number in 1..65535", s, port);
		return -1;
	}
	a.port = port ? (uint16_t)p : 0;
	*out = a;
	return 0;
}

/* Like addr_parse, `out` is written only on success. */
int addr_parse_prefix(const char *s, struct lvs_prefix *out, char *err,
		      size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long len, max;
	struct lvs_prefix pf;

	if (n >= sizeof(host)) {
		snprintf(err, errlen, "'%.64s...' is too long for an address", s);
		return -1;
	}
	memcpy(host, s, n);
	host[n] = '\0';
	if (parse_ip(host, &pf.addr) < 0) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", host);
		return -1;
	}
	max = pf.addr.af == AF_INET ? 32 : 128;
	len = max;
	if (slash && parse_uint(slash + 1, 0, max, &len) < 0) {
		snprintf(err, errlen, "'%s': prefix length '%s' is not in 0..%lu",
			 s, slash + 1, max);
		return -1;
	}
	pf.len = (uint8_t)len;
	*out = pf;
	return 0;
}

int addr_parse_netmask4(const char *s, uint8_t *len, char *err, size_t errlen)
{
	struct in_addr in;
	uint32_t m;
	uint8_t n = 0;

	if (inet_pton(AF_INET, s, &in) != 1) {
		snprintf(err, errlen, "'%s' is not a dotted IPv4 netmask", s);
		return -1;
	}
	m = ntohl(in.s_addr);
	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	if (n < 32 && (m << n) != 0) {
		snprintf(err, errlen, "'%s' is not a contiguous netmask", s);
		return -1;
	}
	*len = n;
	return 0;
}

const char *addr_format_ip(const struct lvs_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->af, a->af == AF_INET ? (const void *)&a->ip.v4
					       : (const void *)&a->ip.v6,
		       buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* p with v in decimal appended; the end. */
static char *put_decimal(char *p, unsigned v)
{
	char d[10];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = d[--n];
	return p;
}

/*
 * IPv4 without printf: the status of 10,000 real servers formats as many
 * addresses while the checks wait, and inet_ntop and snprintf were a
 * sixth of its time.
 */
static const char *format_v4(const struct lvs_addr *a, char *buf, size_t len)
{
	const unsigned char *b = (const unsigned char *)&a->ip.v4.s_addr;
	char text[sizeof("255.255.255.255:65535")], *p = text;
	size_t n;

	for (int i = 0; i < 4; i++) {
		p = put_decimal(p, b[i]);
		*p++ = '.';
	}
	p--;	/* the last dot */
	if (a->port) {
		*p++ = ':';
		p = put_decimal(p, a->port);
	}
	n = (size_t)(p - text);
	if (n >= len)	/* cut short, as snprintf would */
		n = len - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	return buf;
}

const char *addr_format(const struct lvs_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->af == AF_INET && len > 0)
		return format_v4(a, buf, len);
	addr_format_ip(a, ip, sizeof(ip));
	if (a->port == 0)
		snprintf(buf, len, "%s", ip);
	else if (a->af == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	else
		snprintf(buf, len, "%s:%u", ip, a->port);
	return buf;
}

bool addr_ip_equal(const struct lvs_addr *a, const struct lvs_addr *b)
{
	if (a->af != b->af)
		return false;
	if (a->af == AF_INET)
		return a->ip.v4.s_addr == b->ip.v4.s_addr;
	return memcmp(&a->ip.v6, &b->ip.v6, sizeof(a->ip.v6)) == 0;
}

bool addr_equal(const struct lvs_addr *a, const struct lvs_addr *b)
{
	return addr_ip_equal(a, b) && a->port == b->port;
}

int addr_cmp(const struct lvs_addr *a, const struct lvs_addr *b)
{
	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->af == AF_INET)
		return memcmp(&a->ip.v4, &b->ip.v4, sizeof(a->ip.v4));
	return memcmp(&a->ip.v6, &b->ip.v6, sizeof(a->ip.v6));
}

unsigned addr_to_sockaddr(const struct lvs_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a->ip.v4;
		sin->sin_port = htons(a->port);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = a->ip.v6;
	sin6->sin6_port = htons(a->port);
	return sizeof(*sin6);
}

void addr_from_sockaddr(const struct sockaddr_storage *ss, struct lvs_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->af = ss->ss_family;
	if (ss->ss_family == AF_INET) {
		a->ip.v4 = ((const struct sockaddr_in *)ss)->sin_addr;
		a->port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	} else {
		a->ip.v6 = ((const struct sockaddr_in6 *)ss)->sin6_addr;
		a->port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	}
}

/*
 * testsrv_util.c - lvs-testsrv's shared helpers: numeric addresses in the
 * "IP:PORT" / "[IPv6]:PORT" shape lvsd's configuration uses, the PROXY
 * protocol v2 codec (pure: bytes in, values and a reason out), warnings.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "testsrv.h"

void ts_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("lvs-testsrv: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int ts_addr_parse(const char *s, struct ts_addr *a, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN];
	const char *h = s, *colon;
	size_t hl;
	uint16_t port;

	memset(a, 0, sizeof *a);
	if (*s == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':')
			goto bad;
		h = s + 1;
		hl = (size_t)(end - h);
		colon = end + 1;
	} else {
		/* An IPv6 address without brackets would be ambiguous. */
		colon = strchr(s, ':');
		if (colon == NULL || strchr(colon + 1, ':'))
			goto bad;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof host || parse_port(colon + 1, &port) < 0)
		goto bad;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (*s == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		a->len = sizeof *sin6;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1)
			return 0;
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		a->len = sizeof *sin;
		if (strcmp(host, "*") == 0)
			return 0;
		if (inet_pton(AF_INET, host, &sin->sin_addr) == 1)
			return 0;
	}
bad:
	snprintf(err, errlen, "'%s' is not IP:PORT, [IPv6]:PORT or *:PORT", s);
	return -1;
}

void ts_addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip);
		snprintf(buf, len, "%s:%u", ip, ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof ip);
		snprintf(buf, len, "[%s]:%u", ip, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, len, "unknown");
	}
}

void ts_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			ts_warn("cannot raise the open-files limit: %s", strerror(errno));
	}
}

/* ---- PROXY protocol v2 ---------------------------------------------------- */

enum {
	PP2_CMD_LOCAL = 0x0,
	PP2_CMD_PROXY = 0x1,
	PP2_AF_UNSPEC = 0x0,
	PP2_AF_INET = 0x1,
	PP2_AF_INET6 = 0x2,
	PP2_AF_UNIX = 0x3,
	PP2_PROTO_STREAM = 0x1,
};

enum pp2_result pp2_parse(const uint8_t *buf, size_t len, size_t *hdrlen,
			  struct sockaddr_storage *src, char *err, size_t errlen)
{
	size_t sig = len < PP2_SIG_LEN ? len : PP2_SIG_LEN, alen;
	unsigned ver, cmd, af;

	/* Garbage is refused at its first byte, not after 16 of them. */
	if (memcmp(buf, PP2_SIG, sig) != 0) {
		snprintf(err, errlen, "no PROXY v2 signature");
		return PP2_BAD;
	}
	if (len < PP2_HDR_LEN)
		return PP2_NEED_MORE;
	ver = buf[12] >> 4;
	cmd = buf[12] & 0xf;
	af = buf[13] >> 4;
	alen = (size_t)buf[14] << 8 | buf[15];
	if (ver != 2 || (cmd != PP2_CMD_LOCAL && cmd != PP2_CMD_PROXY)) {
		snprintf(err, errlen, "PROXY v2 version/command byte 0x%02x", buf[12]);
		return PP2_BAD;
	}
	if (len < PP2_HDR_LEN + alen)
		return PP2_NEED_MORE;
	*hdrlen = PP2_HDR_LEN + alen;
	memset(src, 0, sizeof *src);
	src->ss_family = AF_UNSPEC;
	if (cmd == PP2_CMD_LOCAL || af == PP2_AF_UNSPEC || af == PP2_AF_UNIX)
		return PP2_OK;
	if (af == PP2_AF_INET && alen >= 12) {
		struct sockaddr_in *sin = (struct sockaddr_in *)src;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, buf + 16, 4);
		memcpy(&sin->sin_port, buf + 24, 2);
		return PP2_OK;
	}
	if (af == PP2_AF_INET6 && alen >= 36) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)src;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, buf + 16, 16);
		memcpy(&sin6->sin6_port, buf + 48, 2);
		return PP2_OK;
	}
	snprintf(err, errlen, "PROXY v2 family 0x%02x with %zu address bytes", buf[13], alen);
	return PP2_BAD;
}

size_t pp2_build(uint8_t *out, const struct sockaddr *src, const struct sockaddr *dst)
{
	size_t alen;

	memcpy(out, PP2_SIG, PP2_SIG_LEN);
	out[12] = 0x20 | PP2_CMD_PROXY;
	if (src->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)src;
		const struct sockaddr_in *d = (const struct sockaddr_in *)dst;

		out[13] = PP2_AF_INET << 4 | PP2_PROTO_STREAM;
		alen = 12;
		memcpy(out + 16, &s->sin_addr, 4);
		memset(out + 20, 0, 4);
		if (dst->sa_family == AF_INET)
			memcpy(out + 20, &d->sin_addr, 4);
		memcpy(out + 24, &s->sin_port, 2);
		memcpy(out + 26, dst->sa_family == AF_INET ? &d->sin_port : &s->sin_port, 2);
	} else {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)src;
		const struct sockaddr_in6 *d = (const struct sockaddr_in6 *)dst;

		out[13] = PP2_AF_INET6 << 4 | PP2_PROTO_STREAM;
		alen = 36;
		memcpy(out + 16, &s->sin6_addr, 16);
		memset(out + 32, 0, 16);
		if (dst->sa_family == AF_INET6)
			memcpy(out + 32, &d->sin6_addr, 16);
		memcpy(out + 48, &s->sin6_port, 2);
		memcpy(out + 50, dst->sa_family == AF_INET6 ? &d->sin6_port : &s->sin6_port, 2);
	}
	out[14] = 0;
	out[15] = (uint8_t)alen;
	return PP2_HDR_LEN + alen;
}

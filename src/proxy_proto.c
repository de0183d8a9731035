/*
 * proxy_proto.c - PROXY protocol headers as the HAProxy specification
 * defines them: v1 "PROXY TCP4 src dst sport dport\r\n", v2 a 12-byte
 * signature, version/command, family/protocol, length and the addresses.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "proxy_proto.h"

static const unsigned char v2_signature[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

int proxy_v1_header(const struct lvs_addr *client, const struct lvs_addr *vip,
		    char *out, size_t outlen)
{
	char c[ADDR_STRLEN], v[ADDR_STRLEN];
	int n;

	if (client->af != vip->af)
		return -1;
	n = snprintf(out, outlen, "PROXY %s %s %s %u %u\r\n",
		     client->af == AF_INET ? "TCP4" : "TCP6",
		     addr_format_ip(client, c, sizeof(c)),
		     addr_format_ip(vip, v, sizeof(v)), client->port, vip->port);
	return n > 0 && (size_t)n < outlen ? n : -1;
}

static unsigned char *put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
	return p + 2;
}

int proxy_v2_header(const struct lvs_addr *client, const struct lvs_addr *vip,
		    unsigned char *out, size_t outlen)
{
	size_t alen = client->af == AF_INET ? 4 : 16;
	size_t need = 16 + 2 * alen + 4;
	unsigned char *p = out;

	if (client->af != vip->af || outlen < need)
		return -1;
	memcpy(p, v2_signature, sizeof(v2_signature));
	p += sizeof(v2_signature);
	*p++ = 0x21;					/* version 2, PROXY */
	*p++ = client->af == AF_INET ? 0x11 : 0x21;	/* TCP over IPv4 / IPv6 */
	p = put16(p, (uint16_t)(2 * alen + 4));
	memcpy(p, &client->ip, alen);
	p += alen;
	memcpy(p, &vip->ip, alen);
	p += alen;
	p = put16(p, client->port);
	p = put16(p, vip->port);
	return (int)(p - out);
}

/*
 * proxy_proto.h - the PROXY protocol header (v1 text, v2 binary) that the
 * userspace core can send first on each connection to a real server, so
 * the server sees the client's address through a full-NAT proxy. Pure.
 */
#ifndef LVSD_PROXY_PROTO_H
#define LVSD_PROXY_PROTO_H

#include <stddef.h>

#include "addr.h"

/* The largest header either version produces (v1 IPv6 is 104 bytes). */
#define PROXY_HEADER_MAX 108

/*
 * Write the header for a TCP connection from `client` to `vip`
 * (`vip`: the address the client connected to) into out. Returns its length, or
 * -1 when the addresses are of different families or out is too small.
 */
int proxy_v1_header(const struct lvs_addr *client, const struct lvs_addr *vip,
		    char *out, size_t outlen);
int proxy_v2_header(const struct lvs_addr *client, const struct lvs_addr *vip,
		    unsigned char *out, size_t outlen);

#endif

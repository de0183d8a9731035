/*
 * addr.h - IP addresses, IP:PORT endpoints and prefixes as the
 * configuration writes them: "10.0.0.1:80", "[2001:db8::1]:80",
 * "10.0.0.100/24". Pure functions; errors are written into a caller's
 * buffer so the config loader can attach them to a line and column.
 */
#ifndef LVSD_ADDR_H
#define LVSD_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lvs_addr {
	int af;			/* AF_INET or AF_INET6 */
	uint16_t port;		/* host order; 0 when none was given */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} ip;
};

struct lvs_prefix {
	struct lvs_addr addr;	/* port unused */
	uint8_t len;		/* prefix length */
};

/* Longest text addr_format() produces: "[v6]:65535" plus NUL. */
#define ADDR_STRLEN (INET6_ADDRSTRLEN + 8)

enum addr_port_rule {
	ADDR_PORT_REQUIRED,	/* "IP:PORT", port 1..65535 */
	ADDR_PORT_OPTIONAL,	/* "IP" or "IP:PORT" */
	ADDR_PORT_NONE,		/* "IP" only */
};

/* Parse per `rule`. 0, or -1 with a message in err. */
int addr_parse(const char *s, enum addr_port_rule rule, struct lvs_addr *out,
	       char *err, size_t errlen);

/* Parse "IP/LEN"; a bare IP gets the full length (32 or 128). */
int addr_parse_prefix(const char *s, struct lvs_prefix *out, char *err,
		      size_t errlen);

/* Parse a dotted IPv4 netmask that must be contiguous ones; *len its length. */
int addr_parse_netmask4(const char *s, uint8_t *len, char *err, size_t errlen);

/* "1.2.3.4:80", "[::1]:80", or the bare IP when port is 0. */
const char *addr_format(const struct lvs_addr *a, char *buf, size_t len);
/* The IP only, never a port or brackets. */
const char *addr_format_ip(const struct lvs_addr *a, char *buf, size_t len);

struct sockaddr_storage;

/* To and from the socket API's form. addr_to_sockaddr returns the length. */
unsigned addr_to_sockaddr(const struct lvs_addr *a, struct sockaddr_storage *ss);
void addr_from_sockaddr(const struct sockaddr_storage *ss, struct lvs_addr *a);

bool addr_ip_equal(const struct lvs_addr *a, const struct lvs_addr *b);
/* Same family, IP and port. */
bool addr_equal(const struct lvs_addr *a, const struct lvs_addr *b);
/* A total order consistent with addr_equal (family, port, IP), for sorting. */
int addr_cmp(const struct lvs_addr *a, const struct lvs_addr *b);

#endif

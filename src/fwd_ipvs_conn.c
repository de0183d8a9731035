/*
 * fwd_ipvs_conn.c - reading one line of /proc/net/ip_vs_conn, the
 * kernel's list of IPVS connections and persistence templates (IPVS has
 * no netlink dump of them; ipvsadm -Lnc reads this file too).
 *
 * The kernel writes, per entry: protocol name, client address and port,
 * virtual address and port, destination address and port, state name,
 * seconds left, and for a persistence engine its name and data. IPv4
 * addresses are 8 hex digits, IPv6 ones the full colon form; ports are 4
 * hex digits. Anything else is refused with a reason, not guessed at.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwd_ipvs_msg.h"

#define CONN_FIELDS 9

static const struct {
	const char *name;
	enum fwd_conn_state state;
} conn_states[] = {
	{ "NONE", FWD_CONN_NONE }, { "ESTABLISHED", FWD_CONN_ESTABLISHED },
	{ "SYN_SENT", FWD_CONN_SYN_SENT }, { "SYN_RECV", FWD_CONN_SYN_RECV },
	{ "FIN_WAIT", FWD_CONN_FIN_WAIT }, { "TIME_WAIT", FWD_CONN_TIME_WAIT },
	{ "CLOSE", FWD_CONN_CLOSE }, { "CLOSE_WAIT", FWD_CONN_CLOSE_WAIT },
	{ "LAST_ACK", FWD_CONN_LAST_ACK }, { "LISTEN", FWD_CONN_LISTEN },
	{ "SYNACK", FWD_CONN_SYNACK }, { "UDP", FWD_CONN_UDP },
};

/* A hex number of exactly `digits` digits (0: any length up to 8). */
static int hex(const char *s, unsigned digits, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || (digits && strlen(s) != digits) || strlen(s) > 8 || strchr(s, '-') ||
	    strchr(s, '+') || strchr(s, ' '))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 16);
	if (errno || *end)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int endpoint(const char *ip, const char *port, struct lvs_addr *a)
{
	uint32_t v, p;

	memset(a, 0, sizeof(*a));
	if (hex(port, 4, &p) < 0)
		return -1;
	a->port = (uint16_t)p;
	if (strchr(ip, ':')) {
		a->af = AF_INET6;
		return inet_pton(AF_INET6, ip, &a->ip.v6) == 1 ? 0 : -1;
	}
	if (hex(ip, 8, &v) < 0)
		return -1;
	a->af = AF_INET;
	a->ip.v4.s_addr = htonl(v);
	return 0;
}

static int state_of(const char *name, enum fwd_conn_state *out)
{
	for (size_t i = 0; i < sizeof(conn_states) / sizeof(conn_states[0]); i++)
		if (strcmp(name, conn_states[i].name) == 0) {
			*out = conn_states[i].state;
			return 0;
		}
	return -1;
}

/* Split a copy of line into at most n whitespace-separated fields. */
static size_t split(char *buf, char **f, size_t n)
{
	size_t k = 0;

	for (char *save = NULL, *t = strtok_r(buf, " \t\n", &save); t && k < n;
	     t = strtok_r(NULL, " \t\n", &save))
		f[k++] = t;
	return k;
}

static int fill(char **f, struct fwd_conn_info *c, char *err, size_t errlen)
{
	bool ip = strcmp(f[0], "IP") == 0;
	uint32_t secs;
	char *end;

	if (endpoint(f[1], f[2], &c->client) < 0 || endpoint(f[3], f[4], &c->virt) < 0 ||
	    endpoint(f[5], f[6], &c->dest) < 0) {
		snprintf(err, errlen, "an address or port that is not the kernel's hex form");
		return -1;
	}
	if (state_of(f[7], &c->state) < 0) {
		snprintf(err, errlen, "unknown connection state '%.20s'", f[7]);
		return -1;
	}
	errno = 0;
	secs = (uint32_t)strtoul(f[8], &end, 10);
	if (errno || *end || f[8][0] == '-') {
		snprintf(err, errlen, "expiry '%.20s' is not a number of seconds", f[8]);
		return -1;
	}
	c->expires_ms = (uint64_t)secs * 1000;
	c->protocol = strcmp(f[0], "UDP") == 0 ? CFG_PROTO_UDP : CFG_PROTO_TCP;
	/* a fwmark service's template carries its mark where the VIP would be */
	if (ip) {
		uint32_t be;

		memcpy(&be, &c->virt.ip, 4);
		c->is_template = true;
		c->fwmark = ntohl(be);
	} else {
		c->is_template = c->client.port == 0 && c->protocol == CFG_PROTO_TCP;
	}
	return 0;
}

int ipvs_conn_parse_line(const char *line, struct fwd_conn_info *c, char *err, size_t errlen)
{
	char buf[512], *f[CONN_FIELDS];
	size_t n;

	memset(c, 0, sizeof(*c));
	if (strlen(line) >= sizeof(buf)) {
		snprintf(err, errlen, "a line of %zu bytes", strlen(line));
		return -1;
	}
	memcpy(buf, line, strlen(line) + 1);
	n = split(buf, f, CONN_FIELDS);
	if (n == 0 || strcmp(f[0], "Pro") == 0)
		return 0;
	if (strcmp(f[0], "TCP") != 0 && strcmp(f[0], "UDP") != 0 && strcmp(f[0], "IP") != 0)
		return 0;
	if (n < CONN_FIELDS) {
		snprintf(err, errlen, "%zu fields; the kernel writes at least %d", n, CONN_FIELDS);
		return -1;
	}
	return fill(f, c, err, errlen) < 0 ? -1 : 1;
}

int ipvs_conn_read(const char *path, fwd_conn_cb cb, void *arg, struct logger *log,
		   char *err, size_t errlen)
{
	FILE *in = fopen(path, "re");
	char line[512], why[128];
	struct fwd_conn_info ci;
	unsigned lineno = 0, bad = 0;
	int rc = 0;

	if (!in) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), in)) {
		int n = ipvs_conn_parse_line(line, &ci, why, sizeof(why));

		lineno++;
		if (n < 0 && bad++ == 0)
			log_warning(log, "%s:%u: skipped: %s", path, lineno, why);
		if (n > 0)
			rc = cb(&ci, arg);
	}
	fclose(in);
	return rc;
}

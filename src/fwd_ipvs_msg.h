/*
 * fwd_ipvs_msg.h - the IPVS generic netlink messages, built and parsed
 * without a socket.
 *
 * The kernel's IPVS family speaks in nested attributes (<linux/ip_vs.h>):
 * a service, a destination or a sync daemon is one nest inside the
 * command's message; counters are a nest inside those. These functions
 * put our table's values (fwd.h) into such nests and read the kernel's
 * replies back into them, and read /proc/net/ip_vs_conn, the only place
 * the kernel lists its connections. fwd_ipvs.c owns the socket and the
 * conversation; everything here is testable alone (tests/unit/test_fwd_ipvs_msg.c).
 */
#ifndef LVSD_FWD_IPVS_MSG_H
#define LVSD_FWD_IPVS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fwd.h"
#include "log.h"

struct nl_msg;
struct nlattr;

/* The kernel's global connection timeouts, in seconds (0: leave as it is). */
struct ipvs_timeouts {
	uint32_t tcp, tcpfin, udp;
};

/* "none", "master", "backup": by enum fwd_sync_state. */
extern const char *const ipvs_sync_state_names[];

/* ---- requests: append one command's attributes (the genl header is the caller's) ---- */

/*
 * The service nest. full: everything the kernel needs to add or edit it
 * (scheduler, flags, persistence); else only its key (for a delete, or
 * to name the service of a destination). 0, or -1 when the message is full.
 */
int ipvs_msg_put_service(struct nl_msg *m, const struct fwd_service_conf *c, bool full);
int ipvs_msg_put_service_key(struct nl_msg *m, const struct fwd_service_key *k);
/* The destination nest; full adds forwarding method, weight and thresholds. */
int ipvs_msg_put_dest(struct nl_msg *m, const struct fwd_dest_conf *d, bool full);
int ipvs_msg_put_daemon(struct nl_msg *m, const struct fwd_sync_conf *d);
int ipvs_msg_put_timeouts(struct nl_msg *m, const struct ipvs_timeouts *t);

/* The kernel's value for a forwarding method, and back (-1: not one of ours). */
uint32_t ipvs_fwd_method(enum cfg_fwd_method m);
int ipvs_fwd_method_from(uint32_t kernel, enum cfg_fwd_method *out);

/* ---- replies: the message's top-level attributes, then each nest ---- */

/* The attributes of one reply (tb has IPVS_CMD_ATTR_MAX + 1 slots). 0 or -1. */
int ipvs_msg_attrs(struct nl_msg *m, struct nlattr **tb);
/* And of an IPVS_CMD_GET_INFO reply (IPVS_INFO_ATTR_MAX + 1 slots). */
int ipvs_msg_info_attrs(struct nl_msg *m, struct nlattr **tb);

/*
 * A service nest into out->conf, counters and rates (dests left empty).
 * The 64-bit counters when the kernel sends them, else the 32-bit ones.
 * 0, or -1 with err naming what is wrong with the reply.
 */
int ipvs_msg_parse_service(struct nlattr *nest, struct fwd_service_info *out,
			   char *err, size_t errlen);
/* A destination nest of a service of family svc_af. 0 or -1 with err. */
int ipvs_msg_parse_dest(struct nlattr *nest, int svc_af, struct fwd_dest_info *out,
			char *err, size_t errlen);
int ipvs_msg_parse_daemon(struct nlattr *nest, struct fwd_sync_conf *out, char *err,
			  size_t errlen);
/* The timeouts of an IPVS_CMD_GET_CONFIG reply's attributes. */
void ipvs_msg_parse_timeouts(struct nlattr **tb, struct ipvs_timeouts *out);

/* ---- /proc/net/ip_vs_conn -------------------------------------------------- */

/*
 * One line of /proc/net/ip_vs_conn into c: 1 for an entry, 0 for a line
 * to skip (the header, another protocol than TCP, UDP or IP), -1 for a
 * line that is not what the kernel writes (err says why). A row of
 * protocol IP is a firewall-mark service's persistence template (the
 * mark is its virtual address); a TCP row from client port 0 is a
 * template too. A UDP template keeps is_template false, so that its
 * state reads "UDP" as in ipvsadm -Lnc.
 */
int ipvs_conn_parse_line(const char *line, struct fwd_conn_info *c, char *err, size_t errlen);

/*
 * Every entry of the file at path (/proc/net/ip_vs_conn) to cb, in the
 * kernel's order, until cb returns non-zero (returned). A line that is
 * not what the kernel writes is skipped; the first such is logged. 0, or
 * -1 with err when the file cannot be read.
 */
int ipvs_conn_read(const char *path, fwd_conn_cb cb, void *arg, struct logger *log,
		   char *err, size_t errlen);

#endif

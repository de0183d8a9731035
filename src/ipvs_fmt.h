/*
 * ipvs_fmt.h - the forwarding table rendered the way ipvsadm prints it.
 *
 * A pure codec: it takes a table snapshot (fwd.h) or a list of
 * connections and writes text that is byte-for-byte what ipvsadm v1.31
 * (Debian bookworm's 1:1.31-1) prints for the same kernel table:
 *
 *   ipvs_fmt_list(PLAIN)        ipvsadm -Ln
 *   ipvs_fmt_list(STATS)        ipvsadm -Ln --stats       (IPVS_FMT_EXACT: --exact)
 *   ipvs_fmt_list(RATE)         ipvsadm -Ln --rate        (IPVS_FMT_EXACT: --exact)
 *   ipvs_fmt_list(THRESHOLDS)   ipvsadm -Ln --thresholds
 *   ipvs_fmt_list(PERSISTENT)   ipvsadm -Ln --persistent-conn
 *   ipvs_fmt_conns()            ipvsadm -Lnc
 *   ipvs_fmt_save()             ipvsadm -S -n
 *
 * plus a JSON rendering of the same data (lvsctl list --json). The
 * kernel's version line always says 1.2.1, the only IPVS version Linux
 * has had since 2.6; its size is fwd_table.conn_tab_size.
 *
 * One deliberate difference: ipvsadm 1.31's libipvs reads a real
 * server's 64-bit connection, packet and rate counters as 32-bit (its
 * byte counters are read whole), so past 2^32 it shows them wrapped;
 * these functions show the true values.
 *
 * Order: ipvsadm sorts services and real servers unless --nosort (by
 * fwmark, family, protocol, address, port; real servers by address and
 * port), so these functions sort the same way, with ipvsadm's own
 * comparison; IPVS_FMT_NOSORT keeps the table's order. Connections are
 * printed in the order given, as ipvsadm prints the kernel's.
 *
 * JSON layout (stable; keys are only ever added):
 *
 *   ipvs_fmt_list_json:
 *   {"version": "1.2.1", "conn_tab_size": 4096,
 *    "services": [{
 *      "address": "10.0.0.100:80" | "[2001:db8::1]:80" | null (fwmark),
 *      "fwmark": 0 | MARK, "family": "inet" | "inet6",
 *      "protocol": "tcp" | "udp" | null (fwmark),
 *      "scheduler": "wlc",
 *      "flags": ["persistent", "ops", "sh-fallback", "sh-port",
 *                "mh-fallback", "mh-port", "flag-1", "flag-2", "flag-3"],
 *               (those set, named as ipvsadm names them)
 *      "persistence": null | {"timeout": SECONDS, "prefix_len": N,
 *                             "netmask": "255.255.255.0" (inet only)},
 *      "stats": {"conns", "inpkts", "outpkts", "inbytes", "outbytes"},
 *      "rates": {"cps", "inpps", "outpps", "inbps", "outbps"},
 *      "dests": [{"address": "10.0.0.21:80", "forward": "nat" | "dr" | "tun",
 *                 "weight", "active_conns", "inactive_conns",
 *                 "persistent_conns", "u_threshold", "l_threshold",
 *                 "stats": {...}, "rates": {...}}]}]}
 *
 *   ipvs_fmt_conns_json:
 *   {"conns": [{"protocol": "tcp" | "udp" | "ip", "client": "IP:PORT",
 *               "virtual": "IP:PORT", "destination": "IP:PORT",
 *               "state": "ESTABLISHED" (the -Lnc column),
 *               "expires": SECONDS, "expires_ms": MS, "template": bool}]}
 *
 * Numbers are JSON integers; services and real servers come in the
 * order of the text listing (sorted unless IPVS_FMT_NOSORT).
 */
#ifndef LVSD_IPVS_FMT_H
#define LVSD_IPVS_FMT_H

#include <stddef.h>
#include <stdio.h>

#include "fwd.h"
#include "json.h"

/* What the table listing shows: ipvsadm -Ln and its column options. */
enum ipvs_fmt_view {
	IPVS_FMT_PLAIN,		/* Forward Weight ActiveConn InActConn */
	IPVS_FMT_STATS,		/* --stats: counters */
	IPVS_FMT_RATE,		/* --rate: rates */
	IPVS_FMT_THRESHOLDS,	/* --thresholds */
	IPVS_FMT_PERSISTENT,	/* --persistent-conn */
};

/* Option flags (or'ed). */
#define IPVS_FMT_EXACT	0x1	/* --exact: no K/M/G/T in --stats/--rate */
#define IPVS_FMT_NOSORT	0x2	/* --nosort: keep the table's order */

/*
 * The table as `ipvsadm -Ln` (and --stats/--rate/...) prints it, header
 * line included. Returns 0, or -1 if writing to `out` failed.
 */
int ipvs_fmt_list(const struct fwd_table *t, enum ipvs_fmt_view view,
		  unsigned flags, FILE *out);

/* The table as `ipvsadm -S -n` prints it: -A and -a lines. 0 or -1. */
int ipvs_fmt_save(const struct fwd_table *t, unsigned flags, FILE *out);

/*
 * Connections and persistence templates as `ipvsadm -Lnc` prints them,
 * in the order given. 0 or -1.
 */
int ipvs_fmt_conns(const struct fwd_conn_info *c, size_t n, FILE *out);

/* The JSON objects described above, written into j. */
void ipvs_fmt_list_json(const struct fwd_table *t, unsigned flags,
			struct json *j);
void ipvs_fmt_conns_json(const struct fwd_conn_info *c, size_t n,
			 struct json *j);

/* The -Lnc state column for one entry ("ESTABLISHED", "UDP", "NONE", ...). */
const char *ipvs_fmt_conn_state(const struct fwd_conn_info *c);

#endif

/*
 * ipvs_fmt_priv.h - what ipvs_fmt.c (ipvsadm's text) shares with
 * ipvs_fmt_json.c (its JSON twin): ipvsadm's names, the table walk in its
 * sort order, and the service and connection facts both print. Nothing
 * outside the two includes it.
 */
#ifndef LVSD_IPVS_FMT_PRIV_H
#define LVSD_IPVS_FMT_PRIV_H

#include <netinet/in.h>
#include <stdbool.h>

#include "ipvs_fmt.h"

/* What the kernel reports; every Linux since 2.6.10 says 1.2.1. */
#define IPVS_VERSION_TEXT	"1.2.1"

/* Longest "[v6]:port" plus NUL, as ipvsadm's 60-byte buffer allows. */
#define IPVS_FMT_EP_LEN		64

/* What a walk does at one service, given its real servers in order. */
typedef void (*ipvs_fmt_visit_fn)(const struct fwd_service_info *s,
				  const void *const *dests, void *arg);

/*
 * Visit every service with its real servers, both sorted as ipvsadm
 * sorts them unless nosort. 0, or -1 when out of memory.
 */
int ipvs_fmt_walk(const struct fwd_table *t, bool nosort,
		  ipvs_fmt_visit_fn visit, void *arg);

/* The JSON words: "nat"/"dr"/"tun", "tcp"/"udp", the scheduler's name. */
const char *ipvs_fmt_fwd_word(enum cfg_fwd_method m);
const char *ipvs_fmt_proto_word(enum cfg_proto p);
const char *ipvs_fmt_sched_name(enum cfg_sched s);

/* "10.0.0.1:80" or "[2001:db8::1]:80" into buf (IPVS_FMT_EP_LEN). */
const char *ipvs_fmt_addr(const struct lvs_addr *a, char *buf);

int ipvs_fmt_svc_af(const struct fwd_service_conf *c);
bool ipvs_fmt_svc_persistent(const struct fwd_service_conf *c);
unsigned ipvs_fmt_svc_timeout_s(const struct fwd_service_conf *c);
struct in_addr ipvs_fmt_mask4(unsigned plen);
/* The scheduler flags set, by ipvsadm's names; how many went into names[]. */
size_t ipvs_fmt_sched_flag_names(const struct fwd_service_conf *c, const char *names[3]);

/* A connection's protocol ("TCP", or "tcp" for JSON) and virtual column. */
const char *ipvs_fmt_conn_proto(const struct fwd_conn_info *c, bool json);
const char *ipvs_fmt_conn_virtual(const struct fwd_conn_info *c, char *buf);

#endif

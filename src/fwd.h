/*
 * fwd.h - the forwarding core interface that reconcile drives.
 *
 * A forwarding core holds a table of virtual services, each with its
 * destinations (real servers), and forwards new connections to a
 * destination its scheduler picks. Two cores implement it: the kernel's
 * IPVS over generic netlink (fwd_ipvs.c) and the embedded userspace core
 * (fwd_user*.c). Nobody above this interface knows which one runs.
 *
 * The table is addressed by keys, not by pointers, because the kernel
 * core's table lives in the kernel: every call names a service by its
 * fwd_service_key and a destination by its address. Calls return 0 or -1
 * with a reason in the caller's buffer.
 */
#ifndef LVSD_FWD_H
#define LVSD_FWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "cfg.h"

struct lvsd;

/* What identifies a service: protocol+address+port, or a firewall mark. */
struct fwd_service_key {
	enum cfg_proto protocol;
	struct lvs_addr addr;		/* af 0 for a fwmark service */
	uint32_t fwmark;		/* 0 for an address service */
	int fwmark_af;			/* AF_INET/AF_INET6 of a fwmark service */
};

/* IPVS service flags (as ip_vs.h numbers them, for the listings). */
#define FWD_SVC_PERSISTENT 0x0001
#define FWD_SVC_HASHED     0x0002
#define FWD_SVC_ONEPACKET  0x0004
#define FWD_SVC_SCHED1     0x0008	/* sh-fallback / mh-fallback */
#define FWD_SVC_SCHED2     0x0010	/* sh-port / mh-port */

struct fwd_service_conf {
	struct fwd_service_key key;
	const char *name;		/* for logs and status; may be NULL */
	enum cfg_sched scheduler;
	uint32_t flags;			/* FWD_SVC_* */
	cfg_ms persistence_timeout;	/* 0: no persistence */
	uint8_t persistence_plen;	/* netmask as a prefix length */
	enum cfg_proxy_proto proxy_protocol;
	cfg_ms timeout_tcp, timeout_tcpfin, timeout_udp;
	cfg_ms timeout_connect;		/* userspace core: connecting to a real server */
};

struct fwd_dest_conf {
	struct lvs_addr addr;		/* with port */
	uint32_t weight;		/* 0: quiesced, no new connections */
	enum cfg_fwd_method method;
	uint32_t u_threshold, l_threshold;
};

/* Counters as IPVS keeps them (struct ip_vs_stats_user). */
struct fwd_counters {
	uint64_t conns;			/* connections scheduled */
	uint64_t inpkts, outpkts;	/* client->server, server->client */
	uint64_t inbytes, outbytes;
};

/* Rates over a short moving average (IPVS's estimator: ~2 s). */
struct fwd_rates {
	uint64_t cps;
	uint64_t inpps, outpps;
	uint64_t inbps, outbps;		/* bytes per second, as ipvsadm shows */
};

struct fwd_dest_info {
	struct fwd_dest_conf conf;
	uint32_t activeconns, inactconns, persistconns;
	struct fwd_counters counters;
	struct fwd_rates rates;
};

struct fwd_service_info {
	struct fwd_service_conf conf;
	struct fwd_counters counters;
	struct fwd_rates rates;
	struct fwd_dest_info *dests;	/* in the core's list order */
	size_t n_dests;
};

/* A snapshot of the whole table; fwd_table_free() releases it. */
struct fwd_table {
	struct fwd_service_info *services;
	size_t n_services;
	uint32_t conn_tab_size;		/* "IP Virtual Server version ... (size=N)" */
	/*
	 * Not read from the core now but remembered (fwd_ops.table_known):
	 * counters and connection counts are as of the last read.
	 */
	bool stale;
};

void fwd_table_free(struct fwd_table *t);

/* One entry of the connection table (ipvsadm -Lnc). */
enum fwd_conn_state {
	FWD_CONN_NONE, FWD_CONN_ESTABLISHED, FWD_CONN_SYN_SENT, FWD_CONN_SYN_RECV,
	FWD_CONN_FIN_WAIT, FWD_CONN_TIME_WAIT, FWD_CONN_CLOSE, FWD_CONN_CLOSE_WAIT,
	FWD_CONN_LAST_ACK, FWD_CONN_LISTEN, FWD_CONN_SYNACK, FWD_CONN_UDP,
	FWD_CONN_TEMPLATE,	/* a persistence template */
};

struct fwd_conn_info {
	enum cfg_proto protocol;
	struct lvs_addr client, virt, dest;	/* ports included; template: client port 0 */
	enum fwd_conn_state state;
	uint64_t expires_ms;		/* time left before it expires */
	bool is_template;
	/*
	 * A template of a fwmark service: its mark, else 0. IPVS keys such
	 * a template by the mark, not the VIP: -Lnc shows protocol "IP" and
	 * the mark as the virtual address (0.0.0.MARK:0).
	 */
	uint32_t fwmark;
};

typedef int (*fwd_conn_cb)(const struct fwd_conn_info *c, void *arg);

/* A connection-synchronisation daemon (IPVS's): which role, on which interface. */
enum fwd_sync_state { FWD_SYNC_NONE, FWD_SYNC_MASTER, FWD_SYNC_BACKUP };

struct fwd_sync_conf {
	enum fwd_sync_state state;	/* NONE: no daemon at all */
	char ifname[16];		/* multicast interface */
	uint32_t syncid;
};

struct fwd;

struct fwd_table_read;
#define FWD_READ_STALE (-2)

struct fwd_ops {
	const char *name;		/* "userspace", "ipvs" */
	/*
	 * The table is the kernel's: it forwards DR, TUN and firewall-mark
	 * services but sends no PROXY header, others (ipvsadm) may change
	 * it, and lvsd touches only the services it owns.
	 */
	bool kernel;
	int (*service_add)(struct fwd *f, const struct fwd_service_conf *c,
			   char *err, size_t errlen);
	int (*service_edit)(struct fwd *f, const struct fwd_service_conf *c,
			    char *err, size_t errlen);
	int (*service_del)(struct fwd *f, const struct fwd_service_key *k,
			   char *err, size_t errlen);
	int (*dest_add)(struct fwd *f, const struct fwd_service_key *k,
			const struct fwd_dest_conf *d, char *err, size_t errlen);
	int (*dest_edit)(struct fwd *f, const struct fwd_service_key *k,
			 const struct fwd_dest_conf *d, char *err, size_t errlen);
	int (*dest_del)(struct fwd *f, const struct fwd_service_key *k,
			const struct lvs_addr *addr, char *err, size_t errlen);
	/* Read the whole table back, with counters and rates. */
	int (*table)(struct fwd *f, struct fwd_table *out, char *err, size_t errlen);
	/*
	 * The table as the core last knew it, without reading it back: for a
	 * core whose read-back is costly (the kernel's: a dump per service),
	 * its last read plus lvsd's edits since (out->stale set). It reads
	 * the table back when it cannot vouch for what it remembers. NULL:
	 * table() is cheap, use it.
	 */
	int (*table_known)(struct fwd *f, struct fwd_table *out, char *err, size_t errlen);
	/*
	 * table() in steps, for a pass that must not hold the loop (the
	 * kernel's read-back takes a second and more on a slow CPU): begin,
	 * then step until it returns 1 with the table in *out (0: call again;
	 * -1: failed, err says why; FWD_READ_STALE: lvsd edited the table
	 * meanwhile, so the read is not one state: try later). A step
	 * returns after about budget_ms. Steps that end the read free rd;
	 * abort frees it otherwise. NULL where table() is cheap.
	 */
	struct fwd_table_read *(*table_read_begin)(struct fwd *f, char *err, size_t errlen);
	int (*table_read_step)(struct fwd *f, struct fwd_table_read *rd, double budget_ms,
			       struct fwd_table *out, char *err, size_t errlen);
	void (*table_read_abort)(struct fwd *f, struct fwd_table_read *rd);
	/* Walk the connection table (and persistence templates); cb != 0 stops. */
	int (*conns)(struct fwd *f, fwd_conn_cb cb, void *arg, char *err, size_t errlen);
	/* global.max_conns changed; NULL for a core without such a limit. */
	void (*set_max_conns)(struct fwd *f, uint32_t max_conns);
	/*
	 * Make the sync daemons what want says (read back, changed only where
	 * they differ). 1 if something changed, 0 if not, -1 with err. NULL
	 * for a core without connection sync.
	 */
	int (*sync_set)(struct fwd *f, const struct fwd_sync_conf *want, char *err, size_t errlen);
	void (*free)(struct fwd *f);
};

/* A core instance: its ops and its private state. */
struct fwd {
	const struct fwd_ops *ops;
	void *priv;
};

struct event_base;
struct logger;

/*
 * The core cfg's global.forwarding_core asks for: `auto` takes the
 * kernel's IPVS where it exists and lets lvsd drive it (unless the
 * configuration asks for PROXY headers, which only the userspace core
 * sends), else the userspace core; the choice is logged. NULL with err
 * when the asked-for core cannot run here, or cannot do what cfg asks.
 */
struct fwd *fwd_new(const struct cfg *cfg, struct event_base *base,
		    struct logger *log, char *err, size_t errlen);

/*
 * Whether core f can do everything cfg asks (DR, TUN and firewall marks
 * need the kernel's; PROXY headers the userspace one). 0, or -1 with err
 * naming the first service that cannot run and where it is written.
 */
int fwd_check_cfg(const struct fwd *f, const struct cfg *cfg, char *err, size_t errlen);

bool fwd_service_key_equal(const struct fwd_service_key *a,
			   const struct fwd_service_key *b);
/* A total order consistent with fwd_service_key_equal, for sorting. */
int fwd_service_key_cmp(const struct fwd_service_key *a, const struct fwd_service_key *b);

#endif

/*
 * fwd_user.h - the embedded userspace forwarding core, internal view.
 *
 * The core is a full-NAT proxy on the daemon's event loop: a listener per
 * TCP service (bound with IP_FREEBIND so a backup director can hold it
 * before it owns the VIP), a socket per UDP service, and per client a
 * connection (TCP) or flow (UDP) to the real server its scheduler picked.
 * fwd_user.c keeps the table and the accounting IPVS keeps (active and
 * inactive connections, overload, persistence templates, counters and
 * rates); fwd_user_tcp.c and fwd_user_udp.c move the bytes.
 */
#ifndef LVSD_FWD_USER_H
#define LVSD_FWD_USER_H

#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdbool.h>
#include <sys/queue.h>

#include "fwd.h"
#include "hmap.h"
#include "log.h"
#include "sched.h"
#include "stats.h"

struct ucore;
struct uservice;
struct udest;

/* What the TCP and UDP halves share: a connection a dest can close. */
struct uconn {
	TAILQ_ENTRY(uconn) dest_entry;
	struct udest *dest;
	struct persist_tpl *tpl;	/* the template it came through, if any */
	bool active;			/* counted in activeconns, else inactconns */
	void (*close)(struct uconn *c, const char *why);
};

TAILQ_HEAD(uconn_list, uconn);

struct udest {
	struct sched_dest sd;		/* weight and counts the scheduler reads */
	struct hmap_node node;		/* in svc->dests */
	struct fwd_dest_conf conf;
	struct uservice *svc;
	struct fwd_counters counters;
	struct stats_est est;
	uint32_t persistconns;		/* templates pointing here */
	struct uconn_list conns;
};

/* A persistence template: a client network stuck to a destination. */
struct persist_tpl {
	struct hmap_node node;
	struct lvs_addr net;		/* client address under the netmask, port 0 */
	struct udest *dest;
	uint32_t nconns;		/* live connections it controls */
	uint64_t expires_ms;		/* when it dies once nconns is 0 */
};

struct uservice {
	TAILQ_ENTRY(uservice) entry;
	struct ucore *core;
	struct fwd_service_conf conf;
	char *name;
	struct sched *sched;
	int fd;				/* listener (TCP) or bound socket (UDP) */
	struct event ev;
	struct event pause;		/* TCP: accepting resumes after EMFILE */
	struct fwd_counters counters;
	struct stats_est est;
	struct hmap persist;		/* struct persist_tpl */
	struct hmap flows;		/* UDP: struct uflow by client address */
	struct hmap dests;		/* struct udest by address */
};

TAILQ_HEAD(uservice_list, uservice);
struct tconn;
TAILQ_HEAD(tconn_list, tconn);

struct ucore {
	struct event_base *base;
	struct logger *log;
	uint32_t max_conns;		/* global.max_conns */
	uint32_t n_conns;		/* TCP connections and UDP flows alive */
	uint64_t refused;		/* past max_conns */
	struct uservice_list services;
	struct event tick;		/* rates, template and flow expiry */
	uint64_t seed;
	/* TCP connections whose last read filled the buffer: read again after polling. */
	struct tconn_list more_to_read;
	uint32_t n_more_to_read;
	struct event more_ev;
};

/* fwd_user.c: accounting the transports call. */
uint64_t ucore_now_ms(void);
/* Pick a destination for a new client, honouring persistence; NULL: none. */
struct udest *uservice_schedule(struct uservice *s, const struct lvs_addr *client,
				struct persist_tpl **tpl);
/* Pick another destination after `failed` refused; NULL: none left. */
struct udest *uservice_reschedule(struct uservice *s, const struct lvs_addr *client,
				  struct udest **tried, size_t n_tried);
void uconn_attach(struct uconn *c, struct udest *d, struct persist_tpl *tpl);
void uconn_set_active(struct uconn *c, bool active);
void uconn_detach(struct uconn *c);
void udest_count(struct udest *d, uint64_t inpkts, uint64_t outpkts,
		 uint64_t inbytes, uint64_t outbytes);

/* fwd_user_sched.c: templates. Drop dead ones (only NULL) or all of `only`'s. */
void upersist_expire(struct uservice *s, uint64_t now_ms, const struct udest *only);
/* Report every template as a connection entry; cb != 0 stops. */
int upersist_walk(const struct uservice *s, fwd_conn_cb cb, void *arg, uint64_t now_ms);

/* fwd_user_listen.c */
/* A non-blocking socket bound to a (IP_FREEBIND). fd, or -1 with err. */
int usock_bind(const struct lvs_addr *a, int type, char *err, size_t errlen);
int utcp_listen(struct uservice *s, char *err, size_t errlen);

/* fwd_user_tcp.c */
void utcp_core_init(struct ucore *core);
void utcp_core_fini(struct ucore *core);
/* A client accepted on s: schedule it and connect to its real server. */
void utcp_conn_start(struct uservice *s, int fd, const struct sockaddr_storage *ss);
void utcp_conn_fill_info(const struct uconn *c, struct fwd_conn_info *out);
bool utcp_is_tcp(const struct uconn *c);

/* fwd_user_udp.c */
int uudp_bind(struct uservice *s, char *err, size_t errlen);
void uudp_expire(struct uservice *s, uint64_t now_ms);
void uudp_close_all(struct uservice *s);
void uudp_conn_fill_info(const struct uconn *c, struct fwd_conn_info *out);

/* The core's constructor (fwd.c picks it by name). */
struct fwd *fwd_user_new(struct event_base *base, struct logger *log,
			 uint32_t max_conns, char *err, size_t errlen);

#endif

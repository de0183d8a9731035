/*
 * vrrp_priv.h - what the two halves of the VRRP engine share: the engine
 * (vrrp.c: interfaces, sockets and their demultiplexing, link changes,
 * notify scripts, reloads, status) and the instance (vrrp_inst.c: one
 * virtual router driven through the state machine, its timers, VIPs,
 * gratuitous ARPs and tracking). Nothing outside vrrp/ includes it.
 */
#ifndef LVSD_VRRP_PRIV_H
#define LVSD_VRRP_PRIV_H

#include <event2/event.h>
#include <event2/event_struct.h>
#include <net/if.h>
#include <sys/queue.h>

#include "cfg.h"
#include "check.h"
#include "log.h"
#include "vrrp.h"
#include "vrrp_engine.h"
#include "vrrp_net.h"

struct vrrp_engine;

/* One interface some instance runs on: its facts and its socket. */
struct vrrp_iface {
	TAILQ_ENTRY(vrrp_iface) entry;
	struct vrrp_engine *e;
	char name[IF_NAMESIZE];
	struct vrrp_if_info info;
	int fd;				/* -1 until opened */
	bool multicast;			/* joined 224.0.0.18 */
	struct event rd;
	unsigned users;			/* instances on it */
};

struct vrrp_inst {
	TAILQ_ENTRY(vrrp_inst) entry;
	struct vrrp_engine *e;
	const struct cfg_vrrp *conf;	/* in the running model */
	struct vrrp_iface *ifc;
	struct vrrp_fsm fsm;
	struct event adver, master_down, garp;
	uint64_t adver_due_us;		/* when the advert timer is due (CLOCK_MONOTONIC) */
	uint32_t garp_sets_left;	/* delayed sets still to send after becoming master */
	bool vips_on;			/* we added the VIPs */
	bool *track_down;		/* per tracked interface */
	bool fault;			/* own_fault or group_fault: FAULT */
	bool own_fault;			/* its interface, a tracked one, or a script */
	bool seen;			/* vrrp_engine_sync's mark */
	struct vrrp_counters counters;
	uint32_t drops_logged;		/* bit per drop reason already warned about */
	struct vrrp_track_script *scripts;	/* vrrp_track.c */
	size_t n_scripts;
	size_t group;			/* index of its sync group + 1; 0: none */
	bool group_fault;		/* another member of its group is in FAULT */
};

TAILQ_HEAD(vrrp_inst_list, vrrp_inst);
TAILQ_HEAD(vrrp_iface_list, vrrp_iface);

/* A notify script waiting its turn: they run one at a time, in order. */
struct vrrp_notify {
	TAILQ_ENTRY(vrrp_notify) entry;
	char *cmd;
	char *args[4];			/* instance, state, priority, NULL */
	char what[96];
};

TAILQ_HEAD(vrrp_notify_list, vrrp_notify);

struct vrrp_engine {
	struct event_base *base;
	struct logger *log;
	const struct check_env *env;	/* script user for notify scripts */
	struct vrrp_inst_list insts;
	struct vrrp_iface_list ifaces;
	struct vrrp_vips *vips;
	int garp_fd;			/* gratuitous ARPs go out here; -1 until needed */
	struct vrrp_link_watch *links;
	struct event links_ev;
	struct vrrp_notify_list notifies;
	bool notify_running;
	bool stopping;
	bool syncing;			/* a sync group is being brought along */
	void (*on_change)(void *arg);	/* vrrp_engine_on_change */
	void *on_change_arg;
};

/* vrrp_notify.c: queue the notify script of in's new state, if it has one. */
void vrrp_engine_notify(struct vrrp_engine *e, const struct vrrp_inst *in, enum vrrp_state st);
void vrrp_notify_free(struct vrrp_notify *n);

/* vrrp.c, for the instances */
int vrrp_engine_send(struct vrrp_inst *in, uint8_t priority);
/* What in tracks changed: re-evaluate it, and its whole sync group. */
void vrrp_engine_reevaluate(struct vrrp_engine *e, struct vrrp_inst *in);
/* Tell the daemon (vrrp_engine_on_change) that some state changed. */
void vrrp_engine_changed(struct vrrp_engine *e);
/* in changed state: its sync group follows. */
void vrrp_engine_transition(struct vrrp_engine *e, struct vrrp_inst *in, enum vrrp_state to);

/* vrrp_inst.c */
struct vrrp_inst *vrrp_inst_new(struct vrrp_engine *e, const struct cfg_vrrp *conf,
				struct vrrp_iface *ifc);
void vrrp_inst_free(struct vrrp_inst *in);
void vrrp_inst_start(struct vrrp_inst *in);
void vrrp_inst_stop(struct vrrp_inst *in);
/* A valid advertisement for this instance arrived. */
void vrrp_inst_advert(struct vrrp_inst *in, const struct vrrp_advert *a, struct in_addr src);
/* An interface's link changed: re-evaluate fault and priority. */
void vrrp_inst_link(struct vrrp_inst *in, const char *ifname, bool up);
/* A kept instance gets its new configuration (VIPs, priority, preempt...). */
void vrrp_inst_reconf(struct vrrp_inst *in, const struct cfg_vrrp *conf);
uint8_t vrrp_inst_priority(const struct vrrp_inst *in);
int32_t vrrp_inst_offset(const struct vrrp_inst *in);
/* Fault and priority after any change of what it tracks. */
void vrrp_inst_reevaluate(struct vrrp_inst *in);
/* Feed one event to its machine and carry out what it asks (sync groups use it). */
void vrrp_inst_event(struct vrrp_inst *in, enum vrrp_event ev);

/* vrrp_track.c: track_scripts */
struct vrrp_track_script;
void vrrp_track_start(struct vrrp_inst *in);
void vrrp_track_stop(struct vrrp_inst *in);
void vrrp_track_reconf(struct vrrp_inst *in, const struct cfg_vrrp *now);
int32_t vrrp_track_weight(const struct vrrp_inst *in);
bool vrrp_track_fault(const struct vrrp_inst *in);

#endif

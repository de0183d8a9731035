/*
 * vrrp_engine.h - the VRRP instances of one daemon, as the daemon sees
 * them: start them from the model, follow reloads, stop them gracefully
 * (priority 0, VIPs released), and report their state.
 */
#ifndef LVSD_VRRP_ENGINE_H
#define LVSD_VRRP_ENGINE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrrp.h"

struct event_base;
struct logger;
struct check_env;
struct cfg;
struct vrrp_engine;

struct vrrp_counters {
	uint64_t adverts_sent, adverts_received;
	uint64_t became_master;
	uint64_t drops[VRRP_DROP_COUNT_];	/* [VRRP_DROP_VRID] unused: not ours */
	uint64_t unknown_peer;			/* unicast: a sender not in unicast_peers */
	uint64_t send_errors;
};

struct vrrp_status {
	const char *name;
	const char *interface;
	uint8_t vrid;
	enum vrrp_state state;
	uint8_t priority, effective_priority;
	struct in_addr master;			/* 0: unknown */
	size_t n_vips;
	bool vips_on;
	struct vrrp_counters counters;
};

/* An engine with no instance yet. NULL with err. */
struct vrrp_engine *vrrp_engine_new(struct event_base *base, struct logger *log,
				    const struct check_env *env, char *err, size_t errlen);

/*
 * Make the instances what cfg says: new ones start (BACKUP, or MASTER for
 * priority 255, or FAULT when their interface is down), removed ones stop
 * as on shutdown, kept ones (same name, interface, vrid, version and
 * interval) keep their state and take the new priority, preempt and VIPs
 * in place. An instance that cannot start (no such interface, no socket)
 * is logged and skipped; 0, or -1 with err when nothing could be set up.
 */
int vrrp_engine_sync(struct vrrp_engine *e, const struct cfg *cfg, char *err, size_t errlen);

/*
 * cb(arg) runs after an instance changes state (its sync group has
 * followed by then) or effective priority, for what follows VRRP outside
 * it: IPVS's connection sync daemon, the status file. One callback; NULL
 * removes it.
 */
void vrrp_engine_on_change(struct vrrp_engine *e, void (*cb)(void *arg), void *arg);

/* Stop every instance: masters send priority 0 and release their VIPs. */
void vrrp_engine_stop(struct vrrp_engine *e);
/* Notify scripts are still queued or running (the loop must run for them to end). */
bool vrrp_engine_busy(const struct vrrp_engine *e);
void vrrp_engine_free(struct vrrp_engine *e);

size_t vrrp_engine_count(const struct vrrp_engine *e);
/* The i-th instance's state, in configuration order. false past the end. */
bool vrrp_engine_status(const struct vrrp_engine *e, size_t i, struct vrrp_status *out);

#endif

/*
 * sched.h - schedulers: which real server gets a new connection.
 *
 * The userspace core keeps, per service, a list of destinations in the
 * order the kernel's IPVS would keep them, with their effective weights
 * and connection counts, and asks the service's scheduler to pick one.
 * Every scheduler has the kernel's semantics (net/netfilter/ipvs/
 * ip_vs_<name>.c): the same choice for the same state. Schedulers are
 * pure: no I/O, no clock of their own (time comes in the pick request),
 * randomness from a seedable generator, so they are unit-tested alone.
 *
 * The least-connection family (lc, wlc, sed, nq, and the fallback pick of
 * lblc/lblcr) keeps its destinations in an indexed heap so a pick reads
 * the top and a count change costs O(log n), not a scan: the core reports
 * every change of a destination's counts with sched_conn_changed().
 *
 * Two kinds of change, as IPVS has them:
 *  - an edit (ipvsadm -a/-e/-d: a destination added, edited or removed):
 *    sched_add_dest(), sched_dest_changed(), sched_del_dest(). IPVS then
 *    calls the scheduler's add_dest/upd_dest/del_dest, which resets wrr's
 *    position and rebuilds the hash tables (sh, dh, mh);
 *  - traffic (a connection bound to or unbound from a destination, or
 *    turned from active to inactive), which moves the counts and may set or
 *    clear the overload flag: sched_conn_changed(). IPVS tells no scheduler
 *    about it, so no scheduler's position or table moves because of it.
 */
#ifndef LVSD_SCHED_H
#define LVSD_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "cfg.h"

/* A destination as schedulers see it; the core owns and updates it. */
struct sched_dest {
	struct lvs_addr addr;		/* with port */
	uint32_t weight;		/* effective weight; 0: never picked */
	uint32_t activeconns, inactconns;
	bool overloaded;		/* IP_VS_DEST_F_OVERLOAD: over u_threshold */
	void *owner;			/* the core's object for this destination */

	/* Kept by sched.c and the schedulers; the core leaves them alone. */
	uint32_t last_weight;		/* latest non-zero weight (IPVS last_weight) */
	size_t index;			/* position in sched->dests */
	size_t heap_pos;		/* in the lc family's heap; SIZE_MAX: not in it */
	uint32_t sched_bits;		/* per-scheduler marks (lblc: lightly loaded) */
};

/* What a pick may look at: the packet's addresses and the time. */
struct sched_request {
	const struct lvs_addr *client;	/* source address and port */
	const struct lvs_addr *vaddr;	/* destination (the VIP) address and port */
	uint64_t now_ms;		/* monotonic, for lblc/lblcr expiry */
};

struct sched;

struct sched_ops {
	const char *name;
	size_t max_dests;	/* 0: no limit; mh: one per slot of its table */
	/* Rebuilt after each change (wrr: where its turn stands depends on every one, as in IPVS). */
	bool eager;
	/* Allocate private state. 0 or -1. */
	int (*init)(struct sched *s);
	void (*done)(struct sched *s);
	/* d is about to leave the list (still at d->index). May be NULL. */
	void (*del_dest)(struct sched *s, struct sched_dest *d);
	/*
	 * Destinations were added, edited or removed (IPVS add_dest,
	 * upd_dest, del_dest): rebuild, before the next pick. 0, or -1 when
	 * out of memory.
	 */
	int (*update)(struct sched *s);
	/* d's counts or overload flag changed through traffic. May be NULL. */
	void (*conn_changed)(struct sched *s, struct sched_dest *d);
	/* The chosen destination, or NULL when none can take the connection. */
	struct sched_dest *(*pick)(struct sched *s, const struct sched_request *r);
};

/* One scheduler instance, bound to one service. */
struct sched {
	const struct sched_ops *ops;
	struct sched_dest **dests;	/* the service's list, kernel order */
	size_t n_dests, cap;
	uint32_t flags;			/* FWD_SVC_SCHED1/2: sh/mh fallback, port */
	uint64_t rng;			/* splitmix64 state, for twos */
	bool stale;			/* edited since ops->update last ran */
	void *priv;
};

/* The ops of a scheduler by enum, and by name (NULL if unknown). */
const struct sched_ops *sched_ops_of(enum cfg_sched which);
const struct sched_ops *sched_ops_find(const char *name);

/* Create with no destinations; NULL when out of memory or unknown. */
struct sched *sched_new(enum cfg_sched which, uint32_t flags, uint64_t seed);
void sched_free(struct sched *s);

/*
 * Change the list. A new destination goes to the head of the list, as
 * IPVS puts it (list_add_rcu in __ip_vs_update_dest), so the list is in
 * reverse order of addition. The core fills addr, weight, counts,
 * overloaded and owner before adding, on a zeroed struct; moving
 * destinations to a new scheduler (add them from the tail of the old
 * list) keeps a drained one's last_weight, as IPVS does. sched_add_dest
 * returns 0, or -1 (and d is not added) when out of memory or when the
 * scheduler cannot take it (mh: more than 4093 destinations).
 *
 * sched_dest_changed follows an edit of d (weight, thresholds, and the
 * overload flag when the edit cleared it): IPVS's upd_dest.
 *
 * Unless the scheduler is eager (wrr), none of them runs its rebuild
 * (ops->update): the next pick does, once. Health may quiesce 10,000
 * real servers in one reconcile, and a start or a reload adds as many,
 * while a rebuild costs O(n) (the lc family) or a whole table (mh, sh,
 * dh): one per change made that O(n^2), seconds of a stalled loop. Their
 * rebuilds depend on the list alone, so the choices are those of a
 * rebuild per change.
 */
int sched_add_dest(struct sched *s, struct sched_dest *d);
void sched_del_dest(struct sched *s, struct sched_dest *d);
void sched_dest_changed(struct sched *s, struct sched_dest *d);
/* After traffic changed d->activeconns, d->inactconns or d->overloaded. */
void sched_conn_changed(struct sched *s, struct sched_dest *d);

/* Run the rebuild left by edits and removals, if any: 0, or -1 (out of memory). */
int sched_refresh(struct sched *s);
/* The chosen destination, or NULL: none can take it, or the rebuild failed (out of memory). */
struct sched_dest *sched_pick(struct sched *s, const struct sched_request *r);

/*
 * IPVS's overload flag (IP_VS_DEST_F_OVERLOAD) with its hysteresis. Each
 * returns the new value of d->overloaded; the caller stores it and then
 * reports the change with sched_conn_changed() or sched_dest_changed().
 *  - after a connection was bound to d (counts already raised):
 *    set when u_threshold != 0 and active + inactive >= u_threshold;
 *  - after one was unbound (counts already lowered): cleared below
 *    l_threshold, or below 3/4 of u_threshold when l_threshold is 0, or
 *    at once when there is no u_threshold either;
 *  - after an edit: cleared when the new u_threshold is 0 or above the old.
 */
bool sched_overload_after_bind(const struct sched_dest *d, uint32_t u_threshold);
bool sched_overload_after_unbind(const struct sched_dest *d,
				 uint32_t u_threshold, uint32_t l_threshold);
bool sched_overload_after_edit(bool overloaded, uint32_t old_u, uint32_t new_u);

#endif

/*
 * drain.h - real servers that a reload took out of the configuration,
 * drained before they go: reconcile keeps each one in the table at
 * weight 0 (no new connections) until its active and inactive
 * connections reach 0 or its service's drain_timeout passes, and only
 * then removes it. A real server put back into the file while it drains
 * is simply in service again, its connections untouched.
 *
 * The set is plain data with an injected clock, so reconcile's use of it
 * and drain_decide() are testable without a loop; the daemon re-runs
 * reconcile on a short timer while the set is not empty.
 */
#ifndef LVSD_DRAIN_H
#define LVSD_DRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwd.h"

struct drain_entry {
	struct fwd_service_key key;
	struct lvs_addr addr;
	uint64_t since_ms, deadline_ms;	/* on the set's clock */
	bool seen;			/* reconcile's mark for this pass */
};

struct drain {
	struct drain_entry *v;
	size_t n, cap;
	uint64_t (*now_ms)(void *arg);	/* a monotonic clock */
	void *clock_arg;
};

enum drain_verdict {
	DRAIN_WAIT,		/* connections left, time left: stay at weight 0 */
	DRAIN_DONE,		/* no connection left: remove */
	DRAIN_TIMED_OUT,	/* drain_timeout passed: remove with what is left */
};

/* now_ms NULL: CLOCK_MONOTONIC. */
void drain_init(struct drain *d, uint64_t (*now_ms)(void *arg), void *clock_arg);
void drain_free(struct drain *d);
uint64_t drain_now(const struct drain *d);

/* Whether a draining destination may go, given its connections now. */
enum drain_verdict drain_decide(const struct drain_entry *e, uint32_t activeconns,
				uint32_t inactconns, uint64_t now_ms);

struct drain_entry *drain_find(const struct drain *d, const struct fwd_service_key *key,
			       const struct lvs_addr *addr);
/*
 * The entry of a destination, started now with timeout_ms if it was not
 * draining yet (*started set). NULL when out of memory.
 */
struct drain_entry *drain_start(struct drain *d, const struct fwd_service_key *key,
				const struct lvs_addr *addr, uint64_t timeout_ms, bool *started);

/* A reconcile pass marks what it still drains; the rest is forgotten at the end. */
void drain_pass_begin(struct drain *d);
void drain_pass_end(struct drain *d);

static inline size_t drain_count(const struct drain *d) { return d ? d->n : 0; }

#endif

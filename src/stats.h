/*
 * stats.h - the rate estimator of the userspace core.
 *
 * IPVS estimates rates by sampling its counters every two seconds and
 * smoothing with a moving average that gives each new sample a quarter of
 * the weight; this does the same, as pure arithmetic on a caller's clock,
 * so `lvsctl list --rate` reads like `ipvsadm -Ln --rate`.
 */
#ifndef LVSD_STATS_H
#define LVSD_STATS_H

#include <stdint.h>

#include "fwd.h"

#define STATS_EST_INTERVAL_MS 2000

struct stats_est {
	struct fwd_counters last;	/* counters at the previous sample */
	uint64_t last_ms;		/* when it was taken; 0: never */
	/* Rates scaled by 2^10 per second, so the average keeps fractions. */
	uint64_t cps, inpps, outpps, inbps, outbps;
};

/* Take a sample of `now` counters at time now_ms (call every ~2 s). */
void stats_est_sample(struct stats_est *e, const struct fwd_counters *now,
		      uint64_t now_ms);
/* The smoothed rates, per second. */
void stats_est_rates(const struct stats_est *e, struct fwd_rates *out);

void fwd_counters_add(struct fwd_counters *to, const struct fwd_counters *d);

#endif

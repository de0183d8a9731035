/*
 * stats.c - exponentially weighted rates over two-second samples.
 */
#include "config.h"

#include "stats.h"

#define SCALE_SHIFT 10

/* One smoothing step: new = old + (sample - old) / 4, in scaled units. */
static uint64_t ewma(uint64_t old, uint64_t delta, uint64_t elapsed_ms)
{
	uint64_t sample = (delta << SCALE_SHIFT) * 1000 / elapsed_ms;

	if (sample >= old)
		return old + ((sample - old) >> 2);
	return old - ((old - sample) >> 2);
}

void stats_est_sample(struct stats_est *e, const struct fwd_counters *now,
		      uint64_t now_ms)
{
	uint64_t dt;

	if (e->last_ms == 0 || now_ms <= e->last_ms) {
		e->last = *now;
		e->last_ms = now_ms ? now_ms : 1;
		return;
	}
	dt = now_ms - e->last_ms;
	e->cps = ewma(e->cps, now->conns - e->last.conns, dt);
	e->inpps = ewma(e->inpps, now->inpkts - e->last.inpkts, dt);
	e->outpps = ewma(e->outpps, now->outpkts - e->last.outpkts, dt);
	e->inbps = ewma(e->inbps, now->inbytes - e->last.inbytes, dt);
	e->outbps = ewma(e->outbps, now->outbytes - e->last.outbytes, dt);
	e->last = *now;
	e->last_ms = now_ms;
}

void stats_est_rates(const struct stats_est *e, struct fwd_rates *out)
{
	/* Round to nearest, as a reader of a rounded average expects. */
	uint64_t half = 1u << (SCALE_SHIFT - 1);

	out->cps = (e->cps + half) >> SCALE_SHIFT;
	out->inpps = (e->inpps + half) >> SCALE_SHIFT;
	out->outpps = (e->outpps + half) >> SCALE_SHIFT;
	out->inbps = (e->inbps + half) >> SCALE_SHIFT;
	out->outbps = (e->outbps + half) >> SCALE_SHIFT;
}

void fwd_counters_add(struct fwd_counters *to, const struct fwd_counters *d)
{
	to->conns += d->conns;
	to->inpkts += d->inpkts;
	to->outpkts += d->outpkts;
	to->inbytes += d->inbytes;
	to->outbytes += d->outbytes;
}

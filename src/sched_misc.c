/*
 * sched_misc.c - the schedulers without state of their own: weighted
 * failover (fo), overflow (ovf) and weighted power of two choices (twos).
 *
 * fo (ip_vs_fo.c) sends everything to the usable destination of highest
 * weight; among equal weights the first in list order wins.
 *
 * ovf (ip_vs_ovf.c) does the same but passes over a destination whose
 * active connections exceed its weight, so traffic overflows to the next
 * highest weight: a destination takes new connections while
 * activeconns <= weight.
 *
 * twos (ip_vs_twos.c) draws two destinations at random, each with a
 * probability following its weight, and takes the one with the lower
 * overhead per weight (the first drawn on a tie). The two draws come from
 * the scheduler's seeded generator, so a test sees a fixed sequence.
 *
 * Each scans the list per pick, as the kernel does.
 */
#include "config.h"

#include "sched.h"
#include "sched_priv.h"

static int misc_init(struct sched *s)
{
	s->priv = NULL;
	return 0;
}

static void misc_done(struct sched *s)
{
}

static int misc_update(struct sched *s)
{
	return 0;
}

/* ---- fo ---------------------------------------------------------------- */

static struct sched_dest *fo_pick(struct sched *s, const struct sched_request *r)
{
	struct sched_dest *best = NULL;
	uint32_t hw = 0;

	for (size_t i = 0; i < s->n_dests; i++) {
		struct sched_dest *d = s->dests[i];

		if (!d->overloaded && d->weight > hw) {
			best = d;
			hw = d->weight;
		}
	}
	return best;
}

const struct sched_ops sched_fo_ops = {
	.name = "fo",
	.init = misc_init,
	.done = misc_done,
	.update = misc_update,
	.pick = fo_pick,
};

/* ---- ovf --------------------------------------------------------------- */

static struct sched_dest *ovf_pick(struct sched *s, const struct sched_request *r)
{
	struct sched_dest *best = NULL;

	for (size_t i = 0; i < s->n_dests; i++) {
		struct sched_dest *d = s->dests[i];

		if (d->overloaded || d->weight == 0 || d->activeconns > d->weight)
			continue;
		if (best == NULL || d->weight > best->weight)
			best = d;
	}
	return best;
}

const struct sched_ops sched_ovf_ops = {
	.name = "ovf",
	.init = misc_init,
	.done = misc_done,
	.update = misc_update,
	.pick = ovf_pick,
};

/* ---- twos -------------------------------------------------------------- */

/*
 * The first usable destination at which the running sum of weights reaches
 * `target`: the kernel subtracts weights from a random number in
 * [0, total] and stops at the first one that is no longer positive, so 0
 * lands on the first destination and the first one gets one extra value.
 */
static struct sched_dest *twos_draw(struct sched *s, uint64_t target)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < s->n_dests; i++) {
		struct sched_dest *d = s->dests[i];

		if (!sched_dest_usable(d))
			continue;
		sum += d->weight;
		if (sum >= target)
			return d;
	}
	return NULL;
}

static struct sched_dest *twos_pick(struct sched *s, const struct sched_request *r)
{
	struct sched_dest *c1, *c2;
	uint64_t total = 0, r1, r2;
	int cmp;

	for (size_t i = 0; i < s->n_dests; i++)
		if (sched_dest_usable(s->dests[i]))
			total += s->dests[i]->weight;
	if (total == 0)
		return NULL;
	/* Inclusive of total, as the kernel's "total_weight += 1". */
	r1 = sched_rand32(s) % (total + 1);
	r2 = sched_rand32(s) % (total + 1);
	c1 = twos_draw(s, r1);
	c2 = twos_draw(s, r2);
	/* Take the second only when strictly lighter per weight. */
	cmp = sched_ratio_cmp(sched_conn_overhead(c2), c2->weight,
			      sched_conn_overhead(c1), c1->weight);
	return cmp < 0 ? c2 : c1;
}

const struct sched_ops sched_twos_ops = {
	.name = "twos",
	.init = misc_init,
	.done = misc_done,
	.update = misc_update,
	.pick = twos_pick,
};

/*
 * test_sched_heap.c - the heap of lc, wlc, sed and nq stays consistent.
 *
 * Thousands of random operations with a fixed seed (count changes,
 * overload flips, weight edits including 0, additions at the head and
 * removals), small numbers so that ties are everywhere; after each one the
 * heap's pick must be exactly the pick of a brute-force scan written the
 * way the kernel writes it (first candidate, then replace only on
 * strictly less).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sched_test_util.h"

typedef unsigned __int128 u128;

static uint64_t overhead(const struct sched_dest *d)
{
	return ((uint64_t)d->activeconns << 8) + d->inactconns;
}

static uint64_t sed_overhead(const struct sched_dest *d)
{
	return (uint64_t)d->activeconns + 1;
}

/* ip_vs_lc_schedule */
static struct sched_dest *scan_lc(const struct sched *s)
{
	struct sched_dest *least = NULL;
	uint64_t loh = 0;

	for (size_t i = 0; i < s->n_dests; i++) {
		struct sched_dest *d = s->dests[i];

		if (d->overloaded || d->weight == 0)
			continue;
		if (least == NULL || overhead(d) < loh) {
			least = d;
			loh = overhead(d);
		}
	}
	return least;
}

/* ip_vs_wlc_schedule and ip_vs_sed_schedule: first usable, then strictly less. */
static struct sched_dest *scan_weighted(const struct sched *s,
					uint64_t (*oh)(const struct sched_dest *))
{
	struct sched_dest *least = NULL;
	size_t i = 0;

	for (; i < s->n_dests && least == NULL; i++)
		if (!s->dests[i]->overloaded && s->dests[i]->weight > 0)
			least = s->dests[i];
	for (; i < s->n_dests; i++) {
		struct sched_dest *d = s->dests[i];

		if (d->overloaded)
			continue;
		if ((u128)oh(least) * d->weight > (u128)oh(d) * least->weight)
			least = d;
	}
	return least;
}

/* ip_vs_nq_schedule */
static struct sched_dest *scan_nq(const struct sched *s)
{
	struct sched_dest *least = NULL;

	for (size_t i = 0; i < s->n_dests; i++) {
		struct sched_dest *d = s->dests[i];

		if (d->overloaded || d->weight == 0)
			continue;
		if (d->activeconns == 0)
			return d;
		if (least == NULL || (u128)sed_overhead(least) * d->weight >
				     (u128)sed_overhead(d) * least->weight)
			least = d;
	}
	return least;
}

static struct sched_dest *scan(enum cfg_sched which, const struct sched *s)
{
	switch (which) {
	case CFG_SCHED_LC: return scan_lc(s);
	case CFG_SCHED_WLC: return scan_weighted(s, overhead);
	case CFG_SCHED_SED: return scan_weighted(s, sed_overhead);
	default: return scan_nq(s);
	}
}

static bool in_list(const struct tsvc *t, const struct sched_dest *d)
{
	return d->index < t->s->n_dests && t->s->dests[d->index] == d;
}

static void random_counts(struct tsvc *t, struct sched_dest *d, uint64_t *rng)
{
	uint64_t r = t_rand(rng);

	if (r % 3 == 0 && d->activeconns > 0)
		d->activeconns--;
	else if (r % 3 == 1)
		d->activeconns++;
	if ((r >> 8) % 4 == 0)
		d->inactconns = (uint32_t)((r >> 16) % 600);
	if ((r >> 24) % 50 == 0)	/* active to inactive, as TCP closes */
		d->activeconns = 0;
	sched_conn_changed(t->s, d);
}

/* One random operation on a random destination. */
static void random_op(struct tsvc *t, uint64_t *rng)
{
	struct sched_dest *d = &t->d[t_rand(rng) % t->n];
	uint64_t op = t_rand(rng) % 100;

	if (!in_list(t, d)) {
		if (op < 30) {
			d->activeconns = (uint32_t)(t_rand(rng) % 4);
			assert_int_equal(sched_add_dest(t->s, d), 0);
		}
		return;
	}
	if (op < 70) {
		random_counts(t, d, rng);
	} else if (op < 82) {
		d->overloaded = !d->overloaded;
		sched_conn_changed(t->s, d);
	} else if (op < 95) {
		d->weight = (uint32_t)(t_rand(rng) % 6);
		sched_dest_changed(t->s, d);
	} else {
		sched_del_dest(t->s, d);
	}
}

static void run_random(enum cfg_sched which, uint64_t seed)
{
	uint32_t w[T_MAX_DESTS];
	uint64_t rng = seed;
	struct tsvc t;

	for (size_t i = 0; i < 48; i++)
		w[i] = (uint32_t)(i % 5) + 1;
	t_init(&t, which, 0, w, 48);
	for (size_t i = 0; i < 40; i++)	/* the last 8 start outside */
		assert_int_equal(sched_add_dest(t.s, &t.d[i]), 0);
	for (int step = 0; step < 30000; step++) {
		struct sched_dest *want, *got;

		random_op(&t, &rng);
		want = scan(which, t.s);
		got = sched_pick(t.s, &(struct sched_request){ 0 });
		if (got != want)
			fail_msg("step %d: heap picked %c, the kernel's scan %c",
				 step, t_letter(&t, got), t_letter(&t, want));
		/* Bind the pick now and then, as traffic does. */
		if (got != NULL && step % 3 == 0) {
			got->activeconns++;
			sched_conn_changed(t.s, got);
		}
	}
	t_free(&t);
}

static void test_lc_random(void **state) { (void)state; run_random(CFG_SCHED_LC, 1); }
static void test_wlc_random(void **state) { (void)state; run_random(CFG_SCHED_WLC, 2); }
static void test_sed_random(void **state) { (void)state; run_random(CFG_SCHED_SED, 3); }
static void test_nq_random(void **state) { (void)state; run_random(CFG_SCHED_NQ, 4); }

/* Huge counts and weights: the exact wide comparison, not a wrapped one. */
static void test_wlc_wide_values(void **state)
{
	static const uint32_t w[] = { 0xffffffffu, 0xfffffffeu };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_WLC, 0, w, 2);
	t_conns(&t, 'A', (int)0x7fffffff, 0);
	t_conns(&t, 'B', (int)0x7ffffffe, 0);
	/* (2^31-1)*256/(2^32-1) against (2^31-2)*256/(2^32-2): B is lighter. */
	assert_int_equal(t_letter(&t, t_pick(&t)), 'B');
	assert_ptr_equal(t_pick(&t), scan_weighted(t.s, overhead));
	t_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lc_random),
		cmocka_unit_test(test_wlc_random),
		cmocka_unit_test(test_sed_random),
		cmocka_unit_test(test_nq_random),
		cmocka_unit_test(test_wlc_wide_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

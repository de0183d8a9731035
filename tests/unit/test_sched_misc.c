/*
 * test_sched_misc.c - fo, ovf and twos as ip_vs_fo.c, ip_vs_ovf.c and
 * ip_vs_twos.c choose; the registry; the list order (a new destination
 * goes to the head, as list_add_rcu in __ip_vs_update_dest); and IPVS's
 * overload-flag rules from ip_vs_bind_dest/ip_vs_unbind_dest.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sched_test_util.h"

static char buf[256];

/* ---- registry and list ------------------------------------------------- */

static void test_registry(void **state)
{
	(void)state;
	for (int i = CFG_SCHED_RR; i <= CFG_SCHED_TWOS; i++) {
		const struct sched_ops *ops = sched_ops_of((enum cfg_sched)i);
		struct sched *s = sched_new((enum cfg_sched)i, 0, 1);

		assert_non_null(ops);
		assert_string_equal(ops->name, cfg_sched_names[i]);
		assert_ptr_equal(sched_ops_find(cfg_sched_names[i]), ops);
		assert_non_null(s);
		assert_null(sched_pick(s, &(struct sched_request){
			.client = &(struct lvs_addr){ .af = AF_INET },
			.vaddr = &(struct lvs_addr){ .af = AF_INET } }));
		sched_free(s);
	}
	assert_null(sched_ops_find("wrr2"));
	assert_null(sched_ops_of((enum cfg_sched)(CFG_SCHED_TWOS + 1)));
	assert_null(sched_new((enum cfg_sched)(CFG_SCHED_TWOS + 1), 0, 1));
}

/* wlc's ops with a count of its rebuilds. */
static struct sched_ops counting_ops;
static const struct sched_ops *real_ops;
static int rebuilds;

static int counting_update(struct sched *s)
{
	rebuilds++;
	return real_ops->update(s);
}

/*
 * Adds, edits and removals leave one rebuild for the next pick: when a
 * switch fails, health quiesces every real server of a service in one
 * reconcile, and a rebuild each (O(n) for wlc, a whole table for mh)
 * made that O(n^2).
 */
static void test_rebuild_once_per_burst(void **state)
{
	static const uint32_t w[] = { 1, 2, 3, 4 };
	struct tsvc t;

	(void)state;
	t_init(&t, CFG_SCHED_WLC, 0, w, 4);
	real_ops = t.s->ops;
	counting_ops = *real_ops;
	counting_ops.update = counting_update;
	t.s->ops = &counting_ops;
	t_add_all(&t);
	for (int i = 0; i < 100; i++)
		t_weight(&t, (char)('A' + i % 4), (uint32_t)(i % 7));
	sched_del_dest(t.s, t_d(&t, 'D'));
	t_conns(&t, 'A', 1, 0);		/* traffic while stale: the rebuild sees it */
	assert_int_equal(rebuilds, 0);
	/* Weights now A 5 (one active), B 6, C 0: B has the least per weight. */
	assert_int_equal(t_letter(&t, t_pick(&t)), 'B');
	assert_int_equal(rebuilds, 1);
	assert_int_equal(t_letter(&t, t_pick(&t)), 'B');
	assert_int_equal(rebuilds, 1);
	t.s->ops = real_ops;
	t_free(&t);
}

static void test_new_dests_at_head(void **state)
{
	static const uint32_t w[] = { 1, 1, 1 };
	struct tsvc t;

	(void)state;
	t_init(&t, CFG_SCHED_WLC, 0, w, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(sched_add_dest(t.s, &t.d[i]), 0);
	assert_string_equal(t_list(&t, buf, sizeof(buf)), "CBA");
	/* So with no connections anywhere, the newest server wins the tie. */
	assert_int_equal(t_letter(&t, t_pick(&t)), 'C');
	sched_del_dest(t.s, t_d(&t, 'B'));
	assert_string_equal(t_list(&t, buf, sizeof(buf)), "CA");
	sched_del_dest(t.s, t_d(&t, 'B'));	/* not in the list: ignored */
	assert_int_equal(t.s->n_dests, 2);
	assert_int_equal(sched_add_dest(t.s, t_d(&t, 'B')), 0);
	assert_string_equal(t_list(&t, buf, sizeof(buf)), "BCA");
	t_free(&t);
}

static void test_overload_rules(void **state)
{
	struct sched_dest d = { .activeconns = 6, .inactconns = 3 };

	(void)state;
	/* Bind: set at active + inactive >= u_threshold. */
	assert_false(sched_overload_after_bind(&d, 0));
	assert_false(sched_overload_after_bind(&d, 10));
	d.inactconns = 4;
	assert_true(sched_overload_after_bind(&d, 10));
	/* Unbind with l_threshold: cleared below it. */
	d.overloaded = true;
	d.activeconns = 1;	/* total 5 */
	assert_true(sched_overload_after_unbind(&d, 10, 5));
	d.inactconns = 3;	/* total 4 */
	assert_false(sched_overload_after_unbind(&d, 10, 5));
	/* Without: below 3/4 of u_threshold (total * 4 < u * 3). */
	d.activeconns = 3;	/* total 6: 24 < 24 is false */
	assert_true(sched_overload_after_unbind(&d, 8, 0));
	d.activeconns = 2;	/* total 5: 20 < 24 */
	assert_false(sched_overload_after_unbind(&d, 8, 0));
	/* No thresholds at all: cleared. */
	assert_false(sched_overload_after_unbind(&d, 0, 0));
	d.overloaded = false;
	assert_false(sched_overload_after_unbind(&d, 8, 0));
	/* An edit clears it when the new u_threshold is 0 or higher. */
	assert_false(sched_overload_after_edit(true, 10, 0));
	assert_false(sched_overload_after_edit(true, 10, 11));
	assert_true(sched_overload_after_edit(true, 10, 10));
	assert_true(sched_overload_after_edit(true, 10, 5));
	assert_false(sched_overload_after_edit(false, 10, 5));
}

/* ---- fo ---------------------------------------------------------------- */

static void test_fo(void **state)
{
	static const uint32_t w[] = { 1, 3, 3 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_FO, 0, w, 3);
	/* Highest weight, the first of equals; connections do not matter. */
	assert_string_equal(t_picks(&t, 3, true, buf), "BBB");
	t_overload(&t, 'B', true);
	assert_string_equal(t_picks(&t, 2, true, buf), "CC");
	t_weight(&t, 'C', 0);
	assert_string_equal(t_picks(&t, 1, true, buf), "A");
	t_overload(&t, 'A', true);
	assert_string_equal(t_picks(&t, 1, true, buf), "-");
	t_overload(&t, 'B', false);
	assert_string_equal(t_picks(&t, 1, true, buf), "B");
	t_free(&t);
}

/* ---- ovf --------------------------------------------------------------- */

static void test_ovf(void **state)
{
	static const uint32_t w[] = { 2, 1, 2 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_OVF, 0, w, 3);
	t_weight(&t, 'C', 0);
	/* A while its active <= 2, then B while <= 1, then nobody. */
	assert_string_equal(t_picks(&t, 6, true, buf), "AAABB-");
	/* Inactive connections do not count. */
	t_conns(&t, 'A', -3, 100);
	assert_string_equal(t_picks(&t, 1, true, buf), "A");
	t_weight(&t, 'C', 2);
	t_conns(&t, 'A', -1, 0);
	/* Equal weights: the first in the list. */
	assert_string_equal(t_picks(&t, 1, false, buf), "A");
	t_overload(&t, 'A', true);
	assert_string_equal(t_picks(&t, 1, false, buf), "C");
	t_free(&t);
}

/* ---- twos -------------------------------------------------------------- */

/*
 * With no connections the second draw never wins (it must be strictly
 * lighter), so a pick is one weighted draw from [0, total]: the first
 * destination owns the values 0..w1, one more than its weight.
 */
static void test_twos_draw(void **state)
{
	static const uint32_t w[] = { 1, 3, 0 };
	size_t count[3] = { 0 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_TWOS, 0, w, 3);
	for (int i = 0; i < 50000; i++)
		count[t_pick(&t) - t.d]++;
	assert_in_range(count[0], 19000, 21000);	/* 2 of 5 */
	assert_in_range(count[1], 29000, 31000);	/* 3 of 5 */
	assert_int_equal(count[2], 0);
	t_free(&t);
}

/* With traffic, the lighter of two draws balances load to the weights. */
static void test_twos_balance(void **state)
{
	static const uint32_t w[] = { 1, 3, 2, 2 };
	size_t count[4] = { 0 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_TWOS, 0, w, 4);
	t_overload(&t, 'D', true);
	for (int i = 0; i < 60000; i++) {
		struct sched_dest *d = t_pick(&t);

		count[d - t.d]++;
		d->activeconns++;
		sched_conn_changed(t.s, d);
	}
	assert_in_range(count[0], 9800, 10200);
	assert_in_range(count[1], 29600, 30400);
	assert_in_range(count[2], 19700, 20300);
	assert_int_equal(count[3], 0);
	t_free(&t);
}

static void test_twos_seeded(void **state)
{
	static const uint32_t w[] = { 1, 1, 1, 1, 1 };
	char a[65], b[65], c[65];
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_TWOS, 0, w, 5);
	t_picks(&t, 64, false, a);
	t_free(&t);
	t_setup(&t, CFG_SCHED_TWOS, 0, w, 5);
	t_picks(&t, 64, false, b);
	t.s->rng = 7;
	t_picks(&t, 64, false, c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	/* Nothing usable: none; one usable: always it. */
	for (char l = 'A'; l <= 'E'; l++)
		t_overload(&t, l, true);
	assert_string_equal(t_picks(&t, 2, false, a), "--");
	t_overload(&t, 'D', false);
	assert_string_equal(t_picks(&t, 4, true, a), "DDDD");
	t_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_new_dests_at_head),
		cmocka_unit_test(test_rebuild_once_per_burst),
		cmocka_unit_test(test_overload_rules),
		cmocka_unit_test(test_fo),
		cmocka_unit_test(test_ovf),
		cmocka_unit_test(test_twos_draw),
		cmocka_unit_test(test_twos_balance),
		cmocka_unit_test(test_twos_seeded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

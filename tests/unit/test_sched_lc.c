/*
 * test_sched_lc.c - lc, wlc, sed and nq choose what the kernel's scans in
 * ip_vs_lc.c, ip_vs_wlc.c, ip_vs_sed.c and ip_vs_nq.c choose: the formulas
 * (active*256 + inactive, over the weight for wlc; active+1 over the
 * weight for sed and nq), the tie-break (the first in list order keeps
 * it: the kernel only replaces on strictly less), nq's idle server first,
 * and weight 0 and overload never chosen. The sequences were worked out
 * by hand from those formulas; "bind" means each pick gains one active
 * connection, as a new connection does.
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

static void test_lc_ties_go_to_the_list_head(void **state)
{
	static const uint32_t w[] = { 1, 5, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_LC, 0, w, 3);
	/* Weight plays no part in lc: least conns, first on a tie. */
	assert_string_equal(t_picks(&t, 7, true, buf), "ABCABCA");
	t_free(&t);
}

static void test_lc_overhead(void **state)
{
	static const uint32_t w[] = { 1, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_LC, 0, w, 2);
	/* One active costs 256 inactive: 256 against 255. */
	t_conns(&t, 'A', 1, 0);
	t_conns(&t, 'B', 0, 255);
	assert_int_equal(t_letter(&t, t_pick(&t)), 'B');
	/* 256 against 256: A, first in the list. */
	t_conns(&t, 'B', 0, 1);
	assert_int_equal(t_letter(&t, t_pick(&t)), 'A');
	t_conns(&t, 'A', 0, 1);
	assert_int_equal(t_letter(&t, t_pick(&t)), 'B');
	t_free(&t);
}

static void test_lc_weight0_and_overload(void **state)
{
	static const uint32_t w[] = { 0, 1, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_LC, 0, w, 3);
	t_conns(&t, 'B', 5, 0);
	t_conns(&t, 'C', 9, 0);
	assert_int_equal(t_letter(&t, t_pick(&t)), 'B');
	t_overload(&t, 'B', true);
	assert_int_equal(t_letter(&t, t_pick(&t)), 'C');
	t_overload(&t, 'C', true);
	assert_null(t_pick(&t));
	t_weight(&t, 'A', 1);
	assert_int_equal(t_letter(&t, t_pick(&t)), 'A');
	t_free(&t);
}

/*
 * wlc with weights 1, 2, 3 from no connections: ratios 256/1, 128, 85.3,
 * 170.7, ... each step taking the least, the first of equals.
 */
static void test_wlc_sequence(void **state)
{
	static const uint32_t w[] = { 1, 2, 3 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_WLC, 0, w, 3);
	assert_string_equal(t_picks(&t, 13, true, buf), "ABCCBCABCCBCA");
	t_free(&t);
}

static void test_wlc_ties_and_inactive(void **state)
{
	static const uint32_t w[] = { 2, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_WLC, 0, w, 2);
	/* 512/2 against 256/1: equal, A first. */
	t_conns(&t, 'A', 2, 0);
	t_conns(&t, 'B', 1, 0);
	assert_int_equal(t_letter(&t, t_pick(&t)), 'A');
	/* One inactive more on A: 513/2 > 256/1. */
	t_conns(&t, 'A', 0, 1);
	assert_int_equal(t_letter(&t, t_pick(&t)), 'B');
	/* Two on B: 258/1 > 256.5: back to A. */
	t_conns(&t, 'B', 0, 2);
	assert_int_equal(t_letter(&t, t_pick(&t)), 'A');
	t_free(&t);
}

/* sed: (active + 1) / weight, inactive connections ignored. */
static void test_sed_sequence(void **state)
{
	static const uint32_t w[] = { 1, 2, 3 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_SED, 0, w, 3);
	assert_string_equal(t_picks(&t, 10, true, buf), "CBCABCCBCA");
	t_free(&t);
}

static void test_sed_ignores_inactive(void **state)
{
	static const uint32_t w[] = { 1, 3 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_SED, 0, w, 2);
	t_conns(&t, 'A', 0, 1000);
	t_conns(&t, 'B', 2, 0);
	/* 1/1 against 3/3: equal, A first, its 1000 inactive do not count. */
	assert_int_equal(t_letter(&t, t_pick(&t)), 'A');
	t_conns(&t, 'B', -1, 0);
	assert_int_equal(t_letter(&t, t_pick(&t)), 'B');
	t_free(&t);
}

/* nq: every server idle first (the first idle in list order), then sed. */
static void test_nq_sequence(void **state)
{
	static const uint32_t w[] = { 1, 2, 3 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_NQ, 0, w, 3);
	assert_string_equal(t_picks(&t, 10, true, buf), "ABCCBCCBCA");
	t_free(&t);
}

static void test_nq_idle_first(void **state)
{
	static const uint32_t w[] = { 100, 1, 1, 50 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_NQ, 0, w, 4);
	t_conns(&t, 'A', 1, 0);
	t_conns(&t, 'B', 0, 500);	/* inactive only: idle */
	/* sed would take A (2/100); an idle server wins, the first of them. */
	assert_int_equal(t_letter(&t, t_pick(&t)), 'B');
	t_overload(&t, 'B', true);
	assert_int_equal(t_letter(&t, t_pick(&t)), 'C');
	t_weight(&t, 'C', 0);
	assert_int_equal(t_letter(&t, t_pick(&t)), 'D');
	/* Nobody idle: (1+1)/100 against (1+1)/50: A. */
	t_conns(&t, 'D', 1, 0);
	assert_int_equal(t_letter(&t, t_pick(&t)), 'A');
	t_free(&t);
}

static void test_family_distribution(void **state)
{
	static const uint32_t w[] = { 1, 2, 3, 4 };
	static const enum cfg_sched family[] = { CFG_SCHED_WLC, CFG_SCHED_SED, CFG_SCHED_NQ };

	(void)state;
	for (size_t f = 0; f < 3; f++) {
		size_t count[4] = { 0 };
		struct tsvc t;

		t_setup(&t, family[f], 0, w, 4);
		for (int i = 0; i < 10000; i++) {
			struct sched_dest *d = t_pick(&t);

			count[d - t.d]++;
			d->activeconns++;
			sched_conn_changed(t.s, d);
		}
		/* Connections only pile up: shares follow the weights closely. */
		for (size_t i = 0; i < 4; i++)
			assert_in_range(count[i], 1000 * (i + 1) - 2, 1000 * (i + 1) + 2);
		t_free(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lc_ties_go_to_the_list_head),
		cmocka_unit_test(test_lc_overhead),
		cmocka_unit_test(test_lc_weight0_and_overload),
		cmocka_unit_test(test_wlc_sequence),
		cmocka_unit_test(test_wlc_ties_and_inactive),
		cmocka_unit_test(test_sed_sequence),
		cmocka_unit_test(test_sed_ignores_inactive),
		cmocka_unit_test(test_nq_sequence),
		cmocka_unit_test(test_nq_idle_first),
		cmocka_unit_test(test_family_distribution),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

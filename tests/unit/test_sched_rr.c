/*
 * test_sched_rr.c - rr and wrr pick exactly the sequences ip_vs_rr.c and
 * ip_vs_wrr.c pick. Each expected string was worked out by hand from the
 * kernel's code; the list is A, B, C... head first, built by adding the
 * last letter first (IPVS adds at the head), which matters for wrr: each
 * addition re-derives its current weight.
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

/* ---- rr ---------------------------------------------------------------- */

static void test_rr_cycles(void **state)
{
	static const uint32_t w[] = { 1, 1, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_RR, 0, w, 3);
	assert_string_equal(t_picks(&t, 7, false, buf), "ABCABCA");
	t_free(&t);
}

static void test_rr_quiesce_keeps_the_cursor(void **state)
{
	static const uint32_t w[] = { 1, 1, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_RR, 0, w, 3);
	assert_string_equal(t_picks(&t, 4, false, buf), "ABCA");
	/* B drained: skipped, the others go on from the cursor (A). */
	t_weight(&t, 'B', 0);
	assert_string_equal(t_picks(&t, 4, false, buf), "CACA");
	t_weight(&t, 'B', 1);
	assert_string_equal(t_picks(&t, 4, false, buf), "BCAB");
	t_free(&t);
}

static void test_rr_overload(void **state)
{
	static const uint32_t w[] = { 1, 1, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_RR, 0, w, 3);
	t_overload(&t, 'B', true);
	assert_string_equal(t_picks(&t, 4, false, buf), "ACAC");
	t_overload(&t, 'B', false);
	assert_string_equal(t_picks(&t, 4, false, buf), "ABCA");
	t_free(&t);
}

/* A new destination goes to the head: reached when the cursor wraps. */
static void test_rr_new_dest_at_head(void **state)
{
	static const uint32_t w[] = { 1, 1, 1, 1 };
	struct tsvc t;

	(void)state;
	t_init(&t, CFG_SCHED_RR, 0, w, 4);
	assert_int_equal(sched_add_dest(t.s, t_d(&t, 'C')), 0);
	assert_int_equal(sched_add_dest(t.s, t_d(&t, 'B')), 0);
	assert_int_equal(sched_add_dest(t.s, t_d(&t, 'A')), 0);
	assert_string_equal(t_picks(&t, 2, false, buf), "AB");
	assert_int_equal(sched_add_dest(t.s, t_d(&t, 'D')), 0);
	assert_string_equal(t_list(&t, buf, sizeof(buf)), "DABC");
	assert_string_equal(t_picks(&t, 6, false, buf), "CDABCD");
	t_free(&t);
}

/* ip_vs_rr_del_dest: the cursor steps back to the removed one's predecessor. */
static void test_rr_delete_under_cursor(void **state)
{
	static const uint32_t w[] = { 1, 1, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_RR, 0, w, 3);
	assert_string_equal(t_picks(&t, 2, false, buf), "AB");
	sched_del_dest(t.s, t_d(&t, 'B'));
	assert_string_equal(t_picks(&t, 4, false, buf), "CACA");
	sched_del_dest(t.s, t_d(&t, 'A'));	/* cursor at the head now */
	assert_string_equal(t_picks(&t, 2, false, buf), "CC");
	t_free(&t);
}

static void test_rr_none_usable(void **state)
{
	static const uint32_t w[] = { 0, 0 };
	struct tsvc t;

	(void)state;
	t_init(&t, CFG_SCHED_RR, 0, w, 2);
	assert_string_equal(t_picks(&t, 1, false, buf), "-");
	t_add_all(&t);
	assert_string_equal(t_picks(&t, 3, false, buf), "---");
	t_weight(&t, 'B', 1);
	assert_string_equal(t_picks(&t, 3, false, buf), "BBB");
	t_free(&t);
}

/* ---- wrr --------------------------------------------------------------- */

/*
 * Adding C(2), B(3), A(4) leaves cw = 1 (the first add sets it to mw = 1,
 * later adds keep it as di = 1), so one pass at weight >= 1 comes first,
 * then the cycle cw = 4, 3, 2, 1: A, AB, ABC, ABC.
 */
static void test_wrr_432(void **state)
{
	static const uint32_t w[] = { 4, 3, 2 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_WRR, 0, w, 3);
	assert_string_equal(t_picks(&t, 21, false, buf),
			    "ABC" "AABABCABC" "AABABCABC");
	t_free(&t);
}

/* gcd 2: di = 2, mw = 3; adding A(4) after B(2) moves cw 1 onto (1/2)*2+1. */
static void test_wrr_gcd(void **state)
{
	static const uint32_t w[] = { 4, 2 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_WRR, 0, w, 2);
	assert_string_equal(t_picks(&t, 11, false, buf), "AB" "AAB" "AAB" "AAB");
	t_free(&t);
}

/* An edit puts the position back to the head and keeps cw (here 2). */
static void test_wrr_edit_restarts_at_head(void **state)
{
	static const uint32_t w[] = { 4, 3, 2 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_WRR, 0, w, 3);
	assert_string_equal(t_picks(&t, 7, false, buf), "ABCAABA");
	t_weight(&t, 'C', 4);
	assert_string_equal(t_picks(&t, 19, false, buf),
			    "ABC" "ABC" "AC" "ABC" "ABC" "ABC" "AC");
	t_free(&t);
}

/*
 * B has weight 0 and is never taken. Overload is traffic, not an edit:
 * the position is kept, and with A and C overloaded the scan gives up
 * after its last pass at weight >= 1.
 */
static void test_wrr_weight0_and_overload(void **state)
{
	static const uint32_t w[] = { 2, 0, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_WRR, 0, w, 3);
	assert_string_equal(t_picks(&t, 9, false, buf), "AC" "AAC" "AAC" "A");
	t_overload(&t, 'A', true);
	assert_string_equal(t_picks(&t, 2, false, buf), "CC");
	t_overload(&t, 'C', true);
	assert_string_equal(t_picks(&t, 1, false, buf), "-");
	t_overload(&t, 'A', false);
	t_overload(&t, 'C', false);
	assert_string_equal(t_picks(&t, 3, false, buf), "AAC");
	t_free(&t);
}

static void test_wrr_all_zero(void **state)
{
	static const uint32_t w[] = { 0, 0 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_WRR, 0, w, 2);
	assert_string_equal(t_picks(&t, 2, false, buf), "--");
	t_weight(&t, 'A', 3);
	assert_string_equal(t_picks(&t, 2, false, buf), "AA");
	t_free(&t);
}

static void test_wrr_distribution(void **state)
{
	static const uint32_t w[] = { 5, 3, 1, 0 };
	size_t count[4] = { 0 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_WRR, 0, w, 4);
	for (int i = 0; i < 9000; i++)
		count[t_pick(&t) - t.d]++;
	/* Exact per cycle of 9; the first, partial cycle adds at most one each. */
	assert_in_range(count[0], 5000, 5001);
	assert_in_range(count[1], 3000, 3001);
	assert_in_range(count[2], 999, 1001);
	assert_int_equal(count[3], 0);
	t_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rr_cycles),
		cmocka_unit_test(test_rr_quiesce_keeps_the_cursor),
		cmocka_unit_test(test_rr_overload),
		cmocka_unit_test(test_rr_new_dest_at_head),
		cmocka_unit_test(test_rr_delete_under_cursor),
		cmocka_unit_test(test_rr_none_usable),
		cmocka_unit_test(test_wrr_432),
		cmocka_unit_test(test_wrr_gcd),
		cmocka_unit_test(test_wrr_edit_restarts_at_head),
		cmocka_unit_test(test_wrr_weight0_and_overload),
		cmocka_unit_test(test_wrr_all_zero),
		cmocka_unit_test(test_wrr_distribution),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

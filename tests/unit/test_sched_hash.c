/*
 * test_sched_hash.c - dh and sh map addresses as ip_vs_dh.c and
 * ip_vs_sh.c do. The bucket of an address is the low byte of
 * fold * 2654435761; since 2654435761 = 177 (mod 256), it is
 * (low byte of the address * 177) mod 256: .1 -> 177, .2 -> 98, .3 -> 19,
 * .4 -> 196. dh's table gives bucket i to the (i mod n)-th destination;
 * sh's tiles the list with `weight` buckets each. The expected
 * destinations below follow from that by hand.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fwd.h"
#include "sched_test_util.h"

static char dh_at(struct tsvc *t, const char *vaddr)
{
	return t_letter(t, t_pick_at(t, "192.0.2.9:1000", vaddr, 0));
}

static char sh_at(struct tsvc *t, const char *client)
{
	return t_letter(t, t_pick_at(t, client, "10.0.0.100:80", 0));
}

/* ---- dh ---------------------------------------------------------------- */

static void test_dh_buckets(void **state)
{
	static const uint32_t w[] = { 1, 7, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_DH, 0, w, 3);
	assert_int_equal(dh_at(&t, "10.1.0.1:80"), 'A');	/* 177 % 3 = 0 */
	assert_int_equal(dh_at(&t, "10.1.0.2:80"), 'C');	/* 98 % 3 = 2 */
	assert_int_equal(dh_at(&t, "10.1.0.3:80"), 'B');	/* 19 % 3 = 1 */
	assert_int_equal(dh_at(&t, "10.1.0.4:8080"), 'B');	/* 196 % 3 = 1 */
	/* 2001:db8::1 folds to 0x20010db9: 0xb9 * 177 -> 233; 233 % 3 = 2. */
	assert_int_equal(dh_at(&t, "[2001:db8::1]:80"), 'C');
	/* The client plays no part. */
	assert_int_equal(t_letter(&t, t_pick_at(&t, "198.51.100.7:9", "10.1.0.1", 0)), 'A');
	t_free(&t);
}

static void test_dh_unavailable_gives_none(void **state)
{
	static const uint32_t w[] = { 1, 1, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_DH, 0, w, 3);
	t_weight(&t, 'B', 0);
	assert_int_equal(dh_at(&t, "10.1.0.3"), '-');
	assert_int_equal(dh_at(&t, "10.1.0.1"), 'A');	/* table unchanged */
	t_weight(&t, 'B', 1);
	t_overload(&t, 'B', true);
	assert_int_equal(dh_at(&t, "10.1.0.3"), '-');
	t_overload(&t, 'B', false);
	assert_int_equal(dh_at(&t, "10.1.0.3"), 'B');
	/* Removing B re-deals the buckets over A, C: 177 is odd: C. */
	sched_del_dest(t.s, t_d(&t, 'B'));
	assert_int_equal(dh_at(&t, "10.1.0.1"), 'C');
	t_free(&t);
}

/* ---- sh ---------------------------------------------------------------- */

static void test_sh_weighted_tiling(void **state)
{
	static const uint32_t w[] = { 2, 1, 1 };
	struct tsvc t;

	(void)state;
	/* Buckets A A B C A A B C ...: bucket i -> "AABC"[i % 4]. */
	t_setup(&t, CFG_SCHED_SH, 0, w, 3);
	assert_int_equal(sh_at(&t, "192.0.2.1:5555"), 'A');	/* 177 */
	assert_int_equal(sh_at(&t, "192.0.2.2:5555"), 'B');	/* 98 */
	assert_int_equal(sh_at(&t, "192.0.2.3:5555"), 'C');	/* 19 */
	assert_int_equal(sh_at(&t, "192.0.2.4:5555"), 'A');	/* 196 */
	assert_int_equal(sh_at(&t, "[2001:db8::1]:80"), 'A');	/* 233 */
	/* The vaddr plays no part. */
	assert_int_equal(t_letter(&t, t_pick_at(&t, "192.0.2.2", "10.9.9.9:1", 0)), 'B');
	t_free(&t);
}

static void test_sh_port_flag(void **state)
{
	static const uint32_t w[] = { 2, 1, 1 };
	struct tsvc t, p;

	(void)state;
	t_setup(&t, CFG_SCHED_SH, 0, w, 3);
	t_setup(&p, CFG_SCHED_SH, FWD_SVC_SCHED2, w, 3);
	/* Without sh-port the source port is ignored. */
	assert_int_equal(sh_at(&t, "192.0.2.1:1"), 'A');
	assert_int_equal(sh_at(&t, "192.0.2.1:2"), 'A');
	/* With it: 0xc0000201 + 1 ends in 2 (bucket 98), + 2 in 3 (19). */
	assert_int_equal(sh_at(&p, "192.0.2.1:1"), 'B');
	assert_int_equal(sh_at(&p, "192.0.2.1:2"), 'C');
	t_free(&t);
	t_free(&p);
}

/* A weight-0 destination keeps one bucket per round, serving nobody. */
static void test_sh_weight0_and_fallback(void **state)
{
	static const uint32_t w[] = { 1, 0, 1 };
	struct tsvc t, f;

	(void)state;
	t_setup(&t, CFG_SCHED_SH, 0, w, 3);
	t_setup(&f, CFG_SCHED_SH, FWD_SVC_SCHED1, w, 3);
	/* Buckets "ABC"[i % 3]: 19 is B's. */
	assert_int_equal(sh_at(&t, "192.0.2.3"), '-');
	assert_int_equal(sh_at(&t, "192.0.2.1"), 'A');	/* 177 % 3 = 0 */
	/* sh-fallback retries at bucket 19 + 19 = 38 (C), then 39 (A)... */
	assert_int_equal(sh_at(&f, "192.0.2.3"), 'C');
	t_overload(&f, 'C', true);
	assert_int_equal(sh_at(&f, "192.0.2.3"), 'A');
	t_overload(&f, 'A', true);
	assert_int_equal(sh_at(&f, "192.0.2.3"), '-');
	t_free(&t);
	t_free(&f);
}

/* The retries start at twice the first bucket, not next to it. */
static void test_sh_fallback_walk(void **state)
{
	static const uint32_t w[] = { 1, 1, 1, 1 };
	struct tsvc f;

	(void)state;
	t_setup(&f, CFG_SCHED_SH, FWD_SVC_SCHED1, w, 4);
	assert_int_equal(sh_at(&f, "192.0.2.3"), 'D');	/* 19 % 4 = 3 */
	t_overload(&f, 'D', true);
	assert_int_equal(sh_at(&f, "192.0.2.3"), 'C');	/* 38 % 4 = 2 */
	t_overload(&f, 'C', true);
	assert_int_equal(sh_at(&f, "192.0.2.3"), 'A');	/* 39 % 4 = 3, 40 % 4 = 0 */
	t_free(&f);
}

static void test_sh_distribution(void **state)
{
	static const uint32_t w[] = { 3, 1 };
	size_t count[2] = { 0 }, rnd[2] = { 0 };
	uint64_t rng = 7;
	char text[32];
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_SH, 0, w, 2);
	/* 192 buckets against 64; b -> b * 177 mod 256 is a bijection. */
	for (int b = 0; b < 256; b++) {
		snprintf(text, sizeof(text), "198.51.100.%d", b);
		count[t_pick_at(&t, text, "10.0.0.100", 0) - t.d]++;
	}
	assert_int_equal(count[0], 192);
	assert_int_equal(count[1], 64);
	for (int i = 0; i < 100000; i++) {
		uint64_t r = t_rand(&rng);

		snprintf(text, sizeof(text), "10.%u.%u.%u", (unsigned)(r >> 8) & 255,
			 (unsigned)(r >> 16) & 255, (unsigned)(r >> 24) & 255);
		rnd[t_pick_at(&t, text, "10.0.0.100", 0) - t.d]++;
	}
	assert_in_range(rnd[0], 73000, 77000);
	t_free(&t);
}

/*
 * With sh-fallback, a destination that cannot take connections (here
 * overloaded, which does not re-tile) loses exactly its own keys; nobody
 * else's move. Removing a destination re-tiles: keys of others move too.
 */
static void test_sh_consistency(void **state)
{
	static const uint32_t w[] = { 1, 1, 1, 1 };
	static char before[100000];
	uint64_t rng = 99;
	size_t moved = 0, on_b = 0;
	char text[32];
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_SH, FWD_SVC_SCHED1, w, 4);
	for (int pass = 0; pass < 2; pass++) {
		rng = 99;
		if (pass == 1)
			t_overload(&t, 'B', true);
		for (int i = 0; i < 100000; i++) {
			uint64_t r = t_rand(&rng);
			char c;

			snprintf(text, sizeof(text), "172.16.%u.%u",
				 (unsigned)(r >> 8) & 255, (unsigned)(r >> 16) & 255);
			c = sh_at(&t, text);
			if (pass == 0) {
				before[i] = c;
				on_b += c == 'B';
			} else {
				assert_true(c != 'B' && c != '-');
				moved += c != before[i];
				if (before[i] != 'B')
					assert_int_equal(c, before[i]);
			}
		}
	}
	assert_int_equal(moved, on_b);
	assert_in_range(on_b, 20000, 30000);
	t_overload(&t, 'B', false);
	/* Re-tiling on removal: 177 was B's ("ABCD"[1]), now "ACD"[0] = A; */
	assert_int_equal(sh_at(&t, "192.0.2.1"), 'B');
	assert_int_equal(sh_at(&t, "192.0.2.2"), 'C');
	sched_del_dest(t.s, t_d(&t, 'B'));
	assert_int_equal(sh_at(&t, "192.0.2.1"), 'A');
	/* and 98 was C's, now D's although C stayed. */
	assert_int_equal(sh_at(&t, "192.0.2.2"), 'D');
	t_free(&t);
}

static void test_hash_empty(void **state)
{
	static const uint32_t w[] = { 1 };
	struct tsvc t;

	(void)state;
	t_init(&t, CFG_SCHED_SH, FWD_SVC_SCHED1, w, 1);
	assert_int_equal(sh_at(&t, "192.0.2.1"), '-');
	t_free(&t);
	t_init(&t, CFG_SCHED_DH, 0, w, 1);
	assert_int_equal(dh_at(&t, "10.1.0.1"), '-');
	t_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dh_buckets),
		cmocka_unit_test(test_dh_unavailable_gives_none),
		cmocka_unit_test(test_sh_weighted_tiling),
		cmocka_unit_test(test_sh_port_flag),
		cmocka_unit_test(test_sh_weight0_and_fallback),
		cmocka_unit_test(test_sh_fallback_walk),
		cmocka_unit_test(test_sh_distribution),
		cmocka_unit_test(test_sh_consistency),
		cmocka_unit_test(test_hash_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

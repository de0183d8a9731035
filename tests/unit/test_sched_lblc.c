/*
 * test_sched_lblc.c - lblc and lblcr remember servers per destination
 * address as ip_vs_lblc.c and ip_vs_lblcr.c do, with the kernel's
 * overload rule (more active connections than the weight while another
 * server is under half its weight), and forget them on the kernel's
 * schedule: the collection timer runs every minute from the first pick,
 * every 30th run drops entries unused for 24 hours, and an over-full
 * table (more than 16384 entries) loses entries idle for 6 minutes,
 * bucket by bucket from where the last sweep stopped. Time is fake.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "sched_test_util.h"

#define MIN 60000ull
#define HOUR (60 * MIN)
#define T0 1000ull

static char at(struct tsvc *t, const char *vaddr, uint64_t now)
{
	return t_letter(t, t_pick_at(t, "192.0.2.1:4000", vaddr, now));
}

/* ---- lblc -------------------------------------------------------------- */

static void test_lblc_sticks_until_overloaded(void **state)
{
	static const uint32_t w[] = { 1, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_LBLC, 0, w, 2);
	assert_int_equal(at(&t, "10.0.1.1", T0), 'A');	/* wlc: first of equals */
	t_conns(&t, 'A', 1, 0);
	/* Cached A: 1 active is not more than its weight. */
	assert_int_equal(at(&t, "10.0.1.1", T0 + 1), 'A');
	/* Another address has no entry: wlc says B. */
	assert_int_equal(at(&t, "10.0.1.2", T0 + 2), 'B');
	/* A: 2 active > weight 1, and B (0 active) is under half its weight. */
	t_conns(&t, 'A', 1, 0);
	assert_int_equal(at(&t, "10.0.1.1", T0 + 3), 'B');
	t_conns(&t, 'A', -2, 0);
	assert_int_equal(at(&t, "10.0.1.1", T0 + 4), 'B');	/* remembered */
	t_free(&t);
}

static void test_lblc_overloaded_needs_a_light_server(void **state)
{
	static const uint32_t w[] = { 1, 2 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_LBLC, 0, w, 2);
	assert_int_equal(at(&t, "10.0.1.1", T0), 'A');
	t_conns(&t, 'A', 3, 0);
	t_conns(&t, 'B', 1, 0);	/* 1 * 2 is not under 2: nobody light */
	assert_int_equal(at(&t, "10.0.1.1", T0), 'A');
	t_conns(&t, 'B', -1, 0);
	assert_int_equal(at(&t, "10.0.1.1", T0), 'B');
	t_free(&t);
}

/* As the kernel: the cache ignores u_threshold's flag, wlc honours it. */
static void test_lblc_flag_overload(void **state)
{
	static const uint32_t w[] = { 1, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_LBLC, 0, w, 2);
	assert_int_equal(at(&t, "10.0.1.1", T0), 'A');
	t_overload(&t, 'A', true);
	assert_int_equal(at(&t, "10.0.1.1", T0), 'A');
	assert_int_equal(at(&t, "10.0.1.2", T0), 'B');
	t_overload(&t, 'B', true);
	assert_int_equal(at(&t, "10.0.1.3", T0), '-');
	t_free(&t);
}

static void test_lblc_weight0_and_removal(void **state)
{
	static const uint32_t w[] = { 1, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_LBLC, 0, w, 2);
	assert_int_equal(at(&t, "10.0.1.1", T0), 'A');
	t_weight(&t, 'A', 0);
	assert_int_equal(at(&t, "10.0.1.1", T0), 'B');
	t_weight(&t, 'A', 1);
	t_conns(&t, 'A', 0, 0);
	assert_int_equal(at(&t, "10.0.1.1", T0), 'B');
	sched_del_dest(t.s, t_d(&t, 'B'));
	assert_int_equal(at(&t, "10.0.1.1", T0), 'A');
	t_free(&t);
}

/*
 * Entries made at T0; full checks at T0 + 30 min, + 60 min, ...; the one
 * at T0 + 24 h drops what was last used at T0, not what was used since.
 */
static void test_lblc_expiry(void **state)
{
	static const uint32_t w[] = { 1, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_LBLC, 0, w, 2);
	assert_int_equal(at(&t, "10.0.1.1", T0), 'A');
	assert_int_equal(at(&t, "10.0.1.2", T0), 'A');
	t_conns(&t, 'A', 1, 0);	/* wlc now prefers B; A is not overloaded */
	assert_int_equal(at(&t, "10.0.1.1", T0 + 24 * HOUR - 1), 'A');
	assert_int_equal(at(&t, "10.0.1.2", T0 + 24 * HOUR), 'B');	/* expired */
	assert_int_equal(at(&t, "10.0.1.1", T0 + 24 * HOUR), 'A');	/* used since */
	/* Last used at T0 + 24 h: dropped by the check at T0 + 48 h. */
	assert_int_equal(at(&t, "10.0.1.1", T0 + 48 * HOUR + 10 * MIN), 'B');
	t_free(&t);
}

/* hash_32(fold, 10), as lblc's table buckets an address. */
static unsigned bucket_of(uint32_t ip)
{
	return (uint32_t)(ip * 0x61C88647u) >> 22;
}

static void addr_text(uint32_t ip, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = htonl(ip) };

	inet_ntop(AF_INET, &a, buf, (socklen_t)len);
}

/*
 * 16400 entries: the runs at T0 + 1..5 min find nothing idle for 6
 * minutes; the one at + 6 min sweeps from bucket 1 until 4/3 of the 16
 * extra entries are gone, so bucket 1 goes and bucket 1023 stays.
 */
static void test_lblc_overfull_table(void **state)
{
	static const uint32_t w[] = { 1, 1 };
	uint32_t in1 = 0, in1023 = 0;
	char text[32];
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_LBLC, 0, w, 2);
	for (uint32_t i = 0; i < 16400; i++) {
		uint32_t ip = 0x0a400000u + i;

		addr_text(ip, text, sizeof(text));
		assert_int_equal(at(&t, text, T0), 'A');
		if (bucket_of(ip) == 1 && in1 == 0)
			in1 = ip;
		if (bucket_of(ip) == 1023 && in1023 == 0)
			in1023 = ip;
	}
	assert_true(in1 != 0 && in1023 != 0);
	t_conns(&t, 'A', 1, 0);
	addr_text(in1023, text, sizeof(text));
	assert_int_equal(at(&t, text, T0 + 5 * MIN), 'A');
	addr_text(in1, text, sizeof(text));
	assert_int_equal(at(&t, text, T0 + 5 * MIN + 1), 'A');
	/* Used at + 5 min, it is spared by the sweep at + 6 min. */
	assert_int_equal(at(&t, text, T0 + 11 * MIN), 'A');
	t_free(&t);

	/* Again, but this time the entries sit idle through the + 6 min run. */
	t_setup(&t, CFG_SCHED_LBLC, 0, w, 2);
	for (uint32_t i = 0; i < 16400; i++) {
		addr_text(0x0a400000u + i, text, sizeof(text));
		at(&t, text, T0);
	}
	t_conns(&t, 'A', 1, 0);
	addr_text(in1, text, sizeof(text));
	assert_int_equal(at(&t, text, T0 + 7 * MIN), 'B');
	addr_text(in1023, text, sizeof(text));
	assert_int_equal(at(&t, text, T0 + 7 * MIN), 'A');
	t_free(&t);
}

/* ---- lblcr ------------------------------------------------------------- */

static void test_lblcr_set_grows(void **state)
{
	static const uint32_t w[] = { 1, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_LBLCR, 0, w, 2);
	assert_int_equal(at(&t, "10.0.1.1", T0), 'A');	/* set {A} */
	t_conns(&t, 'A', 2, 0);	/* overloaded: B is light */
	assert_int_equal(at(&t, "10.0.1.1", T0 + 1), 'B');	/* set {B, A} */
	assert_int_equal(at(&t, "10.0.1.1", T0 + 2), 'B');	/* least of the set */
	/* Both busy, nobody light: the least loaded member, A. */
	t_conns(&t, 'B', 3, 0);
	assert_int_equal(at(&t, "10.0.1.1", T0 + 3), 'A');
	/* Over its u_threshold, A is passed over within the set. */
	t_overload(&t, 'A', true);
	assert_int_equal(at(&t, "10.0.1.1", T0 + 4), 'B');
	t_overload(&t, 'A', false);
	/* A removed: it leaves the set. */
	sched_del_dest(t.s, t_d(&t, 'A'));
	assert_int_equal(at(&t, "10.0.1.1", T0 + 5), 'B');
	t_free(&t);
}

/*
 * A set unchanged for 24 hours loses its most loaded member on the next
 * pick after that (strictly after lastmod + 24 h). Picks every 12 hours
 * keep the entry itself alive without changing the set.
 */
static void test_lblcr_set_shrinks(void **state)
{
	static const uint32_t w[] = { 1, 1 };
	const uint64_t t1 = T0 + 1;
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_LBLCR, 0, w, 2);
	assert_int_equal(at(&t, "10.0.1.1", T0), 'A');
	t_conns(&t, 'A', 2, 0);
	assert_int_equal(at(&t, "10.0.1.1", t1), 'B');	/* {B, A}, lastmod t1 */
	t_conns(&t, 'A', -1, 0);	/* A: 1 active, B: 0 */
	assert_int_equal(at(&t, "10.0.1.1", t1 + 12 * HOUR), 'B');
	assert_int_equal(at(&t, "10.0.1.1", t1 + 24 * HOUR), 'B');
	/* Not yet past 24 h: A is still a member, and now the lighter one. */
	t_conns(&t, 'A', -1, 0);
	t_conns(&t, 'B', 1, 0);
	assert_int_equal(at(&t, "10.0.1.1", t1 + 24 * HOUR), 'A');
	t_conns(&t, 'A', 1, 0);
	t_conns(&t, 'B', -1, 0);
	/* Past 24 h: A, the most loaded, leaves; B is still the answer. */
	assert_int_equal(at(&t, "10.0.1.1", t1 + 24 * HOUR + 1), 'B');
	/* Now A is idle and B has one: a set still holding A would give A. */
	t_conns(&t, 'A', -1, 0);
	t_conns(&t, 'B', 1, 0);
	assert_int_equal(at(&t, "10.0.1.1", t1 + 25 * HOUR), 'B');
	t_free(&t);
}

static void test_lblcr_expiry_and_none(void **state)
{
	static const uint32_t w[] = { 1, 1 };
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_LBLCR, 0, w, 2);
	assert_int_equal(at(&t, "10.0.1.1", T0), 'A');
	t_conns(&t, 'A', 1, 0);
	assert_int_equal(at(&t, "10.0.1.1", T0 + 23 * HOUR), 'A');
	/* Unused since T0 + 23 h: gone at the check of T0 + 47 h. */
	assert_int_equal(at(&t, "10.0.1.1", T0 + 47 * HOUR), 'B');
	t_overload(&t, 'A', true);
	t_overload(&t, 'B', true);
	assert_int_equal(at(&t, "10.0.1.2", T0 + 47 * HOUR), '-');
	t_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lblc_sticks_until_overloaded),
		cmocka_unit_test(test_lblc_overloaded_needs_a_light_server),
		cmocka_unit_test(test_lblc_flag_overload),
		cmocka_unit_test(test_lblc_weight0_and_removal),
		cmocka_unit_test(test_lblc_expiry),
		cmocka_unit_test(test_lblc_overfull_table),
		cmocka_unit_test(test_lblcr_set_grows),
		cmocka_unit_test(test_lblcr_set_shrinks),
		cmocka_unit_test(test_lblcr_expiry_and_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_sched_mh.c - mh builds and reads the Maglev table of ip_vs_mh.c.
 *
 * The hash is checked against the kernel's own hsiphash test vector
 * (lib/siphash_kunit.c, 64-bit, 4 bytes). Slot counts follow from the
 * populate loop by hand: per round each destination takes
 * (weight / gcd) >> shift slots, in list order, until all 4093 are
 * taken. The slots of particular clients were derived with an
 * independent transcription of ip_vs_mh.c (offset = h1 % 4093,
 * skip = h2 % 4092 + 1, keys 2654435761 and 2654446892).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fwd.h"
#include "sched_priv.h"
#include "sched_test_util.h"

#define M 4093

static char mh_at(struct tsvc *t, const char *client)
{
	return t_letter(t, t_pick_at(t, client, "10.0.0.100:80", 0));
}

static void slot_counts(struct tsvc *t, size_t *count)
{
	struct sched_dest *const *slots;

	assert_int_equal(sched_mh_table(t->s, &slots), M);
	memset(count, 0, t->n * sizeof(*count));
	for (size_t i = 0; i < M; i++) {
		assert_non_null(slots[i]);	/* every slot filled */
		count[slots[i] - t->d]++;
	}
}

static void test_mh_hsiphash_vector(void **state)
{
	static const uint64_t key[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };

	(void)state;
	/* Bytes 00 01 02 03, read as the little-endian word 0x03020100. */
	assert_int_equal(sched_mh_hsiphash(0x03020100u, key), 0x88d38328u);
}

static void test_mh_known_slots(void **state)
{
	static const uint32_t w[] = { 1, 1, 1 };
	size_t count[3];
	struct tsvc t, p;

	(void)state;
	t_setup(&t, CFG_SCHED_MH, 0, w, 3);
	slot_counts(&t, count);
	assert_int_equal(count[0], 1365);	/* 4093 = 3 * 1364 + 1 */
	assert_int_equal(count[1], 1364);
	assert_int_equal(count[2], 1364);
	assert_int_equal(mh_at(&t, "192.0.2.1"), 'C');	/* slot 2891 */
	assert_int_equal(mh_at(&t, "192.0.2.2:7"), 'B');	/* slot 746, port ignored */
	assert_int_equal(mh_at(&t, "192.0.2.3"), 'B');	/* slot 998 */
	assert_int_equal(mh_at(&t, "192.0.2.4"), 'C');	/* slot 3044 */
	assert_int_equal(mh_at(&t, "192.0.2.5"), 'B');	/* slot 3958 */
	/* mh-port: the source port joins the hashed word. */
	t_setup(&p, CFG_SCHED_MH, FWD_SVC_SCHED2, w, 3);
	assert_int_equal(mh_at(&p, "192.0.2.1:1234"), 'B');	/* slot 3359 */
	assert_int_equal(mh_at(&p, "192.0.2.2:1234"), 'C');	/* slot 1050 */
	assert_int_equal(mh_at(&p, "192.0.2.3:1234"), 'B');	/* slot 71 */
	t_free(&t);
	t_free(&p);
}

static void test_mh_weights(void **state)
{
	static const uint32_t w1[] = { 1, 2, 3, 4 }, w2[] = { 100, 7 },
			      w3[] = { 200, 300 }, w4[] = { 1, 0, 1 };
	size_t c[4];
	struct tsvc t;

	(void)state;
	/* 10 a round: 409 rounds, then A 1 and B 2. */
	t_setup(&t, CFG_SCHED_MH, 0, w1, 4);
	slot_counts(&t, c);
	assert_true(c[0] == 410 && c[1] == 820 && c[2] == 1227 && c[3] == 1636);
	t_free(&t);
	/* fls(100) = 7 > 6 bits: shift 1, turns 50 and 3; 77 rounds, A 12 more. */
	t_setup(&t, CFG_SCHED_MH, 0, w2, 2);
	slot_counts(&t, c);
	assert_true(c[0] == 3862 && c[1] == 231);
	t_free(&t);
	/* gcd 100: turns 2 and 3; 818 rounds, then A 2 and B 1. */
	t_setup(&t, CFG_SCHED_MH, 0, w3, 2);
	slot_counts(&t, c);
	assert_true(c[0] == 1638 && c[1] == 2455);
	t_free(&t);
	/* Added with weight 0: no slots at all. */
	t_setup(&t, CFG_SCHED_MH, 0, w4, 3);
	slot_counts(&t, c);
	assert_true(c[0] == 2047 && c[1] == 0 && c[2] == 2046);
	t_free(&t);
}

/*
 * Drained (weight 0 by an edit), a destination keeps its slots
 * (last_weight): nobody else's keys move. Its own find nobody, or, with
 * mh-fallback, the slot of a retried hash.
 */
static void test_mh_quiesce(void **state)
{
	static const uint32_t w[] = { 1, 1, 1 };
	struct sched_dest *saved[M], *const *slots;
	struct tsvc t, f;

	(void)state;
	t_setup(&t, CFG_SCHED_MH, 0, w, 3);
	t_setup(&f, CFG_SCHED_MH, FWD_SVC_SCHED1, w, 3);
	sched_mh_table(t.s, &slots);
	memcpy(saved, slots, sizeof(saved));
	t_weight(&t, 'B', 0);
	t_weight(&f, 'B', 0);
	sched_mh_table(t.s, &slots);
	assert_memory_equal(saved, slots, sizeof(saved));
	assert_int_equal(mh_at(&t, "192.0.2.1"), 'C');
	assert_int_equal(mh_at(&t, "192.0.2.2"), '-');
	assert_int_equal(mh_at(&f, "192.0.2.1"), 'C');
	assert_int_equal(mh_at(&f, "192.0.2.2"), 'C');	/* first retry */
	assert_int_equal(mh_at(&f, "192.0.2.3"), 'A');	/* first retry */
	assert_int_equal(mh_at(&f, "192.0.2.5"), 'A');	/* fourth retry */
	/* Overload is the same for the picks, and is no edit at all. */
	t_weight(&f, 'B', 1);
	t_overload(&f, 'B', true);
	assert_int_equal(mh_at(&f, "192.0.2.5"), 'A');
	t_free(&t);
	t_free(&f);
}

/* gcd and shift come from last_weight too: 2 and 3 keep turns 2 and 3. */
static void test_mh_quiesce_keeps_turns(void **state)
{
	static const uint32_t w[] = { 2, 3 };
	size_t c[2];
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_MH, 0, w, 2);
	slot_counts(&t, c);
	assert_true(c[0] == 1638 && c[1] == 2455);	/* 818 rounds, A 2, B 1 */
	t_weight(&t, 'B', 0);
	slot_counts(&t, c);
	assert_true(c[0] == 1638 && c[1] == 2455);
	/* A new non-zero weight is the new last_weight. */
	t_weight(&t, 'B', 2);
	slot_counts(&t, c);
	assert_true(c[0] == 2047 && c[1] == 2046);
	t_free(&t);
}

/* A scheduler change moves the list over; a drained server keeps its slots. */
static void test_mh_switch_keeps_drained(void **state)
{
	static const uint32_t w[] = { 1, 1, 1 };
	struct sched_dest *saved[M], *const *slots;
	struct sched *next;
	struct tsvc t;

	(void)state;
	t_setup(&t, CFG_SCHED_MH, 0, w, 3);
	sched_mh_table(t.s, &slots);
	memcpy(saved, slots, sizeof(saved));
	t_weight(&t, 'B', 0);
	next = sched_new(CFG_SCHED_MH, 0, 1);
	assert_non_null(next);
	for (size_t i = t.s->n_dests; i-- > 0;)
		assert_int_equal(sched_add_dest(next, t.s->dests[i]), 0);
	sched_mh_table(next, &slots);
	assert_memory_equal(saved, slots, sizeof(saved));
	t.s->n_dests = 0;
	t_free(&t);
	sched_free(next);
}

/* Removal re-populates; Maglev keeps most other keys where they were. */
static void test_mh_consistency(void **state)
{
	uint32_t w[20];
	static char before[100000];
	size_t moved = 0, on_leaving = 0, others_moved = 0;
	uint64_t rng = 2024;
	char text[32];
	struct tsvc t;

	(void)state;
	for (size_t i = 0; i < 20; i++)
		w[i] = 1;
	t_setup(&t, CFG_SCHED_MH, 0, w, 20);
	for (int pass = 0; pass < 2; pass++) {
		rng = 2024;
		if (pass == 1)
			sched_del_dest(t.s, t_d(&t, 'E'));
		for (int i = 0; i < 100000; i++) {
			uint64_t r = t_rand(&rng);
			char c;

			snprintf(text, sizeof(text), "%u.%u.%u.%u", (unsigned)(r >> 8) & 255,
				 (unsigned)(r >> 16) & 255, (unsigned)(r >> 24) & 255,
				 (unsigned)(r >> 32) & 255);
			c = mh_at(&t, text);
			if (pass == 0) {
				before[i] = c;
				on_leaving += c == 'E';
				continue;
			}
			assert_true(c != 'E' && c != '-');
			moved += c != before[i];
			others_moved += before[i] != 'E' && c != before[i];
		}
	}
	/* About 1/20 of the keys were on E; all of those move, few others. */
	assert_in_range(on_leaving, 4000, 6000);
	assert_true(moved <= on_leaving + 100000 / 50);
	assert_true(others_moved <= (100000 - on_leaving) / 40);
	t_free(&t);
}

/* The kernel refuses a table with more destinations than slots. */
static void test_mh_too_many(void **state)
{
	struct sched_dest *d = calloc(M + 1, sizeof(*d));
	struct sched *s = sched_new(CFG_SCHED_MH, 0, 1);

	(void)state;
	assert_non_null(d);
	assert_non_null(s);
	for (size_t i = 0; i <= M; i++) {
		d[i].addr = t_addr("10.0.0.1");
		d[i].addr.ip.v4.s_addr = htonl(0x0a000000u + (uint32_t)i);
		d[i].addr.port = 80;
		d[i].weight = 1;
		assert_int_equal(sched_add_dest(s, &d[i]), i < M ? 0 : -1);
	}
	assert_int_equal(s->n_dests, M);
	sched_free(s);
	free(d);
}

static void test_mh_empty_and_all_zero(void **state)
{
	static const uint32_t w[] = { 0, 0 };
	struct tsvc t;

	(void)state;
	t_init(&t, CFG_SCHED_MH, FWD_SVC_SCHED1, w, 2);
	assert_int_equal(mh_at(&t, "192.0.2.1"), '-');
	t_add_all(&t);
	assert_int_equal(mh_at(&t, "192.0.2.1"), '-');
	t_weight(&t, 'B', 2);
	assert_int_equal(mh_at(&t, "192.0.2.1"), 'B');
	t_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mh_hsiphash_vector),
		cmocka_unit_test(test_mh_known_slots),
		cmocka_unit_test(test_mh_weights),
		cmocka_unit_test(test_mh_quiesce),
		cmocka_unit_test(test_mh_quiesce_keeps_turns),
		cmocka_unit_test(test_mh_switch_keeps_drained),
		cmocka_unit_test(test_mh_consistency),
		cmocka_unit_test(test_mh_too_many),
		cmocka_unit_test(test_mh_empty_and_all_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

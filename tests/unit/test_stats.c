/*
 * test_stats.c - the rate estimator (IPVS's two-second samples with a
 * quarter-weight moving average) and the hash table the core's lookups
 * use.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hmap.h"
#include "stats.h"

static void test_rates_converge(void **state)
{
	struct stats_est e = { 0 };
	struct fwd_counters c = { 0 };
	struct fwd_rates r;

	(void)state;
	stats_est_sample(&e, &c, 1000);	/* the first sample only sets the base */
	stats_est_rates(&e, &r);
	assert_int_equal(r.cps, 0);
	/* A steady 100 conn/s and 1 MB/s in: the average approaches them. */
	for (int i = 1; i <= 80; i++) {
		c.conns += 200;
		c.inbytes += 2000000;
		c.inpkts += 2000;
		stats_est_sample(&e, &c, 1000 + (uint64_t)i * 2000);
	}
	stats_est_rates(&e, &r);
	assert_int_equal(r.cps, 100);
	assert_int_equal(r.inbps, 1000000);
	assert_int_equal(r.inpps, 1000);
	assert_int_equal(r.outbps, 0);
	/* One sample later at zero: a quarter of the way down. */
	stats_est_sample(&e, &c, 1000 + 81 * 2000);
	stats_est_rates(&e, &r);
	assert_int_equal(r.cps, 75);
}

static void test_rates_ignore_a_clock_going_back(void **state)
{
	struct stats_est e = { 0 };
	struct fwd_counters c = { 10, 0, 0, 0, 0 };
	struct fwd_rates r;

	(void)state;
	stats_est_sample(&e, &c, 5000);
	c.conns = 20;
	stats_est_sample(&e, &c, 4000);	/* earlier than the last: rebase only */
	stats_est_rates(&e, &r);
	assert_int_equal(r.cps, 0);
}

struct item {
	struct hmap_node node;	/* first */
	uint32_t key;
};

static void test_hmap_insert_find_remove_grow(void **state)
{
	struct hmap m;
	struct item *items = calloc(5000, sizeof(*items));

	(void)state;
	assert_int_equal(hmap_init(&m, 42), 0);
	for (uint32_t i = 0; i < 5000; i++) {
		items[i].key = i;
		hmap_insert(&m, &items[i].node, hmap_hash(&m, &i, sizeof(i)));
	}
	assert_int_equal(m.count, 5000);
	assert_true(m.mask + 1 >= 4096);	/* it grew */
	for (uint32_t i = 0; i < 5000; i += 2)
		hmap_remove(&m, &items[i].node);
	for (uint32_t i = 0; i < 5000; i++) {
		uint32_t h = hmap_hash(&m, &i, sizeof(i));
		bool found = false;

		for (struct hmap_node *n = hmap_first(&m, h); n; n = n->next)
			found |= n->hash == h && ((struct item *)n)->key == i;
		assert_int_equal(found, i % 2 == 1);
	}
	assert_int_equal(m.count, 2500);
	hmap_free(&m);
	free(items);
}

static void test_hmap_seed_changes_hash(void **state)
{
	struct hmap a, b;
	const char key[] = "192.0.2.1:5353";

	(void)state;
	assert_int_equal(hmap_init(&a, 1), 0);
	assert_int_equal(hmap_init(&b, 2), 0);
	assert_int_not_equal(hmap_hash(&a, key, sizeof(key)), hmap_hash(&b, key, sizeof(key)));
	assert_int_equal(hmap_hash(&a, key, sizeof(key)), hmap_hash(&a, key, sizeof(key)));
	hmap_free(&a);
	hmap_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates_converge),
		cmocka_unit_test(test_rates_ignore_a_clock_going_back),
		cmocka_unit_test(test_hmap_insert_find_remove_grow),
		cmocka_unit_test(test_hmap_seed_changes_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_check_conf.c - when a reload may keep a checker: check_conf_equal()
 * over two loads of YAML, and check_target()'s address and port overrides.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg_test_util.h"
#include "check.h"

static const char *const base_yaml =
	"virtual_services:\n"
	"  - name: web\n"
	"    address: 10.0.0.100:80\n"
	"    check:\n"
	"      type: http\n"
	"      path: /health\n"
	"      status: [\"200-299\", \"302\"]\n"
	"      body: ok\n"
	"%s"
	"    real_servers:\n"
	"      - address: 10.0.0.21:80\n";

/* The check of the first real server of base_yaml with `extra` check lines. */
static bool same_as_base(const char *extra)
{
	char a[1024], b[1024];
	struct cfg *ca, *cb;
	bool eq;

	snprintf(a, sizeof(a), base_yaml, "");
	snprintf(b, sizeof(b), base_yaml, extra);
	ca = load_ok(a);
	cb = load_ok(b);
	eq = check_conf_equal(&ca->services[0].real_servers[0].check,
			      &cb->services[0].real_servers[0].check);
	cfg_free(ca);
	cfg_free(cb);
	return eq;
}

static void test_equal_to_itself_across_loads(void **state)
{
	(void)state;
	assert_true(same_as_base(""));
	/* Defaults written out are the same check. */
	assert_true(same_as_base("      interval: 2\n      rise: 2\n      fall: 3\n"));
}

static void test_any_key_that_matters_differs(void **state)
{
	static const char *const changes[] = {
		"      interval: 1\n", "      timeout: 2\n", "      rise: 1\n",
		"      fall: 1\n", "      alpha: true\n", "      port: 8080\n",
		"      address: 10.0.0.99\n", "      method: HEAD\n",
		"      http_version: \"1.1\"\n", "      host: www.example.com\n",
		"      digest: \"md5:0123456789abcdef0123456789abcdef\"\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		if (same_as_base(changes[i]))
			fail_msg("'%s' did not make the check differ", changes[i]);
	}
}

static void test_status_and_body_differ(void **state)
{
	struct cfg *a, *b;
	char y[1024];

	(void)state;
	snprintf(y, sizeof(y), base_yaml, "");
	a = load_ok(y);
	b = load_ok("virtual_services:\n"
		    "  - name: web\n"
		    "    address: 10.0.0.100:80\n"
		    "    check: {type: http, path: /health, status: [\"200-299\"], body: ok}\n"
		    "    real_servers: [{address: 10.0.0.21:80}]\n");
	assert_false(check_conf_equal(&a->services[0].check, &b->services[0].check));
	cfg_free(b);
	b = load_ok("virtual_services:\n"
		    "  - name: web\n"
		    "    address: 10.0.0.100:80\n"
		    "    check: {type: http, path: /health, status: [\"200-299\", \"302\"], body: OK}\n"
		    "    real_servers: [{address: 10.0.0.21:80}]\n");
	assert_false(check_conf_equal(&a->services[0].check, &b->services[0].check));
	cfg_free(a);
	cfg_free(b);
}

static void test_expect_and_type(void **state)
{
	struct cfg *c;
	const struct cfg_service *s;

	(void)state;
	c = load_ok("virtual_services:\n"
		    "  - address: 10.0.0.100:6379\n"
		    "    check: {type: expect, send: \"PING\\r\\n\", expect: \"^\\\\+PONG\"}\n"
		    "    real_servers:\n"
		    "      - address: 10.0.0.21:6379\n"
		    "      - address: 10.0.0.22:6379\n"
		    "        check: {send: \"PING\\n\"}\n"
		    "      - address: 10.0.0.23:6379\n"
		    "        check: {type: tcp}\n");
	s = &c->services[0];
	assert_true(check_conf_equal(&s->check, &s->real_servers[0].check));
	assert_false(check_conf_equal(&s->check, &s->real_servers[1].check));
	assert_false(check_conf_equal(&s->check, &s->real_servers[2].check));
	cfg_free(c);
}

static void test_target_overrides(void **state)
{
	struct cfg *c;
	const struct cfg_service *s;
	struct lvs_addr t;

	(void)state;
	c = load_ok("virtual_services:\n"
		    "  - address: 10.0.0.100:80\n"
		    "    check: {type: tcp}\n"
		    "    real_servers:\n"
		    "      - address: 10.0.0.21:80\n"
		    "      - address: 10.0.0.22:80\n"
		    "        check: {port: 8080}\n"
		    "      - address: 10.0.0.23:80\n"
		    "        check: {address: 10.0.1.23}\n"
		    "      - address: 10.0.0.24\n");
	s = &c->services[0];
	t = check_target(&s->real_servers[0].check, &s->real_servers[0].address);
	assert_string_equal(fmt_addr(&t), "10.0.0.21:80");
	t = check_target(&s->real_servers[1].check, &s->real_servers[1].address);
	assert_string_equal(fmt_addr(&t), "10.0.0.22:8080");
	t = check_target(&s->real_servers[2].check, &s->real_servers[2].address);
	assert_string_equal(fmt_addr(&t), "10.0.1.23:80");
	cfg_free(c);
}

/*
 * First delays: on the 5 ms grid, inside the interval, and spread over
 * all of its slots (10,000 checkers at 1 s: 200 slots of about 50).
 */
static void test_first_delays_fall_in_slots(void **state)
{
	static unsigned per_slot[1000000 / CHECK_SLOT_US];
	uint64_t x = 0x9e3779b97f4a7c15u;
	unsigned used = 0, most = 0;

	(void)state;
	memset(per_slot, 0, sizeof(per_slot));
	for (int i = 0; i < 10000; i++) {
		uint64_t d;

		x = x * 6364136223846793005u + 1442695040888963407u;
		d = check_first_delay_us(x >> 11, 1000000, 10000);
		assert_true(d < 1000000);
		assert_int_equal(d % CHECK_SLOT_US, 0);
		per_slot[d / CHECK_SLOT_US]++;
	}
	for (size_t k = 0; k < sizeof(per_slot) / sizeof(per_slot[0]); k++) {
		used += per_slot[k] > 0;
		most = per_slot[k] > most ? per_slot[k] : most;
	}
	assert_int_equal(used, 1000000 / CHECK_SLOT_US);
	assert_true(most < 120);
	/* An interval under two slots keeps a plain random point; none: at once. */
	assert_int_equal(check_first_delay_us(7777, 6000, 10000), 7777 % 6000);
	assert_int_equal(check_first_delay_us(12345, 0, 10000), 0);
	/* Peers unknown: the 5 ms grid. */
	assert_int_equal(check_first_delay_us(123457, 1000000, 0), 123457 % 200 * CHECK_SLOT_US);
}

/*
 * Few checkers share wider slots, about CHECK_SLOT_PROBES each, so that
 * each wake-up of the loop serves a batch: 100 checkers at 1 s fall in 6
 * slots of 160 ms, not in 100 different 5 ms ones; 20 fire together.
 */
static void test_few_checkers_share_wide_slots(void **state)
{
	uint64_t x = 0x2545f4914f6cdd1du, seen[7] = { 0 };
	size_t used = 0;

	(void)state;
	for (int i = 0; i < 100; i++) {
		uint64_t d, k;

		x = x * 6364136223846793005u + 1442695040888963407u;
		d = check_first_delay_us(x >> 11, 1000000, 100);
		assert_true(d < 1000000);
		assert_int_equal(d % 160000, 0);
		k = d / 160000;
		assert_true(k < 6);
		used += seen[k]++ == 0;
	}
	assert_int_equal(used, 6);
	for (int i = 0; i < 20; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		assert_int_equal(check_first_delay_us(x >> 11, 1000000, 20), 0);
	}
	/* A long interval, many checkers: still the 5 ms grid, never narrower. */
	assert_int_equal(check_first_delay_us(987654321, 60000000, 1000000) % CHECK_SLOT_US, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_to_itself_across_loads),
		cmocka_unit_test(test_any_key_that_matters_differs),
		cmocka_unit_test(test_status_and_body_differ),
		cmocka_unit_test(test_expect_and_type),
		cmocka_unit_test(test_target_overrides),
		cmocka_unit_test(test_first_delays_fall_in_slots),
		cmocka_unit_test(test_few_checkers_share_wide_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

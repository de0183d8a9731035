/*
 * test_health.c - what health says the table must be: operator overrides,
 * quorum with hysteresis and the sorry server, reconcile's desired
 * destinations under a view, and state kept across health_sync() (a
 * reload). No checks run here: real servers without a check are healthy,
 * so every change below comes from the operator's overrides. The test is
 * linked with -Wl,--wrap=checker_is_up, to count how often health asks
 * a checker for its verdict.
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
#include <event2/event.h>

#include "cfg_test_util.h"
#include "health.h"

static const char *const yaml =
	"virtual_services:\n"
	"  - name: web\n"
	"    address: 10.0.0.100:80\n"
	"    quorum: 3\n"
	"    hysteresis: 1\n"
	"    sorry_server: 10.0.0.30:8080\n"
	"    real_servers:\n"
	"      - {address: 10.0.0.21:80, weight: 2}\n"
	"      - {address: 10.0.0.22:80, weight: 2}\n"
	"      - {address: 10.0.0.23:80, weight: 2}\n"
	"  - address: 10.0.0.100:53\n"
	"    protocol: udp\n"
	"    on_failure: remove\n"
	"    real_servers:\n"
	"      - {address: 10.0.0.21}\n";

struct fixture {
	struct event_base *base;
	struct logger log;
	struct health h;
	struct cfg *cfg;
	int changes;
};

static unsigned long is_up_calls;

bool __real_checker_is_up(const struct checker *c);
bool __wrap_checker_is_up(const struct checker *c);

bool __wrap_checker_is_up(const struct checker *c)
{
	is_up_calls++;
	return __real_checker_is_up(c);
}

static void on_change(void *arg)
{
	((struct fixture *)arg)->changes++;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	f->base = event_base_new();
	logger_init(&f->log, "test");
	f->log.level = LOG_LVL_ERROR;
	assert_int_equal(health_init(&f->h, f->base, &f->log, on_change, f), 0);
	f->cfg = load_ok(yaml);
	assert_int_equal(health_sync(&f->h, f->cfg, err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	health_free(&f->h);
	cfg_free(f->cfg);
	event_base_free(f->base);
	logger_close(&f->log);
	free(f);
	return 0;
}

static struct health_rs *rs(struct fixture *f, const char *svc, const char *addr)
{
	char err[256];
	struct health_rs *r = health_lookup(&f->h, f->cfg, svc, addr, err, sizeof(err));

	if (!r)
		fail_msg("%s %s: %s", svc, addr, err);
	return r;
}

/* "ADDR:WEIGHT ..." of reconcile's desired destinations for service i. */
static const char *desired(struct fixture *f, size_t i)
{
	static char out[512];
	struct fwd_dest_conf dc[8];
	struct reconcile_view v = health_view(&f->h);
	size_t n = reconcile_desired_dests(&f->cfg->services[i], &v, dc);

	out[0] = '\0';
	for (size_t k = 0; k < n; k++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s=%u",
			 k ? " " : "", fmt_addr(&dc[k].addr), dc[k].weight);
	return out;
}

static void test_all_in_without_checks(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(desired(f, 0), "10.0.0.21:80=2 10.0.0.22:80=2 10.0.0.23:80=2");
	assert_string_equal(desired(f, 1), "10.0.0.21:53=1");
	assert_true(health_find_service(&f->h, &f->cfg->services[0])->quorum_up);
}

static void test_overrides(void **state)
{
	struct fixture *f = *state;
	struct health_rs *r = rs(f, "web", "10.0.0.22:80");

	health_set_override(r, HEALTH_DRAIN);
	assert_int_equal(health_rs_state(r), RECONCILE_RS_QUIESCED);
	assert_string_equal(desired(f, 0), "10.0.0.21:80=2 10.0.0.22:80=0 10.0.0.23:80=2");
	assert_int_equal(f->changes, 1);
	health_set_override(r, HEALTH_DRAIN);	/* no change, no call */
	assert_int_equal(f->changes, 1);
	health_set_override(r, HEALTH_ENABLE);
	assert_int_equal(health_rs_state(r), RECONCILE_RS_IN);
	health_set_override(r, HEALTH_AUTO);
	assert_int_equal(health_rs_state(r), RECONCILE_RS_IN);
	assert_int_equal(f->changes, 3);
	/* A drain quiesces even where on_failure is remove: the operator drains. */
	r = rs(f, "10.0.0.100:53", "10.0.0.21");
	health_set_override(r, HEALTH_DRAIN);
	assert_string_equal(desired(f, 1), "10.0.0.21:53=0");
}

static void test_quorum_hysteresis_and_sorry(void **state)
{
	struct fixture *f = *state;
	struct health_svc *hs = health_find_service(&f->h, &f->cfg->services[0]);
	struct health_rs *a = rs(f, "web", "10.0.0.21:80"), *b = rs(f, "web", "10.0.0.22:80"),
			 *c = rs(f, "10.0.0.100:80", "10.0.0.23:80");

	/* quorum 3, hysteresis 1: lost under 2, back at 4. */
	health_set_override(a, HEALTH_DRAIN);		/* 4 */
	health_set_override(b, HEALTH_DRAIN);		/* 2 */
	assert_true(hs->quorum_up);
	health_set_override(c, HEALTH_DRAIN);		/* 0 */
	assert_false(hs->quorum_up);
	assert_string_equal(desired(f, 0), "10.0.0.21:80=0 10.0.0.22:80=0 10.0.0.23:80=0 "
				       "10.0.0.30:8080=1");
	health_set_override(c, HEALTH_AUTO);		/* 2: not yet */
	assert_false(hs->quorum_up);
	assert_string_equal(desired(f, 0), "10.0.0.21:80=0 10.0.0.22:80=0 10.0.0.23:80=0 "
				       "10.0.0.30:8080=1");
	health_set_override(b, HEALTH_AUTO);		/* 4: back */
	assert_true(hs->quorum_up);
	assert_string_equal(desired(f, 0), "10.0.0.21:80=0 10.0.0.22:80=2 10.0.0.23:80=2");
}

static void test_sync_keeps_what_stays(void **state)
{
	struct fixture *f = *state;
	struct health_rs *kept = rs(f, "web", "10.0.0.23:80");
	struct cfg *next;
	char err[256];

	health_set_override(kept, HEALTH_DRAIN);
	health_set_override(rs(f, "web", "10.0.0.21:80"), HEALTH_DRAIN);
	next = load_ok("virtual_services:\n"
		       "  - name: web\n"
		       "    address: 10.0.0.100:80\n"
		       "    real_servers:\n"
		       "      - {address: 10.0.0.23:80, weight: 5}\n"
		       "      - {address: 10.0.0.24:80}\n");
	assert_int_equal(health_sync(&f->h, next, err, sizeof(err)), 0);
	cfg_free(f->cfg);
	f->cfg = next;
	assert_ptr_equal(rs(f, "web", "10.0.0.23:80"), kept);	/* same entry, override kept */
	assert_int_equal(kept->override, HEALTH_DRAIN);
	assert_int_equal(rs(f, "web", "10.0.0.24:80")->override, HEALTH_AUTO);
	assert_string_equal(desired(f, 0), "10.0.0.23:80=0 10.0.0.24:80=1");
	/* The IN weight kept across it: .22 (2) gone, .24 (1) new, .23 drained. */
	assert_int_equal(health_find_service(&f->h, &f->cfg->services[0])->weight_in, 1);
	health_set_override(kept, HEALTH_AUTO);
	assert_int_equal(health_find_service(&f->h, &f->cfg->services[0])->weight_in, 6);
	assert_null(health_lookup(&f->h, f->cfg, "web", "10.0.0.21:80", err, sizeof(err)));
	assert_string_equal(err, "service web has no real server 10.0.0.21:80");
}

static void test_lookup_errors(void **state)
{
	struct fixture *f = *state;
	char err[256];

	assert_null(health_lookup(&f->h, f->cfg, "nope", "10.0.0.21:80", err, sizeof(err)));
	assert_string_equal(err, "no virtual service \"nope\"");
	assert_null(health_lookup(&f->h, f->cfg, "web", "10.0.0.99:80", err, sizeof(err)));
	assert_string_equal(err, "service web has no real server 10.0.0.99:80");
	assert_null(health_lookup(&f->h, f->cfg, "web", "not-an-ip", err, sizeof(err)));
	/* The port defaults to the service's. */
	assert_non_null(health_lookup(&f->h, f->cfg, "web", "10.0.0.21", err, sizeof(err)));
}

static void test_bad_script_user_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct cfg *next = load_ok("virtual_services: []\n");
	char err[256];

	/* The loader refuses an unknown user; this is the user deleted after the load. */
	next->global.script_user = "no-such-user-lvsd";
	assert_int_equal(health_sync(&f->h, next, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no-such-user-lvsd"));
	assert_non_null(rs(f, "web", "10.0.0.21:80"));
	cfg_free(next);
}

/*
 * One real server's change costs the same whatever the size of its
 * service. When quorum summed every server's weight on each change,
 * 10,000 servers going down at once (a switch failing) cost 10^8 steps:
 * the loop stalled 4.9 s, its checks and VRRP adverts with it.
 */
static void test_one_change_costs_o1(void **state)
{
	struct fixture *f = *state;
	enum { N = 2000 };
	size_t cap = 200 + (size_t)N * 40, len;
	char *yaml_big = malloc(cap), a[32], err[256];
	struct cfg *next;
	struct health_rs *r;

	assert_non_null(yaml_big);
	len = (size_t)snprintf(yaml_big, cap, "virtual_services:\n"
				"  - name: big\n    address: 10.0.0.100:80\n    quorum: 2\n"
				"    check: {type: tcp, interval: 60}\n    real_servers:\n");
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(yaml_big + len, cap - len, "      - address: 10.1.%d.%d:80\n",
					i / 250, i % 250 + 1);
	next = load_ok(yaml_big);
	free(yaml_big);
	assert_int_equal(health_sync(&f->h, next, err, sizeof(err)), 0);
	cfg_free(f->cfg);
	f->cfg = next;
	assert_int_equal(health_find_service(&f->h, &f->cfg->services[0])->weight_in, N);
	for (int i = 0; i < 3; i++) {
		snprintf(a, sizeof(a), "10.1.0.%d:80", i + 1);
		r = rs(f, "big", a);
		is_up_calls = 0;
		health_set_override(r, HEALTH_DRAIN);
		assert_in_range(is_up_calls, 0, 4);
	}
	assert_int_equal(health_find_service(&f->h, &f->cfg->services[0])->weight_in, N - 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_in_without_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quorum_hysteresis_and_sorry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_keeps_what_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_script_user_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_change_costs_o1, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

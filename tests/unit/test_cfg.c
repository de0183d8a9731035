/*
 * test_cfg.c - unit tests of the configuration loader's rules through
 * cfg_load_buffer() on small YAML texts: defaults, inheritance of checks
 * and forwarding methods, aliases, and the order, cap and shape of errors.
 *
 * The corpus (test_cfg_corpus.c) proves what each bad file reports;
 * test_cfg_values.c covers the value parsers, test_cfg_model.c where
 * every key of a full configuration lands.
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

#include "cfg.h"
#include "cfg_parse.h"
#include "cfg_values.h"
#include "cfg_test_util.h"

/* ---- defaults ------------------------------------------------------------ */

static void test_defaults_global(void **state)
{
	struct cfg *cfg = load_ok("");
	const struct cfg_global *g = &cfg->global;

	(void)state;
	assert_null(g->router_id);
	assert_string_equal(g->log_file, "syslog");
	assert_int_equal(g->log_level, LOG_LVL_INFO);
	assert_null(g->control_socket);
	assert_null(g->status_file);
	assert_int_equal(g->metrics_listen.af, 0);
	assert_int_equal(g->forwarding_core, CFG_CORE_AUTO);
	assert_false(g->keep_on_stop);
	assert_false(g->auto_reload);
	assert_null(g->script_user);
	assert_int_equal(g->timeouts.tcp, S(900));
	assert_int_equal(g->timeouts.tcpfin, S(120));
	assert_int_equal(g->timeouts.udp, S(300));
	assert_int_equal(g->timeouts.connect, S(5));
	assert_int_equal(g->max_conns, 100000);
	assert_null(g->lvs_sync.interface);
	assert_int_equal(g->nice, CFG_NICE_KEEP);
	assert_false(g->lock_memory);
	assert_int_equal(cfg->n_vrrp + cfg->n_sync_groups + cfg->n_services, 0);
	cfg_free(cfg);
}

/* The process's priority and memory locking: nice's range is nice(1)'s. */
static void test_global_process(void **state)
{
	struct cfg *cfg = load_ok("global: {nice: -20, lock_memory: true}\n");

	(void)state;
	assert_int_equal(cfg->global.nice, -20);
	assert_true(cfg->global.lock_memory);
	cfg_free(cfg);
	cfg = load_ok("global: {nice: 19}\n");
	assert_int_equal(cfg->global.nice, 19);
	cfg_free(cfg);
	load_bad("global:\n  nice: 20\n", 2, 9, "global.nice: 20 is out of range -20..19");
	load_bad("global:\n  nice: -21\n", 2, 9, "global.nice: -21 is out of range -20..19");
}

static void test_defaults_service(void **state)
{
	struct cfg *cfg = load_ok(
		"virtual_services:\n"
		"  - address: 10.0.0.1:80\n"
		"    real_servers:\n"
		"      - address: 10.0.0.2\n");
	const struct cfg_service *s = &cfg->services[0];
	const struct cfg_real_server *rs = &s->real_servers[0];

	(void)state;
	assert_int_equal(cfg->n_services, 1);
	assert_null(s->name);
	assert_string_equal(fmt_addr(&s->address), "10.0.0.1:80");
	assert_int_equal(s->fwmark, 0);
	assert_int_equal(s->protocol, CFG_PROTO_TCP);
	assert_int_equal(s->scheduler, CFG_SCHED_WLC);
	assert_int_equal(s->forwarding, CFG_FWD_NAT);
	assert_false(s->persistence.enabled);
	assert_int_equal(s->proxy_protocol, CFG_PROXY_NONE);
	assert_int_equal(s->on_failure, CFG_FAIL_QUIESCE);
	assert_int_equal(s->drain_timeout, S(300));
	assert_int_equal(s->quorum, 1);
	assert_int_equal(s->hysteresis, 0);
	assert_int_equal(s->sorry_server.af, 0);
	assert_int_equal(s->check.type, CHECK_NONE);
	assert_int_equal(s->n_real_servers, 1);
	/* A bare IP keeps port 0: traffic goes to the service's port. */
	assert_string_equal(fmt_addr(&rs->address), "10.0.0.2");
	assert_int_equal(rs->weight, 1);
	assert_int_equal(rs->upper_threshold, 0);
	assert_int_equal(rs->lower_threshold, 0);
	assert_int_equal(rs->forwarding, CFG_FWD_NAT);
	assert_null(rs->notify_up);
	assert_null(rs->notify_down);
	assert_false(rs->has_own_check);
	assert_int_equal(rs->check.type, CHECK_NONE);
	cfg_free(cfg);
}

static void test_defaults_check(void **state)
{
	struct cfg *cfg = load_ok(
		"virtual_services:\n"
		"  - address: 10.0.0.1:80\n"
		"    check: {type: http}\n");
	const struct cfg_check *c = &cfg->services[0].check;

	(void)state;
	assert_int_equal(c->type, CHECK_HTTP);
	assert_int_equal(c->address.af, 0);
	assert_int_equal(c->port, 0);
	assert_int_equal(c->interval, S(2));
	assert_int_equal(c->timeout, S(1));
	assert_int_equal(c->rise, 2);
	assert_int_equal(c->fall, 3);
	assert_false(c->alpha);
	assert_int_equal(c->method, CFG_HTTP_GET);
	assert_null(c->path);
	assert_null(c->host);
	assert_int_equal(c->n_status, 0);
	assert_null(c->body);
	assert_int_equal(c->digest_alg, CFG_DIGEST_NONE);
	assert_false(c->verify);
	assert_int_equal(c->transport, CFG_TRANSPORT_TCP);
	assert_null(c->send.data);
	assert_null(c->expect_regex);
	assert_null(c->script);
	assert_null(c->name);
	assert_int_equal(c->qtype, 1);
	assert_int_equal(c->answer.af, 0);
	assert_null(c->helo);
	/* The mark of the check mapping, for errors found later. */
	assert_int_equal(c->mark.line, 3);
	assert_int_equal(c->mark.col, 12);
	cfg_free(cfg);
}

static void test_defaults_vrrp(void **state)
{
	struct cfg *cfg = load_ok(
		"vrrp_instances:\n"
		"  - name: VI_1\n"
		"    interface: eth0\n"
		"    virtual_router_id: 51\n"
		"    virtual_ips: [10.0.0.100/24]\n"
		"    track_interfaces: [{name: eth1}]\n"
		"    track_scripts: [{script: /bin/true}]\n");
	const struct cfg_vrrp *v = &cfg->vrrp[0];

	(void)state;
	assert_int_equal(cfg->n_vrrp, 1);
	assert_string_equal(v->name, "VI_1");
	assert_string_equal(v->interface, "eth0");
	assert_int_equal(v->vrid, 51);
	assert_int_equal(v->priority, 100);
	assert_int_equal(v->version, 3);
	assert_int_equal(v->advert_interval, S(1));
	assert_true(v->preempt);
	assert_int_equal(v->preempt_delay, 0);
	assert_int_equal(v->n_unicast_peers, 0);
	assert_int_equal(v->n_virtual_ips, 1);
	assert_null(v->notify.master);
	assert_int_equal(v->garp.delay, S(5));
	assert_int_equal(v->garp.repeat, 5);
	assert_int_equal(v->garp.refresh, 0);
	assert_int_equal(v->n_track_interfaces, 1);
	assert_string_equal(v->track_interfaces[0].name, "eth1");
	assert_int_equal(v->track_interfaces[0].set & 2, 0);	/* no weight */
	assert_int_equal(v->n_track_scripts, 1);
	assert_int_equal(v->track_scripts[0].interval, S(1));
	assert_int_equal(v->track_scripts[0].timeout, S(1));
	assert_int_equal(v->track_scripts[0].weight, 0);
	assert_int_equal(v->track_scripts[0].rise, 1);
	assert_int_equal(v->track_scripts[0].fall, 1);
	cfg_free(cfg);
}

/* ---- inheritance --------------------------------------------------------- */

static const char inherit_yaml[] =
	"virtual_services:\n"
	"  - address: 10.0.0.1:80\n"
	"    check:\n"
	"      type: http\n"
	"      path: /health\n"
	"      interval: 5\n"
	"      status: [\"200-299\"]\n"
	"    real_servers:\n"
	"      - address: 10.0.0.2:80\n"
	"      - address: 10.0.0.3:80\n"
	"        check: {timeout: 3, path: /other}\n"
	"      - address: 10.0.0.4:80\n"
	"        check: {type: tcp, port: 81}\n"
	"      - address: 10.0.0.5:80\n"
	"        check: {type: http, fall: 5}\n";

static void test_check_inheritance(void **state)
{
	struct cfg *cfg = load_ok(inherit_yaml);
	const struct cfg_service *s = &cfg->services[0];
	const struct cfg_check *c0 = &s->real_servers[0].check;
	const struct cfg_check *c1 = &s->real_servers[1].check;
	const struct cfg_check *c2 = &s->real_servers[2].check;
	const struct cfg_check *c3 = &s->real_servers[3].check;

	(void)state;
	/* No check of its own: the service's, whole. */
	assert_false(s->real_servers[0].has_own_check);
	assert_int_equal(c0->type, CHECK_HTTP);
	assert_string_equal(c0->path, "/health");
	assert_int_equal(c0->interval, S(5));
	assert_int_equal(c0->n_status, 1);
	assert_int_equal(c0->status[0].lo, 200);
	assert_int_equal(c0->status[0].hi, 299);
	/* No type: the service's, overridden where written. */
	assert_true(s->real_servers[1].has_own_check);
	assert_int_equal(c1->type, CHECK_HTTP);
	assert_string_equal(c1->path, "/other");
	assert_int_equal(c1->interval, S(5));
	assert_int_equal(c1->timeout, S(3));
	assert_int_equal(c1->n_status, 1);
	/* Another type: from the defaults, nothing of the service's. */
	assert_int_equal(c2->type, CHECK_TCP);
	assert_int_equal(c2->port, 81);
	assert_null(c2->path);
	assert_int_equal(c2->interval, S(2));
	assert_int_equal(c2->n_status, 0);
	/* The same type named again: still the service's, overridden. */
	assert_int_equal(c3->type, CHECK_HTTP);
	assert_string_equal(c3->path, "/health");
	assert_int_equal(c3->interval, S(5));
	assert_int_equal(c3->fall, 5);
	/* Overrides stay with their server. */
	assert_int_equal(c3->timeout, S(1));
	assert_string_equal(s->check.path, "/health");
	assert_int_equal(s->check.timeout, S(1));
	assert_int_equal(s->check.fall, 3);
	cfg_free(cfg);
}

static void test_check_inheritance_rules(void **state)
{
	struct cfg *cfg;

	(void)state;
	/* No service check: a server's check stands alone. */
	cfg = load_ok("virtual_services:\n"
		      "  - address: 10.0.0.1:80\n"
		      "    real_servers:\n"
		      "      - address: 10.0.0.2:80\n"
		      "        check: {type: smtp, helo: me.example.com}\n");
	assert_int_equal(cfg->services[0].check.type, CHECK_NONE);
	assert_int_equal(cfg->services[0].real_servers[0].check.type, CHECK_SMTP);
	assert_string_equal(cfg->services[0].real_servers[0].check.helo, "me.example.com");
	cfg_free(cfg);
	/* ...and then it needs a type. */
	load_bad("virtual_services:\n"
		 "  - address: 10.0.0.1:80\n"
		 "    real_servers:\n"
		 "      - address: 10.0.0.2:80\n"
		 "        check: {port: 81}\n", 5, 16,
		 "virtual_services[0].real_servers[0].check: missing required key "
		 "'type' in check (the service has no check to inherit)");
	/* A key of the other type is judged against the server's type. */
	load_bad("virtual_services:\n"
		 "  - address: 10.0.0.1:80\n"
		 "    check: {type: http, path: /h}\n"
		 "    real_servers:\n"
		 "      - address: 10.0.0.2:80\n"
		 "        check: {type: tcp, path: /x}\n", 6, 28,
		 "virtual_services[0].real_servers[0].check.path: does not apply "
		 "to a tcp check");
	/* keepalive is for plain http: the tls transport connects for each probe. */
	cfg = load_ok("virtual_services:\n"
		      "  - address: 10.0.0.1:80\n"
		      "    check: {type: http, keepalive: true}\n"
		      "    real_servers: [{address: 10.0.0.2:80}]\n");
	assert_true(cfg->services[0].real_servers[0].check.keepalive);
	cfg_free(cfg);
	load_bad("virtual_services:\n"
		 "  - address: 10.0.0.1:80\n"
		 "    check: {type: https, keepalive: true}\n"
		 "    real_servers: [{address: 10.0.0.2:80}]\n", 3, 26,
		 "virtual_services[0].check.keepalive: does not apply to a https check");
	/* A fresh type must bring what it needs. */
	load_bad("virtual_services:\n"
		 "  - address: 10.0.0.1:80\n"
		 "    check: {type: http}\n"
		 "    real_servers:\n"
		 "      - address: 10.0.0.2:80\n"
		 "        check: {type: script}\n", 6, 16,
		 "virtual_services[0].real_servers[0].check: a script check needs "
		 "the key 'script'");
}

static void test_forwarding_inheritance(void **state)
{
	/* real_servers before forwarding: inheritance does not depend on
	 * the order of keys. */
	struct cfg *cfg = load_ok(
		"global: {forwarding_core: ipvs}\n"
		"virtual_services:\n"
		"  - address: 10.0.0.1:80\n"
		"    real_servers:\n"
		"      - address: 10.0.0.2:80\n"
		"      - address: 10.0.0.3:80\n"
		"        forwarding: nat\n"
		"      - address: 10.0.0.4:80\n"
		"        forwarding: tun\n"
		"    forwarding: dr\n"
		"  - address: 10.0.0.1:81\n"
		"    real_servers:\n"
		"      - address: 10.0.0.2:80\n");
	const struct cfg_service *s = cfg->services;

	(void)state;
	assert_int_equal(s[0].forwarding, CFG_FWD_DR);
	assert_int_equal(s[0].real_servers[0].forwarding, CFG_FWD_DR);
	assert_int_equal(s[0].real_servers[1].forwarding, CFG_FWD_NAT);
	assert_int_equal(s[0].real_servers[2].forwarding, CFG_FWD_TUN);
	assert_int_equal(s[1].forwarding, CFG_FWD_NAT);
	assert_int_equal(s[1].real_servers[0].forwarding, CFG_FWD_NAT);
	cfg_free(cfg);
}

static void test_aliases_share_check(void **state)
{
	struct cfg *cfg = load_ok(
		"virtual_services:\n"
		"  - address: 10.0.0.1:80\n"
		"    check: &c {type: http, path: /h, interval: 3}\n"
		"    real_servers:\n"
		"      - address: 10.0.0.2:80\n"
		"  - address: 10.0.0.1:81\n"
		"    check: *c\n"
		"    real_servers:\n"
		"      - address: 10.0.0.2:80\n"
		"        check: *c\n");
	const struct cfg_check *a = &cfg->services[0].check;
	const struct cfg_check *b = &cfg->services[1].check;
	const struct cfg_check *r = &cfg->services[1].real_servers[0].check;

	(void)state;
	assert_int_equal(a->type, CHECK_HTTP);
	assert_int_equal(b->type, CHECK_HTTP);
	assert_int_equal(r->type, CHECK_HTTP);
	assert_string_equal(b->path, "/h");
	assert_string_equal(r->path, "/h");
	assert_int_equal(b->interval, S(3));
	assert_int_equal(r->interval, S(3));
	assert_true(cfg->services[1].real_servers[0].has_own_check);
	/* One node: one place in the file. */
	assert_int_equal(b->mark.line, 3);
	assert_int_equal(b->mark.line, a->mark.line);
	assert_int_equal(b->mark.col, a->mark.col);
	cfg_free(cfg);
}

/* ---- errors ------------------------------------------------------------- */

/* Validation runs after parsing, yet its errors take their place by line;
 * equal positions keep the order they were found in. */
static void test_error_order(void **state)
{
	struct cfg_diag d;
	struct cfg *cfg = load(
		"virtual_services:\n"
		"  - address: 10.0.0.1:80\n"
		"    real_servers:\n"
		"      - address: 10.0.0.2:80\n"
		"      - address: 10.0.0.2:80\n"
		"        weight: x\n"
		"global:\n"
		"  log_level: loud\n"
		"vrrp_instances:\n"
		"  - name: VI_1\n", &d);

	(void)state;
	assert_null(cfg);
	assert_int_equal(d.n_errors, 6);
	assert_int_equal(d.errors[0].line, 5);
	assert_non_null(strstr(d.errors[0].msg, "is already a real server"));
	assert_int_equal(d.errors[1].line, 6);
	assert_non_null(strstr(d.errors[1].msg, "weight: expected an integer"));
	assert_int_equal(d.errors[2].line, 8);
	assert_non_null(strstr(d.errors[2].msg, "log_level"));
	assert_int_equal(d.errors[3].line, 10);
	assert_non_null(strstr(d.errors[3].msg, "'interface'"));
	assert_int_equal(d.errors[4].line, 10);
	assert_non_null(strstr(d.errors[4].msg, "'virtual_router_id'"));
	assert_int_equal(d.errors[5].line, 10);
	assert_non_null(strstr(d.errors[5].msg, "at least one virtual IP"));
	cfg_diag_free(&d);
}

/* 120 copies of one service (119 duplicates, found by validation) before
 * 150 bad schedulers (found by parsing): 200 errors in line order, then
 * one marker without a position. */
static void test_error_cap(void **state)
{
	char *yaml = malloc(64 * 1024), *w = yaml;
	struct cfg_diag d;
	struct cfg *cfg;

	(void)state;
	assert_non_null(yaml);
	w += sprintf(w, "virtual_services:\n");
	for (int i = 0; i < 120; i++)
		w += sprintf(w, "  - address: 10.0.0.1:80\n");
	for (int i = 0; i < 150; i++)
		w += sprintf(w, "  - {address: 10.0.1.%d:80, scheduler: s%d}\n", i, i);
	cfg = load(yaml, &d);
	assert_null(cfg);
	assert_int_equal(d.n_errors, 201);
	for (size_t i = 1; i < 200; i++)
		assert_true(d.errors[i - 1].line <= d.errors[i].line);
	assert_int_equal(d.errors[0].line, 3);
	assert_string_equal(d.errors[0].msg, "virtual_services[1].address: "
			    "10.0.0.1:80/tcp is already served by "
			    "virtual_services[0] (line 2)");
	assert_int_equal(d.errors[200].line, 0);
	assert_string_equal(d.errors[200].msg, "too many errors; stopping after 200");
	cfg_diag_free(&d);
	free(yaml);
}

static void test_diag_format(void **state)
{
	struct cfg_diag d;
	char *text;

	(void)state;
	cfg_diag_init(&d, "f.yaml");
	cfg_diag_add(&d, 3, 4, "bad %s", "thing");
	cfg_diag_add(&d, 0, 0, "no position");
	text = cfg_diag_join(&d);
	assert_non_null(text);
	assert_string_equal(text, "f.yaml:3:4: bad thing\nf.yaml: no position\n");
	free(text);
	cfg_diag_free(&d);
	assert_int_equal(d.n_errors, 0);
	assert_null(d.errors);
}

static void test_load_file_errors(void **state)
{
	struct cfg_diag d;

	(void)state;
	cfg_diag_init(&d, "/nonexistent/lvsd.yaml");
	assert_null(cfg_load_file("/nonexistent/lvsd.yaml", &d));
	assert_int_equal(d.n_errors, 1);
	assert_int_equal(d.errors[0].line, 0);
	assert_string_equal(d.errors[0].msg, "cannot open: No such file or directory");
	cfg_diag_free(&d);
	cfg_diag_init(&d, TOP_SRCDIR "/tests");
	assert_null(cfg_load_file(TOP_SRCDIR "/tests", &d));
	assert_int_equal(d.n_errors, 1);
	assert_string_equal(d.errors[0].msg, "not a regular file");
	cfg_diag_free(&d);
}

/* The loader reads `len` bytes, not up to a NUL. */
static void test_buffer_length(void **state)
{
	static const char text[] = "global: {router_id: dir1}\nGARBAGE: [";
	struct cfg_diag d;
	struct cfg *cfg;

	(void)state;
	cfg_diag_init(&d, "buf");
	cfg = cfg_load_buffer("buf", text, strchr(text, '\n') + 1 - text, &d);
	assert_int_equal(d.n_errors, 0);
	assert_non_null(cfg);
	assert_string_equal(cfg->global.router_id, "dir1");
	assert_string_equal(cfg->file, "buf");
	cfg_free(cfg);
	cfg_diag_free(&d);
}

/* check.port is 16 bits wide; storing it must not spill into its
 * neighbours, and its range is a port's. */
static void test_check_port(void **state)
{
	struct cfg *cfg = load_ok(
		"virtual_services:\n"
		"  - address: 10.0.0.1:80\n"
		"    check: {type: tcp, address: 10.0.0.9, port: 65535, interval: 3}\n");
	const struct cfg_check *c = &cfg->services[0].check;

	(void)state;
	assert_int_equal(c->port, 65535);
	assert_int_equal(c->interval, S(3));
	assert_string_equal(fmt_addr(&c->address), "10.0.0.9");
	cfg_free(cfg);
	load_bad("virtual_services:\n  - {address: 10.0.0.1:80, check: {type: tcp, port: 0}}\n",
		 2, 53, "virtual_services[0].check.port: 0 is out of range 1..65535");
	load_bad("virtual_services:\n  - {address: 10.0.0.1:80, check: {type: tcp, port: 65536}}\n",
		 2, 53, "virtual_services[0].check.port: 65536 is out of range 1..65535");
	load_bad("virtual_services:\n  - {address: 10.0.0.1:80, check: {type: tcp, port: -1}}\n",
		 2, 53, "virtual_services[0].check.port: -1 is out of range 1..65535");
	load_bad("virtual_services:\n  - {address: 10.0.0.1:80, check: {type: tcp, port: http}}\n",
		 2, 53, "virtual_services[0].check.port: expected an integer, got 'http'");
}

static void test_service_label(void **state)
{
	struct cfg *cfg = load_ok(
		"global: {forwarding_core: ipvs}\n"
		"virtual_services:\n"
		"  - {name: web, address: 10.0.0.1:80}\n"
		"  - {fwmark: 7}\n"
		"  - {address: \"[2001:db8::1]:53\", protocol: udp}\n");
	char buf[128];

	(void)state;
	assert_string_equal(cfg_service_label(&cfg->services[0], buf, sizeof(buf)), "web");
	assert_string_equal(cfg_service_label(&cfg->services[1], buf, sizeof(buf)), "fwmark 7");
	assert_string_equal(cfg_service_label(&cfg->services[2], buf, sizeof(buf)),
			    "[2001:db8::1]:53/udp");
	assert_string_equal(cfg_check_type_name(CHECK_HTTPS), "https");
	assert_string_equal(cfg_check_type_name(CHECK_NONE), "none");
	cfg_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_global),
		cmocka_unit_test(test_global_process),
		cmocka_unit_test(test_defaults_service),
		cmocka_unit_test(test_defaults_check),
		cmocka_unit_test(test_defaults_vrrp),
		cmocka_unit_test(test_check_inheritance),
		cmocka_unit_test(test_check_inheritance_rules),
		cmocka_unit_test(test_forwarding_inheritance),
		cmocka_unit_test(test_aliases_share_check),
		cmocka_unit_test(test_error_order),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_diag_format),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_buffer_length),
		cmocka_unit_test(test_check_port),
		cmocka_unit_test(test_service_label),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_cfg.c - unit tests of the configuration loader's logic, through
 * cfg_load_buffer() on small YAML texts and through the pure helpers the
 * loader exports (cfg_parse_duration, cfg_decode_bytes, cfg_dns_qtype).
 *
 * The corpus (test_cfg_corpus.c) proves what each bad file reports; this
 * file proves what a good file means: defaults, units, inheritance of
 * checks and forwarding methods, aliases, netmasks, the order and the cap
 * of errors, and where every key of a full configuration lands.
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

#define S(x) ((cfg_ms)(x) * 1000)

/* ---- helpers ----------------------------------------------------------- */

static struct cfg *load(const char *yaml, struct cfg_diag *d)
{
	cfg_diag_init(d, "test.yaml");
	return cfg_load_buffer("test.yaml", yaml, strlen(yaml), d);
}

/* Load text that must be valid; print what the loader said if it is not. */
static struct cfg *load_ok(const char *yaml)
{
	struct cfg_diag d;
	struct cfg *cfg = load(yaml, &d);

	if (d.n_errors) {
		fprintf(stderr, "unexpected errors for:\n%s\n", yaml);
		cfg_diag_print(&d, stderr);
	}
	assert_int_equal(d.n_errors, 0);
	assert_non_null(cfg);
	cfg_diag_free(&d);
	return cfg;
}

/* Load text that must fail with exactly one error, `msg`, at line:col
 * (col 0: any column). */
static void load_bad(const char *yaml, unsigned line, unsigned col,
		     const char *msg)
{
	struct cfg_diag d;
	struct cfg *cfg = load(yaml, &d);

	if (d.n_errors != 1 || strcmp(d.errors[0].msg, msg) != 0) {
		fprintf(stderr, "for:\n%s\nexpected %u:%u: %s\ngot:\n", yaml,
			line, col, msg);
		cfg_diag_print(&d, stderr);
	}
	assert_null(cfg);
	assert_int_equal(d.n_errors, 1);
	assert_string_equal(d.errors[0].msg, msg);
	assert_int_equal(d.errors[0].line, line);
	if (col)
		assert_int_equal(d.errors[0].col, col);
	cfg_diag_free(&d);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char *fmt_addr(const struct lvs_addr *a)
{
	static char buf[ADDR_STRLEN];

	return addr_format(a, buf, sizeof(buf));
}

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
	assert_int_equal(g->max_conns, 100000);
	assert_null(g->lvs_sync.interface);
	assert_int_equal(cfg->n_vrrp + cfg->n_sync_groups + cfg->n_services, 0);
	cfg_free(cfg);
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
	assert_int_equal(s->scheduler, SCHED_WLC);
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
	assert_int_equal(v->n_virtual_ips, 0);
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

/* ---- values ---------------------------------------------------------------- */

/* One check interval written as `text`, loaded. */
static void load_interval(const char *text, struct cfg_diag *d, struct cfg **cfg)
{
	char yaml[256];

	snprintf(yaml, sizeof(yaml),
		 "virtual_services:\n"
		 "  - address: 10.0.0.1:80\n"
		 "    check: {type: tcp, interval: %s}\n", text);
	*cfg = load(yaml, d);
}

static void test_durations(void **state)
{
	static const struct {
		const char *text;
		cfg_ms ms;
	} ok[] = {
		{ "1", 1000 }, { "0.1", 100 }, { "100ms", 100 }, { "2s", 2000 },
		{ "5m", 300000 }, { "1h", 3600000 }, { "1.5", 1500 },
		{ "0.001", 1 }, { "1.000", 1000 }, { "0.25s", 250 },
		{ "1.5m", 90000 }, { "10min", 600000 }, { "24h", 86400000 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct cfg_diag d;
		struct cfg *cfg;

		load_interval(ok[i].text, &d, &cfg);
		if (d.n_errors)
			cfg_diag_print(&d, stderr);
		assert_int_equal(d.n_errors, 0);
		assert_int_equal(cfg->services[0].check.interval, ok[i].ms);
		cfg_free(cfg);
		cfg_diag_free(&d);
	}
}

#define NOT_DUR "is not a duration (seconds, or a number with ms, s, m or h)"

static void test_durations_rejected(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "1d", "'1d' " NOT_DUR }, { "1.", "'1.' " NOT_DUR },
		{ ".5", "'.5' " NOT_DUR }, { "1 s", "'1 s' " NOT_DUR },
		{ "-1", "'-1' " NOT_DUR }, { "1e3", "'1e3' " NOT_DUR },
		{ "0x10", "'0x10' " NOT_DUR }, { "''", "'' " NOT_DUR },
		{ "1s5", "'1s5' " NOT_DUR },
		{ "0", "'0' must be greater than zero" },
		{ "0ms", "'0ms' must be greater than zero" },
		{ "0.0001", "'0.0001' is finer than one millisecond" },
		{ "1.5ms", "'1.5ms' is finer than one millisecond" },
		{ "25h", "'25h' is out of range 0.001..86400s" },
		{ "99999999999", "'99999999999' is too long a duration" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cfg_diag d;
		struct cfg *cfg;
		char msg[300];

		snprintf(msg, sizeof(msg), "virtual_services[0].check.interval: %s",
			 bad[i].msg);
		load_interval(bad[i].text, &d, &cfg);
		assert_null(cfg);
		assert_int_equal(d.n_errors, 1);
		assert_string_equal(d.errors[0].msg, msg);
		assert_int_equal(d.errors[0].line, 3);
		assert_int_equal(d.errors[0].col, 34);
		cfg_diag_free(&d);
	}
}

/* The pure parser: exact milliseconds, and the reason on failure. */
static void test_parse_duration(void **state)
{
	cfg_ms ms = 42;
	char err[128];

	(void)state;
	assert_int_equal(cfg_parse_duration("0", &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(cfg_parse_duration("0.01", &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, 10);
	assert_int_equal(cfg_parse_duration("40.95s", &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, 40950);
	assert_int_equal(cfg_parse_duration("1000000000", &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, 1000000000000ull);
	ms = 42;
	assert_int_equal(cfg_parse_duration("1000000001", &ms, err, sizeof(err)), -1);
	assert_string_equal(err, "'1000000001' is too long a duration");
	assert_int_equal(ms, 42);	/* untouched on failure */
	assert_int_equal(cfg_parse_duration("2 h", &ms, err, sizeof(err)), -1);
	assert_int_equal(cfg_parse_duration("h", &ms, err, sizeof(err)), -1);
	assert_int_equal(cfg_parse_duration("0.0005h", &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, 1800);
}

static void test_booleans(void **state)
{
	static const char *const yes[] = { "true", "yes", "on", "True", "YES", "On" };
	static const char *const no[] = { "false", "no", "off", "False", "NO", "OFF" };
	static const char *const bad[] = { "1", "0", "y", "n", "maybe", "'true '" };
	char yaml[128], msg[128];
	struct cfg *cfg;

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		snprintf(yaml, sizeof(yaml), "global: {keep_on_stop: %s}\n", yes[i]);
		cfg = load_ok(yaml);
		assert_true(cfg->global.keep_on_stop);
		cfg_free(cfg);
		snprintf(yaml, sizeof(yaml), "global: {keep_on_stop: %s}\n", no[i]);
		cfg = load_ok(yaml);
		assert_false(cfg->global.keep_on_stop);
		cfg_free(cfg);
	}
	load_bad("global: {keep_on_stop: maybe}\n", 1, 24,
		 "global.keep_on_stop: expected true or false, got 'maybe'");
	for (size_t i = 0; i < 6; i++) {
		bool out = true;
		const char *word = bad[i][0] == '\'' ? "true " : bad[i];

		snprintf(yaml, sizeof(yaml), "global: {keep_on_stop: %s}\n", bad[i]);
		snprintf(msg, sizeof(msg),
			 "global.keep_on_stop: expected true or false, got '%s'", word);
		load_bad(yaml, 1, 24, msg);
		assert_int_equal(cfg_parse_bool(word, &out), -1);
	}
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

/* ---- persistence, bytes, DNS types, status codes -------------------------- */

static void test_persistence_netmask(void **state)
{
	static const struct {
		const char *addr, *pers;
		unsigned len;
		const char *text;
	} ok[] = {
		{ "10.0.0.1:80", "{}", 128, NULL },
		{ "10.0.0.1:80", "{netmask: 255.255.255.0}", 24, "255.255.255.0" },
		{ "10.0.0.1:80", "{netmask: 255.255.128.0}", 17, "255.255.128.0" },
		{ "10.0.0.1:80", "{netmask: 255.255.255.255}", 32, "255.255.255.255" },
		{ "10.0.0.1:80", "{netmask: 0.0.0.0}", 0, "0.0.0.0" },
		{ "10.0.0.1:80", "{netmask: /16}", 16, "/16" },
		{ "10.0.0.1:80", "{netmask: 24}", 24, "24" },
		{ "\"[2001:db8::1]:80\"", "{netmask: 64}", 64, "64" },
		{ "\"[2001:db8::1]:80\"", "{netmask: /128}", 128, "/128" },
	};
	char yaml[256];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct cfg *cfg;
		const struct cfg_persistence *p;

		snprintf(yaml, sizeof(yaml), "virtual_services:\n"
			 "  - {address: %s, persistence: %s}\n", ok[i].addr, ok[i].pers);
		cfg = load_ok(yaml);
		p = &cfg->services[0].persistence;
		assert_true(p->enabled);
		assert_int_equal(p->timeout, S(300));
		assert_int_equal(p->netmask_len, ok[i].len);
		if (ok[i].text)
			assert_string_equal(p->netmask_text, ok[i].text);
		else
			assert_null(p->netmask_text);
		cfg_free(cfg);
	}
}

static void test_persistence_netmask_rejected(void **state)
{
	static const struct {
		const char *addr, *mask, *msg;
	} bad[] = {
		{ "10.0.0.1:80", "255.0.255.0", "'255.0.255.0' is not a contiguous netmask" },
		{ "10.0.0.1:80", "255.255.256.0", "'255.255.256.0' is not a dotted IPv4 netmask" },
		{ "10.0.0.1:80", "33", "/33 is longer than an IPv4 address" },
		{ "10.0.0.1:80", "129", "'129' is neither a dotted netmask nor a prefix length 0..128" },
		{ "10.0.0.1:80", "-1", "'-1' is neither a dotted netmask nor a prefix length 0..128" },
		{ "10.0.0.1:80", "ff", "'ff' is neither a dotted netmask nor a prefix length 0..128" },
		{ "10.0.0.1:80", "/", "'/' is neither a dotted netmask nor a prefix length 0..128" },
		{ "\"[::1]:80\"", "255.255.0.0", "'255.255.0.0' is an IPv4 netmask; an "
		  "IPv6 service needs a prefix length (0..128)" },
	};
	char yaml[256], msg[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "virtual_services:\n"
			 "  - address: %s\n"
			 "    persistence:\n"
			 "      netmask: %s\n", bad[i].addr, bad[i].mask);
		snprintf(msg, sizeof(msg), "virtual_services[0].persistence.netmask: %s",
			 bad[i].msg);
		load_bad(yaml, 4, 16, msg);
	}
}

static void decode_ok(const char *in, const void *want, size_t want_len,
		      bool want_hex)
{
	unsigned char out[64];
	size_t len = 999;
	bool hex = !want_hex;
	char err[128] = "";

	assert_true(strlen(in) < sizeof(out));
	if (cfg_decode_bytes(in, out, &len, &hex, err, sizeof(err)) != 0)
		fprintf(stderr, "cfg_decode_bytes(\"%s\"): %s\n", in, err);
	assert_int_equal(len, want_len);
	assert_memory_equal(out, want, want_len);
	assert_int_equal(hex, want_hex);
}

static void decode_bad(const char *in, const char *msg)
{
	unsigned char out[64];
	size_t len;
	bool hex;
	char err[128] = "";

	assert_int_equal(cfg_decode_bytes(in, out, &len, &hex, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
}

static void test_decode_bytes(void **state)
{
	(void)state;
	decode_ok("PING\\r\\n", "PING\r\n", 6, false);
	decode_ok("plain", "plain", 5, false);
	decode_ok("", "", 0, false);
	decode_ok("\\t\\a\\b\\f\\v\\e", "\t\a\b\f\v\033", 6, false);
	decode_ok("a\\\\b\\\"c\\'", "a\\b\"c'", 6, false);
	decode_ok("\\x41\\x4a\\x4", "AJ\004", 3, false);
	decode_ok("\\x4g", "\004g", 2, false);
	decode_ok("\\0\\101\\1010", "\0AA0", 4, false);
	decode_ok("\\377", "\377", 1, false);
	decode_ok("hex:50494e47", "PING", 4, true);
	decode_ok("hex:50 49 4E 47", "PING", 4, true);
	decode_ok("hex:", "", 0, true);
	decode_ok("hex:00ff", "\0\377", 2, true);
	/* Only a prefix at the very start means hex. */
	decode_ok("HEX:41", "HEX:41", 6, false);
}

static void test_decode_bytes_rejected(void **state)
{
	(void)state;
	decode_bad("\\q", "unknown escape '\\q'");
	decode_bad("ab\\", "a '\\' at the end escapes nothing");
	decode_bad("\\x", "\\x is not followed by hex digits");
	decode_bad("\\xg1", "\\x is not followed by hex digits");
	decode_bad("\\400", "'\\400' is more than a byte (at most \\377)");
	decode_bad("hex:5", "odd number of hex digits (the last, '5', is half a byte)");
	decode_bad("hex:414", "odd number of hex digits (the last, '4', is half a byte)");
	decode_bad("hex:4g", "'4g' is not a hex byte");
	decode_bad("hex:zz", "'zz' is not a hex byte");
	decode_bad("hex:4 1", "'4 ' is not a hex byte");
}

static void test_dns_qtype(void **state)
{
	(void)state;
	assert_int_equal(cfg_dns_qtype("A"), 1);
	assert_int_equal(cfg_dns_qtype("a"), 1);
	assert_int_equal(cfg_dns_qtype("NS"), 2);
	assert_int_equal(cfg_dns_qtype("CNAME"), 5);
	assert_int_equal(cfg_dns_qtype("SOA"), 6);
	assert_int_equal(cfg_dns_qtype("PTR"), 12);
	assert_int_equal(cfg_dns_qtype("MX"), 15);
	assert_int_equal(cfg_dns_qtype("TXT"), 16);
	assert_int_equal(cfg_dns_qtype("aaaa"), 28);
	assert_int_equal(cfg_dns_qtype("SRV"), 33);
	assert_int_equal(cfg_dns_qtype("ANY"), 255);
	assert_int_equal(cfg_dns_qtype("CAA"), 257);
	assert_int_equal(cfg_dns_qtype("TYPE99"), 99);
	assert_int_equal(cfg_dns_qtype("type65535"), 65535);
	assert_int_equal(cfg_dns_qtype("TYPE1"), 1);
	assert_int_equal(cfg_dns_qtype("TYPE0"), 0);
	assert_int_equal(cfg_dns_qtype("TYPE65536"), 0);
	assert_int_equal(cfg_dns_qtype("TYPE"), 0);
	assert_int_equal(cfg_dns_qtype("TYPE12a"), 0);
	assert_int_equal(cfg_dns_qtype("TYPE+5"), 0);
	assert_int_equal(cfg_dns_qtype("AXFR"), 0);
	assert_int_equal(cfg_dns_qtype("AA"), 0);
	assert_int_equal(cfg_dns_qtype(""), 0);
}

/* The qtype key stores the number and reports unknown names. */
static void test_dns_qtype_key(void **state)
{
	struct cfg *cfg = load_ok(
		"virtual_services:\n"
		"  - address: 10.0.0.1:53\n"
		"    protocol: udp\n"
		"    check: {type: dns, name: example.com, qtype: mx, answer: 10.0.0.9}\n");

	(void)state;
	assert_int_equal(cfg->services[0].check.qtype, 15);
	assert_string_equal(fmt_addr(&cfg->services[0].check.answer), "10.0.0.9");
	cfg_free(cfg);
}

static void test_status_ranges(void **state)
{
	struct cfg *cfg = load_ok(
		"virtual_services:\n"
		"  - address: 10.0.0.1:80\n"
		"    check: {type: http, status: [\"200-299\", 301, \"100-599\", \"404-404\"]}\n"
		"  - address: 10.0.0.1:81\n"
		"    check: {type: http, status: 204}\n");
	const struct cfg_check *c = &cfg->services[0].check;

	(void)state;
	assert_int_equal(c->n_status, 4);
	assert_int_equal(c->status[0].lo, 200);
	assert_int_equal(c->status[0].hi, 299);
	assert_int_equal(c->status[1].lo, 301);
	assert_int_equal(c->status[1].hi, 301);
	assert_int_equal(c->status[2].lo, 100);
	assert_int_equal(c->status[2].hi, 599);
	assert_int_equal(c->status[3].lo, 404);
	assert_int_equal(c->status[3].hi, 404);
	assert_int_equal(cfg->services[1].check.n_status, 1);
	assert_int_equal(cfg->services[1].check.status[0].lo, 204);
	assert_int_equal(cfg->services[1].check.status[0].hi, 204);
	cfg_free(cfg);
}

static void test_status_rejected(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "99", "'99' is not a status code or a range like 200-299" },
		{ "1000", "'1000' is not a status code or a range like 200-299" },
		{ "' 200'", "' 200' is not a status code or a range like 200-299" },
		{ "200-", "'200-' is not a status code or a range like 200-299" },
		{ "200- 299", "'200- 299' is not a status code or a range like 200-299" },
		{ "-200", "'-200' is not a status code or a range like 200-299" },
		{ "099", "'099' is not within 100..599" },
		{ "500-600", "'500-600' is not within 100..599" },
		{ "300-200", "'300-200' is an empty range (its low end is above its high end)" },
	};
	char yaml[256], msg[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "virtual_services:\n"
			 "  - address: 10.0.0.1:80\n"
			 "    check:\n"
			 "      type: http\n"
			 "      status: %s\n", bad[i].text);
		snprintf(msg, sizeof(msg), "virtual_services[0].check.status: %s",
			 bad[i].msg);
		load_bad(yaml, 5, 15, msg);
	}
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
	assert_int_equal(d.n_errors, 5);
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

/* ---- the full configuration (tests/cfg/good/full.yaml) -------------------- */

static int full_setup(void **state)
{
	char *text = read_text(TOP_SRCDIR "/tests/cfg/good/full.yaml");

	*state = load_ok(text);
	free(text);
	return 0;
}

static int full_teardown(void **state)
{
	cfg_free(*state);
	return 0;
}

static void test_full_global(void **state)
{
	const struct cfg *cfg = *state;
	const struct cfg_global *g = &cfg->global;

	assert_string_equal(g->router_id, "dir1");
	assert_string_equal(g->log_file, "/var/log/lvsd.log");
	assert_int_equal(g->log_level, LOG_LVL_DEBUG);
	assert_string_equal(g->control_socket, "/run/lvsd-test.sock");
	assert_string_equal(g->status_file, "/run/lvsd.status.json");
	assert_string_equal(fmt_addr(&g->metrics_listen), "127.0.0.1:9110");
	assert_int_equal(g->forwarding_core, CFG_CORE_AUTO);
	assert_true(g->keep_on_stop);
	assert_true(g->auto_reload);
	assert_string_equal(g->script_user, "nobody");
	assert_int_equal(g->timeouts.tcp, S(900));
	assert_int_equal(g->timeouts.tcpfin, S(120));
	assert_int_equal(g->timeouts.udp, S(300));
	assert_int_equal(g->max_conns, 50000);
	assert_string_equal(g->lvs_sync.interface, "eth0");
	assert_int_equal(g->lvs_sync.syncid, 1);
	assert_int_equal(cfg->n_sync_groups, 1);
	assert_string_equal(cfg->sync_groups[0].name, "G1");
	assert_int_equal(cfg->sync_groups[0].n_instances, 2);
	assert_string_equal(cfg->sync_groups[0].instances[0].name, "VI_1");
	assert_string_equal(cfg->sync_groups[0].instances[1].name, "VI_2");
}

static void test_full_vrrp(void **state)
{
	const struct cfg *cfg = *state;
	const struct cfg_vrrp *v = &cfg->vrrp[0];
	char a[ADDR_STRLEN];

	assert_int_equal(cfg->n_vrrp, 2);
	assert_string_equal(v->name, "VI_1");
	assert_string_equal(v->interface, "eth0");
	assert_int_equal(v->vrid, 51);
	assert_int_equal(v->priority, 150);
	assert_int_equal(v->version, 3);
	assert_int_equal(v->advert_interval, 500);
	assert_false(v->preempt);
	assert_int_equal(v->preempt_delay, S(30));
	assert_int_equal(v->n_unicast_peers, 1);
	assert_string_equal(fmt_addr(&v->unicast_peers[0]), "10.0.0.2");
	assert_int_equal(v->n_virtual_ips, 2);
	assert_string_equal(addr_format_ip(&v->virtual_ips[0].addr, a, sizeof(a)), "10.0.0.100");
	assert_int_equal(v->virtual_ips[0].len, 24);
	assert_int_equal(v->virtual_ips[1].len, 32);
	assert_int_equal(v->n_track_interfaces, 2);
	assert_string_equal(v->track_interfaces[0].name, "eth1");
	assert_int_equal(v->track_interfaces[0].weight, -50);
	assert_int_equal(v->track_scripts[0].interval, S(2));
	assert_int_equal(v->track_scripts[0].timeout, S(1));
	assert_int_equal(v->track_scripts[0].weight, -60);
	assert_int_equal(v->track_scripts[0].rise, 2);
	assert_int_equal(v->track_scripts[0].fall, 2);
	assert_string_equal(v->track_scripts[0].script, "/usr/local/bin/ok");
	assert_string_equal(v->notify.master, "/etc/lvsd/notify master");
	assert_string_equal(v->notify.backup, "/etc/lvsd/notify backup");
	assert_string_equal(v->notify.fault, "/etc/lvsd/notify fault");
	assert_string_equal(v->notify.stop, "/etc/lvsd/notify stop");
	assert_int_equal(v->garp.delay, S(5));
	assert_int_equal(v->garp.repeat, 3);
	assert_int_equal(v->garp.refresh, S(60));
	assert_int_equal(cfg->vrrp[1].version, 2);
	assert_int_equal(cfg->vrrp[1].advert_interval, S(2));
	assert_int_equal(cfg->vrrp[1].priority, 100);
}

static void test_full_service(void **state)
{
	const struct cfg *cfg = *state;
	const struct cfg_service *s = &cfg->services[0];
	const struct cfg_real_server *rs = s->real_servers;

	assert_int_equal(cfg->n_services, 7);
	assert_string_equal(s->name, "web");
	assert_string_equal(fmt_addr(&s->address), "10.0.0.100:80");
	assert_int_equal(s->protocol, CFG_PROTO_TCP);
	assert_int_equal(s->scheduler, SCHED_WLC);
	assert_int_equal(s->forwarding, CFG_FWD_NAT);
	assert_true(s->persistence.enabled);
	assert_int_equal(s->persistence.timeout, S(600));
	assert_int_equal(s->persistence.netmask_len, 24);
	assert_int_equal(s->proxy_protocol, CFG_PROXY_V2);
	assert_int_equal(s->on_failure, CFG_FAIL_REMOVE);
	assert_int_equal(s->drain_timeout, S(300));
	assert_int_equal(s->quorum, 2);
	assert_int_equal(s->hysteresis, 1);
	assert_string_equal(fmt_addr(&s->sorry_server), "10.0.0.30:80");
	assert_int_equal(s->n_real_servers, 2);
	assert_string_equal(fmt_addr(&rs[0].address), "10.0.0.21:80");
	assert_int_equal(rs[0].weight, 1);
	assert_int_equal(rs[0].upper_threshold, 1000);
	assert_int_equal(rs[0].lower_threshold, 800);
	assert_int_equal(rs[0].forwarding, CFG_FWD_DR);
	assert_string_equal(rs[0].notify_up, "/etc/lvsd/up.sh");
	assert_string_equal(rs[0].notify_down, "/etc/lvsd/down.sh");
	assert_int_equal(rs[0].check.type, CHECK_HTTP);
	assert_string_equal(fmt_addr(&rs[1].address), "10.0.0.22:8080");
	assert_int_equal(rs[1].weight, 3);
	assert_int_equal(rs[1].forwarding, CFG_FWD_NAT);
	assert_int_equal(rs[1].check.type, CHECK_TCP);
	assert_int_equal(rs[1].check.port, 0);
	assert_int_equal(cfg->services[1].real_servers[0].forwarding, CFG_FWD_TUN);
	assert_int_equal(cfg->services[6].fwmark, 1);
	assert_int_equal(cfg->services[6].address.af, 0);
	assert_int_equal(cfg->services[6].scheduler, SCHED_MH);
}

static void test_full_http_check(void **state)
{
	const struct cfg *cfg = *state;
	const struct cfg_check *c = &cfg->services[0].check;
	static const unsigned char sha[8] = {
		0x9f, 0x86, 0xd0, 0x81, 0x88, 0x4c, 0x7d, 0x65,
	};

	assert_int_equal(c->type, CHECK_HTTP);
	assert_string_equal(fmt_addr(&c->address), "10.0.0.21");
	assert_int_equal(c->port, 8080);
	assert_int_equal(c->interval, S(1));
	assert_int_equal(c->timeout, 500);
	assert_int_equal(c->rise, 2);
	assert_int_equal(c->fall, 3);
	assert_true(c->alpha);
	assert_int_equal(c->method, CFG_HTTP_HEAD);
	assert_int_equal(c->http_version, CFG_HTTP_10);
	assert_string_equal(c->path, "/health");
	assert_string_equal(c->host, "www.example.com");
	assert_int_equal(c->n_status, 2);
	assert_int_equal(c->status[0].lo, 200);
	assert_int_equal(c->status[0].hi, 299);
	assert_int_equal(c->status[1].lo, 301);
	assert_string_equal(c->body, "ok");
	assert_int_equal(c->digest_alg, CFG_DIGEST_SHA256);
	assert_memory_equal(c->digest, sha, sizeof(sha));
	assert_int_equal(c->digest[31], 0x08);
	c = &cfg->services[1].check;
	assert_int_equal(c->type, CHECK_HTTPS);
	assert_int_equal(c->n_status, 1);
	assert_int_equal(c->status[0].lo, 200);
	assert_string_equal(c->sni, "www.example.com");
	assert_true(c->verify);
	assert_string_equal(c->ca, "/etc/ssl/certs/ca.pem");
	assert_string_equal(c->cert, "/etc/lvsd/client.pem");
	assert_string_equal(c->key, "/etc/lvsd/client.key");
	assert_int_equal(cfg->services[1].scheduler, SCHED_SH);
}

static void test_full_other_checks(void **state)
{
	const struct cfg *cfg = *state;
	const struct cfg_check *c = &cfg->services[2].check;
	const struct cfg_check *r = &cfg->services[2].real_servers[1].check;

	assert_int_equal(c->type, CHECK_EXPECT);
	assert_int_equal(c->transport, CFG_TRANSPORT_TCP);
	assert_int_equal(c->send.len, 6);
	assert_memory_equal(c->send.data, "PING\r\n", 6);
	assert_false(c->send.is_hex);
	assert_string_equal(c->expect_regex, "^\\+PONG");
	assert_null(c->expect.data);
	assert_int_equal(r->transport, CFG_TRANSPORT_TLS);
	assert_string_equal(r->sni, "redis.example.com");
	assert_true(r->send.is_hex);
	assert_memory_equal(r->send.data, "PING\r\n", 6);
	assert_int_equal(r->expect.len, 5);
	assert_memory_equal(r->expect.data, "+PONG", 5);
	assert_null(r->expect_regex);
	assert_string_equal(cfg->services[3].check.script, "/usr/local/bin/check-db");
	c = &cfg->services[4].check;
	assert_int_equal(cfg->services[4].protocol, CFG_PROTO_UDP);
	assert_int_equal(c->type, CHECK_DNS);
	assert_string_equal(c->name, "www.example.com");
	assert_int_equal(c->qtype, 28);
	assert_string_equal(fmt_addr(&c->answer), "2001:db8::21");
	assert_int_equal(cfg->services[5].check.type, CHECK_SMTP);
	assert_string_equal(cfg->services[5].check.helo, "director.example.com");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_global),
		cmocka_unit_test(test_defaults_service),
		cmocka_unit_test(test_defaults_check),
		cmocka_unit_test(test_defaults_vrrp),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_durations_rejected),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_check_inheritance),
		cmocka_unit_test(test_check_inheritance_rules),
		cmocka_unit_test(test_forwarding_inheritance),
		cmocka_unit_test(test_aliases_share_check),
		cmocka_unit_test(test_persistence_netmask),
		cmocka_unit_test(test_persistence_netmask_rejected),
		cmocka_unit_test(test_decode_bytes),
		cmocka_unit_test(test_decode_bytes_rejected),
		cmocka_unit_test(test_dns_qtype),
		cmocka_unit_test(test_dns_qtype_key),
		cmocka_unit_test(test_status_ranges),
		cmocka_unit_test(test_status_rejected),
		cmocka_unit_test(test_error_order),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_diag_format),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_buffer_length),
		cmocka_unit_test(test_check_port),
		cmocka_unit_test(test_service_label),
		cmocka_unit_test_setup_teardown(test_full_global, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_full_vrrp, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_full_service, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_full_http_check, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_full_other_checks, full_setup, full_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_cfg_model.c - where every key of tests/cfg/good/full.yaml lands in
 * the model: the loader's output read back field by field.
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
	assert_int_equal(g->timeouts.connect, S(3));
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
	assert_int_equal(s->scheduler, CFG_SCHED_WLC);
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
	assert_int_equal(cfg->services[6].scheduler, CFG_SCHED_MH);
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
	assert_int_equal(cfg->services[1].scheduler, CFG_SCHED_SH);
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
		cmocka_unit_test_setup_teardown(test_full_global, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_full_vrrp, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_full_service, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_full_http_check, full_setup, full_teardown),
		cmocka_unit_test_setup_teardown(test_full_other_checks, full_setup, full_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

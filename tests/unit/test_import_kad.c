/*
 * test_import_kad.c - `lvsctl import` of keepalived.conf: virtual
 * servers, checkers, VRRP instances, scripts and sync groups, and the
 * final pass that fixes what lvsd -t would refuse. Each result is loaded
 * through the real configuration loader and checked in the model.
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

#include "import_test_util.h"

/* ---- keepalived mapping ------------------------------------------------------ */

static void test_kad_virtual_server(void **state)
{
	struct run r;
	const struct cfg_service *s;

	(void)state;
	run(&r, IMP_FMT_KEEPALIVED, "k.conf",
	    "virtual_server 10.0.0.1 80 {\n"
	    "  delay_loop 3\n  lb_algo wrr\n  lb_kind DR\n"
	    "  persistence_timeout 120\n  persistence_granularity 255.255.255.0\n"
	    "  smtp_alert\n"
	    "  real_server 10.0.1.1 80 {\n    weight 4\n    inhibit_on_failure\n"
	    "    HTTP_GET {\n      url { path /ok\n digest 0123456789ABCDEF0123456789abcdef\n"
	    "            status_code 200-299 301 }\n"
	    "      connect_timeout 2\n      nb_get_retry 2\n    }\n"
	    "    TCP_CHECK { connect_timeout 1 }\n  }\n"
	    "  real_server 10.0.1.2 8080 {\n    inhibit_on_failure\n    lb_kind NAT\n"
	    "    TCP_CHECK { connect_port 81\n retry 0 }\n  }\n"
	    "  bogus_keyword 1\n"
	    "}\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->n_services, 1);
	s = &r.cfg->services[0];
	assert_int_equal(s->scheduler, CFG_SCHED_WRR);
	assert_int_equal(s->forwarding, CFG_FWD_DR);
	assert_int_equal(s->on_failure, CFG_FAIL_QUIESCE);
	assert_true(s->persistence.enabled);
	assert_int_equal(s->persistence.timeout, 120000);
	assert_int_equal(s->persistence.netmask_len, 24);
	assert_int_equal(s->n_real_servers, 2);
	/* the servers' checks differ: each keeps its own */
	assert_int_equal(s->real_servers[0].weight, 4);
	assert_int_equal(s->real_servers[0].check.type, CHECK_HTTP);
	assert_int_equal(s->real_servers[0].check.interval, 3000);
	assert_int_equal(s->real_servers[0].check.timeout, 2000);
	assert_int_equal(s->real_servers[0].check.rise, 1);
	assert_int_equal(s->real_servers[0].check.fall, 3);	/* retries + 1 */
	assert_int_equal(s->real_servers[0].check.n_status, 2);
	assert_int_equal(s->real_servers[0].check.digest_alg, CFG_DIGEST_MD5);
	assert_string_equal(s->real_servers[0].check.path, "/ok");
	assert_int_equal(s->real_servers[1].weight, 1);
	assert_int_equal(s->real_servers[1].forwarding, CFG_FWD_NAT);
	assert_int_equal(s->real_servers[1].check.type, CHECK_TCP);
	assert_int_equal(s->real_servers[1].check.port, 81);
	assert_int_equal(s->real_servers[1].check.fall, 1);
	assert_int_equal(s->real_servers[1].check.timeout, 5000);	/* keepalived's */
	has_warning(&r, "k.conf:7: smtp_alert: ");
	has_warning(&r, "k.conf:18: TCP_CHECK: lvsd has one check per real server");
	has_warning(&r, "k.conf:26: bogus_keyword: unknown or unsupported in virtual_server");
	done(&r);
}

static void test_kad_hoist_and_failure(void **state)
{
	struct run r;
	const struct cfg_service *s;

	(void)state;
	run(&r, IMP_FMT_KEEPALIVED, "k.conf",
	    "virtual_server fwmark 5 {\n delay_loop 2\n alpha\n"
	    " real_server 10.0.1.1 80 {\n  MISC_CHECK {\n   misc_path \"/usr/bin/true x\"\n"
	    "   misc_timeout 3\n  }\n  inhibit_on_failure\n }\n"
	    " real_server 10.0.1.2 80 {\n  MISC_CHECK {\n   misc_path \"/usr/bin/true x\"\n"
	    "   misc_timeout 3\n  }\n }\n"
	    " real_server 10.0.1.3 80 { MISC_CHECK { misc_path \"/usr/bin/true x\" } }\n"
	    "}\n"
	    "virtual_server 10.0.0.2 53 {\n protocol UDP\n hysteresis 3\n"
	    " real_server 10.0.1.1 53 {\n }\n}\n"
	    "virtual_server 10.0.0.3 25 {\n protocol SCTP\n}\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->n_services, 2);
	s = &r.cfg->services[0];
	assert_int_equal(s->fwmark, 5);
	/* one server of three inhibits: remove wins, and says so */
	assert_int_equal(s->on_failure, CFG_FAIL_REMOVE);
	has_warning(&r, "inhibit_on_failure: set on 1 of 3 real servers");
	/* two servers' checks are equal, the third's timeout differs: not hoisted */
	assert_int_equal(s->check.type, CHECK_NONE);
	/* no misc_timeout: keepalived waits the whole delay_loop */
	assert_int_equal(s->real_servers[2].check.timeout, 2000);
	assert_int_equal(s->real_servers[0].check.type, CHECK_SCRIPT);
	assert_true(s->real_servers[0].check.alpha);
	assert_string_equal(s->real_servers[0].check.script, "/usr/bin/true x");
	s = &r.cfg->services[1];
	assert_int_equal(s->protocol, CFG_PROTO_UDP);
	assert_int_equal(s->hysteresis, 0);
	assert_int_equal(s->real_servers[0].check.type, CHECK_NONE);
	has_warning(&r, "k.conf:19: hysteresis: lvsd needs it below quorum");
	has_warning(&r, "k.conf:26: protocol: SCTP: lvsd balances tcp and udp only");
	done(&r);

	run(&r, IMP_FMT_KEEPALIVED, "k.conf",
	    "virtual_server 10.0.0.1 443 {\n delay_loop 4\n"
	    " real_server 10.0.1.1 443 { SSL_GET {\n url { path /h }\n } }\n"
	    " real_server 10.0.1.2 443 { SSL_GET {\n url { path /h }\n } }\n}\n");
	s = &r.cfg->services[0];
	assert_int_equal(s->check.type, CHECK_HTTPS);	/* equal: hoisted */
	assert_true(!s->real_servers[0].has_own_check && !s->real_servers[1].has_own_check);
	assert_int_equal(s->on_failure, CFG_FAIL_REMOVE);
	assert_int_equal(s->check.fall, 2);
	done(&r);
}

/* keepalived 2 lets a real server set its checkers' timing, after them too */
static void test_kad_server_defaults(void **state)
{
	struct run r;
	const struct cfg_service *s;

	(void)state;
	run(&r, IMP_FMT_KEEPALIVED, "k.conf",
	    "virtual_server 10.0.0.1 80 {\n delay_loop 9\n"
	    " real_server 10.0.1.1 80 {\n  TCP_CHECK {\n  }\n  delay_loop 3\n  retry 4\n"
	    "  inhibit_on_failure\n }\n"
	    " real_server 10.0.1.2 80 {\n  TCP_CHECK {\n  }\n }\n}\n");
	s = &r.cfg->services[0];
	assert_int_equal(s->real_servers[0].check.interval, 3000);
	assert_int_equal(s->real_servers[0].check.fall, 5);
	assert_int_equal(s->real_servers[1].check.interval, 9000);
	assert_int_equal(s->real_servers[1].check.fall, 2);
	assert_int_equal(s->on_failure, CFG_FAIL_QUIESCE);	/* a tie: keepalived's inhibit */
	has_warning(&r, "k.conf:1: inhibit_on_failure: set on 1 of 2 real servers");
	assert_null(strstr(r.warn, "delay_loop"));
	done(&r);
}

/* keepalived's two processes' priorities become lvsd's one nice: the lower. */
static void test_kad_process_settings(void **state)
{
	struct run r;

	(void)state;
	run(&r, IMP_FMT_KEEPALIVED, "k.conf",
	    "global_defs {\n  checker_priority -5\n  vrrp_priority -10\n"
	    "  vrrp_no_swap\n  checker_priority -30\n}\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->global.nice, -10);
	assert_true(r.cfg->global.lock_memory);
	has_warning(&r, "k.conf:3: vrrp_priority: lvsd runs VRRP and the checks in one process: "
		    "nice is the lower of -5 and -10");
	has_warning(&r, "k.conf:5: checker_priority: '-30' is not a whole number in -20..19");
	done(&r);
}

static void test_kad_vrrp(void **state)
{
	struct run r;
	const struct cfg_vrrp *v;

	(void)state;
	run(&r, IMP_FMT_KEEPALIVED, "k.conf",
	    "vrrp_script chk {\n script \"/usr/bin/true\"\n interval 2\n weight 10\n"
	    " user nobody\n}\n"
	    "vrrp_instance VI_1 {\n state MASTER\n interface eth9\n virtual_router_id 9\n"
	    " priority 200\n advert_int 2\n nopreempt\n"
	    " unicast_peer {\n  192.0.2.2\n }\n"
	    " virtual_ipaddress {\n  192.0.2.100/24 dev eth9\n  192.0.2.101 dev eth8 label eth8:1\n"
	    "  2001:db8::1/64\n }\n"
	    " track_script {\n  chk weight -30\n  missing\n }\n"
	    " garp_master_refresh 60\n"
	    "}\n"
	    "vrrp_instance VI_2 {\n interface eth9\n virtual_router_id 10\n"
	    " virtual_ipaddress { 192.0.2.102/24 192.0.2.103/24 }\n}\n"
	    "vrrp_sync_group G {\n group { VI_1 VI_2 }\n notify_fault /bin/x\n}\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->n_vrrp, 2);
	v = &r.cfg->vrrp[0];
	assert_int_equal(v->version, 2);	/* keepalived's default */
	assert_int_equal(v->priority, 200);
	assert_false(v->preempt);
	assert_int_equal(v->advert_interval, 2000);
	assert_int_equal(v->n_unicast_peers, 1);
	assert_int_equal(v->n_virtual_ips, 2);
	assert_int_equal(v->n_track_scripts, 1);
	assert_int_equal(v->track_scripts[0].weight, -30);
	assert_int_equal(v->track_scripts[0].interval, 2000);
	assert_int_equal(v->garp.refresh, 60000);
	assert_int_equal(r.cfg->vrrp[1].n_virtual_ips, 2);
	assert_int_equal(r.cfg->n_sync_groups, 1);
	assert_int_equal(r.cfg->sync_groups[0].n_instances, 2);
	has_warning(&r, "k.conf:8: state: lvsd derives the initial state");
	has_warning(&r, "k.conf:19: dev: 'dev eth8' on VIP 192.0.2.101");
	has_warning(&r, "k.conf:19: label: 'label eth8:1'");
	has_warning(&r, "k.conf:20: 2001:db8::1/64: an IPv6 VIP");
	has_warning(&r, "k.conf:24: missing: no vrrp_script of that name");
	has_warning(&r, "k.conf:5: user: lvsd runs every script as global.script_user");
	has_warning(&r, "k.conf:35: notify_fault: lvsd notifies per instance");
	done(&r);

	run(&r, IMP_FMT_KEEPALIVED, "k.conf",
	    "vrrp_instance V {\n interface e0\n virtual_router_id 1\n advert_int 0.1\n"
	    " virtual_ipaddress {\n  10.0.0.1\n }\n"
	    " track_script {\n  relative\n }\n}\n"
	    "vrrp_script relative {\n script \"no-such-program-lvsd --x\"\n}\n"
	    "global_defs {\n vrrp_version 3\n script_user no-such-user-lvsd\n}\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->vrrp[0].version, 3);
	assert_int_equal(r.cfg->vrrp[0].advert_interval, 100);
	assert_int_equal(r.cfg->vrrp[0].n_track_scripts, 0);
	has_warning(&r, "k.conf:13: script: 'no-such-program-lvsd --x': lvsd runs commands "
		    "without a shell, by absolute path");
	has_warning(&r, "k.conf:17: script_user: no user 'no-such-user-lvsd'");
	done(&r);
}

/* ---- the final pass: what lvsd -t would refuse ---------------------------------- */

static void test_finish(void **state)
{
	struct run r;

	(void)state;
	run(&r, IMP_FMT_KEEPALIVED, "k.conf",
	    "virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80 {\n }\n"
	    " real_server 10.0.1.1 80 {\n  weight 5\n }\n}\n"
	    "virtual_server 10.0.0.1 80 {\n lb_algo rr\n}\n"
	    "virtual_server fwmark 3 {\n real_server 10.0.1.2 0 {\n  TCP_CHECK {\n  }\n }\n"
	    " real_server 10.0.1.3 0 {\n  TCP_CHECK {\n   connect_port 22\n  }\n }\n}\n"
	    "vrrp_instance V6 {\n interface e0\n virtual_router_id 1\n"
	    " virtual_ipaddress {\n  2001:db8::1\n }\n}\n"
	    "vrrp_instance V2 {\n interface e0\n virtual_router_id 2\n advert_int 1.5\n"
	    " virtual_ipaddress {\n  10.0.0.9\n }\n}\n"
	    "vrrp_sync_group G {\n group {\n  V6\n  V2\n }\n}\n"
	    "vrrp_sync_group H {\n group {\n  V2\n }\n}\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->n_services, 2);
	assert_int_equal(r.cfg->services[0].n_real_servers, 1);
	assert_int_equal(r.cfg->services[0].real_servers[0].weight, 1);
	assert_int_equal(r.cfg->services[0].scheduler, CFG_SCHED_WLC);
	assert_int_equal(r.cfg->services[1].real_servers[0].check.type, CHECK_NONE);
	assert_int_equal(r.cfg->services[1].real_servers[1].check.type, CHECK_TCP);
	assert_int_equal(r.cfg->n_vrrp, 1);
	assert_int_equal(r.cfg->vrrp[0].advert_interval, 2000);
	assert_int_equal(r.cfg->n_sync_groups, 1);
	assert_int_equal(r.cfg->sync_groups[0].n_instances, 1);
	has_warning(&r, "k.conf:4: 10.0.1.1:80: already a real server of this service");
	has_warning(&r, "k.conf:8: 10.0.0.1:80: the same service is defined above");
	has_warning(&r, "k.conf:12: 10.0.1.2: no port, so its check has nothing to connect to");
	has_warning(&r, "k.conf:22: V6: lvsd needs at least one (IPv4) virtual IP");
	has_warning(&r, "k.conf:29: advert_int: VRRPv2 counts whole seconds");
	has_warning(&r, "k.conf:37: V6: no VRRP instance of that name is carried");
	has_warning(&r, "k.conf:43: V2: already in another sync group");
	has_warning(&r, "k.conf:43: H: no instance left — sync group dropped");
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kad_virtual_server),
		cmocka_unit_test(test_kad_hoist_and_failure),
		cmocka_unit_test(test_kad_server_defaults),
		cmocka_unit_test(test_kad_process_settings),
		cmocka_unit_test(test_kad_vrrp),
		cmocka_unit_test(test_finish),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_ipvs_fmt_conns.c - the connection listing against ipvsadm -Lnc.
 *
 * ipvsadm v1.31 reads /proc/net/ip_vs_conn and prints each entry with
 * "%-3s %-6s %-11s %-18s %-18s %s\n": the kernel's protocol name, the
 * expiry as %02d:%02d minutes and seconds, the kernel's state name, then
 * client, virtual and destination as IP:PORT ([IPv6]:PORT). The expected
 * text below applies those formats by hand. The names are the kernel's:
 * tcp_state_name_table for TCP, "UDP" for UDP's one state, "NONE" for a
 * persistence template not yet assured, and protocol "IP" with the mark
 * as the virtual address for a fwmark service's template.
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ipvs_fmt.h"
#include "addr_test_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct fwd_conn_info conn(enum cfg_proto p, enum fwd_conn_state st,
				 uint64_t expires_ms, struct lvs_addr c,
				 struct lvs_addr v, struct lvs_addr d)
{
	struct fwd_conn_info ci = {
		.protocol = p, .client = c, .virt = v, .dest = d,
		.state = st, .expires_ms = expires_ms,
	};
	return ci;
}

static struct fwd_conn_info tpl(struct fwd_conn_info ci, uint32_t fwmark)
{
	ci.state = FWD_CONN_TEMPLATE;
	ci.is_template = true;
	ci.fwmark = fwmark;
	return ci;
}

static char *render(const struct fwd_conn_info *c, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(ipvs_fmt_conns(c, n, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static const enum fwd_conn_state tcp_states[] = {
	FWD_CONN_NONE, FWD_CONN_ESTABLISHED, FWD_CONN_SYN_SENT,
	FWD_CONN_SYN_RECV, FWD_CONN_FIN_WAIT, FWD_CONN_TIME_WAIT,
	FWD_CONN_CLOSE, FWD_CONN_CLOSE_WAIT, FWD_CONN_LAST_ACK,
	FWD_CONN_LISTEN, FWD_CONN_SYNACK,
};

/* Fills c[] with the list the tests share; returns how many. */
static size_t sample(struct fwd_conn_info *c)
{
	struct lvs_addr vip = ep("10.0.0.100", 80), rs2 = ep("10.0.0.22", 8080);
	struct fwd_conn_info v6_tpl;
	size_t n = 0;
	char ip[32];

	/* 899.999 s left: the kernel shows whole seconds, rounded down */
	c[n++] = conn(CFG_PROTO_TCP, FWD_CONN_ESTABLISHED, 899999,
		      ep("192.168.1.10", 51234), vip, ep("10.0.0.21", 80));
	for (size_t i = 0; i < N(tcp_states); i++) {
		snprintf(ip, sizeof(ip), "192.168.1.%zu", i + 1);
		c[n++] = conn(CFG_PROTO_TCP, tcp_states[i], i * 7000 + 999,
			      ep(ip, (uint16_t)(40000 + i)), vip, rs2);
	}
	c[n++] = conn(CFG_PROTO_UDP, FWD_CONN_UDP, 300000,
		      ep("192.168.1.10", 5353), ep("10.0.0.100", 53), ep("10.0.0.21", 53));
	/* templates: client masked, client port 0 */
	c[n++] = tpl(conn(CFG_PROTO_TCP, FWD_CONN_TEMPLATE, 1800000,
			  ep("192.168.1.0", 0), vip, ep("10.0.0.21", 80)), 0);
	c[n++] = tpl(conn(CFG_PROTO_UDP, FWD_CONN_TEMPLATE, 45000,
			  ep("192.168.1.0", 0), ep("10.0.0.100", 53), ep("10.0.0.23", 53)), 0);
	/* a fwmark service's template: 100 minutes overflow the mm field */
	c[n++] = tpl(conn(CFG_PROTO_TCP, FWD_CONN_TEMPLATE, 6000000,
			  ep("192.168.1.0", 0), (struct lvs_addr){ 0 },
			  ep("10.0.0.21", 0)), 1);
	c[n++] = conn(CFG_PROTO_TCP, FWD_CONN_SYN_RECV, 59999,
		      ep("2001:db8::c1", 40000), ep("2001:db8::100", 443),
		      ep("2001:db8::3", 443));
	/* IPv6 fwmark template: mark 258 is 00 00 01 02 in the first word */
	v6_tpl = tpl(conn(CFG_PROTO_TCP, FWD_CONN_TEMPLATE, 999,
			  ep("2001:db8::", 0), (struct lvs_addr){ 0 },
			  ep("2001:db8::3", 0)), 258);
	c[n++] = v6_tpl;
	return n;
}

static void test_conns(void **state)
{
	struct fwd_conn_info c[32];
	size_t n = sample(c);
	char *got = render(c, n);

	(void)state;
	assert_string_equal(got,
		"IPVS connection entries\n"
		"pro expire state       source             virtual            destination\n"
		"TCP 14:59  ESTABLISHED 192.168.1.10:51234 10.0.0.100:80      10.0.0.21:80\n"
		"TCP 00:00  NONE        192.168.1.1:40000  10.0.0.100:80      10.0.0.22:8080\n"
		"TCP 00:07  ESTABLISHED 192.168.1.2:40001  10.0.0.100:80      10.0.0.22:8080\n"
		"TCP 00:14  SYN_SENT    192.168.1.3:40002  10.0.0.100:80      10.0.0.22:8080\n"
		"TCP 00:21  SYN_RECV    192.168.1.4:40003  10.0.0.100:80      10.0.0.22:8080\n"
		"TCP 00:28  FIN_WAIT    192.168.1.5:40004  10.0.0.100:80      10.0.0.22:8080\n"
		"TCP 00:35  TIME_WAIT   192.168.1.6:40005  10.0.0.100:80      10.0.0.22:8080\n"
		"TCP 00:42  CLOSE       192.168.1.7:40006  10.0.0.100:80      10.0.0.22:8080\n"
		"TCP 00:49  CLOSE_WAIT  192.168.1.8:40007  10.0.0.100:80      10.0.0.22:8080\n"
		"TCP 00:56  LAST_ACK    192.168.1.9:40008  10.0.0.100:80      10.0.0.22:8080\n"
		"TCP 01:03  LISTEN      192.168.1.10:40009 10.0.0.100:80      10.0.0.22:8080\n"
		"TCP 01:10  SYNACK      192.168.1.11:40010 10.0.0.100:80      10.0.0.22:8080\n"
		"UDP 05:00  UDP         192.168.1.10:5353  10.0.0.100:53      10.0.0.21:53\n"
		"TCP 30:00  NONE        192.168.1.0:0      10.0.0.100:80      10.0.0.21:80\n"
		"UDP 00:45  NONE        192.168.1.0:0      10.0.0.100:53      10.0.0.23:53\n"
		"IP  100:00 NONE        192.168.1.0:0      0.0.0.1:0          10.0.0.21:0\n"
		"TCP 00:59  SYN_RECV    [2001:db8::c1]:40000 [2001:db8::100]:443 [2001:db8::3]:443\n"
		"IP  00:00  NONE        [2001:db8::]:0     [0:102::]:0        [2001:db8::3]:0\n");
	free(got);
}

static void test_no_conns(void **state)
{
	char *got = render(NULL, 0);

	(void)state;
	assert_string_equal(got,
		"IPVS connection entries\n"
		"pro expire state       source             virtual            destination\n");
	free(got);
}

/*
 * What a core may store that the kernel never shows: UDP has one state
 * whatever the enum says; a state past the table is the kernel's "ERR!".
 */
static void test_state_names(void **state)
{
	struct fwd_conn_info c = conn(CFG_PROTO_UDP, FWD_CONN_NONE, 0,
				      ep("1.2.3.4", 1), ep("1.2.3.5", 2), ep("1.2.3.6", 3));

	(void)state;
	assert_string_equal(ipvs_fmt_conn_state(&c), "UDP");
	c.protocol = CFG_PROTO_TCP;
	c.state = FWD_CONN_UDP;
	assert_string_equal(ipvs_fmt_conn_state(&c), "UDP");
	c.state = (enum fwd_conn_state)99;
	assert_string_equal(ipvs_fmt_conn_state(&c), "ERR!");
	c.state = FWD_CONN_TIME_WAIT;
	c.is_template = true;
	assert_string_equal(ipvs_fmt_conn_state(&c), "NONE");
}

static void test_conns_json(void **state)
{
	struct fwd_conn_info c[32];
	size_t n = sample(c);
	struct json j;

	(void)state;
	json_init(&j);
	/* the first entry, the UDP one, the fwmark template */
	c[1] = c[12];
	c[2] = c[15];
	ipvs_fmt_conns_json(c, 3, &j);
	assert_true(n > 15);
	assert_string_equal(json_text(&j),
		"{\"conns\":["
		"{\"protocol\":\"tcp\",\"client\":\"192.168.1.10:51234\","
		"\"virtual\":\"10.0.0.100:80\",\"destination\":\"10.0.0.21:80\","
		"\"state\":\"ESTABLISHED\",\"expires\":899,\"expires_ms\":899999,"
		"\"template\":false},"
		"{\"protocol\":\"udp\",\"client\":\"192.168.1.10:5353\","
		"\"virtual\":\"10.0.0.100:53\",\"destination\":\"10.0.0.21:53\","
		"\"state\":\"UDP\",\"expires\":300,\"expires_ms\":300000,"
		"\"template\":false},"
		"{\"protocol\":\"ip\",\"client\":\"192.168.1.0:0\","
		"\"virtual\":\"0.0.0.1:0\",\"destination\":\"10.0.0.21:0\","
		"\"state\":\"NONE\",\"expires\":6000,\"expires_ms\":6000000,"
		"\"template\":true}]}");
	json_free(&j);

	json_init(&j);
	ipvs_fmt_conns_json(NULL, 0, &j);
	assert_string_equal(json_text(&j), "{\"conns\":[]}");
	json_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conns),
		cmocka_unit_test(test_no_conns),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_conns_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

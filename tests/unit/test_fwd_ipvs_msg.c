/*
 * test_fwd_ipvs_msg.c - the IPVS netlink codec and the /proc/net/ip_vs_conn
 * reader. Each request is built into a real generic netlink message and
 * read back with the same parsers that read the kernel's replies, so a
 * value that does not survive the trip (a port in the wrong byte order, a
 * netmask in the wrong form, a dropped flag) fails here. Counters are
 * built the way the kernel sends them (64-bit nest, 32-bit nest) and the
 * connection lines are the kernel's seq_printf layout.
 */
#include "config.h"

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fwd_ipvs_msg.h"
#include "addr_test_util.h"

#define FAMILY 42

static struct nl_msg *msg(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	assert_non_null(m);
	assert_non_null(genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, FAMILY, 0, 0, cmd,
				    IPVS_GENL_VERSION));
	return m;
}

/* Build the service request, read it back as if the kernel had sent it. */
static void service_trip(const struct fwd_service_conf *in, struct fwd_service_info *out)
{
	struct nl_msg *m = msg(IPVS_CMD_NEW_SERVICE);
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	char err[128] = "";

	assert_int_equal(ipvs_msg_put_service(m, in, true), 0);
	assert_int_equal(ipvs_msg_attrs(m, tb), 0);
	assert_int_equal(ipvs_msg_parse_service(tb[IPVS_CMD_ATTR_SERVICE], out, err, sizeof(err)), 0);
	nlmsg_free(m);
}

static void test_service_v4_persistent(void **state)
{
	struct fwd_service_conf c = {
		.key = { .protocol = CFG_PROTO_TCP, .addr = ep("10.0.0.100", 80) },
		.scheduler = CFG_SCHED_WLC, .flags = FWD_SVC_PERSISTENT,
		.persistence_timeout = 600000, .persistence_plen = 24,
	};
	struct fwd_service_info s;

	(void)state;
	service_trip(&c, &s);
	assert_int_equal(s.conf.key.protocol, CFG_PROTO_TCP);
	assert_true(addr_equal(&s.conf.key.addr, &c.key.addr));
	assert_int_equal(s.conf.key.addr.port, 80);
	assert_int_equal(s.conf.key.fwmark, 0);
	assert_int_equal(s.conf.scheduler, CFG_SCHED_WLC);
	assert_int_equal(s.conf.flags, FWD_SVC_PERSISTENT);
	assert_int_equal(s.conf.persistence_timeout, 600000);
	assert_int_equal(s.conf.persistence_plen, 24);
}

static void test_service_netmask_on_the_wire(void **state)
{
	struct fwd_service_conf c = {
		.key = { .protocol = CFG_PROTO_TCP, .addr = ep("10.0.0.100", 443) },
		.scheduler = CFG_SCHED_RR, .flags = FWD_SVC_PERSISTENT,
		.persistence_timeout = 300000, .persistence_plen = 24,
	};
	struct nl_msg *m = msg(IPVS_CMD_NEW_SERVICE);
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1], *svc[IPVS_SVC_ATTR_MAX + 1];
	struct ip_vs_flags fl;

	(void)state;
	assert_int_equal(ipvs_msg_put_service(m, &c, true), 0);
	assert_int_equal(ipvs_msg_attrs(m, tb), 0);
	assert_int_equal(nla_parse_nested(svc, IPVS_SVC_ATTR_MAX, tb[IPVS_CMD_ATTR_SERVICE], NULL), 0);
	/* the kernel's forms: a v4 mask in network order, port in network order, 16-byte address */
	assert_int_equal(nla_get_u32(svc[IPVS_SVC_ATTR_NETMASK]), htonl(0xffffff00u));
	assert_int_equal(nla_get_u16(svc[IPVS_SVC_ATTR_PORT]), htons(443));
	assert_int_equal(nla_len(svc[IPVS_SVC_ATTR_ADDR]), 16);
	assert_int_equal(nla_get_u16(svc[IPVS_SVC_ATTR_PROTOCOL]), IPPROTO_TCP);
	assert_int_equal(nla_get_u32(svc[IPVS_SVC_ATTR_TIMEOUT]), 300);
	assert_string_equal(nla_get_string(svc[IPVS_SVC_ATTR_SCHED_NAME]), "rr");
	memcpy(&fl, nla_data(svc[IPVS_SVC_ATTR_FLAGS]), sizeof(fl));
	assert_int_equal(fl.flags, IP_VS_SVC_F_PERSISTENT);
	assert_int_equal(fl.mask, 0xffffffffu);
	nlmsg_free(m);
}

static void test_service_v6_udp_not_persistent(void **state)
{
	struct fwd_service_conf c = {
		.key = { .protocol = CFG_PROTO_UDP, .addr = ep("2001:db8::1", 53) },
		.scheduler = CFG_SCHED_SH, .flags = FWD_SVC_SCHED1 | FWD_SVC_SCHED2,
	};
	struct nl_msg *m = msg(IPVS_CMD_NEW_SERVICE);
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1], *svc[IPVS_SVC_ATTR_MAX + 1];
	struct fwd_service_info s;

	(void)state;
	service_trip(&c, &s);
	assert_int_equal(s.conf.key.protocol, CFG_PROTO_UDP);
	assert_int_equal(s.conf.key.addr.af, AF_INET6);
	assert_true(addr_equal(&s.conf.key.addr, &c.key.addr));
	assert_int_equal(s.conf.scheduler, CFG_SCHED_SH);
	assert_int_equal(s.conf.flags, FWD_SVC_SCHED1 | FWD_SVC_SCHED2);
	assert_int_equal(s.conf.persistence_timeout, 0);
	assert_int_equal(s.conf.persistence_plen, 0);
	/* the kernel refuses an IPv6 service whose netmask is not 1..128 */
	assert_int_equal(ipvs_msg_put_service(m, &c, true), 0);
	assert_int_equal(ipvs_msg_attrs(m, tb), 0);
	assert_int_equal(nla_parse_nested(svc, IPVS_SVC_ATTR_MAX, tb[IPVS_CMD_ATTR_SERVICE], NULL), 0);
	assert_int_equal(nla_get_u32(svc[IPVS_SVC_ATTR_NETMASK]), 128);
	nlmsg_free(m);
}

static void test_service_fwmark_v6(void **state)
{
	struct fwd_service_conf c = {
		.key = { .fwmark = 7, .fwmark_af = AF_INET6 },
		.scheduler = CFG_SCHED_MH, .flags = FWD_SVC_PERSISTENT,
		.persistence_timeout = 1500, .persistence_plen = 64,
	};
	struct fwd_service_info s;

	(void)state;
	service_trip(&c, &s);
	assert_int_equal(s.conf.key.fwmark, 7);
	assert_int_equal(s.conf.key.fwmark_af, AF_INET6);
	assert_int_equal(s.conf.key.addr.af, 0);
	assert_int_equal(s.conf.scheduler, CFG_SCHED_MH);
	assert_int_equal(s.conf.persistence_plen, 64);
	/* whole seconds, rounded up: 1.5 s must not become "no persistence" */
	assert_int_equal(s.conf.persistence_timeout, 2000);
}

static void test_service_key_only(void **state)
{
	struct fwd_service_key k = { .protocol = CFG_PROTO_UDP, .addr = ep("10.1.2.3", 5353) };
	struct nl_msg *m = msg(IPVS_CMD_DEL_SERVICE);
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	struct fwd_service_info s;
	char err[128] = "";

	(void)state;
	assert_int_equal(ipvs_msg_put_service_key(m, &k), 0);
	assert_int_equal(ipvs_msg_attrs(m, tb), 0);
	/* no scheduler: not a service the kernel would describe */
	assert_int_equal(ipvs_msg_parse_service(tb[IPVS_CMD_ATTR_SERVICE], &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "scheduler"));
	nlmsg_free(m);
}

static void test_every_scheduler_name(void **state)
{
	(void)state;
	for (int i = CFG_SCHED_RR; i <= CFG_SCHED_TWOS; i++) {
		struct fwd_service_conf c = {
			.key = { .protocol = CFG_PROTO_TCP, .addr = ep("10.0.0.1", 80) },
			.scheduler = (enum cfg_sched)i,
		};
		struct fwd_service_info s;

		service_trip(&c, &s);
		assert_int_equal(s.conf.scheduler, i);
	}
}

static void test_service_bad_family(void **state)
{
	struct nl_msg *m = msg(IPVS_CMD_NEW_SERVICE);
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1], *nest;
	struct fwd_service_info s;
	char err[128] = "";

	(void)state;
	nest = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
	nla_put_u16(m, IPVS_SVC_ATTR_AF, 99);
	nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, "rr");
	nla_nest_end(m, nest);
	assert_int_equal(ipvs_msg_attrs(m, tb), 0);
	assert_int_equal(ipvs_msg_parse_service(tb[IPVS_CMD_ATTR_SERVICE], &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "family 99"));
	assert_int_equal(ipvs_msg_parse_service(NULL, &s, err, sizeof(err)), -1);
	nlmsg_free(m);
}

static void dest_trip(const struct fwd_dest_conf *in, int svc_af, struct fwd_dest_info *out)
{
	struct nl_msg *m = msg(IPVS_CMD_NEW_DEST);
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	char err[128] = "";

	assert_int_equal(ipvs_msg_put_dest(m, in, true), 0);
	assert_int_equal(ipvs_msg_attrs(m, tb), 0);
	assert_int_equal(ipvs_msg_parse_dest(tb[IPVS_CMD_ATTR_DEST], svc_af, out, err, sizeof(err)), 0);
	nlmsg_free(m);
}

static void test_dest_methods(void **state)
{
	static const enum cfg_fwd_method methods[] = { CFG_FWD_NAT, CFG_FWD_DR, CFG_FWD_TUN };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct fwd_dest_conf d = {
			.addr = i == 2 ? ep("fd10:231::21", 8080) : ep("10.231.0.21", 8080),
			.weight = 3 + (uint32_t)i, .method = methods[i],
			.u_threshold = 100, .l_threshold = 50,
		};
		struct fwd_dest_info o;

		dest_trip(&d, d.addr.af, &o);
		assert_true(addr_equal(&o.conf.addr, &d.addr));
		assert_int_equal(o.conf.addr.port, 8080);
		assert_int_equal(o.conf.method, methods[i]);
		assert_int_equal(o.conf.weight, 3 + i);
		assert_int_equal(o.conf.u_threshold, 100);
		assert_int_equal(o.conf.l_threshold, 50);
	}
	assert_int_equal(ipvs_fwd_method(CFG_FWD_NAT), IP_VS_CONN_F_MASQ);
	assert_int_equal(ipvs_fwd_method(CFG_FWD_DR), IP_VS_CONN_F_DROUTE);
	assert_int_equal(ipvs_fwd_method(CFG_FWD_TUN), IP_VS_CONN_F_TUNNEL);
}

/* A destination as the kernel describes it: counters in a 64-bit and a 32-bit nest. */
static void put_kernel_dest(struct nl_msg *m, bool with64)
{
	struct nlattr *d = nla_nest_start(m, IPVS_CMD_ATTR_DEST), *s;
	struct in_addr a;
	unsigned char buf[16] = { 0 };

	inet_pton(AF_INET, "10.231.0.22", &a);
	memcpy(buf, &a, 4);
	nla_put(m, IPVS_DEST_ATTR_ADDR, 16, buf);
	nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(80));
	nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_DROUTE | 0x100);
	nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, 0);
	nla_put_u32(m, IPVS_DEST_ATTR_ACTIVE_CONNS, 5);
	nla_put_u32(m, IPVS_DEST_ATTR_INACT_CONNS, 6);
	nla_put_u32(m, IPVS_DEST_ATTR_PERSIST_CONNS, 7);
	s = nla_nest_start(m, IPVS_DEST_ATTR_STATS);
	nla_put_u32(m, IPVS_STATS_ATTR_CONNS, 1);
	nla_put_u64(m, IPVS_STATS_ATTR_INBYTES, 2);
	nla_put_u32(m, IPVS_STATS_ATTR_CPS, 3);
	nla_nest_end(m, s);
	if (with64) {
		s = nla_nest_start(m, IPVS_DEST_ATTR_STATS64);
		nla_put_u64(m, IPVS_STATS_ATTR_CONNS, 5000000000ull);
		nla_put_u64(m, IPVS_STATS_ATTR_INPKTS, 11);
		nla_put_u64(m, IPVS_STATS_ATTR_OUTPKTS, 12);
		nla_put_u64(m, IPVS_STATS_ATTR_INBYTES, 13);
		nla_put_u64(m, IPVS_STATS_ATTR_OUTBYTES, 14);
		nla_put_u64(m, IPVS_STATS_ATTR_CPS, 15);
		nla_put_u64(m, IPVS_STATS_ATTR_OUTBPS, 16);
		nla_nest_end(m, s);
	}
	nla_nest_end(m, d);
}

static void test_dest_counters(void **state)
{
	(void)state;
	for (int with64 = 0; with64 <= 1; with64++) {
		struct nl_msg *m = msg(IPVS_CMD_NEW_DEST);
		struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
		struct fwd_dest_info o;
		char err[128] = "";

		put_kernel_dest(m, with64);
		assert_int_equal(ipvs_msg_attrs(m, tb), 0);
		/* no family attribute: the service's */
		assert_int_equal(ipvs_msg_parse_dest(tb[IPVS_CMD_ATTR_DEST], AF_INET, &o, err,
						     sizeof(err)), 0);
		assert_int_equal(o.conf.addr.af, AF_INET);
		assert_int_equal(o.conf.method, CFG_FWD_DR);
		assert_int_equal(o.activeconns, 5);
		assert_int_equal(o.inactconns, 6);
		assert_int_equal(o.persistconns, 7);
		if (with64) {
			assert_int_equal(o.counters.conns, 5000000000ull);
			assert_int_equal(o.counters.inpkts, 11);
			assert_int_equal(o.counters.outbytes, 14);
			assert_int_equal(o.rates.cps, 15);
			assert_int_equal(o.rates.outbps, 16);
		} else {
			assert_int_equal(o.counters.conns, 1);
			assert_int_equal(o.counters.inbytes, 2);
			assert_int_equal(o.rates.cps, 3);
		}
		nlmsg_free(m);
	}
}

static void test_dest_without_address(void **state)
{
	struct nl_msg *m = msg(IPVS_CMD_NEW_DEST);
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1], *d;
	struct fwd_dest_info o;
	char err[128] = "";

	(void)state;
	d = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
	nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(80));
	nla_nest_end(m, d);
	assert_int_equal(ipvs_msg_attrs(m, tb), 0);
	assert_int_equal(ipvs_msg_parse_dest(tb[IPVS_CMD_ATTR_DEST], AF_INET, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "without an address"));
	nlmsg_free(m);
}

static void test_daemon_and_timeouts(void **state)
{
	struct fwd_sync_conf d = { .state = FWD_SYNC_BACKUP, .ifname = "eth0", .syncid = 9 }, o;
	struct ipvs_timeouts t = { 900, 120, 300 }, to;
	struct nl_msg *m = msg(IPVS_CMD_NEW_DAEMON);
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	char err[128] = "";

	(void)state;
	assert_int_equal(ipvs_msg_put_daemon(m, &d), 0);
	assert_int_equal(ipvs_msg_attrs(m, tb), 0);
	assert_int_equal(ipvs_msg_parse_daemon(tb[IPVS_CMD_ATTR_DAEMON], &o, err, sizeof(err)), 0);
	assert_int_equal(o.state, FWD_SYNC_BACKUP);
	assert_string_equal(o.ifname, "eth0");
	assert_int_equal(o.syncid, 9);
	nlmsg_free(m);
	m = msg(IPVS_CMD_SET_CONFIG);
	assert_int_equal(ipvs_msg_put_timeouts(m, &t), 0);
	assert_int_equal(ipvs_msg_attrs(m, tb), 0);
	ipvs_msg_parse_timeouts(tb, &to);
	assert_int_equal(to.tcp, 900);
	assert_int_equal(to.tcpfin, 120);
	assert_int_equal(to.udp, 300);
	nlmsg_free(m);
	assert_string_equal(ipvs_sync_state_names[FWD_SYNC_MASTER], "master");
}

/* ---- /proc/net/ip_vs_conn ---------------------------------------------------- */

static void test_conn_v4(void **state)
{
	struct fwd_conn_info c;
	char err[128] = "";

	(void)state;
	assert_int_equal(ipvs_conn_parse_line("Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt "
					      "State       Expires PEName PEData\n", &c, err,
					      sizeof(err)), 0);
	assert_int_equal(ipvs_conn_parse_line("TCP 0AE70002 D1A4 0AE70064 0050 0AE70015 1F90 "
					      "ESTABLISHED     899\n", &c, err, sizeof(err)), 1);
	assert_int_equal(c.protocol, CFG_PROTO_TCP);
	assert_true(addr_equal(&c.client, &(struct lvs_addr){ 0 }) == false);
	{
		struct lvs_addr cl = ep("10.231.0.2", 0xd1a4), v = ep("10.231.0.100", 80),
				d = ep("10.231.0.21", 8080);

		assert_true(addr_equal(&c.client, &cl));
		assert_true(addr_equal(&c.virt, &v));
		assert_true(addr_equal(&c.dest, &d));
	}
	assert_int_equal(c.state, FWD_CONN_ESTABLISHED);
	assert_int_equal(c.expires_ms, 899000);
	assert_false(c.is_template);
}

static void test_conn_v6_udp_and_templates(void **state)
{
	struct fwd_conn_info c;
	char err[128] = "";
	struct lvs_addr v6 = ep("fd10:231::100", 53);

	(void)state;
	assert_int_equal(ipvs_conn_parse_line(
		"UDP fd10:0231:0000:0000:0000:0000:0000:0002 9C40 "
		"fd10:0231:0000:0000:0000:0000:0000:0100 0035 "
		"fd10:0231:0000:0000:0000:0000:0000:0015 0035 UDP             299", &c, err,
		sizeof(err)), 1);
	assert_int_equal(c.protocol, CFG_PROTO_UDP);
	assert_true(addr_equal(&c.virt, &v6));
	assert_int_equal(c.state, FWD_CONN_UDP);
	/* a TCP persistence template: client port 0 */
	assert_int_equal(ipvs_conn_parse_line("TCP 0AE70002 0000 0AE70064 0050 0AE70015 0050 "
					      "NONE            359", &c, err, sizeof(err)), 1);
	assert_true(c.is_template);
	assert_int_equal(c.fwmark, 0);
	/* a fwmark service's template: protocol IP, the mark where the VIP would be */
	assert_int_equal(ipvs_conn_parse_line("IP  0AE70002 0000 00000007 0000 0AE70015 0000 "
					      "NONE            100 ", &c, err, sizeof(err)), 1);
	assert_true(c.is_template);
	assert_int_equal(c.fwmark, 7);
	/* a persistence engine's name and data after the expiry are allowed */
	assert_int_equal(ipvs_conn_parse_line("UDP 0AE70002 13C4 0AE70064 13C4 0AE70015 13C4 "
					      "UDP             170 sip abc", &c, err,
					      sizeof(err)), 1);
}

static void test_conn_bad_lines(void **state)
{
	static const char *const bad[] = {
		"TCP 0AE70002 D1A4 0AE70064 0050 0AE70015 0050 ESTABLISHED",	/* short */
		"TCP 0AE7002 D1A4 0AE70064 0050 0AE70015 0050 ESTABLISHED 1",	/* 7 digits */
		"TCP 0AE70002 D1A4X 0AE70064 0050 0AE70015 0050 ESTABLISHED 1",
		"TCP 0AE70002 D1A4 0AE70064 0050 0AE70015 0050 WEIRD 1",
		"TCP 0AE70002 D1A4 0AE70064 0050 0AE70015 0050 ESTABLISHED -1",
		"TCP 0AE70002 D1A4 0AE70064 0050 0AE70015 0050 ESTABLISHED 12x",
		"TCP fd10::zz D1A4 0AE70064 0050 0AE70015 0050 ESTABLISHED 1",
		"TCP -AE70002 D1A4 0AE70064 0050 0AE70015 0050 ESTABLISHED 1",
	};
	struct fwd_conn_info c;
	char err[128], big[700];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(ipvs_conn_parse_line(bad[i], &c, err, sizeof(err)), -1);
		assert_true(err[0] != 0);
	}
	/* another protocol, an empty line: skipped, not errors */
	assert_int_equal(ipvs_conn_parse_line("SCTP 0AE70002 D1A4 0AE70064 0050 0AE70015 0050 "
					      "ESTABLISHED 1", &c, err, sizeof(err)), 0);
	assert_int_equal(ipvs_conn_parse_line("\n", &c, err, sizeof(err)), 0);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(ipvs_conn_parse_line(big, &c, err, sizeof(err)), -1);
}

static int count_conn(const struct fwd_conn_info *c, void *arg)
{
	int *n = arg;

	(void)c;
	return ++*n == 3 ? 7 : 0;
}

static void test_conn_read_file(void **state)
{
	char path[] = "/tmp/test_ipvs_conn.XXXXXX", err[128] = "";
	struct logger lg;
	int fd = mkstemp(path), n = 0;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	(void)state;
	assert_non_null(f);
	logger_init(&lg, "test");
	lg.level = LOG_LVL_ERROR;
	fputs("Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"
	      "TCP 0AE70002 D1A4 0AE70064 0050 0AE70015 1F90 ESTABLISHED     899\n"
	      "TCP garbage\n"
	      "UDP 0AE70002 13C4 0AE70064 0035 0AE70015 0035 UDP             170\n"
	      "TCP 0AE70002 D1A6 0AE70064 0050 0AE70016 1F90 TIME_WAIT       100\n"
	      "TCP 0AE70002 D1A8 0AE70064 0050 0AE70016 1F90 TIME_WAIT       100\n", f);
	fclose(f);
	/* the bad line is skipped; the callback's non-zero stops the walk and is returned */
	assert_int_equal(ipvs_conn_read(path, count_conn, &n, &lg, err, sizeof(err)), 7);
	assert_int_equal(n, 3);
	unlink(path);
	assert_int_equal(ipvs_conn_read(path, count_conn, &n, &lg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_v4_persistent),
		cmocka_unit_test(test_service_netmask_on_the_wire),
		cmocka_unit_test(test_service_v6_udp_not_persistent),
		cmocka_unit_test(test_service_fwmark_v6),
		cmocka_unit_test(test_service_key_only),
		cmocka_unit_test(test_every_scheduler_name),
		cmocka_unit_test(test_service_bad_family),
		cmocka_unit_test(test_dest_methods),
		cmocka_unit_test(test_dest_counters),
		cmocka_unit_test(test_dest_without_address),
		cmocka_unit_test(test_daemon_and_timeouts),
		cmocka_unit_test(test_conn_v4),
		cmocka_unit_test(test_conn_v6_udp_and_templates),
		cmocka_unit_test(test_conn_bad_lines),
		cmocka_unit_test(test_conn_read_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

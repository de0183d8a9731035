/*
 * test_ipvs_fmt.c - the table listings against ipvsadm v1.31's text.
 *
 * Every expected string here is written out from ipvsadm.c's printf
 * formats (print_title, print_service_entry, print_largenum, the -S
 * branch) applied by hand to the table each test builds: widths,
 * padding and the trailing spaces of the last %-10u column included.
 * The sort order is libipvs's ipvs_cmp_services / ipvs_cmp_dests.
 * Connections (-Lnc) are in test_ipvs_fmt_conns.c.
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

static struct fwd_dest_info dest(const char *ip, uint16_t port,
				 enum cfg_fwd_method m, uint32_t weight,
				 uint32_t active, uint32_t inact)
{
	struct fwd_dest_info d = {
		.conf = { .addr = ep(ip, port), .weight = weight, .method = m },
		.activeconns = active, .inactconns = inact,
	};
	return d;
}

static struct fwd_service_info svc(enum cfg_proto p, const char *ip,
				   uint16_t port, enum cfg_sched s)
{
	struct fwd_service_info v = {
		.conf = { .key = { .protocol = p, .addr = ep(ip, port) },
			  .scheduler = s },
	};
	v.conf.persistence_plen = v.conf.key.addr.af == AF_INET6 ? 128 : 32;
	return v;
}

static struct fwd_service_info fwm(uint32_t mark, int af, enum cfg_sched s)
{
	struct fwd_service_info v = {
		.conf = { .key = { .fwmark = mark, .fwmark_af = af },
			  .scheduler = s, .persistence_plen = af == AF_INET6 ? 128 : 32 },
	};
	return v;
}

static void persist(struct fwd_service_info *s, unsigned secs, uint8_t plen)
{
	s->conf.flags |= FWD_SVC_PERSISTENT;
	s->conf.persistence_timeout = (cfg_ms)secs * 1000;
	s->conf.persistence_plen = plen;
}

/* Run one renderer into memory; the caller frees the text. */
enum what { LIST, SAVE };

static char *render(const struct fwd_table *t, enum what w,
		    enum ipvs_fmt_view view, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	assert_non_null(f);
	rc = w == SAVE ? ipvs_fmt_save(t, flags, f) : ipvs_fmt_list(t, view, flags, f);
	assert_int_equal(rc, 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void expect(const struct fwd_table *t, enum what w,
		   enum ipvs_fmt_view view, unsigned flags, const char *want)
{
	char *got = render(t, w, view, flags);

	assert_string_equal(got, want);
	free(got);
}

/*
 * A table with one of everything -Ln shows, deliberately out of order:
 * IPv4 and IPv6, TCP and UDP, two fwmarks (one IPv6), persistence with
 * and without a netmask, sh/mh/generic scheduler flags, one-packet
 * scheduling, the three forwarding methods, weight 0, a long IPv6 real
 * server that overflows its 28-wide column.
 */
static struct fwd_dest_info web_d[2], dns_d[2], v6_d[2], fwm1_d[1];
static struct fwd_service_info mixed_s[7];

static struct fwd_table mixed_table(void)
{
	struct fwd_table t = { mixed_s, N(mixed_s), 4096 };

	web_d[0] = dest("10.0.0.22", 8080, CFG_FWD_NAT, 3, 12, 4);
	web_d[1] = dest("10.0.0.21", 80, CFG_FWD_NAT, 1, 3, 0);
	dns_d[0] = dest("10.0.0.23", 53, CFG_FWD_TUN, 0, 0, 0);
	dns_d[1] = dest("10.0.0.21", 53, CFG_FWD_DR, 1, 0, 7);
	v6_d[0] = dest("2001:db8:1234:5678::abcd", 443, CFG_FWD_DR, 65535, 4294967295u, 1);
	v6_d[1] = dest("2001:db8::3", 443, CFG_FWD_DR, 2, 100, 2000);
	fwm1_d[0] = dest("10.0.0.21", 0, CFG_FWD_DR, 1, 0, 0);

	mixed_s[0] = fwm(2, AF_INET6, CFG_SCHED_RR);
	mixed_s[1] = svc(CFG_PROTO_TCP, "2001:db8::100", 443, CFG_SCHED_SH);
	mixed_s[1].conf.flags = FWD_SVC_SCHED1 | FWD_SVC_SCHED2;
	persist(&mixed_s[1], 600, 64);
	mixed_s[1].dests = v6_d, mixed_s[1].n_dests = N(v6_d);
	mixed_s[2] = svc(CFG_PROTO_UDP, "10.0.0.100", 5060, CFG_SCHED_MH);
	mixed_s[2].conf.flags = FWD_SVC_ONEPACKET | FWD_SVC_SCHED1;
	mixed_s[3] = fwm(1, AF_INET, CFG_SCHED_WLC);
	persist(&mixed_s[3], 1800, 32);
	mixed_s[3].dests = fwm1_d, mixed_s[3].n_dests = N(fwm1_d);
	mixed_s[4] = svc(CFG_PROTO_UDP, "10.0.0.100", 53, CFG_SCHED_RR);
	persist(&mixed_s[4], 300, 24);
	mixed_s[4].dests = dns_d, mixed_s[4].n_dests = N(dns_d);
	mixed_s[5] = svc(CFG_PROTO_TCP, "10.0.0.101", 80, CFG_SCHED_LC);
	mixed_s[5].conf.flags = FWD_SVC_SCHED2;
	mixed_s[6] = svc(CFG_PROTO_TCP, "10.0.0.100", 80, CFG_SCHED_WLC);
	mixed_s[6].dests = web_d, mixed_s[6].n_dests = N(web_d);
	return t;
}

static void test_list_plain(void **state)
{
	struct fwd_table t = mixed_table();

	(void)state;
	expect(&t, LIST, IPVS_FMT_PLAIN, 0,
		"IP Virtual Server version 1.2.1 (size=4096)\n"
		"Prot LocalAddress:Port Scheduler Flags\n"
		"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
		"TCP  10.0.0.100:80 wlc\n"
		"  -> 10.0.0.21:80                 Masq    1      3          0         \n"
		"  -> 10.0.0.22:8080               Masq    3      12         4         \n"
		"TCP  10.0.0.101:80 lc (flag-2)\n"
		"UDP  10.0.0.100:53 rr persistent 300 mask 255.255.255.0\n"
		"  -> 10.0.0.21:53                 Route   1      0          7         \n"
		"  -> 10.0.0.23:53                 Tunnel  0      0          0         \n"
		"UDP  10.0.0.100:5060 mh (mh-fallback) ops\n"
		"TCP  [2001:db8::100]:443 sh (sh-fallback,sh-port) persistent 600 mask 64\n"
		"  -> [2001:db8::3]:443            Route   2      100        2000      \n"
		"  -> [2001:db8:1234:5678::abcd]:443 Route   65535  4294967295 1         \n"
		"FWM  1 wlc persistent 1800\n"
		"  -> 10.0.0.21:0                  Route   1      0          0         \n"
		"FWM  2 IPv6 rr\n");
}

static void test_save(void **state)
{
	struct fwd_table t = mixed_table();

	(void)state;
	expect(&t, SAVE, 0, 0,
		"-A -t 10.0.0.100:80 -s wlc\n"
		"-a -t 10.0.0.100:80 -r 10.0.0.21:80 -m -w 1\n"
		"-a -t 10.0.0.100:80 -r 10.0.0.22:8080 -m -w 3\n"
		"-A -t 10.0.0.101:80 -s lc -b flag-2\n"
		"-A -u 10.0.0.100:53 -s rr -p 300 -M 255.255.255.0\n"
		"-a -u 10.0.0.100:53 -r 10.0.0.21:53 -g -w 1\n"
		"-a -u 10.0.0.100:53 -r 10.0.0.23:53 -i -w 0 --tun-type ipip\n"
		"-A -u 10.0.0.100:5060 -s mh -o -b mh-fallback\n"
		"-A -t [2001:db8::100]:443 -s sh -p 600 -M 64 -b sh-fallback,sh-port\n"
		"-a -t [2001:db8::100]:443 -r [2001:db8::3]:443 -g -w 2\n"
		"-a -t [2001:db8::100]:443 -r [2001:db8:1234:5678::abcd]:443 -g -w 65535\n"
		"-A -f 1 -s wlc -p 1800\n"
		"-a -f 1 -r 10.0.0.21:0 -g -w 1\n"
		"-A -f 2 -6 -s rr\n");
}

/* --nosort: services and real servers exactly as the table holds them. */
static void test_nosort(void **state)
{
	struct fwd_table t = mixed_table();

	(void)state;
	t.n_services = 2;
	expect(&t, SAVE, 0, IPVS_FMT_NOSORT,
		"-A -f 2 -6 -s rr\n"
		"-A -t [2001:db8::100]:443 -s sh -p 600 -M 64 -b sh-fallback,sh-port\n"
		"-a -t [2001:db8::100]:443 -r [2001:db8:1234:5678::abcd]:443 -g -w 65535\n"
		"-a -t [2001:db8::100]:443 -r [2001:db8::3]:443 -g -w 2\n");
}

/*
 * libipvs compares addresses as (int)(a - b) on host-order words, so
 * 10.0.0.1 - 192.168.0.1 wraps to a positive number and 10.0.0.1 sorts
 * after 192.168.0.1; ports compare as plain numbers.
 */
static void test_sort_as_libipvs(void **state)
{
	struct fwd_dest_info d[] = {
		dest("10.0.0.1", 80, CFG_FWD_DR, 1, 0, 0),
		dest("192.168.0.1", 80, CFG_FWD_DR, 1, 0, 0),
		dest("10.0.0.1", 8080, CFG_FWD_DR, 1, 0, 0),
		dest("10.0.0.1", 443, CFG_FWD_DR, 1, 0, 0),
	};
	struct fwd_service_info s[] = {
		svc(CFG_PROTO_TCP, "10.1.0.1", 80, CFG_SCHED_RR),
		svc(CFG_PROTO_TCP, "192.168.1.1", 80, CFG_SCHED_RR),
	};
	struct fwd_table t = { s, N(s), 4096 };

	(void)state;
	s[0].dests = d, s[0].n_dests = N(d);
	expect(&t, SAVE, 0, 0,
		"-A -t 192.168.1.1:80 -s rr\n"
		"-A -t 10.1.0.1:80 -s rr\n"
		"-a -t 10.1.0.1:80 -r 192.168.0.1:80 -g -w 1\n"
		"-a -t 10.1.0.1:80 -r 10.0.0.1:80 -g -w 1\n"
		"-a -t 10.1.0.1:80 -r 10.0.0.1:443 -g -w 1\n"
		"-a -t 10.1.0.1:80 -r 10.0.0.1:8080 -g -w 1\n");
}

/* Counters and rates that cross each of print_largenum's thresholds. */
static struct fwd_dest_info big_d1[1], big_d2[1];
static struct fwd_service_info big_s[3];

static struct fwd_counters ctr(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
			       uint64_t e)
{
	struct fwd_counters k = { a, b, c, d, e };
	return k;
}

static struct fwd_rates rt(struct fwd_counters k)
{
	struct fwd_rates r = { k.conns, k.inpkts, k.outpkts, k.inbytes, k.outbytes };
	return r;
}

static struct fwd_table big_table(void)
{
	struct fwd_table t = { big_s, N(big_s), 4096 };

	big_d1[0] = dest("10.0.0.21", 80, CFG_FWD_NAT, 1, 0, 0);
	big_d1[0].counters = ctr(100000000000ULL, 99999999999999ULL,
				 100000000000000ULL, UINT64_MAX, 0);
	big_d2[0] = dest("2001:db8:1234:5678::abcd", 443, CFG_FWD_DR, 1, 0, 0);
	big_d2[0].counters = ctr(12345678, 123456789, 7, 8, 9);
	big_s[0] = fwm(3, AF_INET, CFG_SCHED_WLC);
	big_s[1] = svc(CFG_PROTO_TCP, "2001:db8::100", 443, CFG_SCHED_WLC);
	big_s[1].counters = ctr(1, 22, 333, 4444, 55555);
	big_s[1].dests = big_d2, big_s[1].n_dests = 1;
	big_s[2] = svc(CFG_PROTO_TCP, "10.0.0.100", 80, CFG_SCHED_WLC);
	big_s[2].counters = ctr(99999999, 100000000, 999999999, 1000000000,
				99999999999ULL);
	big_s[2].dests = big_d1, big_s[2].n_dests = 1;
	/* the rates reuse the counters' values, column for column */
	for (size_t i = 0; i < N(big_s); i++)
		big_s[i].rates = rt(big_s[i].counters);
	big_d1[0].rates = rt(big_d1[0].counters);
	big_d2[0].rates = rt(big_d2[0].counters);
	return t;
}

static void test_list_stats(void **state)
{
	struct fwd_table t = big_table();

	(void)state;
	expect(&t, LIST, IPVS_FMT_STATS, 0,
		"IP Virtual Server version 1.2.1 (size=4096)\n"
		"Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
		"  -> RemoteAddress:Port\n"
		"TCP  10.0.0.100:80                99999999  100000K  999999K    1000M   99999M\n"
		"  -> 10.0.0.21:80                     100G   99999G     100T18446744T        0\n"
		"TCP  [2001:db8::100]:443                 1       22      333     4444    55555\n"
		"  -> [2001:db8:1234:5678::abcd]:443 12345678  123456K        7        8        9\n"
		"FWM  3                                   0        0        0        0        0\n");
}

static void test_list_stats_exact(void **state)
{
	struct fwd_table t = big_table();

	(void)state;
	expect(&t, LIST, IPVS_FMT_STATS, IPVS_FMT_EXACT,
		"IP Virtual Server version 1.2.1 (size=4096)\n"
		"Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
		"  -> RemoteAddress:Port\n"
		"TCP  10.0.0.100:80                99999999 100000000 999999999 1000000000 99999999999\n"
		"  -> 10.0.0.21:80                 100000000000 99999999999999 100000000000000 18446744073709551615        0\n"
		"TCP  [2001:db8::100]:443                 1       22      333     4444    55555\n"
		"  -> [2001:db8:1234:5678::abcd]:443 12345678 123456789        7        8        9\n"
		"FWM  3                                   0        0        0        0        0\n");
}

/* A real server's CPS/InPPS/OutPPS are plain " %8llu": never scaled. */
static void test_list_rate(void **state)
{
	struct fwd_table t = big_table();

	(void)state;
	expect(&t, LIST, IPVS_FMT_RATE, 0,
		"IP Virtual Server version 1.2.1 (size=4096)\n"
		"Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n"
		"  -> RemoteAddress:Port\n"
		"TCP  10.0.0.100:80                99999999  100000K  999999K    1000M   99999M\n"
		"  -> 10.0.0.21:80                 100000000000 99999999999999 10000000000000018446744T        0\n"
		"TCP  [2001:db8::100]:443                 1       22      333     4444    55555\n"
		"  -> [2001:db8:1234:5678::abcd]:443 12345678 123456789        7        8        9\n"
		"FWM  3                                   0        0        0        0        0\n");
}

static void test_list_rate_exact(void **state)
{
	struct fwd_table t = big_table();

	(void)state;
	expect(&t, LIST, IPVS_FMT_RATE, IPVS_FMT_EXACT,
		"IP Virtual Server version 1.2.1 (size=4096)\n"
		"Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n"
		"  -> RemoteAddress:Port\n"
		"TCP  10.0.0.100:80                99999999 100000000 999999999 1000000000 99999999999\n"
		"  -> 10.0.0.21:80                 100000000000 99999999999999 100000000000000 18446744073709551615        0\n"
		"TCP  [2001:db8::100]:443                 1       22      333     4444    55555\n"
		"  -> [2001:db8:1234:5678::abcd]:443 12345678 123456789        7        8        9\n"
		"FWM  3                                   0        0        0        0        0\n");
}

static struct fwd_table small_table(struct fwd_service_info *s,
				    struct fwd_dest_info d[2])
{
	struct fwd_table t = { s, 1, 4096 };

	d[0] = dest("10.0.0.22", 80, CFG_FWD_NAT, 3, 12, 4);
	d[1] = dest("10.0.0.21", 80, CFG_FWD_NAT, 1, 3, 0);
	d[1].conf.u_threshold = 1000, d[1].conf.l_threshold = 500;
	d[1].persistconns = 7;
	*s = svc(CFG_PROTO_TCP, "10.0.0.100", 80, CFG_SCHED_WLC);
	persist(s, 300, 32);
	s->dests = d, s->n_dests = 2;
	return t;
}

static void test_list_thresholds_and_persistent(void **state)
{
	struct fwd_service_info s;
	struct fwd_dest_info d[2];
	struct fwd_table t = small_table(&s, d);

	(void)state;
	expect(&t, LIST, IPVS_FMT_THRESHOLDS, 0,
		"IP Virtual Server version 1.2.1 (size=4096)\n"
		"Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n"
		"  -> RemoteAddress:Port\n"
		"TCP  10.0.0.100:80 wlc persistent 300\n"
		"  -> 10.0.0.21:80                 1000       500        3          0         \n"
		"  -> 10.0.0.22:80                 0          0          12         4         \n");
	expect(&t, LIST, IPVS_FMT_PERSISTENT, 0,
		"IP Virtual Server version 1.2.1 (size=4096)\n"
		"Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn \n"
		"  -> RemoteAddress:Port\n"
		"TCP  10.0.0.100:80 wlc persistent 300\n"
		"  -> 10.0.0.21:80                 1         7           3          0         \n"
		"  -> 10.0.0.22:80                 3         0           12         4         \n");
}

/* An empty table still has the version line and the titles; its save is empty. */
static void test_empty(void **state)
{
	struct fwd_table t = { NULL, 0, 1048576 };

	(void)state;
	expect(&t, LIST, IPVS_FMT_PLAIN, 0,
		"IP Virtual Server version 1.2.1 (size=1048576)\n"
		"Prot LocalAddress:Port Scheduler Flags\n"
		"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
	expect(&t, SAVE, 0, 0, "");
}

/*
 * Corners of the service line: a timeout set without the flag still
 * means persistent; a /0 mask; sh with only flag 3 prints empty
 * brackets (ipvsadm names no third sh flag); a fwmark past INT_MAX is
 * printed with %d, so negative, and sorts first: libipvs's
 * (int)(0 - 0xffffffff) is 1, so the address services come after it.
 */
static void test_service_line_corners(void **state)
{
	struct fwd_service_info s[] = {
		svc(CFG_PROTO_TCP, "10.0.0.1", 80, CFG_SCHED_SH),
		svc(CFG_PROTO_TCP, "10.0.0.2", 80, CFG_SCHED_RR),
		fwm(4294967295u, AF_INET, CFG_SCHED_RR),
	};
	struct fwd_table t = { s, N(s), 4096 };

	(void)state;
	s[0].conf.flags = 0x0020;
	s[1].conf.persistence_timeout = 60000;
	s[1].conf.persistence_plen = 0;
	expect(&t, LIST, IPVS_FMT_PLAIN, 0,
		"IP Virtual Server version 1.2.1 (size=4096)\n"
		"Prot LocalAddress:Port Scheduler Flags\n"
		"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
		"FWM  -1 rr\n"
		"TCP  10.0.0.1:80 sh ()\n"
		"TCP  10.0.0.2:80 rr persistent 60 mask 0.0.0.0\n");
	expect(&t, SAVE, 0, 0,
		"-A -f -1 -s rr\n"
		"-A -t 10.0.0.1:80 -s sh -b \n"
		"-A -t 10.0.0.2:80 -s rr -p 60 -M 0.0.0.0\n");
}

static void test_list_json(void **state)
{
	struct fwd_service_info s[2];
	struct fwd_dest_info d[2];
	struct fwd_table t = small_table(&s[0], d);
	struct json j;

	(void)state;
	t.n_services = 2;
	s[0].conf.persistence_plen = 24;
	s[0].counters = ctr(1, 2, 3, 4, 5);
	s[0].rates = rt(ctr(6, 7, 8, 9, 10));
	d[0].conf.method = CFG_FWD_TUN;
	s[1] = fwm(7, AF_INET6, CFG_SCHED_SH);
	s[1].conf.flags = FWD_SVC_SCHED2 | FWD_SVC_ONEPACKET;
	persist(&s[1], 120, 48);
	json_init(&j);
	ipvs_fmt_list_json(&t, 0, &j);
	assert_string_equal(json_text(&j),
		"{\"version\":\"1.2.1\",\"conn_tab_size\":4096,\"services\":["
		"{\"address\":\"10.0.0.100:80\",\"fwmark\":0,\"family\":\"inet\","
		"\"protocol\":\"tcp\",\"scheduler\":\"wlc\",\"flags\":[\"persistent\"],"
		"\"persistence\":{\"timeout\":300,\"prefix_len\":24,\"netmask\":\"255.255.255.0\"},"
		"\"stats\":{\"conns\":1,\"inpkts\":2,\"outpkts\":3,\"inbytes\":4,\"outbytes\":5},"
		"\"rates\":{\"cps\":6,\"inpps\":7,\"outpps\":8,\"inbps\":9,\"outbps\":10},"
		"\"dests\":["
		"{\"address\":\"10.0.0.21:80\",\"forward\":\"nat\",\"weight\":1,"
		"\"active_conns\":3,\"inactive_conns\":0,\"persistent_conns\":7,"
		"\"u_threshold\":1000,\"l_threshold\":500,"
		"\"stats\":{\"conns\":0,\"inpkts\":0,\"outpkts\":0,\"inbytes\":0,\"outbytes\":0},"
		"\"rates\":{\"cps\":0,\"inpps\":0,\"outpps\":0,\"inbps\":0,\"outbps\":0}},"
		"{\"address\":\"10.0.0.22:80\",\"forward\":\"tun\",\"weight\":3,"
		"\"active_conns\":12,\"inactive_conns\":4,\"persistent_conns\":0,"
		"\"u_threshold\":0,\"l_threshold\":0,"
		"\"stats\":{\"conns\":0,\"inpkts\":0,\"outpkts\":0,\"inbytes\":0,\"outbytes\":0},"
		"\"rates\":{\"cps\":0,\"inpps\":0,\"outpps\":0,\"inbps\":0,\"outbps\":0}}]},"
		"{\"address\":null,\"fwmark\":7,\"family\":\"inet6\",\"protocol\":null,"
		"\"scheduler\":\"sh\",\"flags\":[\"persistent\",\"ops\",\"sh-port\"],"
		"\"persistence\":{\"timeout\":120,\"prefix_len\":48},"
		"\"stats\":{\"conns\":0,\"inpkts\":0,\"outpkts\":0,\"inbytes\":0,\"outbytes\":0},"
		"\"rates\":{\"cps\":0,\"inpps\":0,\"outpps\":0,\"inbps\":0,\"outbps\":0},"
		"\"dests\":[]}]}");
	json_free(&j);

	/* no persistence: null */
	json_init(&j);
	t.services = &s[1];
	t.n_services = 1;
	s[1].conf.flags = 0;
	s[1].conf.persistence_timeout = 0;
	ipvs_fmt_list_json(&t, 0, &j);
	assert_non_null(strstr(json_text(&j), "\"flags\":[],\"persistence\":null,"));
	json_free(&j);
}

/* A stream that fails makes the call fail. */
static void test_write_error(void **state)
{
	struct fwd_table t = mixed_table();
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(ipvs_fmt_list(&t, IPVS_FMT_PLAIN, 0, f), -1);
	clearerr(f);
	assert_int_equal(ipvs_fmt_save(&t, 0, f), -1);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_plain),
		cmocka_unit_test(test_save),
		cmocka_unit_test(test_nosort),
		cmocka_unit_test(test_sort_as_libipvs),
		cmocka_unit_test(test_list_stats),
		cmocka_unit_test(test_list_stats_exact),
		cmocka_unit_test(test_list_rate),
		cmocka_unit_test(test_list_rate_exact),
		cmocka_unit_test(test_list_thresholds_and_persistent),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_service_line_corners),
		cmocka_unit_test(test_list_json),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

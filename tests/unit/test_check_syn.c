/*
 * test_check_syn.c - the SYN probe: its segment and checksum against
 * values computed apart (RFC 1071 in a few lines of Python), the parsing
 * and judging of replies, the kernel filter run by the kernel itself (on
 * an AF_UNIX datagram socket, which filters the bytes as sent: no
 * privilege needed), and, where a raw socket can be had, the real engine
 * probing loopback: a listener that never accepts is up and its accept
 * queue stays empty, a closed port is refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfg_test_util.h"
#include "check.h"
#include "check_syn.h"

static struct lvs_addr ip(const char *text, uint16_t port)
{
	struct lvs_addr a = { 0 };

	a.af = strchr(text, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(a.af, text, &a.ip), 1);
	a.port = port;
	return a;
}

static void test_build_v4(void **state)
{
	struct lvs_addr src = ip("10.0.0.1", 0), dst = ip("10.0.0.21", 80);
	unsigned char seg[SYN_SEG_LEN];
	static const unsigned char want[SYN_SEG_LEN] = {
		0x9c, 0x40, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0,
		0x60, 0x02, 0xfa, 0xf0, 0x83, 0xe3, 0, 0, 2, 4, 0x05, 0xb4 };

	(void)state;
	syn_pkt_build(seg, &src, 40000, &dst, 0x12345678);
	assert_memory_equal(seg, want, sizeof(want));
	assert_int_equal(syn_pkt_checksum(&src, &dst, seg, sizeof(seg)), 0);
	/* Another source (a route that moved) makes another checksum. */
	src = ip("10.0.0.2", 0);
	assert_int_not_equal(syn_pkt_checksum(&src, &dst, seg, sizeof(seg)), 0);
}

static void test_build_v6(void **state)
{
	struct lvs_addr src = ip("2001:db8::1", 0), dst = ip("2001:db8::21", 443);
	unsigned char seg[SYN_SEG_LEN];

	(void)state;
	syn_pkt_build(seg, &src, 40000, &dst, 0xfffffffe);
	assert_int_equal(seg[16] << 8 | seg[17], 0xa3bb);
	assert_int_equal(seg[22] << 8 | seg[23], 1440);
	assert_int_equal(syn_pkt_checksum(&src, &dst, seg, sizeof(seg)), 0);
}

/* A reply as the raw socket of af hands it over: IPv4 with an IP header (ihl words). */
static size_t reply(int af, unsigned ihl, uint16_t sport, uint16_t dport, uint32_t ack,
		    uint8_t flags, unsigned char *out)
{
	size_t off = 0;

	memset(out, 0, 120);
	if (af == AF_INET) {
		out[0] = (unsigned char)(0x40 | ihl);
		out[9] = IPPROTO_TCP;
		memcpy(out + 12, (unsigned char[]){ 10, 0, 0, 21 }, 4);
		off = ihl * 4;
	}
	out[off] = (unsigned char)(sport >> 8);
	out[off + 1] = (unsigned char)sport;
	out[off + 2] = (unsigned char)(dport >> 8);
	out[off + 3] = (unsigned char)dport;
	out[off + 8] = (unsigned char)(ack >> 24);
	out[off + 9] = (unsigned char)(ack >> 16);
	out[off + 10] = (unsigned char)(ack >> 8);
	out[off + 11] = (unsigned char)ack;
	out[off + 12] = 0x50;
	out[off + 13] = flags;
	return off + 20;
}

static void test_parse(void **state)
{
	unsigned char b[120];
	struct syn_reply r;
	struct in6_addr a6;
	size_t n;

	(void)state;
	n = reply(AF_INET, 6, 80, 40000, 0x12345679, 0x12, b);
	assert_int_equal(syn_pkt_parse(AF_INET, b, n, NULL, &r), 0);
	assert_string_equal(fmt_addr(&r.from), "10.0.0.21:80");
	assert_int_equal(r.to_port, 40000);
	assert_int_equal(r.ack, 0x12345679);
	assert_int_equal(r.flags, 0x12);
	/* Cut short, not TCP, a later fragment: no reply. */
	assert_int_equal(syn_pkt_parse(AF_INET, b, n - 1, NULL, &r), -1);
	b[9] = IPPROTO_UDP;
	assert_int_equal(syn_pkt_parse(AF_INET, b, n, NULL, &r), -1);
	b[9] = IPPROTO_TCP;
	b[7] = 1;
	assert_int_equal(syn_pkt_parse(AF_INET, b, n, NULL, &r), -1);

	assert_int_equal(inet_pton(AF_INET6, "2001:db8::21", &a6), 1);
	n = reply(AF_INET6, 0, 443, 40001, 7, 0x14, b);
	assert_int_equal(syn_pkt_parse(AF_INET6, b, n, &a6, &r), 0);
	assert_string_equal(fmt_addr(&r.from), "[2001:db8::21]:443");
	assert_int_equal(r.to_port, 40001);
	assert_int_equal(syn_pkt_parse(AF_INET6, b, 19, &a6, &r), -1);
}

static void test_judge(void **state)
{
	struct syn_reply r = { .ack = 0x12345679, .flags = 0x12 };

	(void)state;
	assert_int_equal(syn_pkt_judge(&r, 0x12345678), SYN_UP);
	assert_int_equal(syn_pkt_judge(&r, 0x12345677), SYN_IGNORE);	/* another probe's */
	r.flags = 0x14;		/* RST, ACK */
	assert_int_equal(syn_pkt_judge(&r, 0x12345678), SYN_REFUSED);
	r.flags = 0x04;		/* RST without ACK: not acceptable in SYN-SENT */
	assert_int_equal(syn_pkt_judge(&r, 0x12345678), SYN_IGNORE);
	r.flags = 0x10;		/* a bare ACK */
	assert_int_equal(syn_pkt_judge(&r, 0x12345678), SYN_IGNORE);
	r.flags = 0x12;
	r.ack = 0;		/* the ISN wraps */
	assert_int_equal(syn_pkt_judge(&r, 0xffffffff), SYN_UP);
}

/* Does the filter for ports let this datagram through, and how much of it? -1: dropped. */
static ssize_t filtered(int af, const uint16_t *ports, size_t nports, const unsigned char *d,
			size_t len)
{
	struct sock_filter prog[SYN_FILTER_MAX];
	struct sock_fprog fp = { .filter = prog };
	unsigned char got[200];
	int sv[2];
	ssize_t n;

	fp.len = (unsigned short)syn_pkt_filter(af, ports, nports, prog);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)), 0);
	assert_int_equal(send(sv[0], d, len, 0), (ssize_t)len);
	n = recv(sv[1], got, sizeof(got), MSG_DONTWAIT);
	if (n < 0)
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	close(sv[0]);
	close(sv[1]);
	return n;
}

static void test_filter(void **state)
{
	static const uint16_t ports[] = { 40000, 40002, 40004, 40006 };
	unsigned char b[120];
	size_t n;

	(void)state;
	for (size_t k = 0; k < 4; k++) {
		n = reply(AF_INET, 5, 80, ports[k], 1, 0x12, b);
		assert_int_equal(filtered(AF_INET, ports, 4, b, n), (ssize_t)n);
	}
	n = reply(AF_INET, 5, 80, 40001, 1, 0x12, b);		/* not our port */
	assert_int_equal(filtered(AF_INET, ports, 4, b, n), -1);
	n = reply(AF_INET, 5, 80, 40002, 1, 0x14, b);		/* RST, ACK */
	assert_int_equal(filtered(AF_INET, ports, 4, b, n), (ssize_t)n);
	n = reply(AF_INET, 5, 80, 40002, 1, 0x10, b);		/* ACK alone */
	assert_int_equal(filtered(AF_INET, ports, 4, b, n), -1);
	n = reply(AF_INET, 5, 80, 40002, 1, 0x02, b);		/* a SYN (ours, looped back) */
	assert_int_equal(filtered(AF_INET, ports, 4, b, n), -1);
	n = reply(AF_INET, 15, 80, 40006, 1, 0x12, b);	/* IP options: 60-byte header */
	assert_int_equal(filtered(AF_INET, ports, 4, b, n), (ssize_t)n);
	/* TCP options or data beyond: only the headers' start is kept. */
	assert_int_equal(filtered(AF_INET, ports, 4, b, 120), SYN_REPLY_SNAP);
	assert_int_equal(filtered(AF_INET, ports, 4, b, 30), -1);	/* cut short */
	assert_int_equal(filtered(AF_INET, ports, 1, b, n), -1);	/* one port kept */
	assert_int_equal(filtered(AF_INET, ports, 0, b, n), -1);	/* none yet: drop all */

	n = reply(AF_INET6, 0, 443, 40004, 1, 0x12, b);
	assert_int_equal(filtered(AF_INET6, ports, 4, b, n), (ssize_t)n);
	n = reply(AF_INET6, 0, 443, 40005, 1, 0x12, b);
	assert_int_equal(filtered(AF_INET6, ports, 4, b, n), -1);
	n = reply(AF_INET6, 0, 443, 40004, 1, 0x11, b);		/* FIN, ACK */
	assert_int_equal(filtered(AF_INET6, ports, 4, b, n), -1);
}

/* ---- the engine on loopback (needs CAP_NET_RAW) ----------------------------------- */

struct world {
	struct event_base *base;
	struct logger log;
	struct check_env env;
	struct cfg *cfg;
	struct checker *c;
};

static struct checker *tcp_checker(struct world *w, const struct lvs_addr *target)
{
	char err[CHECK_DETAIL_MAX];
	struct checker_args a = { 0 };

	if (!w->cfg)
		w->cfg = load_ok("virtual_services:\n"
				 "  - address: 127.0.0.1:80\n"
				 "    check: {type: tcp, interval: 0.05, timeout: 0.04, rise: 1, fall: 1}\n"
				 "    real_servers: [{address: 127.0.0.1:80}]\n");
	a.env = &w->env;
	a.conf = &w->cfg->services[0].real_servers[0].check;
	a.real_server = *target;
	a.label = "syn-test";
	a.seed = 1;
	w->c = checker_new(&a, err, sizeof(err));
	if (!w->c)
		fail_msg("checker_new: %s", err);
	return w->c;
}

/* Run the loop until the checker has made `probes` probes, at most 3 s. */
static void run_probes(struct world *w, uint64_t probes)
{
	struct timeval step = { 0, 20000 };

	for (int i = 0; i < 150 && checker_probes(w->c) <= probes; i++) {
		event_base_loopexit(w->base, &step);
		event_base_dispatch(w->base);
	}
	assert_true(checker_probes(w->c) > probes);
}

/* A TCP listener on the loopback of af that never accepts, its port in *a; -1 if none. */
static int listener(int af, struct lvs_addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	*a = ip(af == AF_INET ? "127.0.0.1" : "::1", 0);
	len = addr_to_sockaddr(a, &ss);
	assert_true(fd >= 0);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		close(fd);
		return -1;
	}
	assert_int_equal(listen(fd, 16), 0);
	len = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	addr_from_sockaddr(&ss, a);
	return fd;
}

/* Probe a listener on af's loopback, then the same port closed. */
static void engine(int af)
{
	struct world w = { 0 };
	struct lvs_addr up, closed;
	int fd, raw = socket(af, SOCK_RAW, IPPROTO_TCP);

	if (raw < 0)
		skip();		/* no CAP_NET_RAW here: check_tcp.c connects instead */
	close(raw);
	fd = listener(af, &up);
	if (fd < 0)
		skip();		/* no loopback address of this family */
	w.base = event_base_new();
	logger_init(&w.log, "test_check_syn");
	w.env.base = w.base;
	w.env.log = &w.log;
	w.env.syn = check_syn_new(w.base, &w.log);
	assert_non_null(w.env.syn);
	tcp_checker(&w, &up);
	run_probes(&w, 3);
	assert_true(checker_is_up(w.c));
	assert_memory_equal(checker_last(w.c), "ok: connected in ", 17);
	/* Never a completed connection: nothing waits to be accepted. */
	assert_int_equal(accept(fd, NULL, NULL), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	checker_free(w.c);

	closed = up;
	close(fd);	/* nobody listens there now */
	tcp_checker(&w, &closed);
	run_probes(&w, 2);
	assert_false(checker_is_up(w.c));
	assert_string_equal(checker_last(w.c), "fail: connect refused");
	checker_free(w.c);

	check_syn_free(w.env.syn);
	cfg_free(w.cfg);
	event_base_free(w.base);
}

static void test_engine_v4(void **state)
{
	(void)state;
	engine(AF_INET);
}

static void test_engine_v6(void **state)
{
	(void)state;
	engine(AF_INET6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_v4),
		cmocka_unit_test(test_build_v6),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_engine_v4),
		cmocka_unit_test(test_engine_v6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

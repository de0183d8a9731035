/*
 * test_check_udp.c - udp checks end to end: the real engine (checker_new)
 * probing loopback UDP servers that run on the same event loop: a DNS
 * server that answers (after a decoy with another ID), one that says
 * NXDOMAIN, one that never answers, a closed port, and an echo server
 * for expect over udp. Intervals are 100-200 ms; every wait is bounded.
 */
#include <event2/event.h>
#include <fcntl.h>
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

enum srv_kind { SRV_DNS_OK, SRV_DNS_NXDOMAIN, SRV_SILENT, SRV_ECHO };

struct srv {
	enum srv_kind kind;
	int fd;
	struct event *ev;
	struct lvs_addr addr;
	unsigned seen;			/* datagrams received */
};

/* One test's world: the loop, the log, a server and the checker under test. */
struct world {
	struct event_base *base;
	struct logger log;
	struct check_env env;
	struct cfg *cfg;
	struct srv srv;
	struct checker *c;
	unsigned changes;
};

/* A reply to the query q: its header and question, then (NOERROR) one A record. */
static size_t dns_reply(const unsigned char *q, size_t qlen, bool nxdomain, unsigned char *out)
{
	static const unsigned char answer[] = {
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 21 };

	memcpy(out, q, qlen);
	out[2] = 0x81;			/* QR, RD */
	out[3] = nxdomain ? 0x83 : 0x80;	/* RA, rcode */
	out[7] = nxdomain ? 0 : 1;	/* ANCOUNT */
	if (nxdomain)
		return qlen;
	memcpy(out + qlen, answer, sizeof(answer));
	return qlen + sizeof(answer);
}

static void srv_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct srv *s = arg;
	unsigned char q[512], r[600];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ssize_t n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fromlen);
	size_t len;

	(void)what;
	if (n < 0)
		return;
	s->seen++;
	if (s->kind == SRV_SILENT)
		return;
	if (s->kind == SRV_ECHO) {
		sendto(fd, q, (size_t)n, 0, (struct sockaddr *)&from, fromlen);
		return;
	}
	if (n < 12)
		return;
	len = dns_reply(q, (size_t)n, s->kind == SRV_DNS_NXDOMAIN, r);
	if (s->kind == SRV_DNS_OK) {
		/* First a reply that is not to this query: the checker must wait on. */
		r[1] ^= 1;
		sendto(fd, r, len, 0, (struct sockaddr *)&from, fromlen);
		r[1] ^= 1;
	}
	sendto(fd, r, len, 0, (struct sockaddr *)&from, fromlen);
}

/* A UDP socket on the loopback of family af, on a free port; -1 if af has none. */
static int bind_loopback(int af, struct lvs_addr *addr)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	memset(addr, 0, sizeof(*addr));
	addr->af = af;
	if (af == AF_INET)
		addr->ip.v4.s_addr = htonl(INADDR_LOOPBACK);
	else
		addr->ip.v6 = in6addr_loopback;
	fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	len = (socklen_t)addr_to_sockaddr(addr, &ss);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		close(fd);
		return -1;
	}
	addr_from_sockaddr(&ss, addr);
	return fd;
}

static int world_setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	w->base = event_base_new();
	assert_non_null(w->base);
	logger_init(&w->log, "test_check_udp");
	w->log.level = LOG_LVL_DEBUG;
	w->env.base = w->base;
	w->env.log = &w->log;
	w->srv.fd = -1;
	*state = w;
	return 0;
}

static int world_teardown(void **state)
{
	struct world *w = *state;

	checker_free(w->c);
	if (w->srv.ev)
		event_free(w->srv.ev);
	if (w->srv.fd >= 0)
		close(w->srv.fd);
	cfg_free(w->cfg);
	event_base_free(w->base);
	free(w);
	return 0;
}

/* Start a server of `kind` on the loopback of af; false when af has no loopback. */
static bool srv_start(struct world *w, enum srv_kind kind, int af)
{
	w->srv.kind = kind;
	w->srv.fd = bind_loopback(af, &w->srv.addr);
	if (w->srv.fd < 0)
		return false;
	w->srv.ev = event_new(w->base, w->srv.fd, EV_READ | EV_PERSIST, srv_on_read, &w->srv);
	assert_non_null(w->srv.ev);
	assert_int_equal(event_add(w->srv.ev, NULL), 0);
	return true;
}

static void on_change(void *arg, struct checker *c)
{
	struct world *w = arg;

	(void)c;
	w->changes++;
}

/* A checker with the check `check` (YAML flow) against `target`. */
static void checker_start(struct world *w, const char *check, const struct lvs_addr *target)
{
	char yaml[1024], err[CHECK_DETAIL_MAX];
	struct checker_args a = { 0 };

	snprintf(yaml, sizeof(yaml),
		 "virtual_services:\n"
		 "  - address: 127.0.0.1:53\n"
		 "    protocol: udp\n"
		 "    check: %s\n"
		 "    real_servers: [{address: 127.0.0.1:53}]\n", check);
	w->cfg = load_ok(yaml);
	a.env = &w->env;
	a.conf = &w->cfg->services[0].real_servers[0].check;
	a.real_server = *target;
	a.label = "udp-test";
	a.on_change = on_change;
	a.arg = w;
	a.seed = 1;
	w->c = checker_new(&a, err, sizeof(err));
	if (!w->c)
		fail_msg("checker_new: %s", err);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Run the loop in 10ms slices until done(w), at most ms; done(w) at the end. */
static bool run_until(struct world *w, bool (*done)(const struct world *w), uint64_t ms)
{
	struct timeval slice = { 0, 10000 };
	uint64_t end = now_ms() + ms;

	while (!done(w) && now_ms() < end) {
		event_base_loopexit(w->base, &slice);
		event_base_dispatch(w->base);
	}
	return done(w);
}

static bool changed(const struct world *w)
{
	return w->changes > 0;
}

/* Three probes ended: the fourth has begun. */
static bool three_probes(const struct world *w)
{
	return checker_probes(w->c) > 3;
}

static bool one_probe_started(const struct world *w)
{
	return checker_probes(w->c) > 0;
}

static unsigned open_fds(void)
{
	unsigned n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

#define TIMES "interval: 200ms, timeout: 150ms, rise: 1, fall: 1"

static void test_dns_up(void **state)
{
	struct world *w = *state;

	assert_true(srv_start(w, SRV_DNS_OK, AF_INET));
	checker_start(w, "{type: dns, name: www.example.com, answer: 10.0.0.21, alpha: true, "
		      TIMES "}", &w->srv.addr);
	assert_false(checker_is_up(w->c));
	assert_true(run_until(w, changed, 2000));
	assert_true(checker_is_up(w->c));
	assert_string_equal(checker_reason(w->c), "NOERROR, 1 answer");
	assert_true(strncmp(checker_last(w->c), "ok: NOERROR, 1 answer in ", 25) == 0);
	/* It stays up: every probe sees the decoy first and waits it out. */
	assert_true(run_until(w, three_probes, 2000));
	assert_true(checker_is_up(w->c));
	assert_int_equal(w->changes, 1);
	assert_true(w->srv.seen >= 3);
}

static void test_dns_up_ipv6(void **state)
{
	struct world *w = *state;

	if (!srv_start(w, SRV_DNS_OK, AF_INET6))
		skip();	/* no ::1 here */
	checker_start(w, "{type: dns, name: www.example.com, alpha: true, " TIMES "}",
		      &w->srv.addr);
	assert_true(run_until(w, changed, 2000));
	assert_true(checker_is_up(w->c));
	assert_string_equal(checker_reason(w->c), "NOERROR, 1 answer");
}

static void test_dns_nxdomain(void **state)
{
	struct world *w = *state;

	assert_true(srv_start(w, SRV_DNS_NXDOMAIN, AF_INET));
	checker_start(w, "{type: dns, name: nowhere.example.com, " TIMES "}", &w->srv.addr);
	assert_true(checker_is_up(w->c));
	assert_true(run_until(w, changed, 2000));
	assert_false(checker_is_up(w->c));
	assert_string_equal(checker_reason(w->c), "rcode NXDOMAIN");
	assert_string_equal(checker_last(w->c), "fail: rcode NXDOMAIN");
}

static void test_no_reply_times_out(void **state)
{
	struct world *w = *state;

	assert_true(srv_start(w, SRV_SILENT, AF_INET));
	checker_start(w, "{type: dns, name: www.example.com, interval: 300ms, timeout: 200ms, "
		      "rise: 1, fall: 1}", &w->srv.addr);
	assert_true(run_until(w, changed, 2000));
	assert_false(checker_is_up(w->c));
	assert_string_equal(checker_reason(w->c), "timeout after 0.2s waiting for a reply");
	assert_int_equal(w->srv.seen, 1);
}

static void test_closed_port_is_unreachable(void **state)
{
	struct world *w = *state;
	struct lvs_addr closed;
	int fd = bind_loopback(AF_INET, &closed);

	/* A port that was free a moment ago and is closed now. */
	assert_true(fd >= 0);
	close(fd);
	checker_start(w, "{type: dns, name: www.example.com, " TIMES "}", &closed);
	assert_true(run_until(w, changed, 2000));
	assert_false(checker_is_up(w->c));
	assert_string_equal(checker_reason(w->c), "port unreachable");
}

static void test_expect_over_udp(void **state)
{
	struct world *w = *state;

	assert_true(srv_start(w, SRV_ECHO, AF_INET));
	checker_start(w, "{type: expect, transport: udp, send: 'PING\\0', expect: "
		      "\"^PING\", alpha: true, " TIMES "}", &w->srv.addr);
	assert_true(run_until(w, changed, 2000));
	assert_true(checker_is_up(w->c));
	assert_string_equal(checker_reason(w->c), "matched");
}

static void test_expect_over_udp_mismatch(void **state)
{
	struct world *w = *state;

	assert_true(srv_start(w, SRV_ECHO, AF_INET));
	checker_start(w, "{type: expect, transport: udp, send: PING, expect: \"^PONG\", "
		      TIMES "}", &w->srv.addr);
	assert_true(run_until(w, changed, 2000));
	assert_false(checker_is_up(w->c));
	assert_string_equal(checker_reason(w->c), "reply does not match \"^PONG\"");
}

/* Freed with a probe in flight: its socket goes too, and nothing is reported. */
static void test_free_during_a_probe(void **state)
{
	struct world *w = *state;
	unsigned fds;

	assert_true(srv_start(w, SRV_SILENT, AF_INET));
	fds = open_fds();
	checker_start(w, "{type: dns, name: www.example.com, interval: 100ms, timeout: 1s, "
		      "rise: 1, fall: 1}", &w->srv.addr);
	assert_true(run_until(w, one_probe_started, 2000));
	assert_int_equal(open_fds(), fds + 1);
	checker_free(w->c);
	w->c = NULL;
	assert_int_equal(open_fds(), fds);
	assert_int_equal(w->changes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dns_up, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_dns_up_ipv6, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_dns_nxdomain, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_no_reply_times_out, world_setup,
						world_teardown),
		cmocka_unit_test_setup_teardown(test_closed_port_is_unreachable, world_setup,
						world_teardown),
		cmocka_unit_test_setup_teardown(test_expect_over_udp, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_expect_over_udp_mismatch, world_setup,
						world_teardown),
		cmocka_unit_test_setup_teardown(test_free_during_a_probe, world_setup,
						world_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

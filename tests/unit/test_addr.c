/*
 * test_addr.c - address, endpoint and prefix parsing and formatting, the
 * way the configuration writes them.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

#include "addr.h"

static void parse_ok(const char *s, enum addr_port_rule rule, const char *want)
{
	struct lvs_addr a;
	char err[256] = "", buf[ADDR_STRLEN];

	if (addr_parse(s, rule, &a, err, sizeof(err)) != 0)
		fail_msg("'%s' did not parse: %s", s, err);
	assert_string_equal(addr_format(&a, buf, sizeof(buf)), want);
}

static void parse_bad(const char *s, enum addr_port_rule rule, const char *msg)
{
	struct lvs_addr a;
	char err[256] = "";

	assert_int_equal(addr_parse(s, rule, &a, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
}

static void test_ipv4_endpoints(void **state)
{
	(void)state;
	parse_ok("10.0.0.1:80", ADDR_PORT_REQUIRED, "10.0.0.1:80");
	parse_ok("10.0.0.1:65535", ADDR_PORT_REQUIRED, "10.0.0.1:65535");
	parse_ok("10.0.0.1", ADDR_PORT_OPTIONAL, "10.0.0.1");
	parse_ok("10.0.0.1", ADDR_PORT_NONE, "10.0.0.1");
	parse_bad("10.0.0.1", ADDR_PORT_REQUIRED, "'10.0.0.1' has no port (expected IP:PORT)");
	parse_bad("10.0.0.1:0", ADDR_PORT_REQUIRED,
		  "'10.0.0.1:0': port '0' is not a number in 1..65535");
	parse_bad("10.0.0.1:65536", ADDR_PORT_REQUIRED,
		  "'10.0.0.1:65536': port '65536' is not a number in 1..65535");
	parse_bad("10.0.0.1:+80", ADDR_PORT_REQUIRED,
		  "'10.0.0.1:+80': port '+80' is not a number in 1..65535");
	parse_bad("10.0.0.1:80x", ADDR_PORT_REQUIRED,
		  "'10.0.0.1:80x': port '80x' is not a number in 1..65535");
	parse_bad("10.0.0.300:80", ADDR_PORT_REQUIRED,
		  "'10.0.0.300' is not an IPv4 or IPv6 address");
	parse_bad("10.0.0.1:80", ADDR_PORT_NONE,
		  "'10.0.0.1:80' must be an address without a port");
	parse_bad("www.example.com:80", ADDR_PORT_REQUIRED,
		  "'www.example.com' is not an IPv4 or IPv6 address");
}

static void test_ipv6_endpoints(void **state)
{
	(void)state;
	parse_ok("[2001:db8::1]:80", ADDR_PORT_REQUIRED, "[2001:db8::1]:80");
	parse_ok("[::1]:443", ADDR_PORT_OPTIONAL, "[::1]:443");
	parse_ok("2001:db8::1", ADDR_PORT_OPTIONAL, "2001:db8::1");
	parse_ok("[2001:db8::1]", ADDR_PORT_OPTIONAL, "2001:db8::1");
	parse_ok("2001:DB8:0:0::1", ADDR_PORT_NONE, "2001:db8::1");
	parse_bad("2001:db8::1", ADDR_PORT_REQUIRED,
		  "'2001:db8::1' has no port; write IPv6 as [ADDRESS]:PORT");
	parse_bad("[2001:db8::1:80", ADDR_PORT_REQUIRED, "'[2001:db8::1:80': missing ']'");
	parse_bad("[2001:db8::1]80", ADDR_PORT_REQUIRED,
		  "'[2001:db8::1]80': expected ':PORT' after ']'");
	parse_bad("[10.0.0.1]:80", ADDR_PORT_REQUIRED, "'[10.0.0.1]:80': brackets are for IPv6 only");
}

static void test_prefixes(void **state)
{
	struct lvs_prefix p;
	char err[256];

	(void)state;
	assert_int_equal(addr_parse_prefix("10.0.0.100/24", &p, err, sizeof(err)), 0);
	assert_int_equal(p.addr.af, AF_INET);
	assert_int_equal(p.len, 24);
	assert_int_equal(addr_parse_prefix("10.0.0.100", &p, err, sizeof(err)), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(addr_parse_prefix("2001:db8::1/64", &p, err, sizeof(err)), 0);
	assert_int_equal(p.addr.af, AF_INET6);
	assert_int_equal(p.len, 64);
	assert_int_equal(addr_parse_prefix("2001:db8::1", &p, err, sizeof(err)), 0);
	assert_int_equal(p.len, 128);
	assert_int_equal(addr_parse_prefix("10.0.0.1/33", &p, err, sizeof(err)), -1);
	assert_string_equal(err, "'10.0.0.1/33': prefix length '33' is not in 0..32");
	assert_int_equal(addr_parse_prefix("10.0.0.1/", &p, err, sizeof(err)), -1);
	assert_int_equal(addr_parse_prefix("10.0.0.1/-1", &p, err, sizeof(err)), -1);
	assert_int_equal(addr_parse_prefix("nope/24", &p, err, sizeof(err)), -1);
	assert_string_equal(err, "'nope' is not an IPv4 or IPv6 address");
}

static void test_netmasks(void **state)
{
	uint8_t len;
	char err[256];

	(void)state;
	assert_int_equal(addr_parse_netmask4("255.255.255.255", &len, err, sizeof(err)), 0);
	assert_int_equal(len, 32);
	assert_int_equal(addr_parse_netmask4("255.255.255.0", &len, err, sizeof(err)), 0);
	assert_int_equal(len, 24);
	assert_int_equal(addr_parse_netmask4("0.0.0.0", &len, err, sizeof(err)), 0);
	assert_int_equal(len, 0);
	assert_int_equal(addr_parse_netmask4("255.0.255.0", &len, err, sizeof(err)), -1);
	assert_string_equal(err, "'255.0.255.0' is not a contiguous netmask");
	assert_int_equal(addr_parse_netmask4("255.255.255.256", &len, err, sizeof(err)), -1);
}

static void test_equality(void **state)
{
	struct lvs_addr a, b, c;
	char err[64];

	(void)state;
	assert_int_equal(addr_parse("10.0.0.1:80", ADDR_PORT_REQUIRED, &a, err, sizeof(err)), 0);
	assert_int_equal(addr_parse("10.0.0.1:81", ADDR_PORT_REQUIRED, &b, err, sizeof(err)), 0);
	assert_int_equal(addr_parse("[::ffff:10.0.0.1]:80", ADDR_PORT_REQUIRED, &c, err, sizeof(err)), 0);
	assert_true(addr_ip_equal(&a, &b));
	assert_false(addr_equal(&a, &b));
	assert_false(addr_ip_equal(&a, &c));	/* a mapped address is another family */
	assert_true(addr_equal(&a, &a));
}

/* IPv4 is formatted without printf: the same text as inet_ntop and snprintf, cut the same way. */
static void test_format_v4_as_printf(void **state)
{
	struct lvs_addr a = { .af = AF_INET };
	char got[ADDR_STRLEN], ip[INET_ADDRSTRLEN], want[ADDR_STRLEN];
	uint32_t x = 0x12345678u;

	(void)state;
	for (int i = 0; i < 2000; i++) {
		size_t len = i < 4 ? sizeof(got) : 1 + (size_t)(i % (int)sizeof(got));

		x = x * 1103515245u + 12345u;	/* any sequence that covers short and long octets */
		a.ip.v4.s_addr = i == 0 ? 0 : i == 1 ? 0xffffffffu : x;
		a.port = (uint16_t)(i == 1 ? 65535 : i % 3 == 0 ? 0 : x >> 16);
		inet_ntop(AF_INET, &a.ip.v4, ip, sizeof(ip));
		if (a.port)
			snprintf(want, len, "%s:%u", ip, a.port);
		else
			snprintf(want, len, "%s", ip);
		assert_string_equal(addr_format(&a, got, len), want);
	}
	assert_string_equal(addr_format(&a, got, 1), "");
}

static void test_sockaddr_round_trip(void **state)
{
	static const char *const cases[] = { "10.0.0.1:80", "[2001:db8::1]:65535" };
	struct sockaddr_storage ss;
	struct lvs_addr a, b;
	char err[64], buf[ADDR_STRLEN];

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(addr_parse(cases[i], ADDR_PORT_REQUIRED, &a, err, sizeof(err)), 0);
		assert_int_equal(addr_to_sockaddr(&a, &ss), i ? sizeof(struct sockaddr_in6)
							       : sizeof(struct sockaddr_in));
		addr_from_sockaddr(&ss, &b);
		assert_true(addr_equal(&a, &b));
		assert_string_equal(addr_format(&b, buf, sizeof(buf)), cases[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_endpoints),
		cmocka_unit_test(test_ipv6_endpoints),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_netmasks),
		cmocka_unit_test(test_equality),
		cmocka_unit_test(test_format_v4_as_printf),
		cmocka_unit_test(test_sockaddr_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_proxy_proto.c - PROXY protocol headers byte for byte, as the
 * HAProxy specification lays them out, for IPv4 and IPv6.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "proxy_proto.h"

static struct lvs_addr A(const char *s)
{
	struct lvs_addr a;
	char err[128];

	assert_int_equal(addr_parse(s, ADDR_PORT_REQUIRED, &a, err, sizeof(err)), 0);
	return a;
}

static void test_v1(void **state)
{
	char out[PROXY_HEADER_MAX];
	struct lvs_addr c = A("192.0.2.7:51000"), v = A("10.0.0.100:80");
	struct lvs_addr c6 = A("[2001:db8::7]:51000"), v6 = A("[2001:db8::100]:443");

	(void)state;
	assert_int_equal(proxy_v1_header(&c, &v, out, sizeof(out)), 42);
	assert_string_equal(out, "PROXY TCP4 192.0.2.7 10.0.0.100 51000 80\r\n");
	assert_true(proxy_v1_header(&c6, &v6, out, sizeof(out)) > 0);
	assert_string_equal(out, "PROXY TCP6 2001:db8::7 2001:db8::100 51000 443\r\n");
	assert_int_equal(proxy_v1_header(&c, &v6, out, sizeof(out)), -1);
	assert_int_equal(proxy_v1_header(&c, &v, out, 10), -1);
}

static void test_v2_ipv4(void **state)
{
	static const unsigned char want[] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x21, 0x11, 0x00, 0x0c,
		192, 0, 2, 7, 10, 0, 0, 100,
		0xc7, 0x38, 0x00, 0x50,
	};
	unsigned char out[PROXY_HEADER_MAX];
	struct lvs_addr c = A("192.0.2.7:51000"), v = A("10.0.0.100:80");

	(void)state;
	assert_int_equal(proxy_v2_header(&c, &v, out, sizeof(out)), sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(proxy_v2_header(&c, &v, out, sizeof(want) - 1), -1);
}

static void test_v2_ipv6(void **state)
{
	unsigned char out[PROXY_HEADER_MAX];
	struct lvs_addr c = A("[2001:db8::7]:51000"), v = A("[2001:db8::100]:443");

	(void)state;
	assert_int_equal(proxy_v2_header(&c, &v, out, sizeof(out)), 16 + 36);
	assert_int_equal(out[13], 0x21);		/* TCP over IPv6 */
	assert_int_equal(out[14] << 8 | out[15], 36);
	assert_memory_equal(out + 16, &c.ip.v6, 16);
	assert_memory_equal(out + 32, &v.ip.v6, 16);
	assert_int_equal(out[48] << 8 | out[49], 51000);
	assert_int_equal(out[50] << 8 | out[51], 443);
	v = A("10.0.0.1:80");
	assert_int_equal(proxy_v2_header(&c, &v, out, sizeof(out)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_v2_ipv4),
		cmocka_unit_test(test_v2_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

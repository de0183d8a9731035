/*
 * test_cfg_values.c - the loader's value parsers: durations and their
 * units, booleans, persistence netmasks, escaped and hex byte strings,
 * DNS query types and HTTP status ranges, accepted and rejected.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_durations_rejected),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_persistence_netmask),
		cmocka_unit_test(test_persistence_netmask_rejected),
		cmocka_unit_test(test_decode_bytes),
		cmocka_unit_test(test_decode_bytes_rejected),
		cmocka_unit_test(test_dns_qtype),
		cmocka_unit_test(test_dns_qtype_key),
		cmocka_unit_test(test_status_ranges),
		cmocka_unit_test(test_status_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

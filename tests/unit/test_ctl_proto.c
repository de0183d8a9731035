/*
 * test_ctl_proto.c - the control socket's framing: request splitting with
 * every kind of garbage a client can send, and response headers.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctl_proto.h"

static int parse(const char *line, struct ctl_request *req, char *err)
{
	return ctl_request_parse(line, strlen(line), req, err, 128);
}

static void test_request_words(void **state)
{
	struct ctl_request req;
	char err[128];

	(void)state;
	assert_int_equal(parse("status --json", &req, err), 0);
	assert_int_equal(req.argc, 2);
	assert_string_equal(req.argv[0], "status");
	assert_string_equal(req.argv[1], "--json");
	assert_null(req.argv[2]);
	assert_int_equal(parse("  drain\tweb   10.0.0.1:80 \r", &req, err), 0);
	assert_int_equal(req.argc, 3);
	assert_string_equal(req.argv[2], "10.0.0.1:80");
}

static void test_request_garbage(void **state)
{
	struct ctl_request req;
	char err[128], big[CTL_MAX_REQUEST + 10];
	static const char nul[] = { 's', 't', '\0', 'x' };

	(void)state;
	assert_int_equal(parse("", &req, err), -1);
	assert_string_equal(err, "empty request");
	assert_int_equal(parse("   \t ", &req, err), -1);
	assert_int_equal(parse("stat\x1bus", &req, err), -1);
	assert_string_equal(err, "request has a non-printable byte 0x1b at offset 4");
	assert_int_equal(parse("caf\xc3\xa9", &req, err), -1);
	assert_int_equal(ctl_request_parse(nul, sizeof(nul), &req, err, sizeof(err)), -1);
	assert_string_equal(err, "request has a non-printable byte 0x00 at offset 2");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(big, &req, err), -1);
	assert_string_equal(err, "request longer than 4095 bytes");
	assert_int_equal(parse("a b c d e f g h i j k l m n o p q", &req, err), -1);
	assert_string_equal(err, "request has more than 16 words");
	assert_int_equal(parse("a b c d e f g h i j k l m n o p", &req, err), 0);
}

static void test_request_format(void **state)
{
	char out[64], err[128];
	char *ok[] = { "status", "--json" };
	char *space[] = { "drain", "my service" };
	char *ctrl[] = { "x\x01" };

	(void)state;
	assert_int_equal(ctl_request_format(2, ok, out, sizeof(out), err, sizeof(err)), 14);
	assert_string_equal(out, "status --json\n");
	assert_int_equal(ctl_request_format(2, space, out, sizeof(out), err, sizeof(err)), -1);
	assert_int_equal(ctl_request_format(1, ctrl, out, sizeof(out), err, sizeof(err)), -1);
	assert_int_equal(ctl_request_format(0, ok, out, sizeof(out), err, sizeof(err)), -1);
	assert_int_equal(ctl_request_format(2, ok, out, 8, err, sizeof(err)), -1);
}

static void test_response_header(void **state)
{
	char h[CTL_MAX_HEADER];
	bool ok;
	size_t len;

	(void)state;
	assert_int_equal(ctl_response_header(true, 123, h, sizeof(h)), 7);
	assert_string_equal(h, "OK 123\n");
	assert_int_equal(ctl_response_header(false, 0, h, sizeof(h)), 6);
	assert_int_equal(ctl_response_parse_header("OK 123", &ok, &len), 0);
	assert_true(ok);
	assert_int_equal(len, 123);
	assert_int_equal(ctl_response_parse_header("ERR 0", &ok, &len), 0);
	assert_false(ok);
	assert_int_equal(len, 0);
	assert_int_equal(ctl_response_parse_header("OK", &ok, &len), -1);
	assert_int_equal(ctl_response_parse_header("OK -1", &ok, &len), -1);
	assert_int_equal(ctl_response_parse_header("OK 12x", &ok, &len), -1);
	assert_int_equal(ctl_response_parse_header("ok 12", &ok, &len), -1);
	assert_int_equal(ctl_response_parse_header("OK 99999999999999999999", &ok, &len), -1);
	assert_int_equal(ctl_response_parse_header("OK 67108865", &ok, &len), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_words),
		cmocka_unit_test(test_request_garbage),
		cmocka_unit_test(test_request_format),
		cmocka_unit_test(test_response_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

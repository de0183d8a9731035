/*
 * test_check_expect.c - the expect protocol's judge: regex and byte
 * patterns over replies that hold NUL bytes, fed as a stream transport
 * feeds them (whole, and cut in two at every byte) and as udp datagrams.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg_test_util.h"
#include "check.h"

/*
 * The expect protocol prepared from a check written as YAML flow. The
 * configuration is freed at once: the protocol must have copied what
 * it needs (ASan reports it otherwise).
 */
static void *prep(const char *check)
{
	char yaml[1024], err[CHECK_DETAIL_MAX];
	struct cfg *cfg;
	void *st = NULL;

	snprintf(yaml, sizeof(yaml),
		 "virtual_services:\n"
		 "  - address: 127.0.0.1:6379\n"
		 "    check: %s\n"
		 "    real_servers: [{address: 127.0.0.1:6379}]\n", check);
	cfg = load_ok(yaml);
	if (check_expect_proto.prepare(&cfg->services[0].check, NULL, &st, err,
				       sizeof(err)) < 0)
		fail_msg("prepare: %s", err);
	cfg_free(cfg);
	return st;
}

/* Judge the unconsumed bytes from an exact-size heap copy, so that ASan sees overreads. */
static enum check_verdict judge_copy(void *st, int *step, const unsigned char *data,
				     size_t len, bool eof, struct check_input *in)
{
	unsigned char *copy = malloc(len ? len : 1);
	enum check_verdict v;

	assert_non_null(copy);
	if (len)
		memcpy(copy, data, len);
	memset(in, 0, sizeof(*in));
	in->data = copy;
	in->len = len;
	in->eof = eof;
	v = check_expect_proto.judge(st, step, in);
	assert_true(in->consume <= len);
	free(copy);
	return v;
}

/*
 * A stream transport's view: the reply arrives as reply[0, split) then
 * reply[split, len), then (if eof) the peer closes. Consumed bytes are
 * dropped as a transport drops them. The verdict that ended it, or MORE.
 */
static enum check_verdict feed(void *st, const void *reply, size_t len, size_t split,
			       bool eof, char *detail)
{
	const unsigned char *r = reply;
	unsigned char buf[2048];
	size_t have = 0, cuts[] = { split, len };
	struct check_input in;
	enum check_verdict v = CHECK_MORE;
	int step = 0;

	assert_true(len <= sizeof(buf));
	for (size_t i = 0, from = 0; i < 2; from = cuts[i], i++) {
		if (cuts[i] == from)
			continue;	/* a read never returns nothing but eof */
		memcpy(buf + have, r + from, cuts[i] - from);
		have += cuts[i] - from;
		v = judge_copy(st, &step, buf, have, false, &in);
		memmove(buf, buf + in.consume, have - in.consume);
		have -= in.consume;
		if (v != CHECK_MORE)
			break;
	}
	if (v == CHECK_MORE && eof)
		v = judge_copy(st, &step, buf, have, true, &in);
	snprintf(detail, CHECK_DETAIL_MAX, "%s", v == CHECK_MORE ? "" : in.detail);
	return v;
}

/* Every split of the reply ends with the same verdict and detail. */
static void feed_all_splits(void *st, const void *reply, size_t len, bool eof,
			    enum check_verdict want, const char *want_detail)
{
	char detail[CHECK_DETAIL_MAX];

	for (size_t split = 0; split <= len; split++) {
		enum check_verdict v = feed(st, reply, len, split, eof, detail);

		if (v != want || strcmp(detail, want_detail) != 0)
			fail_msg("split at %zu: verdict %d '%s', expected %d '%s'", split, v,
				 detail, want, want_detail);
	}
}

static void test_request_is_send(void **state)
{
	const unsigned char *data;
	size_t len;
	void *st;

	(void)state;
	st = prep("{type: expect, send: \"PING\\r\\n\", expect: \"^\\\\+PONG\"}");
	check_expect_proto.request(st, &data, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(data, "PING\r\n", 6);
	check_expect_proto.release(st);
	/* No send: the server speaks first. */
	st = prep("{type: expect, expect: \"^220 \"}");
	check_expect_proto.request(st, &data, &len);
	assert_int_equal(len, 0);
	check_expect_proto.release(st);
}

static void test_regex_on_a_stream(void **state)
{
	static const char pong[] = "+PONG\r\n", err[] = "-ERR unknown\r\n", late[] = "x+PONG\r\n";
	char detail[CHECK_DETAIL_MAX];
	void *st;

	(void)state;
	st = prep("{type: expect, send: \"PING\\r\\n\", expect: \"^\\\\+PONG\"}");
	feed_all_splits(st, pong, sizeof(pong) - 1, false, CHECK_UP, "matched");
	feed_all_splits(st, err, sizeof(err) - 1, true, CHECK_DOWN,
			"reply does not match \"^\\+PONG\"");
	/* ^ anchors at the reply's first byte, not at any later one. */
	feed_all_splits(st, late, sizeof(late) - 1, true, CHECK_DOWN,
			"reply does not match \"^\\+PONG\"");
	/* Not matching yet, not closed: wait for more. */
	assert_int_equal(feed(st, "+PON", 4, 2, false, detail), CHECK_MORE);
	assert_int_equal(feed(st, "", 0, 0, true, detail), CHECK_DOWN);
	assert_string_equal(detail, "connection closed without a reply");
	check_expect_proto.release(st);
}

static void test_nul_bytes_do_not_end_the_reply(void **state)
{
	static const unsigned char bin[] = { 0, 0, 'x', 0, 'O', 'K', 0, 0xff };
	static const unsigned char pat[] = { 'a', 'b', 0, 0xff, 0, 'c', 'd' };
	static const unsigned char near[] = { 0, 0xff, 1, 0, 0xff, 0xff, 0 };
	void *st;

	(void)state;
	st = prep("{type: expect, send: \"hello\", expect: \"OK\"}");
	feed_all_splits(st, bin, sizeof(bin), false, CHECK_UP, "matched");
	check_expect_proto.release(st);
	st = prep("{type: expect, send: \"hex:0001\", expect: \"hex:00ff00\"}");
	feed_all_splits(st, pat, sizeof(pat), false, CHECK_UP, "matched");
	feed_all_splits(st, near, sizeof(near), true, CHECK_DOWN,
			"reply does not contain 00ff00");
	check_expect_proto.release(st);
}

static void test_hex_pattern_across_reads(void **state)
{
	/* The pattern straddles every possible cut; bytes before it are dropped early. */
	static const char text[] = "220 mail ESMTP ready\r\nSTATUS: all systems GO\r\n";
	void *st;

	(void)state;
	st = prep("{type: expect, expect: \"hex:474f0d0a\"}");	/* "GO\r\n" */
	feed_all_splits(st, text, sizeof(text) - 1, true, CHECK_UP, "matched");
	feed_all_splits(st, text, sizeof(text) - 3, true, CHECK_DOWN,
			"reply does not contain 474f0d0a");
	check_expect_proto.release(st);
}

static void test_no_pattern_takes_any_reply(void **state)
{
	char detail[CHECK_DETAIL_MAX];
	void *st;

	(void)state;
	st = prep("{type: expect, send: \"x\", expect: \"hex:\"}");
	feed_all_splits(st, "\0", 1, false, CHECK_UP, "reply received");
	assert_int_equal(feed(st, "", 0, 0, true, detail), CHECK_DOWN);
	assert_string_equal(detail, "connection closed without a reply");
	check_expect_proto.release(st);
}

static void test_too_much_without_a_match(void **state)
{
	unsigned char *big = calloc(1, CHECK_MAX_INPUT);
	struct check_input in;
	int step = 0;
	void *st;

	(void)state;
	assert_non_null(big);
	st = prep("{type: expect, expect: \"^OK\"}");
	assert_int_equal(judge_copy(st, &step, big, CHECK_MAX_INPUT - 1, false, &in), CHECK_MORE);
	assert_int_equal(judge_copy(st, &step, big, CHECK_MAX_INPUT, false, &in), CHECK_DOWN);
	assert_string_equal(in.detail, "reply does not match \"^OK\" in its first 1 MiB");
	check_expect_proto.release(st);
	free(big);
}

static void test_udp_judges_each_datagram_alone(void **state)
{
	static const unsigned char nul_pong[] = { 0, '+', 'P', 'O', 'N', 'G' };
	struct check_input in;
	int step = 0;
	void *st;

	(void)state;
	st = prep("{type: expect, transport: udp, send: \"PING\", expect: \"\\\\+PONG\"}");
	assert_int_equal(judge_copy(st, &step, nul_pong, sizeof(nul_pong), false, &in), CHECK_UP);
	assert_string_equal(in.detail, "matched");
	assert_int_equal(in.consume, sizeof(nul_pong));
	/* A datagram that does not match is the answer: no waiting for another. */
	assert_int_equal(judge_copy(st, &step, (const unsigned char *)"+PON", 4, false, &in),
			 CHECK_DOWN);
	assert_string_equal(in.detail, "reply does not match \"\\+PONG\"");
	assert_int_equal(in.consume, 4);
	/* An empty datagram is a reply too, and it does not match. */
	assert_int_equal(judge_copy(st, &step, NULL, 0, false, &in), CHECK_DOWN);
	check_expect_proto.release(st);

	st = prep("{type: expect, transport: udp, send: \"hex:01\", expect: \"hex:0203\"}");
	assert_int_equal(judge_copy(st, &step, (const unsigned char *)"\x01\x02\x03", 3, false,
				    &in), CHECK_UP);
	assert_int_equal(judge_copy(st, &step, (const unsigned char *)"\x02", 1, false, &in),
			 CHECK_DOWN);
	assert_string_equal(in.detail, "reply does not contain 0203");
	check_expect_proto.release(st);
}

static void test_long_pattern_shown_cut(void **state)
{
	char check[512], hex[201];
	struct check_input in;
	int step = 0;
	void *st;

	(void)state;
	for (int i = 0; i < 100; i++)
		memcpy(hex + 2 * i, "ab", 3);
	snprintf(check, sizeof(check), "{type: expect, transport: udp, expect: \"hex:%s\"}",
		 hex);
	st = prep(check);
	assert_int_equal(judge_copy(st, &step, (const unsigned char *)"x", 1, false, &in),
			 CHECK_DOWN);
	assert_string_equal(in.detail, "reply does not contain "
			    "abababababababababababababababababababababababab...");
	check_expect_proto.release(st);
}

static void test_bad_regex_refused(void **state)
{
	struct cfg_check conf = { .type = CHECK_EXPECT, .expect_regex = "(unclosed" };
	char err[CHECK_DETAIL_MAX] = "";
	void *st = NULL;

	(void)state;
	assert_int_equal(check_expect_proto.prepare(&conf, NULL, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot compile \"(unclosed\""));
	assert_null(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_is_send),
		cmocka_unit_test(test_regex_on_a_stream),
		cmocka_unit_test(test_nul_bytes_do_not_end_the_reply),
		cmocka_unit_test(test_hex_pattern_across_reads),
		cmocka_unit_test(test_no_pattern_takes_any_reply),
		cmocka_unit_test(test_too_much_without_a_match),
		cmocka_unit_test(test_udp_judges_each_datagram_alone),
		cmocka_unit_test(test_long_pattern_shown_cut),
		cmocka_unit_test(test_bad_regex_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

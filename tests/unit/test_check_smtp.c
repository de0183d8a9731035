/*
 * test_check_smtp.c - the smtp protocol's dialogue: banner, EHLO, 250,
 * fed as a stream transport feeds it (whole and cut in two at every
 * byte), with multi-line replies, refusals and lines that are not SMTP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"

static void *prep(const char *helo)
{
	struct cfg_check conf = { .type = CHECK_SMTP, .helo = helo };
	char err[CHECK_DETAIL_MAX];
	void *st = NULL;

	if (check_smtp_proto.prepare(&conf, NULL, &st, err, sizeof(err)) < 0)
		fail_msg("prepare: %s", err);
	return st;
}

/* What one run of the dialogue did. */
struct run {
	enum check_verdict v;
	char detail[CHECK_DETAIL_MAX];
	char sent[256];			/* every CHECK_SEND, in order */
	const char *phase;		/* the last phase a MORE named */
};

/* Judge the buffer, as a transport does, until it wants more bytes or decides. */
static enum check_verdict judge_buffer(void *st, int *step, unsigned char *buf, size_t *have,
				       bool eof, struct run *r)
{
	struct check_input in;
	unsigned char *copy;
	enum check_verdict v;

	do {
		copy = malloc(*have ? *have : 1);	/* exact size: ASan sees overreads */
		assert_non_null(copy);
		memcpy(copy, buf, *have);
		memset(&in, 0, sizeof(in));
		in.data = copy;
		in.len = *have;
		in.eof = eof;
		v = check_smtp_proto.judge(st, step, &in);
		free(copy);
		assert_true(in.consume <= *have);
		memmove(buf, buf + in.consume, *have - in.consume);
		*have -= in.consume;
		if (v == CHECK_SEND)
			strncat(r->sent, (const char *)in.send, in.send_len);
		if (v == CHECK_MORE)
			r->phase = in.phase;
		snprintf(r->detail, sizeof(r->detail), "%s", in.detail);
		/* Bytes left after a send are judged again, not left waiting. */
	} while (v == CHECK_SEND && *have > 0);
	return v;
}

/* The server's bytes as reply[0, split), reply[split, len), then eof if asked. */
static struct run dialogue(void *st, const char *reply, size_t split, bool eof)
{
	size_t len = strlen(reply), have = 0, cuts[] = { split, len };
	unsigned char buf[8192];
	struct run r = { .v = CHECK_MORE };
	int step = 0;

	assert_true(len <= sizeof(buf));
	for (size_t i = 0, from = 0; i < 2 && (r.v == CHECK_MORE || r.v == CHECK_SEND);
	     from = cuts[i], i++) {
		if (cuts[i] == from)
			continue;
		memcpy(buf + have, reply + from, cuts[i] - from);
		have += cuts[i] - from;
		r.v = judge_buffer(st, &step, buf, &have, false, &r);
	}
	if (eof && (r.v == CHECK_MORE || r.v == CHECK_SEND))
		r.v = judge_buffer(st, &step, buf, &have, true, &r);
	return r;
}

static void all_splits(void *st, const char *reply, bool eof, enum check_verdict want,
		       const char *detail, const char *sent)
{
	for (size_t split = 0; split <= strlen(reply); split++) {
		struct run r = dialogue(st, reply, split, eof);

		if (r.v != want || strcmp(r.detail, detail) != 0 || strcmp(r.sent, sent) != 0)
			fail_msg("split at %zu: verdict %d '%s' sent '%s'; expected %d '%s' sent '%s'",
				 split, r.v, r.detail, r.sent, want, detail, sent);
	}
}

static void test_request_is_empty(void **state)
{
	const unsigned char *data = (const unsigned char *)"x";
	size_t len = 1;
	void *st = prep(NULL);

	(void)state;
	check_smtp_proto.request(st, &data, &len);
	assert_int_equal(len, 0);
	check_smtp_proto.release(st);
}

static void test_healthy_dialogue(void **state)
{
	void *st = prep(NULL);

	(void)state;
	all_splits(st, "220 mx.example.com ESMTP ready\r\n"
		   "250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 10240000\r\n",
		   false, CHECK_UP, "EHLO answered 250", "EHLO lvsd\r\n");
	/* Multi-line banner, bare "250", lines ended by LF alone. */
	all_splits(st, "220-mx.example.com ESMTP\r\n220-no UCE\n220 ready\r\n250\r\n",
		   false, CHECK_UP, "EHLO answered 250", "EHLO lvsd\r\n");
	check_smtp_proto.release(st);
	st = prep("director.example.com");
	all_splits(st, "220 hi\r\n250 hello\r\n", false, CHECK_UP, "EHLO answered 250",
		   "EHLO director.example.com\r\n");
	check_smtp_proto.release(st);
}

static void test_refusals(void **state)
{
	void *st = prep(NULL);

	(void)state;
	all_splits(st, "421 mx.example.com Service not available\r\n", false, CHECK_DOWN,
		   "banner 421 mx.example.com Service not available", "");
	all_splits(st, "421-mx.example.com busy\r\n421 try later\r\n", false, CHECK_DOWN,
		   "banner 421 try later", "");
	all_splits(st, "554\r\n", false, CHECK_DOWN, "banner 554", "");
	all_splits(st, "220 ok\r\n550 go away\r\n", false, CHECK_DOWN,
		   "EHLO answered 550 go away", "EHLO lvsd\r\n");
	all_splits(st, "220 ok\r\n502-no\r\n502 EHLO not implemented\r\n", false, CHECK_DOWN,
		   "EHLO answered 502 EHLO not implemented", "EHLO lvsd\r\n");
	/* What the server says goes to the log: control bytes are not passed on. */
	all_splits(st, "421 bad\x01\x1btext\r\n", false, CHECK_DOWN, "banner 421 bad??text", "");
	check_smtp_proto.release(st);
}

static void test_malformed_lines(void **state)
{
	static const char *const bad[] = {
		"hello\r\n", "22 x\r\n", "220x ok\r\n", "\r\n", "2a0 x\r\n",
		"220-a\r\n250 b\r\n",		/* the code changes within one reply */
		"220 ok\r\nSIZE 100\r\n",	/* after the banner */
	};
	char *longline;
	struct run r;
	void *st = prep(NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		all_splits(st, bad[i], false, CHECK_DOWN, "malformed reply line",
			   i == 6 ? "EHLO lvsd\r\n" : "");
	/* A line that never ends is refused before it fills the buffer. */
	longline = malloc(5001);
	assert_non_null(longline);
	memset(longline, 'x', 5000);
	memcpy(longline, "220 ", 4);
	longline[5000] = '\0';
	r = dialogue(st, longline, 100, false);
	assert_int_equal(r.v, CHECK_DOWN);
	assert_string_equal(r.detail, "malformed reply line");
	free(longline);
	check_smtp_proto.release(st);
}

static void test_waiting_and_closed(void **state)
{
	struct run r;
	void *st = prep(NULL);

	(void)state;
	r = dialogue(st, "220-still", 4, false);
	assert_int_equal(r.v, CHECK_MORE);
	assert_string_equal(r.phase, "reading the banner");
	r = dialogue(st, "220 ok\r\n250-more", 3, false);
	assert_int_equal(r.v, CHECK_MORE);
	assert_string_equal(r.phase, "waiting for the EHLO reply");
	assert_string_equal(r.sent, "EHLO lvsd\r\n");
	all_splits(st, "", true, CHECK_DOWN, "connection closed while reading the banner", "");
	all_splits(st, "220-a\r\n220 b", true, CHECK_DOWN,
		   "connection closed while reading the banner", "");
	all_splits(st, "220 ok\r\n250-a\r\n", true, CHECK_DOWN,
		   "connection closed while waiting for the EHLO reply", "EHLO lvsd\r\n");
	check_smtp_proto.release(st);
}

static void test_bad_helo_refused(void **state)
{
	static const char *const bad[] = { "two words", "evil\r\nRCPT TO:<x>", "" };
	char err[CHECK_DETAIL_MAX];
	void *st = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cfg_check conf = { .type = CHECK_SMTP, .helo = bad[i] };

		err[0] = '\0';
		assert_int_equal(check_smtp_proto.prepare(&conf, NULL, &st, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "helo"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_is_empty),
		cmocka_unit_test(test_healthy_dialogue),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_waiting_and_closed),
		cmocka_unit_test(test_bad_helo_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_check_http.c - the http judge alone, without sockets: the request
 * it builds, and its verdicts on replies fed as a transport feeds them
 * (whole, a byte at a time, and split at every byte boundary, with what
 * the judge consumed taken away and the rest shown again).
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

#define REPLY_MAX 4096

/* What a fed reply came to: the verdict, its detail, the phase if MORE. */
struct outcome {
	enum check_verdict v;
	char detail[CHECK_DETAIL_MAX];
	const char *phase;
};

static struct cfg_check http_conf(void)
{
	struct cfg_check c;

	memset(&c, 0, sizeof(c));
	c.type = CHECK_HTTP;
	c.interval = 2000;
	c.timeout = 1000;
	c.rise = 2;
	c.fall = 3;
	return c;
}

static void set_digest(struct cfg_check *c, enum cfg_digest_alg alg, const char *hex)
{
	size_t n = strlen(hex) / 2;

	c->digest_alg = alg;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sscanf(hex + 2 * i, "%2hhx", &c->digest[i]), 1);
}

static void *prepare(const struct cfg_check *c, const char *target)
{
	struct lvs_addr t;
	char err[256] = "";
	void *state = NULL;

	assert_int_equal(addr_parse(target, ADDR_PORT_REQUIRED, &t, err, sizeof(err)), 0);
	if (check_http_proto.prepare(c, &t, &state, err, sizeof(err)) < 0)
		fail_msg("prepare failed: %s", err);
	return state;
}

/*
 * One probe's reply, arriving in pieces that end at ends[0..n) (the last
 * is the reply's length), then EOF if `close`; each time the judge sees
 * all it has not consumed, as the stream transport shows it.
 */
static struct outcome feed(void *state, const char *reply, size_t len, const size_t *ends,
			   size_t n, bool close)
{
	static unsigned char buf[REPLY_MAX];
	struct outcome o = { CHECK_MORE, "", NULL };
	size_t have = 0, off = 0;
	int step = 0;

	assert_true(len <= REPLY_MAX);
	for (size_t i = 0; i <= n; i++) {
		struct check_input in = { 0 };

		if (i == n && !close)
			break;
		if (i < n) {
			memcpy(buf + have, reply + off, ends[i] - off);
			have += ends[i] - off;
			off = ends[i];
		}
		in.data = buf;
		in.len = have;
		in.eof = i == n;
		o.v = check_http_proto.judge(state, &step, &in);
		assert_int_not_equal(o.v, CHECK_SEND);
		if (o.v != CHECK_MORE) {
			snprintf(o.detail, sizeof(o.detail), "%s", in.detail);
			return o;
		}
		assert_true(in.consume <= have);
		assert_non_null(in.phase);
		o.phase = in.phase;
		memmove(buf, buf + in.consume, have - in.consume);
		have -= in.consume;
	}
	return o;
}

static void assert_outcome(const struct outcome *o, enum check_verdict v, const char *want,
			   const char *how, size_t k)
{
	const char *got = o->v == CHECK_MORE ? o->phase : o->detail;

	if (o->v != v || strcmp(got, want) != 0)
		fail_msg("fed %s (k=%zu): verdict %d '%s', wanted %d '%s'", how, k, o->v, got, v,
			 want);
}

/*
 * The same reply fed whole, a byte at a time, and split at each byte:
 * every way must give verdict v with `want` (the detail, or the phase if
 * v is CHECK_MORE). One state serves all, as one checker's probes do.
 */
static void expect_reply(const struct cfg_check *c, const char *reply, bool close,
			 enum check_verdict v, const char *want)
{
	void *state = prepare(c, "10.0.0.21:80");
	size_t len = strlen(reply), ends[REPLY_MAX];
	struct outcome o;

	o = feed(state, reply, len, &len, 1, close);
	assert_outcome(&o, v, want, "whole", len);
	for (size_t i = 0; i < len; i++)
		ends[i] = i + 1;
	o = feed(state, reply, len, ends, len, close);
	assert_outcome(&o, v, want, "bytewise", 1);
	for (size_t k = 1; k < len; k++) {
		size_t two[2] = { k, len };

		o = feed(state, reply, len, two, 2, close);
		assert_outcome(&o, v, want, "split", k);
	}
	check_http_proto.release(state);
}

static const char *request_of(const struct cfg_check *c, const char *target, char *buf,
			      size_t len)
{
	void *state = prepare(c, target);
	const unsigned char *d;
	size_t n;

	check_http_proto.request(state, &d, &n);
	assert_true(n < len);
	memcpy(buf, d, n);
	buf[n] = '\0';
	check_http_proto.release(state);
	return buf;
}

static void test_request_defaults_from_yaml(void **state)
{
	struct cfg *cfg;
	char buf[512];

	(void)state;
	cfg = load_ok("virtual_services:\n"
		      "  - address: 10.0.0.100:80\n"
		      "    check: {type: http}\n"
		      "    real_servers: [{address: 10.0.0.21:80}]\n");
	assert_string_equal(request_of(&cfg->services[0].real_servers[0].check, "10.0.0.21:80",
				       buf, sizeof(buf)),
			    "GET / HTTP/1.0\r\nHost: 10.0.0.21\r\nUser-Agent: lvsd-check\r\n"
			    "Connection: close\r\n\r\n");
	cfg_free(cfg);
}

static void test_request_variants(void **state)
{
	struct cfg_check c = http_conf();
	char buf[512];

	(void)state;
	c.method = CFG_HTTP_HEAD;
	c.http_version = CFG_HTTP_11;
	c.path = "/health?x=1";
	c.host = "www.example.com";
	assert_string_equal(request_of(&c, "10.0.0.21:8080", buf, sizeof(buf)),
			    "HEAD /health?x=1 HTTP/1.1\r\nHost: www.example.com\r\n"
			    "User-Agent: lvsd-check\r\nConnection: close\r\n\r\n");
	c = http_conf();
	c.http_version = CFG_HTTP_11;
	assert_string_equal(request_of(&c, "10.0.0.21:8080", buf, sizeof(buf)),
			    "GET / HTTP/1.1\r\nHost: 10.0.0.21:8080\r\n"
			    "User-Agent: lvsd-check\r\nConnection: close\r\n\r\n");
	assert_string_equal(request_of(&c, "[2001:db8::1]:8443", buf, sizeof(buf)),
			    "GET / HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\n"
			    "User-Agent: lvsd-check\r\nConnection: close\r\n\r\n");
	assert_string_equal(request_of(&c, "[2001:db8::1]:80", buf, sizeof(buf)),
			    "GET / HTTP/1.1\r\nHost: [2001:db8::1]\r\n"
			    "User-Agent: lvsd-check\r\nConnection: close\r\n\r\n");
}

/* keepalive: HTTP/1.1 asks nothing (it is its default), 1.0 asks for it. */
static void test_request_keepalive(void **state)
{
	struct cfg_check c = http_conf();
	char buf[512];

	(void)state;
	c.keepalive = true;
	c.http_version = CFG_HTTP_11;
	assert_string_equal(request_of(&c, "10.0.0.21:80", buf, sizeof(buf)),
			    "GET / HTTP/1.1\r\nHost: 10.0.0.21\r\nUser-Agent: lvsd-check\r\n\r\n");
	c.http_version = CFG_HTTP_10;
	assert_string_equal(request_of(&c, "10.0.0.21:80", buf, sizeof(buf)),
			    "GET / HTTP/1.0\r\nHost: 10.0.0.21\r\nUser-Agent: lvsd-check\r\n"
			    "Connection: keep-alive\r\n\r\n");
}

/* One reply judged whole (eof: then the server's close): the verdict, and in->keep. */
static enum check_verdict judge_keep(const struct cfg_check *c, const char *reply, bool eof,
				     bool *keep)
{
	void *state = prepare(c, "10.0.0.21:80");
	struct check_input in = { 0 };
	int step = 0;
	enum check_verdict v;

	in.data = (const unsigned char *)reply;
	in.len = strlen(reply);
	in.eof = eof;
	v = check_http_proto.judge(state, &step, &in);
	*keep = in.keep;
	check_http_proto.release(state);
	return v;
}

/* The connection is kept only after a whole, exactly framed reply that allows it. */
static void test_keep_only_when_framed(void **state)
{
	static const struct {
		const char *reply;
		bool eof, keep;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, true },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
		  false, true },
		{ "HTTP/1.1 204 No Content\r\n\r\n", false, true },
		{ "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok",
		  false, true },
		{ "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", false,
		  false },
		{ "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false, false },
		{ "HTTP/1.1 200 OK\r\n\r\nok", true, false },	/* ended by the close */
		/* bytes after the reply: never taken for the next probe's */
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n", false,
		  false },
	};
	struct cfg_check c = http_conf();
	bool keep;

	(void)state;
	c.keepalive = true;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(judge_keep(&c, cases[i].reply, cases[i].eof, &keep), CHECK_UP);
		if (keep != cases[i].keep)
			fail_msg("case %zu: keep %d, wanted %d", i, keep, cases[i].keep);
	}
	assert_int_equal(judge_keep(&c, "HTTP/1.1 503 No\r\nContent-Length: 0\r\n\r\n", false,
				    &keep), CHECK_DOWN);
	assert_false(keep);
	c.keepalive = false;
	assert_int_equal(judge_keep(&c, cases[0].reply, false, &keep), CHECK_UP);
	assert_false(keep);
}

static void test_status_ranges(void **state)
{
	struct cfg_status_range r[] = { { 200, 299 }, { 302, 302 } };
	struct cfg_check c = http_conf();

	(void)state;
	expect_reply(&c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true, CHECK_UP, "200");
	expect_reply(&c, "HTTP/1.1 503 Service Unavailable\r\n\r\n", true, CHECK_DOWN,
		     "http status 503");
	expect_reply(&c, "HTTP/1.1 302 Found\r\n\r\n", true, CHECK_DOWN, "http status 302");
	expect_reply(&c, "HTTP/1.0 299\r\n\r\n", true, CHECK_UP, "299");
	c.status = r;
	c.n_status = 2;
	expect_reply(&c, "HTTP/1.1 302 Found\r\n\r\n", true, CHECK_UP, "302");
	expect_reply(&c, "HTTP/1.1 301 Moved\r\n\r\n", true, CHECK_DOWN, "http status 301");
	expect_reply(&c, "HTTP/1.1 303 See Other\r\n\r\n", true, CHECK_DOWN, "http status 303");
	/* An interim 100 is not the answer. */
	expect_reply(&c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 302 Found\r\n\r\n", true,
		     CHECK_UP, "302");
}

/* With nothing to check in the body, the status line decides: no EOF, no headers' end. */
/* A bad status decides at once; a good one waits for the whole response. */
static void test_status_decides_at_once(void **state)
{
	struct cfg_check c = http_conf();

	(void)state;
	expect_reply(&c, "HTTP/1.1 500 Oops\r\nContent-Le", false, CHECK_DOWN, "http status 500");
	expect_reply(&c, "HTTP/1.1 200 OK", false, CHECK_MORE, "reading the status line");
	expect_reply(&c, "HTTP/1.1 200 OK\r\n", false, CHECK_MORE, "reading the headers");
	expect_reply(&c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no", false, CHECK_MORE,
		     "reading the body");
	expect_reply(&c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, CHECK_UP,
		     "200");
	/* Closing after the headers, with a body promised, is a failure. */
	expect_reply(&c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", true, CHECK_MORE,
		     "reading the body");
}

static void test_content_length_body(void **state)
{
	struct cfg_check c = http_conf();

	(void)state;
	c.body = "^all ok$";
	expect_reply(&c, "HTTP/1.1 200 OK\r\ncontent-length:  6 \r\n\r\nall ok", false, CHECK_UP,
		     "200");
	/* What follows the body is not the body. */
	expect_reply(&c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nall okAY", false, CHECK_UP,
		     "200");
	expect_reply(&c, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nall ok!", false,
		     CHECK_DOWN, "body does not match \"^all ok$\"");
	expect_reply(&c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nall", false, CHECK_MORE,
		     "reading the body");
	expect_reply(&c, "HTTP/1.1 200 OK\r\nContent-Length: six\r\n\r\n", false, CHECK_DOWN,
		     "malformed Content-Length");
	/* The status fails first: the body is not waited for. */
	expect_reply(&c, "HTTP/1.1 404 Not Found\r\n", false, CHECK_DOWN, "http status 404");
}

static void test_chunked(void **state)
{
	static const char reply[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				    "4;name=val\r\nhell\r\n3\r\no w\r\n4 ; x\r\norld\r\n"
				    "0\r\nX-Trailer: yes\r\n\r\n";
	struct cfg_check c = http_conf();

	(void)state;
	c.body = "^hello world$";
	expect_reply(&c, reply, false, CHECK_UP, "200");
	c.body = "^hello$";
	expect_reply(&c, reply, false, CHECK_DOWN, "body does not match \"^hello$\"");
	c.body = NULL;
	set_digest(&c, CFG_DIGEST_MD5, "5eb63bbbe01eeed093cb22bb8f5acdc3");
	expect_reply(&c, reply, false, CHECK_UP, "200");
	/* Without the trailers' end the body is not over. */
	expect_reply(&c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			 "b\r\nhello world\r\n0\r\n", true, CHECK_MORE, "reading the trailers");
	expect_reply(&c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false,
		     CHECK_DOWN, "malformed chunk");
	expect_reply(&c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nhellXX", false,
		     CHECK_DOWN, "malformed chunk");
	expect_reply(&c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4x\r\n", false,
		     CHECK_DOWN, "malformed chunk");
}

static void test_close_delimited(void **state)
{
	static const char reply[] = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nhello world";
	struct cfg_check c = http_conf();

	(void)state;
	set_digest(&c, CFG_DIGEST_SHA256,
		   "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
	expect_reply(&c, reply, true, CHECK_UP, "200");
	/* Until the server closes, the body may go on. */
	expect_reply(&c, reply, false, CHECK_MORE, "reading the body");
	set_digest(&c, CFG_DIGEST_SHA256,
		   "0000000000000000000000000000000000000000000000000000000000000000");
	expect_reply(&c, reply, true, CHECK_DOWN, "body digest mismatch (sha256 b94d27b9934d3e08...)");
	set_digest(&c, CFG_DIGEST_MD5, "00000000000000000000000000000000");
	expect_reply(&c, reply, true, CHECK_DOWN, "body digest mismatch (md5 5eb63bbbe01eeed0...)");
}

/* HEAD, 204 and 304 have no body whatever their headers say. */
static void test_no_body(void **state)
{
	struct cfg_check c = http_conf();
	struct cfg_status_range r[] = { { 200, 399 } };

	(void)state;
	set_digest(&c, CFG_DIGEST_SHA256,
		   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	c.status = r;
	c.n_status = 1;
	expect_reply(&c, "HTTP/1.1 204 No Content\r\n\r\n", false, CHECK_UP, "204");
	expect_reply(&c, "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n", false,
		     CHECK_UP, "304");
	c.method = CFG_HTTP_HEAD;
	expect_reply(&c, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", false, CHECK_UP,
		     "200");
	c.method = CFG_HTTP_GET;
	expect_reply(&c, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", false, CHECK_MORE,
		     "reading the body");
}

static void test_malformed_status_line(void **state)
{
	static const char *const bad[] = {
		"HTP/1.1 200 OK\r\n", "HTTP/1.1 2x0 OK\r\n", "garbage\r\n", "\r\n",
		"HTTP/1.1 2000 OK\r\n", "HTTP/1.1  200 OK\r\n", "SSH-2.0-OpenSSH_9.2\r\n",
	};
	struct cfg_check c = http_conf();

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_reply(&c, bad[i], true, CHECK_DOWN, "malformed status line");
}

/* A judge still wanting more at EOF: the transport reports the phase. */
static void test_early_close(void **state)
{
	struct cfg_check c = http_conf();

	(void)state;
	c.body = "ok";
	expect_reply(&c, "", true, CHECK_MORE, "reading the status line");
	expect_reply(&c, "HTTP/1.1 200", true, CHECK_MORE, "reading the status line");
	expect_reply(&c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n", true, CHECK_MORE,
		     "reading the headers");
	expect_reply(&c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nok", true, CHECK_MORE,
		     "reading the body");
}

/* A body kept for the regex is bounded; one only digested is not kept at all. */
static void test_body_too_large(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n";
	static unsigned char chunk[65536];
	struct cfg_check c = http_conf();
	struct check_input in;
	enum check_verdict v = CHECK_MORE;
	int step = 0;
	void *st;
	size_t i;

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	for (int kept = 1; kept >= 0; kept--) {
		c.body = kept ? "ok" : NULL;
		if (!kept)
			set_digest(&c, CFG_DIGEST_MD5, "00000000000000000000000000000000");
		st = prepare(&c, "127.0.0.1:80");
		step = 0;
		v = CHECK_MORE;
		memset(&in, 0, sizeof(in));
		in.data = (const unsigned char *)head;
		in.len = strlen(head);
		assert_int_equal(check_http_proto.judge(st, &step, &in), CHECK_MORE);
		assert_int_equal(in.consume, strlen(head));
		for (i = 0; i < 2000000 / sizeof(chunk) && v == CHECK_MORE; i++) {
			memset(&in, 0, sizeof(in));
			in.data = chunk;
			in.len = sizeof(chunk);
			v = check_http_proto.judge(st, &step, &in);
			if (v == CHECK_MORE)
				assert_int_equal(in.consume, sizeof(chunk));
		}
		if (kept) {
			assert_int_equal(v, CHECK_DOWN);
			assert_string_equal(in.detail, "reply too large");
			assert_true(i * sizeof(chunk) > CHECK_MAX_INPUT);
		} else {
			assert_int_equal(v, CHECK_MORE);
		}
		check_http_proto.release(st);
	}
}

static void test_bad_regex_is_a_prepare_error(void **state)
{
	struct cfg_check c = http_conf();
	struct lvs_addr t = { .af = AF_INET, .port = 80 };
	char err[256] = "";
	void *st = NULL;

	(void)state;
	c.body = "a(b";
	assert_int_equal(check_http_proto.prepare(&c, &t, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad body regex \"a(b\""));
	assert_null(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_defaults_from_yaml),
		cmocka_unit_test(test_request_variants),
		cmocka_unit_test(test_request_keepalive),
		cmocka_unit_test(test_keep_only_when_framed),
		cmocka_unit_test(test_status_ranges),
		cmocka_unit_test(test_status_decides_at_once),
		cmocka_unit_test(test_content_length_body),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_close_delimited),
		cmocka_unit_test(test_no_body),
		cmocka_unit_test(test_malformed_status_line),
		cmocka_unit_test(test_early_close),
		cmocka_unit_test(test_body_too_large),
		cmocka_unit_test(test_bad_regex_is_a_prepare_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

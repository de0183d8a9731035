/*
 * test_check_dns.c - the dns protocol as a codec: the exact bytes of the
 * queries it sends, and its verdict on replies written out byte by byte:
 * good ones (with compression), error codes, replies that are not ours,
 * and the broken ones a hostile or buggy server can send.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"

/* One prepared dns checker and the ID of its last query. */
struct fx {
	struct cfg_check conf;
	void *st;
	uint16_t id;
	char detail[CHECK_DETAIL_MAX];
};

static void fx_init(struct fx *f, const char *name, uint16_t qtype, const char *answer)
{
	char err[CHECK_DETAIL_MAX];
	const unsigned char *q;
	size_t qlen;

	memset(f, 0, sizeof(*f));
	f->conf.type = CHECK_DNS;
	f->conf.name = name;
	f->conf.qtype = qtype;
	if (answer) {
		f->conf.answer.af = strchr(answer, ':') ? AF_INET6 : AF_INET;
		assert_int_equal(inet_pton(f->conf.answer.af, answer, &f->conf.answer.ip), 1);
	}
	if (check_dns_proto.prepare(&f->conf, NULL, &f->st, err, sizeof(err)) < 0)
		fail_msg("prepare: %s", err);
	check_dns_proto.request(f->st, &q, &qlen);
	f->id = (uint16_t)(q[0] << 8 | q[1]);
}

static void fx_free(struct fx *f)
{
	check_dns_proto.release(f->st);
}

/* Judge `reply` with the query's ID stamped on it (xor `id_flip`). */
static enum check_verdict fx_judge(struct fx *f, const unsigned char *reply, size_t len,
				   uint16_t id_flip)
{
	unsigned char *m = malloc(len ? len : 1);
	struct check_input in = { 0 };
	int step = 0;
	enum check_verdict v;

	assert_non_null(m);
	memcpy(m, reply, len);
	if (len >= 2) {
		m[0] = (unsigned char)((f->id ^ id_flip) >> 8);
		m[1] = (unsigned char)(f->id ^ id_flip);
	}
	in.data = m;
	in.len = len;
	v = check_dns_proto.judge(f->st, &step, &in);
	memcpy(f->detail, in.detail, sizeof(f->detail));
	free(m);	/* a heap copy of exactly len bytes: ASan sees any overread */
	return v;
}

#define HDR(flags_hi, flags_lo, an) 0, 0, flags_hi, flags_lo, 0, 1, 0, an, 0, 0, 0, 0
/* www.example.com, at offset 12; "example" begins at 16. */
#define QNAME 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0
#define QA QNAME, 0, 1, 0, 1
#define TTL 0, 0, 0x0e, 0x10

/* NOERROR, a CNAME to web.example.com and its A record, both compressed. */
static const unsigned char reply_cname_a[] = {
	HDR(0x81, 0x80, 2), QA,
	/* 33: www.example.com CNAME web.example.com (rdata at 45) */
	0xc0, 12, 0, 5, 0, 1, TTL, 0, 6, 3, 'w', 'e', 'b', 0xc0, 16,
	/* 51: web.example.com A 10.0.0.21 */
	0xc0, 45, 0, 1, 0, 1, TTL, 0, 4, 10, 0, 0, 21,
};

static void test_query_bytes(void **state)
{
	static const unsigned char a[] = {
		0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, QNAME, 0, 1, 0, 1 };
	static const unsigned char aaaa[] = {
		0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		4, 'i', 'p', 'v', '6', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0,
		0, 28, 0, 1 };
	static const unsigned char mx[] = {
		0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 15, 0, 1 };
	static const struct { const char *name; uint16_t qtype; const unsigned char *bytes;
			      size_t len; } cases[] = {
		{ "www.example.com", 1, a, sizeof(a) },
		{ "ipv6.example.org.", 28, aaaa, sizeof(aaaa) },
		{ "example.com", 15, mx, sizeof(mx) },
	};
	const unsigned char *q;
	size_t len;
	struct fx f;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fx_init(&f, cases[i].name, cases[i].qtype, NULL);
		check_dns_proto.request(f.st, &q, &len);
		assert_int_equal(len, cases[i].len + 2);
		assert_memory_equal(q + 2, cases[i].bytes, cases[i].len);
		fx_free(&f);
	}
}

static void test_fresh_id_each_probe(void **state)
{
	const unsigned char *q;
	size_t len;
	uint16_t first, id;
	bool differs = false;
	struct fx f;

	(void)state;
	fx_init(&f, "www.example.com", 1, NULL);
	first = f.id;
	for (int i = 0; i < 16; i++) {
		check_dns_proto.request(f.st, &q, &len);
		id = (uint16_t)(q[0] << 8 | q[1]);
		differs |= id != first;
	}
	assert_true(differs);
	f.id = id;
	/* Only the last query's ID is ours. */
	assert_int_equal(fx_judge(&f, reply_cname_a, sizeof(reply_cname_a), 0), CHECK_UP);
	fx_free(&f);
}

static void test_bad_names_refused(void **state)
{
	static const char *const bad[] = {
		"", "a..b", ".example.com",
		"a123456789012345678901234567890123456789012345678901234567890123.com",
	};
	char err[CHECK_DETAIL_MAX], long_name[300];
	struct cfg_check conf = { .type = CHECK_DNS, .qtype = 1 };
	void *st = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		conf.name = bad[i];
		err[0] = '\0';
		assert_int_equal(check_dns_proto.prepare(&conf, NULL, &st, err, sizeof(err)), -1);
		assert_true(strlen(err) > 0);
	}
	/* 63 labels "abc" and one "a": 255 bytes in wire form, the most there may be. */
	for (int i = 0; i < 64; i++)
		memcpy(long_name + 4 * i, "abc.", 4);
	long_name[4 * 63 + 1] = '\0';
	conf.name = long_name;
	assert_int_equal(check_dns_proto.prepare(&conf, NULL, &st, err, sizeof(err)), 0);
	check_dns_proto.release(st);
	/* "ab" for the last label: one byte too many. */
	long_name[4 * 63 + 1] = 'b';
	long_name[4 * 63 + 2] = '\0';
	assert_int_equal(check_dns_proto.prepare(&conf, NULL, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 255"));
}

static void test_noerror_with_compressed_answers(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "www.example.com", 1, NULL);
	assert_int_equal(fx_judge(&f, reply_cname_a, sizeof(reply_cname_a), 0), CHECK_UP);
	assert_string_equal(f.detail, "NOERROR, 2 answers");
	fx_free(&f);
	/* The question echoed in other case is still ours (RFC 4343). */
	fx_init(&f, "WWW.Example.COM", 1, NULL);
	assert_int_equal(fx_judge(&f, reply_cname_a, sizeof(reply_cname_a), 0), CHECK_UP);
	fx_free(&f);
}

static void test_error_rcodes(void **state)
{
	static const unsigned char nx[] = { HDR(0x81, 0x83, 0), QA };
	static const unsigned char servfail[] = { HDR(0x81, 0x82, 0), QA };
	static const unsigned char rcode9[] = { HDR(0x81, 0x89, 0), QA };
	static const unsigned char formerr_bare[] = { 0, 0, 0x81, 0x81, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char empty[] = { HDR(0x81, 0x80, 0), QA };
	struct fx f;

	(void)state;
	fx_init(&f, "www.example.com", 1, NULL);
	assert_int_equal(fx_judge(&f, nx, sizeof(nx), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "rcode NXDOMAIN");
	assert_int_equal(fx_judge(&f, servfail, sizeof(servfail), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "rcode SERVFAIL");
	assert_int_equal(fx_judge(&f, rcode9, sizeof(rcode9), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "rcode 9");
	assert_int_equal(fx_judge(&f, formerr_bare, sizeof(formerr_bare), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "rcode FORMERR");
	assert_int_equal(fx_judge(&f, empty, sizeof(empty), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "no answer records");
	fx_free(&f);
}

static void test_wrong_id_is_not_ours(void **state)
{
	static const unsigned char nx[] = { HDR(0x81, 0x83, 0), QA };
	struct fx f;

	(void)state;
	fx_init(&f, "www.example.com", 1, NULL);
	assert_int_equal(fx_judge(&f, nx, sizeof(nx), 0x0100), CHECK_MORE);
	assert_int_equal(fx_judge(&f, reply_cname_a, sizeof(reply_cname_a), 1), CHECK_MORE);
	/* Even garbage with another ID is someone else's. */
	assert_int_equal(fx_judge(&f, nx, 5, 0x8000), CHECK_MORE);
	assert_int_equal(fx_judge(&f, reply_cname_a, sizeof(reply_cname_a), 0), CHECK_UP);
	fx_free(&f);
}

/* The reply cut at every length shorter than whole: never up, never a crash. */
static void test_cut_short_everywhere(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "www.example.com", 1, NULL);
	for (size_t len = 0; len < sizeof(reply_cname_a); len++) {
		enum check_verdict v = fx_judge(&f, reply_cname_a, len, 0);

		if (v != CHECK_DOWN || strncmp(f.detail, "malformed reply: ", 17) != 0)
			fail_msg("cut at %zu: verdict %d, '%s'", len, v, f.detail);
	}
	assert_int_equal(fx_judge(&f, reply_cname_a, 11, 0), CHECK_DOWN);
	assert_string_equal(f.detail, "malformed reply: 11 bytes, shorter than a header");
	assert_int_equal(fx_judge(&f, reply_cname_a, sizeof(reply_cname_a) - 2, 0), CHECK_DOWN);
	assert_string_equal(f.detail, "malformed reply: answer record 2 has 4 bytes of data, "
			    "2 remain");
	assert_int_equal(fx_judge(&f, reply_cname_a, 60, 0), CHECK_DOWN);
	assert_string_equal(f.detail, "malformed reply: answer record 2 cut short");
	fx_free(&f);
}

static void test_compression_abuse(void **state)
{
	/* 33: a pointer to itself. */
	static const unsigned char self[] = {
		HDR(0x81, 0x80, 1), QA, 0xc0, 33, 0, 1, 0, 1, TTL, 0, 4, 10, 0, 0, 21 };
	/* 33: "a" then a pointer back to 33: a loop through a label. */
	static const unsigned char loop[] = {
		HDR(0x81, 0x80, 1), QA, 1, 'a', 0xc0, 33, 0, 1, 0, 1, TTL, 0, 4, 10, 0, 0, 21 };
	/* 33: a pointer to 51, past the end. */
	static const unsigned char past[] = {
		HDR(0x81, 0x80, 1), QA, 0xc0, 51, 0, 1, 0, 1, TTL, 0, 4, 10, 0, 0, 21 };
	/* The question's name: a pointer forward, into its own bytes. */
	static const unsigned char forward[] = {
		HDR(0x81, 0x80, 0), 0xc0, 14, 3, 'c', 'o', 'm', 0, 0, 1, 0, 1 };
	struct fx f;

	(void)state;
	fx_init(&f, "www.example.com", 1, NULL);
	assert_int_equal(fx_judge(&f, self, sizeof(self), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "malformed reply: compression pointer loop at offset 33");
	assert_int_equal(fx_judge(&f, loop, sizeof(loop), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "malformed reply: compression pointer loop at offset 35");
	assert_int_equal(fx_judge(&f, past, sizeof(past), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "malformed reply: compression pointer at offset 33 "
			    "points past the end");
	assert_int_equal(fx_judge(&f, forward, sizeof(forward), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "malformed reply: compression pointer at offset 12 "
			    "points forward");
	fx_free(&f);
}

static void test_header_and_question_checks(void **state)
{
	static const unsigned char tc[] = { HDR(0x83, 0x80, 2), QA };
	static const unsigned char query[] = { HDR(0x01, 0x00, 0), QA };
	static const unsigned char opcode[] = { HDR(0x91, 0x80, 0), QA };
	static const unsigned char other_name[] = {
		HDR(0x81, 0x80, 0), 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'n', 'e', 't', 0, 0, 1, 0, 1 };
	static const unsigned char other_type[] = { HDR(0x81, 0x80, 0), QNAME, 0, 28, 0, 1 };
	static const unsigned char two_questions[] = {
		0, 0, 0x81, 0x80, 0, 2, 0, 0, 0, 0, 0, 0, QA, QA };
	struct fx f;

	(void)state;
	fx_init(&f, "www.example.com", 1, NULL);
	assert_int_equal(fx_judge(&f, tc, sizeof(tc), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "truncated reply");
	assert_int_equal(fx_judge(&f, query, sizeof(query), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "malformed reply: QR not set: a query, not a response");
	assert_int_equal(fx_judge(&f, opcode, sizeof(opcode), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "malformed reply: opcode 2, not a standard query");
	assert_int_equal(fx_judge(&f, other_name, sizeof(other_name), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "malformed reply: the question is not the one asked");
	assert_int_equal(fx_judge(&f, other_type, sizeof(other_type), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "malformed reply: the question is not the one asked");
	assert_int_equal(fx_judge(&f, two_questions, sizeof(two_questions), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "malformed reply: 2 questions, not 1");
	fx_free(&f);
}

static void test_answer_must_match(void **state)
{
	static const unsigned char aaaa[] = {
		HDR(0x81, 0x80, 2), QNAME, 0, 28, 0, 1,
		/* an A record holding the first 4 bytes of the AAAA's address */
		0xc0, 12, 0, 1, 0, 1, TTL, 0, 4, 0x20, 0x01, 0x0d, 0xb8,
		0xc0, 12, 0, 28, 0, 1, TTL, 0, 16,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x21 };
	struct fx f;

	(void)state;
	fx_init(&f, "www.example.com", 1, "10.0.0.21");
	assert_int_equal(fx_judge(&f, reply_cname_a, sizeof(reply_cname_a), 0), CHECK_UP);
	fx_free(&f);
	fx_init(&f, "www.example.com", 1, "10.0.0.22");
	assert_int_equal(fx_judge(&f, reply_cname_a, sizeof(reply_cname_a), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "answer 10.0.0.22 not in the reply");
	fx_free(&f);
	fx_init(&f, "www.example.com", 28, "2001:db8::21");
	assert_int_equal(fx_judge(&f, aaaa, sizeof(aaaa), 0), CHECK_UP);
	assert_string_equal(f.detail, "NOERROR, 2 answers");
	fx_free(&f);
	fx_init(&f, "www.example.com", 28, "2001:db8::22");
	assert_int_equal(fx_judge(&f, aaaa, sizeof(aaaa), 0), CHECK_DOWN);
	assert_string_equal(f.detail, "answer 2001:db8::22 not in the reply");
	fx_free(&f);
	/* An IPv4 answer is looked for in the A records of the same reply. */
	fx_init(&f, "www.example.com", 28, "32.1.13.184");
	assert_int_equal(fx_judge(&f, aaaa, sizeof(aaaa), 0), CHECK_UP);
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_bytes),
		cmocka_unit_test(test_fresh_id_each_probe),
		cmocka_unit_test(test_bad_names_refused),
		cmocka_unit_test(test_noerror_with_compressed_answers),
		cmocka_unit_test(test_error_rcodes),
		cmocka_unit_test(test_wrong_id_is_not_ours),
		cmocka_unit_test(test_cut_short_everywhere),
		cmocka_unit_test(test_compression_abuse),
		cmocka_unit_test(test_header_and_question_checks),
		cmocka_unit_test(test_answer_must_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

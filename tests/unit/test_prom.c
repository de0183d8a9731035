/*
 * test_prom.c - the Prometheus text format writer: HELP and TYPE lines,
 * samples with and without labels, label values and help text escaped
 * as the format says (backslash, double quote, newline), exact counters
 * past 2^53, the special float values, and labels too long for the
 * writer's line buffer on the stack (the same text, from the heap).
 */
#include "config.h"

#include <event2/buffer.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "prom.h"

/* The buffer's text, NUL-terminated (caller frees). */
static char *text_of(struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);

	evbuffer_remove(b, s, n);
	s[n] = '\0';
	return s;
}

static void test_family_and_plain_sample(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char *s;

	(void)state;
	prom_family(b, "lvsd_reloads_total", "counter", "Reloads attempted.");
	prom_sample_u64(b, "lvsd_reloads_total", NULL, 0, 3);
	s = text_of(b);
	assert_string_equal(s, "# HELP lvsd_reloads_total Reloads attempted.\n"
			       "# TYPE lvsd_reloads_total counter\n"
			       "lvsd_reloads_total 3\n");
	free(s);
	evbuffer_free(b);
}

static void test_labels_are_escaped(void **state)
{
	struct evbuffer *b = evbuffer_new();
	const struct prom_label l[] = {
		{ "service", "we\"b\\1\nx" }, { "real_server", "[2001:db8::1]:80" }, { "empty", NULL },
	};
	char *s;

	(void)state;
	prom_sample_u64(b, "m", l, 3, UINT64_MAX);
	s = text_of(b);
	assert_string_equal(s, "m{service=\"we\\\"b\\\\1\\nx\",real_server=\"[2001:db8::1]:80\","
			       "empty=\"\"} 18446744073709551615\n");
	free(s);
	evbuffer_free(b);
}

static void test_help_escapes_backslash_and_newline_only(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char *s;

	(void)state;
	prom_family(b, "g", "gauge", "a \"quoted\" \\ and\nmore");
	s = text_of(b);
	assert_string_equal(s, "# HELP g a \"quoted\" \\\\ and\\nmore\n# TYPE g gauge\n");
	free(s);
	evbuffer_free(b);
}

static void test_doubles(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char *s;

	(void)state;
	prom_sample_double(b, "d", NULL, 0, 0.0125);
	prom_sample_double(b, "d", NULL, 0, NAN);
	prom_sample_double(b, "d", NULL, 0, INFINITY);
	prom_sample_double(b, "d", NULL, 0, -INFINITY);
	prom_sample_double(b, "d", NULL, 0, 1e21);
	s = text_of(b);
	assert_string_equal(s, "d 0.012500000000000001\nd NaN\nd +Inf\nd -Inf\nd 1e+21\n");
	free(s);
	evbuffer_free(b);
}

/* A sample of value v with one label of n bytes, each 'a' but a quote in the middle. */
static char *long_label_sample(size_t n, uint64_t v)
{
	struct evbuffer *b = evbuffer_new();
	char *value = malloc(n + 1);
	struct prom_label l[] = { { "service", value } };
	char *s;

	memset(value, 'a', n);
	value[n / 2] = '"';
	value[n] = '\0';
	prom_sample_u64(b, "m", l, 1, v);
	s = text_of(b);
	free(value);
	evbuffer_free(b);
	return s;
}

static void test_long_labels_are_whole(void **state)
{
	(void)state;
	for (size_t n = 980; n <= 3000; n += n < 1100 ? 1 : 950) {
		char *s = long_label_sample(n, n == 3000 ? 0 : UINT64_MAX);
		const char *num = n == 3000 ? " 0\n" : " 18446744073709551615\n";
		size_t len = strlen(s), want = strlen("m{service=\"") + n + 1 + strlen("\"}") + strlen(num);

		assert_int_equal(len, want);
		assert_memory_equal(s, "m{service=\"aaa", 14);
		assert_memory_equal(s + 11 + n / 2, "\\\"", 2);
		assert_memory_equal(s + len - strlen(num) - 2, "\"}", 2);
		assert_string_equal(s + len - strlen(num), num);
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_plain_sample),
		cmocka_unit_test(test_labels_are_escaped),
		cmocka_unit_test(test_help_escapes_backslash_and_newline_only),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_long_labels_are_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

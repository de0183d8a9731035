/*
 * test_json.c - the JSON writer: commas and nesting, escaping, invalid
 * UTF-8 and misuse, which must yield no text rather than bad JSON.
 */
#include "config.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

static void test_nesting_and_commas(void **state)
{
	struct json j;

	(void)state;
	json_init(&j);
	json_object_begin(&j);
	json_kv_string(&j, "a", "x");
	json_kv_uint(&j, "b", 18446744073709551615ull);
	json_kv_int(&j, "c", -5);
	json_key(&j, "d");
	json_array_begin(&j);
	json_bool(&j, true);
	json_null(&j);
	json_object_begin(&j);
	json_object_end(&j);
	json_array_begin(&j);
	json_array_end(&j);
	json_array_end(&j);
	json_key(&j, "e");
	json_string(&j, NULL);
	json_key(&j, "f");
	json_double(&j, 1.5);
	json_object_end(&j);
	assert_string_equal(json_text(&j),
			    "{\"a\":\"x\",\"b\":18446744073709551615,\"c\":-5,"
			    "\"d\":[true,null,{},[]],\"e\":null,\"f\":1.5}");
	json_free(&j);
}

static void test_escaping(void **state)
{
	struct json j;

	(void)state;
	json_init(&j);
	json_array_begin(&j);
	json_string(&j, "q\"b\\n\n\t\x01\x7f");
	json_string(&j, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	json_string(&j, "bad \xff \xc3 \xc0\xaf \xed\xa0\x80 end");
	json_array_end(&j);
	assert_string_equal(json_text(&j),
			    "[\"q\\\"b\\\\n\\n\\t\\u0001\\u007f\","
			    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
			    "\"bad \\ufffd \\ufffd \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd end\"]");
	json_free(&j);
}

static void test_misuse_gives_no_text(void **state)
{
	struct json j;

	(void)state;
	json_init(&j);
	json_object_begin(&j);
	assert_null(json_text(&j));	/* unclosed */
	json_key(&j, "k");
	json_object_end(&j);		/* a key without a value */
	assert_null(json_text(&j));
	json_free(&j);

	json_init(&j);
	json_array_end(&j);		/* closing what was never opened */
	assert_null(json_text(&j));
	json_free(&j);

	json_init(&j);
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		json_array_begin(&j);
	assert_true(j.failed);
	json_free(&j);
}

static void test_non_finite_double(void **state)
{
	struct json j;

	(void)state;
	json_init(&j);
	json_array_begin(&j);
	json_double(&j, 1.0 / 0.0);
	json_array_end(&j);
	assert_string_equal(json_text(&j), "[null]");
	json_free(&j);
}

/* Integers are written without printf: they must read as printf would write them. */
static void test_integers(void **state)
{
	static const int64_t ints[] = { 0, 1, -1, 9, 10, -10, 99, 100, 1234567890, -987654321,
					INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	static const uint64_t uints[] = { 0, 7, 10, 4294967295u, 4294967296u, UINT64_MAX,
					  UINT64_MAX - 1, 10000000000000000000u };
	char want[64];
	struct json j;

	(void)state;
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		json_init(&j);
		json_array_begin(&j);
		json_int(&j, ints[i]);
		json_array_end(&j);
		snprintf(want, sizeof(want), "[%" PRId64 "]", ints[i]);
		assert_string_equal(json_text(&j), want);
		json_free(&j);
	}
	for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
		json_init(&j);
		json_array_begin(&j);
		json_uint(&j, uints[i]);
		json_array_end(&j);
		snprintf(want, sizeof(want), "[%" PRIu64 "]", uints[i]);
		assert_string_equal(json_text(&j), want);
		json_free(&j);
	}
}

/* A long plain run, copied at once, with escapes around and inside it. */
static void test_long_string(void **state)
{
	char in[3000], want[3100];
	struct json j;

	(void)state;
	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	in[1500] = '"';
	json_init(&j);
	json_string(&j, in);
	snprintf(want, sizeof(want), "\"%.1500s\\\"%s\"", in, in + 1501);
	assert_string_equal(json_text(&j), want);
	json_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting_and_commas),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_misuse_gives_no_text),
		cmocka_unit_test(test_non_finite_double),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_long_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

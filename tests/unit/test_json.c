/*
 * test_json.c - the JSON writer: commas and nesting, escaping, invalid
 * UTF-8 and misuse, which must yield no text rather than bad JSON.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting_and_commas),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_misuse_gives_no_text),
		cmocka_unit_test(test_non_finite_double),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

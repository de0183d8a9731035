/*
 * test_log.c - the logging module: a line below the logger's level costs
 * nothing, not even its arguments (the forwarding core logs each closed
 * connection at debug level); one at or above it is written, with its
 * level's name, to the logger's file.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

static int evaluated;

static const char *argument(const char *text)
{
	evaluated++;
	return text;
}

static void test_levels_gate_the_arguments(void **state)
{
	char path[] = "/tmp/lvsd-test-log-XXXXXX", err[256], text[512] = "";
	struct logger lg;
	int fd = mkstemp(path);
	FILE *f;
	size_t n;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	logger_init(&lg, "test");
	assert_int_equal(logger_set_target(&lg, path, err, sizeof(err)), 0);
	lg.level = LOG_LVL_NOTICE;
	log_debug(&lg, "d %s", argument("debug"));
	log_info(&lg, "i %s", argument("info"));
	assert_int_equal(evaluated, 0);
	log_notice(&lg, "n %s", argument("notice"));
	log_error(&lg, "e %s", argument("error"));
	assert_int_equal(evaluated, 2);
	logger_close(&lg);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	unlink(path);
	assert_null(strstr(text, "debug"));
	assert_null(strstr(text, " i info"));
	assert_non_null(strstr(text, "notice: n notice"));
	assert_non_null(strstr(text, "error: e error"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_gate_the_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

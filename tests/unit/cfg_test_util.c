/*
 * cfg_test_util.c - the loader tests' shared helpers (see the header).
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

struct cfg *load(const char *yaml, struct cfg_diag *d)
{
	cfg_diag_init(d, "test.yaml");
	return cfg_load_buffer("test.yaml", yaml, strlen(yaml), d);
}

struct cfg *load_ok(const char *yaml)
{
	struct cfg_diag d;
	struct cfg *cfg = load(yaml, &d);

	if (d.n_errors) {
		fprintf(stderr, "unexpected errors for:\n%s\n", yaml);
		cfg_diag_print(&d, stderr);
	}
	assert_int_equal(d.n_errors, 0);
	assert_non_null(cfg);
	cfg_diag_free(&d);
	return cfg;
}

void load_bad(const char *yaml, unsigned line, unsigned col,
		     const char *msg)
{
	struct cfg_diag d;
	struct cfg *cfg = load(yaml, &d);

	if (d.n_errors != 1 || strcmp(d.errors[0].msg, msg) != 0) {
		fprintf(stderr, "for:\n%s\nexpected %u:%u: %s\ngot:\n", yaml,
			line, col, msg);
		cfg_diag_print(&d, stderr);
	}
	assert_null(cfg);
	assert_int_equal(d.n_errors, 1);
	assert_string_equal(d.errors[0].msg, msg);
	assert_int_equal(d.errors[0].line, line);
	if (col)
		assert_int_equal(d.errors[0].col, col);
	cfg_diag_free(&d);
}

char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

const char *fmt_addr(const struct lvs_addr *a)
{
	static char buf[ADDR_STRLEN];

	return addr_format(a, buf, sizeof(buf));
}

/*
 * import_test_util.c - the helpers of the import tests (import_test_util.h).
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

#include "import_test_util.h"

/* Parse `text` as `f`, emit it, and load the YAML as lvsd would. */
void run(struct run *r, enum imp_format f, const char *name, const char *text)
{
	FILE *w = open_memstream(&r->warn, &r->wlen), *y;
	struct cfg_diag d;

	assert_non_null(w);
	imp_init(&r->ctx, w);
	r->rc = imp_parse(&r->ctx, f, name, text);
	fclose(w);
	r->cfg = NULL;
	r->yaml = NULL;
	if (r->rc < 0)
		return;
	y = open_memstream(&r->yaml, &r->ylen);
	assert_non_null(y);
	assert_int_equal(imp_emit(&r->ctx, y), 0);
	fclose(y);
	cfg_diag_init(&d, "imported.yaml");
	r->cfg = cfg_load_buffer("imported.yaml", r->yaml, r->ylen, &d);
	if (!r->cfg) {
		cfg_diag_print(&d, stderr);
		fprintf(stderr, "%s", r->yaml);
	}
	cfg_diag_free(&d);
	assert_non_null(r->cfg);
}

void done(struct run *r)
{
	cfg_free(r->cfg);
	imp_free(&r->ctx);
	free(r->yaml);
	free(r->warn);
}

void has_warning(const struct run *r, const char *text)
{
	if (!strstr(r->warn, text))
		fail_msg("no warning '%s' in:\n%s", text, r->warn);
}

void parse_fails(enum imp_format f, const char *text, const char *err)
{
	struct imp_ctx ctx;

	imp_init(&ctx, NULL);
	assert_int_equal(imp_parse(&ctx, f, "in", text), -1);
	if (strcmp(ctx.err, err) != 0)
		fail_msg("got '%s', expected '%s'", ctx.err, err);
	imp_free(&ctx);
}

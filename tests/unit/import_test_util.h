/*
 * import_test_util.h - what the import tests share: run a parser on a
 * text, emit its YAML and load that through the real configuration
 * loader, and look for warnings.
 */
#ifndef LVSD_IMPORT_TEST_UTIL_H
#define LVSD_IMPORT_TEST_UTIL_H

#include <stddef.h>

#include "cfg.h"
#include "import.h"

struct run {
	struct imp_ctx ctx;
	int rc;
	char *yaml, *warn;
	size_t ylen, wlen;
	struct cfg *cfg;
};

/* Parse `text` as `f`, emit it, and load the YAML as lvsd would (must load). */
void run(struct run *r, enum imp_format f, const char *name, const char *text);
void done(struct run *r);
/* Fails the test unless some warning contains `text`. */
void has_warning(const struct run *r, const char *text);
/* Fails the test unless parsing fails with exactly `err`. */
void parse_fails(enum imp_format f, const char *text, const char *err);

#endif

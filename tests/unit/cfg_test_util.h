/*
 * cfg_test_util.h - helpers the loader's unit tests share: load a YAML
 * text and assert it is valid, or that it fails with one given error.
 */
#ifndef LVSD_CFG_TEST_UTIL_H
#define LVSD_CFG_TEST_UTIL_H

#include "cfg.h"

#define S(x) ((cfg_ms)(x) * 1000)

struct cfg *load(const char *yaml, struct cfg_diag *d);
/* Load text that must be valid; print what the loader said if it is not. */
struct cfg *load_ok(const char *yaml);
/* Load text that must fail with exactly one error, `msg`, at line:col
 * (col 0: any column). */
void load_bad(const char *yaml, unsigned line, unsigned col, const char *msg);
/* A whole file, NUL-terminated; the caller frees it. */
char *read_text(const char *path);
/* An address as text, in a static buffer (tests are single-threaded). */
const char *fmt_addr(const struct lvs_addr *a);

#endif

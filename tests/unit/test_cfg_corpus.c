/*
 * test_cfg_corpus.c - run the configuration loader over the corpus of
 * tests/cfg: one cmocka test per file, found by listing the directories
 * at run time so that adding a case is adding a file.
 *
 * A bad file states the errors it must produce, in order, as comment
 * lines at its top: "# expect: LINE:COL: message", the text lvsd prints
 * after "FILE:". A file that cannot carry a comment (binary garbage) has
 * the same lines, without the "# expect: " prefix, in a sidecar NAME.expect.
 * The loader's errors must match exactly, count and order; on a mismatch
 * the test prints both lists side by side. A good file must load with no
 * error at all.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg.h"

#define CORPUS_DIR TOP_SRCDIR "/tests/cfg"
#define MIN_BAD_FILES 40
#define EXPECT_PREFIX "# expect: "

/* Growable list of strings, for expectations and directory listings. */
struct strv {
	char **v;
	size_t n, cap;
};

/* Out of memory in a test program is not worth a recovery path. */
static void strv_push(struct strv *sv, char *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 16;
		sv->v = realloc(sv->v, sv->cap * sizeof(*sv->v));
	}
	if (!sv->v || !s)
		abort();
	sv->v[sv->n++] = s;
}

static void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* Paths of the .yaml files in `dir`, sorted so that the test order is stable. */
static void list_yaml(const char *dir, struct strv *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *path;

	if (!d) {
		fprintf(stderr, "cannot list %s: %s\n", dir, strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !ends_with(e->d_name, ".yaml"))
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			path = NULL;
		strv_push(out, path);
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
}

/* One line of `f`, without its newline; NULL at the end. */
static char *read_line(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);

	if (n < 0) {
		free(line);
		return NULL;
	}
	if (n > 0 && line[n - 1] == '\n')
		line[n - 1] = '\0';
	return line;
}

/* The expectations of a bad file: its sidecar if it has one, else its
 * leading comment block. */
static void read_expectations(const char *path, struct strv *exp)
{
	char side[4096];
	FILE *f;
	char *line;
	bool sidecar;

	snprintf(side, sizeof(side), "%.*s.expect",
		 (int)(strlen(path) - strlen(".yaml")), path);
	f = fopen(side, "r");
	sidecar = f != NULL;
	if (!f)
		f = fopen(path, "r");
	assert_non_null(f);
	while ((line = read_line(f)) != NULL) {
		if (sidecar && line[0] != '\0') {
			strv_push(exp, line);
			continue;
		}
		if (!sidecar && line[0] != '#') {
			free(line);
			break;
		}
		if (!sidecar && strncmp(line, EXPECT_PREFIX, strlen(EXPECT_PREFIX)) == 0)
			strv_push(exp, strdup(line + strlen(EXPECT_PREFIX)));
		free(line);
	}
	fclose(f);
}

/* The loader's errors in the expectation format: "LINE:COL: message". */
static void format_errors(const struct cfg_diag *d, struct strv *got)
{
	char *s;

	for (size_t i = 0; i < d->n_errors; i++) {
		const struct cfg_error *e = &d->errors[i];

		if (asprintf(&s, "%u:%u: %s", e->line, e->col, e->msg) < 0)
			s = NULL;
		strv_push(got, s);
	}
}

static void print_diff(const char *path, const struct strv *exp,
		       const struct strv *got)
{
	size_t n = exp->n > got->n ? exp->n : got->n;

	print_error("%s: expected %zu error(s), got %zu\n", path, exp->n, got->n);
	for (size_t i = 0; i < n; i++) {
		const char *e = i < exp->n ? exp->v[i] : "(nothing)";
		const char *g = i < got->n ? got->v[i] : "(nothing)";
		bool same = i < exp->n && i < got->n && strcmp(e, g) == 0;

		print_error("  %s #%zu\n    expected: %s\n    got:      %s\n",
			    same ? "  " : "!!", i + 1, e, g);
	}
}

static void test_bad_file(void **state)
{
	const char *path = *state;
	struct cfg_diag d;
	struct strv exp = { 0 }, got = { 0 };
	struct cfg *cfg;
	bool same, got_model;
	size_t n_exp;

	read_expectations(path, &exp);
	cfg_diag_init(&d, path);
	cfg = cfg_load_file(path, &d);
	format_errors(&d, &got);
	same = exp.n == got.n;
	for (size_t i = 0; same && i < exp.n; i++)
		same = strcmp(exp.v[i], got.v[i]) == 0;
	if (!same)
		print_diff(path, &exp, &got);
	if (exp.n == 0)
		print_error("%s: states no '# expect:' line\n", path);
	/* Free before asserting: a failed assertion does not come back. */
	n_exp = exp.n;
	got_model = cfg != NULL;
	cfg_free(cfg);
	cfg_diag_free(&d);
	strv_free(&exp);
	strv_free(&got);
	assert_true(n_exp > 0);
	assert_true(same);
	/* A file with errors never yields a model. */
	assert_false(got_model);
}

static void test_good_file(void **state)
{
	const char *path = *state;
	struct cfg_diag d;
	struct cfg *cfg;
	size_t n_errors;
	bool got_model;

	cfg_diag_init(&d, path);
	cfg = cfg_load_file(path, &d);
	n_errors = d.n_errors;
	if (n_errors)
		cfg_diag_print(&d, stderr);
	got_model = cfg != NULL;
	cfg_free(cfg);
	cfg_diag_free(&d);
	assert_int_equal(n_errors, 0);
	assert_true(got_model);
}

/* The corpus must not silently shrink (a bad glob, a lost directory). */
static void test_corpus_size(void **state)
{
	const size_t *counts = *state;

	if (counts[0] < MIN_BAD_FILES || counts[1] == 0)
		print_error("corpus too small under %s: %zu bad files (at least "
			    "%d wanted), %zu good files\n", CORPUS_DIR,
			    counts[0], MIN_BAD_FILES, counts[1]);
	assert_true(counts[0] >= MIN_BAD_FILES);
	assert_true(counts[1] > 0);
}

static void add_tests(struct CMUnitTest *t, size_t *n, const struct strv *files,
		      void (*fn)(void **))
{
	for (size_t i = 0; i < files->n; i++) {
		/* Test names are the path below tests/cfg: "bad/tabs.yaml". */
		t[*n] = (struct CMUnitTest){
			.name = files->v[i] + strlen(CORPUS_DIR "/"),
			.test_func = fn,
			.initial_state = files->v[i],
		};
		(*n)++;
	}
}

int main(void)
{
	struct strv bad = { 0 }, good = { 0 };
	struct CMUnitTest *tests;
	size_t n = 0, counts[2];
	int failed;

	list_yaml(CORPUS_DIR "/bad", &bad);
	list_yaml(CORPUS_DIR "/good", &good);
	counts[0] = bad.n;
	counts[1] = good.n;
	tests = calloc(1 + bad.n + good.n, sizeof(*tests));
	if (!tests)
		return 1;
	tests[n++] = (struct CMUnitTest){
		.name = "corpus_size", .test_func = test_corpus_size,
		.initial_state = counts,
	};
	add_tests(tests, &n, &bad, test_bad_file);
	add_tests(tests, &n, &good, test_good_file);
	failed = _cmocka_run_group_tests("cfg_corpus", tests, n, NULL, NULL);
	free(tests);
	strv_free(&bad);
	strv_free(&good);
	return failed;
}

/*
 * cfg_load.c - from a file to a validated struct cfg, or to a list of
 * errors.
 *
 * libyaml's document loader builds the node tree (it keeps explicit
 * stacks, so deep nesting costs memory, not C stack); we refuse files
 * larger than any sane configuration before handing them over, report a
 * syntax error at libyaml's mark, and otherwise hand the tree to the
 * schema walker and then to the cross-object validator. A cfg with any
 * error is freed here and never reaches the daemon.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg_parse.h"
#include "cfg_source.h"
#include "log.h"

#define CFG_MAX_FILE (16u << 20)
#define CFG_MAX_ERRORS 200
#define CFG_MIN_VISITS 2000000ul

void cfg_diag_init(struct cfg_diag *diag, const char *file)
{
	memset(diag, 0, sizeof(*diag));
	diag->file = file;
}

void cfg_diag_free(struct cfg_diag *diag)
{
	for (size_t i = 0; i < diag->n_errors; i++)
		free(diag->errors[i].msg);
	free(diag->errors);
	diag->errors = NULL;
	diag->n_errors = diag->cap = 0;
}

static void diag_push(struct cfg_diag *diag, unsigned line, unsigned col,
		      char *msg)
{
	if (diag->n_errors == diag->cap) {
		size_t cap = diag->cap ? diag->cap * 2 : 16;
		struct cfg_error *e = realloc(diag->errors, cap * sizeof(*e));

		if (!e) {
			free(msg);
			return;
		}
		diag->errors = e;
		diag->cap = cap;
	}
	diag->errors[diag->n_errors++] = (struct cfg_error){ line, col, msg };
}

void cfg_diag_add(struct cfg_diag *diag, unsigned line, unsigned col,
		  const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (diag->n_errors > CFG_MAX_ERRORS)
		return;
	/* No position: errors are kept in the order passes find them, so the
	 * first one dropped is not the one after the last shown. */
	if (diag->n_errors == CFG_MAX_ERRORS) {
		if (asprintf(&msg, "too many errors; stopping after %d",
			     CFG_MAX_ERRORS) < 0)
			msg = NULL;
		if (msg)
			diag_push(diag, 0, 0, msg);
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg)
		diag_push(diag, line, col, msg);
}

void cfg_diag_print(const struct cfg_diag *diag, FILE *out)
{
	for (size_t i = 0; i < diag->n_errors; i++) {
		const struct cfg_error *e = &diag->errors[i];

		if (e->line)
			fprintf(out, "%s:%u:%u: %s\n", diag->file, e->line, e->col, e->msg);
		else
			fprintf(out, "%s: %s\n", diag->file, e->msg);
	}
}

char *cfg_diag_join(const struct cfg_diag *diag)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	cfg_diag_print(diag, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void cfg_pool_ref(struct cfg_pool *pool)
{
	pool->refs++;
}

void cfg_pool_unref(struct cfg_pool *pool)
{
	if (!pool || --pool->refs > 0)
		return;
	arena_free(&pool->arena);
	free(pool);
}

void cfg_free(struct cfg *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_services; i++)
		cfg_pool_unref(cfg->services[i].pool);
	cfg_source_free(cfg->source);
	arena_free(&cfg->arena);
	free(cfg);
}

/* The text being loaded, to place errors libyaml gives as byte offsets. */
struct cfg_text {
	const char *buf;
	size_t len;
};

/*
 * 1-based line and column of byte `off`, counted as libyaml counts marks:
 * columns in characters (UTF-8 continuation bytes do not count), and a
 * leading byte order mark is not a column.
 */
static struct cfg_mark text_mark(const struct cfg_text *t, size_t off)
{
	struct cfg_mark m = { 1, 1 };
	size_t i = 0;

	if (t->len >= 3 && memcmp(t->buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	for (; i < off && i < t->len; i++) {
		unsigned char c = (unsigned char)t->buf[i];

		if (c == '\n') {
			m.line++;
			m.col = 1;
		} else if ((c & 0xc0) != 0x80) {
			m.col++;
		}
	}
	return m;
}

/* The byte at a libyaml mark (line and column), or -1 past the text. */
static int text_char_at(const struct cfg_text *t, const yaml_mark_t *mk)
{
	size_t i = 0, line = 0, col = 0;

	for (; i < t->len && line < mk->line; i++)
		if (t->buf[i] == '\n')
			line++;
	for (; i < t->len && col < mk->column; col++) {
		i++;
		while (i < t->len && ((unsigned char)t->buf[i] & 0xc0) == 0x80)
			i++;
	}
	return i < t->len ? (unsigned char)t->buf[i] : -1;
}

/*
 * A reader error (bad encoding, control characters) comes as a byte
 * offset and the offending value, not as a mark: place it ourselves, or
 * every such error would point at 1:1.
 */
static void report_reader_error(const yaml_parser_t *yp,
				const struct cfg_text *t, struct cfg_diag *diag)
{
	struct cfg_mark m = text_mark(t, yp->problem_offset);

	if (yp->problem_value >= 0)
		cfg_diag_add(diag, m.line, m.col, "YAML syntax error: %s (0x%02X)",
			     yp->problem, (unsigned)yp->problem_value);
	else
		cfg_diag_add(diag, m.line, m.col, "YAML syntax error: %s",
			     yp->problem);
}

/* libyaml's message, at its mark, in our shape. */
static void report_yaml_error(const yaml_parser_t *yp, const struct cfg_text *t,
			      struct cfg_diag *diag)
{
	const yaml_mark_t *m = yp->problem ? &yp->problem_mark : &yp->context_mark;
	const char *what = yp->problem ? yp->problem : "malformed YAML";
	const char *hint = "";

	if (yp->error == YAML_MEMORY_ERROR) {
		cfg_diag_add(diag, 0, 0, "out of memory while reading YAML");
		return;
	}
	if (yp->error == YAML_READER_ERROR && yp->problem) {
		report_reader_error(yp, t, diag);
		return;
	}
	/* The usual way to break YAML, and libyaml's words do not say so. */
	if (text_char_at(t, m) == '\t')
		hint = " (YAML does not allow tabs for indentation)";
	if (yp->context)
		cfg_diag_add(diag, (unsigned)m->line + 1, (unsigned)m->column + 1,
			     "YAML syntax error: %s, %s%s", yp->context, what, hint);
	else
		cfg_diag_add(diag, (unsigned)m->line + 1, (unsigned)m->column + 1,
			     "YAML syntax error: %s%s", what, hint);
}

static size_t count_nodes(yaml_document_t *doc)
{
	return (size_t)(doc->nodes.top - doc->nodes.start);
}

/* A second document in the file is an error: say where it starts. */
static void refuse_second_document(yaml_parser_t *yp, const struct cfg_text *t,
				   struct cfg_diag *diag)
{
	yaml_document_t extra;

	if (!yaml_parser_load(yp, &extra)) {
		report_yaml_error(yp, t, diag);
		return;
	}
	if (yaml_document_get_root_node(&extra))
		cfg_diag_add(diag, (unsigned)extra.start_mark.line + 1,
			     (unsigned)extra.start_mark.column + 1,
			     "the file holds more than one YAML document; "
			     "lvsd reads exactly one");
	yaml_document_delete(&extra);
}

/* "---" alone, or "~": a document that says nothing, like an empty file. */
static bool is_empty_document(const yaml_node_t *root)
{
	const char *v;

	if (!root)
		return true;
	if (root->type != YAML_SCALAR_NODE ||
	    root->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)root->data.scalar.value;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0;
}

/* Walk the tree into cfg. False when an alias bomb made the walk give up:
 * the model is then a fragment that cross-object rules must not judge. */
static bool parse_document(yaml_document_t *doc, struct cfg *cfg,
			   struct cfg_diag *diag)
{
	struct cfg_parser p = {
		.doc = doc, .cfg = cfg, .arena = &cfg->arena, .diag = diag,
		.max_visits = CFG_MIN_VISITS + 4 * count_nodes(doc),
	};
	yaml_node_t *root = yaml_document_get_root_node(doc);

	if (is_empty_document(root))
		return true;	/* every default, nothing to serve */
	if (root->type != YAML_MAPPING_NODE) {
		cfg_perr(&p, root, "the top level must be a mapping with keys "
			 "global, vrrp_instances, sync_groups, virtual_services");
		return true;
	}
	cfg_parse_object(&p, root, &cfg_root_schema, cfg);
	return p.visits <= p.max_visits;
}

struct cfg *cfg_new(const char *name)
{
	struct cfg *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	arena_init(&cfg->arena);
	cfg->file = arena_strdup(&cfg->arena, name);
	cfg_global_defaults(&cfg->global);
	if (!cfg->file) {
		free(cfg);
		return NULL;
	}
	return cfg;
}

static bool error_after(const struct cfg_error *x, const struct cfg_error *y)
{
	return x->line > y->line || (x->line == y->line && x->col > y->col);
}

/*
 * Errors in file order, whichever pass found them. Insertion sort: the
 * list is short, nearly sorted, and must stay stable for equal marks.
 * The "too many errors" marker stays last, where the list stops.
 */
static void sort_errors(struct cfg_diag *diag, size_t from)
{
	size_t n = diag->n_errors - from;
	struct cfg_error *e;

	if (n == 0)
		return;	/* errors may be NULL, and NULL + 0 is undefined */
	e = diag->errors + from;
	if (diag->n_errors > CFG_MAX_ERRORS)
		n--;

	for (size_t i = 1; i < n; i++) {
		struct cfg_error cur = e[i];
		size_t j = i;

		while (j > 0 && error_after(&e[j - 1], &cur)) {
			e[j] = e[j - 1];
			j--;
		}
		e[j] = cur;
	}
}

bool cfg_parse_text(struct cfg *cfg, const char *buf, size_t len,
		    struct cfg_diag *diag, struct cfg_split *split)
{
	yaml_parser_t yp;
	yaml_document_t doc;
	size_t before = diag->n_errors;
	const struct cfg_text text = { buf, len };
	bool whole = true;
	double t0 = log_clock_ms(), t1;

	if (!yaml_parser_initialize(&yp)) {
		cfg_diag_add(diag, 0, 0, "out of memory");
		return true;
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&yp, &doc)) {
		report_yaml_error(&yp, &text, diag);
		diag->ms_yaml += log_clock_ms() - t0;
	} else {
		t1 = log_clock_ms();
		diag->ms_yaml += t1 - t0;
		whole = parse_document(&doc, cfg, diag);
		if (split && split->ok && !cfg_split_confirmed(split, &doc))
			split->ok = false;
		yaml_document_delete(&doc);
		if (diag->n_errors == before)
			refuse_second_document(&yp, &text, diag);
		diag->ms_walk += log_clock_ms() - t1;
	}
	yaml_parser_delete(&yp);
	return whole;
}

/* The whole text (owned: kept as the cfg's source, or freed), validated. */
static struct cfg *load_whole(const char *name, char *text, size_t len,
			      struct cfg_diag *diag)
{
	struct cfg *cfg = cfg_new(name);
	struct cfg_split split;
	size_t before = diag->n_errors;
	bool whole;
	double t1;

	if (!cfg) {
		cfg_diag_add(diag, 0, 0, "out of memory");
		free(text);
		return NULL;
	}
	if (cfg_split_text(text, len, &split) < 0)
		split.ok = false;	/* no memory for it: only slower reloads */
	whole = cfg_parse_text(cfg, text, len, diag, &split);
	/* Cross-object rules also run on a partly bad file: report it all. */
	t1 = log_clock_ms();
	if (whole)
		cfg_validate(cfg, diag);
	diag->ms_validate = log_clock_ms() - t1;
	sort_errors(diag, before);
	if (diag->n_errors != before) {
		cfg_split_free(&split);
		free(text);
		cfg_free(cfg);
		return NULL;
	}
	diag->services_parsed = cfg->n_services;
	cfg_source_attach(cfg, text, len, &split);
	return cfg;
}

/* Incrementally after prev when it can, else the whole text. */
static struct cfg *load_text(const char *name, char *text, size_t len,
			     const struct cfg *prev, struct cfg_diag *diag)
{
	struct cfg *cfg = prev && prev->source ?
		cfg_incr_load(name, text, len, prev, diag) : NULL;

	return cfg ? cfg : load_whole(name, text, len, diag);
}

struct cfg *cfg_reload_buffer(const char *name, const char *buf, size_t len,
			      const struct cfg *prev, struct cfg_diag *diag)
{
	char *text = malloc(len + 1);

	if (!text) {
		cfg_diag_add(diag, 0, 0, "out of memory");
		return NULL;
	}
	memcpy(text, buf, len);
	text[len] = '\0';
	return load_text(name, text, len, prev, diag);
}

struct cfg *cfg_load_buffer(const char *name, const char *buf, size_t len,
			    struct cfg_diag *diag)
{
	return cfg_reload_buffer(name, buf, len, NULL, diag);
}

static char *read_file(const char *path, size_t *len, struct cfg_diag *diag)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	ssize_t n;

	if (fd < 0) {
		cfg_diag_add(diag, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		cfg_diag_add(diag, 0, 0, "not a regular file");
	} else if (st.st_size > CFG_MAX_FILE) {
		cfg_diag_add(diag, 0, 0, "file is %lld bytes; a configuration "
			     "is at most %u", (long long)st.st_size, CFG_MAX_FILE);
	} else if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		cfg_diag_add(diag, 0, 0, "out of memory");
	} else {
		n = read(fd, buf, (size_t)st.st_size);
		if (n < 0) {
			cfg_diag_add(diag, 0, 0, "cannot read: %s", strerror(errno));
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	close(fd);
	return buf;
}

struct cfg *cfg_reload_file(const char *path, const struct cfg *prev,
			    struct cfg_diag *diag)
{
	double t0 = log_clock_ms();
	size_t len = 0;
	char *buf = read_file(path, &len, diag);

	diag->ms_read = log_clock_ms() - t0;
	if (!buf)
		return NULL;
	return load_text(path, buf, len, prev, diag);
}

struct cfg *cfg_load_file(const char *path, struct cfg_diag *diag)
{
	return cfg_reload_file(path, NULL, diag);
}

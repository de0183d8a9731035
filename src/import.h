/*
 * import.h - `lvsctl import`: keepalived.conf, ldirectord.cf and
 * `ipvsadm -S -n` text turned into lvsd's YAML.
 *
 * Three parsers fill one small intermediate model, and one emitter writes
 * it with libyaml. The model is an ordered tree of lvsd's own keys
 * (mappings, sequences, scalars tagged as string, number or boolean), not
 * a typed copy of struct cfg: a typed model would repeat cfg_schema.c
 * field by field, and a direct emission could not do what every source
 * format needs afterwards: a keepalived or ldirectord file names a check
 * per real server, and lvsd wants one per service with overrides, so the
 * servers' checks are compared and hoisted once the service is complete;
 * a later keyword may revise an earlier one (keepalived's block order is
 * free). The tree makes those edits cheap and leaves the checking of
 * values to `lvsd -t`, which reads the result through the real schema.
 *
 * Every setting that is not carried over, or carried with a change of
 * meaning, is reported as one line "FILE:LINE: keyword: why" on the
 * context's warning stream. An input that cannot be read or parsed is an
 * error "FILE:LINE: message" in ctx->err, and no YAML is produced.
 */
#ifndef LVSD_IMPORT_H
#define LVSD_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "arena.h"

enum imp_kind { IMP_MAP, IMP_SEQ, IMP_STR, IMP_NUM, IMP_BOOL };

struct imp_node {
	enum imp_kind kind;
	const char *key;		/* its key in a mapping, else NULL */
	const char *text;		/* a scalar's value */
	struct imp_node *first, *last;	/* a mapping's or sequence's children */
	struct imp_node *next;
	const char *file;		/* where a service, server, instance or */
	unsigned line;			/* group was defined, for imp_finish */
};

enum imp_format { IMP_FMT_UNKNOWN, IMP_FMT_KEEPALIVED, IMP_FMT_LDIRECTORD,
		  IMP_FMT_IPVSADM };

struct imp_warning {
	const char *file, *text;	/* text: "keyword: why" */
	unsigned line, seq;
	size_t rank;			/* its file's place in the reading order */
};

struct imp_ctx {
	struct arena arena;
	struct imp_node *root;		/* the YAML document's mapping */
	FILE *warn;			/* NULL: warnings are not kept */
	struct imp_warning *warnings;	/* kept, printed in file order */
	size_t n_warnings, cap_warnings;
	const char **files;		/* the files in the order they were read */
	size_t n_files;
	int include_depth_max;		/* keepalived includes; default 8 */
	char err[1024];			/* "FILE:LINE: message" after a -1 */
};

/* ---- import_model.c: the tree, warnings, errors ---------------------- */

void imp_init(struct imp_ctx *ctx, FILE *warn);
void imp_free(struct imp_ctx *ctx);

/*
 * Warn: "FILE:LINE: keyword: why". Warnings are kept and written by
 * imp_flush_warnings() ordered by file (in reading order) and line, so
 * the list reads along the input whatever order the mapping went in.
 */
void imp_warn(struct imp_ctx *ctx, const char *file, unsigned line,
	      const char *keyword, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Note that `file` is being read (an include): it sorts after those before. */
void imp_file(struct imp_ctx *ctx, const char *file);
/* Write the kept warnings to ctx->warn, sorted, and forget them. */
void imp_flush_warnings(struct imp_ctx *ctx);
/* Set ctx->err to "FILE:LINE: message"; returns -1. */
int imp_error(struct imp_ctx *ctx, const char *file, unsigned line,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

char *imp_strdup(struct imp_ctx *ctx, const char *s);
char *imp_printf(struct imp_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The child of `map` under `key`, or NULL. */
struct imp_node *imp_get(const struct imp_node *map, const char *key);
/* The mapping (or sequence) under `key`, created empty when absent. */
struct imp_node *imp_map(struct imp_ctx *ctx, struct imp_node *map, const char *key);
struct imp_node *imp_seq(struct imp_ctx *ctx, struct imp_node *map, const char *key);
/* Set a scalar under `key`, replacing what was there. */
void imp_set(struct imp_ctx *ctx, struct imp_node *map, const char *key,
	     enum imp_kind kind, const char *text);
/* Append a new node of `kind` to a sequence; a scalar gets `text`. */
struct imp_node *imp_push(struct imp_ctx *ctx, struct imp_node *seq,
			  enum imp_kind kind, const char *text);
/* Unlink the child under `key`; returns it (or NULL). */
struct imp_node *imp_take(struct imp_node *map, const char *key);
/* Attach `child` (taken from elsewhere) under `key` at the end of `map`. */
void imp_attach(struct imp_node *map, const char *key, struct imp_node *child);
bool imp_equal(const struct imp_node *a, const struct imp_node *b);
size_t imp_count(const struct imp_node *n);

/*
 * A service is complete: when every real server carries the same check,
 * it becomes the service's check and the servers inherit it.
 */
void imp_hoist_checks(struct imp_ctx *ctx, struct imp_node *service);

/* Remember where `n` was defined; returns n. */
struct imp_node *imp_origin(struct imp_node *n, const char *file, unsigned line);

/* A persistence netmask lvsd takes: dotted IPv4 or a prefix length 0..128. */
bool imp_netmask_ok(const char *s);
/* An HTTP path lvsd takes: no blanks or control characters (a '/' is added). */
bool imp_path_ok(const char *s);

/* A decimal number (an optional fraction; a minus sign only when lo < 0) within [lo, hi]? */
bool imp_number(const char *s, double lo, double hi);

/* ---- import_finish.c -------------------------------------------------- */

/*
 * The rules that span objects, applied to what any parser built, so the
 * result passes `lvsd -t`: a service or real server defined twice, a
 * check with no port to connect to, a VRRP instance missing what lvsd
 * requires, a sync group naming an instance that is not there. Each
 * fix is a warning at the object's origin.
 */
void imp_finish(struct imp_ctx *ctx);

/* ---- import_emit.c ---------------------------------------------------- */

/* Write the document as YAML; 0, or -1 with ctx->err set. */
int imp_emit(struct imp_ctx *ctx, FILE *out);

/* ---- import_detect.c -------------------------------------------------- */

const char *imp_format_name(enum imp_format f);
enum imp_format imp_format_parse(const char *name);
/* Which format the text looks like, from its first meaningful lines. */
enum imp_format imp_detect(const char *text);

/*
 * Read all of `path` ("-": stdin) into a NUL-terminated arena buffer.
 * 0, or -1 with ctx->err "FILE: why".
 */
int imp_read(struct imp_ctx *ctx, const char *path, char **text);

/* ---- the parsers: 0 when a document was built, -1 with ctx->err ------ */

/*
 * keepalived.conf. `name` is used in messages, and its directory
 * anchors relative includes (the current one for "(stdin)").
 */
int imp_keepalived(struct imp_ctx *ctx, const char *name, const char *text);
int imp_ldirectord(struct imp_ctx *ctx, const char *name, const char *text);
int imp_ipvsadm(struct imp_ctx *ctx, const char *name, const char *text);

/* One of the above by format. */
int imp_parse(struct imp_ctx *ctx, enum imp_format f, const char *name,
	      const char *text);

#endif

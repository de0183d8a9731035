/*
 * import_model.c - the intermediate tree of `lvsctl import` (import.h):
 * building and editing it, comparing checks, and the warning and error
 * lines every parser shares, so all three formats report in one shape.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "import.h"

void imp_init(struct imp_ctx *ctx, FILE *warn)
{
	memset(ctx, 0, sizeof(*ctx));
	arena_init(&ctx->arena);
	ctx->warn = warn;
	ctx->include_depth_max = 8;
	ctx->root = arena_alloc(&ctx->arena, sizeof(*ctx->root));
	if (ctx->root)
		ctx->root->kind = IMP_MAP;
}

void imp_free(struct imp_ctx *ctx)
{
	free(ctx->warnings);
	ctx->warnings = NULL;
	ctx->n_warnings = ctx->cap_warnings = 0;
	arena_free(&ctx->arena);
	ctx->root = NULL;
}

/* The arena only fails when memory is gone: nothing sensible is left. */
static void *must(void *p)
{
	if (!p) {
		fprintf(stderr, "lvsctl: out of memory\n");
		abort();
	}
	return p;
}

void imp_file(struct imp_ctx *ctx, const char *file)
{
	const char **f;

	for (size_t i = 0; i < ctx->n_files; i++)
		if (strcmp(ctx->files[i], file) == 0)
			return;
	f = arena_alloc(&ctx->arena, (ctx->n_files + 1) * sizeof(*f));
	if (!f)
		return;	/* unranked files sort last; nothing is lost */
	if (ctx->n_files)
		memcpy(f, ctx->files, ctx->n_files * sizeof(*f));
	f[ctx->n_files++] = imp_strdup(ctx, file);
	ctx->files = f;
}

void imp_warn(struct imp_ctx *ctx, const char *file, unsigned line,
	      const char *keyword, const char *fmt, ...)
{
	char why[1024];
	struct imp_warning *w;
	va_list ap;

	if (!ctx->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (ctx->n_warnings == ctx->cap_warnings) {
		size_t cap = ctx->cap_warnings ? ctx->cap_warnings * 2 : 32;

		w = must(realloc(ctx->warnings, cap * sizeof(*w)));
		ctx->warnings = w;
		ctx->cap_warnings = cap;
	}
	ctx->warnings[ctx->n_warnings] = (struct imp_warning){
		.file = imp_strdup(ctx, file), .line = line,
		.seq = (unsigned)ctx->n_warnings,
		.text = imp_printf(ctx, "%s: %s", keyword, why),
	};
	ctx->n_warnings++;
}

static size_t file_rank(const struct imp_ctx *ctx, const char *file)
{
	for (size_t i = 0; i < ctx->n_files; i++)
		if (strcmp(ctx->files[i], file) == 0)
			return i;
	return ctx->n_files;
}

static int warning_cmp(const void *pa, const void *pb)
{
	const struct imp_warning *a = pa, *b = pb;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (strcmp(a->file, b->file) != 0)	/* files never ranked: by name */
		return strcmp(a->file, b->file);
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void imp_flush_warnings(struct imp_ctx *ctx)
{
	if (!ctx->n_warnings)
		return;
	for (size_t i = 0; i < ctx->n_warnings; i++)
		ctx->warnings[i].rank = file_rank(ctx, ctx->warnings[i].file);
	qsort(ctx->warnings, ctx->n_warnings, sizeof(*ctx->warnings), warning_cmp);
	for (size_t i = 0; ctx->warn && i < ctx->n_warnings; i++)
		fprintf(ctx->warn, "%s:%u: %s\n", ctx->warnings[i].file,
			ctx->warnings[i].line, ctx->warnings[i].text);
	ctx->n_warnings = 0;
}

int imp_error(struct imp_ctx *ctx, const char *file, unsigned line,
	      const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(ctx->err, sizeof(ctx->err), "%s:%u: ", file, line);
	if (n < 0 || (size_t)n >= sizeof(ctx->err))
		return -1;
	va_start(ap, fmt);
	vsnprintf(ctx->err + n, sizeof(ctx->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

char *imp_strdup(struct imp_ctx *ctx, const char *s)
{
	return must(arena_strdup(&ctx->arena, s));
}

char *imp_printf(struct imp_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return imp_strdup(ctx, buf);
}

static struct imp_node *node_new(struct imp_ctx *ctx, enum imp_kind kind,
				 const char *key, const char *text)
{
	struct imp_node *n = must(arena_alloc(&ctx->arena, sizeof(*n)));

	n->kind = kind;
	n->key = key ? imp_strdup(ctx, key) : NULL;
	n->text = text ? imp_strdup(ctx, text) : NULL;
	return n;
}

static void append(struct imp_node *parent, struct imp_node *child)
{
	child->next = NULL;
	if (parent->last)
		parent->last->next = child;
	else
		parent->first = child;
	parent->last = child;
}

struct imp_node *imp_get(const struct imp_node *map, const char *key)
{
	if (!map)
		return NULL;
	for (struct imp_node *c = map->first; c; c = c->next)
		if (c->key && strcmp(c->key, key) == 0)
			return c;
	return NULL;
}

static struct imp_node *container(struct imp_ctx *ctx, struct imp_node *map,
				  const char *key, enum imp_kind kind)
{
	struct imp_node *n = imp_get(map, key);

	if (n && n->kind == kind)
		return n;
	if (n)
		imp_take(map, key);
	n = node_new(ctx, kind, key, NULL);
	append(map, n);
	return n;
}

struct imp_node *imp_map(struct imp_ctx *ctx, struct imp_node *map, const char *key)
{
	return container(ctx, map, key, IMP_MAP);
}

struct imp_node *imp_seq(struct imp_ctx *ctx, struct imp_node *map, const char *key)
{
	return container(ctx, map, key, IMP_SEQ);
}

void imp_set(struct imp_ctx *ctx, struct imp_node *map, const char *key,
	     enum imp_kind kind, const char *text)
{
	struct imp_node *n = imp_get(map, key);

	if (n) {
		/* keep its place: a later keyword revises, it does not reorder */
		n->kind = kind;
		n->text = imp_strdup(ctx, text);
		n->first = n->last = NULL;
		return;
	}
	append(map, node_new(ctx, kind, key, text));
}

struct imp_node *imp_push(struct imp_ctx *ctx, struct imp_node *seq,
			  enum imp_kind kind, const char *text)
{
	struct imp_node *n = node_new(ctx, kind, NULL, text);

	append(seq, n);
	return n;
}

struct imp_node *imp_take(struct imp_node *map, const char *key)
{
	struct imp_node *prev = NULL;

	for (struct imp_node *c = map->first; c; prev = c, c = c->next) {
		if (!c->key || strcmp(c->key, key) != 0)
			continue;
		if (prev)
			prev->next = c->next;
		else
			map->first = c->next;
		if (map->last == c)
			map->last = prev;
		c->next = NULL;
		return c;
	}
	return NULL;
}

void imp_attach(struct imp_node *map, const char *key, struct imp_node *child)
{
	child->key = key;
	append(map, child);
}

bool imp_equal(const struct imp_node *a, const struct imp_node *b)
{
	const struct imp_node *x, *y;

	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return false;
	if ((a->key || b->key) && (!a->key || !b->key || strcmp(a->key, b->key)))
		return false;
	if (a->kind != IMP_MAP && a->kind != IMP_SEQ)
		return strcmp(a->text, b->text) == 0;
	for (x = a->first, y = b->first; x && y; x = x->next, y = y->next)
		if (!imp_equal(x, y))
			return false;
	return !x && !y;
}

size_t imp_count(const struct imp_node *n)
{
	size_t k = 0;

	for (const struct imp_node *c = n ? n->first : NULL; c; c = c->next)
		k++;
	return k;
}

void imp_hoist_checks(struct imp_ctx *ctx, struct imp_node *service)
{
	struct imp_node *servers = imp_get(service, "real_servers");
	struct imp_node *first = NULL;

	(void)ctx;
	if (!servers || !servers->first || imp_get(service, "check"))
		return;
	for (struct imp_node *rs = servers->first; rs; rs = rs->next) {
		struct imp_node *c = imp_get(rs, "check");

		if (!c || (first && !imp_equal(c, first)))
			return;
		first = first ? first : c;
	}
	for (struct imp_node *rs = servers->first; rs; rs = rs->next)
		imp_take(rs, "check");
	/* before real_servers, where a reader looks for it */
	imp_take(service, "real_servers");
	imp_attach(service, "check", first);
	imp_attach(service, "real_servers", servers);
}

struct imp_node *imp_origin(struct imp_node *n, const char *file, unsigned line)
{
	n->file = file;
	n->line = line;
	return n;
}

bool imp_netmask_ok(const char *s)
{
	uint8_t len;
	char err[128];

	if (!strchr(s, '.'))
		return imp_number(s[0] == '/' ? s + 1 : s, 0, 128) && !strchr(s, '.');
	return addr_parse_netmask4(s, &len, err, sizeof(err)) == 0;
}

bool imp_path_ok(const char *s)
{
	if (strlen(s) > 2048)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

bool imp_number(const char *s, double lo, double hi)
{
	char *end;
	double v;

	/* A digit or a point first (strtod would take spaces, '+', hex, "inf"); '-' where lo allows it. */
	if (!s || !((*s >= '0' && *s <= '9') || *s == '.' || (*s == '-' && lo < 0)))
		return false;
	errno = 0;
	v = strtod(s, &end);
	return !errno && *end == '\0' && v >= lo && v <= hi;
}

/*
 * import_keepalived.c - keepalived.conf read into a tree of statements,
 * then mapped top-level block by block (import_kad.h).
 *
 * The reader follows keepalived's own rules: '#' and '!' start a comment
 * anywhere outside double quotes; '{' and '}' are tokens even when glued
 * to a word; a '{' alone on the next line opens the previous keyword's
 * block; a quoted string is one word. `include PATTERN` is expanded where
 * it stands, as a glob relative to the including file's directory, with a
 * depth limit and a check that a file does not include itself through a
 * chain. Malformed input (an unterminated block or quote, a stray '}', an
 * include loop, an unreadable include) is an error at its FILE:LINE.
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "import_kad.h"

struct inc_frame {
	const char *real;		/* realpath of the file being read */
	const char *name;
	const struct inc_frame *up;
};

struct kad_tz {
	struct imp_ctx *ctx;
	const char *file, *p;
	unsigned line;
	int depth;			/* of includes */
	int nesting;			/* of blocks */
	const struct inc_frame *frame;
};

/* keepalived's deepest is 4 (virtual_server, real_server, checker, url) */
#define KAD_MAX_NESTING 16

enum kad_tok { TOK_WORD, TOK_OPEN, TOK_CLOSE, TOK_EOL, TOK_EOF, TOK_ERR };

static int read_text(struct imp_ctx *ctx, const char *name, const char *text,
		     int depth, const struct inc_frame *frame,
		     struct kad_stmt **head, struct kad_stmt **tail);

static enum kad_tok read_word(struct kad_tz *tz, char **word)
{
	char buf[4096];
	size_t n = 0;

	while (*tz->p && !strchr(" \t\r\f\v\n{}#!", *tz->p)) {
		if (*tz->p == '"') {
			const char *q = strchr(tz->p + 1, '"'), *nl = strchr(tz->p + 1, '\n');

			if (!q || (nl && nl < q)) {
				imp_error(tz->ctx, tz->file, tz->line,
					  "unterminated quoted string");
				return TOK_ERR;
			}
			for (tz->p++; tz->p < q; tz->p++)
				if (n < sizeof(buf) - 1)
					buf[n++] = *tz->p;
			tz->p = q + 1;
			continue;
		}
		if (n < sizeof(buf) - 1)
			buf[n++] = *tz->p;
		tz->p++;
	}
	buf[n] = '\0';
	*word = imp_strdup(tz->ctx, buf);
	return TOK_WORD;
}

static enum kad_tok next_tok(struct kad_tz *tz, char **word)
{
	for (;;) {
		char c = *tz->p;

		if (c == '\0')
			return TOK_EOF;
		if (c == '\n') {
			tz->p++;
			tz->line++;
			return TOK_EOL;
		}
		if (strchr(" \t\r\f\v", c)) {
			tz->p++;
			continue;
		}
		if (c == '#' || c == '!') {
			while (*tz->p && *tz->p != '\n')
				tz->p++;
			continue;
		}
		if (c == '{' || c == '}') {
			tz->p++;
			return c == '{' ? TOK_OPEN : TOK_CLOSE;
		}
		return read_word(tz, word);
	}
}

static struct kad_stmt *stmt_new(struct kad_tz *tz)
{
	struct kad_stmt *s = arena_alloc(&tz->ctx->arena, sizeof(*s));

	if (s) {
		s->file = tz->file;
		s->line = tz->line;
	}
	return s;
}

static int add_word(struct kad_tz *tz, struct kad_stmt *s, char *w)
{
	if (s->n == s->cap) {
		/* doubling: the arena keeps the old arrays */
		size_t cap = s->cap ? s->cap * 2 : 4;
		char **nw = arena_alloc(&tz->ctx->arena, cap * sizeof(*nw));

		if (!nw)
			return imp_error(tz->ctx, tz->file, tz->line, "out of memory");
		if (s->n)
			memcpy(nw, s->w, s->n * sizeof(*nw));
		s->w = nw;
		s->cap = cap;
	}
	s->w[s->n++] = w;
	return 0;
}

/* The directory of `name` joined to a relative `pattern`. */
static const char *anchor(struct imp_ctx *ctx, const char *name, const char *pattern)
{
	const char *slash = strrchr(name, '/');

	if (pattern[0] == '/' || !slash || strcmp(name, "(stdin)") == 0)
		return pattern;
	return imp_printf(ctx, "%.*s/%s", (int)(slash - name), name, pattern);
}

static int include_one(struct kad_tz *tz, const struct kad_stmt *s,
		       const char *path, struct kad_stmt **head,
		       struct kad_stmt **tail)
{
	char real[PATH_MAX], *text;
	struct inc_frame frame = { .name = path, .up = tz->frame };

	if (!realpath(path, real))
		return imp_error(tz->ctx, s->file, s->line, "include %s: %s", path,
				 strerror(errno));
	for (const struct inc_frame *f = tz->frame; f; f = f->up)
		if (f->real && strcmp(f->real, real) == 0)
			return imp_error(tz->ctx, s->file, s->line, "include loop: %s "
					 "is already being read (it includes this file)",
					 path);
	if (tz->depth + 1 > tz->ctx->include_depth_max)
		return imp_error(tz->ctx, s->file, s->line, "include %s: more than %d "
				 "levels of includes", path, tz->ctx->include_depth_max);
	frame.real = imp_strdup(tz->ctx, real);
	imp_file(tz->ctx, path);
	if (imp_read(tz->ctx, path, &text) < 0) {
		char why[sizeof(tz->ctx->err)];

		snprintf(why, sizeof(why), "%s", tz->ctx->err);
		return imp_error(tz->ctx, s->file, s->line, "include: %s", why);
	}
	return read_text(tz->ctx, imp_strdup(tz->ctx, path), text, tz->depth + 1,
			 &frame, head, tail);
}

/* Replace an include statement by the statements of the files it names. */
static int expand_include(struct kad_tz *tz, const struct kad_stmt *s,
			  struct kad_stmt **head, struct kad_stmt **tail)
{
	glob_t g;
	int rc;

	*head = *tail = NULL;
	if (s->n != 2 || s->block)
		return imp_error(tz->ctx, s->file, s->line, "include takes one file "
				 "name or pattern");
	rc = glob(anchor(tz->ctx, tz->file, s->w[1]), 0, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		imp_warn(tz->ctx, s->file, s->line, "include", "'%s' matches no file "
			 "— nothing included", s->w[1]);
		return 0;
	}
	if (rc != 0)
		return imp_error(tz->ctx, s->file, s->line, "include %s: cannot "
				 "expand the pattern", s->w[1]);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct kad_stmt *h = NULL, *t = NULL;

		if (include_one(tz, s, g.gl_pathv[i], &h, &t) < 0) {
			globfree(&g);
			return -1;
		}
		if (!h)
			continue;
		if (*tail)
			(*tail)->next = h;
		else
			*head = h;
		*tail = t;
	}
	globfree(&g);
	return 0;
}

struct kad_list {
	struct kad_stmt *head, *tail, *cur;
};

/* The statement being built is complete: append it (or what it includes). */
static int finish(struct kad_tz *tz, struct kad_list *l)
{
	struct kad_stmt *s = l->cur, *h = s, *t = s;

	l->cur = NULL;
	if (!s)
		return 0;
	if (s->n && strcmp(s->w[0], "include") == 0 &&
	    expand_include(tz, s, &h, &t) < 0)
		return -1;
	if (!h)
		return 0;
	if (l->tail)
		l->tail->next = h;
	else
		l->head = h;
	l->tail = t;
	return 0;
}

/* Statements up to the '}' of the block opened by `opener` (NULL: to EOF). */
static int parse_list(struct kad_tz *tz, const struct kad_stmt *opener,
		      struct kad_stmt **out, struct kad_stmt **out_tail)
{
	struct kad_list l = { 0 };
	char *w = NULL;

	for (;;) {
		enum kad_tok t = next_tok(tz, &w);
		struct kad_stmt *target;

		switch (t) {
		case TOK_ERR:
			return -1;
		case TOK_WORD:
			if (!l.cur && !(l.cur = stmt_new(tz)))
				return imp_error(tz->ctx, tz->file, tz->line, "out of memory");
			if (add_word(tz, l.cur, w) < 0)
				return -1;
			break;
		case TOK_EOL:
			if (finish(tz, &l) < 0)
				return -1;
			break;
		case TOK_OPEN:
			target = l.cur ? l.cur : l.tail;
			if (!target || target->block)
				return imp_error(tz->ctx, tz->file, tz->line,
						 "'{' without a keyword before it");
			if (++tz->nesting > KAD_MAX_NESTING)
				return imp_error(tz->ctx, tz->file, tz->line, "blocks nested "
						 "deeper than %d", KAD_MAX_NESTING);
			target->block = true;	/* before finish: an include has none */
			if (l.cur && finish(tz, &l) < 0)
				return -1;
			if (parse_list(tz, target, &target->child, NULL) < 0)
				return -1;
			tz->nesting--;
			break;
		case TOK_CLOSE:
			if (finish(tz, &l) < 0)
				return -1;
			if (!opener)
				return imp_error(tz->ctx, tz->file, tz->line,
						 "'}' without a matching '{'");
			goto done;
		case TOK_EOF:
			if (finish(tz, &l) < 0)
				return -1;
			if (opener)
				return imp_error(tz->ctx, opener->file, opener->line,
						 "unterminated block: the '{' of '%s' is "
						 "never closed", opener->n ? opener->w[0] : "");
			goto done;
		}
	}
done:
	*out = l.head;
	if (out_tail)
		*out_tail = l.tail;
	return 0;
}

static int read_text(struct imp_ctx *ctx, const char *name, const char *text,
		     int depth, const struct inc_frame *frame,
		     struct kad_stmt **head, struct kad_stmt **tail)
{
	struct kad_tz tz = { .ctx = ctx, .file = name, .p = text, .line = 1,
			     .depth = depth, .frame = frame };

	return parse_list(&tz, NULL, head, tail);
}

int kad_read(struct imp_ctx *ctx, const char *name, const char *text,
	     struct kad_stmt **top)
{
	char real[PATH_MAX];
	struct inc_frame frame = { .name = name };
	struct kad_stmt *tail;

	if (strcmp(name, "(stdin)") != 0 && realpath(name, real))
		frame.real = imp_strdup(ctx, real);
	return read_text(ctx, name, text, 0, &frame, top, &tail);
}

/* ---- helpers for the mapping files ---------------------------------------- */

bool kad_is(const struct kad_stmt *s, const char *word)
{
	return s->n && strcmp(s->w[0], word) == 0;
}

void kad_unknown(struct kad *k, const struct kad_stmt *s, const char *where)
{
	imp_warn(k->ctx, s->file, s->line, s->n ? s->w[0] : "{", "%s %s: lvsd has no "
		 "equivalent — dropped", s->n ? "unknown or unsupported in" : "a bare "
		 "block in", where);
}

const char *kad_arg(struct kad *k, const struct kad_stmt *s, size_t i)
{
	if (i == 1 && s->n > 2)
		imp_warn(k->ctx, s->file, s->line, s->w[0], "takes one value; '%s' and "
			 "what follows it dropped", s->w[2]);
	if (i < s->n)
		return s->w[i];
	imp_warn(k->ctx, s->file, s->line, s->w[0], "needs a value — dropped");
	return NULL;
}

const char *kad_secs(struct kad *k, const struct kad_stmt *s, double lo, double hi)
{
	const char *v = kad_arg(k, s, 1);

	if (v && !imp_number(v, lo, hi)) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "'%s' is not a number of "
			 "seconds in %g..%g — dropped", v, lo, hi);
		return NULL;
	}
	return v;
}

const char *kad_uint(struct kad *k, const struct kad_stmt *s, double lo, double hi)
{
	const char *v = kad_arg(k, s, 1);

	if (v && (!imp_number(v, lo, hi) || strchr(v, '.'))) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "'%s' is not a whole number "
			 "in %g..%g — dropped", v, lo, hi);
		return NULL;
	}
	return v;
}

/* A bare program name found where a shell's PATH would find it, or NULL. */
static const char *resolve(struct kad *k, const char *prog)
{
	static const char *const dirs[] = {
		"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
		"/sbin", "/bin", NULL,
	};

	for (size_t i = 0; dirs[i]; i++) {
		const char *p = imp_printf(k->ctx, "%s/%s", dirs[i], prog);

		if (access(p, X_OK) == 0)
			return p;
	}
	return NULL;
}

/*
 * lvsd runs a command without a shell, by its absolute path, splitting
 * it with cmd_split(): a command that cannot be run that way is dropped
 * with a warning rather than failing `lvsd -t`; a bare program name is
 * resolved as a shell would, and said so.
 */
const char *kad_command(struct kad *k, const struct kad_stmt *s)
{
	char buf[4096] = "", err[160], **argv;
	const char *abs;
	size_t len = 0;

	for (size_t i = 1; i < s->n; i++) {
		int n = snprintf(buf + len, sizeof(buf) - len, "%s%s", i > 1 ? " " : "",
				 s->w[i]);

		if (n < 0 || (size_t)n >= sizeof(buf) - len)
			break;
		len += (size_t)n;
	}
	if (!len) {
		kad_arg(k, s, 1);
		return NULL;
	}
	if (cmd_split(buf, NULL, &argv, err, sizeof(err)) < 0) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "'%s': %s — dropped", buf, err);
		return NULL;
	}
	abs = argv[0][0] == '/' || strncmp(buf, argv[0], strlen(argv[0])) != 0 ?
	      NULL : resolve(k, argv[0]);
	if (argv[0][0] != '/' && !abs) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "'%s': lvsd runs commands "
			 "without a shell, by absolute path, and '%s' is not in the "
			 "usual bin directories — dropped", buf, argv[0]);
		free(argv);
		return NULL;
	}
	if (abs) {
		const char *rest = buf + strspn(buf, " \t") + strlen(argv[0]);

		imp_warn(k->ctx, s->file, s->line, s->w[0], "'%s': lvsd runs commands "
			 "without a shell — carried as %s%s", buf, abs, rest);
		free(argv);
		return imp_printf(k->ctx, "%s%s", abs, rest);
	}
	free(argv);
	return imp_strdup(k->ctx, buf);
}

/* ---- global_defs -------------------------------------------------------- */

static void global_lvs_sync(struct kad *k, const struct kad_stmt *s,
			    struct imp_node *global)
{
	struct imp_node *sync;

	if (s->n < 2) {
		kad_arg(k, s, 1);
		return;
	}
	sync = imp_map(k->ctx, global, "lvs_sync");
	imp_set(k->ctx, sync, "interface", IMP_STR, s->w[1]);
	for (size_t i = 2; i < s->n; i++) {
		if (strcmp(s->w[i], "id") == 0 && i + 1 < s->n &&
		    imp_number(s->w[i + 1], 0, 255)) {
			imp_set(k->ctx, sync, "syncid", IMP_NUM, s->w[++i]);
		} else if (i == 2) {
			imp_warn(k->ctx, s->file, s->line, "lvs_sync_daemon", "instance %s: "
				 "lvsd's sync daemon follows the VRRP state of the "
				 "director as a whole — dropped", s->w[i]);
		} else {
			imp_warn(k->ctx, s->file, s->line, "lvs_sync_daemon", "option '%s': "
				 "not supported — dropped", s->w[i]);
		}
	}
}

static void global_timeouts(struct kad *k, const struct kad_stmt *s,
			    struct imp_node *global)
{
	struct imp_node *t = imp_map(k->ctx, global, "timeouts");

	for (size_t i = 1; i + 1 < s->n; i += 2) {
		if ((strcmp(s->w[i], "tcp") == 0 || strcmp(s->w[i], "tcpfin") == 0 ||
		     strcmp(s->w[i], "udp") == 0) && imp_number(s->w[i + 1], 1, 604800))
			imp_set(k->ctx, t, s->w[i], IMP_NUM, s->w[i + 1]);
		else
			imp_warn(k->ctx, s->file, s->line, "lvs_timeouts", "'%s %s' — "
				 "dropped", s->w[i], s->w[i + 1]);
	}
}

static void global_defs(struct kad *k, const struct kad_stmt *blk)
{
	static const char *const mail[] = {
		"notification_email", "notification_email_from", "smtp_server",
		"smtp_connect_timeout", "smtp_helo_name", "smtp_alert", NULL,
	};
	struct imp_node *global = imp_map(k->ctx, k->ctx->root, "global");

	for (const struct kad_stmt *s = blk->child; s; s = s->next) {
		bool is_mail = false;

		for (size_t i = 0; mail[i]; i++)
			is_mail |= kad_is(s, mail[i]);
		if (is_mail) {
			imp_warn(k->ctx, s->file, s->line, s->w[0], "e-mail alerts are not "
				 "supported (use notify scripts) — dropped");
		} else if (kad_is(s, "router_id") && kad_arg(k, s, 1)) {
			imp_set(k->ctx, global, "router_id", IMP_STR, s->w[1]);
		} else if (kad_is(s, "script_user") && s->n > 1 && !getpwnam(s->w[1])) {
			imp_warn(k->ctx, s->file, s->line, s->w[0], "no user '%s' on this "
				 "system, and lvsd refuses an unknown user — dropped "
				 "(import on the director, or add it after)", s->w[1]);
		} else if (kad_is(s, "script_user") && s->n > 1) {
			imp_set(k->ctx, global, "script_user", IMP_STR, s->w[1]);
			if (s->n > 2)
				imp_warn(k->ctx, s->file, s->line, "script_user", "group '%s': "
					 "lvsd uses the user's own group — dropped", s->w[2]);
		} else if (kad_is(s, "enable_script_security")) {
			imp_warn(k->ctx, s->file, s->line, s->w[0], "lvsd always runs "
				 "scripts without a shell as script_user — nothing to carry");
		} else if (kad_is(s, "vrrp_version")) {
			k->vrrp_version = kad_uint(k, s, 2, 3);
		} else if (kad_is(s, "lvs_sync_daemon")) {
			global_lvs_sync(k, s, global);
		} else if (kad_is(s, "lvs_timeouts")) {
			global_timeouts(k, s, global);
		} else if (!kad_global_process(k, s, global)) {
			kad_unknown(k, s, "global_defs");
		}
	}
	if (!global->first)
		imp_take(k->ctx->root, "global");
}

/* ---- the file ------------------------------------------------------------ */

static void top_level(struct kad *k, const struct kad_stmt *s)
{
	if (kad_is(s, "vrrp_instance"))
		kad_vrrp_instance(k, s);
	else if (kad_is(s, "vrrp_sync_group"))
		kad_sync_group(k, s);
	else if (kad_is(s, "virtual_server"))
		kad_virtual_server(k, s);
	else if (kad_is(s, "vrrp_script") || kad_is(s, "virtual_server_group") ||
		 kad_is(s, "global_defs"))
		;	/* read where they are used */
	else if (kad_is(s, "static_ipaddress") || kad_is(s, "static_routes") ||
		 kad_is(s, "static_rules"))
		imp_warn(k->ctx, s->file, s->line, s->w[0], "lvsd does not manage "
			 "static addresses or routes (leave them to the system) — dropped");
	else
		kad_unknown(k, s, "the top level");
}

/* Keep the document in the contract's order, dropping empty sections. */
static void order_sections(struct kad *k)
{
	static const char *const order[] = {
		"global", "vrrp_instances", "sync_groups", "virtual_services", NULL,
	};
	struct imp_node *root = k->ctx->root;

	for (size_t i = 0; order[i]; i++) {
		struct imp_node *n = imp_take(root, order[i]);

		if (n && n->first)
			imp_attach(root, order[i], n);
	}
}

int imp_keepalived(struct imp_ctx *ctx, const char *name, const char *text)
{
	struct kad k = { .ctx = ctx };

	if (kad_read(ctx, name, text, &k.top) < 0)
		return -1;
	k.vrrp = imp_seq(ctx, ctx->root, "vrrp_instances");
	k.groups = imp_seq(ctx, ctx->root, "sync_groups");
	k.services = imp_seq(ctx, ctx->root, "virtual_services");
	/* global_defs first: vrrp_version applies to instances above it too */
	for (const struct kad_stmt *s = k.top; s; s = s->next)
		if (kad_is(s, "global_defs"))
			global_defs(&k, s);
	for (const struct kad_stmt *s = k.top; s; s = s->next)
		if (!kad_is(s, "global_defs"))
			top_level(&k, s);
	order_sections(&k);
	return 0;
}

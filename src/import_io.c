/*
 * import_io.c - what `lvsctl import` does before a parser runs: read the
 * input whole (a file or stdin), tell its format from its first
 * meaningful line, and hand it to the right parser.
 *
 * The three formats differ at once: `ipvsadm -S` lines start with an
 * option ("-A -t ...", or "ipvsadm -A ..." in a script), ldirectord lines are "key=value", and a
 * keepalived.conf is words and braces. Comments (# everywhere, ! in
 * keepalived) and blank lines are skipped before judging.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

static const char *const format_names[] = {
	[IMP_FMT_UNKNOWN] = "unknown",
	[IMP_FMT_KEEPALIVED] = "keepalived",
	[IMP_FMT_LDIRECTORD] = "ldirectord",
	[IMP_FMT_IPVSADM] = "ipvsadm",
};

const char *imp_format_name(enum imp_format f)
{
	return format_names[f];
}

enum imp_format imp_format_parse(const char *name)
{
	for (int f = IMP_FMT_KEEPALIVED; f <= IMP_FMT_IPVSADM; f++)
		if (strcmp(name, format_names[f]) == 0)
			return (enum imp_format)f;
	return IMP_FMT_UNKNOWN;
}

/* A line "word = ..." or "word=...": ldirectord's shape. */
static bool key_equals(const char *p, const char *eol)
{
	const char *w = p;

	while (p < eol && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	if (p == w)
		return false;
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	return p < eol && *p == '=';
}

/* "ipvsadm -A ..." or "/sbin/ipvsadm ...": a script of ipvsadm calls. */
static bool is_ipvsadm_call(const char *p, const char *eol)
{
	const char *w = p;

	while (p < eol && !isspace((unsigned char)*p))
		p++;
	return p - w >= 7 && strncmp(p - 7, "ipvsadm", 7) == 0 &&
	       (p - w == 7 || p[-8] == '/');
}

enum imp_format imp_detect(const char *text)
{
	const char *line = text;

	while (*line) {
		const char *eol = strchr(line, '\n'), *p = line;

		if (!eol)
			eol = line + strlen(line);
		while (p < eol && isspace((unsigned char)*p))
			p++;
		if (p < eol && *p != '#' && *p != '!') {
			if (*p == '-' || is_ipvsadm_call(p, eol))
				return IMP_FMT_IPVSADM;
			if (key_equals(p, eol))
				return IMP_FMT_LDIRECTORD;
			if (isalpha((unsigned char)*p) || *p == '{' || *p == '}')
				return IMP_FMT_KEEPALIVED;
			return IMP_FMT_UNKNOWN;
		}
		line = *eol ? eol + 1 : eol;
	}
	return IMP_FMT_UNKNOWN;
}

int imp_read(struct imp_ctx *ctx, const char *path, char **text)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	const char *name = f == stdin ? "(stdin)" : path;
	size_t len = 0, cap = 65536;
	char *buf, *out;

	if (!f) {
		snprintf(ctx->err, sizeof(ctx->err), "%s: cannot open: %s", name,
			 strerror(errno));
		return -1;
	}
	buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);

		len += n;
		if (len + 1 < cap)
			break;	/* short read: end of file or an error */
		cap *= 2;
		out = realloc(buf, cap);
		if (!out)
			free(buf);
		buf = out;
	}
	if (!buf || ferror(f)) {
		snprintf(ctx->err, sizeof(ctx->err), "%s: cannot read: %s", name,
			 buf ? strerror(errno) : "out of memory");
		free(buf);
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		free(buf);
		snprintf(ctx->err, sizeof(ctx->err), "%s: contains a NUL byte; not a "
			 "text configuration", name);
		return -1;
	}
	*text = arena_strndup(&ctx->arena, buf, len);
	free(buf);
	return *text ? 0 : -1;
}

int imp_parse(struct imp_ctx *ctx, enum imp_format f, const char *name,
	      const char *text)
{
	int rc;

	imp_file(ctx, name);
	switch (f) {
	case IMP_FMT_KEEPALIVED: rc = imp_keepalived(ctx, name, text); break;
	case IMP_FMT_LDIRECTORD: rc = imp_ldirectord(ctx, name, text); break;
	case IMP_FMT_IPVSADM: rc = imp_ipvsadm(ctx, name, text); break;
	default:
		snprintf(ctx->err, sizeof(ctx->err), "%s:1: cannot tell the format "
			 "(keepalived, ldirectord or ipvsadm); give --from", name);
		return -1;
	}
	if (rc == 0)
		imp_finish(ctx);
	imp_flush_warnings(ctx);
	return rc;
}

/*
 * import_emit.c - the intermediate tree (import.h) written as YAML with
 * libyaml's emitter, which owns quoting and escaping: a script path with
 * a colon or a regex with a backslash comes out as YAML that reads back
 * to the same bytes. Strings that a YAML 1.1 reader would take for a
 * number, a boolean or null ("1.1", "on", "~") are double-quoted so that
 * any tool reading the file sees them as the strings they are.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "import.h"

/* Would a YAML 1.1 reader resolve this plain scalar to a non-string? */
static bool looks_typed(const char *s)
{
	static const char *const words[] = {
		"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
		".inf", "-.inf", ".nan", NULL,
	};
	const char *p = s;
	char *end;

	if (!*s)
		return true;
	for (size_t i = 0; words[i]; i++)
		if (strcasecmp(s, words[i]) == 0)
			return true;
	(void)strtod(s, &end);
	if (*end == '\0' && end != s)
		return true;
	/* sexagesimal (190:20:30) and 0x/0o forms */
	if (*p == '-' || *p == '+')
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o'))
		return true;
	if (!isdigit((unsigned char)*p))
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != ':' && *p != '_')
			return false;
	return true;
}

static int emit(struct imp_ctx *ctx, yaml_emitter_t *em, yaml_event_t *ev)
{
	if (yaml_emitter_emit(em, ev))
		return 0;
	snprintf(ctx->err, sizeof(ctx->err), "cannot write the YAML: %s",
		 em->problem ? em->problem : "libyaml emitter error");
	return -1;
}

static int emit_scalar(struct imp_ctx *ctx, yaml_emitter_t *em, const char *text,
		       yaml_scalar_style_t style)
{
	yaml_event_t ev;

	/* libyaml refuses (only) text that is not UTF-8 */
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text,
					  (int)strlen(text), 1, 1, style)) {
		snprintf(ctx->err, sizeof(ctx->err), "the value '%.60s' is not UTF-8 "
			 "text: convert the input (e.g. iconv -f latin1 -t utf-8)", text);
		return -1;
	}
	return emit(ctx, em, &ev);
}

/* Lists of scalars read best on one line: virtual_ips: [10.0.0.1/24]. */
static bool all_scalars(const struct imp_node *n)
{
	for (const struct imp_node *c = n->first; c; c = c->next)
		if (c->kind == IMP_MAP || c->kind == IMP_SEQ)
			return false;
	return n->first != NULL;
}

static int emit_node(struct imp_ctx *ctx, yaml_emitter_t *em, const struct imp_node *n)
{
	yaml_event_t ev;
	int ok;

	switch (n->kind) {
	case IMP_STR:
		return emit_scalar(ctx, em, n->text, looks_typed(n->text) ?
				   YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
	case IMP_NUM:
	case IMP_BOOL:
		return emit_scalar(ctx, em, n->text, YAML_PLAIN_SCALAR_STYLE);
	case IMP_SEQ:
		ok = yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
			all_scalars(n) ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
		break;
	case IMP_MAP:
	default:
		ok = yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							 YAML_BLOCK_MAPPING_STYLE);
		break;
	}
	if (!ok || emit(ctx, em, &ev) < 0)
		return -1;
	for (const struct imp_node *c = n->first; c; c = c->next) {
		if (n->kind == IMP_MAP &&
		    emit_scalar(ctx, em, c->key, YAML_ANY_SCALAR_STYLE) < 0)
			return -1;
		if (emit_node(ctx, em, c) < 0)
			return -1;
	}
	if (n->kind == IMP_SEQ)
		yaml_sequence_end_event_initialize(&ev);
	else
		yaml_mapping_end_event_initialize(&ev);
	return emit(ctx, em, &ev);
}

static int emit_document(struct imp_ctx *ctx, yaml_emitter_t *em)
{
	yaml_event_t ev;

	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (emit(ctx, em, &ev) < 0)
		return -1;
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	if (emit(ctx, em, &ev) < 0 || emit_node(ctx, em, ctx->root) < 0)
		return -1;
	yaml_document_end_event_initialize(&ev, 1);
	if (emit(ctx, em, &ev) < 0)
		return -1;
	yaml_stream_end_event_initialize(&ev);
	if (emit(ctx, em, &ev) < 0)
		return -1;
	if (!yaml_emitter_flush(em)) {
		snprintf(ctx->err, sizeof(ctx->err), "cannot write the YAML: %s",
			 em->problem ? em->problem : "write error");
		return -1;
	}
	return 0;
}

int imp_emit(struct imp_ctx *ctx, FILE *out)
{
	yaml_emitter_t em;
	int rc;

	if (!yaml_emitter_initialize(&em)) {
		snprintf(ctx->err, sizeof(ctx->err), "cannot write the YAML: out of memory");
		return -1;
	}
	yaml_emitter_set_output_file(&em, out);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, 100);
	yaml_emitter_set_indent(&em, 2);
	rc = emit_document(ctx, &em);
	yaml_emitter_delete(&em);
	return rc;
}

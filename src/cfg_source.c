/*
 * cfg_source.c - find each virtual service's text, and confirm it.
 *
 * The split is made on the text alone, line by line: that is cheap, but
 * a text scan cannot know YAML (a quoted string may run over a line that
 * looks like an item). So it is only a proposal: after libyaml has read
 * the same text, cfg_split_confirmed() checks that its sequence has the
 * same number of items, each starting on the line the split found, and
 * that the list ends where the split says. A text whose shape the split
 * does not understand, or whose reading does not confirm it, gets no
 * split, and its next reload parses the whole file: slower, never wrong.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cfg_source.h"

#define SERVICES_KEY "virtual_services:"

int cfg_split_reserve(struct cfg_split *sp, size_t n)
{
	size_t cap = sp->cap ? sp->cap : 64;
	size_t *item, *line;
	uint8_t *refs;

	if (n <= sp->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	item = realloc(sp->item, cap * sizeof(*item));
	if (item)
		sp->item = item;
	line = realloc(sp->line, cap * sizeof(*line));
	if (line)
		sp->line = line;
	refs = realloc(sp->refs, cap);
	if (refs)
		sp->refs = refs;
	if (!item || !line || !refs)
		return -1;
	sp->cap = cap;
	return 0;
}

void cfg_split_free(struct cfg_split *sp)
{
	free(sp->item);
	free(sp->line);
	free(sp->refs);
	memset(sp, 0, sizeof(*sp));
}

void cfg_source_free(struct cfg_source *src)
{
	if (!src)
		return;
	cfg_split_free(&src->split);
	free(src->text);
	free(src);
}

void cfg_source_attach(struct cfg *cfg, char *text, size_t len,
		       struct cfg_split *split)
{
	struct cfg_source *src = split->ok ? malloc(sizeof(*src)) : NULL;

	if (!src) {
		cfg_split_free(split);
		free(text);
		return;
	}
	src->text = text;
	src->len = len;
	src->split = *split;
	/* Lines served the confirmation; later splits are derived without. */
	free(src->split.line);
	src->split.line = NULL;
	memset(split, 0, sizeof(*split));
	cfg_source_free(cfg->source);
	cfg->source = src;
}

size_t cfg_split_item_end(const struct cfg_split *sp, size_t i)
{
	return i + 1 < sp->n_items ? sp->item[i + 1] : sp->list_end;
}

/* Nothing but spaces, a comment, or a CR before the line's end. */
static bool rest_is_blank(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	return s == end || *s == '#';
}

/* "- " then the item's first key on the same line. */
static bool is_item(const char *s, const char *end)
{
	return end - s >= 3 && s[0] == '-' && s[1] == ' ' &&
	       !rest_is_blank(s + 2, end);
}

bool cfg_split_is_item_line(const char *s, size_t n, unsigned indent)
{
	const char *nl = memchr(s, '\n', n), *end = nl ? nl : s + n;

	for (unsigned i = 0; i < indent; i++)
		if (s + i >= end || s[i] != ' ')
			return false;
	return is_item(s + indent, end);
}

/* A '*' (alias) or '&' (anchor) where a node may start. */
static uint8_t line_refs(const char *s, const char *end)
{
	uint8_t refs = 0;

	for (const char *c = s; c < end; c++) {
		char before = c > s ? c[-1] : ' ';

		if ((*c != '*' && *c != '&') ||
		    !(before == ' ' || before == '\t' || before == '[' ||
		      before == '{' || before == ','))
			continue;
		refs |= *c == '*' ? CFG_ITEM_ALIAS : CFG_ITEM_ANCHOR;
	}
	return refs;
}

enum split_state { SPLIT_BEFORE_KEY, SPLIT_FIRST_ITEM, SPLIT_IN_LIST, SPLIT_AFTER };

struct split_line {
	const char *s, *end;	/* the line without its '\n' */
	size_t off, no;		/* its byte offset and 0-based number */
	unsigned indent;
};

static int push_item(struct cfg_split *sp, const struct split_line *l)
{
	if (cfg_split_reserve(sp, sp->n_items + 1) < 0)
		return -1;
	sp->item[sp->n_items] = l->off;
	sp->line[sp->n_items] = l->no;
	sp->refs[sp->n_items] = 0;
	sp->n_items++;
	return 0;
}

/* One line of the list: an item, a line of the current one, or its end.
 * Returns the next state; SPLIT_AFTER with ok cleared for a bad shape. */
static enum split_state split_list_line(struct cfg_split *sp, const struct split_line *l,
					bool *bad, int *rc)
{
	const char *body = l->s + l->indent;

	if (rest_is_blank(body, l->end))
		return SPLIT_IN_LIST;
	if (l->indent == sp->indent && is_item(body, l->end)) {
		*rc = push_item(sp, l);
		sp->refs[sp->n_items - 1] = line_refs(body + 2, l->end);
		return SPLIT_IN_LIST;
	}
	if (l->indent == 0) {
		sp->list_end = l->off;
		sp->end_line = l->no;
		return SPLIT_AFTER;
	}
	if (l->indent <= sp->indent)
		*bad = true;	/* not an item, not inside one: not a shape we know */
	else
		sp->refs[sp->n_items - 1] |= line_refs(body, l->end);
	return SPLIT_IN_LIST;
}

static bool is_key_line(const struct split_line *l)
{
	size_t n = sizeof(SERVICES_KEY) - 1;

	return l->indent == 0 && (size_t)(l->end - l->s) >= n &&
	       memcmp(l->s, SERVICES_KEY, n) == 0 && rest_is_blank(l->s + n, l->end);
}

/* The state machine over one line; false when the shape is not ours. */
static bool split_line(struct cfg_split *sp, const struct split_line *l,
		       enum split_state *st, int *rc)
{
	bool bad = false;

	switch (*st) {
	case SPLIT_BEFORE_KEY:
		if (is_key_line(l)) {
			sp->key_line = l->no;
			*st = SPLIT_FIRST_ITEM;
		}
		return true;
	case SPLIT_FIRST_ITEM:
		if (rest_is_blank(l->s + l->indent, l->end))
			return true;
		if (!is_item(l->s + l->indent, l->end))
			return false;
		sp->indent = l->indent;
		sp->list_start = l->off;
		*st = split_list_line(sp, l, &bad, rc);
		return !bad;
	case SPLIT_IN_LIST:
		*st = split_list_line(sp, l, &bad, rc);
		return !bad;
	case SPLIT_AFTER:
		return !is_key_line(l);	/* a second key: leave it to libyaml */
	}
	return false;
}

int cfg_split_text(const char *buf, size_t len, struct cfg_split *sp)
{
	enum split_state st = SPLIT_BEFORE_KEY;
	struct split_line l = { .s = buf };
	int rc = 0;

	memset(sp, 0, sizeof(*sp));
	sp->len = len;
	while (l.s < buf + len && rc == 0) {
		const char *nl = memchr(l.s, '\n', (size_t)(buf + len - l.s));

		l.end = nl ? nl : buf + len;
		l.off = (size_t)(l.s - buf);
		for (l.indent = 0; l.s + l.indent < l.end && l.s[l.indent] == ' '; l.indent++)
			;
		if (!split_line(sp, &l, &st, &rc))
			return rc;	/* sp->ok stays false */
		l.s = nl ? nl + 1 : buf + len;
		l.no++;
	}
	if (st == SPLIT_IN_LIST)
		sp->list_end = len;
	sp->ok = rc == 0 && (st == SPLIT_IN_LIST || st == SPLIT_AFTER);
	return rc;
}

/* The root's pair for the services key, and the pair after it (or NULL). */
static yaml_node_pair_t *services_pair(yaml_document_t *doc, yaml_node_pair_t **next)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);

	if (!root || root->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(doc, pr->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, "virtual_services") == 0) {
			*next = pr + 1 < root->data.mapping.pairs.top ? pr + 1 : NULL;
			return pr;
		}
	}
	return NULL;
}

/* The list ends where the split says: at the next top-level key, on the
 * split's end line, or at the end of the text when it is the last key. */
static bool end_confirmed(const struct cfg_split *sp, yaml_document_t *doc,
			  yaml_node_pair_t *next)
{
	yaml_node_t *k;

	if (!next)
		return sp->list_end == sp->len;
	k = yaml_document_get_node(doc, next->key);
	return k && sp->list_end < sp->len && k->start_mark.column == 0 &&
	       k->start_mark.line == sp->end_line;
}

bool cfg_split_confirmed(const struct cfg_split *sp, yaml_document_t *doc)
{
	yaml_node_pair_t *next = NULL, *pr = sp->ok ? services_pair(doc, &next) : NULL;
	yaml_node_t *k, *v;
	size_t n;

	if (!pr)
		return false;
	k = yaml_document_get_node(doc, pr->key);
	v = yaml_document_get_node(doc, pr->value);
	if (!k || !v || k->start_mark.line != sp->key_line || k->start_mark.column != 0 ||
	    v->type != YAML_SEQUENCE_NODE)
		return false;
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n != sp->n_items)
		return false;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = yaml_document_get_node(doc, v->data.sequence.items.start[i]);

		if (!it || it->type != YAML_MAPPING_NODE || it->start_mark.line != sp->line[i])
			return false;
	}
	return end_confirmed(sp, doc, next);
}

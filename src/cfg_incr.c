/*
 * cfg_incr.c - a reload that parses only what the edit touched.
 *
 * Parsing is almost all of a reload's time at 1,000 services, and an
 * edit usually touches one of them. The new text is compared with the
 * last one: the bytes they share at the front and at the back bound the
 * edit. When the edit lies inside the virtual_services list (cfg_source.c
 * knows where each item's text is), the items it touches are parsed on
 * their own, as a little file of just that list; everything else of the
 * file (the "head": global, VRRP, sync groups) is parsed with the list
 * left out, which is small; the services before and after the edit are
 * taken from the last model as they are, by reference to their pools.
 *
 * Why that gives the same model as parsing the whole text: the bytes
 * before the edited items are unchanged, so libyaml reaches the first of
 * them in the same state; the edited items must start at the list's
 * indentation and parse cleanly alone, so they end before the next item's
 * "- " line and leave libyaml in the state it had there before; the items
 * after are unchanged bytes from that state on. A service is built from
 * its own text only (no service reads another's, or the head's). Aliases
 * are the exception, since they reach across items: when an item kept as
 * it was may use one and an edited item may define an anchor, the whole
 * file is parsed. Whatever does not fit (an edit in the
 * head, an item that does not parse alone, any error at all) makes this
 * give up, and the caller parses the whole file, whose errors are the
 * ones users see.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cfg_source.h"
#include "log.h"

#define LIST_HEAD "virtual_services:\n"
#define EMPTY_LIST " []\n"

/* What the edit spans, in items of the old list, and in bytes. */
struct incr_edit {
	size_t first, end;	/* old items re-parsed: [first, end) */
	size_t start;		/* the first such item's offset (same in both texts) */
	size_t old_end, new_end;	/* the last one's end, in each text */
	size_t old_len, new_len;
};

/* Whole blocks by memcmp first: the texts are mostly equal, and the
 * emulated CPUs lvsd is measured on make a byte loop costly. */
#define CMP_BLOCK 4096

static size_t common_prefix(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen, i = 0;

	while (n - i >= CMP_BLOCK && memcmp(a + i, b + i, CMP_BLOCK) == 0)
		i += CMP_BLOCK;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

static size_t common_suffix(const char *a, size_t alen, const char *b, size_t blen,
			    size_t max)
{
	size_t i = 0;

	while (max - i >= CMP_BLOCK &&
	       memcmp(a + alen - i - CMP_BLOCK, b + blen - i - CMP_BLOCK, CMP_BLOCK) == 0)
		i += CMP_BLOCK;
	while (i < max && a[alen - 1 - i] == b[blen - 1 - i])
		i++;
	return i;
}

/* Where item i starts; the list's end for i == n_items. */
static size_t item_start(const struct cfg_split *sp, size_t i)
{
	return i < sp->n_items ? sp->item[i] : sp->list_end;
}

/* Does the text at s (a line's start) end the item above it as an item
 * line would: by being one, a top-level line, or the end of the text? */
static bool ends_item(const char *s, size_t n, unsigned indent)
{
	return n == 0 || cfg_split_is_item_line(s, n, indent) ||
	       (s[0] != ' ' && s[0] != '#' && s[0] != '\n' && s[0] != '\r' && s[0] != '\t');
}

/* The item whose text holds byte off (off inside the list). */
static size_t item_at(const struct cfg_split *sp, size_t off)
{
	size_t lo = 0, hi = sp->n_items;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (sp->item[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Bound the edit between the old text and the new by items: those that
 * hold a changed byte, and the one before the first changed line unless
 * an item line still follows it, so that lines added at an item's end (a
 * real server appended to a service) are parsed with the item they
 * belong to. False when the edit reaches outside the list.
 */
static bool find_edit(const struct cfg_source *old, const char *text, size_t len,
		      struct incr_edit *e)
{
	const struct cfg_split *sp = &old->split;
	size_t p = common_prefix(old->text, old->len, text, len), max, s, after;

	/* From the start of the line: an edit that adds lines before an item
	 * may share that item's indentation with it, and the text added
	 * belongs to the item above. Then the common end, which must not
	 * overlap the common start in either text. */
	while (p > 0 && text[p - 1] != '\n')
		p--;
	max = (old->len < len ? old->len : len) - p;
	s = common_suffix(old->text, old->len, text, len, max);
	after = old->len - s;	/* the first unchanged byte, old text */
	e->old_len = old->len;
	e->new_len = len;
	if (old->len == len && p + s == len) {
		e->first = e->end = sp->n_items;	/* nothing changed */
		e->start = e->old_end = e->new_end = sp->list_end;
		return true;
	}
	if (p < sp->list_start || after > sp->list_end)
		return false;
	e->first = p == sp->list_start ? 0 : item_at(sp, p - 1);
	e->end = e->first + 1;
	/* The item before is untouched when the edit starts at an item's line
	 * and the new text still ends it there: it ends as it did. */
	if (item_start(sp, e->first + 1) == p && ends_item(text + p, len - p, sp->indent))
		e->end = ++e->first;
	if (after > p)
		e->end = item_at(sp, after - 1) + 1;
	/* The item that starts where the edit ends is untouched only if the
	 * new text still starts a line there. */
	e->old_end = item_start(sp, e->end);
	if (after < sp->list_end && after == e->old_end &&
	    text[e->old_end + len - old->len - 1] != '\n')
		e->old_end = item_start(sp, ++e->end);
	e->start = item_start(sp, e->first);
	e->new_end = e->old_end + len - old->len;
	return true;
}

/*
 * An alias outside the edit may point to an anchor the edit changed: it
 * did if an edited item, before or after, may define an anchor.
 */
static bool anchors_reached(const struct cfg_split *sp, const struct incr_edit *e,
			    const struct cfg_split *isp)
{
	bool alias_outside = false, anchor_inside = false;

	for (size_t i = 0; i < sp->n_items; i++) {
		if (i < e->first || i >= e->end)
			alias_outside |= sp->refs[i] & CFG_ITEM_ALIAS;
		else
			anchor_inside |= sp->refs[i] & CFG_ITEM_ANCHOR;
	}
	for (size_t i = 0; i < isp->n_items; i++)
		anchor_inside |= isp->refs[i] & CFG_ITEM_ANCHOR;
	return alias_outside && anchor_inside;
}

/* Only blank and comment lines (all the edited items were deleted). */
static bool is_blank_text(const char *s, size_t len)
{
	bool comment = false;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			comment = false;
		else if (s[i] == '#')
			comment = true;
		else if (!comment && s[i] != ' ' && s[i] != '\r')
			return false;
	}
	return true;
}

/*
 * Parse the edited items alone, as a file holding just the list, into
 * part (its own cfg, whose services' pools the new model takes over).
 * Their split, relative to the edited text, goes to isp.
 */
static bool parse_items(const char *text, const struct incr_edit *e, unsigned indent,
			struct cfg *part, struct cfg_split *isp, struct cfg_diag *scratch)
{
	size_t hl = sizeof(LIST_HEAD) - 1, n = e->new_end - e->start;
	char *doc;
	bool ok;

	if (is_blank_text(text + e->start, n))
		return true;
	doc = malloc(hl + n);
	if (!doc)
		return false;
	memcpy(doc, LIST_HEAD, hl);
	memcpy(doc + hl, text + e->start, n);
	ok = cfg_split_text(doc, hl + n, isp) == 0 && isp->ok &&
	     isp->list_start == hl && isp->list_end == hl + n && isp->indent == indent;
	ok = ok && cfg_parse_text(part, doc, hl + n, scratch, isp) && isp->ok &&
	     scratch->n_errors == 0;
	free(doc);
	return ok;
}

/* The head: the new text without the list (an empty one in its place). */
static bool parse_head(const char *text, const struct cfg_split *sp,
		       const struct incr_edit *e, struct cfg *cfg, struct cfg_diag *scratch)
{
	size_t el = sizeof(EMPTY_LIST) - 1;
	size_t tail = sp->list_end + e->new_len - e->old_len;
	size_t n = sp->list_start + el + (e->new_len - tail);
	char *doc = malloc(n);
	bool ok;

	if (!doc)
		return false;
	memcpy(doc, text, sp->list_start);
	memcpy(doc + sp->list_start, EMPTY_LIST, el);
	memcpy(doc + sp->list_start + el, text + tail, e->new_len - tail);
	ok = cfg_parse_text(cfg, doc, n, scratch, NULL) && scratch->n_errors == 0 &&
	     cfg->n_services == 0;
	free(doc);
	return ok;
}

/* The new list: the old items before the edit, the parsed ones, the old
 * ones after, each service holding a reference to its pool. */
static bool merge_services(struct cfg *cfg, const struct cfg *prev,
			   const struct incr_edit *e, struct cfg *part)
{
	size_t before = e->first, after = prev->n_services - e->end;
	size_t n = before + part->n_services + after, k = 0;
	struct cfg_service *svc = n ? arena_alloc(&cfg->arena, n * sizeof(*svc)) : NULL;

	if (n && !svc)
		return false;
	for (size_t i = 0; i < before; i++, k++) {
		svc[k] = prev->services[i];
		cfg_pool_ref(svc[k].pool);
	}
	for (size_t i = 0; i < part->n_services; i++, k++) {
		svc[k] = part->services[i];
		cfg_pool_ref(svc[k].pool);
	}
	for (size_t i = e->end; i < prev->n_services; i++, k++) {
		svc[k] = prev->services[i];
		cfg_pool_ref(svc[k].pool);
	}
	cfg->services = svc;
	cfg->n_services = n;
	return true;
}

/* Where the new text's items are: the old offsets, shifted after the
 * edit, and the edited items' own. */
static bool derive_split(const struct cfg_split *sp, const struct incr_edit *e,
			 const struct cfg_split *isp, size_t n_part, struct cfg_split *out)
{
	size_t hl = sizeof(LIST_HEAD) - 1, k = 0;
	size_t n = e->first + n_part + (sp->n_items - e->end);
	size_t shift = e->new_len - e->old_len;	/* modular: may "wrap" */

	memset(out, 0, sizeof(*out));
	if (n == 0 || cfg_split_reserve(out, n) < 0)
		return false;
	for (size_t i = 0; i < e->first; i++, k++) {
		out->item[k] = sp->item[i];
		out->refs[k] = sp->refs[i];
	}
	for (size_t i = 0; i < n_part; i++, k++) {
		out->item[k] = isp->item[i] - hl + e->start;
		out->refs[k] = isp->refs[i];
	}
	for (size_t i = e->end; i < sp->n_items; i++, k++) {
		out->item[k] = sp->item[i] + shift;
		out->refs[k] = sp->refs[i];
	}
	out->ok = true;
	out->n_items = n;
	out->key_line = sp->key_line;
	out->indent = sp->indent;
	out->list_start = out->item[0];
	out->list_end = sp->list_end + shift;
	out->len = e->new_len;
	out->end_line = 0;	/* only confirmation reads it */
	return true;
}

/* The parsing steps; false as soon as one does not fit or finds an error. */
static bool incr_build(const char *text, const struct cfg *prev, const struct incr_edit *e,
		       struct cfg *cfg, struct cfg *part, struct cfg_split *isp,
		       struct cfg_diag *scratch)
{
	const struct cfg_split *sp = &prev->source->split;
	double t0;

	if (!parse_items(text, e, sp->indent, part, isp, scratch) ||
	    anchors_reached(sp, e, isp) ||
	    !parse_head(text, sp, e, cfg, scratch) ||
	    !merge_services(cfg, prev, e, part))
		return false;
	t0 = log_clock_ms();
	cfg_validate_range(cfg, e->first, e->first + part->n_services, scratch);
	scratch->ms_validate = log_clock_ms() - t0;
	return scratch->n_errors == 0;
}

struct cfg *cfg_incr_load(const char *name, char *text, size_t len,
			  const struct cfg *prev, struct cfg_diag *diag)
{
	const struct cfg_split *sp = &prev->source->split;
	struct cfg_diag scratch;
	struct cfg_split isp, nsp;
	struct incr_edit e;
	struct cfg *cfg, *part;
	bool ok;

	if (prev->n_services != sp->n_items || !find_edit(prev->source, text, len, &e))
		return NULL;
	memset(&isp, 0, sizeof(isp));
	cfg_diag_init(&scratch, name);
	cfg = cfg_new(name);
	part = cfg_new(name);
	ok = cfg && part && incr_build(text, prev, &e, cfg, part, &isp, &scratch) &&
	     derive_split(sp, &e, &isp, part->n_services, &nsp);
	diag->ms_yaml += scratch.ms_yaml;
	diag->ms_walk += scratch.ms_walk;
	diag->ms_validate += scratch.ms_validate;
	if (ok) {
		diag->services_parsed = part->n_services;
		diag->services_reused = cfg->n_services - part->n_services;
		cfg_source_attach(cfg, text, len, &nsp);
	} else {
		cfg_free(cfg);
		cfg = NULL;
	}
	cfg_split_free(&isp);
	cfg_free(part);
	cfg_diag_free(&scratch);
	return cfg;
}

/*
 * cfg_source.h - where each virtual service lies in a configuration's
 * text, so that a reload can parse again only what an edit touched.
 * Internal to the loader (cfg_load.c, cfg_incr.c).
 */
#ifndef LVSD_CFG_SOURCE_H
#define LVSD_CFG_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "cfg.h"

/*
 * The text split at its virtual service items: the top-level
 * `virtual_services:` key alone on its line, then a block list whose
 * items each start with "- " and their first key on one line, all at
 * one indentation. Lines of the list before the next top-level line (or
 * the end) belong to the item above them.
 */
/* An item may use an alias ('*' where a node starts) or define an anchor
 * ('&' there). A string can look like either: then the item is only
 * handled with more care than it needs. */
#define CFG_ITEM_ALIAS 1
#define CFG_ITEM_ANCHOR 2

struct cfg_split {
	bool ok;		/* the text has that shape (not yet confirmed) */
	size_t key_line;	/* 0-based line of the key */
	size_t list_start;	/* byte offset of the first item's line */
	size_t list_end;	/* of the first top-level line after it, or len */
	size_t end_line;	/* the line list_end starts (when before len) */
	size_t len;		/* of the text */
	size_t *item;		/* byte offset of each item's line */
	size_t *line;		/* its 0-based line (only while being confirmed) */
	uint8_t *refs;		/* CFG_ITEM_ALIAS | CFG_ITEM_ANCHOR: what the item may hold */
	size_t n_items, cap;
	unsigned indent;	/* column of the items' '-' */
};

/* The text a cfg came from, owned by the cfg. */
struct cfg_source {
	char *text;
	size_t len;
	struct cfg_split split;
};

/* Split buf; sp->ok tells if it has the shape above. -1 on no memory. */
int cfg_split_text(const char *buf, size_t len, struct cfg_split *sp);
/* Does libyaml's reading of the same text put the items where the split
 * did? (Same count, each starting on the split's line.) */
bool cfg_split_confirmed(const struct cfg_split *sp, yaml_document_t *doc);
/* Room for n items; -1 on no memory. */
int cfg_split_reserve(struct cfg_split *sp, size_t n);
void cfg_split_free(struct cfg_split *sp);

/* Does the line at s start an item at that indentation? */
bool cfg_split_is_item_line(const char *s, size_t n, unsigned indent);
/* The end of item i's text: the next item's line, or the list's end. */
size_t cfg_split_item_end(const struct cfg_split *sp, size_t i);

void cfg_source_free(struct cfg_source *src);
/* Keep text and split (taken, split emptied) as cfg's source when the
 * split was confirmed; else free them. */
void cfg_source_attach(struct cfg *cfg, char *text, size_t len,
		       struct cfg_split *split);

/* ---- the loader's steps, shared by cfg_load.c and cfg_incr.c ---- */

/* An empty model with every default (NULL on no memory). */
struct cfg *cfg_new(const char *name);
/*
 * libyaml, then the schema walk, over the text into cfg; no cross-object
 * rules. With `split` (cfg_split_text of the same text), libyaml's reading
 * confirms it or clears split->ok. False when an alias bomb stopped the
 * walk: the model is then a fragment that must not be judged further.
 */
bool cfg_parse_text(struct cfg *cfg, const char *buf, size_t len,
		    struct cfg_diag *diag, struct cfg_split *split);
/*
 * The model of text (owned on success) built from prev's by parsing only
 * the services the edit since prev touched, and the head around them.
 * NULL when that cannot be done or finds any error: the caller then
 * loads the whole text, which also gives the errors their exact places.
 */
struct cfg *cfg_incr_load(const char *name, char *text, size_t len,
			  const struct cfg *prev, struct cfg_diag *diag);

#endif

/*
 * cfg_parse.c - apply the schema tables of cfg_schema.c to a libyaml
 * document tree.
 *
 * The walk is driven by the schema, never by the document, so a hostile
 * file cannot make it recurse deeper than the contract nests; aliases are
 * followed (users share a check block with &anchors), but every node
 * visited is counted so that an alias bomb stops with one error instead of
 * expanding a billion times. A field's `set` bit is raised only when its
 * value parsed, so later passes can trust what is set. The walk's tools
 * (allocation, errors with their path, node access) are in
 * cfg_parse_node.c.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_parse.h"

/*
 * Strict decimal integer: optional '-', digits, nothing else. A number
 * too large for 64 bits is clamped, not refused: it is still a number,
 * and every field's range is narrower, so it is reported as out of range.
 */
static int parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if ((errno && errno != ERANGE) || *end)
		return -1;
	*out = v;
	return 0;
}

int cfg_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* Milliseconds per unit suffix. */
static int64_t unit_ms(const char *u)
{
	if (*u == '\0' || strcmp(u, "s") == 0)
		return 1000;
	if (strcmp(u, "ms") == 0)
		return 1;
	if (strcmp(u, "m") == 0 || strcmp(u, "min") == 0)
		return 60000;
	if (strcmp(u, "h") == 0)
		return 3600000;
	return -1;
}

int cfg_parse_duration(const char *s, cfg_ms *out, char *err, size_t errlen)
{
	const char *c = s;
	int64_t whole = 0, frac = 0, scale = 1, unit;

	if (*c < '0' || *c > '9')
		goto bad;
	for (; *c >= '0' && *c <= '9'; c++) {
		whole = whole * 10 + (*c - '0');
		if (whole > 1000000000)
			goto big;
	}
	if (*c == '.') {
		c++;
		if (*c < '0' || *c > '9')
			goto bad;
		for (; *c >= '0' && *c <= '9'; c++) {
			if (scale >= 1000000000)
				goto bad;
			frac = frac * 10 + (*c - '0');
			scale *= 10;
		}
	}
	unit = unit_ms(c);
	if (unit < 0)
		goto bad;
	if ((frac * unit) % scale != 0) {
		snprintf(err, errlen, "'%s' is finer than one millisecond", s);
		return -1;
	}
	*out = (cfg_ms)(whole * unit + frac * unit / scale);
	return 0;
big:
	snprintf(err, errlen, "'%s' is too long a duration", s);
	return -1;
bad:
	snprintf(err, errlen,
		 "'%s' is not a duration (seconds, or a number with ms, s, m or h)", s);
	return -1;
}

static void names_list(const char *const *names, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; names[i] && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", names[i]);
}

int cfg_parse_enum(struct cfg_parser *p, yaml_node_t *node,
		   const char *const *names, const char *what, int *out)
{
	const char *s = cfg_scalar(p, node);
	char list[512];

	if (!s)
		return -1;
	for (int i = 0; names[i]; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	names_list(names, list, sizeof(list));
	cfg_perr(p, node, "unknown %s '%s' (expected one of %s)", what, s, list);
	return -1;
}

static int parse_number(struct cfg_parser *p, yaml_node_t *node,
			const struct cfg_field *f, int64_t *out)
{
	const char *s = cfg_scalar(p, node);

	if (!s)
		return -1;
	if (parse_int64(s, out) < 0) {
		cfg_perr(p, node, "expected an integer, got '%s'", s);
		return -1;
	}
	if (*out < f->min || *out > f->max) {
		cfg_perr(p, node, "%s is out of range %lld..%lld", s,
			 (long long)f->min, (long long)f->max);
		return -1;
	}
	return 0;
}

/* `out` keeps its default unless the value parses and is in range, so
 * that later rules do not judge a value already reported. */
static int parse_duration_field(struct cfg_parser *p, yaml_node_t *node,
				const struct cfg_field *f, cfg_ms *out)
{
	const char *s = cfg_scalar(p, node);
	char err[256];
	cfg_ms v;

	if (!s)
		return -1;
	if (cfg_parse_duration(s, &v, err, sizeof(err)) < 0) {
		cfg_perr(p, node, "%s", err);
		return -1;
	}
	if (v == 0 && f->min > 0) {
		cfg_perr(p, node, "'%s' must be greater than zero", s);
		return -1;
	}
	if ((int64_t)v < f->min || (f->max && (int64_t)v > f->max)) {
		cfg_perr(p, node, "'%s' is out of range %g..%gs", s,
			 (double)f->min / 1000, (double)f->max / 1000);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_addr_field(struct cfg_parser *p, yaml_node_t *node,
			    const struct cfg_field *f, struct lvs_addr *out)
{
	const char *s = cfg_scalar(p, node);
	char err[256];

	if (!s)
		return -1;
	if (addr_parse(s, f->port_rule, out, err, sizeof(err)) < 0) {
		cfg_perr(p, node, "%s", err);
		return -1;
	}
	return 0;
}

static int parse_scalar_field(struct cfg_parser *p, yaml_node_t *node,
			      const struct cfg_field *f, void *dst)
{
	int64_t v;
	int e;
	const char *s;

	switch (f->kind) {
	case CK_STRING:
		s = cfg_scalar_dup(p, node);
		if (!s)
			return -1;
		*(const char **)dst = s;
		return 0;
	case CK_BOOL:
		s = cfg_scalar(p, node);
		if (!s)
			return -1;
		if (cfg_parse_bool(s, dst) < 0) {
			cfg_perr(p, node, "expected true or false, got '%s'", s);
			return -1;
		}
		return 0;
	case CK_UINT:
		if (parse_number(p, node, f, &v) < 0)
			return -1;
		*(uint32_t *)dst = (uint32_t)v;
		return 0;
	case CK_INT:
		if (parse_number(p, node, f, &v) < 0)
			return -1;
		*(int32_t *)dst = (int32_t)v;
		return 0;
	case CK_DURATION:
		return parse_duration_field(p, node, f, dst);
	case CK_ENUM:
		if (cfg_parse_enum(p, node, f->names, f->key, &e) < 0)
			return -1;
		*(int *)dst = e;
		return 0;
	case CK_ADDR:
		return parse_addr_field(p, node, f, dst);
	default:
		return -1;
	}
}

static int parse_field(struct cfg_parser *p, yaml_node_t *node,
		       const struct cfg_field *f, void *obj)
{
	void *dst = (char *)obj + f->off;

	switch (f->kind) {
	case CK_OBJECT:
		if (cfg_node_is_null(node))
			return 0;
		return cfg_parse_object(p, node, f->sub, dst);
	case CK_LIST:
		if (cfg_node_is_null(node))
			return 0;
		return cfg_parse_list(p, node, f->sub, dst,
				      (size_t *)((char *)obj + f->count_off));
	case CK_CUSTOM:
		return f->custom(p, node, dst);
	case CK_LATER:
		return 0;
	default:
		return parse_scalar_field(p, node, f, dst);
	}
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static void report_unknown_key(struct cfg_parser *p, yaml_node_t *key,
			       const struct cfg_schema *s, const char *name)
{
	const char *best = NULL;
	size_t best_d = 3;

	/* libyaml has no merge keys; users coming from other YAML tools
	 * reach for them to share a block. */
	if (strcmp(name, "<<") == 0) {
		cfg_perr(p, key, "unknown key '<<' in %s; YAML merge keys are not "
			 "supported (share the whole block with an alias)", s->what);
		return;
	}
	for (size_t i = 0; i < s->n_fields; i++) {
		size_t d = edit_distance(name, s->fields[i].key);

		if (d < best_d) {
			best_d = d;
			best = s->fields[i].key;
		}
	}
	if (best)
		cfg_perr(p, key, "unknown key '%s' in %s; did you mean '%s'?",
			 name, s->what, best);
	else
		cfg_perr(p, key, "unknown key '%s' in %s", name, s->what);
}

static const struct cfg_field *find_field(const struct cfg_schema *s,
					  const char *key, size_t *idx)
{
	for (size_t i = 0; i < s->n_fields; i++) {
		if (strcmp(s->fields[i].key, key) == 0) {
			*idx = i;
			return &s->fields[i];
		}
	}
	return NULL;
}

static void parse_pair(struct cfg_parser *p, yaml_node_t *key, yaml_node_t *val,
		       const struct cfg_schema *s, void *obj, uint64_t *seen)
{
	const char *name;
	const struct cfg_field *f;
	size_t idx, saved = p->pathlen;

	if (key->type != YAML_SCALAR_NODE || cfg_node_is_null(key)) {
		cfg_perr(p, key, "keys of %s must be plain names, got %s",
			 s->what, cfg_node_kind(key));
		return;
	}
	name = (const char *)key->data.scalar.value;
	f = find_field(s, name, &idx);
	if (!f) {
		report_unknown_key(p, key, s, name);
		return;
	}
	if (*seen & (1ull << idx)) {
		cfg_perr_key(p, key, name, "duplicate key");
		return;
	}
	*seen |= 1ull << idx;
	cfg_path_push(p, "%s", name);
	if (parse_field(p, val, f, obj) == 0) {
		*(uint64_t *)((char *)obj + s->set_off) |= 1ull << idx;
		if (f->mark_off)
			*(struct cfg_mark *)((char *)obj + f->mark_off) =
				cfg_node_mark(val);
	}
	cfg_path_pop(p, saved);
}

static void report_missing(struct cfg_parser *p, yaml_node_t *node,
			   const struct cfg_schema *s, uint64_t seen)
{
	for (size_t i = 0; i < s->n_fields; i++) {
		if (s->fields[i].required && !(seen & (1ull << i)))
			cfg_perr(p, node, "missing required key '%s' in %s",
				 s->fields[i].key, s->what);
	}
}

int cfg_parse_object(struct cfg_parser *p, yaml_node_t *node,
		     const struct cfg_schema *s, void *obj)
{
	uint64_t seen = 0;
	size_t before = p->diag->n_errors;

	if (node->type != YAML_MAPPING_NODE) {
		cfg_perr(p, node, "expected a mapping (%s), got %s", s->what,
			 cfg_node_kind(node));
		return -1;
	}
	if (s->mark_off != NO_OFF)
		*(struct cfg_mark *)((char *)obj + s->mark_off) = cfg_node_mark(node);
	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = cfg_node(p, pair->key);
		yaml_node_t *val = key ? cfg_node(p, pair->value) : NULL;

		if (!key || !val)
			return -1;
		parse_pair(p, key, val, s, obj, &seen);
	}
	report_missing(p, node, s, seen);
	if (s->post)
		s->post(p, node, obj);
	return p->diag->n_errors == before ? 0 : -1;
}

/* One list element, in a pool of its own when its schema says so. */
static int parse_elem(struct cfg_parser *p, yaml_node_t *item,
		      const struct cfg_schema *s, void *elem)
{
	struct arena *outer = p->arena;
	struct cfg_pool *pool = NULL;
	int rc;

	if (s->pooled) {
		pool = cfg_alloc_pool(p);
		if (!pool)
			return -1;
		*(struct cfg_pool **)((char *)elem + s->pool_off) = pool;
		p->arena = &pool->arena;
	}
	rc = s->scalar ? s->scalar(p, item, elem) : cfg_parse_object(p, item, s, elem);
	p->arena = outer;
	return rc;
}

int cfg_parse_list(struct cfg_parser *p, yaml_node_t *node,
		   const struct cfg_schema *s, void **arr, size_t *count)
{
	size_t n, saved = p->pathlen;
	char *elems;
	int rc = 0;

	if (node->type != YAML_SEQUENCE_NODE) {
		/* Object schemas name one object ("real server"); element
		 * schemas already name many ("IP addresses"). */
		cfg_perr(p, node, "expected a list of %s%s, got %s", s->what,
			 s->scalar ? "" : "s", cfg_node_kind(node));
		return -1;
	}
	n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	elems = n ? cfg_alloc(p, n * s->size) : NULL;
	if (n && !elems)
		return -1;
	/* Set now: an early return must still leave every pool freeable. */
	*arr = elems;
	*count = n;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = cfg_node(p, node->data.sequence.items.start[i]);
		void *elem = elems + i * s->size;

		if (!item)
			return -1;
		cfg_path_push(p, "[%zu]", i);
		if (s->defaults)
			s->defaults(elem);
		if (s->mark_off != NO_OFF)
			*(struct cfg_mark *)((char *)elem + s->mark_off) =
				cfg_node_mark(item);
		if (parse_elem(p, item, s, elem))
			rc = -1;
		cfg_path_pop(p, saved);
	}
	return rc;
}

/*
 * cfg_parse_node.c - the schema walk's tools (cfg_parse.c): allocation
 * from the loader's arena, errors that name the file position and the
 * path of the key ("virtual_services[2].real_servers[0].weight"), and
 * access to libyaml's nodes that follows aliases but counts every node
 * visited, so that an alias bomb ends in one error.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_parse.h"

#define CFG_MAX_SCALAR 4096

void *cfg_alloc(struct cfg_parser *p, size_t size)
{
	void *m = arena_alloc(p->arena, size);

	if (!m && !p->out_of_memory) {
		p->out_of_memory = true;
		cfg_diag_add(p->diag, 0, 0, "out of memory while loading");
	}
	return m;
}

struct cfg_pool *cfg_alloc_pool(struct cfg_parser *p)
{
	struct cfg_pool *pool = malloc(sizeof(*pool));

	if (!pool) {
		if (!p->out_of_memory) {
			p->out_of_memory = true;
			cfg_diag_add(p->diag, 0, 0, "out of memory while loading");
		}
		return NULL;
	}
	pool->refs = 1;
	arena_init(&pool->arena);
	return pool;
}

struct cfg_mark cfg_node_mark(const yaml_node_t *node)
{
	struct cfg_mark m = {
		(unsigned)node->start_mark.line + 1,
		(unsigned)node->start_mark.column + 1,
	};
	return m;
}

static void vperr(struct cfg_parser *p, yaml_node_t *node, const char *key,
		  const char *fmt, va_list ap)
{
	char msg[1024];
	struct cfg_mark m = { 0, 0 };

	/* Past the alias budget the walk is abandoned: what it would still
	 * say (keys it never reached are "missing") is noise, and the nodes
	 * post hooks look up come back NULL. */
	if (p->visits > p->max_visits)
		return;
	if (node)
		m = cfg_node_mark(node);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (p->pathlen == 0 && key)
		cfg_diag_add(p->diag, m.line, m.col, "%s: %s", key, msg);
	else if (key)
		cfg_diag_add(p->diag, m.line, m.col, "%s.%s: %s", p->path, key, msg);
	else if (p->pathlen)
		cfg_diag_add(p->diag, m.line, m.col, "%s: %s", p->path, msg);
	else
		cfg_diag_add(p->diag, m.line, m.col, "%s", msg);
}

void cfg_perr(struct cfg_parser *p, yaml_node_t *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vperr(p, node, NULL, fmt, ap);
	va_end(ap);
}

void cfg_perr_key(struct cfg_parser *p, yaml_node_t *node, const char *key,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vperr(p, node, key, fmt, ap);
	va_end(ap);
}

/*
 * "%s" and "[%zu]", pushed once per key and list item of a 10,000-server
 * file, are spelled out by hand: vsnprintf was a tenth of a reload's
 * instructions. The text is the same as vsnprintf's, cut to fit alike.
 */
static int path_fast(char *dst, size_t room, const char *fmt, va_list ap)
{
	char digits[24];
	const char *s;
	size_t n, len;

	if (strcmp(fmt, "%s") == 0) {
		s = va_arg(ap, const char *);
	} else if (strcmp(fmt, "[%zu]") == 0) {
		n = va_arg(ap, size_t);
		len = sizeof(digits) - 1;
		digits[len] = '\0';
		digits[--len] = ']';
		do
			digits[--len] = (char)('0' + n % 10);
		while ((n /= 10) && len > 1);
		digits[--len] = '[';
		s = digits + len;
	} else {
		return vsnprintf(dst, room, fmt, ap);
	}
	len = strlen(s);
	if (room) {
		n = len < room ? len : room - 1;
		memcpy(dst, s, n);
		dst[n] = '\0';
	}
	return (int)len;
}

void cfg_path_push(struct cfg_parser *p, const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof(p->path) - p->pathlen;
	int n;

	/* "[3]" sticks to its parent; a key gets a dot unless it is first. */
	if (fmt[0] != '[' && p->pathlen > 0 && room > 1) {
		p->path[p->pathlen++] = '.';
		p->path[p->pathlen] = '\0';
		room--;
	}
	va_start(ap, fmt);
	n = path_fast(p->path + p->pathlen, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->pathlen += (size_t)n < room ? (size_t)n : room - 1;
}

void cfg_path_pop(struct cfg_parser *p, size_t len)
{
	p->pathlen = len;
	p->path[len] = '\0';
}

yaml_node_t *cfg_node(struct cfg_parser *p, int index)
{
	yaml_node_t *n;
	struct cfg_mark m = { 1, 1 };

	if (p->visits > p->max_visits)
		return NULL;
	n = yaml_document_get_node(p->doc, index);
	if (++p->visits > p->max_visits) {
		/* Every error has a position: the node the budget ran out on
		 * lies inside whatever the aliases keep expanding. */
		if (n)
			m = cfg_node_mark(n);
		cfg_diag_add(p->diag, m.line, m.col,
			     "the document expands to more than %lu nodes "
			     "through aliases; giving up", p->max_visits);
		return NULL;
	}
	return n;
}

bool cfg_node_is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

const char *cfg_node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return cfg_node_is_null(n) ? "nothing" : "a scalar";
	default:
		return "nothing";
	}
}

const char *cfg_scalar(struct cfg_parser *p, yaml_node_t *node)
{
	if (node->type != YAML_SCALAR_NODE) {
		cfg_perr(p, node, "expected a single value, got %s", cfg_node_kind(node));
		return NULL;
	}
	if (cfg_node_is_null(node)) {
		cfg_perr(p, node, "no value given");
		return NULL;
	}
	if (node->data.scalar.length > CFG_MAX_SCALAR) {
		cfg_perr(p, node, "value is %zu bytes long; at most %d allowed",
			 node->data.scalar.length, CFG_MAX_SCALAR);
		return NULL;
	}
	if (strlen((const char *)node->data.scalar.value) != node->data.scalar.length) {
		cfg_perr(p, node, "value contains a NUL character");
		return NULL;
	}
	return (const char *)node->data.scalar.value;
}

const char *cfg_scalar_dup(struct cfg_parser *p, yaml_node_t *node)
{
	const char *s = cfg_scalar(p, node);

	return s ? arena_strdup(p->arena, s) : NULL;
}

yaml_node_t *cfg_map_get(struct cfg_parser *p, yaml_node_t *map,
			 const char *key)
{
	yaml_node_pair_t *pair;

	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return cfg_node(p, pair->value);
	}
	return NULL;
}

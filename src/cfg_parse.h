/*
 * cfg_parse.h - the table-driven walker between a libyaml document and
 * the model. Internal to the loader: cfg_schema.c describes each object
 * of the contract as a table of fields, cfg_parse.c applies such a table
 * to a YAML mapping, and both report errors through cfg_perr() so that
 * every message has the same shape: "PATH.KEY: what is wrong".
 */
#ifndef LVSD_CFG_PARSE_H
#define LVSD_CFG_PARSE_H

#include <yaml.h>

#include "cfg.h"

struct cfg_parser {
	yaml_document_t *doc;
	struct cfg *cfg;
	struct arena *arena;	/* where values go: cfg's, or a service's pool */
	struct cfg_diag *diag;
	char path[256];		/* "virtual_services[2].real_servers[0]" */
	size_t pathlen;
	unsigned long visits;	/* nodes walked, to stop alias bombs */
	unsigned long max_visits;
	bool out_of_memory;
};

enum cfg_kind {
	CK_STRING,	/* const char * */
	CK_BOOL,	/* bool */
	CK_UINT,	/* uint32_t in [min, max] */
	CK_INT,		/* int32_t in [min, max] */
	CK_DURATION,	/* cfg_ms; min is 0 or 1 (ms) */
	CK_ENUM,	/* int-sized enum, by `names` */
	CK_ADDR,	/* struct lvs_addr per `port_rule` */
	CK_OBJECT,	/* nested struct per `sub` */
	CK_LIST,	/* array pointer at off, size_t count at count_off */
	CK_CUSTOM,	/* `custom` does it all */
	CK_LATER,	/* accepted here, parsed by the parent's post hook */
};

struct cfg_schema;

struct cfg_field {
	const char *key;
	enum cfg_kind kind;
	size_t off;
	int64_t min, max;
	const char *const *names;
	const struct cfg_schema *sub;
	size_t count_off;
	enum addr_port_rule port_rule;
	size_t mark_off;	/* non-zero: where to store the value's mark */
	bool required;
	int (*custom)(struct cfg_parser *p, yaml_node_t *node, void *field);
};

struct cfg_schema {
	const char *what;	/* "virtual service", for messages */
	size_t size;		/* of one object, for lists */
	size_t set_off;		/* of the object's uint64_t set mask */
	size_t mark_off;	/* of its struct cfg_mark, or NO_OFF */
	/* List elements that own their memory: each gets a new cfg_pool,
	 * stored at pool_off, and everything parsed inside goes there. */
	bool pooled;
	size_t pool_off;
	const struct cfg_field *fields;
	size_t n_fields;
	/* Objects: defaults before parsing, checks after. Scalars: parse. */
	void (*defaults)(void *obj);
	void (*post)(struct cfg_parser *p, yaml_node_t *map, void *obj);
	int (*scalar)(struct cfg_parser *p, yaml_node_t *node, void *obj);
};

#define NO_OFF ((size_t)-1)

/* Report an error at `node`, prefixed with the current path. */
void cfg_perr(struct cfg_parser *p, yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same at a key of the current object: "PATH.KEY: ..." */
void cfg_perr_key(struct cfg_parser *p, yaml_node_t *node, const char *key,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Enter/leave a path component ("global", "[3]"). */
void cfg_path_push(struct cfg_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cfg_path_pop(struct cfg_parser *p, size_t len);

/* The node's text if it is a non-null scalar; else report and NULL. */
const char *cfg_scalar(struct cfg_parser *p, yaml_node_t *node);
/* Copy of a scalar into the cfg's arena (NULL after reporting). */
const char *cfg_scalar_dup(struct cfg_parser *p, yaml_node_t *node);
/* Value node of `key` in a mapping, or NULL. */
yaml_node_t *cfg_map_get(struct cfg_parser *p, yaml_node_t *map,
			 const char *key);
/* Follow an index, counting visits; NULL (and one error) past the budget. */
yaml_node_t *cfg_node(struct cfg_parser *p, int index);
struct cfg_mark cfg_node_mark(const yaml_node_t *node);
/* A plain scalar that YAML reads as null: empty, ~, null, Null, NULL. */
bool cfg_node_is_null(const yaml_node_t *n);
/* What the node is, for errors: "a mapping", "a list", "a scalar" or "nothing". */
const char *cfg_node_kind(const yaml_node_t *n);

/* Fill obj from a mapping node per schema (defaults applied by caller). */
int cfg_parse_object(struct cfg_parser *p, yaml_node_t *node,
		     const struct cfg_schema *s, void *obj);
/* Parse a sequence into a new arena array of s->size elements. */
int cfg_parse_list(struct cfg_parser *p, yaml_node_t *node,
		   const struct cfg_schema *s, void **arr, size_t *count);

/* Value parsers shared with custom fields. */
int cfg_parse_duration(const char *s, cfg_ms *out, char *err, size_t errlen);
int cfg_parse_bool(const char *s, bool *out);
int cfg_parse_enum(struct cfg_parser *p, yaml_node_t *node,
		   const char *const *names, const char *what, int *out);

void *cfg_alloc(struct cfg_parser *p, size_t size);
/* A new service pool with one reference (NULL after reporting). */
struct cfg_pool *cfg_alloc_pool(struct cfg_parser *p);

/* The schema of the whole file (cfg_schema.c). */
extern const struct cfg_schema cfg_root_schema;

#endif

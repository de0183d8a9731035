/*
 * import_kad.h - the keepalived.conf importer's own parts, shared by its
 * four files: import_keepalived.c reads the text (comments, quotes,
 * braces, includes) into a tree of statements and maps global_defs;
 * import_kad_lvs.c maps virtual servers and real servers,
 * import_kad_check.c their checkers;
 * import_kad_vrrp.c maps VRRP instances, scripts and sync groups.
 */
#ifndef LVSD_IMPORT_KAD_H
#define LVSD_IMPORT_KAD_H

#include "import.h"

/* One keyword line, with its { block } if it had one. */
struct kad_stmt {
	const char *file;
	unsigned line;
	char **w;			/* the words, quotes removed */
	size_t n, cap;
	bool block;
	struct kad_stmt *child;		/* the block's first statement */
	struct kad_stmt *next;
};

struct kad {
	struct imp_ctx *ctx;
	struct kad_stmt *top;
	struct imp_node *vrrp, *groups, *services;
	const char *vrrp_version;	/* global_defs vrrp_version, or NULL */
};

/* The tree of a file and everything it includes; 0 or -1 (ctx->err). */
int kad_read(struct imp_ctx *ctx, const char *name, const char *text,
	     struct kad_stmt **top);

/* "keyword: unknown in BLOCK — dropped" */
void kad_unknown(struct kad *k, const struct kad_stmt *s, const char *where);
/* Word i of s, or NULL (with a warning that it is missing). */
const char *kad_arg(struct kad *k, const struct kad_stmt *s, size_t i);
/* Seconds as keepalived writes them (1, 0.5): valid within [lo, hi]? */
const char *kad_secs(struct kad *k, const struct kad_stmt *s, double lo, double hi);
/* A whole number within [lo, hi], or NULL with a warning. */
const char *kad_uint(struct kad *k, const struct kad_stmt *s, double lo, double hi);
bool kad_is(const struct kad_stmt *s, const char *word);
/* A script line: its words joined back, for lvsd's command keys. */
const char *kad_command(struct kad *k, const struct kad_stmt *s);

void kad_virtual_server(struct kad *k, const struct kad_stmt *s);
void kad_vrrp_instance(struct kad *k, const struct kad_stmt *s);
void kad_sync_group(struct kad *k, const struct kad_stmt *s);
/*
 * global_defs' process settings (vrrp_priority, checker_priority,
 * *_no_swap) into global.nice and global.lock_memory: true when s was one.
 */
bool kad_global_process(struct kad *k, const struct kad_stmt *s, struct imp_node *global);

/* A virtual_server being mapped, with the defaults its checkers inherit. */
struct kad_vs {
	struct kad *k;
	struct imp_node *svc;
	const char *delay_loop, *connect_timeout, *retry, *virtualhost;
	bool alpha, inhibit;		/* service-level defaults */
	unsigned n_inhibit, n_remove;
};

/* s in lower case, in the import's memory. */
char *kad_lower(struct kad *k, const char *s);
/* Which checker block s is (an index for kad_checker), or -1. */
int kad_checker_index(const struct kad_stmt *s);
/* One checker block as the server's check; NULL when it cannot be carried. */
struct imp_node *kad_checker(struct kad_vs *vs, const struct kad_stmt *blk, int kind);

#endif

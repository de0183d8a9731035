/*
 * import_ld.h - the ldirectord.cf importer's own parts, shared by its two
 * files: import_ldirectord.c reads the file and builds each service and
 * its real servers; import_ld_check.c builds a service's check from
 * checktype, service, request and receive.
 */
#ifndef LVSD_IMPORT_LD_H
#define LVSD_IMPORT_LD_H

#include "import.h"

struct ld_kv {
	const char *key, *val;
	unsigned line;
	bool used;
};

struct ld_block {
	struct ld_kv *kv;
	size_t n, cap;
	unsigned line;			/* the virtual= line */
};

struct ld {
	struct imp_ctx *ctx;
	const char *file;
	struct ld_block global;
	struct ld_block *virt;
	size_t n_virt;
};

struct ld_svc {
	struct ld *ld;
	struct ld_block *v;
	struct imp_node *svc;
	unsigned port;			/* the virtual's, 0 for fwmark */
	bool fwmark;
};

/* The last value of `key` in the virtual, else in the globals (if `inherit`). */
struct ld_kv *ld_get(struct ld *ld, struct ld_block *v, const char *key, bool inherit);
const char *ld_val(struct ld *ld, struct ld_block *v, const char *key, bool inherit,
		   const char *dflt);
char *ld_lower(struct imp_ctx *ctx, const char *s);
/* ldirectord's regexes are Perl's; lvsd compiles POSIX extended ones. */
bool ld_regex_ok(const char *re);
/* A warning at the line of kv (else the virtual's). */
void ld_warn(struct ld_svc *s, struct ld_kv *kv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* request="index.html" or "http://host/path" into the check's path (and host). */
void ld_http_request(struct ld_svc *s, struct imp_node *c, const char *req,
		     struct ld_kv *kv);
/* The service's check (or none) from checktype, service, request/receive. */
void ld_service_check(struct ld_svc *s);

#endif

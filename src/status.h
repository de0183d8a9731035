/*
 * status.h - what the director is doing, rendered for people (lvsctl
 * status) and for programs (lvsctl status --json, the status file).
 * The JSON keys are the status contract of DESIGN.md: add, never rename.
 */
#ifndef LVSD_STATUS_H
#define LVSD_STATUS_H

#include <stdbool.h>

struct evbuffer;
struct json;
struct lvsd;
struct cfg_vrrp;
struct cfg_service;
struct fwd_table;
struct fwd_service_info;
struct fwd_dest_info;
struct lvs_addr;

/* Append the status JSON (one object, newline-terminated). 0 or -1. */
int status_render_json(const struct lvsd *ctx, struct evbuffer *out);
/* Build it into a json writer (for the status file). */
void status_build_json(const struct lvsd *ctx, struct json *j);
/* Append a human-readable summary. 0 or -1. */
int status_render_text(const struct lvsd *ctx, struct evbuffer *out);
/* lvsctl vrrp: each instance's state, priority, master, VIPs and counters. */
int status_render_vrrp(const struct lvsd *ctx, struct evbuffer *out);
/*
 * The core's table with each service's destinations sorted by address,
 * for the lookups below; false (t empty) if it cannot be read. The
 * caller frees it with fwd_table_free().
 */
bool status_snapshot(const struct lvsd *ctx, struct fwd_table *t);
/* What the snapshot holds for a configured service, or NULL. */
const struct fwd_service_info *status_live_service(const struct lvsd *ctx,
						  const struct fwd_table *t,
						  const struct cfg_service *s);
/* A destination of a snapshot's service by address, or NULL. */
const struct fwd_dest_info *status_live_dest(const struct fwd_service_info *si,
					     const struct lvs_addr *addr);

/* One instance's line of the summary. */
void status_vrrp_line(const struct lvsd *ctx, const struct cfg_vrrp *v, struct evbuffer *out);

#endif

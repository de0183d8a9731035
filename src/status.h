/*
 * status.h - what the director is doing, rendered for people (lvsctl
 * status) and for programs (lvsctl status --json, the status file).
 * The JSON keys are the status contract of DESIGN.md: add, never rename.
 */
#ifndef LVSD_STATUS_H
#define LVSD_STATUS_H

struct evbuffer;
struct json;
struct lvsd;
struct cfg_vrrp;

/* Append the status JSON (one object, newline-terminated). 0 or -1. */
int status_render_json(const struct lvsd *ctx, struct evbuffer *out);
/* Build it into a json writer (for the status file). */
void status_build_json(const struct lvsd *ctx, struct json *j);
/* Append a human-readable summary. 0 or -1. */
int status_render_text(const struct lvsd *ctx, struct evbuffer *out);
/* lvsctl vrrp: each instance's state, priority, master, VIPs and counters. */
int status_render_vrrp(const struct lvsd *ctx, struct evbuffer *out);
/* One instance's line of the summary. */
void status_vrrp_line(const struct lvsd *ctx, const struct cfg_vrrp *v, struct evbuffer *out);

#endif

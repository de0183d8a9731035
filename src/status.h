/*
 * status.h - what the director is doing, rendered for people (lvsctl
 * status) and for programs (lvsctl status --json, the status file).
 * The JSON keys are the status contract of DESIGN.md: add, never rename.
 */
#ifndef LVSD_STATUS_H
#define LVSD_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct json;
struct lvsd;
struct cfg_vrrp;
struct cfg_service;
struct fwd_table;
struct fwd_service_info;
struct fwd_dest_info;
struct lvs_addr;
struct vrrp_status;
struct drain_entry;

/* Build the status JSON (one object) into a json writer, at once (for the status file). */
void status_build_json(const struct lvsd *ctx, struct json *j);

/*
 * The same document built a slice of real servers per turn of the loop
 * (status_json.c), so that a large table does not hold the loop for the
 * whole of it. status_job_start() returns at once; done(job, rc, arg)
 * is called once it is built (rc 1) or failed (-1, out of memory), and
 * frees the job or keeps it for a while. A reload between two slices
 * starts the document again from the new configuration.
 */
struct status_job;
typedef void (*status_job_done_fn)(struct status_job *job, int rc, void *arg);
struct status_job *status_job_start(const struct lvsd *ctx, status_job_done_fn done, void *arg);
/* Append the finished document and its newline to out. 0 or -1. */
int status_job_take(struct status_job *job, struct evbuffer *out);
/* The finished document (no newline) and its length; NULL if out of memory. */
const char *status_job_text(const struct status_job *job, size_t *len);
/* How many slices it took, and how many times a reload started it again. */
void status_job_counts(const struct status_job *job, unsigned *steps, unsigned *restarts);
/* Stop a job (no done call then) or free a finished one. NULL-safe. */
void status_job_free(struct status_job *job);
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

/* The running VRRP instance of that name: true and its status in *st. */
bool status_vrrp_running(const struct lvsd *ctx, const char *name, struct vrrp_status *st);
/* A real server's state by name ("in", "quiesced", "out"), by enum reconcile_rs_state. */
extern const char *const status_rs_state_names[];
/* What is left of a drain's deadline, ms. */
uint64_t status_drain_left_ms(const struct lvsd *ctx, const struct drain_entry *e);

/* One instance's line of the summary. */
void status_vrrp_line(const struct lvsd *ctx, const struct cfg_vrrp *v, struct evbuffer *out);

#endif

/*
 * metrics.h - lvsd's counters and states in the Prometheus text format
 * (prom.h), for the people who already run Prometheus: `lvsctl metrics`
 * prints them, and with global.metrics_listen set (e.g. 127.0.0.1:9110)
 * an HTTP listener serves the same at GET /metrics.
 *
 * Families (all prefixed lvsd_): the daemon (info, start time, reloads),
 * each virtual service (connections, packets, bytes; quorum, sorry
 * server), each real server, configured or draining (connections,
 * packets, bytes, active and inactive connections, configured and
 * effective weight, health, probes, state), and each VRRP instance
 * (state, priorities, adverts, masterships).
 */
#ifndef LVSD_METRICS_H
#define LVSD_METRICS_H

#include <stddef.h>

struct evbuffer;
struct lvsd;
struct metrics_http;

/* Append the whole exposition, at once. 0, or -1 when out of memory. */
int metrics_render(const struct lvsd *ctx, struct evbuffer *out);

/*
 * The same written a slice per turn of the loop, so that a scrape of
 * 10,000 real servers does not hold the checks: the rows are gathered at
 * the start (one snapshot, so a reload or a health change during the job
 * does not mix two states), the samples appended to out a slice at a
 * time. done(job, rc, arg) once out holds the whole exposition (rc 1) or
 * it failed (-1, out of memory); it may free the job. NULL when out of
 * memory at the start.
 */
struct metrics_job;
typedef void (*metrics_job_done_fn)(struct metrics_job *job, int rc, void *arg);
struct metrics_job *metrics_job_start(const struct lvsd *ctx, struct evbuffer *out,
				      metrics_job_done_fn done, void *arg);
/* How many slices it has taken. */
unsigned metrics_job_steps(const struct metrics_job *job);
/* Stop a job (no done call then) or free a finished one. NULL-safe. */
void metrics_job_free(struct metrics_job *job);

/*
 * Follow global.metrics_listen of the running model: listen, move to a
 * new address (the old listener stays if the new one cannot bind), or
 * stop. 0, or -1 with err when the configured address cannot be served.
 */
int metrics_http_sync(struct lvsd *ctx, char *err, size_t errlen);
void metrics_http_free(struct metrics_http *m);

#endif

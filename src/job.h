/*
 * job.h - a piece of work done a slice per turn of the daemon's loop:
 * a document of 10,000 real servers (status --json, a Prometheus scrape)
 * takes tens of milliseconds to write, longer than a check may wait, so
 * it is written a bounded amount at a time and the loop polls between
 * two slices. The work itself is the caller's step function; this is
 * only the driver.
 */
#ifndef LVSD_JOB_H
#define LVSD_JOB_H

struct event_base;
struct job;

/* One slice of the work: 1 when finished, 0 when there is more, -1 on failure. */
typedef int (*job_step_fn)(void *arg);
/* The work ended: rc 1 (finished) or -1 (a step failed). Called once. */
typedef void (*job_done_fn)(void *arg, int rc);

/*
 * Start stepping: the first step runs on a later turn of the loop, never
 * inside this call, so done() never runs before the caller has its job.
 * NULL when out of memory.
 */
struct job *job_start(struct event_base *base, job_step_fn step, job_done_fn done, void *arg);
/* How many steps it has taken. */
unsigned job_steps(const struct job *job);
/* Stop it (no more steps, no done call) or free it once done. NULL-safe. */
void job_free(struct job *job);

#endif

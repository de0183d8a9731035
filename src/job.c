/*
 * job.c - the driver of sliced work (job.h). Each slice runs from a
 * zero-timeout timer rather than event_active(): a timer is run after
 * the loop's next poll, so the sockets and timers that became due
 * while a slice ran go first, and a long job cannot starve them.
 */
#include "config.h"

#include <event2/event.h>
#include <stdlib.h>

#include "job.h"

struct job {
	struct event *turn;
	job_step_fn step;
	job_done_fn done;
	void *arg;
	unsigned steps;
};

static const struct timeval next_turn = { 0, 0 };

static void on_turn(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;
	int rc;

	(void)fd;
	(void)what;
	job->steps++;
	rc = job->step(job->arg);
	if (rc == 0 && event_add(job->turn, &next_turn) == 0)
		return;
	/* done() may free the job: nothing of it is touched after. */
	job->done(job->arg, rc == 0 ? -1 : rc);
}

struct job *job_start(struct event_base *base, job_step_fn step, job_done_fn done, void *arg)
{
	struct job *job = calloc(1, sizeof(*job));

	if (!job)
		return NULL;
	job->step = step;
	job->done = done;
	job->arg = arg;
	job->turn = evtimer_new(base, on_turn, job);
	if (!job->turn || event_add(job->turn, &next_turn) < 0) {
		job_free(job);
		return NULL;
	}
	return job;
}

unsigned job_steps(const struct job *job)
{
	return job->steps;
}

void job_free(struct job *job)
{
	if (!job)
		return;
	if (job->turn)
		event_free(job->turn);
	free(job);
}

/*
 * test_job.c - the driver of sliced work (src/job.c) on a real event
 * loop: one step per turn and none inside job_start(), done() once with
 * the step's verdict, a failing step ends the job, and a job freed
 * before its turn never steps.
 */
#include "config.h"

#include <event2/event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "job.h"

struct work {
	int steps;		/* taken so far */
	int finish_at;		/* the step that says done (1) */
	int fail_at;		/* the step that fails (-1); 0: none */
	int done_calls, done_rc, steps_at_done;
	struct job *job;
};

static int step(void *arg)
{
	struct work *w = arg;

	w->steps++;
	if (w->fail_at && w->steps == w->fail_at)
		return -1;
	return w->steps == w->finish_at ? 1 : 0;
}

static void done(void *arg, int rc)
{
	struct work *w = arg;

	w->done_calls++;
	w->done_rc = rc;
	w->steps_at_done = (int)job_steps(w->job);
	job_free(w->job);	/* done() may free its job */
	w->job = NULL;
}

static void run(struct event_base *base)
{
	/* Bounded: a job of n steps takes n turns. */
	for (int i = 0; i < 100; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

static void test_steps_until_done(void **state)
{
	struct event_base *base = event_base_new();
	struct work w = { .finish_at = 4 };

	(void)state;
	w.job = job_start(base, step, done, &w);
	assert_non_null(w.job);
	assert_int_equal(w.steps, 0);	/* nothing inside job_start() */
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(w.steps, 1);	/* one step per turn */
	run(base);
	assert_int_equal(w.steps, 4);
	assert_int_equal(w.done_calls, 1);
	assert_int_equal(w.done_rc, 1);
	assert_int_equal(w.steps_at_done, 4);
	event_base_free(base);
}

static void test_failing_step_ends_it(void **state)
{
	struct event_base *base = event_base_new();
	struct work w = { .finish_at = 10, .fail_at = 2 };

	(void)state;
	w.job = job_start(base, step, done, &w);
	run(base);
	assert_int_equal(w.steps, 2);
	assert_int_equal(w.done_calls, 1);
	assert_int_equal(w.done_rc, -1);
	event_base_free(base);
}

static void test_freed_job_never_steps(void **state)
{
	struct event_base *base = event_base_new();
	struct work w = { .finish_at = 3 };

	(void)state;
	w.job = job_start(base, step, done, &w);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	job_free(w.job);	/* stopped mid-way, as when its client hangs up */
	run(base);
	assert_int_equal(w.steps, 1);
	assert_int_equal(w.done_calls, 0);
	job_free(NULL);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps_until_done),
		cmocka_unit_test(test_failing_step_ends_it),
		cmocka_unit_test(test_freed_job_never_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_check_order.c - the order of the system calls of probes due in
 * the same turn of the loop: every probe of a slot connects before any
 * of them sends its request. A request wakes its server; on a machine
 * with one CPU the server may run before the checker does again, and
 * with each request sent right after its own connect the probes of a
 * slot started one server's turn apart (8 ms per http probe in the test
 * VM). The test links the checkers with connect() and send() wrapped
 * (-Wl,--wrap), records the order of the calls, and passes each on.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "check.h"
#include "test_check_stream_util.h"

#define N_CHECKERS 3
#define MAX_CALLS 64

/* The calls seen, in order: 'C' a connect to an address, 'S' a send. */
static char calls[MAX_CALLS + 1];
static size_t n_calls;

static void record(char what)
{
	if (n_calls < MAX_CALLS)
		calls[n_calls++] = what;
}

int __real_connect(int fd, const struct sockaddr *sa, socklen_t len);
ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
int __wrap_connect(int fd, const struct sockaddr *sa, socklen_t len);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);

int __wrap_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	/* AF_UNSPEC is a probe's reset, not a connection. */
	if (sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6))
		record('C');
	return __real_connect(fd, sa, len);
}

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	record('S');
	return __real_send(fd, buf, len, flags);
}

static void on_change(void *arg, struct checker *c)
{
	(void)arg;
	(void)c;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * Three http checkers whose first probes share a slot (3 peers at 1 s:
 * one group, due at once): the loop's first turns make three connects,
 * then three requests; each request going right after its connect
 * would read "CSCSCS".
 */
static void test_slot_connects_before_it_sends(void **state)
{
	struct event_base *base = event_base_new();
	struct logger log;
	struct check_env env = { .base = base, .log = &log };
	struct cfg_check conf = { .type = CHECK_HTTP, .interval = 1000, .timeout = 900,
				  .rise = 1, .fall = 1 };
	struct checker *c[N_CHECKERS];
	int lfd[N_CHECKERS];
	char err[256] = "";

	(void)state;
	assert_non_null(base);
	logger_init(&log, "test_check_order");
	log.level = LOG_LVL_ERROR;
	for (int i = 0; i < N_CHECKERS; i++) {
		struct checker_args a = { .env = &env, .conf = &conf, .label = "order",
					  .on_change = on_change, .seed = (uint64_t)i + 1,
					  .peers = N_CHECKERS };
		char addr[64];
		unsigned port;

		lfd[i] = tsrv_bare_listener(&port);
		assert_true(lfd[i] >= 0);
		snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
		assert_int_equal(addr_parse(addr, ADDR_PORT_REQUIRED, &a.real_server, err,
					    sizeof(err)), 0);
		c[i] = checker_new(&a, err, sizeof(err));
		assert_non_null(c[i]);
	}
	/* Bounded: a few turns, at most 500 ms, until every request is out. */
	for (uint64_t end = now_ms() + 500; now_ms() < end && n_calls < 2 * N_CHECKERS;)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	calls[n_calls] = '\0';
	assert_string_equal(calls, "CCCSSS");
	for (int i = 0; i < N_CHECKERS; i++) {
		checker_free(c[i]);
		close(lfd[i]);
	}
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_free(base);
	logger_close(&log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_connects_before_it_sends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

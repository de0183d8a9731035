/*
 * test_check_script.c - script checks through the real engine: a checker
 * made from YAML runs small shell scripts written into a temporary
 * directory, and its up/down transitions and reasons are what the
 * scripts' exit codes, output, slowness and user say they should be.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "cfg_test_util.h"
#include "check.h"

struct fixture {
	struct event_base *base;
	struct logger log;
	struct check_env env;
	char dir[64];
	struct cfg *cfg;
	struct checker *checker;
	bool changed;		/* on_change was called */
	int changes;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Run the loop in 20ms slices until *flag or max_ms passed. */
static bool loop_until(struct event_base *base, const bool *flag, uint64_t max_ms)
{
	const struct timeval slice = { 0, 20000 };
	uint64_t end = now_ms() + max_ms;

	for (unsigned i = 0; !*flag && i < max_ms / 20 + 2 && now_ms() < end; i++) {
		event_base_loopexit(base, &slice);
		event_base_dispatch(base);
	}
	return *flag;
}

static bool no_children(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->base = event_base_new();
	logger_init(&f->log, "test_check_script");
	f->env = (struct check_env){ .base = f->base, .log = &f->log };
	snprintf(f->dir, sizeof(f->dir), "/tmp/lvsd-test-script.XXXXXX");
	/* Readable by nobody, who runs some of the scripts. */
	if (!f->base || !mkdtemp(f->dir) || chmod(f->dir, 0755) < 0)
		return -1;
	*state = f;
	return 0;
}

static const char *const script_names[] = { "ok", "fail", "quiet", "slow", "uid", NULL };

static int teardown(void **state)
{
	struct fixture *f = *state;
	bool none = false;
	char path[128];

	checker_free(f->checker);
	/* A cancelled script is reaped by the loop: give it the time. */
	for (uint64_t end = now_ms() + 2000; !none && now_ms() < end;) {
		loop_until(f->base, &none, 20);
		none = no_children();
	}
	cfg_free(f->cfg);
	event_base_free(f->base);
	for (size_t i = 0; script_names[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, script_names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/pids", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	assert_true(none);
	return 0;
}

/* Write an executable shell script `name` into the fixture's directory. */
static const char *write_script(struct fixture *f, const char *name, const char *body)
{
	static char path[128];
	FILE *out;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	out = fopen(path, "w");
	assert_non_null(out);
	fprintf(out, "#!/bin/sh\n%s\n", body);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(chmod(path, 0755), 0);
	return path;
}

static void on_change(void *arg, struct checker *c)
{
	struct fixture *f = arg;

	(void)c;
	f->changed = true;
	f->changes++;
	event_base_loopbreak(f->base);
}

/*
 * A script checker for one real server, `alpha` saying whether it starts
 * down; runs the loop until its first transition (at most 3s).
 */
/* The real server of a one-service configuration with a script check. */
static struct cfg_real_server *load_check(struct fixture *f, const char *script,
					  const char *vip, const char *rs, bool alpha)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml),
		 "virtual_services:\n"
		 "  - address: \"%s\"\n"
		 "    check: {type: script, script: \"%s\", interval: 150ms, timeout: 300ms,\n"
		 "            rise: 1, fall: 1, alpha: %s}\n"
		 "    real_servers:\n"
		 "      - address: \"%s\"\n",
		 vip, script, alpha ? "true" : "false", rs);
	f->cfg = load_ok(yaml);
	return &f->cfg->services[0].real_servers[0];
}

/* Start r's checker and run the loop to its first transition. */
static void start_check(struct fixture *f, const struct cfg_real_server *r)
{
	char err[256] = "";
	struct checker_args a = {
		.env = &f->env, .conf = &r->check, .real_server = r->address,
		.label = "web", .on_change = on_change, .arg = f, .seed = 1,
	};

	f->checker = checker_new(&a, err, sizeof(err));
	if (!f->checker)
		fail_msg("checker_new: %s", err);
	if (!loop_until(f->base, &f->changed, 3000))
		fail_msg("no transition within 3s; last result '%s'", checker_last(f->checker));
	assert_int_equal(f->changes, 1);
}

static void run_check(struct fixture *f, const char *script, const char *vip, const char *rs,
		      bool alpha)
{
	start_check(f, load_check(f, script, vip, rs, alpha));
}

static void check_args(void **state, const char *vip, const char *rs, const char *ip)
{
	struct fixture *f = *state;
	char body[512];

	snprintf(body, sizeof(body),
		 "[ \"$#\" = 2 ] && [ \"$1\" = '%s' ] && [ \"$2\" = 8080 ] && exit 0\n"
		 "echo \"bad args: $*\"\nexit 1", ip);
	run_check(f, write_script(f, "ok", body), vip, rs, true);
	assert_true(checker_is_up(f->checker));
	assert_string_equal(checker_reason(f->checker), "exit 0");
	assert_int_equal(strncmp(checker_last(f->checker), "ok: exit 0 in ", 14), 0);
}

static void test_up_with_the_real_servers_ip_and_port(void **state)
{
	check_args(state, "10.0.0.100:80", "127.0.0.1:8080", "127.0.0.1");
}

static void test_ipv6_without_brackets(void **state)
{
	check_args(state, "[2001:db8::100]:80", "[2001:db8::21]:8080", "2001:db8::21");
}

static void test_down_with_its_first_line(void **state)
{
	struct fixture *f = *state;

	run_check(f, write_script(f, "fail", "echo 'db down'\necho more\nexit 2"),
		  "10.0.0.100:80", "127.0.0.1:8080", false);
	assert_false(checker_is_up(f->checker));
	assert_string_equal(checker_reason(f->checker), "exit 2: db down");
	assert_string_equal(checker_last(f->checker), "fail: exit 2: db down");
}

static void test_down_quietly(void **state)
{
	struct fixture *f = *state;

	run_check(f, write_script(f, "quiet", "exit 3"), "10.0.0.100:80", "127.0.0.1:8080", false);
	assert_false(checker_is_up(f->checker));
	assert_string_equal(checker_reason(f->checker), "exit 3");
}

/* The pids a script wrote, one per line, into pids[n]; how many. */
static size_t read_pids(struct fixture *f, long *pids, size_t n)
{
	char path[128];
	size_t got = 0;
	FILE *in;

	snprintf(path, sizeof(path), "%s/pids", f->dir);
	in = fopen(path, "r");
	if (!in)
		return 0;
	while (got < n && fscanf(in, "%ld", &pids[got]) == 1)
		got++;
	fclose(in);
	return got;
}

static bool proc_gone(long pid)
{
	char path[64], buf[256], *rp;
	FILE *in;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	in = fopen(path, "r");
	if (!in)
		return true;
	n = fread(buf, 1, sizeof(buf) - 1, in);
	fclose(in);
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	return !rp || rp[1] == '\0' || rp[2] == 'Z' || rp[2] == 'X';
}

static void test_timeout_kills_the_script(void **state)
{
	struct fixture *f = *state;
	char body[512];
	long pids[2] = { 0, 0 };
	uint64_t end;

	snprintf(body, sizeof(body),
		 "/bin/sleep 5 &\necho $$ $! > %s/pids\nwait", f->dir);
	run_check(f, write_script(f, "slow", body), "10.0.0.100:80", "127.0.0.1:8080", false);
	assert_false(checker_is_up(f->checker));
	assert_string_equal(checker_reason(f->checker), "timeout after 0.3s running the script");
	checker_free(f->checker);
	f->checker = NULL;
	assert_int_equal(read_pids(f, pids, 2), 2);
	/* The script and the sleep it started, both: the whole group was killed. */
	end = now_ms() + 2000;
	while ((!proc_gone(pids[0]) || !proc_gone(pids[1])) && now_ms() < end) {
		bool never = false;

		loop_until(f->base, &never, 20);
	}
	assert_true(proc_gone(pids[0]));
	assert_true(proc_gone(pids[1]));
}

static void test_runs_as_script_user(void **state)
{
	struct fixture *f = *state;
	const struct passwd *pw = getpwnam("nobody");
	char body[256];

	if (geteuid() != 0 || !pw)
		skip();
	f->env.run_as = true;
	f->env.script_uid = pw->pw_uid;
	f->env.script_gid = pw->pw_gid;
	snprintf(body, sizeof(body),
		 "[ \"$(/usr/bin/id -u)\" = %u ] && exit 0\necho \"uid $(/usr/bin/id -u)\"\nexit 1",
		 (unsigned)pw->pw_uid);
	run_check(f, write_script(f, "uid", body), "10.0.0.100:80", "127.0.0.1:8080", true);
	assert_true(checker_is_up(f->checker));
	assert_string_equal(checker_reason(f->checker), "exit 0");
}

static void test_script_that_cannot_run(void **state)
{
	struct fixture *f = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/missing", f->dir);
	run_check(f, path, "10.0.0.100:80", "127.0.0.1:8080", false);
	assert_false(checker_is_up(f->checker));
	assert_non_null(strstr(checker_reason(f->checker), "exit 127: exec "));
	assert_non_null(strstr(checker_reason(f->checker), "/missing: No such file or directory"));
}

static void test_command_that_does_not_split(void **state)
{
	struct fixture *f = *state;

	/* The loader refuses it; this is what a probe does with one that got past. */
	struct cfg_real_server *r = load_check(f, "/bin/true", "10.0.0.100:80",
					       "127.0.0.1:8080", false);

	r->check.script = "/bin/sh -c 'oops";
	start_check(f, r);
	assert_false(checker_is_up(f->checker));
	assert_string_equal(checker_reason(f->checker),
			    "unterminated single quote opened at column 12");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_up_with_the_real_servers_ip_and_port,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_without_brackets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_down_with_its_first_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_down_quietly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_kills_the_script, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs_as_script_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_script_that_cannot_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_that_does_not_split, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_spawn.c - running programs: word splitting of commands, and real
 * programs run on an event loop: exit codes, the first output line,
 * timeouts that kill the whole process group, running as nobody, what
 * the child inherits (descriptors, signals), cancelling without a
 * zombie, and output too big for a pipe.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "spawn.h"

/* ---- splitting ---------------------------------------------------------------- */

/* Split cmd (with extra) and compare with the expected words, NULL-ended. */
static void split_is(const char *cmd, const char *const *extra, const char *const *want)
{
	char err[128] = "", **argv = NULL;
	int n = cmd_split(cmd, extra, &argv, err, sizeof(err));
	int i;

	if (n < 0)
		fail_msg("'%s': %s", cmd, err);
	for (i = 0; want[i]; i++) {
		assert_true(i < n);
		assert_string_equal(argv[i], want[i]);
	}
	assert_int_equal(n, i);
	assert_null(argv[n]);
	free(argv);
}

static void split_fails(const char *cmd, const char *msg)
{
	char err[128] = "", **argv = NULL;

	assert_int_equal(cmd_split(cmd, NULL, &argv, err, sizeof(err)), -1);
	assert_null(argv);
	assert_string_equal(err, msg);
}

static void test_split_plain(void **state)
{
	(void)state;
	split_is("/bin/true", NULL, (const char *const[]){ "/bin/true", NULL });
	split_is("  /usr/bin/check  -x\t--y=1  ", NULL,
		 (const char *const[]){ "/usr/bin/check", "-x", "--y=1", NULL });
	split_is("/a $HOME *.c ~", NULL,
		 (const char *const[]){ "/a", "$HOME", "*.c", "~", NULL });
}

static void test_split_quotes_and_escapes(void **state)
{
	(void)state;
	split_is("/bin/sh -c 'echo \"hi\" \\n; exit 3'", NULL,
		 (const char *const[]){ "/bin/sh", "-c", "echo \"hi\" \\n; exit 3", NULL });
	split_is("/x \"a \\\"b\\\" \\\\ \\n 'c'\"", NULL,
		 (const char *const[]){ "/x", "a \"b\" \\ \\n 'c'", NULL });
	split_is("/x a\\ b \\'c\\\" d\\\\", NULL,
		 (const char *const[]){ "/x", "a b", "'c\"", "d\\", NULL });
	split_is("/x ab'cd ef'\"g h\"i", NULL, (const char *const[]){ "/x", "abcd efg hi", NULL });
	split_is("/x '' \"\" z", NULL, (const char *const[]){ "/x", "", "", "z", NULL });
}

static void test_split_extra(void **state)
{
	(void)state;
	split_is("/check -q", (const char *const[]){ "10.0.0.1", "a b", "", NULL },
		 (const char *const[]){ "/check", "-q", "10.0.0.1", "a b", "", NULL });
	split_is("/check", (const char *const[]){ NULL }, (const char *const[]){ "/check", NULL });
}

static void test_split_errors(void **state)
{
	(void)state;
	split_fails("", "empty command");
	split_fails(" \t ", "empty command");
	split_fails(NULL, "empty command");
	split_fails("/x 'abc", "unterminated single quote opened at column 4");
	split_fails("/x \"ab\\\"", "unterminated double quote opened at column 4");
	split_fails("/x a'b'\"c", "unterminated double quote opened at column 8");
	split_fails("/x a\\", "the command ends in a backslash at column 5");
}

/* ---- running programs ------------------------------------------------------------ */

struct run {
	bool done;
	int calls;
	struct spawn_result r;
};

static void on_done(void *arg, const struct spawn_result *r)
{
	struct run *run = arg;

	run->done = true;
	run->calls++;
	run->r = *r;
}

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

/* Start cmd, run the loop until it is done (at most max_ms), return how long it took. */
static uint64_t run_cmd(struct event_base *base, struct spawn_args *a, struct run *run,
			uint64_t max_ms)
{
	char err[256] = "";
	uint64_t t0 = now_ms();
	struct spawn *s;

	memset(run, 0, sizeof(*run));
	a->done = on_done;
	a->arg = run;
	s = spawn_start(base, a, err, sizeof(err));
	if (!s)
		fail_msg("spawn_start %s: %s", a->cmd, err);
	assert_true(spawn_pid(s) > 0);
	assert_false(run->done);	/* never from inside spawn_start */
	if (!loop_until(base, &run->done, max_ms))
		fail_msg("%s did not end within %llums", a->cmd, (unsigned long long)max_ms);
	assert_int_equal(run->calls, 1);
	return now_ms() - t0;
}

/* No child of ours is left, not even a zombie (WNOWAIT leaves one to be found). */
static bool no_children(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD;
}

static int setup(void **state)
{
	struct event_base *base = event_base_new();

	*state = base;
	return base ? 0 : -1;
}

static int teardown(void **state)
{
	struct event_base *base = *state;

	/* Every test leaves its children reaped by the module. */
	assert_true(no_children());
	event_base_free(base);
	return 0;
}

static void test_exit_codes(void **state)
{
	struct run run;
	struct spawn_args a = { .cmd = "/bin/true" };

	run_cmd(*state, &a, &run, 3000);
	assert_true(run.r.exited);
	assert_int_equal(run.r.code, 0);
	assert_false(run.r.timed_out);
	assert_string_equal(run.r.line, "");

	a.cmd = "/bin/false";
	run_cmd(*state, &a, &run, 3000);
	assert_true(run.r.exited);
	assert_int_equal(run.r.code, 1);

	a.cmd = "/bin/sh -c 'echo hello; echo second >&2; exit 3'";
	run_cmd(*state, &a, &run, 3000);
	assert_true(run.r.exited);
	assert_int_equal(run.r.code, 3);
	assert_string_equal(run.r.line, "hello");
}

static void test_stderr_and_unprintable(void **state)
{
	struct run run;
	struct spawn_args a = { .cmd = "/bin/sh -c 'printf \"a\\tb\\001c\\r\\n2\\n\" >&2'" };

	run_cmd(*state, &a, &run, 3000);
	assert_true(run.r.exited);
	assert_int_equal(run.r.code, 0);
	assert_string_equal(run.r.line, "a b?c");

	/* A line longer than kept is cut at SPAWN_LINE_MAX. */
	a.cmd = "/bin/sh -c 'head -c 500 /dev/zero | tr \"\\\\0\" x'";
	run_cmd(*state, &a, &run, 3000);
	assert_int_equal(strlen(run.r.line), SPAWN_LINE_MAX);
	assert_int_equal(strspn(run.r.line, "x"), SPAWN_LINE_MAX);
}

static void test_extra_args_are_words(void **state)
{
	struct run run;
	struct spawn_args a = {
		.cmd = "/bin/sh -c 'echo \"$#:$1:$2\"' sh",
		.extra = (const char *const[]){ "a b", "*", NULL },
	};

	run_cmd(*state, &a, &run, 3000);
	assert_int_equal(run.r.code, 0);
	assert_string_equal(run.r.line, "2:a b:*");
}

static void test_killed_by_signal(void **state)
{
	struct run run;
	struct spawn_args a = { .cmd = "/bin/sh -c 'kill -TERM $$'" };

	run_cmd(*state, &a, &run, 3000);
	assert_false(run.r.exited);
	assert_int_equal(run.r.signal, SIGTERM);
	assert_false(run.r.timed_out);
}

static void test_cannot_run(void **state)
{
	struct run run;
	struct spawn_args a = { .cmd = "/nonexistent/prog arg" };
	char err[256] = "";

	run_cmd(*state, &a, &run, 3000);
	assert_true(run.r.exited);
	assert_int_equal(run.r.code, 127);
	assert_string_equal(run.r.line, "exec /nonexistent/prog: No such file or directory");

	a.cmd = "true";
	assert_null(spawn_start(*state, &a, err, sizeof(err)));
	assert_non_null(strstr(err, "'true' is not an absolute path"));
	a.cmd = "/bin/sh -c 'oops";
	assert_null(spawn_start(*state, &a, err, sizeof(err)));
	assert_string_equal(err, "unterminated single quote opened at column 12");
}

/* The process /proc says is pid is gone or a zombie. */
static bool proc_dead(pid_t pid)
{
	char path[64], buf[256], *rp;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	return !rp || rp[1] == '\0' || rp[2] == 'Z' || rp[2] == 'X';
}

static bool wait_dead(pid_t pid, uint64_t max_ms)
{
	for (uint64_t end = now_ms() + max_ms; now_ms() < end; usleep(10000))
		if (proc_dead(pid))
			return true;
	return proc_dead(pid);
}

static void test_timeout_kills_the_group(void **state)
{
	struct run run;
	struct spawn_args a = {
		.cmd = "/bin/sh -c 'sleep 10 & echo $!; sleep 10'",
		.timeout_ms = 200,
	};
	uint64_t took = run_cmd(*state, &a, &run, 3000);
	long grandchild = strtol(run.r.line, NULL, 10);

	assert_true(run.r.timed_out);
	assert_false(run.r.exited);
	assert_int_equal(run.r.signal, SIGKILL);
	assert_true(took >= 190);
	assert_true(took < 1000);
	/* The background sleep was in the group: it died with the shell. */
	assert_true(grandchild > 1);
	assert_true(wait_dead((pid_t)grandchild, 1000));
}

static void test_run_as_nobody(void **state)
{
	const struct passwd *pw = getpwnam("nobody");
	struct run run;
	struct spawn_args a = { .cmd = "/bin/sh -c 'echo $(/usr/bin/id -u) $(/usr/bin/id -G)'" };
	char want[64];

	gid_t mine[] = { 1, 2 }, saved[64];
	int n_saved;

	if (geteuid() != 0 || !pw)
		skip();
	a.run_as = true;
	a.uid = pw->pw_uid;
	a.gid = pw->pw_gid;
	/* Supplementary groups the child must not keep. */
	n_saved = getgroups(64, saved);
	assert_true(n_saved >= 0);
	assert_int_equal(setgroups(2, mine), 0);
	run_cmd(*state, &a, &run, 3000);
	assert_int_equal(setgroups((size_t)n_saved, saved), 0);
	snprintf(want, sizeof(want), "%u %u", (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
	assert_int_equal(run.r.code, 0);
	/* Root's supplementary groups are gone too: the gid is the only one. */
	assert_string_equal(run.r.line, want);
}

static void test_descriptors(void **state)
{
	struct run run;
	struct spawn_args a = { .cmd = "/bin/ls -m /proc/self/fd" };
	int leak = open("/dev/null", O_RDONLY);	/* no close-on-exec: the child must close it */
	int leak2 = dup2(leak, 40);

	assert_true(leak >= 0);
	assert_int_equal(leak2, 40);
	run_cmd(*state, &a, &run, 3000);
	assert_int_equal(run.r.code, 0);
	/* 3 is the directory ls reads: the lowest free number, so nothing else is open. */
	assert_string_equal(run.r.line, "0, 1, 2, 3");

	a.cmd = "/usr/bin/readlink /proc/self/fd/0";
	run_cmd(*state, &a, &run, 3000);
	assert_string_equal(run.r.line, "/dev/null");
	close(leak);
	close(leak2);
}

static void test_signals_reset(void **state)
{
	struct run run;
	struct spawn_args a = { .cmd = "/usr/bin/awk '/^Sig(Blk|Ign)/ { printf \"%s \", $2 }' "
				       "/proc/self/status" };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	sigset_t usr1, old_mask;
	unsigned long long blocked, ignored, libc_own = 0;
	char *end;

	/* What lvsd does: SIGPIPE ignored, signals blocked. */
	assert_int_equal(sigaction(SIGPIPE, &ign, &old_pipe), 0);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	assert_int_equal(sigprocmask(SIG_BLOCK, &usr1, &old_mask), 0);
	run_cmd(*state, &a, &run, 3000);
	assert_int_equal(sigaction(SIGPIPE, &old_pipe, NULL), 0);
	assert_int_equal(sigprocmask(SIG_SETMASK, &old_mask, NULL), 0);
	assert_int_equal(run.r.code, 0);
	blocked = strtoull(run.r.line, &end, 16);
	assert_true(end != run.r.line && *end == ' ');
	ignored = strtoull(end + 1, &end, 16);
	assert_true(*end == ' ');
	/* The C library keeps 32 up to SIGRTMIN for itself and lets nobody set
	 * them; whoever started this test (make does) may have left them ignored. */
	for (int sig = 32; sig < SIGRTMIN; sig++)
		libc_own |= 1ull << (sig - 1);
	assert_int_equal(blocked, 0);
	assert_int_equal(ignored & ~libc_own, 0);
}

static void test_cancel_leaves_nothing(void **state)
{
	struct run run = { 0 };
	struct spawn_args a = { .cmd = "/bin/sleep 10", .done = on_done, .arg = &run };
	char err[256] = "";
	struct spawn *s = spawn_start(*state, &a, err, sizeof(err));
	bool gone = false;
	pid_t pid;

	if (!s)
		fail_msg("spawn_start: %s", err);
	pid = spawn_pid(s);
	spawn_cancel(s);
	for (uint64_t end = now_ms() + 2000; !gone && now_ms() < end;) {
		loop_until(*state, &run.done, 20);
		gone = no_children();
	}
	/* Reaped by the module, silently; ASan would report the spawn if it leaked. */
	assert_true(gone);
	assert_true(proc_dead(pid));
	assert_false(run.done);
}

static void test_big_output_does_not_block(void **state)
{
	struct run run;
	struct spawn_args a = { .cmd = "/bin/sh -c '/usr/bin/yes | /usr/bin/head -c 1000000; "
				       "echo end >&2'",
				.timeout_ms = 5000 };

	run_cmd(*state, &a, &run, 6000);
	assert_false(run.r.timed_out);
	assert_true(run.r.exited);
	assert_int_equal(run.r.code, 0);
	assert_string_equal(run.r.line, "y");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_plain),
		cmocka_unit_test(test_split_quotes_and_escapes),
		cmocka_unit_test(test_split_extra),
		cmocka_unit_test(test_split_errors),
		cmocka_unit_test_setup_teardown(test_exit_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stderr_and_unprintable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extra_args_are_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_by_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cannot_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_kills_the_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_as_nobody, setup, teardown),
		cmocka_unit_test_setup_teardown(test_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signals_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_output_does_not_block, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

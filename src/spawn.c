/*
 * spawn.c - split a command into words, fork and exec it, watch it from
 * the event loop, and report how it ended with the first line it wrote.
 *
 * The child does only system calls between fork and exec: the parent may
 * have threads (the userspace core's) whose locks fork copied held, so
 * everything it needs (argv, /dev/null, the pipe, the descriptor bound)
 * is made before the fork, and its last words on failure are put
 * together with writev from static strings. The parent learns of the
 * exit through a pidfd instead of SIGCHLD, which would need a handler
 * and state shared by every spawn; the pipe is read as it fills so the
 * program never blocks on it, and only the first line is kept.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/util.h>

#include "spawn.h"

/* Reads of the pipe per wakeup: enough to keep up, few enough to share the loop. */
#define SPAWN_READS_PER_EVENT 16
/* Reads when the process is gone: what is left, unless a survivor keeps writing. */
#define SPAWN_READS_AT_EXIT 256
/* Descriptors to close by hand when the kernel has no close_range (before 5.9). */
#define SPAWN_FD_BOUND_DEFAULT 65536

struct spawn {
	pid_t pid;
	int out_fd;		/* the pipe's read end; -1 once it hit EOF */
	int pidfd;
	struct event out_ev, pid_ev, timer;
	bool cancelled;
	bool line_done;		/* the first line is complete (or full) */
	size_t line_len;
	struct spawn_result r;
	void (*done)(void *arg, const struct spawn_result *r);
	void *arg;
};

/* What the child needs, made before the fork. */
struct spawn_child {
	char **argv;
	int devnull;
	int out;		/* the pipe's write end */
	long fd_bound;		/* close below this when close_range is missing */
	bool run_as;
	uid_t uid;
	gid_t gid;
};


/* ---- the child, between fork and exec ---------------------------------------- */

/*
 * Say why the child cannot go on, into the pipe, and end as a shell does
 * when it cannot run a command. strerrordesc_np reads a static table,
 * where strerror may translate and allocate.
 */
static void __attribute__((noreturn)) child_fail(int fd, const char *what, const char *arg,
						 int err)
{
	const char *desc = strerrordesc_np(err);
	struct iovec iov[6];
	int n = 0;
	ssize_t ignored;

	iov[n++] = (struct iovec){ (char *)what, strlen(what) };
	if (arg) {
		iov[n++] = (struct iovec){ (char *)" ", 1 };
		iov[n++] = (struct iovec){ (char *)arg, strlen(arg) };
	}
	iov[n++] = (struct iovec){ (char *)": ", 2 };
	if (!desc)
		desc = "unknown error";
	iov[n++] = (struct iovec){ (char *)desc, strlen(desc) };
	iov[n++] = (struct iovec){ (char *)"\n", 1 };
	ignored = writev(fd, iov, n);	/* nobody to tell if even this fails */
	(void)ignored;
	_exit(127);
}

/* lvsd ignores SIGPIPE and blocks what libevent handles; a program expects neither. */
static void child_reset_signals(int fd)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	/* Fails only for SIGKILL, SIGSTOP and the C library's own: nothing to reset there. */
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);
	/* Unblocked only now: a handler of lvsd's must never run in the child. */
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		child_fail(fd, "sigprocmask", NULL, errno);
}

/* 0 is /dev/null, 1 and 2 the pipe, nothing else open. */
static void child_descriptors(const struct spawn_child *c)
{
	/* Moved above 2 first, so that no dup2 below meets its own target
	 * (a daemon may run with 0-2 closed), which would keep close-on-exec. */
	int in = fcntl(c->devnull, F_DUPFD_CLOEXEC, 3);
	int out = fcntl(c->out, F_DUPFD_CLOEXEC, 3);

	if (in < 0 || out < 0)
		child_fail(c->out, "fcntl F_DUPFD", NULL, errno);
	if (dup2(out, 1) < 0 || dup2(out, 2) < 0)
		child_fail(out, "dup2", NULL, errno);
	if (dup2(in, 0) < 0)
		child_fail(1, "dup2", NULL, errno);
	if (close_range(3, ~0U, 0) < 0) {
		for (long fd = 3; fd < c->fd_bound; fd++)
			(void)close((int)fd);	/* most are not open: EBADF is the rule */
	}
}

static void __attribute__((noreturn)) spawn_child(const struct spawn_child *c)
{
	child_reset_signals(c->out);
	if (setpgid(0, 0) < 0)
		child_fail(c->out, "setpgid", NULL, errno);
	child_descriptors(c);
	if (chdir("/") < 0)
		child_fail(1, "chdir", "/", errno);
	/* Groups first: after setuid there is no right left to change them. */
	if (c->run_as) {
		if (setgroups(1, &c->gid) < 0)
			child_fail(1, "setgroups", NULL, errno);
		if (setgid(c->gid) < 0)
			child_fail(1, "setgid", NULL, errno);
		if (setuid(c->uid) < 0)
			child_fail(1, "setuid", NULL, errno);
	}
	execv(c->argv[0], c->argv);
	child_fail(1, "exec", c->argv[0], errno);
}

/* ---- the parent: output, exit, timeout --------------------------------------- */

static void spawn_kill(struct spawn *s)
{
	/* The group takes the program's own children too; the pid alone
	 * covers a child that has not made its group yet. */
	(void)kill(-s->pid, SIGKILL);
	(void)kill(s->pid, SIGKILL);
}

static void spawn_close_output(struct spawn *s)
{
	if (s->out_fd < 0)
		return;
	event_del(&s->out_ev);
	close(s->out_fd);
	s->out_fd = -1;
}

static void spawn_free(struct spawn *s)
{
	spawn_close_output(s);
	event_del(&s->timer);
	event_del(&s->pid_ev);
	close(s->pidfd);
	free(s);
}

/* Keep the first line of what arrives, fit for a log line; the rest is dropped. */
static void spawn_keep(struct spawn *s, const unsigned char *buf, size_t n)
{
	for (size_t i = 0; i < n && !s->line_done; i++) {
		unsigned char ch = buf[i];

		if (ch == '\n' || s->line_len == SPAWN_LINE_MAX) {
			s->line_done = true;
			break;
		}
		if (ch == '\r')
			continue;
		s->r.line[s->line_len++] = ch == '\t' ? ' ' : (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
	}
}

/* Read at most `rounds` times; closes the pipe at EOF or on a read error. */
static void spawn_read(struct spawn *s, unsigned rounds)
{
	unsigned char buf[4096];

	while (s->out_fd >= 0 && rounds-- > 0) {
		ssize_t n = read(s->out_fd, buf, sizeof(buf));

		if (n > 0)
			spawn_keep(s, buf, (size_t)n);
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && errno == EAGAIN)
			return;
		else
			spawn_close_output(s);
	}
}

static void spawn_on_output(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	spawn_read(arg, SPAWN_READS_PER_EVENT);
}

static void spawn_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct spawn *s = arg;

	(void)fd;
	(void)what;
	s->r.timed_out = true;
	spawn_kill(s);
}

static void spawn_on_exit(evutil_socket_t fd, short what, void *arg)
{
	struct spawn *s = arg;
	struct spawn_result r;
	void (*done)(void *, const struct spawn_result *);
	void *done_arg;
	int status = 0;
	pid_t got;

	(void)fd;
	(void)what;
	do
		got = waitpid(s->pid, &status, WNOHANG);
	while (got < 0 && errno == EINTR);
	if (got == 0)
		return;		/* not gone after all: wait for the next wakeup */
	if (s->cancelled) {
		spawn_free(s);
		return;
	}
	/* All it wrote is in the pipe now; a survivor of its group may hold
	 * the pipe open, so do not wait for EOF. */
	spawn_read(s, SPAWN_READS_AT_EXIT);
	r = s->r;
	/* got < 0 is ECHILD: with SIGCHLD ignored the kernel reaped it and
	 * the status is lost; it reads as signal 0. */
	if (got > 0 && WIFEXITED(status)) {
		r.exited = true;
		r.code = WEXITSTATUS(status);
	} else if (got > 0 && WIFSIGNALED(status)) {
		r.signal = WTERMSIG(status);
	}
	done = s->done;
	done_arg = s->arg;
	spawn_free(s);
	done(done_arg, &r);
}

/* ---- starting and stopping ---------------------------------------------------- */

static int spawn_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Fork with every signal blocked, so none reaches lvsd's handlers in the child. */
static pid_t spawn_fork(const struct spawn_child *c, char *err, size_t errlen)
{
	sigset_t all, old;
	pid_t pid;
	int e;

	sigfillset(&all);
	e = pthread_sigmask(SIG_SETMASK, &all, &old);
	if (e) {
		snprintf(err, errlen, "pthread_sigmask: %s", strerror(e));
		return -1;
	}
	pid = fork();
	if (pid == 0)
		spawn_child(c);
	e = errno;
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);	/* the mask it gave back */
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(e));
		return -1;
	}
	/* The child does the same; whichever runs first, the group exists now. */
	(void)setpgid(pid, pid);
	return pid;
}

/* The descriptor bound for the close loop, when close_range is missing. */
static long spawn_fd_bound(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > SPAWN_FD_BOUND_DEFAULT)
		return SPAWN_FD_BOUND_DEFAULT;
	return (long)rl.rlim_cur;
}

/* The pipe (read end non-blocking, write end as a program expects) and /dev/null. */
static int spawn_open_fds(struct spawn_child *c, int *out_rd, char *err, size_t errlen)
{
	int p[2];

	c->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (c->devnull < 0) {
		snprintf(err, errlen, "open /dev/null: %s", strerror(errno));
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(c->devnull);
		return -1;
	}
	if (evutil_make_socket_nonblocking(p[0]) < 0) {
		snprintf(err, errlen, "making the output pipe non-blocking: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		close(c->devnull);
		return -1;
	}
	*out_rd = p[0];
	c->out = p[1];
	return 0;
}

/* The forked child's events; on failure it is killed and reaped here, at once. */
static int spawn_watch(struct spawn *s, struct event_base *base, uint64_t timeout_ms,
		       char *err, size_t errlen)
{
	struct timeval tv = { (time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000 };
	const char *what = NULL;

	event_assign(&s->out_ev, base, s->out_fd, EV_READ | EV_PERSIST, spawn_on_output, s);
	event_assign(&s->timer, base, -1, 0, spawn_on_timeout, s);
	s->pidfd = spawn_pidfd_open(s->pid);
	if (s->pidfd < 0)
		what = "pidfd_open (Linux 5.3 or later is needed)";
	else if (event_assign(&s->pid_ev, base, s->pidfd, EV_READ | EV_PERSIST,
			      spawn_on_exit, s) < 0 || event_add(&s->pid_ev, NULL) < 0)
		what = "watching the process";
	else if (event_add(&s->out_ev, NULL) < 0)
		what = "watching the output pipe";
	else if (timeout_ms && event_add(&s->timer, &tv) < 0)
		what = "arming the timeout";
	if (!what)
		return 0;
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	if (event_initialized(&s->pid_ev))
		event_del(&s->pid_ev);
	event_del(&s->out_ev);
	spawn_kill(s);
	/* Killed: this wait is short, and the only way not to leave a zombie. */
	while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
		;
	return -1;
}

static struct spawn *spawn_fail(struct spawn *s, struct spawn_child *c)
{
	if (s) {
		if (s->out_fd >= 0)
			close(s->out_fd);
		if (s->pidfd >= 0)
			close(s->pidfd);
	}
	free(s);
	free(c->argv);
	return NULL;
}

struct spawn *spawn_start(struct event_base *base, const struct spawn_args *a,
			  char *err, size_t errlen)
{
	struct spawn_child c = { .run_as = a->run_as, .uid = a->uid, .gid = a->gid };
	struct spawn *s = NULL;

	if (cmd_split(a->cmd, a->extra, &c.argv, err, errlen) < 0)
		return NULL;
	if (c.argv[0][0] != '/') {
		snprintf(err, errlen, "'%s' is not an absolute path (commands run "
			 "without a shell and without a PATH search)", c.argv[0]);
		return spawn_fail(s, &c);
	}
	c.fd_bound = spawn_fd_bound();
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory starting %s", c.argv[0]);
		return spawn_fail(s, &c);
	}
	s->pidfd = -1;
	s->done = a->done;
	s->arg = a->arg;
	if (spawn_open_fds(&c, &s->out_fd, err, errlen) < 0) {
		s->out_fd = -1;
		return spawn_fail(s, &c);
	}
	s->pid = spawn_fork(&c, err, errlen);
	close(c.out);
	close(c.devnull);
	if (s->pid < 0 || spawn_watch(s, base, a->timeout_ms, err, errlen) < 0)
		return spawn_fail(s, &c);
	free(c.argv);
	return s;
}

void spawn_cancel(struct spawn *s)
{
	if (!s)
		return;
	spawn_kill(s);
	s->cancelled = true;
	event_del(&s->timer);
	spawn_close_output(s);
}

pid_t spawn_pid(const struct spawn *s)
{
	return s->pid;
}

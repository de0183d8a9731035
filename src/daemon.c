/*
 * daemon.c - fork, setsid and a readiness pipe; an fcntl-locked pidfile.
 *
 * The pidfile is locked, not merely tested for existence: a stale file
 * left by a crash carries no lock and is taken over, while a live lvsd's
 * lock makes a second one refuse to start. fcntl locks do not survive a
 * fork, so the lock is taken by the process that keeps running.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"

static void parent_wait(int rfd, pid_t child)
{
	unsigned char status = 1;
	ssize_t n;

	do {
		n = read(rfd, &status, 1);
	} while (n < 0 && errno == EINTR);
	if (n != 1) {
		int ws;

		/* The child died before saying anything; report how. */
		if (waitpid(child, &ws, 0) == child && WIFSIGNALED(ws))
			fprintf(stderr, "lvsd: died during startup: signal %d\n",
				WTERMSIG(ws));
		status = 1;
	}
	_exit(status);
}

int daemon_detach(int *ready_fd, char *err, size_t errlen)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid > 0) {
		close(fds[1]);
		parent_wait(fds[0], pid);
	}
	close(fds[0]);
	if (setsid() < 0) {
		snprintf(err, errlen, "setsid: %s", strerror(errno));
		close(fds[1]);
		return -1;
	}
	if (chdir("/") < 0) {
		snprintf(err, errlen, "chdir /: %s", strerror(errno));
		close(fds[1]);
		return -1;
	}
	*ready_fd = fds[1];
	return 0;
}

void daemon_ready(int ready_fd, int status)
{
	unsigned char b = (unsigned char)status;
	int null;

	if (ready_fd < 0)
		return;
	if (write(ready_fd, &b, 1) != 1) {
		/* The parent is gone; nobody is left to tell. */
	}
	close(ready_fd);
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
}

static void describe_holder(int fd, const char *path, char *err, size_t errlen)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n > 0)
		buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		snprintf(err, errlen, "another lvsd is running (pid %ld) and holds "
			 "the pidfile %s", (long)fl.l_pid, path);
	else
		snprintf(err, errlen, "another lvsd (pid %s) holds the pidfile %s",
			 buf[0] ? buf : "?", path);
}

int pidfile_acquire(const char *path, char *err, size_t errlen)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char buf[32];
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	int n;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		if (errno == EAGAIN || errno == EACCES)
			describe_holder(fd, path, err, errlen);
		else
			snprintf(err, errlen, "cannot lock pidfile %s: %s", path,
				 strerror(errno));
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		snprintf(err, errlen, "cannot write pidfile %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void pidfile_release(const char *path, int fd)
{
	if (fd < 0)
		return;
	unlink(path);
	close(fd);
}

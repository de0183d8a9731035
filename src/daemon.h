/*
 * daemon.h - detaching from the terminal and holding the pidfile.
 *
 * The parent process does not exit until the child says it is running (or
 * why it is not), so `lvsd` returns a meaningful exit status and its
 * startup errors reach the terminal that started it.
 */
#ifndef LVSD_DAEMON_H
#define LVSD_DAEMON_H

#include <stddef.h>

/*
 * Fork into the background. Returns in the child with *ready_fd set (pass
 * it to daemon_ready); the parent never returns: it exits with the
 * child's reported status. -1 with err on failure (still in the caller).
 */
int daemon_detach(int *ready_fd, char *err, size_t errlen);

/*
 * Tell the waiting parent we are up (status 0) or failed (non-zero), then
 * point stdin/stdout/stderr at /dev/null. A no-op when ready_fd < 0.
 */
void daemon_ready(int ready_fd, int status);

/*
 * Create and lock the pidfile and write our pid into it. Returns the
 * locked descriptor (keep it open while running), or -1 with err; when
 * another live process holds the lock, err names its pid.
 */
int pidfile_acquire(const char *path, char *err, size_t errlen);

/* Remove the pidfile we hold and close it. */
void pidfile_release(const char *path, int fd);

#endif

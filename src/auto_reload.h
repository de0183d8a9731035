/*
 * auto_reload.h - global.auto_reload: reload when the configuration file
 * changes.
 *
 * inotify watches the file's directory, not the file, for the file's
 * name: an editor or a deployment tool that writes a new file and
 * renames it over the old one replaces the inode a file watch would be
 * on, while the directory sees the rename. A file that is a symlink has
 * its target's directory watched too. Events are gathered until the
 * file has been quiet for AUTO_RELOAD_QUIET_MS (at most
 * AUTO_RELOAD_MAX_WAIT_MS after the first), then one reload runs, which
 * succeeds or fails like any other (logged, in the status). The file
 * removed is only logged: the running configuration stays.
 */
#ifndef LVSD_AUTO_RELOAD_H
#define LVSD_AUTO_RELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lvsd;
struct auto_reload;

#define AUTO_RELOAD_QUIET_MS 150
#define AUTO_RELOAD_MAX_WAIT_MS 1000

/* One watched directory and the name in it that is the configuration. */
struct auto_reload_watch {
	int wd;
	char *dir, *name;
};

/* What a batch of inotify events says (bits). */
enum {
	AUTO_RELOAD_CHANGED = 1,	/* written and closed, or renamed into place */
	AUTO_RELOAD_GONE = 2,		/* deleted or renamed away */
	AUTO_RELOAD_LOST = 4,		/* a watch ended (its directory went) */
};

/* Scan len bytes of struct inotify_event records against n watches. */
unsigned auto_reload_scan(const void *buf, size_t len, const struct auto_reload_watch *w,
			  size_t n);
/*
 * How long to wait before reloading, the first event of the burst
 * having come at first_ms: quiet time, but never past the maximum wait.
 */
uint64_t auto_reload_delay(uint64_t first_ms, uint64_t now_ms);

/*
 * Follow global.auto_reload of the running model: start watching, stop,
 * or re-resolve a symlinked file. Called at startup and after each
 * reload; failures are logged (the daemon runs on without the watch).
 */
void auto_reload_sync(struct lvsd *ctx);
void auto_reload_free(struct auto_reload *ar);
/* The file is being watched now (NULL: no). */
bool auto_reload_watching(const struct auto_reload *ar);

#endif

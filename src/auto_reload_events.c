/*
 * auto_reload_events.c - the pure half of auto_reload: what a batch of
 * inotify events says about the configuration file, and how long to
 * wait before reloading. A change is a file written and closed or
 * renamed into place under the watched name; a write still in progress
 * (IN_MODIFY) is not one, so a slow writer is not read half-way.
 */
#include "config.h"

#include <string.h>
#include <sys/inotify.h>

#include "auto_reload.h"

unsigned auto_reload_scan(const void *buf, size_t len, const struct auto_reload_watch *w,
			  size_t n)
{
	const char *p = buf, *end = p + len;
	unsigned what = 0;

	while ((size_t)(end - p) >= sizeof(struct inotify_event)) {
		struct inotify_event ev;
		const char *name = p + sizeof(ev);

		memcpy(&ev, p, sizeof(ev));	/* the buffer need not be aligned */
		if ((size_t)(end - name) < ev.len)
			break;
		p = name + ev.len;
		if (ev.mask & IN_Q_OVERFLOW) {
			what |= AUTO_RELOAD_CHANGED;	/* events were lost: look again */
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			if (ev.wd != w[i].wd)
				continue;
			if (ev.mask & IN_IGNORED)
				what |= AUTO_RELOAD_LOST;
			else if (ev.len && strncmp(name, w[i].name, ev.len) == 0 &&
				 strlen(w[i].name) < ev.len)
				what |= ev.mask & (IN_CLOSE_WRITE | IN_MOVED_TO) ? AUTO_RELOAD_CHANGED
										 : AUTO_RELOAD_GONE;
		}
	}
	return what;
}

uint64_t auto_reload_delay(uint64_t first_ms, uint64_t now_ms)
{
	uint64_t last = first_ms + AUTO_RELOAD_MAX_WAIT_MS;

	if (now_ms >= last)
		return 0;
	return last - now_ms < AUTO_RELOAD_QUIET_MS ? last - now_ms : AUTO_RELOAD_QUIET_MS;
}

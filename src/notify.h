/*
 * notify.h - run the scripts users hang on events (a real server going
 * up or down; VRRP transitions later): no shell, as global.script_user,
 * bounded in time, fire and forget, with how each ended in the log.
 */
#ifndef LVSD_NOTIFY_H
#define LVSD_NOTIFY_H

#include "check.h"

/* Longest a notify script may run before it is killed. */
#define NOTIFY_TIMEOUT_MS 60000

/*
 * Run cmd (split into words as spawn.h says) with `extra` (NULL-ended)
 * appended. `what` names the event in the log ("notify_up of web
 * 10.0.0.21:80"). A failure to start is logged, not returned.
 */
void notify_run(const struct check_env *env, const char *what, const char *cmd,
		const char *const *extra);

#endif

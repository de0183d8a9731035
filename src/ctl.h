/*
 * ctl.h - the control socket: a unix stream socket, mode 0600, that
 * answers one request per connection (see ctl_proto.h for the format).
 *
 * Clients are untrusted in the sense that matters: one that sends garbage,
 * stalls, or disconnects halfway gets an error or is dropped, and nothing
 * else in the daemon notices.
 */
#ifndef LVSD_CTL_H
#define LVSD_CTL_H

#include <stddef.h>

struct lvsd;
struct ctl_server;

/*
 * Bind and listen on `path`. A stale socket file (nobody answering) is
 * replaced; a live one, or a path that is not a socket, is an error.
 * Returns the server, or NULL with err.
 */
struct ctl_server *ctl_server_start(struct lvsd *ctx, const char *path,
				    char *err, size_t errlen);

/* Close every client and the listener and remove the socket file. */
void ctl_server_stop(struct ctl_server *srv);

#endif

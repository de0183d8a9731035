/*
 * io.h - small blocking I/O helpers shared by lvsd and lvsctl.
 */
#ifndef LVSD_IO_H
#define LVSD_IO_H

#include <stddef.h>

/*
 * Write all of buf, retrying short writes and EINTR. 0, or -1 with errno.
 * Uses send(MSG_NOSIGNAL) on sockets so a peer that hung up yields EPIPE
 * instead of killing the caller with SIGPIPE.
 */
int io_write_all(int fd, const void *buf, size_t len);

#endif

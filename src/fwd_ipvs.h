/*
 * fwd_ipvs.h - the kernel IPVS forwarding core: lvsd's table put into
 * the kernel over generic netlink (libnl-genl-3), read back from it, and
 * its connection sync daemons run; see fwd_ipvs.c.
 */
#ifndef LVSD_FWD_IPVS_H
#define LVSD_FWD_IPVS_H

#include <stdbool.h>
#include <stddef.h>

#include "fwd.h"
#include "log.h"

/* Whether the running kernel offers the IPVS generic netlink family. */
bool fwd_ipvs_available(void);

/*
 * A core on the kernel's IPVS: one netlink socket, the family resolved
 * once, the kernel asked once that it answers (an unprivileged process
 * learns here that it may not). NULL with err.
 */
struct fwd *fwd_ipvs_new(struct logger *log, char *err, size_t errlen);

#endif

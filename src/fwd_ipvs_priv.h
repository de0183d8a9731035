/*
 * fwd_ipvs_priv.h - what the files of the kernel IPVS core share: the
 * core's state, and one request's conversation with the kernel
 * (fwd_ipvs_nl.c). Nothing outside fwd_ipvs*.c includes it.
 */
#ifndef LVSD_FWD_IPVS_PRIV_H
#define LVSD_FWD_IPVS_PRIV_H

#include <stdint.h>

#include "fwd.h"
#include "fwd_known.h"
#include "fwd_ipvs_msg.h"
#include "log.h"

struct nl_msg;
struct nl_sock;

struct ipvs_core {
	struct logger *log;
	struct nl_sock *sk;
	int family;
	uint32_t conn_tab_size;
	struct ipvs_timeouts timeouts;	/* as last read from the kernel, or set */
	/* The table as last read back, plus lvsd's edits since; what lvsd set per service. */
	struct fwd_known known;
	uint64_t edits;			/* requests that change the table, ever */
};

/* A request of the IPVS family; all but dumps ask for an acknowledgement. NULL: no memory. */
struct nl_msg *ipvs_req_new(struct ipvs_core *c, uint8_t cmd, int flags);

/*
 * Send m (freed here) and read the answer: an acknowledgement, or a dump
 * whose messages go to on_msg. 0, or -1 with err: what the kernel said
 * (*kerr its errno, 0 when the failure was ours).
 */
int ipvs_transact(struct ipvs_core *c, struct nl_msg *m, int (*on_msg)(struct nl_msg *, void *),
		  void *arg, int *kerr, char *err, size_t errlen);

/* A command without attributes, and its answer(s). */
int ipvs_simple_get(struct ipvs_core *c, uint8_t cmd, int flags,
		    int (*on_msg)(struct nl_msg *, void *), void *arg, char *err, size_t errlen);

/* fwd_ops.sync_set (fwd_ipvs_sync.c). */
int ipvs_sync_set(struct fwd *f, const struct fwd_sync_conf *want, char *err, size_t errlen);

#endif

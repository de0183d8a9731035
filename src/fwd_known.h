/*
 * fwd_known.h - a forwarding table as lvsd last knew it, without asking
 * the core: the kernel core's last full read-back, plus every edit lvsd
 * made since. A reload diffs against it, so that it sends the kernel the
 * difference at once instead of first dumping 10,000 destinations; the
 * periodic repair pass still reads the kernel's table and replaces it.
 *
 * It also remembers what the kernel cannot hold (a service's name, the
 * userspace-only connect timeout, durations finer than whole seconds):
 * the service conf lvsd last set, which the core puts back over what a
 * read-back gives when the kernel holds exactly that.
 *
 * Plain data, no I/O: unit-tested alone. Services are found by hash,
 * destinations by binary search in each service's sorted array.
 */
#ifndef LVSD_FWD_KNOWN_H
#define LVSD_FWD_KNOWN_H

#include <stdbool.h>

#include "fwd.h"
#include "hmap.h"

struct fwd_known {
	struct hmap services;		/* of struct fwd_known_svc, by key */
	/*
	 * False until the first read-back, and after an edit could not be
	 * recorded (out of memory): then only a read-back is to be trusted.
	 */
	bool valid;
};

/* 0, or -1 when out of memory. */
int fwd_known_init(struct fwd_known *k);
void fwd_known_free(struct fwd_known *k);

/* A successful add or edit of a service: conf as lvsd set it (name copied). */
void fwd_known_service_set(struct fwd_known *k, const struct fwd_service_conf *conf);
void fwd_known_service_del(struct fwd_known *k, const struct fwd_service_key *key);
/* A successful add or edit of a destination of the service key. */
void fwd_known_dest_set(struct fwd_known *k, const struct fwd_service_key *key,
			const struct fwd_dest_conf *d);
void fwd_known_dest_del(struct fwd_known *k, const struct fwd_service_key *key,
			const struct lvs_addr *addr);

/* The conf lvsd last set for a service, or NULL. Valid until the next change. */
const struct fwd_service_conf *fwd_known_service_conf(const struct fwd_known *k,
						       const struct fwd_service_key *key);

/*
 * Forget everything and remember t (a full read-back, its services'
 * confs already merged with what lvsd had set); k becomes valid, and
 * t's service names point into k. 0, or -1 when out of memory (k is then
 * unchanged but not valid).
 */
int fwd_known_replace(struct fwd_known *k, struct fwd_table *t);

/*
 * A deep copy of what k holds, as a table the caller frees with
 * fwd_table_free(); out->stale is set (counters are as of the last
 * read-back, zero for what lvsd added since). 0, or -1 when out of memory.
 */
int fwd_known_copy(const struct fwd_known *k, struct fwd_table *out);

#endif

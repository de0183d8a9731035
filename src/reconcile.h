/*
 * reconcile.h - make the forwarding core's table what the model says.
 *
 * The desired table is computed from the configuration (and, as they
 * arrive, health and operator overrides); the core's actual table is read
 * back through fwd_ops->table; only the differences are applied, so
 * untouched services and real servers keep their connections, counters
 * and scheduler state across a reload.
 */
#ifndef LVSD_RECONCILE_H
#define LVSD_RECONCILE_H

#include <stddef.h>

#include "cfg.h"
#include "fwd.h"
#include "log.h"

struct reconcile_result {
	unsigned services_added, services_changed, services_removed;
	unsigned dests_added, dests_changed, dests_removed;
	unsigned failures;		/* operations the core refused (logged) */
};

/* The service conf and destination confs a configured service asks for. */
void reconcile_service_conf(const struct cfg *cfg, const struct cfg_service *s,
			    struct fwd_service_conf *out);
void reconcile_dest_conf(const struct cfg_service *s, const struct cfg_real_server *rs,
			 struct fwd_dest_conf *out);

/*
 * Apply cfg to the core. Every refused operation is logged with its
 * reason and counted; the rest still goes ahead. 0 if all went in, -1 if
 * the table could not be read or anything failed.
 */
int reconcile(struct fwd *f, const struct cfg *cfg, struct logger *log,
	      struct reconcile_result *res);

#endif

/*
 * reconcile.h - make the forwarding core's table what the model says.
 *
 * The desired table is computed from the configuration (and, as they
 * arrive, health and operator overrides); the core's actual table is read
 * back through fwd_ops->table (or taken as the core remembers it,
 * fwd_ops->table_known); only the differences are applied, so
 * untouched services and real servers keep their connections, counters
 * and scheduler state across a reload.
 */
#ifndef LVSD_RECONCILE_H
#define LVSD_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "drain.h"
#include "fwd.h"
#include "log.h"

struct reconcile_result {
	unsigned services_added, services_changed, services_removed;
	unsigned dests_added, dests_changed, dests_removed;
	unsigned failures;		/* operations the core refused (logged) */
	unsigned new_failures;		/* of those, refused differently in the previous pass */
	/*
	 * What was refused, as hashes of the log lines. In: the previous
	 * pass's (zero the struct before the first pass): a refusal repeated
	 * from it is logged at debug, so a pass every few seconds does not
	 * repeat the same error. Out: this pass's.
	 */
	uint32_t refused[32];
	unsigned n_refused;
	uint32_t prev[32];		/* reconcile()'s copy of the "in" */
	unsigned n_prev;
	unsigned dests_draining;	/* removed from the model, still draining */
	unsigned services_draining;	/* the same, whole virtual services */
	double ms_table, ms_apply;	/* reading the core's table; the diff and its edits */
};

/* What the checks and the operator say a real server's place in the table is. */
enum reconcile_rs_state {
	RECONCILE_RS_IN,	/* its configured weight */
	RECONCILE_RS_QUIESCED,	/* weight 0: no new connections, the old ones drain */
	RECONCILE_RS_OUT,	/* not in the table */
};

/* Health as reconcile sees it (src/health.c provides it); NULL: all in, no sorry server. */
struct reconcile_view {
	enum reconcile_rs_state (*rs_state)(void *arg, const struct cfg_service *s,
					    const struct cfg_real_server *rs);
	/* The service lost quorum: its sorry server takes the traffic. */
	bool (*sorry_active)(void *arg, const struct cfg_service *s);
	void *arg;
	/*
	 * Real servers the model no longer has are drained here first (see
	 * drain.h); NULL: they are removed at once.
	 */
	struct drain *drain;
};

/* The table's key of a configured service. */
struct fwd_service_key reconcile_service_key(const struct cfg_service *s);
/* The service conf and destination confs a configured service asks for. */
void reconcile_service_conf(const struct cfg *cfg, const struct cfg_service *s,
			    struct fwd_service_conf *out);
void reconcile_dest_conf(const struct cfg_service *s, const struct cfg_real_server *rs,
			 struct fwd_dest_conf *out);

/*
 * The destinations a service must have, as view says (NULL: all in):
 * quiesced real servers at weight 0, out ones left out; with the sorry
 * server active, every real server at weight 0 and the sorry server at
 * weight 1. out has room for s->n_real_servers + 1; returns the count.
 */
size_t reconcile_desired_dests(const struct cfg_service *s, const struct reconcile_view *view,
			       struct fwd_dest_conf *out);
/* Is addr a configured real server of s (its port filled from the
 * service's), or its sorry server? */
bool reconcile_in_config(const struct cfg_service *s, const struct lvs_addr *addr);
bool reconcile_is_sorry_server(const struct cfg_service *s, const struct lvs_addr *addr);

/*
 * Apply cfg to the core. Every refused operation is logged with its
 * reason and counted; the rest still goes ahead. 0 if all went in, -1 if
 * the table could not be read or anything failed.
 *
 * In lvsd's own (userspace) core every service is lvsd's: one cfg does
 * not have is removed (drained first, as a real server is, when view has
 * a drain set and prev had the service). The kernel's table (fwd_ops.kernel) is shared with
 * ipvsadm and others: lvsd owns the services of cfg and, during a reload,
 * those of the configuration before it (prev, else NULL); every other
 * service is left as it is.
 */
int reconcile(struct fwd *f, const struct cfg *cfg, const struct cfg *prev,
	      const struct reconcile_view *view, struct logger *log,
	      struct reconcile_result *res);

/*
 * The same, against the table as the core last knew it (fwd_ops.table_known)
 * instead of a read-back: a reload or a health change sends the core
 * only the difference, at once, without first dumping a big kernel
 * table. What someone else changed since the last read-back is put right
 * by the next full pass. A destination being drained is not removed by
 * such a pass (its connection counts are old): a full pass decides.
 */
int reconcile_known(struct fwd *f, const struct cfg *cfg, const struct cfg *prev,
		    const struct reconcile_view *view, struct logger *log,
		    struct reconcile_result *res);

/*
 * reconcile_known after a reload from prev to cfg: the services cfg
 * shares with prev by pool (their text did not change, cfg_incr.c) are
 * left alone, so a one-line edit costs one service's work. Every service
 * is looked at when the last pass left refusals or something drains.
 */
int reconcile_reload(struct fwd *f, const struct cfg *cfg, const struct cfg *prev,
		     const struct reconcile_view *view, struct logger *log,
		     struct reconcile_result *res);

/*
 * reconcile() against a table already read (fwd_ops.table_read_*),
 * which it takes and frees; ms_table: the time the read took, for the log.
 */
int reconcile_table(struct fwd *f, const struct cfg *cfg, const struct reconcile_view *view,
		    struct logger *log, struct reconcile_result *res, struct fwd_table *t,
		    double ms_table);

/*
 * Remove from the core the services cfg has and those d drains (lvsd's,
 * on its way out), leaving every other. The count removed, or -1 if
 * anything failed (logged).
 */
int reconcile_remove_owned(struct fwd *f, const struct cfg *cfg, const struct drain *d,
			   struct logger *log);

#endif

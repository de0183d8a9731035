/*
 * health.h - what the checks and the operator say about each real server,
 * and what that means for its service.
 *
 * The daemon keeps one struct health. After every (re)load, health_sync()
 * makes its checkers match the model: a real server whose check did not
 * change keeps its checker, state and counters; new ones start (down if
 * `alpha`), gone ones stop. Each real server is IN (its configured
 * weight), QUIESCED (weight 0: no new connections, the old ones drain)
 * or OUT (not in the table), from, in this order: an operator override
 * (`lvsctl drain` / `enable`; `auto` hands it back to the check), its
 * check, and the service's on_failure. A service whose IN weight falls
 * under quorum - hysteresis loses quorum and its sorry server takes the
 * traffic until the weight is back at quorum + hysteresis. health never
 * touches the forwarding core: it calls on_change, and reconcile asks it
 * (reconcile_view) what the table must be.
 */
#ifndef LVSD_HEALTH_H
#define LVSD_HEALTH_H

#include <stdbool.h>
#include <sys/queue.h>

#include "cfg.h"
#include "check.h"
#include "hmap.h"
#include "reconcile.h"

enum health_override { HEALTH_AUTO, HEALTH_DRAIN, HEALTH_ENABLE };
extern const char *const health_override_names[];	/* "auto", "drain", "enable" */

struct health_svc;

struct health_rs {
	TAILQ_ENTRY(health_rs) entry;
	struct hmap_node node;			/* in svc->by_addr */
	struct health_svc *svc;
	const struct cfg_real_server *conf;	/* in the running model */
	struct lvs_addr addr;			/* as traffic reaches it (port filled) */
	struct checker *checker;		/* NULL: no check, always healthy */
	char *check_error;			/* the check could not start: down, this is why */
	enum health_override override;
	uint64_t counted;			/* its share of svc->weight_in: its weight while IN */
	bool seen;				/* health_sync's mark */
	struct health *h;
};

TAILQ_HEAD(health_rs_list, health_rs);

struct health_svc {
	TAILQ_ENTRY(health_svc) entry;
	struct hmap_node node;			/* in health->by_key */
	struct fwd_service_key key;
	const struct cfg_service *conf;
	struct health_rs_list servers;
	struct hmap by_addr;			/* struct health_rs */
	uint64_t weight_in;			/* the weight of its IN servers, kept as they change */
	bool quorum_up;
	bool seen;
};

TAILQ_HEAD(health_svc_list, health_svc);

struct health {
	struct check_env env;
	struct health_svc_list services;
	struct hmap by_key;			/* struct health_svc */
	void (*on_change)(void *arg);	/* the table should be reconciled */
	void *arg;
	uint64_t seed;
	size_t n_checks;			/* real servers with a check in the config synced */
};

/* 0, or -1 when out of memory. */
int health_init(struct health *h, struct event_base *base, struct logger *log,
		void (*on_change)(void *arg), void *arg);
void health_free(struct health *h);

/*
 * Make the checkers match cfg (the model that is about to run). -1 with
 * err, and nothing changed, when global.script_user does not exist. A
 * check that cannot start (a CA file gone since the load, no memory) is
 * logged and its real server counts as down: the rest of cfg still runs.
 */
int health_sync(struct health *h, const struct cfg *cfg, char *err, size_t errlen);

/* The view reconcile reads: each real server's verdict, each service's sorry state. */
struct reconcile_view health_view(struct health *h);

struct health_svc *health_find_service(const struct health *h, const struct cfg_service *s);
struct health_rs *health_find_rs(const struct health_svc *hs, const struct lvs_addr *addr);
/* The real server a control command names: SERVICE (name or VIP:port) and REAL (IP:port). */
struct health_rs *health_lookup(struct health *h, const struct cfg *cfg, const char *service,
				const char *real, char *err, size_t errlen);
/* An operator's word; logged; on_change follows. */
void health_set_override(struct health_rs *r, enum health_override o);

bool health_rs_healthy(const struct health_rs *r);
/* The last probe's result, as check.h words it ("" with no check or none yet). */
const char *health_rs_last_check(const struct health_rs *r);
enum reconcile_rs_state health_rs_state(const struct health_rs *r);

#endif

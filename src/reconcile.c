/*
 * reconcile.c - diff the desired table against the core's and apply the
 * difference: services gone are deleted, new ones added, changed ones
 * edited in place; within a service the same for destinations. A weight
 * change is an edit, never a delete and add, so connections survive it.
 * A destination the model no longer names is drained first when the view
 * has a drain set: weight 0, and removed by a later pass once it is empty
 * or its time is up.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile.h"

/* The drain entry of a whole virtual service has no real server's address. */
static const struct lvs_addr whole_service;

/* The kernel has no PROXY header and no connect timeout: not compared there. */
static bool service_conf_equal(const struct fwd *f, const struct fwd_service_conf *a,
			       const struct fwd_service_conf *b)
{
	return a->scheduler == b->scheduler && a->flags == b->flags &&
	       a->persistence_timeout == b->persistence_timeout &&
	       a->persistence_plen == b->persistence_plen &&
	       a->timeout_tcp == b->timeout_tcp && a->timeout_tcpfin == b->timeout_tcpfin &&
	       a->timeout_udp == b->timeout_udp &&
	       (f->ops->kernel || (a->proxy_protocol == b->proxy_protocol &&
				   a->timeout_connect == b->timeout_connect));
}

static bool dest_conf_equal(const struct fwd_dest_conf *a, const struct fwd_dest_conf *b)
{
	return a->weight == b->weight && a->method == b->method &&
	       a->u_threshold == b->u_threshold && a->l_threshold == b->l_threshold;
}

/*
 * Matching is by sorted arrays and binary search, never by scanning: a
 * reload of 1,000 services of 10 real servers each, or of one service of
 * 10,000, must not cost a pass over one side for each element of the other.
 */
static int key_cmp(const void *a, const void *b)
{
	return fwd_service_key_cmp(a, b);
}

static int info_cmp(const void *a, const void *b)
{
	return fwd_service_key_cmp(&((const struct fwd_service_info *)a)->conf.key,
				   &((const struct fwd_service_info *)b)->conf.key);
}

static int dest_info_cmp(const void *a, const void *b)
{
	return addr_cmp(&((const struct fwd_dest_info *)a)->conf.addr,
			&((const struct fwd_dest_info *)b)->conf.addr);
}

static int addr_cmp_v(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

/* The snapshot is ours: its services by key, each one's destinations by address. */
static void sort_table(struct fwd_table *t)
{
	if (t->n_services)
		qsort(t->services, t->n_services, sizeof(t->services[0]), info_cmp);
	for (size_t i = 0; i < t->n_services; i++)
		if (t->services[i].n_dests)
			qsort(t->services[i].dests, t->services[i].n_dests,
			      sizeof(t->services[i].dests[0]), dest_info_cmp);
}

static const struct fwd_service_info *find_info(const struct fwd_table *t,
						const struct fwd_service_key *k)
{
	struct fwd_service_info key = { .conf.key = *k };

	return t->n_services ? bsearch(&key, t->services, t->n_services, sizeof(key), info_cmp)
			     : NULL;
}

static const struct fwd_dest_info *find_dest(const struct fwd_service_info *have,
					     const struct lvs_addr *addr)
{
	struct fwd_dest_info key = { .conf.addr = *addr };

	return have && have->n_dests ? bsearch(&key, have->dests, have->n_dests, sizeof(key),
					       dest_info_cmp) : NULL;
}

/* FNV-1a, enough to tell one log line from another. */
static uint32_t line_hash(const char *a, const char *b, const char *c)
{
	const char *parts[] = { a, b, c };
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < 3; i++)
		for (const char *p = parts[i]; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

/*
 * Log a refused operation in one shape, and count it; at debug when the
 * previous pass (res->refused, read in reconcile()) was refused the same.
 */
static void refused(struct logger *log, struct reconcile_result *res,
		    const char *what, const char *label, const char *err)
{
	uint32_t h = line_hash(what, label, err);
	bool repeat = false;

	for (unsigned i = 0; i < res->n_prev && !repeat; i++)
		repeat = res->prev[i] == h;
	log_msg(log, repeat ? LOG_LVL_DEBUG : LOG_LVL_ERROR,
		"forwarding core refused to %s %s: %s", what, label, err);
	if (!repeat)
		res->new_failures++;
	if (res->n_refused < sizeof(res->refused) / sizeof(res->refused[0]))
		res->refused[res->n_refused++] = h;
	res->failures++;
}

/*
 * A destination the model no longer has: 1 while it drains (kept at
 * weight 0), 0 when it is to be removed now.
 */
static int drain_step(struct fwd *f, const struct cfg_service *s, const struct fwd_service_key *k,
		      const struct fwd_dest_info *cur, bool stale, struct drain *d,
		      struct logger *log, struct reconcile_result *res)
{
	char a[ADDR_STRLEN], label[128], err[256];
	struct fwd_dest_conf dc = cur->conf;
	struct drain_entry *e;
	enum drain_verdict v;
	bool started;

	addr_format(&cur->conf.addr, a, sizeof(a));
	cfg_service_label(s, label, sizeof(label));
	if (!(e = drain_start(d, k, &cur->conf.addr, s->drain_timeout, &started))) {
		log_error(log, "real server %s of %s: out of memory; removed without draining", a, label);
		return 0;
	}
	v = drain_decide(e, cur->activeconns, cur->inactconns, drain_now(d));
	/* Counts as of the last read may have grown since: only a read-back says "empty". */
	if (v == DRAIN_DONE && stale)
		v = DRAIN_WAIT;
	if (v != DRAIN_WAIT) {
		/* Not marked: the pass forgets the entry. */
		log_notice(log, "real server %s of %s: %s%u connections left; removing it", a, label,
			   v == DRAIN_DONE ? "drained, " : "drain_timeout passed with ",
			   cur->activeconns + cur->inactconns);
		return 0;
	}
	e->seen = true;
	res->dests_draining++;
	if (started)
		log_notice(log, "real server %s of %s is no longer configured: draining (weight 0) "
			   "its %u connections for at most %.3g s", a, label,
			   cur->activeconns + cur->inactconns, (double)s->drain_timeout / 1000);
	if (dc.weight == 0)
		return 1;
	dc.weight = 0;
	if (f->ops->dest_edit(f, k, &dc, err, sizeof(err)) < 0)
		refused(log, res, "drain real server", a, err);
	else
		res->dests_changed++;
	return 1;
}

/* The model names a destination that was draining: it serves again, connections intact. */
static void drain_cancel(const struct cfg_service *s, const struct fwd_service_key *k,
			 const struct lvs_addr *addr, struct drain *d, struct logger *log)
{
	char a[ADDR_STRLEN], label[128];

	if (!drain_count(d) || !drain_find(d, k, addr))
		return;
	log_notice(log, "real server %s of %s is configured again: its drain ends",
		   addr_format(addr, a, sizeof(a)), cfg_service_label(s, label, sizeof(label)));
}

static void sync_dests(struct fwd *f, const struct cfg_service *s,
		       const struct fwd_service_info *have, bool stale,
		       const struct reconcile_view *view, struct logger *log,
		       struct reconcile_result *res)
{
	struct fwd_service_key k = reconcile_service_key(s);
	struct fwd_dest_conf *want = calloc(s->n_real_servers + 1, sizeof(*want));
	struct lvs_addr *wanted = calloc(s->n_real_servers + 1, sizeof(*wanted));
	char err[256], a[ADDR_STRLEN];
	size_t n;

	if (!want || !wanted) {
		refused(log, res, "update", "real servers", "out of memory");
		free(want);
		free(wanted);
		return;
	}
	n = reconcile_desired_dests(s, view, want);
	/* want stays in configuration order: it is the order destinations are added in. */
	for (size_t j = 0; j < n; j++)
		wanted[j] = want[j].addr;
	qsort(wanted, n, sizeof(*wanted), addr_cmp_v);
	for (size_t i = 0; have && i < have->n_dests; i++) {
		const struct lvs_addr *addr = &have->dests[i].conf.addr;

		if (n && bsearch(addr, wanted, n, sizeof(*wanted), addr_cmp_v))
			continue;
		if (view && view->drain && !reconcile_in_config(s, addr) && !reconcile_is_sorry_server(s, addr) &&
		    drain_step(f, s, &k, &have->dests[i], stale, view->drain, log, res))
			continue;
		if (f->ops->dest_del(f, &k, addr, err, sizeof(err)) < 0)
			refused(log, res, "remove real server", addr_format(addr, a, sizeof(a)), err);
		else
			res->dests_removed++;
	}
	for (size_t j = 0; j < n; j++) {
		const struct fwd_dest_conf *dc = &want[j];
		const struct fwd_dest_info *cur = find_dest(have, &dc->addr);

		if (cur && view && view->drain)
			drain_cancel(s, &k, &dc->addr, view->drain, log);
		if (cur && dest_conf_equal(&cur->conf, dc))
			continue;
		if ((cur ? f->ops->dest_edit : f->ops->dest_add)(f, &k, dc, err, sizeof(err)) < 0)
			refused(log, res, cur ? "change real server" : "add real server",
				addr_format(&dc->addr, a, sizeof(a)), err);
		else if (cur)
			res->dests_changed++;
		else
			res->dests_added++;
	}
	free(want);
	free(wanted);
}

static void sync_service(struct fwd *f, const struct cfg *cfg, const struct cfg_service *s,
			 const struct fwd_table *t, const struct reconcile_view *view,
			 struct logger *log, struct reconcile_result *res)
{
	struct fwd_service_conf want;
	const struct fwd_service_info *have;
	char err[256], label[128];

	reconcile_service_conf(cfg, s, &want);
	have = find_info(t, &want.key);
	cfg_service_label(s, label, sizeof(label));
	if (have && view && drain_count(view->drain) &&
	    drain_find(view->drain, &want.key, &whole_service))
		log_notice(log, "virtual service %s is configured again: its drain ends", label);
	if (!have) {
		if (f->ops->service_add(f, &want, err, sizeof(err)) < 0) {
			refused(log, res, "add virtual service", label, err);
			return;
		}
		res->services_added++;
	} else if (!service_conf_equal(f, &have->conf, &want)) {
		if (f->ops->service_edit(f, &want, err, sizeof(err)) < 0)
			refused(log, res, "change virtual service", label, err);
		else
			res->services_changed++;
	}
	sync_dests(f, s, have, t->stale, view, log, res);
}

/* A scan: only for the few services that the new configuration lacks, and at stop. */
static const struct cfg_service *find_cfg_service(const struct cfg *cfg,
						  const struct fwd_service_key *k)
{
	for (size_t i = 0; i < cfg->n_services; i++) {
		struct fwd_service_key ck = reconcile_service_key(&cfg->services[i]);

		if (fwd_service_key_equal(&ck, k))
			return &cfg->services[i];
	}
	return NULL;
}

/*
 * A service lvsd may delete: in its own core, any; in the kernel's table,
 * only one the previous configuration had (the running one's are kept),
 * or one it is draining since a reload removed it.
 */
static bool owned(const struct fwd *f, const struct cfg *prev, const struct drain *d,
		  const struct fwd_service_key *k)
{
	return !f->ops->kernel || (prev && find_cfg_service(prev, k)) ||
	       (drain_count(d) && drain_find(d, k, &whole_service));
}

static uint32_t service_conns(const struct fwd_service_info *have)
{
	uint32_t n = 0;

	for (size_t i = 0; i < have->n_dests; i++)
		n += have->dests[i].activeconns + have->dests[i].inactconns;
	return n;
}

/*
 * A virtual service the model no longer has: 1 while it drains (its real
 * servers kept at weight 0 until its connections end or its drain_timeout
 * passes), 0 when it is to be removed now. Only a service a configuration
 * of lvsd's had (prev), or one already draining, is drained.
 */
static int service_drain_step(struct fwd *f, const struct cfg *prev,
			      const struct fwd_service_info *have, bool stale, struct drain *d,
			      struct logger *log, struct reconcile_result *res)
{
	const struct fwd_service_key *k = &have->conf.key;
	const struct cfg_service *s = prev ? find_cfg_service(prev, k) : NULL;
	struct drain_entry *e = drain_find(d, k, &whole_service);
	char label[128], err[256], a[ADDR_STRLEN];
	uint32_t conns = service_conns(have);
	bool started = false;
	enum drain_verdict v;

	if (!e && !s)
		return 0;
	if (s)
		cfg_service_label(s, label, sizeof(label));
	else
		snprintf(label, sizeof(label), "%s", have->conf.name ? have->conf.name : "?");
	if (!e && !(e = drain_start(d, k, &whole_service, s->drain_timeout, &started))) {
		log_error(log, "virtual service %s: out of memory; removed without draining", label);
		return 0;
	}
	v = drain_decide(e, conns, 0, drain_now(d));
	if (v == DRAIN_DONE && stale)
		v = DRAIN_WAIT;
	if (v != DRAIN_WAIT) {
		log_notice(log, "virtual service %s: %s%u connections left; removing it", label,
			   v == DRAIN_DONE ? "drained, " : "drain_timeout passed with ", conns);
		return 0;
	}
	e->seen = true;
	res->services_draining++;
	if (started)
		log_notice(log, "virtual service %s is no longer configured: draining (weight 0) "
			   "its %u connections for at most %.3g s", label, conns,
			   (double)s->drain_timeout / 1000);
	for (size_t i = 0; i < have->n_dests; i++) {
		struct fwd_dest_conf dc = have->dests[i].conf;

		if (dc.weight == 0)
			continue;
		dc.weight = 0;
		if (f->ops->dest_edit(f, k, &dc, err, sizeof(err)) < 0)
			refused(log, res, "drain real server", addr_format(&dc.addr, a, sizeof(a)),
				err);
		else
			res->dests_changed++;
	}
	return 1;
}

static int ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Which services of cfg prev shares by pool (an incremental reload kept
 * them as they were): one flag per service, or NULL (none, or no memory:
 * then every service is synced, which is only slower).
 */
static bool *shared_services(const struct cfg *cfg, const struct cfg *prev)
{
	uintptr_t *pools = calloc(prev->n_services + 1, sizeof(*pools));
	bool *same = calloc(cfg->n_services + 1, sizeof(*same));

	if (!pools || !same) {
		free(pools);
		free(same);
		return NULL;
	}
	for (size_t i = 0; i < prev->n_services; i++)
		pools[i] = (uintptr_t)prev->services[i].pool;
	qsort(pools, prev->n_services, sizeof(*pools), ptr_cmp);
	for (size_t i = 0; i < cfg->n_services; i++) {
		uintptr_t p = (uintptr_t)cfg->services[i].pool;

		same[i] = p && prev->n_services &&
			  bsearch(&p, pools, prev->n_services, sizeof(*pools), ptr_cmp);
	}
	free(pools);
	return same;
}

/* The diff against table t (freed here), and its edits. */
static int reconcile_diff(struct fwd *f, const struct cfg *cfg, const struct cfg *prev,
			  const struct reconcile_view *view, struct logger *log,
			  struct reconcile_result *res, struct fwd_table *tp, double ms_table,
			  bool reload)
{
	bool *same = NULL;
	struct fwd_service_key *keys;
	struct fwd_table t = *tp;
	char err[256];
	uint32_t before[32];
	unsigned n_before = res->n_refused < 32 ? res->n_refused : 32;
	double t0 = log_clock_ms();

	memcpy(before, res->refused, n_before * sizeof(before[0]));
	memset(res, 0, sizeof(*res));
	memcpy(res->prev, before, n_before * sizeof(before[0]));
	res->n_prev = n_before;
	res->ms_table = ms_table;
	if (!(keys = calloc(cfg->n_services + 1, sizeof(*keys)))) {
		log_error(log, "cannot reconcile the forwarding table: out of memory");
		fwd_table_free(&t);
		return -1;
	}
	for (size_t i = 0; i < cfg->n_services; i++)
		keys[i] = reconcile_service_key(&cfg->services[i]);
	qsort(keys, cfg->n_services, sizeof(*keys), key_cmp);
	sort_table(&t);
	/* A service the reload kept as it was is as the last pass left it
	 * (health, drains and overrides reconcile on their own), unless that
	 * pass left refusals to retry; a drain pass must see every service. */
	if (reload && prev && n_before == 0 && !(view && drain_count(view->drain)))
		same = shared_services(cfg, prev);
	if (view && view->drain)
		drain_pass_begin(view->drain);
	for (size_t i = 0; i < t.n_services; i++) {
		const struct fwd_service_key *k = &t.services[i].conf.key;

		if ((cfg->n_services && bsearch(k, keys, cfg->n_services, sizeof(*keys), key_cmp)) ||
		    !owned(f, prev, view ? view->drain : NULL, k))
			continue;
		if (view && view->drain && service_drain_step(f, prev, &t.services[i], t.stale,
							      view->drain, log, res))
			continue;
		if (f->ops->service_del(f, k, err, sizeof(err)) < 0)
			refused(log, res, "remove virtual service",
				t.services[i].conf.name ? t.services[i].conf.name : "?", err);
		else
			res->services_removed++;
	}
	for (size_t i = 0; i < cfg->n_services; i++)
		if (!same || !same[i])
			sync_service(f, cfg, &cfg->services[i], &t, view, log, res);
	if (view && view->drain)
		drain_pass_end(view->drain);
	free(same);
	free(keys);
	fwd_table_free(&t);
	res->ms_apply = log_clock_ms() - t0;
	return res->failures ? -1 : 0;
}

static int reconcile_with(struct fwd *f, const struct cfg *cfg, const struct cfg *prev,
			  const struct reconcile_view *view, struct logger *log,
			  struct reconcile_result *res, bool known, bool reload)
{
	struct fwd_table t = { 0 };
	char err[256];
	double t0 = log_clock_ms();

	if ((known && f->ops->table_known ? f->ops->table_known : f->ops->table)
		    (f, &t, err, sizeof(err)) < 0) {
		log_error(log, "cannot read the forwarding table: %s", err);
		return -1;
	}
	return reconcile_diff(f, cfg, prev, view, log, res, &t, log_clock_ms() - t0, reload);
}

int reconcile(struct fwd *f, const struct cfg *cfg, const struct cfg *prev,
	      const struct reconcile_view *view, struct logger *log,
	      struct reconcile_result *res)
{
	return reconcile_with(f, cfg, prev, view, log, res, false, false);
}

int reconcile_known(struct fwd *f, const struct cfg *cfg, const struct cfg *prev,
		    const struct reconcile_view *view, struct logger *log,
		    struct reconcile_result *res)
{
	return reconcile_with(f, cfg, prev, view, log, res, true, false);
}

int reconcile_reload(struct fwd *f, const struct cfg *cfg, const struct cfg *prev,
		     const struct reconcile_view *view, struct logger *log,
		     struct reconcile_result *res)
{
	return reconcile_with(f, cfg, prev, view, log, res, true, true);
}

int reconcile_table(struct fwd *f, const struct cfg *cfg, const struct reconcile_view *view,
		    struct logger *log, struct reconcile_result *res, struct fwd_table *t,
		    double ms_table)
{
	return reconcile_diff(f, cfg, NULL, view, log, res, t, ms_table, false);
}

int reconcile_remove_owned(struct fwd *f, const struct cfg *cfg, const struct drain *d,
			   struct logger *log)
{
	struct fwd_table t;
	char err[256], label[128];
	int n = 0;

	if (f->ops->table(f, &t, err, sizeof(err)) < 0) {
		log_error(log, "cannot read the forwarding table: %s", err);
		return -1;
	}
	for (size_t i = 0; i < t.n_services; i++) {
		const struct fwd_service_key *k = &t.services[i].conf.key;
		const struct cfg_service *s = find_cfg_service(cfg, k);

		if (!s && !(drain_count(d) && drain_find(d, k, &whole_service)))
			continue;
		if (f->ops->service_del(f, k, err, sizeof(err)) < 0) {
			log_error(log, "cannot remove virtual service %s: %s",
				  s ? cfg_service_label(s, label, sizeof(label))
				    : t.services[i].conf.name ? t.services[i].conf.name : "?", err);
			n = -1;
		} else if (n >= 0) {
			n++;
		}
	}
	fwd_table_free(&t);
	return n;
}

/*
 * fwd_user.c - the userspace core's table and accounting: services and
 * destinations as reconcile asks for them, the connection counts and
 * overload flags IPVS keeps, persistence templates, counters and rates.
 * Moving bytes is fwd_user_tcp.c's and fwd_user_udp.c's job.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "fwd_user.h"

#define TICK_MS 1000

uint64_t ucore_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct ucore *core_of(struct fwd *f)
{
	return f->priv;
}

static struct uservice *find_service(struct ucore *c, const struct fwd_service_key *k)
{
	struct uservice *s;

	TAILQ_FOREACH(s, &c->services, entry)
		if (fwd_service_key_equal(&s->conf.key, k))
			return s;
	return NULL;
}

/* By hash: health edits 10,000 real servers of one service in one reconcile. */
static struct udest *find_dest(struct uservice *s, const struct lvs_addr *a)
{
	uint32_t h = hmap_hash_addr(&s->dests, a);

	for (struct hmap_node *n = hmap_first(&s->dests, h); n; n = n->next) {
		struct udest *d = (struct udest *)((char *)n - offsetof(struct udest, node));

		if (n->hash == h && addr_equal(&d->conf.addr, a))
			return d;
	}
	return NULL;
}

/* ---- connections ---------------------------------------------------------- */

void uconn_attach(struct uconn *c, struct udest *d, struct persist_tpl *tpl)
{
	c->dest = d;
	c->tpl = tpl;
	c->active = false;
	TAILQ_INSERT_TAIL(&d->conns, c, dest_entry);
	d->sd.inactconns++;
	d->counters.conns++;
	d->svc->counters.conns++;
	d->svc->core->n_conns++;
	if (tpl)
		tpl->nconns++;
	/* The flag first: the scheduler sees the count and the flag together. */
	d->sd.overloaded = sched_overload_after_bind(&d->sd, d->conf.u_threshold);
	sched_conn_changed(d->svc->sched, &d->sd);
}

void uconn_set_active(struct uconn *c, bool active)
{
	struct udest *d = c->dest;

	if (!d || c->active == active)
		return;
	c->active = active;
	if (active) {
		d->sd.inactconns--;
		d->sd.activeconns++;
	} else {
		d->sd.activeconns--;
		d->sd.inactconns++;
	}
	sched_conn_changed(d->svc->sched, &d->sd);
}

void uconn_detach(struct uconn *c)
{
	struct udest *d = c->dest;

	if (!d)
		return;
	if (c->active)
		d->sd.activeconns--;
	else
		d->sd.inactconns--;
	TAILQ_REMOVE(&d->conns, c, dest_entry);
	d->svc->core->n_conns--;
	if (c->tpl && --c->tpl->nconns == 0)
		c->tpl->expires_ms = ucore_now_ms() + d->svc->conf.persistence_timeout;
	c->dest = NULL;
	c->tpl = NULL;
	d->sd.overloaded = sched_overload_after_unbind(&d->sd, d->conf.u_threshold,
						       d->conf.l_threshold);
	sched_conn_changed(d->svc->sched, &d->sd);
}

void udest_count(struct udest *d, uint64_t inpkts, uint64_t outpkts,
		 uint64_t inbytes, uint64_t outbytes)
{
	struct fwd_counters delta = { 0, inpkts, outpkts, inbytes, outbytes };

	fwd_counters_add(&d->counters, &delta);
	fwd_counters_add(&d->svc->counters, &delta);
}

/* ---- destinations ---------------------------------------------------------- */

static int check_dest_conf(const struct fwd_dest_conf *d, char *err, size_t errlen)
{
	if (d->method != CFG_FWD_NAT) {
		snprintf(err, errlen, "the userspace core forwards by nat only; %s "
			 "needs the kernel IPVS core", cfg_fwd_method_names[d->method]);
		return -1;
	}
	return 0;
}

static int user_dest_add(struct fwd *f, const struct fwd_service_key *k,
			 const struct fwd_dest_conf *dc, char *err, size_t errlen)
{
	struct uservice *s = find_service(core_of(f), k);
	struct udest *d;
	char a[ADDR_STRLEN];

	if (!s || check_dest_conf(dc, err, errlen) < 0) {
		if (!s)
			snprintf(err, errlen, "no such service");
		return -1;
	}
	if (find_dest(s, &dc->addr)) {
		snprintf(err, errlen, "%s is already a destination",
			 addr_format(&dc->addr, a, sizeof(a)));
		return -1;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	d->conf = *dc;
	d->svc = s;
	d->sd.addr = dc->addr;
	d->sd.weight = dc->weight;
	d->sd.owner = d;
	TAILQ_INIT(&d->conns);
	if (sched_add_dest(s->sched, &d->sd) < 0) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	hmap_insert(&s->dests, &d->node, hmap_hash_addr(&s->dests, &d->conf.addr));
	return 0;
}

static int user_dest_edit(struct fwd *f, const struct fwd_service_key *k,
			  const struct fwd_dest_conf *dc, char *err, size_t errlen)
{
	struct uservice *s = find_service(core_of(f), k);
	struct udest *d = s ? find_dest(s, &dc->addr) : NULL;

	if (!d) {
		snprintf(err, errlen, s ? "no such destination" : "no such service");
		return -1;
	}
	if (check_dest_conf(dc, err, errlen) < 0)
		return -1;
	d->sd.overloaded = sched_overload_after_edit(d->sd.overloaded,
						     d->conf.u_threshold, dc->u_threshold);
	d->conf = *dc;
	d->sd.weight = dc->weight;
	sched_dest_changed(s->sched, &d->sd);
	return 0;
}

/* A removed real server's connections are closed, its templates dropped. */
static void dest_destroy(struct uservice *s, struct udest *d, const char *why)
{
	struct uconn *c;

	while ((c = TAILQ_FIRST(&d->conns)) != NULL)
		c->close(c, why);
	if (d->persistconns)	/* a walk of every template: only when some are d's */
		upersist_expire(s, 0, d);
	sched_del_dest(s->sched, &d->sd);
	hmap_remove(&s->dests, &d->node);
	free(d);
}

static int user_dest_del(struct fwd *f, const struct fwd_service_key *k,
			 const struct lvs_addr *addr, char *err, size_t errlen)
{
	struct uservice *s = find_service(core_of(f), k);
	struct udest *d = s ? find_dest(s, addr) : NULL;

	if (!d) {
		snprintf(err, errlen, s ? "no such destination" : "no such service");
		return -1;
	}
	dest_destroy(s, d, "real server removed");
	return 0;
}

/* ---- services ------------------------------------------------------------ */

static int check_service_conf(const struct fwd_service_conf *c, char *err, size_t errlen)
{
	if (c->key.fwmark) {
		snprintf(err, errlen, "firewall-mark services need the kernel IPVS core");
		return -1;
	}
	if (c->key.addr.af == 0 || c->key.addr.port == 0) {
		snprintf(err, errlen, "a service needs an address and a port");
		return -1;
	}
	return 0;
}

static void service_free(struct uservice *s)
{
	while (s->sched && s->sched->n_dests)
		dest_destroy(s, s->sched->dests[0]->owner, "virtual service removed");
	if (s->conf.key.protocol == CFG_PROTO_UDP)
		uudp_close_all(s);
	if (s->fd >= 0) {
		event_del(&s->ev);
		if (s->conf.key.protocol == CFG_PROTO_TCP)
			event_del(&s->pause);
		close(s->fd);
	}
	sched_free(s->sched);
	hmap_free(&s->persist);
	hmap_free(&s->flows);
	hmap_free(&s->dests);
	free(s->name);
	free(s);
}

static struct uservice *service_new(struct ucore *core, const struct fwd_service_conf *c)
{
	struct uservice *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->core = core;
	s->conf = *c;
	s->fd = -1;
	s->name = c->name ? strdup(c->name) : NULL;
	s->conf.name = s->name;
	s->sched = sched_new(c->scheduler, c->flags, core->seed ^ (uintptr_t)s);
	if (!s->sched || hmap_init(&s->persist, core->seed + 1) < 0 ||
	    hmap_init(&s->flows, core->seed + 2) < 0 || hmap_init(&s->dests, core->seed + 3) < 0 ||
	    (c->name && !s->name)) {
		service_free(s);
		return NULL;
	}
	return s;
}

static int user_service_add(struct fwd *f, const struct fwd_service_conf *c,
			    char *err, size_t errlen)
{
	struct ucore *core = core_of(f);
	struct uservice *s;
	int rc;

	if (check_service_conf(c, err, errlen) < 0)
		return -1;
	if (find_service(core, &c->key)) {
		snprintf(err, errlen, "the service exists already");
		return -1;
	}
	s = service_new(core, c);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = c->key.protocol == CFG_PROTO_UDP ? uudp_bind(s, err, errlen)
					       : utcp_listen(s, err, errlen);
	if (rc < 0) {
		service_free(s);
		return -1;
	}
	TAILQ_INSERT_TAIL(&core->services, s, entry);
	return 0;
}

/* A new scheduler gets the same list in the same order. */
static int swap_scheduler(struct uservice *s, const struct fwd_service_conf *c)
{
	struct sched *old = s->sched;
	struct sched *next = sched_new(c->scheduler, c->flags, s->core->seed ^ (uintptr_t)s);

	if (!next)
		return -1;
	/* sched_add_dest puts a newcomer first, as IPVS does: add from the end. */
	for (size_t i = old->n_dests; i-- > 0;) {
		if (sched_add_dest(next, old->dests[i]) < 0) {
			sched_free(next);
			return -1;
		}
	}
	s->sched = next;
	old->n_dests = 0;	/* the destinations now belong to `next` */
	sched_free(old);
	return 0;
}

static int user_service_edit(struct fwd *f, const struct fwd_service_conf *c,
			     char *err, size_t errlen)
{
	struct uservice *s = find_service(core_of(f), &c->key);

	if (!s) {
		snprintf(err, errlen, "no such service");
		return -1;
	}
	if ((c->scheduler != s->conf.scheduler || c->flags != s->conf.flags) &&
	    swap_scheduler(s, c) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->conf = *c;
	s->conf.name = s->name;	/* the name is the key's label; it stays */
	return 0;
}

static int user_service_del(struct fwd *f, const struct fwd_service_key *k,
			    char *err, size_t errlen)
{
	struct ucore *core = core_of(f);
	struct uservice *s = find_service(core, k);

	if (!s) {
		snprintf(err, errlen, "no such service");
		return -1;
	}
	TAILQ_REMOVE(&core->services, s, entry);
	service_free(s);
	return 0;
}

/* ---- reading the table back ------------------------------------------------ */

static void fill_dest_info(const struct udest *d, struct fwd_dest_info *o)
{
	o->conf = d->conf;
	o->activeconns = d->sd.activeconns;
	o->inactconns = d->sd.inactconns;
	o->persistconns = d->persistconns;
	o->counters = d->counters;
	stats_est_rates(&d->est, &o->rates);
}

static int fill_service_info(const struct uservice *s, struct fwd_service_info *o)
{
	o->conf = s->conf;
	o->counters = s->counters;
	stats_est_rates(&s->est, &o->rates);
	o->n_dests = s->sched->n_dests;
	o->dests = o->n_dests ? calloc(o->n_dests, sizeof(*o->dests)) : NULL;
	if (o->n_dests && !o->dests)
		return -1;
	for (size_t i = 0; i < o->n_dests; i++)
		fill_dest_info(s->sched->dests[i]->owner, &o->dests[i]);
	return 0;
}

static int user_table(struct fwd *f, struct fwd_table *out, char *err, size_t errlen)
{
	struct ucore *core = core_of(f);
	struct uservice *s;
	size_t n = 0, i = 0;

	TAILQ_FOREACH(s, &core->services, entry)
		n++;
	memset(out, 0, sizeof(*out));
	/* IPVS reports its connection hash size; ours grows, so say the limit. */
	out->conn_tab_size = core->max_conns;
	out->services = n ? calloc(n, sizeof(*out->services)) : NULL;
	if (n && !out->services)
		goto oom;
	out->n_services = n;
	TAILQ_FOREACH(s, &core->services, entry)
		if (fill_service_info(s, &out->services[i++]) < 0)
			goto oom;
	return 0;
oom:
	fwd_table_free(out);
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int user_conns(struct fwd *f, fwd_conn_cb cb, void *arg, char *err, size_t errlen)
{
	struct uservice *s;
	uint64_t now = ucore_now_ms();
	int rc;

	(void)err;
	(void)errlen;
	TAILQ_FOREACH(s, &core_of(f)->services, entry) {
		for (size_t i = 0; i < s->sched->n_dests; i++) {
			struct udest *d = s->sched->dests[i]->owner;
			struct uconn *c;

			TAILQ_FOREACH(c, &d->conns, dest_entry) {
				struct fwd_conn_info ci = { 0 };

				if (s->conf.key.protocol == CFG_PROTO_TCP)
					utcp_conn_fill_info(c, &ci);
				else
					uudp_conn_fill_info(c, &ci);
				if ((rc = cb(&ci, arg)) != 0)
					return rc;
			}
		}
		if ((rc = upersist_walk(s, cb, arg, now)) != 0)
			return rc;
	}
	return 0;
}

/* ---- the clock: rates every 2 s, expiry every second ---------------------- */

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ucore *core = arg;
	uint64_t now = ucore_now_ms();
	struct uservice *s;

	(void)fd;
	(void)what;
	TAILQ_FOREACH(s, &core->services, entry) {
		if (now - s->est.last_ms >= STATS_EST_INTERVAL_MS) {
			stats_est_sample(&s->est, &s->counters, now);
			for (size_t i = 0; i < s->sched->n_dests; i++) {
				struct udest *d = s->sched->dests[i]->owner;

				stats_est_sample(&d->est, &d->counters, now);
			}
		}
		upersist_expire(s, now, NULL);
		if (s->conf.key.protocol == CFG_PROTO_UDP)
			uudp_expire(s, now);
	}
}

static void user_set_max_conns(struct fwd *f, uint32_t max_conns)
{
	core_of(f)->max_conns = max_conns;	/* live connections past it stay */
}

static void user_free(struct fwd *f)
{
	struct ucore *core = core_of(f);
	struct uservice *s;

	while ((s = TAILQ_FIRST(&core->services)) != NULL) {
		TAILQ_REMOVE(&core->services, s, entry);
		service_free(s);
	}
	event_del(&core->tick);
	utcp_core_fini(core);
	free(core);
	free(f);
}

static const struct fwd_ops user_ops = {
	.name = "userspace",
	.service_add = user_service_add,
	.service_edit = user_service_edit,
	.service_del = user_service_del,
	.dest_add = user_dest_add,
	.dest_edit = user_dest_edit,
	.dest_del = user_dest_del,
	.table = user_table,
	.conns = user_conns,
	.set_max_conns = user_set_max_conns,
	.free = user_free,
};

struct fwd *fwd_user_new(struct event_base *base, struct logger *log,
			 uint32_t max_conns, char *err, size_t errlen)
{
	static const struct timeval tick = { TICK_MS / 1000, 0 };
	struct fwd *f = calloc(1, sizeof(*f));
	struct ucore *core = calloc(1, sizeof(*core));

	if (!f || !core) {
		free(f);
		free(core);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	core->base = base;
	core->log = log;
	core->max_conns = max_conns;
	TAILQ_INIT(&core->services);
	/* Hash seeds only need to be unpredictable to clients. */
	if (getrandom(&core->seed, sizeof(core->seed), GRND_NONBLOCK) != sizeof(core->seed))
		core->seed = (uint64_t)ucore_now_ms() ^ ((uint64_t)getpid() << 32);
	event_assign(&core->tick, base, -1, EV_PERSIST, on_tick, core);
	event_add(&core->tick, &tick);
	utcp_core_init(core);
	f->ops = &user_ops;
	f->priv = core;
	return f;
}

/*
 * health.c - real servers' health and the operator's overrides, turned
 * into what reconcile must put in the table (see health.h).
 *
 * The one subtle part is health_sync(): a reload hands over a whole new
 * model, and every checker whose real server and check are unchanged
 * must survive it with its state, so sync matches old entries to the
 * new model by service key and real-server address, keeps the checker
 * when check_conf_equal() says so, and only then drops what was not
 * seen. Quorum is re-evaluated after every change, with hysteresis so
 * that a service on the edge does not flap between its real servers and
 * its sorry server.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "notify.h"

const char *const health_override_names[] = { "auto", "drain", "enable", NULL };

int health_init(struct health *h, struct event_base *base, struct logger *log,
		void (*on_change)(void *arg), void *arg)
{
	memset(h, 0, sizeof(*h));
	h->env.base = base;
	h->env.log = log;
	h->on_change = on_change;
	h->arg = arg;
	if (getrandom(&h->seed, sizeof(h->seed), GRND_NONBLOCK) != sizeof(h->seed))
		h->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	TAILQ_INIT(&h->services);
	h->env.syn = check_syn_new(base, log);
	if (!h->env.syn)
		return -1;
	return hmap_init(&h->by_key, h->seed);
}

static void rs_free(struct health_rs *r)
{
	checker_free(r->checker);
	free(r->check_error);
	free(r);
}

static void svc_free(struct health_svc *hs)
{
	struct health_rs *r;

	while ((r = TAILQ_FIRST(&hs->servers)) != NULL) {
		TAILQ_REMOVE(&hs->servers, r, entry);
		rs_free(r);
	}
	hmap_free(&hs->by_addr);
	free(hs);
}

void health_free(struct health *h)
{
	struct health_svc *hs;

	while ((hs = TAILQ_FIRST(&h->services)) != NULL) {
		TAILQ_REMOVE(&h->services, hs, entry);
		svc_free(hs);
	}
	hmap_free(&h->by_key);
	check_syn_free(h->env.syn);	/* after the checkers that probed through it */
	h->env.syn = NULL;
}

bool health_rs_healthy(const struct health_rs *r)
{
	if (r->check_error)
		return false;
	return !r->checker || checker_is_up(r->checker);
}

const char *health_rs_last_check(const struct health_rs *r)
{
	if (r->check_error)
		return r->check_error;
	return r->checker ? checker_last(r->checker) : "";
}

enum reconcile_rs_state health_rs_state(const struct health_rs *r)
{
	if (r->override == HEALTH_DRAIN)
		return RECONCILE_RS_QUIESCED;
	if (r->override == HEALTH_ENABLE || health_rs_healthy(r))
		return RECONCILE_RS_IN;
	return r->svc->conf->on_failure == CFG_FAIL_REMOVE ? RECONCILE_RS_OUT
							   : RECONCILE_RS_QUIESCED;
}

/* ---- quorum ------------------------------------------------------------------ */

/*
 * Bring r's share of its service's IN weight up to date after anything
 * that may change its state or weight. The sum is kept, not recounted:
 * when a switch fails and 10,000 real servers go down, each transition
 * costs O(1), where a recount made it O(n) and the whole O(n^2),
 * seconds in which the loop ran no check and sent no VRRP advert.
 */
static void rs_recount(struct health_rs *r)
{
	uint64_t w = health_rs_state(r) == RECONCILE_RS_IN ? r->conf->weight : 0;

	r->svc->weight_in = r->svc->weight_in - r->counted + w;
	r->counted = w;
}

/* Lost under quorum - hysteresis, back at quorum + hysteresis. */
static void evaluate_quorum(struct health *h, struct health_svc *hs)
{
	const struct cfg_service *s = hs->conf;
	uint64_t sum = hs->weight_in, low, high = (uint64_t)s->quorum + s->hysteresis;
	char label[128];

	low = s->quorum > s->hysteresis ? s->quorum - s->hysteresis : 0;
	if (hs->quorum_up && sum < low) {
		hs->quorum_up = false;
		log_warning(h->env.log, "service %s: quorum lost (healthy weight %llu < %u)%s",
			    cfg_service_label(s, label, sizeof(label)), (unsigned long long)sum,
			    s->quorum, s->sorry_server.af ? ": the sorry server takes the traffic" : "");
	} else if (!hs->quorum_up && sum >= high) {
		hs->quorum_up = true;
		log_notice(h->env.log, "service %s: quorum back (healthy weight %llu)%s",
			   cfg_service_label(s, label, sizeof(label)), (unsigned long long)sum,
			   s->sorry_server.af ? ": the sorry server is withdrawn" : "");
	}
}

static void changed(struct health *h, struct health_svc *hs)
{
	evaluate_quorum(h, hs);
	if (h->on_change)
		h->on_change(h->arg);
}

/* notify_up / notify_down, with the service, the real server and the new state appended. */
static void notify_rs(struct health_rs *r, bool up)
{
	const char *cmd = up ? r->conf->notify_up : r->conf->notify_down;
	char label[128], a[ADDR_STRLEN], what[300];
	const char *extra[4];

	if (!cmd)
		return;
	extra[0] = cfg_service_label(r->svc->conf, label, sizeof(label));
	extra[1] = addr_format(&r->addr, a, sizeof(a));
	extra[2] = up ? "up" : "down";
	extra[3] = NULL;
	snprintf(what, sizeof(what), "%s of %s %s", up ? "notify_up" : "notify_down",
		 extra[0], extra[1]);
	notify_run(&r->h->env, what, cmd, extra);
}

static void on_checker_change(void *arg, struct checker *c)
{
	struct health_rs *r = arg;
	bool up = checker_is_up(c);

	notify_rs(r, up);
	rs_recount(r);
	changed(r->h, r->svc);
}

/* ---- following the model ------------------------------------------------------ */

/* Services are the operator's, not clients': a cheap mix of the key's parts is enough. */
static uint32_t key_hash(const struct hmap *m, const struct fwd_service_key *k)
{
	return hmap_hash_addr(m, &k->addr) ^ (k->fwmark * 0x9e3779b1u) ^
	       ((uint32_t)k->protocol << 24) ^ ((uint32_t)k->fwmark_af << 16);
}

static struct health_svc *svc_find_key(const struct health *h, const struct fwd_service_key *k)
{
	uint32_t hash = key_hash(&h->by_key, k);

	for (struct hmap_node *n = hmap_first(&h->by_key, hash); n; n = n->next) {
		struct health_svc *hs = (struct health_svc *)((char *)n - offsetof(struct health_svc, node));

		if (n->hash == hash && fwd_service_key_equal(&hs->key, k))
			return hs;
	}
	return NULL;
}

struct health_svc *health_find_service(const struct health *h, const struct cfg_service *s)
{
	struct fwd_service_key k = reconcile_service_key(s);

	return svc_find_key(h, &k);
}

struct health_rs *health_find_rs(const struct health_svc *hs, const struct lvs_addr *addr)
{
	uint32_t hash = hmap_hash_addr(&hs->by_addr, addr);

	for (struct hmap_node *n = hmap_first(&hs->by_addr, hash); n; n = n->next) {
		struct health_rs *r = (struct health_rs *)((char *)n - offsetof(struct health_rs, node));

		if (n->hash == hash && addr_equal(&r->addr, addr))
			return r;
	}
	return NULL;
}

static void start_checker(struct health *h, struct health_rs *r, int start)
{
	char label[128], a[ADDR_STRLEN], full[200], err[256];
	struct checker_args ca = {
		.env = &h->env, .conf = &r->conf->check, .real_server = r->addr,
		.on_change = on_checker_change, .arg = r,
		.seed = h->seed++ * 0x9e3779b97f4a7c15ull, .start = start,
		.peers = h->n_checks,
	};

	snprintf(full, sizeof(full), "%s %s", cfg_service_label(r->svc->conf, label, sizeof(label)),
		 addr_format(&r->addr, a, sizeof(a)));
	ca.label = full;
	r->checker = checker_new(&ca, err, sizeof(err));
	if (!r->checker) {
		log_error(h->env.log, "check %s cannot start: %s; the real server counts as down",
			  full, err);
		r->check_error = strdup(err);
	}
}

/* Keep, restart or start r's checker for its configuration rs. */
static void sync_checker(struct health *h, struct health_rs *r, const struct cfg_real_server *rs)
{
	int start;

	if (r->checker && rs->check.type != CHECK_NONE &&
	    check_conf_equal(&r->conf->check, &rs->check)) {
		r->conf = rs;
		checker_rebind(r->checker, &rs->check);
		return;
	}
	/* A changed check starts where the old one was: a reload revives no one. */
	start = !r->checker && !r->check_error ? CHECKER_START_ALPHA
		: health_rs_healthy(r) ? CHECKER_START_UP : CHECKER_START_DOWN;
	checker_free(r->checker);
	r->checker = NULL;
	free(r->check_error);
	r->check_error = NULL;
	r->conf = rs;
	if (rs->check.type != CHECK_NONE)
		start_checker(h, r, start);
}

/* Find or make the entry of one configured real server, and sync it. */
static void sync_rs(struct health *h, struct health_svc *hs, const struct cfg_real_server *rs)
{
	struct fwd_dest_conf dc;
	struct health_rs *r;

	reconcile_dest_conf(hs->conf, rs, &dc);
	r = health_find_rs(hs, &dc.addr);
	if (!r) {
		if (!(r = calloc(1, sizeof(*r)))) {
			char a[ADDR_STRLEN];

			log_error(h->env.log, "health of real server %s: out of memory",
				  addr_format(&dc.addr, a, sizeof(a)));
			return;
		}
		r->svc = hs;
		r->h = h;
		r->addr = dc.addr;
		TAILQ_INSERT_TAIL(&hs->servers, r, entry);
		hmap_insert(&hs->by_addr, &r->node, hmap_hash_addr(&hs->by_addr, &r->addr));
	}
	r->seen = true;
	sync_checker(h, r, rs);
	rs_recount(r);	/* its weight or its check may have changed */
}

static void sync_service(struct health *h, const struct cfg_service *s)
{
	struct fwd_service_key key = reconcile_service_key(s);
	struct health_svc *hs = svc_find_key(h, &key);
	struct health_rs *r, *next;

	if (!hs) {
		if (!(hs = calloc(1, sizeof(*hs))) || hmap_init(&hs->by_addr, h->seed) < 0) {
			free(hs);
			log_error(h->env.log, "health of service %s: out of memory", s->name ? s->name : "?");
			return;
		}
		hs->key = key;
		hs->quorum_up = true;
		TAILQ_INIT(&hs->servers);
		TAILQ_INSERT_TAIL(&h->services, hs, entry);
		hmap_insert(&h->by_key, &hs->node, key_hash(&h->by_key, &key));
	}
	hs->seen = true;
	/* The same pool: the reload kept this service as it was, and its real
	 * servers and checks are where they were; only its own struct moved. */
	if (hs->conf && s->pool && hs->conf->pool == s->pool) {
		hs->conf = s;
		return;
	}
	hs->conf = s;
	TAILQ_FOREACH(r, &hs->servers, entry)
		r->seen = false;
	for (size_t i = 0; i < s->n_real_servers; i++)
		sync_rs(h, hs, &s->real_servers[i]);
	for (r = TAILQ_FIRST(&hs->servers); r; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (!r->seen) {
			hs->weight_in -= r->counted;
			TAILQ_REMOVE(&hs->servers, r, entry);
			hmap_remove(&hs->by_addr, &r->node);
			rs_free(r);
		}
	}
	evaluate_quorum(h, hs);
}

static int resolve_script_user(struct health *h, const struct cfg *cfg, char *err, size_t errlen)
{
	const char *name = cfg->global.script_user;
	struct passwd *pw;

	h->env.run_as = false;
	if (!name || !*name)
		return 0;
	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		snprintf(err, errlen, "global.script_user: no user \"%s\"%s%s", name,
			 errno ? ": " : "", errno ? strerror(errno) : "");
		return -1;
	}
	h->env.run_as = true;
	h->env.script_uid = pw->pw_uid;
	h->env.script_gid = pw->pw_gid;
	return 0;
}

/* How many checkers cfg makes: how they share the loop's wake-ups (check_first_delay_us). */
static size_t count_checks(const struct cfg *cfg)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_services; i++)
		for (size_t j = 0; j < cfg->services[i].n_real_servers; j++)
			n += cfg->services[i].real_servers[j].check.type != CHECK_NONE;
	return n;
}

int health_sync(struct health *h, const struct cfg *cfg, char *err, size_t errlen)
{
	struct health_svc *hs, *next;

	if (resolve_script_user(h, cfg, err, errlen) < 0)
		return -1;
	h->n_checks = count_checks(cfg);
	TAILQ_FOREACH(hs, &h->services, entry)
		hs->seen = false;
	for (size_t i = 0; i < cfg->n_services; i++)
		sync_service(h, &cfg->services[i]);
	for (hs = TAILQ_FIRST(&h->services); hs; hs = next) {
		next = TAILQ_NEXT(hs, entry);
		if (!hs->seen) {
			TAILQ_REMOVE(&h->services, hs, entry);
			hmap_remove(&h->by_key, &hs->node);
			svc_free(hs);
		}
	}
	return 0;
}

/* ---- what reconcile and the control socket ask -------------------------------- */

static enum reconcile_rs_state view_rs_state(void *arg, const struct cfg_service *s,
					     const struct cfg_real_server *rs)
{
	struct health_svc *hs = health_find_service(arg, s);
	struct fwd_dest_conf dc;
	struct health_rs *r;

	reconcile_dest_conf(s, rs, &dc);
	r = hs ? health_find_rs(hs, &dc.addr) : NULL;
	return r ? health_rs_state(r) : RECONCILE_RS_IN;
}

static bool view_sorry_active(void *arg, const struct cfg_service *s)
{
	struct health_svc *hs = health_find_service(arg, s);

	return hs && !hs->quorum_up;
}

struct reconcile_view health_view(struct health *h)
{
	struct reconcile_view v = { view_rs_state, view_sorry_active, h, NULL };

	return v;
}

void health_set_override(struct health_rs *r, enum health_override o)
{
	char label[128], a[ADDR_STRLEN];

	if (r->override == o)
		return;
	r->override = o;
	rs_recount(r);
	log_notice(r->h->env.log, "real server %s %s: operator: %s%s",
		   cfg_service_label(r->svc->conf, label, sizeof(label)),
		   addr_format(&r->addr, a, sizeof(a)), health_override_names[o],
		   o == HEALTH_AUTO ? " (its check decides again)" : "");
	changed(r->h, r->svc);
}

/* SERVICE as an operator writes it: its name, "VIP:port" (either protocol), or "fwmark N". */
static bool service_named(const struct cfg_service *s, const char *text)
{
	char a[ADDR_STRLEN], label[128];
	struct lvs_addr want;
	char err[64];

	if (s->name && strcmp(s->name, text) == 0)
		return true;
	if (strcmp(cfg_service_label(s, label, sizeof(label)), text) == 0)
		return true;
	if (s->fwmark || addr_parse(text, ADDR_PORT_REQUIRED, &want, err, sizeof(err)) < 0)
		return false;
	return addr_equal(&s->address, &want) ||
	       strcmp(addr_format(&s->address, a, sizeof(a)), text) == 0;
}

struct health_rs *health_lookup(struct health *h, const struct cfg *cfg, const char *service,
				const char *real, char *err, size_t errlen)
{
	const struct cfg_service *s = NULL;
	struct health_svc *hs;
	struct health_rs *r;
	struct lvs_addr addr;
	size_t matches = 0;

	for (size_t i = 0; i < cfg->n_services; i++)
		if (service_named(&cfg->services[i], service) && matches++ == 0)
			s = &cfg->services[i];
	if (matches != 1) {
		if (matches == 0)
			snprintf(err, errlen, "no virtual service \"%s\"", service);
		else
			snprintf(err, errlen, "\"%s\" names %zu services: use a name", service, matches);
		return NULL;
	}
	if (addr_parse(real, ADDR_PORT_OPTIONAL, &addr, err, errlen) < 0)
		return NULL;
	if (!addr.port)
		addr.port = s->address.port;
	hs = health_find_service(h, s);
	r = hs ? health_find_rs(hs, &addr) : NULL;
	if (!r)
		snprintf(err, errlen, "service %s has no real server %s", service, real);
	return r;
}

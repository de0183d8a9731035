/*
 * status.c - the live model as text, and what the text and the JSON
 * (status_json.c) share: the sorted snapshot of the core's table, the
 * lookups in it, the names of states.
 *
 * Both renderings walk the same running state; the JSON one is the
 * contract (keys are only ever added), the text one is for a person at a
 * terminal and may change freely.
 */
#include "config.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auto_reload.h"
#include "json.h"
#include "fwd.h"
#include "lvsd.h"
#include "reconcile.h"
#include "status.h"
#include "vrrp_engine.h"

/* The running instance of a configured one, if it runs. */
bool status_vrrp_running(const struct lvsd *ctx, const char *name, struct vrrp_status *st)
{
	for (size_t i = 0; ctx->vrrp && vrrp_engine_status(ctx->vrrp, i, st); i++)
		if (strcmp(st->name, name) == 0)
			return true;
	return false;
}

void status_vrrp_line(const struct lvsd *ctx, const struct cfg_vrrp *v, struct evbuffer *out)
{
	char m[INET_ADDRSTRLEN] = "-", eff[24] = "";
	struct vrrp_status st;
	bool run = status_vrrp_running(ctx, v->name, &st);

	if (run && st.master.s_addr)
		inet_ntop(AF_INET, &st.master, m, sizeof(m));
	if (run && st.effective_priority != v->priority)
		snprintf(eff, sizeof(eff), " (effective %u)", st.effective_priority);
	evbuffer_add_printf(out, "  %s  %s vrid %u  %s  priority %u%s  master %s\n", v->name,
			    v->interface, v->vrid, vrrp_state_names[run ? st.state : VRRP_INIT],
			    v->priority, eff, m);
}

const struct fwd_service_info *status_live_service(const struct lvsd *ctx,
						  const struct fwd_table *t,
						  const struct cfg_service *s)
{
	struct fwd_service_conf c;

	reconcile_service_conf(ctx->cfg, s, &c);
	for (size_t i = 0; t && i < t->n_services; i++)
		if (fwd_service_key_equal(&t->services[i].conf.key, &c.key))
			return &t->services[i];
	return NULL;
}

/* Destinations in address order (family, port, IP), for bsearch. */
static int dest_cmp(const void *pa, const void *pb)
{
	const struct lvs_addr *a = &((const struct fwd_dest_info *)pa)->conf.addr;
	const struct lvs_addr *b = &((const struct fwd_dest_info *)pb)->conf.addr;

	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return memcmp(&a->ip, &b->ip, a->af == AF_INET6 ? 16 : 4);
}

/*
 * The status snapshot is ours: sort each service's destinations once, so
 * that finding every real server's is n log n, not n^2 (10,000 real
 * servers made one status a quarter of a second of a blocked loop).
 */
static void sort_table(struct fwd_table *t)
{
	for (size_t i = 0; i < t->n_services; i++)
		if (t->services[i].n_dests > 1)
			qsort(t->services[i].dests, t->services[i].n_dests,
			      sizeof(t->services[i].dests[0]), dest_cmp);
}

bool status_snapshot(const struct lvsd *ctx, struct fwd_table *t)
{
	char err[256];

	memset(t, 0, sizeof(*t));
	if (!ctx->fwd || ctx->fwd->ops->table(ctx->fwd, t, err, sizeof(err)) < 0)
		return false;
	sort_table(t);
	return true;
}

const struct fwd_dest_info *status_live_dest(const struct fwd_service_info *si,
					     const struct lvs_addr *addr)
{
	struct fwd_dest_info key = { .conf.addr = *addr };

	if (!si || !si->n_dests)
		return NULL;
	return bsearch(&key, si->dests, si->n_dests, sizeof(si->dests[0]), dest_cmp);
}

const char *const status_rs_state_names[] = {
	[RECONCILE_RS_IN] = "in", [RECONCILE_RS_QUIESCED] = "quiesced", [RECONCILE_RS_OUT] = "out",
};

uint64_t status_drain_left_ms(const struct lvsd *ctx, const struct drain_entry *e)
{
	uint64_t now = drain_now(&ctx->drain);

	return e->deadline_ms > now ? e->deadline_ms - now : 0;
}

static void text_draining(const struct lvsd *ctx, const struct cfg_service *s,
			  struct evbuffer *out)
{
	struct fwd_service_key k = reconcile_service_key(s);
	char a[ADDR_STRLEN];

	for (size_t i = 0; i < drain_count(&ctx->drain); i++) {
		const struct drain_entry *e = &ctx->drain.v[i];

		if (e->addr.af && fwd_service_key_equal(&e->key, &k))
			evbuffer_add_printf(out, "    -> %-24s draining: weight 0, removed when its "
					    "connections end or in %.1f s\n",
					    addr_format(&e->addr, a, sizeof(a)),
					    (double)status_drain_left_ms(ctx, e) / 1000);
	}
}

/* Virtual services a reload removed that still drain, after the configured ones. */
static void text_draining_services(const struct lvsd *ctx, struct evbuffer *out)
{
	char a[ADDR_STRLEN];

	for (size_t i = 0; i < drain_count(&ctx->drain); i++) {
		const struct drain_entry *e = &ctx->drain.v[i];

		if (e->addr.af)
			continue;
		if (e->key.fwmark)
			snprintf(a, sizeof(a), "FWM %u", e->key.fwmark);
		else
			addr_format(&e->key.addr, a, sizeof(a));
		evbuffer_add_printf(out, "  %s %s  draining: weight 0, removed when its connections "
				    "end or in %.1f s\n", e->key.fwmark ? "" :
				    e->key.protocol == CFG_PROTO_TCP ? "TCP" : "UDP", a,
				    (double)status_drain_left_ms(ctx, e) / 1000);
	}
}

static void text_service(const struct lvsd *ctx, const struct cfg_service *s,
			 const struct health_svc *hs, struct evbuffer *out)
{
	char a[ADDR_STRLEN], label[128];

	if (s->fwmark)
		evbuffer_add_printf(out, "  %s  FWM %u  %s\n",
				    cfg_service_label(s, label, sizeof(label)),
				    s->fwmark, cfg_sched_names[s->scheduler]);
	else
		evbuffer_add_printf(out, "  %s  %s %s  %s\n",
				    cfg_service_label(s, label, sizeof(label)),
				    s->protocol == CFG_PROTO_TCP ? "TCP" : "UDP",
				    addr_format(&s->address, a, sizeof(a)),
				    cfg_sched_names[s->scheduler]);
	if (hs && !hs->quorum_up)
		evbuffer_add_printf(out, "    quorum lost (under %u)%s\n", s->quorum,
				    s->sorry_server.af ? ": the sorry server has the traffic" : "");
	for (size_t i = 0; i < s->n_real_servers; i++) {
		const struct cfg_real_server *rs = &s->real_servers[i];
		struct lvs_addr t = rs->address;

		if (!t.port)
			t.port = s->address.port;
		const struct health_rs *r = hs ? health_find_rs(hs, &t) : NULL;

		evbuffer_add_printf(out, "    -> %-24s %-4s weight %-5u %-8s check %s%s%s%s%s\n",
				    addr_format(&t, a, sizeof(a)),
				    cfg_fwd_method_names[rs->forwarding], rs->weight,
				    status_rs_state_names[r ? health_rs_state(r) : RECONCILE_RS_IN],
				    cfg_check_type_name(rs->check.type),
				    r && *health_rs_last_check(r) ? ": " : "",
				    r ? health_rs_last_check(r) : "",
				    r && r->override != HEALTH_AUTO ? ", operator: " : "",
				    r && r->override != HEALTH_AUTO ? health_override_names[r->override] : "");
	}
	text_draining(ctx, s, out);
}

int status_render_text(const struct lvsd *ctx, struct evbuffer *out)
{
	const struct cfg *cfg = ctx->cfg;
	long up = (long)(time(NULL) - ctx->started);

	evbuffer_add_printf(out, "lvsd %s, pid %ld, up %ldd %02ld:%02ld:%02ld\n",
			    PACKAGE_VERSION, (long)getpid(), up / 86400,
			    up / 3600 % 24, up / 60 % 60, up % 60);
	evbuffer_add_printf(out, "config %s%s; forwarding core %s\n", ctx->config_path,
			    auto_reload_watching(ctx->auto_reload) ? " (auto_reload: watched)" : "",
			    lvsd_core_name(ctx));
	if (ctx->reload.when)
		evbuffer_add_printf(out, "last reload: %s in %.1f ms (%u so far, %u failed)\n%s",
				    ctx->reload.ok ? "ok" : "FAILED", ctx->reload.duration_ms,
				    ctx->reload.count, ctx->reload.failures,
				    ctx->reload.ok || !ctx->reload.errors ? ""
									  : ctx->reload.errors);
	evbuffer_add_printf(out, "vrrp instances: %zu\n", cfg->n_vrrp);
	for (size_t i = 0; i < cfg->n_vrrp; i++)
		status_vrrp_line(ctx, &cfg->vrrp[i], out);
	evbuffer_add_printf(out, "virtual services: %zu\n", cfg->n_services);
	for (size_t i = 0; i < cfg->n_services; i++)
		text_service(ctx, &cfg->services[i], ctx->health_ready
			     ? health_find_service(&ctx->health, &cfg->services[i]) : NULL, out);
	text_draining_services(ctx, out);
	return 0;
}

int status_render_vrrp(const struct lvsd *ctx, struct evbuffer *out)
{
	const struct cfg *cfg = ctx->cfg;
	char a[ADDR_STRLEN];

	if (!cfg->n_vrrp)
		evbuffer_add_printf(out, "no VRRP instances\n");
	for (size_t i = 0; i < cfg->n_vrrp; i++) {
		const struct cfg_vrrp *v = &cfg->vrrp[i];
		struct vrrp_status st;
		bool run = status_vrrp_running(ctx, v->name, &st);

		status_vrrp_line(ctx, v, out);
		evbuffer_add_printf(out, "    VIPs (%s):", run && st.vips_on ? "held" : "not held");
		for (size_t k = 0; k < v->n_virtual_ips; k++)
			evbuffer_add_printf(out, " %s/%u",
					    addr_format_ip(&v->virtual_ips[k].addr, a, sizeof(a)),
					    v->virtual_ips[k].len);
		evbuffer_add_printf(out, "\n");
		if (!run)
			continue;
		evbuffer_add_printf(out, "    adverts sent %llu, received %llu; became master %llu "
				    "times; send errors %llu; from unknown peers %llu\n    dropped:",
				    (unsigned long long)st.counters.adverts_sent,
				    (unsigned long long)st.counters.adverts_received,
				    (unsigned long long)st.counters.became_master,
				    (unsigned long long)st.counters.send_errors,
				    (unsigned long long)st.counters.unknown_peer);
		for (int d = 1; d < VRRP_DROP_COUNT_; d++)
			if (d != VRRP_DROP_VRID)
				evbuffer_add_printf(out, " %s %llu", vrrp_drop_names[d],
						    (unsigned long long)st.counters.drops[d]);
		evbuffer_add_printf(out, "\n");
	}
	return 0;
}

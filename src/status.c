/*
 * status.c - the live model as JSON and as text.
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
static bool vrrp_running(const struct lvsd *ctx, const char *name, struct vrrp_status *st)
{
	for (size_t i = 0; ctx->vrrp && vrrp_engine_status(ctx->vrrp, i, st); i++)
		if (strcmp(st->name, name) == 0)
			return true;
	return false;
}

static void json_vrrp_counters(const struct vrrp_status *st, struct json *j)
{
	json_key(j, "counters");
	json_object_begin(j);
	json_kv_uint(j, "adverts_sent", st->counters.adverts_sent);
	json_kv_uint(j, "adverts_received", st->counters.adverts_received);
	json_kv_uint(j, "became_master", st->counters.became_master);
	json_kv_uint(j, "unknown_peer", st->counters.unknown_peer);
	json_kv_uint(j, "send_errors", st->counters.send_errors);
	json_key(j, "dropped");
	json_object_begin(j);
	for (int d = 1; d < VRRP_DROP_COUNT_; d++)
		if (d != VRRP_DROP_VRID)
			json_kv_uint(j, vrrp_drop_names[d], st->counters.drops[d]);
	json_object_end(j);
	json_object_end(j);
}

static void json_vrrp(const struct lvsd *ctx, const struct cfg_vrrp *v, struct json *j)
{
	char a[ADDR_STRLEN], m[INET_ADDRSTRLEN];
	struct vrrp_status st;
	bool run = vrrp_running(ctx, v->name, &st);

	json_object_begin(j);
	json_kv_string(j, "name", v->name);
	json_kv_string(j, "state", vrrp_state_names[run ? st.state : VRRP_INIT]);
	json_kv_uint(j, "priority", v->priority);
	json_kv_uint(j, "effective_priority", run ? st.effective_priority : v->priority);
	json_key(j, "master");
	if (run && st.master.s_addr)
		json_string(j, inet_ntop(AF_INET, &st.master, m, sizeof(m)));
	else
		json_null(j);
	json_kv_string(j, "interface", v->interface);
	json_kv_uint(j, "virtual_router_id", v->vrid);
	json_kv_uint(j, "version", v->version);
	json_kv_bool(j, "vips_held", run && st.vips_on);
	json_key(j, "virtual_ips");
	json_array_begin(j);
	for (size_t i = 0; i < v->n_virtual_ips; i++) {
		char buf[ADDR_STRLEN + 4];

		snprintf(buf, sizeof(buf), "%s/%u",
			 addr_format_ip(&v->virtual_ips[i].addr, a, sizeof(a)),
			 v->virtual_ips[i].len);
		json_string(j, buf);
	}
	json_array_end(j);
	if (run)
		json_vrrp_counters(&st, j);
	json_object_end(j);
}

/* "  VI_1  eth0 vrid 51  MASTER  priority 150 (effective 100)  master 10.0.0.1" */
void status_vrrp_line(const struct lvsd *ctx, const struct cfg_vrrp *v, struct evbuffer *out)
{
	char m[INET_ADDRSTRLEN] = "-", eff[24] = "";
	struct vrrp_status st;
	bool run = vrrp_running(ctx, v->name, &st);

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

static void json_counters(const struct fwd_dest_info *d, struct json *j)
{
	json_kv_uint(j, "active_conns", d ? d->activeconns : 0);
	json_kv_uint(j, "inactive_conns", d ? d->inactconns : 0);
	json_kv_uint(j, "persistent_conns", d ? d->persistconns : 0);
	json_kv_uint(j, "conns", d ? d->counters.conns : 0);
	json_kv_uint(j, "packets_in", d ? d->counters.inpkts : 0);
	json_kv_uint(j, "packets_out", d ? d->counters.outpkts : 0);
	json_kv_uint(j, "bytes_in", d ? d->counters.inbytes : 0);
	json_kv_uint(j, "bytes_out", d ? d->counters.outbytes : 0);
}

static const char *const rs_state_names[] = {
	[RECONCILE_RS_IN] = "in", [RECONCILE_RS_QUIESCED] = "quiesced", [RECONCILE_RS_OUT] = "out",
};

/* What the checks and the operator say about one real server. */
static void json_health(const struct health_rs *r, struct json *j)
{
	json_kv_bool(j, "healthy", r ? health_rs_healthy(r) : true);
	json_kv_string(j, "last_check", r ? health_rs_last_check(r) : "");
	json_kv_string(j, "check_reason", r && r->checker ? checker_reason(r->checker) : "");
	json_kv_uint(j, "check_probes", r && r->checker ? checker_probes(r->checker) : 0);
	json_kv_uint(j, "check_late_max_ms", r && r->checker ? checker_late_max_ms(r->checker) : 0);
	json_kv_string(j, "override", health_override_names[r ? r->override : HEALTH_AUTO]);
	json_kv_string(j, "state", rs_state_names[r ? health_rs_state(r) : RECONCILE_RS_IN]);
}

static void json_real_server(const struct cfg_service *s,
			     const struct cfg_real_server *rs, const struct health_svc *hs,
			     const struct fwd_service_info *live, struct json *j)
{
	char a[ADDR_STRLEN];
	struct lvs_addr target = rs->address;

	if (!target.port)
		target.port = s->address.port;
	struct fwd_dest_conf dc;

	/* the table's entry: a DR or TUN server's port is the service's */
	reconcile_dest_conf(s, rs, &dc);
	json_object_begin(j);
	json_kv_string(j, "address", addr_format(&target, a, sizeof(a)));
	const struct fwd_dest_info *d = status_live_dest(live, &dc.addr);

	json_kv_uint(j, "weight", rs->weight);
	json_kv_uint(j, "effective_weight", d ? d->conf.weight : 0);
	json_kv_bool(j, "in_table", d != NULL);
	json_kv_string(j, "check", cfg_check_type_name(rs->check.type));
	json_health(hs ? health_find_rs(hs, &target) : NULL, j);
	json_kv_string(j, "forwarding", cfg_fwd_method_names[rs->forwarding]);
	json_counters(d, j);
	json_object_end(j);
}

static uint64_t drain_left_ms(const struct lvsd *ctx, const struct drain_entry *e)
{
	uint64_t now = drain_now(&ctx->drain);

	return e->deadline_ms > now ? e->deadline_ms - now : 0;
}

/* A real server that drains: in the table at weight 0 until it empties. */
static void json_draining_rs(const struct fwd_dest_info *d, uint64_t left_ms, struct json *j)
{
	char a[ADDR_STRLEN];

	json_object_begin(j);
	json_kv_string(j, "address", addr_format(&d->conf.addr, a, sizeof(a)));
	json_kv_uint(j, "weight", 0);
	json_kv_uint(j, "effective_weight", d->conf.weight);
	json_kv_bool(j, "in_table", true);
	json_kv_string(j, "check", "none");
	json_kv_bool(j, "healthy", true);
	json_kv_string(j, "last_check", "");
	json_kv_string(j, "override", health_override_names[HEALTH_AUTO]);
	json_kv_string(j, "state", "draining");
	json_kv_uint(j, "drain_left_ms", left_ms);
	json_kv_string(j, "forwarding", cfg_fwd_method_names[d->conf.method]);
	json_counters(d, j);
	json_object_end(j);
}

/* Real servers a reload removed that still drain. */
static void json_draining(const struct lvsd *ctx, const struct cfg_service *s,
			  const struct fwd_service_info *live, struct json *j)
{
	struct fwd_service_key k = reconcile_service_key(s);

	for (size_t i = 0; live && i < drain_count(&ctx->drain); i++) {
		const struct drain_entry *e = &ctx->drain.v[i];
		const struct fwd_dest_info *d;

		if (fwd_service_key_equal(&e->key, &k) && (d = status_live_dest(live, &e->addr)))
			json_draining_rs(d, drain_left_ms(ctx, e), j);
	}
}

/* The table's entry of a whole service that drains (its entry has no address), or NULL. */
static const struct fwd_service_info *draining_service(const struct drain_entry *e,
							const struct fwd_table *t)
{
	for (size_t i = 0; !e->addr.af && t && i < t->n_services; i++)
		if (fwd_service_key_equal(&t->services[i].conf.key, &e->key))
			return &t->services[i];
	return NULL;
}

/*
 * Virtual services a reload removed that still drain: after the
 * configured ones, with "state": "draining", each real server as one.
 */
static void json_draining_services(const struct lvsd *ctx, const struct fwd_table *t,
				   struct json *j)
{
	char a[ADDR_STRLEN];

	for (size_t i = 0; i < drain_count(&ctx->drain); i++) {
		const struct drain_entry *e = &ctx->drain.v[i];
		const struct fwd_service_info *live = draining_service(e, t);
		const struct fwd_service_conf *c = live ? &live->conf : NULL;

		if (!live)
			continue;
		json_object_begin(j);
		json_kv_string(j, "name", c->name ? c->name
				: addr_format(&c->key.addr, a, sizeof(a)));
		if (c->key.fwmark)
			json_kv_uint(j, "fwmark", c->key.fwmark);
		else
			json_kv_string(j, "address", addr_format(&c->key.addr, a, sizeof(a)));
		json_kv_string(j, "protocol", cfg_proto_names[c->key.protocol]);
		json_kv_string(j, "scheduler", cfg_sched_names[c->scheduler]);
		json_kv_bool(j, "in_table", true);
		json_kv_string(j, "state", "draining");
		json_kv_uint(j, "drain_left_ms", drain_left_ms(ctx, e));
		json_kv_uint(j, "conns", live->counters.conns);
		json_kv_uint(j, "bytes_in", live->counters.inbytes);
		json_kv_uint(j, "bytes_out", live->counters.outbytes);
		json_key(j, "real_servers");
		json_array_begin(j);
		for (size_t k = 0; k < live->n_dests; k++)
			json_draining_rs(&live->dests[k], drain_left_ms(ctx, e), j);
		json_array_end(j);
		json_object_end(j);
	}
}

static void json_service(const struct lvsd *ctx, const struct cfg_service *s,
			 const struct health_svc *hs, const struct fwd_service_info *live,
			 struct json *j)
{
	char a[ADDR_STRLEN], label[128];

	json_object_begin(j);
	json_kv_string(j, "name", cfg_service_label(s, label, sizeof(label)));
	if (s->fwmark) {
		json_kv_uint(j, "fwmark", s->fwmark);
	} else {
		json_kv_string(j, "address", addr_format(&s->address, a, sizeof(a)));
	}
	json_kv_string(j, "protocol", cfg_proto_names[s->protocol]);
	json_kv_string(j, "scheduler", cfg_sched_names[s->scheduler]);
	json_kv_bool(j, "in_table", live != NULL);
	json_kv_bool(j, "quorum_up", hs ? hs->quorum_up : true);
	json_kv_bool(j, "sorry_active", hs && !hs->quorum_up && s->sorry_server.af);
	json_kv_uint(j, "conns", live ? live->counters.conns : 0);
	json_kv_uint(j, "bytes_in", live ? live->counters.inbytes : 0);
	json_kv_uint(j, "bytes_out", live ? live->counters.outbytes : 0);
	json_key(j, "real_servers");
	json_array_begin(j);
	for (size_t i = 0; i < s->n_real_servers; i++)
		json_real_server(s, &s->real_servers[i], hs, live, j);
	json_draining(ctx, s, live, j);
	json_array_end(j);
	json_object_end(j);
}

static void json_reload(const struct lvsd *ctx, struct json *j)
{
	json_key(j, "last_reload");
	if (ctx->reload.when == 0) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_kv_uint(j, "time", (uint64_t)ctx->reload.when);
	json_kv_bool(j, "ok", ctx->reload.ok);
	json_kv_uint(j, "count", ctx->reload.count);
	json_kv_uint(j, "failures", ctx->reload.failures);
	json_key(j, "duration_ms");
	json_double(j, ctx->reload.duration_ms);
	json_kv_string(j, "errors", ctx->reload.errors);
	json_object_end(j);
}

void status_build_json(const struct lvsd *ctx, struct json *j)
{
	const struct cfg *cfg = ctx->cfg;
	struct fwd_table t = { 0 };
	bool have = status_snapshot(ctx, &t);

	json_object_begin(j);
	json_kv_string(j, "version", PACKAGE_VERSION);
	json_kv_string(j, "forwarding_core", lvsd_core_name(ctx));
	json_kv_string(j, "config_file", ctx->config_path);
	json_kv_uint(j, "pid", (uint64_t)getpid());
	json_kv_uint(j, "started", (uint64_t)ctx->started);
	json_kv_string(j, "router_id", cfg->global.router_id);
	json_kv_bool(j, "auto_reload", auto_reload_watching(ctx->auto_reload));
	json_reload(ctx, j);
	json_key(j, "vrrp");
	json_array_begin(j);
	for (size_t i = 0; i < cfg->n_vrrp; i++)
		json_vrrp(ctx, &cfg->vrrp[i], j);
	json_array_end(j);
	json_key(j, "virtual_services");
	json_array_begin(j);
	for (size_t i = 0; i < cfg->n_services; i++)
		json_service(ctx, &cfg->services[i],
			     ctx->health_ready ? health_find_service(&ctx->health, &cfg->services[i])
					       : NULL,
			     status_live_service(ctx, have ? &t : NULL, &cfg->services[i]), j);
	json_draining_services(ctx, have ? &t : NULL, j);
	json_array_end(j);
	json_object_end(j);
	if (have)
		fwd_table_free(&t);
}

int status_render_json(const struct lvsd *ctx, struct evbuffer *out)
{
	struct json j;
	const char *text;
	int rc = -1;

	json_init(&j);
	status_build_json(ctx, &j);
	text = json_text(&j);
	/* Not printf, which takes megabytes a byte at a time. */
	if (text && evbuffer_add(out, text, json_len(&j)) == 0 && evbuffer_add(out, "\n", 1) == 0)
		rc = 0;
	json_free(&j);
	return rc;
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
					    (double)drain_left_ms(ctx, e) / 1000);
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
				    (double)drain_left_ms(ctx, e) / 1000);
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
				    rs_state_names[r ? health_rs_state(r) : RECONCILE_RS_IN],
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
		bool run = vrrp_running(ctx, v->name, &st);

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

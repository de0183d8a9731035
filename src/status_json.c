/*
 * status_json.c - the status as JSON (lvsctl status --json, the status
 * file): the contract of DESIGN.md, whose keys are only ever added.
 *
 * A table of 10,000 real servers makes a document of 3.7 MB that takes
 * ~24 ms to write, and the event loop that writes it also runs the checks
 * and VRRP. So the control socket builds it as a job, a slice of real
 * servers per turn of the loop (status_job_start), and what is due between
 * two slices runs on time. Each real server is written from the state of
 * its slice's turn; the core's table is read once, when the job starts.
 * A reload between two slices starts the document again, so that one
 * document never mixes two configurations.
 */
#include "config.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auto_reload.h"
#include "json.h"
#include "fwd.h"
#include "job.h"
#include "lvsd.h"
#include "reconcile.h"
#include "status.h"
#include "vrrp_engine.h"

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
	bool run = status_vrrp_running(ctx, v->name, &st);

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

/* What the checks and the operator say about one real server. */
static void json_health(const struct health_rs *r, struct json *j)
{
	json_kv_bool(j, "healthy", r ? health_rs_healthy(r) : true);
	json_kv_string(j, "last_check", r ? health_rs_last_check(r) : "");
	json_kv_string(j, "check_reason", r && r->checker ? checker_reason(r->checker) : "");
	json_kv_uint(j, "check_probes", r && r->checker ? checker_probes(r->checker) : 0);
	json_kv_uint(j, "check_late_max_ms", r && r->checker ? checker_late_max_ms(r->checker) : 0);
	json_kv_string(j, "override", health_override_names[r ? r->override : HEALTH_AUTO]);
	json_kv_string(j, "state", status_rs_state_names[r ? health_rs_state(r) : RECONCILE_RS_IN]);
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
			json_draining_rs(d, status_drain_left_ms(ctx, e), j);
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
		json_kv_uint(j, "drain_left_ms", status_drain_left_ms(ctx, e));
		json_kv_uint(j, "conns", live->counters.conns);
		json_kv_uint(j, "bytes_in", live->counters.inbytes);
		json_kv_uint(j, "bytes_out", live->counters.outbytes);
		json_key(j, "real_servers");
		json_array_begin(j);
		for (size_t k = 0; k < live->n_dests; k++)
			json_draining_rs(&live->dests[k], status_drain_left_ms(ctx, e), j);
		json_array_end(j);
		json_object_end(j);
	}
}

/* A service up to its list of real servers, which the job writes a slice at a time. */
static void json_service_head(const struct cfg_service *s, const struct health_svc *hs,
			      const struct fwd_service_info *live, struct json *j)
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

/* Everything before the first virtual service. */
static void json_head(const struct lvsd *ctx, struct json *j)
{
	const struct cfg *cfg = ctx->cfg;

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
}

/* ---- the job: the document a slice at a time ------------------------------ */

/* Real servers per slice: ~0.6 ms of the loop (10,000 took 24 ms at once). */
#define STATUS_JOB_SLICE 256

struct status_job {
	const struct lvsd *ctx;
	uint64_t cfg_generation;	/* the configuration the document describes */
	struct json *j;			/* own_j, or the caller's */
	struct json own_j;
	struct fwd_table t;		/* the core's table when the job (re)started */
	bool have_t;
	bool begun;			/* the head is written */
	size_t svc;			/* the service being written */
	size_t rs;			/* its next real server */
	bool in_service;		/* its head is written */
	unsigned restarts;		/* for the log */
	struct job *driver;		/* steps it a slice per turn of the loop */
	status_job_done_fn done;
	void *done_arg;
};

static void doc_begin(struct status_job *job)
{
	job->cfg_generation = job->ctx->cfg_generation;
	job->have_t = status_snapshot(job->ctx, &job->t);
	job->begun = job->in_service = false;
	job->svc = job->rs = 0;
}

/* The configuration changed between two slices: what is written describes the old one. */
static void doc_restart(struct status_job *job)
{
	if (job->have_t)
		fwd_table_free(&job->t);
	json_free(job->j);
	json_init(job->j);
	job->restarts++;
	doc_begin(job);
}

static const struct fwd_service_info *doc_live(const struct status_job *job,
					       const struct cfg_service *s)
{
	return status_live_service(job->ctx, job->have_t ? &job->t : NULL, s);
}

static const struct health_svc *doc_health(const struct status_job *job,
					   const struct cfg_service *s)
{
	return job->ctx->health_ready ? health_find_service(&job->ctx->health, s) : NULL;
}

/* Up to *budget more real servers of the current service; true when it is finished. */
static bool doc_service(struct status_job *job, size_t *budget)
{
	const struct cfg_service *s = &job->ctx->cfg->services[job->svc];
	const struct health_svc *hs = doc_health(job, s);
	const struct fwd_service_info *live = doc_live(job, s);

	if (!job->in_service) {
		json_service_head(s, hs, live, job->j);
		job->in_service = true;
		job->rs = 0;
	}
	for (; job->rs < s->n_real_servers && *budget > 0; job->rs++, (*budget)--)
		json_real_server(s, &s->real_servers[job->rs], hs, live, job->j);
	if (job->rs < s->n_real_servers)
		return false;
	json_draining(job->ctx, s, live, job->j);
	json_array_end(job->j);
	json_object_end(job->j);
	job->in_service = false;
	return true;
}

static int doc_step(struct status_job *job, size_t max_rs)
{
	const struct cfg *cfg;

	if (job->cfg_generation != job->ctx->cfg_generation)
		doc_restart(job);
	cfg = job->ctx->cfg;
	if (!job->begun) {
		json_head(job->ctx, job->j);
		job->begun = true;
	}
	while (job->svc < cfg->n_services) {
		if (!doc_service(job, &max_rs))
			return 0;
		job->svc++;
		if (max_rs == 0 && job->svc < cfg->n_services)
			return 0;
	}
	json_draining_services(job->ctx, job->have_t ? &job->t : NULL, job->j);
	json_array_end(job->j);
	json_object_end(job->j);
	return json_text(job->j) ? 1 : -1;
}

static void doc_init(struct status_job *job, const struct lvsd *ctx, struct json *j)
{
	memset(job, 0, sizeof(*job));
	job->ctx = ctx;
	job->j = j;
	doc_begin(job);
}

static void doc_fini(struct status_job *job)
{
	if (job->have_t)
		fwd_table_free(&job->t);
	job->have_t = false;
}

static int on_slice(void *arg)
{
	return doc_step(arg, STATUS_JOB_SLICE);
}

static void on_built(void *arg, int rc)
{
	struct status_job *job = arg;

	job->done(job, rc, job->done_arg);
}

struct status_job *status_job_start(const struct lvsd *ctx, status_job_done_fn done, void *arg)
{
	struct status_job *job = malloc(sizeof(*job));

	if (!job)
		return NULL;
	doc_init(job, ctx, &job->own_j);	/* zeroes own_j: initialised after */
	json_init(&job->own_j);
	job->done = done;
	job->done_arg = arg;
	if (!(job->driver = job_start(ctx->base, on_slice, on_built, job))) {
		status_job_free(job);
		return NULL;
	}
	return job;
}

const char *status_job_text(const struct status_job *job, size_t *len)
{
	const char *text = json_text(job->j);

	*len = text ? json_len(job->j) : 0;
	return text;
}

void status_job_counts(const struct status_job *job, unsigned *steps, unsigned *restarts)
{
	*steps = job_steps(job->driver);
	*restarts = job->restarts;
}

int status_job_take(struct status_job *job, struct evbuffer *out)
{
	size_t len;
	const char *text = status_job_text(job, &len);

	/* Not printf, which takes megabytes a byte at a time. */
	if (!text || evbuffer_add(out, text, len) < 0 || evbuffer_add(out, "\n", 1) < 0)
		return -1;
	return 0;
}

void status_job_free(struct status_job *job)
{
	if (!job)
		return;
	job_free(job->driver);
	doc_fini(job);
	json_free(job->j);
	free(job);
}

void status_build_json(const struct lvsd *ctx, struct json *j)
{
	struct status_job job;

	doc_init(&job, ctx, j);
	(void)doc_step(&job, SIZE_MAX);
	doc_fini(&job);
}

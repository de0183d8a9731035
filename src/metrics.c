/*
 * metrics.c - the exposition behind `lvsctl metrics` and GET /metrics
 * (see metrics.h). The text format wants each family's samples together,
 * so one pass gathers a row per service and per real server (the same
 * snapshot and lookups the status uses) and the families are then
 * written from the rows, table-driven.
 */
#include "config.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cmds.h"
#include "fwd.h"
#include "job.h"
#include "lvsd.h"
#include "metrics.h"
#include "prom.h"
#include "reconcile.h"
#include "status.h"
#include "vrrp_engine.h"

struct family {
	const char *name, *type, *help;
};

enum { SVC_CONNS, SVC_PKT_IN, SVC_PKT_OUT, SVC_BYTES_IN, SVC_BYTES_OUT, SVC_QUORUM, SVC_SORRY,
       SVC_N_ };

static const struct family svc_families[SVC_N_] = {
	{ "lvsd_service_connections_total", "counter", "Connections the virtual service scheduled." },
	{ "lvsd_service_packets_in_total", "counter", "Packets from clients to the virtual service." },
	{ "lvsd_service_packets_out_total", "counter", "Packets from real servers to clients." },
	{ "lvsd_service_bytes_in_total", "counter", "Bytes from clients to the virtual service." },
	{ "lvsd_service_bytes_out_total", "counter", "Bytes from real servers to clients." },
	{ "lvsd_service_quorum_up", "gauge", "1 while the service's healthy weight meets its quorum." },
	{ "lvsd_service_sorry_active", "gauge", "1 while the sorry server takes the traffic." },
};

enum { RS_CONNS, RS_PKT_IN, RS_PKT_OUT, RS_BYTES_IN, RS_BYTES_OUT, RS_ACTIVE, RS_INACTIVE,
       RS_WEIGHT, RS_EFF_WEIGHT, RS_IN_TABLE, RS_HEALTHY, RS_PROBES, RS_N_ };

static const struct family rs_families[RS_N_] = {
	{ "lvsd_real_server_connections_total", "counter", "Connections scheduled to the real server." },
	{ "lvsd_real_server_packets_in_total", "counter", "Packets forwarded to the real server." },
	{ "lvsd_real_server_packets_out_total", "counter", "Packets from the real server." },
	{ "lvsd_real_server_bytes_in_total", "counter", "Bytes forwarded to the real server." },
	{ "lvsd_real_server_bytes_out_total", "counter", "Bytes from the real server." },
	{ "lvsd_real_server_active_connections", "gauge", "Established connections (IPVS ActiveConn)." },
	{ "lvsd_real_server_inactive_connections", "gauge", "Other connections (IPVS InActConn)." },
	{ "lvsd_real_server_weight", "gauge", "Configured weight (0 while draining)." },
	{ "lvsd_real_server_effective_weight", "gauge", "Weight in the forwarding table now." },
	{ "lvsd_real_server_in_table", "gauge", "1 while the real server is in the forwarding table." },
	{ "lvsd_real_server_healthy", "gauge", "1 while its check says up (or it has no check)." },
	{ "lvsd_check_probes_total", "counter", "Probes its health check has made." },
};

struct svc_row {
	char name[128], addr[ADDR_STRLEN + 16];
	const char *proto;
	uint64_t v[SVC_N_];
};

struct rs_row {
	const struct svc_row *svc;
	char addr[ADDR_STRLEN];
	const char *state;		/* in, quiesced, out, draining */
	uint64_t v[RS_N_];
};

struct rows {
	struct svc_row *svc;
	size_t n_svc;
	struct rs_row *rs;
	size_t n_rs, cap_rs;
};

static const char *const rs_state_names[] = {
	[RECONCILE_RS_IN] = "in", [RECONCILE_RS_QUIESCED] = "quiesced", [RECONCILE_RS_OUT] = "out",
};

static struct rs_row *rs_row_add(struct rows *r, const struct svc_row *svc,
				 const struct lvs_addr *addr, const struct fwd_dest_info *d)
{
	struct rs_row *row;

	if (r->n_rs == r->cap_rs) {
		size_t cap = r->cap_rs ? r->cap_rs * 2 : 64;
		struct rs_row *v = realloc(r->rs, cap * sizeof(*v));

		if (!v)
			return NULL;
		r->rs = v;
		r->cap_rs = cap;
	}
	row = &r->rs[r->n_rs++];
	memset(row, 0, sizeof(*row));
	row->svc = svc;
	addr_format(addr, row->addr, sizeof(row->addr));
	if (d) {
		row->v[RS_CONNS] = d->counters.conns;
		row->v[RS_PKT_IN] = d->counters.inpkts;
		row->v[RS_PKT_OUT] = d->counters.outpkts;
		row->v[RS_BYTES_IN] = d->counters.inbytes;
		row->v[RS_BYTES_OUT] = d->counters.outbytes;
		row->v[RS_ACTIVE] = d->activeconns;
		row->v[RS_INACTIVE] = d->inactconns;
		row->v[RS_EFF_WEIGHT] = d->conf.weight;
		row->v[RS_IN_TABLE] = 1;
	}
	return row;
}

/* The configured real servers of one service, then those draining. */
static int gather_real_servers(const struct lvsd *ctx, const struct cfg_service *s,
			       const struct fwd_service_info *live, const struct svc_row *svc,
			       struct rows *r)
{
	const struct health_svc *hs = ctx->health_ready ? health_find_service(&ctx->health, s) : NULL;
	struct fwd_service_key k = reconcile_service_key(s);

	for (size_t i = 0; i < s->n_real_servers; i++) {
		struct lvs_addr a = s->real_servers[i].address;
		const struct health_rs *h;
		struct rs_row *row;

		if (!a.port)
			a.port = s->address.port;
		h = hs ? health_find_rs(hs, &a) : NULL;
		if (!(row = rs_row_add(r, svc, &a, status_live_dest(live, &a))))
			return -1;
		row->v[RS_WEIGHT] = s->real_servers[i].weight;
		row->v[RS_HEALTHY] = h ? health_rs_healthy(h) : 1;
		row->v[RS_PROBES] = h && h->checker ? checker_probes(h->checker) : 0;
		row->state = rs_state_names[h ? health_rs_state(h) : RECONCILE_RS_IN];
	}
	for (size_t i = 0; live && i < drain_count(&ctx->drain); i++) {
		const struct drain_entry *e = &ctx->drain.v[i];
		const struct fwd_dest_info *d;
		struct rs_row *row;

		if (!fwd_service_key_equal(&e->key, &k) || !(d = status_live_dest(live, &e->addr)))
			continue;
		if (!(row = rs_row_add(r, svc, &e->addr, d)))
			return -1;
		row->v[RS_HEALTHY] = 1;
		row->state = "draining";
	}
	return 0;
}

static int gather(const struct lvsd *ctx, struct rows *r)
{
	const struct cfg *cfg = ctx->cfg;
	struct fwd_table t;
	bool have = status_snapshot(ctx, &t);
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->svc = calloc(cfg->n_services ? cfg->n_services : 1, sizeof(*r->svc));
	for (size_t i = 0; r->svc && rc == 0 && i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];
		const struct fwd_service_info *live = status_live_service(ctx, have ? &t : NULL, s);
		const struct health_svc *hs = ctx->health_ready ? health_find_service(&ctx->health, s)
								 : NULL;
		struct svc_row *row = &r->svc[r->n_svc++];

		cfg_service_label(s, row->name, sizeof(row->name));
		if (s->fwmark)
			snprintf(row->addr, sizeof(row->addr), "fwmark:%u", s->fwmark);
		else
			addr_format(&s->address, row->addr, sizeof(row->addr));
		row->proto = cfg_proto_names[s->protocol];
		if (live) {
			row->v[SVC_CONNS] = live->counters.conns;
			row->v[SVC_PKT_IN] = live->counters.inpkts;
			row->v[SVC_PKT_OUT] = live->counters.outpkts;
			row->v[SVC_BYTES_IN] = live->counters.inbytes;
			row->v[SVC_BYTES_OUT] = live->counters.outbytes;
		}
		row->v[SVC_QUORUM] = hs ? hs->quorum_up : 1;
		row->v[SVC_SORRY] = hs && !hs->quorum_up && s->sorry_server.af;
		rc = gather_real_servers(ctx, s, live, row, r);
	}
	if (have)
		fwd_table_free(&t);
	return r->svc && rc == 0 ? 0 : -1;
}

static void rows_free(struct rows *r)
{
	free(r->svc);
	free(r->rs);
}

static const struct family rs_state_family = {
	"lvsd_real_server_state", "gauge",
	"The real server's place in the table: in, quiesced, out or draining "
	"(one sample, value 1).",
};

/* The row families in the order they are written: services', real servers', the state. */
enum { FAM_SVC = 0, FAM_RS = SVC_N_, FAM_STATE = SVC_N_ + RS_N_, FAM_N_ };

static const struct family *family_of(size_t fam)
{
	return fam < FAM_RS ? &svc_families[fam]
	     : fam < FAM_STATE ? &rs_families[fam - FAM_RS] : &rs_state_family;
}

static void emit_sample(const struct rows *r, size_t fam, size_t i, struct evbuffer *out)
{
	const char *name = family_of(fam)->name;

	if (fam < FAM_RS) {
		const struct svc_row *s = &r->svc[i];
		const struct prom_label l[] = {
			{ "service", s->name }, { "address", s->addr }, { "protocol", s->proto },
		};

		prom_sample_u64(out, name, l, 3, s->v[fam]);
	} else {
		const struct rs_row *rs = &r->rs[i];
		const struct prom_label l[] = {
			{ "service", rs->svc->name }, { "real_server", rs->addr },
			{ "state", rs->state },
		};

		/* The state family has the state as a label; the others have a value. */
		prom_sample_u64(out, name, l, fam == FAM_STATE ? 3 : 2,
				fam == FAM_STATE ? 1 : rs->v[fam - FAM_RS]);
	}
}

/* Up to *budget samples of family fam from row *i on; true when the family is written. */
static bool emit_family(const struct rows *r, size_t fam, size_t *i, size_t *budget,
			struct evbuffer *out)
{
	const struct family *f = family_of(fam);
	size_t n = fam < FAM_RS ? r->n_svc : r->n_rs;

	if (*budget == 0)
		return false;
	if (*i == 0)
		prom_family(out, f->name, f->type, f->help);
	for (; *i < n && *budget > 0; (*i)++, (*budget)--)
		emit_sample(r, fam, *i, out);
	return *i == n;
}

enum { VRRP_PRIO, VRRP_EFF_PRIO, VRRP_VIPS, VRRP_SENT, VRRP_RECV, VRRP_MASTERSHIPS, VRRP_N_ };

static const struct family vrrp_families[VRRP_N_] = {
	{ "lvsd_vrrp_priority", "gauge", "Configured VRRP priority." },
	{ "lvsd_vrrp_effective_priority", "gauge", "Priority advertised now (tracking applied)." },
	{ "lvsd_vrrp_vips_held", "gauge", "1 while this director holds the instance's VIPs." },
	{ "lvsd_vrrp_adverts_sent_total", "counter", "VRRP advertisements sent." },
	{ "lvsd_vrrp_adverts_received_total", "counter", "VRRP advertisements received." },
	{ "lvsd_vrrp_became_master_total", "counter", "Transitions to MASTER." },
};

static uint64_t vrrp_value(const struct vrrp_status *st, int f)
{
	switch (f) {
	case VRRP_PRIO: return st->priority;
	case VRRP_EFF_PRIO: return st->effective_priority;
	case VRRP_VIPS: return st->vips_on;
	case VRRP_SENT: return st->counters.adverts_sent;
	case VRRP_RECV: return st->counters.adverts_received;
	default: return st->counters.became_master;
	}
}

static void emit_vrrp(const struct lvsd *ctx, struct evbuffer *out)
{
	struct vrrp_status st;

	prom_family(out, "lvsd_vrrp_state", "gauge",
		    "1 for the VRRP instance's current state (INIT, BACKUP, MASTER, FAULT), else 0.");
	for (size_t i = 0; ctx->vrrp && vrrp_engine_status(ctx->vrrp, i, &st); i++)
		for (int s = 0; s < VRRP_STATE_COUNT_; s++) {
			const struct prom_label l[] = {
				{ "instance", st.name }, { "state", vrrp_state_names[s] },
			};

			prom_sample_u64(out, "lvsd_vrrp_state", l, 2, st.state == (enum vrrp_state)s);
		}
	for (int f = 0; f < VRRP_N_; f++) {
		prom_family(out, vrrp_families[f].name, vrrp_families[f].type, vrrp_families[f].help);
		for (size_t i = 0; ctx->vrrp && vrrp_engine_status(ctx->vrrp, i, &st); i++) {
			const struct prom_label l[] = { { "instance", st.name } };

			prom_sample_u64(out, vrrp_families[f].name, l, 1, vrrp_value(&st, f));
		}
	}
}

static void emit_daemon(const struct lvsd *ctx, struct evbuffer *out)
{
	const struct lvsd_reload_result *rl = &ctx->reload;
	const struct prom_label info[] = {
		{ "version", PACKAGE_VERSION }, { "forwarding_core", lvsd_core_name(ctx) },
		{ "router_id", ctx->cfg->global.router_id },
	};

	prom_family(out, "lvsd_info", "gauge", "lvsd's version, forwarding core and router_id.");
	prom_sample_u64(out, "lvsd_info", info, 3, 1);
	prom_family(out, "lvsd_start_time_seconds", "gauge", "When lvsd started (Unix time).");
	prom_sample_u64(out, "lvsd_start_time_seconds", NULL, 0, (uint64_t)ctx->started);
	prom_family(out, "lvsd_reloads_total", "counter", "Reloads attempted (SIGHUP, lvsctl, auto).");
	prom_sample_u64(out, "lvsd_reloads_total", NULL, 0, rl->count);
	prom_family(out, "lvsd_reload_failures_total", "counter",
		    "Reloads refused because the new file was bad.");
	prom_sample_u64(out, "lvsd_reload_failures_total", NULL, 0, rl->failures);
	prom_family(out, "lvsd_last_reload_success", "gauge",
		    "1 if the last reload succeeded (also before any reload).");
	prom_sample_u64(out, "lvsd_last_reload_success", NULL, 0, rl->when == 0 || rl->ok);
	prom_family(out, "lvsd_last_reload_timestamp_seconds", "gauge",
		    "When the last reload ran (Unix time; 0: none yet).");
	prom_sample_u64(out, "lvsd_last_reload_timestamp_seconds", NULL, 0, (uint64_t)rl->when);
	prom_family(out, "lvsd_last_reload_duration_seconds", "gauge",
		    "How long the last reload took, from reading the file to the table applied.");
	prom_sample_double(out, "lvsd_last_reload_duration_seconds", NULL, 0, rl->duration_ms / 1e3);
	prom_family(out, "lvsd_real_servers_draining", "gauge",
		    "Real servers removed by a reload, still draining.");
	prom_sample_u64(out, "lvsd_real_servers_draining", NULL, 0, drain_count(&ctx->drain));
}

/* ---- the job: rows gathered at once, written a slice per turn of the loop ---- */

/* Samples per slice: ~0.4 ms of the loop (10,000 real servers' 130,000 took ~20 ms). */
#define METRICS_JOB_SLICE 2048

struct metrics_job {
	struct rows rows;		/* copies: a reload between slices changes nothing here */
	struct evbuffer *out;		/* the caller's */
	struct evbuffer *tail;		/* the VRRP families, as they were at the start */
	size_t fam, i;			/* the next sample */
	struct job *driver;
	metrics_job_done_fn done;
	void *done_arg;
};

/* The first part at once: the daemon's families, the rows, and VRRP for the end. */
static int metrics_begin(struct metrics_job *job, const struct lvsd *ctx)
{
	if (gather(ctx, &job->rows) < 0 || !(job->tail = evbuffer_new()))
		return -1;
	emit_daemon(ctx, job->out);
	emit_vrrp(ctx, job->tail);
	return 0;
}

static int metrics_step(struct metrics_job *job, size_t budget)
{
	while (job->fam < FAM_N_) {
		if (!emit_family(&job->rows, job->fam, &job->i, &budget, job->out))
			return 0;
		job->fam++;
		job->i = 0;
	}
	return evbuffer_add_buffer(job->out, job->tail) == 0 ? 1 : -1;
}

static int on_slice(void *arg)
{
	return metrics_step(arg, METRICS_JOB_SLICE);
}

static void on_written(void *arg, int rc)
{
	struct metrics_job *job = arg;

	job->done(job, rc, job->done_arg);
}

static void metrics_job_fini(struct metrics_job *job)
{
	rows_free(&job->rows);
	if (job->tail)
		evbuffer_free(job->tail);
}

struct metrics_job *metrics_job_start(const struct lvsd *ctx, struct evbuffer *out,
				      metrics_job_done_fn done, void *arg)
{
	struct metrics_job *job = calloc(1, sizeof(*job));

	if (!job)
		return NULL;
	job->out = out;
	job->done = done;
	job->done_arg = arg;
	if (metrics_begin(job, ctx) < 0 ||
	    !(job->driver = job_start(ctx->base, on_slice, on_written, job))) {
		metrics_job_free(job);
		return NULL;
	}
	return job;
}

unsigned metrics_job_steps(const struct metrics_job *job)
{
	return job_steps(job->driver);
}

void metrics_job_free(struct metrics_job *job)
{
	if (!job)
		return;
	job_free(job->driver);
	metrics_job_fini(job);
	free(job);
}

int metrics_render(const struct lvsd *ctx, struct evbuffer *out)
{
	struct metrics_job job = { .out = out };
	int rc = metrics_begin(&job, ctx) < 0 ? -1 : metrics_step(&job, SIZE_MAX);

	metrics_job_fini(&job);
	return rc < 0 ? -1 : 0;
}

/* The control socket builds `metrics` as a job (ctl.c); this is its at-once form. */
bool ctl_cmd_metrics(struct lvsd *ctx, const struct ctl_request *req, struct evbuffer *out)
{
	if (req->argc != 1) {
		evbuffer_add_printf(out, "usage: metrics\n");
		return false;
	}
	if (metrics_render(ctx, out) < 0) {
		evbuffer_add_printf(out, "metrics: out of memory\n");
		return false;
	}
	return true;
}

/*
 * import_kad_lvs.c - keepalived's virtual_server blocks (by address,
 * fwmark or virtual_server_group), their real servers and checkers, as
 * lvsd's virtual_services.
 *
 * keepalived checks each real server with its own checker blocks; lvsd
 * has one check per server, inherited from the service unless
 * overridden. The first checker of a server is carried, the others are
 * warned about, and identical checks are hoisted to the service
 * (imp_hoist_checks). keepalived's timing is stated explicitly so that
 * lvsd's other defaults do not change behaviour: interval from
 * delay_loop (default 60 s), timeout from connect_timeout (5 s), rise 1
 * (keepalived restores a server on its first success), and fall = retry
 * + 1 (the failure itself plus its retries). inhibit_on_failure is per
 * server in keepalived and per service in lvsd (on_failure).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "addr.h"
#include "cfg.h"
#include "cfg_values.h"
#include "import_kad.h"

/* "IP PORT" words as an lvsd endpoint; port 0 gives the bare IP. */
static const char *endpoint(struct kad *k, const struct kad_stmt *s, size_t i,
			    bool port_needed)
{
	struct lvs_addr a;
	char buf[ADDR_STRLEN + 8], err[256];
	const char *port = i + 1 < s->n ? s->w[i + 1] : "0";

	if (i >= s->n) {
		kad_arg(k, s, i);
		return NULL;
	}
	if (strcmp(port, "0") == 0 && !port_needed)
		snprintf(buf, sizeof(buf), "%s", s->w[i]);
	else if (strchr(s->w[i], ':'))
		snprintf(buf, sizeof(buf), "[%s]:%s", s->w[i], port);
	else
		snprintf(buf, sizeof(buf), "%s:%s", s->w[i], port);
	if (addr_parse(buf, port_needed ? ADDR_PORT_REQUIRED : ADDR_PORT_OPTIONAL,
		       &a, err, sizeof(err)) < 0) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "%s — dropped", err);
		return NULL;
	}
	return imp_strdup(k->ctx, addr_format(&a, buf, sizeof(buf)));
}

static bool known(const char *const *names, const char *s)
{
	for (size_t i = 0; names[i]; i++)
		if (strcasecmp(names[i], s) == 0)
			return true;
	return false;
}

/* ---- real servers --------------------------------------------------------- */

static const char *const unsupported_checkers[] = {
	"UDP_CHECK", "PING_CHECK", "FILE_CHECK", "BFD_CHECK", NULL,
};

static void rs_key(struct kad_vs *vs, struct imp_node *rs, const struct kad_stmt *s)
{
	struct kad *k = vs->k;
	const char *v;
	int kind = kad_checker_index(s);

	if (kind >= 0) {
		struct imp_node *c;

		if (imp_get(rs, "check")) {
			imp_warn(k->ctx, s->file, s->line, s->w[0], "lvsd has one check "
				 "per real server — the first is used, this one dropped");
		} else if ((c = kad_checker(vs, s, kind)) != NULL) {
			imp_attach(rs, "check", c);
		}
	} else if (known(unsupported_checkers, s->w[0])) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "not a check lvsd has — "
			 "dropped");
	} else if (kad_is(s, "weight")) {
		if ((v = kad_uint(k, s, 0, 65535)))
			imp_set(k->ctx, rs, "weight", IMP_NUM, v);
	} else if (kad_is(s, "notify_up") || kad_is(s, "notify_down")) {
		if ((v = kad_command(k, s)))
			imp_set(k->ctx, rs, s->w[0], IMP_STR, v);
	} else if (kad_is(s, "uthreshold") || kad_is(s, "lthreshold")) {
		if ((v = kad_uint(k, s, 0, 16777216)))
			imp_set(k->ctx, rs, kad_is(s, "uthreshold") ? "upper_threshold" :
				"lower_threshold", IMP_NUM, v);
	} else if ((kad_is(s, "lb_kind") || kad_is(s, "lvs_method")) &&
		   (v = kad_arg(k, s, 1))) {
		if (known((const char *const[]){ "NAT", "DR", "TUN", NULL }, v))
			imp_set(k->ctx, rs, "forwarding", IMP_STR, kad_lower(k, v));
		else
			imp_warn(k->ctx, s->file, s->line, s->w[0], "'%s' — dropped", v);
	} else {
		kad_unknown(k, s, "real_server");
	}
}

/*
 * keepalived clears the port of a fwmark service's real server (the mark,
 * not a port, selects the traffic) but its checker still connects there:
 * the port moves from the address to the check.
 */
static void fwmark_port(struct kad *k, struct imp_node *rs)
{
	struct imp_node *c = imp_get(rs, "check");
	struct lvs_addr a;
	char err[128], ip[ADDR_STRLEN], port[8];

	if (addr_parse(imp_get(rs, "address")->text, ADDR_PORT_OPTIONAL, &a, err,
		       sizeof(err)) < 0 || !a.port)
		return;
	snprintf(port, sizeof(port), "%u", a.port);
	imp_set(k->ctx, rs, "address", IMP_STR, addr_format_ip(&a, ip, sizeof(ip)));
	if (strcmp(imp_get(c, "type")->text, "none") != 0 && !imp_get(c, "port"))
		imp_set(k->ctx, c, "port", IMP_NUM, port);
}

static bool is_default_key(const struct kad_stmt *s);
static bool vs_default(struct kad_vs *vs, const struct kad_stmt *s);

static void real_server(struct kad_vs *vs, const struct kad_stmt *s)
{
	struct kad *k = vs->k;
	const char *addr = endpoint(k, s, 1, false);
	struct imp_node *rs;
	struct kad_vs own = *vs;	/* the service's defaults, then the server's own */

	if (!addr)
		return;
	for (const struct kad_stmt *c = s->child; c; c = c->next)
		vs_default(&own, c);
	rs = imp_origin(imp_push(k->ctx, imp_seq(k->ctx, vs->svc, "real_servers"),
				 IMP_MAP, NULL), s->file, s->line);
	imp_set(k->ctx, rs, "address", IMP_STR, addr);
	imp_set(k->ctx, rs, "weight", IMP_NUM, "1");
	for (const struct kad_stmt *c = s->child; c; c = c->next)
		if (!is_default_key(c))
			rs_key(&own, rs, c);
	if (own.inhibit)
		vs->n_inhibit++;
	else
		vs->n_remove++;
	if (!imp_get(rs, "check")) {
		/* keepalived keeps a server without a checker in the table: so does none */
		imp_attach(rs, "check", imp_push(k->ctx, &(struct imp_node){ .kind = IMP_SEQ },
						 IMP_MAP, NULL));
		imp_set(k->ctx, imp_get(rs, "check"), "type", IMP_STR, "none");
	}
	if (imp_get(vs->svc, "fwmark"))
		fwmark_port(k, rs);
}

/* ---- virtual servers ------------------------------------------------------ */

static bool is_default_key(const struct kad_stmt *s)
{
	static const char *const keys[] = {
		"delay_loop", "connect_timeout", "retry", "nb_get_retry",
		"virtualhost", "alpha", "inhibit_on_failure", NULL,
	};

	return known(keys, s->w[0]);
}

/* Keys that set defaults for the checkers read later: first pass. */
static bool vs_default(struct kad_vs *vs, const struct kad_stmt *s)
{
	struct kad *k = vs->k;

	if (kad_is(s, "delay_loop"))
		vs->delay_loop = kad_secs(k, s, 0.001, 86400);
	else if (kad_is(s, "connect_timeout"))
		vs->connect_timeout = kad_secs(k, s, 0.001, 3600);
	else if (kad_is(s, "retry") || kad_is(s, "nb_get_retry"))
		vs->retry = kad_uint(k, s, 0, 999);
	else if (kad_is(s, "virtualhost"))
		vs->virtualhost = kad_arg(k, s, 1);
	else if (kad_is(s, "alpha"))
		vs->alpha = true;
	else if (kad_is(s, "inhibit_on_failure"))
		vs->inhibit = true;
	else
		return false;
	return true;
}

static void vs_persistence(struct kad_vs *vs, const struct kad_stmt *s)
{
	struct kad *k = vs->k;
	bool timeout = kad_is(s, "persistence_timeout");
	const char *v = timeout ? kad_uint(k, s, 1, 86400 * 31) : kad_arg(k, s, 1);

	if (v && !timeout && !imp_netmask_ok(v)) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "'%s' is not a netmask — "
			 "dropped", v);
		return;
	}
	if (v)
		imp_set(k->ctx, imp_map(k->ctx, vs->svc, "persistence"),
			timeout ? "timeout" : "netmask", timeout ? IMP_NUM : IMP_STR, v);
}

static void vs_key(struct kad_vs *vs, const struct kad_stmt *s)
{
	struct kad *k = vs->k;
	const char *v;

	if (kad_is(s, "real_server")) {
		real_server(vs, s);
	} else if ((kad_is(s, "lb_algo") || kad_is(s, "lvs_sched")) &&
		   (v = kad_arg(k, s, 1))) {
		if (known(cfg_sched_names, v))
			imp_set(k->ctx, vs->svc, "scheduler", IMP_STR, kad_lower(k, v));
		else
			imp_warn(k->ctx, s->file, s->line, s->w[0], "'%s' is not a "
				 "scheduler lvsd has — dropped (lvsd uses wlc)", v);
	} else if ((kad_is(s, "lb_kind") || kad_is(s, "lvs_method")) &&
		   (v = kad_arg(k, s, 1))) {
		if (known((const char *const[]){ "NAT", "DR", "TUN", NULL }, v))
			imp_set(k->ctx, vs->svc, "forwarding", IMP_STR, kad_lower(k, v));
		else
			imp_warn(k->ctx, s->file, s->line, s->w[0], "'%s' — dropped", v);
	} else if (kad_is(s, "persistence_timeout") ||
		   kad_is(s, "persistence_granularity")) {
		vs_persistence(vs, s);
	} else if (kad_is(s, "sorry_server")) {
		if ((v = endpoint(k, s, 1, true)))
			imp_set(k->ctx, vs->svc, "sorry_server", IMP_STR, v);
	} else if (kad_is(s, "quorum") || kad_is(s, "hysteresis")) {
		if ((v = kad_uint(k, s, 0, 4294967295.0)))
			imp_set(k->ctx, vs->svc, s->w[0], IMP_NUM, v);
	} else if (kad_is(s, "quorum_up") || kad_is(s, "quorum_down")) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "lvsd runs no command on "
			 "quorum changes — dropped");
	} else if (kad_is(s, "sorry_server_inhibit") || kad_is(s, "sorry_server_lvs_method")) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "the sorry server takes the "
			 "service's forwarding in lvsd — dropped");
	} else if (kad_is(s, "protocol") || is_default_key(s)) {
		;	/* read before the real servers */
	} else if (kad_is(s, "ha_suspend") || kad_is(s, "omega") || kad_is(s, "ops") ||
		   kad_is(s, "persistence_engine") || kad_is(s, "delay_before_retry") ||
		   kad_is(s, "warmup") || kad_is(s, "smtp_alert")) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "lvsd has no equivalent "
			 "— dropped");
	} else {
		kad_unknown(k, s, "virtual_server");
	}
}

/* Persistence without a timeout, thresholds, on_failure, a bare none check. */
static void vs_finish(struct kad_vs *vs, const struct kad_stmt *blk)
{
	struct kad *k = vs->k;
	struct imp_node *p = imp_get(vs->svc, "persistence"), *c;

	if (p && !imp_get(p, "timeout")) {
		imp_warn(k->ctx, blk->file, blk->line, "persistence_granularity",
			 "without persistence_timeout it means nothing — dropped");
		imp_take(vs->svc, "persistence");
	}
	if (vs->n_inhibit && vs->n_remove)
		imp_warn(k->ctx, blk->file, blk->line, "inhibit_on_failure", "set on "
			 "%u of %u real servers; lvsd decides per service — %s for all",
			 vs->n_inhibit, vs->n_inhibit + vs->n_remove,
			 vs->n_inhibit >= vs->n_remove ? "quiesce" : "remove");
	imp_set(k->ctx, vs->svc, "on_failure", IMP_STR,
		vs->n_inhibit >= vs->n_remove && vs->n_inhibit ? "quiesce" : "remove");
	if (imp_get(vs->svc, "hysteresis") && atoll(imp_get(vs->svc, "hysteresis")->text) >=
	    atoll(imp_get(vs->svc, "quorum") ? imp_get(vs->svc, "quorum")->text : "1")) {
		imp_warn(k->ctx, blk->file, blk->line, "hysteresis", "lvsd needs it "
			 "below quorum — dropped");
		imp_take(vs->svc, "hysteresis");
	}
	imp_hoist_checks(k->ctx, vs->svc);
	c = imp_get(vs->svc, "check");
	if (c && imp_count(c) == 1)	/* only "type: none": lvsd's default */
		imp_take(vs->svc, "check");
	if ((c = imp_take(vs->svc, "real_servers")) != NULL)
		imp_attach(vs->svc, "real_servers", c);	/* last, as people write it */
}

/* A service at `where` (address words or fwmark) with the block's body. */
static void build_service(struct kad *k, const struct kad_stmt *blk,
			  const struct kad_stmt *where, size_t at)
{
	struct kad_vs vs = { .k = k };
	const char *proto = "tcp", *v;

	for (const struct kad_stmt *s = blk->child; s; s = s->next) {
		if (kad_is(s, "protocol") && (v = kad_arg(k, s, 1))) {
			if (strcasecmp(v, "TCP") && strcasecmp(v, "UDP")) {
				imp_warn(k->ctx, s->file, s->line, "protocol", "%s: lvsd "
					 "balances tcp and udp only — service dropped", v);
				return;
			}
			proto = kad_lower(k, v);
		} else {
			vs_default(&vs, s);
		}
	}
	if (strcmp(where->w[at], "fwmark") == 0) {
		if (!(v = kad_arg(k, where, at + 1)) || !imp_number(v, 1, 4294967295.0) ||
		    strchr(v, '.')) {
			imp_warn(k->ctx, where->file, where->line, "fwmark", "'%s' is not "
				 "a mark in 1..4294967295 — service dropped", v ? v : "");
			return;
		}
		vs.svc = imp_origin(imp_push(k->ctx, k->services, IMP_MAP, NULL),
				    where->file, where->line);
		imp_set(k->ctx, vs.svc, "fwmark", IMP_NUM, v);
	} else {
		if (!(v = endpoint(k, where, at, true)))
			return;
		vs.svc = imp_origin(imp_push(k->ctx, k->services, IMP_MAP, NULL),
				    where->file, where->line);
		imp_set(k->ctx, vs.svc, "address", IMP_STR, v);
		imp_set(k->ctx, vs.svc, "protocol", IMP_STR, proto);
	}
	for (const struct kad_stmt *s = blk->child; s; s = s->next)
		vs_key(&vs, s);
	vs_finish(&vs, blk);
}

/* ---- virtual_server_group ------------------------------------------------- */

#define MAX_RANGE 256

/* "10.0.0.1-10 80": one service per address of the last octet's range. */
static void group_range(struct kad *k, const struct kad_stmt *blk,
			const struct kad_stmt *e)
{
	char *dash = strchr(e->w[0], '-'), *dot = strrchr(e->w[0], '.'), *end;
	long lo, hi;

	if (!dot || dash < dot || e->n != 2) {
		imp_warn(k->ctx, e->file, e->line, e->w[0], "a range lvsd cannot "
			 "expand (only IPv4 last-octet ranges) — dropped");
		return;
	}
	lo = strtol(dot + 1, &end, 10);
	hi = strtol(dash + 1, &end, 10);
	if (*end || end == dash + 1 || lo > hi || hi > 255 || hi - lo >= MAX_RANGE) {
		imp_warn(k->ctx, e->file, e->line, e->w[0], "not a range like "
			 "10.0.0.1-10 — dropped");
		return;
	}
	for (long i = lo; i <= hi; i++) {
		FILE *warn = k->ctx->warn;
		char *w[2] = { imp_printf(k->ctx, "%.*s%ld", (int)(dot + 1 - e->w[0]),
					  e->w[0], i), e->w[1] };
		struct kad_stmt one = { .file = e->file, .line = e->line, .w = w, .n = 2 };

		if (i != lo)
			k->ctx->warn = NULL;
		build_service(k, blk, &one, 0);
		k->ctx->warn = warn;
	}
}

static void group_service(struct kad *k, const struct kad_stmt *s)
{
	const struct kad_stmt *g = NULL;

	for (const struct kad_stmt *t = k->top; t; t = t->next)
		if (kad_is(t, "virtual_server_group") && t->n > 1 &&
		    strcmp(t->w[1], s->w[2]) == 0)
			g = t;
	if (!g) {
		imp_warn(k->ctx, s->file, s->line, "virtual_server", "group %s: no "
			 "virtual_server_group of that name — dropped", s->w[2]);
		return;
	}
	imp_warn(k->ctx, s->file, s->line, "virtual_server", "group %s: lvsd has "
		 "no service groups — expanded to one service per member", s->w[2]);
	for (const struct kad_stmt *e = g->child; e; e = e->next) {
		FILE *warn = k->ctx->warn;

		/* the body's warnings are the same for every member: say them once */
		if (e != g->child)
			k->ctx->warn = NULL;
		if (kad_is(e, "fwmark") || (e->n == 2 && !strchr(e->w[0], '-')))
			build_service(k, s, e, 0);
		else if (e->n == 2)
			group_range(k, s, e);
		k->ctx->warn = warn;
		if (!kad_is(e, "fwmark") && e->n != 2)
			kad_unknown(k, e, "virtual_server_group");
	}
}

void kad_virtual_server(struct kad *k, const struct kad_stmt *s)
{
	if (!s->block) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "without a block — dropped");
	} else if (s->n == 3 && strcmp(s->w[1], "group") == 0) {
		group_service(k, s);
	} else if (s->n == 3) {
		build_service(k, s, s, 1);
	} else {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "expected 'IP PORT', "
			 "'fwmark N' or 'group NAME' — dropped");
	}
}

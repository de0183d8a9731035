/*
 * import_kad_vrrp.c - keepalived's vrrp_instance, vrrp_script and
 * vrrp_sync_group blocks as lvsd's vrrp_instances and sync_groups.
 *
 * keepalived speaks VRRPv2 unless global_defs says vrrp_version 3; lvsd
 * defaults to 3, so every imported instance states its version: a
 * director migrated one at a time must keep talking to its peer. lvsd
 * puts every VIP on the instance's interface and has no per-VIP device,
 * label or scope; what a virtual_ipaddress line says beyond the address
 * is reported as dropped. IPv6 VIPs need VRRP over IPv6, which lvsd does
 * not do yet: they are dropped with a warning rather than failing the
 * whole file. The process settings of global_defs that serve VRRP's
 * timing (vrrp_priority, vrrp_no_swap, and their checker_ twins) become
 * global.nice and global.lock_memory here too.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "import_kad.h"

struct vi {
	struct kad *k;
	struct imp_node *inst;
	const char *interface;
};

/* "10.0.0.100/24 dev eth0 label eth0:1 brd ..." -> "10.0.0.100/24". */
static void vip_line(struct vi *v, const struct kad_stmt *s, struct imp_node *vips)
{
	struct lvs_prefix pfx;
	char err[256];

	if (addr_parse_prefix(s->w[0], &pfx, err, sizeof(err)) < 0) {
		imp_warn(v->k->ctx, s->file, s->line, s->w[0], "%s — dropped", err);
		return;
	}
	if (pfx.addr.af != AF_INET) {
		imp_warn(v->k->ctx, s->file, s->line, s->w[0], "an IPv6 VIP needs VRRP "
			 "over IPv6, which lvsd does not support yet — dropped");
		return;
	}
	imp_push(v->k->ctx, vips, IMP_STR, s->w[0]);
	for (size_t i = 1; i < s->n; i++) {
		const char *opt = s->w[i], *val = i + 1 < s->n ? s->w[i + 1] : "";

		if (strcmp(opt, "dev") == 0 && v->interface && strcmp(val, v->interface) == 0) {
			i++;
			continue;
		}
		if (strcmp(opt, "dev") == 0 || strcmp(opt, "label") == 0 ||
		    strcmp(opt, "brd") == 0 || strcmp(opt, "broadcast") == 0 ||
		    strcmp(opt, "scope") == 0) {
			imp_warn(v->k->ctx, s->file, s->line, opt, "'%s %s' on VIP %s: lvsd "
				 "puts every VIP on the instance's interface, without "
				 "label, broadcast or scope — dropped", opt, val, s->w[0]);
			i++;
		} else if (addr_parse_prefix(opt, &pfx, err, sizeof(err)) == 0) {
			struct kad_stmt more = { .file = s->file, .line = s->line,
						 .w = s->w + i, .n = 1 };

			vip_line(v, &more, vips);	/* several VIPs on one line */
		} else {
			imp_warn(v->k->ctx, s->file, s->line, opt, "on VIP %s: not "
				 "supported — dropped", s->w[0]);
		}
	}
}

static void vips(struct vi *v, const struct kad_stmt *blk, bool excluded)
{
	struct imp_node *list = imp_seq(v->k->ctx, v->inst, "virtual_ips");

	if (excluded)
		imp_warn(v->k->ctx, blk->file, blk->line, blk->w[0], "lvsd advertises "
			 "every VIP — carried into virtual_ips");
	for (const struct kad_stmt *s = blk->child; s; s = s->next)
		vip_line(v, s, list);
}

static void unicast_peers(struct vi *v, const struct kad_stmt *blk)
{
	struct imp_node *list = imp_seq(v->k->ctx, v->inst, "unicast_peers");
	struct lvs_addr a;
	char err[256];

	for (const struct kad_stmt *s = blk->child; s; s = s->next) {
		if (addr_parse(s->w[0], ADDR_PORT_NONE, &a, err, sizeof(err)) < 0 ||
		    a.af != AF_INET) {
			imp_warn(v->k->ctx, s->file, s->line, s->w[0], "%s — dropped",
				 a.af == AF_INET6 ? "an IPv6 peer needs VRRP over IPv6" : err);
			continue;
		}
		imp_push(v->k->ctx, list, IMP_STR, s->w[0]);
		if (s->n > 1)
			imp_warn(v->k->ctx, s->file, s->line, s->w[1], "peer options "
				 "(min_ttl, max_ttl): not supported — dropped");
	}
}

/* "eth1 weight -50" lines. */
static void track_interfaces(struct vi *v, const struct kad_stmt *blk)
{
	struct imp_node *list = imp_seq(v->k->ctx, v->inst, "track_interfaces");

	for (const struct kad_stmt *s = blk->child; s; s = s->next) {
		struct imp_node *t = imp_push(v->k->ctx, list, IMP_MAP, NULL);

		imp_set(v->k->ctx, t, "name", IMP_STR, s->w[0]);
		if (s->n >= 3 && strcmp(s->w[1], "weight") == 0 &&
		    imp_number(s->w[2][0] == '-' ? s->w[2] + 1 : s->w[2], 0, 254)) {
			imp_set(v->k->ctx, t, "weight", IMP_NUM, s->w[2]);
			if (s->n > 3)
				imp_warn(v->k->ctx, s->file, s->line, s->w[3], "track_interface "
					 "option: not supported — dropped");
		} else if (s->n > 1) {
			imp_warn(v->k->ctx, s->file, s->line, s->w[1], "track_interface "
				 "option: not understood — dropped");
		}
	}
}

static const struct kad_stmt *find_script(struct kad *k, const char *name)
{
	for (const struct kad_stmt *s = k->top; s; s = s->next)
		if (kad_is(s, "vrrp_script") && s->n > 1 && strcmp(s->w[1], name) == 0)
			return s;
	return NULL;
}

static void script_key(struct kad *k, const struct kad_stmt *s, struct imp_node *t)
{
	const char *v;

	if (kad_is(s, "script")) {
		if ((v = kad_command(k, s)) != NULL)
			imp_set(k->ctx, t, "script", IMP_STR, v);
	} else if (kad_is(s, "interval") || kad_is(s, "timeout")) {
		if ((v = kad_secs(k, s, 0.001, kad_is(s, "interval") ? 86400 : 3600)))
			imp_set(k->ctx, t, s->w[0], IMP_NUM, v);
	} else if (kad_is(s, "rise") || kad_is(s, "fall")) {
		if ((v = kad_uint(k, s, 1, 1000)))
			imp_set(k->ctx, t, s->w[0], IMP_NUM, v);
	} else if (kad_is(s, "weight") && s->n > 1) {
		const char *w = s->w[1];

		if (imp_number(w[0] == '-' ? w + 1 : w, 0, 254) && !strchr(w, '.')) {
			if (strcmp(w, "0") != 0)
				imp_set(k->ctx, t, "weight", IMP_NUM, w);
		} else {
			imp_warn(k->ctx, s->file, s->line, "weight", "'%s' is not in "
				 "-254..254 — dropped", w);
		}
		if (s->n > 2)
			imp_warn(k->ctx, s->file, s->line, s->w[2], "weight option: not "
				 "supported — dropped");
	} else if (kad_is(s, "user")) {
		imp_warn(k->ctx, s->file, s->line, "user", "lvsd runs every script as "
			 "global.script_user — dropped");
	} else {
		kad_unknown(k, s, "vrrp_script");
	}
}

/* A track_script line "chk_haproxy [weight N]" with its vrrp_script block. */
static void track_script(struct vi *v, const struct kad_stmt *s, struct imp_node *list)
{
	const struct kad_stmt *def = find_script(v->k, s->w[0]);
	struct imp_node scratch = { .kind = IMP_SEQ }, *t;

	if (!def) {
		imp_warn(v->k->ctx, s->file, s->line, s->w[0], "no vrrp_script of that "
			 "name — dropped");
		return;
	}
	t = imp_push(v->k->ctx, &scratch, IMP_MAP, NULL);
	for (const struct kad_stmt *d = def->child; d; d = d->next)
		script_key(v->k, d, t);
	if (s->n >= 3 && strcmp(s->w[1], "weight") == 0) {
		struct kad_stmt w = { .file = s->file, .line = s->line, .w = s->w + 1,
				      .n = s->n - 1 };

		script_key(v->k, &w, t);
	}
	if (imp_get(t, "script"))
		imp_attach(list, NULL, t);
	else
		imp_warn(v->k->ctx, def->file, def->line, s->w[0], "vrrp_script without "
			 "a usable script — its tracking is dropped");
}

static const struct {
	const char *kw, *key, *sub;	/* sub: the mapping it goes in, or NULL */
	char type;			/* 's' string, 'u' whole number, 't' seconds, 'c' command */
	double lo, hi;
} vi_keys[] = {
	{ "interface", "interface", NULL, 's', 0, 0 },
	{ "virtual_router_id", "virtual_router_id", NULL, 'u', 1, 255 },
	{ "priority", "priority", NULL, 'u', 1, 255 },
	{ "advert_int", "advert_interval", NULL, 't', 0.01, 255 },
	{ "preempt_delay", "preempt_delay", NULL, 't', 0, 1000 },
	{ "version", "version", NULL, 'u', 2, 3 },
	{ "notify_master", "master", "notify", 'c', 0, 0 },
	{ "notify_backup", "backup", "notify", 'c', 0, 0 },
	{ "notify_fault", "fault", "notify", 'c', 0, 0 },
	{ "notify_stop", "stop", "notify", 'c', 0, 0 },
	{ "garp_master_delay", "delay", "garp", 't', 0, 3600 },
	{ "garp_master_repeat", "repeat", "garp", 'u', 1, 100 },
	{ "garp_master_refresh", "refresh", "garp", 't', 0, 86400 },
};

static bool simple_key(struct vi *v, const struct kad_stmt *s)
{
	for (size_t i = 0; i < sizeof(vi_keys) / sizeof(vi_keys[0]); i++) {
		struct imp_node *dst = v->inst;
		const char *val;

		if (!kad_is(s, vi_keys[i].kw))
			continue;
		switch (vi_keys[i].type) {
		case 's': val = kad_arg(v->k, s, 1); break;
		case 'u': val = kad_uint(v->k, s, vi_keys[i].lo, vi_keys[i].hi); break;
		case 't': val = kad_secs(v->k, s, vi_keys[i].lo, vi_keys[i].hi); break;
		default: val = kad_command(v->k, s); break;
		}
		if (!val)
			return true;
		if (vi_keys[i].sub)
			dst = imp_map(v->k->ctx, v->inst, vi_keys[i].sub);
		imp_set(v->k->ctx, dst, vi_keys[i].key,
			vi_keys[i].type == 'u' || vi_keys[i].type == 't' ? IMP_NUM : IMP_STR,
			val);
		if (kad_is(s, "interface"))
			v->interface = val;
		return true;
	}
	return false;
}

static void instance_key(struct vi *v, const struct kad_stmt *s)
{
	struct imp_ctx *ctx = v->k->ctx;

	if (simple_key(v, s))
		return;
	if (kad_is(s, "state")) {
		imp_warn(ctx, s->file, s->line, "state", "lvsd derives the initial state "
			 "from priority (255 starts as master) — dropped");
	} else if (kad_is(s, "nopreempt")) {
		imp_set(ctx, v->inst, "preempt", IMP_BOOL, "false");
	} else if (kad_is(s, "preempt")) {
		imp_set(ctx, v->inst, "preempt", IMP_BOOL, "true");
	} else if (kad_is(s, "virtual_ipaddress") && s->block) {
		vips(v, s, false);
	} else if (kad_is(s, "virtual_ipaddress_excluded") && s->block) {
		vips(v, s, true);
	} else if (kad_is(s, "unicast_peer") && s->block) {
		unicast_peers(v, s);
	} else if (kad_is(s, "track_interface") && s->block) {
		track_interfaces(v, s);
	} else if (kad_is(s, "track_script") && s->block) {
		struct imp_node *list = imp_seq(ctx, v->inst, "track_scripts");

		for (const struct kad_stmt *t = s->child; t; t = t->next)
			track_script(v, t, list);
	} else if (kad_is(s, "authentication")) {
		imp_warn(ctx, s->file, s->line, s->w[0], "VRRP authentication is not "
			 "in VRRPv3 and lvsd does not do it — dropped (peers must not "
			 "require it)");
	} else if (kad_is(s, "notify")) {
		imp_warn(ctx, s->file, s->line, s->w[0], "a single notify script for "
			 "every state: lvsd calls notify.master/backup/fault/stop — "
			 "dropped");
	} else if (kad_is(s, "smtp_alert")) {
		imp_warn(ctx, s->file, s->line, s->w[0], "e-mail alerts are not "
			 "supported (use notify scripts) — dropped");
	} else if (kad_is(s, "lvs_sync_daemon_interface") && s->n > 1) {
		struct imp_node *g = imp_map(ctx, ctx->root, "global");

		imp_set(ctx, imp_map(ctx, g, "lvs_sync"), "interface", IMP_STR, s->w[1]);
		imp_warn(ctx, s->file, s->line, s->w[0], "moved to global.lvs_sync: "
			 "lvsd runs one sync daemon for the director — carried");
	} else {
		kad_unknown(v->k, s, "vrrp_instance");
	}
}

/* Drop empty lists the block left behind: the schema wants none or some. */
static void drop_empty(struct imp_node *inst, const char *key)
{
	struct imp_node *n = imp_get(inst, key);

	if (n && !n->first)
		imp_take(inst, key);
}

void kad_vrrp_instance(struct kad *k, const struct kad_stmt *s)
{
	static const char *const lists[] = {
		"unicast_peers", "track_interfaces", "track_scripts", NULL,
	};
	struct vi v = { .k = k };

	if (s->n < 2 || !s->block) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "needs a name and a block "
			 "— dropped");
		return;
	}
	v.inst = imp_origin(imp_push(k->ctx, k->vrrp, IMP_MAP, NULL), s->file, s->line);
	imp_set(k->ctx, v.inst, "name", IMP_STR, s->w[1]);
	/* the interface first: VIP lines compare their dev with it */
	for (const struct kad_stmt *c = s->child; c; c = c->next)
		if (kad_is(c, "interface"))
			instance_key(&v, c);
	for (const struct kad_stmt *c = s->child; c; c = c->next)
		if (!kad_is(c, "interface"))
			instance_key(&v, c);
	if (!imp_get(v.inst, "version"))
		imp_set(k->ctx, v.inst, "version", IMP_NUM,
			k->vrrp_version ? k->vrrp_version : "2");
	for (size_t i = 0; lists[i]; i++)
		drop_empty(v.inst, lists[i]);
}

void kad_sync_group(struct kad *k, const struct kad_stmt *s)
{
	struct imp_node *g, *list;

	if (s->n < 2 || !s->block) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "needs a name and a block "
			 "— dropped");
		return;
	}
	g = imp_origin(imp_push(k->ctx, k->groups, IMP_MAP, NULL), s->file, s->line);
	imp_set(k->ctx, g, "name", IMP_STR, s->w[1]);
	list = imp_seq(k->ctx, g, "instances");
	for (const struct kad_stmt *c = s->child; c; c = c->next) {
		if (kad_is(c, "group") && c->block) {
			for (const struct kad_stmt *m = c->child; m; m = m->next)
				for (size_t i = 0; i < m->n; i++)
					imp_push(k->ctx, list, IMP_STR, m->w[i]);
		} else if (kad_is(c, "notify_master") || kad_is(c, "notify_backup") ||
			   kad_is(c, "notify_fault") || kad_is(c, "notify_stop") ||
			   kad_is(c, "notify")) {
			imp_warn(k->ctx, c->file, c->line, c->w[0], "lvsd notifies per "
				 "instance, not per sync group (set it on the instances) "
				 "— dropped");
		} else if (kad_is(c, "smtp_alert")) {
			imp_warn(k->ctx, c->file, c->line, c->w[0], "e-mail alerts are "
				 "not supported — dropped");
		} else {
			kad_unknown(k, c, "vrrp_sync_group");
		}
	}
}

/*
 * keepalived runs VRRP and the checkers in two processes, each with its
 * own priority; lvsd runs both in one, so its nice is the more urgent
 * (lower) of the two.
 */
static void global_nice(struct kad *k, const struct kad_stmt *s, struct imp_node *global)
{
	const char *v = kad_uint(k, s, -20, 19);
	struct imp_node *have = imp_get(global, "nice");

	if (!v)
		return;
	if (have && atoi(have->text) != atoi(v))
		imp_warn(k->ctx, s->file, s->line, s->w[0], "lvsd runs VRRP and the checks in "
			 "one process: nice is the lower of %s and %s", have->text, v);
	if (!have || atoi(v) < atoi(have->text))
		imp_set(k->ctx, global, "nice", IMP_NUM, v);
}

bool kad_global_process(struct kad *k, const struct kad_stmt *s, struct imp_node *global)
{
	if (kad_is(s, "vrrp_priority") || kad_is(s, "checker_priority")) {
		global_nice(k, s, global);
		return true;
	}
	if (kad_is(s, "vrrp_no_swap") || kad_is(s, "checker_no_swap")) {
		imp_set(k->ctx, global, "lock_memory", IMP_BOOL, "true");
		return true;
	}
	return false;
}

/*
 * import_finish.c - the last pass of `lvsctl import` (import.h): what
 * `lvsd -t` checks across objects, applied to whatever a parser built.
 *
 * The source formats let through things lvsd refuses: keepalived
 * happily reads the same virtual_server twice, an ldirectord fwmark
 * service may check servers that have no port, a keepalived instance
 * may lose its only VIP to the IPv6 rule. Rather than emit a file that
 * fails, each such object is fixed or dropped here, with a warning at
 * the place it was defined.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "import.h"

static const char *text_of(const struct imp_node *map, const char *key)
{
	const struct imp_node *n = imp_get(map, key);

	return n && n->text ? n->text : NULL;
}

static void warn_at(struct imp_ctx *ctx, const struct imp_node *n,
		    const char *keyword, const char *why)
{
	imp_warn(ctx, n->file ? n->file : "(import)", n->line, keyword, "%s", why);
}

/* Unlink child `c` of a sequence. */
static void unlink_child(struct imp_node *seq, struct imp_node *c)
{
	struct imp_node *prev = NULL;

	for (struct imp_node *x = seq->first; x; prev = x, x = x->next) {
		if (x != c)
			continue;
		if (prev)
			prev->next = x->next;
		else
			seq->first = x->next;
		if (seq->last == x)
			seq->last = prev;
		return;
	}
}

/* A server's IP and the port its traffic goes to. */
static bool server_key(const struct imp_node *svc, const struct imp_node *rs,
		       struct lvs_addr *a)
{
	struct lvs_addr s = { 0 };
	char err[128];
	const char *sa = text_of(svc, "address");

	if (addr_parse(text_of(rs, "address"), ADDR_PORT_OPTIONAL, a, err, sizeof(err)) < 0)
		return false;
	if (!a->port && sa && addr_parse(sa, ADDR_PORT_REQUIRED, &s, err, sizeof(err)) == 0)
		a->port = s.port;
	return true;
}

/* The server's check has a type that connects, and nothing says where. */
static bool check_lacks_port(const struct imp_node *svc, const struct imp_node *rs,
			     const struct lvs_addr *a)
{
	const struct imp_node *own = imp_get(rs, "check"), *def = imp_get(svc, "check");
	const char *type = text_of(own, "type");
	bool fresh = type && (!def || strcmp(type, text_of(def, "type")) != 0);

	if (!type)
		type = def ? text_of(def, "type") : "none";
	if (!strcmp(type, "none") || !strcmp(type, "script") || a->port)
		return false;
	return !text_of(own, "port") && (fresh || !text_of(def, "port"));
}

static void finish_servers(struct imp_ctx *ctx, struct imp_node *svc)
{
	struct imp_node *list = imp_get(svc, "real_servers"), *rs, *next;

	for (rs = list ? list->first : NULL; rs; rs = next) {
		struct lvs_addr a, b;
		bool dup = false;

		next = rs->next;
		if (!server_key(svc, rs, &a))
			continue;
		for (struct imp_node *o = list->first; o != rs && !dup; o = o->next)
			dup = server_key(svc, o, &b) && addr_ip_equal(&a, &b) && a.port == b.port;
		if (dup) {
			warn_at(ctx, rs, text_of(rs, "address"), "already a real server of "
				"this service — dropped");
			unlink_child(list, rs);
		} else if (check_lacks_port(svc, rs, &a)) {
			struct imp_node *c = imp_map(ctx, rs, "check");

			warn_at(ctx, rs, text_of(rs, "address"), "no port, so its check "
				"has nothing to connect to — no check for this server");
			c->first = c->last = NULL;
			imp_set(ctx, c, "type", IMP_STR, "none");
		}
	}
}

struct svc_key {
	const char *key;
	size_t index;
	struct imp_node *node;
};

static int svc_key_cmp(const void *pa, const void *pb)
{
	const struct svc_key *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);

	return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* "fwmark 7" or "tcp 10.0.0.1:80": what makes a service unique to lvsd. */
static const char *service_key(struct imp_ctx *ctx, const struct imp_node *svc)
{
	const char *proto = text_of(svc, "protocol");

	if (text_of(svc, "fwmark"))
		return imp_printf(ctx, "fwmark %s", text_of(svc, "fwmark"));
	return imp_printf(ctx, "%s %s", proto ? proto : "tcp", text_of(svc, "address"));
}

/* Duplicates found by sorting, so that thousands of services stay fast. */
static void finish_services(struct imp_ctx *ctx)
{
	struct imp_node *list = imp_get(ctx->root, "virtual_services"), *svc;
	size_t n = imp_count(list), i = 0;
	struct svc_key *keys;

	if (!n)
		return;
	keys = calloc(n, sizeof(*keys));
	if (!keys) {
		fprintf(stderr, "lvsctl: out of memory\n");
		abort();
	}
	for (svc = list->first; svc; svc = svc->next, i++)
		keys[i] = (struct svc_key){ service_key(ctx, svc), i, svc };
	qsort(keys, n, sizeof(*keys), svc_key_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(keys[i].key, keys[i - 1].key) == 0) {
			svc = keys[i].node;
			warn_at(ctx, svc, text_of(svc, "fwmark") ? "fwmark" :
				text_of(svc, "address"), "the same service is defined "
				"above — this one dropped");
			unlink_child(list, svc);
		}
	free(keys);
	for (svc = list->first; svc; svc = svc->next)
		finish_servers(ctx, svc);
}

/* ---- VRRP ---------------------------------------------------------------- */

static bool has_instance(const struct imp_node *list, const char *name)
{
	for (const struct imp_node *v = list ? list->first : NULL; v; v = v->next)
		if (strcmp(text_of(v, "name"), name) == 0)
			return true;
	return false;
}

/* What lvsd requires of an instance; NULL when it has it all. */
static const char *instance_lacks(const struct imp_node *v)
{
	const struct imp_node *vips = imp_get(v, "virtual_ips");

	if (!text_of(v, "interface"))
		return "an interface";
	if (!text_of(v, "virtual_router_id"))
		return "a virtual_router_id";
	if (!vips || !vips->first)
		return "at least one (IPv4) virtual IP";
	return NULL;
}

static void finish_instance(struct imp_ctx *ctx, struct imp_node *v)
{
	const char *adv = text_of(v, "advert_interval"), *ver = text_of(v, "version");
	const struct imp_node *vips = imp_get(v, "virtual_ips");

	if (vips && !vips->first)
		imp_take(v, "virtual_ips");
	if (adv && ver && !strcmp(ver, "2") && strchr(adv, '.')) {
		double secs = strtod(adv, NULL);
		long whole = (long)secs;

		if (whole < secs || whole < 1)
			whole++;
		warn_at(ctx, v, "advert_int", "VRRPv2 counts whole seconds — rounded up");
		imp_set(ctx, v, "advert_interval", IMP_NUM, imp_printf(ctx, "%ld", whole));
	}
}

static void finish_vrrp(struct imp_ctx *ctx)
{
	struct imp_node *list = imp_get(ctx->root, "vrrp_instances"), *v, *next;

	for (v = list ? list->first : NULL; v; v = next) {
		const char *why;

		next = v->next;
		finish_instance(ctx, v);
		if ((why = instance_lacks(v)) != NULL) {
			warn_at(ctx, v, text_of(v, "name"), imp_printf(ctx, "lvsd needs %s "
				"— instance dropped", why));
			unlink_child(list, v);
			continue;
		}
		for (struct imp_node *o = list->first; o != v; o = o->next)
			if (!strcmp(text_of(o, "name"), text_of(v, "name"))) {
				warn_at(ctx, v, text_of(v, "name"), "an instance of that "
					"name is defined above — dropped");
				unlink_child(list, v);
				break;
			}
	}
}

/* Which earlier group already has `name`. */
static bool grouped_before(const struct imp_node *groups, const struct imp_node *g,
			   const char *name)
{
	for (const struct imp_node *o = groups->first; o != g; o = o->next)
		for (const struct imp_node *m = imp_get(o, "instances")->first; m; m = m->next)
			if (!strcmp(m->text, name))
				return true;
	return false;
}

static void finish_groups(struct imp_ctx *ctx)
{
	struct imp_node *groups = imp_get(ctx->root, "sync_groups"), *g, *next;
	const struct imp_node *vrrp = imp_get(ctx->root, "vrrp_instances");

	for (g = groups ? groups->first : NULL; g; g = next) {
		struct imp_node *members = imp_seq(ctx, g, "instances"), *m, *mnext;

		next = g->next;
		for (m = members->first; m; m = mnext) {
			mnext = m->next;
			if (!has_instance(vrrp, m->text) || grouped_before(groups, g, m->text)) {
				warn_at(ctx, g, m->text, has_instance(vrrp, m->text) ?
					"already in another sync group — dropped from this one" :
					"no VRRP instance of that name is carried — dropped from "
					"the group");
				unlink_child(members, m);
			}
		}
		if (!members->first) {
			warn_at(ctx, g, text_of(g, "name"), "no instance left — sync group "
				"dropped");
			unlink_child(groups, g);
		}
	}
}

void imp_finish(struct imp_ctx *ctx)
{
	static const char *const sections[] = {
		"global", "vrrp_instances", "sync_groups", "virtual_services", NULL,
	};

	finish_services(ctx);
	finish_vrrp(ctx);
	finish_groups(ctx);
	for (size_t i = 0; sections[i]; i++) {
		struct imp_node *n = imp_get(ctx->root, sections[i]);

		if (n && !n->first)
			imp_take(ctx->root, sections[i]);
	}
}

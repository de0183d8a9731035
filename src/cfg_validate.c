/*
 * cfg_validate.c - rules that span objects: names and addresses used
 * twice, references to instances that do not exist, combinations the
 * chosen forwarding core cannot do. Runs on a partly bad file too, so
 * that one pass reports everything: a value that did not parse was left
 * at its default (address family 0, name NULL), and every rule here skips
 * those. Each error points at the second occurrence and says where the
 * first one is. Duplicates are found by sorting, not by comparing every
 * pair: a file of 10,000 real servers is reloaded in milliseconds.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

#define ERR(d, mk, ...) cfg_diag_add((d), (mk).line, (mk).col, __VA_ARGS__)

const char *cfg_service_label(const struct cfg_service *s, char *buf,
			      size_t len)
{
	char a[ADDR_STRLEN];

	if (s->name)
		snprintf(buf, len, "%s", s->name);
	else if (s->fwmark)
		snprintf(buf, len, "fwmark %u", s->fwmark);
	else
		snprintf(buf, len, "%s/%s", addr_format(&s->address, a, sizeof(a)),
			 cfg_proto_names[s->protocol]);
	return buf;
}

/* What makes a service unique, not its name: "fwmark 7", "VIP:80/tcp". */
static const char *label_key(const struct cfg_service *s, char *a, size_t alen,
			     char *buf, size_t len)
{
	if (s->fwmark)
		snprintf(buf, len, "fwmark %u", s->fwmark);
	else
		snprintf(buf, len, "%s/%s", addr_format(&s->address, a, alen),
			 cfg_proto_names[s->protocol]);
	return buf;
}

/* An order in which equal items are neighbours: cmp(ctx, i, j) over item indexes. */
struct dup_order {
	int (*cmp)(const void *ctx, size_t a, size_t b);
	const void *ctx;
};

static int dup_sort_cmp(const void *pa, const void *pb, void *arg)
{
	const struct dup_order *o = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = o->cmp(o->ctx, a, b);

	return c ? c : a < b ? -1 : a > b;
}

/*
 * For the n items listed in idx, set first[i] to the lowest index of an
 * item equal to item i, for every item that is not itself that first one
 * (first[] starts at SIZE_MAX). Sorting by (value, index) puts each group
 * of equals together, its first occurrence ahead.
 */
static void find_duplicates(size_t *idx, size_t n, const struct dup_order *o, size_t *first)
{
	qsort_r(idx, n, sizeof(*idx), dup_sort_cmp, (void *)o);
	for (size_t g = 0, e; g < n; g = e)
		for (e = g + 1; e < n && o->cmp(o->ctx, idx[g], idx[e]) == 0; e++)
			first[idx[e]] = idx[g];
}

/* Scratch for find_duplicates over n items: idx and first (all SIZE_MAX). */
static size_t *dup_scratch(size_t n, size_t **first, struct cfg_diag *d)
{
	size_t *idx = calloc(n ? n : 1, sizeof(*idx));

	*first = malloc((n ? n : 1) * sizeof(**first));
	if (!idx || !*first) {
		free(idx);
		free(*first);
		cfg_diag_add(d, 0, 0, "out of memory while checking for duplicates");
		return NULL;
	}
	memset(*first, 0xff, (n ? n : 1) * sizeof(**first));
	return idx;
}

static int service_name_cmp(const void *ctx, size_t a, size_t b)
{
	const struct cfg_service *s = ctx;

	return strcmp(s[a].name, s[b].name);
}

/* Firewall marks first, by mark; then addresses, by protocol and address. */
static int service_key_cmp(const void *ctx, size_t ia, size_t ib)
{
	const struct cfg_service *a = (const struct cfg_service *)ctx + ia;
	const struct cfg_service *b = (const struct cfg_service *)ctx + ib;

	if (!a->fwmark != !b->fwmark)
		return a->fwmark ? -1 : 1;
	if (a->fwmark)
		return a->fwmark < b->fwmark ? -1 : a->fwmark > b->fwmark;
	if (a->protocol != b->protocol)
		return a->protocol < b->protocol ? -1 : 1;
	return addr_cmp(&a->address, &b->address);
}

/*
 * Each duplicate is reported once, against the first occurrence: three
 * copies of a service make two errors, not three (nor n*(n-1)/2).
 */
static void validate_service_pairs(const struct cfg *cfg, struct cfg_diag *d)
{
	const struct dup_order by_name = { service_name_cmp, cfg->services };
	const struct dup_order by_key = { service_key_cmp, cfg->services };
	size_t *idx, *named, *keyed = NULL, n = 0;
	char label[128], a[ADDR_STRLEN];

	if (!(idx = dup_scratch(cfg->n_services, &named, d)))
		return;
	for (size_t i = 0; i < cfg->n_services; i++)
		if (cfg->services[i].name)
			idx[n++] = i;
	find_duplicates(idx, n, &by_name, named);
	free(idx);
	if (!(idx = dup_scratch(cfg->n_services, &keyed, d))) {
		free(named);
		return;
	}
	n = 0;
	for (size_t i = 0; i < cfg->n_services; i++)
		if (cfg->services[i].fwmark || cfg->services[i].address.af)
			idx[n++] = i;
	find_duplicates(idx, n, &by_key, keyed);
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];

		if (named[i] != SIZE_MAX)
			ERR(d, s->name_mark, "virtual_services[%zu].name: '%s' "
			    "is already the name of virtual_services[%zu] "
			    "(line %u)", i, s->name, named[i], cfg->services[named[i]].mark.line);
		if (keyed[i] != SIZE_MAX)
			ERR(d, s->address_mark, "virtual_services[%zu].%s: %s is "
			    "already served by virtual_services[%zu] (line %u)",
			    i, s->fwmark ? "fwmark" : "address",
			    label_key(s, a, sizeof(a), label, sizeof(label)),
			    keyed[i], cfg->services[keyed[i]].mark.line);
	}
	free(idx);
	free(named);
	free(keyed);
}

/* The port traffic goes to: the server's own, else the service's. */
static uint16_t rs_port(const struct cfg_service *s,
			const struct cfg_real_server *rs)
{
	return rs->address.port ? rs->address.port : s->address.port;
}

/* A fwmark service's servers may have no port; most checks need one. */
static bool check_needs_port(const struct cfg_check *c)
{
	return c->type != CHECK_NONE && c->type != CHECK_SCRIPT;
}

/* Real servers by where traffic goes: family, IP, port (the service's if none). */
static int rs_target_cmp(const void *ctx, size_t ia, size_t ib)
{
	const struct cfg_service *s = ctx;
	struct lvs_addr a = s->real_servers[ia].address, b = s->real_servers[ib].address;

	a.port = rs_port(s, &s->real_servers[ia]);
	b.port = rs_port(s, &s->real_servers[ib]);
	return addr_cmp(&a, &b);
}

static void validate_real_servers(const struct cfg *cfg, size_t si,
				  struct cfg_diag *d)
{
	const struct cfg_service *s = &cfg->services[si];
	const struct dup_order by_target = { rs_target_cmp, s };
	size_t *idx, *first, n = 0;
	char a[ADDR_STRLEN];

	if (!(idx = dup_scratch(s->n_real_servers, &first, d)))
		return;
	for (size_t i = 0; i < s->n_real_servers; i++)
		if (s->real_servers[i].address.af)	/* else did not parse; already reported */
			idx[n++] = i;
	find_duplicates(idx, n, &by_target, first);
	free(idx);
	for (size_t i = 0; i < s->n_real_servers; i++) {
		const struct cfg_real_server *rs = &s->real_servers[i];

		if (rs->address.af == 0)
			continue;
		if (first[i] != SIZE_MAX)	/* once, against the first */
			ERR(d, rs->address_mark, "virtual_services[%zu]."
			    "real_servers[%zu].address: %s is already a real "
			    "server of this service (line %u)", si, i,
			    addr_format(&rs->address, a, sizeof(a)),
			    s->real_servers[first[i]].mark.line);
		if (!s->fwmark && s->address.af && rs->address.af != s->address.af &&
		    rs->forwarding != CFG_FWD_TUN)
			ERR(d, rs->address_mark, "virtual_services[%zu].real_servers"
			    "[%zu].address: %s is not of the service's address "
			    "family (only tun can mix IPv4 and IPv6)", si, i,
			    addr_format(&rs->address, a, sizeof(a)));
		if (check_needs_port(&rs->check) && !rs_port(s, rs) && !rs->check.port)
			ERR(d, rs->address_mark, "virtual_services[%zu].real_servers"
			    "[%zu].address: %s has no port, so its %s check has "
			    "nothing to connect to; give the server a port or set "
			    "check.port", si, i, addr_format(&rs->address, a, sizeof(a)),
			    cfg_check_type_name(rs->check.type));
	}
	if (!s->fwmark && s->sorry_server.af && s->address.af &&
	    s->sorry_server.af != s->address.af)
		ERR(d, s->sorry_mark, "virtual_services[%zu].sorry_server: %s is not "
		    "of the service's address family", si,
		    addr_format(&s->sorry_server, a, sizeof(a)));
	free(first);
}

/*
 * What the named core cannot do. With `auto` the file alone cannot say
 * which core this machine will give, so both kinds pass here, and lvsd
 * checks again against the core it runs (fwd_check_cfg, at startup and
 * at every reload), naming the service and its place in the file.
 */
static void validate_core(const struct cfg *cfg, size_t si, struct cfg_diag *d)
{
	const struct cfg_service *s = &cfg->services[si];
	enum cfg_fwd_core core = cfg->global.forwarding_core;

	for (size_t i = 0; i < s->n_real_servers && core == CFG_CORE_USERSPACE; i++) {
		const struct cfg_real_server *rs = &s->real_servers[i];

		if (rs->forwarding != CFG_FWD_NAT)
			ERR(d, rs->mark, "virtual_services[%zu].real_servers[%zu]: "
			    "forwarding %s needs the kernel IPVS core "
			    "(forwarding_core: ipvs); the userspace core does "
			    "nat only", si, i, cfg_fwd_method_names[rs->forwarding]);
	}
	if (core == CFG_CORE_USERSPACE && s->fwmark)
		ERR(d, s->address_mark, "virtual_services[%zu].fwmark: firewall-mark "
		    "services need the kernel IPVS core (forwarding_core: ipvs)", si);
	if (core == CFG_CORE_IPVS && s->proxy_protocol != CFG_PROXY_NONE)
		ERR(d, s->mark, "virtual_services[%zu].proxy_protocol: the kernel "
		    "IPVS core cannot send a PROXY header; it needs "
		    "forwarding_core: userspace", si);
}

/* The earlier instance that owns VIP `ip` too, or NULL. */
static const struct cfg_vrrp *vip_owner(const struct cfg *cfg, size_t before,
					const struct lvs_addr *ip)
{
	for (size_t j = 0; j < before; j++)
		for (size_t l = 0; l < cfg->vrrp[j].n_virtual_ips; l++)
			if (addr_ip_equal(ip, &cfg->vrrp[j].virtual_ips[l].addr))
				return &cfg->vrrp[j];
	return NULL;
}

/*
 * VIPs of instance vi that an earlier instance owns too. The model keeps
 * no mark per VIP: the error points at the instance and names the element.
 */
static void validate_vips(const struct cfg *cfg, size_t vi, struct cfg_diag *d)
{
	const struct cfg_vrrp *v = &cfg->vrrp[vi];
	char a[ADDR_STRLEN];

	for (size_t k = 0; k < v->n_virtual_ips; k++) {
		const struct lvs_addr *ip = &v->virtual_ips[k].addr;
		const struct cfg_vrrp *o;

		if (ip->af == 0)
			continue;	/* did not parse; already reported */
		o = vip_owner(cfg, vi, ip);
		if (o)
			ERR(d, v->mark, "vrrp_instances[%zu].virtual_ips[%zu]: "
			    "%s is also a VIP of %s (line %u)", vi, k,
			    addr_format_ip(ip, a, sizeof(a)),
			    o->name ? o->name : "another instance", o->mark.line);
	}
}

static void validate_vrrp(const struct cfg *cfg, struct cfg_diag *d)
{
	for (size_t i = 0; i < cfg->n_vrrp; i++) {
		const struct cfg_vrrp *v = &cfg->vrrp[i];

		bool named = false, vrid_used = false;

		for (size_t j = 0; j < i; j++) {
			const struct cfg_vrrp *o = &cfg->vrrp[j];

			if (!named && v->name && o->name && strcmp(v->name, o->name) == 0) {
				ERR(d, v->name_mark, "vrrp_instances[%zu].name: '%s' is "
				    "already the name of vrrp_instances[%zu] (line %u)",
				    i, v->name, j, o->mark.line);
				named = true;
			}
			if (!vrid_used && v->vrid && v->vrid == o->vrid && v->interface &&
			    o->interface && strcmp(v->interface, o->interface) == 0) {
				ERR(d, v->vrid_mark, "vrrp_instances[%zu].virtual_router_id: "
				    "%u is already used on %s by %s (line %u)", i,
				    v->vrid, v->interface,
				    o->name ? o->name : "another instance", o->mark.line);
				vrid_used = true;
			}
		}
		validate_vips(cfg, i, d);
	}
}

static const struct cfg_vrrp *find_vrrp(const struct cfg *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_vrrp; i++)
		if (cfg->vrrp[i].name && strcmp(cfg->vrrp[i].name, name) == 0)
			return &cfg->vrrp[i];
	return NULL;
}

/* Which earlier group already holds instance `name`, or NULL. */
static const struct cfg_sync_group *group_of(const struct cfg *cfg, size_t before,
					     const char *name)
{
	for (size_t g = 0; g < before; g++)
		for (size_t k = 0; k < cfg->sync_groups[g].n_instances; k++)
			if (cfg->sync_groups[g].instances[k].name &&
			    strcmp(cfg->sync_groups[g].instances[k].name, name) == 0)
				return &cfg->sync_groups[g];
	return NULL;
}

/* Whether instance k of g repeats an earlier one of g (reported once). */
static bool listed_before(const struct cfg_sync_group *g, size_t k)
{
	for (size_t l = 0; l < k; l++)
		if (g->instances[l].name &&
		    strcmp(g->instances[l].name, g->instances[k].name) == 0)
			return true;
	return false;
}

static void validate_sync_groups(const struct cfg *cfg, struct cfg_diag *d)
{
	for (size_t i = 0; i < cfg->n_sync_groups; i++) {
		const struct cfg_sync_group *g = &cfg->sync_groups[i];

		for (size_t j = 0; j < i; j++) {
			if (g->name && cfg->sync_groups[j].name &&
			    strcmp(g->name, cfg->sync_groups[j].name) == 0) {
				ERR(d, g->name_mark, "sync_groups[%zu].name: '%s' is already "
				    "the name of sync_groups[%zu] (line %u)", i, g->name, j,
				    cfg->sync_groups[j].mark.line);
				break;	/* once, against the first */
			}
		}
		for (size_t k = 0; k < g->n_instances; k++) {
			const struct cfg_ref *r = &g->instances[k];
			const struct cfg_sync_group *other;

			if (!r->name)
				continue;
			other = group_of(cfg, i, r->name);
			if (!find_vrrp(cfg, r->name))
				ERR(d, r->mark, "sync_groups[%zu].instances[%zu]: no VRRP "
				    "instance is named '%s'", i, k, r->name);
			else if (other && other->name)
				ERR(d, r->mark, "sync_groups[%zu].instances[%zu]: '%s' is "
				    "already in sync group '%s'", i, k, r->name, other->name);
			else if (other)
				ERR(d, r->mark, "sync_groups[%zu].instances[%zu]: '%s' is "
				    "already in sync_groups[%zu]", i, k, r->name,
				    (size_t)(other - cfg->sync_groups));
			if (listed_before(g, k))
				ERR(d, r->mark, "sync_groups[%zu].instances[%zu]: "
				    "'%s' is listed twice", i, k, r->name);
		}
	}
}

void cfg_validate_range(const struct cfg *cfg, size_t lo, size_t hi,
			struct cfg_diag *diag)
{
	validate_service_pairs(cfg, diag);
	for (size_t i = lo; i < hi && i < cfg->n_services; i++) {
		validate_real_servers(cfg, i, diag);
		validate_core(cfg, i, diag);
	}
	validate_vrrp(cfg, diag);
	validate_sync_groups(cfg, diag);
}

void cfg_validate(const struct cfg *cfg, struct cfg_diag *diag)
{
	cfg_validate_range(cfg, 0, cfg->n_services, diag);
}

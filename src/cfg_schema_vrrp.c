/*
 * cfg_schema_vrrp.c - the VRRP part of the configuration contract as
 * tables (cfg_schema.c has the rest and the top level): a VRRP
 * instance with its tracked interfaces and scripts, notify scripts and
 * gratuitous ARP settings, and the sync groups. The rules that involve
 * two keys of an instance (advert_interval against the version, the
 * count and family of its addresses) are its post hook.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#include "cfg_parse.h"
#include "cfg_schema.h"
#include "cfg_values.h"

static const struct cfg_field track_if_fields[] = {
	{ .key = "name", .kind = CK_CUSTOM, .off = offsetof(struct cfg_track_if, name),
	  .custom = cfg_value_ifname, REQUIRED },
	F_INT(struct cfg_track_if, "weight", weight, -254, 254),
};
static const struct cfg_schema track_if_schema = {
	OBJECT(struct cfg_track_if, "tracked interface", track_if_fields),
	.mark_off = offsetof(struct cfg_track_if, mark),
};

static const struct cfg_field track_script_fields[] = {
	{ .key = "script", .kind = CK_CUSTOM, .custom = cfg_value_command,
	  .off = offsetof(struct cfg_track_script, script), REQUIRED },
	F_DUR(struct cfg_track_script, "interval", interval, 1, S(86400)),
	F_DUR(struct cfg_track_script, "timeout", timeout, 1, S(3600)),
	F_INT(struct cfg_track_script, "weight", weight, -254, 254),
	F_UINT(struct cfg_track_script, "rise", rise, 1, 1000),
	F_UINT(struct cfg_track_script, "fall", fall, 1, 1000),
};

static void track_script_defaults(void *obj)
{
	struct cfg_track_script *t = obj;

	t->interval = S(1);
	t->timeout = S(1);
	t->rise = 1;
	t->fall = 1;
}

static const struct cfg_schema track_script_schema = {
	OBJECT(struct cfg_track_script, "tracked script", track_script_fields),
	.mark_off = offsetof(struct cfg_track_script, mark),
	.defaults = track_script_defaults,
};

static const struct cfg_field notify_fields[] = {
	F_CUSTOM(struct cfg_notify, "master", master, cfg_value_command),
	F_CUSTOM(struct cfg_notify, "backup", backup, cfg_value_command),
	F_CUSTOM(struct cfg_notify, "fault", fault, cfg_value_command),
	F_CUSTOM(struct cfg_notify, "stop", stop, cfg_value_command),
};
static const struct cfg_schema notify_schema = {
	OBJECT(struct cfg_notify, "notify", notify_fields),
	.mark_off = NO_OFF,
};

static const struct cfg_field garp_fields[] = {
	F_DUR(struct cfg_garp, "delay", delay, 0, S(3600)),
	F_UINT(struct cfg_garp, "repeat", repeat, 1, 100),
	F_DUR(struct cfg_garp, "refresh", refresh, 0, S(86400)),
};
static const struct cfg_schema garp_schema = {
	OBJECT(struct cfg_garp, "garp", garp_fields),
	.mark_off = NO_OFF,
};

static const struct cfg_schema ip_elem_schema = {
	.what = "IP addresses", .size = sizeof(struct lvs_addr),
	.mark_off = NO_OFF, .scalar = cfg_elem_ip,
};
static const struct cfg_schema prefix_elem_schema = {
	.what = "addresses with prefix length", .size = sizeof(struct lvs_prefix),
	.mark_off = NO_OFF, .scalar = cfg_elem_prefix,
};
static const struct cfg_schema ref_elem_schema = {
	.what = "names", .size = sizeof(struct cfg_ref),
	.mark_off = NO_OFF, .scalar = cfg_elem_ref,
};

static const struct cfg_field vrrp_fields[] = {
	{ .key = "name", .kind = CK_STRING, .off = offsetof(struct cfg_vrrp, name),
	  REQUIRED, MARKED(struct cfg_vrrp, name_mark) },
	{ .key = "interface", .kind = CK_CUSTOM, .off = offsetof(struct cfg_vrrp, interface),
	  .custom = cfg_value_ifname, REQUIRED },
	{ .key = "virtual_router_id", .kind = CK_UINT, .off = offsetof(struct cfg_vrrp, vrid),
	  .min = 1, .max = 255, REQUIRED, MARKED(struct cfg_vrrp, vrid_mark) },
	F_UINT(struct cfg_vrrp, "priority", priority, 1, 255),
	F_UINT(struct cfg_vrrp, "version", version, 2, 3),
	F_DUR(struct cfg_vrrp, "advert_interval", advert_interval, 10, S(255)),
	F_BOOL(struct cfg_vrrp, "preempt", preempt),
	F_DUR(struct cfg_vrrp, "preempt_delay", preempt_delay, 0, S(1000)),
	F_LIST(struct cfg_vrrp, "unicast_peers", unicast_peers, ip_elem_schema),
	F_LIST(struct cfg_vrrp, "virtual_ips", virtual_ips, prefix_elem_schema),
	F_LIST(struct cfg_vrrp, "track_interfaces", track_interfaces, track_if_schema),
	F_LIST(struct cfg_vrrp, "track_scripts", track_scripts, track_script_schema),
	F_OBJ(struct cfg_vrrp, "notify", notify, notify_schema),
	F_OBJ(struct cfg_vrrp, "garp", garp, garp_schema),
};

static void vrrp_defaults(void *obj)
{
	struct cfg_vrrp *v = obj;

	v->priority = 100;
	v->version = 3;
	v->advert_interval = S(1);
	v->preempt = true;
	v->garp.delay = S(5);
	v->garp.repeat = 5;
}

/* Element i of list `key`: the error points at the address itself. */
static void vrrp_check_family(struct cfg_parser *p, yaml_node_t *map,
			      const char *key, size_t i, const struct lvs_addr *a)
{
	yaml_node_t *list, *item;
	char elem[64];

	if (a->af != AF_INET6)
		return;
	list = cfg_map_get(p, map, key);
	if (!list || list->type != YAML_SEQUENCE_NODE ||
	    i >= (size_t)(list->data.sequence.items.top - list->data.sequence.items.start))
		return;
	item = cfg_node(p, list->data.sequence.items.start[i]);
	if (!item)
		return;
	snprintf(elem, sizeof(elem), "%s[%zu]", key, i);
	cfg_perr_key(p, item, elem, "IPv6 needs VRRP over IPv6, which lvsd does "
		     "not support yet; use IPv4 addresses");
}

static void vrrp_post(struct cfg_parser *p, yaml_node_t *map, void *obj)
{
	struct cfg_vrrp *v = obj;
	yaml_node_t *adv = cfg_map_get(p, map, "advert_interval");

	if (adv && v->version == 2 && v->advert_interval % 1000 != 0)
		cfg_perr_key(p, adv, "advert_interval",
			     "VRRPv2 counts whole seconds; %.3gs is not one",
			     v->advert_interval / 1000.0);
	else if (adv && v->version == 3 && v->advert_interval > 40950)
		cfg_perr_key(p, adv, "advert_interval",
			     "VRRPv3 allows at most 40.95s, not %.3gs",
			     v->advert_interval / 1000.0);
	else if (adv && v->advert_interval % 10 != 0)
		cfg_perr_key(p, adv, "advert_interval",
			     "VRRPv3 counts centiseconds; %llums is not a multiple of 10ms",
			     (unsigned long long)v->advert_interval);
	if (adv && v->version == 2 && v->advert_interval > 255000)
		cfg_perr_key(p, adv, "advert_interval",
			     "VRRPv2 allows at most 255s, not %.3gs", v->advert_interval / 1000.0);
	/* An advertisement carries 1 to 255 addresses (RFC 5798 5.2.5). */
	if (v->n_virtual_ips == 0 || v->n_virtual_ips > 255) {
		yaml_node_t *vips = cfg_map_get(p, map, "virtual_ips");

		if (v->n_virtual_ips)
			cfg_perr_key(p, vips, "virtual_ips", "at most 255 virtual IPs fit one "
				     "VRRP instance, not %zu", v->n_virtual_ips);
		else
			cfg_perr_key(p, vips ? vips : map, "virtual_ips",
				     "a VRRP instance needs at least one virtual IP");
	}
	for (size_t i = 0; i < v->n_virtual_ips; i++)
		vrrp_check_family(p, map, "virtual_ips", i, &v->virtual_ips[i].addr);
	for (size_t i = 0; i < v->n_unicast_peers; i++)
		vrrp_check_family(p, map, "unicast_peers", i, &v->unicast_peers[i]);
}

const struct cfg_schema cfg_vrrp_schema = {
	OBJECT(struct cfg_vrrp, "VRRP instance", vrrp_fields),
	.mark_off = offsetof(struct cfg_vrrp, mark),
	.defaults = vrrp_defaults,
	.post = vrrp_post,
};

static const struct cfg_field sync_group_fields[] = {
	{ .key = "name", .kind = CK_STRING, .off = offsetof(struct cfg_sync_group, name),
	  REQUIRED, MARKED(struct cfg_sync_group, name_mark) },
	{ .key = "instances", .kind = CK_LIST, .off = offsetof(struct cfg_sync_group, instances),
	  .sub = &ref_elem_schema, .count_off = offsetof(struct cfg_sync_group, n_instances),
	  REQUIRED },
};
const struct cfg_schema cfg_sync_group_schema = {
	OBJECT(struct cfg_sync_group, "sync group", sync_group_fields),
	.mark_off = offsetof(struct cfg_sync_group, mark),
};

/*
 * cfg_schema.c - the configuration contract of DESIGN.md as tables.
 *
 * One table per object says which key fills which field, its type, its
 * range and its default. Reading this file is reading the contract; adding
 * a key is adding a row. Values that need more than a type and a range
 * (regexes, digests, escapes, status ranges) have small parsers in
 * cfg_values.c; rules that involve two keys of one object live in the
 * object's post hook here, rules across objects in cfg_validate.c. The
 * VRRP instances and sync groups have their tables in cfg_schema_vrrp.c.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_parse.h"
#include "cfg_schema.h"
#include "cfg_values.h"

const char *const cfg_sched_names[] = {
	"rr", "wrr", "lc", "wlc", "sed", "nq", "dh", "sh", "lblc", "lblcr",
	"mh", "fo", "ovf", "twos", NULL,
};
const char *const cfg_fwd_method_names[] = { "nat", "dr", "tun", NULL };
const char *const cfg_proto_names[] = { "tcp", "udp", NULL };
const char *const cfg_check_type_names[] = {
	"none", "tcp", "http", "https", "expect", "script", "dns", "smtp", NULL,
};
const char *const cfg_fwd_core_names[] = { "auto", "ipvs", "userspace", NULL };
const char *const cfg_on_failure_names[] = { "quiesce", "remove", NULL };
static const char *const log_level_names[] = {
	"error", "warning", "notice", "info", "debug", NULL,
};
static const char *const proxy_names[] = { "none", "v1", "v2", NULL };
static const char *const method_names[] = { "GET", "HEAD", NULL };
static const char *const http_version_names[] = { "1.0", "1.1", NULL };
static const char *const transport_names[] = { "tcp", "udp", "tls", NULL };

const char *cfg_check_type_name(enum cfg_check_type t)
{
	return cfg_check_type_names[t];
}

/* ---- global ---------------------------------------------------------- */

static const struct cfg_field timeouts_fields[] = {
	F_DUR(struct cfg_timeouts, "tcp", tcp, 1, S(86400 * 7)),
	F_DUR(struct cfg_timeouts, "tcpfin", tcpfin, 1, S(86400 * 7)),
	F_DUR(struct cfg_timeouts, "udp", udp, 1, S(86400 * 7)),
	F_DUR(struct cfg_timeouts, "connect", connect, 1, S(3600)),
};
static const struct cfg_schema timeouts_schema = {
	OBJECT(struct cfg_timeouts, "timeouts", timeouts_fields),
	.mark_off = NO_OFF,
};

static const struct cfg_field lvs_sync_fields[] = {
	F_CUSTOM(struct cfg_lvs_sync, "interface", interface, cfg_value_ifname),
	F_UINT(struct cfg_lvs_sync, "syncid", syncid, 0, 255),
};
static const struct cfg_schema lvs_sync_schema = {
	OBJECT(struct cfg_lvs_sync, "lvs_sync", lvs_sync_fields),
	.mark_off = NO_OFF,
};

static const struct cfg_field global_fields[] = {
	F_STR(struct cfg_global, "router_id", router_id),
	F_CUSTOM(struct cfg_global, "log_file", log_file, cfg_value_log_target),
	F_ENUM(struct cfg_global, "log_level", log_level, log_level_names),
	F_CUSTOM(struct cfg_global, "control_socket", control_socket,
		 cfg_value_socket_path),
	F_CUSTOM(struct cfg_global, "status_file", status_file, cfg_value_file_path),
	F_ADDR(struct cfg_global, "metrics_listen", metrics_listen,
	       ADDR_PORT_REQUIRED),
	F_ENUM(struct cfg_global, "forwarding_core", forwarding_core,
	       cfg_fwd_core_names),
	F_BOOL(struct cfg_global, "keep_on_stop", keep_on_stop),
	F_BOOL(struct cfg_global, "auto_reload", auto_reload),
	F_CUSTOM(struct cfg_global, "script_user", script_user, cfg_value_user),
	F_OBJ(struct cfg_global, "timeouts", timeouts, timeouts_schema),
	F_UINT(struct cfg_global, "max_conns", max_conns, 1, 16777216),
	F_OBJ(struct cfg_global, "lvs_sync", lvs_sync, lvs_sync_schema),
	F_INT(struct cfg_global, "nice", nice, -20, 19),
	F_BOOL(struct cfg_global, "lock_memory", lock_memory),
};
static const struct cfg_schema global_schema = {
	OBJECT(struct cfg_global, "global", global_fields),
	.mark_off = NO_OFF,
};

void cfg_global_defaults(struct cfg_global *g)
{
	memset(g, 0, sizeof(*g));
	g->log_file = "syslog";
	g->log_level = LOG_LVL_INFO;
	g->forwarding_core = CFG_CORE_AUTO;
	g->timeouts.tcp = S(900);
	g->timeouts.tcpfin = S(120);
	g->timeouts.udp = S(300);
	g->timeouts.connect = S(5);
	g->max_conns = 100000;
	g->nice = CFG_NICE_KEEP;
}

/* ---- checks ------------------------------------------------------------ */

#define F_OBJFN(st, k, fn) { .key = k, .kind = CK_CUSTOM, .off = 0, .custom = fn }
#define T(x) (1u << CHECK_##x)
#define ALL_TYPES 0xffffu
#define EXPECT_TLS (1u << 16)	/* with an expect check, only over tls */

/* A custom field only for its words: "unknown check type", as a real
 * server's check (parse_rs_check) says it too. */
static int parse_check_type(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	int t;

	if (cfg_parse_enum(p, n, cfg_check_type_names, "check type", &t) < 0)
		return -1;
	*(enum cfg_check_type *)dst = (enum cfg_check_type)t;
	return 0;
}

/*
 * The check's port is a uint16_t, and CK_UINT stores 32 bits: that would
 * write past the field (and store the wrong half on a big-endian host).
 * Same words as CK_UINT's.
 */
static int parse_check_port(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	const char *s = cfg_scalar(p, n), *digits;
	char *end;
	long long v;

	if (!s)
		return -1;
	digits = s[0] == '-' ? s + 1 : s;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*digits < '0' || *digits > '9' || *end || (errno && errno != ERANGE)) {
		cfg_perr(p, n, "expected an integer, got '%s'", s);
		return -1;
	}
	if (v < 1 || v > 65535) {
		cfg_perr(p, n, "%s is out of range 1..65535", s);
		return -1;
	}
	*(uint16_t *)dst = (uint16_t)v;
	return 0;
}

static const struct cfg_field check_fields[] = {
	F_CUSTOM(struct cfg_check, "type", type, parse_check_type),
	F_ADDR(struct cfg_check, "address", address, ADDR_PORT_NONE),
	F_CUSTOM(struct cfg_check, "port", port, parse_check_port),
	F_DUR(struct cfg_check, "interval", interval, 1, S(86400)),
	F_DUR(struct cfg_check, "timeout", timeout, 1, S(3600)),
	F_UINT(struct cfg_check, "rise", rise, 1, 1000),
	F_UINT(struct cfg_check, "fall", fall, 1, 1000),
	F_BOOL(struct cfg_check, "alpha", alpha),
	F_ENUM(struct cfg_check, "method", method, method_names),
	F_ENUM(struct cfg_check, "http_version", http_version, http_version_names),
	F_CUSTOM(struct cfg_check, "path", path, cfg_value_http_path),
	F_CUSTOM(struct cfg_check, "host", host, cfg_value_http_host),
	F_OBJFN(struct cfg_check, "status", cfg_value_status),
	F_CUSTOM(struct cfg_check, "body", body, cfg_value_regex),
	F_OBJFN(struct cfg_check, "digest", cfg_value_digest),
	F_CUSTOM(struct cfg_check, "sni", sni, cfg_value_http_host),
	F_BOOL(struct cfg_check, "verify", verify),
	F_CUSTOM(struct cfg_check, "ca", ca, cfg_value_file_path),
	F_CUSTOM(struct cfg_check, "cert", cert, cfg_value_file_path),
	F_CUSTOM(struct cfg_check, "key", key, cfg_value_file_path),
	F_ENUM(struct cfg_check, "transport", transport, transport_names),
	F_OBJFN(struct cfg_check, "send", cfg_value_send),
	F_OBJFN(struct cfg_check, "expect", cfg_value_expect),
	F_CUSTOM(struct cfg_check, "script", script, cfg_value_command),
	F_STR(struct cfg_check, "name", name),
	F_CUSTOM(struct cfg_check, "qtype", qtype, cfg_value_qtype),
	F_ADDR(struct cfg_check, "answer", answer, ADDR_PORT_NONE),
	F_STR(struct cfg_check, "helo", helo),
	F_BOOL(struct cfg_check, "keepalive", keepalive),
};

/* Which check types each key of check_fields applies to, in table order. */
static const unsigned check_applies[] = {
	ALL_TYPES, ALL_TYPES, ALL_TYPES, ALL_TYPES, ALL_TYPES, ALL_TYPES,
	ALL_TYPES, ALL_TYPES,
	T(HTTP) | T(HTTPS), T(HTTP) | T(HTTPS), T(HTTP) | T(HTTPS),
	T(HTTP) | T(HTTPS), T(HTTP) | T(HTTPS), T(HTTP) | T(HTTPS),
	T(HTTP) | T(HTTPS),
	T(HTTPS) | T(EXPECT) | EXPECT_TLS, T(HTTPS) | T(EXPECT) | EXPECT_TLS,
	T(HTTPS) | T(EXPECT) | EXPECT_TLS, T(HTTPS) | T(EXPECT) | EXPECT_TLS,
	T(HTTPS) | T(EXPECT) | EXPECT_TLS,
	T(EXPECT), T(EXPECT), T(EXPECT),
	T(SCRIPT),
	T(DNS), T(DNS), T(DNS),
	T(SMTP),
	T(HTTP),	/* keepalive: the tls transport opens a connection per probe */
};
_Static_assert(N(check_applies) == N(check_fields),
	       "every check key says which types it applies to");

static void check_defaults(void *obj)
{
	struct cfg_check *c = obj;

	memset(c, 0, sizeof(*c));
	c->type = CHECK_NONE;
	c->interval = S(2);
	c->timeout = S(1);
	c->rise = 2;
	c->fall = 3;
	c->qtype = 1;	/* A */
}

static const struct cfg_schema check_schema;
static bool schema_isset(const struct cfg_schema *s, const void *obj,
			 const char *key);

/* Keys written in this mapping that mean nothing to its check type. */
static void check_post(struct cfg_parser *p, yaml_node_t *map, void *obj)
{
	const struct cfg_check *c = obj;

	/* A type that did not parse is reported already; judging the other
	 * keys against the default type would blame them for it. */
	if (!schema_isset(&check_schema, c, "type"))
		return;
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
		const char *key;

		if (!k || k->type != YAML_SCALAR_NODE)
			continue;
		key = (const char *)k->data.scalar.value;
		for (size_t i = 0; i < N(check_fields); i++) {
			if (strcmp(check_fields[i].key, key) != 0)
				continue;
			if (!(check_applies[i] & (1u << c->type)))
				cfg_perr_key(p, k, key, "does not apply to a %s check",
					     cfg_check_type_names[c->type]);
			else if (c->type == CHECK_EXPECT &&
				 (check_applies[i] & EXPECT_TLS) &&
				 c->transport != CFG_TRANSPORT_TLS)
				cfg_perr_key(p, k, key, "applies to an expect check "
					     "only with transport: tls");
		}
	}
}

static const struct cfg_schema check_schema = {
	OBJECT(struct cfg_check, "check", check_fields),
	.mark_off = offsetof(struct cfg_check, mark),
	.defaults = check_defaults,
	.post = check_post,
};

/* What a check of its type cannot do without. */
static void check_require(struct cfg_parser *p, yaml_node_t *map,
			  const struct cfg_check *c)
{
	static const struct {
		enum cfg_check_type type;
		const char *key;
		size_t off;
	} need[] = {
		{ CHECK_SCRIPT, "script", offsetof(struct cfg_check, script) },
		{ CHECK_DNS, "name", offsetof(struct cfg_check, name) },
	};

	for (size_t i = 0; i < N(need); i++) {
		if (c->type == need[i].type &&
		    !*(const char *const *)((const char *)c + need[i].off))
			cfg_perr(p, map, "a %s check needs the key '%s'",
				 cfg_check_type_names[c->type], need[i].key);
	}
	if (c->type == CHECK_EXPECT && !c->expect_regex && !c->expect.data)
		cfg_perr(p, map, "an expect check needs the key 'expect'");
}

static bool schema_isset(const struct cfg_schema *s, const void *obj,
			 const char *key)
{
	uint64_t set = *(const uint64_t *)((const char *)obj + s->set_off);

	for (size_t i = 0; i < s->n_fields; i++)
		if (strcmp(s->fields[i].key, key) == 0)
			return set & (1ull << i);
	return false;
}

/* ---- real servers and services --------------------------------------- */

static const struct cfg_field rs_fields[] = {
	{ .key = "address", .kind = CK_ADDR, .off = offsetof(struct cfg_real_server, address),
	  .port_rule = ADDR_PORT_OPTIONAL, REQUIRED,
	  MARKED(struct cfg_real_server, address_mark) },
	F_UINT(struct cfg_real_server, "weight", weight, 0, 65535),
	F_UINT(struct cfg_real_server, "upper_threshold", upper_threshold, 0, 16777216),
	F_UINT(struct cfg_real_server, "lower_threshold", lower_threshold, 0, 16777216),
	F_ENUM(struct cfg_real_server, "forwarding", forwarding, cfg_fwd_method_names),
	F_CUSTOM(struct cfg_real_server, "notify_up", notify_up, cfg_value_command),
	F_CUSTOM(struct cfg_real_server, "notify_down", notify_down, cfg_value_command),
	{ .key = "check", .kind = CK_LATER },
};

static void rs_defaults(void *obj)
{
	struct cfg_real_server *rs = obj;

	rs->weight = 1;
}

static void rs_post(struct cfg_parser *p, yaml_node_t *map, void *obj)
{
	struct cfg_real_server *rs = obj;

	if (rs->upper_threshold && rs->lower_threshold > rs->upper_threshold)
		cfg_perr(p, map, "lower_threshold %u is above upper_threshold %u",
			 rs->lower_threshold, rs->upper_threshold);
}

static const struct cfg_schema rs_schema = {
	OBJECT(struct cfg_real_server, "real server", rs_fields),
	.mark_off = offsetof(struct cfg_real_server, mark),
	.defaults = rs_defaults,
	.post = rs_post,
};

static int parse_service_check(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	struct cfg_check *c = dst;

	check_defaults(c);
	if (n->type == YAML_MAPPING_NODE && !cfg_map_get(p, n, "type")) {
		cfg_perr(p, n, "missing required key 'type' in check");
		/* Still walk it: its other keys may be wrong too (a '<<'). */
		cfg_parse_object(p, n, &check_schema, c);
		return -1;
	}
	if (cfg_parse_object(p, n, &check_schema, c) < 0)
		return -1;
	check_require(p, n, c);
	return 0;
}

/*
 * A server's check starts from its service's and overrides what it
 * writes; naming another type starts it afresh, since the service's
 * type-specific keys would mean nothing to it.
 */
static void parse_rs_check(struct cfg_parser *p, yaml_node_t *n,
			   const struct cfg_service *svc,
			   struct cfg_real_server *rs)
{
	yaml_node_t *type = cfg_map_get(p, n, "type");
	bool fresh = false;
	size_t saved = p->pathlen;
	int t, rc;

	rs->has_own_check = true;
	if (type) {
		cfg_path_push(p, "type");
		rc = cfg_parse_enum(p, type, cfg_check_type_names, "check type", &t);
		cfg_path_pop(p, saved);
		if (rc < 0)
			return;
		fresh = (enum cfg_check_type)t != svc->check.type;
	} else if (svc->check.type == CHECK_NONE && n->type == YAML_MAPPING_NODE) {
		cfg_perr(p, n, "missing required key 'type' in check "
			 "(the service has no check to inherit)");
		fresh = true;	/* still walk it: its other keys may be wrong too */
	}
	if (fresh)
		check_defaults(&rs->check);
	else
		rs->check = svc->check;
	if (cfg_parse_object(p, n, &check_schema, &rs->check) == 0 && fresh)
		check_require(p, n, &rs->check);
}

static void service_fill_servers(struct cfg_parser *p, yaml_node_t *list,
				 struct cfg_service *svc)
{
	size_t saved = p->pathlen;

	for (size_t i = 0; i < svc->n_real_servers; i++) {
		struct cfg_real_server *rs = &svc->real_servers[i];
		yaml_node_t *item = cfg_node(p, list->data.sequence.items.start[i]);
		yaml_node_t *chk = item ? cfg_map_get(p, item, "check") : NULL;

		if (!schema_isset(&rs_schema, rs, "forwarding"))
			rs->forwarding = svc->forwarding;
		rs->check = svc->check;
		if (!chk)
			continue;
		cfg_path_push(p, "real_servers");
		cfg_path_push(p, "[%zu]", i);
		cfg_path_push(p, "check");
		parse_rs_check(p, chk, svc, rs);
		cfg_path_pop(p, saved);
	}
}

/*
 * The persistence netmask against the service's family: here, where both
 * are parsed whatever their order and the netmask's node gives the error
 * its place. A fwmark service has no family to check against.
 */
static void service_check_netmask(struct cfg_parser *p, yaml_node_t *map,
				  const struct cfg_service *svc)
{
	const struct cfg_persistence *pp = &svc->persistence;
	yaml_node_t *pers, *nm;
	size_t saved = p->pathlen;

	if (!pp->netmask_text || svc->address.af == 0)
		return;
	pers = cfg_map_get(p, map, "persistence");
	nm = pers ? cfg_map_get(p, pers, "netmask") : NULL;
	if (!nm)
		return;
	cfg_path_push(p, "persistence");
	if (svc->address.af == AF_INET && pp->netmask_len > 32)
		cfg_perr_key(p, nm, "netmask", "/%u is longer than an IPv4 address",
			     pp->netmask_len);
	else if (svc->address.af == AF_INET6 && strchr(pp->netmask_text, '.'))
		cfg_perr_key(p, nm, "netmask", "'%s' is an IPv4 netmask; an IPv6 "
			     "service needs a prefix length (0..128)", pp->netmask_text);
	cfg_path_pop(p, saved);
}

static void service_post(struct cfg_parser *p, yaml_node_t *map, void *obj)
{
	struct cfg_service *svc = obj;
	yaml_node_t *addr = cfg_map_get(p, map, "address");
	yaml_node_t *mark = cfg_map_get(p, map, "fwmark");
	yaml_node_t *list = cfg_map_get(p, map, "real_servers");

	if (addr && mark)
		cfg_perr_key(p, mark, "fwmark", "give either address or fwmark, not both");
	else if (!addr && !mark)
		cfg_perr(p, map, "missing required key 'address' (or 'fwmark') "
			 "in virtual service");
	if (svc->proxy_protocol != CFG_PROXY_NONE && svc->protocol != CFG_PROTO_TCP)
		cfg_perr_key(p, cfg_map_get(p, map, "proxy_protocol"), "proxy_protocol",
			     "needs protocol tcp");
	if (svc->hysteresis && svc->hysteresis >= svc->quorum)
		cfg_perr_key(p, cfg_map_get(p, map, "hysteresis"), "hysteresis",
			     "%u must be smaller than quorum %u", svc->hysteresis,
			     svc->quorum);
	service_check_netmask(p, map, svc);
	if (list && list->type == YAML_SEQUENCE_NODE &&
	    (size_t)(list->data.sequence.items.top - list->data.sequence.items.start) ==
		    svc->n_real_servers)
		service_fill_servers(p, list, svc);
}

static const struct cfg_field persistence_fields[] = {
	F_DUR(struct cfg_persistence, "timeout", timeout, 1, S(86400 * 31)),
	F_OBJFN(struct cfg_persistence, "netmask", cfg_value_netmask),
};

static void persistence_defaults(void *obj)
{
	struct cfg_persistence *pp = obj;

	pp->enabled = true;
	pp->timeout = S(300);
	pp->netmask_len = 128;	/* clipped to the family's length when used */
}

static const struct cfg_schema persistence_schema = {
	OBJECT(struct cfg_persistence, "persistence", persistence_fields),
	.mark_off = NO_OFF,
	.defaults = persistence_defaults,
};

static int parse_persistence(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	persistence_defaults(dst);
	return cfg_parse_object(p, n, &persistence_schema, dst);
}

static const struct cfg_field service_fields[] = {
	{ .key = "name", .kind = CK_STRING, .off = offsetof(struct cfg_service, name),
	  MARKED(struct cfg_service, name_mark) },
	{ .key = "address", .kind = CK_ADDR, .off = offsetof(struct cfg_service, address),
	  .port_rule = ADDR_PORT_REQUIRED, MARKED(struct cfg_service, address_mark) },
	{ .key = "fwmark", .kind = CK_UINT, .off = offsetof(struct cfg_service, fwmark),
	  .min = 1, .max = 4294967295LL, MARKED(struct cfg_service, address_mark) },
	F_ENUM(struct cfg_service, "protocol", protocol, cfg_proto_names),
	F_ENUM(struct cfg_service, "scheduler", scheduler, cfg_sched_names),
	F_ENUM(struct cfg_service, "forwarding", forwarding, cfg_fwd_method_names),
	F_CUSTOM(struct cfg_service, "persistence", persistence, parse_persistence),
	F_ENUM(struct cfg_service, "proxy_protocol", proxy_protocol, proxy_names),
	F_ENUM(struct cfg_service, "on_failure", on_failure, cfg_on_failure_names),
	F_DUR(struct cfg_service, "drain_timeout", drain_timeout, 1, S(86400)),
	F_UINT(struct cfg_service, "quorum", quorum, 0, 4294967295LL),
	F_UINT(struct cfg_service, "hysteresis", hysteresis, 0, 4294967295LL),
	{ .key = "sorry_server", .kind = CK_ADDR, .off = offsetof(struct cfg_service, sorry_server),
	  .port_rule = ADDR_PORT_REQUIRED, MARKED(struct cfg_service, sorry_mark) },
	F_CUSTOM(struct cfg_service, "check", check, parse_service_check),
	F_LIST(struct cfg_service, "real_servers", real_servers, rs_schema),
};

static void service_defaults(void *obj)
{
	struct cfg_service *svc = obj;

	svc->protocol = CFG_PROTO_TCP;
	svc->scheduler = CFG_SCHED_WLC;
	svc->forwarding = CFG_FWD_NAT;
	svc->on_failure = CFG_FAIL_QUIESCE;
	svc->drain_timeout = S(300);
	svc->quorum = 1;
	check_defaults(&svc->check);
}

static const struct cfg_schema service_schema = {
	OBJECT(struct cfg_service, "virtual service", service_fields),
	.mark_off = offsetof(struct cfg_service, mark),
	.pooled = true,
	.pool_off = offsetof(struct cfg_service, pool),
	.defaults = service_defaults,
	.post = service_post,
};

/* ---- the file ------------------------------------------------------------ */

static const struct cfg_field root_fields[] = {
	F_OBJ(struct cfg, "global", global, global_schema),
	{ .key = "vrrp_instances", .kind = CK_LIST, .off = offsetof(struct cfg, vrrp),
	  .sub = &cfg_vrrp_schema, .count_off = offsetof(struct cfg, n_vrrp) },
	F_LIST(struct cfg, "sync_groups", sync_groups, cfg_sync_group_schema),
	{ .key = "virtual_services", .kind = CK_LIST, .off = offsetof(struct cfg, services),
	  .sub = &service_schema, .count_off = offsetof(struct cfg, n_services) },
};

const struct cfg_schema cfg_root_schema = {
	OBJECT(struct cfg, "the top level", root_fields),
	.mark_off = NO_OFF,
};

/*
 * cfg.h - the configuration model and its loader.
 *
 * A `struct cfg` is a value: the whole YAML file parsed, typed and
 * validated. The daemon never edits one; a reload builds a new one and
 * swaps it in only if it has no error. Everything a cfg points to lives in
 * its arena, or for a virtual service in that service's pool, which the
 * next cfg may share when the service's text did not change (cfg_incr.c);
 * cfg_free() drops both. Every key of DESIGN.md's
 * configuration contract has a field here; `cfg_schema.c` says which key
 * fills which field, `cfg_parse.c` walks the YAML tree by those tables,
 * and `cfg_validate.c` checks what spans objects (duplicates, references).
 */
#ifndef LVSD_CFG_H
#define LVSD_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "arena.h"
#include "log.h"

/* Durations are kept in milliseconds: the finest the contract needs is 10ms. */
typedef uint64_t cfg_ms;

enum cfg_fwd_core { CFG_CORE_AUTO, CFG_CORE_IPVS, CFG_CORE_USERSPACE };
enum cfg_proto { CFG_PROTO_TCP, CFG_PROTO_UDP };
enum cfg_fwd_method { CFG_FWD_NAT, CFG_FWD_DR, CFG_FWD_TUN };
enum cfg_sched {
	CFG_SCHED_RR, CFG_SCHED_WRR, CFG_SCHED_LC, CFG_SCHED_WLC, CFG_SCHED_SED,
	CFG_SCHED_NQ, CFG_SCHED_DH, CFG_SCHED_SH, CFG_SCHED_LBLC, CFG_SCHED_LBLCR,
	CFG_SCHED_MH, CFG_SCHED_FO, CFG_SCHED_OVF, CFG_SCHED_TWOS,
};
enum cfg_on_failure { CFG_FAIL_QUIESCE, CFG_FAIL_REMOVE };
enum cfg_proxy_proto { CFG_PROXY_NONE, CFG_PROXY_V1, CFG_PROXY_V2 };
enum cfg_check_type {
	CHECK_NONE, CHECK_TCP, CHECK_HTTP, CHECK_HTTPS, CHECK_EXPECT,
	CHECK_SCRIPT, CHECK_DNS, CHECK_SMTP,
};
enum cfg_http_method { CFG_HTTP_GET, CFG_HTTP_HEAD };
enum cfg_http_version { CFG_HTTP_10, CFG_HTTP_11 };
enum cfg_transport { CFG_TRANSPORT_TCP, CFG_TRANSPORT_UDP, CFG_TRANSPORT_TLS };
enum cfg_digest_alg { CFG_DIGEST_NONE, CFG_DIGEST_MD5, CFG_DIGEST_SHA256 };

/* Name tables, indexed by the enums above (NULL-terminated). */
extern const char *const cfg_sched_names[];
extern const char *const cfg_fwd_method_names[];
extern const char *const cfg_proto_names[];
extern const char *const cfg_check_type_names[];
extern const char *const cfg_fwd_core_names[];
extern const char *const cfg_on_failure_names[];

/* Where in the file a value came from, for errors found after parsing. */
struct cfg_mark {
	unsigned line, col;	/* 1-based */
};

/* Bytes given as C escapes or "hex:..." (expect's send and expect). */
struct cfg_bytes {
	unsigned char *data;
	size_t len;
	bool is_hex;
};

struct cfg_status_range {
	uint16_t lo, hi;
};

struct cfg_check {
	uint64_t set;		/* bit i: field i of the check schema was given */
	enum cfg_check_type type;
	struct lvs_addr address;	/* IP only; af 0 when not given */
	uint16_t port;
	cfg_ms interval, timeout;
	uint32_t rise, fall;
	bool alpha;
	/* http / https */
	enum cfg_http_method method;
	enum cfg_http_version http_version;
	bool keepalive;			/* http: keep the connection for the next probe */
	const char *path, *host;
	struct cfg_status_range *status;
	size_t n_status;
	const char *body;		/* POSIX extended regex */
	enum cfg_digest_alg digest_alg;
	unsigned char digest[32];	/* md5 uses the first 16 */
	const char *sni;
	bool verify;
	const char *ca, *cert, *key;
	/* expect */
	enum cfg_transport transport;
	struct cfg_bytes send, expect;
	const char *expect_regex;	/* expect given as a regex, else NULL */
	/* script */
	const char *script;
	/* dns */
	const char *name;
	uint16_t qtype;
	struct lvs_addr answer;		/* af 0 when not given */
	/* smtp */
	const char *helo;
	struct cfg_mark mark;		/* of the check mapping */
};

struct cfg_real_server {
	uint64_t set;
	struct lvs_addr address;
	uint32_t weight;
	uint32_t upper_threshold, lower_threshold;
	enum cfg_fwd_method forwarding;
	const char *notify_up, *notify_down;
	struct cfg_check check;		/* the service's check merged with this one's */
	bool has_own_check;		/* a check: mapping under this server */
	struct cfg_mark mark, address_mark;
};

struct cfg_persistence {
	uint64_t set;
	bool enabled;			/* a persistence: key was given */
	cfg_ms timeout;
	const char *netmask_text;
	uint8_t netmask_len;		/* of netmask; full length when none */
};

/*
 * The memory of one virtual service: its strings, real servers and
 * checks. Counted by reference so that a reload which finds a service's
 * text unchanged hands the same object to the next configuration instead
 * of reading it again.
 */
struct cfg_pool {
	unsigned refs;
	struct arena arena;
};

struct cfg_service {
	uint64_t set;
	struct cfg_pool *pool;		/* holds everything this service points to */
	const char *name;
	struct lvs_addr address;	/* af 0 for a fwmark service */
	uint32_t fwmark;		/* 0 for an address service */
	enum cfg_proto protocol;
	enum cfg_sched scheduler;
	enum cfg_fwd_method forwarding;
	struct cfg_persistence persistence;
	enum cfg_proxy_proto proxy_protocol;
	enum cfg_on_failure on_failure;
	cfg_ms drain_timeout;
	uint32_t quorum, hysteresis;
	struct lvs_addr sorry_server;	/* af 0 when none */
	struct cfg_check check;		/* type CHECK_NONE when not given */
	struct cfg_real_server *real_servers;
	size_t n_real_servers;
	struct cfg_mark mark, address_mark, name_mark, sorry_mark;
};

struct cfg_track_if {
	uint64_t set;
	const char *name;
	int32_t weight;			/* used only when weight_set */
	struct cfg_mark mark;
};

struct cfg_track_script {
	uint64_t set;
	const char *script;
	cfg_ms interval, timeout;
	int32_t weight;
	uint32_t rise, fall;
	struct cfg_mark mark;
};

struct cfg_notify {
	uint64_t set;
	const char *master, *backup, *fault, *stop;
};

struct cfg_garp {
	uint64_t set;
	cfg_ms delay, refresh;
	uint32_t repeat;
};

struct cfg_vrrp {
	uint64_t set;
	const char *name;
	const char *interface;
	uint32_t vrid;
	uint32_t priority;
	uint32_t version;
	cfg_ms advert_interval;
	bool preempt;
	cfg_ms preempt_delay;
	struct lvs_addr *unicast_peers;
	size_t n_unicast_peers;
	struct lvs_prefix *virtual_ips;
	size_t n_virtual_ips;
	struct cfg_track_if *track_interfaces;
	size_t n_track_interfaces;
	struct cfg_track_script *track_scripts;
	size_t n_track_scripts;
	struct cfg_notify notify;
	struct cfg_garp garp;
	struct cfg_mark mark, vrid_mark, name_mark;
};

/* A name that refers to another object, and where it was written. */
struct cfg_ref {
	const char *name;
	struct cfg_mark mark;
};

struct cfg_sync_group {
	uint64_t set;
	const char *name;
	struct cfg_ref *instances;
	size_t n_instances;
	struct cfg_mark mark, name_mark;
};

struct cfg_timeouts {
	uint64_t set;
	cfg_ms tcp, tcpfin, udp;
	cfg_ms connect;			/* userspace core: to a real server */
};

struct cfg_lvs_sync {
	uint64_t set;
	const char *interface;
	uint32_t syncid;
};

struct cfg_global {
	uint64_t set;
	const char *router_id;
	const char *log_file;
	enum log_level log_level;
	const char *control_socket;
	const char *status_file;
	struct lvs_addr metrics_listen;	/* af 0 when not given */
	enum cfg_fwd_core forwarding_core;
	bool keep_on_stop;
	bool auto_reload;
	const char *script_user;
	struct cfg_timeouts timeouts;
	uint32_t max_conns;
	struct cfg_lvs_sync lvs_sync;
	int32_t nice;			/* -20..19, or CFG_NICE_KEEP */
	bool lock_memory;		/* mlockall: never wait on a page fault from swap */
};

/* global.nice not given: lvsd keeps the priority it was started with. */
#define CFG_NICE_KEEP 20

struct cfg_source;

struct cfg {
	uint64_t set;
	struct arena arena;		/* all but the services' own memory */
	const char *file;
	struct cfg_global global;
	struct cfg_vrrp *vrrp;
	size_t n_vrrp;
	struct cfg_sync_group *sync_groups;
	size_t n_sync_groups;
	struct cfg_service *services;
	size_t n_services;
	/* The text this was read from and where each service lies in it,
	 * for the next reload (cfg_source.h); NULL when none is kept. */
	struct cfg_source *source;
};

/* One problem found in a file. */
struct cfg_error {
	unsigned line, col;		/* 1-based; 0 when the file has no position */
	char *msg;
};

struct cfg_diag {
	const char *file;
	struct cfg_error *errors;
	size_t n_errors, cap;
	/* What the load cost, in ms, for the reload's debug log: reading the
	 * file, libyaml, the schema walk, cross-object validation. */
	double ms_read, ms_yaml, ms_walk, ms_validate;
	/* Of the virtual services loaded: how many were parsed, and how many
	 * an incremental reload shared with the configuration before. */
	size_t services_parsed, services_reused;
};

/*
 * Load and validate a configuration file. Returns the model, or NULL when
 * the file has any error; every error found is added to diag (which the
 * caller initialises with cfg_diag_init and frees with cfg_diag_free).
 */
struct cfg *cfg_load_file(const char *path, struct cfg_diag *diag);
/* The same from memory; `name` is what errors call the file. */
struct cfg *cfg_load_buffer(const char *name, const char *buf, size_t len,
			    struct cfg_diag *diag);
void cfg_free(struct cfg *cfg);

/*
 * Load `path` again after `prev` (may be NULL). The result is the one
 * cfg_load_file would give, but when the edit since prev touched only
 * some virtual services, only those are parsed and the others are shared
 * with prev by reference (cfg_incr.c). Errors are always those of a
 * whole-file load.
 */
struct cfg *cfg_reload_file(const char *path, const struct cfg *prev,
			    struct cfg_diag *diag);
struct cfg *cfg_reload_buffer(const char *name, const char *buf, size_t len,
			      const struct cfg *prev, struct cfg_diag *diag);

/* Take one more reference on a service's pool; drop one (frees at 0). */
void cfg_pool_ref(struct cfg_pool *pool);
void cfg_pool_unref(struct cfg_pool *pool);

void cfg_diag_init(struct cfg_diag *diag, const char *file);
void cfg_diag_free(struct cfg_diag *diag);
void cfg_diag_add(struct cfg_diag *diag, unsigned line, unsigned col,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Write every error as FILE:LINE:COL: message, one per line. */
void cfg_diag_print(const struct cfg_diag *diag, FILE *out);
/* The same into one malloc'd string (for lvsctl reload); NULL on no memory. */
char *cfg_diag_join(const struct cfg_diag *diag);

/* Cross-object validation, run by the loader after parsing. */
void cfg_validate(const struct cfg *cfg, struct cfg_diag *diag);
/* The same, but the rules that look at one service alone (its real
 * servers, what the core can do) only for services [lo, hi): the others
 * passed them before, with the same global settings (cfg_incr.c). */
void cfg_validate_range(const struct cfg *cfg, size_t lo, size_t hi,
			struct cfg_diag *diag);

/* Defaults the loader applies before parsing. */
void cfg_global_defaults(struct cfg_global *g);

/* The check type's name ("tcp", ...; "none"). */
const char *cfg_check_type_name(enum cfg_check_type t);

/* Name of a service for messages and status: its name, or its address. */
const char *cfg_service_label(const struct cfg_service *s, char *buf,
			      size_t len);

#endif

/*
 * cfg_values.h - parsers for configuration values that are more than a
 * type and a range: interface names, socket paths, users, regexes,
 * digests, escaped byte strings, HTTP status ranges, DNS types, netmasks.
 * Each is a CK_CUSTOM field parser or a list-element parser of the schema.
 */
#ifndef LVSD_CFG_VALUES_H
#define LVSD_CFG_VALUES_H

#include "cfg_parse.h"

int cfg_value_ifname(struct cfg_parser *p, yaml_node_t *n, void *dst);
int cfg_value_socket_path(struct cfg_parser *p, yaml_node_t *n, void *dst);
int cfg_value_file_path(struct cfg_parser *p, yaml_node_t *n, void *dst);
int cfg_value_log_target(struct cfg_parser *p, yaml_node_t *n, void *dst);
int cfg_value_command(struct cfg_parser *p, yaml_node_t *n, void *dst);
int cfg_value_user(struct cfg_parser *p, yaml_node_t *n, void *dst);
int cfg_value_http_path(struct cfg_parser *p, yaml_node_t *n, void *dst);
int cfg_value_http_host(struct cfg_parser *p, yaml_node_t *n, void *dst);
int cfg_value_regex(struct cfg_parser *p, yaml_node_t *n, void *dst);
/* On the whole object (struct cfg_persistence, struct cfg_check): */
int cfg_value_netmask(struct cfg_parser *p, yaml_node_t *n, void *pers);
int cfg_value_status(struct cfg_parser *p, yaml_node_t *n, void *check);
int cfg_value_digest(struct cfg_parser *p, yaml_node_t *n, void *check);
int cfg_value_send(struct cfg_parser *p, yaml_node_t *n, void *check);
int cfg_value_expect(struct cfg_parser *p, yaml_node_t *n, void *check);
int cfg_value_qtype(struct cfg_parser *p, yaml_node_t *n, void *dst);
/* List elements: */
int cfg_elem_ip(struct cfg_parser *p, yaml_node_t *n, void *dst);
int cfg_elem_prefix(struct cfg_parser *p, yaml_node_t *n, void *dst);
int cfg_elem_ref(struct cfg_parser *p, yaml_node_t *n, void *dst);

/*
 * Decode C escapes (\n \r \t \\ \" \xHH \0 \NNN octal) or, with a "hex:"
 * prefix, hex digits. 0, or -1 with a reason in err. Pure; unit-tested.
 */
int cfg_decode_bytes(const char *s, unsigned char *out, size_t *outlen,
		     bool *is_hex, char *err, size_t errlen);

/* The DNS type number of a name ("A", "AAAA", ...) or "TYPE123"; 0 if none. */
unsigned cfg_dns_qtype(const char *name);

#endif

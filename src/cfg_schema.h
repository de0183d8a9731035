/*
 * cfg_schema.h - how the schema tables are written (internal to the
 * loader): a row per key, from its struct, key, field and range, and the
 * tables one schema file hands to another.
 */
#ifndef LVSD_CFG_SCHEMA_H
#define LVSD_CFG_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "cfg_parse.h"

/* Seconds, in the milliseconds durations are kept in. */
#define S(x) ((int64_t)(x) * 1000)
#define F_STR(st, k, fld) { .key = k, .kind = CK_STRING, .off = offsetof(st, fld) }
#define F_BOOL(st, k, fld) { .key = k, .kind = CK_BOOL, .off = offsetof(st, fld) }
#define F_UINT(st, k, fld, lo, hi) \
	{ .key = k, .kind = CK_UINT, .off = offsetof(st, fld), .min = lo, .max = hi }
#define F_INT(st, k, fld, lo, hi) \
	{ .key = k, .kind = CK_INT, .off = offsetof(st, fld), .min = lo, .max = hi }
#define F_DUR(st, k, fld, lo, hi) \
	{ .key = k, .kind = CK_DURATION, .off = offsetof(st, fld), .min = lo, .max = hi }
#define F_ENUM(st, k, fld, nm) \
	{ .key = k, .kind = CK_ENUM, .off = offsetof(st, fld), .names = nm }
#define F_ADDR(st, k, fld, rule) \
	{ .key = k, .kind = CK_ADDR, .off = offsetof(st, fld), .port_rule = rule }
#define F_OBJ(st, k, fld, sch) \
	{ .key = k, .kind = CK_OBJECT, .off = offsetof(st, fld), .sub = &sch }
#define F_LIST(st, k, fld, sch) \
	{ .key = k, .kind = CK_LIST, .off = offsetof(st, fld), .sub = &sch, \
	  .count_off = offsetof(st, n_##fld) }
#define F_CUSTOM(st, k, fld, fn) \
	{ .key = k, .kind = CK_CUSTOM, .off = offsetof(st, fld), .custom = fn }
#define REQUIRED .required = true
#define MARKED(st, m) .mark_off = offsetof(st, m)
#define N(tbl) (sizeof(tbl) / sizeof(tbl[0]))
#define OBJECT(st, name, tbl) \
	.what = name, .size = sizeof(st), .set_off = offsetof(st, set), \
	.fields = tbl, .n_fields = N(tbl)

/* The VRRP tables (cfg_schema_vrrp.c), for the top level's. */
extern const struct cfg_schema cfg_vrrp_schema;
extern const struct cfg_schema cfg_sync_group_schema;

#endif

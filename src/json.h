/*
 * json.h - a small JSON writer for the status dump and lvsctl --json.
 *
 * Output only: lvsd never parses JSON. The writer tracks nesting and
 * commas itself so that callers write keys and values in order and cannot
 * produce malformed output; strings are escaped, and bytes that are not
 * valid UTF-8 become U+FFFD so the result always parses.
 */
#ifndef LVSD_JSON_H
#define LVSD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 32

struct json {
	char *buf;
	size_t len, cap;
	int depth;
	bool first[JSON_MAX_DEPTH];	/* nothing written yet at this depth */
	bool after_key;
	bool failed;			/* out of memory or misuse */
};

void json_init(struct json *j);
void json_free(struct json *j);
/* The text so far (NUL-terminated), or NULL if anything failed. */
const char *json_text(const struct json *j);
/* Its length in bytes (that of json_text() when that is not NULL). */
size_t json_len(const struct json *j);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* key + value in one call, for the common case. */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_uint(struct json *j, const char *key, uint64_t v);
void json_kv_int(struct json *j, const char *key, int64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);

#endif

/*
 * json.c - append-only JSON text with automatic commas.
 *
 * The status of 10,000 real servers is ~4 MB of it, written inside the
 * event loop, where the health checks wait for it: so a string's plain
 * run is copied at once and integers are written without printf.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void json_init(struct json *j)
{
	memset(j, 0, sizeof(*j));
	j->first[0] = true;
}

void json_free(struct json *j)
{
	free(j->buf);
	j->buf = NULL;
	j->len = j->cap = 0;
}

const char *json_text(const struct json *j)
{
	if (j->failed || j->depth != 0)
		return NULL;
	return j->buf ? j->buf : "";
}

/* Room for n more bytes and the NUL: false (and failed) when there is none. */
static bool reserve(struct json *j, size_t n)
{
	size_t cap = j->cap ? j->cap : 256;
	char *b;

	if (j->failed)
		return false;
	while (cap < j->len + n + 1)
		cap *= 2;
	b = realloc(j->buf, cap);
	if (!b) {
		j->failed = true;
		return false;
	}
	j->buf = b;
	j->cap = cap;
	return true;
}

size_t json_len(const struct json *j)
{
	return j->len;
}

/* Text after a failure is never shown (json_text), so the room test alone guards the copy. */
static inline void put(struct json *j, const char *s, size_t n)
{
	if (j->len + n + 1 > j->cap && !reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

/* Before any value: a comma unless it is the first at its level. */
static void value_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		put(j, ",", 1);
	j->first[j->depth] = false;
}

static void open_level(struct json *j, char c)
{
	value_sep(j);
	if (j->depth + 1 >= JSON_MAX_DEPTH) {
		j->failed = true;
		return;
	}
	put(j, &c, 1);
	j->first[++j->depth] = true;
}

static void close_level(struct json *j, char c)
{
	if (j->depth == 0 || j->after_key) {
		j->failed = true;
		return;
	}
	j->depth--;
	put(j, &c, 1);
}

void json_object_begin(struct json *j) { open_level(j, '{'); }
void json_object_end(struct json *j) { close_level(j, '}'); }
void json_array_begin(struct json *j) { open_level(j, '['); }
void json_array_end(struct json *j) { close_level(j, ']'); }

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and out-of-range points are invalid. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Printable ASCII that needs no escape: most of every string. A table: one load a byte. */
#define P16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const bool plain_byte[256] = {
	[0x20] = 1, 1, 0 /* " */, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x30] = P16, P16,
	[0x50] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 /* \\ */, 1, 1, 1,
	[0x60] = P16,
	[0x70] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 /* DEL */,
};
#undef P16

static bool plain(unsigned char c)
{
	return plain_byte[c];
}

/*
 * The common case, a string with nothing to escape, in one copy with its
 * quotes and what follows it (":" after a key): ~27 strings per real
 * server, 270,000 in the status of 10,000. false when str needs escapes.
 */
static bool put_plain(struct json *j, const char *str, const char *after, size_t after_len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = 0;
	char *p;

	while (plain(s[n]))
		n++;
	if (s[n] != '\0')
		return false;
	if (j->len + n + 2 + after_len + 1 > j->cap && !reserve(j, n + 2 + after_len))
		return true;	/* failed: nothing more is shown */
	p = j->buf + j->len;
	*p++ = '"';
	memcpy(p, str, n);
	p += n;
	*p++ = '"';
	memcpy(p, after, after_len);
	j->len += n + 2 + after_len;
	j->buf[j->len] = '\0';
	return true;
}

static void put_escaped(struct json *j, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	char esc[8];

	if (put_plain(j, str, "", 0))
		return;
	put(j, "\"", 1);
	while (*s) {
		size_t n = 0;

		while (plain(s[n]))
			n++;
		if (n) {
			put(j, (const char *)s, n);
			s += n;
			continue;
		}
		n = utf8_len(s);
		if (n == 0) {
			put(j, "\\ufffd", 6);
			s++;
		} else if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*s++;
			put(j, esc, 2);
		} else if (*s == '\n' || *s == '\t' || *s == '\r') {
			esc[0] = '\\';
			esc[1] = *s == '\n' ? 'n' : *s == '\t' ? 't' : 'r';
			put(j, esc, 2);
			s++;
		} else if (*s < 0x20 || *s == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *s++);
			put(j, esc, 6);
		} else {
			put(j, (const char *)s, n);
			s += n;
		}
	}
	put(j, "\"", 1);
}

void json_key(struct json *j, const char *key)
{
	value_sep(j);
	if (!put_plain(j, key, ":", 1)) {
		put_escaped(j, key);
		put(j, ":", 1);
	}
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	value_sep(j);
	if (s)
		put_escaped(j, s);
	else
		put(j, "null", 4);
}

/* v in decimal, after a minus sign if negative. */
static void put_decimal(struct json *j, bool negative, uint64_t v)
{
	char b[24];
	size_t i = sizeof(b);

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (negative)
		b[--i] = '-';
	put(j, b + i, sizeof(b) - i);
}

void json_int(struct json *j, int64_t v)
{
	value_sep(j);
	/* The magnitude as unsigned: -INT64_MIN does not fit an int64_t. */
	put_decimal(j, v < 0, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

void json_uint(struct json *j, uint64_t v)
{
	value_sep(j);
	put_decimal(j, false, v);
}

void json_double(struct json *j, double v)
{
	char b[32];

	value_sep(j);
	if (!isfinite(v))
		put(j, "null", 4);	/* JSON has no NaN or Infinity */
	else
		put(j, b, (size_t)snprintf(b, sizeof(b), "%.6g", v));
}

void json_bool(struct json *j, bool v)
{
	value_sep(j);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

void json_null(struct json *j)
{
	value_sep(j);
	put(j, "null", 4);
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_kv_uint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_kv_int(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

/*
 * prom.c - Prometheus text format writer (see prom.h). Names are the
 * caller's constants; only label values and help text come from outside
 * (service names from the configuration), so only they are escaped.
 *
 * Each line is assembled in a buffer on the stack (on the heap for the
 * rare line that outgrows it) and added to the output in one call: the
 * exposition of 10,000 real servers is 130,000 lines, and an evbuffer_add
 * per piece (and a printf per label) cost 85 ms of the event loop there.
 */
#include "config.h"

#include <event2/buffer.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

struct line {
	char stack[1024];
	char *buf;		/* stack, or the heap once the line outgrows it */
	size_t len, cap;
	bool failed;		/* out of memory: the line is dropped */
};

static void line_init(struct line *l)
{
	l->buf = l->stack;
	l->len = 0;
	l->cap = sizeof(l->stack);
	l->failed = false;
}

static bool line_grow(struct line *l, size_t need)
{
	size_t cap = l->cap * 2 > need ? l->cap * 2 : need;
	char *buf = l->buf == l->stack ? malloc(cap) : realloc(l->buf, cap);

	if (!buf)
		return false;
	if (l->buf == l->stack)
		memcpy(buf, l->stack, l->len);
	l->buf = buf;
	l->cap = cap;
	return true;
}

static void line_add(struct line *l, const char *s, size_t n)
{
	if (l->failed)
		return;
	if (n > l->cap - l->len && !line_grow(l, l->len + n)) {
		l->failed = true;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void line_add_str(struct line *l, const char *s)
{
	line_add(l, s, strlen(s));
}

/* Escape backslash and newline, and the double quote too when in_label. */
static void line_add_escaped(struct line *l, const char *s, bool in_label)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n"
				: *s == '"' && in_label ? "\\\"" : NULL;

		if (!rep)
			continue;
		line_add(l, run, (size_t)(s - run));
		line_add(l, rep, 2);
		run = s + 1;
	}
	line_add(l, run, (size_t)(s - run));
}

static void line_add_u64(struct line *l, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[sizeof(digits) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	line_add(l, digits + sizeof(digits) - n, n);
}

/* The line to out, in one call; its memory is given back. */
static void line_flush(struct line *l, struct evbuffer *out)
{
	if (!l->failed)
		evbuffer_add(out, l->buf, l->len);
	if (l->buf != l->stack)
		free(l->buf);
}

void prom_family(struct evbuffer *out, const char *name, const char *type, const char *help)
{
	struct line l;

	line_init(&l);
	line_add_str(&l, "# HELP ");
	line_add_str(&l, name);
	line_add(&l, " ", 1);
	line_add_escaped(&l, help, false);
	line_add_str(&l, "\n# TYPE ");
	line_add_str(&l, name);
	line_add(&l, " ", 1);
	line_add_str(&l, type);
	line_add(&l, "\n", 1);
	line_flush(&l, out);
}

static void line_name_labels(struct line *l, const char *name, const struct prom_label *labels,
			     size_t n)
{
	line_add_str(l, name);
	if (!n)
		return;
	line_add(l, "{", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			line_add(l, ",", 1);
		line_add_str(l, labels[i].name);
		line_add(l, "=\"", 2);
		line_add_escaped(l, labels[i].value ? labels[i].value : "", true);
		line_add(l, "\"", 1);
	}
	line_add(l, "}", 1);
}

void prom_sample_u64(struct evbuffer *out, const char *name, const struct prom_label *labels,
		     size_t n, uint64_t v)
{
	struct line l;

	line_init(&l);
	line_name_labels(&l, name, labels, n);
	line_add(&l, " ", 1);
	line_add_u64(&l, v);
	line_add(&l, "\n", 1);
	line_flush(&l, out);
}

void prom_sample_double(struct evbuffer *out, const char *name, const struct prom_label *labels,
			size_t n, double v)
{
	struct line l;
	char num[40];

	line_init(&l);
	line_name_labels(&l, name, labels, n);
	if (isnan(v))
		snprintf(num, sizeof(num), " NaN\n");
	else if (isinf(v))
		snprintf(num, sizeof(num), " %sInf\n", v > 0 ? "+" : "-");
	else
		snprintf(num, sizeof(num), " %.17g\n", v);
	line_add_str(&l, num);
	line_flush(&l, out);
}

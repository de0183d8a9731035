/*
 * prom.c - Prometheus text format writer (see prom.h). Names are the
 * caller's constants; only label values and help text come from outside
 * (service names from the configuration), so only they are escaped.
 */
#include "config.h"

#include <event2/buffer.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "prom.h"

/* Escape backslash and newline, and the double quote too when in_label. */
static void add_escaped(struct evbuffer *out, const char *s, int in_label)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n"
				: *s == '"' && in_label ? "\\\"" : NULL;

		if (!rep)
			continue;
		evbuffer_add(out, run, (size_t)(s - run));
		evbuffer_add(out, rep, 2);
		run = s + 1;
	}
	evbuffer_add(out, run, (size_t)(s - run));
}

void prom_family(struct evbuffer *out, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(out, "# HELP %s ", name);
	add_escaped(out, help, 0);
	evbuffer_add_printf(out, "\n# TYPE %s %s\n", name, type);
}

/*
 * A sample's line is assembled on the stack and added in one call: the
 * exposition of 10,000 real servers is 130,000 lines, and an evbuffer_add
 * per piece (and a printf per label) cost 90 ms of the event loop there.
 */
struct line {
	char buf[1024];
	size_t len;
	bool overflow;
};

static void line_add(struct line *l, const char *s, size_t n)
{
	if (l->overflow || n > sizeof(l->buf) - l->len) {
		l->overflow = true;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void line_add_str(struct line *l, const char *s)
{
	line_add(l, s, strlen(s));
}

/* A label value, escaped: backslash, double quote, newline. */
static void line_add_label_value(struct line *l, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n" : *s == '"' ? "\\\"" : NULL;

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
		line_add_label_value(l, labels[i].value ? labels[i].value : "");
		line_add(l, "\"", 1);
	}
	line_add(l, "}", 1);
}

/* Labels too long for a line (a name of kilobytes): written piece by piece. */
static void add_name_labels(struct evbuffer *out, const char *name,
			    const struct prom_label *labels, size_t n)
{
	evbuffer_add(out, name, strlen(name));
	if (!n)
		return;
	evbuffer_add(out, "{", 1);
	for (size_t i = 0; i < n; i++) {
		evbuffer_add_printf(out, "%s%s=\"", i ? "," : "", labels[i].name);
		add_escaped(out, labels[i].value ? labels[i].value : "", 1);
		evbuffer_add(out, "\"", 1);
	}
	evbuffer_add(out, "}", 1);
}

/* The name, labels and value: the assembled line, or the same piece by piece. */
static void line_flush(struct line *l, struct evbuffer *out, const char *name,
		       const struct prom_label *labels, size_t n, const char *value)
{
	if (!l->overflow) {
		evbuffer_add(out, l->buf, l->len);
		return;
	}
	add_name_labels(out, name, labels, n);
	evbuffer_add(out, value, strlen(value));
}

void prom_sample_u64(struct evbuffer *out, const char *name, const struct prom_label *labels,
		     size_t n, uint64_t v)
{
	struct line l = { .len = 0 };
	char num[24];

	line_name_labels(&l, name, labels, n);
	line_add(&l, " ", 1);
	line_add_u64(&l, v);
	line_add(&l, "\n", 1);
	if (l.overflow)
		snprintf(num, sizeof(num), " %llu\n", (unsigned long long)v);
	line_flush(&l, out, name, labels, n, num);
}

void prom_sample_double(struct evbuffer *out, const char *name, const struct prom_label *labels,
			size_t n, double v)
{
	struct line l = { .len = 0 };
	char num[40];

	line_name_labels(&l, name, labels, n);
	if (isnan(v))
		snprintf(num, sizeof(num), " NaN\n");
	else if (isinf(v))
		snprintf(num, sizeof(num), " %sInf\n", v > 0 ? "+" : "-");
	else
		snprintf(num, sizeof(num), " %.17g\n", v);
	line_add_str(&l, num);
	line_flush(&l, out, name, labels, n, num);
}

/*
 * prom.c - Prometheus text format writer (see prom.h). Names are the
 * caller's constants; only label values and help text come from outside
 * (service names from the configuration), so only they are escaped.
 */
#include "config.h"

#include <event2/buffer.h>
#include <math.h>
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

void prom_sample_u64(struct evbuffer *out, const char *name, const struct prom_label *labels,
		     size_t n, uint64_t v)
{
	add_name_labels(out, name, labels, n);
	evbuffer_add_printf(out, " %llu\n", (unsigned long long)v);
}

void prom_sample_double(struct evbuffer *out, const char *name, const struct prom_label *labels,
			size_t n, double v)
{
	add_name_labels(out, name, labels, n);
	if (isnan(v))
		evbuffer_add_printf(out, " NaN\n");
	else if (isinf(v))
		evbuffer_add_printf(out, " %sInf\n", v > 0 ? "+" : "-");
	else
		evbuffer_add_printf(out, " %.17g\n", v);
}

/*
 * prom.h - the Prometheus text exposition format, version 0.0.4: what
 * `lvsctl metrics` prints and what global.metrics_listen serves.
 *
 * A metric family is written once as its # HELP and # TYPE lines, then
 * all its samples, each `name{label="value",...} number`. Label values
 * escape backslash, double quote and newline; help text escapes
 * backslash and newline. Counters are printed as exact integers (a
 * double would round past 2^53 bytes).
 */
#ifndef LVSD_PROM_H
#define LVSD_PROM_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_label {
	const char *name;
	const char *value;
};

/* # HELP and # TYPE of a family; type is "counter" or "gauge". */
void prom_family(struct evbuffer *out, const char *name, const char *type, const char *help);
/* One sample; n labels (0: none). */
void prom_sample_u64(struct evbuffer *out, const char *name, const struct prom_label *labels,
		     size_t n, uint64_t v);
void prom_sample_double(struct evbuffer *out, const char *name, const struct prom_label *labels,
			size_t n, double v);

#endif

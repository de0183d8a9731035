/*
 * fuzz_cfg_incr.c - libFuzzer harness for the incremental reload.
 *
 * The input is two files separated by a NUL byte: the first is loaded,
 * then the second is loaded twice, whole and after the first
 * (cfg_reload_buffer). The promise under test: both loads agree. Both
 * fail with the same errors at the same places, or both give models
 * whose services print the same (name, address, scheduler, check,
 * every real server's address, weight and check). Build with
 * `make fuzz`, run with
 * `tests/fuzz/fuzz_cfg_incr -dict=tests/fuzz/cfg.dict DIR` where DIR
 * holds inputs of that shape (the seeds with a copy of themselves).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void print_check(FILE *f, const struct cfg_check *c)
{
	fprintf(f, " check %d %u %llu %llu %u %u %d %s %s", (int)c->type, c->port,
		(unsigned long long)c->interval, (unsigned long long)c->timeout,
		c->rise, c->fall, (int)c->alpha, c->path ? c->path : "-",
		c->host ? c->host : "-");
}

/* The model's services as text: equal texts, equal models (for this test). */
static char *print_services(const struct cfg *cfg)
{
	char *buf = NULL, a[ADDR_STRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fprintf(f, "%zu %zu %zu\n", cfg->n_services, cfg->n_vrrp, cfg->n_sync_groups);
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];

		fprintf(f, "%s %s %u %d %d %llx", s->name ? s->name : "-",
			addr_format(&s->address, a, sizeof(a)), s->fwmark, (int)s->scheduler,
			(int)s->protocol, (unsigned long long)s->set);
		print_check(f, &s->check);
		for (size_t j = 0; j < s->n_real_servers; j++) {
			const struct cfg_real_server *rs = &s->real_servers[j];

			fprintf(f, "\n  %s %u %d", addr_format(&rs->address, a, sizeof(a)),
				rs->weight, (int)rs->forwarding);
			print_check(f, &rs->check);
		}
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		abort();
	return buf;
}

static void same_errors(const struct cfg_diag *a, const struct cfg_diag *b)
{
	if (a->n_errors != b->n_errors)
		abort();
	for (size_t i = 0; i < a->n_errors; i++)
		if (a->errors[i].line != b->errors[i].line || a->errors[i].col != b->errors[i].col ||
		    strcmp(a->errors[i].msg, b->errors[i].msg) != 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nul = memchr(data, '\0', size);
	struct cfg_diag d0, dw, di;
	struct cfg *first, *whole, *incr;
	size_t alen, blen;

	if (!nul)
		return 0;
	alen = (size_t)(nul - text);
	blen = size - alen - 1;
	cfg_diag_init(&d0, "fuzz.yaml");
	first = cfg_load_buffer("fuzz.yaml", text, alen, &d0);
	cfg_diag_free(&d0);
	if (!first)
		return 0;
	cfg_diag_init(&dw, "fuzz.yaml");
	cfg_diag_init(&di, "fuzz.yaml");
	whole = cfg_load_buffer("fuzz.yaml", nul + 1, blen, &dw);
	incr = cfg_reload_buffer("fuzz.yaml", nul + 1, blen, first, &di);
	if (!whole != !incr)
		abort();
	if (!whole) {
		same_errors(&dw, &di);
	} else {
		char *pw = print_services(whole), *pi = print_services(incr);

		if (strcmp(pw, pi) != 0)
			abort();
		free(pw);
		free(pi);
	}
	cfg_free(first);
	cfg_free(whole);
	cfg_free(incr);
	cfg_diag_free(&dw);
	cfg_diag_free(&di);
	return 0;
}

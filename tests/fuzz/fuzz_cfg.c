/*
 * fuzz_cfg.c - libFuzzer harness for the configuration loader.
 *
 * Feeds arbitrary bytes to cfg_load_buffer() and checks the one promise
 * the loader makes about bad input: it returns (a model or errors) without
 * crashing, leaking or reading out of bounds. Build with `make fuzz`, run
 * with `tests/fuzz/fuzz_cfg -dict=tests/fuzz/cfg.dict tests/fuzz/seeds`.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_diag diag;
	struct cfg *cfg;

	cfg_diag_init(&diag, "fuzz.yaml");
	cfg = cfg_load_buffer("fuzz.yaml", (const char *)data, size, &diag);
	/* A model and errors never come together. */
	if (cfg && diag.n_errors)
		abort();
	if (!cfg && diag.n_errors == 0)
		abort();
	cfg_free(cfg);
	cfg_diag_free(&diag);
	return 0;
}

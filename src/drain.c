/*
 * drain.c - the set of draining real servers (see drain.h). A reload
 * seldom removes more than a handful of servers at once, so the set is
 * an array searched in order; a pass that no longer sees an entry (its
 * server came back, was removed, or its service went) drops it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drain.h"

static uint64_t monotonic_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void drain_init(struct drain *d, uint64_t (*now_ms)(void *arg), void *clock_arg)
{
	memset(d, 0, sizeof(*d));
	d->now_ms = now_ms ? now_ms : monotonic_ms;
	d->clock_arg = clock_arg;
}

void drain_free(struct drain *d)
{
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

uint64_t drain_now(const struct drain *d)
{
	return d->now_ms(d->clock_arg);
}

enum drain_verdict drain_decide(const struct drain_entry *e, uint32_t activeconns,
				uint32_t inactconns, uint64_t now_ms)
{
	if (activeconns == 0 && inactconns == 0)
		return DRAIN_DONE;
	return now_ms >= e->deadline_ms ? DRAIN_TIMED_OUT : DRAIN_WAIT;
}

struct drain_entry *drain_find(const struct drain *d, const struct fwd_service_key *key,
			       const struct lvs_addr *addr)
{
	for (size_t i = 0; d && i < d->n; i++)
		if (addr_equal(&d->v[i].addr, addr) && fwd_service_key_equal(&d->v[i].key, key))
			return &d->v[i];
	return NULL;
}

struct drain_entry *drain_start(struct drain *d, const struct fwd_service_key *key,
				const struct lvs_addr *addr, uint64_t timeout_ms, bool *started)
{
	struct drain_entry *e = drain_find(d, key, addr);
	uint64_t now;

	*started = false;
	if (e)
		return e;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct drain_entry *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		d->v = v;
		d->cap = cap;
	}
	now = drain_now(d);
	e = &d->v[d->n++];
	memset(e, 0, sizeof(*e));
	e->key = *key;
	e->addr = *addr;
	e->since_ms = now;
	e->deadline_ms = now + timeout_ms;
	*started = true;
	return e;
}

void drain_pass_begin(struct drain *d)
{
	for (size_t i = 0; i < d->n; i++)
		d->v[i].seen = false;
}

void drain_pass_end(struct drain *d)
{
	size_t k = 0;

	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].seen)
			d->v[k++] = d->v[i];
	d->n = k;
}

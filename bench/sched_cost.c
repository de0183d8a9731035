/*
 * sched_cost.c - what one new connection costs a scheduler.
 *
 * For each scheduler and list size it runs a steady stream of connections
 * and reports the average time per connection of everything the scheduler
 * does for it: the pick, and the three count changes a TCP connection
 * reports (bound: active + 1; closed: active - 1, inactive + 1; expired:
 * inactive - 1). Connections stay active for 2n picks and inactive for 2n
 * more, so every server carries a few of each. Weights cycle 1..4.
 * The row "wlc (scan)" is the kernel's way for comparison: the same
 * traffic with no index, and a pick that scans the whole list.
 *
 * Not run in CI: make bench/sched_cost && bench/sched_cost [seconds]
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sched.h"

struct ring {
	struct sched_dest **v;
	size_t cap, head, n;
};

struct run {
	struct sched *s;		/* NULL for the scan row */
	struct sched_dest *d;
	size_t n;
	struct ring active, inactive;
	uint64_t rng;
};

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Push d; return the one that falls out when the ring is full, or NULL. */
static struct sched_dest *ring_push(struct ring *r, struct sched_dest *d)
{
	struct sched_dest *out = NULL;

	if (r->n == r->cap) {
		out = r->v[r->head];
		r->head = (r->head + 1) % r->cap;
		r->n--;
	}
	r->v[(r->head + r->n) % r->cap] = d;
	r->n++;
	return out;
}

static void changed(struct run *u, struct sched_dest *d)
{
	if (u->s != NULL)
		sched_conn_changed(u->s, d);
}

/* The kernel's wlc: first usable, then replace on strictly less. */
static struct sched_dest *scan_wlc(struct run *u)
{
	struct sched_dest *least = NULL;
	size_t i = 0;

	for (; i < u->n && least == NULL; i++)
		if (!u->d[i].overloaded && u->d[i].weight > 0)
			least = &u->d[i];
	for (; i < u->n; i++) {
		struct sched_dest *d = &u->d[i];
		uint64_t loh = ((uint64_t)least->activeconns << 8) + least->inactconns;
		uint64_t doh = ((uint64_t)d->activeconns << 8) + d->inactconns;

		if (!d->overloaded && loh * d->weight > doh * least->weight)
			least = d;
	}
	return least;
}

/* One connection: pick, bind, and the transitions of older ones. */
static void one_conn(struct run *u)
{
	struct lvs_addr client = { .af = AF_INET, .port = 40000 };
	struct lvs_addr vaddr = { .af = AF_INET, .port = 80 };
	struct sched_request r = { .client = &client, .vaddr = &vaddr };
	struct sched_dest *d, *old;

	client.ip.v4.s_addr = (uint32_t)next_rand(&u->rng);
	d = u->s ? sched_pick(u->s, &r) : scan_wlc(u);
	if (d == NULL)
		abort();
	d->activeconns++;
	changed(u, d);
	old = ring_push(&u->active, d);
	if (old == NULL)
		return;
	old->activeconns--;
	old->inactconns++;
	changed(u, old);
	old = ring_push(&u->inactive, old);
	if (old == NULL)
		return;
	old->inactconns--;
	changed(u, old);
}

static int run_setup(struct run *u, int which, size_t n)
{
	memset(u, 0, sizeof(*u));
	u->n = n;
	u->rng = 88172645463325252ull;
	u->d = calloc(n, sizeof(*u->d));
	u->active = (struct ring){ calloc(2 * n, sizeof(void *)), 2 * n, 0, 0 };
	u->inactive = (struct ring){ calloc(2 * n, sizeof(void *)), 2 * n, 0, 0 };
	if (u->d == NULL || u->active.v == NULL || u->inactive.v == NULL)
		return -1;
	if (which >= 0 && (u->s = sched_new((enum cfg_sched)which, 0, 1)) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		u->d[i].addr.af = AF_INET;
		u->d[i].addr.ip.v4.s_addr = htonl(0x0a000000u + (uint32_t)i);
		u->d[i].addr.port = 80;
		u->d[i].weight = 1 + (uint32_t)(i % 4);
		if (u->s != NULL && sched_add_dest(u->s, &u->d[i]) != 0)
			return -1;
	}
	return 0;
}

static void run_free(struct run *u)
{
	sched_free(u->s);
	free(u->d);
	free(u->active.v);
	free(u->inactive.v);
}

/* Nanoseconds per connection, or a negative value when it cannot run. */
static double measure(int which, size_t n, double seconds)
{
	struct run u;
	size_t batch = 1000, done = 0;
	double t0, t;

	if (run_setup(&u, which, n) != 0) {
		run_free(&u);
		return -1;
	}
	for (size_t i = 0; i < 4 * n + 1000; i++)	/* fill both rings */
		one_conn(&u);
	t0 = now_sec();
	do {
		for (size_t i = 0; i < batch; i++)
			one_conn(&u);
		done += batch;
		t = now_sec();
	} while (t - t0 < seconds);
	run_free(&u);
	return (t - t0) * 1e9 / (double)done;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int which; } rows[] = {
		{ "lc", CFG_SCHED_LC }, { "wlc", CFG_SCHED_WLC }, { "sed", CFG_SCHED_SED },
		{ "nq", CFG_SCHED_NQ }, { "wlc (scan)", -1 }, { "rr", CFG_SCHED_RR },
		{ "wrr", CFG_SCHED_WRR }, { "mh", CFG_SCHED_MH },
	};
	static const size_t sizes[] = { 10, 1000, 10000 };
	double seconds = argc > 1 ? atof(argv[1]) : 0.5;

	printf("ns per connection (one pick + three count updates)\n");
	printf("%-12s %10s %10s %10s\n", "scheduler", "n=10", "n=1000", "n=10000");
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		printf("%-12s", rows[r].name);
		for (size_t k = 0; k < 3; k++) {
			double ns = measure(rows[r].which, sizes[k], seconds);

			if (ns < 0)
				printf(" %10s", "n/a");
			else
				printf(" %10.1f", ns);
			fflush(stdout);
		}
		printf("\n");
	}
	return 0;
}

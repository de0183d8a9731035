/*
 * sched_lblc.c - locality-based least-connection (lblc) and its variant
 * with replication (lblcr), as ip_vs_lblc.c and ip_vs_lblcr.c run them.
 *
 * Both remember, per destination address of the packets (the request's
 * vaddr: a cache cluster sees many), which real server served it last:
 *
 *  - lblc keeps one server per address and goes on using it while it has
 *    a weight and is not "overloaded" in lblc's own sense: more active
 *    connections than its weight while some server in the service has
 *    fewer than half its weight. Otherwise it picks by wlc and remembers
 *    that. (Like the kernel, lblc's cache ignores the u_threshold overload
 *    flag; only the wlc pick honours it.)
 *  - lblcr keeps a set of servers per address, newest first, and takes the
 *    set's least loaded (by wlc's measure); when that one is missing or
 *    overloaded as above, it adds a wlc pick to the set. A set of more
 *    than one that has not changed for the expiration time loses its most
 *    loaded member.
 *
 * Entries nobody used for a day go away. The kernel collects them with a
 * timer every minute: every 30th run removes entries older than the
 * expiration, and a run that finds more than 16384 entries removes ones
 * idle for 6 minutes, a few buckets at a time. We have no timers: the
 * runs that fell due since the last pick are replayed, in order and at
 * their own times, when the next pick comes, so the table holds what the
 * kernel's would. The minute ticks start with the first pick.
 *
 * The wlc pick reads a heap (sched_lc.c) and lblc's overload test keeps a
 * count of lightly loaded servers, so neither scans the list.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sched.h"
#include "sched_priv.h"

#define LB_TAB_BITS 10
#define LB_TAB_SIZE (1u << LB_TAB_BITS)
#define LB_TAB_MASK (LB_TAB_SIZE - 1)
#define LB_MAX_SIZE (LB_TAB_SIZE * 16)		/* tbl->max_size */
#define LB_CHECK_INTERVAL_MS 60000u		/* CHECK_EXPIRE_INTERVAL */
#define LB_ENTRY_TIMEOUT_MS 360000u		/* ENTRY_TIMEOUT */
#define LB_EXPIRATION_MS 86400000u		/* the lblc(r)_expiration sysctl */
#define LB_FULL_EVERY 30u			/* COUNT_FOR_FULL_EXPIRATION */
#define LB_LIGHT 1u				/* sched_bits: 2 * active < weight */

struct lb_entry {
	struct lb_entry *next;
	struct lvs_addr addr;		/* the destination address; port unused */
	uint64_t lastuse;		/* last pick for this address */
	uint64_t lastmod;		/* lblcr: last change of the set */
	struct sched_dest **set;	/* lblc: one server, NULL once removed;
					   lblcr: newest first */
	size_t n, cap;
	struct sched_dest *first[1];	/* set's storage until it grows */
};

struct lb_state {
	struct lb_entry *bucket[LB_TAB_SIZE];
	size_t entries;
	unsigned rover;			/* bucket where the last sweep stopped */
	unsigned counter;		/* ticks since the last full check */
	bool started;
	uint64_t next_tick;		/* when the kernel's timer runs next */
	bool replicate;			/* lblcr */
	struct sched_heap heap;		/* wlc order */
	size_t n_light;			/* servers with 2 * active < weight */
};

/* ---- the table --------------------------------------------------------- */

/* hash_32(fold, 10): the golden-ratio multiply, top bits. */
static unsigned lb_hash(const struct lvs_addr *a)
{
	return (uint32_t)(sched_addr_fold(a) * 0x61C88647u) >> (32 - LB_TAB_BITS);
}

static bool lb_same_ip(const struct lvs_addr *a, const struct lvs_addr *b)
{
	if (a->af != b->af)
		return false;
	if (a->af == AF_INET6)
		return memcmp(&a->ip.v6, &b->ip.v6, sizeof(a->ip.v6)) == 0;
	return a->ip.v4.s_addr == b->ip.v4.s_addr;
}

static struct lb_entry *lb_lookup(struct lb_state *st, const struct lvs_addr *a)
{
	for (struct lb_entry *e = st->bucket[lb_hash(a)]; e; e = e->next)
		if (lb_same_ip(&e->addr, a))
			return e;
	return NULL;
}

static void lb_entry_free(struct lb_entry *e)
{
	if (e->set != e->first)
		free(e->set);
	free(e);
}

/* A new entry for `a` holding d; the pick still stands if this fails. */
static void lb_add(struct lb_state *st, const struct lvs_addr *a,
		   struct sched_dest *d, uint64_t now)
{
	struct lb_entry *e = calloc(1, sizeof(*e));
	unsigned h = lb_hash(a);

	if (e == NULL)
		return;
	e->addr = *a;
	e->addr.port = 0;
	e->lastuse = e->lastmod = now;
	e->set = e->first;
	e->cap = e->n = 1;
	e->first[0] = d;
	e->next = st->bucket[h];
	st->bucket[h] = e;
	st->entries++;
}

/* Remove the entries of bucket j not used within `age` of now. */
static size_t lb_sweep(struct lb_state *st, unsigned j, uint64_t now,
		       uint64_t age)
{
	struct lb_entry **pp = &st->bucket[j];
	size_t n = 0;

	while (*pp != NULL) {
		struct lb_entry *e = *pp;

		if (now < e->lastuse + age) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		lb_entry_free(e);
		st->entries--;
		n++;
	}
	return n;
}

/* ---- the kernel's collection timer, replayed --------------------------- */

/* ip_vs_lblc_full_check: every bucket, from the rover round to it again. */
static void lb_full_check(struct lb_state *st, uint64_t now)
{
	unsigned j = st->rover;

	for (unsigned i = 0; i < LB_TAB_SIZE; i++) {
		j = (j + 1) & LB_TAB_MASK;
		lb_sweep(st, j, now, LB_EXPIRATION_MS);
	}
	st->rover = j;
}

/* The over-full case: drop idle entries until 4/3 of the excess is gone. */
static void lb_partial_check(struct lb_state *st, uint64_t now)
{
	int64_t goal = ((int64_t)st->entries - LB_MAX_SIZE) * 4 / 3;
	unsigned j = st->rover;

	if (goal > LB_MAX_SIZE / 2)
		goal = LB_MAX_SIZE / 2;
	for (unsigned i = 0; i < LB_TAB_SIZE; i++) {
		j = (j + 1) & LB_TAB_MASK;
		goal -= (int64_t)lb_sweep(st, j, now, LB_ENTRY_TIMEOUT_MS);
		if (goal <= 0)
			break;
	}
	st->rover = j;
}

/*
 * Ticks that only count (the table is not over-full): jump over those due
 * by `now`. If a full check falls among them, go to the last one due: an
 * earlier one, with no pick in between, removes a subset of what it does.
 */
static void lb_skip_counting(struct lb_state *st, uint64_t now)
{
	const uint64_t cycle = (uint64_t)LB_FULL_EVERY * LB_CHECK_INTERVAL_MS;
	uint64_t t = st->next_tick;
	uint64_t due = (now - t) / LB_CHECK_INTERVAL_MS + 1;
	uint64_t to_full = LB_FULL_EVERY - st->counter % LB_FULL_EVERY;

	if (due <= to_full) {
		st->counter += (unsigned)due;
		st->next_tick = t + due * LB_CHECK_INTERVAL_MS;
		return;
	}
	st->counter += (unsigned)to_full;
	t += to_full * LB_CHECK_INTERVAL_MS;
	st->next_tick = t + (now - t) / cycle * cycle;
}

/* ip_vs_lblc_check_expire, for every run due by now. */
static void lb_catch_up(struct lb_state *st, uint64_t now)
{
	if (!st->started) {
		st->started = true;
		st->next_tick = now + LB_CHECK_INTERVAL_MS;
		return;
	}
	while (st->next_tick <= now) {
		if (st->counter % LB_FULL_EVERY == 0) {
			lb_full_check(st, st->next_tick);
			st->counter = 1;
		} else if (st->entries > LB_MAX_SIZE) {
			lb_partial_check(st, st->next_tick);
		} else {
			lb_skip_counting(st, now);
			continue;
		}
		st->next_tick += LB_CHECK_INTERVAL_MS;
	}
}

/* ---- load ------------------------------------------------------------- */

static bool lb_light(const struct sched_dest *d)
{
	return (uint64_t)d->activeconns * 2 < d->weight;
}

/* Mark d as light or not, keeping the count. */
static void lb_mark(struct lb_state *st, struct sched_dest *d)
{
	bool was = d->sched_bits & LB_LIGHT, now = lb_light(d);

	if (was == now)
		return;
	d->sched_bits ^= LB_LIGHT;
	if (now)
		st->n_light++;
	else
		st->n_light--;
}

/* is_overloaded() of lblc/lblcr: busy past its weight while one is light. */
static bool lb_overloaded(const struct lb_state *st, const struct sched_dest *d)
{
	return d->activeconns > d->weight && st->n_light > 0;
}

/* ---- lblcr's server sets ----------------------------------------------- */

/* ip_vs_dest_set_min: the least loaded usable member, first on a tie. */
static struct sched_dest *lb_set_min(const struct lb_entry *e)
{
	struct sched_dest *least = NULL;
	size_t i = 0;

	for (; i < e->n && least == NULL; i++)
		if (!e->set[i]->overloaded && e->set[i]->weight > 0)
			least = e->set[i];
	for (; i < e->n; i++) {
		struct sched_dest *d = e->set[i];

		if (!d->overloaded &&
		    sched_ratio_cmp(sched_conn_overhead(d), d->weight,
				    sched_conn_overhead(least), least->weight) < 0)
			least = d;
	}
	return least;
}

/* ip_vs_dest_set_max: the most loaded member with a weight (flag ignored). */
static struct sched_dest *lb_set_max(const struct lb_entry *e)
{
	struct sched_dest *most = NULL;
	size_t i = 0;

	for (; i < e->n && most == NULL; i++)
		if (e->set[i]->weight > 0)
			most = e->set[i];
	for (; i < e->n; i++) {
		struct sched_dest *d = e->set[i];

		if (d->weight > 0 &&
		    sched_ratio_cmp(sched_conn_overhead(most), most->weight,
				    sched_conn_overhead(d), d->weight) < 0)
			most = d;
	}
	return most;
}

static void lb_set_erase(struct lb_entry *e, struct sched_dest *d)
{
	for (size_t i = 0; i < e->n; i++) {
		if (e->set[i] != d)
			continue;
		memmove(&e->set[i], &e->set[i + 1], (e->n - i - 1) * sizeof(*e->set));
		e->n--;
		return;
	}
}

/* ip_vs_dest_set_insert with check: at the head, unless already there. */
static void lb_set_insert(struct lb_entry *e, struct sched_dest *d, uint64_t now)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->set[i] == d)
			return;
	if (e->n == e->cap) {
		size_t cap = e->cap * 2;
		struct sched_dest **v = malloc(cap * sizeof(*v));

		if (v == NULL)
			return;
		memcpy(v, e->set, e->n * sizeof(*v));
		if (e->set != e->first)
			free(e->set);
		e->set = v;
		e->cap = cap;
	}
	memmove(&e->set[1], &e->set[0], e->n * sizeof(*e->set));
	e->set[0] = d;
	e->n++;
	e->lastmod = now;
}

/* ---- the schedulers ---------------------------------------------------- */

static int lb_init(struct sched *s, bool replicate)
{
	struct lb_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return -1;
	st->replicate = replicate;
	st->counter = 1;
	st->heap.before = sched_wlc_before;
	s->priv = st;
	return 0;
}

static int lblc_init(struct sched *s) { return lb_init(s, false); }
static int lblcr_init(struct sched *s) { return lb_init(s, true); }

static void lb_done(struct sched *s)
{
	struct lb_state *st = s->priv;

	for (unsigned j = 0; j < LB_TAB_SIZE; j++) {
		while (st->bucket[j] != NULL) {
			struct lb_entry *e = st->bucket[j];

			st->bucket[j] = e->next;
			lb_entry_free(e);
		}
	}
	sched_heap_free(&st->heap);
	free(st);
}

/*
 * A removed server stays in the kernel's entries, unavailable, until it
 * is replaced (lblc) or ages out of its set (lblcr); here it goes at once:
 * lblc's entry keeps a NULL, which a pick replaces just the same.
 */
static void lb_del_dest(struct sched *s, struct sched_dest *d)
{
	struct lb_state *st = s->priv;

	for (unsigned j = 0; j < LB_TAB_SIZE; j++) {
		for (struct lb_entry *e = st->bucket[j]; e; e = e->next) {
			if (!st->replicate && e->set[0] == d)
				e->set[0] = NULL;
			else if (st->replicate)
				lb_set_erase(e, d);
		}
	}
}

static int lb_update(struct sched *s)
{
	struct lb_state *st = s->priv;

	st->n_light = 0;
	for (size_t i = 0; i < s->n_dests; i++) {
		struct sched_dest *d = s->dests[i];

		d->sched_bits &= ~LB_LIGHT;
		lb_mark(st, d);
	}
	return sched_heap_rebuild(&st->heap, s);
}

static void lb_conn_changed(struct sched *s, struct sched_dest *d)
{
	struct lb_state *st = s->priv;

	lb_mark(st, d);
	sched_heap_fix(&st->heap, d);
}

static struct sched_dest *lblc_pick(struct sched *s, const struct sched_request *r)
{
	struct lb_state *st = s->priv;
	struct lb_entry *e;
	struct sched_dest *d;

	lb_catch_up(st, r->now_ms);
	e = lb_lookup(st, r->vaddr);
	if (e != NULL) {
		e->lastuse = r->now_ms;
		d = e->set[0];
		if (d != NULL && d->weight > 0 && !lb_overloaded(st, d))
			return d;
	}
	d = sched_heap_top(&st->heap);
	if (d == NULL)
		return NULL;
	if (e != NULL)
		e->set[0] = d;
	else
		lb_add(st, r->vaddr, d, r->now_ms);
	return d;
}

static struct sched_dest *lblcr_pick(struct sched *s, const struct sched_request *r)
{
	struct lb_state *st = s->priv;
	uint64_t now = r->now_ms;
	struct lb_entry *e;
	struct sched_dest *d;

	lb_catch_up(st, now);
	e = lb_lookup(st, r->vaddr);
	if (e == NULL) {
		d = sched_heap_top(&st->heap);
		if (d != NULL)
			lb_add(st, r->vaddr, d, now);
		return d;
	}
	e->lastuse = now;
	d = lb_set_min(e);
	/* A set unchanged for the expiration time sheds its busiest member. */
	if (e->n > 1 && now > e->lastmod + LB_EXPIRATION_MS) {
		struct sched_dest *m = lb_set_max(e);

		if (m != NULL) {
			lb_set_erase(e, m);
			e->lastmod = now;
		}
	}
	if (d != NULL && !lb_overloaded(st, d))
		return d;
	d = sched_heap_top(&st->heap);
	if (d != NULL)
		lb_set_insert(e, d, now);
	return d;
}

const struct sched_ops sched_lblc_ops = {
	.name = "lblc",
	.init = lblc_init,
	.done = lb_done,
	.del_dest = lb_del_dest,
	.update = lb_update,
	.conn_changed = lb_conn_changed,
	.pick = lblc_pick,
};

const struct sched_ops sched_lblcr_ops = {
	.name = "lblcr",
	.init = lblcr_init,
	.done = lb_done,
	.del_dest = lb_del_dest,
	.update = lb_update,
	.conn_changed = lb_conn_changed,
	.pick = lblcr_pick,
};

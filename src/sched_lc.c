/*
 * sched_lc.c - the least-connection family: lc, wlc, sed, nq, and the
 * indexed heap they pick from.
 *
 * The kernel scans the whole list on every pick (ip_vs_lc.c, ip_vs_wlc.c,
 * ip_vs_sed.c, ip_vs_nq.c) and keeps the first destination of least load,
 * replacing it only on a strictly smaller one. So its choice is the least
 * of a total order: (load, list position). We keep the usable
 * destinations in a binary min-heap by that order: a pick reads the top,
 * and each count change (a connection bound, unbound or gone inactive)
 * moves one destination in O(log n). Loads are compared as the kernel
 * compares them, by cross-multiplication, but in exact wide arithmetic:
 *
 *   lc   (active << 8) + inactive                 (ip_vs_dest_conn_overhead)
 *   wlc  overhead / weight
 *   sed  (active + 1) / weight
 *   nq   an idle destination (no active connection) first, the first in
 *        list order; when none is idle, sed's order.
 *
 * An edit renumbers the list anyway (O(n)), so it rebuilds the heap.
 */
#include "config.h"

#include <stdlib.h>

#include "sched.h"
#include "sched_priv.h"

/* ---- the heap ---------------------------------------------------------- */

static void heap_set(struct sched_heap *h, size_t i, struct sched_dest *d)
{
	h->v[i] = d;
	d->heap_pos = i;
}

static void sift_up(struct sched_heap *h, size_t i)
{
	struct sched_dest *d = h->v[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!h->before(d, h->v[p]))
			break;
		heap_set(h, i, h->v[p]);
		i = p;
	}
	heap_set(h, i, d);
}

static void sift_down(struct sched_heap *h, size_t i)
{
	struct sched_dest *d = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->before(h->v[c + 1], h->v[c]))
			c++;
		if (!h->before(h->v[c], d))
			break;
		heap_set(h, i, h->v[c]);
		i = c;
	}
	heap_set(h, i, d);
}

int sched_heap_rebuild(struct sched_heap *h, struct sched *s)
{
	/* Room for every destination, so a later insert never allocates. */
	if (h->cap < s->n_dests) {
		struct sched_dest **v = realloc(h->v, s->n_dests * sizeof(*v));

		if (v == NULL)
			return -1;
		h->v = v;
		h->cap = s->n_dests;
	}
	h->n = 0;
	for (size_t i = 0; i < s->n_dests; i++) {
		struct sched_dest *d = s->dests[i];

		d->heap_pos = SIZE_MAX;
		if (sched_dest_usable(d))
			heap_set(h, h->n++, d);
	}
	for (size_t i = h->n / 2; i-- > 0;)
		sift_down(h, i);
	return 0;
}

void sched_heap_remove(struct sched_heap *h, struct sched_dest *d)
{
	size_t i = d->heap_pos;
	struct sched_dest *moved;

	if (i == SIZE_MAX || i >= h->n || h->v[i] != d)
		return;
	d->heap_pos = SIZE_MAX;
	moved = h->v[--h->n];
	if (i == h->n)
		return;
	heap_set(h, i, moved);
	sift_up(h, i);
	sift_down(h, moved->heap_pos);
}

void sched_heap_fix(struct sched_heap *h, struct sched_dest *d)
{
	bool in = d->heap_pos != SIZE_MAX;

	if (!sched_dest_usable(d)) {
		if (in)
			sched_heap_remove(h, d);
		return;
	}
	if (!in) {
		if (h->n == h->cap)	/* d was never seen by an update */
			return;
		heap_set(h, h->n++, d);
		sift_up(h, h->n - 1);
		return;
	}
	sift_up(h, d->heap_pos);
	sift_down(h, d->heap_pos);
}

void sched_heap_free(struct sched_heap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

/* ---- the orders -------------------------------------------------------- */

static bool lc_before(const struct sched_dest *a, const struct sched_dest *b)
{
	uint64_t ha = sched_conn_overhead(a), hb = sched_conn_overhead(b);

	if (ha != hb)
		return ha < hb;
	return a->index < b->index;
}

bool sched_wlc_before(const struct sched_dest *a, const struct sched_dest *b)
{
	int c = sched_ratio_cmp(sched_conn_overhead(a), a->weight,
				sched_conn_overhead(b), b->weight);

	return c != 0 ? c < 0 : a->index < b->index;
}

/* ip_vs_sed_dest_overhead(): the new connection counts, inactive ones don't. */
static bool sed_before(const struct sched_dest *a, const struct sched_dest *b)
{
	int c = sched_ratio_cmp((uint64_t)a->activeconns + 1, a->weight,
				(uint64_t)b->activeconns + 1, b->weight);

	return c != 0 ? c < 0 : a->index < b->index;
}

static bool nq_before(const struct sched_dest *a, const struct sched_dest *b)
{
	bool a_idle = a->activeconns == 0, b_idle = b->activeconns == 0;

	if (a_idle != b_idle)
		return a_idle;
	if (a_idle)
		return a->index < b->index;
	return sed_before(a, b);
}

/* ---- the schedulers ---------------------------------------------------- */

static int lc_family_init(struct sched *s, sched_before_fn before)
{
	struct sched_heap *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return -1;
	h->before = before;
	s->priv = h;
	return 0;
}

static int lc_init(struct sched *s) { return lc_family_init(s, lc_before); }
static int wlc_init(struct sched *s) { return lc_family_init(s, sched_wlc_before); }
static int sed_init(struct sched *s) { return lc_family_init(s, sed_before); }
static int nq_init(struct sched *s) { return lc_family_init(s, nq_before); }

static void lc_done(struct sched *s)
{
	sched_heap_free(s->priv);
	free(s->priv);
}

static int lc_update(struct sched *s)
{
	return sched_heap_rebuild(s->priv, s);
}

static void lc_conn_changed(struct sched *s, struct sched_dest *d)
{
	sched_heap_fix(s->priv, d);
}

static struct sched_dest *lc_pick(struct sched *s, const struct sched_request *r)
{
	return sched_heap_top(s->priv);
}

#define LC_FAMILY_OPS(id, text)					\
	const struct sched_ops sched_##id##_ops = {			\
		.name = text,						\
		.init = id##_init,					\
		.done = lc_done,					\
		.update = lc_update,					\
		.conn_changed = lc_conn_changed,			\
		.pick = lc_pick,					\
	}

LC_FAMILY_OPS(lc, "lc");
LC_FAMILY_OPS(wlc, "wlc");
LC_FAMILY_OPS(sed, "sed");
LC_FAMILY_OPS(nq, "nq");

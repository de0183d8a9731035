/*
 * sched_rr.c - round robin (rr) and weighted round robin (wrr).
 *
 * rr keeps a cursor on the destination it picked last and goes on from
 * the one after it, round the list, to the first usable one; the cursor
 * itself is tried last. Like ip_vs_rr.c it starts from the head of the
 * list, is not told about additions (a new destination at the head is
 * reached when the cursor wraps), and when the destination under the
 * cursor leaves, the cursor steps back to its predecessor.
 *
 * wrr is ip_vs_wrr.c's interleaving: the picks walk the list in passes,
 * each pass taking the destinations whose weight reaches the current
 * weight cw, which starts at the largest weight and falls by the gcd of
 * the weights after each pass. Every edit of the list puts the position
 * back to the head and re-derives cw, so, as in the kernel, the sequence
 * depends on the order in which destinations were added and edited.
 */
#include "config.h"

#include <stdlib.h>

#include "sched.h"
#include "sched_priv.h"

/* ---- rr ---------------------------------------------------------------- */

struct rr_state {
	struct sched_dest *cursor;	/* picked last; NULL: the list head */
};

static int rr_init(struct sched *s)
{
	s->priv = calloc(1, sizeof(struct rr_state));
	return s->priv ? 0 : -1;
}

static void rr_done(struct sched *s)
{
	free(s->priv);
}

/* ip_vs_rr_del_dest: the cursor falls back to the entry before d. */
static void rr_del_dest(struct sched *s, struct sched_dest *d)
{
	struct rr_state *st = s->priv;

	if (st->cursor == d)
		st->cursor = d->index > 0 ? s->dests[d->index - 1] : NULL;
}

/* rr needs nothing from an edit: IPVS gives it no add/upd hook. */
static int rr_update(struct sched *s)
{
	return 0;
}

static struct sched_dest *rr_take(struct rr_state *st, struct sched_dest *d)
{
	st->cursor = d;
	return d;
}

static struct sched_dest *rr_pick(struct sched *s, const struct sched_request *r)
{
	struct rr_state *st = s->priv;
	struct sched_dest *last = st->cursor;
	size_t i = last ? last->index + 1 : 0;

	for (; i < s->n_dests; i++)
		if (sched_dest_usable(s->dests[i]))
			return rr_take(st, s->dests[i]);
	if (last == NULL)
		return NULL;
	/* Second pass from the head, the last pick included, as the kernel. */
	for (i = 0; i <= last->index; i++)
		if (sched_dest_usable(s->dests[i]))
			return rr_take(st, s->dests[i]);
	return NULL;
}

const struct sched_ops sched_rr_ops = {
	.name = "rr",
	.init = rr_init,
	.done = rr_done,
	.del_dest = rr_del_dest,
	.update = rr_update,
	.pick = rr_pick,
};

/* ---- wrr --------------------------------------------------------------- */

/* struct ip_vs_wrr_mark; the kernel's ints become int64_t here. */
struct wrr_mark {
	struct sched_dest *cl;	/* picked last; NULL: the list head */
	int64_t cw;		/* current weight: a pass takes weight >= cw */
	int64_t mw;		/* largest weight, less (di - 1) so the last pass is cw = 1 */
	int64_t di;		/* gcd of the positive weights: cw's step */
};

static int64_t gcd64(int64_t a, int64_t b)
{
	while (b != 0) {
		int64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static int wrr_update(struct sched *s)
{
	struct wrr_mark *m = s->priv;
	int64_t g = 0, max = 0;

	/* Run after every change of a list of up to 10,000: once the gcd is 1 it stays 1. */
	for (size_t i = 0; i < s->n_dests; i++) {
		int64_t w = s->dests[i]->weight;

		if (w > 0 && g != 1)
			g = g > 0 ? gcd64(w, g) : w;
		if (w > max)
			max = w;
	}
	m->cl = NULL;
	m->di = g ? g : 1;
	m->mw = max - (m->di - 1);
	/* Keep cw where it was, moved onto the new step, unless out of range. */
	if (m->cw > m->mw || m->cw == 0)
		m->cw = m->mw;
	else if (m->di > 1)
		m->cw = (m->cw / m->di) * m->di + 1;
	return 0;
}

static int wrr_init(struct sched *s)
{
	s->priv = calloc(1, sizeof(struct wrr_mark));
	if (s->priv == NULL)
		return -1;
	return wrr_update(s);
}

static void wrr_done(struct sched *s)
{
	free(s->priv);
}

static struct sched_dest *wrr_stop(struct wrr_mark *m, struct sched_dest *at)
{
	m->cl = at;
	return NULL;
}

/*
 * The kernel's loop: scan on from the last pick; at the end of the list
 * lower cw and start again at the head. When cw runs out it goes back to
 * mw, and the scan gives up once every destination was tried at weight
 * >= 1 (`stop` marks where that full last pass ends).
 */
static struct sched_dest *wrr_pick(struct sched *s, const struct sched_request *r)
{
	struct wrr_mark *m = s->priv;
	struct sched_dest *last = m->cl, *stop = NULL;
	bool last_pass = false, restarted = false;
	size_t i = last ? last->index + 1 : 0;

	if (m->mw == 0)
		return NULL;
	for (;;) {
		for (; i < s->n_dests; i++) {
			struct sched_dest *d = s->dests[i];

			if (!d->overloaded && (int64_t)d->weight >= m->cw) {
				m->cl = d;
				return d;
			}
			if (d == stop)
				return wrr_stop(m, d);
		}
		i = 0;
		m->cw -= m->di;
		if (m->cw <= 0) {
			m->cw = m->mw;
			if (last_pass || last == NULL)
				return wrr_stop(m, NULL);
			restarted = true;
		}
		last_pass = m->cw <= m->di;
		if (last_pass && restarted && last != NULL)
			stop = last;
	}
}

const struct sched_ops sched_wrr_ops = {
	.name = "wrr",
	.init = wrr_init,
	.done = wrr_done,
	.eager = true,
	.update = wrr_update,
	.pick = wrr_pick,
};

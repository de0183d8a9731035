/*
 * sched.c - the scheduler registry and the list every scheduler reads.
 *
 * It maps names and enum values to the ops of each family's file, creates
 * and frees instances, and keeps a service's destination list in IPVS's
 * order: a new destination goes to the head, as __ip_vs_update_dest puts
 * it with list_add_rcu, so the list runs from the newest to the oldest.
 * After changes of the list the next pick runs the scheduler's update,
 * once, where IPVS runs add_dest/del_dest/upd_dest for each: a burst of
 * changes costs one rebuild (an eager scheduler, wrr, still gets one per
 * change). Traffic only reaches conn_changed.
 * It also holds the pure helpers several schedulers share, and IPVS's
 * overload-flag rules for the core.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"
#include "sched_priv.h"

/* Indexed by enum cfg_sched. */
static const struct sched_ops *const sched_table[] = {
	[CFG_SCHED_RR] = &sched_rr_ops,	[CFG_SCHED_WRR] = &sched_wrr_ops,
	[CFG_SCHED_LC] = &sched_lc_ops,	[CFG_SCHED_WLC] = &sched_wlc_ops,
	[CFG_SCHED_SED] = &sched_sed_ops,	[CFG_SCHED_NQ] = &sched_nq_ops,
	[CFG_SCHED_DH] = &sched_dh_ops,	[CFG_SCHED_SH] = &sched_sh_ops,
	[CFG_SCHED_LBLC] = &sched_lblc_ops,	[CFG_SCHED_LBLCR] = &sched_lblcr_ops,
	[CFG_SCHED_MH] = &sched_mh_ops,	[CFG_SCHED_FO] = &sched_fo_ops,
	[CFG_SCHED_OVF] = &sched_ovf_ops,	[CFG_SCHED_TWOS] = &sched_twos_ops,
};

#define SCHED_TABLE_LEN (sizeof(sched_table) / sizeof(sched_table[0]))

const struct sched_ops *sched_ops_of(enum cfg_sched which)
{
	if ((size_t)which >= SCHED_TABLE_LEN)
		return NULL;
	return sched_table[which];
}

const struct sched_ops *sched_ops_find(const char *name)
{
	for (size_t i = 0; i < SCHED_TABLE_LEN; i++)
		if (strcmp(sched_table[i]->name, name) == 0)
			return sched_table[i];
	return NULL;
}

struct sched *sched_new(enum cfg_sched which, uint32_t flags, uint64_t seed)
{
	const struct sched_ops *ops = sched_ops_of(which);
	struct sched *s;

	if (ops == NULL || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->ops = ops;
	s->flags = flags;
	s->rng = seed;
	if (ops->init(s) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

void sched_free(struct sched *s)
{
	if (s == NULL)
		return;
	s->ops->done(s);
	free(s->dests);
	free(s);
}

static void renumber(struct sched *s, size_t from)
{
	for (size_t i = from; i < s->n_dests; i++)
		s->dests[i]->index = i;
}

/* Take d out of the array without telling the scheduler. */
static void unlink_dest(struct sched *s, struct sched_dest *d)
{
	size_t i = d->index;

	memmove(&s->dests[i], &s->dests[i + 1],
		(s->n_dests - i - 1) * sizeof(s->dests[0]));
	s->n_dests--;
	renumber(s, i);
}

/* The list changed: rebuild now if the scheduler is eager, else at the next pick. */
static void list_changed(struct sched *s)
{
	s->stale = true;
	if (s->ops->eager)
		(void)sched_refresh(s);	/* if it fails, the next pick tries again */
}

int sched_add_dest(struct sched *s, struct sched_dest *d)
{
	if (s->ops->max_dests && s->n_dests >= s->ops->max_dests)
		return -1;
	if (s->n_dests == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct sched_dest **v = realloc(s->dests, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		s->dests = v;
		s->cap = cap;
	}
	/*
	 * IPVS sets last_weight to the weight on add. A destination moved here
	 * from another scheduler (a scheduler change, which IPVS does without
	 * re-adding) keeps the non-zero one it had; a new one has none.
	 */
	if (d->weight != 0 || d->last_weight == 0)
		d->last_weight = d->weight;
	d->heap_pos = SIZE_MAX;
	d->sched_bits = 0;
	memmove(&s->dests[1], &s->dests[0], s->n_dests * sizeof(s->dests[0]));
	s->dests[0] = d;
	s->n_dests++;
	renumber(s, 0);
	list_changed(s);
	return 0;
}

void sched_del_dest(struct sched *s, struct sched_dest *d)
{
	if (d->index >= s->n_dests || s->dests[d->index] != d)
		return;
	if (s->ops->del_dest != NULL)
		s->ops->del_dest(s, d);
	unlink_dest(s, d);
	d->heap_pos = SIZE_MAX;
	list_changed(s);
}

void sched_dest_changed(struct sched *s, struct sched_dest *d)
{
	if (d->weight != 0)
		d->last_weight = d->weight;
	list_changed(s);
}

void sched_conn_changed(struct sched *s, struct sched_dest *d)
{
	/* A stale scheduler is rebuilt from the counts before its next pick. */
	if (s->ops->conn_changed != NULL && !s->stale)
		s->ops->conn_changed(s, d);
}

int sched_refresh(struct sched *s)
{
	if (s->stale) {
		if (s->ops->update(s) < 0)
			return -1;	/* still stale: tried again next time */
		s->stale = false;
	}
	return 0;
}

struct sched_dest *sched_pick(struct sched *s, const struct sched_request *r)
{
	return sched_refresh(s) < 0 ? NULL : s->ops->pick(s, r);
}

/* ip_vs_dest_totalconns(): persistence templates do not count. */
static uint64_t total_conns(const struct sched_dest *d)
{
	return (uint64_t)d->activeconns + d->inactconns;
}

bool sched_overload_after_bind(const struct sched_dest *d, uint32_t u_threshold)
{
	if (u_threshold != 0 && total_conns(d) >= u_threshold)
		return true;
	return d->overloaded;
}

bool sched_overload_after_unbind(const struct sched_dest *d,
				 uint32_t u_threshold, uint32_t l_threshold)
{
	if (l_threshold != 0)
		return d->overloaded && total_conns(d) >= l_threshold;
	if (u_threshold != 0)
		return d->overloaded &&
		       total_conns(d) * 4 >= (uint64_t)u_threshold * 3;
	return false;
}

bool sched_overload_after_edit(bool overloaded, uint32_t old_u, uint32_t new_u)
{
	if (new_u == 0 || new_u > old_u)
		return false;
	return overloaded;
}

/* h * w as a 96-bit number (hi, lo), for an exact comparison. */
static void mul64x32(uint64_t h, uint32_t w, uint64_t *hi, uint32_t *lo)
{
	uint64_t low = (h & 0xffffffffu) * w;

	*hi = (h >> 32) * w + (low >> 32);
	*lo = (uint32_t)low;
}

int sched_ratio_cmp(uint64_t ha, uint32_t wa, uint64_t hb, uint32_t wb)
{
	uint64_t lhi, rhi;
	uint32_t llo, rlo;

	mul64x32(ha, wb, &lhi, &llo);
	mul64x32(hb, wa, &rhi, &rlo);
	if (lhi != rhi)
		return lhi < rhi ? -1 : 1;
	if (llo != rlo)
		return llo < rlo ? -1 : 1;
	return 0;
}

uint32_t sched_addr_fold(const struct lvs_addr *a)
{
	const uint8_t *b;
	uint32_t fold = 0;

	if (a->af != AF_INET6)
		return ntohl(a->ip.v4.s_addr);
	/* XOR commutes with the byte swap: fold the words in host order. */
	b = a->ip.v6.s6_addr;
	for (int i = 0; i < 16; i += 4)
		fold ^= (uint32_t)b[i] << 24 | (uint32_t)b[i + 1] << 16 |
			(uint32_t)b[i + 2] << 8 | b[i + 3];
	return fold;
}

uint32_t sched_rand32(struct sched *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (uint32_t)(z >> 32);
}

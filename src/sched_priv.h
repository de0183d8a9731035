/*
 * sched_priv.h - what the scheduler files share and nobody else sees: the
 * ops of each family, the indexed heap of the least-connection family
 * (used by lc/wlc/sed/nq and by lblc/lblcr for their fallback pick), and
 * small helpers that several schedulers need in the kernel's exact form
 * (the connection overhead, ratio comparison, the address fold of the
 * hashing schedulers, the random generator of twos).
 */
#ifndef LVSD_SCHED_PRIV_H
#define LVSD_SCHED_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched.h"

extern const struct sched_ops sched_rr_ops, sched_wrr_ops;
extern const struct sched_ops sched_lc_ops, sched_wlc_ops, sched_sed_ops,
	sched_nq_ops;
extern const struct sched_ops sched_dh_ops, sched_sh_ops;
extern const struct sched_ops sched_lblc_ops, sched_lblcr_ops;
extern const struct sched_ops sched_mh_ops;
extern const struct sched_ops sched_fo_ops, sched_ovf_ops, sched_twos_ops;

/* Weight > 0 and not overloaded: what every scheduler may pick. */
static inline bool sched_dest_usable(const struct sched_dest *d)
{
	return d->weight > 0 && !d->overloaded;
}

/* ip_vs_dest_conn_overhead(): an active connection costs 256 inactive. */
static inline uint64_t sched_conn_overhead(const struct sched_dest *d)
{
	return ((uint64_t)d->activeconns << 8) + d->inactconns;
}

/*
 * Compare ha/wa with hb/wb the kernel's way, by cross-multiplication
 * (ha*wb against hb*wa), but exact for every 64-bit overhead and 32-bit
 * weight: -1, 0 or 1.
 */
int sched_ratio_cmp(uint64_t ha, uint32_t wa, uint64_t hb, uint32_t wb);

/*
 * The 32 bits the hashing schedulers hash an address by: the IPv4 address,
 * or the XOR of the four words of an IPv6 one, in host order (ntohl of
 * IPVS's addr_fold).
 */
uint32_t sched_addr_fold(const struct lvs_addr *a);

/* Next 32 random bits of s's splitmix64 generator (prandom_u32 for twos). */
uint32_t sched_rand32(struct sched *s);

/*
 * An indexed binary min-heap of the usable destinations, ordered by a
 * strict total order `before` (a scheduler's rule, ties broken by list
 * position). Each destination remembers its slot in heap_pos, so a count
 * change moves it in O(log n).
 */
typedef bool (*sched_before_fn)(const struct sched_dest *a,
				const struct sched_dest *b);

struct sched_heap {
	struct sched_dest **v;
	size_t n, cap;
	sched_before_fn before;
};

/* Refill from s's list (every usable destination), O(n). 0 or -1. */
int sched_heap_rebuild(struct sched_heap *h, struct sched *s);
/* d's key or usability changed: move, insert or drop it. */
void sched_heap_fix(struct sched_heap *h, struct sched_dest *d);
/* d leaves the list: drop it if it is in the heap. */
void sched_heap_remove(struct sched_heap *h, struct sched_dest *d);
void sched_heap_free(struct sched_heap *h);

static inline struct sched_dest *sched_heap_top(const struct sched_heap *h)
{
	return h->n ? h->v[0] : NULL;
}

/* mh's hash (kernel hsiphash of one 32-bit word) and its table as a pick would see it, for tests. */
uint32_t sched_mh_hsiphash(uint32_t word, const uint64_t key[2]);
size_t sched_mh_table(struct sched *s, struct sched_dest *const **slots);

/* wlc's order: least overhead/weight first, then list position. */
bool sched_wlc_before(const struct sched_dest *a, const struct sched_dest *b);

#endif

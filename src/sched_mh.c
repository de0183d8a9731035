/*
 * sched_mh.c - Maglev hashing (mh), as ip_vs_mh.c builds and reads it.
 *
 * A lookup table of M = 4093 slots (the kernel's default: the prime at
 * CONFIG_IP_VS_MH_TAB_INDEX = 12) is filled from one preference list per
 * destination: each destination walks the slots from an offset with a
 * fixed skip, both hashes of its own address and port, and the
 * destinations take turns, in list order, claiming the next free slot on
 * their walk until every slot is taken. A destination takes as many slots
 * per turn as its weight divided by the gcd of the weights, shifted right
 * so the largest fits in 6 bits (so slot counts follow the weights, and a
 * huge weight cannot starve the rest). Weights here are last_weight, the
 * latest non-zero weight: a quiesced destination keeps its slots, so the
 * other destinations' keys do not move when it is drained.
 *
 * A pick hashes the client's address (plus its source port with mh-port,
 * FWD_SVC_SCHED2) to a slot. A slot whose destination has weight 0 or is
 * overloaded gives nothing, unless mh-fallback (FWD_SVC_SCHED1) is set:
 * then the hash is retried with offsets added until a slot's destination
 * can take the connection.
 *
 * The hash is the kernel's hsiphash on a 64-bit machine (SipHash-1-3 with
 * a 32-bit result) of one 32-bit word, offset + port + fold(address),
 * under two fixed keys, read as a little-endian machine reads the word.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fwd.h"
#include "sched.h"
#include "sched_priv.h"

#define MH_TAB_SIZE 4093u	/* primes[CONFIG_IP_VS_MH_TAB_INDEX - 8] */
#define MH_TAB_BITS 6		/* CONFIG_IP_VS_MH_TAB_INDEX / 2 */

/* generate_hash_secret(): fixed, so tables agree across directors. */
static const uint64_t mh_key1[2] = { 2654435761u, 2654435761u };
static const uint64_t mh_key2[2] = { 2654446892u, 2654446892u };

struct mh_state {
	struct sched_dest *lookup[MH_TAB_SIZE];
	int64_t gcd;		/* of the positive last_weights; 0: none */
	int rshift;		/* turns = (last_weight / gcd) >> rshift */
};

/* struct ip_vs_mh_dest_setup: one destination's walk over the table. */
struct mh_setup {
	uint32_t offset, skip, perm;
	int64_t turns;
};

static uint64_t rol64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

static void sipround(uint64_t v[4])
{
	v[0] += v[1]; v[1] = rol64(v[1], 13); v[1] ^= v[0]; v[0] = rol64(v[0], 32);
	v[2] += v[3]; v[3] = rol64(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = rol64(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = rol64(v[1], 17); v[1] ^= v[2]; v[2] = rol64(v[2], 32);
}

/* hsiphash() of 4 bytes on 64-bit Linux: one compression, three final rounds. */
uint32_t sched_mh_hsiphash(uint32_t word, const uint64_t key[2])
{
	uint64_t v[4] = {
		0x736f6d6570736575ull ^ key[0], 0x646f72616e646f6dull ^ key[1],
		0x6c7967656e657261ull ^ key[0], 0x7465646279746573ull ^ key[1],
	};
	uint64_t b = (uint64_t)4 << 56 | word;

	v[3] ^= b;
	sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	sipround(v);
	sipround(v);
	sipround(v);
	return (uint32_t)((v[0] ^ v[1]) ^ (v[2] ^ v[3]));
}

/* ip_vs_mh_hashkey(): the word is offset + port + fold, wrapping at 32 bits. */
static uint32_t mh_hash(const struct lvs_addr *a, uint32_t port,
			const uint64_t key[2], uint32_t offset)
{
	return sched_mh_hsiphash(offset + port + sched_addr_fold(a), key);
}

static int fls64(uint64_t x)
{
	int n = 0;

	while (x != 0) {
		n++;
		x >>= 1;
	}
	return n;
}

static int64_t gcd64(int64_t a, int64_t b)
{
	while (b != 0) {
		int64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* ip_vs_mh_gcd_weight() and ip_vs_mh_shift_weight(). */
static void mh_weights(struct mh_state *st, const struct sched *s)
{
	int64_t g = 0, max = 0;
	int shift;

	for (size_t i = 0; i < s->n_dests; i++) {
		int64_t w = s->dests[i]->last_weight;

		if (w > 0)
			g = g > 0 ? gcd64(w, g) : w;
		if (w > max)
			max = w;
	}
	st->gcd = g;
	st->rshift = 0;
	if (g < 1)
		return;
	shift = fls64((uint64_t)(max / g)) - MH_TAB_BITS;
	st->rshift = shift > 0 ? shift : 0;
}

/* ip_vs_mh_permutate(): each destination's offset, skip and turns. */
static void mh_permutate(const struct mh_state *st, const struct sched *s,
			 struct mh_setup *ds)
{
	for (size_t i = 0; i < s->n_dests; i++) {
		const struct sched_dest *d = s->dests[i];
		int64_t lw = d->last_weight, turns = (lw / st->gcd) >> st->rshift;

		ds[i].offset = mh_hash(&d->addr, d->addr.port, mh_key1, 0) % MH_TAB_SIZE;
		ds[i].skip = mh_hash(&d->addr, d->addr.port, mh_key2, 0) %
			     (MH_TAB_SIZE - 1) + 1;
		ds[i].perm = ds[i].offset;
		ds[i].turns = turns ? turns : (lw != 0);
	}
}

/* The next free slot on ds's walk. */
static uint32_t mh_next_free(struct mh_setup *ds, const uint8_t *taken)
{
	while (taken[ds->perm]) {
		ds->perm += ds->skip;
		if (ds->perm >= MH_TAB_SIZE)
			ds->perm -= MH_TAB_SIZE;
	}
	return ds->perm;
}

/* ip_vs_mh_populate(): turns in list order until every slot is taken. */
static void mh_populate(struct mh_state *st, const struct sched *s,
			struct mh_setup *ds, uint8_t *taken)
{
	size_t filled = 0;
	int64_t dt_count = 0;

	while (filled < MH_TAB_SIZE) {
		for (size_t i = 0; i < s->n_dests;) {
			uint32_t c;

			if (ds[i].turns < 1) {	/* added with weight 0 */
				i++;
				continue;
			}
			c = mh_next_free(&ds[i], taken);
			taken[c] = 1;
			st->lookup[c] = s->dests[i];
			if (++filled == MH_TAB_SIZE)
				return;
			if (++dt_count >= ds[i].turns) {
				dt_count = 0;
				i++;
			}
		}
	}
}

static int mh_update(struct sched *s)
{
	struct mh_state *st = s->priv;
	struct mh_setup *ds;
	uint8_t *taken;

	mh_weights(st, s);
	if (st->gcd < 1) {
		memset(st->lookup, 0, sizeof(st->lookup));
		return 0;
	}
	ds = calloc(s->n_dests, sizeof(*ds));
	taken = calloc(MH_TAB_SIZE, 1);
	if (ds == NULL || taken == NULL) {
		/* No stale table: it could name a destination just removed. */
		memset(st->lookup, 0, sizeof(st->lookup));
		free(ds);
		free(taken);
		return -1;
	}
	mh_permutate(st, s, ds);
	mh_populate(st, s, ds, taken);
	free(ds);
	free(taken);
	return 0;
}

size_t sched_mh_table(struct sched *s, struct sched_dest *const **slots)
{
	const struct mh_state *st = s->priv;

	(void)sched_refresh(s);	/* a failed rebuild leaves an empty table */
	*slots = st->lookup;
	return MH_TAB_SIZE;
}

static int mh_init(struct sched *s)
{
	s->priv = calloc(1, sizeof(struct mh_state));
	return s->priv ? 0 : -1;
}

static void mh_done(struct sched *s)
{
	free(s->priv);
}

static bool unavailable(const struct sched_dest *d)
{
	return !sched_dest_usable(d);
}

/* ip_vs_mh_get_fallback(): retry with offsets counted from the first slot. */
static struct sched_dest *mh_fallback(const struct mh_state *st,
				      const struct lvs_addr *a, uint32_t port)
{
	uint32_t ihash = mh_hash(a, port, mh_key1, 0) % MH_TAB_SIZE;
	struct sched_dest *d = st->lookup[ihash];

	if (d == NULL || !unavailable(d))
		return d;
	for (uint32_t off = 0; off < MH_TAB_SIZE; off++) {
		uint32_t roff = (off + ihash) % MH_TAB_SIZE;

		d = st->lookup[mh_hash(a, port, mh_key1, roff) % MH_TAB_SIZE];
		if (d == NULL)
			break;
		if (!unavailable(d))
			return d;
	}
	return NULL;
}

static struct sched_dest *mh_pick(struct sched *s, const struct sched_request *r)
{
	struct mh_state *st = s->priv;
	uint32_t port = (s->flags & FWD_SVC_SCHED2) ? r->client->port : 0;
	struct sched_dest *d;

	if (s->flags & FWD_SVC_SCHED1)
		return mh_fallback(st, r->client, port);
	d = st->lookup[mh_hash(r->client, port, mh_key1, 0) % MH_TAB_SIZE];
	return d == NULL || unavailable(d) ? NULL : d;
}

const struct sched_ops sched_mh_ops = {
	.name = "mh",
	.max_dests = MH_TAB_SIZE,
	.init = mh_init,
	.done = mh_done,
	.update = mh_update,
	.pick = mh_pick,
};

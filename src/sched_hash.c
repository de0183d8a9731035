/*
 * sched_hash.c - destination hashing (dh) and source hashing (sh).
 *
 * Both map an address through a table of 256 buckets, filled by walking
 * the destination list round and round, and rebuilt on every edit of the
 * list (ip_vs_dh.c, ip_vs_sh.c). The bucket of an address is the low byte
 * of (fold(address) * 2654435761), the golden-ratio multiplier the kernel
 * uses; fold is the IPv4 address, or the XOR of an IPv6 address's words.
 *
 * dh hashes the packet's destination address (our request's vaddr): each
 * destination takes one bucket per round, whatever its weight. A bucket
 * whose destination has weight 0 or is overloaded gives no destination.
 *
 * sh hashes the packet's source (the client). Each destination takes
 * `weight` consecutive buckets per round, so buckets are shared in
 * proportion to weights (a weight-0 destination still takes one bucket
 * per round, as in the kernel, where it then serves nobody). Two service
 * flags change it: sh-port (FWD_SVC_SCHED2) adds the client's source port
 * to the hashed value; sh-fallback (FWD_SVC_SCHED1) looks further, bucket
 * after bucket from a start derived from the hash, when the first bucket's
 * destination cannot take the connection.
 *
 * The table is not consistent hashing: removing a destination shifts the
 * tiling after it, so most keys move, as they do in the kernel.
 */
#include "config.h"

#include <stdlib.h>

#include "fwd.h"
#include "sched.h"
#include "sched_priv.h"

#define HASH_TAB_BITS 8
#define HASH_TAB_SIZE (1u << HASH_TAB_BITS)
#define HASH_TAB_MASK (HASH_TAB_SIZE - 1)
#define GOLDEN_MULT 2654435761u

struct hash_table {
	struct sched_dest *bucket[HASH_TAB_SIZE];
};

static int hash_init(struct sched *s)
{
	s->priv = calloc(1, sizeof(struct hash_table));
	return s->priv ? 0 : -1;
}

static void hash_done(struct sched *s)
{
	free(s->priv);
}

/* Only the low byte survives the mask, so 32-bit arithmetic is exact. */
static unsigned bucket_of(uint32_t offset, uint32_t port, uint32_t fold)
{
	return (offset + (port + fold) * GOLDEN_MULT) & HASH_TAB_MASK;
}

static bool unavailable(const struct sched_dest *d)
{
	return !sched_dest_usable(d);
}

/* ---- dh ---------------------------------------------------------------- */

/* ip_vs_dh_assign: one bucket per destination, round the list. */
static int dh_update(struct sched *s)
{
	struct hash_table *t = s->priv;

	for (unsigned i = 0; i < HASH_TAB_SIZE; i++)
		t->bucket[i] = s->n_dests ? s->dests[i % s->n_dests] : NULL;
	return 0;
}

static struct sched_dest *dh_pick(struct sched *s, const struct sched_request *r)
{
	struct hash_table *t = s->priv;
	struct sched_dest *d = t->bucket[bucket_of(0, 0, sched_addr_fold(r->vaddr))];

	return d == NULL || unavailable(d) ? NULL : d;
}

const struct sched_ops sched_dh_ops = {
	.name = "dh",
	.init = hash_init,
	.done = hash_done,
	.update = dh_update,
	.pick = dh_pick,
};

/* ---- sh ---------------------------------------------------------------- */

/* ip_vs_sh_reassign: `weight` buckets per destination, round the list. */
static int sh_update(struct sched *s)
{
	struct hash_table *t = s->priv;
	size_t p = 0;
	int64_t count = 0;

	for (unsigned i = 0; i < HASH_TAB_SIZE; i++) {
		if (s->n_dests == 0) {
			t->bucket[i] = NULL;
			continue;
		}
		t->bucket[i] = s->dests[p];
		if (++count >= (int64_t)s->dests[p]->weight) {
			p = (p + 1) % s->n_dests;
			count = 0;
		}
	}
	return 0;
}

/*
 * ip_vs_sh_get_fallback: the kernel retries with offsets counted from the
 * first bucket's index and added into the hash again, so the walk starts
 * at twice that index; the quirk is kept, it decides who gets the key.
 */
static struct sched_dest *sh_fallback(const struct hash_table *t,
				      uint32_t port, uint32_t fold)
{
	unsigned ihash = bucket_of(0, port, fold);
	struct sched_dest *d = t->bucket[ihash];

	if (d == NULL || !unavailable(d))
		return d;
	for (unsigned off = 0; off < HASH_TAB_SIZE; off++) {
		unsigned roff = (off + ihash) % HASH_TAB_SIZE;

		d = t->bucket[bucket_of(roff, port, fold)];
		if (d == NULL)
			break;
		if (!unavailable(d))
			return d;
	}
	return NULL;
}

static struct sched_dest *sh_pick(struct sched *s, const struct sched_request *r)
{
	struct hash_table *t = s->priv;
	uint32_t port = (s->flags & FWD_SVC_SCHED2) ? r->client->port : 0;
	uint32_t fold = sched_addr_fold(r->client);
	struct sched_dest *d;

	if (s->flags & FWD_SVC_SCHED1)
		return sh_fallback(t, port, fold);
	d = t->bucket[bucket_of(0, port, fold)];
	return d == NULL || unavailable(d) ? NULL : d;
}

const struct sched_ops sched_sh_ops = {
	.name = "sh",
	.init = hash_init,
	.done = hash_done,
	.update = sh_update,
	.pick = sh_pick,
};

/*
 * hmap.h - an intrusive chained hash table: the userspace core's
 * connection lookups (UDP flows, persistence templates) and its real
 * servers by address, health's services and real servers; all of them
 * keyed by an address, hashed with hmap_hash_addr().
 *
 * Objects embed a struct hmap_node; the caller computes the hash (with
 * hmap_hash(), keyed by a per-table random seed so that clients cannot
 * aim many addresses at one chain) and compares keys itself while walking
 * a bucket. The table doubles when its load passes 1.
 */
#ifndef LVSD_HMAP_H
#define LVSD_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap_node {
	struct hmap_node *next;
	uint32_t hash;
};

struct hmap {
	struct hmap_node **buckets;
	size_t mask;			/* buckets - 1; a power of two minus one */
	size_t count;
	uint64_t seed;
};

/* 0, or -1 when out of memory. */
int hmap_init(struct hmap *m, uint64_t seed);
void hmap_free(struct hmap *m);	/* the table only, not the objects */
void hmap_insert(struct hmap *m, struct hmap_node *n, uint32_t hash);
void hmap_remove(struct hmap *m, struct hmap_node *n);

/* The first node of hash's chain; walk with ->next, compare ->hash and key. */
struct hmap_node *hmap_first(const struct hmap *m, uint32_t hash);

/* Keyed hash of len bytes. */
uint32_t hmap_hash(const struct hmap *m, const void *key, size_t len);

struct lvs_addr;
/* Keyed hash of an address: its family, port and IP (never its padding). */
uint32_t hmap_hash_addr(const struct hmap *m, const struct lvs_addr *a);

#endif

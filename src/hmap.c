/*
 * hmap.c - chained buckets, grown by rehashing into twice as many.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "hmap.h"

#define HMAP_MIN_BUCKETS 64

int hmap_init(struct hmap *m, uint64_t seed)
{
	m->buckets = calloc(HMAP_MIN_BUCKETS, sizeof(*m->buckets));
	m->mask = HMAP_MIN_BUCKETS - 1;
	m->count = 0;
	m->seed = seed;
	return m->buckets ? 0 : -1;
}

void hmap_free(struct hmap *m)
{
	free(m->buckets);
	m->buckets = NULL;
	m->count = 0;
}

/* Growth failing is not fatal: chains just get longer. */
static void grow(struct hmap *m)
{
	size_t n = (m->mask + 1) * 2;
	struct hmap_node **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i <= m->mask; i++) {
		struct hmap_node *node = m->buckets[i], *next;

		for (; node; node = next) {
			next = node->next;
			node->next = b[node->hash & (n - 1)];
			b[node->hash & (n - 1)] = node;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->mask = n - 1;
}

void hmap_insert(struct hmap *m, struct hmap_node *n, uint32_t hash)
{
	if (m->count >= m->mask + 1)
		grow(m);
	n->hash = hash;
	n->next = m->buckets[hash & m->mask];
	m->buckets[hash & m->mask] = n;
	m->count++;
}

void hmap_remove(struct hmap *m, struct hmap_node *n)
{
	struct hmap_node **p = &m->buckets[n->hash & m->mask];

	for (; *p; p = &(*p)->next) {
		if (*p == n) {
			*p = n->next;
			m->count--;
			return;
		}
	}
}

struct hmap_node *hmap_first(const struct hmap *m, uint32_t hash)
{
	return m->buckets[hash & m->mask];
}

/* A 64-bit multiply-xorshift mix per 8 bytes, seeded; good spread, cheap. */
static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

uint32_t hmap_hash(const struct hmap *m, const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = m->seed ^ (len * 0x9e3779b97f4a7c15ull);

	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		h = mix(h ^ w);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t w = 0;

		memcpy(&w, p, len);
		h = mix(h ^ w ^ 0x5bd1e995);
	}
	return (uint32_t)(h ^ (h >> 32));
}

uint32_t hmap_hash_addr(const struct hmap *m, const struct lvs_addr *a)
{
	unsigned char b[20];
	size_t iplen = a->af == AF_INET6 ? 16 : 4;

	b[0] = (unsigned char)a->af;
	b[1] = (unsigned char)(a->port >> 8);
	b[2] = (unsigned char)a->port;
	b[3] = 0;
	memcpy(b + 4, &a->ip, iplen);
	return hmap_hash(m, b, 4 + iplen);
}

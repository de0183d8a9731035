/*
 * fwd_known.c - the remembered forwarding table (see fwd_known.h): one
 * node per service in a hash table keyed by the service key, each with
 * its destinations in an array sorted by address, so that recording one
 * edit costs a lookup, not a pass over 10,000 destinations.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fwd_known.h"

struct fwd_known_svc {
	struct hmap_node node;
	struct fwd_service_info info;	/* info.conf.name points at name */
	char *name;
	size_t cap_dests;
};

/* The fields fwd_service_key_equal compares, and nothing else (no padding). */
static uint32_t key_hash(const struct hmap *m, const struct fwd_service_key *key)
{
	uint32_t v[7] = { 0 };
	size_t n = 0;

	if (key->fwmark) {
		v[n++] = key->fwmark;
		v[n++] = (uint32_t)key->fwmark_af;
	} else {
		v[n++] = (uint32_t)key->protocol;
		v[n++] = (uint32_t)key->addr.af | (uint32_t)key->addr.port << 16;
		if (key->addr.af == AF_INET) {
			memcpy(&v[n++], &key->addr.ip.v4, 4);
		} else {
			memcpy(&v[n], &key->addr.ip.v6, 16);
			n += 4;
		}
	}
	return hmap_hash(m, v, n * sizeof(v[0]));
}

static struct fwd_known_svc *svc_find(const struct fwd_known *k,
				      const struct fwd_service_key *key)
{
	uint32_t h = key_hash(&k->services, key);

	for (struct hmap_node *n = hmap_first(&k->services, h); n; n = n->next) {
		struct fwd_known_svc *s = (struct fwd_known_svc *)n;

		if (n->hash == h && fwd_service_key_equal(&s->info.conf.key, key))
			return s;
	}
	return NULL;
}

static void svc_free(struct fwd_known_svc *s)
{
	free(s->info.dests);
	free(s->name);
	free(s);
}

static void clear(struct hmap *m)
{
	for (size_t b = 0; b <= m->mask; b++) {
		struct hmap_node *n = m->buckets[b], *next;

		for (; n; n = next) {
			next = n->next;
			svc_free((struct fwd_known_svc *)n);
		}
		m->buckets[b] = NULL;
	}
	m->count = 0;
}

int fwd_known_init(struct fwd_known *k)
{
	memset(k, 0, sizeof(*k));
	return hmap_init(&k->services, (uint64_t)(uintptr_t)k);
}

void fwd_known_free(struct fwd_known *k)
{
	if (!k->services.buckets)
		return;
	clear(&k->services);
	hmap_free(&k->services);
	k->valid = false;
}

/* conf, with the name copied into s. False when out of memory. */
static bool svc_set_conf(struct fwd_known_svc *s, const struct fwd_service_conf *conf)
{
	char *name = conf->name ? strdup(conf->name) : NULL;

	if (conf->name && !name)
		return false;
	free(s->name);
	s->name = name;
	s->info.conf = *conf;
	s->info.conf.name = name;
	return true;
}

static struct fwd_known_svc *svc_add(struct hmap *m, const struct fwd_service_conf *conf)
{
	struct fwd_known_svc *s = calloc(1, sizeof(*s));

	if (!s || !svc_set_conf(s, conf)) {
		free(s);
		return NULL;
	}
	hmap_insert(m, &s->node, key_hash(m, &conf->key));
	return s;
}

void fwd_known_service_set(struct fwd_known *k, const struct fwd_service_conf *conf)
{
	struct fwd_known_svc *s = svc_find(k, &conf->key);

	if (s ? !svc_set_conf(s, conf) : !svc_add(&k->services, conf))
		k->valid = false;
}

void fwd_known_service_del(struct fwd_known *k, const struct fwd_service_key *key)
{
	struct fwd_known_svc *s = svc_find(k, key);

	if (!s)
		return;
	hmap_remove(&k->services, &s->node);
	svc_free(s);
}

const struct fwd_service_conf *fwd_known_service_conf(const struct fwd_known *k,
						       const struct fwd_service_key *key)
{
	struct fwd_known_svc *s = svc_find(k, key);

	return s ? &s->info.conf : NULL;
}

/* Where addr is in s's sorted destinations, or where it would go (*found false). */
static size_t dest_pos(const struct fwd_known_svc *s, const struct lvs_addr *addr, bool *found)
{
	size_t lo = 0, hi = s->info.n_dests;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = addr_cmp(&s->info.dests[mid].conf.addr, addr);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool dest_insert(struct fwd_known_svc *s, size_t at, const struct fwd_dest_conf *d)
{
	struct fwd_dest_info *v = s->info.dests;

	if (s->info.n_dests == s->cap_dests) {
		size_t cap = s->cap_dests ? s->cap_dests * 2 : 8;

		if (!(v = realloc(v, cap * sizeof(*v))))
			return false;
		s->info.dests = v;
		s->cap_dests = cap;
	}
	memmove(&v[at + 1], &v[at], (s->info.n_dests - at) * sizeof(*v));
	memset(&v[at], 0, sizeof(*v));
	v[at].conf = *d;
	s->info.n_dests++;
	return true;
}

void fwd_known_dest_set(struct fwd_known *k, const struct fwd_service_key *key,
			const struct fwd_dest_conf *d)
{
	struct fwd_known_svc *s = svc_find(k, key);
	bool found;
	size_t at;

	if (!s) {
		/* an edit we cannot place: only a read-back knows now */
		k->valid = false;
		return;
	}
	at = dest_pos(s, &d->addr, &found);
	if (found)
		s->info.dests[at].conf = *d;
	else if (!dest_insert(s, at, d))
		k->valid = false;
}

void fwd_known_dest_del(struct fwd_known *k, const struct fwd_service_key *key,
			const struct lvs_addr *addr)
{
	struct fwd_known_svc *s = svc_find(k, key);
	bool found;
	size_t at;

	if (!s)
		return;
	at = dest_pos(s, addr, &found);
	if (!found)
		return;
	memmove(&s->info.dests[at], &s->info.dests[at + 1],
		(s->info.n_dests - at - 1) * sizeof(s->info.dests[0]));
	s->info.n_dests--;
}

static int dest_info_cmp(const void *a, const void *b)
{
	return addr_cmp(&((const struct fwd_dest_info *)a)->conf.addr,
			&((const struct fwd_dest_info *)b)->conf.addr);
}

/* A copy of one read-back service into m, its destinations sorted; NULL: no memory. */
static struct fwd_known_svc *svc_copy_in(struct hmap *m, const struct fwd_service_info *in)
{
	struct fwd_known_svc *s = svc_add(m, &in->conf);
	size_t n = in->n_dests;

	if (!s)
		return NULL;
	s->info.counters = in->counters;
	s->info.rates = in->rates;
	if (!n)
		return s;
	if (!(s->info.dests = malloc(n * sizeof(*in->dests))))
		return NULL;
	memcpy(s->info.dests, in->dests, n * sizeof(*in->dests));
	s->info.n_dests = s->cap_dests = n;
	qsort(s->info.dests, n, sizeof(*in->dests), dest_info_cmp);
	return s;
}

/*
 * The new set is built beside the old one and only then swapped in: t's
 * names may be the old set's (what lvsd had set), and they point into
 * the new one afterwards.
 */
int fwd_known_replace(struct fwd_known *k, struct fwd_table *t)
{
	struct hmap m;
	struct fwd_known_svc *s;

	if (hmap_init(&m, k->services.seed) < 0)
		goto fail;
	for (size_t i = 0; i < t->n_services; i++) {
		if (!(s = svc_copy_in(&m, &t->services[i]))) {
			clear(&m);
			hmap_free(&m);
			goto fail;
		}
		t->services[i].conf.name = s->name;
	}
	clear(&k->services);
	hmap_free(&k->services);
	k->services = m;
	k->valid = true;
	return 0;
fail:
	/* t keeps pointing at the old names: they stay until the next change */
	k->valid = false;
	return -1;
}

int fwd_known_copy(const struct fwd_known *k, struct fwd_table *out)
{
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	out->stale = true;
	if (!k->services.count)
		return 0;
	if (!(out->services = calloc(k->services.count, sizeof(*out->services))))
		return -1;
	for (size_t b = 0; b <= k->services.mask; b++) {
		for (struct hmap_node *n = k->services.buckets[b]; n; n = n->next) {
			const struct fwd_known_svc *s = (const struct fwd_known_svc *)n;
			struct fwd_service_info *o = &out->services[i++];
			size_t nd = s->info.n_dests;

			*o = s->info;
			o->dests = NULL;
			o->n_dests = 0;
			out->n_services = i;
			if (nd && !(o->dests = malloc(nd * sizeof(*o->dests)))) {
				fwd_table_free(out);
				return -1;
			}
			if (nd)
				memcpy(o->dests, s->info.dests, nd * sizeof(*o->dests));
			o->n_dests = nd;
		}
	}
	return 0;
}

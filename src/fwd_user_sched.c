/*
 * fwd_user_sched.c - scheduling a new client in the userspace core:
 * persistence templates (a client network sticks to its real server while
 * its template lives, as IPVS does it) and the retry when the chosen real
 * server refuses.
 */
#include "config.h"

#include <stdlib.h>

#include "fwd_user.h"

/* ---- persistence templates ---------------------------------------------- */

/* The client's network: its address under the service's netmask. */
static struct lvs_addr client_net(const struct uservice *s, const struct lvs_addr *c)
{
	struct lvs_addr n = { .af = c->af };
	unsigned plen = s->conf.persistence_plen;
	unsigned bytes = c->af == AF_INET ? 4 : 16;
	unsigned char *dst = c->af == AF_INET ? (unsigned char *)&n.ip.v4
					      : (unsigned char *)&n.ip.v6;
	const unsigned char *src = c->af == AF_INET ? (const unsigned char *)&c->ip.v4
						    : (const unsigned char *)&c->ip.v6;

	if (plen > bytes * 8)
		plen = bytes * 8;
	for (unsigned i = 0; i < bytes; i++) {
		unsigned bits = plen >= (i + 1) * 8 ? 8 : plen > i * 8 ? plen - i * 8 : 0;

		dst[i] = src[i] & (unsigned char)(0xff00u >> bits);
	}
	return n;
}

static struct persist_tpl *tpl_find(struct uservice *s, const struct lvs_addr *net)
{
	uint32_t h = hmap_hash_addr(&s->persist, net);

	for (struct hmap_node *n = hmap_first(&s->persist, h); n; n = n->next) {
		struct persist_tpl *t = (struct persist_tpl *)n;

		if (n->hash == h && addr_ip_equal(&t->net, net))
			return t;
	}
	return NULL;
}

static void tpl_free(struct uservice *s, struct persist_tpl *t)
{
	hmap_remove(&s->persist, &t->node);
	t->dest->persistconns--;
	free(t);
}

static struct persist_tpl *tpl_new(struct uservice *s, const struct lvs_addr *net,
				   struct udest *d)
{
	struct persist_tpl *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->net = *net;
	t->dest = d;
	t->expires_ms = ucore_now_ms() + s->conf.persistence_timeout;
	d->persistconns++;
	hmap_insert(&s->persist, &t->node, hmap_hash_addr(&s->persist, net));
	return t;
}

/* A template outlives its last connection by the persistence timeout. */
static bool tpl_expired(const struct persist_tpl *t, uint64_t now)
{
	return t->nconns == 0 && now >= t->expires_ms;
}

/* Templates that died (only NULL), or all that point at `only`. */
void upersist_expire(struct uservice *s, uint64_t now, const struct udest *only)
{
	for (size_t b = 0; b <= s->persist.mask; b++) {
		struct hmap_node *n = s->persist.buckets[b], *next;

		for (; n; n = next) {
			struct persist_tpl *t = (struct persist_tpl *)n;

			next = n->next;
			if (only ? t->dest == only : tpl_expired(t, now))
				tpl_free(s, t);
		}
	}
}

/*
 * A persistent client goes back to its server while the template lives,
 * unless that server was quiesced (weight 0) or is overloaded: drain
 * means no new connections, so such a template is dropped (IPVS calls
 * this expire_quiescent_template) and the client is scheduled afresh.
 */
struct udest *uservice_schedule(struct uservice *s, const struct lvs_addr *client,
				struct persist_tpl **tpl)
{
	struct sched_request r = { client, &s->conf.key.addr, ucore_now_ms() };
	struct lvs_addr net;
	struct sched_dest *sd;
	struct persist_tpl *t = NULL;

	*tpl = NULL;
	if (s->conf.persistence_timeout) {
		net = client_net(s, client);
		t = tpl_find(s, &net);
		if (t && t->dest->sd.weight > 0 && !t->dest->sd.overloaded &&
		    !tpl_expired(t, r.now_ms)) {
			*tpl = t;
			return t->dest;
		}
		/* Unused: forget it. Still in use: keep it, and this client
		 * goes without one until the old one dies. */
		if (t && t->nconns == 0)
			tpl_free(s, t);
	}
	sd = sched_pick(s->sched, &r);
	if (!sd)
		return NULL;
	if (s->conf.persistence_timeout && !tpl_find(s, &net))
		*tpl = tpl_new(s, &net, sd->owner);
	return sd->owner;
}

struct udest *uservice_reschedule(struct uservice *s, const struct lvs_addr *client,
				  struct udest **tried, size_t n_tried)
{
	struct sched_request r = { client, &s->conf.key.addr, ucore_now_ms() };
	struct sched_dest *sd = sched_pick(s->sched, &r);

	for (size_t i = 0; sd && i < n_tried; i++)
		if (tried[i] == sd->owner)
			sd = NULL;
	if (sd)
		return sd->owner;
	/* The scheduler insists on a server that refused: take the next one. */
	for (size_t i = 0; i < s->sched->n_dests; i++) {
		struct udest *d = s->sched->dests[i]->owner;
		bool seen = false;

		for (size_t k = 0; k < n_tried; k++)
			seen |= tried[k] == d;
		if (!seen && d->sd.weight > 0 && !d->sd.overloaded)
			return d;
	}
	return NULL;
}

int upersist_walk(const struct uservice *s, fwd_conn_cb cb, void *arg,
			  uint64_t now)
{
	for (size_t b = 0; b <= s->persist.mask; b++) {
		for (struct hmap_node *n = s->persist.buckets[b]; n; n = n->next) {
			const struct persist_tpl *t = (const struct persist_tpl *)n;
			struct fwd_conn_info ci = {
				.protocol = s->conf.key.protocol, .client = t->net,
				.virt = s->conf.key.addr, .dest = t->dest->conf.addr,
				.state = FWD_CONN_TEMPLATE, .is_template = true,
				.expires_ms = t->nconns ? s->conf.persistence_timeout
					    : t->expires_ms > now ? t->expires_ms - now : 0,
			};
			int rc = cb(&ci, arg);

			if (rc)
				return rc;
		}
	}
	return 0;
}


/*
 * ipvs_fmt_sort.c - the table walk of ipvsadm's listings, text and JSON
 * alike: services and their real servers in the order ipvsadm sorts
 * them (by fwmark, family, protocol number, address and port), with
 * the quirks of its comparison kept, since the order is what users and
 * their scripts see.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipvs_fmt_priv.h"

/* The IP protocol number; the kernel reports none for a fwmark service: 0. */
static int sort_ipproto(const struct fwd_service_conf *c)
{
	if (c->key.fwmark)
		return 0;
	return c->key.protocol == CFG_PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP;
}

/*
 * ipvsadm compares addresses by subtracting host-order 32-bit words and
 * keeping the result as an int, so two addresses more than 2^31 apart
 * compare the wrong way round (10.0.0.1 sorts after 192.168.0.1). The
 * listing's order is what users see, so compare exactly as it does.
 */
static int wrap_diff(uint32_t a, uint32_t b)
{
	return (int)(a - b);
}

static int cmp_ip(int af, const struct lvs_addr *a, const struct lvs_addr *b)
{
	if (af != AF_INET6)
		return wrap_diff(ntohl(a->ip.v4.s_addr), ntohl(b->ip.v4.s_addr));
	for (int i = 0; i < 4; i++) {
		uint32_t x, y;

		memcpy(&x, &a->ip.v6.s6_addr[4 * i], 4);
		memcpy(&y, &b->ip.v6.s6_addr[4 * i], 4);
		if (x != y)
			return wrap_diff(ntohl(x), ntohl(y));
	}
	return 0;
}

static int cmp_services(const void *pa, const void *pb)
{
	const struct fwd_service_info *sa = *(const void *const *)pa;
	const struct fwd_service_info *sb = *(const void *const *)pb;
	const struct fwd_service_conf *a = &sa->conf, *b = &sb->conf;
	static const struct lvs_addr none;
	const struct lvs_addr *ka, *kb;
	int r;

	if ((r = wrap_diff(a->key.fwmark, b->key.fwmark)) != 0)
		return r;
	if ((r = ipvs_fmt_svc_af(a) - ipvs_fmt_svc_af(b)) != 0)
		return r;
	if ((r = sort_ipproto(a) - sort_ipproto(b)) != 0)
		return r;
	/* ... nor an address or port: zeroes */
	ka = a->key.fwmark ? &none : &a->key.addr;
	kb = b->key.fwmark ? &none : &b->key.addr;
	if ((r = cmp_ip(ipvs_fmt_svc_af(a), ka, kb)) != 0)
		return r;
	return (int)ka->port - (int)kb->port;
}

static int cmp_dests(const void *pa, const void *pb)
{
	const struct fwd_dest_info *da = *(const void *const *)pa;
	const struct fwd_dest_info *db = *(const void *const *)pb;
	const struct lvs_addr *a = &da->conf.addr, *b = &db->conf.addr;
	int r = cmp_ip(a->af, a, b);

	return r ? r : (int)a->port - (int)b->port;
}

/*
 * An array of pointers to the n elements of `base` (each `size` bytes),
 * sorted by cmp unless nosort. glibc's qsort sorts large elements (as
 * ipvsadm's are) through pointers as well, so where ipvsadm's comparison
 * is not a total order the two still come out alike. NULL when out of
 * memory.
 */
static const void **sorted(const void *base, size_t n, size_t size,
			   int (*cmp)(const void *, const void *), bool nosort)
{
	const void **v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = (const char *)base + i * size;
	if (!nosort && n > 1)
		qsort(v, n, sizeof(*v), cmp);
	return v;
}

/* The table walk ipvs_fmt_priv.h describes, for the text and the JSON. */
int ipvs_fmt_walk(const struct fwd_table *t, bool nosort,
		  ipvs_fmt_visit_fn visit, void *arg)
{
	const void **sv = sorted(t->services, t->n_services,
				 sizeof(*t->services), cmp_services, nosort);
	int rc = sv ? 0 : -1;

	for (size_t i = 0; sv && i < t->n_services; i++) {
		const struct fwd_service_info *s = sv[i];
		const void **dv = sorted(s->dests, s->n_dests, sizeof(*s->dests),
					 cmp_dests, nosort);

		if (!dv) {
			rc = -1;
			break;
		}
		visit(s, dv, arg);
		free(dv);
	}
	free(sv);
	return rc;
}

/*
 * fwd.c - what every forwarding core shares: key comparison and freeing a
 * table snapshot.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "fwd.h"

bool fwd_service_key_equal(const struct fwd_service_key *a,
			   const struct fwd_service_key *b)
{
	if (a->fwmark || b->fwmark)
		return a->fwmark == b->fwmark && a->fwmark_af == b->fwmark_af;
	return a->protocol == b->protocol && addr_equal(&a->addr, &b->addr);
}

int fwd_service_key_cmp(const struct fwd_service_key *a, const struct fwd_service_key *b)
{
	if (!a->fwmark != !b->fwmark)
		return a->fwmark ? -1 : 1;
	if (a->fwmark) {
		if (a->fwmark != b->fwmark)
			return a->fwmark < b->fwmark ? -1 : 1;
		return a->fwmark_af < b->fwmark_af ? -1 : a->fwmark_af > b->fwmark_af;
	}
	if (a->protocol != b->protocol)
		return a->protocol < b->protocol ? -1 : 1;
	return addr_cmp(&a->addr, &b->addr);
}

void fwd_table_free(struct fwd_table *t)
{
	for (size_t i = 0; i < t->n_services; i++)
		free(t->services[i].dests);
	free(t->services);
	t->services = NULL;
	t->n_services = 0;
}

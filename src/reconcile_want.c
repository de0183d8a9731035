/*
 * reconcile_want.c - what the model asks of a forwarding core: a
 * service's key and settings, each real server's destination, and the
 * destinations a service should have now, given health and the sorry
 * server. Pure functions of the configuration and the view; reconcile.c
 * diffs their answer against the core's table.
 */
#include "config.h"

#include <string.h>

#include "reconcile.h"

struct fwd_service_key reconcile_service_key(const struct cfg_service *s)
{
	struct fwd_service_key k = { .protocol = s->protocol, .fwmark = s->fwmark };

	if (s->fwmark) {
		/* A fwmark service has the family of its real servers (IPv4 if none). */
		k.fwmark_af = s->n_real_servers ? s->real_servers[0].address.af : AF_INET;
	} else {
		k.addr = s->address;
	}
	return k;
}

void reconcile_service_conf(const struct cfg *cfg, const struct cfg_service *s,
			    struct fwd_service_conf *out)
{
	unsigned maxlen;

	memset(out, 0, sizeof(*out));
	out->key = reconcile_service_key(s);
	out->name = s->name;
	out->scheduler = s->scheduler;
	out->proxy_protocol = s->proxy_protocol;
	out->timeout_tcp = cfg->global.timeouts.tcp;
	out->timeout_tcpfin = cfg->global.timeouts.tcpfin;
	out->timeout_udp = cfg->global.timeouts.udp;
	out->timeout_connect = cfg->global.timeouts.connect;
	if (s->persistence.enabled) {
		maxlen = (s->fwmark ? out->key.fwmark_af : s->address.af) == AF_INET ? 32 : 128;
		out->flags |= FWD_SVC_PERSISTENT;
		out->persistence_timeout = s->persistence.timeout;
		out->persistence_plen = s->persistence.netmask_len > maxlen
			? (uint8_t)maxlen : s->persistence.netmask_len;
	}
}

void reconcile_dest_conf(const struct cfg_service *s, const struct cfg_real_server *rs,
			 struct fwd_dest_conf *out)
{
	memset(out, 0, sizeof(*out));
	out->addr = rs->address;
	if (!out->addr.port)
		out->addr.port = s->address.port;
	/*
	 * DR and TUN deliver the packet as the client sent it: the real
	 * server sees the service's port whatever the configuration says,
	 * and IPVS lists it so.
	 */
	if (rs->forwarding != CFG_FWD_NAT)
		out->addr.port = s->address.port;
	out->weight = rs->weight;
	out->method = rs->forwarding;
	out->u_threshold = rs->upper_threshold;
	out->l_threshold = rs->lower_threshold;
}

size_t reconcile_desired_dests(const struct cfg_service *s, const struct reconcile_view *view,
			       struct fwd_dest_conf *out)
{
	bool sorry = view && s->sorry_server.af && view->sorry_active(view->arg, s);
	size_t n = 0;

	for (size_t j = 0; j < s->n_real_servers; j++) {
		const struct cfg_real_server *rs = &s->real_servers[j];
		enum reconcile_rs_state st = view ? view->rs_state(view->arg, s, rs) : RECONCILE_RS_IN;

		if (st == RECONCILE_RS_OUT)
			continue;
		reconcile_dest_conf(s, rs, &out[n]);
		if (st == RECONCILE_RS_QUIESCED || sorry)
			out[n].weight = 0;
		n++;
	}
	if (sorry) {
		memset(&out[n], 0, sizeof(out[n]));
		out[n].addr = s->sorry_server;
		if (!out[n].addr.port || s->forwarding != CFG_FWD_NAT)
			out[n].addr.port = s->address.port;
		out[n].weight = 1;
		out[n].method = s->forwarding;
		n++;
	}
	return n;
}

bool reconcile_in_config(const struct cfg_service *s, const struct lvs_addr *addr)
{
	for (size_t j = 0; j < s->n_real_servers; j++) {
		struct lvs_addr a = s->real_servers[j].address;

		if (!a.port)
			a.port = s->address.port;
		if (addr_equal(&a, addr))
			return true;
	}
	return false;
}

bool reconcile_is_sorry_server(const struct cfg_service *s, const struct lvs_addr *addr)
{
	struct lvs_addr a = s->sorry_server;

	if (!a.af)
		return false;
	if (!a.port)
		a.port = s->address.port;
	return addr_equal(&a, addr);
}

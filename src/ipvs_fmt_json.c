/*
 * ipvs_fmt_json.c - the JSON twins of ipvsadm's listings (lvsctl list
 * --json, list --conns --json): the same table walk, sort and names as
 * the text in ipvs_fmt.c, in the stable layout ipvs_fmt.h documents.
 */
#include "config.h"

#include <arpa/inet.h>

#include "ipvs_fmt_priv.h"

static void json_counters(struct json *j, const struct fwd_counters *c)
{
	json_key(j, "stats");
	json_object_begin(j);
	json_kv_uint(j, "conns", c->conns);
	json_kv_uint(j, "inpkts", c->inpkts);
	json_kv_uint(j, "outpkts", c->outpkts);
	json_kv_uint(j, "inbytes", c->inbytes);
	json_kv_uint(j, "outbytes", c->outbytes);
	json_object_end(j);
}

static void json_rates(struct json *j, const struct fwd_rates *r)
{
	json_key(j, "rates");
	json_object_begin(j);
	json_kv_uint(j, "cps", r->cps);
	json_kv_uint(j, "inpps", r->inpps);
	json_kv_uint(j, "outpps", r->outpps);
	json_kv_uint(j, "inbps", r->inbps);
	json_kv_uint(j, "outbps", r->outbps);
	json_object_end(j);
}

static void json_dest(struct json *j, const struct fwd_dest_info *d)
{
	char ep[IPVS_FMT_EP_LEN];

	json_object_begin(j);
	json_kv_string(j, "address", ipvs_fmt_addr(&d->conf.addr, ep));
	json_kv_string(j, "forward", ipvs_fmt_fwd_word(d->conf.method));
	json_kv_uint(j, "weight", d->conf.weight);
	json_kv_uint(j, "active_conns", d->activeconns);
	json_kv_uint(j, "inactive_conns", d->inactconns);
	json_kv_uint(j, "persistent_conns", d->persistconns);
	json_kv_uint(j, "u_threshold", d->conf.u_threshold);
	json_kv_uint(j, "l_threshold", d->conf.l_threshold);
	json_counters(j, &d->counters);
	json_rates(j, &d->rates);
	json_object_end(j);
}

/* "flags": the persistent and one-packet flags and the scheduler's, by name. */
static void json_service_flags(struct json *j, const struct fwd_service_conf *c)
{
	const char *names[3];
	size_t n = ipvs_fmt_sched_flag_names(c, names);

	json_key(j, "flags");
	json_array_begin(j);
	if (ipvs_fmt_svc_persistent(c))
		json_string(j, "persistent");
	if (c->flags & FWD_SVC_ONEPACKET)
		json_string(j, "ops");
	for (size_t i = 0; i < n; i++)
		json_string(j, names[i]);
	json_array_end(j);
}

static void json_persistence(struct json *j, const struct fwd_service_conf *c)
{
	char buf[64];
	bool v6 = ipvs_fmt_svc_af(c) == AF_INET6;
	unsigned full = v6 ? 128 : 32;
	unsigned plen = c->persistence_plen < full ? c->persistence_plen : full;

	json_key(j, "persistence");
	if (!ipvs_fmt_svc_persistent(c)) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_kv_uint(j, "timeout", ipvs_fmt_svc_timeout_s(c));
	json_kv_uint(j, "prefix_len", plen);
	if (!v6) {
		struct in_addr m = ipvs_fmt_mask4(plen);

		inet_ntop(AF_INET, &m, buf, sizeof(buf));
		json_kv_string(j, "netmask", buf);
	}
	json_object_end(j);
}

static void json_visit(const struct fwd_service_info *s,
		       const void *const *dests, void *arg)
{
	const struct fwd_service_conf *c = &s->conf;
	struct json *j = arg;
	char ep[IPVS_FMT_EP_LEN];

	json_object_begin(j);
	json_key(j, "address");
	if (c->key.fwmark)
		json_null(j);
	else
		json_string(j, ipvs_fmt_addr(&c->key.addr, ep));
	json_kv_uint(j, "fwmark", c->key.fwmark);
	json_kv_string(j, "family", ipvs_fmt_svc_af(c) == AF_INET6 ? "inet6" : "inet");
	json_key(j, "protocol");
	if (c->key.fwmark)
		json_null(j);
	else
		json_string(j, ipvs_fmt_proto_word(c->key.protocol));
	json_kv_string(j, "scheduler", ipvs_fmt_sched_name(c->scheduler));
	json_service_flags(j, c);
	json_persistence(j, c);
	json_counters(j, &s->counters);
	json_rates(j, &s->rates);
	json_key(j, "dests");
	json_array_begin(j);
	for (size_t k = 0; k < s->n_dests; k++)
		json_dest(j, dests[k]);
	json_array_end(j);
	json_object_end(j);
}

void ipvs_fmt_list_json(const struct fwd_table *t, unsigned flags,
			struct json *j)
{
	json_object_begin(j);
	json_kv_string(j, "version", IPVS_VERSION_TEXT);
	json_kv_uint(j, "conn_tab_size", t->conn_tab_size);
	json_key(j, "services");
	json_array_begin(j);
	if (ipvs_fmt_walk(t, flags & IPVS_FMT_NOSORT, json_visit, j) < 0)
		j->failed = true;
	json_array_end(j);
	json_object_end(j);
}

void ipvs_fmt_conns_json(const struct fwd_conn_info *c, size_t n,
			 struct json *j)
{
	json_object_begin(j);
	json_key(j, "conns");
	json_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		char ep[IPVS_FMT_EP_LEN];

		json_object_begin(j);
		json_kv_string(j, "protocol", ipvs_fmt_conn_proto(&c[i], true));
		json_kv_string(j, "client", ipvs_fmt_addr(&c[i].client, ep));
		json_kv_string(j, "virtual", ipvs_fmt_conn_virtual(&c[i], ep));
		json_kv_string(j, "destination", ipvs_fmt_addr(&c[i].dest, ep));
		json_kv_string(j, "state", ipvs_fmt_conn_state(&c[i]));
		json_kv_uint(j, "expires", c[i].expires_ms / 1000);
		json_kv_uint(j, "expires_ms", c[i].expires_ms);
		json_kv_bool(j, "template", c[i].is_template);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

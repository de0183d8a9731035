/*
 * fwd_ipvs_msg.c - building and reading the IPVS family's netlink
 * attributes, and reading /proc/net/ip_vs_conn. Attribute types and the
 * kernel's rules for them (a v4 persistence netmask is a mask in network
 * order, a v6 one a prefix length; an address is always 16 bytes; ports
 * travel in network order) live here and nowhere else.
 */
#include "config.h"

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <stdlib.h>
#include <string.h>

#include "fwd_ipvs_msg.h"

const char *const ipvs_sync_state_names[] = { "none", "master", "backup", NULL };

static struct nla_policy cmd_policy[IPVS_CMD_ATTR_MAX + 1] = {
	[IPVS_CMD_ATTR_SERVICE] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_DEST] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_DAEMON] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_TIMEOUT_TCP] = { .type = NLA_U32 },
	[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN] = { .type = NLA_U32 },
	[IPVS_CMD_ATTR_TIMEOUT_UDP] = { .type = NLA_U32 },
};

static struct nla_policy svc_policy[IPVS_SVC_ATTR_MAX + 1] = {
	[IPVS_SVC_ATTR_AF] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_PROTOCOL] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_ADDR] = { .type = NLA_UNSPEC, .minlen = 4 },
	[IPVS_SVC_ATTR_PORT] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_FWMARK] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_SCHED_NAME] = { .type = NLA_STRING, .maxlen = IP_VS_SCHEDNAME_MAXLEN },
	[IPVS_SVC_ATTR_FLAGS] = { .type = NLA_UNSPEC, .minlen = sizeof(struct ip_vs_flags) },
	[IPVS_SVC_ATTR_TIMEOUT] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_NETMASK] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_STATS] = { .type = NLA_NESTED },
	[IPVS_SVC_ATTR_STATS64] = { .type = NLA_NESTED },
};

static struct nla_policy dest_policy[IPVS_DEST_ATTR_MAX + 1] = {
	[IPVS_DEST_ATTR_ADDR] = { .type = NLA_UNSPEC, .minlen = 4 },
	[IPVS_DEST_ATTR_PORT] = { .type = NLA_U16 },
	[IPVS_DEST_ATTR_FWD_METHOD] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_WEIGHT] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_U_THRESH] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_L_THRESH] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_ACTIVE_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_INACT_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_PERSIST_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_STATS] = { .type = NLA_NESTED },
	[IPVS_DEST_ATTR_ADDR_FAMILY] = { .type = NLA_U16 },
	[IPVS_DEST_ATTR_STATS64] = { .type = NLA_NESTED },
};

static struct nla_policy daemon_policy[IPVS_DAEMON_ATTR_MAX + 1] = {
	[IPVS_DAEMON_ATTR_STATE] = { .type = NLA_U32 },
	[IPVS_DAEMON_ATTR_MCAST_IFN] = { .type = NLA_STRING, .maxlen = IP_VS_IFNAME_MAXLEN },
	[IPVS_DAEMON_ATTR_SYNC_ID] = { .type = NLA_U32 },
};

static struct nla_policy info_policy[IPVS_INFO_ATTR_MAX + 1] = {
	[IPVS_INFO_ATTR_VERSION] = { .type = NLA_U32 },
	[IPVS_INFO_ATTR_CONN_TAB_SIZE] = { .type = NLA_U32 },
};

/* The 32-bit counters are u32 but for the byte counts; the 64-bit ones all u64. */
static struct nla_policy stats_policy[IPVS_STATS_ATTR_MAX + 1] = {
	[IPVS_STATS_ATTR_CONNS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_INPKTS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_OUTPKTS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_INBYTES] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTBYTES] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_CPS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_INPPS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_OUTPPS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_INBPS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_OUTBPS] = { .type = NLA_U32 },
};

static struct nla_policy stats64_policy[IPVS_STATS_ATTR_MAX + 1] = {
	[IPVS_STATS_ATTR_CONNS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_INPKTS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTPKTS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_INBYTES] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTBYTES] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_CPS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_INPPS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTPPS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_INBPS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTBPS] = { .type = NLA_U64 },
};

static const uint32_t fwd_methods[] = {
	[CFG_FWD_NAT] = IP_VS_CONN_F_MASQ,
	[CFG_FWD_DR] = IP_VS_CONN_F_DROUTE,
	[CFG_FWD_TUN] = IP_VS_CONN_F_TUNNEL,
};

uint32_t ipvs_fwd_method(enum cfg_fwd_method m)
{
	return fwd_methods[m];
}

int ipvs_fwd_method_from(uint32_t kernel, enum cfg_fwd_method *out)
{
	for (size_t i = 0; i < sizeof(fwd_methods) / sizeof(fwd_methods[0]); i++)
		if (fwd_methods[i] == (kernel & IP_VS_CONN_F_FWD_MASK)) {
			*out = (enum cfg_fwd_method)i;
			return 0;
		}
	return -1;
}

static int ipproto(enum cfg_proto p)
{
	return p == CFG_PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP;
}

/* The 16 bytes of union nf_inet_addr that every address attribute is. */
static int put_addr(struct nl_msg *m, int type, const struct lvs_addr *a)
{
	unsigned char buf[16] = { 0 };

	memcpy(buf, &a->ip, a->af == AF_INET6 ? 16 : 4);
	return nla_put(m, type, sizeof(buf), buf);
}

static int put_key(struct nl_msg *m, const struct fwd_service_key *k)
{
	if (k->fwmark)
		return nla_put_u16(m, IPVS_SVC_ATTR_AF, (uint16_t)k->fwmark_af) < 0 ||
		       nla_put_u32(m, IPVS_SVC_ATTR_FWMARK, k->fwmark) < 0 ? -1 : 0;
	return nla_put_u16(m, IPVS_SVC_ATTR_AF, (uint16_t)k->addr.af) < 0 ||
	       nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, (uint16_t)ipproto(k->protocol)) < 0 ||
	       put_addr(m, IPVS_SVC_ATTR_ADDR, &k->addr) < 0 ||
	       nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(k->addr.port)) < 0 ? -1 : 0;
}

static int svc_family(const struct fwd_service_key *k)
{
	return k->fwmark ? k->fwmark_af : k->addr.af;
}

/*
 * The kernel wants a netmask even without persistence, and an IPv6 one
 * between 1 and 128: without persistence, the full one.
 */
static uint32_t netmask_attr(const struct fwd_service_conf *c)
{
	bool v6 = svc_family(&c->key) == AF_INET6;
	unsigned full = v6 ? 128 : 32;
	unsigned plen = (c->flags & FWD_SVC_PERSISTENT) && c->persistence_plen
		? c->persistence_plen : full;

	if (plen > full)
		plen = full;
	if (v6)
		return plen;
	return htonl(plen ? ~0u << (32 - plen) : 0);
}

static int put_service_conf(struct nl_msg *m, const struct fwd_service_conf *c)
{
	struct ip_vs_flags fl = { .flags = c->flags & ~(uint32_t)FWD_SVC_HASHED, .mask = ~0u };
	/* seconds, rounded up: a persistence of 0.5 s must not become none */
	uint32_t timeout = (c->flags & FWD_SVC_PERSISTENT)
		? (uint32_t)((c->persistence_timeout + 999) / 1000) : 0;

	if (c->scheduler > CFG_SCHED_TWOS)
		return -1;
	return nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, cfg_sched_names[c->scheduler]) < 0 ||
	       nla_put(m, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl) < 0 ||
	       nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, timeout) < 0 ||
	       nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, netmask_attr(c)) < 0 ? -1 : 0;
}

int ipvs_msg_put_service(struct nl_msg *m, const struct fwd_service_conf *c, bool full)
{
	struct nlattr *nest = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);

	if (!nest || put_key(m, &c->key) < 0 || (full && put_service_conf(m, c) < 0))
		return -1;
	return nla_nest_end(m, nest) < 0 ? -1 : 0;
}

int ipvs_msg_put_service_key(struct nl_msg *m, const struct fwd_service_key *k)
{
	struct nlattr *nest = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);

	if (!nest || put_key(m, k) < 0)
		return -1;
	return nla_nest_end(m, nest) < 0 ? -1 : 0;
}

int ipvs_msg_put_dest(struct nl_msg *m, const struct fwd_dest_conf *d, bool full)
{
	struct nlattr *nest = nla_nest_start(m, IPVS_CMD_ATTR_DEST);

	if (!nest || put_addr(m, IPVS_DEST_ATTR_ADDR, &d->addr) < 0 ||
	    nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(d->addr.port)) < 0 ||
	    nla_put_u16(m, IPVS_DEST_ATTR_ADDR_FAMILY, (uint16_t)d->addr.af) < 0)
		return -1;
	if (full && (d->method > CFG_FWD_TUN ||
		     nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, ipvs_fwd_method(d->method)) < 0 ||
		     nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, d->weight) < 0 ||
		     nla_put_u32(m, IPVS_DEST_ATTR_U_THRESH, d->u_threshold) < 0 ||
		     nla_put_u32(m, IPVS_DEST_ATTR_L_THRESH, d->l_threshold) < 0))
		return -1;
	return nla_nest_end(m, nest) < 0 ? -1 : 0;
}

int ipvs_msg_put_daemon(struct nl_msg *m, const struct fwd_sync_conf *d)
{
	static const uint32_t state[] = { IP_VS_STATE_NONE, IP_VS_STATE_MASTER,
					  IP_VS_STATE_BACKUP };
	struct nlattr *nest = nla_nest_start(m, IPVS_CMD_ATTR_DAEMON);

	if (!nest || nla_put_u32(m, IPVS_DAEMON_ATTR_STATE, state[d->state]) < 0 ||
	    (d->ifname[0] && nla_put_string(m, IPVS_DAEMON_ATTR_MCAST_IFN, d->ifname) < 0) ||
	    nla_put_u32(m, IPVS_DAEMON_ATTR_SYNC_ID, d->syncid) < 0)
		return -1;
	return nla_nest_end(m, nest) < 0 ? -1 : 0;
}

int ipvs_msg_put_timeouts(struct nl_msg *m, const struct ipvs_timeouts *t)
{
	return nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_TCP, t->tcp) < 0 ||
	       nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t->tcpfin) < 0 ||
	       nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_UDP, t->udp) < 0 ? -1 : 0;
}

/* ---- replies ---------------------------------------------------------------- */

int ipvs_msg_attrs(struct nl_msg *m, struct nlattr **tb)
{
	return genlmsg_parse(nlmsg_hdr(m), 0, tb, IPVS_CMD_ATTR_MAX, cmd_policy) < 0 ? -1 : 0;
}

int ipvs_msg_info_attrs(struct nl_msg *m, struct nlattr **tb)
{
	return genlmsg_parse(nlmsg_hdr(m), 0, tb, IPVS_INFO_ATTR_MAX, info_policy) < 0 ? -1 : 0;
}

static uint64_t get_num(struct nlattr *a)
{
	if (!a)
		return 0;
	switch (nla_len(a)) {
	case 8: return nla_get_u64(a);
	case 4: return nla_get_u32(a);
	case 2: return nla_get_u16(a);
	default: return 0;
	}
}

static void parse_stats(struct nlattr *s64, struct nlattr *s32, struct fwd_counters *c,
			struct fwd_rates *r)
{
	struct nlattr *tb[IPVS_STATS_ATTR_MAX + 1];

	memset(c, 0, sizeof(*c));
	memset(r, 0, sizeof(*r));
	if (s64 ? nla_parse_nested(tb, IPVS_STATS_ATTR_MAX, s64, stats64_policy) < 0
		: !s32 || nla_parse_nested(tb, IPVS_STATS_ATTR_MAX, s32, stats_policy) < 0)
		return;
	c->conns = get_num(tb[IPVS_STATS_ATTR_CONNS]);
	c->inpkts = get_num(tb[IPVS_STATS_ATTR_INPKTS]);
	c->outpkts = get_num(tb[IPVS_STATS_ATTR_OUTPKTS]);
	c->inbytes = get_num(tb[IPVS_STATS_ATTR_INBYTES]);
	c->outbytes = get_num(tb[IPVS_STATS_ATTR_OUTBYTES]);
	r->cps = get_num(tb[IPVS_STATS_ATTR_CPS]);
	r->inpps = get_num(tb[IPVS_STATS_ATTR_INPPS]);
	r->outpps = get_num(tb[IPVS_STATS_ATTR_OUTPPS]);
	r->inbps = get_num(tb[IPVS_STATS_ATTR_INBPS]);
	r->outbps = get_num(tb[IPVS_STATS_ATTR_OUTBPS]);
}

static int get_addr(struct nlattr *a, int af, struct lvs_addr *out)
{
	size_t need = af == AF_INET6 ? 16 : 4;

	if (!a || (af != AF_INET && af != AF_INET6) || (size_t)nla_len(a) < need)
		return -1;
	out->af = af;
	memcpy(&out->ip, nla_data(a), need);
	return 0;
}

static unsigned mask_plen(uint32_t be)
{
	uint32_t m = ntohl(be);
	unsigned n = 0;

	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	return n;
}

static int parse_key(struct nlattr **tb, struct fwd_service_key *k, char *err, size_t errlen)
{
	int af = tb[IPVS_SVC_ATTR_AF] ? nla_get_u16(tb[IPVS_SVC_ATTR_AF]) : 0;
	uint16_t proto;

	memset(k, 0, sizeof(*k));
	if (af != AF_INET && af != AF_INET6) {
		snprintf(err, errlen, "a service of address family %d", af);
		return -1;
	}
	if (tb[IPVS_SVC_ATTR_FWMARK] && nla_get_u32(tb[IPVS_SVC_ATTR_FWMARK])) {
		k->fwmark = nla_get_u32(tb[IPVS_SVC_ATTR_FWMARK]);
		k->fwmark_af = af;
		return 0;
	}
	proto = tb[IPVS_SVC_ATTR_PROTOCOL] ? nla_get_u16(tb[IPVS_SVC_ATTR_PROTOCOL]) : 0;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		snprintf(err, errlen, "a service of protocol %u (lvsd knows tcp and udp)", proto);
		return -1;
	}
	k->protocol = proto == IPPROTO_UDP ? CFG_PROTO_UDP : CFG_PROTO_TCP;
	if (get_addr(tb[IPVS_SVC_ATTR_ADDR], af, &k->addr) < 0 || !tb[IPVS_SVC_ATTR_PORT]) {
		snprintf(err, errlen, "a service without an address or port");
		return -1;
	}
	k->addr.port = ntohs(nla_get_u16(tb[IPVS_SVC_ATTR_PORT]));
	return 0;
}

static int parse_sched(struct nlattr *a, enum cfg_sched *out, char *err, size_t errlen)
{
	const char *name = a ? nla_get_string(a) : "";

	for (size_t i = 0; cfg_sched_names[i]; i++)
		if (strcmp(name, cfg_sched_names[i]) == 0) {
			*out = (enum cfg_sched)i;
			return 0;
		}
	snprintf(err, errlen, "a service with scheduler '%.16s', which lvsd does not know", name);
	return -1;
}

int ipvs_msg_parse_service(struct nlattr *nest, struct fwd_service_info *out,
			   char *err, size_t errlen)
{
	struct nlattr *tb[IPVS_SVC_ATTR_MAX + 1];
	struct fwd_service_conf *c = &out->conf;
	struct ip_vs_flags fl = { 0 };

	memset(out, 0, sizeof(*out));
	if (!nest || nla_parse_nested(tb, IPVS_SVC_ATTR_MAX, nest, svc_policy) < 0) {
		snprintf(err, errlen, "a service the kernel described badly");
		return -1;
	}
	if (parse_key(tb, &c->key, err, errlen) < 0 ||
	    parse_sched(tb[IPVS_SVC_ATTR_SCHED_NAME], &c->scheduler, err, errlen) < 0)
		return -1;
	if (tb[IPVS_SVC_ATTR_FLAGS])
		memcpy(&fl, nla_data(tb[IPVS_SVC_ATTR_FLAGS]), sizeof(fl));
	/* "hashed" is the kernel's bookkeeping, not something one asks for */
	c->flags = fl.flags & ~(uint32_t)FWD_SVC_HASHED;
	if (c->flags & FWD_SVC_PERSISTENT) {
		uint32_t nm = tb[IPVS_SVC_ATTR_NETMASK] ? nla_get_u32(tb[IPVS_SVC_ATTR_NETMASK]) : 0;

		c->persistence_timeout = (cfg_ms)get_num(tb[IPVS_SVC_ATTR_TIMEOUT]) * 1000;
		c->persistence_plen = (uint8_t)(svc_family(&c->key) == AF_INET6
						? (nm > 128 ? 128 : nm) : mask_plen(nm));
	}
	parse_stats(tb[IPVS_SVC_ATTR_STATS64], tb[IPVS_SVC_ATTR_STATS], &out->counters,
		    &out->rates);
	return 0;
}

int ipvs_msg_parse_dest(struct nlattr *nest, int svc_af, struct fwd_dest_info *out,
			char *err, size_t errlen)
{
	struct nlattr *tb[IPVS_DEST_ATTR_MAX + 1];
	struct fwd_dest_conf *d = &out->conf;
	int af;

	memset(out, 0, sizeof(*out));
	if (!nest || nla_parse_nested(tb, IPVS_DEST_ATTR_MAX, nest, dest_policy) < 0) {
		snprintf(err, errlen, "a real server the kernel described badly");
		return -1;
	}
	af = tb[IPVS_DEST_ATTR_ADDR_FAMILY] ? nla_get_u16(tb[IPVS_DEST_ATTR_ADDR_FAMILY]) : svc_af;
	if (get_addr(tb[IPVS_DEST_ATTR_ADDR], af, &d->addr) < 0 || !tb[IPVS_DEST_ATTR_PORT]) {
		snprintf(err, errlen, "a real server without an address or port");
		return -1;
	}
	d->addr.port = ntohs(nla_get_u16(tb[IPVS_DEST_ATTR_PORT]));
	/* a local-node destination (IPVS's own) lists as NAT: lvsd has no such method */
	if (ipvs_fwd_method_from((uint32_t)get_num(tb[IPVS_DEST_ATTR_FWD_METHOD]), &d->method) < 0)
		d->method = CFG_FWD_NAT;
	d->weight = (uint32_t)get_num(tb[IPVS_DEST_ATTR_WEIGHT]);
	d->u_threshold = (uint32_t)get_num(tb[IPVS_DEST_ATTR_U_THRESH]);
	d->l_threshold = (uint32_t)get_num(tb[IPVS_DEST_ATTR_L_THRESH]);
	out->activeconns = (uint32_t)get_num(tb[IPVS_DEST_ATTR_ACTIVE_CONNS]);
	out->inactconns = (uint32_t)get_num(tb[IPVS_DEST_ATTR_INACT_CONNS]);
	out->persistconns = (uint32_t)get_num(tb[IPVS_DEST_ATTR_PERSIST_CONNS]);
	parse_stats(tb[IPVS_DEST_ATTR_STATS64], tb[IPVS_DEST_ATTR_STATS], &out->counters,
		    &out->rates);
	return 0;
}

int ipvs_msg_parse_daemon(struct nlattr *nest, struct fwd_sync_conf *out, char *err,
			  size_t errlen)
{
	struct nlattr *tb[IPVS_DAEMON_ATTR_MAX + 1];
	uint32_t st;

	memset(out, 0, sizeof(*out));
	if (!nest || nla_parse_nested(tb, IPVS_DAEMON_ATTR_MAX, nest, daemon_policy) < 0 ||
	    !tb[IPVS_DAEMON_ATTR_STATE]) {
		snprintf(err, errlen, "a sync daemon the kernel described badly");
		return -1;
	}
	st = nla_get_u32(tb[IPVS_DAEMON_ATTR_STATE]);
	out->state = st == IP_VS_STATE_MASTER ? FWD_SYNC_MASTER
		   : st == IP_VS_STATE_BACKUP ? FWD_SYNC_BACKUP : FWD_SYNC_NONE;
	if (tb[IPVS_DAEMON_ATTR_MCAST_IFN])
		snprintf(out->ifname, sizeof(out->ifname), "%s",
			 nla_get_string(tb[IPVS_DAEMON_ATTR_MCAST_IFN]));
	out->syncid = (uint32_t)get_num(tb[IPVS_DAEMON_ATTR_SYNC_ID]);
	return 0;
}

void ipvs_msg_parse_timeouts(struct nlattr **tb, struct ipvs_timeouts *out)
{
	out->tcp = (uint32_t)get_num(tb[IPVS_CMD_ATTR_TIMEOUT_TCP]);
	out->tcpfin = (uint32_t)get_num(tb[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN]);
	out->udp = (uint32_t)get_num(tb[IPVS_CMD_ATTR_TIMEOUT_UDP]);
}

/*
 * ipvs_fmt.c - ipvsadm's listings (-Ln, --stats, --rate, --thresholds,
 * --persistent-conn, -Lnc, -S -n) from a table snapshot, and the names
 * that their JSON twins (ipvs_fmt_json.c) share; both walk the table in
 * ipvsadm's order (ipvs_fmt_sort.c).
 *
 * The layouts are ipvsadm v1.31's: its printf widths, its column
 * headers, its K/M/G/T number scaling and its sort order. Every quirk
 * that shows in the output is kept on purpose (trailing spaces after the
 * last column, the rate listing's real-server CPS/PPS columns that are
 * never scaled, fwmarks printed as signed ints, the sort that compares
 * addresses by wrapping subtraction), because scripts written against
 * ipvsadm parse exactly that text. Not kept: 1.31 misreading a real
 * server's counters past 2^32 (ipvs_fmt.h). Nothing here allocates (the
 * walk's sorted index does); errors come only from the output stream.
 */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ipvs_fmt_priv.h"

/* IP_VS_SVC_F_SCHED3: in the kernel's flag word, though lvsd never sets it. */
#define SVC_F_SCHED3		0x0020
#define SVC_F_SCHED_ANY		(FWD_SVC_SCHED1 | FWD_SVC_SCHED2 | SVC_F_SCHED3)

#define N_OF(a)			(sizeof(a) / sizeof((a)[0]))

/* Forwarding methods: the -Ln column, the -S switch, the JSON word. */
static const struct fwd_name {
	const char *list, *save, *json;
} fwd_names[] = {
	[CFG_FWD_NAT] = { "Masq", "-m", "nat" },
	[CFG_FWD_DR] = { "Route", "-g", "dr" },
	[CFG_FWD_TUN] = { "Tunnel", "-i", "tun" },
};

/* Protocols: -Ln's column, -S's switch, the JSON word. */
static const struct {
	const char *list, *save, *json;
} proto_names[] = {
	[CFG_PROTO_TCP] = { "TCP", "-t", "tcp" },
	[CFG_PROTO_UDP] = { "UDP", "-u", "udp" },
};

/* The kernel's TCP state names (ip_vs_proto_tcp.c), as /proc and -Lnc show them. */
static const char *const tcp_state_names[] = {
	[FWD_CONN_NONE] = "NONE",
	[FWD_CONN_ESTABLISHED] = "ESTABLISHED",
	[FWD_CONN_SYN_SENT] = "SYN_SENT",
	[FWD_CONN_SYN_RECV] = "SYN_RECV",
	[FWD_CONN_FIN_WAIT] = "FIN_WAIT",
	[FWD_CONN_TIME_WAIT] = "TIME_WAIT",
	[FWD_CONN_CLOSE] = "CLOSE",
	[FWD_CONN_CLOSE_WAIT] = "CLOSE_WAIT",
	[FWD_CONN_LAST_ACK] = "LAST_ACK",
	[FWD_CONN_LISTEN] = "LISTEN",
	[FWD_CONN_SYNACK] = "SYNACK",
	[FWD_CONN_UDP] = "UDP",
	[FWD_CONN_TEMPLATE] = "NONE",
};

/* ---- small helpers ------------------------------------------------------ */

static const struct fwd_name *fwd_of(enum cfg_fwd_method m)
{
	return &fwd_names[(size_t)m < N_OF(fwd_names) ? m : CFG_FWD_DR];
}

static unsigned proto_idx(enum cfg_proto p)
{
	return p == CFG_PROTO_UDP ? CFG_PROTO_UDP : CFG_PROTO_TCP;
}

const char *ipvs_fmt_fwd_word(enum cfg_fwd_method m)
{
	return fwd_of(m)->json;
}

const char *ipvs_fmt_proto_word(enum cfg_proto p)
{
	return proto_names[proto_idx(p)].json;
}

const char *ipvs_fmt_sched_name(enum cfg_sched s)
{
	return (unsigned)s <= CFG_SCHED_TWOS ? cfg_sched_names[s] : "?";
}

/* "10.0.0.1:80" or "[2001:db8::1]:80": ipvsadm's numeric addrport, port 0 kept. */
static const char *endpoint(int af, const void *ip, uint16_t port, char *buf)
{
	char ipbuf[INET6_ADDRSTRLEN] = "?";
	bool v6 = af == AF_INET6;

	inet_ntop(v6 ? AF_INET6 : AF_INET, ip, ipbuf, sizeof(ipbuf));
	snprintf(buf, IPVS_FMT_EP_LEN, "%s%s%s:%u", v6 ? "[" : "", ipbuf, v6 ? "]" : "",
		 port);
	return buf;
}

const char *ipvs_fmt_addr(const struct lvs_addr *a, char *buf)
{
	return endpoint(a->af, &a->ip, a->port, buf);
}

int ipvs_fmt_svc_af(const struct fwd_service_conf *c)
{
	return c->key.fwmark ? c->key.fwmark_af : c->key.addr.af;
}

/* The service is persistent by its flag, or by a timeout where a core leaves the flag out. */
bool ipvs_fmt_svc_persistent(const struct fwd_service_conf *c)
{
	return (c->flags & FWD_SVC_PERSISTENT) || c->persistence_timeout;
}

unsigned ipvs_fmt_svc_timeout_s(const struct fwd_service_conf *c)
{
	return (unsigned)(c->persistence_timeout / 1000);
}

/* An IPv4 netmask from its prefix length. */
struct in_addr ipvs_fmt_mask4(unsigned plen)
{
	struct in_addr m = { htonl(plen ? ~0u << (32 - (plen > 32 ? 32 : plen)) : 0) };

	return m;
}

/*
 * The persistence netmask when it is not the full one: IPv4 dotted,
 * IPv6 a prefix length, as ipvsadm prints each. NULL when full.
 */
static const char *svc_mask_text(const struct fwd_service_conf *c, char *buf,
				 size_t len)
{
	unsigned plen = c->persistence_plen;

	if (ipvs_fmt_svc_af(c) == AF_INET6) {
		if (plen >= 128)
			return NULL;
		snprintf(buf, len, "%u", plen);
		return buf;
	}
	if (plen >= 32)
		return NULL;
	struct in_addr m = ipvs_fmt_mask4(plen);

	inet_ntop(AF_INET, &m, buf, len);
	return buf;
}

/*
 * The scheduler flags set, named as ipvsadm names them: sh and mh have
 * names for flags 1 and 2 (and none for 3), the others are "flag-N".
 * Returns how many names went into names[].
 */
size_t ipvs_fmt_sched_flag_names(const struct fwd_service_conf *c,
				 const char *names[3])
{
	static const char *const generic[] = { "flag-1", "flag-2", "flag-3" };
	static const char *const sh[] = { "sh-fallback", "sh-port", NULL };
	static const char *const mh[] = { "mh-fallback", "mh-port", NULL };
	static const uint32_t bit[] = { FWD_SVC_SCHED1, FWD_SVC_SCHED2, SVC_F_SCHED3 };
	const char *const *tab = c->scheduler == CFG_SCHED_SH ? sh
			       : c->scheduler == CFG_SCHED_MH ? mh : generic;
	size_t n = 0;

	for (size_t i = 0; i < 3; i++)
		if ((c->flags & bit[i]) && tab[i])
			names[n++] = tab[i];
	return n;
}

/* The same, comma-separated; "" when none is named (ipvsadm still prints "()" then). */
static const char *sched_flags_text(const struct fwd_service_conf *c,
				    char *buf, size_t len)
{
	const char *names[3];
	size_t n = ipvs_fmt_sched_flag_names(c, names);

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 i ? "," : "", names[i]);
	return buf;
}

/*
 * How the service names itself: "TCP  10.0.0.1:80" / "FWM  1" in a
 * listing, "-t 10.0.0.1:80" / "-f 1" in a save. ipvsadm prints the mark
 * with %d; a mark past INT_MAX comes out negative there, and so here.
 */
static const char *svc_label(const struct fwd_service_conf *c, bool rule,
			     char *buf, size_t len)
{
	char ep[IPVS_FMT_EP_LEN];
	int v6 = ipvs_fmt_svc_af(c) == AF_INET6;
	unsigned p = proto_idx(c->key.protocol);

	if (c->key.fwmark)
		snprintf(buf, len, rule ? "-f %d%s" : "FWM  %d%s",
			 (int)c->key.fwmark, v6 ? (rule ? " -6" : " IPv6") : "");
	else if (rule)
		snprintf(buf, len, "%s %s", proto_names[p].save,
			 ipvs_fmt_addr(&c->key.addr, ep));
	else
		snprintf(buf, len, "%-4s %s", proto_names[p].list,
			 ipvs_fmt_addr(&c->key.addr, ep));
	return buf;
}

/* ---- numbers ------------------------------------------------------------ */

/*
 * One --stats/--rate number in its 9-character column: exact when it
 * fits in 8 digits (or always with --exact, widening the column),
 * otherwise scaled down and suffixed K, M, G or T.
 */
static void put_largenum(FILE *out, uint64_t v, bool exact)
{
	static const struct {
		uint64_t below, div;
		char suffix;
	} scale[] = {
		{ 100000000ULL, 1, 0 },			/* < 100 million */
		{ 1000000000ULL, 1000ULL, 'K' },	/* < 1 billion */
		{ 100000000000ULL, 1000000ULL, 'M' },	/* < 100 billion */
		{ 100000000000000ULL, 1000000000ULL, 'G' },	/* < 100 trillion */
		{ UINT64_MAX, 1000000000000ULL, 'T' },
	};
	size_t i = 0;

	if (exact) {
		char tmp[24];
		int len = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);

		fprintf(out, "%*s", len <= 8 ? 9 : len + 1, tmp);
		return;
	}
	while (i + 1 < N_OF(scale) && v >= scale[i].below)
		i++;
	if (!scale[i].suffix)
		fprintf(out, "%9" PRIu64, v);
	else
		fprintf(out, "%8" PRIu64 "%c", v / scale[i].div, scale[i].suffix);
}

static void put_counters(FILE *out, const struct fwd_counters *c, bool exact)
{
	put_largenum(out, c->conns, exact);
	put_largenum(out, c->inpkts, exact);
	put_largenum(out, c->outpkts, exact);
	put_largenum(out, c->inbytes, exact);
	put_largenum(out, c->outbytes, exact);
}

static void put_rates(FILE *out, const struct fwd_rates *r, bool exact)
{
	put_largenum(out, r->cps, exact);
	put_largenum(out, r->inpps, exact);
	put_largenum(out, r->outpps, exact);
	put_largenum(out, r->inbps, exact);
	put_largenum(out, r->outbps, exact);
}

/* ---- ipvsadm -Ln -------------------------------------------------------- */

/*
 * Column titles per view, as widths and words: the address column is
 * 33 wide (as "  -> " plus a 28-wide address below it), then the
 * view's columns, each after one space.
 */
static void list_title(FILE *out, enum ipvs_fmt_view view)
{
	static const char *const cols[][5] = {
		[IPVS_FMT_STATS] = { "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes" },
		[IPVS_FMT_RATE] = { "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS" },
		[IPVS_FMT_THRESHOLDS] = { "Uthreshold", "Lthreshold", "ActiveConn", "InActConn" },
		[IPVS_FMT_PERSISTENT] = { "Weight", "PersistConn", "ActiveConn", "InActConn" },
	};
	const char *const *c = cols[view];
	const char *first = "Prot LocalAddress:Port";

	switch (view) {
	case IPVS_FMT_STATS:
	case IPVS_FMT_RATE:
		fprintf(out, "%-33s %8s %8s %8s %8s %8s\n", first, c[0], c[1], c[2], c[3], c[4]);
		break;
	case IPVS_FMT_THRESHOLDS:
		fprintf(out, "%-33s %-10s %-10s %-10s %-10s\n", first, c[0], c[1], c[2], c[3]);
		break;
	case IPVS_FMT_PERSISTENT:
		fprintf(out, "%-33s %-9s %-11s %-10s %-10s\n", first, c[0], c[1], c[2], c[3]);
		break;
	default:
		fputs("Prot LocalAddress:Port Scheduler Flags\n"
		      "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n",
		      out);
		return;
	}
	fputs("  -> RemoteAddress:Port\n", out);
}

/* The service line of -Ln: "TCP  10.0.0.1:80 wlc (sh-port) persistent 300 mask 255.255.255.0 ops". */
static void list_service_flags(FILE *out, const struct fwd_service_conf *c)
{
	char buf[64];
	const char *mask;

	fprintf(out, " %s", ipvs_fmt_sched_name(c->scheduler));
	if (c->flags & SVC_F_SCHED_ANY)
		fprintf(out, " (%s)", sched_flags_text(c, buf, sizeof(buf)));
	if (ipvs_fmt_svc_persistent(c)) {
		fprintf(out, " persistent %u", ipvs_fmt_svc_timeout_s(c));
		if ((mask = svc_mask_text(c, buf, sizeof(buf))) != NULL)
			fprintf(out, " mask %s", mask);
	}
	if (c->flags & FWD_SVC_ONEPACKET)
		fputs(" ops", out);
}

static void list_service(FILE *out, const struct fwd_service_info *s,
			 enum ipvs_fmt_view view, bool exact)
{
	char label[96];

	svc_label(&s->conf, false, label, sizeof(label));
	if (view == IPVS_FMT_STATS) {
		fprintf(out, "%-33s", label);
		put_counters(out, &s->counters, exact);
	} else if (view == IPVS_FMT_RATE) {
		fprintf(out, "%-33s", label);
		put_rates(out, &s->rates, exact);
	} else {
		fputs(label, out);
		list_service_flags(out, &s->conf);
	}
	fputc('\n', out);
}

static void list_dest(FILE *out, const struct fwd_dest_info *d,
		      enum ipvs_fmt_view view, bool exact)
{
	char ep[IPVS_FMT_EP_LEN];
	const char *name = ipvs_fmt_addr(&d->conf.addr, ep);
	int weight = (int)d->conf.weight;

	switch (view) {
	case IPVS_FMT_STATS:
		fprintf(out, "  -> %-28s", name);
		put_counters(out, &d->counters, exact);
		fputc('\n', out);
		break;
	case IPVS_FMT_RATE:
		/* ipvsadm never scales a real server's CPS and PPS, only its BPS */
		fprintf(out, "  -> %-28s %8" PRIu64 " %8" PRIu64 " %8" PRIu64, name,
			d->rates.cps, d->rates.inpps, d->rates.outpps);
		put_largenum(out, d->rates.inbps, exact);
		put_largenum(out, d->rates.outbps, exact);
		fputc('\n', out);
		break;
	case IPVS_FMT_THRESHOLDS:
		fprintf(out, "  -> %-28s %-10u %-10u %-10u %-10u\n", name,
			d->conf.u_threshold, d->conf.l_threshold,
			d->activeconns, d->inactconns);
		break;
	case IPVS_FMT_PERSISTENT:
		fprintf(out, "  -> %-28s %-9u %-11u %-10u %-10u\n", name,
			d->conf.weight, d->persistconns, d->activeconns,
			d->inactconns);
		break;
	default:
		fprintf(out, "  -> %-28s %-7s %-6d %-10u %-10u\n", name,
			fwd_of(d->conf.method)->list, weight, d->activeconns,
			d->inactconns);
	}
}

struct list_ctx {
	FILE *out;
	enum ipvs_fmt_view view;
	bool exact;
};

static void list_visit(const struct fwd_service_info *s,
		       const void *const *dests, void *arg)
{
	const struct list_ctx *x = arg;

	list_service(x->out, s, x->view, x->exact);
	for (size_t k = 0; k < s->n_dests; k++)
		list_dest(x->out, dests[k], x->view, x->exact);
}

int ipvs_fmt_list(const struct fwd_table *t, enum ipvs_fmt_view view,
		  unsigned flags, FILE *out)
{
	struct list_ctx x = {
		.out = out, .exact = flags & IPVS_FMT_EXACT,
		.view = (unsigned)view <= IPVS_FMT_PERSISTENT ? view : IPVS_FMT_PLAIN,
	};

	fprintf(out, "IP Virtual Server version " IPVS_VERSION_TEXT " (size=%u)\n",
		t->conn_tab_size);
	list_title(out, x.view);
	if (ipvs_fmt_walk(t, flags & IPVS_FMT_NOSORT, list_visit, &x) < 0)
		return -1;
	return ferror(out) ? -1 : 0;
}

/* ---- ipvsadm -S -n ------------------------------------------------------ */

static void save_service(FILE *out, const struct fwd_service_conf *c,
			 const char *label)
{
	char buf[64];
	const char *mask;

	fprintf(out, "-A %s -s %s", label, ipvs_fmt_sched_name(c->scheduler));
	if (ipvs_fmt_svc_persistent(c)) {
		fprintf(out, " -p %u", ipvs_fmt_svc_timeout_s(c));
		if ((mask = svc_mask_text(c, buf, sizeof(buf))) != NULL)
			fprintf(out, " -M %s", mask);
	}
	if (c->flags & FWD_SVC_ONEPACKET)
		fputs(" -o", out);
	if (c->flags & SVC_F_SCHED_ANY)
		fprintf(out, " -b %s", sched_flags_text(c, buf, sizeof(buf)));
	fputc('\n', out);
}

static void save_visit(const struct fwd_service_info *s,
		       const void *const *dests, void *arg)
{
	FILE *out = arg;
	char label[96], ep[IPVS_FMT_EP_LEN];

	svc_label(&s->conf, true, label, sizeof(label));
	save_service(out, &s->conf, label);
	for (size_t k = 0; k < s->n_dests; k++) {
		const struct fwd_dest_info *d = dests[k];

		/*
		 * Kernels since 5.2 report every real server's tunnel type
		 * and ipvsadm then names it: plain IP-in-IP for lvsd's.
		 */
		fprintf(out, "-a %s -r %s %s -w %d%s\n", label,
			ipvs_fmt_addr(&d->conf.addr, ep), fwd_of(d->conf.method)->save,
			(int)d->conf.weight,
			d->conf.method == CFG_FWD_TUN ? " --tun-type ipip" : "");
	}
}

int ipvs_fmt_save(const struct fwd_table *t, unsigned flags, FILE *out)
{
	if (ipvs_fmt_walk(t, flags & IPVS_FMT_NOSORT, save_visit, out) < 0)
		return -1;
	return ferror(out) ? -1 : 0;
}

/* ---- ipvsadm -Lnc ------------------------------------------------------- */

/* A template of a fwmark service: by its mark, or by a VIP-less virtual. */
static bool conn_fwmark_template(const struct fwd_conn_info *c)
{
	return c->is_template && (c->fwmark || (c->virt.af != AF_INET &&
						c->virt.af != AF_INET6));
}

const char *ipvs_fmt_conn_state(const struct fwd_conn_info *c)
{
	/* a template's state is NONE until the kernel marks it ASSURED */
	if (c->is_template || c->state == FWD_CONN_TEMPLATE)
		return "NONE";
	/* UDP has one state, whatever a core stores for it */
	if (c->protocol == CFG_PROTO_UDP)
		return "UDP";
	if ((unsigned)c->state < N_OF(tcp_state_names))
		return tcp_state_names[c->state];
	return "ERR!";
}

const char *ipvs_fmt_conn_proto(const struct fwd_conn_info *c, bool json)
{
	/* the kernel keys fwmark templates as protocol IPPROTO_IP */
	if (conn_fwmark_template(c))
		return json ? "ip" : "IP";
	return c->protocol == CFG_PROTO_UDP ? (json ? "udp" : "UDP")
					     : (json ? "tcp" : "TCP");
}

/* The virtual column: a fwmark template shows its mark as an address, port 0. */
const char *ipvs_fmt_conn_virtual(const struct fwd_conn_info *c, char *buf)
{
	if (conn_fwmark_template(c)) {
		struct in6_addr mark = { 0 };
		uint32_t be = htonl(c->fwmark);

		memcpy(&mark, &be, 4);
		return endpoint(c->client.af, &mark, 0, buf);
	}
	return ipvs_fmt_addr(&c->virt, buf);
}

int ipvs_fmt_conns(const struct fwd_conn_info *c, size_t n, FILE *out)
{
	fputs("IPVS connection entries\n"
	      "pro expire state       source             virtual            destination\n",
	      out);
	for (size_t i = 0; i < n; i++) {
		char src[IPVS_FMT_EP_LEN], virt[IPVS_FMT_EP_LEN], dst[IPVS_FMT_EP_LEN], expire[24];
		unsigned secs = (unsigned)(c[i].expires_ms / 1000);

		snprintf(expire, sizeof(expire), "%02u:%02u", secs / 60, secs % 60);
		fprintf(out, "%-3s %-6s %-11s %-18s %-18s %s\n",
			ipvs_fmt_conn_proto(&c[i], false), expire, ipvs_fmt_conn_state(&c[i]),
			ipvs_fmt_addr(&c[i].client, src), ipvs_fmt_conn_virtual(&c[i], virt),
			ipvs_fmt_addr(&c[i].dest, dst));
	}
	return ferror(out) ? -1 : 0;
}

/*
 * fwd_ipvs.c - the kernel IPVS forwarding core: every fwd_ops call is one
 * conversation with the kernel's IPVS generic netlink family, on one
 * socket opened at startup. The table read back is the kernel's own, so
 * reconcile sees what ipvsadm or anyone else did to it.
 *
 * What the kernel does not keep (a service's name, the userspace-only
 * connect timeout, a duration finer than its whole seconds) the core
 * remembers per service it set: a service the kernel holds exactly as
 * lvsd last set it reads back as lvsd asked for it, so a reconcile of an
 * unchanged table changes nothing; one changed behind lvsd's back reads
 * back as the kernel has it, and reconcile puts it right.
 *
 * The conversation itself is fwd_ipvs_nl.c's, the sync daemons
 * fwd_ipvs_sync.c's, the messages' attributes fwd_ipvs_msg.c's.
 */
#include "config.h"

#include <errno.h>
#include <linux/ip_vs.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwd_ipvs.h"
#include "fwd_ipvs_priv.h"

#define CONN_FILE "/proc/net/ip_vs_conn"

static struct ipvs_core *core_of(struct fwd *f)
{
	return f->priv;
}

/* ---- what the kernel cannot hold ---------------------------------------------- */

static uint32_t secs_up(cfg_ms ms)
{
	return (uint32_t)((ms + 999) / 1000);
}

/* Would the kernel, given conf, read back as have (in whole seconds)? */
static bool kernel_holds(const struct fwd_service_conf *conf, const struct fwd_service_conf *have)
{
	bool pers = conf->flags & FWD_SVC_PERSISTENT;
	unsigned full = (conf->key.fwmark ? conf->key.fwmark_af : conf->key.addr.af) == AF_INET6
		? 128 : 32;
	unsigned plen = pers ? (conf->persistence_plen && conf->persistence_plen <= full
				? conf->persistence_plen : full) : 0;

	return conf->scheduler == have->scheduler &&
	       (conf->flags & ~(uint32_t)FWD_SVC_HASHED) == have->flags &&
	       (pers ? (cfg_ms)secs_up(conf->persistence_timeout) * 1000 : 0) ==
		       have->persistence_timeout &&
	       plen == have->persistence_plen &&
	       secs_up(conf->timeout_tcp) * 1000ull == have->timeout_tcp &&
	       secs_up(conf->timeout_tcpfin) * 1000ull == have->timeout_tcpfin &&
	       secs_up(conf->timeout_udp) * 1000ull == have->timeout_udp;
}

/* ---- services and destinations ------------------------------------------------ */

/* The kernel's global timeouts are the services' (IPVS has no per-service ones). */
static int set_timeouts(struct ipvs_core *c, const struct fwd_service_conf *conf,
			char *err, size_t errlen)
{
	struct ipvs_timeouts t = { secs_up(conf->timeout_tcp), secs_up(conf->timeout_tcpfin),
				   secs_up(conf->timeout_udp) };
	struct nl_msg *m;
	int kerr;

	if (!t.tcp && !t.tcpfin && !t.udp)
		return 0;
	if (t.tcp == c->timeouts.tcp && t.tcpfin == c->timeouts.tcpfin && t.udp == c->timeouts.udp)
		return 0;
	m = ipvs_req_new(c, IPVS_CMD_SET_CONFIG, 0);
	if (!m || ipvs_msg_put_timeouts(m, &t) < 0) {
		nlmsg_free(m);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ipvs_transact(c, m, NULL, NULL, &kerr, err, errlen) < 0)
		return -1;
	c->timeouts = t;
	return 0;
}

/* Why the kernel refused a service, in words that say what to do. */
static void service_refused(const struct fwd_service_conf *conf, int kerr, char *err,
			    size_t errlen)
{
	const char *s = cfg_sched_names[conf->scheduler];

	if (kerr == ENOENT)
		snprintf(err, errlen, "scheduler %s: this kernel has no such scheduler "
			 "(module ip_vs_%s is not loaded and cannot be loaded)", s, s);
	else if (kerr == EEXIST)
		snprintf(err, errlen, "the kernel already has this service");
	else if (kerr == ESRCH)
		snprintf(err, errlen, "the kernel has no such service");
}

static int service_put(struct fwd *f, const struct fwd_service_conf *conf, uint8_t cmd,
		       char *err, size_t errlen)
{
	struct ipvs_core *c = core_of(f);
	struct nl_msg *m;
	int kerr;

	if (set_timeouts(c, conf, err, errlen) < 0)
		return -1;
	c->edits++;
	m = ipvs_req_new(c, cmd, 0);
	if (!m || ipvs_msg_put_service(m, conf, true) < 0) {
		nlmsg_free(m);
		snprintf(err, errlen, "cannot build the request");
		return -1;
	}
	if (ipvs_transact(c, m, NULL, NULL, &kerr, err, errlen) < 0) {
		service_refused(conf, kerr, err, errlen);
		return -1;
	}
	fwd_known_service_set(&c->known, conf);
	return 0;
}

static int ipvs_service_add(struct fwd *f, const struct fwd_service_conf *conf,
			    char *err, size_t errlen)
{
	return service_put(f, conf, IPVS_CMD_NEW_SERVICE, err, errlen);
}

static int ipvs_service_edit(struct fwd *f, const struct fwd_service_conf *conf,
			     char *err, size_t errlen)
{
	return service_put(f, conf, IPVS_CMD_SET_SERVICE, err, errlen);
}

static int ipvs_service_del(struct fwd *f, const struct fwd_service_key *k,
			    char *err, size_t errlen)
{
	struct ipvs_core *c = core_of(f);
	struct nl_msg *m = ipvs_req_new(c, IPVS_CMD_DEL_SERVICE, 0);
	int kerr;

	c->edits++;
	if (!m || ipvs_msg_put_service_key(m, k) < 0) {
		nlmsg_free(m);
		snprintf(err, errlen, "cannot build the request");
		return -1;
	}
	if (ipvs_transact(c, m, NULL, NULL, &kerr, err, errlen) < 0) {
		/* ESRCH: gone already, and the next read-back will say so */
		return -1;
	}
	fwd_known_service_del(&c->known, k);
	return 0;
}

static int dest_call(struct fwd *f, uint8_t cmd, const struct fwd_service_key *k,
		     const struct fwd_dest_conf *d, char *err, size_t errlen)
{
	struct ipvs_core *c = core_of(f);
	struct nl_msg *m = ipvs_req_new(c, cmd, 0);
	int kerr;

	c->edits++;
	if (!m || ipvs_msg_put_service_key(m, k) < 0 ||
	    ipvs_msg_put_dest(m, d, cmd != IPVS_CMD_DEL_DEST) < 0) {
		nlmsg_free(m);
		snprintf(err, errlen, "cannot build the request");
		return -1;
	}
	if (ipvs_transact(c, m, NULL, NULL, &kerr, err, errlen) == 0) {
		if (cmd == IPVS_CMD_DEL_DEST)
			fwd_known_dest_del(&c->known, k, &d->addr);
		else
			fwd_known_dest_set(&c->known, k, d);
		return 0;
	}
	if (kerr == ESRCH)
		snprintf(err, errlen, "the kernel has no such virtual service");
	else if (kerr == EEXIST)
		snprintf(err, errlen, "the kernel already has this real server");
	else if (kerr == ENOENT)
		snprintf(err, errlen, "the kernel has no such real server");
	return -1;
}

static int ipvs_dest_add(struct fwd *f, const struct fwd_service_key *k,
			 const struct fwd_dest_conf *d, char *err, size_t errlen)
{
	return dest_call(f, IPVS_CMD_NEW_DEST, k, d, err, errlen);
}

static int ipvs_dest_edit(struct fwd *f, const struct fwd_service_key *k,
			  const struct fwd_dest_conf *d, char *err, size_t errlen)
{
	return dest_call(f, IPVS_CMD_SET_DEST, k, d, err, errlen);
}

static int ipvs_dest_del(struct fwd *f, const struct fwd_service_key *k,
			 const struct lvs_addr *addr, char *err, size_t errlen)
{
	struct fwd_dest_conf d = { .addr = *addr };

	return dest_call(f, IPVS_CMD_DEL_DEST, k, &d, err, errlen);
}

/* ---- reading the table back ---------------------------------------------------- */

struct table_read {
	struct fwd_table *t;
	struct fwd_service_info *svc;	/* the service whose dests are dumped */
	size_t cap;
	char *err;
	size_t errlen;
};

static int on_service(struct nl_msg *m, void *arg)
{
	struct table_read *r = arg;
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	struct fwd_service_info s;

	if (ipvs_msg_attrs(m, tb) < 0 ||
	    ipvs_msg_parse_service(tb[IPVS_CMD_ATTR_SERVICE], &s, r->err, r->errlen) < 0)
		return 0;	/* not one lvsd can show (sctp, a scheduler it does not know) */
	if (r->t->n_services == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct fwd_service_info *v = realloc(r->t->services, cap * sizeof(*v));

		if (!v)
			return -1;
		r->t->services = v;
		r->cap = cap;
	}
	r->t->services[r->t->n_services++] = s;
	return 0;
}

static int on_dest(struct nl_msg *m, void *arg)
{
	struct table_read *r = arg;
	struct fwd_service_info *s = r->svc;
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	struct fwd_dest_info d, *v;
	int af = s->conf.key.fwmark ? s->conf.key.fwmark_af : s->conf.key.addr.af;

	if (ipvs_msg_attrs(m, tb) < 0 ||
	    ipvs_msg_parse_dest(tb[IPVS_CMD_ATTR_DEST], af, &d, r->err, r->errlen) < 0)
		return -1;
	v = realloc(s->dests, (s->n_dests + 1) * sizeof(*v));
	if (!v)
		return -1;
	s->dests = v;
	s->dests[s->n_dests++] = d;
	return 0;
}

static int on_config(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];

	if (ipvs_msg_attrs(m, tb) < 0)
		return -1;
	ipvs_msg_parse_timeouts(tb, arg);
	return 0;
}

static int on_info(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[IPVS_INFO_ATTR_MAX + 1];

	if (ipvs_msg_info_attrs(m, tb) < 0)
		return -1;
	if (tb[IPVS_INFO_ATTR_CONN_TAB_SIZE])
		*(uint32_t *)arg = nla_get_u32(tb[IPVS_INFO_ATTR_CONN_TAB_SIZE]);
	return 0;
}

/* The destinations of one service, by a dump of its own. */
static int read_dests_of(struct ipvs_core *c, struct table_read *r, size_t i,
			 char *err, size_t errlen)
{
	struct nl_msg *m = ipvs_req_new(c, IPVS_CMD_GET_DEST, NLM_F_DUMP);
	int kerr;

	r->svc = &r->t->services[i];
	r->err = err;
	r->errlen = errlen;
	if (!m || ipvs_msg_put_service_key(m, &r->svc->conf.key) < 0) {
		nlmsg_free(m);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* a service deleted since the service dump has no dests: not an error */
	if (ipvs_transact(c, m, on_dest, r, &kerr, err, errlen) < 0 && kerr != ESRCH)
		return -1;
	return 0;
}

static int read_dests(struct ipvs_core *c, struct table_read *r, char *err, size_t errlen)
{
	for (size_t i = 0; i < r->t->n_services; i++)
		if (read_dests_of(c, r, i, err, errlen) < 0)
			return -1;
	return 0;
}

/* The kernel's values, or what lvsd asked for where the kernel holds exactly that. */
static void fill_from_known(struct ipvs_core *c, struct fwd_service_info *s)
{
	struct fwd_service_conf *have = &s->conf;
	const struct fwd_service_conf *set;

	have->timeout_tcp = (cfg_ms)c->timeouts.tcp * 1000;
	have->timeout_tcpfin = (cfg_ms)c->timeouts.tcpfin * 1000;
	have->timeout_udp = (cfg_ms)c->timeouts.udp * 1000;
	set = fwd_known_service_conf(&c->known, &have->key);
	if (set && kernel_holds(set, have))
		*have = *set;
}

/* The timeouts and the list of services: the read's first part. */
static int read_services(struct ipvs_core *c, struct table_read *r, char *err, size_t errlen)
{
	memset(r->t, 0, sizeof(*r->t));
	r->t->conn_tab_size = c->conn_tab_size;
	if (ipvs_simple_get(c, IPVS_CMD_GET_CONFIG, 0, on_config, &c->timeouts, err, errlen) < 0 ||
	    ipvs_simple_get(c, IPVS_CMD_GET_SERVICE, NLM_F_DUMP, on_service, r, err, errlen) < 0) {
		fwd_table_free(r->t);
		return -1;
	}
	return 0;
}

/* A whole read: what lvsd set where the kernel holds it, and remembered. */
static void read_done(struct ipvs_core *c, struct fwd_table *t)
{
	for (size_t i = 0; i < t->n_services; i++)
		fill_from_known(c, &t->services[i]);
	if (fwd_known_replace(&c->known, t) < 0)
		log_warning(c->log, "kernel core: out of memory remembering the table; "
			    "reloads will read it back");
}

static int ipvs_table(struct fwd *f, struct fwd_table *out, char *err, size_t errlen)
{
	struct ipvs_core *c = core_of(f);
	struct table_read r = { .t = out, .err = err, .errlen = errlen };

	if (read_services(c, &r, err, errlen) < 0)
		return -1;
	if (read_dests(c, &r, err, errlen) < 0) {
		fwd_table_free(out);
		return -1;
	}
	read_done(c, out);
	return 0;
}

/* ---- the same read in steps ---------------------------------------------------- */

struct fwd_table_read {
	struct fwd_table t;
	struct table_read r;
	size_t next;		/* the next service whose destinations to read */
	uint64_t edits;		/* the core's count when the read began */
};

static struct fwd_table_read *ipvs_read_begin(struct fwd *f, char *err, size_t errlen)
{
	struct ipvs_core *c = core_of(f);
	struct fwd_table_read *rd = calloc(1, sizeof(*rd));

	if (!rd) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rd->r.t = &rd->t;
	rd->r.err = err;
	rd->r.errlen = errlen;
	rd->edits = c->edits;
	if (read_services(c, &rd->r, err, errlen) < 0) {
		free(rd);
		return NULL;
	}
	return rd;
}

static void ipvs_read_abort(struct fwd *f, struct fwd_table_read *rd)
{
	(void)f;
	if (!rd)
		return;
	fwd_table_free(&rd->t);
	free(rd);
}

static int ipvs_read_step(struct fwd *f, struct fwd_table_read *rd, double budget_ms,
			  struct fwd_table *out, char *err, size_t errlen)
{
	struct ipvs_core *c = core_of(f);
	double t0 = log_clock_ms();

	while (rd->next < rd->t.n_services && c->edits == rd->edits) {
		if (read_dests_of(c, &rd->r, rd->next++, err, errlen) < 0) {
			ipvs_read_abort(f, rd);
			return -1;
		}
		if (log_clock_ms() - t0 >= budget_ms && rd->next < rd->t.n_services)
			return 0;
	}
	if (c->edits != rd->edits) {
		snprintf(err, errlen, "lvsd changed the table while it was being read");
		ipvs_read_abort(f, rd);
		return FWD_READ_STALE;
	}
	*out = rd->t;
	free(rd);
	read_done(c, out);
	return 1;
}

/* The last read-back and lvsd's edits since; a read-back when that is not to be trusted. */
static int ipvs_table_known(struct fwd *f, struct fwd_table *out, char *err, size_t errlen)
{
	struct ipvs_core *c = core_of(f);

	if (!c->known.valid)
		return ipvs_table(f, out, err, errlen);
	if (fwd_known_copy(&c->known, out) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	out->conn_tab_size = c->conn_tab_size;
	return 0;
}

/* ---- the core ----------------------------------------------------------------- */

static void ipvs_free(struct fwd *f)
{
	struct ipvs_core *c = core_of(f);

	fwd_known_free(&c->known);
	nl_socket_free(c->sk);
	free(c);
	free(f);
}

static int ipvs_conns(struct fwd *f, fwd_conn_cb cb, void *arg, char *err, size_t errlen)
{
	return ipvs_conn_read(CONN_FILE, cb, arg, core_of(f)->log, err, errlen);
}

static const struct fwd_ops ipvs_ops = {
	.name = "ipvs",
	.kernel = true,
	.service_add = ipvs_service_add,
	.service_edit = ipvs_service_edit,
	.service_del = ipvs_service_del,
	.dest_add = ipvs_dest_add,
	.dest_edit = ipvs_dest_edit,
	.dest_del = ipvs_dest_del,
	.table = ipvs_table,
	.table_known = ipvs_table_known,
	.table_read_begin = ipvs_read_begin,
	.table_read_step = ipvs_read_step,
	.table_read_abort = ipvs_read_abort,
	.conns = ipvs_conns,
	.sync_set = ipvs_sync_set,
	.free = ipvs_free,
};

static int core_open(struct ipvs_core *c, char *err, size_t errlen)
{
	int rc;

	c->sk = nl_socket_alloc();
	if (!c->sk) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((rc = genl_connect(c->sk)) < 0) {
		snprintf(err, errlen, "generic netlink: %s", nl_geterror(rc));
		return -1;
	}
	/* a dump of a big table comes in messages larger than a page */
	nl_socket_enable_msg_peek(c->sk);
	nl_socket_disable_auto_ack(c->sk);
	nl_socket_set_buffer_size(c->sk, 1 << 20, 1 << 20);
	c->family = genl_ctrl_resolve(c->sk, IPVS_GENL_NAME);
	if (c->family < 0) {
		snprintf(err, errlen, "this kernel has no IPVS (the IPVS generic netlink "
			 "family does not resolve; is the ip_vs module loaded?)");
		return -1;
	}
	if (ipvs_simple_get(c, IPVS_CMD_GET_INFO, 0, on_info, &c->conn_tab_size, err, errlen) < 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "the kernel's IPVS does not answer: %s%s", why,
			 strstr(why, "permitted") ? " (lvsd needs CAP_NET_ADMIN: run it as root)" : "");
		return -1;
	}
	return 0;
}

struct fwd *fwd_ipvs_new(struct logger *log, char *err, size_t errlen)
{
	struct fwd *f = calloc(1, sizeof(*f));
	struct ipvs_core *c = calloc(1, sizeof(*c));

	if (!f || !c) {
		free(f);
		free(c);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->log = log;
	f->ops = &ipvs_ops;
	f->priv = c;
	if (fwd_known_init(&c->known) < 0) {
		snprintf(err, errlen, "out of memory");
		free(c);
		free(f);
		return NULL;
	}
	if (core_open(c, err, errlen) < 0) {
		ipvs_free(f);
		return NULL;
	}
	return f;
}

/*
 * vrrp.c - the VRRP engine: the instances of the running model, the
 * interfaces they speak on, and everything they share.
 *
 * One raw socket per interface serves all instances on it; a received
 * packet goes to the instance of its vrid, which checks it against its
 * own version, interval and addresses (vrrp_packet.c) before the state
 * machine sees it, so a forged or broken packet is dropped and counted,
 * never acted on. Link changes come over rtnetlink and reach the
 * instances that run on or track that interface. The members of a sync
 * group are brought along when one of them changes state. Notify scripts
 * are vrrp_notify.c's, tracked scripts vrrp_track.c's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawn.h"
#include "vrrp_priv.h"

#define VRRP_RX_BATCH 64

/* ---- sending and receiving ------------------------------------------------------- */

static size_t ipv4_vips(const struct cfg_vrrp *c, struct in_addr *out)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_virtual_ips && n < VRRP_MAX_ADDRS; i++)
		if (c->virtual_ips[i].addr.af == AF_INET)
			out[n++] = c->virtual_ips[i].addr.ip.v4;
	return n;
}

static int send_one(struct vrrp_inst *in, const struct vrrp_advert *a, struct in_addr dst)
{
	uint8_t pkt[VRRP_HDR_LEN + 4 * VRRP_MAX_ADDRS + VRRP_V2_AUTH_LEN];
	struct in_addr src = in->ifc->info.primary;
	char err[256], d[INET_ADDRSTRLEN];
	int len = vrrp_packet_build(a, src, dst, pkt, sizeof(pkt));

	if (len < 0 || vrrp_sock_send(in->ifc->fd, in->ifc->info.ifindex, src, dst, pkt,
				      (size_t)len, err, sizeof(err)) < 0) {
		in->counters.send_errors++;
		log_warning(in->e->log, "VRRP %s: cannot send an advertisement to %s: %s",
			    in->conf->name, inet_ntop(AF_INET, &dst, d, sizeof(d)),
			    len < 0 ? "cannot build it" : err);
		return -1;
	}
	in->counters.adverts_sent++;
	return 0;
}

int vrrp_engine_send(struct vrrp_inst *in, uint8_t priority)
{
	struct vrrp_advert a;
	const struct cfg_vrrp *c = in->conf;
	struct in_addr mcast = { htonl(VRRP_MCAST_V4) };
	int rc = 0;

	if (in->ifc->fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.version = (uint8_t)c->version;
	a.vrid = (uint8_t)c->vrid;
	a.priority = priority;
	a.interval_cs = in->fsm.adver_interval_cs;
	a.n_addrs = (uint8_t)ipv4_vips(c, a.addrs);
	if (!c->n_unicast_peers)
		return send_one(in, &a, mcast);
	for (size_t i = 0; i < c->n_unicast_peers; i++)
		if (send_one(in, &a, c->unicast_peers[i].ip.v4) < 0)
			rc = -1;
	return rc;
}

static struct vrrp_inst *inst_for(struct vrrp_engine *e, const struct vrrp_iface *ifc,
				  uint8_t vrid)
{
	struct vrrp_inst *in;

	TAILQ_FOREACH(in, &e->insts, entry)
		if (in->ifc == ifc && in->conf->vrid == vrid)
			return in;
	return NULL;
}

static bool from_a_peer(const struct vrrp_inst *in, struct in_addr src)
{
	if (!in->conf->n_unicast_peers)
		return true;
	for (size_t i = 0; i < in->conf->n_unicast_peers; i++)
		if (in->conf->unicast_peers[i].ip.v4.s_addr == src.s_addr)
			return true;
	return false;
}

/* Count a drop; say it once per reason and instance, and the count is in lvsctl vrrp. */
static void dropped(struct vrrp_inst *in, enum vrrp_drop d, const char *why)
{
	in->counters.drops[d]++;
	if (in->drops_logged & (1u << d)) {
		log_debug(in->e->log, "VRRP %s: dropped a packet: %s", in->conf->name, why);
		return;
	}
	in->drops_logged |= 1u << d;
	log_warning(in->e->log, "VRRP %s: dropped a packet: %s (further %s drops are counted "
		    "in lvsctl vrrp)", in->conf->name, why, vrrp_drop_names[d]);
}

static void receive_one(struct vrrp_iface *ifc, const uint8_t *pkt, size_t len)
{
	struct vrrp_advert a;
	struct in_addr ours[VRRP_MAX_ADDRS], src;
	size_t ihl = len ? (size_t)(pkt[0] & 0x0f) * 4 : 0;
	struct vrrp_inst *in;
	enum vrrp_drop d;
	char why[160];

	if (len < ihl + VRRP_HDR_LEN || ihl < 20)
		return;		/* not even a vrid to file it under */
	in = inst_for(ifc->e, ifc, pkt[ihl + 1]);
	if (!in)
		return;		/* another router's, or nobody's */
	d = vrrp_packet_parse(pkt, len, (uint8_t)in->conf->version, (uint8_t)in->conf->vrid,
			      in->fsm.adver_interval_cs, ours,
			      in->conf->version == 2 ? ipv4_vips(in->conf, ours) : 0,
			      &a, &src, why, sizeof(why));
	if (d != VRRP_OK) {
		dropped(in, d, why);
		return;
	}
	if (!from_a_peer(in, src)) {
		in->counters.unknown_peer++;
		return;
	}
	vrrp_inst_advert(in, &a, src);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct vrrp_iface *ifc = arg;
	uint8_t buf[2048];
	char err[256];

	(void)what;
	for (int i = 0; i < VRRP_RX_BATCH; i++) {
		int ifindex = 0;
		ssize_t n = vrrp_sock_recv(fd, buf, sizeof(buf), &ifindex, err, sizeof(err));

		if (n < 0)
			log_warning(ifc->e->log, "VRRP on %s: %s", ifc->name, err);
		if (n <= 0)
			return;
		if (ifindex && ifindex != ifc->info.ifindex)
			continue;
		receive_one(ifc, buf, (size_t)n);
	}
}

/* ---- sync groups -------------------------------------------------------------------- */

/* A member in FAULT of its own puts its whole group in FAULT, and out again. */
static void group_faults(struct vrrp_engine *e, size_t group)
{
	struct vrrp_inst *m, *o;

	TAILQ_FOREACH(m, &e->insts, entry) {
		bool gf = false;

		if (m->group != group)
			continue;
		TAILQ_FOREACH(o, &e->insts, entry)
			if (o != m && o->group == group && o->own_fault)
				gf = true;
		if (gf != m->group_fault) {
			m->group_fault = gf;
			vrrp_inst_reevaluate(m);
		}
	}
}

/*
 * The instances of a sync group change state together (a NAT director's
 * public and private VIPs must live on the same box): a member that
 * becomes MASTER brings the others' BACKUP to MASTER, one that becomes
 * BACKUP makes the other masters step down.
 */
void vrrp_engine_transition(struct vrrp_engine *e, struct vrrp_inst *in, enum vrrp_state to)
{
	struct vrrp_inst *o;

	if (!in->group || e->syncing || e->stopping)
		return;
	e->syncing = true;
	TAILQ_FOREACH(o, &e->insts, entry) {
		if (o == in || o->group != in->group)
			continue;
		if (to == VRRP_MASTER && o->fsm.state == VRRP_BACKUP)
			vrrp_inst_event(o, VRRP_EV_SYNC_MASTER);
		else if (to == VRRP_BACKUP && o->fsm.state == VRRP_MASTER)
			vrrp_inst_event(o, VRRP_EV_SYNC_BACKUP);
	}
	e->syncing = false;
	group_faults(e, in->group);
}

void vrrp_engine_reevaluate(struct vrrp_engine *e, struct vrrp_inst *in)
{
	struct vrrp_inst *m;

	if (!in->group) {
		vrrp_inst_reevaluate(in);
		return;
	}
	TAILQ_FOREACH(m, &e->insts, entry)
		if (m->group == in->group)
			vrrp_inst_reevaluate(m);
	group_faults(e, in->group);
}

/* Which sync group (index + 1) names the instance; 0 for none. */
static size_t group_of(const struct cfg *cfg, const char *name)
{
	for (size_t g = 0; g < cfg->n_sync_groups; g++)
		for (size_t i = 0; i < cfg->sync_groups[g].n_instances; i++)
			if (strcmp(cfg->sync_groups[g].instances[i].name, name) == 0)
				return g + 1;
	return 0;
}

/* ---- interfaces and their links ---------------------------------------------------- */

static void iface_close(struct vrrp_iface *ifc)
{
	if (ifc->fd < 0)
		return;
	event_del(&ifc->rd);
	close(ifc->fd);
	ifc->fd = -1;
}

/* The socket of an interface that exists now. 0, or -1 with err. */
static int iface_open(struct vrrp_iface *ifc, char *err, size_t errlen)
{
	char why[256];

	/*
	 * A VIP in the subnet of the interface's own address may become the
	 * kernel's primary; removing it must not take the real address with it.
	 */
	if (vrrp_if_promote_secondaries(ifc->name, why, sizeof(why)) < 0)
		log_warning(ifc->e->log, "VRRP on %s: %s", ifc->name, why);
	ifc->fd = vrrp_sock_open(ifc->name, ifc->info.ifindex, true, err, errlen);
	if (ifc->fd < 0)
		return -1;
	ifc->multicast = true;
	event_assign(&ifc->rd, ifc->e->base, ifc->fd, EV_READ | EV_PERSIST, on_readable, ifc);
	if (event_add(&ifc->rd, NULL) < 0) {
		snprintf(err, errlen, "cannot watch its socket");
		close(ifc->fd);
		ifc->fd = -1;
		return -1;
	}
	return 0;
}

/*
 * The interface an instance runs on. One that does not exist (yet) is
 * kept without a socket: its instances are in FAULT until it appears.
 */
static struct vrrp_iface *iface_get(struct vrrp_engine *e, const struct cfg_vrrp *c)
{
	struct vrrp_iface *ifc;
	char err[256];

	TAILQ_FOREACH(ifc, &e->ifaces, entry)
		if (strcmp(ifc->name, c->interface) == 0)
			return ifc;
	if (!(ifc = calloc(1, sizeof(*ifc))))
		return NULL;
	ifc->e = e;
	ifc->fd = -1;
	snprintf(ifc->name, sizeof(ifc->name), "%s", c->interface);
	TAILQ_INSERT_TAIL(&e->ifaces, ifc, entry);
	if (vrrp_if_lookup(ifc->name, c->virtual_ips, c->n_virtual_ips, &ifc->info, err,
			   sizeof(err)) < 0) {
		/* Not there yet (a VLAN made later, a hot-plugged NIC): FAULT shows it. */
		memset(&ifc->info, 0, sizeof(ifc->info));
		log_notice(e->log, "VRRP %s: %s; FAULT until it appears", c->name, err);
	} else if (iface_open(ifc, err, sizeof(err)) < 0) {
		memset(&ifc->info, 0, sizeof(ifc->info));
		log_warning(e->log, "VRRP %s: interface %s: %s; FAULT until it is usable",
			    c->name, ifc->name, err);
	}
	return ifc;
}

static void iface_put(struct vrrp_engine *e, struct vrrp_iface *ifc)
{
	if (--ifc->users > 0)
		return;
	iface_close(ifc);
	TAILQ_REMOVE(&e->ifaces, ifc, entry);
	free(ifc);
}

/*
 * The interface's facts after a link change: the primary address may
 * have come or gone, the interface itself may be new (a socket is bound
 * to one ifindex, so a recreated interface gets a new one). The VIPs of
 * its instances are left out when choosing the primary.
 */
static void iface_refresh(struct vrrp_engine *e, struct vrrp_iface *ifc)
{
	struct lvs_prefix vips[VRRP_MAX_ADDRS];
	const struct vrrp_inst *in;
	int old_index = ifc->info.ifindex;
	size_t n = 0;
	char err[256];

	TAILQ_FOREACH(in, &e->insts, entry)
		for (size_t i = 0; in->ifc == ifc && i < in->conf->n_virtual_ips && n < VRRP_MAX_ADDRS; i++)
			vips[n++] = in->conf->virtual_ips[i];
	if (vrrp_if_lookup(ifc->name, vips, n, &ifc->info, err, sizeof(err)) < 0)
		memset(&ifc->info, 0, sizeof(ifc->info));
	if (ifc->info.ifindex != old_index)
		iface_close(ifc);
	if (ifc->info.ifindex && ifc->fd < 0 && iface_open(ifc, err, sizeof(err)) < 0)
		log_warning(e->log, "VRRP on %s: %s", ifc->name, err);
	if (ifc->fd < 0)
		ifc->info.up = false;
}

static bool tracks(const struct cfg_vrrp *c, const char *ifname)
{
	for (size_t i = 0; i < c->n_track_interfaces; i++)
		if (strcmp(c->track_interfaces[i].name, ifname) == 0)
			return true;
	return false;
}

static void on_link(void *arg, const char *ifname, bool up)
{
	struct vrrp_engine *e = arg;
	struct vrrp_iface *ifc;
	struct vrrp_inst *in;

	TAILQ_FOREACH(ifc, &e->ifaces, entry)
		if (strcmp(ifc->name, ifname) == 0)
			iface_refresh(e, ifc);
	TAILQ_FOREACH(in, &e->insts, entry)
		if (strcmp(in->ifc->name, ifname) == 0 || tracks(in->conf, ifname))
			vrrp_inst_link(in, ifname, up);
}

static void on_links_readable(evutil_socket_t fd, short what, void *arg)
{
	struct vrrp_engine *e = arg;
	char err[256];

	(void)fd;
	(void)what;
	if (vrrp_link_watch_read(e->links, err, sizeof(err)) < 0)
		log_warning(e->log, "VRRP: watching links: %s", err);
}

/* ---- the engine ------------------------------------------------------------------------- */

struct vrrp_engine *vrrp_engine_new(struct event_base *base, struct logger *log,
				    const struct check_env *env, char *err, size_t errlen)
{
	struct vrrp_engine *e = calloc(1, sizeof(*e));

	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->base = base;
	e->log = log;
	e->env = env;
	e->garp_fd = -1;
	TAILQ_INIT(&e->insts);
	TAILQ_INIT(&e->ifaces);
	TAILQ_INIT(&e->notifies);
	return e;
}

void vrrp_engine_changed(struct vrrp_engine *e)
{
	if (e->on_change)
		e->on_change(e->on_change_arg);
}

/* Netlink handles are opened with the first instance: a config without VRRP needs none. */
static int engine_open_netlink(struct vrrp_engine *e, char *err, size_t errlen)
{
	if (!e->vips && !(e->vips = vrrp_vips_open(err, errlen)))
		return -1;
	if (e->garp_fd < 0 && (e->garp_fd = vrrp_garp_open(err, errlen)) < 0)
		return -1;
	if (e->links)
		return 0;
	e->links = vrrp_link_watch_open(on_link, e, err, errlen);
	if (!e->links)
		return -1;
	event_assign(&e->links_ev, e->base, vrrp_link_watch_fd(e->links), EV_READ | EV_PERSIST,
		     on_links_readable, e);
	return event_add(&e->links_ev, NULL);
}

static bool same_router(const struct cfg_vrrp *a, const struct cfg_vrrp *b)
{
	if (strcmp(a->interface, b->interface) != 0 || a->vrid != b->vrid ||
	    a->version != b->version || a->advert_interval != b->advert_interval ||
	    a->n_unicast_peers != b->n_unicast_peers)
		return false;
	for (size_t i = 0; i < a->n_unicast_peers; i++)
		if (!addr_ip_equal(&a->unicast_peers[i], &b->unicast_peers[i]))
			return false;
	return true;
}

static void inst_remove(struct vrrp_engine *e, struct vrrp_inst *in)
{
	vrrp_inst_stop(in);
	TAILQ_REMOVE(&e->insts, in, entry);
	iface_put(e, in->ifc);
	vrrp_inst_free(in);
}

static void inst_add(struct vrrp_engine *e, const struct cfg_vrrp *c, size_t group)
{
	struct vrrp_iface *ifc;
	struct vrrp_inst *in;
	char err[256];

	if (engine_open_netlink(e, err, sizeof(err)) < 0) {
		log_error(e->log, "VRRP %s: cannot start: %s", c->name, err);
		return;
	}
	if (!(ifc = iface_get(e, c))) {
		log_error(e->log, "VRRP %s: out of memory", c->name);
		return;
	}
	ifc->users++;
	if (!(in = vrrp_inst_new(e, c, ifc))) {
		log_error(e->log, "VRRP %s: out of memory", c->name);
		iface_put(e, ifc);
		return;
	}
	in->seen = true;
	in->group = group;
	TAILQ_INSERT_TAIL(&e->insts, in, entry);
	vrrp_inst_start(in);
}

static struct vrrp_inst *inst_named(struct vrrp_engine *e, const char *name)
{
	struct vrrp_inst *in;

	TAILQ_FOREACH(in, &e->insts, entry)
		if (strcmp(in->conf->name, name) == 0)
			return in;
	return NULL;
}

int vrrp_engine_sync(struct vrrp_engine *e, const struct cfg *cfg, char *err, size_t errlen)
{
	struct vrrp_inst *in, *next;

	(void)err;
	(void)errlen;
	TAILQ_FOREACH(in, &e->insts, entry)
		in->seen = false;
	for (size_t i = 0; i < cfg->n_vrrp; i++) {
		const struct cfg_vrrp *c = &cfg->vrrp[i];

		in = inst_named(e, c->name);
		if (in && same_router(in->conf, c)) {
			in->seen = true;
			in->group = group_of(cfg, c->name);
			vrrp_inst_reconf(in, c);
			continue;
		}
		if (in)
			inst_remove(e, in);
		inst_add(e, c, group_of(cfg, c->name));
	}
	for (in = TAILQ_FIRST(&e->insts); in; in = next) {
		next = TAILQ_NEXT(in, entry);
		if (!in->seen)
			inst_remove(e, in);
	}
	return 0;
}

void vrrp_engine_on_change(struct vrrp_engine *e, void (*cb)(void *arg), void *arg)
{
	e->on_change = cb;
	e->on_change_arg = arg;
}

void vrrp_engine_stop(struct vrrp_engine *e)
{
	struct vrrp_inst *in;

	e->stopping = true;
	TAILQ_FOREACH(in, &e->insts, entry)
		vrrp_inst_stop(in);
}

bool vrrp_engine_busy(const struct vrrp_engine *e)
{
	return e && (e->notify_running || !TAILQ_EMPTY(&e->notifies));
}

void vrrp_engine_free(struct vrrp_engine *e)
{
	struct vrrp_inst *in;
	struct vrrp_notify *n;

	if (!e)
		return;
	while ((in = TAILQ_FIRST(&e->insts)) != NULL) {
		TAILQ_REMOVE(&e->insts, in, entry);
		iface_put(e, in->ifc);
		vrrp_inst_free(in);
	}
	while ((n = TAILQ_FIRST(&e->notifies)) != NULL) {
		TAILQ_REMOVE(&e->notifies, n, entry);
		vrrp_notify_free(n);
	}
	if (e->links) {
		event_del(&e->links_ev);
		vrrp_link_watch_close(e->links);
	}
	vrrp_vips_close(e->vips);
	if (e->garp_fd >= 0)
		close(e->garp_fd);
	free(e);
}

size_t vrrp_engine_count(const struct vrrp_engine *e)
{
	const struct vrrp_inst *in;
	size_t n = 0;

	TAILQ_FOREACH(in, &e->insts, entry)
		n++;
	return n;
}

bool vrrp_engine_status(const struct vrrp_engine *e, size_t i, struct vrrp_status *out)
{
	const struct vrrp_inst *in;

	TAILQ_FOREACH(in, &e->insts, entry) {
		if (i-- > 0)
			continue;
		memset(out, 0, sizeof(*out));
		out->name = in->conf->name;
		out->interface = in->conf->interface;
		out->vrid = (uint8_t)in->conf->vrid;
		out->state = in->fsm.state;
		out->priority = (uint8_t)in->conf->priority;
		out->effective_priority = in->fsm.priority;
		out->master = in->fsm.master;
		out->n_vips = in->conf->n_virtual_ips;
		out->vips_on = in->vips_on;
		out->counters = in->counters;
		return true;
	}
	return false;
}

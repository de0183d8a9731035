/*
 * vrrp_inst.c - one virtual router on the event loop: it feeds the state
 * machine its events (timers, advertisements, link changes) and carries
 * out what the machine asks, in order.
 *
 * Tracking folds into two facts the machine understands: a fault (the
 * instance's own interface, or a tracked one without a weight, is down)
 * and an effective priority (the configured one plus the weights of the
 * tracked interfaces that are down, kept within 1..254; the address
 * owner's 255 never moves). Gratuitous ARPs go out as keepalived's users
 * know them: `repeat` of them on becoming master, `repeat` more after
 * `delay`, and a set every `refresh` while master.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vrrp_priv.h"

static void arm_us(struct event *ev, uint64_t us)
{
	struct timeval tv = { (time_t)(us / 1000000), (suseconds_t)(us % 1000000) };

	event_add(ev, &tv);
}

static uint64_t now_ms(const struct vrrp_inst *in)
{
	struct timeval tv;

	event_base_gettimeofday_cached(in->e->base, &tv);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/*
 * Adver_Timer on a fixed schedule: re-armed from when it fired, each
 * firing's lateness (libevent's coarse clock: up to 4 ms) was added to
 * the next interval, and 0.01 s adverts went out every 12 ms, close
 * enough to the backup's 30 ms master-down interval to cause false
 * takeovers under load. Any other reason to arm it (becoming master,
 * answering an advert) starts the schedule afresh from now, as the RFC
 * resets the timer.
 */
static void arm_adver(struct vrrp_inst *in)
{
	struct timespec ts;
	uint64_t now, iv = (uint64_t)in->fsm.adver_interval_cs * 10000u, next;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	next = in->adver_due_us && now >= in->adver_due_us && now < in->adver_due_us + iv
	       ? in->adver_due_us + iv : now + iv;
	in->adver_due_us = next;
	struct timeval tv = { (time_t)((next - now) / 1000000u),
			      (suseconds_t)((next - now) % 1000000u) };

	event_add(&in->adver, &tv);
}

/* ---- carrying out the machine's actions ---------------------------------------- */

static void vips_apply(struct vrrp_inst *in, bool add)
{
	const struct cfg_vrrp *c = in->conf;
	char label[IF_NAMESIZE], err[256], a[ADDR_STRLEN];

	/* The kernel wants a label that starts with the interface's name. */
	snprintf(label, sizeof(label), "%.*s:v%u", (int)(IF_NAMESIZE - 6), in->ifc->name,
		 (unsigned)c->vrid);
	for (size_t i = 0; i < c->n_virtual_ips; i++) {
		const struct lvs_prefix *p = &c->virtual_ips[i];
		int rc = add ? vrrp_vip_add(in->e->vips, in->ifc->info.ifindex, p, label, err,
					    sizeof(err))
			     : vrrp_vip_del(in->e->vips, in->ifc->info.ifindex, p, err, sizeof(err));

		if (rc < 0)
			log_error(in->e->log, "VRRP %s: cannot %s VIP %s on %s: %s", c->name,
				  add ? "add" : "remove", addr_format_ip(&p->addr, a, sizeof(a)),
				  in->ifc->name, err);
	}
	in->vips_on = add;
}

static void garp_set(struct vrrp_inst *in)
{
	const struct cfg_vrrp *c = in->conf;
	uint32_t repeat = c->garp.repeat ? c->garp.repeat : 1;
	char err[256];

	for (uint32_t r = 0; r < repeat; r++) {
		for (size_t i = 0; i < c->n_virtual_ips; i++) {
			if (c->virtual_ips[i].addr.af != AF_INET)
				continue;
			if (vrrp_garp_send(in->e->garp_fd, in->ifc->info.ifindex, in->ifc->info.mac,
					   c->virtual_ips[i].addr.ip.v4, err, sizeof(err)) < 0) {
				log_warning(in->e->log, "VRRP %s: gratuitous ARP: %s", c->name, err);
				return;
			}
		}
	}
}

/* The second set after `delay`, then one every `refresh`, while master. */
static void on_garp(evutil_socket_t fd, short what, void *arg)
{
	struct vrrp_inst *in = arg;

	(void)fd;
	(void)what;
	if (in->fsm.state != VRRP_MASTER)
		return;
	garp_set(in);
	if (in->garp_sets_left > 0)
		in->garp_sets_left--;
	if (in->garp_sets_left == 0 && in->conf->garp.refresh)
		arm_us(&in->garp, in->conf->garp.refresh * 1000u);
	else if (in->garp_sets_left > 0)
		arm_us(&in->garp, in->conf->garp.delay * 1000u);
}

static void announce(struct vrrp_inst *in)
{
	garp_set(in);
	event_del(&in->garp);
	in->garp_sets_left = in->conf->garp.delay ? 1 : 0;
	if (in->garp_sets_left)
		arm_us(&in->garp, in->conf->garp.delay * 1000u);
	else if (in->conf->garp.refresh)
		arm_us(&in->garp, in->conf->garp.refresh * 1000u);
}

static void run_action(struct vrrp_inst *in, enum vrrp_action a, const struct vrrp_fsm_output *o)
{
	switch (a) {
	case VRRP_ACT_SEND_ADVERT:
		vrrp_engine_send(in, o->advert_priority);
		break;
	case VRRP_ACT_ARM_ADVER:
		arm_adver(in);
		break;
	case VRRP_ACT_ARM_MASTER_DOWN:
		arm_us(&in->master_down, o->master_down_us);
		break;
	case VRRP_ACT_CANCEL_TIMERS:
		in->adver_due_us = 0;
		event_del(&in->adver);
		event_del(&in->master_down);
		event_del(&in->garp);
		break;
	case VRRP_ACT_ADD_VIPS:
		vips_apply(in, true);
		break;
	case VRRP_ACT_DEL_VIPS:
		vips_apply(in, false);
		break;
	case VRRP_ACT_SEND_GARP:
		announce(in);
		break;
	default:
		break;
	}
}

static void fsm_event(struct vrrp_inst *in, enum vrrp_event ev, const struct vrrp_fsm_input *fi)
{
	struct vrrp_fsm_output o;

	vrrp_fsm_step(&in->fsm, ev, fi, now_ms(in), &o);
	for (size_t i = 0; i < o.n_actions; i++)
		run_action(in, o.actions[i], &o);
	if (o.from == o.to) {
		if (o.why[0])
			log_info(in->e->log, "VRRP %s: %s: %s", in->conf->name,
				 vrrp_state_names[o.to], o.why);
		return;
	}
	log_notice(in->e->log, "VRRP %s: %s -> %s: %s", in->conf->name,
		   vrrp_state_names[o.from], vrrp_state_names[o.to], o.why);
	if (o.to == VRRP_MASTER)
		in->counters.became_master++;
	vrrp_engine_notify(in->e, in, o.to);
	vrrp_engine_transition(in->e, in, o.to);
	if (in->e->on_change)
		in->e->on_change(in->e->on_change_arg);
}

void vrrp_inst_event(struct vrrp_inst *in, enum vrrp_event ev)
{
	fsm_event(in, ev, NULL);
}

static void on_adver(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fsm_event(arg, VRRP_EV_ADVER_TIMER, NULL);
}

static void on_master_down(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fsm_event(arg, VRRP_EV_MASTER_DOWN, NULL);
}

void vrrp_inst_advert(struct vrrp_inst *in, const struct vrrp_advert *a, struct in_addr src)
{
	struct vrrp_fsm_input fi = { .priority = a->priority, .interval_cs = a->interval_cs,
				     .src = src };

	in->counters.adverts_received++;
	fsm_event(in, VRRP_EV_ADVERT, &fi);
}

/* ---- tracking -------------------------------------------------------------------- */

/* What this instance's own tracking adds to (or takes from) a priority. */
int32_t vrrp_inst_offset(const struct vrrp_inst *in)
{
	int32_t w = 0;

	for (size_t i = 0; in->track_down && i < in->conf->n_track_interfaces; i++)
		if (in->track_down[i] && in->conf->track_interfaces[i].weight)
			w += in->conf->track_interfaces[i].weight;
	return w + vrrp_track_weight(in);
}

/*
 * The configured priority moved by tracking, within 1..254. In a sync
 * group every member's tracking moves every member: the group must win
 * or lose an election as one, or two directors would each hold half of
 * it and pull the other half back and forth.
 */
uint8_t vrrp_inst_priority(const struct vrrp_inst *in)
{
	int64_t p = in->conf->priority;
	const struct vrrp_inst *m;

	if (p >= VRRP_PRIO_OWNER)
		return VRRP_PRIO_OWNER;
	if (!in->group)
		p += vrrp_inst_offset(in);
	TAILQ_FOREACH(m, &in->e->insts, entry)
		if (in->group && m->group == in->group)
			p += vrrp_inst_offset(m);
	return (uint8_t)(p < 1 ? 1 : p > 254 ? 254 : p);
}

static bool faulty(const struct vrrp_inst *in)
{
	if (!in->ifc->info.up || !in->ifc->info.primary.s_addr)
		return true;
	for (size_t i = 0; in->track_down && i < in->conf->n_track_interfaces; i++)
		if (in->track_down[i] && !in->conf->track_interfaces[i].weight)
			return true;
	return vrrp_track_fault(in);
}

void vrrp_inst_reevaluate(struct vrrp_inst *in)
{
	uint8_t p = vrrp_inst_priority(in);
	bool fault;

	in->own_fault = faulty(in);
	fault = in->own_fault || in->group_fault;
	if (fault != in->fault) {
		in->fault = fault;
		in->fsm.priority = p;
		in->fsm.primary = in->ifc->info.primary;
		fsm_event(in, fault ? VRRP_EV_FAULT : VRRP_EV_STARTUP, NULL);
		return;
	}
	if (p != in->fsm.priority) {
		log_info(in->e->log, "VRRP %s: effective priority %u -> %u", in->conf->name,
			 in->fsm.priority, p);
		in->fsm.priority = p;
		fsm_event(in, VRRP_EV_PRIORITY, NULL);
		vrrp_engine_changed(in->e);
	}
}

void vrrp_inst_link(struct vrrp_inst *in, const char *ifname, bool up)
{
	for (size_t i = 0; in->track_down && i < in->conf->n_track_interfaces; i++)
		if (strcmp(in->conf->track_interfaces[i].name, ifname) == 0)
			in->track_down[i] = !up;
	vrrp_engine_reevaluate(in->e, in);
}

/* ---- life -------------------------------------------------------------------------- */

static void fsm_init(struct vrrp_inst *in)
{
	const struct cfg_vrrp *c = in->conf;

	in->fsm.version = (uint8_t)c->version;
	in->fsm.preempt = c->preempt;
	in->fsm.preempt_delay_ms = c->preempt_delay;
	in->fsm.adver_interval_cs = (uint16_t)(c->advert_interval / 10);
	in->fsm.primary = in->ifc->info.primary;
	in->fsm.priority = vrrp_inst_priority(in);
}

struct vrrp_inst *vrrp_inst_new(struct vrrp_engine *e, const struct cfg_vrrp *conf,
				struct vrrp_iface *ifc)
{
	struct vrrp_inst *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->track_down = calloc(conf->n_track_interfaces + 1, sizeof(bool));
	if (!in->track_down) {
		free(in);
		return NULL;
	}
	in->e = e;
	in->conf = conf;
	in->ifc = ifc;
	in->fsm.state = VRRP_INIT;
	evtimer_assign(&in->adver, e->base, on_adver, in);
	evtimer_assign(&in->master_down, e->base, on_master_down, in);
	evtimer_assign(&in->garp, e->base, on_garp, in);
	return in;
}

void vrrp_inst_start(struct vrrp_inst *in)
{
	struct vrrp_if_info info;
	char err[256];

	for (size_t i = 0; i < in->conf->n_track_interfaces; i++)
		in->track_down[i] = vrrp_if_lookup(in->conf->track_interfaces[i].name, NULL, 0,
						   &info, err, sizeof(err)) < 0 || !info.up;
	vrrp_track_start(in);
	fsm_init(in);
	/* VIPs a crashed lvsd left behind must not answer for a backup. */
	if (in->ifc->info.ifindex)
		vips_apply(in, false);
	in->own_fault = faulty(in);
	in->fault = in->own_fault || in->group_fault;
	fsm_event(in, in->fault ? VRRP_EV_FAULT : VRRP_EV_STARTUP, NULL);
}

void vrrp_inst_stop(struct vrrp_inst *in)
{
	vrrp_track_stop(in);
	fsm_event(in, VRRP_EV_SHUTDOWN, NULL);
	if (in->vips_on)
		vips_apply(in, false);
}

void vrrp_inst_free(struct vrrp_inst *in)
{
	if (!in)
		return;
	event_del(&in->adver);
	event_del(&in->master_down);
	event_del(&in->garp);
	vrrp_track_stop(in);
	free(in->track_down);
	free(in);
}

static bool has_vip(const struct cfg_vrrp *c, const struct lvs_prefix *p)
{
	for (size_t i = 0; i < c->n_virtual_ips; i++)
		if (c->virtual_ips[i].len == p->len && addr_ip_equal(&c->virtual_ips[i].addr, &p->addr))
			return true;
	return false;
}

/* A master's VIP list changed: add and remove the difference, no transition. */
static void vips_follow(struct vrrp_inst *in, const struct cfg_vrrp *old, const struct cfg_vrrp *now)
{
	char label[IF_NAMESIZE], err[256], a[ADDR_STRLEN];
	bool added = false;

	snprintf(label, sizeof(label), "%.*s:v%u", (int)(IF_NAMESIZE - 6), in->ifc->name,
		 (unsigned)now->vrid);
	for (size_t i = 0; i < old->n_virtual_ips; i++)
		if (!has_vip(now, &old->virtual_ips[i]) &&
		    vrrp_vip_del(in->e->vips, in->ifc->info.ifindex, &old->virtual_ips[i], err,
				 sizeof(err)) < 0)
			log_error(in->e->log, "VRRP %s: cannot remove VIP %s: %s", now->name,
				  addr_format_ip(&old->virtual_ips[i].addr, a, sizeof(a)), err);
	for (size_t i = 0; i < now->n_virtual_ips; i++) {
		if (has_vip(old, &now->virtual_ips[i]))
			continue;
		if (vrrp_vip_add(in->e->vips, in->ifc->info.ifindex, &now->virtual_ips[i], label,
				 err, sizeof(err)) < 0)
			log_error(in->e->log, "VRRP %s: cannot add VIP %s: %s", now->name,
				  addr_format_ip(&now->virtual_ips[i].addr, a, sizeof(a)), err);
		else
			added = true;
	}
	if (added)
		garp_set(in);
}

void vrrp_inst_reconf(struct vrrp_inst *in, const struct cfg_vrrp *conf)
{
	const struct cfg_vrrp *old = in->conf;
	bool *td = calloc(conf->n_track_interfaces + 1, sizeof(bool));
	struct vrrp_if_info info;
	char err[256];

	if (in->vips_on)
		vips_follow(in, old, conf);
	in->conf = conf;
	/* Out of memory: tracking is off until the next reload, the rest goes on. */
	for (size_t i = 0; td && i < conf->n_track_interfaces; i++)
		td[i] = vrrp_if_lookup(conf->track_interfaces[i].name, NULL, 0, &info, err,
				       sizeof(err)) < 0 || !info.up;
	free(in->track_down);
	in->track_down = td;
	vrrp_track_reconf(in, conf);
	in->fsm.preempt = conf->preempt;
	in->fsm.preempt_delay_ms = conf->preempt_delay;
	vrrp_engine_reevaluate(in->e, in);
}

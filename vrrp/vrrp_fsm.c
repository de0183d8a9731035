/*
 * vrrp_fsm.c - the VRRP state machine of RFC 5798 section 6.4 (and RFC
 * 3768's, which differs only in units), as a table of handlers indexed by
 * state and event and one step function that runs the handler and says
 * what to do.
 *
 * The machine owns no socket and no clock: the caller feeds it events
 * with the time, and carries out the actions in the order given (add the
 * VIPs before announcing them, send the priority-0 advertisement before
 * letting them go). Two departures from the RFC's letter, both as
 * keepalived behaves and both for the operator's sake: a master that
 * hears a lower-priority master (a split brain healing) answers at once
 * and announces its VIPs again, so switches and hosts that learnt the
 * other director's MAC come back (and a master that yields sends one
 * last advertisement, so that the winner hears it whichever side heard
 * the other first); and `preempt_delay` keeps a freshly started backup
 * from preempting until that much time has passed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vrrp.h"

const char *const vrrp_state_names[VRRP_STATE_COUNT_] = {
	[VRRP_INIT] = "INIT", [VRRP_BACKUP] = "BACKUP",
	[VRRP_MASTER] = "MASTER", [VRRP_FAULT] = "FAULT",
};

const char *const vrrp_event_names[VRRP_EV_COUNT_] = {
	[VRRP_EV_STARTUP] = "startup", [VRRP_EV_SHUTDOWN] = "shutdown",
	[VRRP_EV_MASTER_DOWN] = "master-down timer", [VRRP_EV_ADVER_TIMER] = "advert timer",
	[VRRP_EV_ADVERT] = "advertisement", [VRRP_EV_FAULT] = "fault",
	[VRRP_EV_PRIORITY] = "priority change", [VRRP_EV_SYNC_BACKUP] = "sync group backup",
	[VRRP_EV_SYNC_MASTER] = "sync group master",
};

/* v2 counts in seconds: Skew_Time = (256 - Priority) / 256 s. */
uint64_t vrrp_skew_time_us(uint8_t version, uint8_t priority, uint16_t master_adver_interval_cs)
{
	if (version == 2)
		return (256u - priority) * UINT64_C(1000000) / 256u;
	return (256u - priority) * (uint64_t)master_adver_interval_cs * 10000u / 256u;
}

uint64_t vrrp_master_down_us(uint8_t version, uint8_t priority,
			     uint16_t master_adver_interval_cs)
{
	return 3u * (uint64_t)master_adver_interval_cs * 10000u +
	       vrrp_skew_time_us(version, priority, master_adver_interval_cs);
}

static void act(struct vrrp_fsm_output *out, enum vrrp_action a)
{
	if (out->n_actions < sizeof(out->actions) / sizeof(out->actions[0]))
		out->actions[out->n_actions++] = a;
}

static void arm_master_down(const struct vrrp_fsm *m, struct vrrp_fsm_output *out, uint64_t us)
{
	(void)m;
	out->master_down_us = us;
	act(out, VRRP_ACT_ARM_MASTER_DOWN);
}

static void why(struct vrrp_fsm_output *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void why(struct vrrp_fsm_output *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
}

/* ---- transitions shared by several cells --------------------------------------- */

static void become_master(struct vrrp_fsm *m, struct vrrp_fsm_output *out)
{
	act(out, VRRP_ACT_CANCEL_TIMERS);
	act(out, VRRP_ACT_ADD_VIPS);
	out->advert_priority = m->priority;
	act(out, VRRP_ACT_SEND_ADVERT);
	act(out, VRRP_ACT_SEND_GARP);
	act(out, VRRP_ACT_ARM_ADVER);
	m->master = m->primary;
	m->state = VRRP_MASTER;
}

static void become_backup(struct vrrp_fsm *m, struct vrrp_fsm_output *out)
{
	m->master_adver_interval_cs = m->adver_interval_cs;
	arm_master_down(m, out, vrrp_master_down_us(m->version, m->priority,
						    m->master_adver_interval_cs));
	m->master.s_addr = 0;
	m->state = VRRP_BACKUP;
}

/* Leave MASTER for INIT or FAULT: tell the backups, then let the VIPs go. */
static void resign(struct vrrp_fsm *m, struct vrrp_fsm_output *out, enum vrrp_state to)
{
	act(out, VRRP_ACT_CANCEL_TIMERS);
	out->advert_priority = VRRP_PRIO_STOP;
	act(out, VRRP_ACT_SEND_ADVERT);
	act(out, VRRP_ACT_DEL_VIPS);
	m->master.s_addr = 0;
	m->state = to;
}

/* ---- the cells of the table ------------------------------------------------- */

typedef void (*vrrp_handler)(struct vrrp_fsm *m, const struct vrrp_fsm_input *in,
			     uint64_t now_ms, struct vrrp_fsm_output *out);

static void on_startup(struct vrrp_fsm *m, const struct vrrp_fsm_input *in, uint64_t now_ms,
		       struct vrrp_fsm_output *out)
{
	(void)in;
	m->started_ms = now_ms;
	if (m->priority == VRRP_PRIO_OWNER) {
		why(out, "the address owner (priority %u)", m->priority);
		become_master(m, out);
	} else {
		why(out, "starting; waiting %" PRIu64 " ms for a master",
		    vrrp_master_down_us(m->version, m->priority, m->adver_interval_cs) / 1000u);
		become_backup(m, out);
	}
}

static void to_fault(struct vrrp_fsm *m, const struct vrrp_fsm_input *in, uint64_t now_ms,
		     struct vrrp_fsm_output *out)
{
	(void)in;
	(void)now_ms;
	why(out, "an interface it needs (its own or a tracked one) is down");
	if (m->state == VRRP_MASTER) {
		resign(m, out, VRRP_FAULT);
		return;
	}
	act(out, VRRP_ACT_CANCEL_TIMERS);
	m->master.s_addr = 0;
	m->state = VRRP_FAULT;
}

static void to_init(struct vrrp_fsm *m, const struct vrrp_fsm_input *in, uint64_t now_ms,
		    struct vrrp_fsm_output *out)
{
	(void)in;
	(void)now_ms;
	why(out, "stopping");
	if (m->state == VRRP_MASTER) {
		resign(m, out, VRRP_INIT);
		return;
	}
	act(out, VRRP_ACT_CANCEL_TIMERS);
	m->master.s_addr = 0;
	m->state = VRRP_INIT;
}

static void backup_master_down(struct vrrp_fsm *m, const struct vrrp_fsm_input *in,
			       uint64_t now_ms, struct vrrp_fsm_output *out)
{
	(void)in;
	(void)now_ms;
	why(out, "no advertisement for the master-down interval");
	become_master(m, out);
}

static void backup_sync_master(struct vrrp_fsm *m, const struct vrrp_fsm_input *in,
			       uint64_t now_ms, struct vrrp_fsm_output *out)
{
	(void)in;
	(void)now_ms;
	why(out, "its sync group went MASTER");
	become_master(m, out);
}

static void backup_advert(struct vrrp_fsm *m, const struct vrrp_fsm_input *in, uint64_t now_ms,
			  struct vrrp_fsm_output *out)
{
	char src[INET_ADDRSTRLEN];
	bool delaying = m->preempt_delay_ms && now_ms < m->started_ms + m->preempt_delay_ms;

	inet_ntop(AF_INET, &in->src, src, sizeof(src));
	if (in->priority == VRRP_PRIO_STOP) {
		/* The master is leaving: take over after Skew_Time only. */
		why(out, "master %s is leaving (priority 0)", src);
		arm_master_down(m, out, vrrp_skew_time_us(m->version, m->priority,
							  m->master_adver_interval_cs));
		return;
	}
	if (!m->preempt || in->priority >= m->priority || delaying) {
		if (m->version == 3)
			m->master_adver_interval_cs = in->interval_cs;
		m->master = in->src;
		arm_master_down(m, out, vrrp_master_down_us(m->version, m->priority,
							    m->master_adver_interval_cs));
		return;
	}
	/* Preempting: ignore the lower master; the master-down timer makes us master. */
	why(out, "preempting master %s (priority %u)", src, in->priority);
}

static void master_adver_timer(struct vrrp_fsm *m, const struct vrrp_fsm_input *in,
			       uint64_t now_ms, struct vrrp_fsm_output *out)
{
	(void)in;
	(void)now_ms;
	out->advert_priority = m->priority;
	act(out, VRRP_ACT_SEND_ADVERT);
	act(out, VRRP_ACT_ARM_ADVER);
}

/* Whether an advertisement from another master outranks us (RFC 5798 6.4.3). */
static bool outranks_us(const struct vrrp_fsm *m, const struct vrrp_fsm_input *in)
{
	if (in->priority != m->priority)
		return in->priority > m->priority;
	return ntohl(in->src.s_addr) > ntohl(m->primary.s_addr);
}

static void master_advert(struct vrrp_fsm *m, const struct vrrp_fsm_input *in, uint64_t now_ms,
			  struct vrrp_fsm_output *out)
{
	char src[INET_ADDRSTRLEN];

	(void)now_ms;
	inet_ntop(AF_INET, &in->src, src, sizeof(src));
	if (in->priority != VRRP_PRIO_STOP && outranks_us(m, in)) {
		why(out, "master %s has priority %u", src, in->priority);
		act(out, VRRP_ACT_CANCEL_TIMERS);
		/*
		 * One last advertisement: the other master hears a lower master
		 * and announces the VIPs again, so hosts that learnt our MAC
		 * during a split brain move back now, not when their ARP expires.
		 */
		out->advert_priority = m->priority;
		act(out, VRRP_ACT_SEND_ADVERT);
		act(out, VRRP_ACT_DEL_VIPS);
		if (m->version == 3)
			m->master_adver_interval_cs = in->interval_cs;
		arm_master_down(m, out, vrrp_master_down_us(m->version, m->priority,
							    m->master_adver_interval_cs));
		m->master = in->src;
		m->state = VRRP_BACKUP;
		return;
	}
	/*
	 * A leaving master, or a lower one that thinks it is master (a split
	 * brain healing): answer now, and announce the VIPs again.
	 */
	out->advert_priority = m->priority;
	act(out, VRRP_ACT_SEND_ADVERT);
	act(out, VRRP_ACT_ARM_ADVER);
	if (in->priority != VRRP_PRIO_STOP) {
		why(out, "lower master %s (priority %u) heard: reasserting", src, in->priority);
		act(out, VRRP_ACT_SEND_GARP);
	}
}

/* Its sync group went BACKUP: step down as if a higher master had spoken. */
static void master_sync_backup(struct vrrp_fsm *m, const struct vrrp_fsm_input *in,
			       uint64_t now_ms, struct vrrp_fsm_output *out)
{
	(void)in;
	(void)now_ms;
	why(out, "its sync group went BACKUP");
	act(out, VRRP_ACT_CANCEL_TIMERS);
	act(out, VRRP_ACT_DEL_VIPS);
	become_backup(m, out);
}

/* A new effective priority is advertised at once, so preempting backups react now. */
static void master_priority(struct vrrp_fsm *m, const struct vrrp_fsm_input *in,
			    uint64_t now_ms, struct vrrp_fsm_output *out)
{
	master_adver_timer(m, in, now_ms, out);
}

static const vrrp_handler fsm_table[VRRP_STATE_COUNT_][VRRP_EV_COUNT_] = {
	[VRRP_INIT] = {
		[VRRP_EV_STARTUP] = on_startup,
		[VRRP_EV_FAULT] = to_fault,
	},
	[VRRP_BACKUP] = {
		[VRRP_EV_SHUTDOWN] = to_init,
		[VRRP_EV_MASTER_DOWN] = backup_master_down,
		[VRRP_EV_SYNC_MASTER] = backup_sync_master,
		[VRRP_EV_ADVERT] = backup_advert,
		[VRRP_EV_FAULT] = to_fault,
	},
	[VRRP_MASTER] = {
		[VRRP_EV_SHUTDOWN] = to_init,
		[VRRP_EV_ADVER_TIMER] = master_adver_timer,
		[VRRP_EV_ADVERT] = master_advert,
		[VRRP_EV_FAULT] = to_fault,
		[VRRP_EV_PRIORITY] = master_priority,
		[VRRP_EV_SYNC_BACKUP] = master_sync_backup,
	},
	[VRRP_FAULT] = {
		[VRRP_EV_STARTUP] = on_startup,
		[VRRP_EV_SHUTDOWN] = to_init,
	},
};

void vrrp_fsm_step(struct vrrp_fsm *m, enum vrrp_event ev, const struct vrrp_fsm_input *in,
		   uint64_t now_ms, struct vrrp_fsm_output *out)
{
	vrrp_handler h = fsm_table[m->state][ev];

	memset(out, 0, sizeof(*out));
	out->from = m->state;
	if (h && (ev != VRRP_EV_ADVERT || in))
		h(m, in, now_ms, out);
	out->to = m->state;
}

/*
 * test_vrrp_fsm.c - the VRRP state machine, cell by cell of RFC 5798
 * section 6.4: the timers it arms (with the RFC's own arithmetic), the
 * actions in order, the tie-break on equal priority, priority 0, preempt
 * and preempt_delay, faults, and the split-brain reassertion.
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vrrp.h"

static struct vrrp_fsm machine(uint8_t priority, bool preempt)
{
	struct vrrp_fsm m = {
		.state = VRRP_INIT, .version = 3, .priority = priority, .preempt = preempt,
		.adver_interval_cs = 100,
	};

	inet_pton(AF_INET, "10.0.0.11", &m.primary);
	return m;
}

static struct vrrp_fsm_input advert(uint8_t priority, const char *src, uint16_t interval_cs)
{
	struct vrrp_fsm_input in = { .priority = priority, .interval_cs = interval_cs };

	inet_pton(AF_INET, src, &in.src);
	return in;
}

/* The actions as one string: "cancel add advert garp arm-adver". */
static const char *actions(const struct vrrp_fsm_output *o)
{
	static const char *const names[VRRP_ACT_COUNT_] = {
		[VRRP_ACT_SEND_ADVERT] = "advert", [VRRP_ACT_ARM_ADVER] = "arm-adver",
		[VRRP_ACT_ARM_MASTER_DOWN] = "arm-down", [VRRP_ACT_CANCEL_TIMERS] = "cancel",
		[VRRP_ACT_ADD_VIPS] = "add", [VRRP_ACT_DEL_VIPS] = "del",
		[VRRP_ACT_SEND_GARP] = "garp",
	};
	static char buf[128];

	buf[0] = '\0';
	for (size_t i = 0; i < o->n_actions; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "",
			 names[o->actions[i]]);
	return buf;
}

static void step(struct vrrp_fsm *m, enum vrrp_event ev, const struct vrrp_fsm_input *in,
		 uint64_t now, struct vrrp_fsm_output *o)
{
	vrrp_fsm_step(m, ev, in, now, o);
	assert_int_equal(o->from == o->to || o->why[0] != '\0', 1);	/* a transition says why */
}

static void test_rfc_arithmetic(void **state)
{
	(void)state;
	/* Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256, in us */
	assert_int_equal(vrrp_skew_time_us(3, 100, 100), 609375);
	assert_int_equal(vrrp_skew_time_us(3, 255, 100), 3906);
	assert_int_equal(vrrp_skew_time_us(3, 1, 100), 996093);
	/* 10 ms adverts: the skew still orders the backups by priority */
	assert_int_equal(vrrp_skew_time_us(3, 200, 1), 2187);
	assert_int_equal(vrrp_skew_time_us(3, 100, 1), 6093);
	assert_true(vrrp_master_down_us(3, 200, 1) < vrrp_master_down_us(3, 100, 1));
	/* Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time */
	assert_int_equal(vrrp_master_down_us(3, 100, 100), 3609375);
	assert_int_equal(vrrp_master_down_us(3, 150, 10), 341406);
	/* v2: in seconds, whatever the advertisement interval */
	assert_int_equal(vrrp_skew_time_us(2, 100, 300), 609375);
	assert_int_equal(vrrp_master_down_us(2, 100, 100), 3609375);
}

static void test_startup(void **state)
{
	struct vrrp_fsm m = machine(100, true), owner = machine(255, true);
	struct vrrp_fsm_output o;

	(void)state;
	step(&m, VRRP_EV_STARTUP, NULL, 1000, &o);
	assert_int_equal(m.state, VRRP_BACKUP);
	assert_string_equal(actions(&o), "arm-down");
	assert_int_equal(o.master_down_us, 3609375);
	assert_int_equal(m.master_adver_interval_cs, 100);
	step(&owner, VRRP_EV_STARTUP, NULL, 1000, &o);
	assert_int_equal(owner.state, VRRP_MASTER);
	assert_string_equal(actions(&o), "cancel add advert garp arm-adver");
	assert_int_equal(o.advert_priority, 255);
	assert_int_equal(owner.master.s_addr, owner.primary.s_addr);
}

static void test_backup_learns_the_master(void **state)
{
	struct vrrp_fsm m = machine(100, true);
	struct vrrp_fsm_input in = advert(200, "10.0.0.12", 50);
	struct vrrp_fsm_output o;

	(void)state;
	step(&m, VRRP_EV_STARTUP, NULL, 0, &o);
	step(&m, VRRP_EV_ADVERT, &in, 100, &o);
	assert_int_equal(m.state, VRRP_BACKUP);
	assert_string_equal(actions(&o), "arm-down");
	assert_int_equal(m.master_adver_interval_cs, 50);	/* v3 learns it */
	assert_int_equal(o.master_down_us, 3 * 500000 + 156 * 500000 / 256);
	assert_int_equal(m.master.s_addr, in.src.s_addr);
	/* Silence for the master-down interval: we are master. */
	step(&m, VRRP_EV_MASTER_DOWN, NULL, 2000, &o);
	assert_int_equal(m.state, VRRP_MASTER);
	assert_string_equal(actions(&o), "cancel add advert garp arm-adver");
}

static void test_master_leaving_means_skew_time(void **state)
{
	struct vrrp_fsm m = machine(100, true);
	struct vrrp_fsm_input up = advert(200, "10.0.0.12", 100), leaving = advert(0, "10.0.0.12", 100);
	struct vrrp_fsm_output o;

	(void)state;
	step(&m, VRRP_EV_STARTUP, NULL, 0, &o);
	step(&m, VRRP_EV_ADVERT, &up, 10, &o);
	step(&m, VRRP_EV_ADVERT, &leaving, 20, &o);
	assert_int_equal(m.state, VRRP_BACKUP);
	assert_string_equal(actions(&o), "arm-down");
	assert_int_equal(o.master_down_us, 609375);	/* Skew_Time only */
}

static void test_preempt_and_its_delay(void **state)
{
	struct vrrp_fsm pre = machine(150, true), nopre = machine(150, false), delayed = machine(150, true);
	struct vrrp_fsm_input lower = advert(100, "10.0.0.12", 100);
	struct vrrp_fsm_output o;

	(void)state;
	step(&pre, VRRP_EV_STARTUP, NULL, 0, &o);
	step(&pre, VRRP_EV_ADVERT, &lower, 10, &o);
	assert_string_equal(actions(&o), "");		/* ignored: our timer runs out */
	step(&nopre, VRRP_EV_STARTUP, NULL, 0, &o);
	step(&nopre, VRRP_EV_ADVERT, &lower, 10, &o);
	assert_string_equal(actions(&o), "arm-down");	/* accepted as master */
	delayed.preempt_delay_ms = 5000;
	step(&delayed, VRRP_EV_STARTUP, NULL, 1000, &o);
	step(&delayed, VRRP_EV_ADVERT, &lower, 5999, &o);
	assert_string_equal(actions(&o), "arm-down");	/* still within the delay */
	step(&delayed, VRRP_EV_ADVERT, &lower, 6000, &o);
	assert_string_equal(actions(&o), "");		/* now it preempts */
}

static void test_master_yields_to_higher_and_to_higher_ip(void **state)
{
	struct vrrp_fsm m = machine(100, true);
	struct vrrp_fsm_input higher = advert(101, "10.0.0.2", 100);
	struct vrrp_fsm_input tie_high = advert(100, "10.0.0.99", 100);
	struct vrrp_fsm_input tie_low = advert(100, "10.0.0.2", 100);
	struct vrrp_fsm_output o;

	(void)state;
	step(&m, VRRP_EV_STARTUP, NULL, 0, &o);
	step(&m, VRRP_EV_MASTER_DOWN, NULL, 3600, &o);
	step(&m, VRRP_EV_ADVERT, &higher, 4000, &o);
	assert_int_equal(m.state, VRRP_BACKUP);
	/* A last advert at its own priority makes the winner re-announce the VIPs. */
	assert_string_equal(actions(&o), "cancel advert del arm-down");
	assert_int_equal(o.advert_priority, 100);
	step(&m, VRRP_EV_MASTER_DOWN, NULL, 8000, &o);
	/* Equal priority: the higher primary address wins. */
	step(&m, VRRP_EV_ADVERT, &tie_low, 8100, &o);
	assert_int_equal(m.state, VRRP_MASTER);
	assert_string_equal(actions(&o), "advert arm-adver garp");
	step(&m, VRRP_EV_ADVERT, &tie_high, 8200, &o);
	assert_int_equal(m.state, VRRP_BACKUP);
}

static void test_master_reasserts_against_lower_and_answers_priority_0(void **state)
{
	struct vrrp_fsm m = machine(200, true);
	struct vrrp_fsm_input lower = advert(100, "10.0.0.12", 100), leaving = advert(0, "10.0.0.12", 100);
	struct vrrp_fsm_output o;

	(void)state;
	step(&m, VRRP_EV_STARTUP, NULL, 0, &o);
	step(&m, VRRP_EV_MASTER_DOWN, NULL, 3600, &o);
	step(&m, VRRP_EV_ADVERT, &lower, 3700, &o);
	assert_int_equal(m.state, VRRP_MASTER);
	assert_string_equal(actions(&o), "advert arm-adver garp");
	assert_non_null(strstr(o.why, "reasserting"));
	step(&m, VRRP_EV_ADVERT, &leaving, 3800, &o);
	assert_string_equal(actions(&o), "advert arm-adver");
	step(&m, VRRP_EV_ADVER_TIMER, NULL, 4700, &o);
	assert_string_equal(actions(&o), "advert arm-adver");
	assert_int_equal(o.advert_priority, 200);
}

static void test_stop_and_fault(void **state)
{
	struct vrrp_fsm m = machine(100, true), b = machine(100, true);
	struct vrrp_fsm_output o;

	(void)state;
	step(&m, VRRP_EV_STARTUP, NULL, 0, &o);
	step(&m, VRRP_EV_MASTER_DOWN, NULL, 3600, &o);
	step(&m, VRRP_EV_SHUTDOWN, NULL, 5000, &o);
	assert_int_equal(m.state, VRRP_INIT);
	assert_string_equal(actions(&o), "cancel advert del");
	assert_int_equal(o.advert_priority, 0);		/* the backup takes over after skew */
	step(&m, VRRP_EV_STARTUP, NULL, 6000, &o);
	step(&m, VRRP_EV_MASTER_DOWN, NULL, 9600, &o);
	step(&m, VRRP_EV_FAULT, NULL, 9700, &o);
	assert_int_equal(m.state, VRRP_FAULT);
	assert_string_equal(actions(&o), "cancel advert del");
	step(&m, VRRP_EV_MASTER_DOWN, NULL, 9800, &o);	/* a stale timer: ignored */
	assert_int_equal(m.state, VRRP_FAULT);
	step(&m, VRRP_EV_STARTUP, NULL, 9900, &o);	/* the fault cleared */
	assert_int_equal(m.state, VRRP_BACKUP);
	step(&b, VRRP_EV_STARTUP, NULL, 0, &o);
	step(&b, VRRP_EV_FAULT, NULL, 10, &o);
	assert_int_equal(b.state, VRRP_FAULT);
	assert_string_equal(actions(&o), "cancel");
}

/* A sync group that went BACKUP takes a master down with it; a backup stays. */
static void test_sync_group_backup(void **state)
{
	struct vrrp_fsm m = machine(200, true), b = machine(100, true);
	struct vrrp_fsm_output o;

	(void)state;
	step(&m, VRRP_EV_STARTUP, NULL, 0, &o);
	step(&m, VRRP_EV_MASTER_DOWN, NULL, 3600, &o);
	step(&m, VRRP_EV_SYNC_BACKUP, NULL, 4000, &o);
	assert_int_equal(m.state, VRRP_BACKUP);
	assert_string_equal(actions(&o), "cancel del arm-down");
	assert_int_equal(m.master.s_addr, 0);
	step(&b, VRRP_EV_STARTUP, NULL, 0, &o);
	step(&b, VRRP_EV_SYNC_BACKUP, NULL, 10, &o);
	assert_int_equal(b.state, VRRP_BACKUP);
	assert_int_equal(o.n_actions, 0);
	/* ... and one that went MASTER takes the backups along. */
	step(&b, VRRP_EV_SYNC_MASTER, NULL, 20, &o);
	assert_int_equal(b.state, VRRP_MASTER);
	assert_string_equal(actions(&o), "cancel add advert garp arm-adver");
	assert_string_equal(o.why, "its sync group went MASTER");
}

/* Events a state has no cell for change nothing and ask for nothing. */
static void test_ignored_events(void **state)
{
	struct vrrp_fsm m = machine(100, true);
	struct vrrp_fsm_output o;

	(void)state;
	for (int ev = 0; ev < VRRP_EV_COUNT_; ev++) {
		struct vrrp_fsm x = m;

		if (ev == VRRP_EV_STARTUP || ev == VRRP_EV_FAULT)
			continue;
		step(&x, (enum vrrp_event)ev, NULL, 0, &o);
		assert_int_equal(x.state, VRRP_INIT);
		assert_int_equal(o.n_actions, 0);
	}
	step(&m, VRRP_EV_STARTUP, NULL, 0, &o);
	step(&m, VRRP_EV_ADVER_TIMER, NULL, 10, &o);	/* a backup sends nothing */
	assert_int_equal(o.n_actions, 0);
	step(&m, VRRP_EV_ADVERT, NULL, 20, &o);		/* no packet: nothing */
	assert_int_equal(o.n_actions, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_arithmetic),
		cmocka_unit_test(test_startup),
		cmocka_unit_test(test_backup_learns_the_master),
		cmocka_unit_test(test_master_leaving_means_skew_time),
		cmocka_unit_test(test_preempt_and_its_delay),
		cmocka_unit_test(test_master_yields_to_higher_and_to_higher_ip),
		cmocka_unit_test(test_master_reasserts_against_lower_and_answers_priority_0),
		cmocka_unit_test(test_stop_and_fault),
		cmocka_unit_test(test_sync_group_backup),
		cmocka_unit_test(test_ignored_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

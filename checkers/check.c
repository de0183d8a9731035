/*
 * check.c - the checker: when to probe a real server, and what the
 * results mean.
 *
 * Each checker probes on a fixed schedule (every `interval` from the
 * first probe, which falls at a random point of the first interval so
 * that thousands of checkers configured at once do not fire at once),
 * one probe at a time, each under one deadline that covers connect,
 * send and the whole reply: a server that answers slowly, or drips its
 * answer, fails like one that does not answer. `rise` passes in a row
 * bring a down server up, `fall` failures in a row take an up one down;
 * a new checker starts up unless `alpha` says it must earn it. Every
 * transition is logged with the result that caused it and reported to
 * the owner, which decides what it means for the table.
 */
#include "config.h"

#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "check.h"

struct checker {
	const struct check_env *env;
	const struct cfg_check *conf;
	struct lvs_addr real_server;
	char *label;
	struct check_probe probe;
	bool running;			/* a probe is in flight */
	bool overdue;			/* a tick came while it was: probe when it ends */
	bool armed;			/* the first probe's time is set */
	uint64_t first_us;		/* its random delay within the first interval */
	/*
	 * first: the random first delay (libevent's heap, once); tick: every
	 * interval after it, persistent, so libevent itself keeps the fixed
	 * rate, on libevent's common timeout for the interval (one queue,
	 * in order, instead of 10,000 entries in the heap); deadline: each
	 * probe's timeout, in the heap, which then holds only the probes in
	 * flight. (Not a common timeout: when the timeout equals the
	 * interval libevent would put both in one queue, and each tick,
	 * inserted in order, would walk past every deadline added after
	 * it.) kick: an overdue probe.
	 */
	struct event first, tick, deadline, kick;
	const struct timeval *tick_tv;
	struct timeval tick_plain;	/* tick_tv if the base has no common timeout left */
	struct timeval deadline_tv;
	uint64_t due_us;		/* when the next tick is due */
	uint64_t started_us;		/* when the probe in flight started */
	uint64_t probes, late_max_us;
	bool up;
	uint32_t passes, failures;	/* in a row */
	/* The last result, formatted only when asked (10,000 probes a second are not). */
	bool last_set, last_up, last_fresh;
	uint64_t last_us;
	char last_detail[CHECK_DETAIL_MAX];
	char last[CHECK_DETAIL_MAX + 48];
	char reason[CHECK_DETAIL_MAX];
	void (*on_change)(void *arg, struct checker *c);
	void *arg;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static struct timeval tv_of_us(uint64_t us)
{
	struct timeval tv = { (time_t)(us / 1000000u), (suseconds_t)(us % 1000000u) };

	return tv;
}

/*
 * The loop's cached time on the monotonic clock: what libevent adds a
 * timeout to when one is added from a callback. Every checker that fires
 * in one turn of the loop is re-armed from that same instant, so their
 * next ticks fall due together and are served in one wake-up.
 */
static uint64_t loop_now_us(const struct checker *c)
{
	struct timeval cached, wall;
	uint64_t now = mono_us(), behind;

	if (event_base_gettimeofday_cached(c->env->base, &cached) < 0 ||
	    gettimeofday(&wall, NULL) < 0)
		return now;
	behind = (uint64_t)(wall.tv_sec - cached.tv_sec) * 1000000u +
		 (uint64_t)(wall.tv_usec - cached.tv_usec);
	return behind < now && behind < 1000000u ? now - behind : now;
}

/*
 * A checker's first delay: a random point of the first interval, on a
 * grid of slots. 10,000 checkers at 1 s fire in 200 slots of 5 ms, ~50
 * probes per wake-up of the loop, instead of one wake-up per
 * millisecond. Fewer checkers get wider slots, of about
 * CHECK_SLOT_PROBES each: 100 checkers at 1 s wake the loop 6 times a
 * second, not 100; under 2 * CHECK_SLOT_PROBES all fire together. In the
 * test VM a wake-up cost about what a probe did: 100 http checks took
 * 45% less CPU in slots of 16 than in slots of one or two. A slot's
 * probes start one after the other, so the last waits for the others;
 * that is why the tcp transport connects every probe of a slot before
 * it sends any request (check_tcp.c): on one emulated CPU shared with
 * the servers, each request sent right after its connect let the server
 * run before the next probe started, and slots of 32 made some http
 * probes start 100-130 ms late, slots of 16 at most 76-88 ms.
 */
uint64_t check_first_delay_us(uint64_t random, uint64_t interval_us, size_t peers)
{
	uint64_t slot = CHECK_SLOT_US, slots;

	if (interval_us / CHECK_SLOT_US < 2)
		return interval_us ? random % interval_us : 0;
	if (peers && interval_us / peers * CHECK_SLOT_PROBES > slot)
		slot = interval_us / peers * CHECK_SLOT_PROBES;
	slots = interval_us / slot;
	return slots > 1 ? random % slots * slot : 0;	/* one group: at once */
}

void check_plan(const struct cfg_check *conf, const struct check_transport **transport,
		const struct check_proto **proto)
{
	*proto = NULL;
	switch (conf->type) {
	case CHECK_HTTP:
		*transport = &check_tcp_transport;
		*proto = &check_http_proto;
		break;
	case CHECK_HTTPS:
		*transport = &check_tls_transport;
		*proto = &check_http_proto;
		break;
	case CHECK_EXPECT:
		*transport = conf->transport == CFG_TRANSPORT_UDP ? &check_udp_transport
			   : conf->transport == CFG_TRANSPORT_TLS ? &check_tls_transport
			   : &check_tcp_transport;
		*proto = &check_expect_proto;
		break;
	case CHECK_SMTP:
		*transport = &check_tcp_transport;
		*proto = &check_smtp_proto;
		break;
	case CHECK_DNS:
		*transport = &check_udp_transport;
		*proto = &check_dns_proto;
		break;
	case CHECK_SCRIPT:
		*transport = &check_script_transport;
		break;
	case CHECK_TCP:
	case CHECK_NONE:
	default:
		*transport = &check_tcp_transport;
		break;
	}
}

struct lvs_addr check_target(const struct cfg_check *conf, const struct lvs_addr *real_server)
{
	struct lvs_addr t = *real_server;

	if (conf->address.af) {
		t.af = conf->address.af;
		t.ip = conf->address.ip;
	}
	if (conf->port)
		t.port = conf->port;
	return t;
}

/* ---- one probe ------------------------------------------------------------- */

static void note_transition(struct checker *c, bool up, const char *detail)
{
	c->up = up;
	snprintf(c->reason, sizeof(c->reason), "%s", detail);
	if (up)
		log_notice(c->env->log, "check %s: up: %s (%u passed in a row)", c->label,
			   detail, c->passes);
	else
		log_warning(c->env->log, "check %s: down: %s (%u failed in a row)", c->label,
			    detail, c->failures);
}

static void note_last(struct checker *c, bool up, const char *detail)
{
	size_t n = strnlen(detail, sizeof(c->last_detail) - 1);

	memcpy(c->last_detail, detail, n);
	c->last_detail[n] = '\0';
	c->last_set = true;
	c->last_up = up;
	c->last_us = mono_us() - c->started_us;
	c->last_fresh = false;
}

/* A probe's end, whoever ended it: count it, maybe change state. */
static void probe_finish(struct checker *c, bool up, const char *detail)
{
	bool changed = false;

	c->running = false;
	event_del(&c->deadline);
	note_last(c, up, detail);
	if (up) {
		c->failures = 0;
		if (c->passes < UINT32_MAX)
			c->passes++;
		changed = !c->up && c->passes >= c->conf->rise;
	} else {
		c->passes = 0;
		if (c->failures < UINT32_MAX)
			c->failures++;
		changed = c->up && c->failures >= c->conf->fall;
	}
	if (c->env->log->level >= LOG_LVL_DEBUG)
		log_debug(c->env->log, "check %s: %s", c->label, checker_last(c));
	if (changed)
		note_transition(c, up, detail);
	/* The tick that came while this probe ran: its probe starts now, from the loop. */
	if (c->overdue)
		event_active(&c->kick, EV_TIMEOUT, 0);
	if (changed && c->on_change)
		c->on_change(c->arg, c);
}

void check_probe_end(struct check_probe *p, bool up, const char *detail)
{
	probe_finish(p->owner, up, detail);
}

void check_probe_done(struct check_probe *p, bool up, const char *fmt, ...)
{
	char detail[CHECK_DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	probe_finish(p->owner, up, detail);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct checker *c = arg;
	char detail[CHECK_DETAIL_MAX];

	(void)fd;
	(void)what;
	if (!c->running)
		return;
	snprintf(detail, sizeof(detail), "timeout after %.1fs %s",
		 (double)c->conf->timeout / 1000.0, c->probe.phase ? c->probe.phase : "");
	c->probe.transport->cancel(&c->probe);
	c->probe.run = NULL;
	probe_finish(c, false, detail);
}

/* Start a probe now: late_us is how far behind its schedule. */
static void probe_start(struct checker *c, uint64_t now, uint64_t late_us)
{
	struct check_probe *p = &c->probe;
	char why[CHECK_DETAIL_MAX];

	if (late_us > c->late_max_us)
		c->late_max_us = late_us;
	c->probes++;
	c->started_us = now;
	c->running = true;
	c->overdue = false;
	p->conf = c->conf;
	p->step = 0;
	p->run = NULL;
	p->phase = "connecting";
	event_add(&c->deadline, &c->deadline_tv);
	why[0] = '\0';
	if (p->transport->start(p, why, sizeof(why)) < 0)
		probe_finish(c, false, why[0] ? why : "cannot start the probe");
}

/*
 * (Re)start the ticks one interval from now. libevent times them from its
 * cached clock, which may be behind by the loop's work so far: it is
 * brought to now first, so that due_us and libevent agree.
 */
static void tick_anchor(struct checker *c, uint64_t *now)
{
	event_base_update_cache_time(c->env->base);
	*now = mono_us();
	c->due_us = *now + (uint64_t)c->conf->interval * 1000u;
	event_add(&c->tick, c->tick_tv);
}

/* The same from the loop's cached time, shared by a slot's checkers (loop_now_us). */
static void tick_anchor_slot(struct checker *c)
{
	c->due_us = loop_now_us(c) + (uint64_t)c->conf->interval * 1000u;
	event_add(&c->tick, c->tick_tv);
}

/*
 * Armed from the loop's first turn after the checker was made, then the
 * first probe, at its random point of the first interval. The schedule
 * starts when the loop runs, not when the checker is made: what the
 * daemon does in between (programming 10,000 real servers at startup)
 * would make the first probes late.
 */
static void on_first(evutil_socket_t fd, short what, void *arg)
{
	struct checker *c = arg;
	uint64_t now, late;

	(void)fd;
	(void)what;
	if (!c->armed) {
		struct timeval tv = tv_of_us(c->first_us);

		/*
		 * From the loop's cached time, not a fresh one: the checkers
		 * armed in this turn then share their slots' deadlines.
		 */
		c->armed = true;
		c->due_us = loop_now_us(c) + c->first_us;
		event_add(&c->first, &tv);
		return;
	}
	now = mono_us();
	late = now > c->due_us ? now - c->due_us : 0;
	tick_anchor_slot(c);
	probe_start(c, now, late);
}

/* Every interval after the first: libevent re-adds the tick a fixed interval on. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct checker *c = arg;
	uint64_t now = mono_us(), due = c->due_us, interval = (uint64_t)c->conf->interval * 1000u;
	uint64_t late = now > due ? now - due : 0;

	(void)fd;
	(void)what;
	c->due_us += interval;
	/* More than an interval behind (the loop stalled): libevent has given up
	 * the old schedule, and so do we. */
	if (late > interval)
		tick_anchor(c, &now);
	if (c->running) {
		c->overdue = true;	/* the probe in flight overran the interval */
		return;
	}
	probe_start(c, now, late);
}

/* An overdue probe: behind because its predecessor ran long, not because the loop did. */
static void on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct checker *c = arg;

	(void)fd;
	(void)what;
	if (c->overdue && !c->running)
		probe_start(c, mono_us(), 0);
}

/* ---- the checker's life ---------------------------------------------------------- */

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static int checker_prepare(struct checker *c, char *err, size_t errlen)
{
	struct check_probe *p = &c->probe;

	check_plan(c->conf, &p->transport, &p->proto);
	if (p->transport->prepare &&
	    p->transport->prepare(c->conf, &p->transport_state, err, errlen) < 0)
		return -1;
	if (p->proto && p->proto->prepare &&
	    p->proto->prepare(c->conf, &p->target, &p->proto_state, err, errlen) < 0)
		return -1;
	return 0;
}

/* The interval's common timeout (a plain one if the base has no room left), the timeout. */
static void checker_timeouts(struct checker *c)
{
	struct event_base *base = c->env->base;

	c->tick_plain = tv_of_us((uint64_t)c->conf->interval * 1000u);
	c->deadline_tv = tv_of_us((uint64_t)c->conf->timeout * 1000u);
	c->tick_tv = event_base_init_common_timeout(base, &c->tick_plain);
	if (!c->tick_tv)
		c->tick_tv = &c->tick_plain;
}

struct checker *checker_new(const struct checker_args *a, char *err, size_t errlen)
{
	struct checker *c = calloc(1, sizeof(*c));
	uint64_t interval_us = (uint64_t)a->conf->interval * 1000u;

	if (!c || !(c->label = strdup(a->label ? a->label : "?"))) {
		free(c);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->env = a->env;
	c->conf = a->conf;
	c->real_server = a->real_server;
	c->on_change = a->on_change;
	c->arg = a->arg;
	c->up = a->start == CHECKER_START_ALPHA ? !a->conf->alpha : a->start == CHECKER_START_UP;
	c->probe.env = a->env;
	c->probe.conf = a->conf;
	c->probe.owner = c;
	c->probe.real_server = a->real_server;
	c->probe.target = check_target(a->conf, &a->real_server);
	event_assign(&c->first, a->env->base, -1, 0, on_first, c);
	event_assign(&c->tick, a->env->base, -1, EV_PERSIST, on_tick, c);
	event_assign(&c->deadline, a->env->base, -1, 0, on_deadline, c);
	event_assign(&c->kick, a->env->base, -1, 0, on_kick, c);
	if (checker_prepare(c, err, errlen) < 0) {
		checker_free(c);
		return NULL;
	}
	checker_timeouts(c);
	c->first_us = check_first_delay_us(splitmix64(a->seed), interval_us, a->peers);
	event_active(&c->first, EV_TIMEOUT, 0);		/* armed from the loop */
	return c;
}

void checker_free(struct checker *c)
{
	struct check_probe *p;

	if (!c)
		return;
	p = &c->probe;
	if (c->running && p->transport)
		p->transport->cancel(p);
	event_del(&c->first);
	event_del(&c->tick);
	event_del(&c->deadline);
	event_del(&c->kick);
	if (p->proto && p->proto->release && p->proto_state)
		p->proto->release(p->proto_state);
	if (p->transport && p->transport->release && p->transport_state)
		p->transport->release(p->transport_state);
	free(c->label);
	free(c);
}

bool checker_is_up(const struct checker *c)
{
	return c->up;
}

const char *checker_last(struct checker *c)
{
	if (c->last_set && !c->last_fresh) {
		if (c->last_up)
			snprintf(c->last, sizeof(c->last), "ok: %s in %.1fms", c->last_detail,
				 (double)c->last_us / 1000.0);
		else
			snprintf(c->last, sizeof(c->last), "fail: %s", c->last_detail);
		c->last_fresh = true;
	}
	return c->last;
}

const char *checker_reason(const struct checker *c)
{
	return c->reason;
}

uint64_t checker_probes(const struct checker *c)
{
	return c->probes;
}

uint64_t checker_late_max_ms(const struct checker *c)
{
	return c->late_max_us / 1000u;
}

void checker_rebind(struct checker *c, const struct cfg_check *conf)
{
	c->conf = conf;
	c->probe.conf = conf;
}

/*
 * sched_test_util.c - helpers of the scheduler tests (see the header).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sched_test_util.h"

struct lvs_addr t_addr(const char *text)
{
	struct lvs_addr a;
	char err[128];

	if (addr_parse(text, ADDR_PORT_OPTIONAL, &a, err, sizeof(err)) != 0)
		fail_msg("bad address %s: %s", text, err);
	return a;
}

void t_init(struct tsvc *t, enum cfg_sched which, uint32_t flags,
	    const uint32_t *weights, size_t n)
{
	char text[32];

	assert_true(n <= T_MAX_DESTS);
	memset(t, 0, sizeof(*t));
	t->s = sched_new(which, flags, 42);
	assert_non_null(t->s);
	t->n = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "10.0.0.%zu:80", i + 1);
		t->d[i].addr = t_addr(text);
		t->d[i].weight = weights[i];
	}
}

void t_add_all(struct tsvc *t)
{
	for (size_t i = t->n; i-- > 0;)
		assert_int_equal(sched_add_dest(t->s, &t->d[i]), 0);
	for (size_t i = 0; i < t->n; i++)
		assert_ptr_equal(t->s->dests[i], &t->d[i]);
}

void t_setup(struct tsvc *t, enum cfg_sched which, uint32_t flags,
	     const uint32_t *weights, size_t n)
{
	t_init(t, which, flags, weights, n);
	t_add_all(t);
}

void t_free(struct tsvc *t)
{
	sched_free(t->s);
	t->s = NULL;
}

char t_letter(const struct tsvc *t, const struct sched_dest *d)
{
	if (d == NULL)
		return '-';
	assert_true(d >= t->d && d < t->d + t->n);
	return (char)('A' + (d - t->d));
}

const char *t_list(const struct tsvc *t, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < t->s->n_dests && i + 1 < len; i++)
		buf[i] = t_letter(t, t->s->dests[i]);
	buf[i] = '\0';
	return buf;
}

struct sched_dest *t_pick_at(struct tsvc *t, const char *client,
			     const char *vaddr, uint64_t now)
{
	struct lvs_addr c = t_addr(client), v = t_addr(vaddr);
	struct sched_request r = { .client = &c, .vaddr = &v, .now_ms = now };

	return sched_pick(t->s, &r);
}

struct sched_dest *t_pick(struct tsvc *t)
{
	return t_pick_at(t, "192.0.2.1:1234", "10.0.0.100:80", 1000);
}

struct sched_dest *t_d(struct tsvc *t, char letter)
{
	size_t i = (size_t)(letter - 'A');

	assert_true(i < t->n);
	return &t->d[i];
}

const char *t_picks(struct tsvc *t, size_t count, bool bind, char *buf)
{
	for (size_t i = 0; i < count; i++) {
		struct sched_dest *d = t_pick(t);

		buf[i] = t_letter(t, d);
		if (bind && d != NULL) {
			d->activeconns++;
			sched_conn_changed(t->s, d);
		}
	}
	buf[count] = '\0';
	return buf;
}

void t_conns(struct tsvc *t, char letter, int dactive, int dinact)
{
	struct sched_dest *d = t_d(t, letter);

	d->activeconns = (uint32_t)((int64_t)d->activeconns + dactive);
	d->inactconns = (uint32_t)((int64_t)d->inactconns + dinact);
	sched_conn_changed(t->s, d);
}

void t_overload(struct tsvc *t, char letter, bool on)
{
	struct sched_dest *d = t_d(t, letter);

	d->overloaded = on;
	sched_conn_changed(t->s, d);
}

void t_weight(struct tsvc *t, char letter, uint32_t w)
{
	struct sched_dest *d = t_d(t, letter);

	d->weight = w;
	sched_dest_changed(t->s, d);
}

uint64_t t_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

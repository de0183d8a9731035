/*
 * sched_test_util.h - what the scheduler tests share: destinations named
 * A, B, C... in a fixed array, a list built in a chosen order, picks
 * written as strings of those letters ('-' for no destination), and the
 * traffic a connection causes.
 */
#ifndef LVSD_SCHED_TEST_UTIL_H
#define LVSD_SCHED_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched.h"

#define T_MAX_DESTS 64

/* A scheduler and its destinations; letters index `d`. */
struct tsvc {
	struct sched *s;
	struct sched_dest d[T_MAX_DESTS];
	size_t n;
};

/* d[i] = 10.0.0.(i+1):80 with the given weights, none in the list yet. */
void t_init(struct tsvc *t, enum cfg_sched which, uint32_t flags,
	    const uint32_t *weights, size_t n);
/* Add every destination so that the list reads A, B, C... (adds Z first). */
void t_add_all(struct tsvc *t);
/* Both at once. */
void t_setup(struct tsvc *t, enum cfg_sched which, uint32_t flags,
	     const uint32_t *weights, size_t n);
void t_free(struct tsvc *t);

/* The list as letters, head first. */
const char *t_list(const struct tsvc *t, char *buf, size_t len);

/* The letter of a pick: 'A' + index in t->d, or '-'. */
char t_letter(const struct tsvc *t, const struct sched_dest *d);

/* Pick for client/vaddr (text, "IP" or "IP:PORT") at now. */
struct sched_dest *t_pick_at(struct tsvc *t, const char *client,
			     const char *vaddr, uint64_t now);
struct sched_dest *t_pick(struct tsvc *t);

/* `count` picks as letters; with `bind`, each pick gains an active conn. */
const char *t_picks(struct tsvc *t, size_t count, bool bind, char *buf);

/* Traffic on d: add to the counts (may be negative) and report it. */
void t_conns(struct tsvc *t, char letter, int dactive, int dinact);
/* Set the overload flag by traffic. */
void t_overload(struct tsvc *t, char letter, bool on);
/* An edit of the weight. */
void t_weight(struct tsvc *t, char letter, uint32_t w);

struct sched_dest *t_d(struct tsvc *t, char letter);

/* A parsed address; aborts the test when the text is bad. */
struct lvs_addr t_addr(const char *text);

/* A small fixed-seed generator for the tests' own random choices. */
uint64_t t_rand(uint64_t *state);

#endif

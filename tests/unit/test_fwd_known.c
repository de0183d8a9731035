/*
 * test_fwd_known.c - the remembered table (fwd_known) alone, and
 * reconcile_known() over a fake kernel core that keeps it as the IPVS
 * core does: a reload of 100 services x 10 real servers that changes one
 * weight sends exactly one edit and reads nothing back; an edit made
 * behind lvsd's back is found by the next read-back; a real server that
 * a reload drops is quiesced at once but removed only by a pass that
 * read its connection counts back. A virtual service that a reload drops
 * drains the same way, as a whole: its real servers at weight 0 until its
 * connections end or its drain_timeout passes, the service then removed;
 * named again meanwhile, it serves again.
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cfg_test_util.h"
#include "fwd_known.h"
#include "reconcile.h"

/* The "kernel" (the truth a read-back gives) and what the core remembers of it. */
struct kfake {
	struct fwd_known kernel, known;
	char calls[8192];
	unsigned reads;			/* read-backs of the whole table */
	uint32_t conns[256];		/* a read-back's active conns, by the RIP's last octet */
};

static struct kfake *kf(struct fwd *f) { return f->priv; }

static void note(struct fwd *f, const char *what)
{
	if (strlen(kf(f)->calls) + strlen(what) + 2 < sizeof(kf(f)->calls)) {
		strcat(kf(f)->calls, what);
		strcat(kf(f)->calls, " ");
	}
}

static int k_svc_set(struct fwd *f, const struct fwd_service_conf *c, char *e, size_t l)
{
	(void)e;
	(void)l;
	note(f, fwd_known_service_conf(&kf(f)->kernel, &c->key) ? "svc~" : "svc+");
	fwd_known_service_set(&kf(f)->kernel, c);
	fwd_known_service_set(&kf(f)->known, c);
	return 0;
}

static int k_svc_del(struct fwd *f, const struct fwd_service_key *key, char *e, size_t l)
{
	(void)e;
	(void)l;
	note(f, "svc-");
	fwd_known_service_del(&kf(f)->kernel, key);
	fwd_known_service_del(&kf(f)->known, key);
	return 0;
}

/* An added or changed destination, in the kernel and in what the core remembers. */
static int dst_set(struct fwd *f, const char *what, const struct fwd_service_key *key,
		   const struct fwd_dest_conf *d)
{
	note(f, what);
	fwd_known_dest_set(&kf(f)->kernel, key, d);
	fwd_known_dest_set(&kf(f)->known, key, d);
	return 0;
}

static int k_dst_add(struct fwd *f, const struct fwd_service_key *key,
		     const struct fwd_dest_conf *d, char *e, size_t l)
{
	(void)e;
	(void)l;
	return dst_set(f, "dst+", key, d);
}

static int k_dst_edit(struct fwd *f, const struct fwd_service_key *key,
		      const struct fwd_dest_conf *d, char *e, size_t l)
{
	(void)e;
	(void)l;
	return dst_set(f, "dst~", key, d);
}

static int k_dst_del(struct fwd *f, const struct fwd_service_key *key,
		     const struct lvs_addr *a, char *e, size_t l)
{
	(void)e;
	(void)l;
	note(f, "dst-");
	fwd_known_dest_del(&kf(f)->kernel, key, a);
	fwd_known_dest_del(&kf(f)->known, key, a);
	return 0;
}

/* A read-back: the kernel's table, which the core then remembers. */
static int k_table(struct fwd *f, struct fwd_table *t, char *e, size_t l)
{
	(void)e;
	(void)l;
	kf(f)->reads++;
	assert_int_equal(fwd_known_copy(&kf(f)->kernel, t), 0);
	t->stale = false;
	for (size_t i = 0; i < t->n_services; i++)
		for (size_t j = 0; j < t->services[i].n_dests; j++)
			t->services[i].dests[j].activeconns =
				kf(f)->conns[ntohl(t->services[i].dests[j].conf.addr.ip.v4.s_addr) & 0xff];
	assert_int_equal(fwd_known_replace(&kf(f)->known, t), 0);
	return 0;
}

static int k_table_known(struct fwd *f, struct fwd_table *t, char *e, size_t l)
{
	if (!kf(f)->known.valid)
		return k_table(f, t, e, l);
	return fwd_known_copy(&kf(f)->known, t);
}

static const struct fwd_ops kfake_ops = {
	.name = "fake-kernel", .kernel = true, .service_add = k_svc_set,
	.service_edit = k_svc_set, .service_del = k_svc_del, .dest_add = k_dst_add,
	.dest_edit = k_dst_edit, .dest_del = k_dst_del, .table = k_table,
	.table_known = k_table_known,
};

static int setup(void **state)
{
	struct fwd *f = calloc(1, sizeof(*f));
	struct logger *lg = calloc(1, sizeof(*lg));
	struct kfake *k = calloc(1, sizeof(*k));

	assert_int_equal(fwd_known_init(&k->kernel), 0);
	assert_int_equal(fwd_known_init(&k->known), 0);
	f->ops = &kfake_ops;
	f->priv = k;
	logger_init(lg, "test");
	lg->level = LOG_LVL_ERROR;
	state[0] = f;
	state[1] = lg;
	return 0;
}

static int teardown(void **state)
{
	struct fwd *f = state[0];

	fwd_known_free(&kf(f)->kernel);
	fwd_known_free(&kf(f)->known);
	free(f->priv);
	free(f);
	free(state[1]);
	return 0;
}

/* ns services of nr real servers; the first real server of the first has weight w. */
static char *big_yaml(unsigned ns, unsigned nr, unsigned w)
{
	size_t cap = 200 + (size_t)ns * (120 + nr * 60), len = 0;
	char *y = malloc(cap);

	len += (size_t)snprintf(y + len, cap - len, "virtual_services:\n");
	for (unsigned i = 0; i < ns; i++) {
		len += (size_t)snprintf(y + len, cap - len,
					"  - name: s%u\n    address: 10.1.%u.%u:80\n"
					"    real_servers:\n", i, i / 250, i % 250 + 1);
		for (unsigned j = 0; j < nr; j++)
			len += (size_t)snprintf(y + len, cap - len,
						"      - {address: 10.2.%u.%u:%u, weight: %u}\n",
						i / 250, i % 250 + 1, 8000 + j, i || j ? 1 : w);
	}
	return y;
}

/* One pass (known: reconcile_known, else reconcile); the calls it made. */
static const char *pass(struct fwd *f, struct logger *lg, const struct cfg *c,
			const struct cfg *prev, const struct reconcile_view *v, bool known)
{
	struct reconcile_result r = { 0 };

	kf(f)->calls[0] = '\0';
	assert_int_equal((known ? reconcile_known : reconcile)(f, c, prev, v, lg, &r), 0);
	return kf(f)->calls;
}

static void test_one_weight_one_edit_no_read_back(void **state)
{
	struct fwd *f = state[0];
	char *y1 = big_yaml(100, 10, 1), *y2 = big_yaml(100, 10, 2);
	struct cfg *c1 = load_ok(y1), *c2 = load_ok(y2);
	struct fwd_table t;

	/* Start: nothing known yet, so the table is read back once. */
	assert_int_equal(strlen(pass(f, state[1], c1, NULL, NULL, true)),
			 100 * strlen("svc+ ") + 1000 * strlen("dst+ "));
	assert_int_equal(kf(f)->reads, 1);
	/* The reload: one edit, nothing read back. */
	assert_string_equal(pass(f, state[1], c2, c1, NULL, true), "dst~ ");
	assert_int_equal(kf(f)->reads, 1);
	/* ... and the edit is in the kernel and remembered. */
	assert_int_equal(k_table(f, &t, NULL, 0), 0);
	assert_int_equal(t.n_services, 100);
	fwd_table_free(&t);
	assert_string_equal(pass(f, state[1], c2, NULL, NULL, true), "");
	assert_string_equal(pass(f, state[1], c2, NULL, NULL, false), "");
	cfg_free(c1);
	cfg_free(c2);
	free(y1);
	free(y2);
}

static void test_change_behind_lvsds_back_waits_for_read_back(void **state)
{
	struct fwd *f = state[0];
	char *y = big_yaml(3, 2, 1);
	struct cfg *c = load_ok(y);
	struct fwd_service_key key = reconcile_service_key(&c->services[1]);
	struct fwd_dest_conf d;

	pass(f, state[1], c, NULL, NULL, true);
	/* "ipvsadm -e" on the kernel alone */
	reconcile_dest_conf(&c->services[1], &c->services[1].real_servers[0], &d);
	d.weight = 9;
	fwd_known_dest_set(&kf(f)->kernel, &key, &d);
	assert_string_equal(pass(f, state[1], c, NULL, NULL, true), "");
	assert_string_equal(pass(f, state[1], c, NULL, NULL, false), "dst~ ");
	assert_string_equal(pass(f, state[1], c, NULL, NULL, true), "");
	cfg_free(c);
	free(y);
}

static void test_names_survive_a_read_back(void **state)
{
	struct fwd *f = state[0];
	char *y = big_yaml(2, 1, 1);
	struct cfg *c = load_ok(y);
	struct fwd_table t;

	pass(f, state[1], c, NULL, NULL, false);
	assert_int_equal(k_table(f, &t, NULL, 0), 0);
	assert_int_equal(t.n_services, 2);
	/* the names t shows are the remembered ones, alive after the replace */
	for (size_t i = 0; i < t.n_services; i++)
		assert_true(strcmp(t.services[i].conf.name, "s0") == 0 ||
			    strcmp(t.services[i].conf.name, "s1") == 0);
	fwd_table_free(&t);
	cfg_free(c);
	free(y);
}

static uint64_t fixed_clock(void *arg)
{
	return *(uint64_t *)arg;
}

static enum reconcile_rs_state all_in(void *arg, const struct cfg_service *s,
				      const struct cfg_real_server *rs)
{
	(void)arg;
	(void)s;
	(void)rs;
	return RECONCILE_RS_IN;
}

static bool no_sorry(void *arg, const struct cfg_service *s)
{
	(void)arg;
	(void)s;
	return false;
}

static void test_dropped_server_quiesced_at_once_removed_after_read_back(void **state)
{
	struct fwd *f = state[0];
	char *y2 = big_yaml(2, 2, 1), *y1 = big_yaml(2, 1, 1);
	struct cfg *c2 = load_ok(y2), *c1 = load_ok(y1);
	uint64_t now = 1000;
	struct drain d;
	struct reconcile_view v = { all_in, no_sorry, NULL, &d };

	drain_init(&d, fixed_clock, &now);
	pass(f, state[1], c2, NULL, &v, false);
	/* No connections as last read, but that read is old: weight 0 only. */
	assert_string_equal(pass(f, state[1], c1, c2, &v, true), "dst~ dst~ ");
	assert_int_equal(drain_count(&d), 2);
	assert_string_equal(pass(f, state[1], c1, NULL, &v, true), "");
	/* A read-back says they are empty: now they go. */
	assert_string_equal(pass(f, state[1], c1, NULL, &v, false), "dst- dst- ");
	assert_int_equal(drain_count(&d), 0);
	drain_free(&d);
	cfg_free(c1);
	cfg_free(c2);
	free(y1);
	free(y2);
}

/* Two services s0 and s1 (one real server each), one without s1; a drain set on a test clock. */
struct drop {
	char *y2, *y1;
	struct cfg *c2, *c1;
	uint64_t now;
	struct drain d;
	struct reconcile_view v;
};

/*
 * s1's real server (10.2.0.2) holds a connection and a reload drops s1:
 * it is drained (weight 0), not removed.
 */
static void drop_busy_service(struct fwd *f, struct logger *lg, struct drop *t)
{
	struct reconcile_result r = { 0 };

	t->y2 = big_yaml(2, 1, 1);
	t->y1 = big_yaml(1, 1, 1);
	t->c2 = load_ok(t->y2);
	t->c1 = load_ok(t->y1);
	t->now = 1000;
	drain_init(&t->d, fixed_clock, &t->now);
	t->v = (struct reconcile_view){ all_in, no_sorry, NULL, &t->d };
	pass(f, lg, t->c2, NULL, &t->v, false);
	kf(f)->conns[2] = 1;
	assert_string_equal(pass(f, lg, t->c2, NULL, &t->v, false), "");
	kf(f)->calls[0] = '\0';
	assert_int_equal(reconcile_known(f, t->c1, t->c2, &t->v, lg, &r), 0);
	assert_string_equal(kf(f)->calls, "dst~ ");
	assert_int_equal(r.services_draining, 1);
	assert_int_equal(r.services_removed, 0);
	assert_int_equal(drain_count(&t->d), 1);
}

static void drop_free(struct drop *t)
{
	drain_free(&t->d);
	cfg_free(t->c1);
	cfg_free(t->c2);
	free(t->y1);
	free(t->y2);
}

static void test_dropped_service_drains_until_empty(void **state)
{
	struct fwd *f = state[0];
	struct drop t;

	drop_busy_service(f, state[1], &t);
	/* Later passes (no prev): still lvsd's, still draining, left alone. */
	assert_string_equal(pass(f, state[1], t.c1, NULL, &t.v, true), "");
	assert_string_equal(pass(f, state[1], t.c1, NULL, &t.v, false), "");
	assert_int_equal(drain_count(&t.d), 1);
	/* Its connection ends: the next read-back removes it. */
	kf(f)->conns[2] = 0;
	assert_string_equal(pass(f, state[1], t.c1, NULL, &t.v, true), "");
	assert_string_equal(pass(f, state[1], t.c1, NULL, &t.v, false), "svc- ");
	assert_int_equal(drain_count(&t.d), 0);
	drop_free(&t);
}

static void test_dropped_service_timeout_and_comeback(void **state)
{
	struct fwd *f = state[0];
	struct drop t;

	drop_busy_service(f, state[1], &t);
	/* Named again: back at its weight, nothing removed, the drain forgotten. */
	assert_string_equal(pass(f, state[1], t.c2, t.c1, &t.v, true), "dst~ ");
	assert_int_equal(drain_count(&t.d), 0);
	/* Dropped again, and its connection outlives drain_timeout (300 s by default). */
	assert_string_equal(pass(f, state[1], t.c1, t.c2, &t.v, true), "dst~ ");
	t.now += 299999;
	assert_string_equal(pass(f, state[1], t.c1, NULL, &t.v, false), "");
	t.now += 1;
	assert_string_equal(pass(f, state[1], t.c1, NULL, &t.v, false), "svc- ");
	assert_int_equal(drain_count(&t.d), 0);
	drop_free(&t);
}

static void test_known_bookkeeping(void **state)
{
	struct fwd_known k;
	struct fwd_service_conf sc = { .name = "web", .scheduler = CFG_SCHED_RR };
	struct fwd_dest_conf d = { .weight = 1 };
	struct fwd_table t;

	(void)state;
	assert_int_equal(fwd_known_init(&k), 0);
	assert_false(k.valid);
	sc.key.protocol = CFG_PROTO_TCP;
	sc.key.addr.af = AF_INET;
	sc.key.addr.port = 80;
	inet_pton(AF_INET, "10.0.0.1", &sc.key.addr.ip.v4);
	fwd_known_service_set(&k, &sc);
	d.addr.af = AF_INET;
	for (unsigned p = 9; p >= 1; p--) {	/* out of order: kept sorted */
		d.addr.port = (uint16_t)p;
		fwd_known_dest_set(&k, &sc.key, &d);
	}
	d.addr.port = 5;
	d.weight = 7;
	fwd_known_dest_set(&k, &sc.key, &d);
	fwd_known_dest_del(&k, &sc.key, &(struct lvs_addr){ .af = AF_INET, .port = 1 });
	assert_int_equal(fwd_known_copy(&k, &t), 0);
	assert_true(t.stale);
	assert_int_equal(t.n_services, 1);
	assert_string_equal(t.services[0].conf.name, "web");
	assert_int_equal(t.services[0].n_dests, 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(t.services[0].dests[i].conf.addr.port, i + 2);
	assert_int_equal(t.services[0].dests[3].conf.weight, 7);
	fwd_table_free(&t);
	/* a destination of a service it does not know: it can no longer vouch */
	sc.key.addr.port = 81;
	fwd_known_dest_set(&k, &sc.key, &d);
	assert_false(k.valid);
	fwd_known_service_del(&k, &(struct fwd_service_key){ .protocol = CFG_PROTO_TCP,
							     .addr = { .af = AF_INET, .port = 80,
								       .ip.v4 = { htonl(0x0a000001) } } });
	assert_int_equal(fwd_known_copy(&k, &t), 0);
	assert_int_equal(t.n_services, 0);
	fwd_table_free(&t);
	fwd_known_free(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_bookkeeping),
		cmocka_unit_test_setup_teardown(test_one_weight_one_edit_no_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_behind_lvsds_back_waits_for_read_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_survive_a_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_server_quiesced_at_once_removed_after_read_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_service_drains_until_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_service_timeout_and_comeback, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

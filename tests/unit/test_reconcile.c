/*
 * test_reconcile.c - reconcile against a fake forwarding core that keeps
 * its table in memory and records every call: a reload applies exactly
 * the difference, a weight change is an edit (never delete and add), and
 * a refused operation is counted while the rest still goes in; a real
 * server the model drops is drained (weight 0) and removed once its
 * connections end or its drain_timeout passes, and comes back untouched
 * if the model names it again meanwhile.
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

#include "reconcile.h"

#define MAX_SVC 8
#define MAX_DEST 8

struct fake {
	struct fwd_service_info svc[MAX_SVC];
	struct fwd_dest_info dest[MAX_SVC][MAX_DEST];
	size_t n;
	char calls[2048];		/* "svc+ dst+ dst~ ..." in call order */
	const char *refuse;		/* a call name to refuse, e.g. "dst+" */
};

static struct fake *fake_of(struct fwd *f) { return f->priv; }

static int record(struct fwd *f, const char *what, char *err, size_t errlen)
{
	struct fake *k = fake_of(f);

	strcat(k->calls, what);
	strcat(k->calls, " ");
	if (k->refuse && strcmp(k->refuse, what) == 0) {
		snprintf(err, errlen, "refused by the test");
		return -1;
	}
	return 0;
}

static int find_svc(struct fake *k, const struct fwd_service_key *key)
{
	for (size_t i = 0; i < k->n; i++)
		if (fwd_service_key_equal(&k->svc[i].conf.key, key))
			return (int)i;
	return -1;
}

static int find_dest(struct fake *k, int s, const struct lvs_addr *a)
{
	for (size_t i = 0; i < k->svc[s].n_dests; i++)
		if (addr_equal(&k->dest[s][i].conf.addr, a))
			return (int)i;
	return -1;
}

static int f_svc_add(struct fwd *f, const struct fwd_service_conf *c, char *e, size_t l)
{
	struct fake *k = fake_of(f);

	if (record(f, "svc+", e, l) < 0)
		return -1;
	memset(&k->svc[k->n], 0, sizeof(k->svc[0]));
	k->svc[k->n].conf = *c;
	k->svc[k->n].dests = k->dest[k->n];
	k->n++;
	return 0;
}

static int f_svc_edit(struct fwd *f, const struct fwd_service_conf *c, char *e, size_t l)
{
	struct fake *k = fake_of(f);

	if (record(f, "svc~", e, l) < 0)
		return -1;
	k->svc[find_svc(k, &c->key)].conf = *c;
	return 0;
}

static int f_svc_del(struct fwd *f, const struct fwd_service_key *key, char *e, size_t l)
{
	struct fake *k = fake_of(f);
	int s = find_svc(k, key);

	if (record(f, "svc-", e, l) < 0)
		return -1;
	for (size_t i = (size_t)s; i + 1 < k->n; i++) {
		k->svc[i] = k->svc[i + 1];
		memcpy(k->dest[i], k->dest[i + 1], sizeof(k->dest[i]));
		k->svc[i].dests = k->dest[i];
	}
	k->n--;
	return 0;
}

static int f_dst_add(struct fwd *f, const struct fwd_service_key *key,
		     const struct fwd_dest_conf *d, char *e, size_t l)
{
	struct fake *k = fake_of(f);
	int s = find_svc(k, key);

	if (record(f, "dst+", e, l) < 0)
		return -1;
	memset(&k->dest[s][k->svc[s].n_dests], 0, sizeof(k->dest[0][0]));
	k->dest[s][k->svc[s].n_dests++].conf = *d;
	return 0;
}

static int f_dst_edit(struct fwd *f, const struct fwd_service_key *key,
		      const struct fwd_dest_conf *d, char *e, size_t l)
{
	struct fake *k = fake_of(f);
	int s = find_svc(k, key);

	if (record(f, "dst~", e, l) < 0)
		return -1;
	k->dest[s][find_dest(k, s, &d->addr)].conf = *d;
	return 0;
}

static int f_dst_del(struct fwd *f, const struct fwd_service_key *key,
		     const struct lvs_addr *a, char *e, size_t l)
{
	struct fake *k = fake_of(f);
	int s = find_svc(k, key), d = find_dest(k, s, a);

	if (record(f, "dst-", e, l) < 0)
		return -1;
	for (size_t i = (size_t)d; i + 1 < k->svc[s].n_dests; i++)
		k->dest[s][i] = k->dest[s][i + 1];
	k->svc[s].n_dests--;
	return 0;
}

/* A deep copy, as a real core hands out a snapshot the caller frees. */
static int f_table(struct fwd *f, struct fwd_table *t, char *e, size_t l)
{
	struct fake *k = fake_of(f);

	(void)e;
	(void)l;
	t->n_services = k->n;
	t->services = calloc(k->n ? k->n : 1, sizeof(*t->services));
	for (size_t i = 0; i < k->n; i++) {
		t->services[i] = k->svc[i];
		t->services[i].dests = calloc(MAX_DEST, sizeof(struct fwd_dest_info));
		memcpy(t->services[i].dests, k->dest[i], sizeof(k->dest[i]));
	}
	return 0;
}

static const struct fwd_ops fake_ops = {
	.name = "fake", .service_add = f_svc_add, .service_edit = f_svc_edit,
	.service_del = f_svc_del, .dest_add = f_dst_add, .dest_edit = f_dst_edit,
	.dest_del = f_dst_del, .table = f_table,
};

/* The same fake, as the kernel's shared table: lvsd owns only its own services. */
static const struct fwd_ops fake_kernel_ops = {
	.name = "fake-kernel", .kernel = true, .service_add = f_svc_add,
	.service_edit = f_svc_edit, .service_del = f_svc_del, .dest_add = f_dst_add,
	.dest_edit = f_dst_edit, .dest_del = f_dst_del, .table = f_table,
};

static const char base_yaml[] =
	"virtual_services:\n"
	"  - name: web\n"
	"    address: 10.0.0.1:80\n"
	"    real_servers:\n"
	"      - {address: 10.0.0.11:80, weight: 1}\n"
	"      - {address: 10.0.0.12:80, weight: 2}\n"
	"  - name: dns\n"
	"    address: 10.0.0.1:53\n"
	"    protocol: udp\n"
	"    real_servers:\n"
	"      - {address: 10.0.0.21}\n";

static struct cfg *cfg_of(const char *yaml)
{
	struct cfg_diag d;
	struct cfg *c;

	cfg_diag_init(&d, "t.yaml");
	c = cfg_load_buffer("t.yaml", yaml, strlen(yaml), &d);
	cfg_diag_print(&d, stderr);
	assert_non_null(c);
	cfg_diag_free(&d);
	return c;
}

/* Apply yaml; the calls made must be exactly `want`. */
static void apply(struct fwd *f, struct logger *lg, const char *yaml,
		  const char *want, int want_rc)
{
	struct fake *k = fake_of(f);
	struct reconcile_result r = { 0 };
	struct cfg *c = cfg_of(yaml);

	k->calls[0] = '\0';
	assert_int_equal(reconcile(f, c, NULL, NULL, lg, &r), want_rc);
	assert_string_equal(k->calls, want);
	cfg_free(c);
}

static int setup(void **state)
{
	struct fwd *f = calloc(1, sizeof(*f));
	struct logger *lg = calloc(1, sizeof(*lg));

	f->ops = &fake_ops;
	f->priv = calloc(1, sizeof(struct fake));
	logger_init(lg, "test");
	lg->level = LOG_LVL_ERROR;
	state[0] = f;
	state[1] = lg;
	return 0;
}

static int teardown(void **state)
{
	struct fwd *f = state[0];

	free(f->priv);
	free(f);
	free(state[1]);
	return 0;
}

static void test_first_apply_and_idempotence(void **state)
{
	struct fwd *f = state[0];
	struct fake *k = fake_of(f);

	apply(f, state[1], base_yaml, "svc+ dst+ dst+ svc+ dst+ ", 0);
	assert_int_equal(k->n, 2);
	assert_int_equal(k->svc[1].dests[0].conf.addr.port, 53);	/* inherits the port */
	apply(f, state[1], base_yaml, "", 0);	/* nothing changed: nothing done */
}

static void test_weight_change_is_an_edit(void **state)
{
	struct fwd *f = state[0];
	char *y = strdup(base_yaml);

	apply(f, state[1], base_yaml, "svc+ dst+ dst+ svc+ dst+ ", 0);
	memcpy(strstr(y, "weight: 2"), "weight: 5", 9);
	apply(f, state[1], y, "dst~ ", 0);
	assert_int_equal(fake_of(f)->dest[0][1].conf.weight, 5);
	free(y);
}

static void test_add_remove_servers_and_services(void **state)
{
	struct fwd *f = state[0];
	static const char next[] =
		"virtual_services:\n"
		"  - name: web\n"
		"    address: 10.0.0.1:80\n"
		"    scheduler: rr\n"
		"    real_servers:\n"
		"      - {address: 10.0.0.12:80, weight: 2}\n"
		"      - {address: 10.0.0.13:80}\n";

	apply(f, state[1], base_yaml, "svc+ dst+ dst+ svc+ dst+ ", 0);
	/* dns goes, web changes scheduler, .11 leaves, .13 arrives, .12 untouched */
	apply(f, state[1], next, "svc- svc~ dst- dst+ ", 0);
	assert_int_equal(fake_of(f)->n, 1);
	assert_int_equal(fake_of(f)->svc[0].conf.scheduler, CFG_SCHED_RR);
}

static void test_refusal_is_counted_and_the_rest_goes_in(void **state)
{
	struct fwd *f = state[0];
	struct reconcile_result r = { 0 };
	struct cfg *c = cfg_of(base_yaml);

	fake_of(f)->refuse = "dst+";
	assert_int_equal(reconcile(f, c, NULL, NULL, state[1], &r), -1);
	assert_int_equal(r.failures, 3);
	assert_int_equal(r.services_added, 2);
	fake_of(f)->refuse = NULL;
	/* The next pass retries what failed, and only that. */
	assert_int_equal(reconcile(f, c, NULL, NULL, state[1], &r), 0);
	assert_int_equal(r.dests_added, 3);
	assert_int_equal(r.services_added, 0);
	cfg_free(c);
}

/* A reload kept dns as it was: its pass leaves it alone, even where the
 * table differs (as a full pass would put right), and edits web only. */
static void test_reload_leaves_kept_services_alone(void **state)
{
	struct fwd *f = state[0];
	struct fake *k = fake_of(f);
	struct reconcile_result r = { 0 };
	struct cfg *c1 = cfg_of(base_yaml), *c2, *c3;
	struct cfg_diag d;
	char *y = strdup(base_yaml);

	assert_int_equal(reconcile(f, c1, NULL, NULL, state[1], &r), 0);
	k->dest[1][0].conf.weight = 9;	/* dns's: only a full look finds it */
	memcpy(strstr(y, "weight: 2"), "weight: 5", 9);
	cfg_diag_init(&d, "t.yaml");
	c2 = cfg_reload_buffer("t.yaml", y, strlen(y), c1, &d);
	assert_non_null(c2);
	assert_int_equal(d.services_parsed, 1);
	k->calls[0] = '\0';
	assert_int_equal(reconcile_reload(f, c2, c1, NULL, state[1], &r), 0);
	assert_string_equal(k->calls, "dst~ ");
	assert_int_equal(k->dest[0][1].conf.weight, 5);
	assert_int_equal(k->dest[1][0].conf.weight, 9);
	/* Refusals left by the last pass: every service is looked at again. */
	r.n_refused = 1;
	r.refused[0] = 42;
	c3 = cfg_reload_buffer("t.yaml", base_yaml, strlen(base_yaml), c2, &d);
	assert_non_null(c3);
	k->calls[0] = '\0';
	assert_int_equal(reconcile_reload(f, c3, c2, NULL, state[1], &r), 0);
	assert_string_equal(k->calls, "dst~ dst~ ");
	assert_int_equal(k->dest[1][0].conf.weight, 1);
	cfg_diag_free(&d);
	cfg_free(c1);
	cfg_free(c2);
	cfg_free(c3);
	free(y);
}

/* A whole-file load shares nothing: its reload pass looks at everything. */
static void test_reload_after_whole_load_looks_at_all(void **state)
{
	struct fwd *f = state[0];
	struct fake *k = fake_of(f);
	struct reconcile_result r = { 0 };
	struct cfg *c1 = cfg_of(base_yaml), *c2 = cfg_of(base_yaml);

	assert_int_equal(reconcile(f, c1, NULL, NULL, state[1], &r), 0);
	k->dest[1][0].conf.weight = 9;
	k->calls[0] = '\0';
	assert_int_equal(reconcile_reload(f, c2, c1, NULL, state[1], &r), 0);
	assert_string_equal(k->calls, "dst~ ");
	assert_int_equal(k->dest[1][0].conf.weight, 1);
	cfg_free(c1);
	cfg_free(c2);
}

static void test_kernel_table_ownership(void **state)
{
	struct fwd *f = state[0];
	struct fake *k = fake_of(f);
	struct reconcile_result r = { 0 };
	struct cfg *all = cfg_of(base_yaml), *web_only, *foreign;
	static const char web_yaml[] =
		"virtual_services:\n"
		"  - name: web\n"
		"    address: 10.0.0.1:80\n"
		"    real_servers:\n"
		"      - {address: 10.0.0.11:80, weight: 1}\n"
		"      - {address: 10.0.0.12:80, weight: 2}\n";
	static const char foreign_yaml[] =
		"virtual_services:\n"
		"  - address: 10.9.9.9:25\n"
		"    real_servers:\n"
		"      - {address: 10.9.9.10:25}\n";

	f->ops = &fake_kernel_ops;
	web_only = cfg_of(web_yaml);
	foreign = cfg_of(foreign_yaml);
	/* someone else's service (ipvsadm's) is in the kernel before lvsd */
	assert_int_equal(reconcile(f, foreign, NULL, NULL, state[1], &r), 0);
	k->calls[0] = '\0';
	assert_int_equal(reconcile(f, all, NULL, NULL, state[1], &r), 0);
	assert_string_equal(k->calls, "svc+ dst+ dst+ svc+ dst+ ");
	assert_int_equal(k->n, 3);
	/* a reload that drops dns removes it (prev had it), and only it */
	k->calls[0] = '\0';
	assert_int_equal(reconcile(f, web_only, all, NULL, state[1], &r), 0);
	assert_string_equal(k->calls, "svc- ");
	assert_int_equal(k->n, 2);
	/* a later pass without prev: the foreign service still stays */
	k->calls[0] = '\0';
	assert_int_equal(reconcile(f, web_only, NULL, NULL, state[1], &r), 0);
	assert_string_equal(k->calls, "");
	/* stopping removes lvsd's service only */
	k->calls[0] = '\0';
	assert_int_equal(reconcile_remove_owned(f, web_only, NULL, state[1]), 1);
	assert_string_equal(k->calls, "svc- ");
	assert_int_equal(k->n, 1);
	assert_int_equal(k->svc[0].conf.key.addr.port, 25);
	cfg_free(all);
	cfg_free(web_only);
	cfg_free(foreign);
}

static void test_dr_tun_take_the_service_port(void **state)
{
	struct fwd *f = state[0];
	static const char dr_yaml[] =
		"global: {forwarding_core: ipvs}\n"
		"virtual_services:\n"
		"  - address: 10.0.0.1:80\n"
		"    real_servers:\n"
		"      - {address: 10.0.0.11:8080, forwarding: dr}\n"
		"      - {address: 10.0.0.12:8080, forwarding: tun}\n"
		"      - {address: 10.0.0.13:8080}\n";

	f->ops = &fake_kernel_ops;
	apply(f, state[1], dr_yaml, "svc+ dst+ dst+ dst+ ", 0);
	assert_int_equal(fake_of(f)->dest[0][0].conf.addr.port, 80);
	assert_int_equal(fake_of(f)->dest[0][1].conf.addr.port, 80);
	assert_int_equal(fake_of(f)->dest[0][2].conf.addr.port, 8080);
	apply(f, state[1], dr_yaml, "", 0);
}

/* A view the test steers: per real-server port, its state; sorry on or off. */
struct steer {
	enum reconcile_rs_state by_last_octet[256];
	bool sorry;
};

static enum reconcile_rs_state steer_rs(void *arg, const struct cfg_service *s,
					const struct cfg_real_server *rs)
{
	(void)s;
	return ((struct steer *)arg)->by_last_octet[ntohl(rs->address.ip.v4.s_addr) & 0xff];
}

static bool steer_sorry(void *arg, const struct cfg_service *s)
{
	(void)s;
	return ((struct steer *)arg)->sorry;
}

static void apply_view(struct fwd *f, struct logger *lg, const char *yaml,
		       struct steer *st, const char *want)
{
	struct reconcile_view v = { steer_rs, steer_sorry, st, NULL };
	struct reconcile_result r = { 0 };
	struct cfg *c = cfg_of(yaml);

	fake_of(f)->calls[0] = '\0';
	assert_int_equal(reconcile(f, c, NULL, &v, lg, &r), 0);
	assert_string_equal(fake_of(f)->calls, want);
	cfg_free(c);
}

static void test_health_view_quiesce_remove_sorry(void **state)
{
	static const char y[] =
		"virtual_services:\n"
		"  - name: web\n"
		"    address: 10.0.0.1:80\n"
		"    sorry_server: 10.0.0.30:8080\n"
		"    real_servers:\n"
		"      - {address: 10.0.0.11:80, weight: 3}\n"
		"      - {address: 10.0.0.12:80, weight: 2}\n";
	struct fwd *f = state[0];
	struct fake *k = fake_of(f);
	struct steer st = { 0 };

	apply_view(f, state[1], y, &st, "svc+ dst+ dst+ ");
	st.by_last_octet[11] = RECONCILE_RS_QUIESCED;
	apply_view(f, state[1], y, &st, "dst~ ");
	assert_int_equal(k->dest[0][0].conf.weight, 0);
	st.by_last_octet[12] = RECONCILE_RS_OUT;
	apply_view(f, state[1], y, &st, "dst- ");
	assert_int_equal(k->svc[0].n_dests, 1);
	/* Quorum lost: the sorry server comes in at weight 1. */
	st.sorry = true;
	apply_view(f, state[1], y, &st, "dst+ ");
	assert_int_equal(k->dest[0][1].conf.addr.port, 8080);
	assert_int_equal(k->dest[0][1].conf.weight, 1);
	/* Back: the sorry server leaves, the servers return at their weights. */
	memset(&st, 0, sizeof(st));
	apply_view(f, state[1], y, &st, "dst- dst~ dst+ ");
	apply_view(f, state[1], y, &st, "");
}

static void test_persistence_conf(void **state)
{
	struct cfg *c = cfg_of("virtual_services:\n"
			       "  - address: 10.0.0.1:443\n"
			       "    persistence: {timeout: 10m, netmask: 255.255.255.0}\n"
			       "  - address: 10.0.0.1:444\n"
			       "    persistence: {timeout: 30}\n");
	struct fwd_service_conf sc;

	(void)state;
	reconcile_service_conf(c, &c->services[0], &sc);
	assert_true(sc.flags & FWD_SVC_PERSISTENT);
	assert_int_equal(sc.persistence_timeout, 600000);
	assert_int_equal(sc.persistence_plen, 24);
	reconcile_service_conf(c, &c->services[1], &sc);
	assert_int_equal(sc.persistence_plen, 32);	/* no netmask: the host */
	cfg_free(c);
}

/* ---- draining ------------------------------------------------------------------ */

static uint64_t fake_clock(void *arg)
{
	return *(uint64_t *)arg;
}

static void apply_drain(struct fwd *f, struct logger *lg, const char *yaml, struct drain *d,
			const char *want, unsigned want_draining)
{
	struct steer st = { 0 };
	struct reconcile_view v = { steer_rs, steer_sorry, &st, d };
	struct reconcile_result r = { 0 };
	struct cfg *c = cfg_of(yaml);

	for (size_t i = 0; i < 256; i++)
		st.by_last_octet[i] = RECONCILE_RS_IN;
	fake_of(f)->calls[0] = '\0';
	assert_int_equal(reconcile(f, c, NULL, &v, lg, &r), 0);
	assert_string_equal(fake_of(f)->calls, want);
	assert_int_equal(r.dests_draining, want_draining);
	assert_int_equal(drain_count(d), want_draining);
	cfg_free(c);
}

static const char drain_yaml[] =
	"virtual_services:\n"
	"  - name: web\n"
	"    address: 10.0.0.1:80\n"
	"    drain_timeout: 10\n"
	"    sorry_server: 10.0.0.30:80\n"
	"    real_servers:\n"
	"      - {address: 10.0.0.11:80, weight: 1}\n"
	"      - {address: 10.0.0.12:80, weight: 2}\n";
static const char drain_yaml_less[] =
	"virtual_services:\n"
	"  - name: web\n"
	"    address: 10.0.0.1:80\n"
	"    drain_timeout: 10\n"
	"    sorry_server: 10.0.0.30:80\n"
	"    real_servers:\n"
	"      - {address: 10.0.0.11:80, weight: 1}\n";

static void test_removed_server_drains_until_empty(void **state)
{
	struct fwd *f = state[0];
	struct fake *k = fake_of(f);
	uint64_t now = 1000;
	struct drain d;

	drain_init(&d, fake_clock, &now);
	apply_drain(f, state[1], drain_yaml, &d, "svc+ dst+ dst+ ", 0);
	k->dest[0][1].activeconns = 3;
	k->dest[0][1].inactconns = 1;
	/* .12 leaves the file: weight 0, still in the table. */
	apply_drain(f, state[1], drain_yaml_less, &d, "dst~ ", 1);
	assert_int_equal(k->svc[0].n_dests, 2);
	assert_int_equal(k->dest[0][1].conf.weight, 0);
	assert_int_equal(d.v[0].deadline_ms, 11000);
	/* Connections left: nothing more happens, however often it runs. */
	now = 5000;
	apply_drain(f, state[1], drain_yaml_less, &d, "", 1);
	k->dest[0][1].activeconns = 0;
	apply_drain(f, state[1], drain_yaml_less, &d, "", 1);
	/* The last one ends: removed. */
	k->dest[0][1].inactconns = 0;
	apply_drain(f, state[1], drain_yaml_less, &d, "dst- ", 0);
	assert_int_equal(k->svc[0].n_dests, 1);
	drain_free(&d);
}

static void test_drain_timeout_removes_what_is_left(void **state)
{
	struct fwd *f = state[0];
	struct fake *k = fake_of(f);
	uint64_t now = 0;
	struct drain d;

	drain_init(&d, fake_clock, &now);
	apply_drain(f, state[1], drain_yaml, &d, "svc+ dst+ dst+ ", 0);
	k->dest[0][1].activeconns = 7;
	apply_drain(f, state[1], drain_yaml_less, &d, "dst~ ", 1);
	now = 9999;
	apply_drain(f, state[1], drain_yaml_less, &d, "", 1);
	now = 10000;
	apply_drain(f, state[1], drain_yaml_less, &d, "dst- ", 0);
	drain_free(&d);
}

static void test_idle_server_goes_at_once_and_readded_one_serves_again(void **state)
{
	struct fwd *f = state[0];
	struct fake *k = fake_of(f);
	uint64_t now = 0;
	struct drain d;

	drain_init(&d, fake_clock, &now);
	apply_drain(f, state[1], drain_yaml, &d, "svc+ dst+ dst+ ", 0);
	/* No connection: nothing to wait for. */
	apply_drain(f, state[1], drain_yaml_less, &d, "dst- ", 0);
	apply_drain(f, state[1], drain_yaml, &d, "dst+ ", 0);
	/* Draining, then named again: back to its weight by an edit, counters kept. */
	k->dest[0][1].activeconns = 2;
	k->dest[0][1].counters.conns = 42;
	apply_drain(f, state[1], drain_yaml_less, &d, "dst~ ", 1);
	now = 3000;
	apply_drain(f, state[1], drain_yaml, &d, "dst~ ", 0);
	assert_int_equal(k->dest[0][1].conf.weight, 2);
	assert_int_equal(k->dest[0][1].counters.conns, 42);
	/* A later removal drains afresh, with a new deadline. */
	apply_drain(f, state[1], drain_yaml_less, &d, "dst~ ", 1);
	assert_int_equal(d.v[0].deadline_ms, 13000);
	/* The whole service goes: deleted, and nothing is left draining. */
	apply_drain(f, state[1], "virtual_services: []\n", &d, "svc- ", 0);
	drain_free(&d);
}

static void test_sorry_server_is_not_drained(void **state)
{
	struct fwd *f = state[0];
	struct fake *k = fake_of(f);
	struct steer st = { 0 };
	struct reconcile_view v = { steer_rs, steer_sorry, &st, NULL };
	struct reconcile_result r = { 0 };
	struct cfg *c = cfg_of(drain_yaml);
	struct drain d;

	drain_init(&d, NULL, NULL);
	v.drain = &d;
	st.sorry = true;
	assert_int_equal(reconcile(f, c, NULL, &v, state[1], &r), 0);
	assert_int_equal(k->svc[0].n_dests, 3);
	k->dest[0][2].activeconns = 5;
	st.sorry = false;
	k->calls[0] = '\0';
	assert_int_equal(reconcile(f, c, NULL, &v, state[1], &r), 0);
	assert_string_equal(k->calls, "dst- dst~ dst~ ");
	assert_int_equal(drain_count(&d), 0);
	cfg_free(c);
	drain_free(&d);
}

static void test_drain_decide(void **state)
{
	struct drain_entry e = { .since_ms = 100, .deadline_ms = 400 };

	(void)state;
	assert_int_equal(drain_decide(&e, 0, 0, 100), DRAIN_DONE);
	assert_int_equal(drain_decide(&e, 1, 0, 399), DRAIN_WAIT);
	assert_int_equal(drain_decide(&e, 0, 1, 399), DRAIN_WAIT);
	assert_int_equal(drain_decide(&e, 0, 1, 400), DRAIN_TIMED_OUT);
	assert_int_equal(drain_decide(&e, 0, 0, 500), DRAIN_DONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_apply_and_idempotence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_weight_change_is_an_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_remove_servers_and_services, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_is_counted_and_the_rest_goes_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_view_quiesce_remove_sorry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_table_ownership, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_leaves_kept_services_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_after_whole_load_looks_at_all, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dr_tun_take_the_service_port, setup, teardown),
		cmocka_unit_test(test_persistence_conf),
		cmocka_unit_test_setup_teardown(test_removed_server_drains_until_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain_timeout_removes_what_is_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_server_goes_at_once_and_readded_one_serves_again,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sorry_server_is_not_drained, setup, teardown),
		cmocka_unit_test(test_drain_decide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

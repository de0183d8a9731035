/*
 * test_cfg_incr.c - an incremental reload gives the model a whole-file
 * load gives, and parses only what an edit touched.
 *
 * A chain of edits is applied to one file; after each, the text is loaded
 * twice, whole (cfg_load_buffer) and after the previous model
 * (cfg_reload_buffer), and the two models must be equal field by field,
 * or fail with the same errors at the same places. Each edit also says
 * whether it must have been done incrementally (few services parsed) or
 * wholly, so that a test cannot pass by the incremental path never
 * running. The split the incremental path derives for its text must be
 * the one a fresh split of that text finds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cfg.h"
#include "cfg_source.h"

static const char base_text[] =
	"# lvsd incremental reload test\n"
	"global:\n"
	"  router_id: t1\n"
	"  log_level: info\n"
	"\n"
	"virtual_services:\n"
	"  # the first holds the anchor s5 uses\n"
	"  - name: s0\n"
	"    address: 10.0.0.1:80\n"
	"    scheduler: wrr\n"
	"    check: &web\n"
	"      type: http\n"
	"      path: /health\n"
	"      interval: 2s\n"
	"    real_servers:\n"
	"      - address: 10.1.0.1:80\n"
	"        weight: 3\n"
	"      - {address: 10.1.0.2:80, weight: 1}\n"
	"  - name: s1\n"
	"    address: 10.0.0.2:80\n"
	"    persistence: {timeout: 60s, netmask: 255.255.255.0}\n"
	"    real_servers: [{address: 10.1.1.1:80}, {address: 10.1.1.2:80}]\n"
	"\n"
	"  - name: \"s2\"\n"
	"    address: '10.0.0.3:443'\n"
	"    check: {type: tcp}\n"
	"    real_servers:\n"
	"      - address: 10.1.2.1:443\n"
	"        check: {type: http, path: \"/a?b=1\"}\n"
	"  - name: s3\n"
	"    address: 10.0.0.4:80\n"
	"    real_servers:\n"
	"      - address: 10.1.3.1:80\n"
	"        weight: 5\n"
	"  - name: s4\n"
	"    address: 10.0.0.5:53\n"
	"    protocol: udp\n"
	"    # a comment inside s4\n"
	"    real_servers:\n"
	"      - {address: 10.1.4.1:53}\n"
	"  - name: s5\n"
	"    address: 10.0.0.6:80\n"
	"    check: *web\n"
	"    real_servers:\n"
	"      - address: 10.1.5.1:80\n"
	"  - name: s6\n"
	"    address: 10.0.0.7:80\n"
	"    real_servers:\n"
	"      - address: 10.1.6.1:80\n"
	"sync_groups: []\n";

/* INCR: loads, and parsed at most MAX_PARSED services; WHOLE: loads,
 * parsing all; BAD: fails, with the whole load's errors. */
enum expect { INCR, WHOLE, BAD };
#define MAX_PARSED 4

struct edit {
	const char *what, *from, *to;
	enum expect expect;
	size_t parsed;		/* INCR: exactly this many (0: any up to MAX_PARSED) */
};

static const struct edit edits[] = {
	{ "a weight in s3", "        weight: 5\n", "        weight: 6\n", INCR, 0 },
	{ "a real server appended to s2",
	  "        check: {type: http, path: \"/a?b=1\"}\n",
	  "        check: {type: http, path: \"/a?b=1\"}\n      - address: 10.1.2.2:443\n", INCR, 0 },
	{ "a service inserted before s5", "  - name: s5\n",
	  "  - name: new\n    address: 10.0.0.9:80\n    real_servers: [{address: 10.1.9.1:80}]\n"
	  "  - name: s5\n", INCR, 0 },
	{ "s1 deleted, with the blank line after it",
	  "  - name: s1\n    address: 10.0.0.2:80\n"
	  "    persistence: {timeout: 60s, netmask: 255.255.255.0}\n"
	  "    real_servers: [{address: 10.1.1.1:80}, {address: 10.1.1.2:80}]\n\n", "", INCR, 0 },
	{ "a comment inside s4", "# a comment inside s4", "# another comment", INCR, 0 },
	{ "nothing", "", "", INCR, 0 },
	{ "the anchor that s5 uses", "      interval: 2s\n", "      interval: 3s\n", WHOLE, 0 },
	{ "the head", "  log_level: info\n", "  log_level: debug\n", WHOLE, 0 },
	{ "after the list", "sync_groups: []\n", "sync_groups: []\n# the end\n", WHOLE, 0 },
	{ "a bad weight", "        weight: 6\n", "        weight: -1\n", BAD, 0 },
	{ "a real server given twice in s3", "      - address: 10.1.3.1:80\n",
	  "      - address: 10.1.3.1:80\n      - address: 10.1.3.1:80\n", BAD, 0 },
	{ "a duplicate address", "    address: 10.0.0.5:53\n    protocol: udp\n",
	  "    address: 10.0.0.7:80\n    protocol: tcp\n", BAD, 0 },
	{ "a quote that runs over the next item", "  - name: s3\n", "  - name: \"s3\n", BAD, 0 },
	{ "an item indented one more", "  - name: s6\n", "   - name: s6\n", BAD, 0 },
	{ "an item that runs into the next one's line", "  - name: s4\n",
	  "  - {name: z, address: 10.0.0.99:80}  - name: s4\n", BAD, 0 },
	{ "a new top-level key in the list", "  - name: s6\n", "global2: 1\n  - name: s6\n", BAD, 0 },
	{ "s6, the last, deleted",
	  "  - name: s6\n    address: 10.0.0.7:80\n    real_servers:\n      - address: 10.1.6.1:80\n",
	  "", INCR, 0 },
	{ "s0's anchor removed: s5's alias has nothing to point to",
	  "    check: &web\n", "    check:\n", BAD, 0 },
	{ "s3 renamed", "  - name: s3\n", "  - name: s3b\n", INCR, 0 },
};

static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = *from ? strstr(text, from) : text;
	size_t tl = strlen(text), fl = strlen(from), nl = strlen(to);
	char *out;

	assert_non_null(at);
	out = malloc(tl - fl + nl + 1);
	assert_non_null(out);
	memcpy(out, text, (size_t)(at - text));
	memcpy(out + (at - text), to, nl);
	memcpy(out + (at - text) + nl, at + fl, tl - (size_t)(at - text) - fl + 1);
	return out;
}

static void assert_str_same(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_check_same(const struct cfg_check *a, const struct cfg_check *b)
{
	struct cfg_check x, y;

	/* Everything but pointers and marks at once, then what they point to. */
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	x.path = x.host = x.body = x.sni = x.ca = x.cert = x.key = NULL;
	x.expect_regex = x.script = x.name = x.helo = NULL;
	y.path = y.host = y.body = y.sni = y.ca = y.cert = y.key = NULL;
	y.expect_regex = y.script = y.name = y.helo = NULL;
	x.status = y.status = NULL;
	x.send.data = x.expect.data = y.send.data = y.expect.data = NULL;
	memset(&x.mark, 0, sizeof(x.mark));
	memset(&y.mark, 0, sizeof(y.mark));
	assert_memory_equal(&x, &y, sizeof(x));
	assert_str_same(a->path, b->path);
	assert_str_same(a->host, b->host);
	assert_str_same(a->body, b->body);
	assert_str_same(a->sni, b->sni);
	assert_str_same(a->expect_regex, b->expect_regex);
	assert_str_same(a->script, b->script);
	assert_str_same(a->name, b->name);
	assert_str_same(a->helo, b->helo);
	if (a->n_status)
		assert_memory_equal(a->status, b->status, a->n_status * sizeof(*a->status));
	if (a->send.len)
		assert_memory_equal(a->send.data, b->send.data, a->send.len);
	if (a->expect.len)
		assert_memory_equal(a->expect.data, b->expect.data, a->expect.len);
}

static void assert_rs_same(const struct cfg_real_server *a, const struct cfg_real_server *b)
{
	assert_int_equal(a->set, b->set);
	assert_memory_equal(&a->address, &b->address, sizeof(a->address));
	assert_int_equal(a->weight, b->weight);
	assert_int_equal(a->upper_threshold, b->upper_threshold);
	assert_int_equal(a->lower_threshold, b->lower_threshold);
	assert_int_equal(a->forwarding, b->forwarding);
	assert_int_equal(a->has_own_check, b->has_own_check);
	assert_str_same(a->notify_up, b->notify_up);
	assert_str_same(a->notify_down, b->notify_down);
	assert_check_same(&a->check, &b->check);
}

static void assert_service_same(const struct cfg_service *a, const struct cfg_service *b)
{
	assert_int_equal(a->set, b->set);
	assert_str_same(a->name, b->name);
	assert_memory_equal(&a->address, &b->address, sizeof(a->address));
	assert_int_equal(a->fwmark, b->fwmark);
	assert_int_equal(a->protocol, b->protocol);
	assert_int_equal(a->scheduler, b->scheduler);
	assert_int_equal(a->forwarding, b->forwarding);
	assert_int_equal(a->persistence.enabled, b->persistence.enabled);
	assert_int_equal(a->persistence.timeout, b->persistence.timeout);
	assert_int_equal(a->persistence.netmask_len, b->persistence.netmask_len);
	assert_str_same(a->persistence.netmask_text, b->persistence.netmask_text);
	assert_int_equal(a->proxy_protocol, b->proxy_protocol);
	assert_int_equal(a->on_failure, b->on_failure);
	assert_int_equal(a->drain_timeout, b->drain_timeout);
	assert_int_equal(a->quorum, b->quorum);
	assert_int_equal(a->hysteresis, b->hysteresis);
	assert_memory_equal(&a->sorry_server, &b->sorry_server, sizeof(a->sorry_server));
	assert_check_same(&a->check, &b->check);
	assert_int_equal(a->n_real_servers, b->n_real_servers);
	for (size_t i = 0; i < a->n_real_servers; i++)
		assert_rs_same(&a->real_servers[i], &b->real_servers[i]);
}

static void assert_cfg_same(const struct cfg *a, const struct cfg *b)
{
	assert_int_equal(a->set, b->set);
	assert_int_equal(a->global.set, b->global.set);
	assert_int_equal(a->global.log_level, b->global.log_level);
	assert_str_same(a->global.router_id, b->global.router_id);
	assert_int_equal(a->n_vrrp, b->n_vrrp);
	assert_int_equal(a->n_sync_groups, b->n_sync_groups);
	assert_int_equal(a->n_services, b->n_services);
	for (size_t i = 0; i < a->n_services; i++)
		assert_service_same(&a->services[i], &b->services[i]);
}

/* The split kept with an incremental model is what a fresh split finds. */
static void assert_split_fresh(const struct cfg *c, const char *text)
{
	struct cfg_split fresh;
	const struct cfg_split *kept;

	assert_non_null(c->source);
	kept = &c->source->split;
	assert_int_equal(cfg_split_text(text, strlen(text), &fresh), 0);
	assert_true(fresh.ok);
	assert_int_equal(kept->n_items, fresh.n_items);
	assert_int_equal(kept->list_start, fresh.list_start);
	assert_int_equal(kept->list_end, fresh.list_end);
	assert_int_equal(kept->key_line, fresh.key_line);
	for (size_t i = 0; i < fresh.n_items; i++) {
		assert_int_equal(kept->item[i], fresh.item[i]);
		assert_int_equal(kept->refs[i], fresh.refs[i]);
	}
	cfg_split_free(&fresh);
}

static void assert_same_errors(const struct cfg_diag *a, const struct cfg_diag *b)
{
	assert_true(a->n_errors > 0);
	assert_int_equal(a->n_errors, b->n_errors);
	for (size_t i = 0; i < a->n_errors; i++) {
		assert_int_equal(a->errors[i].line, b->errors[i].line);
		assert_int_equal(a->errors[i].col, b->errors[i].col);
		assert_string_equal(a->errors[i].msg, b->errors[i].msg);
	}
}

/* Apply one edit to *text after *prev; on success both move on. */
static void run_edit(const struct edit *e, char **text, struct cfg **prev)
{
	char *next = replace(*text, e->from, e->to);
	struct cfg_diag dw, di;
	struct cfg *whole, *incr;

	print_message("edit: %s\n", e->what);
	cfg_diag_init(&dw, "t.yaml");
	cfg_diag_init(&di, "t.yaml");
	whole = cfg_load_buffer("t.yaml", next, strlen(next), &dw);
	incr = cfg_reload_buffer("t.yaml", next, strlen(next), *prev, &di);
	if (e->expect == BAD) {
		assert_null(whole);
		assert_null(incr);
		assert_same_errors(&dw, &di);
		free(next);
	} else {
		assert_non_null(whole);
		assert_non_null(incr);
		assert_cfg_same(whole, incr);
		if (e->expect == WHOLE) {
			assert_int_equal(di.services_parsed, incr->n_services);
			assert_int_equal(di.services_reused, 0);
		} else {
			if (di.services_parsed > MAX_PARSED)
				fail_msg("%zu services parsed", di.services_parsed);
			if (e->parsed)
				assert_int_equal(di.services_parsed, e->parsed);
			assert_int_equal(di.services_parsed + di.services_reused, incr->n_services);
		}
		assert_split_fresh(incr, next);
		cfg_free(*prev);
		*prev = incr;
		free(*text);
		*text = next;
	}
	cfg_free(whole);
	cfg_diag_free(&dw);
	cfg_diag_free(&di);
}

static void test_edit_chain(void **state)
{
	char *text = strdup(base_text);
	struct cfg_diag d;
	struct cfg *prev;

	(void)state;
	cfg_diag_init(&d, "t.yaml");
	prev = cfg_load_buffer("t.yaml", text, strlen(text), &d);
	assert_non_null(prev);
	assert_non_null(prev->source);
	assert_int_equal(prev->n_services, 7);
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++)
		run_edit(&edits[i], &text, &prev);
	cfg_free(prev);
	free(text);
	cfg_diag_free(&d);
}

/* ---- random edits ---- */

/* A small deterministic generator: the test must not depend on libc's. */
static unsigned long rnd_next(unsigned long *st)
{
	*st = *st * 6364136223846793005ul + 1442695040888963407ul;
	return *st >> 33;
}

/* Offsets of the starts of the text's lines. */
static size_t line_starts(const char *t, size_t *at, size_t max)
{
	size_t n = 0;

	for (const char *c = t; *c && n < max; c = strchr(c, '\n') + 1) {
		at[n++] = (size_t)(c - t);
		if (!strchr(c, '\n'))
			break;
	}
	return n;
}

static char *splice(const char *t, size_t at, size_t cut, const char *ins)
{
	size_t tl = strlen(t), il = strlen(ins);
	char *out = malloc(tl - cut + il + 1);

	assert_non_null(out);
	memcpy(out, t, at);
	memcpy(out + at, ins, il);
	memcpy(out + at + il, t + at + cut, tl - at - cut + 1);
	return out;
}

/* A line or an item to insert. */
static void random_snippet(char *buf, size_t len, unsigned long *st)
{
	unsigned long a = rnd_next(st) % 200, b = rnd_next(st) % 200;

	switch (rnd_next(st) % 5) {
	case 0:
		snprintf(buf, len, "  - name: r%lu\n    address: 10.9.%lu.1:80\n"
			 "    real_servers: [{address: 10.8.0.1:80}]\n", a, b);
		break;
	case 1:
		snprintf(buf, len, "      - {address: 10.7.%lu.%lu:80, weight: 2}\n", a, b);
		break;
	case 2:
		snprintf(buf, len, "    scheduler: rr\n");
		break;
	case 3:
		snprintf(buf, len, "  # note %lu %lu\n", a, b);
		break;
	default:
		snprintf(buf, len, "\n");
	}
}

/* One random line-level edit: delete, duplicate or insert a line, or
 * change a digit. Lines of the head are fair game too. */
static char *random_edit(const char *t, unsigned long *st)
{
	size_t at[512], n = line_starts(t, at, 512), i = rnd_next(st) % n;
	size_t end = i + 1 < n ? at[i + 1] : strlen(t);
	char buf[256], *d;

	switch (rnd_next(st) % 4) {
	case 0:
		return splice(t, at[i], end - at[i], "");
	case 1:
		snprintf(buf, sizeof(buf), "%.*s", (int)(end - at[i]), t + at[i]);
		return splice(t, at[i], 0, buf);
	case 2:
		random_snippet(buf, sizeof(buf), st);
		return splice(t, at[i], 0, buf);
	default:
		d = strpbrk(t + at[i], "0123456789");
		if (!d)
			return strdup(t);
		buf[0] = (char)('0' + rnd_next(st) % 10);
		buf[1] = '\0';
		return splice(t, (size_t)(d - t), 1, buf);
	}
}

/* Random edits, each loaded whole and after the model before: the same
 * model or the same errors every time, and most done incrementally. */
static void test_random_edits(void **state)
{
	char *text = strdup(base_text);
	unsigned long st = 20261202;
	size_t incremental = 0, loaded = 0;
	struct cfg_diag d;
	struct cfg *prev;

	(void)state;
	cfg_diag_init(&d, "t.yaml");
	prev = cfg_load_buffer("t.yaml", text, strlen(text), &d);
	assert_non_null(prev);
	for (int round = 0; round < 400; round++) {
		char *next = random_edit(text, &st);
		struct cfg_diag dw, di;
		struct cfg *whole, *incr;

		cfg_diag_init(&dw, "t.yaml");
		cfg_diag_init(&di, "t.yaml");
		whole = cfg_load_buffer("t.yaml", next, strlen(next), &dw);
		incr = cfg_reload_buffer("t.yaml", next, strlen(next), prev, &di);
		if (!whole) {
			assert_null(incr);
			assert_same_errors(&dw, &di);
			free(next);
		} else {
			assert_non_null(incr);
			assert_cfg_same(whole, incr);
			if (incr->source)
				assert_split_fresh(incr, next);
			loaded++;
			incremental += di.services_parsed < incr->n_services;
			cfg_free(prev);
			prev = incr;
			free(text);
			text = next;
		}
		cfg_free(whole);
		cfg_diag_free(&dw);
		cfg_diag_free(&di);
	}
	print_message("%zu of 400 edits loaded, %zu of them incrementally\n",
		      loaded, incremental);
	assert_true(loaded >= 100);
	assert_true(incremental * 2 >= loaded);
	cfg_free(prev);
	free(text);
	cfg_diag_free(&d);
}

/* A file like bench/reload.sh's, where whole blocks of text compare equal. */
static char *large_text(unsigned weight_of_200)
{
	size_t cap = 1 << 20, n = 0;
	char *t = malloc(cap);

	assert_non_null(t);
	n += (size_t)snprintf(t + n, cap - n, "global:\n  router_id: big\nvirtual_services:\n");
	for (unsigned i = 0; i < 400; i++) {
		n += (size_t)snprintf(t + n, cap - n, "  - name: s%u\n    address: 10.1.%u.%u:80\n"
				      "    real_servers:\n", i, i / 250, i % 250 + 1);
		for (unsigned j = 0; j < 5; j++)
			n += (size_t)snprintf(t + n, cap - n,
					      "      - {address: 10.2.%u.%u:%u, weight: %u}\n",
					      i / 250, i % 250 + 1, 8000 + j,
					      i == 200 && j == 0 ? weight_of_200 : 1);
		assert_true(n < cap - 512);
	}
	return t;
}

static void test_large_file(void **state)
{
	char *a = large_text(1), *b = large_text(7);
	struct cfg_diag d, dw;
	struct cfg *prev, *incr, *whole;

	(void)state;
	assert_true(strlen(a) > 20 * 4096);
	cfg_diag_init(&d, "t.yaml");
	cfg_diag_init(&dw, "t.yaml");
	prev = cfg_load_buffer("t.yaml", a, strlen(a), &d);
	assert_non_null(prev);
	incr = cfg_reload_buffer("t.yaml", b, strlen(b), prev, &d);
	whole = cfg_load_buffer("t.yaml", b, strlen(b), &dw);
	assert_non_null(incr);
	assert_non_null(whole);
	assert_int_equal(d.services_parsed, 1);
	assert_int_equal(d.services_reused, 399);
	assert_int_equal(incr->services[200].real_servers[0].weight, 7);
	assert_cfg_same(whole, incr);
	assert_split_fresh(incr, b);
	cfg_free(prev);
	cfg_free(incr);
	cfg_free(whole);
	cfg_diag_free(&d);
	cfg_diag_free(&dw);
	free(a);
	free(b);
}

/* An unchanged file parses nothing and shares every service's pool. */
static void test_unchanged_shares_pools(void **state)
{
	struct cfg_diag d;
	struct cfg *a, *b;

	(void)state;
	cfg_diag_init(&d, "t.yaml");
	a = cfg_load_buffer("t.yaml", base_text, strlen(base_text), &d);
	assert_non_null(a);
	b = cfg_reload_buffer("t.yaml", base_text, strlen(base_text), a, &d);
	assert_non_null(b);
	assert_int_equal(d.services_parsed, 0);
	assert_int_equal(d.services_reused, 7);
	for (size_t i = 0; i < b->n_services; i++) {
		assert_ptr_equal(a->services[i].pool, b->services[i].pool);
		assert_int_equal(b->services[i].pool->refs, 2);
	}
	cfg_free(a);	/* b keeps its services alive */
	assert_string_equal(b->services[6].name, "s6");
	assert_int_equal(b->services[6].pool->refs, 1);
	cfg_free(b);
	cfg_diag_free(&d);
}

/* Texts the split must not claim: their reloads parse the whole file. */
static void test_shapes_without_split(void **state)
{
	static const char *const texts[] = {
		/* a flow list */
		"virtual_services: [{name: a, address: '10.0.0.1:80', real_servers: []}]\n",
		/* an item whose first key is on the next line */
		"virtual_services:\n  -\n    name: a\n    address: 10.0.0.1:80\n",
		/* a quoted scalar running over a line that looks like an item */
		"virtual_services:\n  - name: \"a\n  - b\"\n    address: 10.0.0.1:80\n",
		/* a key after the list that libyaml reads as part of the last item */
		"virtual_services:\n  - name: \"a\nglobal: x\"\n    address: 10.0.0.1:80\n",
	};
	struct cfg_diag d;

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct cfg *c;

		cfg_diag_init(&d, "t.yaml");
		c = cfg_load_buffer("t.yaml", texts[i], strlen(texts[i]), &d);
		if (!c) {
			cfg_diag_print(&d, stderr);
			fail_msg("text %zu did not load", i);
		}
		assert_null(c->source);
		cfg_free(c);
		cfg_diag_free(&d);
	}
}

/* The split on its own: offsets, the end of the list, aliases. */
static void test_split_text(void **state)
{
	static const char t[] =
		"global: {}\n"
		"virtual_services:   # the farm\n"
		"\n"
		"- name: a\n"
		"  check: *x\n"
		"- {name: b, check: &y {type: tcp}}\n"
		"# between\n"
		"- name: c  # body: 'ok.*', path: /a?b&c\n"
		"sync_groups: []\n";
	struct cfg_split sp;

	(void)state;
	assert_int_equal(cfg_split_text(t, strlen(t), &sp), 0);
	assert_true(sp.ok);
	assert_int_equal(sp.key_line, 1);
	assert_int_equal(sp.indent, 0);
	assert_int_equal(sp.n_items, 3);
	assert_int_equal(sp.item[0], strstr(t, "- name: a") - t);
	assert_int_equal(sp.item[1], strstr(t, "- {name: b") - t);
	assert_int_equal(sp.item[2], strstr(t, "- name: c") - t);
	assert_int_equal(sp.list_start, sp.item[0]);
	assert_int_equal(sp.list_end, strstr(t, "sync_groups") - t);
	assert_int_equal(sp.end_line, 8);
	assert_int_equal(sp.refs[0], CFG_ITEM_ALIAS);
	assert_int_equal(sp.refs[1], CFG_ITEM_ANCHOR);
	assert_int_equal(sp.refs[2], 0);	/* '.*' and 'a&b' start no node */
	assert_int_equal(cfg_split_item_end(&sp, 2), sp.list_end);
	cfg_split_free(&sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edit_chain),
		cmocka_unit_test(test_unchanged_shares_pools),
		cmocka_unit_test(test_random_edits),
		cmocka_unit_test(test_large_file),
		cmocka_unit_test(test_shapes_without_split),
		cmocka_unit_test(test_split_text),
	};

	return cmocka_run_group_tests_name("cfg_incr", tests, NULL, NULL);
}

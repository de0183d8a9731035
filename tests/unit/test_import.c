/*
 * test_import.c - `lvsctl import`: the keepalived reader (comments,
 * quotes, braces, includes) and its errors, the ipvsadm and ldirectord
 * mappings, format detection and the emitter. Mapped documents are
 * loaded back through the real configuration loader, so the tests check
 * the model lvsd would run, not the text. (keepalived's mapping:
 * test_import_kad.c.)
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <unistd.h>
#include <sys/stat.h>

#include "import_kad.h"
#include "import_test_util.h"

/* ---- the keepalived reader ------------------------------------------------ */

static void test_kad_tokens(void **state)
{
	struct imp_ctx ctx;
	struct kad_stmt *top, *s;

	(void)state;
	imp_init(&ctx, NULL);
	assert_int_equal(kad_read(&ctx, "k.conf",
		"! a comment\n"
		"global_defs {   # another\n"
		"\trouter_id   \"my router\" ! trailing\n"
		"}\n"
		"vrrp_instance VI_1\n"
		"{\n"
		"  virtual_ipaddress { 10.0.0.1/24 dev eth0 }\r\n"
		"  notify_master \"/bin/x a#b\"\n"
		"}\n", &top), 0);
	assert_true(kad_is(top, "global_defs") && top->block);
	assert_int_equal(top->child->n, 2);
	assert_string_equal(top->child->w[1], "my router");
	s = top->next;
	assert_true(kad_is(s, "vrrp_instance") && s->block);
	assert_int_equal(s->line, 5);
	assert_true(kad_is(s->child, "virtual_ipaddress") && s->child->block);
	assert_int_equal(s->child->child->n, 3);
	assert_string_equal(s->child->child->w[2], "eth0");	/* no \r */
	assert_string_equal(s->child->next->w[1], "/bin/x a#b");
	assert_int_equal(s->child->next->line, 8);
	assert_null(s->next);
	imp_free(&ctx);
}

static void read_fails(const char *text, const char *err)
{
	struct imp_ctx ctx;
	struct kad_stmt *top;

	imp_init(&ctx, NULL);
	assert_int_equal(kad_read(&ctx, "bad.conf", text, &top), -1);
	if (strcmp(ctx.err, err) != 0)
		fail_msg("got '%s', expected '%s'", ctx.err, err);
	imp_free(&ctx);
}

static void test_kad_malformed(void **state)
{
	(void)state;
	read_fails("global_defs {\n router_id x\n\nvirtual_server 1.2.3.4 80 {\n}\n",
		   "bad.conf:1: unterminated block: the '{' of 'global_defs' is never closed");
	read_fails("a {\n}\n}\n", "bad.conf:3: '}' without a matching '{'");
	read_fails("a {\n b \"open\n}\n", "bad.conf:2: unterminated quoted string");
	read_fails("{\n}\n", "bad.conf:1: '{' without a keyword before it");
	read_fails("include\n", "bad.conf:1: include takes one file name or pattern");
	read_fails("include a.conf {\n}\n", "bad.conf:1: include takes one file name or pattern");
	read_fails("a {\n b {\n c { d { e { f { g { h { i { j { k { l { m { n { o { p { q {\n",
		   "bad.conf:3: blocks nested deeper than 16");
}

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_import.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_kad_include(void **state)
{
	struct imp_ctx ctx;
	struct kad_stmt *top;
	char main_path[160], *text;
	FILE *w;
	char *warn = NULL;
	size_t wlen = 0;

	(void)state;
	write_file("main.conf", "global_defs {\n router_id a\n}\ninclude d/*.conf\n"
		   "include none-*.conf\nvirtual_server 1.2.3.4 80 {\n}\n");
	snprintf(main_path, sizeof(main_path), "%s/d", tmpdir);
	assert_int_equal(mkdir(main_path, 0700), 0);
	write_file("d/1.conf", "vrrp_script s1 {\n script /bin/true\n}\n");
	write_file("d/2.conf", "vrrp_script s2 {\n script /bin/true\n}\n");
	snprintf(main_path, sizeof(main_path), "%s/main.conf", tmpdir);
	w = open_memstream(&warn, &wlen);
	imp_init(&ctx, w);
	assert_int_equal(imp_read(&ctx, main_path, &text), 0);
	assert_int_equal(kad_read(&ctx, main_path, text, &top), 0);
	imp_flush_warnings(&ctx);
	fclose(w);
	/* spliced in place, in glob order, and the file's own next statement after */
	assert_true(kad_is(top, "global_defs"));
	assert_string_equal(top->next->w[1], "s1");
	assert_non_null(strstr(top->next->file, "/d/1.conf"));
	assert_string_equal(top->next->next->w[1], "s2");
	assert_true(kad_is(top->next->next->next, "virtual_server"));
	assert_int_equal(top->next->next->next->line, 6);
	assert_non_null(strstr(warn, "main.conf:5: include: 'none-*.conf' matches no file"));
	imp_free(&ctx);
	free(warn);
}

static void test_kad_include_loop(void **state)
{
	struct imp_ctx ctx;
	struct kad_stmt *top;
	char path[160], want[256], *text;

	(void)state;
	write_file("a.conf", "global_defs {\n}\ninclude b.conf\n");
	write_file("b.conf", "\n\ninclude a.conf\n");
	snprintf(path, sizeof(path), "%s/a.conf", tmpdir);
	imp_init(&ctx, NULL);
	assert_int_equal(imp_read(&ctx, path, &text), 0);
	assert_int_equal(kad_read(&ctx, path, text, &top), -1);
	snprintf(want, sizeof(want), "%s/b.conf:3: include loop: %s/a.conf is already "
		 "being read (it includes this file)", tmpdir, tmpdir);
	assert_string_equal(ctx.err, want);
	imp_free(&ctx);

	/* a file including itself, and the depth limit */
	write_file("self.conf", "include self.conf\n");
	snprintf(path, sizeof(path), "%s/self.conf", tmpdir);
	imp_init(&ctx, NULL);
	assert_int_equal(imp_read(&ctx, path, &text), 0);
	assert_int_equal(kad_read(&ctx, path, text, &top), -1);
	assert_non_null(strstr(ctx.err, "self.conf:1: include loop"));
	imp_free(&ctx);
	write_file("c1.conf", "include c2.conf\n");
	write_file("c2.conf", "include c3.conf\n");
	write_file("c3.conf", "vrrp_script x {\n}\n");
	snprintf(path, sizeof(path), "%s/c1.conf", tmpdir);
	imp_init(&ctx, NULL);
	ctx.include_depth_max = 1;
	assert_int_equal(imp_read(&ctx, path, &text), 0);
	assert_int_equal(kad_read(&ctx, path, text, &top), -1);
	assert_non_null(strstr(ctx.err, "c2.conf:1: include "));
	assert_non_null(strstr(ctx.err, "c3.conf: more than 1 levels of includes"));
	imp_free(&ctx);
}

/* ---- ipvsadm ------------------------------------------------------------------ */

static void test_ipvsadm(void **state)
{
	struct run r;
	const struct cfg_service *s;

	(void)state;
	run(&r, IMP_FMT_IPVSADM, "rules",
	    "# saved\n"
	    "-A -t 10.0.0.1:80 -s wrr -p\n"
	    "-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 3\n"
	    "-a -t 10.0.0.1:80 -r 10.0.1.2 -g\n"
	    "-A --udp-service 10.0.0.1:53 --scheduler=rr --persistent 60 --netmask 255.255.0.0\n"
	    "-a --udp-service 10.0.0.1:53 --real-server 10.0.1.1:53 --ipip --weight=0\n"
	    "-A -f 9 -s dh\n"
	    "-a -f 9 -r 10.0.1.1:0 -x 10 -y 5\n"
	    "-A -t 10.0.0.1:80 -s lc\n"
	    "-A -t 10.0.0.1:81 -s nosuch --bogus\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->n_services, 4);
	s = &r.cfg->services[0];
	assert_int_equal(s->scheduler, CFG_SCHED_LC);	/* the later -A wins */
	assert_int_equal(s->persistence.timeout, 300000);	/* -p alone */
	assert_int_equal(s->real_servers[0].forwarding, CFG_FWD_NAT);
	assert_int_equal(s->real_servers[0].weight, 3);
	assert_int_equal(s->real_servers[1].forwarding, CFG_FWD_DR);	/* -g, the default */
	assert_int_equal(s->real_servers[1].address.port, 0);
	s = &r.cfg->services[1];
	assert_int_equal(s->protocol, CFG_PROTO_UDP);
	assert_int_equal(s->persistence.netmask_len, 16);
	assert_int_equal(s->forwarding, CFG_FWD_TUN);	/* one method: on the service */
	assert_int_equal(s->real_servers[0].forwarding, CFG_FWD_TUN);
	assert_int_equal(s->real_servers[0].weight, 0);
	s = &r.cfg->services[2];
	assert_int_equal(s->fwmark, 9);
	assert_int_equal(s->real_servers[0].upper_threshold, 10);
	assert_int_equal(s->real_servers[0].lower_threshold, 5);
	assert_int_equal(r.cfg->services[3].scheduler, CFG_SCHED_WLC);
	has_warning(&r, "rules:9: -A: tcp 10.0.0.1:80 is defined twice");
	has_warning(&r, "rules:10: --bogus: unknown ipvsadm option");
	has_warning(&r, "rules:10: -s: scheduler 'nosuch' is not one lvsd has");
	done(&r);
}

static void test_ipvsadm_malformed(void **state)
{
	(void)state;
	parse_fails(IMP_FMT_IPVSADM, "-A -t 10.0.0.1:80\n-a -t 10.0.0.2:80 -r 10.0.1.1\n",
		    "in:2: -a: the service tcp 10.0.0.2:80 is not defined above (no -A line for it)");
	parse_fails(IMP_FMT_IPVSADM, "\n-A -t 10.0.0.300:80\n",
		    "in:2: '10.0.0.300' is not an IPv4 or IPv6 address");
	parse_fails(IMP_FMT_IPVSADM, "-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.1.x:80 -m\n",
		    "in:2: -r '10.0.1.x' is not an IPv4 or IPv6 address");
	parse_fails(IMP_FMT_IPVSADM, "-A -t 10.0.0.1:80 -s\n", "in:1: -s needs a value");
	parse_fails(IMP_FMT_IPVSADM, "-A -s rr\n", "in:1: no service: give -t, -u or -f");
	parse_fails(IMP_FMT_IPVSADM, "-A -f 1.5\n",
		    "in:1: -f 1.5: not a firewall mark (1..4294967295)");
}

/* ---- ldirectord ----------------------------------------------------------------- */

static void test_ldirectord(void **state)
{
	struct run r;
	const struct cfg_service *s;

	(void)state;
	run(&r, IMP_FMT_LDIRECTORD, "ld.cf",
	    "checktimeout=3\ncheckinterval = 7\nquiescent=no\nfailurecount=2\n"
	    "fork=yes\n"
	    "virtual=10.0.0.1:80\n"
	    "\treal=10.0.1.1:80 masq\n"
	    "\treal=10.0.1.2->10.0.1.3:8080 masq 4 \"check.php\", \"^OK\"\n"
	    "\trequest=\"health\"\n\treceive=\"up and running\"\n"
	    "\tfallback=127.0.0.1\n\tquiescent=yes\n"
	    "virtual=10.0.0.1:25\n"
	    "    real=10.0.1.5 gate\n"
	    "    checktype=connect\n"
	    "    negotiatetimeout=9\n"
	    "virtual=10.0.0.1:21\n"
	    "    real=10.0.1.6 gate\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->n_services, 3);
	s = &r.cfg->services[0];
	assert_int_equal(s->scheduler, CFG_SCHED_WRR);	/* ldirectord's default */
	assert_int_equal(s->on_failure, CFG_FAIL_QUIESCE);	/* the virtual's own */
	assert_int_equal(s->check.type, CHECK_HTTP);	/* service http from port 80 */
	assert_string_equal(s->check.path, "/health");
	assert_int_equal(s->check.interval, 7000);
	/* no negotiatetimeout: checktimeout stands in, as ldirectord does */
	assert_int_equal(s->check.timeout, 3000);
	assert_int_equal(s->check.fall, 2);
	assert_int_equal(s->n_real_servers, 3);
	assert_int_equal(s->real_servers[0].address.port, 80);
	assert_int_equal(s->real_servers[2].address.port, 8080);
	assert_int_equal(s->real_servers[2].weight, 4);
	assert_string_equal(s->real_servers[1].check.path, "/check.php");
	assert_string_equal(s->real_servers[1].check.body, "^OK");
	assert_int_equal(s->real_servers[1].check.type, CHECK_HTTP);	/* inherited */
	assert_int_equal(s->sorry_server.port, 80);
	s = &r.cfg->services[1];
	assert_int_equal(s->check.type, CHECK_TCP);
	assert_int_equal(s->check.timeout, 3000);	/* connect: checktimeout */
	assert_int_equal(s->on_failure, CFG_FAIL_REMOVE);
	assert_int_equal(s->forwarding, CFG_FWD_DR);
	assert_int_equal(r.cfg->services[2].check.type, CHECK_TCP);
	has_warning(&r, "ld.cf:5: fork: not used by any service");
	has_warning(&r, "service: ftp: lvsd has no ftp check — a TCP connect check instead");
	done(&r);
}

static void test_ldirectord_malformed(void **state)
{
	(void)state;
	parse_fails(IMP_FMT_LDIRECTORD, "checktimeout=3\n\treal=1.2.3.4:80 gate\n",
		    "in:2: 'real': an indented line before any virtual=");
	parse_fails(IMP_FMT_LDIRECTORD, "virtual=1.2.3.4:80\n\tjunk here\n",
		    "in:2: 'junk here': expected key=value");
}

/* ---- detection and the emitter --------------------------------------------------- */

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(imp_detect("# x\n\n-A -t 1.2.3.4:80 -s rr\n"), IMP_FMT_IPVSADM);
	assert_int_equal(imp_detect("#!/bin/sh\n/sbin/ipvsadm -A -t 1.2.3.4:80\n"),
			 IMP_FMT_IPVSADM);
	assert_int_equal(imp_detect("# ld\nchecktimeout = 3\nvirtual=1.2.3.4:80\n"),
			 IMP_FMT_LDIRECTORD);
	assert_int_equal(imp_detect("! Configuration File for keepalived\n\nglobal_defs {\n"),
			 IMP_FMT_KEEPALIVED);
	assert_int_equal(imp_detect("include /etc/keepalived/*.conf\n"), IMP_FMT_KEEPALIVED);
	assert_int_equal(imp_detect("\n# only comments\n"), IMP_FMT_UNKNOWN);
	assert_int_equal(imp_format_parse("ldirectord"), IMP_FMT_LDIRECTORD);
	assert_int_equal(imp_format_parse("haproxy"), IMP_FMT_UNKNOWN);
}

static void test_emit_quoting(void **state)
{
	struct imp_ctx ctx;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct imp_node *g;

	(void)state;
	imp_init(&ctx, NULL);
	g = imp_map(&ctx, ctx.root, "global");
	imp_set(&ctx, g, "router_id", IMP_STR, "yes");
	imp_set(&ctx, g, "a", IMP_STR, "1.1");
	imp_set(&ctx, g, "b", IMP_STR, "x: y # z");
	imp_set(&ctx, g, "c", IMP_NUM, "0.5");
	imp_set(&ctx, g, "d", IMP_STR, "10.0.0.1:80");
	imp_set(&ctx, g, "a", IMP_STR, "1.0");	/* replaced in place */
	assert_int_equal(imp_emit(&ctx, f), 0);
	fclose(f);
	assert_string_equal(out, "global:\n  router_id: \"yes\"\n  a: \"1.0\"\n"
			    "  b: 'x: y # z'\n  c: 0.5\n  d: 10.0.0.1:80\n");
	free(out);
	imp_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kad_tokens),
		cmocka_unit_test(test_kad_malformed),
		cmocka_unit_test(test_kad_include),
		cmocka_unit_test(test_kad_include_loop),
		cmocka_unit_test(test_ipvsadm),
		cmocka_unit_test(test_ipvsadm_malformed),
		cmocka_unit_test(test_ldirectord),
		cmocka_unit_test(test_ldirectord_malformed),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_emit_quoting),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}

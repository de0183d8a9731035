/*
 * test_check_stream.c - the tcp and tls transports end to end, through
 * the real checker engine (check.c), against loopback servers served by
 * the same event loop (test_check_stream_util.c): connects that work or
 * are refused, HTTP servers that answer well, badly, slowly, not at all
 * or too much, and TLS servers whose certificates are valid, expired,
 * for another name or self-signed. Each check runs with rise 1 and
 * fall 1, so its first probe's result is what checker_last() shows.
 */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <netinet/in.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/x509.h>

#include "check.h"
#include "test_check_stream_util.h"

#define OK_200 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

struct fx {
	struct tpki *pki;
	struct event_base *base;
	struct logger log;
	struct check_env env;
	struct cfg_check conf;
	struct tsrv *srv;
	struct checker *c;
	/* Tests with several checkers: here, so teardown frees them if one fails. */
	struct cfg_check more_conf[3];
	struct checker *more[3];
	struct tsrv *more_srv[3];
	unsigned changes;		/* on_change calls */
	char last[CHECK_DETAIL_MAX + 48];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Run the loop for about ms milliseconds. */
static void run_for(struct fx *f, unsigned ms)
{
	struct timeval tv = { 0, (suseconds_t)ms * 1000 };

	event_base_loopexit(f->base, &tv);
	event_base_dispatch(f->base);
}

static struct cfg_check conf_of(enum cfg_check_type type)
{
	struct cfg_check c;

	memset(&c, 0, sizeof(c));
	c.type = type;
	c.interval = 100;
	c.timeout = 300;
	c.rise = 1;
	c.fall = 1;
	return c;
}

static void on_change(void *arg, struct checker *c)
{
	struct fx *f = arg;

	(void)c;
	f->changes++;
}

static struct checker *start_at(struct fx *f, const struct cfg_check *conf, const char *addr,
				char *err, size_t errlen)
{
	struct checker_args a = { .env = &f->env, .conf = conf, .label = "test",
				  .on_change = on_change, .arg = f, .seed = 7 };

	assert_int_equal(addr_parse(addr, ADDR_PORT_REQUIRED, &a.real_server, err, errlen), 0);
	return checker_new(&a, err, errlen);
}

/* f->conf's first probe against addr: its result, as checker_last() says it. */
static const char *probe_addr(struct fx *f, const char *addr)
{
	char err[256] = "";
	uint64_t end;

	f->c = start_at(f, &f->conf, addr, err, sizeof(err));
	if (!f->c)
		fail_msg("checker_new: %s", err);
	end = now_ms() + 3000;
	while (!checker_last(f->c)[0] && now_ms() < end)
		run_for(f, 5);
	snprintf(f->last, sizeof(f->last), "%s", checker_last(f->c));
	return f->last;
}

/* The same against f->srv on 127.0.0.1. */
static const char *probe(struct fx *f)
{
	char addr[64];

	snprintf(addr, sizeof(addr), "127.0.0.1:%u", tsrv_port(f->srv));
	return probe_addr(f, addr);
}

static void serve(struct fx *f, enum tsrv_kind kind, const char *reply, SSL_CTX *tls)
{
	f->srv = tsrv_new(f->base, false, kind, reply, reply ? strlen(reply) : 0, tls);
	assert_non_null(f->srv);
}

static void assert_prefix(const char *got, const char *want)
{
	if (strncmp(got, want, strlen(want)) != 0)
		fail_msg("got '%s', wanted '%s...'", got, want);
}

/* ---- fixtures ---------------------------------------------------------------- */

static int group_setup(void **state)
{
	static struct tpki pki;

	signal(SIGPIPE, SIG_IGN);
	if (tpki_make(&pki) < 0)
		return -1;
	*state = &pki;
	return 0;
}

static int group_teardown(void **state)
{
	tpki_free(*state);
	return 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || !(f->base = event_base_new())) {
		free(f);
		return -1;
	}
	f->pki = *state;
	logger_init(&f->log, "test_check_stream");
	f->log.level = LOG_LVL_ERROR;
	f->env.base = f->base;
	f->env.log = &f->log;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	checker_free(f->c);
	tsrv_free(f->srv);
	for (int i = 0; i < 3; i++) {
		checker_free(f->more[i]);
		tsrv_free(f->more_srv[i]);
	}
	/* libevent finalizes freed bufferevents from the loop. */
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	event_base_free(f->base);
	logger_close(&f->log);
	free(f);
	return 0;
}

/* ---- tcp ------------------------------------------------------------------------ */

static void test_tcp_connects(void **state)
{
	struct fx *f = *state;

	f->conf = conf_of(CHECK_TCP);
	serve(f, TSRV_SILENT, NULL, NULL);
	assert_prefix(probe(f), "ok: connected in ");
	assert_true(checker_is_up(f->c));
	assert_int_equal(f->changes, 0);
}

static void test_tcp_ipv6(void **state)
{
	struct fx *f = *state;
	char addr[64];

	f->conf = conf_of(CHECK_TCP);
	f->srv = tsrv_new(f->base, true, TSRV_SILENT, NULL, 0, NULL);
	if (!f->srv)
		skip();		/* no ::1 here */
	snprintf(addr, sizeof(addr), "[::1]:%u", tsrv_port(f->srv));
	assert_prefix(probe_addr(f, addr), "ok: connected in ");
}

static void test_tcp_refused(void **state)
{
	struct fx *f = *state;
	char addr[64];

	f->conf = conf_of(CHECK_TCP);
	serve(f, TSRV_SILENT, NULL, NULL);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", tsrv_port(f->srv));
	tsrv_free(f->srv);	/* nothing listens there now */
	f->srv = NULL;
	assert_string_equal(probe_addr(f, addr), "fail: connect refused");
	assert_false(checker_is_up(f->c));
	assert_int_equal(f->changes, 1);
	assert_string_equal(checker_reason(f->c), "connect refused");
}

/* ---- http --------------------------------------------------------------------- */

static void test_http_up(void **state)
{
	struct fx *f = *state;

	f->conf = conf_of(CHECK_HTTP);
	f->conf.body = "^ok$";
	serve(f, TSRV_REPLY, OK_200, NULL);
	assert_prefix(probe(f), "ok: 200 in ");
	assert_int_equal(tsrv_accepted(f->srv), 1);
}

static void test_http_status_503(void **state)
{
	struct fx *f = *state;

	f->conf = conf_of(CHECK_HTTP);
	serve(f, TSRV_REPLY, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
	      NULL);
	assert_string_equal(probe(f), "fail: http status 503");
	assert_false(checker_is_up(f->c));
}

static void test_http_wrong_body(void **state)
{
	struct fx *f = *state;

	f->conf = conf_of(CHECK_HTTP);
	f->conf.body = "^ok$";
	serve(f, TSRV_REPLY, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nnot ok", NULL);
	assert_string_equal(probe(f), "fail: body does not match \"^ok$\"");
}

/* A reply dripping in is no answer: the one deadline covers it all. */
static void test_http_drip(void **state)
{
	struct fx *f = *state;

	f->conf = conf_of(CHECK_HTTP);
	serve(f, TSRV_DRIP, OK_200, NULL);
	assert_string_equal(probe(f), "fail: timeout after 0.3s reading the status line");
}

static void test_http_closed_after_headers(void **state)
{
	struct fx *f = *state;

	f->conf = conf_of(CHECK_HTTP);
	f->conf.body = "ok";
	serve(f, TSRV_REPLY, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", NULL);
	assert_string_equal(probe(f), "fail: connection closed while reading the body");
}

static void test_http_black_hole(void **state)
{
	struct fx *f = *state;

	f->conf = conf_of(CHECK_HTTP);
	serve(f, TSRV_SILENT, NULL, NULL);
	assert_string_equal(probe(f), "fail: timeout after 0.3s waiting for the reply");
}

static void test_http_reply_too_large(void **state)
{
	struct fx *f = *state;
	size_t n = CHECK_MAX_INPUT + 100 * 1024;
	char *junk = malloc(n + 1);

	assert_non_null(junk);
	memset(junk, 'x', n);
	junk[n] = '\0';		/* one endless status line */
	f->conf = conf_of(CHECK_HTTP);
	serve(f, TSRV_REPLY, junk, NULL);
	probe(f);
	tsrv_free(f->srv);
	f->srv = NULL;
	free(junk);
	assert_string_equal(f->last, "fail: reply too large");
}

/* ---- http keepalive ----------------------------------------------------------- */

/* Start f->c on f->conf toward f->srv and run it until k probes have ended (5 s at most). */
static void run_probes(struct fx *f, uint64_t k)
{
	uint64_t end = now_ms() + 5000;
	char addr[64], err[256] = "";

	if (!f->c) {
		snprintf(addr, sizeof(addr), "127.0.0.1:%u", tsrv_port(f->srv));
		f->c = start_at(f, &f->conf, addr, err, sizeof(err));
		if (!f->c)
			fail_msg("checker_new: %s", err);
	}
	/* Probes run one after another: the (k+1)th begun, the kth has ended. */
	while (checker_probes(f->c) <= k && now_ms() < end)
		run_for(f, 5);
	if (checker_probes(f->c) <= k)
		fail_msg("only %llu probes in 5 s", (unsigned long long)checker_probes(f->c));
}

static void keepalive_conf(struct fx *f)
{
	f->conf = conf_of(CHECK_HTTP);
	f->conf.http_version = CFG_HTTP_11;
	f->conf.keepalive = true;
	f->conf.interval = 50;
}

/* Every probe passed: the checker never changed state. */
static void assert_all_ok(struct fx *f)
{
	assert_true(checker_is_up(f->c));
	assert_string_equal(checker_reason(f->c), "");
	assert_prefix(checker_last(f->c), "ok: 200 in ");
}

static void test_keepalive_one_connection(void **state)
{
	struct fx *f = *state;

	keepalive_conf(f);
	f->conf.body = "^ok$";
	serve(f, TSRV_KEEP, OK_200, NULL);
	run_probes(f, 4);
	assert_all_ok(f);
	assert_int_equal(tsrv_accepted(f->srv), 1);
}

/* The server closes the idle connection between probes: no failure, a new connection. */
static void test_keepalive_server_closes_idle(void **state)
{
	struct fx *f = *state;

	keepalive_conf(f);
	serve(f, TSRV_KEEP, OK_200, NULL);
	run_probes(f, 2);
	run_for(f, 10);	/* most likely between probes now (if not, the reply's wait sees it) */
	tsrv_close_all(f->srv);
	run_probes(f, 4);
	assert_all_ok(f);
	assert_int_equal(tsrv_accepted(f->srv), 2);
}

/* Four probes of a keepalive check against such a server: all pass, each on a new connection. */
static void assert_new_connection_each_probe(struct fx *f, enum tsrv_kind kind, const char *reply)
{
	keepalive_conf(f);
	serve(f, kind, reply, NULL);
	run_probes(f, 4);
	assert_all_ok(f);
	assert_true(tsrv_accepted(f->srv) >= 4);
}

/* The server closes the kept connection on the next request: the probe reconnects. */
static void test_keepalive_closed_on_request(void **state)
{
	assert_new_connection_each_probe(*state, TSRV_KEEP_ONCE, OK_200);
}

/* "Connection: close" from a server that would keep it open: a new connection each probe. */
static void test_keepalive_refused_by_server(void **state)
{
	assert_new_connection_each_probe(*state, TSRV_KEEP, "HTTP/1.1 200 OK\r\nConnection: close\r\n"
					 "Content-Length: 2\r\n\r\nok");
}

/* Bytes after the reply are never the next probe's reply: the connection goes. */
static void test_keepalive_extra_bytes(void **state)
{
	assert_new_connection_each_probe(*state, TSRV_KEEP,
					 OK_200 "HTTP/1.1 503 Stale\r\nContent-Length: 0\r\n\r\n");
}

/* A failure reads as without keepalive, and ends the connection. */
static void test_keepalive_503(void **state)
{
	struct fx *f = *state;

	keepalive_conf(f);
	serve(f, TSRV_KEEP, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
	      NULL);
	run_probes(f, 3);
	assert_string_equal(checker_last(f->c), "fail: http status 503");
	assert_false(checker_is_up(f->c));
	assert_true(tsrv_accepted(f->srv) >= 3);
}

/* ---- tls ---------------------------------------------------------------------- */

static void https_conf(struct fx *f, bool verify, const char *host)
{
	f->conf = conf_of(CHECK_HTTPS);
	f->conf.verify = verify;
	f->conf.ca = f->pki->ca_file;
	f->conf.host = host;
	/* Close-delimited: the end of a TLS stream must read as an end. */
	f->conf.body = "^ok$";
}

static const char *https_probe(struct fx *f, enum tpki_cert cert, bool verify, const char *host)
{
	https_conf(f, verify, host);
	serve(f, TSRV_REPLY, "HTTP/1.0 200 OK\r\n\r\nok", f->pki->server[cert]);
	return probe(f);
}

static void test_tls_valid(void **state)
{
	assert_prefix(https_probe(*state, TPKI_VALID, true, "localhost"), "ok: 200 in ");
}

static void test_tls_valid_by_ip(void **state)
{
	assert_prefix(https_probe(*state, TPKI_VALID, true, NULL), "ok: 200 in ");
}

static void test_tls_expired(void **state)
{
	assert_string_equal(https_probe(*state, TPKI_EXPIRED, true, "localhost"),
			    "fail: TLS: certificate has expired");
}

static void test_tls_wrong_name(void **state)
{
	assert_string_equal(https_probe(*state, TPKI_WRONG_NAME, true, "localhost"),
			    "fail: TLS: hostname mismatch");
}

static void test_tls_wrong_ip(void **state)
{
	assert_string_equal(https_probe(*state, TPKI_WRONG_NAME, true, NULL),
			    "fail: TLS: IP address mismatch");
}

static void test_tls_self_signed(void **state)
{
	char want[128];

	snprintf(want, sizeof(want), "fail: TLS: %s",
		 X509_verify_cert_error_string(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT));
	assert_string_equal(https_probe(*state, TPKI_SELF_SIGNED, true, "localhost"), want);
}

static void test_tls_no_verify(void **state)
{
	static const enum tpki_cert bad[] = { TPKI_EXPIRED, TPKI_WRONG_NAME, TPKI_SELF_SIGNED };
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_prefix(https_probe(f, bad[i], false, "localhost"), "ok: 200 in ");
		checker_free(f->c);
		tsrv_free(f->srv);
		f->c = NULL;
		f->srv = NULL;
	}
}

static void test_tls_server_closes(void **state)
{
	struct fx *f = *state;

	https_conf(f, false, NULL);
	serve(f, TSRV_CLOSE, NULL, NULL);
	assert_prefix(probe(f), "fail: TLS handshake failed: ");
}

static void test_tls_black_hole(void **state)
{
	struct fx *f = *state;

	https_conf(f, false, NULL);
	serve(f, TSRV_SILENT, NULL, NULL);
	assert_string_equal(probe(f), "fail: timeout after 0.3s in the TLS handshake");
}

static void test_tls_missing_ca(void **state)
{
	struct fx *f = *state;
	char err[256] = "";

	https_conf(f, true, NULL);
	f->conf.ca = "/nonexistent/lvsd-ca.pem";
	assert_null(start_at(f, &f->conf, "127.0.0.1:443", err, sizeof(err)));
	assert_string_equal(err,
			    "cannot load CA file /nonexistent/lvsd-ca.pem: No such file or directory");
}

/* ---- one socket per checker ----------------------------------------------------- */

/* Descriptors this process holds now. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the listing's own */
}

/* The fewest descriptors seen in 12 looks, 17 ms of the loop apart: probes come every 50 ms. */
static int fewest_fds(struct fx *f)
{
	int fewest = open_fds();

	for (int i = 0; i < 12; i++) {
		int n;

		run_for(f, 17);
		n = open_fds();
		fewest = n < fewest ? n : fewest;
	}
	return fewest;
}

/*
 * A probe ends with a reset that keeps its socket (connect(AF_UNSPEC)),
 * and the next probe connects it again: between probes the checker holds
 * one socket, never none, and every probe passes on it.
 */
static void test_http_keeps_its_socket(void **state)
{
	struct fx *f = *state;
	int before;

	f->conf = conf_of(CHECK_HTTP);
	f->conf.interval = 50;
	serve(f, TSRV_REPLY, OK_200, NULL);
	before = open_fds();
	run_probes(f, 4);
	assert_int_equal(fewest_fds(f), before + 1);
	run_probes(f, 12);
	assert_all_ok(f);
	assert_true(tsrv_accepted(f->srv) >= 12);
}

/*
 * A socket in the upper half of the descriptor limit is closed, not kept.
 * The limit applies to the numbers new descriptors get (the lowest free
 * one), so it is set to twice the lowest free number: every socket of
 * the test gets a number in the upper half.
 */
static void test_http_spare_within_half_the_limit(void **state)
{
	struct fx *f = *state;
	struct rlimit old, low;
	int before, lowest, fill[64], nfill = 0;

	f->conf = conf_of(CHECK_HTTP);
	f->conf.interval = 50;
	serve(f, TSRV_REPLY, OK_200, NULL);
	/* Room in the upper half for the probe's socket, the server's and the tests' own. */
	while (nfill < 64 && (lowest = dup(0)) >= 0 && lowest < 16)
		fill[nfill++] = lowest;
	assert_true(lowest >= 16);
	close(lowest);
	before = open_fds();
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 2 * (rlim_t)lowest;
	if (low.rlim_cur > old.rlim_cur)
		skip();
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	run_probes(f, 4);		/* the limit is read when the checker is made */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(fewest_fds(f), before);
	assert_all_ok(f);
	for (int i = 0; i < nfill; i++)
		close(fill[i]);
}

/* The server gone: a probe on the kept socket is refused as a new socket's would be. */
static void test_http_refused_on_a_kept_socket(void **state)
{
	struct fx *f = *state;
	uint64_t end;

	f->conf = conf_of(CHECK_HTTP);
	f->conf.interval = 50;
	serve(f, TSRV_REPLY, OK_200, NULL);
	run_probes(f, 3);
	assert_all_ok(f);
	tsrv_free(f->srv);
	f->srv = NULL;
	/* A probe in flight when the server went is reset instead; the next one is refused. */
	end = now_ms() + 2000;
	while (strcmp(checker_last(f->c), "fail: connect refused") != 0 && now_ms() < end)
		run_for(f, 5);
	assert_string_equal(checker_last(f->c), "fail: connect refused");
	assert_false(checker_is_up(f->c));
}

/* ---- many probes ------------------------------------------------------------------ */

/*
 * Hundreds of probes that end every way (up, down, cancelled by their
 * deadline, cancelled by checker_free) leave nothing behind: ASan's leak
 * check at exit is the judge of that.
 */
static void test_many_probes(void **state)
{
	struct fx *f = *state;
	struct cfg_check *fast = &f->more_conf[0], *silent = &f->more_conf[1];
	struct cfg_check *tls = &f->more_conf[2];
	struct checker **c = f->more;
	struct tsrv **srv = f->more_srv;
	char addr[64], err[256];

	srv[0] = tsrv_new(f->base, false, TSRV_REPLY, OK_200, strlen(OK_200), NULL);
	srv[1] = tsrv_new(f->base, false, TSRV_SILENT, NULL, 0, NULL);
	srv[2] = tsrv_new(f->base, false, TSRV_REPLY, OK_200, strlen(OK_200),
			  f->pki->server[TPKI_VALID]);
	assert_true(srv[0] && srv[1] && srv[2]);
	*fast = conf_of(CHECK_HTTP);
	*silent = conf_of(CHECK_HTTP);
	*tls = conf_of(CHECK_HTTPS);
	fast->interval = 2;
	silent->interval = 3;
	silent->timeout = 2;
	tls->interval = 4;
	for (int i = 0; i < 3; i++) {
		snprintf(addr, sizeof(addr), "127.0.0.1:%u", tsrv_port(srv[i]));
		c[i] = start_at(f, &f->more_conf[i], addr, err, sizeof(err));
		assert_non_null(c[i]);
	}
	for (uint64_t end = now_ms() + 1500; now_ms() < end;)
		run_for(f, 50);
	assert_true(checker_probes(c[0]) >= 100);
	assert_true(checker_probes(c[1]) >= 100);
	assert_true(checker_probes(c[2]) >= 50);
	/* Not one failure among the good ones: they never changed state. */
	assert_true(checker_is_up(c[0]));
	assert_string_equal(checker_reason(c[0]), "");
	assert_false(checker_is_up(c[1]));
	assert_prefix(checker_last(c[1]), "fail: timeout after ");
	assert_true(checker_is_up(c[2]));
	assert_string_equal(checker_reason(c[2]), "");
	/* Freed by teardown, some of them mid-probe. */
}

/*
 * A tcp check is the SYN-ACK alone: it holds the handshake's last ACK
 * back and resets the connection, so a listener that never accepts has
 * nothing in its queue however many probes passed.
 */
static void test_tcp_never_completes_a_handshake(void **state)
{
	struct fx *f = *state;
	unsigned port;
	int lfd = tsrv_bare_listener(&port), accepted = 0, fd;
	char addr[64], err[256] = "";

	assert_true(lfd >= 0);
	f->conf = conf_of(CHECK_TCP);
	f->conf.interval = 20;
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	f->c = start_at(f, &f->conf, addr, err, sizeof(err));
	assert_non_null(f->c);
	for (uint64_t end = now_ms() + 3000; checker_probes(f->c) < 10 && now_ms() < end;)
		run_for(f, 10);
	run_for(f, 10);		/* the last probe's reset is out */
	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		accepted++;
		close(fd);
	}
	assert_int_equal(errno, EAGAIN);
	assert_true(checker_probes(f->c) >= 10);
	assert_prefix(checker_last(f->c), "ok: connected in ");
	assert_int_equal(accepted, 0);
	close(lfd);
}

/*
 * A probe that outlives its interval (timeout 60 ms, interval 10 ms, a
 * server that never answers): one probe at a time, the next one as soon
 * as it ends, not at the next tick, and neither counted as late.
 */
static void test_overrun_probes_back_to_back(void **state)
{
	struct fx *f = *state;
	char addr[64], err[256] = "";
	uint64_t t0, ms, n;

	f->conf = conf_of(CHECK_HTTP);
	f->conf.interval = 10;
	f->conf.timeout = 60;
	serve(f, TSRV_SILENT, NULL, NULL);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", tsrv_port(f->srv));
	f->c = start_at(f, &f->conf, addr, err, sizeof(err));
	assert_non_null(f->c);
	t0 = now_ms();
	while (now_ms() < t0 + 900)
		run_for(f, 20);
	ms = now_ms() - t0;
	n = checker_probes(f->c);
	/* At most one in flight: never more than one per timeout (+ the first). */
	assert_true(n <= ms / 60 + 2);
	/* Back to back: well over one per two timeouts, even on a slow machine. */
	assert_true(n >= ms / 120);
	assert_prefix(checker_last(f->c), "fail: timeout after 0.1s waiting for the reply");
}

/*
 * The schedule starts when the loop runs: a checker made 300 ms before
 * the loop turns (a daemon's start programming its table) is not late.
 */
static void test_schedule_starts_with_the_loop(void **state)
{
	struct fx *f = *state;
	struct timespec block = { 0, 300 * 1000 * 1000 };
	char addr[64], err[256] = "";

	f->conf = conf_of(CHECK_TCP);
	serve(f, TSRV_SILENT, NULL, NULL);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", tsrv_port(f->srv));
	f->c = start_at(f, &f->conf, addr, err, sizeof(err));
	assert_non_null(f->c);
	nanosleep(&block, NULL);
	for (uint64_t end = now_ms() + 3000; checker_probes(f->c) < 3 && now_ms() < end;)
		run_for(f, 20);
	assert_true(checker_probes(f->c) >= 3);
	if (checker_late_max_ms(f->c) >= 100)
		fail_msg("a probe started %llu ms late", (unsigned long long)checker_late_max_ms(f->c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp_connects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_never_completes_a_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overrun_probes_back_to_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schedule_starts_with_the_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_status_503, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_wrong_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_drip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_closed_after_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_black_hole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_reply_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_one_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_server_closes_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_closed_on_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_refused_by_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_extra_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_503, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_valid_by_ip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_wrong_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_wrong_ip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_self_signed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_no_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_server_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_black_hole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_missing_ca, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_keeps_its_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_spare_within_half_the_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_refused_on_a_kept_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_probes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * check.h - lvsd's health checks: one scheduler, a few transports, small
 * protocol judges.
 *
 * A checker (check.c) probes one real server every `interval`, gives each
 * probe one deadline (`timeout`) that covers everything it does, and turns
 * results into up/down with `rise` and `fall`; it reports transitions to
 * its owner (src/health.c) and never touches the forwarding core. A probe
 * runs over a transport: tcp and tls (check_stream.c, check_tls.c) move a
 * byte stream, udp (check_dgram.c) datagrams, script (check_script.c)
 * runs a program. What the bytes must say is a protocol's business:
 * http (check_http.c), expect (check_expect.c), smtp (check_smtp.c), dns
 * (check_dns.c) each judge the bytes received so far and say "more",
 * "up", "down" or "send this next". A `tcp` check has no protocol: the
 * server's SYN-ACK is the whole check (check_syn.c writes the SYN on a
 * raw socket; check_tcp.c connects where it cannot). The kinds of the
 * configuration map onto these as check_plan() says.
 *
 * Ownership: the engine owns every struct check_probe; a transport owns
 * its per-probe state (p->run) until it calls check_probe_done() or is
 * cancelled; a protocol's state is per checker (made once by prepare()).
 * Nothing may keep a pointer into p->conf beyond one callback: a reload
 * swaps the configuration under a running checker (check_conf_equal()
 * says when the checker may stay).
 */
#ifndef LVSD_CHECK_H
#define LVSD_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "cfg.h"
#include "log.h"

struct event_base;
struct checker;
struct check_syn;

/* The most a transport keeps of a reply that no protocol has consumed. */
#define CHECK_MAX_INPUT (1024 * 1024)
/* Room for a result's words: "http status 503", "certificate has expired". */
#define CHECK_DETAIL_MAX 160

/* What all checkers of one daemon share. */
struct check_env {
	struct event_base *base;
	struct logger *log;
	/* global.script_user, resolved; run_as false: scripts keep lvsd's ids. */
	bool run_as;
	uid_t script_uid;
	gid_t script_gid;
	/* tcp checks' SYN probes (check_syn.c); NULL: every tcp check connects. */
	struct check_syn *syn;
};

/*
 * The SYN probes' sockets, shared by all tcp checks of a daemon; made
 * per address family on its first probe. NULL when out of memory.
 */
struct check_syn *check_syn_new(struct event_base *base, struct logger *log);
/* After every checker that used it. */
void check_syn_free(struct check_syn *s);

struct check_transport;
struct check_proto;

/* One probe: made by the engine, run by a transport, judged by a protocol. */
struct check_probe {
	const struct check_env *env;
	const struct cfg_check *conf;
	struct lvs_addr target;		/* what is probed: the check's address/port, else the RS */
	struct lvs_addr real_server;	/* the real server as traffic reaches it */
	const struct check_transport *transport;
	void *transport_state;		/* per checker, from transport->prepare (NULL if none) */
	const struct check_proto *proto;	/* NULL: connecting is the whole check */
	void *proto_state;		/* per checker, from proto->prepare */
	int step;			/* the protocol's place in a dialogue; 0 at start */
	void *run;			/* the transport's own, for this probe */
	/*
	 * What the probe waits for now, in words that finish "timeout after
	 * 1.0s ...": "connecting", "in the TLS handshake", "reading the
	 * body". Transports and protocols keep it current; a static string.
	 */
	const char *phase;
	struct checker *owner;		/* the engine's */
};

/*
 * The end of a probe, reported once by its transport after it has freed
 * p->run. detail says what was seen: "200", "http status 503", "connect
 * refused", "certificate has expired". Never called from inside start().
 */
void check_probe_done(struct check_probe *p, bool up, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same with the detail as it is (no formatting: the common, cheap case). */
void check_probe_end(struct check_probe *p, bool up, const char *detail);

/* ---- transports: check_stream.c (tcp, tls), check_dgram.c (udp), check_script.c */

struct check_transport {
	const char *name;
	/* Per checker, once (e.g. a TLS context). Optional. 0, or -1 with err. */
	int (*prepare)(const struct cfg_check *conf, void **state, char *err, size_t errlen);
	void (*release)(void *state);
	/*
	 * Begin a probe on env->base: connect to p->target, send
	 * proto->request, feed what arrives to proto->judge until it decides,
	 * then close and call check_probe_done(). -1 with why when it cannot
	 * even begin (no socket, no memory): the engine counts a failure.
	 */
	int (*start)(struct check_probe *p, char *why, size_t whylen);
	/* The deadline passed or the checker goes away: drop everything, report nothing. */
	void (*cancel)(struct check_probe *p);
};

extern const struct check_transport check_tcp_transport;

/*
 * For the stream transports (check_tcp_sock.c): a non-blocking socket with
 * connect() begun toward target; we_speak_first turns TCP_QUICKACK off so
 * that the handshake's last ACK rides on our first bytes (or, for a bare
 * tcp check, is never sent). The fd, with *connect_err set if connect()
 * failed at once; or -1 with why.
 */
int check_tcp_connect(const struct lvs_addr *target, bool we_speak_first, int *connect_err,
		      char *why, size_t whylen);
/* Close a probe's socket with a reset (SO_LINGER 0): no TIME_WAIT on either side. */
void check_tcp_abort(int fd);
extern const struct check_transport check_tls_transport;
extern const struct check_transport check_udp_transport;
extern const struct check_transport check_script_transport;

/* ---- protocols: check_http.c, check_expect.c, check_smtp.c, check_dns.c ---------- */

enum check_verdict {
	CHECK_MORE,	/* read on */
	CHECK_UP,	/* done: the server is healthy (detail says what was seen) */
	CHECK_DOWN,	/* done: it is not (detail says why) */
	CHECK_SEND,	/* send in->send, then read on (a dialogue: smtp) */
};

/* What judge() is shown, and what it answers besides its verdict. */
struct check_input {
	const unsigned char *data;	/* received and not consumed yet */
	size_t len;
	bool eof;			/* stream: the peer closed; no more will come */
	/* answers */
	size_t consume;			/* leading bytes judged and no longer needed */
	const unsigned char *send;	/* CHECK_SEND: the bytes, valid until the next call */
	size_t send_len;
	char detail[CHECK_DETAIL_MAX];	/* CHECK_UP / CHECK_DOWN: what was seen */
	/*
	 * CHECK_UP: the reply ended exactly at the consumed bytes and the
	 * connection may carry the next probe's request (http keepalive);
	 * a transport that cannot keep one ignores it.
	 */
	bool keep;
	const char *phase;		/* CHECK_MORE: what is awaited, as probe.phase */
};

struct check_proto {
	const char *name;
	/* Per checker, once: compile regexes, build the request. 0, or -1 with err. */
	int (*prepare)(const struct cfg_check *conf, const struct lvs_addr *target,
		       void **state, char *err, size_t errlen);
	void (*release)(void *state);
	/* The bytes to send first, asked at each probe's start; len 0: the server speaks first. */
	void (*request)(void *state, const unsigned char **data, size_t *len);
	/*
	 * Judge what came in so far (a stream: all unconsumed bytes; udp: one
	 * datagram, which is consumed whatever the answer). *step is the
	 * probe's dialogue position, 0 at the start.
	 */
	enum check_verdict (*judge)(void *state, int *step, struct check_input *in);
};

extern const struct check_proto check_http_proto;
extern const struct check_proto check_expect_proto;
extern const struct check_proto check_smtp_proto;
extern const struct check_proto check_dns_proto;

/* The transport and protocol (NULL for tcp and script) a configured check runs on. */
void check_plan(const struct cfg_check *conf, const struct check_transport **transport,
		const struct check_proto **proto);

/* ---- checkers: check.c -------------------------------------------------------------- */

struct checker_args {
	const struct check_env *env;
	const struct cfg_check *conf;	/* type != CHECK_NONE */
	struct lvs_addr real_server;	/* address:port traffic goes to */
	const char *label;		/* for the log: "web 10.0.0.21:80" (copied) */
	/* Called on every up/down transition, after the state changed. */
	void (*on_change)(void *arg, struct checker *c);
	void *arg;
	uint64_t seed;			/* spreads the first probe over the interval */
	size_t peers;			/* checkers the caller runs, this one among them; 0: unknown */
	/*
	 * How it starts: as `alpha` says, or (replacing a checker whose check
	 * a reload changed) in that checker's state, so a dead server is not
	 * taken back in for a reload's sake.
	 */
	enum { CHECKER_START_ALPHA, CHECKER_START_UP, CHECKER_START_DOWN } start;
};

/*
 * A checker's first probe falls at a random point of its first interval,
 * on a grid of slots (when the interval holds two of CHECK_SLOT_US or
 * more), so that checkers fire in groups, one wake-up of the loop each
 * (check.c): a slot is CHECK_SLOT_US wide, or wider when there are too
 * few peers to put CHECK_SLOT_PROBES in each.
 */
#define CHECK_SLOT_US 5000u
#define CHECK_SLOT_PROBES 16u
uint64_t check_first_delay_us(uint64_t random, uint64_t interval_us, size_t peers);

/* A checker, started: its first probe runs within one interval. NULL with err. */
struct checker *checker_new(const struct checker_args *a, char *err, size_t errlen);
void checker_free(struct checker *c);
bool checker_is_up(const struct checker *c);
/* The last probe's result: "ok: 200 in 1.2ms", "fail: http status 503"; "" before the first. */
const char *checker_last(struct checker *c);	/* formats it when asked */
/* Why it last changed state (the failing or passing result's detail); "" if never. */
const char *checker_reason(const struct checker *c);
/* Probes run so far; the most any of them started behind its schedule, in ms. */
uint64_t checker_probes(const struct checker *c);
uint64_t checker_late_max_ms(const struct checker *c);
/* Point a checker at an equal configuration (after a reload); it keeps its state. */
void checker_rebind(struct checker *c, const struct cfg_check *conf);
/* Same probe, same thresholds: a reload may keep the checker. */
bool check_conf_equal(const struct cfg_check *a, const struct cfg_check *b);
/* What a check probes: its address and port overrides applied to the real server's. */
struct lvs_addr check_target(const struct cfg_check *conf, const struct lvs_addr *real_server);

#endif

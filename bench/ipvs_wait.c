/*
 * ipvs_wait.c - times a reload as the kernel sees it, for bench/reload.sh
 * in the test VM: from a SIGHUP to a daemon (keepalived, or lvsd on the
 * kernel core) until the kernel's IPVS table shows one real server at a
 * new weight. Each poll is one IPVS_CMD_GET_DEST dump of that one
 * service over generic netlink, so a poll costs the same at 10 or 10,000
 * destinations: ~0.2 ms of the VM's emulated CPU, most of it the kernel's
 * dump (a script that re-read all of /proc/net/ip_vs every few ms took
 * most of that CPU from the daemon it timed). Independent of lvsd's code
 * on purpose: a tool that judges the daemon must not share its netlink
 * layer.
 *
 * bench/mass_failure_vm.sh uses it to count: with -n COUNT and "all" for
 * the real server, it waits until COUNT real servers of the service are
 * at WEIGHT (every server of a service quiesced after a mass failure, or
 * back at its weight). There the dump holds all the service's servers
 * and a poll costs in proportion to them (-v says how much).
 *
 * Usage: ipvs_wait [-t SECONDS] [-i MS] [-v] [-T EPOCH] [-n COUNT]
 *                  PID|- VIP:PORT RIP:PORT|all WEIGHT
 *   t0 on CLOCK_MONOTONIC, SIGHUP to PID ("-": no signal, t0 is the
 *   start), then a dump every MS (1) ms until RIP's weight under the TCP
 *   service VIP is WEIGHT; prints the elapsed ms. With a PID, RIP must not
 *   be at WEIGHT already (there would be nothing to time). -v: the number
 *   of polls and their mean cost on stderr.
 *   -T EPOCH (with "-" only): t0 is that earlier moment on CLOCK_REALTIME,
 *   in seconds (bash's $EPOCHREALTIME, `date +%s.%N`), so that a caller
 *   can time from an event of its own (a kill) without counting this
 *   program's start.
 *   -n COUNT with "all": wait until COUNT real servers of the service are
 *   at WEIGHT; prints two times, when a poll first saw one of them at
 *   WEIGHT and when it saw COUNT. With a PID, fewer than COUNT must be at
 *   WEIGHT before the signal.
 * Exit status: 0 done, 1 usage or error (each netlink error named),
 * 2 timeout (SECONDS, 120 by default), as bench/reload_time.py's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ERRLEN 256
#define WAIT_BUFLEN 65536	/* more than one dump datagram holds */

struct endpoint {
	int af;
	unsigned char addr[16];	/* as the kernel's union nf_inet_addr: v4 in the first 4 */
	uint16_t port;		/* host order */
};

struct wait_opts {
	pid_t pid;		/* 0: no signal */
	struct endpoint vip, rip;
	uint32_t weight;
	double timeout_s, interval_ms;
	double t0_real;		/* -T: t0 on CLOCK_REALTIME; 0: none */
	long count;		/* -n: real servers at WEIGHT to wait for; 0: RIP's mode */
	bool verbose;
};

/* What one dump saw of RIP (or of all, counting), and how the conversation ended. */
struct wait_poll {
	const struct endpoint *rip;	/* NULL: count mode */
	uint32_t want;			/* count mode: the weight counted */
	bool found, done;
	uint32_t weight;
	long dests, at_weight;		/* count mode: seen, and at the weight */
	int kerr;		/* the kernel's errno, 0 if none */
};

struct wait_ctx {
	struct wait_opts o;
	struct nl_sock *sk;
	int family;
	struct nl_msg *req;	/* the dump request, sent again at each poll */
	unsigned char *buf;	/* the replies */
	uint32_t seq;
	long polls;
	long dests_max;		/* count mode: the most real servers a dump held */
	double poll_s;		/* time spent in dumps, for -v */
	double poll_cpu_s;	/* and the CPU they took (the kernel's dump runs in recv) */
};

static double clock_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static int usage(void)
{
	fprintf(stderr, "usage: ipvs_wait [-t SECONDS] [-i MS] [-v] [-T EPOCH] [-n COUNT]\n"
		"                 PID|- VIP:PORT RIP:PORT|all WEIGHT\n");
	return 1;
}

/* "1.2.3.4:80" or "[::1]:80". */
static int parse_endpoint(const char *s, struct endpoint *e)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : 0;
	char *end;
	long port;

	memset(e, 0, sizeof(*e));
	if (!colon || n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 1 || port > 65535)
		return -1;
	e->port = (uint16_t)port;
	if (host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = '\0';
		e->af = AF_INET6;
		return inet_pton(AF_INET6, host + 1, e->addr) == 1 ? 0 : -1;
	}
	e->af = AF_INET;
	return inet_pton(AF_INET, host, e->addr) == 1 ? 0 : -1;
}

static int parse_number(const char *s, double min, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	/* (written so that a NaN fails too) */
	return errno || end == s || *end || !(*out >= min && *out <= max) ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct wait_opts *o)
{
	double v;
	int c;

	*o = (struct wait_opts){ .timeout_s = 120, .interval_ms = 1 };
	while ((c = getopt(argc, argv, "t:i:vT:n:")) != -1) {
		if (c == 't' && parse_number(optarg, 0.001, 86400, &o->timeout_s) == 0)
			continue;
		if (c == 'i' && parse_number(optarg, 0, 60000, &o->interval_ms) == 0)
			continue;
		if (c == 'T' && parse_number(optarg, 1, 1e11, &o->t0_real) == 0)
			continue;
		if (c == 'n' && parse_number(optarg, 1, 1e9, &v) == 0 && v == (long)v) {
			o->count = (long)v;
			continue;
		}
		if (c == 'v') {
			o->verbose = true;
			continue;
		}
		if (c != '?')	/* getopt said what was wrong with the others */
			fprintf(stderr, "ipvs_wait: bad value for -%c: %s\n", c, optarg);
		return -1;
	}
	if (argc - optind != 4)
		return -1;
	argv += optind;
	if (strcmp(argv[0], "-") != 0) {
		if (parse_number(argv[0], 1, 4194304, &v) < 0 || v != (pid_t)v) {
			fprintf(stderr, "ipvs_wait: bad PID %s\n", argv[0]);
			return -1;
		}
		o->pid = (pid_t)v;
	}
	if (o->t0_real && o->pid) {
		fprintf(stderr, "ipvs_wait: -T is for \"-\" (no signal) only\n");
		return -1;
	}
	if (o->count && strcmp(argv[2], "all") != 0) {
		fprintf(stderr, "ipvs_wait: -n counts \"all\" the service's real servers\n");
		return -1;
	}
	if (!o->count && strcmp(argv[2], "all") == 0) {
		fprintf(stderr, "ipvs_wait: \"all\" needs -n COUNT\n");
		return -1;
	}
	if (parse_endpoint(argv[1], &o->vip) < 0 ||
	    (!o->count && parse_endpoint(argv[2], &o->rip) < 0)) {
		fprintf(stderr, "ipvs_wait: bad address %s or %s (want A.B.C.D:PORT or [V6]:PORT)\n",
			argv[1], argv[2]);
		return -1;
	}
	if (parse_number(argv[3], 0, 2147483647, &v) < 0 || v != (uint32_t)v) {
		fprintf(stderr, "ipvs_wait: bad weight %s\n", argv[3]);
		return -1;
	}
	o->weight = (uint32_t)v;
	return 0;
}

static int wait_open(struct wait_ctx *w, char *err)
{
	struct timeval rcv_timeout = { .tv_sec = (time_t)w->o.timeout_s + 1 };
	int rc;

	w->sk = nl_socket_alloc();
	if (!w->sk) {
		snprintf(err, ERRLEN, "nl_socket_alloc: out of memory");
		return -1;
	}
	rc = genl_connect(w->sk);
	if (rc < 0) {
		snprintf(err, ERRLEN, "generic netlink socket: %s", nl_geterror(rc));
		return -1;
	}
	/* so that a kernel that never answers is a timeout too (poll_once's recv) */
	if (setsockopt(nl_socket_get_fd(w->sk), SOL_SOCKET, SO_RCVTIMEO, &rcv_timeout,
		       sizeof(rcv_timeout)) < 0) {
		snprintf(err, ERRLEN, "SO_RCVTIMEO on the netlink socket: %s", strerror(errno));
		return -1;
	}
	w->family = genl_ctrl_resolve(w->sk, IPVS_GENL_NAME);
	if (w->family < 0) {
		snprintf(err, ERRLEN, "no generic netlink family %s (%s): is ip_vs loaded?",
			 IPVS_GENL_NAME, nl_geterror(w->family));
		return -1;
	}
	return 0;
}

/* The dump request, built once: the service's key is all the kernel needs. */
static int build_request(struct wait_ctx *w, char *err)
{
	const struct endpoint *v = &w->o.vip;
	struct nlattr *svc;

	w->req = nlmsg_alloc();
	w->buf = malloc(WAIT_BUFLEN);
	if (!w->req || !w->buf ||
	    !genlmsg_put(w->req, NL_AUTO_PORT, NL_AUTO_SEQ, w->family, 0,
			 NLM_F_REQUEST | NLM_F_DUMP, IPVS_CMD_GET_DEST, IPVS_GENL_VERSION) ||
	    !(svc = nla_nest_start(w->req, IPVS_CMD_ATTR_SERVICE)) ||
	    nla_put_u16(w->req, IPVS_SVC_ATTR_AF, (uint16_t)v->af) < 0 ||
	    nla_put_u16(w->req, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP) < 0 ||
	    nla_put(w->req, IPVS_SVC_ATTR_ADDR, sizeof(v->addr), v->addr) < 0 ||
	    nla_put_u16(w->req, IPVS_SVC_ATTR_PORT, htons(v->port)) < 0 ||
	    nla_nest_end(w->req, svc) < 0) {
		snprintf(err, ERRLEN, "out of memory building the IPVS_CMD_GET_DEST request");
		return -1;
	}
	return 0;
}

/* One destination of the dump: RIP's weight into p if it is RIP; counted in count mode. */
static void read_dest(struct wait_poll *p, struct nlmsghdr *nlh)
{
	struct genlmsghdr *g = nlmsg_data(nlh);
	size_t alen = p->rip && p->rip->af == AF_INET6 ? 16 : 4;
	struct nlattr *dest, *a, *addr = NULL, *port = NULL, *weight = NULL;
	int rem;

	if (!genlmsg_valid_hdr(nlh, 0))
		return;
	dest = nla_find(genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), IPVS_CMD_ATTR_DEST);
	if (!dest)
		return;
	if (!p->rip) {
		nla_for_each_nested(a, dest, rem) {
			if (nla_type(a) == IPVS_DEST_ATTR_WEIGHT && nla_len(a) >= 4) {
				p->dests++;
				p->at_weight += nla_get_u32(a) == p->want;
				break;
			}
		}
		return;
	}
	nla_for_each_nested(a, dest, rem) {
		if (nla_type(a) == IPVS_DEST_ATTR_ADDR && (size_t)nla_len(a) >= alen)
			addr = a;
		else if (nla_type(a) == IPVS_DEST_ATTR_PORT && nla_len(a) >= 2)
			port = a;
		else if (nla_type(a) == IPVS_DEST_ATTR_WEIGHT && nla_len(a) >= 4)
			weight = a;
	}
	if (addr && port && weight && memcmp(nla_data(addr), p->rip->addr, alen) == 0 &&
	    ntohs(nla_get_u16(port)) == p->rip->port) {
		p->found = true;
		p->weight = nla_get_u32(weight);
	}
}

/* The messages of one datagram; replies to an earlier poll are skipped. */
static void read_replies(struct wait_ctx *w, struct wait_poll *p, int len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)w->buf;

	for (; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_seq != w->seq)
			continue;
		if (nlh->nlmsg_type == NLMSG_DONE) {
			/* a dump that failed midway says so in DONE's payload */
			int e = nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))
				? *(int *)nlmsg_data(nlh) : 0;

			p->kerr = e < 0 ? -e : 0;
			p->done = true;
		} else if (nlh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = nlmsg_data(nlh);

			p->kerr = nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error
				? (e->error < 0 ? -e->error : e->error) : EPROTO;
			p->done = true;
		} else if (nlh->nlmsg_type == w->family) {
			read_dest(p, nlh);
		}
	}
}

/*
 * One dump of the service into p; -1 with err on a failure. Sent and read
 * on the bare socket, with one buffer for every poll: on the VM's
 * emulated CPU, libnl's receive path (an allocation and a copy of each
 * reply) took 83 us of user time per poll, this one 31; the kernel's dump,
 * ~0.2 ms there, is the rest.
 */
static int poll_once(struct wait_ctx *w, struct wait_poll *p, char *err)
{
	struct nlmsghdr *req = nlmsg_hdr(w->req);
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int fd = nl_socket_get_fd(w->sk);
	double t = now_s(), cpu = clock_s(CLOCK_THREAD_CPUTIME_ID);

	*p = (struct wait_poll){ .rip = w->o.count ? NULL : &w->o.rip, .want = w->o.weight };
	req->nlmsg_seq = ++w->seq;
	req->nlmsg_pid = nl_socket_get_local_port(w->sk);
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		snprintf(err, ERRLEN, "sending IPVS_CMD_GET_DEST: %s", strerror(errno));
		return -1;
	}
	while (!p->done) {
		ssize_t n = recv(fd, w->buf, WAIT_BUFLEN, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, ERRLEN, "reading the IPVS_CMD_GET_DEST dump: %s",
				 errno == EAGAIN ? "no answer from the kernel in time" : strerror(errno));
			return -1;
		}
		read_replies(w, p, (int)n);
	}
	w->polls++;
	w->poll_s += now_s() - t;
	w->poll_cpu_s += clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu;
	/* a service that is not (yet) there has no destinations: poll on */
	if (p->kerr == ESRCH || p->kerr == ENOENT)
		p->kerr = 0;
	if (p->kerr) {
		snprintf(err, ERRLEN, "IPVS_CMD_GET_DEST: the kernel says %s", strerror(p->kerr));
		return -1;
	}
	return 0;
}

static void sleep_ms(double ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
			       .tv_nsec = (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Count mode: polls until COUNT real servers are at the weight; prints
 * when a poll first saw one there and when it saw COUNT. 0, 2 on timeout
 * (said why), 1 on an error.
 */
static int wait_count(struct wait_ctx *w, double t0, char *err)
{
	double deadline = t0 + w->o.timeout_s, first = -1, t;
	struct wait_poll p;

	for (;;) {
		if (poll_once(w, &p, err) < 0)
			return 1;
		t = now_s();
		if (w->dests_max < p.dests)
			w->dests_max = p.dests;
		if (p.at_weight > 0 && first < 0)
			first = t;
		if (p.at_weight >= w->o.count) {
			printf("%.1f %.1f\n", (first - t0) * 1000, (t - t0) * 1000);
			return 0;
		}
		if (t >= deadline)
			break;
		sleep_ms(w->o.interval_ms);
	}
	snprintf(err, ERRLEN, "timeout after %.1f s: %ld of %ld real servers (of %ld wanted)"
		 " at weight %u", w->o.timeout_s, p.at_weight, p.dests, w->o.count, w->o.weight);
	return 2;
}

/* Polls until RIP is at the weight: 0, 2 on timeout (said why), 1 on an error. */
static int wait_weight(struct wait_ctx *w, double t0, char *err)
{
	double deadline = t0 + w->o.timeout_s;
	struct wait_poll p;

	for (;;) {
		if (poll_once(w, &p, err) < 0)
			return 1;
		if (p.found && p.weight == w->o.weight)
			return 0;
		if (now_s() >= deadline)
			break;
		sleep_ms(w->o.interval_ms);
	}
	if (p.found)
		snprintf(err, ERRLEN, "timeout after %.1f s: the real server is at weight %u, not %u",
			 w->o.timeout_s, p.weight, w->o.weight);
	else
		snprintf(err, ERRLEN, "timeout after %.1f s: the real server is not in the service"
			 " (or the service is not in the table)", w->o.timeout_s);
	return 2;
}

/* With a PID: RIP must be in the table, not yet at the weight (count mode: not all). */
static int check_before(struct wait_ctx *w, char *err)
{
	struct wait_poll p;

	if (poll_once(w, &p, err) < 0)
		return -1;
	if (w->o.count) {
		if (p.at_weight < w->o.count)
			return 0;
		snprintf(err, ERRLEN, "before the signal: %ld real servers are at weight %u"
			 " already: nothing to time", p.at_weight, w->o.weight);
		return -1;
	}
	if (!p.found) {
		snprintf(err, ERRLEN, "before the signal: the real server is not in the service"
			 " (or the service is not in the table)");
		return -1;
	}
	if (p.weight == w->o.weight) {
		snprintf(err, ERRLEN, "before the signal: the real server is at weight %u already:"
			 " nothing to time", p.weight);
		return -1;
	}
	return 0;
}

static void wait_close(struct wait_ctx *w)
{
	nlmsg_free(w->req);
	free(w->buf);
	nl_socket_free(w->sk);
}

/* 0, or 1 with err: the weight is timed from the signal (or from now). */
static int wait_run(struct wait_ctx *w, char *err)
{
	double t0;
	int rc;

	if (wait_open(w, err) < 0 || build_request(w, err) < 0 ||
	    (w->o.pid && check_before(w, err) < 0))
		return 1;
	t0 = now_s();
	if (w->o.t0_real)	/* the caller's moment, on the monotonic clock */
		t0 -= clock_s(CLOCK_REALTIME) - w->o.t0_real;
	if (w->o.pid && kill(w->o.pid, SIGHUP) < 0) {
		snprintf(err, ERRLEN, "SIGHUP to %d: %s", (int)w->o.pid, strerror(errno));
		return 1;
	}
	if (w->o.count)
		return wait_count(w, t0, err);
	rc = wait_weight(w, t0, err);
	if (rc == 0)
		printf("%.1f\n", (now_s() - t0) * 1000);
	return rc;
}

int main(int argc, char **argv)
{
	struct wait_ctx w = { 0 };
	char err[ERRLEN] = "";
	int rc;

	if (parse_args(argc, argv, &w.o) < 0)
		return usage();
	rc = wait_run(&w, err);
	if (rc)
		fprintf(stderr, "ipvs_wait: %s\n", err);
	/* in count mode the poller may run at idle priority: its CPU, not its wall time */
	if (w.o.verbose && w.o.count)
		fprintf(stderr, "ipvs_wait: %ld polls of up to %ld real servers, %.0f us of CPU"
			" (%.0f us in all) each on average\n", w.polls, w.dests_max,
			w.polls ? w.poll_cpu_s / (double)w.polls * 1e6 : 0.0,
			w.polls ? w.poll_s / (double)w.polls * 1e6 : 0.0);
	else if (w.o.verbose)
		fprintf(stderr, "ipvs_wait: %ld polls, %.0f us each on average\n", w.polls,
			w.polls ? w.poll_s / (double)w.polls * 1e6 : 0.0);
	wait_close(&w);
	return rc;
}

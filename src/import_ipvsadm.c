/*
 * import_ipvsadm.c - `ipvsadm -S -n` output (or a script of ipvsadm
 * commands) into lvsd's services: -A/-E lines make or change a service
 * (-t/-u/-f, -s, -p [timeout], -M), -a/-e lines a real server (-r,
 * -g/-i/-m, -w, -x/-y), in short or long spelling, "--opt=value" too.
 *
 * A dump has no health checks, so the services get none, as the kernel
 * table had none. Options lvsd has no key for (scheduler flags,
 * one-packet scheduling, persistence engines, tunnel types other than
 * ipip) are warned about, never dropped silently.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "cfg.h"
#include "import.h"

#define MAX_WORDS 64

struct ipv_line {
	const char *file;
	unsigned line;
	char cmd;			/* 'A', 'E', 'a', 'e', or 0 */
	const char *proto;		/* "tcp", "udp", "fwm" */
	const char *vip;		/* the -t/-u address or the -f mark */
	const char *opt[128];		/* the value of each short option, by letter */
	bool has[128];
	bool v6;
};

static const struct {
	char letter;
	const char *name;
	int arg;			/* 0 none, 1 one, 2 an optional number */
} ipv_opts[] = {
	{ 'A', "add-service", 0 }, { 'E', "edit-service", 0 },
	{ 'a', "add-server", 0 }, { 'e', "edit-server", 0 },
	{ 't', "tcp-service", 1 }, { 'u', "udp-service", 1 },
	{ 'f', "fwmark-service", 1 }, { 's', "scheduler", 1 },
	{ 'p', "persistent", 2 }, { 'M', "netmask", 1 },
	{ 'r', "real-server", 1 }, { 'g', "gatewaying", 0 },
	{ 'i', "ipip", 0 }, { 'm', "masquerading", 0 },
	{ 'w', "weight", 1 }, { 'x', "u-threshold", 1 },
	{ 'y', "l-threshold", 1 }, { 'b', "sched-flags", 1 },
	{ 'o', "ops", 0 }, { '6', "ipv6", 0 },
	{ 'P', "pe", 1 }, { 'T', "tun-type", 1 }, { 'U', "tun-port", 1 },
	{ 'N', "tun-nocsum", 0 }, { 'K', "tun-csum", 0 }, { 'R', "tun-remcsum", 0 },
	{ 'S', "sctp-service", 1 },
};
#define N_OPTS (sizeof(ipv_opts) / sizeof(ipv_opts[0]))
#define LONG_ONLY "SPTUNKR"

static int find_opt(const char *w, const char **inline_val)
{
	*inline_val = NULL;
	if (w[0] == '-' && w[1] == '-') {
		const char *eq = strchr(w, '=');
		size_t len = eq ? (size_t)(eq - w - 2) : strlen(w + 2);

		for (size_t i = 0; i < N_OPTS; i++)
			if (strlen(ipv_opts[i].name) == len &&
			    strncmp(ipv_opts[i].name, w + 2, len) == 0) {
				*inline_val = eq ? eq + 1 : NULL;
				return (int)i;
			}
		return -1;
	}
	/* These letters are ours, for options ipvsadm spells only long. */
	for (size_t i = 0; i < N_OPTS; i++)
		if (w[0] == '-' && w[1] == ipv_opts[i].letter && w[2] == '\0' &&
		    !strchr(LONG_ONLY, ipv_opts[i].letter))
			return (int)i;
	return -1;
}

/* Split at blanks; returns the word count or -1 past MAX_WORDS. */
static int split(char *s, char **w)
{
	char *save = NULL;
	int n = 0;

	for (char *tok = strtok_r(s, " \t\r", &save); tok;
	     tok = strtok_r(NULL, " \t\r", &save)) {
		if (n == MAX_WORDS)
			return -1;
		w[n++] = tok;
	}
	return n;
}

static int read_opts(struct imp_ctx *ctx, struct ipv_line *l, char **w, int n)
{
	for (int i = 0; i < n; i++) {
		const char *val;
		int k = find_opt(w[i], &val);
		char letter;

		if (k < 0) {
			imp_warn(ctx, l->file, l->line, w[i], "unknown ipvsadm option "
				 "(or a stray argument) — dropped");
			continue;
		}
		letter = ipv_opts[k].letter;
		if (ipv_opts[k].arg == 1 && !val) {
			if (i + 1 >= n)
				return imp_error(ctx, l->file, l->line, "%s needs a value", w[i]);
			val = w[++i];
		} else if (ipv_opts[k].arg == 2 && !val && i + 1 < n && w[i + 1][0] != '-') {
			val = w[++i];
		}
		if (strchr("AEae", letter))
			l->cmd = letter;
		if (strchr("tufS", letter)) {
			l->proto = letter == 't' ? "tcp" : letter == 'u' ? "udp" :
				   letter == 'f' ? "fwm" : "sctp";
			l->vip = val;
		}
		l->has[(unsigned char)letter] = true;
		l->opt[(unsigned char)letter] = val;
	}
	return 0;
}

struct ipv_state {
	struct imp_node *services;
	struct svc_ref { const char *key; struct imp_node *node; } *refs;
	size_t n_refs;
};

static struct imp_node *find_service(struct ipv_state *st, const char *key)
{
	/* a dump lists each service's servers right after it: try the last first */
	if (st->n_refs && strcmp(st->refs[st->n_refs - 1].key, key) == 0)
		return st->refs[st->n_refs - 1].node;
	for (size_t i = 0; i < st->n_refs; i++)
		if (strcmp(st->refs[i].key, key) == 0)
			return st->refs[i].node;
	return NULL;
}

/* "tcp 10.0.0.1:80" / "fwm 3": the service's identity, normalized. */
static int service_key(struct imp_ctx *ctx, const struct ipv_line *l, char *key,
		       size_t len, char *addr, size_t alen)
{
	struct lvs_addr a;
	char err[256];

	if (!l->proto)
		return imp_error(ctx, l->file, l->line, "no service: give -t, -u or -f");
	if (strcmp(l->proto, "fwm") == 0) {
		if (!imp_number(l->vip, 1, 4294967295.0) || strchr(l->vip, '.'))
			return imp_error(ctx, l->file, l->line, "-f %s: not a firewall "
					 "mark (1..4294967295)", l->vip);
		snprintf(addr, alen, "%s", l->vip);
	} else {
		if (addr_parse(l->vip, ADDR_PORT_REQUIRED, &a, err, sizeof(err)) < 0)
			return imp_error(ctx, l->file, l->line, "%s", err);
		addr_format(&a, addr, alen);
	}
	snprintf(key, len, "%s %s", l->proto, addr);
	return 0;
}

static void service_opts(struct imp_ctx *ctx, const struct ipv_line *l,
			 struct imp_node *svc)
{
	const char *s = l->opt['s'], *p = l->opt['p'], *m = l->opt['M'];

	if (l->has['s']) {
		bool known = false;

		for (size_t i = 0; cfg_sched_names[i]; i++)
			known |= strcmp(cfg_sched_names[i], s) == 0;
		if (known)
			imp_set(ctx, svc, "scheduler", IMP_STR, s);
		else
			imp_warn(ctx, l->file, l->line, "-s", "scheduler '%s' is not one "
				 "lvsd has — dropped (lvsd uses wlc)", s);
	}
	if (l->has['p']) {
		struct imp_node *pers = imp_map(ctx, svc, "persistence");

		if (p && !imp_number(p, 1, 86400 * 31))
			imp_warn(ctx, l->file, l->line, "-p", "timeout '%s' is not 1..2678400 "
				 "seconds — 300 used", p);
		imp_set(ctx, pers, "timeout", IMP_NUM, p && imp_number(p, 1, 86400 * 31) ? p : "300");
		if (m && !imp_netmask_ok(m))
			imp_warn(ctx, l->file, l->line, "-M", "'%s' is not a netmask — "
				 "dropped", m);
		else if (m && strcmp(m, "255.255.255.255") != 0 && strcmp(m, "128") != 0)
			imp_set(ctx, pers, "netmask", IMP_STR, m);
	} else if (l->has['M']) {
		imp_warn(ctx, l->file, l->line, "-M", "a netmask without -p means "
			 "nothing — dropped");
	}
	if (l->has['b'])
		imp_warn(ctx, l->file, l->line, "-b", "scheduler flags '%s': lvsd has "
			 "no setting for them — dropped", l->opt['b']);
	if (l->has['o'])
		imp_warn(ctx, l->file, l->line, "-o", "one-packet scheduling: lvsd has "
			 "no setting for it — dropped");
	if (l->has['P'])
		imp_warn(ctx, l->file, l->line, "--pe", "persistence engine '%s': not "
			 "supported — dropped", l->opt['P']);
}

static int add_service(struct imp_ctx *ctx, struct ipv_state *st,
		       const struct ipv_line *l)
{
	char key[160], addr[ADDR_STRLEN];
	struct imp_node *svc;

	if (l->proto && strcmp(l->proto, "sctp") == 0) {
		imp_warn(ctx, l->file, l->line, "--sctp-service", "lvsd balances tcp "
			 "and udp only — service dropped");
		return 0;
	}
	if (service_key(ctx, l, key, sizeof(key), addr, sizeof(addr)) < 0)
		return -1;
	svc = find_service(st, key);
	if (!svc && l->cmd == 'E') {
		imp_warn(ctx, l->file, l->line, "-E", "%s is not defined above — "
			 "taken as -A", key);
	}
	if (!svc) {
		struct svc_ref *r = realloc(st->refs, (st->n_refs + 1) * sizeof(*r));

		if (!r)
			return imp_error(ctx, l->file, l->line, "out of memory");
		st->refs = r;
		svc = imp_origin(imp_push(ctx, st->services, IMP_MAP, NULL), l->file, l->line);
		r[st->n_refs].key = imp_strdup(ctx, key);
		r[st->n_refs++].node = svc;
		if (strcmp(l->proto, "fwm") == 0) {
			imp_set(ctx, svc, "fwmark", IMP_NUM, addr);
			if (l->has['6'])
				imp_warn(ctx, l->file, l->line, "-6", "an IPv6 firewall-mark "
					 "service: lvsd takes the family from its real "
					 "servers — carried");
		} else {
			imp_set(ctx, svc, "address", IMP_STR, addr);
			imp_set(ctx, svc, "protocol", IMP_STR, l->proto);
		}
	} else if (l->cmd == 'A') {
		imp_warn(ctx, l->file, l->line, "-A", "%s is defined twice — the "
			 "later settings win", key);
	}
	service_opts(ctx, l, svc);
	return 0;
}

/* "10.0.0.2:80", "[2001:db8::2]:80"; port 0 (a fwmark service's) as none. */
static int server_addr(struct imp_ctx *ctx, const struct ipv_line *l, char *out,
		       size_t len)
{
	char buf[ADDR_STRLEN + 8], err[256];
	struct lvs_addr a;
	size_t n;

	snprintf(buf, sizeof(buf), "%s", l->opt['r']);
	n = strlen(buf);
	if (n > 2 && strcmp(buf + n - 2, ":0") == 0 && (buf[n - 3] == ']' ||
							 strchr(buf, '.')))
		buf[n - 2] = '\0';
	if (addr_parse(buf, ADDR_PORT_OPTIONAL, &a, err, sizeof(err)) < 0)
		return imp_error(ctx, l->file, l->line, "-r %s", err);
	if (a.af == AF_INET6 && a.port == 0)
		snprintf(out, len, "%s", buf);	/* bare IPv6, unbracketed */
	else
		addr_format(&a, out, len);
	return 0;
}

static struct imp_node *find_server(struct imp_node *svc, const char *addr)
{
	struct imp_node *list = imp_get(svc, "real_servers");

	for (struct imp_node *rs = list ? list->first : NULL; rs; rs = rs->next)
		if (strcmp(imp_get(rs, "address")->text, addr) == 0)
			return rs;
	return NULL;
}

static void server_opts(struct imp_ctx *ctx, const struct ipv_line *l,
			struct imp_node *rs)
{
	static const struct { char letter; const char *key; } nums[] = {
		{ 'w', "weight" }, { 'x', "upper_threshold" }, { 'y', "lower_threshold" },
	};

	if (l->has['g'] + l->has['i'] + l->has['m'] > 1)
		imp_warn(ctx, l->file, l->line, "-g/-i/-m", "more than one forwarding "
			 "method — the last of -g, -i, -m in that order is used");
	if (l->has['g'])
		imp_set(ctx, rs, "forwarding", IMP_STR, "dr");
	if (l->has['i'])
		imp_set(ctx, rs, "forwarding", IMP_STR, "tun");
	if (l->has['m'])
		imp_set(ctx, rs, "forwarding", IMP_STR, "nat");
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		const char *v = l->opt[(unsigned char)nums[i].letter];

		if (!l->has[(unsigned char)nums[i].letter])
			continue;
		if (!imp_number(v, 0, nums[i].letter == 'w' ? 65535 : 16777216) ||
		    strchr(v, '.'))
			imp_warn(ctx, l->file, l->line, nums[i].letter == 'w' ? "-w" :
				 nums[i].letter == 'x' ? "-x" : "-y",
				 "'%s' is not a whole number in range — dropped", v);
		else if (nums[i].letter == 'w' || strcmp(v, "0") != 0)
			imp_set(ctx, rs, nums[i].key, IMP_NUM, v);
	}
	if (l->has['T'] && strcmp(l->opt['T'], "ipip") != 0)
		imp_warn(ctx, l->file, l->line, "--tun-type", "'%s': lvsd tunnels with "
			 "plain IP-in-IP only — dropped", l->opt['T']);
	if (l->has['U'] || l->has['N'] || l->has['K'] || l->has['R'])
		imp_warn(ctx, l->file, l->line, "--tun-*", "tunnel port and checksum "
			 "options: lvsd has no setting for them — dropped");
}

static int add_server(struct imp_ctx *ctx, struct ipv_state *st,
		      const struct ipv_line *l)
{
	char key[160], addr[ADDR_STRLEN], raddr[ADDR_STRLEN + 8];
	struct imp_node *svc, *rs;

	if (l->proto && strcmp(l->proto, "sctp") == 0)
		return 0;	/* its service was dropped, with a warning */
	if (!l->has['r'])
		return imp_error(ctx, l->file, l->line, "-%c without -r (the real "
				 "server)", l->cmd);
	if (service_key(ctx, l, key, sizeof(key), addr, sizeof(addr)) < 0 ||
	    server_addr(ctx, l, raddr, sizeof(raddr)) < 0)
		return -1;
	svc = find_service(st, key);
	if (!svc)
		return imp_error(ctx, l->file, l->line, "-%c: the service %s is not "
				 "defined above (no -A line for it)", l->cmd, key);
	rs = find_server(svc, raddr);
	if (!rs) {
		if (l->cmd == 'e')
			imp_warn(ctx, l->file, l->line, "-e", "%s is not a real server of "
				 "%s above — taken as -a", raddr, key);
		rs = imp_origin(imp_push(ctx, imp_seq(ctx, svc, "real_servers"), IMP_MAP,
					 NULL), l->file, l->line);
		imp_set(ctx, rs, "address", IMP_STR, raddr);
		/* ipvsadm's default, and lvsd's: said anyway, it is what users read */
		imp_set(ctx, rs, "weight", IMP_NUM, "1");
		/* without -g/-i/-m ipvsadm routes directly */
		imp_set(ctx, rs, "forwarding", IMP_STR, "dr");
	} else if (l->cmd == 'a') {
		imp_warn(ctx, l->file, l->line, "-a", "%s is added twice to %s — the "
			 "later settings win", raddr, key);
	}
	server_opts(ctx, l, rs);
	return 0;
}

/*
 * One forwarding method for every server of a service is said once, on
 * the service; servers that differ keep their own.
 */
static void hoist_forwarding(struct imp_ctx *ctx, struct imp_node *svc)
{
	struct imp_node *list = imp_get(svc, "real_servers");
	const char *method = NULL;

	for (struct imp_node *rs = list ? list->first : NULL; rs; rs = rs->next) {
		const char *m = imp_get(rs, "forwarding")->text;

		if (method && strcmp(method, m) != 0)
			return;
		method = m;
	}
	if (!method)
		return;
	for (struct imp_node *rs = list->first; rs; rs = rs->next)
		imp_take(rs, "forwarding");
	if (strcmp(method, "nat") != 0) {
		imp_take(svc, "real_servers");
		imp_set(ctx, svc, "forwarding", IMP_STR, method);
		imp_attach(svc, "real_servers", list);
	}
}

/* --start-daemon ROLE --mcast-interface IF [--syncid N]: the sync daemon. */
static void sync_daemon(struct imp_ctx *ctx, const struct ipv_line *l, char **w, int n)
{
	struct imp_node *sync = imp_map(ctx, imp_map(ctx, ctx->root, "global"), "lvs_sync");

	for (int i = 1; i < n; i++) {
		const char *v = i + 1 < n ? w[i + 1] : NULL;

		if (!strcmp(w[i], "master") || !strcmp(w[i], "backup"))
			imp_warn(ctx, l->file, l->line, w[i], "lvsd's sync daemon follows "
				 "the VRRP state — role dropped");
		else if (!strcmp(w[i], "--mcast-interface") && v && ++i)
			imp_set(ctx, sync, "interface", IMP_STR, v);
		else if (!strcmp(w[i], "--syncid") && v && imp_number(v, 0, 255) && ++i)
			imp_set(ctx, sync, "syncid", IMP_NUM, v);
		else
			imp_warn(ctx, l->file, l->line, w[i], "sync daemon option: not "
				 "supported — dropped");
	}
	if (!imp_get(sync, "interface")) {
		imp_warn(ctx, l->file, l->line, w[0], "no --mcast-interface — dropped");
		imp_take(imp_get(ctx->root, "global"), "lvs_sync");
	}
}

/* --set TCP TCPFIN UDP: the connection timeouts (0 leaves one as it is). */
static void set_timeouts(struct imp_ctx *ctx, const struct ipv_line *l, char **w, int n)
{
	static const char *const keys[] = { "tcp", "tcpfin", "udp" };
	struct imp_node *t = imp_map(ctx, imp_map(ctx, ctx->root, "global"), "timeouts");

	for (int i = 0; i < 3; i++) {
		if (i + 1 >= n || !imp_number(w[i + 1], 0, 604800) || strchr(w[i + 1], '.')) {
			imp_warn(ctx, l->file, l->line, w[0], "expected three timeouts "
				 "in seconds — the rest dropped");
			return;
		}
		if (strcmp(w[i + 1], "0") != 0)
			imp_set(ctx, t, keys[i], IMP_NUM, w[i + 1]);
	}
}

static int do_line(struct imp_ctx *ctx, struct ipv_state *st, struct ipv_line *l,
		   char *text)
{
	char *w[MAX_WORDS];
	int n = split(text, w), first = 0;

	if (n < 0)
		return imp_error(ctx, l->file, l->line, "more than %d words", MAX_WORDS);
	if (n == 0)
		return 0;
	if (strcmp(w[0], "ipvsadm") == 0 || strstr(w[0], "/ipvsadm"))
		first = 1;	/* a script of commands rather than a dump */
	if (n > first && !strcmp(w[first], "--start-daemon")) {
		sync_daemon(ctx, l, w + first, n - first);
		return 0;
	}
	if (n > first && (!strcmp(w[first], "--set") || !strcmp(w[first], "-S") ||
			  !strcmp(w[first], "-C") || !strcmp(w[first], "--clear"))) {
		if (w[first][2] == 's')
			set_timeouts(ctx, l, w + first, n - first);
		else if (w[first][1] == 'C' || w[first][2] == 'c')
			imp_warn(ctx, l->file, l->line, w[first], "lvsd owns its table "
				 "(it clears what is not configured) — nothing to carry");
		else
			imp_warn(ctx, l->file, l->line, w[first], "a save inside the "
				 "input — dropped");
		return 0;
	}
	if (read_opts(ctx, l, w + first, n - first) < 0)
		return -1;
	switch (l->cmd) {
	case 'A': case 'E': return add_service(ctx, st, l);
	case 'a': case 'e': return add_server(ctx, st, l);
	default:
		imp_warn(ctx, l->file, l->line, n > first ? w[first] : w[0],
			 "not an -A/-E/-a/-e line — dropped");
		return 0;
	}
}

int imp_ipvsadm(struct imp_ctx *ctx, const char *name, const char *text)
{
	struct ipv_state st = { .services = imp_seq(ctx, ctx->root, "virtual_services") };
	char *copy = imp_strdup(ctx, text), *line = copy;
	unsigned lineno = 0;
	int rc = 0;

	while (line && *line && rc == 0) {
		char *eol = strchr(line, '\n'), *hash;
		struct ipv_line l = { .file = name, .line = ++lineno };

		if (eol)
			*eol = '\0';
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		rc = do_line(ctx, &st, &l, line);
		line = eol ? eol + 1 : NULL;
	}
	for (size_t i = 0; rc == 0 && i < st.n_refs; i++)
		hoist_forwarding(ctx, st.refs[i].node);
	free(st.refs);
	/* global (from --set or --start-daemon) first, as the contract shows */
	imp_take(ctx->root, "virtual_services");
	if (st.services->first)
		imp_attach(ctx->root, "virtual_services", st.services);
	return rc;
}

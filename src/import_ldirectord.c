/*
 * import_ldirectord.c - an ldirectord.cf as lvsd's virtual services.
 *
 * The file is "key = value" lines: global ones at the left margin, and
 * after each virtual= line the indented lines of that service. The
 * reader keeps every line (key, value, line number) of the globals and
 * of each virtual, then builds each service, so that a per-virtual
 * setting overrides the global one whatever their order, and a value
 * nobody reads is reported rather than silently dropped.
 *
 * ldirectord's defaults are stated explicitly (scheduler wrr, check
 * every 10 s, connect timeout 5 s, negotiate timeout 30 s, one failure
 * takes a server out, quiescent yes) so lvsd's own defaults do not
 * change the behaviour. Its negotiate check is chosen by `service`
 * (itself defaulted from the port); the protocols lvsd checks (http,
 * https, smtp, dns, simpletcp) carry over, the others become a TCP
 * connect check with a warning.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "addr.h"
#include "cfg.h"
#include "import.h"

struct ld_kv {
	const char *key, *val;
	unsigned line;
	bool used;
};

struct ld_block {
	struct ld_kv *kv;
	size_t n;
	unsigned line;			/* the virtual= line */
};

struct ld {
	struct imp_ctx *ctx;
	const char *file;
	struct ld_block global;
	struct ld_block *virt;
	size_t n_virt;
};

static int kv_add(struct ld *ld, struct ld_block *b, const char *key,
		  const char *val, unsigned line)
{
	struct ld_kv *kv = arena_alloc(&ld->ctx->arena, (b->n + 1) * sizeof(*kv));

	if (!kv)
		return imp_error(ld->ctx, ld->file, line, "out of memory");
	if (b->n)
		memcpy(kv, b->kv, b->n * sizeof(*kv));
	kv[b->n++] = (struct ld_kv){ .key = key, .val = val, .line = line };
	b->kv = kv;
	return 0;
}

/* The last value of `key` in the virtual, else in the globals (if `inherit`). */
static struct ld_kv *get(struct ld *ld, struct ld_block *v, const char *key,
			 bool inherit)
{
	struct ld_kv *found = NULL;

	for (size_t i = 0; v && i < v->n; i++)
		if (strcasecmp(v->kv[i].key, key) == 0)
			found = &v->kv[i];
	for (size_t i = 0; !found && inherit && i < ld->global.n; i++)
		if (strcasecmp(ld->global.kv[i].key, key) == 0)
			found = &ld->global.kv[i];
	if (found)
		found->used = true;
	return found;
}

static const char *val(struct ld *ld, struct ld_block *v, const char *key,
		       bool inherit, const char *dflt)
{
	struct ld_kv *kv = get(ld, v, key, inherit);

	return kv ? kv->val : dflt;
}

static bool yes(const char *s)
{
	return s && (strcasecmp(s, "yes") == 0 || strcmp(s, "1") == 0 ||
		     strcasecmp(s, "true") == 0 || strcasecmp(s, "on") == 0);
}

/* Strip blanks and one pair of surrounding quotes. */
static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	if (e - s >= 2 && *s == '"' && e[-1] == '"') {
		e[-1] = '\0';
		s++;
	}
	return s;
}

/* One line of the file: into the globals or the current virtual. */
static int read_line(struct ld *ld, char *line, unsigned no)
{
	bool indented = line[0] == ' ' || line[0] == '\t';
	char *hash = line, *eq, *key;

	/* '#' starts a comment unless inside quotes (a receive regex may hold one) */
	for (bool q = false; *hash; hash++) {
		if (*hash == '"')
			q = !q;
		else if (*hash == '#' && !q)
			break;
	}
	*hash = '\0';
	key = trim(line);
	if (!*key)
		return 0;
	eq = strchr(key, '=');
	if (!eq)
		return imp_error(ld->ctx, ld->file, no, "'%s': expected key=value", key);
	*eq = '\0';
	key = trim(key);
	if (strcasecmp(key, "virtual") == 0 || strcasecmp(key, "virtual6") == 0) {
		struct ld_block *v = realloc(ld->virt, (ld->n_virt + 1) * sizeof(*v));

		if (!v)
			return imp_error(ld->ctx, ld->file, no, "out of memory");
		ld->virt = v;
		v[ld->n_virt] = (struct ld_block){ .line = no };
		return kv_add(ld, &v[ld->n_virt++], key, trim(eq + 1), no);
	}
	if (indented && !ld->n_virt)
		return imp_error(ld->ctx, ld->file, no, "'%s': an indented line "
				 "before any virtual=", key);
	if (!indented)
		return kv_add(ld, &ld->global, key, trim(eq + 1), no);
	return kv_add(ld, &ld->virt[ld->n_virt - 1], key, trim(eq + 1), no);
}

/* ---- building a service ----------------------------------------------------- */

static const struct { unsigned port; const char *service; } default_service[] = {
	{ 21, "ftp" }, { 25, "smtp" }, { 53, "dns" }, { 80, "http" }, { 110, "pop" },
	{ 119, "nntp" }, { 143, "imap" }, { 389, "ldap" }, { 443, "https" },
	{ 587, "submission" }, { 993, "imaps" }, { 995, "pops" }, { 1521, "oracle" },
	{ 1812, "radius" }, { 3128, "http_proxy" }, { 3306, "mysql" },
	{ 5432, "pgsql" }, { 5060, "sip" },
};

struct ld_svc {
	struct ld *ld;
	struct ld_block *v;
	struct imp_node *svc;
	unsigned port;			/* the virtual's, 0 for fwmark */
	bool fwmark;
};

static char *lower_dup(struct imp_ctx *ctx, const char *s)
{
	char *d = imp_strdup(ctx, s);

	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/* ldirectord's regexes are Perl's; lvsd compiles POSIX extended ones. */
static bool regex_ok(const char *re)
{
	regex_t r;

	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	regfree(&r);
	return true;
}

static void warn_kv(struct ld_svc *s, struct ld_kv *kv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn_kv(struct ld_svc *s, struct ld_kv *kv, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	imp_warn(s->ld->ctx, s->ld->file, kv ? kv->line : s->v->line,
		 kv ? kv->key : "virtual", "%s", why);
}

/* request="index.html" or "http://host/path" into path (and host). */
static void http_request(struct ld_svc *s, struct imp_node *c, const char *req,
			 struct ld_kv *kv)
{
	struct imp_ctx *ctx = s->ld->ctx;
	const char *path = req;

	if (strncasecmp(req, "http://", 7) == 0 || strncasecmp(req, "https://", 8) == 0) {
		const char *host = strstr(req, "//") + 2, *slash = strchr(host, '/');

		imp_set(ctx, c, "host", IMP_STR, imp_printf(ctx, "%.*s",
			(int)(slash ? slash - host : (long)strlen(host)), host));
		if (kv)
			warn_kv(s, kv, "an absolute URL: lvsd sends the check to the real "
				"server, with the URL's host as Host header — '%s' carried "
				"that way", req);
		path = slash ? slash : "/";
	}
	imp_set(ctx, c, "path", IMP_STR, path[0] == '/' ? path :
		imp_printf(ctx, "/%s", path));
}

/* The negotiate check for `service`: fills c, or says what it falls back to. */
static void negotiate(struct ld_svc *s, struct imp_node *c, const char *service,
		      struct ld_kv *svc_kv)
{
	struct imp_ctx *ctx = s->ld->ctx;
	struct ld_kv *req = get(s->ld, s->v, "request", false);
	struct ld_kv *rcv = get(s->ld, s->v, "receive", false);
	struct lvs_addr a;
	char err[64];

	if (!strcasecmp(service, "http") || !strcasecmp(service, "https")) {
		imp_set(ctx, c, "type", IMP_STR, lower_dup(ctx, service));
		http_request(s, c, req ? req->val : "/", req);
		if (rcv && regex_ok(rcv->val))
			imp_set(ctx, c, "body", IMP_STR, rcv->val);
		else if (rcv)
			warn_kv(s, rcv, "'%s' is not a POSIX extended regex — dropped",
				rcv->val);
	} else if (!strcasecmp(service, "smtp")) {
		imp_set(ctx, c, "type", IMP_STR, "smtp");
	} else if (!strcasecmp(service, "dns")) {
		imp_set(ctx, c, "type", IMP_STR, "dns");
		imp_set(ctx, c, "name", IMP_STR, req ? req->val : ".");
		if (rcv && addr_parse(rcv->val, ADDR_PORT_NONE, &a, err, sizeof(err)) == 0)
			imp_set(ctx, c, "answer", IMP_STR, rcv->val);
		else if (rcv)
			warn_kv(s, rcv, "'%s': lvsd matches a DNS answer by address only "
				"— dropped", rcv->val);
	} else if (!strcasecmp(service, "simpletcp") && req && rcv && regex_ok(rcv->val)) {
		imp_set(ctx, c, "type", IMP_STR, "expect");
		imp_set(ctx, c, "send", IMP_STR, req->val);
		imp_set(ctx, c, "expect", IMP_STR, rcv->val);
	} else if (!strcasecmp(service, "none")) {
		imp_set(ctx, c, "type", IMP_STR, "none");
	} else {
		imp_set(ctx, c, "type", IMP_STR, "tcp");
		imp_warn(ctx, s->ld->file, svc_kv ? svc_kv->line : s->v->line, "service",
			 "%s: lvsd has no %s check — a TCP connect check instead",
			 service, service);
	}
}

static void check_timing(struct ld_svc *s, struct imp_node *c, bool negotiating)
{
	struct imp_ctx *ctx = s->ld->ctx;
	struct ld_kv *ct = get(s->ld, s->v, "checktimeout", true);
	struct ld_kv *nt = get(s->ld, s->v, "negotiatetimeout", true);
	struct ld_kv *kv = negotiating ? (nt ? nt : ct) : (ct ? ct : nt);
	const char *iv = val(s->ld, s->v, "checkinterval", true, "10");
	const char *fc = val(s->ld, s->v, "failurecount", true, "1");

	get(s->ld, s->v, "connecttimeout", true);
	imp_set(ctx, c, "interval", IMP_NUM, imp_number(iv, 1, 86400) ? iv : "10");
	imp_set(ctx, c, "timeout", IMP_NUM, kv && imp_number(kv->val, 0.001, 3600) ?
		kv->val : negotiating ? "30" : "5");
	imp_set(ctx, c, "rise", IMP_NUM, "1");
	imp_set(ctx, c, "fall", IMP_NUM, imp_number(fc, 1, 1000) ? fc : "1");
}

/* The service's check from checktype, service, request/receive, checkport. */
static void service_check(struct ld_svc *s)
{
	struct imp_ctx *ctx = s->ld->ctx;
	struct imp_node *c = imp_map(ctx, s->svc, "check");
	struct ld_kv *ct = get(s->ld, s->v, "checktype", true);
	struct ld_kv *sv = get(s->ld, s->v, "service", false);
	const char *type = ct ? ct->val : "negotiate", *service = sv ? sv->val : "none";
	const char *v;

	for (size_t i = 0; !sv && i < sizeof(default_service) / sizeof(default_service[0]); i++)
		if (default_service[i].port == s->port)
			service = default_service[i].service;
	if (isdigit((unsigned char)type[0])) {
		warn_kv(s, ct, "'%s': a negotiate check every N connects; lvsd "
			"negotiates every time", type);
		type = "negotiate";
	}
	if (!strcasecmp(type, "negotiate")) {
		negotiate(s, c, service, sv);
	} else if (!strcasecmp(type, "connect") || !strcasecmp(type, "ping")) {
		imp_set(ctx, c, "type", IMP_STR, "tcp");
		if (!strcasecmp(type, "ping"))
			warn_kv(s, ct, "%s: lvsd has no ICMP check — a TCP connect "
				"check instead", type);
	} else if (!strcasecmp(type, "external") || !strcasecmp(type, "external-perl")) {
		v = val(s->ld, s->v, "checkcommand", true, "/bin/true");
		imp_set(ctx, c, "type", IMP_STR, "script");
		imp_set(ctx, c, "script", IMP_STR, v);
		warn_kv(s, ct, "%s: lvsd passes the real server's address and port, "
			"not ldirectord's four arguments — carried", type);
	} else if (!strcasecmp(type, "on") || !strcasecmp(type, "off")) {
		imp_set(ctx, c, "type", IMP_STR, "none");
		if (!strcasecmp(type, "off"))
			warn_kv(s, ct, "%s: 'never up' has no lvsd equivalent — carried "
				"as no check (servers stay in)", type);
	} else {
		warn_kv(s, ct, "'%s': unknown checktype — a TCP connect check instead",
			type);
		imp_set(ctx, c, "type", IMP_STR, "tcp");
	}
	check_timing(s, c, !strcasecmp(type, "negotiate"));
	if ((v = val(s->ld, s->v, "checkport", false, NULL)) && imp_number(v, 1, 65535))
		imp_set(ctx, c, "port", IMP_NUM, v);
	if ((v = val(s->ld, s->v, "httpmethod", false, NULL)) && imp_get(c, "path")) {
		if (!strcasecmp(v, "GET") || !strcasecmp(v, "HEAD"))
			imp_set(ctx, c, "method", IMP_STR, !strcasecmp(v, "GET") ? "GET" : "HEAD");
		else
			warn_kv(s, get(s->ld, s->v, "httpmethod", false), "'%s': lvsd "
				"sends GET or HEAD — dropped", v);
	}
	if ((v = val(s->ld, s->v, "virtualhost", false, NULL)) && imp_get(c, "path"))
		imp_set(ctx, c, "host", IMP_STR, v);
	if (!strcmp(imp_get(c, "type")->text, "none"))
		imp_take(s->svc, "check");
}

/* "10.0.0.1:80", "10.0.0.1", "[2001:db8::1]:80" into lvsd's form, or NULL. */
static const char *endpoint(struct ld_svc *s, const char *text, unsigned line,
			    const char *key, enum addr_port_rule rule)
{
	struct lvs_addr a;
	char buf[ADDR_STRLEN], err[256];

	if (addr_parse(text, rule, &a, err, sizeof(err)) < 0) {
		imp_warn(s->ld->ctx, s->ld->file, line, key, "%s (lvsd takes numeric "
			 "addresses and ports) — dropped", err);
		return NULL;
	}
	return imp_strdup(s->ld->ctx, addr_format(&a, buf, sizeof(buf)));
}

static const char *method_of(const char *w)
{
	if (!strcasecmp(w, "gate"))
		return "dr";
	if (!strcasecmp(w, "masq"))
		return "nat";
	if (!strcasecmp(w, "ipip"))
		return "tun";
	return NULL;
}

/* The quoted "request", "receive" pair at the end of a real= line. */
static void real_override(struct ld_svc *s, struct imp_node *rs, char *rest,
			  struct ld_kv *kv)
{
	struct imp_ctx *ctx = s->ld->ctx;
	char *q1 = strchr(rest, '"'), *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
	char *q3 = q2 ? strchr(q2 + 1, '"') : NULL, *q4 = q3 ? strchr(q3 + 1, '"') : NULL;
	struct imp_node *svc_check = imp_get(s->svc, "check"), *c;

	if (!q4) {
		warn_kv(s, kv, "'%s': expected \"request\", \"receive\" — dropped", rest);
		return;
	}
	*q2 = *q4 = '\0';
	if (!svc_check || !imp_get(svc_check, "path")) {
		warn_kv(s, kv, "a per-server request/receive applies to HTTP checks "
			"only here — '%s' dropped", q1 + 1);
		return;
	}
	c = imp_map(ctx, rs, "check");
	http_request(s, c, q1 + 1, NULL);
	if (regex_ok(q3 + 1))
		imp_set(ctx, c, "body", IMP_STR, q3 + 1);
	else
		warn_kv(s, kv, "'%s' is not a POSIX extended regex — dropped", q3 + 1);
}

static void add_real(struct ld_svc *s, const char *addr, const char *method,
		     const char *weight, char *rest, struct ld_kv *kv)
{
	struct imp_ctx *ctx = s->ld->ctx;
	struct imp_node *rs = imp_push(ctx, imp_seq(ctx, s->svc, "real_servers"),
				       IMP_MAP, NULL);

	imp_set(ctx, rs, "address", IMP_STR, addr);
	imp_set(ctx, rs, "weight", IMP_NUM, weight);
	imp_set(ctx, rs, "forwarding", IMP_STR, method);
	if (rest && *rest)
		real_override(s, rs, imp_strdup(ctx, rest), kv);
}

/* real=IP[->IP][:PORT] gate|masq|ipip [WEIGHT] ["request", "receive"] */
static void real_line(struct ld_svc *s, struct ld_kv *kv)
{
	char *copy = imp_strdup(s->ld->ctx, kv->val), *save = NULL;
	char *where = strtok_r(copy, " \t", &save), *m = strtok_r(NULL, " \t", &save);
	char *w = strtok_r(NULL, " \t", &save), *rest = save, *range;
	const char *method = m ? method_of(m) : NULL, *addr;
	const char *weight = "1";

	if (w && *w == '"') {	/* no weight, straight to the request */
		rest = imp_strdup(s->ld->ctx, kv->val) + (w - copy);
		w = NULL;
	}
	if (!where || !method) {
		warn_kv(s, kv, "'%s': expected ADDRESS[:PORT] gate|masq|ipip — dropped",
			kv->val);
		return;
	}
	if (w && (!imp_number(w, 0, 65535) || strchr(w, '.')))
		warn_kv(s, kv, "weight '%s' is not 0..65535 — 1 used", w);
	else if (w)
		weight = w;
	if ((range = strstr(where, "->")) == NULL) {
		if ((addr = endpoint(s, where, kv->line, "real", ADDR_PORT_OPTIONAL)))
			add_real(s, addr, method, weight, rest, kv);
		return;
	}
	/* a range 10.0.0.1->10.0.0.4:80: the last octet counts up */
	{
		char *port = strchr(range + 2, ':'), *dot, *dot2;
		long lo, hi;

		*range = '\0';
		dot = strrchr(where, '.');
		if (port)
			*port = '\0';
		dot2 = strrchr(range + 2, '.');
		if (port)
			*port = ':';
		lo = dot && dot < range ? strtol(dot + 1, NULL, 10) : -1;
		hi = dot2 ? strtol(dot2 + 1, NULL, 10) : -1;
		if (lo < 0 || hi < lo || hi > 255 || !dot2 ||
		    (size_t)(dot - where) != (size_t)(dot2 - range - 2) ||
		    strncmp(where, range + 2, (size_t)(dot - where)) != 0) {
			warn_kv(s, kv, "'%s': only IPv4 ranges in the last octet — "
				"dropped", kv->val);
			return;
		}
		for (long i = lo; i <= hi; i++) {
			const char *one = imp_printf(s->ld->ctx, "%.*s%ld%s",
						     (int)(dot + 1 - where), where, i,
						     port ? port : "");

			if ((addr = endpoint(s, one, kv->line, "real", ADDR_PORT_OPTIONAL)))
				add_real(s, addr, method, weight, rest, kv);
		}
	}
}

static void fallback(struct ld_svc *s)
{
	struct ld_kv *fb = get(s->ld, s->v, "fallback", true);
	char *copy, *save = NULL, *where, *m;
	const char *addr;

	if (!fb)
		return;
	copy = imp_strdup(s->ld->ctx, fb->val);
	where = strtok_r(copy, " \t", &save);
	m = strtok_r(NULL, " \t", &save);
	if (!where)
		return;
	if (!strchr(where, ':') || (where[0] == '[' && !strstr(where, "]:")))
		where = s->port ? imp_printf(s->ld->ctx, "%s:%u", where, s->port) : where;
	if ((addr = endpoint(s, where, fb->line, "fallback", ADDR_PORT_REQUIRED)))
		imp_set(s->ld->ctx, s->svc, "sorry_server", IMP_STR, addr);
	if (m)
		warn_kv(s, fb, "forwarding '%s': the sorry server takes the service's "
			"in lvsd — dropped", m);
}

/* Keys read elsewhere or said to be dropped, per virtual. */
static const char *const dropped_keys[] = {
	"login", "passwd", "database", "secret", "monitorfile", "emailalert",
	"emailalertfreq", "emailalertstatus", "emailalertfrom", "smtp",
	"cleanstop", "fallbackcommand", "ops", "checkcount", NULL,
};

static void service_keys(struct ld_svc *s)
{
	struct imp_ctx *ctx = s->ld->ctx;
	const char *v;
	struct ld_kv *kv;

	v = val(s->ld, s->v, "scheduler", false, "wrr");
	for (size_t i = 0; cfg_sched_names[i]; i++)
		if (!strcasecmp(cfg_sched_names[i], v))
			imp_set(ctx, s->svc, "scheduler", IMP_STR, cfg_sched_names[i]);
	if (!imp_get(s->svc, "scheduler"))
		warn_kv(s, get(s->ld, s->v, "scheduler", false), "'%s' is not a "
			"scheduler lvsd has — dropped (lvsd uses wlc)", v);
	if ((kv = get(s->ld, s->v, "persistent", false))) {
		struct imp_node *p = imp_map(ctx, s->svc, "persistence");

		imp_set(ctx, p, "timeout", IMP_NUM, imp_number(kv->val, 1, 2678400) ?
			kv->val : "300");
		if ((v = val(s->ld, s->v, "netmask", false, NULL)))
			imp_set(ctx, p, "netmask", IMP_STR, v);
	} else if ((kv = get(s->ld, s->v, "netmask", false))) {
		warn_kv(s, kv, "'%s' without persistent= means nothing — dropped", kv->val);
	}
	imp_set(ctx, s->svc, "on_failure", IMP_STR,
		yes(val(s->ld, s->v, "quiescent", true, "yes")) ? "quiesce" : "remove");
	service_check(s);
	fallback(s);
	for (size_t i = 0; i < s->v->n; i++)
		if (!strcasecmp(s->v->kv[i].key, "real") ||
		    !strcasecmp(s->v->kv[i].key, "real6")) {
			s->v->kv[i].used = true;
			real_line(s, &s->v->kv[i]);
		}
}

/* One forwarding method for every server is said once, on the service. */
static void hoist_forwarding(struct imp_ctx *ctx, struct imp_node *svc)
{
	struct imp_node *list = imp_get(svc, "real_servers");
	const char *m = NULL;

	for (struct imp_node *rs = list ? list->first : NULL; rs; rs = rs->next) {
		if (m && strcmp(m, imp_get(rs, "forwarding")->text) != 0)
			return;
		m = imp_get(rs, "forwarding")->text;
	}
	if (!m)
		return;
	for (struct imp_node *rs = list->first; rs; rs = rs->next)
		imp_take(rs, "forwarding");
	imp_take(svc, "real_servers");
	imp_set(ctx, svc, "forwarding", IMP_STR, m);
	imp_attach(svc, "real_servers", list);
}

static void build_virtual(struct ld *ld, struct ld_block *v)
{
	struct ld_svc s = { .ld = ld, .v = v };
	struct ld_kv *where = &v->kv[0], *proto = get(ld, v, "protocol", false);
	struct lvs_addr a;
	char err[256];

	where->used = true;
	s.fwmark = imp_number(where->val, 1, 4294967295.0) && !strchr(where->val, '.');
	if (!s.fwmark && addr_parse(where->val, ADDR_PORT_REQUIRED, &a, err, sizeof(err)) < 0) {
		imp_warn(ld->ctx, ld->file, where->line, where->key, "%s (lvsd takes "
			 "numeric addresses and ports) — service dropped", err);
		return;
	}
	s.svc = imp_push(ld->ctx, imp_seq(ld->ctx, ld->ctx->root, "virtual_services"),
			 IMP_MAP, NULL);
	if (s.fwmark) {
		imp_set(ld->ctx, s.svc, "fwmark", IMP_NUM, where->val);
	} else {
		s.port = a.port;
		imp_set(ld->ctx, s.svc, "address", IMP_STR,
			endpoint(&s, where->val, where->line, "virtual", ADDR_PORT_REQUIRED));
		imp_set(ld->ctx, s.svc, "protocol", IMP_STR, proto ? lower_dup(ld->ctx,
			proto->val) : s.port == 53 ? "udp" : "tcp");
		if (proto && strcasecmp(proto->val, "tcp") && strcasecmp(proto->val, "udp")) {
			warn_kv(&s, proto, "'%s' with an address: lvsd takes tcp or udp "
				"— tcp used", proto->val);
			imp_set(ld->ctx, s.svc, "protocol", IMP_STR, "tcp");
		}
	}
	service_keys(&s);
	hoist_forwarding(ld->ctx, s.svc);
}

static void global_keys(struct ld *ld)
{
	struct imp_node *g = imp_map(ld->ctx, ld->ctx->root, "global");
	struct ld_kv *kv;

	if ((kv = get(ld, NULL, "autoreload", true)))
		imp_set(ld->ctx, g, "auto_reload", IMP_BOOL, yes(kv->val) ? "true" : "false");
	if ((kv = get(ld, NULL, "logfile", true)) && kv->val[0] == '/') {
		imp_set(ld->ctx, g, "log_file", IMP_STR, kv->val);
	} else if (kv) {
		imp_set(ld->ctx, g, "log_file", IMP_STR, "syslog");
		imp_warn(ld->ctx, ld->file, kv->line, kv->key, "syslog facility '%s': "
			 "lvsd logs to syslog's daemon facility — carried as syslog",
			 kv->val);
	}
	if (!g->first)
		imp_take(ld->ctx->root, "global");
}

/* Whatever no service read: said, never silently dropped. */
static void report_unused(struct ld *ld, struct ld_block *b)
{
	for (size_t i = 0; i < b->n; i++) {
		bool known = false;

		if (b->kv[i].used)
			continue;
		for (size_t k = 0; dropped_keys[k]; k++)
			known |= strcasecmp(dropped_keys[k], b->kv[i].key) == 0;
		imp_warn(ld->ctx, ld->file, b->kv[i].line, b->kv[i].key, "%s — dropped",
			 known ? "lvsd has no equivalent" :
			 b == &ld->global ? "not used by any service, or not an "
			 "ldirectord setting lvsd has" : "not used by the check lvsd "
			 "carries for this service, or not a setting lvsd has");
	}
}

int imp_ldirectord(struct imp_ctx *ctx, const char *name, const char *text)
{
	struct ld ld = { .ctx = ctx, .file = name };
	char *copy = imp_strdup(ctx, text), *line = copy;
	unsigned no = 0;
	int rc = 0;

	while (line && *line && rc == 0) {
		char *eol = strchr(line, '\n');

		if (eol)
			*eol = '\0';
		if (eol && eol > line && eol[-1] == '\r')
			eol[-1] = '\0';
		rc = read_line(&ld, line, ++no);
		line = eol ? eol + 1 : NULL;
	}
	if (rc == 0) {
		global_keys(&ld);
		for (size_t i = 0; i < ld.n_virt; i++)
			build_virtual(&ld, &ld.virt[i]);
		report_unused(&ld, &ld.global);
		for (size_t i = 0; i < ld.n_virt; i++)
			report_unused(&ld, &ld.virt[i]);
	}
	free(ld.virt);
	return rc;
}

/*
 * import_ld_check.c - an ldirectord virtual's health check as lvsd's
 * check (import_ld.h).
 *
 * ldirectord's negotiate check is chosen by `service` (itself defaulted
 * from the virtual's port); the protocols lvsd checks (http, https, smtp,
 * dns, simpletcp) carry over, the others become a TCP connect check with
 * a warning. Timing is stated explicitly: interval from checkinterval
 * (10 s), timeout from negotiatetimeout or checktimeout as ldirectord
 * picks them, rise 1, fall from failurecount (1).
 */
#include "config.h"

#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "import_ld.h"

/* ldirectord's service= when none is given, by the virtual's port. */
static const struct { unsigned port; const char *service; } default_service[] = {
	{ 21, "ftp" }, { 25, "smtp" }, { 53, "dns" }, { 80, "http" }, { 110, "pop" },
	{ 119, "nntp" }, { 143, "imap" }, { 389, "ldap" }, { 443, "https" },
	{ 587, "submission" }, { 993, "imaps" }, { 995, "pops" }, { 1521, "oracle" },
	{ 1812, "radius" }, { 3128, "http_proxy" }, { 3306, "mysql" },
	{ 5432, "pgsql" }, { 5060, "sip" },
};

char *ld_lower(struct imp_ctx *ctx, const char *s)
{
	char *d = imp_strdup(ctx, s);

	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

bool ld_regex_ok(const char *re)
{
	regex_t r;

	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	regfree(&r);
	return true;
}

void ld_warn(struct ld_svc *s, struct ld_kv *kv, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	imp_warn(s->ld->ctx, s->ld->file, kv ? kv->line : s->v->line,
		 kv ? kv->key : "virtual", "%s", why);
}

void ld_http_request(struct ld_svc *s, struct imp_node *c, const char *req,
		     struct ld_kv *kv)
{
	struct imp_ctx *ctx = s->ld->ctx;
	const char *path = req;

	if (strncasecmp(req, "http://", 7) == 0 || strncasecmp(req, "https://", 8) == 0) {
		const char *host = strstr(req, "//") + 2, *slash = strchr(host, '/');

		const char *h = imp_printf(ctx, "%.*s",
			(int)(slash ? slash - host : (long)strlen(host)), host);

		if (imp_path_ok(h))
			imp_set(ctx, c, "host", IMP_STR, h);
		if (kv)
			ld_warn(s, kv, "an absolute URL: lvsd sends the check to the real "
				"server, with the URL's host as Host header — '%s' carried "
				"that way", req);
		path = slash ? slash : "/";
	}
	if (!imp_path_ok(path)) {
		ld_warn(s, kv, "'%s' is not an HTTP path — / used", path);
		path = "/";
	}
	imp_set(ctx, c, "path", IMP_STR, path[0] == '/' ? path :
		imp_printf(ctx, "/%s", path));
}

/* The negotiate check for `service`: fills c, or says what it falls back to. */
static void negotiate(struct ld_svc *s, struct imp_node *c, const char *service,
		      struct ld_kv *svc_kv)
{
	struct imp_ctx *ctx = s->ld->ctx;
	struct ld_kv *req = ld_get(s->ld, s->v, "request", false);
	struct ld_kv *rcv = ld_get(s->ld, s->v, "receive", false);
	struct lvs_addr a;
	char err[64];

	if (!strcasecmp(service, "http") || !strcasecmp(service, "https")) {
		imp_set(ctx, c, "type", IMP_STR, ld_lower(ctx, service));
		ld_http_request(s, c, req ? req->val : "/", req);
		if (rcv && ld_regex_ok(rcv->val))
			imp_set(ctx, c, "body", IMP_STR, rcv->val);
		else if (rcv)
			ld_warn(s, rcv, "'%s' is not a POSIX extended regex — dropped",
				rcv->val);
	} else if (!strcasecmp(service, "smtp")) {
		imp_set(ctx, c, "type", IMP_STR, "smtp");
	} else if (!strcasecmp(service, "dns")) {
		imp_set(ctx, c, "type", IMP_STR, "dns");
		imp_set(ctx, c, "name", IMP_STR, req ? req->val : ".");
		if (rcv && addr_parse(rcv->val, ADDR_PORT_NONE, &a, err, sizeof(err)) == 0)
			imp_set(ctx, c, "answer", IMP_STR, rcv->val);
		else if (rcv)
			ld_warn(s, rcv, "'%s': lvsd matches a DNS answer by address only "
				"— dropped", rcv->val);
	} else if (!strcasecmp(service, "simpletcp") && req && rcv && ld_regex_ok(rcv->val)) {
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
	struct ld_kv *ct = ld_get(s->ld, s->v, "checktimeout", true);
	struct ld_kv *nt = ld_get(s->ld, s->v, "negotiatetimeout", true);
	struct ld_kv *kv = negotiating ? (nt ? nt : ct) : (ct ? ct : nt);
	const char *iv = ld_val(s->ld, s->v, "checkinterval", true, "10");
	const char *fc = ld_val(s->ld, s->v, "failurecount", true, "1");

	ld_get(s->ld, s->v, "connecttimeout", true);
	imp_set(ctx, c, "interval", IMP_NUM, imp_number(iv, 1, 86400) ? iv : "10");
	imp_set(ctx, c, "timeout", IMP_NUM, kv && imp_number(kv->val, 0.001, 3600) ?
		kv->val : negotiating ? "30" : "5");
	imp_set(ctx, c, "rise", IMP_NUM, "1");
	imp_set(ctx, c, "fall", IMP_NUM, imp_number(fc, 1, 1000) ? fc : "1");
}

/* The service's check from checktype, service, request/receive, checkport. */
void ld_service_check(struct ld_svc *s)
{
	struct imp_ctx *ctx = s->ld->ctx;
	struct imp_node *c = imp_map(ctx, s->svc, "check");
	struct ld_kv *ct = ld_get(s->ld, s->v, "checktype", true);
	struct ld_kv *sv = ld_get(s->ld, s->v, "service", false);
	const char *type = ct ? ct->val : "negotiate", *service = sv ? sv->val : "none";
	const char *v;

	for (size_t i = 0; !sv && i < sizeof(default_service) / sizeof(default_service[0]); i++)
		if (default_service[i].port == s->port)
			service = default_service[i].service;
	if (isdigit((unsigned char)type[0])) {
		ld_warn(s, ct, "'%s': a negotiate check every N connects; lvsd "
			"negotiates every time", type);
		type = "negotiate";
	}
	if (!strcasecmp(type, "negotiate")) {
		negotiate(s, c, service, sv);
	} else if (!strcasecmp(type, "connect") || !strcasecmp(type, "ping")) {
		imp_set(ctx, c, "type", IMP_STR, "tcp");
		if (!strcasecmp(type, "ping"))
			ld_warn(s, ct, "%s: lvsd has no ICMP check — a TCP connect "
				"check instead", type);
	} else if (!strcasecmp(type, "external") || !strcasecmp(type, "external-perl")) {
		v = ld_val(s->ld, s->v, "checkcommand", true, "/bin/true");
		imp_set(ctx, c, "type", IMP_STR, "script");
		imp_set(ctx, c, "script", IMP_STR, v);
		ld_warn(s, ct, "%s: lvsd passes the real server's address and port, "
			"not ldirectord's four arguments — carried", type);
	} else if (!strcasecmp(type, "on") || !strcasecmp(type, "off")) {
		imp_set(ctx, c, "type", IMP_STR, "none");
		if (!strcasecmp(type, "off"))
			ld_warn(s, ct, "%s: 'never up' has no lvsd equivalent — carried "
				"as no check (servers stay in)", type);
	} else {
		ld_warn(s, ct, "'%s': unknown checktype — a TCP connect check instead",
			type);
		imp_set(ctx, c, "type", IMP_STR, "tcp");
	}
	check_timing(s, c, !strcasecmp(type, "negotiate"));
	if ((v = ld_val(s->ld, s->v, "checkport", false, NULL)) && imp_number(v, 1, 65535))
		imp_set(ctx, c, "port", IMP_NUM, v);
	if ((v = ld_val(s->ld, s->v, "httpmethod", false, NULL)) && imp_get(c, "path")) {
		if (!strcasecmp(v, "GET") || !strcasecmp(v, "HEAD"))
			imp_set(ctx, c, "method", IMP_STR, !strcasecmp(v, "GET") ? "GET" : "HEAD");
		else
			ld_warn(s, ld_get(s->ld, s->v, "httpmethod", false), "'%s': lvsd "
				"sends GET or HEAD — dropped", v);
	}
	if ((v = ld_val(s->ld, s->v, "virtualhost", false, NULL)) && imp_get(c, "path")) {
		if (imp_path_ok(v))	/* the same rule: no blanks or controls */
			imp_set(ctx, c, "host", IMP_STR, v);
		else
			ld_warn(s, ld_get(s->ld, s->v, "virtualhost", false), "'%s' is "
				"not a host name — dropped", v);
	}
	if (!strcmp(imp_get(c, "type")->text, "none"))
		imp_take(s->svc, "check");
}

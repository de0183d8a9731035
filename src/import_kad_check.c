/*
 * import_kad_check.c - keepalived's checker blocks (TCP_CHECK, HTTP_GET,
 * SSL_GET, MISC_CHECK, SMTP_CHECK, DNS_CHECK) as an lvsd check, for
 * import_kad_lvs.c's real servers, with keepalived's timing stated
 * explicitly as import_kad_lvs.c explains (a MISC_CHECK's timeout is
 * the whole delay_loop). What lvsd cannot express (several URLs,
 * weights from a script's exit code) is warned about.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_values.h"
#include "import_kad.h"

char *kad_lower(struct kad *k, const char *s)
{
	char *d = imp_strdup(k->ctx, s);

	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

struct chk {
	struct kad_vs *vs;
	struct imp_node *c;
	const char *retry;
	int default_retry;
};

static void url_block(struct chk *ch, const struct kad_stmt *blk)
{
	struct kad *k = ch->vs->k;

	for (const struct kad_stmt *s = blk->child; s; s = s->next) {
		if (kad_is(s, "path") && kad_arg(k, s, 1)) {
			if (imp_path_ok(s->w[1]))
				imp_set(k->ctx, ch->c, "path", IMP_STR, s->w[1][0] == '/' ?
					s->w[1] : imp_printf(k->ctx, "/%s", s->w[1]));
			else
				imp_warn(k->ctx, s->file, s->line, "path", "'%s' is not an "
					 "HTTP path — dropped", s->w[1]);
		} else if (kad_is(s, "digest") && kad_arg(k, s, 1)) {
			if (strlen(s->w[1]) == 32 && strspn(s->w[1], "0123456789abcdefABCDEF") == 32)
				imp_set(k->ctx, ch->c, "digest", IMP_STR,
					imp_printf(k->ctx, "md5:%s", kad_lower(k, s->w[1])));
			else
				imp_warn(k->ctx, s->file, s->line, "digest", "'%s' is not an "
					 "MD5 digest (32 hex digits) — dropped", s->w[1]);
		} else if (kad_is(s, "status_code") && s->n > 1) {
			struct imp_node *st = imp_seq(k->ctx, ch->c, "status");

			for (size_t i = 1; i < s->n; i++)
				imp_push(k->ctx, st, IMP_STR, s->w[i]);
		} else if (kad_is(s, "virtualhost") && kad_arg(k, s, 1)) {
			imp_set(k->ctx, ch->c, "host", IMP_STR, s->w[1]);
		} else if (kad_is(s, "regex") && kad_arg(k, s, 1)) {
			imp_set(k->ctx, ch->c, "body", IMP_STR, s->w[1]);
		} else {
			kad_unknown(k, s, "url");
		}
	}
}

/* SMTP_CHECK's old "host { connect_ip; connect_port }" sub-block. */
static void smtp_host(struct chk *ch, const struct kad_stmt *blk)
{
	struct kad *k = ch->vs->k;

	for (const struct kad_stmt *s = blk->child; s; s = s->next) {
		if (kad_is(s, "connect_ip") && kad_arg(k, s, 1))
			imp_set(k->ctx, ch->c, "address", IMP_STR, s->w[1]);
		else if (kad_is(s, "connect_port") && kad_uint(k, s, 1, 65535))
			imp_set(k->ctx, ch->c, "port", IMP_NUM, s->w[1]);
		else
			kad_unknown(k, s, "SMTP_CHECK host");
	}
}

static bool common_key(struct chk *ch, const struct kad_stmt *s)
{
	struct kad *k = ch->vs->k;
	const char *v;

	if (kad_is(s, "connect_ip")) {
		if ((v = kad_arg(k, s, 1)))
			imp_set(k->ctx, ch->c, "address", IMP_STR, v);
	} else if (kad_is(s, "connect_port")) {
		if ((v = kad_uint(k, s, 1, 65535)))
			imp_set(k->ctx, ch->c, "port", IMP_NUM, v);
	} else if (kad_is(s, "connect_timeout") || kad_is(s, "misc_timeout")) {
		if ((v = kad_secs(k, s, 0.001, 3600)))
			imp_set(k->ctx, ch->c, "timeout", IMP_NUM, v);
	} else if (kad_is(s, "delay_loop")) {
		if ((v = kad_secs(k, s, 0.001, 86400)))
			imp_set(k->ctx, ch->c, "interval", IMP_NUM, v);
	} else if (kad_is(s, "retry") || kad_is(s, "nb_get_retry")) {
		ch->retry = kad_uint(k, s, 0, 999);
	} else if (kad_is(s, "delay_before_retry") || kad_is(s, "warmup")) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "lvsd checks at the "
			 "interval, with no separate retry delay or warm-up — dropped");
	} else if (kad_is(s, "bindto") || kad_is(s, "bind_port") ||
		   kad_is(s, "bind_if") || kad_is(s, "fwmark")) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "lvsd picks the check's "
			 "source address and mark itself — dropped");
	} else if (kad_is(s, "alpha")) {
		imp_set(k->ctx, ch->c, "alpha", IMP_BOOL, "true");
	} else {
		return false;
	}
	return true;
}

static void checker_key(struct chk *ch, const char *kind, const struct kad_stmt *s)
{
	struct kad *k = ch->vs->k;
	const char *v;
	bool http = !strcmp(kind, "HTTP_GET") || !strcmp(kind, "SSL_GET");

	if (common_key(ch, s))
		return;
	if (http && kad_is(s, "url") && s->block) {
		if (imp_get(ch->c, "path"))
			imp_warn(k->ctx, s->file, s->line, "url", "lvsd checks one URL "
				 "per server — the first is used, this one dropped");
		else
			url_block(ch, s);
	} else if (http && kad_is(s, "virtualhost") && (v = kad_arg(k, s, 1))) {
		imp_set(k->ctx, ch->c, "host", IMP_STR, v);
	} else if (http && kad_is(s, "http_protocol") && (v = kad_arg(k, s, 1))) {
		if (strcmp(v, "1.0") == 0 || strcmp(v, "1.1") == 0)
			imp_set(k->ctx, ch->c, "http_version", IMP_STR, v);
		else
			imp_warn(k->ctx, s->file, s->line, s->w[0], "'%s' — lvsd speaks "
				 "1.0 or 1.1; dropped", v);
	} else if (!strcmp(kind, "MISC_CHECK") && kad_is(s, "misc_path")) {
		if ((v = kad_command(k, s))) {
			imp_set(k->ctx, ch->c, "script", IMP_STR, v);
			imp_warn(k->ctx, s->file, s->line, s->w[0], "lvsd appends the "
				 "server's address and port to the command — carried");
		}
	} else if (!strcmp(kind, "MISC_CHECK") && kad_is(s, "misc_dynamic")) {
		imp_warn(k->ctx, s->file, s->line, s->w[0], "lvsd does not set weights "
			 "from a script's exit code — dropped");
	} else if (!strcmp(kind, "SMTP_CHECK") && kad_is(s, "helo_name") &&
		   (v = kad_arg(k, s, 1))) {
		imp_set(k->ctx, ch->c, "helo", IMP_STR, v);
	} else if (!strcmp(kind, "SMTP_CHECK") && kad_is(s, "host") && s->block) {
		if (imp_get(ch->c, "address") || imp_get(ch->c, "port"))
			imp_warn(k->ctx, s->file, s->line, "host", "lvsd checks one "
				 "address per server — the first is used, this one dropped");
		else
			smtp_host(ch, s);
	} else if (!strcmp(kind, "DNS_CHECK") && kad_is(s, "type") &&
		   (v = kad_arg(k, s, 1))) {
		if (cfg_dns_qtype(v))
			imp_set(k->ctx, ch->c, "qtype", IMP_STR, v);
		else
			imp_warn(k->ctx, s->file, s->line, "type", "'%s' is not a DNS "
				 "query type — dropped", v);
	} else if (!strcmp(kind, "DNS_CHECK") && kad_is(s, "name") &&
		   (v = kad_arg(k, s, 1))) {
		/* keepalived writes the root as "." or a trailing dot */
		imp_set(k->ctx, ch->c, "name", IMP_STR, v);
	} else {
		kad_unknown(k, s, kind);
	}
}

static const struct { const char *kw, *type; int retry; } checker_kinds[] = {
	{ "TCP_CHECK", "tcp", 1 }, { "HTTP_GET", "http", 1 }, { "SSL_GET", "https", 1 },
	{ "MISC_CHECK", "script", 0 }, { "SMTP_CHECK", "smtp", 1 },
	{ "DNS_CHECK", "dns", 1 },
};

int kad_checker_index(const struct kad_stmt *s)
{
	for (size_t i = 0; i < sizeof(checker_kinds) / sizeof(checker_kinds[0]); i++)
		if (kad_is(s, checker_kinds[i].kw))
			return (int)i;
	return -1;
}

struct imp_node *kad_checker(struct kad_vs *vs, const struct kad_stmt *blk, int kind)
{
	struct kad *k = vs->k;
	struct imp_node scratch = { .kind = IMP_SEQ };
	struct chk ch = { .vs = vs, .retry = vs->retry,
			  .default_retry = checker_kinds[kind].retry };
	const char *type = checker_kinds[kind].type;

	ch.c = imp_push(k->ctx, &scratch, IMP_MAP, NULL);
	imp_set(k->ctx, ch.c, "type", IMP_STR, type);
	imp_set(k->ctx, ch.c, "interval", IMP_NUM, vs->delay_loop ? vs->delay_loop : "60");
	/* MISC_CHECK's default timeout is the whole delay_loop, the others' 5 s */
	imp_set(k->ctx, ch.c, "timeout", IMP_NUM, !strcmp(type, "script") ?
		(vs->delay_loop && imp_number(vs->delay_loop, 0, 3600) ? vs->delay_loop :
		 vs->delay_loop ? "3600" : "60") :
		vs->connect_timeout ? vs->connect_timeout : "5");
	imp_set(k->ctx, ch.c, "rise", IMP_NUM, "1");
	imp_set(k->ctx, ch.c, "fall", IMP_NUM, "1");
	if (vs->alpha)
		imp_set(k->ctx, ch.c, "alpha", IMP_BOOL, "true");
	if (vs->virtualhost && (!strcmp(type, "http") || !strcmp(type, "https")))
		imp_set(k->ctx, ch.c, "host", IMP_STR, vs->virtualhost);
	for (const struct kad_stmt *s = blk->child; s; s = s->next)
		checker_key(&ch, checker_kinds[kind].kw, s);
	imp_set(k->ctx, ch.c, "fall", IMP_NUM, imp_printf(k->ctx, "%d",
		(ch.retry ? atoi(ch.retry) : ch.default_retry) + 1));
	if (!strcmp(type, "script") && !imp_get(ch.c, "script")) {
		imp_warn(k->ctx, blk->file, blk->line, blk->w[0], "no usable misc_path "
			 "— the check is dropped");
		return NULL;
	}
	if (!strcmp(type, "dns") && !imp_get(ch.c, "name"))
		imp_set(k->ctx, ch.c, "name", IMP_STR, ".");	/* keepalived's default */
	if (!strcmp(type, "dns") && !imp_get(ch.c, "qtype"))
		imp_set(k->ctx, ch.c, "qtype", IMP_STR, "SOA");
	return ch.c;
}

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
 * change the behaviour. The check itself is import_ld_check.c's.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "addr.h"
#include "cfg.h"
#include "import_ld.h"

static int kv_add(struct ld *ld, struct ld_block *b, const char *key,
		  const char *val, unsigned line)
{
	if (b->n == b->cap) {
		/* doubling: the arena keeps the old arrays, so growth must be geometric */
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct ld_kv *kv = arena_alloc(&ld->ctx->arena, cap * sizeof(*kv));

		if (!kv)
			return imp_error(ld->ctx, ld->file, line, "out of memory");
		if (b->n)
			memcpy(kv, b->kv, b->n * sizeof(*kv));
		b->kv = kv;
		b->cap = cap;
	}
	b->kv[b->n++] = (struct ld_kv){ .key = key, .val = val, .line = line };
	return 0;
}

/* The last value of `key` in the virtual, else in the globals (if `inherit`). */
struct ld_kv *ld_get(struct ld *ld, struct ld_block *v, const char *key,
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

const char *ld_val(struct ld *ld, struct ld_block *v, const char *key,
		       bool inherit, const char *dflt)
{
	struct ld_kv *kv = ld_get(ld, v, key, inherit);

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
		ld_warn(s, kv, "'%s': expected \"request\", \"receive\" — dropped", rest);
		return;
	}
	*q2 = *q4 = '\0';
	if (!svc_check || !imp_get(svc_check, "path")) {
		ld_warn(s, kv, "a per-server request/receive applies to HTTP checks "
			"only here — '%s' dropped", q1 + 1);
		return;
	}
	c = imp_map(ctx, rs, "check");
	ld_http_request(s, c, q1 + 1, NULL);
	if (ld_regex_ok(q3 + 1))
		imp_set(ctx, c, "body", IMP_STR, q3 + 1);
	else
		ld_warn(s, kv, "'%s' is not a POSIX extended regex — dropped", q3 + 1);
}

static void add_real(struct ld_svc *s, const char *addr, const char *method,
		     const char *weight, char *rest, struct ld_kv *kv)
{
	struct imp_ctx *ctx = s->ld->ctx;
	struct imp_node *rs = imp_push(ctx, imp_seq(ctx, s->svc, "real_servers"),
				       IMP_MAP, NULL);

	imp_origin(rs, s->ld->file, kv->line);

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
		ld_warn(s, kv, "'%s': expected ADDRESS[:PORT] gate|masq|ipip — dropped",
			kv->val);
		return;
	}
	if (w && (!imp_number(w, 0, 65535) || strchr(w, '.')))
		ld_warn(s, kv, "weight '%s' is not 0..65535 — 1 used", w);
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
			ld_warn(s, kv, "'%s': only IPv4 ranges in the last octet — "
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
	struct ld_kv *fb = ld_get(s->ld, s->v, "fallback", true);
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
		ld_warn(s, fb, "forwarding '%s': the sorry server takes the service's "
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

	v = ld_val(s->ld, s->v, "scheduler", false, "wrr");
	for (size_t i = 0; cfg_sched_names[i]; i++)
		if (!strcasecmp(cfg_sched_names[i], v))
			imp_set(ctx, s->svc, "scheduler", IMP_STR, cfg_sched_names[i]);
	if (!imp_get(s->svc, "scheduler"))
		ld_warn(s, ld_get(s->ld, s->v, "scheduler", false), "'%s' is not a "
			"scheduler lvsd has — dropped (lvsd uses wlc)", v);
	if ((kv = ld_get(s->ld, s->v, "persistent", false))) {
		struct imp_node *p = imp_map(ctx, s->svc, "persistence");

		imp_set(ctx, p, "timeout", IMP_NUM, imp_number(kv->val, 1, 2678400) ?
			kv->val : "300");
		if ((v = ld_val(s->ld, s->v, "netmask", false, NULL)) && imp_netmask_ok(v))
			imp_set(ctx, p, "netmask", IMP_STR, v);
		else if (v)
			ld_warn(s, ld_get(s->ld, s->v, "netmask", false), "'%s' is not a "
				"netmask — dropped", v);
	} else if ((kv = ld_get(s->ld, s->v, "netmask", false))) {
		ld_warn(s, kv, "'%s' without persistent= means nothing — dropped", kv->val);
	}
	imp_set(ctx, s->svc, "on_failure", IMP_STR,
		yes(ld_val(s->ld, s->v, "quiescent", true, "yes")) ? "quiesce" : "remove");
	ld_service_check(s);
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
	struct ld_kv *where = &v->kv[0], *proto = ld_get(ld, v, "protocol", false);
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
	imp_origin(s.svc, ld->file, where->line);
	if (s.fwmark) {
		imp_set(ld->ctx, s.svc, "fwmark", IMP_NUM, where->val);
	} else {
		s.port = a.port;
		imp_set(ld->ctx, s.svc, "address", IMP_STR,
			endpoint(&s, where->val, where->line, "virtual", ADDR_PORT_REQUIRED));
		imp_set(ld->ctx, s.svc, "protocol", IMP_STR, proto ? ld_lower(ld->ctx,
			proto->val) : s.port == 53 ? "udp" : "tcp");
		if (proto && strcasecmp(proto->val, "tcp") && strcasecmp(proto->val, "udp")) {
			ld_warn(&s, proto, "'%s' with an address: lvsd takes tcp or udp "
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

	if ((kv = ld_get(ld, NULL, "autoreload", true)))
		imp_set(ld->ctx, g, "auto_reload", IMP_BOOL, yes(kv->val) ? "true" : "false");
	if ((kv = ld_get(ld, NULL, "logfile", true)) && kv->val[0] == '/') {
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

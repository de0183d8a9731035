/*
 * cfg_values.c - value parsers that need more than a type and a range.
 *
 * Regexes are compiled here once and thrown away, only to prove they
 * compile: an error in a regex is a configuration error with a line and a
 * column, not a checker failure at 3 a.m.
 */
#include "config.h"

#include <ctype.h>
#include <net/if.h>
#include <pwd.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "cfg_values.h"
#include "cmd.h"

int cfg_value_ifname(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	const char *s = cfg_scalar(p, n);

	if (!s)
		return -1;
	if (strlen(s) >= IFNAMSIZ) {
		cfg_perr(p, n, "interface name '%s' is longer than %d characters",
			 s, IFNAMSIZ - 1);
		return -1;
	}
	for (const char *c = s; *c; c++) {
		if (*c == '/' || isspace((unsigned char)*c) || *c == ':') {
			cfg_perr(p, n, "'%s' is not a valid interface name", s);
			return -1;
		}
	}
	*(const char **)dst = cfg_scalar_dup(p, n);
	return 0;
}

/*
 * The daemon runs in "/" and reopens its files long after startup, so a
 * relative path would silently mean something else than the user meant.
 */
static int require_absolute(struct cfg_parser *p, yaml_node_t *n, const char *s)
{
	if (s[0] == '/')
		return 0;
	cfg_perr(p, n, "'%s' is not an absolute path (lvsd runs in /)", s);
	return -1;
}

int cfg_value_socket_path(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	const char *s = cfg_scalar(p, n);
	struct sockaddr_un un;

	if (!s)
		return -1;
	if (require_absolute(p, n, s) < 0)
		return -1;
	if (strlen(s) >= sizeof(un.sun_path)) {
		cfg_perr(p, n, "socket path is %zu bytes long; unix sockets allow %zu",
			 strlen(s), sizeof(un.sun_path) - 1);
		return -1;
	}
	*(const char **)dst = cfg_scalar_dup(p, n);
	return 0;
}

int cfg_value_file_path(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	const char *s = cfg_scalar(p, n);

	if (!s || require_absolute(p, n, s) < 0)
		return -1;
	*(const char **)dst = cfg_scalar_dup(p, n);
	return 0;
}

int cfg_value_log_target(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	const char *s = cfg_scalar(p, n);

	if (!s)
		return -1;
	if (strcmp(s, "syslog") != 0 && strcmp(s, "stderr") != 0 &&
	    require_absolute(p, n, s) < 0)
		return -1;
	*(const char **)dst = cfg_scalar_dup(p, n);
	return 0;
}

/*
 * A program and its arguments, run without a shell: split now as it will
 * be split to run (cmd.h), so a bad quote is an error here; the program
 * by its full path.
 */
int cfg_value_command(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	const char *s = cfg_scalar(p, n);
	char **argv, err[160];

	if (!s)
		return -1;
	if (cmd_split(s, NULL, &argv, err, sizeof(err)) < 0) {
		cfg_perr(p, n, "'%s': %s", s, err);
		return -1;
	}
	if (argv[0][0] != '/') {
		cfg_perr(p, n, "'%s' must start with the program's absolute path "
			 "(commands run without a shell, in /)", s);
		free(argv);
		return -1;
	}
	free(argv);
	*(const char **)dst = cfg_scalar_dup(p, n);
	return 0;
}

int cfg_value_user(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	const char *s = cfg_scalar(p, n);

	if (!s)
		return -1;
	if (getpwnam(s) == NULL) {
		cfg_perr(p, n, "no such user '%s' on this system", s);
		return -1;
	}
	*(const char **)dst = cfg_scalar_dup(p, n);
	return 0;
}

static bool has_ctl_or_space(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return true;
	return false;
}

int cfg_value_http_path(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	const char *s = cfg_scalar(p, n);

	if (!s)
		return -1;
	if (s[0] != '/' || has_ctl_or_space(s)) {
		cfg_perr(p, n, "'%s' is not an HTTP path (must start with '/' "
			 "and contain no spaces or control characters)", s);
		return -1;
	}
	*(const char **)dst = cfg_scalar_dup(p, n);
	return 0;
}

int cfg_value_http_host(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	const char *s = cfg_scalar(p, n);

	if (!s)
		return -1;
	if (has_ctl_or_space(s)) {
		cfg_perr(p, n, "'%s' contains spaces or control characters", s);
		return -1;
	}
	*(const char **)dst = cfg_scalar_dup(p, n);
	return 0;
}

/* Compile to prove it compiles; the checker compiles its own copy. */
static int regex_ok(struct cfg_parser *p, yaml_node_t *n, const char *s)
{
	regex_t re;
	char why[256];
	int rc = regcomp(&re, s, REG_EXTENDED | REG_NOSUB);

	if (rc != 0) {
		regerror(rc, &re, why, sizeof(why));
		cfg_perr(p, n, "bad regular expression '%s': %s", s, why);
		return -1;
	}
	regfree(&re);
	return 0;
}

int cfg_value_regex(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	const char *s = cfg_scalar(p, n);

	if (!s || regex_ok(p, n, s) < 0)
		return -1;
	*(const char **)dst = cfg_scalar_dup(p, n);
	return 0;
}

int cfg_value_netmask(struct cfg_parser *p, yaml_node_t *n, void *obj)
{
	struct cfg_persistence *pers = obj;
	const char *s = cfg_scalar(p, n);
	const char *num;
	char err[256];
	char *end;
	long len;

	if (!s)
		return -1;
	num = s[0] == '/' ? s + 1 : s;
	if (strchr(s, '.') == NULL) {
		len = strtol(num, &end, 10);
		if (*num < '0' || *num > '9' || *end || len < 0 || len > 128) {
			cfg_perr(p, n, "'%s' is neither a dotted netmask nor a "
				 "prefix length 0..128", s);
			return -1;
		}
		pers->netmask_len = (uint8_t)len;
	} else if (addr_parse_netmask4(s, &pers->netmask_len, err, sizeof(err)) < 0) {
		cfg_perr(p, n, "%s", err);
		return -1;
	}
	pers->netmask_text = cfg_scalar_dup(p, n);
	return 0;
}

/* Three digits, strictly (sscanf would take "+200" or "200- 299");
 * what follows them, or NULL. */
static const char *status_code(const char *s, unsigned *out)
{
	for (int i = 0; i < 3; i++)
		if (!isdigit((unsigned char)s[i]))
			return NULL;
	*out = (unsigned)(s[0] - '0') * 100 + (unsigned)(s[1] - '0') * 10 +
	       (unsigned)(s[2] - '0');
	return s + 3;
}

static int parse_status_item(struct cfg_parser *p, yaml_node_t *n,
			     struct cfg_status_range *r)
{
	const char *s = cfg_scalar(p, n), *rest;
	unsigned lo = 0, hi = 0;

	if (!s)
		return -1;
	rest = status_code(s, &lo);
	hi = lo;
	if (rest && *rest == '-')
		rest = status_code(rest + 1, &hi);
	if (!rest || *rest) {
		cfg_perr(p, n, "'%s' is not a status code or a range like 200-299", s);
		return -1;
	}
	if (lo < 100 || hi > 599) {
		cfg_perr(p, n, "'%s' is not within 100..599", s);
		return -1;
	}
	if (lo > hi) {
		cfg_perr(p, n, "'%s' is an empty range (its low end is above its "
			 "high end)", s);
		return -1;
	}
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
}

int cfg_value_status(struct cfg_parser *p, yaml_node_t *n, void *obj)
{
	struct cfg_check *c = obj;
	size_t count, saved = p->pathlen;
	int rc = 0;

	if (n->type == YAML_SCALAR_NODE) {
		c->status = cfg_alloc(p, sizeof(*c->status));
		if (!c->status || parse_status_item(p, n, c->status) < 0)
			return -1;
		c->n_status = 1;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		cfg_perr(p, n, "expected a status range or a list of them");
		return -1;
	}
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count == 0) {
		cfg_perr(p, n, "the list of accepted status codes is empty");
		return -1;
	}
	c->status = cfg_alloc(p, count * sizeof(*c->status));
	if (!c->status)
		return -1;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cfg_node(p, n->data.sequence.items.start[i]);

		if (!item)
			return -1;
		cfg_path_push(p, "[%zu]", i);
		if (parse_status_item(p, item, &c->status[i]) < 0)
			rc = -1;
		cfg_path_pop(p, saved);
	}
	c->n_status = count;
	return rc;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

static int decode_hex(const char *s, unsigned char *out, size_t *outlen,
		      char *err, size_t errlen)
{
	size_t n = 0;

	for (; *s; s += 2) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (hexval(s[0]) < 0 || (s[1] && hexval(s[1]) < 0)) {
			snprintf(err, errlen, "'%.2s' is not a hex byte", s);
			return -1;
		}
		if (!s[1]) {
			snprintf(err, errlen, "odd number of hex digits (the last, "
				 "'%c', is half a byte)", s[0]);
			return -1;
		}
		out[n++] = (unsigned char)(hexval(s[0]) << 4 | hexval(s[1]));
	}
	*outlen = n;
	return 0;
}

/* One escape after the backslash at *sp; advances *sp. */
static int decode_escape(const char **sp, unsigned char *out, char *err,
			 size_t errlen)
{
	static const char from[] = "nrtabfve\\\"'", to[] = "\n\r\t\a\b\f\v\033\\\"'";
	const char *s = *sp;
	const char *hit = *s ? strchr(from, *s) : NULL;
	unsigned v = 0;
	int i;

	if (hit) {
		*out = (unsigned char)to[hit - from];
		*sp = s + 1;
		return 0;
	}
	if (*s == 'x') {
		for (i = 1; i <= 2 && hexval(s[i]) >= 0; i++)
			v = v * 16 + (unsigned)hexval(s[i]);
		if (i == 1) {
			snprintf(err, errlen, "\\x is not followed by hex digits");
			return -1;
		}
		*out = (unsigned char)v;
		*sp = s + i;
		return 0;
	}
	if (*s >= '0' && *s <= '7') {
		for (i = 0; i < 3 && s[i] >= '0' && s[i] <= '7'; i++)
			v = v * 8 + (unsigned)(s[i] - '0');
		if (v > 0xff) {
			snprintf(err, errlen, "'\\%.3s' is more than a byte (at most \\377)", s);
			return -1;
		}
		*out = (unsigned char)v;
		*sp = s + i;
		return 0;
	}
	if (*s == '\0')
		snprintf(err, errlen, "a '\\' at the end escapes nothing");
	else
		snprintf(err, errlen, "unknown escape '\\%c'", *s);
	return -1;
}

int cfg_decode_bytes(const char *s, unsigned char *out, size_t *outlen,
		     bool *is_hex, char *err, size_t errlen)
{
	size_t n = 0;

	*is_hex = strncmp(s, "hex:", 4) == 0;
	if (*is_hex)
		return decode_hex(s + 4, out, outlen, err, errlen);
	while (*s) {
		if (*s != '\\') {
			out[n++] = (unsigned char)*s++;
			continue;
		}
		s++;
		if (decode_escape(&s, &out[n++], err, errlen) < 0)
			return -1;
	}
	*outlen = n;
	return 0;
}

static int bytes_value(struct cfg_parser *p, yaml_node_t *n,
		       struct cfg_bytes *b)
{
	const char *s = cfg_scalar(p, n);
	char err[128];

	if (!s)
		return -1;
	b->data = cfg_alloc(p, strlen(s) + 1);
	if (!b->data)
		return -1;
	if (cfg_decode_bytes(s, b->data, &b->len, &b->is_hex, err, sizeof(err)) < 0) {
		cfg_perr(p, n, "%s", err);
		return -1;
	}
	return 0;
}

int cfg_value_send(struct cfg_parser *p, yaml_node_t *n, void *obj)
{
	return bytes_value(p, n, &((struct cfg_check *)obj)->send);
}

int cfg_value_expect(struct cfg_parser *p, yaml_node_t *n, void *obj)
{
	struct cfg_check *c = obj;
	const char *s = cfg_scalar(p, n);

	if (!s)
		return -1;
	/* One form or the other: a real server overriding its service's
	 * expect must not keep the service's other form too. */
	if (strncmp(s, "hex:", 4) == 0) {
		c->expect_regex = NULL;
		return bytes_value(p, n, &c->expect);
	}
	c->expect = (struct cfg_bytes){ 0 };
	return cfg_value_regex(p, n, &c->expect_regex);
}

int cfg_value_digest(struct cfg_parser *p, yaml_node_t *n, void *obj)
{
	struct cfg_check *c = obj;
	const char *s = cfg_scalar(p, n);
	const char *hex;
	size_t want, got;
	char err[128];

	if (!s)
		return -1;
	if (strncmp(s, "md5:", 4) == 0) {
		c->digest_alg = CFG_DIGEST_MD5;
		want = 16;
		hex = s + 4;
	} else if (strncmp(s, "sha256:", 7) == 0) {
		c->digest_alg = CFG_DIGEST_SHA256;
		want = 32;
		hex = s + 7;
	} else {
		cfg_perr(p, n, "'%s' must be md5:HEX or sha256:HEX", s);
		return -1;
	}
	if (strlen(hex) != want * 2 || decode_hex(hex, c->digest, &got, err, sizeof(err)) < 0) {
		cfg_perr(p, n, "the %s digest must be %zu hex digits", s[0] == 'm' ? "md5" : "sha256",
			 want * 2);
		c->digest_alg = CFG_DIGEST_NONE;
		return -1;
	}
	return 0;
}

static const struct {
	const char *name;
	unsigned type;
} dns_types[] = {
	{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "PTR", 12 },
	{ "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 }, { "SRV", 33 },
	{ "NAPTR", 35 }, { "DS", 43 }, { "DNSKEY", 48 }, { "CAA", 257 },
	{ "ANY", 255 },
};

unsigned cfg_dns_qtype(const char *name)
{
	unsigned long v;
	char *end;

	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (strcasecmp(name, dns_types[i].name) == 0)
			return dns_types[i].type;
	/* RFC 3597 names unknown types TYPEnnn. */
	if (strncasecmp(name, "TYPE", 4) == 0 && isdigit((unsigned char)name[4])) {
		v = strtoul(name + 4, &end, 10);
		if (*end == '\0' && v >= 1 && v <= 65535)
			return (unsigned)v;
	}
	return 0;
}

int cfg_value_qtype(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	const char *s = cfg_scalar(p, n);
	unsigned t;

	if (!s)
		return -1;
	t = cfg_dns_qtype(s);
	if (t == 0) {
		cfg_perr(p, n, "unknown DNS query type '%s' (A, AAAA, CNAME, MX, "
			 "NS, PTR, SOA, SRV, TXT, ... or TYPEnnn)", s);
		return -1;
	}
	*(uint16_t *)dst = (uint16_t)t;
	return 0;
}

int cfg_elem_ip(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	const char *s = cfg_scalar(p, n);
	char err[256];

	if (!s)
		return -1;
	if (addr_parse(s, ADDR_PORT_NONE, dst, err, sizeof(err)) < 0) {
		cfg_perr(p, n, "%s", err);
		return -1;
	}
	return 0;
}

int cfg_elem_prefix(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	const char *s = cfg_scalar(p, n);
	char err[256];

	if (!s)
		return -1;
	if (addr_parse_prefix(s, dst, err, sizeof(err)) < 0) {
		cfg_perr(p, n, "%s", err);
		return -1;
	}
	return 0;
}

int cfg_elem_ref(struct cfg_parser *p, yaml_node_t *n, void *dst)
{
	struct cfg_ref *r = dst;

	r->name = cfg_scalar_dup(p, n);
	r->mark = cfg_node_mark(n);
	return r->name ? 0 : -1;
}

/*
 * check_conf.c - when two configured checks are the same check.
 *
 * A reload builds a whole new model; a checker whose check did not
 * change must keep running with its up/down state and counters (a
 * reload that sent every server back through `rise` would be an outage).
 * Equal here means: every key that changes what is probed, how it is
 * judged or how results count. Where in the file the keys were written
 * does not matter.
 */
#include "config.h"

#include <string.h>

#include "check.h"

static bool str_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool bytes_equal(const struct cfg_bytes *a, const struct cfg_bytes *b)
{
	return a->len == b->len && a->is_hex == b->is_hex &&
	       (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static bool addr_or_none_equal(const struct lvs_addr *a, const struct lvs_addr *b)
{
	if (!a->af || !b->af)
		return a->af == b->af;
	return addr_ip_equal(a, b);
}

static bool http_equal(const struct cfg_check *a, const struct cfg_check *b)
{
	if (a->method != b->method || a->http_version != b->http_version ||
	    a->keepalive != b->keepalive ||
	    !str_equal(a->path, b->path) || !str_equal(a->host, b->host) ||
	    !str_equal(a->body, b->body) || a->digest_alg != b->digest_alg ||
	    memcmp(a->digest, b->digest, sizeof(a->digest)) != 0 ||
	    a->n_status != b->n_status)
		return false;
	for (size_t i = 0; i < a->n_status; i++)
		if (a->status[i].lo != b->status[i].lo || a->status[i].hi != b->status[i].hi)
			return false;
	return true;
}

static bool tls_equal(const struct cfg_check *a, const struct cfg_check *b)
{
	return str_equal(a->sni, b->sni) && a->verify == b->verify &&
	       str_equal(a->ca, b->ca) && str_equal(a->cert, b->cert) &&
	       str_equal(a->key, b->key);
}

bool check_conf_equal(const struct cfg_check *a, const struct cfg_check *b)
{
	if (a->type != b->type || !addr_or_none_equal(&a->address, &b->address) ||
	    a->port != b->port || a->interval != b->interval || a->timeout != b->timeout ||
	    a->rise != b->rise || a->fall != b->fall || a->alpha != b->alpha)
		return false;
	if (!http_equal(a, b) || !tls_equal(a, b))
		return false;
	if (a->transport != b->transport || !bytes_equal(&a->send, &b->send) ||
	    !bytes_equal(&a->expect, &b->expect) ||
	    !str_equal(a->expect_regex, b->expect_regex))
		return false;
	return str_equal(a->script, b->script) && str_equal(a->name, b->name) &&
	       a->qtype == b->qtype && addr_or_none_equal(&a->answer, &b->answer) &&
	       str_equal(a->helo, b->helo);
}

/*
 * ctl_list.c - the control commands that show the forwarding table:
 * `list` (as ipvsadm -Ln, --stats, --rate, -Lnc, ...) and `save` (as
 * ipvsadm -S -n), each also as JSON. The table comes from the running
 * core, whichever it is; ipvs_fmt.c does the layout.
 */
#include "config.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cmds.h"
#include "fwd.h"
#include "ipvs_fmt.h"
#include "json.h"
#include "lvsd.h"

struct list_opts {
	enum ipvs_fmt_view view;
	unsigned flags;
	bool conns, json;
};

static const struct {
	const char *opt;
	int view;		/* -1: not a view */
	unsigned flag;
} list_flags[] = {
	{ "--stats", IPVS_FMT_STATS, 0 },
	{ "--rate", IPVS_FMT_RATE, 0 },
	{ "--thresholds", IPVS_FMT_THRESHOLDS, 0 },
	{ "--persistent-conn", IPVS_FMT_PERSISTENT, 0 },
	{ "--exact", -1, IPVS_FMT_EXACT },
	{ "--nosort", -1, IPVS_FMT_NOSORT },
};

static int parse_list_opts(const struct ctl_request *req, struct list_opts *o,
			   struct evbuffer *out)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < req->argc; i++) {
		const char *a = req->argv[i];
		bool known = false;

		if (strcmp(a, "--conns") == 0 || strcmp(a, "-c") == 0) {
			o->conns = known = true;
		} else if (strcmp(a, "--json") == 0) {
			o->json = known = true;
		}
		for (size_t k = 0; !known && k < sizeof(list_flags) / sizeof(list_flags[0]); k++) {
			if (strcmp(a, list_flags[k].opt) != 0)
				continue;
			known = true;
			if (list_flags[k].view >= 0)
				o->view = (enum ipvs_fmt_view)list_flags[k].view;
			o->flags |= list_flags[k].flag;
		}
		if (!known) {
			evbuffer_add_printf(out, "list: unknown option '%s'; usage: list "
					    "[--stats|--rate|--thresholds|--persistent-conn|"
					    "--conns] [--exact] [--nosort] [--json]\n", a);
			return -1;
		}
	}
	return 0;
}

/* Text from a FILE* writer into the answer. */
static bool emit(FILE *f, char **buf, size_t *len, struct evbuffer *out)
{
	if (fclose(f) != 0) {
		free(*buf);
		return false;
	}
	evbuffer_add(out, *buf, *len);
	free(*buf);
	return true;
}

static bool emit_json(struct json *j, struct evbuffer *out)
{
	const char *text = json_text(j);
	/* Not printf: a table of 10,000 servers is megabytes, copied once. */
	bool ok = text && evbuffer_add(out, text, json_len(j)) == 0 && evbuffer_add(out, "\n", 1) == 0;

	json_free(j);
	return ok;
}

struct conn_list {
	struct fwd_conn_info *v;
	size_t n, cap;
};

static int collect_conn(const struct fwd_conn_info *c, void *arg)
{
	struct conn_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct fwd_conn_info *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *c;
	return 0;
}

static bool list_conns(struct lvsd *ctx, const struct list_opts *o, struct evbuffer *out)
{
	struct conn_list l = { 0 };
	char err[256], *buf = NULL;
	size_t len = 0;
	bool ok = false;

	if (ctx->fwd->ops->conns(ctx->fwd, collect_conn, &l, err, sizeof(err)) != 0) {
		evbuffer_add_printf(out, "cannot read the connection table: %s\n", err);
	} else if (o->json) {
		struct json j;

		json_init(&j);
		ipvs_fmt_conns_json(l.v, l.n, &j);
		ok = emit_json(&j, out);
	} else {
		FILE *f = open_memstream(&buf, &len);

		ok = f && ipvs_fmt_conns(l.v, l.n, f) == 0;
		ok = f && emit(f, &buf, &len, out) && ok;
	}
	free(l.v);
	return ok;
}

/* Read the core's table, or say why not. */
static bool read_table(struct lvsd *ctx, struct fwd_table *t, struct evbuffer *out)
{
	char err[256];

	if (!ctx->fwd) {
		evbuffer_add_printf(out, "no forwarding core is running\n");
		return false;
	}
	if (ctx->fwd->ops->table(ctx->fwd, t, err, sizeof(err)) < 0) {
		evbuffer_add_printf(out, "cannot read the forwarding table: %s\n", err);
		return false;
	}
	return true;
}

bool ctl_cmd_list(struct lvsd *ctx, const struct ctl_request *req, struct evbuffer *out)
{
	struct list_opts o;
	struct fwd_table t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	bool ok;

	if (parse_list_opts(req, &o, out) < 0)
		return false;
	if (o.conns)
		return ctx->fwd ? list_conns(ctx, &o, out) : read_table(ctx, &t, out);
	if (!read_table(ctx, &t, out))
		return false;
	if (o.json) {
		struct json j;

		json_init(&j);
		ipvs_fmt_list_json(&t, o.flags, &j);
		ok = emit_json(&j, out);
	} else {
		f = open_memstream(&buf, &len);
		ok = f && ipvs_fmt_list(&t, o.view, o.flags, f) == 0;
		ok = f && emit(f, &buf, &len, out) && ok;
	}
	fwd_table_free(&t);
	return ok;
}

bool ctl_cmd_save(struct lvsd *ctx, const struct ctl_request *req, struct evbuffer *out)
{
	struct fwd_table t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	bool ok;

	if (req->argc != 1) {
		evbuffer_add_printf(out, "usage: save\n");
		return false;
	}
	if (!read_table(ctx, &t, out))
		return false;
	f = open_memstream(&buf, &len);
	ok = f && ipvs_fmt_save(&t, 0, f) == 0;
	ok = f && emit(f, &buf, &len, out) && ok;
	fwd_table_free(&t);
	return ok;
}

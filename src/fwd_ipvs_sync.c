/*
 * fwd_ipvs_sync.c - IPVS's connection sync daemons: read which run, stop
 * those that are not wanted, start the one that is. The kernel runs at
 * most one master (sending the director's connections by multicast) and
 * one backup (receiving them) per network namespace.
 */
#include "config.h"

#include <linux/ip_vs.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <stdio.h>
#include <string.h>

#include "fwd_ipvs_priv.h"

struct daemons {
	struct fwd_sync_conf run[2];
	size_t n;
	char *err;
	size_t errlen;
};

static int on_daemon(struct nl_msg *m, void *arg)
{
	struct daemons *d = arg;
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];

	/* the kernel runs at most one master and one backup */
	if (d->n == sizeof(d->run) / sizeof(d->run[0]))
		return 0;
	if (ipvs_msg_attrs(m, tb) < 0 ||
	    ipvs_msg_parse_daemon(tb[IPVS_CMD_ATTR_DAEMON], &d->run[d->n], d->err, d->errlen) < 0)
		return -1;
	d->n++;
	return 0;
}

static int daemon_call(struct ipvs_core *c, uint8_t cmd, const struct fwd_sync_conf *d,
		       char *err, size_t errlen)
{
	struct nl_msg *m = ipvs_req_new(c, cmd, 0);
	int kerr, rc;
	char why[128];

	if (!m || ipvs_msg_put_daemon(m, d) < 0) {
		nlmsg_free(m);
		snprintf(err, errlen, "cannot build the request");
		return -1;
	}
	rc = ipvs_transact(c, m, NULL, NULL, &kerr, why, sizeof(why));
	if (rc < 0)
		snprintf(err, errlen, "cannot %s the %s sync daemon on %s (syncid %u): %s",
			 cmd == IPVS_CMD_NEW_DAEMON ? "start" : "stop",
			 ipvs_sync_state_names[d->state], d->ifname[0] ? d->ifname : "-",
			 d->syncid, why);
	return rc;
}

static bool same_daemon(const struct fwd_sync_conf *a, const struct fwd_sync_conf *b)
{
	return a->state == b->state && a->syncid == b->syncid && strcmp(a->ifname, b->ifname) == 0;
}

int ipvs_sync_set(struct fwd *f, const struct fwd_sync_conf *want, char *err, size_t errlen)
{
	struct ipvs_core *c = f->priv;
	struct daemons d = { .err = err, .errlen = errlen };
	bool have_it = false;
	int changed = 0;

	if (ipvs_simple_get(c, IPVS_CMD_GET_DAEMON, NLM_F_DUMP, on_daemon, &d, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < d.n; i++) {
		if (want->state != FWD_SYNC_NONE && same_daemon(&d.run[i], want)) {
			have_it = true;
			continue;
		}
		if (daemon_call(c, IPVS_CMD_DEL_DAEMON, &d.run[i], err, errlen) < 0)
			return -1;
		changed = 1;
	}
	if (want->state == FWD_SYNC_NONE || have_it)
		return changed;
	if (daemon_call(c, IPVS_CMD_NEW_DAEMON, want, err, errlen) < 0)
		return -1;
	return 1;
}

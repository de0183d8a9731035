/*
 * fwd_ipvs_nl.c - one request's conversation with the kernel's IPVS
 * family: build the request, send it, read the acknowledgement or the
 * dump, and keep the kernel's errno, so that a refusal says what the
 * kernel said (libnl maps errnos to its own, coarser, codes).
 */
#include "config.h"

#include <linux/ip_vs.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <stdio.h>
#include <string.h>

#include "fwd_ipvs.h"
#include "fwd_ipvs_priv.h"

/* One request's conversation: replies to on_msg, the kernel's errno to kerr. */
struct ipvs_call {
	int (*on_msg)(struct nl_msg *m, void *arg);
	void *arg;
	int kerr;
	bool done, failed;
};

static int call_valid(struct nl_msg *m, void *arg)
{
	struct ipvs_call *c = arg;

	if (c->on_msg && !c->failed && c->on_msg(m, c->arg) < 0)
		c->failed = true;
	return NL_OK;
}

static int call_end(struct nl_msg *m, void *arg)
{
	(void)m;
	((struct ipvs_call *)arg)->done = true;
	return NL_STOP;
}

static int call_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct ipvs_call *c = arg;

	(void)who;
	c->kerr = e->error < 0 ? -e->error : e->error;
	c->done = true;
	return NL_STOP;
}

/*
 * A request; all but dumps ask for an acknowledgement (a dump ends with
 * NLMSG_DONE instead, and an extra answer would be read by the next call).
 */
struct nl_msg *ipvs_req_new(struct ipvs_core *c, uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc();

	if (!(flags & NLM_F_DUMP))
		flags |= NLM_F_ACK;

	if (m && !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, flags, cmd,
			      IPVS_GENL_VERSION)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

int ipvs_transact(struct ipvs_core *c, struct nl_msg *m, int (*on_msg)(struct nl_msg *, void *),
		  void *arg, int *kerr, char *err, size_t errlen)
{
	struct ipvs_call call = { .on_msg = on_msg, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int rc = 0;

	*kerr = 0;
	if (!cb) {
		nlmsg_free(m);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, call_valid, &call);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, call_end, &call);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, call_end, &call);
	nl_cb_err(cb, NL_CB_CUSTOM, call_error, &call);
	rc = nl_send_auto(c->sk, m);
	nlmsg_free(m);
	for (int i = 0; rc >= 0 && !call.done && i < 1000000; i++)
		rc = nl_recvmsgs(c->sk, cb);
	nl_cb_put(cb);
	if (call.kerr) {
		*kerr = call.kerr;
		snprintf(err, errlen, "%s", strerror(call.kerr));
		return -1;
	}
	if (rc < 0) {
		snprintf(err, errlen, "netlink: %s", nl_geterror(rc));
		return -1;
	}
	if (call.failed) {
		snprintf(err, errlen, "the kernel's answer could not be read");
		return -1;
	}
	return 0;
}

int ipvs_simple_get(struct ipvs_core *c, uint8_t cmd, int flags,
		    int (*on_msg)(struct nl_msg *, void *), void *arg, char *err, size_t errlen)
{
	struct nl_msg *m = ipvs_req_new(c, cmd, flags);
	int kerr;

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return ipvs_transact(c, m, on_msg, arg, &kerr, err, errlen);
}

bool fwd_ipvs_available(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	bool found = false;

	if (!sk)
		return false;
	if (genl_connect(sk) == 0)
		found = genl_ctrl_resolve(sk, IPVS_GENL_NAME) >= 0;
	nl_socket_free(sk);
	return found;
}

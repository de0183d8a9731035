/*
 * fwd_select.c - choosing the forwarding core the configuration asks
 * for, by asking the kernel whether it has IPVS.
 */
#include "config.h"

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <stdio.h>

#include "fwd.h"
#include "fwd_user.h"

/* Whether the running kernel offers the IPVS generic netlink family. */
static bool kernel_has_ipvs(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	bool found = false;

	if (!sk)
		return false;
	if (genl_connect(sk) == 0)
		found = genl_ctrl_resolve(sk, "IPVS") >= 0;
	nl_socket_free(sk);
	return found;
}

struct fwd *fwd_new(enum cfg_fwd_core want, struct event_base *base,
		    struct logger *log, uint32_t max_conns, char *err, size_t errlen)
{
	bool ipvs = kernel_has_ipvs();

	if (want == CFG_CORE_IPVS) {
		snprintf(err, errlen, ipvs ? "forwarding_core ipvs: lvsd's kernel IPVS core "
			 "is not built yet; use userspace or auto"
			 : "forwarding_core ipvs: this kernel has no IPVS "
			 "(the IPVS generic netlink family does not resolve; "
			 "is the ip_vs module loaded?)");
		return NULL;
	}
	if (want == CFG_CORE_AUTO)
		log_info(log, "forwarding core: userspace (%s)", ipvs
			 ? "the kernel has IPVS, but lvsd's IPVS core is not built yet"
			 : "the kernel has no IPVS");
	return fwd_user_new(base, log, max_conns, err, errlen);
}

/*
 * vrrp_lab.c - the two-namespace lab of the VRRP network tests (see
 * vrrp_lab.h). Built with `ip` commands run by system(): a child inherits
 * the namespace of the thread that forks it, so a command run between
 * vrrp_lab_enter() and vrrp_lab_back() acts on that namespace.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vrrp_lab.h"
#include "vrrp_net.h"

#define VRRP_LAB_WAIT_MS 3000

int64_t vrrp_lab_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vrrp_lab_enter(const struct vrrp_lab *l, int ns)
{
	(void)l;
	return setns(ns, CLONE_NEWNET);
}

void vrrp_lab_back(const struct vrrp_lab *l)
{
	/* Stuck in B, nothing the test checks afterwards would mean anything. */
	if (setns(l->ns_a, CLONE_NEWNET) < 0)
		abort();
}

int vrrp_lab_sh(const struct vrrp_lab *l, int ns, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (vrrp_lab_enter(l, ns) < 0)
		return -1;
	rc = system(cmd);
	vrrp_lab_back(l);
	return rc;
}

int vrrp_lab_socket(const struct vrrp_lab *l, int ns, int domain, int type, int proto)
{
	int fd;

	if (vrrp_lab_enter(l, ns) < 0)
		return -1;
	fd = socket(domain, type, proto);
	vrrp_lab_back(l);
	return fd;
}

bool vrrp_lab_wait_up(const struct vrrp_lab *l, int ns, const char *name)
{
	int64_t deadline = vrrp_lab_now_ms() + VRRP_LAB_WAIT_MS;
	struct vrrp_if_info info;
	char err[256];
	int rc;

	for (;;) {
		if (vrrp_lab_enter(l, ns) < 0)
			return false;
		rc = vrrp_if_lookup(name, NULL, 0, &info, err, sizeof(err));
		vrrp_lab_back(l);
		if (rc == 0 && info.up)
			return true;
		if (vrrp_lab_now_ms() > deadline)
			return false;
		usleep(20000);
	}
}

/* Into a namespace of our own, A. NULL, or why not. */
static const char *vrrp_lab_unshare(void)
{
	static char why[160];

	if (geteuid() != 0)
		return "not root (the test makes network namespaces and interfaces)";
	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(why, sizeof(why), "cannot make a network namespace: unshare: %s",
			 strerror(errno));
		return why;
	}
	if (system("ip -V >/dev/null 2>&1") != 0)
		return "no `ip` command (iproute2) to build the lab with";
	return NULL;
}

const char *vrrp_lab_open(struct vrrp_lab *l)
{
	const char *why = vrrp_lab_unshare();

	if (why)
		return why;
	/* B's not close-on-exec: `ip` reaches it through /proc/self/fd. */
	if ((l->ns_a = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0 ||
	    unshare(CLONE_NEWNET) < 0 || (l->ns_b = open("/proc/self/ns/net", O_RDONLY)) < 0 ||
	    vrrp_lab_enter(l, l->ns_a) < 0)
		return "cannot make a second network namespace";
	if (vrrp_lab_sh(l, l->ns_a, "ip link add va address 02:00:00:00:00:0a type veth peer "
			"name vb address 02:00:00:00:00:0b netns /proc/self/fd/%d", l->ns_b) != 0)
		return "cannot make a veth pair";
	/* The VIP first: the kernel's own choice of source, that a send must override. */
	if (vrrp_lab_sh(l, l->ns_a, "ip link set lo up && ip addr add 10.9.0.100/24 dev va && "
			"ip addr add 10.9.0.1/24 dev va && ip link set va up") != 0 ||
	    vrrp_lab_sh(l, l->ns_b, "ip link set lo up && ip addr add 10.9.0.2/24 dev vb && "
			"ip link set vb up") != 0)
		return "cannot set up the veth pair";
	if (!vrrp_lab_wait_up(l, l->ns_a, "va") || !vrrp_lab_wait_up(l, l->ns_b, "vb"))
		return "the veth pair does not come up";
	l->if_a = (int)if_nametoindex("va");
	if (vrrp_lab_enter(l, l->ns_b) < 0)
		return "cannot enter the second namespace";
	l->if_b = (int)if_nametoindex("vb");
	vrrp_lab_back(l);
	return NULL;
}

/*
 * vrrp_lab.h - two network namespaces of the test process's own, joined
 * by a veth pair, for tests of VRRP against a real kernel. The process
 * moves itself into A (so nothing it does touches the host's network)
 * and makes B; both vanish when it exits. Helpers run a command, or make
 * a socket, in either namespace and come back to A.
 *
 *   A: va 02:00:00:00:00:0a  10.9.0.100/24 (a VIP, the first address), 10.9.0.1/24
 *   B: vb 02:00:00:00:00:0b  10.9.0.2/24
 */
#ifndef LVSD_VRRP_LAB_H
#define LVSD_VRRP_LAB_H

#include <stdbool.h>
#include <stdint.h>

struct vrrp_lab {
	int ns_a, ns_b;		/* the namespaces, open; the process lives in A */
	int if_a, if_b;		/* va's index (in A), vb's (in B) */
};

/*
 * Enter A and build the lab. NULL, or why this host cannot have it (not
 * root, no network namespaces, no `ip`): a reason to skip, not to fail.
 */
const char *vrrp_lab_open(struct vrrp_lab *l);

/* Move into namespace ns: 0, or -1. vrrp_lab_back() returns to A (or aborts). */
int vrrp_lab_enter(const struct vrrp_lab *l, int ns);
void vrrp_lab_back(const struct vrrp_lab *l);

/* Run a shell command in ns; its exit status, -1 if ns cannot be entered. */
int vrrp_lab_sh(const struct vrrp_lab *l, int ns, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* socket() in ns (a socket stays in the namespace it was made in). */
int vrrp_lab_socket(const struct vrrp_lab *l, int ns, int domain, int type, int proto);

/* Wait (3 s at most) until interface name in ns is up and running. */
bool vrrp_lab_wait_up(const struct vrrp_lab *l, int ns, const char *name);

int64_t vrrp_lab_now_ms(void);

#endif

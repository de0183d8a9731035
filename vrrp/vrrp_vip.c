/*
 * vrrp_vip.c - the virtual IPs: added to and removed from an interface
 * over rtnetlink with libnl-route-3, IPv4 ones with a label ("eth0:v51")
 * so that `ip addr` and ifconfig show whose they are. Both calls are
 * idempotent (an address already there, or already gone, is success),
 * because a master that restarts, or a reload, may find the kernel
 * already as it wants it, and that must not read as a failure.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include "vrrp_net.h"

struct vrrp_vips {
	struct nl_sock *sk;		/* blocking: each request waits for its ack */
};

struct vrrp_vips *vrrp_vips_open(char *err, size_t errlen)
{
	struct vrrp_vips *v = calloc(1, sizeof(*v));
	int rc;

	if (!v || !(v->sk = nl_socket_alloc())) {
		snprintf(err, errlen, "virtual IPs: out of memory");
		free(v);
		return NULL;
	}
	rc = nl_connect(v->sk, NETLINK_ROUTE);
	if (rc < 0) {
		snprintf(err, errlen, "virtual IPs: cannot connect to rtnetlink: %s", nl_geterror(rc));
		vrrp_vips_close(v);
		return NULL;
	}
	return v;
}

void vrrp_vips_close(struct vrrp_vips *v)
{
	if (!v)
		return;
	nl_socket_free(v->sk);
	free(v);
}

/* "10.0.0.100/24", for the errors. */
static const char *vrrp_vip_str(const struct lvs_prefix *vip, char *buf, size_t len)
{
	char ip[ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", addr_format_ip(&vip->addr, ip, sizeof(ip)), vip->len);
	return buf;
}

static size_t vrrp_vip_alen(const struct lvs_prefix *vip)
{
	return vip->addr.af == AF_INET ? sizeof(vip->addr.ip.v4) : sizeof(vip->addr.ip.v6);
}

/* The address object of a request: vip, on ifindex. NULL when out of memory. */
static struct rtnl_addr *vrrp_vip_obj(int ifindex, const struct lvs_prefix *vip)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(vip->addr.af, &vip->addr.ip, vrrp_vip_alen(vip));

	if (!a || !local) {
		rtnl_addr_put(a);
		nl_addr_put(local);
		return NULL;
	}
	nl_addr_set_prefixlen(local, vip->len);
	rtnl_addr_set_family(a, vip->addr.af);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, vip->len);
	nl_addr_put(local);
	return a;
}

/*
 * The label, cut to what the kernel keeps (IFNAMSIZ - 1 bytes) rather
 * than refused: a long instance name must not keep its VIPs off.
 */
static void vrrp_vip_set_label(struct rtnl_addr *a, const char *label)
{
	char l[IFNAMSIZ];
	size_t n = strnlen(label, sizeof(l) - 1);

	memcpy(l, label, n);
	l[n] = '\0';
	rtnl_addr_set_label(a, l);
}

int vrrp_vip_add(struct vrrp_vips *v, int ifindex, const struct lvs_prefix *vip,
		 const char *label, char *err, size_t errlen)
{
	struct rtnl_addr *a = vrrp_vip_obj(ifindex, vip);
	char s[ADDR_STRLEN + 4];
	int rc;

	if (!a) {
		snprintf(err, errlen, "adding %s to ifindex %d: out of memory",
			 vrrp_vip_str(vip, s, sizeof(s)), ifindex);
		return -1;
	}
	/* IPv6 has no labels; and no DAD, which would hold the VIP unusable a while. */
	if (vip->addr.af == AF_INET && label && *label)
		vrrp_vip_set_label(a, label);
	if (vip->addr.af == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	/* No NLM_F_REPLACE: an address that is there (EEXIST) is left as it is. */
	rc = rtnl_addr_add(v->sk, a, 0);
	rtnl_addr_put(a);
	if (rc < 0 && rc != -NLE_EXIST) {
		snprintf(err, errlen, "adding %s to ifindex %d: %s", vrrp_vip_str(vip, s, sizeof(s)),
			 ifindex, nl_geterror(rc));
		return -1;
	}
	return 0;
}

int vrrp_vip_del(struct vrrp_vips *v, int ifindex, const struct lvs_prefix *vip, char *err,
		 size_t errlen)
{
	struct rtnl_addr *a = vrrp_vip_obj(ifindex, vip);
	char s[ADDR_STRLEN + 4];
	int rc;

	if (!a) {
		snprintf(err, errlen, "removing %s from ifindex %d: out of memory",
			 vrrp_vip_str(vip, s, sizeof(s)), ifindex);
		return -1;
	}
	rc = rtnl_addr_delete(v->sk, a, 0);
	rtnl_addr_put(a);
	/*
	 * Already gone: EADDRNOTAVAIL (NLE_NOADDR) or ENOENT (NLE_OBJ_NOTFOUND);
	 * and with its interface (ENODEV, NLE_NODEV), so are its addresses.
	 */
	if (rc < 0 && rc != -NLE_NOADDR && rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NODEV) {
		snprintf(err, errlen, "removing %s from ifindex %d: %s",
			 vrrp_vip_str(vip, s, sizeof(s)), ifindex, nl_geterror(rc));
		return -1;
	}
	return 0;
}

int vrrp_vip_present(struct vrrp_vips *v, int ifindex, const struct lvs_prefix *vip, char *err,
		     size_t errlen)
{
	struct nl_cache *cache;
	struct nl_object *o;
	char s[ADDR_STRLEN + 4];
	size_t alen = vrrp_vip_alen(vip);
	int rc = rtnl_addr_alloc_cache(v->sk, &cache), found = 0;

	if (rc < 0) {
		snprintf(err, errlen, "looking for %s on ifindex %d: %s",
			 vrrp_vip_str(vip, s, sizeof(s)), ifindex, nl_geterror(rc));
		return -1;
	}
	/* The address, whatever its prefix length: that is what answers ARP. */
	for (o = nl_cache_get_first(cache); o && !found; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);

		found = rtnl_addr_get_ifindex(a) == ifindex && local &&
			nl_addr_get_family(local) == vip->addr.af && nl_addr_get_len(local) == alen &&
			memcmp(nl_addr_get_binary_addr(local), &vip->addr.ip, alen) == 0;
	}
	nl_cache_free(cache);
	return found;
}

int vrrp_if_promote_secondaries(const char *ifname, char *err, size_t errlen)
{
	char path[128];
	int fd;

	if (strchr(ifname, '/') || strstr(ifname, "..")) {
		snprintf(err, errlen, "bad interface name '%s'", ifname);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/promote_secondaries", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1\n", 2) != 2) {
		snprintf(err, errlen, "cannot set %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

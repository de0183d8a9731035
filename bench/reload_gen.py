#!/usr/bin/env python3
"""reload_gen.py - the configurations of bench/reload.sh, alike for each daemon.

usage: reload_gen.py lvsd|keepalived|haproxy SERVICES SERVERS WEIGHT DIR

SERVICES virtual services (127.1.X.Y:80, tcp, wlc / leastconn) of SERVERS
real servers each (127.2.X.Y:8000+j, weight 1, no health check: keepalived
takes a real server without a checker as up, HAProxy a server without
`check`), except that the first real server of the first service has
WEIGHT: the one number a measured reload changes. DIR holds the daemon's
files (log, sockets). lvsd's forwarding core is $LVSD_CORE (userspace).
Written to stdout. Nothing here is ever sent traffic: the addresses only
have to be valid.
"""
import os
import sys


def vip(i):
    return "127.1.%d.%d" % (i // 250, i % 250 + 1)


def rip(i, j):
    return "127.2.%d.%d:%d" % (i // 250, i % 250 + 1, 8000 + j)


def weight(i, j, w):
    return w if i == 0 and j == 0 else 1


def lvsd(ns, nr, w, d, out):
    out.append("global:\n  router_id: bench\n  log_file: %s/lvsd.log\n"
               "  log_level: info\n  forwarding_core: %s\n"
               "  auto_reload: false\n  max_conns: 1000\n"
               % (d, os.environ.get("LVSD_CORE", "userspace")))
    out.append("virtual_services:\n")
    for i in range(ns):
        out.append("  - name: s%d\n    address: %s:80\n    protocol: tcp\n"
                   "    scheduler: wlc\n    real_servers:\n" % (i, vip(i)))
        for j in range(nr):
            out.append("      - {address: %s, weight: %d}\n" % (rip(i, j), weight(i, j, w)))


def keepalived(ns, nr, w, d, out):
    out.append("global_defs {\n  router_id bench\n}\n")
    for i in range(ns):
        out.append("virtual_server %s 80 {\n  lb_algo wlc\n  lb_kind NAT\n"
                   "  protocol TCP\n" % vip(i))
        for j in range(nr):
            a, p = rip(i, j).split(":")
            out.append("  real_server %s %s {\n    weight %d\n  }\n" % (a, p, weight(i, j, w)))
        out.append("}\n")


def haproxy(ns, nr, w, d, out):
    out.append("global\n  nbthread 1\n  maxconn 4000\n"
               "  stats socket %s/haproxy.sock mode 600 level admin\n"
               "defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 30s\n"
               "  timeout server 30s\n" % d)
    for i in range(ns):
        out.append("listen s%d\n  bind %s:80\n  balance leastconn\n" % (i, vip(i)))
        for j in range(nr):
            out.append("  server r%d %s weight %d\n" % (j, rip(i, j), weight(i, j, w)))


def main():
    if len(sys.argv) != 6 or sys.argv[1] not in ("lvsd", "keepalived", "haproxy"):
        sys.exit(__doc__)
    ns, nr, w = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    out = []
    globals()[sys.argv[1]](ns, nr, w, sys.argv[5], out)
    sys.stdout.write("".join(out))


main()

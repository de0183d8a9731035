#!/usr/bin/env python3
"""reload_time.py - one timed reload for bench/reload.sh; prints milliseconds.

For the daemons on the host (and lvsctl reload in the VM). The kernel's
table in the VM is watched by bench/ipvs_wait (C, a netlink dump of one
service per poll): a Python poller there re-read all of /proc/net/ip_vs,
which on the VM's emulated CPU took the CPU of the daemon it timed.

  lvsd-ctl SOCK VIP RIP WEIGHT
      t0; `reload` over lvsd's control socket; t1 when its answer is in
      (lvsd answers after the new table is applied). Then (untimed) the
      table must show RIP of VIP at WEIGHT, or it exits 1.
  lvsd-hup PID SOCK VIP RIP WEIGHT
      t0; SIGHUP to PID; t1 when `list` over the control socket shows
      RIP of VIP at WEIGHT.
  haproxy-usr2 PID STATS_SOCK BACKEND/SERVER WEIGHT
      t0; SIGUSR2 to HAProxy's master PID; t1 when `get weight` on the
      stats socket says WEIGHT: only the new worker, on the new file,
      can say it, so by then it serves.

Every poll sleeps POLL_MS (5) between tries, so the daemon being timed
keeps its CPU; the answer is late by at most one poll. Gives up after
TIMEOUT_S (120) seconds (exit 2).
"""
import os
import re
import signal
import socket
import sys
import time

POLL = float(os.environ.get("POLL_MS", "5")) / 1000
TIMEOUT = float(os.environ.get("TIMEOUT_S", "120"))


def ctl(sock, line):
    """One lvsd control request; (ok, body)."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall(line.encode() + b"\n")
    data = b""
    while b"\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise RuntimeError("lvsd closed the control connection")
        data += chunk
    head, _, body = data.partition(b"\n")
    word, n = head.split()
    n = int(n)
    while len(body) < n:
        chunk = s.recv(1 << 20)
        if not chunk:
            raise RuntimeError("lvsd's answer was cut short")
        body += chunk
    s.close()
    return word == b"OK", body.decode()


def weight_in_list(text, vip, rip):
    """RIP's weight under VIP in an ipvsadm -Ln layout, or None."""
    in_svc = False
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 2 and f[0] in ("TCP", "UDP", "FWM"):
            in_svc = f[1] == vip
        elif in_svc and len(f) >= 4 and f[0] == "->" and f[1] == rip:
            return int(f[3])
    return None


def poll(check):
    t_end = time.monotonic() + TIMEOUT
    while time.monotonic() < t_end:
        if check():
            return True
        time.sleep(POLL)
    return False


def haproxy_weight(sock, srv):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(sock)
        s.sendall(("get weight %s\n" % srv).encode())
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        return None     # the socket is between workers
    finally:
        s.close()
    m = re.match(rb"(\d+) \(initial", data)
    return int(m.group(1)) if m else None


def main(a):
    mode = a[0]
    if mode == "lvsd-ctl":
        sock, vip, rip, w = a[1], a[2], a[3], int(a[4])
        t0 = time.monotonic()
        ok, body = ctl(sock, "reload")
        t1 = time.monotonic()
        if not ok:
            sys.exit("lvsd refused the reload: " + body)
        if weight_in_list(ctl(sock, "list")[1], vip, rip) != w:
            sys.exit("lvsd answered the reload but %s is not at weight %d" % (rip, w))
    elif mode == "lvsd-hup":
        pid, sock, vip, rip, w = int(a[1]), a[2], a[3], a[4], int(a[5])
        t0 = time.monotonic()
        os.kill(pid, signal.SIGHUP)
        if not poll(lambda: weight_in_list(ctl(sock, "list")[1], vip, rip) == w):
            sys.exit(2)
        t1 = time.monotonic()
    elif mode == "haproxy-usr2":
        pid, sock, srv, w = int(a[1]), a[2], a[3], int(a[4])
        t0 = time.monotonic()
        os.kill(pid, signal.SIGUSR2)
        if not poll(lambda: haproxy_weight(sock, srv) == w):
            sys.exit(2)
        t1 = time.monotonic()
    else:
        sys.exit(__doc__)
    print("%.1f" % ((t1 - t0) * 1000))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])

#!/usr/bin/env python3
"""reload_time.py - one timed reload for bench/reload.sh; prints milliseconds.

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
  ipvs-hup PID VIP RIP WEIGHT
      t0; SIGHUP to PID (keepalived, or lvsd on the kernel core); t1 when
      the kernel's table (/proc/net/ip_vs, read directly: starting
      ipvsadm for every try would cost more than what is measured on the
      VM's emulated CPU) shows RIP of VIP at WEIGHT.

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


def hexaddr(ipport):
    """"127.1.0.1:80" as /proc/net/ip_vs writes it: "7F010001:0050"."""
    ip, port = ipport.rsplit(":", 1)
    return "%s:%04X" % ("".join("%02X" % int(b) for b in ip.split(".")), int(port))


def weight_in_proc(vip, rip):
    """RIP's weight under TCP VIP in /proc/net/ip_vs, or None."""
    in_svc = False
    with open("/proc/net/ip_vs") as f:
        for line in f:
            fld = line.split()
            if len(fld) >= 2 and fld[0] in ("TCP", "UDP", "FWM"):
                in_svc = fld[0] == "TCP" and fld[1] == vip
            elif in_svc and len(fld) >= 4 and fld[0] == "->" and fld[1] == rip:
                return int(fld[3])
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
    elif mode == "ipvs-hup":
        pid, vip, rip, w = int(a[1]), a[2], a[3], int(a[4])

        hv, hr = hexaddr(vip), hexaddr(rip)

        def seen():
            return weight_in_proc(hv, hr) == w
        t0 = time.monotonic()
        os.kill(pid, signal.SIGHUP)
        if not poll(seen):
            sys.exit(2)
        t1 = time.monotonic()
    else:
        sys.exit(__doc__)
    print("%.1f" % ((t1 - t0) * 1000))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])

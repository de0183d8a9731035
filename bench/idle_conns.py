#!/usr/bin/env python3
"""idle_conns.py - hold N idle keep-alive HTTP connections open through a proxy.

Usage: idle_conns.py HOST PORT N READY_FILE [HOLD_SECONDS]

Opens N TCP connections to HOST:PORT, a batch at a time so that no listen
backlog overflows, sends one keep-alive GET on each and reads its whole
answer, so every connection has carried traffic both ways (a proxy that
allocates buffers on first use has done so, and one that frees them when
a connection goes quiet has had the chance to) and the backend holds it
open. Then it writes "ready N" to READY_FILE and sleeps, holding them,
until SIGTERM or HOLD_SECONDS (default 120) pass. Exit status 1, with the
reason on stderr, if any connection fails: a half-made measurement is not
a measurement.
"""
import os
import resource
import signal
import socket
import sys
import time

BATCH = 200
TIMEOUT = 10.0
REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: keep-alive\r\n\r\n"


def read_answer(s):
    """Read one HTTP answer with a Content-Length body; raise if it is cut."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise ConnectionError("closed before the headers ended")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    if not head.startswith(b"HTTP/1.1 200"):
        raise ConnectionError("answer %r" % head.split(b"\r\n", 1)[0])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = s.recv(4096)
        if not chunk:
            raise ConnectionError("closed inside the body")
        body += chunk


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__.split("\n\n")[1])
    host, port, n, ready = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    hold = float(sys.argv[5]) if len(sys.argv) == 6 else 120.0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1024), hard))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    conns = []
    try:
        while len(conns) < n:
            batch = []
            for _ in range(min(BATCH, n - len(conns))):
                s = socket.create_connection((host, port), timeout=TIMEOUT)
                s.sendall(REQUEST)
                batch.append(s)
            for s in batch:
                read_answer(s)
            conns.extend(batch)
    except (OSError, ValueError) as e:
        print("idle_conns: connection %d of %d: %s" % (len(conns) + 1, n, e),
              file=sys.stderr)
        sys.exit(1)
    tmp = ready + ".tmp"
    with open(tmp, "w") as f:
        f.write("ready %d\n" % len(conns))
    os.rename(tmp, ready)
    time.sleep(hold)


if __name__ == "__main__":
    main()

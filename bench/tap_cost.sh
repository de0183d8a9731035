#!/usr/bin/env bash
#
# tap_cost.sh - what a packet socket bound to every interface (ETH_P_ALL,
# PACKET_IGNORE_OUTGOING, a classic BPF filter that drops what is not a
# SYN probe's reply) costs each packet a director forwards.
#
# Why: a tcp check could read its SYN-ACKs on such a socket (the `ktcp`
# branch) instead of a raw IPPROTO_TCP socket; the filter then runs on
# every frame the host receives, forwarded ones included, which the raw
# socket never sees. This measures that tax on a forwarding path.
#
# Usage (root): bench/tap_cost.sh        N=1000000 REPS=5 by default
#
# Three network namespaces made here, A -- R -- B on veth pairs, R
# forwarding; a C flooder in A sends N 64-byte UDP datagrams to B
# through R (sendmmsg, pinned to CPU 1), B drops them. Each rep times the
# flood without and then with the tap open in R; the tap's filter drops
# UDP at its protocol test, as it would drop most forwarded traffic.
# Prints each pair and the median wall time per packet of each mode.
# Needs gcc and python3. Nothing leaves the namespaces; all are removed.
set -euo pipefail

N=${N:-1000000}
REPS=${REPS:-5}
[ "$(id -u)" = 0 ] || { echo "tap_cost.sh: run as root (network namespaces)" >&2; exit 1; }
d=$(mktemp -d /tmp/lvsd-tapcost.XXXXXX)
cleanup() { for n in tcA tcR tcB; do ip netns del "$n" 2>/dev/null || true; done; rm -rf "$d"; }
trap cleanup EXIT

cat >"$d/flood.c" <<'C'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
int main(int argc, char **argv)
{
	long n = atol(argv[2]), sent = 0;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	char buf[64] = { 0 };
	struct iovec iov = { buf, sizeof(buf) };
	struct mmsghdr m[64];
	struct timespec a, b;

	if (argc != 3 || fd < 0 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 ||
	    connect(fd, (void *)&to, sizeof(to)) < 0)
		return 1;
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 64; i++) {
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	while (sent < n) {
		int r = sendmmsg(fd, m, 64, 0);
		if (r > 0)
			sent += r;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
	return 0;
}
C
gcc -O2 -o "$d/flood" "$d/flood.c"

cat >"$d/tap.py" <<'PY'
import ctypes, socket, struct, sys, time
ETH_P_ALL, SOL_PACKET, PACKET_IGNORE_OUTGOING, SO_ATTACH_FILTER = 3, 263, 23, 26
# IPv4? TCP? not a later fragment? our port? (a SYN-reply filter's first tests)
BPF = [(0x30, 0, 0, 0), (0x54, 0, 0, 0xf0), (0x15, 0, 8, 0x40),
       (0x30, 0, 0, 9), (0x15, 0, 6, 6),
       (0x28, 0, 0, 6), (0x45, 4, 0, 0x1fff),
       (0xb1, 0, 0, 0), (0x48, 0, 0, 2),
       (0x35, 0, 1, 40000), (0x6, 0, 0, 256),
       (0x6, 0, 0, 0), (0x6, 0, 0, 0)]
prog = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in BPF))
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
             struct.pack("HL", len(BPF), ctypes.addressof(prog)))
print("up", flush=True)
time.sleep(float(sys.argv[1]))
PY

for n in tcA tcR tcB; do ip netns del "$n" 2>/dev/null || true; ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add tcva type veth peer name tcvra
ip link set tcva netns tcA
ip link set tcvra netns tcR
ip link add tcvb type veth peer name tcvrb
ip link set tcvb netns tcB
ip link set tcvrb netns tcR
ip -n tcA addr add 10.91.1.2/24 dev tcva
ip -n tcA link set tcva up
ip -n tcA route add default via 10.91.1.1
ip -n tcR addr add 10.91.1.1/24 dev tcvra
ip -n tcR link set tcvra up
ip -n tcR addr add 10.91.2.1/24 dev tcvrb
ip -n tcR link set tcvrb up
ip -n tcB addr add 10.91.2.2/24 dev tcvb
ip -n tcB link set tcvb up
ip -n tcB route add default via 10.91.2.1
ip netns exec tcR sysctl -qw net.ipv4.ip_forward=1
ip netns exec tcA "$d/flood" 10.91.2.2 1000 >/dev/null	# neighbours resolved

none=() tap=()
for rep in $(seq "$REPS"); do
	a=$(ip netns exec tcA taskset -c 1 "$d/flood" 10.91.2.2 "$N")
	timeout 120 ip netns exec tcR python3 "$d/tap.py" 100 >"$d/tap.out" &
	tp=$!
	for _ in $(seq 50); do grep -q up "$d/tap.out" 2>/dev/null && break; sleep 0.1; done
	b=$(ip netns exec tcA taskset -c 1 "$d/flood" 10.91.2.2 "$N")
	kill "$tp" 2>/dev/null || true
	wait "$tp" 2>/dev/null || true
	echo "rep $rep: without the tap $a ms, with it $b ms ($N packets)"
	none+=("$a") tap+=("$b")
done
python3 - "$N" "${none[*]}" "${tap[*]}" <<'PY'
import statistics, sys
n = int(sys.argv[1])
a = statistics.median(float(x) for x in sys.argv[2].split())
b = statistics.median(float(x) for x in sys.argv[3].split())
print("median ns per forwarded packet: without %.0f, with the tap %.0f (+%.0f ns, +%.1f%%)"
      % (a * 1e6 / n, b * 1e6 / n, (b - a) * 1e6 / n, (b / a - 1) * 100))
PY

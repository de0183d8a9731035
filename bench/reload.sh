#!/usr/bin/env bash
#
# reload.sh - how long a reload takes when one weight changes in a large
# configuration: lvsd against HAProxy (on this machine) and against
# keepalived 2.2 (inside the kernel test VM, since keepalived's
# virtual_servers need kernel IPVS), the same run, the same configuration.
#
# Usage: bench/reload.sh BUILD_DIR
#   BUILD_DIR holds src/lvsd and src/lvsctl built WITHOUT sanitizers, e.g.
#     mkdir -p /tmp/build-bench && cd /tmp/build-bench
#     /path/to/lvsd/configure CFLAGS='-O2 -g' && make -j2 src/lvsd src/lvsctl
#   and, for the VM part, bench/ipvs_wait (made here when it is missing or
#   older than its source).
#
# Debian packages: haproxy, keepalived, ipvsadm, python3, and for the VM
# what tests/vm/vm.sh needs (qemu-system-x86, linux-image-amd64,
# busybox-static, kmod). Run as root (HAProxy and lvsd bind port 80 of
# 127.1.x.y; the VM loads ip_vs).
#
# The configuration (bench/reload_gen.py, one for each daemon, alike):
# SERVICES virtual services 127.1.X.Y:80 (tcp, wlc; HAProxy leastconn)
# of SERVERS real servers each (127.2.X.Y:8000+j, weight 1, no health
# check: keepalived and HAProxy take an unchecked server as up, lvsd too).
# A measured reload changes one thing: the weight of the first real
# server of the first service, 1 -> 2 -> 1 ... The new file is written
# before the clock starts. Nothing is ever sent traffic.
#
# What is timed. On the host, by bench/reload_time.py (every poll sleeps
# 5 ms between tries, so the answer is late by at most one poll and the
# daemon keeps its CPU):
#   lvsd, `lvsctl reload`: from the request sent on the control socket to
#       its answer, which lvsd gives once the new table is applied (then,
#       untimed, `list` must show the new weight). Also lvsd's own figure,
#       logged with each reload ("reloaded FILE: ... in X ms": from
#       reading the file to the table applied).
#   lvsd, SIGHUP: from the signal until `list` on the control socket shows
#       the new weight.
#   HAProxy 2.6, master-worker (-W): from SIGUSR2 to the master until
#       `get weight s0/r0` on the stats socket gives the new weight: only
#       the new worker, started on the new file, can say it.
# In the VM, SIGHUP to the change in the kernel's table, by bench/ipvs_wait
# (C): t0 on CLOCK_MONOTONIC, the signal, then every VM_POLL_MS (5 under
# TCG) one generic netlink dump of the destinations of the first service
# only (IPVS_CMD_GET_DEST), until its first real server has the new
# weight. A poll costs the same whatever the table's size; the Python
# poller that re-read the whole /proc/net/ip_vs (10,000 destinations)
# every 5 ms took most of the emulated CPU from the daemon it timed, and
# inflated each side by hundreds of ms (keepalived 1.3-1.7 s, lvsd 1.1 s).
#   keepalived 2.2 (-C, the checker side that owns IPVS).
#   lvsd on the kernel IPVS core (VM_LVSD_CORE=ipvs, the default), the
#       same way, on the same (emulated, slower) CPU; and `lvsctl reload`
#       too (reload_time.py lvsd-ctl: blocked on the answer, no polling).
#       With VM_LVSD_CORE=userspace, SIGHUP is timed by reload_time.py
#       lvsd-hup (lvsctl list), as on the host. lvsd's own logged figure
#       is given apart for the SIGHUP reloads (the poller running) and the
#       lvsctl ones (nothing polling): the difference is what the poller
#       costs the daemon.
# REPS reloads of each, medians (and min, max) reported; lvsd/peer ratios.
# The target (issue 7): lvsd under 100 ms, and at least 10 times faster
# than keepalived.
#
# Environment: SERVICES=1000 SERVERS=10 REPS=10 PEERS="haproxy keepalived"
# (either or both; keepalived means the VM), VM_TIMEOUT=1800, VM_POLL_MS:
# ipvs_wait's sleep between polls, 5 under TCG and 1 with KVM by default.
# Under TCG a poll (the dump and the wake-up) costs ~0.3 ms of the VM's
# one emulated CPU, taken from the daemon being timed: with a poller at
# 1 ms a CPU-bound loop in the VM ran ~1.3x longer, at 5 ms ~1.1x, at
# 10 ms ~1.05x; 5 ms is late by 2.5 ms on average. With KVM a poll runs
# at native speed (not measured here), so 1 ms.
# A smoke test: SERVICES=20 SERVERS=3 REPS=3 bench/reload.sh BUILD_DIR

set -uo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/.." && pwd)
SERVICES=${SERVICES:-1000}
SERVERS=${SERVERS:-10}
REPS=${REPS:-10}
PEERS=${PEERS:-haproxy keepalived}
VIP=127.1.0.1:80 RIP=127.2.0.1:8000

die() { echo "reload.sh: $*" >&2; exit 1; }

# ---- the part that runs inside the VM: keepalived and lvsd, timed -------------------

# in_vm BUILD W: run there by vm.sh; prints "NAME ms" lines on stdout.
in_vm()
{
	local build=$1 w=$2 d=/tmp/reload-vm pid i wt kpid
	local wait=$build/bench/ipvs_wait

	mkdir -p "$d"
	# keepalived: its checker process owns the IPVS table.
	python3 "$top/bench/reload_gen.py" keepalived "$SERVICES" "$SERVERS" 1 "$d" >"$d/ka.conf"
	# -G: no syslog (with no syslog daemon in the VM it goes to the slow serial console).
	keepalived -n -l -G -C -f "$d/ka.conf" -p "$d/ka.pid" -c "$d/ka-check.pid" \
		>"$d/ka.out" 2>&1 &
	kpid=$!
	loaded() { [ "$(ipvsadm -Ln | grep -c -- '->')" -ge $((SERVICES * SERVERS + 1)) ]; }
	# 10,000 destinations take keepalived a while on an emulated CPU.
	for i in $(seq 900); do loaded && break; sleep 1; done
	loaded || { echo "keepalived did not load its table: $(tail -5 "$d/ka.out")" >&2; return 1; }
	# ipvs_wait's sleep between polls: see VM_POLL_MS in the header.
	local poll=${VM_POLL_MS:-}
	if [ -z "$poll" ]; then
		poll=5
		! dmesg 2>/dev/null | grep -q 'Hypervisor detected: KVM' || poll=1
	fi
	echo "reload.sh: in the VM, ipvs_wait polls every $poll ms" >&2
	for i in $(seq "$REPS"); do
		wt=$((i % 2 + 1))
		python3 "$top/bench/reload_gen.py" keepalived "$SERVICES" "$SERVERS" "$wt" "$d" >"$d/ka.conf"
		echo "keepalived-hup $("$wait" -i "$poll" "$kpid" "$VIP" "$RIP" "$wt")"
	done
	kill "$kpid"
	wait "$kpid"
	ipvsadm -C
	# lvsd on the same CPU; with the kernel core, seen the way keepalived is.
	export LVSD_CORE=${VM_LVSD_CORE:-ipvs}
	python3 "$top/bench/reload_gen.py" lvsd "$SERVICES" "$SERVERS" 1 "$d" >"$d/lvsd.yaml"
	"$build/src/lvsd" -n -f "$d/lvsd.yaml" -p '' -S "$d/lvsd.sock" >"$d/lvsd.out" 2>&1 &
	pid=$!
	for i in $(seq 900); do "$build/src/lvsctl" -s "$d/lvsd.sock" status >/dev/null 2>&1 && break; sleep 1; done
	# SIGHUP and lvsctl reloads in turn, so both see the same conditions.
	for i in $(seq $((2 * REPS))); do
		wt=$((i % 2 + 1))
		python3 "$top/bench/reload_gen.py" lvsd "$SERVICES" "$SERVERS" "$wt" "$d" >"$d/lvsd.yaml"
		if [ $((i % 2)) = 1 ]; then
			if [ "$LVSD_CORE" = ipvs ]; then
				echo "lvsd-hup-vm $("$wait" -i "$poll" "$pid" "$VIP" "$RIP" "$wt")"
			else
				echo "lvsd-hup-vm $(python3 "$top/bench/reload_time.py" lvsd-hup "$pid" "$d/lvsd.sock" "$VIP" "$RIP" "$wt")"
			fi
		else
			echo "lvsd-ctl-vm $(python3 "$top/bench/reload_time.py" lvsd-ctl "$d/lvsd.sock" "$VIP" "$RIP" "$wt")"
		fi
	done
	kill "$pid"
	wait "$pid"
	ipvsadm -C
	# Its own figure apart for the SIGHUP reloads (ipvs_wait polling) and
	# the lvsctl ones (nothing polling): what the poller costs the daemon.
	sed -n 's/.*reloaded .* in \([0-9.]*\) ms$/\1/p' "$d/lvsd.log" |
		awk '{ print (NR % 2 ? "lvsd-self-hup-vm " : "lvsd-self-ctl-vm ") $1 }'
}

if [ "${1:-}" = --in-vm ]; then
	in_vm "$2" "$3"
	exit $?
fi

# ---- on the host ---------------------------------------------------------------------

[ $# = 1 ] || die "usage: bench/reload.sh BUILD_DIR"
BUILD=$(cd "$1" && pwd) || die "no build directory $1"
LVSD=$BUILD/src/lvsd LVSCTL=$BUILD/src/lvsctl
[ -x "$LVSD" ] && [ -x "$LVSCTL" ] || die "$BUILD has no src/lvsd and src/lvsctl"
if nm "$LVSD" 2>/dev/null | grep -q __asan_init; then
	die "$LVSD is a sanitizer build: build one without --enable-sanitizers"
fi
[ "$(id -u)" = 0 ] || die "run as root (port 80 on 127.1.x.y, ip_vs in the VM)"
missing=()
for t in python3:python3 haproxy:haproxy keepalived:keepalived ipvsadm:ipvsadm; do
	command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}")
done
[ ${#missing[@]} = 0 ] || die "missing Debian packages: ${missing[*]}"
WAIT=$BUILD/bench/ipvs_wait
if [[ " $PEERS " = *" keepalived "* ]] && [ ! "$WAIT" -nt "$top/bench/ipvs_wait.c" ]; then
	make -s -C "$BUILD" bench/ipvs_wait >&2 ||
		die "cannot make bench/ipvs_wait in $BUILD (configured from an older tree? configure it again)"
fi

W=$(mktemp -d /tmp/lvsd-bench-reload.XXXXXX) || die "mktemp failed"
PIDS=()
cleanup()
{
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RES=$W/results	# "NAME ms" lines

bench_lvsd()
{
	local pid i wt
	python3 "$top/bench/reload_gen.py" lvsd "$SERVICES" "$SERVERS" 1 "$W" >"$W/lvsd.yaml"
	"$LVSD" -n -f "$W/lvsd.yaml" -p '' -S "$W/lvsd.sock" >"$W/lvsd.out" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	for i in $(seq 300); do "$LVSCTL" -s "$W/lvsd.sock" status >/dev/null 2>&1 && break; sleep 0.1; done
	"$LVSCTL" -s "$W/lvsd.sock" status >/dev/null || die "lvsd did not start: $(tail -5 "$W/lvsd.out")"
	for i in $(seq $((2 * REPS))); do
		wt=$((i % 2 + 1))
		python3 "$top/bench/reload_gen.py" lvsd "$SERVICES" "$SERVERS" "$wt" "$W" >"$W/lvsd.yaml"
		if [ "$i" -le "$REPS" ]; then
			echo "lvsd-ctl $(python3 "$top/bench/reload_time.py" lvsd-ctl "$W/lvsd.sock" "$VIP" "$RIP" "$wt")"
		else
			echo "lvsd-hup $(python3 "$top/bench/reload_time.py" lvsd-hup "$pid" "$W/lvsd.sock" "$VIP" "$RIP" "$wt")"
		fi
	done >>"$RES"
	kill "$pid"
	wait "$pid"
	sed -n 's/.*reloaded .* in \([0-9.]*\) ms$/lvsd-self \1/p' "$W/lvsd.log" >>"$RES"
}

bench_haproxy()
{
	local pid i wt
	python3 "$top/bench/reload_gen.py" haproxy "$SERVICES" "$SERVERS" 1 "$W" >"$W/haproxy.cfg"
	haproxy -c -q -f "$W/haproxy.cfg" || die "haproxy refuses $W/haproxy.cfg"
	haproxy -W -db -f "$W/haproxy.cfg" >"$W/haproxy.out" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	for i in $(seq 300); do
		[ "$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import reload_time as r; print(r.haproxy_weight(sys.argv[2], "s0/r0"))' \
			"$top/bench" "$W/haproxy.sock" 2>/dev/null)" = 1 ] && break
		sleep 0.1
	done
	for i in $(seq "$REPS"); do
		wt=$((i % 2 + 1))
		python3 "$top/bench/reload_gen.py" haproxy "$SERVICES" "$SERVERS" "$wt" "$W" >"$W/haproxy.cfg"
		echo "haproxy-usr2 $(python3 "$top/bench/reload_time.py" haproxy-usr2 "$pid" "$W/haproxy.sock" s0/r0 "$wt")"
		sleep 1	# the old worker finishes leaving
	done >>"$RES"
	kill "$pid"
	wait "$pid"
}

bench_vm()
{
	# Before vm.sh, which sets its own default (300 s) when it is sourced:
	# keepalived's part alone takes longer than that at 1,000 x 10.
	VM_TIMEOUT=${VM_TIMEOUT:-1800}
	# shellcheck source=tests/vm/vm.sh
	. "$top/tests/vm/vm.sh"
	why=$(vm_usable) || die "the VM cannot run here: $why"
	vm_need "$LVSD" "$WAIT" || die "cannot share $BUILD with the VM"
	vm_run bash "$top/bench/reload.sh" --in-vm "$BUILD" "$W" >>"$RES" ||
		die "the VM part failed (status $?)"
}

say "reload of $SERVICES services x $SERVERS real servers, one weight changed, $REPS reloads each"
say "  lvsd $("$LVSD" -V | awk '{ print $2 }'); $(haproxy -v | head -n1 | cut -d' ' -f1-3); $(keepalived --version 2>&1 | head -n1 | cut -d' ' -f1-2)"
bench_lvsd
[[ " $PEERS " != *" haproxy "* ]] || bench_haproxy
[[ " $PEERS " != *" keepalived "* ]] || bench_vm

python3 - "$RES" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 2:
        runs.setdefault(f[0], []).append(float(f[1]))
names = {
    "lvsd-ctl": "lvsd: lvsctl reload, sent to answered (table applied)",
    "lvsd-hup": "lvsd: SIGHUP to the change seen in lvsctl list",
    "lvsd-self": "lvsd: its own logged duration (file read to table applied)",
    "haproxy-usr2": "HAProxy -W: SIGUSR2 to the new worker answering",
    "keepalived-hup": "VM: keepalived: SIGHUP to the change in the kernel",
    "lvsd-hup-vm": "VM: lvsd: SIGHUP to the change in the kernel",
    "lvsd-ctl-vm": "VM: lvsd: lvsctl reload, sent to answered",
    "lvsd-self-hup-vm": "VM: lvsd: its own logged duration, SIGHUP (polled)",
    "lvsd-self-ctl-vm": "VM: lvsd: its own logged duration, lvsctl (unpolled)",
}
print("%-62s %9s %9s %9s %3s" % ("reload time, ms", "median", "min", "max", "n"))
med = {}
for k, label in names.items():
    if k in runs:
        v = runs[k]
        med[k] = statistics.median(v)
        print("%-62s %9.1f %9.1f %9.1f %3d" % (label, med[k], min(v), max(v), len(v)))
def ratio(a, b, label):
    if a in med and b in med and med[a] > 0:
        print("%-62s %9.1fx" % (label, med[b] / med[a]))
ratio("lvsd-hup", "haproxy-usr2", "HAProxy / lvsd (signal to change in force)")
ratio("lvsd-hup-vm", "keepalived-hup", "keepalived / lvsd in the VM (SIGHUP to change in force)")
EOF

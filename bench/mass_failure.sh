#!/usr/bin/env bash
#
# mass_failure.sh - what a mass failure costs the daemon's loop: N real
# servers of one service that all stop answering at once (their switch
# died), every check failing on the same beat. Health, quorum, reconcile
# and the scheduler then handle N transitions in about one interval,
# while the same loop must keep every other check (and VRRP's adverts)
# on time. The figure is lvsd's own count of how late any probe started
# (check_late_max_ms, the most over all real servers, since its start).
#
# Usage: bench/mass_failure.sh BUILD_DIR [BUILD_DIR...]
#   each BUILD_DIR holds src/lvsd and src/lvsctl, built WITHOUT
#   sanitizers (two builds: before and after a change, side by side).
#
# What it does, all on 127.0.0.1: for each scheduler in SCHEDS and each
# build, one lvsd (userspace core) with one service of N real servers on
# ports BASE..BASE+N-1, where nothing listens (each probe is refused at
# once), checked by tcp every second with fall 3: all are healthy at
# start (no alpha) and go down together about 3 s in. It reads the status
# WAIT seconds after the start, then stops lvsd. mh takes at most 4093
# real servers (its table's size), so it runs with min(N, 4000).
#
# Environment: N=10000 BASE_PORT=20000 WAIT=8 SCHEDS="rr wlc wrr mh"
#   ON_FAILURE=quiesce (or remove)
# It prints a table; it writes nothing into the source tree.

set -u
export LC_ALL=C
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

N=${N:-10000}
BASE=${BASE_PORT:-20000}
WAIT=${WAIT:-8}
SCHEDS=${SCHEDS:-rr wlc wrr mh}
ON_FAILURE=${ON_FAILURE:-quiesce}
PIDS=()

die() { say "mass_failure.sh: $*"; exit 1; }

[ $# -ge 1 ] || die "usage: bench/mass_failure.sh BUILD_DIR [BUILD_DIR...]"
for b in "$@"; do
	[ -x "$b/src/lvsd" ] && [ -x "$b/src/lvsctl" ] || die "$b has no src/lvsd and src/lvsctl"
	need_plain_build "$b/src/lvsd"
done
need_tools jq:jq ss:iproute2
[ "$(ulimit -n)" -ge $((N + 200)) ] || ulimit -n $((N + 200)) 2>/dev/null ||
	die "the file limit ($(ulimit -n)) is too low for N=$N; raise it or lower N"
ss -Hltn | awk -v lo="$BASE" -v hi=$((BASE + N - 1)) \
	'{ n = split($4, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) bad = 1 } END { exit !bad }' &&
	die "something listens on a port in $BASE..$((BASE + N - 1)); choose another BASE_PORT"

W=$(mktemp -d /tmp/lvsd-mass.XXXXXX)
cleanup()
{
	local p

	trap - EXIT INT TERM
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# config SCHED COUNT: the service of COUNT refusing real servers.
config()
{
	cat <<EOF
global:
  log_file: $W/lvsd.log
  log_level: warning
  control_socket: $W/lvsd.sock
  forwarding_core: userspace
virtual_services:
  - name: mass
    address: 127.0.0.1:$((BASE - 2))
    protocol: tcp
    scheduler: $1
    on_failure: $ON_FAILURE
    check: {type: tcp, interval: 1, timeout: 1, rise: 2, fall: 3}
    real_servers:
EOF
	awk -v lo="$BASE" -v n="$2" 'BEGIN { for (p = lo; p < lo + n; p++) printf "      - address: 127.0.0.1:%d\n", p }'
}

# run BUILD SCHED: "late_max p99 down" of one run.
run()
{
	local b=$1 sched=$2 count=$N pid out

	[ "$sched" = mh ] && [ "$count" -gt 4000 ] && count=4000
	config "$sched" "$count" >"$W/lvsd.yaml"
	"$b/src/lvsd" -n -f "$W/lvsd.yaml" -p "$W/lvsd.pid" >"$W/out" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	sleep "$WAIT"
	kill -0 "$pid" 2>/dev/null || die "lvsd ($b) is gone: $(tail -n 3 "$W/out")"
	out=$("$b/src/lvsctl" -s "$W/lvsd.sock" status --json |
		jq -r '[.virtual_services[0].real_servers[]] as $r | ($r | map(.check_late_max_ms) | sort) as $l |
			"\($l[-1]) \($l[($l | length) * 99 / 100 | floor]) \($r | map(select(.healthy | not)) | length)/\($r | length)"')
	kill "$pid"
	wait "$pid" 2>/dev/null
	forget "$pid"
	echo "$out"
}

say "mass_failure.sh: N=$N ON_FAILURE=$ON_FAILURE WAIT=${WAIT}s, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r)"
printf '%-6s %-28s %12s %12s %10s\n' sched build "late max, ms" "late p99, ms" down
for sched in $SCHEDS; do
	for b in "$@"; do
		read -r late p99 down <<<"$(run "$b" "$sched")"
		printf '%-6s %-28s %12s %12s %10s\n' "$sched" "$b" "$late" "$p99" "$down"
	done
done

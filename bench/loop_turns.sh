#!/usr/bin/env bash
#
# loop_turns.sh - how long lvsd's loop is held by what the control socket
# asks of a large table: with N real servers checked by http every second,
# the longest turn of the daemon's loop (from one epoll_wait's return to
# the next call: the time nothing else, no check and no VRRP advert, can
# run) while Q queries of one kind are answered, against the same with a
# query that costs nothing (`vrrp` of no instance) as the baseline. Two or
# more builds side by side (before and after a change), interleaved.
#
# Usage: bench/loop_turns.sh BUILD_DIR [BUILD_DIR...]
#   each BUILD_DIR holds src/lvsd and src/lvsctl, built WITHOUT
#   sanitizers (the first one's lvsctl asks all the queries).
#
# Debian packages: nginx-light linux-perf (and libnginx-mod-stream, which
# bench/lib.sh asks of every script)
#
# What it does, all on 127.0.0.1: one nginx, one worker, N http listeners
# on ports BASE..BASE+N-1 (`return 200`); for each repetition, query kind
# and build: lvsd (userspace core, one service of the N real servers,
# `check: {type: http, interval: 1, timeout: 1}`) pinned to CPU 1, WARMUP
# seconds, then perf records the epoll_wait entry and exit tracepoints of
# its process for WINDOW seconds while Q queries are made 0.7 s apart,
# and lvsd is stopped. Reported per build and query: the longest turn
# and the number of turns over 5 ms (medians over REPS), and lvsd's
# answer size. The checks' own work is in every turn (10,000 probes a
# second), so the baseline is not zero; what a query adds is the point.
#
# Environment: N=10000 BASE_PORT=20000 REPS=3 Q=3 WARMUP=6 WINDOW=4
#   QUERIES="vrrp metrics status status--json list" (a "--" joins a
#   command to its flag). It writes nothing into the source tree.

set -u
export LC_ALL=C
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

N=${N:-10000}
BASE=${BASE_PORT:-20000}
REPS=${REPS:-3}
Q=${Q:-3}
WARMUP=${WARMUP:-6}
WINDOW=${WINDOW:-4}
QUERIES=${QUERIES:-vrrp metrics status status--json list}
LAST=$((BASE + N - 1))
PIDS=()

die() { say "loop_turns.sh: $*"; exit 1; }

[ $# -ge 1 ] || die "usage: bench/loop_turns.sh BUILD_DIR [BUILD_DIR...]"
need_tools nginx:nginx-light perf:linux-perf
perf stat -e syscalls:sys_enter_epoll_wait true >/dev/null 2>&1 ||
	die "perf cannot trace system calls here (linux-perf; perf_event_paranoid; tracefs)"
for b in "$@"; do
	if [ ! -x "$b/src/lvsd" ] || [ ! -x "$b/src/lvsctl" ]; then
		die "$b: no src/lvsd or src/lvsctl"
	fi
	need_plain_build "$b/src/lvsd"
done
LVSCTL=$1/src/lvsctl
W=$(mktemp -d /tmp/lvsd-loop-turns.XXXXXX)
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT

start_servers()
{
	mkdir -p "$W/nginx/logs"
	{
		# user root, as the other scripts: another user makes nginx chown its
		# temporary directories, which the VM (a read-only root) cannot undo.
		cat <<-EOF
		user root;
		worker_processes 1;
		worker_rlimit_nofile $((N + 1000));
		pid $W/nginx/nginx.pid;
		error_log $W/nginx/logs/error.log warn;
		events { worker_connections $((N + 900)); }
		http {
		    access_log off;
		    keepalive_timeout 0;
		    default_type text/plain;
		    server {
		        location / { return 200 "ok\n"; }
		EOF
		listen_lines '        listen 127.0.0.1:%d;'
		echo "    }"
		echo "}"
	} >"$W/nginx.conf"
	taskset -c 0 nginx -p "$W/nginx" -e "$W/nginx/logs/error.log" -c "$W/nginx.conf" \
		-g 'daemon off;' >"$W/nginx.out" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 200); do
		ss -Hltn "sport = :$LAST" | grep -q . && return 0
		sleep 0.1
	done
	die "nginx did not open its $N listeners: $(tail -n 3 "$W/nginx.out")"
}

write_config()
{
	{
		cat <<-EOF
		global:
		  router_id: bench
		  log_file: $W/lvsd.log
		  log_level: warning
		  control_socket: $W/lvsd.sock
		  forwarding_core: userspace
		virtual_services:
		  - name: turns
		    address: 127.0.0.1:$((BASE - 2))
		    protocol: tcp
		    scheduler: rr
		    check: {type: http, interval: 1, timeout: 1, rise: 2, fall: 3, path: /}
		    real_servers:
		EOF
		listen_lines '      - address: 127.0.0.1:%d'
	} >"$W/lvsd.yaml"
}

# one BUILD QUERY: "longest_ms over_5ms answer_bytes" of one run.
one()
{
	local lvsd=$1/src/lvsd query=${2//--/ --} pid sp

	rm -f "$W/lvsd.sock"
	ulimit -n $((N + 1000))
	taskset -c 1 "$lvsd" -n -f "$W/lvsd.yaml" -p "$W/lvsd.pid" -S "$W/lvsd.sock" >"$W/lvsd.out" 2>&1 &
	pid=$!
	sleep "$WARMUP"
	kill -0 "$pid" 2>/dev/null || die "lvsd ($1) stopped: $(tail -n 3 "$W/lvsd.out")"
	perf record -q -e syscalls:sys_enter_epoll_wait -e syscalls:sys_exit_epoll_wait -p "$pid" \
		-o "$W/turns.data" -- sleep "$WINDOW" >/dev/null 2>&1 &
	sp=$!
	sleep 0.7
	for _ in $(seq "$Q"); do
		# shellcheck disable=SC2086
		timeout 30 "$LVSCTL" -s "$W/lvsd.sock" $query >"$W/answer" 2>>"$W/lvsctl.err"
		sleep 0.7
	done
	wait "$sp"
	kill "$pid"
	wait "$pid" 2>/dev/null
	perf script -i "$W/turns.data" -F time,event 2>/dev/null | awk -v bytes="$(wc -c <"$W/answer")" '
		{ t = $1; sub(":", "", t) }
		/sys_exit/ { e = t }
		/sys_enter/ && e != "" { g = t - e; if (g > max) max = g; if (g > 0.005) big++ }
		END { printf "%.1f %d %d\n", max * 1000, big, bytes }'
}

write_config
start_servers
say "loop_turns.sh: N=$N REPS=$REPS Q=$Q WINDOW=$WINDOW; builds: $*"
for _ in $(seq "$REPS"); do
	for q in $QUERIES; do
		for b in "$@"; do
			echo "$b $q $(one "$b" "$q")" >>"$W/runs"
		done
	done
done
printf '%-14s %-28s %12s %12s %12s\n' query build "longest ms" "turns>5ms" "answer B"
for q in $QUERIES; do
	for b in "$@"; do
		rows=$(awk -v b="$b" -v q="$q" '$1 == b && $2 == q' "$W/runs")
		printf '%-14s %-28s %12s %12s %12s\n' "$q" "$b" \
			"$(median "$(awk '{ printf "%s ", $3 }' <<<"$rows")")" \
			"$(median "$(awk '{ printf "%s ", $4 }' <<<"$rows")")" \
			"$(awk '{ b = $5 } END { print b }' <<<"$rows")"
	done
done

#!/usr/bin/env bash
# tools/demo.sh LVSD LVSCTL - the loopback demo cluster: three real
# servers on 127.0.0.1:8081-8083 and one lvsd with etc/demo.yaml, shown
# with lvsctl: the spread, a real server that dies and is quiesced by its
# health check, then comes back, and an operator drain; runs until
# Ctrl-C, or DEMO_SECONDS seconds if set.
set -uo pipefail

lvsd=$1 lvsctl=$2
top=$(cd "$(dirname "$0")/.." && pwd)
conf=$top/etc/demo.yaml
sock=/tmp/lvsd-demo.sock
work=$(mktemp -d /tmp/lvsd-demo.XXXXXX)
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

declare -A rs_pid
# start_rs N: real server N on 127.0.0.1:808N, answering with its name.
start_rs() {
	mkdir -p "$work/rs$1"
	echo "real server $1 (127.0.0.1:808$1)" > "$work/rs$1/index.html"
	python3 -m http.server "808$1" --bind 127.0.0.1 --directory "$work/rs$1" \
		>>"$work/rs$1.log" 2>&1 &
	rs_pid[$1]=$!
	pids+=($!)
	for _ in $(seq 50); do
		curl -s --max-time 1 "http://127.0.0.1:808$1/" >/dev/null && return
		sleep 0.1
	done
}
spread() {
	for _ in $(seq 12); do curl -s --max-time 2 http://127.0.0.1:8080/; done | sort | uniq -c
}
for i in 1 2 3; do start_rs "$i"; done

"$lvsd" -n -f "$conf" -p "$work/lvsd.pid" -S "$sock" 2>"$work/lvsd.log" &
lvsd_pid=$!
pids+=($!)
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
if ! [ -S "$sock" ]; then
	echo "demo: lvsd did not start:" >&2
	cat "$work/lvsd.log" >&2
	exit 1
fi

echo "== lvsd is running with $conf"
echo "== 12 requests to the virtual service 127.0.0.1:8080 (wrr, weights 1:2:3):"
spread
echo
echo "== lvsctl -s $sock list --stats"
"$lvsctl" -s "$sock" list --stats
echo
echo "== real server 3 dies; its http check (every 1s, fall 2) quiesces it:"
kill "${rs_pid[3]}"
sleep 3
"$lvsctl" -s "$sock" status | grep -- '->'
spread
echo
echo "== real server 3 comes back (rise 2):"
start_rs 3
sleep 3
"$lvsctl" -s "$sock" status | grep -- '->'
echo
echo "== the operator drains real server 1 (lvsctl drain demo-web 127.0.0.1:8081):"
"$lvsctl" -s "$sock" drain demo-web 127.0.0.1:8081
spread
"$lvsctl" -s "$sock" auto demo-web 127.0.0.1:8081
echo
echo "== lvsctl -s $sock status"
"$lvsctl" -s "$sock" status
echo
echo "== the daemon's log so far"
cat "$work/lvsd.log"
echo
echo "Try: curl http://127.0.0.1:8080/; $lvsctl -s $sock list; $lvsctl -s $sock status --json"
echo "     (edit $conf, then: $lvsctl -s $sock reload)"
if [ -n "${DEMO_SECONDS:-}" ]; then
	sleep "$DEMO_SECONDS"
else
	echo "Ctrl-C stops the demo."
	wait "$lvsd_pid"
fi

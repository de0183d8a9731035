#!/usr/bin/env bash
#
# metrics_job.sh - the Prometheus exposition of a large table, written a
# slice of samples per turn of the daemon's loop, over the control socket
# (`lvsctl metrics`) and over HTTP (global.metrics_listen): it is whole,
# in more than one slice, the same both ways, HEAD gives its length; a
# reload between two slices does not mix two configurations into one
# answer; a scraper or a control client that hangs up mid-way, a
# listener moved by a reload under a scrape, and more scrapes at once
# than the daemon writes (the extra are told 503) cost nothing but their
# answer.
#
# Two requests are made to land in one turn of the loop, not left to
# timing: the daemon is stopped (SIGSTOP) while they are queued, so both
# are read when it goes on, and every answer it starts is still being
# written when the next request is read.

. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || skip_all "no curl"

N_RS=3000
PROM=$top_srcdir/tests/integration/prom.py
# 8 of the daemon, 7 of services, 13 of real servers, 7 of VRRP instances.
N_FAMILIES=35
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
MPORT=$(free_port)

# config NAME WEIGHT PORT: one service NAME with N_RS real servers of WEIGHT, no checks,
# metrics served on PORT.
config()
{
	{
		config_global debug
		echo "  metrics_listen: 127.0.0.1:$3"
		config_wide_service "$1" "$2" "$N_RS"
	} >"$CONFIG"
}

# reload_queued: with the daemon stopped and requests queued, queue a
# reload behind them, let the daemon go on; the reload's exit status.
reload_queued()
{
	local pid

	sleep 0.5	# the requests are in their sockets before the reload's
	timeout 60 "$LVSCTL" -s "$SOCK" reload >"$T/reload.out" 2>"$T/reload.err" &
	pid=$!
	sleep 0.5
	kill -CONT "$LVSD_PID"
	wait "$pid"
}

# whole FILE NAME WEIGHT: FILE parses and has N_RS weight samples, all of service NAME at WEIGHT.
whole()
{
	local out

	out=$(python3 "$PROM" -c lvsd_real_server_weight "lvsd_real_server_weight{service=$2}" \
		lvsd_real_server_state <"$1" 2>&1 &&
		python3 "$PROM" "lvsd_real_server_weight{service=$2}" <"$1" | sed 's/^.* = //' |
			tr ' ' '\n' | sort -u &&
		grep -c '^# TYPE ' "$1" && grep '^# TYPE ' "$1" | tail -n 1)
	[ "$out" = "lvsd_real_server_weight = $N_RS
lvsd_real_server_weight{service=$2} = $N_RS
lvsd_real_server_state = $N_RS
$3
$N_FAMILIES
# TYPE lvsd_vrrp_became_master_total counter" ] || { echo "$out"; return 1; }
}

scrape() { curl -s --max-time 30 -o "$1" -w '%{http_code}' "http://127.0.0.1:${2:-$MPORT}/metrics"; }

config web 1 "$MPORT"
start_lvsd || bail_out "lvsd did not start"

# 1. Whole, in slices, the same over the control socket and over HTTP.
ctl metrics
is "$CTL_RC" 0 "lvsctl metrics of $N_RS real servers exits 0"
cp "$T/ctl.out" "$T/ctl.txt"
check "... it is whole: every family, $N_RS real servers, VRRP's families at the end" \
	whole "$T/ctl.txt" web 1
wait_log 'metrics: [0-9]+ bytes in [0-9]+ slice'
slices=$(grep -Eo 'metrics: [0-9]+ bytes in [0-9]+ slice' "$LOG" | tail -n 1 | awk '{ print $5 }')
check "... it was written in slices (the log says ${slices:-none})" test "${slices:-0}" -gt 1
is "$(scrape "$T/http.txt")" 200 "GET /metrics of $N_RS real servers: 200"
check "... the same text as lvsctl metrics" cmp -s "$T/ctl.txt" "$T/http.txt"
like "$(curl -sI --max-time 30 "http://127.0.0.1:$MPORT/metrics" | tr -d '\r')" \
	"^Content-Length: $(stat -c %s "$T/http.txt")$" "HEAD /metrics: the length a GET gets"

# 2. A reload between two slices: each answer is of one configuration, the
# one in force when it was asked for.
# straddled: the log has a control client's metrics asked before the reload
# and answered after it (else this part tested nothing).
straddled()
{
	awk '/control client [0-9]+: metrics$/ && !r { c = $(NF - 1) }
		/reloaded .* 1 virtual services/ && !r { r = NR }
		r && c && index($0, "control client " c " metrics: ") { e = NR }
		END { exit !(r && e) }' "$LOG"
}
config web2 2 "$MPORT"
kill -STOP "$LVSD_PID"
timeout 60 "$LVSCTL" -s "$SOCK" metrics >"$T/mid-ctl.txt" 2>"$T/mid-ctl.err" &
ctl_pid=$!
curl -s --max-time 60 -o "$T/mid-http.txt" "http://127.0.0.1:$MPORT/metrics" &
curl_pid=$!
reload_queued
is "$?" 0 "a reload asked while two expositions are being written succeeds"
wait "$ctl_pid"
is "$?" 0 "... lvsctl metrics asked before it exits 0"
check "... it was asked before the reload and answered after it (the log)" straddled
check "... its answer is the configuration it was asked of, whole" whole "$T/mid-ctl.txt" web 1
wait "$curl_pid"
is "$?" 0 "... GET /metrics asked before it is answered"
if whole "$T/mid-http.txt" web 1 >/dev/null || whole "$T/mid-http.txt" web2 2 >/dev/null; then
	pass "... its answer is of one configuration, whole"
else
	fail "... its answer is of one configuration, whole" "$(whole "$T/mid-http.txt" web 1)"
fi
ctl metrics
cp "$T/ctl.out" "$T/after.txt"
check "the next lvsctl metrics is of the new configuration" whole "$T/after.txt" web2 2

# 3. Clients that ask and hang up at once.
kill -STOP "$LVSD_PID"
python3 - "$SOCK" "$MPORT" <<'EOF'
import socket, sys
u = socket.socket(socket.AF_UNIX)
u.connect(sys.argv[1])
u.sendall(b"metrics\n")
h = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
h.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
u.close()
h.close()
EOF
kill -CONT "$LVSD_PID"
is "$(scrape "$T/hang.txt")" 200 "after a scraper and a control client hung up mid-way, GET /metrics: 200"
check "... whole" whole "$T/hang.txt" web2 2

# 4. More scrapes at once than are written at once: the extra are told 503.
kill -STOP "$LVSD_PID"
for i in $(seq 12); do
	curl -s --max-time 60 -o "$T/many.$i.txt" -w '%{http_code}\n' \
		"http://127.0.0.1:$MPORT/metrics" >"$T/many.$i.code" &
	track $!
done
sleep 1
kill -CONT "$LVSD_PID"
wait_for 60 eval '[ "$(cat "$T"/many.*.code 2>/dev/null | wc -l)" = 12 ]'
is "$(sort "$T"/many.*.code | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')" "200:8 503:4 " \
	"12 scrapes at once: 8 written, 4 told 503"
bad=0
for i in $(seq 12); do
	[ "$(cat "$T/many.$i.code")" = 200 ] || continue
	whole "$T/many.$i.txt" web2 2 >/dev/null || bad=$((bad + 1))
done
is "$bad" 0 "... and each of the 8 is whole"

# 5. A reload moves the listener while a scrape is being written: that scrape is
# closed unanswered, the new address serves.
MPORT2=$(free_port)
config web2 2 "$MPORT2"
kill -STOP "$LVSD_PID"
curl -s --max-time 60 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/metrics" >"$T/moved.code" &
curl_pid=$!
reload_queued
is "$?" 0 "a reload that moves metrics_listen under a scrape succeeds"
wait "$curl_pid"
is "$(cat "$T/moved.code")" 000 "... the scrape on the old address is closed unanswered"
is "$(scrape "$T/moved.txt" "$MPORT2")" 200 "... GET /metrics on the new address: 200"
check "... whole" whole "$T/moved.txt" web2 2

stop_lvsd TERM "lvsd stops cleanly after it all"
done_testing

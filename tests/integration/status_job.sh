#!/usr/bin/env bash
#
# status_job.sh - `status --json` of a large table, built a slice of real
# servers per turn of the daemon's loop: the document is whole and the
# same as the status file's (built at once on SIGUSR1, in slices after a
# change); a reload between two slices
# starts it again, so it never mixes two configurations; a client that
# hangs up before its document is built costs nothing.
#
# The reload is made to land between two slices, not left to timing: the
# daemon is stopped (SIGSTOP) while one client asks for the status and a
# second for a reload, so that both requests are read in the same turn,
# the status first (its first slice is written at once), the reload next.

. "$(dirname "$0")/lib.sh"

N_RS=3000

# config NAME WEIGHT: one service NAME with N_RS real servers of WEIGHT, no checks.
config()
{
	{
		config_global debug
		config_wide_service "$1" "$2" "$N_RS"
	} >"$CONFIG"
}

# consistent FILE NAME WEIGHT: FILE is one service NAME with N_RS real servers, all of WEIGHT.
consistent()
{
	python3 - "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
name, weight, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
vs = d["virtual_services"]
names = [s["name"] for s in vs]
weights = sorted({rs["weight"] for s in vs for rs in s["real_servers"]})
count = sum(len(s["real_servers"]) for s in vs)
if names != [name] or weights != [weight] or count != n:
    print("services %s, weights %s, %d real servers; expected [%s], [%d], %d"
          % (names, weights, count, name, weight, n))
    sys.exit(1)
EOF
}

config web 1
start_lvsd || bail_out "lvsd did not start"

# 1. A whole document, in more than one slice, the same as the status file's.
if status_json "$T/one.json"; then
	pass "status --json of $N_RS real servers exits 0"
else
	fail "status --json of $N_RS real servers exits 0" "exit $CTL_RC: $CTL_ERR"
fi
check "... it keeps the contract" status_contract "$T/one.json"
check "... it lists the $N_RS real servers of the configuration" consistent "$T/one.json" web 1 "$N_RS"
wait_log 'status --json: [0-9]+ bytes in [0-9]+ slice'
slices=$(grep -Eo 'status --json: [0-9]+ bytes in [0-9]+ slice' "$LOG" | tail -n 1 | awk '{ print $6 }')
check "... it was built in slices (the log says ${slices:-none})" test "${slices:-0}" -gt 1
kill -USR1 "$LVSD_PID"
wait_log 'wrote status file'
check "... the status file, built at once, holds the same document" python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
sys.exit(a != b)' "$T/one.json" "$STATUS_FILE"

# 1b. A change rewrites the status file on its own, built in slices too.
before=$(log_count 'wrote status file')
ctl drain web 127.1.0.1:80
wait_for 10 eval '[ "$(log_count "wrote status file")" -gt "$before" ]'
status_json "$T/drained.json"
check "after a drain, the status file is rewritten with the real server quiesced" python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
rs = [r for r in b["virtual_services"][0]["real_servers"] if r["address"] == "127.1.0.1:80"]
sys.exit(a != b or [r["override"] for r in rs] != ["drain"])' "$T/drained.json" "$STATUS_FILE"
ctl auto web 127.1.0.1:80

# 2. A reload between two slices: the answer describes the new configuration only.
config web2 2
kill -STOP "$LVSD_PID"
timeout 60 "$LVSCTL" -s "$SOCK" status --json >"$T/mid.json" 2>"$T/mid.err" &
status_pid=$!
sleep 0.5	# its request is in the socket before the next one's
timeout 60 "$LVSCTL" -s "$SOCK" reload >"$T/reload.out" 2>"$T/reload.err" &
reload_pid=$!
sleep 0.5
kill -CONT "$LVSD_PID"
wait "$status_pid"
status_rc=$?
wait "$reload_pid"
is "$?" 0 "a reload asked while the status is being built succeeds"
is "$status_rc" 0 "... the status asked just before it exits 0"
check "... and describes the new configuration alone" consistent "$T/mid.json" web2 2 "$N_RS"
check "... the daemon started the document again after the reload" \
	log_has 'status --json: [0-9]+ bytes in [0-9]+ slice\(s\), started again [1-9]'

# 3. A client that asks and hangs up at once: the job ends, nothing leaks or crashes.
kill -STOP "$LVSD_PID"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"status --json\n")
s.close()' "$SOCK"
kill -CONT "$LVSD_PID"
if status_json "$T/after.json" && consistent "$T/after.json" web2 2 "$N_RS" >"$T/after.out"; then
	pass "after a client hung up on its status, the next one gets a whole document"
else
	fail "after a client hung up on its status, the next one gets a whole document" \
		"exit $CTL_RC: $CTL_ERR" "$(cat "$T/after.out" 2>/dev/null)"
fi

stop_lvsd
done_testing

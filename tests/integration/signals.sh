#!/usr/bin/env bash
#
# signals.sh - what DESIGN.md promises for signals and for `lvsctl reload`:
# HUP reloads a good file and keeps the running one when the new file is
# bad (logging every error as FILE:LINE:COL), USR1 writes the status file
# atomically, USR2 reopens a log file that logrotate moved away, and TERM
# and INT stop the daemon cleanly.

. "$(dirname "$0")/lib.sh"

# reloads: last_reload.count in the live status, 0 before the first reload.
reloads()
{
	status_json "$T/r.json" &&
		json_get "$T/r.json" '(d["last_reload"] or {}).get("count", 0)'
}

reloads_are() { [ "$(reloads)" = "$1" ]; }

# wait_reloads N: poll (bounded) until the daemon has attempted N reloads.
wait_reloads() { wait_for 5 reloads_are "$1"; }

# A second virtual service, appended to config_body's list.
api_service()
{
	cat <<EOF
  - name: api
    address: 127.0.0.1:$((VS_PORT + 10))
    protocol: tcp
    scheduler: rr
    real_servers:
      - address: 127.0.0.1:$((VS_PORT + 11))
        weight: 2
EOF
}

write_config info 1 wlc
if start_lvsd; then
	pass "lvsd -n starts"
else
	fail "lvsd -n starts"
	done_testing
fi
status_json "$T/s0.json"
is "$(json_get "$T/s0.json" 'd["last_reload"]' 'd["virtual_services"][0]["real_servers"][0]["weight"]' | tr '\n' ' ')" \
	"null 1 " "before any reload: last_reload is null, weight 1"

# ---- SIGHUP with a good file -------------------------------------------------

{
	config_global info
	config_body 5 rr
	api_service
} >"$CONFIG"
kill -HUP "$LVSD_PID"
if wait_reloads 1; then
	pass "SIGHUP: the daemon reloads"
else
	fail "SIGHUP: the daemon reloads" "last_reload.count is '$(reloads)'"
fi
status_json "$T/s1.json"
is "$(json_get "$T/s1.json" 'd["last_reload"]["ok"]' 'd["last_reload"]["errors"]' \
	'[s["name"] for s in d["virtual_services"]]' 'd["virtual_services"][0]["scheduler"]' \
	'd["virtual_services"][0]["real_servers"][0]["weight"]' | tr '\n' ' ')" \
	'true null ["web", "api"] rr 5 ' \
	"SIGHUP: the new service, scheduler and weight show in status --json"
check "SIGHUP: the reloaded status keeps the contract" status_contract "$T/s1.json"
like "$(cat "$LOG")" "notice: reloaded $CONFIG: 2 virtual services, 1 VRRP instances" \
	"SIGHUP: the reload is logged"

# ---- SIGHUP with a bad file --------------------------------------------------

{
	config_global info
	config_body 9 nope
	echo "    bogus_key: 1"
} >"$CONFIG"
sched_line=$(grep -n 'scheduler: nope' "$CONFIG" | cut -d: -f1)
bogus_line=$(grep -n 'bogus_key' "$CONFIG" | cut -d: -f1)
kill -HUP "$LVSD_PID"
if wait_reloads 2; then
	pass "SIGHUP with a broken file: a reload is attempted"
else
	fail "SIGHUP with a broken file: a reload is attempted" "last_reload.count is '$(reloads)'"
fi
status_json "$T/s2.json"
is "$(json_get "$T/s2.json" 'd["last_reload"]["ok"]' \
	'[s["name"] for s in d["virtual_services"]]' 'd["virtual_services"][0]["scheduler"]' \
	'd["virtual_services"][0]["real_servers"][0]["weight"]' | tr '\n' ' ')" \
	'false ["web", "api"] rr 5 ' \
	"SIGHUP with a broken file: last_reload.ok is false and the old configuration serves"
errors=$(json_get "$T/s2.json" 'd["last_reload"]["errors"]')
like "$errors" "^$CONFIG:$sched_line:16: .*nope" "last_reload.errors has the first error as FILE:LINE:COL"
like "$errors" "^$CONFIG:$bogus_line:5: .*bogus_key" "last_reload.errors has the second error too"
like "$(cat "$LOG")" "error: $CONFIG:$sched_line:16: .*nope" "the log has the first error as FILE:LINE:COL"
like "$(cat "$LOG")" "error: $CONFIG:$bogus_line:5: .*bogus_key" "the log has the second error as FILE:LINE:COL"
like "$(cat "$LOG")" "error: reload of $CONFIG failed .*running configuration is unchanged" \
	"the log says the running configuration is unchanged"
ctl status
like "$CTL_OUT" "last reload: FAILED" "lvsctl status says the last reload failed"

# A file that vanished (an editor's rename, a typo in a deploy) is one more
# bad reload, reported in the same shape.
mv "$CONFIG" "$CONFIG.away"
kill -HUP "$LVSD_PID"
wait_reloads 3
status_json "$T/s3.json"
is "$(json_get "$T/s3.json" 'd["last_reload"]["ok"]' 'len(d["virtual_services"])' | tr '\n' ' ')" \
	"false 2 " "SIGHUP with the file gone: not reloaded, the old configuration serves"
if wait_log "error: $CONFIG: cannot open: No such file" 5; then
	pass "the log says the file cannot be opened, without a bogus line:column"
else
	fail "the log says the file cannot be opened, without a bogus line:column" \
		"$(grep 'cannot open' "$LOG")"
fi
mv "$CONFIG.away" "$CONFIG"

# ---- lvsctl reload -----------------------------------------------------------

ctl reload
is "$CTL_RC" 1 "lvsctl reload with a broken file exits 1"
like "$CTL_ERR" "^$CONFIG:$sched_line:16: .*nope" "... and prints the first error as FILE:LINE:COL"
like "$CTL_ERR" "^$CONFIG:$bogus_line:5: .*bogus_key" "... and the second"
like "$CTL_ERR" "not reloaded" "... and says it did not reload"
is "$CTL_OUT" "" "... with nothing on stdout"

write_config debug 7 wlc
ctl reload
is "$CTL_RC" 0 "lvsctl reload with a good file exits 0"
like "$CTL_OUT" "^reloaded $CONFIG$" "... and says so"
status_json "$T/s4.json"
is "$(json_get "$T/s4.json" 'd["last_reload"]["ok"]' 'd["last_reload"]["errors"]' \
	'd["last_reload"]["count"]' 'len(d["virtual_services"])' \
	'd["virtual_services"][0]["real_servers"][0]["weight"]' | tr '\n' ' ')" \
	"true null 5 1 7 " "... and status --json shows the new configuration"
# That file also turned log_level to debug: a reload applies it.
ctl status
if wait_log ": debug: control client [0-9]+: status" 5; then
	pass "a reload that sets log_level debug makes debug messages appear"
else
	fail "a reload that sets log_level debug makes debug messages appear"
fi
write_config info 7 wlc
ctl reload

# ---- SIGUSR1: the status file --------------------------------------------------

rm -f "$STATUS_FILE"
kill -USR1 "$LVSD_PID"
if wait_for 5 test -s "$STATUS_FILE"; then
	pass "SIGUSR1 writes global.status_file"
else
	fail "SIGUSR1 writes global.status_file"
fi
check "the status file is valid JSON" json_valid "$STATUS_FILE"
check "the status file keeps the contract" status_contract "$STATUS_FILE"
is "$(json_get "$STATUS_FILE" 'd["pid"]' 'd["config_file"]' \
	'd["virtual_services"][0]["real_servers"][0]["weight"]' 'd["last_reload"]["count"]' | tr '\n' ' ')" \
	"$LVSD_PID $CONFIG 7 6 " "the status file holds the live model"
# All but what moves on its own between the two reads: the checks' latest results.
STABLE='[{k: v for k, v in d.items() if k != "virtual_services"},
	[[{k: v for k, v in s.items() if k != "real_servers"},
	  [{k: v for k, v in r.items() if k not in ("last_check", "check_probes", "check_late_max_ms")}
	   for r in s["real_servers"]]] for s in d["virtual_services"]]]'
is "$(cmp -s <(json_get "$STATUS_FILE" "$STABLE") \
	<(status_json "$T/s5.json" && json_get "$T/s5.json" "$STABLE"); echo $?)" \
	0 "the status file says what status --json says"
like "$(cat "$LOG")" "info: wrote status file $STATUS_FILE" "writing the status file is logged"

# Atomic: a reader polling the file while the daemon rewrites it 40 times
# never sees a partial document.
python3 - "$STATUS_FILE" "$T/reader.stop" >"$T/reader.out" 2>&1 <<'EOF' &
import json, os, sys, time
path, stop = sys.argv[1], sys.argv[2]
reads = bad = 0
versions = set()
deadline = time.time() + 20
while not os.path.exists(stop) and time.time() < deadline:
    try:
        with open(path) as f:
            st = os.fstat(f.fileno())
            versions.add((st.st_ino, st.st_mtime_ns))
            json.loads(f.read())
    except FileNotFoundError:
        bad += 1	# a rename never leaves the path missing
    except ValueError:
        bad += 1
    reads += 1
print(reads, bad, len(versions))
EOF
reader=$!
track "$reader"
for _ in $(seq 1 40); do
	kill -USR1 "$LVSD_PID"
	sleep 0.02
done
touch "$T/reader.stop"
wait_for 10 dead "$reader"
wait "$reader"
read -r reads bad versions <"$T/reader.out"
if [ "${bad:-x}" = 0 ] && [ "${reads:-0}" -gt 10 ] && [ "${versions:-0}" -ge 3 ]; then
	pass "the status file is replaced atomically ($reads reads, $versions versions, none partial)"
else
	fail "the status file is replaced atomically" "$(cat "$T/reader.out")" \
		"reads, partial or missing, versions seen"
fi
leftovers=$(ls "$STATUS_FILE".* 2>/dev/null)
is "$leftovers" "" "no temporary status files are left behind"

# A status file that cannot be written is logged; nothing else happens.
{
	config_global info | sed "s#^  status_file: .*#  status_file: $T/no/such/dir/status.json#"
	config_body 7 wlc
} >"$CONFIG"
ctl reload
kill -USR1 "$LVSD_PID"
if wait_log "error: cannot write status file $T/no/such/dir/status\.json" 5 && lvsd_answers; then
	pass "SIGUSR1 with an unwritable status file: the error is logged, the daemon serves on"
else
	fail "SIGUSR1 with an unwritable status file: the error is logged, the daemon serves on"
fi
write_config info 7 wlc
ctl reload

# ---- SIGUSR2: reopening the log --------------------------------------------------

mv "$LOG" "$LOG.1"
ctl reload	# logged while moved: still into the old file
kill -USR2 "$LVSD_PID"
if wait_for 5 log_has "notice: SIGUSR2: reopened log file $LOG" "$LOG"; then
	pass "SIGUSR2 after the log was moved: a new log file at the original path"
else
	fail "SIGUSR2 after the log was moved: a new log file at the original path" \
		"$(ls -l "$T"/*log*)"
fi
ctl reload
if wait_log "notice: reloaded $CONFIG" 5; then
	pass "the next messages land in the new log file"
else
	fail "the next messages land in the new log file"
	diag_file "$LOG"
fi
is "$(log_count "notice: reloaded $CONFIG" "$LOG")" 1 \
	"the new log file starts after the reopen (one reload in it)"
if log_has "notice: reloaded $CONFIG" "$LOG.1" && ! log_has "SIGUSR2" "$LOG.1"; then
	pass "the moved log file has what came before the reopen, nothing after"
else
	fail "the moved log file has what came before the reopen, nothing after"
	diag "$(tail -n 5 "$LOG.1")"
fi

# ---- SIGTERM and SIGINT ----------------------------------------------------------

pid=$LVSD_PID
stop_lvsd TERM "SIGTERM: lvsd -n exits 0 without a sanitizer report"
if [ ! -e "$PIDFILE" ] && [ ! -e "$SOCK" ]; then
	pass "SIGTERM: the pidfile and the socket are removed"
else
	fail "SIGTERM: the pidfile and the socket are removed" "$(ls -l "$T")"
fi
like "$(grep -F "lvsd[$pid]" "$LOG")" "lvsd\[$pid\]: notice: stopping: SIGTERM" "SIGTERM: 'stopping: SIGTERM' is logged"
like "$(tail -n 1 "$LOG")" "lvsd\[$pid\]: notice: stopped$" "SIGTERM: 'stopped' is the last line logged"

# SIGINT, with clients connected mid-request: they must not hold up the stop
# nor leak (the sanitizer build checks the latter at exit).
start_lvsd
pid=$LVSD_PID
base=$(sock_fds "$pid")
hold_client "$SOCK" ""
hold_client "$SOCK" "stat"
two_more() { [ "$(sock_fds "$pid")" -ge $((base + 2)) ]; }
if wait_for 5 two_more; then
	pass "SIGINT: two clients are connected, one silent, one mid-request"
else
	fail "SIGINT: two clients are connected, one silent, one mid-request" \
		"the daemon has $(sock_fds "$pid") sockets open, $base before"
fi
stop_lvsd INT "SIGINT with two clients connected: lvsd -n exits 0 without a sanitizer report"
if [ ! -e "$PIDFILE" ] && [ ! -e "$SOCK" ]; then
	pass "SIGINT: the pidfile and the socket are removed"
else
	fail "SIGINT: the pidfile and the socket are removed" "$(ls -l "$T")"
fi
like "$(grep -F "lvsd[$pid]" "$LOG")" "lvsd\[$pid\]: notice: stopping: SIGINT" "SIGINT: 'stopping: SIGINT' is logged"
like "$(tail -n 1 "$LOG")" "lvsd\[$pid\]: notice: stopped$" "SIGINT: 'stopped' is the last line logged"

# The same for a daemonized lvsd (its exit status is not ours to see).
start_lvsd -d
pid=$LVSD_PID
stop_lvsd TERM "SIGTERM: a daemonized lvsd exits without a sanitizer report"
if [ ! -e "$PIDFILE" ] && [ ! -e "$SOCK" ]; then
	pass "SIGTERM: the daemonized lvsd removes its pidfile and socket"
else
	fail "SIGTERM: the daemonized lvsd removes its pidfile and socket" "$(ls -l "$T")"
fi
like "$(tail -n 1 "$LOG")" "lvsd\[$pid\]: notice: stopped$" "SIGTERM: the daemonized lvsd logs 'stopped'"

done_testing

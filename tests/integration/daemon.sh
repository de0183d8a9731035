#!/usr/bin/env bash
#
# daemon.sh - lvsd as a system service: it detaches only once it is up,
# holds its pidfile, refuses to run twice, takes over what a killed
# daemon left behind, refuses bad configurations and bad socket paths
# before going to the background, and logs to a file at the configured
# level.

. "$(dirname "$0")/lib.sh"

# run_lvsd ARGS...: run lvsd (it may daemonize); stdout in $T/run.out,
# stderr in $RUN_ERR (and $RUN_STDERR); returns its exit status.
_runs=0
run_lvsd()
{
	local rc

	_runs=$((_runs + 1))
	RUN_ERR=$T/run.$_runs.err
	ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$T/sanitizer" \
	UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$T/sanitizer" \
		timeout 30 "$LVSD" "$@" </dev/null >"$T/run.out" 2>"$RUN_ERR"
	rc=$?
	RUN_STDERR=$(cat "$RUN_ERR")
	return "$rc"
}

# Field N (from 1) of /proc/PID/stat: 4 ppid, 6 session, 7 tty_nr.
proc_stat_field()
{
	local stat fields

	stat=$(cat "/proc/$1/stat") || return 1
	# The command name in field 2 may hold spaces: count after its ")".
	read -r -a fields <<<"${stat##*) }"
	echo "${fields[$(($2 - 3))]}"
}

# ---- daemonizing -----------------------------------------------------------

write_config info
start_lvsd -d
is "$LVSD_RC" 0 "lvsd without -n exits 0"
# No polling here: `lvsd` must not return before the daemon answers.
if ctl status; then
	pass "the daemon answers as soon as lvsd has returned"
else
	fail "the daemon answers as soon as lvsd has returned" "lvsctl: $CTL_RC $CTL_ERR"
fi
if [ -z "$(cat "$T/lvsd.1.out" "$LVSD_ERR")" ]; then
	pass "a successful start prints nothing"
else
	fail "a successful start prints nothing"
	diag_file "$LVSD_ERR"
fi

pid=$LVSD_PID
if [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" &&
   [ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$LVSD")" ]; then
	pass "the pidfile holds the pid of a running lvsd"
else
	fail "the pidfile holds the pid of a running lvsd" \
		"pidfile: '$pid'" "exe: $(readlink "/proc/$pid/exe" 2>&1)"
fi
status_json "$T/s1.json"
is "$(json_get "$T/s1.json" 'd["pid"]')" "$pid" "status --json reports the pidfile's pid"

# Detached: its own session without a terminal, cwd /, stdio on /dev/null.
problems=()
[ "$(proc_stat_field "$pid" 6)" = "$pid" ] || problems+=("not a session leader")
[ "$(proc_stat_field "$pid" 7)" = 0 ] || problems+=("has a controlling terminal")
[ "$(proc_stat_field "$pid" 4)" != $$ ] || problems+=("still a child of the test")
[ "$(readlink "/proc/$pid/cwd")" = / ] || problems+=("cwd is $(readlink "/proc/$pid/cwd")")
for fd in 0 1 2; do
	[ "$(readlink "/proc/$pid/fd/$fd")" = /dev/null ] ||
		problems+=("fd $fd is $(readlink "/proc/$pid/fd/$fd")")
done
if [ ${#problems[@]} -eq 0 ]; then
	pass "the daemon is detached: own session, no terminal, cwd /, stdio on /dev/null"
else
	fail "the daemon is detached: own session, no terminal, cwd /, stdio on /dev/null" \
		"${problems[@]}"
fi
like "$(cat "$LOG")" \
	"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3} lvsd\[$pid\]: notice: lvsd [^ ]+ started: " \
	"the log file has the 'started' line, stamped, with the daemon's pid"

# ---- a second lvsd ---------------------------------------------------------

run_lvsd -f "$CONFIG" -p "$PIDFILE" -S "$T/second.sock"
is "$?" 1 "a second lvsd with the same pidfile exits 1"
like "$RUN_STDERR" "pid $pid\b" "its message on stderr names the running daemon's pid"
like "$RUN_STDERR" "$PIDFILE" "its message names the pidfile"
is "$(cat "$PIDFILE")" "$pid" "the pidfile still holds the first daemon's pid"
if [ ! -e "$T/second.sock" ] && ctl status; then
	pass "the second lvsd left no socket; the first still answers"
else
	fail "the second lvsd left no socket; the first still answers" "$(ls -l "$T")"
fi

run_lvsd -n -f "$CONFIG" -p "$PIDFILE" -S "$T/second.sock"
is "$?" 1 "a second lvsd -n with the same pidfile exits 1 too"
like "$RUN_STDERR" "pid $pid\b" "... naming the running daemon's pid"

run_lvsd -f "$CONFIG" -p "$T/second.pid" -S "$SOCK"
is "$?" 1 "a second lvsd on the live socket (another pidfile) exits 1"
like "$RUN_STDERR" "$SOCK" "its message names the socket"
if [ -S "$SOCK" ] && ctl status && [ ! -e "$T/second.pid" ]; then
	pass "the live socket still answers; the refused lvsd removed its pidfile"
else
	fail "the live socket still answers; the refused lvsd removed its pidfile" \
		"$(ls -l "$T")"
fi
if alive "$pid"; then
	pass "the first daemon still runs"
else
	fail "the first daemon still runs"
fi

# ---- stale pidfile and socket ----------------------------------------------

kill -KILL "$pid"
wait_for 10 dead "$pid"
if [ -e "$PIDFILE" ] && [ -S "$SOCK" ] && dead "$pid"; then
	pass "kill -9 leaves a stale pidfile and socket behind"
else
	fail "kill -9 leaves a stale pidfile and socket behind" "$(ls -l "$T")"
fi
run_lvsd -f "$CONFIG" -p "$PIDFILE" -S "$SOCK"
is "$?" 0 "lvsd starts over a stale pidfile and a stale socket"
LVSD_PID=$(cat "$PIDFILE")
LVSD_MODE=daemon
LVSD_ERR=$RUN_ERR
track "$LVSD_PID"
if [ "$LVSD_PID" != "$pid" ] && alive "$LVSD_PID"; then
	pass "the pidfile now holds the new daemon's pid"
else
	fail "the pidfile now holds the new daemon's pid" "old $pid, pidfile '$LVSD_PID'"
fi
if status_json "$T/s2.json" && [ "$(json_get "$T/s2.json" 'd["pid"]')" = "$LVSD_PID" ]; then
	pass "the new daemon answers on the replaced socket"
else
	fail "the new daemon answers on the replaced socket" "$CTL_ERR"
fi
if [ "$(stat -c %a "$SOCK")" = 600 ]; then
	pass "the replaced socket is mode 0600"
else
	fail "the replaced socket is mode 0600" "$(stat -c %a "$SOCK")"
fi

# Stopping a daemonized lvsd removes its files and says so.
stop_lvsd TERM "the daemonized lvsd stops on SIGTERM without a sanitizer report"
if [ ! -e "$PIDFILE" ] && [ ! -e "$SOCK" ]; then
	pass "after SIGTERM the pidfile and the socket are gone"
else
	fail "after SIGTERM the pidfile and the socket are gone" "$(ls -l "$T")"
fi
like "$(tail -n 3 "$LOG")" "lvsd\[$LVSD_PID\]: notice: stopped$" "'stopped' is logged"

# ---- refusals before going to the background --------------------------------

echo "not a socket" >"$T/plain"
run_lvsd -f "$CONFIG" -p "$PIDFILE" -S "$T/plain"
is "$?" 1 "-S on a regular file: exit 1"
like "$RUN_STDERR" "$T/plain.*not a socket" "... with a message saying it is not a socket"
is "$(cat "$T/plain")" "not a socket" "... and the file is left alone"
if [ ! -e "$PIDFILE" ]; then
	pass "... and no pidfile is left behind"
else
	fail "... and no pidfile is left behind"
fi

mkdir "$T/adir"
run_lvsd -f "$CONFIG" -p "$PIDFILE" -S "$T/adir"
is "$?" 1 "-S on a directory: exit 1"
if [ -d "$T/adir" ]; then
	pass "... and the directory is left alone"
else
	fail "... and the directory is left alone"
fi

run_lvsd -f "$CONFIG" -p "$PIDFILE" -S "$T/no/such/dir/lvsd.sock"
is "$?" 1 "-S in a missing directory: exit 1"
like "$RUN_STDERR" "$T/no/such/dir/lvsd.sock" "... with a message naming the path"

run_lvsd -f "$CONFIG" -p "$T/no/such/dir/lvsd.pid" -S "$SOCK"
is "$?" 1 "-p in a missing directory: exit 1"
like "$RUN_STDERR" "pidfile $T/no/such/dir/lvsd.pid" "... with a message naming the pidfile"
if [ ! -e "$SOCK" ]; then
	pass "... and no socket is created"
else
	fail "... and no socket is created"
fi

{
	config_global info
	config_body 1 wlc
	echo "  - name: broken"
	echo "    adress: 127.0.0.1:1"
} >"$T/bad.yaml"
bad_line=$(grep -n 'adress' "$T/bad.yaml" | cut -d: -f1)
start=$(now_ms)
run_lvsd -f "$T/bad.yaml" -p "$PIDFILE" -S "$SOCK"
rc=$?
elapsed=$(($(now_ms) - start))
is "$rc" 1 "a bad configuration: exit 1"
like "$RUN_STDERR" "^$T/bad\.yaml:$bad_line:5: .*adress" \
	"... with its errors as FILE:LINE:COL on stderr"
if [ ! -e "$PIDFILE" ] && [ ! -e "$SOCK" ] && [ -z "$(_pids_using_tmpdir)" ]; then
	pass "... before daemonizing: no pidfile, no socket, no process left (${elapsed} ms)"
else
	fail "... before daemonizing: no pidfile, no socket, no process left" \
		"$(ls -l "$T")" "pids: $(_pids_using_tmpdir)"
fi

# The log file is one of the things startup must be able to open.
{
	config_global info | sed "s#^  log_file: .*#  log_file: $T/no/such/dir/lvsd.log#"
	config_body
} >"$T/nolog.yaml"
run_lvsd -f "$T/nolog.yaml" -p "$PIDFILE" -S "$SOCK"
is "$?" 1 "an unopenable global.log_file: exit 1"
like "$RUN_STDERR" "$T/no/such/dir/lvsd.log" "... with a message naming the log file"
if [ ! -e "$PIDFILE" ] && [ ! -e "$SOCK" ] && [ -z "$(_pids_using_tmpdir)" ]; then
	pass "... and no pidfile, socket or process left"
else
	fail "... and no pidfile, socket or process left" "$(ls -l "$T")"
fi

# Errors after the fork (here: the pidfile is taken) must reach the
# terminal even when the configuration sends the log to a file.
write_config info
start_lvsd -d
first=$LVSD_PID
run_lvsd -f "$CONFIG" -p "$PIDFILE" -S "$T/third.sock"
like "$RUN_STDERR" "pid $first\b" \
	"with global.log_file set, a startup refusal is on stderr"
like "$(cat "$LOG")" "error: .*pid $first\b" "... and in the log file"
stop_lvsd TERM "the daemon stops on SIGTERM"

# ---- relative paths ----------------------------------------------------------

# The daemon runs in /; paths given relative to where lvsd was started must
# keep meaning what they meant there, for the pidfile, the socket and the
# configuration file read again on SIGHUP.
rel=lvsd-it-$$
cp "$CONFIG" "$T/$rel.yaml"
cd "$T" || exit 1
run_lvsd -f "$rel.yaml" -p "$rel.pid" -S "$rel.sock"
is "$?" 0 "lvsd with relative -f, -p and -S starts"
cd / || exit 1
LVSD_PID=$(cat "$T/$rel.pid" 2>/dev/null || cat "/$rel.pid" 2>/dev/null)
LVSD_MODE=daemon
LVSD_ERR=$RUN_ERR
track "$LVSD_PID"
if [ -e "$T/$rel.pid" ] && [ -S "$T/$rel.sock" ]; then
	pass "... and creates its pidfile and socket where it was started"
else
	fail "... and creates its pidfile and socket where it was started" \
		"$(ls -l "$T" "/$rel.pid" "/$rel.sock" 2>&1)"
fi
if [ -n "$LVSD_PID" ] && alive "$LVSD_PID"; then
	kill -HUP "$LVSD_PID"
	wait_log "reload(ed| of)" 5
fi
SOCK=$T/$rel.sock
if status_json "$T/rel.json" &&
   [ "$(json_get "$T/rel.json" 'd["last_reload"]["ok"]')" = true ]; then
	pass "... and SIGHUP reloads the relative configuration file"
else
	fail "... and SIGHUP reloads the relative configuration file" \
		"$(grep -E 'reload|error' "$LOG" | tail -n 3)"
fi
stop_lvsd TERM "the daemon started with relative paths stops on SIGTERM"
if [ ! -e "$T/$rel.pid" ] && [ ! -e "$T/$rel.sock" ]; then
	pass "... and removes its relative pidfile and socket"
else
	fail "... and removes its relative pidfile and socket" "$(ls -l "$T")"
fi
rm -f -- "/$rel.pid" "/$rel.sock"	# only if the daemon got it wrong
SOCK=$T/lvsd.sock

# ---- logging to a file, by level ---------------------------------------------

# log_level info: a control request is logged at debug, so it is not there.
: >"$LOG"
write_config info
start_lvsd -d
ctl status
ctl status
wait_log "notice: lvsd .* started" 2
if log_has "info|notice" && ! log_has ": debug: "; then
	pass "log_level info: notices logged, debug messages not"
else
	fail "log_level info: notices logged, debug messages not"
	diag_file "$LOG"
fi
stop_lvsd TERM "the daemon at log_level info stops on SIGTERM"

: >"$LOG"
write_config debug
start_lvsd -d
ctl status
if wait_log ": debug: control client [0-9]+: status" 5; then
	pass "log_level debug: a control request is logged at debug"
else
	fail "log_level debug: a control request is logged at debug"
	diag_file "$LOG"
fi
stop_lvsd TERM "the daemon at log_level debug stops on SIGTERM"

: >"$LOG"
write_config error
start_lvsd -d
ctl status
printf 'global:\n  bogus: 1\n' >"$CONFIG"
kill -HUP "$LVSD_PID"
if wait_log ": error: $CONFIG:2:3: " 5 && ! log_has "notice|info|debug"; then
	pass "log_level error: reload errors logged, nothing below error"
else
	fail "log_level error: reload errors logged, nothing below error"
	diag_file "$LOG"
fi
stop_lvsd TERM "the daemon at log_level error stops on SIGTERM"

# In the foreground (-n) the log goes to the file and to stderr.
: >"$LOG"
write_config info
start_lvsd
if log_has "notice: lvsd .* started" && log_has "notice: lvsd .* started" "$LVSD_ERR"; then
	pass "lvsd -n logs to the log file and to stderr"
else
	fail "lvsd -n logs to the log file and to stderr"
	diag_file "$LOG"
	diag_file "$LVSD_ERR"
fi
stop_lvsd TERM "lvsd -n exits 0 on SIGTERM without a sanitizer report"

# global.nice and global.lock_memory follow the configuration, at start
# and at each reload; without nice, lvsd keeps the priority it started with.
proc_nice() { awk '{ print $19 }' "/proc/$LVSD_PID/stat"; }
proc_locked_kb() { awk '/^VmLck:/ { print $2 }' "/proc/$LVSD_PID/status"; }
: >"$LOG"
{ config_global info; printf '  nice: 7\n  lock_memory: true\n'; config_body; } >"$CONFIG"
start_lvsd
is "$(proc_nice)" 7 "global.nice: 7: lvsd runs at priority 7"
if ldd "$LVSD" | grep -q libasan; then
	# ASan makes mlockall() a no-op; what lvsd did is in its log.
	check "global.lock_memory: true: lvsd says its memory is locked (ASan build: not visible in VmLck)" \
		log_has "global.lock_memory: memory locked"
else
	check "global.lock_memory: true: lvsd's memory is locked (VmLck $(proc_locked_kb) kB)" \
		test "$(proc_locked_kb)" -gt 0
fi
{ config_global info; config_body; } >"$CONFIG"
ctl reload >/dev/null
is "$(proc_nice)" "$(nice)" "a reload without nice gives back the priority lvsd started with"
check "a reload with lock_memory false unlocks its memory (VmLck $(proc_locked_kb) kB)" \
	eval 'log_has "global.lock_memory: memory unlocked" && [ "$(proc_locked_kb)" = 0 ]'
{ config_global info; printf '  nice: -21\n'; config_body; } >"$CONFIG"
ctl reload
like "$CTL_OUT$CTL_ERR" ":[0-9]+:[0-9]+: .*nice" "nice: -21 is refused, naming the key and where"
is "$(proc_nice)" "$(nice)" "... and the priority is unchanged"
stop_lvsd TERM "lvsd with nice and lock_memory stops on SIGTERM"

done_testing

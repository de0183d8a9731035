# shellcheck shell=bash
#
# lib.sh - shared helpers for lvsd's integration tests; sourced, not run.
#
# A test script sources this file and then:
#   - reports with pass/fail/check/is/like/unlike/skip, one TAP line each,
#     and ends with done_testing, which prints the plan (TAP allows it last);
#   - works in its own temp dir $T, removed on exit (LVSD_TEST_KEEP=1 keeps it);
#   - starts the real daemon with start_lvsd (foreground, or daemonized with
#     -d) on $CONFIG, with -p and -S pointing into $T, talks to it with ctl,
#     and stops it with stop_lvsd, which fails the test when the daemon's
#     exit status is not 0 or it left a sanitizer report;
#   - waits only with wait_for, a bounded poll: no blind long sleeps.
# Whatever the script started and left running is killed on exit, by pid.
#
# The harness exports LVSD, LVSCTL (absolute paths) and top_srcdir; the
# defaults below let a script also be run by hand from the source or build
# tree.

set -u
export LC_ALL=C		# "." in EPOCHREALTIME and messages we grep for

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
top_srcdir=$(cd "$top_srcdir" && pwd)
if [ -z "${top_builddir:-}" ]; then
	# By hand from a build directory, or from an in-tree build.
	if [ -x ./src/lvsd ]; then top_builddir=.; else top_builddir=$top_srcdir; fi
fi
top_builddir=$(cd "$top_builddir" && pwd)
: "${LVSD:=$top_builddir/src/lvsd}"
: "${LVSCTL:=$top_builddir/src/lvsctl}"

# A sanitizer build must make a memory error fatal and visible: ASan exits
# non-zero on the first report (and LeakSanitizer at exit), UBSan too, so
# stop_lvsd sees both the exit status and the report text. Settings the
# caller already exported come last and win.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=86:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
SANITIZER_RE='ERROR: [A-Za-z]*Sanitizer|runtime error:|SUMMARY: [A-Za-z]*Sanitizer'

# ---- TAP -------------------------------------------------------------------

_tap_n=0
_tap_failed=0
_tap_done=0

# Diagnostics: every line of the arguments as a "# " line.
diag()
{
	local line

	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<<"$*"
}

# The first lines of a file as diagnostics, control bytes made visible.
diag_file()
{
	local file=$1 max=${2:-25}

	if [ -s "$file" ]; then
		printf '# --- %s:\n' "${file#"$T"/}"
		head -n "$max" -- "$file" | cut -c1-300 | cat -v | sed 's/^/#   /'
	else
		printf '# --- %s: (empty or missing)\n' "${file#"$T"/}"
	fi
}

# The sanitizer report in a file, from its first line, as diagnostics.
diag_sanitizer()
{
	printf '# --- %s:\n' "${1#"$T"/}"
	grep -E -A 30 -- "$SANITIZER_RE" "$1" | head -n 30 | cut -c1-300 | sed 's/^/#   /'
}

pass()
{
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s\n' "$_tap_n" "$1"
}

# fail DESC [DIAGNOSTIC...]
fail()
{
	local desc=$1

	shift
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	printf 'not ok %d - %s\n' "$_tap_n" "$desc"
	if [ $# -gt 0 ]; then
		diag "$@"
	fi
	return 1
}

skip()
{
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s # SKIP %s\n' "$_tap_n" "$1" "$2"
}

# check DESC CMD [ARGS...]: ok when CMD exits 0; its output is the diagnostic.
check()
{
	local desc=$1 rc

	shift
	"$@" >"$T/check.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$desc"
	else
		fail "$desc" "command exited $rc: $*"
		diag_file "$T/check.out"
	fi
}

# is GOT WANT DESC
is()
{
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3" "got:      '$1'" "expected: '$2'"
	fi
}

# like TEXT ERE DESC: some line of TEXT matches the extended regex.
like()
{
	if grep -Eq -- "$2" <<<"$1"; then
		pass "$3"
	else
		fail "$3" "no line matches /$2/ in:"
		diag "$(head -n 20 <<<"$1" | cut -c1-300 | cat -v)"
	fi
}

unlike()
{
	if ! grep -Eq -- "$2" <<<"$1"; then
		pass "$3"
	else
		fail "$3" "unexpected match for /$2/:"
		diag "$(grep -E -- "$2" <<<"$1" | head -n 10 | cut -c1-300 | cat -v)"
	fi
}

# Print the plan, after a last check that no process run by the script
# (lvsd in the foreground or daemonized, lvsctl) left a sanitizer report.
done_testing()
{
	local reports

	reports=$(grep -lE -- "$SANITIZER_RE" "$T"/*.err "$T"/sanitizer.* 2>/dev/null)
	if [ -z "$reports" ]; then
		pass "no sanitizer report from any lvsd or lvsctl run"
	else
		fail "no sanitizer report from any lvsd or lvsctl run"
		for f in $reports; do
			diag_sanitizer "$f"
		done
	fi
	printf '1..%d\n' "$_tap_n"
	_tap_done=1
	[ "$_tap_failed" -eq 0 ]
	exit $?
}

# ---- time and processes ----------------------------------------------------

now_ms()
{
	local t=${EPOCHREALTIME/./}

	echo $((10#$t / 1000))
}

# wait_for SECONDS CMD [ARGS...]: poll CMD every 50 ms until it succeeds
# (return 0) or the deadline passes (return 1). Never longer than SECONDS.
wait_for()
{
	local deadline=$(($(now_ms) + ${1%.*} * 1000))

	shift
	while :; do
		if "$@"; then
			return 0
		fi
		if [ "$(now_ms)" -ge "$deadline" ]; then
			return 1
		fi
		sleep 0.05
	done
}

# True while PID is a running (not zombie) process.
alive()
{
	local stat

	[ -n "${1:-}" ] || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

dead() { ! alive "$1"; }

_tracked_pids=()

# sock_fds PID: how many sockets PID has open.
sock_fds()
{
	local fd n=0

	for fd in /proc/"$1"/fd/*; do
		case $(readlink "$fd") in socket:*) n=$((n + 1)) ;; esac
	done
	echo "$n"
}

# Remember a pid to kill at exit if it still runs.
track() { _tracked_pids+=("$@"); }

# Processes whose command line names a file in $T: daemons that detached
# and helpers that escaped track(). $T is unique to this script's run, so
# nothing else can match.
_pids_using_tmpdir()
{
	local d pid

	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		[ "$pid" != $$ ] || continue
		if tr '\0' '\n' <"$d/cmdline" 2>/dev/null | grep -qF -- "$T/"; then
			echo "$pid"
		fi
	done
}

_kill_leftovers()
{
	local pid

	for pid in "${_tracked_pids[@]}" $(_pids_using_tmpdir); do
		if alive "$pid"; then
			kill -KILL "$pid" 2>/dev/null
		fi
	done
}

_cleanup()
{
	local rc=$?

	trap '' PIPE	# a reader that went away must not stop the cleanup
	if [ "$_tap_done" != 1 ]; then
		printf 'Bail out! %s stopped before done_testing (status %d)\n' \
			"${0##*/}" "$rc"
	fi
	# Bash reports each killed background job on stderr: not news here.
	exec 2>/dev/null
	_kill_leftovers
	if [ "${LVSD_TEST_KEEP:-0}" = 1 ]; then
		echo "# kept $T"
	else
		rm -rf -- "$T"
	fi
}

# ---- the temp dir ----------------------------------------------------------

# Unix socket paths are limited to 107 bytes: keep the dir short.
T=$(mktemp -d /tmp/lvsd-it.XXXXXX) || { echo "Bail out! mktemp failed"; exit 1; }
trap _cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE

CONFIG=$T/lvsd.yaml
PIDFILE=$T/lvsd.pid
SOCK=$T/lvsd.sock
LOG=$T/lvsd.log
STATUS_FILE=$T/status.json

# Stop the whole script: the TAP driver reports it as an error.
bail_out()
{
	echo "Bail out! $*"
	_tap_done=1
	exit 1
}

# skip_all REASON: before any test point, when the whole script cannot run
# here (not root, no namespaces): TAP's "1..0 # SKIP", a success.
skip_all()
{
	printf '1..0 # SKIP %s\n' "$*"
	_tap_done=1
	exit 0
}

# A script that never runs the daemon (the lab's smoke test) sets
# LVSD_NEEDED=0 before sourcing this file.
if [ "${LVSD_NEEDED:-1}" = 1 ]; then
	for _bin in "$LVSD" "$LVSCTL"; do
		[ -x "$_bin" ] || bail_out "$_bin is not built (set LVSD and LVSCTL)"
	done
fi
if ! command -v python3 >/dev/null || ! command -v socat >/dev/null; then
	bail_out "python3 and socat are needed"
fi

# The version lvsd was built as: config.h's, else configure.ac's AC_INIT.
lvsd_version()
{
	if [ -f "$top_builddir/config.h" ]; then
		sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h"
	else
		sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac"
	fi
}

# ---- configuration ---------------------------------------------------------

# The ports of the virtual service and its servers (VS_PORT..VS_PORT+2): per
# script run so parallel scripts differ, and below the ephemeral range
# (32768+) so no client's outgoing connection can be holding one. Ports
# something on the machine already listens on are skipped (bounded).
VS_PORT=$((10000 + $$ % 6000 * 3))
_ports_taken()
{
	ss -Hltun 2>/dev/null | awk -v lo="$1" -v hi="$(($1 + 2))" '{
		n = split($5, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) found = 1 }
		END { exit !found }'
}
for _ in $(seq 100); do
	_ports_taken "$VS_PORT" || break
	VS_PORT=$((10000 + (VS_PORT - 10000 + 3 * 997) % 18000))
done

# global: section of a test configuration. $1: log level (default info).
# auto_reload is off so that only the test's own HUP or reload reloads.
config_global()
{
	cat <<EOF
global:
  router_id: itest
  log_file: $LOG
  log_level: ${1:-info}
  status_file: $STATUS_FILE
  forwarding_core: userspace
  auto_reload: false
EOF
}

# One VRRP instance and one virtual service with two real servers. The
# interface does not exist, so a future VRRP engine can only go to FAULT
# and never touches a real interface or address. $1: weight of the first
# real server; $2: scheduler.
config_body()
{
	cat <<EOF
vrrp_instances:
  - name: VI_1
    interface: lvsdtest0
    virtual_router_id: 51
    priority: 150
    virtual_ips: [192.0.2.100/24]
virtual_services:
  - name: web
    address: 127.0.0.1:$VS_PORT
    protocol: tcp
    scheduler: ${2:-wlc}
    check: {type: tcp, interval: 5, timeout: 1}
    real_servers:
      - address: 127.0.0.1:$((VS_PORT + 1))
        weight: ${1:-1}
      - address: 127.0.0.1:$((VS_PORT + 2))
        weight: 3
EOF
}

# config_wide_service NAME WEIGHT N: a virtual_services: section of one
# service NAME (wlc, no checks) with N real servers of WEIGHT, 127.1.x.y:80,
# 250 to a /24: a table large enough that a document of it is built in slices.
config_wide_service()
{
	cat <<EOF
virtual_services:
  - name: $1
    address: 127.0.0.1:$VS_PORT
    protocol: tcp
    scheduler: wlc
    real_servers:
EOF
	awk -v n="$3" -v w="$2" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "      - {address: 127.1.%d.%d:80, weight: %d}\n", int(i / 250), i % 250 + 1, w }'
}

# write_config [LOG_LEVEL [WEIGHT [SCHEDULER]]]: a complete valid $CONFIG.
write_config()
{
	{
		config_global "${1:-info}"
		config_body "${2:-1}" "${3:-wlc}"
	} >"$CONFIG"
}

# ---- the daemon ------------------------------------------------------------

LVSD_PID=
LVSD_MODE=
LVSD_ERR=
LVSD_RC=
_lvsd_runs=0

# True when the daemon answers `status` on $SOCK.
lvsd_answers()
{
	"$LVSCTL" -s "$SOCK" status >/dev/null 2>>"$T/lvsctl-poll.err"
}

# start_lvsd [-d] [EXTRA LVSD ARGS...]: start lvsd on $CONFIG with -p
# $PIDFILE -S $SOCK. Foreground (-n) by default, its stderr in $LVSD_ERR;
# with -d it daemonizes and LVSD_RC is the exit status of `lvsd`, whose
# stderr (the startup errors) is in $LVSD_ERR. Returns 0 once the daemon
# answers on its socket, else 1. Sets LVSD_PID.
start_lvsd()
{
	local mode=fg

	if [ "${1:-}" = -d ]; then
		mode=daemon
		shift
	fi
	_lvsd_runs=$((_lvsd_runs + 1))
	LVSD_ERR=$T/lvsd.$_lvsd_runs.err
	LVSD_MODE=$mode
	LVSD_PID=
	LVSD_RC=
	if [ "$mode" = fg ]; then
		"$LVSD" -n -f "$CONFIG" -p "$PIDFILE" -S "$SOCK" "$@" \
			</dev/null >"$T/lvsd.$_lvsd_runs.out" 2>"$LVSD_ERR" &
		LVSD_PID=$!
		track "$LVSD_PID"
		wait_for 20 _up_or_dead "$LVSD_PID"
		if lvsd_answers; then
			return 0
		fi
		diag "lvsd -n did not come up"
		diag_file "$LVSD_ERR"
		return 1
	fi
	# The daemon's stderr is /dev/null once it runs: its sanitizer
	# reports go to $T/sanitizer.PID instead.
	ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$T/sanitizer" \
	UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$T/sanitizer" \
		timeout 30 "$LVSD" -f "$CONFIG" -p "$PIDFILE" -S "$SOCK" "$@" \
		</dev/null >"$T/lvsd.$_lvsd_runs.out" 2>"$LVSD_ERR"
	LVSD_RC=$?
	LVSD_PID=$(cat "$PIDFILE" 2>/dev/null)
	[ -z "$LVSD_PID" ] || track "$LVSD_PID"
	[ "$LVSD_RC" -eq 0 ] && lvsd_answers
}

_up_or_dead() { lvsd_answers || dead "$1"; }

# stop_lvsd [SIGNAL [DESC]]: send SIGNAL (default TERM) to the daemon and
# wait (bounded) for it to exit; one test point: it exited within 10 s,
# with status 0 (foreground only: a daemon is not our child) and without a
# sanitizer report. Returns 0 if all of that holds.
stop_lvsd()
{
	local sig=${1:-TERM} desc=${2:-"lvsd stops on SIG${1:-TERM}"} problems=()

	LVSD_RC=
	if [ -z "$LVSD_PID" ] || dead "$LVSD_PID"; then
		problems+=("lvsd (pid ${LVSD_PID:-?}) was no longer running")
	else
		kill -s "$sig" "$LVSD_PID"
		if ! wait_for 10 dead "$LVSD_PID"; then
			problems+=("still running 10 s after SIG$sig; killed")
			kill -KILL "$LVSD_PID" 2>/dev/null
		fi
	fi
	if [ "$LVSD_MODE" = fg ] && [ -n "$LVSD_PID" ]; then
		wait "$LVSD_PID" 2>/dev/null
		LVSD_RC=$?
		[ "$LVSD_RC" -eq 0 ] || problems+=("exit status $LVSD_RC")
	fi
	if grep -qE -- "$SANITIZER_RE" "$LVSD_ERR" 2>/dev/null ||
	   grep -qsE -- "$SANITIZER_RE" "$T/sanitizer.$LVSD_PID"; then
		problems+=("sanitizer report")
	fi
	if [ ${#problems[@]} -eq 0 ]; then
		pass "$desc"
		return 0
	fi
	fail "$desc" "${problems[@]}"
	if grep -qE -- "$SANITIZER_RE" "$LVSD_ERR" 2>/dev/null; then
		diag_sanitizer "$LVSD_ERR"
	else
		diag "the daemon's stderr ends:"
		tail -n 15 "$LVSD_ERR" 2>/dev/null | cut -c1-300 | sed 's/^/#   /'
	fi
	[ ! -e "$T/sanitizer.$LVSD_PID" ] || diag_sanitizer "$T/sanitizer.$LVSD_PID"
	return 1
}

# ---- the control socket ----------------------------------------------------

# CTL_* are read by the test scripts.
# shellcheck disable=SC2034
CTL_RC='' CTL_OUT='' CTL_ERR=''
_ctl_runs=0

# ctl ARGS...: run lvsctl -s $SOCK ARGS (bounded). Sets CTL_RC, CTL_OUT
# (stdout), CTL_ERR (stderr); stdout is also in $T/ctl.out. Returns CTL_RC.
ctl()
{
	_ctl_runs=$((_ctl_runs + 1))
	timeout 40 "$LVSCTL" -s "$SOCK" "$@" >"$T/ctl.out" 2>"$T/ctl.$_ctl_runs.err"
	CTL_RC=$?
	# shellcheck disable=SC2034
	CTL_OUT=$(cat "$T/ctl.out")
	# shellcheck disable=SC2034
	CTL_ERR=$(cat "$T/ctl.$_ctl_runs.err")
	return "$CTL_RC"
}

# hold_client SOCKET BYTES: a client that connects, sends BYTES (maybe
# none, maybe half a request) and then stays, silent, for up to 60 s. Its
# command line names SOCKET, so the cleanup finds it if the test does not.
hold_client()
{
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode())
time.sleep(60)
' "$1" "$2" </dev/null >/dev/null 2>&1 &
	track $!
}

# Fetch `status --json` into FILE (default $T/status-live.json). 0 if
# lvsctl exited 0.
status_json()
{
	local file=${1:-$T/status-live.json}

	ctl status --json || return 1
	cp "$T/ctl.out" "$file"
}

# json_get FILE EXPR...: print each Python expression over the document d
# (strings bare, everything else as JSON). Non-zero if FILE is not JSON.
json_get()
{
	python3 - "$@" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
for expr in sys.argv[2:]:
    v = eval(expr, {"d": d})
    print(v if isinstance(v, str) else json.dumps(v))
EOF
}

json_valid() { python3 -c 'import json,sys; json.load(sys.stdin)' <"$1"; }

# Exit 0 if FILE is a status object with every key of DESIGN.md's status
# contract that the daemon implements; prints what is missing or wrong.
status_contract()
{
	python3 - "$1" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
bad = []
def need(obj, key, types, where, check=None):
    if not isinstance(obj, dict) or key not in obj:
        bad.append("%s: missing key %s" % (where, key))
        return None
    v = obj[key]
    if not isinstance(v, types) or isinstance(v, bool) and bool not in types:
        bad.append("%s.%s: %r has the wrong type" % (where, key, v))
        return None
    if check and not check(v):
        bad.append("%s.%s: %r is not a valid value" % (where, key, v))
    return v
S, I, L = (str,), (int,), (list,)
need(d, "version", S, "status", lambda v: v != "")
need(d, "forwarding_core", S, "status")
need(d, "config_file", S, "status", lambda v: v != "")
for i, v in enumerate(need(d, "vrrp", L, "status") or []):
    w = "vrrp[%d]" % i
    need(v, "name", S, w)
    need(v, "state", S, w, lambda s: s in ("INIT", "BACKUP", "MASTER", "FAULT"))
    need(v, "priority", I, w, lambda p: 1 <= p <= 255)
    need(v, "effective_priority", I, w, lambda p: 0 <= p <= 255)
    need(v, "master", (str, type(None)), w)
for i, s in enumerate(need(d, "virtual_services", L, "status") or []):
    w = "virtual_services[%d]" % i
    need(s, "name", S, w)
    if "fwmark" not in s:
        need(s, "address", S, w)
    need(s, "protocol", S, w, lambda p: p in ("tcp", "udp"))
    need(s, "scheduler", S, w)
    for k, r in enumerate(need(s, "real_servers", L, w) or []):
        x = "%s.real_servers[%d]" % (w, k)
        need(r, "address", S, x)
        need(r, "weight", I, x)
        need(r, "effective_weight", I, x)
        need(r, "check", S, x)
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
}

# ---- the log ---------------------------------------------------------------

# log_has ERE [FILE]: some line of the log (default $LOG) matches.
log_has() { grep -Eq -- "$1" "${2:-$LOG}" 2>/dev/null; }

# wait_log ERE [SECONDS [FILE]]: poll until the log has a matching line.
wait_log() { wait_for "${2:-5}" log_has "$1" "${3:-$LOG}"; }

# log_count ERE [FILE]: number of matching lines.
log_count() { grep -Ec -- "$1" "${2:-$LOG}" 2>/dev/null || true; }

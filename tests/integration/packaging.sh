#!/usr/bin/env bash
#
# packaging.sh - what ships beside the binaries works with them: the
# systemd unit (etc/lvsd.service.in) passes `systemd-analyze verify`, and
# its ExecStart, PIDFile, Environment and ExecReload, run as systemd runs
# them, start a daemon that is up when the command returns, name its pid,
# reload it and report a bad file; the logrotate snippet
# (etc/lvsd.logrotate.in), run by logrotate itself, rotates a running
# daemon's log and the daemon goes on writing in the new file; the
# README starts with the two commands of a fresh machine, and every
# ```yaml block in it is a whole configuration that passes `lvsd -t`.

. "$(dirname "$0")/lib.sh"

UNIT_IN=$top_srcdir/etc/lvsd.service.in
ROTATE_IN=$top_srcdir/etc/lvsd.logrotate.in
bindir=$(cd "$(dirname "$LVSD")" && pwd)
[ "$(cd "$(dirname "$LVSCTL")" && pwd)" = "$bindir" ] ||
	bail_out "LVSD and LVSCTL must be in one directory, as sbindir holds them"

# The template with this run's paths: sbindir is the build's, sysconfdir
# and rundir are in $T.
subst() { sed -e "s|@sbindir@|$bindir|g" -e "s|@sysconfdir@|$T/etc|g" -e "s|@rundir@|$T/run|g" "$1"; }

mkdir -p "$T/etc/lvsd" "$T/run" "$T/log" "$T/man/man5" "$T/man/man8"
subst "$UNIT_IN" >"$T/lvsd.service"

# ---- the unit as systemd reads it ------------------------------------------

# What make built for installation has every @name@ replaced.
built=$top_builddir/lvsd.service
if [ -f "$built" ]; then
	unlike "$(cat "$built")" '@[a-z]+@' "the built lvsd.service has every path filled in"
else
	fail "make built lvsd.service" "no $built"
fi

if command -v systemd-analyze >/dev/null; then
	# Documentation= names the man pages: give man a MANPATH that has them.
	cp "$top_srcdir"/man/*.8 "$T/man/man8/" && cp "$top_srcdir"/man/*.5 "$T/man/man5/"
	MANPATH=$T/man timeout 60 systemd-analyze verify "$T/lvsd.service" \
		>"$T/verify.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$T/verify.out" ]; then
		pass "systemd-analyze verify accepts the unit, its commands and its man pages"
	else
		fail "systemd-analyze verify accepts the unit" "exit status $rc"
		diag_file "$T/verify.out"
	fi
else
	skip "systemd-analyze verify accepts the unit" "no systemd-analyze"
fi

# unit_value KEY: the value of KEY= in the unit's [Service] section.
unit_value() { sed -n "/^\[Service\]/,/^\[/s/^$1=//p" "$T/lvsd.service" | head -n 1; }

is "$(unit_value Type)" forking "the unit is Type=forking (lvsd exits its first process once up)"
pidfile=$(unit_value PIDFile)
read -r -a exec_start <<<"$(unit_value ExecStart)"
read -r -a exec_reload <<<"$(unit_value ExecReload)"
envline=$(unit_value Environment)
sock=${envline#LVSD_SOCKET=}

# The configuration the unit names, with the socket the unit's
# Environment gives lvsctl, and a log file for logrotate below.
CONFIG=$T/etc/lvsd/lvsd.yaml
LOG=$T/log/lvsd.log
write_config
sed -i "s|^  log_file: .*|  log_file: $LOG\n  control_socket: $sock|" "$CONFIG"

# ExecStart as systemd runs it: it must return 0 only once the daemon is
# up, with the pidfile already naming the daemon.
ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$T/sanitizer" \
UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$T/sanitizer" \
	timeout 30 "${exec_start[@]}" </dev/null >"$T/start.out" 2>"$T/start.err"
rc=$?
LVSD_PID=$(cat "$pidfile" 2>/dev/null)
LVSD_MODE=daemon
LVSD_ERR=$T/start.err
[ -z "$LVSD_PID" ] || track "$LVSD_PID"
if [ "$rc" -eq 0 ] && alive "$LVSD_PID" &&
   [ "$(readlink "/proc/$LVSD_PID/exe")" = "$(readlink -f "$LVSD")" ]; then
	pass "ExecStart returns 0 with PIDFile naming the running lvsd"
else
	fail "ExecStart returns 0 with PIDFile naming the running lvsd" \
		"exit status $rc, pidfile '$pidfile' holds '${LVSD_PID:-nothing}'"
	diag_file "$T/start.err"
	bail_out "the daemon did not start as the unit starts it"
fi
if "$LVSCTL" -s "$sock" status >/dev/null 2>&1; then
	pass "the daemon answers on the unit's LVSD_SOCKET at once"
else
	fail "the daemon answers on the unit's LVSD_SOCKET at once"
fi

# ExecReload as systemd runs it, with the unit's environment.
env "$envline" timeout 40 "${exec_reload[@]}" >"$T/reload.out" 2>"$T/reload.err"
is "$?" 0 "ExecReload (lvsctl reload) with the unit's LVSD_SOCKET: exit status 0"
cp "$CONFIG" "$T/good.yaml"
sed -i 's/^    scheduler: .*/    scheduler: nope/' "$CONFIG"
env "$envline" timeout 40 "${exec_reload[@]}" >"$T/reload.out" 2>"$T/reload.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -qE "^$CONFIG:[0-9]+:[0-9]+: .*nope" "$T/reload.err"; then
	pass "ExecReload on a bad file fails (so systemctl reload does) with FILE:LINE:COL errors"
else
	fail "ExecReload on a bad file fails with FILE:LINE:COL errors" "exit status $rc"
	diag_file "$T/reload.err"
fi
cp "$T/good.yaml" "$CONFIG"
if alive "$LVSD_PID" && "$LVSCTL" -s "$sock" status >/dev/null 2>&1; then
	pass "the daemon still serves after the refused reload"
else
	fail "the daemon still serves after the refused reload"
fi

# ---- logrotate -------------------------------------------------------------

if command -v logrotate >/dev/null && [ "$(id -u)" = 0 ]; then
	subst "$ROTATE_IN" | sed -e "s|/var/log/lvsd.log|$LOG|g" >"$T/logrotate.conf"
	# The snippet creates the new file for group adm, which Debian has.
	getent group adm >/dev/null || sed -i 's/ root adm$/ root root/' "$T/logrotate.conf"
	grep -q "started" "$LOG" || fail "lvsd logs to $LOG before the rotation"
	timeout 60 logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf" \
		>"$T/logrotate.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "started" "$LOG.1"; then
		pass "logrotate rotates the log with the snippet (the old lines are in lvsd.log.1)"
	else
		fail "logrotate rotates the log with the snippet" "exit status $rc"
		diag_file "$T/logrotate.out"
	fi
	wait_for 10 grep -q "SIGUSR2: reopened log file $LOG" "$LOG"
	like "$(cat "$LOG" 2>/dev/null)" "SIGUSR2: reopened log file" \
		"the snippet's postrotate makes lvsd reopen its log (SIGUSR2 through the pidfile)"
	before=$(grep -c "reloaded" "$LOG.1")
	"$LVSCTL" -s "$sock" reload >/dev/null 2>&1
	wait_for 10 grep -q "reloaded" "$LOG"
	if grep -q "reloaded" "$LOG" && [ "$(grep -c "reloaded" "$LOG.1")" = "$before" ]; then
		pass "after the rotation lvsd writes to the new file only"
	else
		fail "after the rotation lvsd writes to the new file only"
		diag_file "$LOG"
	fi
else
	skip "logrotate rotates lvsd's log with the snippet" "needs logrotate and root"
fi

# KillMode=mixed: SIGTERM to the main pid; it stops and removes the pidfile.
stop_lvsd TERM "lvsd stops on the unit's SIGTERM"
if [ ! -e "$pidfile" ]; then
	pass "the pidfile is gone after the stop"
else
	fail "the pidfile is gone after the stop"
fi

# ---- the README ------------------------------------------------------------

README=$top_srcdir/README.md
first_block=$(awk '/^```/ { if (on) exit; on = 1; next } on' "$README")
if grep -qx 'tools/dev demo .*' <<<"$first_block" &&
   grep -qx 'tools/dev test .*' <<<"$first_block" &&
   [ "$(grep -c . <<<"$first_block")" -eq 2 ]; then
	pass "README's first commands are tools/dev demo and tools/dev test"
else
	fail "README's first commands are tools/dev demo and tools/dev test" "$first_block"
fi

# Each ```yaml block is a whole file; fragments are fenced otherwise.
awk -v dir="$T" '
	/^```yaml[ \t]*$/ { n++; f = dir "/readme" n ".yaml"; printf "" > f; on = 1; next }
	on && /^```/ { on = 0; close(f); next }
	on { print > f }' "$README"
shopt -s nullglob
blocks=("$T"/readme*.yaml)
shopt -u nullglob
if [ ${#blocks[@]} -ge 3 ]; then
	pass "README has ${#blocks[@]} YAML configurations"
else
	fail "README has YAML configurations" "found ${#blocks[@]} yaml blocks"
fi
for f in "${blocks[@]}"; do
	timeout 20 "$LVSD" -t -f "$f" >"$T/t.out" 2>"$T/t.err"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "README's YAML block ${f##*/readme} passes lvsd -t"
	else
		fail "README's YAML block ${f##*/readme} passes lvsd -t" "exit status $rc"
		diag_file "$f" 8
		diag_file "$T/t.err"
	fi
done

done_testing

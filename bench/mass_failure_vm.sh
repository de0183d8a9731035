#!/usr/bin/env bash
#
# mass_failure_vm.sh - what a mass failure costs when the kernel's IPVS is
# the forwarding table: N real servers of one service stop answering at
# once (their switch died), and the daemon must see it and set each one's
# weight to 0 in the kernel, one netlink edit per real server, while its
# checks of the others go on. lvsd (forwarding_core: ipvs) against
# keepalived 2.2 (-C, checkers only), one after the other, on the same
# servers, inside the kernel test VM (tests/vm/vm.sh), since both need
# the kernel's IPVS. bench/mass_failure.sh asks the same of lvsd's loop
# with the userspace core, where an edit costs next to nothing.
#
# Usage: bench/mass_failure_vm.sh BUILD_DIR
#   BUILD_DIR holds src/lvsd and src/lvsctl, built WITHOUT sanitizers (as
#   for bench/checks.sh), and bench/ipvs_wait (made here when it is
#   missing or older than its source).
#
# Debian packages (on the host: the VM's root is the host's):
#   keepalived nginx-light libnginx-mod-stream jq ipvsadm, and what
#   tests/vm/vm.sh needs (qemu-system-x86, busybox-static, linux-image-amd64)
#
# What runs inside the VM, all on 127.0.0.1, one daemon at a time (the
# IPVS table is flushed, ipvsadm -C, before each):
#   - the real servers: N listeners, ports BASE..BASE+N-1, in one nginx
#     with one worker (a `stream` server that writes "ok" and closes, as in
#     bench/checks_vm.sh), in a process group of its own;
#   - lvsd: forwarding_core ipvs, one service 10.255.0.2:80 (nat, rr) of
#     the N real servers at weight 1, `check: {type: tcp, interval: 1,
#     timeout: 1, rise: 2, fall: 3}`, `on_failure: quiesce`, log_level
#     debug (for its own timing of each pass over the kernel's table);
#   - keepalived -C: one virtual_server 10.255.0.1:80 (NAT, rr) of the
#     same real servers at weight 1, `delay_loop 1`, TCP_CHECK with
#     `connect_timeout 1 retry 2 delay_before_retry 1` (retry 2 is fall 3;
#     keepalived has no rise: one good probe brings a server back), and
#     `inhibit_on_failure` (a failed server stays at weight 0, as lvsd's
#     quiesce, instead of leaving the table).
# A run: start the daemon; wait until the kernel's table holds the N real
# servers at weight 1 (and, for lvsd, its status shows all healthy with 2
# probes or more); WARMUP seconds (the daemon's steady CPU is read over
# them); then
#   - failure: SIGKILL to nginx's process group (every port refuses at
#     once), and bench/ipvs_wait -n N polls the kernel's table (one
#     generic netlink dump of the service's real servers every POLL_MS,
#     at idle priority, so that it takes no CPU the daemon wants: it runs
#     when the daemon sleeps, i.e. when its work is done or waits) until
#     the N real servers are at weight 0. The kernel itself dates each
#     edit: ftrace's function tracer on ip_vs_edit_dest, where a weight
#     change lands whichever interface the daemon uses (the caller is
#     shown), with a marker written just before the kill. Reported, from
#     the kill: the first and the last edit (kernel) and how many; when
#     the poller first saw one at 0 and all (a daemon that keeps the CPU
#     from its first edit to its last starves the poller, which then
#     sees them all at once: its "first" is then late, its "all" right
#     within a poll); the daemon's CPU time (utime + stime of all its
#     processes, /proc/PID/stat) from the kill until all were at 0;
#   - recovery (RECOVER=1): SETTLE seconds later nginx starts again, and
#     the same from its start until all N are back at weight 1 (this
#     includes nginx opening its N listeners; keepalived takes a server
#     back on its first good probe, lvsd after rise 2, one interval more);
#   - for lvsd, its own check_late_max_ms (the most any probe started
#     behind its schedule, since its start; the largest over all real
#     servers), read before the kill, after all were at 0 and after the
#     recovery; since it counts from lvsd's start (which is itself
#     late: loading N checks and the table), a window shows where it rose:
#     the real servers whose own late max rose in it, and the largest
#     new value, i.e. a check held up while the kernel was edited;
#     and from its debug log, the passes over the table in the window:
#     how many, the real servers they changed, and the time lvsd took for
#     them ("read in X ms ..., diff and edits in Y ms"), summed: Y over the
#     real servers changed is what one netlink edit costs in the VM. The
#     kernel core's repair pass (every 2 s a read of the whole table, in
#     steps, its lines "read back in steps") is part of lvsd's CPU, and
#     counted here only when it changed something;
#   - for keepalived, its own lateness: the lines "A thread timer expired
#     X seconds ago" it logs when its loop runs a timer late, from the
#     kill until all were at 0 (and from its start to the kill).
# The script runs at nice 19 in the VM and its queries (lvsctl, jq, the
# poller) at idle priority, so that they take next to nothing of the VM's
# one CPU from the daemon (reading lvsd's log at normal priority right
# after a failure made its probes up to 0.5 s late); what it measures
# (nginx, the daemons, ipvsadm) runs at nice 0. keepalived logs to its
# stderr only (-l -G): with syslog on and no syslog daemon in the VM it
# also wrote every line to the VM's emulated serial console, which cost
# it much of the CPU in the first runs.
# It also times one `ipvsadm -Ln -t VIP:PORT` of the N real servers and
# gives ipvs_wait's mean cost per poll (both the VM's CPU), to show what a
# poll costs. REPS runs of each, interleaved, medians; the ratio column is
# keepalived over lvsd (above 1: keepalived takes longer or more CPU).
#
# The VM is emulated (TCG) unless /dev/kvm works: everything is slower
# than on the host, the same for both daemons.
#
# Environment: N=1000 BASE_PORT=20000 REPS=3 WARMUP=10 SETTLE=5
#   RECOVER=1 CHECKERS="keepalived lvsd" POLL_MS=50 LVSD_LOG=debug (info:
#   no timing of lvsd's passes, and no debug line per probe, which costs
#   lvsd some CPU) READY_WAIT=300 (seconds
#   for a daemon to load its table: keepalived is slow to start with many
#   real servers under TCG) FAIL_WAIT=60 (seconds for all to be at 0, or
#   back) KEEP=DIR (keep the VM's work files: configurations, logs) and
#   the VM's own settings (VM_SMP=1, VM_MEM=1G, VM_TIMEOUT: computed from
#   the above unless set).
# Every wait is bounded; the VM powers off when the run ends, taking
# everything it ran; it writes nothing into the source tree.

set -u
export LC_ALL=C
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

N=${N:-1000}
BASE=${BASE_PORT:-20000}
REPS=${REPS:-3}
WARMUP=${WARMUP:-10}
SETTLE=${SETTLE:-5}
RECOVER=${RECOVER:-1}
CHECKERS=${CHECKERS:-keepalived lvsd}
POLL_MS=${POLL_MS:-50}
READY_WAIT=${READY_WAIT:-300}
FAIL_WAIT=${FAIL_WAIT:-60}
LVSD_LOG=${LVSD_LOG:-debug}
KEEP=${KEEP:-}
LAST=$((BASE + N - 1))
KA_VIP=10.255.0.1:80
LVSD_VIP=10.255.0.2:80

die() { echo "mass_failure_vm.sh: $*" >&2; exit 2; }

SELF=$(cd "$(dirname "$0")" && pwd -P)/$(basename "$0")
SRC=$(cd "$(dirname "$0")/.." && pwd -P)

# ---- inside the VM ---------------------------------------------------------------

HZ=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# cpu_ticks: utime + stime of all the daemon's processes (CPIDS).
cpu_ticks()
{
	local p t=0

	for p in "${CPIDS[@]}"; do t=$((t + $(ticks "$p"))); done
	echo "$t"
}
ms_of_ticks() { awk -v t="$1" -v hz="$HZ" 'BEGIN { printf "%.0f", t * 1000 / hz }'; }
ports_taken()
{
	ss -Hltn 2>/dev/null | awk -v lo="$BASE" -v hi="$LAST" '{
		n = split($4, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) c++ } END { print c + 0 }'
}

# The script itself runs at nice 19 in the VM (guest() puts it there), so
# that its own work (reading the logs and the trace with awk) takes
# little of the VM's one CPU from the daemon it watches: as in
# bench/checks_vm.sh, a query at normal priority delays the daemon's
# probes (here, reading lvsd's log right after a failure made its probes
# up to 0.5 s late). Not SCHED_IDLE: a daemon that keeps the CPU busy
# (keepalived, at N=1000) would starve it for good. Its queries of the
# daemon (lvsctl, jq, the poller) run at idle priority (observe). What it
# starts to be measured (nginx, the daemons, ipvsadm) runs at nice 0
# (nice0), and so does the script itself from just before an
# event's t0 to the kill or the start (at_normal / at_idle), so that
# nothing comes between the two.
# nice0: the adjustment to nice 0 from wherever the script is. Used as
# `nice -n "$(nice0)" CMD`, not in a function, so that CMD & is CMD's pid.
nice0() { echo $((-$(nice))); }
at_normal() { renice -n 0 -p $$ >/dev/null; }
at_idle() { renice -n 19 -p $$ >/dev/null; }
observe() { chrt --idle 0 "$@"; }

# The kernel's own record of the edits: ftrace's function tracer on
# ip_vs_edit_dest (where a weight change lands, by generic netlink or by
# the old setsockopt), timestamped in the kernel at next to no cost, with
# a marker written just before the kill. It dates the first and the last
# edit exactly, whoever holds the CPU: the idle-priority poller cannot
# run while a daemon keeps the CPU busy from its first edit to its last,
# and then sees them all at once. TRACE=0 where tracefs is missing.
TR=/sys/kernel/tracing
trace_setup()
{
	TRACE=0
	[ -f "$TR/trace" ] || mount -t tracefs nodev "$TR" 2>/dev/null
	if [ -f "$TR/set_ftrace_filter" ] && echo 0 >"$TR/tracing_on" && echo mono >"$TR/trace_clock" &&
	   echo $((N / 8 + 1024)) >"$TR/buffer_size_kb" && echo ip_vs_edit_dest >"$TR/set_ftrace_filter" &&
	   echo function >"$TR/current_tracer"; then
		TRACE=1
	else
		say "no function tracer on ip_vs_edit_dest in the VM: first and last edit from the poller only"
	fi
}
trace_start() { [ "$TRACE" = 1 ] && : >"$TR/trace" && echo 1 >"$TR/tracing_on" && echo mass_failure_vm_t0 >"$TR/trace_marker"; }
trace_stop() { [ "$TRACE" = 1 ] && echo 0 >"$TR/tracing_on"; }
# trace_edits: "EDITS FIRST_MS LAST_MS CALLER" since the marker.
trace_edits()
{
	[ "$TRACE" = 1 ] || { echo "- - - -"; return; }
	awk '/^#/ { next }
		{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { t = substr($i, 1, length($i) - 1); break } }
		/tracing_mark_write: mass_failure_vm_t0/ { t0 = t; next }
		t0 != "" && / ip_vs_edit_dest / {
			n++; if (n == 1) { first = t; caller = $NF; sub(/^<-/, "", caller) } last = t }
		END {
			if (t0 == "" || !n) { print "0 - - -"; exit }
			printf "%d %.1f %.1f %s\n", n, (first - t0) * 1000, (last - t0) * 1000, caller }' "$TR/trace"
}

write_nginx_conf()
{
	mkdir -p "$G/nginx/logs"
	{
		echo "load_module $NGX_STREAM;"
		printf 'user root;\nworker_processes 1;\nworker_rlimit_nofile %d;\n' $((N + 10000))
		printf 'pid %s/nginx/nginx.pid;\nerror_log %s/nginx/logs/error.log warn;\n' "$G" "$G"
		printf 'events { worker_connections %d; }\n' $((N + 9000))
		printf 'stream {\n  server {\n    return "ok\\n";\n'
		listen_lines '    listen 127.0.0.1:%d;'
		printf '  }\n}\n'
	} >"$G/nginx/nginx.conf"
}

# start_servers: nginx in a process group of its own (setsid: its pid is
# the group's), so that one SIGKILL stops the master and the worker at once.
start_servers()
{
	nice -n "$(nice0)" setsid nginx -p "$G/nginx" -e "$G/nginx/logs/error.log" -c "$G/nginx/nginx.conf" \
		-g 'daemon off;' >>"$G/nginx/out" 2>&1 &
	NGINX_PID=$!
}

wait_servers()
{
	for _ in $(seq 600); do
		[ "$(ports_taken)" -ge "$N" ] && return 0
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.1
	done
	die "nginx did not open its $N listeners: $(tail -n 3 "$G/nginx/out" "$G/nginx/logs/error.log")"
}

# kill_servers: the mass failure; the caller notes the time just before.
kill_servers()
{
	kill -KILL -- "-$NGINX_PID" 2>/dev/null
	wait "$NGINX_PID" 2>/dev/null
}

start_lvsd()
{
	local d=$G/lvsd

	mkdir -p "$d"
	rm -f "$d/lvsd.log"
	{
		printf 'global:\n  router_id: bench\n  log_file: %s/lvsd.log\n  log_level: %s\n' "$d" "$LVSD_LOG"
		printf '  control_socket: %s/lvsd.sock\n  forwarding_core: ipvs\n' "$d"
		printf 'virtual_services:\n  - name: mass\n    address: %s\n' "$LVSD_VIP"
		printf '    protocol: tcp\n    scheduler: rr\n    forwarding: nat\n    on_failure: quiesce\n'
		printf '    check: {type: tcp, interval: 1, timeout: 1, rise: 2, fall: 3}\n'
		printf '    real_servers:\n'
		listen_lines '      - {address: 127.0.0.1:%d, weight: 1}'
	} >"$d/lvsd.yaml"
	nice -n "$(nice0)" "$LVSD" -n -f "$d/lvsd.yaml" -p "$d/lvsd.pid" -S "$d/lvsd.sock" >>"$d/out" 2>&1 &
	CPIDS=($!)
	VIP=$LVSD_VIP LOGF=$d/lvsd.log
}

start_keepalived()
{
	local d=$G/keepalived

	mkdir -p "$d"
	{
		printf 'global_defs {\n  router_id bench\n}\n'
		printf 'virtual_server %s %s {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n' \
			"${KA_VIP%:*}" "${KA_VIP#*:}"
		awk -v lo="$BASE" -v hi="$LAST" 'BEGIN {
			for (p = lo; p <= hi; p++) {
				printf "  real_server 127.0.0.1 %d {\n    weight 1\n    inhibit_on_failure\n", p
				printf "    TCP_CHECK {\n      connect_timeout 1\n      retry 2\n      delay_before_retry 1\n    }\n  }\n"
			}
			printf "}\n" }'
	} >"$d/keepalived.conf"
	rm -f "$d"/*.pid
	nice -n "$(nice0)" keepalived -C -n -l -G -f "$d/keepalived.conf" -p "$d/keepalived.pid" \
		-c "$d/checkers.pid" >>"$d/out" 2>&1 &
	CPIDS=($!)
	VIP=$KA_VIP LOGF=$d/out
	for _ in $(seq 300); do
		[ -s "$d/checkers.pid" ] && break
		kill -0 "${CPIDS[0]}" 2>/dev/null || die "keepalived is gone: $(tail -n 5 "$d/out")"
		sleep 0.1
	done
	[ -s "$d/checkers.pid" ] || die "keepalived started no checker process: $(tail -n 5 "$d/out")"
	CPIDS+=("$(cat "$d/checkers.pid")")
}

# lvsd_status [NAME]: "HEALTHY_WITH_2_PROBES LATE_MAX_MS" from lvsd's
# status; each real server's "ADDRESS LATE_MAX_MS" kept in $G/late-NAME.
lvsd_status()
{
	observe timeout 120 "$LVSCTL" -s "$G/lvsd/lvsd.sock" status --json 2>/dev/null |
		observe jq -r '.virtual_services[0].real_servers[] |
			"\(.address) \(.check_late_max_ms) \(.healthy) \(.check_probes)"' \
		>"$G/late-${1:-now}" 2>/dev/null
	awk '$3 == "true" && $4 >= 2 { h++ } $2 > m { m = $2 } END { print h + 0, (NR ? m : "-") }' "$G/late-${1:-now}"
}

# late_rise BEFORE AFTER: "SERVERS LARGEST_MS": lvsd's late max is since
# its start, so a window shows only where it rose: the real servers whose
# late max is higher AFTER than BEFORE, and the largest such new value.
late_rise()
{
	awk 'NR == FNR { a[$1] = $2; next }
		($1 in a) && $2 > a[$1] { n++; if ($2 > m) m = $2 }
		END { print n + 0, m + 0 }' "$G/late-$1" "$G/late-$2"
}

# wait_table WEIGHT SECONDS [T0]: poll until the N real servers are at
# WEIGHT; prints "FIRST_MS ALL_MS" (from T0, $EPOCHREALTIME, when given).
# ipvs_wait's own words (the polls' cost) go to $G/poll.err.
wait_table()
{
	observe "$WAITER" -v -t "$2" -i "$POLL_MS" ${3:+-T "$3"} -n "$N" - "$VIP" all "$1" 2>"$G/poll.err"
}

# ready CHECKER: the table holds the N real servers at weight 1 (and lvsd
# says all are healthy, checked twice).
ready()
{
	local t0=$SECONDS h

	wait_table 1 "$READY_WAIT" >/dev/null ||
		die "$1: the kernel's table does not hold its $N real servers at weight 1 after" \
		    "${READY_WAIT}s: $(cat "$G/poll.err")"
	[ "$1" = lvsd ] || return 0
	while [ $((SECONDS - t0)) -lt "$READY_WAIT" ]; do
		kill -0 "${CPIDS[0]}" 2>/dev/null || die "lvsd is gone: $(tail -n 5 "$G/lvsd/out")"
		read -r h _ <<<"$(lvsd_status)"
		[ "$h" = "$N" ] && return 0
		sleep 2
	done
	die "lvsd: $h of $N servers healthy after ${READY_WAIT}s"
}

# lvsd_passes FROM TO: "PASSES CHANGED EDIT_MS READ_MS MS_PER_EDIT
# MS_PER_PASS" over lvsd's passes over the table that changed something,
# logged in lines FROM+1..TO of its log (each pass logs its count, then
# its timing): how many, the real servers they changed, their "diff and
# edits" and "read in" times summed, and a least-squares line through
# (changed, diff and edits) of each pass: its slope is what one netlink
# edit costs, its intercept what a pass costs besides (the diff over all
# N real servers).
lvsd_passes()
{
	sed -n "$(($1 + 1)),$2p" "$G/lvsd/lvsd.log" | awk '
		/forwarding table: services/ || /changed outside lvsd/ {
			cur = 0
			if (match($0, /real servers \+[0-9]+ ~[0-9]+ -[0-9]+/)) {
				split(substr($0, RSTART + 13, RLENGTH - 13), f, " ")
				cur = substr(f[1], 2) + substr(f[2], 2) + substr(f[3], 2)
			}
			changed += cur
		}
		/forwarding table: read in / && cur > 0 {
			passes++
			r = e = 0
			if (match($0, /read in [0-9.]+ ms/)) r = substr($0, RSTART + 8, RLENGTH - 11)
			if (match($0, /diff and edits in [0-9.]+ ms/)) e = substr($0, RSTART + 18, RLENGTH - 21)
			read += r; edit += e
			sx += cur; sy += e; sxx += cur * cur; sxy += cur * e
			cur = 0
		}
		END {
			if (!passes) { printf "- %d - - - -\n", changed; exit }	# log_level info: no timings
			d = passes * sxx - sx * sx
			if (passes < 2 || d <= 0) { slope = "-"; icpt = "-" }
			else { slope = sprintf("%.3f", (passes * sxy - sx * sy) / d); icpt = sprintf("%.1f", (sy - slope * sx) / passes) }
			printf "%d %d %.1f %.1f %s %s\n", passes, changed, edit, read, slope, icpt
		}'
}

# ka_late FROM TO: "COUNT MAX_MS" of keepalived's own lateness lines ("A
# thread timer expired X seconds ago": its loop ran a timer that late) in
# lines FROM+1..TO of its log.
ka_late()
{
	sed -n "$(($1 + 1)),$2p" "$G/keepalived/out" | awk '
		/thread timer expired/ { for (i = 1; i <= NF; i++) if ($i == "expired") { v = $(i + 1) * 1000; n++; if (v > m) m = v } }
		END { if (n) printf "%d %.0f\n", n, m; else print "0 0" }'
}

# log_lines: the lines in the daemon's log so far.
log_lines() { if [ -f "$LOGF" ]; then wc -l <"$LOGF"; else echo 0; fi; }

declare -A FIRST ALL CPU BASECPU LATE0 LATE1 LATE2 PASSES CHANGED EDITMS READMS PEREDIT
declare -A RFIRST RALL RCPU RPASSES REDITMS POLLUS IPVSADM
declare -A WIN CPUPCT RWIN RCPUPCT
declare -A RISEN RISE RRISEN RRISE SLOPE ICPT RSLOPE
declare -A KEDITS KFIRST KLAST KSPREAD RKFIRST RKLAST KALATE KALATEN KALATE0 CALLER

# event KIND C LABEL WEIGHT: the failure (KIND fail: kill the servers) or
# the recovery (KIND back: start them), timed until the N are at WEIGHT.
# Sets EV_FIRST EV_ALL (the poller's), EV_EDITS EV_KFIRST EV_KLAST
# EV_CALLER (the kernel's trace), EV_CPU, EV_PASSES EV_CHANGED EV_EDIT
# EV_READ (lvsd's log) and EV_LATEN EV_LATE (keepalived's log); for lvsd,
# its status just after, as $G/late-NAME (NAME: $5), and EV_STATUS.
event()
{
	local kind=$1 c=$2 c0 c1 l0 l1 t0 out

	l0=$(log_lines)
	c0=$(cpu_ticks)
	at_normal
	trace_start
	t0=$EPOCHREALTIME
	if [ "$kind" = fail ]; then kill_servers; else start_servers; fi
	at_idle
	out=$(wait_table "$4" "$FAIL_WAIT" "$t0") ||
		die "$c: $3: $(cat "$G/poll.err")"
	c1=$(cpu_ticks)
	EV_WIN=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
	trace_stop
	l1=$(log_lines)
	# lvsd's lateness first, so that the window ends as soon as possible
	EV_STATUS="- -"
	[ "$c" = lvsd ] && EV_STATUS=$(lvsd_status "$5")
	read -r EV_FIRST EV_ALL <<<"$out"
	read -r EV_EDITS EV_KFIRST EV_KLAST EV_CALLER <<<"$(trace_edits)"
	EV_CPU=$(ms_of_ticks $((c1 - c0)))
	# the CPU is read when the script runs again, which a busy daemon
	# delays: its share of the core over that window says more
	EV_CPUPCT=$(awk -v c="$EV_CPU" -v w="$EV_WIN" 'BEGIN { printf "%.0f", (w > 0 ? 100 * c / w : 0) }')
	POLLUS[x,$c]+="$(sed -n 's/.*polls of up to .* real servers, \([0-9]*\) us of CPU.*/\1/p' "$G/poll.err") "
	EV_PASSES=- EV_CHANGED=- EV_EDIT=- EV_READ=- EV_SLOPE=- EV_ICPT=- EV_LATEN=- EV_LATE=-
	if [ "$c" = lvsd ]; then
		read -r EV_PASSES EV_CHANGED EV_EDIT EV_READ EV_SLOPE EV_ICPT <<<"$(lvsd_passes "$l0" "$l1")"
	else
		read -r EV_LATEN EV_LATE <<<"$(ka_late "$l0" "$l1")"
	fi
	return 0
}

measure()
{
	local c=$1 b0 b1 h late0 late1 late2 t n m

	ipvsadm -C
	start_servers
	wait_servers
	start_"$c"
	ready "$c"
	b0=$(cpu_ticks) t=$EPOCHREALTIME
	sleep "$WARMUP"
	b1=$(cpu_ticks)
	# over the time that passed: a busy daemon delays the script's reading
	BASECPU[x,$c]+="$(awk -v t=$((b1 - b0)) -v hz="$HZ" -v a="$t" -v b="$EPOCHREALTIME" \
		'BEGIN { printf "%.1f", 100 * t / hz / (b - a) }') "
	if [ "$rep" = 1 ]; then
		# what one ipvsadm listing of the service costs (here, nothing else runs)
		t=$EPOCHREALTIME
		nice -n "$(nice0)" ipvsadm -Ln -t "$VIP" >/dev/null
		IPVSADM[x,$c]+="$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", (b - a) * 1000 }') "
	fi
	late0=-
	if [ "$c" = lvsd ]; then
		read -r h late0 <<<"$(lvsd_status before)"
		sleep 1	# the status query's own work is over before the clock starts
	else
		KALATE0[x,$c]+="$(ka_late 0 "$(log_lines)" | cut -d' ' -f2) "
	fi

	event fail "$c" "not all $N real servers at weight 0 ${FAIL_WAIT}s after the kill" 0 fail
	FIRST[x,$c]+="$EV_FIRST " ALL[x,$c]+="$EV_ALL " CPU[x,$c]+="$EV_CPU "
	WIN[x,$c]+="$EV_WIN " CPUPCT[x,$c]+="$EV_CPUPCT "
	KEDITS[x,$c]+="$EV_EDITS " KFIRST[x,$c]+="$EV_KFIRST " KLAST[x,$c]+="$EV_KLAST " CALLER[x,$c]=$EV_CALLER
	KSPREAD[x,$c]+="$(awk -v a="$EV_KFIRST" -v b="$EV_KLAST" 'BEGIN { if (a == "-") print "-"; else printf "%.1f", b - a }') "
	KALATEN[x,$c]+="$EV_LATEN " KALATE[x,$c]+="$EV_LATE "
	PASSES[x,$c]+="$EV_PASSES " CHANGED[x,$c]+="$EV_CHANGED " EDITMS[x,$c]+="$EV_EDIT " READMS[x,$c]+="$EV_READ "
	PEREDIT[x,$c]+="$(awk -v e="$EV_EDIT" -v n="$EV_CHANGED" 'BEGIN { if (e != "-" && n > 0) printf "%.3f", e / n; else print "-" }') "
	SLOPE[x,$c]+="$EV_SLOPE " ICPT[x,$c]+="$EV_ICPT "
	say "  $c fail: kernel: $EV_EDITS edits from ${EV_KFIRST} to ${EV_KLAST} ms ($EV_CALLER);" \
	    "poller: first ${EV_FIRST} ms, all ${EV_ALL} ms; CPU ${EV_CPU} ms;" \
	    "lvsd passes $EV_PASSES changed $EV_CHANGED edits ${EV_EDIT} ms read ${EV_READ} ms;" \
	    "keepalived late $EV_LATEN x, max $EV_LATE ms; $(cat "$G/poll.err")"
	late1=-
	if [ "$c" = lvsd ]; then
		read -r h late1 <<<"$EV_STATUS"
		read -r n m <<<"$(late_rise before fail)"
		RISEN[x,$c]+="$n " RISE[x,$c]+="$m "
	fi
	LATE0[x,$c]+="$late0 " LATE1[x,$c]+="$late1 "

	if [ "$RECOVER" = 1 ]; then
		sleep "$SETTLE"
		event back "$c" "not all $N real servers back at weight 1 ${FAIL_WAIT}s after nginx started" 1 back
		RFIRST[x,$c]+="$EV_FIRST " RALL[x,$c]+="$EV_ALL " RCPU[x,$c]+="$EV_CPU "
		RWIN[x,$c]+="$EV_WIN " RCPUPCT[x,$c]+="$EV_CPUPCT "
		RKFIRST[x,$c]+="$EV_KFIRST " RKLAST[x,$c]+="$EV_KLAST " RSLOPE[x,$c]+="$EV_SLOPE "
		RPASSES[x,$c]+="$EV_PASSES " REDITMS[x,$c]+="$EV_EDIT "
		say "  $c back: kernel: $EV_EDITS edits from ${EV_KFIRST} to ${EV_KLAST} ms;" \
		    "poller: first ${EV_FIRST} ms, all ${EV_ALL} ms; CPU ${EV_CPU} ms;" \
		    "lvsd passes $EV_PASSES changed $EV_CHANGED edits ${EV_EDIT} ms read ${EV_READ} ms;" \
		    "keepalived late $EV_LATEN x, max $EV_LATE ms"
		late2=-
		if [ "$c" = lvsd ]; then
			read -r h late2 <<<"$EV_STATUS"
			read -r n m <<<"$(late_rise fail back)"
			RRISEN[x,$c]+="$n " RRISE[x,$c]+="$m "
		fi
		LATE2[x,$c]+="$late2 "
	fi
	[ -n "$KEEP" ] && cp -r "$G/$c" "$G/keep-$c-$rep" 2>/dev/null
	stop_pids "${CPIDS[@]}"
	for t in "${CPIDS[@]}"; do wait "$t" 2>/dev/null; done
	kill_servers
	ipvsadm -C
}

# row LABEL ARRAY [max|min]: a line of the table (lib.sh's table_row).
row() { table_row lvsd 10 "$1" "$2" x "${3:-}"; }

guest()
{
	local c rep ka

	LVSD=$BUILD/src/lvsd LVSCTL=$BUILD/src/lvsctl WAITER=$BUILD/bench/ipvs_wait
	at_idle || die "renice cannot put the script at nice 19"
	G=$(mktemp -d /tmp/mass-vm.XXXXXX) || die "mktemp failed in the VM"
	ulimit -n $((N + 20000)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
	lsmod 2>/dev/null | grep -q '^ip_vs ' || modprobe ip_vs || die "no ip_vs in the VM"
	ka=$(keepalived -v 2>&1 | head -n1 | cut -d' ' -f2)
	say "in the VM: $(uname -r), $(nproc) CPU(s); keepalived $ka"
	write_nginx_conf
	trace_setup
	for rep in $(seq "$REPS"); do
		for c in $CHECKERS; do measure "$c"; done
	done
	{
		echo "mass failure of $N real servers (tcp checks every 1 s, fall 3) inside the test VM, kernel IPVS:"
		echo "lvsd (ipvs core, quiesce) against keepalived $ka (-C, inhibit_on_failure);" \
		     "kernel $(uname -r), $(nproc) CPU(s); medians of $REPS run(s); poll every ${POLL_MS} ms at idle priority"
		echo
		# (the arrays are keyed "x,CHECKER": table_row's TYPE is x)
		table_head "failure: SIGKILL to nginx, then" lvsd lvsd 10
		row "kernel: first weight edit, ms" KFIRST
		row "kernel: last weight edit, ms" KLAST
		row "kernel: last - first, ms" KSPREAD
		row "kernel: weight edits (want $N)" KEDITS
		row "poller: first seen at weight 0, ms" FIRST
		row "poller: all $N seen at weight 0, ms" ALL
		row "poller: all at 0, max of runs, ms" ALL max
		row "daemon CPU from the kill to all at 0, ms" CPU
		row "  over a window of (the script's reading), ms" WIN
		row "  that is, % of the core" CPUPCT
		row "daemon CPU before (steady), % of the core" BASECPU
		row "keepalived: 'timer expired' lines, kill..all" KALATEN
		row "keepalived: their largest, ms" KALATE max
		row "keepalived: the same from start to kill, ms" KALATE0 max
		row "lvsd: check late max before the kill, ms" LATE0 max
		row "lvsd: check late max when all at 0, ms" LATE1 max
		row "lvsd: servers whose late max rose, kill..all" RISEN
		row "lvsd: the largest risen late max, ms" RISE max
		row "lvsd: passes that changed the table" PASSES
		row "lvsd: real servers those passes changed" CHANGED
		row "lvsd: their diff and edits, summed, ms" EDITMS
		row "lvsd: their table read, summed, ms" READMS
		row "lvsd: diff and edits per real server, ms" PEREDIT
		row "lvsd: one edit (slope over the passes), ms" SLOPE
		row "lvsd: a pass besides its edits, ms" ICPT
		if [ "$RECOVER" = 1 ]; then
			echo
			table_head "recovery: nginx started again, then" lvsd lvsd 10
			row "kernel: first weight edit, ms" RKFIRST
			row "kernel: last weight edit, ms" RKLAST
			row "poller: first seen at weight 1, ms" RFIRST
			row "poller: all $N seen at weight 1, ms" RALL
			row "daemon CPU from the start to all at 1, ms" RCPU
			row "  over a window of (the script's reading), ms" RWIN
			row "  that is, % of the core" RCPUPCT
			row "lvsd: passes that changed the table" RPASSES
			row "lvsd: their diff and edits, summed, ms" REDITMS
			row "lvsd: one edit (slope over the passes), ms" RSLOPE
			row "lvsd: check late max after recovery, ms" LATE2 max
			row "lvsd: servers whose late max rose" RRISEN
			row "lvsd: the largest risen late max, ms" RRISE max
		fi
		echo
		table_head "cost of looking, in the VM" lvsd lvsd 10
		row "ipvs_wait: one poll of the $N, us of CPU" POLLUS
		row "ipvsadm -Ln -t VIP of the $N, ms (wall)" IPVSADM
		echo
		for c in $CHECKERS; do
			echo "  $c: edits ${KFIRST[x,$c]:-}-> ${KLAST[x,$c]:-}; all seen ${ALL[x,$c]:-}; CPU ${CPU[x,$c]:-};" \
			     "back ${RKLAST[x,$c]:-}/ ${RALL[x,$c]:-}; back CPU ${RCPU[x,$c]:-}; edits called from ${CALLER[x,$c]:-}"
		done
		[ -z "${LATE1[x,lvsd]:-}" ] || echo "  lvsd: late ${LATE0[x,lvsd]:-}-> ${LATE1[x,lvsd]:-}-> ${LATE2[x,lvsd]:-};" \
			"risen in the failure ${RISE[x,lvsd]:-}(on ${RISEN[x,lvsd]:-}), in the recovery ${RRISE[x,lvsd]:-};" \
			"per edit ${PEREDIT[x,lvsd]:-}; slope ${SLOPE[x,lvsd]:-}"
		[ -z "${KALATE[x,keepalived]:-}" ] || echo "  keepalived: timer late in the failure ${KALATE[x,keepalived]:-}"

	} >"$OUT/table.txt"
	[ -n "$KEEP" ] && mkdir -p "$OUT/work" && cp -r "$G"/. "$OUT/work/" 2>/dev/null
	rm -rf "$G"
	[ "$TRACE" = 1 ] && echo nop >"$TR/current_tracer"
	return 0
}

# ---- on the host ---------------------------------------------------------------

if [ "${1:-}" = --guest ]; then
	[ "${VM_GUEST:-}" = 1 ] || die "--guest is for inside the VM"
	BUILD=$2 OUT=$3
	guest
	exit 0
fi

[ $# -eq 1 ] || die "usage: bench/mass_failure_vm.sh BUILD_DIR"
BUILD=$(cd "$1" 2>/dev/null && pwd -P) || die "no such directory: $1"
if [ ! -x "$BUILD/src/lvsd" ] || [ ! -x "$BUILD/src/lvsctl" ]; then
	die "$BUILD/src/lvsd and src/lvsctl are not built"
fi
need_plain_build "$BUILD/src/lvsd"
if ! { [ "$N" -ge 1 ] && [ "$BASE" -ge 1024 ] && [ "$LAST" -le 65535 ]; } 2>/dev/null; then
	die "N=$N BASE_PORT=$BASE: the ports must lie within 1024..65535"
fi
for c in $CHECKERS; do
	case $c in keepalived|lvsd) ;; *) die "unknown checker '$c' in CHECKERS (keepalived, lvsd)" ;; esac
done
case $LVSD_LOG in debug|info) ;; *) die "LVSD_LOG is debug or info, not '$LVSD_LOG'" ;; esac
missing=()
for t in keepalived:keepalived nginx:nginx-light jq:jq ipvsadm:ipvsadm ss:iproute2 setsid:util-linux; do
	command -v "${t%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${t%%:*}" ] || missing+=("${t#*:}")
done
[ -f "$NGX_STREAM" ] || missing+=(libnginx-mod-stream)
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]} (apt-get install ${missing[*]})"
if [ ! "$BUILD/bench/ipvs_wait" -nt "$SRC/bench/ipvs_wait.c" ]; then
	make -s -C "$BUILD" bench/ipvs_wait >&2 ||
		die "cannot make bench/ipvs_wait in $BUILD (configured from an older tree? configure it again)"
fi

# (before vm.sh, which sets its own default of 300 s)
nc=$(wc -w <<<"$CHECKERS")
: "${VM_TIMEOUT:=$((REPS * nc * (READY_WAIT / 2 + WARMUP + SETTLE + 2 * 30 + 40) + 120))}"
export VM_TIMEOUT
# shellcheck source=tests/vm/vm.sh
. "$SRC/tests/vm/vm.sh"
why=$(vm_usable) || die "no kernel test VM here: $why"
vm_kernel || die "no kernel for the VM"

T=$(mktemp -d /tmp/lvsd-mass-vm.XXXXXX) || die "mktemp failed"
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/out"
vm_need "$BUILD" || die "cannot share $BUILD with the VM"
say "mass failure, lvsd against keepalived in the VM: $(date -u '+%Y-%m-%d %H:%M UTC'), N=$N," \
    "REPS=$REPS WARMUP=${WARMUP}s RECOVER=$RECOVER POLL_MS=$POLL_MS, VM_TIMEOUT=${VM_TIMEOUT}s"
vm_run env N="$N" BASE_PORT="$BASE" REPS="$REPS" WARMUP="$WARMUP" SETTLE="$SETTLE" \
	RECOVER="$RECOVER" CHECKERS="$CHECKERS" POLL_MS="$POLL_MS" READY_WAIT="$READY_WAIT" \
	FAIL_WAIT="$FAIL_WAIT" LVSD_LOG="$LVSD_LOG" KEEP="$KEEP" bash "$SELF" --guest "$BUILD" "$T/out"
rc=$?
[ -n "$KEEP" ] && mkdir -p "$KEEP" && cp -r "$T/out"/. "$KEEP"/ && say "kept in $KEEP"
if [ "$rc" != 0 ] || [ ! -s "$T/out/table.txt" ]; then
	die "the run in the VM failed (status $rc, VM $VM_STATUS, $VM_ACCEL_USED)"
fi
echo
echo "(VM: $VM_ACCEL_USED, boot ${VM_BOOT_MS} ms)"
cat "$T/out/table.txt"

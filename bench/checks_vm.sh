#!/usr/bin/env bash
#
# checks_vm.sh - lvsd's health checks against keepalived 2.2's, inside the
# kernel test VM (tests/vm/vm.sh): the CPU each takes to check N real
# servers every second, by tcp and by http, and how punctual lvsd is.
#
# Usage: bench/checks_vm.sh BUILD_DIR
#   BUILD_DIR holds src/lvsd and src/lvsctl, built WITHOUT sanitizers (as
#   for bench/checks.sh).
#
# Why a VM: keepalived's checkers (its healthcheckers child) program the
# kernel's IPVS and exit where the kernel has none; the VM runs Debian's
# kernel with ip_vs loaded. lvsd runs in the same VM, on the same servers,
# with its userspace forwarding core (its checks do not depend on the
# core). One VM boot runs everything; this script runs itself inside it
# (--guest) and prints the table here.
#
# Debian packages (on the host: the VM's root is the host's):
#   keepalived nginx-light libnginx-mod-stream jq ipvsadm, and what
#   tests/vm/vm.sh needs (qemu-system-x86, busybox-static, linux-image-amd64)
#
# What runs inside the VM, all on 127.0.0.1, one thing at a time:
#   - the real servers: N listeners, ports BASE..BASE+N-1, in one nginx with
#     one worker (as in bench/checks.sh: `stream` "ok" for tcp, `return 200`
#     for http), logging each connection or request it serves;
#   - lvsd: one virtual service (127.0.0.1:BASE-2; its forwarding core is
#     LVSD_CORE: userspace by default, or ipvs, the kernel's like
#     keepalived's; its checks are the same either way) with the N real servers, `check: {type: tcp|http, interval: 1, timeout: 1,
#     rise: 2, fall: 3}` (http: `path: /`);
#   - keepalived -C (checkers only): one virtual_server (10.255.0.1:80, NAT,
#     rr) with the same N real servers, `delay_loop 1`, and per server
#     TCP_CHECK or HTTP_GET (`url { path / status_code 200 }`), both with
#     `connect_timeout 1 retry 2 delay_before_retry 1` (keepalived has no
#     rise; retry 2 is its fall 3);
#   - each run: start the checker fresh; wait until it is ready (lvsd: its
#     status shows every server healthy with 2 probes; keepalived: IPVS has
#     its N real servers), WARMUP seconds more, then the checker's CPU time
#     (utime + stime of all its processes, /proc/PID/stat) over WINDOW
#     seconds, its probes (keepalived's: the connections opened in the VM,
#     ActiveOpens, as only the checker opens any; lvsd's: its status'
#     check_probes, since its tcp probe is a SYN on a raw socket that opens
#     no connection), and from the servers' log the probes they saw and
#     the gaps between two probes of one server; for lvsd, its own
#     check_late_max_ms (the most any probe started behind its schedule,
#     since it started), read before the window and after it: a rise is a
#     late start in the window. REPS runs of each, interleaved, medians.
#     The script's own queries (lvsctl, jq) run at idle priority, so they
#     never take the VM's one CPU from the checker they watch.
# The VM is emulated (TCG) unless /dev/kvm works: everything is slower
# than on the host, the same for both daemons. If a checker cannot keep up
# (probes/s well under N, or its CPU near 100% of the VM's core), the run
# says so: lower N (the ratio is what matters; say which N in RESULTS).
#
# Environment: N=400 BASE_PORT=20000 REPS=1 WINDOW=30 WARMUP=10
#   TYPES="tcp http" CHECKERS="keepalived lvsd" LVSD_CORE=userspace KEEP=DIR (keep the VM's
#   work files) PRIORITY=N (both checkers at nice N, -20..19: lvsd's
#   global.nice, keepalived's checker_priority; unset: both at the VM's
#   default) and the VM's own settings (VM_SMP=1, VM_MEM=1G, VM_TIMEOUT:
#   computed from the above unless set).
# It writes nothing into the source tree.

set -u
export LC_ALL=C
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

N=${N:-400}
BASE=${BASE_PORT:-20000}
REPS=${REPS:-1}
WINDOW=${WINDOW:-30}
WARMUP=${WARMUP:-10}
TYPES=${TYPES:-tcp http}
CHECKERS=${CHECKERS:-keepalived lvsd}
LVSD_CORE=${LVSD_CORE:-userspace}
PRIORITY=${PRIORITY:-}
KEEP=${KEEP:-}
READY_WAIT=${READY_WAIT:-120}	# seconds for a checker to be ready (emulated: slow)
LAST=$((BASE + N - 1))
VIP_PORT=$((BASE - 2))
KA_VIP=10.255.0.1

die() { echo "checks_vm.sh: $*" >&2; exit 2; }

SELF=$(cd "$(dirname "$0")" && pwd -P)/$(basename "$0")
SRC=$(cd "$(dirname "$0")/.." && pwd -P)

# ---- inside the VM ---------------------------------------------------------------

HZ=$(getconf CLK_TCK)
now() { date +%s.%N; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
opens() { awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["ActiveOpens"] }' /proc/net/snmp; }
ports_taken()
{
	ss -Hltn 2>/dev/null | awk -v lo="$1" -v hi="$2" '{
		n = split($4, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) c++ } END { print c + 0 }'
}
wait_ports()
{
	for _ in $(seq 600); do
		[ "$(ports_taken "$1" "$2")" -ge $(($2 - $1 + 1)) ] && return 0
		sleep 0.1
	done
	return 1
}

start_servers()
{
	local type=$1 conf=$G/nginx/nginx-$1.conf

	mkdir -p "$G/nginx/logs"
	: >"$G/nginx/access.log"
	{
		[ "$type" = tcp ] && echo "load_module $NGX_STREAM;"
		printf 'user root;\nworker_processes 1;\nworker_rlimit_nofile %d;\n' $((N + 10000))
		printf 'pid %s/nginx/nginx.pid;\nerror_log %s/nginx/logs/error.log warn;\n' "$G" "$G"
		printf 'events { worker_connections %d; }\n' $((N + 9000))
		if [ "$type" = tcp ]; then
			printf 'stream {\n  log_format probe "$msec $server_port";\n'
			printf '  access_log %s/nginx/access.log probe buffer=256k flush=1s;\n' "$G"
			printf '  server {\n    return "ok\\n";\n'
		else
			printf 'http {\n  log_format probe "$msec $server_port";\n'
			printf '  access_log %s/nginx/access.log probe buffer=256k flush=1s;\n' "$G"
			printf '  keepalive_timeout 0;\n  default_type text/plain;\n'
			printf '  server {\n    location / { return 200 "ok\\n"; }\n'
		fi
		listen_lines '    listen 127.0.0.1:%d;'
		printf '  }\n}\n'
	} >"$conf"
	nginx -p "$G/nginx" -e "$G/nginx/logs/error.log" -c "$conf" -g 'daemon off;' \
		>"$G/nginx/out-$type" 2>&1 &
	NGINX_PID=$!
	wait_ports "$BASE" "$LAST" ||
		die "nginx ($type) did not open its $N listeners: $(tail -n 3 "$G/nginx/out-$type" "$G/nginx/logs/error.log")"
}

# served T0 T1: "PROBES PORTS GAP_P99_MS GAP_MAX_MS" from the servers' log.
served()
{
	awk -v t0="$1" -v t1="$2" '
		$1 >= t0 && $1 <= t1 {
			n++
			if ($2 in last) {
				g = ($1 - last[$2]) * 1000; gaps++; if (g > max) max = g
				b = int(g); if (b > 100000) b = 100000; h[b]++
			} else ports++
			last[$2] = $1
		}
		END {
			if (!gaps) { printf "%d %d - -\n", n, ports; exit }
			want = gaps * 0.99; c = 0
			for (b = 0; b <= 100000; b++) if (b in h) { c += h[b]; if (c >= want) break }
			printf "%d %d %d %.0f\n", n, ports, b, max
		}' "$G/nginx/access.log"
}

start_lvsd()
{
	local type=$1 d=$G/lvsd http=""

	mkdir -p "$d"
	[ "$type" = http ] && http=", path: /"
	{
		printf 'global:\n  router_id: bench\n  log_file: %s/lvsd.log\n  log_level: warning\n' "$d"
		printf '  control_socket: %s/lvsd.sock\n  forwarding_core: %s\n' "$d" "$LVSD_CORE"
		[ -z "$PRIORITY" ] || printf '  nice: %s\n' "$PRIORITY"
		printf 'virtual_services:\n  - name: checks\n    address: 127.0.0.1:%d\n' "$VIP_PORT"
		printf '    protocol: tcp\n    scheduler: rr\n'
		printf '    check: {type: %s, interval: 1, timeout: 1, rise: 2, fall: 3%s}\n' "$type" "$http"
		printf '    real_servers:\n'
		listen_lines '      - address: 127.0.0.1:%d'
	} >"$d/lvsd-$type.yaml"
	"$LVSD" -n -f "$d/lvsd-$type.yaml" -p "$d/lvsd.pid" -S "$d/lvsd.sock" >>"$d/out" 2>&1 &
	CPIDS=($!)
	if [ "$LVSD_CORE" = userspace ]; then
		wait_ports "$VIP_PORT" "$VIP_PORT" || die "lvsd did not start: $(tail -n 5 "$d/out")"
	else
		for _ in $(seq 300); do [ -S "$d/lvsd.sock" ] && break; sleep 0.1; done
		[ -S "$d/lvsd.sock" ] || die "lvsd did not start: $(tail -n 5 "$d/out")"
	fi
}

start_keepalived()
{
	local type=$1 d=$G/keepalived

	mkdir -p "$d"
	{
		printf 'global_defs {\n  router_id bench\n'
		[ -z "$PRIORITY" ] || printf '  checker_priority %s\n' "$PRIORITY"
		printf '}\n'
		printf 'virtual_server %s 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n' "$KA_VIP"
		awk -v lo="$BASE" -v hi="$LAST" -v type="$type" 'BEGIN {
			for (p = lo; p <= hi; p++) {
				printf "  real_server 127.0.0.1 %d {\n    weight 1\n", p
				if (type == "tcp")
					printf "    TCP_CHECK {\n"
				else
					printf "    HTTP_GET {\n      url {\n        path /\n        status_code 200\n      }\n"
				printf "      connect_timeout 1\n      retry 2\n      delay_before_retry 1\n    }\n  }\n"
			}
			printf "}\n" }'
	} >"$d/keepalived-$type.conf"
	rm -f "$d"/*.pid
	# -G: no syslog, which with no syslog daemon in the VM also goes to its
	# emulated serial console, a cost of the VM's, not keepalived's.
	keepalived -C -n -l -G -f "$d/keepalived-$type.conf" -p "$d/keepalived.pid" \
		-c "$d/checkers.pid" >>"$d/out" 2>&1 &
	CPIDS=($!)
	for _ in $(seq 300); do
		[ -s "$d/checkers.pid" ] && break
		kill -0 "${CPIDS[0]}" 2>/dev/null || die "keepalived is gone: $(tail -n 5 "$d/out")"
		sleep 0.1
	done
	[ -s "$d/checkers.pid" ] || die "keepalived started no checker process: $(tail -n 5 "$d/out")"
	CPIDS+=("$(cat "$d/checkers.pid")")
}

# observe CMD...: run one of the benchmark's own queries (lvsctl, jq) at
# idle priority. On the VM's one CPU a query in the emulator takes
# hundreds of milliseconds of CPU; at normal priority it made lvsd's
# probes start up to 370-610 ms late, every checker at once (3 runs:
# 130, 472, 614 ms; at idle priority, in the same conditions, 35-158).
observe() { chrt --idle 0 "$@"; }

# healthy CHECKER: servers the checker holds healthy now.
healthy()
{
	if [ "$1" = lvsd ]; then
		observe timeout 60 "$LVSCTL" -s "$G/lvsd/lvsd.sock" status --json 2>/dev/null |
			observe jq -r '.virtual_services[0].real_servers[] |
				"\(.healthy) \(.check_probes) \(.check_late_max_ms)"' >"$G/status.txt" 2>/dev/null
		awk '$1 == "true" && $2 >= 2 { h++ } END { print h + 0 }' "$G/status.txt"
	else
		ipvsadm -Ln -t "$KA_VIP:80" 2>/dev/null | grep -c -- '-> 127\.0\.0\.1:'
	fi
}

ready()
{
	local t0=$SECONDS h=0

	while [ $((SECONDS - t0)) -lt "$READY_WAIT" ]; do
		kill -0 "${CPIDS[-1]}" 2>/dev/null || die "$1 is gone"
		h=$(healthy "$1")
		[ "$h" = "$N" ] && return 0
		sleep 2
	done
	die "$1: $h of $N servers healthy after ${READY_WAIT}s"
}

declare -A CPU US ORATE RATE P99 GMAX LATE LATE0 HEALTHY

# probes_now CHECKER: the probes made so far, by the checker's own count
# (lvsd's status), else the connections opened in the VM. Nothing when
# lvsd's count cannot be read: its status query runs at idle priority, and
# lvsd drops a client that has not read its answer in 10 s, which a busy
# emulated CPU can make happen (a cut answer is not JSON); tried 3 times.
probes_now()
{
	local v

	if [ "$1" != lvsd ]; then
		opens
		return
	fi
	for _ in 1 2 3; do
		v=$(observe timeout 60 "$LVSCTL" -s "$G/lvsd/lvsd.sock" status --json 2>/dev/null |
			observe jq -e '[.virtual_services[0].real_servers[].check_probes] | add // 0' 2>/dev/null) &&
			[ -n "$v" ] && { echo "$v"; return 0; }
	done
	return 1
}

measure()
{
	local type=$1 c=$2 p t0 t1 c0=0 c1=0 a0 a1 n0 n1 q0 q1 n win probes ports p99 gmax cpu

	start_"$c" "$type"
	ready "$c"
	sleep "$WARMUP"
	if [ "$c" = lvsd ]; then
		healthy lvsd >/dev/null
		LATE0[$type,$c]+="$(awk '$3 > m { m = $3 } END { print m + 0 }' "$G/status.txt") "
	fi
	# lvsd's probe count is a status query, made outside the CPU window;
	# each is dated at the middle of its query (slow in an emulated VM).
	q0=$(now) n0=$(probes_now "$c") q0=$(awk -v a="$q0" -v b="$(now)" 'BEGIN { printf "%.6f", (a + b) / 2 }')
	t0=$(now) a0=$(opens)
	for p in "${CPIDS[@]}"; do c0=$((c0 + $(ticks "$p"))); done
	sleep "$WINDOW"
	t1=$(now) a1=$(opens)
	for p in "${CPIDS[@]}"; do c1=$((c1 + $(ticks "$p"))); done
	q1=$(now) n1=$(probes_now "$c") q1=$(awk -v a="$q1" -v b="$(now)" 'BEGIN { printf "%.6f", (a + b) / 2 }')
	HEALTHY[$type,$c]+="$(healthy "$c") "
	[ "$c" = lvsd ] && LATE[$type,$c]+="$(awk '$3 > m { m = $3 } END { print m + 0 }' "$G/status.txt") "
	sleep 2.5	# nginx flushes its log every second
	read -r probes ports p99 gmax <<<"$(served "$t0" "$t1")"
	[ -n "$KEEP" ] && cp -r "$G/$c" "$G/keep-$c-$type-$rep" 2>/dev/null
	stop_pids "${CPIDS[@]}"
	for p in "${CPIDS[@]}"; do wait "$p" 2>/dev/null; done
	win=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	cpu=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v w="$win" 'BEGIN { printf "%.1f", 100 * t / hz / w }')
	CPU[$type,$c]+="$cpu "
	# Probes in the window: keepalived's connections; lvsd's rate between
	# its two counts, times the window.
	n=$((a1 - a0))
	if [ "$c" = lvsd ] && [ -n "$n0" ] && [ -n "$n1" ]; then
		n=$(awk -v n=$((n1 - n0)) -v a="$q0" -v b="$q1" -v w="$win" \
			'BEGIN { printf "%.0f", (b > a ? n / (b - a) * w : 0) }')
	elif [ "$c" = lvsd ]; then
		n=-
		say "  $type lvsd: its probe count could not be read (3 status queries cut short); no rate this run"
	fi
	US[$type,$c]+="$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v n="$n" 'BEGIN { if (n == "-") print "-"; else printf "%.0f", n ? t / hz * 1e6 / n : 0 }') "
	ORATE[$type,$c]+="$(awk -v n="$n" -v w="$win" 'BEGIN { if (n == "-") print "-"; else printf "%.0f", n / w }') "
	RATE[$type,$c]+="$(awk -v n="$probes" -v w="$win" 'BEGIN { printf "%.0f", n / w }') "
	P99[$type,$c]+="$(awk -v g="$p99" 'BEGIN { print (g == "-") ? "-" : g - 1000 }') "
	GMAX[$type,$c]+="$(awk -v g="$gmax" 'BEGIN { print (g == "-") ? "-" : g - 1000 }') "
	say "  $type $c: CPU $cpu% ($n probes, $((a1 - a0)) connections in ${win}s; servers saw $probes on $ports ports; healthy ${HEALTHY[$type,$c]})"
}


# row LABEL ARRAY TYPE [max|min]: a line of the table (lib.sh's table_row).
row() { table_row keepalived 10 "$@"; }

guest()
{
	local type c rep

	LVSD=$BUILD/src/lvsd LVSCTL=$BUILD/src/lvsctl
	G=$(mktemp -d /tmp/checks-vm.XXXXXX) || die "mktemp failed in the VM"
	ulimit -n $((N + 20000)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
	lsmod 2>/dev/null | grep -q '^ip_vs ' || modprobe ip_vs || die "no ip_vs in the VM"
	say "in the VM: $(uname -r), $(nproc) CPU(s); keepalived $(keepalived -v 2>&1 | head -n1 | cut -d' ' -f2)"
	for type in $TYPES; do
		say "$type checks"
		start_servers "$type"
		for rep in $(seq "$REPS"); do
			for c in $CHECKERS; do measure "$type" "$c"; done
		done
		stop_pids "$NGINX_PID"
		wait "$NGINX_PID" 2>/dev/null
	done
	{
		echo "health checks of $N real servers on 127.0.0.1 inside the test VM, every 1 s (timeout 1 s):"
		echo "lvsd ($LVSD_CORE core) against keepalived $(keepalived -v 2>&1 | head -n1 | cut -d' ' -f2) (-C, kernel IPVS);" \
		     "kernel $(uname -r), $(nproc) CPU(s); medians of $REPS run(s) of ${WINDOW}s after ${WARMUP}s${PRIORITY:+; both checkers at nice $PRIORITY}"
		for type in $TYPES; do
			echo
			table_head "$type" keepalived ka 10
			row "checker CPU, % of the VM's core" CPU "$type"
			row "checker CPU per probe, us" US "$type"
			row "probes/s (ka: ActiveOpens; lvsd: its count)" ORATE "$type"
			row "probes/s seen by the servers" RATE "$type"
			row "gap between 2 probes - 1 s, p99, ms" P99 "$type"
			row "gap between 2 probes - 1 s, max of runs, ms" GMAX "$type" max
			row "servers healthy at the end (fewest)" HEALTHY "$type" min
			row "lvsd status: late max before the window, ms" LATE0 "$type" max
			row "lvsd status: late max since start, ms" LATE "$type" max
		done
		echo
		echo "(keepalived starts each check delay_loop after the previous one ended, so it"
		echo " probes a little under N per second; compare the CPU per probe too)"
		for type in $TYPES; do
			for c in $CHECKERS; do
				echo "  $type $c: CPU ${CPU[$type,$c]:-}; us ${US[$type,$c]:-}; probes/s ${ORATE[$type,$c]:-}; late ${LATE0[$type,$c]:-}-> ${LATE[$type,$c]:-}"
				awk -v n="$N" -v r="$(median "${ORATE[$type,$c]:-}")" -v cpu="$(median "${CPU[$type,$c]:-}")" \
				    -v c="$c" -v t="$type" 'BEGIN {
					if (r != "-" && r < 0.8 * n) printf "  WARNING: %s %s: %s probes/s for %d servers: it does not keep up; lower N\n", t, c, r, n
					if (cpu != "-" && cpu > 85) printf "  WARNING: %s %s: %s%% of the core: saturated; lower N\n", t, c, cpu }'
			done
		done
	} >"$OUT/table.txt"
	[ -n "$KEEP" ] && mkdir -p "$OUT/work" && cp -r "$G"/. "$OUT/work/" 2>/dev/null
	rm -rf "$G"
}

# ---- on the host ---------------------------------------------------------------

if [ "${1:-}" = --guest ]; then
	[ "${VM_GUEST:-}" = 1 ] || die "--guest is for inside the VM"
	BUILD=$2 OUT=$3
	guest
	exit 0
fi

[ $# -eq 1 ] || die "usage: bench/checks_vm.sh BUILD_DIR"
BUILD=$(cd "$1" 2>/dev/null && pwd -P) || die "no such directory: $1"
[ -x "$BUILD/src/lvsd" ] && [ -x "$BUILD/src/lvsctl" ] || die "$BUILD/src/lvsd and src/lvsctl are not built"
ldd "$BUILD/src/lvsd" | grep -q 'libasan\|libubsan' &&
	die "$BUILD/src/lvsd is a sanitizer build; configure another build dir without --enable-sanitizers"
[ "$N" -ge 1 ] && [ "$BASE" -ge 1026 ] && [ "$LAST" -le 65535 ] ||
	die "N=$N BASE_PORT=$BASE: the ports must lie within 1024..65535"
for t in $TYPES; do
	case $t in tcp|http) ;; *) die "unknown type '$t' in TYPES (tcp, http)" ;; esac
done
for c in $CHECKERS; do
	case $c in keepalived|lvsd) ;; *) die "unknown checker '$c' in CHECKERS (keepalived, lvsd)" ;; esac
done
case $LVSD_CORE in userspace|ipvs) ;; *) die "LVSD_CORE is userspace or ipvs, not '$LVSD_CORE'" ;; esac
if [ -n "$PRIORITY" ] && ! { [ "$PRIORITY" -ge -20 ] && [ "$PRIORITY" -le 19 ]; } 2>/dev/null; then
	die "PRIORITY is a nice value, -20..19, not '$PRIORITY'"
fi
missing=()
for t in keepalived:keepalived nginx:nginx-light jq:jq ipvsadm:ipvsadm ss:iproute2; do
	command -v "${t%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${t%%:*}" ] || missing+=("${t#*:}")
done
[ -f "$NGX_STREAM" ] || missing+=(libnginx-mod-stream)
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]} (apt-get install ${missing[*]})"

# Before vm.sh, which sets its own default (300 s) when it is sourced.
nc=$(wc -w <<<"$CHECKERS") nt=$(wc -w <<<"$TYPES")
: "${VM_TIMEOUT:=$((nt * REPS * nc * (WARMUP + WINDOW + READY_WAIT / 2 + 30) + nt * 60 + 120))}"
export VM_TIMEOUT
# shellcheck source=tests/vm/vm.sh
. "$SRC/tests/vm/vm.sh"
why=$(vm_usable) || die "no kernel test VM here: $why"
vm_kernel || die "no kernel for the VM"

T=$(mktemp -d /tmp/lvsd-checks-vm.XXXXXX) || die "mktemp failed"
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/out"
vm_need "$BUILD" || die "cannot share $BUILD with the VM"
say "lvsd health checks against keepalived in the VM: $(date -u '+%Y-%m-%d %H:%M UTC'), N=$N," \
    "TYPES='$TYPES' REPS=$REPS WINDOW=${WINDOW}s WARMUP=${WARMUP}s, VM_TIMEOUT=${VM_TIMEOUT}s"
vm_run env N="$N" BASE_PORT="$BASE" REPS="$REPS" WINDOW="$WINDOW" WARMUP="$WARMUP" \
	TYPES="$TYPES" CHECKERS="$CHECKERS" KEEP="$KEEP" READY_WAIT="$READY_WAIT" LVSD_CORE="$LVSD_CORE" \
	PRIORITY="$PRIORITY" bash "$SELF" --guest "$BUILD" "$T/out"
rc=$?
[ -n "$KEEP" ] && mkdir -p "$KEEP" && cp -r "$T/out"/. "$KEEP"/ && say "kept in $KEEP"
[ "$rc" = 0 ] && [ -s "$T/out/table.txt" ] || die "the run in the VM failed (status $rc, VM $VM_STATUS, $VM_ACCEL_USED)"
echo
echo "(VM: $VM_ACCEL_USED, boot ${VM_BOOT_MS} ms)"
cat "$T/out/table.txt"

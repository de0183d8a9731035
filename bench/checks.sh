#!/usr/bin/env bash
#
# checks.sh - lvsd's health checks against HAProxy's own (`check inter 1s`):
# the CPU it takes to check N real servers every second, by tcp and by
# http, and how punctual the checks are.
#
# Usage: bench/checks.sh BUILD_DIR
#   BUILD_DIR holds src/lvsd and src/lvsctl, built WITHOUT sanitizers, e.g.
#     mkdir -p /tmp/build-bench && cd /tmp/build-bench
#     /path/to/lvsd/configure CFLAGS='-O2 -g' && make -j2 src/lvsd src/lvsctl
#
# Debian packages it needs (it checks, and names the missing ones):
#   haproxy nginx-light libnginx-mod-stream jq socat
#   linux-perf (optional: the profile and the system calls per probe)
#
# What it does, all on 127.0.0.1, every process it starts killed on exit:
#   - the real servers: N listeners on ports BASE..BASE+N-1, all in one
#     nginx with one worker: for tcp a `stream` server that answers "ok" and
#     closes, for http an `http` server with `return 200 "ok"`; each logs
#     the time of every connection or request it serves, so that both
#     checkers are seen the same way from the servers' side: probes per
#     second, and the gap between two probes of one server;
#   - the checkers, one at a time, each started fresh for each measured run:
#     lvsd (`forwarding_core: userspace`, one virtual service with the N
#     real servers, `check: {type: tcp|http, interval: 1, timeout: 1,
#     rise: 2, fall: 3}`) and HAProxy 2.6 (`nbthread 1`, one backend with
#     the same N servers, `check inter 1s fall 3 rise 2`, for http `option
#     httpchk GET /` and `http-check expect status 200`); and, as a
#     reference line, bench/floor_check (made here in BUILD_DIR): the least
#     a checker that opens a connection per probe can do (a kept socket,
#     connect, the request, one read, a reset; nothing parsed beyond the
#     status code), so that the table shows how much of each checker's
#     cost is the kernel's work for the connection itself;
#   - each run: start the checker, wait until it sees every server healthy
#     (lvsd: `lvsctl status --json`; HAProxy: `show stat` on its stats
#     socket: all UP, L4OK or L7OK), WARMUP more seconds, then its CPU time
#     (utime + stime, /proc/PID/stat) over WINDOW seconds; REPS runs of
#     each, interleaved (haproxy lvsd haproxy lvsd ...), medians reported;
#     HAProxy's probe is a connection: the kernel's count of connections
#     opened (ActiveOpens) gives its probes per second; lvsd's tcp probe
#     is a SYN on a raw socket (no connection opened), so lvsd's own
#     count of probes (check_probes in its status) gives its rate, and
#     its CPU per probe, for both types;
#   - lateness: lvsd's own count (the status' check_late_max_ms: the most
#     any probe started behind its schedule, and check_probes), and for
#     both, from the servers' logs, the largest gap between two probes of
#     one server beyond the 1 s interval, in the window and around one
#     status query made just after it; HAProxy's check_duration;
#   - with perf (PROFILE=1), outside the measured runs: each checker's
#     system calls per probe, and where its CPU time goes.
# Three things to know when reading the figures:
#   - A tcp check is invisible to the servers, HAProxy's and lvsd's alike:
#     HAProxy turns TCP_QUICKACK off before connect(), so the handshake's
#     last ACK waits for data that never comes, and closes with a RST
#     (SO_LINGER 0) once the SYN-ACK is in; lvsd writes the SYN on a raw
#     socket and its kernel resets the SYN-ACK (with no CAP_NET_RAW it
#     connects as HAProxy does): the server never accepts, and nginx logs
#     nothing (its cells are "-"). (lvsd before 2026-12-02 completed the
#     handshake and closed with a FIN.)
#   - On loopback the kernel's work for the server's half of a connection
#     (answering the SYN, the FIN) runs partly inside the checker's own
#     system calls and is counted in its CPU time, for both checkers.
#   - The servers' gaps include the servers' own delays: on a busy machine
#     nginx falls behind and the gaps grow, whatever the checker does.
# A run disturbed by other work on the machine (more than NOISE % of one
# core used by others than the checker and the servers) is repeated, up
# to RETRY times; before each run it waits (up to QUIET_WAIT seconds) for
# the machine to be quiet. What counts as others includes the kernel's
# work in interrupts that the checker's own load causes (about 8% of a
# core for HAProxy's tcp check here), hence the margin.
# With PIN=1 (default, 2+ cores) the checker runs on CPU 1, the servers on
# CPU 0.
#
# Not here: keepalived. Its checkers (its healthcheckers child) need a
# kernel with IPVS to start their virtual servers; this machine has none:
# bench/checks_vm.sh measures lvsd against it inside the test VM.
#
# Environment: N=10000 BASE_PORT=20000 REPS=3 WINDOW=30 WARMUP=5
#   TYPES="tcp http" CHECKERS="haproxy lvsd floor" PROFILE=1 PIN=1 NOISE=25
#   RETRY=2 QUIET_WAIT=300 KEEP=DIR (keep configs, logs, status dumps)
#   NETNS=1 (run in a network namespace of its own; 0: in the host's)
#   LVSD_NORAW=1 (lvsd without CAP_NET_RAW: its tcp check connects)
#   KEEPALIVE=1 (lvsd's http check with `http_version: "1.1", keepalive:
#     true`, and nginx keeping connections open: lvsd probes on one kept
#     connection per server; HAProxy's http check still closes each one)
# Ports: BASE..BASE+N-1 for the servers, BASE-2 (lvsd's virtual service)
# and BASE-1 (HAProxy's frontend), all on 127.0.0.1, must be free.
# It prints a table; it writes nothing into the source tree.

set -u
export LC_ALL=C
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

N=${N:-10000}
BASE=${BASE_PORT:-20000}
REPS=${REPS:-3}
WINDOW=${WINDOW:-30}
WARMUP=${WARMUP:-5}
TYPES=${TYPES:-tcp http}
CHECKERS=${CHECKERS:-haproxy lvsd floor}
PROFILE=${PROFILE:-1}
PIN=${PIN:-1}
NOISE=${NOISE:-25}
RETRY=${RETRY:-2}
QUIET_WAIT=${QUIET_WAIT:-300}
KEEP=${KEEP:-}
KEEPALIVE=${KEEPALIVE:-0}
READY_WAIT=60		# seconds for a checker to see every server healthy
LAST=$((BASE + N - 1))
VIP_PORT=$((BASE - 2))
FE_PORT=$((BASE - 1))

die() { echo "checks.sh: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: bench/checks.sh BUILD_DIR"
BUILD=$(cd "$1" 2>/dev/null && pwd) || die "no such directory: $1"
LVSD=$BUILD/src/lvsd
LVSCTL=$BUILD/src/lvsctl
[ -x "$LVSD" ] && [ -x "$LVSCTL" ] || die "$BUILD/src/lvsd and src/lvsctl are not built"
[ "$N" -ge 1 ] && [ "$BASE" -ge 1026 ] && [ "$LAST" -le 65535 ] ||
	die "N=$N BASE_PORT=$BASE: the ports must lie within 1024..65535"
for t in $TYPES; do
	case $t in tcp|http) ;; *) die "unknown type '$t' in TYPES (tcp, http)" ;; esac
done
for c in $CHECKERS; do
	case $c in haproxy|lvsd|floor) ;; *) die "unknown checker '$c' in CHECKERS (haproxy, lvsd, floor)" ;; esac
done
# LVSD_NORAW=1: lvsd without CAP_NET_RAW, so that its tcp check connects
# (as before its SYN probes): the two probes compared on one machine.
NORAW=()
[ "${LVSD_NORAW:-0}" = 1 ] && NORAW=(setpriv --inh-caps -net_raw --bounding-set -net_raw)

# Everything runs in a network namespace of its own (NETNS=1, default):
# others' loopback traffic on a shared machine (thousands of connections a
# second from their tests) would count as HAProxy's probes in ActiveOpens.
if [ "${NETNS:-1}" = 1 ] && [ -z "${CHECKS_NETNS:-}" ]; then
	ns=lvsd-checks-$$
	ip netns add "$ns" && ip -n "$ns" link set lo up || die "cannot make network namespace $ns (NETNS=0 runs without)"
	CHECKS_NETNS=$ns ip netns exec "$ns" "$BASH" "$0" "$@"
	rc=$?
	ip netns del "$ns"
	exit "$rc"
fi

# ---- what must be installed ----------------------------------------------------

need_tools haproxy:haproxy nginx:nginx-light jq:jq socat:socat taskset:util-linux ss:iproute2
need_perf
need_plain_build "$LVSD"

FLOOR=$BUILD/bench/floor_check
if [[ " $CHECKERS " = *" floor "* ]] && [ ! "$FLOOR" -nt "$(dirname "$0")/floor_check.c" ]; then
	make -s -C "$BUILD" bench/floor_check >&2 ||
		die "cannot make bench/floor_check in $BUILD (configured from an older tree? configure it again)"
fi

NCPU=$(nproc)
[ "$NCPU" -ge 2 ] || PIN=0
# Prefixes that put a command where PIN says; taskset execs it, so $! is its pid.
CHECK_CPU=() LOAD_CPU=()
[ "$PIN" = 1 ] && CHECK_CPU=(taskset -c 1) LOAD_CPU=(taskset -c 0)

# nginx holds N listeners, HAProxy wants room for its maxconn: raise the
# limit (root may raise the hard one too).
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge $((N + 20000)) ] ||
	ulimit -Hn $((N + 20000)) 2>/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null
NOFILE=$(ulimit -n)
[ "$NOFILE" = unlimited ] && NOFILE=$((N + 20000))
[ "$NOFILE" -ge $((N + 8000)) ] ||
	die "the file limit ($NOFILE) is too low for N=$N (nginx: N listeners; HAProxy: maxconn 4000); raise it (ulimit -Hn) or lower N"
# With KEEPALIVE the one nginx worker also holds lvsd's N open connections;
# short of descriptors it would close idle ones, and lvsd would reconnect.
[ "$KEEPALIVE" != 1 ] || [ "$NOFILE" -ge $((2 * N + 200)) ] ||
	die "KEEPALIVE=1 with N=$N needs $((2 * N + 200)) descriptors for nginx (N listeners, N kept connections); the limit is $NOFILE: lower N (e.g. N=$(((NOFILE - 200) / 2)))"

W=$(mktemp -d /tmp/lvsd-checks.XXXXXX) || die "mktemp failed"
cd "$W" || die "cannot enter $W"
PIDS=()

# forget PID: it has been waited for; its number may be reused.

# stop PID: TERM, up to 5 s, then KILL; with its children (nginx's workers).
stop()
{
	local p all=("$1") left

	mapfile -t -O 1 all < <(pgrep -P "$1" 2>/dev/null)
	for p in "${all[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for _ in $(seq 50); do
		left=()
		for p in "${all[@]}"; do kill -0 "$p" 2>/dev/null && left+=("$p"); done
		all=("${left[@]}")
		[ ${#all[@]} -eq 0 ] && break
		sleep 0.1
	done
	for p in "${all[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait "$1" 2>/dev/null
	forget "$1"
}

# Stop what we started and still runs, by pid.
cleanup()
{
	trap - EXIT INT TERM
	while [ ${#PIDS[@]} -gt 0 ]; do stop "${PIDS[0]}"; done
	if [ -n "$KEEP" ]; then
		mkdir -p "$KEEP" && cp -r "$W"/. "$KEEP"/ && say "kept in $KEEP"
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Listening TCP ports on 127.0.0.1 (or any address) within [lo, hi].
ports_taken()
{
	ss -Hltn 2>/dev/null | awk -v lo="$1" -v hi="$2" '{
		n = split($4, a, ":"); p = a[n] + 0
		if (p >= lo && p <= hi) c++ } END { print c + 0 }'
}

# wait_ports LO HI: up to 20 s for HI-LO+1 listeners there.
wait_ports()
{
	for _ in $(seq 200); do
		[ "$(ports_taken "$1" "$2")" -ge $(($2 - $1 + 1)) ] && return 0
		sleep 0.1
	done
	return 1
}

[ "$(ports_taken "$VIP_PORT" "$LAST")" -eq 0 ] ||
	die "some of the ports $VIP_PORT..$LAST are taken (set BASE_PORT)"
read -r EPH_LO EPH_HI </proc/sys/net/ipv4/ip_local_port_range
[ "$LAST" -lt "$EPH_LO" ] || [ "$VIP_PORT" -gt "$EPH_HI" ] ||
	say "WARNING: the ports $VIP_PORT..$LAST overlap the ephemeral range $EPH_LO..$EPH_HI"

# ---- measuring -------------------------------------------------------------------

HZ=$(getconf CLK_TCK)
# cpu_ticks PID: user + system time so far (all its threads), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# idle_ticks: the time all CPUs spent idle (with iowait), in clock ticks.
# On this tickless kernel the idle time is measured at each entry to and
# exit from idle, so it is exact; /proc/stat's busy fields are sampled at
# the ticks, and they miss (or double) much of a load that runs in short
# bursts, such as a checker's. Busy time is therefore wall time less idle.
idle_ticks() { awk '$1 == "cpu" { print $5 + $6 }' /proc/stat; }
# pct TICKS SECONDS: ticks as % of one core over that time.
pct() { awk -v t="$1" -v s="$2" -v hz="$HZ" 'BEGIN { printf "%.1f", (s > 0) ? 100 * t / hz / s : 0 }'; }
now() { date +%s.%N; }
# opens: TCP connections this network namespace has opened (ActiveOpens,
# /proc/net/snmp): the checkers' probes, whether or not a server saw them.
opens() { awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["ActiveOpens"] }' /proc/net/snmp; }

# own_ticks: CPU ticks of the processes we run (their pids in OWN).
OWN=()
own_ticks()
{
	local p s=0

	for p in "${OWN[@]}"; do s=$((s + $(cpu_ticks "$p"))); done
	echo "$s"
}

# procs: "PID TICKS START COMM" of every process: its CPU time so far, and
# when it started (ticks since boot); first line "uptime UPTIME_TICKS".
procs()
{
	awk -v hz="$HZ" '{ printf "uptime %.0f\n", $1 * hz }' /proc/uptime
	awk '{ l = $0; i = index(l, "("); j = length(l); while (substr(l, j, 1) != ")") j--
		comm = substr(l, i + 1, j - i - 1); gsub(/ /, "_", comm)
		split(substr(l, j + 2), f, " "); print $1, f[12] + f[13], f[20], comm }' \
		/proc/[0-9]*/stat 2>/dev/null
}

# others_begin, others_end: the CPU time others than we (OWN, this script,
# nginx's master) used in between, in % of one core: the machine's busy
# time (wall time times CPUs, less the idle time) less ours. It counts the
# kernel's work in interrupts too (timers, packets), some of it caused by
# our own load. The processes that used most (their own counts, which miss
# a process that comes and goes in between, such as one compiler run) are
# left in $W/busy.txt.
O_IDLE='' O_OWN='' O_T=''
others_begin() { procs >"$W/procs0"; O_IDLE=$(idle_ticks) O_OWN=$(own_ticks) O_T=$(now); }
others_end()
{
	local i1 o1 t1

	procs >"$W/procs1"
	i1=$(idle_ticks) o1=$(own_ticks) t1=$(now)
	awk -v hz="$HZ" -v s="$(awk -v a="$O_T" -v b="$t1" 'BEGIN { print b - a }')" \
	    -v skip="${OWN[*]} $$ ${NGINX_PID:-}" '
		BEGIN { n = split(skip, x, " "); for (i = 1; i <= n; i++) ours[x[i]] = 1 }
		NR == FNR { if ($1 == "uptime") up0 = $2; else t[$1] = $2; next }
		$1 == "uptime" || ($1 in ours) { next }
		# new since the first look: all its time, if it really started since
		($1 in t) || $3 + 0 >= up0 { d = $2 - ($1 in t ? t[$1] : 0)
			if (d > 0) printf "%6.1f%% %7d %s\n", 100 * d / hz / s, $1, $4 }' \
		"$W/procs0" "$W/procs1" | sort -gr >"$W/busy-all.txt"
	head -n 5 "$W/busy-all.txt" >"$W/busy.txt"
	awk -v idle=$((i1 - O_IDLE)) -v own=$((o1 - O_OWN)) -v hz="$HZ" -v n="$NCPU" \
	    -v t0="$O_T" -v t1="$t1" 'BEGIN {
		w = t1 - t0; f = 100 * (n * w - (idle + own) / hz) / w; if (f < 0) f = 0
		printf "%.1f", f }'
}

# foreign SECONDS: others' CPU over the next SECONDS, % of one core.
foreign() { others_begin; sleep "$1"; others_end; }

# wait_quiet: up to QUIET_WAIT seconds for others to use under NOISE % of a core.
wait_quiet()
{
	local f t=0 warned=0

	while :; do
		f=$(foreign 3)
		awk -v f="$f" -v l="$NOISE" 'BEGIN { exit !(f <= l) }' && return 0
		if [ "$t" -ge "$QUIET_WAIT" ]; then
			say "  WARNING: the machine is still busy (others use ${f}% of a core); going on"
			return 0
		fi
		if [ "$warned" = 0 ]; then
			say "  the machine is busy (others use ${f}% of a core): waiting up to ${QUIET_WAIT}s for it to be quiet"
			sed 's/^/    /' "$W/busy.txt" >&2
			warned=1
		fi
		sleep 2
		t=$((t + 5))
	done
}

# ---- the real servers --------------------------------------------------------------

NGINX_PID='' NGINX_WORKER=''
ACCESS=$W/nginx/access.log
# Without KEEPALIVE nginx closes after each reply, as HAProxy's check wants anyway.
NGINX_KEEPALIVE='keepalive_timeout 0;'
[ "$KEEPALIVE" = 1 ] && NGINX_KEEPALIVE='keepalive_timeout 75s; keepalive_requests 1000000;'

# start_servers TYPE: one nginx, one worker, N listeners; logs "msec port".
start_servers()
{
	local type=$1 conf=$W/nginx/nginx-$1.conf

	mkdir -p "$W/nginx/logs"
	: >"$ACCESS"
	{
		[ "$type" = tcp ] && echo "load_module $NGX_STREAM;"
		cat <<-EOF
		user root;
		worker_processes 1;
		worker_rlimit_nofile $NOFILE;
		pid $W/nginx/nginx.pid;
		error_log $W/nginx/logs/error.log warn;
		events { worker_connections $((NOFILE - 100)); }
		EOF
		if [ "$type" = tcp ]; then
			cat <<-EOF
			stream {
			    log_format probe '\$msec \$server_port';
			    access_log $ACCESS probe buffer=256k flush=1s;
			    server {
			        return "ok\n";
			EOF
			listen_lines '        listen 127.0.0.1:%d;'
			echo "    }"
			echo "}"
		else
			cat <<-EOF
			http {
			    log_format probe '\$msec \$server_port';
			    access_log $ACCESS probe buffer=256k flush=1s;
			    $NGINX_KEEPALIVE
			    default_type text/plain;
			    server {
			        location / { return 200 "ok\n"; }
			EOF
			listen_lines '        listen 127.0.0.1:%d;'
			echo "    }"
			echo "}"
		fi
	} >"$conf"
	"${LOAD_CPU[@]}" nginx -p "$W/nginx" -e "$W/nginx/logs/error.log" -c "$conf" \
		-g 'daemon off;' >"$W/nginx/out-$type" 2>&1 &
	NGINX_PID=$!
	PIDS+=("$NGINX_PID")
	wait_ports "$BASE" "$LAST" ||
		die "nginx ($type) did not open its $N listeners: $(tail -n 5 "$W/nginx/out-$type" "$W/nginx/logs/error.log")"
	NGINX_WORKER=$(pgrep -P "$NGINX_PID" | head -n1)
	[ -n "$NGINX_WORKER" ] || die "nginx ($type) has no worker"
}

stop_servers() { stop "$NGINX_PID"; NGINX_PID='' NGINX_WORKER=''; }

# served T0 T1: what the servers logged between T0 and T1 (epoch seconds):
# "PROBES PORTS GAPS GAP_MEAN_MS GAP_P99_MS GAP_MAX_MS", a gap being the
# time between two probes of one server, both within [T0, T1].
served()
{
	awk -v t0="$1" -v t1="$2" '
		$1 >= t0 && $1 <= t1 {
			n++
			if ($2 in last) {
				g = ($1 - last[$2]) * 1000; gaps++; sum += g
				if (g > max) max = g
				b = int(g); if (b > 100000) b = 100000; h[b]++
			} else ports++
			last[$2] = $1
		}
		END {
			if (!gaps) { printf "%d %d 0 - - -\n", n, ports; exit }
			want = gaps * 0.99; c = 0
			for (b = 0; b <= 100000; b++) if (b in h) { c += h[b]; if (c >= want) break }
			printf "%d %d %d %.1f %d %.0f\n", n, ports, gaps, sum / gaps, b, max
		}' "$ACCESS"
}

# ---- the checkers -------------------------------------------------------------------

CPID=		# the checker's pid

start_lvsd()
{
	local type=$1 d=$W/lvsd http=""

	mkdir -p "$d"
	rm -f "$d/lvsd.sock"
	[ "$type" = http ] && http=", path: /"
	[ "$type" = http ] && [ "$KEEPALIVE" = 1 ] && http="$http, http_version: \"1.1\", keepalive: true"
	{
		cat <<-EOF
		global:
		  router_id: bench
		  log_file: $d/lvsd.log
		  log_level: warning
		  control_socket: $d/lvsd.sock
		  forwarding_core: userspace
		virtual_services:
		  - name: checks
		    address: 127.0.0.1:$VIP_PORT
		    protocol: tcp
		    scheduler: rr
		    check: {type: $type, interval: 1, timeout: 1, rise: 2, fall: 3$http}
		    real_servers:
		EOF
		listen_lines '      - address: 127.0.0.1:%d'
	} >"$d/lvsd-$type.yaml"
	"$LVSD" -t -f "$d/lvsd-$type.yaml" >"$d/test.out" 2>&1 ||
		die "lvsd refuses its configuration: $(head -n 5 "$d/test.out")"
	"${CHECK_CPU[@]}" "${NORAW[@]}" "$LVSD" -n -f "$d/lvsd-$type.yaml" -p "$d/lvsd.pid" \
		-S "$d/lvsd.sock" >>"$d/out" 2>&1 &
	CPID=$!
	PIDS+=("$CPID")
	wait_ports "$VIP_PORT" "$VIP_PORT" || die "lvsd did not start: $(tail -n 5 "$d/out")"
}

# The reference checker: its status file is "servers healthy probes late_max_ms healthy".
start_floor()
{
	local type=$1 d=$W/floor

	mkdir -p "$d"
	rm -f "$d/status"
	"${CHECK_CPU[@]}" "$FLOOR" "$type" 127.0.0.1 "$BASE" "$N" "$d/status" >>"$d/out" 2>&1 &
	CPID=$!
	PIDS+=("$CPID")
}

start_haproxy()
{
	local type=$1 d=$W/haproxy

	mkdir -p "$d"
	rm -f "$d/stats.sock"
	{
		cat <<-EOF
		global
		    nbthread 1
		    maxconn 4000
		    stats socket $d/stats.sock mode 600 level admin
		defaults
		    mode $type
		    maxconn 4000
		    timeout connect 1s
		    timeout check 1s
		    timeout client 10s
		    timeout server 10s
		frontend fe
		    bind 127.0.0.1:$FE_PORT
		    default_backend be
		backend be
		    balance roundrobin
		EOF
		if [ "$type" = http ]; then
			echo "    option httpchk GET /"
			echo "    http-check expect status 200"
		fi
		echo "    default-server check inter 1s fall 3 rise 2"
		awk -v lo="$BASE" -v hi="$LAST" 'BEGIN {
			for (p = lo; p <= hi; p++) printf "    server s%d 127.0.0.1:%d\n", p - lo, p }'
	} >"$d/haproxy-$type.cfg"
	haproxy -c -q -f "$d/haproxy-$type.cfg" >"$d/test.out" 2>&1 ||
		die "haproxy refuses its configuration: $(head -n 5 "$d/test.out")"
	"${CHECK_CPU[@]}" haproxy -db -f "$d/haproxy-$type.cfg" >>"$d/out" 2>&1 &
	CPID=$!
	PIDS+=("$CPID")
	wait_ports "$FE_PORT" "$FE_PORT" || die "haproxy did not start: $(tail -n 5 "$d/out")"
}

# summary CHECKER TYPE FILE: what the checker itself says about its servers,
# one line per server into FILE:
#   lvsd:    address healthy probes late_max_ms ok|fail
#   haproxy: address UP|DOWN|.. check_status check_duration_ms chkfail
# Then prints "SERVERS HEALTHY PROBES LATE_MAX_MS CHECKED" (CHECKED: servers
# whose last check passed; haproxy: PROBES is its failed checks, LATE_MAX_MS
# its longest check_duration).
summary()
{
	local c=$1 file=$3

	if [ "$c" = lvsd ]; then
		timeout 60 "$LVSCTL" -s "$W/lvsd/lvsd.sock" status --json 2>/dev/null |
			jq -r '.virtual_services[0].real_servers[] |
				"\(.address) \(.healthy) \(.check_probes) \(.check_late_max_ms) \(.last_check | split(":")[0])"' \
				>"$file" 2>/dev/null
		awk '{ n++; if ($2 == "true") h++; p += $3; if ($4 > m) m = $4; if ($5 == "ok") ok++ }
			END { printf "%d %d %d %d %d\n", n, h, p, m, ok }' "$file"
	elif [ "$c" = floor ]; then
		cp "$W/floor/status" "$file" 2>/dev/null && cat "$file" || echo "0 0 0 0 0"
	else
		echo "show stat" | timeout 60 socat -t 30 - "UNIX-CONNECT:$W/haproxy/stats.sock" 2>/dev/null |
			awk -F, '
				NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
				$1 == "be" && $2 != "BACKEND" {
					st = $col["status"]; gsub(/ /, "_", st)
					cs = $col["check_status"]; sub(/^\* /, "", cs)	# "* ": a check runs now
					print $2, st, cs, $col["check_duration"] + 0, $col["chkfail"] + 0
				}' >"$file"
		awk '{ n++; if ($2 == "UP") h++; f += $5; if ($4 > m) m = $4; if ($3 == "L4OK" || $3 == "L7OK") ok++ }
			END { printf "%d %d %d %d %d\n", n, h, f, m, ok }' "$file"
	fi
}

# ready CHECKER TYPE: up to READY_WAIT s until it has checked every server
# and found it healthy (lvsd: at least 2 probes each).
ready()
{
	local c=$1 type=$2 t0=$SECONDS n h p l ok

	while [ $((SECONDS - t0)) -lt "$READY_WAIT" ]; do
		kill -0 "$CPID" 2>/dev/null || die "$c is gone: $(tail -n 5 "$W/$c/out")"
		sleep 2
		read -r n h p l ok <<<"$(summary "$c" "$type" "$W/ready.txt")"
		if [ "$n" = "$N" ] && [ "$h" = "$N" ] && [ "$ok" = "$N" ]; then
			[ "$c" != lvsd ] && return 0
			awk '$3 < 2 { bad = 1 } END { exit bad }' "$W/ready.txt" && return 0
		fi
	done
	say "  $c: after ${READY_WAIT}s: servers $n, healthy $h, checked ok $ok"
	die "$c did not see all $N servers healthy"
}

# ---- one measured run ---------------------------------------------------------------

# over ms: a gap (ms) less the 1 s interval, or "-".
over() { awk -v g="$1" 'BEGIN { if (g == "-" || g == "") print "-"; else printf "%.0f", g - 1000 }'; }

# Per type and checker, one value per run:
#   CPU	the checker's CPU time over the window, % of one core
#   US	the same per probe, us: per connection it opened (HAProxy,
#	floor), per probe its status counted (lvsd)
#   ORATE	connections opened per second (ActiveOpens: on a quiet machine,
#	all of them the checker's probes)
#   RATE	probes per second the servers saw
#   GAPP99 GAPMAX	99th percentile and largest gap between two probes of
#	one server, as the servers saw them, less the 1 s interval, ms
#   STALL	the largest such gap around one status query (lvsctl status
#	--json, or HAProxy's show stat) just after the window
#   SRV	nginx's worker CPU, % of one core; OTHER: others' CPU, %
#   LRATE LLATE	lvsd's and floor's own count: probes per second, and
#	the most a probe started late (lvsd: the largest check_late_max_ms
#	of all servers), since it started
#   HDUR HFAIL	HAProxy's longest check_duration (ms) and failed checks
#   HEALTHY	servers healthy (UP) at the end
declare -A DISTURBED CPU US RATE ORATE GAPMAX GAPP99 STALL SRV OTHER LRATE LLATE HDUR HFAIL HEALTHY

# measure TYPE CHECKER [last]: 0, or 1 when others disturbed it (a last
# try's figures are kept all the same, marked in the list of all runs).
measure()
{
	local type=$1 c=$2 last=${3:-} t0 t1 c0 c1 n0 n1 a0 a1 tq0 tq1 pre post f
	local win probes ports gmean gp99 gmax stall cpu srv us rate orate
	local healthy lrate=- llate=- hdur=- hfail=- noisy=0 mark=""

	start_"$c" "$type"
	OWN=("$NGINX_WORKER" "$CPID")
	ready "$c" "$type"
	sleep "$WARMUP"
	wait_quiet
	tq0=$(now)
	pre=$(summary "$c" "$type" "$W/pre.txt")
	sleep 2		# the status query is over; what it delayed has run
	others_begin
	t0=$(now) c0=$(cpu_ticks "$CPID") n0=$(cpu_ticks "$NGINX_WORKER") a0=$(opens)
	sleep "$WINDOW"
	t1=$(now) c1=$(cpu_ticks "$CPID") n1=$(cpu_ticks "$NGINX_WORKER") a1=$(opens)
	f=$(others_end)
	kill -0 "$CPID" 2>/dev/null || die "$c is gone: $(tail -n 5 "$W/$c/out")"
	tq1=$(now)
	post=$(summary "$c" "$type" "$W/post.txt")
	sleep 3.5	# past tq1 + 2.5 s, and nginx flushes its log every second
	stall=$(served "$(awk -v t="$tq1" 'BEGIN { printf "%.3f", t - 0.5 }')" \
		       "$(awk -v t="$tq1" 'BEGIN { printf "%.3f", t + 2.5 }')" | cut -d' ' -f6)
	read -r probes ports _ gmean gp99 gmax <<<"$(served "$t0" "$t1")"
	[ -n "$KEEP" ] && cp "$W/post.txt" "$W/$c/status-$type-$rep.txt"
	stop "$CPID"

	win=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	cpu=$(pct $((c1 - c0)) "$win")
	srv=$(pct $((n1 - n0)) "$win")
	orate=$(awk -v n=$((a1 - a0)) -v w="$win" 'BEGIN { printf "%.0f", n / w }')
	rate=$(awk -v n="$probes" -v w="$win" 'BEGIN { printf "%.0f", n / w }')
	# HAProxy's tcp check never lets the server accept: it turns
	# TCP_QUICKACK off so that the handshake's last ACK waits, and closes
	# with a RST on the SYN-ACK. nginx sees none of those probes.
	[ "$probes" = 0 ] && rate=-
	set -- $post
	healthy=$2
	if [ "$c" != haproxy ]; then
		lrate=$(awk -v a="$(set -- $pre; echo "$3")" -v b="$3" -v t0="$tq0" -v t1="$tq1" \
			'BEGIN { printf "%.0f", (b - a) / (t1 - t0) }')
		llate=$4
	fi
	if [ "$c" = lvsd ]; then
		# Its tcp probes open no connection: per probe is per probe it counted.
		us=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v w="$win" -v r="$lrate" \
			'BEGIN { printf "%.1f", (r > 0) ? t / hz / w * 1e6 / r : 0 }')
	elif [ "$c" = floor ]; then
		us=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v n=$((a1 - a0)) 'BEGIN { printf "%.1f", (n > 0) ? t / hz * 1e6 / n : 0 }')
	else
		us=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v n=$((a1 - a0)) 'BEGIN { printf "%.1f", (n > 0) ? t / hz * 1e6 / n : 0 }')
		hdur=$4 hfail=$(($3 - $(set -- $pre; echo "$3")))
	fi
	awk -v f="$f" -v l="$NOISE" 'BEGIN { exit !(f > l) }' && noisy=1 mark=" (DISTURBED: others ${f}% of a core)"
	say "  $type $c: CPU $cpu% ($us us/probe), $orate connections/s; servers: CPU $srv%," \
	    "$rate probes/s on $ports ports, gap mean $gmean p99 $gp99 max $gmax ms," \
	    "max $stall around a status query; healthy $healthy;" \
	    "$( [ "$c" != haproxy ] && echo "status: $lrate probes/s, late max $llate ms" ||
		echo "check_duration max $hdur ms, failed checks $hfail")$mark"
	[ "$noisy" = 1 ] && sed 's/^/    /' "$W/busy.txt" >&2
	[ "$noisy" = 1 ] && [ -z "$last" ] && return 1
	[ "$noisy" = 1 ] && DISTURBED[$type,$c]+="$rep "
	CPU[$type,$c]+="$cpu " US[$type,$c]+="$us " RATE[$type,$c]+="$rate " ORATE[$type,$c]+="$orate "
	GAPMAX[$type,$c]+="$(over "$gmax") " GAPP99[$type,$c]+="$(over "$gp99") "
	STALL[$type,$c]+="$(over "$stall") " SRV[$type,$c]+="$srv " OTHER[$type,$c]+="$f "
	LRATE[$type,$c]+="$lrate " LLATE[$type,$c]+="$llate "
	HDUR[$type,$c]+="$hdur " HFAIL[$type,$c]+="$hfail " HEALTHY[$type,$c]+="$healthy "
	return 0
}

# ---- profiling ------------------------------------------------------------------------

SC_EVENTS="raw_syscalls:sys_enter"
for s in socket connect close getsockopt setsockopt recvfrom sendto read write readv writev \
	 epoll_wait epoll_ctl shutdown clock_gettime getsockname fcntl ioctl sendmsg recvmmsg; do
	SC_EVENTS+=",syscalls:sys_enter_$s"
done

# profile TYPE CHECKER: a fresh checker, warmed up; its system calls per
# probe (perf stat, 5 s), then a cpu-clock profile (lvsd with call graphs).
profile()
{
	local type=$1 c=$2 a0 a1 n data=$W/perf-$2-$1.data cg=() t0 t1 p0 p1

	start_"$c" "$type"
	ready "$c" "$type"
	sleep "$WARMUP"
	t0=$(now) p0=$(summary "$c" "$type" "$W/pre.txt" | cut -d' ' -f3)
	a0=$(opens)
	perf stat -x, -e "$SC_EVENTS" -p "$CPID" -o "$W/sc-$type-$c.csv" -- sleep 5 >/dev/null 2>&1
	a1=$(opens)
	t1=$(now) p1=$(summary "$c" "$type" "$W/post.txt" | cut -d' ' -f3)
	n=$((a1 - a0))
	echo
	if [ "$c" = lvsd ]; then
		# Its own count, as a rate over the two status queries, for the 5 s.
		n=$(awk -v a="$p0" -v b="$p1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (b - a) / (t1 - t0) * 5 }')
		echo "$c, $type: system calls per probe (perf stat, 5 s, about $n probes by its status)"
	else
		echo "$c, $type: system calls per probe (perf stat, 5 s, $n connections opened)"
	fi
	awk -F, -v n="$n" '
		$3 ~ /sys_enter/ && n > 0 && $1 / n >= 0.005 {
			name = $3; sub(/.*sys_enter_?/, "", name); if (name == "") name = "ALL"
			printf "  %-14s %8.2f\n", name, $1 / n }' "$W/sc-$type-$c.csv" | sort -k2 -gr
	cg=(--call-graph "dwarf,16384")
	perf record -q -e cpu-clock -F 999 "${cg[@]}" -p "$CPID" -o "$data" -- sleep 5 >/dev/null 2>&1
	echo "$c, $type: share of its CPU time by object (perf record -e cpu-clock, 5 s)"
	perf report -i "$data" --no-children --sort dso --stdio 2>/dev/null |
		awk '/^ *[0-9.]+%/ { printf "  %8s  %s\n", $1, $2 }' | head -n 6
	echo "$c, $type: top functions by self time"
	perf report -i "$data" --no-children --sort sym --stdio -g none 2>/dev/null |
		awk '/^ *[0-9.]+%/ { pct = $1; $1 = ""; $2 = ""; sub(/^ +/, ""); printf "  %8s  %s\n", pct, $0 }' |
		head -n 20
	echo "$c, $type: time under each system call$( [ "$c" = lvsd ] && echo " and lvsd or libevent function") (children)"
	perf report -i "$data" --children --sort sym --stdio -g none 2>/dev/null |
		awk -v lvsd="$( [ "$c" = lvsd ] && echo 1 || echo 0 )" '/^ *[0-9.]+%/ && ($0 ~ /__x64_sys_/ ||
		     (lvsd && $0 ~ /\[\.\] (on_|stream_|tcp_|check|probe_|tick_|http_|event_|evmap|bufferevent|evbuffer|malloc|free|calloc|json_|status_)/)) {
			pct = $1; $1 = ""; $2 = ""; $3 = ""; sub(/^ +/, "")
			if (!seen[$1]++ && pct + 0 >= 0.5) printf "  %8s  %s\n", pct, $0 }' |
		head -n 40
	perf report -i "$data" --children --sort sym --stdio -G 2>/dev/null >"$W/perf-$c-$type.txt"
	[ "$c" = lvsd ] && profile_status "$type"
	stop "$CPID"
}

# profile_status TYPE: what one `lvsctl status --json` costs lvsd, in time
# and where (while it is built, the checks wait).
profile_status()
{
	local data=$W/perf-lvsd-status-$1.data perf t0 t1

	perf record -q -e cpu-clock -F 999 -g -p "$CPID" -o "$data" >/dev/null 2>&1 &
	perf=$!
	PIDS+=("$perf")
	sleep 0.5
	t0=$(now)
	timeout 60 "$LVSCTL" -s "$W/lvsd/lvsd.sock" status --json >"$W/status-$1.json" 2>/dev/null
	t1=$(now)
	kill -INT "$perf" 2>/dev/null
	wait "$perf" 2>/dev/null
	forget "$perf"
	echo "lvsd, $1: one lvsctl status --json ($(wc -c <"$W/status-$1.json") bytes) took" \
	     "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }') ms;" \
	     "lvsd's top functions from 0.5 s before it to its end:"
	perf report -i "$data" --no-children --sort sym --stdio -g none 2>/dev/null |
		awk '/^ *[0-9.]+%/ { pct = $1; $1 = ""; $2 = ""; sub(/^ +/, ""); printf "  %8s  %s\n", pct, $0 }' |
		head -n 8
}

# ---- the run ----------------------------------------------------------------------------


say "lvsd health-check benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $NCPU CPUs, $(uname -r)"
say "  $(haproxy -v | head -n1 | cut -d' ' -f1-3); nginx $(nginx -v 2>&1 | cut -d/ -f2); lvsd $("$LVSD" -V 2>&1 | head -n1)"
say "  N=$N (ports $BASE..$LAST) REPS=$REPS WINDOW=${WINDOW}s WARMUP=${WARMUP}s PIN=$PIN workdir $W"
OWN=()
wait_quiet

for type in $TYPES; do
	say "$type checks"
	start_servers "$type"
	for rep in $(seq "$REPS"); do
		for c in $CHECKERS; do
			for try in $(seq 0 "$RETRY"); do
				measure "$type" "$c" "$( [ "$try" = "$RETRY" ] && echo last)" && break
				[ "$try" -lt "$RETRY" ] && say "  (disturbed: again)"
			done
		done
	done
	if [ "$PROFILE" = 1 ]; then
		say "  profiling $type (not measured)"
		for c in $CHECKERS; do profile "$type" "$c"; done >>"$W/profile.txt" 2>&1
	fi
	stop_servers
done

# ---- the table ----------------------------------------------------------------------------

# row LABEL ARRAY TYPE [max|min]: a line of the table (lib.sh's table_row).
row() { table_row haproxy 9 "$@"; }

echo
echo "health checks of $N real servers on 127.0.0.1, every 1 s (timeout 1 s, rise 2, fall 3):" \
     "lvsd against HAProxy $(haproxy -v | head -n1 | cut -d' ' -f3) (nbthread 1)"
echo "medians of $REPS runs of ${WINDOW}s, each checker started fresh and warmed up ${WARMUP}s;" \
     "servers: nginx $(nginx -v 2>&1 | cut -d/ -f2), 1 worker; PIN=$PIN; $NCPU CPUs"
[ "$KEEPALIVE" = 1 ] && echo "KEEPALIVE=1: lvsd's http check keeps its connections (keepalive: true)"
for type in $TYPES; do
	echo
	table_head "$type" haproxy hap 9
	row "checker CPU, % of one core" CPU "$type"
	row "checker CPU per probe, us" US "$type"
	row "probes/s: connections opened (ActiveOpens)" ORATE "$type"
	row "probes/s seen by the servers" RATE "$type"
	row "gap between 2 probes - 1 s, p99, ms" GAPP99 "$type"
	row "gap between 2 probes - 1 s, max of runs, ms" GAPMAX "$type" max
	row "same, around a status query, max of runs" STALL "$type" max
	row "servers healthy at the end (fewest)" HEALTHY "$type" min
	row "own count (lvsd, floor): probes/s" LRATE "$type"
	row "own count: late max since start, ms" LLATE "$type" max
	row "haproxy: longest check_duration, ms" HDUR "$type" max
	row "haproxy: failed checks in the window" HFAIL "$type" max
	row "servers' nginx worker CPU, %" SRV "$type"
	row "others' CPU during the run, % of a core" OTHER "$type" max
done
echo
echo "all runs (CPU %; us per probe; connections/s; served/s; gap - 1 s: p99, max, around a status query;"
echo "          own late max since start (lvsd, floor);"
echo "          haproxy check_duration max; others' CPU %)"
for type in $TYPES; do
	for c in $CHECKERS; do
		printf '  %-5s %-8s CPU %s; us %s; conn/s %s; served/s %s; gap p99 %s; max %s; query %s; late %s; dur %s; others %s\n' \
			"$type" "$c" "${CPU[$type,$c]:-}" "${US[$type,$c]:-}" "${ORATE[$type,$c]:-}" "${RATE[$type,$c]:-}" \
			"${GAPP99[$type,$c]:-}" "${GAPMAX[$type,$c]:-}" "${STALL[$type,$c]:-}" "${LLATE[$type,$c]:-}" \
			"${HDUR[$type,$c]:-}" "${OTHER[$type,$c]:-}"
		[ -n "${DISTURBED[$type,$c]:-}" ] &&
			echo "        runs ${DISTURBED[$type,$c]}disturbed by other work ($RETRY retries did not help); kept"
	done
done
[ "$PROFILE" = 1 ] && [ -f "$W/profile.txt" ] && cat "$W/profile.txt"
exit 0

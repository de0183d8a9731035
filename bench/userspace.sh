#!/usr/bin/env bash
#
# userspace.sh - lvsd's userspace forwarding core against HAProxy (mode
# tcp, one thread) and nginx's stream module (one worker), side by side on
# loopback, in front of the same two backends, driven by the same clients.
#
# Usage: bench/userspace.sh BUILD_DIR
#   BUILD_DIR holds src/lvsd and src/lvsctl, built WITHOUT sanitizers, e.g.
#     mkdir -p /tmp/build-bench && cd /tmp/build-bench
#     /path/to/lvsd/configure CFLAGS='-O2 -g' && make -j2 src/lvsd src/lvsctl
#
# Debian packages it needs (it checks, and names the missing ones):
#   haproxy nginx-light libnginx-mod-stream wrk curl python3
#   linux-perf (optional: the profile and the system calls per request)
#
# What it does, all on 127.0.0.1, every process it starts killed on exit:
#   - two backends: one nginx (one worker) with two server blocks on
#     BASE+1 and BASE+2, each answering `return 200` with a 3-byte body, and
#     /big.bin, a BIG_MB MiB sparse file sent with sendfile;
#   - three proxies, each with both backends, round robin, no health checks:
#     HAProxy 2.6 `mode tcp`, `nbthread 1` (BASE+10); nginx `stream`,
#     `worker_processes 1` (BASE+11); lvsd `forwarding_core: userspace`,
#     `scheduler: rr` (BASE+12);
#   - memory: IDLE idle keep-alive connections (bench/idle_conns.py)
#     through each proxy, fresh; VmRSS before and after, bytes per connection;
#   - requests/s: `wrk -t1 -c$CONNS -d$DURATION` with keep-alive, then with
#     `Connection: close` (a new connection per request); then the MB/s of
#     one BIG_MB MiB transfer with curl; each REPS times, the proxies
#     interleaved (haproxy nginx lvsd haproxy nginx lvsd ...), the median
#     kept, with the proxy's CPU time per request from /proc/PID/stat;
#   - with perf (PROFILE=1), outside the measured runs: each proxy's system
#     calls per request in each of the three runs, a cpu-clock profile of
#     each by object, and for lvsd its top functions and call graph.
# With PIN=1 (default, 2+ cores) each proxy runs on CPU 1, and the backend
# and the clients on CPU 0, so that every proxy gets one core of its own.
# With CAP=N each proxy may use at most N% of its core (a cgroup-v1 CFS
# quota, 10 ms period, the same for all three): on a 2-core machine the
# load's core saturates first, and a cap makes the proxy the bottleneck,
# so that req/s measures the proxies rather than wrk and the backend.
#
# Environment: REPS=5 DURATION=10s CONNS=50 IDLE=5000 BIG_MB=2048
#   PROFILE=1 PIN=1 BASE_PORT=18080 KEEP=DIR (keep configs, logs, profiles)
#   RUNS="keepalive close big" (which runs; IDLE=0 skips the memory one)
#   CAP=0 (percent of a core each proxy may use; 0: no cap)
# It prints a table; it writes nothing into the source tree.

set -u
export LC_ALL=C
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

REPS=${REPS:-5}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-50}
IDLE=${IDLE:-5000}
BIG_MB=${BIG_MB:-2048}
PROFILE=${PROFILE:-1}
PIN=${PIN:-1}
BASE=${BASE_PORT:-18080}
KEEP=${KEEP:-}
PROXIES="haproxy nginx lvsd"
RUNS=${RUNS:-keepalive close big}
CAP=${CAP:-0}

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "userspace.sh: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: bench/userspace.sh BUILD_DIR"
BUILD=$(cd "$1" 2>/dev/null && pwd) || die "no such directory: $1"
LVSD=$BUILD/src/lvsd
LVSCTL=$BUILD/src/lvsctl
[ -x "$LVSD" ] && [ -x "$LVSCTL" ] || die "$BUILD/src/lvsd and src/lvsctl are not built"

# ---- what must be installed ----------------------------------------------------

need_tools haproxy:haproxy nginx:nginx-light wrk:wrk curl:curl python3:python3 \
	taskset:util-linux ss:iproute2
need_perf
need_plain_build "$LVSD"

NCPU=$(nproc)
[ "$NCPU" -ge 2 ] || PIN=0
# Prefixes that put a command where PIN says; taskset execs it, so $! is its pid.
PROXY_CPU=() LOAD_CPU=()
[ "$PIN" = 1 ] && PROXY_CPU=(taskset -c 1) LOAD_CPU=(taskset -c 0)

ulimit -n "$(ulimit -Hn)" 2>/dev/null
W=$(mktemp -d /tmp/lvsd-bench.XXXXXX) || die "mktemp failed"
PIDS=()

# forget PID: it has been waited for; its number may be reused.

# Stop what we started and still runs, by pid: TERM, a bounded wait, then
# KILL. nginx workers outlive a KILLed master, so they are listed too.
cleanup()
{
	local p left all=()

	trap - EXIT INT TERM
	declare -F uncap_all >/dev/null && uncap_all
	for p in "${PIDS[@]}"; do
		all+=("$p")
		mapfile -t -O "${#all[@]}" all < <(pgrep -P "$p" 2>/dev/null)
	done
	for p in "${all[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for _ in $(seq 50); do
		left=()
		for p in "${all[@]}"; do kill -0 "$p" 2>/dev/null && left+=("$p"); done
		all=("${left[@]}")
		[ ${#all[@]} -eq 0 ] && break
		sleep 0.1
	done
	for p in "${all[@]}"; do kill -KILL "$p" 2>/dev/null; done
	if [ -n "$KEEP" ]; then
		mkdir -p "$KEEP" && cp -r "$W"/. "$KEEP"/ && say "kept in $KEEP"
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_port PORT: up to 10 s for a listener on 127.0.0.1:PORT.
wait_port()
{
	for _ in $(seq 100); do
		ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# ---- the backends and the proxies ------------------------------------------------

B1=$((BASE + 1)) B2=$((BASE + 2))
declare -A PORT=([haproxy]=$((BASE + 10)) [nginx]=$((BASE + 11)) [lvsd]=$((BASE + 12)))
declare -A PID	# the process that moves the bytes (nginx: its worker)

for p in $B1 $B2 "${PORT[@]}"; do
	port_free "$p" || die "port $p is taken (set BASE_PORT)"
done

start_backend()
{
	mkdir -p "$W/backend/logs" "$W/www"
	truncate -s "${BIG_MB}M" "$W/www/big.bin"
	# Read once, so no proxy's run pays for filling the page cache.
	cat "$W/www/big.bin" >/dev/null
	cat >"$W/backend/nginx.conf" <<-EOF
	user root;
	worker_processes 1;
	worker_rlimit_nofile 20000;
	pid $W/backend/nginx.pid;
	error_log $W/backend/logs/error.log warn;
	events { worker_connections 16000; }
	http {
	    access_log off;
	    keepalive_timeout 600s;
	    keepalive_requests 100000000;
	    client_header_timeout 600s;
	    sendfile on;
	    default_type application/octet-stream;
	    server {
	        listen 127.0.0.1:$B1 backlog=4096;
	        location = /big.bin { root $W/www; }
	        location / { return 200 "b1\n"; }
	    }
	    server {
	        listen 127.0.0.1:$B2 backlog=4096;
	        location = /big.bin { root $W/www; }
	        location / { return 200 "b2\n"; }
	    }
	}
	EOF
	"${LOAD_CPU[@]}" nginx -p "$W/backend" -e "$W/backend/logs/error.log" \
		-c "$W/backend/nginx.conf" -g 'daemon off;' >"$W/backend/out" 2>&1 &
	PIDS+=("$!")
	wait_port "$B1" && wait_port "$B2" || die "the backend nginx did not start: $(cat "$W/backend/out")"
}

start_haproxy()
{
	mkdir -p "$W/haproxy"
	cat >"$W/haproxy/haproxy.cfg" <<-EOF
	global
	    nbthread 1
	    maxconn 9000
	defaults
	    mode tcp
	    maxconn 9000
	    timeout connect 5s
	    timeout client 10m
	    timeout server 10m
	frontend fe
	    bind 127.0.0.1:${PORT[haproxy]} backlog 4096
	    default_backend be
	backend be
	    balance roundrobin
	    server b1 127.0.0.1:$B1
	    server b2 127.0.0.1:$B2
	EOF
	haproxy -c -q -f "$W/haproxy/haproxy.cfg" || die "haproxy refuses its configuration"
	"${PROXY_CPU[@]}" haproxy -db -f "$W/haproxy/haproxy.cfg" >"$W/haproxy/out" 2>&1 &
	PIDS+=("$!")
	PID[haproxy]=$!
	wait_port "${PORT[haproxy]}" || die "haproxy did not start: $(cat "$W/haproxy/out")"
}

start_nginx_stream()
{
	mkdir -p "$W/nginx/logs"
	cat >"$W/nginx/nginx.conf" <<-EOF
	load_module $NGX_STREAM;
	user root;
	worker_processes 1;
	worker_rlimit_nofile 20000;
	pid $W/nginx/nginx.pid;
	error_log $W/nginx/logs/error.log warn;
	events { worker_connections 16000; }
	stream {
	    upstream be {
	        server 127.0.0.1:$B1;
	        server 127.0.0.1:$B2;
	    }
	    server {
	        listen 127.0.0.1:${PORT[nginx]} backlog=4096;
	        proxy_pass be;
	        proxy_connect_timeout 5s;
	        proxy_timeout 10m;
	    }
	}
	EOF
	"${PROXY_CPU[@]}" nginx -p "$W/nginx" -e "$W/nginx/logs/error.log" \
		-c "$W/nginx/nginx.conf" -g 'daemon off;' >"$W/nginx/out" 2>&1 &
	PIDS+=("$!")
	wait_port "${PORT[nginx]}" || die "nginx (stream) did not start: $(cat "$W/nginx/out")"
	PID[nginx]=$(pgrep -P "$!" | head -n1)
	[ -n "${PID[nginx]}" ] || die "nginx (stream) has no worker"
}

start_lvsd()
{
	mkdir -p "$W/lvsd"
	cat >"$W/lvsd/lvsd.yaml" <<-EOF
	global:
	  router_id: bench
	  log_file: $W/lvsd/lvsd.log
	  log_level: warning
	  control_socket: $W/lvsd/lvsd.sock
	  forwarding_core: userspace
	  max_conns: 100000
	  timeouts: {tcp: 900, tcpfin: 120, udp: 300}
	virtual_services:
	  - name: bench
	    address: 127.0.0.1:${PORT[lvsd]}
	    protocol: tcp
	    scheduler: rr
	    real_servers:
	      - address: 127.0.0.1:$B1
	      - address: 127.0.0.1:$B2
	EOF
	"$LVSD" -t -f "$W/lvsd/lvsd.yaml" >/dev/null || die "lvsd refuses its configuration"
	"${PROXY_CPU[@]}" "$LVSD" -n -f "$W/lvsd/lvsd.yaml" -p "$W/lvsd/lvsd.pid" \
		-S "$W/lvsd/lvsd.sock" >"$W/lvsd/out" 2>&1 &
	PIDS+=("$!")
	PID[lvsd]=$!
	wait_port "${PORT[lvsd]}" || die "lvsd did not start: $(cat "$W/lvsd/out")"
}

# Each proxy must answer, and from both backends in turn.
check_proxies()
{
	local p got

	for p in $PROXIES; do
		got=$(for _ in 1 2 3 4; do
			curl -sS --max-time 5 "http://127.0.0.1:${PORT[$p]}/"
		done | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')
		[ "$got" = "b1=2 b2=2 " ] || die "$p does not round-robin over both backends: '$got'"
	done
}

# cap PROXY: with CAP, put the proxy's process in a cgroup with N% of a core.
CG_ROOT=/sys/fs/cgroup/cpu
cap()
{
	local cg=$CG_ROOT/lvsd-bench-$$-$1

	[ "$CAP" -gt 0 ] || return 0
	[ -w "$CG_ROOT" ] || die "CAP needs the cgroup-v1 cpu controller at $CG_ROOT"
	mkdir -p "$cg" || die "cannot make $cg"
	echo 10000 >"$cg/cpu.cfs_period_us" && echo $((CAP * 100)) >"$cg/cpu.cfs_quota_us" &&
		echo "${PID[$1]}" >"$cg/cgroup.procs" || die "cannot cap $1 in $cg"
}
uncap_all()
{
	local d

	for d in "$CG_ROOT"/lvsd-bench-$$-*; do
		[ -d "$d" ] || continue
		while read -r p; do echo "$p" >"$CG_ROOT/cgroup.procs"; done <"$d/cgroup.procs" 2>/dev/null
		rmdir "$d" 2>/dev/null
	done
}

# ---- measuring ---------------------------------------------------------------------

alive() { kill -0 "${PID[$1]}" 2>/dev/null || die "$1 (pid ${PID[$1]}) is gone"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# cpu_ticks PID: user + system time so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
# cpu_snap: "NAME IDLE TOTAL" per line of /proc/stat (cpu, cpu0, cpu1...),
# idle counting iowait. busy LINE SNAP0 SNAP1: how busy that line was, in %.
cpu_snap() { awk '/^cpu/ { t = 0; for (i = 2; i <= 9; i++) t += $i; print $1, $5 + $6, t }' /proc/stat; }
busy()
{
	awk -v l="$1" -v a="$2" -v b="$3" 'BEGIN {
		n = split(a, x, "\n"); for (i = 1; i <= n; i++) { split(x[i], f, " "); if (f[1] == l) { i0 = f[2]; t0 = f[3] } }
		n = split(b, y, "\n"); for (i = 1; i <= n; i++) { split(y[i], f, " "); if (f[1] == l) { i1 = f[2]; t1 = f[3] } }
		if (t1 - t0 <= 0) { print "-"; exit }
		printf "%.0f", 100 * (1 - (i1 - i0) / (t1 - t0)) }'
}
# The proxy's core and the load's core (PIN=1), or the machine (PIN=0).
PROXY_LINE=cpu LOAD_LINE=cpu
[ "$PIN" = 1 ] && PROXY_LINE=cpu1 LOAD_LINE=cpu0

declare -A MEM_BEFORE MEM_AFTER MEM_PER

# measure_idle PROXY: IDLE idle connections through it, its RSS before and after.
measure_idle()
{
	local p=$1 ready=$W/idle-$1.ready cl before after

	before=$(rss_kb "${PID[$p]}")
	"${LOAD_CPU[@]}" timeout 300 python3 "$here/idle_conns.py" 127.0.0.1 "${PORT[$p]}" \
		"$IDLE" "$ready" 240 2>"$W/idle-$p.err" &
	cl=$!
	PIDS+=("$cl")
	for _ in $(seq 1200); do
		[ -f "$ready" ] && break
		kill -0 "$cl" 2>/dev/null || break
		sleep 0.1
	done
	[ -f "$ready" ] || die "idle connections through $p failed: $(cat "$W/idle-$p.err")"
	sleep 1		# let the proxy settle
	after=$(rss_kb "${PID[$p]}")
	kill -TERM "$cl" 2>/dev/null
	wait "$cl" 2>/dev/null
	forget "$cl"
	MEM_BEFORE[$p]=$before MEM_AFTER[$p]=$after
	MEM_PER[$p]=$(( (after - before) * 1024 / IDLE ))
	say "  $p: VmRSS ${before} kB -> ${after} kB with $IDLE idle connections: ${MEM_PER[$p]} B each"
	sleep 2		# the proxy closes the backend side
}

# Per run kind and proxy, one value per repetition: RES (req/s or MB/s), CPU
# (the proxy's CPU us per request, or ms per MiB), BUSY and LBUSY (how busy
# the proxy's core and the load's core were, in %).
declare -A RES CPU BUSY LBUSY

# wrk_run RUN PROXY [wrk args]: one measured wrk run; records req/s and CPU us/req.
wrk_run()
{
	local run=$1 p=$2 out rps t0 t1 n errs c0 c1 cpu pb lb

	shift 2
	alive "$p"
	t0=$(cpu_ticks "${PID[$p]}") c0=$(cpu_snap)
	out=$("${LOAD_CPU[@]}" timeout 120 wrk -t1 -c"$CONNS" -d"$DURATION" "$@" \
		"http://127.0.0.1:${PORT[$p]}/" 2>&1)
	t1=$(cpu_ticks "${PID[$p]}") c1=$(cpu_snap)
	echo "== $run $p" >>"$W/wrk.log"
	echo "$out" >>"$W/wrk.log"
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	n=$(awk '/requests in/ { print $1 }' <<<"$out")
	[ -n "$rps" ] && [ -n "$n" ] && [ "$n" -gt 0 ] || die "wrk through $p failed: $out"
	errs=$(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr -s ' ' | tr '\n' ';')
	[ -z "$errs" ] || say "  note: $run $p: $errs"
	cpu=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$n" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
	pb=$(busy "$PROXY_LINE" "$c0" "$c1") lb=$(busy "$LOAD_LINE" "$c0" "$c1")
	RES[$run,$p]+="$rps " CPU[$run,$p]+="$cpu " BUSY[$run,$p]+="$pb " LBUSY[$run,$p]+="$lb "
	say "  $run $p: $rps req/s, $cpu us CPU/req, busy: proxy core $pb%, load core $lb%"
}

# big_run PROXY: one BIG_MB MiB transfer; records MB/s (10^6 bytes).
big_run()
{
	local p=$1 out t0 t1 c0 c1 mbs cpu pb lb want=$((BIG_MB * 1048576))

	alive "$p"
	t0=$(cpu_ticks "${PID[$p]}") c0=$(cpu_snap)
	out=$("${LOAD_CPU[@]}" curl -sS --max-time 300 -o /dev/null \
		-w '%{http_code} %{size_download} %{speed_download}' \
		"http://127.0.0.1:${PORT[$p]}/big.bin")
	t1=$(cpu_ticks "${PID[$p]}") c1=$(cpu_snap)
	set -- $out
	[ "${1:-}" = 200 ] && [ "${2:-}" = "$want" ] || die "transfer through $p failed: $out"
	mbs=$(awk -v s="$3" 'BEGIN { printf "%.0f", s / 1e6 }')
	cpu=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v b="$want" 'BEGIN { printf "%.3f", t / hz * 1e3 / (b / 1048576) }')
	pb=$(busy "$PROXY_LINE" "$c0" "$c1") lb=$(busy "$LOAD_LINE" "$c0" "$c1")
	RES[big,$p]+="$mbs " CPU[big,$p]+="$cpu " BUSY[big,$p]+="$pb " LBUSY[big,$p]+="$lb "
	say "  big $p: $mbs MB/s, $cpu ms CPU/MiB, busy: proxy core $pb%, load core $lb%"
}


# ---- profiling -----------------------------------------------------------------------

SC_EVENTS="raw_syscalls:sys_enter"
for s in recvfrom sendto read write readv writev epoll_wait epoll_ctl accept4 connect \
	 close socket setsockopt getsockopt shutdown splice getsockname; do
	SC_EVENTS+=",syscalls:sys_enter_$s"
done

# load_once RUN PROXY: one unmeasured load for the profilers: 5 s of wrk, or
# one transfer. Prints how many requests (or MiB) it moved.
load_once()
{
	local run=$1 p=$2 out url=http://127.0.0.1:${PORT[$2]}/

	case $run in
	keepalive) out=$("${LOAD_CPU[@]}" timeout 60 wrk -t1 -c"$CONNS" -d5s "$url" 2>&1) ;;
	close) out=$("${LOAD_CPU[@]}" timeout 60 wrk -t1 -c"$CONNS" -d5s -H 'Connection: close' "$url" 2>&1) ;;
	big) "${LOAD_CPU[@]}" curl -sS --max-time 300 -o /dev/null "${url}big.bin"; echo "$BIG_MB"; return ;;
	esac
	awk '/requests in/ { print $1 }' <<<"$out"
}

# syscalls RUN PROXY: the proxy's system calls per request (per MiB for big).
syscalls()
{
	local run=$1 p=$2 n perf

	perf stat -x, -e "$SC_EVENTS" -p "${PID[$p]}" -o "$W/sc-$run-$p.csv" &
	perf=$!
	PIDS+=("$perf")
	sleep 0.5
	n=$(load_once "$run" "$p")
	kill -INT "$perf"; wait "$perf" 2>/dev/null; forget "$perf"
	awk -F, -v n="$n" -v p="$p" -v run="$run" '
		$3 ~ /sys_enter/ && $1 / n >= 0.005 {
			name = $3; sub(/.*sys_enter_?/, "", name); if (name == "") name = "ALL"
			printf "%-10s %-8s %-12s %8.2f\n", run, p, name, $1 / n }' \
		"$W/sc-$run-$p.csv" | sort -k4 -gr
}

# profile RUN PROXY: a cpu-clock profile of the proxy through one load;
# for lvsd with call graphs, for the others where their time goes by object.
profile()
{
	local run=$1 p=$2 data=$W/perf-$2-$1.data perf cg=()

	[ "$p" = lvsd ] && cg=(--call-graph "dwarf,16384")
	perf record -q -e cpu-clock -F 1999 "${cg[@]}" -p "${PID[$p]}" -o "$data" >/dev/null 2>&1 &
	perf=$!
	PIDS+=("$perf")
	sleep 0.5
	load_once "$run" "$p" >/dev/null
	kill -INT "$perf"; wait "$perf" 2>/dev/null; forget "$perf"
	echo
	echo "$p, $run: share of its CPU time by object"
	perf report -i "$data" --no-children --sort dso --stdio 2>/dev/null |
		awk '/^ *[0-9.]+%/ { printf "  %8s  %s\n", $1, $2 }' | head -n 6
	[ "$p" = lvsd ] || return 0
	echo "$p, $run: top functions by self time"
	perf report -i "$data" --no-children --sort sym --stdio -g none 2>/dev/null |
		awk '/^ *[0-9.]+%/ { pct = $1; $1 = ""; $2 = ""; sub(/^ +/, ""); printf "  %8s  %s\n", pct, $0 }' |
		head -n 20
	echo "$p, $run: time under each system call and lvsd function (children)"
	perf report -i "$data" --children --sort sym --stdio -g none 2>/dev/null |
		awk '/^ *[0-9.]+%/ && ($0 ~ /__x64_sys_|\[\.\] (tconn_|on_|uconn_|udest_|count_|hold_back|pass_fin|sched_|event_base_loop|evmap|malloc|free|calloc)/) {
			pct = $1; $1 = ""; $2 = ""; $3 = ""; sub(/^ +/, "")
			if (!seen[$1]++ && pct + 0 >= 0.5) printf "  %8s  %s\n", pct, $0 }' |
		head -n 30
	perf report -i "$data" --children --sort sym --stdio -G 2>/dev/null >"$W/perf-$p-$run.txt"
}

# ---- the run ---------------------------------------------------------------------------

# The machine must be quiet: other work on either core moves every figure.
quiet_check()
{
	local a b pct

	a=$(cpu_snap)
	sleep 2
	b=$(cpu_snap)
	pct=$(busy cpu "$a" "$b")
	[ "$pct" != - ] && [ "$pct" -gt 10 ] &&
		say "WARNING: the machine was ${pct}% busy before the start: the figures will be noisy"
	return 0
}

say "lvsd userspace benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $NCPU CPUs, $(uname -r)"
quiet_check
say "  $(haproxy -v | head -n1 | cut -d' ' -f1-3); $(nginx -v 2>&1 | cut -d' ' -f3); $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2); lvsd $("$LVSD" -V 2>&1 | head -n1)"
say "  REPS=$REPS DURATION=$DURATION CONNS=$CONNS IDLE=$IDLE BIG_MB=$BIG_MB PIN=$PIN workdir $W"
start_backend
start_haproxy
start_nginx_stream
start_lvsd
check_proxies
for p in $PROXIES; do cap "$p"; done

if [ "$IDLE" -gt 0 ]; then
	say "memory per idle connection ($IDLE connections, fresh proxies)"
	for p in $PROXIES; do measure_idle "$p"; done
fi

say "warm-up"
for p in $PROXIES; do
	"${LOAD_CPU[@]}" timeout 30 wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:${PORT[$p]}/" >/dev/null 2>&1
	"${LOAD_CPU[@]}" curl -sS --max-time 300 -o /dev/null "http://127.0.0.1:${PORT[$p]}/big.bin"
done

for rep in $(seq "$REPS"); do
	say "repetition $rep of $REPS"
	for run in $RUNS; do
		for p in $PROXIES; do
			case $run in
			keepalive) wrk_run keepalive "$p" ;;
			close) wrk_run close "$p" -H 'Connection: close' ;;
			big) big_run "$p" ;;
			*) die "unknown run '$run' in RUNS" ;;
			esac
		done
	done
done

if [ "$PROFILE" = 1 ]; then
	say "profiling (not measured runs)"
	{
		echo
		echo "system calls per request (big: per MiB); perf stat, one 5 s wrk run or one transfer"
		for run in $RUNS; do
			for p in $PROXIES; do syscalls "$run" "$p"; done
		done
		for run in $RUNS; do
			for p in $PROXIES; do profile "$run" "$p"; done
		done
	} >"$W/profile.txt" 2>&1
fi

# ---- the table ---------------------------------------------------------------------------

row()
{
	printf '%-30s %9s %9s %9s %9s %9s\n' "$1" "$2" "$3" "$4" "$(ratio "$4" "$2")" "$(ratio "$4" "$3")"
}
# medians KIND RUN: "haproxy nginx lvsd" medians of RES, CPU or BUSY.
medians()
{
	local -n a=$1
	local p

	for p in $PROXIES; do printf '%s ' "$(median "${a[$2,$p]}")"; done
}

echo
echo "lvsd userspace core vs HAProxy $(haproxy -v | head -n1 | cut -d' ' -f3) (mode tcp, nbthread 1)" \
     "vs nginx $(nginx -v 2>&1 | cut -d/ -f2) stream (1 worker)"
echo "medians of $REPS interleaved runs; wrk -t1 -c$CONNS -d$DURATION; one $BIG_MB MiB transfer with curl;" \
     "PIN=$PIN; CAP=$CAP; $NCPU CPUs"
echo
printf '%-30s %9s %9s %9s %9s %9s\n' "" haproxy nginx lvsd lvsd/hap lvsd/ngx
declare -A LABEL=([keepalive]="keep-alive, req/s" [close]="new conn per request, req/s"
	[big]="one transfer, MB/s")
declare -A CPULABEL=([keepalive]="keep-alive, CPU us/req" [close]="new conn, CPU us/req"
	[big]="transfer, CPU ms/MiB")
declare -A SHORT=([keepalive]="keep-alive" [close]="new conn" [big]="transfer")
for run in $RUNS; do row "${LABEL[$run]}" $(medians RES "$run"); done
[ "$IDLE" -gt 0 ] &&
	row "idle connection, bytes RSS" "${MEM_PER[haproxy]}" "${MEM_PER[nginx]}" "${MEM_PER[lvsd]}"
echo
echo "the proxy's own CPU time (utime + stime, /proc/PID/stat; lower is better)"
for run in $RUNS; do row "${CPULABEL[$run]}" $(medians CPU "$run"); done
echo
if [ "$PIN" = 1 ]; then
	echo "how busy the proxy's core (CPU 1) and the load's core (CPU 0: wrk or curl, backend) were, %"
	for run in $RUNS; do
		row "${SHORT[$run]}, proxy core" $(medians BUSY "$run")
		row "${SHORT[$run]}, load core" $(medians LBUSY "$run")
	done
else
	echo "how busy the machine was, %"
	for run in $RUNS; do row "${SHORT[$run]}" $(medians BUSY "$run"); done
fi
echo
echo "all runs:"
for run in $RUNS; do
	for p in $PROXIES; do
		printf '  %-10s %-8s %s (CPU: %s; busy: %s/ %s)\n' "$run" "$p" "${RES[$run,$p]}" \
			"${CPU[$run,$p]}" "${BUSY[$run,$p]}" "${LBUSY[$run,$p]}"
	done
done
[ "$IDLE" -gt 0 ] && for p in $PROXIES; do
	printf '  idle       %-8s VmRSS %s kB -> %s kB\n' "$p" "${MEM_BEFORE[$p]}" "${MEM_AFTER[$p]}"
done
[ "$PROFILE" = 1 ] && cat "$W/profile.txt"
exit 0

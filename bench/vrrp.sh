#!/usr/bin/env bash
#
# vrrp.sh - how long the VIP goes unanswered when the master director dies
# or stops: an lvsd pair against a keepalived pair (its VRRP part only),
# side by side in the network-namespace lab of the integration tests
# (tests/lab/lab.sh: client, dir1, dir2 on one bridge).
#
# Usage: bench/vrrp.sh BUILD_DIR
#   BUILD_DIR holds src/lvsd and src/lvsctl, built WITHOUT sanitizers, e.g.
#     mkdir -p /tmp/build-bench && cd /tmp/build-bench
#     /path/to/lvsd/configure CFLAGS='-O2 -g' && make -j2 src/lvsd src/lvsctl
#
# Needs root (network namespaces, raw sockets) and the Debian packages
# keepalived (2.2), iproute2 and python3; it checks, and names the missing.
#
# What it does, for each advertisement interval of INTERVALS and each
# daemon of DAEMONS (lvsd: lvsd.yaml's vrrp_instances; keepalived:
# `keepalived -n --vrrp`), both configured alike: VRRP version 3, vrid 51,
# priorities 150 (dir1) and 100 (dir2), preempt, the VIP $LAB_VIP/24 on
# eth0, gratuitous ARP 5 at once and 5 more after 5 s (lvsd's `garp:
# {delay: 5, repeat: 5}`, keepalived's garp_master_delay/_repeat):
#   - start dir1's daemon, wait until it holds the VIP, start dir2's, wait
#     until dir1 alone has held the VIP for HOLD (max(2 s, 4 adverts));
#   - REPS times:
#     crash: a pinger in the client sends an ICMP echo to the VIP every
#       PING_MS (10) ms and notes every reply with its kernel timestamp and
#       the Ethernet source (dir1's MAC or dir2's), and every VRRP
#       advertisement it hears; dir1's cable is cut (CRASH=cut:
#       lab_link_down, NO-CARRIER, so its daemon cannot even send priority
#       0; CRASH=drop: taken off the bridge, carrier kept, it stays master
#       alone); the gap is the longest time between two consecutive
#       replies, the second after the event, and the replies after dir2's
#       first must all come from dir2 (else the event failed); the cable
#       goes back, dir1 must preempt and hold;
#     graceful: the same pinger, SIGTERM to dir1's daemon (it sends
#       priority 0 and lets the VIP go), the gap likewise; dir1's daemon is
#       started again, and must preempt and hold;
#   - stop the pair; count each daemon's transitions to MASTER against
#     what the events explain (more means flapping).
# A crash's gap depends on where in an advertisement interval the cable
# was cut (between Master_Down_Interval - advert and Master_Down_Interval,
# plus the announcement). With PHASED=1 (the default, for intervals of
# 0.1 s and more) crash N is cut at the same point of the interval for
# every daemon: at phase frac(0.1 + 0.618034 N) of an interval after an
# advertisement of dir1's that the pinger heard (a sequence that spreads
# over the interval), so the two pairs' crash gaps compare event by event;
# each event says the phase it got (the shell's timing is good to a few
# ms). Otherwise (and at 0.01 s) the cut falls at random. "adv->dir2",
# the time from dir1's last advertisement the client heard to dir2's
# first reply, takes the phase out altogether. The table also
# shows how regularly dir1 advertised while master (as the client heard it).
# The bound of the crash gap is 3 x advert + Skew_Time(priority 100)
# + 30 ms, Skew_Time = (256 - 100) / 256 x advert, as lvsd (and keepalived)
# compute it (to the microsecond, not rounded to a centisecond).
#
# Environment: REPS=5 INTERVALS="1 0.1 0.01" DAEMONS="keepalived lvsd"
#   CRASH=cut (cut | drop) PING_MS=10 PHASED=1 KEEP=DIR (keep configurations, logs,
#   the pinger's records)
# Every process it starts is stopped on exit, by pid (and the lab's
# namespaces with everything in them); every wait is bounded; it writes
# nothing into the source tree. It prints a table.

set -u
export LC_ALL=C
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
MEDIAN_DECIMALS=0	# gaps in whole ms

REPS=${REPS:-5}
INTERVALS=${INTERVALS:-1 0.1 0.01}
DAEMONS=${DAEMONS:-keepalived lvsd}
CRASH=${CRASH:-cut}
PING_MS=${PING_MS:-10}
PHASED=${PHASED:-1}
KEEP=${KEEP:-}
VRID=51
PRIO1=150 PRIO2=100
GARP_DELAY=5 GARP_REPEAT=5

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "vrrp.sh: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: bench/vrrp.sh BUILD_DIR"
BUILD=$(cd "$1" 2>/dev/null && pwd) || die "no such directory: $1"
LVSD=$BUILD/src/lvsd
LVSCTL=$BUILD/src/lvsctl
[ -x "$LVSD" ] && [ -x "$LVSCTL" ] || die "$BUILD/src/lvsd and src/lvsctl are not built"
case $CRASH in cut | drop) ;; *) die "CRASH is cut or drop, not '$CRASH'" ;; esac
for d in $DAEMONS; do
	case $d in lvsd | keepalived) ;; *) die "DAEMONS: lvsd and/or keepalived, not '$d'" ;; esac
done

# ---- what must be installed ------------------------------------------------------

check_tools()
{
	local missing=() t

	for t in keepalived:keepalived python3:python3 ip:iproute2; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t#*:}")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		say "missing: ${missing[*]}"
		die "install them: apt-get install ${missing[*]}"
	fi
	if ldd "$LVSD" | grep -q 'libasan\|libubsan'; then
		die "$LVSD is a sanitizer build; configure another build dir without --enable-sanitizers"
	fi
}
check_tools

W=$(mktemp -d /tmp/lvsd-vrrp.XXXXXX) || die "mktemp failed"
PIDS=()


# True while PID runs (a zombie does not count).
alive()
{
	local stat

	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# stop_pid PID: TERM, up to 10 s, then KILL; reaped. Non-zero if KILL was needed.
stop_pid()
{
	local rc=0

	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 100); do alive "$1" || break; sleep 0.1; done
	if alive "$1"; then
		kill -KILL "$1" 2>/dev/null
		rc=1
	fi
	wait "$1" 2>/dev/null
	forget "$1"
	return $rc
}

# Stop what we started and still runs, by pid (keepalived's children too);
# the lab's own exit handler has emptied and removed its namespaces first.
cleanup()
{
	local p all=()

	trap - EXIT INT TERM
	for p in "${PIDS[@]}"; do
		all+=("$p")
		mapfile -t -O "${#all[@]}" all < <(pgrep -P "$p" 2>/dev/null)
	done
	for p in "${all[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for _ in $(seq 50); do
		local left=()
		for p in "${all[@]}"; do alive "$p" && left+=("$p"); done
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

# shellcheck source=../tests/lab/lab.sh
. "$here/../tests/lab/lab.sh"
why=$(lab_usable) || die "cannot build the lab: $why"
lab_up client dir1 dir2 || die "cannot build the lab"
MAC1=$(lab_mac dir1) MAC2=$(lab_mac dir2)

# ---- the pinger -----------------------------------------------------------------------

# One echo request every INTERVAL_MS to VIP, on a schedule (a late send
# does not shift the next ones); each reply seen on IFACE as "R TIME SEQ
# MAC" (TIME: the kernel's receive timestamp; MAC: the frame's source),
# each request as "S TIME SEQ", and each VRRP advertisement heard as
# "A TIME MAC PRIORITY".
cat >"$W/pinger.py" <<'EOF'
import os, select, signal, socket, struct, sys, time

vip, ifname, interval = sys.argv[1], sys.argv[2], float(sys.argv[3]) / 1000.0
ident = os.getpid() & 0xffff
SO_TIMESTAMPNS = 35
PACKET_OUTGOING = 4

tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
tx.setsockopt(255, 1, struct.pack("I", 0xffffffff))	# SOL_RAW, ICMP_FILTER: read nothing here
rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
rx.bind((ifname, 0))
rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
rx.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
rx.setblocking(False)
vip_raw = socket.inet_aton(vip)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
out = sys.stdout

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

def stamp(anc):
    for lvl, kind, d in anc:
        if lvl == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(d) >= 16:
            sec, nsec = struct.unpack("qq", d[:16])
            return sec + nsec / 1e9
    return time.time()

def drain():
    while True:
        try:
            data, anc, _, addr = rx.recvmsg(2048, 64)
        except BlockingIOError:
            return
        if addr[2] == PACKET_OUTGOING or len(data) < 14 + 20 + 8:
            continue
        ihl = (data[14] & 0x0f) * 4
        mac = ":".join("%02x" % b for b in data[6:12])
        if data[14 + 9] == 112:		# a VRRP advertisement: who, with what priority
            out.write("A %.6f %s %d\n" % (stamp(anc), mac, data[14 + ihl + 2]))
            continue
        if data[14 + 9] != 1 or data[14 + 12:14 + 16] != vip_raw:
            continue
        typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[14 + ihl:14 + ihl + 8])
        if typ != 0 or rid != ident:
            continue
        out.write("R %.6f %d %s\n" % (stamp(anc), rseq, mac))

seq = 0
payload = b"lvsd-vrrp-bench." * 2
nxt = time.monotonic()
try:
    while True:
        now = time.monotonic()
        if now >= nxt:
            seq = (seq + 1) & 0xffff
            hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
            c = csum(hdr + payload)
            try:
                tx.sendto(struct.pack("!BBHHH", 8, 0, c, ident, seq) + payload, (vip, 0))
                out.write("S %.6f %d\n" % (time.time(), seq))
            except OSError as e:
                out.write("E %.6f %d %s\n" % (time.time(), seq, e.strerror))
            nxt += interval
            if now - nxt > 10 * interval:	# far behind: start the schedule again
                nxt = now + interval
            out.flush()
            continue
        r, _, _ = select.select([rx], [], [], nxt - now)
        if r:
            drain()
            out.flush()
finally:
    out.flush()
EOF

PINGER=

# start_pinger FILE: the pinger in the client; waits (5 s at most) until
# 20 replies have come and the last came from dir1. 0, or 1 with the reason.
start_pinger()
{
	local file=$1 n last

	: >"$file"
	ip netns exec "$(lab_ns client)" python3 -u "$W/pinger.py" "$LAB_VIP" eth0 "$PING_MS" >"$file" 2>"$file.err" &
	PINGER=$!
	PIDS+=("$PINGER")
	for _ in $(seq 100); do
		n=$(grep -c '^R ' "$file")
		last=$(grep '^R ' "$file" | tail -n1 | cut -d' ' -f4)
		[ "$n" -ge 20 ] && [ "$last" = "$MAC1" ] && return 0
		alive "$PINGER" || break
		sleep 0.05
	done
	say "    the pinger did not get 20 replies from dir1 ($MAC1) in 5 s: $n replies, the last from '${last:-none}'; $(head -c 300 "$file.err")"
	return 1
}

stop_pinger() { [ -z "$PINGER" ] || stop_pid "$PINGER"; PINGER=; }

# Processes are started with `ip netns exec` (which execs), not with
# lab_exec: a function sent to the background is a subshell, and $! would
# be that subshell's pid, not the daemon's.

# ---- the daemons ----------------------------------------------------------------------

# The current pair: its directory, daemon and interval; the daemon's pid per node.
D='' DAEMON='' ADV=''
declare -A DPID

conf_lvsd()		# NODE PRIO
{
	cat >"$D/$1.yaml" <<-EOF
	global:
	  router_id: $1
	  log_file: $D/$1.log
	  log_level: info
	  control_socket: $D/$1.sock
	  forwarding_core: userspace
	vrrp_instances:
	  - name: VI_1
	    interface: eth0
	    virtual_router_id: $VRID
	    priority: $2
	    version: 3
	    advert_interval: $ADV
	    preempt: true
	    virtual_ips: [$LAB_VIP/24]
	    garp: {delay: $GARP_DELAY, repeat: $GARP_REPEAT, refresh: 0}
	EOF
	"$LVSD" -t -f "$D/$1.yaml" >/dev/null || die "lvsd refuses $D/$1.yaml"
}

conf_keepalived()	# NODE PRIO
{
	cat >"$D/$1.conf" <<-EOF
	global_defs {
	    router_id $1
	    vrrp_version 3
	    vrrp_garp_master_delay $GARP_DELAY
	    vrrp_garp_master_repeat $GARP_REPEAT
	    vrrp_garp_master_refresh 0
	}
	vrrp_instance VI_1 {
	    state BACKUP
	    interface eth0
	    virtual_router_id $VRID
	    priority $2
	    advert_int $ADV
	    garp_master_delay $GARP_DELAY
	    garp_master_repeat $GARP_REPEAT
	    virtual_ipaddress {
	        $LAB_VIP/24 dev eth0
	    }
	}
	EOF
	keepalived -t -f "$D/$1.conf" >/dev/null 2>&1 || die "keepalived refuses $D/$1.conf"
}

# start_daemon NODE: start the pair's daemon there and wait (10 s at most)
# until it runs its VRRP. Its output is appended to NODE.out.
start_daemon()
{
	local node=$1 pid base

	base=$( (wc -l <"$D/$node.out") 2>/dev/null || echo 0)
	if [ "$DAEMON" = lvsd ]; then
		ip netns exec "$(lab_ns "$node")" "$LVSD" -n -f "$D/$node.yaml" -p "$D/$node.pid" -S "$D/$node.sock" \
			</dev/null >>"$D/$node.out" 2>&1 &
	else
		rm -f "$D/$node.pid" "$D/$node.vrrp.pid"
		ip netns exec "$(lab_ns "$node")" keepalived -n -l -D --vrrp -f "$D/$node.conf" -p "$D/$node.pid" \
			-r "$D/$node.vrrp.pid" </dev/null >>"$D/$node.out" 2>&1 &
	fi
	pid=$!
	PIDS+=("$pid")
	DPID[$node]=$pid
	for _ in $(seq 200); do
		alive "$pid" || break
		if [ "$DAEMON" = lvsd ]; then
			"$LVSCTL" -s "$D/$node.sock" vrrp >/dev/null 2>&1 && return 0
		else
			[ -s "$D/$node.vrrp.pid" ] &&
				tail -n "+$((base + 1))" "$D/$node.out" | grep -q 'Entering BACKUP STATE' && return 0
		fi
		sleep 0.05
	done
	tail -n 20 "$D/$node.out" >&2
	die "$DAEMON did not start in $node"
}

stop_daemon()
{
	local node=$1

	[ -n "${DPID[$node]:-}" ] || return 0
	stop_pid "${DPID[$node]}" || say "    $DAEMON in $node needed SIGKILL"
	DPID[$node]=
}

has_vip() { lab_exec "$1" ip -o -4 addr show dev eth0 | grep -q " $LAB_VIP/"; }
vip_state() { local s=; has_vip dir1 && s+=dir1; has_vip dir2 && s+=${s:+,}dir2; echo "${s:-nobody}"; }

ms_now() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }

# wait_master MS: until dir1 alone has held the VIP for HOLD ms, MS at most.
wait_master()
{
	local deadline=$(($(ms_now) + $1)) since=

	while [ "$(ms_now)" -lt "$deadline" ]; do
		if has_vip dir1 && ! has_vip dir2; then
			: "${since:=$(ms_now)}"
			[ $(($(ms_now) - since)) -ge "$HOLD" ] && return 0
		else
			since=
		fi
		sleep 0.05
	done
	say "    dir1 did not hold the VIP alone for $HOLD ms within $1 ms: it is on $(vip_state)"
	return 1
}

# The daemon's log lines about VRRP state, for the report.
state_log()
{
	if [ "$DAEMON" = lvsd ]; then
		grep -h 'VRRP VI_1: .* -> ' "$D/$1.log" 2>/dev/null
	else
		grep -h 'Entering .* STATE\|priority 0\|higher priority\|advertisement timeout' "$D/$1.out" 2>/dev/null
	fi
}

master_entries()
{
	if [ "$DAEMON" = lvsd ]; then
		grep -c 'VRRP VI_1: [A-Z]* -> MASTER' "$D/$1.log" 2>/dev/null
	else
		grep -c 'Entering MASTER STATE' "$D/$1.out" 2>/dev/null
	fi
}

# ---- one event --------------------------------------------------------------------------

ms() { awk -v a="$1" 'BEGIN { printf "%.0f", a * 1000 }'; }

# analyse FILE T0: "GAP LOST FROM TO LATE1 SENDMAX TAKEOVER AFTER" from the
# pinger's record: the longest time between two consecutive replies, the
# second after T0 (ms), the requests lost in it, the source of the replies
# before and after it; how many replies came from dir1 after the first
# one from dir2 (after T0); the longest time between two sends from 1 s
# before T0 (ms; more than a few PING_MS means the pinger itself was held
# up); the time from the last reply before dir2's first to that one (ms);
# and from dir1's last advertisement (any priority) to dir2's first reply
# (ms): the master-down interval (after priority 0, the skew time) and the
# announcement, without the chance of where in an advertisement interval
# the event fell.
analyse()
{
	awk -v t0="$2" -v m1="$MAC1" -v m2="$MAC2" '
		function who(m) { return m == m1 ? "dir1" : m == m2 ? "dir2" : m }
		$1 == "S" && $2 >= t0 - 1 { if (ps) { d = $2 - ps; if (d > smax) smax = d }; ps = $2 }
		$1 == "R" { n++; t[n] = $2; s[n] = $3; m[n] = $4 }
		$1 == "A" && $3 == m1 { na++; ta[na] = $2 }
		END {
			g = -1; at = 0
			for (i = 2; i <= n; i++) if (t[i] > t0 && t[i] - t[i - 1] > g) { g = t[i] - t[i - 1]; at = i }
			if (!at) { print "- - - - - - - -"; exit }
			lost = (s[at] - s[at - 1] + 65536) % 65536 - 1
			tk = "-"; la = "-"; late = 0
			for (k = 2; k <= n; k++) if (t[k] > t0 && m[k] == m2) break
			if (k <= n) {
				tk = sprintf("%.0f", (t[k] - t[k - 1]) * 1000)
				for (j = na; j >= 1; j--) if (ta[j] < t[k]) { la = sprintf("%.0f", (t[k] - ta[j]) * 1000); break }
				for (i = k; i <= n; i++) if (m[i] == m1) late++
			}
			printf "%.0f %d %s %s %d %.0f %s %s\n", g * 1000, lost, who(m[at - 1]), who(m[at]), late, smax * 1000, tk, la
		}' "$1"
}

# adverts FILE T0: the intervals between dir1's advertisements heard before
# T0, in ms, one a line; and "dir2 N" if dir2 advertised as master then.
adverts()
{
	awk -v t0="$2" -v m1="$MAC1" -v m2="$MAC2" '
		$1 == "A" && $2 < t0 && $3 == m1 && $4 > 0 { if (p) printf "%.3f\n", ($2 - p) * 1000; p = $2 }
		$1 == "A" && $2 < t0 && $3 == m2 && $4 > 0 { n2++ }
		END { if (n2) print "dir2", n2 }' "$1"
}

# The time of the last "-> MASTER" in dir2's lvsd log, in s since the epoch.
lvsd_master_at()
{
	local l

	l=$(grep 'VRRP VI_1: [A-Z]* -> MASTER' "$D/dir2.log" | tail -n1 | cut -d' ' -f1)
	[ -n "$l" ] && date -d "${l/T/ }" +%s.%3N 2>/dev/null
}

declare -A GAPS AFTER FAILS NOTES STALLS

# at_phase FILE N: after a few adverts, wait for the next advertisement
# of dir1's that the pinger (FILE) hears, then return at phase
# frac(0.1 + 0.618034 N) of an interval after it; PHASE_GOT is the phase
# it really was on return. 1 if no advertisement came within 2 s.
PHASE_GOT=
at_phase()
{
	local f=$1 n=$2 since t='' wait

	sleep "$(awk -v a="$ADV" 'BEGIN { print (2.5 * a > 0.2 ? 2.5 * a : 0.2) }')"
	since=$EPOCHREALTIME
	for _ in $(seq 400); do
		t=$(awk -v s="$since" -v m1="$MAC1" '$1 == "A" && $3 == m1 && $2 > s { t = $2 } END { if (t) print t }' "$f")
		[ -n "$t" ] && break
		sleep 0.005
	done
	[ -n "$t" ] || return 1
	wait=$(awk -v t="$t" -v n="$n" -v a="$ADV" -v now="$EPOCHREALTIME" 'BEGIN {
		x = 0.1 + 0.618034 * n; w = t + (x - int(x)) * a - now; print (w > 0 ? w : 0) }')
	sleep "$wait"
	PHASE_GOT=$(awk -v t="$t" -v a="$ADV" -v now="$EPOCHREALTIME" 'BEGIN { printf "%.2f", (now - t) / a }')
}

# event KIND N: one crash or graceful stop of dir1's daemon, measured; dir1
# is master again after it (0), or it says why not (1).
event()
{
	local kind=$1 n=$2 f="$D/ping-$1-$2.log" t0 deadline ok=0 r gap lost from to late smax tk after
	local settle took='' note='' node

	start_pinger "$f" || { FAILS[$DAEMON,$ADV,$kind]+=x; return 1; }
	# Long enough to hear dir1 advertise a few times, then a crash at its
	# phase (PHASED) or, else, a random part of an interval more: the
	# harness's own rhythm (dir1 became master, HOLD, the pinger's start)
	# must not choose where between two advertisements the event falls,
	# which a crash's gap depends on.
	if [ "$kind" = crash ] && [ "$PHASED" = 1 ] && awk -v a="$ADV" 'BEGIN { exit !(a >= 0.1) }' &&
		at_phase "$f" "$n"; then
		note="cut at phase $PHASE_GOT; "
	else
		sleep "$(awk -v a="$ADV" -v r="$RANDOM" 'BEGIN { print (2.5 * a > 0.2 ? 2.5 * a : 0.2) + a * r / 32768 }')"
	fi
	t0=$EPOCHREALTIME
	if [ "$kind" = crash ]; then
		lab_link_down dir1 "$CRASH" || die "lab_link_down dir1 $CRASH failed"
	else
		kill -TERM "${DPID[dir1]}"
	fi
	# Until a reply has come from dir2 after the event, at most 3 bounds + 5 s.
	deadline=$(($(ms_now) + 3 * ${BOUND%.*} + 5000))
	while [ "$(ms_now)" -lt "$deadline" ]; do
		if awk -v t0="$t0" -v m2="$MAC2" '$1 == "R" && $2 > t0 && $4 == m2 { f = 1; exit } END { exit !f }' "$f"; then
			ok=1
			break
		fi
		sleep 0.02
	done
	# Then SETTLE more, to see any second gap or a reply from dir1.
	settle=$((HOLD / 2))
	sleep "$(awk -v s="$settle" 'BEGIN { print s / 1000 }')"
	stop_pinger
	[ "$DAEMON" = lvsd ] && took=$(lvsd_master_at)
	r=$(analyse "$f" "$t0")
	read -r gap lost from to late smax tk after <<<"$r"
	adverts "$f" "$t0" >"$f.adv"
	grep -v '^dir2' "$f.adv" >>"$D/cadence"
	if grep -q '^dir2' "$f.adv"; then
		NOTES[$DAEMON,$ADV]+="$kind $n: dir2 advertised as master $(grep '^dir2' "$f.adv" | cut -d' ' -f2) times before the event. "
		note+="dir2 advertised as master $(grep '^dir2' "$f.adv" | cut -d' ' -f2) times before the event; "
	fi
	[ -n "$took" ] && note+="dir2 MASTER at +$(awk -v a="$took" -v b="$t0" 'BEGIN { printf "%.0f", (a - b) * 1000 }') ms (its log); "
	[ "${smax:-0}" != - ] && [ "${smax:-0}" -gt $((3 * PING_MS)) ] && {
		note+="the pinger was held up ($smax ms between two sends); "
		STALLS[$DAEMON,$ADV]+=x
	}
	if [ "$ok" = 1 ] && [ "$to" = dir2 ] && [ "$late" = 0 ] && [ "$from" = dir1 ]; then
		GAPS[$DAEMON,$ADV,$kind]+="$gap " AFTER[$DAEMON,$ADV,$kind]+="$after "
		say "  $kind $n: gap $gap ms ($lost lost, replies $from -> $to), dir2's first reply $after ms after dir1's last advert; ${note%; }"
	elif [ "$ok" = 1 ] && [ "$late" = 0 ] && [ "$tk" != - ]; then
		# The longest gap is not the takeover (the pinger held up, or a
		# second outage): both count, the longest is the measure.
		GAPS[$DAEMON,$ADV,$kind]+="$gap " AFTER[$DAEMON,$ADV,$kind]+="$after "
		NOTES[$DAEMON,$ADV]+="$kind $n: longest gap $gap ms ($from -> $to), not the takeover ($tk ms). "
		say "  $kind $n: gap $gap ms ($lost lost, replies $from -> $to: NOT the takeover, which took $tk ms)," \
		    "dir2's first reply $after ms after dir1's last advert; ${note%; }"
	else
		FAILS[$DAEMON,$ADV,$kind]+=x
		NOTES[$DAEMON,$ADV]+="$kind $n: no clean takeover (longest gap ${gap:-?} ms, replies $from -> $to, $late from dir1 after dir2's first, reply from dir2 seen: $ok). "
		say "  $kind $n: NO CLEAN TAKEOVER: reply from dir2 seen: $ok, longest gap ${gap:-?} ms, replies $from -> $to," \
		    "$late replies from dir1 after dir2's first; VIP on $(vip_state)"
		for node in dir1 dir2; do
			say "    $node's state log:"
			state_log "$node" | tail -n 8 | sed 's/^/      /' >&2
		done
	fi
	if [ "$CRASH" = cut ] || [ "$kind" = graceful ]; then
		has_vip dir1 && [ "$ok" = 1 ] &&
			{ say "  $kind $n: BOTH hold the VIP after the takeover"; NOTES[$DAEMON,$ADV]+="$kind $n: both held the VIP. "; }
	fi
	# Back to dir1 as master.
	if [ "$kind" = crash ]; then
		lab_link_up dir1 || die "lab_link_up dir1 failed"
	else
		for _ in $(seq 100); do alive "${DPID[dir1]}" || break; sleep 0.1; done
		alive "${DPID[dir1]}" && say "  $DAEMON in dir1 still runs 10 s after SIGTERM"
		stop_daemon dir1
		start_daemon dir1
	fi
	wait_master $((2 * ${BOUND%.*} + HOLD + 10000)) || {
		NOTES[$DAEMON,$ADV]+="after $kind $n: dir1 did not become master again. "
		return 1
	}
}

# ---- one pair ----------------------------------------------------------------------------

declare -A ENTRIES EXPECT CADENCE

run_pair()
{
	local node

	DAEMON=$1 ADV=$2 D="$W/$1-$2"
	mkdir -p "$D"
	HOLD=$(awk -v a="$ADV" 'BEGIN { h = 4000 * a; print (h < 2000 ? 2000 : h) }')
	BOUND=$(awk -v a="$ADV" 'BEGIN { printf "%.1f", 1000 * (3 * a + (256 - 100) / 256 * a) + 30 }')
	say "$DAEMON, advert interval ${ADV}s: crash bound $BOUND ms, hold ${HOLD} ms"
	"conf_$DAEMON" dir1 "$PRIO1"
	"conf_$DAEMON" dir2 "$PRIO2"
	# dir1 first, so dir2 starts as the backup it is meant to stay.
	start_daemon dir1
	wait_master $((2 * ${BOUND%.*} + HOLD + 10000)) || die "$DAEMON in dir1 never became master"
	start_daemon dir2
	wait_master $((2 * ${BOUND%.*} + HOLD + 10000)) || die "$DAEMON: dir1 is not the master of the pair"
	for rep in $(seq "$REPS"); do
		event crash "$rep" || break
		event graceful "$rep" || break
	done
	# The backup first: stopping the master first would make it master.
	for node in dir2 dir1; do
		[ "$DAEMON" = lvsd ] && "$LVSCTL" -s "$D/$node.sock" vrrp >"$D/$node.vrrp" 2>&1
		stop_daemon "$node"
	done
	ENTRIES[$DAEMON,$ADV]="$(master_entries dir1)/$(master_entries dir2)"
	if [ "$CRASH" = cut ]; then
		EXPECT[$DAEMON,$ADV]="$((1 + 2 * REPS))/$((2 * REPS))"
	else
		EXPECT[$DAEMON,$ADV]="$((1 + REPS))/$((2 * REPS))"
	fi
	CADENCE[$DAEMON,$ADV]=$(sort -g "$D/cadence" 2>/dev/null | awk '{ v[NR] = $1; s += $1 }
		END { if (!NR) { print "- - -"; exit }
			k = int(NR * 0.99); if (k < 1) k = 1
			printf "%.2f %.2f %.2f", s / NR, v[k], v[NR] }')
	say "  transitions to MASTER dir1/dir2: ${ENTRIES[$DAEMON,$ADV]} (the events explain ${EXPECT[$DAEMON,$ADV]});" \
	    "dir1's adverts every ${CADENCE[$DAEMON,$ADV]% *} ms (mean, p99)"
	BOUNDS[$ADV]=$BOUND
}

# ---- the run -------------------------------------------------------------------------------

quiet_check()
{
	local a b

	a=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
	sleep 2
	b=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN { split(a, x); split(b, y); t = y[2] - x[2];
		if (t > 0 && 100 * (1 - (y[1] - x[1]) / t) > 10)
			printf "WARNING: the machine was %.0f%% busy before the start: timings may be noisy\n",
				100 * (1 - (y[1] - x[1]) / t) }' >&2
}

declare -A BOUNDS
say "VRRP failover benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r)"
quiet_check
say "  $(keepalived --version 2>&1 | head -n1); lvsd $("$LVSD" -V 2>&1 | head -n1)"
say "  REPS=$REPS INTERVALS='$INTERVALS' CRASH=$CRASH PING_MS=$PING_MS workdir $W"
for adv in $INTERVALS; do
	for d in $DAEMONS; do run_pair "$d" "$adv"; done
done

# ---- the table -------------------------------------------------------------------------------

fails() { local f=${FAILS[$1]:-}; echo "${#f}"; }

within() { tr ' ' '\n' <<<"$1" | grep . | awk -v b="$2" '$1 <= b { k++ } END { printf "%d/%d", k, NR }'; }

echo
echo "VRRP failover, lvsd $("$LVSD" -V 2>&1 | head -n1 | awk '{ print $NF }') vs $(keepalived --version 2>&1 | head -n1 | cut -d' ' -f1-2):" \
     "the longest time between replies to a ping of the VIP every $PING_MS ms, ms"
echo "$REPS events of each kind; crash: dir1's cable $([ "$CRASH" = cut ] && echo cut || echo "off the bridge");" \
     "graceful: SIGTERM to dir1's daemon; bound: 3 x advert + skew(100) + 30 ms;"
echo "adv->dir2: from dir1's last advertisement (graceful: its priority 0) to dir2's first reply, median;" \
     "fail: events without a clean takeover"
echo
printf '%-6s %-16s %6s %6s %9s %6s %6s %4s  %8s %6s %9s %4s\n' advert daemon crash max adv-\>dir2 bound within fail \
	graceful max adv-\>dir2 fail
for adv in $INTERVALS; do
	for d in $DAEMONS; do
		c=${GAPS[$d,$adv,crash]:-} g=${GAPS[$d,$adv,graceful]:-}
		printf '%-6s %-16s %6s %6s %9s %6s %6s %4s  %8s %6s %9s %4s\n' "${adv}s" "$d" \
			"$(median "$c")" "$(maxof "$c")" "$(median "${AFTER[$d,$adv,crash]:-}")" \
			"${BOUNDS[$adv]:-}" "$(within "$c" "${BOUNDS[$adv]:-0}")" "$(fails "$d,$adv,crash")" \
			"$(median "$g")" "$(maxof "$g")" "$(median "${AFTER[$d,$adv,graceful]:-}")" \
			"$(fails "$d,$adv,graceful")"
	done
	if [[ " $DAEMONS " == *" lvsd "* ]] && [[ " $DAEMONS " == *" keepalived "* ]]; then
		printf '%-6s %-16s %6s %6s %9s %6s %6s %4s  %8s %6s %9s\n' "${adv}s" lvsd/keepalived \
			"$(ratio "$(median "${GAPS[lvsd,$adv,crash]:-}")" "$(median "${GAPS[keepalived,$adv,crash]:-}")")" \
			"$(ratio "$(maxof "${GAPS[lvsd,$adv,crash]:-}")" "$(maxof "${GAPS[keepalived,$adv,crash]:-}")")" \
			"$(ratio "$(median "${AFTER[lvsd,$adv,crash]:-}")" "$(median "${AFTER[keepalived,$adv,crash]:-}")")" \
			"" "" "" \
			"$(ratio "$(median "${GAPS[lvsd,$adv,graceful]:-}")" "$(median "${GAPS[keepalived,$adv,graceful]:-}")")" \
			"$(ratio "$(maxof "${GAPS[lvsd,$adv,graceful]:-}")" "$(maxof "${GAPS[keepalived,$adv,graceful]:-}")")" \
			"$(ratio "$(median "${AFTER[lvsd,$adv,graceful]:-}")" "$(median "${AFTER[keepalived,$adv,graceful]:-}")")"
	fi
done
echo
echo "stability: dir1's advertisements as the client heard them while it was master (ms between two);"
echo "transitions to MASTER over the run against those the events explain (more: flapping);"
echo "events in which the pinger itself was held up (more than $((3 * PING_MS)) ms between two sends)"
echo
printf '%-7s %-16s %7s %7s %7s  %-26s %s\n' advert daemon mean p99 max "to MASTER dir1/dir2 (explained)" "pinger held up"
for adv in $INTERVALS; do
	for d in $DAEMONS; do
		read -r cm cp cx <<<"${CADENCE[$d,$adv]:-- - -}"
		st=${STALLS[$d,$adv]:-}
		printf '%-7s %-16s %7s %7s %7s  %-26s %s\n' "${adv}s" "$d" "$cm" "$cp" "$cx" \
			"${ENTRIES[$d,$adv]:-} (${EXPECT[$d,$adv]:-})" "${#st}"
	done
done
echo
echo "all gaps, ms:"
for adv in $INTERVALS; do
	for d in $DAEMONS; do
		printf '  %-6s %-10s crash: %s(adv->dir2: %s) graceful: %s(adv->dir2: %s)\n' "${adv}s" "$d" \
			"${GAPS[$d,$adv,crash]:-}" "${AFTER[$d,$adv,crash]:-}" \
			"${GAPS[$d,$adv,graceful]:-}" "${AFTER[$d,$adv,graceful]:-}"
		[ -z "${NOTES[$d,$adv]:-}" ] || printf '         %s\n' "${NOTES[$d,$adv]}"
	done
done
exit 0

#!/usr/bin/env bash
#
# vrrp.sh - VRRP failover for real, in the lab (issue 5): lvsd in dir1
# (priority 150) and dir2 (priority 100), one instance VI_1 on eth0 with
# the VIP $LAB_VIP/24, a notify script per state, a client on the same
# bridge. Advertisements every 0.2 s, so Master_Down_Interval is 720 ms
# for dir2 (3 x 200 + Skew_Time 120) and 680 ms for dir1 (3 x 200 + 80).
#
#   1. election by priority: dir1 MASTER, dir2 BACKUP, the VIP on dir1's
#      eth0 only with its label, lvsctl vrrp and the status JSON agree, the
#      client's ARP for the VIP resolves to dir1's MAC, only the master
#      advertises (to 224.0.0.18, TTL 255);
#   2. forged and malformed packets from the client (to 224.0.0.18 and to
#      dir2's address) are dropped and counted under the right reason, and
#      move nobody;
#   3. the master's cable is cut: dir2 takes over within Master_Down_Interval
#      (+ a margin), holds the VIP, the client's neighbour entry moves to
#      dir2 by gratuitous ARP alone; dir1 goes FAULT, drops the VIP, and
#      preempts when its cable is back;
#   4. the master's lvsd is SIGKILLed: the same takeover; restarted with
#      preempt: false it removes the VIP the dead one left and stays BACKUP;
#      a reload with preempt: true makes it preempt;
#   5. graceful stop (SIGTERM): dir2 takes over after Skew_Time only, the
#      VIP leaves dir1, the notify scripts ran in order; a restarted dir1
#      preempts;
#   6. split brain (the bridge isolates the directors' ports from each
#      other, both still reach the client): both MASTER; healed, dir1 alone
#      is MASTER within three adverts, holds the VIP alone, and the client's
#      neighbour entry is dir1's MAC again. Who hears the other first when
#      the link comes back is a race, so both orders are made on purpose:
#      dir1 hears the lower master first (dir2 deaf to dir1 for a moment)
#      and re-announces; or dir2 hears dir1 first (the link comes back
#      right after one of dir2's adverts) and yields;
#   7. a tracked interface: down with weight -100, dir1 drops to 50 and dir2
#      takes over; up, dir1 again; without a weight, down is FAULT;
#   8. unicast peers: the same election and failover, no multicast on the
#      wire, a sender that is no peer is counted and ignored, and a wrong
#      peer list makes a second master;
#   9. keepalived (if it is installed) as the peer in dir2, both ways round;
#  10. every lvsd stops cleanly, without a sanitizer report;
#  11. version 2 (RFC 3768, adverts every second): election, version 2 on
#      the wire, a crash and a graceful stop taken over in time, and
#      keepalived speaking version 2 as the peer, both ways.
# Takeover times come from the log's millisecond timestamps.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lab/lab.sh
. "$top_srcdir/tests/lab/lab.sh"

why=$(lab_usable) || skip_all "no network-namespace lab here: $why"
command -v ping >/dev/null || skip_all "no ping command"

ADV=0.2 ADV_MS=200 VRID=51 MARGIN_MS=300
# RFC 5798 6.1, in microseconds as the daemon computes them, shown in whole ms.
skew_us() { echo $(((256 - $1) * ADV_MS * 1000 / 256)); }
skew_ms() { echo $(($(skew_us "$1") / 1000)); }
mdown_ms() { echo $(((3 * ADV_MS * 1000 + $(skew_us "$1")) / 1000)); }
sleep_ms() { sleep "$(($1 / 1000)).$(printf %03d $(($1 % 1000)))"; }
SKEW2=$(skew_ms 100) MDOWN2=$(mdown_ms 100) MDOWN1=$(mdown_ms 150)

lab_up client dir1 dir2 || bail_out "the lab did not come up"
DIR1=$(lab_addr dir1) DIR2=$(lab_addr dir2) CLIENT=$(lab_addr client)
MAC1=$(lab_mac dir1) MAC2=$(lab_mac dir2)
LVSD_BIN=$LVSD
for n in 1 2; do
	printf '#!/bin/sh\nexec ip netns exec %s "%s" "$@"\n' "$(lab_ns "dir$n")" "$LVSD_BIN" \
		>"$T/lvsd-in-dir$n"
	chmod +x "$T/lvsd-in-dir$n"
done

# notify FILE NAME STATE PRIORITY: the line "NAME STATE PRIORITY" into FILE.
cat >"$T/notify" <<'EOF'
#!/bin/sh
f=$1
shift
echo "$*" >>"$f"
EOF
chmod 755 "$T/notify"

# ---- the directors ------------------------------------------------------------

declare -A D_PID D_ERR

# on N: point lib.sh's daemon variables (CONFIG, SOCK, LOG, LVSD_PID, ...)
# at director N's lvsd.
on()
{
	CONFIG=$T/dir$1.yaml PIDFILE=$T/dir$1.pid SOCK=$T/dir$1.sock LOG=$T/dir$1.log
	STATUS_FILE=$T/dir$1.status.json LVSD=$T/lvsd-in-dir$1
	LVSD_PID=${D_PID[$1]:-} LVSD_ERR=${D_ERR[$1]:-} LVSD_MODE=fg
}

# dir_config N PRIORITY [YAML LINE...]: director N's file, the lines added
# to its instance (preempt, unicast_peers, track_interfaces). Gratuitous
# ARPs go out on becoming master only (garp delay 0: no second set 5 s
# later), so what the client's neighbour entry shows is what the test did.
dir_config()
{
	local n=$1 prio=$2 line

	shift 2
	{
		cat <<EOF
global:
  router_id: dir$n
  log_file: $T/dir$n.log
  log_level: debug
  status_file: $T/dir$n.status.json
  forwarding_core: userspace
  auto_reload: false
vrrp_instances:
  - name: VI_1
    interface: eth0
    virtual_router_id: $VRID
    priority: $prio
    advert_interval: $ADV
    virtual_ips: [$LAB_VIP/24]
    notify:
      master: "$T/notify $T/dir$n.notify"
      backup: "$T/notify $T/dir$n.notify"
      fault: "$T/notify $T/dir$n.notify"
      stop: "$T/notify $T/dir$n.notify"
    garp: {delay: 0}
EOF
		for line; do
			printf '    %s\n' "$line"
		done
	} >"$T/dir$n.yaml"
}

dir_start()
{
	local rc

	on "$1"
	start_lvsd
	rc=$?
	D_PID[$1]=$LVSD_PID D_ERR[$1]=$LVSD_ERR
	return $rc
}

# dir_stop N [SIGNAL [DESC]]: one point, lib.sh's stop_lvsd.
dir_stop()
{
	local n=$1

	shift
	on "$n"
	stop_lvsd "$@"
	D_PID[$n]=
}

# dir_kill N: SIGKILL, as a crash; its exit status is reaped, not judged.
dir_kill()
{
	on "$1"
	kill -KILL "$LVSD_PID" 2>/dev/null
	wait "$LVSD_PID" 2>/dev/null
	D_PID[$1]=
}

dir_reload()
{
	on "$1"
	ctl reload || diag "dir$1: lvsctl reload failed: $CTL_ERR $CTL_OUT"
}

# vnow N KEY...: those keys of VI_1 in director N's status JSON,
# space-separated (None for null); "-" when its lvsd does not run.
vnow()
{
	local n=$1

	shift
	if [ -z "${D_PID[$n]:-}" ]; then
		echo -
		return
	fi
	on "$n"
	if ! status_json "$T/st$n.json" >/dev/null 2>&1; then
		echo "?"
		return
	fi
	json_get "$T/st$n.json" "' '.join(str(d['vrrp'][0].get(k)) for k in '$*'.split())"
}

# vcount N KEY: a counter of VI_1 (adverts_received, unknown_peer, ...).
vcount()
{
	on "$1"
	status_json "$T/st$1.json" >/dev/null 2>&1 || { echo -1; return; }
	json_get "$T/st$1.json" "d['vrrp'][0]['counters']['$2']"
}

states() { echo "$(vnow 1 state) $(vnow 2 state)"; }
states_are() { [ "$(states)" = "$1" ]; }
show_states() { echo "dir1: $(vnow 1 state master vips_held effective_priority); dir2: $(vnow 2 state master vips_held effective_priority)"; }
# What both directors logged of VI_1 since $T0, for diagnostics.
since_t0() { local n; for n in 1 2; do echo "dir$n:"; log_ms "$T/dir$n.log" 'VRRP VI_1: [A-Z]' "$T0" lines | head -n 20; done; }

# has_vip N: the VIP is on director N's eth0.
has_vip() { lab_exec "dir$1" ip -o -4 addr show dev eth0 | grep -q " $LAB_VIP/24 "; }
vip_line() { lab_exec "dir$1" ip -o -4 addr show dev eth0 | grep " $LAB_VIP/24 "; }
vip_only_on() { if [ "$1" = 1 ]; then has_vip 1 && ! has_vip 2; else has_vip 2 && ! has_vip 1; fi; }

# The client's neighbour entry for the VIP: its MAC (empty if none).
client_neigh() { lab_exec client ip neigh show "$LAB_VIP" dev eth0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'; }
neigh_is() { [ "$(client_neigh)" = "$1" ]; }
neigh_diag() { lab_exec client ip neigh show "$LAB_VIP" dev eth0; }
ping_vip() { lab_exec client ping -c 1 -W 1 -q "$LAB_VIP" >/dev/null 2>&1; }

# log_ms FILE ERE SINCE_MS [lines]: the time (epoch ms) of the first line
# of FILE stamped at or after SINCE_MS that matches ERE; nothing if none.
# With "lines": every such line instead.
log_ms()
{
	python3 - "$@" <<'EOF'
import re, sys, time
path, pat, since = sys.argv[1], re.compile(sys.argv[2]), int(sys.argv[3])
every = sys.argv[4:] == ["lines"]
try:
    lines = open(path, errors="replace").readlines()
except OSError:
    lines = []
for line in lines:
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3}) ", line)
    if not m:
        continue
    t = int(time.mktime(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))) * 1000 + int(m.group(2))
    if t >= since and pat.search(line):
        if every:
            print(line.rstrip()[:300])
            continue
        print(t)
        break
EOF
}

# logged N ERE DESC: one point: director N logged a line matching ERE
# since $T0 (the section's event); else its VRRP lines since then.
logged()
{
	if [ -n "$(log_ms "$T/dir$1.log" "$2" "$T0")" ]; then
		pass "$3"
	else
		fail "$3" "no line matches /$2/ in dir$1's log since the event; its VRRP lines since:"
		diag "$(log_ms "$T/dir$1.log" 'VRRP VI_1: [A-Z]' "$T0" lines | head -n 30)"
	fi
}

# took N T0: ms from T0 to director N's first "-> MASTER" since T0.
took()
{
	local t

	t=$(log_ms "$T/dir$1.log" 'VRRP VI_1: [A-Z]+ -> MASTER: ' "$2")
	[ -n "$t" ] && echo $((t - $2))
}

transitions() { log_count 'VRRP VI_1: [A-Z]+ -> [A-Z]+: ' "$T/dir$1.log"; }

# eventually SECONDS DESC CMD...: one point: CMD succeeds within SECONDS;
# else DIAG_CMD's output (when set) says what was seen.
eventually()
{
	local secs=$1 desc=$2

	shift 2
	if wait_for "$secs" "$@"; then
		pass "$desc"
	else
		fail "$desc" "not within $secs s: $*" "${DIAG_CMD:+$($DIAG_CMD)}"
	fi
}

# within MS LO HI DESC: one point, LO <= MS <= HI.
within()
{
	if [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; then
		pass "$4: $1 ms (bounds $2..$3)"
	else
		fail "$4: ${1:-never} ms (bounds $2..$3)"
	fi
}

# notify_tail N K: the last K lines of director N's notify file, joined by "|".
notify_tail() { tail -n "$2" "$T/dir$1.notify" 2>/dev/null | paste -sd '|'; }
notify_is() { [ "$(notify_tail "$1" "$2")" = "$3" ]; }

# ---- raw VRRP on the wire, from the client --------------------------------------

# forge.py SRC DST COUNT KIND...: COUNT copies of each kind of
# advertisement (raw IPv4, our own header) from SRC to DST.
cat >"$T/forge.py" <<'EOF'
import socket, struct, sys, time

src, dst, count, kinds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
VRID, VIP = int(__import__("os").environ["VRID"]), __import__("os").environ["VIP"]

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def packet(kind):
    ttl, ver, typ, vrid, prio, n, interval, bad = 255, 3, 1, VRID, 100, None, 20, False
    addrs = socket.inet_aton(VIP)
    if kind == "ttl":
        ttl = 64
    elif kind == "checksum":
        bad = True
    elif kind == "vrid":
        vrid = VRID + 1
    elif kind == "length":
        n = 2                       # says two addresses, carries one
    elif kind == "count0":
        n = 0
    elif kind == "version":
        ver = 2
    elif kind == "type":
        typ = 2
    elif kind == "interval":
        interval = 0
    elif kind == "high-checksum":
        prio, bad = 254, True
    elif kind == "high-ttl":
        prio, ttl = 254, 64
    elif kind == "valid-high":
        prio = 254
    else:
        sys.exit("unknown kind " + kind)
    if n is None:
        n = 1
    if ver == 3:
        body = struct.pack("!BBBBHH", ver << 4 | typ, vrid, prio, n, interval & 0xFFF, 0) + addrs
        pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 112, len(body))
        c = csum(pseudo + body)
    else:
        body = struct.pack("!BBBBBBH", ver << 4 | typ, vrid, prio, n, 0, 1, 0) + addrs + bytes(8)
        c = csum(body)
    if bad:
        c ^= 0x5A5A
    body = body[:6] + struct.pack("!H", c) + body[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(body), 0, 0, ttl, 112, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip + body

s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
for kind in kinds:
    p = packet(kind)
    for _ in range(count):
        s.sendto(p, (dst, 0))
        time.sleep(0.002)
EOF

forge() { VRID=$VRID VIP=$LAB_VIP lab_exec client python3 "$T/forge.py" "$CLIENT" "$@"; }

# sniff SECONDS: what the client's eth0 sees of VRRP in that time, one
# line per kind: "mcast SRC TTL" or "ucast SRC DST" with a count.
# sniff SECONDS version: "mcast|ucast SRC vVERSION" with a count.
cat >"$T/sniff.py" <<'EOF'
import collections, socket, sys, time

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind(("eth0", 0))
s.settimeout(0.05)
seen = collections.Counter()
end = time.time() + float(sys.argv[1])
while time.time() < end:
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    if len(f) < 34 or f[23] != 112:
        continue
    src, dst = socket.inet_ntoa(f[26:30]), socket.inet_ntoa(f[30:34])
    if len(sys.argv) > 2 and len(f) > 34:
        seen["%s %s v%d" % ("mcast" if dst == "224.0.0.18" else "ucast", src, f[34] >> 4)] += 1
    elif dst == "224.0.0.18":
        seen["mcast %s ttl=%d" % (src, f[22])] += 1
    else:
        seen["ucast %s %s" % (src, dst)] += 1
for k, v in sorted(seen.items()):
    print(k, v)
EOF

sniff() { lab_exec client timeout 10 python3 "$T/sniff.py" "$@"; }

# =================================================================================
# 1. Election by priority
# =================================================================================

: >"$T/dir1.notify"
: >"$T/dir2.notify"
dir_config 1 150
dir_config 2 100
dir_start 1 || bail_out "lvsd did not start in dir1"
dir_start 2 || bail_out "lvsd did not start in dir2"

DIAG_CMD=show_states eventually 5 "election: dir1 (150) MASTER, dir2 (100) BACKUP" \
	states_are "MASTER BACKUP"
is "$(vnow 1 state priority effective_priority master vips_held)" "MASTER 150 150 $DIR1 True" \
	"dir1's status JSON: MASTER, priority 150, master itself, VIPs held"
is "$(vnow 2 state priority effective_priority master vips_held)" "BACKUP 100 100 $DIR1 False" \
	"dir2's status JSON: BACKUP, master $DIR1, VIPs not held"
on 1
ctl vrrp
like "$CTL_OUT" "^  VI_1  eth0 vrid $VRID  MASTER  priority 150  master $DIR1\$" \
	"lvsctl vrrp in dir1: MASTER, master $DIR1"
like "$CTL_OUT" "^    VIPs \\(held\\): $LAB_VIP/24\$" "lvsctl vrrp in dir1: the VIP is held"
on 2
ctl vrrp
like "$CTL_OUT" "^  VI_1  eth0 vrid $VRID  BACKUP  priority 100  master $DIR1\$" \
	"lvsctl vrrp in dir2: BACKUP, master $DIR1"
like "$CTL_OUT" "^    VIPs \\(not held\\): $LAB_VIP/24\$" "lvsctl vrrp in dir2: the VIP is not held"
check "the VIP is on dir1's eth0 only" vip_only_on 1
like "$(vip_line 1)" "inet $LAB_VIP/24 .* eth0:v$VRID( |\\\\|\$)" "the VIP carries the label eth0:v$VRID"
check "the VIP is a secondary address: dir1's own stays primary" \
	test "$(lab_exec dir1 ip -o -4 addr show dev eth0 | head -n 1 | awk '{ print $4 }')" = "$DIR1/24"
check "the client pings the VIP" ping_vip
is "$(client_neigh)" "$MAC1" "the client's ARP entry for the VIP is dir1's MAC"
like "$(cat "$T/dir1.log")" "VRRP VI_1: INIT -> BACKUP: starting; waiting $MDOWN1 ms for a master" \
	"dir1 starts BACKUP and waits Master_Down_Interval ($MDOWN1 ms)"
like "$(cat "$T/dir1.log")" "VRRP VI_1: BACKUP -> MASTER: no advertisement for the master-down interval" \
	"dir1 becomes MASTER when nobody advertises"
is "$(transitions 2)" 1 "dir2 made one transition only (INIT -> BACKUP)"

# Only the master advertises, to 224.0.0.18 with TTL 255, every 0.2 s.
wire=$(sniff 1)
like "$wire" "^mcast $DIR1 ttl=255 ([4-9]|1[0-9])\$" "on the wire: dir1 advertises to 224.0.0.18, TTL 255, about 5 a second"
unlike "$wire" "$DIR2|^ucast" "on the wire: dir2, the backup, sends nothing"
check "dir2 counts dir1's adverts (adverts_received > 0)" test "$(vcount 2 adverts_received)" -gt 0
is "$(vcount 2 became_master) $(vcount 1 became_master)" "0 1" "became_master: dir2 0, dir1 1"
DIAG_CMD="cat $T/dir1.notify $T/dir2.notify" eventually 3 "notify: dir1 ran BACKUP then MASTER" \
	notify_is 1 2 "VI_1 BACKUP 150|VI_1 MASTER 150"
is "$(notify_tail 2 5)" "VI_1 BACKUP 100" "notify: dir2 ran BACKUP only"

# =================================================================================
# 2. Forged and malformed packets
# =================================================================================

drops() { on "$1"; status_json "$T/st$1.json" >/dev/null 2>&1 && json_get "$T/st$1.json" "' '.join('%s=%d' % kv for kv in sorted(d['vrrp'][0]['counters']['dropped'].items()))"; }
# drops_delta N BEFORE: the non-zero differences, "reason=+n" sorted.
drops_delta()
{
	python3 - "$2" "$(drops "$1")" <<'EOF'
import sys
a = dict(kv.split("=") for kv in sys.argv[1].split())
b = dict(kv.split("=") for kv in sys.argv[2].split())
print(" ".join("%s=+%d" % (k, int(b[k]) - int(a.get(k, 0))) for k in sorted(b)
               if int(b[k]) != int(a.get(k, 0))))
EOF
}
delta_is() { [ "$(drops_delta "$1" "$2")" = "$3" ]; }

before1=$(drops 1) before2=$(drops 2)
tr1=$(transitions 1) tr2=$(transitions 2)
KINDS=(ttl checksum vrid length count0 version type interval high-checksum high-ttl)
N=3
forge 224.0.0.18 "$N" "${KINDS[@]}" || diag "forge to 224.0.0.18 failed"
forge "$DIR2" "$N" "${KINDS[@]}" || diag "forge to $DIR2 failed"
# N of each kind: ttl and high-ttl are "ttl", checksum and high-checksum
# "checksum", length and count0 "length", a wrong vrid is nobody's and not
# counted; dir2 got everything twice (to the group and to its address).
want1="checksum=+$((2 * N)) interval=+$N length=+$((2 * N)) ttl=+$((2 * N)) type=+$N version=+$N"
want2="checksum=+$((4 * N)) interval=+$((2 * N)) length=+$((4 * N)) ttl=+$((4 * N)) type=+$((2 * N)) version=+$((2 * N))"
drops_seen1() { drops_delta 1 "$before1"; }
drops_seen2() { drops_delta 2 "$before2"; }
DIAG_CMD=drops_seen2 eventually 3 \
	"dir2 counts each forged packet under its reason, the wrong vrid not at all ($want2)" \
	delta_is 2 "$before2" "$want2"
DIAG_CMD=drops_seen1 eventually 3 \
	"dir1 counts the ones sent to 224.0.0.18 ($want1)" delta_is 1 "$before1" "$want1"
sleep_ms "$MDOWN2"	# a master-down interval: a forged master would have won
is "$(states)" "MASTER BACKUP" "after the forged packets: dir1 still MASTER, dir2 BACKUP"
is "$(transitions 1) $(transitions 2)" "$tr1 $tr2" "no transition logged on either director"
is "$(vnow 2 master)" "$DIR1" "dir2 still names dir1 as master"
for re in "TTL is 64; must be 255" "checksum is 0x[0-9a-f]{4}; must be 0x[0-9a-f]{4}" \
	"[0-9]+ addresses make [0-9]+ bytes of VRRP; the packet has [0-9]+" "version is 2; ours is 3" \
	"type is 2; must be 1" "max advertisement interval is 0"; do
	check "dir2 logs the drop: $re" log_has "VRRP VI_1: dropped a packet: $re" "$T/dir2.log"
done
on 2
ctl vrrp
like "$CTL_OUT" "dropped: .*ttl $((4 * N)) .*checksum $((4 * N))" "lvsctl vrrp shows the drops"

# =================================================================================
# 3. The master's cable is cut
# =================================================================================

check "the client reaches the VIP before the cut" ping_vip
T0=$(now_ms)
lab_link_down dir1 cut
DIAG_CMD=show_states eventually 5 "cable cut: dir2 becomes MASTER" states_are "FAULT MASTER"
ms=$(took 2 "$T0")
within "$ms" $((MDOWN2 - ADV_MS - 100)) $((MDOWN2 + MARGIN_MS)) \
	"cable cut: dir2 took over within Master_Down_Interval ($MDOWN2 ms) + $MARGIN_MS"
CUT_MS=$ms
# The gratuitous ARP alone moves the client: no ping before looking.
DIAG_CMD=neigh_diag eventually 2 "cable cut: the client's neighbour entry is dir2's MAC, by gratuitous ARP" \
	neigh_is "$MAC2"
check "cable cut: dir2 holds the VIP" has_vip 2
check "cable cut: dir1 (FAULT) let the VIP go" eval '! has_vip 1'
check "cable cut: the client reaches the VIP at once" ping_vip
logged 1 "VRRP VI_1: MASTER -> FAULT: " "dir1 logs MASTER -> FAULT"
logged 2 "VRRP VI_1: BACKUP -> MASTER: no advertisement for the master-down interval" \
	"dir2 logs BACKUP -> MASTER"
DIAG_CMD="cat $T/dir1.notify" eventually 3 "notify: dir1 ran FAULT" notify_is 1 1 "VI_1 FAULT 150"

T0=$(now_ms)
lab_link_up dir1
DIAG_CMD=show_states eventually 5 "cable back: dir1 preempts, MASTER again; dir2 BACKUP" \
	states_are "MASTER BACKUP"
ms=$(took 1 "$T0")
within "$ms" 0 $((MDOWN1 + MARGIN_MS)) \
	"cable back: dir1 MASTER again within its Master_Down_Interval ($MDOWN1 ms) + $MARGIN_MS"
check "cable back: the VIP is on dir1 only" vip_only_on 1
DIAG_CMD=neigh_diag eventually 2 "cable back: the client's neighbour entry is dir1's MAC again" \
	neigh_is "$MAC1"
logged 2 "VRRP VI_1: MASTER -> BACKUP: master $DIR1 has priority 150" \
	"dir2 yields to dir1 (MASTER -> BACKUP: master $DIR1 has priority 150)"

# =================================================================================
# 4. The master's lvsd crashes (SIGKILL)
# =================================================================================

T0=$(now_ms)
dir_kill 1
DIAG_CMD=show_states eventually 5 "SIGKILL: dir2 becomes MASTER" states_are "- MASTER"
ms=$(took 2 "$T0")
within "$ms" $((MDOWN2 - ADV_MS - 100)) $((MDOWN2 + MARGIN_MS)) \
	"SIGKILL: dir2 took over within Master_Down_Interval ($MDOWN2 ms) + $MARGIN_MS"
KILL_MS=$ms
DIAG_CMD=neigh_diag eventually 2 "SIGKILL: the client's neighbour entry is dir2's MAC" neigh_is "$MAC2"
check "SIGKILL: dir2 holds the VIP" has_vip 2
check "SIGKILL: the dead lvsd's VIP is still on dir1 (nobody removed it)" has_vip 1

# Restarted without preempt: it clears what its predecessor left and stays BACKUP.
dir_config 1 150 "preempt: false"
dir_start 1 || bail_out "lvsd did not restart in dir1"
DIAG_CMD=show_states eventually 3 "preempt: false: dir1 comes up BACKUP under dir2" \
	states_are "BACKUP MASTER"
check "preempt: false: dir1 removed the VIP the killed lvsd left" eval '! has_vip 1'
sleep_ms $((2 * MDOWN1))
is "$(states)" "BACKUP MASTER" "preempt: false: dir2 stays MASTER (two master-down intervals later)"
is "$(vnow 1 master vips_held)" "$DIR2 False" "preempt: false: dir1 names dir2 as master"
check "preempt: false: the VIP is on dir2 only" vip_only_on 2

dir_config 1 150
T0=$(now_ms)
dir_reload 1
DIAG_CMD=show_states eventually 4 "reload with preempt: true: dir1 preempts" states_are "MASTER BACKUP"
check "after the preemption the VIP is on dir1 only" vip_only_on 1
DIAG_CMD=neigh_diag eventually 2 "the client's neighbour entry is dir1's MAC" neigh_is "$MAC1"

# =================================================================================
# 5. Graceful stop (SIGTERM)
# =================================================================================

wait_for 3 notify_is 2 1 "VI_1 BACKUP 100"
T0=$(now_ms)
dir_stop 1 TERM "SIGTERM: dir1's lvsd stops cleanly"
DIAG_CMD=show_states eventually 3 "SIGTERM: dir2 becomes MASTER" states_are "- MASTER"
ms=$(took 2 "$T0")
within "$ms" $((SKEW2 - 5)) $((SKEW2 + 200)) \
	"SIGTERM: dir2 took over after Skew_Time ($SKEW2 ms), not 3 x advert ($((3 * ADV_MS)) ms)"
TERM_MS=$ms
logged 2 "VRRP VI_1: BACKUP: master $DIR1 is leaving \\(priority 0\\)" \
	"dir2 heard dir1's priority 0"
logged 1 "VRRP VI_1: MASTER -> INIT: stopping" "dir1 logs MASTER -> INIT: stopping"
check "SIGTERM: dir1's VIP is gone" eval '! has_vip 1'
check "SIGTERM: dir2 holds the VIP" has_vip 2
DIAG_CMD=neigh_diag eventually 2 "SIGTERM: the client's neighbour entry is dir2's MAC" neigh_is "$MAC2"
check "SIGTERM: the client reaches the VIP at once" ping_vip
DIAG_CMD="cat $T/dir2.notify" eventually 3 "notify: dir2 ran BACKUP then MASTER, in order" \
	notify_is 2 2 "VI_1 BACKUP 100|VI_1 MASTER 100"
like "$(notify_tail 1 1)" "^VI_1 (INIT|STOP) 150\$" "notify: dir1's stop script ran before lvsd exited"

# =================================================================================
# 6. The primary comes back (preempt, the default)
# =================================================================================

T0=$(now_ms)
dir_start 1 || bail_out "lvsd did not restart in dir1"
DIAG_CMD=show_states eventually 4 "restart with preempt: dir1 MASTER, dir2 BACKUP" \
	states_are "MASTER BACKUP"
check "restart: the VIP is on dir1 only" vip_only_on 1
DIAG_CMD=neigh_diag eventually 2 "restart: the client's neighbour entry is dir1's MAC" neigh_is "$MAC1"
DIAG_CMD="cat $T/dir2.notify" eventually 3 "notify: dir2 ran BACKUP after MASTER" \
	notify_is 2 2 "VI_1 MASTER 100|VI_1 BACKUP 100"

# =================================================================================
# 7. Split brain
# =================================================================================

# The bridge keeps isolated ports from each other, not from the client.
isolate() { ip -n "$(lab_ns br)" link set dev "$1" type bridge_slave isolated "$2"; }

# deafen N ADDR on|off: director N drops whatever comes from ADDR (a
# blackhole route back to it, and reverse-path filtering) and still sends:
# a one-way cut, so that the other director hears it first when a split
# brain heals (a race otherwise).
deafen()
{
	if [ "$3" = on ]; then
		lab_exec "dir$1" sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.eth0.rp_filter=1 &&
			lab_exec "dir$1" ip route add blackhole "$2/32"
	else
		lab_exec "dir$1" ip route del blackhole "$2/32" &&
			lab_exec "dir$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
	fi
}

# split WHICH: isolate the directors from each other: both MASTER.
split()
{
	isolate dir1 on && isolate dir2 on || bail_out "cannot isolate the directors' bridge ports"
	DIAG_CMD=show_states eventually 4 "split brain ($1): both directors MASTER" \
		states_are "MASTER MASTER"
	check "split brain ($1): both hold the VIP" eval 'has_vip 1 && has_vip 2'
	DIAG_CMD=neigh_diag eventually 2 "split brain ($1): the client follows dir2's gratuitous ARP" \
		neigh_is "$MAC2"
}

heard_lower() { [ -n "$(log_ms "$T/dir1.log" "VRRP VI_1: MASTER: lower master $DIR2 \\(priority 100\\) heard: reasserting" "$T0")" ]; }

# One: dir1 hears dir2 first (dir2 is deaf to dir1 while the bridge joins them).
tr1=$(transitions 1)
split one
check "split brain: the client still reaches dir1" lab_exec client ping -c 1 -W 1 -q "$DIR1"
check "split brain: the client still reaches dir2" lab_exec client ping -c 1 -W 1 -q "$DIR2"
is "$(transitions 1)" "$tr1" "split brain: dir1 stayed MASTER all along"
T0=$(now_ms)
deafen 2 "$DIR1" on || bail_out "cannot deafen dir2"
isolate dir1 off && isolate dir2 off || bail_out "cannot join the directors again"
DIAG_CMD=since_t0 eventually 2 "healing, dir1 hears first: dir1 hears the lower master dir2 and reasserts" \
	heard_lower
DIAG_CMD=neigh_diag eventually 2 "healing, dir1 hears first: the client's neighbour entry is dir1's MAC (dir1 re-announced)" \
	neigh_is "$MAC1"
T0=$(now_ms)
deafen 2 "$DIR1" off || bail_out "cannot undeafen dir2"
DIAG_CMD=since_t0 eventually 3 "healed: dir1 MASTER, dir2 BACKUP" states_are "MASTER BACKUP"
t=$(log_ms "$T/dir2.log" 'VRRP VI_1: MASTER -> BACKUP: ' "$T0")
within "$([ -n "$t" ] && echo $((t - T0)))" 0 $((3 * ADV_MS + MARGIN_MS)) \
	"healed: one master again within three adverts ($((3 * ADV_MS)) ms) + $MARGIN_MS"
check "healed: the VIP is on dir1 only" vip_only_on 1
DIAG_CMD=neigh_diag eventually 1 "healed: the client's neighbour entry is still dir1's MAC" neigh_is "$MAC1"
check "healed: the client reaches the VIP" ping_vip

# Two: dir2 hears dir1 first and yields; dir1 never hears a lower master,
# and the client must still end on dir1. To make that order, the link
# comes back right after one of dir2's adverts (seen from the client), so
# that dir1's next one is almost surely first; when it was not (the first
# advert on the wire after the heal is dir2's), the split is made again,
# three times at most.
# heal.py BRNS PORT SRC: in the client, wait for an advert from SRC, take
# PORT out of isolation at once, print the source of the next advert seen.
cat >"$T/heal.py" <<'EOF'
import socket, subprocess, sys, time

br, port, src = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind(("eth0", 0))
s.settimeout(0.05)

def next_advert(secs):
    end = time.time() + secs
    while time.time() < end:
        try:
            f = s.recv(2048)
        except socket.timeout:
            continue
        if len(f) >= 34 and f[23] == 112:
            return socket.inet_ntoa(f[26:30])
    return None

while True:
    who = next_advert(2)
    if who is None:
        sys.exit("no advert from %s in 2 s" % src)
    if who == src:
        break
subprocess.run(["ip", "-n", br, "link", "set", "dev", port, "type", "bridge_slave",
                "isolated", "off"], check=True)
print(next_advert(1))
EOF
two=
for attempt in 1 2 3; do
	isolate dir1 on && isolate dir2 on || bail_out "cannot isolate the directors' bridge ports"
	if ! wait_for 4 states_are "MASTER MASTER" || ! wait_for 2 neigh_is "$MAC2"; then
		diag "split two, attempt $attempt: $(show_states); client: $(neigh_diag)"
		isolate dir1 off
		isolate dir2 off
		wait_for 3 states_are "MASTER BACKUP"
		continue
	fi
	T0=$(now_ms)
	first=$(lab_exec client timeout 8 python3 "$T/heal.py" "$(lab_ns br)" dir2 "$DIR2" 2>&1)
	isolate dir1 off
	wait_for 3 states_are "MASTER BACKUP"
	if [ "$first" = "$DIR1" ]; then
		two=$attempt
		break
	fi
	diag "split two, attempt $attempt: the first advert after the heal came from '$first'; once more"
done
if [ -z "$two" ]; then
	skip "split brain (two): dir2 hears dir1 first" "dir2 spoke first three times"
else
	pass "split brain (two, attempt $two): both MASTER, the client on dir2's MAC; healed, dir2 heard dir1 first"
	is "$(states)" "MASTER BACKUP" "healed, dir2 heard first: dir1 MASTER, dir2 BACKUP"
	t=$(log_ms "$T/dir2.log" 'VRRP VI_1: MASTER -> BACKUP: ' "$T0")
	within "$([ -n "$t" ] && echo $((t - T0)))" 0 $((3 * ADV_MS + MARGIN_MS)) \
		"healed, dir2 heard first: one master again within three adverts ($((3 * ADV_MS)) ms) + $MARGIN_MS"
	check "healed, dir2 heard first: the VIP is on dir1 only" vip_only_on 1
	DIAG_CMD=neigh_diag eventually 2 "healed, dir2 heard first: the client's neighbour entry is dir1's MAC" \
		neigh_is "$MAC1"
	P0=$(now_ms)
	if ping_vip; then
		pass "healed, dir2 heard first: the client reaches the VIP at once"
	else
		fail "healed, dir2 heard first: the client reaches the VIP at once"
		diag "the client's entry: $(neigh_diag)"
		diag "VRRP lines since the link between the directors came back:"
		diag "$(since_t0)"
		wait_for 15 ping_vip
		diag "the client reached the VIP again $(($(now_ms) - P0)) ms later: $(neigh_diag)"
	fi
fi

# =================================================================================
# 8. A tracked interface
# =================================================================================

# A veth pair inside dir1: taking its peer down pulls track0's cable (NO-CARRIER).
track_link() { lab_exec dir1 ip link set track0p "$1"; }
lab_exec dir1 ip link add track0 type veth peer name track0p &&
	lab_exec dir1 ip link set track0 up && track_link up || bail_out "cannot add track0 in dir1"
dir_config 1 150 "track_interfaces: [{name: track0, weight: -100}]"
dir_reload 1
is "$(vnow 1 state effective_priority)" "MASTER 150" "tracking track0 (weight -100), up: dir1 MASTER at 150"
T0=$(now_ms)
track_link down
DIAG_CMD=show_states eventually 4 "track0 down: dir1 at 50 < 100, dir2 takes over" \
	states_are "BACKUP MASTER"
is "$(vnow 1 priority effective_priority)" "150 50" "track0 down: dir1's effective priority is 50"
on 1
ctl vrrp
like "$CTL_OUT" "BACKUP  priority 150 \\(effective 50\\)  master $DIR2\$" \
	"lvsctl vrrp shows the effective priority"
check "track0 down: the VIP is on dir2 only" vip_only_on 2
ms=$(took 2 "$T0")
within "$ms" 0 $((MDOWN2 + MARGIN_MS)) "track0 down: dir2 took over within Master_Down_Interval + $MARGIN_MS"
check "dir1 logs the new effective priority" log_has "VRRP VI_1: effective priority 150 -> 50" "$T/dir1.log"
track_link up
DIAG_CMD=show_states eventually 4 "track0 up: dir1 back at 150, MASTER again" states_are "MASTER BACKUP"
is "$(vnow 1 effective_priority)" 150 "track0 up: effective priority 150"
check "track0 up: the VIP is on dir1 only" vip_only_on 1

dir_config 1 150 "track_interfaces: [{name: track0}]"
dir_reload 1
T0=$(now_ms)
track_link down
DIAG_CMD=show_states eventually 3 "track0 (no weight) down: dir1 FAULT, dir2 MASTER" \
	states_are "FAULT MASTER"
ms=$(took 2 "$T0")
within "$ms" 0 $((SKEW2 + 200)) "FAULT: dir1 resigned with priority 0, dir2 took over after Skew_Time"
check "FAULT: the VIP is on dir2 only" vip_only_on 2
DIAG_CMD="cat $T/dir1.notify" eventually 3 "notify: dir1 ran FAULT" notify_is 1 1 "VI_1 FAULT 150"
track_link up
DIAG_CMD=show_states eventually 4 "track0 up: the fault clears, dir1 MASTER again" \
	states_are "MASTER BACKUP"
check "fault cleared: the VIP is on dir1 only" vip_only_on 1
lab_exec dir1 ip link del track0
DIAG_CMD=show_states eventually 3 "track0 deleted: dir1 FAULT" states_are "FAULT MASTER"
dir_config 1 150
dir_reload 1
DIAG_CMD=show_states eventually 4 "no longer tracked: dir1 MASTER again" states_are "MASTER BACKUP"

# =================================================================================
# 9. Unicast peers
# =================================================================================

dir_stop 1 TERM "multicast dir1 stops cleanly"
dir_stop 2 TERM "multicast dir2 stops cleanly"
dir_config 1 150 "unicast_peers: [$DIR2]"
dir_config 2 100 "unicast_peers: [$DIR1]"
dir_start 1 || bail_out "lvsd (unicast) did not start in dir1"
dir_start 2 || bail_out "lvsd (unicast) did not start in dir2"
DIAG_CMD=show_states eventually 5 "unicast: dir1 MASTER, dir2 BACKUP" states_are "MASTER BACKUP"
is "$(vnow 2 master)" "$DIR1" "unicast: dir2 names dir1 as master"
check "unicast: the VIP is on dir1 only" vip_only_on 1
wire=$(sniff 1)
is "$wire" "" "unicast: the client's port sees no VRRP at all (no 224.0.0.18)"
check "unicast: dir2 receives dir1's adverts" test "$(vcount 2 adverts_received)" -gt 0
# A perfectly valid advert, priority 254, from the client: not a peer.
up0=$(vcount 2 unknown_peer)
tr2=$(transitions 2)
forge "$DIR2" 3 valid-high
counter_is() { [ "$(vcount "$1" "$2")" = "$3" ]; }
DIAG_CMD="vcount 2 unknown_peer" eventually 3 \
	"unicast: a valid advert from the client, no peer, is counted (unknown_peer $up0 -> $((up0 + 3)))" \
	counter_is 2 unknown_peer $((up0 + 3))
sleep_ms "$MDOWN2"
is "$(states) $(transitions 2)" "MASTER BACKUP $tr2" "unicast: its priority 254 moved nobody"

T0=$(now_ms)
dir_stop 1 TERM "unicast: dir1's lvsd stops cleanly"
DIAG_CMD=show_states eventually 3 "unicast, SIGTERM: dir2 becomes MASTER" states_are "- MASTER"
ms=$(took 2 "$T0")
within "$ms" $((SKEW2 - 5)) $((SKEW2 + 200)) "unicast, SIGTERM: dir2 took over after Skew_Time ($SKEW2 ms)"
U_TERM_MS=$ms
check "unicast, SIGTERM: the VIP is on dir2 only" vip_only_on 2
dir_start 1 || bail_out "lvsd (unicast) did not restart in dir1"
DIAG_CMD=show_states eventually 4 "unicast: dir1 back, preempts" states_are "MASTER BACKUP"
T0=$(now_ms)
lab_link_down dir1 cut
DIAG_CMD=show_states eventually 4 "unicast, cable cut: dir2 becomes MASTER" states_are "FAULT MASTER"
ms=$(took 2 "$T0")
within "$ms" $((MDOWN2 - ADV_MS - 100)) $((MDOWN2 + MARGIN_MS)) \
	"unicast, cable cut: dir2 took over within Master_Down_Interval ($MDOWN2 ms) + $MARGIN_MS"
U_CUT_MS=$ms
DIAG_CMD=neigh_diag eventually 2 "unicast, cable cut: the client's neighbour entry is dir2's MAC" \
	neigh_is "$MAC2"
lab_link_up dir1
DIAG_CMD=show_states eventually 4 "unicast, cable back: dir1 MASTER, dir2 BACKUP" \
	states_are "MASTER BACKUP"

# A wrong peer list: dir2 hears dir1 but takes it for a stranger.
dir_stop 2 TERM "unicast dir2 stops cleanly"
dir_config 2 100 "unicast_peers: [$LAB_NET4.99]"
dir_start 2 || bail_out "lvsd (wrong peers) did not start in dir2"
DIAG_CMD=show_states eventually 4 "a wrong peer list: dir2 does not see dir1 and becomes MASTER too" \
	states_are "MASTER MASTER"
check "a wrong peer list: dir2 counts dir1's adverts as unknown_peer" \
	test "$(vcount 2 unknown_peer)" -gt 0
is "$(vcount 2 adverts_received)" 0 "a wrong peer list: dir2 accepted no advert"
dir_stop 2 TERM "dir2 with the wrong peer list stops cleanly"
dir_stop 1 TERM "unicast dir1 stops cleanly"

# =================================================================================
# 10. keepalived as the peer
# =================================================================================

KA_PID='' KA_RUNS=0 KA_LOG=''

# ka_config PRIORITY: keepalived's file for dir2, the same router as lvsd's.
ka_config()
{
	cat >"$T/keepalived.conf" <<EOF
global_defs {
    router_id ka-dir2
    vrrp_version 3
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id $VRID
    priority $1
    advert_int $ADV
    virtual_ipaddress {
        $LAB_VIP/24 dev eth0 label eth0:v$VRID
    }
}
EOF
}

ka_start()
{
	KA_RUNS=$((KA_RUNS + 1))
	KA_LOG=$T/keepalived.$KA_RUNS.log
	# Not through lab_exec: $! must be keepalived's own pid, not a subshell's.
	ip netns exec "$(lab_ns dir2)" keepalived -n -l -D -P -G -f "$T/keepalived.conf" \
		-p "$T/keepalived.pid" -r "$T/keepalived-vrrp.pid" </dev/null >"$KA_LOG" 2>&1 &
	KA_PID=$!
	track "$KA_PID"
}

# ka_stop: SIGTERM, bounded; 0 if it exited within 10 s.
ka_stop()
{
	local rc=0

	[ -n "$KA_PID" ] || return 0
	kill -TERM "$KA_PID" 2>/dev/null
	wait_for 10 dead "$KA_PID" || { kill -KILL "$KA_PID" 2>/dev/null; rc=1; }
	wait "$KA_PID" 2>/dev/null
	KA_PID=
	return $rc
}

# The state keepalived last said it entered: MASTER, BACKUP, FAULT or "".
ka_state() { grep -Eo 'Entering [A-Z]+ STATE' "$KA_LOG" 2>/dev/null | tail -n 1 | awk '{ print $2 }'; }
ka_is() { [ "$(ka_state)" = "$1" ]; }
ka_diag() { echo "dir1: $(vnow 1 state master vips_held)"; tail -n 15 "$KA_LOG"; }

ka_usable()
{
	command -v keepalived >/dev/null || { echo "keepalived is not installed"; return 1; }
	ka_config 100
	if ! lab_exec dir2 keepalived -t -f "$T/keepalived.conf" >"$T/keepalived.t" 2>&1; then
		echo "keepalived -t rejects the file: $(head -n 3 "$T/keepalived.t" | paste -sd ' ')"
		return 1
	fi
}

if ! why=$(ka_usable); then
	skip "keepalived interop" "$why"
else
	diag "$(keepalived --version 2>&1 | head -n 1)"
	dir_config 1 150
	dir_start 1 || bail_out "lvsd did not start in dir1 (keepalived)"
	DIAG_CMD=show_states eventually 4 "keepalived: lvsd in dir1 alone is MASTER" states_are "MASTER -"
	ka_config 100
	ka_start
	if ! wait_for 5 ka_is BACKUP; then
		skip "keepalived interop" "keepalived did not come up in dir2: $(tail -n 3 "$KA_LOG" | paste -sd ' ')"
		ka_stop
	else
		pass "keepalived (100) in dir2 comes up BACKUP"
		tr1=$(transitions 1)
		sleep_ms $((2 * MDOWN2))
		DIAG_CMD=ka_diag eventually 1 "keepalived stays BACKUP: it accepts lvsd's adverts" ka_is BACKUP
		is "$(vnow 1 state) $(transitions 1)" "MASTER $tr1" "lvsd (150) stays MASTER"
		check "the VIP is on dir1 only" vip_only_on 1
		unlike "$(cat "$KA_LOG")" "[Bb]ogus|[Ii]nvalid|[Cc]hecksum|TTL|mismatch" \
			"keepalived finds nothing wrong with lvsd's adverts"
		check "keepalived stops" ka_stop

		# The other way round: keepalived 150, lvsd 100.
		dir_stop 1 TERM "dir1 stops cleanly (keepalived, first round)"
		dir_config 1 100
		dir_start 1 || bail_out "lvsd did not restart in dir1 (keepalived)"
		DIAG_CMD=show_states eventually 4 "lvsd (100) alone is MASTER" states_are "MASTER -"
		d0=$(drops 1)
		ka_config 150
		T0=$(now_ms)
		ka_start
		DIAG_CMD=ka_diag eventually 5 "keepalived (150) preempts: MASTER" ka_is MASTER
		DIAG_CMD=ka_diag eventually 3 "lvsd (100) becomes BACKUP" states_are "BACKUP -"
		is "$(vnow 1 master vips_held)" "$DIR2 False" "lvsd shows keepalived's address ($DIR2) as master"
		logged 1 "VRRP VI_1: MASTER -> BACKUP: master $DIR2 has priority 150" \
			"lvsd logs why it yielded"
		DIAG_CMD="vip_line 2" eventually 2 "the VIP is on dir2 (keepalived) only" vip_only_on 2
		DIAG_CMD=neigh_diag eventually 2 "the client's neighbour entry is dir2's MAC (keepalived's GARP)" \
			neigh_is "$MAC2"
		check "lvsd receives keepalived's adverts" test "$(vcount 1 adverts_received)" -gt 0
		is "$(drops_delta 1 "$d0")" "" "lvsd dropped none of keepalived's adverts"
		sleep_ms $((2 * MDOWN1))
		is "$(vnow 1 state)" BACKUP "lvsd stays BACKUP under keepalived"
		T0=$(now_ms)
		check "keepalived stops" ka_stop
		DIAG_CMD=show_states eventually 3 "keepalived stopped: lvsd becomes MASTER" states_are "MASTER -"
		ms=$(took 1 "$T0")
		diag "lvsd took over from a stopping keepalived in ${ms:-?} ms"
		check "the VIP is on dir1 only" vip_only_on 1
		dir_stop 1 TERM "dir1 stops cleanly (keepalived, second round)"
	fi
fi

# =================================================================================
# 11. VRRP version 2 (RFC 3768): whole-second adverts, no pseudo-header
# =================================================================================

# Advert 1 s: Master_Down_Interval 3 s + Skew_Time (3.414 s at 150, 3.609 s at 100).
V2_MDOWN1=3414 V2_MDOWN2=3609 V2_SKEW2=609
dir_config 1 150 "version: 2" "advert_interval: 1"
dir_config 2 100 "version: 2" "advert_interval: 1"
for n in 1 2; do sed -i '/^    advert_interval: '"$ADV"'$/d' "$T/dir$n.yaml"; done
dir_start 1 || bail_out "lvsd did not start in dir1 (version 2)"
dir_start 2 || bail_out "lvsd did not start in dir2 (version 2)"
DIAG_CMD=show_states eventually 8 "v2: election: dir1 (150) MASTER, dir2 (100) BACKUP" \
	states_are "MASTER BACKUP"
like "$(cat "$T/dir1.log")" "VRRP VI_1: INIT -> BACKUP: starting; waiting $V2_MDOWN1 ms for a master" \
	"v2: dir1 waits Master_Down_Interval as RFC 3768 computes it ($V2_MDOWN1 ms)"
wire=$(sniff 2.5 version)
like "$wire" "^mcast $DIR1 v2 [2-3]\$" "v2: on the wire, dir1 sends version 2 adverts, one a second"
unlike "$wire" "v3|$DIR2" "v2: no version 3 packet, nothing from dir2"
is "$(drops_delta 2 "")" "" "v2: dir2 drops none of dir1's adverts (checksum without pseudo-header)"
check "v2: the VIP is on dir1 only" vip_only_on 1

T0=$(now_ms)
dir_kill 1
DIAG_CMD=show_states eventually 6 "v2: dir1 killed: dir2 becomes MASTER" states_are "- MASTER"
ms=$(took 2 "$T0")
check "v2: dir2 took over within Master_Down_Interval + margin (${ms:-?} <= $((V2_MDOWN2 + MARGIN_MS)) ms)" \
	test "${ms:-999999}" -le $((V2_MDOWN2 + MARGIN_MS))
DIAG_CMD="vip_line 2" eventually 2 "v2: dir2 holds the VIP (the killed dir1 left its copy)" has_vip 2

dir_start 1 || bail_out "lvsd did not restart in dir1 (version 2)"
DIAG_CMD=show_states eventually 8 "v2: dir1 back: it preempts" states_are "MASTER BACKUP"
T0=$(now_ms)
dir_stop 1 TERM "v2: dir1 stops cleanly (priority 0 sent)"
DIAG_CMD=show_states eventually 3 "v2: graceful stop: dir2 becomes MASTER" states_are "- MASTER"
ms=$(took 2 "$T0")
check "v2: after priority 0, dir2 took over within Skew_Time + margin (${ms:-?} <= $((V2_SKEW2 + MARGIN_MS)) ms)" \
	test "${ms:-999999}" -le $((V2_SKEW2 + MARGIN_MS))
dir_stop 2 TERM "v2: dir2 stops cleanly"

# keepalived speaking version 2 in dir2, lvsd (150) in dir1.
if ! why=$(ka_usable); then
	skip "keepalived interop (version 2)" "$why"
else
	dir_config 1 150 "version: 2" "advert_interval: 1"
	sed -i '/^    advert_interval: '"$ADV"'$/d' "$T/dir1.yaml"
	dir_start 1 || bail_out "lvsd did not start in dir1 (keepalived, version 2)"
	DIAG_CMD=show_states eventually 8 "v2 keepalived: lvsd in dir1 alone is MASTER" states_are "MASTER -"
	ka_config 100
	sed -i 's/vrrp_version 3/vrrp_version 2/; s/advert_int .*/advert_int 1/' "$T/keepalived.conf"
	d0=$(drops 1)
	ka_start
	if ! wait_for 8 ka_is BACKUP; then
		fail "v2: keepalived comes up BACKUP under lvsd"
		diag "$(tail -n 5 "$KA_LOG")"
	else
		pass "v2: keepalived (100) in dir2 comes up BACKUP under lvsd (150)"
		sleep 4
		is "$(ka_state) $(vnow 1 state)" "BACKUP MASTER" "v2: keepalived accepts lvsd's adverts for 4 s"
		unlike "$(cat "$KA_LOG")" "[Bb]ogus|[Ii]nvalid|[Cc]hecksum|TTL|mismatch" \
			"v2: keepalived finds nothing wrong with lvsd's adverts"
		T0=$(now_ms)
		dir_stop 1 TERM "v2 keepalived: dir1 stops cleanly"
		DIAG_CMD=ka_diag eventually 3 "v2: lvsd's priority 0 makes keepalived MASTER" ka_is MASTER
		dir_start 1 || bail_out "lvsd did not restart in dir1 (keepalived, version 2)"
		DIAG_CMD=ka_diag eventually 8 "v2: lvsd (150) preempts keepalived" ka_is BACKUP
		DIAG_CMD=show_states eventually 2 "v2: lvsd is MASTER again" states_are "MASTER -"
		is "$(drops_delta 1 "$d0")" "" "v2: lvsd dropped none of keepalived's adverts"
	fi
	check "v2: keepalived stops" ka_stop
	dir_stop 1 TERM "v2 keepalived: dir1 stops cleanly at the end"
fi

# =================================================================================

diag "takeover times (advert $ADV_MS ms; Master_Down_Interval $MDOWN2 ms, Skew_Time $SKEW2 ms for dir2):"
diag "  multicast: cable cut ${CUT_MS:-?} ms, SIGKILL ${KILL_MS:-?} ms, SIGTERM ${TERM_MS:-?} ms"
diag "  unicast:   cable cut ${U_CUT_MS:-?} ms, SIGTERM ${U_TERM_MS:-?} ms"
for n in 1 2; do
	[ -z "${D_PID[$n]:-}" ] || dir_stop "$n" TERM "dir$n stops cleanly at the end"
done
done_testing

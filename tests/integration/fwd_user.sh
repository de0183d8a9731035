#!/usr/bin/env bash
#
# fwd_user.sh - the userspace forwarding core, for real, in the lab: a
# client, a director running lvsd, three real servers (lvs-testsrv) in
# network namespaces. Each scheduler's spread over new connections, the
# exact wrr proportions, persistence and its templates, drain by weight 0
# (an open connection carries on, new ones go elsewhere), removal by a
# reload (drained: its connections carry on until drain_timeout, then are
# closed), a real server that dies (the next pick takes
# the client), UDP flows answered from the VIP, the PROXY v2 header,
# half-close through the proxy, IPv6, a thousand concurrent clients, the
# connection limit, and what lvsctl list shows for all of it.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lab/lab.sh
. "$top_srcdir/tests/lab/lab.sh"

TS=$LVS_TESTSRV
[ -x "$TS" ] || bail_out "$TS is not built (set LVS_TESTSRV)"
why=$(lab_usable) || skip_all "no network-namespace lab here: $why"

lab_up client dir1 rs1 rs2 rs3 || bail_out "the lab did not come up"
lab_exec dir1 ip addr add "$LAB_VIP/24" dev eth0 || bail_out "cannot add the VIP"
lab_exec dir1 ip -6 addr add "$LAB_VIP6/64" dev eth0 nodad || bail_out "cannot add the VIP6"
for n in 1 2 3; do
	lab_testsrv "rs$n" --id "rs$n" --http "0.0.0.0:80" --http "[::]:80" \
		--udp-echo "0.0.0.0:53" --echo "0.0.0.0:7" --smtp "0.0.0.0:25" ||
		bail_out "rs$n did not start"
	eval "RS${n}_PID=\$LAB_PID"
	lab_testsrv "rs$n" --id "rs$n" --proxy-v2 --http "0.0.0.0:81" ||
		bail_out "rs$n (proxy v2) did not start"
done
RS1=$(lab_addr rs1) RS2=$(lab_addr rs2) RS3=$(lab_addr rs3)
CLIENT=$(lab_addr client)

# lvsd runs inside dir1; its control socket is a file, reachable from here.
printf '#!/bin/sh\nexec ip netns exec %s "%s" "$@"\n' "$(lab_ns dir1)" "$LVSD" >"$T/lvsd-in-dir1"
chmod +x "$T/lvsd-in-dir1"
LVSD=$T/lvsd-in-dir1

# cl ARGS...: the test client in the client namespace, bounded.
cl() { lab_exec client timeout 60 "$TS" "$@" 2>>"$T/client.err"; }

# spread N URL [ARGS]: "rs1 A rs2 B rs3 C " (zeros included) for N requests.
spread()
{
	local n=$1 url=$2 out id

	shift 2
	out=$(cl --get-many "$n" "$url" "$@")
	for id in rs1 rs2 rs3; do
		printf '%s %s ' "$id" "$(awk -v id="$id" '$1 == id { c = $2 } END { print c + 0 }' <<<"$out")"
	done
}

# services SCHEDULER W1 W2 W3 [EXTRA YAML for the web service]
services()
{
	local sched=$1 w1=$2 w2=$3 w3=$4 extra=${5:-}

	{
		config_global info
		echo "  max_conns: ${MAX_CONNS:-100000}"
		echo "  timeouts: {tcp: 900, tcpfin: 120, udp: ${UDP_TIMEOUT:-300}}"
		echo "virtual_services:"
		echo "  - name: web"
		echo "    address: $LAB_VIP:80"
		echo "    scheduler: $sched"
		[ -z "$extra" ] || echo "$extra"
		echo "    real_servers:"
		[ "$w1" = - ] || echo "      - {address: $RS1:80, weight: $w1}"
		echo "      - {address: $RS2:80, weight: $w2}"
		echo "      - {address: $RS3:80, weight: $w3}"
		echo "  - name: web6"
		echo "    address: \"[$LAB_VIP6]:80\""
		echo "    scheduler: rr"
		echo "    real_servers:"
		echo "      - {address: \"[$(lab_addr6 rs1)]:80\"}"
		echo "      - {address: \"[$(lab_addr6 rs2)]:80\"}"
		echo "  - name: dns"
		echo "    address: $LAB_VIP:53"
		echo "    protocol: udp"
		echo "    scheduler: rr"
		echo "    real_servers: [{address: $RS1}, {address: $RS2}, {address: $RS3}]"
		echo "  - name: echo"
		echo "    address: $LAB_VIP:7"
		echo "    real_servers: [{address: $RS1}]"
		echo "  - name: smtp"
		echo "    address: $LAB_VIP:25"
		echo "    real_servers: [{address: $RS1}]"
		echo "  - name: proxied"
		echo "    address: $LAB_VIP:81"
		echo "    proxy_protocol: v2"
		echo "    real_servers: [{address: $RS2}]"
	} >"$CONFIG"
}

reload_with()
{
	services "$@"
	ctl reload || diag "reload failed: $CTL_ERR"
}

URL=http://$LAB_VIP:80/

services rr 1 1 1
start_lvsd || bail_out "lvsd did not start in dir1"

# ---- schedulers -----------------------------------------------------------

is "$(spread 300 "$URL")" "rs1 100 rs2 100 rs3 100 " "rr: 300 new connections, 100 to each"
reload_with wrr 1 2 3
is "$(spread 600 "$URL")" "rs1 100 rs2 200 rs3 300 " "wrr 1:2:3: 600 connections split 100/200/300"
got=$(spread 600 "$URL" --keepalive --concurrency 6)
like "$got" "^rs1 [1-9][0-9]* rs2 [1-9][0-9]* rs3 [1-9][0-9]* $" \
	"wrr with 6 keep-alive connections: every server gets some ($got)"
for s in lc wlc sed nq fo ovf twos mh dh; do
	reload_with "$s" 1 1 1
	got=$(spread 60 "$URL" --concurrency 3)
	total=$(awk '{ print $2 + $4 + $6 }' <<<"$got")
	is "$total" 60 "$s: every one of 60 requests answered ($got)"
done
reload_with fo 1 5 2
is "$(spread 30 "$URL")" "rs1 0 rs2 30 rs3 0 " "fo: everything to the highest weight"
reload_with sh 1 1 1
like "$(spread 40 "$URL")" "^(rs1 40 rs2 0 rs3 0|rs1 0 rs2 40 rs3 0|rs1 0 rs2 0 rs3 40) $" \
	"sh: one client address, one real server"
reload_with mh 1 1 1
like "$(spread 40 "$URL")" "^(rs1 40 rs2 0 rs3 0|rs1 0 rs2 40 rs3 0|rs1 0 rs2 0 rs3 40) $" \
	"mh: one client address, one real server"

# ---- persistence --------------------------------------------------------------

reload_with rr 1 1 1 "    persistence: {timeout: 60}"
like "$(spread 30 "$URL")" "^(rs1 30 rs2 0 rs3 0|rs1 0 rs2 30 rs3 0|rs1 0 rs2 0 rs3 30) $" \
	"persistence: rr, yet 30 connections of one client stick to one server"
ctl list --conns
like "$CTL_OUT" "^TCP +[0-9:]+ +NONE +$CLIENT:0 +$LAB_VIP:80 +10\.231\.0\.2[123]:80" \
	"list --conns shows the client's persistence template"
ctl list
like "$CTL_OUT" "^TCP  $LAB_VIP:80 rr persistent 60" "list shows the service as persistent 60"

# ---- drain and removal --------------------------------------------------------

# hold: one keep-alive connection that asks twice, 3 s apart; prints both bodies.
hold()
{
	lab_exec client bash -c '
		exec 3<>/dev/tcp/'"$LAB_VIP"'/80 || exit 1
		printf "GET / HTTP/1.1\r\nHost: t\r\n\r\n" >&3
		timeout 1.5 cat <&3 | grep -E "^rs[0-9]$"
		sleep 1.5
		printf "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" >&3
		timeout 5 cat <&3 | grep -E "^rs[0-9]$"' >"$T/hold.out" 2>/dev/null &
	HOLD=$!
	track "$HOLD"
}

reload_with rr 1 0 0
hold
sleep 1
reload_with rr 0 1 1
is "$(spread 60 "$URL")" "rs1 0 rs2 30 rs3 30 " "drain: weight 0 gets no new connection"
wait "$HOLD"
is "$(tr '\n' ' ' <"$T/hold.out")" "rs1 rs1 " "drain: the open connection to the drained server carries on"

reload_with rr 1 0 0
hold
sleep 1
reload_with rr - 1 1
wait "$HOLD"
is "$(tr '\n' ' ' <"$T/hold.out")" "rs1 rs1 " "removal: the removed server drains: its open connection carries on"
is "$(spread 30 "$URL")" "rs1 0 rs2 15 rs3 15 " "removal: new connections go to the others"

reload_with rr 1 0 0 "    drain_timeout: 0.5"
hold
sleep 1
reload_with rr - 1 1 "    drain_timeout: 0.5"
wait "$HOLD"
is "$(tr '\n' ' ' <"$T/hold.out")" "rs1 " \
	"removal, drain_timeout 0.5 s: the open connection is closed when the time is up"

# ---- a real server dies ---------------------------------------------------------

# conns_of ADDR: "ACTIVE INACTIVE" of a real server in lvsctl list.
conns_of() { ctl list && awk -v a="$1:80" '$2 == a { print $5, $6 }' <<<"$CTL_OUT"; }
rs3_idle() { [ "$(conns_of "$RS3")" = "0 0" ]; }

reload_with rr 0 0 1
hold
sleep 0.7
lab_stop "$RS3_PID" || diag "rs3 did not stop cleanly"
wait "$HOLD"
is "$(tr '\n' ' ' <"$T/hold.out")" "rs3 " "rs3 dies mid-connection: the client's connection ends with it"
if wait_for 3 rs3_idle; then
	pass "rs3 dies mid-connection: lvsd drops the connection (0 active, 0 inactive)"
else
	fail "rs3 dies mid-connection: lvsd drops the connection" "$(conns_of "$RS3")"
fi
reload_with rr 1 1 1
got=$(spread 90 "$URL")
is "$(awk '{ print $2 + $4 + $6 }' <<<"$got")" 90 \
	"rs3 dead: all 90 requests answered, refusals passed to the next pick ($got)"
is "$(awk '{ print $6 }' <<<"$got")" 0 "rs3 dead: nothing answered by rs3"

# ---- UDP, PROXY v2, half-close, IPv6 -------------------------------------------

reload_with rr 1 1 1
udp=$(for i in 1 2 3 4 5 6; do echo "q$i" | cl --send "udp://$LAB_VIP:53"; done | sort | tr '\n' ' ')
like "$udp" "rs1:q.*rs1:q.*rs2:q.*rs2:q" "udp: six clients (ports) spread over the servers, answered from the VIP"
ctl list --conns
like "$CTL_OUT" "^UDP +[0-9:]+ +UDP +$CLIENT:[0-9]+ +$LAB_VIP:53" "list --conns shows the UDP flows"

body=$(cl --get "http://$LAB_VIP:81/" --include)
like "$body" "^X-Client: $CLIENT:[0-9]+" "proxy_protocol v2: the real server sees the client's address"

# The server speaks first: lvsd must connect without waiting for the client.
greeting=$(lab_exec client timeout 10 python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 25), timeout=5)
print(s.recv(200).decode().strip()); s.sendall(b"QUIT\r\n")' "$LAB_VIP" 2>&1)
like "$greeting" "^220 " "server speaks first (SMTP): a silent client gets the greeting ($greeting)"
echoed=$(printf 'half-closed\n' | cl --send "tcp://$LAB_VIP:7")
is "$echoed" "half-closed" "half-close: the client's FIN passes through, the echo comes back"

# Bulk goes by splice after a few full reads: every byte must still arrive.
is "$(cl --get "http://$LAB_VIP:80/size/50000000" | wc -c)" 50000000 \
	"a 50 MB download through the proxy arrives whole"
is "$(head -c 20000000 /dev/urandom | tee "$T/up.bin" | cl --send "tcp://$LAB_VIP:7" | cksum)" \
	"$(cksum <"$T/up.bin")" "20 MB up and echoed back through both directions arrive intact"

like "$(cl --get "http://[$LAB_VIP6]:80/")" "^rs[12]$" "IPv6 service: answered"

# ---- load and limits --------------------------------------------------------------

got=$(spread 3000 "$URL" --concurrency 1000)
is "$(awk '{ print $2 + $4 + $6 }' <<<"$got")" 3000 "1000 concurrent clients: 3000 requests, all answered ($got)"
ctl list --stats
like "$CTL_OUT" "^TCP  $LAB_VIP:80 +[0-9]{4,} " "list --stats counts the connections"
ctl status --json
cp "$T/ctl.out" "$T/status.json"
is "$(json_get "$T/status.json" 'd["virtual_services"][0]["real_servers"][0]["conns"] > 0')" "true" \
	"status --json carries the real servers' counters"

UDP_TIMEOUT=1 reload_with rr 1 1 1
sleep 2.5	# the UDP flows of before expire
MAX_CONNS=1 UDP_TIMEOUT=1 reload_with rr 1 1 1
like "$(cl --get "$URL")" "^rs[123]$" "max_conns 1: one client is served"
lab_exec client bash -c 'exec 3<>/dev/tcp/'"$LAB_VIP"'/80; sleep 4' &
track $!
sleep 1
is "$(cl --get "$URL" --timeout 3 | tr -d '\n')" "" "max_conns 1: a second client is refused"
wait_log "max_conns 1 reached" 5 && pass "the refusal is logged" || fail "the refusal is logged"

stop_lvsd TERM "lvsd stops cleanly with live connections and flows"
done_testing

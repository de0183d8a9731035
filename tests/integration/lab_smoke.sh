#!/usr/bin/env bash
#
# lab_smoke.sh - proves the network-namespace lab (tests/lab/lab.sh) and
# its real server, lvs-testsrv, before the forwarding, health-check and
# VRRP tests build on them: the namespaces come up with their addresses
# and nothing of them leaks into the host; a client reaches each real
# server over IPv4 and IPv6; HTTP (keep-alive, pipelining, every route),
# TCP echo with half-close, UDP echo and PROXY v2 parsing (a hand-built
# header, split across writes) do what the tests will rely on; the server
# shrugs off garbage and serves thousands of connections at once; a link
# can be cut and restored; and the lab is gone after lab_down, or after a
# script that built one fails or is killed. No lvsd runs here.

# shellcheck disable=SC2034	# read by lib.sh: this script runs no lvsd
LVSD_NEEDED=0
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lab/lab.sh
. "$top_srcdir/tests/lab/lab.sh"

TS=$LVS_TESTSRV
[ -x "$TS" ] || bail_out "$TS is not built (set LVS_TESTSRV)"
why=$(lab_usable) || skip_all "no network-namespace lab here: $why"

# cl ARGS...: lvs-testsrv's client in the client namespace, bounded; its
# stderr is in $T/cl.last.err (and collected in $T/client.err).
cl()
{
	local rc

	lab_exec client timeout 30 "$TS" "$@" 2>"$T/cl.last.err"
	rc=$?
	cat "$T/cl.last.err" >>"$T/client.err"
	return $rc
}

# (A namespace that another run deletes meanwhile makes ip complain.)
links_of_host() { ip -o link show 2>/dev/null | awk -F': ' '{ print $2 }' | sort; }
lab_namespaces() { ip netns list 2>/dev/null | grep -c "^lvs$1-"; }

# ---- the lab comes up, and only inside its namespaces -------------------------

links_before=$(links_of_host)
t0=$(now_ms)
if lab_up client dir1 dir2 rs1 rs2 rs3 2>"$T/lab_up.err"; then
	pass "lab_up client dir1 dir2 rs1 rs2 rs3 ($(($(now_ms) - t0)) ms)"
else
	fail "lab_up client dir1 dir2 rs1 rs2 rs3" "$(cat "$T/lab_up.err")"
	bail_out "no lab, nothing more to test"
fi
is "$(lab_namespaces "$LAB_ID")" 7 "seven namespaces named lvs$LAB_ID-*: six nodes and the bridge"
is "$(links_of_host)" "$links_before" "the host's own links are unchanged"
is "$(ip -4 -o addr show | grep -c ' 10\.231\.')" 0 "the host has no lab address"

RS1=$(lab_addr rs1) RS2=$(lab_addr rs2) RS3=$(lab_addr rs3) CLIENT=$(lab_addr client)
RS1_6=$(lab_addr6 rs1)
is "$CLIENT $(lab_addr dir1) $(lab_addr dir2) $RS1 $RS2 $RS3 $RS1_6" \
	"10.231.0.2 10.231.0.11 10.231.0.12 10.231.0.21 10.231.0.22 10.231.0.23 fd10:231::21" \
	"the addressing plan"
like "$(lab_exec rs2 ip -o addr show dev eth0)" "inet 10\.231\.0\.22/24" "rs2's eth0 has 10.231.0.22/24"
like "$(lab_exec rs2 ip -o addr show dev eth0)" "inet6 fd10:231::22/64 scope global nodad" \
	"rs2's eth0 has fd10:231::22/64, without DAD"
like "$(lab_exec rs2 ip link show dev eth0)" "link/ether 02:4c:56:00:00:16 " "rs2's MAC is 02:4c:56:00:00:16"
like "$(lab_exec client ip route show default)" "^default via 10\.231\.0\.1 dev eth0" \
	"the client's default route is the lab's gateway"
like "$(lab_exec dir1 ip -o link show lo)" "state UNKNOWN|LOOPBACK,UP" "loopback is up in dir1"

# ---- the real servers ------------------------------------------------------------

ok=1
for n in rs1 rs2 rs3; do
	a=$(lab_addr "$n") a6=$(lab_addr6 "$n")
	lab_testsrv "$n" --id "$n" --http "$a:80" --http "[$a6]:80" --echo "$a:7" \
		--udp-echo "$a:7" --udp-echo "[$a6]:7" 2>>"$T/lab.err" || ok=0
	eval "PID_$n=\$LAB_PID OUT_$n=\$LAB_OUT"
done
if [ "$ok" = 1 ]; then
	pass "lvs-testsrv starts in rs1, rs2, rs3 and says ready"
else
	fail "lvs-testsrv starts in rs1, rs2, rs3 and says ready" "$(cat "$T/lab.err")"
fi
# shellcheck disable=SC2154	# set by the eval above
like "$(cat "$OUT_rs1.pid" 2>/dev/null)" "^$PID_rs1$" "--pidfile holds the server's pid"

got=
for n in rs1 rs2 rs3; do
	got+="$(cl --get "http://$(lab_addr "$n")/") "
done
is "$got" "rs1 rs2 rs3 " "the client gets each real server's id over HTTP"
got=
for n in rs1 rs2 rs3; do
	got+="$(cl --get "http://[$(lab_addr6 "$n")]:80/") "
done
is "$got" "rs1 rs2 rs3 " "... and over IPv6"

hdrs=$(cl --get "http://$RS1/" --include)
like "$hdrs" "^HTTP/1\.1 200 OK" "HTTP/1.1 request, HTTP/1.1 200 answer"
like "$hdrs" "^X-Server: rs1" "X-Server names the server"
like "$hdrs" "^X-Client: 10\.231\.0\.2:[0-9]+" "X-Client is the client as the server sees it"
like "$(cl --http1.0 --get "http://$RS1/" --include)" "^HTTP/1\.0 200 OK" "HTTP/1.0 request, HTTP/1.0 answer"
is "$(cl --get "http://$RS2/health")" "ok" "/health answers ok"
out=$(cl --get "http://$RS2/status/503" --include)
like "$out" "^HTTP/1\.1 503 Service Unavailable" "/status/503 answers 503"
like "$out" "^rs2$" "... with the id as its body"
is "$(cl --get "http://$RS2/size/3000000" | wc -c)" 3000000 "/size/3000000 answers 3000000 bytes"
t0=$(now_ms)
out=$(cl --get "http://$RS2/slow")
t=$(($(now_ms) - t0))
if [ "$out" = rs2 ] && [ "$t" -ge 600 ] && [ "$t" -lt 3000 ]; then
	pass "/slow drips 'rs2\\n', a byte per 200 ms ($t ms)"
else
	fail "/slow drips 'rs2\\n', a byte per 200 ms" "body '$out' in $t ms"
fi
cl --get "http://$RS2/close" >/dev/null
is "$? $(cat "$T/cl.last.err")" \
	"1 lvs-testsrv: GET http://$RS2/close: connection closed before the whole body" \
	"/close closes after the headers"

# Two pipelined requests in one write, then our FIN: both answered in order.
out=$(printf 'GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n' |
	cl --send "tcp://$RS3:80" | tr -d '\r')
is "$(grep -c '^HTTP/1.1 200 OK$' <<<"$out") $(grep -xE 'ok|rs3' <<<"$out" | tr '\n' ' ')" \
	"2 ok rs3 " "two pipelined requests are answered in order on one connection"

# Keep-alive: every closed connection leaves a TIME_WAIT on the side that
# closed first (both, when they close at once): 40 requests over one
# connection leave one or two, over 40 connections at least 40.
time_waits()
{
	echo $(($(lab_exec rs3 ss -Htn state time-wait src "$RS3" | wc -l) +
		$(lab_exec client ss -Htn state time-wait dst "$RS3" | wc -l)))
}
tw=$(time_waits)
is "$(cl --get-many 40 "http://$RS3/" --keepalive)" "rs3 40" "--get-many 40 --keepalive: 40 answers from rs3"
tw=$(($(time_waits) - tw))
if [ "$tw" -ge 1 ] && [ "$tw" -le 2 ]; then
	pass "... over one connection"
else
	fail "... over one connection" "$tw new TIME_WAIT sockets"
fi
tw=$(time_waits)
is "$(cl --get-many 40 "http://$RS3/" --concurrency 4)" "rs3 40" "--get-many 40 --concurrency 4: 40 answers"
tw=$(($(time_waits) - tw))
if [ "$tw" -ge 40 ]; then
	pass "... over 40 connections"
else
	fail "... over 40 connections" "$tw new TIME_WAIT sockets"
fi

out=$(cl --get-many 5 "http://$RS3:9/" --timeout 2)
is "$? $out" "1 ERROR 5" "--get-many to a closed port: 'ERROR 5', exit 1"

# ---- UDP and TCP echo ----------------------------------------------------------

is "$(printf 'ping' | cl --send "udp://$RS1:7")" "rs1:ping" "UDP echo answers 'rs1:' and the datagram"
is "$(printf 'ping6' | cl --send "udp://[$RS1_6]:7")" "rs1:ping6" "... over IPv6 too"

head -c 2000000 /dev/urandom >"$T/rand.bin"
if cl --send "tcp://$RS2:7" <"$T/rand.bin" >"$T/echoed.bin" && cmp -s "$T/rand.bin" "$T/echoed.bin"; then
	pass "TCP echo: 2 MB sent, our FIN, all 2 MB back, then the server's FIN"
else
	fail "TCP echo: 2 MB sent, our FIN, all 2 MB back, then the server's FIN" \
		"$(cat "$T/cl.last.err")" "$(cmp "$T/rand.bin" "$T/echoed.bin" 2>&1)"
fi
out=$(cl --send "tcp://$RS2:7" </dev/null)
is "$? '$out'" "0 ''" "TCP echo: a FIN at once is answered with a FIN"

# ---- PROXY protocol v2 -----------------------------------------------------------

if lab_testsrv rs1 --id rs1 --proxy-v2 --http "$RS1:81" --http "[$RS1_6]:81" --echo "$RS1:82" \
	2>"$T/lab.err"; then
	pass "lvs-testsrv --proxy-v2 starts"
else
	fail "lvs-testsrv --proxy-v2 starts" "$(cat "$T/lab.err")"
fi
PP_OUT=$LAB_OUT

# hand_pp2 VERCMD_FAMILY_LEN_AND_ADDRESSES: a header built byte by byte,
# written in two parts 200 ms apart, then an HTTP/1.0 request.
hand_pp2()
{
	# shellcheck disable=SC2016	# expanded by the inner bash
	lab_exec client timeout 10 bash -c '
		exec 3<>"/dev/tcp/$1/81" || exit 1
		printf "\r\n\r\n\0\r\n" >&3
		sleep 0.2
		printf "QUIT\n$2" >&3
		printf "GET / HTTP/1.0\r\n\r\n" >&3
		tr -d "\r" <&3' _ "$RS1" "$1"
}

# PROXY, TCP over IPv4, 12 bytes: 192.0.2.7:12345 -> 10.231.0.21:81.
out=$(hand_pp2 '\x21\x11\x00\x0c\xc0\x00\x02\x07\x0a\xe7\x00\x15\x30\x39\x00\x51')
like "$out" "^X-Client: 192\.0\.2\.7:12345$" "a hand-built PROXY v2 header, split in two: X-Client is its source"
is "$(sed -n '/^$/,$p' <<<"$out" | tail -n +2 | tr '\n' ' ')" "rs1 client 192.0.2.7:12345 " \
	"... and the body is the id, then 'client' and the source"
# LOCAL (what a health checker sends): the connection's own peer.
out=$(hand_pp2 '\x20\x00\x00\x00')
like "$out" "^X-Client: $CLIENT:[0-9]+$" "a LOCAL header: X-Client is the connection's peer"
out=$(cl --send-proxy-v2 '[2001:db8::7]:4242' --get "http://[$RS1_6]:81/" --include)
like "$out" "^X-Client: \[2001:db8::7\]:4242" "--send-proxy-v2 with an IPv6 source, over IPv6"
is "$(printf 'hi\n' | cl --send-proxy-v2 198.51.100.9:999 --send "tcp://$RS1:82")" \
	"$(printf 'client 198.51.100.9:999\nhi')" "echo behind PROXY v2: a 'client' line, then the echo"
cl --get "http://$RS1:81/" --timeout 2 >/dev/null
is "$?" 1 "no PROXY header where one is expected: no answer"
like "$(cat "$PP_OUT.err")" "connection from $CLIENT:[0-9]+: no PROXY v2 signature" \
	"... and the server says why"

# ---- garbage, and many connections ---------------------------------------------------

for _ in 1 2 3 4 5; do
	head -c 65536 /dev/urandom | cl --send "tcp://$RS1:80" --timeout 2 >/dev/null
done
long=$(printf '%9000s' '' | tr ' ' a)
out=$(printf 'GET /%s HTTP/1.1\r\n\r\n' "$long" | cl --send "tcp://$RS1:80")
like "$out" "^HTTP/1\.1 400 " "a 9000-byte request line: 400"
out=$(printf 'GET / HTTP/1.1\r\n%9000s' '' | cl --send "tcp://$RS1:80")
like "$out" "^HTTP/1\.1 431 " "a header line without end past 8 KiB: 431"
if alive "$PID_rs1" && [ "$(cl --get "http://$RS1/")" = rs1 ]; then
	pass "after 5 x 64 KiB of random bytes rs1 still runs and serves"
else
	fail "after 5 x 64 KiB of random bytes rs1 still runs and serves"
	diag_file "$OUT_rs1.err"
fi

# A slow answer in progress does not hold up another.
cl --get "http://$RS1/slow" >"$T/slow.out" &
slow=$!
track "$slow"
sleep 0.2
t0=$(now_ms)
out=$(cl --get "http://$RS1/health")
t=$(($(now_ms) - t0))
wait "$slow"
if [ "$out" = ok ] && [ "$t" -lt 500 ] && [ "$(cat "$T/slow.out")" = rs1 ]; then
	pass "while /slow drips, /health answers at once ($t ms)"
else
	fail "while /slow drips, /health answers at once" "'$out' in $t ms, slow '$(cat "$T/slow.out")'"
fi
t0=$(now_ms)
out=$(cl --get-many 2000 "http://$RS3/slow" --concurrency 2000 --timeout 10)
t=$(($(now_ms) - t0))
if [ "$out" = "rs3 2000" ] && [ "$t" -lt 8000 ]; then
	pass "2000 connections at once, each held 800 ms by /slow: all served in $t ms"
else
	fail "2000 connections at once, each held 800 ms by /slow" "'$out' in $t ms" \
		"$(head -n 5 "$T/cl.last.err")"
fi

# ---- cutting a link ----------------------------------------------------------------

lab_testsrv dir1 --id dir1 --http "$(lab_addr dir1):80" 2>>"$T/lab.err"
D1=http://$(lab_addr dir1)/
# shellcheck disable=SC2317	# called by check and wait_for
d1_serves() { [ "$(cl --get "$D1" --timeout 1)" = dir1 ]; }
# shellcheck disable=SC2317
d1_fails() { ! cl --get "$D1" --timeout 1 >/dev/null; }
check "the client reaches dir1" d1_serves
lab_link_down dir1 cut
like "$(lab_exec dir1 ip link show eth0)" "NO-CARRIER" "lab_link_down dir1 cut: dir1's eth0 has no carrier"
check "... and the client cannot reach dir1" d1_fails
lab_link_up dir1
check "lab_link_up dir1: reachable again" wait_for 10 d1_serves
lab_link_down dir1 drop
like "$(lab_exec dir1 ip link show eth0)" "LOWER_UP" "lab_link_down dir1 drop: dir1 keeps its carrier"
check "... but the client cannot reach dir1" d1_fails
lab_link_up dir1
check "lab_link_up dir1: reachable again" wait_for 10 d1_serves

# ---- stopping and tearing down ---------------------------------------------------------

pidfiles=("$T"/testsrv.*.pid)
if lab_stop 2>"$T/lab.err"; then
	pass "every lvs-testsrv exits 0 on SIGTERM"
else
	fail "every lvs-testsrv exits 0 on SIGTERM" "$(cat "$T/lab.err")"
fi
is "$(ls "${pidfiles[@]}" 2>/dev/null)" "" "... and removes its pidfile (${#pidfiles[@]} of them)"

# A process left in a namespace must not keep the namespace (and links) alive.
# (The subshell running lab_exec would say "Terminated" when it is killed.)
lab_exec rs2 sleep 60 2>/dev/null &
track $!
lab_down
is "$(lab_namespaces "$LAB_ID")" 0 "lab_down: no namespace of the run is left"
is "$(links_of_host)" "$links_before" "... and so are the host's links"

# A script that fails, and one that is killed, after building a lab; it
# prints how many namespaces it made and its server's pid.
child_lab()
{
	# shellcheck disable=SC2016	# expanded by the inner bash
	LAB_ID=$1 LVS_TESTSRV=$TS timeout 30 bash -c '
		. "$1"
		lab_up n1 rs1 || exit 9
		lab_testsrv rs1 --echo 10.231.0.21:7 || exit 9
		echo "$(ip netns list 2>/dev/null | grep -c "^lvs$LAB_ID-") $LAB_PID"
		[ "$2" = fail ] && exit 3
		kill -TERM $$
		sleep 20' _ "$top_srcdir/tests/lab/lab.sh" "$2" >"$T/child.out" 2>>"$T/child.err"
	read -r n pid <"$T/child.out"
}
child_lab "${LAB_ID}f" fail
is "$n $(lab_namespaces "${LAB_ID}f")" "3 0" \
	"a script that exits 3 after lab_up: its 3 namespaces are removed"
if [ -n "${pid:-}" ] && dead "$pid"; then
	pass "... and its lvs-testsrv is stopped"
else
	fail "... and its lvs-testsrv is stopped" "pid '${pid:-}' runs"
fi
child_lab "${LAB_ID}k" term
is "$n $(lab_namespaces "${LAB_ID}k")" "3 0" \
	"a script killed by SIGTERM after lab_up: its 3 namespaces are removed"
is "$(links_of_host)" "$links_before" "... and the host's links are as before"

done_testing

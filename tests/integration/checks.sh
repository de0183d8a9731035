#!/usr/bin/env bash
#
# checks.sh - health checks for real, in the lab: lvsd in dir1 probes real
# servers (lvs-testsrv) in rs1..rs4 that misbehave on cue, and the client
# sends traffic through the director.
#
# Part one runs one checker per kind of failure, all at once: the servers
# are well, then all break at one moment (SIGUSR1 makes lvs-testsrv sick:
# HTTP 500, a body that does not match, an answer dripped a byte at a time,
# a close after the headers, no answer at all, an expired certificate, one
# for another name, NXDOMAIN, a DNS or UDP server gone silent, a wrong echo,
# an SMTP 421; a script that fails or hangs; a listener that goes away; a
# cable that is pulled), and every checker must see it with the right
# words within fall × interval + timeout, then come back within rise ×
# interval once the servers heal. Checkers whose server only looks broken
# (TLS without verify) must stay up, a server that flaps faster than rise
# and fall must not flap out, and a few fixed cases (a UDP sink, a wrong DNS
# answer, a script's uid and arguments) are judged once.
#
# Part two is one web service of three real servers and a sorry server:
# quiesce and remove take a failed server out of the traffic, notify
# scripts run, the operator's drain/enable/auto outrank the check, quorum
# with hysteresis brings the sorry server in and out, reloads keep the
# checkers' state (and a bad file changes nothing), alpha starts down.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lab/lab.sh
. "$top_srcdir/tests/lab/lab.sh"

TS=$LVS_TESTSRV
[ -x "$TS" ] || bail_out "$TS is not built (set LVS_TESTSRV)"
why=$(lab_usable) || skip_all "no network-namespace lab here: $why"
command -v openssl >/dev/null || skip_all "no openssl command to make certificates"

# Every check probes on this schedule unless it says otherwise.
I_MS=400 TO_MS=300 RISE=2 FALL=2 MARGIN_MS=500
TIMING="interval: 0.4, timeout: 0.3, rise: $RISE, fall: $FALL"
# A failure is seen by the fall-th failing probe: it starts within fall
# intervals of the break and lasts at most a timeout. A recovery needs
# rise passing probes (timeout < interval: a probe hung at the fix ends
# before the next is due). Neither can be faster than one interval less.
DETECT_MAX=$((FALL * I_MS + TO_MS + MARGIN_MS))
DETECT_MIN=$(((FALL - 1) * I_MS - 100))
RECOVER_MAX=$((RISE * I_MS + MARGIN_MS))
RECOVER_MIN=$(((RISE - 1) * I_MS - 100))

lab_up client dir1 rs1 rs2 rs3 rs4 || bail_out "the lab did not come up"
lab_exec dir1 ip addr add "$LAB_VIP/24" dev eth0 || bail_out "cannot add the VIP"
RS1=$(lab_addr rs1) RS2=$(lab_addr rs2) RS3=$(lab_addr rs3) RS4=$(lab_addr rs4)

# lvsd runs inside dir1; its control socket is a file, reachable from here.
LVSD_BIN=$LVSD
printf '#!/bin/sh\nexec ip netns exec %s "%s" "$@"\n' "$(lab_ns dir1)" "$LVSD" >"$T/lvsd-in-dir1"
chmod +x "$T/lvsd-in-dir1"
LVSD=$T/lvsd-in-dir1

# ---- what the servers need: certificates, scripts ---------------------------

# Scripts run as global.script_user, nobody: they, their state file and
# the notify log live in $PUB, which that user can reach.
PUB=$T/pub
if ! mkdir -p "$PUB" "$T/tls" || ! chmod 711 "$T" || ! chmod 755 "$PUB"; then
	bail_out "cannot make $PUB"
fi

# make_cert NAME DNSNAME DAYS: $T/tls/NAME.pem for DNSNAME, signed by the lab's CA.
make_cert()
{
	openssl req -new -key "$T/tls/key.pem" -subj "/CN=$2" -out "$T/tls/$1.csr" &&
		openssl x509 -req -in "$T/tls/$1.csr" -CA "$T/tls/ca.pem" -CAkey "$T/tls/ca.key" \
			-set_serial "$RANDOM" -days "$3" -out "$T/tls/$1.pem" \
			-extfile <(printf 'subjectAltName=DNS:%s\n' "$2")
}

make_certs()
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/tls/ca.key" -out "$T/tls/ca.pem" -subj /CN=lvs-lab-ca -days 2 &&
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 \
			-out "$T/tls/key.pem" &&
		make_cert good rs.lab 2 &&
		make_cert expired rs.lab -1 &&	# not after a day before it starts
		make_cert other other.lab 2
}
make_certs >"$T/openssl.log" 2>&1 || { diag_file "$T/openssl.log"; bail_out "openssl failed"; }
CA=$T/tls/ca.pem

# The scripts of script checks and notify hooks. A check script reads
# $PUB/state ("well" or "sick"), the test's lever on it.
echo well >"$PUB/state"
cat >"$PUB/check-db" <<EOF
#!/bin/sh
# A check script that fails, and says why, while the database is sick.
if [ "\$(cat $PUB/state)" = sick ]; then
	echo "db is read-only"
	exit 2
fi
exit 0
EOF
cat >"$PUB/check-slow" <<EOF
#!/bin/sh
# A check script that hangs while sick; not exec: its child must die with it.
[ "\$(cat $PUB/state)" != sick ] || sleep 7.77
exit 0
EOF
cat >"$PUB/check-uid" <<'EOF'
#!/bin/sh
echo "uid=$(id -u) args=$*"
exit 2
EOF
cat >"$PUB/notify" <<EOF
#!/bin/sh
echo "\$*" >>$PUB/notify.log
EOF
: >"$PUB/notify.log"
if ! chmod 755 "$PUB"/check-* "$PUB/notify" || ! chmod 644 "$PUB/state" "$T/tls/"*.pem ||
   ! chmod 666 "$PUB/notify.log"; then
	bail_out "cannot set the scripts' modes"
fi

# ---- the real servers ------------------------------------------------------

# srv NAME VAR ARGS...: lvs-testsrv ARGS in node NAME; its pid in VAR.
srv()
{
	local node=$1 var=$2

	shift 2
	lab_testsrv "$node" "$@" || bail_out "lvs-testsrv $* in $node did not start"
	printf -v "$var" '%s' "$LAB_PID"
}

srv rs1 KINDS_PID --id rs1 --http 0.0.0.0:8000 --dns 0.0.0.0:53 --udp-sink 0.0.0.0:5353 \
	--echo 0.0.0.0:7 --udp-echo 0.0.0.0:7 --smtp 0.0.0.0:25
srv rs1 VICTIM_PID --id rs1 --echo 0.0.0.0:8088
srv rs2 TLS1_PID --id rs2 --cert "$T/tls/good.pem" --key "$T/tls/key.pem" \
	--sick-cert "$T/tls/expired.pem" --sick-key "$T/tls/key.pem" --https 0.0.0.0:443
srv rs2 TLS2_PID --id rs2 --cert "$T/tls/good.pem" --key "$T/tls/key.pem" \
	--sick-cert "$T/tls/other.pem" --sick-key "$T/tls/key.pem" --https 0.0.0.0:444
srv rs3 FLAP_PID --id rs3 --flap-each 1 --http 0.0.0.0:8000
srv rs4 CUT_PID --id rs4 --echo 0.0.0.0:8088
srv rs2 SINK_PID --id rs2 --tcp-sink 0.0.0.0:8090
srv rs2 KA_PID --id rs2 --http 0.0.0.0:8000
for n in 1 2 3 4; do
	srv "rs$n" "WEB${n}_PID" --id "rs$n" --http 0.0.0.0:80
done
srv rs3 SORRY_PID --id sorry --http 0.0.0.0:8080

# ---- configuration -----------------------------------------------------------

_vs_port=9000

# service NAME REAL CHECK [PROTO]: one virtual service (the next VIP port)
# with one real server; CHECK is the body of a YAML flow mapping, to
# which the common timing is added unless it has its own.
service()
{
	local check=$3

	_vs_port=$((_vs_port + 1))
	case $check in *interval:*) ;; *) check="$check, $TIMING" ;; esac
	printf '  - name: %s\n    address: %s:%d\n    protocol: %s\n' \
		"$1" "$LAB_VIP" "$_vs_port" "${4:-tcp}"
	printf '    check: {%s}\n    real_servers: [{address: %s}]\n' "$check" "$2"
}

# global: with the scripts' user. $1: log level.
globals()
{
	config_global "$1"
	echo "  script_user: nobody"
}

# ---- the status ----------------------------------------------------------------

# watch WANT SECONDS KEY...: poll `status --json` every 50 ms, at most
# SECONDS, until every KEY (SERVICE/REAL) has shown a state that matches
# the glob WANT; a state is HEALTHY/LAST, HEALTHY true or false and LAST ok
# or fail (the last probe's result) or empty before the first probe:
# "false/*", "true/ok". SEEN[KEY] is when it was first seen so, on now_ms's
# clock (the epoch in ms), taken when the status that showed it came
# back; empty if never. LAST[KEY] is the last state seen. One Python
# process polls: starting one per poll would take longer than 50 ms.
declare -A SEEN LAST
watch()
{
	local key when last

	SEEN=() LAST=()
	while read -r key when last; do
		SEEN[$key]=$when LAST[$key]=$last
	done < <(python3 - "$LVSCTL" "$SOCK" "$@" 2>>"$T/watch.err" <<'EOF'
import fnmatch, json, subprocess, sys, time
lvsctl, sock, want, secs, keys = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5:]
seen, last = {}, {}
deadline = time.time() + secs
while True:
    try:
        out = subprocess.run([lvsctl, "-s", sock, "status", "--json"], capture_output=True,
                             timeout=5).stdout
        now = int(time.time() * 1000)
        for s in json.loads(out)["virtual_services"]:
            for r in s["real_servers"]:
                key = "%s/%s" % (s["name"], r["address"])
                last[key] = "%s/%s" % (str(r.get("healthy")).lower(),
                                       r.get("last_check", "").split(":")[0])
                if key in keys and key not in seen and fnmatch.fnmatchcase(last[key], want):
                    seen[key] = now
    except (subprocess.TimeoutExpired, ValueError, KeyError) as e:
        print("watch: %s" % e, file=sys.stderr)
    if len(seen) == len(set(keys)) or time.time() >= deadline:
        break
    time.sleep(0.05)
for key in keys:
    print(key, seen.get(key, "-"), last.get(key, "?"))
EOF
	)
	for key in "${!SEEN[@]}"; do
		[ "${SEEN[$key]}" != - ] || SEEN[$key]=
	done
}

# rs SERVICE REAL FIELD...: those fields of one real server, from a fresh
# status, space-separated (booleans as true/false).
rs()
{
	local svc=$1 real=$2

	shift 2
	status_json "$T/rs.json" || return 1
	json_get "$T/rs.json" "' '.join(str(v).lower() if isinstance(v, bool) else str(v)
		for r in [r for s in d['virtual_services'] if s['name'] == '$svc'
			  for r in s['real_servers'] if r['address'] == '$real']
		for v in [r.get(f) for f in '$*'.split()])"
}

# svc SERVICE FIELD...: fields of a service, as rs does.
svc()
{
	local name=$1

	shift
	status_json "$T/svc.json" || return 1
	json_get "$T/svc.json" "' '.join(str(v).lower() if isinstance(v, bool) else str(v)
		for s in d['virtual_services'] if s['name'] == '$name'
		for v in [s.get(f) for f in '$*'.split()])"
}

# eventually SECONDS DESC CMD...: one point: CMD succeeds within SECONDS
# (a bounded poll); else DIAG_CMD's output (when set) says what was seen.
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

# ---- the client ------------------------------------------------------------------

cl() { lab_exec client timeout 60 "$TS" "$@" 2>>"$T/client.err"; }

# spread N: "rs1 A rs2 B rs3 C rs4 D sorry E" for N requests to the web service.
spread()
{
	local out id

	out=$(cl --get-many "$1" "http://$LAB_VIP:80/")
	for id in rs1 rs2 rs3 rs4 sorry; do
		printf '%s %s ' "$id" "$(awk -v id="$id" '$1 == id { c = $2 } END { print c + 0 }' <<<"$out")"
	done
}

# ---- part one: every kind of failure -------------------------------------------------

KINDS=() STEADY=()
declare -A K_REAL K_HOW K_WHY K_CHECK K_PROTO S_WANT S_LAST

# kind NAME HOW REAL WHY CHECK [PROTO]: a checker that must go down when
# its server breaks (HOW: sick, stop or cut) with a reason matching the
# ERE WHY, and come back up when it heals.
kind()
{
	KINDS+=("$1")
	K_HOW[$1]=$2 K_REAL[$1]=$3 K_WHY[$1]=$4 K_CHECK[$1]=$5 K_PROTO[$1]=${6:-tcp}
}

# steady NAME WANT REAL LAST CHECK: a checker whose state is WANT all
# along, its last result matching the ERE LAST.
steady()
{
	STEADY+=("$1")
	S_WANT[$1]=$2 K_REAL[$1]=$3 S_LAST[$1]=$4 K_CHECK[$1]=$5
}

kind http-500 sick "$RS1:8000" '^http status 500$' 'type: http, path: /sick/status/500'
kind http-body sick "$RS1:8000" '^body does not match "\^ok"$' 'type: http, path: /sick/, body: "^ok"'
kind http-drip sick "$RS1:8000" '^timeout after 0\.3s reading the status line$' \
	'type: http, path: /sick/drip/50'
# Without body: or digest: the status line decides: make it read the body.
kind http-close sick "$RS1:8000" '^connection closed while reading the body$' \
	'type: http, path: /sick/close, body: "^ok"'
kind http-hang sick "$RS1:8000" '^timeout after 0\.3s waiting for the reply$' \
	'type: http, path: /sick/hang'
kind tls-expired sick "$RS2:443" '^TLS: certificate has expired$' \
	"type: https, path: /health, verify: true, ca: $CA, sni: rs.lab"
kind tls-name sick "$RS2:444" '^TLS: hostname mismatch$' \
	"type: https, path: /health, verify: true, ca: $CA, sni: rs.lab"
kind dns-nxdomain sick "$RS1:53" '^rcode NXDOMAIN$' \
	'type: dns, name: sick-nxdomain.lab, answer: 192.0.2.1' udp
kind dns-silent sick "$RS1:53" '^timeout after 0\.3s waiting for a reply$' \
	'type: dns, name: sick-silent.lab' udp
kind expect-tcp sick "$RS1:7" '^reply does not match' \
	'type: expect, send: "PING\r\n", expect: "^PING"'
kind expect-udp sick "$RS1:7" '^timeout after 0\.3s waiting for a reply$' \
	'type: expect, transport: udp, send: "PING", expect: "^rs1:PING"' udp
kind smtp sick "$RS1:25" '^banner 421 4\.3\.2 rs1 is sick, try later$' \
	'type: smtp, helo: director.lab'
kind script-exit sick "$RS1:8000" '^exit 2: db is read-only$' "type: script, script: $PUB/check-db"
kind script-hang sick "$RS1:8000" '^timeout after 0\.3s running the script$' \
	"type: script, script: $PUB/check-slow"
kind tcp-refused stop "$RS1:8088" '^connect refused$' 'type: tcp'
kind tcp-cut cut "$RS4:8088" '^timeout after 0\.3s connecting$' 'type: tcp'

steady tls-noverify true "$RS2:443" '^ok: 200 in ' 'type: https, path: /health, verify: false'
steady expect-tls true "$RS2:443" '^ok: ' \
	'type: expect, transport: tls, send: "GET /health HTTP/1.0\r\n\r\n", expect: "^HTTP/1.0 200"'
steady dns-up true "$RS1:53" '^ok: NOERROR, 1 answer in ' 'type: dns, name: www.lab, answer: 192.0.2.1'
steady dns-wrong false "$RS1:53" '^fail: answer 192\.0\.2\.99 not in the reply$' \
	'type: dns, name: www.lab, answer: 192.0.2.99'
steady udp-sink false "$RS1:5353" '^fail: timeout after 0\.3s waiting for a reply$' \
	'type: dns, name: www.lab'
steady script-uid false "$RS1:8000" "^fail: exit 2: uid=65534 args=$RS1 8000\$" \
	"type: script, script: $PUB/check-uid"
steady http-keepalive true "$RS2:8000" '^ok: 200 in ' \
	'type: http, path: /health, http_version: "1.1", keepalive: true'
# A listener that never accepts: a tcp check is its kernel's SYN-ACK alone.
steady tcp-sink true "$RS2:8090" '^ok: connected in ' 'type: tcp'
# Answers 200 and 503 in turn: never three alike in a row, however late a
# probe starts. (A server flapping every 250 ms under a 200 ms schedule
# did that only while every probe kept to its schedule within ~60 ms: on
# a loaded CI machine one did not, and rise/fall were judged on chance.)
steady flap true "$RS3:8000" '' \
	'type: http, path: /health, interval: 0.2, timeout: 0.15, rise: 3, fall: 3'

kinds_config()
{
	local k

	globals debug
	echo "virtual_services:"
	for k in "${KINDS[@]}"; do
		service "$k" "${K_REAL[$k]}" "${K_CHECK[$k]}" "${K_PROTO[$k]}"
	done
	for k in "${STEADY[@]}"; do
		service "$k" "${K_REAL[$k]}" "${K_CHECK[$k]}"
	done
}

# keys NAME...: their SERVICE/REAL keys.
keys()
{
	local k

	for k; do printf '%s/%s\n' "$k" "${K_REAL[$k]}"; done
}

# break_servers HOW: sick (every sick-able server and the scripts' state),
# stop (the victim's listener goes), cut (rs4's cable).
break_servers()
{
	case $1 in
	sick)
		kill -USR1 "$KINDS_PID" "$TLS1_PID" "$TLS2_PID"
		echo sick >"$PUB/state"
		;;
	stop) lab_stop "$VICTIM_PID" || diag "the victim did not stop cleanly" ;;
	cut) lab_link_down rs4 ;;
	esac
}

heal_servers()
{
	case $1 in
	sick)
		kill -USR2 "$KINDS_PID" "$TLS1_PID" "$TLS2_PID"
		echo well >"$PUB/state"
		;;
	stop) srv rs1 VICTIM_PID --id rs1 --echo 0.0.0.0:8088 ;;
	cut) lab_link_up rs4 ;;
	esac
}

declare -A TIMES

# judge_times WHAT T0 MIN MAX NAME...: one point per NAME: SEEN[key] - T0
# within [MIN, MAX] (MIN only for the sick ones: the other breaks take
# their own time after T0); the time goes into TIMES[WHAT:NAME].
judge_times()
{
	local what=$1 t0=$2 min=$3 max=$4 k key ms lo

	shift 4
	for k; do
		key=$k/${K_REAL[$k]}
		if [ -z "${SEEN[$key]}" ]; then
			TIMES[$what:$k]=never
			fail "$k: $what within $max ms" "not seen; its last state: ${LAST[$key]}"
			continue
		fi
		ms=$((SEEN[$key] - t0))
		TIMES[$what:$k]=$ms
		lo=0
		[ "${K_HOW[$k]}" != sick ] || lo=$min
		if [ "$ms" -le "$max" ] && [ "$ms" -ge "$lo" ]; then
			pass "$k: $what in $ms ms (bounds $lo..$max)"
		else
			fail "$k: $what in $ms ms (bounds $lo..$max)"
		fi
	done
}

# The reason in the status and the transition line in the log.
judge_reason()
{
	local k=$1 why=${K_WHY[$1]} real=${K_REAL[$1]} got line

	got=$(rs "$k" "$real" check_reason)
	line="check $k $real: down: ${why#^}"
	if [ "${why: -1}" = '$' ]; then		# the whole reason: the count follows
		line="${line%\$} \\($FALL failed in a row\\)$"
	fi
	if grep -Eq -- "$why" <<<"$got" && log_has "$line"; then
		pass "$k: down because: $got"
	else
		fail "$k: down because /$why/" "check_reason: '$got'" \
			"log: $(grep -F "check $k $real:" "$LOG" | grep -v ': ok: ' | tail -n 3)"
	fi
}

kinds_config >"$CONFIG"
start_lvsd || bail_out "lvsd did not start in dir1"
PART1_START=$(now_ms)

mapfile -t KIND_KEYS < <(keys "${KINDS[@]}")
watch 'true/ok' 5 "${KIND_KEYS[@]}"
notup=$(for k in "${KIND_KEYS[@]}"; do [ -n "${SEEN[$k]}" ] || echo "$k ${LAST[$k]}"; done)
is "$notup" "" "every checker of a well server is up, its probes passing, at the start"

# The steady ones: their state and last result once they have settled.
steady_ok()
{
	local k=$1 got

	got=$(rs "$k" "${K_REAL[$k]}" healthy last_check)
	[ "${got%% *}" = "${S_WANT[$k]}" ] && grep -Eq -- "${S_LAST[$k]}" <<<"${got#* }"
}
for k in "${STEADY[@]}"; do
	DIAG_CMD="rs $k ${K_REAL[$k]} healthy last_check" \
		eventually 3 "$k: healthy ${S_WANT[$k]}, last check /${S_LAST[$k]}/" steady_ok "$k"
done

# keepalive: the server sees one connection, the same (its peer port
# unchanged), while the checker's probes go on for two seconds.
ka_conn() { lab_exec rs2 ss -Htn state established "( sport = :8000 )" | awk '{ print $4 }'; }
ka_c0=$(ka_conn) ka_p0=$(rs http-keepalive "$RS2:8000" check_probes)
sleep 2
ka_c1=$(ka_conn) ka_p1=$(rs http-keepalive "$RS2:8000" check_probes)
is "$(grep -c . <<<"$ka_c0") $ka_c1 $((ka_p1 - ka_p0 >= 3))" "1 $ka_c0 1" \
	"http-keepalive: one connection ($ka_c0) for $((ka_p1 - ka_p0)) probes in 2 s"

# A tcp check holds the handshake's last ACK back and resets the
# connection on the SYN-ACK, so the server's kernel never completes it:
# nothing waits in the accept queue of a listener that never accepts.
# Every stream probe ends with a reset, so no connection of a check is
# left in TIME_WAIT, in the director or in a server, whoever spoke last.
sink_probes()
{
	local p

	p=$(rs tcp-sink "$RS2:8090" check_probes) && [ "${p:-0}" -ge 4 ]
}
eventually 5 "tcp-sink: 4 probes or more" sink_probes
q=$(lab_exec rs2 ss -Hltn "sport = :8090" | awk '{ print $2 }')
is "$q" 0 "tcp-sink: after $(rs tcp-sink "$RS2:8090" check_probes) tcp probes, nothing in the accept queue of a listener that never accepts"
for n in dir1 rs1 rs2 rs3; do
	tw=$(lab_exec "$n" ss -Htan state time-wait)
	is "$(grep -c . <<<"$tw")" 0 \
		"$n: no connection in TIME_WAIT after $((($(now_ms) - PART1_START) / 1000)) s of tcp, http, https, expect and smtp checks"
	[ -z "$tw" ] || diag "$tw"
done

# Break everything at once; one clock for all.
T0=$(now_ms)
for how in sick stop cut; do break_servers "$how"; done
watch 'false/*' 6 "${KIND_KEYS[@]}"
judge_times down "$T0" "$DETECT_MIN" "$DETECT_MAX" "${KINDS[@]}"
for k in "${KINDS[@]}"; do
	judge_reason "$k"
done
for k in tls-noverify expect-tls dns-up; do
	if [ "$(rs "$k" "${K_REAL[$k]}" healthy)" = true ] &&
	   ! log_has "check $k ${K_REAL[$k]}: down:"; then
		pass "$k: stays up while its server is sick"
	else
		fail "$k: stays up while its server is sick" "$(grep -F "check $k " "$LOG" | tail -n 3)"
	fi
done

# Heal everything at once.
T1=$(now_ms)
for how in sick cut stop; do heal_servers "$how"; done
watch 'true/*' 6 "${KIND_KEYS[@]}"
judge_times up "$T1" "$RECOVER_MIN" "$RECOVER_MAX" "${KINDS[@]}"
for k in "${KINDS[@]}"; do
	if log_has "check $k ${K_REAL[$k]}: up: .* \\($RISE passed in a row\\)$"; then
		pass "$k: the recovery is logged"
	else
		fail "$k: the recovery is logged" "$(grep -F "check $k " "$LOG" | grep -v ': ok: ' | tail -n 3)"
	fi
done

sleeps()
{
	local pid n=0

	for pid in $(ip netns pids "$(lab_ns dir1)"); do
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q '^sleep 7\.77' && n=$((n + 1))
	done
	echo "$n"
}
no_sleeps() { [ "$(sleeps)" = 0 ]; }
DIAG_CMD=sleeps eventually 2 "script-hang: the script killed at its timeout left no child behind" \
	no_sleeps

# The flapping server: probed ok and failing all along, never taken out.
elapsed=$(($(now_ms) - PART1_START))
[ "$elapsed" -ge 3000 ] || sleep "$(((3000 - elapsed) / 1000)).$(((3000 - elapsed) % 1000 / 100))"
flap_key="flap $RS3:8000"
is "$(log_count "check $flap_key: (up|down):")" 0 \
	"flap: rise 3 / fall 3 hold a server whose answers alternate 200 and 503 (no transition in $(( ($(now_ms) - PART1_START) / 1000 )) s)"
is "$(rs flap "$RS3:8000" healthy)" true "flap: still healthy"
oks=$(log_count "check $flap_key: ok: 200")
fails=$(log_count "check $flap_key: fail: http status 503")
check "flap: the probes saw it flap ($oks ok, $fails failed)" test "$oks" -gt 3 -a "$fails" -gt 3

stop_lvsd TERM "lvsd stops cleanly after part one"

diag "detection (ms, bound $DETECT_MAX) and recovery (ms, bound $RECOVER_MAX):"
for k in "${KINDS[@]}"; do
	diag "$(printf '  %-13s %-6s down %6s   up %6s' "$k" "${K_HOW[$k]}" "${TIMES[down:$k]}" "${TIMES[up:$k]}")"
done

# ---- part two: one web service ----------------------------------------------------------

HTTP_CHECK="type: http, path: /sick/status/503, $TIMING"

# web_config ON_FAILURE [RS4 yes|no]
web_config()
{
	globals info
	cat <<EOF
virtual_services:
  - name: web
    address: $LAB_VIP:80
    scheduler: rr
    on_failure: $1
    quorum: 2
    hysteresis: 1
    sorry_server: $RS3:8080
    check: {$HTTP_CHECK}
    real_servers:
      - address: $RS1:80
        notify_up: $PUB/notify up-hook
        notify_down: $PUB/notify down-hook
      - {address: $RS2:80}
      - {address: $RS3:80}
EOF
	[ "${2:-no}" = no ] || echo "      - {address: $RS4:80, check: {alpha: true}}"
}

reload_with()
{
	web_config "$@" >"$CONFIG"
	ctl reload || diag "reload failed: $CTL_ERR $CTL_OUT"
}

web_config quiesce >"$CONFIG"
start_lvsd || bail_out "lvsd did not start in dir1 (web)"
watch 'true/ok' 5 "web/$RS1:80" "web/$RS2:80" "web/$RS3:80"
is "$(spread 30)" "rs1 10 rs2 10 rs3 10 rs4 0 sorry 0 " "web: three healthy servers share the traffic"

# A failure with on_failure: quiesce.
T0=$(now_ms)
kill -USR1 "$WEB1_PID"
watch 'false/*' 5 "web/$RS1:80"
ms=$((${SEEN[web/$RS1:80]:-99999} - T0))
check "web: rs1 fails, seen in $ms ms (bounds $DETECT_MIN..$DETECT_MAX)" \
	test "$ms" -ge "$DETECT_MIN" -a "$ms" -le "$DETECT_MAX"
is "$(rs web "$RS1:80" healthy state effective_weight in_table override)" "false quiesced 0 true auto" \
	"quiesce: the failed server stays in the table with weight 0"
check "the transition is logged" log_has "check web $RS1:80: down: http status 503 \\($FALL failed in a row\\)$"
is "$(spread 30)" "rs1 0 rs2 15 rs3 15 rs4 0 sorry 0 " "quiesce: traffic goes only to the healthy servers"
notified() { grep -qx "$1" "$PUB/notify.log"; }
notify_log() { cat "$PUB/notify.log"; }
DIAG_CMD=notify_log eventually 3 "notify_down ran with its own argument and SERVICE REAL down" \
	notified "down-hook web $RS1:80 down"

# The operator outranks the check.
ctl enable web "$RS1:80"
is "$(rs web "$RS1:80" healthy state effective_weight override)" "false in 1 enable" \
	"lvsctl enable: in the table with its weight, whatever the check says"
is "$(spread 30)" "rs1 10 rs2 10 rs3 10 rs4 0 sorry 0 " "enabled: the failing server gets traffic again"
ctl auto web "$RS1:80"
is "$(rs web "$RS1:80" state effective_weight override)" "quiesced 0 auto" "lvsctl auto: the check decides again"

T1=$(now_ms)
kill -USR2 "$WEB1_PID"
watch 'true/*' 5 "web/$RS1:80"
ms=$((${SEEN[web/$RS1:80]:-99999} - T1))
check "web: rs1 heals, seen in $ms ms (bounds $RECOVER_MIN..$RECOVER_MAX)" \
	test "$ms" -ge "$RECOVER_MIN" -a "$ms" -le "$RECOVER_MAX"
is "$(rs web "$RS1:80" healthy state effective_weight)" "true in 1" "healed: back with its weight"
DIAG_CMD=notify_log eventually 3 "notify_up ran with SERVICE REAL up" \
	notified "up-hook web $RS1:80 up"
ctl drain "$LAB_VIP:80" "$RS1:80"
is "$(rs web "$RS1:80" healthy state effective_weight in_table override)" "true quiesced 0 true drain" \
	"lvsctl drain (service as VIP:port): weight 0 although healthy"
is "$(spread 30)" "rs1 0 rs2 15 rs3 15 rs4 0 sorry 0 " "drained: no new connection to rs1"
ctl auto "$LAB_VIP:80" "$RS1:80"
is "$(rs web "$RS1:80" state effective_weight override)" "in 1 auto" "lvsctl auto: back in"

# Reloads keep the checkers; a bad file changes nothing.
probes() { rs web "$RS1:80" check_probes; }
ups_before=$(log_count ": up: ")
p0=$(probes)
reload_with quiesce
sleep 1
p1=$(probes)
check "a reload that changes no check keeps the checker (probes $p0 -> $p1)" test "$p1" -gt "$p0"
is "$(log_count ": up: ")" "$ups_before" "no new up: line after the reload"
sed -i 's/scheduler: rr/scheduler: nosuch/' "$CONFIG"
ctl reload
check "a bad file: lvsctl reload fails" test "$CTL_RC" -ne 0
like "$CTL_OUT$CTL_ERR" "lvsd\\.yaml:[0-9]+:[0-9]+:" "the errors name file:line:column"
sleep 0.5
p2=$(probes)
check "after the bad file the checker runs on (probes $p1 -> $p2)" test "$p2" -gt "$p1"
is "$(rs web "$RS1:80" healthy state effective_weight)" "true in 1" "after the bad file nothing changed"
is "$(spread 30)" "rs1 10 rs2 10 rs3 10 rs4 0 sorry 0 " "after the bad file the traffic is as before"

# on_failure: remove; the check is the same, so the checkers stay.
reload_with remove
p3=$(probes)
check "on_failure changed, the check did not: the checker stays (probes $p2 -> $p3)" test "$p3" -ge "$p2"
kill -USR1 "$WEB2_PID"
watch 'false/*' 5 "web/$RS2:80"
is "$(rs web "$RS2:80" healthy state in_table)" "false out false" "remove: the failed server leaves the table"
is "$(spread 30)" "rs1 15 rs2 0 rs3 15 rs4 0 sorry 0 " "remove: traffic goes only to the healthy servers"

# A reload that changes the check: the new checker starts where the old one
# was, so the dead server is not taken back in for the reload's sake.
# (A new checker: its first probe falls at a random point of its first
# interval, so it may have run one by the time the status is read.)
HTTP_CHECK="$HTTP_CHECK, host: web.example"
reload_with remove
got=$(rs web "$RS2:80" healthy state in_table check_probes)
case $got in
"false out false 0" | "false out false 1")
	pass "a changed check starts a new checker in the old one's state (down): $got" ;;
*)	fail "a changed check starts a new checker in the old one's state (down)" \
		"got: '$got'" "expected: 'false out false 0' (or 1 probe)" ;;
esac
sleep 0.5
is "$(rs web "$RS2:80" healthy in_table)" "false false" "... and the dead server stays out"
HTTP_CHECK="type: http, path: /sick/status/503, $TIMING"
reload_with remove

# Quorum 2, hysteresis 1: lost under 1, back at 3.
sorry_is() { [ "$(svc web sorry_active)" = "$1" ]; }
quorum() { svc web quorum_up sorry_active; }
kill -USR1 "$WEB1_PID"
watch 'false/*' 5 "web/$RS1:80"
is "$(svc web quorum_up sorry_active)" "true false" "one healthy server (weight 1) holds quorum 2 with hysteresis 1"
kill -USR1 "$WEB3_PID"
DIAG_CMD=quorum eventually 5 "all down: quorum lost, the sorry server is active" sorry_is true
is "$(spread 10)" "rs1 0 rs2 0 rs3 0 rs4 0 sorry 10 " "quorum lost: the sorry server answers the client"
ctl list
like "$CTL_OUT" "^  -> $RS3:8080 +[A-Za-z]+ +1 " "lvsctl list: the sorry server is in the table with weight 1"
check "the quorum loss is logged" log_has "service web: quorum lost"
kill -USR2 "$WEB1_PID"
watch 'true/*' 5 "web/$RS1:80"
is "$(svc web quorum_up sorry_active)" "false true" "one back (weight 1 < 2 + 1): still the sorry server"
is "$(rs web "$RS1:80" healthy effective_weight)" "true 0" "under the sorry server a healthy real server has weight 0"
is "$(spread 10)" "rs1 0 rs2 0 rs3 0 rs4 0 sorry 10 " "hysteresis: the sorry server still answers"
kill -USR2 "$WEB2_PID" "$WEB3_PID"
DIAG_CMD=quorum eventually 5 "all back: quorum back, the sorry server is withdrawn" sorry_is false
is "$(spread 30)" "rs1 10 rs2 10 rs3 10 rs4 0 sorry 0 " "the real servers answer again, the sorry server no more"
check "the quorum's return is logged" log_has "service web: quorum back"

# alpha: a new server starts down and earns its place.
others="check web $LAB_NET4\\.2[123]:80: up: "
ups_before=$(log_count "$others")
T0=$(now_ms)
reload_with remove yes
is "$(rs web "$RS4:80" healthy in_table)" "false false" "alpha: a new server starts down, out of the table"
watch 'true/*' 5 "web/$RS4:80"
ms=$((${SEEN[web/$RS4:80]:-99999} - T0))
check "alpha: up after $RISE passes, in $ms ms (bound $RECOVER_MAX)" test "$ms" -le "$RECOVER_MAX"
is "$(rs web "$RS4:80" state in_table)" "in true" "alpha: in the table once up"
is "$(log_count "$others")" "$ups_before" \
	"adding a server left the others' checkers alone"

stop_lvsd TERM "lvsd stops cleanly after part two"

# ---- part three: the tcp check's two ways ----------------------------------------------

# A tcp check is a SYN written on a raw socket from a port lvsd keeps
# bound: no socket, no connect(), and the host's TCP resets the server's
# SYN-ACK. Without CAP_NET_RAW lvsd says so once and probes by connect()
# (a reset on the SYN-ACK too). Both must say the same of the same
# servers: one that never accepts, a closed port, a black hole. Only the
# connect probe opens connections (the namespace's TcpActiveOpens) and
# holds sockets toward the servers (SYN-SENT toward the black hole).
tcp_config()
{
	globals info
	echo "virtual_services:"
	service tcp-sink "$RS2:8090" 'type: tcp'
	service tcp-closed "$RS1:8089" 'type: tcp'
	service tcp-hole "$RS4:8088" 'type: tcp'
}

active_opens() { lab_exec dir1 nstat -asz TcpActiveOpens | awk '$1 == "TcpActiveOpens" { print $2 }'; }

# SYN-SENT sockets of dir1 toward the black hole, in 10 looks 50 ms apart.
syn_sent_seen()
{
	local i n=0

	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -z "$(lab_exec dir1 ss -Htn state syn-sent dst "$RS4")" ] || n=$((n + 1))
		sleep 0.05
	done
	echo "$n"
}

tcp_verdicts()
{
	[ "$(rs tcp-sink "$RS2:8090" healthy)" = true ] &&
		grep -q '^ok: connected in ' <<<"$(rs tcp-sink "$RS2:8090" last_check)" &&
		[ "$(rs tcp-closed "$RS1:8089" last_check)" = "fail: connect refused" ] &&
		[ "$(rs tcp-hole "$RS4:8088" last_check)" = "fail: timeout after 0.3s connecting" ]
}
tcp_last() { rs tcp-sink "$RS2:8090" last_check; rs tcp-closed "$RS1:8089" last_check;
	rs tcp-hole "$RS4:8088" last_check; }

closed_probes_past() { [ "$(rs tcp-closed "$RS1:8089" check_probes)" -ge "$1" ]; }

# tcp_way NAME: the three verdicts, then opens and SYN-SENT sockets as
# OPENS and SYNSENT, over at least 4 probes of each checker.
tcp_way()
{
	local o0 p0

	DIAG_CMD=tcp_last eventually 5 "$1: ok: connected, fail: connect refused, fail: timeout after 0.3s connecting" \
		tcp_verdicts
	o0=$(active_opens) p0=$(rs tcp-closed "$RS1:8089" check_probes)
	SYNSENT=$(syn_sent_seen)
	wait_for 3 closed_probes_past "$((p0 + 4))"
	OPENS=$(($(active_opens) - o0)) PROBES=$(($(rs tcp-closed "$RS1:8089" check_probes) - p0))
}

tcp_config >"$CONFIG"
lab_link_down rs4
: >"$LOG"
start_lvsd || bail_out "lvsd did not start in dir1 (tcp)"
eventually 3 "SYN probes: lvsd says it probes on a raw socket (at its first tcp probe)" log_has 'tcp checks: SYN probes on a raw IPv4 socket from ports [0-9]+ [0-9]+ [0-9]+ [0-9]+$'
tcp_way "SYN probes"
is "$OPENS" 0 "SYN probes: no connection opened in dir1 over $PROBES probes of each of 3 servers"
is "$SYNSENT" 0 "SYN probes: no socket of dir1 in SYN-SENT toward the black hole"
is "$(lab_exec rs2 ss -Hltn "sport = :8090" | awk '{ print $2 }')" 0 \
	"SYN probes: nothing in the accept queue of the listener that never accepts"
stop_lvsd TERM "lvsd stops cleanly after the SYN probes"

# The same without CAP_NET_RAW.
printf '#!/bin/sh\nexec ip netns exec %s setpriv --inh-caps -net_raw --bounding-set -net_raw "%s" "$@"\n' \
	"$(lab_ns dir1)" "$LVSD_BIN" >"$T/lvsd-noraw"
chmod +x "$T/lvsd-noraw"
LVSD_RAW=$LVSD LVSD=$T/lvsd-noraw
: >"$LOG"
start_lvsd || bail_out "lvsd did not start in dir1 without CAP_NET_RAW"
tcp_way "connect probes"
is "$(log_count 'tcp checks: cannot make a raw socket for IPv4 SYN probes \(Operation not permitted\): probing by connect\(\) instead$')" 1 \
	"without CAP_NET_RAW: said once, at notice, that tcp checks connect instead"
check "connect probes: connections opened in dir1 ($OPENS for $PROBES probes of each of 3 servers)" \
	test "$OPENS" -ge "$PROBES"
check "connect probes: a socket of dir1 in SYN-SENT toward the black hole ($SYNSENT of 10 looks)" \
	test "$SYNSENT" -gt 0
stop_lvsd TERM "lvsd stops cleanly after the connect probes"
LVSD=$LVSD_RAW
lab_link_up rs4

done_testing

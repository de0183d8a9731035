#!/usr/bin/env bash
#
# reload.sh - reloads under load change exactly what changed (issue 7),
# with the userspace core on loopback:
#
#   1. three services: "keep" (two real servers, tcp checks) never
#      changes; "churn" (a pool of five real servers) gains, loses and
#      reweights servers on every reload; "extra" comes and goes. Under
#      continuous HTTP load on keep (keep-alive) and churn (a connection
#      per request), 100 reloads (lvsctl reload, every tenth by SIGHUP):
#      every one is accepted and leaves the table the file says; no
#      request to keep fails, nor to churn (a removed server drains); the
#      keep servers' counters keep rising and their checkers keep their
#      state (probes never restart, last_check stays set); every churn
#      server that was added got traffic;
#   2. a bad file in the middle: lvsctl reload exits 1 with FILE:LINE:COL,
#      the status (and the status file) show the failed reload, the table
#      is unchanged, and the next good file goes in;
#   3. drain, deterministically: a removed real server holding a
#      connection stays at weight 0 ("draining" in the status, the
#      connection still served), is in service again when the file names
#      it again, and goes once its connection ends or drain_timeout passes;
#      a removed virtual service the same: kept ("draining" in the status,
#      its real servers at weight 0, the connection served) until its
#      last connection ends, then removed;
#   4. auto_reload: turned on by a reload; an editor-style save (write a
#      temporary file, rename it over) is picked up within a second, as
#      are a write in place and a vim-style save; a bad file so saved is
#      reported and changes nothing; the file removed is only logged;
#      turned off by the file, changes are no longer picked up;
#   5. the status file: rewritten on its own after a change, SIGUSR1
#      writes it at once, always whole JSON, no temporary file left;
#      SIGUSR2 after logrotate's move makes a new log file;
#   6. metrics: lvsctl metrics and GET /metrics on global.metrics_listen,
#      parsed as the Prometheus text format, agree with the status;
#   7. VRRP in the lab (when namespaces can be made): a master's VIP list
#      changed by a reload is applied without a transition; a reload that
#      removes the instance releases its VIPs.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

TS=$LVS_TESTSRV
[ -x "$TS" ] || bail_out "$TS is not built (set LVS_TESTSRV)"
command -v curl >/dev/null || skip_all "no curl"

KEEP=127.0.0.1:$VS_PORT CHURN=127.0.0.1:$((VS_PORT + 1)) EXTRA=127.0.0.1:$((VS_PORT + 2))
RP=$VS_PORT	# every real server listens on this port, each on its own 127.0.0.x
declare -A RS=([k1]=127.0.0.11 [k2]=127.0.0.12 [c1]=127.0.0.21 [c2]=127.0.0.22
	[c3]=127.0.0.23 [c4]=127.0.0.24 [c5]=127.0.0.25 [x1]=127.0.0.31)
# A free port for the metrics listener (checked free just before use).
MPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# ---- the real servers ------------------------------------------------------------

for id in "${!RS[@]}"; do
	"$TS" --id "$id" --http "${RS[$id]}:$RP" </dev/null >"$T/srv.$id.out" 2>"$T/srv.$id.err" &
	track $!
done
srv_ready() { [ "$(cat "$T"/srv.*.out 2>/dev/null | grep -cx ready)" = "${#RS[@]}" ]; }
wait_for 10 srv_ready || bail_out "the real servers did not start: $(cat "$T"/srv.*.err)"

# ---- configuration -------------------------------------------------------------

# churn_list ITER: churn's servers and weights in reload ITER, "c1:2 c3:1 ...":
# c1 always, the others in or out by ITER.
churn_list()
{
	local i=$1 k

	for k in 1 2 3 4 5; do
		if [ $(((i + k) % 3)) != 0 ] || [ "$k" = 1 ]; then
			printf 'c%s:%s ' "$k" $((1 + i * k % 4))
		fi
	done
}

# write_cfg FILE ITER [AUTO]: the configuration of reload ITER (0: the
# first). keep never changes; churn's servers are churn_list's (or
# $CHURN_RS), its drain_timeout $DRAIN_T (20 s); extra is there on even ITER.
write_cfg()
{
	local file=$1 i=$2 auto=${3:-false} e
	{
		cat <<EOF
global:
  router_id: reload
  log_file: $LOG
  log_level: info
  status_file: $STATUS_FILE
  forwarding_core: userspace
  auto_reload: $auto
  metrics_listen: 127.0.0.1:$MPORT
virtual_services:
  - name: keep
    address: $KEEP
    scheduler: wlc
    check: {type: tcp, interval: 0.3, timeout: 0.3, rise: 1, fall: 2}
    real_servers:
      - {address: ${RS[k1]}:$RP, weight: 2}
      - {address: ${RS[k2]}:$RP, weight: 2}
  - name: churn
    address: $CHURN
    scheduler: wrr
    drain_timeout: ${DRAIN_T:-20}
    real_servers:
EOF
		for e in ${CHURN_RS:-$(churn_list "$i")}; do
			echo "      - {address: ${RS[${e%:*}]}:$RP, weight: ${e#*:}}"
		done
		if [ $((i % 2)) = 0 ]; then
			cat <<EOF
  - name: extra
    address: $EXTRA
    real_servers:
      - {address: ${RS[x1]}:$RP}
EOF
		fi
	} >"$file"
}

# The ipvsadm -S lines the file of reload ITER asks for (weights, no drains).
want_table()
{
	local i=$1 e
	echo "-A -t $KEEP -s wlc"
	echo "-a -t $KEEP -r ${RS[k1]}:$RP -m -w 2"
	echo "-a -t $KEEP -r ${RS[k2]}:$RP -m -w 2"
	echo "-A -t $CHURN -s wrr"
	for e in $(churn_list "$i"); do
		echo "-a -t $CHURN -r ${RS[${e%:*}]}:$RP -m -w ${e#*:}"
	done
	if [ $((i % 2)) = 0 ]; then
		echo "-A -t $EXTRA -s wlc"
		echo "-a -t $EXTRA -r ${RS[x1]}:$RP -m -w 1"
	fi
}

# The live table as `lvsctl save` prints it, sorted, draining servers (weight 0)
# left out, and a service left with no other (a removed service that drains).
table_now()
{
	ctl save && awk '/^-A/ { svc = $0; next } / -w 0$/ { next }
		{ if (svc != "") print svc; svc = ""; print }' <<<"$CTL_OUT" | sort
}

write_cfg "$CONFIG" 0
if start_lvsd; then
	pass "lvsd starts with keep, churn and extra"
else
	fail "lvsd starts with keep, churn and extra"
	done_testing
fi

# status_get EXPR...: values from a fresh status --json.
status_get() { status_json "$T/st.json" && json_get "$T/st.json" "$@"; }
keep_rs() { echo "[r for s in d['virtual_services'] if s['name'] == 'keep' for r in s['real_servers']]"; }
keep_up() { [ "$(status_get "all(r['healthy'] and r['check_probes'] > 0 for r in $(keep_rs))")" = true ]; }
wait_for 10 keep_up || fail "keep's checkers see both servers up" "$(cat "$T/st.json")"

# ---- 1. 100 reloads under load -----------------------------------------------------

# load NAME URL ARGS...: --get-many rounds until $T/stop (at most 2000
# rounds); each round's tally appended to $T/load.NAME.
load()
{
	local name=$1 url=$2 n=0

	shift 2
	while [ ! -e "$T/stop" ] && [ "$n" -lt 2000 ]; do
		"$TS" --get-many 200 "$url" --concurrency 4 --timeout 5 "$@" >>"$T/load.$name" 2>>"$T/load.$name.err"
		n=$((n + 1))
		# A service that is not there (extra, half the time) refuses at once: no busy loop.
		tail -n 1 "$T/load.$name" | grep -q '^ERROR' && sleep 0.1
	done
}
load keep "http://$KEEP/" --keepalive &
track $!
LOAD_KEEP=$!
load churn "http://$CHURN/" &
track $!
LOAD_CHURN=$!
load extra "http://$EXTRA/" --concurrency 1 &
track $!
LOAD_EXTRA=$!
has_load() { [ -s "$T/load.keep" ] && [ -s "$T/load.churn" ]; }
wait_for 10 has_load || diag "no load yet: $(cat "$T"/load.*.err 2>/dev/null | head -5)"

# Samples of keep's counters and checkers: conns, bytes_out, probes per server.
keep_sample()
{
	status_get "' '.join('%d %d %d' % (r['conns'], r['bytes_out'], r['check_probes']) for r in $(keep_rs))" \
		"all(r['last_check'] != '' for r in $(keep_rs))"
}

bad_reloads=0 bad_tables=0 samples_not_rising=0 lost_check=0 BAD_AT=50
prev=$(keep_sample)
prev=${prev%%$'\n'*}
first_sample=$prev
table_before_bad=
for i in $(seq 1 100); do
	if [ "$i" = "$BAD_AT" ]; then
		# ---- 2. a bad file in the middle ----------------------------------------
		table_before_bad=$(table_now)
		count_before=$(status_get 'd["last_reload"]["count"]')
		write_cfg "$CONFIG" "$i"
		sed -i 's/scheduler: wrr/scheduler: wrrr/' "$CONFIG"
		bad_line=$(grep -n 'scheduler: wrrr' "$CONFIG" | cut -d: -f1)
		ctl reload
		is "$CTL_RC" 1 "a bad file: lvsctl reload exits 1"
		like "$CTL_ERR" "^$CONFIG:$bad_line:[0-9]+: .*wrrr" "a bad file: lvsctl reload prints FILE:LINE:COL and the error"
		like "$CTL_ERR" "not reloaded; the running configuration is unchanged" "a bad file: lvsctl reload says nothing changed"
		is "$(status_get 'd["last_reload"]["ok"]' 'd["last_reload"]["count"] - '"$count_before" \
			'd["last_reload"]["failures"]' | tr '\n' ' ')" "false 1 1 " \
			"a bad file: status shows the failed reload (one more attempt, one failure)"
		like "$(status_get 'd["last_reload"]["errors"]')" "$CONFIG:$bad_line:" "a bad file: status carries its errors"
		is "$(table_now)" "$table_before_bad" "a bad file: the table is unchanged"
		status_file_failed() { [ "$(json_get "$STATUS_FILE" 'd["last_reload"]["ok"]' 2>/dev/null)" = false ]; }
		if wait_for 3 status_file_failed; then
			pass "a bad file: the status file shows the failed reload without SIGUSR1"
		else
			fail "a bad file: the status file shows the failed reload without SIGUSR1" "$(head -c 300 "$STATUS_FILE")"
		fi
	fi
	write_cfg "$CONFIG" "$i"
	if [ $((i % 10)) = 0 ]; then
		count=$(status_get 'd["last_reload"]["count"]')
		kill -HUP "$LVSD_PID"
		reloaded() { [ "$(status_get 'd["last_reload"]["count"]')" = $((count + 1)) ]; }
		wait_for 5 reloaded && [ "$(status_get 'd["last_reload"]["ok"]')" = true ] ||
			{ bad_reloads=$((bad_reloads + 1)); diag "reload $i (SIGHUP) did not go in"; }
	elif ! ctl reload; then
		bad_reloads=$((bad_reloads + 1))
		diag "reload $i: lvsctl reload exited $CTL_RC: $CTL_ERR"
	fi
	got=$(table_now) want=$(want_table "$i" | sort)
	if [ "$got" != "$want" ]; then
		bad_tables=$((bad_tables + 1))
		[ "$bad_tables" -gt 3 ] || diag "reload $i: table is" "$got" "expected" "$want"
	fi
	if [ $((i % 10)) = 5 ]; then
		sample=$(keep_sample)
		cur=$(head -n1 <<<"$sample")
		python3 -c 'import sys; a, b = map(lambda s: list(map(int, s.split())), sys.argv[1:3]); sys.exit(0 if all(y > x for x, y in zip(a, b)) else 1)' "$prev" "$cur" ||
			{ samples_not_rising=$((samples_not_rising + 1)); diag "reload $i: keep's counters went from '$prev' to '$cur'"; }
		[ "$(tail -n1 <<<"$sample")" = true ] || lost_check=$((lost_check + 1))
		prev=$cur
	fi
	sleep 0.1
done
touch "$T/stop"
wait "$LOAD_KEEP" "$LOAD_CHURN" "$LOAD_EXTRA" 2>/dev/null

is "$bad_reloads" 0 "100 reloads under load (every tenth by SIGHUP): every one accepted"
is "$bad_tables" 0 "after every reload the table is what the file says (a weight change in place)"
is "$samples_not_rising" 0 "keep's real servers: connections, bytes and check probes rise across all 100 reloads"
is "$lost_check" 0 "keep's checkers keep their last_check across the reloads"
last=$(keep_sample)
last=${last%%$'\n'*}
diag "keep (conns bytes_out probes per server): before $first_sample, after $last"

# tally NAME: "id count" per server, and "ERROR count", summed over every round.
tally() { awk '{ n[$1] += $2 } END { for (k in n) print k, n[k] }' "$T/load.$1" | sort; }
keep_t=$(tally keep) churn_t=$(tally churn)
diag "keep served:" "$keep_t" "churn served:" "$churn_t" "extra served:" "$(tally extra)"
like "$keep_t" '^k1 [0-9]+$' "keep: k1 served requests"
like "$keep_t" '^k2 [0-9]+$' "keep: k2 served requests"
unlike "$keep_t" '^ERROR' "keep (untouched): no request failed during the reloads"
unlike "$churn_t" '^ERROR' "churn (servers added, removed, reweighted): no request failed (removed servers drain)"
for k in 2 3 4 5; do
	like "$churn_t" "^c$k [0-9]+\$" "churn: c$k, added by a reload, got traffic"
done
is "$(status_get 'd["last_reload"]["count"]' 'd["last_reload"]["failures"]' | tr '\n' ' ')" "101 1 " \
	"status: 101 reloads, 1 failed"
like "$(cat "$LOG")" "notice: reloaded $CONFIG: [23] virtual services, 0 VRRP instances, in [0-9.]+ ms" \
	"each reload is logged with its duration"

# ---- 3. drain ----------------------------------------------------------------------

# A client through churn that holds its connection: c1 alone, so it is c1's.
CHURN_RS="c1:1" write_cfg "$CONFIG" 0
ctl reload || diag "drain setup: $CTL_ERR"
cat >"$T/hold.py" <<'EOF'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=5)
def get():
    s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, body = data.split(b"\r\n\r\n", 1)
    n = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < n:
        body += s.recv(4096)
    return head.split(b"\r\n")[0].decode()
import re
print(get(), flush=True)
for line in sys.stdin:          # one request per line of stdin, until EOF
    print(get(), flush=True)
EOF
mkfifo "$T/hold.in"
python3 "$T/hold.py" "$CHURN" <"$T/hold.in" >"$T/hold.out" 2>"$T/hold.err" &
HOLD=$!
track "$HOLD"
exec 7>"$T/hold.in"
held() { [ "$(wc -l <"$T/hold.out")" -ge "$1" ]; }
wait_for 5 held 1 || diag "the holding client did not connect: $(cat "$T/hold.err")"
# c1 leaves the file, c2 comes in.
CHURN_RS="c2:1" write_cfg "$CONFIG" 0
ctl reload
rs_state() { status_get "[(r['address'], r['state'], r['effective_weight'], r['active_conns']) for s in d['virtual_services'] if s['name'] == 'churn' for r in s['real_servers']]"; }
like "$(rs_state)" "\\[\"${RS[c1]}:$RP\", \"draining\", 0, 1\\]" "drain: the removed server stays, 'draining' at weight 0 with its connection"
is "$(status_get "[r['drain_left_ms'] > 15000 for s in d['virtual_services'] if s['name'] == 'churn' for r in s['real_servers'] if r['state'] == 'draining']")" \
	"[true]" "drain: status gives the time left (drain_timeout 20 s)"
ctl list
like "$CTL_OUT" "-> ${RS[c1]}:$RP +Masq +0 +1 " "drain: lvsctl list shows it at weight 0 with its active connection"
echo >&7
wait_for 5 held 2
is "$(tail -n1 "$T/hold.out")" "HTTP/1.1 200 OK" "drain: the held connection is still served"
check "drain: logged" log_has "real server ${RS[c1]}:$RP of churn is no longer configured: draining"
# Named again while it drains: in service again, the connection untouched.
CHURN_RS="c1:3" write_cfg "$CONFIG" 0
ctl reload
like "$(rs_state)" "\\[\"${RS[c1]}:$RP\", \"in\", 3, 1\\]" "drain: named again, it serves again at its weight, connection kept"
check "drain: its end is logged" log_has "real server ${RS[c1]}:$RP of churn is configured again: its drain ends"
echo >&7
wait_for 5 held 3
is "$(tail -n1 "$T/hold.out")" "HTTP/1.1 200 OK" "drain: the connection still works after the drain was called off"
# Removed again, then the client leaves: gone within a drain tick or two.
CHURN_RS="c2:1" write_cfg "$CONFIG" 0
ctl reload
like "$(rs_state)" '"draining"' "drain: removed again, it drains again"
exec 7>&-
wait "$HOLD" 2>/dev/null
c1_gone() { ctl list && ! grep -q "${RS[c1]}:$RP" <<<"$CTL_OUT"; }
if wait_for 5 c1_gone; then
	pass "drain: once its last connection ends, it is removed"
else
	fail "drain: once its last connection ends, it is removed" "$CTL_OUT"
fi
check "drain: the removal is logged" log_has "real server ${RS[c1]}:$RP of churn: drained, 0 connections left; removing it"
# drain_timeout: a connection that does not end is cut when the time is up.
DRAIN_T=1 CHURN_RS="c1:1" write_cfg "$CONFIG" 0
ctl reload
sleep 100 | python3 "$T/hold.py" "$CHURN" >"$T/hold2.out" 2>&1 &
HOLD2=$!
track "$HOLD2"
held2() { [ -s "$T/hold2.out" ]; }
wait_for 5 held2
DRAIN_T=1 CHURN_RS="c2:1" write_cfg "$CONFIG" 0
ctl reload
if wait_for 5 c1_gone; then
	pass "drain_timeout (1 s): a server whose connection lingers is removed when the time is up"
else
	fail "drain_timeout (1 s): a server whose connection lingers is removed when the time is up" "$CTL_OUT"
fi
check "drain_timeout: logged with the connections cut" log_has "real server ${RS[c1]}:$RP of churn: drain_timeout passed with 1 connections left"
kill "$HOLD2" 2>/dev/null

# ---- 3b. a removed virtual service drains ----------------------------------------------

# A client through extra that holds its connection; then a file without extra.
write_cfg "$CONFIG" 0
ctl reload || diag "service drain setup: $CTL_ERR"
mkfifo "$T/hold3.in"
python3 "$T/hold.py" "$EXTRA" <"$T/hold3.in" >"$T/hold3.out" 2>"$T/hold3.err" &
HOLD3=$!
track "$HOLD3"
exec 8>"$T/hold3.in"
held3() { [ "$(wc -l <"$T/hold3.out")" -ge "$1" ]; }
wait_for 5 held3 1 || diag "the client holding extra did not connect: $(cat "$T/hold3.err")"
write_cfg "$CONFIG" 1
ctl reload
svc_state() { status_get "[(s['state'], [r['effective_weight'] for r in s['real_servers']], sum(r['active_conns'] for r in s['real_servers'])) for s in d['virtual_services'] if s['name'] == 'extra']"; }
like "$(svc_state)" '^\[\["draining", \[0\], 1\]\]$' \
	"service drain: the removed service stays, 'draining', its real server at weight 0 with the connection"
like "$(status_get "[s['drain_left_ms'] > 200000 for s in d['virtual_services'] if s['name'] == 'extra']")" \
	'^\[true\]$' "service drain: status gives the time left (drain_timeout 300 s)"
ctl status
like "$CTL_OUT" "TCP $EXTRA  draining: weight 0" "service drain: lvsctl status lists it as draining"
echo >&8
wait_for 5 held3 2
is "$(tail -n1 "$T/hold3.out")" "HTTP/1.1 200 OK" "service drain: the held connection is still served"
check "service drain: logged" log_has "virtual service extra is no longer configured: draining"
exec 8>&-
wait "$HOLD3" 2>/dev/null
extra_gone() { ctl list && ! grep -q "$EXTRA" <<<"$CTL_OUT"; }
if wait_for 5 extra_gone; then
	pass "service drain: once its last connection ends, the service is removed"
else
	fail "service drain: once its last connection ends, the service is removed" "$CTL_OUT"
fi
check "service drain: the removal is logged" log_has "virtual service extra: drained, 0 connections left; removing it"
is "$(status_get "[s['name'] for s in d['virtual_services']]")" '["keep", "churn"]' \
	"service drain: gone from the status too"

# ---- 4. auto_reload --------------------------------------------------------------------

reload_count() { status_get 'd["last_reload"]["count"]'; }
count_is() { [ "$(reload_count)" = "$1" ]; }
write_cfg "$CONFIG" 0 true
ctl reload
check "auto_reload turned on by a reload is logged" wait_log "auto_reload: watching $CONFIG for changes" 2
is "$(status_get 'd["auto_reload"]')" true "auto_reload on: status --json says the file is watched"
c0=$(reload_count)
# Editor-style: a new file written beside it and renamed over it.
write_cfg "$T/lvsd.yaml.tmp" 7 true
t0=$(now_ms)
mv "$T/lvsd.yaml.tmp" "$CONFIG"
if wait_for 1 count_is $((c0 + 1)); then
	pass "auto_reload: an editor-style save (temp file renamed over) is reloaded within 1 s ($(($(now_ms) - t0)) ms)"
else
	wait_for 5 count_is $((c0 + 1))
	fail "auto_reload: an editor-style save (temp file renamed over) is reloaded within 1 s" \
		"count $(reload_count) after $(($(now_ms) - t0)) ms"
fi
is "$(table_now)" "$(want_table 7 | sort)" "auto_reload: the saved file's table is in force"
# A write in place.
write_cfg "$CONFIG" 8 true
wait_for 3 count_is $((c0 + 2)) && pass "auto_reload: a write in place is reloaded" ||
	fail "auto_reload: a write in place is reloaded" "count $(reload_count)"
# vim's way: the old file renamed to a backup, the new one written, the backup removed.
mv "$CONFIG" "$CONFIG~"
write_cfg "$CONFIG" 9 true
rm -f "$CONFIG~"
wait_for 3 count_is $((c0 + 3)) && pass "auto_reload: a vim-style save (backup rename, new file) is reloaded" ||
	fail "auto_reload: a vim-style save (backup rename, new file) is reloaded" "count $(reload_count)"
is "$(table_now)" "$(want_table 9 | sort)" "auto_reload: one reload per save, the last file in force"
# A bad file saved: reported like any failed reload, nothing changes.
table9=$(table_now)
write_cfg "$T/bad.tmp" 10 true
echo "  bogus_key: 1" >>"$T/bad.tmp"
mv "$T/bad.tmp" "$CONFIG"
wait_for 3 count_is $((c0 + 4))
is "$(status_get 'd["last_reload"]["ok"]')" false "auto_reload: a bad file saved is a failed reload in the status"
check "auto_reload: its errors are logged with FILE:LINE:COL" log_has "error: $CONFIG:[0-9]+:[0-9]+: "
is "$(table_now)" "$table9" "auto_reload: a bad file saved changes nothing"
# The file removed: logged, nothing else.
mv "$CONFIG" "$T/aside.yaml"
check "auto_reload: the file removed is logged" wait_log "auto_reload: $CONFIG was removed; the running configuration stays" 3
is "$(reload_count)" $((c0 + 4)) "auto_reload: the file removed is not a reload"
# Off by the file: later saves are not picked up.
write_cfg "$CONFIG" 11 false
wait_for 3 count_is $((c0 + 5))
check "auto_reload: off by the file is logged" wait_log "auto_reload: off; no longer watching" 3
is "$(status_get 'd["auto_reload"]')" false "auto_reload off: status --json says so"
write_cfg "$CONFIG" 12 false
sleep 1.2	# past the longest wait a reload could take (AUTO_RELOAD_MAX_WAIT_MS)
is "$(reload_count)" $((c0 + 5)) "auto_reload off: a save is not picked up"
ctl reload

# ---- 5. status file and log rotation -------------------------------------------------------

c=$(reload_count)
in_file() { [ "$(json_get "$STATUS_FILE" 'd["last_reload"]["count"]' 2>/dev/null)" = "$c" ]; }
check "the status file follows a reload on its own" wait_for 3 in_file
rm -f "$STATUS_FILE"
kill -USR1 "$LVSD_PID"
check "SIGUSR1 writes the status file" wait_for 3 test -s "$STATUS_FILE"
check "the status file is valid JSON" json_valid "$STATUS_FILE"
check "the status file keeps the status contract" status_contract "$STATUS_FILE"
is "$(find "$T" -maxdepth 1 -name "${STATUS_FILE##*/}.tmp*" | wc -l)" 0 "no temporary status file is left behind"
mv "$LOG" "$LOG.1"
kill -USR2 "$LVSD_PID"
check "SIGUSR2: the log file is made anew" wait_for 3 test -s "$LOG"
ctl reload
check "SIGUSR2: new lines go to the new log file" wait_log "reloaded $CONFIG" 3
check "SIGUSR2: the moved file keeps the lines before it" log_has "reloaded $CONFIG" "$LOG.1"
check "SIGUSR2: the reopening is logged in the new file" log_has "SIGUSR2: reopened log file $LOG"

# ---- 6. metrics --------------------------------------------------------------------------------

PROM=$top_srcdir/tests/integration/prom.py
ctl metrics
is "$CTL_RC" 0 "lvsctl metrics exits 0"
metric() { python3 "$PROM" "$@" <<<"$CTL_OUT" 2>&1 | sed 's/^.* = //'; }
reloads=$(reload_count)
is "$(metric lvsd_reloads_total)" "$reloads" "lvsctl metrics: lvsd_reloads_total is the status' reload count"
is "$(metric lvsd_reload_failures_total)" "$(status_get 'd["last_reload"]["failures"]')" \
	"lvsctl metrics: lvsd_reload_failures_total is the status' failures"
k1conns=$(metric "lvsd_real_server_connections_total{service=keep,real_server=${RS[k1]}:$RP}")
check "lvsctl metrics: keep's k1 has counted connections ($k1conns)" test "${k1conns%%.*}" -gt 0 2>/dev/null
is "$(metric "lvsd_real_server_healthy{service=keep}")" "1 1" "lvsctl metrics: keep's servers are healthy"
is "$(metric "lvsd_real_server_state{service=keep,state=in}")" "1 1" "lvsctl metrics: keep's servers are in"
check "GET /metrics answers on metrics_listen" curl -sf -o "$T/m.txt" -D "$T/m.head" "http://127.0.0.1:$MPORT/metrics"
like "$(cat "$T/m.head")" "^Content-Type: text/plain; version=0.0.4" "GET /metrics: the text format's content type"
is "$(python3 "$PROM" lvsd_reloads_total <"$T/m.txt" 2>&1 | sed 's/^.* = //')" "$reloads" \
	"GET /metrics parses and agrees with lvsctl metrics"
like "$(curl -sI --max-time 5 "http://127.0.0.1:$MPORT/metrics" | tr -d '\r')" "^Content-Length: [1-9][0-9]*$" \
	"HEAD /metrics: the headers, with the length a GET gets"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/other")" 404 "GET /other: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$MPORT/metrics")" 405 "POST /metrics: 405"
# A name that needs escaping, and a move of the listener by a reload.
MPORT2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
write_cfg "$CONFIG" 0
python3 - "$CONFIG" "$MPORT" "$MPORT2" <<'EOF'
import sys
path, old, new = sys.argv[1:4]
text = open(path).read().replace("name: keep", r'name: "ke\\ep \"q\""')
open(path, "w").write(text.replace(":%s\n" % old, ":%s\n" % new))
EOF
ctl reload || diag "$CTL_ERR"
check "a reload moves metrics_listen" curl -sf -o "$T/m2.txt" "http://127.0.0.1:$MPORT2/metrics"
check "the old metrics address is closed" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/metrics")" = 000
is "$(python3 "$PROM" 'lvsd_real_server_healthy{service=ke\ep "q"}' <"$T/m2.txt" 2>&1 | sed 's/^.* = //')" "1 1" \
	"metrics: a service name with a backslash and quotes is escaped and parses back"

stop_lvsd TERM "lvsd stops cleanly after it all"

# ---- 7. VRRP in the lab ------------------------------------------------------------------------

# shellcheck source=tests/lab/lab.sh
. "$top_srcdir/tests/lab/lab.sh"
if ! why=$(lab_usable); then
	skip "VRRP: a changed VIP list without a transition; a removed instance releases its VIPs" "no lab: $why"
	done_testing
fi
lab_up dir1 || bail_out "the lab did not come up"
printf '#!/bin/sh\nexec ip netns exec %s "%s" "$@"\n' "$(lab_ns dir1)" "$LVSD" >"$T/lvsd-in-dir1"
chmod +x "$T/lvsd-in-dir1"
LVSD=$T/lvsd-in-dir1 CONFIG=$T/vrrp.yaml LOG=$T/vrrp.log SOCK=$T/vrrp.sock PIDFILE=$T/vrrp.pid
# vrrp_cfg "VIP..." [with_instance]: one instance, alone on the lab's link: it becomes MASTER.
vrrp_cfg()
{
	{
		config_global info | sed "s#log_file: .*#log_file: $LOG#"
		[ "${2:-1}" = 1 ] && cat <<EOF
vrrp_instances:
  - name: VI_1
    interface: eth0
    virtual_router_id: 61
    priority: 150
    advert_interval: 0.1
    virtual_ips: [$1]
EOF
		[ "${2:-1}" = 1 ] || echo "vrrp_instances: []"
	} >"$CONFIG"
}
vips() { lab_exec dir1 ip -4 -o addr show dev eth0 | awk '{ print $4 }' | grep -E "^($LAB_VIP|$LAB_VIP2)/" | sort | tr '\n' ' '; }
transitions() { log_count 'VRRP VI_1: [A-Z]+ -> [A-Z]+: '; }
vstate() { status_get 'd["vrrp"][0]["state"]' 2>/dev/null; }
is_master() { [ "$(vstate)" = MASTER ]; }
vrrp_cfg "$LAB_VIP/24"
start_lvsd || bail_out "lvsd with VRRP did not start in dir1"
check "VRRP: alone on the link, VI_1 becomes MASTER" wait_for 5 is_master
is "$(vips)" "$LAB_VIP/24 " "VRRP: the master holds its VIP"
tr0=$(transitions)
vrrp_cfg "$LAB_VIP/24, $LAB_VIP2/24"
ctl reload
is "$(vips)" "$LAB_VIP/24 $LAB_VIP2/24 " "VRRP: a VIP added by a reload is on the master at once"
vrrp_cfg "$LAB_VIP2/24"
ctl reload
is "$(vips)" "$LAB_VIP2/24 " "VRRP: a VIP removed by a reload leaves"
sleep 0.5
is "$(vstate) $(transitions)" "MASTER $tr0" "VRRP: the changed VIP list made no transition"
vrrp_cfg "" 0
ctl reload
is "$(vips)" "" "VRRP: a reload that removes the instance releases its VIPs"
stop_lvsd TERM "lvsd with VRRP stops cleanly"
done_testing

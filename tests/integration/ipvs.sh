#!/usr/bin/env bash
#
# ipvs.sh - the kernel IPVS forwarding core, for real. On the host (whose
# kernel has no IPVS): forwarding_core ipvs is a clear startup error, auto
# takes the userspace core and says so, and a configuration that needs
# the kernel (dr) does not start on the userspace core. Then the script
# runs itself again inside the kernel test VM (tests/vm/vm.sh, one boot),
# where lvsd runs in a director namespace of the lab (tests/lab/lab.sh)
# and drives the VM kernel's IPVS: the exact `ipvsadm -S -n` table of a
# configuration with tcp, udp and fwmark services, IPv4 and IPv6, nat, dr
# and tun, weights, thresholds, persistence and several schedulers;
# lvsctl list/save print what ipvsadm prints; NAT and DR traffic from a
# client namespace spread by wrr and rr; a reload that changes one weight
# changes only that (counters and an established connection survive);
# one that drops a service holding a connection drains it (weight 0, in
# the kernel, "draining" in the status) and one that names it again
# brings it back; ipvsadm -d/-e/-D behind lvsd's back is put back within seconds; a
# service someone else added survives reconcile, reload and stop; a real
# server whose check fails goes to weight 0 and back; stop removes lvsd's
# services, keep_on_stop keeps them; and with two directors running VRRP
# the IPVS sync daemon is master on the master and backup on the backup,
# switched on failover. TAP numbering continues from the host's points to
# the VM's; the VM prints the plan.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/vm.sh
. "$top_srcdir/tests/vm/vm.sh"
: "${LVS_TESTSRV:=$top_builddir/tests/tools/lvs-testsrv}"

# ---- on the host ---------------------------------------------------------------------

host_points()
{
	local y

	if [ -e /proc/net/ip_vs ]; then
		skip "forwarding_core ipvs without IPVS: a startup error" "this host's kernel has IPVS"
		skip "auto without IPVS: the userspace core, logged" "this host's kernel has IPVS"
		return
	fi
	{ config_global; config_body; } | sed 's/forwarding_core: userspace/forwarding_core: ipvs/' >"$CONFIG"
	start_lvsd -d
	is "$LVSD_RC" 1 "forwarding_core ipvs on a kernel without IPVS: lvsd exits 1"
	like "$(cat "$LVSD_ERR")" "forwarding_core ipvs: this kernel has no IPVS \(the IPVS generic netlink family does not resolve" \
		"... saying that the kernel has no IPVS"
	{ config_global; config_body; } | sed 's/forwarding_core: userspace/forwarding_core: auto/' >"$CONFIG"
	if start_lvsd; then
		like "$(cat "$LOG")" "notice: forwarding core: userspace \(auto: the kernel has no IPVS\)" \
			"forwarding_core auto without IPVS: the userspace core, and the log says why"
		ctl status --json
		is "$(json_get "$T/ctl.out" 'd["forwarding_core"]' 2>&1)" userspace "... and the status says userspace"
		printf '      - {address: 127.0.0.1:%s, forwarding: tun}\n' $((VS_PORT + 3)) >>"$CONFIG"
		ctl reload
		like "$CTL_RC $CTL_OUT$CTL_ERR" "^[1-9].*lvsd.yaml:[0-9]+:5: virtual service web uses forwarding tun, which needs the kernel's IPVS; the running forwarding core is userspace" \
			"a reload asking the userspace core for tun is refused, naming the service and why"
		ctl save
		is "$(grep -c -- '-a -t' <<<"$CTL_OUT")" 2 "... and the running table is unchanged"
		stop_lvsd
	else
		fail "forwarding_core auto without IPVS starts"
	fi
	y=$T/dr.yaml
	{ config_global | sed 's/forwarding_core: userspace/forwarding_core: auto/'
	  cat <<EOF
virtual_services:
  - name: web
    address: 127.0.0.1:$VS_PORT
    real_servers:
      - {address: 127.0.0.1:$((VS_PORT + 1)), forwarding: dr}
EOF
	} >"$y"
	"$LVSD" -t -f "$y" >"$T/t.out" 2>&1
	is "$?" 0 "lvsd -t accepts forwarding dr with forwarding_core auto (it cannot know the kernel)"
	cp "$y" "$CONFIG"
	start_lvsd -d
	is "$LVSD_RC" 1 "... but on a host without IPVS lvsd does not start with it"
	like "$(cat "$LVSD_ERR")" "lvsd.yaml:9:5: virtual service web uses forwarding dr, which needs the kernel's IPVS; the running forwarding core is userspace" \
		"... and says which service, where, and why"
}

if [ -z "${VM_GUEST:-}" ]; then
	host_points
	why=$(vm_usable) || { skip "the kernel IPVS core in the VM" "no kernel test VM here: $why"; done_testing; }
	[ -x "$LVS_TESTSRV" ] || bail_out "$LVS_TESTSRV is not built"
	vm_need "$top_srcdir" "$top_builddir" "$LVSD" "$LVSCTL" "$LVS_TESTSRV"
	export IPVS_TAP_START=$_tap_n LVS_TESTSRV
	VM_TIMEOUT=${VM_TIMEOUT_IPVS:-420} vm_run bash "$0" >"$T/vm.tap"
	rc=$?
	cat "$T/vm.tap"
	if ! grep -Eq '^1\.\.[0-9]+$' "$T/vm.tap"; then
		_tap_n=$(grep -Ec '^(not )?ok ' "$T/vm.tap")
		_tap_n=$((_tap_n + IPVS_TAP_START))
		fail "the VM ran the kernel tests to their end" "status ${VM_STATUS:-?}, exit status $rc"
		[ -z "${VM_DIR:-}" ] || diag_file "$VM_DIR/console.log" 30
		done_testing
	fi
	_tap_done=1
	exit "$rc"
fi

# ---- inside the VM -----------------------------------------------------------------------

_tap_n=${IPVS_TAP_START:-0}
# shellcheck source=tests/lab/lab.sh
. "$top_srcdir/tests/lab/lab.sh"
lab_usable >/dev/null 2>&1 || bail_out "no lab inside the VM"

VIP=$LAB_VIP VIP2=$LAB_VIP2 VIP6=$LAB_VIP6
RS1=$(lab_addr rs1) RS2=$(lab_addr rs2) RS3=$(lab_addr rs3) RS4=$(lab_addr rs4)
CLIENT=$(lab_addr client)
DIR1=$(lab_addr dir1)
FOREIGN="-t 10.231.0.200:8000"

lab_up client dir1 dir2 rs1 rs2 rs3 rs4 >"$T/lab.out" 2>&1 || { cat "$T/lab.out"; bail_out "lab_up"; }
{
	# dir1 has both VIPs and forwards NAT replies; it must not redirect rs to the client
	lab_exec dir1 ip addr add "$VIP/32" dev eth0 &&
	lab_exec dir1 ip addr add "$VIP2/32" dev eth0 &&
	lab_exec dir1 sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.eth0.send_redirects=0 &&
	for n in rs1 rs2; do
		# NAT: replies to the client go back through the director
		lab_exec "$n" ip route add "$CLIENT/32" via "$DIR1" &&
		lab_exec "$n" sysctl -qw net.ipv4.conf.all.accept_redirects=0 || exit 1
	done &&
	for n in rs3 rs4; do
		# DR: the VIP on lo, never announced
		lab_exec "$n" ip addr add "$VIP2/32" dev lo &&
		lab_exec "$n" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 ||
			exit 1
	done
} >"$T/lab.out" 2>&1 || { cat "$T/lab.out"; bail_out "lab setup"; }
declare -A SRV
for n in rs1 rs2 rs3 rs4; do
	lab_testsrv "$n" --id "$n" --http "0.0.0.0:80" || bail_out "lvs-testsrv in $n"
	SRV[$n]=$LAB_PID
done

# lvsd in a director's namespace, as start_lvsd runs $LVSD.
in_dir()
{
	printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$(lab_ns "$1")" "$2" >"$T/in-$1"
	chmod +x "$T/in-$1"
	echo "$T/in-$1"
}
LVSD_HOST=$LVSD
LVSD=$(in_dir dir1 "$LVSD_HOST")
ipvs() { lab_exec dir1 ipvsadm "$@"; }

# The configuration: $1 the weight of rs2 in web, $2 more global keys.
write_ipvs_config()
{
	cat >"$CONFIG" <<EOF
global:
  router_id: dir1
  log_file: $LOG
  log_level: debug
  forwarding_core: ipvs
  auto_reload: false
  timeouts: {tcp: 900, tcpfin: 120, udp: 300}
${2:-}
virtual_services:
  - name: web
    address: $VIP:80
    scheduler: wrr
    check: {type: tcp, interval: 0.5, timeout: 2, rise: 1, fall: 2}
    real_servers:
      - {address: $RS1:80, weight: 1}
      - {address: $RS2:80, weight: ${1:-3}}
  - name: dr
    address: $VIP2:80
    scheduler: rr
    forwarding: dr
    real_servers:
      - {address: $RS3:80}
      - {address: $RS4:8080}
  - name: sticky
    address: $VIP:443
    scheduler: lc
    persistence: {timeout: 600, netmask: 255.255.255.0}
    real_servers:
      - {address: 10.231.0.61:443, weight: 5, upper_threshold: 100, lower_threshold: 10}
      - {address: 10.231.0.62:443, forwarding: tun}
  - name: dns
    address: $VIP:53
    protocol: udp
    scheduler: sh
    real_servers:
      - {address: 10.231.0.61:53}
      - {address: 10.231.0.62:5353, weight: 2}
  - name: web6
    address: "[$VIP6]:80"
    scheduler: sed
    persistence: {timeout: 30, netmask: 64}
    real_servers:
      - {address: "[fd10:231::61]:8080", weight: 2}
      - {address: "[fd10:231::62]:80", forwarding: dr}
  - name: mark
    fwmark: 7
    scheduler: mh
    real_servers:
      - {address: 10.231.0.63:80, forwarding: dr}
  - name: mark6
    fwmark: 8
    scheduler: nq
    persistence: {timeout: 60}
    real_servers:
      - {address: "[fd10:231::63]:80", weight: 4}
EOF
}

# What ipvsadm -S -n must print for it, written out from the configuration
# (sorted as ipvsadm sorts: fwmark, then family, protocol, address, port;
# -S does not show thresholds: --thresholds does, below).
expected_save()
{
	cat <<EOF
-A -t $VIP:80 -s wrr
-a -t $VIP:80 -r $RS1:80 -m -w 1
-a -t $VIP:80 -r $RS2:80 -m -w ${1:-3}
-A -t $VIP:443 -s lc -p 600 -M 255.255.255.0
-a -t $VIP:443 -r 10.231.0.61:443 -m -w 5
-a -t $VIP:443 -r 10.231.0.62:443 -i -w 1 --tun-type ipip
-A -t $VIP2:80 -s rr
-a -t $VIP2:80 -r $RS3:80 -g -w 1
-a -t $VIP2:80 -r $RS4:80 -g -w 1
-A -u $VIP:53 -s sh
-a -u $VIP:53 -r 10.231.0.61:53 -m -w 1
-a -u $VIP:53 -r 10.231.0.62:5353 -m -w 2
-A -t [$VIP6]:80 -s sed -p 30 -M 64
-a -t [$VIP6]:80 -r [fd10:231::61]:8080 -m -w 2
-a -t [$VIP6]:80 -r [fd10:231::62]:80 -g -w 1
-A -f 7 -s mh
-a -f 7 -r 10.231.0.63:0 -g -w 1
-A -f 8 -6 -s nq -p 60
-a -f 8 -6 -r [fd10:231::63]:80 -m -w 4
EOF
}

# Poll (0.2 s steps, SECONDS at most) until CMD's output is WANT; GOT is the last output.
GOT=
wait_output()
{
	local secs=$1 want=$2 end

	shift 2
	end=$(($(now_ms) + secs * 1000))
	while :; do
		GOT=$("$@" 2>&1)
		[ "$GOT" != "$want" ] || return 0
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# The difference of two texts (the VM has no /dev/fd for <(...)).
differ()
{
	echo "$1" >"$T/want.txt"
	echo "$2" >"$T/got.txt"
	diff "$T/want.txt" "$T/got.txt"
}

is_table()
{
	local want=$1 desc=$2 secs=${3:-0}

	if wait_output "$secs" "$want" ipvs -S -n; then
		pass "$desc"
	else
		fail "$desc" "ipvsadm -S -n differs:" "$(differ "$want" "$GOT")"
	fi
}

# Requests from the client: "ID COUNT" per real server, sorted.
spread()
{
	lab_exec client "$LVS_TESTSRV" --get-many "$1" "$2" --timeout 5 2>>"$T/client.err" | sort
}

# ---- the table -------------------------------------------------------------------------

write_ipvs_config
start_lvsd || bail_out "lvsd did not start on the VM's IPVS"
like "$(cat "$LOG")" "notice: forwarding core: ipvs$" "forwarding_core ipvs: the kernel's IPVS core, logged"
is_table "$(expected_save)" "ipvsadm -S -n shows exactly the configured table (tcp, udp, fwmark; IPv4, IPv6; nat, dr, tun; weights, thresholds, persistence; wrr rr lc sh sed mh nq)" 5
ctl save
is "$CTL_OUT" "$(ipvs -S -n)" "lvsctl save prints what ipvsadm -S -n prints"
ctl list
is "$CTL_OUT" "$(ipvs -Ln)" "lvsctl list prints what ipvsadm -Ln prints"
like "$(ipvs -Ln --thresholds)" "^  -> 10\.231\.0\.61:443 +100 +10 " \
	"ipvsadm -Ln --thresholds: the upper and lower thresholds are in the kernel"
ctl list --thresholds
is "$CTL_OUT" "$(ipvs -Ln --thresholds)" "lvsctl list --thresholds prints what ipvsadm -Ln --thresholds prints"
ctl status --json
is "$(json_get "$T/ctl.out" 'd["forwarding_core"]' 2>&1)" ipvs "the status says forwarding_core ipvs"

# ---- traffic ---------------------------------------------------------------------------

is "$(spread 8 "http://$VIP/")" "$(printf 'rs1 2\nrs2 6')" \
	"NAT: 8 GETs of the VIP from the client reach rs1 and rs2 through the VM's kernel, 2:6 as wrr 1:3 says"
is "$(spread 4 "http://$VIP2/")" "$(printf 'rs3 2\nrs4 2')" \
	"DR: 4 GETs of the second VIP reach rs3 and rs4, 2 each as rr says"
[ -s "$T/client.err" ] && diag_file "$T/client.err"
# The kernel folds its per-CPU counters into what it lists every 2 s:
# wait for the fold that counts the GETs; the two reads agree when no
# fold falls between them.
svc_conns() { ipvs -Ln --stats --exact | awk -v a="$VIP:80" -v b="$VIP2:80" '$2 == a || $2 == b { print $3 }' | tr '\n' ' '; }
wait_output 8 "8 4 " svc_conns >/dev/null
for _ in 1 2 3 4 5 6; do
	ctl list --stats
	want=$(ipvs -Ln --stats)
	[ "$CTL_OUT" = "$want" ] && break
	sleep 0.5
done
is "$CTL_OUT" "$want" "lvsctl list --stats prints what ipvsadm -Ln --stats prints"
like "$CTL_OUT" "^TCP  $VIP:80 +8 " "... with the service's 8 connections counted"
for _ in 1 2 3 4 5 6; do
	ctl list --rate
	want=$(ipvs -Ln --rate)
	[ "$CTL_OUT" = "$want" ] && break
	sleep 0.3
done
is "$CTL_OUT" "$want" "lvsctl list --rate prints what ipvsadm -Ln --rate prints"

# ---- a reload that changes one weight ---------------------------------------------------

lab_exec client timeout 60 "$LVS_TESTSRV" --get "http://$VIP/hang" --timeout 50 \
	>/dev/null 2>&1 &
hang=$!
track "$hang"
wait_output 10 1 bash -c "ip netns exec $(lab_ns dir1) cat /proc/net/ip_vs_conn | grep -c ' ESTABLISHED '" >/dev/null
held=$(lab_exec dir1 grep ' ESTABLISHED ' /proc/net/ip_vs_conn)
is "$(wc -l <<<"$held")" 1 "a connection held open through the NAT service is ESTABLISHED in the kernel"
ctl list --conns
like "$CTL_OUT" "^TCP  *[0-9]+:[0-9]+ +ESTABLISHED +$CLIENT:[0-9]+ +$VIP:80 +10\.231\.0\.2[12]:80$" \
	"... and lvsctl list --conns shows it as ipvsadm -Lnc does"
# (the expiry column moves between the two reads)
is "$(awk '{ $2 = ""; print }' <<<"$CTL_OUT")" "$(ipvs -Lnc | awk '{ $2 = ""; print }')" \
	"lvsctl list --conns prints what ipvsadm -Lnc prints (but for the expiry, which moves)"
# The held connection is the service's 9th: wait for the fold that counts it.
nat_conns() { ipvs -Ln --stats --exact | awk -v s="$VIP:80" '$2 == s { print $3 }'; }
wait_output 8 9 nat_conns >/dev/null
conns_before=$(nat_conns)
write_ipvs_config 4
lines=$(wc -l <"$LOG")
ctl reload
is "$CTL_RC" 0 "lvsctl reload of a configuration with one weight changed"
is_table "$(expected_save 4)" "... changes that weight in the kernel"
is "$(tail -n +$((lines + 1)) "$LOG" | grep -c 'forwarding table: services +0 ~0 -0, real servers +0 ~1 -0')" 1 \
	"... and nothing else: one real server changed, no service added, changed or removed"
is "$(ipvs -Ln --stats --exact | awk -v s="$VIP:80" '$2 == s { print $3 }')" "$conns_before" \
	"... the service's connection counter goes on (it was not re-created)"
is "$(lab_exec dir1 grep ' ESTABLISHED ' /proc/net/ip_vs_conn | awk '{ print $1, $2, $3, $4, $5, $6, $7 }')" \
	"$(awk '{ print $1, $2, $3, $4, $5, $6, $7 }' <<<"$held")" "... and the held connection is still there"

# A reload that drops the service holding it: drained, not deleted; named again, it serves.
write_ipvs_config 4
sed -i '/^  - name: web$/,/^  - name: dr$/{/^  - name: dr$/!d}' "$CONFIG"
lines=$(wc -l <"$LOG")
ctl reload
is "$CTL_RC" 0 "lvsctl reload of a configuration without the web service (which holds a connection)"
is "$(ipvs -S -n | grep -F -- "-t $VIP:80 ")" "$(printf -- '-A -t %s:80 -s wrr\n-a -t %s:80 -r %s:80 -m -w 0\n-a -t %s:80 -r %s:80 -m -w 0' \
	"$VIP" "$VIP" "$RS1" "$VIP" "$RS2")" "... the service stays in the kernel, its real servers at weight 0"
is "$(lab_exec dir1 grep -c ' ESTABLISHED ' /proc/net/ip_vs_conn)" 1 "... and its connection stays"
status_json "$T/st.json"
is "$(json_get "$T/st.json" "[s['state'] for s in d['virtual_services'] if s['name'] == 'web']")" '["draining"]' \
	"... lvsctl status shows it draining"
like "$(tail -n +$((lines + 1)) "$LOG")" "virtual service web is no longer configured: draining \(weight 0\) its [0-9]+ connections" \
	"... and the log says so"
write_ipvs_config 4
ctl reload
is_table "$(expected_save 4)" "named again, the service is back at its weights" 5
like "$(tail -n +$((lines + 1)) "$LOG")" "virtual service web is configured again: its drain ends" "... and the log says its drain ends"
is "$(lab_exec dir1 grep -c ' ESTABLISHED ' /proc/net/ip_vs_conn)" 1 "... with its connection"
kill "$hang" 2>/dev/null

# ---- changes behind lvsd's back ------------------------------------------------------------

ipvs -A $FOREIGN -s rr && ipvs -a $FOREIGN -r 10.231.0.64:8000 -m -w 2
foreign=$(printf -- '-A %s -s rr\n-a %s -r 10.231.0.64:8000 -m -w 2' "$FOREIGN" "$FOREIGN")
t0=$(now_ms)
ipvs -d -t "$VIP:443" -r 10.231.0.62:443
ipvs -e -t "$VIP:80" -r "$RS2:80" -m -w 9
ipvs -D -u "$VIP:53"
sans_foreign() { ipvs -S -n | grep -v '10\.231\.0\.200:8000'; }
want=$(expected_save 4)
if wait_output 8 "$want" sans_foreign; then
	pass "ipvsadm -d, -e and -D of lvsd's entries are put back within $(( ($(now_ms) - t0) / 1000 + 1 )) s"
else
	fail "ipvsadm -d, -e and -D of lvsd's entries are put back within 8 s" \
		"$(differ "$want" "$GOT")"
fi
like "$(cat "$LOG")" "info: the kernel's table differed from lvsd's \(changed outside lvsd\?\); put back: services \+1 " \
	"... and the log says it put them back"
is "$(ipvs -S -n | grep -c 10.231.0.200:8000)" 2 "a service added with ipvsadm is left alone by the repair passes"
ctl reload
is "$(ipvs -S -n | grep -c 10.231.0.200:8000)" 2 "... and by a reload"

# ---- a real server fails its check ----------------------------------------------------------

lab_stop "${SRV[rs2]}" >/dev/null 2>&1
if wait_output 10 "-a -t $VIP:80 -r $RS2:80 -m -w 0" bash -c "ip netns exec $(lab_ns dir1) ipvsadm -S -n | grep -F -- '-r $RS2:80'"; then
	pass "rs2's server stops: its check fails and the kernel has it at weight 0"
else
	fail "rs2's server stops: its check fails and the kernel has it at weight 0" "$GOT"
fi
is "$(spread 4 "http://$VIP/")" "rs1 4" "... new connections all go to rs1"
lab_testsrv rs2 --id rs2 --http "0.0.0.0:80" || fail "lvs-testsrv in rs2 again"
if wait_output 10 "-a -t $VIP:80 -r $RS2:80 -m -w 4" bash -c "ip netns exec $(lab_ns dir1) ipvsadm -S -n | grep -F -- '-r $RS2:80'"; then
	pass "rs2's server is back: its check passes and the kernel has its weight again"
else
	fail "rs2's server is back: its check passes and the kernel has its weight again" "$GOT"
fi

# ---- a scheduler the kernel does not have ------------------------------------------------

if [ -z "$(find "/lib/modules/$(uname -r)" -name 'ip_vs_twos.ko*' 2>/dev/null | head -n 1)" ]; then
	write_ipvs_config 4
	printf '  - name: two\n    address: %s:81\n    scheduler: twos\n    real_servers:\n      - {address: %s:80}\n' \
		"$VIP" "$RS1" >>"$CONFIG"
	lines=$(wc -l <"$LOG")
	ctl reload
	is "$CTL_RC" 0 "a reload adding a service with scheduler twos, which kernel $(uname -r) lacks, is taken"
	sleep 5
	is "$(tail -n +$((lines + 1)) "$LOG" | grep -c "error: forwarding core refused to add virtual service two: scheduler twos: this kernel has no such scheduler (module ip_vs_twos is not loaded and cannot be loaded)")" 1 \
		"... the kernel's refusal is an error naming the missing module, logged once over several repair passes"
	is "$(sans_foreign)" "$want" "... and the rest of the table is as it was"
	write_ipvs_config 4
	ctl reload
else
	skip "scheduler twos missing from the kernel: a clear error" "kernel $(uname -r) has ip_vs_twos"
fi

# ---- stop, keep_on_stop ----------------------------------------------------------------------

stop_lvsd
is "$(ipvs -S -n)" "$foreign" "lvsd stops: its services leave the kernel, the foreign one stays"
write_ipvs_config 4 "  keep_on_stop: true"
start_lvsd || fail "lvsd starts again with keep_on_stop"
wait_output 5 "$want" sans_foreign
is "$GOT" "$want" "lvsd with keep_on_stop: the table again"
stop_lvsd TERM "lvsd with keep_on_stop stops"
is "$(sans_foreign)" "$want" "... and its services stay in the kernel"
like "$(cat "$LOG")" "keep_on_stop: lvsd's virtual services stay in the kernel" "... and it says so"
write_ipvs_config 4
sed -i 's/forwarding_core: ipvs/forwarding_core: auto/' "$CONFIG"
lines=$(wc -l <"$LOG")
start_lvsd || fail "lvsd starts on the table it left"
like "$(tail -n +$((lines + 1)) "$LOG")" "notice: forwarding core: ipvs \(auto: the kernel has IPVS\)" \
	"forwarding_core auto on the VM's kernel: the IPVS core, and the log says why"
like "$(tail -n +$((lines + 1)) "$LOG" | grep -m 1 'forwarding table:')" "forwarding table: services \+0 ~0 -0, real servers \+0 ~0 -0" \
	"... and takes it over as it is: nothing added, changed or removed"
stop_lvsd
is "$(ipvs -S -n)" "$foreign" "... and removes it when it stops without keep_on_stop"
ipvs -C

# ---- the sync daemon follows VRRP --------------------------------------------------------------

sync_config()
{
	cat >"$1" <<EOF
global:
  router_id: $2
  log_file: $3
  log_level: debug
  forwarding_core: ipvs
  auto_reload: false
  lvs_sync: {interface: eth0, syncid: 5}
vrrp_instances:
  - name: VI_1
    interface: eth0
    virtual_router_id: 51
    priority: $4
    advert_interval: 0.5
    virtual_ips: [10.231.0.102/24]
virtual_services:
  - address: 10.231.0.102:80
    real_servers:
      - {address: $RS1:80}
EOF
}
daemon_of() { lab_exec "$1" ipvsadm -L --daemon 2>&1 | sed 's/ (.*//' | tr '\n' ';'; }
D1=("$T/d1.yaml" "$T/d1.pid" "$T/d1.sock" "$T/d1.log")
D2=("$T/d2.yaml" "$T/d2.pid" "$T/d2.sock" "$T/d2.log")
sync_config "${D1[0]}" dir1 "${D1[3]}" 150
sync_config "${D2[0]}" dir2 "${D2[3]}" 100
use() { local -n d=$1; CONFIG=${d[0]} PIDFILE=${d[1]} SOCK=${d[2]} LOG=${d[3]}; LVSD=$2; }
LVSD1=$LVSD LVSD2=$(in_dir dir2 "$LVSD_HOST")
use D2 "$LVSD2"
start_lvsd || fail "lvsd starts on dir2"
pid2=$LVSD_PID err2=$LVSD_ERR
use D1 "$LVSD1"
start_lvsd || fail "lvsd starts on dir1"
pid1=$LVSD_PID
if wait_output 20 "master sync daemon;" daemon_of dir1; then
	pass "dir1 becomes VRRP master: ipvsadm -L --daemon there shows the master sync daemon"
else
	fail "dir1 becomes VRRP master: ipvsadm -L --daemon there shows the master sync daemon" "$GOT"
	diag_file "${D1[3]}" 40
fi
wait_output 10 "backup sync daemon;" daemon_of dir2
is "$GOT" "backup sync daemon;" "dir2 is VRRP backup: its sync daemon is a backup"
like "$(lab_exec dir1 ipvsadm -L --daemon)" "mcast=eth0, syncid=5" "... on eth0 with syncid 5"
LVSD_PID=$pid1
stop_lvsd TERM "dir1's lvsd stops (VRRP failover)"
is "$(daemon_of dir1)" "" "... taking its sync daemon with it"
if wait_output 20 "master sync daemon;" daemon_of dir2; then
	pass "dir2 takes over as VRRP master: its sync daemon switches to master"
else
	fail "dir2 takes over as VRRP master: its sync daemon switches to master" "$GOT"
fi
start_lvsd || fail "lvsd starts on dir1 again"
if wait_output 20 "master sync daemon;" daemon_of dir1; then
	pass "dir1 is back and takes over (preempt): its sync daemon is master again"
else
	fail "dir1 is back and takes over (preempt): its sync daemon is master again" "$GOT"
fi
wait_output 10 "backup sync daemon;" daemon_of dir2
is "$GOT" "backup sync daemon;" "... and dir2's switches back to backup"
stop_lvsd TERM "dir1's lvsd stops again"
use D2 "$LVSD2"
LVSD_PID=$pid2 LVSD_ERR=$err2
stop_lvsd TERM "dir2's lvsd stops"
is "$(daemon_of dir2)" "" "... and its sync daemon with it"

lab_down
done_testing

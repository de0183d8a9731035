#!/usr/bin/env bash
#
# vm_smoke.sh - proves the kernel test VM (tests/vm/vm.sh) before the
# kernel-core tests build on it. One boot runs a script inside that writes
# what it sees into the shared temp dir; the checks are made here: the
# command's status, stdout, stderr, directory and environment come back;
# the host's files are there read-only and the usual writable places are
# writable; IPVS is there with every scheduler module loaded at boot, and
# ipvsadm programs a service with each scheduler and NAT, DR and TUN real
# servers; network namespaces, veth and a bridge work, and so does the
# network-namespace lab (tests/lab/lab.sh) with the kernel forwarding a
# virtual service to two real servers by direct routing; a Unix socket can
# live in the shared dir; the host's build of lvsd runs. Then a second,
# short boot proves the hard timeout. lvsd is not started here.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/vm.sh
. "$top_srcdir/tests/vm/vm.sh"

why=$(vm_usable) || skip_all "no kernel test VM here: $why"
vm_kernel || bail_out "vm_usable said yes, vm_kernel no"
: "${LVS_TESTSRV:=$top_builddir/tests/tools/lvs-testsrv}"

SCHEDS="rr wrr lc wlc sed nq dh sh lblc lblcr mh fo ovf"
if [ -n "$(find "/lib/modules/$VM_KVER" -name 'ip_vs_twos.ko*' 2>/dev/null | head -n 1)" ]; then
	SCHEDS="$SCHEDS twos"
	TWOS=1
else
	TWOS=0
fi

# ---- the initramfs ---------------------------------------------------------------

t0=$(now_ms)
if vm_initramfs 2>"$T/initramfs.err"; then
	pass "vm_initramfs: $VM_INITRD ($(($(now_ms) - t0)) ms)"
else
	fail "vm_initramfs" "$(cat "$T/initramfs.err")"
	bail_out "no initramfs, no VM"
fi
case $VM_INITRD in
"$top_srcdir"/* | "$top_builddir"/*) fail "the initramfs is cached outside the source and build trees" "$VM_INITRD" ;;
*) pass "the initramfs is cached outside the source and build trees" ;;
esac
first=$VM_INITRD
t0=$(now_ms)
vm_initramfs
t=$(($(now_ms) - t0))
if [ "$VM_INITRD" = "$first" ] && [ "$t" -lt 5000 ]; then
	pass "a second vm_initramfs reuses it ($t ms)"
else
	fail "a second vm_initramfs reuses it" "$VM_INITRD after $first, $t ms"
fi
list=$(gzip -dc "$VM_INITRD" | busybox cpio -t 2>/dev/null)
absent=
# shellcheck disable=SC2086	# SCHEDS: words
for m in virtio_pci 9pnet_virtio 9p ip_vs nf_conntrack veth bridge dummy ipip tunnel4 $(printf 'ip_vs_%s ' $SCHEDS); do
	grep -q "/$m\.ko$" <<<"$list" || absent+="$m "
done
is "$absent" "" "the initramfs has virtio, 9p, ip_vs and every scheduler, nf_conntrack, veth, bridge, dummy, ipip"

# ---- one boot: the script inside --------------------------------------------------

# The VM has its own /tmp, /run, /var/tmp and /var/log: a tree there must
# be shared to be seen.
vm_need "$top_srcdir" "$top_builddir" "$LVSD" "$LVS_TESTSRV"

R=$T/in
mkdir -p "$R" "$T/work"
cat >"$T/inside.sh" <<'EOF'
# Run inside the VM by vm_smoke.sh: writes what it sees into $R.
echo "hello from stdout"
echo "hello from stderr" >&2
pwd >"$R/pwd"
echo "$SMOKE_TOKEN" >"$R/token"
echo "${VM_GUEST:-}" >"$R/guest"
uname -r >"$R/uname"
date +%s >"$R/date"
id -u >"$R/uid"
touch /usr/lvsd-vm-smoke 2>"$R/ro.err"
echo $? >"$R/ro.rc"
for d in /tmp /run /var/tmp /var/log /dev/shm; do
	echo x >"$d/lvsd-vm-smoke" && echo "$d"
done >"$R/writable" 2>&1
cut -d' ' -f1 /proc/modules | sort >"$R/modules"
[ -d /proc/net/ip_vs ] || [ -e /proc/net/ip_vs ] && echo yes >"$R/proc_ip_vs"

ipvsadm -Ln >"$R/ipvsadm-Ln" 2>&1
echo $? >"$R/ipvsadm-Ln.rc"
port=8000
for s in $SCHEDS; do
	port=$((port + 1))
	ipvsadm -A -t "10.0.0.1:$port" -s "$s" >"$R/sched.$s.out" 2>&1
	echo $? >"$R/sched.$s.rc"
done
{
	ipvsadm -a -t 10.0.0.1:8001 -r 10.0.0.2:80 -m -w 2 &&
	ipvsadm -a -t 10.0.0.1:8001 -r 10.0.0.3:80 -g &&
	ipvsadm -a -t 10.0.0.1:8001 -r 10.0.0.4:80 -i
} >"$R/real.out" 2>&1
echo $? >"$R/real.rc"
ipvsadm -S -n >"$R/save" 2>&1
ipvsadm -C

# A veth pair between two namespaces.
{
	ip netns add vmsmoke-a && ip netns add vmsmoke-b &&
	ip link add vsa type veth peer name vsb &&
	ip link set vsa netns vmsmoke-a && ip link set vsb netns vmsmoke-b &&
	ip -n vmsmoke-a addr add 10.9.0.1/24 dev vsa && ip -n vmsmoke-b addr add 10.9.0.2/24 dev vsb &&
	ip -n vmsmoke-a link set vsa up && ip -n vmsmoke-b link set vsb up &&
	ip netns exec vmsmoke-a busybox ping -c 1 -W 5 10.9.0.2
} >"$R/veth.out" 2>&1
echo $? >"$R/veth.rc"
ip netns del vmsmoke-a
ip netns del vmsmoke-b

# A Unix socket in the shared dir.
timeout 20 socat UNIX-LISTEN:"$T/smoke.sock" SYSTEM:'echo pong' &
for _ in $(seq 50); do [ -S "$T/smoke.sock" ] && break; sleep 0.1; done
echo ping | timeout 10 socat - UNIX-CONNECT:"$T/smoke.sock" >"$R/unix" 2>&1
wait

"$LVSD" -V >"$R/lvsd-V" 2>&1
echo $? >"$R/lvsd-V.rc"

# The lab, with the kernel forwarding: client -> VIP on dir1 -> rs1, rs2 (DR).
lab_dr()
{
	local n

	lab_up client dir1 rs1 rs2 || return 1
	lab_exec dir1 ip addr add "$LAB_VIP/32" dev eth0 || return 1
	lab_exec dir1 ipvsadm -A -t "$LAB_VIP:80" -s rr || return 1
	for n in rs1 rs2; do
		lab_exec "$n" ip addr add "$LAB_VIP/32" dev lo &&
		lab_exec "$n" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
			net.ipv4.conf.all.arp_announce=2 &&
		lab_testsrv "$n" --id "$n" --http "$LAB_VIP:80" &&
		lab_exec dir1 ipvsadm -a -t "$LAB_VIP:80" -r "$(lab_addr "$n"):80" -g ||
		return 1
	done
}
if [ -x "$LVS_TESTSRV" ]; then
	# shellcheck source=tests/lab/lab.sh
	. "$top_srcdir/tests/lab/lab.sh"
	lab_dr >"$R/lab.out" 2>&1
	echo $? >"$R/lab.rc"
	for _ in 1 2 3 4; do
		lab_exec client timeout 10 "$LVS_TESTSRV" --get "http://$LAB_VIP/" --timeout 5
	done >"$R/lab.get" 2>"$R/lab.get.err"
	lab_exec dir1 ipvsadm -Ln >"$R/lab.list" 2>&1
	lab_down
fi
exit 3
EOF

t0=$(now_ms)
# shellcheck disable=SC2016	# for the VM's shells
VM_KEEP=1 vm_run env R="$R" T="$T" SCHEDS="$SCHEDS" LVSD="$LVSD" LVS_TESTSRV="$LVS_TESTSRV" \
	top_srcdir="$top_srcdir" SMOKE_TOKEN='a b  $c "d"' \
	bash -c 'cd "$T/work" && bash "$T/inside.sh"' >"$T/vm.out" 2>"$T/vm.err"
rc=$?
t=$(($(now_ms) - t0))
host_date=$(date +%s)
if [ "$VM_STATUS" = ran ]; then
	pass "the VM boots and runs the command: ${VM_BOOT_MS} ms from qemu's start to the command ($VM_ACCEL_USED, kernel $VM_KVER), $t ms in all"
else
	fail "the VM boots and runs the command" "status $VM_STATUS, rc $rc"
	diag "$(tail -n 20 "$T/vm.err")"
	diag_file "$VM_DIR/console.log" 40
	bail_out "no VM, nothing more to test"
fi
diag "boot: $VM_BOOT_MS ms to the command (the guest's clock: $(cat "$VM_DIR/started") s), $VM_RUN_MS ms qemu in all, $VM_ACCEL_USED"
is "$rc $VM_RC" "3 3" "the command's exit status comes back (3)"
is "$(cat "$T/vm.out")" "hello from stdout" "its stdout is vm_run's stdout"
is "$(grep -v '^vm: ' "$T/vm.err")" "hello from stderr" "its stderr is vm_run's stderr"
is "$(cat "$R/pwd" 2>/dev/null)" "$T/work" "it ran in the directory it was given, at the host's path"
# shellcheck disable=SC2016
is "$(cat "$R/token" 2>/dev/null)" 'a b  $c "d"' "the environment comes in, quoting intact"
is "$(cat "$R/guest" 2>/dev/null)" 1 "VM_GUEST=1 inside"
is "$(cat "$R/uname" 2>/dev/null)" "$VM_KVER" "the kernel inside is $VM_KVER"
is "$(cat "$R/uid" 2>/dev/null)" 0 "the command runs as root inside"
d=$(cat "$R/date" 2>/dev/null)
if [ -n "$d" ] && [ $((host_date - d)) -ge -5 ] && [ $((host_date - d)) -le 120 ]; then
	pass "the VM's clock is the host's ($((host_date - d)) s apart)"
else
	fail "the VM's clock is the host's" "inside $d, host $host_date"
fi
like "$(cat "$R/ro.rc") $(cat "$R/ro.err")" "^1 .*Read-only file system" "the host's root is read-only inside"
is "$(tr '\n' ' ' <"$R/writable")" "/tmp /run /var/tmp /var/log /dev/shm " \
	"/tmp, /run, /var/tmp, /var/log and /dev/shm are writable inside"
[ ! -e /tmp/lvsd-vm-smoke ] && [ ! -e /var/log/lvsd-vm-smoke ]
is "$?" 0 "... and what the VM writes there stays in the VM"

# ---- IPVS -------------------------------------------------------------------------

is "$(cat "$R/ipvsadm-Ln.rc")" 0 "ipvsadm -Ln works inside"
like "$(cat "$R/ipvsadm-Ln")" "^IP Virtual Server version [0-9.]+ \(size=[0-9]+\)" "... and shows IPVS"
is "$(cat "$R/proc_ip_vs" 2>/dev/null)" yes "/proc/net/ip_vs exists"
absent=
for s in $SCHEDS; do
	grep -qx "ip_vs_$s" "$R/modules" || absent+="ip_vs_$s "
done
is "$absent" "" "every scheduler module is loaded at boot ($SCHEDS)"
absent=
for m in ip_vs nf_conntrack veth bridge dummy ipip; do
	grep -qx "$m" "$R/modules" || absent+="$m "
done
is "$absent" "" "ip_vs, nf_conntrack, veth, bridge, dummy and ipip are loaded at boot"
for s in $SCHEDS; do
	is "$(cat "$R/sched.$s.rc") $(cat "$R/sched.$s.out")" "0 " "ipvsadm -A -s $s"
done
[ "$TWOS" = 1 ] || skip "ipvsadm -A -s twos" "kernel $VM_KVER has no ip_vs_twos"
save=$(cat "$R/save")
port=8000
absent=
for s in $SCHEDS; do
	port=$((port + 1))
	grep -qx -- "-A -t 10.0.0.1:$port -s $s" <<<"$save" || absent+="$s "
done
is "$absent" "" "ipvsadm -S -n shows a service with each scheduler"
is "$(cat "$R/real.rc") $(cat "$R/real.out")" "0 " "ipvsadm -a: NAT, DR and TUN real servers"
like "$save" "^-a -t 10\.0\.0\.1:8001 -r 10\.0\.0\.2:80 -m -w 2$" "... the NAT one in ipvsadm -S -n"
like "$save" "^-a -t 10\.0\.0\.1:8001 -r 10\.0\.0\.3:8001 -g -w 1$" "... the DR one (DR and TUN real servers take the service's port)"
like "$save" "^-a -t 10\.0\.0\.1:8001 -r 10\.0\.0\.4:8001 -i -w 1( --tun-type ipip)?$" "... the TUN one (the same)"

# ---- networks inside --------------------------------------------------------------

if [ "$(cat "$R/veth.rc")" = 0 ]; then
	pass "two namespaces and a veth pair: one pings the other"
else
	fail "two namespaces and a veth pair: one pings the other" "$(cat "$R/veth.out")"
fi
is "$(cat "$R/unix" 2>/dev/null)" pong "a Unix socket in the shared dir: listen, connect, talk"

if [ -x "$LVS_TESTSRV" ]; then
	if [ "$(cat "$R/lab.rc")" = 0 ]; then
		pass "tests/lab/lab.sh inside: client, dir1, rs1, rs2, a VIP on dir1 and DR to rs1 and rs2"
	else
		fail "tests/lab/lab.sh inside: client, dir1, rs1, rs2, a VIP on dir1 and DR to rs1 and rs2" \
			"$(cat "$R/lab.out")"
	fi
	is "$(sort "$R/lab.get" | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')" "rs1=2 rs2=2 " \
		"four GETs of the VIP from the client: the kernel sends two to rs1, two to rs2"
	[ -s "$R/lab.get.err" ] && diag_file "$R/lab.get.err"
	# (ActiveConn + InActConn: --stats counts only when the estimator runs, every 2 s)
	is "$(awk '$2 ~ /^10\.231\.0\.2[12]:80$/ { print $2 "=" $5 + $6 }' "$R/lab.list" | tr '\n' ' ')" \
		"10.231.0.21:80=2 10.231.0.22:80=2 " "... and ipvsadm -Ln in dir1 counts their connections"
else
	skip "tests/lab/lab.sh inside, with IPVS DR" "$LVS_TESTSRV is not built"
fi

# ---- lvsd ---------------------------------------------------------------------

host_v=$("$LVSD" -V 2>&1)
is "$(cat "$R/lvsd-V.rc") $(cat "$R/lvsd-V")" "0 $host_v" "the host's lvsd runs inside: \$LVSD -V says what it says here"

# ---- after the VM -------------------------------------------------------------------

qemus=
for p in /proc/[0-9]*; do
	if tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- "$VM_DIR"; then
		qemus+="${p#/proc/} "
	fi
done
is "$qemus" "" "no qemu of the run is left"

# A VM that would never finish: killed at VM_TIMEOUT, whatever it does.
t0=$(now_ms)
VM_TIMEOUT=3 vm_run sleep 600 >"$T/timeout.out" 2>"$T/timeout.err"
rc=$?
t=$(($(now_ms) - t0))
if [ "$rc" = 124 ] && [ "$VM_STATUS" = timeout ] && [ "$t" -lt 10000 ]; then
	pass "VM_TIMEOUT=3: the VM is killed, vm_run returns 124 ($t ms)"
else
	fail "VM_TIMEOUT=3: the VM is killed, vm_run returns 124" "rc $rc, status $VM_STATUS, $t ms"
fi
like "$(cat "$T/timeout.err")" "^vm: the VM was killed after VM_TIMEOUT=3 s" "... and says so"

done_testing

#!/usr/bin/env bash
# shellcheck shell=bash
#
# vm.sh - the kernel test VM of lvsd's integration tests: a small qemu VM
# running Debian's own kernel (linux-image-amd64, which has IPVS), in which
# a command runs as root with the host's files around it. Sourced (after
# tests/integration/lib.sh, when a test uses both), or run as a command:
#
#   tests/vm/vm.sh run [-s DIR]... [-t SECONDS] [--] CMD [ARG...]
#                      run CMD in the VM; its stdout, stderr and exit
#                      status are this command's. Without -s, the current
#                      directory is shared read-write (unless it is /).
#   tests/vm/vm.sh shell [-s DIR]...   an interactive bash in the VM
#                      (on the serial console; "exit" powers it off)
#   tests/vm/vm.sh usable              exit 0, or say why not and exit 1
#   tests/vm/vm.sh initramfs           build it if needed, print its path
#   tests/vm/vm.sh info                kernel, initramfs, accelerator
#
# The VM: qemu-system-x86_64 (KVM when /dev/kvm works, else TCG; TCG is
# enough), 1 GiB, the host's /boot/vmlinuz-KVER, and an initramfs built
# here from busybox-static and KVER's modules (virtio and 9p, ip_vs with
# every scheduler, nf_conntrack, veth, bridge, dummy, ipip and friends),
# cached under $XDG_CACHE_HOME/lvsd-vm or /tmp/lvsd-vm-cache.UID and keyed
# by the kernel, the modules, busybox and this script. Its /init loads the
# modules, mounts the host's / read-only over 9p at /host, puts tmpfs on
# /tmp /run /var/tmp /var/log (and $VM_TMPFS) inside it, mounts every
# shared directory read-write at its own path, mounts proc, sys, dev,
# dev/pts and dev/shm, and runs the command in `chroot /host` as root, in
# the caller's directory, with the caller's exported environment (PATH
# gains the sbin directories; VM_GUEST=1 is added). Then it writes the
# status and powers off. So the same paths work inside and outside: the
# build tree (read-only), the test's temp dir (read-write), ipvsadm,
# modprobe (/lib/modules/KVER is the host's: any module loads on demand).
# Inside, the VM's root network namespace has only lo (up); tests build
# their networks from namespaces and veth (tests/lab/lab.sh works inside).
#
# Functions (each returns non-zero and says why on stderr when it fails):
#   vm_usable            0 if the VM can run here, else prints why (a missing
#                        package, no kernel with IPVS); no /dev/kvm is fine
#   vm_kernel            find the kernel: sets VM_KVER, VM_KERNEL
#   vm_initramfs         build or reuse the initramfs: sets VM_INITRD
#   vm_share DIR...      share DIR read-write with the VMs that vm_run starts
#                        from now on (at the same path inside; a Unix socket
#                        can be bound only in $T, see _vm_share_model)
#   vm_need PATH...      vm_share what the VM would not see: each PATH (a
#                        file's directory) that lies under the VM's own /tmp,
#                        /run, /var/tmp or /var/log (e.g. a build in /tmp)
#   vm_run [CMD [ARG...]]  boot, run CMD (default: true) inside, power off.
#                        Shared: every vm_share DIR, and $T when it is set
#                        (lib.sh's temp dir). CMD's stdin is /dev/null (or
#                        the file $VM_STDIN); its stdout and stderr stream
#                        to vm_run's as it runs. Returns CMD's exit status,
#                        or 124 if the VM hit $VM_TIMEOUT, 125 if it did not
#                        run CMD (the console's last lines go to stderr).
#                        Sets VM_STATUS (ran|timeout|failed), VM_RC,
#                        VM_BOOT_MS (qemu's start to CMD's start, host clock),
#                        VM_RUN_MS (qemu's start to its end), VM_ACCEL_USED
#                        (kvm|tcg), VM_DIR (the run's files: console.log,
#                        qemu.err, stdout, stderr, rc; inside $T when set,
#                        else removed unless VM_KEEP=1 or the run failed).
#   vm_shell             interactive: bash on the VM's console
#
# Settings (environment): VM_TIMEOUT (300 s: the VM is killed after that,
# whatever it does), VM_MEM (1G), VM_SMP (1: faster than 2 under TCG on a busy host), VM_ACCEL (auto|kvm|tcg),
# VM_KVER (a kernel version under /lib/modules; default the newest with
# IPVS), VM_TMPFS (more directories to put a tmpfs on, space-separated),
# VM_OVERLAY (directories made writable copy-on-write, e.g. "/etc"),
# VM_STDIN, VM_KEEP, VM_VERBOSE=1 (the console log and the boot time on
# stderr after a run),
# VM_CPU (qemu's -cpu: host with KVM, max with TCG), VM_KVM_PROBE (20 s),
# VM_SHARE_MODEL (qemu's security_model for every shared directory: by
# default mapped-xattr for $T, none for the others), VM_PVH=0
# (boot the bzImage as it is), VM_QEMU_OPTS (more qemu arguments).
#
# Every wait is bounded: qemu runs under timeout(1) and is killed after
# $VM_TIMEOUT seconds (plus 5 for SIGKILL).

# The initramfs's format and /init: bump to rebuild every cached one.
VM_SCRIPT_VERSION=1

: "${VM_TIMEOUT:=300}"
: "${VM_MEM:=1G}"
: "${VM_SMP:=1}"
: "${VM_ACCEL:=auto}"
: "${VM_TMPFS:=}"
: "${VM_OVERLAY:=}"

# Loaded by /init in this order (with their dependencies first); the
# optional ones only where the kernel has them.
VM_MODULES="virtio_pci 9pnet_virtio 9p
	nf_conntrack ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_sed ip_vs_nq
	ip_vs_dh ip_vs_sh ip_vs_lblc ip_vs_lblcr ip_vs_mh ip_vs_fo ip_vs_ovf
	veth bridge dummy tunnel4 ipip"
VM_MODULES_OPTIONAL="ip_vs_twos virtio_rng ip6_tunnel"
# In the initramfs but loaded only when needed (overlay: for $VM_OVERLAY).
# Every other module of the kernel loads inside with modprobe, as usual:
# /lib/modules is the host's.
VM_MODULES_LAZY="overlay"

_VM_SHARES=()
_VM_RUNS=0
_VM_MSIZE=512000

_vm_err() { echo "vm: $*" >&2; }

_vm_ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }

# A word quoted for any POSIX shell (busybox's too): '...' with ' as '\''.
_vm_q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# A path for qemu's option syntax: a comma is written twice.
_vm_qemu_path() { printf '%s' "${1//,/,,}"; }

_vm_busybox()
{
	local b

	for b in /bin/busybox /usr/bin/busybox; do
		if [ -x "$b" ]; then
			echo "$b"
			return 0
		fi
	done
	return 1
}

# True if FILE is a statically linked executable.
_vm_static()
{
	local out

	command -v ldd >/dev/null || return 0
	out=$(LC_ALL=C ldd "$1" 2>&1)
	case $out in
	*"not a dynamic executable"* | *"statically linked"*) return 0 ;;
	esac
	return 1
}

_vm_kver_ok()
{
	[ -d "/lib/modules/$1/kernel/net/netfilter/ipvs" ] && [ -f "/boot/vmlinuz-$1" ]
}

vm_kernel()
{
	local f k

	if [ -n "${VM_KVER:-}" ]; then
		if ! _vm_kver_ok "$VM_KVER"; then
			_vm_err "VM_KVER=$VM_KVER: no /boot/vmlinuz-$VM_KVER with /lib/modules/$VM_KVER/kernel/net/netfilter/ipvs"
			return 1
		fi
	else
		VM_KVER=
		while read -r f; do
			k=${f#/boot/vmlinuz-}
			if _vm_kver_ok "$k"; then
				VM_KVER=$k
				break
			fi
		done < <(printf '%s\n' /boot/vmlinuz-* | sort -rV)
		if [ -z "$VM_KVER" ]; then
			_vm_err "no kernel with IPVS modules: install linux-image-amd64" \
				"(a /boot/vmlinuz-KVER with /lib/modules/KVER/kernel/net/netfilter/ipvs)"
			return 1
		fi
	fi
	VM_KERNEL=/boot/vmlinuz-$VM_KVER
	if [ ! -r "$VM_KERNEL" ]; then
		_vm_err "$VM_KERNEL is not readable by $(id -un)"
		return 1
	fi
}

# The kernel qemu boots: the uncompressed ELF vmlinux out of the bzImage
# when the kernel has PVH (qemu then enters it directly: no decompression,
# which takes TCG 4 s), cached next to the initramfs; else the bzImage.
# Sets VM_KIMAGE.
_vm_kimage()
{
	local dir key out tmp off magic tool

	VM_KIMAGE=$VM_KERNEL
	[ "${VM_PVH:-1}" = 1 ] || return 0
	grep -qx 'CONFIG_PVH=y' "/boot/config-$VM_KVER" 2>/dev/null || return 0
	dir=$(_vm_cache_dir) || return 0
	key=$(stat -L -c '%s %Y' "$VM_KERNEL" | sha256sum | cut -c1-12)
	out=$dir/vmlinux-$VM_KVER-$key
	if [ -s "$out" ]; then
		VM_KIMAGE=$out
		return 0
	fi
	find "$dir" -maxdepth 1 -name 'vmlinux-*' -mtime +7 -delete 2>/dev/null
	tmp=$(mktemp "$out.XXXXXX") || return 0
	for magic in xz zstd gzip; do
		case $magic in
		xz) tool="xz --single-stream -dc"; off=$'\xfd7zXZ\x00' ;;
		zstd) tool="zstd -qdc"; off=$'\x28\xb5\x2f\xfd' ;;
		gzip) tool="gzip -dc"; off=$'\x1f\x8b\x08' ;;
		esac
		command -v "${tool%% *}" >/dev/null || continue
		for off in $(LC_ALL=C grep -abo "$off" "$VM_KERNEL" 2>/dev/null | head -n 3 | cut -d: -f1); do
			# shellcheck disable=SC2086	# the tool and its flags
			tail -c +$((off + 1)) "$VM_KERNEL" | $tool >"$tmp" 2>/dev/null
			if [ "$(head -c 4 "$tmp" | od -An -c | tr -d ' ')" = 177ELF ]; then
				mv -f -- "$tmp" "$out"
				VM_KIMAGE=$out
				return 0
			fi
		done
	done
	rm -f -- "$tmp"
}

vm_usable()
{
	local missing=() bb

	command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
	if ! bb=$(_vm_busybox) || ! _vm_static "$bb"; then
		missing+=(busybox-static)
	fi
	command -v ipvsadm >/dev/null || [ -x /usr/sbin/ipvsadm ] || [ -x /sbin/ipvsadm ] ||
		missing+=(ipvsadm)
	command -v modprobe >/dev/null || [ -x /usr/sbin/modprobe ] || [ -x /sbin/modprobe ] ||
		missing+=(kmod)
	command -v gzip >/dev/null || missing+=(gzip)
	command -v timeout >/dev/null || missing+=(coreutils)
	if [ ${#missing[@]} -gt 0 ]; then
		echo "missing packages: ${missing[*]}"
		return 1
	fi
	if ! ls /boot/vmlinuz-* >/dev/null 2>&1; then
		echo "no kernel in /boot: install linux-image-amd64"
		return 1
	fi
	if ! vm_kernel 2>&1; then
		return 1
	fi
	return 0
}

_vm_modprobe()
{
	local m

	for m in modprobe /usr/sbin/modprobe /sbin/modprobe; do
		if command -v "$m" >/dev/null; then
			echo "$m"
			return 0
		fi
	done
	return 1
}

# The insmod lines for the wanted modules, dependencies first, each module
# once: "[lazy ]PATH-UNDER-/lib/modules/KVER [ARGS]".
_vm_module_list()
{
	local mp m out line path optional lazy seen=" " rc=0

	mp=$(_vm_modprobe) || { _vm_err "modprobe not found: install kmod"; return 1; }
	for m in $VM_MODULES $VM_MODULES_OPTIONAL $VM_MODULES_LAZY; do
		optional=0 lazy=
		case " $VM_MODULES_OPTIONAL $VM_MODULES_LAZY " in *" $m "*) optional=1 ;; esac
		case " $VM_MODULES_LAZY " in *" $m "*) lazy="lazy " ;; esac
		if ! out=$("$mp" -S "$VM_KVER" --show-depends "$m" 2>&1); then
			if [ "$optional" = 0 ]; then
				_vm_err "kernel $VM_KVER: $out"
				rc=1
			fi
			continue
		fi
		while read -r line; do
			case $line in
			"insmod "*) ;;
			*) continue ;;
			esac
			line=${line#insmod }
			path=${line%% *}
			[ "$path" != "$line" ] || line=
			line=${line#"$path"}
			path=${path#/lib/modules/"$VM_KVER"/}
			path=${path#/usr/lib/modules/"$VM_KVER"/}
			case $seen in *" $path "*) continue ;; esac
			seen+="$path "
			# shellcheck disable=SC2086	# the args: one per word
			echo "$lazy$path" $line
		done <<<"$out"
	done
	return $rc
}

_vm_cache_dir()
{
	local d

	if [ -n "${XDG_CACHE_HOME:-}" ]; then
		d=$XDG_CACHE_HOME/lvsd-vm
	else
		d=/tmp/lvsd-vm-cache.$(id -u)
	fi
	mkdir -p "$d" 2>/dev/null && chmod 700 "$d" 2>/dev/null
	if [ ! -d "$d" ] || [ ! -O "$d" ] || [ ! -w "$d" ]; then
		_vm_err "cache directory $d is not ours or not writable"
		return 1
	fi
	echo "$d"
}

# The VM's /init, run by busybox sh.
_vm_init_script()
{
	cat <<'EOF'
#!/bin/busybox sh
# /init of lvsd's test VM, written by tests/vm/vm.sh.
/bin/busybox mkdir -p /bin /proc /sys /dev /tmp /host /vmres /ovl
/bin/busybox --install -s /bin
PATH=/bin
export PATH
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys

say() { echo "vm-init: $(cut -d' ' -f1 /proc/uptime)s: $*"; }
die()
{
	say "FAILED: $*"
	sync
	poweroff -f
	sleep 5
	echo o >/proc/sysrq-trigger
}

say "loading modules"
load()
{
	# shellcheck disable=SC2086
	insmod "/lib/modules/$1" $2 2>/tmp/insmod.err || say "insmod $1: $(cat /tmp/insmod.err)"
}
while read -r mod args; do
	[ "$mod" = lazy ] || load "$mod" "$args"
done </modules.list

O=trans=virtio,version=9p2000.L,msize=@MSIZE@
mount -t 9p -o "$O,ro,cache=loose" hostroot /host ||
	die "cannot mount the host's root (9p tag hostroot)"
mount -t 9p -o "$O,cache=mmap" vmres /vmres || die "cannot mount the results directory (9p tag vmres)"
. /vmres/config || die "no /vmres/config"

# Writable places inside the chroot.
for d in $VM_TMPFS; do
	[ -d "/host$d" ] || continue
	case $d in /tmp | /var/tmp) mode=1777 ;; *) mode=0755 ;; esac
	mount -t tmpfs -o "mode=$mode" tmpfs "/host$d" || die "tmpfs on $d"
done
mkdir -p /host/run/lock /host/run/netns
if [ -n "$VM_OVERLAY" ]; then
	grep '^lazy ' /modules.list | while read -r _ mod args; do load "$mod" "$args"; done
fi
n=0
for d in $VM_OVERLAY; do
	n=$((n + 1))
	[ -d "/host$d" ] || continue
	mkdir -p "/ovl/$n" && mount -t tmpfs tmpfs "/ovl/$n" && mkdir "/ovl/$n/u" "/ovl/$n/w" &&
		mount -t overlay overlay -o "lowerdir=/host$d,upperdir=/ovl/$n/u,workdir=/ovl/$n/w" "/host$d" ||
		die "overlay on $d"
done
i=1
while [ "$i" -le "$VM_NSHARES" ]; do
	eval "d=\$VM_SHARE_$i"
	mkdir -p "/host$d" 2>/dev/null
	mount -t 9p -o "$O,cache=mmap" "vmshare$i" "/host$d" || die "cannot mount shared $d"
	i=$((i + 1))
done
mkdir -p "/host$VM_R" 2>/dev/null
mount -o bind /vmres "/host$VM_R" || die "cannot bind the results directory at $VM_R"
mount -t proc proc /host/proc || die "proc"
mount -t sysfs sysfs /host/sys || die "sysfs"
mount -o bind /dev /host/dev || die "dev"
mkdir -p /host/dev/pts /host/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=000 devpts /host/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm
ip link set lo up
hostname "$VM_HOSTNAME"
if dmesg | grep -q 'Hypervisor detected: KVM'; then echo kvm; else echo tcg; fi >/vmres/accel

say "running the command"
cut -d' ' -f1 /proc/uptime >/vmres/started
if [ "$VM_MODE" = shell ]; then
	setsid cttyhack chroot /host /bin/bash "$VM_R/run.sh"
	rc=$?
else
	in=/dev/null
	[ ! -f /vmres/stdin ] || in=/vmres/stdin
	chroot /host /bin/bash "$VM_R/run.sh" <"$in" >>/vmres/stdout 2>>/vmres/stderr
	rc=$?
fi
echo "$rc" >/vmres/rc.new && mv /vmres/rc.new /vmres/rc
say "exit status $rc; powering off"
sync
poweroff -f
sleep 5
echo o >/proc/sysrq-trigger
EOF
}

vm_initramfs()
{
	local bb list init key dir out tmp stage path line src lazy

	vm_kernel || return 1
	_vm_kimage
	if ! bb=$(_vm_busybox) || ! _vm_static "$bb"; then
		_vm_err "no static busybox: install busybox-static"
		return 1
	fi
	list=$(_vm_module_list) || return 1
	init=$(_vm_init_script)
	init=${init//@MSIZE@/$_VM_MSIZE}
	# The key: this script's version, the kernel, /init, busybox and every
	# module (its path, size and mtime).
	key=$({
		echo "$VM_SCRIPT_VERSION $VM_KVER"
		echo "$init"
		stat -L -c '%n %s %Y' "$bb"
		while read -r path line; do
			[ "$path" != lazy ] || path=${line%% *}
			stat -c '%n %s %Y' "/lib/modules/$VM_KVER/$path"
			echo "$line"
		done <<<"$list"
	} | sha256sum | cut -c1-16)
	dir=$(_vm_cache_dir) || return 1
	out=$dir/initramfs-$VM_KVER-$key.cpio.gz
	if [ -s "$out" ]; then
		VM_INITRD=$out
		return 0
	fi
	# Old ones (another kernel, another version of this script) go after a week.
	find "$dir" -maxdepth 1 -name 'initramfs-*.cpio.gz' -mtime +7 -delete 2>/dev/null
	stage=$(mktemp -d "$dir/stage.XXXXXX") || return 1
	tmp=$stage.cpio.gz
	(
		set -e
		cd "$stage"
		mkdir -p bin dev proc sys tmp host vmres ovl
		cp "$bb" bin/busybox
		printf '%s\n' "$init" >init
		chmod 755 init bin/busybox
		: >modules.list
		while read -r path line; do
			[ -n "$path" ] || continue
			lazy=
			if [ "$path" = lazy ]; then
				lazy="lazy "
				path=${line%% *}
				[ "$path" != "$line" ] || line=
				line=${line#"$path"}
				line=${line# }
			fi
			src=/lib/modules/$VM_KVER/$path
			mkdir -p "lib/modules/$(dirname "$path")"
			case $path in
			*.ko) cp "$src" "lib/modules/$path" ;;
			*.ko.xz) path=${path%.xz}; xz -dc "$src" >"lib/modules/$path" ;;
			*.ko.zst) path=${path%.zst}; zstd -qdc "$src" >"lib/modules/$path" ;;
			*.ko.gz) path=${path%.gz}; gzip -dc "$src" >"lib/modules/$path" ;;
			*) echo "unknown module file $src" >&2; exit 1 ;;
			esac
			echo "$lazy$path${line:+ $line}" >>modules.list
		done <<<"$list"
		find . -mindepth 1 | LC_ALL=C sort | "$bb" cpio -o -H newc -R 0:0 2>/dev/null |
			gzip -6 >"$tmp"
	)
	local rc=$?
	rm -rf -- "$stage"
	if [ $rc -ne 0 ] || [ ! -s "$tmp" ]; then
		rm -f -- "$tmp"
		_vm_err "building the initramfs failed"
		return 1
	fi
	mv -f -- "$tmp" "$out"
	VM_INITRD=$out
}

vm_share()
{
	local d

	for d in "$@"; do
		if [ ! -d "$d" ]; then
			_vm_err "vm_share: $d is not a directory"
			return 1
		fi
		_VM_SHARES+=("$(cd "$d" && pwd -P)")
	done
}

# vm_need PATH...: share what the VM would not see otherwise: each PATH
# (its directory, for a file) under a place the VM has its own tmpfs on
# (/tmp, /run, /var/tmp, /var/log, $VM_TMPFS), such as a build tree in /tmp.
vm_need()
{
	local p d t

	for p in "$@"; do
		[ -e "$p" ] || continue
		d=$p
		[ -d "$d" ] || d=$(dirname "$d")
		d=$(cd "$d" && pwd -P) || continue
		for t in /tmp /run /var/tmp /var/log $VM_TMPFS; do
			case $d/ in
			"$t"/?*) vm_share "$d" || return 1; break ;;
			esac
		done
	done
}

# The script the VM's /init runs in the chroot: the caller's exported
# environment and directory, then the command.
_vm_runner()
{
	local name mode=$1 p

	shift
	echo "# written by tests/vm/vm.sh: the command, its environment and directory"
	while read -r name; do
		case $name in
		BASH* | SHELLOPTS | SHLVL | PWD | OLDPWD | _ | HOSTNAME | PS1 | PS2 | PS4 | \
		SSH_* | DISPLAY | XDG_RUNTIME_DIR | DBUS_* | TMUX* | MAKEFLAGS | MFLAGS | \
		MAKELEVEL | MAKE_TERMOUT | MAKE_TERMERR | TERMCAP | COLUMNS | LINES)
			continue ;;
		esac
		[[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
		printf 'export %s=%q\n' "$name" "${!name}"
	done < <(compgen -e)
	p=${PATH:-/usr/local/bin:/usr/bin:/bin}
	for name in /usr/local/sbin /usr/sbin /sbin; do
		case ":$p:" in *":$name:"*) ;; *) p=$p:$name ;; esac
	done
	printf 'export PATH=%q\n' "$p"
	echo "export VM_GUEST=1"
	# A TMPDIR in the host's /tmp is not in the VM's: make it there.
	# shellcheck disable=SC2016	# for the runner
	echo '[ -z "${TMPDIR:-}" ] || [ -d "$TMPDIR" ] || mkdir -p "$TMPDIR" 2>/dev/null'
	printf 'cd -- %q 2>/dev/null || { echo "vm: no directory %q inside the VM: running in /" >&2; cd /; }\n' \
		"$PWD" "$PWD"
	if [ "$mode" = shell ]; then
		echo "export PS1='vm:\\w# '"
		echo "exec /bin/bash --norc -i"
	elif [ $# -eq 0 ]; then
		echo "exit 0"
	else
		printf 'exec'
		printf ' %q' "$@"
		echo
	fi
}

# How qemu keeps the files of shared DIR. For the test's temp dir ($T),
# mapped-xattr where it takes user xattrs: the VM's owners, modes and
# special files (Unix sockets, fifos) live in xattrs, so a daemon in the
# VM can bind its control socket there (under "none", bind gives ENXIO);
# the host sees plain files, mode 0600 (directories 0700), for what the VM
# made there. Every other shared directory: none, modes as they are (no
# Unix socket there: put it in the VM's /run or /tmp, or in $T).
_vm_share_model()
{
	local f model=none

	if [ -n "${VM_SHARE_MODEL:-}" ]; then
		echo "$VM_SHARE_MODEL"
		return
	fi
	if [ -n "${T:-}" ] && [ -d "$T" ] && [ "$(cd "$T" && pwd -P)" = "$1" ] &&
		f=$(mktemp "$1/.vm-xattr.XXXXXX" 2>/dev/null); then
		if command -v setfattr >/dev/null; then
			setfattr -n user.lvsdvm -v 1 "$f" 2>/dev/null && model=mapped-xattr
		elif command -v python3 >/dev/null; then
			python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.lvsdvm", b"1")' \
				"$f" 2>/dev/null && model=mapped-xattr
		fi
		rm -f -- "$f"
	fi
	echo "$model"
}

# _vm_qemu_args ACCEL: qemu's command line, in _VM_QARGS.
_vm_qemu_args()
{
	local accel=$1 i=0 d

	_VM_QARGS=(qemu-system-x86_64 -nodefaults -no-user-config -display none
		-no-reboot -m "$VM_MEM" -smp "$VM_SMP")
	case $accel in
	kvm) _VM_QARGS+=(-accel kvm -cpu "${VM_CPU:-host}") ;;
	*) _VM_QARGS+=(-accel tcg -cpu "${VM_CPU:-max}") ;;
	esac
	# shellcheck disable=SC2054	# the commas are qemu's
	_VM_QARGS+=(-kernel "$VM_KIMAGE" -initrd "$VM_INITRD"
		-append "console=ttyS0 panic=-1 loglevel=4 quiet 8250.nr_uarts=1 mitigations=off rdinit=/init"
		-device virtio-rng-pci
		-fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
		-fsdev "local,id=vmres,path=$(_vm_qemu_path "$VM_DIR"),security_model=none,multidevs=remap"
		-device virtio-9p-pci,fsdev=vmres,mount_tag=vmres)
	# shellcheck disable=SC2206	# VM_QEMU_OPTS: words
	_VM_QARGS+=(${VM_QEMU_OPTS:-})
	for d in "${_VM_RUN_SHARES[@]}"; do
		i=$((i + 1))
		_VM_QARGS+=(-fsdev "local,id=vmshare$i,path=$(_vm_qemu_path "$d"),security_model=$(_vm_share_model "$d"),multidevs=remap"
			-device "virtio-9p-pci,fsdev=vmshare$i,mount_tag=vmshare$i")
	done
}

# KVM when /dev/kvm opens and KVM has not failed here within a day (see
# _vm_boot), else TCG.
_vm_accel()
{
	local dir

	case $VM_ACCEL in
	kvm | tcg) echo "$VM_ACCEL"; return ;;
	esac
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && dir=$(_vm_cache_dir 2>/dev/null) &&
		[ -z "$(find "$dir/kvm-failed" -mmin -1440 2>/dev/null)" ]; then
		echo kvm
	else
		echo tcg
	fi
}

# _vm_prepare MODE CMD...: the run's directory, its config and runner.
_vm_prepare()
{
	local mode=$1 d i=0 seen

	shift
	vm_initramfs || return 1
	_VM_RUNS=$((_VM_RUNS + 1))
	if [ -n "${T:-}" ] && [ -d "${T:-}" ]; then
		VM_DIR=${T%/}/vm.$_VM_RUNS
		mkdir -p "$VM_DIR" || return 1
		_VM_OWN_DIR=0
	else
		VM_DIR=$(mktemp -d /tmp/lvsd-vm.XXXXXX) || return 1
		_VM_OWN_DIR=1
	fi
	# Each directory once, and none inside another (that one shows it).
	_VM_RUN_SHARES=()
	while IFS= read -r d; do
		[ -n "$d" ] || continue
		[ "$d" != / ] || { _vm_err "not sharing /"; continue; }
		for seen in "${_VM_RUN_SHARES[@]}"; do
			case $d/ in "$seen"/*) continue 2 ;; esac
		done
		_VM_RUN_SHARES+=("$d")
	done < <(for d in "${_VM_SHARES[@]}" ${T:+"$T"}; do
			[ -d "$d" ] && (cd "$d" && pwd -P)
		done | LC_ALL=C sort -u)
	{
		echo "VM_R=$(_vm_q "$VM_DIR")"
		echo "VM_MODE=$mode"
		echo "VM_HOSTNAME=lvsd-vm"
		echo "VM_TMPFS=$(_vm_q "/tmp /run /var/tmp /var/log $VM_TMPFS")"
		echo "VM_OVERLAY=$(_vm_q "$VM_OVERLAY")"
		echo "VM_NSHARES=${#_VM_RUN_SHARES[@]}"
		for d in "${_VM_RUN_SHARES[@]}"; do
			i=$((i + 1))
			echo "VM_SHARE_$i=$(_vm_q "$d")"
		done
	} >"$VM_DIR/config"
	_vm_runner "$mode" "$@" >"$VM_DIR/run.sh" || return 1
	if [ -n "${VM_STDIN:-}" ]; then
		cp -- "$VM_STDIN" "$VM_DIR/stdin" || return 1
	fi
	: >"$VM_DIR/stdout"
	: >"$VM_DIR/stderr"
}

_vm_file_ms() { date -r "$1" +%s%3N 2>/dev/null; }

# True while PID runs (a zombie does not).
_vm_alive()
{
	local stat

	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# _vm_kvm_probe PID DEADLINE: wait for /init's first words, or for qemu's
# end, or for the deadline (then stop qemu); _VM_KVM_FAILED=1 if no words.
_vm_kvm_probe()
{
	while ! grep -q 'vm-init:' "$VM_DIR/console.log" 2>/dev/null; do
		if ! _vm_alive "$1"; then
			_VM_KVM_FAILED=1
			return
		fi
		if [ "$(_vm_ms)" -ge "$2" ]; then
			_VM_KVM_FAILED=1
			kill -TERM "$1"
			return
		fi
		sleep 0.1
	done
}

# One boot with ACCEL; stdout and stderr stream while it runs. With KVM,
# /init must speak within $VM_KVM_PROBE seconds, or the VM is stopped and
# _VM_KVM_FAILED set: a /dev/kvm that opens is no proof that KVM works
# (nested KVM can hang or abort).
_vm_boot()
{
	local accel=$1 qpid t1 t2 tails=()

	rm -f -- "$VM_DIR/rc" "$VM_DIR/started" "$VM_DIR/accel"
	_VM_KVM_FAILED=0
	_vm_qemu_args "$accel"
	t1=$(_vm_ms)
	timeout -k 5 "$VM_TIMEOUT" "${_VM_QARGS[@]}" -serial "file:$VM_DIR/console.log" \
		</dev/null >"$VM_DIR/qemu.out" 2>"$VM_DIR/qemu.err" &
	qpid=$!
	_VM_QPID=$qpid
	tail -s 0.2 -n +1 -f --pid="$qpid" "$VM_DIR/stdout" &
	tails+=($!)
	tail -s 0.2 -n +1 -f --pid="$qpid" "$VM_DIR/stderr" >&2 &
	tails+=($!)
	# (bash reports a qemu that dies of a signal, when it notices: the
	# message is in qemu.err already)
	{
		if [ "$accel" = kvm ]; then
			_vm_kvm_probe "$qpid" $((t1 + ${VM_KVM_PROBE:-20} * 1000))
		fi
		wait "$qpid"
		_VM_QRC=$?
	} 2>/dev/null
	wait "${tails[@]}" 2>/dev/null
	_VM_QPID=
	t2=$(_vm_ms)
	VM_RUN_MS=$((t2 - t1))
	VM_BOOT_MS=
	if [ -f "$VM_DIR/started" ]; then
		VM_BOOT_MS=$(($(_vm_file_ms "$VM_DIR/started") - t1))
	fi
	VM_ACCEL_USED=$(cat "$VM_DIR/accel" 2>/dev/null || echo "$accel")
}

_vm_explain()
{
	_vm_err "$1; the console's last lines ($VM_DIR/console.log):"
	tail -n 25 "$VM_DIR/console.log" 2>/dev/null | sed 's/^/vm:   /' >&2
	if [ -s "$VM_DIR/qemu.err" ]; then
		_vm_err "qemu said:"
		head -n 10 "$VM_DIR/qemu.err" | sed 's/^/vm:   /' >&2
	fi
}

vm_run()
{
	local accel why

	# shellcheck disable=SC2034	# read by the caller
	VM_STATUS=failed VM_RC=125 VM_BOOT_MS='' VM_RUN_MS='' VM_ACCEL_USED=
	_vm_prepare run "$@" || return 125
	accel=$(_vm_accel)
	_vm_boot "$accel"
	if [ "$_VM_KVM_FAILED" = 1 ] && [ "$VM_ACCEL" != kvm ]; then
		why=$(grep -m 1 -E 'error|failed' "$VM_DIR/qemu.err")
		_vm_err "KVM does not work here (${why:-no sign of life in ${VM_KVM_PROBE:-20} s});" \
			"using TCG, and for a day in later runs"
		echo "${why:-hung}" >"$(_vm_cache_dir)/kvm-failed"
		_vm_boot tcg
	fi
	if [ -f "$VM_DIR/rc" ]; then
		VM_STATUS=ran
		VM_RC=$(cat "$VM_DIR/rc")
	elif [ "$_VM_QRC" = 124 ] || [ "$_VM_QRC" = 137 ]; then
		VM_STATUS=timeout
		VM_RC=124
		_vm_explain "the VM was killed after VM_TIMEOUT=$VM_TIMEOUT s"
	else
		_vm_explain "the VM stopped without running the command (qemu exit status $_VM_QRC)"
	fi
	if [ "${VM_VERBOSE:-0}" = 1 ]; then
		sed 's/^/vm-console: /' "$VM_DIR/console.log" >&2
		_vm_err "$VM_ACCEL_USED, kernel $VM_KVER: ${VM_BOOT_MS:-?} ms from qemu's start to the command," \
			"$VM_RUN_MS ms in all; status $VM_STATUS, exit status $VM_RC"
	fi
	if [ "$_VM_OWN_DIR" = 1 ] && [ "${VM_KEEP:-0}" != 1 ]; then
		if [ "$VM_STATUS" = ran ]; then
			rm -rf -- "$VM_DIR"
		else
			_vm_err "kept $VM_DIR"
		fi
	fi
	return "$VM_RC"
}

vm_shell()
{
	local accel rc

	_vm_prepare shell || return 125
	accel=$(_vm_accel)
	_vm_qemu_args "$accel"
	echo "vm: booting ($accel); 'exit' powers the VM off, Ctrl-A X kills it" >&2
	# (--foreground: qemu reads the terminal, so it must stay in its group)
	timeout --foreground -k 5 "$VM_TIMEOUT" "${_VM_QARGS[@]}" -serial mon:stdio
	rc=$(cat "$VM_DIR/rc" 2>/dev/null || echo 125)
	[ "$_VM_OWN_DIR" = 1 ] && [ "${VM_KEEP:-0}" != 1 ] && rm -rf -- "$VM_DIR"
	return "$rc"
}

# ---- the command line ----------------------------------------------------------

_vm_usage()
{
	cat >&2 <<'EOF'
usage: vm.sh run [-s DIR]... [-t SECONDS] [--] CMD [ARG...]
       vm.sh shell [-s DIR]... [-t SECONDS]
       vm.sh usable | initramfs | info
EOF
	exit 2
}

_vm_main()
{
	local cmd=${1:-} shared=0 why

	[ $# -gt 0 ] || _vm_usage
	shift
	case $cmd in
	usable)
		why=$(vm_usable) && exit 0
		echo "vm: not usable: $why" >&2
		exit 1 ;;
	initramfs)
		vm_initramfs || exit 1
		echo "$VM_INITRD"
		exit 0 ;;
	info)
		vm_initramfs || exit 1
		echo "kernel:    $VM_KERNEL ($VM_KVER), booted as $VM_KIMAGE"
		echo "initramfs: $VM_INITRD"
		echo "accel:     $(_vm_accel) (VM_ACCEL=$VM_ACCEL)"
		echo "modules:   $(_vm_module_list | grep -v '^lazy ' | sed 's,.*/,,; s, .*,,; s,\.ko.*,,' | tr '\n' ' ')"
		echo "on demand: $(_vm_module_list | grep '^lazy ' | sed 's,.*/,,; s, .*,,; s,\.ko.*,,' | tr '\n' ' ')"
		exit 0 ;;
	run | shell) ;;
	*) _vm_usage ;;
	esac
	while [ $# -gt 0 ]; do
		case $1 in
		-s) [ $# -ge 2 ] || _vm_usage; vm_share "$2" || exit 2; shared=1; shift 2 ;;
		-t) [ $# -ge 2 ] || _vm_usage; VM_TIMEOUT=$2; shift 2 ;;
		--) shift; break ;;
		-*) _vm_usage ;;
		*) break ;;
		esac
	done
	if [ "$shared" = 0 ] && [ "$PWD" != / ]; then
		vm_share "$PWD" || exit 2
	fi
	why=$(vm_usable) || { echo "vm: not usable: $why" >&2; exit 125; }
	# Ctrl-C or TERM: the VM goes too (timeout(1) runs it in a group of its own).
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap '_vm_cli_exit' EXIT
	if [ "$cmd" = shell ]; then
		vm_shell
	else
		vm_run "$@"
	fi
}

_vm_cli_exit()
{
	local rc=$? p

	# timeout(1) passes the TERM on to qemu.
	for p in ${_VM_QPID:-} $(jobs -p); do
		kill -TERM "$p" 2>/dev/null
	done
	exit "$rc"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	_vm_main "$@"
fi

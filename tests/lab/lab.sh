# shellcheck shell=bash
#
# lab.sh - the network-namespace lab of lvsd's integration tests; sourced
# (after tests/integration/lib.sh, when a test uses both), not run.
#
# lab_up builds nodes - a client, directors, real servers - each a network
# namespace with one veth link "eth0" into a Linux bridge that lives in a
# namespace of its own, so the host's network is never touched and the
# lab's traffic stays inside it. Namespace names start with "lvs$LAB_ID-",
# a short id per test run, so parallel test scripts never collide.
# lab_down removes every namespace (so every link) of the run, after
# stopping every process inside them; lab_up arranges for it to run on
# exit, whatever the exit, after which the EXIT trap that was there before
# (lib.sh's) runs as it did.
#
# Addressing (one /24 and one ULA /64, the same host number in both):
#   bridge "br"       10.231.0.1     fd10:231::1     the nodes' default gateway
#   client, clientN   10.231.0.(1+N) fd10:231::(1+N) client = client1 = .2, N <= 8
#   dirN              10.231.0.(10+N)                dir1 = .11, N <= 9
#   rsN               10.231.0.(20+N)                rs1 = .21, N <= 69
#   any other name    10.231.0.(200 + its position in the lab's nodes)
#   $LAB_VIP, $LAB_VIP2 (10.231.0.100, .101), $LAB_VIP6 (fd10:231::100):
#                     free for tests to use as virtual IPs.
# The gateway does not forward: traffic to an address off the subnet
# vanishes (a timeout, not a refusal). MACs are 02:4c:56:00:00:HOST (HOST in hex).
#
# Functions (each returns non-zero and says why on stderr when it fails):
#   lab_up NAME...            add nodes (the first call builds the bridge)
#   lab_exec NAME CMD...      run CMD inside node NAME
#   lab_ns NAME               the namespace's name
#   lab_addr NAME, lab_addr6 NAME, lab_mac NAME
#   lab_link_down NAME [cut|drop]   cut: the cable is pulled (NO-CARRIER on
#                             the node's eth0); drop: the port is taken off
#                             the bridge, the carrier stays, frames vanish
#   lab_link_up NAME          undo either
#   lab_testsrv NAME ARGS...  start $LVS_TESTSRV ARGS in NAME, wait (10 s at
#                             most) for its "ready"; sets LAB_PID, and
#                             LAB_OUT (its stdout is $LAB_OUT.out, stderr
#                             $LAB_OUT.err, pidfile $LAB_OUT.pid)
#   lab_stop [PID...]         SIGTERM to those lab_testsrv servers (all by
#                             default), wait for them; non-zero if one did
#                             not exit 0 within 10 s
#   lab_down                  remove everything; safe to call again
#   lab_usable                0 if this host can build a lab (root, netns)
#
# Every wait is bounded in time and every loop in count.

: "${LAB_ID:=$(printf '%x%02x' $(($$ % 65536)) $((RANDOM % 256)))}"
: "${LVS_TESTSRV:=${top_builddir:-.}/tests/tools/lvs-testsrv}"
LAB_NET4=10.231.0
LAB_NET6=fd10:231:
LAB_GW4=$LAB_NET4.1
LAB_GW6=${LAB_NET6}:1
# shellcheck disable=SC2034	# for the tests
LAB_VIP=$LAB_NET4.100 LAB_VIP2=$LAB_NET4.101 LAB_VIP6=${LAB_NET6}:100

_LAB_NS=()		# every namespace created, the bridge's first
_LAB_NODES=()		# node names, in order
_LAB_PIDS=()		# lab_testsrv servers
_LAB_RUNS=0
_LAB_TRAPPED=0
_LAB_DIR=

_lab_err() { echo "lab: $*" >&2; }

lab_ns() { echo "lvs$LAB_ID-$1"; }

# Time in milliseconds, for bounded waits.
_lab_ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }

# _lab_wait MS CMD...: poll CMD every 50 ms until it succeeds or MS pass.
_lab_wait()
{
	local deadline=$(($(_lab_ms) + $1))

	shift
	until "$@"; do
		[ "$(_lab_ms)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

lab_usable()
{
	if [ "$(id -u)" != 0 ]; then
		echo "not root"
		return 1
	fi
	if ! ip netns add "lvs$LAB_ID-probe" 2>/dev/null; then
		echo "cannot create a network namespace"
		return 1
	fi
	ip netns del "lvs$LAB_ID-probe"
}

# The host number of a node: see the addressing plan above.
_lab_host()
{
	local i n

	case $1 in
	client) echo 2; return ;;
	client[1-8]) echo $((1 + ${1#client})); return ;;
	dir[1-9]) echo $((10 + ${1#dir})); return ;;
	rs[1-9] | rs[1-6][0-9]) echo $((20 + ${1#rs})); return ;;
	esac
	for i in "${!_LAB_NODES[@]}"; do
		[ "${_LAB_NODES[$i]}" != "$1" ] || n=$i
	done
	: "${n:=${#_LAB_NODES[@]}}"
	echo $((200 + n))
}

lab_addr() { echo "$LAB_NET4.$(_lab_host "$1")"; }
lab_addr6() { echo "$LAB_NET6:$(_lab_host "$1")"; }
lab_mac() { printf '02:4c:56:00:00:%02x\n' "$(_lab_host "$1")"; }

lab_exec()
{
	local ns

	ns=$(lab_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}

# `trap -p EXIT` prints "trap -- 'CMD' EXIT", quoted for eval: CMD is $3.
_lab_prev_trap() { _LAB_PREV_EXIT=${3:-}; }

# Run lab_down on any exit, then the EXIT trap that was there; a signal
# must become an exit for that to happen, so give it one if nobody did.
_lab_trap_exit()
{
	local sig

	[ "$_LAB_TRAPPED" = 0 ] || return 0
	_LAB_TRAPPED=1
	_LAB_PREV_EXIT=
	eval "_lab_prev_trap $(trap -p EXIT)"
	trap '_lab_on_exit' EXIT
	for sig in HUP:129 INT:130 TERM:143; do
		# shellcheck disable=SC2064	# the status is fixed now
		[ -n "$(trap -p "${sig%:*}")" ] || trap "exit ${sig#*:}" "${sig%:*}"
	done
}

_lab_on_exit()
{
	local rc=$?

	lab_down
	(exit "$rc")		# the previous trap sees the script's status
	eval "$_LAB_PREV_EXIT"
}

# A step of building the lab: run it, or say what failed.
_lab_do()
{
	local out

	if ! out=$("$@" 2>&1); then
		_lab_err "$* failed: $out"
		return 1
	fi
}

# A new namespace with lo up, no DAD (nodad addresses are usable at once,
# and so are link-local ones), remembered before anything can fail.
_lab_ns_add()
{
	local ns

	ns=$(lab_ns "$1")
	_lab_do ip netns add "$ns" || return 1
	_LAB_NS+=("$ns")
	_lab_do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 || return 1
	_lab_do ip -n "$ns" link set lo up
}

_lab_bridge_up()
{
	local br

	br=$(lab_ns br)
	_lab_ns_add br || return 1
	# No STP and no forward delay: a port forwards as soon as it is up.
	_lab_do ip -n "$br" link add br0 type bridge stp_state 0 forward_delay 0 \
		mcast_snooping 0 || return 1
	_lab_do ip -n "$br" addr add "$LAB_GW4/24" dev br0 || return 1
	_lab_do ip -n "$br" addr add "$LAB_GW6/64" dev br0 nodad || return 1
	_lab_do ip -n "$br" link set br0 up
}

_lab_node_up()
{
	local name=$1 ns br host

	if ! [[ $name =~ ^[a-z][a-z0-9]{0,11}$ ]] || [ "$name" = br ]; then
		_lab_err "node name '$name': 1 to 12 of a-z0-9, starting with a letter, not 'br'"
		return 1
	fi
	for ns in "${_LAB_NODES[@]}"; do
		if [ "$ns" = "$name" ] || [ "$(_lab_host "$ns")" = "$(_lab_host "$name")" ]; then
			_lab_err "node '$name' would have the address of node '$ns'"
			return 1
		fi
	done
	host=$(_lab_host "$name")
	_LAB_NODES+=("$name")
	ns=$(lab_ns "$name")
	br=$(lab_ns br)
	_lab_ns_add "$name" || return 1
	# Made in the bridge's namespace, one end moved straight into the node's:
	# the root namespace never sees either.
	_lab_do ip -n "$br" link add "$name" type veth peer name eth0 netns "$ns" || return 1
	_lab_do ip -n "$br" link set "$name" master br0 up || return 1
	_lab_do ip -n "$ns" link set eth0 address "$(lab_mac "$name")" || return 1
	_lab_do ip -n "$ns" addr add "$LAB_NET4.$host/24" dev eth0 || return 1
	_lab_do ip -n "$ns" addr add "$LAB_NET6:$host/64" dev eth0 nodad || return 1
	_lab_do ip -n "$ns" link set eth0 up || return 1
	_lab_do ip -n "$ns" route add default via "$LAB_GW4" || return 1
	_lab_do ip -n "$ns" -6 route add default via "$LAB_GW6"
}

lab_up()
{
	local name

	if [ $# -eq 0 ]; then
		_lab_err "lab_up: name at least one node"
		return 1
	fi
	_lab_trap_exit
	if [ -z "$_LAB_DIR" ]; then
		if [ -n "${T:-}" ] && [ -d "$T" ]; then
			_LAB_DIR=$T
		else
			_LAB_DIR=$(mktemp -d /tmp/lvs-lab.XXXXXX) || return 1
			_LAB_OWN_DIR=1
		fi
	fi
	if [ ${#_LAB_NS[@]} -eq 0 ]; then
		_lab_bridge_up || return 1
	fi
	for name in "$@"; do
		_lab_node_up "$name" || return 1
	done
}

lab_link_down()
{
	local br

	br=$(lab_ns br)
	case ${2:-cut} in
	cut) _lab_do ip -n "$br" link set "$1" down ;;
	drop) _lab_do ip -n "$br" link set "$1" nomaster ;;
	*) _lab_err "lab_link_down $1 $2: cut or drop"; return 1 ;;
	esac
}

lab_link_up()
{
	local br

	br=$(lab_ns br)
	_lab_do ip -n "$br" link set "$1" master br0 up
}

# True while PID runs: a child that exited stays a zombie until waited
# for, and kill -0 would call it alive.
_lab_alive()
{
	local stat

	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

_lab_gone() { ! _lab_alive "$1"; }
_lab_ready() { grep -qx ready "$LAB_OUT.out" 2>/dev/null || _lab_gone "$LAB_PID"; }

lab_testsrv()
{
	local name=$1

	shift
	if [ ! -x "$LVS_TESTSRV" ]; then
		_lab_err "$LVS_TESTSRV is not built (set LVS_TESTSRV)"
		return 1
	fi
	_LAB_RUNS=$((_LAB_RUNS + 1))
	LAB_OUT=$_LAB_DIR/testsrv.$name.$_LAB_RUNS
	ip netns exec "$(lab_ns "$name")" "$LVS_TESTSRV" --pidfile "$LAB_OUT.pid" "$@" \
		</dev/null >"$LAB_OUT.out" 2>"$LAB_OUT.err" &
	LAB_PID=$!
	_LAB_PIDS+=("$LAB_PID")
	! declare -F track >/dev/null || track "$LAB_PID"
	_lab_wait 10000 _lab_ready
	if grep -qx ready "$LAB_OUT.out" 2>/dev/null; then
		return 0
	fi
	_lab_err "lvs-testsrv $* in $name did not come up:"
	head -n 5 "$LAB_OUT.err" >&2
	return 1
}

lab_stop()
{
	local pid rc=0 st

	[ $# -gt 0 ] || set -- "${_LAB_PIDS[@]}"
	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "$@"; do
		if ! _lab_wait 10000 _lab_gone "$pid"; then
			_lab_err "lvs-testsrv $pid still runs 10 s after SIGTERM; killed"
			kill -KILL "$pid" 2>/dev/null
			rc=1
		fi
		wait "$pid" 2>/dev/null
		st=$?
		if [ "$st" != 0 ]; then
			_lab_err "lvs-testsrv $pid exited $st"
			rc=1
		fi
	done
	return $rc
}

# Every process inside the run's namespaces: servers, directors, clients.
_lab_pids() { local ns; for ns in "${_LAB_NS[@]}"; do ip netns pids "$ns" 2>/dev/null; done; }
_lab_no_pids() { [ -z "$(_lab_pids)" ]; }

lab_down()
{
	local i

	[ ${#_LAB_NS[@]} -gt 0 ] || return 0
	# A namespace outlives its name while a process is inside, and its
	# links with it: empty them first.
	# shellcheck disable=SC2046
	kill -TERM $(_lab_pids) 2>/dev/null
	if ! _lab_wait 5000 _lab_no_pids; then
		# shellcheck disable=SC2046
		kill -KILL $(_lab_pids) 2>/dev/null
		_lab_wait 2000 _lab_no_pids || _lab_err "processes outlive SIGKILL: $(_lab_pids)"
	fi
	for ((i = ${#_LAB_NS[@]} - 1; i >= 0; i--)); do
		ip netns del "${_LAB_NS[$i]}" 2>/dev/null ||
			_lab_err "cannot remove namespace ${_LAB_NS[$i]}"
	done
	_LAB_NS=()
	_LAB_NODES=()
	_LAB_PIDS=()
	if [ "${_LAB_OWN_DIR:-0}" = 1 ] && [ "${LVSD_TEST_KEEP:-0}" != 1 ]; then
		rm -rf -- "$_LAB_DIR"
		_LAB_DIR=
		_LAB_OWN_DIR=0
	fi
}

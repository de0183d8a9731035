#!/usr/bin/env bash
#
# import.sh - `lvsctl import` on configurations written the way users
# write them (tests/import/: a keepalived NAT pair (two directors sharing
# an included services file), a DR keepalived.conf
# with a conf.d/*.conf include and fwmark services, an ldirectord.cf with
# several virtual= blocks, an `ipvsadm -S -n` dump and a script of
# ipvsadm calls): each imports with exit 0, `lvsd -t` accepts the YAML,
# and stderr lists exactly the expected settings not carried over
# (tests/import/*.warnings); the two directors of the NAT pair differ only
# where their files do. Then the format detection, stdin, the errors
# of unparsable input (FILE:LINE), and a live round trip: a NAT-only dump
# on loopback is imported, lvsd runs it on the userspace core, and
# `lvsctl save` gives back the dump, modulo ordering.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

DATA=$top_srcdir/tests/import

# imp NAME ARGS...: lvsctl import ARGS run in tests/import (so the file
# names in messages are relative); stdout in $T/NAME.yaml, stderr in
# $T/NAME.err, exit status in IMP_RC.
imp()
{
	local name=$1

	shift
	(cd "$DATA" && timeout 20 "$LVSCTL" import "$@") >"$T/$name.yaml" 2>"$T/$name.err"
	IMP_RC=$?
}

# ---- each sample: exit 0, valid for lvsd -t, the expected warnings -----------

for sample in keepalived-nat-lb1:keepalived-nat/lb1.conf \
	keepalived-nat-lb2:keepalived-nat/lb2.conf \
	keepalived-dr:keepalived-dr/keepalived.conf ldirectord:ldirectord.cf \
	ipvsadm:ipvsadm.rules ipvsadm-script:ipvsadm-script.sh; do
	name=${sample%%:*} file=${sample#*:}
	imp "$name" "$file"
	is "$IMP_RC" 0 "$name: lvsctl import exits 0"
	check "$name: lvsd -t accepts the imported YAML" \
		timeout 20 "$LVSD" -t -f "$T/$name.yaml"
	if diff -u "$DATA/$name.warnings" "$T/$name.err" >"$T/$name.diff"; then
		pass "$name: stderr lists exactly the expected settings not carried over"
	else
		fail "$name: stderr lists exactly the expected settings not carried over"
		diag_file "$T/$name.diff" 40
	fi
done

# The keepalived samples are keepalived's own syntax: keepalived -t knows
# every keyword. Its exit status says more than syntax (this host has no
# eth1), so its words are judged; and it may signal the process that
# started it, so it runs in a session of its own, behind a subshell.
for name in keepalived-nat/lb1 keepalived-nat/lb2 keepalived-dr/keepalived; do
	if ! command -v keepalived >/dev/null || ! command -v setsid >/dev/null; then
		skip "$name: keepalived -t knows every keyword of the sample" \
			"keepalived is not installed"
		continue
	fi
	(timeout 20 setsid -w keepalived -t -f "$DATA/$name.conf" \
		>"$T/kt.out" 2>&1 </dev/null; :) 2>/dev/null
	unlike "$(cat "$T/kt.out")" "Unknown keyword|Unexpected|[Ss]yntax" \
		"$name: keepalived -t knows every keyword of the sample"
done

# What the samples are for, said in the YAML itself.
# The pair: the same services and instances, the backup's priority lower.
is "$(diff "$T/keepalived-nat-lb1.yaml" "$T/keepalived-nat-lb2.yaml" | grep '^[<>]' | tr -s ' ')" \
	"$(printf '< router_id: LB1\n> router_id: LB2\n< priority: 150\n> priority: 100\n< priority: 150\n> priority: 100')" \
	"keepalived NAT pair: lb1 and lb2 differ in router_id and priority only"
y=$(cat "$T/keepalived-nat-lb1.yaml")
like "$y" '^  instances: \[VI_EXT, VI_INT\]$' "keepalived NAT: the sync group is carried"
like "$y" '^    type: http$' "keepalived NAT: HTTP_GET becomes an http check on the service"
like "$y" '^      digest: md5:9b3a0c85a887a256d6939da88aabd8cd$' "keepalived NAT: SSL_GET's digest"
like "$y" '^      script: /usr/local/bin/check_pg.sh 10.10.0.31$' "keepalived NAT: MISC_CHECK's script"
like "$y" '^  on_failure: quiesce$' "keepalived NAT: inhibit_on_failure is on_failure quiesce"
y=$(cat "$T/keepalived-dr.yaml")
like "$y" '^- fwmark: 80$' "keepalived DR: the fwmark service from the included conf.d file"
like "$y" '^- address: 198.51.100.28:25$' "keepalived DR: the virtual_server_group range is expanded"
like "$y" '^  version: 3$' "keepalived DR: vrrp_version 3 is carried"
y=$(cat "$T/ldirectord.yaml")
like "$y" '^  - address: 192.168.6.13:443$' "ldirectord: a real= range is expanded"
like "$y" '^      body: I am \(up\|alive\)$' "ldirectord: a per-real request/receive is carried"
y=$(cat "$T/ipvsadm.yaml")
like "$y" '^  forwarding: tun$' "ipvsadm: -i is tun forwarding"
like "$y" "^- address: '\[2001:db8:10::10\]:80'$" "ipvsadm: an IPv6 service"

# ---- detection, --from, stdin -------------------------------------------------

for sample in keepalived:keepalived-nat/lb1.conf ldirectord:ldirectord.cf \
	ipvsadm:ipvsadm.rules; do
	fmt=${sample%%:*} file=${sample#*:}
	imp "from-$fmt" --from "$fmt" "$file"
	imp "auto-$fmt" "$file"
	if [ "$IMP_RC" = 0 ] && cmp -s "$T/from-$fmt.yaml" "$T/auto-$fmt.yaml" &&
	   [ -s "$T/auto-$fmt.yaml" ]; then
		pass "$fmt: detected without --from, same YAML as with it"
	else
		fail "$fmt: detected without --from, same YAML as with it"
		diag_file "$T/auto-$fmt.err"
	fi
done
(cd "$DATA" && timeout 20 "$LVSCTL" import <ipvsadm.rules) >"$T/stdin.yaml" 2>"$T/stdin.err"
is "$?" 0 "import from stdin exits 0"
check "import from stdin: the same YAML as from the file" cmp "$T/stdin.yaml" "$T/ipvsadm.yaml"
like "$(cat "$T/stdin.err")" '^\(stdin\):6: -b: ' "import from stdin: messages name (stdin)"
imp usage --from haproxy ldirectord.cf
is "$IMP_RC" 2 "an unknown --from is a usage error (exit 2)"
like "$("$LVSCTL" -h)" '^  import \[--from keepalived\|ldirectord\|ipvsadm\] \[FILE\|-\]$' \
	"lvsctl's usage text documents import"

# ---- unparsable input: exit 1, FILE:LINE, no YAML -----------------------------

# bad NAME FORMAT-ARGS EXPECTED-STDERR-ERE: written to $T/NAME, imported.
bad()
{
	local name=$1 want=$2

	(cd "$T" && timeout 20 "$LVSCTL" import "$name") >"$T/$name.out" 2>"$T/$name.err"
	IMP_RC=$?
	if [ "$IMP_RC" = 1 ] && [ ! -s "$T/$name.out" ] && grep -Eq -- "$want" "$T/$name.err"; then
		pass "$name: exit 1, '$want'"
	else
		fail "$name: exit 1, '$want'" "exit $IMP_RC"
		diag_file "$T/$name.err"
		diag_file "$T/$name.out"
	fi
}

printf 'global_defs {\n  router_id x\n}\nvirtual_server 10.0.0.1 80 {\n  lb_algo rr\n' >"$T/unterminated.conf"
bad unterminated.conf "^unterminated.conf:4: unterminated block: the '\{' of 'virtual_server' is never closed$"
printf 'vrrp_instance V {\n  interface eth0\n}\n}\n' >"$T/stray.conf"
bad stray.conf "^stray.conf:4: '\}' without a matching '\{'$"
printf '! loop\ninclude loop2.conf\n' >"$T/loop1.conf"
printf 'global_defs {\n}\ninclude loop1.conf\n' >"$T/loop2.conf"
bad loop1.conf '^loop2.conf:3: include loop: .*loop1.conf is already being read'
printf -- '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.0.256:80 -m\n' >"$T/badaddr.rules"
bad badaddr.rules "^badaddr.rules:2: -r '10.0.0.256' is not an IPv4 or IPv6 address$"
printf 'checktimeout=5\n\treal=10.0.0.2:80 gate\n' >"$T/orphan.cf"
bad orphan.cf "^orphan.cf:2: 'real': an indented line before any virtual=$"
bad missing.conf '^missing.conf: cannot open: No such file or directory$'

# ---- what this host's lvsd would refuse is said, with lvsd's words ---------------

printf 'vrrp_instance VI_1 {\n  interface an-interface-name-too-long\n  virtual_router_id 5\n  virtual_ipaddress {\n    192.0.2.5/24\n  }\n}\n' >"$T/longif.conf"
(cd "$T" && timeout 20 "$LVSCTL" import longif.conf) >"$T/longif.yaml" 2>"$T/longif.err"
is "$?" 0 "an import lvsd would refuse still exits 0 with its YAML"
like "$(cat "$T/longif.err")" "^\(imported YAML\):[0-9]+:[0-9]+: .*interface" \
	"... and stderr says what lvsd -t will say about it"

# ---- the round trip: a NAT dump on loopback, run, saved back --------------------

P=$VS_PORT
cat >"$T/nat.rules" <<EOF
-A -t 127.0.0.1:$P -s wrr
-a -t 127.0.0.1:$P -r 127.0.0.1:$((P + 1)) -m -w 3
-a -t 127.0.0.1:$P -r 127.0.0.1:$((P + 2)) -m -w 1
-A -t 127.0.0.2:$((P + 1)) -s sh -p 600 -M 255.255.255.0
-a -t 127.0.0.2:$((P + 1)) -r 127.0.0.1:$((P + 2)) -m -w 2
-A -u 127.0.0.1:$P -s rr -p 120
-a -u 127.0.0.1:$P -r 127.0.0.1:$((P + 1)) -m -w 1
-a -u 127.0.0.1:$P -r 127.0.0.1:$((P + 2)) -m -w 0
EOF
(cd "$T" && timeout 20 "$LVSCTL" import nat.rules) >"$T/nat.yaml" 2>"$T/nat.err"
is "$?" 0 "round trip: the NAT dump imports"
is "$(cat "$T/nat.err")" "" "round trip: nothing of the NAT dump is left behind"
{
	config_global info
	cat "$T/nat.yaml"
} >"$CONFIG"
if start_lvsd; then
	pass "round trip: lvsd runs the imported configuration (userspace core)"
	saved_matches() { ctl save && [ "$(sort <<<"$CTL_OUT")" = "$(sort "$T/nat.rules")" ]; }
	if wait_for 10 saved_matches; then
		pass "round trip: lvsctl save gives back the dump, modulo ordering"
	else
		fail "round trip: lvsctl save gives back the dump, modulo ordering" \
			"$(diff <(sort "$T/nat.rules") <(sort <<<"$CTL_OUT"))"
	fi
	stop_lvsd
else
	fail "round trip: lvsd runs the imported configuration (userspace core)"
fi

done_testing

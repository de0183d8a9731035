#!/usr/bin/env bash
#
# man.sh - the manual pages render without a single warning, and they
# keep up with the code: every key of the configuration schema
# (src/cfg_schema*.c, read here at test time) has an entry in
# lvsd.yaml.5 under its own table's section and every entry there is a
# key; every command the daemon answers, every command and option that
# `lvsctl -h` lists and every option of `list` is in lvsctl.8; every
# option of `lvsd -h` is in lvsd.8; and the YAML examples the pages
# mark pass `lvsd -t`. Adding a key, a command or an option without
# documenting it fails here.

. "$(dirname "$0")/lib.sh"

MAN=$top_srcdir/man
SCHEMA=("$top_srcdir/src/cfg_schema.c" "$top_srcdir/src/cfg_schema_vrrp.c")
PAGES=(lvsd.8 lvsctl.8 lvsd.yaml.5)

# ---- rendering -------------------------------------------------------------

if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
	bail_out "man (man-db) and groff (groff-base) are needed"
fi

for p in "${PAGES[@]}"; do
	f=$MAN/$p
	if [ ! -f "$f" ]; then
		fail "$p exists" "no $f"
		continue
	fi
	LC_ALL=C MANWIDTH=80 man --warnings -E UTF-8 -l "$f" >"$T/$p.txt" 2>"$T/$p.man.err"
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$T/$p.man.err" ] && [ -s "$T/$p.txt" ]; then
		pass "man --warnings -l $p: renders, no warning"
	else
		fail "man --warnings -l $p: renders, no warning" "exit status $rc"
		diag_file "$T/$p.man.err"
	fi
	groff -ww -man -z "$f" 2>"$T/$p.groff.err"
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$T/$p.groff.err" ]; then
		pass "groff -ww -man $p: no warning"
	else
		fail "groff -ww -man $p: no warning" "exit status $rc"
		diag_file "$T/$p.groff.err"
	fi
	# The header names the version being built, so a release bumps it.
	like "$(grep -m1 '^\.TH ' "$f")" "\"lvsd $(lvsd_version)\"" "$p: .TH names lvsd $(lvsd_version)"
	# The NAME line is what whatis/apropos index.
	like "$(sed -n '/^\.SH NAME/{n;p;q}' "$f")" "^${p%.*} \\\\- " "$p: a NAME line 'page \\- summary'"
done

# ---- lvsd.yaml.5 against the schema ----------------------------------------

# "TABLE KEY" for every key of every field table of cfg_schema*.c: the
# F_*(struct x, "key", ...) rows and the { .key = "key", ... } rows.
schema_keys()
{
	awk '
		/^static const struct cfg_field [a-z_]+\[\] = \{/ {
			t = $5; sub(/\[\]$/, "", t); next
		}
		t && /^\};/ { t = ""; next }
		t {
			line = $0
			if (match(line, /F_[A-Z]+\(struct [a-z_]+, "[a-z_]+"/) ||
			    match(line, /\.key = "[a-z_]+"/)) {
				s = substr(line, RSTART, RLENGTH)
				sub(/^[^"]*"/, "", s); sub(/"$/, "", s)
				print t, s
			}
		}' "${SCHEMA[@]}"
}

# "TABLE KEY" for every ".TP" entry ".B KEY" in a section of lvsd.yaml.5
# marked '.\" schema: TABLE'; a section ends at the next .SH or .SS.
page_keys()
{
	awk '
		/^\.S[HS]( |$)/ { t = ""; next }
		/^\.\\" schema: / { t = $3; next }
		t && /^\.TP/ { tp = 1; next }
		t && tp && /^\.B [^ ]+$/ { print t, $2 }
		{ tp = 0 }' "$MAN/lvsd.yaml.5"
}

schema_keys | sort -u >"$T/schema.keys"
page_keys | sort >"$T/page.keys.all"
sort -u "$T/page.keys.all" >"$T/page.keys"
n_keys=$(wc -l <"$T/schema.keys")
n_tables=$(cut -d' ' -f1 "$T/schema.keys" | sort -u | wc -l)

# The parser above must keep finding the schema: a rename of its macros
# must fail here, not make every later check vacuous.
if [ "$n_keys" -ge 90 ] && [ "$n_tables" -ge 12 ] &&
   grep -qx 'global_fields forwarding_core' "$T/schema.keys" &&
   grep -qx 'rs_fields address' "$T/schema.keys" &&
   grep -qx 'vrrp_fields virtual_router_id' "$T/schema.keys"; then
	pass "read $n_keys keys in $n_tables tables from src/cfg_schema*.c"
else
	fail "read the keys of src/cfg_schema*.c" "found $n_keys keys in $n_tables tables"
	diag_file "$T/schema.keys"
fi

missing=$(comm -23 "$T/schema.keys" "$T/page.keys")
is "$missing" "" "lvsd.yaml.5 has an entry for every key of the schema, in its table's section"
stale=$(comm -13 "$T/schema.keys" "$T/page.keys")
is "$stale" "" "every entry of lvsd.yaml.5's key sections is a key of that table"
twice=$(uniq -d "$T/page.keys.all")
is "$twice" "" "no key is described twice in one section"
tables_missing=$(comm -23 <(cut -d' ' -f1 "$T/schema.keys" | sort -u) \
	<(sed -n 's/^\.\\" schema: \([a-z_]*\)$/\1/p' "$MAN/lvsd.yaml.5" | sort -u))
is "$tables_missing" "" "every table of the schema has a section in lvsd.yaml.5"

# The values an enum key takes are listed where the key is described.
for pair in "sched scheduler" "fwd_core forwarding_core" "check_type type" \
	"fwd_method forwarding" "proto protocol" "on_failure on_failure"; do
	set -- $pair
	names=$(awk -v t="cfg_$1_names[]" '
		index($0, "const char *const " t " = {") == 1 { on = 1 }
		on { print } on && /};/ { exit }' "${SCHEMA[@]}" |
		grep -o '"[a-z0-9]*"' | tr -d '"')
	entry=$(awk -v k="$2" '
		/^\.TP/ { tp = 1; next }
		tp && $0 == ".B " k { on = 1; tp = 0; next }
		on && /^\.(TP|PP|S[HS])/ { exit }
		on { print }
		{ tp = 0 }' "$MAN/lvsd.yaml.5")
	absent=()
	for n in $names; do
		grep -qE "^\.BR? $n( |$)" <<<"$entry" || absent+=("$n")
	done
	is "${absent[*]}" "" "lvsd.yaml.5 lists every value of $2"
done

# ---- the YAML examples of lvsd.yaml.5 --------------------------------------

# The .EX blocks after a '.\" man.sh: lvsd -t' line, unescaped from roff.
awk -v dir="$T" '
	/^\.\\" man\.sh: lvsd -t/ { want = 1; next }
	want && /^\.EX/ { n++; f = dir "/example" n ".yaml"; printf "" > f; on = 1; next }
	on && /^\.EE/ { on = 0; want = 0; close(f); next }
	on { print > f }' "$MAN/lvsd.yaml.5"
sed -i -e 's/\\-/-/g' -e 's/\\(dq/"/g' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g' -e 's/\\&//g' \
	"$T"/example*.yaml 2>/dev/null
examples=("$T"/example*.yaml)
if [ -f "${examples[0]}" ] && [ ${#examples[@]} -ge 2 ]; then
	pass "lvsd.yaml.5 marks ${#examples[@]} YAML examples"
else
	fail "lvsd.yaml.5 marks its YAML examples" "none found"
fi
for f in "${examples[@]}"; do
	[ -f "$f" ] || continue
	timeout 20 "$LVSD" -t -f "$f" >"$T/t.out" 2>"$T/t.err"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "lvsd.yaml.5's ${f##*/} passes lvsd -t"
	else
		fail "lvsd.yaml.5's ${f##*/} passes lvsd -t" "exit status $rc"
		diag_file "$T/t.err"
	fi
done

# ---- lvsd.8 against lvsd -h ------------------------------------------------

"$LVSD" -h >"$T/lvsd.help" 2>&1
opts=$(grep -oE '(^| )--?[a-zA-Z][a-z-]*' "$T/lvsd.help" | tr -d ' ' | sort -u)
absent=()
for o in $opts; do
	grep -qF -- "$(sed 's/-/\\-/g' <<<"$o")" "$MAN/lvsd.8" || absent+=("$o")
done
if [ -n "$opts" ] && [ ${#absent[@]} -eq 0 ]; then
	pass "lvsd.8 describes every option of lvsd -h ($(wc -w <<<"$opts"))"
else
	fail "lvsd.8 describes every option of lvsd -h" "missing: ${absent[*]:-(lvsd -h listed none)}"
fi
# The signals lvsd.c watches, each the term of an entry under SIGNALS.
sigs=$(sed -n '/static const int sigs\[\] = {/s/[^A-Z0-9]*\(SIG[A-Z0-9]*\)/\1 /gp' \
	"$top_srcdir/src/lvsd.c" | grep -oE 'SIG[A-Z0-9]+')
terms=$(awk '/^\.SH SIGNALS/ { on = 1; next } on && /^\.SH/ { exit }
	on && /^\.TP/ { tp = 1; next } on && tp { print } { tp = 0 }' "$MAN/lvsd.8")
absent=()
for sig in $sigs; do
	grep -qE "(^| |\")$sig( |\"|$)" <<<"$terms" || absent+=("$sig")
done
if [ "$(wc -w <<<"$sigs")" -ge 5 ] && [ ${#absent[@]} -eq 0 ]; then
	pass "lvsd.8 has an entry for each signal lvsd.c watches ($(echo $sigs))"
else
	fail "lvsd.8 has an entry for each signal lvsd.c watches" \
		"watched: '$(echo $sigs)'; missing: ${absent[*]}"
fi

# ---- lvsctl.8 against lvsd and lvsctl -h -----------------------------------

# The commands lvsd answers: its own list, from an unknown command's error.
write_config
if start_lvsd; then
	ctl no-such-command
	daemon_cmds=$(sed -n 's/.*; commands: //p' <<<"$CTL_ERR")
	ctl list --no-such-option
	list_opts=$(grep -oE -- '--[a-z-]+' <<<"${CTL_ERR#*usage:}" | sort -u)
	stop_lvsd
else
	fail "lvsd starts to be asked for its commands"
fi
help_cmds=$("$LVSCTL" -h | sed -n '/^commands:/,$p' | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p')
cmds=$(printf '%s\n' $daemon_cmds $help_cmds | sort -u)
if [ -n "$daemon_cmds" ] && [ -n "$help_cmds" ]; then
	pass "lvsd and lvsctl -h name $(wc -w <<<"$cmds") commands"
else
	fail "lvsd and lvsctl -h name their commands" "lvsd: '$daemon_cmds'; lvsctl -h: '$help_cmds'"
fi
absent=()
for c in $cmds; do
	grep -qE "^\.BI? $c( |$)" "$MAN/lvsctl.8" || absent+=("$c")
done
is "${absent[*]}" "" "lvsctl.8 has an entry for every command"
absent=()
for o in $list_opts $("$LVSCTL" -h | grep -oE -- '(^| |\[|\|)-(-[a-z][a-z-]*|[a-zA-Z]\b)' |
		tr -d ' [|' | sort -u); do
	grep -qF -- "$(sed 's/-/\\-/g' <<<"$o")" "$MAN/lvsctl.8" || absent+=("$o")
done
if [ -n "$list_opts" ] && [ ${#absent[@]} -eq 0 ]; then
	pass "lvsctl.8 describes every option of list and of lvsctl"
else
	fail "lvsctl.8 describes every option of list and of lvsctl" \
		"missing: ${absent[*]:-(lvsd listed no list option)}"
fi

done_testing

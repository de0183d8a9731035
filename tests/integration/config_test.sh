#!/usr/bin/env bash
#
# config_test.sh - `lvsd -t` as users and packagers run it: every example
# in etc/ and the good corpus is valid, every file of the bad corpus is
# refused with FILE:LINE:COL: lines, and the command line's edges (missing
# file, -V, unknown options) behave as DESIGN.md says.

. "$(dirname "$0")/lib.sh"

# config_ok FILE: -t exits 0, says so on stdout, prints nothing on stderr.
config_ok()
{
	local f=$1 name=${1#"$top_srcdir"/} out err rc

	name=${name#"$T"/}
	run_lvsd -t -f "$f"
	rc=$?
	out=$(cat "$T/t.out")
	err=$(cat "$T/t.err")
	if [ "$rc" -eq 0 ] && grep -qF -- "$f: configuration is valid" <<<"$out" &&
	   [ -z "$err" ]; then
		pass "lvsd -t accepts $name"
	else
		fail "lvsd -t accepts $name" "exit status $rc (expected 0)"
		diag_file "$T/t.out"
		diag_file "$T/t.err"
	fi
}

# expectations FILE: the errors a bad corpus file states it must produce
# (tests/unit/test_cfg_corpus.c's convention: "# expect: LINE:COL: msg"
# lines at its top, or a NAME.expect sidecar), as lvsd -t prints them.
expectations()
{
	local f=$1 side=${1%.yaml}.expect

	if [ -f "$side" ]; then
		grep -v '^$' "$side"
	else
		sed -n '/^[^#]/q; s/^# expect: //p' "$f"
	fi | sed "s|^0:0: |: |; s|^\([0-9]\)|:\1|; s|^|$f|"
}

# config_bad FILE: -t exits 1 and every line it prints is FILE:LINE:COL: msg
# with LINE and COL from 1; if FILE states its errors, exactly those.
config_bad()
{
	local f=$1 name=${1#"$top_srcdir"/} rc lines stray want

	name=${name#"$T"/}
	run_lvsd -t -f "$f"
	rc=$?
	lines=$(cat "$T/t.out" "$T/t.err")
	stray=$(grep -vE "^$(re_quote "$f"):[1-9][0-9]*:[1-9][0-9]*: [^ ]" <<<"$lines")
	want=$(expectations "$f")
	if [ "$rc" -eq 1 ] && [ -n "$lines" ] && [ -z "$stray" ] &&
	   { [ -z "$want" ] || [ "$want" = "$lines" ]; }; then
		pass "lvsd -t refuses $name with ${want:+its stated }FILE:LINE:COL errors"
	else
		fail "lvsd -t refuses $name with ${want:+its stated }FILE:LINE:COL errors" \
			"exit status $rc (expected 1)"
		[ -z "$stray" ] || diag "lines not of the form FILE:LINE:COL: message:" "$stray"
		if [ -n "$want" ] && [ "$want" != "$lines" ]; then
			diag "expected:" "$want"
		fi
		diag_file "$T/t.err"
	fi
}

re_quote() { sed 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"; }

# run_lvsd ARGS...: lvsd's stdout in t.out, stderr in t.err (and kept for
# the final sanitizer sweep); returns its exit status.
run_lvsd()
{
	local rc

	timeout 20 "$LVSD" "$@" >"$T/t.out" 2>"$T/t.err"
	rc=$?
	cat "$T/t.err" >>"$T/lvsd-t.err"
	return "$rc"
}

# ---- the shipped examples and the corpus -----------------------------------

shopt -s nullglob
examples=("$top_srcdir"/etc/*.yaml)
good=("$top_srcdir"/tests/cfg/good/*.yaml)
bad=("$top_srcdir"/tests/cfg/bad/*.yaml)
shopt -u nullglob

if [ ${#examples[@]} -gt 0 ]; then
	pass "etc/ holds ${#examples[@]} example configurations"
else
	fail "etc/ holds example configurations" "no etc/*.yaml in $top_srcdir"
fi
for f in "${examples[@]}"; do
	config_ok "$f"
done

if [ ${#good[@]} -eq 0 ]; then
	skip "lvsd -t accepts the good corpus" "tests/cfg/good/ has no .yaml yet"
fi
for f in "${good[@]}"; do
	config_ok "$f"
done

if [ ${#bad[@]} -eq 0 ]; then
	skip "lvsd -t refuses the bad corpus" "tests/cfg/bad/ has no .yaml yet"
fi
for f in "${bad[@]}"; do
	config_bad "$f"
done

# ---- errors at known places ------------------------------------------------

# The corpus may change; these positions are fixed here.
printf 'global:\n  router_id: x\n  bogus_key: 1\n' >"$T/unknown-key.yaml"
run_lvsd -t -f "$T/unknown-key.yaml"
is "$?" 1 "an unknown key: exit status 1"
like "$(cat "$T/t.err")" "^$(re_quote "$T/unknown-key.yaml"):3:3: .*bogus_key" \
	"an unknown key is reported at its line and column"

{
	config_global
	config_body 1 nope
} >"$T/bad-sched.yaml"
line=$(grep -n 'scheduler: nope' "$T/bad-sched.yaml" | cut -d: -f1)
run_lvsd -t -f "$T/bad-sched.yaml"
is "$?" 1 "an unknown scheduler: exit status 1"
like "$(cat "$T/t.err")" "^$(re_quote "$T/bad-sched.yaml"):$line:16: .*nope" \
	"an unknown scheduler is reported at its value"

printf 'global:\n  router_id: [\n' >"$T/syntax.yaml"
run_lvsd -t -f "$T/syntax.yaml"
is "$?" 1 "a YAML syntax error: exit status 1"
config_bad "$T/syntax.yaml"

# Two errors: both reported, in file order, not just the first.
printf 'global:\n  log_level: loud\n  bogus: 1\n' >"$T/two.yaml"
run_lvsd -t -f "$T/two.yaml"
is "$(cut -d: -f2,3 "$T/t.err" | tr '\n' ' ')" "2:14 3:3 " \
	"every error is reported, in file order"

# -t only reads: no pidfile, no socket, no log file.
write_config
run_lvsd -t -f "$CONFIG" -p "$PIDFILE" -S "$SOCK"
is "$?" 0 "lvsd -t on a valid file with -p and -S: exit status 0"
if [ ! -e "$PIDFILE" ] && [ ! -e "$SOCK" ] && [ ! -e "$LOG" ]; then
	pass "lvsd -t creates no pidfile, socket or log file"
else
	fail "lvsd -t creates no pidfile, socket or log file" "$(ls -l "$T")"
fi

# ---- the command line ------------------------------------------------------

run_lvsd -t -f "$T/does-not-exist.yaml"
is "$?" 1 "a missing configuration file: exit status 1"
like "$(cat "$T/t.err")" "$(re_quote "$T/does-not-exist.yaml").*(No such file|cannot open)" \
	"a missing configuration file: the message names the file and the reason"

run_lvsd -t -f "$T"
is "$?" 1 "a directory as configuration file: exit status 1"

# Starting (not -t) with a missing file fails the same way, before anything runs.
run_lvsd -n -f "$T/does-not-exist.yaml" -p "$PIDFILE" -S "$SOCK"
is "$?" 1 "starting with a missing configuration file: exit status 1"

version=$(lvsd_version)
run_lvsd -V
is "$?" 0 "lvsd -V: exit status 0"
is "$(cat "$T/t.out")" "lvsd ${version:-?}" "lvsd -V prints 'lvsd VERSION', the version it was built as"
run_lvsd --version
is "$(cat "$T/t.out")" "lvsd ${version:-?}" "lvsd --version prints the version"

run_lvsd --no-such-option
rc=$?
if [ "$rc" -ne 0 ] && grep -q '^usage: lvsd' "$T/t.err"; then
	pass "an unknown option: non-zero exit and usage on stderr"
else
	fail "an unknown option: non-zero exit and usage on stderr" "exit status $rc"
	diag_file "$T/t.err"
fi

run_lvsd -x
rc=$?
if [ "$rc" -ne 0 ] && grep -q '^usage: lvsd' "$T/t.err"; then
	pass "an unknown short option: non-zero exit and usage on stderr"
else
	fail "an unknown short option: non-zero exit and usage on stderr" "exit status $rc"
fi

run_lvsd -t -f "$CONFIG" extra-argument
rc=$?
if [ "$rc" -ne 0 ] && grep -q "extra-argument" "$T/t.err"; then
	pass "a stray argument: non-zero exit, named on stderr"
else
	fail "a stray argument: non-zero exit, named on stderr" "exit status $rc"
fi

run_lvsd -f
rc=$?
if [ "$rc" -ne 0 ] && grep -q '^usage: lvsd' "$T/t.err"; then
	pass "-f without its argument: non-zero exit and usage"
else
	fail "-f without its argument: non-zero exit and usage" "exit status $rc"
fi

run_lvsd --help
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^usage: lvsd' "$T/t.out" &&
   grep -q -- '--config-test' "$T/t.out"; then
	pass "--help: usage with the long options on stdout, exit 0"
else
	fail "--help: usage with the long options on stdout, exit 0" "exit status $rc"
fi

done_testing

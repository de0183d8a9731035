# shellcheck shell=bash
#
# lib.sh - what the benchmark scripts share, sourced by each: messages on
# stderr, the list of processes a script must stop on exit, and the
# statistics of the tables (median, extremes, ratios) over
# space-separated samples in which "-" or "" means "no value".
#
# The caller keeps its own PIDS array (its cleanup kills what is left
# there), defines die(), and may set MEDIAN_DECIMALS (default 1) for the
# mean of the two middle samples of an even count.

say() { printf '%s\n' "$*" >&2; }

# forget PID: a process the script has stopped itself leaves PIDS.
forget()
{
	local p keep=()

	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# listen_lines FORMAT: one line per port BASE..LAST (the caller's); %d is the port.
listen_lines() { awk -v lo="$BASE" -v hi="$LAST" -v f="$1" 'BEGIN { for (p = lo; p <= hi; p++) printf f "\n", p }'; }

# stop_pids PID...: TERM, up to 10 s, then KILL.
stop_pids()
{
	local p alive

	for p; do kill -TERM "$p" 2>/dev/null; done
	for _ in $(seq 100); do
		alive=0
		for p; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ "$alive" = 0 ] && return 0
		sleep 0.1
	done
	for p; do kill -KILL "$p" 2>/dev/null; done
}

# The samples of "$1", one a line, without the missing ones, in order.
_bench_samples() { tr ' ' '\n' <<<"$1" | grep -v '^-\?$' | sort -g; }

median()
{
	_bench_samples "$1" |
		awk -v d="${MEDIAN_DECIMALS:-1}" '{ v[NR] = $1 } END { if (!NR) { print "-"; exit }
			if (NR % 2) print v[(NR + 1) / 2]; else printf "%.*f\n", d, (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
maxof() { _bench_samples "$1" | tail -n1 | grep . || echo -; }
minof() { _bench_samples "$1" | head -n1 | grep . || echo -; }

# ratio A B: A / B to two decimals, "-" when either is missing or B is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'; }

# table_head LABEL PEER SHORT WIDTH: the head of table_row's table: the
# checkers, then CHECKER/SHORT for each of the others when PEER is one.
table_head()
{
	local label=$1 peer=$2 short=$3 width=$4 c

	printf '%-44s' "$label"
	printf " %${width}s" $CHECKERS
	if [[ " $CHECKERS " = *" $peer "* ]]; then
		for c in $CHECKERS; do
			[ "$c" = "$peer" ] || printf ' %9s' "$c/$short"
		done
	fi
	echo
}

# table_row PEER WIDTH LABEL ARRAY TYPE [max|min]: a line of a table of
# checkers, ARRAY[TYPE,checker] for each of $CHECKERS (the median of its
# samples, or the largest or smallest), then each other checker's value
# over PEER's when PEER is one of them.
table_row()
{
	local peer=$1 width=$2 label=$3 type=$5 how=${6:-}
	local -n samples=$4
	local c v vals=() ratios=() p=-

	for c in $CHECKERS; do
		case $how in
		max) v=$(maxof "${samples[$type,$c]:-}") ;;
		min) v=$(minof "${samples[$type,$c]:-}") ;;
		*) v=$(median "${samples[$type,$c]:-}") ;;
		esac
		vals+=("$v")
		[ "$c" = "$peer" ] && p=$v
	done
	printf '%-44s' "$label"
	printf " %${width}s" "${vals[@]}"
	if [[ " $CHECKERS " = *" $peer "* ]]; then
		set -- "${vals[@]}"
		for c in $CHECKERS; do
			[ "$c" = "$peer" ] || printf ' %9s' "$(ratio "$1" "$p")"
			shift
		done
	fi
	echo
}

# ---- what a run needs -------------------------------------------------------------

NGX_STREAM=/usr/lib/nginx/modules/ngx_stream_module.so

# need_tools COMMAND:PACKAGE...: each command and nginx's stream module are
# installed, or die naming the Debian packages that are missing.
need_tools()
{
	local missing=() t

	for t in "$@"; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t#*:}")
	done
	[ -f "$NGX_STREAM" ] || missing+=(libnginx-mod-stream)
	if [ ${#missing[@]} -gt 0 ]; then
		say "missing: ${missing[*]}"
		die "install them: apt-get install ${missing[*]}"
	fi
}

# need_perf: PROFILE=0, said once, where perf cannot count.
need_perf()
{
	if [ "$PROFILE" = 1 ] && ! perf stat -e task-clock true >/dev/null 2>&1; then
		say "perf does not work here (apt-get install linux-perf; perf_event_paranoid): no profile"
		PROFILE=0
	fi
}

# need_plain_build LVSD: a sanitizer build would measure the sanitizers.
need_plain_build()
{
	if ldd "$1" | grep -q 'libasan\|libubsan'; then
		die "$1 is a sanitizer build; configure another build dir without --enable-sanitizers"
	fi
}

# shellcheck shell=bash
#
# lib.sh - what the benchmark scripts share, sourced by each: messages on
# stderr, the list of processes a script must stop on exit, and the
# statistics of the tables (median, extremes, ratios) over
# space-separated samples in which "-" or "" means "no value".
#
# The caller keeps its own PIDS array (its cleanup kills what is left
# there) and may set MEDIAN_DECIMALS (default 1) for the mean of the two
# middle samples of an even count.

say() { printf '%s\n' "$*" >&2; }

# forget PID: a process the script has stopped itself leaves PIDS.
forget()
{
	local p keep=()

	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
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

#!/bin/sh
# run.sh SECONDS BINARY... - runs each libFuzzer target for SECONDS.
#
# For a target .../fuzz/fuzz_X built under OUT (build/fuzz for `make fuzz`):
#   - the corpus OUT/corpus/X is kept between runs and seeded each time from
#     tests/fuzz/seeds/X/ and the fixtures that fit X;
#   - every file of tests/fuzz/regressions/X/ is run first and must pass;
#   - crashes land in OUT/crashes/X-*, libFuzzer's output in OUT/logs/X.log.
# SECONDS 0 runs the regressions and the corpus once, without fuzzing.
# Ends with one line, "fuzz: N passed, N failed", and fails if any failed.

if [ $# -lt 1 ]; then
	echo "usage: $0 SECONDS BINARY..." >&2
	exit 2
fi
seconds=$1
shift
case $seconds in
'' | *[!0-9]*)
	echo "run.sh: SECONDS must be a whole number, not '$seconds'" >&2
	exit 2
	;;
esac

root=$(cd "$(dirname "$0")/../.." && pwd)

# The fixture files that make good seeds for target $1, one a line.
fixtures() {
	target=$1
	case $target in
	decode_*) set -- "$root"/tests/fixtures/api/*.json "$root"/tests/fixtures/clusters/*.json \
		"$root"/tests/fixtures/upgrades/*.json "$root"/tests/fixtures/scenarios/*.json ;;
	settings) set -- "$root"/config/doks_exporter.conf ;;
	webconfig) set -- "$root"/tests/fixtures/web/*.yml ;;
	*) set -- ;;
	esac
	for f in "$@" "$root"/tests/fuzz/seeds/"$target"/*; do
		[ -f "$f" ] && printf '%s\n' "$f"
	done
}

# The value of "stat::$1: N" in libFuzzer's final stats.
final_stat() {
	sed -n "s/^stat::$1: *//p" "$log" | tail -n 1
}

passed=0
failed=0
fail() {
	failed=$((failed + 1))
	echo "fuzz_$name: FAILED ($1); log: $log" >&2
	if [ -s "$log" ]; then
		grep -E 'ERROR|SUMMARY|check failed|runtime error' "$log" | head -n 6
		grep -E '^ +#[0-9]+ ' "$log" | head -n 4
	fi | sed 's/^/  | /' >&2
	[ -f "$marker" ] && find "$crashes" -name "$name-*" -newer "$marker" | sed 's/^/  artifact: /' >&2
}

for bin in "$@"; do
	name=${bin##*/}
	name=${name#fuzz_}
	out=$(dirname "$(dirname "$bin")")
	corpus=$out/corpus/$name
	crashes=$out/crashes
	log=$out/logs/$name.log
	marker=$out/logs/.$name.start
	if [ ! -x "$bin" ]; then
		log=/dev/null
		fail "no such binary: $bin"
		continue
	fi
	mkdir -p "$corpus" "$crashes" "$out/logs"
	: >"$log"
	: >"$marker"

	fixtures "$name" | while IFS= read -r f; do
		dir=${f%/*}
		cp "$f" "$corpus/seed-${dir##*/}-${f##*/}"
	done

	# Every regression first: each is a crash that was fixed.
	regressions=0
	broken=
	for f in "$root"/tests/fuzz/regressions/"$name"/*; do
		[ -f "$f" ] || continue
		regressions=$((regressions + 1))
		"$bin" -timeout=10 -rss_limit_mb=2048 "$f" >>"$log" 2>&1 || broken="$broken ${f#"$root"/}"
	done
	if [ -n "$broken" ]; then
		fail "regression fails:$broken"
		rm -f "$marker"
		continue
	fi

	if [ "$seconds" = 0 ]; then
		limit=-runs=0 # -max_total_time=0 would mean no limit at all
	else
		limit=-max_total_time=$seconds
	fi
	if "$bin" "$limit" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$crashes/$name-" "$corpus" >>"$log" 2>&1; then
		passed=$((passed + 1))
		runs=$(final_stat number_of_executed_units)
		speed=$(final_stat average_exec_per_sec)
		cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
		echo "fuzz_$name: passed: ${runs:-0} runs, ${speed:-0} exec/s, cov ${cov:-?}, $regressions regressions"
	else
		fail "crashed"
	fi
	rm -f "$marker"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

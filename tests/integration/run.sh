#!/usr/bin/env bash
# Integration tests: the real exporter binary against the fake DigitalOcean
# API (tests/fakeapi), both on 127.0.0.1 with ports chosen at run time.
# The tests are the t_* functions of tests/integration/test_*.sh.
# Each test runs in its own folder; after each one, the fake's request log
# must hold nothing but GET (the exporter only reads).
# Usage: tests/integration/run.sh [TEST_NAME...]; UPDATE_GOLDEN=1 rewrites
# the golden files.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
for f in tests/integration/test_*.sh; do
	. "$f"
done

# ---------------------------------------------------------------- runner

# Tests run JOBS at a time (default 2, the machine's cores): each has its
# own folder, ports and processes, so they do not meet. The few that time
# something do so with wide margins.
JOBS=${JOBS:-2}
all_tests=$(declare -F | awk '{print $3}' | grep '^t_')
selected=${*:-$all_tests}
# SKIP_TESTS: names left out (the sanitizer pass skips the slowest ones,
# which the plain pass has run)
for skip in ${SKIP_TESTS:-}; do
	selected=$(printf '%s\n' $selected | grep -vx "$skip")
done
ROOT_T=$(mktemp -d)

run_one() {
	local t=$1
	T="$ROOT_T/$t"
	mkdir -p "$T"
	(
		EXP_PID=
		FAKE_PID=
		trap stop_all EXIT
		"$t"
		rc=$?
		stop_all
		# the exporter only reads: nothing but GET ever reached the API
		if [ -s "$T/requests.log" ] && awk -F'\t' '$1 != "GET" { bad=1 } END { exit !bad }' "$T/requests.log"; then
			echo "    non-GET request sent" >&2
			rc=1
		fi
		exit $rc
	) 2>"$T/test.stderr"
	echo $? >"$T/status"
}

running=0
for t in $selected; do
	if [ "$running" -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "$t" &
	running=$((running + 1))
done
wait

passed=0
failed=0
for t in $selected; do
	T="$ROOT_T/$t"
	if [ "$(cat "$T/status" 2>/dev/null)" = 0 ]; then
		echo "ok - $t"
		passed=$((passed + 1))
	else
		echo "not ok - $t"
		sed 's/^/    /' "$T/test.stderr" | grep -v '^ *$' | head -20
		[ -f "$T/exporter.log" ] && tail -5 "$T/exporter.log" | sed 's/^/    exporter: /'
		failed=$((failed + 1))
	fi
done
[ $failed = 0 ] && rm -rf "$ROOT_T" || echo "logs kept in $ROOT_T"
echo "integration: $passed passed, $failed failed"
[ $failed = 0 ]

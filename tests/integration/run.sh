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

all_tests=$(declare -F | awk '{print $3}' | grep '^t_')
selected=${*:-$all_tests}
passed=0
failed=0
failed_names=
ROOT_T=$(mktemp -d)
for t in $selected; do
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
	if [ $? = 0 ]; then
		echo "ok - $t"
		passed=$((passed + 1))
	else
		echo "not ok - $t"
		sed 's/^/    /' "$T/test.stderr" | grep -v '^ *$' | head -20
		[ -f "$T/exporter.log" ] && tail -5 "$T/exporter.log" | sed 's/^/    exporter: /'
		failed=$((failed + 1))
		failed_names="$failed_names $t"
	fi
done
[ $failed = 0 ] && rm -rf "$ROOT_T" || echo "logs kept in $ROOT_T"
echo "integration: $passed passed, $failed failed"
[ $failed = 0 ]

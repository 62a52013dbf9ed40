#!/bin/sh
# Runs each unit test binary given as an argument (under valgrind when
# VALGRIND=1) and ends with one summary line: "N passed, N failed".
passed=0
failed=0
for t in "$@"; do
	if [ "${VALGRIND:-0}" = 1 ]; then
		set -- valgrind --quiet --error-exitcode=99 --leak-check=full \
			--show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible "$t"
	else
		set -- "$t"
	fi
	if "$@"; then
		passed=$((passed + 1))
	else
		echo "FAILED: $t" >&2
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# make test: unit tests, golden files, bounded fuzzing, integration tests
# with real BPF and real runc containers. Prints one PASS/FAIL line per
# test and a closing "N passed, N failed" line; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export CADET=${CADET:-build/cadet} BUILD=${BUILD:-build}
export FUZZ_SECONDS=${FUZZ_SECONDS:-30}

passed=0
failed=0
failures=()
logdir=$(mktemp -d /tmp/cadet-test.XXXXXX)

run() {
	local name=$1
	shift
	local log="$logdir/${name//\//_}.log"
	local t0=$SECONDS
	if "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "PASS $name ($((SECONDS - t0)) s)"
	else
		failed=$((failed + 1))
		failures+=("$name")
		echo "FAIL $name ($((SECONDS - t0)) s), last lines of $log:"
		tail -n 30 "$log" | sed 's/^/    /'
	fi
}

want() { [ -z "${ONLY:-}" ] || [ "$ONLY" = "$1" ]; }

want unit && for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] && run "unit/$(basename "$t")" "$t"
done
want golden && for t in tests/golden/*.sh; do
	[ -f "$t" ] && run "golden/$(basename "$t" .sh)" bash "$t"
done
want fuzz && for f in build-fuzz/fuzz_*; do
	[ -x "$f" ] && run "fuzz/$(basename "$f")" tests/run-fuzz.sh "$f"
done
if ! want integration; then
	:
elif [ "$(id -u)" = 0 ]; then
	for t in tests/integration/test_*.sh; do
		[ -f "$t" ] && run "integration/$(basename "$t" .sh)" bash "$t"
	done
else
	echo "SKIP integration tests: they need root (real BPF and runc)"
fi

echo
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]} (logs in $logdir)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

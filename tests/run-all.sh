#!/usr/bin/env bash
# make test: unit tests, golden files, bounded fuzzing, STIDE on ADFA-LD,
# integration tests with real BPF and real runc containers. Prints one
# PASS/FAIL/SKIP line per test and closes with "N passed, N failed,
# N skipped"; exits non-zero when a test failed.
#
# The contract with a test (a cmocka binary or a script):
#   exit 0           passed
#   exit 77          skipped as a whole; its last "SKIP: reason" line says why
#   other exit       failed
#   "SKIP: reason"   printed by a passing test: one of its checks could not
#                    run here (no root, no schema, ...); counted as skipped
# Every skip is listed with its reason before the closing line.
set -uo pipefail
cd "$(dirname "$0")/.."
export CADET=${CADET:-build/cadet} BUILD=${BUILD:-build}
export FUZZ_SECONDS=${FUZZ_SECONDS:-30}

passed=0
failed=0
skipped=0
failures=()
skips=()
logdir=$(mktemp -d /tmp/cadet-test.XXXXXX)

# Records the SKIP lines of @log under test @name; prints their count.
note_skips() {
	local name=$1 log=$2 n=0 line
	while IFS= read -r line; do
		skips+=("$name: ${line#SKIP: }")
		n=$((n + 1))
	done < <(grep -a '^SKIP: ' "$log")
	echo "$n"
}

run() {
	local name=$1
	shift
	local log="$logdir/${name//\//_}.log"
	local t0=$SECONDS rc n
	"$@" >"$log" 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
		n=$(note_skips "$name" "$log")
		skipped=$((skipped + n))
		if [ "$n" = 0 ]; then
			echo "PASS $name ($((SECONDS - t0)) s)"
		else
			echo "PASS $name ($((SECONDS - t0)) s; $n check(s) skipped: $(grep -a '^SKIP: ' "$log" | sed 's/^SKIP: //' | paste -sd ';')"
		fi
	elif [ "$rc" = 77 ]; then
		skipped=$((skipped + 1))
		local why
		why=$(grep -a '^SKIP: ' "$log" | tail -n 1 | sed 's/^SKIP: //')
		why=${why:-no reason given}
		skips+=("$name: $why")
		echo "SKIP $name: $why"
	else
		failed=$((failed + 1))
		failures+=("$name")
		echo "FAIL $name ($((SECONDS - t0)) s, exit $rc), last lines of $log:"
		tail -n 30 "$log" | sed 's/^/    /'
	fi
}

# A test that cannot run here at all, counted as skipped.
skip() {
	skipped=$((skipped + 1))
	skips+=("$1: $2")
	echo "SKIP $1: $2"
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
want adfa && run "adfa/stide" bash tests/adfa/stide.sh
if want integration; then
	for t in tests/integration/test_*.sh; do
		[ -f "$t" ] || continue
		name="integration/$(basename "$t" .sh)"
		if [ "$(id -u)" = 0 ]; then
			run "$name" bash "$t"
		else
			skip "$name" "not root (real BPF and runc containers need root)"
		fi
	done
fi

echo
if [ ${#skips[@]} -gt 0 ]; then
	echo "skipped:"
	printf '  %s\n' "${skips[@]}"
fi
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]} (logs in $logdir)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# tests/integration/scenario_signals.py on the committed set
# (datasets/ref): every anomaly's signal is visible inside its label
# window, on its target, and not outside it, for every profile and
# intensity the set holds; and the same checks on false labels (the
# anomaly on each other container, its window moved off the anomaly) all
# fail, so that a pass means something. Reads the traces only.
set -euo pipefail
cd "$(dirname "$0")/../.."
CADET=${CADET:-build/cadet}
[ -x "$CADET" ] || { echo "SKIP: no $CADET (make first)"; exit 77; }
[ -d datasets/ref/test ] || { echo "SKIP: no datasets/ref/test"; exit 77; }
tmp=$(mktemp -d /tmp/cadet-signals.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

rc=0
python3 tests/integration/scenario_signals.py datasets/ref --control \
	--cadet "$CADET" >"$tmp/table.md" || rc=$?
if [ "$rc" != 0 ]; then
	grep -E '\| (FAIL|ERROR|PASSES[^|]*) \|' "$tmp/table.md" || true
	tail -n 1 "$tmp/table.md"
	echo "FAIL: scenario_signals.py datasets/ref exited $rc"
	exit 1
fi
rows=$(grep -c '^| [a-z_]* | ' "$tmp/table.md" || true)
[ "$rows" -gt 0 ] || { cat "$tmp/table.md"; echo "FAIL: no table rows"; exit 1; }
tail -n 1 "$tmp/table.md"

# One trace on its own: one PASS line per label, and --expect holds.
trace=$(ls datasets/ref/test/*.cadet | head -n 1)
line=$(python3 tests/integration/scenario_signals.py --cadet "$CADET" "$trace")
case "$line" in PASS\ *) ;; *) echo "FAIL: $trace: $line"; exit 1 ;; esac
if python3 tests/integration/scenario_signals.py --cadet "$CADET" \
	--expect no_such_anomaly "$trace" >/dev/null; then
	echo "FAIL: --expect no_such_anomaly passed on $trace"
	exit 1
fi
echo "ok"

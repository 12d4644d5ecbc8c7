#!/usr/bin/env bash
# The regression check on the committed reference dataset: the built-in
# detectors reproduce eval/baselines/ref.json (replay is deterministic),
# and a deliberately weakened configuration makes the check exit 1,
# naming what dropped.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CADET=${CADET:-build/cadet}
tmp=$(mktemp -d /tmp/cadet-regress.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

OUT=$tmp/ok tools/regress.sh >"$tmp/ok.log" 2>&1 || { cat "$tmp/ok.log"; echo "FAIL: make regress fails on the baseline's own configuration"; exit 1; }
echo "baseline configuration: no regression"

set +e
DETECTORS="rules:file=tests/fixtures/rules/weak.rules zscore trend iforest stide sysfreq ensemble null random always" \
	OUT=$tmp/weak tools/regress.sh >"$tmp/weak.log" 2>&1
rc=$?
set -e
grep -m 5 '^regression' "$tmp/weak.log" || true
[ "$rc" = 1 ] || { cat "$tmp/weak.log"; echo "FAIL: weakened rules exited $rc, want 1"; exit 1; }
grep -q '^regression: detector=rules ' "$tmp/weak.log" || { echo "FAIL: the regression does not name the rules detector"; exit 1; }
echo "weakened rules: exit 1 with the drop named"

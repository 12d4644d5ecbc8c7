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

# The held-out split: the same training and thresholds, tested on
# heldout/, reported apart and never compared with or written to the
# baseline (docs/detectors.md, "Held-out protocol").
mkdir -p "$tmp/ref/heldout"
ln -s "$PWD/datasets/ref/train" "$PWD/datasets/ref/val" "$PWD/datasets/ref/MANIFEST.json" "$tmp/ref/"
cp "$(ls datasets/ref/test/cpu_hog-*s1*.cadet | head -1)" \
	"$(ls datasets/ref/test/reverse_shell-*s1*.cadet | head -1)" "$tmp/ref/heldout/"
sum=$(sha256sum eval/baselines/ref.json)
SPLIT=heldout REF=$tmp/ref OUT=$tmp/held DETECTORS="rules zscore null" tools/regress.sh >"$tmp/held.log" 2>&1 ||
	{ cat "$tmp/held.log"; echo "FAIL: SPLIT=heldout failed"; exit 1; }
grep -q '^held-out report: ' "$tmp/held.log" || { cat "$tmp/held.log"; echo "FAIL: no held-out report line"; exit 1; }
python3 - "$tmp/held/eval.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
scen = {s["scenario"] for d in e["detectors"] for s in d["per_scenario"]}
assert scen == {"cpu_hog", "reverse_shell"}, scen
PY
set +e
SPLIT=heldout REF=$tmp/ref OUT=$tmp/held2 tools/regress.sh --update >"$tmp/upd.log" 2>&1
rc=$?
set -e
[ "$rc" = 2 ] || { cat "$tmp/upd.log"; echo "FAIL: SPLIT=heldout --update exited $rc, want 2"; exit 1; }
[ "$(sha256sum eval/baselines/ref.json)" = "$sum" ] || { echo "FAIL: the held-out run changed the baseline"; exit 1; }
rm -r "$tmp/ref/heldout"
set +e
SPLIT=heldout REF=$tmp/ref OUT=$tmp/held3 tools/regress.sh >"$tmp/none.log" 2>&1
rc=$?
set -e
[ "$rc" = 2 ] && grep -q 'no held-out traces' "$tmp/none.log" || { cat "$tmp/none.log"; echo "FAIL: no heldout/: exit $rc"; exit 1; }
echo "held-out split: reported apart (per scenario), --update refused, baseline untouched"

#!/usr/bin/env bash
# The built-in iforest against scikit-learn's IsolationForest on the same
# features (examples/detectors/sk_iforest.py through the exec adapter):
# both replay the reference dataset (its seed-1 test runs) and must score
# the same windows and rank them alike, AUC-ROC within 0.02
# (docs/detectors.md, "iforest").
# Skipped (counted) without python3-sklearn or the reference dataset.
set -euo pipefail
cd "$(dirname "$0")/../.."
CADET=${CADET:-build/cadet}
ref=datasets/ref
[ -f "$ref/MANIFEST.json" ] || { echo "SKIP: no reference dataset in $ref"; exit 77; }
/usr/bin/python3 -c 'import sklearn, numpy' 2>/dev/null ||
	{ echo "SKIP: no scikit-learn for /usr/bin/python3 (apt-get install python3-sklearn)"; exit 77; }
tmp=$(mktemp -d /tmp/cadet-iforest-sk.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# 400 trees, not the default 100: with 100 the AUC-ROC of either forest
# moves by up to 0.026 with its seed alone on this set (0.855-0.881 for
# the built-in one over five seeds), as much as the tolerance; with 400
# both settle (0.862 and 0.867 on the whole test split). The seed-1
# test runs (40, and the fleet) keep the exec'd forest's run short.
"$CADET" replay -q --train "$ref"/train/*.cadet --validate "$ref"/val/*.cadet \
	-d iforest:trees=400 \
	-d "exec:/usr/bin/python3 examples/detectors/sk_iforest.py --trees 400" \
	"$ref"/test/*-s1.cadet -o "$tmp/results.jsonl"
"$CADET" eval "$tmp/results.jsonl" -o "$tmp/eval.json" >/dev/null

python3 - "$tmp/eval.json" <<'PY'
import json, sys
d = {x["detector"]: x["overall"] for x in json.load(open(sys.argv[1]))["detectors"]}
c, sk = d["iforest"], d["exec"]
print("iforest AUC-ROC %.4f over %d windows, scikit-learn %.4f over %d" %
      (c["auc_roc"], c["score_windows"], sk["auc_roc"], sk["score_windows"]))
if c["score_windows"] != sk["score_windows"]:
    sys.exit("FAIL: the two score different windows: not the same features")
if abs(c["auc_roc"] - sk["auc_roc"]) > 0.02:
    sys.exit("FAIL: AUC-ROC differs by more than 0.02")
PY

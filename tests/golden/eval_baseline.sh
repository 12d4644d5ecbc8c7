#!/usr/bin/env bash
# `cadet eval --baseline` refuses a baseline it cannot trust instead of
# reporting "no regression": non-numeric or out-of-range metric values
# (naming file, detector, scenario, metric and value), a missing file
# and a directory, each with exit status 2.
set -euo pipefail
cd "$(dirname "$0")/../.."
CADET=${CADET:-build/cadet}
ref=datasets/ref
[ -f "$ref/MANIFEST.json" ] || { echo "SKIP: no reference dataset in $ref"; exit 77; }
tmp=$(mktemp -d /tmp/cadet-eval-baseline.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$CADET" replay "$ref"/test/*.cadet --detector rules -o "$tmp/results.jsonl" 2>/dev/null
"$CADET" eval "$tmp/results.jsonl" -o "$tmp/base.json" >/dev/null
"$CADET" eval "$tmp/results.jsonl" --baseline "$tmp/base.json" | grep -q '^no regression' ||
	{ echo "FAIL: a baseline made from the same results regresses"; exit 1; }

python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
for name, val in (("str", "high"), ("neg", -5)):
    j = json.load(open(d + "/base.json"))
    j["detectors"][0]["per_scenario"][0]["f1"] = val
    json.dump(j, open("%s/%s.json" % (d, name), "w"))
j = json.load(open(d + "/base.json"))
print(j["detectors"][0]["detector"], j["detectors"][0]["per_scenario"][0]["scenario"],
      file=open(d + "/names", "w"))
PY
read -r det scen <"$tmp/names"
mkdir "$tmp/dir.json"

# expect FILE WANT: exit 2 and WANT on stderr
expect() {
	local rc=0
	"$CADET" eval "$tmp/results.jsonl" --baseline "$1" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" != 2 ] || ! grep -qF -- "$2" "$tmp/err"; then
		cat "$tmp/out" "$tmp/err"
		echo "FAIL: --baseline $1: exit $rc, want 2 and: $2"
		exit 1
	fi
	cat "$tmp/err"
}
expect "$tmp/str.json" "$tmp/str.json: detector=$det scenario=$scen metric=f1: baseline value \"high\" is not a number"
expect "$tmp/neg.json" "$tmp/neg.json: detector=$det scenario=$scen metric=f1: baseline value -5 is outside [0, 1]"
expect "$tmp/none.json" "$tmp/none.json: cannot open the baseline: No such file or directory"
expect "$tmp/dir.json" "$tmp/dir.json: is a directory; --baseline takes an eval.json file"
echo "bad baselines: refused with exit 2, each named"

#!/usr/bin/env bash
# `cadet report` on a real recording: a 15 s memleak run in runc
# containers, replayed and evaluated, then reported. The outputs are
# checked as in tests/golden/report.sh (real PNGs, Grafana schema, CSV rows
# = METRICS records, promtool keeping every sample), plus wall-clock times
# from the header's boot-to-epoch offset: the dashboard's range must cover
# the run as the clock saw it.
set -euo pipefail
cd "$(dirname "$0")/../.."
CADET=$(readlink -f "${CADET:-build/cadet}")
SCHEMAS=${SCHEMAS:-../shared/grafana}
tmp=$(mktemp -d /tmp/cadet-report-it.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

before=$(date +%s)
"$CADET" run scenarios/memleak.ini --duration 15 -o "$tmp/runs"
after=$(date +%s)
trace=$(ls "$tmp"/runs/memleak-*.cadet)
"$CADET" replay "$trace" -q -d trend -d zscore -d rules -d null -d random \
	-o "$tmp/results.jsonl" || [ $? = 1 ]
"$CADET" eval "$tmp/results.jsonl" -o "$tmp/eval.json" >/dev/null
"$CADET" report "$trace" --results "$tmp/results.jsonl" --eval "$tmp/eval.json" \
	-o "$tmp/rep"
# one trace, one scenario: timeline and detector bars
python3 tests/golden/report_check.py "$tmp/rep" "$SCHEMAS" "$CADET" "$trace" --pngs 2
python3 - "$tmp/rep" "$before" "$after" <<'PY'
import json, sys
from datetime import datetime
out, before, after = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
d = json.load(open(out + "/dashboard.json"))
ts = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
t0, t1 = ts(d["time"]["from"]), ts(d["time"]["to"])
if not (before - 2 <= t0 <= t1 <= after + 2):
    sys.exit("FAIL: dashboard range %s .. %s outside the run %d .. %d"
             % (d["time"]["from"], d["time"]["to"], before, after))
md = open(out + "/report.md").read()
if "**mem_leak** injected into container" not in md:
    sys.exit("FAIL: report.md does not state the mem_leak window")
print("real run: dashboard range %s .. %s inside the run" % (d["time"]["from"], d["time"]["to"]))
PY
echo "report of a real run: all checks passed"

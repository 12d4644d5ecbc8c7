#!/usr/bin/env bash
# `cadet report` end to end on seeded synthetic traces (no root needed):
# replay and eval them, write the report, then check its outputs with
# tests/golden/report_check.py (real PNGs, dashboard structure and Grafana's
# schema when available, panel CSV,
# promtool accepting metrics.om with every sample kept). Also the report
# without results/eval, and the errors for bad input.
set -euo pipefail
cd "$(dirname "$0")/../.."
CADET=$(readlink -f "${CADET:-build/cadet}")
SCHEMAS=${SCHEMAS:-../shared/grafana}
tmp=$(mktemp -d /tmp/cadet-report-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Without Grafana's schemas (../shared is CI's) or promtool, report_check.py
# checks the rest and prints a SKIP line for that step.
command -v gnuplot >/dev/null || fail "gnuplot missing: make deps (gnuplot-nox)"

"$CADET" replay --make-synthetic "$tmp/syn-leak.cadet" --synth-anomaly mem_leak \
	--synth-records 4000 --synth-seconds 40 --synth-containers 3 --seed 3
"$CADET" replay --make-synthetic "$tmp/syn-cpu.cadet" --synth-anomaly cpu_hog \
	--synth-records 3000 --synth-seconds 30 --synth-containers 2 --seed 4
(cd "$tmp" && "$CADET" replay syn-leak.cadet syn-cpu.cadet -q \
	-d trend -d zscore -d null -d random -o results.jsonl)
(cd "$tmp" && "$CADET" eval results.jsonl -o eval.json >/dev/null)

# full report: 2 timelines, detector bars, heat map (two traces)
(cd "$tmp" && "$CADET" report syn-leak.cadet syn-cpu.cadet \
	--results results.jsonl --eval eval.json -o out/full)
python3 tests/golden/report_check.py "$tmp/out/full" "$SCHEMAS" "$CADET" \
	"$tmp/syn-leak.cadet" "$tmp/syn-cpu.cadet" --pngs 4
grep -q '^## Detector results' "$tmp/out/full/report.md" ||
	fail "report.md has no detector results table"
grep -q 'mem_leak\*\* injected into container \*\*ctr0\*\* from +24.000 s to +36.000 s' \
	"$tmp/out/full/report.md" || fail "report.md does not state the mem_leak window"

# the recording only: one timeline, no alerts strip or metric plots
"$CADET" report "$tmp/syn-leak.cadet" -o "$tmp/out/rec"
python3 tests/golden/report_check.py "$tmp/out/rec" "$SCHEMAS" "$CADET" \
	"$tmp/syn-leak.cadet" --pngs 1
grep -q 'shows the recording only' "$tmp/out/rec/report.md" ||
	fail "report.md without results does not say so"
if grep -q 'Detector alerts' "$tmp/out/rec/dashboard.json"; then
	fail "dashboard without results has an alerts annotation"
fi

# --no-plots: everything but PNGs
"$CADET" report "$tmp/syn-cpu.cadet" --no-plots -o "$tmp/out/np"
[ -s "$tmp/out/np/report.md" ] && [ -s "$tmp/out/np/metrics.om" ] ||
	fail "--no-plots did not write report.md and metrics.om"
! ls "$tmp"/out/np/*.png >/dev/null 2>&1 || fail "--no-plots wrote PNGs"

# bad input: exit 2 and a message naming the problem
set +e
msg=$("$CADET" report "$tmp/nonexistent.cadet" -o "$tmp/out/bad" 2>&1)
rc=$?
set -e
[ "$rc" = 2 ] || fail "missing trace: exit $rc, want 2"
grep -q nonexistent.cadet <<<"$msg" || fail "missing trace not named: $msg"
printf '{"type":"alert"}\n' >"$tmp/bad.jsonl"
set +e
msg=$("$CADET" report "$tmp/syn-cpu.cadet" --results "$tmp/bad.jsonl" -o "$tmp/out/bad" 2>&1)
rc=$?
set -e
[ "$rc" = 2 ] || fail "bad results: exit $rc, want 2"
grep -q 'bad.jsonl:1' <<<"$msg" || fail "bad results line not named: $msg"
echo "report: all checks passed"

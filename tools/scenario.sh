#!/usr/bin/env bash
# make scenario-NAME: the whole chain for one scenario.
#   record normal runs of its setup once (training and validation, reused
#   later), run the scenario with its anomaly, replay every trace through
#   the built-in detectors, evaluate against the labels, write the report.
# Usage: tools/scenario.sh NAME   (scenarios/NAME.ini)
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: tools/scenario.sh NAME}
ini=scenarios/$name.ini
cadet=${CADET:-build/cadet}
runs=${RUNS:-datasets/runs}
normal_duration=${NORMAL_DURATION:-30}
detectors=(rules zscore trend iforest sysfreq ensemble null random always)

[ -f "$ini" ] || { echo "no scenario $ini; 'build/cadet run --list' shows the catalogue" >&2; exit 2; }
mkdir -p "$runs"

# The trace paths are the lines of cadet run's stdout that end in .cadet.
run() { "$cadet" run "$@" -o "$runs" | tee /dev/stderr | grep '\.cadet$' || true; }

mapfile -t normals < <(ls -t "$runs/$name"-normal-*.cadet 2>/dev/null | head -n 2)
if [ ${#normals[@]} -lt 2 ]; then
	echo "== recording 2 normal runs of $name (${normal_duration} s each) for training and validation"
	mapfile -t normals < <(run "$ini" --normal --repeat 2 --seed 101 --duration "$normal_duration")
	[ ${#normals[@]} -eq 2 ] || { echo "normal runs failed" >&2; exit 1; }
else
	echo "== reusing normal runs ${normals[*]}"
fi

echo "== running scenario $name"
trace=$(run "$ini" | tail -n 1)
[ -n "$trace" ] && [ -f "$trace" ] || { echo "scenario run failed" >&2; exit 1; }

out=reports/out/$(basename "$trace" .cadet)
mkdir -p "$out"
args=()
for d in "${detectors[@]}"; do args+=(--detector "$d"); done
echo "== replaying through ${detectors[*]}"
"$cadet" replay --train "${normals[1]}" --validate "${normals[0]}" \
	"${args[@]}" "$trace" -o "$out/results.jsonl"
echo "== evaluating"
"$cadet" eval "$out/results.jsonl" -o "$out/eval.json" --md "$out/eval.md"
cat "$out/eval.md"
echo "== writing the report"
"$cadet" report "$trace" --results "$out/results.jsonl" --eval "$out/eval.json" -o "$out"
echo
echo "trace:  $trace"
echo "report: $out/report.md (dashboard.json for Grafana, metrics.om for Prometheus)"

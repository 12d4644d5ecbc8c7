#!/usr/bin/env bash
# make regress: replay the reference dataset (datasets/ref) through every
# built-in detector (train on train/, thresholds from val/, test on test/)
# and compare the evaluation with eval/baselines/ref.json; exits 1 naming
# each metric that dropped by more than the tolerance.
#   tools/regress.sh            check
#   tools/regress.sh --update   rewrite the baseline and the README table
#   SPLIT=heldout tools/regress.sh
#                               the same training and thresholds, tested on
#                               heldout/ instead of test/: a report in
#                               $OUT (default build/regress-heldout), never
#                               compared with nor written to a baseline
#                               (docs/detectors.md, "Held-out protocol")
# Env: DETECTORS (replay --detector specs, space-separated), OUT, TOLERANCE,
# SPLIT (test or heldout).
# SLURM=1: replay as a Slurm job array of SLURM_SHARDS (default 3) test
# shards, at most SLURM_PARALLEL at a time, and evaluate them in a job that
# depends on the array (tools/slurm/submit-eval.sh); waits for the jobs.
# The eval is byte-identical to the one-machine one (docs/scale.md).
set -euo pipefail
cd "$(dirname "$0")/.."
cadet=${CADET:-build/cadet}
ref=${REF:-datasets/ref}
split=${SPLIT:-test}
baseline=eval/baselines/ref.json
read -r -a detectors <<<"${DETECTORS:-rules zscore trend iforest stide sysfreq ensemble null random always}"

[ -f "$ref/MANIFEST.json" ] || { echo "no reference dataset in $ref (datasets/record.py --size ref records one)" >&2; exit 2; }
case $split in
test) out=${OUT:-build/regress} ;;
heldout)
	out=${OUT:-build/regress-heldout}
	# Held-out results are looked at once, never tuned on: no baseline.
	[ "${1:-}" != --update ] || { echo "regress: SPLIT=heldout is a report only; no baseline is kept for it (docs/detectors.md, \"Held-out protocol\")" >&2; exit 2; }
	compgen -G "$ref/heldout/*.cadet" >/dev/null ||
		{ echo "no held-out traces in $ref/heldout (datasets/record.py --size ref --only heldout $ref records them)" >&2; exit 2; }
	;;
*) echo "regress: SPLIT must be test or heldout, not '$split'" >&2; exit 2 ;;
esac
mkdir -p "$out"
args=()
for d in "${detectors[@]}"; do args+=(--detector "$d"); done
replay_args=(--train "$ref"/train/*.cadet --validate "$ref"/val/*.cadet
	"${args[@]}" "$ref/$split"/*.cadet)

# The README's results table is the generated one, between markers.
update_readme() {
	python3 - "$1" README.md <<'PY'
import re, sys
md, readme = sys.argv[1], sys.argv[2]
table = open(md).read().split("\n## ")[0].strip()
# The README has its own heading for it.
table = table.removeprefix("# Evaluation").strip()
text = open(readme).read()
begin, end = "<!-- eval-table:begin -->", "<!-- eval-table:end -->"
new = f"{begin}\n{table}\n{end}"
text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda m: new, text, flags=re.S)
open(readme, "w").write(text)
PY
	echo "baseline $baseline and the README table updated"
}

if [ "${SLURM:-0}" = 1 ]; then
	eval_args=()
	[ "${1:-}" = --update ] || [ "$split" = heldout ] ||
		eval_args=(--eval-arg --baseline --eval-arg "$baseline"
			--eval-arg --tolerance --eval-arg "${TOLERANCE:-0.02}")
	CADET=$cadet tools/slurm/submit-eval.sh --wait --shards "${SLURM_SHARDS:-3}" \
		${SLURM_PARALLEL:+--parallel "$SLURM_PARALLEL"} \
		${SLURM_PARTITION:+--partition "$SLURM_PARTITION"} \
		"${eval_args[@]}" "$out" -- "${replay_args[@]}"
	if [ "${1:-}" = --update ]; then
		cp "$out/eval.json" "$baseline"
		update_readme "$out/eval.md"
	fi
	exit 0
fi

"$cadet" replay "${replay_args[@]}" -j 2 -o "$out/results.jsonl"

if [ "$split" = heldout ]; then
	"$cadet" eval "$out/results.jsonl" -o "$out/eval.json" --md "$out/eval.md"
	echo "held-out report: $out/eval.md ($out/eval.json); not a baseline, not for tuning"
elif [ "${1:-}" = --update ]; then
	"$cadet" eval "$out/results.jsonl" -o "$baseline" --md "$out/eval.md"
	update_readme "$out/eval.md"
else
	"$cadet" eval "$out/results.jsonl" -o "$out/eval.json" --md "$out/eval.md" \
		--baseline "$baseline" --tolerance "${TOLERANCE:-0.02}"
fi

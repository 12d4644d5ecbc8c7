#!/usr/bin/env bash
# Records the committed reference dataset datasets/ref/ with the project's
# own injector on this machine:
#   train/  normal-only runs of the common setup (web, batch, logger)
#   val/    normal-only runs, for thresholds
#   test/   every anomaly scenario, REPS repetitions with distinct seeds
# then writes MANIFEST.json. docs/datasets.md explains the choices.
# Usage: datasets/make-ref.sh [OUT]   (env: DURATION, REPS, TRAIN, VAL)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-datasets/ref}
cadet=${CADET:-build/cadet}
duration=${DURATION:-30}
reps=${REPS:-2}
ntrain=${TRAIN:-4}
nval=${VAL:-2}
# Syscall streams for sequence detectors (stide), but not of the nginx
# container under wrk: ~145k syscalls/s would make every run ~11 MB.
seq=(--syscall-seq --seq-exclude web)

mkdir -p "$out/train" "$out/val" "$out/test"
"$cadet" run scenarios/normal.ini "${seq[@]}" --duration "$duration" --repeat "$ntrain" --seed 1001 -o "$out/train"
"$cadet" run scenarios/normal.ini "${seq[@]}" --duration "$duration" --repeat "$nval" --seed 2001 -o "$out/val"
for ini in scenarios/*.ini; do
	# The fleet (12 containers, sized for 5 minutes) is no 30 s test run.
	case $(basename "$ini") in normal.ini | fleet.ini) continue ;; esac
	"$cadet" run "$ini" "${seq[@]}" --duration "$duration" --repeat "$reps" --seed 1 -o "$out/test"
done
CADET=$cadet python3 datasets/manifest.py "$out"

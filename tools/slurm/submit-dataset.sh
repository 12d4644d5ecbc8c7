#!/usr/bin/env bash
# Dataset generation as Slurm jobs: a job array over the runs
# (dataset-shard.sbatch, `cadet run --shard I/N`), then one job that merges
# the shards into DIR/{test,train}/ with one MANIFEST.json
# (dataset-merge.sbatch, --dependency=afterok).
#
#   tools/slurm/submit-dataset.sh [options] DIR -- RUN_ARGS... SCENARIO.ini...
#     DIR              dataset directory on a filesystem every node sees
#     --shards N       array size (default: one task per run)
#     --parallel K     at most K tasks at a time (--array=1-N%K)
#     --partition P    a partition whose jobs run as root with BPF
#     --repeat R       runs per scenario, seeds SEED.. (default 1)
#     --normal R       normal-only runs per scenario into train/, seeds
#                      SEED+1000.. (default 0)
#     --seed S         first seed (default 1)
#     --wait           wait and print the jobs' states; exit 0 when the
#                      merge job completed (without: print how to wait)
# RUN_ARGS: other cadet run options, e.g. --duration 60 --syscall-seq.
# Env: CADET (default build/cadet, made absolute).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
shards= parallel= partition= wait= repeat=1 normal=0 seed=1
while [ $# -gt 0 ]; do
	case $1 in
	--shards) shards=$2; shift 2 ;;
	--parallel) parallel=$2; shift 2 ;;
	--partition) partition=$2; shift 2 ;;
	--repeat) repeat=$2; shift 2 ;;
	--normal) normal=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--wait) wait=1; shift ;;
	--) shift; break ;;
	-*) echo "submit-dataset: unknown option $1 (see the head of $0)" >&2; exit 2 ;;
	*) dir=$1; shift ;;
	esac
done
[ -n "${dir:-}" ] && [ $# -gt 0 ] || { echo "usage: $0 [options] DIR -- RUN_ARGS... SCENARIO.ini... (see the head of $0)" >&2; exit 2; }
for v in repeat normal seed; do
	[[ ${!v} =~ ^[0-9]+$ ]] || { echo "submit-dataset: --$v '${!v}': want a whole number" >&2; exit 2; }
done
slurm_preflight submit-dataset
# The plan is checked here, before anything is queued: bad files fail now.
nscn=0
for a in "$@"; do [[ $a == *.ini ]] && nscn=$((nscn + 1)); done
"$cadet" run "$@" --repeat "$repeat" --seed "$seed" --dry-run >/dev/null
runs=$((nscn * repeat))
[ -n "$shards" ] || shards=$runs
[[ $shards =~ ^[1-9][0-9]*$ ]] || { echo "submit-dataset: --shards '$shards': want a count >= 1" >&2; exit 2; }
mkdir -p "$dir"
dir=$(realpath "$dir")
[ -e "$dir/MANIFEST.json" ] && { echo "submit-dataset: $dir has a MANIFEST.json: pick a new directory" >&2; exit 2; }
printf '%s\0' "$@" >"$dir/run.args"

common=(--parsable --chdir "$PWD"
	--export "ALL,CADET=$cadet,CADET_SLURM_DIR=$dir,CADET_REPEAT=$repeat,CADET_NORMAL=$normal,CADET_SEED=$seed")
[ -n "$partition" ] && common+=(--partition "$partition")
slurm_submit_chain "$shards" "$parallel" "$here/dataset-shard.sbatch" "$dir/run-%a.log" \
	"$here/dataset-merge.sbatch" "$dir/merge.log"
echo "dataset in $dir: $runs runs + $((nscn * normal)) normal ones; complete with $dir/MANIFEST.json"
rc=0
slurm_finish_chain "$wait" || rc=1
[ -n "$wait" ] && { grep -h -e '^run shard' -e 'MANIFEST' "$dir"/run-*.log "$dir/merge.log" 2>/dev/null || true; }
exit $rc

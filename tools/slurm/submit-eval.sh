#!/usr/bin/env bash
# Evaluation as Slurm jobs: a job array of N replay shards
# (replay-shard.sbatch, `cadet replay --shard I/N`), then one job that
# evaluates their results together (eval-merge.sbatch), started only when
# every shard succeeded (--dependency=afterok). Its eval.json is
# byte-identical to that of one unsharded `cadet replay` + `cadet eval`.
#
#   tools/slurm/submit-eval.sh [options] DIR -- REPLAY_ARGS...
#     DIR                  job directory on a filesystem every node sees:
#                          results-I.jsonl, eval.json, eval.md, logs
#     --shards N           array size (default 3)
#     --parallel K         at most K shards at a time (sbatch --array=1-N%K)
#     --partition P        partition to submit to (default: the default)
#     --eval-arg ARG       pass ARG to cadet eval (repeatable), e.g.
#                          --eval-arg --baseline --eval-arg eval/baselines/ref.json
#     --wait               wait for the jobs and print their states; exit 0
#                          when the eval job completed (without --wait it
#                          prints how to wait)
# REPLAY_ARGS are those of cadet replay without -o and --shard, e.g.
#   --train ref/train/*.cadet --validate ref/val/*.cadet --detector rules ref/test/*.cadet
# Env: CADET (default build/cadet, made absolute).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
shards=3 parallel= partition= wait= eval_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--shards) shards=$2; shift 2 ;;
	--parallel) parallel=$2; shift 2 ;;
	--partition) partition=$2; shift 2 ;;
	--eval-arg) eval_args+=("$2"); shift 2 ;;
	--wait) wait=1; shift ;;
	--) shift; break ;;
	-*) echo "submit-eval: unknown option $1 (see the head of $0)" >&2; exit 2 ;;
	*) dir=$1; shift ;;
	esac
done
[ -n "${dir:-}" ] && [ $# -gt 0 ] || { echo "usage: $0 [options] DIR -- REPLAY_ARGS... (see the head of $0)" >&2; exit 2; }
[[ $shards =~ ^[1-9][0-9]*$ ]] || { echo "submit-eval: --shards '$shards': want a count >= 1" >&2; exit 2; }
slurm_preflight submit-eval
mkdir -p "$dir"
dir=$(realpath "$dir")
rm -f "$dir"/results-*.jsonl "$dir"/eval.json "$dir"/eval.md
printf '%s\0' "$@" >"$dir/replay.args"
printf '%s\0' ${eval_args[@]+"${eval_args[@]}"} >"$dir/eval.args"

common=(--parsable --chdir "$PWD" --export "ALL,CADET=$cadet,CADET_SLURM_DIR=$dir")
[ -n "$partition" ] && common+=(--partition "$partition")
slurm_submit_chain "$shards" "$parallel" "$here/replay-shard.sbatch" "$dir/replay-%a.log" \
	"$here/eval-merge.sbatch" "$dir/eval.log"
echo "results in $dir; the eval in $dir/eval.json"
rc=0
slurm_finish_chain "$wait" || rc=1
[ -n "$wait" ] && { cat "$dir"/replay-*.log "$dir/eval.log" 2>/dev/null | grep -v '^$' || true; }
exit $rc

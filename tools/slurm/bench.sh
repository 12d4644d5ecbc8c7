#!/usr/bin/env bash
# Wall time of `make regress` on this machine and through a local Slurm
# cluster (local-cluster.sh) with 1 and 2 replay shards running at a time
# (3 shards, --array=1-3%K), REPS times each; the numbers of docs/scale.md.
# Needs root and the packages of install-deps.sh. Env: REPS (default 3).
set -euo pipefail
cd "$(dirname "$0")/../.."
cadet=$(realpath "${CADET:-build/cadet}")
reps=${REPS:-3}
. tools/slurm/local-cluster.sh
tools/slurm/install-deps.sh
tmp=$(mktemp -d /tmp/cadet-slurm-bench.XXXXXX)
chmod 0711 "$tmp"
trap 'cluster_stop; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cluster_start "$tmp/cluster" "$(nproc)" >/dev/null

# Seconds (ms resolution) that "$@" takes; its output goes to $tmp/log.
timed() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >>"$tmp/log" 2>&1
	t1=$(date +%s%N)
	printf '%d.%03d' $(((t1 - t0) / 1000000000)) $((((t1 - t0) / 1000000) % 1000))
}

echo "| path | runs (s) |"
echo "|---|---|"
for mode in local 1 2; do
	line=
	for ((i = 0; i < reps; i++)); do
		if [ "$mode" = local ]; then
			s=$(timed env OUT="$tmp/out" CADET="$cadet" tools/regress.sh)
		else
			s=$(timed env SLURM=1 SLURM_SHARDS=3 SLURM_PARALLEL="$mode" \
				OUT="$tmp/out" CADET="$cadet" tools/regress.sh)
		fi
		line+="$s "
	done
	case $mode in
	local) echo "| one machine, replay -j 2 | $line|" ;;
	*) echo "| Slurm, 3 shards, $mode at a time | $line|" ;;
	esac
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# make slurm-test: the Slurm path on a real (local, single-node) Slurm.
#   1. Debian's slurmctld, slurmd and munge installed if missing, their
#      system services neither started nor enabled (install-deps.sh);
#   2. a cluster in a temporary directory (local-cluster.sh);
#   3. `make regress SLURM=1`'s path: the reference dataset replayed as a
#      3-task job array, evaluated by a job depending on it; its eval.json
#      must equal the one-machine eval byte for byte;
#   4. a 2-task `cadet run` array (2 runs of 5 s) merged into one dataset
#      whose runs are those of the unsharded plan (skipped when this host
#      cannot record: cadet run's preflight says why);
#   5. daemons stopped, the directory removed, no daemon left (also on
#      Ctrl-C or SIGTERM).
# Exit 0 pass, 77 skip (not root), 1 fail. SLURM_TEST_RUNS=0 leaves out 4.
set -euo pipefail
cd "$(dirname "$0")/../.."
cadet=$(realpath "${CADET:-build/cadet}")
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (installs packages, runs slurmd as root)"
	exit 77
fi
. tools/slurm/local-cluster.sh
tools/slurm/install-deps.sh

tmp=$(mktemp -d /tmp/cadet-slurm-test.XXXXXX)
# munge clients (the slurm daemons) must reach its socket inside
chmod 0711 "$tmp"
# Long steps run in the background, in a process group of their own, and
# are waited for: bash runs a signal's trap only between commands, and
# `wait` is one it interrupts; the trap then ends the whole group.
child=
step() {
	local rc=0
	setsid "$@" &
	child=$!
	wait "$child" || rc=$?
	child=
	return "$rc"
}
cleanup() {
	[ -n "$child" ] && kill -TERM -- "-$child" 2>/dev/null
	cluster_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

t0=$SECONDS
cluster_start "$tmp/cluster" "$(nproc)"

echo "== evaluation: one machine"
step env OUT="$tmp/local" CADET="$cadet" tools/regress.sh >"$tmp/local.log" 2>&1 ||
	{ cat "$tmp/local.log"; fail "tools/regress.sh on this machine"; }
echo "== evaluation: Slurm array of 3 replay shards + dependent eval job"
step env SLURM=1 SLURM_SHARDS=3 OUT="$tmp/slurm" CADET="$cadet" tools/regress.sh ||
	fail "tools/regress.sh with SLURM=1"
local_hash=$(sha256sum <"$tmp/local/eval.json" | cut -d' ' -f1)
slurm_hash=$(sha256sum <"$tmp/slurm/eval.json" | cut -d' ' -f1)
echo "eval.json sha256: one machine $local_hash, Slurm merged $slurm_hash"
cmp "$tmp/local/eval.json" "$tmp/slurm/eval.json" ||
	fail "the merged eval differs from the one-machine eval"
echo "merged eval == one-machine eval (byte for byte)"

echo "== dataset: Slurm array of 2 cadet run shards + dependent manifest job"
why=
[ "${SLURM_TEST_RUNS:-1}" = 0 ] && why="SLURM_TEST_RUNS=0"
command -v runc >/dev/null || why="no runc (apt-get install runc)"
[ -d "$(injector/mkrootfs.sh --print-path 2>/dev/null)" ] || why="no container root filesystem (make rootfs)"
if [ -n "$why" ]; then
	echo "dataset array skipped: this host cannot run scenarios: $why"
else
	step env CADET="$cadet" tools/slurm/submit-dataset.sh --shards 2 --repeat 2 --seed 1 \
		--wait "$tmp/ds" -- --duration 5 scenarios/cpu_hog.ini ||
		fail "the dataset array"
	# The runs of the unsharded plan, named without their time stamps.
	want=$("$cadet" run scenarios/cpu_hog.ini --duration 5 --repeat 2 --seed 1 --dry-run |
		grep -o '[^/ ]*\.cadet' | sed 's/-[0-9T]*Z\.cadet$//' | sort)
	got=$(python3 -c 'import json,sys; [print(f["path"]) for f in json.load(open(sys.argv[1]))["files"]]' \
		"$tmp/ds/MANIFEST.json" | sed 's|^test/||; s/-[0-9T]*Z\.cadet$//' | sort)
	echo "runs of the unsharded plan: $(echo $want)"
	echo "runs in the merged MANIFEST: $(echo $got)"
	[ -n "$got" ] && [ "$want" = "$got" ] || fail "the merged dataset does not hold the planned runs"
	for f in "$tmp"/ds/test/*.cadet; do
		"$cadet" check "$f" >/dev/null || fail "cadet check $f"
	done
fi

cluster_stop
if pgrep -f "$tmp" >/dev/null; then
	pgrep -af "$tmp" >&2
	fail "processes of the test cluster are still running"
fi
for unit in slurmctld slurmd munge; do
	if systemctl is-active --quiet "$unit" 2>/dev/null || systemctl is-enabled --quiet "$unit" 2>/dev/null; then
		fail "system service $unit is running or enabled"
	fi
done
echo "PASS: slurm-test in $((SECONDS - t0)) s; no daemon left"

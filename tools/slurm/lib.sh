# Sourced by tools/slurm/submit-*.sh: waiting for Slurm jobs and saying
# how they ended, with scontrol (no accounting database needed; finished
# jobs stay visible for the cluster's MinJobAge) and sacct as a fallback.

# Before submitting, as @1: sbatch exists and CADET (default build/cadet)
# is a binary; sets cadet to its absolute path, which the jobs get.
slurm_preflight() {
	command -v sbatch >/dev/null || {
		echo "$1: sbatch not found: no Slurm client here (apt-get install slurm-client, or make slurm-test for a local cluster)" >&2
		exit 2
	}
	cadet=$(realpath "${CADET:-build/cadet}")
	[ -x "$cadet" ] || {
		echo "$1: $cadet is not executable: build it first (make)" >&2
		exit 2
	}
}

# "STATE EXIT" of job (or array task) @1, e.g. "COMPLETED 0:0".
slurm_state() {
	local line
	line=$(scontrol show job -o "$1" 2>/dev/null | head -n 1)
	if [ -n "$line" ]; then
		echo "$(grep -o 'JobState=[A-Z_]*' <<<"$line" | cut -d= -f2) $(grep -o ' ExitCode=[0-9:]*' <<<"$line" | cut -d= -f2)"
		return
	fi
	if command -v sacct >/dev/null; then
		sacct -n -X -P -j "$1" -o State,ExitCode 2>/dev/null | head -n 1 | tr '|' ' '
	fi
}

# The pending reason of job @1 ("None" when running or done).
slurm_reason() {
	scontrol show job -o "$1" 2>/dev/null | grep -o ' Reason=[^ ]*' | head -n 1 | cut -d= -f2 || true
}

slurm_done_state() {
	case $1 in
	COMPLETED | FAILED | CANCELLED* | TIMEOUT | OUT_OF_MEMORY | NODE_FAIL | DEADLINE | PREEMPTED | BOOT_FAIL) return 0 ;;
	esac
	return 1
}

# One line per job and array task: id, name, state, exit code, node, time.
slurm_show() {
	local id
	for id in "$@"; do
		scontrol show job -o "$id" 2>/dev/null | while read -r line; do
			local f
			for f in JobId ArrayJobId ArrayTaskId JobName JobState ExitCode NodeList RunTime; do
				local v
				v=$(grep -o "\\b$f=[^ ]*" <<<"$line" | head -n 1 | cut -d= -f2 || true)
				printf '%s=%s ' "$f" "${v:--}"
			done
			echo
		done
	done
}

# Waits for job @1 (the last of a chain) to end; 0 when it COMPLETED.
# Gives up when its dependency can never be satisfied (an earlier job of
# the chain failed): it is cancelled then.
slurm_wait() {
	local id=$1 st unknown=0
	while :; do
		st=$(slurm_state "$id")
		slurm_done_state "${st%% *}" && break
		# Neither scontrol nor sacct knows the job: the controller is
		# gone or the job expired; 15 tries, 30 s.
		if [ -z "${st// /}" ]; then
			unknown=$((unknown + 1))
			if [ "$unknown" -ge 15 ]; then
				echo "slurm: job $id is unknown to scontrol and sacct: is slurmctld up (scontrol ping)?" >&2
				return 1
			fi
		else
			unknown=0
		fi
		if [ "$(slurm_reason "$id")" = DependencyNeverSatisfied ]; then
			echo "slurm: job $id cannot start: a job it depends on failed; cancelling it" >&2
			scancel "$id" 2>/dev/null || true
			return 1
		fi
		sleep 2
	done
	[ "${st%% *}" = COMPLETED ]
}

# Submits a job array of @3 (tasks 1-@1, at most @2 at a time when set)
# and a job @5 that starts when every task succeeded (afterok), with the
# sbatch options in the array "common"; logs @4 (per task, %a) and @6.
# Sets chain_array and chain_after to the two job ids.
slurm_submit_chain() {
	local array=1-$1${2:+%$2}
	chain_array=$(sbatch "${common[@]}" --array "$array" --output "$4" "$3")
	chain_array=${chain_array%%;*}
	chain_after=$(sbatch "${common[@]}" --dependency "afterok:$chain_array" \
		--output "$6" "$5")
	chain_after=${chain_after%%;*}
	echo "submitted: array $chain_array of $(basename "$3") (--array=$array), then $chain_after of $(basename "$5") (afterok:$chain_array)"
}

# Without @1 (--wait) prints how to wait and returns 0; with it waits for
# the chain, prints the jobs' states and returns 0 when the last completed.
slurm_finish_chain() {
	if [ -z "$1" ]; then
		echo "wait with: squeue -j $chain_array,$chain_after   (done when both are gone)"
		return 0
	fi
	local rc=0
	slurm_wait "$chain_after" || rc=1
	slurm_show "$chain_array" "$chain_after"
	return $rc
}

#!/usr/bin/env bash
# Exact capture of a known workload in a real runc container: N execs of
# /bin/true are exactly N exec records of that container; M TCP connects
# to a loopback listener, K opens of a file and B bytes sent appear at
# least as often/large as done; the B bytes piped into nc and sent show
# in read_bytes and write_bytes; the syscall histogram, counted as
# syscalls return, still has the N exit_group calls that never return and
# one clone-family call per new task (not a second for the child's own
# return); the container's first METRICS is marked FIRST, the one after
# its removal TEARDOWN; no events lost.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/exact_workload.sh"
trace="$TEST_TMP/exact.cadet"

recorder_start "$trace" --interval 200ms
ctr_create exact "$EXACT_SCRIPT"
ctr_start exact
ctr_wait exact 60
runc delete exact # its removal: the teardown METRICS is in the trace
sleep 1.5 # one more metrics interval after the workload
recorder_stop

"$CADET" check "$trace" || fail "cadet check reports problems"
"$CADET" dump "$trace" --json >"$TEST_TMP/dump.jsonl"
cg=$(python3 -c '
import json, sys
cgs = {json.loads(l)["cgroup_id"] for l in open(sys.argv[1]) if json.loads(l).get("container") == "exact"}
assert len(cgs) == 1, f"records of exact carry cgroup ids {cgs}"
print(cgs.pop())' "$TEST_TMP/dump.jsonl") || fail "no single cgroup for container 'exact'"
python3 "$(dirname "$0")/exact_check.py" "$TEST_TMP/dump.jsonl" "$cg" $N $M $K $B ||
	fail "counts differ"
echo "PASS record_exact"

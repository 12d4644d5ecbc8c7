#!/usr/bin/env bash
# Exact capture of a known workload in a real runc container: N execs of
# /bin/true are exactly N exec records of that container; M TCP connects
# to a loopback listener, K opens of a file and B bytes sent appear at
# least as often/large as done; the B bytes piped into nc and sent show
# in read_bytes and write_bytes; the syscall histogram, counted as
# syscalls return, still has the N exit_group calls that never return and
# one clone-family call per new task (not a second for the child's own
# return); the container's first METRICS is marked FIRST, the one after
# its removal TEARDOWN; no events lost; without --bpf-stats each BPF
# program has one bpf_stats record (what ran, not measured), not one per
# interval.
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
python3 - "$TEST_TMP/dump.jsonl" <<'PY' || fail "unmeasured bpf_stats records are repeated"
import collections, json, sys
recs = [r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "bpf_stats"]
assert recs, "no bpf_stats record"
assert all(r["stats"] == 3 and r["run_cnt"] == 0 for r in recs), recs[0]
per_prog = collections.Counter(r["prog_id"] for r in recs)
repeated = {k: v for k, v in per_prog.items() if v != 1}
assert not repeated, f"records per program id: {repeated}"
print(f"bpf_stats: {len(recs)} programs, one record each")
PY
echo "PASS record_exact"

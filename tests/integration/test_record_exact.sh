#!/usr/bin/env bash
# Exact capture of a known workload in a real runc container: N execs of
# /bin/true are exactly N exec records of that container; M TCP connects
# to a loopback listener, K opens of a file and B bytes sent appear at
# least as often/large as done; no events lost.
. "$(dirname "$0")/lib.sh"
N=50 M=20 K=30 B=2000000
trace="$TEST_TMP/exact.cadet"

recorder_start "$trace" --interval 200ms
ctr_create exact "
	sleep 0.5
	for i in \$(seq $N); do /bin/true; done
	echo probe > /tmp/exact-probe.txt
	for i in \$(seq $K); do read line < /tmp/exact-probe.txt; done
	nc -lk 127.0.0.1 7001 >/dev/null &
	nc -l 127.0.0.1 7002 >/dev/null &
	sleep 0.3
	for i in \$(seq $M); do nc -z 127.0.0.1 7001; done
	head -c $B /dev/zero | nc -N 127.0.0.1 7002
	sleep 1.5
"
ctr_start exact
ctr_wait exact 60
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

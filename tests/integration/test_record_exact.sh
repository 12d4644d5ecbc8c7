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
runc delete exact # its removal: the teardown METRICS is in the trace
sleep 1.5 # one more metrics interval after the workload
recorder_stop

"$CADET" check "$trace" || fail "cadet check reports problems"
"$CADET" dump "$trace" --json >"$TEST_TMP/dump.jsonl"
python3 - "$TEST_TMP/dump.jsonl" $N $M $K $B <<'PY'
import json, sys
path, n, m, k, b = sys.argv[1], *map(int, sys.argv[2:])
recs = [json.loads(l) for l in open(path)]
mine = [r for r in recs if r.get("container") == "exact"]
assert mine, "no records attributed to container 'exact'"
cg = {r["cgroup_id"] for r in mine}
assert len(cg) == 1, f"records of 'exact' carry several cgroup ids: {cg}"
execs = [r for r in mine if r["type"] == "exec" and r["filename"] == "/bin/true"]
stray = [r for r in recs if r["type"] == "exec" and r["filename"] == "/bin/true" and r.get("container") != "exact"]
connects = [r for r in mine if r["type"] == "connect" and r["dport"] == 7001]
opens = [r for r in mine if r["type"] == "open" and r["path"].endswith("exact-probe.txt") and r["ret"] >= 0]
tx = sum(r["tx_bytes"] for r in mine if r["type"] == "metrics")
lost = sum(r["count"] for r in recs if r["type"] == "lost")
print(f"execs of /bin/true: {len(execs)} (want {n}), elsewhere: {len(stray)}")
print(f"connects to :7001: {len(connects)} (want >= {m})")
print(f"opens of the probe file: {len(opens)} (want >= {k + 1})")
print(f"tx_bytes of the container: {tx} (want >= {b})")
print(f"lost events: {lost}")
assert len(execs) == n, "exec count differs"
assert not stray, "execs attributed to another container"
assert len(connects) >= m, "connects missing"
assert len(opens) >= k + 1, "opens missing"
assert tx >= b, "sent bytes missing"
assert lost == 0, "events were lost"
# Edge intervals (format 1.2): the container's first METRICS is marked
# FIRST (0x1), the one after its removal TEARDOWN (0x2), no other is.
met = [r for r in mine if r["type"] == "metrics"]
removes = [r for r in mine if r["type"] == "container_remove"]
flags = [r["flags"] for r in met]
print(f"METRICS flags of the container: {flags}")
assert len(met) >= 3, "too few METRICS records"
assert flags[0] & 1 and not any(f & 1 for f in flags[1:]), "FIRST not on the first METRICS alone"
assert removes, "no container_remove for the container"
down = [r for r in met if r["flags"] & 2]
assert len(down) == 1 and down[0] is met[-1], "TEARDOWN not on the last METRICS alone"
# Written by the collection that follows the removal; when the removal is
# seen by that collection's own scan, the METRICS is stamped with the
# collection's time, a little before the CONTAINER_REMOVE.
assert abs(down[0]["ts"] - removes[0]["ts"]) < 1e9, "TEARDOWN METRICS far from the removal"
assert down[0]["rss_bytes"] == 0 and down[0]["nr_tasks"] == 0, "teardown METRICS is not empty"
PY
echo "PASS record_exact"

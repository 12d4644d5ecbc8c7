#!/usr/bin/env bash
# Exact capture of a known workload in a real runc container: N execs of
# /bin/true are exactly N exec records of that container; M TCP connects
# to a loopback listener, K opens of a file and B bytes sent appear at
# least as often/large as done; the B bytes piped into nc and sent show
# in read_bytes and write_bytes; the syscall histogram, counted as
# syscalls return, still has the N exit_group calls that never return and
# one clone-family call per new task (not a second for the child's own
# return); no events lost.
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
rd = sum(r["read_bytes"] for r in mine if r["type"] == "metrics")
wr = sum(r["write_bytes"] for r in mine if r["type"] == "metrics")
hist = {}
for r in mine:
    if r["type"] == "syscall_hist":
        h = r["hist"]
        for i in range(0, len(h), 2):
            hist[h[i]] = hist.get(h[i], 0) + h[i + 1]
# x86-64: clone, fork, vfork, clone3; exit_group
clones = sum(hist.get(nr, 0) for nr in (56, 57, 58, 435))
forks = len([r for r in mine if r["type"] == "fork"])
exit_groups = hist.get(231, 0)
lost = sum(r["count"] for r in recs if r["type"] == "lost")
print(f"execs of /bin/true: {len(execs)} (want {n}), elsewhere: {len(stray)}")
print(f"connects to :7001: {len(connects)} (want >= {m})")
print(f"opens of the probe file: {len(opens)} (want >= {k + 1})")
print(f"tx_bytes of the container: {tx} (want >= {b})")
print(f"read_bytes, write_bytes: {rd}, {wr} (want >= {2 * b} each)")
print(f"clone-family syscalls: {clones} (want {forks}, the fork records)")
print(f"exit_group syscalls: {exit_groups} (want >= {n})")
print(f"lost events: {lost}")
assert len(execs) == n, "exec count differs"
assert not stray, "execs attributed to another container"
assert len(connects) >= m, "connects missing"
assert len(opens) >= k + 1, "opens missing"
assert tx >= b, "sent bytes missing"
# head writes B into the pipe and nc reads them; nc writes them to the
# socket and the listener reads them.
assert rd >= 2 * b and wr >= 2 * b, "read/write bytes missing"
assert clones == forks, "clone-family syscalls differ from new tasks"
assert exit_groups >= n, "exit_group calls missing from the histogram"
assert lost == 0, "events were lost"
PY
echo "PASS record_exact"

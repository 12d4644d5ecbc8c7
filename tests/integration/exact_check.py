#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Ground-truth counts of the exact-capture workload in one container.

Usage: exact_check.py DUMP.jsonl CGROUP_ID N M K B

DUMP.jsonl is `cadet dump --json` of the trace. The container's records
are those of CGROUP_ID: exactly N execs of /bin/true (none in any other
cgroup), at least M connects to port 7001, K+1 opens of the probe file
and B bytes sent; the B bytes piped into nc and sent show in read_bytes
and write_bytes; the syscall histogram, counted as syscalls return,
still has the N exit_group calls that never return (counted as the
task exits inside them) and one clone-family
call per new task (not a second for the child's own return); the edge
intervals marked (format 1.2): the container's first METRICS FIRST (0x1),
the one after its removal TEARDOWN (0x2), no other; no events lost. Exits 1 with the reason otherwise.
"""
import json
import sys

path, cg, n, m, k, b = sys.argv[1], *map(int, sys.argv[2:])
recs = [json.loads(l) for l in open(path)]
mine = [r for r in recs if r.get("cgroup_id") == cg and not r["type"].startswith("container")]
execs = [r for r in mine if r["type"] == "exec" and r["filename"] == "/bin/true"]
stray = [r for r in recs if r["type"] == "exec" and r["filename"] == "/bin/true" and r.get("cgroup_id") != cg]
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
met = [r for r in mine if r["type"] == "metrics"]
removes = [r for r in recs if r["type"] == "container_remove" and r.get("cgroup_id") == cg]
flags = [r["flags"] for r in met]
down = [r for r in met if r["flags"] & 2]
print(f"METRICS flags of the container: {flags}")
for ok, why in ((len(met) >= 3, "too few METRICS records"),
                (flags and flags[0] & 1 and not any(f & 1 for f in flags[1:]),
                 "FIRST not on the first METRICS alone"),
                (removes, "no container_remove for the container"),
                (len(down) == 1 and down[0] is met[-1],
                 "TEARDOWN not on the last METRICS alone"),
                # Written by the collection that follows the removal;
                # when that collection's own scan sees the removal, the
                # METRICS is stamped a little before the CONTAINER_REMOVE.
                (down and removes and abs(down[0]["ts"] - removes[0]["ts"]) < 1e9,
                 "TEARDOWN METRICS far from the removal"),
                (down and down[0]["rss_bytes"] == 0 and down[0]["nr_tasks"] == 0,
                 "teardown METRICS is not empty")):
    if not ok:
        sys.exit(f"FAIL: {why}")
for ok, why in ((len(execs) == n, "exec count differs"),
                (not stray, "execs attributed to another container"),
                (len(connects) >= m, "connects missing"),
                (len(opens) >= k + 1, "opens missing"),
                (tx >= b, "sent bytes missing"),
                # head writes B into the pipe and nc reads them; nc writes
                # them to the socket and the listener reads them.
                (rd >= 2 * b and wr >= 2 * b, "read/write bytes missing"),
                (clones == forks,
                 "clone-family syscalls differ from new tasks"),
                (exit_groups >= n,
                 "exit_group calls missing from the histogram"),
                (lost == 0, "events were lost")):
    if not ok:
        sys.exit(f"FAIL: {why}")
